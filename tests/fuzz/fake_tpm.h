/*
 * The fake TPM transport shared by the TPM fuzz targets (fuzz_tpm_nv.c,
 * fuzz_tpm_rsp.c): the fuzzer's input, after the selector byte, is the
 * TPM's responses.  fake_xfer checks that the command sent is well formed
 * and hands out the responses: when slice is set, consecutive ones, each
 * as long as its header's size field says (clamped to what is left);
 * otherwise every command gets all the rest.
 *
 * The including file defines MAX_CALLS (the commands answered per input)
 * before including this header.
 */
#ifndef SDM_TESTS_FUZZ_FAKE_TPM_H
#define SDM_TESTS_FUZZ_FAKE_TPM_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "tpm/tpm.h"

#ifndef MAX_CALLS
#error "define MAX_CALLS before including fake_tpm.h"
#endif

#define CHECK(c)                         \
	do {                             \
		if (!(c))                \
			__builtin_trap(); \
	} while (0)

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

struct src {
	const uint8_t *p;
	size_t n;
	bool slice;
	unsigned calls;
};

static int fake_xfer(void *ctx, unsigned locality, const uint8_t *cmd,
		     size_t cmd_len, uint8_t *rsp, size_t rsp_cap,
		     size_t *rsp_len, struct sdm_err *err)
{
	struct src *s = ctx;
	size_t len;

	/* What we send is well formed: header size = length. */
	CHECK(cmd_len >= 10 && cmd_len <= TPM_MAX_COMMAND);
	CHECK(((size_t)cmd[2] << 24 | (size_t)cmd[3] << 16 |
	       (size_t)cmd[4] << 8 | cmd[5]) == cmd_len);
	CHECK(locality <= 4);
	if (++s->calls > MAX_CALLS || s->n == 0)
		return sdm_err_set(err, SDM_EIO, "fake: no response left");
	len = s->n;
	if (s->slice && s->n >= 6) {
		size_t size = (size_t)s->p[2] << 24 | (size_t)s->p[3] << 16 |
			      (size_t)s->p[4] << 8 | s->p[5];

		if (size >= 10 && size <= s->n)
			len = size;
	}
	if (len > rsp_cap)
		return sdm_err_set(err, SDM_ERANGE, "fake: %zu > %zu", len,
				   rsp_cap);
	memcpy(rsp, s->p, len);
	*rsp_len = len;
	if (s->slice) {
		s->p += len;
		s->n -= len;
	}
	return SDM_OK;
}

/*
 * Points s at a heap copy of exactly the responses (data after the
 * selector byte, size >= 1), so ASan sees past-the-end; slice from the
 * selector's bit 4.  Returns the copy, for free().
 */
static uint8_t *fake_src_load(struct src *s, const uint8_t *data, size_t size)
{
	uint8_t *copy = malloc(size - 1 != 0 ? size - 1 : 1);

	CHECK(copy != NULL);
	memcpy(copy, data + 1, size - 1);
	s->p = copy;
	s->n = size - 1;
	s->slice = (data[0] & 0x10) != 0;
	return copy;
}

/* A failure comes with its code and a message; a positive one is a TPM rc. */
static void fake_check_rc(int rc, const struct sdm_err *err)
{
	if (rc != SDM_OK) {
		CHECK(err->code == rc);
		CHECK(err->msg[0] != '\0');
		CHECK(strnlen(err->msg, sizeof(err->msg)) < sizeof(err->msg));
		CHECK(rc < 0 || rc <= 0xfff);
	}
}

#endif
