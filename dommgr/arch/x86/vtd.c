/*
 * VT-d on x86 (dommgr/iommu.h): the DMAR comes from the handoff's
 * physical address, unit registers are reached through the identity
 * mapping of the low 4 GiB, table pages come from dommgr's heap, and
 * non-coherent units get CLFLUSHed tables. The logic is dommgr/iommu.c
 * and lib/vtd.c.
 */
#include <string.h>
#include <sdm/log.h>
#include "dommgr/arch/x86/pci.h"
#include "dommgr/arch/x86/vtd.h"
#include "dommgr/mm.h"

static struct acpi_info dmar; /* large: DRHDs, RMRRs, every scope */
static struct iommu io;
static struct pt_pool pool;
static bool probed;
static struct domain_table *domains;
static volatile int poll_lock;

static uint64_t *heap_page(void *ctx, uint64_t pa)
{
	return mm_va(pa);
}

static void emit(void *ctx, const char *line)
{
	pr_info("%s", line);
}

static void emit_warn(void *ctx, const char *line)
{
	pr_warn("%s", line);
}

/* The DMAR at the handoff's address, checked and parsed into dmar. */
static int load_dmar(const struct sdm_handoff *ho, struct sdm_err *err)
{
	const struct sdm_ho_platform *p = &ho->platform;
	const uint8_t *hdr = phys_map(p->dmar_pa, 36), *t;
	uint32_t len;
	int rc;

	if (hdr == NULL)
		return sdm_err_set(err, SDM_ERANGE, "DMAR at 0x%lx is not "
				   "reachable", p->dmar_pa);
	memcpy(&len, hdr + 4, 4);
	t = len >= 36 && len <= ACPI_MAX_TABLE_LEN ? phys_map(p->dmar_pa, len)
						  : NULL;
	if (t == NULL)
		return sdm_err_set(err, SDM_ERANGE, "DMAR at 0x%lx: length %u is "
				   "not reachable", p->dmar_pa, len);
	rc = acpi_table_check(t, len, "DMAR", err);
	if (rc == SDM_OK)
		rc = acpi_parse_dmar(t, len, &dmar, err);
	if (rc != SDM_OK)
		return rc;
	/* sinit protected what it saw: the same units, or nothing is sure. */
	if (dmar.ndrhd != p->ndrhd)
		return sdm_err_set(err, SDM_EINVAL, "DMAR lists %u units, sinit "
				   "saw %u", dmar.ndrhd, p->ndrhd);
	for (unsigned i = 0; i < dmar.ndrhd; i++) {
		if (dmar.drhd[i].base != p->drhd[i].base)
			return sdm_err_set(err, SDM_EINVAL, "DMAR unit %u at "
					   "0x%lx, sinit saw 0x%lx", i,
					   dmar.drhd[i].base, p->drhd[i].base);
	}
	return SDM_OK;
}

int vtd_setup_units(const struct sdm_handoff *ho, struct sdm_err *err)
{
	int rc;

	if (probed)
		return SDM_OK;
	if (ho->platform.ndrhd == 0 || ho->platform.dmar_pa == 0)
		return sdm_err_set(err, SDM_ENOENT, "no IOMMU (no DMAR table)");
	rc = load_dmar(ho, err);
	if (rc != SDM_OK)
		return rc;
	memset(&io, 0, sizeof(io));
	io.dmar = &dmar;
	for (unsigned i = 0; i < dmar.ndrhd; i++) {
		struct vtd_unit *u = &io.unit[i];
		uint64_t size = (uint64_t)PAGE_SIZE << dmar.drhd[i].size_log2;
		void *regs = phys_map(dmar.drhd[i].base, size);

		if (regs == NULL)
			return sdm_err_set(err, SDM_ERANGE, "VT-d unit %u: registers "
					   "0x%lx-0x%lx are not reachable (above "
					   "4 GiB?)", i, dmar.drhd[i].base,
					   dmar.drhd[i].base + size);
		u->io = vtd_mmio_io(regs);
		u->base = dmar.drhd[i].base;
		u->reg_size = size;
		rc = vtd_probe(u, err);
		if (rc != SDM_OK)
			return rc;
		io.nunits++;
		pr_info("VT-d unit %u at 0x%lx: version %u.%u, segment %u%s, "
			"CAP 0x%lx ECAP 0x%lx: %u fault record(s), %s%s%s", i,
			u->base, (u->ver >> 4) & 0xf, u->ver & 0xf,
			dmar.drhd[i].segment,
			(dmar.drhd[i].flags & ACPI_DRHD_INCLUDE_PCI_ALL)
				? " (INCLUDE_PCI_ALL)" : "",
			u->cap, u->ecap, VTD_CAP_NFR(u->cap) + 1,
			(u->ecap & VTD_ECAP_QI) ? "queued invalidation" :
						  "register invalidation only",
			(u->ecap & VTD_ECAP_IR) ? ", interrupt remapping" : "",
			(u->ecap & VTD_ECAP_C) ? ", coherent" : ", not coherent");
	}
	rc = iommu_caps_combine(&io, err);
	if (rc != SDM_OK)
		return rc;
	io.npci = pci_enumerate(io.pci, IOMMU_MAX_PCI);
	if (io.npci > IOMMU_MAX_PCI)
		return sdm_err_set(err, SDM_ENOSPC, "%u PCI functions, more than "
				   "%u", io.npci, IOMMU_MAX_PCI);
	iommu_resolve_scopes(&io);
	pr_info("DMAR: %u unit(s), %u RMRR(s), %u ATSR(s) (ATS stays off: "
		"context entries take untranslated requests only), %u scope(s); "
		"PCI segment 0: %u function(s)", dmar.ndrhd, dmar.nrmrr,
		dmar.natsr, dmar.ndmar_scopes, io.npci);
	probed = true;
	return SDM_OK;
}

