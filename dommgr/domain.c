#include <stdio.h>
#include <string.h>
#include <sdm/cmdline.h>
#include <sdm/mb2.h>
#include "dommgr/domain.h"
#include "policy/policy_format.h"
#include "policy/policy_verify.h"

#define TPM_LOCALITY1_PA 0xfed41000ull /* localities 1-4: dommgr's */
#define TPM_LOCALITY_END 0xfed45000ull

const char *dom_kind_name(enum dom_kind k)
{
	return k == DOM_NORMAL ? "normal" : k == DOM_PROTECTED ? "protected"
							     : "?";
}

static int ram_set(const struct sdm_handoff *ho, struct range_set *s)
{
	struct mem_range r;
	int rc = SDM_OK;

	/* RAM is whole pages: partial pages at the ends are left out. */
	for (unsigned i = 0; rc == SDM_OK && i < ho->nmmap; i++) {
		if (ho->mmap[i].type == MB2_MEM_AVAILABLE &&
		    mr_from_len(ho->mmap[i].base, ho->mmap[i].len, &r) &&
		    align_up(r.base, PAGE_SIZE, &r.base)) {
			r.end &= ~(uint64_t)(PAGE_SIZE - 1);
			if (r.end > r.base)
				rc = rs_add(s, r);
		}
	}
	/* A firmware range wins over an available one it overlaps. */
	for (unsigned i = 0; rc == SDM_OK && i < ho->nmmap; i++) {
		if (ho->mmap[i].type != MB2_MEM_AVAILABLE &&
		    mr_from_len(ho->mmap[i].base, ho->mmap[i].len, &r)) {
			r.base &= ~(uint64_t)(PAGE_SIZE - 1);
			if (!align_up(r.end, PAGE_SIZE, &r.end))
				r.end = ~(uint64_t)(PAGE_SIZE - 1);
			rc = rs_remove(s, r);
		}
	}
	return rc;
}

static int add_hole(struct domain_table *t, uint64_t base, uint64_t end)
{
	if (t->nholes >= ARRAY_SIZE(t->holes))
		return SDM_ENOSPC;
	t->holes[t->nholes++] = (struct mem_range){ base, end };
	return SDM_OK;
}

static int pick_cpu(const struct sdm_handoff *ho, uint64_t used,
		    unsigned *cpu)
{
	for (unsigned i = ho->platform.ncpus; i-- > 0;) {
		if (!(used & (1ull << i)) &&
		    ho->platform.apic_ids[i] != ho->platform.bsp_apic_id) {
			*cpu = i;
			return SDM_OK;
		}
	}
	return SDM_ENOENT;
}

/* What one protected domain asks for (built-in default or the policy). */
struct dom_req {
	const char *name;
	int module;
	uint64_t mem_size, mem_base; /* base 0: anywhere */
	uint32_t cpu_count;          /* used when ncpu_ids is 0 */
	unsigned ncpu_ids;
	const uint32_t *cpu_ids;     /* APIC IDs */
};

static int plan_cpus(const struct sdm_handoff *ho, const struct dom_req *r,
		     uint64_t *used, uint64_t *mine, struct sdm_err *err)
{
	unsigned n = r->ncpu_ids ? r->ncpu_ids : (r->cpu_count ? r->cpu_count : 1);

	for (unsigned k = 0; k < n; k++) {
		unsigned cpu = 0;

		if (r->ncpu_ids) {
			uint32_t id = r->cpu_ids[k];
			bool found = false;

			for (unsigned i = 0; i < ho->platform.ncpus; i++) {
				if (ho->platform.apic_ids[i] == id) {
					cpu = i;
					found = true;
				}
			}
			if (!found)
				return sdm_err_set(err, SDM_ENOENT, "domain '%s': "
						   "no CPU with APIC ID %u", r->name,
						   id);
			if (id == ho->platform.bsp_apic_id)
				return sdm_err_set(err, SDM_EINVAL, "domain '%s': "
						   "APIC ID %u is the boot CPU, which "
						   "stays with the normal domain",
						   r->name, id);
			if (*used & (1ull << cpu))
				return sdm_err_set(err, SDM_EINVAL, "domain '%s': "
						   "APIC ID %u is given twice",
						   r->name, id);
		} else if (pick_cpu(ho, *used, &cpu) != SDM_OK) {
			return sdm_err_set(err, SDM_ENOENT, "domain '%s': no CPU "
					   "left (%u CPUs, the boot CPU stays "
					   "with the normal domain)", r->name,
					   ho->platform.ncpus);
		}
		*used |= 1ull << cpu;
		*mine |= 1ull << cpu;
	}
	return SDM_OK;
}

