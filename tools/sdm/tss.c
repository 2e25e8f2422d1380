/* TCTI and ESAPI contexts for the sdm subcommands (see tss.h). */
#include <stdlib.h>
#include <string.h>

#include <tss2/tss2_tctildr.h>

#include "cmds.h"
#include "tss.h"

const char *sdm_tcti_conf(const char *tcti)
{
	if (tcti == NULL)
		tcti = getenv("TPM2TOOLS_TCTI");
	if (tcti == NULL || tcti[0] == '\0')
		tcti = CMD_TPM_DEFAULT_TCTI;
	return tcti;
}

int sdm_tss_open(const char *conf, bool esys, struct sdm_tss *s,
		 struct sdm_err *err)
{
	TSS2_RC rc;

	memset(s, 0, sizeof(*s));
	rc = Tss2_TctiLdr_Initialize(conf, &s->tcti);
	if (rc != TSS2_RC_SUCCESS)
		return sdm_err_set(err, SDM_EIO,
			"TCTI '%s': cannot connect (0x%x)", conf, rc);
	if (!esys)
		return SDM_OK;
	rc = Esys_Initialize(&s->ctx, s->tcti, NULL);
	if (rc != TSS2_RC_SUCCESS) {
		Tss2_TctiLdr_Finalize(&s->tcti);
		return sdm_err_set(err, SDM_EIO,
			"TCTI '%s': Esys_Initialize failed (0x%x)", conf, rc);
	}
	return SDM_OK;
}

void sdm_tss_close(struct sdm_tss *s)
{
	if (s->tcti != NULL && s->locality_set)
		Tss2_Tcti_SetLocality(s->tcti, 0);
	if (s->ctx != NULL)
		Esys_Finalize(&s->ctx);
	if (s->tcti != NULL)
		Tss2_TctiLdr_Finalize(&s->tcti);
}
