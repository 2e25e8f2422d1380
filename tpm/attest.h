/*
 * Remote attestation formats (docs/attestation.md): the pure parsers and
 * writers shared by dommgr (which will produce bundles and domain
 * reports), the host tool (tools/sdm/cmd_attest.c, cmd_provision.c) and
 * the fuzzer. Freestanding: include/libc only, no hashing, no OpenSSL;
 * every input is hostile and bounds-checked, and every error names what
 * and where ("bundle record 3 (signature): ...", "TPMS_ATTEST: extraData
 * size 80 exceeds 66 at offset 0x6").
 *
 * SDM's own integers are little-endian. TPM structures inside them keep
 * the TPM's big-endian encoding (TPM 2.0 Library, Part 1 and 2) and are
 * carried as opaque byte strings:
 *   TPMS_ATTEST    the quote, exactly the bytes the TPM signed (Part 2
 *                  10.12.12; the contents of TPM2B_ATTEST)
 *   TPMT_SIGNATURE the quote's signature (Part 2 11.3.4)
 *   TPMT_PUBLIC    a key's public area (Part 2 12.2.4; the contents of
 *                  TPM2B_PUBLIC); its Name is nameAlg || H(TPMT_PUBLIC)
 *
 * ---------------------------------------------------------------- container
 * Every SDM attestation file but the domain report is a container:
 *
 *    0  magic u32     "SDMA" (0x414d4453)
 *    4  version u16   1
 *    6  kind u16      enum att_kind
 *    8  size u32      of the whole file
 *   12  count u32     records that follow
 *   16  records       count times: tag u16, zero u16, len u32, value[len]
 *
 * Tags are strictly increasing (each at most once), known to the kind and
 * within their size limits; required ones are present; nothing follows
 * the last record. Record tags per kind are the ATT_T_* constants below.
 *
 * ---------------------------------------------------------------- report
 * The domain report (dommgr's statement of what runs, bound into the
 * quote through the qualifying data) has a fixed layout, little-endian:
 *
 *   header, 64 bytes
 *   0x00 magic u32        "SDMR" (0x524d4453)
 *   0x04 format u16       1
 *   0x06 header_size u16  64
 *   0x08 total_size u32   64 + ndomains * 432
 *   0x0c ndomains u16     1..ATT_MAX_DOMAINS
 *   0x0e domain_size u16  432
 *   0x10 launch_kind u32  enum sdm_launch_kind
 *   0x14 iommu u32        enum att_iommu
 *   0x18 flags u32        enum att_report_flags; other bits zero
 *   0x1c ncpus u32        CPUs dommgr runs on
 *   0x20 seq u64          reports produced since boot
 *   0x28 requester u32    who asked for the report: 0 no domain (e.g. a
 *                         host tool), else 1 + the index of the
 *                         requesting domain's record, 1..ndomains
 *   0x2c reserved[20]     zero
 *   then ndomains domain records, 432 bytes each
 *   0x000 name[32]        [A-Za-z0-9_.-], NUL-terminated and NUL-padded
 *   0x020 id u32
 *   0x024 kind u32        enum att_domain_kind (= policy kinds)
 *   0x028 state u32       enum att_domain_state
 *   0x02c restarts u32
 *   0x030 mem_bytes u64   RAM of the domain
 *   0x038 mem_ranges u32  in that many ranges
 *   0x03c nimages u8      0..4
 *   0x03d ndevices u8     0..16
 *   0x03e reserved u16    zero
 *   0x040 cpu_mask u64    bit i: CPU i (handoff platform.apic_ids order)
 *   0x048 exits u64       VM exits of this domain since it started
 *   0x050 images[4]       72 bytes each: sha256[32] of the image's bytes
 *                         (the digest dommgr extends into PCR 20),
 *                         module[32] name (as name), size u64
 *   0x170 devices[16]     4 bytes each: segment u16, bus u8, devfn u8
 * Unused image and device slots are zero; one report has one encoding.
 *
 * ---------------------------------------------------------------- binding
 * The quote's qualifying data (TPMS_ATTEST.extraData) is
 *     SHA-256(nonce || SHA-256(report))
 * over the bundle's nonce and report bytes exactly as carried.
 */
