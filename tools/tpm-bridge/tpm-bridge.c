/*
 * sdm-tpm-bridge: the host half of the emulator TPM bridge (tpm/bridge.h).
 *
 *   sdm-tpm-bridge --listen PORT --tpm HOST:PORT --ctrl HOST:PORT
 *                  [--log FILE] [--port-file FILE]
 *
 * Connects to a running swtpm's data and control channels (retrying for
 * up to 5 s, so it may be started together with swtpm), then listens on
 * 127.0.0.1:PORT (0: any free port; --port-file receives the number once
 * it listens) for one connection: Bochs's `com2: mode=socket-client`.
 * Each request frame gets one reply frame:
 *
 *   HELLO       version and name
 *   COMMAND     CMD_SET_LOCALITY on the control channel when the locality
 *               differs from the last one set, then the command on the
 *               data channel; the reply carries the TPM's response
 *   HASH_START  only at locality 4, as a chipset passes the D-RTM
 *   HASH_DATA   sequence only from the CPU: CMD_SET_LOCALITY(4), then
 *   HASH_END    CMD_HASH_START / CMD_HASH_DATA / CMD_HASH_END. At any
 *               other locality the frame is refused (BRIDGE_ELOCALITY)
 *               and logged, and swtpm is not touched.
 *
 * swtpm's control channel (see swtpm_ioctl(8); codes checked with strace
 * of swtpm_ioctl 0.7.1): a request is a big-endian u32 command code and
 * its payload, sent in one write; the answer to the commands used here
 * is a big-endian u32 result, 0 for success. CMD_SET_LOCALITY (5):
 * payload u8 locality. CMD_HASH_START (6), CMD_HASH_END (8): no payload.
 * CMD_HASH_DATA (7): u32 length, then at most 4096 data bytes.
 * CMD_CANCEL_TPM_CMD (9): no payload.
 *
 * Every frame is logged (stderr, or --log FILE). The program exits 0 when
 * the guest disconnects, 1 on a setup error.
 */
#include <errno.h>
#include <fcntl.h>
#include <netdb.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <poll.h>
#include <signal.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>
#include "tpm/bridge.h"

#define CMD_SET_LOCALITY 5u
#define CMD_HASH_START 6u
#define CMD_HASH_DATA 7u
#define CMD_HASH_END 8u
#define CMD_CANCEL_TPM_CMD 9u
#define SWTPM_HASH_CHUNK 4096u

#define CONNECT_MS 5000     /* retrying the connection to swtpm */
#define CTRL_MS 5000        /* one control channel answer */
#define TPM_CMD_MS 120000   /* one TPM command (tpm/hw.h's bound) */
#define CANCEL_MS 2000      /* the answer to a cancelled command */
#define FRAME_GAP_MS 5000   /* longest gap inside a frame from the guest */
#define TPM_HDR 10u

static FILE *logfp;
static struct timespec t0;

static double since_start(void)
{
	struct timespec t;

	clock_gettime(CLOCK_MONOTONIC, &t);
	return (double)(t.tv_sec - t0.tv_sec) +
	       (double)(t.tv_nsec - t0.tv_nsec) / 1e9;
}

static void logmsg(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
static void logmsg(const char *fmt, ...)
{
	va_list ap;

	fprintf(logfp, "[%9.3f] ", since_start());
	va_start(ap, fmt);
	vfprintf(logfp, fmt, ap);
	va_end(ap);
	fputc('\n', logfp);
	fflush(logfp);
}

static void usage(void)
{
	fprintf(stderr,
		"usage: sdm-tpm-bridge --listen PORT --tpm HOST:PORT --ctrl HOST:PORT\n"
		"                      [--log FILE] [--port-file FILE]\n");
	exit(1);
}

/* ------------------------------------------------------------ sockets */

static int split_hostport(const char *s, char *host, size_t cap,
			  char **port)
{
	const char *colon = strrchr(s, ':');

	if (colon == NULL || colon == s || (size_t)(colon - s) >= cap ||
	    colon[1] == '\0')
		return -1;
	memcpy(host, s, (size_t)(colon - s));
	host[colon - s] = '\0';
	*port = (char *)colon + 1;
	return 0;
}

/* Connect to host:port, retrying while nothing listens yet. */
static int connect_to(const char *what, const char *hostport)
{
	struct addrinfo hints = { .ai_socktype = SOCK_STREAM }, *ai;
	char host[256], *port;
	double until = since_start() + CONNECT_MS / 1000.0;
	int fd, one = 1, rc;

	if (split_hostport(hostport, host, sizeof(host), &port) != 0) {
		logmsg("setup: %s address '%s' is not HOST:PORT", what,
		       hostport);
		return -1;
	}
	rc = getaddrinfo(host, port, &hints, &ai);
	if (rc != 0) {
		logmsg("setup: %s address '%s': %s", what, hostport,
		       gai_strerror(rc));
		return -1;
	}
	for (;;) {
		fd = socket(ai->ai_family, SOCK_STREAM | SOCK_CLOEXEC, 0);
		if (fd >= 0 && connect(fd, ai->ai_addr, ai->ai_addrlen) == 0)
			break;
		rc = errno;
		if (fd >= 0)
			close(fd);
		if (since_start() >= until ||
		    (rc != ECONNREFUSED && rc != EAGAIN)) {
			logmsg("setup: cannot connect to swtpm %s channel %s: %s",
			       what, hostport, strerror(rc));
			freeaddrinfo(ai);
			return -1;
		}
		usleep(50000);
	}
	freeaddrinfo(ai);
	setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof(one));
	logmsg("setup: connected to swtpm %s channel %s", what, hostport);
	return fd;
}

