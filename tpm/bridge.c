/*
 * Emulator bridge: the frame codec (shared with tools/tpm-bridge) and the
 * guest side over a 16550 UART. The protocol is described in
 * tpm/bridge.h.
 */
#include <string.h>
#include "tpm/bridge.h"

#define HDR_LEN 10u      /* TPM command/response header */
#define MAX_STALE 4      /* replies to earlier requests skipped per request */
#define HELLO_MAX 64     /* longest HELLO reply we take */
#define TEXT_MAX 96      /* longest host error text we quote */

SDM_STATIC_ASSERT(TPM_MAX_COMMAND <= BRIDGE_MAX_PAYLOAD,
		  "a TPM command fits one COMMAND frame");
SDM_STATIC_ASSERT(BRIDGE_MAX_PAYLOAD <= 0xffff, "len is 16 bits");

static void put_be32(uint8_t *p, uint32_t v)
{
	p[0] = (uint8_t)(v >> 24);
	p[1] = (uint8_t)(v >> 16);
	p[2] = (uint8_t)(v >> 8);
	p[3] = (uint8_t)v;
}

static uint32_t get_be32(const uint8_t *p)
{
	return (uint32_t)p[0] << 24 | (uint32_t)p[1] << 16 |
	       (uint32_t)p[2] << 8 | p[3];
}

uint32_t bridge_crc32(uint32_t crc, const uint8_t *p, size_t n)
{
	crc = ~crc;
	while (n-- > 0) {
		crc ^= *p++;
		for (int k = 0; k < 8; k++)
			crc = (crc >> 1) ^ (0xedb88320u & (0u - (crc & 1u)));
	}
	return ~crc;
}

size_t bridge_frame_encode(const struct bridge_hdr *h,
			   const uint8_t *payload, uint8_t *out, size_t cap)
{
	size_t n = BRIDGE_HDR_LEN + (size_t)h->len + BRIDGE_CRC_LEN;

	if (h->len > BRIDGE_MAX_PAYLOAD || cap < n)
		return 0;
	out[0] = BRIDGE_MAGIC0;
	out[1] = BRIDGE_MAGIC1;
	out[2] = h->type;
	out[3] = h->locality;
	out[4] = h->seq;
	out[5] = h->status;
	out[6] = (uint8_t)(h->len >> 8);
	out[7] = (uint8_t)h->len;
	if (h->len > 0)
		memcpy(out + BRIDGE_HDR_LEN, payload, h->len);
	put_be32(out + BRIDGE_HDR_LEN + h->len,
		 bridge_crc32(0, out, BRIDGE_HDR_LEN + (size_t)h->len));
	return n;
}

int bridge_hdr_decode(const uint8_t *hdr, struct bridge_hdr *h,
		      struct sdm_err *err)
{
	if (hdr[0] != BRIDGE_MAGIC0 || hdr[1] != BRIDGE_MAGIC1)
		return sdm_err_set(err, SDM_EINVAL,
				   "bridge: bad frame magic 0x%02x%02x",
				   hdr[0], hdr[1]);
	h->type = hdr[2];
	h->locality = hdr[3];
	h->seq = hdr[4];
	h->status = hdr[5];
	h->len = (uint16_t)(hdr[6] << 8 | hdr[7]);
	if (h->len > BRIDGE_MAX_PAYLOAD)
		return sdm_err_set(err, SDM_ERANGE,
				   "bridge: frame payload of %u bytes exceeds %u",
				   h->len, BRIDGE_MAX_PAYLOAD);
	return SDM_OK;
}

int bridge_frame_check(const uint8_t *frame, size_t len,
		       struct bridge_hdr *h, struct sdm_err *err)
{
	uint32_t want, got;
	int rc;

