/*
 * The TCTI and ESAPI contexts the sdm subcommands open on a TPM 2.0
 * (sdm tpm pcrs, sdm tpm counter, sdm provision / activate / quote).
 */
#ifndef SDM_TOOL_TSS_H
#define SDM_TOOL_TSS_H
#include <stdbool.h>
#include <tss2/tss2_esys.h>
#include <sdm/err.h>

struct sdm_tss {
	TSS2_TCTI_CONTEXT *tcti;
	ESYS_CONTEXT *ctx;  /* NULL when opened without ESAPI */
	bool locality_set;  /* a locality other than 0 was selected */
};

/* tcti, else $TPM2TOOLS_TCTI, else CMD_TPM_DEFAULT_TCTI. */
const char *sdm_tcti_conf(const char *tcti);

/*
 * Loads the TCTI conf (as for Tss2_TctiLdr_Initialize) and, if esys, an
 * ESAPI context on it. SDM_EIO with a message naming conf if either
 * fails (nothing is left open then).
 */
int sdm_tss_open(const char *conf, bool esys, struct sdm_tss *s,
		 struct sdm_err *err);

/*
 * Leaves the TPM at locality 0 if locality_set (swtpm keeps the last
 * locality set), then closes the ESAPI context and the TCTI.
 */
void sdm_tss_close(struct sdm_tss *s);

#endif
