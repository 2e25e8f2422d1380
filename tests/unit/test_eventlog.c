/*
 * Unit tests for tpm/eventlog.c (writer, parser) and the host replay and
 * PCR values file of tools/sdm/cmd_eventlog.c. Expected PCR values are
 * computed here with OpenSSL, independently of the replay code. One test
 * runs tpm2_eventlog (tpm2-tools) on a log we wrote.
 *
 * "test_eventlog --write-seeds DIR" writes the fuzzer's seed corpus
 * (tests/fuzz/corpus/eventlog/) instead of running the tests.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>
#include <cmocka.h>

#include <openssl/evp.h>

#include "tools/sdm/cmds.h"
#include "tools/sdm/sdm.h"
#include "tools/sdm/util.h"
#include "tpm/eventlog.h"
#include "tests/unit/cmd_capture.h"

#define LOG_CAP 8192
#define SINIT_SIZE 98304
#define SINIT_TEXT "sinit image, 98304 bytes, emulated DRTM"

static const uint16_t algs3[] = {
	EVLOG_ALG_SHA1, EVLOG_ALG_SHA256, EVLOG_ALG_SHA384,
};

/* Offsets in a 3-bank log written by build_log(). */
enum {
	O_SPEC_DATA = 32,         /* the Spec ID event's data */
	O_NALGS = O_SPEC_DATA + 24,
	O_BANK0 = O_SPEC_DATA + 28,
	O_VENDOR = O_BANK0 + 12,  /* vendorInfoSize */
	O_EV1 = O_VENDOR + 1,     /* 73: the launch event */
	EV2_FIXED = 12 + 22 + 34 + 50 + 4, /* TCG_PCR_EVENT2 before data */
};

static uint8_t logbuf[LOG_CAP];
static uint8_t sinit[SINIT_SIZE];
static struct sdm_err err;

/* ---------------------------------------------------------------- helpers */

static const EVP_MD *md_of(uint16_t alg)
{
	switch (alg) {
	case EVLOG_ALG_SHA1: return EVP_sha1();
	case EVLOG_ALG_SHA256: return EVP_sha256();
	case EVLOG_ALG_SHA384: return EVP_sha384();
	case EVLOG_ALG_SHA512: return EVP_sha512();
	}
	fail_msg("no digest for alg 0x%x", alg);
	return NULL;
}

/* Digests of data in all four algorithms (the writer takes what it needs). */
static void digests_of(const void *data, size_t len, struct evlog_digests *dg)
{
	static const uint16_t all[] = { EVLOG_ALG_SHA512, EVLOG_ALG_SHA384,
					EVLOG_ALG_SHA256, EVLOG_ALG_SHA1 };

	memset(dg, 0, sizeof(*dg));
	dg->count = 4;
	for (unsigned i = 0; i < 4; i++) {
		unsigned n = 0;

		dg->d[i].alg = all[i];
		assert_int_equal(EVP_Digest(data, len, dg->d[i].bytes, &n,
					    md_of(all[i]), NULL), 1);
	}
}

static const uint8_t *dg_bytes(const struct evlog_digests *dg, uint16_t alg)
{
	for (unsigned i = 0; i < dg->count; i++)
		if (dg->d[i].alg == alg)
			return dg->d[i].bytes;
	fail_msg("no digest for 0x%x", alg);
	return NULL;
}

/* pcr = H(pcr || digest): the TPM's extend. */
static void extend(uint16_t alg, uint8_t *pcr, const uint8_t *digest)
{
	EVP_MD_CTX *c = EVP_MD_CTX_new();
	unsigned size = evlog_alg_size(alg), n = 0;

	assert_non_null(c);
	assert_int_equal(EVP_DigestInit_ex(c, md_of(alg), NULL), 1);
	assert_int_equal(EVP_DigestUpdate(c, pcr, size), 1);
	assert_int_equal(EVP_DigestUpdate(c, digest, size), 1);
	assert_int_equal(EVP_DigestFinal_ex(c, pcr, &n), 1);
	assert_int_equal(n, size);
	EVP_MD_CTX_free(c);
}

struct rec {
	struct evlog_info info;
	struct evlog_event ev[32];
	unsigned n;
};

static int collect(void *ctx, const struct evlog_info *info,
		   const struct evlog_event *ev, struct sdm_err *e)
{
	struct rec *r = ctx;

	assert_true(r->n < ARRAY_SIZE(r->ev));
	r->info = *info;
	r->ev[r->n++] = *ev;
	return 0;
}

/* The events of the main test log, in order after the Spec ID event. */
static const char policy_key[] = "placeholder policy signer key";
static const uint8_t dommgr_img[] = "dommgr image bytes";
static const uint8_t tail4[] = { 0xde, 0xad, 0xbe, 0xef };
static const uint8_t domain_cfg[] = { 1, 2, 3, 4, 5, 0, 0xff };
static const uint8_t sep[4] = { 0 };
static const char fact[] = "a fact, not extended";
static struct evlog_digests d_sinit, d_key, d_dommgr, d_policy, d_domain,
	d_sep;

static void init_digests(void)
{
	for (size_t i = 0; i < sizeof(sinit); i++)
		sinit[i] = (uint8_t)(i * 7 + (i >> 8));
	digests_of(sinit, sizeof(sinit), &d_sinit);
	digests_of(policy_key, strlen(policy_key), &d_key);
	digests_of(dommgr_img, sizeof(dommgr_img), &d_dommgr);
	digests_of("", 0, &d_policy);
	digests_of(domain_cfg, sizeof(domain_cfg), &d_domain);
	digests_of(sep, sizeof(sep), &d_sep);
}

/* Writes the main test log with the given launch kind; returns its size. */
static size_t build_log(enum evlog_format fmt, enum sdm_launch_kind kind)
{
	struct evlog_writer w;

	if (fmt == EVLOG_FORMAT_TPM2)
		assert_int_equal(evlog_writer_init(&w, fmt, logbuf,
						   sizeof(logbuf), algs3, 3,
						   &err), SDM_OK);
	else
		assert_int_equal(evlog_writer_init(&w, fmt, logbuf,
						   sizeof(logbuf), NULL, 0,
						   &err), SDM_OK);
	assert_int_equal(evlog_append_launch(&w, kind,
		"sinit ran the hash sequence at locality 4 (test)", &err),
		SDM_OK);
	assert_int_equal(evlog_append_text(&w, 17, EVLOG_EV_IPL, &d_sinit,
					   SINIT_TEXT, NULL, 0, &err), SDM_OK);
	assert_int_equal(evlog_append_text(&w, 18, EVLOG_EV_IPL, &d_key,
					   "policy signer key, placeholder",
					   NULL, 0, &err), SDM_OK);
	assert_int_equal(evlog_append_textf(&w, 19, EVLOG_EV_IPL, &d_dommgr,
					    tail4, sizeof(tail4), &err,
					    "dommgr image, %zu bytes",
					    sizeof(dommgr_img)), SDM_OK);
	assert_int_equal(evlog_append_text(&w, 19, EVLOG_EV_IPL, &d_policy,
					   "policy blob, 0 bytes", NULL, 0,
					   &err), SDM_OK);
	assert_int_equal(evlog_append(&w, 20, EVLOG_EV_EVENT_TAG, &d_domain,
				      domain_cfg, sizeof(domain_cfg), &err),
			 SDM_OK);
	assert_int_equal(evlog_append(&w, 16, EVLOG_EV_SEPARATOR, &d_sep, sep,
				      sizeof(sep), &err), SDM_OK);
	assert_int_equal(evlog_append(&w, 3, EVLOG_EV_NO_ACTION, NULL, fact,
				      sizeof(fact), &err), SDM_OK);
	assert_false(w.overflow);
	assert_int_equal(w.nevents, fmt == EVLOG_FORMAT_TPM2 ? 9 : 8);
	return w.len;
}

