/* Semantic policy checks (policy_check.h). Freestanding. */
#include <stdarg.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include "crypto/crypto.h"
#include "policy/policy_check.h"

struct ctx {
	const struct sdm_policy *p;
	struct sdm_pol_findings *out;
	struct sdm_err *err;
	int first; /* code of the first problem, SDM_OK until one */
};

static void report(struct ctx *c, int code, int dom, unsigned field,
		   unsigned item, const char *fmt, ...)
	__attribute__((format(printf, 6, 7)));
static void report(struct ctx *c, int code, int dom, unsigned field,
		   unsigned item, const char *fmt, ...)
{
	struct sdm_pol_finding *f = NULL;
	va_list ap;

	if (c->out != NULL) {
		if (c->out->n < SDM_POL_MAX_FINDINGS)
			f = &c->out->f[c->out->n++];
		c->out->total++;
	}
	if (f != NULL) {
		f->code = code;
		f->where.dom = dom;
		f->where.field = field;
		f->where.item = item;
		va_start(ap, fmt);
		vsnprintf(f->msg, sizeof(f->msg), fmt, ap);
		va_end(ap);
	}
	if (c->first == SDM_OK) {
		c->first = code;
		if (c->err != NULL) {
			c->err->code = code;
			va_start(ap, fmt);
			vsnprintf(c->err->msg, sizeof(c->err->msg), fmt, ap);
			va_end(ap);
		}
	}
}

void sdm_pol_pci_format(const struct sdm_pol_pci *d, char *buf, size_t len)
{
	snprintf(buf, len, "%04x:%02x:%02x.%u", d->segment, d->bus,
		 d->devfn >> 3, d->devfn & 7u);
}

int sdm_policy_find_domain(const struct sdm_policy *p, const char *name)
{
	for (unsigned i = 0; i < p->ndomains && i < SDM_POL_MAX_DOMAINS; i++)
		if (strncmp(p->dom[i].name, name, SDM_POL_NAME_MAX) == 0)
			return (int)i;
	return -1;
}

/* A size in the largest unit that divides it: "16 MiB", "4100 KiB". */
static void size_text(uint64_t v, char *buf, size_t len)
{
	if (v != 0 && v % GIB(1) == 0)
		snprintf(buf, len, "%llu GiB", (unsigned long long)(v >> 30));
	else if (v != 0 && v % MIB(1) == 0)
		snprintf(buf, len, "%llu MiB", (unsigned long long)(v >> 20));
	else if (v % KIB(1) == 0)
		snprintf(buf, len, "%llu KiB", (unsigned long long)(v >> 10));
	else
		snprintf(buf, len, "%llu bytes", (unsigned long long)v);
}

/* ---------------------------------------------------------------- no machine */

static void check_normal(struct ctx *c)
{
	const struct sdm_policy *p = c->p;
	int first = -1;

	for (unsigned i = 0; i < p->ndomains; i++) {
		if (p->dom[i].kind != SDM_POL_KIND_NORMAL)
			continue;
		if (first >= 0)
			report(c, SDM_EINVAL, (int)i, SDM_POL_F_KIND, 0,
			       "policy: domains '%s' and '%s' are both normal (there is one normal domain)",
			       p->dom[first].name, p->dom[i].name);
		else
			first = (int)i;
	}
	if (first < 0)
		report(c, SDM_ENOENT, -1, SDM_POL_F_DOMAINS, 0,
		       "policy: no normal domain (one domain must have kind normal)");
}

static void check_memory_overlap(struct ctx *c)
{
	const struct sdm_policy *p = c->p;

	for (unsigned i = 0; i < p->ndomains; i++) {
		const struct sdm_pol_domain *a = &p->dom[i];

		if (a->mem_base == 0)
			continue;
		for (unsigned j = 0; j < i; j++) {
			const struct sdm_pol_domain *b = &p->dom[j];

			if (b->mem_base == 0 ||
			    a->mem_base >= b->mem_base + b->mem_size ||
			    b->mem_base >= a->mem_base + a->mem_size)
				continue;
			report(c, SDM_EOVERLAP, (int)i, SDM_POL_F_MEMORY, 0,
			       "policy: memory of domain '%s' [0x%llx-0x%llx] overlaps domain '%s' [0x%llx-0x%llx]",
			       a->name, (unsigned long long)a->mem_base,
			       (unsigned long long)(a->mem_base + a->mem_size - 1),
			       b->name, (unsigned long long)b->mem_base,
			       (unsigned long long)(b->mem_base + b->mem_size - 1));
		}
	}
}

