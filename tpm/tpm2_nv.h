/*
 * TPM 2.0 NV commands for the policy rollback counter (docs/policy.md,
 * "Rollback protection"): TPM2_NV_ReadPublic, TPM2_NV_Read,
 * TPM2_NV_Increment authorized by a policy session, and the session
 * commands that needs (TPM2_StartAuthSession, TPM2_PolicyLocality,
 * TPM2_FlushContext). Written with the building blocks of tpm/tpm2.h;
 * return values as there (SDM_OK, < 0 transport/malformed, > 0 the TPM's
 * response code). Every response is parsed as hostile input.
 *
 * Also here, so that sinit and `sdm tpm counter` share one definition:
 * the rollback counter's index, attributes and authPolicy.
 */
#ifndef SDM_TPM_TPM2_NV_H
#define SDM_TPM_TPM2_NV_H
#include "tpm/tpm2.h"

/* Part 2, 6.5.2 TPM_CC */
#define TPM20_CC_NV_INCREMENT 0x00000134
#define TPM20_CC_NV_READ 0x0000014e
#define TPM20_CC_FLUSH_CONTEXT 0x00000165
#define TPM20_CC_POLICY_LOCALITY 0x0000016f
#define TPM20_CC_NV_READ_PUBLIC 0x00000169
#define TPM20_CC_START_AUTH_SESSION 0x00000176
/* Part 2, 7.4 TPM_RH; 6.14 TPM_SE; TCG Algorithm Registry TPM_ALG_NULL */
#define TPM20_RH_NULL 0x40000007
#define TPM20_SE_POLICY 0x01
#define TPM20_ALG_NULL 0x0010
/* Part 2, 8.5 TPMA_LOCALITY */
#define TPM20_LOC_THREE 0x08
/* Part 2, 7.2 handle types: NV index handles are 0x01xxxxxx. */
#define TPM20_HT_NV_INDEX 0x01
/* Response codes the rollback code tells apart. */
#define TPM20_RC_HANDLE 0x08b         /* format 1; with handle/param bits */
#define TPM20_RC_NV_UNINITIALIZED 0x14a
#define TPM20_RC_POLICY_FAIL 0x09d    /* format 1 */

/* Part 2, 13.4 TPMA_NV */
#define TPM20_NV_PPWRITE 0x00000001u
#define TPM20_NV_OWNERWRITE 0x00000002u
#define TPM20_NV_AUTHWRITE 0x00000004u
#define TPM20_NV_POLICYWRITE 0x00000008u
#define TPM20_NV_TPM_NT_MASK 0x000000f0u
#define TPM20_NV_TPM_NT_COUNTER 0x00000010u /* TPM_NT_COUNTER (1) << 4 */
#define TPM20_NV_POLICY_DELETE 0x00000400u
#define TPM20_NV_OWNERREAD 0x00020000u
#define TPM20_NV_AUTHREAD 0x00040000u
#define TPM20_NV_POLICYREAD 0x00080000u
#define TPM20_NV_NO_DA 0x02000000u
#define TPM20_NV_ORDERLY 0x04000000u
#define TPM20_NV_WRITTEN 0x20000000u

#define TPM20_MAX_NV_READ 64 /* bytes tpm2_nv_read() reads at most */

/* TPMS_NV_PUBLIC (Part 2, 13.5) and the index's Name. */
struct tpm2_nv_public {
	uint32_t index;       /* nvIndex */
	uint16_t name_alg;    /* nameAlg */
	uint32_t attributes;  /* TPMA_NV */
	uint16_t policy_size; /* authPolicy */
	uint8_t policy[TPM20_MAX_DIGEST];
	uint16_t data_size;   /* dataSize */
	uint16_t name_size;   /* nvName: nameAlg || H(nvPublic) */
	uint8_t name[2 + TPM20_MAX_DIGEST];
};

/*
 * TPM2_NV_ReadPublic(index). The public area must name the index asked
 * for, its authPolicy must be empty or of nameAlg's digest size, the Name
 * must be nameAlg followed by a digest of that size.
 */
int tpm2_nv_read_public(const struct tpm_transport *t, unsigned loc,
			uint32_t index, struct tpm2_nv_public *out,
			struct sdm_err *err);

/*
 * TPM2_NV_Read of size (1..TPM20_MAX_NV_READ) bytes at offset, authorized
 * by the index itself (TPM20_NV_AUTHREAD) with a password session of empty
 * auth. The TPM must return exactly size bytes.
 */
int tpm2_nv_read(const struct tpm_transport *t, unsigned loc, uint32_t index,
		 uint16_t size, uint16_t offset, void *out,
		 struct sdm_err *err);

/* TPM2_NV_Read of a counter: 8 bytes, big-endian. */
int tpm2_nv_read_counter(const struct tpm_transport *t, unsigned loc,
			 uint32_t index, uint64_t *value, struct sdm_err *err);

/*
 * TPM2_NV_Increment(index) authorized by the policy session (attributes
 * 0: the TPM flushes the session when the command succeeds; after a
 * failure the caller flushes it, as tpm2_nv_increment_loc3 does).
 */
int tpm2_nv_increment_policy(const struct tpm_transport *t, unsigned loc,
			     uint32_t index, uint32_t session,
			     struct sdm_err *err);

/*
 * The three together: a policy session, PolicyLocality(TPM_LOC_THREE),
 * NV_Increment with it. A session left open by a failure before the
 * increment is flushed. Must run at locality 3.
 */
int tpm2_nv_increment_loc3(const struct tpm_transport *t, unsigned loc,
			   uint32_t index, const void *nonce, size_t nonce_len,
			   struct sdm_err *err);

/* ------------------------------------------------ the rollback counter */

/*
 * The policy rollback counter: an owner-range NV index ("SD" in the low
 * bytes), TPM_NT_COUNTER, nameAlg SHA-256, readable by anyone with the
 * index's empty auth (AUTHREAD), advanced only through its authPolicy =
 * PolicyLocality(TPM_LOC_THREE), i.e. by sinit at locality 3; no owner or
 * auth write, no dictionary-attack lockout.
 */
#define SDM_ROLLBACK_NV_INDEX 0x01805344u
#define SDM_ROLLBACK_NV_ATTRS                                            \
	(TPM20_NV_POLICYWRITE | TPM20_NV_TPM_NT_COUNTER | TPM20_NV_AUTHREAD | \
	 TPM20_NV_NO_DA)
/* The locality sinit runs at and advances the counter from. */
#define SDM_ROLLBACK_LOCALITY 3
/*
 * authPolicy: SHA-256(0^32 || TPM_CC_PolicyLocality || TPM_LOC_THREE)
 * = 7764491d5afe7190...; tests recompute it.
 */
extern const uint8_t sdm_rollback_nv_policy[32];

/*
 * Is pub the rollback counter sinit trusts? SDM_OK, or SDM_EINVAL with a
 * message naming what differs ("rollback counter 0x01805344: attributes
 * 0x... (expected 0x... plus WRITTEN)"). An index with the right
 * attributes that was never incremented (WRITTEN clear) is SDM_ENOENT:
 * its value is not readable yet.
 */
int sdm_rollback_check_public(const struct tpm2_nv_public *pub,
			      struct sdm_err *err);

#endif
