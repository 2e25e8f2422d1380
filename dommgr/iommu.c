/*
 * DMA isolation tables and unit programming (dommgr/iommu.h). Every
 * address that goes into an entry is checked against the widths the
 * units and the DMAR report before it is written.
 */
#include <stdio.h>
#include <string.h>
#include <sdm/cmdline.h>
#include "dommgr/iommu.h"

#define EMIT(...)                                                    \
	do {                                                         \
		char line_[256];                                     \
		snprintf(line_, sizeof(line_), __VA_ARGS__);         \
		if (log != NULL)                                     \
			log(ctx, line_);                             \
	} while (0)

void iommu_sid_str(uint16_t sid, char *out, size_t size)
{
	snprintf(out, size, "%02x:%02x.%u", VTD_SID_BUS(sid), VTD_SID_DEV(sid),
		 VTD_SID_FN(sid));
}

int iommu_requirement(const char *cmdline, size_t len, enum iommu_req *req,
		      struct sdm_err *err)
{
	char v[32];

	*req = IOMMU_REQUIRE;
	if (!cmdline_get(cmdline, len, "dma", v, sizeof(v)))
		return SDM_OK;
	if (strncmp(v, "require", sizeof(v)) == 0)
		return SDM_OK;
	if (strncmp(v, "allow-unprotected", sizeof(v)) == 0) {
		*req = IOMMU_ALLOW_NONE;
		return SDM_OK;
	}
	return sdm_err_set(err, SDM_EINVAL, "dommgr command line: dma=%s (use "
			   "dma=require or dma=allow-unprotected)", v);
}

int iommu_add_holes(const struct acpi_info *dmar, struct domain_table *t,
		    struct sdm_err *err)
{
	for (unsigned i = 0; i < dmar->ndrhd; i++) {
		const struct acpi_drhd *d = &dmar->drhd[i];
		uint64_t size = (uint64_t)PAGE_SIZE << d->size_log2, end;
		bool covered = false;

		if (!add_ok(d->base, size, &end))
			return sdm_err_set(err, SDM_ERANGE, "DMAR unit %u at 0x%lx: "
					   "%lu-byte register set wraps", i,
					   d->base, size);
		/* Registers in a domain's RAM: the table is lying. */
		for (unsigned k = 0; k < t->n && k < DOM_MAX; k++) {
			for (unsigned m = 0; m < t->d[k].nmem && m < DOM_MAX_MEM; m++) {
				const struct dom_mem *r = &t->d[k].mem[m];

				if (d->base < r->hpa + r->size && r->hpa < end)
					return sdm_err_set(err, SDM_EINVAL, "DMAR "
							   "unit %u: registers "
							   "0x%lx-0x%lx overlap "
							   "RAM of domain '%s'",
							   i, d->base, end,
							   t->d[k].name);
			}
		}
		for (unsigned h = 0; h < t->nholes; h++)
			covered |= t->holes[h].base <= d->base && end <= t->holes[h].end;
		if (covered)
			continue;
		if (t->nholes == ARRAY_SIZE(t->holes))
			return sdm_err_set(err, SDM_ENOSPC, "DMAR unit %u at 0x%lx: "
					   "no room for its register hole (%u "
					   "holes)", i, d->base, t->nholes);
		t->holes[t->nholes++] = (struct mem_range){ d->base, end };
	}
	return SDM_OK;
}

