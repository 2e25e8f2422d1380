/*
 * Policy rollback protection (docs/policy.md "Rollback protection"):
 *   - the NV and session commands of tpm/tpm2_nv.c against tpm2-tss's
 *     marshalling library, byte for byte, and their responses built with
 *     it;
 *   - every response parser on malformed input: every truncation, sizes
 *     beyond the buffer, wrong tags, wrong values, trailing bytes;
 *   - the increment sequence flushing its session on failure;
 *   - the counter's trust check and authPolicy digest (recomputed with
 *     OpenSSL);
 *   - the decision (policy/policy_check.c): older refused, equal
 *     accepted, newer advanced (at most 64 steps per boot);
 *   - against a real swtpm: defined by the host tool's code (sdm tpm
 *     counter define over a TCTI), read at locality 3, incremented with
 *     the PolicyLocality session at locality 3, refused at locality 0.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>
#include <cmocka.h>
#include <openssl/evp.h>
#include <tss2/tss2_mu.h>
#include "policy/policy_check.h"
#include "tools/sdm/cmds.h"
#include "tpm/host/swtpm.h"
#include "tpm/tpm2_nv.h"
#include "tpm_fake.h"
#include "swtpm_test.h"

#define IDX SDM_ROLLBACK_NV_INDEX

/* Authorization area with one session (size, TPMS_AUTH_COMMAND). */
static void mb_auth(struct mb *m, uint32_t session)
{
	TPMS_AUTH_COMMAND auth = { .sessionHandle = session };
	uint8_t tmp[128];
	size_t alen = 0;

	MU(Tss2_MU_TPMS_AUTH_COMMAND_Marshal(&auth, tmp, sizeof(tmp), &alen));
	mb_u32(m, (uint32_t)alen);
	MU(Tss2_MU_TPMS_AUTH_COMMAND_Marshal(&auth, m->b, sizeof(m->b),
					     &m->off));
}

/* The password/policy session's response: empty nonce and hmac. */
static void mb_auth_rsp(struct mb *m)
{
	TPMS_AUTH_RESPONSE a = { .sessionAttributes = 0 };

	MU(Tss2_MU_TPMS_AUTH_RESPONSE_Marshal(&a, m->b, sizeof(m->b),
					      &m->off));
}

/* ------------------------------------------------ well-formed exchanges */

static void good_public(TPM2B_NV_PUBLIC *p, TPMA_NV attrs)
{
	memset(p, 0, sizeof(*p));
	p->nvPublic.nvIndex = IDX;
	p->nvPublic.nameAlg = TPM2_ALG_SHA256;
	p->nvPublic.attributes = attrs;
	p->nvPublic.authPolicy.size = 32;
	memcpy(p->nvPublic.authPolicy.buffer, sdm_rollback_nv_policy, 32);
	p->nvPublic.dataSize = 8;
}

/* A ReadPublic response with the given public area and a Name of nsz. */
static void rsp_read_public(struct mb *m, const TPM2B_NV_PUBLIC *p,
			    uint16_t name_alg, uint16_t nsz)
{
	TPM2B_NAME name = { .size = nsz };

	name.name[0] = (uint8_t)(name_alg >> 8);
	name.name[1] = (uint8_t)name_alg;
	for (unsigned i = 2; i < nsz; i++)
		name.name[i] = (uint8_t)i;
	mb_hdr(m, TPM2_ST_NO_SESSIONS, TPM2_RC_SUCCESS);
	MU(Tss2_MU_TPM2B_NV_PUBLIC_Marshal(p, m->b, sizeof(m->b), &m->off));
	MU(Tss2_MU_TPM2B_NAME_Marshal(&name, m->b, sizeof(m->b), &m->off));
	mb_done(m);
}

