/*
 * TCG event log writer and parser (see eventlog.h for both formats and
 * the replay rules). Freestanding: no allocation, no hashing; the caller
 * supplies the digests. Every read of a log is bounds-checked first.
 */
#include <stdio.h>
#include <string.h>
#include "tpm/eventlog.h"

static const struct evlog_bank known_algs[] = {
	{ EVLOG_ALG_SHA1, 20 },
	{ EVLOG_ALG_SHA256, 32 },
	{ EVLOG_ALG_SHA384, 48 },
	{ EVLOG_ALG_SHA512, 64 },
};

static const char spec_id_sig[16] = EVLOG_SPEC_ID_SIGNATURE;
static const char launch_sig[16] = EVLOG_LAUNCH_SIGNATURE;
SDM_STATIC_ASSERT(sizeof(EVLOG_SPEC_ID_SIGNATURE) == 16, "Spec ID signature");
SDM_STATIC_ASSERT(sizeof(EVLOG_LAUNCH_SIGNATURE) == 16, "launch signature");

/* PFP 10.4.5.1: the Spec ID values this writer puts in its header. */
#define SPEC_ID_PLATFORM_CLIENT 0
#define SPEC_ID_VERSION_MINOR 0
#define SPEC_ID_VERSION_MAJOR 2
#define SPEC_ID_ERRATA 2
#define SPEC_ID_UINTN_UINT64 2

static void put_le16(uint8_t *p, uint16_t v)
{
	p[0] = (uint8_t)v;
	p[1] = (uint8_t)(v >> 8);
}

static void put_le32(uint8_t *p, uint32_t v)
{
	p[0] = (uint8_t)v;
	p[1] = (uint8_t)(v >> 8);
	p[2] = (uint8_t)(v >> 16);
	p[3] = (uint8_t)(v >> 24);
}

static uint16_t get_le16(const uint8_t *p)
{
	return (uint16_t)(p[0] | p[1] << 8);
}

static uint32_t get_le32(const uint8_t *p)
{
	return (uint32_t)p[0] | (uint32_t)p[1] << 8 | (uint32_t)p[2] << 16 |
	       (uint32_t)p[3] << 24;
}

unsigned evlog_alg_size(uint16_t alg)
{
	for (size_t i = 0; i < ARRAY_SIZE(known_algs); i++)
		if (known_algs[i].alg == alg)
			return known_algs[i].size;
	return 0;
}

const char *evlog_alg_name(uint16_t alg)
{
	switch (alg) {
	case EVLOG_ALG_SHA1: return "sha1";
	case EVLOG_ALG_SHA256: return "sha256";
	case EVLOG_ALG_SHA384: return "sha384";
	case EVLOG_ALG_SHA512: return "sha512";
	default: return NULL;
	}
}

const uint8_t *evlog_event_digest(const struct evlog_event *ev, uint16_t alg)
{
	for (unsigned i = 0; i < ev->ndigests && i < EVLOG_MAX_BANKS; i++)
		if (ev->digests[i].alg == alg)
			return ev->digests[i].bytes;
	return NULL;
}

uint8_t evlog_launch_pcr_start(enum sdm_launch_kind kind)
{
	return kind == SDM_LAUNCH_TXT || kind == SDM_LAUNCH_EMULATED_DRTM ?
		0x00 : 0xff;
}

const char *evlog_launch_name(enum sdm_launch_kind kind)
{
	switch (kind) {
	case SDM_LAUNCH_UNMEASURED: return "unmeasured";
	case SDM_LAUNCH_STATIC: return "static";
	case SDM_LAUNCH_EMULATED_DRTM: return "emulated DRTM";
	case SDM_LAUNCH_TXT: return "Intel TXT";
	default: return "unknown";
	}
}

/* ---------------------------------------------------------------- writer */

/* Leaves w closed: every later append fails. */
static int writer_refuse(struct evlog_writer *w, int code)
{
	memset(w, 0, sizeof(*w));
	w->overflow = true;
	return code;
}

