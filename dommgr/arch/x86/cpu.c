/* dommgr's GDT, TSS, IDT and exception handling on x86-64. */
#include <string.h>
#include <sdm/arch/x86.h>
#include <sdm/log.h>
#include <sdm/power.h>
#include "dommgr/arch.h"
#include "dommgr/arch/x86/vmx.h"

#define SEL_CODE 0x08
#define SEL_DATA 0x10
#define SEL_TSS 0x18
#define IST_STACK_SIZE 8192

/* SDM vol. 3, 8.7 "Task Management in 64-bit Mode": 104-byte TSS. */
struct tss64 {
	uint32_t reserved0;
	uint64_t rsp[3];
	uint64_t reserved1;
	uint64_t ist[7];
	uint64_t reserved2;
	uint16_t reserved3;
	uint16_t iomap_base;
} __attribute__((packed));
SDM_STATIC_ASSERT(sizeof(struct tss64) == 104, "SDM 8.7 TSS");

/* Frame built by isr_common in entry.S, lowest address first. */
struct exc_frame {
	uint64_t r15, r14, r13, r12, r11, r10, r9, r8;
	uint64_t rbp, rdi, rsi, rdx, rcx, rbx, rax;
	uint64_t vector, error;
	uint64_t rip, cs, rflags, rsp, ss; /* pushed by the CPU */
};
SDM_STATIC_ASSERT(sizeof(struct exc_frame) == 22 * 8, "entry.S frame");

extern const uint64_t isr_table[32];
int x86_exception(struct exc_frame *f);

/* One GDT, TSS and set of IST stacks per CPU; one IDT for all. */
static struct percpu_desc {
	uint64_t gdt[5];
	struct tss64 tss;
	uint8_t ist[3][IST_STACK_SIZE];
} desc[ARCH_MAX_CPUS] __attribute__((aligned(16)));
static uint64_t idt[2 * 256] __attribute__((aligned(16)));
static const struct sdm_handoff *stop_ho;

struct __attribute__((packed)) desc_ptr {
	uint16_t limit;
	uint64_t base;
};

static void set_gate(unsigned vec, uint64_t handler, unsigned ist)
{
	/* SDM vol. 3, 6.14.1: 64-bit interrupt gate, DPL 0, present. */
	idt[2 * vec] = (handler & 0xffff) | ((uint64_t)SEL_CODE << 16) |
		       ((uint64_t)(ist & 7) << 32) | (0x8eull << 40) |
		       ((handler >> 16 & 0xffff) << 48);
	idt[2 * vec + 1] = handler >> 32;
}

void arch_cpu_init(const struct sdm_handoff *ho, unsigned cpu)
{
	struct percpu_desc *pd = &desc[cpu % ARCH_MAX_CPUS];
	uint64_t *gdt = pd->gdt;
	struct tss64 *tss = &pd->tss;
	uint64_t t = (uint64_t)(uintptr_t)tss;
	struct desc_ptr gp = { sizeof(pd->gdt) - 1, (uint64_t)(uintptr_t)gdt };
	struct desc_ptr ip = { sizeof(idt) - 1, (uint64_t)(uintptr_t)idt };

	gdt[0] = 0;
	gdt[1] = 0x00af9a000000ffffull; /* 64-bit code, DPL 0 */
	gdt[2] = 0x00cf92000000ffffull; /* data */
	/* 64-bit available TSS (type 9), SDM vol. 3, 8.2.3. */
	gdt[3] = (sizeof(*tss) - 1) | ((t & 0xffffff) << 16) | (0x89ull << 40) |
		 ((t >> 24 & 0xff) << 56);
	gdt[4] = t >> 32;
	memset(tss, 0, sizeof(*tss));
	for (unsigned i = 0; i < 3; i++)
		tss->ist[i] = (uint64_t)(uintptr_t)&pd->ist[i][IST_STACK_SIZE];
	tss->iomap_base = sizeof(*tss); /* no I/O permission bitmap */

	for (unsigned v = 0; v < 32; v++)
		set_gate(v, isr_table[v],
			 v == 8 ? 1 : v == 2 ? 2 : v == 18 ? 3 : 0);

	__asm__ volatile("lgdt %0" : : "m"(gp));
	__asm__ volatile("pushq %[cs]\n\t"
			 "leaq 1f(%%rip), %%rax\n\t"
			 "pushq %%rax\n\t"
			 "lretq\n"
			 "1:\n\t"
			 "movw %w[ds], %%ax\n\t"
			 "movw %%ax, %%ds\n\t"
			 "movw %%ax, %%es\n\t"
			 "movw %%ax, %%ss\n\t"
			 "xorl %%eax, %%eax\n\t"
			 "movw %%ax, %%fs\n\t"
			 "movw %%ax, %%gs"
			 : : [cs] "i"(SEL_CODE), [ds] "r"((uint32_t)SEL_DATA)
			 : "rax", "memory");
	__asm__ volatile("ltr %w0" : : "r"((uint16_t)SEL_TSS));
	__asm__ volatile("lidt %0" : : "m"(ip));
	stop_ho = ho;
}