static void test_read_public(void **state)
{
	TPM2B_NV_PUBLIC p;
	struct tpm2_nv_public got;
	struct mb want;

	good_public(&p, SDM_ROLLBACK_NV_ATTRS | TPM20_NV_WRITTEN);
	rsp_read_public(queue(), &p, TPM2_ALG_SHA256, 34);
	assert_int_equal(tpm2_nv_read_public(&tr, 3, IDX, &got, &err), SDM_OK);
	mb_hdr(&want, TPM2_ST_NO_SESSIONS, TPM2_CC_NV_ReadPublic);
	mb_u32(&want, IDX);
	mb_done(&want);
	assert_cmd(0, &want);
	assert_int_equal(fk.locality, 3);
	assert_int_equal(got.index, IDX);
	assert_int_equal(got.name_alg, TPM20_ALG_SHA256);
	assert_int_equal(got.attributes, SDM_ROLLBACK_NV_ATTRS | TPM20_NV_WRITTEN);
	assert_int_equal(got.policy_size, 32);
	assert_memory_equal(got.policy, sdm_rollback_nv_policy, 32);
	assert_int_equal(got.data_size, 8);
	assert_int_equal(got.name_size, 34);
	assert_int_equal(sdm_rollback_check_public(&got, &err), SDM_OK);
	/* Our attribute constants are tpm2-tss's. */
	assert_int_equal(SDM_ROLLBACK_NV_ATTRS,
			 TPMA_NV_POLICYWRITE | TPM2_NT_COUNTER << TPMA_NV_TPM2_NT_SHIFT |
				 TPMA_NV_AUTHREAD | TPMA_NV_NO_DA);
	assert_int_equal(TPM20_NV_WRITTEN, TPMA_NV_WRITTEN);
	assert_int_equal(TPM20_NV_OWNERWRITE, TPMA_NV_OWNERWRITE);
}

static void want_nv_read(struct mb *m, uint16_t size, uint16_t offset)
{
	mb_hdr(m, TPM2_ST_SESSIONS, TPM2_CC_NV_Read);
	mb_u32(m, IDX);
	mb_u32(m, IDX);
	mb_auth(m, TPM2_RS_PW);
	mb_u16(m, size);
	mb_u16(m, offset);
	mb_done(m);
}

/* An NV_Read response carrying data[0..n). */
static void rsp_nv_read(struct mb *m, const uint8_t *data, uint16_t n)
{
	TPM2B_MAX_NV_BUFFER d = { .size = n };
	size_t at;

	memcpy(d.buffer, data, n);
	mb_hdr(m, TPM2_ST_SESSIONS, TPM2_RC_SUCCESS);
	at = m->off;
	mb_u32(m, 0);
	MU(Tss2_MU_TPM2B_MAX_NV_BUFFER_Marshal(&d, m->b, sizeof(m->b), &m->off));
	{
		size_t o = at;

		MU(Tss2_MU_UINT32_Marshal((uint32_t)(m->off - at - 4), m->b,
					  sizeof(m->b), &o));
	}
	mb_auth_rsp(m);
	mb_done(m);
}

static const uint8_t c258[8] = { 0, 0, 0, 0, 0, 0, 1, 2 };

static void test_read_counter(void **state)
{
	struct mb want;
	uint64_t v = 0;

	rsp_nv_read(queue(), c258, 8);
	assert_int_equal(tpm2_nv_read_counter(&tr, 3, IDX, &v, &err), SDM_OK);
	assert_int_equal(v, 258);
	want_nv_read(&want, 8, 0);
	assert_cmd(0, &want);
	/* Bounds of the caller's request, before anything is sent. */
	assert_int_equal(tpm2_nv_read(&tr, 0, IDX, 0, 0, &v, &err), SDM_EINVAL);
	assert_int_equal(tpm2_nv_read(&tr, 0, IDX, TPM20_MAX_NV_READ + 1, 0, &v,
				      &err), SDM_EINVAL);
	assert_int_equal(fk.ncmd, 1);
}

static void want_start(struct mb *m, const uint8_t *nonce, uint16_t n)
{
	TPM2B_NONCE nc = { .size = n };
	TPM2B_ENCRYPTED_SECRET salt = { .size = 0 };
	TPMT_SYM_DEF sym = { .algorithm = TPM2_ALG_NULL };

	memcpy(nc.buffer, nonce, n);
	mb_hdr(m, TPM2_ST_NO_SESSIONS, TPM2_CC_StartAuthSession);
	mb_u32(m, TPM2_RH_NULL);
	mb_u32(m, TPM2_RH_NULL);
	MU(Tss2_MU_TPM2B_NONCE_Marshal(&nc, m->b, sizeof(m->b), &m->off));
	MU(Tss2_MU_TPM2B_ENCRYPTED_SECRET_Marshal(&salt, m->b, sizeof(m->b),
						  &m->off));
	MU(Tss2_MU_TPM2_SE_Marshal(TPM2_SE_POLICY, m->b, sizeof(m->b), &m->off));
	MU(Tss2_MU_TPMT_SYM_DEF_Marshal(&sym, m->b, sizeof(m->b), &m->off));
	MU(Tss2_MU_TPMI_ALG_HASH_Marshal(TPM2_ALG_SHA256, m->b, sizeof(m->b),
					 &m->off));
	mb_done(m);
}

