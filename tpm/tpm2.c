#include <stdio.h>
#include <string.h>
#include "tpm/tpm2.h"

/*
 * Buffer sizes: the largest command/response of this file. PCR_Extend
 * with TPM20_MAX_BANKS SHA-512 digests is 1087 bytes; the largest response
 * (PCR_Read: 8 SHA-512 digests) is under 700.
 */
#define CMD_SMALL 256
#define CMD_EXTEND 1152
#define RSP_MAX 1024
#define TPM12_TAG_RSP_COMMAND 0x00c4 /* a 2.0 TPM answering a 1.2 tag */

/* ------------------------------------------------------------ names */

size_t tpm2_alg_digest_size(uint16_t alg)
{
	switch (alg) {
	case TPM20_ALG_SHA1: return 20;
	case TPM20_ALG_SHA256: return 32;
	case TPM20_ALG_SHA384: return 48;
	case TPM20_ALG_SHA512: return 64;
	case TPM20_ALG_SM3_256: return 32;
	default: return 0;
	}
}

const char *tpm2_alg_name(uint16_t alg)
{
	switch (alg) {
	case TPM20_ALG_SHA1: return "SHA1";
	case TPM20_ALG_SHA256: return "SHA256";
	case TPM20_ALG_SHA384: return "SHA384";
	case TPM20_ALG_SHA512: return "SHA512";
	case TPM20_ALG_SM3_256: return "SM3_256";
	default: return "unknown";
	}
}

struct rc_name {
	uint16_t rc;
	const char *name;
};

/* Part 2, 6.6.3: format-0 errors (VER1 + n), warnings (WARN + n), format-1. */
static const struct rc_name rc_names[] = {
	{ 0x100, "TPM_RC_INITIALIZE" },	  { 0x101, "TPM_RC_FAILURE" },
	{ 0x103, "TPM_RC_SEQUENCE" },	  { 0x10b, "TPM_RC_PRIVATE" },
	{ 0x119, "TPM_RC_HMAC" },	  { 0x120, "TPM_RC_DISABLED" },
	{ 0x121, "TPM_RC_EXCLUSIVE" },	  { 0x124, "TPM_RC_AUTH_TYPE" },
	{ 0x125, "TPM_RC_AUTH_MISSING" }, { 0x126, "TPM_RC_POLICY" },
	{ 0x127, "TPM_RC_PCR" },	  { 0x128, "TPM_RC_PCR_CHANGED" },
	{ 0x12d, "TPM_RC_UPGRADE" },	  { 0x12e, "TPM_RC_TOO_MANY_CONTEXTS" },
	{ 0x12f, "TPM_RC_AUTH_UNAVAILABLE" }, { 0x130, "TPM_RC_REBOOT" },
	{ 0x131, "TPM_RC_UNBALANCED" },	  { 0x142, "TPM_RC_COMMAND_SIZE" },
	{ 0x143, "TPM_RC_COMMAND_CODE" }, { 0x144, "TPM_RC_AUTHSIZE" },
	{ 0x145, "TPM_RC_AUTH_CONTEXT" }, { 0x146, "TPM_RC_NV_RANGE" },
	{ 0x147, "TPM_RC_NV_SIZE" },	  { 0x148, "TPM_RC_NV_LOCKED" },
	{ 0x149, "TPM_RC_NV_AUTHORIZATION" },
	{ 0x14a, "TPM_RC_NV_UNINITIALIZED" }, { 0x14b, "TPM_RC_NV_SPACE" },
	{ 0x14c, "TPM_RC_NV_DEFINED" },	  { 0x150, "TPM_RC_BAD_CONTEXT" },
	{ 0x151, "TPM_RC_CPHASH" },	  { 0x152, "TPM_RC_PARENT" },
	{ 0x153, "TPM_RC_NEEDS_TEST" },	  { 0x154, "TPM_RC_NO_RESULT" },
	{ 0x155, "TPM_RC_SENSITIVE" },
	{ 0x901, "TPM_RC_CONTEXT_GAP" },  { 0x902, "TPM_RC_OBJECT_MEMORY" },
	{ 0x903, "TPM_RC_SESSION_MEMORY" }, { 0x904, "TPM_RC_MEMORY" },
	{ 0x905, "TPM_RC_SESSION_HANDLES" }, { 0x906, "TPM_RC_OBJECT_HANDLES" },
	{ 0x907, "TPM_RC_LOCALITY" },	  { 0x908, "TPM_RC_YIELDED" },
	{ 0x909, "TPM_RC_CANCELED" },	  { 0x90a, "TPM_RC_TESTING" },
	{ 0x920, "TPM_RC_NV_RATE" },	  { 0x921, "TPM_RC_LOCKOUT" },
	{ 0x922, "TPM_RC_RETRY" },	  { 0x923, "TPM_RC_NV_UNAVAILABLE" },
	{ 0x081, "TPM_RC_ASYMMETRIC" },	  { 0x082, "TPM_RC_ATTRIBUTES" },
	{ 0x083, "TPM_RC_HASH" },	  { 0x084, "TPM_RC_VALUE" },
	{ 0x085, "TPM_RC_HIERARCHY" },	  { 0x087, "TPM_RC_KEY_SIZE" },
	{ 0x088, "TPM_RC_MGF" },	  { 0x089, "TPM_RC_MODE" },
	{ 0x08a, "TPM_RC_TYPE" },	  { 0x08b, "TPM_RC_HANDLE" },
	{ 0x08c, "TPM_RC_KDF" },	  { 0x08d, "TPM_RC_RANGE" },
	{ 0x08e, "TPM_RC_AUTH_FAIL" },	  { 0x08f, "TPM_RC_NONCE" },
	{ 0x090, "TPM_RC_PP" },		  { 0x092, "TPM_RC_SCHEME" },
	{ 0x095, "TPM_RC_SIZE" },	  { 0x096, "TPM_RC_SYMMETRIC" },
	{ 0x097, "TPM_RC_TAG" },	  { 0x098, "TPM_RC_SELECTOR" },
	{ 0x09a, "TPM_RC_INSUFFICIENT" }, { 0x09b, "TPM_RC_SIGNATURE" },
	{ 0x09c, "TPM_RC_KEY" },	  { 0x09d, "TPM_RC_POLICY_FAIL" },
	{ 0x09f, "TPM_RC_INTEGRITY" },	  { 0x0a0, "TPM_RC_TICKET" },
	{ 0x0a1, "TPM_RC_RESERVED_BITS" }, { 0x0a2, "TPM_RC_BAD_AUTH" },
	{ 0x0a3, "TPM_RC_EXPIRED" },	  { 0x0a4, "TPM_RC_POLICY_CC" },
	{ 0x0a5, "TPM_RC_BINDING" },	  { 0x0a6, "TPM_RC_CURVE" },
	{ 0x0a7, "TPM_RC_ECC_POINT" },
};

