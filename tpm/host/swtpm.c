/* Host only: swtpm over TCP for tests and host tools (tpm/host/swtpm.h). */
#include <arpa/inet.h>
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>
#include "tpm/host/swtpm.h"

#define DEFAULT_TIMEOUT_MS 10000
#define START_TIMEOUT_MS 3000
#define START_ATTEMPTS 8

static int64_t now_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

static int io_err(struct sdm_err *err, const char *what, const char *step)
{
	return sdm_err_set(err, SDM_EIO, "swtpm %s: %s: %s", what, step,
			   strerror(errno));
}

/* Write all of p[0..n) (no SIGPIPE). */
static int send_all(int fd, const void *p, size_t n, const char *what,
		    struct sdm_err *err)
{
	const uint8_t *q = p;

	while (n > 0) {
		ssize_t k = send(fd, q, n, MSG_NOSIGNAL);

		if (k < 0 && errno == EINTR)
			continue;
		if (k <= 0)
			return io_err(err, what, "send");
		q += k;
		n -= (size_t)k;
	}
	return SDM_OK;
}

/* Read exactly n bytes before the deadline. */
static int recv_all(int fd, void *p, size_t n, int64_t deadline,
		    const char *what, struct sdm_err *err)
{
	uint8_t *q = p;

	while (n > 0) {
		struct pollfd pfd = { .fd = fd, .events = POLLIN };
		int64_t left = deadline - now_ms();
		ssize_t k;
		int pr;

		if (left <= 0)
			return sdm_err_set(err, SDM_EIO,
					   "swtpm %s: no answer within the "
					   "time limit (%zu bytes missing)",
					   what, n);
		pr = poll(&pfd, 1, left > 1000 ? 1000 : (int)left);
		if (pr < 0 && errno == EINTR)
			continue;
		if (pr < 0)
			return io_err(err, what, "poll");
		if (pr == 0)
			continue;
		k = recv(fd, q, n, 0);
		if (k < 0 && errno == EINTR)
			continue;
		if (k < 0)
			return io_err(err, what, "recv");
		if (k == 0)
			return sdm_err_set(err, SDM_EIO,
					   "swtpm %s: connection closed "
					   "(%zu bytes missing)",
					   what, n);
		q += k;
		n -= (size_t)k;
	}
	return SDM_OK;
}

static int tcp_connect(const char *host, uint16_t port, int *fd,
		       struct sdm_err *err)
{
	struct sockaddr_in sa = { .sin_family = AF_INET };
	int one = 1, s;

	sa.sin_port = htons(port);
	if (inet_pton(AF_INET, host, &sa.sin_addr) != 1)
		return sdm_err_set(err, SDM_EINVAL,
				   "swtpm: host \"%s\" is not an IPv4 address",
				   host);
	s = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
	if (s < 0)
		return io_err(err, "connect", "socket");
	if (connect(s, (struct sockaddr *)&sa, sizeof(sa)) != 0) {
		int rc = sdm_err_set(err, SDM_EIO, "swtpm: connect %s:%u: %s",
				     host, port, strerror(errno));

		close(s);
		return rc;
	}
	setsockopt(s, IPPROTO_TCP, TCP_NODELAY, &one, sizeof(one));
	*fd = s;
	return SDM_OK;
}

static uint32_t be32_at(const uint8_t *p)
{
	return (uint32_t)p[0] << 24 | (uint32_t)p[1] << 16 |
	       (uint32_t)p[2] << 8 | p[3];
}

static void put_be32(uint8_t *p, uint32_t v)
{
	p[0] = (uint8_t)(v >> 24);
	p[1] = (uint8_t)(v >> 16);
	p[2] = (uint8_t)(v >> 8);
	p[3] = (uint8_t)v;
}