static void check_cpus_twice(struct ctx *c)
{
	const struct sdm_policy *p = c->p;

	for (unsigned i = 0; i < p->ndomains; i++) {
		const struct sdm_pol_domain *a = &p->dom[i];

		for (unsigned k = 0; k < a->ncpu_ids; k++) {
			uint32_t id = a->cpu_ids[k];
			bool dup = false;

			/* Against every earlier entry: domains before i, then
			 * a's own entries before k. Reported once, first pair. */
			for (unsigned j = 0; j <= i && !dup; j++) {
				const struct sdm_pol_domain *b = &p->dom[j];
				unsigned lim = j == i ? k : b->ncpu_ids;

				for (unsigned m = 0; m < lim && !dup; m++) {
					if (b->cpu_ids[m] != id)
						continue;
					dup = true;
					if (j == i)
						report(c, SDM_EINVAL, (int)i,
						       SDM_POL_F_CPUS, k,
						       "policy: domain '%s' lists CPU (APIC ID) %u twice",
						       a->name, id);
					else
						report(c, SDM_EINVAL, (int)i,
						       SDM_POL_F_CPUS, k,
						       "policy: CPU (APIC ID) %u is given to domain '%s' and to domain '%s'",
						       id, b->name, a->name);
				}
			}
		}
	}
}

static bool same_pci(const struct sdm_pol_pci *a, const struct sdm_pol_pci *b)
{
	return a->segment == b->segment && a->bus == b->bus &&
	       a->devfn == b->devfn;
}

static void check_devices_twice(struct ctx *c)
{
	const struct sdm_policy *p = c->p;
	char bdf[16];

	for (unsigned i = 0; i < p->ndomains; i++) {
		const struct sdm_pol_domain *a = &p->dom[i];

		for (unsigned k = 0; k < a->ndevices; k++) {
			bool dup = false;

			for (unsigned j = 0; j <= i && !dup; j++) {
				const struct sdm_pol_domain *b = &p->dom[j];
				unsigned lim = j == i ? k : b->ndevices;

				for (unsigned m = 0; m < lim && !dup; m++) {
					if (!same_pci(&b->devices[m],
						      &a->devices[k]))
						continue;
					dup = true;
					sdm_pol_pci_format(&a->devices[k], bdf,
							   sizeof(bdf));
					if (j == i)
						report(c, SDM_EINVAL, (int)i,
						       SDM_POL_F_DEVICE, k,
						       "policy: domain '%s' lists device %s twice",
						       a->name, bdf);
					else
						report(c, SDM_EINVAL, (int)i,
						       SDM_POL_F_DEVICE, k,
						       "policy: device %s is given to domain '%s' and to domain '%s'",
						       bdf, b->name, a->name);
				}
			}
		}
	}
}

/*
 * More devices than dommgr can assign: caught here, where sinit checks the
 * policy before it advances the rollback counter, not only in dommgr
 * (which would then refuse a policy the counter already moved to).
 */
static void check_devices_count(struct ctx *c)
{
	const struct sdm_policy *p = c->p;

	for (unsigned i = 0; i < p->ndomains; i++) {
		const struct sdm_pol_domain *a = &p->dom[i];

		if (a->ndevices > SDM_POL_ASSIGN_MAX)
			report(c, SDM_EINVAL, (int)i, SDM_POL_F_DEVICE,
			       SDM_POL_ASSIGN_MAX,
			       "policy: domain '%s' lists %u devices, dommgr "
			       "assigns at most %u to a domain", a->name,
			       a->ndevices, SDM_POL_ASSIGN_MAX);
	}
}

static void check_channels(struct ctx *c)
{
	const struct sdm_policy *p = c->p;

	for (unsigned i = 0; i < p->ndomains; i++) {
		const struct sdm_pol_domain *a = &p->dom[i];

		for (unsigned k = 0; k < a->nchannels; k++) {
			const char *peer = a->channels[k].peer;
			int j = sdm_policy_find_domain(p, peer);
			bool dup = false;

			if (j < 0) {
				report(c, SDM_ENOENT, (int)i, SDM_POL_F_CHANNEL,
				       k,
				       "policy: domain '%s': channel to unknown domain '%s'",
				       a->name, peer);
				continue;
			}
			if ((unsigned)j == i) {
				report(c, SDM_EINVAL, (int)i, SDM_POL_F_CHANNEL,
				       k, "policy: domain '%s': channel to itself",
				       a->name);
				continue;
			}
			/* The same pair earlier: in a (before k), or in any
			 * earlier domain b naming a (or a naming b). */
			for (unsigned m = 0; m < k && !dup; m++)
				dup = strncmp(a->channels[m].peer, peer,
					      SDM_POL_NAME_MAX) == 0;
			for (unsigned m = 0; (unsigned)j < i && !dup &&
					     m < p->dom[j].nchannels; m++)
				dup = strncmp(p->dom[j].channels[m].peer,
					      a->name, SDM_POL_NAME_MAX) == 0;
			if (dup)
				report(c, SDM_EINVAL, (int)i, SDM_POL_F_CHANNEL,
				       k,
				       "policy: channel between '%s' and '%s' is declared twice",
				       a->name, peer);
		}
	}
}

