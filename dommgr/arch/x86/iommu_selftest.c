/*
 * Emulator test mode for DMA isolation (docs/dma-protection.md). QEMU
 * models VT-d and a DMA engine (the edu device, PCI 1234:11e8) but not
 * VT-x, so domains cannot run there; with `iommu-selftest=edu` on dommgr's
 * command line dommgr still plans the configured domains, programs the
 * IOMMU for them and lets edu attack: each check prints one verdict line
 * and the run ends with PASSED or FAILED (tests/emu/scenarios/dma-*.scn).
 *   edu            edu stays in the normal domain (the default owner)
 *   edu-protected  edu is assigned to the first protected domain
 *   edu-policy     edu is not assigned here: the signed policy must have
 *                  given it to a protected domain (domains_plan_policy),
 *                  else FAILED; then the checks of edu-protected
 * edu's DMA registers (QEMU docs/specs/edu.rst): 0x80 source, 0x88
 * destination, 0x90 count, 0x98 command (bit 0 start, cleared when done;
 * bit 1 direction, 1 = from the device's buffer to RAM). The buffer is
 * 4 KiB at device address 0x40000. QEMU clamps DMA addresses to 28 bits
 * unless the device is created with a wider dma_mask.
 */
#include <stdarg.h>
#include <stdio.h>
#include <string.h>
#include <sdm/cmdline.h>
#include <sdm/log.h>
#include "dommgr/arch/x86/pci.h"
#include "dommgr/arch/x86/vtd.h"
#include "dommgr/mm.h"

#define EDU_VENDOR 0x1234
#define EDU_DEVICE 0x11e8
#define EDU_ID 0x00
#define EDU_ID_LOW 0x00ed       /* 0xRRrr00ed: major, minor, "ed" */
#define EDU_DMA_SRC 0x80
#define EDU_DMA_DST 0x88
#define EDU_DMA_CNT 0x90
#define EDU_DMA_CMD 0x98
#define EDU_CMD_START 1u
#define EDU_CMD_TO_RAM 2u
#define EDU_BUF 0x40000u
#define EDU_SPIN 50000000u      /* reads of the command register */
#define LEN 256u                /* bytes per DMA */
#define CANARY 0x5a
#define SECRET 0xc3

struct selftest {
	struct domain_table *t;
	uint16_t sid;
	volatile uint8_t *regs;
	unsigned n, failed;
};

static uint64_t edu_rd(const struct selftest *s, unsigned off)
{
	return *(volatile uint64_t *)(s->regs + off);
}

static void edu_wr(const struct selftest *s, unsigned off, uint64_t v)
{
	*(volatile uint64_t *)(s->regs + off) = v;
}

/* One transfer of LEN bytes; false if the engine did not finish. */
static bool edu_dma(const struct selftest *s, uint64_t src, uint64_t dst,
		    bool to_ram)
{
	edu_wr(s, EDU_DMA_SRC, src);
	edu_wr(s, EDU_DMA_DST, dst);
	edu_wr(s, EDU_DMA_CNT, LEN);
	edu_wr(s, EDU_DMA_CMD, EDU_CMD_START | (to_ram ? EDU_CMD_TO_RAM : 0));
	for (unsigned i = 0; i < EDU_SPIN; i++) {
		if (!(edu_rd(s, EDU_DMA_CMD) & EDU_CMD_START))
			return true;
	}
	return false;
}

static __attribute__((format(printf, 3, 4))) void
verdict(struct selftest *s, bool ok, const char *fmt, ...)
{
	char msg[200];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(msg, sizeof(msg), fmt, ap);
	va_end(ap);
	s->failed += !ok;
	if (ok)
		pr_info("iommu-selftest: [%u] %s", s->n++, msg);
	else
		pr_err("iommu-selftest: [%u] %s", s->n++, msg);
}

static bool all(const volatile uint8_t *p, uint8_t v)
{
	for (unsigned i = 0; i < LEN; i++) {
		if (p[i] != v)
			return false;
	}
	return true;
}

static void pattern(volatile uint8_t *p, uint8_t seed)
{
	for (unsigned i = 0; i < LEN; i++)
		p[i] = (uint8_t)(seed + 7 * i);
}

static bool is_pattern(const volatile uint8_t *p, uint8_t seed)
{
	for (unsigned i = 0; i < LEN; i++) {
		if (p[i] != (uint8_t)(seed + 7 * i))
			return false;
	}
	return true;
}

/*
 * A write from edu's buffer to device address iova, which must be blocked:
 * what lies there (cpu) stays unchanged and a fault names edu and the page.
 */
