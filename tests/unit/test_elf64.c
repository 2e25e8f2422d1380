/* Unit tests for lib/elf64.c on synthetic ELF64 images built in memory. */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <string.h>
#include <cmocka.h>

#include <sdm/elf64.h>

#define PT_NOTE 4
#define PT_GNU_STACK 0x6474e551u
#define V 0xffffffff80000000ull /* dommgr's link area */
#define R ELF_PF_R
#define W ELF_PF_W
#define X ELF_PF_X

struct ph {
	uint32_t type, flags;
	uint64_t offset, vaddr, filesz, memsz;
};

static uint8_t file[0x10000];
static size_t flen;
static struct elf64_ehdr eh;
static struct elf64_image img;
static struct sdm_err err;

/* Header + n program headers at offset 64; the file ends after the data. */
static void make_elf(uint64_t entry, const struct ph *p, unsigned n)
{
	struct elf64_ehdr h = {
		.e_ident = { 0x7f, 'E', 'L', 'F', 2, 1, 1 },
		.e_type = ELF_ET_EXEC,
		.e_machine = ELF_EM_X86_64,
		.e_version = 1,
		.e_entry = entry,
		.e_phoff = sizeof(struct elf64_ehdr),
		.e_ehsize = sizeof(struct elf64_ehdr),
		.e_phentsize = sizeof(struct elf64_phdr),
		.e_phnum = (uint16_t)n,
	};

	memset(file, 0, sizeof(file));
	flen = sizeof(h) + n * sizeof(struct elf64_phdr);
	assert_true(flen <= sizeof(file));
	for (unsigned i = 0; i < n; i++) {
		struct elf64_phdr ph = {
			.p_type = p[i].type ? p[i].type : ELF_PT_LOAD,
			.p_flags = p[i].flags,
			.p_offset = p[i].offset,
			.p_vaddr = p[i].vaddr,
			.p_paddr = p[i].vaddr,
			.p_filesz = p[i].filesz,
			.p_memsz = p[i].memsz,
			.p_align = 0x1000,
		};

		memcpy(file + sizeof(h) + i * sizeof(ph), &ph, sizeof(ph));
		if (p[i].offset + p[i].filesz > flen &&
		    p[i].offset + p[i].filesz <= sizeof(file))
			flen = p[i].offset + p[i].filesz;
	}
	memcpy(file, &h, sizeof(h));
	eh = h;
}

/* Rewrites the header after a test changed eh. */
static void put_eh(void)
{
	memcpy(file, &eh, sizeof(eh));
}

static int parse(void)
{
	memset(&err, 0, sizeof(err));
	return elf64_parse(file, flen, 0x100000, &img, &err);
}

static void assert_err(int rc, int code, const char *msg)
{
	assert_int_equal(rc, code);
	assert_int_equal(err.code, code);
	if (strstr(err.msg, msg) == NULL)
		fail_msg("error \"%s\" does not contain \"%s\"", err.msg, msg);
}

/* text (RX), rodata (R, starting mid-page), data+bss (RW, mid-page). */
static const struct ph three[] = {
	{ .flags = R | X, .offset = 0x1000, .vaddr = V + 0x1000,
	  .filesz = 0x2345, .memsz = 0x2345 },
	{ .type = PT_NOTE, .flags = R, .offset = 0x3400, .vaddr = V + 0x4400,
	  .filesz = 0x20, .memsz = 0x20 },
	{ .flags = R, .offset = 0x3400, .vaddr = V + 0x4400,
	  .filesz = 0x800, .memsz = 0x800 },
	{ .flags = R | W, .offset = 0x3c00, .vaddr = V + 0x5c00,
	  .filesz = 0x100, .memsz = 0x5000 },
	{ .type = PT_GNU_STACK, .flags = R | W },
};

