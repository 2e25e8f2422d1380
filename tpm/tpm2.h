/*
 * TPM 2.0 commands (TCG TPM 2.0 Library, Part 3 "Commands"; types from
 * Part 2 "Structures"), built with tpm_buf, sent through a tpm_transport
 * at a locality, responses parsed as hostile input with tpm_rd.
 *
 * Return values of every command:
 *   SDM_OK      done;
 *   < 0         SDM_E*: transport failure or malformed response, *err
 *               says what and where;
 *   > 0         the TPM refused: the value is its response code
 *               (e.g. 0x907 TPM_RC_LOCALITY), *err decodes it, err->code
 *               holds the same value. Output structures are then unused.
 *
 * New commands (quote, NV, create primary) are written the same way with
 * the building blocks at the end of this header.
 *
 * Constants carry the prefix TPM20_ (spec name TPM_CC_PCR_Extend ->
 * TPM20_CC_PCR_EXTEND) so that this header and tpm2-tss's TPM2_* macros
 * can be included together on the host.
 */
#ifndef SDM_TPM_TPM2_H
#define SDM_TPM_TPM2_H
#include "tpm/buf.h"
#include "tpm/tpm.h"

/* Part 2, 6.9 TPM_ST */
#define TPM20_ST_NO_SESSIONS 0x8001
#define TPM20_ST_SESSIONS 0x8002
/* Part 2, 6.5.2 TPM_CC */
#define TPM20_CC_STARTUP 0x00000144
#define TPM20_CC_GET_CAPABILITY 0x0000017a
#define TPM20_CC_GET_RANDOM 0x0000017b
#define TPM20_CC_PCR_READ 0x0000017e
#define TPM20_CC_PCR_EXTEND 0x00000182
#define TPM20_CC_POLICY_LOCALITY 0x0000016f
#define TPM20_CC_QUOTE 0x00000158
#define TPM20_CC_FLUSH_CONTEXT 0x00000165
#define TPM20_CC_START_AUTH_SESSION 0x00000176
/* Part 2, 7.4 TPM_RH; 6.11 TPM_SE; 8.5 TPMA_LOCALITY */
#define TPM20_RH_NULL 0x40000007
#define TPM20_SE_POLICY 0x01
#define TPM20_LOC_ZERO 0x01
#define TPM20_LOC_TWO 0x04
#define TPM20_LOC_THREE 0x08
/* TCG Algorithm Registry: signature schemes and the null algorithm */
#define TPM20_ALG_NULL 0x0010
#define TPM20_ALG_RSASSA 0x0014
#define TPM20_ALG_RSAPSS 0x0016
#define TPM20_ALG_ECDSA 0x0018
#define TPM20_ALG_ECDAA 0x001a
#define TPM20_ALG_SM2 0x001b
#define TPM20_ALG_ECSCHNORR 0x001c
/* Part 2, 6.6 TPM_RC */
#define TPM20_RC_SUCCESS 0x000
#define TPM20_RC_INITIALIZE 0x100 /* TPM2_Startup: already started */
#define TPM20_RC_LOCALITY 0x907
/* Part 2, 6.3 TPM_SU; 6.12 TPM_CAP; 6.13 TPM_PT; 7.4 TPM_RS_PW */
#define TPM20_SU_CLEAR 0x0000
#define TPM20_CAP_PCRS 0x00000005
#define TPM20_CAP_TPM_PROPERTIES 0x00000006
#define TPM20_PT_FIXED 0x100
#define TPM20_PT_FAMILY_INDICATOR (TPM20_PT_FIXED + 0)
#define TPM20_PT_LEVEL (TPM20_PT_FIXED + 1)
#define TPM20_PT_REVISION (TPM20_PT_FIXED + 2)
#define TPM20_PT_DAY_OF_YEAR (TPM20_PT_FIXED + 3)
#define TPM20_PT_YEAR (TPM20_PT_FIXED + 4)
#define TPM20_PT_MANUFACTURER (TPM20_PT_FIXED + 5)
#define TPM20_PT_VENDOR_STRING_1 (TPM20_PT_FIXED + 6)
#define TPM20_PT_VENDOR_STRING_4 (TPM20_PT_FIXED + 9)
#define TPM20_PT_VENDOR_TPM_TYPE (TPM20_PT_FIXED + 10)
#define TPM20_PT_FIRMWARE_VERSION_1 (TPM20_PT_FIXED + 11)
#define TPM20_PT_FIRMWARE_VERSION_2 (TPM20_PT_FIXED + 12)
#define TPM20_RS_PW 0x40000009
/* TCG Algorithm Registry: hash algorithms */
#define TPM20_ALG_SHA1 0x0004
#define TPM20_ALG_SHA256 0x000b
#define TPM20_ALG_SHA384 0x000c
#define TPM20_ALG_SHA512 0x000d
#define TPM20_ALG_SM3_256 0x0012

