/*
 * Remote attestation formats: parsers and writers (tpm/attest.h,
 * docs/attestation.md). Freestanding; every input is hostile.
 */
#include <stdarg.h>
#include <stdio.h>
#include <string.h>

#include <sdm/chars.h>
#include <sdm/hex.h>

#include "tpm/attest.h"
#include "tpm/buf.h"

/* ---------------------------------------------------------------- helpers */

static uint16_t le16(const uint8_t *p)
{
	return (uint16_t)(p[0] | p[1] << 8);
}

static uint32_t le32(const uint8_t *p)
{
	return (uint32_t)p[0] | (uint32_t)p[1] << 8 | (uint32_t)p[2] << 16 |
	       (uint32_t)p[3] << 24;
}

static uint64_t le64(const uint8_t *p)
{
	return (uint64_t)le32(p) | (uint64_t)le32(p + 4) << 32;
}

static void put16(uint8_t *p, uint16_t v)
{
	p[0] = (uint8_t)v;
	p[1] = (uint8_t)(v >> 8);
}

static void put32(uint8_t *p, uint32_t v)
{
	for (unsigned i = 0; i < 4; i++)
		p[i] = (uint8_t)(v >> (8 * i));
}

static void put64(uint8_t *p, uint64_t v)
{
	put32(p, (uint32_t)v);
	put32(p + 4, (uint32_t)(v >> 32));
}

/* The first c in p[0..n), or NULL (freestanding: no memchr). */
static const char *find_char(const char *p, size_t n, char c)
{
	for (size_t i = 0; i < n; i++)
		if (p[i] == c)
			return p + i;
	return NULL;
}

/*
 * A name field of n bytes: NUL-terminated, NUL-padded, [A-Za-z0-9_.-].
 * Empty is allowed only if may_be_empty. Returns the problem or NULL.
 */
static const char *name_problem(const char *f, size_t n, bool may_be_empty)
{
	size_t len = strnlen(f, n);

	if (len == n)
		return "not NUL-terminated";
	if (len == 0 && !may_be_empty)
		return "empty";
	for (size_t i = 0; i < len; i++)
		if (!sdm_name_char(f[i]))
			return "has a character outside [A-Za-z0-9_.-]";
	if (!sdm_all_zero(f + len, n - len))
		return "not NUL-padded";
	return NULL;
}

unsigned att_hash_size(uint16_t alg)
{
	switch (alg) {
	case ATT_ALG_SHA1: return 20;
	case ATT_ALG_SHA256: return 32;
	case ATT_ALG_SHA384: return 48;
	case ATT_ALG_SHA512: return 64;
	default: return 0;
	}
}

bool att_name_ok(const uint8_t *name, size_t len)
{
	unsigned size;

	if (name == NULL || len < 2)
		return false;
	size = att_hash_size((uint16_t)(name[0] << 8 | name[1]));
	return size != 0 && len == 2 + size;
}

/* ---------------------------------------------------------------- container */

struct rec_rule {
	uint16_t tag;
	const char *name;
	uint32_t min, max;
	bool required;
};

static const struct rec_rule bundle_rules[] = {
	{ ATT_T_BUNDLE_NONCE, "nonce", ATT_NONCE_MIN, ATT_NONCE_MAX, true },
	{ ATT_T_BUNDLE_ATTEST, "quote", 1, ATT_MAX_ATTEST, true },
	{ ATT_T_BUNDLE_SIGNATURE, "signature", 1, ATT_MAX_SIGNATURE, true },
	{ ATT_T_BUNDLE_EVENTLOG, "event log", 1, EVLOG_MAX_LOG, true },
	{ ATT_T_BUNDLE_REPORT, "report", 1, ATT_REPORT_MAX, true },
};
static const struct rec_rule request_rules[] = {
	{ ATT_T_REQ_EK_PUBLIC, "EK public", 1, ATT_MAX_PUBLIC, true },
	{ ATT_T_REQ_EK_CERT, "EK certificate", 1, ATT_MAX_CERT, false },
	{ ATT_T_REQ_AK_PUBLIC, "AK public", 1, ATT_MAX_PUBLIC, true },
	{ ATT_T_REQ_AK_NAME, "AK name", 4, ATT_MAX_NAME, true },
	{ ATT_T_REQ_HANDLES, "handles", 8, 8, true },
};
static const struct rec_rule challenge_rules[] = {
	{ ATT_T_CHAL_EK_NAME, "EK name", 4, ATT_MAX_NAME, true },
	{ ATT_T_CHAL_AK_NAME, "AK name", 4, ATT_MAX_NAME, true },
	{ ATT_T_CHAL_CREDENTIAL, "credential blob", 4, ATT_MAX_ID_OBJECT, true },
	{ ATT_T_CHAL_SECRET, "encrypted seed", 1, ATT_MAX_ENC_SECRET, true },
};
static const struct rec_rule state_rules[] = {
	{ ATT_T_STATE_REQUEST, "request digest", 32, 32, true },
	{ ATT_T_STATE_CHALLENGE, "challenge digest", 32, 32, true },
	{ ATT_T_STATE_SECRET, "secret", 16, ATT_MAX_DIGEST, true },
	{ ATT_T_STATE_EK_CERT, "EK certificate status", 1, 1, true },
};
static const struct rec_rule response_rules[] = {
	{ ATT_T_RESP_CHALLENGE, "challenge digest", 32, 32, true },
	{ ATT_T_RESP_SECRET, "secret", 1, ATT_MAX_DIGEST, true },
};
static const struct rec_rule enrolment_rules[] = {
	{ ATT_T_ENR_AK_PUBLIC, "AK public", 1, ATT_MAX_PUBLIC, true },
	{ ATT_T_ENR_AK_NAME, "AK name", 4, ATT_MAX_NAME, true },
	{ ATT_T_ENR_EK_PUBLIC, "EK public", 1, ATT_MAX_PUBLIC, true },
	{ ATT_T_ENR_EK_NAME, "EK name", 4, ATT_MAX_NAME, true },
	{ ATT_T_ENR_EK_CERT, "EK certificate", 1, ATT_MAX_CERT, false },
	{ ATT_T_ENR_INFO, "info", ATT_ENR_INFO_SIZE, ATT_ENR_INFO_SIZE, true },
};

static const struct {
	const char *name;
	const struct rec_rule *rules;
	unsigned nrules;
} kinds[ATT_KIND_MAX + 1] = {
	[ATT_KIND_BUNDLE] = { "bundle", bundle_rules, ARRAY_SIZE(bundle_rules) },
	[ATT_KIND_ENROL_REQUEST] = { "enrolment request", request_rules,
				     ARRAY_SIZE(request_rules) },
	[ATT_KIND_CHALLENGE] = { "challenge", challenge_rules,
				 ARRAY_SIZE(challenge_rules) },
	[ATT_KIND_CHALLENGE_STATE] = { "challenge state", state_rules,
				       ARRAY_SIZE(state_rules) },
	[ATT_KIND_RESPONSE] = { "response", response_rules,
				ARRAY_SIZE(response_rules) },
	[ATT_KIND_ENROLMENT] = { "enrolment", enrolment_rules,
				 ARRAY_SIZE(enrolment_rules) },
};

