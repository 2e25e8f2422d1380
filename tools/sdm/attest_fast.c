/*
 * ECDSA P-256 verification with per-key precomputation (attest_fast.h).
 *
 * Two OpenSSL 3.0 functions used here are deprecated low-level EC API:
 * EC_GROUP_precompute_mult (the table of multiples of the AK's point)
 * and EC_POINT_get_Jprojective_coordinates_GFp (the final check without
 * a field inversion). They have no replacement in the provider API; the
 * deprecation is suppressed for this file only. Measured on the build
 * machine (docs/attestation.md, Performance): ~35 us per verification
 * against ~110-125 us for EVP_PKEY_verify.
 */
#define OPENSSL_SUPPRESS_DEPRECATED

#include <stdlib.h>
#include <string.h>

#include <openssl/bn.h>
#include <openssl/ec.h>
#include <openssl/obj_mac.h>

#include "attest_fast.h"

struct attf_p256 {
	EC_GROUP *g;  /* P-256, generator G (OpenSSL's built-in table) */
	EC_GROUP *gq; /* P-256 with Q as its generator, and Q's table */
	bool pre;
	BN_CTX *bn;
	BN_MONT_CTX *mont_n; /* Montgomery arithmetic modulo the order n */
	BN_MONT_CTX *mont_p; /* ... and modulo the field prime p */
	BIGNUM *n, *p, *r, *s, *w, *e, *u1, *u2, *x, *y, *z, *t;
	EC_POINT *a, *b;
};

void attf_p256_free(struct attf_p256 *k)
{
	if (k == NULL)
		return;
	EC_POINT_free(k->a);
	EC_POINT_free(k->b);
	BN_free(k->n);
	BN_free(k->p);
	BN_free(k->r);
	BN_free(k->s);
	BN_free(k->w);
	BN_free(k->e);
	BN_free(k->u1);
	BN_free(k->u2);
	BN_free(k->x);
	BN_free(k->y);
	BN_free(k->z);
	BN_free(k->t);
	BN_MONT_CTX_free(k->mont_n);
	BN_MONT_CTX_free(k->mont_p);
	BN_CTX_free(k->bn);
	EC_GROUP_free(k->gq);
	EC_GROUP_free(k->g);
	free(k);
}

int attf_p256_new(const uint8_t *x, size_t x_len, const uint8_t *y,
		  size_t y_len, struct attf_p256 **out, struct sdm_err *err)
{
	struct attf_p256 *k = calloc(1, sizeof(*k));
	EC_POINT *q = NULL;

	*out = NULL;
	if (k == NULL)
		return sdm_err_set(err, SDM_ENOMEM, "out of memory");
	BIGNUM **bns[] = { &k->p, &k->r, &k->s, &k->w, &k->e, &k->u1, &k->u2,
			   &k->x, &k->y, &k->z, &k->t };
	if (x_len > 32 || y_len > 32) {
		attf_p256_free(k);
		return sdm_err_set(err, SDM_EINVAL,
				   "P-256 point with %zu/%zu-byte coordinates",
				   x_len, y_len);
	}
	k->g = EC_GROUP_new_by_curve_name(NID_X9_62_prime256v1);
	k->gq = EC_GROUP_new_by_curve_name(NID_X9_62_prime256v1);
	k->bn = BN_CTX_new();
	k->mont_n = BN_MONT_CTX_new();
	k->mont_p = BN_MONT_CTX_new();
	if (k->g == NULL || k->gq == NULL || k->bn == NULL ||
	    k->mont_n == NULL || k->mont_p == NULL)
		goto fail;
	k->n = BN_dup(EC_GROUP_get0_order(k->g));
	for (size_t i = 0; i < sizeof(bns) / sizeof(bns[0]); i++)
		if ((*bns[i] = BN_new()) == NULL)
			goto fail;
	k->a = EC_POINT_new(k->g);
	k->b = EC_POINT_new(k->g);
	q = EC_POINT_new(k->g);
	if (k->n == NULL || k->a == NULL || k->b == NULL || q == NULL ||
	    !EC_GROUP_get_curve(k->g, k->p, NULL, NULL, k->bn) ||
	    !BN_MONT_CTX_set(k->mont_n, k->n, k->bn) ||
	    !BN_MONT_CTX_set(k->mont_p, k->p, k->bn))
		goto fail;
	if (BN_bin2bn(x, (int)x_len, k->x) == NULL ||
	    BN_bin2bn(y, (int)y_len, k->y) == NULL ||
	    !EC_POINT_set_affine_coordinates(k->g, q, k->x, k->y, k->bn) ||
	    EC_POINT_is_on_curve(k->g, q, k->bn) != 1 ||
	    EC_POINT_is_at_infinity(k->g, q)) {
		EC_POINT_free(q);
		attf_p256_free(k);
		return sdm_err_set(err, SDM_EINVAL,
				   "the ECC public key is not a point on P-256");
	}
	/* P-256 has prime order n and cofactor 1: Q generates the group. */
	if (!EC_GROUP_set_generator(k->gq, q, k->n, BN_value_one()))
		goto fail;
	k->pre = EC_GROUP_precompute_mult(k->gq, k->bn) == 1;
	EC_POINT_free(q);
	*out = k;
	return SDM_OK;
fail:
	EC_POINT_free(q);
	attf_p256_free(k);
	return sdm_err_set(err, SDM_EIO, "OpenSSL: cannot set up P-256 verification");
}

