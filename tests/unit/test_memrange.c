/* Unit tests for lib/memrange.c. */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <string.h>
#include <cmocka.h>

#include <sdm/err.h>
#include <sdm/memrange.h>

#define MR(b, e) ((struct mem_range){ (b), (e) })

static void assert_set(const struct range_set *s, const struct mem_range *want,
		       unsigned n)
{
	assert_int_equal(s->n, n);
	for (unsigned i = 0; i < n; i++) {
		assert_int_equal(s->r[i].base, want[i].base);
		assert_int_equal(s->r[i].end, want[i].end);
	}
}

static void test_from_len(void **state)
{
	struct mem_range r = MR(7, 7);

	assert_true(mr_from_len(0x1000, 0x2000, &r));
	assert_int_equal(r.base, 0x1000);
	assert_int_equal(r.end, 0x3000);
	assert_true(mr_from_len(UINT64_MAX, 0, &r));
	assert_int_equal(r.base, UINT64_MAX);
	assert_int_equal(r.end, UINT64_MAX);
	assert_true(mr_from_len(UINT64_MAX - 1, 1, &r));
	assert_int_equal(r.end, UINT64_MAX);
	/* [2^64-1, 2^64) cannot be written with an exclusive 64-bit end. */
	r = MR(7, 7);
	assert_false(mr_from_len(UINT64_MAX, 1, &r));
	assert_false(mr_from_len(1, UINT64_MAX, &r));
	assert_int_equal(r.base, 7); /* untouched on failure */
	assert_int_equal(r.end, 7);
	assert_int_equal(mr_size(MR(0, UINT64_MAX)), UINT64_MAX);
	assert_true(mr_empty(MR(5, 5)));
	assert_true(mr_empty(MR(6, 5)));
	assert_false(mr_empty(MR(5, 6)));
}

static void test_overlaps(void **state)
{
	assert_true(mr_overlaps(MR(0, 10), MR(9, 20)));
	assert_true(mr_overlaps(MR(9, 20), MR(0, 10)));
	assert_true(mr_overlaps(MR(0, 10), MR(2, 3)));
	assert_true(mr_overlaps(MR(2, 3), MR(0, 10)));
	assert_false(mr_overlaps(MR(0, 10), MR(10, 20))); /* adjacent */
	assert_false(mr_overlaps(MR(10, 20), MR(0, 10)));
	assert_false(mr_overlaps(MR(0, 10), MR(5, 5)));   /* empty */
	assert_false(mr_overlaps(MR(5, 5), MR(5, 5)));
	assert_false(mr_overlaps(MR(5, 5), MR(0, 10)));
	assert_true(mr_overlaps(MR(UINT64_MAX - 1, UINT64_MAX),
				MR(0, UINT64_MAX)));
	assert_false(mr_overlaps(MR(UINT64_MAX, UINT64_MAX),
				 MR(0, UINT64_MAX)));
	assert_false(mr_overlaps(MR(0, UINT64_MAX - 1),
				 MR(UINT64_MAX - 1, UINT64_MAX)));
	assert_true(mr_overlaps(MR(0, 1), MR(0, UINT64_MAX)));
}

static void test_contains(void **state)
{
	assert_true(mr_contains(MR(0, 10), MR(0, 10)));
	assert_true(mr_contains(MR(0, 10), MR(3, 4)));
	assert_false(mr_contains(MR(0, 10), MR(3, 11)));
	assert_false(mr_contains(MR(1, 10), MR(0, 5)));
	assert_false(mr_contains(MR(0, 10), MR(10, 11)));
	assert_true(mr_contains(MR(0, 10), MR(50, 50)));  /* empty inner */
	assert_true(mr_contains(MR(5, 5), MR(9, 9)));
	assert_false(mr_contains(MR(5, 5), MR(5, 6)));
	assert_true(mr_contains(MR(0, UINT64_MAX),
				MR(UINT64_MAX - 1, UINT64_MAX)));
	assert_false(mr_contains(MR(1, UINT64_MAX), MR(0, UINT64_MAX)));
}

