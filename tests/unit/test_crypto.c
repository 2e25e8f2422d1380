/*
 * Unit tests for crypto/crypto.h (mbedTLS from Debian's source package,
 * SHA-NI, the static pool), built for the host under ASan/UBSan.
 *   - SHA-1/256/384: FIPS 180-4 / NIST example vectors ("abc", the empty
 *     string, the 448- and 896-bit messages, one million 'a'), for SHA-256
 *     through both implementations; then incremental updates with odd chunk
 *     sizes and unaligned input against OpenSSL.
 *   - Signatures made by OpenSSL's libcrypto at run time (ECDSA P-384 and
 *     P-256, RSA-3072 PKCS#1 v1.5 and PSS): valid ones verify, tampered
 *     digests, signatures and keys are refused with the documented codes,
 *     and the pool is empty again after every call.
 *   - The pool allocator itself (last: it ends with the pool broken).
 */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>

#include <openssl/evp.h>
#include <openssl/rsa.h>
#include <openssl/x509.h>

#include "crypto/crypto.h"
#include "crypto/mbedtls_glue.h"
#include <sdm/types.h>

/* ------------------------------------------------------------ helpers */

static void hex(const uint8_t *d, size_t n, char *out)
{
	for (size_t i = 0; i < n; i++)
		sprintf(out + 2 * i, "%02x", d[i]);
}

static void want_hex(const char *what, const uint8_t *d, size_t n,
		     const char *expect)
{
	char got[2 * 64 + 1];

	hex(d, n, got);
	if (strcmp(got, expect) != 0)
		fail_msg("%s: got %s, want %s", what, got, expect);
}

static uint64_t rng_state = 0x9e3779b97f4a7c15ull;

static uint64_t rnd(void)
{
	rng_state ^= rng_state << 13;
	rng_state ^= rng_state >> 7;
	rng_state ^= rng_state << 17;
	return rng_state;
}

static void fill_random(uint8_t *p, size_t n)
{
	for (size_t i = 0; i < n; i++)
		p[i] = (uint8_t)rnd();
}

enum alg { A_SHA1, A_SHA256_PORTABLE, A_SHA256_SHANI, A_SHA384 };
static const char *const alg_name[] = { "SHA-1", "SHA-256 portable",
					"SHA-256 SHA-NI", "SHA-384" };
static const size_t alg_len[] = { 20, 32, 32, 48 };

static bool have_shani(void)
{
	struct crypto_sha256 c;

	return crypto_sha256_init_impl(&c, CRYPTO_SHA256_SHANI) == SDM_OK;
}

/* Hash data, fed in chunks of the sizes in chunks[] (cycled; 0: one go). */
static void digest(enum alg a, const uint8_t *data, size_t len,
		   const size_t *chunks, size_t nchunks, uint8_t *out)
{
	struct crypto_sha1 c1;
	struct crypto_sha256 c256;
	struct crypto_sha384 c384;
	size_t off = 0, k = 0;

	if (a == A_SHA1)
		crypto_sha1_init(&c1);
	else if (a == A_SHA384)
		crypto_sha384_init(&c384);
	else
		assert_int_equal(crypto_sha256_init_impl(&c256,
				 a == A_SHA256_SHANI ? CRYPTO_SHA256_SHANI
						     : CRYPTO_SHA256_PORTABLE),
				 SDM_OK);
	while (off < len || k == 0) {
		size_t n = nchunks ? chunks[k % nchunks] : len;

		if (n > len - off)
			n = len - off;
		if (a == A_SHA1)
			crypto_sha1_update(&c1, data + off, n);
		else if (a == A_SHA384)
			crypto_sha384_update(&c384, data + off, n);
		else
			crypto_sha256_update(&c256, data + off, n);
		off += n;
		k++;
	}
	if (a == A_SHA1)
		crypto_sha1_final(&c1, out);
	else if (a == A_SHA384)
		crypto_sha384_final(&c384, out);
	else
		crypto_sha256_final(&c256, out);
}

static const EVP_MD *ossl_md(enum alg a)
{
	return a == A_SHA1 ? EVP_sha1() : a == A_SHA384 ? EVP_sha384()
							: EVP_sha256();
}

/* ------------------------------------------------------------ digests */

struct vector {
	const char *msg; /* NULL: one million 'a' */
	const char *sha1, *sha256, *sha384;
};

