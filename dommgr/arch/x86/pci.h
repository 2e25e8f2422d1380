/*
 * PCI configuration space through I/O ports 0xCF8/0xCFC (PCI Local Bus
 * 3.0, 3.2.2.3.2, configuration mechanism #1): segment 0 only. dommgr
 * uses it before any domain runs (the normal domain owns these ports
 * afterwards).
 */
#ifndef DOMMGR_ARCH_X86_PCI_H
#define DOMMGR_ARCH_X86_PCI_H
#include "dommgr/iommu.h"

#define PCI_VENDOR 0x00   /* 16: vendor id, 16: device id */
#define PCI_COMMAND 0x04  /* 16 */
#define PCI_CMD_MEM (1u << 1)
#define PCI_CMD_MASTER (1u << 2)
#define PCI_HEADER 0x0c   /* byte 2: header type, bit 7 multi-function */
#define PCI_BAR0 0x10
#define PCI_BUSES 0x18    /* type 1: primary, secondary, subordinate bus */

uint32_t pci_read32(uint16_t sid, unsigned off);
void pci_write16(uint16_t sid, unsigned off, uint16_t v);
/*
 * Every function on every bus of segment 0 (a brute-force scan: 256
 * buses × 32 devices, functions 1-7 of multi-function devices). At most
 * cap are stored; the count found is returned.
 */
unsigned pci_enumerate(struct iommu_pci *out, unsigned cap);
/* Memory BAR i (32- or 64-bit) of sid; 0 if it is not a memory BAR. */
uint64_t pci_bar_mem(uint16_t sid, unsigned i);

#endif
