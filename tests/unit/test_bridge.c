/*
 * Emulator bridge, guest side, against a model of a 16550 UART whose far
 * end is a model of the host half: it collects the bytes the guest sends,
 * and when a whole frame is in, queues the reply the test asked for
 * (answer, silence, a corrupted CRC, stale replies, noise ...). The fake
 * clock advances on every port read, so timeouts run without waiting.
 * The frame codec is also checked against fixed bytes, so a bug shared by
 * encoder and decoder cannot hide.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <string.h>
#include <cmocka.h>
#include "tpm/bridge.h"

#define PORT BRIDGE_COM2

enum reply_mode {
	R_NORMAL, R_SILENT, R_BAD_CRC, R_STALE_FIRST, R_STALE_ALWAYS,
	R_NOISE, R_FLOOD, R_TRUNCATED, R_WRONG_TYPE, R_BAD_SIZE, R_OLD_VERSION,
	R_LINE_ERROR,
};

struct req {
	struct bridge_hdr h;
	uint8_t payload[BRIDGE_MAX_PAYLOAD];
};

static struct {
	uint64_t now, step;
	bool absent, tx_stuck;
	uint8_t line_error; /* LSR error bits reported once */
	uint8_t lcr, dll, dlm, ier, fcr, mcr, scr;
	unsigned lcr_writes;
	enum reply_mode mode;
	uint8_t in[BRIDGE_MAX_FRAME]; /* guest -> host */
	size_t in_len;
	uint8_t out[3 * BRIDGE_MAX_FRAME]; /* host -> guest */
	size_t out_len, out_pos;
	struct req reqs[8];
	unsigned nreq;
	size_t hashed_len;
	uint8_t hashed[8192];
} u;

static void queue(const uint8_t *p, size_t n)
{
	assert_true(u.out_len + n <= sizeof(u.out));
	memcpy(u.out + u.out_len, p, n);
	u.out_len += n;
}

static void reply(const struct bridge_hdr *req, uint8_t seq, uint8_t status,
		  const uint8_t *p, size_t n)
{
	struct bridge_hdr h = { req->type | BRIDGE_REPLY, req->locality, seq,
				status, (uint16_t)n };
	uint8_t f[BRIDGE_MAX_FRAME];
	size_t len;

	if (u.mode == R_WRONG_TYPE)
		h.type = BRIDGE_REPLY | BRIDGE_HELLO;
	len = bridge_frame_encode(&h, p, f, sizeof(f));
	assert_int_not_equal(len, 0);
	if (u.mode == R_BAD_CRC)
		f[len - 1] ^= 1;
	if (u.mode == R_TRUNCATED)
		len -= 3;
	if (u.mode == R_LINE_ERROR)
		u.line_error = 0x08; /* framing error */
	queue(f, len);
}

/* The host half's model: answer one complete request frame. */
static void host(const uint8_t *f, size_t len)
{
	struct req *r = &u.reqs[u.nreq % 8];
	uint8_t rsp[BRIDGE_MAX_PAYLOAD + 16];
	struct sdm_err err;

	assert_int_equal(bridge_frame_check(f, len, &r->h, &err), SDM_OK);
	memcpy(r->payload, f + BRIDGE_HDR_LEN, r->h.len);
	u.nreq++;
	if (u.mode == R_SILENT)
		return;
	if (u.mode == R_NOISE)
		queue((const uint8_t *)"xSyzS", 5);
	if (u.mode == R_FLOOD)
		for (unsigned i = 0; i < BRIDGE_MAX_FRAME + 10; i++)
			queue((const uint8_t *)"~", 1);
	if (u.mode == R_STALE_FIRST || u.mode == R_STALE_ALWAYS) {
		unsigned n = u.mode == R_STALE_FIRST ? 1 : 5;

		for (unsigned i = 0; i < n; i++)
			reply(&r->h, (uint8_t)(r->h.seq - 1 - i), BRIDGE_OK,
			      NULL, 0);
	}
	if (u.mode == R_STALE_ALWAYS)
		return;
	switch (r->h.type) {
	case BRIDGE_HELLO:
		rsp[0] = u.mode == R_OLD_VERSION ? 0 : BRIDGE_VERSION;
		memcpy(rsp + 1, "model\x01", 6);
		reply(&r->h, r->h.seq, BRIDGE_OK, rsp, 7);
		return;
	case BRIDGE_COMMAND: {
		/* canned TPM response: header, then the command echoed */
		size_t n = 10 + r->h.len;
		uint32_t size = u.mode == R_BAD_SIZE ? (uint32_t)n + 1
						     : (uint32_t)n;

		rsp[0] = 0x80;
		rsp[1] = 0x01;
		rsp[2] = size >> 24;
		rsp[3] = size >> 16;
		rsp[4] = size >> 8;
		rsp[5] = size & 0xff;
		memset(rsp + 6, 0, 4);
		memcpy(rsp + 10, r->payload, r->h.len);
		reply(&r->h, r->h.seq, BRIDGE_OK, rsp, n);
		return;
	}
	default:
		if (r->h.locality != 4) {
			static const char t[] = "D-RTM sequence only at locality 4";

			reply(&r->h, r->h.seq, BRIDGE_ELOCALITY,
			      (const uint8_t *)t, sizeof(t) - 1);
			return;
		}
		if (r->h.type == BRIDGE_HASH_DATA) {
			memcpy(u.hashed + u.hashed_len, r->payload, r->h.len);
			u.hashed_len += r->h.len;
		}
		reply(&r->h, r->h.seq, BRIDGE_OK, NULL, 0);
	}
}

