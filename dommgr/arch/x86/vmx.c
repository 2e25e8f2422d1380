/*
 * VMX: enabling it on a CPU, one VMCS per virtual CPU, the VM-exit
 * handlers (Intel SDM vol. 3, chapters 24-29). Every control is adjusted
 * against the (TRUE_) capability MSRs; a required control the CPU lacks is
 * an error naming it. A failed VMREAD/VMWRITE stops dommgr.
 */
#include <stdio.h>
#include <string.h>
#include <sdm/arch/x86.h>
#include <sdm/log.h>
#include <sdm/x86_cr.h>
#include "dommgr/arch/x86/vmcs.h"
#include "dommgr/arch/x86/vmx.h"
#include "dommgr/core.h"
#include "dommgr/dommgr.h"
#include "dommgr/mm.h"

SDM_STATIC_ASSERT(offsetof(struct guest_regs, rax) == GR_RAX, "regs.h");
SDM_STATIC_ASSERT(offsetof(struct guest_regs, rdi) == GR_RDI, "regs.h");
SDM_STATIC_ASSERT(offsetof(struct guest_regs, r15) == GR_R15, "regs.h");
SDM_STATIC_ASSERT(offsetof(struct guest_regs, cr2) == GR_CR2, "regs.h");
SDM_STATIC_ASSERT(sizeof(struct guest_regs) == GR_SIZE, "regs.h");

#define MSR_IA32_APIC_BASE 0x1b
#define MSR_IA32_SMM_MONITOR_CTL 0x9b
#define MSR_IA32_PAT 0x277
#define MSR_IA32_VMX_TRUE_PINBASED 0x48d
#define MSR_IA32_VMX_TRUE_PROCBASED 0x48e
#define MSR_IA32_VMX_TRUE_EXIT 0x48f
#define MSR_IA32_VMX_TRUE_ENTRY 0x490
#define MSR_X2APIC_ICR 0x830

/* Controls (SDM vol. 3, 25.6 and 25.7-25.8). */
#define PIN_EXT_INT_EXITING (1u << 0)
#define PIN_NMI_EXITING (1u << 3)
#define PROC_HLT_EXITING (1u << 7)
#define PROC_USE_IO_BITMAPS (1u << 25)
#define PROC_USE_MSR_BITMAPS (1u << 28)
#define PROC_SECONDARY (1u << 31)
#define PROC2_EPT (1u << 1)
#define PROC2_RDTSCP (1u << 3)
#define PROC2_VPID (1u << 5)
#define PROC2_UNRESTRICTED (1u << 7)
#define PROC2_INVPCID (1u << 12)
#define PROC2_XSAVES (1u << 20)
#define EXIT_HOST_64 (1u << 9)
#define EXIT_ACK_INTR (1u << 15)
#define EXIT_SAVE_PAT (1u << 18)
#define EXIT_LOAD_PAT (1u << 19)
#define EXIT_SAVE_EFER (1u << 20)
#define EXIT_LOAD_EFER (1u << 21)
#define ENTRY_IA32E_GUEST (1u << 9)
#define ENTRY_LOAD_PAT (1u << 14)
#define ENTRY_LOAD_EFER (1u << 15)

/* Basic exit reasons (SDM vol. 3, appendix C). */
enum {
	EXIT_EXCEPTION_NMI = 0, EXIT_EXT_INT = 1, EXIT_TRIPLE_FAULT = 2,
	EXIT_INIT = 3,
	EXIT_SIPI = 4, EXIT_TASK_SWITCH = 9, EXIT_CPUID = 10,
	EXIT_GETSEC = 11, EXIT_HLT = 12, EXIT_INVD = 13, EXIT_VMCALL = 18,
	EXIT_VMCLEAR = 19, EXIT_VMXON = 27, EXIT_CR_ACCESS = 28,
	EXIT_IO = 30, EXIT_RDMSR = 31, EXIT_WRMSR = 32,
	EXIT_ENTRY_GUEST_STATE = 33, EXIT_ENTRY_MSR = 34,
	EXIT_ENTRY_MC = 41, EXIT_EPT_VIOLATION = 48,
	EXIT_EPT_MISCONFIG = 49, EXIT_INVEPT = 50, EXIT_INVVPID = 53,
	EXIT_WBINVD = 54, EXIT_XSETBV = 55, EXIT_VMFUNC = 59,
};

#define INTR_INFO_VALID (1u << 31)
#define INTR_TYPE_HW_EXC (3u << 8)
#define INTR_ERR_VALID (1u << 11)
#define VEC_UD 6
#define VEC_GP 13
#define ACTIVITY_HLT 1
#define APIC_BASE_X2APIC (1u << 10) /* IA32_APIC_BASE.EXTD */
#define MSR_X2APIC_EOI 0x80b
#define XAPIC_EOI 0xb0

const struct vmcs_field_desc vmcs_field_table[] = {
#define VMCS_DESC(name, enc) { enc, #name },
	VMCS_FIELDS(VMCS_DESC)
#undef VMCS_DESC
};
const unsigned vmcs_field_count = ARRAY_SIZE(vmcs_field_table);

static uint8_t *io_bitmap_normal, *io_bitmap_protected, *msr_bitmap;
static uint64_t io_normal_pa, io_protected_pa, msr_bitmap_pa;
static uint16_t pm1a_cnt, pm1b_cnt;
static uint64_t lapic_eoi_pa; /* xAPIC EOI register */
static uint8_t s5_typ;
static bool s5_known;
static uint64_t vmxon_pa[SDM_HO_MAX_CPUS];

bool vmx_vmread(uint32_t enc, uint64_t *val)
{
	bool ok;

	__asm__ volatile("vmread %[enc], %[val]; seta %[ok]"
			 : [val] "=rm"(*val), [ok] "=qm"(ok)
			 : [enc] "r"((uint64_t)enc)
			 : "cc");
	return ok;
}

bool vmx_vmwrite(uint32_t enc, uint64_t val)
{
	bool ok;

	__asm__ volatile("vmwrite %[val], %[enc]; seta %[ok]"
			 : [ok] "=qm"(ok)
			 : [enc] "r"((uint64_t)enc), [val] "rm"(val)
			 : "cc", "memory");
	return ok;
}

static const char *field_name(uint32_t enc)
{
	for (unsigned i = 0; i < vmcs_field_count; i++) {
		if (vmcs_field_table[i].enc == enc)
			return vmcs_field_table[i].name;
	}
	return "?";
}

static uint32_t insn_error(void)
{
	uint64_t v = 0;

	return vmx_vmread(VMCS_VM_INSN_ERROR, &v) ? (uint32_t)v : 0;
}

void vmcs_access_failed(uint32_t enc, bool write)
{
	pr_err("FATAL: VM%s of VMCS field %s (0x%x) failed, VM-instruction "
	       "error %u", write ? "WRITE" : "READ", field_name(enc), enc,
	       insn_error());
	pr_err("halted");
	log_flush();
	halt_forever();
}

