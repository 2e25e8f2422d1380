#include <stdio.h>
#include <string.h>
#include "tpm/tpm12.h"

#define CMD_MAX 64  /* largest command here: GetCapability with a u32 */
#define RSP_MAX 512 /* a capability answer of TPM12_CAP_MAX plus framing */
#define TPM12_NON_FATAL 0x800
#define TPM12_VENDOR 0x400

struct rc_name {
	uint16_t rc;
	const char *name;
};

/* Part 2, 16: TPM_BASE + n (fatal), TPM_NON_FATAL + n. */
static const struct rc_name rc_names[] = {
	{ 0x01, "TPM_AUTHFAIL" },	  { 0x02, "TPM_BADINDEX" },
	{ 0x03, "TPM_BAD_PARAMETER" },	  { 0x04, "TPM_AUDITFAILURE" },
	{ 0x05, "TPM_CLEAR_DISABLED" },	  { 0x06, "TPM_DEACTIVATED" },
	{ 0x07, "TPM_DISABLED" },	  { 0x08, "TPM_DISABLED_CMD" },
	{ 0x09, "TPM_FAIL" },		  { 0x0a, "TPM_BAD_ORDINAL" },
	{ 0x11, "TPM_NOSPACE" },	  { 0x15, "TPM_RESOURCES" },
	{ 0x17, "TPM_SIZE" },		  { 0x19, "TPM_BAD_PARAM_SIZE" },
	{ 0x1c, "TPM_FAILEDSELFTEST" },	  { 0x1e, "TPM_BADTAG" },
	{ 0x1f, "TPM_IOERROR" },	  { 0x26, "TPM_INVALID_POSTINIT" },
	{ 0x2b, "TPM_BAD_DATASIZE" },	  { 0x2d, "TPM_BAD_PRESENCE" },
	{ 0x32, "TPM_NOTRESETABLE" },	  { 0x33, "TPM_NOTLOCAL" },
	{ 0x3d, "TPM_BAD_LOCALITY" },	  { 0x3e, "TPM_READ_ONLY" },
	{ 0x800, "TPM_RETRY" },		  { 0x801, "TPM_NEEDS_SELFTEST" },
	{ 0x802, "TPM_DOING_SELFTEST" },  { 0x803, "TPM_DEFEND_LOCK_RUNNING" },
};

const char *tpm12_rc_str(uint32_t rc, char *buf, size_t cap)
{
	for (size_t i = 0; i < ARRAY_SIZE(rc_names); i++) {
		if (rc_names[i].rc == rc) {
			snprintf(buf, cap, "%s (0x%x)", rc_names[i].name, rc);
			return buf;
		}
	}
	if (rc == 0)
		snprintf(buf, cap, "TPM_SUCCESS (0x0)");
	else if (rc > 0xfff)
		snprintf(buf, cap, "0x%x (not a TPM 1.2 return code)", rc);
	else
		snprintf(buf, cap, "0x%x (%s%s)", rc,
			 rc & TPM12_VENDOR ? "vendor-defined " : "",
			 rc & TPM12_NON_FATAL ? "non-fatal" : "fatal");
	return buf;
}

int tpm12_transact(const struct tpm_transport *t, unsigned loc,
		   const char *name, struct tpm_buf *cmd, uint8_t *rsp,
		   size_t rsp_cap, struct tpm_rd *r, struct sdm_err *err)
{
	struct tpm_rsp_hdr h;
	char d[64];
	int rc;

	rc = tpm_transact(t, loc, name, cmd, rsp, rsp_cap, r, &h, err);
	if (rc != SDM_OK)
		return rc;
	if (h.tag != TPM12_TAG_RSP_COMMAND)
		return tpm_rd_fail(r, 0, SDM_EINVAL,
				   "tag 0x%04x, expected 0x%04x", h.tag,
				   TPM12_TAG_RSP_COMMAND);
	if (h.rc > 0xfff)
		return tpm_rd_fail(r, 6, SDM_EINVAL,
				   "returnCode 0x%08x beyond 0xfff", h.rc);
	if (h.rc != TPM12_SUCCESS)
		return sdm_err_set(err, (int)h.rc, "%s: TPM refused: %s", name,
				   tpm12_rc_str(h.rc, d, sizeof(d)));
	return SDM_OK;
}

