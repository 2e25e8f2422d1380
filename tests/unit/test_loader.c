/*
 * Unit tests for dommgr/loader.c: the real hello test kernels
 * (build/guests/hello-mb{1,2}.elf) and synthetic images loaded into a fake
 * guest memory of 8 MiB at GPA 0 with a hole at [0xa0000, 0x100000).
 */
#include <errno.h>
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>

#include <sdm/elf32.h>
#include <sdm/mb2.h>
#include "dommgr/loader.h"

#define MEM_SIZE 0x800000u
#define HOLE_START 0xa0000u
#define HOLE_END 0x100000u
#define INFO_GPA 0x10000u
#define FILL 0xa5 /* guest memory before a load */
#define CMDLINE "console=ttyS0 loglevel=7"

static _Alignas(4096) uint8_t mem[MEM_SIZE];
static struct guest_boot boot;
static struct sdm_err err;

/* The fake domain's RAM: [0, MEM_SIZE) minus the hole. */
static void *fake_map(void *ctx, uint64_t gpa, uint64_t len)
{
	if (gpa >= MEM_SIZE || len > MEM_SIZE - gpa)
		return NULL;
	if (gpa < HOLE_END && gpa + len > HOLE_START)
		return NULL;
	return mem + gpa;
}

/* What the guest is told: low RAM, an EBDA-like reserved page, high RAM. */
static const struct guest_mem_range map3[] = {
	{ .gpa = 0, .len = 0x9f000, .type = 1 },
	{ .gpa = 0x9f000, .len = 0x1000, .type = 2 },
	{ .gpa = HOLE_END, .len = MEM_SIZE - HOLE_END, .type = 1 },
};
#define LOWER_KIB (0x9f000u / 1024)
#define UPPER_KIB ((MEM_SIZE - HOLE_END) / 1024)

static int load_map(const void *image, size_t len, const char *cmdline,
		    const struct guest_mem_range *map, unsigned nmap,
		    uint32_t info_gpa)
{
	memset(mem, FILL, sizeof(mem));
	memset(&boot, 0, sizeof(boot));
	memset(&err, 0, sizeof(err));
	return guest_load_multiboot("normal image", image, len, cmdline, map,
				    nmap, fake_map, NULL, info_gpa, &boot,
				    &err);
}

static int load(const void *image, size_t len)
{
	return load_map(image, len, CMDLINE, map3, ARRAY_SIZE(map3),
			INFO_GPA);
}

static uint32_t rd32(const uint8_t *p)
{
	uint32_t v;

	memcpy(&v, p, sizeof(v));
	return v;
}

static uint64_t rd64(const uint8_t *p)
{
	uint64_t v;

	memcpy(&v, p, sizeof(v));
	return v;
}

static void wr32(uint8_t *p, uint32_t v)
{
	memcpy(p, &v, sizeof(v));
}

/* The error, and the promise that nothing was written before it. */
static void assert_err(int rc, int code, const char *msg)
{
	assert_int_equal(rc, code);
	assert_int_equal(err.code, code);
	if (strstr(err.msg, msg) == NULL)
		fail_msg("error \"%s\" does not contain \"%s\"", err.msg, msg);
	if (strncmp(err.msg, "normal image: ", 14) != 0)
		fail_msg("error \"%s\" does not name the image", err.msg);
	for (size_t i = 0; i < sizeof(mem); i++)
		if (mem[i] != FILL)
			fail_msg("guest memory written at 0x%zx before the error",
				 i);
}

/* ---------------------------------------------------------------- files */

static uint8_t *read_file(const char *path, size_t *len)
{
	FILE *f = fopen(path, "rb");
	uint8_t *buf;
	long n;

	if (f == NULL)
		fail_msg("cannot open %s (%s): build it with `make %s` and run the test from the repository root",
			 path, strerror(errno), path);
	assert_int_equal(fseek(f, 0, SEEK_END), 0);
	n = ftell(f);
	assert_true(n > 0);
	rewind(f);
	buf = malloc((size_t)n);
	assert_non_null(buf);
	assert_int_equal(fread(buf, 1, (size_t)n, f), (size_t)n);
	fclose(f);
	*len = (size_t)n;
	return buf;
}

/*
 * Checks, reading the ELF file independently of lib/elf32.c, that every
 * PT_LOAD landed byte for byte at p_paddr with its bss zeroed, and that no
 * byte of guest memory outside the segments and the information area was
 * written. Returns e_entry.
 */
