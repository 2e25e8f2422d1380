/*
 * A 32-bit multiboot1 guest that runs the TPM transports, built unchanged,
 * against real device models:
 *   transport=bridge  tpm/bridge.c on Bochs's 16550 at COM2, whose far end
 *                     is sdm-tpm-bridge and swtpm (bochs-demo.sh);
 *   transport=tis     tpm/tis.c on QEMU's tpm-tis, transport=crb tpm/crb.c
 *                     on QEMU's tpm-crb, both backed by swtpm
 *                     (qemu-demo.sh).
 * The mode and the ACPI PM timer port (pmtmr=0x608 on QEMU; default 0xb008,
 * Bochs's BIOS) come from the multiboot command line. The clock is the PM
 * timer through tpm_pmtimer_us(). Output goes to port 0xE9; the last line
 * is "[tpm-demo] PASS" or "[tpm-demo] FAIL: ...". Then the guest powers
 * off (Bochs: ACPI S5 at 0xb004; QEMU: isa-debug-exit at 0xf4).
 */
#include <stdarg.h>
#include <stdio.h>
#include <string.h>
#include "tpm/bridge.h"
#include "tpm/crb.h"
#include "tpm/tis.h"

#define MB1_MAGIC 0x2badb002 /* in EAX from the loader */
#define PM1A_CNT_BOCHS 0xb004
#define DEBUG_EXIT_QEMU 0xf4
#define TPM_BASE 0xfed40000u

__asm__(".section .multiboot, \"a\"\n"
	"	.balign 4\n"
	"	.long 0x1badb002\n" /* magic */
	"	.long 0\n"          /* flags: nothing asked of the loader */
	"	.long -0x1badb002\n" /* checksum */
	"	.text\n"
	"	.globl _start\n"
	"_start:\n"
	"	cli\n"
	"	cld\n"
	"	movl $demo_stack_top, %esp\n"
	"	pushl %ebx\n" /* multiboot information */
	"	pushl %eax\n" /* magic */
	"	call demo_main\n"
	"1:	cli\n"
	"	hlt\n"
	"	jmp 1b\n"
	"	.bss\n"
	"	.balign 16\n"
	"	.skip 16384\n"
	"demo_stack_top:\n"
	"	.text\n");

void demo_main(uint32_t magic, const uint32_t *mbi);
/* libgcc's 64-bit division for i386; there is no 32-bit libgcc here. */
uint64_t __udivmoddi4(uint64_t n, uint64_t d, uint64_t *rem);
uint64_t __udivdi3(uint64_t n, uint64_t d);
uint64_t __umoddi3(uint64_t n, uint64_t d);

/* Shift and subtract; d is never 0 here (constants and bases). */
uint64_t __udivmoddi4(uint64_t n, uint64_t d, uint64_t *rem)
{
	uint64_t q = 0, r = 0;

	for (int i = 63; i >= 0; i--) {
		r = r << 1 | (n >> i & 1);
		if (r >= d) {
			r -= d;
			q |= 1ull << i;
		}
	}
	if (rem != NULL)
		*rem = r;
	return q;
}

uint64_t __udivdi3(uint64_t n, uint64_t d)
{
	return __udivmoddi4(n, d, NULL);
}

uint64_t __umoddi3(uint64_t n, uint64_t d)
{
	uint64_t r;

	__udivmoddi4(n, d, &r);
	return r;
}

static uint8_t inb(uint16_t port)
{
	uint8_t v;

	__asm__ volatile("inb %1, %0" : "=a"(v) : "Nd"(port));
	return v;
}

static uint32_t inl(uint16_t port)
{
	uint32_t v;

	__asm__ volatile("inl %1, %0" : "=a"(v) : "Nd"(port));
	return v;
}

static void outb(uint16_t port, uint8_t v)
{
	__asm__ volatile("outb %0, %1" : : "a"(v), "Nd"(port));
}

static void outw(uint16_t port, uint16_t v)
{
	__asm__ volatile("outw %0, %1" : : "a"(v), "Nd"(port));
}

