/*
 * TPM FIFO transport (TCG PC Client Platform TPM Profile (PTP) spec,
 * section 6.5.2 "FIFO Interface", the successor of the TIS 1.3 spec).
 *
 * A byte transport for TPM 1.2 and 2.0 alike: it only uses the 10-byte
 * header common to both families (tag u16, size u32, code u32, big-endian)
 * to know how long a response is. Locality L's registers are at
 * base + L * 0x1000 (base is 0xFED40000 on PC platforms), L = 0..4.
 *
 * One command, tis_xfer():
 *   1. request locality L (TPM_ACCESS.requestUse; wait activeLocality,
 *      TIMEOUT_A);
 *   2. make the TPM ready (TPM_STS.commandReady, TIMEOUT_B);
 *   3. write the command into TPM_DATA_FIFO in bursts of at most
 *      TPM_STS.burstCount bytes (each non-zero within TIMEOUT_D); Expect
 *      must stay set until the last byte and clear after it (stsValid
 *      within TIMEOUT_C);
 *   4. tpmGo; wait dataAvail for at most tpm_timeouts.cmd_us, else
 *      commandCancel;
 *   5. read the 10-byte header, check its size against the caller's
 *      buffer, read the rest; dataAvail must clear exactly at the end;
 *   6. commandReady (the response is consumed) and relinquish L.
 * On any failure after step 1 the command is aborted (commandCancel once
 * tpmGo was written, then commandReady) and L is relinquished, so the
 * next command starts clean.
 *
 * tis_drtm_hash() is the D-RTM sequence of the locality-4 registers
 * TPM_HASH_START (0x28), TPM_HASH_DATA (0x24) and TPM_HASH_END (0x20).
 * Chipsets forward locality 4 only from the CPU's SENTER/SKINIT
 * microcode, and QEMU drops it, so on most machines this fails ("locality
 * 4 is not reachable", or "not granted" after TIMEOUT_A on QEMU) and the
 * caller records a static launch.
 */
#ifndef SDM_TPM_TIS_H
#define SDM_TPM_TIS_H
#include <sdm/err.h>
#include "tpm/hw.h"
#include "tpm/tpm.h"

#define TIS_LOCALITIES 5
#define TIS_LOCALITY_STRIDE 0x1000u

/* Register offsets within a locality page (PTP Table "FIFO registers"). */
#define TIS_ACCESS 0x00
#define TIS_STS 0x18
#define TIS_HASH_END 0x20  /* locality 4 only */
#define TIS_DATA_FIFO 0x24
#define TIS_HASH_DATA 0x24 /* locality 4 only, during a hash sequence */
#define TIS_HASH_START 0x28 /* locality 4 only */

/* TPM_ACCESS_x (8 bits). */
#define TIS_ACCESS_ESTABLISHMENT (1u << 0)
#define TIS_ACCESS_REQUEST_USE (1u << 1)
#define TIS_ACCESS_PENDING (1u << 2)
#define TIS_ACCESS_SEIZE (1u << 3)
#define TIS_ACCESS_SEIZED (1u << 4)
#define TIS_ACCESS_ACTIVE (1u << 5)
#define TIS_ACCESS_VALID (1u << 7) /* tpmRegValidSts */

/* TPM_STS_x (32 bits). */
#define TIS_STS_RESPONSE_RETRY (1u << 1)
#define TIS_STS_EXPECT (1u << 3)
#define TIS_STS_DATA_AVAIL (1u << 4)
#define TIS_STS_GO (1u << 5)
#define TIS_STS_COMMAND_READY (1u << 6)
#define TIS_STS_VALID (1u << 7)
#define TIS_STS_BURST_SHIFT 8
#define TIS_STS_BURST_MASK 0xffffu /* bits 23:8 */
#define TIS_STS_CANCEL (1u << 24)  /* commandCancel, written as byte 3 */

struct tis {
	const struct tpm_hw *hw;
	uint64_t base;
	struct tpm_timeouts to;
};

/* Set up a FIFO transport at base with the spec's timeouts (no I/O). */
void tis_init(struct tis *tis, const struct tpm_hw *hw, uint64_t base);

/* Fill t so that t->xfer(t->ctx, ...) calls tis_xfer on tis. */
void tis_transport(struct tis *tis, struct tpm_transport *t);

/* The tpm_transport xfer: ctx is a struct tis. */
int tis_xfer(void *ctx, unsigned locality, const uint8_t *cmd,
	     size_t cmd_len, uint8_t *rsp, size_t rsp_cap, size_t *rsp_len,
	     struct sdm_err *err);

/* Request and relinquish a locality (used by tis_xfer; exported for
 * callers that hold a locality across several commands). */
int tis_request_locality(struct tis *tis, unsigned locality,
			 struct sdm_err *err);
void tis_relinquish_locality(struct tis *tis, unsigned locality);

/*
 * D-RTM: TPM_HASH_START, data through TPM_HASH_DATA (burstCount-paced),
 * TPM_HASH_END, all at locality 4. The TPM resets PCRs 17-22 and extends
 * PCR 17 with H(data) in every bank: PCR17 = H(0...0 || H(data)).
 * Locality 4 is requested first like any other, and burstCount paces the
 * HASH_DATA writes as it paces the FIFO: our reading of the PTP text,
 * checked only against tests/unit/test_tis.c's model, since no device we
 * can run passes locality 4 (QEMU's tpm-tis reads ACCESS_4 but ignores
 * writes there, so this fails after TIMEOUT_A with "not granted").
 */
int tis_drtm_hash(struct tis *tis, const uint8_t *data, size_t len,
		  struct sdm_err *err);

#endif
