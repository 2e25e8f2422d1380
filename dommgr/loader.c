/*
 * Multiboot kernel loader for domains (Multiboot 0.6.96 sections 3.1 and
 * 3.3; Multiboot2 2.0 sections 3.1 and 3.6). Prepare, then commit: every
 * header, segment, range and size is checked and every host pointer
 * obtained before the first byte of guest memory is written; the commit
 * (copy, zero, write the information) cannot fail. Image bytes are read
 * through rd16/rd32 (memcpy) at offsets checked against the length first.
 */
#include <string.h>
#include <sdm/elf32.h>
#include <sdm/mb2.h>
#include "dommgr/loader.h"

#define MB2_HDR_SCAN 32768u /* Multiboot2 3.1.1: header within 32 KiB */
#define MB1_HDR_SCAN 8192u  /* Multiboot 0.6.96 3.1.1: within 8 KiB */
#define MB2_HDR_FIXED 16    /* magic, architecture, header_length, checksum */
#define MB2_HTAG_HDR 8      /* u16 type, u16 flags, u32 size */
#define MB2_ARCH_I386 0
#define LIMIT_4G 0x100000000ull
#define LOWER_MEM_MAX KIB(640) /* 0.6.96 3.3: lower memory is <= 640 KiB */

/* Multiboot2 header tag types (Multiboot2 3.1.3 - 3.1.13). */
enum mb2_htag {
	MB2_HTAG_END = 0,
	MB2_HTAG_INFO_REQ = 1,
	MB2_HTAG_ADDRESS = 2,
	MB2_HTAG_ENTRY = 3,
	MB2_HTAG_CONSOLE = 4,
	MB2_HTAG_FRAMEBUFFER = 5,
	MB2_HTAG_MODULE_ALIGN = 6,
	MB2_HTAG_EFI_BS = 7,
	MB2_HTAG_EFI32_ENTRY = 8,
	MB2_HTAG_EFI64_ENTRY = 9,
	MB2_HTAG_RELOCATABLE = 10,
};
#define MB2_HTAG_OPTIONAL 1u    /* tag flags bit 0 */
#define MB2_CONSOLE_REQUIRED 1u /* console_flags bit 0 */

/* Multiboot1 header flags (0.6.96 3.1.2); bits 0-15 are requirements. */
#define MB1_F_PAGE_ALIGN (1u << 0)
#define MB1_F_MEMINFO (1u << 1)
#define MB1_F_VIDEO (1u << 2)
#define MB1_F_AOUT_KLUDGE (1u << 16)
#define MB1_F_REQUIRED 0xffffu
#define MB1_F_KNOWN (MB1_F_PAGE_ALIGN | MB1_F_MEMINFO | MB1_F_VIDEO)

/* Multiboot1 boot information (0.6.96 3.3): flags and field offsets. */
#define MB1_INFO_MEM (1u << 0)
#define MB1_INFO_CMDLINE (1u << 2)
#define MB1_INFO_MMAP (1u << 6)
#define MB1_INFO_LOADER_NAME (1u << 9)
#define MB1_INFO_SIZE 88 /* through the VBE fields */
#define MB1_OFF_FLAGS 0
#define MB1_OFF_MEM_LOWER 4
#define MB1_OFF_MEM_UPPER 8
#define MB1_OFF_CMDLINE 16
#define MB1_OFF_MMAP_LENGTH 44
#define MB1_OFF_MMAP_ADDR 48
#define MB1_OFF_LOADER_NAME 64
/* mmap entry: u32 size (20, not counting itself), u64 base, len, u32 type */
#define MB1_MMAP_ENTRY 24
#define MB1_MMAP_SIZE_FIELD 20

/* Multiboot2 boot information (Multiboot2 3.6). */
#define MB2_INFO_HDR 8  /* u32 total_size, u32 reserved */
#define MB2_TAG_HDR 8   /* u32 type, u32 size */
#define MB2_MEMINFO_SIZE 16
#define MB2_MMAP_HDR 16 /* tag header, u32 entry_size, u32 entry_version */
#define MB2_MMAP_ENTRY 24 /* u64 base, u64 len, u32 type, u32 reserved */

SDM_STATIC_ASSERT(MB1_INFO_SIZE % 8 == 0 && GUEST_INFO_SIZE % 8 == 0,
		  "boot information layout");

