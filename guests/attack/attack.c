/*
 * Normal-domain attack guest. The command line picks one attack
 * (attack=NAME); the guest says what it tries and what happened:
 *   attack: <name>: trying ...
 *   attack: <name>: blocked (<how>)        the guest saw the refusal
 *   attack: <name>: NOT BLOCKED (...)      isolation failed
 * Attacks that dommgr answers by stopping the normal domain end with
 * dommgr's own "domain 'normal' stopped: ..." line instead. The protected
 * domain (guests/ptest) meanwhile keeps printing whether its pattern is
 * intact; the scenarios (tests/emu/scenarios/isolation-*) judge both.
 *
 * Where is protected memory? The normal domain's memory map omits
 * dommgr's and the protected domains' memory, leaving a hole between the
 * RAM ranges: the attacks aim at that hole.
 */
#include "guests/lib/grt.h"

#define P "attack: "
#define PATTERN0 0x704d4453u
#define PATTERN1 0x21746f72u

void guest_main(uint32_t magic, uint32_t info);

static char name[32];
static struct g_mem map[32];
static unsigned nmap;

static void say(const char *what, uint64_t a, uint64_t b)
{
	struct gline l;

	g_line_init(&l, P);
	g_str(&l, name);
	g_str(&l, ": ");
	g_str(&l, what);
	if (a != ~0ull) {
		g_str(&l, " ");
		g_hex(&l, a);
	}
	if (b != ~0ull) {
		g_str(&l, " ");
		g_hex(&l, b);
	}
	g_emit(&l);
}

/* The first hole in RAM above 1 MiB: [*lo, *hi). */
static int find_hole(uint64_t *lo, uint64_t *hi)
{
	uint64_t top = 0;

	for (unsigned i = 0; i < nmap; i++) {
		if (map[i].type == 1 && map[i].base + map[i].len > top)
			top = map[i].base + map[i].len;
	}
	for (unsigned i = 0; i + 1 < nmap; i++) {
		uint64_t end = map[i].base + map[i].len;

		if (end >= 0x100000 && end < map[i + 1].base && end < top) {
			*lo = end;
			*hi = map[i + 1].base;
			return 1;
		}
	}
	return 0;
}

static void attack_memory(int write, int at_end)
{
	uint64_t lo, hi;

	if (!find_hole(&lo, &hi)) {
		say("no hole in the memory map: cannot aim", ~0ull, ~0ull);
		return;
	}
	uint32_t a = (uint32_t)(at_end ? hi - 4096 : lo);
	volatile uint32_t *p = (volatile uint32_t *)(uintptr_t)a;

	say(write ? "trying to write hidden memory at" : "trying to read "
	    "hidden memory at", a, ~0ull);
	if (write)
		*p = 0xdeadbeef;
	say("NOT BLOCKED: access completed, value", *p, ~0ull);
}

static void attack_scan(void)
{
	uint64_t found = 0;

	say("scanning every page of my memory map for the protected pattern",
	    ~0ull, ~0ull);
	for (unsigned i = 0; i < nmap; i++) {
		if (map[i].type != 1 || map[i].base >= 0x100000000ull)
			continue;
		uint32_t b = (uint32_t)map[i].base, e = (uint32_t)(map[i].base +
								map[i].len - 8);

		for (uint32_t a = b; a < e; a += 4) {
			const volatile uint32_t *p = (const uint32_t *)(uintptr_t)a;

			if (p[0] == PATTERN0 && p[1] == PATTERN1 &&
			    a != (uint32_t)(uintptr_t)&found)
				found++;
		}
	}
	say("pattern occurrences in my memory:", found, ~0ull);
	say(found ? "NOT BLOCKED: pattern visible" : "blocked (pattern not "
	    "visible in any RAM I was given)", ~0ull, ~0ull);
	/* Then the rest of the address space, starting with the hole. */
	attack_memory(0, 0);
}

