/*
 * TCG event logs: a writer into a caller's buffer (sinit, dommgr) and a
 * parser for logs read from memory or a file (dommgr, the host tools,
 * which treat every log as hostile input).
 *
 * Two formats, both little-endian and packed:
 *
 *   TPM 2.0, "crypto agile" (TCG PC Client Platform Firmware Profile (PFP)
 *   spec, 10.2.1 and 10.4.5.1). The first event is a TCG_PCR_EVENT
 *   (SHA-1 layout) at PCR 0, type EV_NO_ACTION, digest all zero, whose data
 *   is the TCG_EfiSpecIDEvent "Spec ID Event03" listing the banks. Every
 *   later event is a TCG_PCR_EVENT2:
 *       pcrIndex u32, eventType u32,
 *       TPML_DIGEST_VALUES { count u32, { hashAlg u16, digest[] } * count },
 *       eventSize u32, event[eventSize]
 *   with one digest per Spec ID bank, the size of each digest given by the
 *   Spec ID event.
 *
 *   TPM 1.2 (TCG PC Client spec for TPM 1.2 BIOS, TCG_PCR_EVENT):
 *       pcrIndex u32, eventType u32, digest[20] (SHA-1), eventSize u32,
 *       event[eventSize]
 *
 * The parser tells them apart by the first event: an EV_NO_ACTION event
 * whose data starts with "Spec ID Event03\0" makes a crypto-agile log,
 * anything else a TPM 1.2 log. (tpm2_eventlog takes any log that starts
 * with EV_NO_ACTION as crypto agile, so a TPM 1.2 log meant for it should
 * not start with the launch event below.)
 *
 * Replay (what a verifier computes, done on the host in
 * tools/sdm/cmd_eventlog.c):
 *   - PCRs 0-16 and 23 start at zero in every bank. (PFP's StartupLocality
 *     event, EV_NO_ACTION at PCR 0, sets the last byte of PCR 0's start
 *     value to the locality given; it must precede every PCR 0 event.)
 *   - PCRs 17-22 start at all ones (0xff..ff) after TPM2_Startup or
 *     TPM_Startup; the DRTM hash sequence (_TPM_Hash_Start, TCG D-RTM
 *     Architecture) resets them to zero and then extends PCR 17 with
 *     H(data), so PCR 17 = H(0..0 || H(data)). Which of the two happened is
 *     written by evlog_append_launch: an EV_NO_ACTION event with the
 *     signature "SDM Launch Kind" (layout below) that names the launch kind
 *     and the byte PCRs 17-22 started with. It comes before every event on
 *     PCRs 17-22; a log that extends one of them without it (or has two)
 *     cannot be replayed. The hash sequence itself is logged as an ordinary
 *     PCR 17 event whose digests are H(data), the values the TPM extended.
 *     The launch event sits on PCR 0, as PFP's own EV_NO_ACTION events
 *     (Spec ID, StartupLocality) do: tpm2_eventlog of tpm2-tools 5.4
 *     extends the zero digests of EV_NO_ACTION events in its "pcrs:"
 *     summary (later versions do not), which then spoils only PCR 0, a PCR
 *     no SDM event extends.
 *   - EV_NO_ACTION events extend nothing. Every other event extends its
 *     PCR in each bank: PCR = H(PCR || digest).
 *
 * Event data says in words what was measured ("sinit image, 98304 bytes,
 * emulated DRTM"): evlog_append_text writes the text, its NUL and an
 * optional binary tail. For measured code and data EV_IPL fits (PFP: the
 * digest of what was loaded, the data a string describing it);
 * tpm2_eventlog prints its text as "String" (and warns that it expects
 * EV_IPL on PCRs 8, 9, 12 or 14, GRUB's and shim's use: harmless).
 */
#ifndef SDM_TPM_EVENTLOG_H
#define SDM_TPM_EVENTLOG_H
#include <stdarg.h>
#include <sdm/err.h>
#include <sdm/handoff.h>
#include <sdm/types.h>

/* TPM_ALG_ID values (TPM 2.0 Library, Part 2, table 9). */
#define EVLOG_ALG_SHA1 0x0004
#define EVLOG_ALG_SHA256 0x000b
#define EVLOG_ALG_SHA384 0x000c
#define EVLOG_ALG_SHA512 0x000d

