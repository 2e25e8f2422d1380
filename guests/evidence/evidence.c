/*
 * Evidence client: a normal-domain guest that does what an OS agent of a
 * remote verifier would. It takes the verifier's nonce from its command
 * line (nonce=<16..128 hex digits>), asks dommgr for evidence with
 * SDM_HC_ATTEST and sends the bundle out through dommgr's console, where
 * the host picks it up (tests/emu/extract-evidence):
 *   evidence: nonce <hex>
 *   evidence: begin <n> bytes
 *   evidence: <hex, 64 bytes per line>          (any number of lines)
 *   evidence: end <n> bytes
 * or, when dommgr refuses:
 *   evidence: FAILED: SDM_HC_ATTEST returned <code>
 * Nothing here is trusted: the verifier checks the bundle itself.
 */
#include "guests/lib/grt.h"

static uint8_t bundle[SDM_HC_ATTEST_MAX];
static struct sdm_hc_attest_req req;

void guest_main(uint32_t magic, uint32_t info);

static int hexval(char c)
{
	if (c >= '0' && c <= '9')
		return c - '0';
	if (c >= 'a' && c <= 'f')
		return c - 'a' + 10;
	if (c >= 'A' && c <= 'F')
		return c - 'A' + 10;
	return -1;
}

/* The nonce from hex; 0 if it is not 16..128 hex digits. */
static uint32_t parse_nonce(const char *s, uint8_t *out)
{
	uint32_t n = 0;

	for (; s[0] != '\0'; s += 2) {
		int hi = hexval(s[0]), lo = hexval(s[1]);

		if (hi < 0 || lo < 0 || n == SDM_HC_NONCE_MAX)
			return 0;
		out[n++] = (uint8_t)(hi << 4 | lo);
	}
	return n >= SDM_HC_NONCE_MIN ? n : 0;
}

static void put_hex_bytes(struct gline *l, const uint8_t *p, uint32_t n)
{
	static const char digits[] = "0123456789abcdef";
	char two[3] = { 0, 0, 0 };

	for (uint32_t i = 0; i < n; i++) {
		two[0] = digits[p[i] >> 4];
		two[1] = digits[p[i] & 15];
		g_str(l, two);
	}
}

void guest_main(uint32_t magic, uint32_t info)
{
	char arg[2 * SDM_HC_NONCE_MAX + 2];
	struct gline l;
	int32_t rc;

	g_use_hypercall_console();
	g_mb2_arg(info, "nonce", arg, sizeof(arg));
	req.nonce_len = parse_nonce(arg, req.nonce);
	if (req.nonce_len == 0) {
		g_say("evidence: ", "FAILED: no nonce=<16..128 hex digits> on "
				    "the command line");
		g_halt();
	}
	g_line_init(&l, "evidence: nonce ");
	put_hex_bytes(&l, req.nonce, req.nonce_len);
	g_emit(&l);
	rc = (int32_t)g_vmcall(SDM_HC_ATTEST, (uint32_t)(uintptr_t)&req,
			       (uint32_t)(uintptr_t)bundle, sizeof(bundle));
	if (rc <= 0) {
		g_line_init(&l, "evidence: FAILED: SDM_HC_ATTEST returned ");
		if (rc < 0) {
			g_str(&l, "-");
			rc = -rc;
		}
		g_dec(&l, (uint32_t)rc);
		g_emit(&l);
		g_halt();
	}
	g_line_init(&l, "evidence: begin ");
	g_dec(&l, (uint32_t)rc);
	g_str(&l, " bytes");
	g_emit(&l);
	for (uint32_t off = 0; off < (uint32_t)rc; off += 64) {
		uint32_t n = (uint32_t)rc - off < 64 ? (uint32_t)rc - off : 64;

		g_line_init(&l, "evidence: ");
		put_hex_bytes(&l, bundle + off, n);
		g_emit(&l);
	}
	g_line_init(&l, "evidence: end ");
	g_dec(&l, (uint32_t)rc);
	g_str(&l, " bytes");
	g_emit(&l);
	g_halt();
}
