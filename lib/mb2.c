/*
 * Multiboot2 boot information parser and kernel header scanner
 * (Multiboot Specification version 2.0, sections 3.1 and 3.6).
 * The info must be 8-byte aligned, as GRUB places it, but all reads go
 * through rd32/rd64 (memcpy) on byte offsets that were checked against
 * the length first, so no read relies on alignment.
 */
#include <string.h>
#include <sdm/mb2.h>

#define MB2_INFO_HDR 8  /* u32 total_size, u32 reserved */
#define MB2_TAG_HDR 8   /* u32 type, u32 size */
#define MB2_MMAP_HDR 16 /* tag header, u32 entry_size, u32 entry_version */
#define MB2_MMAP_ENTRY_MIN 24
#define MB2_RSDP_V1_LEN 20 /* ACPI 5.2.5.3: RSDP of revision 0 */
#define MB2_RSDP_V2_LEN 36 /* ... revision 2+, with the extended fields */
#define MB2_HDR_SCAN 32768u /* spec 3.1.1: multiboot2 header limit */
#define MB1_HDR_SCAN 8192u  /* multiboot 0.6.96 3.1.1: header limit */

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

static const char *tag_name(uint32_t type)
{
	switch (type) {
	case MB2_TAG_END: return "end";
	case MB2_TAG_CMDLINE: return "cmdline";
	case MB2_TAG_BOOTLOADER: return "boot loader name";
	case MB2_TAG_MODULE: return "module";
	case MB2_TAG_BASIC_MEMINFO: return "basic meminfo";
	case MB2_TAG_MMAP: return "mmap";
	case MB2_TAG_ACPI_OLD: return "ACPI old RSDP";
	case MB2_TAG_ACPI_NEW: return "ACPI new RSDP";
	default: return "other";
	}
}

/* Minimum size of a tag of this type, header included. */
static uint32_t tag_min_size(uint32_t type)
{
	switch (type) {
	case MB2_TAG_CMDLINE:
	case MB2_TAG_BOOTLOADER:
		return MB2_TAG_HDR + 1;
	case MB2_TAG_MODULE:
		return MB2_TAG_HDR + 8 + 1;
	case MB2_TAG_BASIC_MEMINFO:
		return MB2_TAG_HDR + 8;
	case MB2_TAG_MMAP:
		return MB2_MMAP_HDR;
	case MB2_TAG_ACPI_OLD:
		return MB2_TAG_HDR + MB2_RSDP_V1_LEN;
	case MB2_TAG_ACPI_NEW:
		return MB2_TAG_HDR + MB2_RSDP_V2_LEN;
	default:
		return MB2_TAG_HDR;
	}
}

/* Context of the tag being parsed, for error messages. */
struct tag {
	const uint8_t *p; /* start of the tag */
	uint32_t type;
	uint32_t size;
	size_t off;       /* byte offset from the start of the info */
};

#define TAG_ERR(err, t, code, fmt, ...)                                    \
	sdm_err_set(err, code, "multiboot2 tag %u (%s) at offset 0x%zx: " fmt, \
		    (t)->type, tag_name((t)->type), (t)->off, __VA_ARGS__)

#define INFO_ERR(err, code, fmt, ...) \
	sdm_err_set(err, code, "multiboot2 info: " fmt, __VA_ARGS__)

/* The NUL-terminated string filling [start, size) of the tag. */
static int tag_string(const struct tag *t, uint32_t start, const char **out,
		      struct sdm_err *err)
{
	const char *s = (const char *)t->p + start;

	if (strnlen(s, t->size - start) == t->size - start)
		return TAG_ERR(err, t, SDM_EINVAL,
			       "string of %u bytes is not NUL-terminated",
			       t->size - start);
	*out = s;
	return SDM_OK;
}

static int parse_module(const struct tag *t, struct mb2_info *out,
			struct sdm_err *err)
{
	struct mb2_module *m;
	int rc;

	if (out->nmods == MB2_MAX_MODULES)
		return TAG_ERR(err, t, SDM_ENOSPC, "more than %u modules",
			       MB2_MAX_MODULES);
	m = &out->mods[out->nmods];
	m->start = rd32(t->p + 8);
	m->end = rd32(t->p + 12);
	if (m->start > m->end)
		return TAG_ERR(err, t, SDM_EINVAL,
			       "mod_start 0x%x is above mod_end 0x%x", m->start,
			       m->end);
	rc = tag_string(t, 16, &m->cmdline, err);
	if (rc == SDM_OK)
		out->nmods++;
	return rc;
}

