/*
 * sdm tpm pcrs: read PCRs from a TPM 2.0 through tpm2-tss (ESAPI over a
 * TCTI loaded by Tss2_TctiLdr), or from a TPM 1.2 through TrouSerS (tcsd),
 * and print them in the PCR values file format of cmds.h, the input of
 * 'sdm eventlog replay --pcrs'. No object or session is created, so
 * nothing needs flushing; the ESAPI/TCTI and TSS contexts are closed on
 * every path.
 */
#include <dlfcn.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <tss2/tss2_esys.h>
#include <tss2/tss2_tctildr.h>

#include "attest_cmds.h"
#include "cmds.h"
#include "sdm.h"
#include "tss.h"

#define TPM_USAGE \
	"usage: sdm tpm pcrs [--tcti STR] [--pcrs LIST] [--bank BANK] [--json]\n" \
	"       sdm tpm pcrs --tpm12 [--tcsd HOST[:PORT]] [--pcrs LIST] [--json]\n" \
	"       sdm tpm provision|activate ... (attestation keys: sdm tpm provision --help)\n" \
	"       sdm tpm counter define|show|advance-to N ... (policy rollback counter)\n" \
	"\n" \
	"Reads PCR values from a TPM 2.0 (tpm2-tss ESAPI) or a TPM 1.2 (TrouSerS'\n" \
	"tcsd, through libtspi.so.1) and prints one line per PCR, 'sha256:17\n" \
	"0x...', the input of 'sdm eventlog replay --pcrs'.\n" \
	"\n" \
	"  --tcti STR    the TCTI, as for tpm2-tools; default $TPM2TOOLS_TCTI,\n" \
	"                else '" CMD_TPM_DEFAULT_TCTI "'\n" \
	"  --pcrs LIST   PCR indexes: '17,18,19,20', ranges '17-20', or 'all'\n" \
	"                (default all: 0-23)\n" \
	"  --bank BANK   sha1, sha256, sha384, sha512, or all active banks (default)\n" \
	"  --tpm12       a TPM 1.2 (one bank, sha1) through tcsd\n" \
	"  --tcsd H[:P]  tcsd's host and port (default $TSS_TCSD_HOSTNAME,\n" \
	"                $TSS_TCSD_PORT, else localhost:30003)\n" \
	"  --json        machine-readable output\n" \
	"\n" \
	"Exit status: 0 done, 1 the TPM could not be read, 2 usage error.\n"

#define ALL_PCRS ((1u << EVLOG_NUM_PCRS) - 1)

/* The active banks of a supported algorithm (TPM2_CAP_PCRS). */
static int active_banks(ESYS_CONTEXT *esys, uint16_t *algs, unsigned *nalgs,
			struct sdm_err *err)
{
	TPMS_CAPABILITY_DATA *cap = NULL;
	TPMI_YES_NO more = 0;
	TSS2_RC rc;

	*nalgs = 0;
	rc = Esys_GetCapability(esys, ESYS_TR_NONE, ESYS_TR_NONE, ESYS_TR_NONE,
				TPM2_CAP_PCRS, 0, 1, &more, &cap);
	if (rc != TSS2_RC_SUCCESS)
		return sdm_err_set(err, SDM_EIO,
			"TPM2_GetCapability(TPM2_CAP_PCRS) failed: 0x%x", rc);
	for (UINT32 i = 0; i < cap->data.assignedPCR.count &&
			   i < TPM2_NUM_PCR_BANKS; i++) {
		const TPMS_PCR_SELECTION *s =
			&cap->data.assignedPCR.pcrSelections[i];
		bool any = false;

		for (unsigned k = 0; k < s->sizeofSelect &&
				     k < TPM2_PCR_SELECT_MAX; k++)
			any |= s->pcrSelect[k] != 0;
		if (any && cmd_eventlog_bank_slot(s->hash) >= 0 &&
		    *nalgs < CMD_EVENTLOG_NBANKS)
			algs[(*nalgs)++] = s->hash;
	}
	Esys_Free(cap);
	if (*nalgs == 0)
		return sdm_err_set(err, SDM_ENOENT,
			"the TPM has no active sha1/sha256/sha384/sha512 bank");
	return SDM_OK;
}

