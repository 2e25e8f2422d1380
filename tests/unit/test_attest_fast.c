/*
 * tools/sdm/attest_fast.c, the batch verifier's ECDSA P-256 path, against
 * OpenSSL's ECDSA_do_verify as the reference: every case must get the
 * same answer from both, with s^-1 computed inside attf_p256_verify and
 * with s^-1 from attf_p256_invert (the batch path).
 *
 * random     many random keys and messages: valid signatures accepted;
 *            one flipped bit in the hash, r or s rejected; r and s
 *            swapped; another key's signature.
 * ranges     r or s = 0, n, n + 1, 2^256 - 1, 33 bytes with a non-zero
 *            top, leading zeros (accepted), short values.
 * corners    u1 G = u2 Q (the sum is a doubling), u1 G = -u2 Q (the sum
 *            is the point at infinity: rejected), e = 0 and e = n, a hash
 *            longer than 256 bits (truncated), x(R) >= n (r = x(R) - n:
 *            the second comparison), a wrong s^-1 given.
 * keys       points off the curve, oversized coordinates.
 * invert     a batch with invalid s values among valid ones.
 */
#define OPENSSL_SUPPRESS_DEPRECATED /* EC_KEY, the reference verifier */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>

#include <openssl/bn.h>
#include <openssl/ec.h>
#include <openssl/ecdsa.h>
#include <openssl/obj_mac.h>
#include <openssl/rand.h>

#include "tools/sdm/attest_fast.h"

static EC_GROUP *grp;
static BN_CTX *bnc;
static const BIGNUM *order;

struct key {
	EC_KEY *ec;
	uint8_t x[32], y[32];
	struct attf_p256 *fast;
};

static void b32(const BIGNUM *v, uint8_t out[32])
{
	assert_int_equal(BN_bn2binpad(v, out, 32), 32);
}

/* A key with private scalar d, or a random one (d NULL). */
static void key_new(struct key *k, const BIGNUM *d)
{
	BIGNUM *x = BN_new(), *y = BN_new();
	struct sdm_err err = { 0 };

	k->ec = EC_KEY_new_by_curve_name(NID_X9_62_prime256v1);
	assert_non_null(k->ec);
	if (d == NULL) {
		assert_int_equal(EC_KEY_generate_key(k->ec), 1);
	} else {
		EC_POINT *q = EC_POINT_new(grp);

		assert_int_equal(EC_POINT_mul(grp, q, d, NULL, NULL, bnc), 1);
		assert_int_equal(EC_KEY_set_private_key(k->ec, d), 1);
		assert_int_equal(EC_KEY_set_public_key(k->ec, q), 1);
		EC_POINT_free(q);
	}
	assert_int_equal(EC_POINT_get_affine_coordinates(grp,
			 EC_KEY_get0_public_key(k->ec), x, y, bnc), 1);
	b32(x, k->x);
	b32(y, k->y);
	assert_int_equal(attf_p256_new(k->x, 32, k->y, 32, &k->fast, &err),
			 SDM_OK);
	assert_true(attf_p256_precomputed(k->fast));
	BN_free(x);
	BN_free(y);
}

/* A key from a public point only (no private key). */
static void key_from_point(struct key *k, const EC_POINT *q)
{
	BIGNUM *x = BN_new(), *y = BN_new();
	struct sdm_err err = { 0 };

	k->ec = EC_KEY_new_by_curve_name(NID_X9_62_prime256v1);
	assert_int_equal(EC_KEY_set_public_key(k->ec, q), 1);
	assert_int_equal(EC_POINT_get_affine_coordinates(grp, q, x, y, bnc), 1);
	b32(x, k->x);
	b32(y, k->y);
	assert_int_equal(attf_p256_new(k->x, 32, k->y, 32, &k->fast, &err),
			 SDM_OK);
	BN_free(x);
	BN_free(y);
}

static void key_free(struct key *k)
{
	EC_KEY_free(k->ec);
	attf_p256_free(k->fast);
}