static const char *rc_name(uint32_t base)
{
	for (size_t i = 0; i < ARRAY_SIZE(rc_names); i++)
		if (rc_names[i].rc == base)
			return rc_names[i].name;
	return "TPM_RC_?";
}

/* Part 2, 6.6.2: response code formats. */
#define RC_FMT1 0x080
#define RC_VER1 0x100
#define RC_VENDOR 0x400 /* format 0, bit 10 (T) */
#define RC_WARN 0x800	/* format 0, bit 11 (S); format 1: session */
#define RC_P 0x040	/* format 1: the number is a parameter */

const char *tpm2_rc_str(uint32_t rc, char *buf, size_t cap)
{
	if (rc == 0) {
		snprintf(buf, cap, "TPM_RC_SUCCESS (0x000)");
	} else if (rc > 0xfff) {
		snprintf(buf, cap, "0x%x (not a TPM 2.0 response code)", rc);
	} else if (rc & RC_FMT1) {
		uint32_t n = (rc >> 8) & 0xf;
		const char *name = rc_name(RC_FMT1 | (rc & 0x3f));

		if (rc & RC_P)
			snprintf(buf, cap, "%s (0x%03x, parameter %u)", name,
				 rc, n);
		else if (n == 0)
			snprintf(buf, cap, "%s (0x%03x)", name, rc);
		else
			snprintf(buf, cap, "%s (0x%03x, %s %u)", name, rc,
				 n & 8 ? "session" : "handle", n & 7);
	} else if (!(rc & RC_VER1)) {
		snprintf(buf, cap, "0x%03x (TPM 1.2 response code)", rc);
	} else if (rc & RC_VENDOR) {
		snprintf(buf, cap, "0x%03x (vendor-defined %s)", rc,
			 rc & RC_WARN ? "warning" : "error");
	} else if (rc & RC_WARN) {
		snprintf(buf, cap, "%s (0x%03x, warning)",
			 rc_name(0x900 | (rc & 0x7f)), rc);
	} else {
		snprintf(buf, cap, "%s (0x%03x)",
			 rc_name(RC_VER1 | (rc & 0x7f)), rc);
	}
	return buf;
}

/* ------------------------------------------------------------ framing */

int tpm2_transact(const struct tpm_transport *t, unsigned loc,
		  const char *name, struct tpm_buf *cmd, uint8_t *rsp,
		  size_t rsp_cap, struct tpm_rd *r, struct sdm_err *err)
{
	struct tpm_rsp_hdr h;
	uint16_t want;
	char d[64];
	int rc;

	want = cmd->len >= 2 ? (uint16_t)(cmd->p[0] << 8 | cmd->p[1]) : 0;
	rc = tpm_transact(t, loc, name, cmd, rsp, rsp_cap, r, &h, err);
	if (rc != SDM_OK)
		return rc;
	if (h.rc > 0xfff)
		return tpm_rd_fail(r, 6, SDM_EINVAL,
				   "responseCode 0x%08x has reserved bits set",
				   h.rc);
	if (h.rc != TPM20_RC_SUCCESS) {
		/* Part 1, 18.4: an error response is a bare header. */
		if (h.tag != TPM20_ST_NO_SESSIONS &&
		    h.tag != TPM12_TAG_RSP_COMMAND)
			return tpm_rd_fail(r, 0, SDM_EINVAL,
					   "tag 0x%04x with responseCode 0x%x",
					   h.tag, h.rc);
		return sdm_err_set(err, (int)h.rc, "%s: TPM refused: %s", name,
				   tpm2_rc_str(h.rc, d, sizeof(d)));
	}
	if (h.tag != want)
		return tpm_rd_fail(r, 0, SDM_EINVAL,
				   "tag 0x%04x, expected 0x%04x", h.tag, want);
	return SDM_OK;
}

void tpm2_rd_params_begin(struct tpm_rd *r, size_t *end)
{
	size_t at = r->off;
	uint32_t n = tpm_rd_u32(r, "parameterSize");

	*end = r->off;
	if (r->bad)
		return;
	if (n > tpm_rd_left(r)) {
		tpm_rd_fail(r, at, SDM_ERANGE,
			    "parameterSize %u exceeds the %zu bytes left", n,
			    tpm_rd_left(r));
		return;
	}
	*end = r->off + n;
}

