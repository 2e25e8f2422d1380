/*
 * The measured launch in sinit (DESIGN.md, docs/pcr-map.md):
 *   PCR 17  sinit's text and rodata: by the DRTM hash sequence at
 *           locality 4 where the platform allows it (the emulator bridge),
 *           else extended at locality 3 and recorded as a static launch;
 *   PCR 18  the policy signer's key (none until the policy lands: a fixed
 *           "no policy" string is measured and says so);
 *   PCR 19  dommgr's image, then the policy (none);
 * each with an event in the TCG log, before the measured thing runs.
 * A failure is a launch error: halt, or continue unmeasured when the
 * command line says on_launch_error=continue; either way it is recorded.
 */
#include <stdarg.h>
#include <stdio.h>
#include <string.h>
#include <sdm/log.h>
#include <sdm/tpmdev.h>
#include "crypto/crypto.h"
#include "policy/policy_format.h"
#include "sinit/sinit.h"

#define SINIT_LOC 3

static struct tpmdev tpm;
static uint8_t logbuf[KIB(64)];

static int measure(struct sinit_state *st, unsigned pcr, uint32_t type,
		   const void *data, size_t len, const char *text,
		   struct sdm_err *err);

void sinit_launch_error(struct sinit_state *st, enum sdm_launch_error e,
			const char *fmt, ...)
{
	char msg[200];
	va_list ap;
	bool halt = st->on_error == ON_ERROR_HALT;

	va_start(ap, fmt);
	vsnprintf(msg, sizeof(msg), fmt, ap);
	va_end(ap);
	st->launch_errors |= 1u << e;
	if (st->policy != NULL && (unsigned)e < (unsigned)SDM_POL_ERR_CLASSES)
		halt = st->policy->on_error[e] != SDM_POL_ACT_CONTINUE;
	if (halt)
		sinit_fatal(st, "%s (launch error action: halt)", msg);
	pr_err("launch error: %s", msg);
	if (e == SDM_LERR_NO_DRTM) {
		pr_warn("continuing with a static launch (%s); recorded",
			st->policy ? "the policy says continue"
				   : "on_launch_error=continue");
		return;
	}
	pr_warn("continuing UNMEASURED (%s); recorded in the handoff and, where "
		"possible, the event log", st->policy ? "the policy says continue"
						      : "on_launch_error=continue");
	st->launch_kind = SDM_LAUNCH_UNMEASURED;
	/*
	 * Once the TPM measures, a continued error goes into PCR 18 (with
	 * the signer: the authorities' decisions), so that secrets sealed to
	 * it and a verifier's reference tell this launch from a good one:
	 * e.g. a rollback check skipped because the counter was deleted.
	 */
	if (st->tpm_ok) {
		struct sdm_err e2 = { 0 };
		char text[240];

		snprintf(text, sizeof(text), "launch error (continued): %s", msg);
		if (measure(st, 18, EVLOG_EV_EVENT_TAG, text,
			    strnlen(text, sizeof(text)), text, &e2) != SDM_OK)
			pr_err("launch error NOT measured into PCR 18: %s",
			       e2.msg);
	}
}

const struct tpmdev *sinit_tpm(const struct sinit_state *st)
{
	return st->tpm_ok ? &tpm : NULL;
}

static int measure(struct sinit_state *st, unsigned pcr, uint32_t type,
		   const void *data, size_t len, const char *text,
		   struct sdm_err *err)
{
	struct evlog_digests dg;
	int rc;

	tpmdev_digests(&tpm, data, len, &dg);
	rc = tpmdev_extend(&tpm, SINIT_LOC, pcr, &dg, err);
	if (rc == SDM_OK)
		rc = evlog_append_text(&st->log, pcr, type, &dg, text, NULL, 0,
				       err);
	if (rc == SDM_OK)
		pr_info("measured into PCR %u: %s", pcr, text);
	return rc;
}

