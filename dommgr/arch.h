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
#define ARCH_MAX_CPUS 8 /* CPUs dommgr brings up */

/*
 * dommgr's own GDT, TSS (with IST stacks) and IDT on CPU cpu (an index of
 * the handoff's platform.apic_ids); ho says how to stop after an exception.
 */
void arch_cpu_init(const struct sdm_handoff *ho, unsigned cpu);
struct domain;

/* Where a domain starts: 32-bit flat protected mode, multiboot registers. */
struct arch_boot {
	uint32_t entry, eax, ebx;
};

/* Start CPU cpu (not the boot CPU); it runs fn(cpu) on its own stack. */
int arch_start_cpu(const struct sdm_handoff *ho, unsigned cpu,
		   void (*fn)(unsigned cpu), struct sdm_err *err);
/* Interrupt CPU cpu so that it looks at shared state (an NMI on x86). */
bool arch_send_nmi(const struct sdm_handoff *ho, unsigned cpu);
/* Shared virtualization state (bitmaps); once, before any domain runs. */
int arch_virt_init(const struct sdm_handoff *ho, struct sdm_err *err);
/* Turn on virtualization on this CPU (VMXON). */
int arch_virt_enable(unsigned cpu, struct sdm_err *err);
/* Run domain d on this CPU; returns when the domain stops. */
void arch_run_domain(unsigned cpu, struct domain *d, const struct arch_boot *b);
/* Reset the machine (returns only if that failed). */
void arch_reset(const struct sdm_handoff *ho);

/* Halt, or power off when the handoff asks for it. Never returns. */
__attribute__((noreturn)) void arch_stop(const struct sdm_handoff *ho);

#endif