	if (len < BRIDGE_HDR_LEN + BRIDGE_CRC_LEN)
		return sdm_err_set(err, SDM_EINVAL,
				   "bridge: frame of %zu bytes is shorter than header and CRC",
				   len);
	rc = bridge_hdr_decode(frame, h, err);
	if (rc != SDM_OK)
		return rc;
	if (len != BRIDGE_HDR_LEN + (size_t)h->len + BRIDGE_CRC_LEN)
		return sdm_err_set(err, SDM_EINVAL,
				   "bridge: frame of %zu bytes but its header says %u payload bytes",
				   len, h->len);
	want = get_be32(frame + BRIDGE_HDR_LEN + h->len);
	got = bridge_crc32(0, frame, BRIDGE_HDR_LEN + (size_t)h->len);
	if (want != got)
		return sdm_err_set(err, SDM_ECHKSUM,
				   "bridge: %s frame (seq %u, %u bytes) has CRC 0x%08x, computed 0x%08x",
				   bridge_type_name(h->type), h->seq, h->len,
				   want, got);
	return SDM_OK;
}

const char *bridge_type_name(uint8_t type)
{
	switch (type & ~BRIDGE_REPLY) {
	case BRIDGE_HELLO: return "HELLO";
	case BRIDGE_COMMAND: return "COMMAND";
	case BRIDGE_HASH_START: return "HASH_START";
	case BRIDGE_HASH_DATA: return "HASH_DATA";
	case BRIDGE_HASH_END: return "HASH_END";
	default: return "unknown";
	}
}

const char *bridge_status_name(uint8_t status)
{
	switch (status) {
	case BRIDGE_OK: return "ok";
	case BRIDGE_ELOCALITY: return "wrong locality";
	case BRIDGE_EFRAME: return "bad frame";
	case BRIDGE_ESEQUENCE: return "out of sequence";
	case BRIDGE_ECOMMAND: return "bad command";
	case BRIDGE_ETPM: return "TPM error";
	default: return "unknown status";
	}
}

/* ---------------------------------------------------------------- UART */

static uint8_t uart_in(const struct bridge *b, unsigned reg)
{
	return b->hw->inb(b->hw->ctx, (uint16_t)(b->port + reg));
}

static void uart_out(const struct bridge *b, unsigned reg, uint8_t v)
{
	b->hw->outb(b->hw->ctx, (uint16_t)(b->port + reg), v);
}

static unsigned ms(uint64_t us)
{
	return (unsigned)(us / TPM_US_PER_MS);
}

int bridge_init(struct bridge *b, const struct tpm_hw *hw, uint16_t port,
		struct sdm_err *err)
{
	const uint16_t divisor = UART_BAUD_BASE / 115200u;
	uint8_t s1, s2, lsr;

	b->hw = hw;
	b->port = port;
	b->seq = 0;
	b->to = tpm_timeouts_default();
	b->byte_us = BRIDGE_BYTE_US;
	uart_out(b, UART_IER, 0);
	uart_out(b, UART_LCR, UART_LCR_DLAB);
	uart_out(b, UART_RBR, (uint8_t)divisor);
	uart_out(b, UART_IER, (uint8_t)(divisor >> 8));
	uart_out(b, UART_LCR, UART_LCR_8N1);
	uart_out(b, UART_FCR, 0x07); /* FIFOs on, both cleared */
	uart_out(b, UART_MCR, 0x03); /* DTR, RTS */
	uart_out(b, UART_SCR, 0x5a);
	s1 = uart_in(b, UART_SCR);
	uart_out(b, UART_SCR, 0xa5);
	s2 = uart_in(b, UART_SCR);
	lsr = uart_in(b, UART_LSR);
	if (s1 != 0x5a || s2 != 0xa5 || lsr == 0xff)
		return sdm_err_set(err, SDM_ENOENT,
				   "bridge: no UART at I/O port 0x%x (scratch 0x%02x/0x%02x, LSR 0x%02x)",
				   port, s1, s2, lsr);
	return SDM_OK;
}

static int tx(const struct bridge *b, const uint8_t *p, size_t n,
	      struct sdm_err *err)
{
	struct tpm_deadline d;
	uint8_t lsr = 0;

