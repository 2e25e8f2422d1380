#include <string.h>
#include <sdm/pgtable.h>

#define LEVELS 4

static unsigned index_of(uint64_t va, unsigned level)
{
	/* level 3 = PML4 (bits 47:39) ... level 0 = PT (bits 20:12) */
	return (unsigned)((va >> (12 + 9 * level)) & 0x1ff);
}

static bool canonical(uint64_t va)
{
	uint64_t top = va >> 47;

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

int pt_init(struct pt *pt, struct pt_pool *pool, bool nx_ok,
	    struct sdm_err *err)
{
	pt->pool = pool;
	pt->nx_ok = nx_ok;
	return alloc_table(pt, &pt->root_pa, err);
}

/* Map one page of size 4 KiB (level 0) or 2 MiB (level 1). */
static int map_one(struct pt *pt, uint64_t va, uint64_t pa, unsigned leaf,
		   uint64_t flags, struct sdm_err *err)
{
	uint64_t table_pa = pt->root_pa;

	for (unsigned level = LEVELS - 1; level > leaf; level--) {
		uint64_t *t = pt->pool->table(pt->pool->ctx, table_pa);
		uint64_t *e = &t[index_of(va, level)];

		if (*e & PTE_P) {
			if (*e & PTE_PS)
				return sdm_err_set(err, SDM_EOVERLAP,
						   "va 0x%lx is inside a large page",
						   va);
		} else {
			uint64_t next;
			int rc = alloc_table(pt, &next, err);

			if (rc != SDM_OK)
				return rc;
			/* Intermediate entries grant all; leaves restrict. */
			*e = next | PTE_P | PTE_W;
		}
		table_pa = *e & PTE_ADDR_MASK;
	}

	uint64_t *t = pt->pool->table(pt->pool->ctx, table_pa);
	uint64_t *e = &t[index_of(va, leaf)];

	if (*e & PTE_P)
		return sdm_err_set(err, SDM_EOVERLAP, "va 0x%lx is already mapped",
				   va);
	*e = pa | flags | PTE_P | (leaf == 1 ? PTE_PS : 0);
	return SDM_OK;
}

int pt_map(struct pt *pt, uint64_t va, uint64_t pa, uint64_t len,
	   uint64_t flags, bool large, struct sdm_err *err)
{
	uint64_t end;

	if (!is_aligned(va | pa | len, PAGE_SIZE))
		return sdm_err_set(err, SDM_EINVAL,
				   "map va 0x%lx pa 0x%lx len 0x%lx: not 4 KiB aligned",
				   va, pa, len);
	if (!add_ok(va, len, &end) || !canonical(va) ||
	    (len != 0 && !canonical(end - 1)) || pa + len < pa ||
	    (pa + len) > (1ull << 52))
		return sdm_err_set(err, SDM_ERANGE,
				   "map va 0x%lx pa 0x%lx len 0x%lx: out of range",
				   va, pa, len);
	if ((flags & PTE_NX) && !pt->nx_ok)
		flags &= ~PTE_NX;
	flags &= PTE_W | PTE_NX | PTE_G;

	for (uint64_t off = 0; off < len;) {
		bool big = large && is_aligned(va + off, MIB(2)) &&
			   is_aligned(pa + off, MIB(2)) && len - off >= MIB(2);
		int rc = map_one(pt, va + off, pa + off, big ? 1 : 0, flags, err);

		if (rc != SDM_OK)
			return rc;
		off += big ? MIB(2) : PAGE_SIZE;
	}
	return SDM_OK;
}

bool pt_walk(const struct pt *pt, uint64_t va, uint64_t *pa, uint64_t *flags)
{
	uint64_t table_pa = pt->root_pa, eff = PTE_W;

	if (!canonical(va))
		return false;
	for (int level = LEVELS - 1; level >= 0; level--) {
		const uint64_t *t = pt->pool->table(pt->pool->ctx, table_pa);
		uint64_t e = t[index_of(va, (unsigned)level)];

		if (!(e & PTE_P))
			return false;
		if (!(e & PTE_W))
			eff &= ~PTE_W;
		eff |= e & PTE_NX;
		if (level == 0 || (level <= 2 && (e & PTE_PS))) {
			uint64_t size = 1ull << (12 + 9 * level);

			*pa = (e & PTE_ADDR_MASK & ~(size - 1)) | (va & (size - 1));
			*flags = eff | (e & PTE_G);
			return true;
		}
		table_pa = e & PTE_ADDR_MASK;
	}
	return false;
}