/* Event types: PFP 10.4.1 (EV_ names with an EVLOG_ prefix). */
#define EVLOG_EV_PREBOOT_CERT 0x00000000u
#define EVLOG_EV_POST_CODE 0x00000001u
#define EVLOG_EV_NO_ACTION 0x00000003u  /* not extended: facts, Spec ID */
#define EVLOG_EV_SEPARATOR 0x00000004u
#define EVLOG_EV_ACTION 0x00000005u
#define EVLOG_EV_EVENT_TAG 0x00000006u
#define EVLOG_EV_S_CRTM_CONTENTS 0x00000007u
#define EVLOG_EV_S_CRTM_VERSION 0x00000008u
#define EVLOG_EV_CPU_MICROCODE 0x00000009u
#define EVLOG_EV_PLATFORM_CONFIG_FLAGS 0x0000000au
#define EVLOG_EV_TABLE_OF_DEVICES 0x0000000bu
#define EVLOG_EV_COMPACT_HASH 0x0000000cu
#define EVLOG_EV_IPL 0x0000000du         /* loaded code/data + a string */
#define EVLOG_EV_IPL_PARTITION_DATA 0x0000000eu
#define EVLOG_EV_NONHOST_CODE 0x0000000fu
#define EVLOG_EV_NONHOST_CONFIG 0x00000010u
#define EVLOG_EV_NONHOST_INFO 0x00000011u
#define EVLOG_EV_OMIT_BOOT_DEVICE_EVENTS 0x00000012u
#define EVLOG_EV_EFI_EVENT_BASE 0x80000000u

#define EVLOG_MAX_BANKS 4       /* SHA-1, SHA-256, SHA-384, SHA-512 */
#define EVLOG_MAX_DIGEST 64
#define EVLOG_NUM_PCRS 24
#define EVLOG_MAX_EVENT_DATA (1u << 20) /* bytes of one event's data */
#define EVLOG_MAX_LOG (16u << 20)       /* bytes of a whole log */
#define EVLOG_MAX_TEXT 256              /* text of one event, with NUL */

/* PFP 10.4.5.1: TCG_EfiSpecIDEvent. */
#define EVLOG_SPEC_ID_SIGNATURE "Spec ID Event03" /* 16 bytes with NUL */
#define EVLOG_SPEC_ID_FIXED 28  /* signature .. numberOfAlgorithms */
#define EVLOG_EVENT1_HDR 32     /* TCG_PCR_EVENT up to its data */
#define EVLOG_EVENT2_HDR 12     /* TCG_PCR_EVENT2 up to its digests */

/*
 * The launch event's data (EV_NO_ACTION, PCR 0), 20 bytes then text:
 *    0  signature[16]  "SDM Launch Kind\0"
 *   16  version u8     1
 *   17  kind u8        enum sdm_launch_kind
 *   18  pcr_start u8   the byte each of PCRs 17-22 held before their first
 *                      event: 0x00 (DRTM hash sequence: TXT, emulated
 *                      DRTM) or 0xff (startup value: static, unmeasured)
 *   19  reserved u8    0
 *   20  text[]         NUL-terminated, the last byte of the data
 */
#define EVLOG_LAUNCH_SIGNATURE "SDM Launch Kind"
#define EVLOG_LAUNCH_VERSION 1
#define EVLOG_LAUNCH_FIXED 20
#define EVLOG_LAUNCH_PCR 0

enum evlog_format {
	EVLOG_FORMAT_TPM12 = 1, /* TCG_PCR_EVENT, SHA-1 only */
	EVLOG_FORMAT_TPM2 = 2,  /* Spec ID event + TCG_PCR_EVENT2 */
};

struct evlog_bank {
	uint16_t alg;  /* EVLOG_ALG_* */
	uint16_t size; /* digest bytes */
};

/* Digests supplied by a caller, one per bank, in any order. */
struct evlog_digest {
	uint16_t alg;
	uint8_t bytes[EVLOG_MAX_DIGEST];
};
struct evlog_digests {
	unsigned count;
	struct evlog_digest d[EVLOG_MAX_BANKS];
};

/* The log's header facts: for TPM 1.2 logs one bank, SHA-1. */
struct evlog_info {
	enum evlog_format format;
	unsigned nbanks;
	struct evlog_bank banks[EVLOG_MAX_BANKS]; /* Spec ID order */
	uint32_t platform_class;                  /* Spec ID fields */
	uint8_t spec_minor, spec_major, spec_errata, uintn_size;
	uint8_t vendor_info_size;
};

/* One event as found in the log; pointers point into the log. */
struct evlog_event {
	uint32_t index;  /* 0 = first event (the Spec ID event in TPM 2.0) */
	size_t offset;   /* of the record in the log */
	size_t size;     /* of the whole record */
	bool spec_id;    /* the TPM 2.0 header event */
	uint32_t pcr;
	uint32_t type;
	unsigned ndigests; /* in log order; one per bank */
	struct evlog_event_digest {
		uint16_t alg;
		uint16_t size;
		const uint8_t *bytes;
	} digests[EVLOG_MAX_BANKS];
	const uint8_t *data;
	uint32_t data_size;
};