static void say(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
static void say(const char *fmt, ...)
{
	char buf[256];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(buf, sizeof(buf), fmt, ap);
	va_end(ap);
	for (const char *p = buf; *p != '\0'; p++)
		outb(0xe9, (uint8_t)*p);
	outb(0xe9, '\n');
}

static struct tpm_pmtimer pmt;
static uint16_t pm_tmr = 0xb008; /* PM1 base 0xb000 + 8 (Bochs BIOS) */

/* MMIO: paging is off, physical addresses are pointers. */
static uint8_t hw_rd8(void *ctx, uint64_t pa)
{
	return *(volatile uint8_t *)(uintptr_t)pa;
}

static uint32_t hw_rd32(void *ctx, uint64_t pa)
{
	return *(volatile uint32_t *)(uintptr_t)pa;
}

static void hw_wr8(void *ctx, uint64_t pa, uint8_t v)
{
	*(volatile uint8_t *)(uintptr_t)pa = v;
}

static void hw_wr32(void *ctx, uint64_t pa, uint32_t v)
{
	*(volatile uint32_t *)(uintptr_t)pa = v;
}

static uint8_t hw_inb(void *ctx, uint16_t port)
{
	return inb(port);
}

static void hw_outb(void *ctx, uint16_t port, uint8_t v)
{
	outb(port, v);
}

static uint64_t hw_now(void *ctx)
{
	return tpm_pmtimer_us(&pmt, inl(pm_tmr));
}

static const struct tpm_hw hw = {
	.rd8 = hw_rd8, .rd32 = hw_rd32, .wr8 = hw_wr8, .wr32 = hw_wr32,
	.inb = hw_inb, .outb = hw_outb, .now_us = hw_now,
};
static struct bridge br;
static struct tis tis;
static struct crb crb;
static struct tpm_transport tr;
static struct sdm_err err;

static uint32_t be32(const uint8_t *p)
{
	return (uint32_t)p[0] << 24 | (uint32_t)p[1] << 16 |
	       (uint32_t)p[2] << 8 | p[3];
}

static int command(unsigned loc, const char *what, const uint8_t *cmd,
		   size_t len, uint8_t *rsp, size_t cap, size_t *n)
{
	uint64_t t0 = hw_now(NULL);

	if (tr.xfer(tr.ctx, loc, cmd, len, rsp, cap, n, &err) != SDM_OK) {
		say("[tpm-demo] FAIL: %s: %s", what, err.msg);
		return -1;
	}
	/* %u, not %zu: lib/freestanding/fmt.c reads size_t as 64 bits. */
	say("%s at locality %u: %u bytes, rc 0x%x (%u us guest time)", what,
	    loc, (unsigned)*n, (unsigned)be32(rsp + 6),
	    (unsigned)(hw_now(NULL) - t0));
	return 0;
}

static void hex(const char *label, const uint8_t *p, size_t n)
{
	char s[2 * 64 + 1];

	for (size_t i = 0; i < n && i < 64; i++)
		snprintf(s + 2 * i, 3, "%02x", p[i]);
	say("%s %s", label, s);
}

static const uint8_t startup[12] = { 0x80, 0x01, 0, 0, 0, 12, 0, 0,
				     0x01, 0x44, 0, 0 };
static const uint8_t getrandom[12] = { 0x80, 0x01, 0, 0, 0, 12, 0, 0,
				       0x01, 0x7b, 0, 8 };
static const uint8_t pcr_read17[20] = { 0x80, 0x01, 0, 0, 0, 20, 0, 0,
					0x01, 0x7e, 0, 0, 0, 1, 0x00, 0x0b,
					3, 0, 0, 2 };
/* Measured: the same 5000 bytes as tests/unit/test_bridge_swtpm.c. */
static uint8_t data[5000];

static int read_pcr17(void)
{
	uint8_t rsp[128];
	size_t n;

	if (command(0, "TPM2_PCR_Read(17)", pcr_read17, sizeof(pcr_read17),
		    rsp, sizeof(rsp), &n) != 0)
		return -1;
	if (n != 62) {
		say("[tpm-demo] FAIL: PCR_Read answer of %u bytes",
		    (unsigned)n);
		return -1;
	}
	hex("PCR17 sha256:", rsp + 30, 32);
	return 0;
}

/* Startup (rc 0, or 0x100 when firmware ran it) and GetRandom at loc. */
static int basics(unsigned loc)
{
	uint8_t rsp[128];
	size_t n;

	if (command(loc, "TPM2_Startup", startup, sizeof(startup), rsp,
		    sizeof(rsp), &n) != 0)
		return -1;
	if (be32(rsp + 6) != 0 && be32(rsp + 6) != 0x100) {
		say("[tpm-demo] FAIL: TPM2_Startup rc 0x%x",
		    (unsigned)be32(rsp + 6));
		return -1;
	}
	if (command(loc, "TPM2_GetRandom", getrandom, sizeof(getrandom), rsp,
		    sizeof(rsp), &n) != 0)
		return -1;
	if (n != 20 || be32(rsp + 6) != 0) {
		say("[tpm-demo] FAIL: TPM2_GetRandom answer");
		return -1;
	}
	hex("random:", rsp + 12, 8);
	return 0;
}

static int run_bridge(void)
{
	uint8_t none[1];
	char name[48];
	size_t n;

	if (bridge_init(&br, &hw, BRIDGE_COM2, &err) != SDM_OK ||
	    bridge_hello(&br, name, sizeof(name), &err) != SDM_OK) {
		say("[tpm-demo] FAIL: %s", err.msg);
		return -1;
	}
	say("bridge: host half \"%s\" at COM2", name);
	bridge_transport(&br, &tr);
	if (basics(0) != 0)
		return -1;
	if (bridge_request(&br, BRIDGE_HASH_START, 0, NULL, 0, none, 0, &n,
			   &err) == SDM_OK) {
		say("[tpm-demo] FAIL: HASH_START at locality 0 accepted");
		return -1;
	}
	say("expected refusal: %s", err.msg);
	if (bridge_drtm_hash(&br, data, sizeof(data), &err) != SDM_OK) {
		say("[tpm-demo] FAIL: %s", err.msg);
		return -1;
	}
	say("D-RTM sequence at locality 4 over %u bytes: ok",
	    (unsigned)sizeof(data));
	return read_pcr17();
}

static int run_tis(void)
{
	tis_init(&tis, &hw, TPM_BASE);
	tis_transport(&tis, &tr);
	for (unsigned loc = 0; loc < 4; loc++)
		if (basics(loc) != 0)
			return -1;
	/* QEMU drops locality 4: the D-RTM sequence must say so. */
	if (tis_drtm_hash(&tis, data, sizeof(data), &err) == SDM_OK) {
		say("[tpm-demo] FAIL: TIS D-RTM sequence claimed to work");
		return -1;
	}
	say("expected: %s", err.msg);
	return read_pcr17();
}

static int run_crb(void)
{
	uint8_t rsp[64];
	size_t n;

	crb_init(&crb, &hw, TPM_BASE);
	crb_transport(&crb, &tr);
	if (basics(0) != 0)
		return -1;
	/* Informational: which other localities the device grants. */
	for (unsigned loc = 1; loc < 5; loc++) {
		if (crb_xfer(&crb, loc, getrandom, sizeof(getrandom), rsp,
			     sizeof(rsp), &n, &err) == SDM_OK)
			say("locality %u: GetRandom ok", loc);
		else
			say("locality %u: %s", loc, err.msg);
	}
	return read_pcr17();
}

/* "key=value" from the multiboot command line (flags bit 2). */
static const char *arg(const uint32_t *mbi, const char *key)
{
	const char *p;
	size_t k = strnlen(key, 32);

	if (mbi == NULL || !(mbi[0] & (1u << 2)))
		return NULL;
	p = (const char *)(uintptr_t)mbi[4];
	for (size_t i = 0; i < 512 && p[i] != '\0'; i++)
		if ((i == 0 || p[i - 1] == ' ') && strncmp(p + i, key, k) == 0 &&
		    p[i + k] == '=')
			return p + i + k + 1;
	return NULL;
}

static bool is(const char *v, const char *word)
{
	size_t n = strnlen(word, 16);

	return v != NULL && strncmp(v, word, n) == 0 &&
	       (v[n] == '\0' || v[n] == ' ');
}

void demo_main(uint32_t magic, const uint32_t *mbi)
{
	const char *mode, *t;
	int rc = -1;

	if (magic != MB1_MAGIC)
		mbi = NULL;
	t = arg(mbi, "pmtmr");
	if (t != NULL && t[0] == '0' && t[1] == 'x') {
		pm_tmr = 0;
		for (t += 2; (*t >= '0' && *t <= '9') || (*t >= 'a' && *t <= 'f');
		     t++)
			pm_tmr = (uint16_t)(pm_tmr * 16 +
					    (*t <= '9' ? *t - '0' : *t - 'a' + 10));
	}
	tpm_pmtimer_init(&pmt, false);
	for (size_t i = 0; i < sizeof(data); i++)
		data[i] = (uint8_t)(i * 31 + 7);
	mode = arg(mbi, "transport");
	if (mode == NULL)
		mode = "bridge";
	for (t = mode; *t != '\0' && *t != ' ' && t - mode < 16; t++)
		;
	say("transport %.*s, PM timer at 0x%x", (int)(t - mode), mode,
	    pm_tmr);
	if (is(mode, "bridge"))
		rc = run_bridge();
	else if (is(mode, "tis"))
		rc = run_tis();
	else if (is(mode, "crb"))
		rc = run_crb();
	else
		say("[tpm-demo] FAIL: unknown transport");
	if (rc == 0)
		say("[tpm-demo] PASS");
	outb(DEBUG_EXIT_QEMU, 0);
	outw(PM1A_CNT_BOCHS, 0x2000);
}