static int plan_protected(const struct sdm_handoff *ho, struct domain_table *t,
			  const struct dom_req *r, uint64_t *used_cpus,
			  struct range_set *free, struct sdm_err *err)
{
	struct domain *d = &t->d[t->n];
	struct mem_range where;
	uint64_t size = r->mem_size ? r->mem_size : DOM_PROTECTED_MEM_DEFAULT;
	int rc;

	memset(d, 0, sizeof(*d));
	d->id = t->n;
	d->kind = DOM_PROTECTED;
	d->module = r->module;
	snprintf(d->name, sizeof(d->name), "%s", r->name);
	for (unsigned i = 0; i < t->n; i++) {
		if (strncmp(t->d[i].name, d->name, sizeof(d->name)) == 0)
			return sdm_err_set(err, SDM_EINVAL, "domain '%s': name "
					   "given twice", d->name);
	}
	rc = plan_cpus(ho, r, used_cpus, &d->cpus, err);
	if (rc != SDM_OK)
		return rc;
	if (r->mem_base != 0) {
		if (!mr_from_len(r->mem_base, size, &where) ||
		    !rs_covers(free, where) || where.end > GIB(4))
			return sdm_err_set(err, SDM_ENOMEM, "domain '%s': memory "
					   "0x%lx-0x%lx is not free RAM below 4 "
					   "GiB", d->name, r->mem_base,
					   r->mem_base + size);
	} else if (rs_find_highest(free, size, MIB(2), MIB(16), GIB(4),
				   &where) != SDM_OK) {
		return sdm_err_set(err, SDM_ENOMEM, "domain '%s': no %lu MiB of "
				   "free RAM below 4 GiB", d->name, size >> 20);
	}
	if (rs_remove(free, where) != SDM_OK || add_hole(t, where.base,
							 where.end) != SDM_OK)
		return sdm_err_set(err, SDM_ENOSPC, "domain '%s': too many "
				   "memory ranges", d->name);
	d->mem[0] = (struct dom_mem){ 0, where.base, mr_size(where) };
	d->nmem = 1;
	t->n++;
	return SDM_OK;
}

/* The table's holes and the RAM protected memory may come from. */
static int plan_start(const struct sdm_handoff *ho, struct domain_table *t,
		      struct range_set *free, struct range_set *ram,
		      struct sdm_err *err)
{
	int rc;

	memset(t, 0, sizeof(*t));
	if (ram_set(ho, ram) != SDM_OK || ram_set(ho, free) != SDM_OK)
		return sdm_err_set(err, SDM_ENOSPC, "memory map: too many ranges");
	/* dommgr and device registers it owns are never a domain's. */
	rc = add_hole(t, ho->dommgr_base, ho->dommgr_end);
	if (rc == SDM_OK)
		rc = add_hole(t, TPM_LOCALITY1_PA, TPM_LOCALITY_END);
	for (unsigned i = 0; rc == SDM_OK && i < ho->platform.ndrhd; i++)
		rc = add_hole(t, ho->platform.drhd[i].base,
			      ho->platform.drhd[i].base + PAGE_SIZE);
	if (rc == SDM_OK && ho->platform.lapic_base != 0)
		rc = add_hole(t, ho->platform.lapic_base,
			      ho->platform.lapic_base + PAGE_SIZE);
	if (rc != SDM_OK)
		return sdm_err_set(err, rc, "too many holes");
	/* Protected memory never comes from dommgr or a module's image. */
	rc = rs_remove(free, (struct mem_range){ ho->dommgr_base,
						 ho->dommgr_end });
	for (unsigned i = 0; rc == SDM_OK && i < ho->nmods; i++)
		rc = rs_remove(free, (struct mem_range){
			ho->mods[i].base, ho->mods[i].base + ho->mods[i].size });
	if (rc != SDM_OK)
		return sdm_err_set(err, rc, "memory map: too many ranges");
	return SDM_OK;
}

/* The normal domain: every CPU and all RAM nobody else has. */
static int plan_normal(const struct sdm_handoff *ho, struct domain_table *t,
		       const char *name, int module, uint64_t used_cpus,
		       struct range_set *ram, struct sdm_err *err)
{
	struct domain *d = &t->d[t->n];

