/* Unit tests for lib/mb2.c: synthetic boot information laid out as GRUB's. */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <cmocka.h>

#include <sdm/mb2.h>

static uint64_t store[8192 / 8]; /* 8-byte aligned, like GRUB's info */
static uint8_t *const buf = (uint8_t *)store;
static size_t blen;              /* bytes written so far */
static struct mb2_info info;
static struct sdm_err err;

static void wr32(size_t off, uint32_t v)
{
	memcpy(buf + off, &v, 4);
}

static void wr64(size_t off, uint64_t v)
{
	memcpy(buf + off, &v, 8);
}

static void mb_begin(void)
{
	memset(store, 0, sizeof(store));
	blen = 8;
}

/* Appends a tag with the given payload; returns its offset. */
static size_t mb_tag(uint32_t type, const void *payload, size_t plen)
{
	size_t off = blen;

	assert_true(off + 8 + plen <= sizeof(store));
	wr32(off, type);
	wr32(off + 4, (uint32_t)(8 + plen));
	if (plen != 0)
		memcpy(buf + off + 8, payload, plen);
	blen = (off + 8 + plen + 7) & ~(size_t)7;
	return off;
}

static size_t mb_string(uint32_t type, const char *s)
{
	return mb_tag(type, s, strlen(s) + 1);
}

static size_t mb_module(uint32_t start, uint32_t end, const char *cmdline)
{
	uint8_t p[256];
	size_t n = strlen(cmdline) + 1;

	memcpy(p, &start, 4);
	memcpy(p + 4, &end, 4);
	memcpy(p + 8, cmdline, n);
	return mb_tag(MB2_TAG_MODULE, p, 8 + n);
}

struct ent {
	uint64_t base, len;
	uint32_t type;
};

/* A memory map tag with entries of esize bytes. */
static size_t mb_mmap(uint32_t esize, const struct ent *e, unsigned n)
{
	size_t off = blen;
	size_t size = 16 + (size_t)n * esize;

	assert_true(off + size <= sizeof(store));
	wr32(off, MB2_TAG_MMAP);
	wr32(off + 4, (uint32_t)size);
	wr32(off + 8, esize);
	wr32(off + 12, 0);
	for (unsigned i = 0; i < n; i++) {
		size_t eo = off + 16 + (size_t)i * esize;

		wr64(eo, e[i].base);
		wr64(eo + 8, e[i].len);
		wr32(eo + 16, e[i].type);
		wr32(eo + 20, 0);
	}
	blen = (off + size + 7) & ~(size_t)7;
	return off;
}

/* The end tag and total_size; returns total_size. */
static uint32_t mb_end(void)
{
	mb_tag(MB2_TAG_END, NULL, 0);
	wr32(0, (uint32_t)blen);
	return (uint32_t)blen;
}

static int parse(void)
{
	memset(&err, 0, sizeof(err));
	return mb2_parse(buf, blen, &info, &err);
}

static void assert_err(int rc, int code, const char *msg)
{
	assert_int_equal(rc, code);
	assert_int_equal(err.code, code);
	if (strstr(err.msg, msg) == NULL)
		fail_msg("error \"%s\" does not contain \"%s\"", err.msg, msg);
}

static const struct ent grub_mmap[6] = {
	{ 0x0, 0x9fc00, MB2_MEM_AVAILABLE },
	{ 0x9fc00, 0x400, MB2_MEM_RESERVED },
	{ 0xf0000, 0x10000, MB2_MEM_RESERVED },
	{ 0x100000, 0x7fee0000, MB2_MEM_AVAILABLE },
	{ 0x7ffe0000, 0x20000, MB2_MEM_ACPI_RECLAIMABLE },
	{ 0xfffc0000, 0x40000, MB2_MEM_RESERVED },
};

static uint8_t rsdp[36] = "RSD PTR ";

/* What GRUB hands over for a typical SDM boot; offsets are recorded. */
static size_t off_cmdline, off_mod[3], off_mmap, off_acpi;

