/*
 * sdm tpm counter define|show|advance-to: the policy rollback counter
 * (docs/policy.md "Rollback protection"; its index, attributes and
 * authPolicy are in tpm/tpm2_nv.h, shared with sinit).
 *
 * The index is defined with tpm2-tss ESAPI (TPM2_NV_DefineSpace, owner
 * authorization, empty owner auth). Everything else goes through the very
 * code sinit runs (tpm/tpm2_nv.c) over the TCTI's raw Transmit/Receive,
 * at the locality the command needs: reads at 0, increments at 3, which
 * only a TCTI that can select locality 3 reaches (swtpm; not a real TPM,
 * where locality 3 belongs to the measured launch).
 */
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <tss2/tss2_esys.h>
#include <tss2/tss2_tctildr.h>

#include "cmds.h"
#include "sdm.h"
#include "tss.h"
#include "tpm/tpm2_nv.h"

#define COUNTER_USAGE \
	"usage: sdm tpm counter define [--tcti T] [--no-increment]\n" \
	"       sdm tpm counter show [--tcti T] [--json]\n" \
	"       sdm tpm counter advance-to N [--tcti T]\n" \
	"\n" \
	"The TPM 2.0 NV counter sinit compares the policy version with (NV index\n" \
	"0x01805344; docs/policy.md, \"Rollback protection\").\n" \
	"  define       define the counter (owner authorization, empty owner auth)\n" \
	"               and, where the TCTI reaches locality 3 (swtpm), increment it\n" \
	"               once so that it has a value; prints that value: policies\n" \
	"               older than it are refused. --no-increment: define only\n" \
	"               (a real TPM: the host cannot reach locality 3); sinit\n" \
	"               gives it its first value at the next measured launch\n" \
	"  show         read it (anyone may) and check it is the counter sinit trusts\n" \
	"  advance-to N increment it up to N at locality 3 (swtpm only: tests that\n" \
	"               simulate a newer policy having booted)\n" \
	"  --tcti T     the TCTI, as for tpm2-tools; default $TPM2TOOLS_TCTI, else\n" \
	"               '" CMD_TPM_DEFAULT_TCTI "'\n" \
	"\n" \
	"Exit status: 0 done, 1 failure (no counter, TPM refused), 2 usage error.\n"

#define ADVANCE_MAX 4096u /* increments one advance-to makes at most */

struct counter_tpm {
	struct sdm_tss tss; /* the TCTI only; close leaves locality 0 */
	int locality; /* last selected; -1 none yet */
	struct tpm_transport tr;
};

static int tcti_xfer(void *ctx, unsigned locality, const uint8_t *cmd,
		     size_t cmd_len, uint8_t *rsp, size_t rsp_cap,
		     size_t *rsp_len, struct sdm_err *err)
{
	struct counter_tpm *c = ctx;
	size_t n = rsp_cap;
	TSS2_RC rc;

	if ((int)locality != c->locality) {
		rc = Tss2_Tcti_SetLocality(c->tss.tcti, (uint8_t)locality);
		if (rc != TSS2_RC_SUCCESS)
			return sdm_err_set(err, SDM_EIO,
				"this TCTI cannot select locality %u (0x%x)",
				locality, rc);
		c->locality = (int)locality;
		c->tss.locality_set = true;
	}
	rc = Tss2_Tcti_Transmit(c->tss.tcti, cmd_len, cmd);
	if (rc == TSS2_RC_SUCCESS)
		rc = Tss2_Tcti_Receive(c->tss.tcti, &n, rsp,
				       TSS2_TCTI_TIMEOUT_BLOCK);
	if (rc != TSS2_RC_SUCCESS)
		return sdm_err_set(err, SDM_EIO, "TCTI transfer failed (0x%x)",
				   rc);
	*rsp_len = n;
	return SDM_OK;
}

static int counter_open(const char *tcti, struct counter_tpm *c,
			struct sdm_err *err)
{
	int rc;

	memset(c, 0, sizeof(*c));
	c->locality = -1;
	rc = sdm_tss_open(sdm_tcti_conf(tcti), false, &c->tss, err);
	if (rc != SDM_OK)
		return rc;
	c->tr.name = "tcti";
	c->tr.ctx = c;
	c->tr.xfer = tcti_xfer;
	return SDM_OK;
}

static bool rc_is_handle(int rc)
{
	return rc > 0 && (rc & 0x80) && ((rc & 0x3f) | 0x80) == TPM20_RC_HANDLE;
}

/*
 * The counter's public area checked, and its value. SDM_ENOENT when it is
 * not defined (*defined false) or never incremented (*defined true).
 */
static int counter_get(struct counter_tpm *c, bool *defined, uint64_t *value,
		       struct sdm_err *err)
{
	struct tpm2_nv_public pub;
	int rc;

