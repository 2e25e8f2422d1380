/*
 * The hypercall ABI between domains and dommgr (docs/hypercalls.md).
 * VMCALL with EAX/RAX = number, EBX/RBX, ECX/RCX, EDX/RDX = arguments; the
 * result comes back in EAX/RAX: >= 0 success, < 0 one of SDM_HC_E*.
 * Pointers are guest-physical addresses inside the caller's own memory;
 * in 32-bit guests every argument is taken modulo 2^32. Shared by dommgr
 * and the test guests.
 */
#ifndef SDM_HYPERCALL_H
#define SDM_HYPERCALL_H
#include <stdint.h>

#define SDM_HC_ABI_VERSION 1
/* CPUID 0x40000000: EBX ECX EDX = "SDMdommgr\0\0\0"; 0x40000001: EAX = ABI. */
#define SDM_HC_CPUID_LEAF 0x40000000u

enum sdm_hc_number {
	SDM_HC_VERSION = 0,     /* -> SDM_HC_ABI_VERSION */
	SDM_HC_DOMAIN_INFO = 1, /* (buf, len) -> bytes written */
	SDM_HC_CONSOLE = 2,     /* (buf, len) -> bytes printed */
	SDM_HC_EXIT_STATS = 3,  /* (buf, len) -> bytes written */
	SDM_HC_ATTEST = 4,      /* (req, buf, len) -> evidence bundle bytes */
};

#define SDM_HC_ENOSYS (-1)  /* unknown number */
#define SDM_HC_EFAULT (-2)  /* buffer not inside the caller's memory */
#define SDM_HC_EINVAL (-3)  /* length too large or too small */
#define SDM_HC_ENOSPC (-4)  /* the result does not fit the buffer */
#define SDM_HC_EIO (-5)     /* no TPM, or the TPM refused (dommgr logs why) */

#define SDM_HC_CONSOLE_MAX 256
#define SDM_HC_EXIT_REASONS 70

struct sdm_hc_domain_info {
	uint32_t abi;      /* SDM_HC_ABI_VERSION */
	uint32_t id;
	uint32_t kind;     /* 1 normal, 2 protected */
	uint32_t ncpus;
	uint64_t mem_bytes;
	char name[32];
};
_Static_assert(sizeof(struct sdm_hc_domain_info) == 56, "hypercall ABI");

struct sdm_hc_exit_stats {
	uint32_t nreasons; /* SDM_HC_EXIT_REASONS */
	uint32_t pad;
	uint64_t hypercalls;
	uint64_t count[SDM_HC_EXIT_REASONS]; /* by basic exit reason */
};
_Static_assert(sizeof(struct sdm_hc_exit_stats) == 16 + 8 * 70,
	       "hypercall ABI");

/*
 * SDM_HC_ATTEST: req is the guest-physical address of this request, buf
 * and len the buffer that receives the evidence bundle (docs/
 * attestation.md: nonce, TPM2 quote of PCRs 17-20, its signature, the
 * event log, the domain report). Returns the bundle's size; a buffer of
 * SDM_HC_ATTEST_MAX bytes always suffices. The bundle is written only
 * when it fits (SDM_HC_ENOSPC otherwise).
 */
#define SDM_HC_NONCE_MIN 8
#define SDM_HC_NONCE_MAX 64
#define SDM_HC_ATTEST_MAX (80u * 1024)
struct sdm_hc_attest_req {
	uint32_t nonce_len; /* SDM_HC_NONCE_MIN..SDM_HC_NONCE_MAX */
	uint32_t reserved;  /* zero */
	uint8_t nonce[SDM_HC_NONCE_MAX];
};
_Static_assert(sizeof(struct sdm_hc_attest_req) == 72, "hypercall ABI");

#endif
