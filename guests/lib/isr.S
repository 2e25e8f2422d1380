/* Exception stubs for the test guests (32-bit): uniform frame, then C. */
	.text
	.code32
	.macro ISR vec
	.balign 8
g_isr_\vec:
	.if (\vec == 8) || (\vec >= 10 && \vec <= 14) || (\vec == 17)
	.else
	pushl $0
	.endif
	pushl %esp                 /* frame: error code, EIP, CS, EFLAGS */
	pushl $\vec
	call g_exception
	addl $8, %esp
	addl $4, %esp              /* error code */
	iret
	.endm

	.altmacro
	.set i, 0
	.rept 32
	ISR %i
	.set i, i + 1
	.endr

	.section .rodata
	.balign 4
	.globl g_isr_table
g_isr_table:
	.macro ISR_ENTRY vec
	.long g_isr_\vec
	.endm
	.set i, 0
	.rept 32
	ISR_ENTRY %i
	.set i, i + 1
	.endr
	.section .note.GNU-stack, "", @progbits