int iommu_caps_combine(struct iommu *io, struct sdm_err *err)
{
	struct iommu_caps *c = &io->caps;
	unsigned sagaw = VTD_SAGAW_39 | VTD_SAGAW_48, sllps = 3, mgaw = 64;
	unsigned haw = io->dmar->dmar_haw + 1u;

	if (io->nunits == 0)
		return sdm_err_set(err, SDM_ENOENT, "no DMAR unit");
	memset(c, 0, sizeof(*c));
	c->ndids = 1u << 16;
	c->coherent = true;
	for (unsigned i = 0; i < io->nunits; i++) {
		const struct vtd_unit *u = &io->unit[i];
		unsigned nd = 1u << (4 + 2 * VTD_CAP_ND(u->cap));

		sagaw &= VTD_CAP_SAGAW(u->cap);
		sllps &= VTD_CAP_SLLPS(u->cap);
		if (VTD_CAP_MGAW(u->cap) + 1 < mgaw)
			mgaw = VTD_CAP_MGAW(u->cap) + 1;
		if (nd < c->ndids)
			c->ndids = nd;
		c->coherent &= (u->ecap & VTD_ECAP_C) != 0;
	}
	if (sagaw & VTD_SAGAW_48)
		c->levels = 4;
	else if (sagaw & VTD_SAGAW_39)
		c->levels = 3;
	else
		return sdm_err_set(err, SDM_EINVAL, "DMAR units share neither 3- "
				   "nor 4-level tables");
	if (mgaw > 12 + 9 * c->levels)
		mgaw = 12 + 9 * c->levels;
	if (haw < 32 || haw > 52)
		return sdm_err_set(err, SDM_EINVAL, "DMAR: host address width "
				   "%u bits (32..52 expected)", haw);
	c->iova_limit = 1ull << mgaw;
	c->hpa_limit = 1ull << haw;
	c->pages_2m = sllps & 1;
	c->pages_1g = (sllps & 2) && c->pages_2m;
	return SDM_OK;
}

/* The enumerated function at seg:sid, or NULL. */
static const struct iommu_pci *pci_find(const struct iommu *io, uint16_t seg,
					uint16_t sid)
{
	for (unsigned i = 0; i < io->npci; i++) {
		if (io->pci[i].seg == seg && io->pci[i].sid == sid)
			return &io->pci[i];
	}
	return NULL;
}

/* The segment a scope belongs to: that of the structure that lists it. */
static bool scope_segment(const struct acpi_info *a, unsigned s, uint16_t *seg)
{
	for (unsigned i = 0; i < a->ndrhd; i++) {
		if (s >= a->drhd[i].first_scope &&
		    s < a->drhd[i].first_scope + a->drhd[i].nscopes) {
			*seg = a->drhd[i].segment;
			return true;
		}
	}
	for (unsigned i = 0; i < a->nrmrr; i++) {
		if (s >= a->rmrr[i].first_scope &&
		    s < a->rmrr[i].first_scope + a->rmrr[i].nscopes) {
			*seg = a->rmrr[i].segment;
			return true;
		}
	}
	for (unsigned i = 0; i < a->natsr; i++) {
		if (s >= a->atsr[i].first_scope &&
		    s < a->atsr[i].first_scope + a->atsr[i].nscopes) {
			*seg = a->atsr[i].segment;
			return true;
		}
	}
	return false;
}

void iommu_resolve_scopes(struct iommu *io)
{
	const struct acpi_info *a = io->dmar;

	for (unsigned s = 0; s < a->ndmar_scopes && s < ACPI_MAX_DMAR_SCOPES; s++) {
		const struct acpi_dmar_scope *sc = &a->dmar_scopes[s];
		struct iommu_scope *r = &io->scope[s];
		unsigned bus = sc->start_bus;
		uint16_t seg = 0;
		bool ok = sc->npath > 0 && scope_segment(a, s, &seg);

		memset(r, 0, sizeof(*r));
		/* Every hop but the last is a bridge: go to its secondary bus. */
		for (unsigned h = 0; ok && h + 1 < sc->npath; h++) {
			const struct iommu_pci *b = pci_find(
				io, seg, VTD_SID(bus, sc->path[h][0], sc->path[h][1]));

			ok = b != NULL && b->bridge;
			if (ok)
				bus = b->secondary;
		}
		if (!ok)
			continue;
		r->known = true;
		r->sid = VTD_SID(bus, sc->path[sc->npath - 1][0],
				 sc->path[sc->npath - 1][1]);
		if (sc->type == ACPI_DMAR_SCOPE_BRIDGE) {
			const struct iommu_pci *b = pci_find(io, seg, r->sid);

			if (b != NULL && b->bridge && b->secondary <= b->subordinate) {
				r->bus_range = true;
				r->first_bus = b->secondary;
				r->last_bus = b->subordinate;
			}
		}
	}
}