const char *att_kind_name(uint16_t kind)
{
	return kind >= 1 && kind <= ATT_KIND_MAX ? kinds[kind].name : "?";
}

static const struct rec_rule *rule_of(uint16_t kind, uint16_t tag)
{
	if (kind < 1 || kind > ATT_KIND_MAX)
		return NULL;
	for (unsigned i = 0; i < kinds[kind].nrules; i++)
		if (kinds[kind].rules[i].tag == tag)
			return &kinds[kind].rules[i];
	return NULL;
}

const char *att_tag_name(uint16_t kind, uint16_t tag)
{
	const struct rec_rule *r = rule_of(kind, tag);

	return r != NULL ? r->name : "?";
}

int att_container_parse(const void *buf, size_t len, uint16_t kind,
			struct att_container *out, struct sdm_err *err)
{
	const uint8_t *b = buf;
	const char *want = kind != 0 ? att_kind_name(kind) : "SDM attestation file";
	uint32_t size, count;
	uint16_t version, got, last = 0;
	size_t off = ATT_HDR;

	memset(out, 0, sizeof(*out));
	if (b == NULL || len < ATT_HDR)
		return sdm_err_set(err, SDM_ERANGE,
			"%s: %zu bytes, shorter than the %u-byte header", want,
			b == NULL ? (size_t)0 : len, ATT_HDR);
	if (le32(b) != ATT_MAGIC)
		return sdm_err_set(err, SDM_EINVAL,
			"%s: magic 0x%08x is not \"SDMA\": not an SDM attestation file",
			want, le32(b));
	version = le16(b + 4);
	got = le16(b + 6);
	size = le32(b + 8);
	count = le32(b + 12);
	if (version != ATT_VERSION)
		return sdm_err_set(err, SDM_EINVAL,
			"%s: version %u, this sdm reads version %u", want,
			version, ATT_VERSION);
	if (got < 1 || got > ATT_KIND_MAX)
		return sdm_err_set(err, SDM_EINVAL, "%s: unknown kind %u",
				   want, got);
	if (kind != 0 && got != kind)
		return sdm_err_set(err, SDM_EINVAL, "%s: the file is a %s",
				   want, att_kind_name(got));
	want = att_kind_name(got);
	if (len > ATT_MAX_FILE || size != len)
		return sdm_err_set(err, SDM_ERANGE,
			"%s: header says %u bytes, the file has %zu%s", want,
			size, len, len > ATT_MAX_FILE ? " (too large)" : "");
	if (count > ATT_MAX_TAG)
		return sdm_err_set(err, SDM_EINVAL,
			"%s: %u records, at most %u", want, count, ATT_MAX_TAG);
	for (uint32_t i = 0; i < count; i++) {
		const struct rec_rule *rule;
		uint16_t tag, zero;
		uint32_t rlen;

		if (len - off < ATT_REC_HDR)
			return sdm_err_set(err, SDM_ERANGE,
				"%s: record %u at offset 0x%zx: header truncated",
				want, i, off);
		tag = le16(b + off);
		zero = le16(b + off + 2);
		rlen = le32(b + off + 4);
		rule = rule_of(got, tag);
		if (rule == NULL)
			return sdm_err_set(err, SDM_EINVAL,
				"%s: record %u at offset 0x%zx: unknown tag %u",
				want, i, off, tag);
		if (tag <= last)
			return sdm_err_set(err, SDM_EINVAL,
				"%s: record %u (%s) at offset 0x%zx: tag %u after tag %u (order, or twice)",
				want, i, rule->name, off, tag, last);
		if (zero != 0)
			return sdm_err_set(err, SDM_EINVAL,
				"%s: record %u (%s) at offset 0x%zx: reserved field 0x%04x is not zero",
				want, i, rule->name, off, zero);
		if (rlen > len - off - ATT_REC_HDR)
			return sdm_err_set(err, SDM_ERANGE,
				"%s: record %u (%s) at offset 0x%zx: %u bytes, only %zu left",
				want, i, rule->name, off, rlen,
				len - off - ATT_REC_HDR);
		if (rlen < rule->min || rlen > rule->max)
			return sdm_err_set(err, SDM_EINVAL,
				"%s: record %u (%s) at offset 0x%zx: %u bytes, allowed %u..%u",
				want, i, rule->name, off, rlen, rule->min,
				rule->max);
		out->rec[tag].p = b + off + ATT_REC_HDR;
		out->rec[tag].len = rlen;
		out->rec[tag].present = true;
		last = tag;
		off += ATT_REC_HDR + rlen;
	}
	if (off != len)
		return sdm_err_set(err, SDM_EINVAL,
			"%s: %zu bytes after the last record at offset 0x%zx",
			want, len - off, off);
	for (unsigned i = 0; i < kinds[got].nrules; i++) {
		const struct rec_rule *r = &kinds[got].rules[i];

		if (r->required && !out->rec[r->tag].present) {
			memset(out, 0, sizeof(*out));
			return sdm_err_set(err, SDM_ENOENT,
				"%s: the %s record (tag %u) is missing", want,
				r->name, r->tag);
		}
	}
	out->kind = got;
	return SDM_OK;
}

void att_writer_init(struct att_writer *w, void *buf, size_t cap,
		     uint16_t kind)
{
	memset(w, 0, sizeof(*w));
	w->buf = buf;
	w->cap = cap;
	w->kind = kind;
	w->len = ATT_HDR;
	if (buf == NULL || cap < ATT_HDR)
		w->overflow = true;
}

void att_writer_add(struct att_writer *w, uint16_t tag, const void *p,
		    size_t len)
{
	if (w->overflow || w->bad_order)
		return;
	if (tag <= w->last_tag || rule_of(w->kind, tag) == NULL) {
		w->bad_order = true;
		return;
	}
	if (len > UINT32_MAX || w->cap - w->len < ATT_REC_HDR ||
	    w->cap - w->len - ATT_REC_HDR < len) {
		w->overflow = true;
		return;
	}
	put16(w->buf + w->len, tag);
	put16(w->buf + w->len + 2, 0);
	put32(w->buf + w->len + 4, (uint32_t)len);
	if (len != 0)
		memcpy(w->buf + w->len + ATT_REC_HDR, p, len);
	w->len += ATT_REC_HDR + len;
	w->count++;
	w->last_tag = tag;
}

