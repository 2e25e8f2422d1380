/*
 * struct vtd_io for a real VT-d unit: its registers as uncached MMIO at
 * ctx, table writes made visible with CLFLUSH for units that do not snoop.
 * Shared by sinit (deny-by-default) and dommgr (per-domain tables).
 */
#include <sdm/vtd.h>

static uint32_t rd32(void *ctx, unsigned off)
{
	return *(volatile uint32_t *)((uintptr_t)ctx + off);
}

static uint64_t rd64(void *ctx, unsigned off)
{
	return *(volatile uint64_t *)((uintptr_t)ctx + off);
}

static void wr32(void *ctx, unsigned off, uint32_t v)
{
	*(volatile uint32_t *)((uintptr_t)ctx + off) = v;
}

static void wr64(void *ctx, unsigned off, uint64_t v)
{
	*(volatile uint64_t *)((uintptr_t)ctx + off) = v;
}

void vtd_clflush(void *ctx, const volatile void *p, size_t len)
{
	uintptr_t a = (uintptr_t)p & ~(uintptr_t)63, end = (uintptr_t)p + len;

	(void)ctx;
	__asm__ volatile("mfence" ::: "memory");
	for (; a < end; a += 64)
		__asm__ volatile("clflush (%0)" : : "r"(a) : "memory");
	__asm__ volatile("mfence" ::: "memory");
}

struct vtd_io vtd_mmio_io(void *regs)
{
	return (struct vtd_io){ rd32, rd64, wr32, wr64, vtd_clflush, regs };
}
