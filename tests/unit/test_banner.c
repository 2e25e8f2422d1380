/* dommgr's boot banner on the fake architecture. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <string.h>
#include <cmocka.h>
#include "dommgr/arch/fake/fake.h"
#include "dommgr/dommgr.h"

static char out[8192];

static void collect(void *ctx, const char *line)
{
	strncat(out, line, sizeof(out) - strlen(out) - 2);
	strcat(out, "\n");
}

static struct sdm_handoff ho;

static void setup_handoff(void)
{
	memset(&ho, 0, sizeof(ho));
	ho.magic = SDM_HANDOFF_MAGIC;
	ho.version = SDM_HANDOFF_VERSION;
	ho.size = sizeof(ho);
	ho.platform.ncpus = 2;
	ho.platform.apic_ids[1] = 1;
	out[0] = '\0';
}

static void test_bochs_like(void **state)
{
	setup_handoff();
	memset(&fake_caps, 0, sizeof(fake_caps));
	strcpy(fake_caps.vendor, "GenuineIntel");
	fake_caps.vmx = fake_caps.ept = fake_caps.vpid = true;
	fake_caps.unrestricted = fake_caps.ept_2m = fake_caps.ept_1g = true;
	fake_caps.vmcs_revision = 0x2b;
	struct cpu_caps c;

	arch_cpu_caps(&c);
	dommgr_banner(&ho, &c, collect, NULL);
	assert_non_null(strstr(out, "CPUs: 2 from the MADT (APIC IDs 0 1)"));
	assert_non_null(strstr(out, "VMX: yes (VMCS revision 0x2b, true controls no), "
				    "EPT: yes, VPID: yes, unrestricted guest: yes"));
	assert_non_null(strstr(out, "2M pages yes, 1G pages yes"));
	assert_non_null(strstr(out, "DMAR: none (no IOMMU)"));
	assert_non_null(strstr(out, "TPM: none"));
	assert_non_null(strstr(out, "launch: unmeasured"));
	assert_null(strstr(out, "launch error recorded"));
	ho.measure.launch_errors = 1u << SDM_LERR_NO_TPM;
	out[0] = '\0';
	dommgr_banner(&ho, &c, collect, NULL);
	assert_non_null(strstr(out, "launch error recorded: no TPM"));
	ho.measure.launch_errors = 1u << SDM_LERR_IMAGE | 1u << SDM_LERR_CHECK |
				   1u << SDM_LERR_ROLLBACK | 1u << 9;
	out[0] = '\0';
	dommgr_banner(&ho, &c, collect, NULL);
	assert_null(strstr(out, "launch error recorded: no TPM"));
	assert_non_null(strstr(out, "launch error recorded: image missing or different"));
	assert_non_null(strstr(out, "launch error recorded: policy does not fit the machine"));
	assert_non_null(strstr(out, "launch error recorded: rollback counter not checked"));
	assert_non_null(strstr(out, "launch error recorded: class 9 (unknown)"));
}

static void test_qemu_like(void **state)
{
	setup_handoff();
	memset(&fake_caps, 0, sizeof(fake_caps));
	ho.platform.ndrhd = 1;
	ho.platform.drhd[0].base = 0xfed90000;
	ho.platform.drhd[0].flags = 1;
	ho.platform.dmar_haw = 38;
	ho.tpm.iface = SDM_TPM_IFACE_TIS;
	ho.tpm.family = SDM_TPM_FAMILY_20;
	ho.tpm.base_pa = 0xfed40000;
	ho.nmods = 1;
	strcpy(ho.mods[0].name, "normal");
	ho.mods[0].kind = SDM_MOD_NORMAL;
	ho.mods[0].format = SDM_IMG_MULTIBOOT2;
	ho.mods[0].size = 4096;
	struct cpu_caps c;

	arch_cpu_caps(&c);
	dommgr_banner(&ho, &c, collect, NULL);
	assert_non_null(strstr(out, "VMX: no (CPUID.1:ECX.VMX clear)"));
	assert_null(strstr(out, "EPT: 4-level"));
	assert_non_null(strstr(out, "DMAR: 1 unit(s), host address width 39 bits"));
	assert_non_null(strstr(out, "  DRHD 0 at 0xfed90000 segment 0 (INCLUDE_PCI_ALL)"));
	assert_non_null(strstr(out, "TPM: TIS, family 2.0 at 0xfed40000"));
	assert_non_null(strstr(out, "module 'normal': normal image, multiboot2, 4096 bytes"));
}

static void test_vmx_off_by_firmware(void **state)
{
	setup_handoff();
	memset(&fake_caps, 0, sizeof(fake_caps));
	fake_caps.vmx = fake_caps.vmx_bios_off = true;
	dommgr_banner(&ho, &fake_caps, collect, NULL);
	assert_non_null(strstr(out, "VMX: disabled by firmware"));
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_bochs_like),
		cmocka_unit_test(test_qemu_like),
		cmocka_unit_test(test_vmx_off_by_firmware),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