/* FIPS 180-4 examples (NIST CSRC "Examples with intermediate values"). */
static const struct vector vectors[] = {
	{ "abc", "a9993e364706816aba3e25717850c26c9cd0d89d",
	  "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad",
	  "cb00753f45a35e8bb5a03d699ac65007272c32ab0eded163"
	  "1a8b605a43ff5bed8086072ba1e7cc2358baeca134c825a7" },
	{ "", "da39a3ee5e6b4b0d3255bfef95601890afd80709",
	  "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855",
	  "38b060a751ac96384cd9327eb1b1e36a21fdb71114be0743"
	  "4c0cc7bf63f6e1da274edebfe76f65fbd51ad2f14898b95b" },
	{ "abcdbcdecdefdefgefghfghighijhijkijkljklmklmnlmnomnopnopq",
	  "84983e441c3bd26ebaae4aa1f95129e5e54670f1",
	  "248d6a61d20638b8e5c026930c3e6039a33ce45964ff2167f6ecedd419db06c1",
	  "3391fdddfc8dc7393707a65b1b4709397cf8b1d162af05ab"
	  "fe8f450de5f36bc6b0455a8520bc4e6f5fe95b1fe3c8452b" },
	{ "abcdefghbcdefghicdefghijdefghijkefghijklfghijklmghijklmn"
	  "hijklmnoijklmnopjklmnopqklmnopqrlmnopqrsmnopqrstnopqrstu",
	  "a49b2446a02c645bf419f995b67091253a04a259",
	  "cf5b16a778af8380036ce59e7b0492370b249b11e8f07a51afac45037afee9d1",
	  "09330c33f71147e83d192fc782cd1b4753111b173b3b05d2"
	  "2fa08086e3b0f712fcc7c71a557e2db966c3e9fa91746039" },
	{ NULL, "34aa973cd4c4daa4f61eeb2bdbad27316534016f",
	  "cdc76e5c9914fb9281a1c7e284d73e67f1809a48a497200e046d39ccc7112cd0",
	  "9d0e1809716474cb086e834e310a4a1ced149e9c00f24852"
	  "7972cec5704c2a5b07b8b3dc38ecc4ebae97ddd87f3d8985" },
};

static void test_vectors(void **state)
{
	static const size_t odd[] = { 1, 3, 7, 64, 61, 129 };
	static uint8_t million[1000000];
	bool ni = have_shani();

	memset(million, 'a', sizeof(million));
	for (size_t v = 0; v < ARRAY_SIZE(vectors); v++) {
		const struct vector *t = &vectors[v];
		const uint8_t *m = t->msg ? (const uint8_t *)t->msg : million;
		size_t len = t->msg ? strlen(t->msg) : sizeof(million);

		for (enum alg a = A_SHA1; a <= A_SHA384; a++) {
			const char *want = a == A_SHA1	 ? t->sha1
					   : a == A_SHA384 ? t->sha384
							   : t->sha256;
			uint8_t out[48];
			char what[96];

			if (a == A_SHA256_SHANI && !ni)
				continue;
			snprintf(what, sizeof(what), "%s of vector %zu",
				 alg_name[a], v);
			digest(a, m, len, NULL, 0, out);
			want_hex(what, out, alg_len[a], want);
			digest(a, m, len, odd, ARRAY_SIZE(odd), out);
			want_hex(what, out, alg_len[a], want);
		}
	}

	/* The one-shot functions. */
	{
		uint8_t out[48];

		crypto_sha1((const uint8_t *)"abc", 3, out);
		want_hex("crypto_sha1", out, 20, vectors[0].sha1);
		crypto_sha256((const uint8_t *)"abc", 3, out);
		want_hex("crypto_sha256", out, 32, vectors[0].sha256);
		crypto_sha384((const uint8_t *)"abc", 3, out);
		want_hex("crypto_sha384", out, 48, vectors[0].sha384);
	}
	/* Empty updates, even with no buffer, change nothing. */
	{
		struct crypto_sha256 c;
		uint8_t out[32];

		crypto_sha256_init(&c);
		crypto_sha256_update(&c, NULL, 0);
		crypto_sha256_update(&c, "ab", 2);
		crypto_sha256_update(&c, NULL, 0);
		crypto_sha256_update(&c, "c", 1);
		crypto_sha256_final(&c, out);
		want_hex("empty updates", out, 32, vectors[0].sha256);
	}
	if (!ni)
		print_message("[ SKIP     ] SHA-NI: this CPU lacks it\n");
}

