/*
 * DMA isolation on the host (dommgr/iommu.c, lib/vtd.c, PT_VTD in
 * lib/pgtable.c): second-level tables mirror each domain's memory and
 * never map a hole, context entries put every requester in a domain,
 * RMRRs reach only the normal domain, and a fake VT-d unit that records
 * every register access shows the order of operations: root pointer,
 * SRTP, global context invalidation, global IOTLB invalidation,
 * translation on (by register and by queued invalidation).
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>
#include "dommgr/iommu.h"

#define POOL_BASE 0x100000000ull /* fake physical address of the table pool */
#define POOL_PAGES 1024
#define EPT_BASE 0x200000000ull
#define EPT_PAGES 512
#define DRHD_BASE 0xfed90000ull
/* QEMU 7.2 intel-iommu (read from its registers): 39-bit, 3-level, one
 * fault record at 0x220, IOTLB registers at 0xf0, 2M/1G pages, drains. */
#define QEMU_CAP 0x00d2008c22260206ull
#define QEMU_ECAP 0x0000000000f00f4aull

static struct sdm_handoff ho;
static struct domain_table t;
static struct acpi_info dmar;
static struct iommu io;
static struct pt_pool pool;
static struct sdm_err err;
static uint64_t (*pool_mem)[512];
static uint64_t (*ept_mem)[512];

static uint64_t *pool_table(void *ctx, uint64_t pa)
{
	assert_true(pa >= POOL_BASE && pa < POOL_BASE + POOL_PAGES * 4096ull);
	return pool_mem[(pa - POOL_BASE) / 4096];
}

static uint64_t *ept_table(void *ctx, uint64_t pa)
{
	assert_true(pa >= EPT_BASE && pa < EPT_BASE + EPT_PAGES * 4096ull);
	return ept_mem[(pa - EPT_BASE) / 4096];
}

/* ------------------------------------------------------------ fake unit */

enum { OP_W32, OP_W64, OP_DESC };

struct op {
	int kind;
	unsigned off;   /* register, or descriptor type for OP_DESC */
	uint64_t val;
};

struct fake {
	uint8_t regs[4096];
	struct op ops[256];
	unsigned nops;
	bool stuck_rtps;     /* never reports the root pointer set */
	bool no_caig;        /* context invalidation "not performed" */
	uint64_t head;       /* IQH in descriptors */
};

static struct fake fk;

static uint64_t get(const struct fake *f, unsigned off, unsigned w)
{
	uint64_t v = 0;

	assert_true(off + w <= sizeof(f->regs));
	memcpy(&v, f->regs + off, w);
	return v;
}

static void put(struct fake *f, unsigned off, unsigned w, uint64_t v)
{
	assert_true(off + w <= sizeof(f->regs));
	memcpy(f->regs + off, &v, w);
}

static void record(struct fake *f, int kind, unsigned off, uint64_t val)
{
	assert_true(f->nops < ARRAY_SIZE(f->ops));
	f->ops[f->nops++] = (struct op){ kind, off, val };
}

static uint32_t f_rd32(void *ctx, unsigned off)
{
	return (uint32_t)get(ctx, off, 4);
}

static uint64_t f_rd64(void *ctx, unsigned off)
{
	return get(ctx, off, 8);
}

/* Run the queue from head to the tail just written (6.5.2). */
static void run_queue(struct fake *f, uint64_t tail)
{
	uint64_t iqa = get(f, VTD_IQA, 8);
	struct vtd_entry *ring = (struct vtd_entry *)(void *)pool_table(
		NULL, iqa & VTD_ADDR_MASK);

	for (; f->head != tail; f->head = (f->head + 1) % VTD_QI_ENTRIES) {
		struct vtd_entry d = ring[f->head];

		record(f, OP_DESC, (unsigned)(d.lo & 0xf), d.lo);
		if ((d.lo & 0xf) == VTD_DESC_WAIT && (d.lo & VTD_DESC_WAIT_SW)) {
			uint64_t a = d.hi & ~3ull;
			uint32_t *w = (uint32_t *)(void *)pool_table(NULL, a & VTD_ADDR_MASK);

			w[(a & 0xfff) / 4] = (uint32_t)(d.lo >> 32);
		} else if ((d.lo & 0xf) != VTD_DESC_CC &&
			   (d.lo & 0xf) != VTD_DESC_IOTLB) {
			put(f, VTD_FSTS, 4, get(f, VTD_FSTS, 4) | VTD_FSTS_IQE);
			return;
		}
	}
	put(f, VTD_IQH, 8, f->head << 4);
}

static void f_wr32(void *ctx, unsigned off, uint32_t v)
{
	struct fake *f = ctx;

	record(f, OP_W32, off, v);
	if (off == VTD_GCMD) {
		uint32_t keep = VTD_GCMD_TE | VTD_GCMD_QIE | VTD_GCMD_IRE |
				VTD_GCMD_CFI;
		uint32_t s = get(f, VTD_GSTS, 4) & ~keep;

		s |= v & keep;
		if ((v & VTD_GCMD_SRTP) && !f->stuck_rtps)
			s |= VTD_GCMD_SRTP;
		if ((v & VTD_GCMD_QIE) && !(get(f, VTD_GSTS, 4) & VTD_GCMD_QIE))
			f->head = 0;
		put(f, VTD_GSTS, 4, s);
	} else if (off == VTD_FSTS) {
		put(f, VTD_FSTS, 4, get(f, VTD_FSTS, 4) & ~(v & 0x7du));
	} else if (off >= 0x220 && (off - 0x220) % 16 == 12) {
		put(f, off, 4, get(f, off, 4) & ~(v & 0x80000000u));
	} else {
		put(f, off, 4, v);
	}
}

static void f_wr64(void *ctx, unsigned off, uint64_t v)
{
	struct fake *f = ctx;

	record(f, OP_W64, off, v);
	if (off == VTD_CCMD && (v & VTD_CCMD_ICC))
		v = (v & ~VTD_CCMD_ICC) | (f->no_caig ? 0 : 1ull << 59);
	else if (off == VTD_IOTLB_REG(QEMU_ECAP) && (v & VTD_IOTLB_IVT))
		v = (v & ~VTD_IOTLB_IVT) | 1ull << 57;
	put(f, off, 8, v);
	if (off == VTD_IQT && (get(f, VTD_GSTS, 4) & VTD_GCMD_QIE))
		run_queue(f, (v >> 4) % VTD_QI_ENTRIES);
}

