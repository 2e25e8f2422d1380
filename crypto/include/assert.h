/*
 * <assert.h> for mbedTLS in sinit/dommgr: mbedTLS's common.h includes it
 * for static_assert only. There is deliberately no assert(): nothing in
 * the configured modules calls it (MBEDTLS_CHECK_PARAMS is off), and a
 * later use should fail to build rather than vanish.
 */
#ifndef SDM_CRYPTO_ASSERT_H
#define SDM_CRYPTO_ASSERT_H
#define static_assert _Static_assert
#endif