static void put32(uint8_t *p, uint32_t v)
{
	p[0] = (uint8_t)v;
	p[1] = (uint8_t)(v >> 8);
	p[2] = (uint8_t)(v >> 16);
	p[3] = (uint8_t)(v >> 24);
}

static uint32_t get_le32_test(const uint8_t *p)
{
	return (uint32_t)p[0] | (uint32_t)p[1] << 8 | (uint32_t)p[2] << 16 |
	       (uint32_t)p[3] << 24;
}

static void put16(uint8_t *p, uint16_t v)
{
	p[0] = (uint8_t)v;
	p[1] = (uint8_t)(v >> 8);
}

/* Parses len bytes of logbuf, expecting rc and the message msg. */
static void expect_bad(size_t len, int rc, const char *msg)
{
	struct rec r = { .n = 0 };

	memset(&err, 0, sizeof(err));
	assert_int_equal(evlog_parse(logbuf, len, collect, &r, &err), rc);
	assert_string_equal(err.msg, msg);
	assert_int_equal(r.n, 0); /* nothing delivered from a bad log */
}

/* ---------------------------------------------------------------- writer */

static void test_spec_id_layout(void **state)
{
	static const uint8_t want[73] = {
		0, 0, 0, 0, 3, 0, 0, 0,        /* PCR 0, EV_NO_ACTION */
		0, 0, 0, 0, 0, 0, 0, 0, 0, 0,  /* SHA-1 digest: zero */
		0, 0, 0, 0, 0, 0, 0, 0, 0, 0,
		41, 0, 0, 0,                   /* eventSize */
		'S', 'p', 'e', 'c', ' ', 'I', 'D', ' ', 'E', 'v', 'e', 'n',
		't', '0', '3', 0,
		0, 0, 0, 0,                    /* platformClass: client */
		0, 2, 2, 2,                    /* 2.0 errata 2, UINT64 */
		3, 0, 0, 0,                    /* numberOfAlgorithms */
		0x04, 0, 20, 0, 0x0b, 0, 32, 0, 0x0c, 0, 48, 0,
		0,                             /* vendorInfoSize */
	};
	struct evlog_writer w;

	assert_int_equal(evlog_writer_init(&w, EVLOG_FORMAT_TPM2, logbuf,
					   sizeof(logbuf), algs3, 3, &err),
			 SDM_OK);
	assert_int_equal(w.len, sizeof(want));
	assert_memory_equal(logbuf, want, sizeof(want));
}

static void check_digests(const struct evlog_event *ev,
			  const struct evlog_digests *dg)
{
	assert_int_equal(ev->ndigests, 3);
	for (unsigned i = 0; i < 3; i++) {
		unsigned size = evlog_alg_size(algs3[i]);

		assert_int_equal(ev->digests[i].alg, algs3[i]);
		assert_int_equal(ev->digests[i].size, size);
		if (dg != NULL) {
			assert_memory_equal(ev->digests[i].bytes,
					    dg_bytes(dg, algs3[i]), size);
		} else {
			for (unsigned k = 0; k < size; k++)
				assert_int_equal(ev->digests[i].bytes[k], 0);
		}
	}
}

static void check_text(const struct evlog_event *ev, const char *text,
		       const void *tail, size_t tail_len)
{
	size_t n = strlen(text);

	assert_int_equal(ev->data_size, n + 1 + tail_len);
	assert_memory_equal(ev->data, text, n + 1);
	if (tail_len > 0)
		assert_memory_equal(ev->data + n + 1, tail, tail_len);
}

static void test_roundtrip(void **state)
{
	size_t len = build_log(EVLOG_FORMAT_TPM2, SDM_LAUNCH_EMULATED_DRTM);
	struct rec r = { .n = 0 };
	struct evlog_launch launch;
	const char *ltext = "launch: emulated DRTM; sinit ran the hash sequence at locality 4 (test)";
	size_t off;

	assert_int_equal(evlog_parse(logbuf, len, collect, &r, &err), SDM_OK);
	assert_int_equal(r.n, 9);
	assert_int_equal(r.info.format, EVLOG_FORMAT_TPM2);
	assert_int_equal(r.info.nbanks, 3);
	for (unsigned i = 0; i < 3; i++) {
		assert_int_equal(r.info.banks[i].alg, algs3[i]);
		assert_int_equal(r.info.banks[i].size,
				 evlog_alg_size(algs3[i]));
	}
	assert_int_equal(r.info.spec_major, 2);
	assert_int_equal(r.info.spec_minor, 0);
	assert_int_equal(r.info.uintn_size, 2);
	assert_int_equal(r.info.vendor_info_size, 0);

	/* Event 0: the Spec ID event. */
	assert_true(r.ev[0].spec_id);
	assert_int_equal(r.ev[0].offset, 0);
	assert_int_equal(r.ev[0].size, O_EV1);
	assert_int_equal(r.ev[0].pcr, 0);
	assert_int_equal(r.ev[0].type, EVLOG_EV_NO_ACTION);
	assert_int_equal(r.ev[0].data_size, 41);

	/* Event 1: the launch event. */
	off = O_EV1;
	assert_int_equal(r.ev[1].index, 1);
	assert_int_equal(r.ev[1].offset, off);
	assert_false(r.ev[1].spec_id);
	assert_int_equal(r.ev[1].pcr, 0);
	assert_int_equal(r.ev[1].type, EVLOG_EV_NO_ACTION);
	check_digests(&r.ev[1], NULL);
	assert_int_equal(r.ev[1].data_size, 20 + strlen(ltext) + 1);
	assert_memory_equal(r.ev[1].data, "SDM Launch Kind\0\x01\x02\x00\x00",
			    20);
	assert_int_equal(evlog_launch_decode(&r.ev[1], &launch, &err), 1);
	assert_int_equal(launch.kind, SDM_LAUNCH_EMULATED_DRTM);
	assert_int_equal(launch.pcr_start, 0);
	assert_string_equal(launch.text, ltext);
	assert_int_equal(r.ev[1].size, EV2_FIXED + r.ev[1].data_size);

	static const struct {
		uint32_t pcr, type;
		const struct evlog_digests *dg;
		const char *text;
		const void *tail;
		size_t tail_len;
	} want[] = {
		{ 17, EVLOG_EV_IPL, &d_sinit, SINIT_TEXT, NULL, 0 },
		{ 18, EVLOG_EV_IPL, &d_key, "policy signer key, placeholder",
		  NULL, 0 },
		{ 19, EVLOG_EV_IPL, &d_dommgr, "dommgr image, 19 bytes", tail4,
		  sizeof(tail4) },
		{ 19, EVLOG_EV_IPL, &d_policy, "policy blob, 0 bytes", NULL, 0 },
	};
	for (unsigned i = 0; i < ARRAY_SIZE(want); i++) {
		const struct evlog_event *ev = &r.ev[2 + i];

		off += r.ev[1 + i].size;
		assert_int_equal(ev->index, 2 + i);
		assert_int_equal(ev->offset, off);
		assert_int_equal(ev->pcr, want[i].pcr);
		assert_int_equal(ev->type, want[i].type);
		check_digests(ev, want[i].dg);
		check_text(ev, want[i].text, want[i].tail, want[i].tail_len);
		assert_int_equal(ev->size, EV2_FIXED + ev->data_size);
		assert_int_equal(evlog_launch_decode(ev, &launch, &err), 0);
	}
	/* Binary data, a separator, a non-extending fact. */
	assert_int_equal(r.ev[6].pcr, 20);
	assert_int_equal(r.ev[6].type, EVLOG_EV_EVENT_TAG);
	check_digests(&r.ev[6], &d_domain);
	assert_int_equal(r.ev[6].data_size, sizeof(domain_cfg));
	assert_memory_equal(r.ev[6].data, domain_cfg, sizeof(domain_cfg));
	assert_int_equal(r.ev[7].pcr, 16);
	assert_int_equal(r.ev[7].type, EVLOG_EV_SEPARATOR);
	check_digests(&r.ev[7], &d_sep);
	assert_int_equal(r.ev[8].pcr, 3);
	assert_int_equal(r.ev[8].type, EVLOG_EV_NO_ACTION);
	check_digests(&r.ev[8], NULL);
	assert_memory_equal(r.ev[8].data, fact, sizeof(fact));
	assert_int_equal(r.ev[8].offset + r.ev[8].size, len);
	assert_ptr_equal(evlog_event_digest(&r.ev[2], EVLOG_ALG_SHA256),
			 r.ev[2].digests[1].bytes);
	assert_null(evlog_event_digest(&r.ev[2], EVLOG_ALG_SHA512));
}

