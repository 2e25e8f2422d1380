/*
 * Starting application processors: INIT-SIPI-SIPI through the boot CPU's
 * local APIC (SDM vol. 3, 9.4.4 and 10.6), one CPU at a time, each on its
 * own stack, entering dommgr's code on temporary page tables.
 */
#include <string.h>
#include <sdm/arch/x86.h>
#include <sdm/log.h>
#include <sdm/pgtable.h>
#include "dommgr/arch.h"
#include "dommgr/mm.h"

#define TRAMP_PA 0x8000ull          /* SIPI vector 0x08 */
#define APIC_ICR_LO 0x300
#define APIC_ICR_HI 0x310
#define APIC_SVR 0x0f0
#define ICR_BUSY (1u << 12)
#define AP_STACK_PAGES 4

extern const char ap_tramp_start[], ap_tramp_end[], ap_tramp_gdtr[],
	ap_tramp_far[], ap_tramp_cr3[], ap_tramp_stack[], ap_tramp_entry[],
	ap_tramp_arg[];
extern const char ap_tramp_gdt_off[], ap_tramp_64_off[];

static volatile uint32_t ap_alive;
static void (*ap_fn)(unsigned cpu);
static uint64_t dommgr_cr3;

static void put(uint8_t *page, const char *field, const void *v, size_t n)
{
	memcpy(page + (field - ap_tramp_start), v, n);
}

static bool icr_send(uint64_t apic, uint32_t dest, uint32_t lo)
{
	mmio_write32(apic + APIC_ICR_HI, dest << 24);
	mmio_write32(apic + APIC_ICR_LO, lo);
	for (unsigned i = 0; i < 1000000; i++) {
		if (!(mmio_read32(apic + APIC_ICR_LO) & ICR_BUSY))
			return true;
	}
	return false;
}

void x86_ap_entry(unsigned cpu);
void x86_ap_entry(unsigned cpu)
{
	write_cr3(dommgr_cr3);
	ap_alive = cpu;
	ap_fn(cpu);
	halt_forever();
}

/* Temporary tables: this page identity RX, and dommgr's high half. */
static uint64_t tramp_tables(void)
{
	uint64_t pml4 = mm_alloc(3);

	if (pml4 == 0)
		return 0;
	uint64_t *p4 = mm_va(pml4), *p3 = mm_va(pml4 + PAGE_SIZE),
		 *p2 = mm_va(pml4 + 2 * PAGE_SIZE);
	const uint64_t *cur = mm_va(dommgr_cr3 & PTE_ADDR_MASK);

	p4[0] = (pml4 + PAGE_SIZE) | PTE_P | PTE_W;
	p3[0] = (pml4 + 2 * PAGE_SIZE) | PTE_P | PTE_W;
	p2[0] = 0 | PTE_P | PTE_PS; /* first 2 MiB: read-only, executable */
	p4[511] = cur[511];
	return pml4;
}

int arch_start_cpu(const struct sdm_handoff *ho, unsigned cpu,
		   void (*fn)(unsigned cpu), struct sdm_err *err)
{
	uint64_t apic = ho->platform.lapic_base;
	uint32_t id = ho->platform.apic_ids[cpu];
	size_t len = (size_t)(ap_tramp_end - ap_tramp_start);
	uint8_t *page = phys_map(TRAMP_PA, PAGE_SIZE);
	uint64_t stack = mm_alloc(AP_STACK_PAGES), tables;

	dommgr_cr3 = read_cr3();
	tables = tramp_tables();
	if (page == NULL || stack == 0 || tables == 0 || len > PAGE_SIZE)
		return sdm_err_set(err, SDM_ENOMEM, "CPU %u: no memory to start "
				   "it", cpu);

	uint32_t gdt = (uint32_t)(TRAMP_PA + (uint64_t)ap_tramp_gdt_off);
	uint32_t far = (uint32_t)(TRAMP_PA + (uint64_t)ap_tramp_64_off);
	uint64_t cr3 = tables, rsp = (uint64_t)(uintptr_t)mm_va(stack) +
				    AP_STACK_PAGES * PAGE_SIZE;
	uint64_t entry = (uint64_t)(uintptr_t)x86_ap_entry, arg = cpu;

	memcpy(page, ap_tramp_start, len);
	put(page, ap_tramp_gdtr + 2, &gdt, 4);
	put(page, ap_tramp_far, &far, 4);
	put(page, ap_tramp_cr3, &cr3, 8);
	put(page, ap_tramp_stack, &rsp, 8);
	put(page, ap_tramp_entry, &entry, 8);
	put(page, ap_tramp_arg, &arg, 8);
	ap_fn = fn;
	ap_alive = ~0u;
	__asm__ volatile("" ::: "memory");

	mmio_write32(apic + APIC_SVR, mmio_read32(apic + APIC_SVR) | 0x100);
	if (!icr_send(apic, id, 0x0000c500) || /* INIT, level assert */
	    !icr_send(apic, id, 0x00004600 | (uint32_t)(TRAMP_PA >> 12)))
		return sdm_err_set(err, SDM_EIO, "CPU %u (APIC %u): IPI not "
				   "delivered", cpu, id);
	for (unsigned i = 0; i < 50000000 && ap_alive != cpu; i++)
		__asm__ volatile("pause");
	if (ap_alive != cpu) {
		/* The second SIPI of the MP protocol, then give up. */
		icr_send(apic, id, 0x00004600 | (uint32_t)(TRAMP_PA >> 12));
		for (unsigned i = 0; i < 50000000 && ap_alive != cpu; i++)
			__asm__ volatile("pause");
	}
	memset(page, 0, len);
	if (ap_alive != cpu)
		return sdm_err_set(err, SDM_EIO, "CPU %u (APIC %u) did not "
				   "start", cpu, id);
	return SDM_OK;
}

bool arch_send_nmi(const struct sdm_handoff *ho, unsigned cpu)
{
	return icr_send(ho->platform.lapic_base, ho->platform.apic_ids[cpu],
			0x00004400); /* NMI, assert */
}