/* What the header asked for. */
struct load {
	const char *what;
	const uint8_t *image;
	size_t len;
	int kind;         /* 1 or 2 */
	size_t hdr_off;   /* file offset of the header */
	uint32_t hdr_len; /* multiboot2 header_length */
	bool have_entry;  /* multiboot2 entry address tag seen */
	uint32_t entry;
	uint32_t ignored; /* GUEST_IGN_* */
};

static uint16_t rd16(const uint8_t *p)
{
	uint16_t v;

	memcpy(&v, p, sizeof(v));
	return v;
}

static uint32_t rd32(const uint8_t *p)
{
	uint32_t v;

	memcpy(&v, p, sizeof(v));
	return v;
}

static void wr32(uint8_t *p, uint32_t v)
{
	memcpy(p, &v, sizeof(v));
}

static void wr64(uint8_t *p, uint64_t v)
{
	memcpy(p, &v, sizeof(v));
}

static size_t align8(size_t v)
{
	return (v + 7) & ~(size_t)7;
}

/* ---------------------------------------------------------------- headers */

static int find_header(struct load *l, struct sdm_err *err)
{
	const uint8_t *p = l->image;
	size_t lim = l->len < MB2_HDR_SCAN ? l->len : MB2_HDR_SCAN;

	for (size_t off = 0; lim >= MB2_HDR_FIXED && off <= lim - MB2_HDR_FIXED;
	     off += 8) {
		uint32_t magic = rd32(p + off), arch = rd32(p + off + 4);
		uint32_t hlen = rd32(p + off + 8), sum = rd32(p + off + 12);

		if (magic != MB2_HEADER_MAGIC ||
		    (uint32_t)(magic + arch + hlen + sum) != 0)
			continue;
		if (arch != MB2_ARCH_I386)
			return sdm_err_set(err, SDM_EINVAL,
					   "%s: multiboot2 header at file offset 0x%zx: architecture %u is not i386 (0)",
					   l->what, off, arch);
		if (hlen < MB2_HDR_FIXED + MB2_HTAG_HDR || hlen > lim - off)
			return sdm_err_set(err, SDM_ERANGE,
					   "%s: multiboot2 header at file offset 0x%zx: header_length %u is below %u or runs past 0x%zx",
					   l->what, off, hlen,
					   MB2_HDR_FIXED + MB2_HTAG_HDR, lim);
		l->kind = 2;
		l->hdr_off = off;
		l->hdr_len = hlen;
		return SDM_OK;
	}
	lim = l->len < MB1_HDR_SCAN ? l->len : MB1_HDR_SCAN;
	for (size_t off = 0; lim >= 12 && off <= lim - 12; off += 4) {
		uint32_t magic = rd32(p + off), flags = rd32(p + off + 4);
		uint32_t sum = rd32(p + off + 8);

		if (magic == MB1_HEADER_MAGIC &&
		    (uint32_t)(magic + flags + sum) == 0) {
			l->kind = 1;
			l->hdr_off = off;
			return SDM_OK;
		}
	}
	return sdm_err_set(err, SDM_ENOENT,
			   "%s: no multiboot2 header in the first 32 KiB and no multiboot1 header in the first 8 KiB",
			   l->what);
}

static int check_mb1(struct load *l, struct sdm_err *err)
{
	uint32_t flags = rd32(l->image + l->hdr_off + 4);
	uint32_t unknown = flags & MB1_F_REQUIRED & ~MB1_F_KNOWN;

	if (flags & MB1_F_AOUT_KLUDGE)
		return sdm_err_set(err, SDM_EINVAL,
				   "%s: multiboot1 header at file offset 0x%zx: flags 0x%x: bit 16 (a.out kludge) is not supported, only ELF kernels are loaded",
				   l->what, l->hdr_off, flags);
	if (unknown != 0)
		return sdm_err_set(err, SDM_EINVAL,
				   "%s: multiboot1 header at file offset 0x%zx: flags 0x%x: required bits 0x%x are unknown",
				   l->what, l->hdr_off, flags, unknown);
	/* Bit 0: no modules are loaded. Bit 1: memory information is given. */
	if (flags & MB1_F_VIDEO)
		l->ignored |= GUEST_IGN_VIDEO;
	return SDM_OK;
}