static void attack_ipi_xapic(void)
{
	volatile uint32_t *icr_hi = (volatile uint32_t *)0xfee00310u;
	volatile uint32_t *icr_lo = (volatile uint32_t *)0xfee00300u;

	say("sending INIT to APIC 1 through the xAPIC page", ~0ull, ~0ull);
	*icr_hi = 1u << 24;
	*icr_lo = 0x0000c500;
	*icr_lo = 0x00004608;
	say("NOT BLOCKED: INIT and SIPI written", ~0ull, ~0ull);
}

static void wrmsr64(uint32_t msr, uint64_t v)
{
	__asm__ volatile("wrmsr" : : "c"(msr), "a"((uint32_t)v),
			 "d"((uint32_t)(v >> 32)));
}

static uint64_t rdmsr64(uint32_t msr)
{
	uint32_t lo, hi;

	__asm__ volatile("rdmsr" : "=a"(lo), "=d"(hi) : "c"(msr));
	return ((uint64_t)hi << 32) | lo;
}

static void attack_ipi_x2apic(void)
{
	uint64_t base = rdmsr64(0x1b);

	say("switching to x2APIC and sending INIT, SIPI to APIC 1", ~0ull,
	    ~0ull);
	wrmsr64(0x1b, base | (1u << 10) | (1u << 11));
	wrmsr64(0x830, (1ull << 32) | 0xc500);
	wrmsr64(0x830, (1ull << 32) | 0x4608);
	wrmsr64(0x830, 0xc0000 | 0x4500); /* INIT to all excluding self */
	say("IPIs written; dommgr must have dropped them", ~0ull, ~0ull);
}

static void recover_point(void);

static void attack_apic_relocate(void)
{
	uint64_t base = rdmsr64(0x1b);

	say("moving the APIC to 0xfe000000", ~0ull, ~0ull);
	g_recover_at = (uint32_t)(uintptr_t)recover_point;
	wrmsr64(0x1b, (base & 0xfff) | 0xfe000000u);
	say("NOT BLOCKED: APIC base now", rdmsr64(0x1b), ~0ull);
}

/*
 * MSR writes the hardware itself refuses: the x2APIC ICR while the APIC is
 * in xAPIC mode. dommgr intercepts this MSR; the write must fault in the
 * guest (#GP), not in dommgr.
 */
static void attack_msr_fault(void)
{
	/* A fixed IPI to itself (APIC 0), so that dommgr's IPI filter lets
	 * it through to the WRMSR. */
	say("writing the x2APIC ICR in xAPIC mode", ~0ull, ~0ull);
	g_recover_at = (uint32_t)(uintptr_t)recover_point;
	wrmsr64(0x830, 0x40);
	say("NOT BLOCKED: the write did not fault", ~0ull, ~0ull);
}

static void attack_vmx(void)
{
	uint32_t a, b, c, d;
	static uint8_t region[4096] __attribute__((aligned(4096)));
	uint64_t pa = (uint32_t)(uintptr_t)region;

	__asm__ volatile("cpuid" : "=a"(a), "=b"(b), "=c"(c), "=d"(d)
			 : "a"(1), "c"(0));
	say(c & (1u << 5) ? "NOT BLOCKED: CPUID shows VMX" : "blocked (CPUID "
	    "hides VMX)", ~0ull, ~0ull);
	say("IA32_FEATURE_CONTROL reads", rdmsr64(0x3a), ~0ull);
	say("trying VMXON", ~0ull, ~0ull);
	g_recover_at = (uint32_t)(uintptr_t)recover_point;
	__asm__ volatile("vmxon %0" : : "m"(pa) : "cc", "memory");
	say("NOT BLOCKED: VMXON did not fault", ~0ull, ~0ull);
}

/*
 * attack=cr: control-register writes the CPU refuses with #GP(0) (SDM vol.
 * 2B, MOV to CR). Each must fault in this guest and change nothing; the
 * IDT resumes at cr_recover, which goes on with the next attempt. The CR0
 * values also set CR0.NE: dommgr owns NE (it must stay 1 in VMX
 * operation), so the write exits to dommgr instead of being checked by the
 * CPU alone. CR4 bit 30 is reserved on every CPU so far (and not in the
 * Bochs CPU's IA32_VMX_CR4_FIXED1).
 */
