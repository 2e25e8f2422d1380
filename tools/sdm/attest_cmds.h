/*
 * Remote attestation on the host (docs/attestation.md):
 *   machine side (cmd_provision.c, tpm2-tss ESAPI):
 *     sdm tpm provision   EK (created or found) + AK, enrolment request
 *     sdm tpm activate    ActivateCredential on a verifier's challenge
 *     sdm attest quote    a bundle from the host TPM (swtpm in tests)
 *   verifier side (cmd_attest.c, OpenSSL):
 *     sdm attest enrol      challenge (MakeCredential), then enrolment
 *     sdm attest reference  expected values from a policy / golden boot
 *     sdm attest verify     one line per check, exit 0 only if trusted
 *     sdm attest show       any attestation file, for people
 * The formats are in tpm/attest.h.
 */
#ifndef SDM_TOOL_ATTEST_CMDS_H
#define SDM_TOOL_ATTEST_CMDS_H
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <sdm/err.h>
#include "tpm/attest.h"

/* sdm attest ... (cmd_attest.c) */
int sdm_cmd_attest(int argc, char **argv);
/* sdm tpm provision ..., sdm tpm activate ... (cmd_provision.c); argv[0]
 * is "provision" / "activate". */
int sdm_cmd_tpm_provision(int argc, char **argv);
int sdm_cmd_tpm_activate(int argc, char **argv);
/* sdm attest quote ... (cmd_provision.c: it talks to the TPM). */
int sdm_cmd_attest_quote(int argc, char **argv);

/* ---------------------------------------------------------------- TPM constants */

/* EK Credential Profile 2.0: persistent handles and certificate indexes. */
#define ATT_EK_RSA_HANDLE 0x81010001u
#define ATT_EK_ECC_HANDLE 0x81010002u
#define ATT_EK_RSA_CERT_NV 0x01c00002u
#define ATT_EK_ECC_CERT_NV 0x01c0000au
/* Where sdm keeps its AK (a child of the EK) unless told otherwise. */
#define ATT_AK_HANDLE 0x81010010u
/* The locality dommgr quotes at (PCR 20's owner); the AK's policy. */
#define ATT_AK_LOCALITY 2

/* ---------------------------------------------------------------- crypto (cmd_attest.c) */

/* The Name of a public area: nameAlg || H_nameAlg(TPMT_PUBLIC). */
int attc_name(const uint8_t *pub, size_t len, uint8_t *name, size_t *name_len,
	      struct sdm_err *err);
/* PolicySecret(TPM_RH_ENDORSEMENT): the default EK's authPolicy. */
void attc_policy_ek(uint8_t out[32]);
/* PolicyLocality(1 << locality) from an empty SHA-256 policy. */
void attc_policy_locality(unsigned locality, uint8_t out[32]);
/*
 * The locality (0-4) whose PolicyLocality the key's authPolicy is, with
 * userWithAuth clear: the key signs only there. -1 if not so bound.
 */
int attc_key_locality(const struct att_public *pub);

/*
 * TPM 2.0 Part 1 11.4.10: KDFa (SP 800-108 counter mode, HMAC) and KDFe
 * (SP 800-56A concatenation) with SHA-256. Labels are written without
 * their NUL; the functions add it.
 */
int attc_kdfa(const uint8_t *key, size_t key_len, const char *label,
	      const uint8_t *u, size_t u_len, const uint8_t *v, size_t v_len,
	      unsigned bits, uint8_t *out);
int attc_kdfe(const uint8_t *z, size_t z_len, const char *label,
	      const uint8_t *u, size_t u_len, const uint8_t *v, size_t v_len,
	      unsigned bits, uint8_t *out);

/*
 * TPM2_MakeCredential in software (Part 1 24): protects secret for the
 * object named name, to the EK ek (RSA: OAEP-SHA256 seed; ECC: ECDH
 * ephemeral). blob gets the TPM2B_ID_OBJECT contents, enc the
 * TPM2B_ENCRYPTED_SECRET contents.
 */
int attc_make_credential(const struct att_public *ek, const uint8_t *name,
			 size_t name_len, const uint8_t *secret,
			 size_t secret_len, uint8_t *blob, size_t *blob_len,
			 uint8_t *enc, size_t *enc_len, struct sdm_err *err);