static unsigned flushes;

static void f_flush(void *ctx, const volatile void *p, size_t len)
{
	flushes++;
}

static void fake_reset(uint64_t cap, uint64_t ecap)
{
	memset(&fk, 0, sizeof(fk));
	put(&fk, VTD_VER, 4, 0x10);
	put(&fk, VTD_CAP, 8, cap);
	put(&fk, VTD_ECAP, 8, ecap);
	put(&fk, VTD_FECTL, 4, VTD_FECTL_IM);
	flushes = 0;
}

static void unit_init(struct vtd_unit *u)
{
	memset(u, 0, sizeof(*u));
	u->io = (struct vtd_io){ f_rd32, f_rd64, f_wr32, f_wr64, f_flush, &fk };
	u->base = DRHD_BASE;
	u->spin = 1000;
}

/* Index of the first recorded op matching from position from, or -1. */
static int find_op(unsigned from, int kind, unsigned off, uint64_t mask,
		   uint64_t val)
{
	for (unsigned i = from; i < fk.nops; i++) {
		if (fk.ops[i].kind == kind && fk.ops[i].off == off &&
		    (fk.ops[i].val & mask) == val)
			return (int)i;
	}
	return -1;
}

/* ------------------------------------------------------------ fixtures */

static void add_mod(const char *name, const char *cmdline, uint32_t kind,
		    uint64_t base)
{
	struct sdm_ho_module *m = &ho.mods[ho.nmods++];

	m->base = base;
	m->size = 0x4000;
	m->kind = kind;
	strcpy(m->name, name);
	strcpy(m->cmdline, cmdline);
}

/* QEMU-like: 512 MiB, 2 CPUs, dommgr at the top, one DMAR unit. */
static int setup(void **state)
{
	memset(&ho, 0, sizeof(ho));
	ho.nmmap = 6;
	ho.mmap[0] = (struct sdm_ho_mem){ 0, 0x9fc00, 1, 0 };
	ho.mmap[1] = (struct sdm_ho_mem){ 0x9fc00, 0x400, 2, 0 };
	ho.mmap[2] = (struct sdm_ho_mem){ 0xf0000, 0x10000, 2, 0 };
	ho.mmap[3] = (struct sdm_ho_mem){ 0x100000, 0x1fee0000, 1, 0 };
	ho.mmap[4] = (struct sdm_ho_mem){ 0x1ffe0000, 0x20000, 2, 0 };
	ho.mmap[5] = (struct sdm_ho_mem){ 0xfffc0000, 0x40000, 2, 0 };
	ho.dommgr_base = 0x1f600000;
	ho.dommgr_end = 0x1fe00000;
	ho.platform.ncpus = 2;
	ho.platform.apic_ids[1] = 1;
	ho.platform.lapic_base = 0xfee00000;
	ho.platform.ndrhd = 1;
	ho.platform.drhd[0].base = DRHD_BASE;
	add_mod("dommgr", "dommgr", SDM_MOD_DOMMGR, 0x1a1000);
	add_mod("normal", "normal", SDM_MOD_NORMAL, 0x26b000);
	add_mod("protected", "protected name=vault", SDM_MOD_PROTECTED, 0x26f000);

	memset(&dmar, 0, sizeof(dmar));
	dmar.dmar_haw = 38;
	dmar.ndrhd = 1;
	dmar.drhd[0] = (struct acpi_drhd){ .base = DRHD_BASE,
					   .flags = ACPI_DRHD_INCLUDE_PCI_ALL };
	if (pool_mem == NULL)
		pool_mem = calloc(POOL_PAGES, 4096);
	if (ept_mem == NULL)
		ept_mem = calloc(EPT_PAGES, 4096);
	memset(pool_mem, 0xee, POOL_PAGES * 4096ull);
	pool = (struct pt_pool){ .base_pa = POOL_BASE, .npages = POOL_PAGES,
				 .table = pool_table };
	memset(&io, 0, sizeof(io));
	io.dmar = &dmar;
	io.pool = &pool;
	io.nunits = 1;
	fake_reset(QEMU_CAP, QEMU_ECAP);
	unit_init(&io.unit[0]);
	memset(&err, 0, sizeof(err));
	assert_int_equal(domains_plan_default(&ho, &t, &err), SDM_OK);
	return 0;
}

static char logbuf[4096];

static void logger(void *ctx, const char *line)
{
	size_t n = strlen(logbuf);

	snprintf(logbuf + n, sizeof(logbuf) - n, "%s\n", line);
}

static void probe_and_combine(void)
{
	assert_int_equal(vtd_probe(&io.unit[0], &err), SDM_OK);
	assert_int_equal(iommu_caps_combine(&io, &err), SDM_OK);
}

static void build(void)
{
	probe_and_combine();
	iommu_resolve_scopes(&io);
	assert_int_equal(iommu_check(&io, &t, &err), SDM_OK);
	logbuf[0] = '\0';
	assert_int_equal(iommu_build(&io, &t, logger, NULL, &err), SDM_OK);
}

static struct domain *dom(enum dom_kind k)
{
	for (unsigned i = 0; i < t.n; i++) {
		if (t.d[i].kind == k)
			return &t.d[i];
	}
	fail();
	return NULL;
}

static unsigned dom_index(const struct domain *d)
{
	return (unsigned)(d - t.d);
}

/* ------------------------------------------------------------ PT_VTD */