/* Does scope s of the DMAR name requester sid (itself or below a bridge)? */
static bool scope_has(const struct iommu *io, unsigned s, uint16_t sid)
{
	const struct iommu_scope *r = &io->scope[s];
	unsigned type = io->dmar->dmar_scopes[s].type;

	if (type != ACPI_DMAR_SCOPE_ENDPOINT && type != ACPI_DMAR_SCOPE_BRIDGE)
		return false;
	if (r->known && r->sid == sid)
		return true;
	return r->bus_range && VTD_SID_BUS(sid) >= r->first_bus &&
	       VTD_SID_BUS(sid) <= r->last_bus;
}

int iommu_unit_of(const struct iommu *io, uint16_t seg, uint16_t sid)
{
	const struct acpi_info *a = io->dmar;
	int all = -1;

	for (unsigned i = 0; i < io->nunits && i < a->ndrhd; i++) {
		const struct acpi_drhd *d = &a->drhd[i];

		if (d->segment != seg)
			continue;
		if (d->flags & ACPI_DRHD_INCLUDE_PCI_ALL) {
			all = (int)i;
			continue;
		}
		for (unsigned s = d->first_scope;
		     s < d->first_scope + d->nscopes && s < ACPI_MAX_DMAR_SCOPES; s++) {
			if (scope_has(io, s, sid))
				return (int)i;
		}
	}
	return all;
}

/* Index of the domain requester seg:sid belongs to, or -1 (no normal). */
static int owner_index(const struct domain_table *t, uint16_t seg, uint16_t sid)
{
	int normal = -1;

	for (unsigned i = 0; i < t->n && i < DOM_MAX; i++) {
		const struct domain *d = &t->d[i];

		if (d->kind == DOM_NORMAL && normal < 0)
			normal = (int)i;
		if (d->kind != DOM_PROTECTED)
			continue;
		for (unsigned k = 0; k < d->ndevs && k < DOM_MAX_DEVS; k++) {
			if (d->devs[k].seg == seg && d->devs[k].sid == sid)
				return (int)i;
		}
	}
	return normal;
}

struct domain *iommu_owner(struct domain_table *t, uint16_t seg, uint16_t sid)
{
	int i = owner_index(t, seg, sid);

	return i < 0 ? NULL : &t->d[i];
}

int iommu_check(const struct iommu *io, const struct domain_table *t,
		struct sdm_err *err)
{
	char b[12];
	bool normal = false;

