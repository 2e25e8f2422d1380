/*
 * The signed launch policy, binary format 1: written by `sdm policy
 * compile` on the host, read by sinit (policy/policy_verify.c) and,
 * through sinit's parsed copy, by dommgr. The reference is docs/policy.md.
 *
 * Every integer is little-endian (host and target are x86-64). The blob
 * is, with no gaps and nothing after it:
 *
 *   offset                      size                 what
 *   0                           80                   struct sdm_pol_header
 *   header_size                 ndomains * 800       struct sdm_pol_domain[]
 *   key_offset                  key_size             signer's public key,
 *                                                    DER SubjectPublicKeyInfo
 *   sig_offset                  sig_size             signature over bytes
 *                                                    [0, sig_offset)
 *
 * The signature is over SHA-384 of every byte before it (header, domains
 * and key): ECDSA P-384 as r || s, each 48 bytes big-endian (96 bytes,
 * as in RFC 7518 3.4), or RSA-3072 (384 bytes) with RSASSA-PSS (MGF1
 * SHA-384, any salt length) or RSASSA-PKCS1-v1_5 (RFC 8017 8.1, 8.2).
 * The trust anchor is SHA-384 of the key bytes exactly as stored here
 * (48 bytes; see policy_verify.h).
 *
 * Canonical form: strings are NUL-terminated and NUL-padded to their
 * field, unused array slots and reserved fields are zero, counts say how
 * many slots are used. A reader refuses anything else, so one policy has
 * exactly one encoding. Bump SDM_POL_FORMAT on any change to a layout.
 */
#ifndef SDM_POLICY_FORMAT_H
#define SDM_POLICY_FORMAT_H
#include <sdm/types.h>

SDM_STATIC_ASSERT(__BYTE_ORDER__ == __ORDER_LITTLE_ENDIAN__,
		  "policy blobs are read in place: little-endian only");

#define SDM_POL_MAGIC 0x504d4453u /* "SDMP" at offset 0 */
#define SDM_POL_FORMAT 1u

/* Limits of format 1. */
#define SDM_POL_NAME_MAX 32u     /* domain, module and peer names, NUL included */
#define SDM_POL_MAX_DOMAINS 8u
#define SDM_POL_MAX_IMAGES 4u    /* per domain */
#define SDM_POL_MAX_CPU_IDS 16u  /* explicit APIC IDs per domain */
#define SDM_POL_MAX_CPU_COUNT 1024u
#define SDM_POL_MAX_DEVICES 16u  /* per domain */
#define SDM_POL_ASSIGN_MAX 8u    /* devices dommgr assigns to one domain */
#define SDM_POL_MAX_CHANNELS 4u  /* per domain */
#define SDM_POL_MAX_KEY 1024u    /* DER SubjectPublicKeyInfo (RSA-3072: 422) */
#define SDM_POL_MEM_ALIGN 4096u /* memory and channel sizes, bases */
#define SDM_POL_MEM_LIMIT (1ull << 52) /* x86-64 physical address width */
#define SDM_POL_MAX_CHANNEL_SIZE (1ull << 30)
#define SDM_POL_NUM_PCRS 24u     /* PCRs a seal mask may name: 0-23 */

/* Launch requirements (header.flags). */
enum sdm_pol_req {
	SDM_POL_REQ_TPM = 1u << 0,   /* a TPM must be present and work */
	SDM_POL_REQ_DRTM = 1u << 1,  /* the launch must be a dynamic one */
	SDM_POL_REQ_IOMMU = 1u << 2, /* DMA remapping (VT-d) must be on */
};
#define SDM_POL_REQ_ALL (SDM_POL_REQ_TPM | SDM_POL_REQ_DRTM | SDM_POL_REQ_IOMMU)