/* ---------------------------------------------------------------- machine */

/* The machine's RAM range holding addr, or NULL. */
static const struct sdm_pol_ram *ram_at(const struct sdm_pol_machine *m,
					uint64_t addr)
{
	for (unsigned r = 0; r < m->nram && r < SDM_POL_MACHINE_MAX_RAM; r++)
		if (addr >= m->ram[r].base &&
		    addr - m->ram[r].base < m->ram[r].size)
			return &m->ram[r];
	return NULL;
}

static void check_machine_memory(struct ctx *c, const struct sdm_pol_machine *m)
{
	const struct sdm_policy *p = c->p;
	uint64_t have = 0, need = 0;
	int rest = -1;
	char a[24], b[24];

	for (unsigned r = 0; r < m->nram && r < SDM_POL_MACHINE_MAX_RAM; r++)
		if (!add_ok(have, m->ram[r].size, &have))
			have = UINT64_MAX;
	for (unsigned i = 0; i < p->ndomains; i++) {
		const struct sdm_pol_domain *d = &p->dom[i];
		uint64_t pos = d->mem_base, end = d->mem_base + d->mem_size;

		need += d->mem_size;
		if (d->mem_size == 0)
			rest = (int)i;
		if (d->mem_base == 0)
			continue;
		/* Covered by RAM ranges, possibly several adjacent ones. */
		while (pos < end) {
			const struct sdm_pol_ram *r = ram_at(m, pos);

			if (r == NULL) {
				report(c, SDM_ERANGE, (int)i, SDM_POL_F_MEMORY,
				       0,
				       "policy: memory of domain '%s' [0x%llx-0x%llx] is not all RAM on the machine (0x%llx is not)",
				       d->name, (unsigned long long)d->mem_base,
				       (unsigned long long)(end - 1),
				       (unsigned long long)pos);
				break;
			}
			if (!add_ok(r->base, r->size, &pos))
				break; /* RAM up to the top */
		}
	}
	size_text(need, a, sizeof(a));
	size_text(have, b, sizeof(b));
	if (need > have)
		report(c, SDM_ENOMEM, -1, SDM_POL_F_DOMAINS, 0,
		       "policy: the domains need %s of RAM, the machine has %s",
		       a, b);
	else if (rest >= 0 && need == have)
		report(c, SDM_ENOMEM, rest, SDM_POL_F_MEMORY, 0,
		       "policy: no RAM is left for domain '%s' (the others take all %s)",
		       p->dom[rest].name, b);
}

static void check_machine_cpus(struct ctx *c, const struct sdm_pol_machine *m)
{
	const struct sdm_policy *p = c->p;
	unsigned ncpus = m->ncpus < SDM_POL_MACHINE_MAX_CPUS
				 ? m->ncpus : SDM_POL_MACHINE_MAX_CPUS;
	uint64_t need = 0;
	int rest = -1;

	for (unsigned i = 0; i < p->ndomains; i++) {
		const struct sdm_pol_domain *d = &p->dom[i];

		need += d->cpu_count;
		if (d->cpu_count == 0)
			rest = (int)i;
		for (unsigned k = 0; k < d->ncpu_ids; k++) {
			uint32_t id = d->cpu_ids[k];
			bool found = false;

			for (unsigned x = 0; x < ncpus && !found; x++)
				found = m->apic_ids[x] == id;
			if (!found)
				report(c, SDM_ENOENT, (int)i, SDM_POL_F_CPUS, k,
				       "policy: domain '%s': CPU (APIC ID) %u is not on the machine",
				       d->name, id);
			else if (m->bsp_known && id == m->bsp_apic_id &&
				 d->kind == SDM_POL_KIND_PROTECTED)
				report(c, SDM_EINVAL, (int)i, SDM_POL_F_CPUS, k,
				       "policy: domain '%s': takes the boot CPU (APIC ID %u), which runs the normal domain",
				       d->name, id);
		}
	}
	if (need > ncpus)
		report(c, SDM_ENOSPC, -1, SDM_POL_F_DOMAINS, 0,
		       "policy: the domains need %llu CPUs, the machine has %u",
		       (unsigned long long)need, ncpus);
	else if (rest >= 0 && need == ncpus)
		report(c, SDM_ENOSPC, rest, SDM_POL_F_CPUS, 0,
		       "policy: no CPU is left for domain '%s' (the others take all %u)",
		       p->dom[rest].name, ncpus);
}

