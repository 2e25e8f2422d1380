/*
 * dommgr's memory: its own pages come from the heap sinit reserved in
 * dommgr's region (mapped at dommgr's link address); other physical memory
 * (domain memory, modules, firmware tables) is reached through the
 * identity mapping of the low 4 GiB, which never covers dommgr's region.
 */
#ifndef DOMMGR_MM_H
#define DOMMGR_MM_H
#include <sdm/handoff.h>

void mm_init(const struct sdm_handoff *ho);
/* n zeroed, contiguous pages from the heap; 0 when the heap is exhausted. */
uint64_t mm_alloc(unsigned n);
/* Heap or image page → dommgr virtual address, and back. */
void *mm_va(uint64_t pa);
uint64_t mm_pa(const void *va);
/* Pages of the heap in use / in all. */
unsigned mm_used_pages(void);
unsigned mm_total_pages(void);
/* [pa, pa+len) outside dommgr's region and below 4 GiB: its address, or NULL. */
void *phys_map(uint64_t pa, uint64_t len);

#endif