static int write_all(int fd, const void *p, size_t n)
{
	const uint8_t *b = p;

	while (n > 0) {
		ssize_t w = send(fd, b, n, MSG_NOSIGNAL);

		if (w < 0 && errno == EINTR)
			continue;
		if (w <= 0)
			return -1;
		b += w;
		n -= (size_t)w;
	}
	return 0;
}

/* Exactly n bytes within ms; 0 ok, -1 error/EOF, -2 timeout. */
static int read_full(int fd, void *p, size_t n, int ms)
{
	uint8_t *b = p;
	double until = since_start() + ms / 1000.0;

	while (n > 0) {
		struct pollfd pfd = { .fd = fd, .events = POLLIN };
		int left = (int)((until - since_start()) * 1000.0);
		ssize_t r;

		if (left <= 0)
			return -2;
		r = poll(&pfd, 1, left);
		if (r < 0 && errno == EINTR)
			continue;
		if (r < 0)
			return -1;
		if (r == 0)
			return -2;
		r = read(fd, b, n);
		if (r < 0 && errno == EINTR)
			continue;
		if (r <= 0)
			return -1;
		b += r;
		n -= (size_t)r;
	}
	return 0;
}

static uint32_t be32(const uint8_t *p)
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

/* ------------------------------------------------------------ swtpm */

struct tpm {
	int data, ctrl;
	int locality; /* last set over the control channel; -1 unknown */
	bool dead;    /* a channel broke: every later request fails */
	bool hashing; /* between HASH_START and HASH_END */
};

static const char *ctrl_name(uint32_t cmd)
{
	switch (cmd) {
	case CMD_SET_LOCALITY: return "CMD_SET_LOCALITY";
	case CMD_HASH_START: return "CMD_HASH_START";
	case CMD_HASH_DATA: return "CMD_HASH_DATA";
	case CMD_HASH_END: return "CMD_HASH_END";
	case CMD_CANCEL_TPM_CMD: return "CMD_CANCEL_TPM_CMD";
	default: return "control command";
	}
}

/* One control command; 0, or -1 with text in why. */
static int ctrl(struct tpm *t, uint32_t cmd, const uint8_t *in, size_t len,
		char *why, size_t cap)
{
	uint8_t msg[4 + 4 + SWTPM_HASH_CHUNK], res[4];
	int rc;

	if (len > sizeof(msg) - 4)
		abort(); /* callers pass at most a hash chunk */
	put_be32(msg, cmd);
	if (len > 0)
		memcpy(msg + 4, in, len);
	if (write_all(t->ctrl, msg, 4 + len) != 0) {
		t->dead = true;
		snprintf(why, cap, "swtpm control channel: %s: %s",
			 ctrl_name(cmd), strerror(errno));
		return -1;
	}
	rc = read_full(t->ctrl, res, sizeof(res), CTRL_MS);
	if (rc != 0) {
		t->dead = true;
		snprintf(why, cap, "swtpm control channel: %s: %s",
			 ctrl_name(cmd),
			 rc == -2 ? "no answer within 5 s" : "closed");
		return -1;
	}
	if (be32(res) != 0) {
		snprintf(why, cap, "swtpm %s returned 0x%x", ctrl_name(cmd),
			 be32(res));
		return -1;
	}
	return 0;
}

static int set_locality(struct tpm *t, unsigned loc, char *why, size_t cap)
{
	uint8_t l = (uint8_t)loc;

	if (t->locality == (int)loc)
		return 0;
	if (ctrl(t, CMD_SET_LOCALITY, &l, 1, why, cap) != 0)
		return -1;
	logmsg("  swtpm: locality %u set", loc);
	t->locality = (int)loc;
	return 0;
}

