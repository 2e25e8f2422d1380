/*
 * Remote attestation (docs/attestation.md), three groups:
 *
 * formats    tpm/attest.c's parsers and writers with well-formed and
 *            malformed input: containers, domain reports, TPMS_ATTEST,
 *            TPMT_SIGNATURE, TPMT_PUBLIC, the reference text; the policy
 *            digests against their published values.
 * swtpm+CA   a real swtpm manufactured by swtpm_setup with an RSA EK and
 *            its certificate from a local CA: `sdm tpm provision` (ECC
 *            AK, locality 2), `sdm attest enrol` with --ca (MakeCredential
 *            in OpenSSL), `sdm tpm activate` (ActivateCredential in the
 *            TPM), the enrolment; then a synthetic measured launch
 *            (PCR 17 by the DRTM hash sequence at locality 4 over swtpm's
 *            control channel, 18-19 at locality 3, 20 at locality 2, a
 *            crypto-agile log), `sdm attest quote`, `sdm attest verify`:
 *            trusted; tpm2_checkquote accepts the quote and tpm2_eventlog
 *            the log; then every tamper case, each rejected by its own
 *            check with its own reason, the others passing.
 * swtpm      a plain swtpm: an ECC P-256 EK created by provision (the
 *            ECDH path of MakeCredential) with an RSA AK; its quotes
 *            verify, also with tpm2_checkquote.
 */
#include <errno.h>
#include <fcntl.h>
#include <setjmp.h>
#include <signal.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <arpa/inet.h>
#include <netinet/in.h>
#include <sys/prctl.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>
#include <cmocka.h>

#include <openssl/evp.h>
#include <tss2/tss2_esys.h>
#include <tss2/tss2_mu.h>
#include <tss2/tss2_tctildr.h>

#include "tools/sdm/attest_cmds.h"
#include "tools/sdm/cmds.h"
#include "tools/sdm/policy_cmds.h"
#include "tools/sdm/sdm.h"
#include "tools/sdm/util.h"
#include "tpm/attest.h"
#include "tpm/eventlog.h"
#include "tpm/evidence.h"
#include "tpm/host/swtpm.h"
#include "swtpm_test.h"

/* ---------------------------------------------------------------- helpers */

static struct sdm_err err;

static void put16be(uint8_t *p, uint16_t v)
{
	p[0] = (uint8_t)(v >> 8);
	p[1] = (uint8_t)v;
}

static void put32be(uint8_t *p, uint32_t v)
{
	p[0] = (uint8_t)(v >> 24);
	p[1] = (uint8_t)(v >> 16);
	p[2] = (uint8_t)(v >> 8);
	p[3] = (uint8_t)v;
}

static void sha256(const void *p, size_t n, uint8_t out[32])
{
	assert_true(attc_sha256(p, n, out));
}

/* rc must be an error whose message contains substr. */
static void expect_err_at(int rc, const char *substr, int line)
{
	if (rc == SDM_OK)
		fail_msg("line %d: accepted, expected an error with '%s'", line,
			 substr);
	if (strstr(err.msg, substr) == NULL)
		fail_msg("line %d: error '%s' does not contain '%s'", line,
			 err.msg, substr);
}
#define expect_err(rc, substr) expect_err_at((rc), (substr), __LINE__)

/* ---------------------------------------------------------------- containers */

static size_t make_bundle(uint8_t *buf, size_t cap, const uint8_t *attest,
			  size_t alen, const uint8_t *sig, size_t slen)
{
	struct att_writer w;
	uint8_t nonce[16] = { 1, 2, 3 }, log[8] = { 0 }, rep[64] = { 0 };
	size_t len = 0;

	att_writer_init(&w, buf, cap, ATT_KIND_BUNDLE);
	att_writer_add(&w, ATT_T_BUNDLE_NONCE, nonce, sizeof(nonce));
	att_writer_add(&w, ATT_T_BUNDLE_ATTEST, attest, alen);
	att_writer_add(&w, ATT_T_BUNDLE_SIGNATURE, sig, slen);
	att_writer_add(&w, ATT_T_BUNDLE_EVENTLOG, log, sizeof(log));
	att_writer_add(&w, ATT_T_BUNDLE_REPORT, rep, sizeof(rep));
	assert_int_equal(att_writer_finish(&w, &len, &err), SDM_OK);
	return len;
}

/* A TPMS_ATTEST quote of sha256 PCRs 17-20 (Part 2 10.12.12). */
static size_t make_quote(uint8_t *q, const uint8_t extra[32])
{
	size_t n = 0;

	put32be(q + n, ATT_TPM_GENERATED); n += 4;
	put16be(q + n, ATT_TPM_ST_ATTEST_QUOTE); n += 2;
	put16be(q + n, 34); n += 2;                 /* qualifiedSigner */
	put16be(q + n, ATT_ALG_SHA256);
	memset(q + n + 2, 0xaa, 32); n += 34;
	put16be(q + n, 32); n += 2;                 /* extraData */
	memcpy(q + n, extra, 32); n += 32;
	memset(q + n, 0, 8); q[n + 7] = 9; n += 8;  /* clock */
	put32be(q + n, 1); n += 4;                  /* resetCount */
	put32be(q + n, 2); n += 4;                  /* restartCount */
	q[n++] = 1;                                 /* safe */
	memset(q + n, 0, 8); n += 8;                /* firmwareVersion */
	put32be(q + n, 1); n += 4;                  /* count */
	put16be(q + n, ATT_ALG_SHA256); n += 2;
	q[n++] = 3;
	q[n++] = 0; q[n++] = 0; q[n++] = 0x1e;
	put16be(q + n, 32); n += 2;                 /* pcrDigest */
	memset(q + n, 0x55, 32); n += 32;
	return n;
}

static size_t make_ecdsa_sig(uint8_t *s)
{
	put16be(s, ATT_ALG_ECDSA);
	put16be(s + 2, ATT_ALG_SHA256);
	put16be(s + 4, 32);
	memset(s + 6, 0x11, 32);
	put16be(s + 38, 32);
	memset(s + 40, 0x22, 32);
	return 72;
}

static void test_container(void **state)
{
	uint8_t buf[1024], q[256], s[128], extra[32] = { 7 };
	size_t ql = make_quote(q, extra), sl = make_ecdsa_sig(s);
	size_t len = make_bundle(buf, sizeof(buf), q, ql, s, sl);
	struct att_container c;
	struct att_bundle b;
	uint8_t bad[1024];

	assert_int_equal(att_container_parse(buf, len, ATT_KIND_BUNDLE, &c, &err),
			 SDM_OK);
	assert_int_equal(c.rec[ATT_T_BUNDLE_ATTEST].len, ql);
	assert_int_equal(att_bundle_parse(buf, len, &b, &err), SDM_OK);
	assert_int_equal(b.quote.nsel, 1);
	assert_int_equal(b.quote.sel[0].select[2], 0x1e);
	assert_int_equal(b.sig.alg, ATT_ALG_ECDSA);
	assert_memory_equal(b.quote.extra, extra, 32);
	assert_int_equal(att_container_parse(buf, len, 0, &c, &err), SDM_OK);
	assert_int_equal(c.kind, ATT_KIND_BUNDLE);

	/* Every malformation, with its message. */
	expect_err(att_container_parse(buf, 10, 0, &c, &err), "shorter than");
	memcpy(bad, buf, len); bad[0] ^= 1;
	expect_err(att_container_parse(bad, len, 0, &c, &err), "magic");
	memcpy(bad, buf, len); bad[4] = 2;
	expect_err(att_container_parse(bad, len, 0, &c, &err), "version 2");
	expect_err(att_container_parse(buf, len, ATT_KIND_ENROLMENT, &c, &err),
		   "the file is a bundle");
	memcpy(bad, buf, len); bad[6] = 9;
	expect_err(att_container_parse(bad, len, 0, &c, &err), "unknown kind 9");
	expect_err(att_container_parse(buf, len - 1, 0, &c, &err),
		   "header says");
	memcpy(bad, buf, len); bad[12] = 7;
	expect_err(att_container_parse(bad, len, 0, &c, &err), "7 records");
	/* Record 0 (nonce) at 16: tag, zero, len. */
	memcpy(bad, buf, len); bad[16] = 9;
	expect_err(att_container_parse(bad, len, 0, &c, &err), "unknown tag 9");
	memcpy(bad, buf, len); bad[18] = 1;
	expect_err(att_container_parse(bad, len, 0, &c, &err), "reserved field");
	memcpy(bad, buf, len); bad[20] = 4; /* nonce of 4 bytes: too short */
	expect_err(att_container_parse(bad, len, 0, &c, &err), "allowed 8..64");
	memcpy(bad, buf, len); bad[20] = 0xff; bad[21] = 0xff;
	expect_err(att_container_parse(bad, len, 0, &c, &err), "only");
	/* Second record's tag equal to the first: order / repeat. */
	memcpy(bad, buf, len); bad[16 + 8 + 16] = 1;
	expect_err(att_container_parse(bad, len, 0, &c, &err), "order, or twice");
	/* Claim one record fewer: trailing bytes. */
	memcpy(bad, buf, len); bad[12] = 4;
	expect_err(att_container_parse(bad, len, 0, &c, &err), "after the last record");
	/* Claim one more record than there is. */
	{
		struct att_writer w;
		uint8_t small[256];
		size_t l;

		att_writer_init(&w, small, sizeof(small), ATT_KIND_RESPONSE);
		att_writer_add(&w, ATT_T_RESP_CHALLENGE, extra, 32);
		expect_err(att_writer_finish(&w, &l, &err), "secret record");
		att_writer_init(&w, small, sizeof(small), ATT_KIND_RESPONSE);
		att_writer_add(&w, ATT_T_RESP_SECRET, extra, 32);
		att_writer_add(&w, ATT_T_RESP_CHALLENGE, extra, 32);
		expect_err(att_writer_finish(&w, &l, &err), "out of order");
		att_writer_init(&w, small, 40, ATT_KIND_RESPONSE);
		att_writer_add(&w, ATT_T_RESP_CHALLENGE, extra, 32);
		expect_err(att_writer_finish(&w, &l, &err), "does not fit");
		memcpy(bad, buf, len); bad[12] = 6;
		expect_err(att_container_parse(bad, len, 0, &c, &err),
			   "header truncated");
	}
	/* The bundle's quote and signature are parsed with it. */
	q[0] ^= 0xff;
	len = make_bundle(buf, sizeof(buf), q, ql, s, sl);
	expect_err(att_bundle_parse(buf, len, &b, &err), "bundle: TPMS_ATTEST: magic");
}

/* ---------------------------------------------------------------- TPM structures */

static void test_quote_parse(void **state)
{
	uint8_t q[256], bad[256], extra[32] = { 1 };
	size_t n = make_quote(q, extra);
	struct att_quote out;

	assert_int_equal(att_quote_parse(q, n, &out, &err), SDM_OK);
	assert_int_equal(out.signer_size, 34);
	assert_int_equal(out.clock, 9);
	assert_int_equal(out.reset_count, 1);
	assert_int_equal(out.restart_count, 2);
	assert_int_equal(out.pcr_digest_size, 32);
	assert_int_equal(out.pcr_digest[0], 0x55);

	memcpy(bad, q, n); bad[5] = 0x17; /* certify, not quote */
	expect_err(att_quote_parse(bad, n, &out, &err), "not TPM_ST_ATTEST_QUOTE");
	memcpy(bad, q, n); bad[6] = 0; bad[7] = 70;
	expect_err(att_quote_parse(bad, n, &out, &err), "qualifiedSigner size 70 exceeds 66");
	memcpy(bad, q, n); bad[42] = 0; bad[43] = 67;
	expect_err(att_quote_parse(bad, n, &out, &err), "extraData size 67");
	memcpy(bad, q, n); bad[44 + 32 + 16] = 2;
	expect_err(att_quote_parse(bad, n, &out, &err), "safe is 2");
	memcpy(bad, q, n); put32be(bad + 44 + 32 + 17 + 8, 17);
	expect_err(att_quote_parse(bad, n, &out, &err), "count 17 exceeds 16");
	memcpy(bad, q, n); bad[44 + 32 + 17 + 8 + 4 + 2] = 0;
	expect_err(att_quote_parse(bad, n, &out, &err), "sizeofSelect 0");
	expect_err(att_quote_parse(q, n - 1, &out, &err), "truncated");
	memcpy(bad, q, n); bad[n] = 0;
	expect_err(att_quote_parse(bad, n + 1, &out, &err), "1 trailing");
	expect_err(att_quote_parse(q, 3, &out, &err), "magic truncated");
	/* sizeofSelect 4 naming PCR 24. */
	{
		uint8_t w[260];
		size_t sel = 44 + 32 + 17 + 8 + 4 + 2;

		memcpy(w, q, sel);
		w[sel] = 4;
		w[sel + 1] = 0; w[sel + 2] = 0; w[sel + 3] = 0x1e; w[sel + 4] = 1;
		memcpy(w + sel + 5, q + sel + 4, n - sel - 4);
		expect_err(att_quote_parse(w, n + 1, &out, &err), "PCRs above 23");
	}
}

static void test_signature_parse(void **state)
{
	uint8_t s[600], bad[600];
	size_t n = make_ecdsa_sig(s);
	struct att_signature out;

	assert_int_equal(att_signature_parse(s, n, &out, &err), SDM_OK);
	assert_int_equal(out.r_size, 32);
	assert_int_equal(out.s[0], 0x22);
	memcpy(bad, s, n); put16be(bad, ATT_ALG_HMAC);
	expect_err(att_signature_parse(bad, n, &out, &err),
		   "sigAlg 0x0005 is not RSASSA, RSAPSS or ECDSA");
	memcpy(bad, s, n); put16be(bad + 4, 67);
	expect_err(att_signature_parse(bad, n, &out, &err), "signatureR size 67");
	expect_err(att_signature_parse(s, n - 1, &out, &err), "truncated");
	expect_err(att_signature_parse(s, 0, &out, &err), "sigAlg truncated");
	/* RSASSA: hash, TPM2B of 256. */
	put16be(s, ATT_ALG_RSASSA);
	put16be(s + 2, ATT_ALG_SHA256);
	put16be(s + 4, 256);
	memset(s + 6, 3, 256);
	assert_int_equal(att_signature_parse(s, 262, &out, &err), SDM_OK);
	assert_int_equal(out.rsa_size, 256);
	put16be(s + 4, 513);
	expect_err(att_signature_parse(s, 262, &out, &err), "sig size 513 exceeds 512");
}

/* The TCG default EK templates, marshalled by tpm2-tss. */
static size_t marshal_public(const TPMT_PUBLIC *p, uint8_t *out)
{
	size_t off = 0;

	assert_int_equal(Tss2_MU_TPMT_PUBLIC_Marshal(p, out, ATT_MAX_PUBLIC,
						     &off), 0);
	return off;
}

static void ek_rsa_template(TPMT_PUBLIC *p)
{
	memset(p, 0, sizeof(*p));
	p->type = TPM2_ALG_RSA;
	p->nameAlg = TPM2_ALG_SHA256;
	p->objectAttributes = 0x000300b2;
	p->authPolicy.size = 32;
	attc_policy_ek(p->authPolicy.buffer);
	p->parameters.rsaDetail.symmetric.algorithm = TPM2_ALG_AES;
	p->parameters.rsaDetail.symmetric.keyBits.aes = 128;
	p->parameters.rsaDetail.symmetric.mode.aes = TPM2_ALG_CFB;
	p->parameters.rsaDetail.scheme.scheme = TPM2_ALG_NULL;
	p->parameters.rsaDetail.keyBits = 2048;
	p->unique.rsa.size = 256;
}

