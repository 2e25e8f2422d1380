/*
 * ACPI table discovery and parsing (include/sdm/acpi.h). Every table is
 * firmware input: fields are read byte by byte (little-endian) at offsets
 * checked against the length we were given, never through a packed struct
 * pointer, and each error names the table, the entry and the byte offset.
 */
#include <stdio.h>
#include <string.h>
#include <sdm/acpi.h>

#define HDR_LEN 36u             /* 5.2.6 system description table header */
#define RSDP_V1_LEN 20u         /* 5.2.5.3: checksum covers these bytes */
#define RSDP_V2_LEN 36u

/* 5.2.12 MADT: header, local APIC address u32, flags u32, entries. */
#define MADT_LAPIC_ADDR 36
#define MADT_ENTRIES 44u
enum {
	MADT_LAPIC = 0,          /* uid u8 @2, APIC ID u8 @3, flags u32 @4 */
	MADT_IOAPIC = 1,         /* I/O APIC ID u8 @2 */
	MADT_LAPIC_OVERRIDE = 5, /* address u64 @4 */
	MADT_X2APIC = 9,         /* x2APIC ID u32 @4, flags u32 @8, uid @12 */
};
#define MADT_CPU_ENABLED (1u << 0)
#define MADT_CPU_ONLINE_CAPABLE (1u << 1)

/* VT-d spec 8.1 DMAR: header, width u8, flags u8, 10 reserved. */
#define DMAR_HAW 36
#define DMAR_FLAGS 37
#define DMAR_STRUCTS 48u
#define DMAR_DRHD 0     /* flags u8 @4, segment u16 @6, base u64 @8 */
#define DMAR_DRHD_LEN 16u
#define DMAR_RMRR 1     /* segment u16 @6, base u64 @8, limit u64 @16 */
#define DMAR_RMRR_LEN 24u
#define DMAR_ATSR 2     /* flags u8 @4, segment u16 @6 */
#define DMAR_ATSR_LEN 8u
#define DMAR_SCOPE_MIN 6u /* type u8, length u8, reserved u16, id, bus */
#define DMAR_DRHD_SIZE_MASK 0x0fu /* byte 5 bits 3:0: 2^N register pages */

/* TCG ACPI Specification, TPM2 table. */
#define TPM2_CONTROL_AREA 40
#define TPM2_START_METHOD 48
#define TPM2_MIN_LEN 52u

/* 5.2.9 FADT: byte offsets of the fields we use. */
#define FADT_DSDT 40u
#define FADT_PM1A_CNT 64u
#define FADT_PM1B_CNT 68u
#define FADT_FLAGS 112u
#define FADT_RESET_REG 116u   /* generic address: space id @0, addr @4 */
#define FADT_RESET_VALUE 128u
#define FADT_X_DSDT 140u
#define FADT_RESET_REG_SUP (1u << 10)

/* ACPI 20.2 AML encoding. */
#define AML_ZERO_OP 0x00
#define AML_ONE_OP 0x01
#define AML_BYTE_PREFIX 0x0a
#define AML_PACKAGE_OP 0x12

static uint16_t rd16(const uint8_t *p)
{
	return (uint16_t)(p[0] | p[1] << 8);
}

static uint32_t rd32(const uint8_t *p)
{
	return (uint32_t)rd16(p) | (uint32_t)rd16(p + 2) << 16;
}

static uint64_t rd64(const uint8_t *p)
{
	return (uint64_t)rd32(p) | (uint64_t)rd32(p + 4) << 32;
}

/* The 4-byte signature at p as a printable string for messages. */
static void sig_str(const uint8_t *p, char out[5])
{
	for (int i = 0; i < 4; i++)
		out[i] = p[i] >= 0x20 && p[i] < 0x7f ? (char)p[i] : '?';
	out[4] = '\0';
}

/* Prefix the message in err with where the failing table is. */
static int err_at(struct sdm_err *err, int rc, const char *where,
		  uint64_t pa)
{
	char msg[sizeof(err->msg)];

	if (err == NULL)
		return rc;
	memcpy(msg, err->msg, sizeof(msg));
	return sdm_err_set(err, rc, "%s at 0x%llx: %s", where,
			   (unsigned long long)pa, msg);
}

uint8_t acpi_checksum(const void *p, size_t len)
{
	const uint8_t *b = p;
	uint8_t sum = 0;

	for (size_t i = 0; i < len; i++)
		sum = (uint8_t)(sum + b[i]);
	return sum;
}

int acpi_table_check(const void *p, size_t avail, const char *sig,
		     struct sdm_err *err)
{
	const uint8_t *t = p;
	char name[5];
	uint32_t len;