/*
 * Launch error classes: the index into header.on_error. A requirement
 * that is not met is an error of its class; an image whose digest differs
 * (or that is missing) is SDM_POL_ERR_IMAGE; a semantic check against the
 * real machine that fails (policy_check.h) is SDM_POL_ERR_CHECK; a
 * rollback counter sinit cannot read or trust is SDM_POL_ERR_ROLLBACK.
 */
enum sdm_pol_err_class {
	SDM_POL_ERR_NO_TPM = 0,   /* TPM required, none found */
	SDM_POL_ERR_TPM = 1,      /* a TPM command or measurement failed */
	SDM_POL_ERR_NO_DRTM = 2,  /* DRTM required, launch was static */
	SDM_POL_ERR_NO_IOMMU = 3, /* IOMMU required, none usable */
	SDM_POL_ERR_IMAGE = 4,    /* an image is missing or its digest differs */
	SDM_POL_ERR_CHECK = 5,    /* the policy does not fit the machine */
	SDM_POL_ERR_ROLLBACK = 6, /* the TPM rollback counter cannot be read
				   * (missing, untrusted, TPM 1.2, no TPM);
				   * an OLDER policy always halts */
	SDM_POL_ERR_CLASSES = 7,
};
#define SDM_POL_ON_ERROR_SLOTS 16u /* header.on_error; slots >= CLASSES are 0 */

/* What sinit does on a launch error of a class (always recorded). */
enum sdm_pol_action {
	SDM_POL_ACT_HALT = 1,     /* stop the launch */
	SDM_POL_ACT_CONTINUE = 2, /* go on, and say the launch is unmeasured */
};

/* Signature algorithms (header.sig_alg); the digest is always SHA-384. */
enum sdm_pol_sig_alg {
	SDM_POL_SIG_ECDSA_P384 = 1,    /* r || s, 96 bytes */
	SDM_POL_SIG_RSA3072_PSS = 2,   /* 384 bytes */
	SDM_POL_SIG_RSA3072_PKCS1 = 3, /* 384 bytes */
};
#define SDM_POL_SIG_ECDSA_P384_SIZE 96u
#define SDM_POL_SIG_RSA3072_SIZE 384u

/* Domain kinds: the same numbers as dommgr's enum dom_kind. */
enum sdm_pol_kind {
	SDM_POL_KIND_NORMAL = 1,
	SDM_POL_KIND_PROTECTED = 2,
};

/* Restart rule after a domain stops by fault. */
enum sdm_pol_restart {
	SDM_POL_RESTART_NEVER = 0,
	SDM_POL_RESTART_ALWAYS = 1,
	SDM_POL_RESTART_LIMITED = 2, /* at most restart_max times */
};

/* One image: a GRUB module and its digests. */
struct sdm_pol_image {
	char module[SDM_POL_NAME_MAX]; /* 0x00 first word of the module2 line */
	uint8_t sha256[32];            /* 0x20 SHA-256 of the module's bytes */
	uint8_t sha384[48];            /* 0x40 SHA-384 of the module's bytes */
};
SDM_STATIC_ASSERT(sizeof(struct sdm_pol_image) == 112, "policy image");

/* A PCI function: segment:bus:device.function (PCI Firmware 3.2, 4.1.2). */
struct sdm_pol_pci {
	uint16_t segment; /* 0x0 */
	uint8_t bus;      /* 0x2 */
	uint8_t devfn;    /* 0x3 device << 3 | function */
};
SDM_STATIC_ASSERT(sizeof(struct sdm_pol_pci) == 4, "policy pci");

/* A shared-memory channel with another domain (declared on one side). */
struct sdm_pol_channel {
	char peer[SDM_POL_NAME_MAX]; /* 0x00 the other domain's name */
	uint64_t size;               /* 0x20 bytes, multiple of 4 KiB */
};
SDM_STATIC_ASSERT(sizeof(struct sdm_pol_channel) == 40, "policy channel");