static void test_pt_vtd_entries(void **state)
{
	struct pt pt;
	uint64_t pa, fl;

	assert_int_equal(pt_init_vtd(&pt, &pool, 3, &err), SDM_OK);
	assert_int_equal(pt_map(&pt, 0x200000, 0x40000000, 0x200000,
				SLPT_R | SLPT_W | EPT_MT(6), true, &err), SDM_OK);
	assert_int_equal(pt_map(&pt, 0x1000, 0x5000, 0x1000, SLPT_R, false, &err),
			 SDM_OK);
	/* 3 levels: the root is the SL-PDPT; entry 0 leads to the PD. */
	uint64_t pdpte = pool_table(NULL, pt.root_pa)[0];

	assert_int_equal(pdpte & 0xfff, SLPT_R | SLPT_W);
	uint64_t pde = pool_table(NULL, pdpte & VTD_ADDR_MASK)[1];

	/* A 2 MiB leaf: R, W, PS; memory-type bits are not VT-d's and dropped. */
	assert_int_equal(pde, 0x40000000 | SLPT_R | SLPT_W | PTE_PS);
	assert_true(pt_walk(&pt, 0x2abcde, &pa, &fl));
	assert_int_equal(pa, 0x400abcde);
	assert_int_equal(fl, SLPT_R | SLPT_W);
	assert_int_equal(pt_leaf_size(&pt, 0x200000), MIB(2));
	assert_true(pt_walk(&pt, 0x1234, &pa, &fl));
	assert_int_equal(pa, 0x5234);
	assert_int_equal(fl, SLPT_R);
	assert_false(pt_walk(&pt, 0x2000, &pa, &fl));
	/* Beyond 2^39 with 3 levels; no rights; 5 levels. */
	assert_int_equal(pt_map(&pt, 1ull << 39, 0, 0x1000, SLPT_R, false, &err),
			 SDM_ERANGE);
	assert_false(pt_walk(&pt, 1ull << 39, &pa, &fl));
	assert_int_equal(pt_map(&pt, 0x3000, 0x3000, 0x1000, EPT_X, false, &err),
			 SDM_EINVAL);
	assert_string_equal(err.msg, "map 0x3000: no access rights");
	assert_int_equal(pt_init_vtd(&pt, &pool, 5, &err), SDM_EINVAL);
	assert_string_equal(err.msg, "VT-d second-level tables with 5 levels (3 or 4 exist)");
	/* 4 levels reach 2^48, 1 GiB leaves when allowed. */
	assert_int_equal(pt_init_vtd(&pt, &pool, 4, &err), SDM_OK);
	pt.gib_pages = true;
	assert_int_equal(pt_map(&pt, 1ull << 40, 1ull << 30, 1ull << 30,
				SLPT_R | SLPT_W, true, &err), SDM_OK);
	assert_int_equal(pt_leaf_size(&pt, (1ull << 40) + 5), GIB(1));
}

/* ------------------------------------------------------------ tables */

/* Every 4 KiB page below 4 GiB: what the domain's table maps. */
static void test_normal_table_is_its_ram(void **state)
{
	const struct domain *n = dom(DOM_NORMAL);
	const struct pt *pt;

	build();
	pt = &io.slpt[dom_index(n)];
	assert_int_equal(pt->levels, 3);
	for (uint64_t a = 0; a < GIB(4); a += PAGE_SIZE) {
		uint64_t pa, fl, hpa;
		bool ram = domain_gpa_to_hpa(n, a, PAGE_SIZE, &hpa);
		bool mapped = pt_walk(pt, a, &pa, &fl);

		if (ram != mapped)
			fail_msg("page 0x%lx: RAM %d, mapped %d", a, ram, mapped);
		if (mapped) {
			assert_int_equal(pa, a);
			assert_int_equal(fl, SLPT_R | SLPT_W);
		}
		for (unsigned h = 0; mapped && h < t.nholes; h++) {
			if (a >= t.holes[h].base && a < t.holes[h].end)
				fail_msg("hole page 0x%lx is mapped", a);
		}
	}
}

/* The second-level tables against the EPTs: never more than the EPT. */
static void test_tables_mirror_ept(void **state)
{
	build();
	for (unsigned i = 0; i < t.n; i++) {
		struct domain *d = &t.d[i];

		d->ept_pool = (struct pt_pool){ .base_pa = EPT_BASE + i * 256 * 4096ull,
						.npages = 256, .table = ept_table };
		assert_int_equal(domain_build_ept(d, &t, &ho, &err), SDM_OK);
	}
	for (unsigned i = 0; i < t.n; i++) {
		const struct domain *d = &t.d[i];

		for (uint64_t a = 0; a < GIB(4); a += PAGE_SIZE) {
			uint64_t spa, sfl, epa, efl;
			bool s = pt_walk(&io.slpt[i], a, &spa, &sfl);
			bool e = pt_walk(&d->ept, a, &epa, &efl);

			if (s && (!e || epa != spa))
				fail_msg("%s: 0x%lx is DMA-mapped to 0x%lx but not "
					 "so in the EPT", d->name, a, spa);
			/* Protected: exactly its EPT (its RAM, nothing else). */
			if (d->kind == DOM_PROTECTED && e != s)
				fail_msg("%s: 0x%lx EPT %d, DMA %d", d->name, a, e, s);
		}
	}
}

static void test_protected_memory_absent_from_normal(void **state)
{
	const struct domain *p = dom(DOM_PROTECTED), *n = dom(DOM_NORMAL);
	uint64_t pa, fl;

	build();
	for (uint64_t a = p->mem[0].hpa; a < p->mem[0].hpa + p->mem[0].size;
	     a += PAGE_SIZE)
		assert_false(pt_walk(&io.slpt[dom_index(n)], a, &pa, &fl));
	for (uint64_t a = ho.dommgr_base; a < ho.dommgr_end; a += PAGE_SIZE)
		assert_false(pt_walk(&io.slpt[dom_index(n)], a, &pa, &fl));
	/* The protected table: guest-physical 0..16 MiB onto its memory. */
	assert_true(pt_walk(&io.slpt[dom_index(p)], 0x1234, &pa, &fl));
	assert_int_equal(pa, p->mem[0].hpa + 0x1234);
	assert_false(pt_walk(&io.slpt[dom_index(p)], p->mem[0].size, &pa, &fl));
	assert_false(pt_walk(&io.slpt[dom_index(p)], p->mem[0].hpa, &pa, &fl));
	/* 2 MiB and 1 GiB pages are used where the units allow them. */
	assert_int_equal(pt_leaf_size(&io.slpt[dom_index(p)], 0), MIB(2));
}

static const struct vtd_entry *entry_at(uint64_t table, unsigned i)
{
	return &((const struct vtd_entry *)(const void *)pool_table(NULL, table))[i];
}

