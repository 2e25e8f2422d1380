/*
 * TPM presence, interface and family, read from the locality-0 register
 * page (TCG PC Client Platform TPM Profile (PTP) spec, section 6.5: FIFO
 * and CRB register maps). Only identification: commands arrive with the
 * TPM driver.
 */
#ifndef SDM_TPM_PROBE_H
#define SDM_TPM_PROBE_H
#include <sdm/acpi.h>
#include <sdm/handoff.h>

#define TPM_LOCALITY0_PA 0xfed40000ull

/* Register reads are injected so the decision logic runs on the host. */
typedef uint32_t (*tpm_read32_fn)(void *ctx, uint64_t pa);

/*
 * Decide the interface and family: from the ACPI TPM2 table's start method
 * when present, else by probing the FIFO/CRB registers at
 * TPM_LOCALITY0_PA. A register page reading all ones or without
 * tpmRegValidSts is "no TPM".
 */
void tpm_probe(const struct acpi_info *acpi, tpm_read32_fn rd, void *ctx,
	       struct sdm_ho_tpm *out);
const char *tpm_iface_name(uint32_t iface);
const char *tpm_family_name(uint32_t family);

#endif