int evlog_writer_init(struct evlog_writer *w, enum evlog_format format,
		      void *buf, size_t cap, const uint16_t *algs,
		      unsigned nalgs, struct sdm_err *err)
{
	uint8_t *p;
	uint32_t data_size;

	if (buf == NULL && cap != 0)
		return writer_refuse(w, sdm_err_set(err, SDM_EINVAL,
			"event log: no buffer for %zu bytes", cap));
	if (format == EVLOG_FORMAT_TPM12) {
		if (nalgs > 1 || (nalgs == 1 && (algs == NULL ||
						 algs[0] != EVLOG_ALG_SHA1)))
			return writer_refuse(w, sdm_err_set(err, SDM_EINVAL,
				"event log: a TPM 1.2 log has one bank, sha1"));
		memset(w, 0, sizeof(*w));
		w->buf = buf;
		w->cap = cap;
		w->format = format;
		w->nbanks = 1;
		w->banks[0] = known_algs[0];
		return SDM_OK;
	}
	if (format != EVLOG_FORMAT_TPM2)
		return writer_refuse(w, sdm_err_set(err, SDM_EINVAL,
			"event log: unknown format %d", (int)format));
	if (algs == NULL || nalgs == 0 || nalgs > EVLOG_MAX_BANKS)
		return writer_refuse(w, sdm_err_set(err, SDM_EINVAL,
			"event log: %u banks, 1 to %u supported", nalgs,
			EVLOG_MAX_BANKS));

	memset(w, 0, sizeof(*w));
	for (unsigned i = 0; i < nalgs; i++) {
		unsigned size = evlog_alg_size(algs[i]);

		if (size == 0)
			return writer_refuse(w, sdm_err_set(err, SDM_EINVAL,
				"event log: algorithm 0x%04x is not supported",
				algs[i]));
		for (unsigned j = 0; j < i; j++)
			if (algs[j] == algs[i])
				return writer_refuse(w, sdm_err_set(err,
					SDM_EINVAL, "event log: bank %s twice",
					evlog_alg_name(algs[i])));
		w->banks[i].alg = algs[i];
		w->banks[i].size = (uint16_t)size;
	}
	w->nbanks = nalgs;
	w->buf = buf;
	w->cap = cap;
	w->format = format;

	/* The Spec ID event: a TCG_PCR_EVENT with the SHA-1 layout. */
	data_size = EVLOG_SPEC_ID_FIXED + 4 * nalgs + 1;
	if (EVLOG_EVENT1_HDR + data_size > cap) {
		w->overflow = true;
		return sdm_err_set(err, SDM_ENOSPC,
			"event log full: the Spec ID event needs %u bytes, the buffer has %zu",
			EVLOG_EVENT1_HDR + data_size, cap);
	}
	p = w->buf;
	memset(p, 0, EVLOG_EVENT1_HDR + data_size);
	put_le32(p + 0, 0);
	put_le32(p + 4, EVLOG_EV_NO_ACTION);
	put_le32(p + 28, data_size);
	p += EVLOG_EVENT1_HDR;
	memcpy(p, spec_id_sig, sizeof(spec_id_sig));
	put_le32(p + 16, SPEC_ID_PLATFORM_CLIENT);
	p[20] = SPEC_ID_VERSION_MINOR;
	p[21] = SPEC_ID_VERSION_MAJOR;
	p[22] = SPEC_ID_ERRATA;
	p[23] = SPEC_ID_UINTN_UINT64;
	put_le32(p + 24, nalgs);
	for (unsigned i = 0; i < nalgs; i++) {
		put_le16(p + 28 + 4 * i, w->banks[i].alg);
		put_le16(p + 30 + 4 * i, w->banks[i].size);
	}
	p[28 + 4 * nalgs] = 0; /* vendorInfoSize */
	w->len = EVLOG_EVENT1_HDR + data_size;
	w->nevents = 1;
	return SDM_OK;
}

struct piece {
	const void *p;
	size_t n;
};

static int append_pieces(struct evlog_writer *w, uint32_t pcr, uint32_t type,
			 const struct evlog_digests *dg,
			 const struct piece *pc, unsigned npc,
			 struct sdm_err *err)
{
	const uint8_t *dig[EVLOG_MAX_BANKS] = { NULL };
	size_t data_len = 0, hdr, need;
	uint8_t *p;