static uint32_t check_segments(const uint8_t *f, size_t len)
{
	static uint8_t covered[MEM_SIZE];
	struct elf32_ehdr eh;
	unsigned nload = 0;

	memset(covered, 0, sizeof(covered));
	memset(covered + INFO_GPA, 1, GUEST_INFO_SIZE);
	assert_true(len >= sizeof(eh));
	memcpy(&eh, f, sizeof(eh));
	for (unsigned i = 0; i < eh.e_phnum; i++) {
		struct elf32_phdr ph;

		assert_true(eh.e_phoff + (i + 1) * sizeof(ph) <= len);
		memcpy(&ph, f + eh.e_phoff + i * sizeof(ph), sizeof(ph));
		if (ph.p_type != ELF_PT_LOAD || ph.p_memsz == 0)
			continue;
		nload++;
		assert_true(ph.p_paddr + ph.p_memsz <= MEM_SIZE);
		assert_memory_equal(mem + ph.p_paddr, f + ph.p_offset,
				    ph.p_filesz);
		for (uint32_t b = ph.p_filesz; b < ph.p_memsz; b++)
			if (mem[ph.p_paddr + b] != 0)
				fail_msg("bss byte at 0x%x is 0x%02x",
					 ph.p_paddr + b, mem[ph.p_paddr + b]);
		memset(covered + ph.p_paddr, 1, ph.p_memsz);
	}
	assert_true(nload > 0);
	for (size_t i = 0; i < sizeof(mem); i++)
		if (!covered[i] && mem[i] != FILL)
			fail_msg("guest memory at 0x%zx written outside the segments and the information area",
				 i);
	return eh.e_entry;
}

static void check_mb2_info(const char *cmdline)
{
	struct mb2_info info;
	struct sdm_err e = { 0 };

	if (mb2_parse(mem + INFO_GPA, GUEST_INFO_SIZE, &info, &e) != SDM_OK)
		fail_msg("written multiboot2 information: %s", e.msg);
	assert_true(info.total_size <= GUEST_INFO_SIZE);
	assert_int_equal(info.total_size % 8, 0);
	assert_non_null(info.cmdline);
	assert_string_equal(info.cmdline, cmdline);
	assert_non_null(info.loader_name);
	assert_string_equal(info.loader_name, "SDM dommgr");
	assert_true(info.have_meminfo);
	assert_int_equal(info.mem_lower_kib, LOWER_KIB);
	assert_int_equal(info.mem_upper_kib, UPPER_KIB);
	assert_int_equal(info.nmods, 0);
	assert_int_equal(info.nmmap, ARRAY_SIZE(map3));
	for (unsigned i = 0; i < ARRAY_SIZE(map3); i++) {
		assert_int_equal(info.mmap[i].base, map3[i].gpa);
		assert_int_equal(info.mmap[i].len, map3[i].len);
		assert_int_equal(info.mmap[i].type, map3[i].type);
	}
	/* The mmap tag's header: entry_size 24, entry_version 0. */
	for (size_t off = 8; off < info.total_size;
	     off = (off + rd32(mem + INFO_GPA + off + 4) + 7) & ~(size_t)7) {
		const uint8_t *t = mem + INFO_GPA + off;

		if (rd32(t) == MB2_TAG_MMAP) {
			assert_int_equal(rd32(t + 8), 24);
			assert_int_equal(rd32(t + 12), 0);
			break;
		}
		assert_int_not_equal(rd32(t), MB2_TAG_END);
	}
}

/* A string the multiboot1 information points to, inside the area. */
static const char *mb1_string(uint32_t gpa)
{
	const char *s = (const char *)mem + gpa;

	assert_true(gpa >= INFO_GPA && gpa < INFO_GPA + GUEST_INFO_SIZE);
	assert_true(strnlen(s, INFO_GPA + GUEST_INFO_SIZE - gpa) <
		    INFO_GPA + GUEST_INFO_SIZE - gpa);
	return s;
}

/* Decodes the multiboot1 information (0.6.96 3.3) field by field. */
static void check_mb1_info(const char *cmdline)
{
	const uint8_t *mbi = mem + INFO_GPA;
	uint32_t mmap_len = rd32(mbi + 44), mmap_addr = rd32(mbi + 48);
	unsigned n = 0;

	/* flags: mem (0), cmdline (2), mmap (6), boot_loader_name (9). */
	assert_int_equal(rd32(mbi), 1u << 0 | 1u << 2 | 1u << 6 | 1u << 9);
	assert_int_equal(rd32(mbi + 4), LOWER_KIB);
	assert_int_equal(rd32(mbi + 8), UPPER_KIB);
	assert_string_equal(mb1_string(rd32(mbi + 16)), cmdline);
	assert_string_equal(mb1_string(rd32(mbi + 64)), "SDM dommgr");
	/* Fields of flags not set are zero. */
	for (unsigned off = 20; off < 88; off += 4)
		if (off != 44 && off != 48 && off != 64)
			assert_int_equal(rd32(mbi + off), 0);
	assert_int_equal(mmap_len, ARRAY_SIZE(map3) * 24);
	assert_true(mmap_addr >= INFO_GPA + 88 &&
		    mmap_addr + mmap_len <= INFO_GPA + GUEST_INFO_SIZE);
	/* Walk as a kernel does: the size field does not count itself. */
	for (uint32_t a = mmap_addr; a < mmap_addr + mmap_len;
	     a += rd32(mem + a) + 4) {
		const uint8_t *e = mem + a;

		assert_true(n < ARRAY_SIZE(map3));
		assert_int_equal(rd32(e), 20);
		assert_int_equal(rd64(e + 4), map3[n].gpa);
		assert_int_equal(rd64(e + 12), map3[n].len);
		assert_int_equal(rd32(e + 20), map3[n].type);
		n++;
	}
	assert_int_equal(n, ARRAY_SIZE(map3));
}

