/*
 * TPM 1.2 commands (TCG TPM Main Specification 1.2 rev 116, Part 3
 * "Commands"; constants from Part 2 "Structures"), unauthorized ones only:
 * built with tpm_buf, sent through a tpm_transport at a locality,
 * responses parsed as hostile input with tpm_rd.
 *
 * Return values as in tpm/tpm2.h: SDM_OK; a negative SDM_E* (transport,
 * malformed response; *err says what and where); or a positive TPM_RESULT
 * when the TPM refused (e.g. 0x3d TPM_BAD_LOCALITY), decoded in *err.
 */
#ifndef SDM_TPM_TPM12_H
#define SDM_TPM_TPM12_H
#include "tpm/buf.h"
#include "tpm/tpm.h"

/* Part 2, 6: tags */
#define TPM12_TAG_RQU_COMMAND 0x00c1
#define TPM12_TAG_RSP_COMMAND 0x00c4
/* Part 2, 17: ordinals */
#define TPM12_ORD_EXTEND 0x00000014
#define TPM12_ORD_PCR_READ 0x00000015
#define TPM12_ORD_GET_RANDOM 0x00000046
#define TPM12_ORD_GET_CAPABILITY 0x00000065
#define TPM12_ORD_STARTUP 0x00000099
/* Part 2, 16: return codes */
#define TPM12_SUCCESS 0x00
#define TPM12_BADINDEX 0x02
#define TPM12_BAD_PARAMETER 0x03
#define TPM12_BAD_ORDINAL 0x0a
#define TPM12_INVALID_POSTINIT 0x26 /* TPM_Startup: already started */
#define TPM12_BAD_LOCALITY 0x3d
/* Part 2, 4.5 TPM_STARTUP_TYPE; 21.1 TPM_CAPABILITY_AREA; 21.2 subcaps */
#define TPM12_ST_CLEAR 0x0001
#define TPM12_CAP_PROPERTY 0x00000005
#define TPM12_CAP_VERSION_VAL 0x0000001a
#define TPM12_CAP_PROP_PCR 0x00000101
#define TPM12_CAP_PROP_MANUFACTURER 0x00000103
#define TPM12_TAG_CAP_VERSION_INFO 0x0030

#define TPM12_DIGEST_SIZE 20 /* SHA-1 */
#define TPM12_MAX_PCRS 32    /* a TPM claiming more is refused */
#define TPM12_CAP_MAX 256    /* largest capability answer we take */

/* "TPM_BAD_LOCALITY (0x3d)", "0x803 (non-fatal)". Returns buf. */
const char *tpm12_rc_str(uint32_t rc, char *buf, size_t cap);

/* TPM_Startup(TPM_ST_CLEAR); TPM_INVALID_POSTINIT is *already = true. */
int tpm12_startup(const struct tpm_transport *t, unsigned loc, bool *already,
		  struct sdm_err *err);

/*
 * TPM_GetCapability(cap, sub): the answer (resp, respSize <= max bytes)
 * copied to out, its size in *len.
 */
int tpm12_get_capability(const struct tpm_transport *t, unsigned loc,
			 uint32_t cap, const void *sub, size_t sub_len,
			 void *out, size_t max, size_t *len,
			 struct sdm_err *err);

/* TPM_CAP_PROPERTY/TPM_CAP_PROP_PCR: number of PCRs (1..32). */
int tpm12_get_pcr_count(const struct tpm_transport *t, unsigned loc,
			uint32_t *count, struct sdm_err *err);

/* TPM_CAP_VERSION_VAL: TPM_CAP_VERSION_INFO (Part 2, 21.6). */
struct tpm12_version {
	uint8_t major, minor, rev_major, rev_minor; /* TPM_VERSION */
	uint16_t spec_level;
	uint8_t errata_rev;
	char vendor[5]; /* tpmVendorID, printable ASCII only */
	uint16_t vendor_specific_size;
};

int tpm12_get_version(const struct tpm_transport *t, unsigned loc,
		      struct tpm12_version *v, struct sdm_err *err);

/* TPM_PcrRead: the PCR's SHA-1 value. */
int tpm12_pcr_read(const struct tpm_transport *t, unsigned loc, unsigned pcr,
		   uint8_t value[TPM12_DIGEST_SIZE], struct sdm_err *err);

/* TPM_Extend: PCR = SHA-1(PCR || digest); new_value (may be NULL). */
int tpm12_extend(const struct tpm_transport *t, unsigned loc, unsigned pcr,
		 const uint8_t digest[TPM12_DIGEST_SIZE],
		 uint8_t new_value[TPM12_DIGEST_SIZE], struct sdm_err *err);

/* TPM_GetRandom until n bytes are filled (the TPM may return fewer). */
int tpm12_get_random(const struct tpm_transport *t, unsigned loc, void *out,
		     size_t n, struct sdm_err *err);

/*
 * One command/response: finish cmd, send it, check the header (size =
 * bytes received, tag TPM_TAG_RSP_COMMAND) and turn a non-zero
 * TPM_RESULT into the positive return value. On SDM_OK *r reads the
 * output parameters.
 */
int tpm12_transact(const struct tpm_transport *t, unsigned loc,
		   const char *name, struct tpm_buf *cmd, uint8_t *rsp,
		   size_t rsp_cap, struct tpm_rd *r, struct sdm_err *err);

#endif
