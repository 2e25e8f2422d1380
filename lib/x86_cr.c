/*
 * Would the CPU accept this MOV to CR0 or CR4? Each refusal is a #GP(0)
 * condition of Intel SDM vol. 2B, "MOV—Move to/from Control Registers"
 * (protected-mode, compatibility-mode and 64-bit-mode exceptions), with
 * the bit meanings of vol. 3A 2.5 and the IA-32e mode rules of vol. 3A
 * 9.8.5. A guest's CR3 and the PAE page-directory pointers are not checked
 * here.
 */
#include <sdm/x86_cr.h>

const char *x86_cr0_check(const struct x86_cr_state *s, uint64_t val)
{
	bool clears_pg = (s->cr0 & X86_CR0_PG) && !(val & X86_CR0_PG);
	bool sets_pg = !(s->cr0 & X86_CR0_PG) && (val & X86_CR0_PG);

	/* 2B MOV, 64-bit mode: a 1 in a reserved bit of CR0[63:32]. (Outside
	 * 64-bit mode the operand has 32 bits; the caller truncates.) */
	if (val >> 32)
		return "a 1 in CR0[63:32]";
	/* 2B MOV: invalid combinations, PG without PE and NW without CD. */
	if ((val & X86_CR0_PG) && !(val & X86_CR0_PE))
		return "CR0.PG=1 with CR0.PE=0";
	if ((val & X86_CR0_NW) && !(val & X86_CR0_CD))
		return "CR0.NW=1 with CR0.CD=0";
	/* 2B MOV, 64-bit mode; 3A 9.8.5: paging cannot be turned off in
	 * 64-bit mode (only from compatibility mode, leaving IA-32e mode). */
	if (clears_pg && s->ia32e && s->cs_l)
		return "clearing CR0.PG in 64-bit mode";
	/* 2B MOV: clearing PG while CR4.PCIDE=1. */
	if (clears_pg && (s->cr4 & X86_CR4_PCIDE))
		return "clearing CR0.PG with CR4.PCIDE=1";
	/* 3A 9.8.5: activating IA-32e mode (PG with EFER.LME) needs PAE. */
	if (sets_pg && (s->efer & EFER_LME) && !(s->cr4 & X86_CR4_PAE))
		return "CR0.PG=1 with EFER.LME=1 and CR4.PAE=0";
	/* 2B MOV; 3A 2.5: WP cannot be cleared while CET is enabled. */
	if (!(val & X86_CR0_WP) && (s->cr4 & X86_CR4_CET))
		return "CR0.WP=0 with CR4.CET=1";
	return NULL;
}

const char *x86_cr4_check(const struct x86_cr_state *s, uint64_t val)
{
	/* dommgr's rule, not the CPU's: VMX and SMX are hidden in CPUID, so to
	 * the guest these bits are reserved (2B MOV: a 1 in a reserved bit). */
	if (val & X86_CR4_VMXE)
		return "CR4.VMXE (VMX is not offered)";
	if (val & X86_CR4_SMXE)
		return "CR4.SMXE (SMX is not offered)";
	/* 2B MOV: a 1 in a reserved bit, i.e. one the CPU does not support
	 * (IA32_VMX_CR4_FIXED1 has a 0 there; vol. 3D A.8). */
	if (val & ~s->cr4_fixed1)
		return "a reserved CR4 bit";
	/* 2B MOV, compatibility and 64-bit mode; 3A 9.8.5: leaving IA-32e
	 * mode by clearing PAE. */
	if (s->ia32e && !(val & X86_CR4_PAE))
		return "clearing CR4.PAE in IA-32e mode";
	/* 2B MOV; 3A 2.5: LA57 cannot change while IA-32e mode is active. */
	if (s->ia32e && ((val ^ s->cr4) & X86_CR4_LA57))
		return "changing CR4.LA57 in IA-32e mode";
	/* 3A 2.5: PCIDE can be set only in IA-32e mode; 2B MOV: nor from 0 to
	 * 1 while CR3[11:0] != 0. */
	if ((val & X86_CR4_PCIDE) && !(s->cr4 & X86_CR4_PCIDE)) {
		if (!s->ia32e)
			return "setting CR4.PCIDE outside IA-32e mode";
		if (s->cr3 & 0xfff)
			return "setting CR4.PCIDE with CR3[11:0] != 0";
	}
	/* 2B MOV; 3A 2.5: CET cannot be set while CR0.WP=0. */
	if ((val & X86_CR4_CET) && !(s->cr0 & X86_CR0_WP))
		return "CR4.CET=1 with CR0.WP=0";
	return NULL;
}
