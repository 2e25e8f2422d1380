/* TPM CRB transport; the protocol is described in tpm/crb.h. */
#include <string.h>
#include "tpm/crb.h"

#define HDR_LEN 10u /* tag u16, size u32, code u32 */

static uint64_t page(const struct crb *c, unsigned loc)
{
	return c->base + (uint64_t)loc * CRB_LOCALITY_STRIDE;
}

static uint32_t rd(const struct crb *c, unsigned loc, unsigned off)
{
	return c->hw->rd32(c->hw->ctx, page(c, loc) + off);
}

static void wr(const struct crb *c, unsigned loc, unsigned off, uint32_t v)
{
	c->hw->wr32(c->hw->ctx, page(c, loc) + off, v);
}

static unsigned ms(uint64_t us)
{
	return (unsigned)(us / TPM_US_PER_MS);
}

/* Poll a register until (v & mask) == want; all ones never matches. */
static bool wait_reg(const struct crb *c, unsigned loc, unsigned off,
		     uint32_t mask, uint32_t want, uint64_t us, uint32_t *v,
		     struct tpm_deadline *d)
{
	tpm_deadline_start(d, c->hw, us);
	do {
		*v = rd(c, loc, off);
		if (*v != 0xffffffffu && (*v & mask) == want)
			return true;
	} while (tpm_deadline_left(d, c->hw));
	return false;
}

void crb_init(struct crb *crb, const struct tpm_hw *hw, uint64_t base)
{
	memset(crb, 0, sizeof(*crb));
	crb->hw = hw;
	crb->base = base;
	crb->to = tpm_timeouts_default();
}

int crb_allow_buffer(struct crb *crb, uint64_t pa, uint64_t len,
		     struct sdm_err *err)
{
	struct mem_range r;

	if (!mr_from_len(pa, len, &r))
		return sdm_err_set(err, SDM_ERANGE,
				   "CRB: buffer range 0x%llx+0x%llx wraps",
				   (unsigned long long)pa,
				   (unsigned long long)len);
	if (crb->n_allowed >= CRB_MAX_RANGES)
		return sdm_err_set(err, SDM_ENOSPC,
				   "CRB: more than %u extra buffer ranges",
				   CRB_MAX_RANGES);
	crb->allowed[crb->n_allowed++] = r;
	return SDM_OK;
}

void crb_transport(struct crb *crb, struct tpm_transport *t)
{
	t->name = "CRB";
	t->ctx = crb;
	t->xfer = crb_xfer;
}

static bool loc_granted(uint32_t state, unsigned loc)
{
	return state != 0xffffffffu && (state & CRB_LOC_STATE_VALID) &&
	       (state & CRB_LOC_STATE_ASSIGNED) &&
	       ((state >> CRB_LOC_STATE_ACTIVE_SHIFT) &
		CRB_LOC_STATE_ACTIVE_MASK) == loc;
}

int crb_request_locality(struct crb *c, unsigned loc, struct sdm_err *err)
{
	struct tpm_deadline d;
	uint32_t state;

	if (loc >= CRB_LOCALITIES)
		return sdm_err_set(err, SDM_EINVAL, "CRB: no locality %u", loc);
	state = rd(c, loc, CRB_LOC_STATE);
	if (state == 0xffffffffu || !(state & CRB_LOC_STATE_VALID))
		return sdm_err_set(err, SDM_EIO,
				   "CRB: locality %u registers not valid (LOC_STATE 0x%08x)",
				   loc, state);
	if (loc_granted(state, loc))
		return SDM_OK;
	wr(c, loc, CRB_LOC_CTRL, CRB_LOC_CTRL_REQUEST);
	tpm_deadline_start(&d, c->hw, c->to.a_us);
	do {
		state = rd(c, loc, CRB_LOC_STATE);
		if (loc_granted(state, loc))
			return SDM_OK;
	} while (tpm_deadline_left(&d, c->hw));
	wr(c, loc, CRB_LOC_CTRL, CRB_LOC_CTRL_RELINQUISH);
	return sdm_err_set(err, SDM_EIO,
			   "CRB: locality %u not granted within %u ms%s (LOC_STATE 0x%08x)",
			   loc, ms(c->to.a_us), tpm_deadline_note(&d), state);
}

