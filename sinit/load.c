/*
 * Load dommgr from its boot module: check the ELF image, place it in
 * memory that overlaps nothing, build its page tables and the handoff,
 * and jump to it.
 *
 * dommgr's region (physical, 2 MiB aligned, below 4 GiB):
 *   [image][page-table pool][stack][handoff]
 * is mapped at dommgr's link address (one linear mapping, so a physical
 * offset in the region is the same virtual offset) with W^X per segment,
 * and is left out of the identity map of the low 4 GiB that dommgr also
 * gets (RW, NX), so nothing else aliases it. The one exception to NX is
 * sinit's own text, mapped read-only and executable so that the jump into
 * dommgr can be made after the CR3 switch; dommgr replaces these tables.
 */
#include <string.h>
#include <sdm/cmdline.h>
#include <sdm/elf64.h>
#include <sdm/log.h>
#include <sdm/memrange.h>
#include <sdm/pgtable.h>
#include "sinit/sinit.h"
#include "tpm/probe.h"

#define DOMMGR_MAX_SPAN MIB(16)
#define DOMMGR_MIN_VBASE 0xffffffff80000000ul
#define PT_POOL_PAGES 64u
#define STACK_SIZE KIB(64)
#define HANDOFF_SIZE KIB(8)
SDM_STATIC_ASSERT(sizeof(struct sdm_handoff) <= HANDOFF_SIZE, "handoff fits");

static uint64_t *table_at(void *ctx, uint64_t pa)
{
	return (uint64_t *)(uintptr_t)pa;
}

static const char *const kind_names[] = { "other", "dommgr", "normal",
					  "protected" };

static void fill_modules(struct sinit_state *st, struct sdm_handoff *ho)
{
	for (unsigned i = 0; i < st->mb.nmods && i < SDM_HO_MAX_MODULES; i++) {
		const struct mb2_module *m = &st->mb.mods[i];
		struct sdm_ho_module *hm = &ho->mods[ho->nmods++];
		uint64_t size = (uint64_t)m->end - m->start;

		hm->base = m->start;
		hm->size = size;
		if (!cmdline_first_word(m->cmdline, 4096, hm->name,
					sizeof(hm->name)))
			sinit_fatal(st, "module %u: name longer than %zu bytes",
				    i, sizeof(hm->name) - 1);
		memcpy(hm->cmdline, m->cmdline,
		       strnlen(m->cmdline, sizeof(hm->cmdline) - 1));
		for (uint32_t k = 1; k < ARRAY_SIZE(kind_names); k++) {
			if (strncmp(hm->name, kind_names[k], sizeof(hm->name)) == 0)
				hm->kind = k;
		}
		if (hm->kind == SDM_MOD_DOMMGR) {
			hm->format = SDM_IMG_ELF64;
		} else {
			int k = mb_kernel_kind((const void *)(uintptr_t)m->start,
					       size);

			hm->format = k == 2 ? SDM_IMG_MULTIBOOT2
				   : k == 1 ? SDM_IMG_MULTIBOOT1
					    : SDM_IMG_UNKNOWN;
		}
		pr_info("module %u: '%s' (%s) at 0x%lx, %lu bytes", i, hm->name,
			kind_names[hm->kind], hm->base, hm->size);
	}
}

