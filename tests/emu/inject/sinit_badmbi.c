/*
 * Test variant of sinit (build/test/sinit-badmbi.elf): hand the parser a
 * copy of the real multiboot2 information whose first module tag claims
 * to run past the end of the information. sinit must stop with a message
 * naming the tag, not fault or hang.
 */
#include <string.h>
#include <sdm/mb2.h>
#include "sinit/sinit.h"

static uint8_t copy[8192] __attribute__((aligned(8)));

const void *sinit_test_mbi_hook(const void *mbi)
{
	uint32_t total;

	memcpy(&total, mbi, 4);
	if (total < 16 || total > sizeof(copy))
		return mbi;
	memcpy(copy, mbi, total);
	for (uint32_t off = 8; off + 8 <= total;) {
		uint32_t type, size;

		memcpy(&type, copy + off, 4);
		memcpy(&size, copy + off + 4, 4);
		if (type == MB2_TAG_END || size < 8)
			break;
		if (type == MB2_TAG_MODULE) {
			uint32_t bad = total - off + 64;

			memcpy(copy + off + 4, &bad, 4);
			break;
		}
		off += (size + 7) & ~7u;
	}
	return copy;
}
