/*
 * CRB transport against a device model: five locality pages with their
 * data buffers, a region of "RAM" for firmware-TPM style buffers, and a
 * TPM that answers with a canned response (header + the command echoed)
 * some polls after START. The fake clock advances on every register
 * read. Any access outside the modelled pages fails the test, so a
 * refused buffer is also shown to be untouched.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <string.h>
#include <cmocka.h>
#include "tpm/crb.h"

#define BASE 0xfed40000ull
#define RAM 0x7f000000ull
#define RAM_SIZE 0x2000u

struct model {
	uint64_t now, step;
	int active; /* -1: none */
	bool deny, absent, fatal, fatal_after, never_ready, never_done,
		cancel_ignored;
	uint8_t pages[5][0x1000];
	uint8_t ram[RAM_SIZE];
	uint64_t cmd_pa, rsp_pa;
	uint32_t cmd_size, rsp_size;
	uint32_t req, start, cancel;
	unsigned exec_polls, polls_left;
	long rsp_size_field;
	bool idle;
	unsigned starts, cancels, cancel_clears, goidles, relinquishes,
		requests;
};

static struct model m;

static uint8_t *mem(uint64_t pa)
{
	if (pa >= BASE && pa < BASE + 5 * 0x1000) {
		unsigned off = (unsigned)((pa - BASE) & 0xfff);

		assert_true(off >= CRB_DATA_BUFFER); /* data buffer only */
		return &m.pages[(pa - BASE) >> 12][off];
	}
	if (pa >= RAM && pa < RAM + RAM_SIZE)
		return &m.ram[pa - RAM];
	fail_msg("access to 0x%llx outside the TPM's buffers",
		 (unsigned long long)pa);
	return NULL;
}

static void execute(void)
{
	uint8_t cmd[64];
	uint32_t n, size;

	for (unsigned i = 0; i < 6; i++)
		cmd[i] = *mem(m.cmd_pa + i);
	n = (uint32_t)cmd[2] << 24 | (uint32_t)cmd[3] << 16 |
	    (uint32_t)cmd[4] << 8 | cmd[5];
	assert_true(n <= sizeof(cmd));
	for (unsigned i = 0; i < n; i++)
		cmd[i] = *mem(m.cmd_pa + i);
	size = m.rsp_size_field >= 0 ? (uint32_t)m.rsp_size_field : 10 + n;
	uint8_t hdr[10] = { 0x80, 0x01, size >> 24, size >> 16, size >> 8,
			    size & 0xff, 0, 0, 0, 0 };
	for (unsigned i = 0; i < 10; i++)
		*mem(m.rsp_pa + i) = hdr[i];
	for (unsigned i = 0; i < n; i++)
		*mem(m.rsp_pa + 10 + i) = cmd[i];
}

static uint32_t reg_rd(unsigned loc, unsigned off)
{
	uint32_t state = CRB_LOC_STATE_VALID;

	switch (off) {
	case CRB_LOC_STATE:
		if (m.active >= 0)
			state |= CRB_LOC_STATE_ASSIGNED |
				 (uint32_t)m.active << CRB_LOC_STATE_ACTIVE_SHIFT;
		return state;
	case CRB_CTRL_STS:
		return (m.fatal ? CRB_STS_FATAL : 0) |
		       (m.idle ? CRB_STS_IDLE : 0);
	case CRB_CTRL_REQ:
		return m.req;
	case CRB_CTRL_START:
		if (m.start && !m.never_done && --m.polls_left == 0) {
			execute();
			m.start = 0;
			if (m.fatal_after)
				m.fatal = true;
		}
		return m.start;
	case CRB_CTRL_CMD_SIZE: return m.cmd_size;
	case CRB_CTRL_CMD_LADDR: return (uint32_t)m.cmd_pa;
	case CRB_CTRL_CMD_HADDR: return (uint32_t)(m.cmd_pa >> 32);
	case CRB_CTRL_RSP_SIZE: return m.rsp_size;
	case CRB_CTRL_RSP_ADDR: return (uint32_t)m.rsp_pa;
	case CRB_CTRL_RSP_ADDR + 4: return (uint32_t)(m.rsp_pa >> 32);
	default:
		fail_msg("rd32 at offset 0x%x", off);
	}
	return 0;
}

