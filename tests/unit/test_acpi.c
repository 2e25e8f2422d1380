/*
 * Unit tests for lib/acpi.c. Synthetic tables are built in a fake physical
 * memory (a byte buffer at BASE); its map callback hands out an exact-size
 * copy of each range, so ASan reports any read past what was mapped.
 *
 * "test_acpi --write-seeds DIR" writes the fuzzer's seed corpus instead:
 * memory images (RSDP at offset 0, loaded at BASE as tests/fuzz/fuzz_acpi.c
 * expects) and single tables for the acpi_parse_* entry points.
 */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>
#include <sdm/acpi.h>

#define BASE 0x7ffe0000ull
#define MEM_SIZE 0x1000u

/* Where the q35-like system puts each table (offsets from BASE). */
enum {
	O_RSDP = 0x000,
	O_XSDT = 0x040,
	O_RSDT = 0x0c0,
	O_FACP = 0x100,
	O_DSDT = 0x300,
	O_APIC = 0x400,
	O_DMAR = 0x500,
	O_TPM2 = 0x600,
	O_MCFG = 0x700,
	O_FREE = 0x800, /* room for a 65-entry XSDT */
};

struct fake_mem {
	uint64_t base;
	uint8_t *bytes;
	size_t size;
	void *maps[512];
	unsigned nmaps;
};

static uint8_t mem[MEM_SIZE];
static struct fake_mem fm = { .base = BASE, .bytes = mem, .size = MEM_SIZE };
static struct acpi_info info;
static struct sdm_err err;

/* Refuse ranges outside the buffer or wrapping; copy the rest. */
static const void *fake_map(void *ctx, uint64_t pa, uint64_t len)
{
	struct fake_mem *m = ctx;
	uint64_t end;
	void *copy;

	if (pa < m->base || !add_ok(pa, len, &end) ||
	    end > m->base + m->size || m->nmaps == ARRAY_SIZE(m->maps))
		return NULL;
	copy = malloc(len);
	assert_non_null(copy);
	memcpy(copy, m->bytes + (pa - m->base), len);
	m->maps[m->nmaps++] = copy;
	return copy;
}

static void unmap_all(struct fake_mem *m)
{
	while (m->nmaps > 0)
		free(m->maps[--m->nmaps]);
}

static void w16(uint8_t *p, uint16_t v)
{
	p[0] = (uint8_t)v;
	p[1] = (uint8_t)(v >> 8);
}

static void w32(uint8_t *p, uint32_t v)
{
	w16(p, (uint16_t)v);
	w16(p + 2, (uint16_t)(v >> 16));
}

static void w64(uint8_t *p, uint64_t v)
{
	w32(p, (uint32_t)v);
	w32(p + 4, (uint32_t)(v >> 32));
}

static uint32_t r32(const uint8_t *p)
{
	return p[0] | p[1] << 8 | p[2] << 16 | (uint32_t)p[3] << 24;
}

/* Set the checksum byte so that the table's length bytes sum to 0. */
static void fix(uint8_t *t)
{
	t[9] = 0;
	t[9] = (uint8_t)(0u - acpi_checksum(t, r32(t + 4)));
}

/* A 36-byte SDT header; the caller fills the body, then calls fix(). */
static void hdr(uint8_t *t, const char *sig, uint32_t len, uint8_t rev)
{
	memset(t, 0, 36);
	memcpy(t, sig, 4);
	w32(t + 4, len);
	t[8] = rev;
	memcpy(t + 10, "SDMTST", 6);
	memcpy(t + 16, "SDMTABLE", 8);
	w32(t + 24, 1);
	memcpy(t + 28, "SDMC", 4);
	w32(t + 32, 1);
}

static void build_rsdp(uint8_t rev, uint32_t rsdt, uint64_t xsdt)
{
	uint8_t *r = mem + O_RSDP;

	memset(r, 0, 36);
	memcpy(r, "RSD PTR ", 8);
	memcpy(r + 9, "SDMTST", 6);
	r[15] = rev;
	w32(r + 16, rsdt);
	w32(r + 20, 36);
	w64(r + 24, xsdt);
	r[8] = (uint8_t)(0u - acpi_checksum(r, 20));
	r[32] = (uint8_t)(0u - acpi_checksum(r, 36));
}

/* An XSDT (esize 8) or RSDT (esize 4) at off listing the tables at pas. */
static void build_root(size_t off, const char *sig, unsigned esize,
		       const uint64_t *pas, unsigned n)
{
	uint8_t *t = mem + off;

	hdr(t, sig, 36 + esize * n, 1);
	for (unsigned i = 0; i < n; i++) {
		if (esize == 8)
			w64(t + 36 + 8 * i, pas[i]);
		else
			w32(t + 36 + 4 * i, (uint32_t)pas[i]);
	}
	fix(t);
}

static const uint64_t q35_tables[] = {
	BASE + O_FACP, BASE + O_APIC, BASE + O_DMAR, BASE + O_TPM2,
	BASE + O_MCFG,
};

/* FADT revision 6 (276 bytes) as QEMU q35 builds it. */
static void build_facp(uint8_t *t)
{
	hdr(t, "FACP", 276, 6);
	w32(t + 40, BASE + O_DSDT);            /* DSDT */
	w32(t + 64, 0x604);                    /* PM1a_CNT_BLK */
	w32(t + 112, 1u << 10 | 1u << 0);      /* RESET_REG_SUP, WBINVD */
	t[116] = 1;                            /* RESET_REG: system I/O */
	t[117] = 8;                            /* bit width */
	t[119] = 1;                            /* byte access */
	w64(t + 120, 0xcf9);
	t[128] = 0x0f;                         /* RESET_VALUE */
	w64(t + 140, BASE + O_DSDT);           /* X_DSDT */
	fix(t);
}

static const uint8_t q35_aml[] = {
	/* Name (STR0, "_S5_"): the bytes, but no package after them. */
	0x08, 'S', 'T', 'R', '0', 0x0d, '_', 'S', '5', '_', 0x00,
	/* Name (_S5, Package (4) { 7, Zero, Zero, Zero }) */
	0x08, '_', 'S', '5', '_', 0x12, 0x07, 0x04, 0x0a, 0x07, 0x00, 0x00,
	0x00,
};