/*
 * TPM2_PCR_Read returns at most 8 digests per call (TPML_DIGEST), in PCR
 * order, with the selection it honoured: repeat until all are read.
 */
static int read_bank(ESYS_CONTEXT *esys, uint16_t alg, uint32_t mask,
		     struct cmd_eventlog_pcrs *out, struct sdm_err *err)
{
	const char *bank = evlog_alg_name(alg);
	unsigned size = evlog_alg_size(alg);
	uint32_t want = mask;

	while (want != 0) {
		TPML_PCR_SELECTION sel = { .count = 1 };
		TPML_PCR_SELECTION *got_sel = NULL;
		TPML_DIGEST *vals = NULL;
		UINT32 counter;
		uint32_t got = 0;
		UINT32 k = 0;
		TSS2_RC rc;
		int ret = SDM_OK;

		sel.pcrSelections[0].hash = alg;
		sel.pcrSelections[0].sizeofSelect = 3;
		sel.pcrSelections[0].pcrSelect[0] = (uint8_t)want;
		sel.pcrSelections[0].pcrSelect[1] = (uint8_t)(want >> 8);
		sel.pcrSelections[0].pcrSelect[2] = (uint8_t)(want >> 16);
		rc = Esys_PCR_Read(esys, ESYS_TR_NONE, ESYS_TR_NONE,
				   ESYS_TR_NONE, &sel, &counter, &got_sel,
				   &vals);
		if (rc != TSS2_RC_SUCCESS)
			return sdm_err_set(err, SDM_EIO,
				"TPM2_PCR_Read(%s) failed: 0x%x", bank, rc);
		for (UINT32 i = 0; i < got_sel->count && ret == SDM_OK; i++) {
			const TPMS_PCR_SELECTION *s =
				&got_sel->pcrSelections[i];

			if (s->hash != alg || s->sizeofSelect > 3) {
				ret = sdm_err_set(err, SDM_EIO,
					"TPM2_PCR_Read(%s): unexpected selection of bank 0x%04x",
					bank, s->hash);
				break;
			}
			for (unsigned p = 0; p < 8u * s->sizeofSelect; p++) {
				if (!(s->pcrSelect[p / 8] & (1u << (p % 8))))
					continue;
				if (!(want & (1u << p)) || k >= vals->count ||
				    vals->digests[k].size != size) {
					ret = sdm_err_set(err, SDM_EIO,
						"TPM2_PCR_Read(%s): PCR %u not as requested",
						bank, p);
					break;
				}
				cmd_eventlog_pcrs_set(out, alg, p,
						      vals->digests[k].buffer);
				got |= 1u << p;
				k++;
			}
		}
		if (ret == SDM_OK && k != vals->count)
			ret = sdm_err_set(err, SDM_EIO,
				"TPM2_PCR_Read(%s): %u values for %u PCRs",
				bank, vals->count, k);
		Esys_Free(got_sel);
		Esys_Free(vals);
		if (ret != SDM_OK)
			return ret;
		if (got == 0)
			return sdm_err_set(err, SDM_ENOENT,
				"the TPM's %s bank has none of PCRs 0x%06x",
				bank, want);
		want &= ~got;
	}
	return SDM_OK;
}

int cmd_tpm_read_pcrs(const char *tcti, uint32_t pcr_mask, uint16_t alg,
		      struct cmd_eventlog_pcrs *out, struct sdm_err *err)
{
	struct sdm_tss s;
	uint16_t algs[CMD_EVENTLOG_NBANKS];
	unsigned nalgs = 0;
	int rc;