static int parse_mmap(const struct tag *t, struct mb2_info *out,
		      struct sdm_err *err)
{
	uint32_t esize = rd32(t->p + 8);
	uint32_t bytes = t->size - MB2_MMAP_HDR;
	uint32_t n;

	if (esize < MB2_MMAP_ENTRY_MIN || esize % 8 != 0)
		return TAG_ERR(err, t, SDM_EINVAL,
			       "entry_size %u is not a multiple of 8 >= %u",
			       esize, MB2_MMAP_ENTRY_MIN);
	if (bytes % esize != 0)
		return TAG_ERR(err, t, SDM_EINVAL,
			       "%u bytes of entries are not a multiple of entry_size %u",
			       bytes, esize);
	n = bytes / esize;
	if (n > MB2_MAX_MMAP)
		return TAG_ERR(err, t, SDM_ENOSPC,
			       "%u memory map entries exceed the limit %u", n,
			       MB2_MAX_MMAP);
	for (uint32_t i = 0; i < n; i++) {
		const uint8_t *e = t->p + MB2_MMAP_HDR + (size_t)i * esize;
		struct mb2_mmap_entry *m = &out->mmap[i];
		uint64_t end;

		m->base = rd64(e);
		m->len = rd64(e + 8);
		m->type = rd32(e + 16);
		if (!add_ok(m->base, m->len, &end))
			return TAG_ERR(err, t, SDM_ERANGE,
				       "entry %u: base 0x%lx + length 0x%lx wraps",
				       i, m->base, m->len);
	}
	out->nmmap = n;
	return SDM_OK;
}

/* Tag types that fill a single field: at most one tag of each. */
#define MB2_SINGLE_TAGS                                                   \
	(1u << MB2_TAG_CMDLINE | 1u << MB2_TAG_BOOTLOADER |               \
	 1u << MB2_TAG_BASIC_MEMINFO | 1u << MB2_TAG_MMAP |               \
	 1u << MB2_TAG_ACPI_OLD | 1u << MB2_TAG_ACPI_NEW)

static int parse_tag(const struct tag *t, struct mb2_info *out,
		     struct sdm_err *err)
{
	switch (t->type) {
	case MB2_TAG_CMDLINE:
		return tag_string(t, MB2_TAG_HDR, &out->cmdline, err);
	case MB2_TAG_BOOTLOADER:
		return tag_string(t, MB2_TAG_HDR, &out->loader_name, err);
	case MB2_TAG_MODULE:
		return parse_module(t, out, err);
	case MB2_TAG_BASIC_MEMINFO:
		out->have_meminfo = true;
		out->mem_lower_kib = rd32(t->p + 8);
		out->mem_upper_kib = rd32(t->p + 12);
		return SDM_OK;
	case MB2_TAG_MMAP:
		return parse_mmap(t, out, err);
	case MB2_TAG_ACPI_OLD:
	case MB2_TAG_ACPI_NEW:
		/* The ACPI 2.0+ copy wins over the old one, in any order. */
		if (out->rsdp_tag != MB2_TAG_ACPI_NEW) {
			out->rsdp = t->p + MB2_TAG_HDR;
			out->rsdp_len = t->size - MB2_TAG_HDR;
			out->rsdp_tag = t->type;
		}
		return SDM_OK;
	default:
		return SDM_OK; /* not needed: skipped */
	}
}

int mb2_parse(const void *mbi, size_t avail, struct mb2_info *out,
	      struct sdm_err *err)
{
	const uint8_t *base = mbi;
	uint32_t total, seen = 0;
	size_t off;

