/*
 * Multiboot2 boot information (Multiboot Specification 1.0 / 2.0 draft,
 * section 3.6 "Boot information format"). The information handed over by
 * the boot loader is untrusted input: mb2_parse() checks every tag.
 */
#ifndef SDM_MB2_H
#define SDM_MB2_H
#include <sdm/err.h>
#include <sdm/types.h>

#define MB2_BOOTLOADER_MAGIC 0x36d76289u
#define MB2_HEADER_MAGIC 0xe85250d6u
#define MB1_HEADER_MAGIC 0x1badb002u

/* Tag types, spec 3.6.x */
enum mb2_tag_type {
	MB2_TAG_END = 0,
	MB2_TAG_CMDLINE = 1,
	MB2_TAG_BOOTLOADER = 2,
	MB2_TAG_MODULE = 3,
	MB2_TAG_BASIC_MEMINFO = 4,
	MB2_TAG_BOOTDEV = 5,
	MB2_TAG_MMAP = 6,
	MB2_TAG_VBE = 7,
	MB2_TAG_FRAMEBUFFER = 8,
	MB2_TAG_ELF_SECTIONS = 9,
	MB2_TAG_APM = 10,
	MB2_TAG_EFI32 = 11,
	MB2_TAG_EFI64 = 12,
	MB2_TAG_SMBIOS = 13,
	MB2_TAG_ACPI_OLD = 14,
	MB2_TAG_ACPI_NEW = 15,
	MB2_TAG_NETWORK = 16,
	MB2_TAG_EFI_MMAP = 17,
	MB2_TAG_EFI_BS = 18,
	MB2_TAG_EFI32_IH = 19,
	MB2_TAG_EFI64_IH = 20,
	MB2_TAG_LOAD_BASE_ADDR = 21,
};

/* Memory map entry types (spec 3.6.8; the same values as e820). */
enum mb2_mem_type {
	MB2_MEM_AVAILABLE = 1,
	MB2_MEM_RESERVED = 2,
	MB2_MEM_ACPI_RECLAIMABLE = 3,
	MB2_MEM_NVS = 4,
	MB2_MEM_BADRAM = 5,
};

#define MB2_MAX_MODULES 16
#define MB2_MAX_MMAP 128
#define MB2_MAX_INFO_SIZE (256u * 1024u) /* we refuse larger boot info */

struct mb2_module {
	uint32_t start;      /* physical, inclusive */
	uint32_t end;        /* physical, exclusive */
	const char *cmdline; /* NUL-terminated, points into the boot info */
};

struct mb2_mmap_entry {
	uint64_t base;
	uint64_t len;
	uint32_t type;
};

struct mb2_info {
	uint32_t total_size;
	const char *cmdline;         /* NULL if no command-line tag */
	const char *loader_name;     /* NULL if no boot-loader-name tag */
	unsigned nmods;
	struct mb2_module mods[MB2_MAX_MODULES];
	unsigned nmmap;
	struct mb2_mmap_entry mmap[MB2_MAX_MMAP];
	bool have_meminfo;
	uint32_t mem_lower_kib, mem_upper_kib;
	/* RSDP copy from tag 15 (ACPI 2.0+) if present, else tag 14. */
	const void *rsdp;
	uint32_t rsdp_len;
	unsigned rsdp_tag; /* 14, 15 or 0 */
};

/*
 * Parse the boot information at mbi. avail is how many bytes at mbi may be
 * read at most (the parser never reads beyond min(avail, total_size)).
 * Checks: mbi 8-byte aligned (as GRUB places it), total_size within
 * [16, avail] and <= MB2_MAX_INFO_SIZE, 8-byte tag alignment, each tag's
 * size >= 8 and within the info, per-type minimum sizes, NUL-terminated
 * strings inside their tag, module start <= end, at most MB2_MAX_MODULES
 * modules, memory map entry_size >= 24 and a multiple of 8, entries
 * filling the tag exactly (at most MB2_MAX_MMAP), base+len not wrapping
 * (reaching 2^64 counts as wrapping), at most one tag of each type that
 * fills a single field (cmdline, boot loader name, basic meminfo, mmap,
 * ACPI old, ACPI new), an END tag of size 8. Parsing stops at the END
 * tag: bytes after it up to total_size are padding and are not read.
 * Unknown tag types are skipped. On error *err names the tag (type and
 * byte offset).
 */
int mb2_parse(const void *mbi, size_t avail, struct mb2_info *out,
	      struct sdm_err *err);

/*
 * The first module whose command line's first word equals name, or NULL.
 * Words are separated by spaces; leading spaces are skipped.
 */
const struct mb2_module *mb2_find_module(const struct mb2_info *info,
					 const char *name);

/*
 * Scan the first 32 KiB of a kernel image for a multiboot2 header (8-byte
 * aligned, magic, architecture 0, checksum) or a multiboot1 header (4-byte
 * aligned in the first 8 KiB, magic + flags + checksum == 0). Returns 2, 1,
 * or 0 when neither is present.
 */
int mb_kernel_kind(const void *image, size_t len);

#endif