/* Expected PCR values of the main log for one bank, start = 17-22 start. */
static void expected_pcrs(uint16_t alg, uint8_t start,
			  uint8_t pcrs[EVLOG_NUM_PCRS][EVLOG_MAX_DIGEST])
{
	unsigned size = evlog_alg_size(alg);

	memset(pcrs, 0, EVLOG_NUM_PCRS * EVLOG_MAX_DIGEST);
	for (unsigned p = 17; p <= 22; p++)
		memset(pcrs[p], start, size);
	extend(alg, pcrs[17], dg_bytes(&d_sinit, alg));
	extend(alg, pcrs[18], dg_bytes(&d_key, alg));
	extend(alg, pcrs[19], dg_bytes(&d_dommgr, alg));
	extend(alg, pcrs[19], dg_bytes(&d_policy, alg));
	extend(alg, pcrs[20], dg_bytes(&d_domain, alg));
	extend(alg, pcrs[16], dg_bytes(&d_sep, alg));
}

static void check_replay(enum evlog_format fmt, enum sdm_launch_kind kind,
			 uint8_t start)
{
	size_t len = build_log(fmt, kind);
	struct cmd_eventlog_replay *r = calloc(1, sizeof(*r));
	uint8_t want[EVLOG_NUM_PCRS][EVLOG_MAX_DIGEST];
	const uint32_t touched = 1u << 16 | 1u << 17 | 1u << 18 | 1u << 19 |
				 1u << 20;
	unsigned nbanks = fmt == EVLOG_FORMAT_TPM2 ? 3 : 1;

	assert_non_null(r);
	assert_int_equal(cmd_eventlog_replay(logbuf, len, r, &err), SDM_OK);
	assert_true(r->launch_seen);
	assert_int_equal(r->launch, kind);
	assert_int_equal(r->nevents, fmt == EVLOG_FORMAT_TPM2 ? 9 : 8);
	for (int slot = 0; slot < CMD_EVENTLOG_NBANKS; slot++) {
		uint16_t alg = cmd_eventlog_slot_alg(slot);

		if (slot >= (int)nbanks) {
			assert_int_equal(r->pcrs.have[slot], 0);
			continue;
		}
		assert_int_equal(r->pcrs.have[slot], touched);
		expected_pcrs(alg, start, want);
		for (unsigned p = 16; p <= 20; p++)
			assert_memory_equal(r->pcrs.val[slot][p], want[p],
					    evlog_alg_size(alg));
	}
	free(r);
}

static void test_replay_drtm(void **state)
{
	check_replay(EVLOG_FORMAT_TPM2, SDM_LAUNCH_EMULATED_DRTM, 0x00);
	check_replay(EVLOG_FORMAT_TPM2, SDM_LAUNCH_TXT, 0x00);
}

static void test_replay_static(void **state)
{
	check_replay(EVLOG_FORMAT_TPM2, SDM_LAUNCH_STATIC, 0xff);
}

static void test_replay_tpm12(void **state)
{
	size_t len = build_log(EVLOG_FORMAT_TPM12, SDM_LAUNCH_EMULATED_DRTM);
	struct rec r = { .n = 0 };

	/* Layout: TCG_PCR_EVENT records only. */
	assert_int_equal(evlog_parse(logbuf, len, collect, &r, &err), SDM_OK);
	assert_int_equal(r.info.format, EVLOG_FORMAT_TPM12);
	assert_int_equal(r.info.nbanks, 1);
	assert_int_equal(r.n, 8);
	assert_false(r.ev[0].spec_id);
	assert_int_equal(r.ev[0].pcr, 0);
	assert_int_equal(r.ev[1].offset, r.ev[0].size);
	assert_int_equal(r.ev[1].size, 32 + sizeof(SINIT_TEXT));
	assert_int_equal(get_le32_test(logbuf + r.ev[1].offset), 17);
	assert_memory_equal(logbuf + r.ev[1].offset + 8,
			    dg_bytes(&d_sinit, EVLOG_ALG_SHA1), 20);
	check_replay(EVLOG_FORMAT_TPM12, SDM_LAUNCH_EMULATED_DRTM, 0x00);
	check_replay(EVLOG_FORMAT_TPM12, SDM_LAUNCH_STATIC, 0xff);
}

static void test_replay_startup_locality(void **state)
{
	struct evlog_writer w;
	struct cmd_eventlog_replay *r = calloc(1, sizeof(*r));
	uint8_t data[17] = "StartupLocality";
	uint8_t pcr0[EVLOG_MAX_DIGEST] = { 0 };

	assert_non_null(r);
	data[16] = 3;
	assert_int_equal(evlog_writer_init(&w, EVLOG_FORMAT_TPM2, logbuf,
					   sizeof(logbuf), algs3 + 1, 1, &err),
			 SDM_OK);
	assert_int_equal(evlog_append(&w, 0, EVLOG_EV_NO_ACTION, NULL, data,
				      sizeof(data), &err), SDM_OK);
	assert_int_equal(evlog_append_text(&w, 0, EVLOG_EV_S_CRTM_VERSION,
					   &d_key, "crtm", NULL, 0, &err),
			 SDM_OK);
	assert_int_equal(cmd_eventlog_replay(logbuf, w.len, r, &err), SDM_OK);
	pcr0[31] = 3;
	extend(EVLOG_ALG_SHA256, pcr0, dg_bytes(&d_key, EVLOG_ALG_SHA256));
	assert_int_equal(r->pcrs.have[1], 1);
	assert_memory_equal(r->pcrs.val[1][0], pcr0, 32);

	/* After PCR 0 was extended it cannot apply any more. */
	assert_int_equal(evlog_append(&w, 0, EVLOG_EV_NO_ACTION, NULL, data,
				      sizeof(data), &err), SDM_OK);
	assert_int_equal(cmd_eventlog_replay(logbuf, w.len, r, &err),
			 SDM_EINVAL);
	assert_string_equal(err.msg,
		"event 3 at offset 0xbb: StartupLocality after PCR 0 was extended");
	free(r);
}