/* SDM vol. 3, 31.4 "VM-instruction error numbers". */
static const char *insn_error_name(uint32_t e)
{
	switch (e) {
	case 2: return "VMCLEAR with invalid address";
	case 4: return "VMLAUNCH with non-clear VMCS";
	case 5: return "VMRESUME with non-launched VMCS";
	case 7: return "VM entry with invalid control field(s)";
	case 8: return "VM entry with invalid host-state field(s)";
	case 9: return "VMPTRLD with invalid address";
	case 11: return "VMPTRLD with incorrect VMCS revision identifier";
	case 12: return "VMREAD/VMWRITE from/to unsupported VMCS component";
	case 26: return "VM entry with events blocked by MOV SS";
	default: return "see SDM vol. 3, 31.4";
	}
}

static bool handoff_loglevel_debug(void)
{
	return log_level_enabled(SDM_LOG_DEBUG);
}

static void vmcs_dump(void)
{
	for (unsigned i = 0; i < vmcs_field_count; i++) {
		uint64_t v;

		if (vmx_vmread(vmcs_field_table[i].enc, &v))
			pr_err("  %-22s 0x%lx", vmcs_field_table[i].name, v);
	}
}

static int ctl_adjust(const char *what, uint32_t msr, uint32_t want,
		      uint32_t *out, struct sdm_err *err)
{
	uint64_t cap = rdmsr(msr);
	uint32_t allowed0 = (uint32_t)cap, allowed1 = (uint32_t)(cap >> 32);
	uint32_t v = want | allowed0;

	if (v & ~allowed1)
		return sdm_err_set(err, SDM_EIO, "VMX %s controls: bits 0x%x "
				   "are required but not supported (MSR 0x%x)",
				   what, v & ~allowed1, msr);
	*out = v;
	return SDM_OK;
}

/* Optional controls: keep only the ones the CPU allows. */
static uint32_t ctl_optional(uint32_t msr, uint32_t want)
{
	return want & (uint32_t)(rdmsr(msr) >> 32);
}

int arch_virt_enable(unsigned cpu, struct sdm_err *err)
{
	uint64_t fc = rdmsr(MSR_IA32_FEATURE_CONTROL);

	if (!(fc & 1))
		wrmsr(MSR_IA32_FEATURE_CONTROL, fc | 1 | 4);
	else if (!(fc & 4))
		return sdm_err_set(err, SDM_EIO, "CPU %u: VMX is disabled by "
				   "the firmware (IA32_FEATURE_CONTROL 0x%lx)",
				   cpu, fc);
	write_cr0((read_cr0() | rdmsr(MSR_IA32_VMX_CR0_FIXED0)) &
		  rdmsr(MSR_IA32_VMX_CR0_FIXED1));
	write_cr4(((read_cr4() | X86_CR4_VMXE) | rdmsr(MSR_IA32_VMX_CR4_FIXED0)) &
		  rdmsr(MSR_IA32_VMX_CR4_FIXED1));

	uint64_t pa = mm_alloc(1);
	bool ok;

	if (pa == 0)
		return sdm_err_set(err, SDM_ENOMEM, "CPU %u: no page for VMXON",
				   cpu);
	*(uint32_t *)mm_va(pa) = (uint32_t)rdmsr(MSR_IA32_VMX_BASIC) & 0x7fffffff;
	__asm__ volatile("vmxon %[pa]; setna %[fail]"
			 : [fail] "=qm"(ok) : [pa] "m"(pa) : "cc", "memory");
	if (ok) /* setna: CF or ZF set = failure */
		return sdm_err_set(err, SDM_EIO, "CPU %u: VMXON failed", cpu);
	vmxon_pa[cpu] = pa;
	return SDM_OK;
}

static void bitmap_set(uint8_t *bm, unsigned bit)
{
	bm[bit / 8] |= (uint8_t)(1u << (bit % 8));
}

static void io_intercept(uint8_t *bm, unsigned port, unsigned n)
{
	for (unsigned i = 0; i < n && port + i < 0x10000; i++)
		bitmap_set(bm, port + i);
}

/* MSR bitmap layout: read low, read high, write low, write high (25.6.9). */
static void msr_intercept(uint32_t msr, bool rd, bool wr)
{
	unsigned off = msr >= 0xc0000000 ? 1024 : 0;
	unsigned bit = msr & 0x1fff;

	if (rd)
		bitmap_set(msr_bitmap + off, bit);
	if (wr)
		bitmap_set(msr_bitmap + 2048 + off, bit);
}

int arch_virt_init(const struct sdm_handoff *ho, struct sdm_err *err)
{
	io_normal_pa = mm_alloc(2);
	io_protected_pa = mm_alloc(2);
	msr_bitmap_pa = mm_alloc(1);
	if (!io_normal_pa || !io_protected_pa || !msr_bitmap_pa)
		return sdm_err_set(err, SDM_ENOMEM, "no pages for VMX bitmaps");
	io_bitmap_normal = mm_va(io_normal_pa);
	io_bitmap_protected = mm_va(io_protected_pa);
	msr_bitmap = mm_va(msr_bitmap_pa);

	/* A protected domain owns no port: every access exits and is refused. */
	memset(io_bitmap_protected, 0xff, 2 * PAGE_SIZE);
	/* The normal domain owns every port but those that would break
	 * isolation or take the machine's power away from dommgr
	 * (docs/isolation.md). */
	io_intercept(io_bitmap_normal, 0xcf9, 1);  /* reset control */
	io_intercept(io_bitmap_normal, 0x64, 1);   /* keyboard controller */
	io_intercept(io_bitmap_normal, 0x8900, 1); /* Bochs shutdown */
	io_intercept(io_bitmap_normal, 0xf4, 4);   /* QEMU isa-debug-exit */
	io_intercept(io_bitmap_normal, 0x2f8, 8);  /* COM2: TPM bridge */
	pm1a_cnt = (uint16_t)ho->platform.pm1a_cnt_port;
	lapic_eoi_pa = ho->platform.lapic_base + XAPIC_EOI;
	pm1b_cnt = (uint16_t)ho->platform.pm1b_cnt_port;
	s5_known = ho->platform.s5_valid;
	s5_typ = ho->platform.s5_slp_typa;
	if (pm1a_cnt)
		io_intercept(io_bitmap_normal, pm1a_cnt, 2);
	if (pm1b_cnt)
		io_intercept(io_bitmap_normal, pm1b_cnt, 2);

	msr_intercept(MSR_IA32_FEATURE_CONTROL, true, true);
	for (uint32_t m = MSR_IA32_VMX_BASIC; m <= 0x491; m++)
		msr_intercept(m, true, true);
	msr_intercept(MSR_IA32_SMM_MONITOR_CTL, true, true);
	msr_intercept(MSR_IA32_APIC_BASE, false, true);
	msr_intercept(MSR_X2APIC_ICR, false, true);
	msr_intercept(0x10, false, true);  /* TSC */
	msr_intercept(0x3b, false, true);  /* TSC_ADJUST */
	msr_intercept(0x79, false, true);  /* BIOS_UPDT_TRIG: microcode */
	msr_intercept(0x1a0, false, true); /* MISC_ENABLE */
	for (uint32_t m = 0x200; m <= 0x20f; m++) /* variable MTRRs */
		msr_intercept(m, false, true);
	msr_intercept(0x250, false, true);
	msr_intercept(0x258, false, true);
	msr_intercept(0x259, false, true);
	for (uint32_t m = 0x268; m <= 0x26f; m++)
		msr_intercept(m, false, true);
	msr_intercept(0x2ff, false, true);
	return SDM_OK;
}

