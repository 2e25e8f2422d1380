/*
 * What dommgr's core needs from an architecture (STYLE.md 1). x86 is in
 * arch/x86/; arch/fake/ implements the same interface for host tests.
 */
#ifndef DOMMGR_ARCH_H
#define DOMMGR_ARCH_H
#include <sdm/handoff.h>

struct cpu_caps {
	char vendor[13];
	uint32_t family, model, stepping;
	bool nx;
	bool vmx;             /* CPUID.1:ECX.VMX */
	bool vmx_bios_off;    /* IA32_FEATURE_CONTROL locked without VMX */
	uint32_t vmcs_revision;
	bool true_ctls;       /* IA32_VMX_BASIC bit 55 */
	bool ept, vpid, unrestricted;
	bool ept_4level, ept_wb, ept_2m, ept_1g, ept_ad, invept, invvpid;
	bool smx;             /* CPUID.1:ECX.SMX (TXT capable) */
};

/* Processor identification and virtualization capabilities. */
void arch_cpu_caps(struct cpu_caps *out);
/*
 * dommgr's own GDT, TSS (with IST stacks) and IDT on this CPU; ho says
 * how to stop after an exception.
 */
void arch_cpu_init(const struct sdm_handoff *ho);
/* Halt, or power off when the handoff asks for it. Never returns. */
__attribute__((noreturn)) void arch_stop(const struct sdm_handoff *ho);

#endif
