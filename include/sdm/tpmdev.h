/*
 * The TPM as sinit and dommgr use it (freestanding only): pick the
 * transport (TIS, CRB, or the emulator bridge that test images link in),
 * start the TPM, learn its PCR banks, and measure: hash data in every
 * bank and extend a PCR at a locality. Built on tpm/ and crypto/.
 */
#ifndef SDM_TPMDEV_H
#define SDM_TPMDEV_H
#include <sdm/handoff.h>
#include "tpm/crb.h"
#include "tpm/eventlog.h"
#include "tpm/hw.h"
#include "tpm/tis.h"
#include "tpm/tpm.h"

struct tpmdev {
	struct tpm_hw hw;
	struct tpm_pmtimer pmt;
	uint16_t pm_port;
	uint32_t family;  /* enum sdm_tpm_family */
	uint32_t iface;   /* enum sdm_tpm_iface */
	const struct tpm_transport *t;
	struct tpm_transport own;
	struct tis tis;
	struct crb crb;
	unsigned nbanks;
	struct evlog_bank banks[EVLOG_MAX_BANKS];
};

/*
 * Open the TPM found by the probe (or the emulator bridge when this image
 * has one): PM timer port for the transports' timeouts; Startup (already
 * started is fine); TPM 2.0: the active banks of PCRs 17-20, each of
 * which must be SHA-1/256/384/512 (another active bank could not be
 * extended correctly and is an error).
 */
int tpmdev_open(struct tpmdev *d, const struct sdm_ho_tpm *probe,
		uint16_t pm_port, bool pm32, struct sdm_err *err);
/* The ACPI PM timer's port and width from the FADT at fadt_pa (0: none). */
void tpmdev_pm_timer(uint64_t fadt_pa, uint16_t *port, bool *ext32);
/* Digests of data in every bank of d. */
void tpmdev_digests(const struct tpmdev *d, const void *data, size_t len,
		    struct evlog_digests *dg);
/* Extend pcr at locality loc with dg in every bank. */
int tpmdev_extend(struct tpmdev *d, unsigned loc, unsigned pcr,
		  const struct evlog_digests *dg, struct sdm_err *err);

/*
 * Emulator hooks: weak defaults (lib/freestanding/tpm_emu_none.c) say
 * there is no emulator TPM; test images link tests/emu/inject/
 * tpm_emu_bridge.c instead, which reaches swtpm over COM2.
 */
const struct tpm_transport *tpm_emu_transport(const struct tpm_hw *hw,
					      struct sdm_err *err);
/* The DRTM hash sequence at locality 4 over data; SDM_ENOENT if none. */
int tpm_emu_drtm(const void *data, size_t len, struct sdm_err *err);

#endif
