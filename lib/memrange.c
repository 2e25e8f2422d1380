/*
 * Physical memory range arithmetic and range sets in caller storage.
 * Invariant of a set: r[0..n) sorted, non-empty, disjoint and not adjacent
 * (r[i].end < r[i + 1].base). Each operation computes where it will change
 * the array and checks the room first, so a failure changes nothing.
 */
#include <string.h>
#include <sdm/err.h>
#include <sdm/memrange.h>

bool mr_from_len(uint64_t base, uint64_t len, struct mem_range *out)
{
	uint64_t end;

	if (!add_ok(base, len, &end))
		return false;
	out->base = base;
	out->end = end;
	return true;
}

bool mr_overlaps(struct mem_range a, struct mem_range b)
{
	return !mr_empty(a) && !mr_empty(b) && a.base < b.end &&
	       b.base < a.end;
}

bool mr_contains(struct mem_range outer, struct mem_range inner)
{
	return mr_empty(inner) ||
	       (outer.base <= inner.base && inner.end <= outer.end);
}

void rs_init(struct range_set *s, struct mem_range *storage, unsigned cap)
{
	s->r = storage;
	s->n = 0;
	s->cap = cap;
}

/* Index of the first range whose end is >= v (n if none). */
static unsigned first_end_ge(const struct range_set *s, uint64_t v)
{
	unsigned i = 0;

	while (i < s->n && s->r[i].end < v)
		i++;
	return i;
}

/* Replace r[i..j) by the count ranges in repl (count <= 2). */
static void splice(struct range_set *s, unsigned i, unsigned j,
		   const struct mem_range *repl, unsigned count)
{
	memmove(&s->r[i + count], &s->r[j], (s->n - j) * sizeof(s->r[0]));
	memcpy(&s->r[i], repl, count * sizeof(s->r[0]));
	s->n = s->n - (j - i) + count;
}

int rs_add(struct range_set *s, struct mem_range r)
{
	unsigned i, j;

	if (mr_empty(r))
		return SDM_OK;
	/* r[i..j) touch or overlap r and are merged with it. */
	i = first_end_ge(s, r.base);
	j = i;
	while (j < s->n && s->r[j].base <= r.end)
		j++;
	if (i == j && s->n == s->cap)
		return SDM_ENOSPC;
	if (i < j) {
		if (s->r[i].base < r.base)
			r.base = s->r[i].base;
		if (s->r[j - 1].end > r.end)
			r.end = s->r[j - 1].end;
	}
	splice(s, i, j, &r, 1);
	return SDM_OK;
}

int rs_remove(struct range_set *s, struct mem_range r)
{
	struct mem_range keep[2];
	unsigned i, j, count = 0;

	if (mr_empty(r))
		return SDM_OK;
	/* r[i..j) share at least one byte with r. */
	i = first_end_ge(s, r.base + 1);
	j = i;
	while (j < s->n && s->r[j].base < r.end)
		j++;
	if (i == j)
		return SDM_OK;
	if (s->r[i].base < r.base)
		keep[count++] = (struct mem_range){ s->r[i].base, r.base };
	if (s->r[j - 1].end > r.end)
		keep[count++] = (struct mem_range){ r.end, s->r[j - 1].end };
	if (s->n - (j - i) + count > s->cap)
		return SDM_ENOSPC;
	splice(s, i, j, keep, count);
	return SDM_OK;
}

bool rs_overlaps(const struct range_set *s, struct mem_range r)
{
	for (unsigned i = 0; i < s->n; i++) {
		if (mr_overlaps(s->r[i], r))
			return true;
	}
	return false;
}

bool rs_covers(const struct range_set *s, struct mem_range r)
{
	/* Ranges of a set are not adjacent: r must lie inside one of them. */
	if (mr_empty(r))
		return true;
	for (unsigned i = 0; i < s->n; i++) {
		if (mr_contains(s->r[i], r))
			return true;
	}
	return false;
}

uint64_t rs_total(const struct range_set *s)
{
	uint64_t total = 0;

	for (unsigned i = 0; i < s->n; i++)
		total += mr_size(s->r[i]);
	return total;
}

int rs_find_highest(const struct range_set *s, uint64_t size, uint64_t align,
		    uint64_t lo, uint64_t hi, struct mem_range *out)
{
	if (size == 0 || align == 0 || (align & (align - 1)) != 0)
		return SDM_EINVAL;
	for (unsigned i = s->n; i-- > 0;) {
		uint64_t base = s->r[i].base > lo ? s->r[i].base : lo;
		uint64_t end = s->r[i].end < hi ? s->r[i].end : hi;
		uint64_t start;

		if (end <= base || end - base < size)
			continue;
		start = (end - size) & ~(align - 1);
		if (start >= base) {
			out->base = start;
			out->end = start + size;
			return SDM_OK;
		}
	}
	return SDM_ENOMEM;
}
