/*
 * Signed policy reader (policy_verify.h): locate the key and signature,
 * check the key against the anchor, verify, then parse every field.
 * Freestanding: only include/libc, crypto/crypto.h and lib/chars.c.
 */
#include <stdarg.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <sdm/chars.h>

#include "crypto/crypto.h"
#include "policy/policy_verify.h"

/* ---------------------------------------------------------------- names */

uint32_t sdm_pol_sig_size(unsigned sig_alg)
{
	switch (sig_alg) {
	case SDM_POL_SIG_ECDSA_P384: return SDM_POL_SIG_ECDSA_P384_SIZE;
	case SDM_POL_SIG_RSA3072_PSS:
	case SDM_POL_SIG_RSA3072_PKCS1: return SDM_POL_SIG_RSA3072_SIZE;
	}
	return 0;
}

const char *sdm_pol_sig_name(unsigned sig_alg)
{
	switch (sig_alg) {
	case SDM_POL_SIG_ECDSA_P384: return "ECDSA P-384";
	case SDM_POL_SIG_RSA3072_PSS: return "RSA-3072 PSS";
	case SDM_POL_SIG_RSA3072_PKCS1: return "RSA-3072 PKCS#1 v1.5";
	}
	return "?";
}

const char *sdm_pol_kind_name(unsigned kind)
{
	switch (kind) {
	case SDM_POL_KIND_NORMAL: return "normal";
	case SDM_POL_KIND_PROTECTED: return "protected";
	}
	return "?";
}

const char *sdm_pol_class_name(unsigned cls)
{
	static const char *const names[SDM_POL_ERR_CLASSES] = {
		[SDM_POL_ERR_NO_TPM] = "no_tpm",
		[SDM_POL_ERR_TPM] = "tpm_error",
		[SDM_POL_ERR_NO_DRTM] = "no_drtm",
		[SDM_POL_ERR_NO_IOMMU] = "no_iommu",
		[SDM_POL_ERR_IMAGE] = "image_mismatch",
		[SDM_POL_ERR_CHECK] = "policy_check",
		[SDM_POL_ERR_ROLLBACK] = "rollback",
	};

	return cls < SDM_POL_ERR_CLASSES ? names[cls] : "?";
}

const char *sdm_pol_action_name(unsigned action)
{
	switch (action) {
	case SDM_POL_ACT_HALT: return "halt";
	case SDM_POL_ACT_CONTINUE: return "continue";
	}
	return "?";
}

const char *sdm_pol_restart_name(unsigned restart)
{
	switch (restart) {
	case SDM_POL_RESTART_NEVER: return "never";
	case SDM_POL_RESTART_ALWAYS: return "always";
	case SDM_POL_RESTART_LIMITED: return "limited";
	}
	return "?";
}

/* ---------------------------------------------------------------- errors */

/* Fill err and where; returns code. */
static int fail(struct sdm_pol_where *where, int dom, unsigned field,
		unsigned item, struct sdm_err *err, int code, const char *fmt,
		...) __attribute__((format(printf, 7, 8)));
static int fail(struct sdm_pol_where *where, int dom, unsigned field,
		unsigned item, struct sdm_err *err, int code, const char *fmt,
		...)
{
	if (where != NULL) {
		where->dom = dom;
		where->field = field;
		where->item = item;
	}
	if (err != NULL) {
		va_list ap;

		va_start(ap, fmt);
		err->code = code;
		vsnprintf(err->msg, sizeof(err->msg), fmt, ap);
		va_end(ap);
	}
	return code;
}

/* The first 8 bytes of a digest in hex, then "...". */
static void short_hex(const uint8_t *d, char out[20])
{
	static const char hx[] = "0123456789abcdef";

	for (int i = 0; i < 8; i++) {
		out[2 * i] = hx[d[i] >> 4];
		out[2 * i + 1] = hx[d[i] & 15];
	}
	memcpy(out + 16, "...", 4);
}

/* ---------------------------------------------------------------- field rules */

/*
 * A name field: NUL-terminated inside SDM_POL_NAME_MAX, non-empty, of
 * name characters, NUL-padded. false, and what is wrong in why, if not.
 */
