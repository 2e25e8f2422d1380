#include <string.h>
#include "tpm/probe.h"

/* PTP 6.5.2 (FIFO) and 6.5.3 (CRB) locality-0 register offsets. */
#define TPM_ACCESS 0x000        /* FIFO: TPM_ACCESS_0; CRB: TPM_LOC_STATE_0 */
#define TPM_STS 0x018
#define TPM_INTERFACE_ID 0x030
#define TPM_DID_VID 0xf00
#define TPM_RID 0xf04
#define ACCESS_VALID (1u << 7)  /* tpmRegValidSts */
#define IFTYPE_FIFO 0x0
#define IFTYPE_CRB 0x1
#define IFTYPE_TIS13 0xf        /* legacy TIS 1.3 (TPM 1.2 devices) */
#define STS_FAMILY_SHIFT 26     /* FIFO TPM_STS bits 27:26: 00 1.2, 01 2.0 */

static uint32_t family_from_sts(uint32_t sts)
{
	return ((sts >> STS_FAMILY_SHIFT) & 3) == 1 ? SDM_TPM_FAMILY_20
						    : SDM_TPM_FAMILY_12;
}

void tpm_probe(const struct acpi_info *acpi, tpm_read32_fn rd, void *ctx,
	       struct sdm_ho_tpm *out)
{
	const uint64_t base = TPM_LOCALITY0_PA;
	uint32_t access = rd(ctx, base + TPM_ACCESS);

	memset(out, 0, sizeof(*out));
	if (access == 0xffffffffu || !(access & ACCESS_VALID))
		return;

	uint32_t ifid = rd(ctx, base + TPM_INTERFACE_ID);
	uint32_t iftype = ifid & 0xf;
	bool crb;

	if (acpi != NULL && acpi->tpm2_pa != 0) {
		uint32_t m = acpi->tpm2_start_method;

		crb = m == ACPI_TPM2_START_CRB || m == ACPI_TPM2_START_CRB_ACPI ||
		      m == ACPI_TPM2_START_CRB_SMC;
	} else {
		crb = iftype == IFTYPE_CRB;
	}
	out->base_pa = base;
	if (crb) {
		/* TPM_CRB_INTF_ID: RID in bits 31:24, VID/DID in 63:32. */
		out->iface = SDM_TPM_IFACE_CRB;
		out->family = SDM_TPM_FAMILY_20; /* CRB exists only for 2.0 */
		out->did_vid = rd(ctx, base + TPM_INTERFACE_ID + 4);
		out->rid = ifid >> 24;
	} else {
		out->did_vid = rd(ctx, base + TPM_DID_VID);
		out->rid = rd(ctx, base + TPM_RID) & 0xff;
		out->iface = SDM_TPM_IFACE_TIS;
		out->family = iftype == IFTYPE_TIS13
				      ? SDM_TPM_FAMILY_12
				      : family_from_sts(rd(ctx, base + TPM_STS));
	}
}

const char *tpm_iface_name(uint32_t iface)
{
	switch (iface) {
	case SDM_TPM_IFACE_TIS: return "TIS";
	case SDM_TPM_IFACE_CRB: return "CRB";
	case SDM_TPM_IFACE_BRIDGE: return "emulator bridge";
	default: return "none";
	}
}

const char *tpm_family_name(uint32_t family)
{
	switch (family) {
	case SDM_TPM_FAMILY_12: return "1.2";
	case SDM_TPM_FAMILY_20: return "2.0";
	default: return "none";
	}
}
