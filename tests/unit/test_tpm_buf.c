/* tpm/buf.c: the bounds-checked builder and reader. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <string.h>
#include <cmocka.h>
#include "tpm/buf.h"
#include "tpm/tpm.h"

static void test_put_big_endian(void **state)
{
	static const uint8_t want[] = {
		0x7f, 0x12, 0x34, 0xde, 0xad, 0xbe, 0xef, 0x01, 0x02, 0x03,
		0x04, 0x05, 0x06, 0x07, 0x08, 0xaa, 0xbb, 0x00, 0x02, 0xcc,
		0xdd,
	};
	uint8_t mem[64];
	struct tpm_buf b;

	memset(mem, 0xee, sizeof(mem));
	tpm_buf_init(&b, mem, sizeof(mem));
	tpm_buf_u8(&b, 0x7f);
	tpm_buf_u16(&b, 0x1234);
	tpm_buf_u32(&b, 0xdeadbeef);
	tpm_buf_u64(&b, 0x0102030405060708ull);
	tpm_buf_bytes(&b, "\xaa\xbb", 2);
	tpm_buf_tpm2b(&b, "\xcc\xdd", 2);
	assert_true(tpm_buf_ok(&b));
	assert_int_equal(b.len, sizeof(want));
	assert_memory_equal(mem, want, sizeof(want));
	assert_int_equal(mem[sizeof(want)], 0xee); /* nothing beyond */
}

static void test_overflow_sticks(void **state)
{
	uint8_t mem[16];
	struct tpm_buf b;
	struct sdm_err err = { 0 };

	memset(mem, 0, sizeof(mem));
	tpm_buf_init(&b, mem, 13);
	tpm_buf_cmd_start(&b, 0x8001, 0x17b);
	assert_int_equal(b.len, 10);
	tpm_buf_u16(&b, 0x1111);
	assert_true(tpm_buf_ok(&b));
	tpm_buf_u16(&b, 0x2222); /* 14 > 13 */
	assert_false(tpm_buf_ok(&b));
	assert_int_equal(b.len, 12);
	tpm_buf_u8(&b, 0x33); /* would fit, but overflow sticks */
	assert_int_equal(b.len, 12);
	assert_int_equal(mem[12], 0);
	assert_int_equal(tpm_buf_cmd_finish(&b, "TPM2_GetRandom", &err),
			 SDM_ENOSPC);
	assert_int_equal(err.code, SDM_ENOSPC);
	assert_string_equal(err.msg,
			    "TPM2_GetRandom: command does not fit in 13 bytes");
	/* Starting a new command clears it. */
	tpm_buf_cmd_start(&b, 0x8001, 0x17b);
	tpm_buf_u16(&b, 8);
	assert_int_equal(tpm_buf_cmd_finish(&b, "TPM2_GetRandom", &err),
			 SDM_OK);
	assert_memory_equal(mem, "\x80\x01\x00\x00\x00\x0c\x00\x00\x01\x7b"
				 "\x00\x08", 12);
}

static void test_overflow_whole_items(void **state)
{
	uint8_t mem[8], big[10] = { 0 };
	struct tpm_buf b;

	/* A TPM2B that does not fit leaves nothing (not even its size). */
	tpm_buf_init(&b, mem, sizeof(mem));
	tpm_buf_u32(&b, 1);
	tpm_buf_tpm2b(&b, big, 3); /* 2 + 3 > 4 left */
	assert_false(tpm_buf_ok(&b));
	assert_int_equal(b.len, 4);

	/* A u64 into 7 bytes: nothing written. */
	memset(mem, 0, sizeof(mem));
	tpm_buf_init(&b, mem, 7);
	tpm_buf_u64(&b, ~0ull);
	assert_false(tpm_buf_ok(&b));
	assert_int_equal(b.len, 0);
	assert_int_equal(mem[0], 0);

	/* TPM2B larger than its u16 size field can say. */
	tpm_buf_init(&b, mem, sizeof(mem));
	tpm_buf_tpm2b(&b, big, 0x10000);
	assert_false(tpm_buf_ok(&b));

	/* Patching outside what was written. */
	tpm_buf_init(&b, mem, sizeof(mem));
	tpm_buf_u32(&b, 0);
	tpm_buf_set_u32(&b, 1, 5);
	assert_false(tpm_buf_ok(&b));

	/* No storage at all. */
	tpm_buf_init(&b, NULL, 100);
	tpm_buf_u8(&b, 1);
	assert_false(tpm_buf_ok(&b));
}

