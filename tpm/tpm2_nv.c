/*
 * TPM 2.0 NV and policy-session commands for the rollback counter
 * (tpm/tpm2_nv.h), TCG TPM 2.0 Library Part 3: TPM2_StartAuthSession,
 * TPM2_PolicyLocality, TPM2_FlushContext, TPM2_NV_ReadPublic, TPM2_NV_Read,
 * TPM2_NV_Increment.
 */
#include <stdio.h>
#include <string.h>
#include "tpm/tpm2_nv.h"

#define CMD_NV 128
#define RSP_NV 512

const uint8_t sdm_rollback_nv_policy[32] = {
	0x77, 0x64, 0x49, 0x1d, 0x5a, 0xfe, 0x71, 0x90, 0x35, 0xc0, 0xc0,
	0x9f, 0xaa, 0x90, 0xc3, 0x49, 0x0a, 0x74, 0x75, 0xd6, 0xdf, 0x42,
	0x2b, 0x80, 0x4e, 0x8f, 0x68, 0xaa, 0x65, 0xf8, 0x93, 0x4f,
};

int tpm2_nv_read_public(const struct tpm_transport *t, unsigned loc,
			uint32_t index, struct tpm2_nv_public *out,
			struct sdm_err *err)
{
	static const char name[] = "TPM2_NV_ReadPublic";
	uint8_t c[CMD_NV], rsp[RSP_NV];
	struct tpm2_nv_public p;
	struct tpm_buf b;
	struct tpm_rd r;
	size_t at, end;
	uint16_t size;
	int rc;

	tpm_buf_init(&b, c, sizeof(c));
	tpm_buf_cmd_start(&b, TPM20_ST_NO_SESSIONS, TPM20_CC_NV_READ_PUBLIC);
	tpm_buf_u32(&b, index);
	rc = tpm2_transact(t, loc, name, &b, rsp, sizeof(rsp), &r, err);
	if (rc != SDM_OK)
		return rc;
	memset(&p, 0, sizeof(p));
	/* TPM2B_NV_PUBLIC: size, then TPMS_NV_PUBLIC of exactly that size. */
	at = r.off;
	size = tpm_rd_u16(&r, "nvPublic size");
	if (!r.bad && size > tpm_rd_left(&r))
		return tpm_rd_fail(&r, at, SDM_ERANGE,
				   "nvPublic size %u exceeds the %zu bytes left",
				   size, tpm_rd_left(&r));
	end = r.off + size;
	at = r.off;
	p.index = tpm_rd_u32(&r, "nvIndex");
	if (!r.bad && p.index != index)
		return tpm_rd_fail(&r, at, SDM_EINVAL,
				   "nvIndex 0x%08x, asked for 0x%08x", p.index,
				   index);
	at = r.off;
	p.name_alg = tpm_rd_u16(&r, "nameAlg");
	if (!r.bad && tpm2_alg_digest_size(p.name_alg) == 0)
		return tpm_rd_fail(&r, at, SDM_EINVAL,
				   "nameAlg 0x%04x is not a known hash",
				   p.name_alg);
	p.attributes = tpm_rd_u32(&r, "attributes");
	at = r.off;
	p.policy_size = tpm_rd_tpm2b(&r, "authPolicy", p.policy,
				     sizeof(p.policy));
	if (!r.bad && p.policy_size != 0 &&
	    p.policy_size != tpm2_alg_digest_size(p.name_alg))
		return tpm_rd_fail(&r, at, SDM_EINVAL,
				   "authPolicy of %u bytes for nameAlg %s",
				   p.policy_size, tpm2_alg_name(p.name_alg));
	p.data_size = tpm_rd_u16(&r, "dataSize");
	if (!r.bad && r.off != end)
		return tpm_rd_fail(&r, r.off, SDM_EINVAL,
				   "nvPublic ends at 0x%zx, its size says 0x%zx",
				   r.off, end);
	/* TPM2B_NAME: nameAlg, then its digest of the public area. */
	at = r.off;
	p.name_size = tpm_rd_tpm2b(&r, "nvName", p.name, sizeof(p.name));
	if (!r.bad &&
	    (p.name_size != 2 + tpm2_alg_digest_size(p.name_alg) ||
	     (p.name[0] << 8 | p.name[1]) != p.name_alg))
		return tpm_rd_fail(&r, at, SDM_EINVAL,
				   "nvName of %u bytes is not a %s Name",
				   p.name_size, tpm2_alg_name(p.name_alg));
	rc = tpm_rd_end(&r);
	if (rc != SDM_OK)
		return rc;
	*out = p;
	return SDM_OK;
}

