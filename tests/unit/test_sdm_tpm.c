/*
 * `sdm tpm pcrs` and the event log replay against a real swtpm (TPM 2.0),
 * started here on free ports with a fresh state directory:
 *   - a fresh TPM reads PCRs 0-16, 23 as zeros and 17-22 as all ones in
 *     every active bank;
 *   - PCR 16 extended by tpm2_pcrextend (tpm2-tools) reads back as
 *     H(0..0 || digest), through the command's output and the function;
 *   - a static launch (PCRs 17 and 18 extended at locality 3, from all
 *     ones) and then the DRTM hash sequence (swtpm_ioctl -h: PCR 17 =
 *     H(0..0 || H(data)), 18-22 zero) each replay from a log written by
 *     the writer to exactly the TPM's values, and `sdm eventlog replay
 *     --pcrs` agrees; an extend the log does not record is a MISMATCH.
 * The same for a TPM 1.2 swtpm read through TrouSerS' tcsd (`sdm tpm pcrs
 * --tpm12`), with TPM 1.2 logs.
 * Expected values are computed here with OpenSSL.
 */
#include <errno.h>
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
#include <pwd.h>
#include <sys/prctl.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>
#include <cmocka.h>

#include <openssl/evp.h>
#include <tss2/tss2_esys.h>
#include <tss2/tss2_tctildr.h>

#include "tools/sdm/cmds.h"
#include "tools/sdm/sdm.h"
#include "tools/sdm/util.h"
#include "tpm/eventlog.h"
#include "swtpm_test.h"
#include "tests/unit/cmd_capture.h"

#define ALL_PCRS 0xffffffu
#define DRTM_DATA "sinit image bytes (test_sdm_tpm)"

static const uint16_t banks[4] = {
	EVLOG_ALG_SHA1, EVLOG_ALG_SHA256, EVLOG_ALG_SHA384, EVLOG_ALG_SHA512,
};

static struct {
	pid_t pid;
	int port;
	char dir[64];
	char tcti[96];
	char ctrl[32];
	pid_t tcsd_pid;   /* TPM 1.2 */
	char tcsd[32];    /* "127.0.0.1:PORT" */
} fx;

/* Extends done so far, to be written into logs. */
struct extend_rec {
	unsigned pcr;
	struct evlog_digests dg;
	const char *text;
};
static struct extend_rec pcr16[4];
static unsigned npcr16;
static struct sdm_err err;

/* ---------------------------------------------------------------- helpers */

static const EVP_MD *md_of(uint16_t alg)
{
	switch (alg) {
	case EVLOG_ALG_SHA1: return EVP_sha1();
	case EVLOG_ALG_SHA256: return EVP_sha256();
	case EVLOG_ALG_SHA384: return EVP_sha384();
	default: return EVP_sha512();
	}
}

static void digests_of(const void *data, size_t len, struct evlog_digests *dg)
{
	memset(dg, 0, sizeof(*dg));
	dg->count = 4;
	for (unsigned i = 0; i < 4; i++) {
		unsigned n = 0;

		dg->d[i].alg = banks[i];
		assert_int_equal(EVP_Digest(data, len, dg->d[i].bytes, &n,
					    md_of(banks[i]), NULL), 1);
	}
}

static void extend(uint16_t alg, uint8_t *pcr, const uint8_t *digest)
{
	uint8_t buf[2 * EVLOG_MAX_DIGEST];
	unsigned size = evlog_alg_size(alg), n = 0;

	memcpy(buf, pcr, size);
	memcpy(buf + size, digest, size);
	assert_int_equal(EVP_Digest(buf, 2 * size, pcr, &n, md_of(alg), NULL),
			 1);
}

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

/* Starts a program that dies with us; env is NAME=VALUE strings or NULL. */
static pid_t spawn(char *const argv[], char *const env[])
{
	pid_t pid = fork();

	if (pid == 0) {
		prctl(PR_SET_PDEATHSIG, SIGKILL);
		for (unsigned i = 0; env != NULL && env[i] != NULL; i++)
			putenv(env[i]);
		execvp(argv[0], argv);
		_exit(127);
	}
	return pid;
}

