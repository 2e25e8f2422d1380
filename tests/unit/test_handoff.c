/* Unit tests for lib/handoff.c: a valid handoff and each violation. */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <cmocka.h>

#include <sdm/handoff.h>

static struct sdm_handoff ho;
static struct sdm_err err;

static void make_valid(void)
{
	memset(&ho, 0, sizeof(ho));
	ho.magic = SDM_HANDOFF_MAGIC;
	ho.version = SDM_HANDOFF_VERSION;
	ho.size = sizeof(ho);
	ho.launch_kind = SDM_LAUNCH_STATIC;
	ho.sinit_base = 0x100000;
	ho.sinit_end = 0x180000;
	ho.dommgr_base = 0x7f000000;
	ho.dommgr_end = 0x7f800000;
	ho.heap_base = 0x7f010000;
	ho.heap_size = 0x600000;
	ho.heap_used = 0x3000;
	ho.nmmap = SDM_HO_MAX_MMAP;
	for (unsigned i = 0; i < SDM_HO_MAX_MMAP; i++)
		ho.mmap[i] = (struct sdm_ho_mem){ i * 0x100000ull, 0x100000,
						  1, 0 };
	ho.nmods = SDM_HO_MAX_MODULES;
	for (unsigned i = 0; i < SDM_HO_MAX_MODULES; i++) {
		ho.mods[i].base = 0x1000000 + i * 0x100000ull;
		ho.mods[i].size = 0x1234;
		memset(ho.mods[i].name, 'n', sizeof(ho.mods[i].name) - 1);
		memset(ho.mods[i].cmdline, 'c', sizeof(ho.mods[i].cmdline) - 1);
	}
	ho.platform.ncpus = SDM_HO_MAX_CPUS;
	ho.platform.ndrhd = SDM_HO_MAX_DRHD;
	memset(ho.sinit_cmdline, 's', sizeof(ho.sinit_cmdline) - 1);
	memset(ho.dommgr_cmdline, 'd', sizeof(ho.dommgr_cmdline) - 1);
}

static int check(void)
{
	memset(&err, 0, sizeof(err));
	return sdm_handoff_check(&ho, sizeof(ho), &err);
}

static void assert_err(int rc, int code, const char *msg)
{
	assert_int_equal(rc, code);
	assert_int_equal(err.code, code);
	if (strstr(err.msg, msg) == NULL)
		fail_msg("error \"%s\" does not contain \"%s\"", err.msg, msg);
}

static void test_valid(void **state)
{
	make_valid();
	assert_int_equal(check(), SDM_OK);
	/* More room than needed is fine; counts below the limits too. */
	assert_int_equal(sdm_handoff_check(&ho, sizeof(ho) + 100, &err),
			 SDM_OK);
	ho.nmmap = 0;
	ho.nmods = 0;
	ho.platform.ncpus = 1;
	ho.platform.ndrhd = 0;
	ho.sinit_end = ho.sinit_base;   /* empty ranges */
	ho.dommgr_end = ho.dommgr_base;
	ho.heap_base = ho.dommgr_base;
	ho.heap_size = ho.heap_used = 0;
	assert_int_equal(check(), SDM_OK);
}

static void test_header(void **state)
{
	make_valid();
	assert_err(sdm_handoff_check(&ho, 11, &err), SDM_ERANGE,
		   "handoff: 11 bytes available, below the 12-byte header");
	ho.magic = 0x484d4454;
	assert_err(check(), SDM_EINVAL,
		   "handoff: magic 0x484d4454 is not 0x484d4453");
	make_valid();
	ho.version = 2;
	assert_err(check(), SDM_EINVAL, "handoff: version 2 is not 1");
	make_valid();
	char want[96];

	ho.size = sizeof(ho) - 8;
	snprintf(want, sizeof(want), "handoff: size %zu is not %zu",
		 sizeof(ho) - 8, sizeof(ho));
	assert_err(check(), SDM_EINVAL, want);
	make_valid();
	snprintf(want, sizeof(want),
		 "handoff: size %zu exceeds the %zu bytes available", sizeof(ho),
		 sizeof(ho) - 1);
	assert_err(sdm_handoff_check(&ho, sizeof(ho) - 1, &err), SDM_ERANGE,
		   want);
}

