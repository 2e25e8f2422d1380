/*
 * sdm eventlog show|replay: print a TCG event log (TPM 2.0 crypto agile or
 * TPM 1.2) one line per event, or replay it with OpenSSL into PCR values
 * and compare them with a PCR values file (format in cmds.h). The log is
 * parsed by tpm/eventlog.c, the same code sinit and dommgr use.
 */
#include <errno.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <openssl/evp.h>

#include <sdm/hex.h>

#include "cmds.h"
#include "sdm.h"
#include "util.h"

#define EVENTLOG_USAGE \
	"usage: sdm eventlog show FILE [--json]\n" \
	"       sdm eventlog replay FILE [--pcrs PCRS.txt] [--json]\n" \
	"\n" \
	"Reads a TCG event log: TPM 2.0 crypto agile (Spec ID Event03 header,\n" \
	"TCG_PCR_EVENT2 records) or TPM 1.2 (TCG_PCR_EVENT records).\n" \
	"\n" \
	"  show     one line per event: index, PCR, type, digests (first 4\n" \
	"           bytes), and what was measured\n" \
	"  replay   the value of every PCR the log extends, per bank, as lines\n" \
	"           'sha256:17 0x...' (the format of 'sdm tpm pcrs'); PCRs\n" \
	"           17-22 start as the log's launch event says\n" \
	"  --pcrs PCRS.txt   compare with these values: one line per PCR,\n" \
	"           'match' or 'MISMATCH' with both values\n" \
	"  --json   machine-readable output\n" \
	"\n" \
	"Exit status: 0 done (with --pcrs: every replayed PCR matches),\n" \
	"1 a mismatch or a bad file (the message names what and where),\n" \
	"2 usage error.\n"

#define PCRS_FILE_MAX (64u * 1024u)
#define SHORT_DIGEST 4 /* bytes shown by 'show' */

/* ---------------------------------------------------------------- names */

static const struct {
	uint32_t type;
	const char *name;
} event_types[] = {
	{ 0x00000000, "EV_PREBOOT_CERT" },
	{ 0x00000001, "EV_POST_CODE" },
	{ 0x00000002, "EV_UNUSED" },
	{ 0x00000003, "EV_NO_ACTION" },
	{ 0x00000004, "EV_SEPARATOR" },
	{ 0x00000005, "EV_ACTION" },
	{ 0x00000006, "EV_EVENT_TAG" },
	{ 0x00000007, "EV_S_CRTM_CONTENTS" },
	{ 0x00000008, "EV_S_CRTM_VERSION" },
	{ 0x00000009, "EV_CPU_MICROCODE" },
	{ 0x0000000a, "EV_PLATFORM_CONFIG_FLAGS" },
	{ 0x0000000b, "EV_TABLE_OF_DEVICES" },
	{ 0x0000000c, "EV_COMPACT_HASH" },
	{ 0x0000000d, "EV_IPL" },
	{ 0x0000000e, "EV_IPL_PARTITION_DATA" },
	{ 0x0000000f, "EV_NONHOST_CODE" },
	{ 0x00000010, "EV_NONHOST_CONFIG" },
	{ 0x00000011, "EV_NONHOST_INFO" },
	{ 0x00000012, "EV_OMIT_BOOT_DEVICE_EVENTS" },
	{ 0x80000001, "EV_EFI_VARIABLE_DRIVER_CONFIG" },
	{ 0x80000002, "EV_EFI_VARIABLE_BOOT" },
	{ 0x80000003, "EV_EFI_BOOT_SERVICES_APPLICATION" },
	{ 0x80000004, "EV_EFI_BOOT_SERVICES_DRIVER" },
	{ 0x80000005, "EV_EFI_RUNTIME_SERVICES_DRIVER" },
	{ 0x80000006, "EV_EFI_GPT_EVENT" },
	{ 0x80000007, "EV_EFI_ACTION" },
	{ 0x80000008, "EV_EFI_PLATFORM_FIRMWARE_BLOB" },
	{ 0x80000009, "EV_EFI_HANDOFF_TABLES" },
	{ 0x8000000a, "EV_EFI_PLATFORM_FIRMWARE_BLOB2" },
	{ 0x8000000b, "EV_EFI_HANDOFF_TABLES2" },
	{ 0x8000000c, "EV_EFI_VARIABLE_BOOT2" },
	{ 0x80000010, "EV_EFI_HCRTM_EVENT" },
	{ 0x800000e0, "EV_EFI_VARIABLE_AUTHORITY" },
	{ 0x800000e1, "EV_EFI_SPDM_FIRMWARE_BLOB" },
	{ 0x800000e2, "EV_EFI_SPDM_FIRMWARE_CONFIG" },
};