static void test_context_entries(void **state)
{
	struct domain *p = dom(DOM_PROTECTED), *n = dom(DOM_NORMAL);
	unsigned pi = dom_index(p), ni = dom_index(n);
	uint64_t dflt;

	p->devs[0] = (struct dom_dev){ 0, VTD_SID(3, 0, 1) };
	p->ndevs = 1;
	build();
	assert_int_equal(io.nseg, 1);
	dflt = entry_at(io.root_pa[0], 0)->lo & VTD_ADDR_MASK;
	for (unsigned bus = 0; bus < 256; bus++) {
		const struct vtd_entry *r = entry_at(io.root_pa[0], bus);

		assert_true(r->lo & VTD_ROOT_P);
		assert_int_equal(r->hi, 0);
		assert_int_equal(r->lo & 0xffe, 0); /* reserved bits clear */
		if (bus != 3)
			assert_int_equal(r->lo & VTD_ADDR_MASK, dflt);
	}
	uint64_t priv = entry_at(io.root_pa[0], 3)->lo & VTD_ADDR_MASK;

	assert_int_not_equal(priv, dflt);
	for (unsigned df = 0; df < 256; df++) {
		const struct vtd_entry *c = entry_at(dflt, df);
		const struct vtd_entry *q = entry_at(priv, df);
		bool mine = df == VTD_SID(0, 0, 1);

		/* Present, FPD 0, TT 00 (untranslated only), 3-level (AW 1). */
		assert_int_equal(c->lo, io.slpt[ni].root_pa | VTD_CTX_P);
		assert_int_equal(c->hi, 1 | (uint64_t)iommu_did(ni) << 8);
		assert_int_equal(q->lo, io.slpt[mine ? pi : ni].root_pa | VTD_CTX_P);
		assert_int_equal(VTD_CTX_DID_OF(q->hi), iommu_did(mine ? pi : ni));
	}
	assert_ptr_equal(iommu_owner(&t, 0, VTD_SID(3, 0, 1)), p);
	assert_ptr_equal(iommu_owner(&t, 0, VTD_SID(3, 0, 0)), n);
	assert_ptr_equal(iommu_owner(&t, 1, VTD_SID(3, 0, 1)), n);
	/* Root, default and private context tables, and the SL tables. */
	assert_true(pool.used >= 3);
}

static void test_four_levels_and_small_pages(void **state)
{
	/* 48-bit only, no large pages. */
	fake_reset((QEMU_CAP & ~(0x1full << 8 | 0x3full << 16 | 0xfull << 34)) |
		   (uint64_t)VTD_SAGAW_48 << 8 | 47ull << 16, QEMU_ECAP);
	probe_and_combine();
	/* 4 KiB pages only: ~1 MiB of tables for 512 MiB, as estimated. */
	pool.npages = iommu_pool_pages(&io, &t);
	assert_true(pool.npages > 256 && pool.npages <= POOL_PAGES);
	build();
	assert_true(iommu_program(&io, &t, NULL, NULL, &err) == SDM_OK);
	assert_true(pool.used <= pool.npages);
	assert_int_equal(io.caps.levels, 4);
	assert_false(io.caps.pages_2m);
	assert_int_equal(entry_at(io.root_pa[0], 0)->hi, 0);
	uint64_t ctx = entry_at(io.root_pa[0], 0)->lo & VTD_ADDR_MASK;

	assert_int_equal(entry_at(ctx, 0)->hi & 7, 2); /* AW 2: 4-level */
	assert_int_equal(pt_leaf_size(&io.slpt[0], 0), PAGE_SIZE);
}

static void test_rmrr(void **state)
{
	struct domain *p = dom(DOM_PROTECTED), *n = dom(DOM_NORMAL);
	uint64_t pa, fl;

	/* One RMRR in firmware memory, one over dommgr, one for a device
	 * of the protected domain. */
	dmar.nrmrr = 3;
	dmar.rmrr[0] = (struct acpi_rmrr){ 0xf0000, 0xfffff, 0, 0, 0 };
	dmar.rmrr[1] = (struct acpi_rmrr){ 0x1f700000, 0x1f700fff, 0, 0, 0 };
	dmar.rmrr[2] = (struct acpi_rmrr){ 0x9f000, 0x9ffff, 0, 1, 0 };
	dmar.ndmar_scopes = 1;
	dmar.dmar_scopes[0] = (struct acpi_dmar_scope){
		.type = ACPI_DMAR_SCOPE_ENDPOINT, .npath = 1,
		.path = { { 0x14, 0 } }, .sid_known = true, .sid = VTD_SID(0, 0x14, 0) };
	p->devs[0] = (struct dom_dev){ 0, VTD_SID(0, 0x14, 0) };
	p->ndevs = 1;
	build();
	assert_true(pt_walk(&io.slpt[dom_index(n)], 0xf5000, &pa, &fl));
	assert_int_equal(pa, 0xf5000);
	/* In the protected domain 0xf5000 is its own RAM, not the RMRR. */
	assert_true(pt_walk(&io.slpt[dom_index(p)], 0xf5000, &pa, &fl));
	assert_int_equal(pa, p->mem[0].hpa + 0xf5000);
	assert_false(pt_walk(&io.slpt[dom_index(n)], 0x1f700000, &pa, &fl));
	assert_true(pt_walk(&io.slpt[dom_index(n)], 0x9fc00, &pa, &fl));
	assert_int_equal(io.rmrr_mapped, 2);
	assert_int_equal(io.rmrr_refused, 1);
	assert_string_equal(logbuf,
		"RMRR 1 0x1f700000-0x1f701000: not mapped, it overlaps memory no device of the normal domain may reach\n"
		"RMRR 2: 00:14.0 belongs to protected domain 'vault', which does not get the RMRR\n");
}

static void test_address_width(void **state)
{
	/* MGAW 28 bits: the normal domain's RAM (to 512 MiB) does not fit. */
	fake_reset((QEMU_CAP & ~(0x3full << 16)) | (27ull << 16), QEMU_ECAP);
	probe_and_combine();
	assert_int_equal(io.caps.iova_limit, MIB(256));
	assert_int_equal(iommu_build(&io, &t, logger, NULL, &err), SDM_ERANGE);
	assert_string_equal(err.msg, "domain 'normal': 0x100000-0x1e600000 is beyond the IOMMU's address width (0x10000000)");
	/* A host address beyond the DMAR's width. */
	fake_reset(QEMU_CAP, QEMU_ECAP);
	dmar.dmar_haw = 31;
	t.d[0].mem[0].hpa = 0xff800000;
	probe_and_combine();
	assert_int_equal(iommu_build(&io, &t, logger, NULL, &err), SDM_ERANGE);
	assert_string_equal(err.msg, "domain 'vault': host 0xff800000-0x100800000 is beyond the DMAR host address width");
}