bool attf_p256_precomputed(const struct attf_p256 *k)
{
	return k->pre;
}

/* v in [1, n-1] */
static bool in_range(const struct attf_p256 *k, const BIGNUM *v)
{
	return !BN_is_zero(v) && !BN_is_negative(v) && BN_cmp(v, k->n) < 0;
}

bool attf_p256_invert(struct attf_p256 *k, const uint8_t *const *s,
		      const size_t *s_len, size_t count, uint8_t (*w)[32],
		      bool *ok)
{
	BIGNUM **pre = calloc(2 * count + 1, sizeof(*pre));
	BIGNUM **sm = pre + count, *acc, *tmp, *inv;
	bool any = false, good = false;

	for (size_t i = 0; i < count; i++)
		ok[i] = false;
	if (pre == NULL)
		return false;
	BN_CTX_start(k->bn);
	acc = BN_CTX_get(k->bn);
	tmp = BN_CTX_get(k->bn);
	inv = BN_CTX_get(k->bn);
	if (inv == NULL || !BN_to_montgomery(acc, BN_value_one(), k->mont_n, k->bn))
		goto out;
	/* Forward: pre[i] = product of the valid s[j], j < i (Montgomery form). */
	for (size_t i = 0; i < count; i++) {
		pre[i] = BN_CTX_get(k->bn);
		sm[i] = BN_CTX_get(k->bn);
		if (sm[i] == NULL || BN_bin2bn(s[i], (int)s_len[i], tmp) == NULL)
			goto out;
		if (!in_range(k, tmp)) {
			sm[i] = NULL;
			continue;
		}
		if (BN_copy(pre[i], acc) == NULL ||
		    !BN_to_montgomery(sm[i], tmp, k->mont_n, k->bn) ||
		    !BN_mod_mul_montgomery(acc, acc, sm[i], k->mont_n, k->bn))
			goto out;
		any = true;
	}
	if (!any) {
		good = true;
		goto out;
	}
	/* acc^-1, back in Montgomery form. */
	if (!BN_from_montgomery(tmp, acc, k->mont_n, k->bn) ||
	    BN_mod_inverse(inv, tmp, k->n, k->bn) == NULL ||
	    !BN_to_montgomery(acc, inv, k->mont_n, k->bn))
		goto out;
	/* Backward: s[i]^-1 = (s[0..i])^-1 * pre[i]; then drop s[i]. */
	for (size_t i = count; i-- > 0;) {
		if (sm[i] == NULL)
			continue;
		if (!BN_mod_mul_montgomery(tmp, acc, pre[i], k->mont_n, k->bn) ||
		    !BN_from_montgomery(tmp, tmp, k->mont_n, k->bn) ||
		    BN_bn2binpad(tmp, w[i], 32) != 32 ||
		    !BN_mod_mul_montgomery(acc, acc, sm[i], k->mont_n, k->bn))
			goto out;
	}
	for (size_t i = 0; i < count; i++)
		ok[i] = sm[i] != NULL;
	good = true;
out:
	BN_CTX_end(k->bn);
	free(pre);
	if (!good)
		for (size_t i = 0; i < count; i++)
			ok[i] = false;
	return good;
}