int tpm2_rd_params_end(struct tpm_rd *r, size_t end, unsigned nsessions)
{
	uint8_t scratch[TPM20_MAX_DIGEST];

	if (!r->bad && r->off != end)
		tpm_rd_fail(r, r->off, SDM_EINVAL,
			    "parameters end at 0x%zx, parameterSize says 0x%zx",
			    r->off, end);
	for (unsigned i = 0; i < nsessions; i++) {
		/* TPMS_AUTH_RESPONSE (Part 2, 10.13.3) */
		tpm_rd_tpm2b(r, "nonceTPM", scratch, sizeof(scratch));
		tpm_rd_u8(r, "sessionAttributes");
		tpm_rd_tpm2b(r, "hmac", scratch, sizeof(scratch));
	}
	return tpm_rd_end(r);
}

void tpm2_put_pcr_selection(struct tpm_buf *b, const struct tpm2_bank *sel,
			    unsigned n)
{
	tpm_buf_u32(b, n);
	for (unsigned i = 0; i < n; i++) {
		tpm_buf_u16(b, sel[i].alg);
		if (sel[i].sizeof_select > TPM20_PCR_SELECT_MAX) {
			b->overflow = true;
			return;
		}
		tpm_buf_u8(b, sel[i].sizeof_select);
		for (unsigned j = 0; j < sel[i].sizeof_select; j++)
			tpm_buf_u8(b, (uint8_t)(sel[i].pcrs >> (8 * j)));
	}
}

void tpm2_put_pw_session(struct tpm_buf *b, const void *pw, size_t len)
{
	size_t at = b->len;

	tpm_buf_u32(b, 0); /* authorizationSize */
	tpm_buf_u32(b, TPM20_RS_PW);
	tpm_buf_tpm2b(b, NULL, 0); /* nonceCaller */
	tpm_buf_u8(b, 0);	   /* sessionAttributes */
	tpm_buf_tpm2b(b, pw, len); /* hmac: the password */
	tpm_buf_set_u32(b, at, (uint32_t)(b->len - at - 4));
}

int tpm2_rd_pcr_selection(struct tpm_rd *r, const char *what,
			  struct tpm2_bank *sel, unsigned max, unsigned *n)
{
	size_t at = r->off;
	uint32_t count = tpm_rd_u32(r, what);

	*n = 0;
	if (r->bad)
		return r->code;
	if (count > max)
		return tpm_rd_fail(r, at, SDM_ERANGE, "%s count %u exceeds %u",
				   what, count, max);
	for (uint32_t i = 0; i < count; i++) {
		uint8_t bytes[TPM20_PCR_SELECT_MAX];
		size_t sz_at;

		sel[i].alg = tpm_rd_u16(r, "hash");
		sz_at = r->off;
		sel[i].sizeof_select = tpm_rd_u8(r, "sizeofSelect");
		if (r->bad)
			return r->code;
		if (sel[i].sizeof_select > TPM20_PCR_SELECT_MAX)
			return tpm_rd_fail(r, sz_at, SDM_ERANGE,
					   "%s[%u] sizeofSelect %u exceeds %u",
					   what, i, sel[i].sizeof_select,
					   TPM20_PCR_SELECT_MAX);
		if (!tpm_rd_bytes(r, "pcrSelect", bytes, sel[i].sizeof_select))
			return r->code;
		sel[i].pcrs = 0;
		for (unsigned j = 0; j < sel[i].sizeof_select; j++)
			sel[i].pcrs |= (uint32_t)bytes[j] << (8 * j);
	}
	*n = count;
	return SDM_OK;
}

/* ------------------------------------------------------------ commands */

int tpm2_startup(const struct tpm_transport *t, unsigned loc, bool *already,
		 struct sdm_err *err)
{
	uint8_t c[CMD_SMALL], rsp[RSP_MAX];
	struct tpm_buf b;
	struct tpm_rd r;
	int rc;

	*already = false;
	tpm_buf_init(&b, c, sizeof(c));
	tpm_buf_cmd_start(&b, TPM20_ST_NO_SESSIONS, TPM20_CC_STARTUP);
	tpm_buf_u16(&b, TPM20_SU_CLEAR);
	rc = tpm2_transact(t, loc, "TPM2_Startup", &b, rsp, sizeof(rsp), &r,
			   err);
	if (rc == TPM20_RC_INITIALIZE)
		return tpm_startup_already(already, err);
	if (rc != SDM_OK)
		return rc;
	return tpm_rd_end(&r);
}

/* Send GetCapability; on SDM_OK *r is at capabilityData's union. */
static int get_capability(const struct tpm_transport *t, unsigned loc,
			  uint32_t cap, uint32_t prop, uint32_t count,
			  uint8_t *rsp, size_t rsp_cap, struct tpm_rd *r,
			  bool *more, struct sdm_err *err)
{
	uint8_t c[CMD_SMALL];
	struct tpm_buf b;
	uint8_t yes_no;
	uint32_t got;
	int rc;

	tpm_buf_init(&b, c, sizeof(c));
	tpm_buf_cmd_start(&b, TPM20_ST_NO_SESSIONS, TPM20_CC_GET_CAPABILITY);
	tpm_buf_u32(&b, cap);
	tpm_buf_u32(&b, prop);
	tpm_buf_u32(&b, count);
	rc = tpm2_transact(t, loc, "TPM2_GetCapability", &b, rsp, rsp_cap, r,
			   err);
	if (rc != SDM_OK)
		return rc;
	yes_no = tpm_rd_u8(r, "moreData");
	if (!r->bad && yes_no > 1)
		return tpm_rd_fail(r, r->off - 1, SDM_EINVAL,
				   "moreData %u is not YES or NO", yes_no);
	got = tpm_rd_u32(r, "capability");
	if (!r->bad && got != cap)
		return tpm_rd_fail(r, r->off - 4, SDM_EINVAL,
				   "capability 0x%x, asked for 0x%x", got, cap);
	*more = yes_no == 1;
	return tpm_rd_status(r);
}