static uint32_t rd32(void *ctx, uint64_t pa)
{
	m.now += m.step;
	assert_true(pa >= BASE && pa < BASE + 5 * 0x1000);
	if (m.absent)
		return 0xffffffffu;
	return reg_rd((unsigned)((pa - BASE) >> 12),
		      (unsigned)((pa - BASE) & 0xfff));
}

static void wr32(void *ctx, uint64_t pa, uint32_t v)
{
	unsigned loc = (unsigned)((pa - BASE) >> 12);
	unsigned off = (unsigned)((pa - BASE) & 0xfff);

	assert_true(pa >= BASE && pa < BASE + 5 * 0x1000);
	switch (off) {
	case CRB_LOC_CTRL:
		if (v & CRB_LOC_CTRL_REQUEST) {
			m.requests++;
			if (!m.deny && m.active < 0)
				m.active = (int)loc;
		}
		if (v & CRB_LOC_CTRL_RELINQUISH) {
			m.relinquishes++;
			if (m.active == (int)loc)
				m.active = -1;
		}
		return;
	case CRB_CTRL_REQ:
		assert_int_equal(m.active, (int)loc);
		if (v & CRB_REQ_CMD_READY) {
			m.req = m.never_ready ? CRB_REQ_CMD_READY : 0;
			m.idle = m.never_ready;
		}
		if (v & CRB_REQ_GO_IDLE) {
			m.goidles++;
			m.idle = true;
		}
		return;
	case CRB_CTRL_START:
		assert_int_equal(m.active, (int)loc);
		assert_int_equal(v, 1);
		assert_false(m.idle);
		m.starts++;
		m.start = 1;
		m.polls_left = m.exec_polls;
		return;
	case CRB_CTRL_CANCEL:
		if (v == 1) {
			m.cancels++;
			if (!m.cancel_ignored)
				m.start = 0;
		} else {
			assert_int_equal(v, 0);
			m.cancel_clears++;
		}
		return;
	default:
		fail_msg("wr32 at offset 0x%x", off);
	}
}

static uint8_t rd8(void *ctx, uint64_t pa)
{
	return *mem(pa);
}

static void wr8(void *ctx, uint64_t pa, uint8_t v)
{
	*mem(pa) = v;
}

static uint64_t now_us(void *ctx)
{
	return m.now;
}

static const struct tpm_hw hw = {
	.rd8 = rd8, .rd32 = rd32, .wr8 = wr8, .wr32 = wr32, .now_us = now_us,
};

static struct crb crb;
static struct tpm_transport tr;
static const uint8_t cmd[20] = { 0x80, 0x01, 0, 0, 0, 20, 0, 0, 0x01, 0x7b,
				 0, 8, 1, 2, 3, 4, 5, 6, 7, 8 };

/* The layout QEMU's tpm-crb uses: one buffer for command and response. */
static void own_buffer(unsigned loc)
{
	m.cmd_pa = m.rsp_pa = BASE + loc * 0x1000ull + CRB_DATA_BUFFER;
	m.cmd_size = m.rsp_size = 0xf80;
}

static int setup(void **state)
{
	memset(&m, 0, sizeof(m));
	m.step = 1000;
	m.active = -1;
	m.idle = true;
	m.exec_polls = 3;
	m.rsp_size_field = -1;
	own_buffer(0);
	crb_init(&crb, &hw, BASE);
	crb_transport(&crb, &tr);
	return 0;
}

static int xfer(unsigned loc, uint8_t *rsp, size_t cap, size_t *len,
		struct sdm_err *err)
{
	return tr.xfer(tr.ctx, loc, cmd, sizeof(cmd), rsp, cap, len, err);
}

static void assert_clean_end(void)
{
	assert_int_equal(m.active, -1);
	assert_true(m.idle);
}

static void test_happy_path(void **state)
{
	uint8_t rsp[64];
	size_t len;
	struct sdm_err err;

	for (unsigned loc = 0; loc < 5; loc++) {
		own_buffer(loc);
		assert_int_equal(xfer(loc, rsp, sizeof(rsp), &len, &err),
				 SDM_OK);
		assert_int_equal(len, 30);
		assert_int_equal(rsp[5], 30);
		assert_memory_equal(rsp + 10, cmd, sizeof(cmd));
		assert_clean_end();
	}
	assert_int_equal(m.starts, 5);
	assert_int_equal(m.goidles, 5);
	assert_int_equal(m.cancels, 0);
	assert_string_equal(tr.name, "CRB");
}