static void test_replay_needs_launch(void **state)
{
	struct evlog_writer w;
	struct cmd_eventlog_replay *r = calloc(1, sizeof(*r));

	assert_non_null(r);
	assert_int_equal(evlog_writer_init(&w, EVLOG_FORMAT_TPM2, logbuf,
					   sizeof(logbuf), algs3, 3, &err),
			 SDM_OK);
	assert_int_equal(evlog_append_text(&w, 19, EVLOG_EV_IPL, &d_key,
					   "no launch event before", NULL, 0,
					   &err), SDM_OK);
	/* The log itself is well formed; only the replay refuses it. */
	assert_int_equal(evlog_parse(logbuf, w.len, NULL, NULL, &err), SDM_OK);
	assert_int_equal(cmd_eventlog_replay(logbuf, w.len, r, &err),
			 SDM_EINVAL);
	assert_string_equal(err.msg,
		"event 1 at offset 0x49: PCR 19 extended before a launch event says how PCRs 17-22 started");
	assert_int_equal(r->pcrs.have[0], 0);

	assert_int_equal(evlog_writer_init(&w, EVLOG_FORMAT_TPM2, logbuf,
					   sizeof(logbuf), algs3, 3, &err),
			 SDM_OK);
	assert_int_equal(evlog_append_launch(&w, SDM_LAUNCH_STATIC, NULL,
					     &err), SDM_OK);
	assert_int_equal(evlog_append_launch(&w, SDM_LAUNCH_TXT, NULL, &err),
			 SDM_OK);
	assert_int_equal(cmd_eventlog_replay(logbuf, w.len, r, &err),
			 SDM_EINVAL);
	assert_string_equal(err.msg,
		"event 2 at offset 0x12c: a second launch event");
	free(r);
}

/* ---------------------------------------------------------------- malformed */

static void test_bad_truncated_header(void **state)
{
	size_t len = build_log(EVLOG_FORMAT_TPM2, SDM_LAUNCH_EMULATED_DRTM);

	expect_bad(20, SDM_ERANGE,
		   "event 0 at offset 0x0: 20 bytes left, a TCG_PCR_EVENT header needs 32");
	/* The Spec ID event's data cut short: read as a TPM 1.2 event. */
	expect_bad(60, SDM_ERANGE,
		   "event 0 at offset 0x0: event data of 41 bytes runs past the end of the log (28 bytes left)");
	/* Cut inside a TCG_PCR_EVENT2 header and inside its digests. */
	expect_bad(O_EV1 + 8, SDM_ERANGE,
		   "event 1 at offset 0x49: 8 bytes left, a TCG_PCR_EVENT2 header needs 12");
	expect_bad(O_EV1 + 40, SDM_ERANGE,
		   "event 1 at offset 0x49: digest 1 (sha256, 32 bytes) runs past the end of the log");
	expect_bad(O_EV1 + EV2_FIXED - 2, SDM_ERANGE,
		   "event 1 at offset 0x49: event size field runs past the end of the log");
	expect_bad(len - 1, SDM_ERANGE,
		   "event 8 at offset 0x47d: event data of 21 bytes runs past the end of the log (20 bytes left)");
}

static void test_bad_spec_id_banks(void **state)
{
	size_t len = build_log(EVLOG_FORMAT_TPM2, SDM_LAUNCH_EMULATED_DRTM);

	put32(logbuf + O_NALGS, 0);
	expect_bad(len, SDM_EINVAL,
		   "event 0 at offset 0x0: Spec ID event lists no banks");
	put32(logbuf + O_NALGS, 5);
	expect_bad(len, SDM_EINVAL,
		   "event 0 at offset 0x0: Spec ID event lists 5 banks, at most 4 supported");
	put32(logbuf + O_NALGS, 0xffffffff);
	expect_bad(len, SDM_EINVAL,
		   "event 0 at offset 0x0: Spec ID event lists 4294967295 banks, at most 4 supported");
	put32(logbuf + O_NALGS, 4); /* the event is too short for 4 */
	expect_bad(len, SDM_ERANGE,
		   "event 0 at offset 0x0: Spec ID event of 41 bytes, its 4 banks need 45");
	put32(logbuf + O_NALGS, 2); /* bank 2 read as vendorInfoSize 12 */
	expect_bad(len, SDM_EINVAL,
		   "event 0 at offset 0x0: Spec ID event of 41 bytes, its contents take 49");
}

static void test_bad_spec_id_algs(void **state)
{
	size_t len = build_log(EVLOG_FORMAT_TPM2, SDM_LAUNCH_EMULATED_DRTM);

	put16(logbuf + O_BANK0 + 6, 20); /* sha256 with 20 bytes */
	expect_bad(len, SDM_EINVAL,
		   "event 0 at offset 0x0: Spec ID bank 1 (sha256) has digest size 20, must be 32");
	build_log(EVLOG_FORMAT_TPM2, SDM_LAUNCH_EMULATED_DRTM);
	put16(logbuf + O_BANK0 + 8, 0x0012); /* SM3_256 */
	expect_bad(len, SDM_EINVAL,
		   "event 0 at offset 0x0: Spec ID bank 2 has algorithm 0x0012 (not sha1/256/384/512)");
	build_log(EVLOG_FORMAT_TPM2, SDM_LAUNCH_EMULATED_DRTM);
	put16(logbuf + O_BANK0 + 8, EVLOG_ALG_SHA1);
	put16(logbuf + O_BANK0 + 10, 20);
	expect_bad(len, SDM_EINVAL,
		   "event 0 at offset 0x0: Spec ID bank 2 repeats sha1");
	build_log(EVLOG_FORMAT_TPM2, SDM_LAUNCH_EMULATED_DRTM);
	logbuf[O_VENDOR] = 3;
	expect_bad(len, SDM_EINVAL,
		   "event 0 at offset 0x0: Spec ID event of 41 bytes, its contents take 44");
	build_log(EVLOG_FORMAT_TPM2, SDM_LAUNCH_EMULATED_DRTM);
	logbuf[8] = 1; /* digest of the Spec ID event */
	expect_bad(len, SDM_EINVAL,
		   "event 0 at offset 0x0: Spec ID event digest is not zero");
	build_log(EVLOG_FORMAT_TPM2, SDM_LAUNCH_EMULATED_DRTM);
	put32(logbuf, 1);
	expect_bad(len, SDM_EINVAL,
		   "event 0 at offset 0x0: Spec ID event on PCR 1, must be PCR 0");
	build_log(EVLOG_FORMAT_TPM2, SDM_LAUNCH_EMULATED_DRTM);
	logbuf[O_SPEC_DATA + 21] = 1;
	expect_bad(len, SDM_EINVAL,
		   "event 0 at offset 0x0: Spec ID specVersionMajor 1, must be 2");
}

static void test_bad_digests(void **state)
{
	size_t len = build_log(EVLOG_FORMAT_TPM2, SDM_LAUNCH_EMULATED_DRTM);
	const size_t ev2 = O_EV1 + EV2_FIXED + 20 + 71 + 1; /* SINIT event */

	put32(logbuf + O_EV1 + 8, 5);
	expect_bad(len, SDM_EINVAL,
		   "event 1 at offset 0x49: digest count 5 exceeds the 3 banks of the Spec ID event");
	put32(logbuf + O_EV1 + 8, 2);
	expect_bad(len, SDM_EINVAL,
		   "event 1 at offset 0x49: digest count 2, but the Spec ID event has 3 banks");
	build_log(EVLOG_FORMAT_TPM2, SDM_LAUNCH_EMULATED_DRTM);
	assert_int_equal(logbuf[ev2], 17); /* the offset is the right one */
	put16(logbuf + ev2 + 12 + 22, 0x0099); /* digest 1's algorithm */
	expect_bad(len, SDM_EINVAL,
		   "event 2 at offset 0x11f: digest 1 has algorithm 0x0099, not a bank of the Spec ID event");
	put16(logbuf + ev2 + 12 + 22, EVLOG_ALG_SHA1);
	expect_bad(len, SDM_EINVAL,
		   "event 2 at offset 0x11f: digest 1 repeats sha1");
	build_log(EVLOG_FORMAT_TPM2, SDM_LAUNCH_EMULATED_DRTM);
	put32(logbuf + ev2, 24);
	expect_bad(len, SDM_EINVAL,
		   "event 2 at offset 0x11f: PCR index 24 is out of range (0-23)");
}