static void build_dsdt(uint8_t *t, const uint8_t *aml, size_t n)
{
	hdr(t, "DSDT", (uint32_t)(36 + n), 2);
	memcpy(t + 36, aml, n);
	fix(t);
}

/* A MADT at t with the given entry bytes; returns its length. */
static size_t build_madt(uint8_t *t, const uint8_t *entries, size_t n)
{
	hdr(t, "APIC", (uint32_t)(44 + n), 3);
	w32(t + 36, 0xfee00000);               /* local APIC address */
	w32(t + 40, 1);                        /* PCAT_COMPAT */
	memcpy(t + 44, entries, n);
	fix(t);
	return 44 + n;
}

static const uint8_t q35_madt[] = {
	0, 8, 0, 0, 1, 0, 0, 0,                /* CPU uid 0, APIC ID 0, on */
	0, 8, 1, 1, 1, 0, 0, 0,                /* CPU uid 1, APIC ID 1, on */
	1, 12, 0, 0, 0, 0, 0xc0, 0xfe, 0, 0, 0, 0, /* I/O APIC 0 */
	2, 10, 0, 0, 2, 0, 0, 0, 0, 0,         /* IRQ 0 -> GSI 2 */
	4, 6, 0xff, 0, 0, 1,                   /* NMI on LINT1 */
};

/* A DMAR at t with the given remapping structures; returns its length. */
static size_t build_dmar(uint8_t *t, const uint8_t *structs, size_t n)
{
	hdr(t, "DMAR", (uint32_t)(48 + n), 1);
	t[36] = 38;                            /* host address width 39 */
	t[37] = 1;                             /* INTR_REMAP */
	memcpy(t + 48, structs, n);
	fix(t);
	return 48 + n;
}

static const uint8_t q35_drhd[] = {
	0, 0, 24, 0,                           /* DRHD, length 24 */
	1, 0, 0, 0,                            /* INCLUDE_PCI_ALL, segment 0 */
	0, 0, 0xd9, 0xfe, 0, 0, 0, 0,          /* base 0xfed90000 */
	3, 8, 0, 0, 0, 0xff, 0, 0,             /* scope: I/O APIC 0 */
};

static void build_tpm2(uint8_t *t, uint32_t len)
{
	hdr(t, "TPM2", len, 4);
	w64(t + 40, 0xfed40040);               /* control area */
	w32(t + 48, ACPI_TPM2_START_TIS);
	fix(t);
}

static void build_mcfg(uint8_t *t)
{
	hdr(t, "MCFG", 60, 1);
	w64(t + 44, 0xb0000000);               /* ECAM base */
	t[55] = 0xff;                          /* buses 0-255 */
	fix(t);
}

static void build_q35(void)
{
	memset(mem, 0, sizeof(mem));
	build_rsdp(2, BASE + O_RSDT, BASE + O_XSDT);
	build_root(O_XSDT, "XSDT", 8, q35_tables, ARRAY_SIZE(q35_tables));
	build_root(O_RSDT, "RSDT", 4, q35_tables, ARRAY_SIZE(q35_tables));
	build_facp(mem + O_FACP);
	build_dsdt(mem + O_DSDT, q35_aml, sizeof(q35_aml));
	build_madt(mem + O_APIC, q35_madt, sizeof(q35_madt));
	build_dmar(mem + O_DMAR, q35_drhd, sizeof(q35_drhd));
	build_tpm2(mem + O_TPM2, 76);
	build_mcfg(mem + O_MCFG);
}

static int setup(void **state)
{
	build_q35();
	memset(&info, 0xa5, sizeof(info));
	memset(&err, 0, sizeof(err));
	return 0;
}

static int teardown(void **state)
{
	unmap_all(&fm);
	return 0;
}

static int discover(void)
{
	return acpi_discover(fake_map, &fm, BASE + O_RSDP, &info, &err);
}

static void expect_err(int rc, int code, const char *sub)
{
	assert_int_equal(rc, code);
	assert_int_equal(err.code, code);
	if (strstr(err.msg, sub) == NULL)
		fail_msg("message \"%s\" lacks \"%s\"", err.msg, sub);
}

static void test_q35(void **state)
{
	assert_int_equal(discover(), SDM_OK);
	assert_int_equal(info.rsdp_pa, BASE + O_RSDP);
	assert_int_equal(info.rsdp_revision, 2);
	assert_int_equal(info.root_pa, BASE + O_XSDT);
	assert_true(info.root_is_xsdt);
	assert_int_equal(info.ntables, 5);
	assert_int_equal(info.fadt_pa, BASE + O_FACP);
	assert_int_equal(info.madt_pa, BASE + O_APIC);
	assert_int_equal(info.dmar_pa, BASE + O_DMAR);
	assert_int_equal(info.tpm2_pa, BASE + O_TPM2);
	assert_int_equal(info.mcfg_pa, BASE + O_MCFG);
	assert_int_equal(info.dsdt_pa, BASE + O_DSDT);

	assert_int_equal(info.lapic_base, 0xfee00000);
	assert_int_equal(info.ncpus, 2);
	for (unsigned i = 0; i < 2; i++) {
		assert_int_equal(info.cpus[i].apic_id, i);
		assert_int_equal(info.cpus[i].acpi_uid, i);
		assert_true(info.cpus[i].enabled);
		assert_false(info.cpus[i].online_capable);
		assert_false(info.cpus[i].x2apic);
	}
	assert_int_equal(info.nioapics, 1);
	assert_int_equal(info.ioapic_ids[0], 0);

	assert_int_equal(info.dmar_haw, 38);
	assert_int_equal(info.dmar_flags, 1);
	assert_int_equal(info.ndrhd, 1);
	assert_int_equal(info.drhd[0].base, 0xfed90000);
	assert_int_equal(info.drhd[0].segment, 0);
	assert_int_equal(info.drhd[0].flags, 1);
	assert_int_equal(info.drhd[0].nscopes, 1);
	assert_int_equal(info.nrmrr, 0);

	assert_int_equal(info.tpm2_control_pa, 0xfed40040);
	assert_int_equal(info.tpm2_start_method, ACPI_TPM2_START_TIS);

	assert_int_equal(info.pm1a_cnt_port, 0x604);
	assert_int_equal(info.pm1b_cnt_port, 0);
	assert_true(info.s5_valid);
	assert_int_equal(info.s5_slp_typa, 7);
	assert_int_equal(info.s5_slp_typb, 0);
	assert_true(info.reset_valid);
	assert_int_equal(info.reset_space, 1);
	assert_int_equal(info.reset_addr, 0xcf9);
	assert_int_equal(info.reset_value, 0x0f);
}

