/*
 * The DMAR parser (lib/acpi.c, acpi_parse_dmar): DRHDs with their device
 * scopes and register-set size, RMRRs, ATSRs, and malformed tables, each
 * refused with a message naming the structure and the byte offset.
 *
 * "test_dmar --write-seeds DIR" writes the full table below as a seed of
 * the ACPI fuzzer (tests/fuzz/fuzz_acpi.c parses its input as a DMAR).
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>
#include <sdm/acpi.h>

static struct acpi_info info;
static struct sdm_err err;
static uint8_t tbl[8192];

/* A DMAR of the given remapping structures in tbl; returns its length. */
static size_t dmar(const uint8_t *s, size_t n)
{
	size_t len = 48 + n;

	assert_true(len <= sizeof(tbl));
	memset(tbl, 0, 48);
	memcpy(tbl, "DMAR", 4);
	tbl[4] = (uint8_t)len;
	tbl[5] = (uint8_t)(len >> 8);
	tbl[8] = 1;
	tbl[36] = 38; /* 39-bit host address width */
	tbl[37] = 1;  /* INTR_REMAP */
	memcpy(tbl + 48, s, n);
	tbl[9] = (uint8_t)(0x100 - acpi_checksum(tbl, len));
	return len;
}

static int parse(const uint8_t *s, size_t n)
{
	return acpi_parse_dmar(tbl, dmar(s, n), &info, &err);
}

#define EXPECT_ERR(rc, code, text)                      \
	do {                                            \
		assert_int_equal((rc), (code));         \
		assert_string_equal(err.msg, (text));   \
	} while (0)

/* Like a client platform: graphics unit, catch-all unit, RMRRs, ATSR. */
static const uint8_t full[] = {
	/* DRHD @48: scoped, 16 KiB registers (size 2), segment 0, 0xfed90000:
	 * endpoint 00:02.0 */
	0, 0, 24, 0, 0, 2, 0, 0, 0, 0, 0xd9, 0xfe, 0, 0, 0, 0,
	1, 8, 0, 0, 0, 0, 2, 0,
	/* DRHD @72: INCLUDE_PCI_ALL at 0xfed91000: I/O APIC 2 at f0:1f.0,
	 * HPET 0 at 00:1f.7 */
	0, 0, 32, 0, 1, 0, 0, 0, 0, 0x10, 0xd9, 0xfe, 0, 0, 0, 0,
	3, 8, 0, 0, 2, 0xf0, 0x1f, 0,
	4, 8, 0, 0, 0, 0, 0x1f, 7,
	/* RHSA @104 (type 3): skipped */
	3, 0, 20, 0, 0, 0, 0, 0, 0, 0, 0xd9, 0xfe, 0, 0, 0, 0, 0, 0, 0, 0,
	/* RMRR @124: 0x7a000000-0x7a0fffff, 00:14.0 and 00:1c.0/00.0 (two hops) */
	1, 0, 42, 0, 0, 0, 0, 0,
	0, 0, 0, 0x7a, 0, 0, 0, 0,
	0xff, 0xff, 0x0f, 0x7a, 0, 0, 0, 0,
	1, 8, 0, 0, 0, 0, 0x14, 0,
	1, 10, 0, 0, 0, 0, 0x1c, 0, 0, 0,
	/* ATSR @166: ALL_PORTS, segment 0, root port 00:1c.0 */
	2, 0, 16, 0, 1, 0, 0, 0,
	2, 8, 0, 0, 0, 0, 0x1c, 0,
};