static void test_pool_exhausted(void **state)
{
	probe_and_combine();
	/* The estimate suffices with 2 MiB pages (QEMU's unit) ... */
	pool.npages = iommu_pool_pages(&io, &t);
	assert_true(pool.npages < 64);
	iommu_resolve_scopes(&io);
	assert_int_equal(iommu_build(&io, &t, logger, NULL, &err), SDM_OK);
	assert_int_equal(iommu_program(&io, &t, NULL, NULL, &err), SDM_OK);
	/* ... and a pool too small is an error, not an overrun. */
	pool.used = 0;
	pool.npages = 4;
	assert_int_equal(iommu_build(&io, &t, logger, NULL, &err), SDM_ENOSPC);
	assert_string_equal(err.msg, "page-table pool of 4 pages is exhausted");
}

/* ------------------------------------------------------------ plan checks */

static void test_check_coverage_and_assignment(void **state)
{
	struct domain *p = dom(DOM_PROTECTED);

	/* A scoped unit only: a device outside its scope is uncovered. */
	dmar.drhd[0].flags = 0;
	dmar.drhd[0].nscopes = 1;
	dmar.ndmar_scopes = 1;
	dmar.dmar_scopes[0] = (struct acpi_dmar_scope){
		.type = ACPI_DMAR_SCOPE_ENDPOINT, .npath = 1,
		.path = { { 2, 0 } }, .sid_known = true, .sid = VTD_SID(0, 2, 0) };
	io.npci = 2;
	io.pci[0] = (struct iommu_pci){ 0, VTD_SID(0, 2, 0), 0x8086, 0x1234, false, 0, 0 };
	io.pci[1] = (struct iommu_pci){ 0, VTD_SID(0, 6, 0), 0x1234, 0x11e8, false, 0, 0 };
	probe_and_combine();
	iommu_resolve_scopes(&io);
	assert_int_equal(iommu_unit_of(&io, 0, VTD_SID(0, 2, 0)), 0);
	assert_int_equal(iommu_unit_of(&io, 0, VTD_SID(0, 6, 0)), -1);
	assert_int_equal(iommu_check(&io, &t, &err), SDM_ENOENT);
	assert_string_equal(err.msg, "PCI 0000:00:06.0 [1234:11e8] is behind no DMAR unit: its DMA would not be translated");
	/* Covered again; a device listed by two protected domains. */
	dmar.drhd[0].flags = ACPI_DRHD_INCLUDE_PCI_ALL;
	t.d[2] = t.d[1];
	t.d[1] = *p;
	strcpy(t.d[1].name, "second");
	t.n = 3;
	p->devs[0] = t.d[1].devs[0] = (struct dom_dev){ 0, VTD_SID(0, 6, 0) };
	p->ndevs = t.d[1].ndevs = 1;
	assert_int_equal(iommu_check(&io, &t, &err), SDM_EINVAL);
	assert_string_equal(err.msg, "PCI 0000:00:06.0 is assigned to 'vault' and to 'second'");
	/* Domain ids beyond what the units have. */
	t.d[1].ndevs = 0;
	io.caps.ndids = 3;
	assert_int_equal(iommu_check(&io, &t, &err), SDM_ENOSPC);
	assert_string_equal(err.msg, "domain 'normal': VT-d domain id 3, the units have 3");
}

static void test_scope_paths(void **state)
{
	/* 00:1c.0 is a bridge to buses 2-4; 02:00.0 a bridge to bus 3. */
	dmar.drhd[0].flags = 0;
	dmar.drhd[0].nscopes = 2;
	dmar.ndmar_scopes = 2;
	dmar.dmar_scopes[0] = (struct acpi_dmar_scope){
		.type = ACPI_DMAR_SCOPE_ENDPOINT, .npath = 3,
		.path = { { 0x1c, 0 }, { 0, 0 }, { 5, 1 } } };
	dmar.dmar_scopes[1] = (struct acpi_dmar_scope){
		.type = ACPI_DMAR_SCOPE_BRIDGE, .npath = 1,
		.path = { { 0x1c, 0 } }, .sid_known = true, .sid = VTD_SID(0, 0x1c, 0) };
	io.npci = 3;
	io.pci[0] = (struct iommu_pci){ 0, VTD_SID(0, 0x1c, 0), 0x8086, 1, true, 2, 4 };
	io.pci[1] = (struct iommu_pci){ 0, VTD_SID(2, 0, 0), 0x8086, 2, true, 3, 3 };
	io.pci[2] = (struct iommu_pci){ 0, VTD_SID(3, 5, 1), 0x8086, 3, false, 0, 0 };
	probe_and_combine();
	iommu_resolve_scopes(&io);
	assert_true(io.scope[0].known);
	assert_int_equal(io.scope[0].sid, VTD_SID(3, 5, 1));
	assert_true(io.scope[1].bus_range);
	assert_int_equal(io.scope[1].first_bus, 2);
	assert_int_equal(io.scope[1].last_bus, 4);
	assert_int_equal(iommu_unit_of(&io, 0, VTD_SID(4, 0, 0)), 0);
	assert_int_equal(iommu_unit_of(&io, 0, VTD_SID(5, 0, 0)), -1);
	/* Without the middle bridge the 3-hop path cannot be resolved. */
	io.npci = 1;
	iommu_resolve_scopes(&io);
	assert_false(io.scope[0].known);
}

/* ------------------------------------------------------------ holes */

/* Register pages (one per unit from domain.c, whole sets from iommu.c)
 * are in no EPT. */