static void test_finish_patches_size(void **state)
{
	uint8_t mem[32];
	struct tpm_buf b;

	tpm_buf_init(&b, mem, sizeof(mem));
	tpm_buf_cmd_start(&b, 0x00c1, 0x15);
	tpm_buf_u32(&b, 10);
	assert_int_equal(tpm_buf_cmd_finish(&b, "TPM_PcrRead", NULL), SDM_OK);
	assert_int_equal(b.len, 14);
	assert_memory_equal(mem, "\x00\xc1\x00\x00\x00\x0e\x00\x00\x00\x15"
				 "\x00\x00\x00\x0a", 14);
}

static void test_read_values(void **state)
{
	static const uint8_t in[] = { 0x01, 0x02, 0x03, 0x04, 0x05, 0x06, 0x07,
				      0x08, 0x09, 0x0a, 0x0b, 0x0c, 0x0d, 0x0e,
				      0x0f, 0x00, 0x02, 0xab, 0xcd, 0x99 };
	uint8_t out[4] = { 0 };
	struct tpm_rd r;

	tpm_rd_init(&r, in, sizeof(in), "test", NULL);
	assert_int_equal(tpm_rd_u8(&r, "a"), 0x01);
	assert_int_equal(tpm_rd_u16(&r, "b"), 0x0203);
	assert_int_equal(tpm_rd_u32(&r, "c"), 0x04050607);
	assert_true(tpm_rd_u64(&r, "d") == 0x08090a0b0c0d0e0full);
	assert_int_equal(tpm_rd_tpm2b(&r, "e", out, 2), 2);
	assert_memory_equal(out, "\xab\xcd", 2);
	assert_int_equal(tpm_rd_left(&r), 1);
	assert_true(tpm_rd_skip(&r, "f", 1));
	assert_int_equal(tpm_rd_end(&r), SDM_OK);
}

static void test_read_truncated_sticks(void **state)
{
	static const uint8_t in[] = { 0x00, 0x11, 0x22, 0x33, 0x44, 0x55 };
	uint8_t out[8];
	struct sdm_err err = { 0 };
	struct tpm_rd r;

	tpm_rd_init(&r, in, sizeof(in), "TPM2_Foo response", &err);
	assert_int_equal(tpm_rd_u16(&r, "count"), 0x0011);
	assert_int_equal(tpm_rd_u64(&r, "value"), 0); /* 8 > 4 left */
	assert_true(r.bad);
	assert_int_equal(r.bad_off, 2);
	assert_int_equal(err.code, SDM_ERANGE);
	assert_string_equal(err.msg, "TPM2_Foo response: value truncated "
				     "(needs 8 bytes, 4 left) at offset 0x2");
	/* Later reads that would fit return nothing and change nothing. */
	memset(out, 0x5a, sizeof(out));
	assert_int_equal(tpm_rd_u8(&r, "x"), 0);
	assert_false(tpm_rd_bytes(&r, "y", out, 1));
	assert_int_equal(out[0], 0x5a);
	assert_int_equal(r.off, 2);
	assert_int_equal(tpm_rd_left(&r), 0);
	assert_int_equal(tpm_rd_fail(&r, 5, SDM_EINVAL, "later"), SDM_ERANGE);
	assert_int_equal(r.bad_off, 2);
	assert_int_equal(tpm_rd_end(&r), SDM_ERANGE);
	assert_non_null(strstr(err.msg, "value truncated"));
}

static void test_read_tpm2b_limit(void **state)
{
	static const uint8_t in[] = { 0x00, 0x05, 1, 2, 3, 4, 5 };
	uint8_t out[8];
	struct sdm_err err = { 0 };
	struct tpm_rd r;

	tpm_rd_init(&r, in, sizeof(in), "rsp", &err);
	assert_int_equal(tpm_rd_tpm2b(&r, "digest", out, 4), 0);
	assert_int_equal(err.code, SDM_ERANGE);
	assert_string_equal(err.msg,
			    "rsp: digest size 5 exceeds 4 at offset 0x0");

	tpm_rd_init(&r, in, sizeof(in), "rsp", &err);
	assert_int_equal(tpm_rd_tpm2b(&r, "digest", out, 5), 5);
	assert_memory_equal(out, "\1\2\3\4\5", 5);
	assert_int_equal(tpm_rd_end(&r), SDM_OK);

	/* The size says more than there is. */
	tpm_rd_init(&r, in, 4, "rsp", &err);
	assert_int_equal(tpm_rd_tpm2b(&r, "digest", out, 8), 0);
	assert_string_equal(err.msg, "rsp: digest truncated (needs 5 bytes, "
				     "2 left) at offset 0x2");
}

