/* Platform discovery in sinit: ACPI tables and the TPM. */
#include <string.h>
#include <sdm/arch/x86.h>
#include <sdm/log.h>
#include "sinit/sinit.h"
#include "tpm/probe.h"

/* sinit identity-maps the low 4 GiB; nothing above is reachable. */
static const void *identity_map(void *ctx, uint64_t pa, uint64_t len)
{
	uint64_t end;

	if (pa == 0 || !add_ok(pa, len, &end) || end > GIB(4))
		return NULL;
	return (const void *)(uintptr_t)pa;
}

static uint32_t mmio_rd(void *ctx, uint64_t pa)
{
	return mmio_read32(pa);
}

static void fill_platform(struct sdm_ho_platform *p, const struct acpi_info *a)
{
	uint32_t eax, ebx, ecx, edx;

	memset(p, 0, sizeof(*p));
	p->rsdp_pa = a->rsdp_pa;
	p->madt_pa = a->madt_pa;
	p->dmar_pa = a->dmar_pa;
	p->tpm2_pa = a->tpm2_pa;
	p->fadt_pa = a->fadt_pa;
	p->lapic_base = (uint32_t)a->lapic_base;
	for (unsigned i = 0; i < a->ncpus && i < SDM_HO_MAX_CPUS; i++)
		p->apic_ids[p->ncpus++] = a->cpus[i].apic_id;
	cpuid(1, 0, &eax, &ebx, &ecx, &edx);
	p->bsp_apic_id = ebx >> 24;
	for (unsigned i = 0; i < a->ndrhd && i < SDM_HO_MAX_DRHD; i++) {
		p->drhd[i].base = a->drhd[i].base;
		p->drhd[i].segment = a->drhd[i].segment;
		p->drhd[i].flags = a->drhd[i].flags;
		p->ndrhd++;
	}
	p->dmar_haw = a->dmar_haw;
	p->s5_valid = a->s5_valid;
	p->s5_slp_typa = a->s5_slp_typa;
	p->s5_slp_typb = a->s5_slp_typb;
	p->pm1a_cnt_port = a->pm1a_cnt_port;
	p->pm1b_cnt_port = a->pm1b_cnt_port;
	p->reset_valid = a->reset_valid;
	p->reset_space = a->reset_space;
	p->reset_value = a->reset_value;
	p->reset_addr = a->reset_addr;
}

void sinit_platform(struct sinit_state *st)
{
	struct sdm_err err = { 0 };
	uint64_t rsdp = (uint64_t)(uintptr_t)st->mb.rsdp;

	if (rsdp == 0) {
		rsdp = acpi_find_rsdp_bios(identity_map, NULL);
		if (rsdp == 0)
			sinit_fatal(st, "ACPI: no RSDP in the boot information "
				    "or the BIOS areas");
		pr_info("ACPI: RSDP found by BIOS scan at 0x%lx", rsdp);
	}
	if (acpi_discover(identity_map, NULL, rsdp, &st->acpi, &err) != SDM_OK)
		sinit_fatal(st, "ACPI: %s", err.msg);
	if (st->acpi.lapic_base > UINT32_MAX)
		sinit_fatal(st, "ACPI: local APIC at 0x%lx, above 4 GiB",
			    st->acpi.lapic_base);
	fill_platform(&st->platform, &st->acpi);
	pr_info("ACPI: %s with %u tables; %u CPUs, %u DMAR unit(s), TPM2 table %s",
		st->acpi.root_is_xsdt ? "XSDT" : "RSDT", st->acpi.ntables,
		st->acpi.ncpus, st->acpi.ndrhd,
		st->acpi.tpm2_pa ? "present" : "absent");
	if (st->acpi.ncpus > SDM_HO_MAX_CPUS)
		sinit_fatal(st, "ACPI: %u CPUs, more than the %u supported",
			    st->acpi.ncpus, SDM_HO_MAX_CPUS);

	tpm_probe(&st->acpi, mmio_rd, NULL, &st->tpm);
	pr_info("TPM: %s, family %s", tpm_iface_name(st->tpm.iface),
		tpm_family_name(st->tpm.family));
}