static void test_full_table(void **state)
{
	memset(&info, 0xa5, sizeof(info));
	assert_int_equal(parse(full, sizeof(full)), SDM_OK);
	assert_int_equal(info.dmar_haw, 38);
	assert_int_equal(info.ndrhd, 2);
	assert_int_equal(info.nrmrr, 1);
	assert_int_equal(info.natsr, 1);
	assert_int_equal(info.ndmar_scopes, 6);

	const struct acpi_drhd *g = &info.drhd[0], *all = &info.drhd[1];

	assert_int_equal(g->base, 0xfed90000);
	assert_int_equal(g->size_log2, 2);
	assert_int_equal(g->flags, 0);
	assert_int_equal(g->first_scope, 0);
	assert_int_equal(g->nscopes, 1);
	assert_int_equal(info.dmar_scopes[0].type, ACPI_DMAR_SCOPE_ENDPOINT);
	assert_true(info.dmar_scopes[0].sid_known);
	assert_int_equal(info.dmar_scopes[0].sid, 0x0010); /* 00:02.0 */

	assert_int_equal(all->flags, ACPI_DRHD_INCLUDE_PCI_ALL);
	assert_int_equal(all->size_log2, 0);
	assert_int_equal(all->first_scope, 1);
	assert_int_equal(all->nscopes, 2);
	assert_int_equal(info.dmar_scopes[1].type, ACPI_DMAR_SCOPE_IOAPIC);
	assert_int_equal(info.dmar_scopes[1].enum_id, 2);
	assert_int_equal(info.dmar_scopes[1].start_bus, 0xf0);
	assert_int_equal(info.dmar_scopes[1].sid, 0xf0f8); /* f0:1f.0 */
	assert_int_equal(info.dmar_scopes[2].type, ACPI_DMAR_SCOPE_HPET);
	assert_int_equal(info.dmar_scopes[2].sid, 0x00ff); /* 00:1f.7 */

	const struct acpi_rmrr *r = &info.rmrr[0];

	assert_int_equal(r->base, 0x7a000000);
	assert_int_equal(r->limit, 0x7a0fffff);
	assert_int_equal(r->segment, 0);
	assert_int_equal(r->first_scope, 3);
	assert_int_equal(r->nscopes, 2);
	assert_int_equal(info.dmar_scopes[3].sid, 0x00a0); /* 00:14.0 */
	/* Two hops: the bus behind 00:1c.0 is not in the table. */
	assert_int_equal(info.dmar_scopes[4].npath, 2);
	assert_false(info.dmar_scopes[4].sid_known);
	assert_int_equal(info.dmar_scopes[4].path[0][0], 0x1c);
	assert_int_equal(info.dmar_scopes[4].path[1][0], 0);

	assert_int_equal(info.atsr[0].flags, 1);
	assert_int_equal(info.atsr[0].first_scope, 5);
	assert_int_equal(info.atsr[0].nscopes, 1);
	assert_int_equal(info.dmar_scopes[5].type, ACPI_DMAR_SCOPE_BRIDGE);

	/* A second parse starts from empty lists. */
	assert_int_equal(parse(full, sizeof(full)), SDM_OK);
	assert_int_equal(info.ndmar_scopes, 6);
	assert_int_equal(info.ndrhd, 2);
}

static void test_scope_path_malformed(void **state)
{
	static const uint8_t odd[] = {
		0, 0, 23, 0, 0, 0, 0, 0, 0, 0, 0xd9, 0xfe, 0, 0, 0, 0,
		1, 7, 0, 0, 0, 0, 2,
	};
	static const uint8_t dev32[] = {
		0, 0, 24, 0, 0, 0, 0, 0, 0, 0, 0xd9, 0xfe, 0, 0, 0, 0,
		1, 8, 0, 0, 0, 0, 32, 0,
	};
	static const uint8_t fn8[] = {
		0, 0, 26, 0, 0, 0, 0, 0, 0, 0, 0xd9, 0xfe, 0, 0, 0, 0,
		1, 10, 0, 0, 0, 0, 1, 0, 3, 8,
	};
	uint8_t deep[16 + 6 + 2 * (ACPI_DMAR_MAX_PATH + 1)] = {
		0, 0, sizeof(deep), 0, 0, 0, 0, 0, 0, 0, 0xd9, 0xfe, 0, 0, 0, 0,
		1, 6 + 2 * (ACPI_DMAR_MAX_PATH + 1),
	};

	EXPECT_ERR(parse(odd, sizeof(odd)), SDM_EINVAL,
		   "DMAR structure 0: device scope at offset 64: path of 1 bytes is not (device, function) pairs");
	EXPECT_ERR(parse(dev32, sizeof(dev32)), SDM_EINVAL,
		   "DMAR structure 0: device scope at offset 64: hop 0 names device 32 function 0 (at most 31, 7)");
	EXPECT_ERR(parse(fn8, sizeof(fn8)), SDM_EINVAL,
		   "DMAR structure 0: device scope at offset 64: hop 1 names device 3 function 8 (at most 31, 7)");
	EXPECT_ERR(parse(deep, sizeof(deep)), SDM_ENOSPC,
		   "DMAR structure 0: device scope at offset 64: path of 9 hops, more than 8 (ACPI_DMAR_MAX_PATH)");
}

