/*
 * Physical memory range arithmetic. A range is [base, end): end is
 * exclusive, so an empty range has base == end, and a range never wraps.
 * A range_set is a sorted list of disjoint, non-adjacent ranges kept in
 * caller-provided storage (no allocation); every operation either
 * succeeds completely or leaves the set unchanged.
 */
#ifndef SDM_MEMRANGE_H
#define SDM_MEMRANGE_H
#include <sdm/types.h>

struct mem_range {
	uint64_t base;
	uint64_t end;
};

struct range_set {
	struct mem_range *r; /* storage, cap entries */
	unsigned n;
	unsigned cap;
};

/* [base, base+len); false if it would wrap past 2^64. len 0 is allowed. */
bool mr_from_len(uint64_t base, uint64_t len, struct mem_range *out);
static inline uint64_t mr_size(struct mem_range r) { return r.end - r.base; }
static inline bool mr_empty(struct mem_range r) { return r.end <= r.base; }
/* True if a and b share at least one byte. Empty ranges overlap nothing. */
bool mr_overlaps(struct mem_range a, struct mem_range b);
/* True if inner lies wholly inside outer (an empty inner is inside anything). */
bool mr_contains(struct mem_range outer, struct mem_range inner);

void rs_init(struct range_set *s, struct mem_range *storage, unsigned cap);
/* Union with r (merging neighbours). SDM_ENOSPC if storage is full. */
int rs_add(struct range_set *s, struct mem_range r);
/* Subtract r (may split one range into two). SDM_ENOSPC if no room. */
int rs_remove(struct range_set *s, struct mem_range r);
/* True if any byte of r is in the set. */
bool rs_overlaps(const struct range_set *s, struct mem_range r);
/* True if every byte of r is in the set. */
bool rs_covers(const struct range_set *s, struct mem_range r);
uint64_t rs_total(const struct range_set *s);
/*
 * Find the highest address range of size bytes, aligned to align (a power
 * of two), lying wholly inside the set and inside [lo, hi). Returns SDM_OK
 * and fills *out, or SDM_ENOMEM. size 0 or a bad align is SDM_EINVAL.
 */
int rs_find_highest(const struct range_set *s, uint64_t size, uint64_t align,
		    uint64_t lo, uint64_t hi, struct mem_range *out);

#endif
