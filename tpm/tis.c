/* TPM FIFO (TIS) transport; the protocol is described in tpm/tis.h. */
#include <string.h>
#include "tpm/tis.h"

#define HDR_LEN 10u /* tag u16, size u32, code u32: TPM 1.2 and 2.0 */
#define DRTM_LOCALITY 4

static uint64_t reg(const struct tis *t, unsigned loc, unsigned off)
{
	return t->base + (uint64_t)loc * TIS_LOCALITY_STRIDE + off;
}

static uint8_t access_rd(const struct tis *t, unsigned loc)
{
	return t->hw->rd8(t->hw->ctx, reg(t, loc, TIS_ACCESS));
}

static void access_wr(const struct tis *t, unsigned loc, uint8_t v)
{
	t->hw->wr8(t->hw->ctx, reg(t, loc, TIS_ACCESS), v);
}

static uint32_t sts_rd(const struct tis *t, unsigned loc)
{
	return t->hw->rd32(t->hw->ctx, reg(t, loc, TIS_STS));
}

/* Command bits live in byte 0 of TPM_STS; commandCancel in byte 3. */
static void sts_wr(const struct tis *t, unsigned loc, uint8_t v)
{
	t->hw->wr8(t->hw->ctx, reg(t, loc, TIS_STS), v);
}

static void sts_cancel(const struct tis *t, unsigned loc)
{
	t->hw->wr8(t->hw->ctx, reg(t, loc, TIS_STS) + 3,
		   (uint8_t)(TIS_STS_CANCEL >> 24));
}

static unsigned ms(uint64_t us)
{
	return (unsigned)(us / TPM_US_PER_MS);
}

static uint32_t burst(uint32_t sts)
{
	return (sts >> TIS_STS_BURST_SHIFT) & TIS_STS_BURST_MASK;
}

/*
 * Poll TPM_STS until (sts & mask) == want. An all-ones read (no device, or
 * a device that dropped off the bus) never matches.
 */
static bool wait_sts(const struct tis *t, unsigned loc, uint32_t mask,
		     uint32_t want, uint64_t us, uint32_t *sts,
		     struct tpm_deadline *d)
{
	tpm_deadline_start(d, t->hw, us);
	do {
		*sts = sts_rd(t, loc);
		if (*sts != 0xffffffffu && (*sts & mask) == want)
			return true;
	} while (tpm_deadline_left(d, t->hw));
	return false;
}

/*
 * Wait for a non-zero burstCount; 0 on timeout. stsValid qualifies only
 * Expect and dataAvail (QEMU's tpm-tis leaves it clear in Ready state),
 * so it is not required here.
 */
static uint32_t wait_burst(const struct tis *t, unsigned loc, uint32_t *sts,
			   struct tpm_deadline *d)
{
	tpm_deadline_start(d, t->hw, t->to.d_us);
	do {
		*sts = sts_rd(t, loc);
		if (*sts != 0xffffffffu && burst(*sts) != 0)
			return burst(*sts);
	} while (tpm_deadline_left(d, t->hw));
	return 0;
}

void tis_init(struct tis *tis, const struct tpm_hw *hw, uint64_t base)
{
	tis->hw = hw;
	tis->base = base;
	tis->to = tpm_timeouts_default();
}

void tis_transport(struct tis *tis, struct tpm_transport *t)
{
	t->name = "TIS";
	t->ctx = tis;
	t->xfer = tis_xfer;
}