static void test_separate_buffers_in_allowed_ram(void **state)
{
	uint8_t rsp[64];
	size_t len;
	struct sdm_err err;

	m.cmd_pa = RAM;
	m.cmd_size = 0x1000;
	m.rsp_pa = RAM + 0x1000;
	m.rsp_size = 0x1000;
	assert_int_equal(xfer(0, rsp, sizeof(rsp), &len, &err), SDM_ERANGE);
	assert_string_equal(err.msg,
			    "CRB: locality 0: command buffer 0x7f000000 size 0x1000 is outside the allowed ranges");
	assert_int_equal(m.starts, 0);
	assert_clean_end();
	assert_int_equal(crb_allow_buffer(&crb, RAM, RAM_SIZE, &err), SDM_OK);
	assert_int_equal(xfer(0, rsp, sizeof(rsp), &len, &err), SDM_OK);
	assert_int_equal(len, 30);
	assert_memory_equal(rsp + 10, cmd, sizeof(cmd));
	assert_memory_equal(m.ram, cmd, sizeof(cmd));
	/* Range bookkeeping: full table, wrapping range. */
	assert_int_equal(crb_allow_buffer(&crb, RAM, 1, &err), SDM_OK);
	assert_int_equal(crb_allow_buffer(&crb, RAM, 1, &err), SDM_ENOSPC);
	assert_int_equal(crb_allow_buffer(&crb, ~0ull, 2, &err), SDM_ERANGE);
}

static void test_buffer_outside_refused(void **state)
{
	uint8_t rsp[64];
	size_t len;
	struct sdm_err err;

	/* The data buffer of another locality is not ours. */
	own_buffer(1);
	assert_int_equal(xfer(0, rsp, sizeof(rsp), &len, &err), SDM_ERANGE);
	assert_string_equal(err.msg,
			    "CRB: locality 0: command buffer 0xfed41080 size 0xf80 is outside the allowed ranges");
	/* Starts inside, runs past the page. */
	own_buffer(0);
	m.rsp_size = 0xf81;
	assert_int_equal(xfer(0, rsp, sizeof(rsp), &len, &err), SDM_ERANGE);
	assert_string_equal(err.msg,
			    "CRB: locality 0: response buffer 0xfed40080 size 0xf81 is outside the allowed ranges");
	/* Overlapping the registers below the data buffer. */
	m.rsp_size = 0xf80;
	m.cmd_pa = BASE + 0x40;
	assert_int_equal(xfer(0, rsp, sizeof(rsp), &len, &err), SDM_ERANGE);
	/* Wrapping around the address space. */
	m.cmd_pa = 0xffffffffffffff00ull;
	m.cmd_size = 0x1000;
	assert_int_equal(xfer(0, rsp, sizeof(rsp), &len, &err), SDM_ERANGE);
	assert_string_equal(err.msg,
			    "CRB: locality 0: command buffer 0xffffffffffffff00 size 0x1000 is outside the allowed ranges");
	/* Smaller than a header. */
	own_buffer(0);
	m.rsp_size = 9;
	assert_int_equal(xfer(0, rsp, sizeof(rsp), &len, &err), SDM_ERANGE);
	/* Too small for this command. */
	own_buffer(0);
	m.cmd_size = 16;
	assert_int_equal(xfer(0, rsp, sizeof(rsp), &len, &err), SDM_ERANGE);
	assert_string_equal(err.msg,
			    "CRB: locality 0: command of 20 bytes exceeds the 16-byte command buffer");
	assert_int_equal(m.starts, 0);
	assert_clean_end();
}

