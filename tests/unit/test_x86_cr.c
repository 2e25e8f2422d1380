/*
 * lib/x86_cr.c: one case per #GP(0) rule of a MOV to CR0/CR4 (Intel SDM
 * vol. 2B "MOV—Move to/from Control Registers", vol. 3A 2.5 and 9.8.5),
 * each with a write the CPU accepts and one it refuses.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <string.h>
#include <cmocka.h>
#include <sdm/x86_cr.h>

/* IA32_VMX_CR4_FIXED1 of a CPU with every CR4 bit 0-23 (but the reserved
 * 15 and 19): VMXE, SMXE, LA57, PCIDE and CET are all supported. */
#define FIXED1 (0xffffffull & ~((1ull << 15) | (1ull << 19)))

/* 32-bit protected mode without paging. */
static struct x86_cr_state prot32(void)
{
	return (struct x86_cr_state){ .cr0 = X86_CR0_PE | X86_CR0_ET |
					     X86_CR0_NE,
				      .cr4_fixed1 = FIXED1 };
}

/* 64-bit mode: IA-32e active, CS.L=1. */
static struct x86_cr_state long64(void)
{
	return (struct x86_cr_state){
		.cr0 = X86_CR0_PE | X86_CR0_ET | X86_CR0_NE | X86_CR0_WP |
		       X86_CR0_PG,
		.cr3 = 0x1000,
		.cr4 = X86_CR4_PAE,
		.efer = EFER_LME | EFER_LMA,
		.ia32e = true,
		.cs_l = true,
		.cr4_fixed1 = FIXED1,
	};
}

static void test_cr0_high_bits(void **state)
{
	struct x86_cr_state s = long64();

	assert_null(x86_cr0_check(&s, s.cr0));
	assert_string_equal(x86_cr0_check(&s, s.cr0 | (1ull << 32)),
			    "a 1 in CR0[63:32]");
	assert_non_null(x86_cr0_check(&s, s.cr0 | (1ull << 63)));
}

static void test_cr0_reserved_low_bits_dropped(void **state)
{
	struct x86_cr_state s = prot32();
	uint64_t v = s.cr0 | (1ull << 6) | (1ull << 17) | (1ull << 28);

	assert_null(x86_cr0_check(&s, v));
	assert_int_equal(x86_cr0_value(v), s.cr0);
	/* ET reads as 1 whatever is written. */
	assert_int_equal(x86_cr0_value(X86_CR0_PE), X86_CR0_PE | X86_CR0_ET);
}

static void test_cr0_pg_without_pe(void **state)
{
	struct x86_cr_state s = prot32();

	assert_null(x86_cr0_check(&s, s.cr0 | X86_CR0_PG));
	assert_string_equal(x86_cr0_check(&s, (s.cr0 | X86_CR0_PG) & ~X86_CR0_PE),
			    "CR0.PG=1 with CR0.PE=0");
	/* Real mode without paging is fine. */
	assert_null(x86_cr0_check(&s, s.cr0 & ~X86_CR0_PE));
}

static void test_cr0_nw_without_cd(void **state)
{
	struct x86_cr_state s = prot32();

	assert_null(x86_cr0_check(&s, s.cr0 | X86_CR0_NW | X86_CR0_CD));
	assert_null(x86_cr0_check(&s, s.cr0 | X86_CR0_CD));
	assert_string_equal(x86_cr0_check(&s, s.cr0 | X86_CR0_NW),
			    "CR0.NW=1 with CR0.CD=0");
}

static void test_cr0_clear_pg_64bit(void **state)
{
	struct x86_cr_state s = long64();

	assert_string_equal(x86_cr0_check(&s, s.cr0 & ~X86_CR0_PG),
			    "clearing CR0.PG in 64-bit mode");
	/* From compatibility mode (CS.L=0) it leaves IA-32e mode. */
	s.cs_l = false;
	assert_null(x86_cr0_check(&s, s.cr0 & ~X86_CR0_PG));
	/* 32-bit paging off: fine. */
	s = prot32();
	s.cr0 |= X86_CR0_PG;
	assert_null(x86_cr0_check(&s, s.cr0 & ~X86_CR0_PG));
}

static void test_cr0_clear_pg_pcide(void **state)
{
	struct x86_cr_state s = long64();

	s.cs_l = false;
	s.cr4 |= X86_CR4_PCIDE;
	assert_null(x86_cr0_check(&s, s.cr0));
	assert_string_equal(x86_cr0_check(&s, s.cr0 & ~X86_CR0_PG),
			    "clearing CR0.PG with CR4.PCIDE=1");
}

static void test_cr0_ia32e_without_pae(void **state)
{
	struct x86_cr_state s = prot32();

	s.efer = EFER_LME;
	assert_string_equal(x86_cr0_check(&s, s.cr0 | X86_CR0_PG),
			    "CR0.PG=1 with EFER.LME=1 and CR4.PAE=0");
	s.cr4 = X86_CR4_PAE;
	assert_null(x86_cr0_check(&s, s.cr0 | X86_CR0_PG));
	/* Without LME, 32-bit paging needs no PAE. */
	s.cr4 = 0;
	s.efer = 0;
	assert_null(x86_cr0_check(&s, s.cr0 | X86_CR0_PG));
}

