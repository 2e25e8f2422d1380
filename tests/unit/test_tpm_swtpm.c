/*
 * The command layer against a real swtpm (TPM 2.0, then TPM 1.2) started
 * by the test through tpm/host/swtpm.c. Expected PCR values are computed
 * with OpenSSL. A missing swtpm is a failure, not a skip: the group setup
 * fails with the reason.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <string.h>
#include <cmocka.h>
#include <openssl/evp.h>
#include "tpm/host/swtpm.h"
#include "tpm/tpm12.h"
#include "tpm/tpm2.h"
#include "swtpm_test.h"

static struct swtpm sw;
static const struct tpm_transport *tr;
static struct sdm_err err;

static int start(bool tpm2)
{
	memset(&err, 0, sizeof(err));
	if (swtpm_start(&sw, tpm2, &err) != SDM_OK) {
		print_error("cannot start swtpm (TPM %s): %s\n",
			    tpm2 ? "2.0" : "1.2", err.msg);
		return -1;
	}
	tr = swtpm_transport(&sw);
	return 0;
}

static int start20(void **state)
{
	return start(true);
}

static int start12(void **state)
{
	return start(false);
}

static int stop(void **state)
{
	swtpm_stop(&sw);
	return 0;
}

static const EVP_MD *md_of(uint16_t alg)
{
	switch (alg) {
	case TPM20_ALG_SHA1: return EVP_sha1();
	case TPM20_ALG_SHA256: return EVP_sha256();
	case TPM20_ALG_SHA384: return EVP_sha384();
	case TPM20_ALG_SHA512: return EVP_sha512();
	case TPM20_ALG_SM3_256: return EVP_sm3();
	default: fail_msg("no OpenSSL digest for algorithm 0x%04x", alg);
	}
	return NULL;
}

/* out = H(a || b) */
static void hash2(uint16_t alg, const void *a, size_t alen, const void *b,
		  size_t blen, uint8_t *out)
{
	EVP_MD_CTX *c = EVP_MD_CTX_new();
	unsigned n = 0;

	assert_non_null(c);
	assert_int_equal(EVP_DigestInit_ex(c, md_of(alg), NULL), 1);
	assert_int_equal(EVP_DigestUpdate(c, a, alen), 1);
	assert_int_equal(EVP_DigestUpdate(c, b, blen), 1);
	assert_int_equal(EVP_DigestFinal_ex(c, out, &n), 1);
	assert_int_equal(n, tpm2_alg_digest_size(alg));
	EVP_MD_CTX_free(c);
}

/* ------------------------------------------------------------ TPM 2.0 */

static uint16_t algs[TPM20_MAX_BANKS];
static unsigned nalgs;

static void t20_startup(void **state)
{
	bool already = true;

	OK(tpm2_startup(tr, 0, &already, &err));
	assert_false(already);
	/* Again: TPM_RC_INITIALIZE, as after SeaBIOS. */
	OK(tpm2_startup(tr, 0, &already, &err));
	assert_true(already);
}

static void t20_info(void **state)
{
	struct tpm2_info info;

	OK(tpm2_get_info(tr, 0, &info, &err));
	assert_string_equal(info.family, "2.0");
	assert_string_equal(info.manufacturer, "IBM");
	assert_true(info.year >= 2014);
	print_message("TPM 2.0: %s, vendor \"%s\", revision %u.%02u, %u\n",
		      info.manufacturer, info.vendor, info.revision / 100,
		      info.revision % 100, info.year);
}

static void t20_banks(void **state)
{
	struct tpm2_banks b;
	bool sha1 = false, sha256 = false;

	OK(tpm2_get_pcr_banks(tr, 0, &b, &err));
	nalgs = 0;
	for (unsigned i = 0; i < b.count; i++) {
		print_message("bank %s (0x%04x): PCRs 0x%06x\n",
			      tpm2_alg_name(b.bank[i].alg), b.bank[i].alg,
			      b.bank[i].pcrs);
		if (b.bank[i].pcrs == 0)
			continue;
		assert_int_equal(b.bank[i].pcrs, 0xffffff);
		algs[nalgs++] = b.bank[i].alg;
		sha1 |= b.bank[i].alg == TPM20_ALG_SHA1;
		sha256 |= b.bank[i].alg == TPM20_ALG_SHA256;
	}
	assert_true(sha1 && sha256);
}

static void read_all(unsigned loc, unsigned pcr, struct tpm2_digest *out)
{
	OK(tpm2_pcr_read(tr, loc, pcr, algs, nalgs, out, NULL, &err));
	for (unsigned i = 0; i < nalgs; i++)
		assert_int_equal(out[i].size, tpm2_alg_digest_size(algs[i]));
}