	if (w->overflow)
		return sdm_err_set(err, SDM_ENOSPC,
			"event log full: an earlier event did not fit, event %u not written",
			w->nevents);
	if (pcr >= EVLOG_NUM_PCRS)
		return sdm_err_set(err, SDM_EINVAL,
			"event log: PCR %u is out of range (0-%u)", pcr,
			EVLOG_NUM_PCRS - 1);
	for (unsigned i = 0; i < npc; i++) {
		if (pc[i].p == NULL && pc[i].n != 0)
			return sdm_err_set(err, SDM_EINVAL,
				"event log: no data for %zu bytes", pc[i].n);
		if (pc[i].n > EVLOG_MAX_EVENT_DATA - data_len)
			return sdm_err_set(err, SDM_EINVAL,
				"event log: event data exceeds the limit of %u bytes",
				EVLOG_MAX_EVENT_DATA);
		data_len += pc[i].n;
	}
	if (type == EVLOG_EV_NO_ACTION) {
		if (dg != NULL)
			return sdm_err_set(err, SDM_EINVAL,
				"event log: EV_NO_ACTION events have zero digests, none may be given");
	} else {
		if (dg == NULL || dg->count > EVLOG_MAX_BANKS)
			return sdm_err_set(err, SDM_EINVAL,
				"event log: event %u on PCR %u needs one digest per bank",
				w->nevents, pcr);
		for (unsigned b = 0; b < w->nbanks; b++) {
			for (unsigned i = 0; i < dg->count; i++)
				if (dg->d[i].alg == w->banks[b].alg)
					dig[b] = dg->d[i].bytes;
			if (dig[b] == NULL)
				return sdm_err_set(err, SDM_EINVAL,
					"event log: no %s digest for event %u on PCR %u",
					evlog_alg_name(w->banks[b].alg),
					w->nevents, pcr);
		}
	}

	if (w->format == EVLOG_FORMAT_TPM2) {
		hdr = EVLOG_EVENT2_HDR + 4;
		for (unsigned b = 0; b < w->nbanks; b++)
			hdr += 2 + (size_t)w->banks[b].size;
	} else {
		hdr = EVLOG_EVENT1_HDR;
	}
	need = hdr + data_len;
	if (need > w->cap - w->len) {
		w->overflow = true;
		return sdm_err_set(err, SDM_ENOSPC,
			"event log full: event %u (%zu bytes) does not fit in the %zu bytes left",
			w->nevents, need, w->cap - w->len);
	}

	p = w->buf + w->len;
	put_le32(p, pcr);
	put_le32(p + 4, type);
	p += 8;
	if (w->format == EVLOG_FORMAT_TPM2) {
		put_le32(p, w->nbanks);
		p += 4;
		for (unsigned b = 0; b < w->nbanks; b++) {
			put_le16(p, w->banks[b].alg);
			if (dig[b] != NULL)
				memcpy(p + 2, dig[b], w->banks[b].size);
			else
				memset(p + 2, 0, w->banks[b].size);
			p += 2 + w->banks[b].size;
		}
	} else if (dig[0] != NULL) {
		memcpy(p, dig[0], 20);
		p += 20;
	} else {
		memset(p, 0, 20);
		p += 20;
	}
	put_le32(p, (uint32_t)data_len);
	p += 4;
	for (unsigned i = 0; i < npc; i++) {
		if (pc[i].n != 0)
			memcpy(p, pc[i].p, pc[i].n);
		p += pc[i].n;
	}
	w->len += need;
	w->nevents++;
	return SDM_OK;
}

int evlog_append(struct evlog_writer *w, uint32_t pcr, uint32_t type,
		 const struct evlog_digests *dg, const void *data, size_t len,
		 struct sdm_err *err)
{
	const struct piece pc = { data, len };

	return append_pieces(w, pcr, type, dg, &pc, 1, err);
}

int evlog_append_text(struct evlog_writer *w, uint32_t pcr, uint32_t type,
		      const struct evlog_digests *dg, const char *text,
		      const void *tail, size_t tail_len, struct sdm_err *err)
{
	size_t n;

	if (text == NULL)
		return sdm_err_set(err, SDM_EINVAL, "event log: no event text");
	n = strnlen(text, EVLOG_MAX_TEXT);
	if (n == EVLOG_MAX_TEXT)
		return sdm_err_set(err, SDM_EINVAL,
			"event log: event text longer than %u characters",
			EVLOG_MAX_TEXT - 1);

	const struct piece pc[] = { { text, n }, { "", 1 }, { tail, tail_len } };

	return append_pieces(w, pcr, type, dg, pc, ARRAY_SIZE(pc), err);
}