	tcti = sdm_tcti_conf(tcti);
	if (alg != 0 && cmd_eventlog_bank_slot(alg) < 0)
		return sdm_err_set(err, SDM_EINVAL,
			"bank 0x%04x is not supported", alg);
	if (pcr_mask == 0 || (pcr_mask & ~ALL_PCRS) != 0)
		return sdm_err_set(err, SDM_EINVAL,
			"PCR selection 0x%x: PCRs are 0-23", pcr_mask);
	rc = sdm_tss_open(tcti, true, &s, err);
	if (rc != SDM_OK)
		return rc;
	if (alg != 0) {
		algs[0] = alg;
		nalgs = 1;
	} else {
		rc = active_banks(s.ctx, algs, &nalgs, err);
	}
	for (unsigned i = 0; i < nalgs && rc == SDM_OK; i++)
		rc = read_bank(s.ctx, algs[i], pcr_mask, out, err);
	sdm_tss_close(&s);
	return rc;
}

/* ---------------------------------------------------------------- TPM 1.2 */

/*
 * TrouSerS is loaded when a TPM 1.2 is asked for, so sdm builds and runs
 * without it otherwise. The signatures are the TSS 1.2 spec's (TSS_RESULT,
 * TSS_HCONTEXT, TSS_HTPM are UINT32; TSS_UNICODE is UINT16).
 */
#define TSPI_LIB "libtspi.so.1"

int cmd_tpm12_load(struct cmd_tspi *t, struct sdm_err *err)
{
	static const char *const names[] = {
		"Tspi_Context_Create", "Tspi_Context_Connect",
		"Tspi_Context_GetTpmObject", "Tspi_TPM_PcrRead",
		"Tspi_TPM_PcrExtend", "Tspi_Context_FreeMemory",
		"Tspi_Context_Close",
	};
	void *sym[ARRAY_SIZE(names)];

	memset(t, 0, sizeof(*t));
	t->lib = dlopen(TSPI_LIB, RTLD_NOW | RTLD_LOCAL);
	if (t->lib == NULL)
		return sdm_err_set(err, SDM_ENOENT,
			"TPM 1.2 needs TrouSerS: %s (Debian: apt-get install libtspi1 trousers)",
			dlerror());
	for (size_t i = 0; i < ARRAY_SIZE(names); i++) {
		sym[i] = dlsym(t->lib, names[i]);
		if (sym[i] == NULL) {
			t->lib = NULL;
			return sdm_err_set(err, SDM_ENOENT, "%s lacks %s",
					   TSPI_LIB, names[i]);
		}
	}
	/* POSIX: a data pointer from dlsym converts to a function pointer. */
	memcpy(&t->context_create, &sym[0], sizeof(void *));
	memcpy(&t->context_connect, &sym[1], sizeof(void *));
	memcpy(&t->context_get_tpm, &sym[2], sizeof(void *));
	memcpy(&t->pcr_read, &sym[3], sizeof(void *));
	memcpy(&t->pcr_extend, &sym[4], sizeof(void *));
	memcpy(&t->free_memory, &sym[5], sizeof(void *));
	memcpy(&t->context_close, &sym[6], sizeof(void *));
	return SDM_OK;
}

int cmd_tpm12_open(struct cmd_tspi *t, const char *tcsd, struct sdm_err *err)
{
	char host[256];
	const char *colon;
	int ret;
	uint32_t rc;

	if (tcsd != NULL) {
		colon = strrchr(tcsd, ':');
		snprintf(host, sizeof(host), "%.*s",
			 (int)(colon != NULL ? (size_t)(colon - tcsd) :
			       strlen(tcsd)), tcsd);
		if (host[0] != '\0')
			setenv("TSS_TCSD_HOSTNAME", host, 1);
		if (colon != NULL)
			setenv("TSS_TCSD_PORT", colon + 1, 1);
	}
	ret = cmd_tpm12_load(t, err);
	if (ret != SDM_OK)
		return ret;
	rc = t->context_create(&t->ctx);
	if (rc != 0) {
		cmd_tpm12_close(t);
		return sdm_err_set(err, SDM_EIO,
			"Tspi_Context_Create failed: 0x%x", rc);
	}
	rc = t->context_connect(t->ctx, NULL);
	if (rc != 0) {
		cmd_tpm12_close(t);
		const char *h = getenv("TSS_TCSD_HOSTNAME");
		const char *p = getenv("TSS_TCSD_PORT");

		return sdm_err_set(err, SDM_EIO,
			"cannot reach tcsd at %s:%s: Tspi_Context_Connect 0x%x",
			h != NULL ? h : "localhost", p != NULL ? p : "30003",
			rc);
	}
	rc = t->context_get_tpm(t->ctx, &t->tpm);
	if (rc != 0) {
		cmd_tpm12_close(t);
		return sdm_err_set(err, SDM_EIO,
			"Tspi_Context_GetTpmObject failed: 0x%x", rc);
	}
	return SDM_OK;
}