static void t20_pcr_read(void **state)
{
	struct tpm2_digest v[TPM20_MAX_BANKS];
	uint8_t zeros[64] = { 0 }, ones[64];
	uint32_t c1, c2;

	memset(ones, 0xff, sizeof(ones));
	assert_true(nalgs > 0);
	read_all(0, 16, v);
	for (unsigned i = 0; i < nalgs; i++)
		assert_memory_equal(v[i].bytes, zeros, v[i].size);
	/* PCR 17 before any dynamic launch: all ones (PC Client). */
	read_all(0, 17, v);
	for (unsigned i = 0; i < nalgs; i++)
		assert_memory_equal(v[i].bytes, ones, v[i].size);
	OK(tpm2_pcr_read(tr, 0, 16, algs, 1, v, &c1, &err));
	OK(tpm2_pcr_read(tr, 0, 16, algs, 1, v, &c2, &err));
	assert_int_equal(c1, c2);
}

/* Extend pcr at loc with H_bank(msg) in every bank; check the result. */
static int extend_and_check(unsigned loc, unsigned pcr, const char *msg)
{
	struct tpm2_digest old[TPM20_MAX_BANKS], d[TPM20_MAX_BANKS];
	struct tpm2_digest now[TPM20_MAX_BANKS];
	uint8_t want[64];
	int rc;

	read_all(loc, pcr, old);
	for (unsigned i = 0; i < nalgs; i++) {
		d[i].alg = algs[i];
		d[i].size = (uint16_t)tpm2_alg_digest_size(algs[i]);
		hash2(algs[i], msg, strlen(msg), "", 0, d[i].bytes);
	}
	rc = tpm2_pcr_extend(tr, loc, pcr, d, nalgs, &err);
	if (rc != SDM_OK)
		return rc;
	read_all(0, pcr, now); /* readable at any locality */
	for (unsigned i = 0; i < nalgs; i++) {
		hash2(algs[i], old[i].bytes, old[i].size, d[i].bytes,
		      d[i].size, want);
		assert_memory_equal(now[i].bytes, want, now[i].size);
		assert_memory_not_equal(now[i].bytes, old[i].bytes,
					now[i].size);
	}
	return SDM_OK;
}

static void t20_extend16(void **state)
{
	OK(extend_and_check(0, 16, "sdm: PCR 16 at locality 0"));
	OK(extend_and_check(0, 16, "sdm: and again"));
}

static void t20_locality(void **state)
{
	struct tpm2_digest before[TPM20_MAX_BANKS], after[TPM20_MAX_BANKS];

	read_all(0, 17, before);
	assert_int_equal(extend_and_check(0, 17, "sdm: refused"),
			 TPM20_RC_LOCALITY);
	assert_int_equal(err.code, TPM20_RC_LOCALITY);
	assert_string_equal(err.msg, "TPM2_PCR_Extend: TPM refused: "
				     "TPM_RC_LOCALITY (0x907, warning)");
	assert_int_equal(extend_and_check(1, 17, "sdm: refused"),
			 TPM20_RC_LOCALITY);
	read_all(0, 17, after);
	for (unsigned i = 0; i < nalgs; i++)
		assert_memory_equal(before[i].bytes, after[i].bytes,
				    before[i].size);
	/* The same command at locality 3 is accepted: it got there. */
	OK(extend_and_check(3, 17, "sdm: PCR 17 at locality 3"));
	OK(extend_and_check(2, 18, "sdm: PCR 18 at locality 2"));
}

/* The DRTM sequence over the control channel: PCR 17 = H(0..0 || H(d)). */
static void t20_hash_sequence(void **state)
{
	static const char data[] = "sdm: the measured launch environment";
	struct tpm2_digest v[TPM20_MAX_BANKS];
	uint8_t zeros[64] = { 0 }, inner[64], want[64];

	OK(swtpm_set_locality(&sw, 4, &err));
	OK(swtpm_hash_start(&sw, &err));
	OK(swtpm_hash_data(&sw, data, sizeof(data), &err));
	OK(swtpm_hash_end(&sw, &err));
	read_all(0, 17, v);
	for (unsigned i = 0; i < nalgs; i++) {
		size_t n = tpm2_alg_digest_size(algs[i]);

		hash2(algs[i], data, sizeof(data), "", 0, inner);
		hash2(algs[i], zeros, n, inner, n, want);
		assert_memory_equal(v[i].bytes, want, n);
	}
	/* The next command goes back to its own locality. */
	assert_int_equal(extend_and_check(0, 17, "sdm: refused"),
			 TPM20_RC_LOCALITY);
}

static void t20_random(void **state)
{
	uint8_t a[100], b[100], zeros[100] = { 0 };

	OK(tpm2_get_random(tr, 0, a, sizeof(a), &err));
	OK(tpm2_get_random(tr, 0, b, sizeof(b), &err));
	assert_memory_not_equal(a, zeros, sizeof(a));
	assert_memory_not_equal(a, b, sizeof(a));
}