static void expect_write_blocked(struct selftest *s, const char *what,
				 uint64_t iova, volatile uint8_t *cpu)
{
	struct vtd_fault f = { 0 };
	char b[12];

	memset((void *)(uintptr_t)cpu, CANARY, LEN);
	vtd_poll(s->t, NULL);
	if (!edu_dma(s, EDU_BUF, iova, true)) {
		verdict(s, false, "edu DMA write to %s 0x%lx: the engine did not "
			"finish", what, iova);
		return;
	}
	bool intact = all(cpu, CANARY);
	bool fault = vtd_poll(s->t, &f) != 0 && f.sid == s->sid && !f.read &&
		     f.addr == (iova & VTD_ADDR_MASK);

	iommu_sid_str(f.sid, b, sizeof(b));
	if (!intact)
		verdict(s, false, "edu DMA write to %s 0x%lx: NOT BLOCKED, the "
			"device changed it", what, iova);
	else if (!fault)
		verdict(s, false, "edu DMA write to %s 0x%lx: memory unchanged "
			"but no fault from the device was reported", what, iova);
	else
		verdict(s, true, "edu DMA write to %s 0x%lx: blocked, memory "
			"unchanged; fault: %s write at 0x%lx, reason 0x%x", what,
			iova, b, f.addr, f.reason);
}

/* Copy LEN bytes src -> buffer -> dst by DMA; true if both finished. */
static bool copy(struct selftest *s, uint64_t src, uint64_t dst)
{
	return edu_dma(s, src, EDU_BUF, false) && edu_dma(s, EDU_BUF, dst, true);
}

/* An allowed copy inside one domain's memory: the data must arrive. */
static void expect_copy_ok(struct selftest *s, const char *what, uint64_t src,
			   volatile uint8_t *src_cpu, uint64_t dst,
			   volatile uint8_t *dst_cpu)
{
	unsigned before;

	pattern(src_cpu, 0x11);
	memset((void *)(uintptr_t)dst_cpu, 0, LEN);
	vtd_poll(s->t, NULL);
	if (!copy(s, src, dst)) {
		verdict(s, false, "edu DMA in %s: the engine did not finish", what);
		return;
	}
	before = vtd_poll(s->t, NULL);
	verdict(s, is_pattern(dst_cpu, 0x11) && before == 0,
		"edu DMA in %s, 0x%lx -> device -> 0x%lx: %s", what, src, dst,
		!is_pattern(dst_cpu, 0x11) ? "WRONG DATA (blocked or corrupted)" :
		before != 0 ? "data arrived but faults were reported" :
			      "ok, the data arrived");
}

/*
 * A read of secret memory into edu's buffer, which must be blocked: the
 * buffer copied out to readable memory does not hold the secret.
 */
static void expect_read_blocked(struct selftest *s, const char *what,
				uint64_t iova, volatile uint8_t *secret,
				uint64_t out, volatile uint8_t *out_cpu)
{
	struct vtd_fault f = { 0 };
	bool fault, leaked;
	char b[12];

	memset((void *)(uintptr_t)secret, SECRET, LEN);
	vtd_poll(s->t, NULL);
	if (!edu_dma(s, iova, EDU_BUF, false)) {
		verdict(s, false, "edu DMA read of %s: the engine did not finish",
			what);
		return;
	}
	fault = vtd_poll(s->t, &f) != 0 && f.sid == s->sid && f.read &&
		f.addr == (iova & VTD_ADDR_MASK);
	memset((void *)(uintptr_t)out_cpu, 0, LEN);
	leaked = !edu_dma(s, EDU_BUF, out, true) || all(out_cpu, SECRET);
	iommu_sid_str(f.sid, b, sizeof(b));
	if (leaked)
		verdict(s, false, "edu DMA read of %s 0x%lx: NOT BLOCKED, the "
			"device got the secret", what, iova);
	else if (!fault)
		verdict(s, false, "edu DMA read of %s 0x%lx: no secret read but "
			"no fault from the device was reported", what, iova);
	else
		verdict(s, true, "edu DMA read of %s 0x%lx: blocked, the device "
			"did not get it; fault: %s read at 0x%lx, reason 0x%x",
			what, iova, b, f.addr, f.reason);
}