static void test_cr0_wp_with_cet(void **state)
{
	struct x86_cr_state s = long64();

	assert_null(x86_cr0_check(&s, s.cr0 & ~X86_CR0_WP));
	s.cr4 |= X86_CR4_CET;
	assert_null(x86_cr0_check(&s, s.cr0));
	assert_string_equal(x86_cr0_check(&s, s.cr0 & ~X86_CR0_WP),
			    "CR0.WP=0 with CR4.CET=1");
}

static void test_cr4_reserved(void **state)
{
	struct x86_cr_state s = prot32();

	assert_null(x86_cr4_check(&s, X86_CR4_PAE | (1ull << 18)));
	assert_string_equal(x86_cr4_check(&s, 1ull << 30), "a reserved CR4 bit");
	assert_non_null(x86_cr4_check(&s, 1ull << 19));
	assert_non_null(x86_cr4_check(&s, 1ull << 32));
	/* A bit the CPU supports is allowed only if FIXED1 says so. */
	s.cr4_fixed1 &= ~(1ull << 22);
	assert_non_null(x86_cr4_check(&s, 1ull << 22));
}

static void test_cr4_vmxe_smxe(void **state)
{
	struct x86_cr_state s = prot32();

	/* Refused even though the CPU supports them (FIXED1 has them). */
	assert_true(s.cr4_fixed1 & X86_CR4_VMXE);
	assert_true(s.cr4_fixed1 & X86_CR4_SMXE);
	assert_string_equal(x86_cr4_check(&s, X86_CR4_VMXE),
			    "CR4.VMXE (VMX is not offered)");
	assert_string_equal(x86_cr4_check(&s, X86_CR4_SMXE),
			    "CR4.SMXE (SMX is not offered)");
}

static void test_cr4_clear_pae_ia32e(void **state)
{
	struct x86_cr_state s = long64();

	assert_null(x86_cr4_check(&s, s.cr4));
	assert_string_equal(x86_cr4_check(&s, s.cr4 & ~X86_CR4_PAE),
			    "clearing CR4.PAE in IA-32e mode");
	s.cs_l = false; /* compatibility mode too */
	assert_non_null(x86_cr4_check(&s, s.cr4 & ~X86_CR4_PAE));
	s = prot32();
	s.cr4 = X86_CR4_PAE;
	assert_null(x86_cr4_check(&s, 0));
}

static void test_cr4_la57_ia32e(void **state)
{
	struct x86_cr_state s = long64();

	assert_string_equal(x86_cr4_check(&s, s.cr4 | X86_CR4_LA57),
			    "changing CR4.LA57 in IA-32e mode");
	s.cr4 |= X86_CR4_LA57;
	assert_null(x86_cr4_check(&s, s.cr4));
	assert_non_null(x86_cr4_check(&s, s.cr4 & ~X86_CR4_LA57));
	/* Outside IA-32e mode LA57 may change. */
	s = prot32();
	assert_null(x86_cr4_check(&s, X86_CR4_PAE | X86_CR4_LA57));
}

static void test_cr4_pcide(void **state)
{
	struct x86_cr_state s = long64();

	assert_null(x86_cr4_check(&s, s.cr4 | X86_CR4_PCIDE));
	s.cr3 = 0x1001;
	assert_string_equal(x86_cr4_check(&s, s.cr4 | X86_CR4_PCIDE),
			    "setting CR4.PCIDE with CR3[11:0] != 0");
	/* Already set: CR3[11:0] is then a PCID, not a reason. */
	s.cr4 |= X86_CR4_PCIDE;
	assert_null(x86_cr4_check(&s, s.cr4));
	s = prot32();
	s.cr4 = X86_CR4_PAE;
	assert_string_equal(x86_cr4_check(&s, s.cr4 | X86_CR4_PCIDE),
			    "setting CR4.PCIDE outside IA-32e mode");
}

static void test_cr4_cet_without_wp(void **state)
{
	struct x86_cr_state s = long64();

	assert_null(x86_cr4_check(&s, s.cr4 | X86_CR4_CET));
	s.cr0 &= ~X86_CR0_WP;
	assert_string_equal(x86_cr4_check(&s, s.cr4 | X86_CR4_CET),
			    "CR4.CET=1 with CR0.WP=0");
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_cr0_high_bits),
		cmocka_unit_test(test_cr0_reserved_low_bits_dropped),
		cmocka_unit_test(test_cr0_pg_without_pe),
		cmocka_unit_test(test_cr0_nw_without_cd),
		cmocka_unit_test(test_cr0_clear_pg_64bit),
		cmocka_unit_test(test_cr0_clear_pg_pcide),
		cmocka_unit_test(test_cr0_ia32e_without_pae),
		cmocka_unit_test(test_cr0_wp_with_cet),
		cmocka_unit_test(test_cr4_reserved),
		cmocka_unit_test(test_cr4_vmxe_smxe),
		cmocka_unit_test(test_cr4_clear_pae_ia32e),
		cmocka_unit_test(test_cr4_la57_ia32e),
		cmocka_unit_test(test_cr4_pcide),
		cmocka_unit_test(test_cr4_cet_without_wp),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