#define CR0_PE (1u << 0)
#define CR0_NE (1u << 5)
#define CR0_NW (1u << 29)
#define CR0_CD (1u << 30)
#define CR0_PG (1u << 31)
#define CR4_VMXE (1u << 13)

static const struct cr_try {
	const char *what;
	unsigned cr;
	uint32_t set, clear;
} cr_tries[] = {
	{ "CR0 with PG=1 and PE=0", 0, CR0_NE | CR0_PG, CR0_PE },
	{ "CR0 with NW=1 and CD=0", 0, CR0_NE | CR0_NW, CR0_CD },
	{ "CR4 with reserved bit 30", 4, 1u << 30, 0 },
	{ "CR4 with VMXE", 4, CR4_VMXE, 0 },
};
#define CR_TRIES (sizeof(cr_tries) / sizeof(cr_tries[0]))
static volatile unsigned cr_stage, cr_refused;
static uint32_t cr0_orig, cr4_orig;

static uint32_t read_cr(unsigned cr)
{
	uint32_t v;

	if (cr == 0)
		__asm__ volatile("mov %%cr0, %0" : "=r"(v));
	else
		__asm__ volatile("mov %%cr4, %0" : "=r"(v));
	return v;
}

static void write_cr(unsigned cr, uint32_t v)
{
	if (cr == 0)
		__asm__ volatile("mov %0, %%cr0" : : "r"(v) : "memory");
	else
		__asm__ volatile("mov %0, %%cr4" : : "r"(v) : "memory");
}

static void cr_say(const struct cr_try *t, const char *what, uint64_t a)
{
	struct gline l;

	g_line_init(&l, P "cr: ");
	g_str(&l, t->what);
	g_str(&l, ": ");
	g_str(&l, what);
	if (a != ~0ull) {
		g_str(&l, " ");
		g_hex(&l, a);
	}
	g_emit(&l);
}

__attribute__((noreturn)) static void cr_run(void);

/* Resumed here by the IDT after the fault (on the faulting code's stack). */
__attribute__((noreturn)) static void cr_recover(void)
{
	const struct cr_try *t = &cr_tries[cr_stage];

	if (g_last_exception != 13)
		cr_say(t, "NOT BLOCKED: wrong exception", g_last_exception);
	else if (read_cr(0) != cr0_orig || read_cr(4) != cr4_orig)
		cr_say(t, "NOT BLOCKED: #GP but the register changed",
		       (uint64_t)read_cr(t->cr));
	else {
		cr_say(t, "blocked (the CPU raised exception", 13);
		cr_refused++;
	}
	cr_stage++;
	cr_run();
}

__attribute__((noreturn)) static void cr_run(void)
{
	struct gline l;

	while (cr_stage < CR_TRIES) {
		const struct cr_try *t = &cr_tries[cr_stage];
		uint32_t old = t->cr == 0 ? cr0_orig : cr4_orig;
		uint32_t v = (old | t->set) & ~t->clear;

		cr_say(t, "trying", v);
		g_recover_at = (uint32_t)(uintptr_t)cr_recover;
		write_cr(t->cr, v);
		g_recover_at = 0;
		write_cr(0, cr0_orig);
		write_cr(4, cr4_orig);
		cr_say(t, "NOT BLOCKED: the write did not fault", ~0ull);
		cr_stage++;
	}
	g_line_init(&l, P "cr: ");
	g_dec(&l, cr_refused);
	g_str(&l, " of ");
	g_dec(&l, CR_TRIES);
	g_str(&l, cr_refused == CR_TRIES ? " refused with #GP" :
					   " refused with #GP: NOT BLOCKED");
	g_emit(&l);
	g_delay(20000000);
	say("done; powering off", ~0ull, ~0ull);
	g_poweroff();
	g_halt();
}

static void attack_cr(void)
{
	cr0_orig = read_cr(0);
	cr4_orig = read_cr(4);
	say("CR0, CR4 are", cr0_orig, cr4_orig);
	cr_stage = 0;
	cr_run();
}

