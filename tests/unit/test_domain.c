/*
 * The domain table and EPTs on the host: what each domain gets, and that
 * no EPT maps a byte of dommgr, another domain or the registers dommgr
 * keeps (every 4 KiB page of the address space below 4 GiB is checked).
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>
#include "dommgr/domain.h"
#include "policy/policy_format.h"
#include "policy/policy_verify.h"

static struct sdm_handoff ho;
static struct domain_table t;
static struct sdm_err err;

#define POOL_PAGES 512
static uint64_t (*pool_mem)[512];

static uint64_t *table(void *ctx, uint64_t pa)
{
	uint64_t i = (pa - 0x100000000ull) / 4096;

	assert_true(i < 2 * POOL_PAGES);
	return pool_mem[i];
}

static void add_mod(const char *name, const char *cmdline, uint32_t kind,
		    uint64_t base)
{
	struct sdm_ho_module *m = &ho.mods[ho.nmods++];

	m->base = base;
	m->size = 0x4000;
	m->kind = kind;
	strcpy(m->name, name);
	strcpy(m->cmdline, cmdline);
}

/* Bochs-like: 512 MiB, 2 CPUs, dommgr at the top. */
static int setup(void **state)
{
	memset(&ho, 0, sizeof(ho));
	ho.nmmap = 5;
	ho.mmap[0] = (struct sdm_ho_mem){ 0, 0x9fc00, 1, 0 };
	ho.mmap[1] = (struct sdm_ho_mem){ 0x9fc00, 0x400, 2, 0 };
	ho.mmap[2] = (struct sdm_ho_mem){ 0x100000, 0x1fef0000, 1, 0 };
	ho.mmap[3] = (struct sdm_ho_mem){ 0x1fff0000, 0x10000, 3, 0 };
	ho.mmap[4] = (struct sdm_ho_mem){ 0xfffc0000, 0x40000, 2, 0 };
	ho.dommgr_base = 0x1f600000;
	ho.dommgr_end = 0x1fe00000;
	ho.platform.ncpus = 2;
	ho.platform.apic_ids[1] = 1;
	ho.platform.lapic_base = 0xfee00000;
	add_mod("dommgr", "dommgr", SDM_MOD_DOMMGR, 0x13c000);
	add_mod("normal", "normal attack=x", SDM_MOD_NORMAL, 0x18d000);
	add_mod("protected", "protected name=vault", SDM_MOD_PROTECTED, 0x191000);
	if (pool_mem == NULL)
		pool_mem = calloc(2 * POOL_PAGES, 4096);
	return 0;
}

static void test_default_plan(void **state)
{
	assert_int_equal(domains_plan_default(&ho, &t, &err), SDM_OK);
	assert_int_equal(t.n, 2);
	const struct domain *p = &t.d[0], *n = &t.d[1];

	assert_string_equal(p->name, "vault");
	assert_int_equal(p->kind, DOM_PROTECTED);
	assert_int_equal(p->cpus, 2);
	assert_int_equal(p->nmem, 1);
	assert_int_equal(p->mem[0].gpa, 0);
	assert_int_equal(p->mem[0].size, DOM_PROTECTED_MEM_DEFAULT);
	assert_int_equal(p->mem[0].hpa, 0x1e600000); /* just below dommgr */
	assert_string_equal(n->name, "normal");
	assert_int_equal(n->cpus, 1);
	/* Normal RAM: everything but dommgr and the protected memory. */
	assert_int_equal(n->nmem, 3);
	assert_int_equal(n->mem[1].hpa, 0x100000);
	assert_int_equal(n->mem[1].size, 0x1e600000 - 0x100000);
	assert_int_equal(n->mem[2].hpa, 0x1fe00000);
	assert_int_equal(domain_of_cpu(&t, 1), &t.d[0]);
	assert_int_equal(domain_of_cpu(&t, 0), &t.d[1]);
	assert_null(domain_of_cpu(&t, 2));
}

static bool in_hole(uint64_t a)
{
	for (unsigned i = 0; i < t.nholes; i++) {
		if (a >= t.holes[i].base && a < t.holes[i].end)
			return true;
	}
	return false;
}