	if (avail < HDR_LEN)
		return sdm_err_set(err, SDM_ERANGE,
				   "table header: %zu bytes readable, need %u",
				   avail, HDR_LEN);
	sig_str(t, name);
	if (sig != NULL && memcmp(t, sig, 4) != 0)
		return sdm_err_set(err, SDM_EINVAL,
				   "table '%s': expected signature '%.4s'",
				   name, sig);
	len = rd32(t + offsetof(struct acpi_sdt_header, length));
	if (len < HDR_LEN)
		return sdm_err_set(err, SDM_EINVAL,
				   "table '%s': length %u < %u (header)", name,
				   len, HDR_LEN);
	if (len > ACPI_MAX_TABLE_LEN)
		return sdm_err_set(err, SDM_ERANGE,
				   "table '%s': length %u > %u (ACPI_MAX_TABLE_LEN)",
				   name, len, ACPI_MAX_TABLE_LEN);
	if (len > avail)
		return sdm_err_set(err, SDM_ERANGE,
				   "table '%s': length %u beyond the %zu readable bytes",
				   name, len, avail);
	if (acpi_checksum(t, len) != 0)
		return sdm_err_set(err, SDM_ECHKSUM,
				   "table '%s': checksum over %u bytes is 0x%02x, not 0",
				   name, len, acpi_checksum(t, len));
	return SDM_OK;
}

int acpi_rsdp_check(const void *p, size_t avail, struct sdm_err *err)
{
	const uint8_t *r = p;
	uint8_t rev;
	uint32_t len;

	if (avail < RSDP_V1_LEN)
		return sdm_err_set(err, SDM_ERANGE,
				   "RSDP: %zu bytes readable, need %u", avail,
				   RSDP_V1_LEN);
	if (memcmp(r, "RSD PTR ", 8) != 0)
		return sdm_err_set(err, SDM_EINVAL,
				   "RSDP: signature is not 'RSD PTR '");
	if (acpi_checksum(r, RSDP_V1_LEN) != 0)
		return sdm_err_set(err, SDM_ECHKSUM,
				   "RSDP: checksum over the first %u bytes is 0x%02x, not 0",
				   RSDP_V1_LEN, acpi_checksum(r, RSDP_V1_LEN));
	rev = r[offsetof(struct acpi_rsdp, revision)];
	if (rev < 2)
		return SDM_OK;
	if (avail < RSDP_V2_LEN)
		return sdm_err_set(err, SDM_ERANGE,
				   "RSDP revision %u: %zu bytes readable, need %u",
				   rev, avail, RSDP_V2_LEN);
	len = rd32(r + offsetof(struct acpi_rsdp, length));
	if (len < RSDP_V2_LEN || len > avail)
		return sdm_err_set(err, SDM_EINVAL,
				   "RSDP revision %u: length %u outside [%u, %zu readable]",
				   rev, len, RSDP_V2_LEN, avail);
	if (acpi_checksum(r, len) != 0)
		return sdm_err_set(err, SDM_ECHKSUM,
				   "RSDP: extended checksum over %u bytes is 0x%02x, not 0",
				   len, acpi_checksum(r, len));
	return SDM_OK;
}

/* Record the processor in a type 0 or type 9 MADT entry e if usable. */
static int madt_cpu(const uint8_t *e, unsigned idx, size_t off,
		    struct acpi_info *info, struct sdm_err *err)
{
	bool x2 = e[0] == MADT_X2APIC;
	uint32_t id = x2 ? rd32(e + 4) : e[3];
	uint32_t flags = rd32(e + (x2 ? 8 : 4));
	struct acpi_cpu *c;

	if (!(flags & (MADT_CPU_ENABLED | MADT_CPU_ONLINE_CAPABLE)))
		return SDM_OK;
	for (unsigned i = 0; i < info->ncpus; i++)
		if (info->cpus[i].apic_id == id)
			return sdm_err_set(err, SDM_EINVAL,
					   "MADT entry %u at offset %zu: APIC ID %u listed twice",
					   idx, off, id);
	if (info->ncpus == ACPI_MAX_CPUS)
		return sdm_err_set(err, SDM_ENOSPC,
				   "MADT entry %u at offset %zu: more than %u CPUs (ACPI_MAX_CPUS)",
				   idx, off, ACPI_MAX_CPUS);
	c = &info->cpus[info->ncpus++];
	c->apic_id = id;
	c->acpi_uid = x2 ? rd32(e + 12) : e[2];
	c->enabled = flags & MADT_CPU_ENABLED;
	c->online_capable = flags & MADT_CPU_ONLINE_CAPABLE;
	c->x2apic = x2;
	return SDM_OK;
}

static unsigned madt_min_len(uint8_t type)
{
	switch (type) {
	case MADT_LAPIC:
		return 8;
	case MADT_IOAPIC:
	case MADT_LAPIC_OVERRIDE:
		return 12;
	case MADT_X2APIC:
		return 16;
	default:
		return 2;
	}
}

int acpi_parse_madt(const void *tbl, size_t len, struct acpi_info *info,
		    struct sdm_err *err)
{
	const uint8_t *t = tbl;
	size_t off = MADT_ENTRIES;
	unsigned idx = 0;
	int rc;