static void hc_expect(const char *what, uint32_t ret, uint32_t want)
{
	struct gline l;

	g_line_init(&l, P);
	g_str(&l, name);
	g_str(&l, ": ");
	g_str(&l, what);
	g_str(&l, ret == want ? ": blocked (error " : ": NOT BLOCKED (returned ");
	g_dec(&l, (uint32_t)-(int32_t)ret);
	g_str(&l, ")");
	g_emit(&l);
}

/*
 * SDM_HC_ATTEST with hostile arguments: each is refused before dommgr
 * touches the TPM (this machine has none: a request that got that far
 * would return SDM_HC_EIO instead).
 */
static void attack_attest(uint64_t lo, uint64_t hi)
{
	static struct sdm_hc_attest_req req;
	static uint8_t out[4096];
	uint32_t r = (uint32_t)(uintptr_t)&req, o = (uint32_t)(uintptr_t)out;

	req.nonce_len = 32;
	hc_expect("attest request read from protected memory",
		  g_vmcall(SDM_HC_ATTEST, (uint32_t)lo, o, sizeof(out)),
		  (uint32_t)SDM_HC_EFAULT);
	hc_expect("attest request wrapping 4 GiB",
		  g_vmcall(SDM_HC_ATTEST, 0xffffffe0u, o, sizeof(out)),
		  (uint32_t)SDM_HC_EFAULT);
	hc_expect("attest bundle written into dommgr memory",
		  g_vmcall(SDM_HC_ATTEST, r, (uint32_t)(hi - 4096), 4096),
		  (uint32_t)SDM_HC_EFAULT);
	hc_expect("attest bundle written into protected memory",
		  g_vmcall(SDM_HC_ATTEST, r, (uint32_t)lo, 4096),
		  (uint32_t)SDM_HC_EFAULT);
	hc_expect("attest bundle buffer running into the hole",
		  g_vmcall(SDM_HC_ATTEST, r, (uint32_t)lo - 64, 4096),
		  (uint32_t)SDM_HC_EFAULT);
	req.nonce_len = 65;
	hc_expect("attest nonce of 65 bytes",
		  g_vmcall(SDM_HC_ATTEST, r, o, sizeof(out)),
		  (uint32_t)SDM_HC_EINVAL);
	req.nonce_len = 7;
	hc_expect("attest nonce of 7 bytes",
		  g_vmcall(SDM_HC_ATTEST, r, o, sizeof(out)),
		  (uint32_t)SDM_HC_EINVAL);
	req.nonce_len = 0xffffffffu;
	hc_expect("attest nonce of 4 GiB",
		  g_vmcall(SDM_HC_ATTEST, r, o, sizeof(out)),
		  (uint32_t)SDM_HC_EINVAL);
	req.nonce_len = 32;
	req.reserved = 1;
	hc_expect("attest request with reserved bits",
		  g_vmcall(SDM_HC_ATTEST, r, o, sizeof(out)),
		  (uint32_t)SDM_HC_EINVAL);
	req.reserved = 0;
	hc_expect("attest on a machine without a TPM",
		  g_vmcall(SDM_HC_ATTEST, r, o, sizeof(out)),
		  (uint32_t)SDM_HC_EIO);
}