/* Waits (<= 5 s) until port accepts connections; false if pid died. */
static bool wait_port(pid_t pid, int port, const char *what)
{
	for (int i = 0; i < 500; i++) {
		int status;
		struct timespec ts = { 0, 10 * 1000 * 1000 };

		if (waitpid(pid, &status, WNOHANG) == pid) {
			fprintf(stderr, "test_sdm_tpm: %s exited (status 0x%x)\n",
				what, status);
			return false;
		}
		if (can_connect(port))
			return true;
		nanosleep(&ts, NULL);
	}
	fprintf(stderr, "test_sdm_tpm: %s does not listen on port %d\n", what,
		port);
	return false;
}

/* swtpm (TPM 2.0 or 1.2) on free ports P, P+1 with a fresh state in fx.dir. */
static int start_swtpm_common(bool tpm2)
{
	char server[64], ctrl[64], tpmstate[96];

	if (!in_path("swtpm") || !in_path("swtpm_ioctl") ||
	    !in_path("tpm2_pcrextend")) {
		fprintf(stderr, "test_sdm_tpm: needs swtpm, swtpm_ioctl (Debian swtpm, swtpm-tools) and tpm2_pcrextend (tpm2-tools) in PATH\n");
		return -1;
	}
	memset(&fx, 0, sizeof(fx));
	fx.port = free_port_pair();
	snprintf(fx.dir, sizeof(fx.dir), "/tmp/sdm-test-swtpm-XXXXXX");
	if (fx.port < 0 || mkdtemp(fx.dir) == NULL) {
		fprintf(stderr, "test_sdm_tpm: no free ports or temp dir\n");
		return -1;
	}
	snprintf(server, sizeof(server), "type=tcp,port=%d", fx.port);
	snprintf(ctrl, sizeof(ctrl), "type=tcp,port=%d", fx.port + 1);
	snprintf(tpmstate, sizeof(tpmstate), "dir=%s", fx.dir);
	snprintf(fx.tcti, sizeof(fx.tcti), "swtpm:host=127.0.0.1,port=%d",
		 fx.port);
	snprintf(fx.ctrl, sizeof(fx.ctrl), "127.0.0.1:%d", fx.port + 1);
	char *argv2[] = { "swtpm", "socket", "--tpm2", "--server", server,
			  "--ctrl", ctrl, "--tpmstate", tpmstate, "--flags",
			  "not-need-init,startup-clear", NULL };
	char *argv12[] = { "swtpm", "socket", "--server", server, "--ctrl",
			   ctrl, "--tpmstate", tpmstate, "--flags",
			   "not-need-init,startup-clear", NULL };
	fx.pid = spawn(tpm2 ? argv2 : argv12, NULL);
	if (fx.pid < 0 || !wait_port(fx.pid, fx.port + 1, "swtpm") ||
	    !wait_port(fx.pid, fx.port, "swtpm"))
		return -1;
	return 0;
}

static int start_swtpm(void **state)
{
	if (start_swtpm_common(true) != 0)
		return -1;
	setenv("TPM2TOOLS_TCTI", fx.tcti, 1);
	return 0;
}

/* SIGTERM, and SIGKILL if it is still there after 2 s (tcsd may be). */
static void stop_child(pid_t pid)
{
	struct timespec ts = { 0, 10 * 1000 * 1000 };

	if (pid <= 0)
		return;
	kill(pid, SIGTERM);
	for (int i = 0; i < 200; i++) {
		if (waitpid(pid, NULL, WNOHANG) == pid)
			return;
		nanosleep(&ts, NULL);
	}
	kill(pid, SIGKILL);
	waitpid(pid, NULL, 0);
}

static int stop_swtpm(void **state)
{
	char msg[256];

	stop_child(fx.tcsd_pid);
	stop_child(fx.pid);
	if (fx.dir[0] != '\0')
		sdm_remove_tree(fx.dir, msg, sizeof(msg));
	memset(&fx, 0, sizeof(fx));
	npcr16 = 0;
	return 0;
}

/* Runs a program; fails the test unless it exits 0. */
static void run_ok(char *const argv[])
{
	char msg[256], *out = NULL;
	int status;

	assert_int_equal(sdm_run_capture(argv, &out, &status, msg,
					 sizeof(msg)), 0);
	if (!WIFEXITED(status) || WEXITSTATUS(status) != 0)
		fail_msg("%s failed (status 0x%x): %s", argv[0], status, out);
	free(out);
}

