#include <string.h>
#include <sdm/cmdline.h>
#include "sinit/plan.h"

SDM_STATIC_ASSERT(sizeof(struct sdm_handoff) <= DOMMGR_HANDOFF_SIZE,
		  "handoff fits its pages");

int dommgr_plan(const struct mb2_info *mb, struct mem_range sinit,
		uint64_t mbi_pa, const struct elf64_image *img,
		struct dommgr_plan *out, struct sdm_err *err)
{
	struct mem_range storage[256], r, where;
	struct range_set free;
	int rc = SDM_OK;

	memset(out, 0, sizeof(*out));
	out->span = img->vend - img->vbase;
	out->heap_off = out->span;
	out->stack_off = out->heap_off + DOMMGR_HEAP_SIZE;
	out->handoff_off = out->stack_off + DOMMGR_STACK_SIZE;
	out->evlog_off = out->handoff_off + DOMMGR_HANDOFF_SIZE;
	out->policy_off = out->evlog_off + DOMMGR_EVLOG_SIZE;
	if (out->span > DOMMGR_MAX_SPAN ||
	    !align_up(out->policy_off + DOMMGR_POLICY_SIZE, MIB(2), &out->size))
		return sdm_err_set(err, SDM_ERANGE, "dommgr image of %lu bytes "
				   "is larger than %lu", out->span,
				   DOMMGR_MAX_SPAN);

	rs_init(&free, storage, ARRAY_SIZE(storage));
	for (unsigned i = 0; rc == SDM_OK && i < mb->nmmap; i++) {
		if (mb->mmap[i].type == MB2_MEM_AVAILABLE &&
		    mr_from_len(mb->mmap[i].base, mb->mmap[i].len, &r))
			rc = rs_add(&free, r);
	}
	/* A firmware range wins over an available one it overlaps. */
	for (unsigned i = 0; rc == SDM_OK && i < mb->nmmap; i++) {
		if (mb->mmap[i].type != MB2_MEM_AVAILABLE &&
		    mr_from_len(mb->mmap[i].base, mb->mmap[i].len, &r))
			rc = rs_remove(&free, r);
	}
	struct mem_range used[3] = {
		{ 0, MIB(1) }, /* real-mode area, BIOS, option ROMs */
		sinit,
		{ mbi_pa, mbi_pa + mb->total_size },
	};

	for (unsigned i = 0; rc == SDM_OK && i < ARRAY_SIZE(used); i++)
		rc = rs_remove(&free, used[i]);
	for (unsigned i = 0; rc == SDM_OK && i < mb->nmods; i++)
		rc = rs_remove(&free, (struct mem_range){ mb->mods[i].start,
							  mb->mods[i].end });
	if (rc != SDM_OK)
		return sdm_err_set(err, rc, "memory map: more than %u free ranges",
				   free.cap);
	if (rs_find_highest(&free, out->size, MIB(2), MIB(1), GIB(4), &where) !=
	    SDM_OK)
		return sdm_err_set(err, SDM_ENOMEM,
				   "no free memory for dommgr: %lu KiB needed, "
				   "2 MiB aligned, below 4 GiB (%lu KiB free)",
				   out->size >> 10, rs_total(&free) >> 10);
	out->base = where.base;
	return SDM_OK;
}

static const char *const kind_names[] = { "other", "dommgr", "normal",
					  "protected" };

int handoff_fill_boot(struct sdm_handoff *ho, const struct mb2_info *mb,
		      module_map_fn map, void *ctx, struct sdm_err *err)
{
	memset(ho, 0, sizeof(*ho));
	ho->magic = SDM_HANDOFF_MAGIC;
	ho->version = SDM_HANDOFF_VERSION;
	ho->size = sizeof(*ho);
	if (mb->nmmap > SDM_HO_MAX_MMAP || mb->nmods > SDM_HO_MAX_MODULES)
		return sdm_err_set(err, SDM_ENOSPC, "handoff: %u memory ranges "
				   "and %u modules exceed %u and %u", mb->nmmap,
				   mb->nmods, SDM_HO_MAX_MMAP, SDM_HO_MAX_MODULES);
	for (unsigned i = 0; i < mb->nmmap; i++) {
		ho->mmap[i].base = mb->mmap[i].base;
		ho->mmap[i].len = mb->mmap[i].len;
		ho->mmap[i].type = mb->mmap[i].type;
	}
	ho->nmmap = mb->nmmap;
	for (unsigned i = 0; i < mb->nmods; i++) {
		const struct mb2_module *m = &mb->mods[i];
		struct sdm_ho_module *hm = &ho->mods[i];

		hm->base = m->start;
		hm->size = (uint64_t)m->end - m->start;
		if (!cmdline_first_word(m->cmdline, 4096, hm->name,
					sizeof(hm->name)))
			return sdm_err_set(err, SDM_EINVAL, "module %u: name longer "
					   "than %zu bytes", i,
					   sizeof(hm->name) - 1);
		memcpy(hm->cmdline, m->cmdline,
		       strnlen(m->cmdline, sizeof(hm->cmdline) - 1));
		for (uint32_t k = 1; k < ARRAY_SIZE(kind_names); k++) {
			if (strncmp(hm->name, kind_names[k], sizeof(hm->name)) == 0)
				hm->kind = k;
		}
		if (hm->kind == SDM_MOD_DOMMGR) {
			hm->format = SDM_IMG_ELF64;
			continue;
		}
		const void *img = map(ctx, hm->base, hm->size);
		int kind = img ? mb_kernel_kind(img, hm->size) : 0;

		hm->format = kind == 2 ? SDM_IMG_MULTIBOOT2
			   : kind == 1 ? SDM_IMG_MULTIBOOT1
				       : SDM_IMG_UNKNOWN;
	}
	ho->nmods = mb->nmods;
	return SDM_OK;
}
