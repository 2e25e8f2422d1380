/*
 * Shared by the unit tests that run a real swtpm (test_attest,
 * test_sdm_tpm, test_rollback, test_tpm_swtpm, test_bridge_swtpm):
 *   - OK(call): fails the test with err.msg unless call returns SDM_OK
 *     (the test has a struct sdm_err err in scope);
 *   - free_port_pair(): a port P with P+1 also free on 127.0.0.1 (swtpm's
 *     data and control channels), -1 if none was found;
 *   - can_connect(port): something accepts connections on 127.0.0.1:port.
 * Include it after <cmocka.h>.
 */
#ifndef SDM_TESTS_UNIT_SWTPM_TEST_H
#define SDM_TESTS_UNIT_SWTPM_TEST_H

#include <arpa/inet.h>
#include <netinet/in.h>
#include <stdbool.h>
#include <stdint.h>
#include <sys/socket.h>
#include <unistd.h>

#define OK(call)                                                      \
	do {                                                          \
		int rc_ = (call);                                     \
		if (rc_ != SDM_OK)                                    \
			fail_msg("%s: %d: %s", #call, rc_, err.msg); \
	} while (0)

static inline int free_port_pair(void)
{
	for (int tries = 0; tries < 50; tries++) {
		struct sockaddr_in a = { .sin_family = AF_INET };
		socklen_t alen = sizeof(a);
		int s1 = socket(AF_INET, SOCK_STREAM, 0), s2, port;

		a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
		if (s1 < 0 || bind(s1, (struct sockaddr *)&a, sizeof(a)) != 0 ||
		    getsockname(s1, (struct sockaddr *)&a, &alen) != 0) {
			if (s1 >= 0)
				close(s1);
			continue;
		}
		port = ntohs(a.sin_port);
		s2 = socket(AF_INET, SOCK_STREAM, 0);
		a.sin_port = htons((uint16_t)(port + 1));
		if (port < 65535 && s2 >= 0 &&
		    bind(s2, (struct sockaddr *)&a, sizeof(a)) == 0) {
			close(s1);
			close(s2);
			return port;
		}
		close(s1);
		if (s2 >= 0)
			close(s2);
	}
	return -1;
}

static inline bool can_connect(int port)
{
	struct sockaddr_in a = { .sin_family = AF_INET };
	int s = socket(AF_INET, SOCK_STREAM, 0);
	bool ok;

	a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	a.sin_port = htons((uint16_t)port);
	ok = s >= 0 && connect(s, (struct sockaddr *)&a, sizeof(a)) == 0;
	if (s >= 0)
		close(s);
	return ok;
}

#endif