int tpm2_get_pcr_banks(const struct tpm_transport *t, unsigned loc,
		       struct tpm2_banks *banks, struct sdm_err *err)
{
	struct tpm2_bank sel[TPM20_MAX_BANKS];
	uint8_t rsp[RSP_MAX];
	struct tpm_rd r;
	unsigned n = 0;
	size_t at;
	bool more;
	int rc;

	rc = get_capability(t, loc, TPM20_CAP_PCRS, 0, 1, rsp, sizeof(rsp), &r,
			    &more, err);
	if (rc != SDM_OK)
		return rc;
	at = r.off;
	rc = tpm2_rd_pcr_selection(&r, "pcrSelect", sel, TPM20_MAX_BANKS, &n);
	if (rc != SDM_OK)
		return rc;
	/* A bank we never hear of would stay unmeasured: refuse. */
	if (more)
		return tpm_rd_fail(&r, 10, SDM_EINVAL,
				   "moreData set after %u banks", n);
	at += 4;
	for (unsigned i = 0; i < n; i++) {
		for (unsigned j = 0; j < i; j++)
			if (sel[j].alg == sel[i].alg)
				return tpm_rd_fail(&r, at, SDM_EINVAL,
						   "bank 0x%04x listed twice",
						   sel[i].alg);
		at += 3 + sel[i].sizeof_select;
	}
	rc = tpm_rd_end(&r);
	if (rc != SDM_OK)
		return rc;
	banks->count = n;
	memcpy(banks->bank, sel, n * sizeof(sel[0]));
	return SDM_OK;
}

int tpm2_get_properties(const struct tpm_transport *t, unsigned loc,
			uint32_t first, uint32_t count, struct tpm2_props *out,
			struct sdm_err *err)
{
	struct tpm2_prop p[TPM20_MAX_PROPS];
	uint8_t rsp[RSP_MAX];
	struct tpm_rd r;
	uint32_t n;
	size_t at;
	bool more;
	int rc;

	if (count == 0 || count > TPM20_MAX_PROPS)
		return sdm_err_set(err, SDM_EINVAL,
				   "TPM2_GetCapability: %u properties asked, "
				   "1..%u allowed",
				   count, TPM20_MAX_PROPS);
	rc = get_capability(t, loc, TPM20_CAP_TPM_PROPERTIES, first, count,
			    rsp, sizeof(rsp), &r, &more, err);
	if (rc != SDM_OK)
		return rc;
	at = r.off;
	n = tpm_rd_u32(&r, "tpmProperty count");
	if (!r.bad && n > count)
		return tpm_rd_fail(&r, at, SDM_ERANGE,
				   "tpmProperty count %u exceeds %u asked", n,
				   count);
	for (uint32_t i = 0; i < n && !r.bad; i++) {
		at = r.off;
		p[i].property = tpm_rd_u32(&r, "property");
		p[i].value = tpm_rd_u32(&r, "value");
		if (r.bad)
			break;
		if (p[i].property < first ||
		    (i > 0 && p[i].property <= p[i - 1].property))
			return tpm_rd_fail(&r, at, SDM_EINVAL,
					   "property 0x%x out of order",
					   p[i].property);
	}
	rc = tpm_rd_end(&r);
	if (rc != SDM_OK)
		return rc;
	out->count = n;
	out->more = more;
	memcpy(out->prop, p, n * sizeof(p[0]));
	return SDM_OK;
}

/*
 * Append up to 4 characters of a big-endian property value to the string
 * in dst[cap]; stops at a NUL byte; unprintable bytes become '?'.
 * Returns how many were appended.
 */
static unsigned prop_chars(char *dst, size_t cap, uint32_t v)
{
	size_t len = strnlen(dst, cap - 1);
	unsigned n = 0;

	for (int i = 3; i >= 0 && len + 1 < cap; i--, n++) {
		char ch = (char)(v >> (8 * i));

		if (ch == '\0')
			break;
		dst[len++] = ch >= 0x20 && ch < 0x7f ? ch : '?';
	}
	dst[len] = '\0';
	return n;
}

int tpm2_get_info(const struct tpm_transport *t, unsigned loc,
		  struct tpm2_info *info, struct sdm_err *err)
{
	struct tpm2_props props;
	uint32_t vend[4] = { 0 };
	int rc;