	if (t->n >= DOM_MAX)
		return sdm_err_set(err, SDM_ENOSPC, "more than %u domains",
				   DOM_MAX);
	memset(d, 0, sizeof(*d));
	d->id = t->n;
	d->kind = DOM_NORMAL;
	d->module = module;
	snprintf(d->name, sizeof(d->name), "%s", name);
	/*
	 * The boot CPU only: dommgr does not yet virtualise INIT/SIPI for a
	 * multi-CPU normal domain, so CPUs no protected domain has stay
	 * unstarted, hidden from its MADT and out of reach of its IPIs.
	 */
	for (unsigned i = 0; i < ho->platform.ncpus; i++) {
		if (ho->platform.apic_ids[i] == ho->platform.bsp_apic_id &&
		    !(used_cpus & (1ull << i)))
			d->cpus |= 1ull << i;
	}
	if (d->cpus == 0)
		return sdm_err_set(err, SDM_EINVAL, "domain '%s': the boot CPU "
				   "is not left for it", name);
	for (unsigned i = 0; i < t->nholes; i++) {
		if (rs_remove(ram, t->holes[i]) != SDM_OK)
			return sdm_err_set(err, SDM_ENOSPC, "memory map: too "
					   "many ranges");
	}
	if (ram->n > DOM_MAX_MEM)
		return sdm_err_set(err, SDM_ENOSPC, "normal domain: %u RAM "
				   "ranges, more than %u", ram->n, DOM_MAX_MEM);
	for (unsigned i = 0; i < ram->n; i++)
		d->mem[i] = (struct dom_mem){ ram->r[i].base, ram->r[i].base,
					      mr_size(ram->r[i]) };
	d->nmem = ram->n;
	t->n++;
	return SDM_OK;
}

int domains_plan_default(const struct sdm_handoff *ho, struct domain_table *t,
			 struct sdm_err *err)
{
	struct mem_range fs[256], rs[256];
	struct range_set free, ram;
	uint64_t used_cpus = 0;
	int normal = -1, rc;

	rs_init(&free, fs, ARRAY_SIZE(fs));
	rs_init(&ram, rs, ARRAY_SIZE(rs));
	rc = plan_start(ho, t, &free, &ram, err);
	if (rc != SDM_OK)
		return rc;
	for (unsigned i = 0; i < ho->nmods; i++) {
		if (ho->mods[i].kind == SDM_MOD_NORMAL) {
			if (normal >= 0)
				return sdm_err_set(err, SDM_EINVAL, "two modules "
						   "named 'normal' (%d and %u)",
						   normal, i);
			normal = (int)i;
		} else if (ho->mods[i].kind == SDM_MOD_PROTECTED) {
			char name[DOM_NAME_MAX];
			struct dom_req r = { name, (int)i, 0, 0, 1, 0, NULL };

			if (t->n + 1 >= DOM_MAX)
				return sdm_err_set(err, SDM_ENOSPC, "more than "
						   "%u protected domains",
						   DOM_MAX - 1);
			if (!cmdline_get(ho->mods[i].cmdline,
					 sizeof(ho->mods[i].cmdline), "name",
					 name, sizeof(name)) || name[0] == '\0')
				snprintf(name, sizeof(name), "prot%u", t->n);
			rc = plan_protected(ho, t, &r, &used_cpus, &free, err);
			if (rc != SDM_OK)
				return rc;
		}
	}
	if (normal < 0)
		return sdm_err_set(err, SDM_ENOENT, "no boot module named "
				   "'normal' (the normal domain's kernel)");
	return plan_normal(ho, t, "normal", normal, used_cpus, &ram, err);
}

int domain_find_module(const struct sdm_handoff *ho, const char *name)
{
	char v[DOM_NAME_MAX];

	for (unsigned i = 0; i < ho->nmods; i++) {
		if (strncmp(ho->mods[i].name, name, sizeof(ho->mods[i].name)) == 0 ||
		    (cmdline_get(ho->mods[i].cmdline, sizeof(ho->mods[i].cmdline),
				 "name", v, sizeof(v)) &&
		     strncmp(v, name, sizeof(v)) == 0))
			return (int)i;
	}
	return -1;
}

static void pci_str(const struct sdm_pol_pci *v, char *buf, size_t len)
{
	snprintf(buf, len, "%04x:%02x:%02x.%x", v->segment, v->bus,
		 v->devfn >> 3, v->devfn & 7);
}