int tpm12_startup(const struct tpm_transport *t, unsigned loc, bool *already,
		  struct sdm_err *err)
{
	uint8_t c[CMD_MAX], rsp[RSP_MAX];
	struct tpm_buf b;
	struct tpm_rd r;
	int rc;

	*already = false;
	tpm_buf_init(&b, c, sizeof(c));
	tpm_buf_cmd_start(&b, TPM12_TAG_RQU_COMMAND, TPM12_ORD_STARTUP);
	tpm_buf_u16(&b, TPM12_ST_CLEAR);
	rc = tpm12_transact(t, loc, "TPM_Startup", &b, rsp, sizeof(rsp), &r,
			    err);
	if (rc == TPM12_INVALID_POSTINIT)
		return tpm_startup_already(already, err);
	if (rc != SDM_OK)
		return rc;
	return tpm_rd_end(&r);
}

/*
 * Send TPM_GetCapability; on SDM_OK *r is at resp, whose respSize (*n)
 * is exactly the rest of the response.
 */
static int get_cap(const struct tpm_transport *t, unsigned loc, uint32_t cap,
		   const void *sub, size_t sub_len, uint8_t *rsp,
		   size_t rsp_cap, struct tpm_rd *r, uint32_t *n,
		   struct sdm_err *err)
{
	uint8_t c[CMD_MAX];
	struct tpm_buf b;
	size_t at;
	int rc;

	tpm_buf_init(&b, c, sizeof(c));
	tpm_buf_cmd_start(&b, TPM12_TAG_RQU_COMMAND, TPM12_ORD_GET_CAPABILITY);
	tpm_buf_u32(&b, cap);
	tpm_buf_u32(&b, (uint32_t)sub_len); /* subCapSize */
	tpm_buf_bytes(&b, sub, sub_len);
	rc = tpm12_transact(t, loc, "TPM_GetCapability", &b, rsp, rsp_cap, r,
			    err);
	if (rc != SDM_OK)
		return rc;
	at = r->off;
	*n = tpm_rd_u32(r, "respSize");
	if (!r->bad && *n != tpm_rd_left(r))
		return tpm_rd_fail(r, at, SDM_EINVAL,
				   "respSize %u but %zu bytes follow", *n,
				   tpm_rd_left(r));
	return tpm_rd_status(r);
}

int tpm12_get_capability(const struct tpm_transport *t, unsigned loc,
			 uint32_t cap, const void *sub, size_t sub_len,
			 void *out, size_t max, size_t *len,
			 struct sdm_err *err)
{
	uint8_t rsp[RSP_MAX];
	struct tpm_rd r;
	uint32_t n;
	int rc;

	*len = 0;
	rc = get_cap(t, loc, cap, sub, sub_len, rsp, sizeof(rsp), &r, &n, err);
	if (rc != SDM_OK)
		return rc;
	if (n > max)
		return tpm_rd_fail(&r, r.off - 4, SDM_ERANGE,
				   "respSize %u exceeds %zu", n, max);
	tpm_rd_bytes(&r, "resp", out, n);
	rc = tpm_rd_end(&r);
	if (rc == SDM_OK)
		*len = n;
	return rc;
}

