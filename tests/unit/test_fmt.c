/*
 * Unit tests for the freestanding formatter (lib/freestanding/fmt.c, built
 * as sdm_snprintf/sdm_vsnprintf) against the host C library's snprintf.
 */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <cmocka.h>

#include <sdm/types.h>

int sdm_snprintf(char *buf, size_t size, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));
int sdm_vsnprintf(char *buf, size_t size, const char *fmt, va_list ap);

#define BUF 512

static void same(const char *what, const char *got, int gn, const char *want,
		 int wn)
{
	if (gn != wn || strcmp(got, want) != 0)
		fail_msg("%s: got \"%s\" (%d), libc gives \"%s\" (%d)", what,
			 got, gn, want, wn);
}

/* Formats one value with both formatters and compares text and length. */
#define SAME(fmt, ...)                                                    \
	do {                                                              \
		char g_[BUF], w_[BUF];                                    \
		int gn_ = sdm_snprintf(g_, sizeof(g_), fmt, __VA_ARGS__); \
		int wn_ = snprintf(w_, sizeof(w_), fmt, __VA_ARGS__);     \
		same(fmt, g_, gn_, w_, wn_);                              \
	} while (0)

static const char *const int_fmts[] = {
	"%d", "%i", "%1d", "%5d", "%-5d|", "%05d", "%12d", "%-12i|", "%012d",
	"%u", "%10u", "%-10u|", "%010u", "%x", "%X", "%8x", "%08X", "%-8x|",
	"[%3d]", "%d%d",
};
static const int int_vals[] = {
	0, 1, -1, 7, -42, 255, 4096, 123456789, INT32_MAX, -INT32_MAX - 1,
};

static void test_int(void **state)
{
	for (size_t f = 0; f < ARRAY_SIZE(int_fmts); f++)
		for (size_t v = 0; v < ARRAY_SIZE(int_vals); v++)
			SAME(int_fmts[f], int_vals[v], int_vals[v]);
}

static const char *const long_fmts[] = {
	"%ld", "%li", "%lu", "%lx", "%lX", "%lld", "%llu", "%llx", "%zu",
	"%zx", "%25ld", "%-25ld|", "%025ld", "%020lx", "%-20llx|",
};
static const int64_t long_vals[] = {
	0, 1, -1, 10, -10, INT32_MAX + 1ll, 0x123456789abcdef0, INT64_MAX,
	INT64_MIN, (int64_t)0xfedcba9876543210u,
};

static void test_long(void **state)
{
	for (size_t f = 0; f < ARRAY_SIZE(long_fmts); f++)
		for (size_t v = 0; v < ARRAY_SIZE(long_vals); v++)
			SAME(long_fmts[f], long_vals[v]);
}

static const char *const short_fmts[] = {
	"%hd", "%hu", "%hx", "%hhd", "%hhu", "%hhx", "%5hhd", "%-6hX|",
};
static const int short_vals[] = {
	0, 1, -1, 127, 128, 200, 255, 256, -129, 32767, 32768, 65535, 0x12345,
	-32769,
};

static void test_short(void **state)
{
	for (size_t f = 0; f < ARRAY_SIZE(short_fmts); f++)
		for (size_t v = 0; v < ARRAY_SIZE(short_vals); v++)
			SAME(short_fmts[f], short_vals[v]);
}

static const char *const str_fmts[] = {
	"%s", "%10s", "%-10s|", "%.3s", "%.0s", "%.20s", "%10.3s", "%-10.3s|",
	"<%s>", "%1s",
};
static const char *const str_vals[] = {
	"", "a", "hello", "a longer string of text", "tab\there",
};

static void test_string(void **state)
{
	for (size_t f = 0; f < ARRAY_SIZE(str_fmts); f++)
		for (size_t v = 0; v < ARRAY_SIZE(str_vals); v++)
			SAME(str_fmts[f], str_vals[v]);
	/* A precision bounds the read: the array has no terminator. */
	static const char raw[4] = { 'a', 'b', 'c', 'd' };

	for (int prec = -1; prec <= 4; prec++) {
		if (prec >= 0)
			SAME("%.*s|", prec, raw);
		SAME("%.*s|", prec, "xyz");
		SAME("%*.*s|", 6, prec, "xyz");
		SAME("%-*.*s|", 6, prec, "xyz");
	}
}

static void test_char_percent_star(void **state)
{
	SAME("%c", 'a');
	SAME("%3c", 'b');
	SAME("%-3c|", 'c');
	SAME("%c%c%c", 'x', 'y', 'z');
	SAME("100%% of %d", 5);
	SAME("%%d %d", 1);
	for (int w = -8; w <= 8; w += 4) {
		SAME("%*d|", w, -12);
		SAME("%*x|", w, 0xabc);
		SAME("%-*u|", w, 77u);
		SAME("%*s|", w, "ab");
	}
	SAME("a=%d b=%s c=%x d=%c e=%lu %%", -3, "str", 0xbeef, 'q', 99ul);
}

static void test_pointer(void **state)
{
	int x;

	SAME("%p", (void *)&x);
	SAME("%p", (void *)0x1234);
	SAME("%20p|", (void *)0xdeadbeef);
	SAME("%-20p|", (void *)0xdeadbeef);
	SAME("%p", (void *)UINTPTR_MAX);
}