/* tpm2_pcrextend PCR:sha1=..,sha256=..,... (locality 0). */
static void tool_extend(unsigned pcr, const struct evlog_digests *dg)
{
	char spec[512];
	int n = snprintf(spec, sizeof(spec), "%u:", pcr);

	for (unsigned i = 0; i < 4; i++) {
		n += snprintf(spec + n, sizeof(spec) - (size_t)n, "%s%s=",
			      i ? "," : "", evlog_alg_name(dg->d[i].alg));
		for (unsigned k = 0; k < evlog_alg_size(dg->d[i].alg); k++)
			n += snprintf(spec + n, sizeof(spec) - (size_t)n,
				      "%02x", dg->d[i].bytes[k]);
	}
	char *argv[] = { "tpm2_pcrextend", spec, NULL };
	run_ok(argv);
}

/* TPM2_PCR_Extend through ESAPI at a locality (swtpm TCTI). */
static void esys_extend(unsigned locality, unsigned pcr,
			const struct evlog_digests *dg)
{
	TSS2_TCTI_CONTEXT *tcti = NULL;
	ESYS_CONTEXT *esys = NULL;
	TPML_DIGEST_VALUES v = { .count = 4 };

	assert_int_equal(Tss2_TctiLdr_Initialize(fx.tcti, &tcti), 0);
	assert_int_equal(Tss2_Tcti_SetLocality(tcti, (uint8_t)locality), 0);
	assert_int_equal(Esys_Initialize(&esys, tcti, NULL), 0);
	for (unsigned i = 0; i < 4; i++) {
		v.digests[i].hashAlg = dg->d[i].alg;
		memcpy(&v.digests[i].digest, dg->d[i].bytes,
		       evlog_alg_size(dg->d[i].alg));
	}
	assert_int_equal(Esys_PCR_Extend(esys, ESYS_TR_PCR0 + pcr,
					 ESYS_TR_PASSWORD, ESYS_TR_NONE,
					 ESYS_TR_NONE, &v), 0);
	Esys_Finalize(&esys);
	Tss2_TctiLdr_Finalize(&tcti);
}

static void record_pcr16(const char *text)
{
	assert_true(npcr16 < ARRAY_SIZE(pcr16));
	pcr16[npcr16].pcr = 16;
	pcr16[npcr16].text = text;
	digests_of(text, strlen(text), &pcr16[npcr16].dg);
	tool_extend(16, &pcr16[npcr16].dg);
	npcr16++;
}

/* ---------------------------------------------------------------- tests */

static void test_fresh_pcrs(void **state)
{
	struct cmd_eventlog_pcrs *s = calloc(1, sizeof(*s));
	uint8_t ones[EVLOG_MAX_DIGEST], zeros[EVLOG_MAX_DIGEST] = { 0 };

	assert_non_null(s);
	memset(ones, 0xff, sizeof(ones));
	assert_int_equal(cmd_tpm_read_pcrs(fx.tcti, ALL_PCRS, 0, s, &err),
			 SDM_OK);
	for (int b = 0; b < CMD_EVENTLOG_NBANKS; b++) {
		unsigned size = evlog_alg_size(banks[b]);

		assert_int_equal(s->have[b], ALL_PCRS); /* swtpm: 4 banks */
		for (unsigned p = 0; p < EVLOG_NUM_PCRS; p++)
			assert_memory_equal(s->val[b][p],
					    p >= 17 && p <= 22 ? ones : zeros,
					    size);
	}
	free(s);
}

