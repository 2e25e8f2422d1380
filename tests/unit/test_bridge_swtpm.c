/*
 * End to end: the guest side of the emulator bridge (tpm/bridge.c), the
 * host half (build/bin/sdm-tpm-bridge, or $SDM_TPM_BRIDGE) and a real
 * swtpm. A TCP socket stands in for Bochs's com2 (mode=socket-client): the
 * UART model below forwards THR writes to it and reports its bytes through
 * LSR.DR / RBR, and the clock is the real one.
 *
 * Shown: HELLO; TPM2_Startup and TPM2_GetRandom round trips; HASH_START
 * at locality 0 refused (PCR 17 untouched); the D-RTM sequence at
 * locality 4 making PCR 17 = SHA-256(32 zero bytes || SHA-256(data)), read
 * through the bridge and again with tpm2_pcrread after the bridge exits
 * (it must exit 0 when the guest disconnects); every frame in the log.
 * A missing swtpm, tpm2_pcrread or bridge binary is a failure, not a skip.
 */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <setjmp.h>
#include <signal.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>
#include <cmocka.h>
#include <openssl/evp.h>
#include "tpm/bridge.h"
#include "swtpm_test.h"

static char dir[64];
static pid_t swtpm_pid, bridge_pid;
static unsigned tpm_port;
static struct {
	int fd;
	uint8_t lcr, scr;
	uint8_t rx[8192];
	size_t rx_len, rx_pos;
} uart = { .fd = -1 };
static struct bridge br;
static struct sdm_err err;

static uint64_t mono_us(void)
{
	struct timespec t;

	clock_gettime(CLOCK_MONOTONIC, &t);
	return (uint64_t)t.tv_sec * 1000000u + (uint64_t)t.tv_nsec / 1000u;
}

/* ---- the UART, its far end a TCP connection to sdm-tpm-bridge ---- */

static uint8_t sock_inb(void *ctx, uint16_t port)
{
	switch (port - BRIDGE_COM2) {
	case UART_LSR:
		if (uart.rx_pos == uart.rx_len) {
			ssize_t n = recv(uart.fd, uart.rx, sizeof(uart.rx),
					 MSG_DONTWAIT);

			uart.rx_pos = 0;
			uart.rx_len = n > 0 ? (size_t)n : 0;
		}
		return UART_LSR_THRE | 0x40 |
		       (uart.rx_pos < uart.rx_len ? UART_LSR_DR : 0);
	case UART_RBR:
		return uart.rx_pos < uart.rx_len ? uart.rx[uart.rx_pos++] : 0;
	case UART_SCR:
		return uart.scr;
	default:
		return 0;
	}
}

static void sock_outb(void *ctx, uint16_t port, uint8_t v)
{
	switch (port - BRIDGE_COM2) {
	case UART_RBR:
		if (!(uart.lcr & UART_LCR_DLAB))
			assert_int_equal(send(uart.fd, &v, 1, MSG_NOSIGNAL),
					 1);
		return;
	case UART_LCR: uart.lcr = v; return;
	case UART_SCR: uart.scr = v; return;
	default: return;
	}
}

static uint64_t sock_now(void *ctx)
{
	return mono_us();
}

static const struct tpm_hw hw = { .inb = sock_inb, .outb = sock_outb,
				  .now_us = sock_now };

/* ---- processes ---- */

/* Two consecutive free TCP ports (swtpm's data and control channels). */
static unsigned free_ports(void)
{
	for (int i = 0; i < 20; i++) {
		struct sockaddr_in a = { .sin_family = AF_INET };
		socklen_t len = sizeof(a);
		int s1 = socket(AF_INET, SOCK_STREAM, 0);
		int s2 = socket(AF_INET, SOCK_STREAM, 0);
		unsigned p = 0;

		a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
		if (bind(s1, (struct sockaddr *)&a, sizeof(a)) == 0 &&
		    getsockname(s1, (struct sockaddr *)&a, &len) == 0 &&
		    ntohs(a.sin_port) < 65535) {
			a.sin_port = htons((uint16_t)(ntohs(a.sin_port) + 1));
			if (bind(s2, (struct sockaddr *)&a, sizeof(a)) == 0)
				p = ntohs(a.sin_port) - 1u;
		}
		close(s1);
		close(s2);
		if (p != 0)
			return p;
	}
	return 0;
}