static bool name_ok(const char *s, char *why, size_t whylen)
{
	size_t n = strnlen(s, SDM_POL_NAME_MAX);

	if (n == SDM_POL_NAME_MAX) {
		snprintf(why, whylen, "is not NUL-terminated");
		return false;
	}
	if (n == 0) {
		snprintf(why, whylen, "is empty");
		return false;
	}
	for (size_t i = 0; i < n; i++) {
		if (!sdm_name_char(s[i])) {
			snprintf(why, whylen,
				 "has byte 0x%02x (allowed: A-Z a-z 0-9 _ . -)",
				 (unsigned)(uint8_t)s[i]);
			return false;
		}
	}
	if (!sdm_all_zero(s + n, SDM_POL_NAME_MAX - n)) {
		snprintf(why, whylen, "has bytes after its terminating NUL");
		return false;
	}
	return true;
}

static int check_domain(const struct sdm_policy *p, unsigned i,
			struct sdm_pol_where *w, struct sdm_err *err)
{
	const struct sdm_pol_domain *d = &p->dom[i];
	const char *n = d->name;
	int di = (int)i;
	char why[64];
	uint64_t end;

	if (!name_ok(d->name, why, sizeof(why)))
		return fail(w, di, SDM_POL_F_NAME, 0, err, SDM_EINVAL,
			    "policy: domain %u: name %s", i, why);
	for (unsigned j = 0; j < i; j++)
		if (strncmp(p->dom[j].name, n, SDM_POL_NAME_MAX) == 0)
			return fail(w, di, SDM_POL_F_NAME, 0, err, SDM_EINVAL,
				    "policy: domains %u and %u are both named '%s'",
				    j, i, n);
	if (d->kind != SDM_POL_KIND_NORMAL && d->kind != SDM_POL_KIND_PROTECTED)
		return fail(w, di, SDM_POL_F_KIND, 0, err, SDM_EINVAL,
			    "policy: domain '%s': kind %u is neither normal (1) nor protected (2)",
			    n, d->kind);
	if (d->reserved0 != 0)
		return fail(w, di, SDM_POL_F_DOMAIN, 0, err, SDM_EINVAL,
			    "policy: domain '%s': reserved field is not zero", n);

	/* restart */
	if (d->restart > SDM_POL_RESTART_LIMITED)
		return fail(w, di, SDM_POL_F_RESTART, 0, err, SDM_EINVAL,
			    "policy: domain '%s': restart rule %u is unknown",
			    n, d->restart);
	if (d->restart == SDM_POL_RESTART_LIMITED && d->restart_max == 0)
		return fail(w, di, SDM_POL_F_RESTART, 0, err, SDM_EINVAL,
			    "policy: domain '%s': restart limited to 0 times (say never)",
			    n);
	if (d->restart != SDM_POL_RESTART_LIMITED && d->restart_max != 0)
		return fail(w, di, SDM_POL_F_RESTART, 0, err, SDM_EINVAL,
			    "policy: domain '%s': restart count %u with rule %s",
			    n, d->restart_max, sdm_pol_restart_name(d->restart));

	/* images */
	if (d->nimages == 0 || d->nimages > SDM_POL_MAX_IMAGES)
		return fail(w, di, SDM_POL_F_IMAGE, 0, err, SDM_EINVAL,
			    "policy: domain '%s': %u images (1-%u)", n,
			    d->nimages, SDM_POL_MAX_IMAGES);
	for (unsigned k = 0; k < SDM_POL_MAX_IMAGES; k++) {
		const struct sdm_pol_image *im = &d->images[k];

		if (k >= d->nimages) {
			if (!sdm_all_zero(im, sizeof(*im)))
				return fail(w, di, SDM_POL_F_IMAGE, k, err,
					    SDM_EINVAL,
					    "policy: domain '%s': unused image slot %u is not zero",
					    n, k);
			continue;
		}
		if (!name_ok(im->module, why, sizeof(why)))
			return fail(w, di, SDM_POL_F_IMAGE, k, err, SDM_EINVAL,
				    "policy: domain '%s': image %u: module name %s",
				    n, k, why);
		for (unsigned j = 0; j < k; j++)
			if (strncmp(d->images[j].module, im->module,
				    SDM_POL_NAME_MAX) == 0)
				return fail(w, di, SDM_POL_F_IMAGE, k, err,
					    SDM_EINVAL,
					    "policy: domain '%s': module '%s' is listed twice",
					    n, im->module);
	}

