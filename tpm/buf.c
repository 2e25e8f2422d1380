#include <stdarg.h>
#include <stdio.h>
#include <string.h>
#include "tpm/buf.h"
#include "tpm/tpm.h"

void tpm_buf_init(struct tpm_buf *b, void *mem, size_t cap)
{
	b->p = mem;
	b->cap = mem != NULL ? cap : 0;
	b->len = 0;
	b->overflow = false;
}

/* Room for n more bytes? If not, overflow sticks. */
static bool room(struct tpm_buf *b, size_t n)
{
	if (b->overflow || n > b->cap - b->len) {
		b->overflow = true;
		return false;
	}
	return true;
}

static void put_be(struct tpm_buf *b, uint64_t v, unsigned n)
{
	if (!room(b, n))
		return;
	for (unsigned i = 0; i < n; i++)
		b->p[b->len + i] = (uint8_t)(v >> (8 * (n - 1 - i)));
	b->len += n;
}

void tpm_buf_u8(struct tpm_buf *b, uint8_t v)
{
	put_be(b, v, 1);
}

void tpm_buf_u16(struct tpm_buf *b, uint16_t v)
{
	put_be(b, v, 2);
}

void tpm_buf_u32(struct tpm_buf *b, uint32_t v)
{
	put_be(b, v, 4);
}

void tpm_buf_u64(struct tpm_buf *b, uint64_t v)
{
	put_be(b, v, 8);
}

void tpm_buf_bytes(struct tpm_buf *b, const void *p, size_t n)
{
	if (!room(b, n) || n == 0)
		return;
	memcpy(b->p + b->len, p, n);
	b->len += n;
}

void tpm_buf_tpm2b(struct tpm_buf *b, const void *p, size_t n)
{
	/* Check the whole TPM2B first so that nothing half-fits. */
	if (n > 0xffff || n > SIZE_MAX - 2 || !room(b, 2 + n)) {
		b->overflow = true;
		return;
	}
	tpm_buf_u16(b, (uint16_t)n);
	tpm_buf_bytes(b, p, n);
}

void tpm_buf_set_u32(struct tpm_buf *b, size_t off, uint32_t v)
{
	if (b->overflow || off > b->len || b->len - off < 4) {
		b->overflow = true;
		return;
	}
	for (unsigned i = 0; i < 4; i++)
		b->p[off + i] = (uint8_t)(v >> (24 - 8 * i));
}

void tpm_buf_cmd_start(struct tpm_buf *b, uint16_t tag, uint32_t code)
{
	b->len = 0;
	b->overflow = false;
	tpm_buf_u16(b, tag);
	tpm_buf_u32(b, 0); /* commandSize, patched by tpm_buf_cmd_finish */
	tpm_buf_u32(b, code);
}

int tpm_buf_cmd_finish(struct tpm_buf *b, const char *name,
		       struct sdm_err *err)
{
	if (!b->overflow && (b->len < TPM_HEADER_SIZE || b->len > UINT32_MAX))
		b->overflow = true;
	tpm_buf_set_u32(b, 2, (uint32_t)b->len);
	if (b->overflow)
		return sdm_err_set(err, SDM_ENOSPC,
				   "%s: command does not fit in %zu bytes",
				   name, b->cap);
	return SDM_OK;
}

void tpm_rd_init(struct tpm_rd *r, const void *p, size_t len,
		 const char *ctx, struct sdm_err *err)
{
	r->p = p;
	r->len = p != NULL ? len : 0;
	r->off = 0;
	r->bad = false;
	r->code = SDM_OK;
	r->bad_off = 0;
	snprintf(r->ctx, sizeof(r->ctx), "%s", ctx != NULL ? ctx : "TPM");
	r->err = err;
}

static int vfail(struct tpm_rd *r, size_t off, int code, const char *fmt,
		 va_list ap)
{
	char what[112];

	if (r->bad)
		return r->code;
	r->bad = true;
	r->code = code;
	r->bad_off = off;
	vsnprintf(what, sizeof(what), fmt, ap);
	sdm_err_set(r->err, code, "%s: %s at offset 0x%zx", r->ctx, what, off);
	return code;
}

int tpm_rd_fail(struct tpm_rd *r, size_t off, int code, const char *fmt, ...)
{
	va_list ap;
	int rc;

	va_start(ap, fmt);
	rc = vfail(r, off, code, fmt, ap);
	va_end(ap);
	return rc;
}

/* The next n bytes, or NULL (and the reader marked bad). */
static const uint8_t *take(struct tpm_rd *r, const char *what, size_t n)
{
	const uint8_t *q;

	if (r->bad)
		return NULL;
	if (n > r->len - r->off) {
		tpm_rd_fail(r, r->off, SDM_ERANGE,
			    "%s truncated (needs %zu bytes, %zu left)", what, n,
			    r->len - r->off);
		return NULL;
	}
	q = r->p + r->off;
	r->off += n;
	return q;
}

