/*
 * ACPI table discovery and parsing (ACPI 6.x, section 5.2). Tables come
 * from firmware and are untrusted: every length, checksum and entry is
 * checked. Physical memory is reached only through the caller's map
 * function, so the same code runs in sinit (identity mapping) and in host
 * tests and fuzzers (a buffer standing for physical memory).
 */
#ifndef SDM_ACPI_H
#define SDM_ACPI_H
#include <sdm/err.h>
#include <sdm/types.h>

/* Section 5.2.6, "System Description Table Header": 36 bytes. */
struct acpi_sdt_header {
	char signature[4];
	uint32_t length;
	uint8_t revision;
	uint8_t checksum;
	char oem_id[6];
	char oem_table_id[8];
	uint32_t oem_revision;
	uint32_t creator_id;
	uint32_t creator_revision;
} __attribute__((packed));
SDM_STATIC_ASSERT(sizeof(struct acpi_sdt_header) == 36, "ACPI 5.2.6");

/* Section 5.2.5.3, RSDP: 20 bytes (revision 0) or 36 bytes (revision >= 2). */
struct acpi_rsdp {
	char signature[8]; /* "RSD PTR " */
	uint8_t checksum;  /* over the first 20 bytes */
	char oem_id[6];
	uint8_t revision;
	uint32_t rsdt_address;
	uint32_t length; /* revision >= 2 from here */
	uint64_t xsdt_address;
	uint8_t ext_checksum; /* over the whole length */
	uint8_t reserved[3];
} __attribute__((packed));
SDM_STATIC_ASSERT(sizeof(struct acpi_rsdp) == 36, "ACPI 5.2.5.3");

/*
 * Map len bytes of physical memory at pa for reading; return NULL when the
 * range is not readable (outside RAM/firmware areas we accept, or
 * wrapping). The pointer stays valid for the whole parse.
 */
typedef const void *(*acpi_map_fn)(void *ctx, uint64_t pa, uint64_t len);

#define ACPI_MAX_CPUS 64
#define ACPI_MAX_IOAPICS 8
#define ACPI_MAX_DRHD 8
#define ACPI_MAX_RMRR 16
#define ACPI_MAX_ATSR 8
#define ACPI_MAX_DMAR_SCOPES 128 /* device scopes of all DMAR structures */
#define ACPI_DMAR_MAX_PATH 8     /* (device, function) hops of one scope */
#define ACPI_MAX_TABLES 64
#define ACPI_MAX_TABLE_LEN (4u * 1024 * 1024)

struct acpi_cpu {
	uint32_t apic_id;
	uint32_t acpi_uid;
	bool enabled;        /* flags bit 0 */
	bool online_capable; /* flags bit 1 (ACPI 6.3) */
	bool x2apic;         /* from a type 9 entry */
};

/* VT-d spec 8.3.1: device scope entry types. */
enum acpi_dmar_scope_type {
	ACPI_DMAR_SCOPE_ENDPOINT = 1,  /* PCI endpoint device */
	ACPI_DMAR_SCOPE_BRIDGE = 2,    /* PCI sub-hierarchy (a bridge and below) */
	ACPI_DMAR_SCOPE_IOAPIC = 3,
	ACPI_DMAR_SCOPE_HPET = 4,      /* MSI-capable HPET */
	ACPI_DMAR_SCOPE_NAMESPACE = 5, /* ACPI namespace device */
};

/*
 * One device scope (8.3.1): the device is reached from start_bus through
 * path[0..npath-1], each hop a (device, function) on the bus the previous
 * hop's bridge leads to. With one hop the source id (bus << 8 | dev << 3
 * | fn) follows from the table alone (sid_known); longer paths need the
 * bridges' secondary bus numbers from PCI configuration space.
 */
struct acpi_dmar_scope {
	uint8_t type;      /* enum acpi_dmar_scope_type (others kept, unused) */
	uint8_t enum_id;   /* I/O APIC ID, HPET number, ACPI device number */
	uint8_t start_bus;
	uint8_t npath;
	uint8_t path[ACPI_DMAR_MAX_PATH][2]; /* [hop][0] device, [hop][1] function */
	bool sid_known;
	uint16_t sid;
};

#define ACPI_DRHD_INCLUDE_PCI_ALL (1u << 0)

/* 8.3 DMA remapping hardware unit definition. */
struct acpi_drhd {
	uint64_t base;    /* register base address */
	uint16_t segment;
	uint8_t flags;    /* bit 0: INCLUDE_PCI_ALL */
	uint8_t size_log2; /* register set is 2^size_log2 4 KiB pages (byte 5) */
	uint16_t nscopes; /* device scopes: dmar_scopes[first_scope ...] */
	uint16_t first_scope;
};

/* 8.4 reserved memory region reporting: [base, limit], limit inclusive. */
struct acpi_rmrr {
	uint64_t base, limit;
	uint16_t segment;
	uint16_t nscopes, first_scope;
};

/* 8.5 root port ATS capability reporting. */
struct acpi_atsr {
	uint8_t flags;    /* bit 0: ALL_PORTS */
	uint16_t segment;
	uint16_t nscopes, first_scope;
};

enum acpi_tpm_start {
	/* TCG ACPI spec, table "Start Method" values in the TPM2 table. */
	ACPI_TPM2_START_ACPI = 2,
	ACPI_TPM2_START_TIS = 6,   /* "Use the TIS/FIFO interface" */
	ACPI_TPM2_START_CRB = 7,
	ACPI_TPM2_START_CRB_ACPI = 8,
	ACPI_TPM2_START_CRB_SMC = 11,
};