static void test_public_parse(void **state)
{
	TPMT_PUBLIC t;
	uint8_t buf[ATT_MAX_PUBLIC], bad[ATT_MAX_PUBLIC];
	struct att_public p;
	size_t n;

	ek_rsa_template(&t);
	n = marshal_public(&t, buf);
	assert_int_equal(att_public_parse(buf, n, &p, &err), SDM_OK);
	assert_int_equal(p.type, ATT_ALG_RSA);
	assert_int_equal(p.attributes, 0x000300b2);
	assert_int_equal(p.sym_bits, 128);
	assert_int_equal(p.rsa_n_size, 256);
	assert_int_equal(attc_check_ek(&p, &err), SDM_OK);
	expect_err(attc_check_ak(&p, &err), "not a restricted signing key");

	memcpy(bad, buf, n); put16be(bad, 0x0008);
	expect_err(att_public_parse(bad, n, &p, &err), "not an RSA or ECC key");
	memcpy(bad, buf, n); put16be(bad + 2, 0x0012);
	expect_err(att_public_parse(bad, n, &p, &err), "nameAlg 0x0012");
	expect_err(att_public_parse(buf, n - 1, &p, &err), "truncated");
	/* keyBits 3072 with a 256-byte modulus. */
	t.parameters.rsaDetail.keyBits = 3072;
	n = marshal_public(&t, buf);
	expect_err(att_public_parse(buf, n, &p, &err), "modulus of 256 bytes for keyBits 3072");

	/* ECC P-256 AK template: ECDSA-SHA256, restricted sign. */
	memset(&t, 0, sizeof(t));
	t.type = TPM2_ALG_ECC;
	t.nameAlg = TPM2_ALG_SHA256;
	t.objectAttributes = 0x00050072;
	t.parameters.eccDetail.symmetric.algorithm = TPM2_ALG_NULL;
	t.parameters.eccDetail.scheme.scheme = TPM2_ALG_ECDSA;
	t.parameters.eccDetail.scheme.details.ecdsa.hashAlg = TPM2_ALG_SHA256;
	t.parameters.eccDetail.curveID = TPM2_ECC_NIST_P256;
	t.parameters.eccDetail.kdf.scheme = TPM2_ALG_NULL;
	t.unique.ecc.x.size = 32;
	t.unique.ecc.y.size = 32;
	n = marshal_public(&t, buf);
	assert_int_equal(att_public_parse(buf, n, &p, &err), SDM_OK);
	assert_int_equal(p.curve, ATT_ECC_NIST_P256);
	assert_int_equal(p.scheme, ATT_ALG_ECDSA);
	assert_int_equal(attc_check_ak(&p, &err), SDM_OK);
	assert_int_equal(attc_key_locality(&p), -1);
	/* type, nameAlg, attributes, empty authPolicy, NULL symmetric: the
	 * scheme is at offset 12. */
	put16be(buf + 12, 0x0099);
	expect_err(att_public_parse(buf, n, &p, &err), "ECC scheme 0x0099 unknown");
}

static void test_policy_digests(void **state)
{
	/* TCG EK Credential Profile 2.0, B.3.3: the default EK's policy. */
	static const uint8_t ek_policy[32] = {
		0x83, 0x71, 0x97, 0x67, 0x44, 0x84, 0xb3, 0xf8, 0x1a, 0x90, 0xcc,
		0x8d, 0x46, 0xa5, 0xd7, 0x24, 0xfd, 0x52, 0xd7, 0x6e, 0x06, 0x52,
		0x0b, 0x64, 0xf2, 0xa1, 0xda, 0x1b, 0x33, 0x14, 0x69, 0xaa,
	};
	uint8_t d[32], n[ATT_MAX_NAME];
	size_t nl;

	attc_policy_ek(d);
	assert_memory_equal(d, ek_policy, 32);
	/* Names: nameAlg || SHA-256(public area). */
	assert_int_equal(attc_name(ek_policy, 32, n, &nl, &err), SDM_EINVAL);
	expect_err(SDM_EINVAL, "nameAlg");
	assert_true(att_name_ok((const uint8_t[34]){ 0, 0x0b }, 34));
	assert_false(att_name_ok((const uint8_t[34]){ 0, 0x0b }, 33));
	assert_false(att_name_ok((const uint8_t[34]){ 0, 0x10 }, 34));
	/* KDFa is deterministic and differs by label. */
	{
		uint8_t k[32] = { 1 }, a[32], b[32], c[16];

		assert_int_equal(attc_kdfa(k, 32, "STORAGE", NULL, 0, NULL, 0,
					   256, a), SDM_OK);
		assert_int_equal(attc_kdfa(k, 32, "INTEGRITY", NULL, 0, NULL, 0,
					   256, b), SDM_OK);
		assert_memory_not_equal(a, b, 32);
		assert_int_equal(attc_kdfa(k, 32, "STORAGE", NULL, 0, NULL, 0,
					   128, c), SDM_OK);
		/* L is hashed in: a 128-bit key is not a prefix of the 256. */
		assert_memory_not_equal(a, c, 16);
	}
}

/* ---------------------------------------------------------------- report */

static void sample_report(struct att_report *r, enum sdm_launch_kind kind,
			  uint32_t iommu)
{
	memset(r, 0, sizeof(*r));
	r->launch_kind = kind;
	r->iommu = iommu;
	r->flags = ATT_RF_EPT | ATT_RF_TPM_LOC0 |
		   (iommu != ATT_IOMMU_ABSENT ? ATT_RF_IOMMU_DMA : 0);
	r->ncpus = 2;
	r->seq = 1;
	r->ndomains = 2;
	r->requester = 1; /* linux asked */
	snprintf(r->dom[0].name, ATT_NAME_MAX, "linux");
	r->dom[0].id = 0;
	r->dom[0].kind = ATT_DOM_NORMAL;
	r->dom[0].state = ATT_DOM_RUNNING;
	r->dom[0].mem_bytes = 1ull << 30;
	r->dom[0].mem_ranges = 3;
	r->dom[0].cpu_mask = 1;
	r->dom[0].exits = 12345;
	r->dom[0].nimages = 1;
	r->dom[0].ndevices = 1;
	r->dom[0].devices[0] = (struct att_pci){ 0, 0, 2 << 3 };
	snprintf(r->dom[1].name, ATT_NAME_MAX, "ptest");
	r->dom[1].id = 1;
	r->dom[1].kind = ATT_DOM_PROTECTED;
	r->dom[1].state = ATT_DOM_RUNNING;
	r->dom[1].mem_bytes = 16u << 20;
	r->dom[1].mem_ranges = 1;
	r->dom[1].cpu_mask = 2;
	r->dom[1].nimages = 1;
}

static void test_report(void **state)
{
	struct att_report r, back;
	uint8_t buf[ATT_REPORT_MAX], bad[ATT_REPORT_MAX];
	size_t len, dom1 = ATT_REPORT_HDR + ATT_REPORT_DOMAIN;

	sample_report(&r, SDM_LAUNCH_EMULATED_DRTM, ATT_IOMMU_VTD);
	snprintf(r.dom[0].images[0].module, ATT_NAME_MAX, "bzImage");
	r.dom[0].images[0].size = 4096;
	memset(r.dom[0].images[0].sha256, 0x42, 32);
	assert_int_equal(att_report_encode(&r, buf, sizeof(buf), &len, &err),
			 SDM_OK);
	assert_int_equal(len, ATT_REPORT_HDR + 2 * ATT_REPORT_DOMAIN);
	assert_int_equal(att_report_decode(buf, len, &back, &err), SDM_OK);
	assert_memory_equal(&r, &back, sizeof(r));
	/* Layout: the fields at the documented offsets. */
	assert_memory_equal(buf, "SDMR", 4);
	assert_int_equal(buf[0x10], SDM_LAUNCH_EMULATED_DRTM);
	assert_int_equal(buf[ATT_REPORT_HDR + 0x24], ATT_DOM_NORMAL);
	assert_int_equal(buf[ATT_REPORT_HDR + 0x50], 0x42);
	assert_int_equal(buf[ATT_REPORT_HDR + 0x170 + 3], 2 << 3);
	assert_int_equal(buf[0x28], 1);
	/* The requester: 0 (no domain) and the last domain round-trip. */
	r.requester = 0;
	assert_int_equal(att_report_encode(&r, buf, sizeof(buf), &len, &err),
			 SDM_OK);
	assert_int_equal(att_report_decode(buf, len, &back, &err), SDM_OK);
	assert_int_equal(back.requester, 0);
	r.requester = 2;
	assert_int_equal(att_report_encode(&r, buf, sizeof(buf), &len, &err),
			 SDM_OK);
	assert_int_equal(att_report_decode(buf, len, &back, &err), SDM_OK);
	assert_memory_equal(&r, &back, sizeof(r));
	assert_int_equal(buf[0x28], 2);
	r.requester = 3;
	expect_err(att_report_encode(&r, buf, sizeof(buf), &len, &err),
		   "requester 3 is not a domain of the report (0 or 1..2)");
	r.requester = 2;
	assert_int_equal(att_report_encode(&r, buf, sizeof(buf), &len, &err),
			 SDM_OK);

	expect_err(att_report_encode(&r, buf, len - 1, &len, &err), "bytes needed");
	len = ATT_REPORT_HDR + 2 * ATT_REPORT_DOMAIN;
#define BAD(off, val, msg) do { memcpy(bad, buf, len); bad[off] = (val); \
	expect_err(att_report_decode(bad, len, &back, &err), msg); } while (0)
	BAD(0, 'X', "magic");
	BAD(4, 2, "format 2");
	BAD(0x0c, 0, "0 domains");
	BAD(0x0c, 9, "9 domains");
	BAD(0x0c, 1, "1 domains need 496");
	BAD(0x10, 4, "launch kind 4");
	BAD(0x14, 3, "IOMMU kind 3");
	BAD(0x18, 0x1b, "unknown flags 0x10");
	BAD(0x28, 3, "requester 3 is not a domain of the report (0 or 1..2)");
	BAD(0x2b, 1, "requester 16777218 is not a domain");
	BAD(0x2c, 1, "reserved header bytes 0x2c..0x3f");
	BAD(0x3f, 1, "reserved header bytes 0x2c..0x3f");
	memcpy(bad, buf, len);
	memset(bad + ATT_REPORT_HDR, 'a', ATT_NAME_MAX);
	expect_err(att_report_decode(bad, len, &back, &err), "not NUL-terminated");
	BAD(ATT_REPORT_HDR + 31, 'x', "not NUL-padded");
	BAD(ATT_REPORT_HDR + 0, '/', "outside [A-Za-z0-9_.-]");
	BAD(ATT_REPORT_HDR + 0, 0, "empty");
	BAD(ATT_REPORT_HDR + 7, 'z', "not NUL-padded");
	memcpy(bad, buf, len);
	memcpy(bad + dom1, "linux", 5);
	expect_err(att_report_decode(bad, len, &back, &err), "repeats domain 0");
	BAD(ATT_REPORT_HDR + 0x24, 3, "kind 3 unknown");
	BAD(ATT_REPORT_HDR + 0x28, 3, "state 3 unknown");
	BAD(ATT_REPORT_HDR + 0x3c, 5, "5 images");
	BAD(ATT_REPORT_HDR + 0x3d, 17, "17 devices");
	BAD(ATT_REPORT_HDR + 0x3e, 1, "reserved field");
	BAD(ATT_REPORT_HDR + 0x50 + 72, 1, "unused image slot 1");
	BAD(ATT_REPORT_HDR + 0x170 + 4, 1, "unused device slot 1");
	BAD(ATT_REPORT_HDR + 0x50 + 32, '*', "module name");
#undef BAD
	memcpy(bad, buf, len);
	bad[0x14] = ATT_IOMMU_ABSENT;
	expect_err(att_report_decode(bad, len, &back, &err), "without an IOMMU");
	expect_err(att_report_decode(buf, len - 1, &back, &err), "size field");
	expect_err(att_report_decode(buf, 10, &back, &err), "shorter than");
}

/* ---------------------------------------------------------------- reference */

static void test_reference_parse(void **state)
{
	static const char good[] =
		"# comment\n\n"
		"sdm-reference 1\r\n"
		"event 17 sha256:0000000000000000000000000000000000000000000000000000000000000001 \"sinit \\\"x\\\" \\\\ \\x41\"\n"
		"allow 20 sha256:00000000000000000000000000000000000000000000000000000000000000FF\n"
		"image sha256:0000000000000000000000000000000000000000000000000000000000000002 \"ptest\"\n"
		"domain \"ptest\" kind=protected mem=0x1000000 cpus=1 devices=0000:00:03.0,0001:ff:1f.7\n"
		"domain \"linux\" kind=normal devices=none\n"
		"require iommu\n  require drtm\nrequire ak-locality=2\n"
		"require requester=x\n"
		"text 20 \"domain 'ptest' config: kind protected, \"\n"
		"text 20 \"DMA \\\"protection\\\": \"\n";
	struct att_reference *r = malloc(sizeof(*r));

	assert_non_null(r);
	assert_int_equal(att_reference_parse(good, strlen(good), "ref", r, &err),
			 SDM_OK);
	assert_int_equal(r->nevents, 2);
	assert_true(r->events[0].required);
	assert_string_equal(r->events[0].text, "sinit \"x\" \\ A");
	assert_false(r->events[1].required);
	assert_false(r->events[1].has_text);
	assert_int_equal(r->events[1].sha256[31], 0xff);
	assert_int_equal(r->nimages, 1);
	assert_int_equal(r->ndomains, 2);
	assert_int_equal(r->dom[0].mem_bytes, 0x1000000);
	assert_int_equal(r->dom[0].ndevices, 2);
	assert_int_equal(r->dom[0].devices[1].segment, 1);
	assert_int_equal(r->dom[0].devices[1].bus, 0xff);
	assert_int_equal(r->dom[0].devices[1].devfn, 0xff);
	assert_true(r->dom[1].has_devices);
	assert_int_equal(r->dom[1].ndevices, 0);
	assert_true(r->require_iommu && r->require_drtm && r->require_ak_locality);
	assert_int_equal(r->ak_locality, 2);
	assert_true(r->require_requester);
	assert_string_equal(r->requester, "x");
	assert_int_equal(r->ntexts, 2);
	assert_int_equal(r->texts[0].pcr, 20);
	assert_string_equal(r->texts[0].prefix,
			    "domain 'ptest' config: kind protected, ");
	assert_string_equal(r->texts[1].prefix, "DMA \"protection\": ");

#define REF_BAD(text, msg) expect_err(att_reference_parse(text, strlen(text), \
	"ref", r, &err), msg)
	REF_BAD("", "empty");
	REF_BAD("event 17 sha256:00\n", "line 1: the first statement");
	REF_BAD("sdm-reference 2\n", "version '2'");
	REF_BAD("sdm-reference 1\nevent 24 sha256:00\n", "line 2: PCR: 24 exceeds 23");
	REF_BAD("sdm-reference 1\nevent 17 sha1:00\n", "expected sha256:");
	REF_BAD("sdm-reference 1\nimage sha256:000000000000000000000000000000000000000000000000000000000000000g\n",
		"'0g' is not a hex byte");
	REF_BAD("sdm-reference 1\nimage sha256:0000000000000000000000000000000000000000000000000000000000000000 \"a\n",
		"closing quote");
	REF_BAD("sdm-reference 1\nimage sha256:0000000000000000000000000000000000000000000000000000000000000000 \"\\q\"\n",
		"unknown escape");
	REF_BAD("sdm-reference 1\nimage sha256:0000000000000000000000000000000000000000000000000000000000000000 \"\\x00\"\n",
		"\\x00");
	REF_BAD("sdm-reference 1\nimage sha256:0000000000000000000000000000000000000000000000000000000000000000 \"a\" b\n",
		"unexpected text");
	REF_BAD("sdm-reference 1\nfrobnicate\n", "unknown statement 'frobnicate'");
	REF_BAD("sdm-reference 1\ndomain \"a\" kind=normal\ndomain \"a\" kind=normal\n",
		"line 3: domain 'a' given twice");
	REF_BAD("sdm-reference 1\ndomain \"a\"\n", "needs kind=");
	REF_BAD("sdm-reference 1\ndomain \"a b\" kind=normal\n", "outside");
	REF_BAD("sdm-reference 1\ndomain \"a\" kind=normal devices=0000:00:20.0\n",
		"device above 1f");
	REF_BAD("sdm-reference 1\ndomain \"a\" kind=normal devices=0000:00:02.0,\n",
		"ends with ','");
	REF_BAD("sdm-reference 1\ndomain \"a\" kind=normal cpus=65\n", "exceeds 64");
	REF_BAD("sdm-reference 1\ndomain \"a\" kind=normal mem=99999999999999999999\n",
		"exceeds");
	REF_BAD("sdm-reference 1\nrequire world-peace\n", "require what?");
	REF_BAD("sdm-reference 1\nrequire requester=\n",
		"line 2: requester: domain name empty");
	REF_BAD("sdm-reference 1\nrequire requester=a/b\n",
		"requester: domain name has a character outside [A-Za-z0-9_.-]");
	REF_BAD("sdm-reference 1\nrequire requester=\"a\"\n",
		"requester: domain name has a character outside");
	REF_BAD("sdm-reference 1\nrequire requester=0123456789012345678901234567890123\n",
		"requester: a domain name has at most 31 characters");
	REF_BAD("sdm-reference 1\nrequire requester=a\nrequire requester=b\n",
		"line 3: requester given twice");
	REF_BAD("sdm-reference 1\nrequire requester\n", "require what?");
	REF_BAD("sdm-reference 1\nrequire requester=a b\n", "unexpected text");
	REF_BAD("sdm-reference 1\n\x01\n", "unknown statement");
	REF_BAD("sdm-reference 1\ntext 20\n", "line 2: expected a quoted string");
	REF_BAD("sdm-reference 1\ntext \"DMA\"\n", "PCR: '\"DMA\"' is not a number");
	REF_BAD("sdm-reference 1\ntext 24 \"DMA\"\n", "PCR: 24 exceeds 23");
	REF_BAD("sdm-reference 1\ntext 20 \"\"\n", "text needs a prefix");
	REF_BAD("sdm-reference 1\ntext 20 DMA\n", "expected a quoted string");
	REF_BAD("sdm-reference 1\ntext 20 \"DMA\" \"x\"\n", "unexpected text");
	REF_BAD("sdm-reference 1\ntext 20 \"DMA\n", "closing quote");
	{
		/* At most ATT_REF_MAX_TEXTS of them. */
		size_t cap = 32 + (ATT_REF_MAX_TEXTS + 1) * 16, n;
		char *many = malloc(cap);

		assert_non_null(many);
		n = (size_t)snprintf(many, cap, "sdm-reference 1\n");
		for (unsigned i = 0; i <= ATT_REF_MAX_TEXTS; i++)
			n += (size_t)snprintf(many + n, cap - n, "text 20 \"t%u\"\n", i);
		expect_err(att_reference_parse(many, n, "ref", r, &err),
			   "more than 64 text statements");
		free(many);
	}
	{
		char nul[] = "sdm-reference 1\n\0\n";

		expect_err(att_reference_parse(nul, sizeof(nul) - 1, "ref", r,
					       &err), "NUL byte");
	}
