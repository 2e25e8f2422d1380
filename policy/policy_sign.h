/*
 * Policy keys and signatures on the host, with OpenSSL 3 (EVP): `sdm
 * keygen` and `sdm policy compile`. The signer's key is ECDSA P-384 (the
 * default) or RSA-3072; every blob made here is verified again with
 * sinit's own verifier (policy_verify.c, mbedTLS) before it is returned.
 */
#ifndef SDM_POLICY_SIGN_H
#define SDM_POLICY_SIGN_H
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include <openssl/evp.h>
#include <sdm/err.h>

#include "policy/policy_verify.h"

/*
 * Generate a key: the private key as PEM (PKCS#8, mode 0600) at pem_path,
 * the public key as DER SubjectPublicKeyInfo at pub_path. Existing files
 * are refused unless force. anchor gets SHA-384 of the public key.
 */
int policy_keygen(bool rsa3072, const char *pem_path, const char *pub_path,
		  bool force, uint8_t anchor[SDM_POL_ANCHOR_LEN],
		  struct sdm_err *err);

/* "DIR/NAME.pub.der" for "DIR/NAME.pem" (or for any other name + ".pub.der"). */
void policy_pub_path(const char *pem_path, char *out, size_t len);

/* A private key from PEM; ECDSA P-384 or RSA-3072, anything else refused. */
int policy_key_load(const char *pem_path, EVP_PKEY **key, struct sdm_err *err);

/* The DER SubjectPublicKeyInfo of key (malloc'ed). */
int policy_key_spki(EVP_PKEY *key, uint8_t **der, size_t *len,
		    struct sdm_err *err);

/* SHA-384 of a DER public key: the trust anchor. */
void policy_anchor_of(const uint8_t *spki, size_t len,
		      uint8_t anchor[SDM_POL_ANCHOR_LEN]);

/*
 * Encode p, sign it with key (ECDSA P-384; RSA-3072 with PSS, or PKCS#1
 * v1.5 if pkcs1) and verify the blob with sdm_policy_verify against the
 * key's own anchor. *blob is malloc'ed.
 */
int policy_sign(const struct sdm_policy *p, EVP_PKEY *key, bool pkcs1,
		uint8_t **blob, size_t *len, struct sdm_err *err);

#endif
