/*
 * Verifier throughput: `sdm attest verify --batch DIR` over N bundles,
 * against tpm2_checkquote + tpm2_eventlog (tpm2-tools) on the same
 * bundles, in one run; both as verifications per second of CPU time (one
 * core), and their ratio.
 *
 * The bundles are made here, not by a TPM, so N can be large: an AK key
 * pair in OpenSSL (ECC P-256, or RSA-2048 for the second figure) signs
 * TPMS_ATTEST quotes exactly as TPM2_Quote lays them out (sha256 PCRs
 * 17-20, qualifying data SHA-256(nonce || SHA-256(report)), each with its
 * own nonce); the event log (10 events, sha1 + sha256 banks) and report
 * (2 domains) are those of tests/unit/test_attest.c's synthetic launch.
 * Every bundle must verify as trusted, by sdm and by the tools.
 *
 *   build/bench/bench_attest [N [M]]   N bundles for sdm (default 10000),
 *                                      the first M for the tools (200)
 * BENCH_ATTEST_KEEP=1 keeps the bundles (for a profiler on
 * `sdm attest verify --batch DIR/ecc/b`).
 */
#include <errno.h>
#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include <openssl/core_names.h>
#include <openssl/ec.h>
#include <openssl/evp.h>

#include "tools/sdm/attest_cmds.h"
#include "tools/sdm/cmds.h"
#include "tools/sdm/sdm.h"
#include "tools/sdm/util.h"
#include "tpm/attest.h"
#include "tpm/eventlog.h"

static char dir[64];
static struct sdm_err err;

static void die(const char *fmt, ...) __attribute__((format(printf, 1, 2), noreturn));
static void die(const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	fprintf(stderr, "bench_attest: ");
	vfprintf(stderr, fmt, ap);
	fprintf(stderr, "\n");
	va_end(ap);
	exit(1);
}