static const char *htag_name(uint32_t type)
{
	switch (type) {
	case MB2_HTAG_END: return "end";
	case MB2_HTAG_INFO_REQ: return "information request";
	case MB2_HTAG_ADDRESS: return "address";
	case MB2_HTAG_ENTRY: return "entry address";
	case MB2_HTAG_CONSOLE: return "console flags";
	case MB2_HTAG_FRAMEBUFFER: return "framebuffer";
	case MB2_HTAG_MODULE_ALIGN: return "module alignment";
	case MB2_HTAG_EFI_BS: return "EFI boot services";
	case MB2_HTAG_EFI32_ENTRY: return "EFI i386 entry address";
	case MB2_HTAG_EFI64_ENTRY: return "EFI amd64 entry address";
	case MB2_HTAG_RELOCATABLE: return "relocatable";
	default: return "unknown";
	}
}

/* Size of a header tag of this type as the spec defines it (the minimum). */
static uint32_t htag_min_size(uint32_t type)
{
	switch (type) {
	case MB2_HTAG_ADDRESS:
	case MB2_HTAG_RELOCATABLE:
		return MB2_HTAG_HDR + 16;
	case MB2_HTAG_ENTRY:
	case MB2_HTAG_CONSOLE:
	case MB2_HTAG_EFI32_ENTRY:
	case MB2_HTAG_EFI64_ENTRY:
		return MB2_HTAG_HDR + 4;
	case MB2_HTAG_FRAMEBUFFER:
		return MB2_HTAG_HDR + 12;
	default:
		return MB2_HTAG_HDR;
	}
}

/* Boot information tags we write (and END, which is always there). */
static bool info_tag_provided(uint32_t type)
{
	return type == MB2_TAG_END || type == MB2_TAG_CMDLINE ||
	       type == MB2_TAG_BOOTLOADER || type == MB2_TAG_BASIC_MEMINFO ||
	       type == MB2_TAG_MMAP;
}

/* A header tag being checked, for error messages. */
struct htag {
	const uint8_t *p;
	size_t at;    /* file offset */
	uint32_t type;
	uint32_t size;
	bool optional;
};

#define HTAG_ERR(l, t, err, code, fmt, ...)                               \
	sdm_err_set(err, code,                                            \
		    "%s: multiboot2 header tag %u (%s) at file offset 0x%zx: " \
		    fmt, (l)->what, (t)->type, htag_name((t)->type), (t)->at, \
		    __VA_ARGS__)

static int info_request(struct load *l, const struct htag *t,
			struct sdm_err *err)
{
	uint32_t n = (t->size - MB2_HTAG_HDR) / 4;

	if ((t->size - MB2_HTAG_HDR) % 4 != 0)
		return HTAG_ERR(l, t, err, SDM_EINVAL,
				"size %u is not 8 + 4 * n", t->size);
	/*
	 * We never produce other information tags, so a required request
	 * for one is one we do not support: the spec says to fail.
	 */
	for (uint32_t i = 0; i < n; i++) {
		uint32_t want = rd32(t->p + MB2_HTAG_HDR + 4 * i);

		if (info_tag_provided(want))
			continue;
		if (t->optional) {
			l->ignored |= GUEST_IGN_OPTIONAL;
			continue;
		}
		return HTAG_ERR(l, t, err, SDM_ENOENT,
				"requires information tag %u, which is not provided (only 1, 2, 4, 6)",
				want);
	}
	return SDM_OK;
}

static int header_tag(struct load *l, const struct htag *t,
		      struct sdm_err *err)
{
	uint32_t v;