/* Free RAM below 4 GiB minus everything already in use. */
static void free_memory(struct sinit_state *st, struct range_set *free)
{
	struct mem_range r;

	for (unsigned i = 0; i < st->mb.nmmap; i++) {
		const struct mb2_mmap_entry *e = &st->mb.mmap[i];

		if (e->type == MB2_MEM_AVAILABLE && mr_from_len(e->base, e->len, &r))
			if (rs_add(free, r) != SDM_OK)
				sinit_fatal(st, "memory map: too many ranges");
	}
	/* Firmware-reserved ranges win over overlapping available ones. */
	for (unsigned i = 0; i < st->mb.nmmap; i++) {
		const struct mb2_mmap_entry *e = &st->mb.mmap[i];

		if (e->type != MB2_MEM_AVAILABLE && mr_from_len(e->base, e->len, &r))
			if (rs_remove(free, r) != SDM_OK)
				sinit_fatal(st, "memory map: too many ranges");
	}
	struct mem_range used[3 + MB2_MAX_MODULES] = {
		{ 0, MIB(1) }, /* real-mode area, BIOS, option ROMs */
		{ (uint64_t)(uintptr_t)__sinit_start,
		  (uint64_t)(uintptr_t)__sinit_end },
		{ st->mbi_pa, (uint64_t)st->mbi_pa + st->mb.total_size },
	};
	unsigned n = 3;

	for (unsigned i = 0; i < st->mb.nmods; i++)
		used[n++] = (struct mem_range){ st->mb.mods[i].start,
						st->mb.mods[i].end };
	for (unsigned i = 0; i < n; i++) {
		if (rs_remove(free, used[i]) != SDM_OK)
			sinit_fatal(st, "memory map: too many ranges");
	}
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
	int rc = pt_init(&pt, pool, st->nx, &err);

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

	uint64_t span = img.vend - img.vbase;
	uint64_t pool_off = span;
	uint64_t stack_off = pool_off + PT_POOL_PAGES * PAGE_SIZE;
	uint64_t ho_off = stack_off + STACK_SIZE;
	uint64_t size;

	if (!align_up(ho_off + HANDOFF_SIZE, MIB(2), &size))
		sinit_fatal(st, "dommgr module: size overflow");

	struct mem_range storage[256], where;
	struct range_set free;

	rs_init(&free, storage, ARRAY_SIZE(storage));
	free_memory(st, &free);
	if (rs_find_highest(&free, size, MIB(2), MIB(1), GIB(4), &where) != SDM_OK)
		sinit_fatal(st, "no free memory for dommgr: %lu KiB needed, "
			    "2 MiB aligned, below 4 GiB", size >> 10);
	uint64_t base = where.base;

	pr_info("dommgr: %lu KiB image, region 0x%lx-0x%lx, entry 0x%lx",
		span >> 10, base, base + size, img.entry);

	/* Copy the segments; everything else in the region starts zeroed. */
	memset((void *)(uintptr_t)base, 0, size);
	for (unsigned i = 0; i < img.nseg; i++) {
		const struct elf64_segment *s = &img.seg[i];

		memcpy((void *)(uintptr_t)(base + s->vaddr - img.vbase),
		       (const char *)file + s->offset, s->filesz);
	}

	struct pt_pool pool = { .base_pa = base + pool_off,
				.npages = PT_POOL_PAGES,
				.table = table_at };
	uint64_t cr3 = build_tables(st, &pool, &img, base, size);
	struct sdm_handoff *ho = (struct sdm_handoff *)(uintptr_t)(base + ho_off);

	ho->magic = SDM_HANDOFF_MAGIC;
	ho->version = SDM_HANDOFF_VERSION;
	ho->size = sizeof(*ho);
	ho->launch_kind = SDM_LAUNCH_UNMEASURED;
	ho->console = st->console;
	ho->loglevel = st->loglevel;
	ho->exit_action = st->exit_action;
	ho->sinit_base = (uint64_t)(uintptr_t)__sinit_start;
	ho->sinit_end = (uint64_t)(uintptr_t)__sinit_end;
	ho->dommgr_base = base;
	ho->dommgr_end = base + size;
	ho->dommgr_vbase = img.vbase;
	ho->mbi_pa = st->mbi_pa;
	for (unsigned i = 0; i < st->mb.nmmap && i < SDM_HO_MAX_MMAP; i++) {
		ho->mmap[i].base = st->mb.mmap[i].base;
		ho->mmap[i].len = st->mb.mmap[i].len;
		ho->mmap[i].type = st->mb.mmap[i].type;
		ho->nmmap++;
	}
	fill_modules(st, ho);
	ho->platform = st->platform;
	ho->tpm = st->tpm;
	if (st->mb.cmdline != NULL)
		memcpy(ho->sinit_cmdline, st->mb.cmdline,
		       strnlen(st->mb.cmdline, sizeof(ho->sinit_cmdline) - 1));
	memcpy(ho->dommgr_cmdline, mod->cmdline,
	       strnlen(mod->cmdline, sizeof(ho->dommgr_cmdline) - 1));
	if (sdm_handoff_check(ho, HANDOFF_SIZE, &err) != SDM_OK)
		sinit_fatal(st, "handoff: %s", err.msg);

	pr_warn("launch: unmeasured (this build has no TPM measurement yet)");
	pr_info("entering dommgr");
	log_flush();
	sinit_enter_dommgr(cr3, img.entry, img.vbase + ho_off,
			   img.vbase + ho_off);
}