#undef REF_BAD
	free(r);
}

/* ---------------------------------------------------------------- sinit's image */

static void put16le(uint8_t *p, uint16_t v)
{
	p[0] = (uint8_t)v;
	p[1] = (uint8_t)(v >> 8);
}

static void put32le(uint8_t *p, uint32_t v)
{
	put16le(p, (uint16_t)v);
	put16le(p + 2, (uint16_t)(v >> 16));
}

static void put64le(uint8_t *p, uint64_t v)
{
	put32le(p, (uint32_t)v);
	put32le(p + 4, (uint32_t)(v >> 32));
}

/*
 * A tiny sinit-like ELF64: text at 0x100000 (0x20 file bytes at offset
 * 0x1000), data at 0x102000 (0x10 file bytes at 0x2000, 0x30 in memory:
 * bss), a symbol table (section 1) naming nsyms of __sinit_start and
 * __sinit_ro_end with the values given. Returns the file size.
 */
#define TINY_ELF_SIZE 0x2400
static size_t tiny_elf(uint8_t *f, unsigned nsyms, uint64_t start,
		       uint64_t end)
{
	static const char strtab[] = "\0__sinit_start\0__sinit_ro_end";
	uint8_t *ph, *sh, *sym;

	memset(f, 0, TINY_ELF_SIZE);
	memcpy(f, "\x7f" "ELF\x02\x01\x01", 7);
	put16le(f + 16, 2);           /* ET_EXEC */
	put16le(f + 18, 62);          /* x86-64 */
	put32le(f + 20, 1);
	put64le(f + 24, 0x100000);    /* entry */
	put64le(f + 32, 64);          /* e_phoff */
	put64le(f + 40, 0x2100);      /* e_shoff */
	put16le(f + 52, 64);
	put16le(f + 54, 56);
	put16le(f + 56, 2);
	put16le(f + 58, 64);
	put16le(f + 60, 3);           /* null, .symtab, .strtab */
	ph = f + 64;
	put32le(ph, 1);
	put32le(ph + 4, 5);           /* R X */
	put64le(ph + 8, 0x1000);
	put64le(ph + 16, 0x100000);
	put64le(ph + 24, 0x100000);
	put64le(ph + 32, 0x20);
	put64le(ph + 40, 0x20);
	put64le(ph + 48, 0x1000);
	ph += 56;
	put32le(ph, 1);
	put32le(ph + 4, 6);           /* R W */
	put64le(ph + 8, 0x2000);
	put64le(ph + 16, 0x102000);
	put64le(ph + 24, 0x102000);
	put64le(ph + 32, 0x10);
	put64le(ph + 40, 0x40);
	put64le(ph + 48, 0x1000);
	for (unsigned i = 0; i < 0x20; i++)
		f[0x1000 + i] = (uint8_t)(0xa0 + i);
	for (unsigned i = 0; i < 0x10; i++)
		f[0x2000 + i] = (uint8_t)(0x50 + i);
	/* Symbols at 0x2020 (null + 2), strings at 0x2080. */
	sym = f + 0x2020 + 24;
	put32le(sym, 1);
	sym[4] = 0x10;                /* STB_GLOBAL, STT_NOTYPE */
	put16le(sym + 6, 1);
	put64le(sym + 8, start);
	sym += 24;
	put32le(sym, 15);
	sym[4] = 0x10;
	put16le(sym + 6, 1);
	put64le(sym + 8, end);
	memcpy(f + 0x2080, strtab, sizeof(strtab));
	sh = f + 0x2100 + 64;
	put32le(sh + 4, 2);           /* SHT_SYMTAB */
	put64le(sh + 24, 0x2020);
	put64le(sh + 32, 24 * (1 + nsyms));
	put32le(sh + 40, 2);          /* its strings: section 2 */
	put64le(sh + 56, 24);
	sh += 64;
	put32le(sh + 4, 3);           /* SHT_STRTAB */
	put64le(sh + 24, 0x2080);
	put64le(sh + 32, sizeof(strtab));
	return TINY_ELF_SIZE;
}

/* attc_sinit_image_digest: the memory image of [start, end): file bytes
 * of the segments, zeros between them and for the bss. */
static void test_sinit_image_digest(void **state)
{
	uint8_t *f = malloc(TINY_ELF_SIZE), *want = calloc(1, 0x2020);
	uint8_t d[32], w[32];
	uint64_t size = 0;
	size_t len;

	assert_non_null(f);
	assert_non_null(want);
	/* [0x100010, 0x102030): 0x10 text bytes, a gap of 0x1fe0 zeros,
	 * 0x10 data bytes, 0x20 bytes of bss. */
	len = tiny_elf(f, 2, 0x100010, 0x102030);
	for (unsigned i = 0; i < 0x10; i++)
		want[i] = (uint8_t)(0xa0 + 0x10 + i);
	for (unsigned i = 0; i < 0x10; i++)
		want[0x1ff0 + i] = (uint8_t)(0x50 + i);
	sha256(want, 0x2020, w);
	if (attc_sinit_image_digest(f, len, d, &size, &err) != SDM_OK)
		fail_msg("%s", err.msg);
	assert_int_equal(size, 0x2020);
	assert_memory_equal(d, w, 32);
	/* Text only, as sinit.ld makes it. */
	len = tiny_elf(f, 2, 0x100000, 0x100020);
	assert_int_equal(attc_sinit_image_digest(f, len, d, &size, &err), SDM_OK);
	sha256(f + 0x1000, 0x20, w);
	assert_memory_equal(d, w, 32);
	assert_int_equal(size, 0x20);

	/* Refused, each with its reason. */
	len = tiny_elf(f, 1, 0x100000, 0x100020);
	expect_err(attc_sinit_image_digest(f, len, d, &size, &err),
		   "no symbol __sinit_ro_end: not an sinit ELF, or stripped");
	len = tiny_elf(f, 0, 0x100000, 0x100020);
	expect_err(attc_sinit_image_digest(f, len, d, &size, &err),
		   "no symbol __sinit_start");
	put16le(f + 60, 0);           /* no section headers at all */
	expect_err(attc_sinit_image_digest(f, len, d, &size, &err),
		   "no symbol __sinit_start");
	len = tiny_elf(f, 2, 0x100020, 0x100020);
	expect_err(attc_sinit_image_digest(f, len, d, &size, &err),
		   "is not a range");
	len = tiny_elf(f, 2, 0x100000, 0x100000 + (65u << 20));
	expect_err(attc_sinit_image_digest(f, len, d, &size, &err),
		   "is not a range");
	len = tiny_elf(f, 2, 0x100000, 0x100020);
	put64le(f + 0x2100 + 64 + 32, 0x10000);  /* symbols past the end */
	expect_err(attc_sinit_image_digest(f, len, d, &size, &err),
		   "section 1: a symbol table outside the file");
	len = tiny_elf(f, 2, 0x100000, 0x100020);
	put32le(f + 0x2100 + 64 + 40, 1);         /* strings: itself */
	expect_err(attc_sinit_image_digest(f, len, d, &size, &err),
		   "is not a string table");
	len = tiny_elf(f, 2, 0x100000, 0x100020);
	put64le(f + 40, 0x2380);                  /* headers past the end */
	expect_err(attc_sinit_image_digest(f, len, d, &size, &err),
		   "section headers");
	len = tiny_elf(f, 2, 0x100000, 0x100020);
	expect_err(attc_sinit_image_digest(f, 0x100, d, &size, &err),
		   "not an ELF64 x86-64 executable");
	f[0] = 0;
	expect_err(attc_sinit_image_digest(f, len, d, &size, &err),
		   "not an ELF64 x86-64 executable: ELF header");
	free(f);
	free(want);
}

/* ---------------------------------------------------------------- swtpm fixture */

static struct {
	pid_t pid;
	int port;
	char dir[96];   /* work directory: TPM state, CA, files */
	char tcti[96];
	bool with_cert;
} fx;

/* prog's full path into buf (may be NULL); false if not in PATH. */
static bool find_prog(const char *prog, char *buf, size_t cap)
{
	const char *path = getenv("PATH");
	char tmp[512];

	while (path != NULL && *path != '\0') {
		size_t n = strcspn(path, ":");

		snprintf(tmp, sizeof(tmp), "%.*s/%s", (int)n, path, prog);
		if (access(tmp, X_OK) == 0) {
			if (buf != NULL)
				snprintf(buf, cap, "%s", tmp);
			return true;
		}
		path += n + (path[n] == ':');
	}
	return false;
}

static bool in_path(const char *prog)
{
	return find_prog(prog, NULL, 0);
}

/* A path in the work directory (from a small ring of buffers). */
static const char *wp(const char *name)
{
	static char ring[24][256];
	static unsigned next;
	char *p = ring[next++ % 24];

	snprintf(p, 256, "%s/%s", fx.dir, name);
	return p;
}

/* Runs a program; true if it exits 0. out (may be NULL) gets its output. */
static bool run_prog(char *const argv[], char **out)
{
	char msg[256], *o = NULL;
	int status;

	if (sdm_run_capture(argv, &o, &status, msg, sizeof(msg)) != 0) {
		fprintf(stderr, "test_attest: %s\n", msg);
		return false;
	}
	if (out != NULL)
		*out = o;
	else
		free(o);
	return WIFEXITED(status) && WEXITSTATUS(status) == 0;
}

static int start_swtpm(bool with_cert)
{
	char server[64], ctrl[64], state[160];
	char *out = NULL;

	memset(&fx, 0, sizeof(fx));
	if (!in_path("swtpm") || !in_path("swtpm_setup") ||
	    !in_path("tpm2_checkquote") || !in_path("tpm2_eventlog")) {
		fprintf(stderr, "test_attest: needs swtpm, swtpm_setup (swtpm, swtpm-tools) and tpm2_checkquote, tpm2_eventlog (tpm2-tools)\n");
		return -1;
	}
	snprintf(fx.dir, sizeof(fx.dir), "/tmp/sdm-test-attest-XXXXXX");
	if (mkdtemp(fx.dir) == NULL)
		return -1;
	fx.with_cert = with_cert;
	mkdir(wp("state"), 0700);
	if (with_cert) {
		/* A local CA of our own (swtpm_localca makes it on first use). */
		char localca[512];
		FILE *f;

		if (!find_prog("swtpm_localca", localca, sizeof(localca))) {
			fprintf(stderr, "test_attest: needs swtpm_localca (swtpm-tools)\n");
			return -1;
		}
		f = fopen(wp("localca.options"), "w");
		assert_non_null(f);
		fprintf(f, "--platform-manufacturer SDM\n--platform-version 1\n"
			   "--platform-model test_attest\n");
		fclose(f);
		f = fopen(wp("localca.conf"), "w");
		assert_non_null(f);
		fprintf(f, "statedir = %s\nsigningkey = %s\nissuercert = %s\ncertserial = %s\n",
			wp("ca"), wp("ca/signkey.pem"), wp("ca/issuercert.pem"),
			wp("ca/certserial"));
		fclose(f);
		mkdir(wp("ca"), 0700);
		f = fopen(wp("setup.conf"), "w");
		assert_non_null(f);
		fprintf(f, "create_certs_tool = %s\n"
			   "create_certs_tool_config = %s\n"
			   "create_certs_tool_options = %s\n",
			localca, wp("localca.conf"), wp("localca.options"));
		fclose(f);
		char *argv[] = { "swtpm_setup", "--tpm2", "--tpmstate",
				 (char *)wp("state"), "--config",
				 (char *)wp("setup.conf"), "--create-ek-cert",
				 "--pcr-banks", "sha1,sha256", "--overwrite",
				 NULL };
		if (!run_prog(argv, &out)) {
			fprintf(stderr, "test_attest: swtpm_setup failed: %s\n",
				out != NULL ? out : "");
			free(out);
			return -1;
		}
		free(out);
		/* The CA chain a verifier trusts: root and intermediate. */
		char cmd[600];

		snprintf(cmd, sizeof(cmd), "cat %s %s > %s",
			 wp("ca/swtpm-localca-rootca-cert.pem"),
			 wp("ca/issuercert.pem"), wp("ca.pem"));
		if (system(cmd) != 0)
			return -1;
	}
	fx.port = free_port_pair();
	if (fx.port < 0)
		return -1;
	snprintf(server, sizeof(server), "type=tcp,port=%d", fx.port);
	snprintf(ctrl, sizeof(ctrl), "type=tcp,port=%d", fx.port + 1);
	snprintf(state, sizeof(state), "dir=%s", wp("state"));
	snprintf(fx.tcti, sizeof(fx.tcti), "swtpm:host=127.0.0.1,port=%d",
		 fx.port);
	fx.pid = fork();
	if (fx.pid == 0) {
		char *argv[] = { "swtpm", "socket", "--tpm2", "--server", server,
				 "--ctrl", ctrl, "--tpmstate", state, "--flags",
				 "not-need-init,startup-clear", NULL };
		int null = open("/dev/null", O_WRONLY);

		prctl(PR_SET_PDEATHSIG, SIGKILL);
		if (null >= 0) {
			dup2(null, 1);
			dup2(null, 2);
		}
		execvp(argv[0], argv);
		_exit(127);
	}
	for (int i = 0; i < 500; i++) {
		struct timespec ts = { 0, 10 * 1000 * 1000 };

		if (can_connect(fx.port + 1) && can_connect(fx.port))
			return 0;
		if (waitpid(fx.pid, NULL, WNOHANG) == fx.pid)
			break;
		nanosleep(&ts, NULL);
	}
	fprintf(stderr, "test_attest: swtpm did not start\n");
	return -1;
}