bool attf_p256_verify(struct attf_p256 *k, const uint8_t *hash,
		      size_t hash_len, const uint8_t *r, size_t r_len,
		      const uint8_t *s, size_t s_len, const uint8_t *w)
{
	if (r_len > 0x7fffffff || s_len > 0x7fffffff ||
	    BN_bin2bn(r, (int)r_len, k->r) == NULL ||
	    BN_bin2bn(s, (int)s_len, k->s) == NULL ||
	    !in_range(k, k->r) || !in_range(k, k->s))
		return false;
	/* e: the leftmost 256 bits of the hash (n has 256 bits), reduced
	 * mod n (e < 2^256 < 2n: at most one subtraction). */
	if (BN_bin2bn(hash, (int)(hash_len < 32 ? hash_len : 32), k->e) == NULL ||
	    (BN_cmp(k->e, k->n) >= 0 && !BN_sub(k->e, k->e, k->n)))
		return false;
	/*
	 * Products mod n and mod p are Montgomery multiplications (no
	 * division): with a in Montgomery form (aR), mont(aR, b) = ab. Every
	 * operand is reduced: r, s, w, e in [0, n-1], Z in [0, p-1].
	 */
	if (w != NULL) {
		if (BN_bin2bn(w, 32, k->w) == NULL || !in_range(k, k->w))
			return false;
	} else if (BN_mod_inverse(k->w, k->s, k->n, k->bn) == NULL) {
		return false;
	}
	/* t = wR mod n; then w*s = 1 (mod n) for a w given */
	if (!BN_to_montgomery(k->t, k->w, k->mont_n, k->bn) ||
	    (w != NULL &&
	     (!BN_mod_mul_montgomery(k->u1, k->t, k->s, k->mont_n, k->bn) ||
	      !BN_is_one(k->u1))))
		return false;
	/* R = (e*w) G + (r*w) Q */
	if (!BN_mod_mul_montgomery(k->u1, k->t, k->e, k->mont_n, k->bn) ||
	    !BN_mod_mul_montgomery(k->u2, k->t, k->r, k->mont_n, k->bn) ||
	    !EC_POINT_mul(k->g, k->a, k->u1, NULL, NULL, k->bn) ||
	    !EC_POINT_mul(k->gq, k->b, k->u2, NULL, NULL, k->bn) ||
	    !EC_POINT_add(k->g, k->a, k->a, k->b, k->bn) ||
	    EC_POINT_is_at_infinity(k->g, k->a) ||
	    !EC_POINT_get_Jprojective_coordinates_GFp(k->g, k->a, k->x, k->y,
						      k->z, k->bn) ||
	    BN_is_zero(k->z))
		return false;
	/*
	 * x(R) = X / Z^2 lies in [0, p-1] and p > n, so x(R) mod n = r
	 * exactly when X = r Z^2, or X = (r + n) Z^2 with r + n < p (all mod
	 * p). t = ZR, then t = mont(t, t) = Z^2 R, mont(t, r) = r Z^2.
	 */
	if (!BN_to_montgomery(k->t, k->z, k->mont_p, k->bn) ||
	    !BN_mod_mul_montgomery(k->t, k->t, k->t, k->mont_p, k->bn) ||
	    !BN_mod_mul_montgomery(k->y, k->t, k->r, k->mont_p, k->bn))
		return false;
	if (BN_cmp(k->y, k->x) == 0)
		return true;
	if (!BN_add(k->u1, k->r, k->n) || BN_cmp(k->u1, k->p) >= 0 ||
	    !BN_mod_mul_montgomery(k->y, k->t, k->u1, k->mont_p, k->bn))
		return false;
	return BN_cmp(k->y, k->x) == 0;
}
