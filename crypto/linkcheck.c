/*
 * Link check only (make crypto-linkcheck): an entry point that reaches
 * every function of crypto/crypto.h, linked with the freestanding crypto
 * objects, lib/freestanding and lib/err.c and nothing else, so that any
 * libc or libgcc symbol mbedTLS still wanted would fail the link. Never run.
 */
#include <stddef.h>
#include <stdint.h>

#include "crypto/crypto.h"

void linkcheck_entry(void);

void linkcheck_entry(void)
{
	static const uint8_t msg[3] = { 'a', 'b', 'c' };
	uint8_t d1[CRYPTO_SHA1_LEN], d256[CRYPTO_SHA256_LEN];
	uint8_t d384[CRYPTO_SHA384_LEN];
	struct crypto_pool_stats st;
	struct sdm_err err;

	crypto_sha256_set_simd(crypto_sha256_auto_impl() ==
			       CRYPTO_SHA256_SHANI);
	crypto_sha1(msg, sizeof(msg), d1);
	crypto_sha256(msg, sizeof(msg), d256);
	crypto_sha384(msg, sizeof(msg), d384);
	(void)crypto_verify_ecdsa_p384(msg, sizeof(msg), d384, d1, sizeof(d1),
				       &err);
	(void)crypto_verify_rsa3072(msg, sizeof(msg), true, d384, d256,
				    sizeof(d256), &err);
	(void)crypto_verify(CRYPTO_SIG_ECDSA_P256, msg, sizeof(msg),
			    CRYPTO_HASH_SHA256, d256, sizeof(d256), d1,
			    sizeof(d1), &err);
	crypto_pool_stats(&st);
	for (;;)
		__asm__ volatile("hlt");
}
