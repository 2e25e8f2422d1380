/*
 * sinit entry: multiboot2 header, 32-bit protected-mode entry from GRUB,
 * identity page tables for the low 4 GiB, switch to long mode, call C.
 * Machine state on entry (Multiboot2 spec 3.3): EAX = 0x36d76289,
 * EBX = physical address of the boot information, paging off, A20 on,
 * CS/DS flat 32-bit, no valid stack, interrupts off.
 */
#define MB2_MAGIC 0xe85250d6
#define MB2_ARCH_I386 0
#define CR4_PAE (1 << 5)
#define CR0_PG (1 << 31)
#define CR0_PE (1 << 0)
#define CR0_NE (1 << 5)
#define CR0_WP (1 << 16)           /* read-only pages bind ring 0 too */
#define MSR_EFER 0xc0000080
#define EFER_LME (1 << 8)
#define PTE_P 1
#define PTE_W 2
#define PTE_PS 0x80

	.section .multiboot2, "a"
	.balign 8
mb2_header:
	.long MB2_MAGIC
	.long MB2_ARCH_I386
	.long mb2_header_end - mb2_header
	.long -(MB2_MAGIC + MB2_ARCH_I386 + (mb2_header_end - mb2_header))
	/* Entry address tag (type 3): enter at sinit_start32. */
	.balign 8
	.word 3, 0
	.long 12
	.long sinit_start32
	/* Module alignment tag (type 6): page-aligned modules. */
	.balign 8
	.word 6, 0
	.long 8
	/* End tag. */
	.balign 8
	.word 0, 0
	.long 8
mb2_header_end:

	.section .text.boot32, "ax"
	.code32
	.globl sinit_start32
sinit_start32:
	cli
	cld
	movl %eax, %esi              /* boot loader magic */
	movl %ebx, %edi              /* boot information */
	/* Zero .bss (page tables and stack live there) before using it. */
	movl $__bss_start, %edi
	movl $__bss_end, %ecx
	subl %edi, %ecx
	xorl %eax, %eax
	rep stosb
	movl %ebx, %edi              /* boot information, again */
	movl $boot_stack_top, %esp

	/* Long mode is required (CPUID 0x80000001 EDX bit 29). */
	movl $0x80000000, %eax
	cpuid
	cmpl $0x80000001, %eax
	jb no_long_mode
	movl $0x80000001, %eax
	cpuid
	btl $29, %edx
	jnc no_long_mode

	/* PML4[0] -> PDPT; PDPT[0..3] -> four PDs of 2 MiB pages = 4 GiB. */
	movl $boot_pdpt, %eax
	orl $(PTE_P | PTE_W), %eax
	movl %eax, boot_pml4
	movl $boot_pd, %edx
	xorl %ecx, %ecx
1:	movl %edx, %eax
	orl $(PTE_P | PTE_W), %eax
	movl %eax, boot_pdpt(,%ecx,8)
	addl $4096, %edx
	incl %ecx
	cmpl $4, %ecx
	jne 1b
	/* 2048 PD entries: entry i maps i * 2 MiB. */
	xorl %ecx, %ecx
2:	movl %ecx, %eax
	shll $21, %eax
	orl $(PTE_P | PTE_W | PTE_PS), %eax
	movl %eax, boot_pd(,%ecx,8)
	movl %ecx, %eax
	shrl $11, %eax               /* high dword: bits 32+ of i * 2 MiB */
	movl %eax, boot_pd+4(,%ecx,8)
	incl %ecx
	cmpl $2048, %ecx
	jne 2b

	movl %cr4, %eax
	orl $CR4_PAE, %eax
	movl %eax, %cr4
	movl $boot_pml4, %eax
	movl %eax, %cr3
	movl $MSR_EFER, %ecx
	rdmsr
	orl $EFER_LME, %eax
	wrmsr
	movl %cr0, %eax
	orl $(CR0_PG | CR0_PE | CR0_NE | CR0_WP), %eax
	movl %eax, %cr0

	lgdt gdt_ptr
	ljmp $0x08, $start64

no_long_mode:
	/* No console yet: write a short message to COM1 and the e9 port. */
	movl $msg_no_lm, %ebx
3:	movb (%ebx), %al
	testb %al, %al
	jz 4f
	movw $0x3f8, %dx
	outb %al, %dx
	movw $0xe9, %dx
	outb %al, %dx
	incl %ebx
	jmp 3b
4:	cli
	hlt
	jmp 4b

	.code64
start64:
	movw $0x10, %ax
	movw %ax, %ds
	movw %ax, %es
	movw %ax, %ss
	xorw %ax, %ax
	movw %ax, %fs
	movw %ax, %gs
	movq $boot_stack_top, %rsp
	/* sinit_main(magic = ESI, mbi = EDI) in RDI, RSI (zero-extended). */
	movl %esi, %eax
	movl %edi, %esi
	movl %eax, %edi
	call sinit_main
5:	cli
	hlt
	jmp 5b

/*
 * Jump to dommgr: sinit_enter_dommgr(cr3, entry, stack, handoff).
 * The code doing this runs from sinit's text, which dommgr's tables map
 * identity and executable for exactly this step.
 */
	.globl sinit_enter_dommgr
sinit_enter_dommgr:
	movq %rdi, %cr3
	movq %rdx, %rsp
	movq %rcx, %rdi
	xorl %ebp, %ebp
	pushq $0                     /* no return address */
	jmp *%rsi

	.section .rodata
msg_no_lm:
	.asciz "sinit: FATAL: this CPU has no long mode\r\nsinit: halted\r\n"

	.balign 16
gdt:
	.quad 0
	/* Accessed bits preset: the CPU never writes to this measured table. */
	.quad 0x00af9b000000ffff     /* 0x08: 64-bit code */
	.quad 0x00cf93000000ffff     /* 0x10: data */
gdt_end:
gdt_ptr:
	.word gdt_end - gdt - 1
	.quad gdt

	.section .bss
	.balign 4096
boot_pml4:	.skip 4096
boot_pdpt:	.skip 4096
boot_pd:	.skip 4 * 4096
boot_stack:	.skip 16384
boot_stack_top:
