/*
 * <string.h> for mbedTLS in sinit/dommgr: include/libc's, plus strlen and
 * strcmp, which bignum.c (mbedtls_mpi_read_string) and md.c
 * (mbedtls_md_info_from_string) name. They map onto the bounded functions
 * of lib/freestanding/libc.c with no bound, which is exactly their meaning.
 * mk/mbedtls.mk puts crypto/include first on the include path for
 * freestanding mbedTLS objects only.
 */
#ifndef SDM_CRYPTO_STRING_H
#define SDM_CRYPTO_STRING_H
#include_next <string.h>
#include <stdint.h>
#define strlen(s) strnlen((s), SIZE_MAX)
#define strcmp(a, b) strncmp((a), (b), SIZE_MAX)
#endif
