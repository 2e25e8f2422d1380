/*
 * SHA-256 compression with the Intel SHA extensions (crypto/sha256_ni.c).
 * Internal to crypto/: callers use crypto/crypto.h.
 */
#ifndef SDM_CRYPTO_SHA256_NI_H
#define SDM_CRYPTO_SHA256_NI_H
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/* CPUID reports SHA, SSSE3 and SSE4.1 (all used by sha256_ni_blocks). */
bool sha256_ni_cpu_has(void);

/*
 * Run the SHA-256 compression function over nblocks 64-byte blocks at data
 * (any alignment), updating state h[0..7] (A..H, FIPS 180-4 6.2.2).
 * Only when sha256_ni_cpu_has() and SSE is enabled (see sha256_ni.c).
 */
void sha256_ni_blocks(uint32_t h[8], const uint8_t *data, size_t nblocks);

#endif