static void rsp_start(struct mb *m, uint32_t handle, uint16_t nonce_size)
{
	TPM2B_NONCE nc = { .size = nonce_size };

	memset(nc.buffer, 0x5a, sizeof(nc.buffer));
	mb_hdr(m, TPM2_ST_NO_SESSIONS, TPM2_RC_SUCCESS);
	mb_u32(m, handle);
	MU(Tss2_MU_TPM2B_NONCE_Marshal(&nc, m->b, sizeof(m->b), &m->off));
	mb_done(m);
}

static const uint8_t nonce16[16] = { 1, 2, 3, 4, 5, 6, 7, 8,
				     9, 10, 11, 12, 13, 14, 15, 16 };

static void want_policy_locality(struct mb *m, uint32_t s)
{
	mb_hdr(m, TPM2_ST_NO_SESSIONS, TPM2_CC_PolicyLocality);
	mb_u32(m, s);
	MU(Tss2_MU_TPMA_LOCALITY_Marshal(TPMA_LOCALITY_TPM2_LOC_THREE, m->b,
					 sizeof(m->b), &m->off));
	mb_done(m);
}

static void want_increment(struct mb *m, uint32_t s)
{
	mb_hdr(m, TPM2_ST_SESSIONS, TPM2_CC_NV_Increment);
	mb_u32(m, IDX);
	mb_u32(m, IDX);
	mb_auth(m, s);
	mb_done(m);
}

static void rsp_sessions_empty(struct mb *m)
{
	mb_hdr(m, TPM2_ST_SESSIONS, TPM2_RC_SUCCESS);
	mb_u32(m, 0);
	mb_auth_rsp(m);
	mb_done(m);
}

static void want_flush(struct mb *m, uint32_t h)
{
	mb_hdr(m, TPM2_ST_NO_SESSIONS, TPM2_CC_FlushContext);
	mb_u32(m, h);
	mb_done(m);
}

static void test_increment_sequence(void **state)
{
	struct mb want;
	const uint32_t s = 0x03000000;

	rsp_start(queue(), s, 32);
	mb_rc(queue(), TPM2_RC_SUCCESS);
	rsp_sessions_empty(queue());
	assert_int_equal(tpm2_nv_increment_loc3(&tr, 3, IDX, nonce16,
						sizeof(nonce16), &err),
			 SDM_OK);
	assert_int_equal(fk.ncmd, 3);
	want_start(&want, nonce16, sizeof(nonce16));
	assert_cmd(0, &want);
	want_policy_locality(&want, s);
	assert_cmd(1, &want);
	want_increment(&want, s);
	assert_cmd(2, &want);
	assert_int_equal(fk.locality, 3);
}

static void test_increment_flushes(void **state)
{
	struct mb want;
	const uint32_t s = 0x03000001;

	/* PolicyLocality refused: the session is flushed. */
	rsp_start(queue(), s, 16);
	mb_rc(queue(), 0x184); /* TPM_RC_VALUE, parameter 1 */
	mb_rc(queue(), TPM2_RC_SUCCESS);
	assert_int_equal(tpm2_nv_increment_loc3(&tr, 3, IDX, nonce16, 16, &err),
			 0x184);
	assert_int_equal(fk.ncmd, 3);
	want_flush(&want, s);
	assert_cmd(2, &want);

	/* NV_Increment refused (wrong locality): flushed as well. */
	setup(state);
	rsp_start(queue(), s, 16);
	mb_rc(queue(), TPM2_RC_SUCCESS);
	mb_rc(queue(), 0x907);
	mb_rc(queue(), 0x18b); /* already gone: harmless */
	assert_int_equal(tpm2_nv_increment_loc3(&tr, 3, IDX, nonce16, 16, &err),
			 0x907);
	assert_non_null(strstr(err.msg, "TPM_RC_LOCALITY"));
	assert_int_equal(fk.ncmd, 4);
	assert_cmd(3, &want);

	/* StartAuthSession refused: nothing to flush. */
	setup(state);
	mb_rc(queue(), 0x903);
	assert_int_equal(tpm2_nv_increment_loc3(&tr, 3, IDX, nonce16, 16, &err),
			 0x903);
	assert_int_equal(fk.ncmd, 1);
	/* A nonce of the wrong size is the caller's error. */
	assert_int_equal(tpm2_start_policy_session(&tr, 3, nonce16, 15, NULL,
						      &err), SDM_EINVAL);
	assert_int_equal(fk.ncmd, 1);
}