	if (len < MADT_ENTRIES)
		return sdm_err_set(err, SDM_EINVAL,
				   "MADT: length %zu < %u (header, local APIC address, flags)",
				   len, MADT_ENTRIES);
	info->lapic_base = rd32(t + MADT_LAPIC_ADDR);
	info->ncpus = 0;
	info->nioapics = 0;
	for (; off < len; idx++) {
		const uint8_t *e = t + off;

		if (len - off < 2)
			return sdm_err_set(err, SDM_EINVAL,
					   "MADT entry %u at offset %zu: header cut off by the table end (%zu)",
					   idx, off, len);
		if (e[1] < 2)
			return sdm_err_set(err, SDM_EINVAL,
					   "MADT entry %u (type %u) at offset %zu: length %u < 2",
					   idx, e[0], off, e[1]);
		if (e[1] > len - off)
			return sdm_err_set(err, SDM_EINVAL,
					   "MADT entry %u (type %u) at offset %zu: length %u runs past the table end (%zu)",
					   idx, e[0], off, e[1], len);
		if (e[1] < madt_min_len(e[0]))
			return sdm_err_set(err, SDM_EINVAL,
					   "MADT entry %u (type %u) at offset %zu: length %u < %u",
					   idx, e[0], off, e[1],
					   madt_min_len(e[0]));
		switch (e[0]) {
		case MADT_LAPIC:
		case MADT_X2APIC:
			rc = madt_cpu(e, idx, off, info, err);
			if (rc != SDM_OK)
				return rc;
			break;
		case MADT_IOAPIC:
			if (info->nioapics == ACPI_MAX_IOAPICS)
				return sdm_err_set(err, SDM_ENOSPC,
						   "MADT entry %u at offset %zu: more than %u I/O APICs (ACPI_MAX_IOAPICS)",
						   idx, off, ACPI_MAX_IOAPICS);
			info->ioapic_ids[info->nioapics++] = e[2];
			break;
		case MADT_LAPIC_OVERRIDE:
			info->lapic_base = rd64(e + 4);
			break;
		}
		off += e[1];
	}
	if (info->ncpus == 0)
		return sdm_err_set(err, SDM_ENOENT,
				   "MADT: no enabled or online-capable processor in %u entries",
				   idx);
	return SDM_OK;
}

/*
 * For the normal domain's copy of the MADT: mark the processors whose APIC
 * IDs are listed as neither enabled nor online-capable, then fix the
 * checksum. The table is validated first; nothing is changed on error.
 */
int acpi_madt_hide_cpus(void *tbl, size_t len, const uint32_t *ids, unsigned n,
			unsigned *hidden, struct sdm_err *err)
{
	static struct acpi_info scratch;
	uint8_t *t = tbl;
	int rc = acpi_table_check(tbl, len, "APIC", err);

	*hidden = 0;
	if (rc == SDM_OK)
		rc = acpi_parse_madt(tbl, rd32(t + 4), &scratch, err);
	if (rc != SDM_OK)
		return rc;
	len = rd32(t + 4);
	for (size_t off = MADT_ENTRIES; off < len; off += t[off + 1]) {
		uint8_t *e = t + off;
		size_t flags_at = e[0] == MADT_LAPIC ? 4 : 8;
		uint32_t id = e[0] == MADT_LAPIC ? e[3] : rd32(e + 4);

		if (e[0] != MADT_LAPIC && e[0] != MADT_X2APIC)
			continue;
		for (unsigned i = 0; i < n; i++) {
			if (ids[i] != id)
				continue;
			uint32_t f = rd32(e + flags_at) &
				     ~(MADT_CPU_ENABLED | MADT_CPU_ONLINE_CAPABLE);

			memcpy(e + flags_at, &f, 4);
			(*hidden)++;
		}
	}
	t[9] = 0;
	t[9] = (uint8_t)(0x100 - acpi_checksum(t, len));
	return SDM_OK;
}

/* Store one device scope at t[p] (length already checked) of structure idx. */
static int dmar_scope(const uint8_t *t, unsigned idx, size_t p,
		      struct acpi_info *info, struct sdm_err *err)
{
	unsigned len = t[p + 1], hops = (len - DMAR_SCOPE_MIN) / 2;
	struct acpi_dmar_scope *sc;