#ifndef SDM_TPM_ATTEST_H
#define SDM_TPM_ATTEST_H
#include <sdm/err.h>
#include <sdm/handoff.h>
#include <sdm/types.h>

#include "tpm/eventlog.h"

/* ---------------------------------------------------------------- TPM facts */

/* TPM 2.0 Part 2: TPM_GENERATED_VALUE, TPM_ST_ATTEST_QUOTE, algorithms. */
#define ATT_TPM_GENERATED 0xff544347u
#define ATT_TPM_ST_ATTEST_QUOTE 0x8018
#define ATT_ALG_RSA 0x0001
#define ATT_ALG_SHA1 0x0004
#define ATT_ALG_HMAC 0x0005
#define ATT_ALG_AES 0x0006
#define ATT_ALG_KEYEDHASH 0x0008
#define ATT_ALG_SHA256 0x000b
#define ATT_ALG_SHA384 0x000c
#define ATT_ALG_SHA512 0x000d
#define ATT_ALG_NULL 0x0010
#define ATT_ALG_RSASSA 0x0014
#define ATT_ALG_RSAES 0x0015
#define ATT_ALG_RSAPSS 0x0016
#define ATT_ALG_OAEP 0x0017
#define ATT_ALG_ECDSA 0x0018
#define ATT_ALG_ECDH 0x0019
#define ATT_ALG_ECDAA 0x001a
#define ATT_ALG_SM2 0x001b
#define ATT_ALG_ECSCHNORR 0x001c
#define ATT_ALG_ECMQV 0x001d
#define ATT_ALG_KDF1_SP800_56A 0x0020
#define ATT_ALG_KDF2 0x0021
#define ATT_ALG_KDF1_SP800_108 0x0022
#define ATT_ALG_ECC 0x0023
#define ATT_ALG_SYMCIPHER 0x0025
#define ATT_ALG_CFB 0x0043
#define ATT_ECC_NIST_P256 0x0003
#define ATT_ECC_NIST_P384 0x0004

/* TPMA_OBJECT bits (Part 2 8.3). */
#define ATT_OBJ_FIXED_TPM (1u << 1)
#define ATT_OBJ_ST_CLEAR (1u << 2)
#define ATT_OBJ_FIXED_PARENT (1u << 4)
#define ATT_OBJ_SENSITIVE_DATA_ORIGIN (1u << 5)
#define ATT_OBJ_USER_WITH_AUTH (1u << 6)
#define ATT_OBJ_ADMIN_WITH_POLICY (1u << 7)
#define ATT_OBJ_NO_DA (1u << 10)
#define ATT_OBJ_ENCRYPTED_DUPLICATION (1u << 11)
#define ATT_OBJ_RESTRICTED (1u << 16)
#define ATT_OBJ_DECRYPT (1u << 17)
#define ATT_OBJ_SIGN (1u << 18)

/* Size limits of TPM 2B fields (Part 2, with the largest algorithms). */
#define ATT_MAX_DIGEST 64       /* TPM2B_DIGEST, SHA-512 */
#define ATT_MAX_NAME 66         /* TPM2B_NAME: alg + SHA-512 digest */
#define ATT_MAX_DATA 66         /* TPM2B_DATA: sizeof(TPMT_HA) */
#define ATT_MAX_ECC 66          /* TPM2B_ECC_PARAMETER, P-521 */
#define ATT_MAX_RSA 512         /* TPM2B_PUBLIC_KEY_RSA, RSA-4096 */
#define ATT_MAX_PCR_BANKS 16    /* TPML_PCR_SELECTION entries */
#define ATT_PCR_SELECT_MAX 4    /* bytes of one pcrSelect (32 PCRs) */
#define ATT_NUM_PCRS 24         /* PCRs that exist (PC Client) */

/* ---------------------------------------------------------------- container */

#define ATT_MAGIC 0x414d4453u /* "SDMA" */
#define ATT_VERSION 1
#define ATT_HDR 16
#define ATT_REC_HDR 8
#define ATT_MAX_FILE (EVLOG_MAX_LOG + (1u << 20)) /* any container */