static void build_grub_like(void)
{
	static const uint8_t fb[24] = { 1, 2, 3, 4 }; /* skipped: unknown */
	const uint32_t meminfo[2] = { 639, 2096000 };

	mb_begin();
	off_cmdline = mb_string(MB2_TAG_CMDLINE, "console=com1 loglevel=2");
	mb_string(MB2_TAG_BOOTLOADER, "GRUB 2.06-13+deb12u1");
	off_mod[0] = mb_module(0x200000, 0x2345678, "dommgr verbose");
	off_mod[1] = mb_module(0x2346000, 0x2346400, "policy");
	off_mod[2] = mb_module(0x2347000, 0x2347000, "normal root=/dev/sda1");
	mb_tag(MB2_TAG_BASIC_MEMINFO, meminfo, sizeof(meminfo));
	mb_tag(MB2_TAG_BOOTDEV, "\x80\xff\xff\xff\xff\xff\xff\xff\xff\xff\xff\xff", 12);
	off_mmap = mb_mmap(24, grub_mmap, 6);
	mb_tag(MB2_TAG_FRAMEBUFFER, fb, sizeof(fb));
	off_acpi = mb_tag(MB2_TAG_ACPI_NEW, rsdp, sizeof(rsdp));
	mb_end();
}

static void test_valid_grub_like(void **state)
{
	build_grub_like();
	assert_int_equal(parse(), SDM_OK);
	assert_int_equal(info.total_size, blen);
	assert_ptr_equal(info.cmdline, buf + off_cmdline + 8);
	assert_string_equal(info.cmdline, "console=com1 loglevel=2");
	assert_string_equal(info.loader_name, "GRUB 2.06-13+deb12u1");
	assert_int_equal(info.nmods, 3);
	assert_int_equal(info.mods[0].start, 0x200000);
	assert_int_equal(info.mods[0].end, 0x2345678);
	assert_ptr_equal(info.mods[0].cmdline, buf + off_mod[0] + 16);
	assert_string_equal(info.mods[0].cmdline, "dommgr verbose");
	assert_int_equal(info.mods[1].start, 0x2346000);
	assert_int_equal(info.mods[1].end, 0x2346400);
	assert_string_equal(info.mods[1].cmdline, "policy");
	assert_int_equal(info.mods[2].start, 0x2347000);
	assert_int_equal(info.mods[2].end, 0x2347000);
	assert_string_equal(info.mods[2].cmdline, "normal root=/dev/sda1");
	assert_true(info.have_meminfo);
	assert_int_equal(info.mem_lower_kib, 639);
	assert_int_equal(info.mem_upper_kib, 2096000);
	assert_int_equal(info.nmmap, 6);
	for (unsigned i = 0; i < 6; i++) {
		assert_int_equal(info.mmap[i].base, grub_mmap[i].base);
		assert_int_equal(info.mmap[i].len, grub_mmap[i].len);
		assert_int_equal(info.mmap[i].type, grub_mmap[i].type);
	}
	assert_int_equal(info.rsdp_tag, 15);
	assert_ptr_equal(info.rsdp, buf + off_acpi + 8);
	assert_int_equal(info.rsdp_len, 36);
	assert_memory_equal(info.rsdp, "RSD PTR ", 8);
}

static void test_minimal_and_padding(void **state)
{
	/* Only the end tag: nothing is present. */
	mb_begin();
	mb_end();
	assert_int_equal(parse(), SDM_OK);
	assert_int_equal(info.total_size, 16);
	assert_null(info.cmdline);
	assert_null(info.loader_name);
	assert_int_equal(info.nmods, 0);
	assert_int_equal(info.nmmap, 0);
	assert_false(info.have_meminfo);
	assert_null(info.rsdp);
	assert_int_equal(info.rsdp_tag, 0);

	/*
	 * Decision: bytes after the end tag (up to total_size) are padding
	 * and are not parsed, even when they look like a broken tag.
	 */
	mb_begin();
	mb_string(MB2_TAG_CMDLINE, "x");
	mb_end();
	wr32(blen, 3);   /* a module tag of size 4 */
	wr32(blen + 4, 4);
	blen += 24;
	wr32(0, (uint32_t)blen);
	assert_int_equal(parse(), SDM_OK);
	assert_int_equal(info.total_size, blen);
	assert_string_equal(info.cmdline, "x");
	assert_int_equal(info.nmods, 0);
}