	if (t->n > DOM_MAX)
		return sdm_err_set(err, SDM_EINVAL, "%u domains, more than %u",
				   t->n, DOM_MAX);
	for (unsigned i = 0; i < t->n; i++) {
		normal |= t->d[i].kind == DOM_NORMAL;
		if (iommu_did(i) >= io->caps.ndids)
			return sdm_err_set(err, SDM_ENOSPC, "domain '%s': VT-d "
					   "domain id %u, the units have %u",
					   t->d[i].name, iommu_did(i),
					   io->caps.ndids);
	}
	if (!normal)
		return sdm_err_set(err, SDM_ENOENT, "no normal domain to own the "
				   "devices");
	for (unsigned i = 0; i < io->npci; i++) {
		iommu_sid_str(io->pci[i].sid, b, sizeof(b));
		if (iommu_unit_of(io, io->pci[i].seg, io->pci[i].sid) < 0)
			return sdm_err_set(err, SDM_ENOENT, "PCI %04x:%s "
					   "[%04x:%04x] is behind no DMAR unit: "
					   "its DMA would not be translated",
					   io->pci[i].seg, b, io->pci[i].vendor,
					   io->pci[i].device);
	}
	for (unsigned i = 0; i < t->n; i++) {
		const struct domain *d = &t->d[i];

		if (d->ndevs > DOM_MAX_DEVS)
			return sdm_err_set(err, SDM_EINVAL, "domain '%s': %u "
					   "devices, more than %u", d->name,
					   d->ndevs, DOM_MAX_DEVS);
		for (unsigned k = 0; d->kind == DOM_PROTECTED && k < d->ndevs; k++) {
			const struct dom_dev *v = &d->devs[k];

			iommu_sid_str(v->sid, b, sizeof(b));
			if (owner_index(t, v->seg, v->sid) != (int)i)
				return sdm_err_set(err, SDM_EINVAL, "PCI %04x:%s "
						   "is assigned to '%s' and to "
						   "'%s'", v->seg, b,
						   t->d[owner_index(t, v->seg, v->sid)].name,
						   d->name);
			if (iommu_unit_of(io, v->seg, v->sid) < 0)
				return sdm_err_set(err, SDM_ENOENT, "domain '%s': "
						   "PCI %04x:%s is behind no "
						   "DMAR unit", d->name, v->seg, b);
		}
	}
	return SDM_OK;
}

static int alloc_page(struct iommu *io, uint64_t *pa, struct sdm_err *err)
{
	struct pt_pool *p = io->pool;

	if (p->used >= p->npages)
		return sdm_err_set(err, SDM_ENOSPC, "IOMMU table pool of %u pages "
				   "is exhausted", p->npages);
	*pa = p->base_pa + (uint64_t)p->used * PAGE_SIZE;
	p->used++;
	memset(p->table(p->ctx, *pa), 0, PAGE_SIZE);
	return SDM_OK;
}

static struct vtd_entry *entries(const struct iommu *io, uint64_t pa)
{
	return (struct vtd_entry *)(void *)io->pool->table(io->pool->ctx, pa);
}

static int check_range(const struct iommu *io, const struct domain *d,
		       uint64_t iova, uint64_t hpa, uint64_t size,
		       struct sdm_err *err)
{
	if (iova >= io->caps.iova_limit || size > io->caps.iova_limit - iova)
		return sdm_err_set(err, SDM_ERANGE, "domain '%s': 0x%lx-0x%lx is "
				   "beyond the IOMMU's address width (0x%lx)",
				   d->name, iova, iova + size, io->caps.iova_limit);
	if (hpa >= io->caps.hpa_limit || size > io->caps.hpa_limit - hpa)
		return sdm_err_set(err, SDM_ERANGE, "domain '%s': host 0x%lx-0x%lx "
				   "is beyond the DMAR host address width",
				   d->name, hpa, hpa + size);
	return SDM_OK;
}

static bool touches_hole(const struct domain_table *t, uint64_t base,
			 uint64_t end)
{
	for (unsigned i = 0; i < t->nholes; i++) {
		if (base < t->holes[i].end && t->holes[i].base < end)
			return true;
	}
	return false;
}

/* Identity-map the pages of [base, end) the table does not map yet. */
static int map_missing(struct iommu *io, struct pt *pt, uint64_t base,
		       uint64_t end, struct sdm_err *err)
{
	uint64_t pa, fl;

	for (uint64_t a = base; a < end;) {
		uint64_t run = a;

		while (run < end && !pt_walk(pt, run, &pa, &fl))
			run += PAGE_SIZE;
		if (run > a) {
			int rc = pt_map(pt, a, a, run - a, SLPT_R | SLPT_W,
					io->caps.pages_2m, err);

			if (rc != SDM_OK)
				return rc;
		}
		a = run + (run < end ? PAGE_SIZE : 0);
	}
	return SDM_OK;
}

