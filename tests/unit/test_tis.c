/*
 * TIS/FIFO transport against a device model: a small TPM state machine
 * (Idle, Ready, Reception, Execution, Completion; PTP 6.5.2) behind the
 * tpm_hw callbacks that answers every command with a canned response
 * (header + the command echoed). The fake clock advances on every
 * register read, so timeouts run without waiting. Knobs make the model
 * misbehave one way at a time.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <string.h>
#include <cmocka.h>
#include "tpm/tis.h"

#define BASE 0xfed40000ull
#define CMD_MAX 4096

enum state { IDLE, READY, RECEPTION, EXECUTION, COMPLETION };

struct model {
	uint64_t now, step;
	int active;        /* active locality, -1 none */
	bool deny;         /* never grant a locality */
	bool absent;       /* every register reads all ones */
	bool loc4_absent;  /* locality 4 is not decoded (QEMU) */
	bool never_ready;  /* commandReady never set */
	bool burst0_send;  /* burstCount 0 in Ready/Reception */
	bool burst0_recv;  /* burstCount 0 in Completion */
	bool expect_early; /* Expect clears after the first burst */
	bool never_done;   /* execution never completes unless cancelled */
	bool valid_lazy;   /* stsValid only with Expect/dataAvail (QEMU) */
	uint32_t burst;
	unsigned exec_polls;
	enum state st;
	uint8_t cmd[CMD_MAX];
	size_t cmd_len, first_burst;
	unsigned polls_left;
	uint8_t rsp[CMD_MAX + 64];
	size_t rsp_len, rsp_pos;
	long rsp_size_field; /* >= 0: override the response size field */
	size_t rsp_trim;     /* bytes dropped from the end of the response */
	size_t rsp_extra;    /* bytes appended beyond the size field */
	/* what the driver did */
	unsigned requests, withdrawals, relinquishes, ready_writes, gos,
		cancels;
	bool hashing;
	unsigned hash_starts, hash_ends;
	uint8_t hashed[CMD_MAX];
	size_t hashed_len;
};

static struct model m;

static unsigned loc_of(uint64_t pa)
{
	assert_true(pa >= BASE && pa < BASE + 5 * 0x1000);
	return (unsigned)((pa - BASE) >> 12);
}

static unsigned off_of(uint64_t pa)
{
	return (unsigned)((pa - BASE) & 0xfff);
}

static bool decoded(unsigned loc)
{
	return !m.absent && !(loc == 4 && m.loc4_absent);
}

static uint32_t cmd_size_field(void)
{
	return m.cmd_len < 6 ? 0xffffffffu
			     : (uint32_t)m.cmd[2] << 24 | (uint32_t)m.cmd[3] << 16 |
				       (uint32_t)m.cmd[4] << 8 | m.cmd[5];
}

static void make_response(uint16_t tag, uint32_t rc, bool echo)
{
	size_t n = 10 + (echo ? m.cmd_len : 0);
	uint32_t size = m.rsp_size_field >= 0 ? (uint32_t)m.rsp_size_field
					       : (uint32_t)n;

	m.rsp[0] = tag >> 8;
	m.rsp[1] = tag & 0xff;
	m.rsp[2] = size >> 24;
	m.rsp[3] = size >> 16;
	m.rsp[4] = size >> 8;
	m.rsp[5] = size & 0xff;
	m.rsp[6] = rc >> 24;
	m.rsp[7] = rc >> 16;
	m.rsp[8] = rc >> 8;
	m.rsp[9] = rc & 0xff;
	if (echo)
		memcpy(m.rsp + 10, m.cmd, m.cmd_len);
	memset(m.rsp + n, 0xee, m.rsp_extra);
	m.rsp_len = n + m.rsp_extra - m.rsp_trim;
	m.rsp_pos = 0;
}

