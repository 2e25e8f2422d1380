/*
 * Emulator images only (build/emu/sinit.elf, build/emu/dommgr.elf): the
 * TPM is swtpm behind the serial bridge on COM2 (tpm/bridge.h; host half
 * tools/tpm-bridge). Production images link lib/freestanding/
 * tpm_emu_none.c's weak "no emulator TPM" instead.
 */
#include <sdm/log.h>
#include <sdm/tpmdev.h>
#include "tpm/bridge.h"

#define COM2 0x2f8

static struct bridge br;
static struct tpm_transport tr;
static bool up;

const struct tpm_transport *tpm_emu_transport(const struct tpm_hw *hw,
					      struct sdm_err *err)
{
	char name[48];

	if (bridge_init(&br, hw, COM2, err) != SDM_OK ||
	    bridge_hello(&br, name, sizeof(name), err) != SDM_OK) {
		pr_warn("TPM: no emulator bridge on COM2: %s", err->msg);
		return NULL;
	}
	pr_info("TPM: emulator bridge on COM2 (%s) - a test image", name);
	bridge_transport(&br, &tr);
	up = true;
	return &tr;
}

int tpm_emu_drtm(const void *data, size_t len, struct sdm_err *err)
{
	if (!up)
		return sdm_err_set(err, SDM_ENOENT, "no emulator bridge");
	return bridge_drtm_hash(&br, data, len, err);
}
