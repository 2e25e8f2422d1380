/*
 * dommgr's measurements: PCR 20 at locality 2 for every domain it starts
 * (its image, then its configuration), appended to the event log sinit
 * began, and the log's export on the console for the emulator harness
 * and the demo (dommgr: eventlog begin / <hex> / end <sha256>).
 */
#include <stdio.h>
#include <string.h>
#include <sdm/log.h>
#include <sdm/tpmdev.h>
#include "crypto/crypto.h"
#include "tpm/evidence.h"
#include "dommgr/core.h"
#include "dommgr/measure.h"
#include "dommgr/mm.h"

#define DOMMGR_LOC 2

static struct tpmdev tpm;
static struct evlog_writer log;
static bool measuring;

int dommgr_measure_init(const struct sdm_handoff *ho, struct sdm_err *err)
{
	const struct sdm_ho_measure *m = &ho->measure;
	uint16_t port;
	bool ext32;

	if (!m->tpm_ok || m->evlog_format == 0)
		return SDM_OK; /* an unmeasured launch stays unmeasured */
	memset(&log, 0, sizeof(log));
	log.buf = mm_va(m->evlog_pa);
	log.cap = m->evlog_cap;
	log.len = m->evlog_len;
	log.format = (enum evlog_format)m->evlog_format;
	log.nbanks = m->nbanks;
	log.nevents = m->evlog_nevents;
	for (unsigned i = 0; i < m->nbanks; i++)
		log.banks[i] = (struct evlog_bank){ m->bank_alg[i],
						    m->bank_size[i] };
	tpmdev_pm_timer(ho->platform.fadt_pa, &port, &ext32);
	if (tpmdev_open(&tpm, &ho->tpm, port, ext32, err) != SDM_OK)
		return err->code;
	if (tpm.nbanks != log.nbanks)
		return sdm_err_set(err, SDM_EINVAL, "TPM: %u active banks now, "
				   "%u when sinit measured", tpm.nbanks,
				   log.nbanks);
	measuring = true;
	return SDM_OK;
}

/* sha256 (may be NULL) receives the data's SHA-256, from its bank if the
 * TPM has one active. */
static int extend(unsigned pcr, uint32_t type, const void *data, size_t len,
		  const char *text, uint8_t sha256[32], struct sdm_err *err)
{
	struct evlog_digests dg;
	bool have = false;
	int rc;

	tpmdev_digests(&tpm, data, len, &dg);
	for (unsigned i = 0; sha256 != NULL && i < dg.count && !have; i++) {
		have = dg.d[i].alg == EVLOG_ALG_SHA256;
		if (have)
			memcpy(sha256, dg.d[i].bytes, 32);
	}
	if (sha256 != NULL && !have)
		crypto_sha256(data, len, sha256);
	rc = tpmdev_extend(&tpm, DOMMGR_LOC, pcr, &dg, err);
	if (rc == SDM_OK)
		rc = evlog_append_text(&log, pcr, type, &dg, text, NULL, 0, err);
	if (rc == SDM_OK)
		pr_info("measured into PCR %u: %s", pcr, text);
	return rc;
}

int dommgr_measure_domain(struct domain *d, const void *image,
			  size_t len, struct sdm_err *err)
{
	char text[200];
	uint64_t mem = 0;
	int rc;

	if (!measuring)
		return SDM_OK;
	for (unsigned i = 0; i < d->nmem; i++)
		mem += d->mem[i].size;
	snprintf(text, sizeof(text), "domain '%s' (%s) image, %zu bytes",
		 d->name, dom_kind_name(d->kind), len);
	rc = extend(20, EVLOG_EV_IPL, image, len, text, d->image_sha256, err);
	if (rc != SDM_OK)
		return rc;
	d->image_size = len; /* for the attestation report */
	snprintf(text, sizeof(text), "domain '%s' config: kind %s, CPUs 0x%lx, "
		 "%lu KiB in %u range(s)", d->name, dom_kind_name(d->kind),
		 d->cpus, mem >> 10, d->nmem);
	return extend(20, EVLOG_EV_EVENT_TAG, text, strnlen(text, sizeof(text)),
		      text, NULL, err);
}

int dommgr_measure_fact(const char *text, struct sdm_err *err)
{
	if (!measuring)
		return SDM_OK;
	return extend(20, EVLOG_EV_EVENT_TAG, text, strnlen(text, 200), text,
		      NULL, err);
}

bool dommgr_measuring(void)
{
	return measuring;
}

static void sha256_fn(const void *p, size_t n, uint8_t out[32])
{
	crypto_sha256(p, n, out);
}

int dommgr_measure_evidence(const uint8_t *nonce, size_t nonce_len,
			    const uint8_t *report, size_t report_len,
			    uint8_t *out, size_t cap, size_t *len,
			    struct sdm_err *err)
{
	struct evidence_in in = {
		.nonce = nonce, .nonce_len = nonce_len,
		.report = report, .report_len = report_len,
		.evlog = log.buf, .evlog_len = log.len,
		.ak_handle = EVIDENCE_AK_HANDLE,
		.locality = EVIDENCE_AK_LOCALITY,
		.sha256 = sha256_fn,
	};

	SDM_STATIC_ASSERT(EVIDENCE_AK_LOCALITY == DOMMGR_LOC,
			  "the AK signs at dommgr's locality");
	if (!measuring)
		return sdm_err_set(err, SDM_ENOENT, "no TPM: the launch is not "
				   "measured, there is no evidence to give");
	if (log.format != EVLOG_FORMAT_TPM2)
		return sdm_err_set(err, SDM_ENOENT, "a TPM 1.2 launch: quotes "
				   "need TPM 2.0");
	return evidence_make(tpm.t, &in, out, cap, len, err);
}

void dommgr_eventlog_print(void)
{
	uint8_t h[CRYPTO_SHA256_LEN];
	char line[2 * 64 + 1], hex[2 * CRYPTO_SHA256_LEN + 1];

	if (!measuring)
		return;
	pr_info("eventlog begin %zu bytes", log.len);
	for (size_t off = 0; off < log.len; off += 64) {
		size_t n = log.len - off < 64 ? log.len - off : 64;

		for (size_t i = 0; i < n; i++)
			snprintf(line + 2 * i, 3, "%02x", log.buf[off + i]);
		pr_info("eventlog %s", line);
	}
	crypto_sha256(log.buf, log.len, h);
	for (size_t i = 0; i < sizeof(h); i++)
		snprintf(hex + 2 * i, 3, "%02x", h[i]);
	pr_info("eventlog end %s", hex);
}