static void test_bad_event_size(void **state)
{
	size_t len = build_log(EVLOG_FORMAT_TPM2, SDM_LAUNCH_EMULATED_DRTM);
	const size_t size_at = O_EV1 + EV2_FIXED - 4;

	put32(logbuf + size_at, 5000);
	expect_bad(len, SDM_ERANGE,
		   "event 1 at offset 0x49: event data of 5000 bytes runs past the end of the log (1097 bytes left)");
	put32(logbuf + size_at, EVLOG_MAX_EVENT_DATA + 1);
	expect_bad(len, SDM_ERANGE,
		   "event 1 at offset 0x49: event size 1048577 exceeds the limit of 1048576");
	put32(logbuf + size_at, 0xffffffff);
	expect_bad(len, SDM_ERANGE,
		   "event 1 at offset 0x49: event size 4294967295 exceeds the limit of 1048576");
	put32(logbuf + size_at, 20); /* the launch event's fixed part */
	expect_bad(len, SDM_EINVAL,
		   "event 1 at offset 0x49: launch event of 20 bytes, at least 21 needed");
	/* Shorter: the rest is misread as an event, whose PCR is text. */
	build_log(EVLOG_FORMAT_TPM2, SDM_LAUNCH_EMULATED_DRTM);
	assert_int_equal(get_le32_test(logbuf + 0x11f + EV2_FIXED - 4), 40);
	put32(logbuf + 0x11f + EV2_FIXED - 4, 10);
	expect_bad(len, SDM_EINVAL,
		   "event 3 at offset 0x1a3: PCR index 958409829 is out of range (0-23)");
}

static void test_bad_launch_event(void **state)
{
	size_t len = build_log(EVLOG_FORMAT_TPM2, SDM_LAUNCH_EMULATED_DRTM);
	const size_t data = O_EV1 + EV2_FIXED;

	logbuf[data + 17] = 9;
	expect_bad(len, SDM_EINVAL,
		   "event 1 at offset 0x49: launch kind 9 is unknown");
	logbuf[data + 17] = SDM_LAUNCH_STATIC; /* but PCRs from 0x00 */
	expect_bad(len, SDM_EINVAL,
		   "event 1 at offset 0x49: launch kind 'static' with PCRs 17-22 starting at 0x00");
	logbuf[data + 17] = SDM_LAUNCH_EMULATED_DRTM;
	logbuf[data + 16] = 2;
	expect_bad(len, SDM_EINVAL,
		   "event 1 at offset 0x49: launch event version 2, expected 1");
	logbuf[data + 16] = 1;
	put32(logbuf + O_EV1, 17);
	expect_bad(len, SDM_EINVAL,
		   "event 1 at offset 0x49: launch event on PCR 17, must be PCR 0");
	put32(logbuf + O_EV1, 0);
	logbuf[data + 19] = 1;
	expect_bad(len, SDM_EINVAL,
		   "event 1 at offset 0x49: launch event reserved byte 0x01");
	logbuf[data + 19] = 0;
	logbuf[data + get_le32_test(logbuf + data - 4) - 1] = 'x'; /* NUL */
	expect_bad(len, SDM_EINVAL,
		   "event 1 at offset 0x49: launch event text not NUL-terminated");
}

static void test_bad_sizes(void **state)
{
	uint8_t *huge;

	expect_bad(0, SDM_EINVAL, "event log is empty");
	huge = calloc(1, EVLOG_MAX_LOG + 1u);
	assert_non_null(huge);
	assert_int_equal(evlog_parse(huge, EVLOG_MAX_LOG + 1u, NULL, NULL,
				     &err), SDM_ERANGE);
	assert_string_equal(err.msg,
			    "event log of 16777217 bytes exceeds the limit of 16777216");
	free(huge);
	/* A TPM 1.2 log: an event with a PCR index beyond 23. */
	memset(logbuf, 0, 64);
	put32(logbuf + 32, 30);
	expect_bad(64, SDM_EINVAL,
		   "event 1 at offset 0x20: PCR index 30 is out of range (0-23)");
}

/* ---------------------------------------------------------------- writer */

static void test_writer_overflow(void **state)
{
	uint8_t small[400];
	struct evlog_writer w;
	struct rec r = { .n = 0 };
	size_t before;

	assert_int_equal(evlog_writer_init(&w, EVLOG_FORMAT_TPM2, small,
					   sizeof(small), algs3, 3, &err),
			 SDM_OK);
	assert_int_equal(evlog_append_text(&w, 17, EVLOG_EV_IPL, &d_sinit,
					   SINIT_TEXT, NULL, 0, &err), SDM_OK);
	before = w.len; /* 73 + 122 + 40 = 235 */
	assert_int_equal(before, 235);
	/* 122 + 50 bytes do not fit in 165. */
	assert_int_equal(evlog_append(&w, 19, EVLOG_EV_IPL, &d_key, sinit, 50,
				      &err), SDM_ENOSPC);
	assert_string_equal(err.msg,
		"event log full: event 2 (172 bytes) does not fit in the 165 bytes left");
	assert_true(w.overflow);
	assert_int_equal(w.len, before);
	/* Sticky: an event that would fit is refused too. */
	assert_int_equal(evlog_append(&w, 19, EVLOG_EV_IPL, &d_key, NULL, 0,
				      &err), SDM_ENOSPC);
	assert_string_equal(err.msg,
		"event log full: an earlier event did not fit, event 2 not written");
	assert_int_equal(evlog_append_launch(&w, SDM_LAUNCH_STATIC, NULL,
					     &err), SDM_ENOSPC);
	assert_int_equal(w.len, before);
	assert_int_equal(w.nevents, 2);
	/* What was written is still a valid log. */
	assert_int_equal(evlog_parse(small, w.len, collect, &r, &err), SDM_OK);
	assert_int_equal(r.n, 2);

	/* Too small even for the Spec ID event. */
	assert_int_equal(evlog_writer_init(&w, EVLOG_FORMAT_TPM2, small, 72,
					   algs3, 3, &err), SDM_ENOSPC);
	assert_string_equal(err.msg,
		"event log full: the Spec ID event needs 73 bytes, the buffer has 72");
	assert_true(w.overflow);
	assert_int_equal(evlog_append(&w, 0, EVLOG_EV_NO_ACTION, NULL, NULL,
				      0, &err), SDM_ENOSPC);
	/* TPM 1.2: exactly full, then one byte too many. */
	assert_int_equal(evlog_writer_init(&w, EVLOG_FORMAT_TPM12, small, 70,
					   NULL, 0, &err), SDM_OK);
	assert_int_equal(evlog_append(&w, 0, EVLOG_EV_IPL, &d_key, sinit, 38,
				      &err), SDM_OK);
	assert_int_equal(w.len, 70);
	assert_int_equal(evlog_append(&w, 0, EVLOG_EV_NO_ACTION, NULL, NULL,
				      0, &err), SDM_ENOSPC);
	assert_true(w.overflow);
}

