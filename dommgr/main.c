/*
 * dommgr: entered from sinit on its own page tables with the handoff.
 * Boot CPU: check the handoff, report the platform, plan the domains,
 * build their EPTs, load their images, start one CPU per protected
 * domain, then run the normal domain itself.
 */
#include <stdarg.h>
#include <stdio.h>
#include <string.h>
#include <sdm/acpi.h>
#include <sdm/log.h>
#include <sdm/power.h>
#include "dommgr/core.h"
#include "dommgr/dommgr.h"
#include "dommgr/iommu.h"
#include "dommgr/loader.h"
#include "dommgr/measure.h"
#include "dommgr/mm.h"
#include "policy/policy_verify.h"

void dommgr_main(const struct sdm_handoff *ho);

static const struct sdm_handoff *handoff;
static struct domain_table domains;
static struct arch_boot boots[DOM_MAX];
static volatile bool go;
volatile bool dommgr_stopping;

struct domain_table *dommgr_domains(void)
{
	return &domains;
}

const struct sdm_handoff *dommgr_handoff(void)
{
	return handoff;
}

int dommgr_cpu_index(uint32_t apic_id)
{
	for (unsigned i = 0; i < handoff->platform.ncpus; i++) {
		if (handoff->platform.apic_ids[i] == apic_id)
			return (int)i;
	}
	return -1;
}

void dommgr_domain_stop(struct domain *d, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(d->stop_reason, sizeof(d->stop_reason), fmt, ap);
	va_end(ap);
	d->state = DOM_STOPPED;
	pr_warn("domain '%s' stopped: %s", d->name, d->stop_reason);
}

static void scrub_domain(struct domain *d)
{
	for (unsigned i = 0; i < d->nmem; i++) {
		void *p = phys_map(d->mem[i].hpa, d->mem[i].size);

		if (p != NULL)
			memset(p, 0, d->mem[i].size);
	}
	pr_info("domain '%s': %lu KiB of memory scrubbed", d->name,
		d->nmem ? d->mem[0].size >> 10 : 0);
}

void dommgr_system_event(enum sys_event ev, struct domain *from,
			 const char *how)
{
	pr_info("%s requested by %s (%s): stopping protected domains",
		ev == SYS_RESET ? "reset" : "power-off",
		from ? from->name : "dommgr", how);
	dommgr_stopping = true;
	__asm__ volatile("" ::: "memory");
	dommgr_test_before_scrub(handoff, &domains);
	for (unsigned i = 0; i < domains.n; i++) {
		struct domain *d = &domains.d[i];

		if (d->kind != DOM_PROTECTED)
			continue;
		/* NMIs again and again: one that lands while the CPU is in
		 * dommgr is not seen by the guest loop until its next exit. */
		for (unsigned n = 0; n < 100000000 && d->state == DOM_RUNNING; n++) {
			for (unsigned c = 0; n % 1000000 == 0 &&
					     c < handoff->platform.ncpus; c++) {
				if (d->cpus & (1ull << c))
					arch_send_nmi(handoff, c);
			}
			__asm__ volatile("pause" ::: "memory");
		}
		if (d->state == DOM_RUNNING)
			pr_err("domain '%s' did not stop; scrubbing anyway",
			       d->name);
		scrub_domain(d);
	}
	dommgr_test_after_scrub(handoff, &domains);
	dommgr_eventlog_print();
	if (ev == SYS_RESET) {
		pr_info("resetting");
		arch_reset(handoff);
	} else {
		pr_info("powering off");
		x86_poweroff(&handoff->platform);
	}
	pr_err("%s did not take effect; halted",
	       ev == SYS_RESET ? "reset" : "power-off");
	log_flush();
	for (;;)
		__asm__ volatile("cli; hlt");
}

static void *gmem_map(void *ctx, uint64_t gpa, uint64_t len)
{
	uint64_t hpa;

	if (!domain_gpa_to_hpa(ctx, gpa, len, &hpa))
		return NULL;
	return phys_map(hpa, len);
}