static void test_pcrs_command(void **state)
{
	struct cmd_eventlog_pcrs *s = calloc(1, sizeof(*s));
	uint8_t want[EVLOG_MAX_DIGEST];
	char *out, *eout;

	assert_non_null(s);
	record_pcr16("PCR 16 event one");

	char *argv[] = { "tpm", "pcrs", "--tcti", fx.tcti, "--pcrs", "16,17",
			 NULL };
	assert_int_equal(run_cmd(sdm_cmd_tpm, argv, &out, &eout), SDM_EXIT_OK);
	assert_string_equal(eout, "");
	assert_int_equal(cmd_eventlog_pcrs_parse(out, strlen(out), "output",
						 s, &err), SDM_OK);
	for (int b = 0; b < CMD_EVENTLOG_NBANKS; b++) {
		unsigned size = evlog_alg_size(banks[b]);

		assert_int_equal(s->have[b], 1u << 16 | 1u << 17);
		memset(want, 0, sizeof(want));
		extend(banks[b], want, pcr16[0].dg.d[b].bytes);
		assert_memory_equal(s->val[b][16], want, size);
		memset(want, 0xff, sizeof(want));
		assert_memory_equal(s->val[b][17], want, size);
	}
	assert_non_null(strstr(out, "sha1:16 0x"));
	free(out);
	free(eout);

	/* One bank, a range; TPM2TOOLS_TCTI when --tcti is absent. */
	char *one[] = { "tpm", "pcrs", "--bank", "sha384", "--pcrs", "0-2,16",
			NULL };
	assert_int_equal(run_cmd(sdm_cmd_tpm, one, &out, &eout), SDM_EXIT_OK);
	assert_int_equal(cmd_eventlog_pcrs_parse(out, strlen(out), "output",
						 s, &err), SDM_OK);
	assert_int_equal(s->have[0] | s->have[1] | s->have[3], 0);
	assert_int_equal(s->have[2], 0x7u | 1u << 16);
	free(out);
	free(eout);

	char *js[] = { "tpm", "pcrs", "--bank", "sha256", "--pcrs", "16",
		       "--json", NULL };
	assert_int_equal(run_cmd(sdm_cmd_tpm, js, &out, &eout), SDM_EXIT_OK);
	assert_non_null(strstr(out, "[\n  {\"bank\": \"sha256\", \"pcr\": 16, \"value\": \""));
	free(out);
	free(eout);

	/* Usage errors. */
	char *u1[] = { "tpm", "pcrs", "--pcrs", "24", NULL };
	char *u2[] = { "tpm", "pcrs", "--bank", "md5", NULL };
	char *u3[] = { "tpm", "frob", NULL };
	char *u4[] = { "tpm", "pcrs", "--pcrs", "3-1", NULL };
	char **usage[] = { u1, u2, u3, u4 };

	for (size_t i = 0; i < ARRAY_SIZE(usage); i++) {
		assert_int_equal(run_cmd(sdm_cmd_tpm, usage[i], &out, &eout),
				 SDM_EXIT_USAGE);
		free(out);
		free(eout);
	}
	free(s);
}

/* Writes a log: launch kind, the PCR 16 events, then extra events. */
static size_t write_log(uint8_t *buf, size_t cap, enum sdm_launch_kind kind,
			const struct extend_rec *extra, unsigned nextra)
{
	struct evlog_writer w;

	assert_int_equal(evlog_writer_init(&w, EVLOG_FORMAT_TPM2, buf, cap,
					   banks, 4, &err), SDM_OK);
	assert_int_equal(evlog_append_launch(&w, kind, NULL, &err), SDM_OK);
	for (unsigned i = 0; i < npcr16; i++)
		assert_int_equal(evlog_append_text(&w, 16, EVLOG_EV_IPL,
						   &pcr16[i].dg, pcr16[i].text,
						   NULL, 0, &err), SDM_OK);
	for (unsigned i = 0; i < nextra; i++)
		assert_int_equal(evlog_append_text(&w, extra[i].pcr,
						   EVLOG_EV_IPL, &extra[i].dg,
						   extra[i].text, NULL, 0,
						   &err), SDM_OK);
	return w.len;
}

/*
 * The replay of log equals the TPM, by the functions and by the commands
 * (sdm tpm pcrs > file; sdm eventlog replay log --pcrs file).
 */
static void check_log_matches_tpm(const uint8_t *log, size_t len,
				  uint32_t touched)
{
	struct cmd_eventlog_replay *r = calloc(1, sizeof(*r));
	struct cmd_eventlog_pcrs *tpm = calloc(1, sizeof(*tpm));
	char dir[] = "/tmp/sdm-test-tpm-XXXXXX";
	char logpath[64], pcrspath[64], msg[256];
	char *out, *eout;
	FILE *f = tmpfile();

	assert_non_null(r);
	assert_non_null(tpm);
	assert_non_null(f);
	assert_int_equal(cmd_eventlog_replay(log, len, r, &err), SDM_OK);
	for (int b = 0; b < CMD_EVENTLOG_NBANKS; b++)
		assert_int_equal(r->pcrs.have[b], touched);
	assert_int_equal(cmd_tpm_read_pcrs(fx.tcti, ALL_PCRS, 0, tpm, &err),
			 SDM_OK);
	assert_int_equal(cmd_eventlog_compare(f, &r->pcrs, tpm, false), 0);
	fclose(f);

	assert_non_null(mkdtemp(dir));
	snprintf(logpath, sizeof(logpath), "%s/log.bin", dir);
	snprintf(pcrspath, sizeof(pcrspath), "%s/pcrs.txt", dir);
	assert_int_equal(sdm_write_file(logpath, log, len, msg, sizeof(msg)),
			 0);
	char *rd[] = { "tpm", "pcrs", "--tcti", fx.tcti, NULL };
	assert_int_equal(run_cmd(sdm_cmd_tpm, rd, &out, &eout), SDM_EXIT_OK);
	assert_int_equal(sdm_write_file(pcrspath, out, strlen(out), msg,
					sizeof(msg)), 0);
	free(out);
	free(eout);
	char *rp[] = { "eventlog", "replay", logpath, "--pcrs", pcrspath,
		       NULL };
	assert_int_equal(run_cmd(sdm_cmd_eventlog, rp, &out, &eout),
			 SDM_EXIT_OK);
	assert_non_null(strstr(out, "sha256:17 match 0x"));
	assert_null(strstr(out, "MISMATCH"));
	free(out);
	free(eout);
	assert_int_equal(sdm_remove_tree(dir, msg, sizeof(msg)), 0);
	free(tpm);
	free(r);
}

