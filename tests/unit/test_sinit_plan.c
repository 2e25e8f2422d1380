/* dommgr placement and handoff construction (sinit/plan.c) on the host. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>
#include <cmocka.h>
#include "sinit/plan.h"

static struct mb2_info mb;
static struct elf64_image img;
static struct sdm_err err;
static const struct mem_range sinit_r = { 0x100000, 0x140000 };

static void add_mem(uint64_t base, uint64_t len, uint32_t type)
{
	mb.mmap[mb.nmmap++] = (struct mb2_mmap_entry){ base, len, type };
}

static int setup(void **state)
{
	memset(&mb, 0, sizeof(mb));
	memset(&err, 0, sizeof(err));
	mb.total_size = 0x400;
	/* A BIOS-style map of a 512 MiB machine. */
	add_mem(0, 0x9fc00, MB2_MEM_AVAILABLE);
	add_mem(0x9fc00, 0x400, MB2_MEM_RESERVED);
	add_mem(0xf0000, 0x10000, MB2_MEM_RESERVED);
	add_mem(0x100000, 0x1fe00000, MB2_MEM_AVAILABLE);
	add_mem(0x1ff00000, 0x100000, MB2_MEM_ACPI_RECLAIMABLE);
	add_mem(0xfffc0000, 0x40000, MB2_MEM_RESERVED);
	img = (struct elf64_image){ .entry = 0xffffffff80000000ul,
				    .vbase = 0xffffffff80000000ul,
				    .vend = 0xffffffff8000c000ul };
	return 0;
}

static void assert_clear_of(const struct dommgr_plan *p, uint64_t a, uint64_t b)
{
	assert_true(p->base + p->size <= a || p->base >= b);
}

static void test_highest_free(void **state)
{
	struct dommgr_plan p;

	assert_int_equal(dommgr_plan(&mb, sinit_r, 0x10000, &img, &p, &err),
			 SDM_OK);
	assert_int_equal(p.size, 0x800000);
	assert_int_equal(p.base, 0x1f600000); /* 0x1f800000 would hit ACPI */
	assert_int_equal(p.span, 0xc000);
	assert_int_equal(p.heap_off, 0xc000);
	assert_int_equal(p.stack_off, 0xc000 + DOMMGR_HEAP_SIZE);
	assert_int_equal(p.handoff_off, p.stack_off + 0x10000);
	assert_true(p.handoff_off + DOMMGR_HANDOFF_SIZE <= p.size);
}

static void test_avoids_modules_and_info(void **state)
{
	struct dommgr_plan p;

	mb.nmods = 2;
	mb.mods[0] = (struct mb2_module){ 0x1fd00000, 0x1fd01000, "normal" };
	mb.mods[1] = (struct mb2_module){ 0x1f900000, 0x1fa00000, "dommgr" };
	assert_int_equal(dommgr_plan(&mb, sinit_r, 0x1f7ff000, &img, &p, &err),
			 SDM_OK);
	assert_clear_of(&p, 0x1fd00000, 0x1fd01000);
	assert_clear_of(&p, 0x1f900000, 0x1fa00000);
	assert_clear_of(&p, 0x1f7ff000, 0x1f7ff400);
	assert_int_equal(p.base, 0x1ee00000);
}

static void test_firmware_range_wins(void **state)
{
	struct dommgr_plan p;

	/* A reserved range inside an available one. */
	add_mem(0x1fd00000, 0x1000, MB2_MEM_RESERVED);
	assert_int_equal(dommgr_plan(&mb, sinit_r, 0x10000, &img, &p, &err),
			 SDM_OK);
	assert_clear_of(&p, 0x1fd00000, 0x1fd01000);
	assert_int_equal(p.base, 0x1f400000);
}

static void test_no_room(void **state)
{
	struct dommgr_plan p;

	mb.nmmap = 0;
	add_mem(0, 0x9fc00, MB2_MEM_AVAILABLE);
	add_mem(0x100000, 0x100000, MB2_MEM_AVAILABLE);
	assert_int_equal(dommgr_plan(&mb, sinit_r, 0x10000, &img, &p, &err),
			 SDM_ENOMEM);
	assert_non_null(strstr(err.msg, "no free memory for dommgr: 8192 KiB needed"));
}

static void test_only_below_4g(void **state)
{
	struct dommgr_plan p;

	mb.nmmap = 0;
	add_mem(0x100000000ull, 0x40000000, MB2_MEM_AVAILABLE);
	assert_int_equal(dommgr_plan(&mb, sinit_r, 0x10000, &img, &p, &err),
			 SDM_ENOMEM);
}

