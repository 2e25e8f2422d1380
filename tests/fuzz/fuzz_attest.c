/*
 * libFuzzer target for the attestation formats (tpm/attest.c): every
 * parser runs on every input, since a verifier meets each of them on
 * files and the network:
 *   - any container (bundle, enrolment request, challenge, state,
 *     response, enrolment); one that parses is written again record by
 *     record with the writer and must come out byte for byte the same;
 *   - a bundle, then its report and its event log as the verifier reads
 *     them;
 *   - TPMS_ATTEST, TPMT_SIGNATURE and TPMT_PUBLIC on the raw input;
 *   - a domain report; one that decodes must encode to the same bytes
 *     (one report, one encoding);
 *   - the reference text.
 * Every pointer a parser returns is read (ASan checks it lies inside the
 * input).
 *
 * Seeds (tests/fuzz/corpus/attest/) are real files from the unit test:
 * "build/unit/test_attest --write-seeds tests/fuzz/corpus/attest".
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include "tpm/attest.h"
#include "tpm/eventlog.h"

static unsigned sum;

static void touch(const uint8_t *p, size_t n)
{
	for (size_t i = 0; i < n; i++)
		sum += p[i];
}

static void containers(const uint8_t *data, size_t size)
{
	static uint8_t copy[ATT_MAX_FILE];
	struct att_container c;
	struct att_writer w;
	struct sdm_err err;
	size_t len;

	if (att_container_parse(data, size, 0, &c, &err) != SDM_OK)
		return;
	att_writer_init(&w, copy, sizeof(copy), c.kind);
	for (uint16_t t = 1; t <= ATT_MAX_TAG; t++) {
		if (!c.rec[t].present)
			continue;
		touch(c.rec[t].p, c.rec[t].len);
		att_writer_add(&w, t, c.rec[t].p, c.rec[t].len);
	}
	if (att_writer_finish(&w, &len, &err) != SDM_OK || len != size ||
	    memcmp(copy, data, size) != 0)
		abort();
	if (c.kind == ATT_KIND_ENROLMENT) {
		struct att_enrol_info info;

		att_enrol_info_decode(&c.rec[ATT_T_ENR_INFO], &info, &err);
	}
}

static void report(const uint8_t *data, size_t size)
{
	static struct att_report r;
	static uint8_t copy[ATT_REPORT_MAX];
	struct sdm_err err;
	size_t len;

	if (att_report_decode(data, size, &r, &err) != SDM_OK)
		return;
	if (att_report_encode(&r, copy, sizeof(copy), &len, &err) != SDM_OK ||
	    len != size || memcmp(copy, data, size) != 0)
		abort();
}

static int visit(void *ctx, const struct evlog_info *info,
		 const struct evlog_event *ev, struct sdm_err *err)
{
	touch(ev->data, ev->data_size);
	return 0;
}

static void tpm_structures(const uint8_t *data, size_t size)
{
	struct att_quote q;
	struct att_signature s;
	struct att_public p;
	struct sdm_err err;

	if (att_quote_parse(data, size, &q, &err) == SDM_OK) {
		touch(q.signer, q.signer_size);
		touch(q.extra, q.extra_size);
		touch(q.pcr_digest, q.pcr_digest_size);
	}
	if (att_signature_parse(data, size, &s, &err) == SDM_OK) {
		touch(s.r, s.r_size);
		touch(s.s, s.s_size);
		touch(s.rsa, s.rsa_size);
	}
	if (att_public_parse(data, size, &p, &err) == SDM_OK) {
		touch(p.policy, p.policy_size);
		touch(p.rsa_n, p.rsa_n_size);
		touch(p.ecc_x, p.ecc_x_size);
		touch(p.ecc_y, p.ecc_y_size);
	}
	if (att_name_ok(data, size))
		sum++;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);
int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static struct att_reference ref;
	struct att_bundle b;
	struct sdm_err err;

	containers(data, size);
	if (att_bundle_parse(data, size, &b, &err) == SDM_OK) {
		touch(b.nonce.p, b.nonce.len);
		report(b.report.p, b.report.len);
		evlog_parse(b.eventlog.p, b.eventlog.len, visit, NULL, &err);
	}
	tpm_structures(data, size);
	report(data, size);
	if (att_reference_parse((const char *)data, size, "fuzz", &ref, &err) ==
	    SDM_OK)
		sum += ref.nevents + ref.nimages + ref.ndomains;
	return 0;
}
