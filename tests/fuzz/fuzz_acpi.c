/*
 * libFuzzer target for lib/acpi.c. The input is physical memory at
 * FUZZ_BASE with the RSDP at its start, walked by acpi_discover; the same
 * bytes go to every acpi_parse_* and check function directly, and the
 * first KiB is searched as the EBDA by acpi_find_rsdp_bios (the BIOS area
 * above 0xa0000 is left unreadable: scanning 128 KiB would cost a tenth of
 * the fuzzer's speed for no new code). For acpi_discover each
 * mapped range is a copy in its own allocation, so ASan reports a read past
 * what was mapped.
 *
 * Seeds (tests/fuzz/corpus/acpi/) are written by the unit test:
 * "build/unit/test_acpi --write-seeds tests/fuzz/corpus/acpi". Its memory
 * images use the same base address as FUZZ_BASE. dmar_full.bin (DRHDs
 * with scopes, RMRR, ATSR) comes from "build/unit/test_dmar --write-seeds".
 * A DMAR that parses must hold together: counts within their arrays,
 * every structure's scopes within the scope list, RMRRs whole pages,
 * paths of valid (device, function) hops; anything else aborts.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <sdm/acpi.h>

#define FUZZ_BASE 0x7ffe0000ull
#define EBDA 0x9fc00u
#define EBDA_SCAN 1024u

/* The input at FUZZ_BASE; nothing else is readable. */
struct fuzz_mem {
	const uint8_t *data;
	size_t size;
	void *maps[256];
	unsigned nmaps;
};

static const void *fuzz_map(void *ctx, uint64_t pa, uint64_t len)
{
	struct fuzz_mem *m = ctx;
	void *copy;

	if (pa < FUZZ_BASE || pa - FUZZ_BASE > m->size ||
	    len > m->size - (pa - FUZZ_BASE) ||
	    m->nmaps == sizeof(m->maps) / sizeof(m->maps[0]))
		return NULL;
	copy = malloc(len);
	if (copy == NULL)
		abort();
	memcpy(copy, m->data + (pa - FUZZ_BASE), len);
	m->maps[m->nmaps++] = copy;
	return copy;
}

static void unmap_all(struct fuzz_mem *m)
{
	while (m->nmaps > 0)
		free(m->maps[--m->nmaps]);
}

/* Memory below 640 KiB: the BDA points at the EBDA, which holds input. */
static uint8_t low_mem[EBDA + EBDA_SCAN] = {
	[0x40e] = (EBDA >> 4) & 0xff, [0x40f] = EBDA >> 12,
};

static const void *low_map(void *ctx, uint64_t pa, uint64_t len)
{
	if (pa > sizeof(low_mem) || len > sizeof(low_mem) - pa)
		return NULL;
	return low_mem + pa;
}

static bool scopes_ok(const struct acpi_info *a, unsigned first, unsigned n)
{
	return first <= a->ndmar_scopes && n <= a->ndmar_scopes - first;
}

static void check_dmar(const struct acpi_info *a)
{
	if (a->ndrhd > ACPI_MAX_DRHD || a->nrmrr > ACPI_MAX_RMRR ||
	    a->natsr > ACPI_MAX_ATSR || a->ndmar_scopes > ACPI_MAX_DMAR_SCOPES)
		abort();
	for (unsigned i = 0; i < a->ndrhd; i++) {
		if ((a->drhd[i].base & 0xfff) != 0 || a->drhd[i].size_log2 > 15 ||
		    !scopes_ok(a, a->drhd[i].first_scope, a->drhd[i].nscopes))
			abort();
		for (unsigned k = 0; k < i; k++) {
			if (a->drhd[k].base == a->drhd[i].base)
				abort();
		}
	}
	for (unsigned i = 0; i < a->nrmrr; i++) {
		if ((a->rmrr[i].base & 0xfff) != 0 || a->rmrr[i].limit < a->rmrr[i].base ||
		    ((a->rmrr[i].limit + 1) & 0xfff) != 0 ||
		    !scopes_ok(a, a->rmrr[i].first_scope, a->rmrr[i].nscopes))
			abort();
	}
	for (unsigned i = 0; i < a->natsr; i++) {
		if (!scopes_ok(a, a->atsr[i].first_scope, a->atsr[i].nscopes))
			abort();
	}
	for (unsigned i = 0; i < a->ndmar_scopes; i++) {
		const struct acpi_dmar_scope *sc = &a->dmar_scopes[i];

		if (sc->npath > ACPI_DMAR_MAX_PATH ||
		    (sc->sid_known && (sc->npath != 1 ||
				       sc->sid != (sc->start_bus << 8 |
						   sc->path[0][0] << 3 |
						   sc->path[0][1]))))
			abort();
		for (unsigned h = 0; h < sc->npath; h++) {
			if (sc->path[h][0] > 31 || sc->path[h][1] > 7)
				abort();
		}
	}
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static struct acpi_info info;
	struct fuzz_mem m = { .data = data, .size = size };
	struct sdm_err err;

	acpi_discover(fuzz_map, &m, FUZZ_BASE, &info, &err);
	unmap_all(&m);

	acpi_rsdp_check(data, size, &err);
	acpi_table_check(data, size, NULL, &err);
	acpi_parse_madt(data, size, &info, &err);
	if (acpi_parse_dmar(data, size, &info, &err) == 0)
		check_dmar(&info);
	acpi_parse_tpm2(data, size, &info, &err);
	acpi_parse_fadt(data, size, &info, &err);
	acpi_parse_s5(data, size, &info, &err);

	memset(low_mem + EBDA, 0, EBDA_SCAN);
	memcpy(low_mem + EBDA, data, size < EBDA_SCAN ? size : EBDA_SCAN);
	acpi_find_rsdp_bios(low_map, NULL);
	return 0;
}