/*
 * libtspi stays loaded (no dlclose): sdm is a short process, and a leak
 * report (ASan) about TrouSerS' own allocations keeps its names.
 */
void cmd_tpm12_close(struct cmd_tspi *t)
{
	if (t->ctx != 0)
		t->context_close(t->ctx);
	memset(t, 0, sizeof(*t));
}

int cmd_tpm12_read_pcrs(const char *tcsd, uint32_t pcr_mask,
			struct cmd_eventlog_pcrs *out, struct sdm_err *err)
{
	struct cmd_tspi t;
	int rc;

	if (pcr_mask == 0 || (pcr_mask & ~ALL_PCRS) != 0)
		return sdm_err_set(err, SDM_EINVAL,
			"PCR selection 0x%x: PCRs are 0-23", pcr_mask);
	rc = cmd_tpm12_open(&t, tcsd, err);
	if (rc != SDM_OK)
		return rc;
	for (unsigned p = 0; p < EVLOG_NUM_PCRS && rc == SDM_OK; p++) {
		uint32_t len = 0, r;
		uint8_t *val = NULL;

		if (!(pcr_mask & (1u << p)))
			continue;
		r = t.pcr_read(t.tpm, p, &len, &val);
		if (r != 0)
			rc = sdm_err_set(err, SDM_EIO,
				"Tspi_TPM_PcrRead(%u) failed: 0x%x", p, r);
		else if (len != 20 || val == NULL)
			rc = sdm_err_set(err, SDM_EIO,
				"Tspi_TPM_PcrRead(%u): %u bytes, not 20", p,
				len);
		else
			cmd_eventlog_pcrs_set(out, EVLOG_ALG_SHA1, p, val);
		if (val != NULL)
			t.free_memory(t.ctx, val);
	}
	cmd_tpm12_close(&t);
	return rc;
}

/* ---------------------------------------------------------------- command */

/* "17,18,19,20", "0-7,16", "all" -> bit mask; false if malformed. */
static bool parse_pcr_list(const char *s, uint32_t *mask)
{
	*mask = 0;
	if (strcmp(s, "all") == 0) {
		*mask = ALL_PCRS;
		return true;
	}
	while (*s != '\0') {
		char *end;
		unsigned long lo = strtoul(s, &end, 10), hi;

		if (end == s || lo >= EVLOG_NUM_PCRS)
			return false;
		hi = lo;
		s = end;
		if (*s == '-') {
			hi = strtoul(s + 1, &end, 10);
			if (end == s + 1 || hi >= EVLOG_NUM_PCRS || hi < lo)
				return false;
			s = end;
		}
		for (unsigned long p = lo; p <= hi; p++)
			*mask |= 1u << p;
		if (*s == ',' && s[1] != '\0')
			s++;
		else if (*s != '\0')
			return false;
	}
	return *mask != 0;
}

