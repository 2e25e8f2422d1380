/* Unit tests for lib/elf32.c on synthetic ELF32 images built in memory. */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <string.h>
#include <cmocka.h>

#include <sdm/elf32.h>

#define PT_NOTE 4
#define R ELF_PF_R
#define W ELF_PF_W
#define X ELF_PF_X

struct ph {
	uint32_t type, flags, offset, vaddr, paddr, filesz, memsz;
};

static uint8_t file[0x10000];
static size_t flen;
static struct elf32_ehdr eh;
static struct elf64_image img;
static struct sdm_err err;

/* Header + n program headers at offset 52; the file ends after the data. */
static void make_elf(uint32_t entry, const struct ph *p, unsigned n)
{
	struct elf32_ehdr h = {
		.e_ident = { 0x7f, 'E', 'L', 'F', 1, 1, 1 },
		.e_type = ELF_ET_EXEC,
		.e_machine = ELF_EM_386,
		.e_version = 1,
		.e_entry = entry,
		.e_phoff = sizeof(struct elf32_ehdr),
		.e_ehsize = sizeof(struct elf32_ehdr),
		.e_phentsize = sizeof(struct elf32_phdr),
		.e_phnum = (uint16_t)n,
	};

	memset(file, 0, sizeof(file));
	flen = sizeof(h) + n * sizeof(struct elf32_phdr);
	assert_true(flen <= sizeof(file));
	for (unsigned i = 0; i < n; i++) {
		struct elf32_phdr ph = {
			.p_type = p[i].type ? p[i].type : ELF_PT_LOAD,
			.p_flags = p[i].flags,
			.p_offset = p[i].offset,
			.p_vaddr = p[i].vaddr,
			.p_paddr = p[i].paddr,
			.p_filesz = p[i].filesz,
			.p_memsz = p[i].memsz,
			.p_align = 0x1000,
		};
		uint64_t end = (uint64_t)p[i].offset + p[i].filesz;

		memcpy(file + sizeof(h) + i * sizeof(ph), &ph, sizeof(ph));
		if (end > flen && end <= sizeof(file))
			flen = end;
	}
	memcpy(file, &h, sizeof(h));
	eh = h;
}

static void put_eh(void)
{
	memcpy(file, &eh, sizeof(eh));
}

static int parse(void)
{
	memset(&err, 0, sizeof(err));
	return elf32_parse(file, flen, &img, &err);
}

static void assert_err(int rc, int code, const char *msg)
{
	assert_int_equal(rc, code);
	assert_int_equal(err.code, code);
	if (strstr(err.msg, msg) == NULL)
		fail_msg("error \"%s\" does not contain \"%s\"", err.msg, msg);
}

/* A higher-half kernel: linked at 0xc0100000, loaded at 1 MiB. */
static const struct ph kernel[] = {
	{ .flags = R | X, .offset = 0x1000, .vaddr = 0xc0100000,
	  .paddr = 0x100000, .filesz = 0x1234, .memsz = 0x1234 },
	{ .type = PT_NOTE, .flags = R, .offset = 0x2234, .filesz = 0x10,
	  .memsz = 0x10 },
	{ .flags = R | W | X, .offset = 0x2300, .vaddr = 0xc0102300,
	  .paddr = 0x102300, .filesz = 0x100, .memsz = 0x3000 },
};

static void test_valid_exact_physical(void **state)
{
	make_elf(0xc0102310, kernel, 3);
	assert_int_equal(flen, 0x2400);
	assert_int_equal(parse(), SDM_OK);
	/* Translated through segment 1's p_vaddr → p_paddr. */
	assert_int_equal(img.entry, 0x102310);
	assert_int_equal(img.nseg, 2);
	assert_int_equal(img.seg[0].vaddr, 0x100000);
	assert_int_equal(img.seg[0].memsz, 0x1234);
	assert_int_equal(img.seg[0].offset, 0x1000);
	assert_int_equal(img.seg[0].filesz, 0x1234);
	assert_int_equal(img.seg[0].flags, R | X);
	assert_int_equal(img.seg[1].vaddr, 0x102300);
	assert_int_equal(img.seg[1].memsz, 0x3000);
	assert_int_equal(img.seg[1].offset, 0x2300);
	assert_int_equal(img.seg[1].filesz, 0x100);
	assert_int_equal(img.seg[1].flags, R | W | X); /* W+X allowed */
	assert_int_equal(img.vbase, 0x100000);
	assert_int_equal(img.vend, 0x105300);
	/* The file needs no alignment. */
	memmove(file + 1, file, flen);
	assert_int_equal(elf32_parse(file + 1, flen, &img, &err), SDM_OK);
	assert_int_equal(img.entry, 0x102310);
}