	for (size_t i = 0; i < n; i++) {
		tpm_deadline_start(&d, b->hw, b->byte_us);
		do {
			lsr = uart_in(b, UART_LSR);
			if (lsr != 0xff && (lsr & UART_LSR_THRE))
				break;
		} while (tpm_deadline_left(&d, b->hw));
		if (lsr == 0xff || !(lsr & UART_LSR_THRE))
			return sdm_err_set(err, SDM_EIO,
					   "bridge: UART transmitter busy for %u ms%s after %zu of %zu bytes (LSR 0x%02x)",
					   ms(b->byte_us), tpm_deadline_note(&d),
					   i, n, lsr);
		uart_out(b, UART_RBR, p[i]);
	}
	return SDM_OK;
}

enum rx_result { RX_OK, RX_TIMEOUT, RX_LINE_ERROR };

/* One received byte before deadline d passes. */
static enum rx_result rx(const struct bridge *b, struct tpm_deadline *d,
			 uint8_t *c, uint8_t *lsr)
{
	do {
		*lsr = uart_in(b, UART_LSR);
		if (*lsr != 0xff) {
			if (*lsr & UART_LSR_ERRORS)
				return RX_LINE_ERROR;
			if (*lsr & UART_LSR_DR) {
				*c = uart_in(b, UART_RBR);
				return RX_OK;
			}
		}
	} while (tpm_deadline_left(d, b->hw));
	return RX_TIMEOUT;
}

/* Drop whatever is waiting in the receiver (a late reply), bounded. */
static void drain(const struct bridge *b)
{
	for (unsigned i = 0; i < BRIDGE_MAX_FRAME; i++) {
		uint8_t lsr = uart_in(b, UART_LSR);

		if (lsr == 0xff || !(lsr & UART_LSR_DR))
			return;
		(void)uart_in(b, UART_RBR);
	}
}

/* n bytes of a frame whose start was seen, each within byte_us. */
static int rx_rest(struct bridge *b, const struct bridge_hdr *req,
		   uint8_t *p, size_t n, size_t done, size_t total,
		   struct sdm_err *err)
{
	struct tpm_deadline d;
	uint8_t lsr;

	for (size_t i = 0; i < n; i++) {
		enum rx_result r;

		tpm_deadline_start(&d, b->hw, b->byte_us);
		r = rx(b, &d, &p[i], &lsr);
		if (r == RX_LINE_ERROR)
			return sdm_err_set(err, SDM_EIO,
					   "bridge: UART receive error (LSR 0x%02x) in the reply to %s",
					   lsr, bridge_type_name(req->type));
		if (r == RX_TIMEOUT)
			return sdm_err_set(err, SDM_EIO,
					   "bridge: reply to %s (seq %u) stopped for %u ms%s after %zu of %zu bytes",
					   bridge_type_name(req->type), req->seq,
					   ms(b->byte_us), tpm_deadline_note(&d),
					   done + i, total);
	}
	return SDM_OK;
}

/*
 * The reply to req, into b->frame: hunt for the magic within first_us
 * (skipping line noise and at most MAX_STALE replies to earlier
 * requests), then header, payload and CRC at byte pace.
 */
static int rx_reply(struct bridge *b, const struct bridge_hdr *req,
		    uint64_t first_us, struct bridge_hdr *h,
		    struct sdm_err *err)
{
	struct tpm_deadline hunt;
	size_t skipped = 0;
	unsigned stale = 0;
	int rc;