static uint64_t *heap_table(void *ctx, uint64_t pa)
{
	return mm_va(pa);
}

/* The map a domain is shown: its RAM, plus the firmware ranges for normal. */
static unsigned guest_map(const struct domain *d, struct guest_mem_range *m,
			  unsigned cap)
{
	unsigned n = 0;

	for (unsigned i = 0; i < d->nmem && n < cap; i++)
		m[n++] = (struct guest_mem_range){ d->mem[i].gpa, d->mem[i].size,
						   1 };
	if (d->kind == DOM_NORMAL) {
		for (unsigned i = 0; i < handoff->nmmap && n < cap; i++) {
			if (handoff->mmap[i].type != 1)
				m[n++] = (struct guest_mem_range){
					handoff->mmap[i].base,
					handoff->mmap[i].len,
					handoff->mmap[i].type };
		}
	}
	return n;
}

static int prepare_domain(struct domain *d, const struct cpu_caps *caps,
			  struct sdm_err *err)
{
	const struct sdm_ho_module *m = &handoff->mods[d->module];
	unsigned pages = d->kind == DOM_NORMAL ? 256 : 32;
	uint64_t pool = mm_alloc(pages);
	struct guest_mem_range map[DOM_MAX_MEM + SDM_HO_MAX_MMAP];
	struct guest_boot gb;
	const char *args = m->cmdline;
	int rc;

	if (pool == 0)
		return sdm_err_set(err, SDM_ENOMEM, "domain '%s': no pages for "
				   "its EPT", d->name);
	d->ept_pool = (struct pt_pool){ .base_pa = pool, .npages = pages,
					.table = heap_table };
	d->ept.gib_pages = caps->ept_1g;
	rc = domain_build_ept(d, &domains, handoff, err);
	if (rc != SDM_OK)
		return rc;

	const void *image = phys_map(m->base, m->size);

	if (image == NULL)
		return sdm_err_set(err, SDM_ERANGE, "domain '%s': image at 0x%lx "
				   "is not reachable", d->name, m->base);
	/* The guest's command line: the module's, without its first word. */
	while (*args != '\0' && *args != ' ')
		args++;
	while (*args == ' ')
		args++;
	rc = guest_load_multiboot(d->name, image, m->size, args, map,
				  guest_map(d, map, ARRAY_SIZE(map)), gmem_map, d,
				  0x10000, &gb, err);
	if (rc != SDM_OK)
		return rc;
	rc = dommgr_measure_domain(d, image, m->size, err);
	if (rc != SDM_OK)
		return rc;
	boots[d->id] = (struct arch_boot){ gb.entry, gb.magic, gb.info_gpa };
	pr_info("domain '%s': multiboot%d image loaded, entry 0x%x, EPT %u "
		"pages", d->name, gb.kind, gb.entry, d->ept_pool.used);
	return SDM_OK;
}

static unsigned bsp_index(void)
{
	int i = dommgr_cpu_index(handoff->platform.bsp_apic_id);

	return i < 0 ? 0 : (unsigned)i;
}

/*
 * The normal domain's view of the CPUs: a copy of the MADT's pages in
 * which every protected domain's CPU is disabled, mapped by its EPT in
 * place of the firmware's pages (docs/isolation.md).
 */