static void inject_exception(unsigned vec, bool has_err, uint32_t code)
{
	vmcs_write32(ENTRY_INTR_INFO, INTR_INFO_VALID | INTR_TYPE_HW_EXC | vec |
				      (has_err ? INTR_ERR_VALID : 0));
	if (has_err)
		vmcs_write32(ENTRY_EXC_ERR_CODE, code);
}

static void skip_insn(void)
{
	vmcs_writen(GUEST_RIP, vmcs_readn(GUEST_RIP) + vmcs_read32(EXIT_INSN_LEN));
	/* Blocking by STI / MOV SS ends with the instruction (24.4.2). */
	vmcs_write32(GUEST_INTERRUPTIBILITY,
		     vmcs_read32(GUEST_INTERRUPTIBILITY) & ~3u);
}

static uint64_t *gpr(struct vcpu *v, unsigned n)
{
	static uint64_t rsp_slot;
	uint64_t *r[16] = { &v->regs.rax, &v->regs.rcx, &v->regs.rdx,
			    &v->regs.rbx, &rsp_slot, &v->regs.rbp,
			    &v->regs.rsi, &v->regs.rdi, &v->regs.r8,
			    &v->regs.r9, &v->regs.r10, &v->regs.r11,
			    &v->regs.r12, &v->regs.r13, &v->regs.r14,
			    &v->regs.r15 };

	if (n == 4) {
		rsp_slot = vmcs_readn(GUEST_RSP);
		return &rsp_slot;
	}
	return r[n & 15];
}

static void guest_state_flat32(struct vcpu *v, const struct arch_boot *b)
{
	uint64_t cr0_want = X86_CR0_PE | (1u << 4); /* PE, ET */
	/* Unrestricted guest: PE and PG may be clear (26.3.1.1). */
	uint64_t f0 = v->cr0_fixed0 & ~(X86_CR0_PE | X86_CR0_PG);

	vmcs_writen(GUEST_CR0, (cr0_want | f0) & v->cr0_fixed1);
	vmcs_writen(CR0_SHADOW, cr0_want);
	vmcs_writen(CR0_MASK, f0 | ~v->cr0_fixed1);
	vmcs_writen(GUEST_CR4, v->cr4_fixed0 & v->cr4_fixed1);
	vmcs_writen(CR4_SHADOW, 0);
	/* VMXE and SMXE exit even where the CPU has them (handle_cr refuses). */
	vmcs_writen(CR4_MASK, v->cr4_fixed0 | ~v->cr4_fixed1 | X86_CR4_VMXE |
			      X86_CR4_SMXE);
	vmcs_writen(GUEST_CR3, 0);
	vmcs_writen(GUEST_DR7, 0x400);
	vmcs_writen(GUEST_RSP, 0);
	vmcs_writen(GUEST_RIP, b->entry);
	vmcs_writen(GUEST_RFLAGS, 0x2);

	static const uint32_t sel[] = { VMCS_GUEST_ES_SEL, VMCS_GUEST_SS_SEL,
					VMCS_GUEST_DS_SEL, VMCS_GUEST_FS_SEL,
					VMCS_GUEST_GS_SEL };
	static const uint32_t lim[] = { VMCS_GUEST_ES_LIMIT, VMCS_GUEST_SS_LIMIT,
					VMCS_GUEST_DS_LIMIT, VMCS_GUEST_FS_LIMIT,
					VMCS_GUEST_GS_LIMIT };
	static const uint32_t ar[] = { VMCS_GUEST_ES_AR, VMCS_GUEST_SS_AR,
				       VMCS_GUEST_DS_AR, VMCS_GUEST_FS_AR,
				       VMCS_GUEST_GS_AR };
	static const uint32_t base[] = { VMCS_GUEST_ES_BASE, VMCS_GUEST_SS_BASE,
					 VMCS_GUEST_DS_BASE, VMCS_GUEST_FS_BASE,
					 VMCS_GUEST_GS_BASE };

	/* Multiboot machine state: flat 4 GiB 32-bit segments. */
	for (unsigned i = 0; i < ARRAY_SIZE(sel); i++) {
		vmcs_write_checked(sel[i], 0x10);
		vmcs_write_checked(lim[i], 0xffffffff);
		vmcs_write_checked(ar[i], 0xc093); /* data RW accessed, G, D/B */
		vmcs_write_checked(base[i], 0);
	}
	vmcs_write16(GUEST_CS_SEL, 0x08);
	vmcs_write32(GUEST_CS_LIMIT, 0xffffffff);
	vmcs_write32(GUEST_CS_AR, 0xc09b); /* code RX accessed, G, D */
	vmcs_writen(GUEST_CS_BASE, 0);
	vmcs_write16(GUEST_TR_SEL, 0);
	vmcs_write32(GUEST_TR_LIMIT, 0xff);
	vmcs_write32(GUEST_TR_AR, 0x8b); /* busy 32-bit TSS */
	vmcs_writen(GUEST_TR_BASE, 0);
	vmcs_write16(GUEST_LDTR_SEL, 0);
	vmcs_write32(GUEST_LDTR_LIMIT, 0);
	vmcs_write32(GUEST_LDTR_AR, 0x10000); /* unusable */
	vmcs_writen(GUEST_LDTR_BASE, 0);
	vmcs_write32(GUEST_GDTR_LIMIT, 0);
	vmcs_writen(GUEST_GDTR_BASE, 0);
	vmcs_write32(GUEST_IDTR_LIMIT, 0);
	vmcs_writen(GUEST_IDTR_BASE, 0);
	vmcs_write32(GUEST_INTERRUPTIBILITY, 0);
	vmcs_write32(GUEST_ACTIVITY, 0);
	vmcs_writen(GUEST_PENDING_DBG, 0);
	vmcs_write64(VMCS_LINK_PTR, ~0ull);
	vmcs_write64(GUEST_DEBUGCTL, 0);
	vmcs_write64(GUEST_PAT, rdmsr(MSR_IA32_PAT));
	vmcs_write64(GUEST_EFER, 0);
	vmcs_write32(GUEST_SYSENTER_CS, 0);
	vmcs_writen(GUEST_SYSENTER_ESP, 0);
	vmcs_writen(GUEST_SYSENTER_EIP, 0);
	memset(&v->regs, 0, sizeof(v->regs));
	v->regs.rax = b->eax;
	v->regs.rbx = b->ebx;
}

extern char vmx_exit[];

