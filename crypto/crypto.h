/*
 * SDM's cryptography, for sinit, dommgr and host tests: SHA-1/256/384
 * digests and verification of signatures over a digest (the signed policy,
 * issue 5). Built on mbedTLS (compiled from Debian's source package by
 * mk/mbedtls.mk); this header is the only interface to it and names no
 * mbedTLS type, so callers need neither its headers nor its configuration.
 *
 * Not reentrant: one caller at a time (see crypto/mbedtls_glue.c).
 */
#ifndef SDM_CRYPTO_H
#define SDM_CRYPTO_H
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include <sdm/err.h>

#define CRYPTO_SHA1_LEN 20
#define CRYPTO_SHA256_LEN 32
#define CRYPTO_SHA384_LEN 48
#define CRYPTO_SHA512_LEN 64

/* ------------------------------------------------------------ digests */

/* Incremental use: init, update any number of times, final. */
struct crypto_sha1 {
	uint32_t h[5];
	uint64_t bytes; /* message bytes so far */
	uint8_t buf[64];
};

struct crypto_sha384 {
	uint64_t h[8];
	uint64_t bytes;
	uint8_t buf[128];
};

/*
 * SHA-256 has two implementations: mbedTLS's portable C code, and the Intel
 * SHA extensions (crypto/sha256_ni.c, which clobbers XMM registers and
 * needs CR4.OSFXSR). CRYPTO_SHA256_AUTO takes SHA-NI only if the CPU has
 * it and crypto_sha256_set_simd(true) was called.
 */
enum crypto_sha256_impl {
	CRYPTO_SHA256_AUTO = 0,
	CRYPTO_SHA256_PORTABLE,
	CRYPTO_SHA256_SHANI,
};

struct crypto_sha256 {
	uint32_t h[8];
	uint64_t bytes;
	uint8_t buf[64];
	enum crypto_sha256_impl impl; /* never AUTO once initialised */
};

void crypto_sha1_init(struct crypto_sha1 *c);
void crypto_sha1_update(struct crypto_sha1 *c, const void *data, size_t len);
void crypto_sha1_final(struct crypto_sha1 *c, uint8_t out[CRYPTO_SHA1_LEN]);
void crypto_sha1(const void *data, size_t len, uint8_t out[CRYPTO_SHA1_LEN]);

void crypto_sha256_init(struct crypto_sha256 *c);
/* SDM_ENOENT if impl is SHANI and the CPU lacks it (c then unusable). */
int crypto_sha256_init_impl(struct crypto_sha256 *c,
			    enum crypto_sha256_impl impl);
void crypto_sha256_update(struct crypto_sha256 *c, const void *data,
			  size_t len);
void crypto_sha256_final(struct crypto_sha256 *c,
			 uint8_t out[CRYPTO_SHA256_LEN]);
void crypto_sha256(const void *data, size_t len,
		   uint8_t out[CRYPTO_SHA256_LEN]);

void crypto_sha384_init(struct crypto_sha384 *c);
void crypto_sha384_update(struct crypto_sha384 *c, const void *data,
			  size_t len);
void crypto_sha384_final(struct crypto_sha384 *c,
			 uint8_t out[CRYPTO_SHA384_LEN]);
/* SHA-512 one-shot (for TPM PCR banks that use it). */
void crypto_sha512(const void *data, size_t len,
		   uint8_t out[CRYPTO_SHA512_LEN]);
void crypto_sha384(const void *data, size_t len,
		   uint8_t out[CRYPTO_SHA384_LEN]);

/*
 * Whether SSE may be used (default false). sinit calls it with true once
 * CR4.OSFXSR is set; the host tests and benchmark do too.
 */
void crypto_sha256_set_simd(bool usable);
/* What CRYPTO_SHA256_AUTO resolves to now: PORTABLE or SHANI. */
enum crypto_sha256_impl crypto_sha256_auto_impl(void);
const char *crypto_sha256_impl_name(enum crypto_sha256_impl impl);

/* ------------------------------------------------------------ signatures */

enum crypto_hash_alg {
	CRYPTO_HASH_SHA256 = 1,
	CRYPTO_HASH_SHA384 = 2,
};

enum crypto_sig_alg {
	CRYPTO_SIG_ECDSA_P384 = 1,   /* secp384r1; DER Ecdsa-Sig-Value */
	CRYPTO_SIG_ECDSA_P256 = 2,   /* secp256r1; DER Ecdsa-Sig-Value */
	CRYPTO_SIG_RSA3072_PKCS1 = 3, /* RSASSA-PKCS1-v1_5, 384-byte sig */
	CRYPTO_SIG_RSA3072_PSS = 4,  /* RSASSA-PSS, MGF1 with the same hash,
				      * any salt length, 384-byte sig */
};

/*
 * Verify sig over a message whose digest (hash_alg) is hash.
 * spki is the signer's public key as DER SubjectPublicKeyInfo, exactly
 * spki_len bytes (no trailing data); its type and size must match alg
 * (an EC key on that curve, or an RSA key of exactly 3072 bits).
 * Returns SDM_OK only for a valid signature. Otherwise, with err filled:
 *   SDM_EINVAL   bad arguments, key not parseable or not of kind alg;
 *   SDM_ECHKSUM  the signature does not verify (or is malformed);
 *   SDM_ENOMEM   the crypto pool was exhausted or is broken.
 */
int crypto_verify(enum crypto_sig_alg alg, const uint8_t *spki,
		  size_t spki_len, enum crypto_hash_alg hash_alg,
		  const uint8_t *hash, size_t hash_len, const uint8_t *sig,
		  size_t sig_len, struct sdm_err *err);

/* The default policy signature: ECDSA P-384 over SHA-384. */
int crypto_verify_ecdsa_p384(const uint8_t *spki, size_t spki_len,
			     const uint8_t hash[CRYPTO_SHA384_LEN],
			     const uint8_t *sig, size_t sig_len,
			     struct sdm_err *err);

/* The RSA option: RSA-3072 over SHA-384, PSS or PKCS#1 v1.5 as stated. */
int crypto_verify_rsa3072(const uint8_t *spki, size_t spki_len, bool pss,
			  const uint8_t hash[CRYPTO_SHA384_LEN],
			  const uint8_t *sig, size_t sig_len,
			  struct sdm_err *err);

/* ------------------------------------------------------------ memory */

/* Size of the static pool mbedTLS allocates from (crypto/mbedtls_glue.c). */
#define CRYPTO_POOL_SIZE (32u * 1024)

struct crypto_pool_stats {
	size_t size;
	size_t in_use; /* bytes, headers included; 0 between calls */
	size_t peak;
	unsigned long failures; /* allocations refused */
	bool broken;            /* a bad free was seen: all allocations fail */
};
void crypto_pool_stats(struct crypto_pool_stats *st);

#endif
