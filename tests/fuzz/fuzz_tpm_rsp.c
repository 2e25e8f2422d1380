/*
 * libFuzzer target for the TPM response parsers (tpm/tpm2.c, tpm/tpm12.c)
 * and dommgr's evidence path on top of them (tpm/evidence.c: session,
 * PolicyLocality, Quote, FlushContext, the bundle).
 *
 * Input: one selector byte, then the TPM's responses.
 *   selector bits 3:0  the command (see run(); 15 with parameter 7: the
 *                      response-code decoders on the first 4 bytes)
 *            bit 4     1: the responses are consecutive, each as long as
 *                      its header's size field says (clamped to what is
 *                      left); 0: every command gets all the rest
 *            bits 7:5  a parameter (banks asked for, PCR, byte count)
 * A fake transport hands the responses to the command code, which must
 * either succeed with outputs inside their documented bounds or fail with
 * a message; a positive return must be a plausible TPM response code.
 */
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "tpm/attest.h"
#include "tpm/evidence.h"
#include "tpm/tpm12.h"
#include "tpm/tpm2.h"

#define MAX_CALLS 512
#include "fake_tpm.h"

static void check_string(const char *s, size_t cap)
{
	size_t n = strnlen(s, cap);

	CHECK(n < cap);
	for (size_t i = 0; i < n; i++)
		CHECK(s[i] >= 0x20 && s[i] < 0x7f);
}

static const uint16_t algs[] = { TPM20_ALG_SHA1, TPM20_ALG_SHA256,
				 TPM20_ALG_SHA384, TPM20_ALG_SHA512,
				 TPM20_ALG_SM3_256 };
static const uint16_t algs_rev[] = { TPM20_ALG_SM3_256, TPM20_ALG_SHA512,
				     TPM20_ALG_SHA384, TPM20_ALG_SHA256,
				     TPM20_ALG_SHA1 };

static int pcr_read(const struct tpm_transport *t, unsigned p,
		    const uint16_t *a, struct sdm_err *err)
{
	struct tpm2_digest out[5];
	unsigned n = p % 5 + 1;
	uint32_t counter;
	int rc;

	rc = tpm2_pcr_read(t, 0, p * 3, a, n, out, &counter, err);
	if (rc == SDM_OK)
		for (unsigned i = 0; i < n; i++) {
			CHECK(out[i].alg == a[i]);
			CHECK(out[i].size == 0 ||
			      out[i].size == tpm2_alg_digest_size(a[i]));
		}
	return rc;
}

/* Not SHA-256: any fixed function of the bytes will do here. */
static void fake_sha256(const void *p, size_t n, uint8_t out[32])
{
	const uint8_t *b = p;
	uint64_t h = 1469598103934665603ull;

	for (size_t i = 0; i < n; i++)
		h = (h ^ b[i]) * 1099511628211ull;
	for (unsigned i = 0; i < 32; i++)
		out[i] = (uint8_t)(h >> (8 * (i % 8)));
}

static int evidence(const struct tpm_transport *t, unsigned p,
		    struct sdm_err *err)
{
	static uint8_t bundle[ATT_HDR + 5 * ATT_REC_HDR + ATT_NONCE_MAX +
			      ATT_MAX_ATTEST + ATT_MAX_SIGNATURE + 256];
	static const uint8_t nonce[32] = { 7 }, report[64] = { 1 },
			     log[64] = { 2 };
	struct evidence_in in = {
		.nonce = nonce, .nonce_len = 8 + p * 3,
		.report = report, .report_len = sizeof(report),
		.evlog = log, .evlog_len = sizeof(log),
		.ak_handle = EVIDENCE_AK_HANDLE, .locality = p % 5,
		.sha256 = fake_sha256,
	};
	struct att_bundle b;
	size_t len = 0;
	int rc;

	rc = evidence_make(t, &in, bundle, sizeof(bundle), &len, err);
	if (rc == SDM_OK) {
		CHECK(len > 0 && len <= sizeof(bundle));
		CHECK(att_bundle_parse(bundle, len, &b, NULL) == SDM_OK);
		CHECK(b.nonce.len == in.nonce_len);
	}
	return rc;
}

static int run(unsigned cmd, unsigned p, const struct tpm_transport *t,
	       struct sdm_err *err)
{
	uint8_t buf[400], d20[20] = { 1 };
	bool already;
	int rc;

