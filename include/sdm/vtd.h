/*
 * Intel VT-d (DMA remapping) hardware: register layout, root and context
 * entries, invalidation descriptors, fault records, and a small driver
 * for one remapping unit. The driver touches registers only through
 * struct vtd_io, so sinit (deny-by-default at boot), dommgr (per-domain
 * tables) and host tests (a fake unit that records every access) share
 * it. References are to the Intel VT-d specification (rev. 3.x/4.x):
 * chapter 9 (translation structures), 6.5 (invalidation), 7 (faults),
 * 10.4 (registers).
 */
#ifndef SDM_VTD_H
#define SDM_VTD_H
#include <sdm/err.h>
#include <sdm/types.h>

/* 10.4 register offsets (from the unit's base). */
#define VTD_VER 0x00      /* 32: version */
#define VTD_CAP 0x08      /* 64: capability */
#define VTD_ECAP 0x10     /* 64: extended capability */
#define VTD_GCMD 0x18     /* 32: global command */
#define VTD_GSTS 0x1c     /* 32: global status */
#define VTD_RTADDR 0x20   /* 64: root table address */
#define VTD_CCMD 0x28     /* 64: context command */
#define VTD_FSTS 0x34     /* 32: fault status */
#define VTD_FECTL 0x38    /* 32: fault event control */
#define VTD_PMEN 0x64     /* 32: protected memory enable */
#define VTD_PLMBASE 0x68  /* 32: protected low memory base */
#define VTD_PLMLIMIT 0x6c /* 32 */
#define VTD_PHMBASE 0x70  /* 64: protected high memory base */
#define VTD_PHMLIMIT 0x78 /* 64 */
#define VTD_IQH 0x80      /* 64: invalidation queue head */
#define VTD_IQT 0x88      /* 64: invalidation queue tail */
#define VTD_IQA 0x90      /* 64: invalidation queue address */
#define VTD_ICS 0x9c      /* 32: invalidation completion status */
#define VTD_IRTA 0xb8     /* 64: interrupt remapping table address */
/* 10.4.8/10.4.9: IVA_REG at ECAP.IRO * 16, IOTLB_REG 8 bytes above. */
#define VTD_IOTLB_REG(ecap) (VTD_ECAP_IRO(ecap) * 16u + 8u)
/* 10.4.14: fault recording registers, 16 bytes each, at CAP.FRO * 16. */
#define VTD_FRCD_REG(cap, i) (VTD_CAP_FRO(cap) * 16u + 16u * (unsigned)(i))

/* 10.4.2 CAP_REG fields */
#define VTD_CAP_ND(c) ((unsigned)((c) & 7))          /* domains: 2^(4+2*ND) */
#define VTD_CAP_RWBF (1ull << 4)                     /* write-buffer flush needed */
#define VTD_CAP_PLMR (1ull << 5)                     /* protected low memory region */
#define VTD_CAP_PHMR (1ull << 6)                     /* protected high memory region */
#define VTD_CAP_CM (1ull << 7)                       /* caching mode */
#define VTD_CAP_SAGAW(c) ((unsigned)((c) >> 8) & 0x1f) /* bit 1: 39-bit, bit 2: 48-bit */
#define VTD_CAP_MGAW(c) ((unsigned)((c) >> 16) & 0x3f) /* width - 1 */
#define VTD_CAP_FRO(c) ((unsigned)((c) >> 24) & 0x3ff)
#define VTD_CAP_SLLPS(c) ((unsigned)((c) >> 34) & 0xf) /* bit 0: 2 MiB, bit 1: 1 GiB */
#define VTD_CAP_NFR(c) ((unsigned)((c) >> 40) & 0xff)  /* records - 1 */
#define VTD_CAP_DWD (1ull << 54)                     /* write draining */
#define VTD_CAP_DRD (1ull << 55)                     /* read draining */
#define VTD_SAGAW_39 (1u << 1)                       /* 3-level tables */
#define VTD_SAGAW_48 (1u << 2)                       /* 4-level tables */

/* 10.4.3 ECAP_REG fields */
#define VTD_ECAP_C (1ull << 0)  /* page-walk coherency */
#define VTD_ECAP_QI (1ull << 1) /* queued invalidation */
#define VTD_ECAP_DT (1ull << 2) /* device-TLB */
#define VTD_ECAP_IR (1ull << 3) /* interrupt remapping */
#define VTD_ECAP_IRO(e) ((unsigned)((e) >> 8) & 0x3ff)

