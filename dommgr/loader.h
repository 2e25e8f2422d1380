/*
 * Loading a multiboot kernel into a domain: find its multiboot2 (preferred)
 * or multiboot1 header, honour what it asks for, copy its ELF32 segments to
 * their physical load addresses in the domain's guest-physical memory, and
 * write the boot information (Multiboot 0.6.96 section 3.3 / Multiboot2
 * 2.0 section 3.6) the kernel finds in EBX. The kernel image is untrusted
 * input; the memory map and command line come from dommgr's own plan.
 * Pure logic on top of a memory-translation callback, so host unit tests
 * and the fuzzer run it on a fake guest memory.
 */
#ifndef DOMMGR_LOADER_H
#define DOMMGR_LOADER_H
#include <sdm/err.h>
#include <sdm/types.h>

#define MB1_BOOTLOADER_MAGIC 0x2badb002u /* EAX for a multiboot1 kernel */

/*
 * The boot information area at info_gpa: the caller reserves this many
 * bytes; no segment may overlap them and the information must fit.
 */
#define GUEST_INFO_SIZE 8192u
#define GUEST_LOADER_NAME "SDM dommgr"

/*
 * Translate [gpa, gpa+len) of the domain's RAM to a host pointer through
 * which all len bytes can be written contiguously; NULL when any byte is
 * outside the domain's RAM.
 */
typedef void *(*gmem_map_fn)(void *ctx, uint64_t gpa, uint64_t len);

/* One entry of the memory map the guest is given. */
struct guest_mem_range {
	uint64_t gpa, len;
	uint32_t type; /* multiboot/e820 type: 1 available, 2 reserved, ... */
};

/* Header requests that were not carried out (struct guest_boot.ignored). */
#define GUEST_IGN_VIDEO (1u << 0)    /* mb1 flags bit 2, mb2 framebuffer tag */
#define GUEST_IGN_CONSOLE (1u << 1)  /* mb2 console flags tag */
#define GUEST_IGN_EFI (1u << 2)      /* mb2 tags 7-9: this is no EFI boot */
#define GUEST_IGN_RELOC (1u << 3)    /* mb2 relocatable tag: linked address */
#define GUEST_IGN_OPTIONAL (1u << 4) /* optional tag or request not served */

/* How to enter the loaded kernel: 32-bit protected mode, paging off. */
struct guest_boot {
	uint32_t entry;    /* EIP, guest-physical */
	uint32_t magic;    /* EAX: MB1_ or MB2_BOOTLOADER_MAGIC */
	uint32_t info_gpa; /* EBX: the boot information */
	int kind;          /* 1 or 2: the multiboot header that was honoured */
	uint32_t ignored;  /* GUEST_IGN_*: for the caller to log */
};

/*
 * Load the kernel image of len bytes (what names it in messages, e.g.
 * "normal image") into the domain whose RAM gmem translates.
 *
 * The header: multiboot2 (8-byte aligned in the first 32 KiB) is preferred
 * over multiboot1 (4-byte aligned in the first 8 KiB). Multiboot1: flags
 * bit 16 (a.out kludge) and unknown bits 3-15 are refused, bits 0 and 1
 * are met, bit 2 (video mode) is ignored (GUEST_IGN_VIDEO). Multiboot2:
 * the tags within header_length are walked; information requests may ask
 * for cmdline (1), boot loader name (2), basic meminfo (4), mmap (6), or
 * anything when optional; the address tag is refused unless optional; the
 * entry address tag overrides the ELF entry; console flags that require
 * console information are refused unless optional; framebuffer, EFI and
 * relocatable tags are ignored (noted in ->ignored); module alignment needs
 * nothing (no modules are loaded); unknown tags are refused unless
 * optional.
 *
 * The image must be an ELF32 i386 executable (elf32_parse()); each
 * segment's physical range must be RAM of the domain; the entry must lie
 * in a segment. The boot information is written into the
 * GUEST_INFO_SIZE-byte area at info_gpa (8-byte aligned, in RAM, below
 * 4 GiB, overlapping no segment): multiboot1 — the 88-byte structure with
 * flags MEM|CMDLINE|MMAP|LOADER_NAME, then the mmap entries, the command
 * line and the loader name; multiboot2 — the cmdline, boot loader name,
 * basic meminfo, mmap (entry size 24, version 0) and end tags. mem_lower
 * and mem_upper are the KiB of type-1 memory contiguous from 0 (at most
 * 640) and from 1 MiB. A NULL cmdline is passed as "". Neither the
 * segments nor the area may overlap the image itself in host memory.
 *
 * On success *out is filled. On error *err names the image and what is
 * wrong, and the domain must not be started: its memory is to be treated
 * as garbage. (Every check is made before the first byte is written, so
 * today an error leaves the memory untouched; callers must not rely on
 * that.)
 */
int guest_load_multiboot(const char *what, const void *image, size_t len,
			 const char *cmdline,
			 const struct guest_mem_range *map, unsigned nmap,
			 gmem_map_fn gmem, void *ctx, uint32_t info_gpa,
			 struct guest_boot *out, struct sdm_err *err);

#endif
