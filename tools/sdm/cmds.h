/*
 * sdm eventlog (cmd_eventlog.c) and sdm tpm (cmd_tpm.c): the subcommands,
 * and the pieces the unit tests call directly: the PCR values file, the
 * host replay of an event log, PCR reads from a TPM.
 *
 * PCR values file (printed by `sdm tpm pcrs` and `sdm eventlog replay`,
 * read by `sdm eventlog replay --pcrs`): one PCR per line,
 *     BANK:PCR 0xHEX
 * e.g. "sha256:17 0x3f1c...", BANK one of sha1 sha256 sha384 sha512, PCR
 * 0-23 in decimal, HEX exactly the bank's digest size (either case).
 * Blank lines and lines starting with '#' are ignored; a PCR given twice
 * is an error.
 */
#ifndef SDM_TOOL_CMDS_H
#define SDM_TOOL_CMDS_H
#include <stdbool.h>
#include <stdio.h>
#include <sdm/err.h>
#include "tpm/eventlog.h"

/* sdm eventlog show|replay (cmd_eventlog.c). */
int sdm_cmd_eventlog(int argc, char **argv);
/* sdm tpm pcrs (cmd_tpm.c). */
int sdm_cmd_tpm(int argc, char **argv);

/*
 * sdm tpm counter define|show|advance-to (cmd_counter.c): the policy
 * rollback counter (tpm/tpm2_nv.h). tcti NULL: $TPM2TOOLS_TCTI, else
 * CMD_TPM_DEFAULT_TCTI. define: *initialised says whether this call gave
 * it its first value (needs locality 3; increment false: define only, as
 * on a real TPM, sinit initialises it at its next launch). read: SDM_ENOENT when missing or
 * never incremented, SDM_EINVAL when it is not the counter sinit trusts.
 */
int sdm_cmd_tpm_counter(int argc, char **argv);
int cmd_counter_define(const char *tcti, bool increment, uint64_t *value,
		       bool *initialised, struct sdm_err *err);
int cmd_counter_read(const char *tcti, uint64_t *value, struct sdm_err *err);
int cmd_counter_advance_to(const char *tcti, uint64_t target, uint64_t *value,
			   struct sdm_err *err);

/* Bank slots of a PCR set: sha1, sha256, sha384, sha512. */
#define CMD_EVENTLOG_NBANKS 4

struct cmd_eventlog_pcrs {
	uint32_t have[CMD_EVENTLOG_NBANKS]; /* bit n: PCR n is present */
	uint8_t val[CMD_EVENTLOG_NBANKS][EVLOG_NUM_PCRS][EVLOG_MAX_DIGEST];
};

/* The slot of alg (0-3), -1 if unsupported; the alg of a slot. */
int cmd_eventlog_bank_slot(uint16_t alg);
uint16_t cmd_eventlog_slot_alg(int slot);

/* Records value (the bank's digest size) for alg/pcr; false if bad. */
bool cmd_eventlog_pcrs_set(struct cmd_eventlog_pcrs *s, uint16_t alg,
			   unsigned pcr, const uint8_t *value);

/*
 * Parses a PCR values file (text of len bytes; name for messages, e.g.
 * "pcrs.txt line 3: ..."). SDM_OK, or an error naming the line.
 */
int cmd_eventlog_pcrs_parse(const char *text, size_t len, const char *name,
			    struct cmd_eventlog_pcrs *out, struct sdm_err *err);

/* Prints a set in the file format (or as JSON), by bank then PCR. */
void cmd_eventlog_pcrs_print(FILE *f, const struct cmd_eventlog_pcrs *s,
			     bool json);

struct cmd_eventlog_replay {
	struct evlog_info info;
	struct cmd_eventlog_pcrs pcrs; /* every PCR the log extends */
	bool launch_seen;
	enum sdm_launch_kind launch;
	uint32_t nevents; /* the Spec ID event included */
};

/*
 * Replays a log (rules in tpm/eventlog.h) with OpenSSL: out->pcrs gets
 * the final value of every PCR extended, in every bank of the log.
 */
int cmd_eventlog_replay(const void *log, size_t len,
			struct cmd_eventlog_replay *out, struct sdm_err *err);

