/*
 * Evidence for a remote verifier (docs/attestation.md, "dommgr's side"):
 * the bundle dommgr returns on SDM_HC_ATTEST, built here so that the
 * host's tests can run the very same code against swtpm.
 *
 *   1. qualifyingData = SHA-256(nonce || SHA-256(report));
 *   2. at the AK's locality: TPM2_StartAuthSession (policy, SHA-256),
 *      TPM2_PolicyLocality(1 << locality), TPM2_Quote(AK, that session,
 *      qualifyingData, inScheme NULL, sha256 PCRs 17-20); the session is
 *      flushed if the quote did not run;
 *   3. a bundle container: nonce, TPMS_ATTEST, TPMT_SIGNATURE, event log,
 *      report (tpm/attest.h), checked by parsing it back.
 *
 * Freestanding; not reentrant (one static scratch area): callers
 * serialise (dommgr holds its TPM lock).
 */
#ifndef SDM_TPM_EVIDENCE_H
#define SDM_TPM_EVIDENCE_H
#include <sdm/err.h>
#include <sdm/types.h>
#include "tpm/tpm.h"

/* Where `sdm tpm provision` puts the AK by default, and the locality its
 * policy binds it to (tools/sdm/attest_cmds.h ATT_AK_HANDLE/LOCALITY). */
#define EVIDENCE_AK_HANDLE 0x81010010u
#define EVIDENCE_AK_LOCALITY 2
#define EVIDENCE_PCR_FIRST 17
#define EVIDENCE_PCR_LAST 20

struct evidence_in {
	const uint8_t *nonce;   /* the verifier's, ATT_NONCE_MIN..MAX bytes */
	size_t nonce_len;
	const uint8_t *report;  /* an encoded domain report */
	size_t report_len;
	const uint8_t *evlog;   /* the TCG event log as measured so far */
	size_t evlog_len;
	uint32_t ak_handle;     /* persistent AK (EVIDENCE_AK_HANDLE) */
	unsigned locality;      /* the AK's policy locality; the quote's too */
	/* SHA-256 of p[0..n) (mbedTLS in dommgr, OpenSSL in tests). */
	void (*sha256)(const void *p, size_t n, uint8_t out[32]);
};

/*
 * The qualifying data for nonce and report: SHA-256(nonce ||
 * SHA-256(report)). nonce_len <= ATT_NONCE_MAX.
 */
void evidence_qualifying_data(const struct evidence_in *in, uint8_t out[32]);

/*
 * Quote and write the bundle into out[0..cap); *len its size. Errors as
 * the tpm2_* commands (> 0: the TPM's response code, e.g. a policy
 * failure at the wrong locality), or SDM_EINVAL/SDM_ENOSPC for bad input
 * or a bundle that does not fit; *err says which.
 */
int evidence_make(const struct tpm_transport *t, const struct evidence_in *in,
		  uint8_t *out, size_t cap, size_t *len, struct sdm_err *err);

#endif