static bool ref_verify(const struct key *k, const uint8_t *h, size_t hl,
		       const uint8_t *r, size_t rl, const uint8_t *s, size_t sl)
{
	ECDSA_SIG *sig = ECDSA_SIG_new();
	BIGNUM *br = BN_bin2bn(r, (int)rl, NULL), *bs = BN_bin2bn(s, (int)sl, NULL);
	int rc;

	assert_int_equal(ECDSA_SIG_set0(sig, br, bs), 1);
	rc = ECDSA_do_verify(h, (int)hl, sig, k->ec);
	ECDSA_SIG_free(sig);
	return rc == 1;
}

static unsigned accepted, rejected;

/* Both verifiers, both ways of getting s^-1, must give the same answer;
 * returns it. */
static bool agree(const struct key *k, const uint8_t *h, size_t hl,
		  const uint8_t *r, size_t rl, const uint8_t *s, size_t sl)
{
	bool ref = ref_verify(k, h, hl, r, rl, s, sl);
	bool fast = attf_p256_verify(k->fast, h, hl, r, rl, s, sl, NULL);
	uint8_t w[1][32];
	bool ok[1];
	const uint8_t *sp[1] = { s };

	assert_int_equal(fast, ref);
	assert_true(attf_p256_invert(k->fast, sp, &sl, 1, w, ok));
	if (ok[0])
		assert_int_equal(attf_p256_verify(k->fast, h, hl, r, rl, s, sl,
						  w[0]), ref);
	else
		assert_false(ref);
	if (ref)
		accepted++;
	else
		rejected++;
	return ref;
}

static void sign(const struct key *k, const uint8_t *h, size_t hl,
		 uint8_t r[32], uint8_t s[32])
{
	ECDSA_SIG *sig = ECDSA_do_sign(h, (int)hl, k->ec);
	const BIGNUM *br, *bs;

	assert_non_null(sig);
	ECDSA_SIG_get0(sig, &br, &bs);
	b32(br, r);
	b32(bs, s);
	ECDSA_SIG_free(sig);
}

static void test_random(void **state)
{
	struct key k[12];

	for (unsigned i = 0; i < 12; i++)
		key_new(&k[i], NULL);
	for (unsigned i = 0; i < 12; i++) {
		for (unsigned m = 0; m < 24; m++) {
			uint8_t h[32], r[32], s[32], t[32];
			unsigned bit;

			assert_int_equal(RAND_bytes(h, 32), 1);
			sign(&k[i], h, 32, r, s);
			assert_true(agree(&k[i], h, 32, r, 32, s, 32));
			/* Another key's signature. */
			assert_false(agree(&k[(i + 1) % 12], h, 32, r, 32, s, 32));
			assert_false(agree(&k[i], h, 32, s, 32, r, 32));
			assert_int_equal(RAND_bytes((uint8_t *)&bit, sizeof(bit)), 1);
			bit %= 256;
			memcpy(t, h, 32);
			t[bit / 8] ^= (uint8_t)(1u << (bit % 8));
			assert_false(agree(&k[i], t, 32, r, 32, s, 32));
			memcpy(t, r, 32);
			t[bit / 8] ^= (uint8_t)(1u << (bit % 8));
			assert_false(agree(&k[i], h, 32, t, 32, s, 32));
			memcpy(t, s, 32);
			t[bit / 8] ^= (uint8_t)(1u << (bit % 8));
			assert_false(agree(&k[i], h, 32, r, 32, t, 32));
			/* -s is a valid signature too (ECDSA is malleable):
			 * both must accept it. */
			{
				BIGNUM *v = BN_bin2bn(s, 32, NULL);

				assert_int_equal(BN_sub(v, order, v), 1);
				b32(v, t);
				BN_free(v);
				assert_true(agree(&k[i], h, 32, r, 32, t, 32));
			}
		}
	}
	for (unsigned i = 0; i < 12; i++)
		key_free(&k[i]);
}

