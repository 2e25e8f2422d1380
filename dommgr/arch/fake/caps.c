/*
 * The fake architecture for host tests: capabilities come from a
 * structure the test sets, and stopping records the call instead of
 * halting the machine.
 */
#include <string.h>
#include "dommgr/arch/fake/fake.h"

struct cpu_caps fake_caps;

void arch_cpu_caps(struct cpu_caps *out)
{
	memcpy(out, &fake_caps, sizeof(*out));
}

void arch_cpu_init(const struct sdm_handoff *ho, unsigned cpu)
{
}