static void test_rsdt_only(void **state)
{
	build_rsdp(0, BASE + O_RSDT, BASE + O_XSDT);
	assert_int_equal(discover(), SDM_OK);
	assert_int_equal(info.rsdp_revision, 0);
	assert_false(info.root_is_xsdt);
	assert_int_equal(info.root_pa, BASE + O_RSDT);
	assert_int_equal(info.ntables, 5);
	assert_int_equal(info.madt_pa, BASE + O_APIC);
	assert_int_equal(info.ncpus, 2);
	assert_int_equal(info.drhd[0].base, 0xfed90000);
	assert_true(info.s5_valid);
}

static void test_bad_xsdt_falls_back_to_rsdt(void **state)
{
	mem[O_XSDT + 40]++;
	assert_int_equal(discover(), SDM_OK);
	assert_false(info.root_is_xsdt);
	assert_int_equal(info.root_pa, BASE + O_RSDT);
	assert_int_equal(info.ncpus, 2);
}

static void test_bad_xsdt_without_rsdt(void **state)
{
	build_rsdp(2, 0, BASE + O_XSDT);
	mem[O_XSDT + 40]++;
	expect_err(discover(), SDM_ECHKSUM,
		   "XSDT at 0x7ffe0040: table 'XSDT': checksum over 76 bytes is 0x01");
}

static void test_bad_rsdp_checksum(void **state)
{
	mem[O_RSDP + 16]++;
	expect_err(discover(), SDM_ECHKSUM,
		   "RSDP: checksum over the first 20 bytes is 0x01");
}

static void test_bad_rsdp_ext_checksum(void **state)
{
	mem[O_RSDP + 32]++;
	expect_err(discover(), SDM_ECHKSUM,
		   "RSDP: extended checksum over 36 bytes is 0x01");
}

static void test_rsdp_not_readable(void **state)
{
	expect_err(acpi_discover(fake_map, &fm, BASE + MEM_SIZE - 16, &info,
				 &err),
		   SDM_ERANGE, "RSDP at 0x7ffe0ff0: 20 bytes not readable");
}

static void test_table_shorter_than_header(void **state)
{
	w32(mem + O_APIC + 4, 20);
	fix(mem + O_APIC);
	expect_err(discover(), SDM_EINVAL,
		   "XSDT entry 1 at 0x7ffe0400: table 'APIC': length 20 < 36");
}

static void test_table_beyond_memory(void **state)
{
	w32(mem + O_DMAR + 4, MEM_SIZE);
	expect_err(discover(), SDM_ERANGE,
		   "XSDT entry 2 at 0x7ffe0500: table 'DMAR': length 4096 not readable");
}

static void test_table_too_long(void **state)
{
	w32(mem + O_DMAR + 4, ACPI_MAX_TABLE_LEN + 1);
	expect_err(discover(), SDM_ERANGE,
		   "XSDT entry 2 at 0x7ffe0500: table 'DMAR': length 4194305 > 4194304");
}

static void test_bad_table_checksum(void **state)
{
	mem[O_TPM2 + 50]++;
	expect_err(discover(), SDM_ECHKSUM,
		   "XSDT entry 3 at 0x7ffe0600: table 'TPM2': checksum over 76 bytes is 0x01, not 0");
}

static void test_root_entry_outside_memory(void **state)
{
	uint64_t pas[] = { BASE + O_APIC, 0x1000 };

	build_root(O_XSDT, "XSDT", 8, pas, 2);
	expect_err(discover(), SDM_ERANGE,
		   "XSDT entry 1 at 0x1000: table header (36 bytes) not readable");
	pas[1] = UINT64_MAX - 8;
	build_root(O_XSDT, "XSDT", 8, pas, 2);
	expect_err(discover(), SDM_ERANGE,
		   "XSDT entry 1 at 0xfffffffffffffff7: table header");
}

static void test_root_partial_entry(void **state)
{
	build_root(O_XSDT, "XSDT", 4, q35_tables, 3);
	build_rsdp(2, 0, BASE + O_XSDT);
	expect_err(discover(), SDM_EINVAL,
		   "XSDT: length 48 leaves a partial 8-byte entry");
}

static void test_too_many_tables(void **state)
{
	uint64_t pas[ACPI_MAX_TABLES + 1];

	for (unsigned i = 0; i < ARRAY_SIZE(pas); i++)
		pas[i] = BASE + O_MCFG;
	build_root(O_FREE, "XSDT", 8, pas, ACPI_MAX_TABLES + 1);
	build_rsdp(2, 0, BASE + O_FREE);
	expect_err(discover(), SDM_ENOSPC,
		   "XSDT lists 65 tables, more than 64 (ACPI_MAX_TABLES)");
}

static void test_duplicate_table(void **state)
{
	uint64_t pas[] = { BASE + O_APIC, BASE + O_MCFG, BASE + O_APIC };

	build_root(O_XSDT, "XSDT", 8, pas, 3);
	expect_err(discover(), SDM_EINVAL,
		   "XSDT entry 2 at 0x7ffe0400: a second 'APIC' table (first at 0x7ffe0400)");
}

static void test_no_madt(void **state)
{
	build_root(O_XSDT, "XSDT", 8, q35_tables + 2, 3);
	expect_err(discover(), SDM_ENOENT,
		   "XSDT at 0x7ffe0040: none of its 3 tables is a MADT ('APIC')");
}