	if ((len - DMAR_SCOPE_MIN) % 2 != 0)
		return sdm_err_set(err, SDM_EINVAL,
				   "DMAR structure %u: device scope at offset %zu: path of %u bytes is not (device, function) pairs",
				   idx, p, len - DMAR_SCOPE_MIN);
	if (hops > ACPI_DMAR_MAX_PATH)
		return sdm_err_set(err, SDM_ENOSPC,
				   "DMAR structure %u: device scope at offset %zu: path of %u hops, more than %u (ACPI_DMAR_MAX_PATH)",
				   idx, p, hops, ACPI_DMAR_MAX_PATH);
	if (info->ndmar_scopes == ACPI_MAX_DMAR_SCOPES)
		return sdm_err_set(err, SDM_ENOSPC,
				   "DMAR structure %u: device scope at offset %zu: more than %u scopes (ACPI_MAX_DMAR_SCOPES)",
				   idx, p, ACPI_MAX_DMAR_SCOPES);
	sc = &info->dmar_scopes[info->ndmar_scopes];
	memset(sc, 0, sizeof(*sc));
	sc->type = t[p];
	sc->enum_id = t[p + 4];
	sc->start_bus = t[p + 5];
	sc->npath = (uint8_t)hops;
	for (unsigned h = 0; h < hops; h++) {
		uint8_t dev = t[p + 6 + 2 * h], fn = t[p + 7 + 2 * h];

		if (dev > 31 || fn > 7)
			return sdm_err_set(err, SDM_EINVAL,
					   "DMAR structure %u: device scope at offset %zu: hop %u names device %u function %u (at most 31, 7)",
					   idx, p, h, dev, fn);
		sc->path[h][0] = dev;
		sc->path[h][1] = fn;
	}
	sc->sid_known = hops == 1;
	if (sc->sid_known)
		sc->sid = (uint16_t)(sc->start_bus << 8 | sc->path[0][0] << 3 |
				     sc->path[0][1]);
	info->ndmar_scopes++;
	return SDM_OK;
}

/*
 * Check and store the device scopes in [from, end) of DMAR structure idx;
 * *first is the index of the first in info->dmar_scopes, *count how many.
 */
static int dmar_scopes(const uint8_t *t, unsigned idx, size_t from,
		       size_t end, struct acpi_info *info, uint16_t *first,
		       uint16_t *count, struct sdm_err *err)
{
	uint16_t n = 0;
	int rc;

	*first = (uint16_t)info->ndmar_scopes;
	for (size_t p = from; p < end; p += t[p + 1], n++) {
		if (end - p < DMAR_SCOPE_MIN)
			return sdm_err_set(err, SDM_EINVAL,
					   "DMAR structure %u: device scope at offset %zu: %zu bytes left, need %u",
					   idx, p, end - p, DMAR_SCOPE_MIN);
		if (t[p + 1] < DMAR_SCOPE_MIN)
			return sdm_err_set(err, SDM_EINVAL,
					   "DMAR structure %u: device scope at offset %zu: length %u < %u",
					   idx, p, t[p + 1], DMAR_SCOPE_MIN);
		if (t[p + 1] > end - p)
			return sdm_err_set(err, SDM_EINVAL,
					   "DMAR structure %u: device scope at offset %zu: length %u runs past the structure end (%zu)",
					   idx, p, t[p + 1], end);
		rc = dmar_scope(t, idx, p, info, err);
		if (rc != SDM_OK)
			return rc;
	}
	*count = n;
	return SDM_OK;
}

static int dmar_add_drhd(const uint8_t *s, unsigned idx, size_t off,
			 uint16_t first, uint16_t nscopes,
			 struct acpi_info *info, struct sdm_err *err)
{
	uint64_t base = rd64(s + 8);
	uint16_t seg = rd16(s + 6);
	struct acpi_drhd *d;

	if (info->ndrhd == ACPI_MAX_DRHD)
		return sdm_err_set(err, SDM_ENOSPC,
				   "DMAR structure %u at offset %zu: more than %u DRHDs (ACPI_MAX_DRHD)",
				   idx, off, ACPI_MAX_DRHD);
	if (!is_aligned(base, PAGE_SIZE))
		return sdm_err_set(err, SDM_EINVAL,
				   "DMAR structure %u (DRHD) at offset %zu: register base 0x%llx not 4 KiB aligned",
				   idx, off, (unsigned long long)base);
	for (unsigned i = 0; i < info->ndrhd; i++) {
		if (info->drhd[i].base == base)
			return sdm_err_set(err, SDM_EINVAL,
					   "DMAR structure %u (DRHD) at offset %zu: register base 0x%llx listed twice",
					   idx, off, (unsigned long long)base);
		if ((s[4] & ACPI_DRHD_INCLUDE_PCI_ALL) &&
		    (info->drhd[i].flags & ACPI_DRHD_INCLUDE_PCI_ALL) &&
		    info->drhd[i].segment == seg)
			return sdm_err_set(err, SDM_EINVAL,
					   "DMAR structure %u (DRHD) at offset %zu: a second INCLUDE_PCI_ALL unit for segment %u",
					   idx, off, seg);
	}
	d = &info->drhd[info->ndrhd++];
	d->base = base;
	d->segment = seg;
	d->flags = s[4];
	d->size_log2 = s[5] & DMAR_DRHD_SIZE_MASK;
	d->nscopes = nscopes;
	d->first_scope = first;
	return SDM_OK;
}

static int dmar_add_rmrr(const uint8_t *s, unsigned idx, size_t off,
			 uint16_t first, uint16_t nscopes,
			 struct acpi_info *info, struct sdm_err *err)
{
	uint64_t base = rd64(s + 8), limit = rd64(s + 16);
	struct acpi_rmrr *r;