static const char *ctrl_name(uint32_t cmd)
{
	switch (cmd) {
	case SWTPM_CMD_GET_CAPABILITY: return "GET_CAPABILITY";
	case SWTPM_CMD_INIT: return "INIT";
	case SWTPM_CMD_SHUTDOWN: return "SHUTDOWN";
	case SWTPM_CMD_SET_LOCALITY: return "SET_LOCALITY";
	case SWTPM_CMD_HASH_START: return "HASH_START";
	case SWTPM_CMD_HASH_DATA: return "HASH_DATA";
	case SWTPM_CMD_HASH_END: return "HASH_END";
	default: return "command";
	}
}

int swtpm_ctrl(struct swtpm *s, uint32_t cmd, const void *in, size_t in_len,
	       void *out, size_t out_len, struct sdm_err *err)
{
	uint8_t msg[4 + 4 + SWTPM_HASH_CHUNK];
	char what[40];
	uint32_t res;
	int rc;

	snprintf(what, sizeof(what), "control %s", ctrl_name(cmd));
	if (s->ctrl_fd < 0)
		return sdm_err_set(err, SDM_EIO, "swtpm %s: not connected",
				   what);
	if (in_len > sizeof(msg) - 4 || out_len < 4)
		return sdm_err_set(err, SDM_EINVAL,
				   "swtpm %s: %zu-byte request, %zu-byte "
				   "answer not supported",
				   what, in_len, out_len);
	/* One send: older swtpm reads a control command in one read. */
	put_be32(msg, cmd);
	if (in_len != 0)
		memcpy(msg + 4, in, in_len);
	rc = send_all(s->ctrl_fd, msg, 4 + in_len, what, err);
	if (rc == SDM_OK)
		rc = recv_all(s->ctrl_fd, out, out_len,
			      now_ms() + s->timeout_ms, what, err);
	if (rc != SDM_OK)
		return rc;
	res = be32_at(out);
	if (res != 0)
		return sdm_err_set(err, SDM_EIO, "swtpm %s: result 0x%x", what,
				   res);
	return SDM_OK;
}

int swtpm_set_locality(struct swtpm *s, unsigned locality,
		       struct sdm_err *err)
{
	uint8_t loc = (uint8_t)locality, res[4];
	int rc;

	if (locality > 4)
		return sdm_err_set(err, SDM_EINVAL,
				   "swtpm: locality %u beyond 4", locality);
	s->locality = -1;
	rc = swtpm_ctrl(s, SWTPM_CMD_SET_LOCALITY, &loc, 1, res, sizeof(res),
			err);
	if (rc == SDM_OK)
		s->locality = (int)locality;
	return rc;
}

int swtpm_init(struct swtpm *s, uint32_t flags, struct sdm_err *err)
{
	uint8_t req[4], res[4];

	put_be32(req, flags);
	s->locality = -1;
	return swtpm_ctrl(s, SWTPM_CMD_INIT, req, sizeof(req), res,
			  sizeof(res), err);
}

int swtpm_shutdown(struct swtpm *s, struct sdm_err *err)
{
	uint8_t res[4];

	return swtpm_ctrl(s, SWTPM_CMD_SHUTDOWN, NULL, 0, res, sizeof(res),
			  err);
}

int swtpm_hash_start(struct swtpm *s, struct sdm_err *err)
{
	uint8_t res[4];

	return swtpm_ctrl(s, SWTPM_CMD_HASH_START, NULL, 0, res, sizeof(res),
			  err);
}

int swtpm_hash_data(struct swtpm *s, const void *data, size_t len,
		    struct sdm_err *err)
{
	uint8_t req[4 + SWTPM_HASH_CHUNK], res[4];
	const uint8_t *p = data;

	while (len > 0) {
		size_t n = len < SWTPM_HASH_CHUNK ? len : SWTPM_HASH_CHUNK;
		int rc;

		put_be32(req, (uint32_t)n);
		memcpy(req + 4, p, n);
		rc = swtpm_ctrl(s, SWTPM_CMD_HASH_DATA, req, 4 + n, res,
				sizeof(res), err);
		if (rc != SDM_OK)
			return rc;
		p += n;
		len -= n;
	}
	return SDM_OK;
}

