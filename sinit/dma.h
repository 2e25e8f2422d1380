/*
 * DMA blocked before sinit measures anything (docs/dma-protection.md):
 * every VT-d unit of the DMAR translates with an empty root table, so
 * every DMA request faults (root entry not present) until dommgr installs
 * its per-domain tables. The switch from this table to dommgr's keeps
 * translation on, so no DMA passes between the two.
 */
#ifndef SINIT_DMA_H
#define SINIT_DMA_H
#include <sdm/acpi.h>
#include <sdm/mb2.h>

struct sinit_dma {
	unsigned nunits;  /* units now blocking all DMA (0: no IOMMU) */
	uint64_t root_pa; /* the empty root table (in sinit's image) */
};

/*
 * For each DRHD of acpi: probe the unit and install the empty root table
 * with translation on (lib/vtd.c, vtd_install_root). No DRHD: nothing is
 * blocked, out->nunits = 0 and SDM_OK (dommgr's rule decides later). A
 * register set above 4 GiB or inside RAM of mb's memory map (a DMAR that
 * would have sinit write into memory), a unit that does not answer or
 * does not take the table is an error (the caller halts: measuring with
 * DMA open is not what the launch claims).
 */
int sinit_dma_protect(const struct acpi_info *acpi, const struct mb2_info *mb,
		      struct sinit_dma *out, struct sdm_err *err);

#endif