static uint8_t inb(void *ctx, uint16_t port)
{
	unsigned reg = port - PORT;
	uint8_t lsr;

	u.now += u.step;
	assert_true(port >= PORT && port < PORT + 8);
	if (u.absent)
		return 0xff;
	switch (reg) {
	case UART_LSR:
		lsr = (u.tx_stuck ? 0 : UART_LSR_THRE | 0x40) | u.line_error |
		      (u.out_pos < u.out_len ? UART_LSR_DR : 0);
		u.line_error = 0;
		return lsr;
	case UART_RBR:
		assert_false(u.lcr & UART_LCR_DLAB);
		return u.out_pos < u.out_len ? u.out[u.out_pos++] : 0;
	case UART_SCR:
		return u.scr;
	default:
		fail_msg("inb from register %u", reg);
	}
	return 0;
}

static void outb(void *ctx, uint16_t port, uint8_t v)
{
	unsigned reg = port - PORT;
	bool dlab = u.lcr & UART_LCR_DLAB;

	assert_true(port >= PORT && port < PORT + 8);
	switch (reg) {
	case UART_RBR:
		if (dlab) {
			u.dll = v;
			return;
		}
		assert_false(u.tx_stuck);
		assert_true(u.in_len < sizeof(u.in));
		u.in[u.in_len++] = v;
		if (u.in_len >= BRIDGE_HDR_LEN) {
			size_t want = BRIDGE_HDR_LEN + BRIDGE_CRC_LEN +
				      (size_t)(u.in[6] << 8 | u.in[7]);

			if (u.in_len == want) {
				host(u.in, u.in_len);
				u.in_len = 0;
			}
		}
		return;
	case UART_IER:
		if (dlab)
			u.dlm = v;
		else
			u.ier = v;
		return;
	case UART_FCR: u.fcr = v; return;
	case UART_LCR: u.lcr = v; u.lcr_writes++; return;
	case UART_MCR: u.mcr = v; return;
	case UART_SCR: u.scr = v; return;
	default:
		fail_msg("outb to register %u", reg);
	}
}

static uint64_t now_us(void *ctx)
{
	return u.now;
}

static const struct tpm_hw hw = { .inb = inb, .outb = outb,
				  .now_us = now_us };
static struct bridge br;
static const uint8_t cmd[12] = { 0x80, 0x01, 0, 0, 0, 12, 0, 0, 0x01, 0x7b,
				 0, 8 }; /* TPM2_GetRandom(8) */

static int setup(void **state)
{
	struct sdm_err err;

	memset(&u, 0, sizeof(u));
	u.step = 10; /* 10 us per port read */
	u.ier = u.fcr = u.mcr = 0xee;
	assert_int_equal(bridge_init(&br, &hw, PORT, &err), SDM_OK);
	return 0;
}

static void test_uart_init(void **state)
{
	struct sdm_err err;

	assert_int_equal(u.lcr, UART_LCR_8N1); /* DLAB off again */
	assert_int_equal(u.dll, 1);            /* 115200 baud */
	assert_int_equal(u.dlm, 0);
	assert_int_equal(u.ier, 0);            /* polled */
	assert_int_equal(u.fcr, 0x07);
	assert_int_equal(u.mcr, 0x03);
	assert_true(u.lcr_writes >= 2);
	u.absent = true;
	assert_int_equal(bridge_init(&br, &hw, PORT, &err), SDM_ENOENT);
	assert_string_equal(err.msg,
			    "bridge: no UART at I/O port 0x2f8 (scratch 0xff/0xff, LSR 0xff)");
}