int tpm2_nv_read(const struct tpm_transport *t, unsigned loc, uint32_t index,
		 uint16_t size, uint16_t offset, void *out,
		 struct sdm_err *err)
{
	static const char name[] = "TPM2_NV_Read";
	uint8_t c[CMD_NV], rsp[RSP_NV], data[TPM20_MAX_NV_READ];
	struct tpm_buf b;
	struct tpm_rd r;
	size_t at, end;
	uint16_t got;
	int rc;

	if (size == 0 || size > TPM20_MAX_NV_READ)
		return sdm_err_set(err, SDM_EINVAL,
				   "%s: %u bytes asked, 1..%u allowed", name,
				   size, TPM20_MAX_NV_READ);
	tpm_buf_init(&b, c, sizeof(c));
	tpm_buf_cmd_start(&b, TPM20_ST_SESSIONS, TPM20_CC_NV_READ);
	tpm_buf_u32(&b, index); /* authHandle: the index (AUTHREAD) */
	tpm_buf_u32(&b, index); /* nvIndex */
	tpm2_put_pw_session(&b, NULL, 0);
	tpm_buf_u16(&b, size);
	tpm_buf_u16(&b, offset);
	rc = tpm2_transact(t, loc, name, &b, rsp, sizeof(rsp), &r, err);
	if (rc != SDM_OK)
		return rc;
	tpm2_rd_params_begin(&r, &end);
	at = r.off;
	got = tpm_rd_tpm2b(&r, "data", data, sizeof(data));
	if (!r.bad && got != size)
		return tpm_rd_fail(&r, at, SDM_EINVAL,
				   "data of %u bytes, asked for %u", got, size);
	rc = tpm2_rd_params_end(&r, end, 1);
	if (rc != SDM_OK)
		return rc;
	memcpy(out, data, size);
	return SDM_OK;
}

int tpm2_nv_read_counter(const struct tpm_transport *t, unsigned loc,
			 uint32_t index, uint64_t *value, struct sdm_err *err)
{
	uint8_t v[8];
	uint64_t x = 0;
	int rc = tpm2_nv_read(t, loc, index, sizeof(v), 0, v, err);

	if (rc != SDM_OK)
		return rc;
	for (unsigned i = 0; i < sizeof(v); i++)
		x = x << 8 | v[i];
	*value = x;
	return SDM_OK;
}

int tpm2_nv_increment_policy(const struct tpm_transport *t, unsigned loc,
			     uint32_t index, uint32_t session,
			     struct sdm_err *err)
{
	uint8_t c[CMD_NV], rsp[RSP_NV];
	struct tpm_buf b;
	struct tpm_rd r;
	size_t end, at;
	int rc;

	tpm_buf_init(&b, c, sizeof(c));
	tpm_buf_cmd_start(&b, TPM20_ST_SESSIONS, TPM20_CC_NV_INCREMENT);
	tpm_buf_u32(&b, index); /* authHandle: the index (policy) */
	tpm_buf_u32(&b, index); /* nvIndex */
	at = b.len;
	tpm_buf_u32(&b, 0);	   /* authorizationSize */
	tpm_buf_u32(&b, session);  /* sessionHandle */
	tpm_buf_tpm2b(&b, NULL, 0); /* nonceCaller */
	tpm_buf_u8(&b, 0);	   /* sessionAttributes: not continued */
	tpm_buf_tpm2b(&b, NULL, 0); /* hmac: none in a policy session */
	tpm_buf_set_u32(&b, at, (uint32_t)(b.len - at - 4));
	rc = tpm2_transact(t, loc, "TPM2_NV_Increment", &b, rsp, sizeof(rsp),
			   &r, err);
	if (rc != SDM_OK)
		return rc;
	tpm2_rd_params_begin(&r, &end);
	return tpm2_rd_params_end(&r, end, 1);
}