static void test_image_too_big(void **state)
{
	struct dommgr_plan p;

	img.vend = img.vbase + DOMMGR_MAX_SPAN + 0x1000;
	assert_int_equal(dommgr_plan(&mb, sinit_r, 0x10000, &img, &p, &err),
			 SDM_ERANGE);
	assert_non_null(strstr(err.msg, "is larger than"));
}

/* Physical memory for module contents. */
static uint8_t phys[3][64] __attribute__((aligned(8)));

static const void *map(void *ctx, uint64_t pa, uint64_t len)
{
	unsigned i = (unsigned)(pa / 0x1000) - 1;

	return i < 3 && len <= sizeof(phys[0]) ? phys[i] : NULL;
}

static void put32(uint8_t *p, uint32_t v)
{
	memcpy(p, &v, 4);
}

static void test_handoff_fill(void **state)
{
	static struct sdm_handoff ho;

	memset(phys, 0, sizeof(phys));
	/* Module 2: multiboot2 header; module 3: multiboot1 header. */
	put32(phys[1], MB2_HEADER_MAGIC);
	put32(phys[1] + 8, 16);
	put32(phys[1] + 12, 0u - (MB2_HEADER_MAGIC + 16));
	put32(phys[1] + 16, 0);
	put32(phys[1] + 20, 8);
	put32(phys[2], MB1_HEADER_MAGIC);
	put32(phys[2] + 8, 0u - MB1_HEADER_MAGIC);
	mb.nmods = 4;
	mb.mods[0] = (struct mb2_module){ 0x1000, 0x1040, "dommgr loglevel=debug" };
	mb.mods[1] = (struct mb2_module){ 0x2000, 0x2040, "normal" };
	mb.mods[2] = (struct mb2_module){ 0x3000, 0x3040, " protected name=p0" };
	mb.mods[3] = (struct mb2_module){ 0x9000, 0x9040, "notes" };
	assert_int_equal(handoff_fill_boot(&ho, &mb, map, NULL, &err), SDM_OK);
	assert_int_equal(ho.magic, SDM_HANDOFF_MAGIC);
	assert_int_equal(ho.size, sizeof(ho));
	assert_int_equal(ho.nmmap, 6);
	assert_int_equal(ho.mmap[3].base, 0x100000);
	assert_int_equal(ho.nmods, 4);
	assert_string_equal(ho.mods[0].name, "dommgr");
	assert_int_equal(ho.mods[0].kind, SDM_MOD_DOMMGR);
	assert_int_equal(ho.mods[0].format, SDM_IMG_ELF64);
	assert_string_equal(ho.mods[0].cmdline, "dommgr loglevel=debug");
	assert_int_equal(ho.mods[1].kind, SDM_MOD_NORMAL);
	assert_int_equal(ho.mods[1].format, SDM_IMG_MULTIBOOT2);
	assert_int_equal(ho.mods[2].kind, SDM_MOD_PROTECTED);
	assert_string_equal(ho.mods[2].name, "protected");
	assert_int_equal(ho.mods[2].format, SDM_IMG_MULTIBOOT1);
	assert_int_equal(ho.mods[3].kind, SDM_MOD_OTHER);
	assert_int_equal(ho.mods[3].format, SDM_IMG_UNKNOWN); /* unmapped */
	assert_int_equal(ho.mods[3].size, 0x40);
	assert_int_equal(sdm_handoff_check(&ho, sizeof(ho), &err), SDM_OK);
}

static void test_handoff_bad_module_name(void **state)
{
	static struct sdm_handoff ho;

	mb.nmods = 1;
	mb.mods[0] = (struct mb2_module){ 0x1000, 0x1040,
		"a_module_name_that_is_much_longer_than_31_bytes x=1" };
	assert_int_equal(handoff_fill_boot(&ho, &mb, map, NULL, &err), SDM_EINVAL);
	assert_non_null(strstr(err.msg, "module 0: name longer than 31 bytes"));
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup(test_highest_free, setup),
		cmocka_unit_test_setup(test_avoids_modules_and_info, setup),
		cmocka_unit_test_setup(test_firmware_range_wins, setup),
		cmocka_unit_test_setup(test_no_room, setup),
		cmocka_unit_test_setup(test_only_below_4g, setup),
		cmocka_unit_test_setup(test_image_too_big, setup),
		cmocka_unit_test_setup(test_handoff_fill, setup),
		cmocka_unit_test_setup(test_handoff_bad_module_name, setup),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
