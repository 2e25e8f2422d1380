/*
 * Load dommgr from its boot module: check the ELF image, place it in
 * memory that overlaps nothing, build its page tables and the handoff,
 * and jump to it.
 *
 * dommgr's region (physical, 2 MiB aligned, below 4 GiB):
 *   [image][heap: page tables, then dommgr's pages][stack][handoff]
 * is mapped at dommgr's link address (one linear mapping, so a physical
 * offset in the region is the same virtual offset) with W^X per segment,
 * and is left out of the identity map of the low 4 GiB that dommgr also
 * gets (RW, NX), so nothing else aliases it. The one exception to NX is
 * sinit's own text, mapped read-only and executable so that the jump into
 * dommgr can be made after the CR3 switch; dommgr replaces these tables.
 */
#include <string.h>
#include <sdm/log.h>
#include <sdm/pgtable.h>
#include "sinit/plan.h"
#include "sinit/sinit.h"

static uint64_t *table_at(void *ctx, uint64_t pa)
{
	return (uint64_t *)(uintptr_t)pa;
}

static const void *phys_at(void *ctx, uint64_t pa, uint64_t len)
{
	return (const void *)(uintptr_t)pa;
}

/* Build the page tables described at the top of this file. */
static uint64_t build_tables(struct sinit_state *st, struct pt_pool *pool,
			     const struct elf64_image *img, uint64_t base,
			     uint64_t size)
{
	struct pt pt;
	struct sdm_err err = { 0 };
	uint64_t text0 = (uint64_t)(uintptr_t)__sinit_start;
	uint64_t text1 = (uint64_t)(uintptr_t)__sinit_text_end;
	int rc = pt_init(&pt, pool, PT_X86, st->nx, &err);

	/* Identity map of the low 4 GiB, RW + NX, without dommgr's region. */
	for (uint64_t a = 0; rc == SDM_OK && a < GIB(4); a += MIB(2)) {
		if (a >= base && a < base + size)
			continue;
		if (a + MIB(2) <= text0 || a >= text1) {
			rc = pt_map(&pt, a, a, MIB(2), PTE_W | PTE_NX, true, &err);
			continue;
		}
		for (uint64_t p = a; rc == SDM_OK && p < a + MIB(2);
		     p += PAGE_SIZE) {
			bool text = p >= text0 && p < text1;

			rc = pt_map(&pt, p, p, PAGE_SIZE,
				    text ? 0 : PTE_W | PTE_NX, false, &err);
		}
	}
	/* dommgr's region at its link address: segments with their rights. */
	uint64_t off = 0, span = img->vend - img->vbase;

	for (unsigned i = 0; rc == SDM_OK && i < img->nseg; i++) {
		const struct elf64_segment *s = &img->seg[i];
		uint64_t soff = s->vaddr - img->vbase;
		uint64_t fl = (s->flags & ELF_PF_X) ? 0 : PTE_NX;

		if (s->flags & ELF_PF_W)
			fl |= PTE_W;
		if (soff > off) /* gap between segments: read-only, NX */
			rc = pt_map(&pt, img->vbase + off, base + off, soff - off,
				    PTE_NX, false, &err);
		if (rc == SDM_OK)
			rc = pt_map(&pt, s->vaddr, base + soff, s->memsz,
				    fl | PTE_G, false, &err);
		off = soff + s->memsz;
	}
	if (rc == SDM_OK) /* page-table pool, stack, handoff: data */
		rc = pt_map(&pt, img->vbase + span, base + span, size - span,
			    PTE_W | PTE_NX, false, &err);
	if (rc != SDM_OK)
		sinit_fatal(st, "building dommgr's page tables: %s", err.msg);
	pr_debug("page tables: %u of %u pool pages", pool->used, pool->npages);
	return pt.root_pa;
}