static void test_hello_mb2(void **state)
{
	size_t len;
	uint8_t *f = read_file("build/guests/hello-mb2.elf", &len);
	uint32_t entry;

	assert_int_equal(mb_kernel_kind(f, len), 2);
	assert_int_equal(load(f, len), SDM_OK);
	entry = check_segments(f, len);
	assert_int_equal(boot.kind, 2);
	assert_int_equal(boot.magic, 0x36d76289u);
	assert_int_equal(boot.info_gpa, INFO_GPA);
	assert_int_equal(boot.entry, entry); /* the entry address tag */
	assert_int_equal(boot.ignored, 0);
	check_mb2_info(CMDLINE);
	free(f);
}

static void test_hello_mb1(void **state)
{
	size_t len;
	uint8_t *f = read_file("build/guests/hello-mb1.elf", &len);
	uint32_t entry;

	assert_int_equal(mb_kernel_kind(f, len), 1);
	assert_int_equal(load(f, len), SDM_OK);
	entry = check_segments(f, len);
	assert_int_equal(boot.kind, 1);
	assert_int_equal(boot.magic, 0x2badb002u);
	assert_int_equal(boot.info_gpa, INFO_GPA);
	assert_int_equal(boot.entry, entry);
	assert_int_equal(boot.ignored, 0);
	check_mb1_info(CMDLINE);
	free(f);
}

/* ---------------------------------------------------------------- synthetic */

/*
 * An ELF32 image: header, program headers at 52, a multiboot header at
 * MBH_OFF, segment bytes from 0x1000 on. Segments have p_vaddr = p_paddr.
 */
#define MBH_OFF 0x200u
#define TEXT_PA 0x200000u

struct seg {
	uint32_t offset, paddr, filesz, memsz;
};

static uint8_t im[0x4000];
static size_t ilen;

static const struct seg text = { 0x1000, TEXT_PA, 0x100, 0x2000 };

static void syn_elf(uint32_t entry, const struct seg *s, unsigned n)
{
	struct elf32_ehdr eh = {
		.e_ident = { 0x7f, 'E', 'L', 'F', 1, 1, 1 },
		.e_type = ELF_ET_EXEC,
		.e_machine = ELF_EM_386,
		.e_version = 1,
		.e_entry = entry,
		.e_phoff = sizeof(eh),
		.e_ehsize = sizeof(eh),
		.e_phentsize = sizeof(struct elf32_phdr),
		.e_phnum = (uint16_t)n,
	};

	memset(im, 0, sizeof(im));
	memcpy(im, &eh, sizeof(eh));
	ilen = 0x1000;
	for (unsigned i = 0; i < n; i++) {
		struct elf32_phdr ph = {
			.p_type = ELF_PT_LOAD,
			.p_offset = s[i].offset,
			.p_vaddr = s[i].paddr,
			.p_paddr = s[i].paddr,
			.p_filesz = s[i].filesz,
			.p_memsz = s[i].memsz,
			.p_flags = ELF_PF_R | ELF_PF_W | ELF_PF_X,
			.p_align = 0x1000,
		};

		memcpy(im + sizeof(eh) + i * sizeof(ph), &ph, sizeof(ph));
		for (uint32_t b = 0; b < s[i].filesz; b++)
			if (s[i].offset + b < sizeof(im))
				im[s[i].offset + b] = (uint8_t)(b * 7 + i + 1);
		if (s[i].offset + s[i].filesz > ilen &&
		    s[i].offset + s[i].filesz <= sizeof(im))
			ilen = s[i].offset + s[i].filesz;
	}
}

static void syn_mb1(uint32_t flags)
{
	wr32(im + MBH_OFF, 0x1badb002u);
	wr32(im + MBH_OFF + 4, flags);
	wr32(im + MBH_OFF + 8, -(0x1badb002u + flags));
}