/* 10.4.4/10.4.5 GCMD_REG and GSTS_REG: the same bit for command and status */
#define VTD_GCMD_TE (1u << 31)    /* translation enable */
#define VTD_GCMD_SRTP (1u << 30)  /* set root table pointer (one-shot) */
#define VTD_GCMD_SFL (1u << 29)   /* set fault log (one-shot) */
#define VTD_GCMD_EAFL (1u << 28)
#define VTD_GCMD_WBF (1u << 27)   /* write-buffer flush (one-shot) */
#define VTD_GCMD_QIE (1u << 26)   /* queued invalidation enable */
#define VTD_GCMD_IRE (1u << 25)   /* interrupt remapping enable */
#define VTD_GCMD_SIRTP (1u << 24) /* set interrupt remap table pointer (one-shot) */
#define VTD_GCMD_CFI (1u << 23)
/* 10.4.4: GSTS with the one-shot bits cleared, the base of a GCMD write */
#define VTD_GCMD_KEEP 0x96ffffffu

/* 10.4.7 CCMD_REG */
#define VTD_CCMD_ICC (1ull << 63)
#define VTD_CCMD_CIRG_GLOBAL (1ull << 61) /* bits 62:61 = 01 */
#define VTD_CCMD_CAIG(v) ((unsigned)((v) >> 59) & 3)

/* 10.4.8.1 IOTLB_REG */
#define VTD_IOTLB_IVT (1ull << 63)
#define VTD_IOTLB_IIRG_GLOBAL (1ull << 60) /* bits 61:60 = 01 */
#define VTD_IOTLB_IAIG(v) ((unsigned)((v) >> 57) & 3)
#define VTD_IOTLB_DR (1ull << 49)
#define VTD_IOTLB_DW (1ull << 48)

/* 10.4.11 FSTS_REG, 10.4.12 FECTL_REG */
#define VTD_FSTS_PFO (1u << 0) /* primary fault overflow (RW1C) */
#define VTD_FSTS_PPF (1u << 1) /* primary pending fault (RO) */
#define VTD_FSTS_IQE (1u << 4) /* invalidation queue error (RW1C) */
#define VTD_FSTS_ICE (1u << 5)
#define VTD_FSTS_ITE (1u << 6)
#define VTD_FSTS_FRI(v) ((unsigned)((v) >> 8) & 0xff)
#define VTD_FECTL_IM (1u << 31) /* fault event interrupt masked */

/* 10.4.16 PMEN_REG */
#define VTD_PMEN_EPM (1u << 31)
#define VTD_PMEN_PRS (1u << 0)

/* 10.4.23 IQA_REG: base | queue size (2^QS pages); 128-bit descriptors */
#define VTD_IQA_QS_4K 0u
#define VTD_QI_ENTRIES 256u /* one 4 KiB page of 16-byte descriptors */

/*
 * 9.1 root entry and 9.3 context entry (legacy mode): 128 bits each, as
 * two little-endian 64-bit words. 256 of each fill a 4 KiB table.
 */
struct vtd_entry {
	uint64_t lo, hi;
};
SDM_STATIC_ASSERT(sizeof(struct vtd_entry) == 16, "VT-d 9.1/9.3: 128-bit entries");
#define VTD_ENTRIES_PER_TABLE 256u

/* 9.1 root entry: lo bit 0 present, bits 63:12 context-table pointer. */
#define VTD_ROOT_P (1ull << 0)
#define VTD_ADDR_MASK 0xfffffffffffff000ull
/*
 * 9.3 context entry: lo bit 0 P, bit 1 FPD (fault processing disable),
 * bits 3:2 TT (00: untranslated requests through second-level tables;
 * translated and translation requests are blocked), bits 63:12 SLPTPTR.
 * hi bits 2:0 AW (1: 39-bit 3-level, 2: 48-bit 4-level), bits 23:8 DID.
 */
#define VTD_CTX_P (1ull << 0)
#define VTD_CTX_FPD (1ull << 1)
#define VTD_CTX_TT_SHIFT 2
#define VTD_CTX_AW(levels) ((uint64_t)((levels) - 2) & 7)
#define VTD_CTX_DID(did) ((uint64_t)((did) & 0xffff) << 8)
#define VTD_CTX_DID_OF(hi) ((unsigned)((hi) >> 8) & 0xffff)

/* 6.5.2 invalidation descriptors (128-bit) */
#define VTD_DESC_CC 0x1     /* context-cache invalidate */
#define VTD_DESC_IOTLB 0x2  /* IOTLB invalidate */
#define VTD_DESC_WAIT 0x5   /* invalidation wait */
#define VTD_DESC_G_GLOBAL (1ull << 4) /* granularity bits 5:4 = 01 */
#define VTD_DESC_IOTLB_DW (1ull << 6)
#define VTD_DESC_IOTLB_DR (1ull << 7)
#define VTD_DESC_WAIT_SW (1ull << 5) /* write status data to the address */
#define VTD_DESC_WAIT_DATA(d) ((uint64_t)(d) << 32)

/* PCI source id: bus << 8 | device << 3 | function. */
#define VTD_SID(bus, dev, fn) \
	((uint16_t)(((unsigned)(bus) << 8) | ((unsigned)(dev) << 3) | (unsigned)(fn)))