int att_writer_finish(struct att_writer *w, size_t *len, struct sdm_err *err)
{
	struct att_container c;

	*len = 0;
	if (w->bad_order)
		return sdm_err_set(err, SDM_EINVAL,
			"%s: records added out of order or with an unknown tag",
			att_kind_name(w->kind));
	if (w->overflow || w->len > ATT_MAX_FILE)
		return sdm_err_set(err, SDM_ENOSPC,
			"%s: does not fit in %zu bytes",
			att_kind_name(w->kind), w->cap);
	put32(w->buf, ATT_MAGIC);
	put16(w->buf + 4, ATT_VERSION);
	put16(w->buf + 6, w->kind);
	put32(w->buf + 8, (uint32_t)w->len);
	put32(w->buf + 12, w->count);
	/* What we write, we must be able to read (sizes, required records). */
	if (att_container_parse(w->buf, w->len, w->kind, &c, err) != SDM_OK)
		return err != NULL ? err->code : SDM_EINVAL;
	*len = w->len;
	return SDM_OK;
}

/* ---------------------------------------------------------------- TPM structures */

/* A TPM2B of at most max bytes: its contents as a pointer into the input. */
static const uint8_t *rd_2b(struct tpm_rd *r, const char *what, size_t max,
			    uint16_t *size)
{
	size_t off = r->off;
	uint16_t n = tpm_rd_u16(r, what);
	const uint8_t *p;

	*size = 0;
	if (tpm_rd_status(r) != SDM_OK)
		return NULL;
	if (n > max) {
		tpm_rd_fail(r, off, SDM_EINVAL, "%s size %u exceeds %zu", what,
			    n, max);
		return NULL;
	}
	p = r->p + r->off;
	if (!tpm_rd_skip(r, what, n))
		return NULL;
	*size = n;
	return p;
}

int att_quote_parse(const void *buf, size_t len, struct att_quote *out,
		    struct sdm_err *err)
{
	struct tpm_rd r;
	uint32_t magic;
	uint16_t type;
	size_t off;
	int rc;

	memset(out, 0, sizeof(*out));
	tpm_rd_init(&r, buf, len, "TPMS_ATTEST", err);
	magic = tpm_rd_u32(&r, "magic");
	if (tpm_rd_status(&r) == SDM_OK && magic != ATT_TPM_GENERATED)
		tpm_rd_fail(&r, 0, SDM_EINVAL,
			    "magic 0x%08x is not TPM_GENERATED_VALUE", magic);
	type = tpm_rd_u16(&r, "type");
	if (tpm_rd_status(&r) == SDM_OK && type != ATT_TPM_ST_ATTEST_QUOTE)
		tpm_rd_fail(&r, 4, SDM_EINVAL,
			    "type 0x%04x is not TPM_ST_ATTEST_QUOTE (0x8018)",
			    type);
	out->signer = rd_2b(&r, "qualifiedSigner", ATT_MAX_NAME,
			    &out->signer_size);
	out->extra = rd_2b(&r, "extraData", ATT_MAX_DATA, &out->extra_size);
	out->clock = tpm_rd_u64(&r, "clockInfo.clock");
	out->reset_count = tpm_rd_u32(&r, "clockInfo.resetCount");
	out->restart_count = tpm_rd_u32(&r, "clockInfo.restartCount");
	off = r.off;
	out->safe = tpm_rd_u8(&r, "clockInfo.safe");
	if (tpm_rd_status(&r) == SDM_OK && out->safe > 1)
		tpm_rd_fail(&r, off, SDM_EINVAL, "clockInfo.safe is %u, not 0 or 1",
			    out->safe);
	out->firmware = tpm_rd_u64(&r, "firmwareVersion");
	off = r.off;
	out->nsel = tpm_rd_u32(&r, "pcrSelect.count");
	if (tpm_rd_status(&r) == SDM_OK && out->nsel > ATT_MAX_PCR_BANKS)
		tpm_rd_fail(&r, off, SDM_EINVAL,
			    "pcrSelect.count %u exceeds %u", out->nsel,
			    ATT_MAX_PCR_BANKS);
	for (uint32_t i = 0; i < out->nsel && tpm_rd_status(&r) == SDM_OK;
	     i++) {
		struct att_pcr_select *s = &out->sel[i];

		s->hash = tpm_rd_u16(&r, "pcrSelections.hash");
		off = r.off;
		s->size = tpm_rd_u8(&r, "pcrSelections.sizeofSelect");
		if (tpm_rd_status(&r) == SDM_OK &&
		    (s->size < 1 || s->size > ATT_PCR_SELECT_MAX)) {
			tpm_rd_fail(&r, off, SDM_EINVAL,
				    "sizeofSelect %u of selection %u not in 1..%u",
				    s->size, i, ATT_PCR_SELECT_MAX);
			break;
		}
		tpm_rd_bytes(&r, "pcrSelect", s->select, s->size);
		if (tpm_rd_status(&r) == SDM_OK && s->size == 4 &&
		    s->select[3] != 0)
			tpm_rd_fail(&r, off + 4, SDM_EINVAL,
				    "selection %u names PCRs above 23", i);
	}
	out->pcr_digest = rd_2b(&r, "pcrDigest", ATT_MAX_DIGEST,
				&out->pcr_digest_size);
	rc = tpm_rd_end(&r);
	if (rc != SDM_OK)
		memset(out, 0, sizeof(*out));
	return rc;
}

int att_signature_parse(const void *buf, size_t len,
			struct att_signature *out, struct sdm_err *err)
{
	struct tpm_rd r;
	int rc;

	memset(out, 0, sizeof(*out));
	tpm_rd_init(&r, buf, len, "TPMT_SIGNATURE", err);
	out->alg = tpm_rd_u16(&r, "sigAlg");
	if (tpm_rd_status(&r) == SDM_OK) {
		switch (out->alg) {
		case ATT_ALG_RSASSA:
		case ATT_ALG_RSAPSS:
			out->hash = tpm_rd_u16(&r, "hash");
			out->rsa = rd_2b(&r, "sig", ATT_MAX_RSA, &out->rsa_size);
			break;
		case ATT_ALG_ECDSA:
			out->hash = tpm_rd_u16(&r, "hash");
			out->r = rd_2b(&r, "signatureR", ATT_MAX_ECC,
				       &out->r_size);
			out->s = rd_2b(&r, "signatureS", ATT_MAX_ECC,
				       &out->s_size);
			break;
		default:
			tpm_rd_fail(&r, 0, SDM_EINVAL,
				    "sigAlg 0x%04x is not RSASSA, RSAPSS or ECDSA",
				    out->alg);
		}
	}
	rc = tpm_rd_end(&r);
	if (rc != SDM_OK)
		memset(out, 0, sizeof(*out));
	return rc;
}

static bool ecc_scheme_has_hash(uint16_t s)
{
	return s == ATT_ALG_ECDSA || s == ATT_ALG_ECDH || s == ATT_ALG_ECDAA ||
	       s == ATT_ALG_SM2 || s == ATT_ALG_ECSCHNORR || s == ATT_ALG_ECMQV;
}

int att_public_parse(const void *buf, size_t len, struct att_public *out,
		     struct sdm_err *err)
{
	struct tpm_rd r;
	size_t off;
	int rc;