	rc = tpm2_get_properties(t, loc, TPM20_PT_FAMILY_INDICATOR,
				 TPM20_PT_FIRMWARE_VERSION_2 -
					 TPM20_PT_FAMILY_INDICATOR + 1,
				 &props, err);
	if (rc != SDM_OK)
		return rc;
	memset(info, 0, sizeof(*info));
	for (unsigned i = 0; i < props.count; i++) {
		uint32_t v = props.prop[i].value;

		switch (props.prop[i].property) {
		case TPM20_PT_FAMILY_INDICATOR:
			prop_chars(info->family, sizeof(info->family), v);
			break;
		case TPM20_PT_LEVEL: info->level = v; break;
		case TPM20_PT_REVISION: info->revision = v; break;
		case TPM20_PT_DAY_OF_YEAR: info->day_of_year = v; break;
		case TPM20_PT_YEAR: info->year = v; break;
		case TPM20_PT_MANUFACTURER:
			prop_chars(info->manufacturer,
				   sizeof(info->manufacturer), v);
			break;
		case TPM20_PT_VENDOR_TPM_TYPE: info->vendor_tpm_type = v; break;
		case TPM20_PT_FIRMWARE_VERSION_1: info->fw1 = v; break;
		case TPM20_PT_FIRMWARE_VERSION_2: info->fw2 = v; break;
		default: {
			uint32_t k = props.prop[i].property -
				     TPM20_PT_VENDOR_STRING_1;

			if (k < ARRAY_SIZE(vend))
				vend[k] = v;
			break;
		}
		}
	}
	/* The vendor string ends at its first NUL. */
	for (unsigned i = 0; i < 4; i++)
		if (prop_chars(info->vendor, sizeof(info->vendor), vend[i]) < 4)
			break;
	return SDM_OK;
}

/* Check the caller's bank list: known algorithms, no repeats. */
static int check_algs(const char *name, const uint16_t *algs, unsigned n,
		      struct sdm_err *err)
{
	if (n == 0 || n > TPM20_MAX_BANKS)
		return sdm_err_set(err, SDM_EINVAL,
				   "%s: %u banks, 1..%u allowed", name, n,
				   TPM20_MAX_BANKS);
	for (unsigned i = 0; i < n; i++) {
		if (tpm2_alg_digest_size(algs[i]) == 0)
			return sdm_err_set(err, SDM_EINVAL,
					   "%s: unknown hash algorithm 0x%04x",
					   name, algs[i]);
		for (unsigned j = 0; j < i; j++)
			if (algs[j] == algs[i])
				return sdm_err_set(err, SDM_EINVAL,
						   "%s: bank %s given twice",
						   name,
						   tpm2_alg_name(algs[i]));
	}
	return SDM_OK;
}

/*
 * One TPM2_PCR_Read round for the banks in `want` (bit i: algs[i]).
 * Parses into got[] and sets *done to the banks returned.
 */
static int pcr_read_round(const struct tpm_transport *t, unsigned loc,
			  unsigned pcr, const uint16_t *algs, unsigned n,
			  uint32_t want, struct tpm2_digest *got,
			  uint32_t *done, uint32_t *counter,
			  struct sdm_err *err)
{
	uint8_t c[CMD_SMALL], rsp[RSP_MAX];
	struct tpm2_bank sel[TPM20_MAX_BANKS];
	unsigned idx[TPM20_MAX_BANKS]; /* sel[j] answers algs[idx[j]] */
	unsigned ns = 0, nsel, selected = 0;
	uint32_t seen = 0, count;
	struct tpm_buf b;
	struct tpm_rd r;
	size_t at;
	int rc;

	*done = 0;
	tpm_buf_init(&b, c, sizeof(c));
	tpm_buf_cmd_start(&b, TPM20_ST_NO_SESSIONS, TPM20_CC_PCR_READ);
	for (unsigned i = 0; i < n; i++) {
		if (!(want & (1u << i)))
			continue;
		sel[ns].alg = algs[i];
		sel[ns].sizeof_select = pcr / 8 + 1 > TPM20_PCR_SELECT_MIN
						? (uint8_t)(pcr / 8 + 1)
						: TPM20_PCR_SELECT_MIN;
		sel[ns++].pcrs = 1u << pcr;
	}
	tpm2_put_pcr_selection(&b, sel, ns);
	rc = tpm2_transact(t, loc, "TPM2_PCR_Read", &b, rsp, sizeof(rsp), &r,
			   err);
	if (rc != SDM_OK)
		return rc;

	*counter = tpm_rd_u32(&r, "pcrUpdateCounter");
	at = r.off;
	rc = tpm2_rd_pcr_selection(&r, "pcrSelectionOut", sel, ns, &nsel);
	if (rc != SDM_OK)
		return rc;
	at += 4;
	for (unsigned j = 0; j < nsel; j++) {
		unsigned i;

		for (i = 0; i < n; i++)
			if (algs[i] == sel[j].alg && (want & (1u << i)))
				break;
		if (i == n && tpm2_alg_digest_size(sel[j].alg) == 0)
			return tpm_rd_fail(&r, at, SDM_EINVAL,
					   "unknown hash algorithm 0x%04x in "
					   "pcrSelectionOut",
					   sel[j].alg);
		if (i == n)
			return tpm_rd_fail(&r, at, SDM_EINVAL,
					   "bank %s in pcrSelectionOut was not "
					   "asked for",
					   tpm2_alg_name(sel[j].alg));
		if (seen & (1u << i))
			return tpm_rd_fail(&r, at, SDM_EINVAL,
					   "bank %s listed twice",
					   tpm2_alg_name(sel[j].alg));
		if (sel[j].pcrs & ~(1u << pcr))
			return tpm_rd_fail(&r, at, SDM_EINVAL,
					   "pcrSelectionOut %s selects PCRs "
					   "0x%x, asked for PCR %u",
					   tpm2_alg_name(sel[j].alg),
					   sel[j].pcrs, pcr);
		seen |= 1u << i;
		idx[j] = i;
		if (sel[j].pcrs != 0)
			selected++;
		at += 3 + sel[j].sizeof_select;
	}