static void test_optional_tables_absent(void **state)
{
	uint64_t pas[] = { BASE + O_APIC };

	build_root(O_XSDT, "XSDT", 8, pas, 1);
	assert_int_equal(discover(), SDM_OK);
	assert_int_equal(info.ncpus, 2);
	assert_int_equal(info.dmar_pa, 0);
	assert_int_equal(info.ndrhd, 0);
	assert_int_equal(info.tpm2_pa, 0);
	assert_int_equal(info.fadt_pa, 0);
	assert_false(info.s5_valid);
	assert_false(info.reset_valid);
}

static void test_madt_entry_length_0_and_1(void **state)
{
	static const uint8_t len0[] = {
		0, 8, 0, 0, 1, 0, 0, 0,
		1, 0, 0, 0,
	};
	static const uint8_t len1[] = {
		0, 8, 0, 0, 1, 0, 0, 0,
		2, 1, 0, 0,
	};
	uint8_t t[64];
	size_t n;

	build_madt(mem + O_APIC, len0, sizeof(len0));
	expect_err(discover(), SDM_EINVAL,
		   "MADT entry 1 (type 1) at offset 52: length 0 < 2");
	n = build_madt(t, len1, sizeof(len1));
	expect_err(acpi_parse_madt(t, n, &info, &err), SDM_EINVAL,
		   "MADT entry 1 (type 2) at offset 52: length 1 < 2");
}

static void test_madt_entry_past_end(void **state)
{
	static const uint8_t past[] = {
		0, 8, 0, 0, 1, 0, 0, 0,
		1, 12, 0, 0, 0, 0, 0xc0, 0xfe,
	};
	static const uint8_t cut[] = {
		0, 8, 0, 0, 1, 0, 0, 0,
		1,
	};
	uint8_t t[64];
	size_t n;

	n = build_madt(t, past, sizeof(past));
	expect_err(acpi_parse_madt(t, n, &info, &err), SDM_EINVAL,
		   "MADT entry 1 (type 1) at offset 52: length 12 runs past the table end (60)");
	n = build_madt(t, cut, sizeof(cut));
	expect_err(acpi_parse_madt(t, n, &info, &err), SDM_EINVAL,
		   "MADT entry 1 at offset 52: header cut off by the table end (53)");
}

static void test_madt_short_entries(void **state)
{
	static const uint8_t lapic7[] = { 0, 7, 0, 0, 1, 0, 0 };
	static const uint8_t x2apic12[] = {
		9, 12, 0, 0, 0, 1, 0, 0, 1, 0, 0, 0,
	};
	uint8_t t[64];
	size_t n;

	n = build_madt(t, lapic7, sizeof(lapic7));
	expect_err(acpi_parse_madt(t, n, &info, &err), SDM_EINVAL,
		   "MADT entry 0 (type 0) at offset 44: length 7 < 8");
	n = build_madt(t, x2apic12, sizeof(x2apic12));
	expect_err(acpi_parse_madt(t, n, &info, &err), SDM_EINVAL,
		   "MADT entry 0 (type 9) at offset 44: length 12 < 16");
	expect_err(acpi_parse_madt(t, 43, &info, &err), SDM_EINVAL,
		   "MADT: length 43 < 44");
}

static void test_too_many_cpus(void **state)
{
	uint8_t e[8 * (ACPI_MAX_CPUS + 1)];
	static uint8_t t[44 + sizeof(e)];
	size_t n;

	for (unsigned i = 0; i <= ACPI_MAX_CPUS; i++) {
		uint8_t *p = e + 8 * i;

		memset(p, 0, 8);
		p[0] = 0;
		p[1] = 8;
		p[2] = (uint8_t)i;
		p[3] = (uint8_t)i;
		p[4] = 1;
	}
	n = build_madt(t, e, sizeof(e) - 8);
	assert_int_equal(acpi_parse_madt(t, n, &info, &err), SDM_OK);
	assert_int_equal(info.ncpus, ACPI_MAX_CPUS);
	assert_int_equal(info.cpus[ACPI_MAX_CPUS - 1].apic_id,
			 ACPI_MAX_CPUS - 1);
	n = build_madt(t, e, sizeof(e));
	expect_err(acpi_parse_madt(t, n, &info, &err), SDM_ENOSPC,
		   "MADT entry 64 at offset 556: more than 64 CPUs (ACPI_MAX_CPUS)");
}

static void test_too_many_ioapics(void **state)
{
	uint8_t e[8 + 12 * (ACPI_MAX_IOAPICS + 1)] = { 0, 8, 0, 0, 1 };
	uint8_t t[44 + sizeof(e)];
	size_t n;

	for (unsigned i = 0; i <= ACPI_MAX_IOAPICS; i++) {
		e[8 + 12 * i] = 1;
		e[8 + 12 * i + 1] = 12;
		e[8 + 12 * i + 2] = (uint8_t)i;
	}
	n = build_madt(t, e, sizeof(e));
	expect_err(acpi_parse_madt(t, n, &info, &err), SDM_ENOSPC,
		   "MADT entry 9 at offset 148: more than 8 I/O APICs (ACPI_MAX_IOAPICS)");
}

static void test_disabled_cpu_not_counted(void **state)
{
	static const uint8_t e[] = {
		0, 8, 0, 0, 1, 0, 0, 0,        /* APIC ID 0, enabled */
		0, 8, 1, 1, 0, 0, 0, 0,        /* APIC ID 1, disabled */
		0, 8, 2, 2, 2, 0, 0, 0,        /* APIC ID 2, online-capable */
		0, 8, 3, 0xff, 0, 0, 0, 0,     /* placeholder, disabled */
	};
	uint8_t t[128];
	size_t n = build_madt(t, e, sizeof(e));

	w32(t + 36, 0xfee01000);               /* local APIC address */
	assert_int_equal(acpi_parse_madt(t, n, &info, &err), SDM_OK);
	assert_int_equal(info.lapic_base, 0xfee01000);
	assert_int_equal(info.ncpus, 2);
	assert_int_equal(info.cpus[0].apic_id, 0);
	assert_true(info.cpus[0].enabled);
	assert_int_equal(info.cpus[1].apic_id, 2);
	assert_int_equal(info.cpus[1].acpi_uid, 2);
	assert_false(info.cpus[1].enabled);
	assert_true(info.cpus[1].online_capable);
}