static void t20_reset(void **state)
{
	struct tpm2_digest v[TPM20_MAX_BANKS];
	uint8_t zeros[64] = { 0 };
	bool already = true;

	/* CMD_INIT is a TPM reset: Startup is needed again, PCR 16 is 0. */
	OK(swtpm_init(&sw, 0, &err));
	assert_int_not_equal(tpm2_pcr_read(tr, 0, 16, algs, nalgs, v, NULL,
					   &err),
			     SDM_OK);
	OK(tpm2_startup(tr, 0, &already, &err));
	assert_false(already);
	read_all(0, 16, v);
	for (unsigned i = 0; i < nalgs; i++)
		assert_memory_equal(v[i].bytes, zeros, v[i].size);
}

/* ------------------------------------------------------------ TPM 1.2 */

static void sha1_2(const void *a, size_t alen, const void *b, size_t blen,
		   uint8_t out[20])
{
	hash2(TPM20_ALG_SHA1, a, alen, b, blen, out);
}

static void t12_startup(void **state)
{
	bool already = true;

	OK(tpm12_startup(tr, 0, &already, &err));
	assert_false(already);
	OK(tpm12_startup(tr, 0, &already, &err));
	assert_true(already);
}

static void t12_caps(void **state)
{
	struct tpm12_version v;
	uint32_t n = 0;

	OK(tpm12_get_pcr_count(tr, 0, &n, &err));
	assert_int_equal(n, 24);
	OK(tpm12_get_version(tr, 0, &v, &err));
	assert_int_equal(v.major, 1);
	assert_int_equal(v.minor, 2);
	assert_string_equal(v.vendor, "IBM");
	print_message("TPM 1.2: %s, %u.%u rev %u.%u, spec level %u errata %u\n",
		      v.vendor, v.major, v.minor, v.rev_major, v.rev_minor,
		      v.spec_level, v.errata_rev);
}

static int extend12(unsigned loc, unsigned pcr, const char *msg)
{
	uint8_t old[20], d[20], ret[20], now[20], want[20];
	int rc;

	OK(tpm12_pcr_read(tr, 0, pcr, old, &err));
	sha1_2(msg, strlen(msg), "", 0, d);
	rc = tpm12_extend(tr, loc, pcr, d, ret, &err);
	if (rc != SDM_OK)
		return rc;
	OK(tpm12_pcr_read(tr, 0, pcr, now, &err));
	sha1_2(old, 20, d, 20, want);
	assert_memory_equal(now, want, 20);
	assert_memory_equal(ret, want, 20);
	return SDM_OK;
}

static void t12_pcrs(void **state)
{
	uint8_t v[20], zeros[20] = { 0 }, ones[20];

	memset(ones, 0xff, sizeof(ones));
	OK(tpm12_pcr_read(tr, 0, 10, v, &err));
	assert_memory_equal(v, zeros, 20);
	OK(tpm12_pcr_read(tr, 0, 17, v, &err));
	assert_memory_equal(v, ones, 20);
	OK(extend12(0, 10, "sdm: PCR 10"));
	OK(extend12(0, 10, "sdm: PCR 10 again"));
	assert_int_equal(tpm12_pcr_read(tr, 0, 24, v, &err),
			 TPM12_BADINDEX);
}

static void t12_locality(void **state)
{
	assert_int_equal(extend12(0, 17, "sdm: refused"), TPM12_BAD_LOCALITY);
	assert_string_equal(err.msg, "TPM_Extend: TPM refused: "
				     "TPM_BAD_LOCALITY (0x3d)");
	OK(extend12(3, 17, "sdm: PCR 17 at locality 3"));
}

static void t12_random(void **state)
{
	uint8_t a[200], b[200];

	OK(tpm12_get_random(tr, 0, a, sizeof(a), &err));
	OK(tpm12_get_random(tr, 0, b, sizeof(b), &err));
	assert_memory_not_equal(a, b, sizeof(a));
}

int main(void)
{
	const struct CMUnitTest t20[] = {
		cmocka_unit_test(t20_startup),
		cmocka_unit_test(t20_info),
		cmocka_unit_test(t20_banks),
		cmocka_unit_test(t20_pcr_read),
		cmocka_unit_test(t20_extend16),
		cmocka_unit_test(t20_locality),
		cmocka_unit_test(t20_hash_sequence),
		cmocka_unit_test(t20_random),
		cmocka_unit_test(t20_reset),
	};
	const struct CMUnitTest t12[] = {
		cmocka_unit_test(t12_startup),
		cmocka_unit_test(t12_caps),
		cmocka_unit_test(t12_pcrs),
		cmocka_unit_test(t12_locality),
		cmocka_unit_test(t12_random),
	};
	int failed;

	failed = cmocka_run_group_tests_name("swtpm TPM 2.0", t20, start20,
					     stop);
	failed += cmocka_run_group_tests_name("swtpm TPM 1.2", t12, start12,
					      stop);
	return failed != 0;
}