static void test_static_launch_replay(void **state)
{
	static uint8_t log[8192];
	struct extend_rec ex[2] = {
		{ 17, { 0 }, "sinit image, static launch at locality 3" },
		{ 18, { 0 }, "policy signer key, placeholder" },
	};
	size_t len;

	for (unsigned i = 0; i < 2; i++) {
		digests_of(ex[i].text, strlen(ex[i].text), &ex[i].dg);
		esys_extend(3, ex[i].pcr, &ex[i].dg);
	}
	len = write_log(log, sizeof(log), SDM_LAUNCH_STATIC, ex, 2);
	check_log_matches_tpm(log, len, 1u << 16 | 1u << 17 | 1u << 18);

	/* The same log claiming a DRTM launch does not match. */
	struct cmd_eventlog_replay *r = calloc(1, sizeof(*r));
	struct cmd_eventlog_pcrs *tpm = calloc(1, sizeof(*tpm));
	FILE *f = tmpfile();

	assert_non_null(r);
	assert_non_null(tpm);
	assert_non_null(f);
	len = write_log(log, sizeof(log), SDM_LAUNCH_EMULATED_DRTM, ex, 2);
	assert_int_equal(cmd_eventlog_replay(log, len, r, &err), SDM_OK);
	assert_int_equal(cmd_tpm_read_pcrs(fx.tcti, ALL_PCRS, 0, tpm, &err),
			 SDM_OK);
	assert_int_equal(cmd_eventlog_compare(f, &r->pcrs, tpm, false), 8);
	fclose(f);
	free(tpm);
	free(r);
}

static void test_drtm_replay(void **state)
{
	static uint8_t log[8192];
	struct extend_rec ex = { 17, { 0 }, "sinit image, emulated DRTM" };
	struct cmd_eventlog_pcrs *tpm = calloc(1, sizeof(*tpm));
	char dir[] = "/tmp/sdm-test-tpm-XXXXXX";
	char logpath[64], pcrspath[64], msg[256], *out, *eout;
	size_t len;

	assert_non_null(tpm);
	char *hash[] = { "swtpm_ioctl", "--tcp", fx.ctrl, "-h", DRTM_DATA,
			 NULL };
	run_ok(hash);
	/* The log records H(data), the value the TPM extended. */
	digests_of(DRTM_DATA, strlen(DRTM_DATA), &ex.dg);
	len = write_log(log, sizeof(log), SDM_LAUNCH_EMULATED_DRTM, &ex, 1);
	check_log_matches_tpm(log, len, 1u << 16 | 1u << 17);

	/* PCR 17 is H(0..0 || H(data)) and 18-22 are zero, per bank. */
	assert_int_equal(cmd_tpm_read_pcrs(fx.tcti, ALL_PCRS, 0, tpm, &err),
			 SDM_OK);
	for (int b = 0; b < CMD_EVENTLOG_NBANKS; b++) {
		uint8_t want[EVLOG_MAX_DIGEST] = { 0 };
		unsigned size = evlog_alg_size(banks[b]);

		extend(banks[b], want, ex.dg.d[b].bytes);
		assert_memory_equal(tpm->val[b][17], want, size);
		memset(want, 0, sizeof(want));
		for (unsigned p = 18; p <= 22; p++)
			assert_memory_equal(tpm->val[b][p], want, size);
	}

	/* An extend the log does not record: MISMATCH, exit 1. */
	struct evlog_digests extra;

	digests_of("unlogged", 8, &extra);
	tool_extend(16, &extra);
	assert_non_null(mkdtemp(dir));
	snprintf(logpath, sizeof(logpath), "%s/log.bin", dir);
	snprintf(pcrspath, sizeof(pcrspath), "%s/pcrs.txt", dir);
	assert_int_equal(sdm_write_file(logpath, log, len, msg, sizeof(msg)),
			 0);
	char *rd[] = { "tpm", "pcrs", "--tcti", fx.tcti, "--pcrs", "16,17",
		       NULL };
	assert_int_equal(run_cmd(sdm_cmd_tpm, rd, &out, &eout), SDM_EXIT_OK);
	assert_int_equal(sdm_write_file(pcrspath, out, strlen(out), msg,
					sizeof(msg)), 0);
	free(out);
	free(eout);
	char *rp[] = { "eventlog", "replay", logpath, "--pcrs", pcrspath,
		       NULL };
	assert_int_equal(run_cmd(sdm_cmd_eventlog, rp, &out, &eout),
			 SDM_EXIT_FAILURE);
	assert_non_null(strstr(out, "sha256:16 MISMATCH log 0x"));
	assert_non_null(strstr(out, "sha256:17 match 0x"));
	assert_non_null(strstr(eout, "4 PCR values of"));
	free(out);
	free(eout);
	assert_int_equal(sdm_remove_tree(dir, msg, sizeof(msg)), 0);
	free(tpm);
}