struct acpi_info {
	uint64_t rsdp_pa;
	uint8_t rsdp_revision;
	uint64_t root_pa;   /* XSDT if revision >= 2 and present, else RSDT */
	bool root_is_xsdt;
	unsigned ntables;   /* tables listed in the root table */
	/* Physical addresses of the tables we use (0 = absent). */
	uint64_t madt_pa, dmar_pa, tpm2_pa, fadt_pa, mcfg_pa;
	uint64_t dsdt_pa;   /* from the FADT: X_DSDT if non-zero, else DSDT */

	/* MADT (5.2.12) */
	uint64_t lapic_base; /* type 5 entry overrides the 32-bit field */
	unsigned ncpus;     /* processor entries with enabled or online-capable */
	struct acpi_cpu cpus[ACPI_MAX_CPUS];
	unsigned nioapics;
	uint32_t ioapic_ids[ACPI_MAX_IOAPICS];

	/* DMAR (Intel VT-d spec, chapter 8) */
	uint8_t dmar_haw;   /* host address width (value + 1 = bits) */
	uint8_t dmar_flags;
	unsigned ndrhd;
	struct acpi_drhd drhd[ACPI_MAX_DRHD];
	unsigned nrmrr;
	struct acpi_rmrr rmrr[ACPI_MAX_RMRR];
	unsigned natsr;
	struct acpi_atsr atsr[ACPI_MAX_ATSR];
	unsigned ndmar_scopes;
	struct acpi_dmar_scope dmar_scopes[ACPI_MAX_DMAR_SCOPES];

	/* TPM2 table (TCG ACPI Specification, section 7) */
	uint64_t tpm2_control_pa;
	uint32_t tpm2_start_method;

	/* FADT (5.2.9): power management ports for power-off and reset */
	uint32_t pm1a_cnt_port, pm1b_cnt_port;
	bool s5_valid;
	uint8_t s5_slp_typa, s5_slp_typb; /* from the DSDT's \_S5 package */
	bool reset_valid;
	uint8_t reset_space;  /* generic address space id: 1 = I/O */
	uint64_t reset_addr;
	uint8_t reset_value;
};

/* Sum of len bytes modulo 256 (a valid table sums to 0). */
uint8_t acpi_checksum(const void *p, size_t len);

/*
 * Validate a table at p of avail readable bytes: header present, length
 * within [36, avail] and <= ACPI_MAX_TABLE_LEN, checksum 0, and signature
 * equal to sig (4 chars) when sig != NULL.
 */
int acpi_table_check(const void *p, size_t avail, const char *sig,
		     struct sdm_err *err);

/* Validate an RSDP (signature, checksum, extended checksum for rev >= 2). */
int acpi_rsdp_check(const void *p, size_t avail, struct sdm_err *err);

/*
 * Parse a MADT / DMAR / TPM2 / FADT table of len bytes into info. Every
 * read stays within len; the header's own length and checksum are not
 * looked at again (acpi_table_check does that). The MADT must list at least
 * one usable CPU and no APIC ID twice. The DMAR keeps its DRHDs, RMRRs and
 * ATSRs with their device scopes; other structure types are skipped. A
 * DRHD base not 4 KiB aligned or listed twice, a second INCLUDE_PCI_ALL
 * unit for a segment, an RMRR that is not whole 4 KiB pages, a scope path
 * of odd length or with a device > 31 or function > 7 are errors.
 */
int acpi_parse_madt(const void *tbl, size_t len, struct acpi_info *info,
		    struct sdm_err *err);
int acpi_parse_dmar(const void *tbl, size_t len, struct acpi_info *info,
		    struct sdm_err *err);
int acpi_parse_tpm2(const void *tbl, size_t len, struct acpi_info *info,
		    struct sdm_err *err);
int acpi_parse_fadt(const void *tbl, size_t len, struct acpi_info *info,
		    struct sdm_err *err);
/*
 * Find \_S5_ in a DSDT's AML (a byte scan for the package; bounded). No
 * package at all is SDM_ENOENT; a package that is cut short or holds
 * something other than two small integers is SDM_EINVAL.
 */
int acpi_parse_s5(const void *dsdt, size_t len, struct acpi_info *info,
		  struct sdm_err *err);
/*
 * In a copy of the MADT (tbl, len readable bytes), mark the processors
 * with these APIC IDs disabled and not online-capable, and fix the
 * checksum; *hidden counts the entries changed. Validated first: on
 * error the table is unchanged.
 */
int acpi_madt_hide_cpus(void *tbl, size_t len, const uint32_t *ids, unsigned n,
			unsigned *hidden, struct sdm_err *err);

/*
 * Walk from the RSDP at rsdp_pa: root table (XSDT preferred when the RSDP
 * revision >= 2 and the XSDT checks out), every listed table's header and
 * checksum, then MADT, DMAR, TPM2, FADT (+DSDT for \_S5). A missing MADT
 * is an error; a missing DMAR/TPM2/FADT is not (their _pa stays 0). A
 * table present but malformed is an error naming the table, and so is a
 * second table with one of these signatures. A DSDT without \_S5_ only
 * leaves s5_valid false.
 */
int acpi_discover(acpi_map_fn map, void *ctx, uint64_t rsdp_pa,
		  struct acpi_info *info, struct sdm_err *err);

/*
 * Legacy BIOS RSDP search (ACPI 5.2.5.1): the first KiB of the EBDA (segment
 * at 0x40E) and 0xE0000-0xFFFFF, on 16-byte boundaries. Returns the RSDP's
 * physical address or 0.
 */
uint64_t acpi_find_rsdp_bios(acpi_map_fn map, void *ctx);

#endif