/* npages of the normal domain's RAM that hold nothing of the boot. */
static uint64_t pick_normal(const struct sdm_handoff *ho, const struct domain *d,
			    unsigned npages)
{
	uint64_t len = (uint64_t)npages * PAGE_SIZE;

	for (unsigned i = d->nmem; i-- > 0;) {
		const struct dom_mem *m = &d->mem[i];

		for (uint64_t a = m->hpa + m->size; a >= m->hpa + len &&
		     a - len >= MIB(1);) {
			uint64_t p = a - len;
			bool busy = p + len > GIB(4) ||
				    (p < ho->sinit_end && ho->sinit_base < p + len) ||
				    (p < ho->mbi_pa + KIB(64) && ho->mbi_pa < p + len);

			for (unsigned k = 0; k < ho->nmods; k++)
				busy |= p < ho->mods[k].base + ho->mods[k].size &&
					ho->mods[k].base < p + len;
			if (!busy)
				return p;
			a -= KIB(64);
		}
	}
	return 0;
}

static bool find_edu(struct selftest *s)
{
	static struct iommu_pci devs[IOMMU_MAX_PCI];
	unsigned n = pci_enumerate(devs, ARRAY_SIZE(devs));

	for (unsigned i = 0; i < n && i < ARRAY_SIZE(devs); i++) {
		uint64_t bar;
		char b[12];

		if (devs[i].vendor != EDU_VENDOR || devs[i].device != EDU_DEVICE)
			continue;
		bar = pci_bar_mem(devs[i].sid, 0);
		s->regs = bar != 0 ? phys_map(bar, PAGE_SIZE) : NULL;
		iommu_sid_str(devs[i].sid, b, sizeof(b));
		if (s->regs == NULL) {
			pr_err("iommu-selftest: edu at %s: BAR0 0x%lx is not "
			       "reachable", b, bar);
			return false;
		}
		s->sid = devs[i].sid;
		pci_write16(s->sid, PCI_COMMAND,
			    (uint16_t)(pci_read32(s->sid, PCI_COMMAND) |
				       PCI_CMD_MEM | PCI_CMD_MASTER));
		if ((*(volatile uint32_t *)(s->regs + EDU_ID) & 0xffff) != EDU_ID_LOW) {
			pr_err("iommu-selftest: edu at %s: identification "
			       "register reads 0x%x", b,
			       *(volatile uint32_t *)(s->regs + EDU_ID));
			return false;
		}
		pr_info("iommu-selftest: edu at %s [%04x:%04x], registers at "
			"0x%lx, bus mastering on", b, EDU_VENDOR, EDU_DEVICE, bar);
		return true;
	}
	pr_err("iommu-selftest: no edu device (QEMU: -device edu)");
	return false;
}

/* The protected domain whose devs[] lists seg 0:sid, or NULL. */
static struct domain *owner_of(struct domain_table *t, uint16_t sid)
{
	for (unsigned i = 0; i < t->n; i++) {
		const struct domain *d = &t->d[i];

		for (unsigned k = 0; d->kind == DOM_PROTECTED && k < d->ndevs &&
				     k < DOM_MAX_DEVS; k++) {
			if (d->devs[k].seg == 0 && d->devs[k].sid == sid)
				return &t->d[i];
		}
	}
	return NULL;
}

static struct domain *first_of(struct domain_table *t, enum dom_kind k)
{
	for (unsigned i = 0; i < t->n; i++) {
		if (t->d[i].kind == k)
			return &t->d[i];
	}
	return NULL;
}