static void test_ept_never_maps_a_hole(void **state)
{
	uint64_t pa, fl, hpa;

	assert_int_equal(domains_plan_default(&ho, &t, &err), SDM_OK);
	for (unsigned i = 0; i < t.n; i++) {
		struct domain *d = &t.d[i];

		d->ept_pool = (struct pt_pool){ 0x100000000ull + i * POOL_PAGES * 4096ull,
						POOL_PAGES, 0, table, NULL };
		d->ept.gib_pages = true;
		assert_int_equal(domain_build_ept(d, &t, &ho, &err), SDM_OK);
	}
	struct domain *p = &t.d[0], *n = &t.d[1];

	/* Holes: dommgr, vault, TPM localities 1-4, the local APIC. */
	assert_int_equal(t.nholes, 4);
	for (uint64_t a = 0; a < 0x100000000ull; a += 4096) {
		bool mapped = pt_walk(&n->ept, a, &pa, &fl);

		if (in_hole(a))
			assert_false(mapped);
		else
			assert_true(mapped && pa == a);
		if (mapped)
			assert_int_equal(fl & EPT_RWX, EPT_RWX);
	}
	assert_true(pt_walk(&n->ept, 0x200000, &pa, &fl));
	assert_int_equal(fl & EPT_MT(7), EPT_MT(EPT_MT_WB));
	assert_true(pt_walk(&n->ept, 0xfec00000, &pa, &fl)); /* I/O APIC: MMIO */
	assert_int_equal(fl & EPT_MT(7), EPT_MT(EPT_MT_UC));
	assert_false(pt_walk(&n->ept, 0xfed44000, &pa, &fl));
	assert_true(pt_walk(&n->ept, 0xfed40000, &pa, &fl)); /* locality 0 */
	/* The protected domain sees its 16 MiB at 0 and nothing else. */
	assert_true(pt_walk(&p->ept, 0x800000, &pa, &fl));
	assert_int_equal(pa, 0x1e600000 + 0x800000);
	assert_false(pt_walk(&p->ept, DOM_PROTECTED_MEM_DEFAULT, &pa, &fl));
	assert_false(pt_walk(&p->ept, 0xfee00000, &pa, &fl));
	assert_true(domain_gpa_to_hpa(p, 0xfff000, 0x1000, &hpa));
	assert_false(domain_gpa_to_hpa(p, 0xfff000, 0x1001, &hpa));
	assert_false(domain_gpa_to_hpa(p, ~0ull - 4, 16, &hpa));
	assert_false(domain_gpa_to_hpa(n, 0x1e600000, 8, &hpa));
}

static void test_normal_gets_the_boot_cpu_only(void **state)
{
	ho.platform.ncpus = 4;
	for (unsigned i = 0; i < 4; i++)
		ho.platform.apic_ids[i] = i;
	assert_int_equal(domains_plan_default(&ho, &t, &err), SDM_OK);
	assert_int_equal(t.d[0].cpus, 1u << 3); /* protected: the highest */
	assert_int_equal(t.d[1].cpus, 1u << 0); /* normal: the boot CPU */
}

static void test_remap(void **state)
{
	uint64_t pa, fl;

	assert_int_equal(domains_plan_default(&ho, &t, &err), SDM_OK);
	t.remap[t.nremap++] = (struct dom_remap){ 0xe0000, 0x1f700000, 0x2000 };
	struct domain *n = &t.d[1];

	n->ept_pool = (struct pt_pool){ 0x100000000ull, POOL_PAGES, 0, table, NULL };
	assert_int_equal(domain_build_ept(n, &t, &ho, &err), SDM_OK);
	assert_true(pt_walk(&n->ept, 0xe1004, &pa, &fl));
	assert_int_equal(pa, 0x1f701004);
	assert_true(pt_walk(&n->ept, 0xdf000, &pa, &fl));
	assert_int_equal(pa, 0xdf000);
	assert_true(pt_walk(&n->ept, 0xe2000, &pa, &fl));
	assert_int_equal(pa, 0xe2000);
}