static void test_flush(void **state)
{
	struct mb want;

	mb_rc(queue(), TPM2_RC_SUCCESS);
	assert_int_equal(tpm2_flush_context(&tr, 0, 0x03000002, &err), SDM_OK);
	want_flush(&want, 0x03000002);
	assert_cmd(0, &want);
}

/* ------------------------------------------------ malformed responses */

/*
 * Run one command over response m and expect failure code `code` with a
 * message containing `msg` (NULL: any).
 */
enum which { W_PUBLIC, W_READ, W_START, W_LOCALITY, W_INCREMENT, W_FLUSH };

static int run(enum which w)
{
	struct tpm2_nv_public pub;
	uint32_t s;
	uint64_t v;

	switch (w) {
	case W_PUBLIC: return tpm2_nv_read_public(&tr, 3, IDX, &pub, &err);
	case W_READ: return tpm2_nv_read_counter(&tr, 3, IDX, &v, &err);
	case W_START:
		return tpm2_start_policy_session(&tr, 3, nonce16, 16, &s,
						    &err);
	case W_LOCALITY:
		return tpm2_policy_locality(&tr, 3, 0x03000000, 8, &err);
	case W_INCREMENT:
		return tpm2_nv_increment_policy(&tr, 3, IDX, 0x03000000, &err);
	case W_FLUSH: return tpm2_flush_context(&tr, 3, 0x03000000, &err);
	}
	return 0;
}

static void expect(enum which w, const struct mb *m, int code, const char *msg)
{
	int rc;

	setup(NULL);
	*queue() = *m;
	mb_rc(queue(), TPM2_RC_SUCCESS); /* a flush that may follow */
	rc = run(w);
	if (rc != code || (msg != NULL && strstr(err.msg, msg) == NULL))
		fail_msg("command %d: got %d '%s', expected %d '%s'", w, rc,
			 err.msg, code, msg ? msg : "");
	assert_int_equal(err.code, rc);
}

/* Every proper prefix of a good response (size field patched) fails. */
static void truncations(enum which w, const struct mb *good)
{
	for (size_t len = 10; len < good->off; len++) {
		struct mb m = *good;
		int rc;

		m.off = len;
		mb_size(&m, (uint32_t)len);
		setup(NULL);
		*queue() = m;
		mb_rc(queue(), TPM2_RC_SUCCESS);
		rc = run(w);
		if (rc >= 0)
			fail_msg("command %d truncated to %zu of %zu: %d", w,
				 len, good->off, rc);
		assert_true(err.msg[0] != '\0');
	}
	/* One byte more than the response: trailing bytes. */
	{
		struct mb m = *good;

		m.b[m.off++] = 0;
		mb_done(&m);
		expect(w, &m, SDM_EINVAL, "trailing");
	}
}

/* The response with tag `tag` instead of the right one. */
static void wrong_tag(enum which w, const struct mb *good, uint16_t tag)
{
	struct mb m = *good;

	m.b[0] = (uint8_t)(tag >> 8);
	m.b[1] = (uint8_t)tag;
	expect(w, &m, SDM_EINVAL, "tag 0x");
}