static void test_codec_fixed_bytes(void **state)
{
	static const uint8_t want[] = { 0x53, 0x42, 0x02, 0x03, 0x07, 0x00,
					0x00, 0x02, 0xab, 0xcd };
	struct bridge_hdr h = { BRIDGE_COMMAND, 3, 7, 0, 2 }, d;
	uint8_t f[32];
	struct sdm_err err;
	size_t n;

	assert_int_equal(bridge_crc32(0, (const uint8_t *)"123456789", 9),
			 0xcbf43926); /* the CRC-32/IEEE check value */
	assert_int_equal(bridge_crc32(bridge_crc32(0, (const uint8_t *)"1234", 4),
				      (const uint8_t *)"56789", 5),
			 0xcbf43926);
	n = bridge_frame_encode(&h, want + 8, f, sizeof(f));
	assert_int_equal(n, 14);
	assert_memory_equal(f, want, sizeof(want));
	uint32_t crc = bridge_crc32(0, want, sizeof(want));
	assert_int_equal(f[10], crc >> 24);
	assert_int_equal(f[13], crc & 0xff);
	assert_int_equal(bridge_frame_check(f, n, &d, &err), SDM_OK);
	assert_int_equal(d.type, BRIDGE_COMMAND);
	assert_int_equal(d.locality, 3);
	assert_int_equal(d.seq, 7);
	assert_int_equal(d.len, 2);
	/* Broken frames. */
	assert_int_equal(bridge_frame_encode(&h, want, f, 13), 0);
	f[9] ^= 0x10;
	assert_int_equal(bridge_frame_check(f, n, &d, &err), SDM_ECHKSUM);
	f[9] ^= 0x10;
	assert_int_equal(bridge_frame_check(f, n - 1, &d, &err), SDM_EINVAL);
	assert_int_equal(bridge_frame_check(f, 3, &d, &err), SDM_EINVAL);
	f[0] = 'X';
	assert_int_equal(bridge_frame_check(f, n, &d, &err), SDM_EINVAL);
	assert_string_equal(err.msg, "bridge: bad frame magic 0x5842");
	f[0] = 0x53;
	f[6] = 0x10;
	f[7] = 0x01;
	assert_int_equal(bridge_frame_check(f, n, &d, &err), SDM_ERANGE);
	h.len = BRIDGE_MAX_PAYLOAD + 1;
	assert_int_equal(bridge_frame_encode(&h, want, f, sizeof(f)), 0);
	assert_string_equal(bridge_type_name(BRIDGE_REPLY | BRIDGE_HASH_END),
			    "HASH_END");
	assert_string_equal(bridge_status_name(BRIDGE_ELOCALITY),
			    "wrong locality");
}

static void test_xfer(void **state)
{
	struct tpm_transport t;
	uint8_t rsp[64];
	size_t len;
	struct sdm_err err;

	bridge_transport(&br, &t);
	assert_string_equal(t.name, "bridge");
	assert_int_equal(t.xfer(t.ctx, 2, cmd, sizeof(cmd), rsp, sizeof(rsp),
				&len, &err),
			 SDM_OK);
	assert_int_equal(len, 22);
	assert_int_equal(rsp[5], 22);
	assert_memory_equal(rsp + 10, cmd, sizeof(cmd));
	assert_int_equal(u.nreq, 1);
	assert_int_equal(u.reqs[0].h.type, BRIDGE_COMMAND);
	assert_int_equal(u.reqs[0].h.locality, 2);
	assert_int_equal(u.reqs[0].h.seq, 1);
	assert_int_equal(u.reqs[0].h.len, sizeof(cmd));
	assert_memory_equal(u.reqs[0].payload, cmd, sizeof(cmd));
	/* The next one carries the next sequence number. */
	assert_int_equal(bridge_xfer(&br, 0, cmd, sizeof(cmd), rsp,
				     sizeof(rsp), &len, &err),
			 SDM_OK);
	assert_int_equal(u.reqs[1].h.seq, 2);
	/* Commands the transport refuses to send. */
	assert_int_equal(bridge_xfer(&br, 0, cmd, 9, rsp, sizeof(rsp), &len,
				     &err),
			 SDM_EINVAL);
	assert_int_equal(bridge_xfer(&br, 5, cmd, sizeof(cmd), rsp,
				     sizeof(rsp), &len, &err),
			 SDM_EINVAL);
	assert_string_equal(err.msg, "bridge: no locality 5");
	assert_int_equal(u.nreq, 2);
}

