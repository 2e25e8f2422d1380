/*
 * One VT-d remapping unit (include/sdm/vtd.h). Every wait is bounded by
 * u->spin reads and fails with the register and bit that did not change;
 * every message starts with the unit's register base.
 */
#include <string.h>
#include <sdm/vtd.h>

static uint32_t rd32(const struct vtd_unit *u, unsigned off)
{
	return u->io.rd32(u->io.ctx, off);
}

static uint64_t rd64(const struct vtd_unit *u, unsigned off)
{
	return u->io.rd64(u->io.ctx, off);
}

static void wr32(const struct vtd_unit *u, unsigned off, uint32_t v)
{
	u->io.wr32(u->io.ctx, off, v);
}

static void wr64(const struct vtd_unit *u, unsigned off, uint64_t v)
{
	u->io.wr64(u->io.ctx, off, v);
}

static void flush(const struct vtd_unit *u, const volatile void *p, size_t len)
{
	if (u->io.flush != NULL && !(u->ecap & VTD_ECAP_C))
		u->io.flush(u->io.ctx, p, len);
}

static int timeout(const struct vtd_unit *u, const char *what,
		   struct sdm_err *err)
{
	return sdm_err_set(err, SDM_EIO, "VT-d unit at 0x%lx: %s after %u reads",
			   u->base, what, u->spin);
}

/* Wait until (register & mask) == want; 32- or 64-bit register. */
static int wait_reg(const struct vtd_unit *u, unsigned off, bool wide,
		    uint64_t mask, uint64_t want, const char *what,
		    struct sdm_err *err)
{
	for (unsigned i = 0; i < u->spin; i++) {
		uint64_t v = wide ? rd64(u, off) : rd32(u, off);

		if ((v & mask) == want)
			return SDM_OK;
	}
	return timeout(u, what, err);
}

/*
 * 10.4.4: one command per GCMD write, on top of the current status with
 * the one-shot bits cleared; then wait for the status bit.
 */
static int gcmd(const struct vtd_unit *u, uint32_t bit, bool on,
		const char *what, struct sdm_err *err)
{
	uint32_t v = rd32(u, VTD_GSTS) & VTD_GCMD_KEEP;
	/* RTPS reads 1 when the pointer is set; WBFS reads 0 when done. */
	uint32_t want = bit == VTD_GCMD_WBF ? 0 : on ? bit : 0;

	v = on ? v | bit : v & ~bit;
	wr32(u, VTD_GCMD, v);
	return wait_reg(u, VTD_GSTS, false, bit, want, what, err);
}

int vtd_probe(struct vtd_unit *u, struct sdm_err *err)
{
	unsigned nfr, frcd_end, iotlb_end;

	if (u->spin == 0)
		u->spin = VTD_SPIN_DEFAULT;
	if (u->reg_size == 0)
		u->reg_size = PAGE_SIZE;
	u->ver = rd32(u, VTD_VER);
	u->cap = rd64(u, VTD_CAP);
	u->ecap = rd64(u, VTD_ECAP);
	if (u->cap == 0 || u->cap == ~0ull)
		return sdm_err_set(err, SDM_EIO, "VT-d unit at 0x%lx: capability "
				   "register reads 0x%lx: no unit answers",
				   u->base, u->cap);
	nfr = VTD_CAP_NFR(u->cap) + 1;
	frcd_end = VTD_FRCD_REG(u->cap, nfr);
	iotlb_end = VTD_IOTLB_REG(u->ecap) + 8;
	if (VTD_CAP_FRO(u->cap) == 0 || frcd_end > u->reg_size)
		return sdm_err_set(err, SDM_EINVAL, "VT-d unit at 0x%lx: %u fault "
				   "recording registers at offset 0x%x end at 0x%x, "
				   "outside its 0x%lx-byte register set", u->base,
				   nfr, VTD_CAP_FRO(u->cap) * 16, frcd_end,
				   u->reg_size);
	if (VTD_ECAP_IRO(u->ecap) == 0 || iotlb_end > u->reg_size)
		return sdm_err_set(err, SDM_EINVAL, "VT-d unit at 0x%lx: IOTLB "
				   "registers at offset 0x%x end at 0x%x, outside "
				   "its 0x%lx-byte register set", u->base,
				   VTD_ECAP_IRO(u->ecap) * 16, iotlb_end,
				   u->reg_size);
	if (!(VTD_CAP_SAGAW(u->cap) & (VTD_SAGAW_39 | VTD_SAGAW_48)))
		return sdm_err_set(err, SDM_EINVAL, "VT-d unit at 0x%lx: supports "
				   "neither 3- nor 4-level tables (SAGAW 0x%x)",
				   u->base, VTD_CAP_SAGAW(u->cap));
	return SDM_OK;
}

/* Queued invalidation left on by firmware: wait for its queue to drain. */
static int qi_off(struct vtd_unit *u, struct sdm_err *err)
{
	for (unsigned i = 0;; i++) {
		if (i == u->spin)
			return timeout(u, "queued invalidation left on: IQH did "
				       "not reach IQT", err);
		if (rd64(u, VTD_IQH) == rd64(u, VTD_IQT))
			break;
	}
	u->qi_on = false;
	return gcmd(u, VTD_GCMD_QIE, false, "GSTS.QIES did not clear", err);
}