#define TPM20_MAX_DIGEST 64    /* SHA-512 */
#define TPM20_MAX_BANKS 16     /* TPML_PCR_SELECTION entries we accept */
#define TPM20_PCR_SELECT_MAX 4 /* sizeofSelect we accept: 32 PCRs */
#define TPM20_PCR_SELECT_MIN 3 /* PC Client: 24 PCRs */
#define TPM20_MAX_PCR_DIGESTS 8 /* Part 2 10.9.2 TPML_DIGEST: count <= 8 */
#define TPM20_MAX_PROPS 32      /* TPML_TAGGED_TPM_PROPERTY we accept */

/* Digest size of a hash algorithm, 0 when we do not know it. */
size_t tpm2_alg_digest_size(uint16_t alg);
/* "SHA256", or "unknown" */
const char *tpm2_alg_name(uint16_t alg);
/*
 * Decode a response code (format 0 / format 1, Part 2 6.6) into buf:
 * "TPM_RC_LOCALITY (0x907, warning)", "TPM_RC_VALUE (0x1c4, parameter
 * 1)". Returns buf.
 */
const char *tpm2_rc_str(uint32_t rc, char *buf, size_t cap);

/*
 * TPM2_Startup(TPM_SU_CLEAR). TPM_RC_INITIALIZE (firmware already sent
 * Startup, as SeaBIOS does) is success with *already = true.
 */
int tpm2_startup(const struct tpm_transport *t, unsigned loc, bool *already,
		 struct sdm_err *err);

/* One PCR bank: TPMS_PCR_SELECTION from TPM2_GetCapability(TPM_CAP_PCRS). */
struct tpm2_bank {
	uint16_t alg;     /* may be an algorithm we do not know */
	uint8_t sizeof_select;
	uint32_t pcrs;    /* bit i: PCR i is allocated in this bank */
};

struct tpm2_banks {
	unsigned count;
	struct tpm2_bank bank[TPM20_MAX_BANKS];
};

/* Every bank the TPM reports, in its order; active ones have pcrs != 0. */
int tpm2_get_pcr_banks(const struct tpm_transport *t, unsigned loc,
		       struct tpm2_banks *banks, struct sdm_err *err);

struct tpm2_prop {
	uint32_t property; /* TPM_PT */
	uint32_t value;
};

struct tpm2_props {
	unsigned count;
	bool more; /* moreData: the TPM has properties after the last one */
	struct tpm2_prop prop[TPM20_MAX_PROPS];
};

/*
 * TPM2_GetCapability(TPM_CAP_TPM_PROPERTIES, first, count): up to count
 * (<= TPM20_MAX_PROPS) properties >= first, strictly ascending.
 */
int tpm2_get_properties(const struct tpm_transport *t, unsigned loc,
			uint32_t first, uint32_t count, struct tpm2_props *out,
			struct sdm_err *err);

/* Identification from the fixed properties (TPM_PT_FAMILY_INDICATOR...). */
struct tpm2_info {
	char family[5];        /* "2.0" */
	char manufacturer[5];  /* "IBM", "INTC" (printable ASCII only) */
	char vendor[17];       /* TPM_PT_VENDOR_STRING_1..4 */
	uint32_t level, revision, day_of_year, year;
	uint32_t vendor_tpm_type;
	uint32_t fw1, fw2;     /* TPM_PT_FIRMWARE_VERSION_1/2 */
};

int tpm2_get_info(const struct tpm_transport *t, unsigned loc,
		  struct tpm2_info *info, struct sdm_err *err);

/* TPMT_HA: a digest with its algorithm (size = its digest size). */
struct tpm2_digest {
	uint16_t alg;
	uint16_t size;
	uint8_t bytes[TPM20_MAX_DIGEST];
};

/*
 * TPM2_PCR_Read of one PCR in the banks algs[0..n). out[i] gets algs[i]'s
 * value; a bank the TPM does not return (not allocated) has size 0. When
 * the TPM returns fewer banks than asked, the rest are asked for again
 * until it returns none of them; the update counter must not change in
 * between. update_counter may be NULL.
 */
int tpm2_pcr_read(const struct tpm_transport *t, unsigned loc, unsigned pcr,
		  const uint16_t *algs, unsigned n, struct tpm2_digest *out,
		  uint32_t *update_counter, struct sdm_err *err);

/*
 * TPM2_PCR_Extend of one PCR with digests[0..n), one per active bank (the
 * caller computes them), authorized by the password session TPM_RS_PW
 * with empty auth. Each digest's size must be its algorithm's.
 */
int tpm2_pcr_extend(const struct tpm_transport *t, unsigned loc,
		    unsigned pcr, const struct tpm2_digest *digests,
		    unsigned n, struct sdm_err *err);

