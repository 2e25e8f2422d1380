/* dommgr's measurements (PCR 20) and the event log it continues. */
#ifndef DOMMGR_MEASURE_H
#define DOMMGR_MEASURE_H
#include "dommgr/domain.h"

/* Reopen the TPM and the event log sinit handed over (no-op if unmeasured). */
int dommgr_measure_init(const struct sdm_handoff *ho, struct sdm_err *err);
/* Extend PCR 20 at locality 2 with the domain's image and configuration. */
/* Also records the image's SHA-256 and size in d (the attestation report). */
int dommgr_measure_domain(struct domain *d, const void *image,
			  size_t len, struct sdm_err *err);
/* Extend PCR 20 with a fact in words (e.g. whether DMA is restricted). */
int dommgr_measure_fact(const char *text, struct sdm_err *err);
/* Print the event log on the console (hex), for the harness and the demo. */
void dommgr_eventlog_print(void);
/* True when the launch is measured and dommgr has the TPM. */
bool dommgr_measuring(void);
/*
 * The evidence bundle (tpm/evidence.h) for a verifier's nonce and an
 * encoded domain report, quoted by the AK at locality 2 over the event
 * log as it stands. Callers serialise (dommgr/attest.c).
 */
int dommgr_measure_evidence(const uint8_t *nonce, size_t nonce_len,
			    const uint8_t *report, size_t report_len,
			    uint8_t *out, size_t cap, size_t *len,
			    struct sdm_err *err);

#endif