static void test_malformed_read_public(void **state)
{
	TPM2B_NV_PUBLIC p;
	struct mb good, m;

	good_public(&p, SDM_ROLLBACK_NV_ATTRS | TPM20_NV_WRITTEN);
	rsp_read_public(&good, &p, TPM2_ALG_SHA256, 34);
	truncations(W_PUBLIC, &good);
	wrong_tag(W_PUBLIC, &good, TPM2_ST_SESSIONS);
	/* A TPM refusal with a session tag. */
	mb_hdr(&m, TPM2_ST_SESSIONS, 0x18b);
	mb_done(&m);
	expect(W_PUBLIC, &m, SDM_EINVAL, "with responseCode");
	/* nvPublic size beyond the response. */
	m = good;
	m.b[10] = 0x7f;
	expect(W_PUBLIC, &m, SDM_ERANGE, "nvPublic size 32");
	/* nvPublic size shorter than its contents. */
	m = good;
	m.b[11]--;
	expect(W_PUBLIC, &m, SDM_EINVAL, "nvPublic ends at");
	/* Another index. */
	p.nvPublic.nvIndex = IDX + 1;
	rsp_read_public(&m, &p, TPM2_ALG_SHA256, 34);
	expect(W_PUBLIC, &m, SDM_EINVAL, "nvIndex 0x01805345, asked for 0x01805344");
	/* Unknown nameAlg. */
	good_public(&p, SDM_ROLLBACK_NV_ATTRS);
	p.nvPublic.nameAlg = 0x0099;
	rsp_read_public(&m, &p, 0x0099, 34);
	expect(W_PUBLIC, &m, SDM_EINVAL, "nameAlg 0x0099");
	/* authPolicy larger than we keep, and of the wrong size. */
	good_public(&p, SDM_ROLLBACK_NV_ATTRS);
	rsp_read_public(&m, &p, TPM2_ALG_SHA256, 34);
	m.b[22] = 0;
	m.b[23] = TPM20_MAX_DIGEST + 1; /* authPolicy size, at offset 22 */
	expect(W_PUBLIC, &m, SDM_ERANGE, "authPolicy size 65 exceeds 64");
	p.nvPublic.authPolicy.size = 20;
	rsp_read_public(&m, &p, TPM2_ALG_SHA256, 34);
	expect(W_PUBLIC, &m, SDM_EINVAL, "authPolicy of 20 bytes for nameAlg SHA256");
	/* Names: wrong size, wrong algorithm, too large. */
	good_public(&p, SDM_ROLLBACK_NV_ATTRS);
	rsp_read_public(&m, &p, TPM2_ALG_SHA256, 22);
	expect(W_PUBLIC, &m, SDM_EINVAL, "nvName of 22 bytes is not a SHA256 Name");
	rsp_read_public(&m, &p, TPM2_ALG_SHA1, 34);
	expect(W_PUBLIC, &m, SDM_EINVAL, "nvName of 34 bytes");
	rsp_read_public(&m, &p, TPM2_ALG_SHA256, 67);
	expect(W_PUBLIC, &m, SDM_ERANGE, "nvName size 67 exceeds 66");
	/* An empty authPolicy parses (and is then not trusted). */
	p.nvPublic.authPolicy.size = 0;
	rsp_read_public(&m, &p, TPM2_ALG_SHA256, 34);
	expect(W_PUBLIC, &m, SDM_OK, NULL);
}

static void test_malformed_nv_read(void **state)
{
	struct mb good, m;
	size_t end;

	rsp_nv_read(&good, c258, 8);
	truncations(W_READ, &good);
	wrong_tag(W_READ, &good, TPM2_ST_NO_SESSIONS);
	/* parameterSize beyond the response. */
	m = good;
	m.b[10] = 1;
	expect(W_READ, &m, SDM_ERANGE, "parameterSize 16777226 exceeds");
	/* parameterSize shorter than the parameters. */
	m = good;
	m.b[13]--;
	expect(W_READ, &m, SDM_EINVAL, "parameters end at");
	/* Fewer or more bytes than asked for. */
	rsp_nv_read(&m, c258, 4);
	expect(W_READ, &m, SDM_EINVAL, "data of 4 bytes, asked for 8");
	rsp_nv_read(&m, c258, 0);
	expect(W_READ, &m, SDM_EINVAL, "data of 0 bytes");
	/* data beyond what we accept. */
	m = good;
	m.b[14] = 0x01; /* size 0x108 */
	expect(W_READ, &m, SDM_ERANGE, "data size 264 exceeds 64");
	/* The session's response: nonce size past the end. */
	m = good;
	end = m.off;
	m.b[end - 5] = 0x7f;
	expect(W_READ, &m, SDM_ERANGE, NULL);
	/* No session response at all. */
	m = good;
	m.off -= 5;
	mb_done(&m);
	expect(W_READ, &m, SDM_ERANGE, NULL);
	/* TPM refusals come back as the code. */
	mb_rc(&m, 0x14a);
	expect(W_READ, &m, 0x14a, "TPM_RC_NV_UNINITIALIZED");
}