	/* memory */
	if (d->mem_size % SDM_POL_MEM_ALIGN != 0)
		return fail(w, di, SDM_POL_F_MEMORY, 0, err, SDM_EINVAL,
			    "policy: domain '%s': memory size 0x%llx is not a multiple of 4 KiB",
			    n, (unsigned long long)d->mem_size);
	if (d->mem_base % SDM_POL_MEM_ALIGN != 0)
		return fail(w, di, SDM_POL_F_MEMORY, 0, err, SDM_EINVAL,
			    "policy: domain '%s': memory base 0x%llx is not 4 KiB-aligned",
			    n, (unsigned long long)d->mem_base);
	if (d->mem_size == 0 && d->kind == SDM_POL_KIND_PROTECTED)
		return fail(w, di, SDM_POL_F_MEMORY, 0, err, SDM_EINVAL,
			    "policy: domain '%s': a protected domain needs a memory size",
			    n);
	if (d->mem_size == 0 && d->mem_base != 0)
		return fail(w, di, SDM_POL_F_MEMORY, 0, err, SDM_EINVAL,
			    "policy: domain '%s': memory base 0x%llx without a size",
			    n, (unsigned long long)d->mem_base);
	if (!add_ok(d->mem_base, d->mem_size, &end) || end > SDM_POL_MEM_LIMIT)
		return fail(w, di, SDM_POL_F_MEMORY, 0, err, SDM_ERANGE,
			    "policy: domain '%s': memory 0x%llx+0x%llx ends above 2^52",
			    n, (unsigned long long)d->mem_base,
			    (unsigned long long)d->mem_size);

	/* CPUs */
	if (d->cpu_count > SDM_POL_MAX_CPU_COUNT)
		return fail(w, di, SDM_POL_F_CPUS, 0, err, SDM_EINVAL,
			    "policy: domain '%s': %u CPUs (at most %u)", n,
			    d->cpu_count, SDM_POL_MAX_CPU_COUNT);
	if (d->cpu_count == 0 && d->kind == SDM_POL_KIND_PROTECTED)
		return fail(w, di, SDM_POL_F_CPUS, 0, err, SDM_EINVAL,
			    "policy: domain '%s': a protected domain needs CPUs",
			    n);
	if (d->ncpu_ids > SDM_POL_MAX_CPU_IDS ||
	    (d->ncpu_ids != 0 && d->ncpu_ids != d->cpu_count))
		return fail(w, di, SDM_POL_F_CPUS, 0, err, SDM_EINVAL,
			    "policy: domain '%s': %u CPU IDs listed for %u CPUs (at most %u IDs)",
			    n, d->ncpu_ids, d->cpu_count, SDM_POL_MAX_CPU_IDS);
	for (unsigned k = d->ncpu_ids; k < SDM_POL_MAX_CPU_IDS; k++)
		if (d->cpu_ids[k] != 0)
			return fail(w, di, SDM_POL_F_CPUS, k, err, SDM_EINVAL,
				    "policy: domain '%s': unused CPU slot %u is not zero",
				    n, k);

	/* devices */
	if (d->ndevices > SDM_POL_MAX_DEVICES)
		return fail(w, di, SDM_POL_F_DEVICE, 0, err, SDM_EINVAL,
			    "policy: domain '%s': %u devices (at most %u)", n,
			    d->ndevices, SDM_POL_MAX_DEVICES);
	for (unsigned k = d->ndevices; k < SDM_POL_MAX_DEVICES; k++)
		if (!sdm_all_zero(&d->devices[k], sizeof(d->devices[k])))
			return fail(w, di, SDM_POL_F_DEVICE, k, err, SDM_EINVAL,
				    "policy: domain '%s': unused device slot %u is not zero",
				    n, k);

	/* channels */
	if (d->nchannels > SDM_POL_MAX_CHANNELS)
		return fail(w, di, SDM_POL_F_CHANNEL, 0, err, SDM_EINVAL,
			    "policy: domain '%s': %u channels (at most %u)", n,
			    d->nchannels, SDM_POL_MAX_CHANNELS);
	for (unsigned k = 0; k < SDM_POL_MAX_CHANNELS; k++) {
		const struct sdm_pol_channel *c = &d->channels[k];

		if (k >= d->nchannels) {
			if (!sdm_all_zero(c, sizeof(*c)))
				return fail(w, di, SDM_POL_F_CHANNEL, k, err,
					    SDM_EINVAL,
					    "policy: domain '%s': unused channel slot %u is not zero",
					    n, k);
			continue;
		}
		if (!name_ok(c->peer, why, sizeof(why)))
			return fail(w, di, SDM_POL_F_CHANNEL, k, err, SDM_EINVAL,
				    "policy: domain '%s': channel %u: peer name %s",
				    n, k, why);
		if (c->size == 0 || c->size % SDM_POL_MEM_ALIGN != 0 ||
		    c->size > SDM_POL_MAX_CHANNEL_SIZE)
			return fail(w, di, SDM_POL_F_CHANNEL, k, err, SDM_EINVAL,
				    "policy: domain '%s': channel to '%s': size 0x%llx is not a multiple of 4 KiB from 4 KiB to 1 GiB",
				    n, c->peer, (unsigned long long)c->size);
	}
	return SDM_OK;
}