	switch (cmd) {
	case 0:
		return tpm2_startup(t, 0, &already, err);
	case 1: {
		struct tpm2_banks b;

		rc = tpm2_get_pcr_banks(t, 0, &b, err);
		if (rc == SDM_OK) {
			CHECK(b.count <= TPM20_MAX_BANKS);
			for (unsigned i = 0; i < b.count; i++) {
				unsigned sz = b.bank[i].sizeof_select;

				CHECK(sz <= TPM20_PCR_SELECT_MAX);
				CHECK(sz == 4 ||
				      b.bank[i].pcrs >> (8 * sz) == 0);
				for (unsigned j = 0; j < i; j++)
					CHECK(b.bank[j].alg != b.bank[i].alg);
			}
		}
		return rc;
	}
	case 2: {
		struct tpm2_info info;

		rc = tpm2_get_info(t, 0, &info, err);
		if (rc == SDM_OK) {
			check_string(info.family, sizeof(info.family));
			check_string(info.manufacturer,
				     sizeof(info.manufacturer));
			check_string(info.vendor, sizeof(info.vendor));
		}
		return rc;
	}
	case 3: {
		struct tpm2_props props;
		uint32_t count = p * 4 + 1;

		rc = tpm2_get_properties(t, 0, TPM20_PT_FIXED + p, count,
					 &props, err);
		if (rc == SDM_OK) {
			CHECK(props.count <= count);
			for (unsigned i = 0; i < props.count; i++)
				CHECK(props.prop[i].property >=
					      TPM20_PT_FIXED + p &&
				      (i == 0 || props.prop[i].property >
							 props.prop[i - 1]
								 .property));
		}
		return rc;
	}
	case 4:
		return pcr_read(t, p, algs, err);
	case 5: {
		struct tpm2_digest d[5];
		unsigned n = p % 5 + 1;

		for (unsigned i = 0; i < n; i++) {
			d[i].alg = algs[i];
			d[i].size = (uint16_t)tpm2_alg_digest_size(algs[i]);
			memset(d[i].bytes, (int)i, sizeof(d[i].bytes));
		}
		return tpm2_pcr_extend(t, 2, 16 + p, d, n, err);
	}
	case 6:
		return tpm2_get_random(t, 0, buf, 1 + p * 20, err);
	case 7:
		return tpm12_startup(t, 0, &already, err);
	case 8: {
		uint32_t n = 0;

		rc = tpm12_get_pcr_count(t, 0, &n, err);
		if (rc == SDM_OK)
			CHECK(n >= 1 && n <= TPM12_MAX_PCRS);
		return rc;
	}
	case 9: {
		struct tpm12_version v;

		rc = tpm12_get_version(t, 0, &v, err);
		if (rc == SDM_OK) {
			CHECK(v.major == 1 && v.minor == 2);
			check_string(v.vendor, sizeof(v.vendor));
		}
		return rc;
	}
	case 10:
		return tpm12_pcr_read(t, 0, p, d20, err);
	case 11:
		return tpm12_extend(t, 0, 10 + p, d20, d20, err);
	case 12:
		return tpm12_get_random(t, 0, buf, 1 + p * 40, err);
	case 13: {
		static const uint8_t sub[4] = { 0, 0, 1, 1 };
		size_t len = 0, max = 16 * p + 4;

		rc = tpm12_get_capability(t, 0, TPM12_CAP_PROPERTY, sub,
					  sizeof(sub), buf, max, &len, err);
		if (rc == SDM_OK)
			CHECK(len <= max);
		return rc;
	}
	case 14:
		return pcr_read(t, p, algs_rev, err);
	case 15:
		return evidence(t, p, err);
	default:
		return SDM_OK;
	}
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct src s = { 0 };
	struct tpm_transport t = { "fake", &s, fake_xfer };
	struct sdm_err err = { 0 };
	uint8_t *copy;
	unsigned sel;
	char msg[80];
	int rc;

	if (size == 0)
		return 0;
	sel = data[0];
	copy = fake_src_load(&s, data, size);

	if ((sel & 0xf) == 15 && sel >> 5 == 7) {
		/* The response-code decoders, on the first 4 bytes. */
		uint32_t v = 0;

		for (size_t i = 0; i < 4 && i < s.n; i++)
			v = v << 8 | copy[i];
		tpm2_rc_str(v, msg, sizeof(msg));
		CHECK(strnlen(msg, sizeof(msg)) < sizeof(msg) && msg[0]);
		tpm12_rc_str(v, msg, sizeof(msg));
		CHECK(strnlen(msg, sizeof(msg)) < sizeof(msg) && msg[0]);
		free(copy);
		return 0;
	}
	rc = run(sel & 0xf, sel >> 5, &t, &err);
	fake_check_rc(rc, &err);
	free(copy);
	return 0;
}