void sinit_load_dommgr(struct sinit_state *st)
{
	static const char *const kinds[] = { "other", "dommgr", "normal",
					     "protected" };
	struct sdm_err err = { 0 };
	const struct mb2_module *mod = mb2_find_module(&st->mb, "dommgr");

	if (mod == NULL)
		sinit_fatal(st, "no boot module named 'dommgr' "
			    "(GRUB: module2 /boot/dommgr.elf dommgr)");

	const void *file = (const void *)(uintptr_t)mod->start;
	uint64_t flen = (uint64_t)mod->end - mod->start;
	struct elf64_image img;

	if (elf64_parse(file, flen, DOMMGR_MAX_SPAN, &img, &err) != SDM_OK)
		sinit_fatal(st, "dommgr module (%lu bytes at 0x%x): %s", flen,
			    mod->start, err.msg);
	if (img.vbase < DOMMGR_MIN_VBASE)
		sinit_fatal(st, "dommgr module: linked at 0x%lx, below the "
			    "required 0x%lx", img.vbase, DOMMGR_MIN_VBASE);

	/* Measured before a byte of it runs (and before it is copied). */
	sinit_measure(st, mod);
	sinit_rollback_check(st);
	sinit_policy_enforce(st);

	struct dommgr_plan plan;
	struct mem_range sinit = { (uint64_t)(uintptr_t)__sinit_start,
				   (uint64_t)(uintptr_t)__sinit_end };

	if (dommgr_plan(&st->mb, sinit, st->mbi_pa, &img, &plan, &err) != SDM_OK)
		sinit_fatal(st, "%s", err.msg);
	pr_info("dommgr: %lu KiB image, region 0x%lx-0x%lx, entry 0x%lx",
		plan.span >> 10, plan.base, plan.base + plan.size, img.entry);

	/* Copy the segments; everything else in the region starts zeroed. */
	memset((void *)(uintptr_t)plan.base, 0, plan.size);
	for (unsigned i = 0; i < img.nseg; i++) {
		const struct elf64_segment *s = &img.seg[i];

		memcpy((void *)(uintptr_t)(plan.base + s->vaddr - img.vbase),
		       (const char *)file + s->offset, s->filesz);
	}

	struct pt_pool pool = { .base_pa = plan.base + plan.heap_off,
				.npages = DOMMGR_HEAP_SIZE / PAGE_SIZE,
				.table = table_at };
	uint64_t cr3 = build_tables(st, &pool, &img, plan.base, plan.size);
	struct sdm_handoff *ho =
		(struct sdm_handoff *)(uintptr_t)(plan.base + plan.handoff_off);

	if (handoff_fill_boot(ho, &st->mb, phys_at, NULL, &err) != SDM_OK)
		sinit_fatal(st, "%s", err.msg);
	for (unsigned i = 0; i < ho->nmods; i++)
		pr_info("module %u: '%s' (%s) at 0x%lx, %lu bytes", i,
			ho->mods[i].name, kinds[ho->mods[i].kind],
			ho->mods[i].base, ho->mods[i].size);
	ho->launch_kind = st->launch_kind;
	ho->console = st->console;
	ho->loglevel = st->loglevel;
	ho->exit_action = st->exit_action;
	ho->sinit_base = sinit.base;
	ho->sinit_end = sinit.end;
	ho->dommgr_base = plan.base;
	ho->dommgr_end = plan.base + plan.size;
	ho->dommgr_vbase = img.vbase;
	ho->mbi_pa = st->mbi_pa;
	ho->heap_base = plan.base + plan.heap_off;
	ho->heap_size = DOMMGR_HEAP_SIZE;
	ho->heap_used = (uint64_t)pool.used * PAGE_SIZE;
	ho->platform = st->platform;
	ho->tpm = st->tpm;
	sinit_measure_handoff(st, &ho->measure,
			      (void *)(uintptr_t)(plan.base + plan.evlog_off),
			      plan.base + plan.evlog_off, DOMMGR_EVLOG_SIZE);
	/* dommgr builds its domains from this copy, out of DMA's way. */
	if (st->policy != NULL) {
		if (st->policy_len > DOMMGR_POLICY_SIZE)
			sinit_fatal(st, "policy: %u bytes, more than the %lu "
				    "dommgr takes", st->policy_len,
				    DOMMGR_POLICY_SIZE);
		memcpy((void *)(uintptr_t)(plan.base + plan.policy_off),
		       st->policy_blob, st->policy_len);
		ho->measure.policy_pa = plan.base + plan.policy_off;
		ho->measure.policy_len = st->policy_len;
	}
	if (st->mb.cmdline != NULL)
		memcpy(ho->sinit_cmdline, st->mb.cmdline,
		       strnlen(st->mb.cmdline, sizeof(ho->sinit_cmdline) - 1));
	memcpy(ho->dommgr_cmdline, mod->cmdline,
	       strnlen(mod->cmdline, sizeof(ho->dommgr_cmdline) - 1));
	if (sdm_handoff_check(ho, DOMMGR_HANDOFF_SIZE, &err) != SDM_OK)
		sinit_fatal(st, "%s", err.msg);
	/* The launch succeeded: a newer policy's version becomes the floor. */
	sinit_rollback_advance(st);

	pr_info("entering dommgr");
	log_flush();
	sinit_enter_dommgr(cr3, img.entry, img.vbase + plan.handoff_off,
			   img.vbase + plan.handoff_off);
}