static void host_state(struct vcpu *v)
{
	struct __attribute__((packed)) { uint16_t lim; uint64_t base; } gdtr, idtr;
	uint16_t tr;

	__asm__ volatile("sgdt %0" : "=m"(gdtr));
	__asm__ volatile("sidt %0" : "=m"(idtr));
	__asm__ volatile("str %0" : "=r"(tr));
	const uint64_t *gdt = (const uint64_t *)(uintptr_t)gdtr.base;
	uint64_t lo = gdt[tr >> 3], hi = gdt[(tr >> 3) + 1];
	uint64_t tss = ((lo >> 16) & 0xffffff) | (((lo >> 56) & 0xff) << 24) |
		       (hi << 32);

	vmcs_writen(HOST_CR0, read_cr0());
	vmcs_writen(HOST_CR3, read_cr3());
	vmcs_writen(HOST_CR4, read_cr4());
	vmcs_write16(HOST_CS_SEL, 0x08);
	vmcs_write16(HOST_SS_SEL, 0x10);
	vmcs_write16(HOST_DS_SEL, 0x10);
	vmcs_write16(HOST_ES_SEL, 0x10);
	vmcs_write16(HOST_FS_SEL, 0);
	vmcs_write16(HOST_GS_SEL, 0);
	vmcs_write16(HOST_TR_SEL, tr);
	vmcs_writen(HOST_FS_BASE, 0);
	vmcs_writen(HOST_GS_BASE, 0);
	vmcs_writen(HOST_TR_BASE, tss);
	vmcs_writen(HOST_GDTR_BASE, gdtr.base);
	vmcs_writen(HOST_IDTR_BASE, idtr.base);
	vmcs_write32(HOST_SYSENTER_CS, 0);
	vmcs_writen(HOST_SYSENTER_ESP, 0);
	vmcs_writen(HOST_SYSENTER_EIP, 0);
	vmcs_write64(HOST_PAT, rdmsr(MSR_IA32_PAT));
	vmcs_write64(HOST_EFER, rdmsr(MSR_IA32_EFER));
	vmcs_writen(HOST_RIP, (uint64_t)(uintptr_t)vmx_exit);
}

static int controls(struct vcpu *v, struct domain *d, struct sdm_err *err)
{
	bool true_ctls = (rdmsr(MSR_IA32_VMX_BASIC) >> 55) & 1;
	uint32_t pin = 0, proc = 0, proc2 = 0, ex = 0, en = 0;
	int rc;

	rc = ctl_adjust("pin-based",
			true_ctls ? MSR_IA32_VMX_TRUE_PINBASED
				  : MSR_IA32_VMX_PINBASED_CTLS,
			d->kind == DOM_PROTECTED ?
				PIN_NMI_EXITING | PIN_EXT_INT_EXITING : 0,
			&pin, err);
	if (rc == SDM_OK)
		rc = ctl_adjust("processor-based",
				true_ctls ? MSR_IA32_VMX_TRUE_PROCBASED
					  : MSR_IA32_VMX_PROCBASED_CTLS,
				PROC_HLT_EXITING | PROC_USE_IO_BITMAPS |
					PROC_USE_MSR_BITMAPS | PROC_SECONDARY,
				&proc, err);
	if (rc == SDM_OK)
		rc = ctl_adjust("secondary", MSR_IA32_VMX_PROCBASED_CTLS2,
				PROC2_EPT | PROC2_VPID | PROC2_UNRESTRICTED |
					ctl_optional(MSR_IA32_VMX_PROCBASED_CTLS2,
						     PROC2_RDTSCP | PROC2_INVPCID |
							     PROC2_XSAVES),
				&proc2, err);
	if (rc == SDM_OK)
		rc = ctl_adjust("VM-exit",
				true_ctls ? MSR_IA32_VMX_TRUE_EXIT
					  : MSR_IA32_VMX_EXIT_CTLS,
				EXIT_HOST_64 | EXIT_SAVE_PAT | EXIT_LOAD_PAT |
					EXIT_SAVE_EFER | EXIT_LOAD_EFER |
					(d->kind == DOM_PROTECTED ? EXIT_ACK_INTR : 0),
				&ex, err);
	if (rc == SDM_OK)
		rc = ctl_adjust("VM-entry",
				true_ctls ? MSR_IA32_VMX_TRUE_ENTRY
					  : MSR_IA32_VMX_ENTRY_CTLS,
				ENTRY_LOAD_PAT | ENTRY_LOAD_EFER, &en, err);
	if (rc != SDM_OK)
		return rc;
	vmcs_write32(PIN_CTLS, pin);
	vmcs_write32(PROC_CTLS, proc);
	vmcs_write32(PROC_CTLS2, proc2);
	vmcs_write32(EXIT_CTLS, ex);
	vmcs_write32(ENTRY_CTLS, en);
	vmcs_write32(EXCEPTION_BITMAP, 0);
	vmcs_write32(PF_ERR_MASK, 0);
	vmcs_write32(PF_ERR_MATCH, 0);
	vmcs_write32(CR3_TARGET_COUNT, 0);
	vmcs_write32(EXIT_MSR_STORE_COUNT, 0);
	vmcs_write32(EXIT_MSR_LOAD_COUNT, 0);
	vmcs_write32(ENTRY_MSR_LOAD_COUNT, 0);
	vmcs_write32(ENTRY_INTR_INFO, 0);
	uint64_t io = d->kind == DOM_PROTECTED ? io_protected_pa : io_normal_pa;

	vmcs_write64(IO_BITMAP_A, io);
	vmcs_write64(IO_BITMAP_B, io + PAGE_SIZE);
	vmcs_write64(MSR_BITMAP, msr_bitmap_pa);
	/* EPTP: WB paging structures, 4-level walk (25.6.11). */
	vmcs_write64(EPT_POINTER, d->ept.root_pa | 6 | (3 << 3));
	vmcs_write16(VPID, v->cpu + 1);
	return SDM_OK;
}


/*
 * Why did VM entry fail? The CPU reports only "invalid guest state" (exit
 * reason 33) or an instruction error; this walks the checks of SDM vol. 3,
 * 26.2 and 26.3.1 that dommgr's own settings could break and names the
 * first one that fails.
 */
static void check_bits(const char *what, uint64_t v, uint64_t f0, uint64_t f1,
		       bool *bad)
{
	if (*bad)
		return;
	if ((v & f0) != f0)
		pr_err("entry check failed: %s 0x%lx lacks fixed-1 bits 0x%lx",
		       what, v, f0 & ~v);
	else if (v & ~f1)
		pr_err("entry check failed: %s 0x%lx has fixed-0 bits 0x%lx set",
		       what, v, v & ~f1);
	else
		return;
	*bad = true;
}

static void check_ctl(const char *what, uint32_t msr, uint32_t v, bool *bad)
{
	uint64_t cap = rdmsr(msr);

	check_bits(what, v, (uint32_t)cap, cap >> 32, bad);
}

static void check(bool ok, const char *msg, uint64_t v, bool *bad)
{
	if (*bad || ok)
		return;
	pr_err("entry check failed: %s (0x%lx)", msg, v);
	*bad = true;
}