static const size_t pat[][6] = {
	{ 1 }, { 3 }, { 7 }, { 63 }, { 64 }, { 65 }, { 127 }, { 128 },
	{ 129 }, { 1, 2, 61, 64, 0 }, { 5, 119, 1, 200, 13, 64 },
};
static const size_t npat[] = { 1, 1, 1, 1, 1, 1, 1, 1, 1, 5, 6 };

/* m[0..len) through alg a in every chunk pattern equals OpenSSL's. */
static void same_as_openssl(enum alg a, const uint8_t *m, size_t len)
{
	uint8_t want[EVP_MAX_MD_SIZE], got[48];
	unsigned int wl = 0;

	assert_int_equal(EVP_Digest(m, len, want, &wl, ossl_md(a), NULL), 1);
	assert_int_equal(wl, alg_len[a]);
	for (size_t p = 0; p < ARRAY_SIZE(pat); p++) {
		digest(a, m, len, pat[p], npat[p], got);
		if (memcmp(got, want, wl) != 0)
			fail_msg("%s: %zu bytes at %p, pattern %zu: not OpenSSL's",
				 alg_name[a], len, (const void *)m, p);
	}
}

/* Every length around the block and padding edges, every chunking. */
static void test_incremental(void **state)
{
	static const size_t lens[] = { 0, 1, 55, 56, 57, 63, 64, 65, 111,
				       112, 113, 119, 120, 127, 128, 129, 191,
				       192, 255, 256, 257, 1000, 4097, 65537 };
	size_t maxlen = lens[ARRAY_SIZE(lens) - 1];
	uint8_t *buf = malloc(maxlen + 16);
	bool ni = have_shani();

	assert_non_null(buf);
	fill_random(buf, maxlen + 16);
	for (size_t l = 0; l < ARRAY_SIZE(lens); l++) {
		for (size_t off = 0; off < 15; off += 5) { /* alignment */
			for (enum alg a = A_SHA1; a <= A_SHA384; a++) {
				if (a != A_SHA256_SHANI || ni)
					same_as_openssl(a, buf + off, lens[l]);
			}
		}
	}
	free(buf);
}

/* SHA-512 against OpenSSL over lengths around the 128-byte block. */
static void test_sha512(void **state)
{
	static uint8_t msg[1000];
	uint8_t ours[64], ref[64];

	for (size_t i = 0; i < sizeof(msg); i++)
		msg[i] = (uint8_t)(i * 7 + 3);
	for (size_t n = 0; n < sizeof(msg); n += 37) {
		crypto_sha512(msg, n, ours);
		SHA512(msg, n, ref);
		assert_memory_equal(ours, ref, 64);
	}
	/* FIPS 180-4 example "abc". */
	crypto_sha512("abc", 3, ours);
	assert_int_equal(ours[0], 0xdd);
	assert_int_equal(ours[63], 0x9f);
}

static void test_sha256_select(void **state)
{
	struct crypto_sha256 c;

	crypto_sha256_set_simd(false);
	assert_int_equal(crypto_sha256_auto_impl(), CRYPTO_SHA256_PORTABLE);
	crypto_sha256_init(&c);
	assert_int_equal(c.impl, CRYPTO_SHA256_PORTABLE);
	assert_int_equal(crypto_sha256_init_impl(&c, CRYPTO_SHA256_PORTABLE),
			 SDM_OK);

	crypto_sha256_set_simd(true);
	if (have_shani()) {
		assert_int_equal(crypto_sha256_auto_impl(),
				 CRYPTO_SHA256_SHANI);
		crypto_sha256_init(&c);
		assert_int_equal(c.impl, CRYPTO_SHA256_SHANI);
	} else {
		assert_int_equal(crypto_sha256_auto_impl(),
				 CRYPTO_SHA256_PORTABLE);
		assert_int_equal(crypto_sha256_init_impl(&c,
				 CRYPTO_SHA256_SHANI), SDM_ENOENT);
	}
	assert_int_equal(crypto_sha256_init_impl(&c,
						 (enum crypto_sha256_impl)7),
			 SDM_ENOENT);
	print_message("[ INFO     ] SHA-256 auto: %s\n",
		      crypto_sha256_impl_name(crypto_sha256_auto_impl()));
}

