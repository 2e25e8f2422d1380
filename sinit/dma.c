/*
 * sinit's deny-by-default DMA protection (sinit/dma.h). sinit runs on an
 * identity map of the low 4 GiB, so register pages and the root table are
 * reached at their physical addresses.
 */
#include <string.h>
#include <sdm/log.h>
#include <sdm/vtd.h>
#include "sinit/dma.h"

/* 256 root entries, none present: every request faults. Never written
 * again after sinit_dma_protect (dommgr replaces it before any domain
 * runs, so the page can return to the normal domain's RAM). */
static struct vtd_entry deny_root[VTD_ENTRIES_PER_TABLE]
	__attribute__((aligned(PAGE_SIZE)));

/* Does [base, end) overlap RAM (type 1) of the boot memory map? */
static bool in_ram(const struct mb2_info *mb, uint64_t base, uint64_t end)
{
	for (unsigned i = 0; i < mb->nmmap && i < MB2_MAX_MMAP; i++) {
		const struct mb2_mmap_entry *e = &mb->mmap[i];

		if (e->type == MB2_MEM_AVAILABLE && base < e->base + e->len &&
		    e->base < end)
			return true;
	}
	return false;
}

int sinit_dma_protect(const struct acpi_info *acpi, const struct mb2_info *mb,
		      struct sinit_dma *out, struct sdm_err *err)
{
	uint64_t root = (uint64_t)(uintptr_t)deny_root;

	out->nunits = 0;
	out->root_pa = root;
	memset(deny_root, 0, sizeof(deny_root));
	if (acpi->ndrhd == 0) {
		pr_warn("DMA: no IOMMU (no DMAR table): DMA is not blocked; "
			"dommgr's rule decides whether domains may start");
		return SDM_OK;
	}
	for (unsigned i = 0; i < acpi->ndrhd; i++) {
		const struct acpi_drhd *d = &acpi->drhd[i];
		uint64_t size = (uint64_t)PAGE_SIZE << d->size_log2, end;
		struct vtd_unit u = { .base = d->base, .reg_size = size };
		bool was_on;
		int rc;

		if (!add_ok(d->base, size, &end) || end > GIB(4))
			return sdm_err_set(err, SDM_ERANGE, "VT-d unit %u: "
					   "registers 0x%lx-0x%lx are above 4 GiB, "
					   "out of sinit's reach", i, d->base,
					   d->base + size);
		if (in_ram(mb, d->base, end))
			return sdm_err_set(err, SDM_EINVAL, "VT-d unit %u: registers "
					   "0x%lx-0x%lx lie in RAM of the memory "
					   "map", i, d->base, end);
		u.io = vtd_mmio_io((void *)(uintptr_t)d->base);
		rc = vtd_probe(&u, err);
		if (rc != SDM_OK)
			return rc;
		/* A unit that does not snoop must see the zeroed table. */
		if (!(u.ecap & VTD_ECAP_C))
			vtd_clflush(NULL, deny_root, sizeof(deny_root));
		was_on = (u.io.rd32(u.io.ctx, VTD_GSTS) & VTD_GCMD_TE) != 0;
		rc = vtd_install_root(&u, root, err);
		if (rc != SDM_OK)
			return rc;
		out->nunits++;
		pr_info("DMA: VT-d unit %u at 0x%lx: translation on with an empty "
			"root table at 0x%lx: all DMA blocked%s", i, d->base, root,
			was_on ? " (firmware had translation on: its tables "
				 "replaced)" : "");
	}
	return SDM_OK;
}