/* The normal domain's RMRRs: identity, unless the range is a hole. */
static int map_rmrrs(struct iommu *io, const struct domain_table *t,
		     const struct domain *d, struct pt *pt, iommu_log_fn log,
		     void *ctx, struct sdm_err *err)
{
	const struct acpi_info *a = io->dmar;

	for (unsigned i = 0; i < a->nrmrr; i++) {
		const struct acpi_rmrr *r = &a->rmrr[i];
		uint64_t end = r->limit + 1;
		int rc;

		if (touches_hole(t, r->base, end)) {
			io->rmrr_refused++;
			EMIT("RMRR %u 0x%lx-0x%lx: not mapped, it overlaps memory "
			     "no device of the normal domain may reach", i,
			     r->base, end);
			continue;
		}
		rc = check_range(io, d, r->base, r->base, end - r->base, err);
		if (rc == SDM_OK)
			rc = map_missing(io, pt, r->base, end, err);
		if (rc != SDM_OK)
			return rc;
		io->rmrr_mapped++;
		for (unsigned s = r->first_scope;
		     s < r->first_scope + r->nscopes && s < ACPI_MAX_DMAR_SCOPES; s++) {
			int o;
			char b[12];

			if (!io->scope[s].known)
				continue;
			o = owner_index(t, r->segment, io->scope[s].sid);
			iommu_sid_str(io->scope[s].sid, b, sizeof(b));
			if (o >= 0 && t->d[o].kind == DOM_PROTECTED)
				EMIT("RMRR %u: %s belongs to protected domain "
				     "'%s', which does not get the RMRR", i, b,
				     t->d[o].name);
		}
	}
	return SDM_OK;
}

static int build_slpt(struct iommu *io, const struct domain_table *t,
		      unsigned i, iommu_log_fn log, void *ctx,
		      struct sdm_err *err)
{
	const struct domain *d = &t->d[i];
	struct pt *pt = &io->slpt[i];
	int rc = pt_init_vtd(pt, io->pool, io->caps.levels, err);

	pt->gib_pages = io->caps.pages_1g;
	for (unsigned k = 0; rc == SDM_OK && k < d->nmem && k < DOM_MAX_MEM; k++) {
		const struct dom_mem *m = &d->mem[k];

		rc = check_range(io, d, m->gpa, m->hpa, m->size, err);
		if (rc == SDM_OK)
			rc = pt_map(pt, m->gpa, m->hpa, m->size, SLPT_R | SLPT_W,
				    io->caps.pages_2m, err);
	}
	if (rc == SDM_OK && d->kind == DOM_NORMAL)
		rc = map_rmrrs(io, t, d, pt, log, ctx, err);
	return rc;
}

static uint64_t ctx_hi(const struct iommu *io, unsigned dom)
{
	return VTD_CTX_AW(io->caps.levels) | VTD_CTX_DID(iommu_did(dom));
}

/* Root and context tables of one segment. */
static int build_segment(struct iommu *io, const struct domain_table *t,
			 unsigned sx, unsigned normal, struct sdm_err *err)
{
	uint16_t seg = io->seg[sx];
	uint64_t dflt, root;
	struct vtd_entry *e;
	int rc = alloc_page(io, &dflt, err);

	if (rc == SDM_OK)
		rc = alloc_page(io, &root, err);
	if (rc != SDM_OK)
		return rc;
	e = entries(io, dflt);
	for (unsigned k = 0; k < VTD_ENTRIES_PER_TABLE; k++)
		e[k] = (struct vtd_entry){ io->slpt[normal].root_pa | VTD_CTX_P,
					   ctx_hi(io, normal) };
	e = entries(io, root);
	for (unsigned k = 0; k < VTD_ENTRIES_PER_TABLE; k++)
		e[k] = (struct vtd_entry){ dflt | VTD_ROOT_P, 0 };
	for (unsigned i = 0; i < t->n; i++) {
		const struct domain *d = &t->d[i];

		for (unsigned k = 0; d->kind == DOM_PROTECTED && k < d->ndevs; k++) {
			unsigned bus = VTD_SID_BUS(d->devs[k].sid);
			struct vtd_entry *re = &entries(io, root)[bus];

			if (d->devs[k].seg != seg)
				continue;
			if ((re->lo & VTD_ADDR_MASK) == dflt) {
				uint64_t priv;

				rc = alloc_page(io, &priv, err);
				if (rc != SDM_OK)
					return rc;
				memcpy(entries(io, priv), entries(io, dflt), PAGE_SIZE);
				re = &entries(io, root)[bus];
				re->lo = priv | VTD_ROOT_P;
			}
			entries(io, re->lo & VTD_ADDR_MASK)[d->devs[k].sid & 0xff] =
				(struct vtd_entry){ io->slpt[i].root_pa | VTD_CTX_P,
						    ctx_hi(io, i) };
		}
	}
	io->root_pa[sx] = root;
	return SDM_OK;
}

