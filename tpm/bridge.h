/*
 * Emulator bridge: a TPM reached over a 16550 UART, for Bochs, which has
 * no TPM. Bochs connects its second UART (`com2: enabled=1,
 * mode=socket-client, dev=localhost:PORT`, I/O port 0x2F8) to a TCP port
 * where the host half, tools/tpm-bridge (sdm-tpm-bridge), forwards
 * frames to swtpm's data and control channels. Test images only: the
 * bridge is named as such in the log and the event log.
 *
 * Wire format, the same in both directions (multi-byte fields
 * big-endian):
 *
 *   offset size  field
 *   0      2     magic     0x53 0x42 ("SB")
 *   2      1     type      request: BRIDGE_HELLO, BRIDGE_COMMAND,
 *                          BRIDGE_HASH_START, BRIDGE_HASH_DATA,
 *                          BRIDGE_HASH_END; reply: request type | 0x80
 *   3      1     locality  0..4; a reply echoes its request's
 *   4      1     seq       request number, echoed by the reply
 *   5      1     status    0 in requests; BRIDGE_OK or BRIDGE_E* in replies
 *   6      2     len       payload bytes, 0..BRIDGE_MAX_PAYLOAD
 *   8      len   payload   COMMAND: the TPM command; its reply: the TPM
 *                          response. HASH_DATA: up to 4096 bytes of the
 *                          measured data. HELLO reply: BRIDGE_VERSION and
 *                          the host half's name in ASCII. Any reply with
 *                          a status other than BRIDGE_OK: ASCII text
 *                          saying why.
 *   8+len  4     crc       CRC-32 (IEEE 802.3, reflected, as zlib's
 *                          crc32()) of bytes 0 .. 8+len-1
 *
 * One reply answers each request, in order. The host half refuses
 * HASH_START/HASH_DATA/HASH_END at any locality but 4 (BRIDGE_ELOCALITY),
 * as a chipset passes the D-RTM sequence only from the CPU at locality 4,
 * and it tells swtpm the locality of each command (control channel
 * CMD_SET_LOCALITY).
 *
 * The guest side waits on the UART's LSR with a deadline for every byte
 * (tpm_timeouts.cmd_us for the first byte of a reply, BRIDGE_BYTE_US
 * between bytes), so a missing or silent host half ends in an error.
 */
#ifndef SDM_TPM_BRIDGE_H
#define SDM_TPM_BRIDGE_H
#include <sdm/err.h>
#include "tpm/hw.h"
#include "tpm/tpm.h"

#define BRIDGE_MAGIC0 0x53
#define BRIDGE_MAGIC1 0x42
#define BRIDGE_VERSION 1
#define BRIDGE_HDR_LEN 8
#define BRIDGE_CRC_LEN 4
#define BRIDGE_MAX_PAYLOAD 4096
#define BRIDGE_MAX_FRAME (BRIDGE_HDR_LEN + BRIDGE_MAX_PAYLOAD + BRIDGE_CRC_LEN)
#define BRIDGE_DRTM_LOCALITY 4

enum bridge_type {
	BRIDGE_HELLO = 0x01,
	BRIDGE_COMMAND = 0x02,
	BRIDGE_HASH_START = 0x03,
	BRIDGE_HASH_DATA = 0x04,
	BRIDGE_HASH_END = 0x05,
	BRIDGE_REPLY = 0x80, /* or-ed into the request type */
};

enum bridge_status {
	BRIDGE_OK = 0,
	BRIDGE_ELOCALITY = 1, /* D-RTM frame at a locality other than 4 */
	BRIDGE_EFRAME = 2,    /* bad CRC, type, locality or length */
	BRIDGE_ESEQUENCE = 3, /* HASH_DATA/HASH_END without HASH_START */
	BRIDGE_ECOMMAND = 4,  /* command's size field differs from len */
	BRIDGE_ETPM = 5,      /* swtpm failed or refused (text says how) */
};

