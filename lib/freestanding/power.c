#include <sdm/arch/x86.h>
#include <sdm/log.h>
#include <sdm/power.h>

#define SLP_EN (1u << 13) /* ACPI 4.8.3.2.1, PM1 control register */

void x86_poweroff(const struct sdm_ho_platform *p)
{
	if (p == NULL || !p->s5_valid || p->pm1a_cnt_port == 0 ||
	    p->pm1a_cnt_port > 0xffff)
		return;
	log_flush();
	outw((uint16_t)p->pm1a_cnt_port,
	     (uint16_t)(((p->s5_slp_typa & 7u) << 10) | SLP_EN));
	if (p->pm1b_cnt_port != 0 && p->pm1b_cnt_port <= 0xffff)
		outw((uint16_t)p->pm1b_cnt_port,
		     (uint16_t)(((p->s5_slp_typb & 7u) << 10) | SLP_EN));
	/* Give the chipset a moment; then report that it did not happen. */
	for (volatile unsigned i = 0; i < 1000000; i++)
		;
}

void x86_stop(const struct sdm_ho_platform *p, uint32_t exit_action)
{
	log_flush();
	if (exit_action == SDM_EXIT_POWEROFF) {
		x86_poweroff(p);
		pr_err("ACPI power-off did not take effect; halting");
		log_flush();
	}
	halt_forever();
}
