/*
 * libFuzzer target for the policy blob reader (policy/policy_verify.c) and
 * the checks sinit runs on what it accepts (policy/policy_check.c). The
 * input is a blob.
 *
 * Every input goes through sdm_policy_parse_fields, the parser that runs
 * after the signature (the signature would stop nearly every mutation
 * before it). Whatever it accepts must be canonical: encoding the parsed
 * policy again (policy/policy_encode.c) gives exactly the signed bytes of
 * the input. The semantic checks then run on it, without and with a
 * machine, and the first image is checked against the input's bytes.
 *
 * One input in 128 (chosen by its bytes) also goes the whole way,
 * sdm_policy_verify, anchored on the key the blob carries (an ECDSA or
 * RSA verification each time): it must refuse whatever parse_fields
 * refuses, and what it accepts must parse the same.
 *
 * Seeds (tests/fuzz/corpus/policy/) are written by the unit test:
 * "build/unit/test_policy --write-seeds tests/fuzz/corpus/policy".
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "crypto/crypto.h"
#include "policy/policy_check.h"
#include "policy/policy_encode.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static struct sdm_policy pol, again;
static struct sdm_pol_findings findings;
static struct sdm_pol_machine machine;
static uint8_t enc[sizeof(struct sdm_pol_header) +
		   SDM_POL_MAX_DOMAINS * sizeof(struct sdm_pol_domain) +
		   SDM_POL_MAX_KEY + SDM_POL_SIG_RSA3072_SIZE];

static void machine_init(void)
{
	static const uint32_t ids[] = { 0, 1, 2, 3, 6, 7 };

	machine.nram = 3;
	machine.ram[0] = (struct sdm_pol_ram){ 0, 0x9f000 };
	machine.ram[1] = (struct sdm_pol_ram){ MIB(1), MIB(511) };
	machine.ram[2] = (struct sdm_pol_ram){ GIB(4), GIB(4) };
	machine.ncpus = 6;
	memcpy(machine.apic_ids, ids, sizeof(ids));
	machine.bsp_known = true;
	machine.bsp_apic_id = 0;
	machine.devices_known = true;
	machine.ndevices = 2;
	machine.devices[0] = (struct sdm_pol_pci){ 0, 0, 3 << 3 };
	machine.devices[1] = (struct sdm_pol_pci){ 0, 0, 0x1f << 3 | 2 };
}

static void full_path(const uint8_t *data, size_t size, bool parsed)
{
	uint8_t anchor[SDM_POL_ANCHOR_LEN];
	struct sdm_pol_header h;
	struct sdm_err err;
	int rc;

	memset(anchor, 0, sizeof(anchor));
	if (size >= sizeof(h)) {
		memcpy(&h, data, sizeof(h));
		if ((uint64_t)h.key_offset + h.key_size <= size)
			crypto_sha384(data + h.key_offset, h.key_size, anchor);
	}
	rc = sdm_policy_verify(data, size, anchor, &again, &err);
	if (rc == SDM_OK && (!parsed || memcmp(&again, &pol, sizeof(pol)) != 0))
		abort();
	if (rc != SDM_OK && err.msg[0] == '\0')
		abort();
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct sdm_err err;
	size_t total, signed_len;
	unsigned sum = 0;
	bool parsed;

	if (machine.ncpus == 0)
		machine_init();
	err.msg[0] = '\0';
	parsed = sdm_policy_parse_fields(data, size, &pol, &err) == SDM_OK;
	if (!parsed && err.msg[0] == '\0')
		abort(); /* every refusal says why */
	if (parsed) {
		/* Canonical: the same policy and key encode to the same bytes. */
		if (sdm_policy_validate(&pol, NULL, &err) != SDM_OK ||
		    sdm_policy_encode(&pol, data + pol.key_offset, pol.key_size,
				      pol.sig_alg, enc, sizeof(enc), &total,
				      &signed_len, &err) != SDM_OK ||
		    total != size || signed_len != pol.signed_size ||
		    memcmp(enc, data, signed_len) != 0)
			abort();
		sdm_policy_check(&pol, NULL, &findings, &err);
		if (findings.n > SDM_POL_MAX_FINDINGS || findings.n > findings.total)
			abort();
		sdm_policy_check(&pol, &machine, &findings, &err);
		if (findings.n > SDM_POL_MAX_FINDINGS || findings.n > findings.total)
			abort();
		sdm_policy_check_image(&pol.dom[0], 0, data, size < 256 ? size : 256, &err);
	}
	for (size_t i = 0; i < size; i++)
		sum += data[i];
	if (sum % 128 == 0)
		full_path(data, size, parsed);
	return 0;
}
