/*
 * The machine's side of attestation through tpm2-tss ESAPI
 * (docs/attestation.md):
 *   sdm tpm provision  the EK (found at its persistent handle, or created
 *                      from the TCG default template and persisted), its
 *                      certificate from NV if the TPM has one, an AK (a
 *                      restricted signing child of the EK, usable only at
 *                      locality 2 unless told otherwise), persisted; the
 *                      enrolment request for the verifier
 *   sdm tpm activate   ActivateCredential(AK, EK) on the verifier's
 *                      challenge, the secret back in a response file
 *   sdm attest quote   TPM2_Quote over sha256 PCRs 17-20 with qualifying
 *                      data SHA-256(nonce || SHA-256(report)), wrapped
 *                      with the event log and the report into a bundle
 * Every transient object and session is flushed on every path: swtpm has
 * no resource manager.
 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <tss2/tss2_esys.h>
#include <tss2/tss2_mu.h>
#include <tss2/tss2_tctildr.h>

#include "attest_cmds.h"
#include "cmds.h"
#include "sdm.h"
#include "tss.h"

#define PROVISION_USAGE \
	"usage: sdm tpm provision [--tcti T] [--ek rsa|ecc] [--ak ecc|rsa] [--ak-handle H]\n" \
	"                         [--ak-locality 0-4|any] [--replace] --out REQUEST\n" \
	"       sdm tpm activate CHALLENGE --out RESPONSE [--tcti T] [--ek-handle H]\n" \
	"                        [--ak-handle H]\n" \
	"\n" \
	"provision: uses the EK at its TCG handle (RSA 0x81010001, ECC 0x81010002),\n" \
	"or creates one from the TCG default template (--ek, default rsa) and\n" \
	"persists it; reads its certificate from NV (0x01c00002 / 0x01c0000a) if\n" \
	"there is one; creates an attestation key (restricted signing, ECC P-256\n" \
	"ECDSA-SHA256 by default, or RSA-2048 RSASSA-SHA256) under the EK and\n" \
	"persists it at --ak-handle (default 0x81010010), or reuses the AK there\n" \
	"(--replace makes a new one). By default the AK signs only at locality 2\n" \
	"(dommgr's): its authPolicy is PolicyLocality(2), userWithAuth clear.\n" \
	"Writes the enrolment request for 'sdm attest enrol'.\n" \
	"\n" \
	"activate: runs ActivateCredential with the AK and EK on the verifier's\n" \
	"challenge and writes the recovered secret as the response.\n" \
	"\n" \
	"  --tcti T   the TCTI, as for tpm2-tools; default $TPM2TOOLS_TCTI, else\n" \
	"             '" CMD_TPM_DEFAULT_TCTI "'\n" \
	"Endorsement and owner authorisations are taken to be empty.\n" \
	"Exit status: 0 done, 1 failure, 2 usage error.\n"

#define QUOTE_USAGE \
	"usage: sdm attest quote --nonce HEX --report REPORT --eventlog LOG --out BUNDLE\n" \
	"                        [--tcti T] [--ak-handle H]\n" \
	"Quotes sha256 PCRs 17-20 with the AK (default 0x81010010) and qualifying\n" \
	"data SHA-256(nonce || SHA-256(report)); the AK's policy locality is used.\n"

/* ---------------------------------------------------------------- session */

static void flush(ESYS_CONTEXT *e, ESYS_TR *tr)
{
	if (*tr != ESYS_TR_NONE)
		Esys_FlushContext(e, *tr);
	*tr = ESYS_TR_NONE;
}

/* Is handle (persistent or NV) present? */
static int handle_present(ESYS_CONTEXT *e, uint32_t handle, bool *present,
			  struct sdm_err *err)
{
	TPMS_CAPABILITY_DATA *cap = NULL;
	TPMI_YES_NO more = 0;
	TSS2_RC rc;

	rc = Esys_GetCapability(e, ESYS_TR_NONE, ESYS_TR_NONE, ESYS_TR_NONE,
				TPM2_CAP_HANDLES, handle, 1, &more, &cap);
	if (rc != TSS2_RC_SUCCESS)
		return sdm_err_set(err, SDM_EIO,
			"TPM2_GetCapability(handles 0x%08x) failed: 0x%x",
			handle, rc);
	*present = cap->data.handles.count >= 1 &&
		   cap->data.handles.handle[0] == handle;
	Esys_Free(cap);
	return SDM_OK;
}

/* A policy session satisfying the default EK policy: PolicySecret of the
 * endorsement hierarchy (empty authorisation). Flushed after one use. */
static int ek_session(ESYS_CONTEXT *e, ESYS_TR *sess, struct sdm_err *err)
{
	TPMT_SYM_DEF sym = { .algorithm = TPM2_ALG_NULL };
	TSS2_RC rc;

	*sess = ESYS_TR_NONE;
	rc = Esys_StartAuthSession(e, ESYS_TR_NONE, ESYS_TR_NONE, ESYS_TR_NONE,
				   ESYS_TR_NONE, ESYS_TR_NONE, NULL,
				   TPM2_SE_POLICY, &sym, TPM2_ALG_SHA256, sess);
	if (rc != TSS2_RC_SUCCESS)
		return sdm_err_set(err, SDM_EIO,
			"TPM2_StartAuthSession failed: 0x%x", rc);
	rc = Esys_PolicySecret(e, ESYS_TR_RH_ENDORSEMENT, *sess,
			       ESYS_TR_PASSWORD, ESYS_TR_NONE, ESYS_TR_NONE,
			       NULL, NULL, NULL, 0, NULL, NULL);
	if (rc == TSS2_RC_SUCCESS)
		rc = Esys_TRSess_SetAttributes(e, *sess, 0,
					       TPMA_SESSION_CONTINUESESSION);
	if (rc != TSS2_RC_SUCCESS) {
		flush(e, sess);
		return sdm_err_set(err, SDM_EIO,
			"TPM2_PolicySecret(endorsement) failed: 0x%x (is the endorsement authorisation empty?)",
			rc);
	}
	return SDM_OK;
}