struct sdm_pol_domain {
	char name[SDM_POL_NAME_MAX]; /* 0x000 [A-Za-z0-9_.-], unique */
	uint8_t kind;                /* 0x020 enum sdm_pol_kind */
	uint8_t restart;             /* 0x021 enum sdm_pol_restart */
	uint16_t restart_max;        /* 0x022 LIMITED: 1-65535, else 0 */
	uint8_t nimages;             /* 0x024 1-4; images[0] is started */
	uint8_t ncpu_ids;            /* 0x025 0 (any CPUs) or cpu_count */
	uint8_t ndevices;            /* 0x026 0-16 */
	uint8_t nchannels;           /* 0x027 0-4 */
	uint32_t cpu_count;          /* 0x028 CPUs; 0: every CPU no other
				      *       domain has (normal only) */
	uint32_t reserved0;          /* 0x02c zero */
	uint64_t mem_size;           /* 0x030 bytes; 0: all RAM no other
				      *       domain has (normal only) */
	uint64_t mem_base;           /* 0x038 host-physical; 0: sinit places it */
	struct sdm_pol_image images[SDM_POL_MAX_IMAGES];       /* 0x040 */
	uint32_t cpu_ids[SDM_POL_MAX_CPU_IDS];                 /* 0x200 APIC IDs */
	struct sdm_pol_pci devices[SDM_POL_MAX_DEVICES];       /* 0x240 */
	struct sdm_pol_channel channels[SDM_POL_MAX_CHANNELS]; /* 0x280 */
};
SDM_STATIC_ASSERT(__builtin_offsetof(struct sdm_pol_domain, images) == 0x40,
		  "policy domain images");
SDM_STATIC_ASSERT(__builtin_offsetof(struct sdm_pol_domain, cpu_ids) == 0x200,
		  "policy domain cpu_ids");
SDM_STATIC_ASSERT(__builtin_offsetof(struct sdm_pol_domain, channels) == 0x280,
		  "policy domain channels");
SDM_STATIC_ASSERT(sizeof(struct sdm_pol_domain) == 800, "policy domain");

struct sdm_pol_header {
	uint32_t magic;          /* 0x00 SDM_POL_MAGIC */
	uint16_t format;         /* 0x04 SDM_POL_FORMAT */
	uint16_t header_size;    /* 0x06 sizeof(struct sdm_pol_header) */
	uint32_t total_size;     /* 0x08 the whole blob, signature included */
	uint32_t flags;          /* 0x0c enum sdm_pol_req */
	uint64_t version;        /* 0x10 policy version (rollback counter) */
	uint32_t seal_pcrs;      /* 0x18 bit n: sealed secrets bind to PCR n */
	uint16_t ndomains;       /* 0x1c 1-SDM_POL_MAX_DOMAINS */
	uint16_t domain_size;    /* 0x1e sizeof(struct sdm_pol_domain) */
	uint32_t domains_offset; /* 0x20 = header_size */
	uint32_t key_offset;     /* 0x24 = domains_offset + ndomains * 800 */
	uint32_t key_size;       /* 0x28 1-SDM_POL_MAX_KEY */
	uint32_t sig_offset;     /* 0x2c = key_offset + key_size */
	uint32_t sig_size;       /* 0x30 fixed by sig_alg */
	uint16_t sig_alg;        /* 0x34 enum sdm_pol_sig_alg */
	uint16_t reserved0;      /* 0x36 zero */
	uint8_t on_error[SDM_POL_ON_ERROR_SLOTS]; /* 0x38 enum sdm_pol_action
						   * per enum sdm_pol_err_class */
	uint8_t reserved1[8];    /* 0x48 zero */
};
SDM_STATIC_ASSERT(__builtin_offsetof(struct sdm_pol_header, version) == 0x10,
		  "policy header version");
SDM_STATIC_ASSERT(__builtin_offsetof(struct sdm_pol_header, on_error) == 0x38,
		  "policy header on_error");
SDM_STATIC_ASSERT(sizeof(struct sdm_pol_header) == 80, "policy header");

#endif