static void test_no_usable_cpu(void **state)
{
	static const uint8_t e[] = { 0, 8, 0, 0, 0, 0, 0, 0 };
	uint8_t t[64];
	size_t n = build_madt(t, e, sizeof(e));

	expect_err(acpi_parse_madt(t, n, &info, &err), SDM_ENOENT,
		   "MADT: no enabled or online-capable processor in 1 entries");
}

static void test_x2apic_and_override(void **state)
{
	static const uint8_t e[] = {
		/* x2APIC ID 0x100, enabled, uid 5 */
		9, 16, 0, 0, 0x00, 0x01, 0, 0, 1, 0, 0, 0, 5, 0, 0, 0,
		/* x2APIC ID 0x101, disabled */
		9, 16, 0, 0, 0x01, 0x01, 0, 0, 0, 0, 0, 0, 6, 0, 0, 0,
		/* x2APIC ID 0x12345678, online-capable, uid 0x01020304 */
		9, 16, 0, 0, 0x78, 0x56, 0x34, 0x12, 2, 0, 0, 0,
		4, 3, 2, 1,
		/* local APIC address override 0x1_fee00000 */
		5, 12, 0, 0, 0, 0, 0xe0, 0xfe, 1, 0, 0, 0,
	};
	uint8_t t[128];
	size_t n = build_madt(t, e, sizeof(e));

	assert_int_equal(acpi_parse_madt(t, n, &info, &err), SDM_OK);
	assert_int_equal(info.lapic_base, 0x1fee00000ull);
	assert_int_equal(info.ncpus, 2);
	assert_true(info.cpus[0].x2apic);
	assert_int_equal(info.cpus[0].apic_id, 0x100);
	assert_int_equal(info.cpus[0].acpi_uid, 5);
	assert_true(info.cpus[0].enabled);
	assert_true(info.cpus[1].x2apic);
	assert_int_equal(info.cpus[1].apic_id, 0x12345678);
	assert_int_equal(info.cpus[1].acpi_uid, 0x01020304);
	assert_false(info.cpus[1].enabled);
	assert_true(info.cpus[1].online_capable);
}

static void test_duplicate_apic_id(void **state)
{
	static const uint8_t e[] = {
		0, 8, 0, 1, 1, 0, 0, 0,
		9, 16, 0, 0, 1, 0, 0, 0, 1, 0, 0, 0, 7, 0, 0, 0,
	};
	uint8_t t[128];
	size_t n = build_madt(t, e, sizeof(e));

	expect_err(acpi_parse_madt(t, n, &info, &err), SDM_EINVAL,
		   "MADT entry 1 at offset 52: APIC ID 1 listed twice");
}

static void test_dmar_structure_length(void **state)
{
	static const uint8_t len2[] = { 0, 0, 2, 0 };
	static const uint8_t past[] = {
		0, 0, 40, 0, 1, 0, 0, 0, 0, 0, 0xd9, 0xfe, 0, 0, 0, 0,
	};
	static const uint8_t cut[] = { 0, 0, 16 };
	uint8_t t[128];
	size_t n;

	build_dmar(mem + O_DMAR, len2, sizeof(len2));
	expect_err(discover(), SDM_EINVAL,
		   "DMAR structure 0 (type 0) at offset 48: length 2 < 4");
	n = build_dmar(t, past, sizeof(past));
	expect_err(acpi_parse_dmar(t, n, &info, &err), SDM_EINVAL,
		   "DMAR structure 0 (type 0) at offset 48: length 40 runs past the table end (64)");
	n = build_dmar(t, cut, sizeof(cut));
	expect_err(acpi_parse_dmar(t, n, &info, &err), SDM_EINVAL,
		   "DMAR structure 0 at offset 48: header cut off by the table end (51)");
	expect_err(acpi_parse_dmar(t, 47, &info, &err), SDM_EINVAL,
		   "DMAR: length 47 < 48");
}

static void test_drhd_too_short(void **state)
{
	static const uint8_t s[] = {
		0, 0, 12, 0, 1, 0, 0, 0, 0, 0, 0xd9, 0xfe,
	};
	uint8_t t[128];
	size_t n = build_dmar(t, s, sizeof(s));

	expect_err(acpi_parse_dmar(t, n, &info, &err), SDM_EINVAL,
		   "DMAR structure 0 (DRHD) at offset 48: length 12 < 16");
}

static void test_drhd_unaligned_base(void **state)
{
	static const uint8_t s[] = {
		0, 0, 16, 0, 1, 0, 0, 0, 0x10, 0, 0xd9, 0xfe, 0, 0, 0, 0,
	};
	uint8_t t[128];
	size_t n = build_dmar(t, s, sizeof(s));

	expect_err(acpi_parse_dmar(t, n, &info, &err), SDM_EINVAL,
		   "DMAR structure 0 (DRHD) at offset 48: register base 0xfed90010 not 4 KiB aligned");
}

static void test_device_scope_length(void **state)
{
	static const uint8_t short_scope[] = {
		0, 0, 30, 0, 0, 0, 0, 0, 0, 0, 0xd9, 0xfe, 0, 0, 0, 0,
		1, 8, 0, 0, 0, 0, 2, 0,        /* PCI endpoint 00:02.0 */
		1, 4, 0, 0, 0, 0,              /* length 4 */
	};
	static const uint8_t past_scope[] = {
		0, 0, 24, 0, 0, 0, 0, 0, 0, 0, 0xd9, 0xfe, 0, 0, 0, 0,
		1, 10, 0, 0, 0, 0, 2, 0,       /* length 10 in 8 bytes */
	};
	uint8_t t[128];
	size_t n;

	n = build_dmar(t, short_scope, sizeof(short_scope));
	expect_err(acpi_parse_dmar(t, n, &info, &err), SDM_EINVAL,
		   "DMAR structure 0: device scope at offset 72: length 4 < 6");
	n = build_dmar(t, past_scope, sizeof(past_scope));
	expect_err(acpi_parse_dmar(t, n, &info, &err), SDM_EINVAL,
		   "DMAR structure 0: device scope at offset 64: length 10 runs past the structure end (72)");
}