/* The public area at a persistent handle, as TPMT_PUBLIC bytes too. */
static int read_public(ESYS_CONTEXT *e, uint32_t handle, ESYS_TR *tr,
		       uint8_t *pub, size_t *pub_len, struct att_public *parsed,
		       struct sdm_err *err)
{
	TPM2B_PUBLIC *out = NULL;
	TPM2B_NAME *name = NULL, *qname = NULL;
	uint8_t mine[ATT_MAX_NAME];
	size_t off = 0, mine_len = 0;
	struct sdm_err e2 = { 0 };
	TSS2_RC rc;

	rc = Esys_TR_FromTPMPublic(e, handle, ESYS_TR_NONE, ESYS_TR_NONE,
				   ESYS_TR_NONE, tr);
	if (rc == TSS2_RC_SUCCESS)
		rc = Esys_ReadPublic(e, *tr, ESYS_TR_NONE, ESYS_TR_NONE,
				     ESYS_TR_NONE, &out, &name, &qname);
	if (rc != TSS2_RC_SUCCESS)
		return sdm_err_set(err, SDM_EIO,
			"TPM2_ReadPublic(0x%08x) failed: 0x%x", handle, rc);
	rc = Tss2_MU_TPMT_PUBLIC_Marshal(&out->publicArea, pub, ATT_MAX_PUBLIC,
					 &off);
	*pub_len = off;
	if (rc != TSS2_RC_SUCCESS ||
	    att_public_parse(pub, off, parsed, &e2) != SDM_OK ||
	    attc_name(pub, off, mine, &mine_len, &e2) != SDM_OK ||
	    mine_len != name->size || memcmp(mine, name->name, mine_len) != 0) {
		Esys_Free(out);
		Esys_Free(name);
		Esys_Free(qname);
		return sdm_err_set(err, SDM_EIO,
			"0x%08x: public area unusable or its name is not ours: %s",
			handle, e2.msg[0] ? e2.msg : "marshalling failed");
	}
	Esys_Free(out);
	Esys_Free(name);
	Esys_Free(qname);
	return SDM_OK;
}

/* ---------------------------------------------------------------- templates */

static void ek_template(bool ecc, TPM2B_PUBLIC *t)
{
	TPMT_PUBLIC *p = &t->publicArea;

	/* TCG EK Credential Profile 2.0, B.3.3 (L-1) and B.3.4 (L-2). */
	memset(t, 0, sizeof(*t));
	p->nameAlg = TPM2_ALG_SHA256;
	p->objectAttributes = TPMA_OBJECT_FIXEDTPM | TPMA_OBJECT_FIXEDPARENT |
			      TPMA_OBJECT_SENSITIVEDATAORIGIN |
			      TPMA_OBJECT_ADMINWITHPOLICY |
			      TPMA_OBJECT_RESTRICTED | TPMA_OBJECT_DECRYPT;
	p->authPolicy.size = 32;
	attc_policy_ek(p->authPolicy.buffer);
	if (ecc) {
		p->type = TPM2_ALG_ECC;
		p->parameters.eccDetail.symmetric.algorithm = TPM2_ALG_AES;
		p->parameters.eccDetail.symmetric.keyBits.aes = 128;
		p->parameters.eccDetail.symmetric.mode.aes = TPM2_ALG_CFB;
		p->parameters.eccDetail.scheme.scheme = TPM2_ALG_NULL;
		p->parameters.eccDetail.curveID = TPM2_ECC_NIST_P256;
		p->parameters.eccDetail.kdf.scheme = TPM2_ALG_NULL;
		p->unique.ecc.x.size = 32;
		p->unique.ecc.y.size = 32;
	} else {
		p->type = TPM2_ALG_RSA;
		p->parameters.rsaDetail.symmetric.algorithm = TPM2_ALG_AES;
		p->parameters.rsaDetail.symmetric.keyBits.aes = 128;
		p->parameters.rsaDetail.symmetric.mode.aes = TPM2_ALG_CFB;
		p->parameters.rsaDetail.scheme.scheme = TPM2_ALG_NULL;
		p->parameters.rsaDetail.keyBits = 2048;
		p->parameters.rsaDetail.exponent = 0;
		p->unique.rsa.size = 256;
	}
	t->size = 0; /* computed by the marshaller */
}

/* locality < 0: usable with the empty password at any locality. */
static void ak_template(bool rsa, int locality, TPM2B_PUBLIC *t)
{
	TPMT_PUBLIC *p = &t->publicArea;

	memset(t, 0, sizeof(*t));
	p->nameAlg = TPM2_ALG_SHA256;
	p->objectAttributes = TPMA_OBJECT_FIXEDTPM | TPMA_OBJECT_FIXEDPARENT |
			      TPMA_OBJECT_SENSITIVEDATAORIGIN |
			      TPMA_OBJECT_RESTRICTED | TPMA_OBJECT_SIGN_ENCRYPT;
	if (locality < 0) {
		p->objectAttributes |= TPMA_OBJECT_USERWITHAUTH;
	} else {
		p->authPolicy.size = 32;
		attc_policy_locality((unsigned)locality, p->authPolicy.buffer);
	}
	if (rsa) {
		p->type = TPM2_ALG_RSA;
		p->parameters.rsaDetail.symmetric.algorithm = TPM2_ALG_NULL;
		p->parameters.rsaDetail.scheme.scheme = TPM2_ALG_RSASSA;
		p->parameters.rsaDetail.scheme.details.rsassa.hashAlg =
			TPM2_ALG_SHA256;
		p->parameters.rsaDetail.keyBits = 2048;
	} else {
		p->type = TPM2_ALG_ECC;
		p->parameters.eccDetail.symmetric.algorithm = TPM2_ALG_NULL;
		p->parameters.eccDetail.scheme.scheme = TPM2_ALG_ECDSA;
		p->parameters.eccDetail.scheme.details.ecdsa.hashAlg =
			TPM2_ALG_SHA256;
		p->parameters.eccDetail.curveID = TPM2_ECC_NIST_P256;
		p->parameters.eccDetail.kdf.scheme = TPM2_ALG_NULL;
	}
}