/*
 * What sinit measures of itself into PCR 17 (sinit/measure.c): SHA-256 of
 * bytes [__sinit_start, __sinit_ro_end) of its memory image, as the ELF
 * f of len bytes describes it (symbols from its symbol table; the file
 * bytes of the PT_LOAD segments, zeros elsewhere). *size: the range's
 * length, which the event's text names.
 */
int attc_sinit_image_digest(const uint8_t *f, size_t len, uint8_t out[32],
			    uint64_t *size, struct sdm_err *err);

/* Checks a public area for an EK (restricted decrypt, AES-128/256-CFB). */
int attc_check_ek(const struct att_public *ek, struct sdm_err *err);
/* Checks a public area for an AK (restricted sign, fixedTPM, a scheme). */
int attc_check_ak(const struct att_public *ak, struct sdm_err *err);

/* ---------------------------------------------------------------- verifier */

enum attv_check {
	ATTV_BUNDLE = 0,   /* the bundle, its quote and signature parse */
	ATTV_SIGNATURE,    /* by the enrolled AK */
	ATTV_NONCE,        /* the bundle answers the verifier's nonce */
	ATTV_BINDING,      /* extraData = H(nonce || H(report)) */
	ATTV_EVENTLOG,     /* parses and replays */
	ATTV_PCR_DIGEST,   /* the quote's pcrDigest = H(replayed 17-20) */
	ATTV_EVENTS,       /* every event against the reference */
	ATTV_REPORT,       /* domains and images against the reference/log */
	ATTV_ISOLATION,    /* EPT, IOMMU, DRTM, AK locality as required */
	ATTV_NCHECKS,
};

enum attv_result {
	ATTV_SKIP = 0, /* could not be checked: an earlier failure */
	ATTV_PASS = 1,
	ATTV_FAIL = 2,
};

struct attv_verdict {
	bool trusted; /* every check passed */
	struct {
		enum attv_result result;
		char detail[320];
	} c[ATTV_NCHECKS];
};

const char *attv_check_name(enum attv_check c); /* "signature", "pcr-digest" */

struct attv; /* an enrolment and a reference, loaded once */

/*
 * Loads an enrolment record and a reference (text); the names are for
 * messages. The AK's key is prepared for repeated verifications.
 */
int attv_new(const uint8_t *enrolment, size_t enrolment_len,
	     const char *enr_name, const char *reference, size_t reference_len,
	     const char *ref_name, struct attv **out, struct sdm_err *err);
void attv_free(struct attv *v);
/* Verifies one bundle against the nonce the verifier asked with. */
void attv_verify(struct attv *v, const uint8_t *bundle, size_t len,
		 const uint8_t *nonce, size_t nonce_len,
		 struct attv_verdict *out);
/*
 * The `events` check alone: a TCG log against a reference, as verify runs
 * it once the log replays (no quote, no report). Sets out->c[ATTV_EVENTS]
 * (SKIP if the log does not parse); every other check stays SKIP and
 * out->trusted false. For `sdm attest reference --check` and tests.
 */
void attv_check_events(const struct att_reference *ref, const uint8_t *log,
		       size_t len, struct attv_verdict *out);
/* Prints a verdict: one line per check, or one JSON object (no newline). */
void attv_print(FILE *f, const char *name, const struct attv_verdict *vd,
		bool json);

/* ---------------------------------------------------------------- small helpers */

/* Reads a whole file of at most cap bytes (malloc'ed; caller frees). */
int attc_read_file(const char *path, size_t cap, uint8_t **out, size_t *len,
		   struct sdm_err *err);
/* Writes a file with the given mode (0600 for secrets). */
int attc_write_file(const char *path, const void *data, size_t len,
		    unsigned mode, struct sdm_err *err);
/* Hex text (even length, 1..max bytes) into out; false if malformed. */
bool attc_unhex(const char *s, uint8_t *out, size_t max, size_t *len);
void attc_hex(FILE *f, const uint8_t *p, size_t n);
/* SHA-256 (OpenSSL); false only if OpenSSL fails. */
bool attc_sha256(const void *p, size_t n, uint8_t out[32]);

#endif