static void test_ranges(void **state)
{
	struct key k;
	uint8_t h[32], r[32], s[32], bad[6][33], big[33], padded[40];
	BIGNUM *v = BN_new();

	key_new(&k, NULL);
	assert_int_equal(RAND_bytes(h, 32), 1);
	sign(&k, h, 32, r, s);
	assert_true(agree(&k, h, 32, r, 32, s, 32));
	memset(bad, 0, sizeof(bad));
	/* 0, n, n + 1, 2^256 - 1, 1 (in range, wrong) */
	b32(order, bad[1] + 1);
	assert_int_equal(BN_add(v, order, BN_value_one()), 1);
	b32(v, bad[2] + 1);
	memset(bad[3] + 1, 0xff, 32);
	bad[4][32] = 1;
	for (unsigned i = 0; i < 5; i++) {
		assert_false(agree(&k, h, 32, bad[i] + 1, 32, s, 32));
		assert_false(agree(&k, h, 32, r, 32, bad[i] + 1, 32));
		assert_false(agree(&k, h, 32, bad[i] + 1, 32, bad[i] + 1, 32));
	}
	/* r, s as 33 bytes: r + 2^256 rejected, a leading zero accepted. */
	big[0] = 1;
	memcpy(big + 1, r, 32);
	assert_false(agree(&k, h, 32, big, 33, s, 32));
	big[0] = 0;
	assert_true(agree(&k, h, 32, big, 33, s, 32));
	memset(padded, 0, 8);
	memcpy(padded + 8, s, 32);
	assert_true(agree(&k, h, 32, r, 32, padded, 40));
	/* Empty r or s. */
	assert_false(agree(&k, h, 32, r, 0, s, 32));
	assert_false(agree(&k, h, 32, r, 32, s, 0));
	/* A short r (value < 2^248): verify without padding to 32 bytes. */
	for (unsigned tries = 0; tries < 2000; tries++) {
		assert_int_equal(RAND_bytes(h, 32), 1);
		sign(&k, h, 32, r, s);
		if (r[0] == 0) {
			assert_true(agree(&k, h, 32, r + 1, 31, s, 32));
			break;
		}
	}
	BN_free(v);
	key_free(&k);
}

/* e for a given scalar: the 32-byte hash whose value is e. */
static void hash_of(const BIGNUM *e, uint8_t h[32])
{
	b32(e, h);
}