static uint32_t sts_value(void)
{
	uint32_t v = TIS_STS_VALID | 1u << 26; /* family 2.0 */
	uint32_t b = m.burst;

	if (m.valid_lazy && (m.st == READY || m.st == IDLE))
		v &= ~TIS_STS_VALID;
	switch (m.st) {
	case READY:
		v |= TIS_STS_COMMAND_READY;
		if (m.burst0_send)
			b = 0;
		break;
	case RECEPTION:
		if (m.burst0_send)
			b = 0;
		if (m.expect_early ? m.cmd_len < m.first_burst
				   : m.cmd_len < cmd_size_field())
			v |= TIS_STS_EXPECT;
		break;
	case EXECUTION:
		b = 0;
		if (!m.never_done && m.polls_left > 0 && --m.polls_left == 0) {
			m.st = COMPLETION;
			make_response(0x8001, 0, true);
		}
		break;
	case COMPLETION:
		if (m.rsp_pos < m.rsp_len)
			v |= TIS_STS_DATA_AVAIL;
		if (b > m.rsp_len - m.rsp_pos)
			b = (uint32_t)(m.rsp_len - m.rsp_pos);
		if (m.burst0_recv)
			b = 0;
		break;
	case IDLE:
		break;
	}
	if (m.hashing)
		b = m.burst0_send ? 0 : m.burst;
	return v | b << TIS_STS_BURST_SHIFT;
}

static uint8_t rd8(void *ctx, uint64_t pa)
{
	unsigned loc = loc_of(pa), off = off_of(pa);

	m.now += m.step;
	if (!decoded(loc))
		return 0xff;
	switch (off) {
	case TIS_ACCESS:
		return TIS_ACCESS_VALID | TIS_ACCESS_ESTABLISHMENT |
		       (m.active == (int)loc ? TIS_ACCESS_ACTIVE : 0);
	case TIS_DATA_FIFO:
		if (m.active != (int)loc || m.st != COMPLETION ||
		    m.rsp_pos >= m.rsp_len)
			return 0xff;
		return m.rsp[m.rsp_pos++];
	default:
		fail_msg("rd8 at offset 0x%x", off);
	}
	return 0;
}

static uint32_t rd32(void *ctx, uint64_t pa)
{
	unsigned loc = loc_of(pa), off = off_of(pa);

	m.now += m.step;
	assert_int_equal(off, TIS_STS);
	if (!decoded(loc) || m.active != (int)loc)
		return 0xffffffffu;
	if (m.never_ready && m.st == IDLE)
		return TIS_STS_VALID;
	return sts_value();
}

static void wr8(void *ctx, uint64_t pa, uint8_t v)
{
	unsigned loc = loc_of(pa), off = off_of(pa);

	if (!decoded(loc))
		return;
	switch (off) {
	case TIS_ACCESS:
		if (v & TIS_ACCESS_REQUEST_USE) {
			m.requests++;
			if (!m.deny && (m.active < 0 || m.active == (int)loc))
				m.active = (int)loc;
		}
		if (v & TIS_ACCESS_ACTIVE) {
			if (m.active == (int)loc) {
				m.active = -1;
				m.relinquishes++;
			} else {
				m.withdrawals++;
			}
		}
		return;
	case TIS_STS:
		assert_int_equal(m.active, (int)loc);
		if (v & TIS_STS_COMMAND_READY) {
			m.ready_writes++;
			if (m.st == IDLE && !m.never_ready) {
				m.st = READY;
				m.cmd_len = 0;
			} else if (m.st != READY) {
				m.st = IDLE;
			}
		}
		if (v & TIS_STS_GO) {
			m.gos++;
			if (m.st == RECEPTION) {
				m.st = EXECUTION;
				m.polls_left = m.exec_polls;
			}
		}
		return;
	case TIS_STS + 3:
		assert_int_equal(v, 1);
		m.cancels++;
		if (m.st == EXECUTION) {
			m.st = COMPLETION;
			make_response(0x8001, 0x909, false); /* TPM_RC_CANCELED */
		}
		return;
	case TIS_DATA_FIFO:
		if (m.hashing && loc == 4) {
			assert_true(m.hashed_len < sizeof(m.hashed));
			m.hashed[m.hashed_len++] = v;
			return;
		}
		assert_int_equal(m.active, (int)loc);
		if (m.st == READY)
			m.st = RECEPTION;
		assert_int_equal(m.st, RECEPTION);
		assert_true(m.cmd_len < sizeof(m.cmd));
		m.cmd[m.cmd_len++] = v;
		return;
	case TIS_HASH_START:
		assert_int_equal(loc, 4);
		m.hashing = true;
		m.hash_starts++;
		m.hashed_len = 0;
		return;
	case TIS_HASH_END:
		assert_int_equal(loc, 4);
		m.hashing = false;
		m.hash_ends++;
		return;
	default:
		fail_msg("wr8 at offset 0x%x", off);
	}
}

