/*
 * Writing a policy blob (format: policy_format.h): the host compiler
 * (`sdm policy compile`) and the fuzzer's round trip use it. Freestanding,
 * so that one encoder serves every build; sinit does not need it.
 */
#ifndef SDM_POLICY_ENCODE_H
#define SDM_POLICY_ENCODE_H
#include "policy/policy_verify.h"

/*
 * Encode p (checked with sdm_policy_validate first) with the signer's key
 * (DER SubjectPublicKeyInfo, key_len bytes) for sig_alg into buf (cap
 * bytes): header, domains, key, and a zeroed signature field. *total gets
 * the blob's size; the caller signs bytes [0, *signed_len) and writes the
 * sdm_pol_sig_size(sig_alg)-byte signature at buf + *signed_len.
 * SDM_ENOSPC if cap is too small (*total says how much is needed).
 */
int sdm_policy_encode(const struct sdm_policy *p, const uint8_t *key,
		      size_t key_len, unsigned sig_alg, uint8_t *buf,
		      size_t cap, size_t *total, size_t *signed_len,
		      struct sdm_err *err);

#endif