	switch (t->type) {
	case MB2_HTAG_INFO_REQ:
		return info_request(l, t, err);
	case MB2_HTAG_ADDRESS:
		if (!t->optional)
			return HTAG_ERR(l, t, err, SDM_EINVAL, "%s",
					"a.out kludge load addresses are not supported, only ELF kernels are loaded");
		l->ignored |= GUEST_IGN_OPTIONAL;
		return SDM_OK;
	case MB2_HTAG_ENTRY:
		if (l->have_entry)
			return HTAG_ERR(l, t, err, SDM_EINVAL, "%s",
					"duplicate entry address tag");
		l->have_entry = true;
		l->entry = rd32(t->p + MB2_HTAG_HDR);
		return SDM_OK;
	case MB2_HTAG_CONSOLE:
		v = rd32(t->p + MB2_HTAG_HDR);
		if ((v & MB2_CONSOLE_REQUIRED) && !t->optional)
			return HTAG_ERR(l, t, err, SDM_ENOENT,
					"console_flags 0x%x require console information, which is not provided",
					v);
		l->ignored |= GUEST_IGN_CONSOLE;
		return SDM_OK;
	case MB2_HTAG_FRAMEBUFFER:
		/* A preferred mode only (3.1.10): no mode is set. */
		l->ignored |= GUEST_IGN_VIDEO;
		return SDM_OK;
	case MB2_HTAG_MODULE_ALIGN:
		return SDM_OK; /* no modules are loaded */
	case MB2_HTAG_EFI_BS:
	case MB2_HTAG_EFI32_ENTRY:
	case MB2_HTAG_EFI64_ENTRY:
		/* These apply to EFI boots only (3.1.11-13); this is none. */
		l->ignored |= GUEST_IGN_EFI;
		return SDM_OK;
	case MB2_HTAG_RELOCATABLE:
		l->ignored |= GUEST_IGN_RELOC; /* loaded where it is linked */
		return SDM_OK;
	default:
		if (!t->optional)
			return HTAG_ERR(l, t, err, SDM_EINVAL,
					"required tag (flags 0x%x) of an unknown type",
					rd16(t->p + 2));
		l->ignored |= GUEST_IGN_OPTIONAL;
		return SDM_OK;
	}
}

/* Walks the header's tags (8-byte aligned) up to the END tag. */
static int check_mb2(struct load *l, struct sdm_err *err)
{
	const uint8_t *hdr = l->image + l->hdr_off;
	uint32_t hlen = l->hdr_len;

	for (uint32_t off = MB2_HDR_FIXED;; off = (uint32_t)align8(off)) {
		struct htag t;
		int rc;

		if (off > hlen || hlen - off < MB2_HTAG_HDR)
			return sdm_err_set(err, SDM_EINVAL,
					   "%s: multiboot2 header at file offset 0x%zx: no end tag within header_length %u",
					   l->what, l->hdr_off, hlen);
		t.p = hdr + off;
		t.at = l->hdr_off + off;
		t.type = rd16(t.p);
		t.optional = (rd16(t.p + 2) & MB2_HTAG_OPTIONAL) != 0;
		t.size = rd32(t.p + 4);
		if (t.size < htag_min_size(t.type) || t.size > hlen - off)
			return HTAG_ERR(l, &t, err, SDM_EINVAL,
					"size %u is below %u or runs past header_length %u",
					t.size, htag_min_size(t.type), hlen);
		if (t.type == MB2_HTAG_END) {
			if (t.size != MB2_HTAG_HDR)
				return HTAG_ERR(l, &t, err, SDM_EINVAL,
						"size %u is not %u", t.size,
						MB2_HTAG_HDR);
			return SDM_OK;
		}
		rc = header_tag(l, &t, err);
		if (rc != SDM_OK)
			return rc;
		off += t.size; /* <= hlen <= 32 KiB: no wrap */
	}
}

/* ---------------------------------------------------------------- info */

/* Byte offsets inside the information area. */
struct layout {
	size_t mmap;    /* mb1: first entry; mb2: the mmap tag */
	size_t cmdline; /* mb1: the string; mb2: the cmdline tag */
	size_t name;    /* mb1: the string; mb2: the boot loader name tag */
	size_t meminfo; /* mb2 only */
	size_t end;     /* mb2 only */
	size_t total;
};

static void layout_mb1(size_t clen, unsigned nmap, struct layout *lo)
{
	lo->mmap = MB1_INFO_SIZE;
	lo->cmdline = lo->mmap + (size_t)nmap * MB1_MMAP_ENTRY;
	lo->name = lo->cmdline + clen + 1;
	lo->meminfo = lo->end = 0;
	lo->total = lo->name + sizeof(GUEST_LOADER_NAME);
}

static void layout_mb2(size_t clen, unsigned nmap, struct layout *lo)
{
	lo->cmdline = MB2_INFO_HDR;
	lo->name = lo->cmdline + align8(MB2_TAG_HDR + clen + 1);
	lo->meminfo = lo->name +
		      align8(MB2_TAG_HDR + sizeof(GUEST_LOADER_NAME));
	lo->mmap = lo->meminfo + MB2_MEMINFO_SIZE;
	lo->end = lo->mmap + MB2_MMAP_HDR + (size_t)nmap * MB2_MMAP_ENTRY;
	lo->total = lo->end + MB2_TAG_HDR;
}