int sdm_policy_validate(const struct sdm_policy *p, struct sdm_pol_where *w,
			struct sdm_err *err)
{
	int rc;

	if ((p->flags & ~(uint32_t)SDM_POL_REQ_ALL) != 0)
		return fail(w, -1, SDM_POL_F_REQUIREMENTS, 0, err, SDM_EINVAL,
			    "policy: unknown requirement flags 0x%x",
			    p->flags & ~(uint32_t)SDM_POL_REQ_ALL);
	if ((p->flags & SDM_POL_REQ_DRTM) && !(p->flags & SDM_POL_REQ_TPM))
		return fail(w, -1, SDM_POL_F_REQUIREMENTS, 0, err, SDM_EINVAL,
			    "policy: requirements: drtm needs tpm (a dynamic launch is measured into the TPM)");
	if ((p->seal_pcrs >> SDM_POL_NUM_PCRS) != 0)
		return fail(w, -1, SDM_POL_F_SEAL_PCRS, 0, err, SDM_EINVAL,
			    "policy: seal_pcrs names PCR %u (0-%u)",
			    31u - (unsigned)__builtin_clz(p->seal_pcrs),
			    SDM_POL_NUM_PCRS - 1);
	for (unsigned c = 0; c < SDM_POL_ERR_CLASSES; c++)
		if (p->on_error[c] != SDM_POL_ACT_HALT &&
		    p->on_error[c] != SDM_POL_ACT_CONTINUE)
			return fail(w, -1, SDM_POL_F_ON_ERROR, c, err,
				    SDM_EINVAL,
				    "policy: on_error %s: action %u is neither halt (1) nor continue (2)",
				    sdm_pol_class_name(c), p->on_error[c]);
	if (p->ndomains == 0 || p->ndomains > SDM_POL_MAX_DOMAINS)
		return fail(w, -1, SDM_POL_F_DOMAINS, 0, err, SDM_EINVAL,
			    "policy: %u domains (1-%u)", p->ndomains,
			    SDM_POL_MAX_DOMAINS);
	for (unsigned i = 0; i < p->ndomains; i++) {
		rc = check_domain(p, i, w, err);
		if (rc != SDM_OK)
			return rc;
	}
	return SDM_OK;
}

/* ---------------------------------------------------------------- blob */

/*
 * Before the signature: only what finds the key and the signature. The
 * header is copied (blob may be unaligned).
 */
static int locate(const uint8_t *b, size_t len, struct sdm_pol_header *h,
		  struct sdm_err *err)
{
	const uint32_t hs = sizeof(*h);
	uint32_t want;