/* The PFP name of an event type, or its number in buf. */
static const char *type_name(uint32_t type, char *buf, size_t len)
{
	for (size_t i = 0; i < ARRAY_SIZE(event_types); i++)
		if (event_types[i].type == type)
			return event_types[i].name;
	snprintf(buf, len, "0x%08x", type);
	return buf;
}

/* PFP 10.4.5.3: StartupLocality, EV_NO_ACTION on PCR 0. */
static const char startup_locality_sig[16] = "StartupLocality";

/* 1 and *locality if ev is a StartupLocality event. */
static int startup_locality(const struct evlog_event *ev, uint8_t *locality)
{
	if (ev->type != EVLOG_EV_NO_ACTION || ev->spec_id || ev->pcr != 0 ||
	    ev->data_size != sizeof(startup_locality_sig) + 1 ||
	    memcmp(ev->data, startup_locality_sig,
		   sizeof(startup_locality_sig)) != 0)
		return 0;
	*locality = ev->data[sizeof(startup_locality_sig)];
	return 1;
}

/* ---------------------------------------------------------------- PCR sets */

static const uint16_t slot_algs[CMD_EVENTLOG_NBANKS] = {
	EVLOG_ALG_SHA1, EVLOG_ALG_SHA256, EVLOG_ALG_SHA384, EVLOG_ALG_SHA512,
};

int cmd_eventlog_bank_slot(uint16_t alg)
{
	for (int i = 0; i < CMD_EVENTLOG_NBANKS; i++)
		if (slot_algs[i] == alg)
			return i;
	return -1;
}

uint16_t cmd_eventlog_slot_alg(int slot)
{
	return slot >= 0 && slot < CMD_EVENTLOG_NBANKS ? slot_algs[slot] : 0;
}

bool cmd_eventlog_pcrs_set(struct cmd_eventlog_pcrs *s, uint16_t alg,
			   unsigned pcr, const uint8_t *value)
{
	int slot = cmd_eventlog_bank_slot(alg);

	if (slot < 0 || pcr >= EVLOG_NUM_PCRS)
		return false;
	memcpy(s->val[slot][pcr], value, evlog_alg_size(alg));
	s->have[slot] |= 1u << pcr;
	return true;
}

static void put_hex(FILE *f, const uint8_t *p, size_t n)
{
	for (size_t i = 0; i < n; i++)
		fprintf(f, "%02x", p[i]);
}

/* One non-comment line "BANK:PCR 0xHEX" (no line end, trimmed). */
static int parse_pcr_line(const char *s, size_t n, const char *name,
			  unsigned lineno, struct cmd_eventlog_pcrs *out,
			  struct sdm_err *err)
{
	uint8_t value[EVLOG_MAX_DIGEST];
	size_t i = 0, bank_len, hex_len;
	uint16_t alg = 0;
	unsigned pcr = 0, size, digits = 0;
	int slot;

