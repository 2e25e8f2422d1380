/*
 * Protected-domain test guest. It keeps a known pattern in 1 MiB of its
 * memory and checks it again and again, reporting through dommgr's
 * console hypercall:
 *   ptest: up in domain '<name>' with <n> MiB
 *   ptest: pattern intact (check <n>)
 *   ptest: PATTERN CORRUPTED at <addr> (check <n>)
 * The pattern is what attack guests look for (guests/attack).
 */
#include "guests/lib/grt.h"

#define PATTERN_BASE 0x800000u
#define PATTERN_WORDS (0x100000u / 4)
/* "SDMp" "rot!" + word index: findable, and different per word. */
#define PATTERN(i) ((i) & 1 ? 0x21746f72u : 0x704d4453u)

void guest_main(uint32_t magic, uint32_t info);

void guest_main(uint32_t magic, uint32_t info)
{
	volatile uint32_t *p = (volatile uint32_t *)(uintptr_t)PATTERN_BASE;
	struct sdm_hc_domain_info di;
	struct gline l;

	g_use_hypercall_console();
	/* Let a normal domain that writes to the UART itself say hello first. */
	g_delay(3000000);
	if (g_vmcall(SDM_HC_VERSION, 0, 0, 0) != SDM_HC_ABI_VERSION ||
	    g_vmcall(SDM_HC_DOMAIN_INFO, (uint32_t)(uintptr_t)&di, sizeof(di),
		     0) != sizeof(di))
		g_halt();
	g_line_init(&l, "ptest: up in domain '");
	di.name[sizeof(di.name) - 1] = '\0';
	g_str(&l, di.name);
	g_str(&l, "' with ");
	g_dec(&l, di.mem_bytes >> 20);
	g_str(&l, " MiB");
	g_emit(&l);

	for (uint32_t i = 0; i < PATTERN_WORDS; i++)
		p[i] = PATTERN(i);
	for (uint64_t check = 1;; check++) {
		uint32_t bad = PATTERN_WORDS;

		for (uint32_t i = 0; i < PATTERN_WORDS && bad == PATTERN_WORDS; i++) {
			if (p[i] != PATTERN(i))
				bad = i;
		}
		if (bad == PATTERN_WORDS) {
			g_line_init(&l, "ptest: pattern intact (check ");
		} else {
			g_line_init(&l, "ptest: PATTERN CORRUPTED at ");
			g_hex(&l, PATTERN_BASE + 4 * bad);
			g_str(&l, " (check ");
			p[bad] = PATTERN(bad);
		}
		g_dec(&l, check);
		g_str(&l, ")");
		g_emit(&l);
		g_delay(3000000);
	}
}