int vtd_qi_enable(struct vtd_unit *u, struct vtd_entry *ring, uint64_t ring_pa,
		  volatile uint32_t *status, uint64_t status_pa,
		  struct sdm_err *err)
{
	int rc;

	if (!(u->ecap & VTD_ECAP_QI))
		return sdm_err_set(err, SDM_EINVAL, "VT-d unit at 0x%lx: no "
				   "queued invalidation (ECAP.QI = 0)", u->base);
	if (!is_aligned(ring_pa, PAGE_SIZE) || !is_aligned(status_pa, 4))
		return sdm_err_set(err, SDM_EINVAL, "VT-d unit at 0x%lx: queue "
				   "at 0x%lx / status at 0x%lx misaligned",
				   u->base, ring_pa, status_pa);
	if (rd32(u, VTD_GSTS) & VTD_GCMD_QIE) {
		rc = qi_off(u, err);
		if (rc != SDM_OK)
			return rc;
	}
	memset(ring, 0, PAGE_SIZE);
	flush(u, ring, PAGE_SIZE);
	*status = 0;
	u->qi = (struct vtd_qi){ ring, ring_pa, status, status_pa, 0, 0 };
	/* 10.4.22-23: tail 0, then the queue's base and size, then QIE. */
	wr64(u, VTD_IQT, 0);
	wr64(u, VTD_IQA, ring_pa | VTD_IQA_QS_4K);
	rc = gcmd(u, VTD_GCMD_QIE, true, "GSTS.QIES did not set", err);
	u->qi_on = rc == SDM_OK;
	return rc;
}

/* Queue n descriptors and an invalidation wait; wait for its status write. */
static int qi_submit(struct vtd_unit *u, const struct vtd_entry *d, unsigned n,
		     struct sdm_err *err)
{
	struct vtd_qi *q = &u->qi;

	if (n + 1 >= VTD_QI_ENTRIES)
		return sdm_err_set(err, SDM_ERANGE, "VT-d unit at 0x%lx: %u "
				   "descriptors do not fit the queue", u->base, n);
	q->seq = q->seq + 1 == 0 ? 1 : q->seq + 1;
	*q->status = 0;
	for (unsigned i = 0; i <= n; i++) {
		q->ring[q->tail] = i < n ? d[i] : (struct vtd_entry){
			VTD_DESC_WAIT | VTD_DESC_WAIT_SW | VTD_DESC_WAIT_DATA(q->seq),
			q->status_pa };
		q->tail = (q->tail + 1) % VTD_QI_ENTRIES;
	}
	flush(u, q->ring, PAGE_SIZE);
	wr64(u, VTD_IQT, (uint64_t)q->tail << 4);
	for (unsigned i = 0; i < u->spin; i++) {
		uint32_t fsts;

		if (*q->status == q->seq)
			return SDM_OK;
		fsts = rd32(u, VTD_FSTS);
		if (fsts & VTD_FSTS_IQE) {
			uint64_t head = rd64(u, VTD_IQH) >> 4;

			wr32(u, VTD_FSTS, VTD_FSTS_IQE);
			return sdm_err_set(err, SDM_EIO, "VT-d unit at 0x%lx: "
					   "invalidation queue error at "
					   "descriptor %lu (FSTS.IQE)", u->base,
					   head);
		}
	}
	return timeout(u, "invalidation wait status not written", err);
}

int vtd_invalidate_all(struct vtd_unit *u, struct sdm_err *err)
{
	uint64_t drain = ((u->cap & VTD_CAP_DRD) ? VTD_IOTLB_DR : 0) |
			 ((u->cap & VTD_CAP_DWD) ? VTD_IOTLB_DW : 0);
	unsigned iotlb = VTD_IOTLB_REG(u->ecap);
	int rc = SDM_OK;

	if (u->cap & VTD_CAP_RWBF)
		rc = gcmd(u, VTD_GCMD_WBF, true, "GSTS.WBFS did not clear", err);
	if (rc != SDM_OK)
		return rc;
	if (u->qi_on) {
		const struct vtd_entry d[2] = {
			{ VTD_DESC_CC | VTD_DESC_G_GLOBAL, 0 },
			{ VTD_DESC_IOTLB | VTD_DESC_G_GLOBAL |
				  ((u->cap & VTD_CAP_DRD) ? VTD_DESC_IOTLB_DR : 0) |
				  ((u->cap & VTD_CAP_DWD) ? VTD_DESC_IOTLB_DW : 0),
			  0 },
		};

		return qi_submit(u, d, 2, err);
	}
	/* 10.4.7, 10.4.8.1: register-based, context cache first. */
	wr64(u, VTD_CCMD, VTD_CCMD_ICC | VTD_CCMD_CIRG_GLOBAL);
	rc = wait_reg(u, VTD_CCMD, true, VTD_CCMD_ICC, 0,
		      "CCMD.ICC did not clear", err);
	if (rc == SDM_OK && VTD_CCMD_CAIG(rd64(u, VTD_CCMD)) == 0)
		return sdm_err_set(err, SDM_EIO, "VT-d unit at 0x%lx: global "
				   "context-cache invalidation not performed "
				   "(CCMD.CAIG = 0)", u->base);
	if (rc != SDM_OK)
		return rc;
	wr64(u, iotlb, VTD_IOTLB_IVT | VTD_IOTLB_IIRG_GLOBAL | drain);
	rc = wait_reg(u, iotlb, true, VTD_IOTLB_IVT, 0,
		      "IOTLB_REG.IVT did not clear", err);
	if (rc == SDM_OK && VTD_IOTLB_IAIG(rd64(u, iotlb)) == 0)
		return sdm_err_set(err, SDM_EIO, "VT-d unit at 0x%lx: global "
				   "IOTLB invalidation not performed "
				   "(IOTLB_REG.IAIG = 0)", u->base);
	return rc;
}