void crb_relinquish_locality(struct crb *c, unsigned loc)
{
	if (loc < CRB_LOCALITIES)
		wr(c, loc, CRB_LOC_CTRL, CRB_LOC_CTRL_RELINQUISH);
}

static int crb_ready(const struct crb *c, unsigned loc, struct sdm_err *err)
{
	struct tpm_deadline d;
	uint32_t v = rd(c, loc, CRB_CTRL_STS);

	if (v != 0xffffffffu && (v & CRB_STS_FATAL))
		return sdm_err_set(err, SDM_EIO,
				   "CRB: locality %u: TPM reports a fatal error (CTRL_STS 0x%08x)",
				   loc, v);
	wr(c, loc, CRB_CTRL_REQ, CRB_REQ_CMD_READY);
	if (!wait_reg(c, loc, CRB_CTRL_REQ, CRB_REQ_CMD_READY, 0, c->to.c_us,
		      &v, &d))
		return sdm_err_set(err, SDM_EIO,
				   "CRB: locality %u: cmdReady not taken within %u ms%s (CTRL_REQ 0x%08x)",
				   loc, ms(c->to.c_us), tpm_deadline_note(&d), v);
	v = rd(c, loc, CRB_CTRL_STS);
	if (v == 0xffffffffu || (v & (CRB_STS_FATAL | CRB_STS_IDLE)))
		return sdm_err_set(err, SDM_EIO,
				   "CRB: locality %u: TPM not ready after cmdReady (CTRL_STS 0x%08x)",
				   loc, v);
	return SDM_OK;
}

/* A buffer the device names must lie inside memory we know is the TPM's. */
static bool buffer_allowed(const struct crb *c, unsigned loc, uint64_t pa,
			   uint32_t size)
{
	struct mem_range r, own;

	if (!mr_from_len(pa, size, &r))
		return false;
	own.base = page(c, loc) + CRB_DATA_BUFFER;
	own.end = page(c, loc) + CRB_DATA_BUFFER_END;
	if (mr_contains(own, r))
		return true;
	for (unsigned i = 0; i < c->n_allowed; i++)
		if (mr_contains(c->allowed[i], r))
			return true;
	return false;
}

struct bufs {
	uint64_t cmd_pa, rsp_pa;
	uint32_t cmd_size, rsp_size;
};

static int read_bufs(const struct crb *c, unsigned loc, size_t cmd_len,
		     struct bufs *b, struct sdm_err *err)
{
	b->cmd_size = rd(c, loc, CRB_CTRL_CMD_SIZE);
	b->cmd_pa = (uint64_t)rd(c, loc, CRB_CTRL_CMD_HADDR) << 32 |
		    rd(c, loc, CRB_CTRL_CMD_LADDR);
	b->rsp_size = rd(c, loc, CRB_CTRL_RSP_SIZE);
	b->rsp_pa = (uint64_t)rd(c, loc, CRB_CTRL_RSP_ADDR + 4) << 32 |
		    rd(c, loc, CRB_CTRL_RSP_ADDR);
	if (b->cmd_size < HDR_LEN ||
	    !buffer_allowed(c, loc, b->cmd_pa, b->cmd_size))
		return sdm_err_set(err, SDM_ERANGE,
				   "CRB: locality %u: command buffer 0x%llx size 0x%x is outside the allowed ranges",
				   loc, (unsigned long long)b->cmd_pa,
				   b->cmd_size);
	if (b->rsp_size < HDR_LEN ||
	    !buffer_allowed(c, loc, b->rsp_pa, b->rsp_size))
		return sdm_err_set(err, SDM_ERANGE,
				   "CRB: locality %u: response buffer 0x%llx size 0x%x is outside the allowed ranges",
				   loc, (unsigned long long)b->rsp_pa,
				   b->rsp_size);
	if (cmd_len > b->cmd_size)
		return sdm_err_set(err, SDM_ERANGE,
				   "CRB: locality %u: command of %zu bytes exceeds the %u-byte command buffer",
				   loc, cmd_len, b->cmd_size);
	return SDM_OK;
}

