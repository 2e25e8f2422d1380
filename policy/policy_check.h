/*
 * Semantic checks of a parsed policy, as pure functions: `sdm policy
 * check` runs them before boot (against a machine description, if one is
 * given), sinit runs the same ones against the real machine (memory map,
 * CPUs from the MADT) and applies on_error[SDM_POL_ERR_CHECK] if any
 * fails. Freestanding: include/libc and crypto/crypto.h only.
 *
 * Without a machine: exactly one normal domain; no two fixed memory
 * ranges overlap; no CPU (APIC ID) and no PCI device is given twice;
 * every channel names another existing domain, and each pair of domains
 * has at most one channel. With a machine, also: every fixed memory range
 * is RAM; the domains' memory and CPUs fit (and leave some for a normal
 * domain that takes "the rest"); every listed CPU and device exists; no
 * protected domain takes the boot CPU.
 */
#ifndef SDM_POLICY_CHECK_H
#define SDM_POLICY_CHECK_H
#include "policy/policy_verify.h"

#define SDM_POL_MACHINE_MAX_RAM 128
#define SDM_POL_MACHINE_MAX_CPUS 256
#define SDM_POL_MACHINE_MAX_DEVICES 256

struct sdm_pol_ram {
	uint64_t base, size;
};

/* What a machine has (sinit: from the memory map and the MADT). */
struct sdm_pol_machine {
	unsigned nram;                          /* RAM ranges, any order */
	struct sdm_pol_ram ram[SDM_POL_MACHINE_MAX_RAM];
	unsigned ncpus;                         /* usable CPUs by APIC ID */
	uint32_t apic_ids[SDM_POL_MACHINE_MAX_CPUS];
	bool bsp_known;
	uint32_t bsp_apic_id;                   /* the boot CPU */
	bool devices_known;                     /* false: devices unchecked */
	unsigned ndevices;
	struct sdm_pol_pci devices[SDM_POL_MACHINE_MAX_DEVICES];
};

struct sdm_pol_finding {
	int code; /* SDM_E* */
	struct sdm_pol_where where;
	char msg[160];
};

#define SDM_POL_MAX_FINDINGS 32
struct sdm_pol_findings {
	unsigned n;     /* stored in f[] */
	unsigned total; /* found; more than n if f[] was full */
	struct sdm_pol_finding f[SDM_POL_MAX_FINDINGS];
};

/*
 * Run every check on p (already validated) against machine m (NULL: the
 * checks that need no machine). SDM_OK if all pass; otherwise the first
 * problem's code with its message in err, and every problem in out (may
 * be NULL).
 */
int sdm_policy_check(const struct sdm_policy *p,
		     const struct sdm_pol_machine *m,
		     struct sdm_pol_findings *out, struct sdm_err *err);

/*
 * Image images[img] of domain d against the module's bytes: both SHA-256
 * and SHA-384 must match. SDM_ECHKSUM and a message naming the domain,
 * module, digest and both values otherwise.
 */
int sdm_policy_check_image(const struct sdm_pol_domain *d, unsigned img,
			   const void *data, size_t len, struct sdm_err *err);

/*
 * Rollback protection (docs/policy.md "Rollback protection"): the policy
 * version against the TPM's rollback counter.
 *   version <  counter  SDM_ROLLBACK_REFUSE, *steps 0, err: "policy:
 *                       version 1 is older than the TPM rollback counter
 *                       (2): refused (rollback)" (code SDM_EINVAL)
 *   version == counter  SDM_ROLLBACK_CURRENT, *steps 0
 *   version >  counter  SDM_ROLLBACK_ADVANCE: after a successful launch
 *                       the counter is incremented *steps times, at most
 *                       SDM_ROLLBACK_MAX_STEPS (a larger jump takes
 *                       several boots)
 */
enum sdm_rollback_verdict {
	SDM_ROLLBACK_REFUSE,
	SDM_ROLLBACK_CURRENT,
	SDM_ROLLBACK_ADVANCE,
};
#define SDM_ROLLBACK_MAX_STEPS 64u
enum sdm_rollback_verdict sdm_policy_rollback(uint64_t version,
					      uint64_t counter,
					      unsigned *steps,
					      struct sdm_err *err);

/* Index of the domain called name, or -1. */
int sdm_policy_find_domain(const struct sdm_policy *p, const char *name);

/* "SSSS:BB:DD.F" into buf (at least 13 bytes). */
void sdm_pol_pci_format(const struct sdm_pol_pci *d, char *buf, size_t len);

#endif