/* ---------------------------------------------------------------- provision */

struct keys {
	uint32_t ek_handle, ak_handle;
	ESYS_TR ek, ak; /* persistent handles' ESYS objects */
	uint8_t ek_pub[ATT_MAX_PUBLIC], ak_pub[ATT_MAX_PUBLIC];
	size_t ek_pub_len, ak_pub_len;
	struct att_public ek_p, ak_p;
	uint8_t *cert;
	size_t cert_len;
	bool ek_created, ak_created;
};

static int create_ek(ESYS_CONTEXT *e, bool ecc, struct keys *k,
		     struct sdm_err *err)
{
	TPM2B_SENSITIVE_CREATE sens = { 0 };
	TPM2B_DATA outside = { 0 };
	TPML_PCR_SELECTION pcrs = { 0 };
	TPM2B_PUBLIC tmpl, *out = NULL;
	TPM2B_CREATION_DATA *cd = NULL;
	TPM2B_DIGEST *ch = NULL;
	TPMT_TK_CREATION *tk = NULL;
	ESYS_TR t = ESYS_TR_NONE, persisted = ESYS_TR_NONE;
	TSS2_RC rc;

	ek_template(ecc, &tmpl);
	rc = Esys_CreatePrimary(e, ESYS_TR_RH_ENDORSEMENT, ESYS_TR_PASSWORD,
				ESYS_TR_NONE, ESYS_TR_NONE, &sens, &tmpl,
				&outside, &pcrs, &t, &out, &cd, &ch, &tk);
	Esys_Free(out);
	Esys_Free(cd);
	Esys_Free(ch);
	Esys_Free(tk);
	if (rc != TSS2_RC_SUCCESS)
		return sdm_err_set(err, SDM_EIO,
			"TPM2_CreatePrimary(EK %s) failed: 0x%x",
			ecc ? "ECC P-256" : "RSA 2048", rc);
	rc = Esys_EvictControl(e, ESYS_TR_RH_OWNER, t, ESYS_TR_PASSWORD,
			       ESYS_TR_NONE, ESYS_TR_NONE, k->ek_handle,
			       &persisted);
	flush(e, &t);
	if (rc != TSS2_RC_SUCCESS)
		return sdm_err_set(err, SDM_EIO,
			"TPM2_EvictControl(EK to 0x%08x) failed: 0x%x",
			k->ek_handle, rc);
	Esys_TR_Close(e, &persisted);
	k->ek_created = true;
	return SDM_OK;
}

static int create_ak(ESYS_CONTEXT *e, bool rsa, int locality, struct keys *k,
		     struct sdm_err *err)
{
	TPM2B_SENSITIVE_CREATE sens = { 0 };
	TPM2B_DATA outside = { 0 };
	TPML_PCR_SELECTION pcrs = { 0 };
	TPM2B_PUBLIC tmpl, *pub = NULL;
	TPM2B_PRIVATE *priv = NULL;
	TPM2B_CREATION_DATA *cd = NULL;
	TPM2B_DIGEST *ch = NULL;
	TPMT_TK_CREATION *tk = NULL;
	ESYS_TR sess = ESYS_TR_NONE, t = ESYS_TR_NONE, persisted = ESYS_TR_NONE;
	TSS2_RC rc;
	int ret;

	ak_template(rsa, locality, &tmpl);
	ret = ek_session(e, &sess, err);
	if (ret != SDM_OK)
		return ret;
	rc = Esys_Create(e, k->ek, sess, ESYS_TR_NONE, ESYS_TR_NONE, &sens,
			 &tmpl, &outside, &pcrs, &priv, &pub, &cd, &ch, &tk);
	Esys_Free(cd);
	Esys_Free(ch);
	Esys_Free(tk);
	if (rc != TSS2_RC_SUCCESS) {
		flush(e, &sess);
		ret = sdm_err_set(err, SDM_EIO, "TPM2_Create(AK under the EK) failed: 0x%x",
				  rc);
		goto out;
	}
	ret = ek_session(e, &sess, err);
	if (ret != SDM_OK)
		goto out;
	rc = Esys_Load(e, k->ek, sess, ESYS_TR_NONE, ESYS_TR_NONE, priv, pub,
		       &t);
	if (rc != TSS2_RC_SUCCESS) {
		flush(e, &sess);
		ret = sdm_err_set(err, SDM_EIO, "TPM2_Load(AK) failed: 0x%x", rc);
		goto out;
	}
	rc = Esys_EvictControl(e, ESYS_TR_RH_OWNER, t, ESYS_TR_PASSWORD,
			       ESYS_TR_NONE, ESYS_TR_NONE, k->ak_handle,
			       &persisted);
	flush(e, &t);
	if (rc != TSS2_RC_SUCCESS) {
		ret = sdm_err_set(err, SDM_EIO,
			"TPM2_EvictControl(AK to 0x%08x) failed: 0x%x",
			k->ak_handle, rc);
		goto out;
	}
	Esys_TR_Close(e, &persisted);
	k->ak_created = true;
	ret = SDM_OK;
out:
	Esys_Free(priv);
	Esys_Free(pub);
	return ret;
}

/* The EK certificate from its NV index, if the TPM has one. */
static int read_ek_cert(ESYS_CONTEXT *e, uint32_t index, struct keys *k,
			struct sdm_err *err)
{
	TPM2B_NV_PUBLIC *nvpub = NULL;
	TPM2B_NAME *nvname = NULL;
	TPMS_CAPABILITY_DATA *cap = NULL;
	TPMI_YES_NO more = 0;
	ESYS_TR nv = ESYS_TR_NONE, auth;
	uint16_t size, chunk = 512;
	bool present = false;
	TSS2_RC rc;
	int ret;