/*
 * The same replay for many logs in a row (sdm attest verify --batch): a
 * replayer keeps one digest context per bank and its scratch state, so a
 * log costs no allocation. Same results and errors as
 * cmd_eventlog_replay. Not thread-safe; NULL from _new: out of memory.
 */
struct cmd_eventlog_replayer;
struct cmd_eventlog_replayer *cmd_eventlog_replayer_new(void);
void cmd_eventlog_replayer_free(struct cmd_eventlog_replayer *r);
int cmd_eventlog_replay_with(struct cmd_eventlog_replayer *r, const void *log,
			     size_t len, struct cmd_eventlog_replay *out,
			     struct sdm_err *err);

/*
 * Prints one line per PCR of replayed: "sha256:17 match 0x..." or
 * "sha256:17 MISMATCH log 0x... tpm 0x..." (tpm "absent" when expected
 * lacks it), or a JSON array. Returns the number of mismatches.
 */
unsigned cmd_eventlog_compare(FILE *f, const struct cmd_eventlog_pcrs *replayed,
			      const struct cmd_eventlog_pcrs *expected,
			      bool json);

/*
 * Reads the PCRs in pcr_mask (bit n = PCR n) from a TPM 2.0 through
 * tpm2-tss: tcti as for Tss2_TctiLdr_Initialize (NULL: TPM2TOOLS_TCTI, or
 * CMD_TPM_DEFAULT_TCTI); alg one bank, or 0 for every active bank of a
 * supported algorithm. Adds them to out.
 */
#define CMD_TPM_DEFAULT_TCTI "swtpm:host=127.0.0.1,port=2321"
int cmd_tpm_read_pcrs(const char *tcti, uint32_t pcr_mask, uint16_t alg,
		      struct cmd_eventlog_pcrs *out, struct sdm_err *err);

/*
 * TPM 1.2 through TrouSerS' libtspi.so.1, loaded at run time (dlopen), so
 * that sdm needs TrouSerS only for a TPM 1.2. Types and signatures are
 * the TSS 1.2 spec's: TSS_RESULT, TSS_HCONTEXT and TSS_HTPM are UINT32,
 * TSS_UNICODE is UINT16; 0 is TSS_SUCCESS.
 */
struct cmd_tss_pcr_event; /* TSS_PCR_EVENT, not used here */
struct cmd_tspi {
	void *lib;
	uint32_t ctx; /* TSS_HCONTEXT, 0 when none */
	uint32_t tpm; /* TSS_HTPM */
	uint32_t (*context_create)(uint32_t *ctx);
	uint32_t (*context_connect)(uint32_t ctx, uint16_t *destination);
	uint32_t (*context_get_tpm)(uint32_t ctx, uint32_t *tpm);
	uint32_t (*pcr_read)(uint32_t tpm, uint32_t pcr, uint32_t *len,
			     uint8_t **value);
	/* With event NULL, data is the 20-byte digest to extend. */
	uint32_t (*pcr_extend)(uint32_t tpm, uint32_t pcr, uint32_t len,
			       uint8_t *data, struct cmd_tss_pcr_event *event,
			       uint32_t *value_len, uint8_t **value);
	uint32_t (*free_memory)(uint32_t ctx, uint8_t *mem);
	uint32_t (*context_close)(uint32_t ctx);
};

/* Loads libtspi.so.1 and resolves the calls above. */
int cmd_tpm12_load(struct cmd_tspi *t, struct sdm_err *err);
/*
 * Loads, creates a context and connects to tcsd: tcsd "HOST[:PORT]" (sets
 * TSS_TCSD_HOSTNAME / TSS_TCSD_PORT), or NULL for TrouSerS' default.
 */
int cmd_tpm12_open(struct cmd_tspi *t, const char *tcsd, struct sdm_err *err);
void cmd_tpm12_close(struct cmd_tspi *t);
/* Reads the PCRs in pcr_mask (bank sha1) from a TPM 1.2 into out. */
int cmd_tpm12_read_pcrs(const char *tcsd, uint32_t pcr_mask,
			struct cmd_eventlog_pcrs *out, struct sdm_err *err);

#endif