static pid_t spawn(const char *const argv[], const char *log)
{
	pid_t pid = fork();

	if (pid == 0) {
		int fd = open(log, O_WRONLY | O_CREAT | O_APPEND, 0600);

		prctl(PR_SET_PDEATHSIG, SIGKILL);
		if (fd >= 0) {
			dup2(fd, 1);
			dup2(fd, 2);
		}
		execvp(argv[0], (char *const *)argv);
		dprintf(2, "exec %s: %s\n", argv[0], strerror(errno));
		_exit(127);
	}
	return pid;
}

/* Wait for pid to exit within ms; its status, or -1 on timeout. */
static int wait_exit(pid_t pid, int ms)
{
	int status;

	for (int i = 0; i < ms / 10; i++) {
		if (waitpid(pid, &status, WNOHANG) == pid)
			return status;
		usleep(10000);
	}
	return -1;
}

static void path(char *out, size_t cap, const char *name)
{
	snprintf(out, cap, "%s/%s", dir, name);
}

static void show_file(const char *name)
{
	char p[128], line[256];
	FILE *f;

	path(p, sizeof(p), name);
	f = fopen(p, "r");
	if (f == NULL)
		return;
	print_message("---- %s\n", p);
	while (fgets(line, sizeof(line), f) != NULL)
		print_message("%s", line);
	fclose(f);
}

static int start(void **state)
{
	const char *bin = getenv("SDM_TPM_BRIDGE");
	char server[48], ctrl[48], tpm[48], ctl[48], state_dir[96];
	char port_file[96], log[96], swlog[96];
	struct sockaddr_in a = { .sin_family = AF_INET };
	uint64_t t0 = mono_us();
	unsigned port = 0;

	if (bin == NULL)
		bin = "build/bin/sdm-tpm-bridge";
	if (access(bin, X_OK) != 0) {
		print_error("%s: %s (make build/bin/sdm-tpm-bridge, or set SDM_TPM_BRIDGE)\n",
			    bin, strerror(errno));
		return -1;
	}
	snprintf(dir, sizeof(dir), "/tmp/sdm-bridge.XXXXXX");
	if (mkdtemp(dir) == NULL)
		return -1;
	tpm_port = free_ports();
	if (tpm_port == 0)
		return -1;
	snprintf(server, sizeof(server), "type=tcp,port=%u", tpm_port);
	snprintf(ctrl, sizeof(ctrl), "type=tcp,port=%u", tpm_port + 1);
	snprintf(state_dir, sizeof(state_dir), "dir=%s", dir);
	path(swlog, sizeof(swlog), "swtpm.log");
	const char *sw[] = { "swtpm", "socket", "--tpm2", "--server", server,
			     "--ctrl", ctrl, "--tpmstate", state_dir,
			     "--flags", "not-need-init", NULL };
	swtpm_pid = spawn(sw, swlog);

	snprintf(tpm, sizeof(tpm), "127.0.0.1:%u", tpm_port);
	snprintf(ctl, sizeof(ctl), "127.0.0.1:%u", tpm_port + 1);
	path(port_file, sizeof(port_file), "port");
	path(log, sizeof(log), "bridge.log");
	const char *bridge[] = { bin, "--listen", "0", "--tpm", tpm,
				 "--ctrl", ctl, "--log", log, "--port-file",
				 port_file, NULL };
	bridge_pid = spawn(bridge, log);

	/* The port file appears once the bridge reached swtpm and listens. */
	for (int i = 0; i < 600 && port == 0; i++) {
		FILE *f = fopen(port_file, "r");

		if (f != NULL) {
			if (fscanf(f, "%u", &port) != 1)
				port = 0;
			fclose(f);
		}
		if (port == 0) {
			if (waitpid(bridge_pid, NULL, WNOHANG) == bridge_pid) {
				bridge_pid = 0;
				break;
			}
			usleep(10000);
		}
	}
	if (port == 0) {
		print_error("sdm-tpm-bridge did not come up\n");
		show_file("bridge.log");
		show_file("swtpm.log");
		return -1;
	}
	uart.fd = socket(AF_INET, SOCK_STREAM, 0);
	a.sin_port = htons((uint16_t)port);
	a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	if (connect(uart.fd, (struct sockaddr *)&a, sizeof(a)) != 0) {
		print_error("connect to the bridge: %s\n", strerror(errno));
		return -1;
	}
	int one = 1;
	setsockopt(uart.fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof(one));
	print_message("swtpm on %u/%u, bridge on %u: up in %.1f ms\n",
		      tpm_port, tpm_port + 1, port,
		      (double)(mono_us() - t0) / 1000.0);
	return 0;
}

