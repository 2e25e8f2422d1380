/* dommgr core. */
#ifndef DOMMGR_DOMMGR_H
#define DOMMGR_DOMMGR_H
#include <sdm/handoff.h>
#include "dommgr/arch.h"

/* One banner line at a time, to the console or a test buffer. */
typedef void (*banner_emit_fn)(void *ctx, const char *line);

/* The boot banner: platform facts from the handoff and the CPU. */
void dommgr_banner(const struct sdm_handoff *ho, const struct cpu_caps *caps,
		   banner_emit_fn emit, void *ctx);

/*
 * Test hooks: empty (weak) in dommgr/hook_none.c; test variants link a
 * strong definition from tests/emu/inject/.
 */
struct domain_table;
void dommgr_test_hook(const struct sdm_handoff *ho);
struct domain;
/* Just before a domain's first VM entry, with its VMCS current. */
void dommgr_test_vmcs_hook(struct domain *d);
void dommgr_test_before_scrub(const struct sdm_handoff *ho,
			      const struct domain_table *t);
void dommgr_test_after_scrub(const struct sdm_handoff *ho,
			     const struct domain_table *t);

#endif