/* Header tag words: u16 type, u16 flags, u32 size. */
#define TAG(type, flags) ((uint32_t)(type) | (uint32_t)(flags) << 16)
#define OPT 1

static void syn_mb2_at(size_t off, uint32_t arch, const uint32_t *tags,
		       size_t nwords)
{
	uint32_t hlen = (uint32_t)(16 + nwords * 4);

	wr32(im + off, 0xe85250d6u);
	wr32(im + off + 4, arch);
	wr32(im + off + 8, hlen);
	wr32(im + off + 12, -(0xe85250d6u + arch + hlen));
	for (size_t i = 0; i < nwords; i++)
		wr32(im + off + 16 + 4 * i, tags[i]);
}

#define SYN_MB2(...)                                                  \
	do {                                                          \
		static const uint32_t t_[] = { __VA_ARGS__ };         \
		syn_mb2_at(MBH_OFF, 0, t_, ARRAY_SIZE(t_));           \
	} while (0)

/* The default synthetic kernel: one segment, bss after the file bytes. */
static void syn_default_mb2(void)
{
	syn_elf(TEXT_PA + 0x10, &text, 1);
	SYN_MB2(TAG(0, 0), 8);
}

static int load_im(void)
{
	return load(im, ilen);
}

static void check_text(void)
{
	assert_memory_equal(mem + TEXT_PA, im + text.offset, text.filesz);
	for (uint32_t b = text.filesz; b < text.memsz; b++)
		assert_int_equal(mem[TEXT_PA + b], 0);
	assert_int_equal(mem[TEXT_PA - 1], FILL);
	assert_int_equal(mem[TEXT_PA + text.memsz], FILL);
}

static void test_mb2_tags_honoured(void **state)
{
	syn_elf(TEXT_PA + 0x10, &text, 1);
	SYN_MB2(TAG(1, 0), 24, 1, 2, 4, 6,            /* required: provided */
		TAG(1, OPT), 12, 8, 0,                /* optional: not */
		TAG(3, 0), 12, TEXT_PA + 0x20, 0,     /* entry address */
		TAG(4, 0), 12, 2, 0,                  /* EGA text supported */
		TAG(5, 0), 20, 1024, 768, 32, 0,      /* framebuffer */
		TAG(6, 0), 8,                         /* module alignment */
		TAG(7, 0), 8,                         /* EFI boot services */
		TAG(8, 0), 12, TEXT_PA, 0,            /* EFI i386 entry */
		TAG(9, OPT), 12, TEXT_PA, 0,          /* EFI amd64 entry */
		TAG(10, 0), 24, 0x100000, 0x1000000, 0x1000, 0,
		TAG(0x1234, OPT), 12, 0, 0,           /* unknown, optional */
		TAG(2, OPT), 24, 0, 0, 0, 0,          /* address, optional */
		TAG(0, 0), 8);
	assert_int_equal(load_im(), SDM_OK);
	assert_int_equal(boot.kind, 2);
	assert_int_equal(boot.entry, TEXT_PA + 0x20); /* not the ELF's */
	assert_int_equal(boot.ignored,
			 GUEST_IGN_VIDEO | GUEST_IGN_CONSOLE | GUEST_IGN_EFI |
				 GUEST_IGN_RELOC | GUEST_IGN_OPTIONAL);
	check_text();
	check_mb2_info(CMDLINE);
}

static void test_mb2_preferred_and_null_cmdline(void **state)
{
	syn_default_mb2();
	syn_mb1(3);
	/* The multiboot1 header is first in the file; multiboot2 wins. */
	syn_mb2_at(MBH_OFF + 0x100, 0,
		   (const uint32_t[]){ TAG(0, 0), 8 }, 2);
	assert_int_equal(mb_kernel_kind(im, ilen), 2);
	assert_int_equal(load_map(im, ilen, NULL, map3, ARRAY_SIZE(map3),
				  INFO_GPA),
			 SDM_OK);
	assert_int_equal(boot.kind, 2);
	assert_int_equal(boot.entry, TEXT_PA + 0x10);
	check_text();
	check_mb2_info("");
}

static void test_mb1_flags(void **state)
{
	syn_elf(TEXT_PA + 0x10, &text, 1);
	syn_mb1(1u << 0 | 1u << 1 | 1u << 2 | 1u << 20); /* 20: optional */
	assert_int_equal(load_im(), SDM_OK);
	assert_int_equal(boot.kind, 1);
	assert_int_equal(boot.magic, 0x2badb002u);
	assert_int_equal(boot.entry, TEXT_PA + 0x10);
	assert_int_equal(boot.ignored, GUEST_IGN_VIDEO);
	check_text();
	check_mb1_info(CMDLINE);
}