static void attack_hypercall(void)
{
	uint64_t lo, hi;
	static char ok[] = "hello through the console hypercall";

	if (!find_hole(&lo, &hi))
		return;
	say("console hypercall with a good buffer returns",
	    g_vmcall(SDM_HC_CONSOLE, (uint32_t)(uintptr_t)ok, sizeof(ok) - 1, 0),
	    ~0ull);
	hc_expect("console from protected memory",
		  g_vmcall(SDM_HC_CONSOLE, (uint32_t)lo, 16, 0),
		  (uint32_t)SDM_HC_EFAULT);
	hc_expect("console from dommgr memory",
		  g_vmcall(SDM_HC_CONSOLE, (uint32_t)(hi - 4096), 16, 0),
		  (uint32_t)SDM_HC_EFAULT);
	hc_expect("console with a huge length",
		  g_vmcall(SDM_HC_CONSOLE, (uint32_t)(uintptr_t)ok, 0x7fffffff, 0),
		  (uint32_t)SDM_HC_EINVAL);
	hc_expect("console buffer running into the hole",
		  g_vmcall(SDM_HC_CONSOLE, (uint32_t)lo - 8, 64, 0),
		  (uint32_t)SDM_HC_EFAULT);
	hc_expect("console buffer wrapping 4 GiB",
		  g_vmcall(SDM_HC_CONSOLE, 0xfffffff0u, 64, 0),
		  (uint32_t)SDM_HC_EFAULT);
	hc_expect("domain info written into protected memory",
		  g_vmcall(SDM_HC_DOMAIN_INFO, (uint32_t)lo, 4096, 0),
		  (uint32_t)SDM_HC_EFAULT);
	hc_expect("exit statistics written into dommgr memory",
		  g_vmcall(SDM_HC_EXIT_STATS, (uint32_t)(hi - 4096), 4096, 0),
		  (uint32_t)SDM_HC_EFAULT);
	hc_expect("unknown hypercall 0x1234",
		  g_vmcall(0x1234, 0, 0, 0), (uint32_t)SDM_HC_ENOSYS);
	attack_attest(lo, hi);
}

static void attack_triple_fault(void)
{
	struct __attribute__((packed)) { uint16_t lim; uint32_t base; } ip = { 0, 0 };

	say("loading an empty IDT and raising #BP (triple fault)", ~0ull, ~0ull);
	__asm__ volatile("lidt %0; int3" : : "m"(ip));
}

static void attack_register_page(uint32_t pa, const char *what)
{
	say(what, pa, ~0ull);
	(void)*(volatile uint32_t *)(uintptr_t)pa;
	say("NOT BLOCKED: register page readable", ~0ull, ~0ull);
}

static void recover_point(void)
{
	say("blocked (the CPU raised exception", g_last_exception, ~0ull);
	g_delay(20000000);
	say("done; powering off", ~0ull, ~0ull);
	g_poweroff();
	g_halt();
}

static int eq(const char *a, const char *b)
{
	while (*a != '\0' && *a == *b) {
		a++;
		b++;
	}
	return *a == *b;
}

void guest_main(uint32_t magic, uint32_t info)
{
	g_idt_install();
	if (magic != 0x36d76289u)
		g_halt();
	/* dommgr's console keeps our lines whole beside the protected domain's. */
	g_use_hypercall_console();
	g_mb2_arg(info, "attack", name, sizeof(name));
	nmap = g_mb2_mmap(info, map, 32);
	say("normal-domain attack guest up; memory map entries:", nmap, ~0ull);
	/* Let the protected domain start and report first. */
	g_delay(20000000);

	if (eq(name, "read-protected"))
		attack_memory(0, 0);
	else if (eq(name, "write-protected"))
		attack_memory(1, 0);
	else if (eq(name, "read-dommgr"))
		attack_memory(0, 1);
	else if (eq(name, "write-dommgr"))
		attack_memory(1, 1);
	else if (eq(name, "scan"))
		attack_scan();
	else if (eq(name, "ipi-xapic"))
		attack_ipi_xapic();
	else if (eq(name, "ipi-x2apic"))
		attack_ipi_x2apic();
	else if (eq(name, "apic-relocate"))
		attack_apic_relocate();
	else if (eq(name, "map-tpm"))
		attack_register_page(0xfed44000u, "reading TPM locality 4 at");
	else if (eq(name, "map-iommu"))
		attack_register_page(0xfed90000u, "reading the IOMMU registers at");
	else if (eq(name, "msr-fault"))
		attack_msr_fault();
	else if (eq(name, "vmx"))
		attack_vmx();
	else if (eq(name, "cr"))
		attack_cr();
	else if (eq(name, "hypercall"))
		attack_hypercall();
	else if (eq(name, "triple-fault"))
		attack_triple_fault();
	else if (eq(name, "poweroff"))
		say("no attack: powering off through dommgr", ~0ull, ~0ull);
	else
		say("unknown attack name", ~0ull, ~0ull);
	/* Give the protected domain time to report again, then power off. */
	g_delay(20000000);
	say("done; powering off", ~0ull, ~0ull);
	g_poweroff();
	g_halt();
}