static void test_register_pages_not_in_any_ept(void **state)
{
	dmar.drhd[0].size_log2 = 2; /* a 16 KiB register set */
	assert_int_equal(iommu_add_holes(&dmar, &t, &err), SDM_OK);
	for (unsigned i = 0; i < t.n; i++) {
		struct domain *d = &t.d[i];
		uint64_t pa, fl;

		d->ept_pool = (struct pt_pool){ .base_pa = EPT_BASE + i * 256 * 4096ull,
						.npages = 256, .table = ept_table };
		assert_int_equal(domain_build_ept(d, &t, &ho, &err), SDM_OK);
		for (uint64_t a = DRHD_BASE; a < DRHD_BASE + 0x4000; a += PAGE_SIZE)
			assert_false(pt_walk(&d->ept, a, &pa, &fl));
		if (d->kind == DOM_NORMAL) /* the page after the set is MMIO */
			assert_true(pt_walk(&d->ept, DRHD_BASE + 0x4000, &pa, &fl));
	}
	/* One-page sets are domain.c's holes already: nothing is added. */
	unsigned nholes = t.nholes;

	dmar.drhd[0].size_log2 = 0;
	assert_int_equal(iommu_add_holes(&dmar, &t, &err), SDM_OK);
	assert_int_equal(t.nholes, nholes);
	/* A "register set" in RAM is refused. */
	dmar.drhd[0].base = 0x1000000;
	assert_int_equal(iommu_add_holes(&dmar, &t, &err), SDM_EINVAL);
	assert_string_equal(err.msg, "DMAR unit 0: registers 0x1000000-0x1001000 overlap RAM of domain 'normal'");
	/* Without iommu_add_holes only the first page would be a hole. */
	setup(state);
	struct domain *n = dom(DOM_NORMAL);
	uint64_t pa, fl;

	n->ept_pool = (struct pt_pool){ .base_pa = EPT_BASE, .npages = 256,
					.table = ept_table };
	assert_int_equal(domain_build_ept(n, &t, &ho, &err), SDM_OK);
	assert_false(pt_walk(&n->ept, DRHD_BASE, &pa, &fl));
	assert_true(pt_walk(&n->ept, DRHD_BASE + 0x1000, &pa, &fl));
}

static void test_requirement(void **state)
{
	enum iommu_req r;
	const char *a = "dommgr", *b = "dommgr dma=allow-unprotected",
		   *c = "dommgr dma=require", *d = "dommgr dma=maybe";

	assert_int_equal(iommu_requirement(a, strlen(a), &r, &err), SDM_OK);
	assert_int_equal(r, IOMMU_REQUIRE);
	assert_int_equal(iommu_requirement(b, strlen(b), &r, &err), SDM_OK);
	assert_int_equal(r, IOMMU_ALLOW_NONE);
	assert_int_equal(iommu_requirement(c, strlen(c), &r, &err), SDM_OK);
	assert_int_equal(r, IOMMU_REQUIRE);
	assert_int_equal(iommu_requirement(d, strlen(d), &r, &err), SDM_EINVAL);
	assert_string_equal(err.msg, "dommgr command line: dma=maybe (use dma=require or dma=allow-unprotected)");
	assert_int_equal(r, IOMMU_REQUIRE);
}

/* ------------------------------------------------------------ ordering */

/* Register-based: RTADDR, SRTP, CCMD global, IOTLB global, TE. */
static void test_order_register_invalidation(void **state)
{
	fake_reset(QEMU_CAP, QEMU_ECAP & ~VTD_ECAP_QI);
	build();
	fk.nops = 0;
	assert_int_equal(iommu_program(&io, &t, logger, NULL, &err), SDM_OK);
	assert_true(t.dma_protected);
	int rt = find_op(0, OP_W64, VTD_RTADDR, ~0ull, io.root_pa[0]);
	int srtp = find_op(0, OP_W32, VTD_GCMD, ~0ull, VTD_GCMD_SRTP);
	int cc = find_op(0, OP_W64, VTD_CCMD, ~0ull,
			 VTD_CCMD_ICC | VTD_CCMD_CIRG_GLOBAL);
	int tlb = find_op(0, OP_W64, 0xf8, ~0ull, VTD_IOTLB_IVT |
			  VTD_IOTLB_IIRG_GLOBAL | VTD_IOTLB_DR | VTD_IOTLB_DW);
	int te = find_op(0, OP_W32, VTD_GCMD, ~0ull, VTD_GCMD_TE);

	assert_true(rt >= 0 && srtp > rt && cc > srtp && tlb > cc && te > tlb);
	assert_int_equal(fk.nops, 6); /* those five and FECTL.IM */
	assert_int_equal(find_op(0, OP_W32, VTD_FECTL, ~0ull, VTD_FECTL_IM), 0);
	/* Tables were flushed for a unit that does not snoop (ECAP.C = 0). */
	assert_int_equal(flushes, pool.used);
	assert_true(get(&fk, VTD_GSTS, 4) & VTD_GCMD_TE);
}

/* Queued: IQT 0, IQA, QIE; RTADDR, SRTP; descriptors CC, IOTLB, wait; TE. */
static void test_order_queued_invalidation(void **state)
{
	build();
	fk.nops = 0;
	assert_int_equal(iommu_program(&io, &t, logger, NULL, &err), SDM_OK);
	static const struct {
		int kind;
		unsigned off;
		uint64_t mask, val;
	} want[] = {
		{ OP_W64, VTD_IQT, ~0ull, 0 },
		{ OP_W64, VTD_IQA, 0xfff, VTD_IQA_QS_4K },
		{ OP_W32, VTD_GCMD, ~0ull, VTD_GCMD_QIE },
		{ OP_W32, VTD_FECTL, ~0ull, VTD_FECTL_IM },
		{ OP_W64, VTD_RTADDR, 0xfff, 0 },
		{ OP_W32, VTD_GCMD, ~0ull, VTD_GCMD_QIE | VTD_GCMD_SRTP },
		{ OP_W64, VTD_IQT, ~0ull, 3 << 4 },
		{ OP_DESC, VTD_DESC_CC, ~0ull, VTD_DESC_CC | VTD_DESC_G_GLOBAL },
		{ OP_DESC, VTD_DESC_IOTLB, ~0ull, VTD_DESC_IOTLB | VTD_DESC_G_GLOBAL |
						    VTD_DESC_IOTLB_DR | VTD_DESC_IOTLB_DW },
		{ OP_DESC, VTD_DESC_WAIT, 0xffffffffull, VTD_DESC_WAIT | VTD_DESC_WAIT_SW },
		{ OP_W32, VTD_GCMD, ~0ull, VTD_GCMD_QIE | VTD_GCMD_TE },
	};

	assert_int_equal(fk.nops, ARRAY_SIZE(want));
	for (unsigned i = 0; i < ARRAY_SIZE(want); i++) {
		if (fk.ops[i].kind != want[i].kind || fk.ops[i].off != want[i].off ||
		    (fk.ops[i].val & want[i].mask) != want[i].val)
			fail_msg("op %u: kind %d off 0x%x val 0x%lx", i,
				 fk.ops[i].kind, fk.ops[i].off, fk.ops[i].val);
	}
	/* No register-based invalidation while queued invalidation is on. */
	assert_int_equal(find_op(0, OP_W64, VTD_CCMD, 0, 0), -1);
	assert_true(io.unit[0].qi_on);
	char want_log[200];

	snprintf(want_log, sizeof(want_log), "VT-d unit 0 at 0xfed90000: "
		 "translation on (was off), root table 0x%lx, 3-level tables, "
		 "queued invalidation\n", io.root_pa[0]);
	assert_string_equal(logbuf, want_log);
}