/* ------------------------------------------------------------ signatures */

struct keys {
	EVP_PKEY *ec384, *ec384b, *ec256, *rsa3072, *rsa2048;
};
static struct keys K;

static int keys_setup(void **state)
{
	K.ec384 = EVP_PKEY_Q_keygen(NULL, NULL, "EC", "P-384");
	K.ec384b = EVP_PKEY_Q_keygen(NULL, NULL, "EC", "P-384");
	K.ec256 = EVP_PKEY_Q_keygen(NULL, NULL, "EC", "P-256");
	K.rsa3072 = EVP_PKEY_Q_keygen(NULL, NULL, "RSA", (size_t)3072);
	K.rsa2048 = EVP_PKEY_Q_keygen(NULL, NULL, "RSA", (size_t)2048);
	return K.ec384 && K.ec384b && K.ec256 && K.rsa3072 && K.rsa2048 ? 0
									 : -1;
}

static int keys_teardown(void **state)
{
	EVP_PKEY_free(K.ec384);
	EVP_PKEY_free(K.ec384b);
	EVP_PKEY_free(K.ec256);
	EVP_PKEY_free(K.rsa3072);
	EVP_PKEY_free(K.rsa2048);
	return 0;
}

struct blob {
	uint8_t d[1024];
	size_t n;
};

static void spki_of(EVP_PKEY *k, struct blob *b)
{
	int n = i2d_PUBKEY(k, NULL);
	uint8_t *p = b->d;

	assert_true(n > 0 && (size_t)n <= sizeof(b->d));
	assert_int_equal(i2d_PUBKEY(k, &p), n);
	b->n = (size_t)n;
}

/* OpenSSL signs msg (hashing it itself); pad 0 for ECDSA. */
static void sign(EVP_PKEY *k, const EVP_MD *md, int pad, int saltlen,
		 const uint8_t *msg, size_t len, struct blob *sig)
{
	EVP_MD_CTX *mc = EVP_MD_CTX_new();
	EVP_PKEY_CTX *pc = NULL;

	assert_non_null(mc);
	assert_int_equal(EVP_DigestSignInit(mc, &pc, md, NULL, k), 1);
	if (pad != 0)
		assert_int_equal(EVP_PKEY_CTX_set_rsa_padding(pc, pad), 1);
	if (pad == RSA_PKCS1_PSS_PADDING)
		assert_int_equal(EVP_PKEY_CTX_set_rsa_pss_saltlen(pc, saltlen),
				 1);
	sig->n = sizeof(sig->d);
	assert_int_equal(EVP_DigestSign(mc, sig->d, &sig->n, msg, len), 1);
	EVP_MD_CTX_free(mc);
}

static size_t max_peak;

/* crypto_verify, then check the pool is empty and intact again. */
static int verify(enum crypto_sig_alg alg, const struct blob *key,
		  enum crypto_hash_alg h, const uint8_t *hash, size_t hlen,
		  const struct blob *sig, struct sdm_err *err)
{
	struct crypto_pool_stats st;
	int rc;

	memset(err, 0, sizeof(*err));
	rc = crypto_verify(alg, key->d, key->n, h, hash, hlen, sig->d,
			   sig->n, err);
	crypto_pool_stats(&st);
	assert_int_equal(st.in_use, 0);
	assert_false(st.broken);
	assert_int_equal(st.failures, 0);
	if (st.peak > max_peak)
		max_peak = st.peak;
	if (rc != SDM_OK)
		assert_true(strncmp(err->msg, "signature: ", 11) == 0);
	return rc;
}

static const char policy[] = "sdm policy v1: domain demo, 64 MiB, cpu 1";

