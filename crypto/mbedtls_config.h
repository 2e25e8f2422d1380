/*
 * mbedTLS 2.28 configuration for SDM (passed as -DMBEDTLS_CONFIG_FILE to
 * every mbedTLS source and to the crypto/ sources; nothing else sees it).
 *
 * Only what verifying a signed policy and hashing images needs:
 * SHA-1/256/384/512, bignum, ECP on secp384r1 and secp256r1, ECDSA, RSA with
 * PKCS#1 v1.5 and PSS (v2.1), ASN.1 and SubjectPublicKeyInfo parsing.
 * No file I/O, entropy, RNG, threading, time, printf or self tests.
 * Freestanding builds find the few libc headers mbedTLS wants and
 * include/libc lacks in crypto/include/.
 * Memory comes from the static pool in crypto/mbedtls_glue.c.
 */
#ifndef SDM_MBEDTLS_CONFIG_H
#define SDM_MBEDTLS_CONFIG_H

/* ---- system support */
#define MBEDTLS_HAVE_ASM /* x86-64 bignum multiply in general registers */
/* 128-bit division would call libgcc's __udivti3: use the portable path. */
#define MBEDTLS_NO_UDBL_DIVISION
#define MBEDTLS_DEPRECATED_REMOVED

/* ---- platform: calloc/free only, from our pool */
#define MBEDTLS_PLATFORM_C
#define MBEDTLS_PLATFORM_MEMORY
#define MBEDTLS_PLATFORM_NO_STD_FUNCTIONS
#define MBEDTLS_PLATFORM_STD_MEM_HDR "crypto/mbedtls_glue.h"
#define MBEDTLS_PLATFORM_CALLOC_MACRO sdm_crypto_calloc
#define MBEDTLS_PLATFORM_FREE_MACRO sdm_crypto_free
/* oid.c formats OIDs as text: the bounded snprintf of lib/ (or libc). */
#define MBEDTLS_PLATFORM_SNPRINTF_MACRO snprintf

/* ---- digests */
#define MBEDTLS_MD_C
#define MBEDTLS_SHA1_C
#define MBEDTLS_SHA256_C
#define MBEDTLS_SHA512_C /* SHA-384 and SHA-512 */

/* ---- public-key arithmetic */
#define MBEDTLS_BIGNUM_C
#define MBEDTLS_MPI_MAX_SIZE 512 /* bytes: RSA up to 4096 bits */
#define MBEDTLS_ECP_C
#define MBEDTLS_ECP_DP_SECP256R1_ENABLED
#define MBEDTLS_ECP_DP_SECP384R1_ENABLED
#define MBEDTLS_ECP_NIST_OPTIM
/*
 * Verification handles no secret, so the side-channel blinding that needs
 * an internal DRBG is not wanted (and there is no entropy source here).
 */
#define MBEDTLS_ECP_NO_INTERNAL_RNG
#define MBEDTLS_ECP_WINDOW_SIZE 4
#define MBEDTLS_ECP_FIXED_POINT_OPTIM 0 /* no table kept for one verify */
#define MBEDTLS_ECDSA_C
#define MBEDTLS_RSA_C
#define MBEDTLS_PKCS1_V15
#define MBEDTLS_PKCS1_V21

/* ---- encodings and keys */
#define MBEDTLS_ASN1_PARSE_C
#define MBEDTLS_ASN1_WRITE_C /* required by MBEDTLS_ECDSA_C */
#define MBEDTLS_OID_C
#define MBEDTLS_PK_C
#define MBEDTLS_PK_PARSE_C

#include "mbedtls/check_config.h"

#endif