static void test_tpm_unreachable(void **state)
{
	struct cmd_eventlog_pcrs *s = calloc(1, sizeof(*s));
	char tcti[96], want[128], *out, *eout;
	int port = free_port_pair();

	assert_non_null(s);
	assert_true(port > 0);
	snprintf(tcti, sizeof(tcti), "swtpm:host=127.0.0.1,port=%d", port);
	assert_int_equal(cmd_tpm_read_pcrs(tcti, ALL_PCRS, 0, s, &err),
			 SDM_EIO);
	snprintf(want, sizeof(want), "TCTI '%s': cannot connect", tcti);
	assert_non_null(strstr(err.msg, want));
	char *argv[] = { "tpm", "pcrs", "--tcti", tcti, NULL };
	assert_int_equal(run_cmd(sdm_cmd_tpm, argv, &out, &eout),
			 SDM_EXIT_FAILURE);
	assert_string_equal(out, "");
	assert_non_null(strstr(eout, "sdm tpm pcrs: TCTI"));
	free(out);
	free(eout);
	free(s);
}

/* ---------------------------------------------------------------- TPM 1.2 */

/*
 * swtpm as a TPM 1.2 and TrouSerS' tcsd in front of it (PLATFORMS.md):
 * tcsd's config must belong to root:tss, mode 0640, and its persistent
 * storage file must be writable by the tss user.
 */
static int start_tpm12(void **state)
{
	char conf[128], psdir[96], env1[64], env2[64];
	struct passwd *tss = getpwnam("tss");
	int tcsd_port;
	FILE *f;

	if (!in_path("tcsd") || tss == NULL) {
		fprintf(stderr, "test_sdm_tpm: TPM 1.2 needs TrouSerS' tcsd and the tss user (apt-get install trousers libtspi1)\n");
		return -1;
	}
	if (start_swtpm_common(false) != 0)
		return -1;
	tcsd_port = free_port_pair();
	snprintf(conf, sizeof(conf), "%s/tcsd.conf", fx.dir);
	snprintf(psdir, sizeof(psdir), "%s/ps", fx.dir);
	if (tcsd_port < 0 || mkdir(psdir, 0700) != 0 ||
	    chown(psdir, tss->pw_uid, tss->pw_gid) != 0 ||
	    chmod(fx.dir, 0755) != 0) {
		fprintf(stderr, "test_sdm_tpm: tcsd setup: %s (tcsd needs root)\n",
			strerror(errno));
		return -1;
	}
	f = fopen(conf, "w");
	if (f == NULL)
		return -1;
	fprintf(f, "port = %d\nsystem_ps_file = %s/system.data\n", tcsd_port,
		psdir);
	fclose(f);
	if (chown(conf, 0, tss->pw_gid) != 0 || chmod(conf, 0640) != 0) {
		fprintf(stderr, "test_sdm_tpm: tcsd.conf: %s (tcsd needs root)\n",
			strerror(errno));
		return -1;
	}
	snprintf(env1, sizeof(env1), "TCSD_TCP_DEVICE_HOSTNAME=127.0.0.1");
	snprintf(env2, sizeof(env2), "TCSD_TCP_DEVICE_PORT=%d", fx.port);
	char *env[] = { env1, env2, NULL };
	char *argv[] = { "tcsd", "-f", "-e", "-c", conf, NULL };
	fx.tcsd_pid = spawn(argv, env);
	if (fx.tcsd_pid < 0 || !wait_port(fx.tcsd_pid, tcsd_port, "tcsd"))
		return -1;
	snprintf(fx.tcsd, sizeof(fx.tcsd), "127.0.0.1:%d", tcsd_port);
	return 0;
}