	memset(out, 0, sizeof(*out));
	tpm_rd_init(&r, buf, len, "TPMT_PUBLIC", err);
	out->type = tpm_rd_u16(&r, "type");
	if (tpm_rd_status(&r) == SDM_OK && out->type != ATT_ALG_RSA &&
	    out->type != ATT_ALG_ECC)
		tpm_rd_fail(&r, 0, SDM_EINVAL,
			    "type 0x%04x is not an RSA or ECC key", out->type);
	out->name_alg = tpm_rd_u16(&r, "nameAlg");
	if (tpm_rd_status(&r) == SDM_OK && att_hash_size(out->name_alg) == 0)
		tpm_rd_fail(&r, 2, SDM_EINVAL,
			    "nameAlg 0x%04x is not SHA-1/256/384/512",
			    out->name_alg);
	out->attributes = tpm_rd_u32(&r, "objectAttributes");
	out->policy = rd_2b(&r, "authPolicy", ATT_MAX_DIGEST,
			    &out->policy_size);
	out->sym_alg = tpm_rd_u16(&r, "symmetric.algorithm");
	if (tpm_rd_status(&r) == SDM_OK && out->sym_alg != ATT_ALG_NULL) {
		out->sym_bits = tpm_rd_u16(&r, "symmetric.keyBits");
		out->sym_mode = tpm_rd_u16(&r, "symmetric.mode");
	}
	off = r.off;
	out->scheme = tpm_rd_u16(&r, "scheme");
	if (tpm_rd_status(&r) != SDM_OK)
		goto end;
	if (out->type == ATT_ALG_RSA) {
		if (out->scheme == ATT_ALG_RSASSA || out->scheme == ATT_ALG_RSAPSS ||
		    out->scheme == ATT_ALG_OAEP)
			out->scheme_hash = tpm_rd_u16(&r, "scheme.hashAlg");
		else if (out->scheme != ATT_ALG_NULL &&
			 out->scheme != ATT_ALG_RSAES)
			tpm_rd_fail(&r, off, SDM_EINVAL,
				    "RSA scheme 0x%04x unknown", out->scheme);
		out->rsa_bits = tpm_rd_u16(&r, "keyBits");
		out->rsa_exponent = tpm_rd_u32(&r, "exponent");
		off = r.off;
		out->rsa_n = rd_2b(&r, "unique.rsa", ATT_MAX_RSA,
				   &out->rsa_n_size);
		if (tpm_rd_status(&r) == SDM_OK &&
		    (uint32_t)out->rsa_n_size * 8 != out->rsa_bits)
			tpm_rd_fail(&r, off, SDM_EINVAL,
				    "modulus of %u bytes for keyBits %u",
				    out->rsa_n_size, out->rsa_bits);
	} else {
		if (ecc_scheme_has_hash(out->scheme)) {
			out->scheme_hash = tpm_rd_u16(&r, "scheme.hashAlg");
			if (out->scheme == ATT_ALG_ECDAA)
				tpm_rd_u16(&r, "scheme.count");
		} else if (out->scheme != ATT_ALG_NULL) {
			tpm_rd_fail(&r, off, SDM_EINVAL,
				    "ECC scheme 0x%04x unknown", out->scheme);
		}
		out->curve = tpm_rd_u16(&r, "curveID");
		off = r.off;
		out->kdf = tpm_rd_u16(&r, "kdf.scheme");
		if (tpm_rd_status(&r) == SDM_OK && out->kdf != ATT_ALG_NULL) {
			if (out->kdf != ATT_ALG_KDF1_SP800_56A &&
			    out->kdf != ATT_ALG_KDF2 &&
			    out->kdf != ATT_ALG_KDF1_SP800_108 &&
			    out->kdf != 0x0007 /* TPM_ALG_MGF1 */)
				tpm_rd_fail(&r, off, SDM_EINVAL,
					    "kdf scheme 0x%04x unknown",
					    out->kdf);
			out->kdf_hash = tpm_rd_u16(&r, "kdf.hashAlg");
		}
		out->ecc_x = rd_2b(&r, "unique.ecc.x", ATT_MAX_ECC,
				   &out->ecc_x_size);
		out->ecc_y = rd_2b(&r, "unique.ecc.y", ATT_MAX_ECC,
				   &out->ecc_y_size);
	}
end:
	rc = tpm_rd_end(&r);
	if (rc != SDM_OK)
		memset(out, 0, sizeof(*out));
	return rc;
}

/* ---------------------------------------------------------------- report */

/* Domain record offsets (tpm/attest.h). */
#define RD_NAME 0x000
#define RD_ID 0x020
#define RD_KIND 0x024
#define RD_STATE 0x028
#define RD_RESTARTS 0x02c
#define RD_MEM 0x030
#define RD_RANGES 0x038
#define RD_NIMAGES 0x03c
#define RD_NDEVICES 0x03d
#define RD_RESERVED 0x03e
#define RD_CPUS 0x040
#define RD_EXITS 0x048
#define RD_IMAGES 0x050
#define RD_IMAGE_SIZE 72
#define RD_DEVICES 0x170
SDM_STATIC_ASSERT(RD_IMAGES + ATT_MAX_IMAGES * RD_IMAGE_SIZE == RD_DEVICES,
		  "report images");
SDM_STATIC_ASSERT(RD_DEVICES + ATT_MAX_DEVICES * 4 == ATT_REPORT_DOMAIN,
		  "report domain size");

const char *att_iommu_name(uint32_t iommu)
{
	switch (iommu) {
	case ATT_IOMMU_ABSENT: return "absent";
	case ATT_IOMMU_VTD: return "VT-d";
	case ATT_IOMMU_AMDVI: return "AMD-Vi";
	default: return "?";
	}
}

const char *att_domain_kind_name(uint32_t kind)
{
	switch (kind) {
	case ATT_DOM_NORMAL: return "normal";
	case ATT_DOM_PROTECTED: return "protected";
	default: return "?";
	}
}

const char *att_domain_state_name(uint32_t state)
{
	switch (state) {
	case ATT_DOM_STOPPED: return "stopped";
	case ATT_DOM_RUNNING: return "running";
	case ATT_DOM_FAULTED: return "faulted";
	default: return "?";
	}
}