static void test_dmar_rmrr_and_unknown(void **state)
{
	static const uint8_t s[] = {
		/* RMRR segment 0, 0x7f000000-0x7f0fffff, one scope */
		1, 0, 32, 0, 0, 0, 0, 0,
		0, 0, 0, 0x7f, 0, 0, 0, 0,
		0xff, 0xff, 0x0f, 0x7f, 0, 0, 0, 0,
		1, 8, 0, 0, 0, 0, 0x14, 0,
		/* unknown type 0x7f, length 6 */
		0x7f, 0, 6, 0, 0xaa, 0xbb,
		/* DRHD segment 1 at 0xfed91000, two scopes */
		0, 0, 30, 0, 0, 0, 1, 0, 0, 0x10, 0xd9, 0xfe, 0, 0, 0, 0,
		1, 8, 0, 0, 0, 0, 2, 0,
		2, 6, 0, 0, 0, 1,
	};
	static const uint8_t rmrr_short[] = {
		1, 0, 20, 0, 0, 0, 0, 0, 0, 0, 0, 0x7f, 0, 0, 0, 0,
		0, 0, 0, 0,
	};
	uint8_t t[128];
	size_t n = build_dmar(t, s, sizeof(s));

	assert_int_equal(acpi_parse_dmar(t, n, &info, &err), SDM_OK);
	assert_int_equal(info.nrmrr, 1);
	assert_int_equal(info.ndrhd, 1);
	assert_int_equal(info.drhd[0].base, 0xfed91000);
	assert_int_equal(info.drhd[0].segment, 1);
	assert_int_equal(info.drhd[0].flags, 0);
	assert_int_equal(info.drhd[0].nscopes, 2);
	n = build_dmar(t, rmrr_short, sizeof(rmrr_short));
	expect_err(acpi_parse_dmar(t, n, &info, &err), SDM_EINVAL,
		   "DMAR structure 0 (RMRR) at offset 48: length 20 < 24");
}

static void test_too_many_drhd(void **state)
{
	uint8_t s[16 * (ACPI_MAX_DRHD + 1)] = { 0 };
	uint8_t t[48 + sizeof(s)];
	size_t n;

	for (unsigned i = 0; i <= ACPI_MAX_DRHD; i++) {
		s[16 * i + 2] = 16;
		s[16 * i + 9] = (uint8_t)(0x10 * i);
	}
	n = build_dmar(t, s, sizeof(s));
	expect_err(acpi_parse_dmar(t, n, &info, &err), SDM_ENOSPC,
		   "DMAR structure 8 at offset 176: more than 8 DRHDs (ACPI_MAX_DRHD)");
}

static void test_tpm2_too_short(void **state)
{
	build_tpm2(mem + O_TPM2, 48);
	expect_err(discover(), SDM_EINVAL,
		   "TPM2: length 48 < 52 (start method at offset 48)");
}

static void test_fadt_too_short(void **state)
{
	w32(mem + O_FACP + 4, 64);
	fix(mem + O_FACP);
	expect_err(discover(), SDM_EINVAL,
		   "FADT: length 64 too short for PM1a_CNT_BLK at offset 64");
}

static void test_fadt_short_fields_absent(void **state)
{
	/* An ACPI 1.0 FADT: 116 bytes, no RESET_REG, no X_DSDT. */
	w32(mem + O_FACP + 4, 116);
	w32(mem + O_FACP + 68, 0x804);
	fix(mem + O_FACP);
	assert_int_equal(discover(), SDM_OK);
	assert_int_equal(info.pm1a_cnt_port, 0x604);
	assert_int_equal(info.pm1b_cnt_port, 0x804);
	assert_int_equal(info.dsdt_pa, BASE + O_DSDT);
	assert_false(info.reset_valid);
	assert_int_equal(info.reset_addr, 0);
	assert_true(info.s5_valid);
}

static void test_fadt_bad_values(void **state)
{
	uint8_t t[276];

	memcpy(t, mem + O_FACP, sizeof(t));
	t[116] = 0;                            /* RESET_REG in memory space */
	w64(t + 120, 0xfed00040);
	assert_int_equal(acpi_parse_fadt(t, sizeof(t), &info, &err), SDM_OK);
	assert_true(info.reset_valid);
	assert_int_equal(info.reset_space, 0);
	assert_int_equal(info.reset_addr, 0xfed00040);
	w32(t + 112, 0);                       /* no RESET_REG_SUP */
	w32(t + 140, 0);                       /* X_DSDT 0: DSDT counts */
	w32(t + 40, 0x1234000);
	assert_int_equal(acpi_parse_fadt(t, sizeof(t), &info, &err), SDM_OK);
	assert_false(info.reset_valid);
	assert_int_equal(info.dsdt_pa, 0x1234000);
	w32(t + 68, 0x10000);
	expect_err(acpi_parse_fadt(t, sizeof(t), &info, &err), SDM_EINVAL,
		   "FADT: PM1b_CNT_BLK 0x10000 at offset 68 is beyond the 16-bit I/O space");
}