static int stop(void **state)
{
	struct dirent *e;
	DIR *d;

	if (uart.fd >= 0)
		close(uart.fd);
	if (bridge_pid > 0) {
		kill(bridge_pid, SIGTERM);
		waitpid(bridge_pid, NULL, 0);
	}
	if (swtpm_pid > 0) {
		kill(swtpm_pid, SIGTERM);
		if (wait_exit(swtpm_pid, 2000) < 0) {
			kill(swtpm_pid, SIGKILL);
			waitpid(swtpm_pid, NULL, 0);
		}
	}
	d = dir[0] != '\0' ? opendir(dir) : NULL;
	if (d != NULL) {
		while ((e = readdir(d)) != NULL)
			if (strcmp(e->d_name, ".") != 0 &&
			    strcmp(e->d_name, "..") != 0)
				unlinkat(dirfd(d), e->d_name, 0);
		closedir(d);
	}
	if (dir[0] != '\0' && rmdir(dir) != 0)
		print_message("left %s behind: %s\n", dir, strerror(errno));
	return 0;
}

/* ---- TPM 2.0 commands, marshalled by hand (independent of tpm/tpm2.c) */

static uint32_t be32(const uint8_t *p)
{
	return (uint32_t)p[0] << 24 | (uint32_t)p[1] << 16 |
	       (uint32_t)p[2] << 8 | p[3];
}

static size_t xfer(unsigned loc, const uint8_t *cmd, size_t len,
		   uint8_t *rsp, size_t cap, uint32_t want_rc)
{
	struct tpm_transport t;
	size_t n;
	uint64_t t0 = mono_us();

	bridge_transport(&br, &t);
	OK(t.xfer(t.ctx, loc, cmd, len, rsp, cap, &n, &err));
	print_message("  command 0x%08x at locality %u: %zu bytes, rc 0x%x, %.1f ms\n",
		      be32(cmd + 6), loc, n, be32(rsp + 6),
		      (double)(mono_us() - t0) / 1000.0);
	assert_int_equal(be32(rsp + 6), want_rc);
	assert_int_equal(be32(rsp + 2), n);
	return n;
}

/* TPM2_PCR_Read of SHA-256 PCR 17 through the bridge. */
static void read_pcr17(uint8_t out[32])
{
	static const uint8_t cmd[20] = {
		0x80, 0x01, 0, 0, 0, 20, 0, 0, 0x01, 0x7e, /* PCR_Read */
		0, 0, 0, 1, 0x00, 0x0b, 3, 0x00, 0x00, 0x02, /* sha256: 17 */
	};
	uint8_t rsp[128];
	size_t n = xfer(0, cmd, sizeof(cmd), rsp, sizeof(rsp), 0);

	/* header, update counter, selection (10), digest count, TPM2B */
	assert_int_equal(n, 10 + 4 + 10 + 4 + 2 + 32);
	assert_int_equal(be32(rsp + 24), 1);
	assert_int_equal(rsp[28] << 8 | rsp[29], 32);
	memcpy(out, rsp + 30, 32);
}

static uint8_t data[5000];
static uint8_t expect17[32];

static void sha256(const void *p, size_t n, uint8_t out[32])
{
	unsigned len = 0;

	assert_int_equal(EVP_Digest(p, n, out, &len, EVP_sha256(), NULL), 1);
	assert_int_equal(len, 32);
}

/* ---- the tests, in order ---- */

static void test_hello(void **state)
{
	char name[64];

	OK(bridge_init(&br, &hw, BRIDGE_COM2, &err));
	OK(bridge_hello(&br, name, sizeof(name), &err));
	assert_string_equal(name, "sdm-tpm-bridge (swtpm)");
}

static void test_startup_getrandom(void **state)
{
	static const uint8_t startup[12] = { 0x80, 0x01, 0, 0, 0, 12, 0, 0,
					     0x01, 0x44, 0, 0 };
	static const uint8_t getrandom[12] = { 0x80, 0x01, 0, 0, 0, 12, 0, 0,
					       0x01, 0x7b, 0, 16 };
	static const uint8_t zero[16];
	uint8_t rsp[64], first[16];

	assert_int_equal(xfer(0, startup, sizeof(startup), rsp, sizeof(rsp),
			      0),
			 10);
	/* A second Startup: TPM_RC_INITIALIZE, so the first one counted. */
	xfer(0, startup, sizeof(startup), rsp, sizeof(rsp), 0x100);
	assert_int_equal(xfer(0, getrandom, sizeof(getrandom), rsp,
			      sizeof(rsp), 0),
			 28);
	assert_int_equal(rsp[10] << 8 | rsp[11], 16);
	memcpy(first, rsp + 12, 16);
	/* Again at locality 2: the bridge switches swtpm's locality. */
	assert_int_equal(xfer(2, getrandom, sizeof(getrandom), rsp,
			      sizeof(rsp), 0),
			 28);
	assert_memory_not_equal(rsp + 12, first, 16);
	assert_memory_not_equal(first, zero, 16);
}