int tpm2_nv_increment_loc3(const struct tpm_transport *t, unsigned loc,
			   uint32_t index, const void *nonce, size_t nonce_len,
			   struct sdm_err *err)
{
	uint32_t s = 0;
	int rc;

	rc = tpm2_start_policy_session(t, loc, nonce, nonce_len, &s, err);
	if (rc != SDM_OK)
		return rc;
	rc = tpm2_policy_locality(t, loc, s, TPM20_LOC_THREE, err);
	if (rc != SDM_OK) {
		struct sdm_err e2;

		tpm2_flush_context(t, loc, s, &e2);
		return rc;
	}
	rc = tpm2_nv_increment_policy(t, loc, index, s, err);
	/*
	 * The session was not continued: the TPM flushed it with the
	 * command, successful or not, unless the command never reached the
	 * session (a handle or format error): flush it then; a TPM_RC_HANDLE
	 * for the already flushed session is harmless.
	 */
	if (rc != SDM_OK) {
		struct sdm_err e2;

		tpm2_flush_context(t, loc, s, &e2);
	}
	return rc;
}

int sdm_rollback_check_public(const struct tpm2_nv_public *pub,
			      struct sdm_err *err)
{
	uint32_t a = pub->attributes & ~TPM20_NV_WRITTEN;

	if (pub->index != SDM_ROLLBACK_NV_INDEX)
		return sdm_err_set(err, SDM_EINVAL,
				   "rollback counter: index 0x%08x, expected "
				   "0x%08x", pub->index, SDM_ROLLBACK_NV_INDEX);
	if ((a & TPM20_NV_TPM_NT_MASK) != TPM20_NV_TPM_NT_COUNTER)
		return sdm_err_set(err, SDM_EINVAL,
				   "rollback counter 0x%08x: not a counter "
				   "(TPM_NT %u)", pub->index,
				   (a & TPM20_NV_TPM_NT_MASK) >> 4);
	if (a != SDM_ROLLBACK_NV_ATTRS)
		return sdm_err_set(err, SDM_EINVAL,
				   "rollback counter 0x%08x: attributes 0x%08x, "
				   "expected 0x%08x (plus WRITTEN): not "
				   "trusted", pub->index, pub->attributes,
				   SDM_ROLLBACK_NV_ATTRS);
	if (pub->name_alg != TPM20_ALG_SHA256)
		return sdm_err_set(err, SDM_EINVAL,
				   "rollback counter 0x%08x: nameAlg %s, expected "
				   "SHA256: not trusted", pub->index,
				   tpm2_alg_name(pub->name_alg));
	if (pub->policy_size != sizeof(sdm_rollback_nv_policy) ||
	    memcmp(pub->policy, sdm_rollback_nv_policy,
		   sizeof(sdm_rollback_nv_policy)) != 0)
		return sdm_err_set(err, SDM_EINVAL,
				   "rollback counter 0x%08x: authPolicy is not "
				   "PolicyLocality(3): not trusted", pub->index);
	if (pub->data_size != 8)
		return sdm_err_set(err, SDM_EINVAL,
				   "rollback counter 0x%08x: dataSize %u, "
				   "expected 8", pub->index, pub->data_size);
	if (!(pub->attributes & TPM20_NV_WRITTEN))
		return sdm_err_set(err, SDM_ENOENT,
				   "rollback counter 0x%08x: defined but never "
				   "incremented (sdm tpm counter define does "
				   "that)", pub->index);
	return SDM_OK;
}