	if (info->nrmrr == ACPI_MAX_RMRR)
		return sdm_err_set(err, SDM_ENOSPC,
				   "DMAR structure %u at offset %zu: more than %u RMRRs (ACPI_MAX_RMRR)",
				   idx, off, ACPI_MAX_RMRR);
	if (!is_aligned(base, PAGE_SIZE) || limit < base ||
	    limit == UINT64_MAX || !is_aligned(limit + 1, PAGE_SIZE))
		return sdm_err_set(err, SDM_EINVAL,
				   "DMAR structure %u (RMRR) at offset %zu: 0x%llx-0x%llx is not whole 4 KiB pages",
				   idx, off, (unsigned long long)base,
				   (unsigned long long)limit);
	r = &info->rmrr[info->nrmrr++];
	r->base = base;
	r->limit = limit;
	r->segment = rd16(s + 6);
	r->nscopes = nscopes;
	r->first_scope = first;
	return SDM_OK;
}

static int dmar_add_atsr(const uint8_t *s, unsigned idx, size_t off,
			 uint16_t first, uint16_t nscopes,
			 struct acpi_info *info, struct sdm_err *err)
{
	struct acpi_atsr *a;

	if (info->natsr == ACPI_MAX_ATSR)
		return sdm_err_set(err, SDM_ENOSPC,
				   "DMAR structure %u at offset %zu: more than %u ATSRs (ACPI_MAX_ATSR)",
				   idx, off, ACPI_MAX_ATSR);
	a = &info->atsr[info->natsr++];
	a->flags = s[4];
	a->segment = rd16(s + 6);
	a->nscopes = nscopes;
	a->first_scope = first;
	return SDM_OK;
}

int acpi_parse_dmar(const void *tbl, size_t len, struct acpi_info *info,
		    struct sdm_err *err)
{
	static const char *const names[] = { "DRHD", "RMRR", "ATSR" };
	static const size_t fixed[] = { DMAR_DRHD_LEN, DMAR_RMRR_LEN,
					 DMAR_ATSR_LEN };
	const uint8_t *t = tbl;
	size_t off = DMAR_STRUCTS;
	unsigned idx = 0;
	int rc;

	if (len < DMAR_STRUCTS)
		return sdm_err_set(err, SDM_EINVAL,
				   "DMAR: length %zu < %u (header, width, flags, reserved)",
				   len, DMAR_STRUCTS);
	info->dmar_haw = t[DMAR_HAW];
	info->dmar_flags = t[DMAR_FLAGS];
	info->ndrhd = 0;
	info->nrmrr = 0;
	info->natsr = 0;
	info->ndmar_scopes = 0;
	for (; off < len; idx++) {
		uint16_t type, slen, first = 0, nscopes = 0;

		if (len - off < 4)
			return sdm_err_set(err, SDM_EINVAL,
					   "DMAR structure %u at offset %zu: header cut off by the table end (%zu)",
					   idx, off, len);
		type = rd16(t + off);
		slen = rd16(t + off + 2);
		if (slen < 4)
			return sdm_err_set(err, SDM_EINVAL,
					   "DMAR structure %u (type %u) at offset %zu: length %u < 4",
					   idx, type, off, slen);
		if (slen > len - off)
			return sdm_err_set(err, SDM_EINVAL,
					   "DMAR structure %u (type %u) at offset %zu: length %u runs past the table end (%zu)",
					   idx, type, off, slen, len);
		if (type <= DMAR_ATSR) {
			if (slen < fixed[type])
				return sdm_err_set(err, SDM_EINVAL,
						   "DMAR structure %u (%s) at offset %zu: length %u < %zu",
						   idx, names[type], off, slen,
						   fixed[type]);
			rc = dmar_scopes(t, idx, off + fixed[type], off + slen,
					 info, &first, &nscopes, err);
			if (rc != SDM_OK)
				return rc;
			if (type == DMAR_DRHD)
				rc = dmar_add_drhd(t + off, idx, off, first,
						   nscopes, info, err);
			else if (type == DMAR_RMRR)
				rc = dmar_add_rmrr(t + off, idx, off, first,
						   nscopes, info, err);
			else
				rc = dmar_add_atsr(t + off, idx, off, first,
						   nscopes, info, err);
			if (rc != SDM_OK)
				return rc;
		}
		off += slen;
	}
	return SDM_OK;
}

int acpi_parse_tpm2(const void *tbl, size_t len, struct acpi_info *info,
		    struct sdm_err *err)
{
	const uint8_t *t = tbl;

	if (len < TPM2_MIN_LEN)
		return sdm_err_set(err, SDM_EINVAL,
				   "TPM2: length %zu < %u (start method at offset %u)",
				   len, TPM2_MIN_LEN, TPM2_START_METHOD);
	info->tpm2_control_pa = rd64(t + TPM2_CONTROL_AREA);
	info->tpm2_start_method = rd32(t + TPM2_START_METHOD);
	return SDM_OK;
}