/* The rules both directions share; i < 0: the header. */
static int check_report(const struct att_report *r, struct sdm_err *err)
{
	if (r->ndomains < 1 || r->ndomains > ATT_MAX_DOMAINS)
		return sdm_err_set(err, SDM_EINVAL,
			"report: %u domains, allowed 1..%u", r->ndomains,
			ATT_MAX_DOMAINS);
	if (r->launch_kind > SDM_LAUNCH_TXT)
		return sdm_err_set(err, SDM_EINVAL,
			"report: launch kind %u unknown", r->launch_kind);
	if (r->iommu > ATT_IOMMU_AMDVI)
		return sdm_err_set(err, SDM_EINVAL,
			"report: IOMMU kind %u unknown", r->iommu);
	if (r->flags & ~ATT_RF_ALL)
		return sdm_err_set(err, SDM_EINVAL,
			"report: unknown flags 0x%x", r->flags & ~ATT_RF_ALL);
	if (r->iommu == ATT_IOMMU_ABSENT &&
	    (r->flags & (ATT_RF_IOMMU_DMA | ATT_RF_IOMMU_INTR)))
		return sdm_err_set(err, SDM_EINVAL,
			"report: IOMMU flags 0x%x without an IOMMU", r->flags);
	if (r->requester > r->ndomains)
		return sdm_err_set(err, SDM_EINVAL,
			"report: requester %u is not a domain of the report (0 or 1..%u)",
			r->requester, r->ndomains);
	for (unsigned i = 0; i < r->ndomains; i++) {
		const struct att_domain *d = &r->dom[i];
		const char *bad = name_problem(d->name, ATT_NAME_MAX, false);

		if (bad != NULL)
			return sdm_err_set(err, SDM_EINVAL,
				"report domain %u: name %s", i, bad);
		for (unsigned k = 0; k < i; k++)
			if (strncmp(r->dom[k].name, d->name, ATT_NAME_MAX) == 0)
				return sdm_err_set(err, SDM_EINVAL,
					"report domain %u: name '%s' repeats domain %u",
					i, d->name, k);
		if (d->kind != ATT_DOM_NORMAL && d->kind != ATT_DOM_PROTECTED)
			return sdm_err_set(err, SDM_EINVAL,
				"report domain %u ('%s'): kind %u unknown", i,
				d->name, d->kind);
		if (d->state > ATT_DOM_FAULTED)
			return sdm_err_set(err, SDM_EINVAL,
				"report domain %u ('%s'): state %u unknown", i,
				d->name, d->state);
		if (d->nimages > ATT_MAX_IMAGES || d->ndevices > ATT_MAX_DEVICES)
			return sdm_err_set(err, SDM_EINVAL,
				"report domain %u ('%s'): %u images, %u devices (at most %u, %u)",
				i, d->name, d->nimages, d->ndevices,
				ATT_MAX_IMAGES, ATT_MAX_DEVICES);
		for (unsigned k = 0; k < ATT_MAX_IMAGES; k++) {
			const struct att_image *im = &d->images[k];

			if (k >= d->nimages) {
				if (!sdm_all_zero(im, sizeof(*im)))
					return sdm_err_set(err, SDM_EINVAL,
						"report domain %u ('%s'): unused image slot %u is not zero",
						i, d->name, k);
				continue;
			}
			bad = name_problem(im->module, ATT_NAME_MAX, true);
			if (bad != NULL)
				return sdm_err_set(err, SDM_EINVAL,
					"report domain %u ('%s') image %u: module name %s",
					i, d->name, k, bad);
		}
		for (unsigned k = d->ndevices; k < ATT_MAX_DEVICES; k++)
			if (!sdm_all_zero(&d->devices[k], sizeof(d->devices[k])))
				return sdm_err_set(err, SDM_EINVAL,
					"report domain %u ('%s'): unused device slot %u is not zero",
					i, d->name, k);
	}
	return SDM_OK;
}

int att_report_encode(const struct att_report *r, void *buf, size_t cap,
		      size_t *len, struct sdm_err *err)
{
	uint8_t *b = buf;
	size_t total;
	int rc;

	*len = 0;
	rc = check_report(r, err);
	if (rc != SDM_OK)
		return rc;
	total = ATT_REPORT_HDR + (size_t)r->ndomains * ATT_REPORT_DOMAIN;
	if (b == NULL || cap < total)
		return sdm_err_set(err, SDM_ENOSPC,
			"report: %zu bytes needed, %zu available", total, cap);
	memset(b, 0, total);
	put32(b, ATT_REPORT_MAGIC);
	put16(b + 0x04, ATT_REPORT_FORMAT);
	put16(b + 0x06, ATT_REPORT_HDR);
	put32(b + 0x08, (uint32_t)total);
	put16(b + 0x0c, r->ndomains);
	put16(b + 0x0e, ATT_REPORT_DOMAIN);
	put32(b + 0x10, r->launch_kind);
	put32(b + 0x14, r->iommu);
	put32(b + 0x18, r->flags);
	put32(b + 0x1c, r->ncpus);
	put64(b + 0x20, r->seq);
	put32(b + 0x28, r->requester);
	for (unsigned i = 0; i < r->ndomains; i++) {
		const struct att_domain *d = &r->dom[i];
		uint8_t *p = b + ATT_REPORT_HDR + (size_t)i * ATT_REPORT_DOMAIN;

		memcpy(p + RD_NAME, d->name, ATT_NAME_MAX);
		put32(p + RD_ID, d->id);
		put32(p + RD_KIND, d->kind);
		put32(p + RD_STATE, d->state);
		put32(p + RD_RESTARTS, d->restarts);
		put64(p + RD_MEM, d->mem_bytes);
		put32(p + RD_RANGES, d->mem_ranges);
		p[RD_NIMAGES] = d->nimages;
		p[RD_NDEVICES] = d->ndevices;
		put64(p + RD_CPUS, d->cpu_mask);
		put64(p + RD_EXITS, d->exits);
		for (unsigned k = 0; k < d->nimages; k++) {
			uint8_t *q = p + RD_IMAGES + k * RD_IMAGE_SIZE;

			memcpy(q, d->images[k].sha256, 32);
			memcpy(q + 32, d->images[k].module, ATT_NAME_MAX);
			put64(q + 64, d->images[k].size);
		}
		for (unsigned k = 0; k < d->ndevices; k++) {
			uint8_t *q = p + RD_DEVICES + k * 4;

			put16(q, d->devices[k].segment);
			q[2] = d->devices[k].bus;
			q[3] = d->devices[k].devfn;
		}
	}
	*len = total;
	return SDM_OK;
}

int att_report_decode(const void *buf, size_t len, struct att_report *out,
		      struct sdm_err *err)
{
	const uint8_t *b = buf;
	uint16_t n;
	int rc;