static void test_counts(void **state)
{
	make_valid();
	ho.nmmap = SDM_HO_MAX_MMAP + 1;
	assert_err(check(), SDM_ERANGE, "handoff: nmmap 129 exceeds 128");
	make_valid();
	ho.nmods = SDM_HO_MAX_MODULES + 1;
	assert_err(check(), SDM_ERANGE, "handoff: nmods 17 exceeds 16");
	make_valid();
	ho.platform.ncpus = SDM_HO_MAX_CPUS + 1;
	assert_err(check(), SDM_ERANGE,
		   "handoff: platform.ncpus 65 exceeds 64");
	make_valid();
	ho.platform.ndrhd = 0xffffffff;
	assert_err(check(), SDM_ERANGE,
		   "handoff: platform.ndrhd 4294967295 exceeds 8");
}

static void test_strings(void **state)
{
	make_valid();
	ho.mods[15].name[31] = 'x';
	assert_err(check(), SDM_EINVAL,
		   "handoff: mods[15].name is not NUL-terminated within 32 bytes");
	/* Unused module entries are checked too. */
	make_valid();
	ho.nmods = 1;
	ho.mods[3].cmdline[127] = 'x';
	assert_err(check(), SDM_EINVAL,
		   "handoff: mods[3].cmdline is not NUL-terminated within 128 bytes");
	make_valid();
	ho.sinit_cmdline[255] = 'x';
	assert_err(check(), SDM_EINVAL,
		   "handoff: sinit_cmdline is not NUL-terminated within 256 bytes");
	make_valid();
	ho.dommgr_cmdline[127] = 'x';
	assert_err(check(), SDM_EINVAL,
		   "handoff: dommgr_cmdline is not NUL-terminated within 128 bytes");
}

static void test_ranges(void **state)
{
	make_valid();
	ho.mmap[127].base = 0xfffffffffff00000;
	assert_err(check(), SDM_ERANGE,
		   "handoff: mmap[127] base 0xfffffffffff00000 + len 0x100000 wraps");
	/* Entries beyond nmmap are not used and not checked. */
	ho.nmmap = 127;
	assert_int_equal(check(), SDM_OK);

	make_valid();
	ho.mods[2].size = UINT64_MAX;
	assert_err(check(), SDM_ERANGE,
		   "handoff: mods[2] base 0x1200000 + size 0xffffffffffffffff wraps");
	ho.nmods = 2;
	assert_int_equal(check(), SDM_OK);

	make_valid();
	ho.sinit_end = ho.sinit_base - 1;
	assert_err(check(), SDM_ERANGE,
		   "handoff: sinit_base 0x100000 is above sinit_end 0xfffff");
	make_valid();
	ho.dommgr_base = ho.dommgr_end + 0x1000;
	assert_err(check(), SDM_ERANGE,
		   "handoff: dommgr_base 0x7f801000 is above dommgr_end 0x7f800000");
}

static void test_heap_inside_region(void **state)
{
	make_valid();
	ho.heap_base = 0x7e000000;
	assert_err(check(), SDM_ERANGE, "heap 0x7e000000+0x600000 (0x3000 used) "
		   "is not inside dommgr's region 0x7f000000-0x7f800000");
	make_valid();
	ho.heap_size = 0x800000;
	assert_err(check(), SDM_ERANGE, "is not inside dommgr's region");
	make_valid();
	ho.heap_used = 0x600001;
	assert_err(check(), SDM_ERANGE, "is not inside dommgr's region");
	make_valid();
	ho.measure = (struct sdm_ho_measure){ .evlog_pa = 0x7f7f0000,
					      .evlog_cap = 0x10000,
					      .evlog_len = 0x100,
					      .evlog_format = 2, .nbanks = 2 };
	assert_int_equal(check(), SDM_OK);
	ho.measure.evlog_pa = 0x7f7f1000; /* runs past dommgr_end */
	assert_err(check(), SDM_ERANGE, "event log (format 2, 2 banks, 256 of "
		   "65536 bytes at 0x7f7f1000) is not inside dommgr's region");
	ho.measure.evlog_pa = 0x7f7f0000;
	ho.measure.evlog_len = 0x10001;
	assert_err(check(), SDM_ERANGE, "event log");
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_valid),
		cmocka_unit_test(test_header),
		cmocka_unit_test(test_heap_inside_region),
		cmocka_unit_test(test_counts),
		cmocka_unit_test(test_strings),
		cmocka_unit_test(test_ranges),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