enum att_kind {
	ATT_KIND_BUNDLE = 1,       /* evidence: machine -> verifier */
	ATT_KIND_ENROL_REQUEST = 2, /* sdm tpm provision: machine -> verifier */
	ATT_KIND_CHALLENGE = 3,    /* sdm attest enrol: verifier -> machine */
	ATT_KIND_CHALLENGE_STATE = 4, /* verifier's secret between the steps */
	ATT_KIND_RESPONSE = 5,     /* sdm tpm activate: machine -> verifier */
	ATT_KIND_ENROLMENT = 6,    /* verifier's record of an enrolled AK */
	ATT_KIND_MAX = 6,
};

/* Bundle records. */
#define ATT_T_BUNDLE_NONCE 1     /* the verifier's nonce, 8..64 bytes */
#define ATT_T_BUNDLE_ATTEST 2    /* TPMS_ATTEST (quote) */
#define ATT_T_BUNDLE_SIGNATURE 3 /* TPMT_SIGNATURE */
#define ATT_T_BUNDLE_EVENTLOG 4  /* TCG event log (tpm/eventlog.h) */
#define ATT_T_BUNDLE_REPORT 5    /* domain report */
/* Enrolment request records. */
#define ATT_T_REQ_EK_PUBLIC 1    /* TPMT_PUBLIC of the EK */
#define ATT_T_REQ_EK_CERT 2      /* DER X.509, optional */
#define ATT_T_REQ_AK_PUBLIC 3    /* TPMT_PUBLIC of the AK */
#define ATT_T_REQ_AK_NAME 4      /* the AK's Name as the TPM computed it */
#define ATT_T_REQ_HANDLES 5      /* EK handle u32, AK handle u32 */
/* Challenge records. */
#define ATT_T_CHAL_EK_NAME 1     /* the EK the credential is for */
#define ATT_T_CHAL_AK_NAME 2     /* the AK it is bound to */
#define ATT_T_CHAL_CREDENTIAL 3  /* TPM2B_ID_OBJECT contents */
#define ATT_T_CHAL_SECRET 4      /* TPM2B_ENCRYPTED_SECRET contents */
/* Challenge state records (verifier-private). */
#define ATT_T_STATE_REQUEST 1    /* SHA-256 of the request file */
#define ATT_T_STATE_CHALLENGE 2  /* SHA-256 of the challenge file */
#define ATT_T_STATE_SECRET 3     /* the credential (random) */
#define ATT_T_STATE_EK_CERT 4    /* u8 enum att_ek_cert_status */
/* Response records. */
#define ATT_T_RESP_CHALLENGE 1   /* SHA-256 of the challenge file */
#define ATT_T_RESP_SECRET 2      /* the credential ActivateCredential gave */
/* Enrolment records. */
#define ATT_T_ENR_AK_PUBLIC 1
#define ATT_T_ENR_AK_NAME 2
#define ATT_T_ENR_EK_PUBLIC 3
#define ATT_T_ENR_EK_NAME 4
#define ATT_T_ENR_EK_CERT 5      /* optional */
#define ATT_T_ENR_INFO 6         /* struct att_enrol_info, 8 bytes */

#define ATT_NONCE_MIN 8
#define ATT_NONCE_MAX 64
#define ATT_MAX_PUBLIC 1024      /* TPMT_PUBLIC bytes */
#define ATT_MAX_ATTEST 2048      /* TPMS_ATTEST bytes */
#define ATT_MAX_SIGNATURE 1024   /* TPMT_SIGNATURE bytes */
#define ATT_MAX_CERT 16384       /* DER EK certificate */
#define ATT_MAX_ID_OBJECT 256    /* TPM2B_ID_OBJECT contents */
#define ATT_MAX_ENC_SECRET 512   /* TPM2B_ENCRYPTED_SECRET contents */

enum att_ek_cert_status {
	ATT_EK_CERT_NONE = 0,       /* the TPM has no EK certificate */
	ATT_EK_CERT_UNCHECKED = 1,  /* present, not checked against a CA */
	ATT_EK_CERT_VERIFIED = 2,   /* chains to the verifier's CA, same key */
};

