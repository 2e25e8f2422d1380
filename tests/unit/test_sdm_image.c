/*
 * Unit tests for `sdm image`: argument parsing, grub.cfg text, kernel
 * checks and the default file paths (tools/sdm/image.c).
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include <cmocka.h>

#include "tools/sdm/image.h"

#define ARGC(a) ((int)(sizeof(a) / sizeof((a)[0])))

static char err[1024];

static int parse(int argc, char *const argv[], struct image_opts *o)
{
	err[0] = '\0';
	return image_parse_args(argc, argv, o, err, sizeof(err));
}

/* Asserts that parsing argv fails with a message containing want. */
static void expect_usage_error(int argc, char *const argv[], const char *want)
{
	struct image_opts o;

	assert_int_equal(parse(argc, argv, &o), -1);
	if (strstr(err, want) == NULL)
		fail_msg("error '%s' does not contain '%s'", err, want);
}

static void test_parse_minimal(void **state)
{
	char *argv[] = { "--normal", "n.elf", "--out", "x.iso" };
	struct image_opts o;

	assert_int_equal(parse(ARGC(argv), argv, &o), 0);
	assert_string_equal(o.normal, "n.elf");
	assert_string_equal(o.out, "x.iso");
	assert_null(o.sinit);
	assert_null(o.dommgr);
	assert_string_equal(o.cmdline, "");
	assert_string_equal(o.dommgr_cmdline, "");
	assert_int_equal(o.nprot, 0);
	assert_false(o.no_dommgr);
	assert_false(o.verbose);
	assert_false(o.help);
}

static void test_parse_all(void **state)
{
	char *argv[] = {
		"--normal=n.elf", "--protected", "p1.elf", "--protected=p2.elf",
		"--out", "x.iso", "--sinit", "s.elf", "--dommgr=d.elf",
		"--cmdline", "console=serial exit=poweroff", "--dommgr-cmdline=a=1",
		"-v",
	};
	struct image_opts o;

	assert_int_equal(parse(ARGC(argv), argv, &o), 0);
	assert_string_equal(o.normal, "n.elf");
	assert_int_equal(o.nprot, 2);
	assert_string_equal(o.prot[0], "p1.elf");
	assert_string_equal(o.prot[1], "p2.elf");
	assert_string_equal(o.sinit, "s.elf");
	assert_string_equal(o.dommgr, "d.elf");
	assert_string_equal(o.cmdline, "console=serial exit=poweroff");
	assert_string_equal(o.dommgr_cmdline, "a=1");
	assert_true(o.verbose);
}

static void test_parse_help_first(void **state)
{
	char *argv[] = { "--help", "--bogus" };
	struct image_opts o;

	assert_int_equal(parse(ARGC(argv), argv, &o), 0);
	assert_true(o.help);
}

static void test_parse_errors(void **state)
{
	char *no_normal[] = { "--out", "x.iso" };
	char *no_out[] = { "--normal", "n.elf" };
	char *unknown[] = { "--normal", "n.elf", "--out", "x.iso", "--bogus" };
	char *no_value[] = { "--out", "x.iso", "--normal" };
	char *twice[] = { "--normal", "a", "--normal", "b", "--out", "x" };
	char *flag_value[] = { "--normal", "n", "--out", "x", "--verbose=1" };
	char *positional[] = { "n.elf", "--out", "x" };
	char *empty_file[] = { "--normal=", "--out", "x" };
	char *conflict[] = { "--normal", "n", "--out", "x", "--no-dommgr", "--dommgr", "d" };
	char *conflict2[] = { "--normal", "n", "--out", "x", "--no-dommgr",
			      "--dommgr-cmdline", "a" };
	char *bad_cmdline[] = { "--normal", "n", "--out", "x", "--cmdline", "a;reboot" };
	char *bad_byte[] = { "--normal", "n", "--out", "x", "--dommgr-cmdline", "a\nb" };

	expect_usage_error(ARGC(no_normal), no_normal, "missing --normal");
	expect_usage_error(ARGC(no_out), no_out, "missing --out");
	expect_usage_error(ARGC(unknown), unknown, "unknown option '--bogus'");
	expect_usage_error(ARGC(no_value), no_value, "option --normal needs a value");
	expect_usage_error(ARGC(twice), twice, "option --normal given twice");
	expect_usage_error(ARGC(flag_value), flag_value, "option --verbose takes no value");
	expect_usage_error(ARGC(positional), positional, "unexpected argument 'n.elf'");
	expect_usage_error(ARGC(empty_file), empty_file, "--normal: empty file name");
	expect_usage_error(ARGC(conflict), conflict, "--no-dommgr and --dommgr exclude");
	expect_usage_error(ARGC(conflict2), conflict2, "--no-dommgr and --dommgr-cmdline");
	expect_usage_error(ARGC(bad_cmdline), bad_cmdline,
			   "--cmdline: character ';' at offset 1 is not allowed");
	expect_usage_error(ARGC(bad_byte), bad_byte,
			   "--dommgr-cmdline: byte 0x0a at offset 1");
}