static void test_ecdsa_p384(void **state)
{
	struct blob key, other, k256, rsa, sig, bad;
	uint8_t h[CRYPTO_SHA384_LEN], h2[CRYPTO_SHA384_LEN];
	struct sdm_err err;

	spki_of(K.ec384, &key);
	spki_of(K.ec384b, &other);
	spki_of(K.ec256, &k256);
	spki_of(K.rsa3072, &rsa);
	sign(K.ec384, EVP_sha384(), 0, 0, (const uint8_t *)policy,
	     sizeof(policy), &sig);
	crypto_sha384(policy, sizeof(policy), h);

	assert_int_equal(crypto_verify_ecdsa_p384(key.d, key.n, h, sig.d,
						  sig.n, &err),
			 SDM_OK);
	assert_int_equal(verify(CRYPTO_SIG_ECDSA_P384, &key,
				CRYPTO_HASH_SHA384, h, sizeof(h), &sig, &err),
			 SDM_OK);

	/* A flipped bit in the signed data. */
	memcpy(h2, h, sizeof(h));
	h2[17] ^= 0x10;
	assert_int_equal(verify(CRYPTO_SIG_ECDSA_P384, &key,
				CRYPTO_HASH_SHA384, h2, sizeof(h2), &sig,
				&err),
			 SDM_ECHKSUM);
	assert_non_null(strstr(err.msg, "does not verify"));
	/* Each byte of the signature (DER framing included). */
	for (size_t i = 0; i < sig.n; i++) {
		bad = sig;
		bad.d[i] ^= 0x01;
		assert_int_equal(verify(CRYPTO_SIG_ECDSA_P384, &key,
					CRYPTO_HASH_SHA384, h, sizeof(h), &bad,
					&err),
				 SDM_ECHKSUM);
	}
	/* Truncated, extended, empty. */
	bad = sig;
	bad.n--;
	assert_int_equal(verify(CRYPTO_SIG_ECDSA_P384, &key,
				CRYPTO_HASH_SHA384, h, sizeof(h), &bad, &err),
			 SDM_ECHKSUM);
	bad = sig;
	bad.d[bad.n++] = 0;
	assert_int_equal(verify(CRYPTO_SIG_ECDSA_P384, &key,
				CRYPTO_HASH_SHA384, h, sizeof(h), &bad, &err),
			 SDM_ECHKSUM);
	bad.n = 0;
	assert_int_equal(verify(CRYPTO_SIG_ECDSA_P384, &key,
				CRYPTO_HASH_SHA384, h, sizeof(h), &bad, &err),
			 SDM_ECHKSUM);
	/* Signed by someone else. */
	assert_int_equal(verify(CRYPTO_SIG_ECDSA_P384, &other,
				CRYPTO_HASH_SHA384, h, sizeof(h), &sig, &err),
			 SDM_ECHKSUM);

	/* Keys of the wrong kind, or not exactly one SPKI. */
	assert_int_equal(verify(CRYPTO_SIG_ECDSA_P384, &k256,
				CRYPTO_HASH_SHA384, h, sizeof(h), &sig, &err),
			 SDM_EINVAL);
	assert_non_null(strstr(err.msg, "EC-256"));
	assert_int_equal(verify(CRYPTO_SIG_ECDSA_P384, &rsa,
				CRYPTO_HASH_SHA384, h, sizeof(h), &sig, &err),
			 SDM_EINVAL);
	bad = key;
	bad.d[bad.n++] = 0;
	assert_int_equal(verify(CRYPTO_SIG_ECDSA_P384, &bad,
				CRYPTO_HASH_SHA384, h, sizeof(h), &sig, &err),
			 SDM_EINVAL);
	assert_non_null(strstr(err.msg, "SubjectPublicKeyInfo"));
	for (size_t cut = 0; cut < key.n; cut += 7) {
		bad = key;
		bad.n = cut;
		assert_int_equal(verify(CRYPTO_SIG_ECDSA_P384, &bad,
					CRYPTO_HASH_SHA384, h, sizeof(h), &sig,
					&err),
				 SDM_EINVAL);
	}
	bad = key;
	bad.d[bad.n - 1] ^= 0x40; /* the point leaves the curve */
	assert_int_equal(verify(CRYPTO_SIG_ECDSA_P384, &bad,
				CRYPTO_HASH_SHA384, h, sizeof(h), &sig, &err),
			 SDM_EINVAL);

	/* Bad arguments. */
	assert_int_equal(verify(CRYPTO_SIG_ECDSA_P384, &key,
				CRYPTO_HASH_SHA384, h, 32, &sig, &err),
			 SDM_EINVAL);
	assert_int_equal(verify(CRYPTO_SIG_ECDSA_P384, &key,
				(enum crypto_hash_alg)9, h, sizeof(h), &sig,
				&err),
			 SDM_EINVAL);
	assert_int_equal(verify((enum crypto_sig_alg)0, &key,
				CRYPTO_HASH_SHA384, h, sizeof(h), &sig, &err),
			 SDM_EINVAL);
	assert_int_equal(crypto_verify(CRYPTO_SIG_ECDSA_P384, NULL, 0,
				       CRYPTO_HASH_SHA384, h, sizeof(h), sig.d,
				       sig.n, NULL),
			 SDM_EINVAL);
}