	while (i < n && s[i] != ':')
		i++;
	bank_len = i;
	for (int k = 0; k < CMD_EVENTLOG_NBANKS; k++) {
		const char *bn = evlog_alg_name(slot_algs[k]);

		if (strlen(bn) == bank_len && memcmp(bn, s, bank_len) == 0)
			alg = slot_algs[k];
	}
	if (alg == 0 || i == n)
		return sdm_err_set(err, SDM_EINVAL,
			"%s line %u: expected BANK:PCR 0xHEX with BANK sha1, sha256, sha384 or sha512",
			name, lineno);
	for (i++; i < n && s[i] >= '0' && s[i] <= '9' && digits < 3; i++) {
		pcr = pcr * 10 + (unsigned)(s[i] - '0');
		digits++;
	}
	if (digits == 0 || pcr >= EVLOG_NUM_PCRS || (i < n && s[i] != ' ' &&
						     s[i] != '\t'))
		return sdm_err_set(err, SDM_EINVAL,
			"%s line %u: PCR index must be 0-%u", name, lineno,
			EVLOG_NUM_PCRS - 1);
	while (i < n && (s[i] == ' ' || s[i] == '\t'))
		i++;
	if (n - i >= 2 && s[i] == '0' && (s[i + 1] == 'x' || s[i + 1] == 'X'))
		i += 2;
	hex_len = n - i;
	size = evlog_alg_size(alg);
	if (hex_len != 2 * size)
		return sdm_err_set(err, SDM_EINVAL,
			"%s line %u: %s:%u has %zu hex digits, a %s value has %u",
			name, lineno, evlog_alg_name(alg), pcr, hex_len,
			evlog_alg_name(alg), 2 * size);
	for (unsigned k = 0; k < size; k++) {
		int hi = sdm_hex_digit(s[i + 2 * k]),
		    lo = sdm_hex_digit(s[i + 2 * k + 1]);

		if (hi < 0 || lo < 0)
			return sdm_err_set(err, SDM_EINVAL,
				"%s line %u: '%c%c' is not a hex byte", name,
				lineno, s[i + 2 * k], s[i + 2 * k + 1]);
		value[k] = (uint8_t)(hi << 4 | lo);
	}
	slot = cmd_eventlog_bank_slot(alg);
	if (out->have[slot] & (1u << pcr))
		return sdm_err_set(err, SDM_EINVAL,
			"%s line %u: %s:%u is given twice", name, lineno,
			evlog_alg_name(alg), pcr);
	cmd_eventlog_pcrs_set(out, alg, pcr, value);
	return SDM_OK;
}

int cmd_eventlog_pcrs_parse(const char *text, size_t len, const char *name,
			    struct cmd_eventlog_pcrs *out, struct sdm_err *err)
{
	size_t pos = 0;
	unsigned lineno = 0;

	memset(out, 0, sizeof(*out));
	if (memchr(text, '\0', len) != NULL)
		return sdm_err_set(err, SDM_EINVAL,
			"%s: a NUL byte: not a text file", name);
	while (pos < len) {
		const char *line = text + pos;
		const char *nl = memchr(line, '\n', len - pos);
		size_t n = nl != NULL ? (size_t)(nl - line) : len - pos;
		int rc;

		pos += n + (nl != NULL);
		lineno++;
		while (n > 0 && (line[n - 1] == '\r' || line[n - 1] == ' ' ||
				 line[n - 1] == '\t'))
			n--;
		while (n > 0 && (line[0] == ' ' || line[0] == '\t')) {
			line++;
			n--;
		}
		if (n == 0 || line[0] == '#')
			continue;
		rc = parse_pcr_line(line, n, name, lineno, out, err);
		if (rc != SDM_OK)
			return rc;
	}
	return SDM_OK;
}

void cmd_eventlog_pcrs_print(FILE *f, const struct cmd_eventlog_pcrs *s,
			     bool json)
{
	bool first = true;

	if (json)
		fprintf(f, "[");
	for (int b = 0; b < CMD_EVENTLOG_NBANKS; b++) {
		uint16_t alg = slot_algs[b];

		for (unsigned pcr = 0; pcr < EVLOG_NUM_PCRS; pcr++) {
			if (!(s->have[b] & (1u << pcr)))
				continue;
			if (json)
				fprintf(f, "%s\n  {\"bank\": \"%s\", \"pcr\": %u, \"value\": \"",
					first ? "" : ",", evlog_alg_name(alg), pcr);
			else
				fprintf(f, "%s:%u 0x", evlog_alg_name(alg), pcr);
			put_hex(f, s->val[b][pcr], evlog_alg_size(alg));
			fprintf(f, json ? "\"}" : "\n");
			first = false;
		}
	}
	if (json)
		fprintf(f, "\n]");
}

/* ---------------------------------------------------------------- replay */

/* Fetched once: OpenSSL 3 looks an implicit EVP_sha256() up per call. */
static const EVP_MD *bank_md(uint16_t alg)
{
	static EVP_MD *md[CMD_EVENTLOG_NBANKS];
	static const char *const names[CMD_EVENTLOG_NBANKS] = {
		"SHA1", "SHA256", "SHA384", "SHA512",
	};
	int slot = cmd_eventlog_bank_slot(alg);

	if (slot < 0)
		return NULL;
	if (md[slot] == NULL)
		md[slot] = EVP_MD_fetch(NULL, names[slot], NULL);
	return md[slot];
}

