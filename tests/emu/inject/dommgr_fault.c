/*
 * Test variant of dommgr (build/test/dommgr-fault.elf): after the banner,
 * write to dommgr's own read-only text. W^X must turn this into a page
 * fault, and the handler must print the register dump and stop cleanly.
 */
#include <sdm/log.h>
#include "dommgr/dommgr.h"

void dommgr_test_hook(const struct sdm_handoff *ho)
{
	volatile uint8_t *text = (volatile uint8_t *)(uintptr_t)&dommgr_banner;

	pr_info("test: writing to dommgr's text at %p (must fault)",
		(const void *)text);
	*text = 0xcc;
	pr_err("test: FAILED: the write to read-only text did not fault");
}
