/*
 * libFuzzer target for the rollback counter's TPM response parsers
 * (tpm/tpm2_nv.c): TPM2_NV_ReadPublic, TPM2_NV_Read, TPM2_StartAuthSession,
 * TPM2_PolicyLocality, TPM2_NV_Increment, TPM2_FlushContext, and the
 * session/increment sequence that flushes on failure.
 *
 * Input: one selector byte, then the TPM's responses.
 *   selector bits 2:0  the command (see run())
 *            bit 4     1: the responses are consecutive, each as long as
 *                      its header's size field says (clamped to what is
 *                      left); 0: every command gets all the rest
 * A fake transport hands the responses to the command code, which must
 * either succeed with outputs inside their documented bounds or fail with
 * a message; a positive return must be a plausible TPM response code.
 * Seeds: tests/fuzz/corpus/tpm_nv/ (well-formed swtpm-like responses).
 */
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "tpm/tpm2_nv.h"

#define MAX_CALLS 64
#include "fake_tpm.h"

static const uint8_t nonce[16] = { 1, 2, 3, 4, 5, 6, 7, 8,
				   9, 10, 11, 12, 13, 14, 15, 16 };

static int run(unsigned cmd, const struct tpm_transport *t,
	       struct sdm_err *err)
{
	struct tpm2_nv_public pub;
	struct sdm_err e2;
	uint8_t buf[TPM20_MAX_NV_READ];
	uint32_t s = 0;
	uint64_t v;
	int rc;

	switch (cmd) {
	case 0:
		rc = tpm2_nv_read_public(t, 3, SDM_ROLLBACK_NV_INDEX, &pub, err);
		if (rc == SDM_OK) {
			size_t d = tpm2_alg_digest_size(pub.name_alg);

			CHECK(pub.index == SDM_ROLLBACK_NV_INDEX);
			CHECK(d != 0);
			CHECK(pub.policy_size == 0 || pub.policy_size == d);
			CHECK(pub.name_size == 2 + d);
			/* The trust check on whatever parsed. */
			if (sdm_rollback_check_public(&pub, &e2) == SDM_OK)
				CHECK(pub.attributes & TPM20_NV_WRITTEN);
		}
		return rc;
	case 1:
		return tpm2_nv_read_counter(t, 3, SDM_ROLLBACK_NV_INDEX, &v,
					    err);
	case 2:
		return tpm2_nv_read(t, 0, SDM_ROLLBACK_NV_INDEX, 33, 3, buf,
				    err);
	case 3:
		rc = tpm2_start_policy_session(t, 3, nonce, sizeof(nonce),
						  &s, err);
		if (rc == SDM_OK)
			CHECK(s >> 24 == TPM20_HT_POLICY_SESSION);
		return rc;
	case 4:
		return tpm2_policy_locality(t, 3, 0x03000000,
					       TPM20_LOC_THREE, err);
	case 5:
		return tpm2_nv_increment_policy(t, 3, SDM_ROLLBACK_NV_INDEX,
						0x03000000, err);
	case 6:
		return tpm2_flush_context(t, 3, 0x03000000, err);
	default:
		return tpm2_nv_increment_loc3(t, 3, SDM_ROLLBACK_NV_INDEX,
					      nonce, sizeof(nonce), err);
	}
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct src s = { 0 };
	struct tpm_transport t = { "fake", &s, fake_xfer };
	struct sdm_err err = { 0 };
	uint8_t *copy;
	int rc;

	if (size == 0)
		return 0;
	copy = fake_src_load(&s, data, size);
	rc = run(data[0] & 7, &t, &err);
	fake_check_rc(rc, &err);
	free(copy);
	return 0;
}
