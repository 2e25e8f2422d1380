#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <string.h>
#include <cmocka.h>
#include <sdm/cmdline.h>

static void test_get(void **state)
{
	const char *cl = "console=serial,e9  loglevel=debug exit quiet=1";
	char v[16];

	assert_true(cmdline_get(cl, 100, "console", v, sizeof(v)));
	assert_string_equal(v, "serial,e9");
	assert_true(cmdline_get(cl, 100, "loglevel", v, sizeof(v)));
	assert_string_equal(v, "debug");
	assert_true(cmdline_get(cl, 100, "exit", v, sizeof(v)));
	assert_string_equal(v, "");
	assert_false(cmdline_get(cl, 100, "log", v, sizeof(v)));
	assert_false(cmdline_get(cl, 100, "quie", v, sizeof(v)));
	assert_false(cmdline_get(cl, 100, "missing", v, sizeof(v)));
}

static void test_bounds(void **state)
{
	const char *cl = "key=0123456789";
	char v[8];

	/* Value longer than the buffer: refused, not truncated. */
	assert_false(cmdline_get(cl, 100, "key", v, sizeof(v)));
	/* The length bound cuts the value. */
	assert_true(cmdline_get(cl, 7, "key", v, sizeof(v)));
	assert_string_equal(v, "012");
	assert_false(cmdline_get(cl, 2, "key", v, sizeof(v)));
}

static void test_first_word(void **state)
{
	char w[8];

	assert_true(cmdline_first_word("  dommgr loglevel=1", 64, w, sizeof(w)));
	assert_string_equal(w, "dommgr");
	assert_true(cmdline_first_word("", 64, w, sizeof(w)));
	assert_string_equal(w, "");
	assert_false(cmdline_first_word("protected name=x", 64, w, sizeof(w)));
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_get),
		cmocka_unit_test(test_bounds),
		cmocka_unit_test(test_first_word),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
