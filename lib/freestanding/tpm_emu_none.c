/* Production images have no emulator TPM (see include/sdm/tpmdev.h). */
#include <sdm/tpmdev.h>

__attribute__((weak)) const struct tpm_transport *
tpm_emu_transport(const struct tpm_hw *hw, struct sdm_err *err)
{
	return NULL;
}

__attribute__((weak)) int tpm_emu_drtm(const void *data, size_t len,
				       struct sdm_err *err)
{
	return sdm_err_set(err, SDM_ENOENT, "no DRTM interface");
}