int iommu_build(struct iommu *io, const struct domain_table *t,
		iommu_log_fn log, void *ctx, struct sdm_err *err)
{
	int normal = -1, rc;

	io->nseg = 0;
	io->rmrr_mapped = io->rmrr_refused = 0;
	for (unsigned i = 0; i < t->n && i < DOM_MAX; i++) {
		if (t->d[i].kind == DOM_NORMAL && normal < 0)
			normal = (int)i;
		rc = build_slpt(io, t, i, log, ctx, err);
		if (rc != SDM_OK)
			return rc;
	}
	if (normal < 0)
		return sdm_err_set(err, SDM_ENOENT, "no normal domain to own the "
				   "devices");
	for (unsigned i = 0; i < io->nunits; i++) {
		uint16_t seg = io->dmar->drhd[i].segment;
		unsigned s = 0;

		while (s < io->nseg && io->seg[s] != seg)
			s++;
		if (s < io->nseg)
			continue;
		if (io->nseg == IOMMU_MAX_SEGMENTS)
			return sdm_err_set(err, SDM_ENOSPC, "DMAR units on more "
					   "than %u PCI segments",
					   IOMMU_MAX_SEGMENTS);
		io->seg[io->nseg] = seg;
		rc = build_segment(io, t, io->nseg++, (unsigned)normal, err);
		if (rc != SDM_OK)
			return rc;
	}
	return SDM_OK;
}

/* Table pages one range can need: PTs (one per 2 MiB, or the two ends
 * with 2 MiB pages), PDs (one per GiB and the ends), PDPTs likewise. */
static uint64_t range_pages(uint64_t size, bool large)
{
	return (large ? 2 : size / MIB(2) + 2) + size / GIB(1) + 2 +
	       size / GIB(512) + 2;
}

unsigned iommu_pool_pages(const struct iommu *io, const struct domain_table *t)
{
	uint64_t n = 1 + 2 * (uint64_t)io->nunits; /* QI status, rings, roots */

	for (unsigned i = 0; i < t->n && i < DOM_MAX; i++) {
		const struct domain *d = &t->d[i];

		n += 1 + 2 * (uint64_t)io->nunits; /* its root; context tables */
		for (unsigned k = 0; k < d->nmem && k < DOM_MAX_MEM; k++)
			n += range_pages(d->mem[k].size, io->caps.pages_2m);
		n += d->kind == DOM_PROTECTED ? d->ndevs : 0;
	}
	for (unsigned i = 0; i < io->dmar->nrmrr; i++)
		n += range_pages(io->dmar->rmrr[i].limit - io->dmar->rmrr[i].base + 1,
				 io->caps.pages_2m);
	return n > UINT32_MAX ? UINT32_MAX : (unsigned)n;
}

/* Make the pool visible to units that do not snoop table reads. */
static void flush_pool(const struct iommu *io, const struct vtd_unit *u)
{
	if ((u->ecap & VTD_ECAP_C) || u->io.flush == NULL)
		return;
	for (unsigned p = 0; p < io->pool->used; p++)
		u->io.flush(u->io.ctx,
			    io->pool->table(io->pool->ctx,
					    io->pool->base_pa + (uint64_t)p * PAGE_SIZE),
			    PAGE_SIZE);
}