struct replay_state {
	struct cmd_eventlog_replay *out;
	/* Current value by Spec ID bank index. */
	uint8_t cur[EVLOG_MAX_BANKS][EVLOG_NUM_PCRS][EVLOG_MAX_DIGEST];
	uint32_t extended; /* bit n: PCR n was extended */
};

/* One digest context per bank slot, reused from log to log (each extend
 * is EVP_DigestInit_ex2/Update/Final on it: no context allocated and
 * freed per event), and the replay state. */
struct cmd_eventlog_replayer {
	EVP_MD_CTX *ctx[CMD_EVENTLOG_NBANKS];
	struct replay_state st;
};

struct cmd_eventlog_replayer *cmd_eventlog_replayer_new(void)
{
	struct cmd_eventlog_replayer *r = calloc(1, sizeof(*r));

	if (r == NULL)
		return NULL;
	for (int i = 0; i < CMD_EVENTLOG_NBANKS; i++)
		if ((r->ctx[i] = EVP_MD_CTX_new()) == NULL) {
			cmd_eventlog_replayer_free(r);
			return NULL;
		}
	return r;
}

void cmd_eventlog_replayer_free(struct cmd_eventlog_replayer *r)
{
	if (r == NULL)
		return;
	for (int i = 0; i < CMD_EVENTLOG_NBANKS; i++)
		EVP_MD_CTX_free(r->ctx[i]);
	free(r);
}

/* out = H(cur || d), both size bytes, on the slot's reused context. */
static bool extend(struct cmd_eventlog_replayer *r, uint16_t alg,
		   const uint8_t *cur, const uint8_t *d, unsigned size,
		   uint8_t *out)
{
	int slot = cmd_eventlog_bank_slot(alg);
	const EVP_MD *md = bank_md(alg);
	EVP_MD_CTX *c;
	unsigned outlen = 0;

	if (slot < 0 || md == NULL)
		return false;
	c = r->ctx[slot];
	return EVP_DigestInit_ex2(c, md, NULL) == 1 &&
	       EVP_DigestUpdate(c, cur, size) == 1 &&
	       EVP_DigestUpdate(c, d, size) == 1 &&
	       EVP_DigestFinal_ex(c, out, &outlen) == 1 && outlen == size;
}

#define DRTM_PCRS (0x3fu << 17) /* PCRs 17-22 */

static int replay_event(void *ctx, const struct evlog_info *info,
			const struct evlog_event *ev, struct sdm_err *err)
{
	struct cmd_eventlog_replayer *r = ctx;
	struct replay_state *st = &r->st;
	struct evlog_launch launch;
	uint8_t locality;
	int rc;

	st->out->info = *info;
	st->out->nevents = ev->index + 1;
	if (ev->spec_id)
		return 0;
	if (ev->type == EVLOG_EV_NO_ACTION) {
		rc = evlog_launch_decode(ev, &launch, err);
		if (rc < 0)
			return rc;
		if (rc == 1) {
			if (st->out->launch_seen)
				return sdm_err_set(err, SDM_EINVAL,
					"event %u at offset 0x%zx: a second launch event",
					ev->index, ev->offset);
			st->out->launch_seen = true;
			st->out->launch = launch.kind;
			for (unsigned b = 0; b < info->nbanks; b++)
				for (unsigned p = 17; p <= 22; p++)
					memset(st->cur[b][p], launch.pcr_start,
					       info->banks[b].size);
		} else if (startup_locality(ev, &locality)) {
			if (st->extended & 1u)
				return sdm_err_set(err, SDM_EINVAL,
					"event %u at offset 0x%zx: StartupLocality after PCR 0 was extended",
					ev->index, ev->offset);
			for (unsigned b = 0; b < info->nbanks; b++) {
				unsigned size = info->banks[b].size;

				memset(st->cur[b][0], 0, size);
				st->cur[b][0][size - 1] = locality;
			}
		}
		return 0;
	}
	if ((DRTM_PCRS & (1u << ev->pcr)) && !st->out->launch_seen)
		return sdm_err_set(err, SDM_EINVAL,
			"event %u at offset 0x%zx: PCR %u extended before a launch event says how PCRs 17-22 started",
			ev->index, ev->offset, ev->pcr);
	for (unsigned b = 0; b < info->nbanks; b++) {
		uint16_t alg = info->banks[b].alg;
		unsigned size = info->banks[b].size;
		const uint8_t *d = evlog_event_digest(ev, alg);
		uint8_t *cur = st->cur[b][ev->pcr];

		if (d == NULL)
			return sdm_err_set(err, SDM_EINVAL,
				"event %u at offset 0x%zx: no %s digest",
				ev->index, ev->offset, evlog_alg_name(alg));
		if (!extend(r, alg, cur, d, size, cur))
			return sdm_err_set(err, SDM_EIO,
				"event %u: OpenSSL %s failed", ev->index,
				evlog_alg_name(alg));
	}
	st->extended |= 1u << ev->pcr;
	return 0;
}

