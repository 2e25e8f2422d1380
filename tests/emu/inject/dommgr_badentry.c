/*
 * Test variant of dommgr (build/test/dommgr-badentry.elf): break the
 * normal domain's guest state before its first VM entry (clear CR0.NE,
 * a fixed-1 bit). The entry must fail, dommgr must name the check, stop
 * only that domain, and the protected domain must run on.
 */
#include <sdm/log.h>
#include "dommgr/arch/x86/vmcs.h"
#include "dommgr/dommgr.h"
#include "dommgr/domain.h"

void dommgr_test_vmcs_hook(struct domain *d)
{
	if (d->kind != DOM_NORMAL)
		return;
	pr_info("test: clearing CR0.NE in domain '%s' before VM entry", d->name);
	vmcs_writen(GUEST_CR0, vmcs_readn(GUEST_CR0) & ~(1ull << 5));
}