static void test_too_many_scopes(void **state)
{
	/* One DRHD per 32 scopes (a structure length is 16 bits). */
	static uint8_t s[5 * (16 + 32 * 8)];
	size_t n = 0;

	memset(s, 0, sizeof(s));
	for (unsigned d = 0; d < 5; d++) {
		uint8_t *h = s + n;

		h[2] = (uint8_t)(16 + 32 * 8);
		h[3] = (uint8_t)((16 + 32 * 8) >> 8);
		h[9] = (uint8_t)(0x10 * d);
		for (unsigned k = 0; k < 32; k++) {
			uint8_t *sc = h + 16 + 8 * k;

			sc[0] = 1;
			sc[1] = 8;
			sc[6] = (uint8_t)k;
		}
		n += 16 + 32 * 8;
	}
	EXPECT_ERR(parse(s, n), SDM_ENOSPC,
		   "DMAR structure 4: device scope at offset 1152: more than 128 scopes (ACPI_MAX_DMAR_SCOPES)");
	/* Four units: 128 scopes fit. */
	assert_int_equal(parse(s, 4 * (16 + 32 * 8)), SDM_OK);
	assert_int_equal(info.ndmar_scopes, ACPI_MAX_DMAR_SCOPES);
	assert_int_equal(info.drhd[3].first_scope, 96);
}

static void test_rmrr_malformed(void **state)
{
	uint8_t r[24] = { 1, 0, 24, 0 };
	struct {
		uint64_t base, limit;
		const char *msg;
	} bad[] = {
		{ 0x7a000800, 0x7a0fffff, "DMAR structure 0 (RMRR) at offset 48: 0x7a000800-0x7a0fffff is not whole 4 KiB pages" },
		{ 0x7a000000, 0x7a0ffffe, "DMAR structure 0 (RMRR) at offset 48: 0x7a000000-0x7a0ffffe is not whole 4 KiB pages" },
		{ 0x7a000000, 0x79ffffff, "DMAR structure 0 (RMRR) at offset 48: 0x7a000000-0x79ffffff is not whole 4 KiB pages" },
		{ 0xfffffffffffff000ull, UINT64_MAX, "DMAR structure 0 (RMRR) at offset 48: 0xfffffffffffff000-0xffffffffffffffff is not whole 4 KiB pages" },
	};

	for (unsigned i = 0; i < ARRAY_SIZE(bad); i++) {
		memcpy(r + 8, &bad[i].base, 8);
		memcpy(r + 16, &bad[i].limit, 8);
		EXPECT_ERR(parse(r, sizeof(r)), SDM_EINVAL, bad[i].msg);
	}
	/* One page is fine. */
	uint64_t base = 0x1000, limit = 0x1fff;

	memcpy(r + 8, &base, 8);
	memcpy(r + 16, &limit, 8);
	assert_int_equal(parse(r, sizeof(r)), SDM_OK);
	assert_int_equal(info.rmrr[0].nscopes, 0);
}

static void test_too_many_rmrr_and_atsr(void **state)
{
	uint8_t s[(ACPI_MAX_RMRR + 1) * 24];

	memset(s, 0, sizeof(s));
	for (unsigned i = 0; i <= ACPI_MAX_RMRR; i++) {
		s[24 * i] = 1;
		s[24 * i + 2] = 24;
		s[24 * i + 16] = 0xff; /* limit 0xfff */
		s[24 * i + 17] = 0x0f;
	}
	EXPECT_ERR(parse(s, sizeof(s)), SDM_ENOSPC,
		   "DMAR structure 16 at offset 432: more than 16 RMRRs (ACPI_MAX_RMRR)");

	uint8_t a[(ACPI_MAX_ATSR + 1) * 8];

	memset(a, 0, sizeof(a));
	for (unsigned i = 0; i <= ACPI_MAX_ATSR; i++) {
		a[8 * i] = 2;
		a[8 * i + 2] = 8;
	}
	EXPECT_ERR(parse(a, sizeof(a)), SDM_ENOSPC,
		   "DMAR structure 8 at offset 112: more than 8 ATSRs (ACPI_MAX_ATSR)");
}

static void test_atsr_malformed(void **state)
{
	static const uint8_t shortened[] = { 2, 0, 6, 0, 1, 0 };
	static const uint8_t cut_scope[] = {
		2, 0, 14, 0, 1, 0, 0, 0, 2, 8, 0, 0, 0, 0,
	};

	EXPECT_ERR(parse(shortened, sizeof(shortened)), SDM_EINVAL,
		   "DMAR structure 0 (ATSR) at offset 48: length 6 < 8");
	EXPECT_ERR(parse(cut_scope, sizeof(cut_scope)), SDM_EINVAL,
		   "DMAR structure 0: device scope at offset 56: length 8 runs past the structure end (62)");
}