/* True if the field [off, off + size) lies within len bytes. */
static bool has(size_t len, size_t off, size_t size)
{
	return off + size <= len;
}

/* A PM1x_CNT_BLK port (absent = 0); it must be a 16-bit I/O port. */
static int fadt_port(const uint8_t *t, size_t len, size_t off,
		     const char *name, uint32_t *port, struct sdm_err *err)
{
	*port = has(len, off, 4) ? rd32(t + off) : 0;
	if (*port > 0xffff)
		return sdm_err_set(err, SDM_EINVAL,
				   "FADT: %s 0x%x at offset %zu is beyond the 16-bit I/O space",
				   name, *port, off);
	return SDM_OK;
}

int acpi_parse_fadt(const void *tbl, size_t len, struct acpi_info *info,
		    struct sdm_err *err)
{
	const uint8_t *t = tbl;
	int rc;

	if (!has(len, FADT_PM1A_CNT, 4))
		return sdm_err_set(err, SDM_EINVAL,
				   "FADT: length %zu too short for PM1a_CNT_BLK at offset %u",
				   len, FADT_PM1A_CNT);
	rc = fadt_port(t, len, FADT_PM1A_CNT, "PM1a_CNT_BLK",
		       &info->pm1a_cnt_port, err);
	if (rc == SDM_OK)
		rc = fadt_port(t, len, FADT_PM1B_CNT, "PM1b_CNT_BLK",
			       &info->pm1b_cnt_port, err);
	if (rc != SDM_OK)
		return rc;
	info->dsdt_pa = rd32(t + FADT_DSDT);
	if (has(len, FADT_X_DSDT, 8) && rd64(t + FADT_X_DSDT) != 0)
		info->dsdt_pa = rd64(t + FADT_X_DSDT);
	info->reset_valid = has(len, FADT_RESET_VALUE, 1) &&
			    (rd32(t + FADT_FLAGS) & FADT_RESET_REG_SUP) &&
			    rd64(t + FADT_RESET_REG + 4) != 0;
	info->reset_space = info->reset_valid ? t[FADT_RESET_REG] : 0;
	info->reset_addr = info->reset_valid ? rd64(t + FADT_RESET_REG + 4) : 0;
	info->reset_value = info->reset_valid ? t[FADT_RESET_VALUE] : 0;
	return SDM_OK;
}

static int s5_short(struct sdm_err *err, size_t start, size_t at, size_t end)
{
	return sdm_err_set(err, SDM_EINVAL,
			   "DSDT: _S5_ package at offset %zu cut short at offset %zu (end %zu)",
			   start, at, end);
}

/* The \_S5_ package whose PkgLength is at offset p of len bytes of AML. */
static int s5_package(const uint8_t *t, size_t len, size_t p,
		      struct acpi_info *info, struct sdm_err *err)
{
	size_t start = p, nfollow, pkglen, end;
	uint8_t typ[2];

	if (p >= len)
		return s5_short(err, start, p, len);
	/* PkgLength: bits 7-6 of the lead byte count the bytes that follow. */
	nfollow = t[p] >> 6;
	if (len - p <= nfollow)
		return s5_short(err, start, p, len);
	pkglen = nfollow == 0 ? t[p] & 0x3fu : t[p] & 0x0fu;
	for (size_t i = 1; i <= nfollow; i++)
		pkglen |= (size_t)t[p + i] << (4 + 8 * (i - 1));
	/* The package length counts from the PkgLength byte itself. */
	if (pkglen > len - p)
		return sdm_err_set(err, SDM_EINVAL,
				   "DSDT: _S5_ package at offset %zu: PkgLength %zu runs past the table end (%zu)",
				   start, pkglen, len);
	end = p + pkglen;
	p += 1 + nfollow;
	if (p >= end)
		return s5_short(err, start, p, end);
	if (t[p] < 2)
		return sdm_err_set(err, SDM_EINVAL,
				   "DSDT: _S5_ package at offset %zu: %u elements, need 2",
				   start, t[p]);
	p++;
	for (unsigned k = 0; k < 2; k++) {
		if (p >= end)
			return s5_short(err, start, p, end);
		if (t[p] == AML_BYTE_PREFIX) {
			if (end - p < 2)
				return s5_short(err, start, p, end);
			typ[k] = t[p + 1];
			p += 2;
		} else if (t[p] == AML_ZERO_OP || t[p] == AML_ONE_OP) {
			typ[k] = t[p++];
		} else {
			return sdm_err_set(err, SDM_EINVAL,
					   "DSDT: _S5_ element %u at offset %zu: opcode 0x%02x is not a byte constant",
					   k, p, t[p]);
		}
		if (typ[k] > 7)
			return sdm_err_set(err, SDM_EINVAL,
					   "DSDT: _S5_ element %u before offset %zu: SLP_TYP %u > 7",
					   k, p, typ[k]);
	}
	info->s5_slp_typa = typ[0];
	info->s5_slp_typb = typ[1];
	info->s5_valid = true;
	return SDM_OK;
}