static void test_malformed_sessions(void **state)
{
	struct mb good, m;

	/* StartAuthSession */
	rsp_start(&good, 0x03000000, 32);
	truncations(W_START, &good);
	wrong_tag(W_START, &good, TPM2_ST_SESSIONS);
	rsp_start(&m, 0x02000000, 32);
	expect(W_START, &m, SDM_EINVAL, "sessionHandle 0x02000000 is not a policy session");
	rsp_start(&m, 0x03000000, 15);
	expect(W_START, &m, SDM_EINVAL, "nonceTPM of 15 bytes");
	m = good;
	m.b[14] = 0x40; /* nonce size 0x4020 */
	expect(W_START, &m, SDM_ERANGE, "nonceTPM size 16416 exceeds 64");
	/* Trailing bytes after a good handle: the handle is flushed. */
	m = good;
	m.b[m.off++] = 0;
	mb_done(&m);
	expect(W_START, &m, SDM_EINVAL, "trailing");
	assert_int_equal(fk.ncmd, 2);
	{
		struct mb want;

		want_flush(&want, 0x03000000);
		assert_cmd(1, &want);
	}

	/* PolicyLocality and FlushContext: an empty body. */
	mb_rc(&good, TPM2_RC_SUCCESS);
	truncations(W_LOCALITY, &good);
	wrong_tag(W_LOCALITY, &good, TPM2_ST_SESSIONS);
	truncations(W_FLUSH, &good);
	wrong_tag(W_FLUSH, &good, TPM2_ST_SESSIONS);

	/* NV_Increment: parameterSize 0, one session. */
	rsp_sessions_empty(&good);
	truncations(W_INCREMENT, &good);
	wrong_tag(W_INCREMENT, &good, TPM2_ST_NO_SESSIONS);
	m = good;
	m.b[13] = 4;
	expect(W_INCREMENT, &m, SDM_EINVAL, "parameters end at");
	mb_rc(&m, 0x99d);
	expect(W_INCREMENT, &m, 0x99d, "TPM_RC_POLICY_FAIL");
}

/* ------------------------------------------------ trust and decision */

static void test_policy_digest(void **state)
{
	static const uint8_t tail[5] = { 0x00, 0x00, 0x01, 0x6f,
					 TPM20_LOC_THREE };
	uint8_t zero[32] = { 0 }, h[32];
	EVP_MD_CTX *c = EVP_MD_CTX_new();
	unsigned n = 0;

	assert_non_null(c);
	assert_int_equal(EVP_DigestInit_ex(c, EVP_sha256(), NULL), 1);
	assert_int_equal(EVP_DigestUpdate(c, zero, sizeof(zero)), 1);
	assert_int_equal(EVP_DigestUpdate(c, tail, sizeof(tail)), 1);
	assert_int_equal(EVP_DigestFinal_ex(c, h, &n), 1);
	EVP_MD_CTX_free(c);
	assert_int_equal(n, 32);
	assert_memory_equal(h, sdm_rollback_nv_policy, 32);
	assert_int_equal(TPM20_CC_POLICY_LOCALITY, TPM2_CC_PolicyLocality);
	assert_int_equal(TPM20_LOC_THREE, TPMA_LOCALITY_TPM2_LOC_THREE);
}

