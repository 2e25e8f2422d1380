/*
 * Multiboot1 entry for the hello test guest (Multiboot Specification
 * 0.6.96, 3.1 "OS image format"). The header sits in the first 8 KiB,
 * 4-byte aligned. No address fields (flag 16 clear): the loader uses the
 * ELF program headers. The loader enters _start in 32-bit protected mode
 * with EAX = 0x2badb002 and EBX = physical address of the multiboot
 * information (spec 3.2 "Machine state"). There is no valid stack.
 */
#define MB1_MAGIC 0x1badb002
#define MB1_FLAGS 0x00000003	/* bit 0: page-align modules, bit 1: memory info */

	.section .multiboot, "a"
	.balign 4
	.long MB1_MAGIC				/* magic */
	.long MB1_FLAGS				/* flags */
	.long 0x100000000 - (MB1_MAGIC + MB1_FLAGS)	/* checksum */

	.section .rodata
	.balign 4
	.globl guest_header_kind
guest_header_kind:
	.long 1					/* read by hello.c */

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