static void test_unsorted_empty_and_4g_end(void **state)
{
	const struct ph p[] = {
		{ .flags = R | W, .offset = 0x1000, .vaddr = 0xfffff000,
		  .paddr = 0xfffff000, .filesz = 0x10, .memsz = 0x1000 },
		{ .flags = R, .offset = 0, .vaddr = 0x5000, .paddr = 0x5000 },
		{ .flags = R | X, .offset = 0x1010, .vaddr = 0x200000,
		  .paddr = 0x200000, .filesz = 0x10, .memsz = 0x10 },
	};

	make_elf(0x200004, p, 3);
	assert_int_equal(parse(), SDM_OK);
	assert_int_equal(img.nseg, 2);
	assert_int_equal(img.seg[0].vaddr, 0xfffff000);
	assert_int_equal(img.seg[1].vaddr, 0x200000);
	assert_int_equal(img.vbase, 0x200000);
	assert_int_equal(img.vend, 0x100000000ull);
	assert_int_equal(img.entry, 0x200004);
}

static void test_eight_segments_max(void **state)
{
	struct ph p[ELF64_MAX_SEGMENTS + 1];

	for (unsigned i = 0; i < ELF64_MAX_SEGMENTS + 1; i++)
		p[i] = (struct ph){ .flags = R | X, .offset = 0x1000,
				    .vaddr = 0x100000 + i * 0x1000,
				    .paddr = 0x100000 + i * 0x1000,
				    .filesz = 0x10, .memsz = 0x1000 };
	make_elf(0x100000, p, ELF64_MAX_SEGMENTS);
	assert_int_equal(parse(), SDM_OK);
	assert_int_equal(img.nseg, ELF64_MAX_SEGMENTS);
	make_elf(0x100000, p, ELF64_MAX_SEGMENTS + 1);
	assert_err(parse(), SDM_ENOSPC,
		   "ELF program header 8 (PT_LOAD): more than 8 PT_LOAD");
}

static const struct ph one[] = {
	{ .flags = R | X, .offset = 0x1000, .vaddr = 0x100000,
	  .paddr = 0x100000, .filesz = 0x100, .memsz = 0x100 },
};

static void test_header_errors(void **state)
{
	make_elf(0x100000, one, 1);
	assert_err(elf32_parse(file, 51, &img, &err), SDM_ERANGE,
		   "ELF header: file of 51 bytes is shorter than the 52-byte");
	file[1] = 'e';
	assert_err(parse(), SDM_EINVAL, "ELF header: bad magic 7f 65 4c 46");

	make_elf(0x100000, one, 1);
	file[4] = 2;
	assert_err(parse(), SDM_EINVAL, "EI_CLASS 2 is not ELFCLASS32");
	make_elf(0x100000, one, 1);
	file[5] = 2;
	assert_err(parse(), SDM_EINVAL, "EI_DATA 2 is not little-endian");
	make_elf(0x100000, one, 1);
	file[6] = 0;
	assert_err(parse(), SDM_EINVAL, "EI_VERSION 0 is not 1");
	make_elf(0x100000, one, 1);
	eh.e_version = 2;
	put_eh();
	assert_err(parse(), SDM_EINVAL, "e_version 2 is not 1");
	make_elf(0x100000, one, 1);
	eh.e_type = 3;
	put_eh();
	assert_err(parse(), SDM_EINVAL, "e_type 3 is not ET_EXEC");
	make_elf(0x100000, one, 1);
	eh.e_machine = ELF_EM_X86_64;
	put_eh();
	assert_err(parse(), SDM_EINVAL, "e_machine 62 is not i386 (3)");
	make_elf(0x100000, one, 1);
	eh.e_phentsize = 56;
	put_eh();
	assert_err(parse(), SDM_EINVAL, "e_phentsize 56 is not 32");
	make_elf(0x100000, one, 1);
	eh.e_phnum = 0xffff;
	put_eh();
	assert_err(parse(), SDM_EINVAL, "e_phnum 0xffff (extended numbering)");
	make_elf(0x100000, one, 1);
	eh.e_phoff = 0xffffffe8; /* + 32 wraps in 32 bits */
	put_eh();
	assert_err(parse(), SDM_ERANGE,
		   "1 program headers at e_phoff 0xffffffe8 run past the file end 0x1100");
	make_elf(0x100000, one, 0);
	assert_err(parse(), SDM_ENOENT, "ELF header: no PT_LOAD segment");
}