int swtpm_hash_end(struct swtpm *s, struct sdm_err *err)
{
	uint8_t res[4];

	return swtpm_ctrl(s, SWTPM_CMD_HASH_END, NULL, 0, res, sizeof(res),
			  err);
}

/* The transport: set the locality when it changes, then one exchange. */
static int xfer(void *ctx, unsigned locality, const uint8_t *cmd,
		size_t cmd_len, uint8_t *rsp, size_t rsp_cap, size_t *rsp_len,
		struct sdm_err *err)
{
	struct swtpm *s = ctx;
	int64_t deadline;
	uint32_t size;
	int rc;

	*rsp_len = 0;
	if (rsp_cap < 10)
		return sdm_err_set(err, SDM_EINVAL,
				   "swtpm-tcp: response buffer of %zu bytes",
				   rsp_cap);
	if ((int)locality != s->locality) {
		rc = swtpm_set_locality(s, locality, err);
		if (rc != SDM_OK)
			return rc;
	}
	if (s->data_fd < 0) {
		rc = tcp_connect(s->host, s->port, &s->data_fd, err);
		if (rc != SDM_OK)
			return rc;
	}
	deadline = now_ms() + s->timeout_ms;
	rc = send_all(s->data_fd, cmd, cmd_len, "data", err);
	if (rc == SDM_OK)
		rc = recv_all(s->data_fd, rsp, 10, deadline, "data", err);
	if (rc != SDM_OK)
		goto resync;
	size = be32_at(rsp + 2);
	if (size < 10 || size > rsp_cap) {
		rc = sdm_err_set(err, SDM_ERANGE,
				 "swtpm-tcp: response size %u, buffer holds "
				 "10..%zu",
				 size, rsp_cap);
		goto resync;
	}
	rc = recv_all(s->data_fd, rsp + 10, size - 10, deadline, "data", err);
	if (rc != SDM_OK)
		goto resync;
	*rsp_len = size;
	return SDM_OK;
resync:
	/* The stream position is unknown: the next command reconnects. */
	close(s->data_fd);
	s->data_fd = -1;
	return rc;
}

static void init_struct(struct swtpm *s, bool tpm2)
{
	memset(s, 0, sizeof(*s));
	s->tpm2 = tpm2;
	s->data_fd = -1;
	s->ctrl_fd = -1;
	s->locality = -1;
	s->timeout_ms = DEFAULT_TIMEOUT_MS;
	s->tr.name = "swtpm-tcp";
	s->tr.ctx = s;
	s->tr.xfer = xfer;
}

int swtpm_connect(struct swtpm *s, const char *host, uint16_t port,
		  uint16_t ctrl_port, bool tpm2, struct sdm_err *err)
{
	int rc;

	init_struct(s, tpm2);
	snprintf(s->host, sizeof(s->host), "%s", host);
	s->port = port;
	s->ctrl_port = ctrl_port;
	rc = tcp_connect(host, ctrl_port, &s->ctrl_fd, err);
	if (rc == SDM_OK)
		rc = tcp_connect(host, port, &s->data_fd, err);
	if (rc != SDM_OK)
		swtpm_stop(s);
	return rc;
}

/* A port P from the kernel with P+1 free as well; 0 if none. */
static uint16_t free_port_pair(void)
{
	for (int i = 0; i < 16; i++) {
		struct sockaddr_in sa = { .sin_family = AF_INET };
		socklen_t len = sizeof(sa);
		int a = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
		int b = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
		uint16_t p = 0;

		sa.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
		if (a >= 0 && b >= 0 &&
		    bind(a, (struct sockaddr *)&sa, sizeof(sa)) == 0 &&
		    getsockname(a, (struct sockaddr *)&sa, &len) == 0 &&
		    ntohs(sa.sin_port) < 65535) {
			p = ntohs(sa.sin_port);
			sa.sin_port = htons((uint16_t)(p + 1));
			if (bind(b, (struct sockaddr *)&sa, sizeof(sa)) != 0)
				p = 0;
		}
		if (a >= 0)
			close(a);
		if (b >= 0)
			close(b);
		if (p != 0)
			return p;
	}
	return 0;
}

