/*
 * Policy rollback protection in sinit (docs/policy.md "Rollback
 * protection"). After the policy verified and the TPM was started, the
 * policy version is compared with the TPM 2.0 NV counter
 * SDM_ROLLBACK_NV_INDEX, read at sinit's locality:
 *   - an older policy is refused, always (not a launch error class: the
 *     policy being refused cannot be trusted to choose its own fate);
 *   - a counter with our attributes and policy that was never
 *     incremented (defined on a real TPM, whose host cannot reach
 *     locality 3) is initialised by its first increment, then compared;
 *   - a counter sinit cannot read or trust (not defined, defined by
 *     someone else with other attributes or policy, a TPM 1.2, no
 *     usable TPM) is launch error class `rollback`: the
 *     policy's action (halt, or continue recorded as unmeasured);
 *   - a newer policy advances the counter to its version, at most
 *     SDM_ROLLBACK_MAX_STEPS increments per boot, just before sinit enters
 *     dommgr, and only if the launch had no launch error other than a
 *     static launch the policy accepted.
 * Nothing here is measured: the decision is a console line; the policy
 * blob (and so its version) is in PCR 19 already.
 */
#include <sdm/log.h>
#include <sdm/tpmdev.h>
#include "policy/policy_check.h"
#include "sinit/sinit.h"
#include "tpm/tpm2_nv.h"

SDM_STATIC_ASSERT((int)SDM_LERR_ROLLBACK == (int)SDM_POL_ERR_ROLLBACK,
		  "launch error bits index the policy's on_error");
SDM_STATIC_ASSERT(SDM_ROLLBACK_LOCALITY == 3, "sinit's locality");

static struct {
	bool checked;     /* the counter was read and the policy accepted */
	uint64_t counter; /* its value then */
	unsigned steps;   /* increments to make after a successful launch */
} rb;