static int stop_swtpm(void **state)
{
	char msg[256];

	if (fx.pid > 0) {
		kill(fx.pid, SIGTERM);
		waitpid(fx.pid, NULL, 0);
	}
	if (fx.dir[0] != '\0')
		sdm_remove_tree(fx.dir, msg, sizeof(msg));
	memset(&fx, 0, sizeof(fx));
	return 0;
}

/* ---------------------------------------------------------------- running sdm */

static char *read_stream(FILE *f)
{
	long n;
	char *s;

	assert_int_equal(fseek(f, 0, SEEK_END), 0);
	n = ftell(f);
	assert_true(n >= 0);
	rewind(f);
	s = calloc(1, (size_t)n + 1);
	assert_non_null(s);
	assert_int_equal(fread(s, 1, (size_t)n, f), (size_t)n);
	return s;
}

static char *last_out, *last_err;

/* Runs fn(NULL-terminated words...) with stdout and stderr captured into
 * last_out / last_err; returns its exit code. */
static int run(int (*fn)(int, char **), ...)
{
	char *argv[40];
	int argc = 0, so, se, rc;
	FILE *o = tmpfile(), *e = tmpfile();
	va_list ap;

	va_start(ap, fn);
	while (argc < 39 && (argv[argc] = va_arg(ap, char *)) != NULL)
		argc++;
	va_end(ap);
	argv[argc] = NULL;
	assert_non_null(o);
	assert_non_null(e);
	fflush(stdout);
	fflush(stderr);
	so = dup(1);
	se = dup(2);
	assert_true(dup2(fileno(o), 1) >= 0 && dup2(fileno(e), 2) >= 0);
	rc = fn(argc, argv);
	fflush(stdout);
	fflush(stderr);
	dup2(so, 1);
	dup2(se, 2);
	close(so);
	close(se);
	free(last_out);
	free(last_err);
	last_out = read_stream(o);
	last_err = read_stream(e);
	fclose(o);
	fclose(e);
	return rc;
}

static void run_ok(int rc)
{
	if (rc != SDM_EXIT_OK)
		fail_msg("exit %d\nstdout: %s\nstderr: %s", rc, last_out, last_err);
}

static void run_fails(int rc, const char *substr)
{
	if (rc == SDM_EXIT_OK)
		fail_msg("expected a failure, got exit 0: %s", last_out);
	if (strstr(last_err, substr) == NULL && strstr(last_out, substr) == NULL)
		fail_msg("no '%s' in stdout '%s' / stderr '%s'", substr,
			 last_out, last_err);
}

static uint8_t *slurp(const char *path, size_t *len)
{
	uint8_t *b = NULL;

	assert_int_equal(attc_read_file(path, ATT_MAX_FILE, &b, len, &err),
			 SDM_OK);
	return b;
}

static void spit(const char *path, const void *p, size_t n)
{
	assert_int_equal(attc_write_file(path, p, n, 0644, &err), SDM_OK);
}

/* ---------------------------------------------------------------- measured launch */

/* What the synthetic boot measures, after PCR 17. */
struct meas {
	unsigned pcr, locality;
	uint32_t type;
	const char *text;
	const char *data; /* the measured bytes */
};

static const char sinit_img[] = "sinit image bytes (test_attest)";
static const char kernel_img[] = "normal domain kernel bytes (test_attest)";
static const char ptest_img[] = "protected domain ptest image (test_attest)";
static const char other_img[] = "an image the verifier never saw";

static const struct meas boot_events[] = {
	{ 18, 3, EVLOG_EV_EVENT_TAG, "policy signer key", "policy signer key bytes" },
	{ 19, 3, EVLOG_EV_IPL, "dommgr image 'dommgr', 18 bytes", "dommgr image bytes" },
	{ 19, 3, EVLOG_EV_EVENT_TAG, "policy", "policy blob bytes" },
	{ 20, 2, EVLOG_EV_IPL, "domain 'linux' (normal) image", kernel_img },
	{ 20, 2, EVLOG_EV_EVENT_TAG, "domain 'linux' config: kind normal, CPUs 0x1",
	  "domain 'linux' config: kind normal, CPUs 0x1" },
	{ 20, 2, EVLOG_EV_IPL, "domain 'ptest' (protected) image", ptest_img },
	{ 20, 2, EVLOG_EV_EVENT_TAG, "domain 'ptest' config: kind protected, CPUs 0x2",
	  "domain 'ptest' config: kind protected, CPUs 0x2" },
};

/* What events 0 (PCR 18: the signer's key) and 2 (PCR 19: the policy)
 * measure when a test boots with a real policy; NULL: their text. */
static struct {
	const uint8_t *key, *blob;
	size_t key_len, blob_len;
} measured_policy;

static void meas_data(unsigned i, const void **p, size_t *n)
{
	*p = boot_events[i].data;
	*n = strlen(boot_events[i].data);
	if (i == 0 && measured_policy.key != NULL) {
		*p = measured_policy.key;
		*n = measured_policy.key_len;
	} else if (i == 2 && measured_policy.blob != NULL) {
		*p = measured_policy.blob;
		*n = measured_policy.blob_len;
	}
}

static void digests(const void *p, size_t n, struct evlog_digests *dg)
{
	unsigned len = 0;

	memset(dg, 0, sizeof(*dg));
	dg->count = 2;
	dg->d[0].alg = EVLOG_ALG_SHA1;
	assert_int_equal(EVP_Digest(p, n, dg->d[0].bytes, &len, EVP_sha1(), NULL), 1);
	dg->d[1].alg = EVLOG_ALG_SHA256;
	sha256(p, n, dg->d[1].bytes);
}

/* ESAPI at a locality over the swtpm TCTI. */
static ESYS_CONTEXT *esys_at(unsigned locality, TSS2_TCTI_CONTEXT **tcti)
{
	ESYS_CONTEXT *e = NULL;

	assert_int_equal(Tss2_TctiLdr_Initialize(fx.tcti, tcti), 0);
	assert_int_equal(Tss2_Tcti_SetLocality(*tcti, (uint8_t)locality), 0);
	assert_int_equal(Esys_Initialize(&e, *tcti, NULL), 0);
	return e;
}

static void esys_done(ESYS_CONTEXT *e, TSS2_TCTI_CONTEXT *tcti)
{
	Tss2_Tcti_SetLocality(tcti, 0);
	Esys_Finalize(&e);
	Tss2_TctiLdr_Finalize(&tcti);
}

static void extend_at(unsigned locality, unsigned pcr,
		      const struct evlog_digests *dg)
{
	TSS2_TCTI_CONTEXT *tcti = NULL;
	ESYS_CONTEXT *e = esys_at(locality, &tcti);
	TPML_DIGEST_VALUES v = { .count = 2 };
	TSS2_RC rc;

	for (unsigned i = 0; i < 2; i++) {
		v.digests[i].hashAlg = dg->d[i].alg;
		memcpy(&v.digests[i].digest, dg->d[i].bytes,
		       evlog_alg_size(dg->d[i].alg));
	}
	rc = Esys_PCR_Extend(e, ESYS_TR_PCR0 + pcr, ESYS_TR_PASSWORD,
			     ESYS_TR_NONE, ESYS_TR_NONE, &v);
	esys_done(e, tcti);
	assert_int_equal(rc, 0);
}

/* swtpm's control channel (our own connection, closed after use). */
static void ctrl_open(struct swtpm *c)
{
	assert_int_equal(swtpm_connect(c, "127.0.0.1", (uint16_t)fx.port,
				       (uint16_t)(fx.port + 1), true, &err),
			 SDM_OK);
	close(c->data_fd); /* ESAPI needs the data channel */
	c->data_fd = -1;
}

/* TPM reset (PCRs to their startup values) and TPM2_Startup(CLEAR). */
static void tpm_reset(void)
{
	struct swtpm c;
	TSS2_TCTI_CONTEXT *tcti = NULL;
	ESYS_CONTEXT *e;
	TSS2_RC rc;

	ctrl_open(&c);
	assert_int_equal(swtpm_init(&c, 0, &err), SDM_OK);
	assert_int_equal(swtpm_set_locality(&c, 0, &err), SDM_OK);
	swtpm_stop(&c);
	e = esys_at(0, &tcti);
	rc = Esys_Startup(e, TPM2_SU_CLEAR);
	esys_done(e, tcti);
	assert_true(rc == 0 || rc == TPM2_RC_INITIALIZE);
}

enum tamper {
	T_NONE = 0,
	T_CHANGE,  /* one event's digest changed in the log */
	T_REMOVE,  /* one event left out of the log */
	T_ADD,     /* one event added to the log */
};

/* The log of the boot, written by tpm/eventlog.c, maybe tampered with. */
static size_t write_log(enum sdm_launch_kind kind, enum tamper t, uint8_t *buf,
			size_t cap)
{
	static const uint16_t algs[2] = { EVLOG_ALG_SHA1, EVLOG_ALG_SHA256 };
	struct evlog_writer w;
	struct evlog_digests dg;

	assert_int_equal(evlog_writer_init(&w, EVLOG_FORMAT_TPM2, buf, cap,
					   algs, 2, &err), SDM_OK);
	assert_int_equal(evlog_append_launch(&w, kind, NULL, &err), SDM_OK);
	digests(sinit_img, sizeof(sinit_img) - 1, &dg);
	assert_int_equal(evlog_append_textf(&w, 17, EVLOG_EV_IPL, &dg, NULL, 0,
					    &err, "sinit image (text+rodata), %zu bytes, %s",
					    sizeof(sinit_img) - 1,
					    kind == SDM_LAUNCH_STATIC ?
					    "static launch at locality 3" :
					    "emulated DRTM"), SDM_OK);
	for (unsigned i = 0; i < ARRAY_SIZE(boot_events); i++) {
		const struct meas *m = &boot_events[i];

		const void *data;
		size_t n;

		if (t == T_REMOVE && i == 1)
			continue;
		meas_data(i, &data, &n);
		digests(data, n, &dg);
		if (t == T_CHANGE && i == 1)
			dg.d[1].bytes[0] ^= 1;
		assert_int_equal(evlog_append_text(&w, m->pcr, m->type, &dg,
						   m->text, NULL, 0, &err),
				 SDM_OK);
		if (t == T_ADD && i == 2) {
			digests("rootkit", 7, &dg);
			assert_int_equal(evlog_append_text(&w, 19, EVLOG_EV_IPL,
				&dg, "a module nobody expected", NULL, 0, &err),
				SDM_OK);
		}
	}
	assert_false(w.overflow);
	return w.len;
}

/* The synthetic launch into the TPM, and its honest log in log.bin. */
static void boot(enum sdm_launch_kind kind)
{
	struct evlog_digests dg;
	uint8_t log[16384];
	size_t len;

	tpm_reset();
	if (kind == SDM_LAUNCH_STATIC) {
		digests(sinit_img, sizeof(sinit_img) - 1, &dg);
		extend_at(3, 17, &dg);
	} else {
		struct swtpm c;

		ctrl_open(&c);
		assert_int_equal(swtpm_set_locality(&c, 4, &err), SDM_OK);
		assert_int_equal(swtpm_hash_start(&c, &err), SDM_OK);
		assert_int_equal(swtpm_hash_data(&c, sinit_img,
						 sizeof(sinit_img) - 1, &err),
				 SDM_OK);
		assert_int_equal(swtpm_hash_end(&c, &err), SDM_OK);
		assert_int_equal(swtpm_set_locality(&c, 0, &err), SDM_OK);
		swtpm_stop(&c);
	}
	for (unsigned i = 0; i < ARRAY_SIZE(boot_events); i++) {
		const void *data;
		size_t n;

		meas_data(i, &data, &n);
		digests(data, n, &dg);
		extend_at(boot_events[i].locality, boot_events[i].pcr, &dg);
	}
	len = write_log(kind, T_NONE, log, sizeof(log));
	spit(wp("log.bin"), log, len);
}

/* The report for this boot, written to name. */
static void write_report(const char *name, enum sdm_launch_kind kind,
			 uint32_t iommu, bool foreign_image)
{
	struct att_report r;
	uint8_t buf[ATT_REPORT_MAX];
	size_t len;

	sample_report(&r, kind, iommu);
	sha256(kernel_img, strlen(kernel_img), r.dom[0].images[0].sha256);
	snprintf(r.dom[0].images[0].module, ATT_NAME_MAX, "bzImage");
	r.dom[0].images[0].size = strlen(kernel_img);
	sha256(foreign_image ? other_img : ptest_img,
	       strlen(foreign_image ? other_img : ptest_img),
	       r.dom[1].images[0].sha256);
	snprintf(r.dom[1].images[0].module, ATT_NAME_MAX, "ptest");
	r.dom[1].images[0].size = strlen(ptest_img);
	assert_int_equal(att_report_encode(&r, buf, sizeof(buf), &len, &err),
			 SDM_OK);
	spit(wp(name), buf, len);
}

/* ---------------------------------------------------------------- quoting and verifying */

static const char nonce_hex[] = "00112233445566778899aabbccddeeff0123456789abcdef";
static const char nonce2_hex[] = "ffeeddccbbaa99887766554433221100fedcba9876543210";

static void quote(const char *nonce, const char *report, const char *log,
		  const char *bundle, const char *ak_handle)
{
	run_ok(run(sdm_cmd_attest, "attest", "quote", "--nonce", nonce,
		   "--report", wp(report), "--eventlog", wp(log), "--out",
		   wp(bundle), "--tcti", fx.tcti, "--ak-handle", ak_handle,
		   NULL));
}

static void verify(const char *bundle, const char *nonce, const char *ref,
		   struct attv_verdict *vd)
{
	uint8_t *enr, *refb, *b, n[ATT_NONCE_MAX];
	size_t el, rl, bl, nl;
	struct attv *v = NULL;

	enr = slurp(wp("enrolment.bin"), &el);
	refb = slurp(wp(ref), &rl);
	b = slurp(wp(bundle), &bl);
	assert_true(attc_unhex(nonce, n, sizeof(n), &nl));
	if (attv_new(enr, el, "enrolment.bin", (const char *)refb, rl, ref, &v,
		     &err) != SDM_OK)
		fail_msg("attv_new: %s", err.msg);
	attv_verify(v, b, bl, n, nl, vd);
	attv_free(v);
	free(enr);
	free(refb);
	free(b);
}