static void test_drtm_refused_below_4(void **state)
{
	static const uint8_t ones[32] = {
		0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff,
		0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff,
		0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff,
		0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff,
	};
	uint8_t pcr[32], none[1];
	size_t n;

	read_pcr17(pcr);
	assert_memory_equal(pcr, ones, 32); /* D-RTM PCRs start at -1 */
	for (unsigned loc = 0; loc < 4; loc++) {
		assert_int_equal(bridge_request(&br, BRIDGE_HASH_START, loc,
						NULL, 0, none, 0, &n, &err),
				 SDM_EIO);
		assert_non_null(strstr(err.msg, "(wrong locality)"));
	}
	print_message("  refused: %s\n", err.msg);
	assert_int_equal(bridge_request(&br, BRIDGE_HASH_DATA, 0, data, 16,
					none, 0, &n, &err),
			 SDM_EIO);
	/* Without HASH_START at 4, HASH_END is out of sequence. */
	assert_int_equal(bridge_request(&br, BRIDGE_HASH_END, 4, NULL, 0,
					none, 0, &n, &err),
			 SDM_EIO);
	assert_non_null(strstr(err.msg, "(out of sequence)"));
	read_pcr17(pcr);
	assert_memory_equal(pcr, ones, 32); /* swtpm never saw them */
}

static void test_drtm_at_4(void **state)
{
	uint8_t buf[64], pcr[32];
	uint64_t t0;

	for (size_t i = 0; i < sizeof(data); i++)
		data[i] = (uint8_t)(i * 31 + 7);
	memset(buf, 0, 32);
	sha256(data, sizeof(data), buf + 32);
	sha256(buf, 64, expect17);
	t0 = mono_us();
	OK(bridge_drtm_hash(&br, data, sizeof(data), &err));
	print_message("  D-RTM sequence over %zu bytes (2 HASH_DATA frames): %.1f ms\n",
		      sizeof(data), (double)(mono_us() - t0) / 1000.0);
	read_pcr17(pcr);
	assert_memory_equal(pcr, expect17, 32);
}

static void test_disconnect_and_pcrread(void **state)
{
	char cmd[160], line[256], hex[80] = "", want[80], p[128];
	int status;
	FILE *f;
	unsigned long refused = 0, hash_ok = 0;

	close(uart.fd);
	uart.fd = -1;
	status = wait_exit(bridge_pid, 5000);
	assert_int_not_equal(status, -1);
	bridge_pid = 0;
	assert_true(WIFEXITED(status));
	assert_int_equal(WEXITSTATUS(status), 0);

	snprintf(cmd, sizeof(cmd),
		 "TPM2TOOLS_TCTI=swtpm:host=127.0.0.1,port=%u tpm2_pcrread sha256:17 2>&1",
		 tpm_port);
	f = popen(cmd, "r");
	assert_non_null(f);
	while (fgets(line, sizeof(line), f) != NULL) {
		char *s = strstr(line, "17: 0x");

		if (s != NULL)
			snprintf(hex, sizeof(hex), "%.64s", s + 6);
		else
			print_message("  tpm2_pcrread: %s", line);
	}
	assert_int_equal(pclose(f), 0);
	for (int i = 0; i < 32; i++)
		snprintf(want + 2 * i, 3, "%02X", expect17[i]);
	print_message("  tpm2_pcrread PCR 17: %s\n", hex);
	assert_string_equal(hex, want);

	/* Every frame is in the log; the refusals say so. */
	path(p, sizeof(p), "bridge.log");
	f = fopen(p, "r");
	assert_non_null(f);
	while (fgets(line, sizeof(line), f) != NULL) {
		if (strstr(line, "REFUSED (wrong locality)") != NULL)
			refused++;
		if (strstr(line, "HASH_END   loc 4: 0 bytes -> ok") != NULL)
			hash_ok++;
	}
	fclose(f);
	assert_int_equal(refused, 5);
	assert_int_equal(hash_ok, 1);
	show_file("bridge.log");
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_hello),
		cmocka_unit_test(test_startup_getrandom),
		cmocka_unit_test(test_drtm_refused_below_4),
		cmocka_unit_test(test_drtm_at_4),
		cmocka_unit_test(test_disconnect_and_pcrread),
	};

	return cmocka_run_group_tests(tests, start, stop);
}
