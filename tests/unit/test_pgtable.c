/* The x86-64 page-table builder on a buffer standing for physical memory. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>
#include <cmocka.h>
#include <sdm/pgtable.h>

#define POOL_PA 0x200000ull
#define POOL_PAGES 32
static uint64_t pool_mem[POOL_PAGES][512];

static uint64_t *table(void *ctx, uint64_t pa)
{
	assert_true(pa >= POOL_PA && pa < POOL_PA + POOL_PAGES * 4096ull);
	assert_true((pa & 0xfff) == 0);
	return pool_mem[(pa - POOL_PA) / 4096];
}

static struct pt_pool pool;
static struct pt pt;
static struct sdm_err err;

static int setup(void **state)
{
	memset(pool_mem, 0xa5, sizeof(pool_mem)); /* pages must be zeroed */
	pool = (struct pt_pool){ POOL_PA, POOL_PAGES, 0, table, NULL };
	assert_int_equal(pt_init(&pt, &pool, PT_X86, true, &err), SDM_OK);
	return 0;
}

static void test_4k_and_walk(void **state)
{
	uint64_t pa, fl;

	assert_int_equal(pt_map(&pt, 0xffffffff80000000ull, 0x1234000, 0x3000,
				PTE_NX, false, &err), SDM_OK);
	assert_true(pt_walk(&pt, 0xffffffff80001abcull, &pa, &fl));
	assert_int_equal(pa, 0x1235abc);
	assert_true(fl & PTE_NX);
	assert_false(fl & PTE_W);
	assert_false(pt_walk(&pt, 0xffffffff80003000ull, &pa, &fl));
	/* PML4 + PDPT + PD + PT */
	assert_int_equal(pool.used, 4);
}

static void test_large_pages_used_when_aligned(void **state)
{
	uint64_t pa, fl;

	assert_int_equal(pt_map(&pt, 0, 0, 0x600000, PTE_W | PTE_NX, true, &err),
			 SDM_OK);
	assert_int_equal(pool.used, 3); /* no PT needed */
	assert_true(pt_walk(&pt, 0x5fffff, &pa, &fl));
	assert_int_equal(pa, 0x5fffff);
	assert_true(fl & PTE_W);
	/* Unaligned physical address: falls back to 4 KiB pages. */
	assert_int_equal(pt_map(&pt, 0x40000000, 0x1000, 0x200000, 0, true, &err),
			 SDM_OK);
	assert_true(pt_walk(&pt, 0x40000000 + 0x1fffff, &pa, &fl));
	assert_int_equal(pa, 0x200fff);
	assert_false(fl & PTE_NX);
}

static void test_overlap_refused(void **state)
{
	assert_int_equal(pt_map(&pt, 0, 0, 0x200000, PTE_W, true, &err), SDM_OK);
	assert_int_equal(pt_map(&pt, 0x1000, 0x1000, 0x1000, PTE_W, false, &err),
			 SDM_EOVERLAP);
	assert_non_null(strstr(err.msg, "inside a large page"));
	assert_int_equal(pt_map(&pt, 0x400000, 0, 0x1000, 0, false, &err), SDM_OK);
	assert_int_equal(pt_map(&pt, 0x400000, 0, 0x1000, 0, false, &err),
			 SDM_EOVERLAP);
	assert_non_null(strstr(err.msg, "already mapped"));
}

static void test_bad_arguments(void **state)
{
	assert_int_equal(pt_map(&pt, 0x1001, 0, 0x1000, 0, false, &err), SDM_EINVAL);
	assert_non_null(strstr(err.msg, "not 4 KiB aligned"));
	assert_int_equal(pt_map(&pt, 0x0000800000000000ull, 0, 0x1000, 0, false,
				&err), SDM_ERANGE);
	assert_int_equal(pt_map(&pt, 0x00007ffffffff000ull, 0, 0x2000, 0, false,
				&err), SDM_ERANGE);
}

static void test_pool_exhausted(void **state)
{
	int rc = SDM_OK;

	/* Each 1 GiB-apart page needs its own PD and PT. */
	for (uint64_t i = 0; i < 40 && rc == SDM_OK; i++)
		rc = pt_map(&pt, i << 30, 0, 0x1000, 0, false, &err);
	assert_int_equal(rc, SDM_ENOSPC);
	assert_non_null(strstr(err.msg, "exhausted"));
}