	ret = handle_present(e, index, &present, err);
	if (ret != SDM_OK || !present)
		return ret;
	rc = Esys_GetCapability(e, ESYS_TR_NONE, ESYS_TR_NONE, ESYS_TR_NONE,
				TPM2_CAP_TPM_PROPERTIES, TPM2_PT_NV_BUFFER_MAX,
				1, &more, &cap);
	if (rc == TSS2_RC_SUCCESS && cap->data.tpmProperties.count == 1 &&
	    cap->data.tpmProperties.tpmProperty[0].property ==
		    TPM2_PT_NV_BUFFER_MAX &&
	    cap->data.tpmProperties.tpmProperty[0].value >= 64 &&
	    cap->data.tpmProperties.tpmProperty[0].value <= 1024)
		chunk = (uint16_t)cap->data.tpmProperties.tpmProperty[0].value;
	Esys_Free(cap);
	rc = Esys_TR_FromTPMPublic(e, index, ESYS_TR_NONE, ESYS_TR_NONE,
				   ESYS_TR_NONE, &nv);
	if (rc == TSS2_RC_SUCCESS)
		rc = Esys_NV_ReadPublic(e, nv, ESYS_TR_NONE, ESYS_TR_NONE,
					ESYS_TR_NONE, &nvpub, &nvname);
	if (rc != TSS2_RC_SUCCESS)
		return sdm_err_set(err, SDM_EIO,
			"TPM2_NV_ReadPublic(0x%08x) failed: 0x%x", index, rc);
	size = nvpub->nvPublic.dataSize;
	auth = (nvpub->nvPublic.attributes & TPMA_NV_AUTHREAD) ? nv :
	       ESYS_TR_RH_OWNER;
	Esys_Free(nvpub);
	Esys_Free(nvname);
	if (size == 0 || size > ATT_MAX_CERT) {
		Esys_TR_Close(e, &nv);
		return sdm_err_set(err, SDM_EINVAL,
			"EK certificate index 0x%08x holds %u bytes", index, size);
	}
	k->cert = malloc(size);
	if (k->cert == NULL) {
		Esys_TR_Close(e, &nv);
		return sdm_err_set(err, SDM_ENOMEM, "out of memory");
	}
	for (uint16_t off = 0; off < size;) {
		TPM2B_MAX_NV_BUFFER *data = NULL;
		uint16_t n = (uint16_t)(size - off < chunk ? size - off : chunk);

		rc = Esys_NV_Read(e, auth, nv, ESYS_TR_PASSWORD, ESYS_TR_NONE,
				  ESYS_TR_NONE, n, off, &data);
		if (rc != TSS2_RC_SUCCESS || data->size != n) {
			Esys_Free(data);
			Esys_TR_Close(e, &nv);
			free(k->cert);
			k->cert = NULL;
			return sdm_err_set(err, SDM_EIO,
				"TPM2_NV_Read(0x%08x, %u bytes at %u) failed: 0x%x",
				index, n, off, rc);
		}
		memcpy(k->cert + off, data->buffer, n);
		Esys_Free(data);
		off = (uint16_t)(off + n);
	}
	/* An EK certificate index may be padded after the DER certificate. */
	k->cert_len = size;
	if (size >= 4 && k->cert[0] == 0x30 && k->cert[1] == 0x82) {
		size_t der = 4 + ((size_t)k->cert[2] << 8 | k->cert[3]);

		if (der <= size)
			k->cert_len = der;
	}
	Esys_TR_Close(e, &nv);
	return SDM_OK;
}

static int parse_handle(const char *s, uint32_t *h)
{
	char *end;
	unsigned long v = strtoul(s, &end, 0);

	if (*s == '\0' || *end != '\0' || v < 0x81000000ul || v > 0x81ffffffu)
		return -1;
	*h = (uint32_t)v;
	return 0;
}

