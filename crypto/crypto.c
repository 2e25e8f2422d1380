/*
 * crypto/crypto.h over mbedTLS 2.28.
 *
 * Digests: mbedTLS supplies the initial values and the compression
 * functions (mbedtls_internal_sha*_process, which cannot fail); the
 * buffering and padding (FIPS 180-4 5.1) are here, once for all three, so
 * that SHA-256 runs the same code around either the portable compression or
 * SHA-NI (crypto/sha256_ni.c).
 *
 * Signatures: the key is parsed as exactly one DER SubjectPublicKeyInfo and
 * must be of the kind the caller asked for before anything is verified.
 */
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include "mbedtls/ecp.h"
#include "mbedtls/md.h"
#include "mbedtls/pk.h"
#include "mbedtls/platform_util.h"
#include "mbedtls/rsa.h"
#include "mbedtls/sha1.h"
#include "mbedtls/sha256.h"
#include "mbedtls/sha512.h"

#include "crypto/crypto.h"
#include "crypto/sha256_ni.h"

/* ------------------------------------------------------------ buffering */

/* Runs the compression function over n whole blocks at p. */
typedef void blocks_fn(void *h, const uint8_t *p, size_t n);

static void put_be32(uint8_t *p, uint32_t v)
{
	p[0] = (uint8_t)(v >> 24);
	p[1] = (uint8_t)(v >> 16);
	p[2] = (uint8_t)(v >> 8);
	p[3] = (uint8_t)v;
}

static void put_be64(uint8_t *p, uint64_t v)
{
	put_be32(p, (uint32_t)(v >> 32));
	put_be32(p + 4, (uint32_t)v);
}

/* Whole blocks go straight from data to fn; only partial ones are copied. */
static void md_update(void *h, uint8_t *buf, size_t bsize, uint64_t *bytes,
		      blocks_fn *fn, const uint8_t *p, size_t len)
{
	size_t fill = (size_t)(*bytes % bsize);

	if (len == 0)
		return;
	*bytes += len;
	if (fill != 0) {
		size_t take = bsize - fill < len ? bsize - fill : len;

		memcpy(buf + fill, p, take);
		p += take;
		len -= take;
		if (fill + take < bsize)
			return;
		fn(h, buf, 1);
	}
	if (len >= bsize) {
		fn(h, p, len / bsize);
		p += len - len % bsize;
		len %= bsize;
	}
	memcpy(buf, p, len);
}

/*
 * FIPS 180-4 5.1.1/5.1.2: a 1 bit, zeros, and the message length in bits
 * as a big-endian number in the last 8 (64-byte blocks) or 16 bytes.
 */
static void md_final(void *h, uint8_t *buf, size_t bsize, uint64_t bytes,
		     blocks_fn *fn)
{
	size_t lenbytes = bsize == 128 ? 16 : 8;
	size_t fill = (size_t)(bytes % bsize);

	buf[fill++] = 0x80;
	if (fill > bsize - lenbytes) {
		memset(buf + fill, 0, bsize - fill);
		fn(h, buf, 1);
		fill = 0;
	}
	memset(buf + fill, 0, bsize - fill);
	if (lenbytes == 16)
		put_be64(buf + bsize - 16, bytes >> 61);
	put_be64(buf + bsize - 8, bytes << 3);
	fn(h, buf, 1);
}

/* ------------------------------------------------------------ SHA-1 */

static void sha1_blocks(void *h, const uint8_t *p, size_t n)
{
	uint32_t *s = h;
	mbedtls_sha1_context m;

	mbedtls_sha1_init(&m);
	memcpy(m.state, s, sizeof(m.state));
	for (; n > 0; n--, p += 64)
		(void)mbedtls_internal_sha1_process(&m, p);
	memcpy(s, m.state, sizeof(m.state));
	mbedtls_sha1_free(&m);
}

void crypto_sha1_init(struct crypto_sha1 *c)
{
	mbedtls_sha1_context m;

	_Static_assert(sizeof(m.state) == sizeof(c->h), "SHA-1 state");
	mbedtls_sha1_init(&m);
	(void)mbedtls_sha1_starts_ret(&m);
	memcpy(c->h, m.state, sizeof(c->h));
	mbedtls_sha1_free(&m);
	c->bytes = 0;
}

void crypto_sha1_update(struct crypto_sha1 *c, const void *data, size_t len)
{
	md_update(c->h, c->buf, 64, &c->bytes, sha1_blocks, data, len);
}