static bool on_path(const char *prog)
{
	const char *path = getenv("PATH");
	char buf[512];

	while (path != NULL && *path != '\0') {
		const char *end = strchr(path, ':');
		size_t n = end != NULL ? (size_t)(end - path) : strlen(path);

		if (n > 0 && n < sizeof(buf) - strlen(prog) - 2) {
			snprintf(buf, sizeof(buf), "%.*s/%s", (int)n, path,
				 prog);
			if (access(buf, X_OK) == 0)
				return true;
		}
		path = end != NULL ? end + 1 : NULL;
	}
	return false;
}

/* The last line of the swtpm log, for error messages. */
static void log_tail(const struct swtpm *s, char *out, size_t cap)
{
	char path[96], buf[512];
	const char *line;
	ssize_t n;
	int fd;

	out[0] = '\0';
	snprintf(path, sizeof(path), "%s/swtpm.log", s->dir);
	fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return;
	n = read(fd, buf, sizeof(buf) - 1);
	close(fd);
	if (n <= 0)
		return;
	while (n > 0 && (buf[n - 1] == '\n' || buf[n - 1] == ' '))
		n--;
	buf[n] = '\0';
	line = strrchr(buf, '\n');

	snprintf(out, cap, "%.*s", (int)cap - 1, line != NULL ? line + 1 : buf);
}

static int spawn(struct swtpm *s)
{
	char server[64], ctrl[64], state[96], logpath[96];
	const char *argv[16];
	int argc = 0, pid, fd;

	snprintf(server, sizeof(server), "type=tcp,port=%u", s->port);
	snprintf(ctrl, sizeof(ctrl), "type=tcp,port=%u", s->ctrl_port);
	snprintf(state, sizeof(state), "dir=%s", s->dir);
	snprintf(logpath, sizeof(logpath), "%s/swtpm.log", s->dir);
	argv[argc++] = "swtpm";
	argv[argc++] = "socket";
	if (s->tpm2)
		argv[argc++] = "--tpm2";
	argv[argc++] = "--server";
	argv[argc++] = server;
	argv[argc++] = "--ctrl";
	argv[argc++] = ctrl;
	argv[argc++] = "--tpmstate";
	argv[argc++] = state;
	argv[argc++] = "--flags";
	argv[argc++] = "not-need-init";
	argv[argc] = NULL;

	fd = open(logpath, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0600);
	if (fd < 0)
		return -1;
	pid = fork();
	if (pid == 0) {
		/* Child: die with the test; output to the log. */
		int null = open("/dev/null", O_RDONLY);

		prctl(PR_SET_PDEATHSIG, SIGKILL);
		if (null >= 0)
			dup2(null, 0);
		dup2(fd, 1);
		dup2(fd, 2);
		execvp("swtpm", (char *const *)argv);
		dprintf(2, "exec swtpm: %s\n", strerror(errno));
		_exit(127);
	}
	close(fd);
	return pid;
}

/* Wait until swtpm accepts both connections, or exits. */
static int wait_ready(struct swtpm *s, struct sdm_err *err)
{
	int64_t deadline = now_ms() + START_TIMEOUT_MS;
	struct sdm_err e;
	int status;

	for (;;) {
		if (waitpid(s->pid, &status, WNOHANG) == s->pid) {
			s->pid = 0;
			return sdm_err_set(err, SDM_ENOENT,
					   "swtpm exited with status 0x%x",
					   status);
		}
		if (s->ctrl_fd < 0)
			tcp_connect("127.0.0.1", s->ctrl_port, &s->ctrl_fd, &e);
		if (s->ctrl_fd >= 0 &&
		    tcp_connect("127.0.0.1", s->port, &s->data_fd, &e) ==
			    SDM_OK)
			return SDM_OK;
		if (now_ms() > deadline)
			return sdm_err_set(err, SDM_EIO,
					   "swtpm: not listening on ports "
					   "%u/%u after %d ms",
					   s->port, s->ctrl_port,
					   START_TIMEOUT_MS);
		usleep(5000);
	}
}