int sdm_cmd_tpm_provision(int argc, char **argv)
{
	const char *tcti = NULL, *out = NULL;
	bool ek_ecc = false, ek_given = false, ak_rsa = false, ak_given = false;
	bool replace = false, present;
	int locality = ATT_AK_LOCALITY;
	struct keys k = { .ek_handle = 0, .ak_handle = ATT_AK_HANDLE,
			  .ek = ESYS_TR_NONE, .ak = ESYS_TR_NONE };
	struct sdm_tss s = { 0 };
	struct sdm_err err = { 0 };
	uint8_t *req = NULL, name[ATT_MAX_NAME], handles[8];
	size_t name_len = 0, req_len = 0, cap;
	struct att_writer w;
	char hex[80];
	int rc;

	for (int i = 1; i < argc; i++) {
		const char *a = argv[i], *v = i + 1 < argc ? argv[i + 1] : NULL;

		if (strcmp(a, "--help") == 0 || strcmp(a, "-h") == 0) {
			fputs(PROVISION_USAGE, stdout);
			return SDM_EXIT_OK;
		} else if (strcmp(a, "--replace") == 0) {
			replace = true;
		} else if (v == NULL) {
			goto usage;
		} else if (strcmp(a, "--tcti") == 0) {
			tcti = argv[++i];
		} else if (strcmp(a, "--out") == 0) {
			out = argv[++i];
		} else if (strcmp(a, "--ek") == 0 &&
			   (strcmp(v, "rsa") == 0 || strcmp(v, "ecc") == 0)) {
			ek_ecc = strcmp(argv[++i], "ecc") == 0;
			ek_given = true;
		} else if (strcmp(a, "--ak") == 0 &&
			   (strcmp(v, "rsa") == 0 || strcmp(v, "ecc") == 0)) {
			ak_rsa = strcmp(argv[++i], "rsa") == 0;
			ak_given = true;
		} else if (strcmp(a, "--ak-handle") == 0) {
			if (parse_handle(argv[++i], &k.ak_handle) != 0)
				goto usage;
		} else if (strcmp(a, "--ak-locality") == 0) {
			if (strcmp(v, "any") == 0)
				locality = -1;
			else if (v[0] >= '0' && v[0] <= '4' && v[1] == '\0')
				locality = v[0] - '0';
			else
				goto usage;
			i++;
		} else {
			goto usage;
		}
	}
	if (out == NULL)
		goto usage;
	rc = sdm_tss_open(sdm_tcti_conf(tcti), true, &s, &err);
	if (rc != SDM_OK)
		goto fail;

	/* The EK: the one persisted (of the type asked for), or a new one. */
	k.ek_handle = ek_ecc ? ATT_EK_ECC_HANDLE : ATT_EK_RSA_HANDLE;
	rc = handle_present(s.ctx, k.ek_handle, &present, &err);
	if (rc == SDM_OK && !present && !ek_given) {
		rc = handle_present(s.ctx, ATT_EK_ECC_HANDLE, &present, &err);
		if (present) {
			k.ek_handle = ATT_EK_ECC_HANDLE;
			ek_ecc = true;
		}
	}
	if (rc == SDM_OK && !present)
		rc = create_ek(s.ctx, ek_ecc, &k, &err);
	if (rc == SDM_OK)
		rc = read_public(s.ctx, k.ek_handle, &k.ek, k.ek_pub,
				 &k.ek_pub_len, &k.ek_p, &err);
	if (rc == SDM_OK)
		rc = attc_check_ek(&k.ek_p, &err);
	if (rc == SDM_OK)
		rc = read_ek_cert(s.ctx, ek_ecc ? ATT_EK_ECC_CERT_NV :
				  ATT_EK_RSA_CERT_NV, &k, &err);

	/* The AK: reused, replaced or created. */
	if (rc == SDM_OK)
		rc = handle_present(s.ctx, k.ak_handle, &present, &err);
	if (rc == SDM_OK && present && replace) {
		ESYS_TR old = ESYS_TR_NONE, gone = ESYS_TR_NONE;
		TSS2_RC r2 = Esys_TR_FromTPMPublic(s.ctx, k.ak_handle,
			ESYS_TR_NONE, ESYS_TR_NONE, ESYS_TR_NONE, &old);

		if (r2 == TSS2_RC_SUCCESS)
			r2 = Esys_EvictControl(s.ctx, ESYS_TR_RH_OWNER, old,
					       ESYS_TR_PASSWORD, ESYS_TR_NONE,
					       ESYS_TR_NONE, k.ak_handle, &gone);
		if (r2 != TSS2_RC_SUCCESS)
			rc = sdm_err_set(&err, SDM_EIO,
				"TPM2_EvictControl(remove 0x%08x) failed: 0x%x",
				k.ak_handle, r2);
		present = false;
	}
	if (rc == SDM_OK && !present)
		rc = create_ak(s.ctx, ak_rsa, locality, &k, &err);
	if (rc == SDM_OK)
		rc = read_public(s.ctx, k.ak_handle, &k.ak, k.ak_pub,
				 &k.ak_pub_len, &k.ak_p, &err);
	if (rc == SDM_OK && attc_check_ak(&k.ak_p, &err) != SDM_OK)
		rc = sdm_err_set(&err, SDM_EINVAL,
			"the key at 0x%08x is not an attestation key (--replace makes one): %.100s",
			k.ak_handle, err.msg);
	if (rc == SDM_OK && !k.ak_created && ak_given &&
	    (k.ak_p.type == ATT_ALG_RSA) != ak_rsa)
		rc = sdm_err_set(&err, SDM_EINVAL,
			"the AK at 0x%08x is %s, not %s (--replace makes a new one)",
			k.ak_handle, k.ak_p.type == ATT_ALG_RSA ? "RSA" : "ECC",
			ak_rsa ? "RSA" : "ECC");
	if (rc == SDM_OK)
		rc = attc_name(k.ak_pub, k.ak_pub_len, name, &name_len, &err);
	sdm_tss_close(&s);
	if (rc != SDM_OK)
		goto fail;

	/* The enrolment request. */
	cap = ATT_HDR + 5 * ATT_REC_HDR + 2 * ATT_MAX_PUBLIC + ATT_MAX_NAME +
	      8 + k.cert_len;
	req = malloc(cap);
	handles[0] = (uint8_t)k.ek_handle;
	handles[1] = (uint8_t)(k.ek_handle >> 8);
	handles[2] = (uint8_t)(k.ek_handle >> 16);
	handles[3] = (uint8_t)(k.ek_handle >> 24);
	handles[4] = (uint8_t)k.ak_handle;
	handles[5] = (uint8_t)(k.ak_handle >> 8);
	handles[6] = (uint8_t)(k.ak_handle >> 16);
	handles[7] = (uint8_t)(k.ak_handle >> 24);
	att_writer_init(&w, req, req != NULL ? cap : 0, ATT_KIND_ENROL_REQUEST);
	att_writer_add(&w, ATT_T_REQ_EK_PUBLIC, k.ek_pub, k.ek_pub_len);
	if (k.cert != NULL)
		att_writer_add(&w, ATT_T_REQ_EK_CERT, k.cert, k.cert_len);
	att_writer_add(&w, ATT_T_REQ_AK_PUBLIC, k.ak_pub, k.ak_pub_len);
	att_writer_add(&w, ATT_T_REQ_AK_NAME, name, name_len);
	att_writer_add(&w, ATT_T_REQ_HANDLES, handles, sizeof(handles));
	rc = att_writer_finish(&w, &req_len, &err);
	if (rc == SDM_OK)
		rc = attc_write_file(out, req, req_len, 0644, &err);
	if (rc != SDM_OK)
		goto fail;
	printf("EK: %s at 0x%08x (%s), certificate %s\n",
	       ek_ecc ? "ECC P-256" : "RSA 2048", k.ek_handle,
	       k.ek_created ? "created and persisted" : "present",
	       k.cert != NULL ? "from NV" : "none");
	locality = attc_key_locality(&k.ak_p);
	if (locality >= 0)
		snprintf(hex, sizeof(hex), "only at locality %d", locality);
	else
		snprintf(hex, sizeof(hex), "at any locality");
	printf("AK: %s at 0x%08x (%s), signs %s, name ",
	       k.ak_p.type == ATT_ALG_RSA ? "RSA 2048 RSASSA-SHA256" :
	       "ECC P-256 ECDSA-SHA256", k.ak_handle,
	       k.ak_created ? "created and persisted" : "present", hex);
	attc_hex(stdout, name, name_len);
	printf("\n");
	printf("enrolment request written to %s\n", out);
	free(req);
	free(k.cert);
	return SDM_EXIT_OK;
usage:
	fputs(PROVISION_USAGE, stderr);
	return SDM_EXIT_USAGE;
fail:
	sdm_tss_close(&s);
	free(req);
	free(k.cert);
	fprintf(stderr, "sdm tpm provision: %s\n", err.msg);
	return SDM_EXIT_FAILURE;
}