/* Bytes of type-1 memory in the map contiguous from start. */
static uint64_t contiguous_ram(const struct guest_mem_range *map,
			       unsigned nmap, uint64_t start)
{
	uint64_t cur = start;
	bool grew = true;

	/* Each pass that grows passes one more entry's end: <= nmap passes. */
	while (grew) {
		grew = false;
		for (unsigned i = 0; i < nmap; i++) {
			const struct guest_mem_range *m = &map[i];

			if (m->type == MB2_MEM_AVAILABLE && m->gpa <= cur &&
			    cur - m->gpa < m->len) {
				cur = m->gpa + m->len;
				grew = true;
			}
		}
	}
	return cur - start;
}

struct meminfo {
	uint32_t lower_kib, upper_kib;
};

static void compute_meminfo(const struct guest_mem_range *map,
			    unsigned nmap, struct meminfo *mi)
{
	uint64_t lower = contiguous_ram(map, nmap, 0);
	uint64_t upper = contiguous_ram(map, nmap, MIB(1)) / 1024;

	if (lower > LOWER_MEM_MAX)
		lower = LOWER_MEM_MAX;
	mi->lower_kib = (uint32_t)(lower / 1024);
	mi->upper_kib = upper > UINT32_MAX ? UINT32_MAX : (uint32_t)upper;
}

static void write_mb1(uint8_t *a, uint32_t gpa, const struct layout *lo,
		      const char *cmdline, size_t clen,
		      const struct guest_mem_range *map, unsigned nmap,
		      const struct meminfo *mi)
{
	wr32(a + MB1_OFF_FLAGS, MB1_INFO_MEM | MB1_INFO_CMDLINE |
				MB1_INFO_MMAP | MB1_INFO_LOADER_NAME);
	wr32(a + MB1_OFF_MEM_LOWER, mi->lower_kib);
	wr32(a + MB1_OFF_MEM_UPPER, mi->upper_kib);
	wr32(a + MB1_OFF_CMDLINE, gpa + (uint32_t)lo->cmdline);
	wr32(a + MB1_OFF_MMAP_LENGTH, nmap * MB1_MMAP_ENTRY);
	wr32(a + MB1_OFF_MMAP_ADDR, gpa + (uint32_t)lo->mmap);
	wr32(a + MB1_OFF_LOADER_NAME, gpa + (uint32_t)lo->name);
	for (unsigned i = 0; i < nmap; i++) {
		uint8_t *e = a + lo->mmap + (size_t)i * MB1_MMAP_ENTRY;

		wr32(e, MB1_MMAP_SIZE_FIELD);
		wr64(e + 4, map[i].gpa);
		wr64(e + 12, map[i].len);
		wr32(e + 20, map[i].type);
	}
	memcpy(a + lo->cmdline, cmdline, clen);
	a[lo->cmdline + clen] = '\0';
	memcpy(a + lo->name, GUEST_LOADER_NAME, sizeof(GUEST_LOADER_NAME));
}

static void write_mb2(uint8_t *a, const struct layout *lo,
		      const char *cmdline, size_t clen,
		      const struct guest_mem_range *map, unsigned nmap,
		      const struct meminfo *mi)
{
	uint8_t *t;

	wr32(a, (uint32_t)lo->total);
	wr32(a + 4, 0);
	t = a + lo->cmdline;
	wr32(t, MB2_TAG_CMDLINE);
	wr32(t + 4, (uint32_t)(MB2_TAG_HDR + clen + 1));
	memcpy(t + MB2_TAG_HDR, cmdline, clen);
	t[MB2_TAG_HDR + clen] = '\0';
	t = a + lo->name;
	wr32(t, MB2_TAG_BOOTLOADER);
	wr32(t + 4, (uint32_t)(MB2_TAG_HDR + sizeof(GUEST_LOADER_NAME)));
	memcpy(t + MB2_TAG_HDR, GUEST_LOADER_NAME, sizeof(GUEST_LOADER_NAME));
	t = a + lo->meminfo;
	wr32(t, MB2_TAG_BASIC_MEMINFO);
	wr32(t + 4, MB2_MEMINFO_SIZE);
	wr32(t + 8, mi->lower_kib);
	wr32(t + 12, mi->upper_kib);
	t = a + lo->mmap;
	wr32(t, MB2_TAG_MMAP);
	wr32(t + 4, (uint32_t)(lo->end - lo->mmap));
	wr32(t + 8, MB2_MMAP_ENTRY);
	wr32(t + 12, 0); /* entry_version */
	for (unsigned i = 0; i < nmap; i++) {
		uint8_t *e = t + MB2_MMAP_HDR + (size_t)i * MB2_MMAP_ENTRY;

		wr64(e, map[i].gpa);
		wr64(e + 8, map[i].len);
		wr32(e + 16, map[i].type);
		wr32(e + 20, 0);
	}
	t = a + lo->end;
	wr32(t, MB2_TAG_END);
	wr32(t + 4, MB2_TAG_HDR);
}