static void diagnose_entry(const struct vcpu *v)
{
	bool t = (rdmsr(MSR_IA32_VMX_BASIC) >> 55) & 1, bad = false;
	uint32_t proc2 = vmcs_read32(PROC_CTLS2), entry = vmcs_read32(ENTRY_CTLS);
	uint64_t cr0 = vmcs_readn(GUEST_CR0), f0 = v->cr0_fixed0;
	uint32_t cs_ar = vmcs_read32(GUEST_CS_AR), tr_ar = vmcs_read32(GUEST_TR_AR);
	uint64_t rflags = vmcs_readn(GUEST_RFLAGS);

	check_ctl("pin-based controls", t ? MSR_IA32_VMX_TRUE_PINBASED
					  : MSR_IA32_VMX_PINBASED_CTLS,
		  vmcs_read32(PIN_CTLS), &bad);
	check_ctl("processor-based controls", t ? MSR_IA32_VMX_TRUE_PROCBASED
						: MSR_IA32_VMX_PROCBASED_CTLS,
		  vmcs_read32(PROC_CTLS), &bad);
	check_ctl("secondary controls", MSR_IA32_VMX_PROCBASED_CTLS2, proc2, &bad);
	check_ctl("VM-exit controls", t ? MSR_IA32_VMX_TRUE_EXIT
					: MSR_IA32_VMX_EXIT_CTLS,
		  vmcs_read32(EXIT_CTLS), &bad);
	check_ctl("VM-entry controls", t ? MSR_IA32_VMX_TRUE_ENTRY
					 : MSR_IA32_VMX_ENTRY_CTLS, entry, &bad);
	check_bits("host CR0", vmcs_readn(HOST_CR0), v->cr0_fixed0, v->cr0_fixed1,
		   &bad);
	check_bits("host CR4", vmcs_readn(HOST_CR4), v->cr4_fixed0, v->cr4_fixed1,
		   &bad);
	check(vmcs_read16(HOST_TR_SEL) != 0 &&
	      !(vmcs_read16(HOST_TR_SEL) & 7) && !(vmcs_read16(HOST_CS_SEL) & 7),
	      "host CS/TR selector: TR null, or RPL/TI set (26.2.3)",
	      vmcs_read16(HOST_TR_SEL), &bad);
	if (proc2 & PROC2_UNRESTRICTED)
		f0 &= ~(X86_CR0_PE | X86_CR0_PG);
	check_bits("guest CR0", cr0, f0, v->cr0_fixed1, &bad);
	check(!(cr0 & X86_CR0_PG) || (cr0 & X86_CR0_PE),
	      "guest CR0.PG set without PE (26.3.1.1)", cr0, &bad);
	check_bits("guest CR4", vmcs_readn(GUEST_CR4), v->cr4_fixed0,
		   v->cr4_fixed1, &bad);
	check(!!(vmcs_read64(GUEST_EFER) & (1u << 10)) ==
	      !!(entry & ENTRY_IA32E_GUEST),
	      "guest EFER.LMA differs from the IA-32e mode guest control",
	      vmcs_read64(GUEST_EFER), &bad);
	check((rflags & 2) && !(rflags & 0xffffffffffc08028ull),
	      "guest RFLAGS reserved bits (bit 1 must be 1; 3, 5, 15, 22-63 0)",
	      rflags, &bad);
	check((cs_ar & 0x80) && (cs_ar & 8) && !(cs_ar & 0x10000),
	      "guest CS access rights: not a present, usable code segment",
	      cs_ar, &bad);
	check((tr_ar & 0x80) && ((tr_ar & 0xf) == 3 || (tr_ar & 0xf) == 11) &&
	      !(tr_ar & 0x10000),
	      "guest TR access rights: not a present busy TSS (26.3.1.2)",
	      tr_ar, &bad);
	check((vmcs_read32(GUEST_LDTR_AR) & 0x10000) ||
	      (vmcs_read32(GUEST_LDTR_AR) & 0x8f) == 0x82,
	      "guest LDTR: usable but not a present LDT",
	      vmcs_read32(GUEST_LDTR_AR), &bad);
	check(vmcs_read32(GUEST_GDTR_LIMIT) <= 0xffff &&
	      vmcs_read32(GUEST_IDTR_LIMIT) <= 0xffff,
	      "guest GDTR/IDTR limit above 0xffff", vmcs_read32(GUEST_GDTR_LIMIT),
	      &bad);
	check(vmcs_read32(GUEST_ACTIVITY) <= 3, "guest activity state",
	      vmcs_read32(GUEST_ACTIVITY), &bad);
	check(vmcs_read64(VMCS_LINK_PTR) == ~0ull,
	      "VMCS link pointer is not all ones (26.3.1.5)",
	      vmcs_read64(VMCS_LINK_PTR), &bad);
	if (!bad)
		pr_err("entry checks: none of dommgr's checks failed; the "
		       "emulator's log names the one that did");
}

/*
 * Before a VMCS first runs on this CPU: nothing cached for its EPT or its
 * VPID may survive from an earlier user of the same EPTP or VPID (SDM
 * vol. 3, 29.4.3). Single-context where the CPU has it, else global.
 */
static void flush_tlbs(uint64_t eptp, uint16_t vpid)
{
	uint64_t cap = rdmsr(MSR_IA32_VMX_EPT_VPID_CAP);
	struct { uint64_t eptp, zero; } ed = { eptp, 0 };
	struct { uint64_t vpid, addr; } vd = { vpid, 0 };
	uint64_t et = (cap >> 25) & 1 ? 1 : 2, vt = (cap >> 41) & 1 ? 1 : 2;
	bool fail = false;

	if ((cap >> 20) & 1)
		__asm__ volatile("invept %[d], %[t]; setna %[f]"
				 : [f] "=qm"(fail) : [d] "m"(ed), [t] "r"(et)
				 : "cc", "memory");
	if (!fail && ((cap >> 32) & 1))
		__asm__ volatile("invvpid %[d], %[t]; setna %[f]"
				 : [f] "=qm"(fail) : [d] "m"(vd), [t] "r"(vt)
				 : "cc", "memory");
	if (fail)
		pr_warn("INVEPT/INVVPID failed (error %u)", insn_error());
}

static const char *exit_name(unsigned r)
{
	static const char *const names[] = {
		[0] = "exception/NMI", [1] = "external interrupt",
		[2] = "triple fault", [3] = "INIT", [4] = "SIPI",
		[9] = "task switch", [10] = "CPUID", [11] = "GETSEC",
		[12] = "HLT", [13] = "INVD", [18] = "VMCALL",
		[19] = "VMCLEAR", [20] = "VMLAUNCH", [21] = "VMPTRLD",
		[22] = "VMPTRST", [23] = "VMREAD", [24] = "VMRESUME",
		[25] = "VMWRITE", [26] = "VMXOFF", [27] = "VMXON",
		[28] = "CR access", [30] = "I/O", [31] = "RDMSR",
		[32] = "WRMSR", [33] = "entry failure (guest state)",
		[34] = "entry failure (MSR loading)",
		[41] = "entry failure (machine check)",
		[48] = "EPT violation", [49] = "EPT misconfiguration",
		[50] = "INVEPT", [53] = "INVVPID", [54] = "WBINVD",
		[55] = "XSETBV", [59] = "VMFUNC",
	};

	return r < ARRAY_SIZE(names) && names[r] ? names[r] : "other";
}

/* Results of an exit handler. */
enum { RESUME, STOP };