	memset(out, 0, sizeof(*out));
	if (b == NULL || len < ATT_REPORT_HDR)
		return sdm_err_set(err, SDM_ERANGE,
			"report: %zu bytes, shorter than the %u-byte header",
			b == NULL ? (size_t)0 : len, ATT_REPORT_HDR);
	if (le32(b) != ATT_REPORT_MAGIC)
		return sdm_err_set(err, SDM_EINVAL,
			"report: magic 0x%08x is not \"SDMR\"", le32(b));
	if (le16(b + 4) != ATT_REPORT_FORMAT || le16(b + 6) != ATT_REPORT_HDR ||
	    le16(b + 0x0e) != ATT_REPORT_DOMAIN)
		return sdm_err_set(err, SDM_EINVAL,
			"report: format %u, header %u, domain record %u bytes (this sdm reads %u, %u, %u)",
			le16(b + 4), le16(b + 6), le16(b + 0x0e),
			ATT_REPORT_FORMAT, ATT_REPORT_HDR, ATT_REPORT_DOMAIN);
	n = le16(b + 0x0c);
	if (n < 1 || n > ATT_MAX_DOMAINS)
		return sdm_err_set(err, SDM_EINVAL,
			"report: %u domains, allowed 1..%u", n,
			ATT_MAX_DOMAINS);
	if (le32(b + 8) != len ||
	    len != ATT_REPORT_HDR + (size_t)n * ATT_REPORT_DOMAIN)
		return sdm_err_set(err, SDM_ERANGE,
			"report: size field %u, %zu bytes given, %u domains need %zu",
			le32(b + 8), len, n,
			ATT_REPORT_HDR + (size_t)n * ATT_REPORT_DOMAIN);
	if (!sdm_all_zero(b + 0x2c, ATT_REPORT_HDR - 0x2c))
		return sdm_err_set(err, SDM_EINVAL,
			"report: reserved header bytes 0x2c..0x3f are not zero");
	out->ndomains = n;
	out->launch_kind = le32(b + 0x10);
	out->iommu = le32(b + 0x14);
	out->flags = le32(b + 0x18);
	out->ncpus = le32(b + 0x1c);
	out->seq = le64(b + 0x20);
	out->requester = le32(b + 0x28);
	for (unsigned i = 0; i < n; i++) {
		const uint8_t *p = b + ATT_REPORT_HDR + (size_t)i * ATT_REPORT_DOMAIN;
		struct att_domain *d = &out->dom[i];

		memcpy(d->name, p + RD_NAME, ATT_NAME_MAX);
		d->id = le32(p + RD_ID);
		d->kind = le32(p + RD_KIND);
		d->state = le32(p + RD_STATE);
		d->restarts = le32(p + RD_RESTARTS);
		d->mem_bytes = le64(p + RD_MEM);
		d->mem_ranges = le32(p + RD_RANGES);
		d->nimages = p[RD_NIMAGES];
		d->ndevices = p[RD_NDEVICES];
		if (le16(p + RD_RESERVED) != 0) {
			memset(out, 0, sizeof(*out));
			return sdm_err_set(err, SDM_EINVAL,
				"report domain %u: reserved field at offset 0x%zx is not zero",
				i, (size_t)(p - b) + RD_RESERVED);
		}
		d->cpu_mask = le64(p + RD_CPUS);
		d->exits = le64(p + RD_EXITS);
		for (unsigned k = 0; k < ATT_MAX_IMAGES; k++) {
			const uint8_t *q = p + RD_IMAGES + k * RD_IMAGE_SIZE;

			memcpy(d->images[k].sha256, q, 32);
			memcpy(d->images[k].module, q + 32, ATT_NAME_MAX);
			d->images[k].size = le64(q + 64);
		}
		for (unsigned k = 0; k < ATT_MAX_DEVICES; k++) {
			const uint8_t *q = p + RD_DEVICES + k * 4;

			d->devices[k].segment = le16(q);
			d->devices[k].bus = q[2];
			d->devices[k].devfn = q[3];
		}
	}
	rc = check_report(out, err);
	if (rc != SDM_OK)
		memset(out, 0, sizeof(*out));
	return rc;
}

/* ---------------------------------------------------------------- bundle */

int att_bundle_parse(const void *buf, size_t len, struct att_bundle *out,
		     struct sdm_err *err)
{
	struct att_container c;
	struct sdm_err e;
	int rc;

	memset(out, 0, sizeof(*out));
	rc = att_container_parse(buf, len, ATT_KIND_BUNDLE, &c, err);
	if (rc != SDM_OK)
		return rc;
	out->nonce = c.rec[ATT_T_BUNDLE_NONCE];
	out->attest = c.rec[ATT_T_BUNDLE_ATTEST];
	out->signature = c.rec[ATT_T_BUNDLE_SIGNATURE];
	out->eventlog = c.rec[ATT_T_BUNDLE_EVENTLOG];
	out->report = c.rec[ATT_T_BUNDLE_REPORT];
	rc = att_quote_parse(out->attest.p, out->attest.len, &out->quote, &e);
	if (rc == SDM_OK)
		rc = att_signature_parse(out->signature.p, out->signature.len,
					 &out->sig, &e);
	if (rc != SDM_OK) {
		memset(out, 0, sizeof(*out));
		return sdm_err_set(err, rc, "bundle: %s", e.msg);
	}
	return SDM_OK;
}

/* ---------------------------------------------------------------- enrolment */

int att_enrol_info_decode(const struct att_span *s, struct att_enrol_info *out,
			  struct sdm_err *err)
{
	memset(out, 0, sizeof(*out));
	if (!s->present || s->len != ATT_ENR_INFO_SIZE)
		return sdm_err_set(err, SDM_EINVAL,
			"enrolment: info record of %u bytes, not %u", s->len,
			ATT_ENR_INFO_SIZE);
	out->ek_cert = le32(s->p);
	out->ak_locality = s->p[4];
	if (out->ek_cert > ATT_EK_CERT_VERIFIED || !sdm_all_zero(s->p + 5, 3) ||
	    (out->ak_locality & 0xe0) != 0)
		return sdm_err_set(err, SDM_EINVAL,
			"enrolment: info record (EK certificate status %u, AK locality 0x%02x) malformed",
			out->ek_cert, out->ak_locality);
	return SDM_OK;
}

void att_enrol_info_encode(const struct att_enrol_info *in,
			   uint8_t out[ATT_ENR_INFO_SIZE])
{
	memset(out, 0, ATT_ENR_INFO_SIZE);
	put32(out, in->ek_cert);
	out[4] = in->ak_locality;
}

/* ---------------------------------------------------------------- reference */

struct lex {
	const char *s; /* the line, without its end */
	size_t n, i;
	const char *file;
	unsigned line;
	struct sdm_err *err;
};

static int lex_fail(struct lex *lx, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));
static int lex_fail(struct lex *lx, const char *fmt, ...)
{
	char msg[120];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(msg, sizeof(msg), fmt, ap);
	va_end(ap);
	return sdm_err_set(lx->err, SDM_EINVAL, "%s line %u: %s", lx->file,
			   lx->line, msg);
}

static void lex_space(struct lex *lx)
{
	while (lx->i < lx->n && (lx->s[lx->i] == ' ' || lx->s[lx->i] == '\t'))
		lx->i++;
}

static bool lex_end(struct lex *lx)
{
	lex_space(lx);
	return lx->i == lx->n;
}

/* A word: up to the next blank; *w points into the line. */
static size_t lex_word(struct lex *lx, const char **w)
{
	size_t start;

	lex_space(lx);
	start = lx->i;
	while (lx->i < lx->n && lx->s[lx->i] != ' ' && lx->s[lx->i] != '\t')
		lx->i++;
	*w = lx->s + start;
	return lx->i - start;
}

static bool word_is(const char *w, size_t n, const char *lit)
{
	return strnlen(lit, n + 1) == n && memcmp(w, lit, n) == 0;
}