static void test_policy_plan(void **state)
{
	static struct sdm_policy p;

	memset(&p, 0, sizeof(p));
	p.ndomains = 2;
	strcpy(p.dom[0].name, "host");
	p.dom[0].kind = SDM_POL_KIND_NORMAL;
	p.dom[0].nimages = 1;
	strcpy(p.dom[0].images[0].module, "normal");
	strcpy(p.dom[1].name, "vault");
	p.dom[1].kind = SDM_POL_KIND_PROTECTED;
	p.dom[1].nimages = 1;
	strcpy(p.dom[1].images[0].module, "vault");
	p.dom[1].mem_size = 0x2000000;
	p.dom[1].mem_base = 0x10000000;
	p.dom[1].ncpu_ids = 1;
	p.dom[1].cpu_count = 1;
	p.dom[1].cpu_ids[0] = 1;
	assert_int_equal(domains_plan_policy(&ho, &p, &t, &err), SDM_OK);
	assert_int_equal(t.n, 2);
	assert_string_equal(t.d[0].name, "vault");
	assert_int_equal(t.d[0].module, 2);
	assert_int_equal(t.d[0].mem[0].hpa, 0x10000000);
	assert_int_equal(t.d[0].mem[0].size, 0x2000000);
	assert_int_equal(t.d[0].cpus, 2);
	assert_string_equal(t.d[1].name, "host");
	assert_int_equal(t.d[1].cpus, 1);

	p.dom[1].cpu_ids[0] = 0;
	assert_int_equal(domains_plan_policy(&ho, &p, &t, &err), SDM_EINVAL);
	assert_non_null(strstr(err.msg, "APIC ID 0 is the boot CPU"));
	p.dom[1].cpu_ids[0] = 7;
	assert_int_equal(domains_plan_policy(&ho, &p, &t, &err), SDM_ENOENT);
	assert_non_null(strstr(err.msg, "no CPU with APIC ID 7"));
	p.dom[1].cpu_ids[0] = 1;
	p.dom[1].mem_base = 0x1f000000; /* overlaps dommgr */
	assert_int_equal(domains_plan_policy(&ho, &p, &t, &err), SDM_ENOMEM);
	assert_non_null(strstr(err.msg, "is not free RAM"));
	p.dom[1].mem_base = 0;
	strcpy(p.dom[1].images[0].module, "absent");
	assert_int_equal(domains_plan_policy(&ho, &p, &t, &err), SDM_ENOENT);
	assert_non_null(strstr(err.msg, "no boot module 'absent'"));
}