/* Exactly the checks in fail_mask fail (others pass); the first of them
 * says substr. */
static void expect_verdict(const struct attv_verdict *vd, unsigned fail_mask,
			   enum attv_check which, const char *substr)
{
	for (unsigned c = 0; c < ATTV_NCHECKS; c++) {
		enum attv_result want = (fail_mask & (1u << c)) ? ATTV_FAIL :
								  ATTV_PASS;

		if (vd->c[c].result != want) {
			attv_print(stderr, "verdict", vd, false);
			fail_msg("check %s: result %d, expected %d (%s)",
				 attv_check_name(c), vd->c[c].result, want,
				 vd->c[c].detail);
		}
	}
	assert_int_equal(vd->trusted, fail_mask == 0);
	if (substr != NULL && strstr(vd->c[which].detail, substr) == NULL) {
		attv_print(stderr, "verdict", vd, false);
		fail_msg("check %s says '%s', expected '%s'",
			 attv_check_name(which), vd->c[which].detail, substr);
	}
}

#define F(c) (1u << (c))

/* The bundle's parts replaced, as an attacker on the network would. */
static void rebundle(const char *in, const char *out, const uint8_t *nonce,
		     size_t nonce_len, const uint8_t *log, size_t log_len,
		     const uint8_t *report, size_t report_len)
{
	size_t bl, len;
	uint8_t *b = slurp(wp(in), &bl), *nb = malloc(bl + 65536);
	struct att_bundle pb;
	struct att_writer w;

	assert_non_null(nb);
	assert_int_equal(att_bundle_parse(b, bl, &pb, &err), SDM_OK);
	att_writer_init(&w, nb, bl + 65536, ATT_KIND_BUNDLE);
	att_writer_add(&w, ATT_T_BUNDLE_NONCE, nonce ? nonce : pb.nonce.p,
		       nonce ? nonce_len : pb.nonce.len);
	att_writer_add(&w, ATT_T_BUNDLE_ATTEST, pb.attest.p, pb.attest.len);
	att_writer_add(&w, ATT_T_BUNDLE_SIGNATURE, pb.signature.p,
		       pb.signature.len);
	att_writer_add(&w, ATT_T_BUNDLE_EVENTLOG, log ? log : pb.eventlog.p,
		       log ? log_len : pb.eventlog.len);
	att_writer_add(&w, ATT_T_BUNDLE_REPORT, report ? report : pb.report.p,
		       report ? report_len : pb.report.len);
	assert_int_equal(att_writer_finish(&w, &len, &err), SDM_OK);
	spit(wp(out), nb, len);
	free(b);
	free(nb);
}

/* ---------------------------------------------------------------- enrolment */

static void enrol(const char *ak, const char *ek)
{
	bool cert = fx.with_cert;

	if (ek != NULL)
		run_ok(run(sdm_cmd_tpm_provision, "provision", "--tcti", fx.tcti,
			   "--ak", ak, "--ek", ek, "--out", wp("request.bin"),
			   NULL));
	else
		run_ok(run(sdm_cmd_tpm_provision, "provision", "--tcti", fx.tcti,
			   "--ak", ak, "--out", wp("request.bin"), NULL));
	assert_non_null(strstr(last_out, "signs only at locality 2"));
	assert_non_null(strstr(last_out, cert ? "certificate from NV" :
					     "certificate none"));
	if (cert)
		run_ok(run(sdm_cmd_attest, "attest", "enrol", "--request",
			   wp("request.bin"), "--ca", wp("ca.pem"), "--out",
			   wp("challenge.bin"), NULL));
	else
		run_ok(run(sdm_cmd_attest, "attest", "enrol", "--request",
			   wp("request.bin"), "--out", wp("challenge.bin"), NULL));
	assert_non_null(strstr(last_out, cert ? "verified against the CA" :
					     "EK certificate: none"));
	{
		struct stat st;

		assert_int_equal(stat(wp("challenge.bin.state"), &st), 0);
		assert_int_equal(st.st_mode & 0777, 0600);
	}
	run_ok(run(sdm_cmd_tpm_activate, "activate", wp("challenge.bin"),
		   "--out", wp("response.bin"), "--tcti", fx.tcti, NULL));
	run_ok(run(sdm_cmd_attest, "attest", "enrol", "--request",
		   wp("request.bin"), "--challenge-state",
		   wp("challenge.bin.state"), "--response", wp("response.bin"),
		   "--out", wp("enrolment.bin"), NULL));
	assert_non_null(strstr(last_out, cert ? "certificate verified" :
					     "certificate none"));
}

static int setup_ca(void **state)
{
	if (start_swtpm(true) != 0)
		return -1;
	return 0;
}

static int setup_plain(void **state)
{
	return start_swtpm(false);
}

static void test_enrol_rsa_ek_with_cert(void **state)
{
	uint8_t *b;
	size_t len;

	enrol("ecc", NULL);
	/* The enrolment names the AK and records the verified certificate. */
	run_ok(run(sdm_cmd_attest, "attest", "show", wp("enrolment.bin"), NULL));
	assert_non_null(strstr(last_out, "verified against a CA"));
	assert_non_null(strstr(last_out, "AK locality"));

	/* A response with a wrong secret is refused. */
	b = slurp(wp("response.bin"), &len);
	b[len - 1] ^= 1;
	spit(wp("response-bad.bin"), b, len);
	free(b);
	run_fails(run(sdm_cmd_attest, "attest", "enrol", "--request",
		      wp("request.bin"), "--challenge-state",
		      wp("challenge.bin.state"), "--response",
		      wp("response-bad.bin"), "--out", wp("x.bin"), NULL),
		  "wrong secret");
	/* An altered challenge does not activate (the TPM checks its HMAC). */
	b = slurp(wp("challenge.bin"), &len);
	b[len - 70] ^= 1; /* inside the credential blob */
	spit(wp("challenge-bad.bin"), b, len);
	free(b);
	run_fails(run(sdm_cmd_tpm_activate, "activate", wp("challenge-bad.bin"),
		      "--out", wp("x.bin"), "--tcti", fx.tcti, NULL),
		  "TPM2_ActivateCredential failed");
	/* The certificate against a CA it does not chain to (root alone). */
	run_fails(run(sdm_cmd_attest, "attest", "enrol", "--request",
		      wp("request.bin"), "--ca",
		      wp("ca/swtpm-localca-rootca-cert.pem"), "--out",
		      wp("x.bin"), NULL),
		  "does not chain");
	/* A request whose AK is not restricted is refused at once. */
	{
		struct att_container c;
		struct att_public p;
		struct att_writer w;
		uint8_t pub[ATT_MAX_PUBLIC], name[ATT_MAX_NAME], out[8192];
		size_t nl, ol;
		uint8_t *req = slurp(wp("request.bin"), &len);

		assert_int_equal(att_container_parse(req, len,
			ATT_KIND_ENROL_REQUEST, &c, &err), SDM_OK);
		memcpy(pub, c.rec[ATT_T_REQ_AK_PUBLIC].p,
		       c.rec[ATT_T_REQ_AK_PUBLIC].len);
		assert_int_equal(att_public_parse(pub,
			c.rec[ATT_T_REQ_AK_PUBLIC].len, &p, &err), SDM_OK);
		pub[5] &= (uint8_t)~0x01; /* objectAttributes bit 16: restricted */
		assert_int_equal(attc_name(pub, c.rec[ATT_T_REQ_AK_PUBLIC].len,
					   name, &nl, &err), SDM_OK);
		att_writer_init(&w, out, sizeof(out), ATT_KIND_ENROL_REQUEST);
		att_writer_add(&w, 1, c.rec[1].p, c.rec[1].len);
		att_writer_add(&w, 2, c.rec[2].p, c.rec[2].len);
		att_writer_add(&w, 3, pub, c.rec[3].len);
		att_writer_add(&w, 4, name, nl);
		att_writer_add(&w, 5, c.rec[5].p, c.rec[5].len);
		assert_int_equal(att_writer_finish(&w, &ol, &err), SDM_OK);
		spit(wp("request-bad.bin"), out, ol);
		free(req);
		run_fails(run(sdm_cmd_attest, "attest", "enrol", "--request",
			      wp("request-bad.bin"), "--out", wp("x.bin"), NULL),
			  "not a restricted signing key");
	}
}

/* The known-good boot, its reference, and a trusted verdict. */
static void test_trusted_and_interop(void **state)
{
	struct attv_verdict vd;
	struct att_bundle b;
	struct att_container c;
	uint8_t *bundle, *enr, tss[2 + ATT_MAX_PUBLIC], pcrs[4][32];
	size_t bl, el;
	char qhex[80], *out = NULL;
	struct cmd_eventlog_replay *r = calloc(1, sizeof(*r));

	assert_non_null(r);
	boot(SDM_LAUNCH_EMULATED_DRTM);
	write_report("report.bin", SDM_LAUNCH_EMULATED_DRTM, ATT_IOMMU_VTD, false);
	run_ok(run(sdm_cmd_attest, "attest", "reference", "--eventlog",
		   wp("log.bin"), "--report", wp("report.bin"), "--require",
		   "iommu", "--require", "drtm", "--require", "ak-locality=2",
		   "--out", wp("ref.txt"), NULL));
	assert_non_null(strstr(last_out, "8 required events (+4 allowed), 2 images, 2 domains"));
	quote(nonce_hex, "report.bin", "log.bin", "good.bundle", "0x81010010");
	verify("good.bundle", nonce_hex, "ref.txt", &vd);
	expect_verdict(&vd, 0, ATTV_ISOLATION, "launch emulated DRTM; AK bound to locality 2");

	/* The command line agrees: exit 0, one line per check, JSON. */
	run_ok(run(sdm_cmd_attest, "attest", "verify", "--enrolment",
		   wp("enrolment.bin"), "--reference", wp("ref.txt"), "--nonce",
		   nonce_hex, wp("good.bundle"), NULL));
	assert_non_null(strstr(last_out, "signature   PASS  ECDSA/SHA-256 by the enrolled AK"));
	assert_non_null(strstr(last_out, "verdict     TRUSTED"));
	run_ok(run(sdm_cmd_attest, "attest", "verify", "--json", "--enrolment",
		   wp("enrolment.bin"), "--reference", wp("ref.txt"), "--nonce",
		   nonce_hex, wp("good.bundle"), NULL));
	assert_non_null(strstr(last_out, "\"trusted\": true"));
	assert_non_null(strstr(last_out, "{\"check\": \"pcr-digest\", \"result\": \"pass\""));
	run_fails(run(sdm_cmd_attest, "attest", "verify", "--enrolment",
		      wp("enrolment.bin"), "--reference", wp("ref.txt"),
		      "--nonce", nonce2_hex, wp("good.bundle"), NULL),
		  "verdict     NOT TRUSTED (1 check not passed)");

	/* tpm2_checkquote: the AK as a TPM2B_PUBLIC, the quote, signature,
	 * the PCR values the log replays to, the qualifying data. */
	bundle = slurp(wp("good.bundle"), &bl);
	assert_int_equal(att_bundle_parse(bundle, bl, &b, &err), SDM_OK);
	spit(wp("quote.msg"), b.attest.p, b.attest.len);
	spit(wp("quote.sig"), b.signature.p, b.signature.len);
	spit(wp("quote.log"), b.eventlog.p, b.eventlog.len);
	assert_int_equal(cmd_eventlog_replay(b.eventlog.p, b.eventlog.len, r,
					     &err), SDM_OK);
	for (unsigned p = 17; p <= 20; p++)
		memcpy(pcrs[p - 17], r->pcrs.val[1][p], 32);
	spit(wp("quote.pcrs"), pcrs, sizeof(pcrs));
	for (unsigned i = 0; i < b.quote.extra_size; i++)
		snprintf(qhex + 2 * i, 3, "%02x", b.quote.extra[i]);
	enr = slurp(wp("enrolment.bin"), &el);
	assert_int_equal(att_container_parse(enr, el, ATT_KIND_ENROLMENT, &c,
					     &err), SDM_OK);
	put16be(tss, (uint16_t)c.rec[ATT_T_ENR_AK_PUBLIC].len);
	memcpy(tss + 2, c.rec[ATT_T_ENR_AK_PUBLIC].p,
	       c.rec[ATT_T_ENR_AK_PUBLIC].len);
	spit(wp("ak.tss"), tss, 2 + c.rec[ATT_T_ENR_AK_PUBLIC].len);
	{
		char *argv[] = { "tpm2_checkquote", "-u", (char *)wp("ak.tss"),
				 "-m", (char *)wp("quote.msg"), "-s",
				 (char *)wp("quote.sig"), "-f",
				 (char *)wp("quote.pcrs"), "-l",
				 "sha256:17,18,19,20", "-g", "sha256", "-q",
				 qhex, NULL };
		if (!run_prog(argv, &out))
			fail_msg("tpm2_checkquote rejects our quote: %s", out);
		free(out);
		out = NULL;
		/* A PCR value off by one bit: tpm2_checkquote refuses too. */
		pcrs[3][0] ^= 1;
		spit(wp("quote.pcrs"), pcrs, sizeof(pcrs));
		assert_false(run_prog(argv, NULL));
	}
	{
		char *argv[] = { "tpm2_eventlog", (char *)wp("quote.log"), NULL };

		if (!run_prog(argv, &out))
			fail_msg("tpm2_eventlog rejects our log: %s", out);
		if (strstr(out, "EventNum: 9\n  PCRIndex: 20") == NULL)
			fail_msg("tpm2_eventlog does not list our 10 events: %s",
				 out);
		free(out);
	}
	free(enr);
	free(bundle);
	free(r);
}

static void test_tamper_nonce(void **state)
{
	struct attv_verdict vd;
	uint8_t n2[24];
	size_t nl;

	/* Wrong nonce: the verifier asked with another one. */
	verify("good.bundle", nonce2_hex, "ref.txt", &vd);
	expect_verdict(&vd, F(ATTV_NONCE), ATTV_NONCE,
		       "a replayed or misdirected bundle");
	/* Replayed bundle with its nonce field edited to the new nonce: the
	 * quote still binds the old one. */
	assert_true(attc_unhex(nonce2_hex, n2, sizeof(n2), &nl));
	rebundle("good.bundle", "replayed.bundle", n2, nl, NULL, 0, NULL, 0);
	verify("replayed.bundle", nonce2_hex, "ref.txt", &vd);
	expect_verdict(&vd, F(ATTV_BINDING), ATTV_BINDING,
		       "the nonce or the report changed after quoting");
}

static void test_tamper_events(void **state)
{
	struct attv_verdict vd;
	uint8_t log[16384];
	size_t len;

	len = write_log(SDM_LAUNCH_EMULATED_DRTM, T_CHANGE, log, sizeof(log));
	rebundle("good.bundle", "changed.bundle", NULL, 0, log, len, NULL, 0);
	verify("changed.bundle", nonce_hex, "ref.txt", &vd);
	expect_verdict(&vd, F(ATTV_PCR_DIGEST) | F(ATTV_EVENTS), ATTV_EVENTS,
		       "event 4 (PCR 19, sha256");
	assert_non_null(strstr(vd.c[ATTV_PCR_DIGEST].detail,
			       "the log is not what was measured"));

	len = write_log(SDM_LAUNCH_EMULATED_DRTM, T_REMOVE, log, sizeof(log));
	rebundle("good.bundle", "removed.bundle", NULL, 0, log, len, NULL, 0);
	verify("removed.bundle", nonce_hex, "ref.txt", &vd);
	expect_verdict(&vd, F(ATTV_PCR_DIGEST) | F(ATTV_EVENTS), ATTV_EVENTS,
		       "reference event \"dommgr image 'dommgr', 18 bytes\" (PCR 19) is missing");

	len = write_log(SDM_LAUNCH_EMULATED_DRTM, T_ADD, log, sizeof(log));
	rebundle("good.bundle", "added.bundle", NULL, 0, log, len, NULL, 0);
	verify("added.bundle", nonce_hex, "ref.txt", &vd);
	expect_verdict(&vd, F(ATTV_PCR_DIGEST) | F(ATTV_EVENTS), ATTV_EVENTS,
		       "\"a module nobody expected\") is not in the reference");

	/* A log that does not parse is its own failure. */
	log[len - 1] ^= 0xff;
	rebundle("good.bundle", "garbled.bundle", NULL, 0, log, len - 3, NULL, 0);
	verify("garbled.bundle", nonce_hex, "ref.txt", &vd);
	assert_int_equal(vd.c[ATTV_EVENTLOG].result, ATTV_FAIL);
	assert_false(vd.trusted);
}