/*
 * A device named twice (by two domains, or twice by one) is refused, as
 * sdm_policy_check does: sinit may have gone on past that check
 * (on_error.policy_check: continue), and dommgr does not guess an owner.
 */
static int policy_devices_once(const struct sdm_policy *p, struct sdm_err *err)
{
	char b[16];

	for (unsigned i = 0; i < p->ndomains; i++) {
		const struct sdm_pol_domain *a = &p->dom[i];

		for (unsigned k = 0; k < a->ndevices && k < SDM_POL_MAX_DEVICES;
		     k++) {
			const struct sdm_pol_pci *v = &a->devices[k];

			for (unsigned j = 0; j <= i; j++) {
				const struct sdm_pol_domain *o = &p->dom[j];
				unsigned lim = j == i ? k : o->ndevices;

				for (unsigned m = 0; m < lim && m < SDM_POL_MAX_DEVICES;
				     m++) {
					const struct sdm_pol_pci *w = &o->devices[m];

					if (w->segment != v->segment ||
					    w->bus != v->bus || w->devfn != v->devfn)
						continue;
					pci_str(v, b, sizeof(b));
					if (j == i)
						return sdm_err_set(err, SDM_EINVAL,
								   "policy: domain '%s' "
								   "lists device %s twice",
								   a->name, b);
					return sdm_err_set(err, SDM_EINVAL, "policy: "
							   "device %s is given to "
							   "domain '%s' and to domain "
							   "'%s'", b, o->name, a->name);
				}
			}
		}
	}
	return SDM_OK;
}

/*
 * A protected domain's devices: each PCI function of the policy becomes a
 * requester of that domain (segment, source id bus:dev.fn), which
 * dommgr/iommu.c gives a context entry pointing at the domain's table.
 * Whether the device exists is not known here (no PCI access): arch code
 * enumerates PCI and checks each device sits behind a DMAR unit.
 */
SDM_STATIC_ASSERT(DOM_MAX_DEVS == SDM_POL_ASSIGN_MAX,
		  "the policy checker's device limit is dommgr's");

static int plan_devices(const struct sdm_pol_domain *pd, struct domain *d,
			struct sdm_err *err)
{
	if (pd->ndevices > DOM_MAX_DEVS)
		return sdm_err_set(err, SDM_ENOSPC, "policy: domain '%s': %u "
				   "devices, dommgr assigns at most %u to a "
				   "domain", pd->name, pd->ndevices,
				   DOM_MAX_DEVS);
	for (unsigned k = 0; k < pd->ndevices; k++) {
		const struct sdm_pol_pci *v = &pd->devices[k];

		d->devs[k] = (struct dom_dev){ v->segment,
					       (uint16_t)(v->bus << 8 | v->devfn) };
	}
	d->ndevs = pd->ndevices;
	return SDM_OK;
}

int domains_plan_policy(const struct sdm_handoff *ho,
			const struct sdm_policy *p, struct domain_table *t,
			struct sdm_err *err)
{
	struct mem_range fs[256], rs[256];
	struct range_set free, ram;
	uint64_t used_cpus = 0;
	int rc, normal = -1, mod[SDM_POL_MAX_DOMAINS];

	rs_init(&free, fs, ARRAY_SIZE(fs));
	rs_init(&ram, rs, ARRAY_SIZE(rs));
	rc = plan_start(ho, t, &free, &ram, err);
	if (rc != SDM_OK)
		return rc;
	if (p->ndomains > DOM_MAX)
		return sdm_err_set(err, SDM_ENOSPC, "policy: %u domains, dommgr "
				   "runs at most %u", p->ndomains, DOM_MAX);
	rc = policy_devices_once(p, err);
	if (rc != SDM_OK)
		return rc;
	for (unsigned i = 0; i < p->ndomains; i++) {
		const struct sdm_pol_domain *pd = &p->dom[i];

		mod[i] = domain_find_module(ho, pd->images[0].module);
		if (mod[i] < 0)
			return sdm_err_set(err, SDM_ENOENT, "policy: domain '%s': "
					   "no boot module '%s'", pd->name,
					   pd->images[0].module);
		if (pd->kind == SDM_POL_KIND_NORMAL) {
			normal = (int)i;
			continue;
		}
		struct dom_req r = { pd->name, mod[i], pd->mem_size, pd->mem_base,
				     pd->cpu_count, pd->ncpu_ids, pd->cpu_ids };

		rc = plan_protected(ho, t, &r, &used_cpus, &free, err);
		if (rc == SDM_OK)
			rc = plan_devices(pd, &t->d[t->n - 1], err);
		if (rc != SDM_OK)
			return rc;
	}
	if (normal < 0)
		return sdm_err_set(err, SDM_ENOENT, "policy: no normal domain");
	/* The normal domain's own list changes nothing: it owns every
	 * requester no protected domain lists (iommu.c's default context
	 * table), listed or not. */
	return plan_normal(ho, t, p->dom[normal].name, mod[normal], used_cpus,
			   &ram, err);
}

