/* dommgr's boot banner: what this machine is, in lines a person can read. */
#include <stdio.h>
#include "dommgr/dommgr.h"
#include "tpm/probe.h"

static const char *yn(bool b)
{
	return b ? "yes" : "no";
}

static const char *launch_name(uint32_t k)
{
	switch (k) {
	case SDM_LAUNCH_STATIC: return "static (measured below locality 4)";
	case SDM_LAUNCH_EMULATED_DRTM: return "emulated DRTM";
	case SDM_LAUNCH_TXT: return "Intel TXT";
	default: return "unmeasured";
	}
}

static const char *const mod_kinds[] = { "other", "dommgr", "normal",
					 "protected" };
static const char *const img_formats[] = { "unknown format", "multiboot1",
					   "multiboot2", "ELF64" };

#define EMIT(...)                                            \
	do {                                                 \
		snprintf(line, sizeof(line), __VA_ARGS__);   \
		emit(ctx, line);                             \
	} while (0)

void dommgr_banner(const struct sdm_handoff *ho, const struct cpu_caps *c,
		   banner_emit_fn emit, void *ctx)
{
	const struct sdm_ho_platform *p = &ho->platform;
	char line[200];
	char ids[120];
	int n = 0;

	EMIT("SDM dommgr, handoff v%u, region 0x%lx-0x%lx", ho->version,
	     ho->dommgr_base, ho->dommgr_end);
	EMIT("CPU: %s family 0x%x model 0x%x stepping %u, NX %s, SMX %s",
	     c->vendor, c->family, c->model, c->stepping, yn(c->nx), yn(c->smx));
	ids[0] = '\0';
	for (unsigned i = 0; i < p->ncpus && n >= 0 && (size_t)n < sizeof(ids);
	     i++)
		n += snprintf(ids + n, sizeof(ids) - (size_t)n, "%s%u",
			      i ? " " : "", p->apic_ids[i]);
	EMIT("CPUs: %u from the MADT (APIC IDs %s), boot CPU %u", p->ncpus, ids,
	     p->bsp_apic_id);
	if (!c->vmx)
		EMIT("VMX: no (CPUID.1:ECX.VMX clear): domains cannot be started");
	else if (c->vmx_bios_off)
		EMIT("VMX: disabled by firmware (IA32_FEATURE_CONTROL locked): "
		     "domains cannot be started");
	else
		EMIT("VMX: yes (VMCS revision 0x%x, true controls %s), EPT: %s, "
		     "VPID: %s, unrestricted guest: %s", c->vmcs_revision,
		     yn(c->true_ctls), yn(c->ept), yn(c->vpid),
		     yn(c->unrestricted));
	if (c->vmx && c->ept)
		EMIT("EPT: 4-level %s, WB %s, 2M pages %s, 1G pages %s, A/D %s, "
		     "INVEPT %s, INVVPID %s", yn(c->ept_4level), yn(c->ept_wb),
		     yn(c->ept_2m), yn(c->ept_1g), yn(c->ept_ad), yn(c->invept),
		     yn(c->invvpid));
	if (p->ndrhd == 0) {
		EMIT("DMAR: none (no IOMMU): DMA cannot be restricted");
	} else {
		EMIT("DMAR: %u unit(s), host address width %u bits", p->ndrhd,
		     p->dmar_haw + 1u);
		for (unsigned i = 0; i < p->ndrhd && i < SDM_HO_MAX_DRHD; i++)
			EMIT("  DRHD %u at 0x%lx segment %u%s", i, p->drhd[i].base,
			     p->drhd[i].segment,
			     (p->drhd[i].flags & 1) ? " (INCLUDE_PCI_ALL)" : "");
	}
	if (ho->tpm.iface == SDM_TPM_IFACE_NONE)
		EMIT("TPM: none");
	else if (ho->tpm.iface == SDM_TPM_IFACE_BRIDGE)
		EMIT("TPM: emulator bridge (a test image), family %s",
		     tpm_family_name(ho->tpm.family));
	else
		EMIT("TPM: %s, family %s at 0x%lx (DID:VID 0x%08x, RID 0x%x)",
		     tpm_iface_name(ho->tpm.iface),
		     tpm_family_name(ho->tpm.family), ho->tpm.base_pa,
		     ho->tpm.did_vid, ho->tpm.rid);
	EMIT("launch: %s", launch_name(ho->launch_kind));
	if (ho->measure.launch_errors != 0) {
		static const char *const names[] = {
			[SDM_LERR_NO_TPM] = "no TPM",
			[SDM_LERR_TPM] = "TPM error",
			[SDM_LERR_NO_DRTM] = "no DRTM",
			[SDM_LERR_NO_IOMMU] = "no IOMMU",
			[SDM_LERR_IMAGE] = "image missing or different",
			[SDM_LERR_CHECK] = "policy does not fit the machine",
			[SDM_LERR_ROLLBACK] = "rollback counter not checked",
		};

		for (unsigned i = 0; i < 32; i++) {
			if (!(ho->measure.launch_errors & (1u << i)))
				continue;
			if (i < ARRAY_SIZE(names) && names[i] != NULL)
				EMIT("launch error recorded: %s", names[i]);
			else
				EMIT("launch error recorded: class %u (unknown)",
				     i);
		}
	}
	for (unsigned i = 0; i < ho->nmods && i < SDM_HO_MAX_MODULES; i++) {
		const struct sdm_ho_module *m = &ho->mods[i];

		EMIT("module '%s': %s image, %s, %lu bytes at 0x%lx", m->name,
		     m->kind < 4 ? mod_kinds[m->kind] : "?",
		     m->format < 4 ? img_formats[m->format] : "?", m->size,
		     m->base);
	}
}