static void test_meminfo_from_map(void **state)
{
	/* Unsorted, split and partly reserved: contiguity decides. */
	static const struct guest_mem_range m[] = {
		{ .gpa = 0x300000, .len = 0x100000, .type = 1 },
		{ .gpa = 0x100000, .len = 0x200000, .type = 1 },
		{ .gpa = 0x400000, .len = 0x100000, .type = 2 },
		{ .gpa = 0x500000, .len = 0x300000, .type = 1 },
		{ .gpa = 0x1000, .len = 0x9e000, .type = 1 }, /* not from 0 */
	};
	static const struct guest_mem_range big[] = {
		{ .gpa = 0, .len = MEM_SIZE, .type = 1 },
	};
	struct mb2_info info;

	syn_default_mb2();
	assert_int_equal(load_map(im, ilen, "x", m, ARRAY_SIZE(m), INFO_GPA),
			 SDM_OK);
	assert_int_equal(mb2_parse(mem + INFO_GPA, GUEST_INFO_SIZE, &info,
				   &err),
			 SDM_OK);
	assert_int_equal(info.mem_lower_kib, 0);
	assert_int_equal(info.mem_upper_kib, 0x300000 / 1024);
	assert_int_equal(info.nmmap, ARRAY_SIZE(m));
	assert_int_equal(info.mmap[4].base, 0x1000);

	/* Lower memory is capped at 640 KiB. */
	assert_int_equal(load_map(im, ilen, "x", big, 1, INFO_GPA), SDM_OK);
	assert_int_equal(mb2_parse(mem + INFO_GPA, GUEST_INFO_SIZE, &info,
				   &err),
			 SDM_OK);
	assert_int_equal(info.mem_lower_kib, 640);
	assert_int_equal(info.mem_upper_kib, (MEM_SIZE - 0x100000) / 1024);
}

/* ---------------------------------------------------------------- headers */

static void test_no_header(void **state)
{
	syn_elf(TEXT_PA, &text, 1);
	assert_err(load_im(), SDM_ENOENT,
		   "no multiboot2 header in the first 32 KiB and no multiboot1 header in the first 8 KiB");
}

static void test_mb1_aout_kludge(void **state)
{
	syn_elf(TEXT_PA, &text, 1);
	syn_mb1(1u << 16 | 3);
	assert_err(load_im(), SDM_EINVAL,
		   "multiboot1 header at file offset 0x200: flags 0x10003: bit 16 (a.out kludge) is not supported");
}

static void test_mb1_unknown_required_bit(void **state)
{
	syn_elf(TEXT_PA, &text, 1);
	syn_mb1(1u << 3 | 1u << 15 | 1);
	assert_err(load_im(), SDM_EINVAL,
		   "flags 0x8009: required bits 0x8008 are unknown");
}

static void test_mb2_required_unknown_tag(void **state)
{
	syn_elf(TEXT_PA, &text, 1);
	SYN_MB2(TAG(0x1234, 2), 12, 0, 0, TAG(0, 0), 8);
	assert_err(load_im(), SDM_EINVAL,
		   "multiboot2 header tag 4660 (unknown) at file offset 0x210: required tag (flags 0x2) of an unknown type");
}

static void test_mb2_info_request_unavailable(void **state)
{
	syn_elf(TEXT_PA, &text, 1);
	SYN_MB2(TAG(1, 0), 20, 1, 6, 8, 0, TAG(0, 0), 8);
	assert_err(load_im(), SDM_ENOENT,
		   "multiboot2 header tag 1 (information request) at file offset 0x210: requires information tag 8, which is not provided");
}

static void test_mb2_address_tag(void **state)
{
	syn_elf(TEXT_PA, &text, 1);
	SYN_MB2(TAG(2, 0), 24, MBH_OFF, TEXT_PA, 0, 0, TAG(0, 0), 8);
	assert_err(load_im(), SDM_EINVAL,
		   "tag 2 (address) at file offset 0x210: a.out kludge load addresses are not supported");
}

static void test_mb2_console_required(void **state)
{
	syn_elf(TEXT_PA, &text, 1);
	SYN_MB2(TAG(4, 0), 12, 3, 0, TAG(0, 0), 8);
	assert_err(load_im(), SDM_ENOENT,
		   "tag 4 (console flags) at file offset 0x210: console_flags 0x3 require console information");
}