static const char *const exc_names[32] = {
	"#DE divide error", "#DB debug", "NMI", "#BP breakpoint",
	"#OF overflow", "#BR bound range", "#UD invalid opcode",
	"#NM device not available", "#DF double fault",
	"coprocessor segment overrun", "#TS invalid TSS",
	"#NP segment not present", "#SS stack fault",
	"#GP general protection", "#PF page fault", "reserved",
	"#MF x87 error", "#AC alignment check", "#MC machine check",
	"#XM SIMD error", "#VE virtualization exception",
	"#CP control protection",
};

extern const char wrmsr_safe_insn[], wrmsr_safe_fixup[];

/*
 * WRMSR of a value that came from a guest: the CPU, not dommgr, decides
 * whether it is valid. A #GP here resumes at the fixup and returns false
 * (the caller gives the guest its #GP) instead of stopping the machine.
 */
__attribute__((noinline)) bool wrmsr_safe(uint32_t msr, uint64_t v)
{
	uint32_t fault;

	__asm__ volatile(".globl wrmsr_safe_insn\n"
			 "wrmsr_safe_insn: wrmsr\n\t"
			 "xorl %0, %0\n\t"
			 "jmp 1f\n"
			 ".globl wrmsr_safe_fixup\n"
			 "wrmsr_safe_fixup: movl $1, %0\n"
			 "1:"
			 : "=&r"(fault)
			 : "c"(msr), "a"((uint32_t)v), "d"((uint32_t)(v >> 32))
			 : "memory");
	return fault == 0;
}

int x86_exception(struct exc_frame *f)
{
	unsigned v = (unsigned)f->vector & 31;
	const char *name = exc_names[v] ? exc_names[v] : "reserved";

	/* NMIs are how CPUs are told to look at shared state: not a fault. */
	if (v == 2)
		return 0;
	if (v == 13 && f->rip == (uint64_t)(uintptr_t)wrmsr_safe_insn) {
		f->rip = (uint64_t)(uintptr_t)wrmsr_safe_fixup;
		return 0;
	}

	pr_err("EXCEPTION #%u (%s), error code 0x%lx", v, name, f->error);
	pr_err("  RIP %04lx:%016lx RFLAGS %016lx", f->cs, f->rip, f->rflags);
	pr_err("  RSP %04lx:%016lx", f->ss, f->rsp);
	pr_err("  RAX %016lx RBX %016lx RCX %016lx", f->rax, f->rbx, f->rcx);
	pr_err("  RDX %016lx RSI %016lx RDI %016lx", f->rdx, f->rsi, f->rdi);
	pr_err("  RBP %016lx R8  %016lx R9  %016lx", f->rbp, f->r8, f->r9);
	pr_err("  R10 %016lx R11 %016lx R12 %016lx", f->r10, f->r11, f->r12);
	pr_err("  R13 %016lx R14 %016lx R15 %016lx", f->r13, f->r14, f->r15);
	pr_err("  CR0 %016lx CR2 %016lx CR3 %016lx CR4 %016lx", read_cr0(),
	       read_cr2(), read_cr3(), read_cr4());
	pr_err("halted");
	if (stop_ho != NULL)
		x86_stop(&stop_ho->platform, stop_ho->exit_action);
	log_flush();
	halt_forever();
}

void arch_stop(const struct sdm_handoff *ho)
{
	if (ho->exit_action == SDM_EXIT_POWEROFF)
		pr_info("powering off");
	else
		pr_info("halted");
	x86_stop(&ho->platform, ho->exit_action);
}
