/*
 * ELF32 i386 executable checks for loading guest kernels (System V gABI,
 * "ELF: Executable and Linkable Format" 1.2, with the i386 processor
 * supplement). Multiboot kernels are such files; the image is untrusted
 * input: elf32_parse() checks every field it relies on before anything
 * is copied. The output reuses struct elf64_image (sdm/elf64.h).
 */
#ifndef SDM_ELF32_H
#define SDM_ELF32_H
#include <sdm/elf64.h>

struct elf32_ehdr {
	uint8_t e_ident[16];
	uint16_t e_type;
	uint16_t e_machine;
	uint32_t e_version;
	uint32_t e_entry;
	uint32_t e_phoff;
	uint32_t e_shoff;
	uint32_t e_flags;
	uint16_t e_ehsize;
	uint16_t e_phentsize;
	uint16_t e_phnum;
	uint16_t e_shentsize;
	uint16_t e_shnum;
	uint16_t e_shstrndx;
};
SDM_STATIC_ASSERT(sizeof(struct elf32_ehdr) == 52, "ELF-32 header");

struct elf32_phdr {
	uint32_t p_type;
	uint32_t p_offset;
	uint32_t p_vaddr;
	uint32_t p_paddr;
	uint32_t p_filesz;
	uint32_t p_memsz;
	uint32_t p_flags;
	uint32_t p_align;
};
SDM_STATIC_ASSERT(sizeof(struct elf32_phdr) == 32, "ELF-32 program header");

#define ELF_EM_386 3

/*
 * Check an ELF32 i386 executable of len bytes: identification (class 32,
 * little-endian, version 1), e_version 1, type EXEC, machine 386, program
 * headers inside the file with entry size 32, at most ELF64_MAX_SEGMENTS
 * non-empty PT_LOAD segments (p_memsz 0 ones load nothing and are
 * skipped), each with p_filesz <= p_memsz, file bytes inside the file,
 * physical and virtual ranges ending at or below 4 GiB, physical ranges
 * not overlapping each other; writable and executable segments are
 * allowed (guest kernels have them), and the segments need not be sorted.
 *
 * A guest kernel is loaded at physical addresses with paging off, so the
 * output differs from elf64_parse()'s in what its fields mean:
 *   seg[i].vaddr   p_paddr, the guest-physical load address (exact);
 *   seg[i].memsz   p_memsz (exact, not rounded to pages);
 *   seg[i].offset  p_offset, seg[i].filesz p_filesz (exact);
 *   seg[i].flags   p_flags;
 *   vbase, vend    lowest start and highest end of the physical ranges;
 *   entry          the physical entry point: e_entry must lie inside the
 *                  virtual range [p_vaddr, p_vaddr + p_memsz) of some
 *                  PT_LOAD segment (the first such in header order) and is
 *                  translated to p_paddr + (e_entry - p_vaddr).
 * seg[] keeps program header order. On error *err names the header field
 * or the program header index.
 */
int elf32_parse(const void *file, size_t len, struct elf64_image *out,
		struct sdm_err *err);

#endif