int tpm12_get_pcr_count(const struct tpm_transport *t, unsigned loc,
			uint32_t *count, struct sdm_err *err)
{
	uint8_t sub[4] = { TPM12_CAP_PROP_PCR >> 24, TPM12_CAP_PROP_PCR >> 16,
			   TPM12_CAP_PROP_PCR >> 8, TPM12_CAP_PROP_PCR & 0xff };
	uint8_t rsp[RSP_MAX];
	struct tpm_rd r;
	uint32_t n;
	size_t at;
	int rc;

	rc = get_cap(t, loc, TPM12_CAP_PROPERTY, sub, sizeof(sub), rsp,
		     sizeof(rsp), &r, &n, err);
	if (rc != SDM_OK)
		return rc;
	at = r.off;
	if (n != 4)
		return tpm_rd_fail(&r, at - 4, SDM_EINVAL,
				   "TPM_CAP_PROP_PCR respSize %u, expected 4",
				   n);
	n = tpm_rd_u32(&r, "PCR count");
	if (!r.bad && (n == 0 || n > TPM12_MAX_PCRS))
		return tpm_rd_fail(&r, at, SDM_ERANGE,
				   "%u PCRs, expected 1..%u", n,
				   TPM12_MAX_PCRS);
	rc = tpm_rd_end(&r);
	if (rc == SDM_OK)
		*count = n;
	return rc;
}

int tpm12_get_version(const struct tpm_transport *t, unsigned loc,
		      struct tpm12_version *v, struct sdm_err *err)
{
	uint8_t rsp[RSP_MAX], vendor[4];
	struct tpm12_version out;
	struct tpm_rd r;
	uint16_t tag;
	uint32_t n;
	size_t at;
	int rc;

	rc = get_cap(t, loc, TPM12_CAP_VERSION_VAL, NULL, 0, rsp, sizeof(rsp),
		     &r, &n, err);
	if (rc != SDM_OK)
		return rc;
	/* TPM_CAP_VERSION_INFO, Part 2 21.6 */
	at = r.off;
	tag = tpm_rd_u16(&r, "TPM_CAP_VERSION_INFO tag");
	if (!r.bad && tag != TPM12_TAG_CAP_VERSION_INFO)
		return tpm_rd_fail(&r, at, SDM_EINVAL,
				   "TPM_CAP_VERSION_INFO tag 0x%04x, expected "
				   "0x%04x",
				   tag, TPM12_TAG_CAP_VERSION_INFO);
	memset(&out, 0, sizeof(out));
	out.major = tpm_rd_u8(&r, "version.major");
	out.minor = tpm_rd_u8(&r, "version.minor");
	out.rev_major = tpm_rd_u8(&r, "version.revMajor");
	out.rev_minor = tpm_rd_u8(&r, "version.revMinor");
	if (!r.bad && (out.major != 1 || out.minor != 2))
		return tpm_rd_fail(&r, at + 2, SDM_EINVAL,
				   "version %u.%u, expected 1.2", out.major,
				   out.minor);
	out.spec_level = tpm_rd_u16(&r, "specLevel");
	out.errata_rev = tpm_rd_u8(&r, "errataRev");
	if (tpm_rd_bytes(&r, "tpmVendorID", vendor, sizeof(vendor))) {
		size_t i;

		for (i = 0; i < sizeof(vendor) && vendor[i] != 0; i++)
			out.vendor[i] = vendor[i] >= 0x20 && vendor[i] < 0x7f
						? (char)vendor[i]
						: '?';
		out.vendor[i] = '\0';
	}
	at = r.off;
	out.vendor_specific_size = tpm_rd_u16(&r, "vendorSpecificSize");
	if (!r.bad && out.vendor_specific_size != tpm_rd_left(&r))
		return tpm_rd_fail(&r, at, SDM_EINVAL,
				   "vendorSpecificSize %u but %zu bytes follow",
				   out.vendor_specific_size, tpm_rd_left(&r));
	tpm_rd_skip(&r, "vendorSpecific", out.vendor_specific_size);
	rc = tpm_rd_end(&r);
	if (rc == SDM_OK)
		*v = out;
	return rc;
}