/* A command on the data channel; the response into rsp (cap bytes). */
static int tpm_command(struct tpm *t, const uint8_t *cmd, size_t len,
		       uint8_t *rsp, size_t cap, size_t *rsp_len, char *why,
		       size_t wcap)
{
	uint32_t size;
	int rc;

	if (write_all(t->data, cmd, len) != 0) {
		t->dead = true;
		snprintf(why, wcap, "swtpm data channel: %s", strerror(errno));
		return -1;
	}
	rc = read_full(t->data, rsp, TPM_HDR, TPM_CMD_MS);
	if (rc == -2) {
		char ignore[64];

		logmsg("  swtpm: no response within %d s, cancelling",
		       TPM_CMD_MS / 1000);
		ctrl(t, CMD_CANCEL_TPM_CMD, NULL, 0, ignore, sizeof(ignore));
		rc = read_full(t->data, rsp, TPM_HDR, CANCEL_MS);
	}
	if (rc != 0) {
		t->dead = true;
		snprintf(why, wcap, "swtpm data channel: %s",
			 rc == -2 ? "no response, even after a cancel"
				  : "closed");
		return -1;
	}
	size = be32(rsp + 2);
	if (size < TPM_HDR || size > cap) {
		t->dead = true; /* framing on the data channel is lost */
		snprintf(why, wcap, "swtpm response size field %u (max %zu)",
			 size, cap);
		return -1;
	}
	if (read_full(t->data, rsp + TPM_HDR, size - TPM_HDR, CTRL_MS) != 0) {
		t->dead = true;
		snprintf(why, wcap, "swtpm data channel: response cut short");
		return -1;
	}
	*rsp_len = size;
	return 0;
}

/* ------------------------------------------------------------ frames */

struct guest {
	int fd;
	unsigned frames;
};

static int send_reply(struct guest *g, const struct bridge_hdr *req,
		      uint8_t status, const void *payload, size_t len)
{
	struct bridge_hdr h = {
		.type = (uint8_t)(req->type | BRIDGE_REPLY),
		.locality = req->locality,
		.seq = req->seq,
		.status = status,
		.len = (uint16_t)len,
	};
	uint8_t f[BRIDGE_MAX_FRAME];
	size_t n = bridge_frame_encode(&h, payload, f, sizeof(f));

	if (n == 0 || write_all(g->fd, f, n) != 0) {
		logmsg("guest: cannot send the reply to seq %u", req->seq);
		return -1;
	}
	return 0;
}

static int refuse(struct guest *g, const struct bridge_hdr *req,
		  uint8_t status, const char *text)
{
	logmsg("seq %3u %-10s loc %u: REFUSED (%s): %s", req->seq,
	       bridge_type_name(req->type), req->locality,
	       bridge_status_name(status), text);
	return send_reply(g, req, status, text, strlen(text));
}

static int do_command(struct guest *g, struct tpm *t,
		      const struct bridge_hdr *h, const uint8_t *p)
{
	static uint8_t rsp[BRIDGE_MAX_PAYLOAD];
	char why[160];
	size_t len;
	double t1;

	if (h->len < TPM_HDR || be32(p + 2) != h->len) {
		snprintf(why, sizeof(why),
			 "command of %u bytes has size field %u", h->len,
			 h->len >= 6 ? be32(p + 2) : 0);
		return refuse(g, h, BRIDGE_ECOMMAND, why);
	}
	if (t->dead)
		return refuse(g, h, BRIDGE_ETPM, "swtpm connection lost");
	if (set_locality(t, h->locality, why, sizeof(why)) != 0)
		return refuse(g, h, BRIDGE_ETPM, why);
	t1 = since_start();
	if (tpm_command(t, p, h->len, rsp, sizeof(rsp), &len, why,
			sizeof(why)) != 0)
		return refuse(g, h, BRIDGE_ETPM, why);
	logmsg("seq %3u COMMAND    loc %u: %u bytes, code 0x%08x -> %zu bytes, rc 0x%08x (%.1f ms)",
	       h->seq, h->locality, h->len, be32(p + 6), len, be32(rsp + 6),
	       (since_start() - t1) * 1000.0);
	return send_reply(g, h, BRIDGE_OK, rsp, len);
}