static void test_trust(void **state)
{
	struct tpm2_nv_public good = {
		.index = IDX, .name_alg = TPM20_ALG_SHA256,
		.attributes = SDM_ROLLBACK_NV_ATTRS | TPM20_NV_WRITTEN,
		.policy_size = 32, .data_size = 8, .name_size = 34,
	}, p;

	memcpy(good.policy, sdm_rollback_nv_policy, 32);
	assert_int_equal(sdm_rollback_check_public(&good, &err), SDM_OK);
	p = good;
	p.attributes |= TPM20_NV_OWNERWRITE;
	assert_int_equal(sdm_rollback_check_public(&p, &err), SDM_EINVAL);
	assert_string_equal(err.msg, "rollback counter 0x01805344: attributes "
			    "0x2204001a, expected 0x02040018 (plus WRITTEN): "
			    "not trusted");
	p = good;
	p.attributes = (p.attributes & ~TPM20_NV_TPM_NT_MASK); /* ordinary */
	assert_int_equal(sdm_rollback_check_public(&p, &err), SDM_EINVAL);
	assert_string_equal(err.msg, "rollback counter 0x01805344: not a "
			    "counter (TPM_NT 0)");
	p = good;
	p.attributes &= ~TPM20_NV_POLICYWRITE;
	p.attributes |= TPM20_NV_AUTHWRITE;
	assert_int_equal(sdm_rollback_check_public(&p, &err), SDM_EINVAL);
	p = good;
	p.policy[31] ^= 1;
	assert_int_equal(sdm_rollback_check_public(&p, &err), SDM_EINVAL);
	assert_non_null(strstr(err.msg, "authPolicy is not PolicyLocality(3)"));
	p = good;
	p.policy_size = 0;
	assert_int_equal(sdm_rollback_check_public(&p, &err), SDM_EINVAL);
	p = good;
	p.name_alg = TPM20_ALG_SHA384;
	assert_int_equal(sdm_rollback_check_public(&p, &err), SDM_EINVAL);
	assert_non_null(strstr(err.msg, "nameAlg SHA384"));
	p = good;
	p.data_size = 4;
	assert_int_equal(sdm_rollback_check_public(&p, &err), SDM_EINVAL);
	p = good;
	p.index = IDX + 1;
	assert_int_equal(sdm_rollback_check_public(&p, &err), SDM_EINVAL);
	p = good;
	p.attributes &= ~TPM20_NV_WRITTEN;
	assert_int_equal(sdm_rollback_check_public(&p, &err), SDM_ENOENT);
	assert_non_null(strstr(err.msg, "never incremented"));
}

static void test_decide(void **state)
{
	unsigned steps = 99;

	assert_int_equal(sdm_policy_rollback(1, 2, &steps, &err),
			 SDM_ROLLBACK_REFUSE);
	assert_int_equal(steps, 0);
	assert_string_equal(err.msg, "policy: version 1 is older than the TPM "
			    "rollback counter (2): refused (rollback)");
	assert_int_equal(sdm_policy_rollback(0, UINT64_MAX, &steps, &err),
			 SDM_ROLLBACK_REFUSE);
	assert_non_null(strstr(err.msg, "(18446744073709551615)"));
	memset(&err, 0, sizeof(err));
	assert_int_equal(sdm_policy_rollback(5, 5, &steps, &err),
			 SDM_ROLLBACK_CURRENT);
	assert_int_equal(steps, 0);
	assert_int_equal(err.code, SDM_OK);
	assert_int_equal(sdm_policy_rollback(3, 1, &steps, &err),
			 SDM_ROLLBACK_ADVANCE);
	assert_int_equal(steps, 2);
	assert_int_equal(sdm_policy_rollback(65, 1, &steps, &err),
			 SDM_ROLLBACK_ADVANCE);
	assert_int_equal(steps, 64);
	assert_int_equal(sdm_policy_rollback(66, 1, &steps, &err),
			 SDM_ROLLBACK_ADVANCE);
	assert_int_equal(steps, SDM_ROLLBACK_MAX_STEPS);
	assert_int_equal(sdm_policy_rollback(UINT64_MAX, 0, &steps, &err),
			 SDM_ROLLBACK_ADVANCE);
	assert_int_equal(steps, SDM_ROLLBACK_MAX_STEPS);
	assert_int_equal(err.code, SDM_OK);
}

/* ------------------------------------------------ against swtpm */

static struct swtpm sw, sw2;

static int sw_start(void **state)
{
	memset(&err, 0, sizeof(err));
	if (swtpm_start(&sw, true, &err) != SDM_OK) {
		print_error("cannot start swtpm: %s\n", err.msg);
		return -1;
	}
	return 0;
}

static int sw_stop(void **state)
{
	swtpm_stop(&sw2);
	swtpm_stop(&sw);
	return 0;
}

