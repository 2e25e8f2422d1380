/*
 * Reading a signed policy blob (format: policy_format.h). Freestanding:
 * sinit links it; host tools and tests link the same file.
 *
 * One call does it all: sdm_policy_verify(blob, len, anchor, &pol, &err)
 * returns SDM_OK and the parsed policy, or an error and a message:
 *   1. just enough of the header to find the key and the signature
 *      (magic, format, total size, key and signature ranges, algorithm);
 *   2. SHA-384 of the key bytes must equal the trust anchor;
 *   3. the signature must verify (crypto/crypto.h, mbedTLS);
 *   4. only then every field is parsed and checked (sdm_policy_validate).
 * Before step 3 no field is trusted and nothing but the key bytes and
 * the signature reaches the crypto library.
 *
 * Messages start with "policy: ", e.g. "policy: signature does not
 * verify (ECDSA P-384)", "policy: signed by an unknown key (SHA-384
 * 0a1b2c3d4e5f6071...)", "policy: truncated at byte 100 of 2030".
 */
#ifndef SDM_POLICY_VERIFY_H
#define SDM_POLICY_VERIFY_H
#include <sdm/err.h>
#include <sdm/types.h>

#include "policy/policy_format.h"

/* The trust anchor: SHA-384 of the signer's DER SubjectPublicKeyInfo. */
#define SDM_POL_ANCHOR_LEN 48

/*
 * The anchor sinit is built with: build/keys/policy-anchor.c, written by
 * `sdm policy anchor build/keys/policy-signer.pub.der --c FILE` (see
 * docs/policy.md). Declared here, defined only in images that embed it.
 */
extern const uint8_t sdm_policy_trusted_anchor[SDM_POL_ANCHOR_LEN];

/* A parsed, checked policy: what sinit and dommgr use. */
struct sdm_policy {
	uint64_t version;       /* compare with the rollback counter */
	uint32_t flags;         /* enum sdm_pol_req */
	uint32_t seal_pcrs;     /* bit n: PCR n */
	uint8_t on_error[SDM_POL_ERR_CLASSES]; /* enum sdm_pol_action */
	uint16_t sig_alg;       /* enum sdm_pol_sig_alg; 0 for a source */
	unsigned ndomains;
	struct sdm_pol_domain dom[SDM_POL_MAX_DOMAINS];
	/* Where things are in the blob (0 for a source not yet compiled):
	 * measure [key_offset, +key_size) into PCR 18, the blob into 19. */
	uint32_t size;          /* the whole blob */
	uint32_t key_offset, key_size;
	uint32_t signed_size;   /* = sig_offset: bytes the signature covers */
	uint8_t key_sha384[SDM_POL_ANCHOR_LEN]; /* the signer, = the anchor */
};

/*
 * Verify and parse blob (len bytes, any alignment) against anchor. On
 * error out is zeroed and must not be used.
 */
int sdm_policy_verify(const void *blob, size_t len,
		      const uint8_t anchor[SDM_POL_ANCHOR_LEN],
		      struct sdm_policy *out, struct sdm_err *err);

/*
 * Step 4 alone: parse and check every field of a blob whose signature is
 * taken as verified (the fuzzer's entry; nothing else may call it on
 * untrusted data). Fills key_sha384 too.
 */
int sdm_policy_parse_fields(const void *blob, size_t len,
			    struct sdm_policy *out, struct sdm_err *err);

/*
 * Where a problem is, for messages that point into a source file: the
 * domain index (-1: not in a domain), the field and the item in a list.
 */
enum sdm_pol_field {
	SDM_POL_F_NONE = 0,
	SDM_POL_F_VERSION,
	SDM_POL_F_REQUIREMENTS,
	SDM_POL_F_ON_ERROR,     /* item: the class */
	SDM_POL_F_SEAL_PCRS,
	SDM_POL_F_DOMAINS,      /* the list itself */
	SDM_POL_F_DOMAIN,       /* a domain as a whole */
	SDM_POL_F_NAME,
	SDM_POL_F_KIND,
	SDM_POL_F_IMAGE,        /* item: images[item] */
	SDM_POL_F_MEMORY,
	SDM_POL_F_CPUS,         /* item: cpu_ids[item], or 0 */
	SDM_POL_F_DEVICE,       /* item: devices[item] */
	SDM_POL_F_CHANNEL,      /* item: channels[item] */
	SDM_POL_F_RESTART,
	SDM_POL_F_COUNT,
};

struct sdm_pol_where {
	int dom;
	unsigned field; /* enum sdm_pol_field */
	unsigned item;
};

/*
 * The field rules of a policy, however it was made (binary, source): every
 * count within its array, strings terminated, NUL-padded, non-empty and of
 * [A-Za-z0-9_.-], names unique, kinds, actions and rules known, sizes and
 * bases 4 KiB-aligned and below 2^52, a protected domain with memory and
 * CPUs, unused slots and reserved fields zero, drtm only with tpm. where
 * (may be NULL) says which field failed.
 */
int sdm_policy_validate(const struct sdm_policy *p, struct sdm_pol_where *where,
			struct sdm_err *err);

/* Signature size of an algorithm, 0 if unknown. */
uint32_t sdm_pol_sig_size(unsigned sig_alg);

/* Names, for messages and `sdm policy show` ("?" if unknown). */
const char *sdm_pol_sig_name(unsigned sig_alg);     /* "ECDSA P-384" */
const char *sdm_pol_kind_name(unsigned kind);       /* "normal" */
const char *sdm_pol_class_name(unsigned cls);       /* "no_tpm" (source key) */
const char *sdm_pol_action_name(unsigned action);   /* "halt", "continue" */
const char *sdm_pol_restart_name(unsigned restart); /* "never" */

#endif
