/* dommgr's VT-d glue on x86 (dommgr/arch/x86/vtd.c), for its self-test. */
#ifndef DOMMGR_ARCH_X86_VTD_H
#define DOMMGR_ARCH_X86_VTD_H
#include "dommgr/iommu.h"

/*
 * Read the DMAR (at the handoff's dmar_pa, checked against the handoff's
 * units) and probe every unit, once. SDM_ENOENT when there is no IOMMU.
 */
int vtd_setup_units(const struct sdm_handoff *ho, struct sdm_err *err);
/* Poll faults (t: whose counters; NULL before the domains exist). */
unsigned vtd_poll(struct domain_table *t, struct vtd_fault *last);

#endif