static void test_valid_three_segments(void **state)
{
	make_elf(V + 0x1010, three, 5);
	assert_int_equal(flen, 0x3d00);
	assert_int_equal(parse(), SDM_OK);
	assert_int_equal(img.entry, V + 0x1010);
	assert_int_equal(img.vbase, V + 0x1000);
	assert_int_equal(img.vend, V + 0xb000);
	assert_int_equal(img.nseg, 3);
	assert_int_equal(img.seg[0].vaddr, V + 0x1000);
	assert_int_equal(img.seg[0].memsz, 0x3000);
	assert_int_equal(img.seg[0].offset, 0x1000);
	assert_int_equal(img.seg[0].filesz, 0x2345);
	assert_int_equal(img.seg[0].flags, R | X);
	assert_int_equal(img.seg[1].vaddr, V + 0x4000);
	assert_int_equal(img.seg[1].memsz, 0x1000);
	assert_int_equal(img.seg[1].offset, 0x3000);
	assert_int_equal(img.seg[1].filesz, 0xc00);
	assert_int_equal(img.seg[1].flags, R);
	assert_int_equal(img.seg[2].vaddr, V + 0x5000);
	assert_int_equal(img.seg[2].memsz, 0x6000);
	assert_int_equal(img.seg[2].offset, 0x3000);
	assert_int_equal(img.seg[2].filesz, 0xd00);
	assert_int_equal(img.seg[2].flags, R | W);

	/* The span may equal max_span exactly. */
	assert_int_equal(elf64_parse(file, flen, 0xa000, &img, &err), SDM_OK);
	/* The file needs no alignment. */
	memmove(file + 1, file, flen);
	assert_int_equal(elf64_parse(file + 1, flen, 0xa000, &img, &err),
			 SDM_OK);
	assert_int_equal(img.nseg, 3);
	assert_int_equal(img.seg[2].filesz, 0xd00);
}

static void test_empty_load_skipped(void **state)
{
	const struct ph p[] = {
		{ .flags = R | X, .offset = 0x1000, .vaddr = V + 0x1000,
		  .filesz = 0x10, .memsz = 0x10 },
		{ .flags = R | W | X, .offset = 0x0, .vaddr = V + 0x123,
		  .filesz = 0, .memsz = 0 },
	};

	make_elf(V + 0x1000, p, 2);
	assert_int_equal(parse(), SDM_OK);
	assert_int_equal(img.nseg, 1);
	assert_int_equal(img.vend, V + 0x2000);
}

static void test_short_file(void **state)
{
	make_elf(V + 0x1010, three, 5);
	assert_err(elf64_parse(file, 63, 0x100000, &img, &err), SDM_ERANGE,
		   "ELF header: file of 63 bytes is shorter than the 64-byte header");
}

static void test_ident(void **state)
{
	make_elf(V + 0x1010, three, 5);
	eh.e_ident[1] = 'e';
	put_eh();
	assert_err(parse(), SDM_EINVAL, "ELF header: bad magic 7f 65 4c 46");

	make_elf(V + 0x1010, three, 5);
	eh.e_ident[4] = 1;
	put_eh();
	assert_err(parse(), SDM_EINVAL,
		   "ELF header: EI_CLASS 1 is not ELFCLASS64");

	make_elf(V + 0x1010, three, 5);
	eh.e_ident[5] = 2;
	put_eh();
	assert_err(parse(), SDM_EINVAL,
		   "ELF header: EI_DATA 2 is not little-endian");

	make_elf(V + 0x1010, three, 5);
	eh.e_ident[6] = 0;
	put_eh();
	assert_err(parse(), SDM_EINVAL, "ELF header: EI_VERSION 0 is not 1");

	make_elf(V + 0x1010, three, 5);
	eh.e_version = 2;
	put_eh();
	assert_err(parse(), SDM_EINVAL, "ELF header: e_version 2 is not 1");
}

static void test_type_machine(void **state)
{
	make_elf(V + 0x1010, three, 5);
	eh.e_type = 3; /* ET_DYN */
	put_eh();
	assert_err(parse(), SDM_EINVAL, "ELF header: e_type 3 is not ET_EXEC");

	make_elf(V + 0x1010, three, 5);
	eh.e_machine = 3; /* EM_386 */
	put_eh();
	assert_err(parse(), SDM_EINVAL,
		   "ELF header: e_machine 3 is not x86-64 (62)");
}