static void test_add_merge(void **state)
{
	struct mem_range st[4];
	struct range_set s;

	rs_init(&s, st, ARRAY_SIZE(st));
	assert_int_equal(rs_add(&s, MR(20, 30)), SDM_OK);
	assert_int_equal(rs_add(&s, MR(0, 10)), SDM_OK);
	assert_int_equal(rs_add(&s, MR(50, 60)), SDM_OK);
	assert_int_equal(rs_add(&s, MR(40, 40)), SDM_OK); /* empty: no-op */
	assert_set(&s,
		   (struct mem_range[]){ MR(0, 10), MR(20, 30), MR(50, 60) },
		   3);
	/* Fills the gap exactly: both neighbours merge. */
	assert_int_equal(rs_add(&s, MR(10, 20)), SDM_OK);
	assert_set(&s, (struct mem_range[]){ MR(0, 30), MR(50, 60) }, 2);
	/* Touching on the right only. */
	assert_int_equal(rs_add(&s, MR(45, 50)), SDM_OK);
	assert_set(&s, (struct mem_range[]){ MR(0, 30), MR(45, 60) }, 2);
	/* Overlapping several ranges and extending past both ends. */
	assert_int_equal(rs_add(&s, MR(100, 110)), SDM_OK);
	assert_int_equal(rs_add(&s, MR(5, 105)), SDM_OK);
	assert_set(&s, (struct mem_range[]){ MR(0, 110) }, 1);
	/* Inside an existing range: nothing changes. */
	assert_int_equal(rs_add(&s, MR(1, 2)), SDM_OK);
	assert_set(&s, (struct mem_range[]){ MR(0, 110) }, 1);
	assert_int_equal(rs_add(&s, MR(UINT64_MAX - 10, UINT64_MAX)), SDM_OK);
	assert_int_equal(rs_add(&s, MR(200, UINT64_MAX - 10)), SDM_OK);
	assert_set(&s, (struct mem_range[]){ MR(0, 110), MR(200, UINT64_MAX) },
		   2);
	assert_int_equal(rs_total(&s), 110 + UINT64_MAX - 200);
}

static void test_remove_split(void **state)
{
	struct mem_range st[4];
	struct range_set s;

	rs_init(&s, st, ARRAY_SIZE(st));
	assert_int_equal(rs_add(&s, MR(0, 100)), SDM_OK);
	assert_int_equal(rs_remove(&s, MR(10, 20)), SDM_OK);
	assert_set(&s, (struct mem_range[]){ MR(0, 10), MR(20, 100) }, 2);
	/* Adjacent and empty removals change nothing. */
	assert_int_equal(rs_remove(&s, MR(10, 20)), SDM_OK);
	assert_int_equal(rs_remove(&s, MR(100, 200)), SDM_OK);
	assert_int_equal(rs_remove(&s, MR(50, 50)), SDM_OK);
	assert_set(&s, (struct mem_range[]){ MR(0, 10), MR(20, 100) }, 2);
	/* Across both ranges, trimming each. */
	assert_int_equal(rs_remove(&s, MR(5, 30)), SDM_OK);
	assert_set(&s, (struct mem_range[]){ MR(0, 5), MR(30, 100) }, 2);
	/* A whole range exactly. */
	assert_int_equal(rs_remove(&s, MR(0, 5)), SDM_OK);
	assert_set(&s, (struct mem_range[]){ MR(30, 100) }, 1);
	assert_int_equal(rs_remove(&s, MR(0, UINT64_MAX)), SDM_OK);
	assert_int_equal(s.n, 0);
	assert_int_equal(rs_total(&s), 0);
}

static void test_enospc_unchanged(void **state)
{
	struct mem_range st[2];
	struct range_set s;
	struct mem_range before[2];

	rs_init(&s, st, ARRAY_SIZE(st));
	assert_int_equal(rs_add(&s, MR(0, 100)), SDM_OK);
	assert_int_equal(rs_add(&s, MR(200, 300)), SDM_OK);
	memcpy(before, st, sizeof(before));
	/* A split needs a third slot. */
	assert_int_equal(rs_remove(&s, MR(10, 20)), SDM_ENOSPC);
	assert_set(&s, before, 2);
	/* So does a new separate range. */
	assert_int_equal(rs_add(&s, MR(150, 160)), SDM_ENOSPC);
	assert_int_equal(rs_add(&s, MR(400, 401)), SDM_ENOSPC);
	assert_set(&s, before, 2);
	/* Trimming and merging need no room. */
	assert_int_equal(rs_remove(&s, MR(50, 250)), SDM_OK);
	assert_set(&s, (struct mem_range[]){ MR(0, 50), MR(250, 300) }, 2);
	assert_int_equal(rs_add(&s, MR(50, 250)), SDM_OK);
	assert_set(&s, (struct mem_range[]){ MR(0, 300) }, 1);

	/* A set without storage. */
	rs_init(&s, NULL, 0);
	assert_int_equal(rs_add(&s, MR(1, 2)), SDM_ENOSPC);
	assert_int_equal(rs_add(&s, MR(1, 1)), SDM_OK);
	assert_int_equal(rs_remove(&s, MR(1, 2)), SDM_OK);
	assert_int_equal(s.n, 0);
}