	tpm_deadline_start(&hunt, b->hw, first_us);
	for (;;) {
		uint8_t c, prev = 0, lsr;

		for (;;) {
			enum rx_result r = rx(b, &hunt, &c, &lsr);

			if (r == RX_LINE_ERROR)
				return sdm_err_set(err, SDM_EIO,
						   "bridge: UART receive error (LSR 0x%02x) awaiting the reply to %s",
						   lsr, bridge_type_name(req->type));
			if (r == RX_TIMEOUT)
				return sdm_err_set(err, SDM_EIO,
						   "bridge: no reply to %s (seq %u, locality %u) within %u ms%s (%zu stray bytes)",
						   bridge_type_name(req->type),
						   req->seq, req->locality,
						   ms(first_us),
						   tpm_deadline_note(&hunt),
						   skipped);
			if (prev == BRIDGE_MAGIC0 && c == BRIDGE_MAGIC1)
				break;
			if (prev == BRIDGE_MAGIC0)
				skipped++;
			if (c != BRIDGE_MAGIC0)
				skipped++;
			prev = c;
			if (skipped > BRIDGE_MAX_FRAME)
				return sdm_err_set(err, SDM_EIO,
						   "bridge: no frame start in %zu bytes awaiting the reply to %s",
						   skipped,
						   bridge_type_name(req->type));
		}
		b->frame[0] = BRIDGE_MAGIC0;
		b->frame[1] = BRIDGE_MAGIC1;
		rc = rx_rest(b, req, b->frame + 2, BRIDGE_HDR_LEN - 2, 2,
			     BRIDGE_HDR_LEN, err);
		if (rc == SDM_OK)
			rc = bridge_hdr_decode(b->frame, h, err);
		if (rc != SDM_OK)
			return rc;
		size_t total = BRIDGE_HDR_LEN + (size_t)h->len + BRIDGE_CRC_LEN;

		rc = rx_rest(b, req, b->frame + BRIDGE_HDR_LEN,
			     total - BRIDGE_HDR_LEN, BRIDGE_HDR_LEN, total, err);
		if (rc == SDM_OK)
			rc = bridge_frame_check(b->frame, total, h, err);
		if (rc != SDM_OK)
			return rc;
		if (h->seq == req->seq)
			break;
		if (++stale > MAX_STALE)
			return sdm_err_set(err, SDM_EIO,
					   "bridge: %u replies to other requests (last seq %u) awaiting seq %u",
					   stale, h->seq, req->seq);
	}
	if (h->type != (req->type | BRIDGE_REPLY) ||
	    h->locality != req->locality)
		return sdm_err_set(err, SDM_EINVAL,
				   "bridge: reply type 0x%02x at locality %u does not answer %s at locality %u",
				   h->type, h->locality,
				   bridge_type_name(req->type), req->locality);
	return SDM_OK;
}

/* Printable ASCII copy of untrusted text, NUL-terminated. */
static void sanitize(char *out, size_t cap, const uint8_t *p, size_t n)
{
	size_t i;

	if (cap == 0)
		return;
	for (i = 0; i < n && i + 1 < cap; i++)
		out[i] = p[i] >= 0x20 && p[i] < 0x7f ? (char)p[i] : '?';
	out[i] = '\0';
}

int bridge_request(struct bridge *b, uint8_t type, unsigned loc,
		   const uint8_t *payload, size_t len, uint8_t *rsp,
		   size_t cap, size_t *rsp_len, struct sdm_err *err)
{
	struct bridge_hdr req, h;
	size_t n;
	int rc;

	*rsp_len = 0;
	if (loc > BRIDGE_DRTM_LOCALITY)
		return sdm_err_set(err, SDM_EINVAL, "bridge: no locality %u",
				   loc);
	if (len > BRIDGE_MAX_PAYLOAD)
		return sdm_err_set(err, SDM_ERANGE,
				   "bridge: %s payload of %zu bytes exceeds %u",
				   bridge_type_name(type), len,
				   BRIDGE_MAX_PAYLOAD);
	req.type = type;
	req.locality = (uint8_t)loc;
	req.seq = ++b->seq;
	req.status = 0;
	req.len = (uint16_t)len;
	n = bridge_frame_encode(&req, payload, b->frame, sizeof(b->frame));
	drain(b);
	rc = tx(b, b->frame, n, err);
	if (rc == SDM_OK)
		rc = rx_reply(b, &req, type == BRIDGE_HELLO ? b->to.b_us
							    : b->to.cmd_us,
			      &h, err);
	if (rc != SDM_OK)
		return rc;
	if (h.status != BRIDGE_OK) {
		char text[TEXT_MAX];

		sanitize(text, sizeof(text), b->frame + BRIDGE_HDR_LEN, h.len);
		return sdm_err_set(err, SDM_EIO,
				   "bridge: host refused %s at locality %u (%s): %s",
				   bridge_type_name(type), loc,
				   bridge_status_name(h.status), text);
	}
	if (h.len > cap)
		return sdm_err_set(err, SDM_ERANGE,
				   "bridge: reply to %s of %u bytes exceeds the %zu-byte buffer",
				   bridge_type_name(type), h.len, cap);
	if (h.len > 0)
		memcpy(rsp, b->frame + BRIDGE_HDR_LEN, h.len);
	*rsp_len = h.len;
	return SDM_OK;
}