/* START set, wait for the TPM to clear it; cancel on timeout. */
static int run(const struct crb *c, unsigned loc, struct sdm_err *err)
{
	struct tpm_deadline d;
	uint32_t v;
	bool done;

	wr(c, loc, CRB_CTRL_START, 1);
	if (wait_reg(c, loc, CRB_CTRL_START, 1, 0, c->to.cmd_us, &v, &d)) {
		v = rd(c, loc, CRB_CTRL_STS);
		if (v == 0xffffffffu || (v & CRB_STS_FATAL))
			return sdm_err_set(err, SDM_EIO,
					   "CRB: locality %u: TPM reports a fatal error after the command (CTRL_STS 0x%08x)",
					   loc, v);
		return SDM_OK;
	}
	wr(c, loc, CRB_CTRL_CANCEL, 1);
	done = wait_reg(c, loc, CRB_CTRL_START, 1, 0, c->to.b_us, &v, &d);
	wr(c, loc, CRB_CTRL_CANCEL, 0);
	return sdm_err_set(err, SDM_EIO,
			   "CRB: locality %u: START not cleared within %u ms%s; %s (CTRL_START 0x%08x)",
			   loc, ms(c->to.cmd_us), tpm_deadline_note(&d),
			   done ? "command cancelled"
				: "cancel ignored for TIMEOUT_B too",
			   v);
}

static int read_rsp(const struct crb *c, unsigned loc, const struct bufs *b,
		    uint8_t *rsp, size_t cap, size_t *rsp_len,
		    struct sdm_err *err)
{
	const struct tpm_hw *hw = c->hw;
	uint32_t size;

	for (unsigned i = 0; i < HDR_LEN; i++)
		rsp[i] = hw->rd8(hw->ctx, b->rsp_pa + i);
	size = (uint32_t)rsp[2] << 24 | (uint32_t)rsp[3] << 16 |
	       (uint32_t)rsp[4] << 8 | rsp[5];
	if (size < HDR_LEN)
		return sdm_err_set(err, SDM_EINVAL,
				   "CRB: locality %u: response size field %u is below the %u-byte header",
				   loc, size, HDR_LEN);
	if (size > b->rsp_size)
		return sdm_err_set(err, SDM_ERANGE,
				   "CRB: locality %u: response size field %u exceeds the %u-byte response buffer",
				   loc, size, b->rsp_size);
	if (size > cap)
		return sdm_err_set(err, SDM_ERANGE,
				   "CRB: locality %u: response size field %u exceeds the %zu-byte buffer",
				   loc, size, cap);
	for (uint32_t i = HDR_LEN; i < size; i++)
		rsp[i] = hw->rd8(hw->ctx, b->rsp_pa + i);
	*rsp_len = size;
	return SDM_OK;
}

int crb_xfer(void *ctx, unsigned loc, const uint8_t *cmd, size_t cmd_len,
	     uint8_t *rsp, size_t rsp_cap, size_t *rsp_len,
	     struct sdm_err *err)
{
	struct crb *c = ctx;
	struct bufs b;
	int rc;

	*rsp_len = 0;
	if (cmd_len < HDR_LEN || cmd_len > TPM_MAX_COMMAND)
		return sdm_err_set(err, SDM_EINVAL,
				   "CRB: command of %zu bytes (must be %u..%u)",
				   cmd_len, HDR_LEN, TPM_MAX_COMMAND);
	if (rsp_cap < HDR_LEN)
		return sdm_err_set(err, SDM_EINVAL,
				   "CRB: response buffer of %zu bytes is below the header",
				   rsp_cap);
	rc = crb_request_locality(c, loc, err);
	if (rc != SDM_OK)
		return rc;
	rc = crb_ready(c, loc, err);
	if (rc == SDM_OK)
		rc = read_bufs(c, loc, cmd_len, &b, err);
	if (rc == SDM_OK) {
		for (size_t i = 0; i < cmd_len; i++)
			c->hw->wr8(c->hw->ctx, b.cmd_pa + i, cmd[i]);
		rc = run(c, loc, err);
	}
	if (rc == SDM_OK)
		rc = read_rsp(c, loc, &b, rsp, rsp_cap, rsp_len, err);
	if (rc != SDM_OK)
		*rsp_len = 0;
	wr(c, loc, CRB_CTRL_REQ, CRB_REQ_GO_IDLE);
	crb_relinquish_locality(c, loc);
	return rc;
}
