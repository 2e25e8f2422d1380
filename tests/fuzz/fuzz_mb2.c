/*
 * libFuzzer target for mb2_parse(), mb2_find_module() and mb_kernel_kind().
 * The input is the boot information; it is copied into a heap block of
 * exactly its size (8-byte aligned, as GRUB places the info) so that ASan
 * catches any read past it. On success the result is checked against the
 * input: every pointer lies inside it and every documented bound holds.
 */
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <sdm/mb2.h>

#define CHECK(c)                         \
	do {                             \
		if (!(c))                \
			__builtin_trap(); \
	} while (0)

static const uint8_t *lo, *hi; /* [lo, hi): the parsed info */

/* A NUL-terminated string lying wholly inside the info. */
static void check_string(const char *s)
{
	const uint8_t *p = (const uint8_t *)s;

	CHECK(p >= lo && p < hi);
	CHECK(strnlen(s, (size_t)(hi - p)) < (size_t)(hi - p));
}

/* The first word of s (leading spaces skipped) into w; its length. */
static size_t first_word(const char *s, char *w, size_t cap)
{
	size_t n = 0;

	while (*s == ' ')
		s++;
	while (s[n] != '\0' && s[n] != ' ' && n + 1 < cap) {
		w[n] = s[n];
		n++;
	}
	w[n] = '\0';
	return s[n] == '\0' || s[n] == ' ' ? n : 0;
}

static void check_info(const struct mb2_info *info)
{
	static const char *const names[] = { "dommgr", "policy", "normal", "" };
	char w[64], w2[64];

	CHECK(info->total_size >= 16 && lo + info->total_size <= hi);
	hi = lo + info->total_size;
	if (info->cmdline != NULL)
		check_string(info->cmdline);
	if (info->loader_name != NULL)
		check_string(info->loader_name);
	CHECK(info->nmods <= MB2_MAX_MODULES);
	for (unsigned i = 0; i < info->nmods; i++) {
		CHECK(info->mods[i].start <= info->mods[i].end);
		check_string(info->mods[i].cmdline);
	}
	CHECK(info->nmmap <= MB2_MAX_MMAP);
	for (unsigned i = 0; i < info->nmmap; i++)
		CHECK(info->mmap[i].base + info->mmap[i].len >=
		      info->mmap[i].base);
	if (info->rsdp_tag == 0) {
		CHECK(info->rsdp == NULL && info->rsdp_len == 0);
	} else {
		const uint8_t *r = info->rsdp;

		CHECK(info->rsdp_tag == MB2_TAG_ACPI_OLD ||
		      info->rsdp_tag == MB2_TAG_ACPI_NEW);
		CHECK(info->rsdp_len >=
		      (info->rsdp_tag == MB2_TAG_ACPI_NEW ? 36u : 20u));
		CHECK(r >= lo && r + info->rsdp_len <= hi);
	}

	for (unsigned i = 0; i < sizeof(names) / sizeof(names[0]); i++) {
		const struct mb2_module *m = mb2_find_module(info, names[i]);

		if (m != NULL) {
			CHECK(first_word(m->cmdline, w, sizeof(w)) > 0);
			CHECK(strcmp(w, names[i]) == 0);
		}
	}
	/* Each module is found by its first word, or an earlier one is. */
	for (unsigned i = 0; i < info->nmods; i++) {
		const struct mb2_module *m;

		if (first_word(info->mods[i].cmdline, w, sizeof(w)) == 0) {
			CHECK(w[0] == '\0' || strlen(w) + 1 == sizeof(w));
			continue;
		}
		m = mb2_find_module(info, w);
		CHECK(m != NULL && m <= &info->mods[i]);
		CHECK(first_word(m->cmdline, w2, sizeof(w2)) > 0);
		CHECK(strcmp(w, w2) == 0);
	}
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static struct mb2_info info;
	struct sdm_err err = { 0 };
	uint8_t *buf = malloc(size != 0 ? size : 1);
	int rc, kind;

	CHECK(buf != NULL && (uintptr_t)buf % 8 == 0);
	memcpy(buf, data, size);
	lo = buf;
	hi = buf + size;
	rc = mb2_parse(buf, size, &info, &err);
	if (rc == SDM_OK) {
		check_info(&info);
	} else {
		CHECK(rc < 0 && err.code == rc);
		CHECK(err.msg[0] != '\0');
	}
	kind = mb_kernel_kind(buf, size);
	CHECK(kind >= 0 && kind <= 2);
	free(buf);
	return 0;
}