int bridge_hello(struct bridge *b, char *name, size_t cap,
		 struct sdm_err *err)
{
	uint8_t rsp[HELLO_MAX];
	size_t len;
	int rc;

	rc = bridge_request(b, BRIDGE_HELLO, 0, NULL, 0, rsp, sizeof(rsp),
			    &len, err);
	if (rc != SDM_OK)
		return rc;
	if (len < 1 || rsp[0] != BRIDGE_VERSION)
		return sdm_err_set(err, SDM_EINVAL,
				   "bridge: host half speaks version %d, we speak %u",
				   len < 1 ? -1 : rsp[0], BRIDGE_VERSION);
	sanitize(name, cap, rsp + 1, len - 1);
	return SDM_OK;
}

void bridge_transport(struct bridge *b, struct tpm_transport *t)
{
	t->name = "bridge";
	t->ctx = b;
	t->xfer = bridge_xfer;
}

int bridge_xfer(void *ctx, unsigned loc, const uint8_t *cmd, size_t cmd_len,
		uint8_t *rsp, size_t rsp_cap, size_t *rsp_len,
		struct sdm_err *err)
{
	struct bridge *b = ctx;
	uint32_t size;
	int rc;

	*rsp_len = 0;
	if (cmd_len < HDR_LEN || cmd_len > TPM_MAX_COMMAND)
		return sdm_err_set(err, SDM_EINVAL,
				   "bridge: command of %zu bytes (must be %u..%u)",
				   cmd_len, HDR_LEN, TPM_MAX_COMMAND);
	rc = bridge_request(b, BRIDGE_COMMAND, loc, cmd, cmd_len, rsp,
			    rsp_cap, rsp_len, err);
	if (rc != SDM_OK)
		return rc;
	size = *rsp_len >= HDR_LEN ? get_be32(rsp + 2) : 0;
	if (*rsp_len < HDR_LEN || size != *rsp_len) {
		rc = sdm_err_set(err, SDM_EINVAL,
				 "bridge: TPM response of %zu bytes has size field %u",
				 *rsp_len, size);
		*rsp_len = 0;
		return rc;
	}
	return SDM_OK;
}

int bridge_drtm_hash(struct bridge *b, const uint8_t *data, size_t len,
		     struct sdm_err *err)
{
	const unsigned loc = BRIDGE_DRTM_LOCALITY;
	uint8_t none[1];
	size_t got, i = 0;
	int rc;

	rc = bridge_request(b, BRIDGE_HASH_START, loc, NULL, 0, none, 0, &got,
			    err);
	while (rc == SDM_OK && i < len) {
		size_t n = len - i < BRIDGE_MAX_PAYLOAD ? len - i
							: BRIDGE_MAX_PAYLOAD;

		rc = bridge_request(b, BRIDGE_HASH_DATA, loc, data + i, n,
				    none, 0, &got, err);
		i += n;
	}
	if (rc == SDM_OK)
		rc = bridge_request(b, BRIDGE_HASH_END, loc, NULL, 0, none, 0,
				    &got, err);
	return rc;
}