static void check_machine_devices(struct ctx *c,
				  const struct sdm_pol_machine *m)
{
	const struct sdm_policy *p = c->p;
	unsigned n = m->ndevices < SDM_POL_MACHINE_MAX_DEVICES
			     ? m->ndevices : SDM_POL_MACHINE_MAX_DEVICES;
	char bdf[16];

	if (!m->devices_known)
		return;
	for (unsigned i = 0; i < p->ndomains; i++) {
		const struct sdm_pol_domain *d = &p->dom[i];

		for (unsigned k = 0; k < d->ndevices; k++) {
			bool found = false;

			for (unsigned x = 0; x < n && !found; x++)
				found = same_pci(&m->devices[x], &d->devices[k]);
			if (found)
				continue;
			sdm_pol_pci_format(&d->devices[k], bdf, sizeof(bdf));
			report(c, SDM_ENOENT, (int)i, SDM_POL_F_DEVICE, k,
			       "policy: domain '%s': device %s is not on the machine",
			       d->name, bdf);
		}
	}
}

int sdm_policy_check(const struct sdm_policy *p,
		     const struct sdm_pol_machine *m,
		     struct sdm_pol_findings *out, struct sdm_err *err)
{
	struct ctx c = { p, out, err, SDM_OK };

	if (out != NULL) {
		out->n = 0;
		out->total = 0;
	}
	check_normal(&c);
	check_memory_overlap(&c);
	check_cpus_twice(&c);
	check_devices_twice(&c);
	check_devices_count(&c);
	check_channels(&c);
	if (m != NULL) {
		check_machine_memory(&c, m);
		check_machine_cpus(&c, m);
		check_machine_devices(&c, m);
	}
	return c.first;
}

/* ---------------------------------------------------------------- images */

static void hex8(const uint8_t *d, char out[20])
{
	static const char hx[] = "0123456789abcdef";

	for (int i = 0; i < 8; i++) {
		out[2 * i] = hx[d[i] >> 4];
		out[2 * i + 1] = hx[d[i] & 15];
	}
	memcpy(out + 16, "...", 4);
}

int sdm_policy_check_image(const struct sdm_pol_domain *d, unsigned img,
			   const void *data, size_t len, struct sdm_err *err)
{
	uint8_t h256[CRYPTO_SHA256_LEN], h384[CRYPTO_SHA384_LEN];
	const struct sdm_pol_image *im;
	const char *alg = NULL;
	const uint8_t *got = NULL, *want = NULL;
	char g[20], w[20];

	if (img >= d->nimages || img >= SDM_POL_MAX_IMAGES)
		return sdm_err_set(err, SDM_EINVAL,
				   "policy: domain '%.31s' has no image %u",
				   d->name, img);
	im = &d->images[img];
	crypto_sha384(data, len, h384);
	crypto_sha256(data, len, h256);
	if (memcmp(h384, im->sha384, sizeof(h384)) != 0) {
		alg = "SHA-384";
		got = h384;
		want = im->sha384;
	} else if (memcmp(h256, im->sha256, sizeof(h256)) != 0) {
		alg = "SHA-256";
		got = h256;
		want = im->sha256;
	}
	if (alg == NULL)
		return SDM_OK;
	hex8(got, g);
	hex8(want, w);
	return sdm_err_set(err, SDM_ECHKSUM,
			   "policy: domain '%.31s' image '%.31s': %s %s, the policy says %s",
			   d->name, im->module, alg, g, w);
}

enum sdm_rollback_verdict sdm_policy_rollback(uint64_t version,
					      uint64_t counter,
					      unsigned *steps,
					      struct sdm_err *err)
{
	*steps = 0;
	if (version < counter) {
		sdm_err_set(err, SDM_EINVAL,
			    "policy: version %llu is older than the TPM "
			    "rollback counter (%llu): refused (rollback)",
			    (unsigned long long)version,
			    (unsigned long long)counter);
		return SDM_ROLLBACK_REFUSE;
	}
	if (version == counter)
		return SDM_ROLLBACK_CURRENT;
	*steps = version - counter > SDM_ROLLBACK_MAX_STEPS
			 ? SDM_ROLLBACK_MAX_STEPS
			 : (unsigned)(version - counter);
	return SDM_ROLLBACK_ADVANCE;
}
