/* Remote attestation evidence on request (dommgr/attest.c). */
#ifndef DOMMGR_ATTEST_H
#define DOMMGR_ATTEST_H
#include <sdm/err.h>
#include "dommgr/domain.h"
#include "tpm/evidence.h"

/*
 * The evidence bundle for nonce (ATT_NONCE_MIN..MAX bytes) into
 * out[0..cap), *len its size; on failure out is untouched and *err says
 * why (no TPM, the TPM refused, the bundle does not fit).
 */
int dommgr_attest(const struct domain *caller, const uint8_t *nonce,
		  size_t nonce_len, void *out, size_t cap, size_t *len,
		  struct sdm_err *err);

#endif