struct bridge_hdr {
	uint8_t type;
	uint8_t locality;
	uint8_t seq;
	uint8_t status;
	uint16_t len;
};

/* ---- the frame codec, shared with the host half ---- */

/* CRC-32/IEEE over p[0..n), continuing from crc (start with 0). */
uint32_t bridge_crc32(uint32_t crc, const uint8_t *p, size_t n);

/*
 * Write header, payload (h->len bytes) and CRC to out. Returns the frame
 * length, or 0 if h->len > BRIDGE_MAX_PAYLOAD or cap is too small.
 */
size_t bridge_frame_encode(const struct bridge_hdr *h,
			   const uint8_t *payload, uint8_t *out, size_t cap);

/* Check magic and length of the 8 header bytes and decode them. */
int bridge_hdr_decode(const uint8_t *hdr, struct bridge_hdr *h,
		      struct sdm_err *err);

/* Check a whole frame (header, payload, CRC) of exactly len bytes. */
int bridge_frame_check(const uint8_t *frame, size_t len,
		       struct bridge_hdr *h, struct sdm_err *err);

const char *bridge_type_name(uint8_t type);
const char *bridge_status_name(uint8_t status);

/* ---- the guest side ---- */

#define BRIDGE_COM2 0x2f8
#define BRIDGE_BYTE_US 1000000u /* longest gap inside one frame */

/* 16550 registers (offsets from the I/O base) and the bits we use. */
#define UART_RBR 0 /* read; THR on write; DLL with LCR.DLAB */
#define UART_IER 1 /* DLM with LCR.DLAB */
#define UART_FCR 2
#define UART_LCR 3
#define UART_MCR 4
#define UART_LSR 5
#define UART_SCR 7
#define UART_LCR_DLAB 0x80
#define UART_LCR_8N1 0x03
#define UART_LSR_DR 0x01
#define UART_LSR_ERRORS 0x1e /* overrun, parity, framing, break */
#define UART_LSR_THRE 0x20
#define UART_BAUD_BASE 115200u

struct bridge {
	const struct tpm_hw *hw;
	uint16_t port;
	uint8_t seq;
	struct tpm_timeouts to;
	uint64_t byte_us;
	uint8_t frame[BRIDGE_MAX_FRAME];
};

/*
 * Program the UART at port for 115200 8N1, FIFOs on, no interrupts, and
 * check that it is there (scratch register and LSR). No frame is sent.
 */
int bridge_init(struct bridge *b, const struct tpm_hw *hw, uint16_t port,
		struct sdm_err *err);

/*
 * Ask whether the host half is there, within TIMEOUT_B. On success name
 * holds its name (printable ASCII, NUL-terminated, cut to cap).
 */
int bridge_hello(struct bridge *b, char *name, size_t cap,
		 struct sdm_err *err);

/*
 * One request and its reply: payload of len bytes out, the reply's payload
 * (at most cap bytes) back. A reply with a status other than BRIDGE_OK
 * is an error quoting the host's text.
 */
int bridge_request(struct bridge *b, uint8_t type, unsigned locality,
		   const uint8_t *payload, size_t len, uint8_t *rsp,
		   size_t cap, size_t *rsp_len, struct sdm_err *err);

void bridge_transport(struct bridge *b, struct tpm_transport *t);

/* The tpm_transport xfer: ctx is a struct bridge. */
int bridge_xfer(void *ctx, unsigned locality, const uint8_t *cmd,
		size_t cmd_len, uint8_t *rsp, size_t rsp_cap, size_t *rsp_len,
		struct sdm_err *err);

/*
 * D-RTM at locality 4: HASH_START, data in HASH_DATA frames of at most
 * BRIDGE_MAX_PAYLOAD bytes, HASH_END. swtpm then holds
 * PCR17 = H(0...0 || H(data)) in every bank and PCRs 18-22 = 0.
 */
int bridge_drtm_hash(struct bridge *b, const uint8_t *data, size_t len,
		     struct sdm_err *err);

#endif