static void test_parse_too_many_protected(void **state)
{
	char *argv[4 + 2 * (IMAGE_MAX_PROTECTED + 1)] = { "--normal", "n", "--out", "x" };
	struct image_opts o;
	int argc = 4;

	for (unsigned i = 0; i < IMAGE_MAX_PROTECTED; i++) {
		argv[argc++] = "--protected";
		argv[argc++] = "p";
	}
	assert_int_equal(parse(argc, argv, &o), 0);
	assert_int_equal(o.nprot, IMAGE_MAX_PROTECTED);
	argv[argc++] = "--protected";
	argv[argc++] = "p";
	expect_usage_error(argc, argv, "too many --protected images");
}

static void test_cfg_full(void **state)
{
	char *argv[] = {
		"--normal", "n.elf", "--protected", "a.elf", "--protected", "b.elf",
		"--out", "x.iso", "--cmdline", "  console=serial\tloglevel=info  exit=poweroff ",
		"--dommgr-cmdline", "x=1",
	};
	static const char want[] =
		"# Written by sdm image. sinit finds each module by the first\n"
		"# word of its command line: dommgr, normal, protected.\n"
		"set timeout=0\n"
		"set default=0\n"
		"menuentry \"SDM\" {\n"
		"\tmultiboot2 /boot/sinit.elf console=serial loglevel=info exit=poweroff\n"
		"\tmodule2 /boot/dommgr.elf dommgr x=1\n"
		"\tmodule2 /boot/normal.elf normal\n"
		"\tmodule2 /boot/prot1.elf protected name=prot1\n"
		"\tmodule2 /boot/prot2.elf protected name=prot2\n"
		"\tboot\n"
		"}\n";
	struct image_opts o;
	char buf[2048];

	assert_int_equal(parse(ARGC(argv), argv, &o), 0);
	assert_int_equal(image_grub_cfg(&o, buf, sizeof(buf)), (int)strlen(want));
	assert_string_equal(buf, want);
}

static void test_cfg_no_dommgr(void **state)
{
	char *argv[] = { "--normal", "n.elf", "--out", "x.iso", "--no-dommgr" };
	struct image_opts o;
	char buf[2048];

	assert_int_equal(parse(ARGC(argv), argv, &o), 0);
	assert_true(image_grub_cfg(&o, buf, sizeof(buf)) > 0);
	assert_null(strstr(buf, "dommgr.elf"));
	assert_non_null(strstr(buf, "\tmultiboot2 /boot/sinit.elf\n"
				    "\tmodule2 /boot/normal.elf normal\n\tboot\n"));
}

static void test_cfg_too_small(void **state)
{
	char *argv[] = { "--normal", "n.elf", "--out", "x.iso" };
	struct image_opts o;
	char buf[2048];
	int len;

	assert_int_equal(parse(ARGC(argv), argv, &o), 0);
	len = image_grub_cfg(&o, buf, sizeof(buf));
	assert_true(len > 0);
	assert_int_equal(image_grub_cfg(&o, buf, (size_t)len), -1);
	assert_int_equal(image_grub_cfg(&o, buf, (size_t)len + 1), len);
	assert_int_equal(image_grub_cfg(&o, buf, 0), -1);
}

/* A minimal ELF identification: class, machine; the rest zero. */
static void make_elf(uint8_t *img, size_t len, uint8_t cls, uint16_t machine)
{
	memset(img, 0, len);
	memcpy(img, "\177ELF", 4);
	img[4] = cls;
	img[5] = 1; /* little-endian */
	img[6] = 1; /* version */
	img[18] = (uint8_t)machine;
	img[19] = (uint8_t)(machine >> 8);
}

static void put32(uint8_t *p, uint32_t v)
{
	p[0] = (uint8_t)v;
	p[1] = (uint8_t)(v >> 8);
	p[2] = (uint8_t)(v >> 16);
	p[3] = (uint8_t)(v >> 24);
}

static void add_mb1(uint8_t *img, size_t off)
{
	put32(img + off, MB1_HEADER_MAGIC);
	put32(img + off + 4, 3);
	put32(img + off + 8, 0u - (MB1_HEADER_MAGIC + 3));
}

static void add_mb2(uint8_t *img, size_t off)
{
	put32(img + off, MB2_HEADER_MAGIC);
	put32(img + off + 4, 0);
	put32(img + off + 8, 24);
	put32(img + off + 12, 0u - (MB2_HEADER_MAGIC + 24));
	put32(img + off + 16, 0); /* end tag: type 0, flags 0 */
	put32(img + off + 20, 8); /* size 8 */
}

static int check(const void *img, size_t len, enum image_kernel_need need)
{
	err[0] = '\0';
	return image_check_kernel("normal image k.elf", img, len, need, err, sizeof(err));
}

static void expect_err(const char *want)
{
	if (strstr(err, want) == NULL)
		fail_msg("error '%s' does not contain '%s'", err, want);
}