static void test_writer_rejects(void **state)
{
	static const uint16_t dup[] = { EVLOG_ALG_SHA256, EVLOG_ALG_SHA256 };
	static const uint16_t sm3[] = { 0x0012 };
	static const uint16_t five[] = { 4, 0xb, 0xc, 0xd, 4 };
	struct evlog_writer w;
	struct evlog_digests only256 = { .count = 1 };
	char longtext[EVLOG_MAX_TEXT + 1];

	assert_int_equal(evlog_writer_init(&w, EVLOG_FORMAT_TPM2, logbuf,
					   sizeof(logbuf), dup, 2, &err),
			 SDM_EINVAL);
	assert_string_equal(err.msg, "event log: bank sha256 twice");
	assert_true(w.overflow);
	assert_int_equal(evlog_writer_init(&w, EVLOG_FORMAT_TPM2, logbuf,
					   sizeof(logbuf), sm3, 1, &err),
			 SDM_EINVAL);
	assert_string_equal(err.msg,
			    "event log: algorithm 0x0012 is not supported");
	assert_int_equal(evlog_writer_init(&w, EVLOG_FORMAT_TPM2, logbuf,
					   sizeof(logbuf), five, 5, &err),
			 SDM_EINVAL);
	assert_string_equal(err.msg, "event log: 5 banks, 1 to 4 supported");
	assert_int_equal(evlog_writer_init(&w, EVLOG_FORMAT_TPM12, logbuf,
					   sizeof(logbuf), algs3 + 1, 1, &err),
			 SDM_EINVAL);

	assert_int_equal(evlog_writer_init(&w, EVLOG_FORMAT_TPM2, logbuf,
					   sizeof(logbuf), algs3, 3, &err),
			 SDM_OK);
	only256.d[0].alg = EVLOG_ALG_SHA256;
	assert_int_equal(evlog_append(&w, 17, EVLOG_EV_IPL, &only256, NULL, 0,
				      &err), SDM_EINVAL);
	assert_string_equal(err.msg,
			    "event log: no sha1 digest for event 1 on PCR 17");
	assert_int_equal(evlog_append(&w, 17, EVLOG_EV_IPL, NULL, NULL, 0,
				      &err), SDM_EINVAL);
	assert_int_equal(evlog_append(&w, 17, EVLOG_EV_NO_ACTION, &d_key,
				      NULL, 0, &err), SDM_EINVAL);
	assert_int_equal(evlog_append(&w, 24, EVLOG_EV_IPL, &d_key, NULL, 0,
				      &err), SDM_EINVAL);
	assert_string_equal(err.msg, "event log: PCR 24 is out of range (0-23)");
	assert_int_equal(evlog_append(&w, 17, EVLOG_EV_IPL, &d_key, sinit,
				      EVLOG_MAX_EVENT_DATA + 1, &err),
			 SDM_EINVAL);
	memset(longtext, 'a', sizeof(longtext) - 1);
	longtext[sizeof(longtext) - 1] = '\0';
	assert_int_equal(evlog_append_text(&w, 17, EVLOG_EV_IPL, &d_key,
					   longtext, NULL, 0, &err),
			 SDM_EINVAL);
	assert_int_equal(evlog_append_textf(&w, 17, EVLOG_EV_IPL, &d_key, NULL,
					    0, &err, "%s", longtext),
			 SDM_EINVAL);
	assert_string_equal(err.msg,
			    "event log: event text longer than 255 characters");
	assert_int_equal(evlog_append_launch(&w, (enum sdm_launch_kind)7, NULL,
					     &err), SDM_EINVAL);
	/* None of these is an overflow, and nothing was written. */
	assert_false(w.overflow);
	assert_int_equal(w.nevents, 1);
	assert_int_equal(w.len, O_EV1);
}

/* ---------------------------------------------------------------- PCR files */

static void test_pcrs_file(void **state)
{
	static const char text[] =
		"# PCR values\r\n"
		"\n"
		"sha1:17 0x0102030405060708090a0b0c0d0e0f1011121314\r\n"
		"  sha256:0\t0X" "ABCDEF0000000000000000000000000000000000000000000000000000000001  \n"
		"sha384:23 000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000";
	struct cmd_eventlog_pcrs s;

	assert_int_equal(cmd_eventlog_pcrs_parse(text, strlen(text), "p.txt",
						 &s, &err), SDM_OK);
	assert_int_equal(s.have[0], 1u << 17);
	assert_int_equal(s.have[1], 1u << 0);
	assert_int_equal(s.have[2], 1u << 23);
	assert_int_equal(s.have[3], 0);
	assert_int_equal(s.val[0][17][0], 1);
	assert_int_equal(s.val[0][17][19], 0x14);
	assert_int_equal(s.val[1][0][0], 0xab);
	assert_int_equal(s.val[1][0][31], 0x01);
}

static void expect_pcrs_bad(const char *text, const char *msg)
{
	struct cmd_eventlog_pcrs s;

	assert_int_equal(cmd_eventlog_pcrs_parse(text, strlen(text), "p.txt",
						 &s, &err), SDM_EINVAL);
	assert_string_equal(err.msg, msg);
}

static void test_pcrs_file_errors(void **state)
{
	static const char z20[] = "0000000000000000000000000000000000000000";

	expect_pcrs_bad("md5:1 0x00\n",
		"p.txt line 1: expected BANK:PCR 0xHEX with BANK sha1, sha256, sha384 or sha512");
	expect_pcrs_bad("\nsha1 0x00\n",
		"p.txt line 2: expected BANK:PCR 0xHEX with BANK sha1, sha256, sha384 or sha512");
	expect_pcrs_bad("sha1:24 0x00\n", "p.txt line 1: PCR index must be 0-23");
	expect_pcrs_bad("sha1:x 0x00\n", "p.txt line 1: PCR index must be 0-23");
	expect_pcrs_bad("sha1:1x 0x00\n", "p.txt line 1: PCR index must be 0-23");
	expect_pcrs_bad("sha1:1 0x00\n",
		"p.txt line 1: sha1:1 has 2 hex digits, a sha1 value has 40");
	expect_pcrs_bad("sha256:1 0x0000000000000000000000000000000000000000\n",
		"p.txt line 1: sha256:1 has 40 hex digits, a sha256 value has 64");
	expect_pcrs_bad("sha1:1 0x00000000000000000000000000000000000000g0\n",
		"p.txt line 1: 'g0' is not a hex byte");
	char twice[128];

	snprintf(twice, sizeof(twice), "sha1:5 %s\nsha1:05 %s\n", z20, z20);
	expect_pcrs_bad(twice, "p.txt line 2: sha1:5 is given twice");
	expect_pcrs_bad("sha1:5 0x\0", "p.txt line 1: sha1:5 has 0 hex digits, a sha1 value has 40");
	{
		struct cmd_eventlog_pcrs s;

		assert_int_equal(cmd_eventlog_pcrs_parse("a\0b", 3, "p.txt", &s,
							 &err), SDM_EINVAL);
		assert_string_equal(err.msg,
				    "p.txt: a NUL byte: not a text file");
	}
}

static void test_compare(void **state)
{
	static struct cmd_eventlog_pcrs a, b;
	uint8_t v1[20], v2[20];
	FILE *f = tmpfile();
	char *out;

	assert_non_null(f);
	memset(v1, 0x11, sizeof(v1));
	memset(v2, 0x22, sizeof(v2));
	cmd_eventlog_pcrs_set(&a, EVLOG_ALG_SHA1, 17, v1);
	cmd_eventlog_pcrs_set(&a, EVLOG_ALG_SHA1, 18, v1);
	cmd_eventlog_pcrs_set(&a, EVLOG_ALG_SHA1, 19, v1);
	cmd_eventlog_pcrs_set(&b, EVLOG_ALG_SHA1, 17, v1);
	cmd_eventlog_pcrs_set(&b, EVLOG_ALG_SHA1, 18, v2);
	cmd_eventlog_pcrs_set(&b, EVLOG_ALG_SHA1, 20, v2); /* not replayed */
	assert_int_equal(cmd_eventlog_compare(f, &a, &b, false), 2);
	out = read_stream(f);
	assert_string_equal(out,
		"sha1:17 match 0x1111111111111111111111111111111111111111\n"
		"sha1:18 MISMATCH log 0x1111111111111111111111111111111111111111 tpm 0x2222222222222222222222222222222222222222\n"
		"sha1:19 MISMATCH log 0x1111111111111111111111111111111111111111 tpm absent\n");
	free(out);
	fclose(f);
	assert_int_equal(cmd_eventlog_compare(stderr, &a, &a, false) +
			 cmd_eventlog_compare(stderr, &a, &a, true), 0);
	assert_false(cmd_eventlog_pcrs_set(&a, 0x0012, 1, v1));
	assert_false(cmd_eventlog_pcrs_set(&a, EVLOG_ALG_SHA1, 24, v1));
}

