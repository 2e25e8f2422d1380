/*
 * dommgr entry and exception stubs.
 * sinit jumps to dommgr_entry with RSP = top of dommgr's stack and
 * RDI = the handoff (both in dommgr's own mapping).
 */
	.section .text.entry, "ax"
	.code64
	.globl dommgr_entry
dommgr_entry:
	cld
	andq $~15, %rsp
	call dommgr_main
1:	cli
	hlt
	jmp 1b

/*
 * Exception stubs for vectors 0-31. The CPU pushes an error code for
 * 8, 10-14, 17, 21, 29, 30 (SDM vol. 3, 6.13); the others push a zero so
 * that every frame has the same layout (struct exc_frame in cpu.c).
 */
	.text
	.macro ISR vec
	.balign 16
isr_\vec:
	.if (\vec == 8) || (\vec >= 10 && \vec <= 14) || (\vec == 17) || (\vec == 21) || (\vec == 29) || (\vec == 30)
	.else
	pushq $0
	.endif
	pushq $\vec
	jmp isr_common
	.endm

	.altmacro
	.set i, 0
	.rept 32
	ISR %i
	.set i, i + 1
	.endr

isr_common:
	pushq %rax
	pushq %rbx
	pushq %rcx
	pushq %rdx
	pushq %rsi
	pushq %rdi
	pushq %rbp
	pushq %r8
	pushq %r9
	pushq %r10
	pushq %r11
	pushq %r12
	pushq %r13
	pushq %r14
	pushq %r15
	movq %rsp, %rdi
	movq %rsp, %rbx
	andq $~15, %rsp
	call x86_exception       /* returns only for an NMI */
	movq %rbx, %rsp
	popq %r15
	popq %r14
	popq %r13
	popq %r12
	popq %r11
	popq %r10
	popq %r9
	popq %r8
	popq %rbp
	popq %rdi
	popq %rsi
	popq %rdx
	popq %rcx
	popq %rbx
	popq %rax
	addq $16, %rsp           /* vector, error code */
	iretq

	.section .rodata
	.balign 8
	.globl isr_table
isr_table:
	.macro ISR_ENTRY vec
	.quad isr_\vec
	.endm
	.set i, 0
	.rept 32
	ISR_ENTRY %i
	.set i, i + 1
	.endr
