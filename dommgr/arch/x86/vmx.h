/* VMX on x86: per-CPU state and the interface to dommgr's core. */
#ifndef DOMMGR_X86_VMX_H
#define DOMMGR_X86_VMX_H
#include "dommgr/arch/x86/regs.h"
#include "dommgr/arch.h"
#include "dommgr/domain.h"

/* WRMSR that returns false instead of faulting (cpu.c). */
bool wrmsr_safe(uint32_t msr, uint64_t v);

struct vcpu {
	struct guest_regs regs;
	struct domain *dom;
	unsigned cpu;        /* index into the handoff's platform.apic_ids */
	uint64_t vmcs_pa;
	bool launched;
	uint64_t cr0_fixed0, cr0_fixed1, cr4_fixed0, cr4_fixed1;
	uint8_t shutdown_seq; /* progress through "Shutdown" on port 0x8900 */
};


#endif
