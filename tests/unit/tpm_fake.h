/*
 * Shared by the TPM 2.0 unit tests that compare our commands with
 * tpm2-tss's marshalling library (test_tpm2_marshal.c, test_rollback.c):
 *   - struct mb, a message built with libtss2-mu (mb_hdr, mb_u32, mb_u16,
 *     then mb_done to patch the size field; mb_rc for a bare response);
 *   - the fake TPM fk behind transport tr: records the commands sent
 *     (assert_cmd), answers from a queue of responses (queue); setup()
 *     empties it and clears err.
 * Everything is static (inline where a test may not use it): include it
 * once, from the test's .c file.
 */
#ifndef SDM_TESTS_UNIT_TPM_FAKE_H
#define SDM_TESTS_UNIT_TPM_FAKE_H

#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>
#include <cmocka.h>
#include <tss2/tss2_mu.h>
#include "tpm/tpm.h"

#define MU(call) assert_int_equal((call), TSS2_RC_SUCCESS)
#define MAX_X 16

/* A message built with libtss2-mu. */
struct mb {
	uint8_t b[2048];
	size_t off;
};

static inline void mb_hdr(struct mb *m, TPM2_ST tag, uint32_t code)
{
	m->off = 0;
	MU(Tss2_MU_TPM2_ST_Marshal(tag, m->b, sizeof(m->b), &m->off));
	MU(Tss2_MU_UINT32_Marshal(0, m->b, sizeof(m->b), &m->off));
	MU(Tss2_MU_UINT32_Marshal(code, m->b, sizeof(m->b), &m->off));
}

/* Patch the size field with `size` (normally m->off). */
static inline void mb_size(struct mb *m, uint32_t size)
{
	size_t o = 2;

	MU(Tss2_MU_UINT32_Marshal(size, m->b, sizeof(m->b), &o));
}

static inline void mb_done(struct mb *m)
{
	mb_size(m, (uint32_t)m->off);
}

static inline void mb_u32(struct mb *m, uint32_t v)
{
	MU(Tss2_MU_UINT32_Marshal(v, m->b, sizeof(m->b), &m->off));
}

static inline void mb_u16(struct mb *m, uint16_t v)
{
	MU(Tss2_MU_UINT16_Marshal(v, m->b, sizeof(m->b), &m->off));
}

/* A bare response header: rc, tag NO_SESSIONS. */
static inline void mb_rc(struct mb *m, uint32_t rc)
{
	mb_hdr(m, TPM2_ST_NO_SESSIONS, rc);
	mb_done(m);
}

/* The fake TPM: records commands, answers from a queue. */
struct fake {
	struct mb rsp[MAX_X];
	unsigned nrsp, next;
	struct mb cmd[MAX_X];
	unsigned ncmd;
	unsigned locality;
};

static inline int fake_xfer(void *ctx, unsigned locality, const uint8_t *cmd,
			    size_t cmd_len, uint8_t *rsp, size_t rsp_cap,
			    size_t *rsp_len, struct sdm_err *err)
{
	struct fake *f = ctx;
	struct mb *m;

	assert_true(f->ncmd < MAX_X && cmd_len <= sizeof(f->cmd[0].b));
	memcpy(f->cmd[f->ncmd].b, cmd, cmd_len);
	f->cmd[f->ncmd++].off = cmd_len;
	f->locality = locality;
	if (f->next >= f->nrsp)
		fail_msg("command %u sent, only %u responses queued", f->ncmd,
			 f->nrsp);
	m = &f->rsp[f->next++];
	assert_true(m->off <= rsp_cap);
	memcpy(rsp, m->b, m->off);
	*rsp_len = m->off;
	return SDM_OK;
}

static struct fake fk;
static struct tpm_transport tr = { "fake", &fk, fake_xfer };
static struct sdm_err err;

static inline int setup(void **state)
{
	memset(&fk, 0, sizeof(fk));
	memset(&err, 0, sizeof(err));
	return 0;
}

static inline struct mb *queue(void)
{
	assert_true(fk.nrsp < MAX_X);
	return &fk.rsp[fk.nrsp++];
}

static inline void assert_cmd(unsigned i, const struct mb *want)
{
	assert_true(i < fk.ncmd);
	assert_int_equal(fk.cmd[i].off, want->off);
	assert_memory_equal(fk.cmd[i].b, want->b, want->off);
}

static inline void pattern(uint8_t *p, size_t n, uint8_t seed)
{
	for (size_t i = 0; i < n; i++)
		p[i] = (uint8_t)(seed + 7 * i);
}

#endif