static void test_corners(void **state)
{
	BIGNUM *d = BN_new(), *kk = BN_new(), *r = BN_new(), *s = BN_new(),
	       *e = BN_new(), *t = BN_new(), *x = BN_new(), *y = BN_new();
	EC_POINT *R = EC_POINT_new(grp), *Q = EC_POINT_new(grp);
	uint8_t h[48], rb[32], sb[32], xb[32], w[1][32];
	struct key k, k2;
	const uint8_t *sp[1] = { sb };
	size_t sl = 32;
	bool ok[1];
	BIGNUM *p = BN_new();

	assert_int_equal(EC_GROUP_get_curve(grp, p, NULL, NULL, bnc), 1);
	for (unsigned round = 0; round < 8; round++) {
		assert_int_equal(BN_rand_range(d, order), 1);
		if (BN_is_zero(d))
			continue;
		key_new(&k, d);
		/* u1 G = u2 Q: e = d r, s = 2 d r / k; R = k G = 2 u1 G. */
		assert_int_equal(BN_rand_range(kk, order), 1);
		assert_int_equal(EC_POINT_mul(grp, R, kk, NULL, NULL, bnc), 1);
		assert_int_equal(EC_POINT_get_affine_coordinates(grp, R, x, y, bnc), 1);
		assert_int_equal(BN_nnmod(r, x, order, bnc), 1);
		assert_int_equal(BN_mod_mul(e, d, r, order, bnc), 1);
		assert_int_equal(BN_mod_add(t, e, e, order, bnc), 1);
		assert_non_null(BN_mod_inverse(s, kk, order, bnc));
		assert_int_equal(BN_mod_mul(s, s, t, order, bnc), 1);
		hash_of(e, h);
		b32(r, rb);
		b32(s, sb);
		assert_true(agree(&k, h, 32, rb, 32, sb, 32));
		/* A wrong s^-1 is refused even for a valid signature. */
		assert_true(attf_p256_invert(k.fast, sp, &sl, 1, w, ok));
		assert_true(ok[0]);
		assert_true(attf_p256_verify(k.fast, h, 32, rb, 32, sb, 32, w[0]));
		w[0][31] ^= 1;
		assert_false(attf_p256_verify(k.fast, h, 32, rb, 32, sb, 32, w[0]));
		memset(w[0], 0, 32);
		assert_false(attf_p256_verify(k.fast, h, 32, rb, 32, sb, 32, w[0]));

		/* u1 G = -u2 Q: e = -d r; R is the point at infinity for
		 * every s. */
		assert_int_equal(BN_mod_sub(e, order, e, order, bnc), 1);
		hash_of(e, h);
		for (unsigned i = 0; i < 4; i++) {
			assert_int_equal(BN_rand_range(s, order), 1);
			b32(s, sb);
			assert_false(agree(&k, h, 32, rb, 32, sb, 32));
		}

		/* e = 0 and e = n (u1 = 0). */
		memset(h, 0, 32);
		sign(&k, h, 32, rb, sb);
		assert_true(agree(&k, h, 32, rb, 32, sb, 32));
		hash_of(order, h);
		assert_true(agree(&k, h, 32, rb, 32, sb, 32));
		h[31] ^= 1;
		assert_false(agree(&k, h, 32, rb, 32, sb, 32));

		/* A 48-byte hash: its leftmost 256 bits count. */
		assert_int_equal(RAND_bytes(h, 48), 1);
		sign(&k, h, 48, rb, sb);
		assert_true(agree(&k, h, 48, rb, 32, sb, 32));
		h[40] ^= 1;
		assert_true(agree(&k, h, 48, rb, 32, sb, 32));
		h[3] ^= 1;
		assert_false(agree(&k, h, 48, rb, 32, sb, 32));
		/* A 20-byte hash (shorter than n). */
		sign(&k, h, 20, rb, sb);
		assert_true(agree(&k, h, 20, rb, 32, sb, 32));
		assert_false(agree(&k, h, 32, rb, 32, sb, 32));
		key_free(&k);
	}

	/* x(R) >= n: take a point R with x in [n, p), r = x - n, any s and
	 * e; the key is Q = r^-1 (s R - e G). */
	unsigned found = 0;
	assert_int_equal(BN_copy(x, order) != NULL, 1);
	for (unsigned i = 0; i < 64 && found < 4; i++) {
		assert_int_equal(BN_add_word(x, 1), 1);
		if (BN_cmp(x, p) >= 0)
			break;
		if (EC_POINT_set_compressed_coordinates(grp, R, x, (int)(i & 1),
							bnc) != 1)
			continue; /* x^3 - 3x + b is not a square */
		found++;
		assert_int_equal(BN_sub(r, x, order), 1);
		assert_int_equal(BN_rand_range(s, order), 1);
		assert_int_equal(BN_rand_range(e, order), 1);
		/* Q = r^-1 s R - r^-1 e G */
		assert_non_null(BN_mod_inverse(t, r, order, bnc));
		assert_int_equal(BN_mod_mul(kk, t, s, order, bnc), 1);
		assert_int_equal(BN_mod_mul(d, t, e, order, bnc), 1);
		assert_int_equal(BN_mod_sub(d, order, d, order, bnc), 1);
		assert_int_equal(EC_POINT_mul(grp, Q, d, R, kk, bnc), 1);
		key_from_point(&k2, Q);
		hash_of(e, h);
		b32(r, rb);
		b32(s, sb);
		assert_true(agree(&k2, h, 32, rb, 32, sb, 32));
		/* r = x(R) itself is >= n: out of range. */
		b32(x, xb);
		assert_false(agree(&k2, h, 32, xb, 32, sb, 32));
		h[0] ^= 0x80;
		assert_false(agree(&k2, h, 32, rb, 32, sb, 32));
		key_free(&k2);
	}
	assert_true(found > 0);
	BN_free(p);
	BN_free(d);
	BN_free(kk);
	BN_free(r);
	BN_free(s);
	BN_free(e);
	BN_free(t);
	BN_free(x);
	BN_free(y);
	EC_POINT_free(R);
	EC_POINT_free(Q);
}