static void test_acpi_old_and_new(void **state)
{
	uint8_t old[20] = "RSD PTR ";

	/* Old first, then new: new wins. */
	mb_begin();
	mb_tag(MB2_TAG_ACPI_OLD, old, sizeof(old));
	size_t o = mb_tag(MB2_TAG_ACPI_NEW, rsdp, sizeof(rsdp));
	mb_end();
	assert_int_equal(parse(), SDM_OK);
	assert_int_equal(info.rsdp_tag, 15);
	assert_ptr_equal(info.rsdp, buf + o + 8);
	assert_int_equal(info.rsdp_len, 36);
	/* New first, then old: new still wins. */
	mb_begin();
	o = mb_tag(MB2_TAG_ACPI_NEW, rsdp, sizeof(rsdp));
	mb_tag(MB2_TAG_ACPI_OLD, old, sizeof(old));
	mb_end();
	assert_int_equal(parse(), SDM_OK);
	assert_int_equal(info.rsdp_tag, 15);
	assert_ptr_equal(info.rsdp, buf + o + 8);
	/* Old only. */
	mb_begin();
	o = mb_tag(MB2_TAG_ACPI_OLD, old, sizeof(old));
	mb_end();
	assert_int_equal(parse(), SDM_OK);
	assert_int_equal(info.rsdp_tag, 14);
	assert_ptr_equal(info.rsdp, buf + o + 8);
	assert_int_equal(info.rsdp_len, 20);
	/* Two old tags. */
	mb_begin();
	mb_tag(MB2_TAG_ACPI_OLD, old, sizeof(old));
	mb_tag(MB2_TAG_ACPI_NEW, rsdp, sizeof(rsdp));
	mb_tag(MB2_TAG_ACPI_OLD, old, sizeof(old));
	mb_end();
	assert_err(parse(), SDM_EINVAL,
		   "multiboot2 tag 14 (ACPI old RSDP) at offset 0x58: duplicate tag");
}

static void test_acpi_too_short(void **state)
{
	mb_begin();
	mb_tag(MB2_TAG_ACPI_NEW, rsdp, 20);
	mb_end();
	assert_err(parse(), SDM_EINVAL,
		   "multiboot2 tag 15 (ACPI new RSDP) at offset 0x8: size 28 is below the minimum 44");
	mb_begin();
	mb_tag(MB2_TAG_ACPI_OLD, rsdp, 19);
	mb_end();
	assert_err(parse(), SDM_EINVAL,
		   "multiboot2 tag 14 (ACPI old RSDP) at offset 0x8: size 27 is below the minimum 28");
}

static void test_mmap_large_entries(void **state)
{
	/* A future entry_size of 32 is allowed; the extra bytes are skipped. */
	mb_begin();
	mb_mmap(32, grub_mmap, 6);
	mb_end();
	assert_int_equal(parse(), SDM_OK);
	assert_int_equal(info.nmmap, 6);
	assert_int_equal(info.mmap[5].base, 0xfffc0000);
	assert_int_equal(info.mmap[5].len, 0x40000);
	assert_int_equal(info.mmap[5].type, MB2_MEM_RESERVED);
	/* An empty map is allowed, and counts as the one mmap tag. */
	mb_begin();
	mb_mmap(24, NULL, 0);
	mb_mmap(24, grub_mmap, 1);
	mb_end();
	assert_err(parse(), SDM_EINVAL,
		   "multiboot2 tag 6 (mmap) at offset 0x18: duplicate tag");
}

static void test_total_size_small(void **state)
{
	mb_begin();
	mb_end();
	wr32(0, 8);
	assert_err(parse(), SDM_EINVAL,
		   "multiboot2 info: total_size 8 is below the minimum 16");
	assert_err(mb2_parse(buf, 4, &info, &err), SDM_ERANGE,
		   "multiboot2 info: 4 bytes available, below the fixed part 8");
}