static void test_overlaps_covers(void **state)
{
	struct mem_range st[4];
	struct range_set s;

	rs_init(&s, st, ARRAY_SIZE(st));
	assert_int_equal(rs_add(&s, MR(10, 20)), SDM_OK);
	assert_int_equal(rs_add(&s, MR(30, 40)), SDM_OK);
	assert_true(rs_overlaps(&s, MR(19, 31)));
	assert_false(rs_overlaps(&s, MR(20, 30)));
	assert_false(rs_overlaps(&s, MR(15, 15)));
	assert_true(rs_covers(&s, MR(10, 20)));
	assert_true(rs_covers(&s, MR(31, 32)));
	assert_false(rs_covers(&s, MR(15, 35)));  /* a hole in the middle */
	assert_false(rs_covers(&s, MR(9, 11)));
	assert_true(rs_covers(&s, MR(25, 25)));   /* empty */
	assert_int_equal(rs_total(&s), 20);
}

static void test_find_highest(void **state)
{
	struct mem_range st[4];
	struct range_set s;
	struct mem_range out = MR(1, 1);

	rs_init(&s, st, ARRAY_SIZE(st));
	assert_int_equal(rs_add(&s, MR(0x1000, 0x10000)), SDM_OK);
	assert_int_equal(rs_add(&s, MR(0x20000, 0x30000)), SDM_OK);

	assert_int_equal(rs_find_highest(&s, 0x1000, 0x1000, 0, UINT64_MAX,
					 &out), SDM_OK);
	assert_int_equal(out.base, 0x2f000);
	assert_int_equal(out.end, 0x30000);
	/* hi cuts the upper range; the result is rounded down to align. */
	assert_int_equal(rs_find_highest(&s, 0x1000, 0x1000, 0, 0x25800, &out),
			 SDM_OK);
	assert_int_equal(out.base, 0x24000);
	assert_int_equal(out.end, 0x25000);
	/* Alignment larger than the size. */
	assert_int_equal(rs_find_highest(&s, 0x100, 0x10000, 0, UINT64_MAX,
					 &out), SDM_OK);
	assert_int_equal(out.base, 0x20000);
	/* The upper range is too small inside [lo, hi): take the lower. */
	assert_int_equal(rs_find_highest(&s, 0x1000, 0x1000, 0xe000, 0x20800,
					 &out), SDM_OK);
	assert_int_equal(out.base, 0xf000);
	assert_int_equal(out.end, 0x10000);
	assert_int_equal(rs_find_highest(&s, 0x800, 0x1000, 0xf800, 0x20000,
					 &out), SDM_ENOMEM);
	assert_int_equal(rs_find_highest(&s, 0x1000, 0x1000, 0x0, 0x20000,
					 &out), SDM_OK);
	assert_int_equal(out.base, 0xf000);
	/* Unaligned tail of a range does not fit an aligned block. */
	assert_int_equal(rs_find_highest(&s, 0x1000, 0x1000, 0x2f001,
					 UINT64_MAX, &out), SDM_ENOMEM);
	/* Too big for any range (but not for the sum of both). */
	assert_int_equal(rs_find_highest(&s, 0x10001, 1, 0, UINT64_MAX, &out),
			 SDM_ENOMEM);
	assert_int_equal(rs_find_highest(&s, 0x10000, 1, 0, UINT64_MAX, &out),
			 SDM_OK);
	assert_int_equal(out.base, 0x20000);
	/* lo >= hi */
	assert_int_equal(rs_find_highest(&s, 1, 1, 0x30000, 0x20000, &out),
			 SDM_ENOMEM);
	out = MR(1, 1);
	assert_int_equal(rs_find_highest(&s, 0, 1, 0, UINT64_MAX, &out),
			 SDM_EINVAL);
	assert_int_equal(rs_find_highest(&s, 1, 0, 0, UINT64_MAX, &out),
			 SDM_EINVAL);
	assert_int_equal(rs_find_highest(&s, 1, 0x3000, 0, UINT64_MAX, &out),
			 SDM_EINVAL);
	assert_int_equal(out.base, 1); /* untouched on failure */

	/* At the top of the address space. */
	assert_int_equal(rs_add(&s, MR(UINT64_MAX - 0x2000, UINT64_MAX)),
			 SDM_OK);
	assert_int_equal(rs_find_highest(&s, 0x1000, 0x1000, 0, UINT64_MAX,
					 &out), SDM_OK);
	assert_int_equal(out.base, UINT64_MAX - 0x1fff);
	assert_int_equal(out.end, UINT64_MAX - 0xfff);
	assert_int_equal(rs_find_highest(&s, 1, 1, 0, UINT64_MAX, &out),
			 SDM_OK);
	assert_int_equal(out.base, UINT64_MAX - 1);
	assert_int_equal(out.end, UINT64_MAX);
}