int evlog_append_textf(struct evlog_writer *w, uint32_t pcr, uint32_t type,
		       const struct evlog_digests *dg, const void *tail,
		       size_t tail_len, struct sdm_err *err,
		       const char *fmt, ...)
{
	char text[EVLOG_MAX_TEXT];
	va_list ap;
	int n;

	va_start(ap, fmt);
	n = vsnprintf(text, sizeof(text), fmt, ap);
	va_end(ap);
	if (n < 0 || n >= (int)sizeof(text))
		return sdm_err_set(err, SDM_EINVAL,
			"event log: event text longer than %u characters",
			EVLOG_MAX_TEXT - 1);
	return evlog_append_text(w, pcr, type, dg, text, tail, tail_len, err);
}

int evlog_append_launch(struct evlog_writer *w, enum sdm_launch_kind kind,
			const char *text, struct sdm_err *err)
{
	uint8_t fixed[EVLOG_LAUNCH_FIXED];
	size_t n;

	if (kind != SDM_LAUNCH_UNMEASURED && kind != SDM_LAUNCH_STATIC &&
	    kind != SDM_LAUNCH_EMULATED_DRTM && kind != SDM_LAUNCH_TXT)
		return sdm_err_set(err, SDM_EINVAL,
			"event log: launch kind %d is unknown", (int)kind);
	if (text == NULL)
		text = evlog_launch_pcr_start(kind) == 0 ?
			"PCRs 17-22 were reset to 0 by the DRTM hash sequence" :
			"no DRTM hash sequence: PCRs 17-22 keep their startup value, all ones";
	n = strnlen(text, EVLOG_MAX_TEXT);
	if (n == EVLOG_MAX_TEXT)
		return sdm_err_set(err, SDM_EINVAL,
			"event log: launch text longer than %u characters",
			EVLOG_MAX_TEXT - 1);

	memcpy(fixed, launch_sig, sizeof(launch_sig));
	fixed[16] = EVLOG_LAUNCH_VERSION;
	fixed[17] = (uint8_t)kind;
	fixed[18] = evlog_launch_pcr_start(kind);
	fixed[19] = 0;

	char head[48];
	int hn = snprintf(head, sizeof(head), "launch: %s; ",
			  evlog_launch_name(kind));

	if (hn < 0 || hn >= (int)sizeof(head) ||
	    n > EVLOG_MAX_TEXT - 1 - (size_t)hn)
		return sdm_err_set(err, SDM_EINVAL,
			"event log: launch text longer than %u characters",
			EVLOG_MAX_TEXT - 1);

	const struct piece pc[] = {
		{ fixed, sizeof(fixed) }, { head, (size_t)hn }, { text, n },
		{ "", 1 },
	};

	return append_pieces(w, EVLOG_LAUNCH_PCR, EVLOG_EV_NO_ACTION, NULL, pc,
			     ARRAY_SIZE(pc), err);
}

/* ---------------------------------------------------------------- parser */

int evlog_launch_decode(const struct evlog_event *ev, struct evlog_launch *out,
			struct sdm_err *err)
{
	const uint8_t *d = ev->data;
	uint8_t kind;

	if (ev->type != EVLOG_EV_NO_ACTION || ev->spec_id ||
	    ev->data_size < sizeof(launch_sig) ||
	    memcmp(d, launch_sig, sizeof(launch_sig)) != 0)
		return 0;
	if (ev->pcr != EVLOG_LAUNCH_PCR)
		return sdm_err_set(err, SDM_EINVAL,
			"event %u at offset 0x%zx: launch event on PCR %u, must be PCR %u",
			ev->index, ev->offset, ev->pcr, EVLOG_LAUNCH_PCR);
	if (ev->data_size < EVLOG_LAUNCH_FIXED + 1)
		return sdm_err_set(err, SDM_EINVAL,
			"event %u at offset 0x%zx: launch event of %u bytes, at least %u needed",
			ev->index, ev->offset, ev->data_size,
			EVLOG_LAUNCH_FIXED + 1);
	if (d[16] != EVLOG_LAUNCH_VERSION)
		return sdm_err_set(err, SDM_EINVAL,
			"event %u at offset 0x%zx: launch event version %u, expected %u",
			ev->index, ev->offset, d[16], EVLOG_LAUNCH_VERSION);
	kind = d[17];
	if (kind > SDM_LAUNCH_TXT)
		return sdm_err_set(err, SDM_EINVAL,
			"event %u at offset 0x%zx: launch kind %u is unknown",
			ev->index, ev->offset, kind);
	if (d[18] != evlog_launch_pcr_start((enum sdm_launch_kind)kind))
		return sdm_err_set(err, SDM_EINVAL,
			"event %u at offset 0x%zx: launch kind '%s' with PCRs 17-22 starting at 0x%02x",
			ev->index, ev->offset,
			evlog_launch_name((enum sdm_launch_kind)kind), d[18]);
	if (d[19] != 0)
		return sdm_err_set(err, SDM_EINVAL,
			"event %u at offset 0x%zx: launch event reserved byte 0x%02x",
			ev->index, ev->offset, d[19]);
	if (d[ev->data_size - 1] != 0)
		return sdm_err_set(err, SDM_EINVAL,
			"event %u at offset 0x%zx: launch event text not NUL-terminated",
			ev->index, ev->offset);
	if (out != NULL) {
		out->kind = (enum sdm_launch_kind)kind;
		out->pcr_start = d[18];
		out->text = (const char *)d + EVLOG_LAUNCH_FIXED;
	}
	return 1;
}

