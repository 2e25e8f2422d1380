/*
 * DMA isolation with VT-d (docs/dma-protection.md): from the DMAR and the
 * domain table, build one second-level table per domain that maps exactly
 * the RAM the domain's EPT gives it, and root/context tables that put
 * every PCI requester (bus:dev.fn) in a domain: the devices a protected
 * domain lists go to it, every other requester -- present, absent,
 * hot-plugged, renumbered -- to the normal domain. Pure logic: hardware is
 * reached through struct vtd_unit's register functions and the table pool's
 * page accessor, so host tests (tests/unit/test_iommu.c) run all of it on
 * the fake architecture. The x86 glue is dommgr/arch/x86/vtd.c.
 */
#ifndef DOMMGR_IOMMU_H
#define DOMMGR_IOMMU_H
#include <sdm/acpi.h>
#include <sdm/handoff.h>
#include <sdm/vtd.h>
#include "dommgr/domain.h"

#define IOMMU_MAX_SEGMENTS 4
#define IOMMU_MAX_PCI 256   /* PCI functions the enumeration may report */
#define IOMMU_FAULTS_PER_POLL 64 /* per unit: a fault storm cannot livelock */

/* One line of output (the console in dommgr, a buffer in tests). */
typedef void (*iommu_log_fn)(void *ctx, const char *line);

/* A PCI function found by the architecture's enumeration. */
struct iommu_pci {
	uint16_t seg, sid;
	uint16_t vendor, device;
	bool bridge;                    /* type 1 header */
	uint8_t secondary, subordinate; /* bridges: the buses below */
};

/* A DMAR device scope resolved against the enumeration. */
struct iommu_scope {
	bool known;      /* sid is the device's source id */
	uint16_t sid;
	bool bus_range;  /* a bridge: buses [first_bus, last_bus] below it */
	uint8_t first_bus, last_bus;
};

/* What every unit supports (one set of tables serves them all). */
struct iommu_caps {
	unsigned levels;     /* second-level table levels: 3 or 4 */
	bool pages_2m, pages_1g;
	uint64_t iova_limit; /* domain addresses below this (2^MGAW, table reach) */
	uint64_t hpa_limit;  /* host addresses below this (DMAR host width) */
	unsigned ndids;      /* domain ids 0 .. ndids-1 exist */
	bool coherent;       /* every unit snoops table reads (ECAP.C) */
};

/* The no-IOMMU rule (the policy's, today dommgr's command line `dma=`). */
enum iommu_req {
	IOMMU_REQUIRE = 0,     /* default: no IOMMU, no domains */
	IOMMU_ALLOW_NONE = 1,  /* dma=allow-unprotected: emulator demos */
};

struct iommu {
	const struct acpi_info *dmar; /* parsed DMAR (drhd, rmrr, scopes) */
	unsigned nunits;
	struct vtd_unit unit[ACPI_MAX_DRHD]; /* unit i is dmar->drhd[i] */
	struct iommu_caps caps;
	struct pt_pool *pool;       /* every table page comes from here */
	struct pt slpt[DOM_MAX];    /* second-level tables, by domain index */
	unsigned nseg;
	uint16_t seg[IOMMU_MAX_SEGMENTS];
	uint64_t root_pa[IOMMU_MAX_SEGMENTS];
	uint64_t qi_status_pa;      /* one page: a status word per unit */
	unsigned npci;
	struct iommu_pci pci[IOMMU_MAX_PCI];
	struct iommu_scope scope[ACPI_MAX_DMAR_SCOPES];
	unsigned rmrr_mapped, rmrr_refused;
};

/* VT-d domain id of domain index i (0 is reserved when CAP.CM = 1). */
static inline unsigned iommu_did(unsigned i)
{
	return i + 1;
}

/* `dma=require` (default) or `dma=allow-unprotected` in cmdline. */
int iommu_requirement(const char *cmdline, size_t len, enum iommu_req *req,
		      struct sdm_err *err);

/*
 * Every DMAR unit's whole register set (2^size pages from the DRHD)
 * becomes a hole of the domain table, so no EPT maps it (domain.c
 * already holes the first page of each; a larger set is added here). A
 * register set that overlaps a domain's RAM is an error.
 */
