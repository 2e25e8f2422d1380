/*
 * ELF64 executable checks for loading dommgr (System V ABI, "ELF-64
 * Object File Format" 1.5). The image comes from a boot module and is
 * untrusted until measured and verified: elf64_parse() checks every field
 * it relies on before anything is copied.
 */
#ifndef SDM_ELF64_H
#define SDM_ELF64_H
#include <sdm/err.h>
#include <sdm/types.h>

struct elf64_ehdr {
	uint8_t e_ident[16];
	uint16_t e_type;
	uint16_t e_machine;
	uint32_t e_version;
	uint64_t e_entry;
	uint64_t e_phoff;
	uint64_t e_shoff;
	uint32_t e_flags;
	uint16_t e_ehsize;
	uint16_t e_phentsize;
	uint16_t e_phnum;
	uint16_t e_shentsize;
	uint16_t e_shnum;
	uint16_t e_shstrndx;
};
SDM_STATIC_ASSERT(sizeof(struct elf64_ehdr) == 64, "ELF-64 header");

struct elf64_phdr {
	uint32_t p_type;
	uint32_t p_flags;
	uint64_t p_offset;
	uint64_t p_vaddr;
	uint64_t p_paddr;
	uint64_t p_filesz;
	uint64_t p_memsz;
	uint64_t p_align;
};
SDM_STATIC_ASSERT(sizeof(struct elf64_phdr) == 56, "ELF-64 program header");

#define ELF_PT_LOAD 1
#define ELF_PF_X 1
#define ELF_PF_W 2
#define ELF_PF_R 4
#define ELF_ET_EXEC 2
#define ELF_EM_X86_64 62

#define ELF64_MAX_SEGMENTS 8

struct elf64_segment {
	uint64_t vaddr;   /* page aligned */
	uint64_t memsz;   /* rounded up to pages */
	uint64_t offset;  /* file offset of the first byte at vaddr */
	uint64_t filesz;  /* bytes taken from the file; the rest is zeroed */
	uint32_t flags;   /* ELF_PF_* */
};

struct elf64_image {
	uint64_t entry;
	uint64_t vbase;   /* lowest segment vaddr (page aligned) */
	uint64_t vend;    /* end of highest segment (page aligned) */
	unsigned nseg;
	struct elf64_segment seg[ELF64_MAX_SEGMENTS];
};

/*
 * The checks ELF32 and ELF64 executables share: magic, EI_CLASS elfclass
 * (1 or 2), little-endian, version 1 (EI_VERSION and e_version), ET_EXEC.
 * Messages start "ELF header: ".
 */
int elf_check_ident(const uint8_t ident[16], unsigned elfclass,
		    uint32_t e_version, uint16_t e_type, struct sdm_err *err);

/*
 * Check an ELF64 x86-64 executable of len bytes: identification (class 64,
 * little-endian, version 1), type EXEC, machine x86-64, program headers
 * inside the file with entry size 56, at most ELF64_MAX_SEGMENTS PT_LOAD
 * segments, each with filesz <= memsz, file bytes inside the file, vaddr
 * and offset congruent modulo the page size, no wrap, segments sorted and
 * not overlapping, no segment both writable and executable (W^X), total
 * span <= max_span, entry inside an executable segment. On error *err
 * names the header field or the segment index.
 */
int elf64_parse(const void *file, size_t len, uint64_t max_span,
		struct elf64_image *out, struct sdm_err *err);

#endif