static void test_ecdsa_p256(void **state)
{
	struct blob key, sig;
	uint8_t h[CRYPTO_SHA256_LEN];
	struct sdm_err err;

	spki_of(K.ec256, &key);
	sign(K.ec256, EVP_sha256(), 0, 0, (const uint8_t *)policy,
	     sizeof(policy), &sig);
	crypto_sha256(policy, sizeof(policy), h);
	assert_int_equal(verify(CRYPTO_SIG_ECDSA_P256, &key,
				CRYPTO_HASH_SHA256, h, sizeof(h), &sig, &err),
			 SDM_OK);
	h[0] ^= 1;
	assert_int_equal(verify(CRYPTO_SIG_ECDSA_P256, &key,
				CRYPTO_HASH_SHA256, h, sizeof(h), &sig, &err),
			 SDM_ECHKSUM);
}

static void rsa_case(int pad, int saltlen, const EVP_MD *md,
		     enum crypto_hash_alg halg)
{
	enum crypto_sig_alg alg = pad == RSA_PKCS1_PSS_PADDING
					  ? CRYPTO_SIG_RSA3072_PSS
					  : CRYPTO_SIG_RSA3072_PKCS1;
	enum crypto_sig_alg other = alg == CRYPTO_SIG_RSA3072_PSS
					    ? CRYPTO_SIG_RSA3072_PKCS1
					    : CRYPTO_SIG_RSA3072_PSS;
	struct blob key, k2048, ec, sig, bad;
	uint8_t h[CRYPTO_SHA384_LEN];
	size_t hl = halg == CRYPTO_HASH_SHA384 ? 48 : 32;
	struct sdm_err err;

	spki_of(K.rsa3072, &key);
	spki_of(K.rsa2048, &k2048);
	spki_of(K.ec384, &ec);
	sign(K.rsa3072, md, pad, saltlen, (const uint8_t *)policy,
	     sizeof(policy), &sig);
	assert_int_equal(sig.n, 384);
	if (halg == CRYPTO_HASH_SHA384)
		crypto_sha384(policy, sizeof(policy), h);
	else
		crypto_sha256(policy, sizeof(policy), h);

	assert_int_equal(verify(alg, &key, halg, h, hl, &sig, &err), SDM_OK);
	if (halg == CRYPTO_HASH_SHA384)
		assert_int_equal(crypto_verify_rsa3072(key.d, key.n,
				 alg == CRYPTO_SIG_RSA3072_PSS, h, sig.d,
				 sig.n, &err), SDM_OK);

	/* The other padding, the other digest, tampered digest/signature. */
	assert_int_equal(verify(other, &key, halg, h, hl, &sig, &err),
			 SDM_ECHKSUM);
	h[hl - 1] ^= 0x80;
	assert_int_equal(verify(alg, &key, halg, h, hl, &sig, &err),
			 SDM_ECHKSUM);
	h[hl - 1] ^= 0x80;
	for (size_t i = 0; i < sig.n; i += 37) {
		bad = sig;
		bad.d[i] ^= 0x04;
		assert_int_equal(verify(alg, &key, halg, h, hl, &bad, &err),
				 SDM_ECHKSUM);
	}
	bad = sig;
	bad.n = 383;
	assert_int_equal(verify(alg, &key, halg, h, hl, &bad, &err),
			 SDM_ECHKSUM);
	bad = sig;
	bad.d[bad.n++] = 0;
	assert_int_equal(verify(alg, &key, halg, h, hl, &bad, &err),
			 SDM_ECHKSUM);

	/* Not RSA-3072. */
	assert_int_equal(verify(alg, &k2048, halg, h, hl, &sig, &err),
			 SDM_EINVAL);
	assert_non_null(strstr(err.msg, "RSA-2048"));
	assert_int_equal(verify(alg, &ec, halg, h, hl, &sig, &err),
			 SDM_EINVAL);
}

