/*
 * Processor identification and VMX capabilities (Intel SDM vol. 3,
 * appendix A "VMX Capability Reporting Facility"). VMX MSRs are read only
 * when CPUID reports VMX: otherwise RDMSR would fault.
 */
#include <string.h>
#include <sdm/arch/x86.h>
#include "dommgr/arch.h"

#define FC_LOCKED (1ull << 0)
#define FC_VMX_OUTSIDE_SMX (1ull << 2)
#define PROC_SECONDARY (1ull << 31)   /* primary proc-based bit 31 */
#define PROC2_EPT (1ull << 1)
#define PROC2_VPID (1ull << 5)
#define PROC2_UNRESTRICTED (1ull << 7)

void arch_cpu_caps(struct cpu_caps *c)
{
	uint32_t a, b, cx, d;

	memset(c, 0, sizeof(*c));
	cpuid(0, 0, &a, &b, &cx, &d);
	memcpy(c->vendor, &b, 4);
	memcpy(c->vendor + 4, &d, 4);
	memcpy(c->vendor + 8, &cx, 4);
	cpuid(1, 0, &a, &b, &cx, &d);
	c->stepping = a & 0xf;
	c->model = ((a >> 4) & 0xf) | (((a >> 16) & 0xf) << 4);
	c->family = ((a >> 8) & 0xf) + (((a >> 8) & 0xf) == 0xf ? (a >> 20) & 0xff : 0);
	c->vmx = (cx >> 5) & 1;
	c->smx = (cx >> 6) & 1;
	cpuid(0x80000001, 0, &a, &b, &cx, &d);
	c->nx = (d >> 20) & 1;
	if (!c->vmx)
		return;

	uint64_t fc = rdmsr(MSR_IA32_FEATURE_CONTROL);

	c->vmx_bios_off = (fc & FC_LOCKED) && !(fc & FC_VMX_OUTSIDE_SMX);

	uint64_t basic = rdmsr(MSR_IA32_VMX_BASIC);

	c->vmcs_revision = (uint32_t)basic & 0x7fffffff;
	c->true_ctls = (basic >> 55) & 1;
	/* Allowed-1 settings are the high 32 bits (appendix A.3.2). */
	if (!((rdmsr(MSR_IA32_VMX_PROCBASED_CTLS) >> 32) & PROC_SECONDARY))
		return;

	uint64_t p2 = rdmsr(MSR_IA32_VMX_PROCBASED_CTLS2) >> 32;

	c->ept = p2 & PROC2_EPT;
	c->vpid = p2 & PROC2_VPID;
	c->unrestricted = p2 & PROC2_UNRESTRICTED;
	if (!c->ept && !c->vpid)
		return;

	/* Appendix A.10 "VPID and EPT Capabilities". */
	uint64_t ev = rdmsr(MSR_IA32_VMX_EPT_VPID_CAP);

	c->ept_4level = (ev >> 6) & 1;
	c->ept_wb = (ev >> 14) & 1;
	c->ept_2m = (ev >> 16) & 1;
	c->ept_1g = (ev >> 17) & 1;
	c->invept = (ev >> 20) & 1;
	c->ept_ad = (ev >> 21) & 1;
	c->invvpid = (ev >> 32) & 1;
}