/* Where the formatter documents its own behaviour, differing from glibc. */
static void test_own_behaviour(void **state)
{
	char buf[64];
	const char *volatile nul = NULL;
	const char *volatile fmt;

	assert_int_equal(sdm_snprintf(buf, sizeof(buf), "%p", (void *)0), 3);
	assert_string_equal(buf, "0x0");           /* glibc: "(nil)" */
	assert_int_equal(sdm_snprintf(buf, sizeof(buf), "[%s]", nul), 8);
	assert_string_equal(buf, "[(null)]");
	fmt = "a%qb%d";
	assert_int_equal(sdm_snprintf(buf, sizeof(buf), fmt, 5), 5);
	assert_string_equal(buf, "a%qb5");          /* unknown: literal */
	fmt = "abc%";
	assert_int_equal(sdm_snprintf(buf, sizeof(buf), fmt, 0), 3);
	assert_string_equal(buf, "abc");            /* lone '%' at the end */
}

static void test_wide_fields(void **state)
{
	/* Non-literal formats and widths: the compiler's checks stay quiet. */
	const char *volatile fmt;
	volatile int w;
	char buf[16];

	/* Field widths of several digits, up to the formatter's limit. */
	SAME("%300d|", 5);
	SAME("%-300d|", 5);
	SAME("%.300s|", "short");
	fmt = "%4096x|";
	SAME(fmt, 0xab);
	fmt = "%65536d|";
	SAME(fmt, -1);
	/* Larger widths are capped at 65536, never misparsed. */
	fmt = "%999999d|";
	assert_int_equal(sdm_snprintf(buf, sizeof(buf), fmt, 1), 65537);
	assert_string_equal(buf, "               ");
	w = -2147483647 - 1;
	assert_int_equal(sdm_snprintf(buf, sizeof(buf), "%*d|", w, 1), 65537);
	assert_string_equal(buf, "1              ");
	w = 2147483647;
	assert_int_equal(sdm_snprintf(buf, sizeof(buf), "%*d|", w, 1), 65537);
	assert_string_equal(buf, "               ");
}

/* Every buffer size from 0 to past the full length, against libc. */
static void test_truncation(void **state)
{
	static const char fmt[] = "x=%d s=%-6s| h=%08lx";
	char g[48], w[48];
	int full = snprintf(NULL, 0, fmt, -123, "ab", 0x1234ul);

	assert_int_equal(full, 27);
	assert_int_equal(sdm_snprintf(NULL, 0, fmt, -123, "ab", 0x1234ul), full);
	for (size_t size = 0; size <= (size_t)full + 2; size++) {
		memset(g, 'Z', sizeof(g));
		memset(w, 'Z', sizeof(w));
		int gn = sdm_snprintf(g, size, fmt, -123, "ab", 0x1234ul);
		int wn = snprintf(w, size, fmt, -123, "ab", 0x1234ul);

		assert_int_equal(gn, full);
		assert_int_equal(wn, full);
		assert_memory_equal(g, w, sizeof(g));
	}
	/* The edges, spelled out. */
	memset(g, 'Z', sizeof(g));
	assert_int_equal(sdm_snprintf(g, 0, "%s", "abc"), 3);
	assert_int_equal(g[0], 'Z');
	assert_int_equal(sdm_snprintf(g, 1, "%s", "abc"), 3);
	assert_int_equal(g[0], '\0');
	assert_int_equal(g[1], 'Z');
	assert_int_equal(sdm_snprintf(g, 4, "%s", "abc"), 3); /* exact fit */
	assert_string_equal(g, "abc");
	assert_int_equal(sdm_snprintf(g, 3, "%s", "abc"), 3);
	assert_string_equal(g, "ab");
	assert_int_equal(sdm_snprintf(g, 5, "%d", INT32_MAX), 10);
	assert_string_equal(g, "2147");
	assert_int_equal(sdm_snprintf(g, sizeof(g), "%s", ""), 0);
	assert_string_equal(g, "");
}

static int via_v(char *buf, size_t size, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));

static int via_v(char *buf, size_t size, const char *fmt, ...)
{
	va_list ap;
	int n;

	va_start(ap, fmt);
	n = sdm_vsnprintf(buf, size, fmt, ap);
	va_end(ap);
	return n;
}

static void test_vsnprintf(void **state)
{
	char buf[32];

	assert_int_equal(via_v(buf, sizeof(buf), "%s-%lld-%c", "v", (long long)INT64_MIN,
			       '!'), 24);
	assert_string_equal(buf, "v--9223372036854775808-!");
	assert_int_equal(via_v(buf, 6, "%05d", -7), 5);
	assert_string_equal(buf, "-0007");
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_int),
		cmocka_unit_test(test_long),
		cmocka_unit_test(test_short),
		cmocka_unit_test(test_string),
		cmocka_unit_test(test_char_percent_star),
		cmocka_unit_test(test_pointer),
		cmocka_unit_test(test_own_behaviour),
		cmocka_unit_test(test_wide_fields),
		cmocka_unit_test(test_truncation),
		cmocka_unit_test(test_vsnprintf),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