static void test_mb2_bad_tags(void **state)
{
	syn_elf(TEXT_PA, &text, 1);
	SYN_MB2(TAG(3, 0), 12, TEXT_PA, 0);
	assert_err(load_im(), SDM_EINVAL,
		   "multiboot2 header at file offset 0x200: no end tag within header_length 32");
	SYN_MB2(TAG(3, 0), 40, TEXT_PA, 0, TAG(0, 0), 8);
	assert_err(load_im(), SDM_EINVAL,
		   "tag 3 (entry address) at file offset 0x210: size 40 is below 12 or runs past header_length 40");
	SYN_MB2(TAG(3, 0), 8, TAG(0, 0), 8);
	assert_err(load_im(), SDM_EINVAL, "size 8 is below 12");
	SYN_MB2(TAG(1, 0), 10, 0, 0, TAG(0, 0), 8);
	assert_err(load_im(), SDM_EINVAL,
		   "tag 1 (information request) at file offset 0x210: size 10 is not 8 + 4 * n");
	SYN_MB2(TAG(3, 0), 12, TEXT_PA, 0, TAG(3, 0), 12, TEXT_PA, 0,
		TAG(0, 0), 8);
	assert_err(load_im(), SDM_EINVAL,
		   "tag 3 (entry address) at file offset 0x220: duplicate entry address tag");
	SYN_MB2(TAG(0, 0), 16, 0, 0);
	assert_err(load_im(), SDM_EINVAL,
		   "tag 0 (end) at file offset 0x210: size 16 is not 8");
	syn_mb2_at(MBH_OFF, 4, (const uint32_t[]){ TAG(0, 0), 8 }, 2);
	assert_err(load_im(), SDM_EINVAL,
		   "multiboot2 header at file offset 0x200: architecture 4 is not i386 (0)");
}

static void test_mb2_header_length(void **state)
{
	syn_elf(TEXT_PA, &text, 1);
	/* Checksummed, but header_length 0x3f00 runs past the file end. */
	wr32(im + MBH_OFF, 0xe85250d6u);
	wr32(im + MBH_OFF + 4, 0);
	wr32(im + MBH_OFF + 8, 0x3f00);
	wr32(im + MBH_OFF + 12, -(0xe85250d6u + 0x3f00));
	assert_err(load_im(), SDM_ERANGE,
		   "multiboot2 header at file offset 0x200: header_length 16128 is below 24 or runs past 0x1100");
	wr32(im + MBH_OFF + 8, 16);
	wr32(im + MBH_OFF + 12, -(0xe85250d6u + 16));
	assert_err(load_im(), SDM_ERANGE, "header_length 16 is below 24");
}

static void test_missing_arguments(void **state)
{
	syn_default_mb2();
	memset(mem, FILL, sizeof(mem));
	assert_int_equal(guest_load_multiboot(NULL, im, ilen, NULL, map3,
					      ARRAY_SIZE(map3), NULL, NULL,
					      INFO_GPA, &boot, &err),
			 SDM_EINVAL);
	assert_string_equal(err.msg,
			    "image: no image, memory or memory map given");
	assert_int_equal(guest_load_multiboot("normal image", im, ilen, NULL,
					      NULL, 1, fake_map, NULL,
					      INFO_GPA, &boot, &err),
			 SDM_EINVAL);
	assert_int_equal(guest_load_multiboot("normal image", NULL, 0, NULL,
					      map3, 1, fake_map, NULL,
					      INFO_GPA, &boot, &err),
			 SDM_EINVAL);
	/* No map at all is allowed: no RAM to report. */
	assert_int_equal(load_map(im, ilen, NULL, NULL, 0, INFO_GPA), SDM_OK);
}

static void test_mb2_entry_outside(void **state)
{
	syn_elf(TEXT_PA, &text, 1);
	SYN_MB2(TAG(3, 0), 12, TEXT_PA + 0x2000, 0, TAG(0, 0), 8);
	assert_err(load_im(), SDM_EINVAL,
		   "multiboot2 entry address 0x202000 is not inside an ELF load segment");
}

/* ---------------------------------------------------------------- ELF */

static void test_elf_bad_class(void **state)
{
	syn_default_mb2();
	im[4] = 2;
	assert_err(load_im(), SDM_EINVAL,
		   "normal image: ELF header: EI_CLASS 2 is not ELFCLASS32");
}

static void test_elf_bad_machine(void **state)
{
	syn_default_mb2();
	im[18] = 62; /* e_machine */
	assert_err(load_im(), SDM_EINVAL,
		   "normal image: ELF header: e_machine 62 is not i386 (3)");
}

static void test_elf_bad_phentsize(void **state)
{
	syn_default_mb2();
	im[42] = 40; /* e_phentsize */
	assert_err(load_im(), SDM_EINVAL,
		   "normal image: ELF header: e_phentsize 40 is not 32");
}