/* "sha256:" and 64 hex digits. */
static int lex_digest(struct lex *lx, uint8_t out[32])
{
	const char *w;
	size_t n = lex_word(lx, &w);

	if (n != 7 + 64 || memcmp(w, "sha256:", 7) != 0)
		return lex_fail(lx, "expected sha256:<64 hex digits>");
	for (unsigned k = 0; k < 32; k++) {
		int hi = sdm_hex_digit(w[7 + 2 * k]),
		    lo = sdm_hex_digit(w[8 + 2 * k]);

		if (hi < 0 || lo < 0)
			return lex_fail(lx, "'%c%c' is not a hex byte",
					w[7 + 2 * k], w[8 + 2 * k]);
		out[k] = (uint8_t)(hi << 4 | lo);
	}
	return SDM_OK;
}

/* A quoted string into out (cap bytes with its NUL). */
static int lex_quoted(struct lex *lx, char *out, size_t cap)
{
	size_t k = 0;

	lex_space(lx);
	if (lx->i == lx->n || lx->s[lx->i] != '"')
		return lex_fail(lx, "expected a quoted string");
	lx->i++;
	for (;;) {
		char c;

		if (lx->i == lx->n)
			return lex_fail(lx, "string without its closing quote");
		c = lx->s[lx->i++];
		if (c == '"')
			break;
		if (c == '\\') {
			if (lx->i == lx->n)
				return lex_fail(lx, "'\\' at the end of the line");
			c = lx->s[lx->i++];
			if (c == 'x') {
				int hi, lo;

				if (lx->n - lx->i < 2 ||
				    (hi = sdm_hex_digit(lx->s[lx->i])) < 0 ||
				    (lo = sdm_hex_digit(lx->s[lx->i + 1])) < 0)
					return lex_fail(lx, "\\x needs two hex digits");
				c = (char)(hi << 4 | lo);
				lx->i += 2;
				if (c == 0)
					return lex_fail(lx, "\\x00 in a string");
			} else if (c != '"' && c != '\\') {
				return lex_fail(lx, "unknown escape '\\%c'", c);
			}
		} else if ((unsigned char)c < 0x20 || (unsigned char)c >= 0x7f) {
			return lex_fail(lx, "byte 0x%02x in a string (escape it as \\xHH)",
					(unsigned char)c);
		}
		if (k + 1 >= cap)
			return lex_fail(lx, "string longer than %zu bytes", cap - 1);
		out[k++] = c;
	}
	out[k] = '\0';
	return SDM_OK;
}

/* A decimal or 0x-hex number up to max. */
static int parse_num(struct lex *lx, const char *w, size_t n, uint64_t max,
		     const char *what, uint64_t *out)
{
	uint64_t v = 0;
	unsigned base = 10;
	size_t i = 0;

	if (n > 2 && w[0] == '0' && (w[1] == 'x' || w[1] == 'X')) {
		base = 16;
		i = 2;
	}
	if (i == n)
		return lex_fail(lx, "%s: expected a number", what);
	for (; i < n; i++) {
		int d = sdm_hex_digit(w[i]);

		if (d < 0 || (unsigned)d >= base)
			return lex_fail(lx, "%s: '%.*s' is not a number", what,
					(int)n, w);
		if (v > (max - (uint64_t)d) / base)
			return lex_fail(lx, "%s: %.*s exceeds %llu", what,
					(int)n, w, (unsigned long long)max);
		v = v * base + (uint64_t)d;
	}
	*out = v;
	return SDM_OK;
}

/* SSSS:BB:DD.F (hex), as lspci -D prints it. */
static int parse_pci(struct lex *lx, const char *w, size_t n,
		     struct att_pci *out)
{
	static const uint8_t at[9] = { 0, 1, 2, 3, 5, 6, 8, 9, 11 };
	unsigned v[9], dev, fn;

	if (n != 12 || w[4] != ':' || w[7] != ':' || w[10] != '.')
		return lex_fail(lx, "device '%.*s' is not SSSS:BB:DD.F", (int)n,
				w);
	for (unsigned k = 0; k < 9; k++) {
		int d = sdm_hex_digit(w[at[k]]);

		if (d < 0)
			return lex_fail(lx, "device '%.*s': not hex", (int)n, w);
		v[k] = (unsigned)d;
	}
	dev = v[6] << 4 | v[7];
	fn = v[8];
	if (dev > 31 || fn > 7)
		return lex_fail(lx, "device '%.*s': device above 1f or function above 7",
				(int)n, w);
	out->segment = (uint16_t)(v[0] << 12 | v[1] << 8 | v[2] << 4 | v[3]);
	out->bus = (uint8_t)(v[4] << 4 | v[5]);
	out->devfn = (uint8_t)(dev << 3 | fn);
	return SDM_OK;
}

static int ref_event(struct lex *lx, struct att_reference *ref, bool required)
{
	struct att_ref_event *e;
	const char *w;
	size_t n = lex_word(lx, &w);
	uint64_t pcr;
	int rc;

	if (ref->nevents == ATT_REF_MAX_EVENTS)
		return lex_fail(lx, "more than %u events", ATT_REF_MAX_EVENTS);
	e = &ref->events[ref->nevents];
	memset(e, 0, sizeof(*e));
	rc = parse_num(lx, w, n, ATT_NUM_PCRS - 1, "PCR", &pcr);
	if (rc == SDM_OK)
		rc = lex_digest(lx, e->sha256);
	if (rc != SDM_OK)
		return rc;
	if (!lex_end(lx)) {
		rc = lex_quoted(lx, e->text, sizeof(e->text));
		if (rc != SDM_OK)
			return rc;
		e->has_text = true;
	}
	e->pcr = (uint8_t)pcr;
	e->required = required;
	ref->nevents++;
	return SDM_OK;
}

/* text PCR "PREFIX" */
static int ref_text(struct lex *lx, struct att_reference *ref)
{
	struct att_ref_text *t;
	const char *w;
	size_t n = lex_word(lx, &w);
	uint64_t pcr;
	int rc;

	if (ref->ntexts == ATT_REF_MAX_TEXTS)
		return lex_fail(lx, "more than %u text statements",
				ATT_REF_MAX_TEXTS);
	t = &ref->texts[ref->ntexts];
	memset(t, 0, sizeof(*t));
	rc = parse_num(lx, w, n, ATT_NUM_PCRS - 1, "PCR", &pcr);
	if (rc == SDM_OK)
		rc = lex_quoted(lx, t->prefix, sizeof(t->prefix));
	if (rc != SDM_OK)
		return rc;
	if (t->prefix[0] == '\0')
		return lex_fail(lx, "text needs a prefix: \"\" would accept any self-describing event");
	t->pcr = (uint8_t)pcr;
	ref->ntexts++;
	return SDM_OK;
}

static int ref_image(struct lex *lx, struct att_reference *ref)
{
	struct att_ref_image *im;
	int rc;

	if (ref->nimages == ATT_REF_MAX_IMAGES)
		return lex_fail(lx, "more than %u images", ATT_REF_MAX_IMAGES);
	im = &ref->images[ref->nimages];
	memset(im, 0, sizeof(*im));
	rc = lex_digest(lx, im->sha256);
	if (rc == SDM_OK && !lex_end(lx))
		rc = lex_quoted(lx, im->name, sizeof(im->name));
	if (rc == SDM_OK)
		ref->nimages++;
	return rc;
}