int cmd_eventlog_replay(const void *log, size_t len,
			struct cmd_eventlog_replay *out, struct sdm_err *err)
{
	struct cmd_eventlog_replayer *r = cmd_eventlog_replayer_new();
	int rc;

	if (r == NULL) {
		memset(out, 0, sizeof(*out));
		return sdm_err_set(err, SDM_ENOMEM, "replay: out of memory");
	}
	rc = cmd_eventlog_replay_with(r, log, len, out, err);
	cmd_eventlog_replayer_free(r);
	return rc;
}

int cmd_eventlog_replay_with(struct cmd_eventlog_replayer *r, const void *log,
			     size_t len, struct cmd_eventlog_replay *out,
			     struct sdm_err *err)
{
	struct replay_state *st = &r->st;
	int rc;

	memset(out, 0, sizeof(*out));
	memset(st, 0, sizeof(*st));
	st->out = out;
	rc = evlog_parse(log, len, replay_event, r, err);
	if (rc == SDM_OK) {
		for (unsigned b = 0; b < out->info.nbanks; b++)
			for (unsigned p = 0; p < EVLOG_NUM_PCRS; p++)
				if (st->extended & (1u << p))
					cmd_eventlog_pcrs_set(&out->pcrs,
						out->info.banks[b].alg, p,
						st->cur[b][p]);
	} else {
		memset(out, 0, sizeof(*out));
	}
	return rc;
}

unsigned cmd_eventlog_compare(FILE *f, const struct cmd_eventlog_pcrs *replayed,
			      const struct cmd_eventlog_pcrs *expected,
			      bool json)
{
	unsigned bad = 0;
	bool first = true;

	if (json)
		fprintf(f, "[");
	for (int b = 0; b < CMD_EVENTLOG_NBANKS; b++) {
		const char *bank = evlog_alg_name(slot_algs[b]);
		unsigned size = evlog_alg_size(slot_algs[b]);

		for (unsigned p = 0; p < EVLOG_NUM_PCRS; p++) {
			bool have = expected->have[b] & (1u << p), match;

			if (!(replayed->have[b] & (1u << p)))
				continue;
			match = have && memcmp(replayed->val[b][p],
					       expected->val[b][p], size) == 0;
			bad += !match;
			if (json) {
				fprintf(f, "%s\n  {\"bank\": \"%s\", \"pcr\": %u, \"match\": %s, \"log\": \"",
					first ? "" : ",", bank, p,
					match ? "true" : "false");
				put_hex(f, replayed->val[b][p], size);
				fprintf(f, "\", \"tpm\": ");
				if (have) {
					fprintf(f, "\"");
					put_hex(f, expected->val[b][p], size);
					fprintf(f, "\"}");
				} else {
					fprintf(f, "null}");
				}
				first = false;
				continue;
			}
			fprintf(f, "%s:%u %s", bank, p,
				match ? "match 0x" : "MISMATCH log 0x");
			put_hex(f, replayed->val[b][p], size);
			if (!match && have) {
				fprintf(f, " tpm 0x");
				put_hex(f, expected->val[b][p], size);
			} else if (!match) {
				fprintf(f, " tpm absent");
			}
			fprintf(f, "\n");
		}
	}
	if (json)
		fprintf(f, "\n]");
	return bad;
}

/* ---------------------------------------------------------------- show */