static void test_total_size_above_avail(void **state)
{
	char want[80];

	build_grub_like();
	snprintf(want, sizeof(want),
		 "multiboot2 info: total_size %zu exceeds the %zu bytes available",
		 blen, blen - 8);
	assert_err(mb2_parse(buf, blen - 8, &info, &err), SDM_ERANGE, want);
}

static void test_total_size_above_limit(void **state)
{
	mb_begin();
	mb_end();
	wr32(0, MB2_MAX_INFO_SIZE + 8);
	/* Refused before anything beyond the first 8 bytes is read. */
	assert_err(mb2_parse(buf, SIZE_MAX, &info, &err), SDM_ERANGE,
		   "multiboot2 info: total_size 262152 exceeds the limit 262144");
}

static void test_misaligned(void **state)
{
	mb_begin();
	mb_end();
	memmove(buf + 4, buf, 16);
	assert_err(mb2_parse(buf + 4, 16, &info, &err), SDM_EINVAL,
		   "is not 8-byte aligned");
}

static void test_tag_size_below_8(void **state)
{
	mb_begin();
	size_t o = mb_tag(99, NULL, 0);

	mb_end();
	wr32(o + 4, 4);
	assert_err(parse(), SDM_EINVAL,
		   "multiboot2 tag 99 (other) at offset 0x8: size 4 is below the minimum 8");
}

static void test_module_too_small(void **state)
{
	mb_begin();
	mb_string(MB2_TAG_CMDLINE, "abcdefghijklmnopqrstuvwxyz0123456789ab");
	size_t o = mb_tag(MB2_TAG_MODULE, "\0\0\0\0", 4);

	mb_end();
	assert_int_equal(o, 0x38);
	assert_err(parse(), SDM_EINVAL,
		   "multiboot2 tag 3 (module) at offset 0x38: size 12 is below the minimum 17");
}

static void test_tag_past_end(void **state)
{
	mb_begin();
	size_t o = mb_string(MB2_TAG_CMDLINE, "hello");

	mb_end();
	wr32(o + 4, 100);
	assert_err(parse(), SDM_ERANGE,
		   "multiboot2 tag 1 (cmdline) at offset 0x8: size 100 runs past total_size 32");
	/* The tag at 8 may be at most 24 bytes: one more is too far. */
	wr32(o + 4, 24);
	assert_err(parse(), SDM_ENOENT, "no end tag within total_size 32");
	wr32(o + 4, 25);
	assert_err(parse(), SDM_ERANGE, "size 25 runs past total_size 32");
}

static void test_missing_end_tag(void **state)
{
	mb_begin();
	mb_string(MB2_TAG_CMDLINE, "hello");
	wr32(0, (uint32_t)blen);
	assert_err(parse(), SDM_ENOENT,
		   "multiboot2 info: no end tag within total_size 24");
	/* The padding of the last tag reaches past total_size. */
	wr32(0, 22);
	assert_err(parse(), SDM_ENOENT,
		   "multiboot2 info: no end tag within total_size 22");
	/* 4 bytes left after the last tag: no room for a tag header. */
	wr32(0, 28);
	blen = 28;
	assert_err(parse(), SDM_ERANGE,
		   "multiboot2 info: tag header at offset 0x18 runs past total_size 28");
}

static void test_end_tag_wrong_size(void **state)
{
	mb_begin();
	mb_string(MB2_TAG_CMDLINE, "hello");
	size_t o = mb_tag(MB2_TAG_END, "\0\0\0\0\0\0\0\0", 8);

	wr32(0, (uint32_t)blen);
	assert_int_equal(o, 0x18);
	assert_err(parse(), SDM_EINVAL,
		   "multiboot2 tag 0 (end) at offset 0x18: size 16 is not 8");
}