int iommu_add_holes(const struct acpi_info *dmar, struct domain_table *t,
		    struct sdm_err *err);

/*
 * The capabilities every probed unit shares, and the DMAR host address
 * width: 4-level tables if all do them, else 3-level if all do them.
 */
int iommu_caps_combine(struct iommu *io, struct sdm_err *err);

/*
 * Resolve every DMAR scope against io->pci: one-hop paths from the table,
 * longer paths through the bridges' secondary bus numbers; bridge scopes
 * get their bus range. A path through a missing bridge stays unknown.
 */
void iommu_resolve_scopes(struct iommu *io);

/* Index of the unit that translates requester seg:sid, or -1. */
int iommu_unit_of(const struct iommu *io, uint16_t seg, uint16_t sid);

/* The domain requester seg:sid belongs to (a protected one lists it). */
struct domain *iommu_owner(struct domain_table *t, uint16_t seg, uint16_t sid);

/*
 * Check the plan against the hardware: every enumerated function and
 * every device a protected domain lists is behind some unit, no device is
 * listed by two domains, and every domain id exists on every unit.
 */
int iommu_check(const struct iommu *io, const struct domain_table *t,
		struct sdm_err *err);

/*
 * Build the tables from io->pool: per domain a second-level table of its
 * RAM (gpa → hpa, read/write); the normal domain's also maps each RMRR
 * (identity) unless it touches a hole of t (then it is refused and said);
 * per segment a root table, a default context table sending every
 * requester to the normal domain, and a private context table for each
 * bus with a device of a protected domain. Caches are flushed for units
 * that do not snoop. log says what was refused.
 */
int iommu_build(struct iommu *io, const struct domain_table *t,
		iommu_log_fn log, void *ctx, struct sdm_err *err);

/* Pages of io->pool that iommu_build and iommu_program can need at most. */
unsigned iommu_pool_pages(const struct iommu *io, const struct domain_table *t);

/*
 * Program every unit with its segment's root table: queued invalidation
 * when the unit has it (ring pages from the pool), then root pointer,
 * global context-cache and IOTLB invalidation, translation on; then
 * interrupt remapping and protected memory ranges off if firmware left
 * them on. t->dma_protected is set when every unit is done.
 */
int iommu_program(struct iommu *io, struct domain_table *t, iommu_log_fn log,
		  void *ctx, struct sdm_err *err);

/*
 * Read every unit's recorded faults (at most IOMMU_FAULTS_PER_POLL per
 * unit), log each with source id, owner, access, address and reason,
 * count it in its owner's dma_faults; *last (if not NULL) gets the last
 * one read. Returns how many were read.
 */
unsigned iommu_poll_faults(struct iommu *io, struct domain_table *t,
			   struct vtd_fault *last, iommu_log_fn log, void *ctx);

/* "bb:dd.f" of a source id (out: at least 8 bytes). */
void iommu_sid_str(uint16_t sid, char *out, size_t size);

/*
 * Provided by the architecture (dommgr/arch/x86/vtd.c) for dommgr's core.
 *
 * arch_dma_protect: after the domains are planned, before any EPT is
 * built or any domain runs. With DMAR units: their register sets become
 * holes, the units are probed, PCI is enumerated, the tables are built
 * and every unit switched to them (translation stays on from sinit's
 * deny-all root table, so no DMA passes in between). Without: the no-IOMMU
 * rule of the command line (iommu_requirement) decides: an error by
 * default, or a warning with dma=allow-unprotected. t->dma_protected says
 * which happened.
 */
int arch_dma_protect(const struct sdm_handoff *ho, struct domain_table *t,
		     struct sdm_err *err);
/* Log and count the faults the units recorded since the last poll. */
unsigned arch_dma_poll_faults(void);
/*
 * Emulator test mode (dommgr command line iommu-selftest=edu or
 * iommu-selftest=edu-protected; docs/dma-protection.md): plan the domains
 * into t with plan (as dommgr would: policy or built-in default), program
 * the IOMMU and drive QEMU's edu device. Does nothing without the option.
 */
void arch_dma_selftest(const struct sdm_handoff *ho, struct domain_table *t,
		       int (*plan)(struct sdm_err *err));

#endif