int tis_request_locality(struct tis *t, unsigned loc, struct sdm_err *err)
{
	const uint8_t want = TIS_ACCESS_VALID | TIS_ACCESS_ACTIVE;
	struct tpm_deadline d;
	uint8_t acc;

	if (loc >= TIS_LOCALITIES)
		return sdm_err_set(err, SDM_EINVAL, "TIS: no locality %u", loc);
	acc = access_rd(t, loc);
	if (acc == 0xff || !(acc & TIS_ACCESS_VALID))
		return sdm_err_set(err, SDM_EIO,
				   "TIS: locality %u registers not valid (ACCESS 0x%02x)",
				   loc, acc);
	if ((acc & want) == want)
		return SDM_OK;
	access_wr(t, loc, TIS_ACCESS_REQUEST_USE);
	tpm_deadline_start(&d, t->hw, t->to.a_us);
	do {
		acc = access_rd(t, loc);
		if (acc != 0xff && (acc & want) == want)
			return SDM_OK;
	} while (tpm_deadline_left(&d, t->hw));
	/* Writing activeLocality while not active withdraws the request. */
	access_wr(t, loc, TIS_ACCESS_ACTIVE);
	return sdm_err_set(err, SDM_EIO,
			   "TIS: locality %u not granted within %u ms%s (ACCESS 0x%02x)",
			   loc, ms(t->to.a_us), tpm_deadline_note(&d), acc);
}

void tis_relinquish_locality(struct tis *t, unsigned loc)
{
	if (loc < TIS_LOCALITIES)
		access_wr(t, loc, TIS_ACCESS_ACTIVE);
}

enum abort_from {
	FROM_RECEPTION,  /* before tpmGo: commandReady drops the command */
	FROM_EXECUTION,  /* running: commandCancel, let it complete */
	FROM_COMPLETION, /* answered: commandReady drops the response */
};

/*
 * Abandon the command at loc and give up the locality, so that the next
 * command starts clean. commandCancel is written whenever tpmGo was (a
 * TPM that had already finished ignores it); a cancelled command still
 * completes (TPM_RC_CANCELED), bounded by TIMEOUT_B, before commandReady
 * drops whatever the TPM holds.
 */
static void tis_abort(const struct tis *t, unsigned loc, enum abort_from from)
{
	struct tpm_deadline d;
	uint32_t sts;

	if (from != FROM_RECEPTION)
		sts_cancel(t, loc);
	if (from == FROM_EXECUTION)
		wait_sts(t, loc, TIS_STS_VALID | TIS_STS_DATA_AVAIL,
			 TIS_STS_VALID | TIS_STS_DATA_AVAIL, t->to.b_us, &sts,
			 &d);
	sts_wr(t, loc, TIS_STS_COMMAND_READY);
	access_wr(t, loc, TIS_ACCESS_ACTIVE);
}

static int tis_ready(const struct tis *t, unsigned loc, struct sdm_err *err)
{
	struct tpm_deadline d;
	uint32_t sts = sts_rd(t, loc);

	if (sts != 0xffffffffu && (sts & TIS_STS_COMMAND_READY))
		return SDM_OK;
	sts_wr(t, loc, TIS_STS_COMMAND_READY);
	if (wait_sts(t, loc, TIS_STS_COMMAND_READY, TIS_STS_COMMAND_READY,
		     t->to.b_us, &sts, &d))
		return SDM_OK;
	return sdm_err_set(err, SDM_EIO,
			   "TIS: locality %u: TPM not ready (commandReady) within %u ms%s (STS 0x%08x)",
			   loc, ms(t->to.b_us), tpm_deadline_note(&d), sts);
}

/* Wait for stsValid and return TPM_STS, or fail naming what. */
static int valid_sts(const struct tis *t, unsigned loc, const char *when,
		     uint32_t *sts, struct sdm_err *err)
{
	struct tpm_deadline d;

	if (wait_sts(t, loc, TIS_STS_VALID, TIS_STS_VALID, t->to.c_us, sts,
		     &d))
		return SDM_OK;
	return sdm_err_set(err, SDM_EIO,
			   "TIS: locality %u: stsValid not set within %u ms%s %s (STS 0x%08x)",
			   loc, ms(t->to.c_us), tpm_deadline_note(&d), when,
			   *sts);
}