/* TPM_Extend of SHA-1(text) through TrouSerS; the digests go to dg. */
static void tspi_extend(unsigned pcr, const char *text,
			struct evlog_digests *dg)
{
	struct cmd_tspi t;
	uint32_t len = 0;
	uint8_t *val = NULL, sha1[20];

	digests_of(text, strlen(text), dg);
	memcpy(sha1, dg->d[0].bytes, sizeof(sha1));
	assert_int_equal(dg->d[0].alg, EVLOG_ALG_SHA1);
	assert_int_equal(cmd_tpm12_open(&t, fx.tcsd, &err), SDM_OK);
	assert_int_equal(t.pcr_extend(t.tpm, pcr, sizeof(sha1), sha1, NULL,
				      &len, &val), 0);
	assert_int_equal(len, 20);
	t.free_memory(t.ctx, val);
	cmd_tpm12_close(&t);
}

static size_t write_log12(uint8_t *buf, size_t cap, enum sdm_launch_kind kind,
			  const struct extend_rec *ev, unsigned n)
{
	struct evlog_writer w;

	assert_int_equal(evlog_writer_init(&w, EVLOG_FORMAT_TPM12, buf, cap,
					   NULL, 0, &err), SDM_OK);
	assert_int_equal(evlog_append_launch(&w, kind, NULL, &err), SDM_OK);
	for (unsigned i = 0; i < n; i++)
		assert_int_equal(evlog_append_text(&w, ev[i].pcr, EVLOG_EV_IPL,
						   &ev[i].dg, ev[i].text, NULL,
						   0, &err), SDM_OK);
	return w.len;
}

/* Replay == TPM 1.2, by the functions and by the two commands. */
static void check_log12_matches_tpm(const uint8_t *log, size_t len,
				    uint32_t touched)
{
	struct cmd_eventlog_replay *r = calloc(1, sizeof(*r));
	struct cmd_eventlog_pcrs *tpm = calloc(1, sizeof(*tpm));
	char dir[] = "/tmp/sdm-test-tpm-XXXXXX";
	char logpath[64], pcrspath[64], msg[256], *out, *eout;

	assert_non_null(r);
	assert_non_null(tpm);
	assert_int_equal(cmd_eventlog_replay(log, len, r, &err), SDM_OK);
	assert_int_equal(r->info.format, EVLOG_FORMAT_TPM12);
	assert_int_equal(r->pcrs.have[0], touched);
	assert_int_equal(r->pcrs.have[1] | r->pcrs.have[2] | r->pcrs.have[3],
			 0);
	assert_int_equal(cmd_tpm12_read_pcrs(fx.tcsd, ALL_PCRS, tpm, &err),
			 SDM_OK);
	assert_int_equal(cmd_eventlog_compare(stderr, &r->pcrs, tpm, false), 0);

	assert_non_null(mkdtemp(dir));
	snprintf(logpath, sizeof(logpath), "%s/log.bin", dir);
	snprintf(pcrspath, sizeof(pcrspath), "%s/pcrs.txt", dir);
	assert_int_equal(sdm_write_file(logpath, log, len, msg, sizeof(msg)),
			 0);
	char *rd[] = { "tpm", "pcrs", "--tpm12", "--tcsd", fx.tcsd, NULL };
	assert_int_equal(run_cmd(sdm_cmd_tpm, rd, &out, &eout), SDM_EXIT_OK);
	assert_non_null(strstr(out, "sha1:23 0x0000000000000000000000000000000000000000\n"));
	assert_null(strstr(out, "sha256:"));
	assert_int_equal(sdm_write_file(pcrspath, out, strlen(out), msg,
					sizeof(msg)), 0);
	free(out);
	free(eout);
	char *rp[] = { "eventlog", "replay", logpath, "--pcrs", pcrspath,
		       NULL };
	assert_int_equal(run_cmd(sdm_cmd_eventlog, rp, &out, &eout),
			 SDM_EXIT_OK);
	assert_non_null(strstr(out, "sha1:17 match 0x"));
	assert_null(strstr(out, "MISMATCH"));
	free(out);
	free(eout);
	assert_int_equal(sdm_remove_tree(dir, msg, sizeof(msg)), 0);
	free(tpm);
	free(r);
}