static int cmd_pcrs(int argc, char **argv)
{
	const char *tcti = NULL, *tcsd = NULL;
	uint32_t mask = ALL_PCRS;
	uint16_t alg = 0;
	bool json = false, tpm12 = false;
	struct cmd_eventlog_pcrs *pcrs;
	struct sdm_err err = { 0 };
	int rc;

	for (int i = 1; i < argc; i++) {
		const char *a = argv[i];
		const char *v = i + 1 < argc ? argv[i + 1] : NULL;

		if (strcmp(a, "--help") == 0 || strcmp(a, "-h") == 0) {
			fputs(TPM_USAGE, stdout);
			return SDM_EXIT_OK;
		} else if (strcmp(a, "--json") == 0) {
			json = true;
		} else if (strcmp(a, "--tpm12") == 0) {
			tpm12 = true;
		} else if (strcmp(a, "--tcsd") == 0 && v != NULL) {
			tcsd = v;
			i++;
		} else if (strcmp(a, "--tcti") == 0 && v != NULL) {
			tcti = v;
			i++;
		} else if (strcmp(a, "--pcrs") == 0 && v != NULL) {
			if (!parse_pcr_list(v, &mask)) {
				fprintf(stderr, "sdm tpm pcrs: bad PCR list '%s' (PCRs are 0-23)\n", v);
				return SDM_EXIT_USAGE;
			}
			i++;
		} else if (strcmp(a, "--bank") == 0 && v != NULL) {
			alg = 0;
			for (int k = 0; k < CMD_EVENTLOG_NBANKS; k++) {
				uint16_t a2 = cmd_eventlog_slot_alg(k);

				if (strcmp(v, evlog_alg_name(a2)) == 0)
					alg = a2;
			}
			if (alg == 0 && strcmp(v, "all") != 0) {
				fprintf(stderr, "sdm tpm pcrs: unknown bank '%s'\n", v);
				return SDM_EXIT_USAGE;
			}
			i++;
		} else {
			fprintf(stderr, "sdm tpm pcrs: unexpected '%s'\n", a);
			fputs(TPM_USAGE, stderr);
			return SDM_EXIT_USAGE;
		}
	}
	if (tpm12 ? tcti != NULL || (alg != 0 && alg != EVLOG_ALG_SHA1) :
	    tcsd != NULL) {
		fprintf(stderr, "sdm tpm pcrs: --tcsd and --tpm12 go together, without --tcti; a TPM 1.2 has one bank, sha1\n");
		return SDM_EXIT_USAGE;
	}
	pcrs = calloc(1, sizeof(*pcrs));
	if (pcrs == NULL) {
		fprintf(stderr, "sdm tpm pcrs: out of memory\n");
		return SDM_EXIT_FAILURE;
	}
	if (tpm12)
		rc = cmd_tpm12_read_pcrs(tcsd, mask, pcrs, &err);
	else
		rc = cmd_tpm_read_pcrs(tcti, mask, alg, pcrs, &err);
	if (rc == SDM_OK) {
		cmd_eventlog_pcrs_print(stdout, pcrs, json);
		if (json)
			printf("\n");
	} else {
		fprintf(stderr, "sdm tpm pcrs: %s\n", err.msg);
	}
	free(pcrs);
	return rc == SDM_OK ? SDM_EXIT_OK : SDM_EXIT_FAILURE;
}

int sdm_cmd_tpm(int argc, char **argv)
{
	if (argc >= 2 && strcmp(argv[1], "pcrs") == 0)
		return cmd_pcrs(argc - 1, argv + 1);
	if (argc >= 2 && strcmp(argv[1], "provision") == 0)
		return sdm_cmd_tpm_provision(argc - 1, argv + 1);
	if (argc >= 2 && strcmp(argv[1], "activate") == 0)
		return sdm_cmd_tpm_activate(argc - 1, argv + 1);
	if (argc >= 2 && strcmp(argv[1], "counter") == 0)
		return sdm_cmd_tpm_counter(argc - 1, argv + 1);
	if (argc >= 2 && (strcmp(argv[1], "--help") == 0 ||
			  strcmp(argv[1], "-h") == 0)) {
		fputs(TPM_USAGE, stdout);
		return SDM_EXIT_OK;
	}
	fputs(TPM_USAGE, stderr);
	return SDM_EXIT_USAGE;
}
