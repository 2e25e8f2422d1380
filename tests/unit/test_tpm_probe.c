/* TPM interface/family identification from register values. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <string.h>
#include <cmocka.h>
#include "tpm/probe.h"

struct regs {
	uint32_t access, sts, ifid, didvid;
};

static uint32_t rd(void *ctx, uint64_t pa)
{
	const struct regs *r = ctx;

	switch (pa - TPM_LOCALITY0_PA) {
	case 0x00: return r->access;
	case 0x18: return r->sts;
	case 0x30: return r->ifid;
	case 0x34: return r->didvid; /* CRB: VID/DID in TPM_CRB_INTF_ID */
	case 0xf00: return r->didvid;
	case 0xf04: return 0x4;
	default: fail_msg("unexpected read at 0x%lx", (unsigned long)pa);
	}
	return 0;
}

static void test_absent(void **state)
{
	struct regs all_ones = { 0xffffffff, 0xffffffff, 0xffffffff, 0xffffffff };
	struct regs zeros = { 0 };
	struct sdm_ho_tpm t;

	tpm_probe(NULL, rd, &all_ones, &t);
	assert_int_equal(t.iface, SDM_TPM_IFACE_NONE);
	tpm_probe(NULL, rd, &zeros, &t);
	assert_int_equal(t.iface, SDM_TPM_IFACE_NONE);
	assert_string_equal(tpm_iface_name(t.iface), "none");
}

static void test_fifo_tpm20(void **state)
{
	/* PTP FIFO: interface type 0, TPM_STS family bits 27:26 = 01. */
	struct regs r = { 0xa1, 1u << 26, 0x0, 0x00011014 };
	struct sdm_ho_tpm t;

	tpm_probe(NULL, rd, &r, &t);
	assert_int_equal(t.iface, SDM_TPM_IFACE_TIS);
	assert_int_equal(t.family, SDM_TPM_FAMILY_20);
	assert_int_equal(t.did_vid, 0x00011014);
	assert_int_equal(t.rid, 4);
	assert_int_equal(t.base_pa, TPM_LOCALITY0_PA);
}

static void test_tis12(void **state)
{
	struct regs r = { 0x81, 0, 0xffffffff, 0x00011014 };
	struct sdm_ho_tpm t;

	tpm_probe(NULL, rd, &r, &t);
	assert_int_equal(t.iface, SDM_TPM_IFACE_TIS);
	assert_int_equal(t.family, SDM_TPM_FAMILY_12);
	assert_string_equal(tpm_family_name(t.family), "1.2");
}

static void test_crb_from_acpi_and_probe(void **state)
{
	struct regs r = { 0x80, 0, 0x07000001, 0x00011014 };
	struct acpi_info a;
	struct sdm_ho_tpm t;

	tpm_probe(NULL, rd, &r, &t);
	assert_int_equal(t.iface, SDM_TPM_IFACE_CRB);
	assert_int_equal(t.family, SDM_TPM_FAMILY_20);
	assert_int_equal(t.did_vid, 0x00011014);
	assert_int_equal(t.rid, 7);
	/* The ACPI start method wins over the interface id. */
	memset(&a, 0, sizeof(a));
	a.tpm2_pa = 0x7fe0000;
	a.tpm2_start_method = ACPI_TPM2_START_TIS;
	tpm_probe(&a, rd, &r, &t);
	assert_int_equal(t.iface, SDM_TPM_IFACE_TIS);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_absent),
		cmocka_unit_test(test_fifo_tpm20),
		cmocka_unit_test(test_tis12),
		cmocka_unit_test(test_crb_from_acpi_and_probe),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
