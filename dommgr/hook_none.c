/* Production builds: the test hooks do nothing (see dommgr.h). */
#include "dommgr/dommgr.h"

__attribute__((weak)) void dommgr_test_hook(const struct sdm_handoff *ho)
{
}

__attribute__((weak)) void dommgr_test_after_scrub(const struct sdm_handoff *ho,
						   const struct domain_table *t)
{
}

__attribute__((weak)) void dommgr_test_before_scrub(const struct sdm_handoff *ho,
						    const struct domain_table *t)
{
}

__attribute__((weak)) void dommgr_test_vmcs_hook(struct domain *d)
{
}
