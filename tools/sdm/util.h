/*
 * Small host helpers shared by the sdm subcommands: bounded file reads,
 * file copies, running a program with its output captured, removing a
 * staging tree. Every function reports failures with a message naming
 * the file or program into a caller's buffer.
 */
#ifndef SDM_TOOL_UTIL_H
#define SDM_TOOL_UTIL_H
#include <stddef.h>

/* Formats a message into err (size errlen) and returns -1. */
int sdm_fail(char *err, size_t errlen, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));

/*
 * Reads at most cap bytes from the start of path into buf; *len gets the
 * count, *total the file's size. -1 with a message if it is not a
 * readable regular file.
 */
int sdm_read_head(const char *path, void *buf, size_t cap, size_t *len,
		  size_t *total, char *err, size_t errlen);

/* Copies the regular file src to dst (created with mode 0644). */
int sdm_copy_file(const char *src, const char *dst, char *err, size_t errlen);

/* Writes len bytes to path (created or truncated, mode 0644). */
int sdm_write_file(const char *path, const void *data, size_t len,
		   char *err, size_t errlen);

/*
 * Runs argv[0] (searched in PATH) with stdin from /dev/null and stdout and
 * stderr captured into *out (NUL-terminated, malloc'ed, at most
 * SDM_RUN_MAX_OUTPUT bytes kept; the caller frees it). *status gets the
 * wait status. -1 with a message only if the program could not be run.
 */
#define SDM_RUN_MAX_OUTPUT (1024u * 1024u)
int sdm_run_capture(char *const argv[], char **out, int *status,
		    char *err, size_t errlen);

/* Removes a directory tree (does not follow symbolic links). */
int sdm_remove_tree(const char *dir, char *err, size_t errlen);

#endif