int vtd_install_root(struct vtd_unit *u, uint64_t root_pa,
		     struct sdm_err *err)
{
	int rc = SDM_OK;

	if (!is_aligned(root_pa, PAGE_SIZE))
		return sdm_err_set(err, SDM_EINVAL, "VT-d unit at 0x%lx: root "
				   "table at 0x%lx not 4 KiB aligned", u->base,
				   root_pa);
	wr32(u, VTD_FECTL, VTD_FECTL_IM);
	/* Register-based invalidation is not allowed while QIE is on. */
	if (!u->qi_on && (rd32(u, VTD_GSTS) & VTD_GCMD_QIE))
		rc = qi_off(u, err);
	if (rc != SDM_OK)
		return rc;
	wr64(u, VTD_RTADDR, root_pa); /* TTM 00: legacy root/context tables */
	rc = gcmd(u, VTD_GCMD_SRTP, true, "GSTS.RTPS did not set", err);
	if (rc == SDM_OK)
		rc = vtd_invalidate_all(u, err);
	if (rc == SDM_OK && !(rd32(u, VTD_GSTS) & VTD_GCMD_TE))
		rc = gcmd(u, VTD_GCMD_TE, true, "GSTS.TES did not set", err);
	return rc;
}

int vtd_ir_disable(struct vtd_unit *u, bool *was_on, struct sdm_err *err)
{
	*was_on = (rd32(u, VTD_GSTS) & VTD_GCMD_IRE) != 0;
	if (!*was_on)
		return SDM_OK;
	return gcmd(u, VTD_GCMD_IRE, false, "GSTS.IRES did not clear", err);
}

int vtd_pmr_disable(struct vtd_unit *u, bool *was_on, struct sdm_err *err)
{
	*was_on = (u->cap & (VTD_CAP_PLMR | VTD_CAP_PHMR)) &&
		  (rd32(u, VTD_PMEN) & VTD_PMEN_PRS);
	if (!*was_on)
		return SDM_OK;
	wr32(u, VTD_PMEN, 0);
	return wait_reg(u, VTD_PMEN, false, VTD_PMEN_PRS, 0,
			"PMEN.PRS did not clear", err);
}

bool vtd_fault_next(struct vtd_unit *u, struct vtd_fault *f, bool *overflow)
{
	uint32_t fsts = rd32(u, VTD_FSTS);
	unsigned n = VTD_CAP_NFR(u->cap) + 1, first = VTD_FSTS_FRI(fsts);

	if (fsts & VTD_FSTS_PFO) {
		wr32(u, VTD_FSTS, VTD_FSTS_PFO);
		if (overflow != NULL)
			*overflow = true;
	}
	/* From the index the unit reports, every record once. */
	for (unsigned k = 0; k < n; k++) {
		unsigned i = (first + k) % n, off = VTD_FRCD_REG(u->cap, i);
		uint64_t hi = rd64(u, off + 8);

		if (!(hi & VTD_FRCD_HI_F))
			continue;
		f->index = i;
		f->addr = rd64(u, off) & VTD_ADDR_MASK;
		f->sid = (uint16_t)hi;
		f->reason = (uint8_t)VTD_FRCD_REASON(hi);
		f->read = (hi & VTD_FRCD_HI_READ) != 0;
		wr32(u, off + 12, (uint32_t)(VTD_FRCD_HI_F >> 32)); /* RW1C */
		return true;
	}
	return false;
}

const char *vtd_fault_reason(unsigned reason)
{
	static const char *const names[] = {
		[0x1] = "root entry not present",
		[0x2] = "context entry not present",
		[0x3] = "context entry invalid",
		[0x4] = "address beyond the guest address width",
		[0x5] = "write not permitted (not mapped or read-only)",
		[0x6] = "read not permitted (not mapped)",
		[0x7] = "second-level entry not accessible",
		[0x8] = "root table not accessible",
		[0x9] = "context table not accessible",
		[0xa] = "root entry reserved bits set",
		[0xb] = "context entry reserved bits set",
		[0xc] = "second-level entry reserved bits set",
		[0xd] = "translated request blocked by the context entry",
	};

	if (reason < ARRAY_SIZE(names) && names[reason] != NULL)
		return names[reason];
	return "other";
}