/* ---------------------------------------------------------------- load */

static bool host_overlap(const void *a, uint64_t alen, const void *b,
			 size_t blen)
{
	uintptr_t pa = (uintptr_t)a, pb = (uintptr_t)b;

	return pa < pb + blen && pb < pa + alen;
}

static bool in_segment(const struct elf64_image *img, uint64_t addr)
{
	for (unsigned i = 0; i < img->nseg; i++)
		if (addr >= img->seg[i].vaddr &&
		    addr - img->seg[i].vaddr < img->seg[i].memsz)
			return true;
	return false;
}

/* Host pointers for every segment; all must be the domain's RAM. */
static int map_segments(const struct load *l, const struct elf64_image *img,
			gmem_map_fn gmem, void *ctx, uint8_t **dst,
			struct sdm_err *err)
{
	for (unsigned i = 0; i < img->nseg; i++) {
		const struct elf64_segment *s = &img->seg[i];

		dst[i] = gmem(ctx, s->vaddr, s->memsz);
		if (dst[i] == NULL)
			return sdm_err_set(err, SDM_ERANGE,
					   "%s: ELF load segment %u at [0x%lx, 0x%lx) is outside the domain's memory",
					   l->what, i, s->vaddr,
					   s->vaddr + s->memsz);
		if (host_overlap(dst[i], s->memsz, l->image, l->len))
			return sdm_err_set(err, SDM_EOVERLAP,
					   "%s: ELF load segment %u at [0x%lx, 0x%lx) overlaps the image itself in memory",
					   l->what, i, s->vaddr,
					   s->vaddr + s->memsz);
	}
	return SDM_OK;
}

/* The information area: aligned, below 4 GiB, RAM, no segment in it. */
static int map_info(const struct load *l, const struct elf64_image *img,
		    uint32_t gpa, gmem_map_fn gmem, void *ctx, uint8_t **area,
		    struct sdm_err *err)
{
	uint64_t end = (uint64_t)gpa + GUEST_INFO_SIZE;

	if (gpa % 8 != 0)
		return sdm_err_set(err, SDM_EINVAL,
				   "%s: boot information address 0x%x is not 8-byte aligned",
				   l->what, gpa);
	if (end > LIMIT_4G)
		return sdm_err_set(err, SDM_ERANGE,
				   "%s: boot information area [0x%x, 0x%lx) crosses 4 GiB",
				   l->what, gpa, end);
	for (unsigned i = 0; i < img->nseg; i++) {
		const struct elf64_segment *s = &img->seg[i];

		if (gpa < s->vaddr + s->memsz && s->vaddr < end)
			return sdm_err_set(err, SDM_EOVERLAP,
					   "%s: boot information area [0x%x, 0x%lx) overlaps ELF load segment %u at [0x%lx, 0x%lx)",
					   l->what, gpa, end, i, s->vaddr,
					   s->vaddr + s->memsz);
	}
	*area = gmem(ctx, gpa, GUEST_INFO_SIZE);
	if (*area == NULL)
		return sdm_err_set(err, SDM_ERANGE,
				   "%s: boot information area [0x%x, 0x%lx) is outside the domain's memory",
				   l->what, gpa, end);
	if (host_overlap(*area, GUEST_INFO_SIZE, l->image, l->len))
		return sdm_err_set(err, SDM_EOVERLAP,
				   "%s: boot information area [0x%x, 0x%lx) overlaps the image itself in memory",
				   l->what, gpa, end);
	return SDM_OK;
}