int tpm12_pcr_read(const struct tpm_transport *t, unsigned loc, unsigned pcr,
		   uint8_t value[TPM12_DIGEST_SIZE], struct sdm_err *err)
{
	uint8_t c[CMD_MAX], rsp[RSP_MAX], d[TPM12_DIGEST_SIZE];
	struct tpm_buf b;
	struct tpm_rd r;
	int rc;

	tpm_buf_init(&b, c, sizeof(c));
	tpm_buf_cmd_start(&b, TPM12_TAG_RQU_COMMAND, TPM12_ORD_PCR_READ);
	tpm_buf_u32(&b, pcr);
	rc = tpm12_transact(t, loc, "TPM_PcrRead", &b, rsp, sizeof(rsp), &r,
			    err);
	if (rc != SDM_OK)
		return rc;
	tpm_rd_bytes(&r, "outDigest", d, sizeof(d));
	rc = tpm_rd_end(&r);
	if (rc == SDM_OK)
		memcpy(value, d, sizeof(d));
	return rc;
}

int tpm12_extend(const struct tpm_transport *t, unsigned loc, unsigned pcr,
		 const uint8_t digest[TPM12_DIGEST_SIZE],
		 uint8_t new_value[TPM12_DIGEST_SIZE], struct sdm_err *err)
{
	uint8_t c[CMD_MAX], rsp[RSP_MAX], d[TPM12_DIGEST_SIZE];
	struct tpm_buf b;
	struct tpm_rd r;
	int rc;

	tpm_buf_init(&b, c, sizeof(c));
	tpm_buf_cmd_start(&b, TPM12_TAG_RQU_COMMAND, TPM12_ORD_EXTEND);
	tpm_buf_u32(&b, pcr);
	tpm_buf_bytes(&b, digest, TPM12_DIGEST_SIZE);
	rc = tpm12_transact(t, loc, "TPM_Extend", &b, rsp, sizeof(rsp), &r,
			    err);
	if (rc != SDM_OK)
		return rc;
	tpm_rd_bytes(&r, "outDigest", d, sizeof(d));
	rc = tpm_rd_end(&r);
	if (rc == SDM_OK && new_value != NULL)
		memcpy(new_value, d, sizeof(d));
	return rc;
}

int tpm12_get_random(const struct tpm_transport *t, unsigned loc, void *out,
		     size_t n, struct sdm_err *err)
{
	uint8_t c[CMD_MAX], rsp[RSP_MAX], bytes[128];
	uint8_t *dst = out;
	struct tpm_buf b;
	struct tpm_rd r;
	size_t got = 0, at;
	uint32_t len;
	int rc;

	while (got < n) {
		size_t ask = n - got < sizeof(bytes) ? n - got : sizeof(bytes);

		tpm_buf_init(&b, c, sizeof(c));
		tpm_buf_cmd_start(&b, TPM12_TAG_RQU_COMMAND,
				  TPM12_ORD_GET_RANDOM);
		tpm_buf_u32(&b, (uint32_t)ask);
		rc = tpm12_transact(t, loc, "TPM_GetRandom", &b, rsp,
				    sizeof(rsp), &r, err);
		if (rc != SDM_OK)
			return rc;
		at = r.off;
		len = tpm_rd_u32(&r, "randomBytesSize");
		if (!r.bad && len > ask)
			return tpm_rd_fail(&r, at, SDM_ERANGE,
					   "randomBytesSize %u exceeds %zu",
					   len, ask);
		tpm_rd_bytes(&r, "randomBytes", bytes, len);
		rc = tpm_rd_end(&r);
		if (rc != SDM_OK)
			return rc;
		if (len == 0)
			return sdm_err_set(err, SDM_EIO,
					   "TPM_GetRandom: TPM returned no "
					   "bytes (%zu of %zu filled)",
					   got, n);
		memcpy(dst + got, bytes, len);
		got += len;
	}
	return SDM_OK;
}
