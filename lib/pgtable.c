#include <string.h>
#include <sdm/pgtable.h>

#define LEVELS 4
#define SLPT_RW (SLPT_R | SLPT_W)

static unsigned levels(const struct pt *pt)
{
	return pt->levels != 0 ? pt->levels : LEVELS;
}

static unsigned index_of(uint64_t va, unsigned level)
{
	/* level 3 = PML4 (bits 47:39) ... level 0 = PT (bits 20:12) */
	return (unsigned)((va >> (12 + 9 * level)) & 0x1ff);
}

static uint64_t level_size(unsigned level)
{
	return 1ull << (12 + 9 * level);
}

static bool present(const struct pt *pt, uint64_t e)
{
	switch (pt->kind) {
	case PT_EPT:
		return (e & EPT_RWX) != 0;
	case PT_VTD:
		return (e & SLPT_RW) != 0;
	default:
		return (e & PTE_P) != 0;
	}
}

static bool va_ok(const struct pt *pt, uint64_t va)
{
	uint64_t top = va >> 47;

	if (pt->kind == PT_EPT)
		return (va >> 48) == 0;
	if (pt->kind == PT_VTD)
		return (va >> (12 + 9 * levels(pt))) == 0;
	return top == 0 || top == 0x1ffff;
}

static int alloc_table(struct pt *pt, uint64_t *pa, struct sdm_err *err)
{
	struct pt_pool *p = pt->pool;

	if (p->used >= p->npages)
		return sdm_err_set(err, SDM_ENOSPC,
				   "page-table pool of %u pages is exhausted",
				   p->npages);
	*pa = p->base_pa + (uint64_t)p->used * PAGE_SIZE;
	p->used++;
	memset(p->table(p->ctx, *pa), 0, PAGE_SIZE);
	return SDM_OK;
}

int pt_init(struct pt *pt, struct pt_pool *pool, enum pt_kind kind,
	    bool nx_ok, struct sdm_err *err)
{
	memset(pt, 0, sizeof(*pt));
	pt->pool = pool;
	pt->kind = kind;
	pt->nx_ok = nx_ok;
	pt->levels = LEVELS;
	return alloc_table(pt, &pt->root_pa, err);
}

int pt_init_vtd(struct pt *pt, struct pt_pool *pool, unsigned nlevels,
		struct sdm_err *err)
{
	if (nlevels != 3 && nlevels != 4)
		return sdm_err_set(err, SDM_EINVAL, "VT-d second-level tables "
				   "with %u levels (3 or 4 exist)", nlevels);
	int rc = pt_init(pt, pool, PT_VTD, false, err);

	pt->levels = nlevels;
	return rc;
}

/* Map one page at level leaf: 0 = 4 KiB, 1 = 2 MiB, 2 = 1 GiB. */
static int map_one(struct pt *pt, uint64_t va, uint64_t pa, unsigned leaf,
		   uint64_t flags, struct sdm_err *err)
{
	uint64_t table_pa = pt->root_pa;

	for (unsigned level = levels(pt) - 1; level > leaf; level--) {
		uint64_t *t = pt->pool->table(pt->pool->ctx, table_pa);
		uint64_t *e = &t[index_of(va, level)];

		if (present(pt, *e)) {
			if (*e & PTE_PS)
				return sdm_err_set(err, SDM_EOVERLAP,
						   "0x%lx is inside a large page",
						   va);
		} else {
			uint64_t next;
			int rc = alloc_table(pt, &next, err);

			if (rc != SDM_OK)
				return rc;
			/* Intermediate entries grant all; leaves restrict. */
			*e = next | (pt->kind == PT_EPT   ? EPT_RWX :
				     pt->kind == PT_VTD ? SLPT_RW :
							  PTE_P | PTE_W);
		}
		table_pa = *e & PTE_ADDR_MASK;
	}

	uint64_t *t = pt->pool->table(pt->pool->ctx, table_pa);
	uint64_t *e = &t[index_of(va, leaf)];

	if (present(pt, *e))
		return sdm_err_set(err, SDM_EOVERLAP, "0x%lx is already mapped",
				   va);
	*e = pa | flags | (pt->kind == PT_X86 ? PTE_P : 0) |
	     (leaf > 0 ? PTE_PS : 0);
	return SDM_OK;
}