void sinit_measure(struct sinit_state *st, const struct mb2_module *dommgr)
{
	struct sdm_err err = { 0 };
	const uint8_t *img = (const uint8_t *)__sinit_start;
	size_t img_len = (size_t)(__sinit_ro_end - __sinit_start);
	uint16_t pm_port, algs[EVLOG_MAX_BANKS];
	bool pm32;
	char text[160];
	uint8_t h[CRYPTO_SHA256_LEN];

	st->launch_kind = SDM_LAUNCH_UNMEASURED;
	st->tpm_ok = false;
	tpmdev_pm_timer(st->acpi.fadt_pa, &pm_port, &pm32);
	if (tpmdev_open(&tpm, &st->tpm, pm_port, pm32, &err) != SDM_OK) {
		if (st->policy != NULL &&
		    !(st->policy->flags & SDM_POL_REQ_TPM)) {
			pr_warn("TPM: %s; the policy does not require one: the "
				"launch is unmeasured", err.msg);
			st->launch_errors |= 1u << SDM_LERR_NO_TPM;
			return;
		}
		sinit_launch_error(st, st->tpm.iface == SDM_TPM_IFACE_NONE &&
					 tpm.iface != SDM_TPM_IFACE_BRIDGE
				 ? SDM_LERR_NO_TPM : SDM_LERR_TPM,
			     "TPM: %s", err.msg);
		return;
	}
	st->tpm.iface = tpm.iface;
	st->tpm.family = tpm.family;
	for (unsigned i = 0; i < tpm.nbanks; i++)
		algs[i] = tpm.banks[i].alg;
	if (evlog_writer_init(&st->log, tpm.family == SDM_TPM_FAMILY_12
					      ? EVLOG_FORMAT_TPM12
					      : EVLOG_FORMAT_TPM2,
			      logbuf, sizeof(logbuf),
			      tpm.family == SDM_TPM_FAMILY_12 ? NULL : algs,
			      tpm.family == SDM_TPM_FAMILY_12 ? 0 : tpm.nbanks,
			      &err) != SDM_OK) {
		sinit_launch_error(st, SDM_LERR_TPM, "event log: %s", err.msg);
		return;
	}
	st->tpm_ok = true;
	crypto_sha256(img, img_len, h);

	/* PCR 17: the launch itself. */
	if (tpm_emu_drtm(img, img_len, &err) == SDM_OK) {
		struct evlog_digests dg;
		char hex[2 * CRYPTO_SHA256_LEN + 1];

		st->launch_kind = SDM_LAUNCH_EMULATED_DRTM;
		for (unsigned i = 0; i < sizeof(h); i++)
			snprintf(hex + 2 * i, 3, "%02x", h[i]);
		pr_info("DRTM over sinit image 0x%lx-0x%lx (%zu bytes, sha256 %s)",
			(uint64_t)(uintptr_t)img, (uint64_t)(uintptr_t)img + img_len,
			img_len, hex);
		pr_info("launch: emulated DRTM (hash sequence at locality 4 "
			"through the %s)", "emulator bridge");
		tpmdev_digests(&tpm, img, img_len, &dg);
		if (evlog_append_launch(&st->log, st->launch_kind,
					"emulated DRTM: sinit ran the locality-4 "
					"hash sequence itself", &err) != SDM_OK ||
		    evlog_append_textf(&st->log, 17, EVLOG_EV_IPL, &dg, NULL, 0,
				       &err, "sinit image (text+rodata), %zu "
				       "bytes, emulated DRTM", img_len) != SDM_OK) {
			st->tpm_ok = false;
			sinit_launch_error(st, SDM_LERR_TPM, "event log: %s", err.msg);
			return;
		}
	} else {
		st->launch_kind = SDM_LAUNCH_STATIC;
		st->launch_errors |= 1u << SDM_LERR_NO_DRTM;
		snprintf(text, sizeof(text), "sinit image (text+rodata), %zu "
			 "bytes, static launch at locality %u", img_len,
			 SINIT_LOC);
		if (evlog_append_launch(&st->log, st->launch_kind, "static: no "
					"DRTM on this platform, measured by sinit "
					"at locality 3", &err) != SDM_OK ||
		    measure(st, 17, EVLOG_EV_IPL, img, img_len, text, &err) !=
			    SDM_OK) {
			st->tpm_ok = false;
			sinit_launch_error(st, SDM_LERR_TPM, "PCR 17: %s", err.msg);
			return;
		}
		pr_info("launch: static (no DRTM here; sinit measured itself at "
			"locality %u)", SINIT_LOC);
		if (st->policy != NULL && (st->policy->flags & SDM_POL_REQ_DRTM))
			sinit_launch_error(st, SDM_LERR_NO_DRTM, "the policy requires "
					   "a DRTM launch; this one is static");
	}

	/* PCR 18: authorities. PCR 19: dommgr, then the policy. */
	static const char no_signer[] = "policy signer key: none (no policy)";
	static const char no_policy[] = "policy: none (built-in default domains)";
	const struct sdm_policy *p = st->policy;
	int rc;

	if (p != NULL) {
		snprintf(text, sizeof(text), "policy signer key, %u bytes DER "
			 "(SHA-384 %02x%02x%02x%02x...)", p->key_size,
			 p->key_sha384[0], p->key_sha384[1], p->key_sha384[2],
			 p->key_sha384[3]);
		rc = measure(st, 18, EVLOG_EV_EVENT_TAG,
			     st->policy_blob + p->key_offset, p->key_size, text,
			     &err);
	} else {
		rc = measure(st, 18, EVLOG_EV_EVENT_TAG, no_signer,
			     sizeof(no_signer) - 1, no_signer, &err);
	}
	snprintf(text, sizeof(text), "dommgr image '%s', %u bytes",
		 "dommgr", dommgr->end - dommgr->start);
	if (rc == SDM_OK)
		rc = measure(st, 19, EVLOG_EV_IPL,
			     (const void *)(uintptr_t)dommgr->start,
			     dommgr->end - dommgr->start, text, &err);
	if (rc == SDM_OK && p != NULL) {
		snprintf(text, sizeof(text), "policy version %lu, %u bytes, %u "
			 "domains", p->version, st->policy_len, p->ndomains);
		rc = measure(st, 19, EVLOG_EV_EVENT_TAG, st->policy_blob,
			     st->policy_len, text, &err);
	} else if (rc == SDM_OK) {
		rc = measure(st, 19, EVLOG_EV_EVENT_TAG, no_policy,
			     sizeof(no_policy) - 1, no_policy, &err);
	}
	if (rc != SDM_OK) {
		st->tpm_ok = false;
		sinit_launch_error(st, SDM_LERR_TPM, "%s", err.msg);
	}
}

void sinit_measure_handoff(struct sinit_state *st, struct sdm_ho_measure *m,
			   void *dst, uint64_t dst_pa, uint32_t cap)
{
	memset(m, 0, sizeof(*m));
	m->launch_errors = st->launch_errors;
	m->tpm_ok = st->tpm_ok;
	if (!st->tpm_ok || st->log.len > cap)
		return;
	memcpy(dst, st->log.buf, st->log.len);
	m->evlog_pa = dst_pa;
	m->evlog_cap = cap;
	m->evlog_len = (uint32_t)st->log.len;
	m->evlog_format = st->log.format;
	m->evlog_nevents = st->log.nevents;
	m->nbanks = st->log.nbanks;
	for (unsigned i = 0; i < st->log.nbanks && i < 4; i++) {
		m->bank_alg[i] = st->log.banks[i].alg;
		m->bank_size[i] = st->log.banks[i].size;
	}
}