/* PCRs that do not match the log: an extend the log does not record. */
static void test_tamper_pcrs(void **state)
{
	struct attv_verdict vd;
	struct evlog_digests dg;

	boot(SDM_LAUNCH_EMULATED_DRTM);
	digests("unlogged", 8, &dg);
	extend_at(2, 20, &dg);
	quote(nonce_hex, "report.bin", "log.bin", "unlogged.bundle",
	      "0x81010010");
	verify("unlogged.bundle", nonce_hex, "ref.txt", &vd);
	expect_verdict(&vd, F(ATTV_PCR_DIGEST), ATTV_PCR_DIGEST,
		       "the log is not what was measured");
	boot(SDM_LAUNCH_EMULATED_DRTM);
}

/* A quote by another AK of the same TPM: not the enrolled key. */
static void test_tamper_other_ak(void **state)
{
	struct attv_verdict vd;

	run_ok(run(sdm_cmd_tpm_provision, "provision", "--tcti", fx.tcti,
		   "--ak-handle", "0x81010011", "--out", wp("request2.bin"),
		   NULL));
	quote(nonce_hex, "report.bin", "log.bin", "otherak.bundle",
	      "0x81010011");
	verify("otherak.bundle", nonce_hex, "ref.txt", &vd);
	expect_verdict(&vd, F(ATTV_SIGNATURE), ATTV_SIGNATURE,
		       "does not verify with the enrolled AK");
	/* Also an RSA AK: its scheme is not the enrolled AK's. */
	run_ok(run(sdm_cmd_tpm_provision, "provision", "--tcti", fx.tcti,
		   "--ak", "rsa", "--ak-handle", "0x81010012", "--out",
		   wp("request3.bin"), NULL));
	quote(nonce_hex, "report.bin", "log.bin", "rsaak.bundle", "0x81010012");
	verify("rsaak.bundle", nonce_hex, "ref.txt", &vd);
	expect_verdict(&vd, F(ATTV_SIGNATURE), ATTV_SIGNATURE, "another key");
}

static void test_tamper_report(void **state)
{
	struct attv_verdict vd;
	uint8_t *rep;
	size_t len;

	/* An image digest not in the reference (and not measured). */
	write_report("foreign.report", SDM_LAUNCH_EMULATED_DRTM, ATT_IOMMU_VTD,
		     true);
	quote(nonce_hex, "foreign.report", "log.bin", "foreign.bundle",
	      "0x81010010");
	verify("foreign.bundle", nonce_hex, "ref.txt", &vd);
	expect_verdict(&vd, F(ATTV_REPORT), ATTV_REPORT,
		       "domain 'ptest' image 0 ('ptest', sha256");
	assert_non_null(strstr(vd.c[ATTV_REPORT].detail, "is not in the reference"));

	/* IOMMU absent where the reference requires it. */
	write_report("noiommu.report", SDM_LAUNCH_EMULATED_DRTM,
		     ATT_IOMMU_ABSENT, false);
	quote(nonce_hex, "noiommu.report", "log.bin", "noiommu.bundle",
	      "0x81010010");
	verify("noiommu.bundle", nonce_hex, "ref.txt", &vd);
	expect_verdict(&vd, F(ATTV_ISOLATION), ATTV_ISOLATION,
		       "IOMMU absent, the reference requires DMA remapping");

	/* The report changed after quoting (one exit counter). */
	rep = slurp(wp("report.bin"), &len);
	rep[ATT_REPORT_HDR + 0x48] ^= 1;
	rebundle("good.bundle", "changedreport.bundle", NULL, 0, NULL, 0, rep,
		 len);
	free(rep);
	verify("changedreport.bundle", nonce_hex, "ref.txt", &vd);
	expect_verdict(&vd, F(ATTV_BINDING), ATTV_BINDING,
		       "the nonce or the report changed after quoting");

	/* A report that lies about the launch kind. */
	write_report("liar.report", SDM_LAUNCH_TXT, ATT_IOMMU_VTD, false);
	quote(nonce_hex, "liar.report", "log.bin", "liar.bundle", "0x81010010");
	verify("liar.bundle", nonce_hex, "ref.txt", &vd);
	expect_verdict(&vd, F(ATTV_REPORT), ATTV_REPORT,
		       "the report says launch Intel TXT, the event log emulated DRTM");
}

/* ref.txt with one more line, written to name. */
static void ref_plus(const char *name, const char *line)
{
	size_t len, n = strlen(line);
	uint8_t *b = slurp(wp("ref.txt"), &len), *c = malloc(len + n);

	assert_non_null(c);
	memcpy(c, b, len);
	memcpy(c + len, line, n);
	spit(wp(name), c, len + n);
	free(b);
	free(c);
}

/*
 * require requester=NAME: the report says who asked (good.bundle's report
 * names 'linux', the normal domain). A reference that requires the
 * protected domain refuses it; one that requires 'linux' trusts it.
 */
static void test_requester(void **state)
{
	struct attv_verdict vd;
	uint8_t *rep;
	size_t len;

	ref_plus("ref-req-ptest.txt", "require requester=ptest\n");
	verify("good.bundle", nonce_hex, "ref-req-ptest.txt", &vd);
	expect_verdict(&vd, F(ATTV_REPORT), ATTV_REPORT,
		       "the evidence was requested by domain 'linux', the reference requires 'ptest'");
	ref_plus("ref-req-linux.txt", "require requester=linux\n");
	verify("good.bundle", nonce_hex, "ref-req-linux.txt", &vd);
	expect_verdict(&vd, 0, ATTV_REPORT,
		       "requested by domain 'linux' as required");
	/* Without the requirement the check passes and names the requester. */
	verify("good.bundle", nonce_hex, "ref.txt", &vd);
	expect_verdict(&vd, 0, ATTV_REPORT, "; requested by domain 'linux'");
	assert_null(strstr(vd.c[ATTV_REPORT].detail, "as required"));

	/* A report no domain asked for (a host tool's). */
	rep = slurp(wp("report.bin"), &len);
	rep[0x28] = 0;
	spit(wp("norequester.report"), rep, len);
	free(rep);
	quote(nonce_hex, "norequester.report", "log.bin",
	      "norequester.bundle", "0x81010010");
	verify("norequester.bundle", nonce_hex, "ref-req-linux.txt", &vd);
	expect_verdict(&vd, F(ATTV_REPORT), ATTV_REPORT,
		       "the evidence was requested by no domain, the reference requires 'linux'");
	verify("norequester.bundle", nonce_hex, "ref.txt", &vd);
	expect_verdict(&vd, 0, ATTV_REPORT, "; requested by no domain");

	/* The command line: the check's line and the JSON. */
	run_fails(run(sdm_cmd_attest, "attest", "verify", "--enrolment",
		      wp("enrolment.bin"), "--reference",
		      wp("ref-req-ptest.txt"), "--nonce", nonce_hex,
		      wp("good.bundle"), NULL),
		  "report      FAIL  the evidence was requested by domain 'linux', the reference requires 'ptest'");
	run_fails(run(sdm_cmd_attest, "attest", "verify", "--json",
		      "--enrolment", wp("enrolment.bin"), "--reference",
		      wp("ref-req-ptest.txt"), "--nonce", nonce_hex,
		      wp("good.bundle"), NULL),
		  "{\"check\": \"report\", \"result\": \"fail\", \"detail\": \"the evidence was requested by domain 'linux'");
	/* sdm attest show names the requester. */
	run_ok(run(sdm_cmd_attest, "attest", "show", wp("good.bundle"), NULL));
	assert_non_null(strstr(last_out, "requester              'linux' (domain 0)"));
	run_ok(run(sdm_cmd_attest, "attest", "show", wp("norequester.report"),
		   NULL));
	assert_non_null(strstr(last_out, "requester              none (not a domain)"));
	run_ok(run(sdm_cmd_attest, "attest", "show", "--json",
		   wp("good.bundle"), NULL));
	assert_non_null(strstr(last_out, "\"requester\": \"'linux' (domain 0)\""));

	/* sdm attest reference --require requester=NAME writes the line. */
	run_ok(run(sdm_cmd_attest, "attest", "reference", "--eventlog",
		   wp("log.bin"), "--report", wp("report.bin"), "--require",
		   "requester=ptest", "--out", wp("ref-req-cli.txt"), NULL));
	rep = slurp(wp("ref-req-cli.txt"), &len);
	assert_non_null(memmem(rep, len, "\nrequire requester=ptest\n",
			       strlen("\nrequire requester=ptest\n")));
	free(rep);
	verify("good.bundle", nonce_hex, "ref-req-cli.txt", &vd);
	expect_verdict(&vd, F(ATTV_REPORT), ATTV_REPORT,
		       "requested by domain 'linux', the reference requires 'ptest'");
	assert_int_equal(run(sdm_cmd_attest, "attest", "reference", "--eventlog",
			     wp("log.bin"), "--require", "requester=a/b", NULL),
			 SDM_EXIT_USAGE);
	assert_int_equal(run(sdm_cmd_attest, "attest", "reference", "--eventlog",
			     wp("log.bin"), "--require", "requester=", NULL),
			 SDM_EXIT_USAGE);
}

/* A static launch, honestly logged, where the reference requires DRTM. */
static void test_tamper_static(void **state)
{
	struct attv_verdict vd;

	boot(SDM_LAUNCH_STATIC);
	write_report("static.report", SDM_LAUNCH_STATIC, ATT_IOMMU_VTD, false);
	/* The reference of the static boot's events, DRTM still required. */
	run_ok(run(sdm_cmd_attest, "attest", "reference", "--eventlog",
		   wp("log.bin"), "--report", wp("static.report"), "--require",
		   "iommu", "--require", "drtm", "--out", wp("static-ref.txt"),
		   NULL));
	quote(nonce_hex, "static.report", "log.bin", "static.bundle",
	      "0x81010010");
	verify("static.bundle", nonce_hex, "static-ref.txt", &vd);
	expect_verdict(&vd, F(ATTV_ISOLATION), ATTV_ISOLATION,
		       "launch static, the reference requires a dynamic launch");
	/* Against the DRTM boot's reference its PCR 17 event differs too. */
	verify("static.bundle", nonce_hex, "ref.txt", &vd);
	assert_int_equal(vd.c[ATTV_EVENTS].result, ATTV_FAIL);
	assert_int_equal(vd.c[ATTV_PCR_DIGEST].result, ATTV_PASS);
	/* A log that claims DRTM for this static boot does not replay to
	 * the TPM's PCR 17. */
	{
		uint8_t log[16384];
		size_t len = write_log(SDM_LAUNCH_EMULATED_DRTM, T_NONE, log,
				       sizeof(log));

		spit(wp("claim.log"), log, len);
		write_report("claim.report", SDM_LAUNCH_EMULATED_DRTM,
			     ATT_IOMMU_VTD, false);
		quote(nonce_hex, "claim.report", "claim.log", "claim.bundle",
		      "0x81010010");
		verify("claim.bundle", nonce_hex, "ref.txt", &vd);
		expect_verdict(&vd, F(ATTV_PCR_DIGEST), ATTV_PCR_DIGEST,
			       "the log is not what was measured");
	}
	boot(SDM_LAUNCH_EMULATED_DRTM);
}

/* The reference from a signed policy (sdm policy compile): alone, and
 * with the log of a boot that measured that policy. */
static void test_reference_from_policy(void **state)
{
	struct attv_verdict vd;
	uint8_t *key, *blob, d[32];
	size_t key_len, blob_len;
	char line[200], hex[65];
	FILE *f;

	spit(wp("bzImage"), kernel_img, strlen(kernel_img));
	spit(wp("ptest.elf"), ptest_img, strlen(ptest_img));
	f = fopen(wp("policy.yaml"), "w");
	assert_non_null(f);
	fprintf(f, "version: 1\n"
		   "requirements:\n  tpm: true\n  drtm: true\n  iommu: true\n"
		   "on_error:\n  no_tpm: halt\n  tpm_error: halt\n  no_drtm: halt\n"
		   "  no_iommu: halt\n  image_mismatch: halt\n  policy_check: halt\n"
		   "seal_pcrs: [17, 18]\n"
		   "domains:\n"
		   "  - name: linux\n    kind: normal\n    images:\n"
		   "      - module: bzImage\n        path: bzImage\n    restart: never\n"
		   "  - name: ptest\n    kind: protected\n    images:\n"
		   "      - module: ptest\n        path: ptest.elf\n"
		   "    memory:\n      size: 16M\n    cpus: 1\n    restart: never\n");
	fclose(f);
	run_ok(run(sdm_cmd_keygen, "keygen", "--out", wp("signer.pem"), NULL));
	run_ok(run(sdm_cmd_policy, "policy", "compile", wp("policy.yaml"),
		   "--key", wp("signer.pem"), "-o", wp("policy.bin"), NULL));

	/* From the policy alone. */
	run_ok(run(sdm_cmd_attest, "attest", "reference", "--policy",
		   wp("policy.bin"), "--key-hash", wp("signer.pub.der"), NULL));
	key = slurp(wp("signer.pub.der"), &key_len);
	blob = slurp(wp("policy.bin"), &blob_len);
	sha256(key, key_len, d);
	for (unsigned i = 0; i < 32; i++)
		snprintf(hex + 2 * i, 3, "%02x", d[i]);
	/* The text sinit logs (sinit/measure.c). */
	{
		uint8_t k384[48];
		unsigned n = 0;

		assert_int_equal(EVP_Digest(key, key_len, k384, &n, EVP_sha384(),
					    NULL), 1);
		snprintf(line, sizeof(line),
			 "event 18 sha256:%s \"policy signer key, %zu bytes DER (SHA-384 %02x%02x%02x%02x...)\"\n",
			 hex, key_len, k384[0], k384[1], k384[2], k384[3]);
	}
	assert_non_null(strstr(last_out, line));
	sha256(blob, blob_len, d);
	for (unsigned i = 0; i < 32; i++)
		snprintf(hex + 2 * i, 3, "%02x", d[i]);
	snprintf(line, sizeof(line),
		 "event 19 sha256:%s \"policy version 1, %zu bytes, 2 domains\"\n",
		 hex, blob_len);
	assert_non_null(strstr(last_out, line));
	assert_non_null(strstr(last_out, "text 20 \"DMA protection: \"\n"));
	assert_non_null(strstr(last_out,
		"text 20 \"domain 'ptest' config: kind protected, \"\n"));
	assert_non_null(strstr(last_out, "require drtm\nrequire iommu\n"));
	assert_non_null(strstr(last_out,
		"domain \"ptest\" kind=protected mem=16777216 cpus=1 devices=none\n"));
	assert_non_null(strstr(last_out, "domain \"linux\" kind=normal\n"));
	sha256(kernel_img, strlen(kernel_img), d);
	for (unsigned i = 0; i < 32; i++)
		snprintf(hex + 2 * i, 3, "%02x", d[i]);
	snprintf(line, sizeof(line), "image sha256:%s \"bzImage\"", hex);
	assert_non_null(strstr(last_out, line));
	/* Another signer: refused, as sinit would. */
	run_fails(run(sdm_cmd_attest, "attest", "reference", "--policy",
		      wp("policy.bin"), "--key-hash",
		      "000000000000000000000000000000000000000000000000"
		      "000000000000000000000000000000000000000000000000", NULL),
		  "policy:");
	/* A log of a boot without this policy is not a reference for it. */
	run_fails(run(sdm_cmd_attest, "attest", "reference", "--policy",
		      wp("policy.bin"), "--key-hash", wp("signer.pub.der"),
		      "--eventlog", wp("log.bin"), NULL),
		  "not a log of a boot with this policy");

	/* A boot that measured this policy: the reference, and trusted. */
	measured_policy.key = key;
	measured_policy.key_len = key_len;
	measured_policy.blob = blob;
	measured_policy.blob_len = blob_len;
	boot(SDM_LAUNCH_EMULATED_DRTM);
	run_ok(run(sdm_cmd_attest, "attest", "reference", "--policy",
		   wp("policy.bin"), "--key-hash", wp("signer.pub.der"),
		   "--eventlog", wp("log.bin"), "--out", wp("policy-ref.txt"),
		   NULL));
	quote(nonce_hex, "report.bin", "log.bin", "policy.bundle", "0x81010010");
	verify("policy.bundle", nonce_hex, "policy-ref.txt", &vd);
	expect_verdict(&vd, 0, ATTV_REPORT, "configurations as the reference");
	/* The protected domain with two CPUs is not the policy's. */
	{
		struct att_report r;
		uint8_t buf[ATT_REPORT_MAX];
		size_t len;
		uint8_t *rep = slurp(wp("report.bin"), &len);

		assert_int_equal(att_report_decode(rep, len, &r, &err), SDM_OK);
		r.dom[1].cpu_mask = 6;
		assert_int_equal(att_report_encode(&r, buf, sizeof(buf), &len,
						   &err), SDM_OK);
		spit(wp("twocpus.report"), buf, len);
		free(rep);
	}
	quote(nonce_hex, "twocpus.report", "log.bin", "twocpus.bundle",
	      "0x81010010");
	verify("twocpus.bundle", nonce_hex, "policy-ref.txt", &vd);
	expect_verdict(&vd, F(ATTV_REPORT), ATTV_REPORT,
		       "domain 'ptest': protected, 16777216 bytes, 2 CPUs; the reference: protected, 16777216 bytes, 1 CPUs");
	memset(&measured_policy, 0, sizeof(measured_policy));
	free(key);
	free(blob);
	boot(SDM_LAUNCH_EMULATED_DRTM);
}