	if (len < hs)
		return sdm_err_set(err, SDM_ERANGE,
				   "policy: truncated at byte %zu: the header alone is %u",
				   len, hs);
	memcpy(h, b, hs);
	if (h->magic != SDM_POL_MAGIC)
		return sdm_err_set(err, SDM_EINVAL,
				   "policy: not a policy (magic 0x%08x, want 0x%08x \"SDMP\")",
				   h->magic, SDM_POL_MAGIC);
	if (h->format != SDM_POL_FORMAT)
		return sdm_err_set(err, SDM_EINVAL,
				   "policy: format version %u; this build reads version %u",
				   h->format, SDM_POL_FORMAT);
	if (h->total_size > len)
		return sdm_err_set(err, SDM_ERANGE,
				   "policy: truncated at byte %zu of %u", len,
				   h->total_size);
	if (h->total_size < len)
		return sdm_err_set(err, SDM_ERANGE,
				   "policy: longer than its size: %zu bytes, the header says %u",
				   len, h->total_size);
	want = sdm_pol_sig_size(h->sig_alg);
	if (want == 0)
		return sdm_err_set(err, SDM_EINVAL,
				   "policy: unknown signature algorithm %u",
				   h->sig_alg);
	if (h->sig_size != want)
		return sdm_err_set(err, SDM_EINVAL,
				   "policy: signature field is %u bytes; %s takes %u",
				   h->sig_size, sdm_pol_sig_name(h->sig_alg), want);
	if (h->sig_offset < hs ||
	    (uint64_t)h->sig_offset + h->sig_size != h->total_size)
		return sdm_err_set(err, SDM_EINVAL,
				   "policy: signature at 0x%x+%u does not end the blob at 0x%x",
				   h->sig_offset, h->sig_size, h->total_size);
	if (h->key_size == 0 || h->key_size > SDM_POL_MAX_KEY)
		return sdm_err_set(err, SDM_EINVAL,
				   "policy: signer key is %u bytes (1-%u)",
				   h->key_size, SDM_POL_MAX_KEY);
	if (h->key_offset < hs ||
	    (uint64_t)h->key_offset + h->key_size > h->sig_offset)
		return sdm_err_set(err, SDM_EINVAL,
				   "policy: signer key at 0x%x+%u is not between the header and the signature (0x%x-0x%x)",
				   h->key_offset, h->key_size, hs,
				   h->sig_offset);
	return SDM_OK;
}

/* ECDSA r || s (48 bytes each) as a DER Ecdsa-Sig-Value (RFC 5480 2.2). */
static size_t der_integer(uint8_t *out, const uint8_t *v, size_t n)
{
	size_t skip = 0, pad, len;

	while (skip + 1 < n && v[skip] == 0)
		skip++;
	pad = (v[skip] & 0x80) ? 1 : 0;
	len = n - skip + pad;
	out[0] = 0x02; /* INTEGER */
	out[1] = (uint8_t)len;
	out[2] = 0;
	memcpy(out + 2 + pad, v + skip, n - skip);
	return 2 + len;
}

#define ECDSA_HALF (SDM_POL_SIG_ECDSA_P384_SIZE / 2)
#define ECDSA_DER_MAX (2 + 2 * (2 + ECDSA_HALF + 1))

static size_t ecdsa_der(const uint8_t *raw, uint8_t out[ECDSA_DER_MAX])
{
	size_t n = der_integer(out + 2, raw, ECDSA_HALF);

	n += der_integer(out + 2 + n, raw + ECDSA_HALF, ECDSA_HALF);
	out[0] = 0x30; /* SEQUENCE, short-form length: n <= 102 */
	out[1] = (uint8_t)n;
	return n + 2;
}

/* Everything after the signature; header already located in h. */
static int parse_located(const uint8_t *b, const struct sdm_pol_header *h,
			 struct sdm_policy *p, struct sdm_err *err)
{
	const uint32_t hs = sizeof(*h);
	uint64_t dom_end;

	if (h->header_size != hs)
		return sdm_err_set(err, SDM_EINVAL,
				   "policy: header size %u; format %u has %u",
				   h->header_size, SDM_POL_FORMAT, hs);
	if (h->domain_size != sizeof(struct sdm_pol_domain))
		return sdm_err_set(err, SDM_EINVAL,
				   "policy: domain record size %u; format %u has %zu",
				   h->domain_size, SDM_POL_FORMAT,
				   sizeof(struct sdm_pol_domain));
	if (h->domains_offset != hs)
		return sdm_err_set(err, SDM_EINVAL,
				   "policy: domains at 0x%x, not right after the header at 0x%x",
				   h->domains_offset, hs);
	if (h->ndomains == 0 || h->ndomains > SDM_POL_MAX_DOMAINS)
		return sdm_err_set(err, SDM_EINVAL,
				   "policy: %u domains (1-%u)", h->ndomains,
				   SDM_POL_MAX_DOMAINS);
	dom_end = (uint64_t)hs + (uint64_t)h->ndomains * h->domain_size;
	if (dom_end != h->key_offset)
		return sdm_err_set(err, SDM_EINVAL,
				   "policy: domain records end at 0x%llx, the key starts at 0x%x",
				   (unsigned long long)dom_end, h->key_offset);
	if ((uint64_t)h->key_offset + h->key_size != h->sig_offset)
		return sdm_err_set(err, SDM_EINVAL,
				   "policy: key ends at 0x%x, the signature starts at 0x%x",
				   h->key_offset + h->key_size, h->sig_offset);
	if (h->reserved0 != 0 || !sdm_all_zero(h->reserved1, sizeof(h->reserved1)))
		return sdm_err_set(err, SDM_EINVAL,
				   "policy: reserved header fields are not zero");
	for (unsigned c = SDM_POL_ERR_CLASSES; c < SDM_POL_ON_ERROR_SLOTS; c++)
		if (h->on_error[c] != 0)
			return sdm_err_set(err, SDM_EINVAL,
					   "policy: on_error slot %u (no such error class) is not zero",
					   c);