static int ref_domain(struct lex *lx, struct att_reference *ref)
{
	struct att_ref_domain *d;
	const char *bad;
	int rc;

	if (ref->ndomains == ATT_MAX_DOMAINS)
		return lex_fail(lx, "more than %u domains", ATT_MAX_DOMAINS);
	d = &ref->dom[ref->ndomains];
	memset(d, 0, sizeof(*d));
	rc = lex_quoted(lx, d->name, sizeof(d->name));
	if (rc != SDM_OK)
		return rc;
	bad = name_problem(d->name, sizeof(d->name), false);
	if (bad != NULL)
		return lex_fail(lx, "domain name %s", bad);
	for (unsigned k = 0; k < ref->ndomains; k++)
		if (strncmp(ref->dom[k].name, d->name, ATT_NAME_MAX) == 0)
			return lex_fail(lx, "domain '%s' given twice", d->name);
	while (!lex_end(lx)) {
		const char *w;
		size_t n = lex_word(lx, &w);
		uint64_t v;

		if (n > 5 && memcmp(w, "kind=", 5) == 0) {
			if (word_is(w + 5, n - 5, "normal"))
				d->kind = ATT_DOM_NORMAL;
			else if (word_is(w + 5, n - 5, "protected"))
				d->kind = ATT_DOM_PROTECTED;
			else
				return lex_fail(lx, "kind must be normal or protected");
		} else if (n > 4 && memcmp(w, "mem=", 4) == 0) {
			rc = parse_num(lx, w + 4, n - 4, UINT64_MAX, "mem", &v);
			if (rc != SDM_OK)
				return rc;
			d->mem_bytes = v;
			d->has_mem = true;
		} else if (n > 5 && memcmp(w, "cpus=", 5) == 0) {
			rc = parse_num(lx, w + 5, n - 5, 64, "cpus", &v);
			if (rc != SDM_OK)
				return rc;
			d->cpus = (uint32_t)v;
			d->has_cpus = true;
		} else if (n > 8 && memcmp(w, "devices=", 8) == 0) {
			size_t i = 8;

			d->has_devices = true;
			if (word_is(w + 8, n - 8, "none"))
				continue;
			while (i < n) {
				size_t j = i;

				while (j < n && w[j] != ',')
					j++;
				if (d->ndevices == ATT_MAX_DEVICES)
					return lex_fail(lx, "more than %u devices",
							ATT_MAX_DEVICES);
				rc = parse_pci(lx, w + i, j - i,
					       &d->devices[d->ndevices]);
				if (rc != SDM_OK)
					return rc;
				d->ndevices++;
				i = j + 1;
				if (j + 1 == n)
					return lex_fail(lx, "devices list ends with ','");
			}
		} else {
			return lex_fail(lx, "unknown domain attribute '%.*s'",
					(int)n, w);
		}
	}
	if (d->kind == 0)
		return lex_fail(lx, "domain '%s' needs kind=normal|protected",
				d->name);
	ref->ndomains++;
	return SDM_OK;
}

static int ref_require(struct lex *lx, struct att_reference *ref)
{
	const char *w;
	size_t n = lex_word(lx, &w);

	if (word_is(w, n, "iommu")) {
		ref->require_iommu = true;
	} else if (word_is(w, n, "drtm")) {
		ref->require_drtm = true;
	} else if (n == 13 && memcmp(w, "ak-locality=", 12) == 0 &&
		   w[12] >= '0' && w[12] <= '4') {
		ref->require_ak_locality = true;
		ref->ak_locality = (uint8_t)(w[12] - '0');
	} else if (n >= 10 && memcmp(w, "requester=", 10) == 0) {
		const char *bad;

		if (n - 10 >= ATT_NAME_MAX)
			return lex_fail(lx, "requester: a domain name has at most %u characters",
					ATT_NAME_MAX - 1);
		if (ref->require_requester)
			return lex_fail(lx, "requester given twice");
		memset(ref->requester, 0, sizeof(ref->requester));
		memcpy(ref->requester, w + 10, n - 10);
		bad = name_problem(ref->requester, sizeof(ref->requester),
				   false);
		if (bad != NULL)
			return lex_fail(lx, "requester: domain name %s", bad);
		ref->require_requester = true;
	} else {
		return lex_fail(lx, "require what? iommu, drtm, ak-locality=0..4 or requester=NAME");
	}
	return SDM_OK;
}

int att_reference_parse(const char *text, size_t len, const char *name,
			struct att_reference *out, struct sdm_err *err)
{
	struct lex lx = { .file = name != NULL ? name : "reference", .err = err };
	size_t pos = 0;
	bool header = false;
	int rc = SDM_OK;

	memset(out, 0, sizeof(*out));
	if (text == NULL || find_char(text, len, '\0') != NULL)
		return sdm_err_set(err, SDM_EINVAL,
				   "%s: a NUL byte: not a text file", lx.file);
	while (pos < len && rc == SDM_OK) {
		const char *line = text + pos;
		const char *nl = find_char(line, len - pos, '\n');
		size_t n = nl != NULL ? (size_t)(nl - line) : len - pos;
		const char *w;
		size_t wn;

		pos += n + (nl != NULL);
		lx.line++;
		if (n > 0 && line[n - 1] == '\r')
			n--;
		lx.s = line;
		lx.n = n;
		lx.i = 0;
		if (lex_end(&lx) || lx.s[lx.i] == '#')
			continue;
		wn = lex_word(&lx, &w);
		if (!header) {
			if (!word_is(w, wn, "sdm-reference"))
				rc = lex_fail(&lx, "the first statement must be 'sdm-reference 1'");
			else if (wn = lex_word(&lx, &w), !word_is(w, wn, "1"))
				rc = lex_fail(&lx, "reference version '%.*s', this sdm reads 1",
					      (int)wn, w);
			header = true;
		} else if (word_is(w, wn, "event")) {
			rc = ref_event(&lx, out, true);
		} else if (word_is(w, wn, "allow")) {
			rc = ref_event(&lx, out, false);
		} else if (word_is(w, wn, "text")) {
			rc = ref_text(&lx, out);
		} else if (word_is(w, wn, "image")) {
			rc = ref_image(&lx, out);
		} else if (word_is(w, wn, "domain")) {
			rc = ref_domain(&lx, out);
		} else if (word_is(w, wn, "require")) {
			rc = ref_require(&lx, out);
		} else {
			rc = lex_fail(&lx, "unknown statement '%.*s'",
				      (int)(wn > 20 ? 20 : wn), w);
		}
		if (rc == SDM_OK && !lex_end(&lx))
			rc = lex_fail(&lx, "unexpected text after the statement");
	}
	if (rc == SDM_OK && !header)
		rc = sdm_err_set(err, SDM_EINVAL,
				 "%s: empty (no 'sdm-reference 1' line)", lx.file);
	if (rc != SDM_OK)
		memset(out, 0, sizeof(*out));
	return rc;
}