/* Layout of the information; it must fit the area, the map be sane. */
static int plan_info(const struct load *l, size_t clen,
		     const struct guest_mem_range *map, unsigned nmap,
		     struct layout *lo, struct sdm_err *err)
{
	if (l->kind == 2)
		layout_mb2(clen, nmap, lo);
	else
		layout_mb1(clen, nmap, lo);
	if (lo->total > GUEST_INFO_SIZE)
		return sdm_err_set(err, SDM_ENOSPC,
				   "%s: multiboot%d information needs %zu bytes (command line %s%zu bytes, %u memory map entries), more than the %u-byte area",
				   l->what, l->kind, lo->total,
				   clen == GUEST_INFO_SIZE ? "at least " : "",
				   clen, nmap, GUEST_INFO_SIZE);
	for (unsigned i = 0; i < nmap; i++) {
		uint64_t end;

		if (!add_ok(map[i].gpa, map[i].len, &end))
			return sdm_err_set(err, SDM_EINVAL,
					   "%s: memory map entry %u: base 0x%lx + length 0x%lx wraps",
					   l->what, i, map[i].gpa, map[i].len);
	}
	return SDM_OK;
}

int guest_load_multiboot(const char *what, const void *image, size_t len,
			 const char *cmdline,
			 const struct guest_mem_range *map, unsigned nmap,
			 gmem_map_fn gmem, void *ctx, uint32_t info_gpa,
			 struct guest_boot *out, struct sdm_err *err)
{
	struct load l = { .what = what != NULL ? what : "image",
			  .image = image, .len = len };
	uint8_t *dst[ELF64_MAX_SEGMENTS];
	struct elf64_image img;
	struct sdm_err e = { 0 };
	struct meminfo mi;
	struct layout lo;
	uint8_t *area = NULL;
	uint32_t entry;
	size_t clen;
	int rc;

	if (image == NULL || gmem == NULL || (map == NULL && nmap != 0))
		return sdm_err_set(err, SDM_EINVAL,
				   "%s: no image, memory or memory map given",
				   l.what);
	if (cmdline == NULL)
		cmdline = "";

	/* Prepare: nothing below writes guest memory. */
	rc = find_header(&l, err);
	if (rc == SDM_OK)
		rc = l.kind == 2 ? check_mb2(&l, err) : check_mb1(&l, err);
	if (rc != SDM_OK)
		return rc;
	rc = elf32_parse(image, len, &img, &e);
	if (rc != SDM_OK)
		return sdm_err_set(err, rc, "%s: %s", l.what, e.msg);
	entry = (uint32_t)img.entry;
	if (l.have_entry) {
		if (!in_segment(&img, l.entry))
			return sdm_err_set(err, SDM_EINVAL,
					   "%s: multiboot2 entry address 0x%x is not inside an ELF load segment",
					   l.what, l.entry);
		entry = l.entry;
	}
	rc = map_segments(&l, &img, gmem, ctx, dst, err);
	if (rc == SDM_OK)
		rc = map_info(&l, &img, info_gpa, gmem, ctx, &area, err);
	clen = strnlen(cmdline, GUEST_INFO_SIZE);
	if (rc == SDM_OK)
		rc = plan_info(&l, clen, map, nmap, &lo, err);
	if (rc != SDM_OK)
		return rc;
	compute_meminfo(map, nmap, &mi);

	/* Commit: cannot fail. */
	for (unsigned i = 0; i < img.nseg; i++) {
		const struct elf64_segment *s = &img.seg[i];

		memcpy(dst[i], l.image + s->offset, s->filesz);
		memset(dst[i] + s->filesz, 0, s->memsz - s->filesz);
	}
	memset(area, 0, GUEST_INFO_SIZE);
	if (l.kind == 2)
		write_mb2(area, &lo, cmdline, clen, map, nmap, &mi);
	else
		write_mb1(area, info_gpa, &lo, cmdline, clen, map, nmap, &mi);
	out->entry = entry;
	out->magic = l.kind == 2 ? MB2_BOOTLOADER_MAGIC : MB1_BOOTLOADER_MAGIC;
	out->info_gpa = info_gpa;
	out->kind = l.kind;
	out->ignored = l.ignored;
	return SDM_OK;
}