static int handle_cpuid(struct vcpu *v)
{
	uint32_t leaf = (uint32_t)v->regs.rax, sub = (uint32_t)v->regs.rcx;
	uint32_t a, b, c, d;

	if (leaf == 0x40000000) {
		/* Hypervisor leaf: max leaf and "SDMdommgr" (docs/hypercalls.md). */
		a = 0x40000001;
		memcpy(&b, "SDMd", 4);
		memcpy(&c, "ommg", 4);
		memcpy(&d, "r\0\0\0", 4);
	} else if (leaf == 0x40000001) {
		a = 1; /* hypercall ABI version */
		b = c = d = 0;
	} else {
		cpuid(leaf, sub, &a, &b, &c, &d);
		if (leaf == 1) {
			c &= ~((1u << 5) | (1u << 6)); /* VMX, SMX hidden */
			c |= 1u << 31;                 /* hypervisor present */
		}
	}
	v->regs.rax = a;
	v->regs.rbx = b;
	v->regs.rcx = c;
	v->regs.rdx = d;
	skip_insn();
	return RESUME;
}

static int handle_msr(struct vcpu *v, bool wr)
{
	uint32_t msr = (uint32_t)v->regs.rcx;
	uint64_t val = (v->regs.rdx << 32) | (uint32_t)v->regs.rax;
	struct domain *d = v->dom;

	if (msr == MSR_IA32_FEATURE_CONTROL && !wr) {
		val = 1; /* locked, VMX off: the guest sees no VMX */
	} else if (msr == MSR_IA32_FEATURE_CONTROL ||
		   (msr >= MSR_IA32_VMX_BASIC && msr <= 0x491) ||
		   msr == MSR_IA32_SMM_MONITOR_CTL) {
		pr_warn("domain '%s': %s of MSR 0x%x refused (#GP)", d->name,
			wr ? "write" : "read", msr);
		inject_exception(VEC_GP, true, 0);
		return RESUME;
	} else if (msr == MSR_IA32_APIC_BASE) {
		uint64_t cur = rdmsr(MSR_IA32_APIC_BASE);

		if ((val ^ cur) & PTE_ADDR_MASK) {
			pr_warn("domain '%s': APIC relocation to 0x%lx refused "
				"(#GP)", d->name, (uint64_t)(val & PTE_ADDR_MASK));
			inject_exception(VEC_GP, true, 0);
			return RESUME;
		}
		if (!wrmsr_safe(msr, val)) { /* e.g. reserved bits: the CPU's #GP */
			inject_exception(VEC_GP, true, 0);
			return RESUME;
		}
	} else if (msr == MSR_X2APIC_ICR) {
		/* An IPI may only reach CPUs of the sender's own domain. */
		uint32_t dest = (uint32_t)(val >> 32);
		unsigned shorthand = (unsigned)(val >> 18) & 3;
		int cpu = dommgr_cpu_index(dest);

		if (shorthand >= 2 || (shorthand == 0 &&
				       (cpu < 0 || !(d->cpus & (1ull << cpu))))) {
			d->blocked_ipis++;
			pr_warn("domain '%s': IPI (delivery mode %u) to APIC %u "
				"blocked: not its CPU", d->name,
				(unsigned)(val >> 8) & 7, dest);
			skip_insn();
			return RESUME;
		}
		/* Not in x2APIC mode, or reserved bits: the CPU's #GP. */
		if (!wrmsr_safe(msr, val)) {
			inject_exception(VEC_GP, true, 0);
			return RESUME;
		}
	} else if (wr) {
		/* TSC, microcode, MTRRs, MISC_ENABLE: machine-wide; ignored. */
		pr_debug("domain '%s': write of MSR 0x%x ignored", d->name, msr);
	} else {
		val = rdmsr(msr);
	}
	if (!wr) {
		v->regs.rax = (uint32_t)val;
		v->regs.rdx = val >> 32;
	}
	skip_insn();
	return RESUME;
}

static int handle_io(struct vcpu *v)
{
	uint64_t q = vmcs_readn(EXIT_QUAL);
	unsigned size = (unsigned)(q & 7) + 1, port = (unsigned)(q >> 16);
	bool in = (q >> 3) & 1, str = (q >> 4) & 1;
	uint32_t val = (uint32_t)v->regs.rax;
	struct domain *d = v->dom;

	d->exits[EXIT_IO]++;
	if (str) {
		pr_warn("domain '%s': string I/O on port 0x%x refused", d->name,
			port);
		inject_exception(VEC_GP, true, 0);
		return RESUME;
	}
	if (d->kind == DOM_PROTECTED || (port >= 0x2f8 && port < 0x300)) {
		if (in)
			v->regs.rax = (v->regs.rax & ~0xffffffffull) |
				      (size == 4 ? 0xffffffffu : (1u << (8 * size)) - 1);
		skip_insn();
		return RESUME;
	}
	if (!in) {
		if (port == 0xcf9 && (val & 4))
			dommgr_system_event(SYS_RESET, d, "reset through port 0xcf9");
		if (port == 0x64 && (uint8_t)val == 0xfe)
			dommgr_system_event(SYS_RESET, d, "keyboard controller reset");
		if (port == 0xf4)
			dommgr_system_event(SYS_POWEROFF, d, "QEMU debug exit port");
		if (port == 0x8900) {
			static const char seq[] = "Shutdown";

			v->shutdown_seq = (uint8_t)val == (uint8_t)seq[v->shutdown_seq]
						  ? v->shutdown_seq + 1 : 0;
			if (v->shutdown_seq == 8)
				dommgr_system_event(SYS_POWEROFF, d,
						    "Bochs shutdown port");
			skip_insn();
			return RESUME;
		}
		if ((port == pm1a_cnt || port == pm1b_cnt) && (val & (1u << 13))) {
			if (s5_known && ((val >> 10) & 7) == s5_typ)
				dommgr_system_event(SYS_POWEROFF, d,
						    "ACPI S5 (soft off)");
			pr_warn("domain '%s': ACPI sleep type %u refused", d->name,
				(val >> 10) & 7);
			skip_insn();
			return RESUME;
		}
		if (size == 1)
			outb((uint16_t)port, (uint8_t)val);
		else if (size == 2)
			outw((uint16_t)port, (uint16_t)val);
		else
			outl((uint16_t)port, val);
	} else {
		uint32_t r;

		if (size == 1)
			r = inb((uint16_t)port);
		else if (size == 2)
			__asm__ volatile("inw %1, %w0" : "=a"(r) : "Nd"((uint16_t)port));
		else
			__asm__ volatile("inl %1, %0" : "=a"(r) : "Nd"((uint16_t)port));
		uint64_t mask = size == 4 ? 0xffffffffull : (1ull << (8 * size)) - 1;

		v->regs.rax = (v->regs.rax & ~mask) | (r & mask);
	}
	skip_insn();
	return RESUME;
}