/* ---------------------------------------------------------------- commands */

static void write_file(const char *path, const void *data, size_t len)
{
	char msg[256];

	assert_int_equal(sdm_write_file(path, data, len, msg, sizeof(msg)), 0);
}

static void test_cmd_eventlog(void **state)
{
	char dir[] = "/tmp/sdm-test-evlog-XXXXXX";
	char log[64], good[64], bad[64], broken[64], msg[256];
	char *out, *eout;
	size_t len = build_log(EVLOG_FORMAT_TPM2, SDM_LAUNCH_EMULATED_DRTM);
	struct cmd_eventlog_replay *r = calloc(1, sizeof(*r));
	FILE *f;

	assert_non_null(r);
	assert_non_null(mkdtemp(dir));
	snprintf(log, sizeof(log), "%s/log.bin", dir);
	snprintf(good, sizeof(good), "%s/good.txt", dir);
	snprintf(bad, sizeof(bad), "%s/bad.txt", dir);
	snprintf(broken, sizeof(broken), "%s/broken.bin", dir);
	write_file(log, logbuf, len);

	/* show */
	char *show[] = { "eventlog", "show", log, NULL };
	assert_int_equal(run_cmd(sdm_cmd_eventlog, show, &out, &eout),
			 SDM_EXIT_OK);
	assert_non_null(strstr(out, "   2  PCR 17  EV_IPL        sha1:"));
	assert_non_null(strstr(out, "\"" SINIT_TEXT "\"\n"));
	assert_non_null(strstr(out, "\"dommgr image, 19 bytes\" +4 bytes\n"));
	assert_non_null(strstr(out, "[launch emulated DRTM, PCRs 17-22 from 0x00]"));
	assert_non_null(strstr(out, "Spec ID Event03: banks sha1 sha256 sha384"));
	assert_non_null(strstr(out, "7 bytes: 010203040500ff\n"));
	assert_string_equal(eout, "");
	free(out);
	free(eout);
	char *showj[] = { "eventlog", "show", "--json", log, NULL };
	assert_int_equal(run_cmd(sdm_cmd_eventlog, showj, &out, &eout),
			 SDM_EXIT_OK);
	assert_non_null(strstr(out, "\"format\": \"tpm2\", \"banks\": [\"sha1\", \"sha256\", \"sha384\"]"));
	assert_non_null(strstr(out, "\"text\": \"" SINIT_TEXT "\""));
	free(out);
	free(eout);

	/* replay: its output is a PCR values file that matches itself */
	char *rep[] = { "eventlog", "replay", log, NULL };
	assert_int_equal(run_cmd(sdm_cmd_eventlog, rep, &out, &eout),
			 SDM_EXIT_OK);
	assert_int_equal(cmd_eventlog_replay(logbuf, len, r, &err), SDM_OK);
	f = tmpfile();
	assert_non_null(f);
	cmd_eventlog_pcrs_print(f, &r->pcrs, false);
	char *direct = read_stream(f);

	fclose(f);
	assert_non_null(strstr(out, direct));
	assert_int_equal(strncmp(out, "# ", 2), 0);
	write_file(good, out, strlen(out));
	free(direct);
	free(out);
	free(eout);

	char *cmp[] = { "eventlog", "replay", log, "--pcrs", good, NULL };
	assert_int_equal(run_cmd(sdm_cmd_eventlog, cmp, &out, &eout),
			 SDM_EXIT_OK);
	assert_non_null(strstr(out, "sha384:20 match 0x"));
	assert_null(strstr(out, "MISMATCH"));
	free(out);
	free(eout);

	/* One value changed: exit 1, the line says so. */
	r->pcrs.val[1][19][0] ^= 1;
	f = fopen(bad, "w");
	assert_non_null(f);
	cmd_eventlog_pcrs_print(f, &r->pcrs, false);
	fclose(f);
	char *cmpbad[] = { "eventlog", "replay", log, "--pcrs", bad, "--json",
			   NULL };
	assert_int_equal(run_cmd(sdm_cmd_eventlog, cmpbad, &out, &eout),
			 SDM_EXIT_FAILURE);
	assert_non_null(strstr(out, "{\"bank\": \"sha256\", \"pcr\": 19, \"match\": false"));
	assert_non_null(strstr(out, "\"match\": false}\n"));
	assert_non_null(strstr(eout, "1 PCR value of"));
	free(out);
	free(eout);
	char *cmpbad2[] = { "eventlog", "replay", log, "--pcrs", bad, NULL };
	assert_int_equal(run_cmd(sdm_cmd_eventlog, cmpbad2, &out, &eout),
			 SDM_EXIT_FAILURE);
	assert_non_null(strstr(out, "sha256:19 MISMATCH log 0x"));
	free(out);
	free(eout);

	/* A malformed log: exit 1, the message names the event. */
	put32(logbuf + O_EV1 + 8, 5);
	write_file(broken, logbuf, len);
	char *showbad[] = { "eventlog", "show", broken, NULL };
	assert_int_equal(run_cmd(sdm_cmd_eventlog, showbad, &out, &eout),
			 SDM_EXIT_FAILURE);
	assert_string_equal(out, "");
	snprintf(msg, sizeof(msg),
		 "sdm eventlog show: %s: event 1 at offset 0x49: digest count 5 exceeds the 3 banks of the Spec ID event\n",
		 broken);
	assert_string_equal(eout, msg);
	free(out);
	free(eout);

	/* Text from the log cannot put escape sequences on a terminal. */
	struct evlog_writer w;

	assert_int_equal(evlog_writer_init(&w, EVLOG_FORMAT_TPM12, logbuf,
					   sizeof(logbuf), NULL, 0, &err),
			 SDM_OK);
	assert_int_equal(evlog_append_launch(&w, SDM_LAUNCH_STATIC,
					     "\x1b[31mred\x7f \"q\"", &err),
			 SDM_OK);
	write_file(broken, logbuf, w.len);
	assert_int_equal(run_cmd(sdm_cmd_eventlog, showbad, &out, &eout),
			 SDM_EXIT_OK);
	assert_non_null(strstr(out,
		"\"launch: static; \\x1b[31mred\\x7f \\\"q\\\"\" [launch static, PCRs 17-22 from 0xff]\n"));
	free(out);
	free(eout);

	/* Usage errors: 2. */
	char *u1[] = { "eventlog", NULL };
	char *u2[] = { "eventlog", "show", log, "--pcrs", good, NULL };
	char *u3[] = { "eventlog", "frob", log, NULL };
	char *u4[] = { "eventlog", "replay", log, "--bogus", NULL };
	char **usage[] = { u1, u2, u3, u4 };

	for (size_t i = 0; i < ARRAY_SIZE(usage); i++) {
		assert_int_equal(run_cmd(sdm_cmd_eventlog, usage[i], &out,
					 &eout), SDM_EXIT_USAGE);
		assert_non_null(strstr(eout, "usage: sdm eventlog"));
		free(out);
		free(eout);
	}
	char *missing[] = { "eventlog", "show", "/nonexistent/log.bin", NULL };
	assert_int_equal(run_cmd(sdm_cmd_eventlog, missing, &out, &eout),
			 SDM_EXIT_FAILURE);
	assert_non_null(strstr(eout, "/nonexistent/log.bin: cannot open"));
	free(out);
	free(eout);

	assert_int_equal(sdm_remove_tree(dir, msg, sizeof(msg)), 0);
	free(r);
}