/* ---------------------------------------------------------------- activate */

/* The persistent key at handle if its name is name. */
static int key_named(ESYS_CONTEXT *e, uint32_t handle, const uint8_t *name,
		     size_t name_len, ESYS_TR *tr, bool *match,
		     struct sdm_err *err)
{
	uint8_t pub[ATT_MAX_PUBLIC], mine[ATT_MAX_NAME];
	size_t pub_len = 0, mine_len = 0;
	struct att_public p;
	bool present = false;
	int rc;

	*match = false;
	*tr = ESYS_TR_NONE;
	rc = handle_present(e, handle, &present, err);
	if (rc != SDM_OK || !present)
		return rc;
	rc = read_public(e, handle, tr, pub, &pub_len, &p, err);
	if (rc == SDM_OK)
		rc = attc_name(pub, pub_len, mine, &mine_len, err);
	if (rc == SDM_OK)
		*match = mine_len == name_len && memcmp(mine, name, name_len) == 0;
	return rc;
}

int sdm_cmd_tpm_activate(int argc, char **argv)
{
	const char *tcti = NULL, *out = NULL, *chal_path = NULL;
	uint32_t ek_handle = 0, ak_handle = ATT_AK_HANDLE;
	struct sdm_tss s = { 0 };
	struct sdm_err err = { 0 };
	struct att_container c;
	uint8_t *chal = NULL, digest[32], resp[256];
	size_t chal_len = 0, resp_len = 0;
	ESYS_TR ek = ESYS_TR_NONE, ak = ESYS_TR_NONE, sess = ESYS_TR_NONE;
	TPM2B_ID_OBJECT cred = { 0 };
	TPM2B_ENCRYPTED_SECRET sec = { 0 };
	TPM2B_DIGEST *cert_info = NULL;
	struct att_writer w;
	bool match = false;
	TSS2_RC trc;
	int rc;

	for (int i = 1; i < argc; i++) {
		const char *a = argv[i], *v = i + 1 < argc ? argv[i + 1] : NULL;

		if (strcmp(a, "--help") == 0 || strcmp(a, "-h") == 0) {
			fputs(PROVISION_USAGE, stdout);
			return SDM_EXIT_OK;
		} else if (a[0] != '-' && chal_path == NULL) {
			chal_path = a;
		} else if (v == NULL) {
			goto usage;
		} else if (strcmp(a, "--tcti") == 0) {
			tcti = argv[++i];
		} else if (strcmp(a, "--out") == 0) {
			out = argv[++i];
		} else if (strcmp(a, "--ek-handle") == 0) {
			if (parse_handle(argv[++i], &ek_handle) != 0)
				goto usage;
		} else if (strcmp(a, "--ak-handle") == 0) {
			if (parse_handle(argv[++i], &ak_handle) != 0)
				goto usage;
		} else {
			goto usage;
		}
	}
	if (chal_path == NULL || out == NULL)
		goto usage;
	rc = attc_read_file(chal_path, ATT_MAX_FILE, &chal, &chal_len, &err);
	if (rc == SDM_OK) {
		struct sdm_err e = { 0 };

		if (att_container_parse(chal, chal_len, ATT_KIND_CHALLENGE, &c,
					&e) != SDM_OK)
			rc = sdm_err_set(&err, e.code, "%s: %s", chal_path, e.msg);
	}
	if (rc == SDM_OK && !attc_sha256(chal, chal_len, digest))
		rc = sdm_err_set(&err, SDM_EIO, "SHA-256 failed");
	if (rc != SDM_OK)
		goto fail;
	cred.size = (UINT16)c.rec[ATT_T_CHAL_CREDENTIAL].len;
	sec.size = (UINT16)c.rec[ATT_T_CHAL_SECRET].len;
	if (cred.size > sizeof(cred.credential) || sec.size > sizeof(sec.secret)) {
		rc = sdm_err_set(&err, SDM_EINVAL, "%s: credential too large",
				 chal_path);
		goto fail;
	}
	memcpy(cred.credential, c.rec[ATT_T_CHAL_CREDENTIAL].p, cred.size);
	memcpy(sec.secret, c.rec[ATT_T_CHAL_SECRET].p, sec.size);

	rc = sdm_tss_open(sdm_tcti_conf(tcti), true, &s, &err);
	if (rc != SDM_OK)
		goto fail;
	/* The EK the challenge names: given, or either TCG handle. */
	for (unsigned i = 0; i < 2 && rc == SDM_OK && !match; i++) {
		uint32_t h = ek_handle != 0 ? ek_handle : i == 0 ?
			     ATT_EK_RSA_HANDLE : ATT_EK_ECC_HANDLE;

		if (ek != ESYS_TR_NONE)
			Esys_TR_Close(s.ctx, &ek);
		rc = key_named(s.ctx, h, c.rec[ATT_T_CHAL_EK_NAME].p,
			       c.rec[ATT_T_CHAL_EK_NAME].len, &ek, &match, &err);
		if (ek_handle != 0)
			break;
	}
	if (rc == SDM_OK && !match)
		rc = sdm_err_set(&err, SDM_ENOENT,
			"the challenge is for another EK: none of this TPM's EKs has its name");
	if (rc == SDM_OK)
		rc = key_named(s.ctx, ak_handle, c.rec[ATT_T_CHAL_AK_NAME].p,
			       c.rec[ATT_T_CHAL_AK_NAME].len, &ak, &match, &err);
	if (rc == SDM_OK && !match)
		rc = sdm_err_set(&err, SDM_ENOENT,
			"the challenge is for another AK than the one at 0x%08x",
			ak_handle);
	if (rc == SDM_OK)
		rc = ek_session(s.ctx, &sess, &err);
	if (rc == SDM_OK) {
		trc = Esys_ActivateCredential(s.ctx, ak, ek, ESYS_TR_PASSWORD,
					      sess, ESYS_TR_NONE, &cred, &sec,
					      &cert_info);
		if (trc != TSS2_RC_SUCCESS) {
			flush(s.ctx, &sess);
			rc = sdm_err_set(&err, SDM_EIO,
				"TPM2_ActivateCredential failed: 0x%x (the challenge is not for this TPM's EK and AK, or was altered)",
				trc);
		}
	}
	sdm_tss_close(&s);
	if (rc != SDM_OK)
		goto fail;
	att_writer_init(&w, resp, sizeof(resp), ATT_KIND_RESPONSE);
	att_writer_add(&w, ATT_T_RESP_CHALLENGE, digest, sizeof(digest));
	att_writer_add(&w, ATT_T_RESP_SECRET, cert_info->buffer, cert_info->size);
	Esys_Free(cert_info);
	cert_info = NULL;
	rc = att_writer_finish(&w, &resp_len, &err);
	if (rc == SDM_OK)
		rc = attc_write_file(out, resp, resp_len, 0644, &err);
	if (rc != SDM_OK)
		goto fail;
	printf("credential activated with the AK at 0x%08x; response written to %s\n",
	       ak_handle, out);
	free(chal);
	return SDM_EXIT_OK;
usage:
	fputs(PROVISION_USAGE, stderr);
	return SDM_EXIT_USAGE;
fail:
	sdm_tss_close(&s);
	Esys_Free(cert_info);
	free(chal);
	fprintf(stderr, "sdm tpm activate: %s\n", err.msg);
	return SDM_EXIT_FAILURE;
}