	at = r.off;
	count = tpm_rd_u32(&r, "pcrValues count");
	if (!r.bad && count > TPM20_MAX_PCR_DIGESTS)
		return tpm_rd_fail(&r, at, SDM_ERANGE,
				   "pcrValues count %u exceeds %u", count,
				   TPM20_MAX_PCR_DIGESTS);
	if (!r.bad && count != selected)
		return tpm_rd_fail(&r, at, SDM_EINVAL,
				   "pcrValues count %u but %u PCRs selected",
				   count, selected);
	for (unsigned j = 0; j < nsel && !r.bad; j++) {
		struct tpm2_digest *d = &got[idx[j]];
		size_t want_size = tpm2_alg_digest_size(sel[j].alg);

		if (sel[j].pcrs == 0)
			continue;
		at = r.off;
		d->alg = sel[j].alg;
		d->size = tpm_rd_tpm2b(&r, "pcrValues digest", d->bytes,
				       sizeof(d->bytes));
		if (!r.bad && d->size != want_size)
			return tpm_rd_fail(&r, at, SDM_EINVAL,
					   "%s digest of %u bytes, expected "
					   "%zu",
					   tpm2_alg_name(d->alg), d->size,
					   want_size);
		*done |= 1u << idx[j];
	}
	return tpm_rd_end(&r);
}

int tpm2_pcr_read(const struct tpm_transport *t, unsigned loc, unsigned pcr,
		  const uint16_t *algs, unsigned n, struct tpm2_digest *out,
		  uint32_t *update_counter, struct sdm_err *err)
{
	struct tpm2_digest got[TPM20_MAX_BANKS];
	uint32_t want, done = 0, counter = 0, first = 0;
	int rc;

	rc = check_algs("TPM2_PCR_Read", algs, n, err);
	if (rc != SDM_OK)
		return rc;
	if (pcr >= 8 * TPM20_PCR_SELECT_MAX)
		return sdm_err_set(err, SDM_EINVAL,
				   "TPM2_PCR_Read: PCR %u beyond %u", pcr,
				   8 * TPM20_PCR_SELECT_MAX - 1);
	memset(got, 0, sizeof(got));
	for (unsigned i = 0; i < n; i++)
		got[i].alg = algs[i];
	want = (1u << n) - 1;
	for (unsigned round = 0; want != 0; round++) {
		rc = pcr_read_round(t, loc, pcr, algs, n, want, got, &done,
				    &counter, err);
		if (rc != SDM_OK)
			return rc;
		if (round == 0)
			first = counter;
		else if (counter != first)
			return sdm_err_set(err, SDM_EIO,
					   "TPM2_PCR_Read: pcrUpdateCounter "
					   "changed from %u to %u between "
					   "reads",
					   first, counter);
		if (done == 0)
			break;
		want &= ~done;
	}
	memcpy(out, got, n * sizeof(got[0]));
	if (update_counter != NULL)
		*update_counter = first;
	return SDM_OK;
}

int tpm2_pcr_extend(const struct tpm_transport *t, unsigned loc,
		    unsigned pcr, const struct tpm2_digest *digests,
		    unsigned n, struct sdm_err *err)
{
	static const char name[] = "TPM2_PCR_Extend";
	uint16_t algs[TPM20_MAX_BANKS];
	uint8_t c[CMD_EXTEND], rsp[RSP_MAX];
	struct tpm_buf b;
	struct tpm_rd r;
	size_t end;
	int rc;

	if (n == 0 || n > TPM20_MAX_BANKS)
		return sdm_err_set(err, SDM_EINVAL,
				   "%s: %u banks, 1..%u allowed", name, n,
				   TPM20_MAX_BANKS);
	for (unsigned i = 0; i < n; i++)
		algs[i] = digests[i].alg;
	rc = check_algs(name, algs, n, err);
	if (rc != SDM_OK)
		return rc;
	for (unsigned i = 0; i < n; i++) {
		size_t want = tpm2_alg_digest_size(digests[i].alg);

		if (digests[i].size != want)
			return sdm_err_set(err, SDM_EINVAL,
					   "%s: %s digest of %u bytes, "
					   "expected %zu",
					   name, tpm2_alg_name(digests[i].alg),
					   digests[i].size, want);
	}
	if (pcr >= 8 * TPM20_PCR_SELECT_MAX)
		return sdm_err_set(err, SDM_EINVAL, "%s: PCR %u beyond %u",
				   name, pcr, 8 * TPM20_PCR_SELECT_MAX - 1);

	tpm_buf_init(&b, c, sizeof(c));
	tpm_buf_cmd_start(&b, TPM20_ST_SESSIONS, TPM20_CC_PCR_EXTEND);
	tpm_buf_u32(&b, pcr); /* pcrHandle: PCR handles are 0..n */
	tpm2_put_pw_session(&b, NULL, 0);
	tpm_buf_u32(&b, n); /* TPML_DIGEST_VALUES */
	for (unsigned i = 0; i < n; i++) {
		tpm_buf_u16(&b, digests[i].alg);
		tpm_buf_bytes(&b, digests[i].bytes, digests[i].size);
	}
	rc = tpm2_transact(t, loc, name, &b, rsp, sizeof(rsp), &r, err);
	if (rc != SDM_OK)
		return rc;
	tpm2_rd_params_begin(&r, &end);
	return tpm2_rd_params_end(&r, end, 1);
}