/* ---------------------------------------------------------------- writer */

/*
 * Writes whole events into buf. An append that does not fit writes
 * nothing, sets overflow and fails; overflow sticks, so every later append
 * fails too and the log stays a valid log of the events before it.
 */
struct evlog_writer {
	uint8_t *buf;
	size_t cap;
	size_t len;    /* bytes of complete events */
	bool overflow; /* sticky: an append did not fit */
	enum evlog_format format;
	unsigned nbanks;
	struct evlog_bank banks[EVLOG_MAX_BANKS];
	uint32_t nevents; /* written, the Spec ID event included */
};

/*
 * Starts a log in buf. TPM2: algs lists the banks (EVLOG_ALG_*, no
 * repeats, 1..EVLOG_MAX_BANKS) and the Spec ID event is written at once.
 * TPM12: algs must be NULL (nalgs 0) or SHA-1 alone; nothing is written.
 */
int evlog_writer_init(struct evlog_writer *w, enum evlog_format format,
		      void *buf, size_t cap, const uint16_t *algs,
		      unsigned nalgs, struct sdm_err *err);

/*
 * Appends one event with data[0..len). dg must hold a digest for every
 * bank of the log (extra ones are ignored); for EVLOG_EV_NO_ACTION dg
 * must be NULL and the digests are written as zeros (PFP 10.4.5).
 */
int evlog_append(struct evlog_writer *w, uint32_t pcr, uint32_t type,
		 const struct evlog_digests *dg, const void *data, size_t len,
		 struct sdm_err *err);

/*
 * The same with data = text, its NUL, then tail[0..tail_len) (tail may be
 * NULL). The text is at most EVLOG_MAX_TEXT - 1 characters.
 */
int evlog_append_text(struct evlog_writer *w, uint32_t pcr, uint32_t type,
		      const struct evlog_digests *dg, const char *text,
		      const void *tail, size_t tail_len, struct sdm_err *err);
int evlog_append_textf(struct evlog_writer *w, uint32_t pcr, uint32_t type,
		       const struct evlog_digests *dg, const void *tail,
		       size_t tail_len, struct sdm_err *err,
		       const char *fmt, ...)
	__attribute__((format(printf, 8, 9)));

/*
 * Appends the launch event (layout above) for kind, with text, or when
 * text is NULL a sentence naming the kind and the PCR 17-22 start value.
 */
int evlog_append_launch(struct evlog_writer *w, enum sdm_launch_kind kind,
			const char *text, struct sdm_err *err);

/* ---------------------------------------------------------------- parser */

/*
 * Called for each event in order, the first (Spec ID) event included. A
 * non-zero return stops the walk and is evlog_parse's result (set *err).
 */
typedef int (*evlog_event_fn)(void *ctx, const struct evlog_info *info,
			      const struct evlog_event *ev,
			      struct sdm_err *err);

/*
 * Checks the whole log of len bytes (no trailing bytes allowed) and only
 * then calls fn (may be NULL) for each event, so a malformed log calls fn
 * never. Checked: every field within the log; the Spec ID event (PCR 0,
 * zero digest, 1..EVLOG_MAX_BANKS known algorithms with their sizes, no
 * repeats, sizes consistent); each event's PCR index below 24, digest
 * count equal to the banks, each algorithm a Spec ID bank and none twice,
 * data size at most EVLOG_MAX_EVENT_DATA; the log at most EVLOG_MAX_LOG;
 * every launch event well formed. Errors name the event and its offset.
 */
int evlog_parse(const void *buf, size_t len, evlog_event_fn fn, void *ctx,
		struct sdm_err *err);

/* ---------------------------------------------------------------- helpers */

/* Digest size of a supported algorithm, 0 if unsupported. */
unsigned evlog_alg_size(uint16_t alg);
/* "sha1", "sha256", "sha384", "sha512"; NULL if unsupported. */
const char *evlog_alg_name(uint16_t alg);
/* The digest of ev for alg, NULL if it has none. */
const uint8_t *evlog_event_digest(const struct evlog_event *ev, uint16_t alg);

/* The byte PCRs 17-22 start with for a launch kind: 0x00 or 0xff. */
uint8_t evlog_launch_pcr_start(enum sdm_launch_kind kind);
const char *evlog_launch_name(enum sdm_launch_kind kind);

struct evlog_launch {
	enum sdm_launch_kind kind;
	uint8_t pcr_start;
	const char *text; /* NUL-terminated, inside the event */
};

/*
 * 1 and *out filled if ev is a launch event, 0 if it is not one (other
 * type or signature), negative with *err if it carries the signature but
 * is malformed.
 */
int evlog_launch_decode(const struct evlog_event *ev, struct evlog_launch *out,
			struct sdm_err *err);

#endif