#define VTD_SID_BUS(s) ((unsigned)(s) >> 8)
#define VTD_SID_DEV(s) (((unsigned)(s) >> 3) & 0x1f)
#define VTD_SID_FN(s) ((unsigned)(s) & 7)

/*
 * 10.4.14 fault recording register (128 bits): lo bits 63:12 fault
 * info (the page address); hi bits 15:0 source id, bits 39:32 reason,
 * bit 62 type (1: read), bit 63 F (fault, RW1C).
 */
#define VTD_FRCD_HI_F (1ull << 63)
#define VTD_FRCD_HI_READ (1ull << 62)
#define VTD_FRCD_REASON(hi) ((unsigned)((hi) >> 32) & 0xff)

struct vtd_fault {
	unsigned index;  /* recording register */
	uint16_t sid;
	uint8_t reason;  /* 7.1.3 / appendix A */
	bool read;
	uint64_t addr;   /* page of the faulting request */
};

/*
 * Register access for one unit. off is the byte offset from the unit's
 * base. flush makes CPU writes to [p, p+len) visible to a unit whose
 * page walks do not snoop the caches (ECAP.C = 0); NULL if none is needed.
 */
struct vtd_io {
	uint32_t (*rd32)(void *ctx, unsigned off);
	uint64_t (*rd64)(void *ctx, unsigned off);
	void (*wr32)(void *ctx, unsigned off, uint32_t v);
	void (*wr64)(void *ctx, unsigned off, uint64_t v);
	void (*flush)(void *ctx, const volatile void *p, size_t len);
	void *ctx;
};

/*
 * Freestanding only (lib/freestanding/vtd_mmio.c): the io of a real unit
 * whose registers are mapped at regs, and its flush (CLFLUSH of the lines
 * of [p, p+len), fenced) for tables a non-snooping unit reads.
 */
struct vtd_io vtd_mmio_io(void *regs);
void vtd_clflush(void *ctx, const volatile void *p, size_t len);

/* Queued invalidation (6.5.2): one 4 KiB ring and a status word. */
struct vtd_qi {
	struct vtd_entry *ring;   /* CPU address of the ring page */
	uint64_t ring_pa;
	volatile uint32_t *status; /* CPU address of the wait status word */
	uint64_t status_pa;
	unsigned tail;            /* next descriptor slot */
	uint32_t seq;             /* last status value asked for */
};

struct vtd_unit {
	struct vtd_io io;
	uint64_t base;       /* register base (messages only) */
	uint64_t reg_size;   /* bytes the DMAR gives the register set */
	unsigned spin;       /* reads of a status before a wait fails */
	uint32_t ver;
	uint64_t cap, ecap;
	bool qi_on;          /* invalidations go through qi */
	struct vtd_qi qi;
};

#define VTD_SPIN_DEFAULT 1000000u

/*
 * Read version and capabilities; check that the unit answers (not all
 * ones or zero), that the registers it reports (fault records, IOTLB)
 * lie within reg_size, and that it supports 3- or 4-level tables.
 */
int vtd_probe(struct vtd_unit *u, struct sdm_err *err);

/*
 * Make root_pa the unit's root table and turn translation on (6.6,
 * 10.4.4): RTADDR ← root_pa, GCMD.SRTP (wait RTPS), write-buffer flush
 * when CAP.RWBF, global context-cache then global IOTLB invalidation
 * (queued when qi_on, else by register; firmware's queued invalidation
 * is turned off first), then GCMD.TE (wait TES) unless already on. With
 * translation already on the switch is atomic: no DMA passes in between.
 * Fault events are masked (FECTL.IM): faults are polled.
 */
int vtd_install_root(struct vtd_unit *u, uint64_t root_pa,
		     struct sdm_err *err);

/* Turn on queued invalidation with the given ring and status word. */
int vtd_qi_enable(struct vtd_unit *u, struct vtd_entry *ring, uint64_t ring_pa,
		  volatile uint32_t *status, uint64_t status_pa,
		  struct sdm_err *err);
/* Global context-cache then IOTLB invalidation (queued or register). */
int vtd_invalidate_all(struct vtd_unit *u, struct sdm_err *err);
/* Interrupt remapping off (GCMD.IRE clear), if it was on. */
int vtd_ir_disable(struct vtd_unit *u, bool *was_on, struct sdm_err *err);
/* Protected memory regions off (PMEN.EPM clear), if they were on. */
int vtd_pmr_disable(struct vtd_unit *u, bool *was_on, struct sdm_err *err);

/*
 * The next recorded fault: read, decoded and cleared (F written back);
 * false when no record holds one. *overflow is set (and PFO cleared)
 * when the unit dropped faults because every record was full.
 */
bool vtd_fault_next(struct vtd_unit *u, struct vtd_fault *f, bool *overflow);
/* The fault reason in words (7.1.3, appendix A). */
const char *vtd_fault_reason(unsigned reason);

#endif