int tpm2_get_random(const struct tpm_transport *t, unsigned loc, void *out,
		    size_t n, struct sdm_err *err)
{
	uint8_t c[CMD_SMALL], rsp[RSP_MAX], bytes[TPM20_MAX_DIGEST];
	uint8_t *dst = out;
	struct tpm_buf b;
	struct tpm_rd r;
	size_t got = 0;
	int rc;

	while (got < n) {
		size_t ask = n - got < sizeof(bytes) ? n - got : sizeof(bytes);
		uint16_t len;

		tpm_buf_init(&b, c, sizeof(c));
		tpm_buf_cmd_start(&b, TPM20_ST_NO_SESSIONS,
				  TPM20_CC_GET_RANDOM);
		tpm_buf_u16(&b, (uint16_t)ask);
		rc = tpm2_transact(t, loc, "TPM2_GetRandom", &b, rsp,
				   sizeof(rsp), &r, err);
		if (rc != SDM_OK)
			return rc;
		len = tpm_rd_tpm2b(&r, "randomBytes", bytes, ask);
		rc = tpm_rd_end(&r);
		if (rc != SDM_OK)
			return rc;
		if (len == 0)
			return sdm_err_set(err, SDM_EIO,
					   "TPM2_GetRandom: TPM returned no "
					   "bytes (%zu of %zu filled)",
					   got, n);
		memcpy(dst + got, bytes, len);
		got += len;
	}
	return SDM_OK;
}

/* ------------------------------------------------ sessions and quotes */

#define RSP_QUOTE 2048

int tpm2_start_policy_session(const struct tpm_transport *t, unsigned loc,
			      const void *nonce, size_t nonce_len,
			      uint32_t *session, struct sdm_err *err)
{
	static const char name[] = "TPM2_StartAuthSession";
	uint8_t c[CMD_SMALL], rsp[RSP_MAX], tpm_nonce[TPM20_MAX_DIGEST];
	struct tpm_buf b;
	struct tpm_rd r;
	uint32_t h;
	size_t at;
	uint16_t n;
	int rc;

	if (nonce_len < TPM20_NONCE_CALLER || nonce_len > 32)
		return sdm_err_set(err, SDM_EINVAL,
				   "%s: nonceCaller of %zu bytes, %u..32 allowed",
				   name, nonce_len, TPM20_NONCE_CALLER);
	tpm_buf_init(&b, c, sizeof(c));
	tpm_buf_cmd_start(&b, TPM20_ST_NO_SESSIONS,
			  TPM20_CC_START_AUTH_SESSION);
	tpm_buf_u32(&b, TPM20_RH_NULL);    /* tpmKey: unsalted */
	tpm_buf_u32(&b, TPM20_RH_NULL);    /* bind: unbound */
	tpm_buf_tpm2b(&b, nonce, nonce_len);
	tpm_buf_tpm2b(&b, NULL, 0);        /* encryptedSalt */
	tpm_buf_u8(&b, TPM20_SE_POLICY);   /* sessionType */
	tpm_buf_u16(&b, TPM20_ALG_NULL);   /* symmetric: none */
	tpm_buf_u16(&b, TPM20_ALG_SHA256); /* authHash */
	rc = tpm2_transact(t, loc, name, &b, rsp, sizeof(rsp), &r, err);
	if (rc != SDM_OK)
		return rc;
	at = r.off;
	h = tpm_rd_u32(&r, "sessionHandle");
	/* Part 2 7.2: a policy session's handle is 0x03xxxxxx. */
	if (!r.bad && h >> 24 != TPM20_HT_POLICY_SESSION)
		return tpm_rd_fail(&r, at, SDM_EINVAL,
				   "sessionHandle 0x%08x is not a policy session",
				   h);
	at = r.off;
	/* Part 3 11.1: nonceTPM is 16 bytes at least, a digest at most. */
	n = tpm_rd_tpm2b(&r, "nonceTPM", tpm_nonce, sizeof(tpm_nonce));
	if (!r.bad && n < TPM20_NONCE_CALLER)
		tpm_rd_fail(&r, at, SDM_EINVAL,
			    "nonceTPM of %u bytes, at least %u expected", n,
			    TPM20_NONCE_CALLER);
	rc = tpm_rd_end(&r);
	if (rc != SDM_OK) {
		/* A well-formed handle was read: the TPM may hold it. */
		if (h >> 24 == TPM20_HT_POLICY_SESSION) {
			struct sdm_err e2;

			tpm2_flush_context(t, loc, h, &e2);
		}
		return rc;
	}
	*session = h;
	return SDM_OK;
}

/* A command whose response is a bare header (NO_SESSIONS, no values). */
static int simple_cmd(const struct tpm_transport *t, unsigned loc,
		      const char *name, struct tpm_buf *b,
		      struct sdm_err *err)
{
	uint8_t rsp[RSP_MAX];
	struct tpm_rd r;
	int rc;

	rc = tpm2_transact(t, loc, name, b, rsp, sizeof(rsp), &r, err);
	if (rc != SDM_OK)
		return rc;
	return tpm_rd_end(&r);
}

int tpm2_policy_locality(const struct tpm_transport *t, unsigned loc,
			 uint32_t session, uint8_t locality,
			 struct sdm_err *err)
{
	uint8_t c[CMD_SMALL];
	struct tpm_buf b;

	tpm_buf_init(&b, c, sizeof(c));
	tpm_buf_cmd_start(&b, TPM20_ST_NO_SESSIONS, TPM20_CC_POLICY_LOCALITY);
	tpm_buf_u32(&b, session);
	tpm_buf_u8(&b, locality);
	return simple_cmd(t, loc, "TPM2_PolicyLocality", &b, err);
}