static void test_drtm_hash(void **state)
{
	static uint8_t data[5000];
	struct sdm_err err;

	for (size_t i = 0; i < sizeof(data); i++)
		data[i] = (uint8_t)(i * 13 + 1);
	assert_int_equal(bridge_drtm_hash(&br, data, sizeof(data), &err),
			 SDM_OK);
	assert_int_equal(u.nreq, 4);
	assert_int_equal(u.reqs[0].h.type, BRIDGE_HASH_START);
	assert_int_equal(u.reqs[1].h.type, BRIDGE_HASH_DATA);
	assert_int_equal(u.reqs[1].h.len, 4096);
	assert_int_equal(u.reqs[2].h.type, BRIDGE_HASH_DATA);
	assert_int_equal(u.reqs[2].h.len, 904);
	assert_int_equal(u.reqs[3].h.type, BRIDGE_HASH_END);
	for (unsigned i = 0; i < 4; i++)
		assert_int_equal(u.reqs[i].h.locality, 4);
	assert_int_equal(u.hashed_len, sizeof(data));
	assert_memory_equal(u.hashed, data, sizeof(data));
}

static void test_host_refuses_locality(void **state)
{
	uint8_t none[1];
	size_t len;
	struct sdm_err err;

	assert_int_equal(bridge_request(&br, BRIDGE_HASH_START, 0, NULL, 0,
					none, 0, &len, &err),
			 SDM_EIO);
	assert_string_equal(err.msg,
			    "bridge: host refused HASH_START at locality 0 (wrong locality): D-RTM sequence only at locality 4");
}

static void test_silent_host(void **state)
{
	uint8_t rsp[64];
	size_t len;
	struct sdm_err err;
	uint64_t t0 = u.now;

	u.mode = R_SILENT;
	assert_int_equal(bridge_xfer(&br, 0, cmd, sizeof(cmd), rsp,
				     sizeof(rsp), &len, &err),
			 SDM_EIO);
	assert_string_equal(err.msg,
			    "bridge: no reply to COMMAND (seq 1, locality 0) within 120000 ms (0 stray bytes)");
	assert_true(u.now - t0 >= 120000000ull && u.now - t0 < 120100000ull);
	/* HELLO waits TIMEOUT_B only. */
	t0 = u.now;
	char name[16];
	assert_int_equal(bridge_hello(&br, name, sizeof(name), &err), SDM_EIO);
	assert_true(u.now - t0 >= 2000000ull && u.now - t0 < 2100000ull);
}

static void test_bad_replies(void **state)
{
	uint8_t rsp[64];
	size_t len;
	struct sdm_err err;

	u.mode = R_BAD_CRC;
	assert_int_equal(bridge_xfer(&br, 0, cmd, sizeof(cmd), rsp,
				     sizeof(rsp), &len, &err),
			 SDM_ECHKSUM);
	assert_int_equal(len, 0);
	u.mode = R_TRUNCATED;
	u.out_len = u.out_pos = 0;
	assert_int_equal(bridge_xfer(&br, 0, cmd, sizeof(cmd), rsp,
				     sizeof(rsp), &len, &err),
			 SDM_EIO);
	assert_string_equal(err.msg,
			    "bridge: reply to COMMAND (seq 2) stopped for 1000 ms after 31 of 34 bytes");
	u.mode = R_WRONG_TYPE;
	assert_int_equal(bridge_xfer(&br, 1, cmd, sizeof(cmd), rsp,
				     sizeof(rsp), &len, &err),
			 SDM_EINVAL);
	assert_string_equal(err.msg,
			    "bridge: reply type 0x81 at locality 1 does not answer COMMAND at locality 1");
	u.mode = R_BAD_SIZE;
	assert_int_equal(bridge_xfer(&br, 0, cmd, sizeof(cmd), rsp,
				     sizeof(rsp), &len, &err),
			 SDM_EINVAL);
	assert_string_equal(err.msg,
			    "bridge: TPM response of 22 bytes has size field 23");
	assert_int_equal(len, 0);
	u.mode = R_NORMAL;
	assert_int_equal(bridge_xfer(&br, 0, cmd, sizeof(cmd), rsp, 21, &len,
				     &err),
			 SDM_ERANGE);
	assert_string_equal(err.msg,
			    "bridge: reply to COMMAND of 22 bytes exceeds the 21-byte buffer");
	/* And after all that the link still works. */
	assert_int_equal(bridge_xfer(&br, 0, cmd, sizeof(cmd), rsp,
				     sizeof(rsp), &len, &err),
			 SDM_OK);
}