static void test_swtpm(void **state)
{
	const struct tpm_transport *t = swtpm_transport(&sw);
	struct tpm2_nv_public pub;
	char tcti[96];
	bool already, init = false;
	uint64_t v = 0;
	int rc;

	OK(tpm2_startup(t, 0, &already, &err));
	/* Not there yet: TPM_RC_HANDLE. */
	rc = tpm2_nv_read_public(t, 3, IDX, &pub, &err);
	assert_int_equal(rc & 0xbf, TPM20_RC_HANDLE);
	/* swtpm serves one client: hand it to the host tool's TCTI. */
	close(sw.data_fd);
	close(sw.ctrl_fd);
	sw.data_fd = sw.ctrl_fd = -1;
	snprintf(tcti, sizeof(tcti), "swtpm:host=127.0.0.1,port=%u", sw.port);
	OK(cmd_counter_define(tcti, true, &v, &init, &err));
	assert_true(init);
	assert_int_equal(v, 1); /* the highest any counter had here, + 1 */
	OK(cmd_counter_define(tcti, true, &v, &init, &err)); /* again: kept */
	assert_false(init);
	assert_int_equal(v, 1);
	OK(cmd_counter_read(tcti, &v, &err));
	assert_int_equal(v, 1);
	OK(swtpm_connect(&sw2, "127.0.0.1", sw.port, sw.ctrl_port, true, &err));
	t = swtpm_transport(&sw2);

	/* What sinit does, at locality 3. */
	OK(tpm2_nv_read_public(t, 3, IDX, &pub, &err));
	OK(sdm_rollback_check_public(&pub, &err));
	OK(tpm2_nv_read_counter(t, 3, IDX, &v, &err));
	assert_int_equal(v, 1);
	OK(tpm2_nv_increment_loc3(t, 3, IDX, nonce16, 16, &err));
	OK(tpm2_nv_read_counter(t, 0, IDX, &v, &err)); /* anyone reads */
	assert_int_equal(v, 2);
	/* Not at locality 0 (the OS): the policy session fails. */
	rc = tpm2_nv_increment_loc3(t, 0, IDX, nonce16, 16, &err);
	assert_true(rc > 0);
	print_message("increment at locality 0: %s\n", err.msg);
	assert_true((rc & 0xbf) == (TPM20_RC_POLICY_FAIL & 0xbf) ||
		    rc == TPM20_RC_LOCALITY);
	/* Nor with a password (AUTHWRITE is clear): no NV_Increment path
	 * for the owner either; the value stays. */
	OK(tpm2_nv_read_counter(t, 3, IDX, &v, &err));
	assert_int_equal(v, 2);
	/* The failed attempt left no session behind: 64 more work. */
	for (unsigned i = 0; i < 4; i++)
		OK(tpm2_nv_increment_loc3(t, 3, IDX, nonce16, 16, &err));
	OK(tpm2_nv_read_counter(t, 3, IDX, &v, &err));
	assert_int_equal(v, 6);
	/* Reading 8 bytes at offset 1 of an 8-byte counter: refused. */
	{
		uint8_t b[8];

		rc = tpm2_nv_read(t, 3, IDX, 8, 1, b, &err);
		assert_true(rc > 0);
	}
	/* Back to the host tool: advance-to. */
	swtpm_stop(&sw2);
	OK(cmd_counter_advance_to(tcti, 9, &v, &err));
	assert_int_equal(v, 9);
	assert_int_equal(cmd_counter_advance_to(tcti, 3, &v, &err), SDM_ERANGE);
	assert_non_null(strstr(err.msg, "never goes back"));
}

int main(int argc, char **argv)
{
	const struct CMUnitTest fake[] = {
		cmocka_unit_test_setup(test_read_public, setup),
		cmocka_unit_test_setup(test_read_counter, setup),
		cmocka_unit_test_setup(test_increment_sequence, setup),
		cmocka_unit_test_setup(test_increment_flushes, setup),
		cmocka_unit_test_setup(test_flush, setup),
		cmocka_unit_test_setup(test_malformed_read_public, setup),
		cmocka_unit_test_setup(test_malformed_nv_read, setup),
		cmocka_unit_test_setup(test_malformed_sessions, setup),
		cmocka_unit_test_setup(test_policy_digest, setup),
		cmocka_unit_test_setup(test_trust, setup),
		cmocka_unit_test_setup(test_decide, setup),
	};
	const struct CMUnitTest real[] = {
		cmocka_unit_test(test_swtpm),
	};
	int failed = cmocka_run_group_tests_name("rollback (fake TPM)", fake,
						 NULL, NULL);

	return failed + cmocka_run_group_tests_name("rollback (swtpm)", real,
						    sw_start, sw_stop);
}