/* A record found by att_container_parse: bytes inside the file. */
struct att_span {
	const uint8_t *p;
	uint32_t len;
	bool present;
};

/* The records of one kind, indexed by tag (index 0 unused). */
#define ATT_MAX_TAG 6
struct att_container {
	uint16_t kind;
	struct att_span rec[ATT_MAX_TAG + 1];
};

/*
 * Checks the container (header, every record against its kind's rules)
 * and fills out with the records. A kind of 0 accepts any known kind
 * (out->kind says which). name prefixes messages ("bundle.bin: ...").
 */
int att_container_parse(const void *buf, size_t len, uint16_t kind,
			struct att_container *out, struct sdm_err *err);
/* "bundle", "enrolment request", ...; "?" if unknown. */
const char *att_kind_name(uint16_t kind);
/* The name of a record of a kind ("nonce", "signature"); "?" if none. */
const char *att_tag_name(uint16_t kind, uint16_t tag);

/*
 * Writes a container into buf (cap bytes). Add records in increasing tag
 * order; an add that does not fit (or a tag out of order) sets overflow,
 * which sticks, and att_writer_finish fails naming the first problem.
 */
struct att_writer {
	uint8_t *buf;
	size_t cap;
	size_t len;
	uint32_t count;
	uint16_t kind;
	uint16_t last_tag;
	bool overflow;
	bool bad_order;
};
void att_writer_init(struct att_writer *w, void *buf, size_t cap,
		     uint16_t kind);
void att_writer_add(struct att_writer *w, uint16_t tag, const void *p,
		    size_t len);
int att_writer_finish(struct att_writer *w, size_t *len, struct sdm_err *err);

/* ---------------------------------------------------------------- TPM structures */

/* TPMS_ATTEST of type TPM_ST_ATTEST_QUOTE (Part 2 10.12.12, 10.12.1). */
struct att_pcr_select {
	uint16_t hash;
	uint8_t size;                       /* sizeofSelect */
	uint8_t select[ATT_PCR_SELECT_MAX]; /* bit n of byte k: PCR 8k+n */
};
struct att_quote {
	const uint8_t *signer; /* qualifiedSigner (TPM2B_NAME contents) */
	uint16_t signer_size;
	const uint8_t *extra;  /* extraData: the qualifying data */
	uint16_t extra_size;
	uint64_t clock;
	uint32_t reset_count, restart_count;
	uint8_t safe;
	uint64_t firmware;
	uint32_t nsel;
	struct att_pcr_select sel[ATT_MAX_PCR_BANKS];
	const uint8_t *pcr_digest;
	uint16_t pcr_digest_size;
};
/* Parses exactly len bytes of a quote; anything else is an error. */
int att_quote_parse(const void *buf, size_t len, struct att_quote *out,
		    struct sdm_err *err);

/* TPMT_SIGNATURE (Part 2 11.3.4): RSASSA, RSAPSS and ECDSA only. */
struct att_signature {
	uint16_t alg;  /* ATT_ALG_RSASSA, ATT_ALG_RSAPSS, ATT_ALG_ECDSA */
	uint16_t hash;
	const uint8_t *r, *s; /* ECDSA */
	uint16_t r_size, s_size;
	const uint8_t *rsa;   /* RSA signature */
	uint16_t rsa_size;
};
int att_signature_parse(const void *buf, size_t len,
			struct att_signature *out, struct sdm_err *err);

/* TPMT_PUBLIC (Part 2 12.2.4) of an RSA or ECC key. */
struct att_public {
	uint16_t type;       /* ATT_ALG_RSA or ATT_ALG_ECC */
	uint16_t name_alg;
	uint32_t attributes; /* ATT_OBJ_* */
	const uint8_t *policy;
	uint16_t policy_size;
	uint16_t sym_alg, sym_bits, sym_mode; /* TPMT_SYM_DEF_OBJECT */
	uint16_t scheme, scheme_hash;         /* ATT_ALG_NULL: 0 hash */
	uint16_t rsa_bits;
	uint32_t rsa_exponent;                /* 0 means 65537 */
	uint16_t curve;
	uint16_t kdf, kdf_hash;
	const uint8_t *rsa_n;                 /* unique: modulus */
	uint16_t rsa_n_size;
	const uint8_t *ecc_x, *ecc_y;         /* unique: point */
	uint16_t ecc_x_size, ecc_y_size;
};
int att_public_parse(const void *buf, size_t len, struct att_public *out,
		     struct sdm_err *err);