static void test_string_without_nul(void **state)
{
	mb_begin();
	size_t o = mb_tag(MB2_TAG_CMDLINE, "abc", 3);

	mb_end();
	/* The padding after the tag is zero, but it is not part of the tag. */
	assert_int_equal(buf[o + 11], 0);
	assert_err(parse(), SDM_EINVAL,
		   "multiboot2 tag 1 (cmdline) at offset 0x8: string of 3 bytes is not NUL-terminated");

	mb_begin();
	mb_string(MB2_TAG_BOOTLOADER, "GRUB");
	o = mb_module(0x1000, 0x2000, "dommgr");
	mb_end();
	wr32(o + 4, 16 + 6); /* cut the NUL off the module string */
	assert_err(parse(), SDM_EINVAL,
		   "multiboot2 tag 3 (module) at offset 0x18: string of 6 bytes is not NUL-terminated");
}

static void test_module_start_above_end(void **state)
{
	mb_begin();
	mb_module(0x200000, 0x100000, "dommgr");
	mb_end();
	assert_err(parse(), SDM_EINVAL,
		   "multiboot2 tag 3 (module) at offset 0x8: mod_start 0x200000 is above mod_end 0x100000");
}

static void test_too_many_modules(void **state)
{
	mb_begin();
	for (int i = 0; i < MB2_MAX_MODULES; i++)
		mb_module(0x1000, 0x2000, "m");
	mb_end();
	assert_int_equal(parse(), SDM_OK);
	assert_int_equal(info.nmods, MB2_MAX_MODULES);

	mb_begin();
	for (int i = 0; i <= MB2_MAX_MODULES; i++)
		mb_module(0x1000, 0x2000, "m");
	mb_end();
	assert_err(parse(), SDM_ENOSPC,
		   "multiboot2 tag 3 (module) at offset 0x188: more than 16 modules");
}

static void test_mmap_entry_size(void **state)
{
	mb_begin();
	mb_mmap(20, grub_mmap, 2);
	mb_end();
	assert_err(parse(), SDM_EINVAL,
		   "multiboot2 tag 6 (mmap) at offset 0x8: entry_size 20 is not a multiple of 8 >= 24");
	mb_begin();
	mb_mmap(28, grub_mmap, 2);
	mb_end();
	assert_err(parse(), SDM_EINVAL, "entry_size 28 is not a multiple of 8");
	mb_begin();
	mb_mmap(0, grub_mmap, 0);
	mb_end();
	assert_err(parse(), SDM_EINVAL, "entry_size 0 is not a multiple of 8");
}

static void test_mmap_entries_not_fitting(void **state)
{
	mb_begin();
	size_t o = mb_mmap(24, grub_mmap, 3);

	mb_end();
	wr32(o + 4, 16 + 2 * 24 + 8);
	assert_err(parse(), SDM_EINVAL,
		   "multiboot2 tag 6 (mmap) at offset 0x8: 56 bytes of entries are not a multiple of entry_size 24");
}

static void test_mmap_wrapping(void **state)
{
	const struct ent e[2] = {
		{ 0x0, 0x1000, MB2_MEM_AVAILABLE },
		{ 0xfffffffffffff000, 0x1000, MB2_MEM_RESERVED },
	};

	mb_begin();
	mb_mmap(24, e, 2);
	mb_end();
	assert_err(parse(), SDM_ERANGE,
		   "multiboot2 tag 6 (mmap) at offset 0x8: entry 1: base 0xfffffffffffff000 + length 0x1000 wraps");
}

static void test_too_many_mmap_entries(void **state)
{
	static struct ent e[MB2_MAX_MMAP + 1];

	for (unsigned i = 0; i < ARRAY_SIZE(e); i++)
		e[i] = (struct ent){ i * 0x1000ull, 0x1000, MB2_MEM_AVAILABLE };
	mb_begin();
	mb_mmap(24, e, MB2_MAX_MMAP);
	mb_end();
	assert_int_equal(parse(), SDM_OK);
	assert_int_equal(info.nmmap, MB2_MAX_MMAP);
	assert_int_equal(info.mmap[MB2_MAX_MMAP - 1].base,
			 (MB2_MAX_MMAP - 1) * 0x1000ull);
	mb_begin();
	mb_mmap(24, e, MB2_MAX_MMAP + 1);
	mb_end();
	assert_err(parse(), SDM_ENOSPC,
		   "multiboot2 tag 6 (mmap) at offset 0x8: 129 memory map entries exceed the limit 128");
}

