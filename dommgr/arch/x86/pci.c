/* PCI configuration mechanism #1 (dommgr/arch/x86/pci.h). */
#include <sdm/arch/x86.h>
#include "dommgr/arch/x86/pci.h"

#define PCI_ADDR 0xcf8
#define PCI_DATA 0xcfc
#define PCI_ENABLE (1u << 31)

static inline uint32_t inl(uint16_t port)
{
	uint32_t v;

	__asm__ volatile("inl %1, %0" : "=a"(v) : "Nd"(port));
	return v;
}

/* Bits 23:16 bus, 15:11 device, 10:8 function, 7:2 dword. */
static uint32_t addr(uint16_t sid, unsigned off)
{
	return PCI_ENABLE | (uint32_t)sid << 8 | (off & 0xfc);
}

uint32_t pci_read32(uint16_t sid, unsigned off)
{
	outl(PCI_ADDR, addr(sid, off));
	return inl(PCI_DATA);
}

void pci_write16(uint16_t sid, unsigned off, uint16_t v)
{
	outl(PCI_ADDR, addr(sid, off));
	outw((uint16_t)(PCI_DATA + (off & 2)), v);
}

static void add(struct iommu_pci *out, unsigned cap, unsigned *n, uint16_t sid,
		uint32_t id, uint32_t hdr)
{
	if (*n < cap) {
		struct iommu_pci *p = &out[*n];
		uint32_t buses = pci_read32(sid, PCI_BUSES);

		p->seg = 0;
		p->sid = sid;
		p->vendor = (uint16_t)id;
		p->device = (uint16_t)(id >> 16);
		p->bridge = ((hdr >> 16) & 0x7f) == 1;
		p->secondary = p->bridge ? (uint8_t)(buses >> 8) : 0;
		p->subordinate = p->bridge ? (uint8_t)(buses >> 16) : 0;
	}
	(*n)++;
}

unsigned pci_enumerate(struct iommu_pci *out, unsigned cap)
{
	unsigned n = 0;

	for (unsigned bus = 0; bus < 256; bus++) {
		for (unsigned dev = 0; dev < 32; dev++) {
			uint16_t sid = VTD_SID(bus, dev, 0);
			uint32_t id = pci_read32(sid, PCI_VENDOR), hdr;

			if ((id & 0xffff) == 0xffff)
				continue;
			hdr = pci_read32(sid, PCI_HEADER);
			add(out, cap, &n, sid, id, hdr);
			for (unsigned fn = 1; (hdr & (1u << 23)) && fn < 8; fn++) {
				uint16_t f = VTD_SID(bus, dev, fn);
				uint32_t fid = pci_read32(f, PCI_VENDOR);

				if ((fid & 0xffff) != 0xffff)
					add(out, cap, &n, f, fid,
					    pci_read32(f, PCI_HEADER));
			}
		}
	}
	return n;
}

uint64_t pci_bar_mem(uint16_t sid, unsigned i)
{
	uint32_t lo = pci_read32(sid, PCI_BAR0 + 4 * i);

	if (lo & 1)
		return 0; /* I/O space */
	if (((lo >> 1) & 3) == 2 && i < 5)
		return (uint64_t)pci_read32(sid, PCI_BAR0 + 4 * (i + 1)) << 32 |
		       (lo & ~0xfu);
	return lo & ~0xfu;
}