static int tis_send(const struct tis *t, unsigned loc, const uint8_t *cmd,
		    size_t len, struct sdm_err *err)
{
	uint64_t fifo = reg(t, loc, TIS_DATA_FIFO);
	struct tpm_deadline d;
	uint32_t sts;
	size_t i = 0;
	int rc;

	while (i < len) {
		uint32_t n = wait_burst(t, loc, &sts, &d);

		if (n == 0)
			return sdm_err_set(err, SDM_EIO,
					   "TIS: locality %u: burstCount stayed 0 for %u ms%s after %zu of %zu command bytes (STS 0x%08x)",
					   loc, ms(t->to.d_us),
					   tpm_deadline_note(&d), i, len, sts);
		if (n > len - i)
			n = (uint32_t)(len - i);
		while (n-- > 0)
			t->hw->wr8(t->hw->ctx, fifo, cmd[i++]);
		if (i == len)
			break;
		rc = valid_sts(t, loc, "while sending", &sts, err);
		if (rc != SDM_OK)
			return rc;
		if (!(sts & TIS_STS_EXPECT))
			return sdm_err_set(err, SDM_EIO,
					   "TIS: locality %u: TPM stopped expecting data after %zu of %zu command bytes (STS 0x%08x)",
					   loc, i, len, sts);
	}
	rc = valid_sts(t, loc, "after the command", &sts, err);
	if (rc != SDM_OK)
		return rc;
	if (sts & TIS_STS_EXPECT)
		return sdm_err_set(err, SDM_EIO,
				   "TIS: locality %u: TPM still expects data after all %zu command bytes (STS 0x%08x)",
				   loc, len, sts);
	return SDM_OK;
}

static int tis_recv(const struct tis *t, unsigned loc, uint8_t *rsp,
		    size_t cap, size_t *rsp_len, struct sdm_err *err)
{
	uint64_t fifo = reg(t, loc, TIS_DATA_FIFO);
	struct tpm_deadline d;
	size_t got = 0, want = HDR_LEN;
	uint32_t sts;
	int rc;

	while (got < want) {
		uint32_t n = wait_burst(t, loc, &sts, &d);

		if (n == 0)
			return sdm_err_set(err, SDM_EIO,
					   "TIS: locality %u: burstCount stayed 0 for %u ms%s after %zu of %zu response bytes (STS 0x%08x)",
					   loc, ms(t->to.d_us),
					   tpm_deadline_note(&d), got, want, sts);
		if (n > want - got)
			n = (uint32_t)(want - got);
		while (n-- > 0)
			rsp[got++] = t->hw->rd8(t->hw->ctx, fifo);
		if (got == HDR_LEN && want == HDR_LEN) {
			uint32_t size = (uint32_t)rsp[2] << 24 |
					(uint32_t)rsp[3] << 16 |
					(uint32_t)rsp[4] << 8 | rsp[5];

			if (size < HDR_LEN)
				return sdm_err_set(err, SDM_EINVAL,
						   "TIS: locality %u: response size field %u is below the %u-byte header",
						   loc, size, HDR_LEN);
			if (size > cap)
				return sdm_err_set(err, SDM_ERANGE,
						   "TIS: locality %u: response size field %u exceeds the %zu-byte buffer",
						   loc, size, cap);
			want = size;
		}
		if (got == want)
			break;
		rc = valid_sts(t, loc, "while receiving", &sts, err);
		if (rc != SDM_OK)
			return rc;
		if (!(sts & TIS_STS_DATA_AVAIL))
			return sdm_err_set(err, SDM_EIO,
					   "TIS: locality %u: response ended after %zu of %zu bytes (STS 0x%08x)",
					   loc, got, want, sts);
	}
	rc = valid_sts(t, loc, "after the response", &sts, err);
	if (rc != SDM_OK)
		return rc;
	if (sts & TIS_STS_DATA_AVAIL)
		return sdm_err_set(err, SDM_EINVAL,
				   "TIS: locality %u: TPM has data beyond the %zu bytes of its size field (STS 0x%08x)",
				   loc, want, sts);
	*rsp_len = got;
	return SDM_OK;
}