static int do_hash(struct guest *g, struct tpm *t, const struct bridge_hdr *h,
		   const uint8_t *p)
{
	uint8_t chunk[4 + SWTPM_HASH_CHUNK];
	char why[160];
	int rc = 0;

	if (h->locality != BRIDGE_DRTM_LOCALITY) {
		snprintf(why, sizeof(why),
			 "the D-RTM sequence is accepted at locality 4 only, not %u",
			 h->locality);
		return refuse(g, h, BRIDGE_ELOCALITY, why);
	}
	if (h->type != BRIDGE_HASH_START && !t->hashing)
		return refuse(g, h, BRIDGE_ESEQUENCE, "no HASH_START before");
	if (h->type != BRIDGE_HASH_DATA && h->len != 0)
		return refuse(g, h, BRIDGE_EFRAME, "payload not expected");
	if (t->dead)
		return refuse(g, h, BRIDGE_ETPM, "swtpm connection lost");
	switch (h->type) {
	case BRIDGE_HASH_START:
		rc = set_locality(t, BRIDGE_DRTM_LOCALITY, why, sizeof(why));
		if (rc == 0)
			rc = ctrl(t, CMD_HASH_START, NULL, 0, why, sizeof(why));
		t->hashing = rc == 0;
		break;
	case BRIDGE_HASH_DATA:
		put_be32(chunk, h->len);
		memcpy(chunk + 4, p, h->len);
		rc = ctrl(t, CMD_HASH_DATA, chunk, 4 + (size_t)h->len, why,
			  sizeof(why));
		break;
	default:
		rc = ctrl(t, CMD_HASH_END, NULL, 0, why, sizeof(why));
		t->hashing = false;
		break;
	}
	if (rc != 0)
		return refuse(g, h, BRIDGE_ETPM, why);
	logmsg("seq %3u %-10s loc 4: %u bytes -> ok", h->seq,
	       bridge_type_name(h->type), h->len);
	return send_reply(g, h, BRIDGE_OK, NULL, 0);
}

static int handle(struct guest *g, struct tpm *t, const struct bridge_hdr *h,
		  const uint8_t *p)
{
	static const char name[] = "sdm-tpm-bridge (swtpm)";
	uint8_t hello[sizeof(name)];

	g->frames++;
	if (h->locality > BRIDGE_DRTM_LOCALITY || h->status != 0 ||
	    (h->type & BRIDGE_REPLY))
		return refuse(g, h, BRIDGE_EFRAME,
			      "locality, status or type out of range");
	switch (h->type) {
	case BRIDGE_HELLO:
		logmsg("seq %3u HELLO      loc %u", h->seq, h->locality);
		hello[0] = BRIDGE_VERSION;
		memcpy(hello + 1, name, sizeof(name) - 1);
		return send_reply(g, h, BRIDGE_OK, hello, sizeof(hello));
	case BRIDGE_COMMAND:
		return do_command(g, t, h, p);
	case BRIDGE_HASH_START:
	case BRIDGE_HASH_DATA:
	case BRIDGE_HASH_END:
		return do_hash(g, t, h, p);
	default:
		return refuse(g, h, BRIDGE_EFRAME, "unknown frame type");
	}
}

/*
 * Read frames until the guest disconnects. Bytes before a frame's magic
 * are skipped (and counted); a frame that stalls for FRAME_GAP_MS or fails
 * its CRC is answered with BRIDGE_EFRAME when its header could be read.
 */
static void serve(struct guest *g, struct tpm *t)
{
	static uint8_t f[BRIDGE_MAX_FRAME];
	unsigned long skipped = 0;
	struct sdm_err err;
	struct bridge_hdr h;
	uint8_t prev = 0, c;

	for (;;) {
		int rc = read_full(g->fd, &c, 1, 24 * 3600 * 1000);

		if (rc == -2)
			continue;
		if (rc != 0)
			break;
		if (!(prev == BRIDGE_MAGIC0 && c == BRIDGE_MAGIC1)) {
			if (c != BRIDGE_MAGIC0)
				skipped++;
			prev = c;
			continue;
		}
		prev = 0;
		if (skipped > 0) {
			logmsg("guest: skipped %lu bytes before a frame",
			       skipped);
			skipped = 0;
		}
		f[0] = BRIDGE_MAGIC0;
		f[1] = BRIDGE_MAGIC1;
		rc = read_full(g->fd, f + 2, BRIDGE_HDR_LEN - 2, FRAME_GAP_MS);
		if (rc == -1)
			break;
		if (rc == -2) {
			logmsg("guest: frame header stalled, dropped");
			continue;
		}
		if (bridge_hdr_decode(f, &h, &err) != 0) {
			logmsg("guest: %s", err.msg);
			continue;
		}
		rc = read_full(g->fd, f + BRIDGE_HDR_LEN,
			       (size_t)h.len + BRIDGE_CRC_LEN, FRAME_GAP_MS);
		if (rc == -1)
			break;
		if (rc == -2) {
			refuse(g, &h, BRIDGE_EFRAME, "frame stalled");
			continue;
		}
		if (bridge_frame_check(f, BRIDGE_HDR_LEN + (size_t)h.len +
						  BRIDGE_CRC_LEN,
				       &h, &err) != 0) {
			refuse(g, &h, BRIDGE_EFRAME, err.msg);
			continue;
		}
		if (handle(g, t, &h, f + BRIDGE_HDR_LEN) != 0)
			break;
	}
	logmsg("guest: disconnected after %u frames%s", g->frames,
	       t->hashing ? " (inside an open HASH_START sequence)" : "");
}