/* ---------------------------------------------------------------- reference from artefacts */

/* The ELFs `make` builds (run from the top directory, as tests/run-all). */
#define EMU_SINIT "build/emu/sinit.elf"
#define EMU_DOMMGR "build/emu/dommgr.elf"

static void hex32(const uint8_t d[32], char out[65])
{
	for (unsigned i = 0; i < 32; i++)
		snprintf(out + 2 * i, 3, "%02x", d[i]);
}

/*
 * What sinit measures of elf, computed without sdm: nm for the symbols and
 * the emulator scenario's own rule (elf_range_sha256 in
 * tests/emu/scenarios/tpm-bochs-drtm.scn, readelf + dd-like slicing).
 */
static bool shell_sinit_digest(const char *elf, char hex[65], unsigned long *size)
{
	char cmd[1024], out[200];
	unsigned long long s = 0, e = 0;
	FILE *p;
	bool ok;

	snprintf(cmd, sizeof(cmd),
		 "bash -c 'source <(sed -n \"/^elf_range_sha256()/,/^}/p\" tests/emu/scenarios/tpm-bochs-drtm.scn) && "
		 "s=$(nm %s | awk \"\\$3==\\\"__sinit_start\\\"{print \\$1}\") && "
		 "e=$(nm %s | awk \"\\$3==\\\"__sinit_ro_end\\\"{print \\$1}\") && "
		 "echo $((16#$s)) $((16#$e)) $(elf_range_sha256 %s $((16#$s)) $((16#$e)))'",
		 elf, elf, elf);
	p = popen(cmd, "r");
	if (p == NULL)
		return false;
	ok = fgets(out, sizeof(out), p) != NULL &&
	     sscanf(out, "%llu %llu %64s", &s, &e, hex) == 3 && e > s &&
	     strlen(hex) == 64;
	pclose(p);
	*size = (unsigned long)(e - s);
	return ok;
}

/* The PCR/text event dommgr writes: data = text + NUL, digest = H(text). */
/* bad: 0, or 1 + the bank (0 sha1, 1 sha256) whose digest is changed. */
static void append_fact(struct evlog_writer *w, const char *text, unsigned bad)
{
	struct evlog_digests dg;

	digests(text, strlen(text), &dg);
	if (bad != 0)
		dg.d[bad - 1].bytes[5] ^= 0x40;
	assert_int_equal(evlog_append_text(w, 20, EVLOG_EV_EVENT_TAG, &dg, text,
					   NULL, 0, &err), SDM_OK);
}

/*
 * The log a boot of policy.bin with the given sinit and dommgr writes
 * (sinit/measure.c, dommgr/measure.c: same events, texts and digests),
 * with the ptest configuration event's digest changed if bad_fact, or an
 * unexpected self-describing event added if extra_fact.
 */
static size_t artefact_log(const uint8_t *sinit_d, unsigned long sinit_size,
			   const uint8_t *dommgr, size_t dommgr_len,
			   unsigned bad_fact, bool extra_fact, uint8_t *buf,
			   size_t cap)
{
	static const uint16_t algs[2] = { EVLOG_ALG_SHA1, EVLOG_ALG_SHA256 };
	struct evlog_writer w;
	struct evlog_digests dg;
	uint8_t *key, *blob, k384[48];
	size_t key_len, blob_len;
	unsigned n = 0;

	key = slurp(wp("signer.pub.der"), &key_len);
	blob = slurp(wp("policy.bin"), &blob_len);
	assert_int_equal(EVP_Digest(key, key_len, k384, &n, EVP_sha384(), NULL), 1);
	assert_int_equal(evlog_writer_init(&w, EVLOG_FORMAT_TPM2, buf, cap,
					   algs, 2, &err), SDM_OK);
	assert_int_equal(evlog_append_launch(&w, SDM_LAUNCH_EMULATED_DRTM, NULL,
					     &err), SDM_OK);
	/* PCR 17: only the sha256 digest of the range is known here; the
	 * sha1 bank gets a stand-in (the events check compares sha256). */
	memset(&dg, 0, sizeof(dg));
	dg.count = 2;
	dg.d[0].alg = EVLOG_ALG_SHA1;
	dg.d[1].alg = EVLOG_ALG_SHA256;
	memcpy(dg.d[1].bytes, sinit_d, 32);
	assert_int_equal(evlog_append_textf(&w, 17, EVLOG_EV_IPL, &dg, NULL, 0,
		&err, "sinit image (text+rodata), %lu bytes, emulated DRTM",
		sinit_size), SDM_OK);
	digests(key, key_len, &dg);
	assert_int_equal(evlog_append_textf(&w, 18, EVLOG_EV_EVENT_TAG, &dg,
		NULL, 0, &err, "policy signer key, %zu bytes DER (SHA-384 %02x%02x%02x%02x...)",
		key_len, k384[0], k384[1], k384[2], k384[3]), SDM_OK);
	digests(dommgr, dommgr_len, &dg);
	assert_int_equal(evlog_append_textf(&w, 19, EVLOG_EV_IPL, &dg, NULL, 0,
		&err, "dommgr image 'dommgr', %zu bytes", dommgr_len), SDM_OK);
	digests(blob, blob_len, &dg);
	assert_int_equal(evlog_append_textf(&w, 19, EVLOG_EV_EVENT_TAG, &dg,
		NULL, 0, &err, "policy version 1, %zu bytes, 2 domains",
		blob_len), SDM_OK);
	append_fact(&w, "DMA protection: on (VT-d tables per domain)", 0);
	digests(kernel_img, strlen(kernel_img), &dg);
	assert_int_equal(evlog_append_textf(&w, 20, EVLOG_EV_IPL, &dg, NULL, 0,
		&err, "domain 'linux' (normal) image, %zu bytes",
		strlen(kernel_img)), SDM_OK);
	append_fact(&w, "domain 'linux' config: kind normal, CPUs 0x1, 1048576 KiB in 3 range(s)",
		    0);
	digests(ptest_img, strlen(ptest_img), &dg);
	assert_int_equal(evlog_append_textf(&w, 20, EVLOG_EV_IPL, &dg, NULL, 0,
		&err, "domain 'ptest' (protected) image, %zu bytes",
		strlen(ptest_img)), SDM_OK);
	append_fact(&w, "domain 'ptest' config: kind protected, CPUs 0x2, 16384 KiB in 1 range(s)",
		    bad_fact);
	if (extra_fact)
		append_fact(&w, "domain 'evil' config: kind protected, CPUs 0x4, 4 KiB in 1 range(s)",
			    0);
	assert_false(w.overflow);
	free(key);
	free(blob);
	return w.len;
}

/*
 * A complete reference from artefacts alone (the policy of
 * test_reference_from_policy, the sinit and dommgr ELFs make builds): its
 * PCR 17 and 19 lines have the digests computed independently here, and
 * the events check passes for the log a boot of them writes; a
 * self-describing event whose digest is not the hash of its text fails.
 */
static void test_reference_from_artefacts(void **state)
{
	uint8_t *dommgr, *ref, sd[32], dd[32];
	size_t dommgr_len, ref_len, len;
	unsigned long sinit_size = 0;
	char shex[65], dhex[65], line[300];
	static uint8_t log[16384];
	struct att_reference *r = malloc(sizeof(*r));
	struct attv_verdict vd;

	assert_non_null(r);
	if (access(EMU_SINIT, R_OK) != 0 || access(EMU_DOMMGR, R_OK) != 0) {
		free(r);
		fprintf(stderr, "test_attest: no %s / %s (run make): skipped\n",
			EMU_SINIT, EMU_DOMMGR);
		skip();
	}
	if (!shell_sinit_digest(EMU_SINIT, shex, &sinit_size))
		fail_msg("nm/readelf could not compute %s's range", EMU_SINIT);
	assert_true(attc_unhex(shex, sd, 32, &len) && len == 32);
	dommgr = slurp(EMU_DOMMGR, &dommgr_len);
	sha256(dommgr, dommgr_len, dd);
	hex32(dd, dhex);

	run_ok(run(sdm_cmd_attest, "attest", "reference", "--policy",
		   wp("policy.bin"), "--key-hash", wp("signer.pub.der"),
		   "--sinit", EMU_SINIT, "--dommgr", EMU_DOMMGR, "--out",
		   wp("artefacts-ref.txt"), NULL));
	ref = slurp(wp("artefacts-ref.txt"), &ref_len);
	ref = realloc(ref, ref_len + 1);
	assert_non_null(ref);
	ref[ref_len] = 0;
	/* The policy requires DRTM: the text of a DRTM launch. */
	snprintf(line, sizeof(line),
		 "\nevent 17 sha256:%s \"sinit image (text+rodata), %lu bytes, emulated DRTM\"\n",
		 shex, sinit_size);
	if (strstr((char *)ref, line) == NULL)
		fail_msg("no '%s' in\n%s", line, ref);
	snprintf(line, sizeof(line),
		 "\nevent 19 sha256:%s \"dommgr image 'dommgr', %zu bytes\"\n",
		 dhex, dommgr_len);
	assert_non_null(strstr((char *)ref, line));
	assert_non_null(strstr((char *)ref, "\ntext 20 \"domain 'linux' config: kind normal, \"\n"));
	assert_int_equal(att_reference_parse((char *)ref, ref_len, "ref", r,
					     &err), SDM_OK);
	assert_int_equal(r->ntexts, 3);

	/* A boot of exactly these: the events check passes. */
	len = artefact_log(sd, sinit_size, dommgr, dommgr_len, 0, false,
			   log, sizeof(log));
	spit(wp("artefacts.log"), log, len);
	attv_check_events(r, log, len, &vd);
	assert_int_equal(vd.c[ATTV_EVENTS].result, ATTV_PASS);
	assert_non_null(strstr(vd.c[ATTV_EVENTS].detail,
			       "4 required by the reference, 2 allowed repeats, 3 self-describing"));
	assert_int_equal(vd.c[ATTV_REPORT].result, ATTV_SKIP);
	assert_false(vd.trusted);
	run_ok(run(sdm_cmd_attest, "attest", "reference", "--policy",
		   wp("policy.bin"), "--key-hash", wp("signer.pub.der"),
		   "--sinit", EMU_SINIT, "--dommgr", EMU_DOMMGR, "--out",
		   wp("artefacts-ref.txt"), "--check", wp("artefacts.log"), NULL));
	assert_non_null(strstr(last_out, "events PASS"));

	/* The configuration text with another digest: in the sha1 bank
	 * only, then in the sha256 bank. */
	len = artefact_log(sd, sinit_size, dommgr, dommgr_len, 1, false,
			   log, sizeof(log));
	attv_check_events(r, log, len, &vd);
	assert_int_equal(vd.c[ATTV_EVENTS].result, ATTV_FAIL);
	assert_non_null(strstr(vd.c[ATTV_EVENTS].detail,
			       "digest is not the hash of its text"));
	len = artefact_log(sd, sinit_size, dommgr, dommgr_len, 2, false,
			   log, sizeof(log));
	attv_check_events(r, log, len, &vd);
	assert_int_equal(vd.c[ATTV_EVENTS].result, ATTV_FAIL);
	assert_string_equal(vd.c[ATTV_EVENTS].detail,
		"1 problem; event 10 (PCR 20, \"domain 'ptest' config: kind protected, CPUs 0x2, 16384 KiB in 1 range(s)\") digest is not the hash of its text");
	spit(wp("artefacts-bad.log"), log, len);
	run_fails(run(sdm_cmd_attest, "attest", "reference", "--policy",
		      wp("policy.bin"), "--key-hash", wp("signer.pub.der"),
		      "--sinit", EMU_SINIT, "--dommgr", EMU_DOMMGR, "--out",
		      wp("artefacts-ref.txt"), "--check", wp("artefacts-bad.log"),
		      NULL),
		  "digest is not the hash of its text");
	/* A self-describing event of a domain the policy does not have. */
	len = artefact_log(sd, sinit_size, dommgr, dommgr_len, 0, true,
			   log, sizeof(log));
	attv_check_events(r, log, len, &vd);
	assert_int_equal(vd.c[ATTV_EVENTS].result, ATTV_FAIL);
	assert_non_null(strstr(vd.c[ATTV_EVENTS].detail,
			       "event 11 (PCR 20, sha256 "));
	assert_non_null(strstr(vd.c[ATTV_EVENTS].detail,
			       "\"domain 'evil' config: kind protected, CPUs 0x4"));
	assert_non_null(strstr(vd.c[ATTV_EVENTS].detail,
			       "\") is not in the reference"));
	/* Another sinit: the PCR 17 event is not the reference's. */
	sd[0] ^= 1;
	len = artefact_log(sd, sinit_size, dommgr, dommgr_len, 0, false,
			   log, sizeof(log));
	attv_check_events(r, log, len, &vd);
	assert_int_equal(vd.c[ATTV_EVENTS].result, ATTV_FAIL);
	assert_non_null(strstr(vd.c[ATTV_EVENTS].detail, "(PCR 17, sha256 "));

	/* Only without a log, and only with a policy. */
	assert_int_equal(run(sdm_cmd_attest, "attest", "reference", "--eventlog",
			     wp("log.bin"), "--sinit", EMU_SINIT, NULL),
			 SDM_EXIT_USAGE);
	assert_int_equal(run(sdm_cmd_attest, "attest", "reference", "--policy",
			     wp("policy.bin"), "--key-hash", wp("signer.pub.der"),
			     "--eventlog", wp("log.bin"), "--dommgr", EMU_DOMMGR,
			     NULL), SDM_EXIT_USAGE);
	/* Not an sinit: the dommgr ELF has no __sinit_start. */
	run_fails(run(sdm_cmd_attest, "attest", "reference", "--policy",
		      wp("policy.bin"), "--key-hash", wp("signer.pub.der"),
		      "--sinit", EMU_DOMMGR, NULL),
		  "--sinit build/emu/dommgr.elf: no symbol __sinit_start");
	run_fails(run(sdm_cmd_attest, "attest", "reference", "--policy",
		      wp("policy.bin"), "--key-hash", wp("signer.pub.der"),
		      "--dommgr", wp("policy.bin"), NULL),
		  "not an ELF64 x86-64 executable");
	free(dommgr);
	free(ref);
	free(r);
}