int tpm2_flush_context(const struct tpm_transport *t, unsigned loc,
		       uint32_t handle, struct sdm_err *err)
{
	uint8_t c[CMD_SMALL];
	struct tpm_buf b;

	tpm_buf_init(&b, c, sizeof(c));
	tpm_buf_cmd_start(&b, TPM20_ST_NO_SESSIONS, TPM20_CC_FLUSH_CONTEXT);
	tpm_buf_u32(&b, handle);
	return simple_cmd(t, loc, "TPM2_FlushContext", &b, err);
}

/* Steps over one TPMT_SIGNATURE (Part 2 11.3.4), checking its shape. */
static void rd_signature(struct tpm_rd *r)
{
	size_t at = r->off;
	uint16_t alg = tpm_rd_u16(r, "sigAlg");
	uint8_t v[512];

	if (r->bad)
		return;
	switch (alg) {
	case TPM20_ALG_RSASSA:
	case TPM20_ALG_RSAPSS:
		tpm_rd_u16(r, "signature hash");
		if (tpm_rd_tpm2b(r, "RSA signature", v, 512) == 0 && !r->bad)
			tpm_rd_fail(r, r->off - 2, SDM_EINVAL,
				    "empty RSA signature");
		break;
	case TPM20_ALG_ECDSA:
	case TPM20_ALG_ECDAA:
	case TPM20_ALG_SM2:
	case TPM20_ALG_ECSCHNORR:
		tpm_rd_u16(r, "signature hash");
		if (tpm_rd_tpm2b(r, "signatureR", v, 66) == 0 && !r->bad)
			tpm_rd_fail(r, r->off - 2, SDM_EINVAL,
				    "empty signatureR");
		if (tpm_rd_tpm2b(r, "signatureS", v, 66) == 0 && !r->bad)
			tpm_rd_fail(r, r->off - 2, SDM_EINVAL,
				    "empty signatureS");
		break;
	default:
		tpm_rd_fail(r, at, SDM_EINVAL,
			    "sigAlg 0x%04x is not a signature scheme", alg);
	}
}

int tpm2_quote(const struct tpm_transport *t, unsigned loc,
	       uint32_t key_handle, uint32_t session, const void *qdata,
	       size_t qlen, const struct tpm2_bank *sel, unsigned nsel,
	       uint8_t *attest, size_t attest_cap, size_t *attest_len,
	       uint8_t *sig, size_t sig_cap, size_t *sig_len,
	       struct sdm_err *err)
{
	static const char name[] = "TPM2_Quote";
	uint8_t c[CMD_SMALL], rsp[RSP_QUOTE];
	struct tpm_buf b;
	struct tpm_rd r;
	size_t end, at, sig_at, sig_end;
	uint16_t alen;
	int rc;

	if (qlen > TPM20_MAX_DIGEST + 2)
		return sdm_err_set(err, SDM_EINVAL,
				   "%s: qualifyingData of %zu bytes, at most %u",
				   name, qlen, TPM20_MAX_DIGEST + 2);
	if (nsel == 0 || nsel > TPM20_MAX_BANKS)
		return sdm_err_set(err, SDM_EINVAL, "%s: %u banks, 1..%u allowed",
				   name, nsel, TPM20_MAX_BANKS);
	tpm_buf_init(&b, c, sizeof(c));
	tpm_buf_cmd_start(&b, TPM20_ST_SESSIONS, TPM20_CC_QUOTE);
	tpm_buf_u32(&b, key_handle);
	/* Authorization area: the policy session, no nonce, attributes 0
	 * (continueSession clear), empty hmac (Part 1 19.7.1). */
	tpm_buf_u32(&b, 4 + 2 + 1 + 2);
	tpm_buf_u32(&b, session);
	tpm_buf_u16(&b, 0);
	tpm_buf_u8(&b, 0);
	tpm_buf_u16(&b, 0);
	tpm_buf_tpm2b(&b, qdata, qlen);
	tpm_buf_u16(&b, TPM20_ALG_NULL); /* inScheme: the key's own */
	tpm2_put_pcr_selection(&b, sel, nsel);
	rc = tpm2_transact(t, loc, name, &b, rsp, sizeof(rsp), &r, err);
	if (rc != SDM_OK)
		return rc;
	tpm2_rd_params_begin(&r, &end);
	at = r.off;
	alen = tpm_rd_u16(&r, "quoted size");
	if (!r.bad && (alen == 0 || alen > TPM20_MAX_ATTEST || alen > attest_cap))
		tpm_rd_fail(&r, at, SDM_ERANGE,
			    "quoted size %u: 1..%zu allowed", alen,
			    attest_cap < TPM20_MAX_ATTEST ? attest_cap :
							    TPM20_MAX_ATTEST);
	if (!r.bad)
		tpm_rd_bytes(&r, "quoted", attest, alen);
	sig_at = r.off;
	rd_signature(&r);
	if (!r.bad && r.off - sig_at > sig_cap)
		tpm_rd_fail(&r, sig_at, SDM_ERANGE,
			    "signature of %zu bytes exceeds %zu",
			    r.off - sig_at, sig_cap);
	sig_end = r.off;
	if (!r.bad)
		memcpy(sig, rsp + sig_at, sig_end - sig_at);
	/* The signature must end where parameterSize says. */
	rc = tpm2_rd_params_end(&r, end, 1);
	if (rc != SDM_OK)
		return rc;
	*attest_len = alen;
	*sig_len = sig_end - sig_at;
	return SDM_OK;
}