/* ------------------------------------------------------------ main */

static int listen_on(const char *port, unsigned *bound)
{
	struct sockaddr_in a = { .sin_family = AF_INET };
	socklen_t alen = sizeof(a);
	char *end;
	long p = strtol(port, &end, 10);
	int fd, one = 1;

	if (*port == '\0' || *end != '\0' || p < 0 || p > 65535) {
		logmsg("setup: --listen '%s' is not a port number", port);
		return -1;
	}
	a.sin_port = htons((uint16_t)p);
	a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	fd = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
	if (fd < 0 ||
	    setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof(one)) != 0 ||
	    bind(fd, (struct sockaddr *)&a, sizeof(a)) != 0 ||
	    listen(fd, 1) != 0 ||
	    getsockname(fd, (struct sockaddr *)&a, &alen) != 0) {
		logmsg("setup: cannot listen on 127.0.0.1:%s: %s", port,
		       strerror(errno));
		return -1;
	}
	*bound = ntohs(a.sin_port);
	return fd;
}

static int write_port_file(const char *path, unsigned port)
{
	char tmp[4096];
	FILE *f;

	snprintf(tmp, sizeof(tmp), "%s.tmp", path);
	f = fopen(tmp, "w");
	if (f == NULL || fprintf(f, "%u\n", port) < 0 || fclose(f) != 0 ||
	    rename(tmp, path) != 0) {
		logmsg("setup: cannot write %s: %s", path, strerror(errno));
		return -1;
	}
	return 0;
}

int main(int argc, char **argv)
{
	const char *listen_port = NULL, *tpm_addr = NULL, *ctrl_addr = NULL;
	const char *log_path = NULL, *port_file = NULL;
	struct tpm t = { .data = -1, .ctrl = -1, .locality = -1 };
	struct guest g = { .fd = -1 };
	unsigned port;
	int lfd, one = 1;

	clock_gettime(CLOCK_MONOTONIC, &t0);
	logfp = stderr;
	for (int i = 1; i < argc; i++) {
		const char **dst = NULL;

		if (strcmp(argv[i], "--listen") == 0)
			dst = &listen_port;
		else if (strcmp(argv[i], "--tpm") == 0)
			dst = &tpm_addr;
		else if (strcmp(argv[i], "--ctrl") == 0)
			dst = &ctrl_addr;
		else if (strcmp(argv[i], "--log") == 0)
			dst = &log_path;
		else if (strcmp(argv[i], "--port-file") == 0)
			dst = &port_file;
		if (dst == NULL || i + 1 >= argc)
			usage();
		*dst = argv[++i];
	}
	if (listen_port == NULL || tpm_addr == NULL || ctrl_addr == NULL)
		usage();
	if (log_path != NULL) {
		logfp = fopen(log_path, "a");
		if (logfp == NULL) {
			fprintf(stderr, "sdm-tpm-bridge: %s: %s\n", log_path,
				strerror(errno));
			return 1;
		}
	}
	signal(SIGPIPE, SIG_IGN);
	t.data = connect_to("data", tpm_addr);
	t.ctrl = t.data < 0 ? -1 : connect_to("control", ctrl_addr);
	if (t.ctrl < 0)
		return 1;
	lfd = listen_on(listen_port, &port);
	if (lfd < 0)
		return 1;
	logmsg("setup: listening on 127.0.0.1:%u for the guest's UART", port);
	if (port_file != NULL && write_port_file(port_file, port) != 0)
		return 1;
	do
		g.fd = accept4(lfd, NULL, NULL, SOCK_CLOEXEC);
	while (g.fd < 0 && errno == EINTR);
	if (g.fd < 0) {
		logmsg("setup: accept: %s", strerror(errno));
		return 1;
	}
	close(lfd);
	setsockopt(g.fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof(one));
	logmsg("guest: connected");
	serve(&g, &t);
	close(g.fd);
	close(t.data);
	close(t.ctrl);
	return 0;
}
