/*
 * Control-register bits (Intel SDM vol. 3A, 2.5, figure 2-7; IA32_EFER:
 * 2.2.1) and the checks a MOV to CR0/CR4 (also CLTS, LMSW) must pass
 * before it takes effect (vol. 2B, "MOV—Move to/from Control
 * Registers", #GP(0) conditions). dommgr emulates the guest's writes to
 * CR0 and CR4 when they exit (guest/host masks) and must refuse with #GP(0)
 * exactly what the CPU would refuse; these checks are pure so that they
 * run as host unit tests (tests/unit/test_x86_cr.c).
 */
#ifndef SDM_X86_CR_H
#define SDM_X86_CR_H
#include <sdm/types.h>

#define X86_CR0_PE (1ull << 0)  /* protection enable */
#define X86_CR0_MP (1ull << 1)  /* monitor coprocessor */
#define X86_CR0_EM (1ull << 2)  /* x87 emulation */
#define X86_CR0_TS (1ull << 3)  /* task switched */
#define X86_CR0_ET (1ull << 4)  /* extension type */
#define X86_CR0_NE (1ull << 5)  /* numeric error */
#define X86_CR0_WP (1ull << 16) /* write protect */
#define X86_CR0_AM (1ull << 18) /* alignment mask */
#define X86_CR0_NW (1ull << 29) /* not write-through */
#define X86_CR0_CD (1ull << 30) /* cache disable */
#define X86_CR0_PG (1ull << 31) /* paging */
/* Every other bit of CR0[31:0] is reserved: the CPU ignores writes to them. */
#define X86_CR0_DEFINED                                                      \
	(X86_CR0_PE | X86_CR0_MP | X86_CR0_EM | X86_CR0_TS | X86_CR0_ET |    \
	 X86_CR0_NE | X86_CR0_WP | X86_CR0_AM | X86_CR0_NW | X86_CR0_CD |    \
	 X86_CR0_PG)

#define X86_CR4_PAE (1ull << 5)    /* physical-address extension */
#define X86_CR4_LA57 (1ull << 12)  /* 5-level paging */
#define X86_CR4_VMXE (1ull << 13)  /* VMX enable */
#define X86_CR4_SMXE (1ull << 14)  /* SMX enable */
#define X86_CR4_PCIDE (1ull << 17) /* process-context identifiers */
#define X86_CR4_CET (1ull << 23)   /* control-flow enforcement */

#define EFER_LME (1ull << 8)  /* IA-32e mode enable */
#define EFER_LMA (1ull << 10) /* IA-32e mode active (read-only) */

/*
 * The guest's state before the write, as the guest sees it (for CR0 and
 * CR4: the read shadow where dommgr owns a bit, the real bit elsewhere).
 */
struct x86_cr_state {
	uint64_t cr0, cr3, cr4, efer;
	bool ia32e; /* IA32_EFER.LMA: IA-32e mode is active */
	bool cs_l;  /* CS.L: with ia32e, the guest runs in 64-bit mode */
	/*
	 * CR4 bits the CPU supports (IA32_VMX_CR4_FIXED1, vol. 3D A.8).
	 * VMXE and SMXE are refused regardless: the guest never gets VMX or
	 * SMX (dommgr hides both in CPUID).
	 */
	uint64_t cr4_fixed1;
};

/*
 * NULL if the CPU would accept "MOV CR0, val" in state s, else a short
 * reason for the #GP(0). Reserved bits of CR0[31:0] are not a reason:
 * x86_cr0_value() drops them as the CPU does.
 */
const char *x86_cr0_check(const struct x86_cr_state *s, uint64_t val);
/* NULL if the CPU would accept "MOV CR4, val" in state s, else a reason. */
const char *x86_cr4_check(const struct x86_cr_state *s, uint64_t val);

/*
 * The CR0 value an accepted write leaves: reserved bits 31:0 dropped, ET
 * set (hardcoded to 1 since the P6 family, vol. 3A 2.5).
 */
static inline uint64_t x86_cr0_value(uint64_t val)
{
	return (val & X86_CR0_DEFINED) | X86_CR0_ET;
}

#endif