int acpi_parse_s5(const void *dsdt, size_t len, struct acpi_info *info,
		  struct sdm_err *err)
{
	const uint8_t *t = dsdt;

	info->s5_valid = false;
	if (len < HDR_LEN)
		return sdm_err_set(err, SDM_EINVAL, "DSDT: length %zu < %u",
				   len, HDR_LEN);
	for (size_t i = HDR_LEN; len - i >= 5; i++)
		if (memcmp(t + i, "_S5_", 4) == 0 &&
		    t[i + 4] == AML_PACKAGE_OP)
			return s5_package(t, len, i + 5, info, err);
	return sdm_err_set(err, SDM_ENOENT,
			   "DSDT: no _S5_ package in %zu bytes", len);
}

struct mapper {
	acpi_map_fn map;
	void *ctx;
};

struct table {
	const uint8_t *p;
	size_t len;
};

/*
 * Map the table at pa: its header, then its full length; check it (and
 * its signature when sig != NULL). Errors are prefixed with where and pa.
 */
static int map_table(const struct mapper *m, uint64_t pa, const char *sig,
		     const char *where, struct table *out,
		     struct sdm_err *err)
{
	const uint8_t *t = m->map(m->ctx, pa, HDR_LEN);
	uint32_t len;
	size_t avail = HDR_LEN;
	char name[5];
	int rc;

	if (t == NULL) {
		rc = sdm_err_set(err, SDM_ERANGE,
				 "table header (%u bytes) not readable",
				 HDR_LEN);
		return err_at(err, rc, where, pa);
	}
	len = rd32(t + offsetof(struct acpi_sdt_header, length));
	if (len > HDR_LEN && len <= ACPI_MAX_TABLE_LEN) {
		sig_str(t, name);
		t = m->map(m->ctx, pa, len);
		if (t == NULL) {
			rc = sdm_err_set(err, SDM_ERANGE,
					 "table '%s': length %u not readable",
					 name, len);
			return err_at(err, rc, where, pa);
		}
		avail = len;
	}
	/* A length outside [36, max] is reported here, from the header. */
	rc = acpi_table_check(t, avail, sig, err);
	if (rc != SDM_OK)
		return err_at(err, rc, where, pa);
	out->p = t;
	out->len = len;
	return SDM_OK;
}

/* Map and check the RSDP (36 bytes for revision >= 2, else 20). */
static int map_rsdp(const struct mapper *m, uint64_t pa, const uint8_t **out,
		    struct sdm_err *err)
{
	const uint8_t *r = m->map(m->ctx, pa, RSDP_V1_LEN);
	size_t avail = RSDP_V1_LEN;
	int rc;

	if (r != NULL && r[offsetof(struct acpi_rsdp, revision)] >= 2) {
		avail = RSDP_V2_LEN;
		r = m->map(m->ctx, pa, avail);
	}
	if (r == NULL)
		return sdm_err_set(err, SDM_ERANGE,
				   "RSDP at 0x%llx: %zu bytes not readable",
				   (unsigned long long)pa, avail);
	rc = acpi_rsdp_check(r, avail, err);
	if (rc == SDM_OK)
		*out = r;
	return rc;
}

enum { T_MADT, T_DMAR, T_TPM2, T_FADT, T_MCFG, T_COUNT };
static const char table_sig[T_COUNT][5] = { "APIC", "DMAR", "TPM2", "FACP",
					    "MCFG" };

/* Map every table listed in the root table; keep the ones we use. */
static int walk_root(const struct mapper *m, struct table root,
		     const char *rname, size_t esize, struct acpi_info *info,
		     struct table used[T_COUNT], struct sdm_err *err)
{
	uint64_t *used_pa[T_COUNT] = { &info->madt_pa, &info->dmar_pa,
				       &info->tpm2_pa, &info->fadt_pa,
				       &info->mcfg_pa };
	size_t n = (root.len - HDR_LEN) / esize;
	char where[24];
	unsigned k;
	int rc;

	if ((root.len - HDR_LEN) % esize != 0)
		return sdm_err_set(err, SDM_EINVAL,
				   "%s: length %zu leaves a partial %zu-byte entry",
				   rname, root.len, esize);
	if (n > ACPI_MAX_TABLES)
		return sdm_err_set(err, SDM_ENOSPC,
				   "%s lists %zu tables, more than %u (ACPI_MAX_TABLES)",
				   rname, n, ACPI_MAX_TABLES);
	info->ntables = (unsigned)n;
	for (size_t i = 0; i < n; i++) {
		const uint8_t *e = root.p + HDR_LEN + i * esize;
		uint64_t pa = esize == 8 ? rd64(e) : rd32(e);
		struct table t;

		snprintf(where, sizeof(where), "%s entry %zu", rname, i);
		rc = map_table(m, pa, NULL, where, &t, err);
		if (rc != SDM_OK)
			return rc;
		k = 0;
		while (k < T_COUNT && memcmp(t.p, table_sig[k], 4) != 0)
			k++;
		if (k == T_COUNT)
			continue;
		if (used[k].p != NULL) {
			rc = sdm_err_set(err, SDM_EINVAL,
					 "a second '%s' table (first at 0x%llx)",
					 table_sig[k],
					 (unsigned long long)*used_pa[k]);
			return err_at(err, rc, where, pa);
		}
		used[k] = t;
		*used_pa[k] = pa;
	}
	return SDM_OK;
}

