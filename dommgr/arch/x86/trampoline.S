/*
 * Application-processor start-up code, copied by the boot CPU to a page
 * below 1 MiB (SIPI vector = page number) with its data fields patched
 * (smp.c). Real mode → long mode in one step on temporary page tables
 * that map this page executable and dommgr's own high mapping; dommgr's
 * code then switches to its real page tables (SDM vol. 3, 9.8.5 and 10.8).
 */
	.section .rodata
	.balign 16
	.globl ap_tramp_start, ap_tramp_end, ap_tramp_gdtr, ap_tramp_far
	.globl ap_tramp_cr3, ap_tramp_stack, ap_tramp_entry, ap_tramp_arg
	.code16
ap_tramp_start:
	cli
	cld
	movw %cs, %ax
	movw %ax, %ds
	lgdtl ap_tramp_gdtr - ap_tramp_start
	movl %cr4, %eax
	orl $0x20, %eax                  /* PAE */
	movl %eax, %cr4
	movl ap_tramp_cr3 - ap_tramp_start, %eax
	movl %eax, %cr3
	movl $0xc0000080, %ecx           /* EFER */
	rdmsr
	orl $0x900, %eax                 /* LME, NXE */
	wrmsr
	movl %cr0, %eax
	orl $0x80010021, %eax            /* PG, WP, NE, PE */
	movl %eax, %cr0
	ljmpl *(ap_tramp_far - ap_tramp_start)

	.code64
ap_tramp_64:
	movq ap_tramp_stack(%rip), %rsp
	movq ap_tramp_arg(%rip), %rdi
	movq ap_tramp_entry(%rip), %rax
	jmp *%rax

	.balign 8
ap_tramp_gdt:
	.quad 0
	.quad 0x00af9b000000ffff         /* 0x08: 64-bit code, accessed: */
	.quad 0x00cf93000000ffff         /* 0x10: data, accessed (read-only page) */
ap_tramp_gdtr:
	.word 23
	.long 0                          /* patched: linear address of the GDT */
	.balign 4
ap_tramp_far:
	.long 0                          /* patched: linear address of ap_tramp_64 */
	.word 0x08
	.balign 8
ap_tramp_cr3:	.quad 0
ap_tramp_stack:	.quad 0
ap_tramp_entry:	.quad 0
ap_tramp_arg:	.quad 0
	.globl ap_tramp_gdt_off, ap_tramp_64_off
	.set ap_tramp_gdt_off, ap_tramp_gdt - ap_tramp_start
	.set ap_tramp_64_off, ap_tramp_64 - ap_tramp_start
ap_tramp_end:
