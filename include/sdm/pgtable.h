/*
 * x86-64 4-level page tables (Intel SDM vol. 3, 4.5 "4-level paging"),
 * built from a caller-provided pool of zeroed 4 KiB pages. Used by sinit to
 * build dommgr's first address space; host tests run it on a buffer.
 * Entries are masks and shifts, not bitfields (STYLE.md 4).
 */
#ifndef SDM_PGTABLE_H
#define SDM_PGTABLE_H
#include <sdm/err.h>
#include <sdm/types.h>

#define PTE_P (1ull << 0)
#define PTE_W (1ull << 1)
#define PTE_US (1ull << 2)
#define PTE_PS (1ull << 7) /* large page in a PDPTE/PDE */
#define PTE_G (1ull << 8)
#define PTE_NX (1ull << 63)
#define PTE_ADDR_MASK 0x000ffffffffff000ull

struct pt_pool {
	uint64_t base_pa;  /* first page of the pool (4 KiB aligned) */
	unsigned npages;
	unsigned used;
	/* Pointer through which the builder writes the page at pa. */
	uint64_t *(*table)(void *ctx, uint64_t pa);
	void *ctx;
};

struct pt {
	struct pt_pool *pool;
	uint64_t root_pa; /* PML4, the value for CR3 */
	bool nx_ok;       /* EFER.NXE will be set: PTE_NX allowed */
};

int pt_init(struct pt *pt, struct pt_pool *pool, bool nx_ok,
	    struct sdm_err *err);
/*
 * Map [va, va+len) to [pa, pa+len) with flags (PTE_W, PTE_NX, PTE_G;
 * PTE_P is implied). 2 MiB pages are used where both addresses and the
 * remaining length allow and large is true; otherwise 4 KiB pages. A
 * present entry in the way is SDM_EOVERLAP; a full pool is SDM_ENOSPC.
 * On error the tables are partly built and must be discarded whole (sinit
 * stops the launch). va must be canonical; va, pa and len 4 KiB aligned.
 */
int pt_map(struct pt *pt, uint64_t va, uint64_t pa, uint64_t len,
	   uint64_t flags, bool large, struct sdm_err *err);
/*
 * Translate va: physical address and the effective flags (W only if
 * writable at every level, NX if no-execute at any level). false if
 * not mapped.
 */
bool pt_walk(const struct pt *pt, uint64_t va, uint64_t *pa, uint64_t *flags);

#endif