void crypto_sha1_final(struct crypto_sha1 *c, uint8_t out[CRYPTO_SHA1_LEN])
{
	md_final(c->h, c->buf, 64, c->bytes, sha1_blocks);
	for (size_t i = 0; i < 5; i++)
		put_be32(out + 4 * i, c->h[i]);
	mbedtls_platform_zeroize(c, sizeof(*c));
}

void crypto_sha1(const void *data, size_t len, uint8_t out[CRYPTO_SHA1_LEN])
{
	struct crypto_sha1 c;

	crypto_sha1_init(&c);
	crypto_sha1_update(&c, data, len);
	crypto_sha1_final(&c, out);
}

/* ------------------------------------------------------------ SHA-256 */

static bool simd_usable;
static int cpu_has_ni = -1; /* unknown until first asked */

static bool shani_present(void)
{
	if (cpu_has_ni < 0)
		cpu_has_ni = sha256_ni_cpu_has();
	return cpu_has_ni == 1;
}

void crypto_sha256_set_simd(bool usable)
{
	simd_usable = usable;
}

enum crypto_sha256_impl crypto_sha256_auto_impl(void)
{
	return simd_usable && shani_present() ? CRYPTO_SHA256_SHANI
					      : CRYPTO_SHA256_PORTABLE;
}

const char *crypto_sha256_impl_name(enum crypto_sha256_impl impl)
{
	switch (impl) {
	case CRYPTO_SHA256_AUTO: return "auto";
	case CRYPTO_SHA256_PORTABLE: return "portable (mbedTLS C)";
	case CRYPTO_SHA256_SHANI: return "SHA-NI";
	}
	return "?";
}

static void sha256_portable(void *h, const uint8_t *p, size_t n)
{
	uint32_t *s = h;
	mbedtls_sha256_context m;

	mbedtls_sha256_init(&m);
	memcpy(m.state, s, sizeof(m.state));
	for (; n > 0; n--, p += 64)
		(void)mbedtls_internal_sha256_process(&m, p);
	memcpy(s, m.state, sizeof(m.state));
	mbedtls_sha256_free(&m);
}

static void sha256_shani(void *h, const uint8_t *p, size_t n)
{
	sha256_ni_blocks(h, p, n);
}

static blocks_fn *sha256_fn(const struct crypto_sha256 *c)
{
	return c->impl == CRYPTO_SHA256_SHANI ? sha256_shani : sha256_portable;
}

int crypto_sha256_init_impl(struct crypto_sha256 *c,
			    enum crypto_sha256_impl impl)
{
	mbedtls_sha256_context m;

	_Static_assert(sizeof(m.state) == sizeof(c->h), "SHA-256 state");
	if (impl == CRYPTO_SHA256_AUTO)
		impl = crypto_sha256_auto_impl();
	if (impl != CRYPTO_SHA256_PORTABLE &&
	    (impl != CRYPTO_SHA256_SHANI || !shani_present())) {
		c->impl = CRYPTO_SHA256_AUTO; /* unusable */
		return SDM_ENOENT;
	}
	mbedtls_sha256_init(&m);
	(void)mbedtls_sha256_starts_ret(&m, 0);
	memcpy(c->h, m.state, sizeof(c->h));
	mbedtls_sha256_free(&m);
	c->bytes = 0;
	c->impl = impl;
	return SDM_OK;
}

void crypto_sha256_init(struct crypto_sha256 *c)
{
	/* AUTO always resolves to an implementation that is present. */
	(void)crypto_sha256_init_impl(c, CRYPTO_SHA256_AUTO);
}

void crypto_sha256_update(struct crypto_sha256 *c, const void *data,
			  size_t len)
{
	md_update(c->h, c->buf, 64, &c->bytes, sha256_fn(c), data, len);
}

void crypto_sha256_final(struct crypto_sha256 *c,
			 uint8_t out[CRYPTO_SHA256_LEN])
{
	md_final(c->h, c->buf, 64, c->bytes, sha256_fn(c));
	for (size_t i = 0; i < 8; i++)
		put_be32(out + 4 * i, c->h[i]);
	mbedtls_platform_zeroize(c, sizeof(*c));
}

void crypto_sha256(const void *data, size_t len,
		   uint8_t out[CRYPTO_SHA256_LEN])
{
	struct crypto_sha256 c;

	crypto_sha256_init(&c);
	crypto_sha256_update(&c, data, len);
	crypto_sha256_final(&c, out);
}