static void test_start_never_clears(void **state)
{
	uint8_t rsp[64];
	size_t len;
	struct sdm_err err;
	uint64_t t0 = m.now;

	m.never_done = true;
	own_buffer(2);
	assert_int_equal(xfer(2, rsp, sizeof(rsp), &len, &err), SDM_EIO);
	assert_string_equal(err.msg,
			    "CRB: locality 2: START not cleared within 120000 ms; command cancelled (CTRL_START 0x00000000)");
	assert_true(m.now - t0 >= 120000000ull && m.now - t0 < 121000000ull);
	assert_int_equal(m.cancels, 1);
	assert_int_equal(m.cancel_clears, 1); /* CANCEL written back to 0 */
	assert_int_equal(len, 0);
	assert_clean_end();
	m.cancel_ignored = true;
	assert_int_equal(xfer(2, rsp, sizeof(rsp), &len, &err), SDM_EIO);
	assert_string_equal(err.msg,
			    "CRB: locality 2: START not cleared within 120000 ms; cancel ignored for TIMEOUT_B too (CTRL_START 0x00000001)");
	assert_int_equal(m.cancel_clears, 2);
}

static void test_locality_not_granted(void **state)
{
	uint8_t rsp[64];
	size_t len;
	struct sdm_err err;

	m.deny = true;
	assert_int_equal(xfer(2, rsp, sizeof(rsp), &len, &err), SDM_EIO);
	assert_string_equal(err.msg,
			    "CRB: locality 2 not granted within 750 ms (LOC_STATE 0x00000080)");
	assert_int_equal(m.relinquishes, 1); /* request withdrawn */
	m.deny = false;
	m.absent = true;
	assert_int_equal(xfer(0, rsp, sizeof(rsp), &len, &err), SDM_EIO);
	assert_string_equal(err.msg,
			    "CRB: locality 0 registers not valid (LOC_STATE 0xffffffff)");
	assert_int_equal(xfer(7, rsp, sizeof(rsp), &len, &err), SDM_EINVAL);
}

static void test_response_size_refused(void **state)
{
	uint8_t rsp[64];
	size_t len;
	struct sdm_err err;

	m.rsp_size_field = 0xf81;
	assert_int_equal(xfer(0, rsp, sizeof(rsp), &len, &err), SDM_ERANGE);
	assert_string_equal(err.msg,
			    "CRB: locality 0: response size field 3969 exceeds the 3968-byte response buffer");
	m.rsp_size_field = 65;
	assert_int_equal(xfer(0, rsp, sizeof(rsp), &len, &err), SDM_ERANGE);
	assert_string_equal(err.msg,
			    "CRB: locality 0: response size field 65 exceeds the 64-byte buffer");
	m.rsp_size_field = 9;
	assert_int_equal(xfer(0, rsp, sizeof(rsp), &len, &err), SDM_EINVAL);
	assert_int_equal(len, 0);
	assert_clean_end();
}

static void test_fatal_and_not_ready(void **state)
{
	uint8_t rsp[64];
	size_t len;
	struct sdm_err err;

	m.fatal = true;
	assert_int_equal(xfer(0, rsp, sizeof(rsp), &len, &err), SDM_EIO);
	assert_string_equal(err.msg,
			    "CRB: locality 0: TPM reports a fatal error (CTRL_STS 0x00000003)");
	m.fatal = false;
	m.fatal_after = true;
	assert_int_equal(xfer(0, rsp, sizeof(rsp), &len, &err), SDM_EIO);
	assert_string_equal(err.msg,
			    "CRB: locality 0: TPM reports a fatal error after the command (CTRL_STS 0x00000001)");
	m.fatal = m.fatal_after = false;
	m.never_ready = true;
	assert_int_equal(xfer(0, rsp, sizeof(rsp), &len, &err), SDM_EIO);
	assert_string_equal(err.msg,
			    "CRB: locality 0: cmdReady not taken within 200 ms (CTRL_REQ 0x00000001)");
	assert_int_equal(m.active, -1);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup(test_happy_path, setup),
		cmocka_unit_test_setup(test_separate_buffers_in_allowed_ram,
				       setup),
		cmocka_unit_test_setup(test_buffer_outside_refused, setup),
		cmocka_unit_test_setup(test_start_never_clears, setup),
		cmocka_unit_test_setup(test_locality_not_granted, setup),
		cmocka_unit_test_setup(test_response_size_refused, setup),
		cmocka_unit_test_setup(test_fatal_and_not_ready, setup),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