/* Digest size of a hash algorithm (SHA-1/256/384/512), 0 otherwise. */
unsigned att_hash_size(uint16_t alg);
/*
 * A Name (Part 1 16): nameAlg u16 BE then a digest of that algorithm's
 * size. Checks the shape only.
 */
bool att_name_ok(const uint8_t *name, size_t len);

/* ---------------------------------------------------------------- report */

#define ATT_REPORT_MAGIC 0x524d4453u /* "SDMR" */
#define ATT_REPORT_FORMAT 1
#define ATT_REPORT_HDR 64
#define ATT_REPORT_DOMAIN 432
#define ATT_MAX_DOMAINS 8
#define ATT_MAX_IMAGES 4
#define ATT_MAX_DEVICES 16
#define ATT_NAME_MAX 32
#define ATT_REPORT_MAX (ATT_REPORT_HDR + ATT_MAX_DOMAINS * ATT_REPORT_DOMAIN)

enum att_iommu {
	ATT_IOMMU_ABSENT = 0,
	ATT_IOMMU_VTD = 1,   /* Intel VT-d (DMAR) */
	ATT_IOMMU_AMDVI = 2, /* AMD-Vi (IVRS) */
};

enum att_report_flags {
	ATT_RF_EPT = 1u << 0,        /* every domain runs under EPT/NPT */
	ATT_RF_IOMMU_DMA = 1u << 1,  /* DMA remapping on for every device */
	ATT_RF_IOMMU_INTR = 1u << 2, /* interrupt remapping on */
	ATT_RF_TPM_LOC0 = 1u << 3,   /* the normal domain reaches locality 0 only */
};
#define ATT_RF_ALL 0xfu

enum att_domain_kind {
	ATT_DOM_NORMAL = 1,
	ATT_DOM_PROTECTED = 2,
};

enum att_domain_state {
	ATT_DOM_STOPPED = 0,
	ATT_DOM_RUNNING = 1,
	ATT_DOM_FAULTED = 2, /* stopped by a fault (restart rule applies) */
};

struct att_image {
	uint8_t sha256[32];
	char module[ATT_NAME_MAX];
	uint64_t size;
};

struct att_pci {
	uint16_t segment;
	uint8_t bus;
	uint8_t devfn; /* device << 3 | function */
};

struct att_domain {
	char name[ATT_NAME_MAX];
	uint32_t id, kind, state, restarts;
	uint64_t mem_bytes;
	uint32_t mem_ranges;
	uint8_t nimages, ndevices;
	uint64_t cpu_mask;
	uint64_t exits;
	struct att_image images[ATT_MAX_IMAGES];
	struct att_pci devices[ATT_MAX_DEVICES];
};

struct att_report {
	uint32_t launch_kind; /* enum sdm_launch_kind */
	uint32_t iommu;       /* enum att_iommu */
	uint32_t flags;       /* enum att_report_flags */
	uint32_t ncpus;
	uint64_t seq;
	uint32_t requester;   /* 0: no domain; else 1 + index into dom[] */
	uint16_t ndomains;
	struct att_domain dom[ATT_MAX_DOMAINS];
};

/* Checks r with the decoder's rules and writes its encoding. */
int att_report_encode(const struct att_report *r, void *buf, size_t cap,
		      size_t *len, struct sdm_err *err);
/* Checks every field (canonical form, see above) and decodes. */
int att_report_decode(const void *buf, size_t len, struct att_report *out,
		      struct sdm_err *err);
