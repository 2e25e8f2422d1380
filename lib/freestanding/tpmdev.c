#include <string.h>
#include <sdm/arch/x86.h>
#include <sdm/tpmdev.h>
#include "crypto/crypto.h"
#include "tpm/tpm12.h"
#include "tpm/tpm2.h"

static uint8_t hw_rd8(void *ctx, uint64_t pa) { return mmio_read8(pa); }
static uint32_t hw_rd32(void *ctx, uint64_t pa) { return mmio_read32(pa); }
static void hw_wr8(void *ctx, uint64_t pa, uint8_t v) { mmio_write8(pa, v); }
static void hw_wr32(void *ctx, uint64_t pa, uint32_t v) { mmio_write32(pa, v); }
static uint8_t hw_inb(void *ctx, uint16_t port) { return inb(port); }
static void hw_outb(void *ctx, uint16_t port, uint8_t v) { outb(port, v); }

static uint64_t hw_now_us(void *ctx)
{
	struct tpmdev *d = ctx;
	uint32_t raw;

	__asm__ volatile("inl %1, %0" : "=a"(raw) : "Nd"(d->pm_port));
	return tpm_pmtimer_us(&d->pmt, raw);
}

static uint16_t alg_size(uint16_t alg)
{
	switch (alg) {
	case EVLOG_ALG_SHA1: return CRYPTO_SHA1_LEN;
	case EVLOG_ALG_SHA256: return CRYPTO_SHA256_LEN;
	case EVLOG_ALG_SHA384: return CRYPTO_SHA384_LEN;
	case EVLOG_ALG_SHA512: return CRYPTO_SHA512_LEN;
	default: return 0;
	}
}

static int start(struct tpmdev *d, struct sdm_err *err)
{
	bool already;
	int rc;

	if (d->family == SDM_TPM_FAMILY_12) {
		d->nbanks = 1;
		d->banks[0] = (struct evlog_bank){ EVLOG_ALG_SHA1, 20 };
		return tpm12_startup(d->t, 0, &already, err);
	}
	rc = tpm2_startup(d->t, 0, &already, err);
	if (rc != SDM_OK)
		return rc;

	struct tpm2_banks b;

	rc = tpm2_get_pcr_banks(d->t, 0, &b, err);
	if (rc != SDM_OK)
		return rc;
	d->nbanks = 0;
	for (unsigned i = 0; i < b.count; i++) {
		if ((b.bank[i].pcrs & (0xfu << 17)) == 0)
			continue;
		if (alg_size(b.bank[i].alg) == 0)
			return sdm_err_set(err, SDM_EINVAL, "TPM: active PCR bank "
					   "0x%04x cannot be measured (no hash "
					   "for it)", b.bank[i].alg);
		if (d->nbanks == EVLOG_MAX_BANKS)
			return sdm_err_set(err, SDM_ENOSPC, "TPM: more than %u "
					   "active banks", EVLOG_MAX_BANKS);
		d->banks[d->nbanks++] = (struct evlog_bank){
			b.bank[i].alg, alg_size(b.bank[i].alg) };
	}
	if (d->nbanks == 0)
		return sdm_err_set(err, SDM_ENOENT, "TPM: no active bank holds "
				   "PCRs 17-20");
	return SDM_OK;
}

int tpmdev_open(struct tpmdev *d, const struct sdm_ho_tpm *probe,
		uint16_t pm_port, bool pm32, struct sdm_err *err)
{
	memset(d, 0, sizeof(*d));
	d->hw = (struct tpm_hw){ d, hw_rd8, hw_rd32, hw_wr8, hw_wr32, hw_inb,
				 hw_outb, hw_now_us };
	d->pm_port = pm_port;
	tpm_pmtimer_init(&d->pmt, pm32);
	if (pm_port == 0)
		return sdm_err_set(err, SDM_ENOENT, "TPM: no ACPI PM timer for "
				   "its timeouts");
	d->t = tpm_emu_transport(&d->hw, err);
	if (d->t != NULL) {
		d->iface = SDM_TPM_IFACE_BRIDGE;
		d->family = SDM_TPM_FAMILY_20;
		if (start(d, err) == SDM_OK)
			return SDM_OK;
		/* A TPM 1.2 behind the bridge answers TPM2_Startup with a
		 * 1.2 response header. */
		d->family = SDM_TPM_FAMILY_12;
		return start(d, err);
	}
	d->family = probe->family;
	d->iface = probe->iface;
	if (probe->iface == SDM_TPM_IFACE_TIS) {
		tis_init(&d->tis, &d->hw, probe->base_pa);
		tis_transport(&d->tis, &d->own);
	} else if (probe->iface == SDM_TPM_IFACE_CRB) {
		crb_init(&d->crb, &d->hw, probe->base_pa);
		crb_transport(&d->crb, &d->own);
	} else {
		return sdm_err_set(err, SDM_ENOENT, "no TPM found (ACPI TPM2 "
				   "table and the registers at 0x%lx)",
				   (uint64_t)0xfed40000);
	}
	d->t = &d->own;
	return start(d, err);
}

void tpmdev_pm_timer(uint64_t fadt_pa, uint16_t *port, bool *ext32)
{
	const uint8_t *fadt = (const uint8_t *)(uintptr_t)fadt_pa;
	uint32_t len = 0, blk = 0, flags = 0;

	*port = 0;
	*ext32 = false;
	if (fadt_pa == 0 || fadt_pa >= GIB(4))
		return;
	memcpy(&len, fadt + 4, 4);
	if (len >= 80)
		memcpy(&blk, fadt + 76, 4);  /* PM_TMR_BLK (ACPI 5.2.9) */
	if (len >= 116)
		memcpy(&flags, fadt + 112, 4);
	*port = blk <= 0xffff ? (uint16_t)blk : 0;
	*ext32 = (flags >> 8) & 1;           /* TMR_VAL_EXT */
}

void tpmdev_digests(const struct tpmdev *d, const void *data, size_t len,
		    struct evlog_digests *dg)
{
	memset(dg, 0, sizeof(*dg));
	for (unsigned i = 0; i < d->nbanks; i++) {
		struct evlog_digest *o = &dg->d[dg->count++];

		o->alg = d->banks[i].alg;
		switch (o->alg) {
		case EVLOG_ALG_SHA1: crypto_sha1(data, len, o->bytes); break;
		case EVLOG_ALG_SHA256: crypto_sha256(data, len, o->bytes); break;
		case EVLOG_ALG_SHA384: crypto_sha384(data, len, o->bytes); break;
		default: crypto_sha512(data, len, o->bytes); break;
		}
	}
}

int tpmdev_extend(struct tpmdev *d, unsigned loc, unsigned pcr,
		  const struct evlog_digests *dg, struct sdm_err *err)
{
	if (d->family == SDM_TPM_FAMILY_12)
		return tpm12_extend(d->t, loc, pcr, dg->d[0].bytes, NULL, err);

	struct tpm2_digest td[EVLOG_MAX_BANKS];

	for (unsigned i = 0; i < dg->count && i < EVLOG_MAX_BANKS; i++) {
		td[i].alg = dg->d[i].alg;
		td[i].size = alg_size(dg->d[i].alg);
		memcpy(td[i].bytes, dg->d[i].bytes, td[i].size);
	}
	return tpm2_pcr_extend(d->t, loc, pcr, td, dg->count, err);
}
