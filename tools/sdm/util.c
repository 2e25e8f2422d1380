/* Host helpers for the sdm subcommands (see util.h). */
#include <errno.h>
#include <fcntl.h>
#include <ftw.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/types.h>
#include <sys/wait.h>
#include <unistd.h>

#include "util.h"

int sdm_fail(char *err, size_t errlen, const char *fmt, ...)
{
	va_list ap;

	if (err != NULL && errlen > 0) {
		va_start(ap, fmt);
		vsnprintf(err, errlen, fmt, ap);
		va_end(ap);
	}
	return -1;
}

/* Opens path for reading and checks it is a regular file. */
static int open_regular(const char *path, off_t *size, char *err, size_t errlen)
{
	struct stat st;
	int fd = open(path, O_RDONLY | O_CLOEXEC);

	if (fd < 0)
		return sdm_fail(err, errlen, "%s: cannot open: %s", path, strerror(errno));
	if (fstat(fd, &st) != 0) {
		int e = errno;

		close(fd);
		return sdm_fail(err, errlen, "%s: cannot stat: %s", path, strerror(e));
	}
	if (!S_ISREG(st.st_mode)) {
		close(fd);
		return sdm_fail(err, errlen, "%s: not a regular file", path);
	}
	*size = st.st_size;
	return fd;
}

int sdm_read_head(const char *path, void *buf, size_t cap, size_t *len,
		  size_t *total, char *err, size_t errlen)
{
	off_t size;
	size_t got = 0;
	int fd = open_regular(path, &size, err, errlen);

	if (fd < 0)
		return -1;
	while (got < cap) {
		ssize_t n = read(fd, (char *)buf + got, cap - got);

		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0) {
			int e = errno;

			close(fd);
			return sdm_fail(err, errlen, "%s: read error: %s", path, strerror(e));
		}
		if (n == 0)
			break;
		got += (size_t)n;
	}
	close(fd);
	*len = got;
	*total = (size_t)size;
	return 0;
}

static int write_all(int fd, const void *data, size_t len)
{
	const char *p = data;

	while (len > 0) {
		ssize_t n = write(fd, p, len);

		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0)
			return -1;
		p += n;
		len -= (size_t)n;
	}
	return 0;
}

int sdm_write_file(const char *path, const void *data, size_t len,
		   char *err, size_t errlen)
{
	int fd = open(path, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);

	if (fd < 0)
		return sdm_fail(err, errlen, "%s: cannot create: %s", path, strerror(errno));
	if (write_all(fd, data, len) != 0) {
		int e = errno;

		close(fd);
		return sdm_fail(err, errlen, "%s: write error: %s", path, strerror(e));
	}
	if (close(fd) != 0)
		return sdm_fail(err, errlen, "%s: write error: %s", path, strerror(errno));
	return 0;
}

int sdm_copy_file(const char *src, const char *dst, char *err, size_t errlen)
{
	static char buf[64 * 1024];
	off_t size;
	int in, out, rc = 0;

	in = open_regular(src, &size, err, errlen);
	if (in < 0)
		return -1;
	out = open(dst, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
	if (out < 0) {
		int e = errno;

		close(in);
		return sdm_fail(err, errlen, "%s: cannot create: %s", dst, strerror(e));
	}
	for (;;) {
		ssize_t n = read(in, buf, sizeof(buf));

		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0) {
			rc = sdm_fail(err, errlen, "%s: read error: %s", src, strerror(errno));
			break;
		}
		if (n == 0)
			break;
		if (write_all(out, buf, (size_t)n) != 0) {
			rc = sdm_fail(err, errlen, "%s: write error: %s", dst, strerror(errno));
			break;
		}
	}
	close(in);
	if (close(out) != 0 && rc == 0)
		rc = sdm_fail(err, errlen, "%s: write error: %s", dst, strerror(errno));
	return rc;
}

int sdm_run_capture(char *const argv[], char **out, int *status,
		    char *err, size_t errlen)
{
	int outp[2], errp[2], child_errno = 0;
	size_t len = 0, cap = 4096;
	char *buf;
	pid_t pid;
	ssize_t n;

	buf = malloc(cap);
	if (buf == NULL)
		return sdm_fail(err, errlen, "out of memory");
	/* errp reports a failed exec: it closes unread when exec succeeds. */
	if (pipe2(outp, O_CLOEXEC) != 0) {
		free(buf);
		return sdm_fail(err, errlen, "pipe: %s", strerror(errno));
	}
	if (pipe2(errp, O_CLOEXEC) != 0) {
		int e = errno;

		close(outp[0]);
		close(outp[1]);
		free(buf);
		return sdm_fail(err, errlen, "pipe: %s", strerror(e));
	}
	pid = fork();
	if (pid < 0) {
		int e = errno;

		close(outp[0]);
		close(outp[1]);
		close(errp[0]);
		close(errp[1]);
		free(buf);
		return sdm_fail(err, errlen, "fork: %s", strerror(e));
	}
	if (pid == 0) {
		int devnull = open("/dev/null", O_RDONLY);

		if (devnull < 0 || dup2(devnull, 0) < 0 || dup2(outp[1], 1) < 0 ||
		    dup2(outp[1], 2) < 0)
			_exit(127);
		execvp(argv[0], argv);
		child_errno = errno;
		(void)!write(errp[1], &child_errno, sizeof(child_errno));
		_exit(127);
	}
	close(outp[1]);
	close(errp[1]);
	for (;;) {
		if (len + 1 == cap && cap < SDM_RUN_MAX_OUTPUT) {
			char *bigger = realloc(buf, cap * 2);

			if (bigger != NULL) {
				buf = bigger;
				cap *= 2;
			}
		}
		if (len + 1 < cap) {
			n = read(outp[0], buf + len, cap - 1 - len);
		} else {
			char sink[4096]; /* output beyond the cap is dropped */

			n = read(outp[0], sink, sizeof(sink));
		}
		if (n < 0 && errno == EINTR)
			continue;
		if (n <= 0)
			break;
		if (len + 1 < cap)
			len += (size_t)n;
	}
	buf[len] = '\0';
	close(outp[0]);
	n = read(errp[0], &child_errno, sizeof(child_errno));
	close(errp[0]);
	while (waitpid(pid, status, 0) < 0) {
		if (errno != EINTR) {
			free(buf);
			return sdm_fail(err, errlen, "waitpid %s: %s", argv[0], strerror(errno));
		}
	}
	if (n == (ssize_t)sizeof(child_errno)) {
		free(buf);
		return sdm_fail(err, errlen, "cannot run %s: %s", argv[0],
				strerror(child_errno));
	}
	*out = buf;
	return 0;
}

static char remove_failed[4096];

static int remove_one(const char *path, const struct stat *st, int type,
		      struct FTW *ftw)
{
	if (remove(path) != 0) {
		snprintf(remove_failed, sizeof(remove_failed), "%s: %s", path,
			 strerror(errno));
		return 1;
	}
	return 0;
}

int sdm_remove_tree(const char *dir, char *err, size_t errlen)
{
	int rc = nftw(dir, remove_one, 16, FTW_DEPTH | FTW_PHYS);

	if (rc == 1)
		return sdm_fail(err, errlen, "cannot remove %s", remove_failed);
	if (rc != 0)
		return sdm_fail(err, errlen, "cannot remove %s: %s", dir, strerror(errno));
	return 0;
}