/* ---------------------------------------------------------------- quote */

int sdm_cmd_attest_quote(int argc, char **argv)
{
	const char *tcti = NULL, *out = NULL, *nonce_hex = NULL;
	const char *report_path = NULL, *log_path = NULL;
	uint32_t ak_handle = ATT_AK_HANDLE;
	uint8_t nonce[ATT_NONCE_MAX], *report = NULL, *log = NULL;
	uint8_t *bundle = NULL, qd[ATT_NONCE_MAX + 32], sig[ATT_MAX_SIGNATURE];
	size_t nonce_len = 0, report_len = 0, log_len = 0, sig_len = 0;
	size_t bundle_len = 0, cap;
	struct att_report *rep = NULL;
	struct att_public akp;
	uint8_t akpub[ATT_MAX_PUBLIC];
	size_t akpub_len = 0;
	struct sdm_tss s = { 0 };
	struct sdm_err err = { 0 }, e = { 0 };
	ESYS_TR ak = ESYS_TR_NONE, sess = ESYS_TR_NONE, auth = ESYS_TR_PASSWORD;
	TPM2B_DATA qual = { .size = 32 };
	TPMT_SIG_SCHEME scheme = { .scheme = TPM2_ALG_NULL };
	TPML_PCR_SELECTION sel = { .count = 1 };
	TPM2B_ATTEST *quoted = NULL;
	TPMT_SIGNATURE *signature = NULL;
	struct att_writer w;
	int loc, rc;
	TSS2_RC trc;

	for (int i = 1; i < argc; i++) {
		const char *a = argv[i], *v = i + 1 < argc ? argv[i + 1] : NULL;
		const char **slot = NULL;

		if (strcmp(a, "--help") == 0 || strcmp(a, "-h") == 0) {
			fputs(QUOTE_USAGE, stdout);
			return SDM_EXIT_OK;
		}
		if (strcmp(a, "--ak-handle") == 0 && v != NULL) {
			if (parse_handle(argv[++i], &ak_handle) != 0)
				goto usage;
			continue;
		}
		if (strcmp(a, "--tcti") == 0)
			slot = &tcti;
		else if (strcmp(a, "--out") == 0)
			slot = &out;
		else if (strcmp(a, "--nonce") == 0)
			slot = &nonce_hex;
		else if (strcmp(a, "--report") == 0)
			slot = &report_path;
		else if (strcmp(a, "--eventlog") == 0)
			slot = &log_path;
		if (slot == NULL || v == NULL || *slot != NULL)
			goto usage;
		*slot = v;
		i++;
	}
	if (out == NULL || nonce_hex == NULL || report_path == NULL ||
	    log_path == NULL)
		goto usage;
	if (!attc_unhex(nonce_hex, nonce, sizeof(nonce), &nonce_len) ||
	    nonce_len < ATT_NONCE_MIN) {
		fprintf(stderr, "sdm attest quote: --nonce: %d-%d bytes in hex\n",
			ATT_NONCE_MIN, ATT_NONCE_MAX);
		return SDM_EXIT_USAGE;
	}
	/* What goes into the bundle must itself be well formed. */
	rep = malloc(sizeof(*rep));
	rc = rep == NULL ? sdm_err_set(&err, SDM_ENOMEM, "out of memory") :
			   attc_read_file(report_path, ATT_REPORT_MAX, &report,
					  &report_len, &err);
	if (rc == SDM_OK && att_report_decode(report, report_len, rep, &e) != SDM_OK)
		rc = sdm_err_set(&err, e.code, "%s: %s", report_path, e.msg);
	if (rc == SDM_OK)
		rc = attc_read_file(log_path, EVLOG_MAX_LOG, &log, &log_len, &err);
	if (rc == SDM_OK && evlog_parse(log, log_len, NULL, NULL, &e) != SDM_OK)
		rc = sdm_err_set(&err, e.code, "%s: %s", log_path, e.msg);
	/* Qualifying data = SHA-256(nonce || SHA-256(report)). */
	memcpy(qd, nonce, nonce_len);
	if (rc == SDM_OK && (!attc_sha256(report, report_len, qd + nonce_len) ||
			     !attc_sha256(qd, nonce_len + 32, qual.buffer)))
		rc = sdm_err_set(&err, SDM_EIO, "SHA-256 failed");
	if (rc == SDM_OK)
		rc = sdm_tss_open(sdm_tcti_conf(tcti), true, &s, &err);
	if (rc == SDM_OK)
		rc = read_public(s.ctx, ak_handle, &ak, akpub, &akpub_len, &akp,
				 &err);
	if (rc == SDM_OK)
		rc = attc_check_ak(&akp, &err);
	if (rc != SDM_OK)
		goto fail;
	loc = attc_key_locality(&akp);
	if (loc >= 0) {
		/* The AK signs only at its locality: talk to the TPM there. */
		TPMT_SYM_DEF sym = { .algorithm = TPM2_ALG_NULL };

		trc = Tss2_Tcti_SetLocality(s.tcti, (uint8_t)loc);
		s.locality_set = trc == TSS2_RC_SUCCESS && loc != 0;
		if (trc != TSS2_RC_SUCCESS) {
			rc = sdm_err_set(&err, SDM_EIO,
				"the AK signs only at locality %d and this TCTI cannot select it (0x%x): quotes with it come from dommgr",
				loc, trc);
			goto fail;
		}
		trc = Esys_StartAuthSession(s.ctx, ESYS_TR_NONE, ESYS_TR_NONE,
					    ESYS_TR_NONE, ESYS_TR_NONE,
					    ESYS_TR_NONE, NULL, TPM2_SE_POLICY,
					    &sym, TPM2_ALG_SHA256, &sess);
		if (trc == TSS2_RC_SUCCESS)
			trc = Esys_PolicyLocality(s.ctx, sess, ESYS_TR_NONE,
						  ESYS_TR_NONE, ESYS_TR_NONE,
						  (TPMA_LOCALITY)(1u << loc));
		if (trc == TSS2_RC_SUCCESS)
			trc = Esys_TRSess_SetAttributes(s.ctx, sess, 0,
				TPMA_SESSION_CONTINUESESSION);
		if (trc != TSS2_RC_SUCCESS) {
			flush(s.ctx, &sess);
			rc = sdm_err_set(&err, SDM_EIO,
				"policy session for locality %d failed: 0x%x",
				loc, trc);
			goto fail;
		}
		auth = sess;
	}
	sel.pcrSelections[0].hash = TPM2_ALG_SHA256;
	sel.pcrSelections[0].sizeofSelect = 3;
	sel.pcrSelections[0].pcrSelect[2] = 0x1e; /* PCRs 17-20 */
	trc = Esys_Quote(s.ctx, ak, auth, ESYS_TR_NONE, ESYS_TR_NONE, &qual,
			 &scheme, &sel, &quoted, &signature);
	if (trc != TSS2_RC_SUCCESS) {
		flush(s.ctx, &sess);
		rc = sdm_err_set(&err, SDM_EIO, "TPM2_Quote failed: 0x%x%s", trc,
				 loc >= 0 ? " (at the AK's locality)" : "");
		goto fail;
	}
	trc = Tss2_MU_TPMT_SIGNATURE_Marshal(signature, sig, sizeof(sig),
					     &sig_len);
	sdm_tss_close(&s);
	if (trc != TSS2_RC_SUCCESS) {
		rc = sdm_err_set(&err, SDM_EIO, "marshalling the signature failed");
		goto fail;
	}
	cap = ATT_HDR + 5 * ATT_REC_HDR + nonce_len + quoted->size + sig_len +
	      log_len + report_len;
	bundle = malloc(cap);
	att_writer_init(&w, bundle, bundle != NULL ? cap : 0, ATT_KIND_BUNDLE);
	att_writer_add(&w, ATT_T_BUNDLE_NONCE, nonce, nonce_len);
	att_writer_add(&w, ATT_T_BUNDLE_ATTEST, quoted->attestationData,
		       quoted->size);
	att_writer_add(&w, ATT_T_BUNDLE_SIGNATURE, sig, sig_len);
	att_writer_add(&w, ATT_T_BUNDLE_EVENTLOG, log, log_len);
	att_writer_add(&w, ATT_T_BUNDLE_REPORT, report, report_len);
	rc = att_writer_finish(&w, &bundle_len, &err);
	if (rc == SDM_OK)
		rc = attc_write_file(out, bundle, bundle_len, 0644, &err);
	if (rc != SDM_OK)
		goto fail;
	printf("quoted sha256 PCRs 17-20 with the AK at 0x%08x%s; bundle (%zu bytes) written to %s\n",
	       ak_handle, loc >= 0 ? " (its locality)" : "", bundle_len, out);
	Esys_Free(quoted);
	Esys_Free(signature);
	free(bundle);
	free(report);
	free(log);
	free(rep);
	return SDM_EXIT_OK;
usage:
	fputs(QUOTE_USAGE, stderr);
	return SDM_EXIT_USAGE;
fail:
	sdm_tss_close(&s);
	Esys_Free(quoted);
	Esys_Free(signature);
	free(bundle);
	free(report);
	free(log);
	free(rep);
	fprintf(stderr, "sdm attest quote: %s\n", err.msg);
	return SDM_EXIT_FAILURE;
}