static int map_identity(struct domain *d, const struct range_set *ram,
			struct mem_range r, struct sdm_err *err)
{
	for (uint64_t cur = r.base; cur < r.end;) {
		uint64_t end = r.end, type = EPT_MT(EPT_MT_UC);

		for (unsigned i = 0; i < ram->n; i++) {
			if (cur >= ram->r[i].base && cur < ram->r[i].end) {
				end = ram->r[i].end < end ? ram->r[i].end : end;
				type = EPT_MT(EPT_MT_WB);
				break;
			}
			if (ram->r[i].base > cur && ram->r[i].base < end)
				end = ram->r[i].base;
		}
		int rc = pt_map(&d->ept, cur, cur, end - cur, EPT_RWX | type,
				true, err);

		if (rc != SDM_OK)
			return rc;
		cur = end;
	}
	return SDM_OK;
}

int domain_build_ept(struct domain *d, const struct domain_table *t,
		     const struct sdm_handoff *ho, struct sdm_err *err)
{
	bool gib = d->ept.gib_pages;
	int rc = pt_init(&d->ept, &d->ept_pool, PT_EPT, false, err);

	d->ept.gib_pages = gib;
	if (rc != SDM_OK)
		return rc;
	if (d->kind == DOM_PROTECTED) {
		for (unsigned i = 0; rc == SDM_OK && i < d->nmem; i++)
			rc = pt_map(&d->ept, d->mem[i].gpa, d->mem[i].hpa,
				    d->mem[i].size, EPT_RWX | EPT_MT(EPT_MT_WB),
				    true, err);
		return rc;
	}

	struct mem_range as[256], rs[256];
	struct range_set allowed, ram;

	rs_init(&allowed, as, ARRAY_SIZE(as));
	rs_init(&ram, rs, ARRAY_SIZE(rs));
	rc = ram_set(ho, &ram);
	if (rc == SDM_OK)
		rc = rs_add(&allowed, (struct mem_range){ 0, GIB(4) });
	for (unsigned i = 0; rc == SDM_OK && i < ram.n; i++)
		rc = rs_add(&allowed, ram.r[i]);
	for (unsigned i = 0; rc == SDM_OK && i < t->nholes; i++)
		rc = rs_remove(&allowed, t->holes[i]);
	for (unsigned i = 0; rc == SDM_OK && i < t->nremap; i++)
		rc = rs_remove(&allowed, (struct mem_range){
			t->remap[i].gpa, t->remap[i].gpa + t->remap[i].len });
	if (rc != SDM_OK)
		return sdm_err_set(err, rc, "normal domain EPT: too many ranges");
	for (unsigned i = 0; rc == SDM_OK && i < allowed.n; i++)
		rc = map_identity(d, &ram, allowed.r[i], err);
	for (unsigned i = 0; rc == SDM_OK && i < t->nremap; i++)
		rc = pt_map(&d->ept, t->remap[i].gpa, t->remap[i].hpa,
			    t->remap[i].len, EPT_RWX | EPT_MT(EPT_MT_WB), false,
			    err);
	return rc;
}

bool domain_gpa_to_hpa(const struct domain *d, uint64_t gpa, uint64_t len,
		       uint64_t *hpa)
{
	uint64_t end;

	if (!add_ok(gpa, len, &end))
		return false;
	for (unsigned i = 0; i < d->nmem; i++) {
		const struct dom_mem *m = &d->mem[i];

		if (gpa >= m->gpa && end <= m->gpa + m->size) {
			*hpa = m->hpa + (gpa - m->gpa);
			return true;
		}
	}
	return false;
}

struct domain *domain_of_cpu(struct domain_table *t, unsigned cpu)
{
	for (unsigned i = 0; i < t->n; i++) {
		if (cpu < 64 && (t->d[i].cpus & (1ull << cpu)))
			return &t->d[i];
	}
	return NULL;
}