int tis_xfer(void *ctx, unsigned loc, const uint8_t *cmd, size_t cmd_len,
	     uint8_t *rsp, size_t rsp_cap, size_t *rsp_len,
	     struct sdm_err *err)
{
	struct tis *t = ctx;
	struct tpm_deadline d;
	uint32_t sts;
	int rc;

	*rsp_len = 0;
	if (cmd_len < HDR_LEN || cmd_len > TPM_MAX_COMMAND)
		return sdm_err_set(err, SDM_EINVAL,
				   "TIS: command of %zu bytes (must be %u..%u)",
				   cmd_len, HDR_LEN, TPM_MAX_COMMAND);
	if (rsp_cap < HDR_LEN)
		return sdm_err_set(err, SDM_EINVAL,
				   "TIS: response buffer of %zu bytes is below the header",
				   rsp_cap);
	rc = tis_request_locality(t, loc, err);
	if (rc != SDM_OK)
		return rc;
	rc = tis_ready(t, loc, err);
	if (rc == SDM_OK)
		rc = tis_send(t, loc, cmd, cmd_len, err);
	if (rc != SDM_OK) {
		tis_abort(t, loc, FROM_RECEPTION);
		return rc;
	}
	sts_wr(t, loc, TIS_STS_GO);
	if (!wait_sts(t, loc, TIS_STS_VALID | TIS_STS_DATA_AVAIL,
		      TIS_STS_VALID | TIS_STS_DATA_AVAIL, t->to.cmd_us, &sts,
		      &d)) {
		tis_abort(t, loc, FROM_EXECUTION);
		return sdm_err_set(err, SDM_EIO,
				   "TIS: locality %u: no response within %u ms%s; command cancelled (STS 0x%08x)",
				   loc, ms(t->to.cmd_us), tpm_deadline_note(&d),
				   sts);
	}
	rc = tis_recv(t, loc, rsp, rsp_cap, rsp_len, err);
	if (rc != SDM_OK) {
		*rsp_len = 0;
		tis_abort(t, loc, FROM_COMPLETION);
		return rc;
	}
	sts_wr(t, loc, TIS_STS_COMMAND_READY);
	tis_relinquish_locality(t, loc);
	return SDM_OK;
}

int tis_drtm_hash(struct tis *t, const uint8_t *data, size_t len,
		  struct sdm_err *err)
{
	const unsigned loc = DRTM_LOCALITY;
	uint8_t acc = access_rd(t, loc);
	struct tpm_deadline d;
	uint32_t sts;
	size_t i = 0;
	int rc;

	if (acc == 0xff || !(acc & TIS_ACCESS_VALID))
		return sdm_err_set(err, SDM_ENOENT,
				   "TIS: locality 4 is not reachable (ACCESS_4 0x%02x); no D-RTM hash sequence",
				   acc);
	rc = tis_request_locality(t, loc, err);
	if (rc != SDM_OK)
		return rc;
	t->hw->wr8(t->hw->ctx, reg(t, loc, TIS_HASH_START), 0);
	while (i < len) {
		uint32_t n = wait_burst(t, loc, &sts, &d);

		if (n == 0) {
			/* HASH_END closes the sequence; PCR 17 then holds
			 * the hash of a prefix, never the full data. */
			t->hw->wr8(t->hw->ctx, reg(t, loc, TIS_HASH_END), 0);
			tis_relinquish_locality(t, loc);
			return sdm_err_set(err, SDM_EIO,
					   "TIS: locality 4: burstCount stayed 0 for %u ms%s after %zu of %zu hash bytes (STS 0x%08x)",
					   ms(t->to.d_us),
					   tpm_deadline_note(&d), i, len, sts);
		}
		if (n > len - i)
			n = (uint32_t)(len - i);
		while (n-- > 0)
			t->hw->wr8(t->hw->ctx, reg(t, loc, TIS_HASH_DATA),
				   data[i++]);
	}
	t->hw->wr8(t->hw->ctx, reg(t, loc, TIS_HASH_END), 0);
	rc = valid_sts(t, loc, "after TPM_HASH_END", &sts, err);
	tis_relinquish_locality(t, loc);
	return rc;
}