/* ---------------------------------------------------------------- interop */

static bool in_path(const char *prog)
{
	const char *path = getenv("PATH");
	char buf[512];

	while (path != NULL && *path != '\0') {
		size_t n = strcspn(path, ":");

		snprintf(buf, sizeof(buf), "%.*s/%s", (int)n, path, prog);
		if (access(buf, X_OK) == 0)
			return true;
		path += n + (path[n] == ':');
	}
	return false;
}

/* tpm2_eventlog's replayed value of bank:pcr from its "pcrs:" section. */
static bool tool_pcr(const char *out, const char *bank, unsigned pcr,
		     char *hex, size_t hexlen)
{
	char key[32], line[32];
	const char *s = strstr(out, "\npcrs:\n"), *b;

	snprintf(key, sizeof(key), "\n  %s:\n", bank);
	if (s == NULL || (b = strstr(s, key)) == NULL)
		return false;
	snprintf(line, sizeof(line), "\n    %-2u : 0x", pcr);
	b = strstr(b + 1, line);
	if (b == NULL)
		return false;
	b += strlen(line);
	snprintf(hex, hexlen, "%.*s", (int)strspn(b, "0123456789abcdef"), b);
	return true;
}

static void test_tpm2_eventlog_interop(void **state)
{
	char path[] = "/tmp/sdm-test-evlog-XXXXXX";
	size_t len = build_log(EVLOG_FORMAT_TPM2, SDM_LAUNCH_EMULATED_DRTM);
	struct cmd_eventlog_replay *r = calloc(1, sizeof(*r));
	char msg[256], *out = NULL, hex[160], want[160];
	int fd, status;

	if (!in_path("tpm2_eventlog"))
		fail_msg("tpm2_eventlog is not in PATH: install tpm2-tools (Debian package tpm2-tools)");
	assert_non_null(r);
	fd = mkstemp(path);
	assert_true(fd >= 0);
	close(fd);
	write_file(path, logbuf, len);
	char *argv[] = { "tpm2_eventlog", path, NULL };
	assert_int_equal(sdm_run_capture(argv, &out, &status, msg,
					 sizeof(msg)), 0);
	unlink(path);
	if (!WIFEXITED(status) || WEXITSTATUS(status) != 0)
		fail_msg("tpm2_eventlog failed (status 0x%x):\n%s", status, out);
	assert_non_null(strstr(out, SINIT_TEXT));
	assert_non_null(strstr(out, "policy signer key, placeholder"));
	assert_non_null(strstr(out, "EventNum: 8\n"));
	assert_non_null(strstr(out, "algorithmId: sha384"));

	/* Its replay starts PCRs 17-22 at zero: right after a DRTM launch. */
	assert_int_equal(cmd_eventlog_replay(logbuf, len, r, &err), SDM_OK);
	for (int slot = 0; slot < 3; slot++) {
		uint16_t alg = cmd_eventlog_slot_alg(slot);

		for (unsigned p = 16; p <= 20; p++) {
			for (unsigned i = 0; i < evlog_alg_size(alg); i++)
				snprintf(want + 2 * i, 3, "%02x",
					 r->pcrs.val[slot][p][i]);
			assert_true(tool_pcr(out, evlog_alg_name(alg), p, hex,
					     sizeof(hex)));
			assert_string_equal(hex, want);
		}
	}
	free(out);
	free(r);
}

/* ---------------------------------------------------------------- seeds */

static int write_seeds(const char *dir)
{
	char path[512], msg[256];
	size_t len;
	struct evlog_writer w;
	static const struct {
		const char *name;
		enum evlog_format fmt;
		enum sdm_launch_kind kind;
	} seeds[] = {
		{ "tpm2_drtm.bin", EVLOG_FORMAT_TPM2, SDM_LAUNCH_EMULATED_DRTM },
		{ "tpm2_static.bin", EVLOG_FORMAT_TPM2, SDM_LAUNCH_STATIC },
		{ "tpm12_txt.bin", EVLOG_FORMAT_TPM12, SDM_LAUNCH_TXT },
	};
	static const uint16_t all4[] = { EVLOG_ALG_SHA256, EVLOG_ALG_SHA1,
					 EVLOG_ALG_SHA512, EVLOG_ALG_SHA384 };

	init_digests();
	for (size_t i = 0; i < ARRAY_SIZE(seeds); i++) {
		len = build_log(seeds[i].fmt, seeds[i].kind);
		snprintf(path, sizeof(path), "%s/%s", dir, seeds[i].name);
		if (sdm_write_file(path, logbuf, len, msg, sizeof(msg)) != 0)
			goto fail;
	}
	/* Four banks in another order, with a StartupLocality event. */
	if (evlog_writer_init(&w, EVLOG_FORMAT_TPM2, logbuf, sizeof(logbuf),
			      all4, 4, &err) != SDM_OK ||
	    evlog_append(&w, 0, EVLOG_EV_NO_ACTION, NULL,
			 "StartupLocality\0\3", 17, &err) != SDM_OK ||
	    evlog_append_text(&w, 0, EVLOG_EV_S_CRTM_VERSION, &d_key, "v1",
			      NULL, 0, &err) != SDM_OK ||
	    evlog_append_launch(&w, SDM_LAUNCH_TXT, NULL, &err) != SDM_OK ||
	    evlog_append_text(&w, 17, EVLOG_EV_IPL, &d_sinit, SINIT_TEXT,
			      tail4, sizeof(tail4), &err) != SDM_OK) {
		fprintf(stderr, "%s\n", err.msg);
		return 1;
	}
	snprintf(path, sizeof(path), "%s/tpm2_4banks.bin", dir);
	if (sdm_write_file(path, logbuf, w.len, msg, sizeof(msg)) != 0)
		goto fail;
	return 0;
fail:
	fprintf(stderr, "%s\n", msg);
	return 1;
}

static int setup(void **state)
{
	init_digests();
	return 0;
}

#define T(f) cmocka_unit_test_setup(f, setup)

int main(int argc, char **argv)
{
	const struct CMUnitTest tests[] = {
		T(test_spec_id_layout),
		T(test_roundtrip),
		T(test_replay_drtm),
		T(test_replay_static),
		T(test_replay_tpm12),
		T(test_replay_startup_locality),
		T(test_replay_needs_launch),
		T(test_bad_truncated_header),
		T(test_bad_spec_id_banks),
		T(test_bad_spec_id_algs),
		T(test_bad_digests),
		T(test_bad_event_size),
		T(test_bad_launch_event),
		T(test_bad_sizes),
		T(test_writer_overflow),
		T(test_writer_rejects),
		T(test_pcrs_file),
		T(test_pcrs_file_errors),
		T(test_compare),
		T(test_cmd_eventlog),
		T(test_tpm2_eventlog_interop),
	};

	if (argc == 3 && strcmp(argv[1], "--write-seeds") == 0)
		return write_seeds(argv[2]);
	return cmocka_run_group_tests(tests, NULL, NULL);
}