void arch_dma_selftest(const struct sdm_handoff *ho, struct domain_table *t,
		       int (*plan)(struct sdm_err *err))
{
	struct selftest s = { .t = t };
	struct sdm_err err = { 0 };
	struct domain *normal, *prot;
	char mode[24];
	uint64_t own, np;

	if (!cmdline_get(ho->dommgr_cmdline, sizeof(ho->dommgr_cmdline),
			 "iommu-selftest", mode, sizeof(mode)))
		return;
	bool assign = strncmp(mode, "edu-protected", sizeof(mode)) == 0;
	bool by_policy = strncmp(mode, "edu-policy", sizeof(mode)) == 0;

	if (!assign && !by_policy && strncmp(mode, "edu", sizeof(mode)) != 0) {
		pr_err("iommu-selftest=%s: unknown (edu, edu-protected, "
		       "edu-policy)", mode);
		return;
	}
	pr_info("iommu-selftest: emulator test mode '%s': the domains are "
		"planned and the IOMMU programmed for them, none is started",
		mode);
	if (plan(&err) != SDM_OK) {
		pr_err("iommu-selftest: FAILED: domains: %s", err.msg);
		return;
	}
	normal = first_of(t, DOM_NORMAL);
	prot = first_of(t, DOM_PROTECTED);
	own = mm_alloc(1);
	np = normal != NULL ? pick_normal(ho, normal, 3) : 0;
	if (prot == NULL || own == 0 || np == 0 || !find_edu(&s)) {
		pr_err("iommu-selftest: FAILED: needs a protected domain, a "
		       "dommgr page, 3 free normal pages and edu");
		return;
	}
	if (by_policy) {
		char b[12];

		iommu_sid_str(s.sid, b, sizeof(b));
		prot = owner_of(t, s.sid);
		if (prot == NULL) {
			pr_err("iommu-selftest: FAILED: edu at 0000:%s is in no "
			       "protected domain's devices: the policy did not "
			       "assign it", b);
			return;
		}
		pr_info("iommu-selftest: edu at 0000:%s is in domain '%s''s "
			"devices (%u from the policy); the test does not assign it",
			b, prot->name, prot->ndevs);
	}

	volatile uint8_t *own_cpu = mm_va(own);
	volatile uint8_t *n_cpu = phys_map(np, 3 * PAGE_SIZE);
	uint64_t ph = prot->mem[0].hpa;
	volatile uint8_t *p_cpu = phys_map(ph, 4 * PAGE_SIZE);
	int rc = vtd_setup_units(ho, &err);

	if (n_cpu == NULL || p_cpu == NULL) {
		pr_err("iommu-selftest: FAILED: test pages not reachable");
		return;
	}
	pr_info("iommu-selftest: pages: normal 0x%lx-0x%lx, dommgr 0x%lx, "
		"protected '%s' 0x%lx (guest-physical 0)", np,
		np + 3 * PAGE_SIZE, own, prot->name, ph);
	if (rc != SDM_OK)
		pr_warn("iommu-selftest: %s", err.msg);
	/* Before dommgr's tables: sinit's empty root table blocks all DMA. */
	expect_write_blocked(&s, "normal memory before dommgr's tables", np + 
			     PAGE_SIZE, n_cpu + PAGE_SIZE);
	if (assign) {
		prot->devs[0] = (struct dom_dev){ 0, s.sid };
		prot->ndevs = 1;
	}
	if (arch_dma_protect(ho, t, &err) != SDM_OK)
		pr_err("iommu-selftest: DMA protection not set up: %s", err.msg);
	if (!assign && !by_policy) {
		uint64_t before = normal->dma_faults;

		expect_copy_ok(&s, "normal memory", np, n_cpu, np + PAGE_SIZE,
			       n_cpu + PAGE_SIZE);
		expect_write_blocked(&s, "dommgr memory", own, own_cpu);
		expect_write_blocked(&s, "protected memory", ph + PAGE_SIZE,
				     p_cpu + PAGE_SIZE);
		expect_read_blocked(&s, "protected memory", ph + 2 * PAGE_SIZE,
				    p_cpu + 2 * PAGE_SIZE, np + 2 * PAGE_SIZE,
				    n_cpu + 2 * PAGE_SIZE);
		verdict(&s, normal->dma_faults - before == 3 &&
			prot->dma_faults == 0, "faults counted: domain '%s' %lu, "
			"domain '%s' %lu (expected 3 and 0)", normal->name,
			normal->dma_faults - before, prot->name, prot->dma_faults);
	} else {
		/* With edu-policy, [0]'s fault already counted for prot. */
		uint64_t before = normal->dma_faults, pbefore = prot->dma_faults;

		/* Its domain's memory at guest-physical addresses. */
		expect_copy_ok(&s, "its protected domain's memory", PAGE_SIZE,
			       p_cpu + PAGE_SIZE, 2 * PAGE_SIZE, p_cpu + 2 * PAGE_SIZE);
		expect_write_blocked(&s, "normal memory", np, n_cpu);
		expect_write_blocked(&s, "dommgr memory", own, own_cpu);
		expect_read_blocked(&s, "normal memory", np + PAGE_SIZE,
				    n_cpu + PAGE_SIZE, 3 * PAGE_SIZE,
				    p_cpu + 3 * PAGE_SIZE);
		verdict(&s, prot->dma_faults - pbefore == 3 &&
			normal->dma_faults == before, "faults counted: domain "
			"'%s' %lu, domain '%s' %lu (expected 3 and 0)", prot->name,
			prot->dma_faults - pbefore, normal->name,
			normal->dma_faults - before);
	}
	if (s.failed == 0)
		pr_info("iommu-selftest: PASSED (%u checks)", s.n);
	else
		pr_err("iommu-selftest: FAILED (%u of %u checks)", s.failed, s.n);
}