/* sinit left translation on (its empty root table): the switch never
 * turns it off, and no second TE command is sent. */
static void test_switch_keeps_translation_on(void **state)
{
	struct vtd_unit *u = &io.unit[0];

	fake_reset(QEMU_CAP, QEMU_ECAP & ~VTD_ECAP_QI);
	probe_and_combine();
	assert_int_equal(vtd_install_root(u, POOL_BASE, &err), SDM_OK); /* sinit */
	assert_int_equal(find_op(0, OP_W32, VTD_GCMD, ~0ull, VTD_GCMD_TE), 5);
	fk.nops = 0;
	assert_int_equal(vtd_install_root(u, POOL_BASE + 0x1000, &err), SDM_OK);
	for (unsigned i = 0; i < fk.nops; i++) {
		if (fk.ops[i].kind == OP_W32 && fk.ops[i].off == VTD_GCMD)
			assert_true(fk.ops[i].val & VTD_GCMD_TE);
	}
	assert_int_equal(find_op(0, OP_W32, VTD_GCMD, ~0ull,
				 VTD_GCMD_TE | VTD_GCMD_SRTP), 2);
	assert_int_equal(fk.nops, 5); /* FECTL, RTADDR, SRTP, CCMD, IOTLB */
	assert_int_equal(get(&fk, VTD_RTADDR, 8), POOL_BASE + 0x1000);
}

/* Firmware left queued invalidation on: drain, turn it off, then use
 * registers (sinit has no queue of its own). */
static void test_firmware_queue_turned_off(void **state)
{
	fake_reset(QEMU_CAP, QEMU_ECAP);
	put(&fk, VTD_GSTS, 4, VTD_GCMD_QIE);
	put(&fk, VTD_IQH, 8, 0x40);
	put(&fk, VTD_IQT, 8, 0x40);
	probe_and_combine();
	assert_int_equal(vtd_install_root(&io.unit[0], POOL_BASE, &err), SDM_OK);
	int off = find_op(0, OP_W32, VTD_GCMD, ~0ull, 0);
	int cc = find_op(0, OP_W64, VTD_CCMD, VTD_CCMD_ICC, VTD_CCMD_ICC);

	assert_true(off >= 0 && cc > off);
	assert_true(find_op(0, OP_W64, VTD_RTADDR, ~0ull, POOL_BASE) > off);
}

static void test_waits_are_bounded(void **state)
{
	struct vtd_unit *u = &io.unit[0];

	fk.stuck_rtps = true;
	probe_and_combine();
	u->qi_on = false;
	assert_int_equal(vtd_install_root(u, POOL_BASE, &err), SDM_EIO);
	assert_string_equal(err.msg, "VT-d unit at 0xfed90000: GSTS.RTPS did not set after 1000 reads");
	/* Nothing after the failed step: translation stays as it was. */
	assert_int_equal(find_op(0, OP_W32, VTD_GCMD, VTD_GCMD_TE, VTD_GCMD_TE), -1);
	fake_reset(QEMU_CAP, QEMU_ECAP & ~VTD_ECAP_QI);
	fk.no_caig = true;
	assert_int_equal(vtd_install_root(u, POOL_BASE, &err), SDM_EIO);
	assert_string_equal(err.msg, "VT-d unit at 0xfed90000: global context-cache invalidation not performed (CCMD.CAIG = 0)");
	assert_int_equal(vtd_install_root(u, POOL_BASE + 8, &err), SDM_EINVAL);
}

static void test_probe_rejects(void **state)
{
	struct vtd_unit *u = &io.unit[0];

	fake_reset(~0ull, 0);
	assert_int_equal(vtd_probe(u, &err), SDM_EIO);
	assert_string_equal(err.msg, "VT-d unit at 0xfed90000: capability register reads 0xffffffffffffffff: no unit answers");
	/* Fault records at 0xff0 + 16 * 4 run past a 4 KiB register set. */
	fake_reset((QEMU_CAP & ~(0x3ffull << 24 | 0xffull << 40)) |
		   0xffull << 24 | 3ull << 40, QEMU_ECAP);
	assert_int_equal(vtd_probe(u, &err), SDM_EINVAL);
	assert_string_equal(err.msg, "VT-d unit at 0xfed90000: 4 fault recording registers at offset 0xff0 end at 0x1030, outside its 0x1000-byte register set");
	fake_reset(QEMU_CAP & ~(0x1full << 8), QEMU_ECAP);
	assert_int_equal(vtd_probe(u, &err), SDM_EINVAL);
	assert_string_equal(err.msg, "VT-d unit at 0xfed90000: supports neither 3- nor 4-level tables (SAGAW 0x0)");
}