static void test_rsa3072_pkcs1(void **state)
{
	rsa_case(RSA_PKCS1_PADDING, 0, EVP_sha384(), CRYPTO_HASH_SHA384);
	rsa_case(RSA_PKCS1_PADDING, 0, EVP_sha256(), CRYPTO_HASH_SHA256);
}

static void test_rsa3072_pss(void **state)
{
	/* Salt as long as the digest (the usual choice), and the maximum. */
	rsa_case(RSA_PKCS1_PSS_PADDING, RSA_PSS_SALTLEN_DIGEST, EVP_sha384(),
		 CRYPTO_HASH_SHA384);
	rsa_case(RSA_PKCS1_PSS_PADDING, RSA_PSS_SALTLEN_MAX, EVP_sha384(),
		 CRYPTO_HASH_SHA384);
	rsa_case(RSA_PKCS1_PSS_PADDING, RSA_PSS_SALTLEN_DIGEST, EVP_sha256(),
		 CRYPTO_HASH_SHA256);
	print_message("[ INFO     ] crypto pool: peak %zu of %u bytes\n",
		      max_peak, CRYPTO_POOL_SIZE);
}

/* ------------------------------------------------------------ pool */

/* Runs last: it ends with the pool deliberately broken. */
static void test_pool(void **state)
{
	enum { N = 100 }; /* blocks of up to half their share of the pool */
	uint8_t *p[N];
	size_t sz[N];
	struct crypto_pool_stats st;
	struct blob key, sig;
	uint8_t h[CRYPTO_SHA384_LEN];
	struct sdm_err err;
	void *big;

	assert_null(sdm_crypto_calloc(SIZE_MAX / 2, 3));
	assert_null(sdm_crypto_calloc(1, CRYPTO_POOL_SIZE));
	for (int round = 0; round < 20; round++) {
		for (size_t i = 0; i < N; i++) {
			sz[i] = rnd() % (CRYPTO_POOL_SIZE / N / 2 - 16);
			p[i] = sdm_crypto_calloc(1, sz[i]);
			assert_non_null(p[i]);
			assert_true(((uintptr_t)p[i] & 15) == 0);
			for (size_t j = 0; j < sz[i]; j++)
				assert_int_equal(p[i][j], 0);
			memset(p[i], (int)i, sz[i]);
		}
		for (size_t i = 0; i < N; i++) { /* free in random order */
			size_t j = rnd() % N;

			if (p[j] == NULL)
				continue;
			for (size_t b = 0; b < sz[j]; b++)
				assert_int_equal(p[j][b], (uint8_t)j);
			sdm_crypto_free(p[j]);
			p[j] = NULL;
		}
		for (size_t i = 0; i < N; i++)
			sdm_crypto_free(p[i]);
		crypto_pool_stats(&st);
		assert_int_equal(st.in_use, 0);
	}
	/* Everything merged back: one block takes the whole pool. */
	big = sdm_crypto_calloc(1, CRYPTO_POOL_SIZE - 16);
	assert_non_null(big);
	assert_null(sdm_crypto_calloc(1, 0));
	sdm_crypto_free(big);

	/* A bad free breaks the pool; verification then fails closed. */
	big = sdm_crypto_calloc(1, 100);
	sdm_crypto_free((uint8_t *)big + 16);
	crypto_pool_stats(&st);
	assert_true(st.broken);
	spki_of(K.ec384, &key);
	sign(K.ec384, EVP_sha384(), 0, 0, (const uint8_t *)policy,
	     sizeof(policy), &sig);
	crypto_sha384(policy, sizeof(policy), h);
	assert_int_equal(crypto_verify_ecdsa_p384(key.d, key.n, h, sig.d,
						  sig.n, &err),
			 SDM_ENOMEM);
	assert_non_null(strstr(err.msg, "pool"));
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_sha256_select),
		cmocka_unit_test(test_sha512),
		cmocka_unit_test(test_vectors),
		cmocka_unit_test(test_incremental),
		cmocka_unit_test(test_ecdsa_p384),
		cmocka_unit_test(test_ecdsa_p256),
		cmocka_unit_test(test_rsa3072_pkcs1),
		cmocka_unit_test(test_rsa3072_pss),
		cmocka_unit_test(test_pool),
	};

	crypto_sha256_set_simd(true);
	return cmocka_run_group_tests(tests, keys_setup, keys_teardown);
}
