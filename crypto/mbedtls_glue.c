/*
 * calloc/free for mbedTLS over one static pool: sinit and dommgr have no
 * heap, and the host tests run this same code.
 *
 * First fit over blocks laid end to end. A block is a whole number of
 * 16-byte units; its first unit is the header (its size and the size of
 * the block before it, so that free can merge with both neighbours). The
 * caller's memory starts at the second unit, so it is 16-byte aligned.
 *
 * Not reentrant: one caller at a time (sinit is single-threaded; dommgr
 * verifies on one CPU under its own lock). A free of anything that is not a
 * live block, or a header found damaged, marks the pool broken: every later
 * allocation fails, so signature checks fail closed rather than run on a
 * corrupted heap.
 */
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include "crypto/crypto.h"
#include "crypto/mbedtls_glue.h"

struct unit {
	uint32_t size; /* units in this block, header included */
	uint32_t prev; /* units in the block before, 0 for the first */
	uint32_t used;
	uint32_t pad;
};
_Static_assert(sizeof(struct unit) == 16, "one unit is 16 bytes");

#define POOL_UNITS (CRYPTO_POOL_SIZE / sizeof(struct unit))

static struct unit pool[POOL_UNITS] __attribute__((aligned(16)));
static bool ready, broken;
static size_t in_use, peak;
static unsigned long failures;

static void *fail(void)
{
	failures++;
	return NULL;
}

/* Sets the back link of the block after block i, if there is one. */
static void link_next(size_t i)
{
	size_t j = i + pool[i].size;

	if (j < POOL_UNITS)
		pool[j].prev = pool[i].size;
}

void *sdm_crypto_calloc(size_t n, size_t size)
{
	size_t bytes, units, i;

	if (!ready) {
		pool[0] = (struct unit){ .size = POOL_UNITS };
		ready = true;
	}
	if (broken || __builtin_mul_overflow(n, size, &bytes) ||
	    bytes > CRYPTO_POOL_SIZE)
		return fail();
	/* One header unit, and at least one unit even for zero bytes. */
	units = 1 + (bytes + 15) / 16 + (bytes == 0);

	for (i = 0; i < POOL_UNITS; i += pool[i].size) {
		struct unit *b = &pool[i];

		if (b->size == 0 || b->size > POOL_UNITS - i) {
			broken = true;
			return fail();
		}
		if (b->used || b->size < units)
			continue;
		if (b->size - units >= 2) { /* split off the tail */
			pool[i + units] = (struct unit){
				.size = b->size - units, .prev = units };
			b->size = units;
			link_next(i + units);
		}
		b->used = 1;
		in_use += b->size * sizeof(*b);
		if (in_use > peak)
			peak = in_use;
		memset(b + 1, 0, (b->size - 1) * sizeof(*b));
		return b + 1;
	}
	return fail();
}

void sdm_crypto_free(void *p)
{
	uintptr_t a = (uintptr_t)p, base = (uintptr_t)pool;
	size_t idx, i;

	if (p == NULL || broken)
		return;
	if (!ready || a <= base || a >= base + sizeof(pool) ||
	    (a - base) % sizeof(struct unit) != 0) {
		broken = true;
		return;
	}
	idx = (a - base) / sizeof(struct unit) - 1;
	/* It must be the start of a live block: walk the chain to it. */
	for (i = 0; i < idx; i += pool[i].size) {
		if (pool[i].size == 0 || pool[i].size > POOL_UNITS - i)
			break;
	}
	if (i != idx || !pool[i].used) {
		broken = true;
		return;
	}

	memset(&pool[i + 1], 0, (pool[i].size - 1) * sizeof(pool[i]));
	pool[i].used = 0;
	in_use -= pool[i].size * sizeof(pool[i]);

	if (i + pool[i].size < POOL_UNITS && !pool[i + pool[i].size].used) {
		pool[i].size += pool[i + pool[i].size].size;
		link_next(i);
	}
	if (i > 0 && !pool[i - pool[i].prev].used) {
		i -= pool[i].prev;
		pool[i].size += pool[i + pool[i].size].size;
		link_next(i);
	}
}

void crypto_pool_stats(struct crypto_pool_stats *st)
{
	st->size = CRYPTO_POOL_SIZE;
	st->in_use = in_use;
	st->peak = peak;
	st->failures = failures;
	st->broken = broken;
}