/*
 * Randomized comparison with a byte-bitmap model over a small address
 * space, with little storage so that ENOSPC happens often.
 */
#define SPACE 96
#define CAP 5

static uint64_t rng_state = 0x9e3779b97f4a7c15u;

static uint64_t rng(void)
{
	rng_state ^= rng_state << 13;
	rng_state ^= rng_state >> 7;
	rng_state ^= rng_state << 17;
	return rng_state;
}

static struct mem_range rand_range(void)
{
	uint64_t a = rng() % (SPACE + 1), b = rng() % (SPACE + 1);

	if (rng() % 4 == 0) {
		uint64_t d = rng() % 8;

		b = a + d < SPACE ? a + d : SPACE;
	}
	return a <= b ? MR(a, b) : MR(b, a);
}

/* Runs of set bytes in the model; returns their count (stores up to max). */
static unsigned model_runs(const bool *m, struct mem_range *runs, unsigned max)
{
	unsigned n = 0;

	for (unsigned a = 0; a < SPACE; a++) {
		if (m[a] && (a == 0 || !m[a - 1])) {
			unsigned b = a;

			while (b < SPACE && m[b])
				b++;
			if (n < max)
				runs[n] = MR(a, b);
			n++;
		}
	}
	return n;
}

static void check_queries(const struct range_set *s, const bool *m)
{
	struct mem_range q = rand_range();
	bool any = false, all = true;
	uint64_t total = 0;

	for (unsigned a = 0; a < SPACE; a++)
		total += m[a];
	assert_int_equal(rs_total(s), total);
	for (uint64_t a = q.base; a < q.end; a++) {
		any |= m[a];
		all &= m[a];
	}
	assert_int_equal(rs_overlaps(s, q), any);
	assert_int_equal(rs_covers(s, q), all);

	uint64_t size = 1 + rng() % 12, align = 1u << (rng() % 4);
	uint64_t lo = rng() % (SPACE + 1), hi = rng() % (SPACE + 8);
	struct mem_range out;
	int want_base = -1;

	for (uint64_t b = 0; b + size <= SPACE; b += align) {
		bool fit = b >= lo && b + size <= hi;

		for (uint64_t a = b; fit && a < b + size; a++)
			fit = m[a];
		if (fit)
			want_base = (int)b;
	}
	int rc = rs_find_highest(s, size, align, lo, hi, &out);

	if (want_base < 0) {
		assert_int_equal(rc, SDM_ENOMEM);
	} else {
		assert_int_equal(rc, SDM_OK);
		assert_int_equal(out.base, want_base);
		assert_int_equal(out.end, want_base + size);
	}
}

static void test_random_model(void **state)
{
	struct mem_range st[CAP], before[CAP], runs[CAP];
	struct range_set s;
	bool m[SPACE] = { false }, next[SPACE];
	unsigned enospc = 0, ok = 0;

	rs_init(&s, st, CAP);
	for (int iter = 0; iter < 20000; iter++) {
		struct mem_range r = rand_range();
		bool add = rng() % 2 == 0;
		unsigned nbefore = s.n;

		memcpy(next, m, sizeof(m));
		for (uint64_t a = r.base; a < r.end; a++)
			next[a] = add;
		memcpy(before, st, sizeof(st));

		int rc = add ? rs_add(&s, r) : rs_remove(&s, r);
		unsigned want_n = model_runs(next, runs, CAP);

		if (want_n > CAP) {
			assert_int_equal(rc, SDM_ENOSPC);
			assert_int_equal(s.n, nbefore);
			assert_memory_equal(st, before,
					    nbefore * sizeof(st[0]));
			enospc++;
		} else {
			assert_int_equal(rc, SDM_OK);
			memcpy(m, next, sizeof(m));
			assert_set(&s, runs, want_n);
			ok++;
		}
		check_queries(&s, m);
	}
	/* The run must have exercised both outcomes. */
	assert_true(enospc > 100);
	assert_true(ok > 1000);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_from_len),
		cmocka_unit_test(test_overlaps),
		cmocka_unit_test(test_contains),
		cmocka_unit_test(test_add_merge),
		cmocka_unit_test(test_remove_split),
		cmocka_unit_test(test_enospc_unchanged),
		cmocka_unit_test(test_overlaps_covers),
		cmocka_unit_test(test_find_highest),
		cmocka_unit_test(test_random_model),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
