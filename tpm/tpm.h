/*
 * The TPM stack shared by sinit, dommgr and host tests (STYLE.md 7):
 *
 *   commands   tpm/tpm2.c (TPM 2.0), tpm/tpm12.c (TPM 1.2)
 *   marshal    tpm/buf.c  (bounds-checked, big-endian, sticky overflow)
 *   transport  struct tpm_transport: tpm/tis.c (FIFO), tpm/crb.c (CRB),
 *              tpm/bridge.c (emulator serial bridge, test images only),
 *              a TCP transport to swtpm in host tests
 *
 * Everything here is freestanding C (no libc beyond include/libc) and is
 * also built for the host. Every response is parsed as hostile input.
 */
#ifndef SDM_TPM_TPM_H
#define SDM_TPM_TPM_H
#include <sdm/err.h>
#include <sdm/types.h>

#define TPM_MAX_COMMAND 4096 /* PTP: at least 1 KiB; swtpm allows 4 KiB */

/*
 * A transport moves one command to the TPM at a locality and returns the
 * whole response. Returns SDM_OK, or SDM_EIO/SDM_ERANGE/... with *err
 * naming the step that failed (e.g. "TIS: locality 2 not granted within
 * 750 ms"). It never waits without a bound.
 */
struct tpm_transport {
	const char *name; /* "TIS", "CRB", "bridge", "swtpm-tcp" */
	void *ctx;
	int (*xfer)(void *ctx, unsigned locality, const uint8_t *cmd,
		    size_t cmd_len, uint8_t *rsp, size_t rsp_cap,
		    size_t *rsp_len, struct sdm_err *err);
};

#endif