static void test_duplicate_cmdline(void **state)
{
	mb_begin();
	mb_string(MB2_TAG_CMDLINE, "a");
	mb_string(MB2_TAG_BOOTLOADER, "b");
	mb_string(MB2_TAG_CMDLINE, "c");
	mb_end();
	assert_err(parse(), SDM_EINVAL,
		   "multiboot2 tag 1 (cmdline) at offset 0x28: duplicate tag");
}

static void test_find_module(void **state)
{
	mb_begin();
	mb_module(0x1000, 0x2000, "dommgr2 x");
	mb_module(0x3000, 0x4000, "dommgr");
	mb_module(0x5000, 0x6000, "  policy arg");
	mb_module(0x7000, 0x8000, "");
	mb_end();
	assert_int_equal(parse(), SDM_OK);
	assert_ptr_equal(mb2_find_module(&info, "dommgr"), &info.mods[1]);
	assert_ptr_equal(mb2_find_module(&info, "dommgr2"), &info.mods[0]);
	assert_ptr_equal(mb2_find_module(&info, "policy"), &info.mods[2]);
	assert_null(mb2_find_module(&info, "dom"));
	assert_null(mb2_find_module(&info, "dommgr22"));
	assert_null(mb2_find_module(&info, "x"));     /* not the first word */
	assert_null(mb2_find_module(&info, "arg"));
	assert_null(mb2_find_module(&info, "dommgr ")); /* never a word */
	assert_null(mb2_find_module(&info, ""));
	assert_null(mb2_find_module(&info, NULL));

	/* A single empty command line matches nothing. */
	mb_begin();
	mb_module(0x7000, 0x8000, "");
	mb_end();
	assert_int_equal(parse(), SDM_OK);
	assert_null(mb2_find_module(&info, "dommgr"));
}

/* Kernel images: a multiboot2 or multiboot1 header somewhere in them. */
static uint8_t img[40960];

static void put_mb2_header(size_t off, uint32_t arch, uint32_t hlen,
			   uint32_t adjust)
{
	uint32_t v[4] = { MB2_HEADER_MAGIC, arch, hlen, 0 };

	v[3] = 0u - (v[0] + v[1] + v[2]) + adjust;
	memcpy(img + off, v, sizeof(v));
}

static void put_mb1_header(size_t off, uint32_t flags, uint32_t adjust)
{
	uint32_t v[3] = { MB1_HEADER_MAGIC, flags, 0 };

	v[2] = 0u - (v[0] + v[1]) + adjust;
	memcpy(img + off, v, sizeof(v));
}

static void test_kernel_kind_mb2(void **state)
{
	memset(img, 0, sizeof(img));
	assert_int_equal(mb_kernel_kind(img, sizeof(img)), 0);
	put_mb2_header(8, 0, 24, 0);
	assert_int_equal(mb_kernel_kind(img, sizeof(img)), 2);
	/* Truncated: the header must lie inside the image. */
	assert_int_equal(mb_kernel_kind(img, 8 + 24), 2);
	assert_int_equal(mb_kernel_kind(img, 8 + 23), 0);
	assert_int_equal(mb_kernel_kind(img, 8 + 15), 0);
	assert_int_equal(mb_kernel_kind(img, 0), 0);

	memset(img, 0, sizeof(img));
	put_mb2_header(8, 0, 24, 1); /* bad checksum */
	assert_int_equal(mb_kernel_kind(img, sizeof(img)), 0);
	memset(img, 0, sizeof(img));
	put_mb2_header(8, 4, 24, 0); /* MIPS */
	assert_int_equal(mb_kernel_kind(img, sizeof(img)), 0);
	memset(img, 0, sizeof(img));
	put_mb2_header(8, 0, 8, 0);  /* header_length below 16 */
	assert_int_equal(mb_kernel_kind(img, sizeof(img)), 0);
	memset(img, 0, sizeof(img));
	put_mb2_header(12, 0, 24, 0); /* not 8-byte aligned */
	assert_int_equal(mb_kernel_kind(img, sizeof(img)), 0);

	/* The whole header must be in the first 32 KiB. */
	memset(img, 0, sizeof(img));
	put_mb2_header(32768, 0, 16, 0);
	assert_int_equal(mb_kernel_kind(img, sizeof(img)), 0);
	memset(img, 0, sizeof(img));
	put_mb2_header(32768 - 16, 0, 16, 0);
	assert_int_equal(mb_kernel_kind(img, sizeof(img)), 2);
	memset(img, 0, sizeof(img));
	put_mb2_header(32768 - 16, 0, 24, 0);
	assert_int_equal(mb_kernel_kind(img, sizeof(img)), 0);
}

