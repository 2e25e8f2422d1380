/*
 * Guest general-purpose registers saved at VM exit (vmx_entry.S). The
 * offsets are shared with the assembly and checked in vmx.c.
 */
#ifndef DOMMGR_X86_REGS_H
#define DOMMGR_X86_REGS_H

#define GR_RAX 0
#define GR_RBX 8
#define GR_RCX 16
#define GR_RDX 24
#define GR_RSI 32
#define GR_RDI 40
#define GR_RBP 48
#define GR_R8 56
#define GR_R9 64
#define GR_R10 72
#define GR_R11 80
#define GR_R12 88
#define GR_R13 96
#define GR_R14 104
#define GR_R15 112
#define GR_CR2 120
#define GR_SIZE 128

#ifndef __ASSEMBLY__
#include <sdm/types.h>

struct guest_regs {
	uint64_t rax, rbx, rcx, rdx, rsi, rdi, rbp;
	uint64_t r8, r9, r10, r11, r12, r13, r14, r15;
	uint64_t cr2; /* not in the VMCS: switched by vmx_entry.S */
};

/* Enter the guest; returns 0 after a VM exit, 1 if VMLAUNCH/VMRESUME failed. */
int vmx_enter(struct guest_regs *regs, int launched);
#endif

#endif