static void test_keys(void **state)
{
	struct key k;
	struct attf_p256 *f = NULL;
	struct sdm_err err = { 0 };
	uint8_t x[33], y[33];

	key_new(&k, NULL);
	memcpy(x, k.x, 32);
	memcpy(y, k.y, 32);
	y[31] ^= 1;
	assert_int_equal(attf_p256_new(x, 32, y, 32, &f, &err), SDM_EINVAL);
	assert_null(f);
	y[31] ^= 1;
	x[0] ^= 0x40;
	assert_int_equal(attf_p256_new(x, 32, y, 32, &f, &err), SDM_EINVAL);
	x[0] ^= 0x40;
	memset(x, 0, sizeof(x));
	memset(y, 0, sizeof(y));
	assert_int_equal(attf_p256_new(x, 32, y, 32, &f, &err), SDM_EINVAL);
	x[0] = 0;
	memcpy(x + 1, k.x, 32);
	assert_int_equal(attf_p256_new(x, 33, k.y, 32, &f, &err), SDM_EINVAL);
	assert_int_equal(attf_p256_new(k.x, 32, k.y, 32, &f, &err), SDM_OK);
	attf_p256_free(f);
	attf_p256_free(NULL);
	key_free(&k);
}

static void test_invert(void **state)
{
	enum { N = 100 };
	static uint8_t h[N][32], r[N][32], s[N][33], w[N][32];
	const uint8_t *sp[N];
	size_t sl[N];
	bool ok[N];
	struct key k;
	BIGNUM *v = BN_new(), *iv = BN_new();

	key_new(&k, NULL);
	for (unsigned i = 0; i < N; i++) {
		assert_int_equal(RAND_bytes(h[i], 32), 1);
		sign(&k, h[i], 32, r[i], s[i]);
		sp[i] = s[i];
		sl[i] = 32;
	}
	/* Invalid values among them: 0, n, 2^256 + s, empty. */
	memset(s[7], 0, 32);
	b32(order, s[20]);
	memmove(s[33] + 1, s[33], 32);
	s[33][0] = 1;
	sl[33] = 33;
	sl[50] = 0;
	assert_true(attf_p256_invert(k.fast, sp, sl, N, w, ok));
	for (unsigned i = 0; i < N; i++) {
		bool valid = i != 7 && i != 20 && i != 33 && i != 50;

		assert_int_equal(ok[i], valid);
		if (!valid)
			continue;
		BN_bin2bn(s[i], 32, v);
		assert_non_null(BN_mod_inverse(iv, v, order, bnc));
		BN_bin2bn(w[i], 32, v);
		assert_int_equal(BN_cmp(v, iv), 0);
		assert_true(attf_p256_verify(k.fast, h[i], 32, r[i], 32, s[i],
					     32, w[i]));
		/* Another signature's inverse is refused. */
		assert_false(attf_p256_verify(k.fast, h[i], 32, r[i], 32, s[i],
					      32, w[(i + 1) % N]));
	}
	/* None valid, and no values at all. */
	assert_true(attf_p256_invert(k.fast, sp + 7, sl + 7, 1, w, ok));
	assert_false(ok[0]);
	assert_true(attf_p256_invert(k.fast, sp, sl, 0, w, ok));
	BN_free(v);
	BN_free(iv);
	key_free(&k);
}

static void test_count(void **state)
{
	/* The cases above ran (and agreed) in both directions. */
	assert_true(accepted > 300);
	assert_true(rejected > 1500);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_random),
		cmocka_unit_test(test_ranges),
		cmocka_unit_test(test_corners),
		cmocka_unit_test(test_keys),
		cmocka_unit_test(test_invert),
		cmocka_unit_test(test_count),
	};
	int rc;

	grp = EC_GROUP_new_by_curve_name(NID_X9_62_prime256v1);
	bnc = BN_CTX_new();
	order = EC_GROUP_get0_order(grp);
	rc = cmocka_run_group_tests(tests, NULL, NULL);
	BN_CTX_free(bnc);
	EC_GROUP_free(grp);
	return rc;
}
