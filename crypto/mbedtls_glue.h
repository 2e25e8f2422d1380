/*
 * What mbedTLS needs from its platform, for sinit, dommgr and the host
 * tests alike: calloc and free over a static pool (crypto/mbedtls_glue.c).
 * Named in crypto/mbedtls_config.h (MBEDTLS_PLATFORM_STD_MEM_HDR and the
 * CALLOC/FREE macros); internal to crypto/.
 */
#ifndef SDM_CRYPTO_MBEDTLS_GLUE_H
#define SDM_CRYPTO_MBEDTLS_GLUE_H
#include <stddef.h>

/* Zeroed memory from the pool, or NULL (pool full or corrupted). */
void *sdm_crypto_calloc(size_t n, size_t size);
/* Scrubs and returns a block to the pool; NULL is ignored. */
void sdm_crypto_free(void *p);

#endif
