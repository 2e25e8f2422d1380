/* Power-off and reset through the ACPI facts in the handoff (freestanding). */
#ifndef SDM_POWER_H
#define SDM_POWER_H
#include <sdm/handoff.h>

/* ACPI S5 through PM1a/PM1b control; returns only if that failed. */
void x86_poweroff(const struct sdm_ho_platform *p);
/* Stop: halt, or power off first when exit_action asks for it. */
__attribute__((noreturn)) void x86_stop(const struct sdm_ho_platform *p,
					uint32_t exit_action);

#endif