/* ------------------------------------------------------------ SHA-384 */

static void sha512_blocks(void *h, const uint8_t *p, size_t n)
{
	uint64_t *s = h;
	mbedtls_sha512_context m;

	mbedtls_sha512_init(&m);
	memcpy(m.state, s, sizeof(m.state));
	for (; n > 0; n--, p += 128)
		(void)mbedtls_internal_sha512_process(&m, p);
	memcpy(s, m.state, sizeof(m.state));
	mbedtls_sha512_free(&m);
}

void crypto_sha384_init(struct crypto_sha384 *c)
{
	mbedtls_sha512_context m;

	_Static_assert(sizeof(m.state) == sizeof(c->h), "SHA-512 state");
	mbedtls_sha512_init(&m);
	(void)mbedtls_sha512_starts_ret(&m, 1);
	memcpy(c->h, m.state, sizeof(c->h));
	mbedtls_sha512_free(&m);
	c->bytes = 0;
}

void crypto_sha384_update(struct crypto_sha384 *c, const void *data,
			  size_t len)
{
	md_update(c->h, c->buf, 128, &c->bytes, sha512_blocks, data, len);
}

void crypto_sha384_final(struct crypto_sha384 *c,
			 uint8_t out[CRYPTO_SHA384_LEN])
{
	md_final(c->h, c->buf, 128, c->bytes, sha512_blocks);
	for (size_t i = 0; i < 6; i++)
		put_be64(out + 8 * i, c->h[i]);
	mbedtls_platform_zeroize(c, sizeof(*c));
}

void crypto_sha384(const void *data, size_t len,
		   uint8_t out[CRYPTO_SHA384_LEN])
{
	struct crypto_sha384 c;

	crypto_sha384_init(&c);
	crypto_sha384_update(&c, data, len);
	crypto_sha384_final(&c, out);
}

void crypto_sha512(const void *data, size_t len,
		   uint8_t out[CRYPTO_SHA512_LEN])
{
	struct crypto_sha384 c; /* the same state; SHA-512's initial value */
	mbedtls_sha512_context m;

	mbedtls_sha512_init(&m);
	(void)mbedtls_sha512_starts_ret(&m, 0);
	memcpy(c.h, m.state, sizeof(c.h));
	mbedtls_sha512_free(&m);
	c.bytes = 0;
	crypto_sha384_update(&c, data, len);
	md_final(c.h, c.buf, 128, c.bytes, sha512_blocks);
	for (size_t i = 0; i < 8; i++)
		put_be64(out + 8 * i, c.h[i]);
	mbedtls_platform_zeroize(&c, sizeof(c));
}

/* ------------------------------------------------------------ signatures */

static const char *sig_name(enum crypto_sig_alg alg)
{
	switch (alg) {
	case CRYPTO_SIG_ECDSA_P384: return "ECDSA P-384";
	case CRYPTO_SIG_ECDSA_P256: return "ECDSA P-256";
	case CRYPTO_SIG_RSA3072_PKCS1: return "RSA-3072 PKCS#1 v1.5";
	case CRYPTO_SIG_RSA3072_PSS: return "RSA-3072 PSS";
	}
	return NULL;
}

/* The key in pk must be what alg needs. */
static int check_key(enum crypto_sig_alg alg, mbedtls_pk_context *pk,
		     struct sdm_err *err)
{
	mbedtls_pk_type_t type = mbedtls_pk_get_type(pk);
	size_t bits = mbedtls_pk_get_bitlen(pk);

	if (alg == CRYPTO_SIG_ECDSA_P384 || alg == CRYPTO_SIG_ECDSA_P256) {
		mbedtls_ecp_group_id want = alg == CRYPTO_SIG_ECDSA_P384
						    ? MBEDTLS_ECP_DP_SECP384R1
						    : MBEDTLS_ECP_DP_SECP256R1;

		if (type != MBEDTLS_PK_ECKEY ||
		    mbedtls_pk_ec(*pk)->grp.id != want)
			goto wrong;
		return SDM_OK;
	}
	if (type != MBEDTLS_PK_RSA || bits != 3072)
		goto wrong;
	return SDM_OK;
wrong:
	return sdm_err_set(err, SDM_EINVAL,
			   "signature: key is %s-%zu, not one for %s",
			   type == MBEDTLS_PK_RSA ? "RSA" : "EC", bits,
			   sig_name(alg));
}