static void test_ir_and_pmr_turned_off(void **state)
{
	struct vtd_unit *u = &io.unit[0];
	bool ir, pmr;

	fake_reset(QEMU_CAP | VTD_CAP_PLMR, QEMU_ECAP);
	put(&fk, VTD_GSTS, 4, VTD_GCMD_IRE);
	put(&fk, VTD_PMEN, 4, VTD_PMEN_EPM | VTD_PMEN_PRS);
	probe_and_combine();
	assert_int_equal(vtd_ir_disable(u, &ir, &err), SDM_OK);
	assert_true(ir);
	assert_false(get(&fk, VTD_GSTS, 4) & VTD_GCMD_IRE);
	assert_int_equal(vtd_pmr_disable(u, &pmr, &err), SDM_OK);
	assert_true(pmr);
	assert_int_equal(find_op(0, OP_W32, VTD_PMEN, ~0ull, 0) >= 0, true);
}

/* ------------------------------------------------------------ faults */

static void set_fault(unsigned i, uint16_t sid, unsigned reason, bool read,
		      uint64_t addr)
{
	unsigned off = VTD_FRCD_REG(get(&fk, VTD_CAP, 8), i);

	put(&fk, off, 8, addr | 0x5); /* low bits are not the address */
	put(&fk, off + 8, 8, VTD_FRCD_HI_F | (read ? VTD_FRCD_HI_READ : 0) |
			     (uint64_t)reason << 32 | sid);
	put(&fk, VTD_FSTS, 4, get(&fk, VTD_FSTS, 4) | VTD_FSTS_PPF | i << 8);
}

static void test_fault_records(void **state)
{
	struct vtd_unit *u = &io.unit[0];
	struct vtd_fault f;
	bool ovf = false;

	probe_and_combine();
	set_fault(0, VTD_SID(0, 6, 0), 5, false, 0x1f667000);
	put(&fk, VTD_FSTS, 4, get(&fk, VTD_FSTS, 4) | VTD_FSTS_PFO);
	assert_true(vtd_fault_next(u, &f, &ovf));
	assert_true(ovf);
	assert_int_equal(f.sid, VTD_SID(0, 6, 0));
	assert_int_equal(f.reason, 5);
	assert_false(f.read);
	assert_int_equal(f.addr, 0x1f667000);
	assert_int_equal(find_op(0, OP_W32, 0x22c, ~0ull, 0x80000000u) >= 0, true);
	assert_int_equal(find_op(0, OP_W32, VTD_FSTS, ~0ull, VTD_FSTS_PFO) >= 0, true);
	assert_false(vtd_fault_next(u, &f, &ovf));
	assert_string_equal(vtd_fault_reason(5), "write not permitted (not mapped or read-only)");
	assert_string_equal(vtd_fault_reason(0x1), "root entry not present");
	assert_string_equal(vtd_fault_reason(0x77), "other");

	/* Four records, the unit says the next is 2: read 2, 3, 0. */
	fake_reset(QEMU_CAP | 3ull << 40, QEMU_ECAP);
	probe_and_combine();
	set_fault(0, 0x100, 6, true, 0x3000);
	set_fault(3, 0x101, 6, true, 0x2000);
	set_fault(2, 0x102, 6, true, 0x1000);
	put(&fk, VTD_FSTS, 4, VTD_FSTS_PPF | 2 << 8);
	assert_true(vtd_fault_next(u, &f, NULL));
	assert_int_equal(f.index, 2);
	assert_true(vtd_fault_next(u, &f, NULL));
	assert_int_equal(f.index, 3);
	assert_true(vtd_fault_next(u, &f, NULL));
	assert_int_equal(f.index, 0);
	assert_true(f.read);
	assert_false(vtd_fault_next(u, &f, NULL));
}

static void test_faults_counted_per_domain(void **state)
{
	struct domain *p = dom(DOM_PROTECTED), *n = dom(DOM_NORMAL);
	struct vtd_fault last;

	p->devs[0] = (struct dom_dev){ 0, VTD_SID(0, 6, 0) };
	p->ndevs = 1;
	probe_and_combine();
	set_fault(0, VTD_SID(0, 6, 0), 5, false, 0x1000000);
	logbuf[0] = '\0';
	assert_int_equal(iommu_poll_faults(&io, &t, &last, logger, NULL), 1);
	assert_int_equal(p->dma_faults, 1);
	assert_int_equal(n->dma_faults, 0);
	set_fault(0, VTD_SID(0, 3, 0), 6, true, 0x1f600000);
	assert_int_equal(iommu_poll_faults(&io, &t, &last, logger, NULL), 1);
	assert_int_equal(n->dma_faults, 1);
	assert_int_equal(last.sid, VTD_SID(0, 3, 0));
	assert_string_equal(logbuf,
		"DMA fault: unit 0: 0000:00:06.0 (domain 'vault') write at 0x1000000 blocked: reason 0x5, write not permitted (not mapped or read-only)\n"
		"DMA fault: unit 0: 0000:00:03.0 (domain 'normal') read at 0x1f600000 blocked: reason 0x6, read not permitted (not mapped)\n");
}

/* A unit stuck with F set (writes ignored) cannot keep dommgr polling. */
static void ignore_w32(void *ctx, unsigned off, uint32_t v)
{
}

static void test_fault_storm_bounded(void **state)
{
	probe_and_combine();
	set_fault(0, VTD_SID(0, 6, 0), 5, false, 0x1000);
	io.unit[0].io.wr32 = ignore_w32;
	logbuf[0] = '\0';
	assert_int_equal(iommu_poll_faults(&io, &t, NULL, NULL, NULL),
			 IOMMU_FAULTS_PER_POLL);
}

int main(void)
{
#define T(f) cmocka_unit_test_setup(f, setup)
	const struct CMUnitTest tests[] = {
		T(test_pt_vtd_entries),
		T(test_normal_table_is_its_ram),
		T(test_tables_mirror_ept),
		T(test_protected_memory_absent_from_normal),
		T(test_context_entries),
		T(test_four_levels_and_small_pages),
		T(test_rmrr),
		T(test_address_width),
		T(test_pool_exhausted),
		T(test_check_coverage_and_assignment),
		T(test_scope_paths),
		T(test_register_pages_not_in_any_ept),
		T(test_requirement),
		T(test_order_register_invalidation),
		T(test_order_queued_invalidation),
		T(test_switch_keeps_translation_on),
		T(test_firmware_queue_turned_off),
		T(test_waits_are_bounded),
		T(test_probe_rejects),
		T(test_ir_and_pmr_turned_off),
		T(test_fault_records),
		T(test_faults_counted_per_domain),
		T(test_fault_storm_bounded),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
