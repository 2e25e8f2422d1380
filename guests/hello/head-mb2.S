/*
 * Multiboot2 entry for the hello test guest (Multiboot2 spec 3.1
 * "OS image format"). The loader enters _start in 32-bit protected mode,
 * paging off, with EAX = 0x36d76289 and EBX = physical address of the boot
 * information (spec 3.3 "I386 machine state"). There is no valid stack.
 */
#define MB2_MAGIC 0xe85250d6
#define MB2_ARCH_I386 0
#define MB2_TAG_ENTRY 3

	.section .multiboot, "a"
	.balign 8
mb2_header:
	.long MB2_MAGIC				/* magic */
	.long MB2_ARCH_I386			/* architecture */
	.long mb2_header_end - mb2_header	/* header_length */
	.long 0x100000000 - (MB2_MAGIC + MB2_ARCH_I386 + (mb2_header_end - mb2_header))
	.balign 8
	.short MB2_TAG_ENTRY, 0			/* entry address tag, required */
	.long 12				/* size */
	.long _start				/* entry_addr */
	.balign 8
	.short 0, 0				/* end tag */
	.long 8
mb2_header_end:

	.section .rodata
	.balign 4
	.globl guest_header_kind
guest_header_kind:
	.long 2					/* read by hello.c */

	.text
	.code32
	.globl _start
_start:
	cli
	cld
	movl	$guest_stack_top, %esp
	pushl	%ebx				/* info */
	pushl	%eax				/* magic */
	call	guest_main
1:	cli
	hlt
	jmp	1b

	.section .bss
	.balign 16
guest_stack:
	.skip 8192
guest_stack_top:

	.section .note.GNU-stack, "", @progbits