static uint64_t get_be(struct tpm_rd *r, const char *what, unsigned n)
{
	const uint8_t *q = take(r, what, n);
	uint64_t v = 0;

	if (q == NULL)
		return 0;
	for (unsigned i = 0; i < n; i++)
		v = v << 8 | q[i];
	return v;
}

uint8_t tpm_rd_u8(struct tpm_rd *r, const char *what)
{
	return (uint8_t)get_be(r, what, 1);
}

uint16_t tpm_rd_u16(struct tpm_rd *r, const char *what)
{
	return (uint16_t)get_be(r, what, 2);
}

uint32_t tpm_rd_u32(struct tpm_rd *r, const char *what)
{
	return (uint32_t)get_be(r, what, 4);
}

uint64_t tpm_rd_u64(struct tpm_rd *r, const char *what)
{
	return get_be(r, what, 8);
}

bool tpm_rd_bytes(struct tpm_rd *r, const char *what, void *out, size_t n)
{
	const uint8_t *q = take(r, what, n);

	if (q == NULL)
		return false;
	if (n != 0)
		memcpy(out, q, n);
	return true;
}

bool tpm_rd_skip(struct tpm_rd *r, const char *what, size_t n)
{
	return take(r, what, n) != NULL;
}

uint16_t tpm_rd_tpm2b(struct tpm_rd *r, const char *what, void *out,
		      size_t max)
{
	size_t at = r->off;
	uint16_t n = tpm_rd_u16(r, what);

	if (r->bad)
		return 0;
	if (n > max) {
		tpm_rd_fail(r, at, SDM_ERANGE, "%s size %u exceeds %zu", what,
			    n, max);
		return 0;
	}
	return tpm_rd_bytes(r, what, out, n) ? n : 0;
}

int tpm_rd_end(struct tpm_rd *r)
{
	if (!r->bad && r->off != r->len)
		tpm_rd_fail(r, r->off, SDM_EINVAL, "%zu trailing bytes",
			    r->len - r->off);
	return tpm_rd_status(r);
}

int tpm_rd_header(struct tpm_rd *r, struct tpm_rsp_hdr *h)
{
	if (r->len - r->off < TPM_HEADER_SIZE)
		return tpm_rd_fail(r, r->off, SDM_EINVAL,
				   "%zu bytes, shorter than the 10-byte header",
				   r->len - r->off);
	h->tag = tpm_rd_u16(r, "tag");
	h->size = tpm_rd_u32(r, "responseSize");
	h->rc = tpm_rd_u32(r, "responseCode");
	if (h->size != r->len)
		return tpm_rd_fail(r, 2, SDM_EINVAL,
				   "responseSize %u but %zu bytes received",
				   h->size, r->len);
	return tpm_rd_status(r);
}

int tpm_transact(const struct tpm_transport *t, unsigned locality,
		 const char *name, struct tpm_buf *cmd, uint8_t *rsp,
		 size_t rsp_cap, struct tpm_rd *r, struct tpm_rsp_hdr *h,
		 struct sdm_err *err)
{
	size_t len = 0;
	int rc;

	tpm_rd_init(r, NULL, 0, name, err);
	snprintf(r->ctx, sizeof(r->ctx), "%s response", name);
	rc = tpm_buf_cmd_finish(cmd, name, err);
	if (rc != SDM_OK)
		return rc;
	if (t == NULL || t->xfer == NULL)
		return sdm_err_set(err, SDM_ENOENT, "%s: no TPM transport",
				   name);
	rc = t->xfer(t->ctx, locality, cmd->p, cmd->len, rsp, rsp_cap, &len,
		     err);
	if (rc != SDM_OK) {
		/* Transports return negative codes; anything else is EIO. */
		rc = rc < 0 ? rc : SDM_EIO;
		if (err != NULL) {
			char m[sizeof(err->msg)];

			memcpy(m, err->msg, sizeof(m));
			m[sizeof(m) - 1] = '\0';
			sdm_err_set(err, rc, "%s: %s", name, m);
		}
		return rc;
	}
	if (len > rsp_cap)
		return sdm_err_set(err, SDM_ERANGE,
				   "%s: transport %s returned %zu bytes into a "
				   "%zu-byte buffer",
				   name, t->name, len, rsp_cap);
	r->p = rsp;
	r->len = len;
	return tpm_rd_header(r, h);
}

int tpm_startup_already(bool *already, struct sdm_err *err)
{
	*already = true;
	if (err != NULL) {
		err->code = SDM_OK;
		err->msg[0] = '\0';
	}
	return SDM_OK;
}
