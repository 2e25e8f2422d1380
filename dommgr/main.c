/* dommgr: entered from sinit on its own page tables with the handoff. */
#include <sdm/log.h>
#include "dommgr/dommgr.h"

void dommgr_main(const struct sdm_handoff *ho);

static void emit_log(void *ctx, const char *line)
{
	pr_info("%s", line);
}

void dommgr_main(const struct sdm_handoff *ho)
{
	struct sdm_err err = { 0 };
	struct cpu_caps caps;

	if (sdm_handoff_check(ho, sizeof(*ho), &err) != SDM_OK) {
		/* No trusted settings: serial console, and stop. */
		log_init("dommgr: ", SDM_CONSOLE_SERIAL, SDM_LOG_INFO);
		pr_err("FATAL: bad handoff from sinit: %s", err.msg);
		pr_err("halted");
		log_flush();
		for (;;)
			__asm__ volatile("cli; hlt");
	}
	log_init("dommgr: ", ho->console, ho->loglevel);
	arch_cpu_init(ho);
	arch_cpu_caps(&caps);
	dommgr_banner(ho, &caps, emit_log, NULL);
	dommgr_test_hook(ho);
	pr_info("boot complete");
	arch_stop(ho);
}