int crypto_verify(enum crypto_sig_alg alg, const uint8_t *spki,
		  size_t spki_len, enum crypto_hash_alg hash_alg,
		  const uint8_t *hash, size_t hash_len, const uint8_t *sig,
		  size_t sig_len, struct sdm_err *err)
{
	/* mbedTLS takes a non-const cursor but only reads through it. */
	unsigned char *p = (unsigned char *)(uintptr_t)spki;
	const unsigned char *end = spki + spki_len;
	struct crypto_pool_stats before, after;
	mbedtls_pk_context pk;
	mbedtls_md_type_t md;
	size_t md_len;
	int ret, rc;

	if (sig_name(alg) == NULL)
		return sdm_err_set(err, SDM_EINVAL,
				   "signature: unknown algorithm %d", (int)alg);
	if (hash_alg == CRYPTO_HASH_SHA256) {
		md = MBEDTLS_MD_SHA256;
		md_len = CRYPTO_SHA256_LEN;
	} else if (hash_alg == CRYPTO_HASH_SHA384) {
		md = MBEDTLS_MD_SHA384;
		md_len = CRYPTO_SHA384_LEN;
	} else {
		return sdm_err_set(err, SDM_EINVAL,
				   "signature: unknown digest %d",
				   (int)hash_alg);
	}
	if (spki == NULL || hash == NULL || sig == NULL)
		return sdm_err_set(err, SDM_EINVAL, "signature: no %s",
				   spki == NULL   ? "key"
				   : hash == NULL ? "digest"
						  : "signature");
	if (hash_len != md_len)
		return sdm_err_set(err, SDM_EINVAL,
				   "signature: digest is %zu bytes, not %zu",
				   hash_len, md_len);

	crypto_pool_stats(&before);
	mbedtls_pk_init(&pk);
	ret = mbedtls_pk_parse_subpubkey(&p, end, &pk);
	if (ret != 0 || p != end) {
		rc = sdm_err_set(err, SDM_EINVAL,
				 "signature: key is not one DER SubjectPublicKeyInfo (mbedTLS -0x%04x)",
				 (unsigned)-ret);
		goto out;
	}
	rc = check_key(alg, &pk, err);
	if (rc != SDM_OK)
		goto out;

	if (alg == CRYPTO_SIG_RSA3072_PSS) {
		mbedtls_pk_rsassa_pss_options opt = {
			.mgf1_hash_id = md,
			.expected_salt_len = MBEDTLS_RSA_SALT_LEN_ANY,
		};

		ret = mbedtls_pk_verify_ext(MBEDTLS_PK_RSASSA_PSS, &opt, &pk,
					    md, hash, hash_len, sig, sig_len);
	} else {
		ret = mbedtls_pk_verify(&pk, md, hash, hash_len, sig, sig_len);
	}
	if (ret != 0)
		rc = sdm_err_set(err, SDM_ECHKSUM,
				 "signature: %s does not verify (mbedTLS -0x%04x)",
				 sig_name(alg), (unsigned)-ret);
out:
	mbedtls_pk_free(&pk);
	/* Whatever failed, a refused allocation is the real cause. */
	crypto_pool_stats(&after);
	if (rc != SDM_OK && after.failures != before.failures)
		rc = sdm_err_set(err, SDM_ENOMEM,
				 "signature: crypto pool exhausted%s",
				 after.broken ? " (pool corrupted)" : "");
	return rc;
}

int crypto_verify_ecdsa_p384(const uint8_t *spki, size_t spki_len,
			     const uint8_t hash[CRYPTO_SHA384_LEN],
			     const uint8_t *sig, size_t sig_len,
			     struct sdm_err *err)
{
	return crypto_verify(CRYPTO_SIG_ECDSA_P384, spki, spki_len,
			     CRYPTO_HASH_SHA384, hash, CRYPTO_SHA384_LEN, sig,
			     sig_len, err);
}

int crypto_verify_rsa3072(const uint8_t *spki, size_t spki_len, bool pss,
			  const uint8_t hash[CRYPTO_SHA384_LEN],
			  const uint8_t *sig, size_t sig_len,
			  struct sdm_err *err)
{
	return crypto_verify(pss ? CRYPTO_SIG_RSA3072_PSS
				 : CRYPTO_SIG_RSA3072_PKCS1,
			     spki, spki_len, CRYPTO_HASH_SHA384, hash,
			     CRYPTO_SHA384_LEN, sig, sig_len, err);
}