	p->version = h->version;
	p->flags = h->flags;
	p->seal_pcrs = h->seal_pcrs;
	memcpy(p->on_error, h->on_error, SDM_POL_ERR_CLASSES);
	p->sig_alg = h->sig_alg;
	p->ndomains = h->ndomains;
	memcpy(p->dom, b + hs, (size_t)h->ndomains * sizeof(p->dom[0]));
	p->size = h->total_size;
	p->key_offset = h->key_offset;
	p->key_size = h->key_size;
	p->signed_size = h->sig_offset;
	crypto_sha384(b + h->key_offset, h->key_size, p->key_sha384);
	return sdm_policy_validate(p, NULL, err);
}

int sdm_policy_parse_fields(const void *blob, size_t len,
			    struct sdm_policy *out, struct sdm_err *err)
{
	struct sdm_pol_header h;
	int rc;

	memset(out, 0, sizeof(*out));
	rc = locate(blob, len, &h, err);
	if (rc == SDM_OK)
		rc = parse_located(blob, &h, out, err);
	if (rc != SDM_OK)
		memset(out, 0, sizeof(*out));
	return rc;
}

static int check_signature(const uint8_t *b, const struct sdm_pol_header *h,
			   const uint8_t anchor[SDM_POL_ANCHOR_LEN],
			   struct sdm_err *err)
{
	const uint8_t *key = b + h->key_offset, *sig = b + h->sig_offset;
	uint8_t kd[CRYPTO_SHA384_LEN], md[CRYPTO_SHA384_LEN];
	uint8_t der[ECDSA_DER_MAX];
	char got[20], want[20];
	struct sdm_err cerr = { 0 };
	int rc;

	crypto_sha384(key, h->key_size, kd);
	if (memcmp(kd, anchor, SDM_POL_ANCHOR_LEN) != 0) {
		short_hex(kd, got);
		short_hex(anchor, want);
		return sdm_err_set(err, SDM_ENOENT,
				   "policy: signed by an unknown key (SHA-384 %s, trusted %s)",
				   got, want);
	}
	crypto_sha384(b, h->sig_offset, md);
	if (h->sig_alg == SDM_POL_SIG_ECDSA_P384)
		rc = crypto_verify_ecdsa_p384(key, h->key_size, md, der,
					      ecdsa_der(sig, der), &cerr);
	else
		rc = crypto_verify_rsa3072(key, h->key_size,
					   h->sig_alg == SDM_POL_SIG_RSA3072_PSS,
					   md, sig, h->sig_size, &cerr);
	if (rc == SDM_ENOMEM)
		return sdm_err_set(err, rc, "policy: signature not checked: %s",
				   cerr.msg);
	if (rc == SDM_ECHKSUM)
		return sdm_err_set(err, rc, "policy: signature does not verify (%s)",
				   sdm_pol_sig_name(h->sig_alg));
	if (rc != SDM_OK)
		return sdm_err_set(err, SDM_ECHKSUM,
				   "policy: signature does not verify (%s): %s",
				   sdm_pol_sig_name(h->sig_alg), cerr.msg);
	return SDM_OK;
}

int sdm_policy_verify(const void *blob, size_t len,
		      const uint8_t anchor[SDM_POL_ANCHOR_LEN],
		      struct sdm_policy *out, struct sdm_err *err)
{
	struct sdm_pol_header h;
	int rc;

	memset(out, 0, sizeof(*out));
	if (blob == NULL || anchor == NULL)
		return sdm_err_set(err, SDM_EINVAL, "policy: no %s",
				   blob == NULL ? "blob" : "trust anchor");
	rc = locate(blob, len, &h, err);
	if (rc == SDM_OK)
		rc = check_signature(blob, &h, anchor, err);
	if (rc == SDM_OK)
		rc = parse_located(blob, &h, out, err);
	if (rc != SDM_OK)
		memset(out, 0, sizeof(*out));
	return rc;
}