/* A TCG_PCR_EVENT at off: the first event of every log, all of TPM 1.2. */
static int parse_event1(const uint8_t *p, size_t len, size_t off,
			uint32_t index, struct evlog_event *ev,
			struct sdm_err *err)
{
	size_t left = len - off;

	memset(ev, 0, sizeof(*ev));
	ev->index = index;
	ev->offset = off;
	if (left < EVLOG_EVENT1_HDR)
		return sdm_err_set(err, SDM_ERANGE,
			"event %u at offset 0x%zx: %zu bytes left, a TCG_PCR_EVENT header needs %u",
			index, off, left, EVLOG_EVENT1_HDR);
	p += off;
	ev->pcr = get_le32(p);
	ev->type = get_le32(p + 4);
	ev->ndigests = 1;
	ev->digests[0].alg = EVLOG_ALG_SHA1;
	ev->digests[0].size = 20;
	ev->digests[0].bytes = p + 8;
	ev->data_size = get_le32(p + 28);
	ev->data = p + EVLOG_EVENT1_HDR;
	if (ev->pcr >= EVLOG_NUM_PCRS)
		return sdm_err_set(err, SDM_EINVAL,
			"event %u at offset 0x%zx: PCR index %u is out of range (0-%u)",
			index, off, ev->pcr, EVLOG_NUM_PCRS - 1);
	if (ev->data_size > EVLOG_MAX_EVENT_DATA)
		return sdm_err_set(err, SDM_ERANGE,
			"event %u at offset 0x%zx: event size %u exceeds the limit of %u",
			index, off, ev->data_size, EVLOG_MAX_EVENT_DATA);
	if (ev->data_size > left - EVLOG_EVENT1_HDR)
		return sdm_err_set(err, SDM_ERANGE,
			"event %u at offset 0x%zx: event data of %u bytes runs past the end of the log (%zu bytes left)",
			index, off, ev->data_size, left - EVLOG_EVENT1_HDR);
	ev->size = EVLOG_EVENT1_HDR + (size_t)ev->data_size;
	return SDM_OK;
}

static bool is_spec_id(const struct evlog_event *ev)
{
	return ev->type == EVLOG_EV_NO_ACTION &&
	       ev->data_size >= sizeof(spec_id_sig) &&
	       memcmp(ev->data, spec_id_sig, sizeof(spec_id_sig)) == 0;
}

/* TCG_EfiSpecIDEvent in the data of the first event (PFP 10.4.5.1). */
static int parse_spec_id(const struct evlog_event *ev, struct evlog_info *info,
			 struct sdm_err *err)
{
	const uint8_t *d = ev->data;
	uint32_t n, need;