static void test_kernel_kind_mb1(void **state)
{
	memset(img, 0, sizeof(img));
	put_mb1_header(4, 0x10003, 0);
	assert_int_equal(mb_kernel_kind(img, sizeof(img)), 1);
	assert_int_equal(mb_kernel_kind(img, 16), 1);
	assert_int_equal(mb_kernel_kind(img, 15), 0); /* truncated */
	/* Both: multiboot2 is preferred. */
	put_mb2_header(64, 0, 16, 0);
	assert_int_equal(mb_kernel_kind(img, sizeof(img)), 2);

	memset(img, 0, sizeof(img));
	put_mb1_header(4, 0x10003, 2); /* bad checksum */
	assert_int_equal(mb_kernel_kind(img, sizeof(img)), 0);
	memset(img, 0, sizeof(img));
	put_mb1_header(6, 3, 0);       /* not 4-byte aligned */
	assert_int_equal(mb_kernel_kind(img, sizeof(img)), 0);
	/* The whole header must be in the first 8 KiB. */
	memset(img, 0, sizeof(img));
	put_mb1_header(8192, 3, 0);
	assert_int_equal(mb_kernel_kind(img, sizeof(img)), 0);
	memset(img, 0, sizeof(img));
	put_mb1_header(8192 - 12, 3, 0);
	assert_int_equal(mb_kernel_kind(img, sizeof(img)), 1);
	memset(img, 0, sizeof(img));
	put_mb1_header(8192 - 8, 3, 0);
	assert_int_equal(mb_kernel_kind(img, sizeof(img)), 0);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_valid_grub_like),
		cmocka_unit_test(test_minimal_and_padding),
		cmocka_unit_test(test_acpi_old_and_new),
		cmocka_unit_test(test_acpi_too_short),
		cmocka_unit_test(test_mmap_large_entries),
		cmocka_unit_test(test_total_size_small),
		cmocka_unit_test(test_total_size_above_avail),
		cmocka_unit_test(test_total_size_above_limit),
		cmocka_unit_test(test_misaligned),
		cmocka_unit_test(test_tag_size_below_8),
		cmocka_unit_test(test_module_too_small),
		cmocka_unit_test(test_tag_past_end),
		cmocka_unit_test(test_missing_end_tag),
		cmocka_unit_test(test_end_tag_wrong_size),
		cmocka_unit_test(test_string_without_nul),
		cmocka_unit_test(test_module_start_above_end),
		cmocka_unit_test(test_too_many_modules),
		cmocka_unit_test(test_mmap_entry_size),
		cmocka_unit_test(test_mmap_entries_not_fitting),
		cmocka_unit_test(test_mmap_wrapping),
		cmocka_unit_test(test_too_many_mmap_entries),
		cmocka_unit_test(test_duplicate_cmdline),
		cmocka_unit_test(test_find_module),
		cmocka_unit_test(test_kernel_kind_mb2),
		cmocka_unit_test(test_kernel_kind_mb1),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