static void test12_fresh_pcrs(void **state)
{
	struct cmd_eventlog_pcrs *s = calloc(1, sizeof(*s));
	uint8_t ones[20], zeros[20] = { 0 };

	assert_non_null(s);
	memset(ones, 0xff, sizeof(ones));
	assert_int_equal(cmd_tpm12_read_pcrs(fx.tcsd, ALL_PCRS, s, &err),
			 SDM_OK);
	assert_int_equal(s->have[0], ALL_PCRS);
	assert_int_equal(s->have[1] | s->have[2] | s->have[3], 0);
	for (unsigned p = 0; p < EVLOG_NUM_PCRS; p++)
		assert_memory_equal(s->val[0][p],
				    p >= 17 && p <= 22 ? ones : zeros, 20);
	free(s);
}

static void test12_static_then_drtm(void **state)
{
	static uint8_t log[4096];
	struct extend_rec ev[3] = {
		{ 16, { 0 }, "PCR 16 event, TPM 1.2" },
		{ 17, { 0 }, "sinit image, static launch at locality 3" },
		{ 17, { 0 }, "sinit image, emulated DRTM" },
	};
	size_t len;

	tspi_extend(16, ev[0].text, &ev[0].dg);
	char *loc3[] = { "swtpm_ioctl", "--tcp", fx.ctrl, "-l", "3", NULL };
	char *loc0[] = { "swtpm_ioctl", "--tcp", fx.ctrl, "-l", "0", NULL };
	run_ok(loc3);
	tspi_extend(17, ev[1].text, &ev[1].dg);
	run_ok(loc0);
	len = write_log12(log, sizeof(log), SDM_LAUNCH_STATIC, ev, 2);
	check_log12_matches_tpm(log, len, 1u << 16 | 1u << 17);

	/* The DRTM hash sequence: PCR 17 = SHA1(0..0 || SHA1(data)). */
	char *hash[] = { "swtpm_ioctl", "--tcp", fx.ctrl, "-h",
			 (char *)ev[2].text, NULL };
	run_ok(hash);
	digests_of(ev[2].text, strlen(ev[2].text), &ev[2].dg);
	ev[1] = ev[2];
	len = write_log12(log, sizeof(log), SDM_LAUNCH_EMULATED_DRTM, ev, 2);
	check_log12_matches_tpm(log, len, 1u << 16 | 1u << 17);
}

static void test12_tcsd_unreachable(void **state)
{
	struct cmd_eventlog_pcrs *s = calloc(1, sizeof(*s));
	char where[32], want[96];
	int port = free_port_pair();

	assert_non_null(s);
	snprintf(where, sizeof(where), "127.0.0.1:%d", port);
	assert_int_equal(cmd_tpm12_read_pcrs(where, ALL_PCRS, s, &err),
			 SDM_EIO);
	snprintf(want, sizeof(want), "cannot reach tcsd at %s: ", where);
	assert_non_null(strstr(err.msg, want));
	free(s);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_fresh_pcrs),
		cmocka_unit_test(test_pcrs_command),
		cmocka_unit_test(test_static_launch_replay),
		cmocka_unit_test(test_drtm_replay),
		cmocka_unit_test(test_tpm_unreachable),
	};
	const struct CMUnitTest tests12[] = {
		cmocka_unit_test(test12_fresh_pcrs),
		cmocka_unit_test(test12_static_then_drtm),
		cmocka_unit_test(test12_tcsd_unreachable),
	};
	int failed = cmocka_run_group_tests_name("TPM 2.0", tests,
						 start_swtpm, stop_swtpm);

	failed += cmocka_run_group_tests_name("TPM 1.2", tests12, start_tpm12,
					      stop_swtpm);
	return failed;
}