	for (unsigned i = 0; i < 20; i++)
		if (ev->digests[0].bytes[i] != 0)
			return sdm_err_set(err, SDM_EINVAL,
				"event 0 at offset 0x0: Spec ID event digest is not zero");
	if (ev->pcr != 0)
		return sdm_err_set(err, SDM_EINVAL,
			"event 0 at offset 0x0: Spec ID event on PCR %u, must be PCR 0",
			ev->pcr);
	if (ev->data_size < EVLOG_SPEC_ID_FIXED + 1)
		return sdm_err_set(err, SDM_EINVAL,
			"event 0 at offset 0x0: Spec ID event of %u bytes, at least %u needed",
			ev->data_size, EVLOG_SPEC_ID_FIXED + 1);
	info->format = EVLOG_FORMAT_TPM2;
	info->platform_class = get_le32(d + 16);
	info->spec_minor = d[20];
	info->spec_major = d[21];
	info->spec_errata = d[22];
	info->uintn_size = d[23];
	if (info->spec_major != SPEC_ID_VERSION_MAJOR)
		return sdm_err_set(err, SDM_EINVAL,
			"event 0 at offset 0x0: Spec ID specVersionMajor %u, must be 2",
			info->spec_major);
	if (info->uintn_size != 1 && info->uintn_size != 2)
		return sdm_err_set(err, SDM_EINVAL,
			"event 0 at offset 0x0: Spec ID uintnSize %u, must be 1 or 2",
			info->uintn_size);
	n = get_le32(d + 24);
	if (n == 0)
		return sdm_err_set(err, SDM_EINVAL,
			"event 0 at offset 0x0: Spec ID event lists no banks");
	if (n > EVLOG_MAX_BANKS)
		return sdm_err_set(err, SDM_EINVAL,
			"event 0 at offset 0x0: Spec ID event lists %u banks, at most %u supported",
			n, EVLOG_MAX_BANKS);
	need = EVLOG_SPEC_ID_FIXED + 4 * n + 1;
	if (ev->data_size < need)
		return sdm_err_set(err, SDM_ERANGE,
			"event 0 at offset 0x0: Spec ID event of %u bytes, its %u banks need %u",
			ev->data_size, n, need);
	for (uint32_t i = 0; i < n; i++) {
		uint16_t alg = get_le16(d + EVLOG_SPEC_ID_FIXED + 4 * i);
		uint16_t size = get_le16(d + EVLOG_SPEC_ID_FIXED + 4 * i + 2);
		unsigned want = evlog_alg_size(alg);

		if (want == 0)
			return sdm_err_set(err, SDM_EINVAL,
				"event 0 at offset 0x0: Spec ID bank %u has algorithm 0x%04x (not sha1/256/384/512)",
				i, alg);
		if (size != want)
			return sdm_err_set(err, SDM_EINVAL,
				"event 0 at offset 0x0: Spec ID bank %u (%s) has digest size %u, must be %u",
				i, evlog_alg_name(alg), size, want);
		for (uint32_t j = 0; j < i; j++)
			if (info->banks[j].alg == alg)
				return sdm_err_set(err, SDM_EINVAL,
					"event 0 at offset 0x0: Spec ID bank %u repeats %s",
					i, evlog_alg_name(alg));
		info->banks[i].alg = alg;
		info->banks[i].size = size;
	}
	info->nbanks = n;
	info->vendor_info_size = d[need - 1];
	if (ev->data_size != need + info->vendor_info_size)
		return sdm_err_set(err, SDM_EINVAL,
			"event 0 at offset 0x0: Spec ID event of %u bytes, its contents take %u",
			ev->data_size, need + info->vendor_info_size);
	return SDM_OK;
}

/* A TCG_PCR_EVENT2 at off, its digests checked against the Spec ID. */
static int parse_event2(const uint8_t *p, size_t len, size_t off,
			uint32_t index, const struct evlog_info *info,
			struct evlog_event *ev, struct sdm_err *err)
{
	size_t left = len - off, pos = EVLOG_EVENT2_HDR;
	uint32_t count;
	unsigned seen = 0;