	*defined = false;
	rc = tpm2_nv_read_public(&c->tr, 0, SDM_ROLLBACK_NV_INDEX, &pub, err);
	if (rc_is_handle(rc))
		return sdm_err_set(err, SDM_ENOENT,
			"no rollback counter at NV index 0x%08x (sdm tpm counter define)",
			SDM_ROLLBACK_NV_INDEX);
	if (rc != SDM_OK)
		return rc;
	*defined = true;
	rc = sdm_rollback_check_public(&pub, err);
	if (rc != SDM_OK)
		return rc;
	return tpm2_nv_read_counter(&c->tr, 0, SDM_ROLLBACK_NV_INDEX, value,
				    err);
}

/* Increment at locality 3 until the counter is target (or above). */
static int counter_advance(struct counter_tpm *c, uint64_t from,
			   uint64_t target, uint64_t *now, struct sdm_err *err)
{
	uint8_t nonce[16];
	int rc;

	*now = from;
	if (target > from && target - from > ADVANCE_MAX)
		return sdm_err_set(err, SDM_ERANGE,
			"advancing from %" PRIu64 " to %" PRIu64 " takes more than %u increments",
			from, target, ADVANCE_MAX);
	rc = tpm2_get_random(&c->tr, 0, nonce, sizeof(nonce), err);
	while (rc == SDM_OK && *now < target) {
		rc = tpm2_nv_increment_loc3(&c->tr, SDM_ROLLBACK_LOCALITY,
					    SDM_ROLLBACK_NV_INDEX, nonce,
					    sizeof(nonce), err);
		if (rc == SDM_OK)
			rc = tpm2_nv_read_counter(&c->tr, 0,
						  SDM_ROLLBACK_NV_INDEX, now,
						  err);
	}
	return rc;
}

int cmd_counter_define(const char *tcti, bool increment, uint64_t *value,
		       bool *initialised, struct sdm_err *err)
{
	TPM2B_NV_PUBLIC pub = {
		.nvPublic = {
			.nvIndex = SDM_ROLLBACK_NV_INDEX,
			.nameAlg = TPM2_ALG_SHA256,
			.attributes = SDM_ROLLBACK_NV_ATTRS,
			.authPolicy = { .size = sizeof(sdm_rollback_nv_policy) },
			.dataSize = 8,
		},
	};
	TPM2B_AUTH auth = { .size = 0 };
	struct counter_tpm c;
	ESYS_CONTEXT *esys = NULL;
	ESYS_TR nv = ESYS_TR_NONE;
	bool defined = false;
	TSS2_RC trc;
	int rc;

	*initialised = false;
	*value = 0;
	memcpy(pub.nvPublic.authPolicy.buffer, sdm_rollback_nv_policy,
	       sizeof(sdm_rollback_nv_policy));
	rc = counter_open(tcti, &c, err);
	if (rc != SDM_OK)
		return rc;
	rc = counter_get(&c, &defined, value, err);
	if (rc == SDM_ENOENT && !defined) {
		trc = Esys_Initialize(&esys, c.tss.tcti, NULL);
		if (trc == TSS2_RC_SUCCESS)
			trc = Esys_NV_DefineSpace(esys, ESYS_TR_RH_OWNER,
						  ESYS_TR_PASSWORD, ESYS_TR_NONE,
						  ESYS_TR_NONE, &auth, &pub,
						  &nv);
		if (esys != NULL)
			Esys_Finalize(&esys);
		if (trc != TSS2_RC_SUCCESS) {
			char d[64];

			rc = sdm_err_set(err, SDM_EIO,
				"TPM2_NV_DefineSpace(0x%08x) with the owner's empty auth failed: 0x%x%s%s",
				SDM_ROLLBACK_NV_INDEX, trc,
				trc <= 0xfff ? ", " : "",
				trc <= 0xfff ? tpm2_rc_str(trc, d, sizeof(d)) : "");
			goto out;
		}
		rc = counter_get(&c, &defined, value, err);
	}
	if (rc == SDM_ENOENT && defined && !increment) {
		rc = SDM_OK; /* sinit's next launch initialises it */
		goto out;
	}
	if (rc == SDM_ENOENT && defined) {
		/* Defined, never incremented: the first increment gives it
		 * the highest value any counter on this TPM had, plus one. */
		rc = counter_advance(&c, 0, 1, value, err);
		if (rc != SDM_OK) {
			char m[sizeof(err->msg)];

			memcpy(m, err->msg, sizeof(m));
			m[sizeof(m) - 1] = '\0';
			sdm_err_set(err, rc,
				"counter 0x%08x defined, not initialised: %s (the first increment needs locality 3: swtpm, or sinit's next launch; --no-increment says that is expected)",
				SDM_ROLLBACK_NV_INDEX, m);
			goto out;
		}
		*initialised = true;
	}
out:
	sdm_tss_close(&c.tss);
	return rc;
}