/* The policy's devices: a protected domain's land in its devs[]. */
static void test_policy_devices(void **state)
{
	static struct sdm_policy p;

	memset(&p, 0, sizeof(p));
	p.ndomains = 2;
	strcpy(p.dom[0].name, "host");
	p.dom[0].kind = SDM_POL_KIND_NORMAL;
	p.dom[0].nimages = 1;
	strcpy(p.dom[0].images[0].module, "normal");
	p.dom[0].ndevices = 1; /* the normal domain's own list changes nothing */
	p.dom[0].devices[0] = (struct sdm_pol_pci){ 0, 0, 2 << 3 };
	strcpy(p.dom[1].name, "vault");
	p.dom[1].kind = SDM_POL_KIND_PROTECTED;
	p.dom[1].nimages = 1;
	strcpy(p.dom[1].images[0].module, "vault");
	p.dom[1].mem_size = 0x1000000;
	p.dom[1].cpu_count = 1;
	p.dom[1].ndevices = 2;
	p.dom[1].devices[0] = (struct sdm_pol_pci){ 0, 0, 6 << 3 };
	p.dom[1].devices[1] = (struct sdm_pol_pci){ 1, 0x3a, 0x1f << 3 | 7 };
	assert_int_equal(domains_plan_policy(&ho, &p, &t, &err), SDM_OK);
	assert_string_equal(t.d[0].name, "vault");
	assert_int_equal(t.d[0].ndevs, 2);
	assert_int_equal(t.d[0].devs[0].seg, 0);
	assert_int_equal(t.d[0].devs[0].sid, 0x0030);     /* 00:06.0 */
	assert_int_equal(t.d[0].devs[1].seg, 1);
	assert_int_equal(t.d[0].devs[1].sid, 0x3aff);     /* 3a:1f.7 */
	assert_string_equal(t.d[1].name, "host");
	assert_int_equal(t.d[1].ndevs, 0);

	/* More than DOM_MAX_DEVS: refused, naming the domain. */
	p.dom[1].ndevices = DOM_MAX_DEVS + 1;
	for (unsigned k = 0; k < p.dom[1].ndevices; k++)
		p.dom[1].devices[k] = (struct sdm_pol_pci){ 0, 1, (uint8_t)k };
	assert_int_equal(domains_plan_policy(&ho, &p, &t, &err), SDM_ENOSPC);
	assert_string_equal(err.msg, "policy: domain 'vault': 9 devices, dommgr "
			    "assigns at most 8 to a domain");
	p.dom[1].ndevices = DOM_MAX_DEVS;
	assert_int_equal(domains_plan_policy(&ho, &p, &t, &err), SDM_OK);
	assert_int_equal(t.d[0].ndevs, DOM_MAX_DEVS);
	assert_int_equal(t.d[0].devs[7].sid, 0x0107);

	/* A device named twice: refused (sinit may have gone on). */
	p.dom[1].devices[3] = p.dom[1].devices[1];
	assert_int_equal(domains_plan_policy(&ho, &p, &t, &err), SDM_EINVAL);
	assert_string_equal(err.msg, "policy: domain 'vault' lists device "
			    "0000:01:00.1 twice");
	p.dom[1].devices[3] = (struct sdm_pol_pci){ 0, 0, 2 << 3 };
	assert_int_equal(domains_plan_policy(&ho, &p, &t, &err), SDM_EINVAL);
	assert_string_equal(err.msg, "policy: device 0000:00:02.0 is given to "
			    "domain 'host' and to domain 'vault'");
}

static void test_errors(void **state)
{
	/* Two protected domains on a 2-CPU machine: no CPU for the second. */
	add_mod("protected", "protected name=two", SDM_MOD_PROTECTED, 0x195000);
	assert_int_equal(domains_plan_default(&ho, &t, &err), SDM_ENOENT);
	assert_non_null(strstr(err.msg, "domain 'two': no CPU left"));
	setup(NULL);
	ho.platform.ncpus = 4;
	ho.platform.apic_ids[2] = 2;
	ho.platform.apic_ids[3] = 3;
	add_mod("protected", "protected name=vault", SDM_MOD_PROTECTED, 0x195000);
	assert_int_equal(domains_plan_default(&ho, &t, &err), SDM_EINVAL);
	assert_non_null(strstr(err.msg, "domain 'vault': name given twice"));
	setup(NULL);
	ho.mods[1].kind = SDM_MOD_OTHER;
	assert_int_equal(domains_plan_default(&ho, &t, &err), SDM_ENOENT);
	assert_non_null(strstr(err.msg, "no boot module named 'normal'"));
	setup(NULL);
	ho.mmap[2].len = 0x1000000; /* 16 MiB of RAM: no room */
	ho.dommgr_base = 0x800000;
	ho.dommgr_end = 0x1000000;
	assert_int_equal(domains_plan_default(&ho, &t, &err), SDM_ENOMEM);
	assert_non_null(strstr(err.msg, "domain 'vault': no 16 MiB of free RAM"));
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup(test_default_plan, setup),
		cmocka_unit_test_setup(test_ept_never_maps_a_hole, setup),
		cmocka_unit_test_setup(test_normal_gets_the_boot_cpu_only, setup),
		cmocka_unit_test_setup(test_remap, setup),
		cmocka_unit_test_setup(test_policy_plan, setup),
		cmocka_unit_test_setup(test_policy_devices, setup),
		cmocka_unit_test_setup(test_errors, setup),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