int pt_map(struct pt *pt, uint64_t va, uint64_t pa, uint64_t len,
	   uint64_t flags, bool large, struct sdm_err *err)
{
	uint64_t end, pend;

	if (!is_aligned(va | pa | len, PAGE_SIZE))
		return sdm_err_set(err, SDM_EINVAL,
				   "map 0x%lx -> 0x%lx len 0x%lx: not 4 KiB aligned",
				   va, pa, len);
	if (!add_ok(va, len, &end) || !add_ok(pa, len, &pend) ||
	    !va_ok(pt, va) || (len != 0 && !va_ok(pt, end - 1)) ||
	    pend > (1ull << 52))
		return sdm_err_set(err, SDM_ERANGE,
				   "map 0x%lx -> 0x%lx len 0x%lx: out of range",
				   va, pa, len);
	if (pt->kind == PT_X86) {
		if (!pt->nx_ok)
			flags &= ~PTE_NX;
		flags &= PTE_W | PTE_NX | PTE_G;
	} else if (pt->kind == PT_VTD) {
		flags &= SLPT_RW | SLPT_SNP;
		if (!(flags & SLPT_RW))
			return sdm_err_set(err, SDM_EINVAL, "map 0x%lx: no "
					   "access rights", va);
	} else {
		flags &= EPT_RWX | EPT_MT(7) | EPT_IGNORE_PAT;
		if (!(flags & EPT_R) && (flags & EPT_W))
			return sdm_err_set(err, SDM_EINVAL, "map 0x%lx: EPT "
					   "write without read is a "
					   "misconfiguration", va);
		if (!(flags & EPT_RWX))
			return sdm_err_set(err, SDM_EINVAL, "map 0x%lx: no "
					   "access rights", va);
	}

	unsigned top = pt->gib_pages ? 2 : 1;

	for (uint64_t off = 0; off < len;) {
		unsigned leaf = 0;

		for (unsigned l = large ? top : 0; l > 0; l--) {
			uint64_t sz = level_size(l);

			if (is_aligned(va + off, sz) && is_aligned(pa + off, sz) &&
			    len - off >= sz) {
				leaf = l;
				break;
			}
		}
		int rc = map_one(pt, va + off, pa + off, leaf, flags, err);

		if (rc != SDM_OK)
			return rc;
		off += level_size(leaf);
	}
	return SDM_OK;
}

static bool walk(const struct pt *pt, uint64_t va, uint64_t *pa,
		 uint64_t *flags, uint64_t *size)
{
	uint64_t table_pa = pt->root_pa, eff = PTE_W, rw = SLPT_RW;

	if (!va_ok(pt, va))
		return false;
	for (int level = (int)levels(pt) - 1; level >= 0; level--) {
		const uint64_t *t = pt->pool->table(pt->pool->ctx, table_pa);
		uint64_t e = t[index_of(va, (unsigned)level)];

		if (!present(pt, e))
			return false;
		if (pt->kind == PT_X86) {
			if (!(e & PTE_W))
				eff &= ~PTE_W;
			eff |= e & PTE_NX;
		}
		rw &= e;
		if (level == 0 || (level <= 2 && (e & PTE_PS))) {
			uint64_t sz = level_size((unsigned)level);

			*pa = (e & PTE_ADDR_MASK & ~(sz - 1)) | (va & (sz - 1));
			if (pt->kind == PT_X86)
				*flags = eff | (e & PTE_G);
			else if (pt->kind == PT_VTD)
				*flags = (rw & SLPT_RW) | (e & SLPT_SNP);
			else
				*flags = e & (EPT_RWX | EPT_MT(7) | EPT_IGNORE_PAT);
			*size = sz;
			return true;
		}
		table_pa = e & PTE_ADDR_MASK;
	}
	return false;
}

bool pt_walk(const struct pt *pt, uint64_t va, uint64_t *pa, uint64_t *flags)
{
	uint64_t size;

	return walk(pt, va, pa, flags, &size);
}

uint64_t pt_leaf_size(const struct pt *pt, uint64_t va)
{
	uint64_t pa, flags, size;

	return walk(pt, va, &pa, &flags, &size) ? size : 0;
}