/* TPM2_GetRandom until n bytes are filled (the TPM may return fewer). */
int tpm2_get_random(const struct tpm_transport *t, unsigned loc, void *out,
		    size_t n, struct sdm_err *err);

/* ------------------------------------------------ sessions and quotes */

#define TPM20_NONCE_CALLER 16 /* nonceCaller we send (Part 3 11.1: >= 16) */
#define TPM20_HT_POLICY_SESSION 0x03 /* Part 2 7.2: handle type (bits 31:24) */
#define TPM20_MAX_ATTEST 2048 /* TPM2B_ATTEST contents we accept */
#define TPM20_MAX_SIGNATURE 1024 /* TPMT_SIGNATURE bytes we accept */

/*
 * TPM2_StartAuthSession: an unsalted, unbound policy session with
 * authHash SHA-256 and no parameter encryption (tpmKey = bind =
 * TPM_RH_NULL, symmetric TPM_ALG_NULL); nonce_len 16..32 bytes of
 * nonceCaller. The session's handle (0x03xxxxxx) goes to *session; flush
 * it when a command that was to use it did not run. A malformed response
 * that named a policy session has that session flushed here.
 */
int tpm2_start_policy_session(const struct tpm_transport *t, unsigned loc,
			      const void *nonce, size_t nonce_len,
			      uint32_t *session, struct sdm_err *err);

/* TPM2_PolicyLocality(session, locality): locality is a TPMA_LOCALITY. */
int tpm2_policy_locality(const struct tpm_transport *t, unsigned loc,
			 uint32_t session, uint8_t locality,
			 struct sdm_err *err);

/* TPM2_FlushContext(handle). */
int tpm2_flush_context(const struct tpm_transport *t, unsigned loc,
		       uint32_t handle, struct sdm_err *err);

/*
 * TPM2_Quote with the key at key_handle, authorized by the policy session
 * `session` (continueSession clear: the TPM ends the session when the
 * command succeeds), over the PCRs of sel[0..nsel), with qualifyingData
 * qdata[0..qlen) (at most 64 bytes) and the key's own scheme (inScheme
 * TPM_ALG_NULL). On SDM_OK, attest[0..*attest_len) holds the TPMS_ATTEST
 * the TPM signed (the contents of TPM2B_ATTEST) and sig[0..*sig_len) the
 * TPMT_SIGNATURE exactly as the TPM returned it (RSASSA, RSAPSS or an
 * ECC scheme; its structure is checked, its value is not: the verifier
 * does that).
 */
int tpm2_quote(const struct tpm_transport *t, unsigned loc,
	       uint32_t key_handle, uint32_t session, const void *qdata,
	       size_t qlen, const struct tpm2_bank *sel, unsigned nsel,
	       uint8_t *attest, size_t attest_cap, size_t *attest_len,
	       uint8_t *sig, size_t sig_cap, size_t *sig_len,
	       struct sdm_err *err);

/* ------------------------------------------------ building blocks */

/* TPML_PCR_SELECTION from n banks (sizeof_select bytes of pcrs each). */
void tpm2_put_pcr_selection(struct tpm_buf *b, const struct tpm2_bank *sel,
			    unsigned n);
/*
 * Authorization area with one password session (TPM_RS_PW): the
 * authorizationSize, then TPMS_AUTH_COMMAND with an empty nonce,
 * attributes 0 and hmac = the password (may be empty).
 */
void tpm2_put_pw_session(struct tpm_buf *b, const void *pw, size_t len);
/* TPML_PCR_SELECTION into sel[0..max); count beyond max is an error. */
int tpm2_rd_pcr_selection(struct tpm_rd *r, const char *what,
			  struct tpm2_bank *sel, unsigned max, unsigned *n);

/*
 * One command/response: finish cmd, send it, check the response header
 * (size = bytes received; tag ST_SESSIONS/ST_NO_SESSIONS as the command's
 * tag when the code is 0, ST_NO_SESSIONS on errors) and turn a non-zero
 * code into the positive return value. On SDM_OK, *r is positioned after
 * the header (at the response handles).
 */
int tpm2_transact(const struct tpm_transport *t, unsigned loc,
		  const char *name, struct tpm_buf *cmd, uint8_t *rsp,
		  size_t rsp_cap, struct tpm_rd *r, struct sdm_err *err);
/*
 * For commands with sessions: after the response handles, read
 * parameterSize; *end receives where the parameters end.
 */
void tpm2_rd_params_begin(struct tpm_rd *r, size_t *end);
/*
 * After the parameters: check they end at `end`, read nsessions
 * TPMS_AUTH_RESPONSE (nonce, attributes, hmac), then the end of the
 * response. Returns the reader's status.
 */
int tpm2_rd_params_end(struct tpm_rd *r, size_t end, unsigned nsessions);

#endif