static void kill_child(struct swtpm *s)
{
	int status;

	if (s->pid <= 0)
		return;
	for (int i = 0; i < 200; i++) {
		if (i == 100)
			kill(s->pid, SIGTERM);
		if (waitpid(s->pid, &status, WNOHANG) == s->pid) {
			s->pid = 0;
			return;
		}
		usleep(10000);
	}
	kill(s->pid, SIGKILL);
	waitpid(s->pid, &status, 0);
	s->pid = 0;
}

static void remove_dir(struct swtpm *s)
{
	DIR *d;
	struct dirent *e;

	if (s->dir[0] == '\0')
		return;
	d = opendir(s->dir);
	if (d != NULL) {
		while ((e = readdir(d)) != NULL) {
			if (strcmp(e->d_name, ".") != 0 &&
			    strcmp(e->d_name, "..") != 0)
				unlinkat(dirfd(d), e->d_name, 0);
		}
		closedir(d);
	}
	rmdir(s->dir);
	s->dir[0] = '\0';
}

int swtpm_start(struct swtpm *s, bool tpm2, struct sdm_err *err)
{
	const char *tmp = getenv("TMPDIR");
	char tail[160];
	int rc = SDM_EIO;

	init_struct(s, tpm2);
	snprintf(s->host, sizeof(s->host), "127.0.0.1");
	if (!on_path("swtpm"))
		return sdm_err_set(err, SDM_ENOENT,
				   "swtpm: not found on PATH (Debian package "
				   "swtpm)");
	if (tmp == NULL || tmp[0] == '\0' || strlen(tmp) > 40)
		tmp = "/tmp";
	snprintf(s->dir, sizeof(s->dir), "%s/sdm-swtpm.XXXXXX", tmp);
	if (mkdtemp(s->dir) == NULL) {
		rc = io_err(err, "start", s->dir);
		s->dir[0] = '\0';
		return rc;
	}
	/* Another process may take a port between our check and swtpm. */
	for (int attempt = 0; attempt < START_ATTEMPTS; attempt++) {
		s->port = free_port_pair();
		s->ctrl_port = (uint16_t)(s->port + 1);
		if (s->port == 0) {
			rc = sdm_err_set(err, SDM_EIO,
					 "swtpm: no free pair of TCP ports");
			break;
		}
		s->pid = spawn(s);
		if (s->pid < 0) {
			s->pid = 0;
			rc = io_err(err, "start", "fork");
			break;
		}
		rc = wait_ready(s, err);
		if (rc == SDM_OK)
			return SDM_OK;
		log_tail(s, tail, sizeof(tail));
		if (err != NULL && tail[0] != '\0') {
			char m[sizeof(err->msg)];

			snprintf(m, sizeof(m), "%s", err->msg);
			sdm_err_set(err, rc, "%s: %s", m, tail);
		}
		if (s->ctrl_fd >= 0)
			close(s->ctrl_fd);
		s->ctrl_fd = -1;
		kill_child(s);
		if (rc != SDM_ENOENT || strstr(tail, "in use") == NULL)
			break; /* not a port clash: retrying will not help */
	}
	swtpm_stop(s);
	return rc;
}

void swtpm_stop(struct swtpm *s)
{
	struct sdm_err e;

	if (s->tr.xfer != xfer)
		return; /* never started or connected */
	if (s->pid > 0 && s->ctrl_fd >= 0)
		swtpm_shutdown(s, &e);
	if (s->data_fd >= 0)
		close(s->data_fd);
	if (s->ctrl_fd >= 0)
		close(s->ctrl_fd);
	s->data_fd = -1;
	s->ctrl_fd = -1;
	s->locality = -1;
	kill_child(s);
	remove_dir(s);
}