static void load_pdptes(struct vcpu *v)
{
	uint64_t cr0 = vmcs_readn(GUEST_CR0), cr4 = vmcs_readn(GUEST_CR4);
	uint64_t efer = vmcs_read64(GUEST_EFER), hpa;

	if (!(cr0 & X86_CR0_PG) || !(cr4 & X86_CR4_PAE) || (efer & (1u << 10)))
		return;
	uint64_t gpa = vmcs_readn(GUEST_CR3) & 0xffffffe0ull;
	const uint64_t *p;

	if (!domain_gpa_to_hpa(v->dom, gpa, 32, &hpa) ||
	    (p = phys_map(hpa, 32)) == NULL) {
		dommgr_domain_stop(v->dom, "PAE page-directory pointers at 0x%lx "
				   "are outside its memory", gpa);
		return;
	}
	vmcs_write64(GUEST_PDPTE0, p[0]);
	vmcs_write64(GUEST_PDPTE1, p[1]);
	vmcs_write64(GUEST_PDPTE2, p[2]);
	vmcs_write64(GUEST_PDPTE3, p[3]);
}

/* What the guest reads from CR0/CR4: the read shadow in the bits dommgr
 * owns (guest/host mask), the register elsewhere (SDM vol. 3C 25.6.6). */
static uint64_t cr_view(uint64_t real, uint64_t mask, uint64_t shadow)
{
	return (real & ~mask) | (shadow & mask);
}

/*
 * MOV to CR0/CR4, CLTS, LMSW that changed a bit dommgr owns. The VM exit
 * comes before the CPU's own checks, so dommgr makes them: a value the CPU
 * would refuse gets #GP(0) in the guest, with the instruction not done
 * (x86_cr0_check, x86_cr4_check: SDM vol. 2B, MOV to CR).
 */
static int handle_cr(struct vcpu *v)
{
	uint64_t q = vmcs_readn(EXIT_QUAL);
	unsigned cr = q & 15, type = (q >> 4) & 3;
	struct x86_cr_state s = {
		.cr0 = cr_view(vmcs_readn(GUEST_CR0), vmcs_readn(CR0_MASK),
			       vmcs_readn(CR0_SHADOW)),
		.cr3 = vmcs_readn(GUEST_CR3),
		.cr4 = cr_view(vmcs_readn(GUEST_CR4), vmcs_readn(CR4_MASK),
			       vmcs_readn(CR4_SHADOW)),
		.efer = vmcs_read64(GUEST_EFER),
		.cr4_fixed1 = v->cr4_fixed1,
	};
	uint64_t val;
	const char *why;

	s.ia32e = (s.efer & EFER_LMA) != 0;
	s.cs_l = s.ia32e && (vmcs_read32(GUEST_CS_AR) & (1u << 13));
	if (type == 0) {
		val = *gpr(v, (q >> 8) & 15);
		/* Outside 64-bit mode the source is a 32-bit register. */
		if (!s.cs_l)
			val = (uint32_t)val;
	} else if (type == 2) { /* CLTS */
		val = s.cr0 & ~X86_CR0_TS;
		cr = 0;
	} else if (type == 3) { /* LMSW: bits 0-3; can set PE, not clear it */
		val = (s.cr0 & ~(X86_CR0_MP | X86_CR0_EM | X86_CR0_TS)) |
		      ((q >> 16) & 0xf);
		cr = 0;
	} else {
		dommgr_domain_stop(v->dom, "unexpected MOV from CR%u exit", cr);
		return STOP;
	}
	if (cr != 0 && cr != 4) {
		dommgr_domain_stop(v->dom, "unexpected MOV to CR%u exit", cr);
		return STOP;
	}
	why = cr == 0 ? x86_cr0_check(&s, val) : x86_cr4_check(&s, val);
	if (why != NULL) {
		pr_debug("domain '%s': MOV to CR%u of 0x%lx refused (#GP): %s",
			 v->dom->name, cr, val, why);
		inject_exception(VEC_GP, true, 0);
		return RESUME;
	}
	if (cr == 0) {
		uint64_t f0 = v->cr0_fixed0 & ~(X86_CR0_PE | X86_CR0_PG);
		uint64_t efer = s.efer;
		uint32_t en = vmcs_read32(ENTRY_CTLS);

		val = x86_cr0_value(val); /* reserved bits ignored */
		vmcs_writen(GUEST_CR0, (val | f0) & v->cr0_fixed1);
		vmcs_writen(CR0_SHADOW, val);
		/* Paging on with EFER.LME: long mode becomes active (LMA). */
		if ((val & X86_CR0_PG) && (efer & EFER_LME)) {
			efer |= EFER_LMA;
			en |= ENTRY_IA32E_GUEST;
		} else {
			efer &= ~EFER_LMA;
			en &= ~ENTRY_IA32E_GUEST;
		}
		vmcs_write64(GUEST_EFER, efer);
		vmcs_write32(ENTRY_CTLS, en);
	} else {
		vmcs_writen(GUEST_CR4, (val | v->cr4_fixed0) & v->cr4_fixed1);
		vmcs_writen(CR4_SHADOW, val);
	}
	load_pdptes(v);
	skip_insn();
	return v->dom->state == DOM_STOPPED ? STOP : RESUME;
}

static int handle_xsetbv(struct vcpu *v)
{
	uint32_t a, b, c, d;
	uint64_t val = (v->regs.rdx << 32) | (uint32_t)v->regs.rax;

	cpuid(0xd, 0, &a, &b, &c, &d);
	uint64_t supported = ((uint64_t)d << 32) | a;

	/* XCR0 rules (SDM vol. 1, 13.3): x87 set, AVX needs SSE, known bits. */
	if ((uint32_t)v->regs.rcx != 0 || !(val & 1) || (val & ~supported) ||
	    ((val & 4) && !(val & 2)) || !(read_cr4() & (1u << 18))) {
		inject_exception(VEC_GP, true, 0);
		return RESUME;
	}
	__asm__ volatile("xsetbv" : : "c"(0), "a"((uint32_t)val),
			 "d"((uint32_t)(val >> 32)));
	skip_insn();
	return RESUME;
}

static int handle_ept_violation(struct vcpu *v)
{
	uint64_t q = vmcs_readn(EXIT_QUAL), gpa = vmcs_read64(GUEST_PHYS_ADDR);

	dommgr_domain_stop(v->dom, "EPT violation: %s%s%s at guest-physical "
			   "0x%lx (RIP 0x%lx), not its memory",
			   (q & 1) ? "read" : "", (q & 2) ? "write" : "",
			   (q & 4) ? "fetch" : "", gpa, vmcs_readn(GUEST_RIP));
	return STOP;
}

