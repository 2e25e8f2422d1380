/*
 * <stdlib.h> for mbedTLS in sinit/dommgr. mbedTLS includes it but, as
 * configured (crypto/mbedtls_config.h: memory through our pool, no
 * printf/exit/time), uses nothing from it beyond size_t and NULL.
 */
#ifndef SDM_CRYPTO_STDLIB_H
#define SDM_CRYPTO_STDLIB_H
#include <stddef.h>
#endif