	memset(out, 0, sizeof(*out));
	if ((uintptr_t)mbi % 8 != 0)
		return INFO_ERR(err, SDM_EINVAL,
				"address %p is not 8-byte aligned", mbi);
	if (avail < MB2_INFO_HDR)
		return INFO_ERR(err, SDM_ERANGE,
				"%zu bytes available, below the fixed part %u",
				avail, MB2_INFO_HDR);
	total = rd32(base);
	if (total < MB2_INFO_HDR + MB2_TAG_HDR)
		return INFO_ERR(err, SDM_EINVAL,
				"total_size %u is below the minimum %u", total,
				MB2_INFO_HDR + MB2_TAG_HDR);
	if (total > MB2_MAX_INFO_SIZE)
		return INFO_ERR(err, SDM_ERANGE,
				"total_size %u exceeds the limit %u", total,
				MB2_MAX_INFO_SIZE);
	if (total > avail)
		return INFO_ERR(err, SDM_ERANGE,
				"total_size %u exceeds the %zu bytes available",
				total, avail);
	out->total_size = total;
	for (off = MB2_INFO_HDR;; off = (off + 7) & ~(size_t)7) {
		struct tag t = { .p = base + off, .off = off };
		int rc;

		if (off >= total)
			return INFO_ERR(err, SDM_ENOENT,
					"no end tag within total_size %u",
					total);
		if (total - off < MB2_TAG_HDR)
			return INFO_ERR(err, SDM_ERANGE,
					"tag header at offset 0x%zx runs past total_size %u",
					off, total);
		t.type = rd32(t.p);
		t.size = rd32(t.p + 4);
		if (t.size < tag_min_size(t.type))
			return TAG_ERR(err, &t, SDM_EINVAL,
				       "size %u is below the minimum %u",
				       t.size, tag_min_size(t.type));
		if (t.size > total - off)
			return TAG_ERR(err, &t, SDM_ERANGE,
				       "size %u runs past total_size %u",
				       t.size, total);
		if (t.type == MB2_TAG_END) {
			if (t.size != MB2_TAG_HDR)
				return TAG_ERR(err, &t, SDM_EINVAL,
					       "size %u is not %u", t.size,
					       MB2_TAG_HDR);
			/* Bytes after the end tag are padding: not parsed. */
			return SDM_OK;
		}
		if (t.type < 32 && (MB2_SINGLE_TAGS >> t.type & 1)) {
			if (seen >> t.type & 1)
				return TAG_ERR(err, &t, SDM_EINVAL, "%s",
					       "duplicate tag");
			seen |= 1u << t.type;
		}
		rc = parse_tag(&t, out, err);
		if (rc != SDM_OK)
			return rc;
		off += t.size;
	}
}

const struct mb2_module *mb2_find_module(const struct mb2_info *info,
					 const char *name)
{
	if (name == NULL || name[0] == '\0')
		return NULL;
	for (unsigned m = 0; m < info->nmods; m++) {
		const char *c = info->mods[m].cmdline;
		size_t i = 0;

		if (c == NULL)
			continue;
		while (*c == ' ')
			c++;
		while (name[i] != '\0' && c[i] == name[i])
			i++;
		if (name[i] == '\0' && (c[i] == ' ' || c[i] == '\0'))
			return &info->mods[m];
	}
	return NULL;
}

int mb_kernel_kind(const void *image, size_t len)
{
	const uint8_t *p = image;
	size_t lim = len < MB2_HDR_SCAN ? len : MB2_HDR_SCAN;

	/* Multiboot2 header: magic, architecture, header_length, checksum. */
	for (size_t off = 0; lim >= 16 && off <= lim - 16; off += 8) {
		uint32_t magic = rd32(p + off), arch = rd32(p + off + 4);
		uint32_t hlen = rd32(p + off + 8), sum = rd32(p + off + 12);

		if (magic == MB2_HEADER_MAGIC && arch == 0 && hlen >= 16 &&
		    hlen <= lim - off &&
		    (uint32_t)(magic + arch + hlen + sum) == 0)
			return 2;
	}
	/* Multiboot1 header: magic, flags, checksum. */
	lim = len < MB1_HDR_SCAN ? len : MB1_HDR_SCAN;
	for (size_t off = 0; lim >= 12 && off <= lim - 12; off += 4) {
		uint32_t magic = rd32(p + off), flags = rd32(p + off + 4);
		uint32_t sum = rd32(p + off + 8);

		if (magic == MB1_HEADER_MAGIC &&
		    (uint32_t)(magic + flags + sum) == 0)
			return 1;
	}
	return 0;
}