/* data = printable text, then a NUL and tail bytes (or no NUL at all). */
static bool split_text(const uint8_t *d, size_t n, size_t *text_len,
		       size_t *tail)
{
	size_t i = 0;

	while (i < n && d[i] >= 0x20 && d[i] < 0x7f)
		i++;
	if (i == 0 || (i < n && d[i] != 0))
		return false;
	*text_len = i;
	*tail = i < n ? n - i - 1 : 0;
	return true;
}

static void put_json_str(FILE *f, const uint8_t *s, size_t n)
{
	fputc('"', f);
	for (size_t i = 0; i < n; i++) {
		if (s[i] == '"' || s[i] == '\\')
			fprintf(f, "\\%c", s[i]);
		else if (s[i] < 0x20 || s[i] >= 0x7f)
			fprintf(f, "\\u%04x", s[i]);
		else
			fputc(s[i], f);
	}
	fputc('"', f);
}

/* Quoted for a terminal: a hostile log's bytes cannot become escapes. */
static void put_quoted(FILE *f, const uint8_t *s, size_t n)
{
	fputc('"', f);
	for (size_t i = 0; i < n; i++) {
		if (s[i] == '"' || s[i] == '\\')
			fprintf(f, "\\%c", s[i]);
		else if (s[i] < 0x20 || s[i] >= 0x7f)
			fprintf(f, "\\x%02x", s[i]);
		else
			fputc(s[i], f);
	}
	fputc('"', f);
}

struct show_state {
	FILE *f;
	const char *path;
	size_t size;
	bool json;
};

/* What the event says, for a human. */
static void describe(FILE *f, const struct evlog_info *info,
		     const struct evlog_event *ev)
{
	struct evlog_launch launch;
	size_t text_len, tail;
	uint8_t locality;

	if (ev->spec_id) {
		fprintf(f, "Spec ID Event03: banks");
		for (unsigned b = 0; b < info->nbanks; b++)
			fprintf(f, " %s", evlog_alg_name(info->banks[b].alg));
		fprintf(f, " (spec %u.%u errata %u, uintnSize %u)",
			info->spec_major, info->spec_minor, info->spec_errata,
			info->uintn_size);
		return;
	}
	if (evlog_launch_decode(ev, &launch, NULL) == 1) {
		const uint8_t *t = (const uint8_t *)launch.text;

		put_quoted(f, t, strnlen(launch.text, ev->data_size -
					 EVLOG_LAUNCH_FIXED));
		fprintf(f, " [launch %s, PCRs 17-22 from 0x%02x]",
			evlog_launch_name(launch.kind), launch.pcr_start);
		return;
	}
	if (startup_locality(ev, &locality)) {
		fprintf(f, "StartupLocality %u", locality);
		return;
	}
	if (ev->data_size == 0) {
		fprintf(f, "(no data)");
		return;
	}
	if (split_text(ev->data, ev->data_size, &text_len, &tail)) {
		put_quoted(f, ev->data, text_len);
		if (tail > 0)
			fprintf(f, " +%zu bytes", tail);
		return;
	}
	fprintf(f, "%u bytes: ", ev->data_size);
	put_hex(f, ev->data, ev->data_size < 16 ? ev->data_size : 16);
	if (ev->data_size > 16)
		fprintf(f, "...");
}

static const char *format_name(enum evlog_format f)
{
	return f == EVLOG_FORMAT_TPM2 ? "tpm2" : "tpm12";
}

static void show_header(struct show_state *st, const struct evlog_info *info)
{
	FILE *f = st->f;

	if (st->json) {
		fprintf(f, "{\"file\": ");
		put_json_str(f, (const uint8_t *)st->path, strlen(st->path));
		fprintf(f, ", \"size\": %zu, \"format\": \"%s\", \"banks\": [",
			st->size, format_name(info->format));
		for (unsigned b = 0; b < info->nbanks; b++)
			fprintf(f, "%s\"%s\"", b == 0 ? "" : ", ",
				evlog_alg_name(info->banks[b].alg));
		fprintf(f, "],\n \"events\": [");
		return;
	}
	fprintf(f, "# %s: %s log, %zu bytes, banks", st->path,
		info->format == EVLOG_FORMAT_TPM2 ? "TPM 2.0 crypto-agile" :
		"TPM 1.2", st->size);
	for (unsigned b = 0; b < info->nbanks; b++)
		fprintf(f, " %s", evlog_alg_name(info->banks[b].alg));
	fprintf(f, "\n");
}

