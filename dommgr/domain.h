/*
 * The domain table: what each domain is, which memory and CPUs it owns,
 * and its EPT. Built from the handoff (today a built-in default; the
 * signed policy feeds the same table later, issue 5). Pure logic: host
 * tests build it on the fake architecture (tests/unit/test_domain.c).
 */
#ifndef DOMMGR_DOMAIN_H
#define DOMMGR_DOMAIN_H
#include <sdm/handoff.h>
#include <sdm/memrange.h>
#include <sdm/pgtable.h>

#define DOM_MAX 4
#define DOM_MAX_MEM 32      /* RAM ranges of one domain */
#define DOM_NAME_MAX 32
#define DOM_PROTECTED_MEM_DEFAULT MIB(16)
#define DOM_EXIT_REASONS 70 /* SDM vol. 3, appendix C: basic reasons < 70 */

enum dom_kind { DOM_NORMAL = 1, DOM_PROTECTED = 2 };
enum dom_state { DOM_CREATED, DOM_RUNNING, DOM_STOPPED };

/* One range of RAM the domain sees: guest-physical → host-physical. */
struct dom_mem {
	uint64_t gpa, hpa, size;
};

#define DOM_MAX_DEVS 8      /* the policy format allows 16: more is refused */
/* A PCI device of the domain: segment and source id (bus:dev.fn). */
struct dom_dev {
	uint16_t seg, sid;
};

struct domain {
	unsigned id;
	char name[DOM_NAME_MAX];
	enum dom_kind kind;
	enum dom_state state;
	int module;          /* index of its image in the handoff's modules */
	uint64_t cpus;       /* bit i: CPU i of the handoff's platform.apic_ids */
	unsigned nmem;
	struct dom_mem mem[DOM_MAX_MEM];
	struct pt ept;
	struct pt_pool ept_pool;
	uint64_t exits[DOM_EXIT_REASONS];
	uint64_t hypercalls;
	uint64_t blocked_ipis;
	uint64_t blocked_irqs; /* external interrupts dropped on its CPUs */
	/* Protected domains: devices assigned to it (all others: normal's). */
	unsigned ndevs;
	struct dom_dev devs[DOM_MAX_DEVS];
	uint64_t dma_faults; /* blocked DMA of its devices (dommgr/iommu.c) */
	/* Its image as measured into PCR 20 (dommgr/measure.c; zero when
	 * the launch is not measured): SHA-256 and size. */
	uint8_t image_sha256[32];
	uint64_t image_size;
	char stop_reason[96];
};

/* A normal-domain page range backed by other memory (e.g. its MADT copy). */
struct dom_remap {
	uint64_t gpa, hpa, len;
};

struct domain_table {
	unsigned n;
	struct domain d[DOM_MAX];
	unsigned nremap;
	struct dom_remap remap[4];
	/* Host-physical ranges no normal domain may map (dommgr, protected
	 * memory, device registers dommgr owns). */
	unsigned nholes;
	struct mem_range holes[DOM_MAX + 16];
	/* Every DMA requester is translated by VT-d with these domains'
	 * tables (dommgr/iommu.c); false: DMA is not restricted. */
	bool dma_protected;
};

/*
 * The built-in default: every module named "protected" becomes a
 * protected domain with DOM_PROTECTED_MEM_DEFAULT of memory (the highest
 * free 2 MiB-aligned RAM below dommgr's region) and one CPU (the highest
 * APIC IDs first, never the boot CPU); the module named "normal" becomes
 * the normal domain with every other CPU and all remaining RAM, mapped
 * guest-physical = host-physical. Errors name the domain and resource.
 */
int domains_plan_default(const struct sdm_handoff *ho, struct domain_table *t,
			 struct sdm_err *err);

struct sdm_policy;
/*
 * The same from a verified policy: each protected domain with the memory
 * (size, optional fixed base) and CPUs (count, or APIC IDs; never the boot
 * CPU) it names, its image found by module name (first word of a module's
 * command line, or its name=), and its PCI devices in devs[] (at most
 * DOM_MAX_DEVS; a device named twice is refused); the normal domain gets
 * the rest, devices included (its own device list changes nothing).
 */
int domains_plan_policy(const struct sdm_handoff *ho,
			const struct sdm_policy *p, struct domain_table *t,
			struct sdm_err *err);
/* The handoff module called name (first word or name=), or -1. */
int domain_find_module(const struct sdm_handoff *ho, const char *name);

/*
 * Build a domain's EPT from its pool: protected — its RAM only (WB);
 * normal — identity for [0, 4 GiB) and all RAM above, WB for RAM and UC
 * elsewhere, minus every hole of the table, except the table's remapped
 * ranges, which point at their copies (WB). Never maps a hole.
 */
int domain_build_ept(struct domain *d, const struct domain_table *t,
		     const struct sdm_handoff *ho, struct sdm_err *err);

/* gpa range inside the domain's RAM: host-physical address, else false. */
bool domain_gpa_to_hpa(const struct domain *d, uint64_t gpa, uint64_t len,
		       uint64_t *hpa);

/* The domain that owns CPU index cpu, or NULL. */
struct domain *domain_of_cpu(struct domain_table *t, unsigned cpu);

const char *dom_kind_name(enum dom_kind k);

#endif
