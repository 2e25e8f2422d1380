/*
 * TPM marshalling: a big-endian command builder and a response reader,
 * both bounds-checked over caller storage (STYLE.md 7).
 *
 * Builder: every put either fits or sets `overflow`, which sticks: once
 * set, every later put is a no-op and tpm_buf_cmd_finish() refuses the
 * command. Code that builds a command therefore checks once, at the end.
 *
 * Reader: every get either lies wholly inside the response or marks the
 * reader bad, which sticks: the first failure's offset and message are
 * kept (in the reader and in *err), later gets return zero and copy
 * nothing. A parser reads what it needs, then calls tpm_rd_end().
 *
 * Both TPM families share the header layout (TPM 2.0 Part 1 18.2/18.4,
 * TPM 1.2 Main Part 3 1.1): tag u16, size u32 (whole command/response),
 * command code u32 / response code u32.
 */
#ifndef SDM_TPM_BUF_H
#define SDM_TPM_BUF_H
#include <sdm/err.h>
#include <sdm/types.h>

#define TPM_HEADER_SIZE 10u

struct tpm_buf {
	uint8_t *p;
	size_t cap;
	size_t len;
	bool overflow; /* sticky */
};

void tpm_buf_init(struct tpm_buf *b, void *mem, size_t cap);
void tpm_buf_u8(struct tpm_buf *b, uint8_t v);
void tpm_buf_u16(struct tpm_buf *b, uint16_t v);
void tpm_buf_u32(struct tpm_buf *b, uint32_t v);
void tpm_buf_u64(struct tpm_buf *b, uint64_t v);
void tpm_buf_bytes(struct tpm_buf *b, const void *p, size_t n);
/* TPM2B: u16 size, then the bytes; n > 0xffff sets overflow. */
void tpm_buf_tpm2b(struct tpm_buf *b, const void *p, size_t n);
/* Overwrite a u32 already put at off (a size field). */
void tpm_buf_set_u32(struct tpm_buf *b, size_t off, uint32_t v);

static inline bool tpm_buf_ok(const struct tpm_buf *b)
{
	return !b->overflow;
}

/* Start a command over the buffer: tag, size (patched later), code. */
void tpm_buf_cmd_start(struct tpm_buf *b, uint16_t tag, uint32_t code);
/*
 * Patch the size field. Returns SDM_OK, or SDM_ENOSPC when any put
 * overflowed ("<name>: command does not fit in <cap> bytes").
 */
int tpm_buf_cmd_finish(struct tpm_buf *b, const char *name,
		       struct sdm_err *err);

struct tpm_rd {
	const uint8_t *p;
	size_t len;
	size_t off;          /* next byte to read */
	bool bad;            /* sticky */
	int code;            /* first failure's SDM_E* code */
	size_t bad_off;      /* first failure's offset */
	char ctx[40];        /* prefix of messages: "TPM2_PCR_Read response" */
	struct sdm_err *err; /* receives the first failure; may be NULL */
};

void tpm_rd_init(struct tpm_rd *r, const void *p, size_t len,
		 const char *ctx, struct sdm_err *err);
/* `what` names the field in the error message ("pcrUpdateCounter"). */
uint8_t tpm_rd_u8(struct tpm_rd *r, const char *what);
uint16_t tpm_rd_u16(struct tpm_rd *r, const char *what);
uint32_t tpm_rd_u32(struct tpm_rd *r, const char *what);
uint64_t tpm_rd_u64(struct tpm_rd *r, const char *what);
/* Copy n bytes to out; false (out untouched) when they are not there. */
bool tpm_rd_bytes(struct tpm_rd *r, const char *what, void *out, size_t n);
/* Step over n bytes; false when they are not there. */
bool tpm_rd_skip(struct tpm_rd *r, const char *what, size_t n);
/*
 * TPM2B: u16 size then the bytes, copied to out. A size above max fails
 * ("<what> size 70 exceeds 64"). Returns the size (0 on failure).
 */
uint16_t tpm_rd_tpm2b(struct tpm_rd *r, const char *what, void *out,
		      size_t max);
/*
 * Record a failure the caller found in a value it read at offset off
 * (e.g. a count beyond a limit). Only the first failure is kept; the
 * message becomes "<ctx>: <fmt...> at offset 0x<off>". Returns code.
 */
int tpm_rd_fail(struct tpm_rd *r, size_t off, int code, const char *fmt, ...)
	__attribute__((format(printf, 4, 5)));
/* SDM_OK, or the first failure's code. */
static inline int tpm_rd_status(const struct tpm_rd *r)
{
	return r->bad ? r->code : SDM_OK;
}
static inline size_t tpm_rd_left(const struct tpm_rd *r)
{
	return r->bad ? 0 : r->len - r->off;
}
/* The status; an unread tail is a failure too ("4 trailing bytes"). */
int tpm_rd_end(struct tpm_rd *r);

/*
 * Response header. tpm_rd_header() reads it from a reader over the whole
 * response and checks that the size field equals the bytes received.
 */
struct tpm_rsp_hdr {
	uint16_t tag;
	uint32_t size;
	uint32_t rc;
};
int tpm_rd_header(struct tpm_rd *r, struct tpm_rsp_hdr *h);

/*
 * TPM_Startup / TPM2_Startup refused because firmware started the TPM
 * already (TPM_INVALID_POSTINIT, TPM_RC_INITIALIZE): that is success with
 * *already set and *err cleared. Returns SDM_OK.
 */
int tpm_startup_already(bool *already, struct sdm_err *err);

/*
 * Run one command over a transport at a locality and read the response
 * header: the shared half of tpm2_transact()/tpm12_transact(). On SDM_OK,
 * *r reads the response from just after the header.
 */
struct tpm_transport;
int tpm_transact(const struct tpm_transport *t, unsigned locality,
		 const char *name, struct tpm_buf *cmd, uint8_t *rsp,
		 size_t rsp_cap, struct tpm_rd *r, struct tpm_rsp_hdr *h,
		 struct sdm_err *err);

#endif