	memset(ev, 0, sizeof(*ev));
	ev->index = index;
	ev->offset = off;
	if (left < EVLOG_EVENT2_HDR)
		return sdm_err_set(err, SDM_ERANGE,
			"event %u at offset 0x%zx: %zu bytes left, a TCG_PCR_EVENT2 header needs %u",
			index, off, left, EVLOG_EVENT2_HDR);
	p += off;
	ev->pcr = get_le32(p);
	ev->type = get_le32(p + 4);
	count = get_le32(p + 8);
	if (ev->pcr >= EVLOG_NUM_PCRS)
		return sdm_err_set(err, SDM_EINVAL,
			"event %u at offset 0x%zx: PCR index %u is out of range (0-%u)",
			index, off, ev->pcr, EVLOG_NUM_PCRS - 1);
	if (count > info->nbanks)
		return sdm_err_set(err, SDM_EINVAL,
			"event %u at offset 0x%zx: digest count %u exceeds the %u banks of the Spec ID event",
			index, off, count, info->nbanks);
	if (count < info->nbanks)
		return sdm_err_set(err, SDM_EINVAL,
			"event %u at offset 0x%zx: digest count %u, but the Spec ID event has %u banks",
			index, off, count, info->nbanks);
	for (uint32_t i = 0; i < count; i++) {
		unsigned b;
		uint16_t alg;

		if (left - pos < 2)
			return sdm_err_set(err, SDM_ERANGE,
				"event %u at offset 0x%zx: digest %u runs past the end of the log",
				index, off, i);
		alg = get_le16(p + pos);
		for (b = 0; b < info->nbanks; b++)
			if (info->banks[b].alg == alg)
				break;
		if (b == info->nbanks)
			return sdm_err_set(err, SDM_EINVAL,
				"event %u at offset 0x%zx: digest %u has algorithm 0x%04x, not a bank of the Spec ID event",
				index, off, i, alg);
		if (seen & (1u << b))
			return sdm_err_set(err, SDM_EINVAL,
				"event %u at offset 0x%zx: digest %u repeats %s",
				index, off, i, evlog_alg_name(alg));
		seen |= 1u << b;
		if (left - pos - 2 < info->banks[b].size)
			return sdm_err_set(err, SDM_ERANGE,
				"event %u at offset 0x%zx: digest %u (%s, %u bytes) runs past the end of the log",
				index, off, i, evlog_alg_name(alg),
				info->banks[b].size);
		ev->digests[i].alg = alg;
		ev->digests[i].size = info->banks[b].size;
		ev->digests[i].bytes = p + pos + 2;
		pos += 2 + (size_t)info->banks[b].size;
	}
	ev->ndigests = count;
	if (left - pos < 4)
		return sdm_err_set(err, SDM_ERANGE,
			"event %u at offset 0x%zx: event size field runs past the end of the log",
			index, off);
	ev->data_size = get_le32(p + pos);
	pos += 4;
	if (ev->data_size > EVLOG_MAX_EVENT_DATA)
		return sdm_err_set(err, SDM_ERANGE,
			"event %u at offset 0x%zx: event size %u exceeds the limit of %u",
			index, off, ev->data_size, EVLOG_MAX_EVENT_DATA);
	if (ev->data_size > left - pos)
		return sdm_err_set(err, SDM_ERANGE,
			"event %u at offset 0x%zx: event data of %u bytes runs past the end of the log (%zu bytes left)",
			index, off, ev->data_size, left - pos);
	ev->data = p + pos;
	ev->size = pos + ev->data_size;
	return SDM_OK;
}

/* One pass over the log; fn == NULL only checks. */
static int walk(const uint8_t *p, size_t len, evlog_event_fn fn, void *ctx,
		struct sdm_err *err)
{
	struct evlog_info info;
	struct evlog_event ev;
	uint32_t index = 0;
	size_t off = 0;
	int rc;

	memset(&info, 0, sizeof(info));
	rc = parse_event1(p, len, 0, 0, &ev, err);
	if (rc != SDM_OK)
		return rc;
	if (is_spec_id(&ev)) {
		rc = parse_spec_id(&ev, &info, err);
		if (rc != SDM_OK)
			return rc;
		ev.spec_id = true;
	} else {
		info.format = EVLOG_FORMAT_TPM12;
		info.nbanks = 1;
		info.banks[0] = known_algs[0];
	}
	for (;;) {
		rc = evlog_launch_decode(&ev, NULL, err);
		if (rc < 0)
			return rc;
		if (fn != NULL) {
			rc = fn(ctx, &info, &ev, err);
			if (rc != 0)
				return rc;
		}
		off += ev.size;
		if (off == len)
			return SDM_OK;
		index++;
		if (info.format == EVLOG_FORMAT_TPM2)
			rc = parse_event2(p, len, off, index, &info, &ev, err);
		else
			rc = parse_event1(p, len, off, index, &ev, err);
		if (rc != SDM_OK)
			return rc;
	}
}

int evlog_parse(const void *buf, size_t len, evlog_event_fn fn, void *ctx,
		struct sdm_err *err)
{
	int rc;

	if (buf == NULL || len == 0)
		return sdm_err_set(err, SDM_EINVAL, "event log is empty");
	if (len > EVLOG_MAX_LOG)
		return sdm_err_set(err, SDM_ERANGE,
			"event log of %zu bytes exceeds the limit of %u",
			len, EVLOG_MAX_LOG);
	rc = walk(buf, len, NULL, NULL, err);
	if (rc != SDM_OK || fn == NULL)
		return rc;
	return walk(buf, len, fn, ctx, err);
}