static void wr32(void *ctx, uint64_t pa, uint32_t v)
{
	fail_msg("unexpected wr32 at 0x%llx", (unsigned long long)pa);
}

static uint64_t now_us(void *ctx)
{
	return m.now;
}

static const struct tpm_hw hw = {
	.rd8 = rd8, .rd32 = rd32, .wr8 = wr8, .wr32 = wr32, .now_us = now_us,
};

static struct tis tis;
static struct tpm_transport tr;
static uint8_t cmd[20];

static int setup(void **state)
{
	memset(&m, 0, sizeof(m));
	m.step = 1000; /* 1 ms per register read */
	m.active = -1;
	m.burst = 8;
	m.exec_polls = 5;
	m.rsp_size_field = -1;
	m.first_burst = 8;
	tis_init(&tis, &hw, BASE);
	tis_transport(&tis, &tr);
	/* TPM2_GetRandom(8) with two trailing bytes: a 20-byte command. */
	static const uint8_t c[20] = { 0x80, 0x01, 0, 0, 0, 20, 0, 0, 0x01,
				       0x7b, 0, 8, 1, 2, 3, 4, 5, 6, 7, 8 };
	memcpy(cmd, c, sizeof(cmd));
	return 0;
}

static int xfer(unsigned loc, uint8_t *rsp, size_t cap, size_t *len,
		struct sdm_err *err)
{
	return tr.xfer(tr.ctx, loc, cmd, sizeof(cmd), rsp, cap, len, err);
}

static void assert_clean_end(void)
{
	assert_int_equal(m.active, -1); /* locality given back */
	assert_int_not_equal(m.st, EXECUTION);
}

static void test_happy_path(void **state)
{
	uint8_t rsp[64];
	size_t len = 99;
	struct sdm_err err = { 0 };

	for (unsigned loc = 0; loc < 5; loc++) {
		m.cmd_len = 0;
		assert_int_equal(xfer(loc, rsp, sizeof(rsp), &len, &err),
				 SDM_OK);
		assert_int_equal(len, 30);
		assert_int_equal(rsp[5], 30);
		assert_int_equal(rsp[9], 0);
		assert_memory_equal(rsp + 10, cmd, sizeof(cmd));
		assert_memory_equal(m.cmd, cmd, sizeof(cmd));
		assert_int_equal(m.cmd_len, sizeof(cmd));
		assert_int_equal(m.st, IDLE); /* response consumed */
		assert_clean_end();
	}
	assert_int_equal(m.gos, 5);
	assert_int_equal(m.cancels, 0);
	assert_int_equal(m.relinquishes, 5);
	assert_string_equal(tr.name, "TIS");
}

/* QEMU's tpm-tis: stsValid clear in Ready, set once data moves. */
static void test_sts_valid_lazy(void **state)
{
	uint8_t rsp[64];
	size_t len;
	struct sdm_err err;

	m.valid_lazy = true;
	assert_int_equal(xfer(0, rsp, sizeof(rsp), &len, &err), SDM_OK);
	assert_int_equal(len, 30);
	assert_memory_equal(rsp + 10, cmd, sizeof(cmd));
}

