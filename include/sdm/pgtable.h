/*
 * 4-level radix page tables built from a caller-provided pool of 4 KiB
 * pages, in two formats that share the walk:
 *   PT_X86: IA-32e paging (Intel SDM vol. 3, 4.5), for dommgr's own
 *           address space (built first by sinit);
 *   PT_EPT: extended page tables (SDM vol. 3, 29.3.2), one per domain;
 *   PT_VTD: VT-d second-level tables (VT-d spec 9.8), one per domain, with
 *           4 levels (48-bit) or 3 levels (39-bit) as the IOMMU supports.
 * Entries are masks and shifts, not bitfields (STYLE.md 4). Host tests run
 * the builder on a buffer.
 */
#ifndef SDM_PGTABLE_H
#define SDM_PGTABLE_H
#include <sdm/err.h>
#include <sdm/types.h>

/* IA-32e paging entry bits */
#define PTE_P (1ull << 0)
#define PTE_W (1ull << 1)
#define PTE_US (1ull << 2)
#define PTE_PS (1ull << 7) /* large page in a PDPTE/PDE (also EPT) */
#define PTE_G (1ull << 8)
#define PTE_NX (1ull << 63)
#define PTE_ADDR_MASK 0x000ffffffffff000ull

/* EPT entry bits (SDM vol. 3, tables 29-1..29-6) */
#define EPT_R (1ull << 0)
#define EPT_W (1ull << 1)
#define EPT_X (1ull << 2)
#define EPT_RWX (EPT_R | EPT_W | EPT_X)
#define EPT_MT_SHIFT 3 /* leaf memory type, bits 5:3 */
#define EPT_MT_UC 0ull
#define EPT_MT_WB 6ull
#define EPT_MT(t) ((uint64_t)(t) << EPT_MT_SHIFT)
#define EPT_IGNORE_PAT (1ull << 6)

/*
 * VT-d second-level entry bits (VT-d spec 9.8, tables 33-37): R, W, PS as
 * above (bit 7), SNP (snoop, only if ECAP.SC). Bits 6:2 are left zero.
 */
#define SLPT_R (1ull << 0)
#define SLPT_W (1ull << 1)
#define SLPT_SNP (1ull << 11)

enum pt_kind { PT_X86, PT_EPT, PT_VTD };

struct pt_pool {
	uint64_t base_pa;  /* first page of the pool (4 KiB aligned) */
	unsigned npages;
	unsigned used;
	/* Pointer through which the builder reads and writes the page at pa. */
	uint64_t *(*table)(void *ctx, uint64_t pa);
	void *ctx;
};

struct pt {
	struct pt_pool *pool;
	uint64_t root_pa;   /* PML4: the value for CR3, or the EPTP's address */
	enum pt_kind kind;
	bool nx_ok;         /* PT_X86: EFER.NXE is set, PTE_NX allowed */
	bool gib_pages;     /* 1 GiB leaves allowed (EPT on CPUs that have them) */
	unsigned levels;    /* 4; PT_VTD may have 3 (0 is read as 4) */
};

int pt_init(struct pt *pt, struct pt_pool *pool, enum pt_kind kind,
	    bool nx_ok, struct sdm_err *err);
/*
 * A PT_VTD table with levels 3 (addresses below 2^39; root_pa is the
 * SL-PDPT) or 4 (below 2^48; root_pa is the SL-PML4).
 */
int pt_init_vtd(struct pt *pt, struct pt_pool *pool, unsigned levels,
		struct sdm_err *err);
/*
 * Map [va, va+len) to [pa, pa+len). flags: PT_X86 — PTE_W, PTE_NX, PTE_G
 * (PTE_P implied); PT_EPT — EPT_R/W/X, EPT_MT(type), EPT_IGNORE_PAT;
 * PT_VTD — SLPT_R/W, SLPT_SNP (at least one of R and W).
 * The largest pages that fit are used when large is true (2 MiB, and
 * 1 GiB when gib_pages); otherwise 4 KiB. A present entry in the way is
 * SDM_EOVERLAP; a full pool is SDM_ENOSPC. On error the tables are partly
 * built and must be discarded whole. va, pa and len are 4 KiB aligned; for
 * PT_X86 va must be canonical, for PT_EPT below 2^48, for PT_VTD below
 * 2^(12 + 9 * levels).
 */
int pt_map(struct pt *pt, uint64_t va, uint64_t pa, uint64_t len,
	   uint64_t flags, bool large, struct sdm_err *err);
/*
 * Translate va. PT_X86: *flags has PTE_W only if writable at every level
 * and PTE_NX if no-execute at any level. PT_EPT: the leaf's EPT_RWX bits
 * and memory type. PT_VTD: the leaf's SLPT_R/W/SNP bits, with R and W
 * only if granted at every level. false if not mapped.
 */
bool pt_walk(const struct pt *pt, uint64_t va, uint64_t *pa, uint64_t *flags);
/* Size of the leaf that maps va (4 KiB, 2 MiB or 1 GiB), 0 if unmapped. */
uint64_t pt_leaf_size(const struct pt *pt, uint64_t va);

#endif