static int show_event(void *ctx, const struct evlog_info *info,
		      const struct evlog_event *ev, struct sdm_err *err)
{
	struct show_state *st = ctx;
	FILE *f = st->f;
	char tbuf[16];
	const char *tname = type_name(ev->type, tbuf, sizeof(tbuf));
	size_t text_len, tail;

	if (ev->index == 0)
		show_header(st, info);
	if (!st->json) {
		fprintf(f, "%4u  PCR %2u  %-13s ", ev->index, ev->pcr, tname);
		for (unsigned i = 0; i < ev->ndigests; i++) {
			fprintf(f, "%s:", evlog_alg_name(ev->digests[i].alg));
			put_hex(f, ev->digests[i].bytes, SHORT_DIGEST);
			fputc(' ', f);
		}
		fputc(' ', f);
		describe(f, info, ev);
		fputc('\n', f);
		return 0;
	}
	fprintf(f, "%s\n    {\"index\": %u, \"offset\": %zu, \"pcr\": %u, \"type\": \"%s\", \"type_value\": %u,\n     \"digests\": {",
		ev->index == 0 ? "" : ",", ev->index, ev->offset, ev->pcr,
		tname, ev->type);
	for (unsigned i = 0; i < ev->ndigests; i++) {
		fprintf(f, "%s\"%s\": \"", i == 0 ? "" : ", ",
			evlog_alg_name(ev->digests[i].alg));
		put_hex(f, ev->digests[i].bytes, ev->digests[i].size);
		fputc('"', f);
	}
	fprintf(f, "},\n     \"data_size\": %u, \"text\": ", ev->data_size);
	if (split_text(ev->data, ev->data_size, &text_len, &tail))
		put_json_str(f, ev->data, text_len);
	else
		fprintf(f, "null");
	fprintf(f, ", \"data\": \"");
	put_hex(f, ev->data, ev->data_size);
	fprintf(f, "\"}");
	return 0;
}

/* ---------------------------------------------------------------- command */

/* Reads a whole file of at most cap bytes into a malloc'ed buffer. */
static int read_file(const char *path, size_t cap, uint8_t **out, size_t *len,
		     char *err, size_t errlen)
{
	uint8_t *buf = malloc(cap > 0 ? cap : 1);
	size_t total;

	if (buf == NULL)
		return sdm_fail(err, errlen, "%s: out of memory", path);
	if (sdm_read_head(path, buf, cap, len, &total, err, errlen) != 0) {
		free(buf);
		return -1;
	}
	if (total > cap || *len != total) {
		free(buf);
		return sdm_fail(err, errlen, "%s: %zu bytes, at most %zu allowed",
				path, total, cap);
	}
	*out = buf;
	return 0;
}

static int do_show(const char *path, const uint8_t *log, size_t len, bool json)
{
	struct show_state st = { stdout, path, len, json };
	struct sdm_err err = { 0 };

	/* evlog_parse checks the whole log before the first callback. */
	if (evlog_parse(log, len, show_event, &st, &err) != SDM_OK) {
		fprintf(stderr, "sdm eventlog show: %s: %s\n", path, err.msg);
		return SDM_EXIT_FAILURE;
	}
	if (json)
		printf("\n ]}\n");
	return SDM_EXIT_OK;
}

static unsigned count_pcrs(const struct cmd_eventlog_pcrs *s)
{
	unsigned n = 0;

	for (int b = 0; b < CMD_EVENTLOG_NBANKS; b++)
		n += (unsigned)__builtin_popcount(s->have[b]);
	return n;
}