static void test_stale_and_noise(void **state)
{
	uint8_t rsp[64];
	size_t len;
	struct sdm_err err;

	u.mode = R_STALE_FIRST;
	assert_int_equal(bridge_xfer(&br, 0, cmd, sizeof(cmd), rsp,
				     sizeof(rsp), &len, &err),
			 SDM_OK);
	assert_int_equal(len, 22);
	u.mode = R_NOISE;
	assert_int_equal(bridge_xfer(&br, 0, cmd, sizeof(cmd), rsp,
				     sizeof(rsp), &len, &err),
			 SDM_OK);
	u.mode = R_STALE_ALWAYS;
	assert_int_equal(bridge_xfer(&br, 0, cmd, sizeof(cmd), rsp,
				     sizeof(rsp), &len, &err),
			 SDM_EIO);
	assert_string_equal(err.msg,
			    "bridge: 5 replies to other requests (last seq 254) awaiting seq 3");
	u.mode = R_FLOOD;
	assert_int_equal(bridge_xfer(&br, 0, cmd, sizeof(cmd), rsp,
				     sizeof(rsp), &len, &err),
			 SDM_EIO);
	assert_string_equal(err.msg,
			    "bridge: no frame start in 4109 bytes awaiting the reply to COMMAND");
	/* A late reply left in the receiver is drained before the next. */
	u.mode = R_NORMAL;
	queue((const uint8_t *)"late", 4);
	assert_int_equal(bridge_xfer(&br, 0, cmd, sizeof(cmd), rsp,
				     sizeof(rsp), &len, &err),
			 SDM_OK);
}

static void test_uart_faults(void **state)
{
	uint8_t rsp[64];
	size_t len;
	struct sdm_err err;

	u.tx_stuck = true;
	assert_int_equal(bridge_xfer(&br, 0, cmd, sizeof(cmd), rsp,
				     sizeof(rsp), &len, &err),
			 SDM_EIO);
	assert_string_equal(err.msg,
			    "bridge: UART transmitter busy for 1000 ms after 0 of 24 bytes (LSR 0x00)");
	u.tx_stuck = false;
	u.in_len = 0;
	u.line_error = 0x08; /* framing error */
	assert_int_equal(bridge_xfer(&br, 0, cmd, sizeof(cmd), rsp,
				     sizeof(rsp), &len, &err),
			 SDM_OK); /* an error before the request is drained */
	u.mode = R_SILENT;
	assert_int_equal(bridge_xfer(&br, 0, cmd, sizeof(cmd), rsp,
				     sizeof(rsp), &len, &err),
			 SDM_EIO);
}

static void test_line_error_in_reply(void **state)
{
	uint8_t none[1];
	size_t len;
	struct sdm_err err;

	/* The host answers and the line reports a framing error. */
	u.mode = R_LINE_ERROR;
	assert_int_equal(bridge_request(&br, BRIDGE_HASH_START, 4, NULL, 0,
					none, 0, &len, &err),
			 SDM_EIO);
	assert_string_equal(err.msg,
			    "bridge: UART receive error (LSR 0x69) awaiting the reply to HASH_START");
}

static void test_hello(void **state)
{
	char name[4];
	struct sdm_err err;

	assert_int_equal(bridge_hello(&br, name, sizeof(name), &err), SDM_OK);
	assert_string_equal(name, "mod"); /* cut to the buffer */
	char wide[16];
	assert_int_equal(bridge_hello(&br, wide, sizeof(wide), &err), SDM_OK);
	assert_string_equal(wide, "model?"); /* control byte replaced */
	u.mode = R_OLD_VERSION;
	assert_int_equal(bridge_hello(&br, wide, sizeof(wide), &err),
			 SDM_EINVAL);
	assert_string_equal(err.msg,
			    "bridge: host half speaks version 0, we speak 1");
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup(test_uart_init, setup),
		cmocka_unit_test_setup(test_codec_fixed_bytes, setup),
		cmocka_unit_test_setup(test_xfer, setup),
		cmocka_unit_test_setup(test_drtm_hash, setup),
		cmocka_unit_test_setup(test_host_refuses_locality, setup),
		cmocka_unit_test_setup(test_silent_host, setup),
		cmocka_unit_test_setup(test_bad_replies, setup),
		cmocka_unit_test_setup(test_stale_and_noise, setup),
		cmocka_unit_test_setup(test_uart_faults, setup),
		cmocka_unit_test_setup(test_line_error_in_reply, setup),
		cmocka_unit_test_setup(test_hello, setup),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