static int handle_exit(struct vcpu *v, unsigned reason)
{
	struct domain *d = v->dom;

	switch (reason) {
	case EXIT_CPUID:
		return handle_cpuid(v);
	case EXIT_RDMSR:
		return handle_msr(v, false);
	case EXIT_WRMSR:
		return handle_msr(v, true);
	case EXIT_IO:
		return handle_io(v);
	case EXIT_CR_ACCESS:
		return handle_cr(v);
	case EXIT_XSETBV:
		return handle_xsetbv(v);
	case EXIT_HLT:
		skip_insn();
		vmcs_write32(GUEST_ACTIVITY, ACTIVITY_HLT);
		return RESUME;
	case EXIT_INVD:
		__asm__ volatile("wbinvd" ::: "memory");
		skip_insn();
		return RESUME;
	case EXIT_VMCALL: {
		/* Outside 64-bit mode only the low halves are the guest's. */
		uint64_t m = (vmcs_read32(GUEST_CS_AR) & (1u << 13)) ? ~0ull
								     : 0xffffffffull;

		v->regs.rax = hypercall(d, v->regs.rax & m, v->regs.rbx & m,
					v->regs.rcx & m, v->regs.rdx & m) & m;
		skip_insn();
		return d->state == DOM_STOPPED ? STOP : RESUME;
	}
	case EXIT_GETSEC:
	case EXIT_VMCLEAR ... EXIT_VMXON:
	case EXIT_INVEPT:
	case EXIT_INVVPID:
	case EXIT_VMFUNC:
		inject_exception(VEC_UD, false, 0);
		return RESUME;
	case EXIT_EPT_VIOLATION:
		return handle_ept_violation(v);
	case EXIT_EPT_MISCONFIG:
		pr_err("FATAL: EPT misconfiguration at 0x%lx in domain '%s'",
		       vmcs_read64(GUEST_PHYS_ADDR), d->name);
		dommgr_system_event(SYS_POWEROFF, NULL, "dommgr invariant broken");
	case EXIT_TRIPLE_FAULT:
		dommgr_domain_stop(d, "triple fault at RIP 0x%lx",
				   vmcs_readn(GUEST_RIP));
		return STOP;
	case EXIT_INIT:
		/* INIT to a CPU dommgr gave away: its domain keeps running. */
		pr_warn("domain '%s': INIT signal ignored", d->name);
		return RESUME;
	case EXIT_SIPI:
		return RESUME;
	case EXIT_EXT_INT:
		/*
		 * An interrupt on a protected CPU (a device's MSI or I/O APIC
		 * message, sent by the normal domain's devices): acknowledged
		 * on exit, ended here, never delivered (docs/dma-protection.md).
		 */
		if (rdmsr(MSR_IA32_APIC_BASE) & APIC_BASE_X2APIC)
			wrmsr(MSR_X2APIC_EOI, 0);
		else
			mmio_write32(lapic_eoi_pa, 0);
		if (d->blocked_irqs++ < 4)
			pr_warn("domain '%s': interrupt vector %u blocked (no "
				"external interrupt reaches a protected domain)",
				d->name, vmcs_read32(EXIT_INTR_INFO) & 0xff);
		return RESUME;
	case EXIT_EXCEPTION_NMI:
		if (dommgr_stopping) {
			dommgr_domain_stop(d, "machine is stopping");
			return STOP;
		}
		return RESUME;
	default:
		dommgr_domain_stop(d, "unhandled VM exit %u (%s) at RIP 0x%lx",
				   reason, exit_name(reason),
				   vmcs_readn(GUEST_RIP));
		return STOP;
	}
}

static struct vcpu vcpus[ARCH_MAX_CPUS];

void arch_run_domain(unsigned cpu, struct domain *d, const struct arch_boot *boot)
{
	struct vcpu *v = &vcpus[cpu % ARCH_MAX_CPUS];
	struct sdm_err err = { 0 };
	bool fail;

	v->cpu = cpu;
	v->dom = d;
	v->vmcs_pa = mm_alloc(1);
	if (v->vmcs_pa == 0) {
		dommgr_domain_stop(d, "no page for its VMCS");
		return;
	}
	*(uint32_t *)mm_va(v->vmcs_pa) =
		(uint32_t)rdmsr(MSR_IA32_VMX_BASIC) & 0x7fffffff;
	__asm__ volatile("vmclear %[pa]; setna %[f]"
			 : [f] "=qm"(fail) : [pa] "m"(v->vmcs_pa) : "cc", "memory");
	if (!fail)
		__asm__ volatile("vmptrld %[pa]; setna %[f]"
				 : [f] "=qm"(fail) : [pa] "m"(v->vmcs_pa)
				 : "cc", "memory");
	if (fail) {
		dommgr_domain_stop(d, "VMCLEAR/VMPTRLD failed (error %u)",
				   insn_error());
		return;
	}
	v->cr0_fixed0 = rdmsr(MSR_IA32_VMX_CR0_FIXED0);
	v->cr0_fixed1 = rdmsr(MSR_IA32_VMX_CR0_FIXED1);
	v->cr4_fixed0 = rdmsr(MSR_IA32_VMX_CR4_FIXED0);
	v->cr4_fixed1 = rdmsr(MSR_IA32_VMX_CR4_FIXED1);
	if (controls(v, d, &err) != SDM_OK) {
		dommgr_domain_stop(d, "%s", err.msg);
		return;
	}
	host_state(v);
	guest_state_flat32(v, boot);
	flush_tlbs(vmcs_read64(EPT_POINTER), (uint16_t)(v->cpu + 1));
	d->state = DOM_RUNNING;
	pr_info("domain '%s' (%s) starting on CPU %u at 0x%x", d->name,
		dom_kind_name(d->kind), v->cpu, boot->entry);
	log_flush(); /* a guest that resets the UART must not eat our line */

	dommgr_test_vmcs_hook(d);
	for (;;) {
		if (vmx_enter(&v->regs, v->launched) != 0) {
			uint32_t e = insn_error();

			pr_err("domain '%s': VM%s failed: VM-instruction error %u "
			       "(%s)", d->name, v->launched ? "RESUME" : "LAUNCH",
			       e, insn_error_name(e));
			diagnose_entry(v);
			if (handoff_loglevel_debug())
				vmcs_dump();
			dommgr_domain_stop(d, "VM entry failed");
			return;
		}
		v->launched = true;
		uint32_t r = vmcs_read32(EXIT_REASON);
		unsigned basic = r & 0xffff;

		if (r & (1u << 31)) {
			pr_err("domain '%s': VM entry failed: exit reason %u (%s), "
			       "qualification 0x%lx", d->name, basic,
			       exit_name(basic), vmcs_readn(EXIT_QUAL));
			diagnose_entry(v);
			if (handoff_loglevel_debug())
				vmcs_dump();
			dommgr_domain_stop(d, "VM entry failed");
			return;
		}
		if (basic < DOM_EXIT_REASONS)
			d->exits[basic]++;
		if (handle_exit(v, basic) == STOP || d->state == DOM_STOPPED)
			return;
		/* An NMI that came while this CPU was in dommgr is not lost. */
		if (dommgr_stopping && d->kind == DOM_PROTECTED) {
			dommgr_domain_stop(d, "machine is stopping");
			return;
		}
	}
}

void arch_reset(const struct sdm_handoff *ho)
{
	const struct sdm_ho_platform *p = &ho->platform;

	log_flush();
	/* The FADT's reset register when it is an I/O port, then 0xcf9. */
	if (p->reset_valid && p->reset_space == 1 && p->reset_addr <= 0xffff)
		outb((uint16_t)p->reset_addr, p->reset_value);
	outb(0xcf9, 0x02);
	outb(0xcf9, 0x06);
	outb(0x64, 0xfe);
}