int iommu_program(struct iommu *io, struct domain_table *t, iommu_log_fn log,
		  void *ctx, struct sdm_err *err)
{
	uint64_t status = 0;
	bool qi = false;
	int rc = SDM_OK;

	t->dma_protected = false;
	for (unsigned i = 0; i < io->nunits; i++)
		qi |= (io->unit[i].ecap & VTD_ECAP_QI) != 0;
	if (qi)
		rc = alloc_page(io, &status, err);
	if (rc != SDM_OK)
		return rc;
	io->qi_status_pa = status;
	for (unsigned i = 0; i < io->nunits; i++) {
		struct vtd_unit *u = &io->unit[i];
		uint16_t seg = io->dmar->drhd[i].segment;
		unsigned s = 0;
		bool ir = false, pmr = false, was_on;

		while (s < io->nseg && io->seg[s] != seg)
			s++;
		if (s == io->nseg)
			return sdm_err_set(err, SDM_ENOENT, "VT-d unit %u: no root "
					   "table for segment %u (not built)",
					   i, seg);
		was_on = (u->io.rd32(u->io.ctx, VTD_GSTS) & VTD_GCMD_TE) != 0;
		if (u->ecap & VTD_ECAP_QI) {
			uint64_t ring;

			rc = alloc_page(io, &ring, err);
			if (rc == SDM_OK)
				rc = vtd_qi_enable(
					u, entries(io, ring), ring,
					(volatile uint32_t *)(void *)io->pool->table(
						io->pool->ctx, status) + i,
					status + 4 * i, err);
		}
		flush_pool(io, u);
		if (rc == SDM_OK)
			rc = vtd_install_root(u, io->root_pa[s], err);
		if (rc == SDM_OK)
			rc = vtd_ir_disable(u, &ir, err);
		if (rc == SDM_OK)
			rc = vtd_pmr_disable(u, &pmr, err);
		if (rc != SDM_OK)
			return rc;
		EMIT("VT-d unit %u at 0x%lx: translation on (%s), root table "
		     "0x%lx, %u-level tables, %s invalidation%s%s", i, u->base,
		     was_on ? "was on: root table switched" : "was off",
		     io->root_pa[s], io->caps.levels,
		     u->qi_on ? "queued" : "register-based",
		     ir ? "; interrupt remapping turned off" : "",
		     pmr ? "; protected memory ranges turned off" : "");
	}
	t->dma_protected = io->nunits > 0;
	return SDM_OK;
}

unsigned iommu_poll_faults(struct iommu *io, struct domain_table *t,
			   struct vtd_fault *last, iommu_log_fn log, void *ctx)
{
	unsigned total = 0;

	for (unsigned i = 0; i < io->nunits; i++) {
		struct vtd_unit *u = &io->unit[i];
		uint16_t seg = io->dmar->drhd[i].segment;
		bool overflow = false;
		struct vtd_fault f;
		unsigned n = 0;

		while (n < IOMMU_FAULTS_PER_POLL && vtd_fault_next(u, &f, &overflow)) {
			struct domain *d = iommu_owner(t, seg, f.sid);
			char b[12];

			n++;
			if (last != NULL)
				*last = f;
			if (d != NULL)
				d->dma_faults++;
			iommu_sid_str(f.sid, b, sizeof(b));
			EMIT("DMA fault: unit %u: %04x:%s (domain '%s') %s at "
			     "0x%lx blocked: reason 0x%x, %s", i, seg, b,
			     d != NULL ? d->name : "none", f.read ? "read" : "write",
			     f.addr, f.reason, vtd_fault_reason(f.reason));
		}
		if (overflow)
			EMIT("DMA fault: unit %u: more faults than its %u recording "
			     "registers: some were dropped", i,
			     VTD_CAP_NFR(u->cap) + 1);
		total += n;
	}
	return total;
}