/*
 * The example boot the emulator harness leaves (tests/emu/run
 * tpm-bochs-drtm), when there: sinit's digest of the very ELF it booted
 * is the PCR 17 event of its log.
 */
static int example_fn(void *ctx, const struct evlog_info *info,
		      const struct evlog_event *ev, struct sdm_err *e)
{
	const uint8_t *d = evlog_event_digest(ev, EVLOG_ALG_SHA256);

	if (!ev->spec_id && ev->pcr == 17 && d != NULL)
		memcpy(ctx, d, 32);
	return 0;
}

static void test_reference_example_boot(void **state)
{
	static const char dir[] = "build/emu/tpm-bochs-drtm";
	char path[200];
	uint8_t *elf, *log, d[32], want[32] = { 0 };
	size_t elf_len, log_len;
	uint64_t size;

	snprintf(path, sizeof(path), "%s/eventlog.bin", dir);
	if (access(path, R_OK) != 0) {
		fprintf(stderr, "test_attest: no %s (tests/emu/run tpm-bochs-drtm): skipped\n",
			path);
		skip();
	}
	log = slurp(path, &log_len);
	snprintf(path, sizeof(path), "%s/sinit.elf", dir);
	assert_int_equal(attc_read_file(path, 1u << 30, &elf, &elf_len, &err),
			 SDM_OK);
	assert_int_equal(evlog_parse(log, log_len, example_fn, want, &err),
			 SDM_OK);
	if (attc_sinit_image_digest(elf, elf_len, d, &size, &err) != SDM_OK)
		fail_msg("%s", err.msg);
	assert_memory_equal(d, want, 32);
	free(elf);
	free(log);
}

/* Batch mode: every X.bundle against X.nonce, one line each. */
static void test_batch(void **state)
{
	char dir[200], cmd[2048];

	snprintf(dir, sizeof(dir), "%s", wp("batch"));
	mkdir(dir, 0755);
	snprintf(cmd, sizeof(cmd),
		 "cp %s %s/a.bundle && cp %s %s/b.bundle && cp %s %s/c.bundle && "
		 "echo %s > %s/a.nonce && echo %s > %s/b.nonce && echo %s > %s/c.nonce",
		 wp("good.bundle"), dir, wp("good.bundle"), dir,
		 wp("changed.bundle"), dir, nonce_hex, dir, nonce2_hex, dir,
		 nonce_hex, dir);
	assert_int_equal(system(cmd), 0);
	run_fails(run(sdm_cmd_attest, "attest", "verify", "--enrolment",
		      wp("enrolment.bin"), "--reference", wp("ref.txt"),
		      "--batch", dir, NULL),
		  "# 3 bundles: 1 trusted, 2 not trusted");
	assert_non_null(strstr(last_out, "a.bundle: TRUSTED"));
	assert_non_null(strstr(last_out, "b.bundle: NOT TRUSTED: nonce:"));
	assert_non_null(strstr(last_out, "c.bundle: NOT TRUSTED: pcr-digest:"));
	snprintf(cmd, sizeof(cmd), "rm %s/b.* %s/c.*", dir, dir);
	assert_int_equal(system(cmd), 0);
	run_ok(run(sdm_cmd_attest, "attest", "verify", "--json", "--enrolment",
		   wp("enrolment.bin"), "--reference", wp("ref.txt"), "--batch",
		   dir, NULL));
	assert_non_null(strstr(last_out, "{\"bundle\": \"a.bundle\", \"trusted\": true"));
	/* Usage errors. */
	assert_int_equal(run(sdm_cmd_attest, "attest", "verify", "--enrolment",
			     wp("enrolment.bin"), "--reference", wp("ref.txt"),
			     "--batch", dir, "--nonce", nonce_hex, NULL),
			 SDM_EXIT_USAGE);
	assert_int_equal(run(sdm_cmd_attest, "attest", "verify", "--enrolment",
			     wp("enrolment.bin"), "--reference", wp("ref.txt"),
			     "--nonce", "abc", wp("good.bundle"), NULL),
			 SDM_EXIT_USAGE);
	run_fails(run(sdm_cmd_attest, "attest", "verify", "--enrolment",
		      wp("ref.txt"), "--reference", wp("ref.txt"), "--nonce",
		      nonce_hex, wp("good.bundle"), NULL),
		  "ref.txt: enrolment: magic 0x2d6d6473 is not \"SDMA\"");
	run_fails(run(sdm_cmd_attest, "attest", "verify", "--enrolment",
		      wp("enrolment.bin"), "--reference", wp("enrolment.bin"),
		      "--nonce", nonce_hex, wp("good.bundle"), NULL),
		  "enrolment.bin: a NUL byte: not a text file");
}

/* --write-seeds DIR: the files of a run become the fuzzer's seeds. */
static const char *seed_dir;

static void write_seeds(void)
{
	static const char *const files[] = {
		"good.bundle", "request.bin", "challenge.bin",
		"challenge.bin.state", "response.bin", "enrolment.bin",
		"report.bin", "ref.txt", "policy-ref.txt", "quote.msg",
		"quote.sig", "ak.tss", "ref-req-linux.txt",
	};
	char dst[512], msg[256];

	if (seed_dir == NULL)
		return;
	mkdir(seed_dir, 0755);
	for (size_t i = 0; i < ARRAY_SIZE(files); i++) {
		snprintf(dst, sizeof(dst), "%s/%s", seed_dir, files[i]);
		if (sdm_copy_file(wp(files[i]), dst, msg, sizeof(msg)) != 0)
			fprintf(stderr, "test_attest: seed: %s\n", msg);
	}
	/* The TPMT_PUBLIC alone (ak.tss has its TPM2B size in front). */
	{
		size_t n;
		uint8_t *b = slurp(wp("ak.tss"), &n);

		snprintf(dst, sizeof(dst), "%s/ak.public", seed_dir);
		assert_int_equal(attc_write_file(dst, b + 2, n - 2, 0644, &err),
				 SDM_OK);
		free(b);
	}
}

/* Writes the fuzzer's seeds if asked to (always passes otherwise). */
static void test_seeds(void **state)
{
	write_seeds();
}

/* ECC EK (ECDH MakeCredential) and an RSA AK on a plain swtpm. */
static void test_ecc_ek_rsa_ak(void **state)
{
	struct attv_verdict vd;

	enrol("rsa", "ecc");
	run_ok(run(sdm_cmd_attest, "attest", "show", wp("request.bin"), NULL));
	assert_non_null(strstr(last_out, "ECC P-256"));
	boot(SDM_LAUNCH_EMULATED_DRTM);
	write_report("report.bin", SDM_LAUNCH_EMULATED_DRTM, ATT_IOMMU_VTD, false);
	run_ok(run(sdm_cmd_attest, "attest", "reference", "--eventlog",
		   wp("log.bin"), "--report", wp("report.bin"), "--out",
		   wp("ref.txt"), NULL));
	quote(nonce_hex, "report.bin", "log.bin", "good.bundle", "0x81010010");
	verify("good.bundle", nonce_hex, "ref.txt", &vd);
	expect_verdict(&vd, 0, ATTV_SIGNATURE, "RSASSA/SHA-256 by the enrolled AK");
	/* Re-provisioning reuses the AK; asking for another type is refused. */
	run_fails(run(sdm_cmd_tpm_provision, "provision", "--tcti", fx.tcti,
		      "--ak", "ecc", "--out", wp("x.bin"), NULL),
		  "is RSA, not ECC");
}

/* ---------------------------------------------------------------- dommgr's evidence */

static void sha256_cb(const void *p, size_t n, uint8_t out[32])
{
	sha256(p, n, out);
}

/*
 * tpm/evidence.c, the code dommgr runs on SDM_HC_ATTEST, against the same
 * swtpm over our own TPM transport: its bundle is TRUSTED by the verifier
 * at locality 2, and the TPM refuses it at any other locality, each
 * failure flushing its session (swtpm holds only 3: a leak would make the
 * last quote fail with TPM_RC_SESSION_MEMORY).
 */
static void test_dommgr_evidence(void **state)
{
	struct attv_verdict vd;
	struct swtpm c;
	struct evidence_in in;
	uint8_t nonce[24], *report, *log, *bundle = malloc(ATT_MAX_FILE);
	size_t rlen, llen, blen = 0, nlen;

	assert_non_null(bundle);
	boot(SDM_LAUNCH_EMULATED_DRTM);
	write_report("report.bin", SDM_LAUNCH_EMULATED_DRTM, ATT_IOMMU_VTD, false);
	run_ok(run(sdm_cmd_attest, "attest", "reference", "--eventlog",
		   wp("log.bin"), "--report", wp("report.bin"), "--require",
		   "iommu", "--require", "drtm", "--require", "ak-locality=2",
		   "--out", wp("ref.txt"), NULL));
	report = slurp(wp("report.bin"), &rlen);
	log = slurp(wp("log.bin"), &llen);
	assert_true(attc_unhex(nonce_hex, nonce, sizeof(nonce), &nlen));
	in = (struct evidence_in){ .nonce = nonce, .nonce_len = nlen,
				   .report = report, .report_len = rlen,
				   .evlog = log, .evlog_len = llen,
				   .ak_handle = EVIDENCE_AK_HANDLE,
				   .locality = EVIDENCE_AK_LOCALITY,
				   .sha256 = sha256_cb };
	assert_int_equal(EVIDENCE_AK_HANDLE, ATT_AK_HANDLE);
	assert_int_equal(EVIDENCE_AK_LOCALITY, ATT_AK_LOCALITY);
	assert_int_equal(swtpm_connect(&c, "127.0.0.1", (uint16_t)fx.port,
				       (uint16_t)(fx.port + 1), true, &err),
			 SDM_OK);

	/* Every call first, the checks after the connection is closed: a
	 * failed check must not leave swtpm's channels taken for the next
	 * test. [0] bad nonce, [1..4] other localities, [5] too small a
	 * buffer, [6] the real thing. */
	struct sdm_err e[7];
	int rcs[7];
	unsigned n = 0;

	memset(e, 0, sizeof(e));
	/* Bad input is refused before the TPM sees anything. */
	in.nonce_len = ATT_NONCE_MIN - 1;
	rcs[n] = evidence_make(swtpm_transport(&c), &in, bundle, ATT_MAX_FILE,
			       &blen, &e[n]);
	n++;
	in.nonce_len = nlen;
	/* Other localities: the AK's policy fails, the session is flushed. */
	for (unsigned loc = 0; loc <= 4; loc++) {
		if (loc == EVIDENCE_AK_LOCALITY)
			continue;
		in.locality = loc;
		rcs[n] = evidence_make(swtpm_transport(&c), &in, bundle,
				       ATT_MAX_FILE, &blen, &e[n]);
		n++;
	}
	in.locality = EVIDENCE_AK_LOCALITY;
	/* A bundle that does not fit is refused, not cut. */
	rcs[n] = evidence_make(swtpm_transport(&c), &in, bundle, 600, &blen,
			       &e[n]);
	n++;
	rcs[n] = evidence_make(swtpm_transport(&c), &in, bundle, ATT_MAX_FILE,
			       &blen, &e[n]);
	n++;
	swtpm_set_locality(&c, 0, &err);
	swtpm_stop(&c);
	assert_int_equal(n, 7);
	err = e[0];
	expect_err(rcs[0], "nonce of 7 bytes");
	for (unsigned i = 1; i <= 4; i++) {
		if (rcs[i] <= 0 ||
		    strstr(e[i].msg, "TPM2_Quote: TPM refused") == NULL)
			fail_msg("other locality (call %u): rc %d: %s", i,
				 rcs[i], e[i].msg);
	}
	err = e[5];
	expect_err(rcs[5], "bundle: does not fit in 600 bytes");
	if (rcs[6] != SDM_OK)
		fail_msg("evidence_make at locality 2: %s", e[6].msg);
	spit(wp("dommgr.bundle"), bundle, blen);
	verify("dommgr.bundle", nonce_hex, "ref.txt", &vd);
	expect_verdict(&vd, 0, ATTV_ISOLATION, "AK bound to locality 2");
	verify("dommgr.bundle", nonce2_hex, "ref.txt", &vd);
	expect_verdict(&vd, F(ATTV_NONCE), ATTV_NONCE, "a replayed or misdirected bundle");
	free(report);
	free(log);
	free(bundle);
}

int main(int argc, char **argv)
{
	const struct CMUnitTest formats[] = {
		cmocka_unit_test(test_container),
		cmocka_unit_test(test_quote_parse),
		cmocka_unit_test(test_signature_parse),
		cmocka_unit_test(test_public_parse),
		cmocka_unit_test(test_policy_digests),
		cmocka_unit_test(test_report),
		cmocka_unit_test(test_reference_parse),
		cmocka_unit_test(test_sinit_image_digest),
		cmocka_unit_test(test_reference_example_boot),
	};
	/* In order: each builds on the files of the one before. */
	const struct CMUnitTest with_ca[] = {
		cmocka_unit_test(test_enrol_rsa_ek_with_cert),
		cmocka_unit_test(test_trusted_and_interop),
		cmocka_unit_test(test_dommgr_evidence),
		cmocka_unit_test(test_tamper_nonce),
		cmocka_unit_test(test_tamper_events),
		cmocka_unit_test(test_tamper_pcrs),
		cmocka_unit_test(test_tamper_other_ak),
		cmocka_unit_test(test_tamper_report),
		cmocka_unit_test(test_requester),
		cmocka_unit_test(test_tamper_static),
		cmocka_unit_test(test_reference_from_policy),
		cmocka_unit_test(test_reference_from_artefacts),
		cmocka_unit_test(test_batch),
		cmocka_unit_test(test_seeds),
	};
	const struct CMUnitTest plain[] = {
		cmocka_unit_test(test_ecc_ek_rsa_ak),
	};
	int failed;

	if (argc == 3 && strcmp(argv[1], "--write-seeds") == 0)
		seed_dir = argv[2];
	failed = cmocka_run_group_tests_name("attestation formats", formats,
					     NULL, NULL);
	failed += cmocka_run_group_tests_name("attestation, swtpm with EK certificate",
					      with_ca, setup_ca, stop_swtpm);
	failed += cmocka_run_group_tests_name("attestation, plain swtpm", plain,
					      setup_plain, stop_swtpm);
	free(last_out);
	free(last_err);
	return failed;
}