static int do_replay(const char *path, const uint8_t *log, size_t len,
		     const char *pcrs_path, bool json)
{
	struct cmd_eventlog_replay *r = calloc(1, sizeof(*r));
	struct cmd_eventlog_pcrs *want = calloc(1, sizeof(*want));
	struct sdm_err err = { 0 };
	char msg[512];
	uint8_t *text = NULL;
	size_t text_len = 0;
	unsigned bad = 0;
	int rc = SDM_EXIT_FAILURE;

	if (r == NULL || want == NULL) {
		fprintf(stderr, "sdm eventlog replay: out of memory\n");
		goto out;
	}
	if (cmd_eventlog_replay(log, len, r, &err) != SDM_OK) {
		fprintf(stderr, "sdm eventlog replay: %s: %s\n", path, err.msg);
		goto out;
	}
	if (pcrs_path != NULL) {
		if (read_file(pcrs_path, PCRS_FILE_MAX, &text, &text_len, msg,
			      sizeof(msg)) != 0) {
			fprintf(stderr, "sdm eventlog replay: %s\n", msg);
			goto out;
		}
		if (cmd_eventlog_pcrs_parse((const char *)text, text_len,
					    pcrs_path, want, &err) != SDM_OK) {
			fprintf(stderr, "sdm eventlog replay: %s\n", err.msg);
			goto out;
		}
	}
	if (json) {
		printf("{\"file\": ");
		put_json_str(stdout, (const uint8_t *)path, strlen(path));
		printf(", \"format\": \"%s\", \"events\": %u, \"launch\": ",
		       format_name(r->info.format), r->nevents);
		if (r->launch_seen)
			printf("\"%s\"", evlog_launch_name(r->launch));
		else
			printf("null");
		printf(",\n \"pcrs\": ");
	} else {
		printf("# %s: %s log, %u events, launch %s\n", path,
		       r->info.format == EVLOG_FORMAT_TPM2 ? "TPM 2.0" : "TPM 1.2",
		       r->nevents,
		       r->launch_seen ? evlog_launch_name(r->launch) : "not recorded");
	}
	if (pcrs_path != NULL) {
		bad = cmd_eventlog_compare(stdout, &r->pcrs, want, json);
		if (!json)
			printf("# %u of %u PCR values match %s\n",
			       count_pcrs(&r->pcrs) - bad,
			       count_pcrs(&r->pcrs), pcrs_path);
	} else
		cmd_eventlog_pcrs_print(stdout, &r->pcrs, json);
	if (json)
		printf(",\n \"match\": %s}\n",
		       pcrs_path == NULL ? "null" : bad == 0 ? "true" : "false");
	if (bad != 0) {
		fprintf(stderr, "sdm eventlog replay: %u PCR value%s of %s differ from %s\n",
			bad, bad == 1 ? "" : "s", path, pcrs_path);
		goto out;
	}
	rc = SDM_EXIT_OK;
out:
	free(text);
	free(want);
	free(r);
	return rc;
}

int sdm_cmd_eventlog(int argc, char **argv)
{
	const char *action = NULL, *path = NULL, *pcrs = NULL;
	bool json = false;
	char msg[512];
	uint8_t *log;
	size_t len;
	int rc;

	for (int i = 1; i < argc; i++) {
		const char *a = argv[i];

		if (strcmp(a, "--help") == 0 || strcmp(a, "-h") == 0) {
			fputs(EVENTLOG_USAGE, stdout);
			return SDM_EXIT_OK;
		} else if (strcmp(a, "--json") == 0) {
			json = true;
		} else if (strcmp(a, "--pcrs") == 0) {
			if (i + 1 == argc || pcrs != NULL)
				goto usage;
			pcrs = argv[++i];
		} else if (a[0] == '-' && a[1] != '\0') {
			fprintf(stderr, "sdm eventlog: unknown option '%s'\n", a);
			goto usage;
		} else if (action == NULL) {
			action = a;
		} else if (path == NULL) {
			path = a;
		} else {
			goto usage;
		}
	}
	if (action == NULL || path == NULL ||
	    (strcmp(action, "show") != 0 && strcmp(action, "replay") != 0) ||
	    (pcrs != NULL && strcmp(action, "replay") != 0))
		goto usage;
	if (read_file(path, EVLOG_MAX_LOG, &log, &len, msg, sizeof(msg)) != 0) {
		fprintf(stderr, "sdm eventlog %s: %s\n", action, msg);
		return SDM_EXIT_FAILURE;
	}
	if (strcmp(action, "show") == 0)
		rc = do_show(path, log, len, json);
	else
		rc = do_replay(path, log, len, pcrs, json);
	free(log);
	return rc;
usage:
	fputs(EVENTLOG_USAGE, stderr);
	return SDM_EXIT_USAGE;
}