static void test_s5_truncated(void **state)
{
	/* The package claims 7 bytes; the table ends after 4. */
	static const uint8_t past[] = {
		0x08, '_', 'S', '5', '_', 0x12, 0x07, 0x04, 0x0a, 0x07,
	};
	/* PkgLength 3 ends the package after BytePrefix, before its byte. */
	static const uint8_t cut[] = {
		0x08, '_', 'S', '5', '_', 0x12, 0x03, 0x04, 0x0a, 0x07, 0x00,
	};
	/* The table ends inside a 2-byte PkgLength. */
	static const uint8_t cut_pkglen[] = {
		0x08, '_', 'S', '5', '_', 0x12, 0x40,
	};
	/* A 2-byte PkgLength of 0x16 (22) in a 10-byte rest of table. */
	static const uint8_t past2[] = {
		0x08, '_', 'S', '5', '_', 0x12, 0x46, 0x01, 0x12, 0x01, 0x0a,
		0x05, 0x00, 0x00, 0x00, 0x00,
	};
	/* PkgLength 1: the package holds nothing but its length. */
	static const uint8_t empty[] = {
		0x08, '_', 'S', '5', '_', 0x12, 0x01, 0x02, 0x00, 0x00,
	};
	/* PkgLength 3: NumElements 2 and one element. */
	static const uint8_t one_elem[] = {
		0x08, '_', 'S', '5', '_', 0x12, 0x03, 0x02, 0x00, 0x00,
	};
	uint8_t t[64];

	build_dsdt(mem + O_DSDT, past, sizeof(past));
	expect_err(discover(), SDM_EINVAL,
		   "DSDT: _S5_ package at offset 42: PkgLength 7 runs past the table end (46)");
	build_dsdt(t, cut, sizeof(cut));
	expect_err(acpi_parse_s5(t, 36 + sizeof(cut), &info, &err),
		   SDM_EINVAL,
		   "DSDT: _S5_ package at offset 42 cut short at offset 44 (end 45)");
	build_dsdt(t, cut_pkglen, sizeof(cut_pkglen));
	expect_err(acpi_parse_s5(t, 36 + sizeof(cut_pkglen), &info, &err),
		   SDM_EINVAL,
		   "DSDT: _S5_ package at offset 42 cut short at offset 42 (end 43)");
	build_dsdt(t, past2, sizeof(past2));
	expect_err(acpi_parse_s5(t, 36 + sizeof(past2), &info, &err),
		   SDM_EINVAL,
		   "DSDT: _S5_ package at offset 42: PkgLength 22 runs past the table end (52)");
	build_dsdt(t, empty, sizeof(empty));
	expect_err(acpi_parse_s5(t, 36 + sizeof(empty), &info, &err),
		   SDM_EINVAL,
		   "DSDT: _S5_ package at offset 42 cut short at offset 43 (end 43)");
	build_dsdt(t, one_elem, sizeof(one_elem));
	expect_err(acpi_parse_s5(t, 36 + sizeof(one_elem), &info, &err),
		   SDM_EINVAL,
		   "DSDT: _S5_ package at offset 42 cut short at offset 45 (end 45)");
	assert_false(info.s5_valid);
}

static void test_s5_encodings(void **state)
{
	static const uint8_t two_byte_pkglen[] = {
		0x08, '\\', '_', 'S', '5', '_', 0x12, 0x46, 0x00, 0x02, 0x01,
		0x0a, 0x05,
	};
	static const uint8_t word[] = {
		0x08, '_', 'S', '5', '_', 0x12, 0x06, 0x02, 0x0b, 0x05, 0x00,
		0x00,
	};
	static const uint8_t big[] = {
		0x08, '_', 'S', '5', '_', 0x12, 0x05, 0x02, 0x00, 0x0a, 0x08,
	};
	static const uint8_t one[] = {
		0x08, '_', 'S', '5', '_', 0x12, 0x03, 0x01, 0x00,
	};
	static const uint8_t none[] = {
		0x14, 0x08, '_', 'S', '5', '_', 0x00, 0xa4, 0x00,
	};
	uint8_t t[64];

	build_dsdt(t, two_byte_pkglen, sizeof(two_byte_pkglen));
	assert_int_equal(acpi_parse_s5(t, 36 + sizeof(two_byte_pkglen), &info,
				       &err), SDM_OK);
	assert_true(info.s5_valid);
	assert_int_equal(info.s5_slp_typa, 1);
	assert_int_equal(info.s5_slp_typb, 5);

	build_dsdt(t, word, sizeof(word));
	expect_err(acpi_parse_s5(t, 36 + sizeof(word), &info, &err),
		   SDM_EINVAL,
		   "DSDT: _S5_ element 0 at offset 44: opcode 0x0b is not a byte constant");
	build_dsdt(t, big, sizeof(big));
	expect_err(acpi_parse_s5(t, 36 + sizeof(big), &info, &err),
		   SDM_EINVAL, "DSDT: _S5_ element 1 before offset 47: SLP_TYP 8 > 7");
	build_dsdt(t, one, sizeof(one));
	expect_err(acpi_parse_s5(t, 36 + sizeof(one), &info, &err),
		   SDM_EINVAL, "DSDT: _S5_ package at offset 42: 1 elements, need 2");
	build_dsdt(t, none, sizeof(none));
	expect_err(acpi_parse_s5(t, 36 + sizeof(none), &info, &err),
		   SDM_ENOENT, "DSDT: no _S5_ package in 45 bytes");
	assert_false(info.s5_valid);
}

static void test_dsdt_without_s5(void **state)
{
	static const uint8_t aml[] = { 0x10, 0x05, '_', 'S', 'B', '_' };

	build_dsdt(mem + O_DSDT, aml, sizeof(aml));
	assert_int_equal(discover(), SDM_OK);
	assert_false(info.s5_valid);
	assert_true(info.reset_valid);
}

static void test_dsdt_bad_signature(void **state)
{
	memcpy(mem + O_DSDT, "SSDT", 4);
	fix(mem + O_DSDT);
	expect_err(discover(), SDM_EINVAL,
		   "DSDT at 0x7ffe0300: table 'SSDT': expected signature 'DSDT'");
}

static void test_table_check_direct(void **state)
{
	uint8_t t[40] = { 0 };

	hdr(t, "FAC\x01", 36, 1);
	fix(t);
	assert_int_equal(acpi_table_check(t, 36, NULL, &err), SDM_OK);
	expect_err(acpi_table_check(t, 36, "FACP", &err), SDM_EINVAL,
		   "table 'FAC?': expected signature 'FACP'");
	expect_err(acpi_table_check(t, 35, NULL, &err), SDM_ERANGE,
		   "table header: 35 bytes readable, need 36");
	w32(t + 4, 40);
	fix(t);
	expect_err(acpi_table_check(t, 36, NULL, &err), SDM_ERANGE,
		   "table 'FAC?': length 40 beyond the 36 readable bytes");
}