unsigned vtd_poll(struct domain_table *t, struct vtd_fault *last)
{
	static struct domain_table none;
	unsigned n;

	if (!probed || __atomic_exchange_n(&poll_lock, 1, __ATOMIC_ACQUIRE))
		return 0;
	n = iommu_poll_faults(&io, t != NULL ? t : &none, last, emit_warn, NULL);
	__atomic_store_n(&poll_lock, 0, __ATOMIC_RELEASE);
	return n;
}

unsigned arch_dma_poll_faults(void)
{
	return vtd_poll(domains, NULL);
}

static void report_devices(struct domain_table *t)
{
	for (unsigned i = 0; i < io.npci; i++) {
		const struct iommu_pci *p = &io.pci[i];
		const struct domain *d = iommu_owner(t, p->seg, p->sid);
		char b[12];

		iommu_sid_str(p->sid, b, sizeof(b));
		pr_info("  PCI %s [%04x:%04x]%s: unit %d, domain '%s'", b,
			p->vendor, p->device, p->bridge ? " bridge" : "",
			iommu_unit_of(&io, p->seg, p->sid),
			d != NULL ? d->name : "none");
	}
	/* A device the policy gives a protected domain that is not here:
	 * its context entry is harmless, but the policy may name the wrong
	 * device (sinit does not scan PCI; sdm policy check --machine does). */
	for (unsigned i = 0; i < t->n; i++) {
		const struct domain *d = &t->d[i];

		for (unsigned k = 0; d->kind == DOM_PROTECTED && k < d->ndevs; k++) {
			bool found = false;
			char b[12];

			for (unsigned j = 0; j < io.npci && !found; j++)
				found = io.pci[j].seg == d->devs[k].seg &&
					io.pci[j].sid == d->devs[k].sid;
			if (found)
				continue;
			iommu_sid_str(d->devs[k].sid, b, sizeof(b));
			pr_warn("  PCI %04x:%s: given to domain '%s' by the policy, "
				"but not on this machine", d->devs[k].seg, b,
				d->name);
		}
	}
}

int arch_dma_protect(const struct sdm_handoff *ho, struct domain_table *t,
		     struct sdm_err *err)
{
	enum iommu_req req;
	int rc = iommu_requirement(ho->dommgr_cmdline, sizeof(ho->dommgr_cmdline),
				   &req, err);

	t->dma_protected = false;
	if (rc != SDM_OK)
		return rc;
	rc = vtd_setup_units(ho, err);
	if (rc == SDM_ENOENT) {
		if (req != IOMMU_ALLOW_NONE)
			return sdm_err_set(err, SDM_ENOENT, "no IOMMU (no DMAR "
					   "table): DMA cannot be restricted and "
					   "protection is required "
					   "(dma=allow-unprotected: emulator demos)");
		pr_warn("DMA protection: NONE, no IOMMU (no DMAR table): any "
			"device can read and write all memory, dommgr's and the "
			"protected domains' too; allowed by dma=allow-unprotected");
		return SDM_OK;
	}
	if (rc == SDM_OK)
		rc = iommu_add_holes(&dmar, t, err);
	if (rc != SDM_OK)
		return rc;
	domains = t;
	/* What devices did before these tables (blocked by sinit's). */
	if (vtd_poll(t, NULL) != 0)
		pr_info("(DMA faults above: recorded before dommgr's tables)");
	report_devices(t);
	rc = iommu_check(&io, t, err);
	if (rc != SDM_OK)
		return rc;
	if (pool.npages == 0) {
		unsigned pages = iommu_pool_pages(&io, t);
		uint64_t base = mm_alloc(pages);

		if (base == 0)
			return sdm_err_set(err, SDM_ENOMEM, "no %u heap pages for "
					   "the IOMMU tables", pages);
		pool = (struct pt_pool){ .base_pa = base, .npages = pages,
					 .table = heap_page };
	}
	pool.used = 0;
	io.pool = &pool;
	rc = iommu_build(&io, t, emit_warn, NULL, err);
	if (rc == SDM_OK)
		rc = iommu_program(&io, t, emit, NULL, err);
	if (rc != SDM_OK)
		return rc;
	pr_info("DMA protection: on: %u VT-d unit(s), %u domain(s), %u table "
		"pages, RMRRs %u mapped / %u refused; requesters no protected "
		"domain lists belong to the normal domain", io.nunits, t->n,
		pool.used, io.rmrr_mapped, io.rmrr_refused);
	return SDM_OK;
}