static void test_segment_errors(void **state)
{
	struct ph p[2] = { one[0], one[0] };

	p[0].filesz = 0x101;
	make_elf(0x100000, p, 1);
	assert_err(parse(), SDM_EINVAL,
		   "ELF program header 0 (PT_LOAD): p_filesz 0x101 exceeds p_memsz 0x100");

	p[0] = one[0];
	make_elf(0x100000, p, 1);
	flen = 0x10ff;
	assert_err(parse(), SDM_ERANGE,
		   "ELF program header 0 (PT_LOAD): file bytes [0x1000, +0x100) run past the file end 0x10ff");

	p[0].offset = 0xffffff80; /* offset + filesz wraps in 32 bits */
	make_elf(0x100000, p, 1);
	assert_err(parse(), SDM_ERANGE, "file bytes [0xffffff80, +0x100)");

	p[0] = one[0];
	p[0].paddr = 0xffffff80;
	make_elf(0x100000, p, 1);
	assert_err(parse(), SDM_ERANGE,
		   "p_paddr 0xffffff80 + p_memsz 0x100 wraps past 4 GiB");

	p[0] = one[0];
	p[0].vaddr = 0xffffff80;
	make_elf(0xffffff80, p, 1);
	assert_err(parse(), SDM_ERANGE,
		   "p_vaddr 0xffffff80 + p_memsz 0x100 wraps past 4 GiB");

	p[0] = one[0];
	p[1] = one[0];
	p[1].paddr = 0x1000ff; /* one byte into segment 0 */
	p[1].vaddr = 0x200000;
	make_elf(0x100000, p, 2);
	assert_err(parse(), SDM_EOVERLAP,
		   "ELF program header 1 (PT_LOAD): physical range [0x1000ff, 0x1001ff) overlaps program header 0 at [0x100000, 0x100100)");
	/* Touching is not overlapping. */
	p[1].paddr = 0x100100;
	make_elf(0x100000, p, 2);
	assert_int_equal(parse(), SDM_OK);
}

static void test_entry_outside(void **state)
{
	struct ph p = one[0];

	make_elf(0x100100, one, 1); /* one past the end */
	assert_err(parse(), SDM_EINVAL,
		   "ELF header: e_entry 0x100100 is not inside a PT_LOAD segment");
	/* The virtual range counts, not the physical one. */
	p.vaddr = 0x80100000;
	make_elf(0x100000, &p, 1);
	assert_err(parse(), SDM_EINVAL, "e_entry 0x100000 is not inside");
	make_elf(0x80100080, &p, 1);
	assert_int_equal(parse(), SDM_OK);
	assert_int_equal(img.entry, 0x100080);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_valid_exact_physical),
		cmocka_unit_test(test_unsorted_empty_and_4g_end),
		cmocka_unit_test(test_eight_segments_max),
		cmocka_unit_test(test_header_errors),
		cmocka_unit_test(test_segment_errors),
		cmocka_unit_test(test_entry_outside),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