static void test_burst_one_and_huge(void **state)
{
	uint8_t rsp[64];
	size_t len;
	struct sdm_err err;

	m.burst = 1;
	assert_int_equal(xfer(0, rsp, sizeof(rsp), &len, &err), SDM_OK);
	assert_int_equal(len, 30);
	m.burst = 0xffff; /* more than there is: never read past the size */
	m.first_burst = 0xffff;
	assert_int_equal(xfer(0, rsp, sizeof(rsp), &len, &err), SDM_OK);
	assert_int_equal(len, 30);
	assert_memory_equal(rsp + 10, cmd, sizeof(cmd));
}

static void test_locality_not_granted(void **state)
{
	uint8_t rsp[64];
	size_t len;
	struct sdm_err err;
	uint64_t t0 = m.now;

	m.deny = true;
	assert_int_equal(xfer(2, rsp, sizeof(rsp), &len, &err), SDM_EIO);
	assert_string_equal(err.msg,
			    "TIS: locality 2 not granted within 750 ms (ACCESS 0x81)");
	assert_true(m.now - t0 >= 750000 && m.now - t0 < 760000);
	assert_int_equal(m.requests, 1);
	assert_int_equal(m.withdrawals, 1);
	assert_int_equal(m.gos, 0);
}

static void test_bad_locality_and_sizes(void **state)
{
	uint8_t rsp[64];
	size_t len;
	struct sdm_err err;

	assert_int_equal(xfer(5, rsp, sizeof(rsp), &len, &err), SDM_EINVAL);
	assert_string_equal(err.msg, "TIS: no locality 5");
	assert_int_equal(tr.xfer(tr.ctx, 0, cmd, 9, rsp, sizeof(rsp), &len,
				 &err),
			 SDM_EINVAL);
	assert_int_equal(tr.xfer(tr.ctx, 0, cmd, sizeof(cmd), rsp, 9, &len,
				 &err),
			 SDM_EINVAL);
	assert_int_equal(m.requests, 0);
}

static void test_no_tpm(void **state)
{
	uint8_t rsp[64];
	size_t len;
	struct sdm_err err;

	m.absent = true;
	assert_int_equal(xfer(0, rsp, sizeof(rsp), &len, &err), SDM_EIO);
	assert_string_equal(err.msg,
			    "TIS: locality 0 registers not valid (ACCESS 0xff)");
}

static void test_never_ready(void **state)
{
	uint8_t rsp[64];
	size_t len;
	struct sdm_err err;

	m.never_ready = true;
	assert_int_equal(xfer(0, rsp, sizeof(rsp), &len, &err), SDM_EIO);
	assert_string_equal(err.msg,
			    "TIS: locality 0: TPM not ready (commandReady) within 2000 ms (STS 0x00000080)");
	assert_clean_end();
}

static void test_burst_zero_send(void **state)
{
	uint8_t rsp[64];
	size_t len;
	struct sdm_err err;
	unsigned ready_before;

	m.burst0_send = true;
	ready_before = m.ready_writes;
	assert_int_equal(xfer(1, rsp, sizeof(rsp), &len, &err), SDM_EIO);
	assert_string_equal(err.msg,
			    "TIS: locality 1: burstCount stayed 0 for 30 ms after 0 of 20 command bytes (STS 0x040000c0)");
	/* Aborted with commandReady (nothing was started: no cancel). */
	assert_int_equal(m.ready_writes, ready_before + 2);
	assert_int_equal(m.cancels, 0);
	assert_int_equal(m.gos, 0);
	assert_clean_end();
}

static void test_burst_zero_recv(void **state)
{
	uint8_t rsp[64];
	size_t len = 7;
	struct sdm_err err;

	m.burst0_recv = true;
	assert_int_equal(xfer(0, rsp, sizeof(rsp), &len, &err), SDM_EIO);
	assert_string_equal(err.msg,
			    "TIS: locality 0: burstCount stayed 0 for 30 ms after 0 of 10 response bytes (STS 0x04000090)");
	assert_int_equal(len, 0);
	assert_int_equal(m.cancels, 1);
	assert_int_equal(m.st, IDLE); /* the response was dropped */
	assert_clean_end();
}