static void test_rsdp_check_direct(void **state)
{
	uint8_t r[36];

	memcpy(r, mem + O_RSDP, sizeof(r));
	assert_int_equal(acpi_rsdp_check(r, 36, &err), SDM_OK);
	expect_err(acpi_rsdp_check(r, 35, &err), SDM_ERANGE,
		   "RSDP revision 2: 35 bytes readable, need 36");
	expect_err(acpi_rsdp_check(r, 19, &err), SDM_ERANGE,
		   "RSDP: 19 bytes readable, need 20");
	w32(r + 20, 40);
	expect_err(acpi_rsdp_check(r, 36, &err), SDM_EINVAL,
		   "RSDP revision 2: length 40 outside [36, 36 readable]");
	r[0] = 'r';
	expect_err(acpi_rsdp_check(r, 36, &err), SDM_EINVAL,
		   "RSDP: signature is not 'RSD PTR '");
	/* Revision 1 is not a 2.0 RSDP: 20 bytes are all there is. */
	build_rsdp(1, BASE + O_RSDT, 0);
	assert_int_equal(acpi_rsdp_check(mem + O_RSDP, 20, &err), SDM_OK);
}

/* Low memory for the BIOS search: 0 .. 1 MiB. */
static uint8_t low[0x100000];

static void put_low_rsdp(uint32_t pa, uint8_t rev)
{
	build_rsdp(rev, BASE + O_RSDT, BASE + O_XSDT);
	memcpy(low + pa, mem + O_RSDP, 36);
}

static void test_find_rsdp_bios(void **state)
{
	struct fake_mem lm = { .base = 0, .bytes = low, .size = sizeof(low) };

	memset(low, 0, sizeof(low));
	assert_int_equal(acpi_find_rsdp_bios(fake_map, &lm), 0);

	put_low_rsdp(0xf0008, 0);              /* not on a 16-byte boundary */
	put_low_rsdp(0xe0010, 2);
	low[0xe0010 + 32]++;                   /* bad extended checksum */
	put_low_rsdp(0xf5a50, 2);
	assert_int_equal(acpi_find_rsdp_bios(fake_map, &lm), 0xf5a50);

	w16(low + 0x40e, 0x9fc0);              /* EBDA at 0x9fc00 */
	put_low_rsdp(0x9fc00 + 0x400, 0);      /* just past its first KiB */
	assert_int_equal(acpi_find_rsdp_bios(fake_map, &lm), 0xf5a50);
	put_low_rsdp(0x9fc00 + 0x3e0, 0);
	assert_int_equal(acpi_find_rsdp_bios(fake_map, &lm), 0x9ffe0);

	lm.size = 0xf0000;                     /* BIOS area not readable */
	memset(low + 0x9fc00, 0, 0x400);
	assert_int_equal(acpi_find_rsdp_bios(fake_map, &lm), 0);
	unmap_all(&lm);
}

static int write_file(const char *dir, const char *name, const void *p,
		      size_t n)
{
	char path[512];
	FILE *f;
	int ok;

	snprintf(path, sizeof(path), "%s/%s", dir, name);
	f = fopen(path, "wb");
	if (f == NULL) {
		perror(path);
		return 1;
	}
	ok = fwrite(p, 1, n, f) == n;
	ok &= fclose(f) == 0;
	return !ok;
}

static int write_seeds(const char *dir)
{
	int rc = 0;

	build_q35();
	rc |= write_file(dir, "q35.bin", mem, sizeof(mem));
	rc |= write_file(dir, "facp.bin", mem + O_FACP, 276);
	rc |= write_file(dir, "dsdt.bin", mem + O_DSDT, 36 + sizeof(q35_aml));
	rc |= write_file(dir, "madt.bin", mem + O_APIC,
			 44 + sizeof(q35_madt));
	rc |= write_file(dir, "dmar.bin", mem + O_DMAR,
			 48 + sizeof(q35_drhd));
	rc |= write_file(dir, "tpm2.bin", mem + O_TPM2, 76);
	build_rsdp(0, BASE + O_RSDT, 0);
	rc |= write_file(dir, "rsdt.bin", mem, sizeof(mem));
	return rc;
}

#define T(f) cmocka_unit_test_setup_teardown(f, setup, teardown)

int main(int argc, char **argv)
{
	const struct CMUnitTest tests[] = {
		T(test_q35),
		T(test_rsdt_only),
		T(test_bad_xsdt_falls_back_to_rsdt),
		T(test_bad_xsdt_without_rsdt),
		T(test_bad_rsdp_checksum),
		T(test_bad_rsdp_ext_checksum),
		T(test_rsdp_not_readable),
		T(test_table_shorter_than_header),
		T(test_table_beyond_memory),
		T(test_table_too_long),
		T(test_bad_table_checksum),
		T(test_root_entry_outside_memory),
		T(test_root_partial_entry),
		T(test_too_many_tables),
		T(test_duplicate_table),
		T(test_no_madt),
		T(test_optional_tables_absent),
		T(test_madt_entry_length_0_and_1),
		T(test_madt_entry_past_end),
		T(test_madt_short_entries),
		T(test_too_many_cpus),
		T(test_too_many_ioapics),
		T(test_disabled_cpu_not_counted),
		T(test_no_usable_cpu),
		T(test_x2apic_and_override),
		T(test_duplicate_apic_id),
		T(test_dmar_structure_length),
		T(test_drhd_too_short),
		T(test_drhd_unaligned_base),
		T(test_device_scope_length),
		T(test_dmar_rmrr_and_unknown),
		T(test_too_many_drhd),
		T(test_tpm2_too_short),
		T(test_fadt_too_short),
		T(test_fadt_short_fields_absent),
		T(test_fadt_bad_values),
		T(test_s5_truncated),
		T(test_s5_encodings),
		T(test_dsdt_without_s5),
		T(test_dsdt_bad_signature),
		T(test_table_check_direct),
		T(test_rsdp_check_direct),
		T(test_find_rsdp_bios),
	};

	if (argc == 3 && strcmp(argv[1], "--write-seeds") == 0)
		return write_seeds(argv[2]);
	return cmocka_run_group_tests(tests, NULL, NULL);
}