static void test_read_trailing(void **state)
{
	static const uint8_t in[] = { 1, 2, 3, 4, 5, 6 };
	struct sdm_err err = { 0 };
	struct tpm_rd r;

	tpm_rd_init(&r, in, sizeof(in), "rsp", &err);
	tpm_rd_u16(&r, "a");
	assert_int_equal(tpm_rd_end(&r), SDM_EINVAL);
	assert_string_equal(err.msg, "rsp: 4 trailing bytes at offset 0x2");
}

static void test_header(void **state)
{
	static const uint8_t ok[] = { 0x80, 0x01, 0, 0, 0, 12, 0, 0, 1, 0,
				      0xaa, 0xbb };
	struct sdm_err err = { 0 };
	struct tpm_rsp_hdr h;
	struct tpm_rd r;

	tpm_rd_init(&r, ok, sizeof(ok), "X response", &err);
	assert_int_equal(tpm_rd_header(&r, &h), SDM_OK);
	assert_int_equal(h.tag, 0x8001);
	assert_int_equal(h.size, 12);
	assert_int_equal(h.rc, 0x100);
	assert_int_equal(r.off, 10);

	tpm_rd_init(&r, ok, 11, "X response", &err);
	assert_int_equal(tpm_rd_header(&r, &h), SDM_EINVAL);
	assert_string_equal(err.msg, "X response: responseSize 12 but 11 bytes "
				     "received at offset 0x2");

	tpm_rd_init(&r, ok, 9, "X response", &err);
	assert_int_equal(tpm_rd_header(&r, &h), SDM_EINVAL);
	assert_string_equal(err.msg, "X response: 9 bytes, shorter than the "
				     "10-byte header at offset 0x0");
}

/* A transport that fails, or answers with a fixed response. */
struct fake {
	int rc;
	const uint8_t *rsp;
	size_t len;
	unsigned locality;
	size_t cmd_len;
};

static int fake_xfer(void *ctx, unsigned locality, const uint8_t *cmd,
		     size_t cmd_len, uint8_t *rsp, size_t rsp_cap,
		     size_t *rsp_len, struct sdm_err *err)
{
	struct fake *f = ctx;

	f->locality = locality;
	f->cmd_len = cmd_len;
	if (f->rc != SDM_OK)
		return sdm_err_set(err, f->rc, "TIS: locality %u not granted",
				   locality);
	assert_true(f->len <= rsp_cap);
	memcpy(rsp, f->rsp, f->len);
	*rsp_len = f->len;
	return SDM_OK;
}

static void test_transact(void **state)
{
	static const uint8_t rsp[] = { 0x80, 0x01, 0, 0, 0, 10, 0, 0, 0, 0 };
	struct fake f = { .rc = SDM_EIO };
	struct tpm_transport t = { "fake", &f, fake_xfer };
	uint8_t c[16], out[16];
	struct sdm_err err = { 0 };
	struct tpm_rsp_hdr h;
	struct tpm_buf b;
	struct tpm_rd r;

	tpm_buf_init(&b, c, sizeof(c));
	tpm_buf_cmd_start(&b, 0x8001, 0x144);
	tpm_buf_u16(&b, 0);
	assert_int_equal(tpm_transact(&t, 2, "TPM2_Startup", &b, out,
				      sizeof(out), &r, &h, &err),
			 SDM_EIO);
	assert_int_equal(f.locality, 2);
	assert_int_equal(f.cmd_len, 12);
	assert_string_equal(err.msg,
			    "TPM2_Startup: TIS: locality 2 not granted");

	f.rc = SDM_OK;
	f.rsp = rsp;
	f.len = sizeof(rsp);
	assert_int_equal(tpm_transact(&t, 0, "TPM2_Startup", &b, out,
				      sizeof(out), &r, &h, &err),
			 SDM_OK);
	assert_int_equal(h.tag, 0x8001);
	assert_int_equal(tpm_rd_end(&r), SDM_OK);

	assert_int_equal(tpm_transact(NULL, 0, "TPM2_Startup", &b, out,
				      sizeof(out), &r, &h, &err),
			 SDM_ENOENT);
	assert_string_equal(err.msg, "TPM2_Startup: no TPM transport");
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_put_big_endian),
		cmocka_unit_test(test_overflow_sticks),
		cmocka_unit_test(test_overflow_whole_items),
		cmocka_unit_test(test_finish_patches_size),
		cmocka_unit_test(test_read_values),
		cmocka_unit_test(test_read_truncated_sticks),
		cmocka_unit_test(test_read_tpm2b_limit),
		cmocka_unit_test(test_read_trailing),
		cmocka_unit_test(test_header),
		cmocka_unit_test(test_transact),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