static void test_response_too_big(void **state)
{
	uint8_t rsp[64];
	size_t len;
	struct sdm_err err;

	m.rsp_size_field = 4106;
	assert_int_equal(xfer(0, rsp, sizeof(rsp), &len, &err), SDM_ERANGE);
	assert_string_equal(err.msg,
			    "TIS: locality 0: response size field 4106 exceeds the 64-byte buffer");
	assert_int_equal(m.rsp_pos, 10); /* no byte read past the header */
	assert_int_equal(m.st, IDLE);
	assert_clean_end();
	m.rsp_size_field = 3;
	assert_int_equal(xfer(0, rsp, sizeof(rsp), &len, &err), SDM_EINVAL);
	assert_string_equal(err.msg,
			    "TIS: locality 0: response size field 3 is below the 10-byte header");
}

static void test_response_short_and_long(void **state)
{
	uint8_t rsp[64];
	size_t len;
	struct sdm_err err;

	m.rsp_trim = 10; /* size field says 30, only 20 bytes come */
	assert_int_equal(xfer(0, rsp, sizeof(rsp), &len, &err), SDM_EIO);
	assert_string_equal(err.msg,
			    "TIS: locality 0: response ended after 20 of 30 bytes (STS 0x04000080)");
	assert_clean_end();
	m.rsp_trim = 0;
	m.rsp_extra = 3;
	assert_int_equal(xfer(0, rsp, sizeof(rsp), &len, &err), SDM_EINVAL);
	assert_string_equal(err.msg,
			    "TIS: locality 0: TPM has data beyond the 30 bytes of its size field (STS 0x04000390)");
	assert_clean_end();
}

static void test_expect_wrong(void **state)
{
	uint8_t rsp[64];
	size_t len;
	struct sdm_err err;

	/* Expect drops after the first burst of 8 bytes. */
	m.expect_early = true;
	assert_int_equal(xfer(0, rsp, sizeof(rsp), &len, &err), SDM_EIO);
	assert_string_equal(err.msg,
			    "TIS: locality 0: TPM stopped expecting data after 8 of 20 command bytes (STS 0x04000880)");
	assert_int_equal(m.gos, 0);
	assert_clean_end();
	/* Expect stays set: the size field claims more than was sent. */
	m.expect_early = false;
	cmd[5] = 24;
	assert_int_equal(xfer(0, rsp, sizeof(rsp), &len, &err), SDM_EIO);
	assert_string_equal(err.msg,
			    "TIS: locality 0: TPM still expects data after all 20 command bytes (STS 0x04000888)");
	assert_int_equal(m.gos, 0);
	assert_clean_end();
}

static void test_data_avail_never(void **state)
{
	uint8_t rsp[64];
	size_t len;
	struct sdm_err err;
	uint64_t t0 = m.now;

	m.never_done = true;
	assert_int_equal(xfer(3, rsp, sizeof(rsp), &len, &err), SDM_EIO);
	assert_string_equal(err.msg,
			    "TIS: locality 3: no response within 120000 ms; command cancelled (STS 0x04000080)");
	assert_true(m.now - t0 >= 120000000ull);
	assert_true(m.now - t0 < 121000000ull);
	assert_int_equal(m.cancels, 1);
	assert_int_equal(m.st, IDLE); /* cancelled response dropped */
	assert_clean_end();
}

static uint64_t stuck_now(void *ctx)
{
	return 42;
}

static void test_clock_stuck(void **state)
{
	struct tpm_hw stuck = hw;
	uint8_t rsp[64];
	size_t len;
	struct sdm_err err;

	stuck.now_us = stuck_now;
	tis_init(&tis, &stuck, BASE);
	m.deny = true;
	assert_int_equal(tis_xfer(&tis, 0, cmd, sizeof(cmd), rsp, sizeof(rsp),
				  &len, &err),
			 SDM_EIO);
	assert_string_equal(err.msg,
			    "TIS: locality 0 not granted within 750 ms (clock not advancing) (ACCESS 0x81)");
}