static void test_nx_dropped_without_nxe(void **state)
{
	uint64_t pa, fl;

	pool.used = 0;
	assert_int_equal(pt_init(&pt, &pool, PT_X86, false, &err), SDM_OK);
	assert_int_equal(pt_map(&pt, 0, 0, 0x1000, PTE_NX | PTE_W, false, &err),
			 SDM_OK);
	assert_true(pt_walk(&pt, 0, &pa, &fl));
	assert_false(fl & PTE_NX);
}

static int setup_ept(void **state)
{
	memset(pool_mem, 0xa5, sizeof(pool_mem));
	pool = (struct pt_pool){ POOL_PA, POOL_PAGES, 0, table, NULL };
	assert_int_equal(pt_init(&pt, &pool, PT_EPT, false, &err), SDM_OK);
	pt.gib_pages = true;
	return 0;
}

static void test_ept_largest_pages(void **state)
{
	uint64_t pa, fl;

	/* 0..3 GiB + 2 MiB + 4 KiB: three 1 GiB, one 2 MiB, one 4 KiB leaf. */
	assert_int_equal(pt_map(&pt, 0, 0, 0xc0201000ull, EPT_RWX | EPT_MT(EPT_MT_WB),
				true, &err), SDM_OK);
	assert_int_equal(pt_leaf_size(&pt, 0x80000000ull), 1ull << 30);
	assert_int_equal(pt_leaf_size(&pt, 0xc0000000ull), 2ull << 20);
	assert_int_equal(pt_leaf_size(&pt, 0xc0200000ull), 4096);
	assert_int_equal(pt_leaf_size(&pt, 0xc0201000ull), 0);
	assert_true(pt_walk(&pt, 0x40000123ull, &pa, &fl));
	assert_int_equal(pa, 0x40000123ull);
	assert_int_equal(fl, EPT_RWX | EPT_MT(EPT_MT_WB));
	/* PML4 + PDPT + PD + PT */
	assert_int_equal(pool.used, 4);
	/* Without 1 GiB pages the same range takes 2 MiB leaves. */
	pt.gib_pages = false;
	assert_int_equal(pt_map(&pt, 0x100000000ull, 0x100000000ull, 1ull << 30,
				EPT_R, true, &err), SDM_OK);
	assert_int_equal(pt_leaf_size(&pt, 0x100000000ull), 2ull << 20);
}

static void test_ept_remap_to_other_host_page(void **state)
{
	uint64_t pa, fl;

	assert_int_equal(pt_map(&pt, 0xe0000, 0x7000000, 0x1000,
				EPT_R | EPT_MT(EPT_MT_WB), false, &err), SDM_OK);
	assert_true(pt_walk(&pt, 0xe0010, &pa, &fl));
	assert_int_equal(pa, 0x7000010);
	assert_int_equal(fl & EPT_RWX, EPT_R);
}

static void test_ept_bad_rights(void **state)
{
	assert_int_equal(pt_map(&pt, 0, 0, 0x1000, EPT_W, false, &err), SDM_EINVAL);
	assert_non_null(strstr(err.msg, "write without read"));
	assert_int_equal(pt_map(&pt, 0, 0, 0x1000, EPT_MT(EPT_MT_WB), false, &err),
			 SDM_EINVAL);
	assert_non_null(strstr(err.msg, "no access rights"));
	assert_int_equal(pt_map(&pt, 1ull << 48, 0, 0x1000, EPT_R, false, &err),
			 SDM_ERANGE);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup(test_4k_and_walk, setup),
		cmocka_unit_test_setup(test_large_pages_used_when_aligned, setup),
		cmocka_unit_test_setup(test_overlap_refused, setup),
		cmocka_unit_test_setup(test_bad_arguments, setup),
		cmocka_unit_test_setup(test_pool_exhausted, setup),
		cmocka_unit_test_setup(test_nx_dropped_without_nxe, setup),
		cmocka_unit_test_setup(test_ept_largest_pages, setup_ept),
		cmocka_unit_test_setup(test_ept_remap_to_other_host_page, setup_ept),
		cmocka_unit_test_setup(test_ept_bad_rights, setup_ept),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
