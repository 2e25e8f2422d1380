/*
 * The pure part of loading dommgr: where its region goes and what the
 * handoff says. No hardware access, so host unit tests run it
 * (tests/unit/test_sinit_plan.c).
 */
#ifndef SINIT_PLAN_H
#define SINIT_PLAN_H
#include <sdm/elf64.h>
#include <sdm/handoff.h>
#include <sdm/mb2.h>
#include <sdm/memrange.h>

#define DOMMGR_MAX_SPAN MIB(16)
#define DOMMGR_MIN_VBASE 0xffffffff80000000ul
#define DOMMGR_HEAP_SIZE MIB(6) /* sinit's page tables, then dommgr's */
#define DOMMGR_STACK_SIZE KIB(64)
#define DOMMGR_HANDOFF_SIZE KIB(8)
#define DOMMGR_EVLOG_SIZE KIB(64) /* the TCG event log, after the handoff */
#define DOMMGR_POLICY_SIZE KIB(16) /* the verified policy, after the log */

/* dommgr's region: [image][heap][stack][handoff][event log][policy], 2 MiB aligned. */
struct dommgr_plan {
	uint64_t base, size; /* physical */
	uint64_t span;       /* image bytes (page aligned) */
	uint64_t heap_off, stack_off, handoff_off, evlog_off, policy_off;
};

/*
 * Choose dommgr's region: the highest 2 MiB-aligned range of available
 * RAM below 4 GiB that overlaps none of: the first MiB, any range the
 * memory map does not call available, sinit, the boot information, any
 * module. SDM_ENOMEM with a message when there is none.
 */
int dommgr_plan(const struct mb2_info *mb, struct mem_range sinit,
		uint64_t mbi_pa, const struct elf64_image *img,
		struct dommgr_plan *out, struct sdm_err *err);

/* Reads a module's bytes (physical memory); NULL if not readable. */
typedef const void *(*module_map_fn)(void *ctx, uint64_t pa, uint64_t len);

/*
 * Fill the handoff's header, memory map and module list from the boot
 * information (module names are the first words of their command lines;
 * a kind from the name; the image format from the module's header).
 * The caller adds platform, TPM and placement facts.
 */
int handoff_fill_boot(struct sdm_handoff *ho, const struct mb2_info *mb,
		      module_map_fn map, void *ctx, struct sdm_err *err);

#endif