static const char *path(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
static const char *path(const char *fmt, ...)
{
	static char ring[8][512];
	static unsigned next;
	char *p = ring[next++ % 8], name[256];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(name, sizeof(name), fmt, ap);
	va_end(ap);
	snprintf(p, 512, "%s/%s", dir, name);
	return p;
}

static void put16(uint8_t *p, uint16_t v)
{
	p[0] = (uint8_t)(v >> 8);
	p[1] = (uint8_t)v;
}

static void put32(uint8_t *p, uint32_t v)
{
	p[0] = (uint8_t)(v >> 24);
	p[1] = (uint8_t)(v >> 16);
	p[2] = (uint8_t)(v >> 8);
	p[3] = (uint8_t)v;
}

static void write_file(const char *p, const void *d, size_t n)
{
	if (attc_write_file(p, d, n, 0644, &err) != SDM_OK)
		die("%s", err.msg);
}

static double cpu_self(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_PROCESS_CPUTIME_ID, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

static double cpu_children(void)
{
	struct rusage ru;

	getrusage(RUSAGE_CHILDREN, &ru);
	return (double)ru.ru_utime.tv_sec + (double)ru.ru_utime.tv_usec / 1e6 +
	       (double)ru.ru_stime.tv_sec + (double)ru.ru_stime.tv_usec / 1e6;
}

static double wall(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

/* ---------------------------------------------------------------- the launch */

static const char *const measured[][2] = {
	{ "18", "policy signer key bytes" },
	{ "19", "dommgr image bytes" },
	{ "19", "policy blob bytes" },
	{ "20", "normal domain kernel bytes (test_attest)" },
	{ "20", "domain 'linux' config: kind normal, CPUs 0x1" },
	{ "20", "protected domain ptest image (test_attest)" },
	{ "20", "domain 'ptest' config: kind protected, CPUs 0x2" },
};

static void digests(const char *s, struct evlog_digests *dg)
{
	unsigned n = 0;

	memset(dg, 0, sizeof(*dg));
	dg->count = 2;
	dg->d[0].alg = EVLOG_ALG_SHA1;
	EVP_Digest(s, strlen(s), dg->d[0].bytes, &n, EVP_sha1(), NULL);
	dg->d[1].alg = EVLOG_ALG_SHA256;
	attc_sha256(s, strlen(s), dg->d[1].bytes);
}

static size_t make_log(uint8_t *buf, size_t cap)
{
	static const uint16_t algs[2] = { EVLOG_ALG_SHA1, EVLOG_ALG_SHA256 };
	struct evlog_writer w;
	struct evlog_digests dg;

	if (evlog_writer_init(&w, EVLOG_FORMAT_TPM2, buf, cap, algs, 2, &err) ||
	    evlog_append_launch(&w, SDM_LAUNCH_EMULATED_DRTM, NULL, &err))
		die("log: %s", err.msg);
	digests("sinit image bytes (test_attest)", &dg);
	if (evlog_append_text(&w, 17, EVLOG_EV_IPL, &dg,
			      "sinit image (text+rodata), emulated DRTM", NULL,
			      0, &err))
		die("log: %s", err.msg);
	for (unsigned i = 0; i < sizeof(measured) / sizeof(measured[0]); i++) {
		digests(measured[i][1], &dg);
		if (evlog_append_text(&w, (uint32_t)atoi(measured[i][0]),
				      EVLOG_EV_IPL, &dg, measured[i][1], NULL,
				      0, &err))
			die("log: %s", err.msg);
	}
	return w.len;
}

static size_t make_report(uint8_t *buf, size_t cap)
{
	struct att_report r;
	size_t len;

	memset(&r, 0, sizeof(r));
	r.launch_kind = SDM_LAUNCH_EMULATED_DRTM;
	r.iommu = ATT_IOMMU_VTD;
	r.flags = ATT_RF_EPT | ATT_RF_IOMMU_DMA | ATT_RF_TPM_LOC0;
	r.ncpus = 2;
	r.ndomains = 2;
	snprintf(r.dom[0].name, ATT_NAME_MAX, "linux");
	r.dom[0].kind = ATT_DOM_NORMAL;
	r.dom[0].state = ATT_DOM_RUNNING;
	r.dom[0].mem_bytes = 1ull << 30;
	r.dom[0].cpu_mask = 1;
	r.dom[0].nimages = 1;
	attc_sha256(measured[3][1], strlen(measured[3][1]),
		    r.dom[0].images[0].sha256);
	snprintf(r.dom[0].images[0].module, ATT_NAME_MAX, "bzImage");
	snprintf(r.dom[1].name, ATT_NAME_MAX, "ptest");
	r.dom[1].id = 1;
	r.dom[1].kind = ATT_DOM_PROTECTED;
	r.dom[1].state = ATT_DOM_RUNNING;
	r.dom[1].mem_bytes = 16u << 20;
	r.dom[1].cpu_mask = 2;
	r.dom[1].nimages = 1;
	attc_sha256(measured[5][1], strlen(measured[5][1]),
		    r.dom[1].images[0].sha256);
	snprintf(r.dom[1].images[0].module, ATT_NAME_MAX, "ptest");
	if (att_report_encode(&r, buf, cap, &len, &err) != SDM_OK)
		die("report: %s", err.msg);
	return len;
}

/* ---------------------------------------------------------------- the AK */

struct ak {
	bool rsa;
	EVP_PKEY *key;
	uint8_t pub[ATT_MAX_PUBLIC]; /* TPMT_PUBLIC */
	size_t pub_len;
	uint8_t name[ATT_MAX_NAME];
	size_t name_len;
};

/* TPMT_PUBLIC of a restricted signing key (Part 2 12.2.4). */
static void make_ak(struct ak *ak, bool rsa)
{
	uint8_t *p = ak->pub;
	size_t n = 0;

	memset(ak, 0, sizeof(*ak));
	ak->rsa = rsa;
	ak->key = rsa ? EVP_PKEY_Q_keygen(NULL, NULL, "RSA", (size_t)2048) :
			EVP_PKEY_Q_keygen(NULL, NULL, "EC", "prime256v1");
	if (ak->key == NULL)
		die("OpenSSL keygen failed");
	put16(p + n, rsa ? ATT_ALG_RSA : ATT_ALG_ECC); n += 2;
	put16(p + n, ATT_ALG_SHA256); n += 2;
	put32(p + n, ATT_OBJ_FIXED_TPM | ATT_OBJ_FIXED_PARENT |
		     ATT_OBJ_SENSITIVE_DATA_ORIGIN | ATT_OBJ_USER_WITH_AUTH |
		     ATT_OBJ_RESTRICTED | ATT_OBJ_SIGN); n += 4;
	put16(p + n, 0); n += 2;                      /* authPolicy */
	put16(p + n, ATT_ALG_NULL); n += 2;           /* symmetric */
	put16(p + n, rsa ? ATT_ALG_RSASSA : ATT_ALG_ECDSA); n += 2;
	put16(p + n, ATT_ALG_SHA256); n += 2;
	if (rsa) {
		BIGNUM *bn = NULL;

		put16(p + n, 2048); n += 2;
		put32(p + n, 0); n += 4;
		put16(p + n, 256); n += 2;
		if (EVP_PKEY_get_bn_param(ak->key, OSSL_PKEY_PARAM_RSA_N, &bn) != 1 ||
		    BN_bn2binpad(bn, p + n, 256) != 256)
			die("RSA modulus");
		BN_free(bn);
		n += 256;
	} else {
		BIGNUM *x = NULL, *y = NULL;

		put16(p + n, ATT_ECC_NIST_P256); n += 2;
		put16(p + n, ATT_ALG_NULL); n += 2;   /* kdf */
		if (EVP_PKEY_get_bn_param(ak->key, OSSL_PKEY_PARAM_EC_PUB_X, &x) != 1 ||
		    EVP_PKEY_get_bn_param(ak->key, OSSL_PKEY_PARAM_EC_PUB_Y, &y) != 1)
			die("EC point");
		put16(p + n, 32); n += 2;
		BN_bn2binpad(x, p + n, 32); n += 32;
		put16(p + n, 32); n += 2;
		BN_bn2binpad(y, p + n, 32); n += 32;
		BN_free(x);
		BN_free(y);
	}
	ak->pub_len = n;
	if (attc_name(ak->pub, n, ak->name, &ak->name_len, &err) != SDM_OK)
		die("name: %s", err.msg);
}

static void write_enrolment(const struct ak *ak, const char *file)
{
	uint8_t buf[4096], info[ATT_ENR_INFO_SIZE];
	struct att_enrol_info ei = { ATT_EK_CERT_NONE, 0 };
	struct att_writer w;
	size_t len;

	/* The EK is not used by verify: the AK stands in for it. */
	att_enrol_info_encode(&ei, info);
	att_writer_init(&w, buf, sizeof(buf), ATT_KIND_ENROLMENT);
	att_writer_add(&w, ATT_T_ENR_AK_PUBLIC, ak->pub, ak->pub_len);
	att_writer_add(&w, ATT_T_ENR_AK_NAME, ak->name, ak->name_len);
	att_writer_add(&w, ATT_T_ENR_EK_PUBLIC, ak->pub, ak->pub_len);
	att_writer_add(&w, ATT_T_ENR_EK_NAME, ak->name, ak->name_len);
	att_writer_add(&w, ATT_T_ENR_INFO, info, sizeof(info));
	if (att_writer_finish(&w, &len, &err) != SDM_OK)
		die("enrolment: %s", err.msg);
	write_file(file, buf, len);
}

/* TPMS_ATTEST (quote) and TPMT_SIGNATURE over it by the AK. */
static void sign_quote(const struct ak *ak, const uint8_t qual[32],
		       const uint8_t pcr_digest[32], uint64_t clock,
		       uint8_t *q, size_t *qlen, uint8_t *s, size_t *slen)
{
	uint8_t dg[32], der[600];
	size_t n = 0, dlen = sizeof(der);
	EVP_PKEY_CTX *ctx;

	put32(q + n, ATT_TPM_GENERATED); n += 4;
	put16(q + n, ATT_TPM_ST_ATTEST_QUOTE); n += 2;
	put16(q + n, (uint16_t)ak->name_len); n += 2;
	memcpy(q + n, ak->name, ak->name_len); n += ak->name_len;
	put16(q + n, 32); n += 2;
	memcpy(q + n, qual, 32); n += 32;
	for (int i = 7; i >= 0; i--)
		q[n++] = (uint8_t)(clock >> (8 * i));
	put32(q + n, 0); n += 4;
	put32(q + n, 0); n += 4;
	q[n++] = 1;
	memset(q + n, 0, 8); n += 8;
	put32(q + n, 1); n += 4;
	put16(q + n, ATT_ALG_SHA256); n += 2;
	q[n++] = 3; q[n++] = 0; q[n++] = 0; q[n++] = 0x1e;
	put16(q + n, 32); n += 2;
	memcpy(q + n, pcr_digest, 32); n += 32;
	*qlen = n;

	attc_sha256(q, n, dg);
	ctx = EVP_PKEY_CTX_new_from_pkey(NULL, ak->key, NULL);
	if (ctx == NULL || EVP_PKEY_sign_init(ctx) != 1 ||
	    EVP_PKEY_CTX_set_signature_md(ctx, EVP_sha256()) != 1 ||
	    EVP_PKEY_sign(ctx, der, &dlen, dg, 32) != 1)
		die("signing failed");
	EVP_PKEY_CTX_free(ctx);
	if (ak->rsa) {
		put16(s, ATT_ALG_RSASSA);
		put16(s + 2, ATT_ALG_SHA256);
		put16(s + 4, (uint16_t)dlen);
		memcpy(s + 6, der, dlen);
		*slen = 6 + dlen;
	} else {
		const unsigned char *p = der;
		ECDSA_SIG *sig = d2i_ECDSA_SIG(NULL, &p, (long)dlen);
		const BIGNUM *r, *ss;

		if (sig == NULL)
			die("ECDSA signature");
		ECDSA_SIG_get0(sig, &r, &ss);
		put16(s, ATT_ALG_ECDSA);
		put16(s + 2, ATT_ALG_SHA256);
		put16(s + 4, 32);
		BN_bn2binpad(r, s + 6, 32);
		put16(s + 38, 32);
		BN_bn2binpad(ss, s + 40, 32);
		*slen = 72;
		ECDSA_SIG_free(sig);
	}
}

/* ---------------------------------------------------------------- runs */

static int quiet_call(int (*fn)(int, char **), char **argv)
{
	int argc = 0, so, rc;
	FILE *null = fopen("/dev/null", "w");

	while (argv[argc] != NULL)
		argc++;
	fflush(stdout);
	so = dup(1);
	dup2(fileno(null), 1);
	rc = fn(argc, argv);
	fflush(stdout);
	dup2(so, 1);
	close(so);
	fclose(null);
	return rc;
}

static bool run_tool(char *const argv[])
{
	char msg[256], *out = NULL;
	int status;

	if (sdm_run_capture(argv, &out, &status, msg, sizeof(msg)) != 0)
		die("%s", msg);
	free(out);
	return WIFEXITED(status) && WEXITSTATUS(status) == 0;
}

/* Makes n bundles by ak in DIR/sub, with tool files for the first m. */
static void make_bundles(const struct ak *ak, const char *sub, unsigned n,
			 unsigned m)
{
	static uint8_t log[16384], rep[ATT_REPORT_MAX], bundle[32768];
	struct cmd_eventlog_replay *rp = calloc(1, sizeof(*rp));
	size_t log_len = make_log(log, sizeof(log));
	size_t rep_len = make_report(rep, sizeof(rep));
	uint8_t pcrs[4][32], pdg[32], rh[32], tss[2 + ATT_MAX_PUBLIC];

	mkdir(path("%s", sub), 0755);
	write_file(path("%s/log.bin", sub), log, log_len);
	write_file(path("%s/report.bin", sub), rep, rep_len);
	if (rp == NULL || cmd_eventlog_replay(log, log_len, rp, &err) != SDM_OK)
		die("replay: %s", err.msg);
	for (unsigned p = 17; p <= 20; p++)
		memcpy(pcrs[p - 17], rp->pcrs.val[1][p], 32);
	free(rp);
	attc_sha256(pcrs, sizeof(pcrs), pdg);
	write_file(path("%s/pcrs.bin", sub), pcrs, sizeof(pcrs));
	attc_sha256(rep, rep_len, rh);
	put16(tss, (uint16_t)ak->pub_len);
	memcpy(tss + 2, ak->pub, ak->pub_len);
	write_file(path("%s/ak.tss", sub), tss, 2 + ak->pub_len);
	mkdir(path("%s/b", sub), 0755);
	for (unsigned i = 0; i < n; i++) {
		uint8_t nonce[32], buf[64], qual[32], q[512], s[600];
		size_t ql, sl, len;
		char hex[65];
		struct att_writer w;

		memset(nonce, 0, sizeof(nonce));
		put32(nonce, i);
		memcpy(buf, nonce, 32);
		memcpy(buf + 32, rh, 32);
		attc_sha256(buf, 64, qual);
		sign_quote(ak, qual, pdg, 1000 + i, q, &ql, s, &sl);
		att_writer_init(&w, bundle, sizeof(bundle), ATT_KIND_BUNDLE);
		att_writer_add(&w, ATT_T_BUNDLE_NONCE, nonce, 32);
		att_writer_add(&w, ATT_T_BUNDLE_ATTEST, q, ql);
		att_writer_add(&w, ATT_T_BUNDLE_SIGNATURE, s, sl);
		att_writer_add(&w, ATT_T_BUNDLE_EVENTLOG, log, log_len);
		att_writer_add(&w, ATT_T_BUNDLE_REPORT, rep, rep_len);
		if (att_writer_finish(&w, &len, &err) != SDM_OK)
			die("bundle: %s", err.msg);
		write_file(path("%s/b/%06u.bundle", sub, i), bundle, len);
		for (unsigned k = 0; k < 32; k++)
			snprintf(hex + 2 * k, 3, "%02x", nonce[k]);
		hex[64] = '\n';
		write_file(path("%s/b/%06u.nonce", sub, i), hex, 65);
		if (i < m) {
			/* What the tools take: message, signature, qualification. */
			write_file(path("%s/%06u.msg", sub, i), q, ql);
			write_file(path("%s/%06u.sig", sub, i), s, sl);
			for (unsigned k = 0; k < 32; k++)
				snprintf(hex + 2 * k, 3, "%02x", qual[k]);
			write_file(path("%s/%06u.qual", sub, i), hex, 64);
		}
	}
}

/* sdm attest verify --batch: CPU seconds for n bundles. */
static double run_sdm(const char *sub, unsigned n, double *wall_s)
{
	char *argv[] = { "attest", "verify", "--enrolment",
			 (char *)path("%s/enrolment.bin", sub), "--reference",
			 (char *)path("%s/ref.txt", sub), "--batch",
			 (char *)path("%s/b", sub), NULL };
	double c0 = cpu_self(), w0 = wall();
	int rc = quiet_call(sdm_cmd_attest, argv);
	double c = cpu_self() - c0;

	*wall_s = wall() - w0;
	if (rc != SDM_EXIT_OK)
		die("sdm attest verify --batch %s: exit %d (every bundle should be trusted)",
		    path("%s/b", sub), rc);
	(void)n;
	return c;
}

/* tpm2_checkquote + tpm2_eventlog per bundle: children's CPU seconds. */
static double run_tools(const char *sub, unsigned m, double *wall_s)
{
	double c0 = cpu_children(), w0 = wall();

	for (unsigned i = 0; i < m; i++) {
		char qual[65];
		size_t len = 0, total = 0;
		char msg[128];

		if (sdm_read_head(path("%s/%06u.qual", sub, i), qual, 64, &len,
				  &total, msg, sizeof(msg)) != 0 || len != 64)
			die("%s", msg);
		qual[64] = '\0';
		char *cq[] = { "tpm2_checkquote", "-u",
			       (char *)path("%s/ak.tss", sub), "-m",
			       (char *)path("%s/%06u.msg", sub, i), "-s",
			       (char *)path("%s/%06u.sig", sub, i), "-f",
			       (char *)path("%s/pcrs.bin", sub), "-l",
			       "sha256:17,18,19,20", "-g", "sha256", "-q", qual,
			       NULL };
		char *el[] = { "tpm2_eventlog", (char *)path("%s/log.bin", sub),
			       NULL };

		if (!run_tool(cq))
			die("tpm2_checkquote rejects bundle %u", i);
		if (!run_tool(el))
			die("tpm2_eventlog rejects the log");
	}
	*wall_s = wall() - w0;
	return cpu_children() - c0;
}

static void setup(const char *sub, bool rsa, unsigned n, unsigned m)
{
	struct ak ak;

	make_ak(&ak, rsa);
	make_bundles(&ak, sub, n, m);
	write_enrolment(&ak, path("%s/enrolment.bin", sub));
	EVP_PKEY_free(ak.key);
	/* (path() keeps 8 results: make the words after the bundles.) */
	char *argv[] = { "attest", "reference", "--eventlog",
			 (char *)path("%s/log.bin", sub), "--report",
			 (char *)path("%s/report.bin", sub), "--require",
			 "iommu", "--require", "drtm", "--out",
			 (char *)path("%s/ref.txt", sub), NULL };
	if (quiet_call(sdm_cmd_attest, argv) != SDM_EXIT_OK)
		die("sdm attest reference failed");
}

int main(int argc, char **argv)
{
	unsigned n = argc > 1 ? (unsigned)atoi(argv[1]) : 10000;
	unsigned m = argc > 2 ? (unsigned)atoi(argv[2]) : 200;
	double sdm_c, sdm_w, rsa_c, rsa_w, tool_c, tool_w;
	char msg[256];

	if (n == 0 || m == 0 || m > n)
		die("usage: bench_attest [N [M]] with 0 < M <= N");
	snprintf(dir, sizeof(dir), "/tmp/sdm-bench-attest-XXXXXX");
	if (mkdtemp(dir) == NULL)
		die("mkdtemp: %s", strerror(errno));
	setup("ecc", false, n, m);
	setup("rsa", true, n, 1);

	sdm_c = run_sdm("ecc", n, &sdm_w);
	rsa_c = run_sdm("rsa", n, &rsa_w);
	tool_c = run_tools("ecc", m, &tool_w);

	printf("bench_attest: %u bundles (ECC P-256 AK, 10-event log, 2-domain report), one core\n", n);
	printf("  sdm attest verify --batch (ECC):  %8.0f verifications/s per core  (%u in %.3f s CPU, %.3f s wall)\n",
	       n / sdm_c, n, sdm_c, sdm_w);
	printf("  sdm attest verify --batch (RSA):  %8.0f verifications/s per core  (%u in %.3f s CPU, %.3f s wall)\n",
	       n / rsa_c, n, rsa_c, rsa_w);
	printf("  tpm2_checkquote + tpm2_eventlog:  %8.1f verifications/s per core  (%u in %.3f s CPU, %.3f s wall)\n",
	       m / tool_c, m, tool_c, tool_w);
	printf("  ratio sdm/tpm2-tools (ECC, CPU):  %8.0fx\n",
	       (n / sdm_c) / (m / tool_c));
	printf("  goal 20000/s per core (ECC): %s\n",
	       n / sdm_c >= 20000 ? "met" : "NOT met");
	if (getenv("BENCH_ATTEST_KEEP") != NULL)
		printf("  bundles kept in %s (BENCH_ATTEST_KEEP)\n", dir);
	else if (sdm_remove_tree(dir, msg, sizeof(msg)) != 0)
		fprintf(stderr, "bench_attest: %s\n", msg);
	return 0;
}
