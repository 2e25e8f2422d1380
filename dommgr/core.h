/* Services of dommgr's core that the architecture's exit handlers call. */
#ifndef DOMMGR_CORE_H
#define DOMMGR_CORE_H
#include "dommgr/domain.h"

enum sys_event { SYS_POWEROFF, SYS_RESET };

/* Stop one domain (its CPU parks); the rest of the machine runs on. */
void dommgr_domain_stop(struct domain *d, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));
/*
 * The normal domain asked to power off or reset the machine: stop the
 * protected domains, scrub their memory and dommgr's secrets, then do it.
 */
__attribute__((noreturn)) void dommgr_system_event(enum sys_event ev,
						   struct domain *from,
						   const char *how);
/* VMCALL: RAX = number, RBX/RCX/RDX = arguments; returns RAX. */
uint64_t hypercall(struct domain *d, uint64_t nr, uint64_t a1, uint64_t a2,
		   uint64_t a3);
/* CPU index of an APIC ID in the handoff's platform.apic_ids, or -1. */
int dommgr_cpu_index(uint32_t apic_id);
/* The domain table (dommgr/main.c). */
struct domain_table *dommgr_domains(void);
const struct sdm_handoff *dommgr_handoff(void);
/* Set when a system event is under way: protected CPUs stop at their next exit. */
extern volatile bool dommgr_stopping;

#endif
