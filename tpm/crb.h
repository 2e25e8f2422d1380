/*
 * TPM CRB transport (TCG PC Client Platform TPM Profile (PTP) spec,
 * section 6.5.3 "CRB Interface"). TPM 2.0 only exists behind CRB, but
 * the transport moves bytes and does not care.
 *
 * Locality L's registers are at base + L * 0x1000. One command,
 * crb_xfer():
 *   1. request L: TPM_LOC_CTRL.requestAccess, wait TPM_LOC_STATE with
 *      tpmRegValidSts, locAssigned and activeLocality == L (TIMEOUT_A);
 *   2. TPM_CRB_CTRL_REQ.cmdReady, wait for the TPM to clear it
 *      (TIMEOUT_C); TPM_CRB_CTRL_STS.tpmSts (fatal error) must be clear;
 *   3. read the command and response buffer address and size registers.
 *      They are hostile: each buffer must lie wholly inside L's data
 *      buffer (0x80..0xfff of L's page) or inside a range the caller
 *      allowed with crb_allow_buffer() (firmware TPMs put the buffers in
 *      reserved RAM named by the ACPI TPM2 table);
 *   4. copy the command, write TPM_CRB_CTRL_START = 1 and wait for the
 *      TPM to clear it (tpm_timeouts.cmd_us); on timeout write
 *      TPM_CRB_CTRL_CANCEL = 1, wait up to TIMEOUT_B for START to clear,
 *      then write CANCEL = 0;
 *   5. read the 10-byte header, check its size field against both the
 *      response buffer and the caller's buffer, copy the response;
 *   6. TPM_CRB_CTRL_REQ.goIdle and relinquish L (not waited for: the
 *      next command's cmdReady step waits).
 */
#ifndef SDM_TPM_CRB_H
#define SDM_TPM_CRB_H
#include <sdm/err.h>
#include <sdm/memrange.h>
#include "tpm/hw.h"
#include "tpm/tpm.h"

#define CRB_LOCALITIES 5
#define CRB_LOCALITY_STRIDE 0x1000u

/* Register offsets within a locality page (PTP Table "CRB registers"). */
#define CRB_LOC_STATE 0x00
#define CRB_LOC_CTRL 0x08
#define CRB_LOC_STS 0x0c
#define CRB_INTF_ID 0x30
#define CRB_CTRL_REQ 0x40
#define CRB_CTRL_STS 0x44
#define CRB_CTRL_CANCEL 0x48
#define CRB_CTRL_START 0x4c
#define CRB_CTRL_CMD_SIZE 0x58
#define CRB_CTRL_CMD_LADDR 0x5c
#define CRB_CTRL_CMD_HADDR 0x60
#define CRB_CTRL_RSP_SIZE 0x64
#define CRB_CTRL_RSP_ADDR 0x68 /* 64 bits: low word, then high at 0x6c */
#define CRB_DATA_BUFFER 0x80
#define CRB_DATA_BUFFER_END 0x1000

/* TPM_LOC_STATE_x */
#define CRB_LOC_STATE_ESTABLISHED (1u << 0)
#define CRB_LOC_STATE_ASSIGNED (1u << 1)
#define CRB_LOC_STATE_ACTIVE_SHIFT 2 /* bits 4:2 */
#define CRB_LOC_STATE_ACTIVE_MASK 0x7u
#define CRB_LOC_STATE_VALID (1u << 7)
/* TPM_LOC_CTRL_x */
#define CRB_LOC_CTRL_REQUEST (1u << 0)
#define CRB_LOC_CTRL_RELINQUISH (1u << 1)
/* TPM_CRB_CTRL_REQ_x */
#define CRB_REQ_CMD_READY (1u << 0)
#define CRB_REQ_GO_IDLE (1u << 1)
/* TPM_CRB_CTRL_STS_x */
#define CRB_STS_FATAL (1u << 0) /* tpmSts */
#define CRB_STS_IDLE (1u << 1)

#define CRB_MAX_RANGES 2

struct crb {
	const struct tpm_hw *hw;
	uint64_t base;
	struct tpm_timeouts to;
	struct mem_range allowed[CRB_MAX_RANGES]; /* beyond the data buffer */
	unsigned n_allowed;
};

/* Set up a CRB transport at base with the spec's timeouts (no I/O). */
void crb_init(struct crb *crb, const struct tpm_hw *hw, uint64_t base);

/*
 * Also accept command/response buffers inside [pa, pa + len). The caller
 * vouches that the range is the TPM's and not memory anyone else uses.
 * SDM_ENOSPC when CRB_MAX_RANGES are taken, SDM_ERANGE if it wraps.
 */
int crb_allow_buffer(struct crb *crb, uint64_t pa, uint64_t len,
		     struct sdm_err *err);

void crb_transport(struct crb *crb, struct tpm_transport *t);

/* The tpm_transport xfer: ctx is a struct crb. */
int crb_xfer(void *ctx, unsigned locality, const uint8_t *cmd,
	     size_t cmd_len, uint8_t *rsp, size_t rsp_cap, size_t *rsp_len,
	     struct sdm_err *err);

int crb_request_locality(struct crb *crb, unsigned locality,
			 struct sdm_err *err);
void crb_relinquish_locality(struct crb *crb, unsigned locality);

#endif
