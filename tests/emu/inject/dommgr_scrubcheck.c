/*
 * Test variant of dommgr (build/test/dommgr-scrubcheck.elf): count the
 * protected test guest's pattern (guests/ptest: "SDMprot!" in 8-byte
 * words) in all RAM below 4 GiB before and after the scrub that precedes
 * a power-off. The scenario isolation-poweroff-scrub expects many before
 * and none after.
 */
#include <sdm/log.h>
#include "dommgr/dommgr.h"
#include "dommgr/domain.h"
#include "dommgr/mm.h"

#define PATTERN 0x21746f72704d4453ull /* "SDMprot!" little-endian */

static void count(const struct sdm_handoff *ho, const char *when)
{
	uint64_t found = 0, scanned = 0;

	for (unsigned i = 0; i < ho->nmmap; i++) {
		uint64_t b = (ho->mmap[i].base + 7) & ~7ull;
		uint64_t e = (ho->mmap[i].base + ho->mmap[i].len) & ~7ull;

		if (ho->mmap[i].type != 1)
			continue;
		if (e > GIB(4))
			e = GIB(4);
		for (uint64_t a = b; a < e; a += PAGE_SIZE) {
			uint64_t n = e - a < PAGE_SIZE ? e - a : PAGE_SIZE;
			const uint64_t *p = phys_map(a, n); /* NULL inside dommgr */

			for (uint64_t k = 0; p != NULL && k < n / 8; k++)
				found += p[k] == PATTERN;
			scanned += p != NULL ? n : 0;
		}
	}
	pr_info("scrub check %s: %lu copies of the protected pattern in "
		"%lu MiB of RAM", when, found, scanned >> 20);
}

void dommgr_test_before_scrub(const struct sdm_handoff *ho,
			      const struct domain_table *t)
{
	count(ho, "before the scrub");
}

void dommgr_test_after_scrub(const struct sdm_handoff *ho,
			     const struct domain_table *t)
{
	count(ho, "after the scrub");
}
