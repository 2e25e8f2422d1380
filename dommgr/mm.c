#include <string.h>
#include "dommgr/mm.h"

static uint64_t region_base, region_end, vbase;
static uint64_t heap_base, heap_next, heap_end;

void mm_init(const struct sdm_handoff *ho)
{
	region_base = ho->dommgr_base;
	region_end = ho->dommgr_end;
	vbase = ho->dommgr_vbase;
	heap_base = ho->heap_base;
	heap_next = ho->heap_base + ho->heap_used;
	heap_end = ho->heap_base + ho->heap_size;
}

uint64_t mm_alloc(unsigned n)
{
	uint64_t pa = heap_next, size = (uint64_t)n * PAGE_SIZE;

	if (n == 0 || size > heap_end - heap_next)
		return 0;
	heap_next += size;
	memset(mm_va(pa), 0, size);
	return pa;
}

void *mm_va(uint64_t pa)
{
	return (void *)(uintptr_t)(vbase + (pa - region_base));
}

uint64_t mm_pa(const void *va)
{
	return (uint64_t)(uintptr_t)va - vbase + region_base;
}

unsigned mm_used_pages(void)
{
	return (unsigned)((heap_next - heap_base) / PAGE_SIZE);
}

unsigned mm_total_pages(void)
{
	return (unsigned)((heap_end - heap_base) / PAGE_SIZE);
}

void *phys_map(uint64_t pa, uint64_t len)
{
	uint64_t end;

	if (!add_ok(pa, len, &end) || end > GIB(4))
		return NULL;
	if (pa < region_end && end > region_base)
		return NULL;
	return (void *)(uintptr_t)pa;
}
