/*
 * Host only: a struct tpm_transport to swtpm over TCP, and swtpm's control
 * channel, for unit tests and host tools (PLATFORMS.md, "swtpm and the
 * host TPM stacks").
 *
 * Data channel: raw TPM command/response bytes on one TCP connection; the
 * response header's size field says how much to read.
 * Control channel (swtpm's include/swtpm/tpm_ioctl.h, "Commands used by the
 * non-CUSE TPMs"): a big-endian u32 command code and its request; the
 * answer starts with a big-endian u32 result (0 = success).
 *
 * Commands carry their locality: before a command at a locality other than
 * the one last set, the transport sends CMD_SET_LOCALITY.
 */
#ifndef SDM_TPM_HOST_SWTPM_H
#define SDM_TPM_HOST_SWTPM_H
#include "tpm/tpm.h"

/* Control commands (tpm_ioctl.h, enum of CMD_*). */
#define SWTPM_CMD_GET_CAPABILITY 0x01
#define SWTPM_CMD_INIT 0x02
#define SWTPM_CMD_SHUTDOWN 0x03
#define SWTPM_CMD_SET_LOCALITY 0x05
#define SWTPM_CMD_HASH_START 0x06
#define SWTPM_CMD_HASH_DATA 0x07
#define SWTPM_CMD_HASH_END 0x08
#define SWTPM_HASH_CHUNK 4096 /* ptm_hdata: data[4096] per CMD_HASH_DATA */
#define SWTPM_INIT_DELETE_VOLATILE 0x1

struct swtpm {
	bool tpm2;
	int pid;            /* the swtpm swtpm_start() runs; 0 otherwise */
	char host[64];
	uint16_t port;      /* data channel */
	uint16_t ctrl_port; /* control channel (port + 1 for swtpm_start) */
	int data_fd;        /* -1 until connected */
	int ctrl_fd;
	int locality;       /* last set over the control channel; -1 unknown */
	int timeout_ms;     /* bound on each answer */
	char dir[64];       /* state directory swtpm_start() made, or "" */
	struct tpm_transport tr; /* name "swtpm-tcp", ctx = this */
};

/*
 * Start `swtpm socket [--tpm2] --server type=tcp,port=P --ctrl
 * type=tcp,port=P+1 --tpmstate dir=D --flags not-need-init` with free
 * ports and a fresh state directory, wait (<= 3 s) until it accepts
 * connections, and connect both channels. The TPM is powered on but not
 * started: send TPM2_Startup / TPM_Startup yourself. swtpm dies with the
 * calling process (PR_SET_PDEATHSIG). A missing swtpm binary is an error
 * that says so.
 */
int swtpm_start(struct swtpm *s, bool tpm2, struct sdm_err *err);

/* Connect to an swtpm already running at host:port / host:ctrl_port. */
int swtpm_connect(struct swtpm *s, const char *host, uint16_t port,
		  uint16_t ctrl_port, bool tpm2, struct sdm_err *err);

/*
 * Close the connections; for an swtpm we started: CMD_SHUTDOWN, wait for
 * it to exit (SIGTERM, then SIGKILL after 1 s) and remove its state
 * directory. Safe to call twice.
 */
void swtpm_stop(struct swtpm *s);

static inline const struct tpm_transport *swtpm_transport(struct swtpm *s)
{
	return &s->tr;
}

/*
 * One control command: request in[0..in_len) after the command code; the
 * answer's first out_len bytes (>= 4, starting with the result) into out.
 * A non-zero result is SDM_EIO ("swtpm control SET_LOCALITY: result
 * 0x3d").
 */
int swtpm_ctrl(struct swtpm *s, uint32_t cmd, const void *in, size_t in_len,
	       void *out, size_t out_len, struct sdm_err *err);

int swtpm_set_locality(struct swtpm *s, unsigned locality,
		       struct sdm_err *err);
/* CMD_INIT: a TPM reset (PCRs to their reset values); send Startup next. */
int swtpm_init(struct swtpm *s, uint32_t flags, struct sdm_err *err);
/* CMD_SHUTDOWN: swtpm saves its state and exits. */
int swtpm_shutdown(struct swtpm *s, struct sdm_err *err);
/*
 * The DRTM hash sequence (CMD_HASH_START, CMD_HASH_DATA per 4 KiB, CMD_
 * HASH_END) at the locality last set: PCR 17 = H(0..0 || H(data)).
 */
int swtpm_hash_start(struct swtpm *s, struct sdm_err *err);
int swtpm_hash_data(struct swtpm *s, const void *data, size_t len,
		    struct sdm_err *err);
int swtpm_hash_end(struct swtpm *s, struct sdm_err *err);

#endif
