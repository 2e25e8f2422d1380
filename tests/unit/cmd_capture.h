/*
 * Shared by the unit tests that run `sdm` subcommands in-process
 * (test_eventlog, test_policy, test_sdm_tpm):
 *   - read_stream(f): the whole of a stdio stream as a NUL-terminated
 *     string (malloc'd);
 *   - run_cmd(fn, argv, &out, &err): runs fn(argc, argv) (argv ends with
 *     NULL) with stdout and stderr captured into out and err (malloc'd);
 *     returns its exit code.
 * Include it after <cmocka.h>.
 */
#ifndef SDM_TESTS_UNIT_CMD_CAPTURE_H
#define SDM_TESTS_UNIT_CMD_CAPTURE_H

#include <stdio.h>
#include <stdlib.h>
#include <unistd.h>

static inline char *read_stream(FILE *f)
{
	long n;
	char *s;

	fflush(f);
	assert_int_equal(fseek(f, 0, SEEK_END), 0);
	n = ftell(f);
	assert_true(n >= 0);
	rewind(f);
	s = calloc(1, (size_t)n + 1);
	assert_non_null(s);
	assert_int_equal(fread(s, 1, (size_t)n, f), (size_t)n);
	return s;
}

static inline int run_cmd(int (*fn)(int, char **), char **argv, char **out,
			  char **errout)
{
	FILE *o = tmpfile(), *e = tmpfile();
	int so, se, rc, argc = 0;

	assert_non_null(o);
	assert_non_null(e);
	while (argv[argc] != NULL)
		argc++;
	fflush(stdout);
	fflush(stderr);
	so = dup(1);
	se = dup(2);
	assert_true(so >= 0 && se >= 0);
	assert_true(dup2(fileno(o), 1) >= 0 && dup2(fileno(e), 2) >= 0);
	rc = fn(argc, argv);
	fflush(stdout);
	fflush(stderr);
	dup2(so, 1);
	dup2(se, 2);
	close(so);
	close(se);
	*out = read_stream(o);
	*errout = read_stream(e);
	fclose(o);
	fclose(e);
	return rc;
}

#endif