const char *att_iommu_name(uint32_t iommu);          /* "absent", "VT-d" */
const char *att_domain_kind_name(uint32_t kind);     /* "normal" */
const char *att_domain_state_name(uint32_t state);   /* "running" */

/* ---------------------------------------------------------------- bundle */

/* A bundle with its parts parsed (pointers into the bundle). */
struct att_bundle {
	struct att_span nonce, attest, signature, eventlog, report;
	struct att_quote quote;
	struct att_signature sig;
};
/*
 * The container, the quote and the signature. The event log and the
 * report are left to the verifier's own checks (evlog_parse,
 * att_report_decode) so each failure has its own verdict line.
 */
int att_bundle_parse(const void *buf, size_t len, struct att_bundle *out,
		     struct sdm_err *err);

/* ---------------------------------------------------------------- enrolment */

/* ATT_T_ENR_INFO, 8 bytes: flags u32, ak_locality u8, 3 zero bytes. */
#define ATT_ENR_INFO_SIZE 8
struct att_enrol_info {
	uint32_t ek_cert;     /* enum att_ek_cert_status */
	uint8_t ak_locality;  /* TPMA_LOCALITY the AK's policy requires; 0: any */
};
int att_enrol_info_decode(const struct att_span *s,
			  struct att_enrol_info *out, struct sdm_err *err);
void att_enrol_info_encode(const struct att_enrol_info *in,
			   uint8_t out[ATT_ENR_INFO_SIZE]);

/* ---------------------------------------------------------------- reference */

/*
 * The verifier's reference values: a text file (docs/attestation.md),
 * written by `sdm attest reference`, one statement per line:
 *   sdm-reference 1                             (the first statement)
 *   event PCR sha256:HEX ["TEXT"]   required, in this order per PCR
 *   allow PCR sha256:HEX ["TEXT"]   may occur any number of times
 *   text PCR "PREFIX"               a self-describing event: its digest in
 *                                   every bank is the hash of its text,
 *                                   which starts with PREFIX; any number
 *   image sha256:HEX ["NAME"]       a domain image the report may name
 *   domain "NAME" kind=normal|protected [mem=BYTES] [cpus=COUNT]
 *          [devices=none|SSSS:BB:DD.F,...]
 *   require iommu | drtm | ak-locality=N | requester=NAME
 * '#' starts a comment line; TEXT is printable ASCII with \" \\ \xHH.
 */
#define ATT_REF_MAX_EVENTS 512
#define ATT_REF_MAX_IMAGES 64
#define ATT_REF_TEXT 256
#define ATT_REF_MAX_TEXTS 64

struct att_ref_event {
	uint8_t pcr;
	bool required; /* event (true) or allow (false) */
	bool has_text;
	uint8_t sha256[32];
	char text[ATT_REF_TEXT];
};
/* text PCR "PREFIX": prefix is not empty. */
struct att_ref_text {
	uint8_t pcr;
	char prefix[ATT_REF_TEXT];
};
struct att_ref_image {
	uint8_t sha256[32];
	char name[ATT_REF_TEXT];
};
struct att_ref_domain {
	char name[ATT_NAME_MAX];
	uint32_t kind;
	bool has_mem, has_cpus, has_devices;
	uint64_t mem_bytes;
	uint32_t cpus;
	uint8_t ndevices;
	struct att_pci devices[ATT_MAX_DEVICES];
};
struct att_reference {
	unsigned nevents, nimages, ndomains, ntexts;
	struct att_ref_event events[ATT_REF_MAX_EVENTS];
	struct att_ref_text texts[ATT_REF_MAX_TEXTS];
	struct att_ref_image images[ATT_REF_MAX_IMAGES];
	struct att_ref_domain dom[ATT_MAX_DOMAINS];
	bool require_iommu, require_drtm;
	bool require_ak_locality;
	uint8_t ak_locality; /* the locality number required */
	/* require requester=NAME: the report's requester is that domain. */
	bool require_requester;
	char requester[ATT_NAME_MAX];
};
/* name is used in messages ("ref.txt line 4: ..."). */
int att_reference_parse(const char *text, size_t len, const char *name,
			struct att_reference *out, struct sdm_err *err);

#endif