/* Parse the tables found; only the MADT is required. */
static int parse_used(const struct mapper *m, const struct table used[T_COUNT],
		      struct acpi_info *info, struct sdm_err *err)
{
	struct table dsdt;
	int rc;

	rc = acpi_parse_madt(used[T_MADT].p, used[T_MADT].len, info, err);
	if (rc == SDM_OK && used[T_DMAR].p != NULL)
		rc = acpi_parse_dmar(used[T_DMAR].p, used[T_DMAR].len, info,
				     err);
	if (rc == SDM_OK && used[T_TPM2].p != NULL)
		rc = acpi_parse_tpm2(used[T_TPM2].p, used[T_TPM2].len, info,
				     err);
	if (rc != SDM_OK || used[T_FADT].p == NULL)
		return rc;
	rc = acpi_parse_fadt(used[T_FADT].p, used[T_FADT].len, info, err);
	if (rc != SDM_OK || info->dsdt_pa == 0)
		return rc;
	rc = map_table(m, info->dsdt_pa, "DSDT", "DSDT", &dsdt, err);
	if (rc == SDM_OK)
		rc = acpi_parse_s5(dsdt.p, dsdt.len, info, err);
	/* Without \_S5_ there is no ACPI power-off; that is not an error. */
	return rc == SDM_ENOENT ? SDM_OK : rc;
}

int acpi_discover(acpi_map_fn map, void *ctx, uint64_t rsdp_pa,
		  struct acpi_info *info, struct sdm_err *err)
{
	const struct mapper m = { map, ctx };
	struct table root, used[T_COUNT] = { { NULL, 0 } };
	const uint8_t *r = NULL;
	uint64_t rsdt, xsdt = 0;
	int rc;

	memset(info, 0, sizeof(*info));
	info->rsdp_pa = rsdp_pa;
	rc = map_rsdp(&m, rsdp_pa, &r, err);
	if (rc != SDM_OK)
		return rc;
	info->rsdp_revision = r[offsetof(struct acpi_rsdp, revision)];
	rsdt = rd32(r + offsetof(struct acpi_rsdp, rsdt_address));
	if (info->rsdp_revision >= 2)
		xsdt = rd64(r + offsetof(struct acpi_rsdp, xsdt_address));

	/* The XSDT when it checks out, else the RSDT (if there is one). */
	rc = SDM_ENOENT;
	if (xsdt != 0)
		rc = map_table(&m, xsdt, "XSDT", "XSDT", &root, err);
	if (rc == SDM_OK) {
		info->root_pa = xsdt;
		info->root_is_xsdt = true;
	} else if (xsdt != 0 && rsdt == 0) {
		return rc;
	} else {
		rc = map_table(&m, rsdt, "RSDT", "RSDT", &root, err);
		if (rc != SDM_OK)
			return rc;
		info->root_pa = rsdt;
	}

	rc = walk_root(&m, root, info->root_is_xsdt ? "XSDT" : "RSDT",
		       info->root_is_xsdt ? 8 : 4, info, used, err);
	if (rc != SDM_OK)
		return rc;
	if (used[T_MADT].p == NULL)
		return sdm_err_set(err, SDM_ENOENT,
				   "%s at 0x%llx: none of its %u tables is a MADT ('APIC')",
				   info->root_is_xsdt ? "XSDT" : "RSDT",
				   (unsigned long long)info->root_pa,
				   info->ntables);
	return parse_used(&m, used, info, err);
}

/* The first valid RSDP on a 16-byte boundary in [base, base + len). */
static uint64_t rsdp_scan(const struct mapper *m, uint64_t base, size_t len)
{
	const uint8_t *p = m->map(m->ctx, base, len);

	if (p == NULL)
		return 0;
	for (size_t off = 0; off + RSDP_V1_LEN <= len; off += 16)
		if (acpi_rsdp_check(p + off, len - off, NULL) == SDM_OK)
			return base + off;
	return 0;
}

uint64_t acpi_find_rsdp_bios(acpi_map_fn map, void *ctx)
{
	const struct mapper m = { map, ctx };
	const uint8_t *bda = map(ctx, 0x40e, 2);
	uint64_t ebda = bda != NULL ? (uint64_t)rd16(bda) << 4 : 0;
	uint64_t pa = ebda != 0 ? rsdp_scan(&m, ebda, 1024) : 0;

	return pa != 0 ? pa : rsdp_scan(&m, 0xe0000, 0x20000);
}
