/*
 * The signed launch policy in sinit (docs/policy.md). The module named
 * "policy" is verified before any of its fields is used (policy/
 * policy_verify.c: the signer key's SHA-384 must equal the anchor built
 * into sinit, then the signature, then the fields); a policy that does not
 * verify stops the launch whatever it says. Then every domain's images are
 * checked against their digests and the policy against this machine;
 * those failures follow the policy's own action for their class.
 */
#include <string.h>
#include <sdm/arch/x86.h>
#include <sdm/cmdline.h>
#include <sdm/log.h>
#include "policy/policy_check.h"
#include "policy/policy_format.h"
#include "sinit/sinit.h"

static struct sdm_policy pol;
static struct sdm_pol_machine machine;
static struct sdm_pol_findings findings;

void sinit_policy_load(struct sinit_state *st)
{
	const struct mb2_module *m = mb2_find_module(&st->mb, "policy");
	struct sdm_err err = { 0 };

	if (m == NULL) {
		pr_warn("policy: none given (module 'policy'): built-in default "
			"domains, launch errors per on_launch_error");
		return;
	}
	st->policy_blob = (const uint8_t *)(uintptr_t)m->start;
	st->policy_len = m->end - m->start;

	uint64_t t0 = rdtsc();
	int rc = sdm_policy_verify(st->policy_blob, st->policy_len,
				   sdm_policy_trusted_anchor, &pol, &err);
	uint64_t t1 = rdtsc();

	if (rc != SDM_OK)
		sinit_fatal(st, "%s", err.msg);
	st->policy = &pol;
	/* Under Bochs the TSC advances once per instruction. */
	pr_info("policy: verification took %lu TSC ticks (%s)", t1 - t0,
		pol.sig_alg == SDM_POL_SIG_ECDSA_P384 ? "ECDSA P-384"
		: pol.sig_alg == SDM_POL_SIG_RSA3072_PSS ? "RSA-3072 PSS"
							 : "RSA-3072 PKCS#1");
	pr_info("policy: version %lu, %u domain(s), signer SHA-384 "
		"%02x%02x%02x%02x..., signature verified", pol.version,
		pol.ndomains, pol.key_sha384[0], pol.key_sha384[1],
		pol.key_sha384[2], pol.key_sha384[3]);
}

/* The module whose first word or name= is name. */
static const struct mb2_module *find_image(const struct sinit_state *st,
					   const char *name)
{
	char v[SDM_POL_NAME_MAX];

	for (unsigned i = 0; i < st->mb.nmods; i++) {
		const char *cl = st->mb.mods[i].cmdline;

		if ((cmdline_first_word(cl, 4096, v, sizeof(v)) &&
		     strncmp(v, name, sizeof(v)) == 0) ||
		    (cmdline_get(cl, 4096, "name", v, sizeof(v)) &&
		     strncmp(v, name, sizeof(v)) == 0))
			return &st->mb.mods[i];
	}
	return NULL;
}

void sinit_policy_enforce(struct sinit_state *st)
{
	struct sdm_err err = { 0 };

	if (st->policy == NULL)
		return;
	for (unsigned d = 0; d < pol.ndomains; d++) {
		const struct sdm_pol_domain *dom = &pol.dom[d];

		for (unsigned i = 0; i < dom->nimages; i++) {
			const char *name = dom->images[i].module;
			const struct mb2_module *m = find_image(st, name);

			if (m == NULL) {
				sinit_launch_error(st, SDM_LERR_IMAGE, "policy: "
						   "domain '%s': no module '%s'",
						   dom->name, name);
				continue;
			}
			if (sdm_policy_check_image(dom, i,
						   (const void *)(uintptr_t)m->start,
						   m->end - m->start, &err) != SDM_OK)
				sinit_launch_error(st, SDM_LERR_IMAGE, "policy: %s",
						   err.msg);
			else
				pr_info("policy: domain '%s' image '%s' matches "
					"its SHA-256 and SHA-384", dom->name, name);
		}
	}

	memset(&machine, 0, sizeof(machine));
	for (unsigned i = 0; i < st->mb.nmmap &&
			     machine.nram < SDM_POL_MACHINE_MAX_RAM; i++) {
		if (st->mb.mmap[i].type == MB2_MEM_AVAILABLE)
			machine.ram[machine.nram++] = (struct sdm_pol_ram){
				st->mb.mmap[i].base, st->mb.mmap[i].len };
	}
	for (unsigned i = 0; i < st->platform.ncpus &&
			     machine.ncpus < SDM_POL_MACHINE_MAX_CPUS; i++)
		machine.apic_ids[machine.ncpus++] = st->platform.apic_ids[i];
	machine.bsp_known = true;
	machine.bsp_apic_id = st->platform.bsp_apic_id;
	if (sdm_policy_check(&pol, &machine, &findings, &err) != SDM_OK)
		sinit_launch_error(st, SDM_LERR_CHECK, "policy: %s", err.msg);
	else
		pr_info("policy: fits this machine (%u RAM ranges, %u CPUs)",
			machine.nram, machine.ncpus);
}