/* A launch error of class rollback naming the policy version. */
#define RB_ERROR(st, fmt, ...)                                              \
	sinit_launch_error(st, SDM_LERR_ROLLBACK,                           \
			   "rollback: " fmt "; policy version %lu not checked " \
			   "against the TPM rollback counter",               \
			   ##__VA_ARGS__, (st)->policy->version)

/*
 * A counter with exactly our attributes and policy that was never
 * incremented (a real TPM: the host that defined it cannot reach locality
 * 3): its first increment gives it its first value, the highest any
 * counter on this TPM had (TPM 2.0 Part 1, "NV counters"), which the
 * policy's version is then compared with like any other.
 */
static int initialise(const struct tpmdev *d, struct sdm_err *err)
{
	uint8_t nonce[16];
	struct tpm2_nv_public pub;
	int rc;

	rc = tpm2_get_random(d->t, SDM_ROLLBACK_LOCALITY, nonce, sizeof(nonce),
			     err);
	if (rc == SDM_OK)
		rc = tpm2_nv_increment_loc3(d->t, SDM_ROLLBACK_LOCALITY,
					    SDM_ROLLBACK_NV_INDEX, nonce,
					    sizeof(nonce), err);
	if (rc == SDM_OK)
		rc = tpm2_nv_read_public(d->t, SDM_ROLLBACK_LOCALITY,
					 SDM_ROLLBACK_NV_INDEX, &pub, err);
	if (rc == SDM_OK)
		rc = sdm_rollback_check_public(&pub, err);
	if (rc == SDM_OK)
		pr_info("rollback: counter 0x%08x was never incremented: "
			"initialised (first increment at locality 3)",
			SDM_ROLLBACK_NV_INDEX);
	return rc;
}

void sinit_rollback_check(struct sinit_state *st)
{
	const struct tpmdev *d = sinit_tpm(st);
	const uint32_t idx = SDM_ROLLBACK_NV_INDEX;
	struct tpm2_nv_public pub;
	struct sdm_err err = { 0 };
	uint64_t counter = 0;
	unsigned steps = 0;
	int rc;

	if (st->policy == NULL)
		return; /* the built-in default has no version */
	if (d == NULL) {
		RB_ERROR(st, "no usable TPM");
		return;
	}
	if (d->family != SDM_TPM_FAMILY_20) {
		RB_ERROR(st, "the TPM is a 1.2 (the counter is TPM 2.0 only)");
		return;
	}
	rc = tpm2_nv_read_public(d->t, SDM_ROLLBACK_LOCALITY, idx, &pub, &err);
	if (rc > 0 && (rc & 0x80) && ((rc & 0x3f) | 0x80) == TPM20_RC_HANDLE) {
		RB_ERROR(st, "no counter at NV index 0x%08x (provision it: "
			 "sdm tpm counter define)", idx);
		return;
	}
	if (rc == SDM_OK)
		rc = sdm_rollback_check_public(&pub, &err);
	if (rc == SDM_ENOENT)
		rc = initialise(d, &err); /* ours, never incremented */
	if (rc == SDM_OK)
		rc = tpm2_nv_read_counter(d->t, SDM_ROLLBACK_LOCALITY, idx,
					  &counter, &err);
	if (rc != SDM_OK) {
		RB_ERROR(st, "%s", err.msg);
		return;
	}
	switch (sdm_policy_rollback(st->policy->version, counter, &steps,
				    &err)) {
	case SDM_ROLLBACK_REFUSE:
		/* Always: whatever the (older) policy says about errors. */
		sinit_fatal(st, "%s", err.msg);
	case SDM_ROLLBACK_CURRENT:
		pr_info("rollback: policy version %lu, TPM counter 0x%08x is "
			"%lu: accepted (current)", st->policy->version, idx,
			counter);
		break;
	case SDM_ROLLBACK_ADVANCE:
		pr_info("rollback: policy version %lu, TPM counter 0x%08x is "
			"%lu: accepted (newer); the counter advances after a "
			"successful launch", st->policy->version, idx, counter);
		break;
	}
	rb.checked = true;
	rb.counter = counter;
	rb.steps = steps;
}

void sinit_rollback_advance(struct sinit_state *st)
{
	const struct tpmdev *d = sinit_tpm(st);
	const uint32_t idx = SDM_ROLLBACK_NV_INDEX;
	uint32_t bad = st->launch_errors & ~(1u << SDM_LERR_NO_DRTM);
	struct sdm_err err = { 0 };
	uint8_t nonce[16];
	uint64_t now = 0;
	unsigned done = 0;
	int rc;

	if (!rb.checked || rb.steps == 0 || d == NULL)
		return;
	if (bad != 0 || st->launch_kind == SDM_LAUNCH_UNMEASURED) {
		pr_warn("rollback: counter NOT advanced to version %lu: the "
			"launch recorded launch errors (0x%x)",
			st->policy->version, st->launch_errors);
		return;
	}
	rc = tpm2_get_random(d->t, SDM_ROLLBACK_LOCALITY, nonce, sizeof(nonce),
			     &err);
	while (rc == SDM_OK && done < rb.steps) {
		rc = tpm2_nv_increment_loc3(d->t, SDM_ROLLBACK_LOCALITY, idx,
					    nonce, sizeof(nonce), &err);
		if (rc == SDM_OK)
			done++; /* counts only increments the TPM made */
	}
	if (rc == SDM_OK)
		rc = tpm2_nv_read_counter(d->t, SDM_ROLLBACK_LOCALITY, idx, &now,
					  &err);
	if (rc != SDM_OK) {
		pr_err("rollback: counter NOT advanced to version %lu after %u "
		       "of %u increments: %s; older policies stay accepted "
		       "until a later boot advances it",
		       st->policy->version, done, rb.steps, err.msg);
		return;
	}
	if (now != rb.counter + rb.steps) {
		pr_err("rollback: counter 0x%08x is %lu after %u increments "
		       "from %lu (expected %lu)", idx, now, rb.steps,
		       rb.counter, rb.counter + rb.steps);
		return;
	}
	if (now < st->policy->version)
		pr_warn("rollback: counter advanced from %lu to %lu (at most %u "
			"per boot); later boots take it to version %lu",
			rb.counter, now, SDM_ROLLBACK_MAX_STEPS,
			st->policy->version);
	else
		pr_info("rollback: counter advanced from %lu to %lu: policies "
			"older than version %lu are refused from now on",
			rb.counter, now, now);
}