static void test_drtm_hash(void **state)
{
	uint8_t data[100];
	struct sdm_err err;

	for (size_t i = 0; i < sizeof(data); i++)
		data[i] = (uint8_t)(i * 7);
	assert_int_equal(tis_drtm_hash(&tis, data, sizeof(data), &err),
			 SDM_OK);
	assert_int_equal(m.hash_starts, 1);
	assert_int_equal(m.hash_ends, 1);
	assert_int_equal(m.hashed_len, sizeof(data));
	assert_memory_equal(m.hashed, data, sizeof(data));
	assert_int_equal(m.relinquishes, 1);
	assert_clean_end();
	/* An empty sequence is legal: PCR 17 = H(0..0 || H("")). */
	assert_int_equal(tis_drtm_hash(&tis, data, 0, &err), SDM_OK);
	assert_int_equal(m.hash_ends, 2);
}

static void test_drtm_hash_failures(void **state)
{
	uint8_t data[20] = { 0 };
	struct sdm_err err;

	m.loc4_absent = true;
	assert_int_equal(tis_drtm_hash(&tis, data, sizeof(data), &err),
			 SDM_ENOENT);
	assert_string_equal(err.msg,
			    "TIS: locality 4 is not reachable (ACCESS_4 0xff); no D-RTM hash sequence");
	assert_int_equal(m.hash_starts, 0);
	m.loc4_absent = false;
	m.burst0_send = true;
	assert_int_equal(tis_drtm_hash(&tis, data, sizeof(data), &err),
			 SDM_EIO);
	assert_string_equal(err.msg,
			    "TIS: locality 4: burstCount stayed 0 for 30 ms after 0 of 20 hash bytes (STS 0x04000080)");
	assert_int_equal(m.hash_ends, 1); /* sequence closed */
	assert_clean_end();
	m.burst0_send = false;
	m.deny = true;
	assert_int_equal(tis_drtm_hash(&tis, data, sizeof(data), &err),
			 SDM_EIO);
	assert_string_equal(err.msg,
			    "TIS: locality 4 not granted within 750 ms (ACCESS 0x81)");
}

static void test_pmtimer(void **state)
{
	struct tpm_pmtimer t;

	tpm_pmtimer_init(&t, false);
	assert_int_equal(tpm_pmtimer_us(&t, 0xfffff0), 0);
	/* 0x10 + 0x10 ticks across the 24-bit wrap. */
	assert_int_equal(tpm_pmtimer_us(&t, 0x10), 32 * 1000000ull / 3579545);
	/* One second later, through several wraps counted one by one. */
	for (uint32_t i = 1; i <= 4; i++)
		tpm_pmtimer_us(&t, (0x10 + i * 0x400000) & 0xffffff);
	assert_int_equal(t.ticks, 32 + 4 * 0x400000ull);
	tpm_pmtimer_init(&t, true);
	tpm_pmtimer_us(&t, 0xffffffff);
	assert_int_equal(tpm_pmtimer_us(&t, 3579545 - 1), 1000000);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup(test_happy_path, setup),
		cmocka_unit_test_setup(test_sts_valid_lazy, setup),
		cmocka_unit_test_setup(test_burst_one_and_huge, setup),
		cmocka_unit_test_setup(test_locality_not_granted, setup),
		cmocka_unit_test_setup(test_bad_locality_and_sizes, setup),
		cmocka_unit_test_setup(test_no_tpm, setup),
		cmocka_unit_test_setup(test_never_ready, setup),
		cmocka_unit_test_setup(test_burst_zero_send, setup),
		cmocka_unit_test_setup(test_burst_zero_recv, setup),
		cmocka_unit_test_setup(test_response_too_big, setup),
		cmocka_unit_test_setup(test_response_short_and_long, setup),
		cmocka_unit_test_setup(test_expect_wrong, setup),
		cmocka_unit_test_setup(test_data_avail_never, setup),
		cmocka_unit_test_setup(test_clock_stuck, setup),
		cmocka_unit_test_setup(test_drtm_hash, setup),
		cmocka_unit_test_setup(test_drtm_hash_failures, setup),
		cmocka_unit_test_setup(test_pmtimer, setup),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