int cmd_counter_read(const char *tcti, uint64_t *value, struct sdm_err *err)
{
	struct counter_tpm c;
	bool defined;
	int rc = counter_open(tcti, &c, err);

	if (rc != SDM_OK)
		return rc;
	rc = counter_get(&c, &defined, value, err);
	sdm_tss_close(&c.tss);
	return rc;
}

int cmd_counter_advance_to(const char *tcti, uint64_t target, uint64_t *value,
			   struct sdm_err *err)
{
	struct counter_tpm c;
	bool defined;
	uint64_t from = 0;
	int rc = counter_open(tcti, &c, err);

	if (rc != SDM_OK)
		return rc;
	rc = counter_get(&c, &defined, &from, err);
	if (rc == SDM_OK && from > target)
		rc = sdm_err_set(err, SDM_ERANGE,
			"the counter is %" PRIu64 ", above %" PRIu64 ": it never goes back",
			from, target);
	if (rc == SDM_OK)
		rc = counter_advance(&c, from, target, value, err);
	sdm_tss_close(&c.tss);
	return rc;
}

int sdm_cmd_tpm_counter(int argc, char **argv)
{
	const char *tcti = NULL, *sub = argc >= 2 ? argv[1] : "";
	bool json = false, have_n = false, increment = true;
	struct sdm_err err = { 0 };
	uint64_t n = 0, value = 0;
	bool init = false;
	int rc;

	if (strcmp(sub, "--help") == 0 || strcmp(sub, "-h") == 0) {
		fputs(COUNTER_USAGE, stdout);
		return SDM_EXIT_OK;
	}
	if (strcmp(sub, "define") != 0 && strcmp(sub, "show") != 0 &&
	    strcmp(sub, "advance-to") != 0) {
		fputs(COUNTER_USAGE, stderr);
		return SDM_EXIT_USAGE;
	}
	for (int i = 2; i < argc; i++) {
		const char *a = argv[i];
		char *end;

		if (strcmp(a, "--tcti") == 0 && i + 1 < argc) {
			tcti = argv[++i];
		} else if (strcmp(a, "--json") == 0 &&
			   strcmp(sub, "show") == 0) {
			json = true;
		} else if (strcmp(a, "--no-increment") == 0 &&
			   strcmp(sub, "define") == 0) {
			increment = false;
		} else if (strcmp(sub, "advance-to") == 0 && !have_n &&
			   a[0] >= '0' && a[0] <= '9') {
			n = strtoull(a, &end, 0);
			if (*end != '\0') {
				fprintf(stderr, "sdm tpm counter: bad number '%s'\n", a);
				return SDM_EXIT_USAGE;
			}
			have_n = true;
		} else {
			fprintf(stderr, "sdm tpm counter %s: unexpected '%s'\n",
				sub, a);
			fputs(COUNTER_USAGE, stderr);
			return SDM_EXIT_USAGE;
		}
	}
	if (strcmp(sub, "advance-to") == 0 && !have_n) {
		fputs(COUNTER_USAGE, stderr);
		return SDM_EXIT_USAGE;
	}
	if (strcmp(sub, "define") == 0) {
		rc = cmd_counter_define(tcti, increment, &value, &init, &err);
		if (rc == SDM_OK && !increment && value == 0)
			printf("rollback counter 0x%08x: defined, no value yet: "
			       "sinit initialises it at its next measured launch\n",
			       SDM_ROLLBACK_NV_INDEX);
		else if (rc == SDM_OK)
			printf("rollback counter 0x%08x: %s, value %" PRIu64
			       ": policies older than version %" PRIu64
			       " will be refused\n",
			       SDM_ROLLBACK_NV_INDEX,
			       init ? "defined" : "already defined", value,
			       value);
	} else if (strcmp(sub, "show") == 0) {
		rc = cmd_counter_read(tcti, &value, &err);
		if (rc == SDM_OK && json)
			printf("{\"index\": \"0x%08x\", \"value\": %" PRIu64 "}\n",
			       SDM_ROLLBACK_NV_INDEX, value);
		else if (rc == SDM_OK)
			printf("rollback counter 0x%08x: %" PRIu64 "\n",
			       SDM_ROLLBACK_NV_INDEX, value);
	} else {
		rc = cmd_counter_advance_to(tcti, n, &value, &err);
		if (rc == SDM_OK)
			printf("rollback counter 0x%08x: %" PRIu64 "\n",
			       SDM_ROLLBACK_NV_INDEX, value);
	}
	if (rc != SDM_OK) {
		fprintf(stderr, "sdm tpm counter %s: %s\n", sub, err.msg);
		return SDM_EXIT_FAILURE;
	}
	return SDM_EXIT_OK;
}