static void test_phdr_table(void **state)
{
	make_elf(V + 0x1010, three, 5);
	eh.e_phentsize = 64;
	put_eh();
	assert_err(parse(), SDM_EINVAL,
		   "ELF header: e_phentsize 64 is not 56");

	make_elf(V + 0x1010, three, 5);
	eh.e_phnum = 0xffff;
	put_eh();
	assert_err(parse(), SDM_EINVAL,
		   "ELF header: e_phnum 0xffff (extended numbering) is not supported");

	/* The table ends one byte past the file. */
	make_elf(V + 0x1010, three, 5);
	eh.e_phoff = flen - 5 * 56 + 1;
	put_eh();
	assert_err(parse(), SDM_ERANGE,
		   "ELF header: 5 program headers at e_phoff 0x3be9 run past the file end 0x3d00");
	/* Exactly at the end is fine (nothing loadable there, though). */
	eh.e_phoff = flen - 5 * 56;
	put_eh();
	assert_err(parse(), SDM_ENOENT, "ELF header: no PT_LOAD segment");

	/* e_phoff + e_phnum * 56 wraps around 2^64. */
	make_elf(V + 0x1010, three, 5);
	eh.e_phoff = UINT64_MAX - 100;
	put_eh();
	assert_err(parse(), SDM_ERANGE,
		   "5 program headers at e_phoff 0xffffffffffffff9b run past");
	/* Too many headers for the file. */
	make_elf(V + 0x1010, three, 5);
	eh.e_phnum = 0xfffe;
	put_eh();
	assert_err(parse(), SDM_ERANGE,
		   "ELF header: 65534 program headers at e_phoff 0x40 run past the file end 0x3d00");
}

static void test_filesz_above_memsz(void **state)
{
	struct ph p[4];

	memcpy(p, three, sizeof(p));
	p[3].filesz = 0x5001;
	make_elf(V + 0x1010, p, 4);
	assert_err(parse(), SDM_EINVAL,
		   "ELF program header 3 (PT_LOAD): p_filesz 0x5001 exceeds p_memsz 0x5000");
}

static void test_file_range_past_end(void **state)
{
	struct ph p[4];

	memcpy(p, three, sizeof(p));
	make_elf(V + 0x1010, p, 4);
	flen = 0x3cff; /* cut the last byte of the data segment */
	assert_err(parse(), SDM_ERANGE,
		   "ELF program header 3 (PT_LOAD): file bytes [0x3c00, +0x100) run past the file end 0x3cff");

	p[0].offset = UINT64_MAX - 0xfff; /* wraps, congruent to vaddr */
	make_elf(V + 0x1010, p, 4);
	assert_err(parse(), SDM_ERANGE,
		   "ELF program header 0 (PT_LOAD): file bytes [0xfffffffffffff000, +0x2345) run past the file end 0x3d00");
}

static void test_not_congruent(void **state)
{
	struct ph p[4];

	memcpy(p, three, sizeof(p));
	p[2].offset = 0x3401;
	make_elf(V + 0x1010, p, 4);
	assert_err(parse(), SDM_EINVAL,
		   "ELF program header 2 (PT_LOAD): p_vaddr 0xffffffff80004400 and p_offset 0x3401 are not congruent modulo 4096");
}

static void test_vaddr_wraps(void **state)
{
	const struct ph p[] = {
		{ .flags = R | X, .offset = 0x1000, .vaddr = 0xfffffffffffff000,
		  .filesz = 0x10, .memsz = 0x1000 },
	};
	struct ph q = p[0];

	make_elf(0xfffffffffffff000, p, 1);
	assert_err(parse(), SDM_ERANGE,
		   "ELF program header 0 (PT_LOAD): p_vaddr 0xfffffffffffff000 + p_memsz 0x1000 wraps");
	/* The last page rounded up would end at 2^64. */
	q.memsz = 0xfff;
	make_elf(0xfffffffffffff000, &q, 1);
	assert_err(parse(), SDM_ERANGE, "p_memsz 0xfff wraps");
}

static void test_overlap(void **state)
{
	struct ph p[4];

	memcpy(p, three, sizeof(p));
	/* rodata moved into the last page of text. */
	p[2].vaddr = V + 0x3400;
	make_elf(V + 0x1010, p, 4);
	assert_err(parse(), SDM_EOVERLAP,
		   "ELF program header 2 (PT_LOAD): pages from 0xffffffff80003000 overlap the previous segment ending at 0xffffffff80004000");
}