static void test_kernel_not_elf(void **state)
{
	static uint8_t img[8192];

	add_mb1(img, 4096); /* a multiboot header does not make it an ELF */
	assert_int_equal(check(img, sizeof(img), IMAGE_NEED_MB_ANY), -1);
	expect_err("normal image k.elf: not an ELF file");
	assert_int_equal(check("\177EL", 3, IMAGE_NEED_MB_ANY), -1);
	assert_int_equal(check(img, 0, IMAGE_NEED_ELF64), -1);
}

static void test_kernel_no_multiboot(void **state)
{
	static uint8_t img[IMAGE_KERNEL_SCAN];

	make_elf(img, sizeof(img), 1, 3);
	assert_int_equal(check(img, sizeof(img), IMAGE_NEED_MB_ANY), -1);
	expect_err("normal image k.elf: not a multiboot kernel");
	assert_int_equal(check(img, sizeof(img), IMAGE_NEED_MB2), -1);
	expect_err("no multiboot2 header");
	/* A multiboot1 header past the first 8 KiB does not count. */
	add_mb1(img, 8192);
	assert_int_equal(check(img, sizeof(img), IMAGE_NEED_MB_ANY), -1);
	/* A bad checksum does not count either. */
	make_elf(img, sizeof(img), 1, 3);
	add_mb2(img, 4096);
	img[4096 + 12] ^= 1;
	assert_int_equal(check(img, sizeof(img), IMAGE_NEED_MB_ANY), -1);
}

static void test_kernel_mb1(void **state)
{
	static uint8_t img[IMAGE_KERNEL_SCAN];

	make_elf(img, sizeof(img), 1, 3);
	add_mb1(img, 4096);
	assert_int_equal(check(img, sizeof(img), IMAGE_NEED_MB_ANY), 1);
	assert_int_equal(check(img, sizeof(img), IMAGE_NEED_MB2), -1);
	expect_err("has only a multiboot1 header");
}

static void test_kernel_mb2(void **state)
{
	static uint8_t img[IMAGE_KERNEL_SCAN];

	make_elf(img, sizeof(img), 2, 62);
	add_mb2(img, 16384);
	assert_int_equal(check(img, sizeof(img), IMAGE_NEED_MB_ANY), 2);
	assert_int_equal(check(img, sizeof(img), IMAGE_NEED_MB2), 2);
}

static void test_kernel_elf64(void **state)
{
	static uint8_t img[1000];

	make_elf(img, sizeof(img), 2, 62);
	assert_int_equal(check(img, sizeof(img), IMAGE_NEED_ELF64), 0);
	assert_int_equal(check(img, 19, IMAGE_NEED_ELF64), -1);
	expect_err("ELF header truncated");
	make_elf(img, sizeof(img), 1, 3);
	assert_int_equal(check(img, sizeof(img), IMAGE_NEED_ELF64), -1);
	expect_err("not an ELF64 file (EI_CLASS is 1");
	make_elf(img, sizeof(img), 2, 183);
	assert_int_equal(check(img, sizeof(img), IMAGE_NEED_ELF64), -1);
	expect_err("ELF machine is 183, want 62");
}

static void test_default_path(void **state)
{
	char buf[64];

	assert_int_equal(image_default_path("/w/build/bin/sdm", "sinit.elf", buf, sizeof(buf)), 0);
	assert_string_equal(buf, "/w/build/sinit.elf");
	assert_int_equal(image_default_path("/w/build//bin//sdm", "x", buf, sizeof(buf)), 0);
	assert_string_equal(buf, "/w/build//x");
	assert_int_equal(image_default_path("bin/sdm", "dommgr.elf", buf, sizeof(buf)), 0);
	assert_string_equal(buf, "dommgr.elf");
	assert_int_equal(image_default_path("/sdm", "x", buf, sizeof(buf)), 0);
	assert_string_equal(buf, "/x");
	assert_int_equal(image_default_path("sdm", "x", buf, sizeof(buf)), -1);
	assert_int_equal(image_default_path("/w/build/bin/sdm", "sinit.elf", buf, 18), -1);
	assert_int_equal(image_default_path("/w/build/bin/sdm", "sinit.elf", buf, 19), 0);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_parse_minimal),
		cmocka_unit_test(test_parse_all),
		cmocka_unit_test(test_parse_help_first),
		cmocka_unit_test(test_parse_errors),
		cmocka_unit_test(test_parse_too_many_protected),
		cmocka_unit_test(test_cfg_full),
		cmocka_unit_test(test_cfg_no_dommgr),
		cmocka_unit_test(test_cfg_too_small),
		cmocka_unit_test(test_kernel_not_elf),
		cmocka_unit_test(test_kernel_no_multiboot),
		cmocka_unit_test(test_kernel_mb1),
		cmocka_unit_test(test_kernel_mb2),
		cmocka_unit_test(test_kernel_elf64),
		cmocka_unit_test(test_default_path),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
