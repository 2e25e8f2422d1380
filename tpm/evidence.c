/* Evidence bundles: see tpm/evidence.h. */
#include <stdio.h>
#include <string.h>
#include "tpm/attest.h"
#include "tpm/evidence.h"
#include "tpm/tpm2.h"

/* The quote and its signature, before they go into the bundle. */
static uint8_t attest_buf[TPM20_MAX_ATTEST];
static uint8_t sig_buf[TPM20_MAX_SIGNATURE];

void evidence_qualifying_data(const struct evidence_in *in, uint8_t out[32])
{
	uint8_t cat[ATT_NONCE_MAX + 32];
	size_t n = in->nonce_len <= ATT_NONCE_MAX ? in->nonce_len : ATT_NONCE_MAX;

	memcpy(cat, in->nonce, n);
	in->sha256(in->report, in->report_len, cat + n);
	in->sha256(cat, n + 32, out);
}

int evidence_make(const struct tpm_transport *t, const struct evidence_in *in,
		  uint8_t *out, size_t cap, size_t *len, struct sdm_err *err)
{
	struct tpm2_bank sel = { .alg = TPM20_ALG_SHA256, .sizeof_select = 3 };
	uint8_t qdata[32];
	size_t alen = 0, slen = 0;
	struct att_writer w;
	struct att_bundle b;
	struct sdm_err perr = { 0 };
	uint32_t session;
	int rc;

	if (in->nonce_len < ATT_NONCE_MIN || in->nonce_len > ATT_NONCE_MAX)
		return sdm_err_set(err, SDM_EINVAL,
				   "evidence: nonce of %zu bytes, %u..%u allowed",
				   in->nonce_len, ATT_NONCE_MIN, ATT_NONCE_MAX);
	if (in->report_len == 0 || in->report_len > ATT_REPORT_MAX ||
	    in->evlog_len == 0)
		return sdm_err_set(err, SDM_EINVAL,
				   "evidence: report of %zu bytes, event log of "
				   "%zu bytes", in->report_len, in->evlog_len);
	if (in->locality > 4)
		return sdm_err_set(err, SDM_EINVAL, "evidence: locality %u",
				   in->locality);
	for (unsigned p = EVIDENCE_PCR_FIRST; p <= EVIDENCE_PCR_LAST; p++)
		sel.pcrs |= 1u << p;
	evidence_qualifying_data(in, qdata);

	/* The session's nonceCaller: fresh per request, nothing secret. */
	rc = tpm2_start_policy_session(t, in->locality, qdata,
				       TPM20_NONCE_CALLER, &session, err);
	if (rc != SDM_OK)
		return rc;
	rc = tpm2_policy_locality(t, in->locality, session,
				  (uint8_t)(1u << in->locality), err);
	if (rc == SDM_OK)
		rc = tpm2_quote(t, in->locality, in->ak_handle, session, qdata,
				sizeof(qdata), &sel, 1, attest_buf,
				sizeof(attest_buf), &alen, sig_buf,
				sizeof(sig_buf), &slen, err);
	if (rc != SDM_OK) {
		/* A failed command leaves the session loaded: flush it, and
		 * report the first failure, not the flush's. */
		struct sdm_err ferr = { 0 };

		(void)tpm2_flush_context(t, in->locality, session, &ferr);
		return rc;
	}

	att_writer_init(&w, out, cap, ATT_KIND_BUNDLE);
	att_writer_add(&w, ATT_T_BUNDLE_NONCE, in->nonce, in->nonce_len);
	att_writer_add(&w, ATT_T_BUNDLE_ATTEST, attest_buf, alen);
	att_writer_add(&w, ATT_T_BUNDLE_SIGNATURE, sig_buf, slen);
	att_writer_add(&w, ATT_T_BUNDLE_EVENTLOG, in->evlog, in->evlog_len);
	att_writer_add(&w, ATT_T_BUNDLE_REPORT, in->report, in->report_len);
	rc = att_writer_finish(&w, len, err);
	if (rc != SDM_OK)
		return rc;
	/* What the TPM returned must be what a verifier can parse. */
	if (att_bundle_parse(out, *len, &b, &perr) != SDM_OK)
		return sdm_err_set(err, perr.code, "evidence: %s", perr.msg);
	return SDM_OK;
}