static void test_unsorted(void **state)
{
	const struct ph p[] = {
		three[3],
		three[0],
	};

	make_elf(V + 0x1010, p, 2);
	assert_err(parse(), SDM_EINVAL,
		   "ELF program header 1 (PT_LOAD): not sorted: p_vaddr 0xffffffff80001000 is below the previous segment at 0xffffffff80005000");
}

static void test_write_exec(void **state)
{
	struct ph p[4];

	memcpy(p, three, sizeof(p));
	p[3].flags = R | W | X;
	make_elf(V + 0x1010, p, 4);
	assert_err(parse(), SDM_EINVAL,
		   "ELF program header 3 (PT_LOAD): segment is writable and executable (p_flags 0x7)");
}

static void test_span(void **state)
{
	make_elf(V + 0x1010, three, 5);
	assert_err(elf64_parse(file, flen, 0x9fff, &img, &err), SDM_ERANGE,
		   "ELF header: segments span 0xa000 bytes, above the maximum 0x9fff");
}

static void test_entry(void **state)
{
	/* In the data segment. */
	make_elf(V + 0x6000, three, 5);
	assert_err(parse(), SDM_EINVAL,
		   "ELF header: e_entry 0xffffffff80006000 is not inside an executable segment");
	/* Last byte of text, then the first byte after it (still the page). */
	make_elf(V + 0x1000 + 0x2344, three, 5);
	assert_int_equal(parse(), SDM_OK);
	make_elf(V + 0x1000 + 0x2345, three, 5);
	assert_err(parse(), SDM_EINVAL,
		   "e_entry 0xffffffff80003345 is not inside an executable segment");
	make_elf(V + 0xfff, three, 5);
	assert_err(parse(), SDM_EINVAL, "e_entry 0xffffffff80000fff");
	make_elf(0, three, 5);
	assert_err(parse(), SDM_EINVAL, "e_entry 0x0 is not inside");
}

static void test_too_many_segments(void **state)
{
	struct ph p[ELF64_MAX_SEGMENTS + 1];

	for (unsigned i = 0; i < ARRAY_SIZE(p); i++)
		p[i] = (struct ph){ .flags = R | X, .offset = 0x1000 * (i + 1),
				    .vaddr = V + 0x1000 * (i + 1),
				    .filesz = 0x10, .memsz = 0x10 };
	make_elf(V + 0x1000, p, ELF64_MAX_SEGMENTS);
	assert_int_equal(parse(), SDM_OK);
	assert_int_equal(img.nseg, ELF64_MAX_SEGMENTS);
	make_elf(V + 0x1000, p, ELF64_MAX_SEGMENTS + 1);
	assert_err(parse(), SDM_ENOSPC,
		   "ELF program header 8 (PT_LOAD): more than 8 PT_LOAD segments");
}

static void test_no_load(void **state)
{
	make_elf(V + 0x1010, &three[1], 1); /* PT_NOTE only */
	assert_err(parse(), SDM_ENOENT, "ELF header: no PT_LOAD segment");
	make_elf(V + 0x1010, NULL, 0);
	assert_err(parse(), SDM_ENOENT, "ELF header: no PT_LOAD segment");
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_valid_three_segments),
		cmocka_unit_test(test_empty_load_skipped),
		cmocka_unit_test(test_short_file),
		cmocka_unit_test(test_ident),
		cmocka_unit_test(test_type_machine),
		cmocka_unit_test(test_phdr_table),
		cmocka_unit_test(test_filesz_above_memsz),
		cmocka_unit_test(test_file_range_past_end),
		cmocka_unit_test(test_not_congruent),
		cmocka_unit_test(test_vaddr_wraps),
		cmocka_unit_test(test_overlap),
		cmocka_unit_test(test_unsorted),
		cmocka_unit_test(test_write_exec),
		cmocka_unit_test(test_span),
		cmocka_unit_test(test_entry),
		cmocka_unit_test(test_too_many_segments),
		cmocka_unit_test(test_no_load),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
