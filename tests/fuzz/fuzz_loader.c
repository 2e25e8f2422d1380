/*
 * libFuzzer target for guest_load_multiboot(). The input is the kernel
 * image, copied into a heap block of exactly its size so that ASan catches
 * any read past it. The fake domain has RAM at [0, 128 KiB) and
 * [4 MiB, 4 MiB + 64 KiB), each its own heap block, so a range crossing the gap
 * can never be served. On error, guest memory must be untouched (the
 * loader checks everything before writing). On success: every segment's
 * bytes and zeroed bss are where elf32_parse() says, and the written boot
 * information parses (mb2_parse() for multiboot2, a field-by-field decode
 * for multiboot1).
 *
 * dommgr/loader.c is not in the fuzz link (the Makefile links lib/ and
 * tpm/ only), so it is included here.
 */
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <sdm/elf32.h>
#include <sdm/mb2.h>
#include "dommgr/loader.c"

#define CHECK(c)                          \
	do {                              \
		if (!(c))                 \
			__builtin_trap(); \
	} while (0)

#define LO_SIZE 0x20000u
#define HI_GPA 0x400000u
#define HI_SIZE 0x10000u
#define INFO_GPA 0x10000u
#define FILL 0xa5
#define CMDLINE "console=ttyS0 fuzz"

static uint8_t *lo, *hi;
_Static_assert(LO_SIZE >= HI_SIZE, "fill and zero cover either region");
static uint8_t fill[LO_SIZE], zero[LO_SIZE];

static const struct guest_mem_range fmap[] = {
	{ .gpa = 0, .len = LO_SIZE, .type = 1 },
	{ .gpa = HI_GPA, .len = HI_SIZE, .type = 1 },
	{ .gpa = 0xfec00000u, .len = 0x1000, .type = 2 },
};

static void *fake_map(void *ctx, uint64_t gpa, uint64_t len)
{
	if (gpa < LO_SIZE && len <= LO_SIZE - gpa)
		return lo + gpa;
	if (gpa >= HI_GPA && gpa - HI_GPA < HI_SIZE &&
	    len <= HI_SIZE - (gpa - HI_GPA))
		return hi + (gpa - HI_GPA);
	return NULL;
}

/* memcmp, not a byte loop: coverage counters on a loop are slow. */
static bool untouched(const uint8_t *p, size_t n)
{
	return memcmp(p, fill, n) == 0;
}

static uint32_t get32(const uint8_t *p)
{
	uint32_t v;

	memcpy(&v, p, sizeof(v));
	return v;
}

static void check_loaded(const uint8_t *image, size_t len,
			 const struct guest_boot *b)
{
	struct elf64_image img;
	struct sdm_err e = { 0 };
	const uint8_t *info = fake_map(NULL, INFO_GPA, GUEST_INFO_SIZE);
	bool entry_ok = false;

	CHECK(elf32_parse(image, len, &img, &e) == SDM_OK);
	for (unsigned i = 0; i < img.nseg; i++) {
		const struct elf64_segment *s = &img.seg[i];
		const uint8_t *d = fake_map(NULL, s->vaddr, s->memsz);

		CHECK(d != NULL);
		CHECK(memcmp(d, image + s->offset, s->filesz) == 0);
		CHECK(memcmp(d + s->filesz, zero, s->memsz - s->filesz) == 0);
		if (b->entry >= s->vaddr && b->entry - s->vaddr < s->memsz)
			entry_ok = true;
	}
	CHECK(entry_ok);
	CHECK(b->info_gpa == INFO_GPA);
	if (b->kind == 2) {
		struct mb2_info mi;

		CHECK(b->magic == MB2_BOOTLOADER_MAGIC);
		CHECK(mb2_parse(info, GUEST_INFO_SIZE, &mi, &e) == SDM_OK);
		CHECK(mi.cmdline != NULL && strcmp(mi.cmdline, CMDLINE) == 0);
		CHECK(mi.loader_name != NULL &&
		      strcmp(mi.loader_name, GUEST_LOADER_NAME) == 0);
		CHECK(mi.have_meminfo && mi.mem_lower_kib == LO_SIZE / 1024 &&
		      mi.mem_upper_kib == 0);
		CHECK(mi.nmmap == ARRAY_SIZE(fmap));
	} else {
		uint32_t cmd = get32(info + 16), name = get32(info + 64);

		CHECK(b->kind == 1 && b->magic == MB1_BOOTLOADER_MAGIC);
		CHECK(get32(info) == (1u | 1u << 2 | 1u << 6 | 1u << 9));
		CHECK(get32(info + 4) == LO_SIZE / 1024);
		CHECK(get32(info + 44) == ARRAY_SIZE(fmap) * 24);
		CHECK(cmd >= INFO_GPA && cmd < INFO_GPA + GUEST_INFO_SIZE);
		CHECK(strcmp((const char *)lo + cmd, CMDLINE) == 0);
		CHECK(name >= INFO_GPA && name < INFO_GPA + GUEST_INFO_SIZE);
		CHECK(strcmp((const char *)lo + name, GUEST_LOADER_NAME) == 0);
	}
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct guest_boot b = { 0 };
	struct sdm_err e = { 0 };
	uint8_t *buf = malloc(size != 0 ? size : 1);
	int rc;

	if (lo == NULL) {
		lo = malloc(LO_SIZE);
		hi = malloc(HI_SIZE);
		CHECK(lo != NULL && hi != NULL);
		memset(fill, FILL, sizeof(fill));
	}
	CHECK(buf != NULL);
	memcpy(buf, data, size);
	memset(lo, FILL, LO_SIZE);
	memset(hi, FILL, HI_SIZE);
	rc = guest_load_multiboot("fuzz image", buf, size, CMDLINE, fmap,
				  ARRAY_SIZE(fmap), fake_map, NULL, INFO_GPA,
				  &b, &e);
	if (rc == SDM_OK) {
		check_loaded(buf, size, &b);
	} else {
		CHECK(rc < 0 && e.code == rc && e.msg[0] != '\0');
		CHECK(untouched(lo, LO_SIZE) && untouched(hi, HI_SIZE));
	}
	free(buf);
	return 0;
}