static void test_drhd_conflicts(void **state)
{
	static const uint8_t twice[] = {
		0, 0, 16, 0, 0, 0, 0, 0, 0, 0, 0xd9, 0xfe, 0, 0, 0, 0,
		0, 0, 16, 0, 0, 0, 0, 0, 0, 0, 0xd9, 0xfe, 0, 0, 0, 0,
	};
	static const uint8_t two_all[] = {
		0, 0, 16, 0, 1, 0, 0, 0, 0, 0, 0xd9, 0xfe, 0, 0, 0, 0,
		0, 0, 16, 0, 1, 0, 0, 0, 0, 0x10, 0xd9, 0xfe, 0, 0, 0, 0,
	};
	static const uint8_t two_segments[] = {
		0, 0, 16, 0, 1, 0, 0, 0, 0, 0, 0xd9, 0xfe, 0, 0, 0, 0,
		0, 0, 16, 0, 1, 0, 1, 0, 0, 0x10, 0xd9, 0xfe, 0, 0, 0, 0,
	};

	EXPECT_ERR(parse(twice, sizeof(twice)), SDM_EINVAL,
		   "DMAR structure 1 (DRHD) at offset 64: register base 0xfed90000 listed twice");
	EXPECT_ERR(parse(two_all, sizeof(two_all)), SDM_EINVAL,
		   "DMAR structure 1 (DRHD) at offset 64: a second INCLUDE_PCI_ALL unit for segment 0");
	assert_int_equal(parse(two_segments, sizeof(two_segments)), SDM_OK);
	assert_int_equal(info.drhd[1].segment, 1);
}

static void test_empty_path_kept_unknown(void **state)
{
	/* A scope with no hop (as some firmware writes): stored, no sid. */
	static const uint8_t s[] = {
		0, 0, 22, 0, 0, 0, 0, 0, 0, 0, 0xd9, 0xfe, 0, 0, 0, 0,
		2, 6, 0, 0, 0, 1,
	};

	assert_int_equal(parse(s, sizeof(s)), SDM_OK);
	assert_int_equal(info.dmar_scopes[0].npath, 0);
	assert_false(info.dmar_scopes[0].sid_known);
	assert_int_equal(info.dmar_scopes[0].start_bus, 1);
}

/* Every prefix of the full table: an error or a consistent result. */
static void test_truncations(void **state)
{
	for (size_t n = 0; n <= 48 + sizeof(full); n++) {
		uint8_t *copy;
		int rc;

		dmar(full, sizeof(full));
		copy = malloc(n ? n : 1);
		assert_non_null(copy);
		memcpy(copy, tbl, n);
		rc = acpi_parse_dmar(copy, n, &info, &err);
		free(copy);
		if (rc != SDM_OK)
			continue;
		assert_true(info.ndmar_scopes <= ACPI_MAX_DMAR_SCOPES);
		for (unsigned i = 0; i < info.ndrhd; i++)
			assert_true(info.drhd[i].first_scope + info.drhd[i].nscopes <=
				    info.ndmar_scopes);
	}
}

static int write_seeds(const char *dir)
{
	char path[512];
	size_t len = dmar(full, sizeof(full));
	FILE *f;

	snprintf(path, sizeof(path), "%s/dmar_full.bin", dir);
	f = fopen(path, "wb");
	if (f == NULL || fwrite(tbl, 1, len, f) != len) {
		perror(path);
		return 1;
	}
	return fclose(f) != 0;
}

int main(int argc, char **argv)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_full_table),
		cmocka_unit_test(test_scope_path_malformed),
		cmocka_unit_test(test_too_many_scopes),
		cmocka_unit_test(test_rmrr_malformed),
		cmocka_unit_test(test_too_many_rmrr_and_atsr),
		cmocka_unit_test(test_atsr_malformed),
		cmocka_unit_test(test_drhd_conflicts),
		cmocka_unit_test(test_empty_path_kept_unknown),
		cmocka_unit_test(test_truncations),
	};

	if (argc == 3 && strcmp(argv[1], "--write-seeds") == 0)
		return write_seeds(argv[2]);
	return cmocka_run_group_tests(tests, NULL, NULL);
}