static void test_elf_segment_past_file_end(void **state)
{
	syn_default_mb2();
	ilen = text.offset + text.filesz - 1;
	assert_err(load_im(), SDM_ERANGE,
		   "normal image: ELF program header 0 (PT_LOAD): file bytes [0x1000, +0x100) run past the file end 0x10ff");
}

static void test_elf_filesz_above_memsz(void **state)
{
	struct seg s = { 0x1000, TEXT_PA, 0x100, 0xff };

	syn_elf(TEXT_PA, &s, 1);
	SYN_MB2(TAG(0, 0), 8);
	assert_err(load_im(), SDM_EINVAL,
		   "normal image: ELF program header 0 (PT_LOAD): p_filesz 0x100 exceeds p_memsz 0xff");
}

static void test_elf_overlapping_segments(void **state)
{
	const struct seg s[] = {
		text,
		{ 0x1100, TEXT_PA + 0x1fff, 0x10, 0x10 },
	};

	syn_elf(TEXT_PA, s, 2);
	SYN_MB2(TAG(0, 0), 8);
	assert_err(load_im(), SDM_EOVERLAP,
		   "normal image: ELF program header 1 (PT_LOAD): physical range [0x201fff, 0x20200f) overlaps program header 0 at [0x200000, 0x202000)");
}

static void test_elf_entry_outside(void **state)
{
	syn_elf(TEXT_PA + text.memsz, &text, 1);
	SYN_MB2(TAG(0, 0), 8);
	assert_err(load_im(), SDM_EINVAL,
		   "normal image: ELF header: e_entry 0x202000 is not inside a PT_LOAD segment");
}

static void test_segment_outside_ram(void **state)
{
	const struct seg s[] = {
		text,
		{ 0x1100, MEM_SIZE - 0x1000, 0x10, 0x1001 },
	};

	syn_elf(TEXT_PA, s, 2);
	SYN_MB2(TAG(0, 0), 8);
	assert_err(load_im(), SDM_ERANGE,
		   "normal image: ELF load segment 1 at [0x7ff000, 0x800001) is outside the domain's memory");
}

static void test_segment_across_hole(void **state)
{
	const struct seg s = { 0x1000, HOLE_START - 0x80, 0x100, 0x100 };

	syn_elf(HOLE_START - 0x80, &s, 1);
	SYN_MB2(TAG(0, 0), 8);
	assert_err(load_im(), SDM_ERANGE,
		   "normal image: ELF load segment 0 at [0x9ff80, 0xa0080) is outside the domain's memory");
}

static void test_image_inside_guest_memory(void **state)
{
	uint8_t *copy;

	syn_default_mb2();
	memset(mem, FILL, sizeof(mem));
	copy = mem + TEXT_PA; /* where its segment goes */
	memcpy(copy, im, ilen);
	memset(&err, 0, sizeof(err));
	assert_int_equal(guest_load_multiboot("normal image", copy, ilen,
					      CMDLINE, map3,
					      ARRAY_SIZE(map3), fake_map, NULL,
					      INFO_GPA, &boot, &err),
			 SDM_EOVERLAP);
	assert_non_null(strstr(err.msg,
			       "normal image: ELF load segment 0 at [0x200000, 0x202000) overlaps the image itself"));
	assert_memory_equal(copy, im, ilen);
}

/* ---------------------------------------------------------------- info */

static void test_info_overlaps_segment(void **state)
{
	syn_default_mb2();
	assert_err(load_map(im, ilen, CMDLINE, map3, ARRAY_SIZE(map3),
			    TEXT_PA + text.memsz - 8),
		   SDM_EOVERLAP,
		   "boot information area [0x201ff8, 0x203ff8) overlaps ELF load segment 0 at [0x200000, 0x202000)");
	assert_err(load_map(im, ilen, CMDLINE, map3, ARRAY_SIZE(map3),
			    TEXT_PA - GUEST_INFO_SIZE + 8),
		   SDM_EOVERLAP, "overlaps ELF load segment 0");
	/* Adjacent on both sides is fine. */
	assert_int_equal(load_map(im, ilen, CMDLINE, map3, ARRAY_SIZE(map3),
				  TEXT_PA - GUEST_INFO_SIZE),
			 SDM_OK);
	assert_int_equal(load_map(im, ilen, CMDLINE, map3, ARRAY_SIZE(map3),
				  TEXT_PA + text.memsz),
			 SDM_OK);
	assert_int_equal(boot.info_gpa, TEXT_PA + text.memsz);
}