static int hide_protected_cpus(struct sdm_err *err)
{
	uint64_t pa = handoff->platform.madt_pa, first, last;
	const uint8_t *hdr = phys_map(pa, 36);
	uint32_t ids[SDM_HO_MAX_CPUS], len;
	unsigned n = 0, hidden;

	if (hdr == NULL)
		return sdm_err_set(err, SDM_ERANGE, "MADT at 0x%lx is not "
				   "reachable", pa);
	memcpy(&len, hdr + 4, 4);
	first = pa & ~(uint64_t)(PAGE_SIZE - 1);
	if (len < 36 || len > 4 * PAGE_SIZE ||
	    !align_up(pa + len, PAGE_SIZE, &last))
		return sdm_err_set(err, SDM_EINVAL, "MADT length %u", len);

	uint64_t copy = mm_alloc((unsigned)((last - first) / PAGE_SIZE));
	const void *src = phys_map(first, last - first);

	if (copy == 0 || src == NULL || domains.nremap == ARRAY_SIZE(domains.remap))
		return sdm_err_set(err, SDM_ENOMEM, "no room for the MADT copy");
	memcpy(mm_va(copy), src, last - first);
	/* Every CPU that is not the normal domain's. */
	const struct domain *nd = NULL;

	for (unsigned i = 0; i < domains.n; i++) {
		if (domains.d[i].kind == DOM_NORMAL)
			nd = &domains.d[i];
	}
	for (unsigned c = 0; c < handoff->platform.ncpus; c++) {
		if (nd == NULL || !(nd->cpus & (1ull << c)))
			ids[n++] = handoff->platform.apic_ids[c];
	}
	int rc = acpi_madt_hide_cpus((uint8_t *)mm_va(copy) + (pa - first), len,
				     ids, n, &hidden, err);

	if (rc != SDM_OK)
		return rc;
	domains.remap[domains.nremap++] = (struct dom_remap){ first, copy,
							      last - first };
	pr_info("normal domain: its MADT copy hides %u CPU(s) it does not own",
		hidden);
	return SDM_OK;
}

static void run_on_this_cpu(unsigned cpu)
{
	struct sdm_err err = { 0 };
	struct domain *d = domain_of_cpu(&domains, cpu);

	if (cpu != bsp_index())
		arch_cpu_init(handoff, cpu);
	while (!go)
		__asm__ volatile("pause" ::: "memory");
	if (d == NULL || d->state == DOM_STOPPED)
		return;
	if (arch_virt_enable(cpu, &err) != SDM_OK) {
		dommgr_domain_stop(d, "%s", err.msg);
		return;
	}
	arch_run_domain(cpu, d, &boots[d->id]);
	pr_info("CPU %u parked", cpu);
}

static void print_domains(void)
{
	for (unsigned i = 0; i < domains.n; i++) {
		const struct domain *d = &domains.d[i];
		uint64_t mem = 0;

		for (unsigned k = 0; k < d->nmem; k++)
			mem += d->mem[k].size;
		pr_info("domain %u '%s': %s, CPUs 0x%lx, %lu MiB in %u range(s)%s",
			d->id, d->name, dom_kind_name(d->kind), d->cpus,
			mem >> 20, d->nmem,
			d->kind == DOM_PROTECTED ? "" : " (guest-physical = host)");
		if (d->kind == DOM_PROTECTED)
			pr_info("  memory 0x%lx-0x%lx", d->mem[0].hpa,
				d->mem[0].hpa + d->mem[0].size);
	}
}

/* From the policy sinit verified, or the built-in default without one. */
static int plan_domains(struct sdm_err *err)
{
	static struct sdm_policy pol;
	const struct sdm_ho_measure *m = &handoff->measure;

	if (m->policy_len == 0) {
		pr_info("domains: built-in default (no policy)");
		return domains_plan_default(handoff, &domains, err);
	}
	/* sinit verified the signature; dommgr reads its own copy. */
	if (sdm_policy_parse_fields(mm_va(m->policy_pa), m->policy_len, &pol,
				    err) != SDM_OK)
		return err->code;
	pr_info("domains: from the signed policy, version %lu", pol.version);
	return domains_plan_policy(handoff, &pol, &domains, err);
}

static void emit_log(void *ctx, const char *line)
{
	pr_info("%s", line);
}

static void start_domains(const struct cpu_caps *caps)
{
	struct sdm_err err = { 0 };
	unsigned bsp = bsp_index();

	if (dommgr_measure_init(handoff, &err) != SDM_OK) {
		pr_err("domains not started: measurement: %s", err.msg);
		return;
	}
	if (!caps->vmx || caps->vmx_bios_off || !caps->ept ||
	    !caps->unrestricted || !caps->vpid) {
		pr_err("domains not started: this CPU lacks VMX with EPT, VPID "
		       "and unrestricted guest");
		arch_dma_selftest(handoff, &domains, plan_domains); /* iommu-selftest= */
		dommgr_eventlog_print();
		return;
	}
	if (plan_domains(&err) != SDM_OK ||
	    arch_dma_protect(handoff, &domains, &err) != SDM_OK ||
	    dommgr_measure_fact(domains.dma_protected
					? "DMA protection: on (VT-d tables per domain)"
					: "DMA protection: OFF (no IOMMU; "
					  "dma=allow-unprotected)", &err) != SDM_OK ||
	    arch_virt_init(handoff, &err) != SDM_OK) {
		pr_err("domains not started: %s", err.msg);
		dommgr_eventlog_print();
		return;
	}
	print_domains();
	/* Other CPUs first: their start-up page must not be a loaded image. */
	for (unsigned i = 0; i < domains.n; i++) {
		struct domain *d = &domains.d[i];

		for (unsigned c = 0; c < handoff->platform.ncpus; c++) {
			if (c == bsp || !(d->cpus & (1ull << c)))
				continue;
			if (c >= ARCH_MAX_CPUS ||
			    arch_start_cpu(handoff, c, run_on_this_cpu, &err) != SDM_OK) {
				dommgr_domain_stop(d, "CPU %u: %s", c,
						   c >= ARCH_MAX_CPUS ? "beyond "
						   "the CPUs dommgr supports"
						   : err.msg);
				break;
			}
		}
	}
	if (hide_protected_cpus(&err) != SDM_OK) {
		pr_err("domains not started: %s", err.msg);
		return;
	}
	for (unsigned i = 0; i < domains.n; i++) {
		struct domain *d = &domains.d[i];

		if (d->state != DOM_STOPPED && prepare_domain(d, caps, &err) != SDM_OK)
			dommgr_domain_stop(d, "%s", err.msg);
	}
	pr_info("heap: %u of %u pages used", mm_used_pages(), mm_total_pages());
	dommgr_eventlog_print();
	go = true;
	__asm__ volatile("" ::: "memory");
	run_on_this_cpu(bsp);
	/* The machine runs on while any domain does. */
	for (bool running = true; running;) {
		running = false;
		for (unsigned i = 0; i < domains.n; i++)
			running |= domains.d[i].state == DOM_RUNNING;
		arch_dma_poll_faults();
		__asm__ volatile("pause" ::: "memory");
	}
	pr_info("no domain is running");
	for (unsigned i = 0; i < domains.n; i++) {
		if (domains.d[i].kind == DOM_PROTECTED)
			scrub_domain(&domains.d[i]);
	}
}

void dommgr_main(const struct sdm_handoff *ho)
{
	struct sdm_err err = { 0 };
	struct cpu_caps caps;

	if (sdm_handoff_check(ho, sizeof(*ho), &err) != SDM_OK) {
		/* No trusted settings: serial console, and stop. */
		log_init("dommgr: ", SDM_CONSOLE_SERIAL, SDM_LOG_INFO);
		pr_err("FATAL: bad handoff from sinit: %s", err.msg);
		pr_err("halted");
		log_flush();
		for (;;)
			__asm__ volatile("cli; hlt");
	}
	handoff = ho;
	log_init("dommgr: ", ho->console, ho->loglevel);
	mm_init(ho);
	arch_cpu_init(ho, bsp_index());
	arch_cpu_caps(&caps);
	dommgr_banner(ho, &caps, emit_log, NULL);
	dommgr_test_hook(ho);
	pr_info("boot complete");
	start_domains(&caps);
	arch_stop(ho);
}