static void test_info_outside_ram(void **state)
{
	syn_default_mb2();
	assert_err(load_map(im, ilen, CMDLINE, map3, ARRAY_SIZE(map3),
			    HOLE_START - 0x1000),
		   SDM_ERANGE,
		   "boot information area [0x9f000, 0xa1000) is outside the domain's memory");
	assert_err(load_map(im, ilen, CMDLINE, map3, ARRAY_SIZE(map3),
			    0xfffff000),
		   SDM_ERANGE,
		   "boot information area [0xfffff000, 0x100001000) crosses 4 GiB");
	assert_err(load_map(im, ilen, CMDLINE, map3, ARRAY_SIZE(map3),
			    INFO_GPA + 4),
		   SDM_EINVAL,
		   "boot information address 0x10004 is not 8-byte aligned");
}

static void test_info_too_big_cmdline(void **state)
{
	static char huge[GUEST_INFO_SIZE + 100];

	memset(huge, 'a', sizeof(huge) - 1);
	syn_default_mb2();
	assert_err(load_map(im, ilen, huge, map3, ARRAY_SIZE(map3), INFO_GPA),
		   SDM_ENOSPC,
		   "multiboot2 information needs 8352 bytes (command line at least 8192 bytes, 3 memory map entries), more than the 8192-byte area");
	/* The largest command line that still fits multiboot1. */
	huge[GUEST_INFO_SIZE - 88 - 3 * 24 - 1 - 11] = '\0';
	syn_elf(TEXT_PA, &text, 1);
	syn_mb1(0);
	assert_int_equal(load_map(im, ilen, huge, map3, ARRAY_SIZE(map3),
				  INFO_GPA),
			 SDM_OK);
	check_mb1_info(huge);
	huge[GUEST_INFO_SIZE - 88 - 3 * 24 - 1 - 11] = 'a';
	huge[GUEST_INFO_SIZE - 88 - 3 * 24 - 1 - 10] = '\0';
	assert_err(load_map(im, ilen, huge, map3, ARRAY_SIZE(map3), INFO_GPA),
		   SDM_ENOSPC,
		   "multiboot1 information needs 8193 bytes (command line 8021 bytes, 3 memory map entries)");
}

static void test_info_too_big_map(void **state)
{
	static struct guest_mem_range many[400];

	for (unsigned i = 0; i < ARRAY_SIZE(many); i++)
		many[i] = (struct guest_mem_range){ .gpa = i * 0x1000ull,
						    .len = 0x1000,
						    .type = 1 };
	syn_default_mb2();
	assert_err(load_map(im, ilen, CMDLINE, many, ARRAY_SIZE(many),
			    INFO_GPA),
		   SDM_ENOSPC,
		   "multiboot2 information needs 9712 bytes (command line 24 bytes, 400 memory map entries), more than the 8192-byte area");
	many[0].gpa = ~0ull - 10;
	assert_err(load_map(im, ilen, CMDLINE, many, 3, INFO_GPA), SDM_EINVAL,
		   "memory map entry 0: base 0xfffffffffffffff5 + length 0x1000 wraps");
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_hello_mb2),
		cmocka_unit_test(test_hello_mb1),
		cmocka_unit_test(test_mb2_tags_honoured),
		cmocka_unit_test(test_mb2_preferred_and_null_cmdline),
		cmocka_unit_test(test_mb1_flags),
		cmocka_unit_test(test_meminfo_from_map),
		cmocka_unit_test(test_no_header),
		cmocka_unit_test(test_mb1_aout_kludge),
		cmocka_unit_test(test_mb1_unknown_required_bit),
		cmocka_unit_test(test_mb2_required_unknown_tag),
		cmocka_unit_test(test_mb2_info_request_unavailable),
		cmocka_unit_test(test_mb2_address_tag),
		cmocka_unit_test(test_mb2_console_required),
		cmocka_unit_test(test_mb2_bad_tags),
		cmocka_unit_test(test_mb2_header_length),
		cmocka_unit_test(test_missing_arguments),
		cmocka_unit_test(test_mb2_entry_outside),
		cmocka_unit_test(test_elf_bad_class),
		cmocka_unit_test(test_elf_bad_machine),
		cmocka_unit_test(test_elf_bad_phentsize),
		cmocka_unit_test(test_elf_segment_past_file_end),
		cmocka_unit_test(test_elf_filesz_above_memsz),
		cmocka_unit_test(test_elf_overlapping_segments),
		cmocka_unit_test(test_elf_entry_outside),
		cmocka_unit_test(test_segment_outside_ram),
		cmocka_unit_test(test_segment_across_hole),
		cmocka_unit_test(test_image_inside_guest_memory),
		cmocka_unit_test(test_info_overlaps_segment),
		cmocka_unit_test(test_info_outside_ram),
		cmocka_unit_test(test_info_too_big_cmdline),
		cmocka_unit_test(test_info_too_big_map),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
