/*
 * libFuzzer target for the event log parser (tpm/eventlog.c). The input is
 * a log. Every event the parser delivers has its digests and data read
 * (ASan checks they lie inside the input) and its launch event decoded.
 * A log that parses is also written again with the writer, event by
 * event, and must come out byte for byte the same whenever the writer can
 * express it (its Spec ID values, EV_NO_ACTION digests zero, digests in
 * Spec ID order): the writer and parser agree on the format.
 *
 * Seeds (tests/fuzz/corpus/eventlog/) are written by the unit test:
 * "build/unit/test_eventlog --write-seeds tests/fuzz/corpus/eventlog".
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include "tpm/eventlog.h"

struct fuzz_state {
	unsigned sum;
	bool same;           /* the writer can express every event so far */
	struct evlog_writer w;
	uint8_t *copy;
	size_t cap;
};

static bool zero(const uint8_t *p, size_t n)
{
	for (size_t i = 0; i < n; i++)
		if (p[i] != 0)
			return false;
	return true;
}

/* Whether the writer would produce exactly this Spec ID event. */
static bool writer_header(const struct evlog_info *info)
{
	return info->platform_class == 0 && info->spec_minor == 0 &&
	       info->spec_major == 2 && info->spec_errata == 2 &&
	       info->uintn_size == 2 && info->vendor_info_size == 0;
}

static int visit(void *ctx, const struct evlog_info *info,
		 const struct evlog_event *ev, struct sdm_err *err)
{
	struct fuzz_state *st = ctx;
	struct evlog_launch launch;
	struct evlog_digests dg;
	uint16_t algs[EVLOG_MAX_BANKS];

	for (unsigned i = 0; i < ev->ndigests; i++)
		for (unsigned k = 0; k < ev->digests[i].size; k++)
			st->sum += ev->digests[i].bytes[k];
	for (uint32_t k = 0; k < ev->data_size; k++)
		st->sum += ev->data[k];
	if (evlog_launch_decode(ev, &launch, NULL) == 1)
		st->sum += (unsigned)strlen(launch.text) + launch.kind;
	if (ev->offset + ev->size > st->cap)
		abort();

	if (!st->same)
		return 0;
	if (ev->index == 0) {
		for (unsigned b = 0; b < info->nbanks; b++)
			algs[b] = info->banks[b].alg;
		if (info->format == EVLOG_FORMAT_TPM2 && !writer_header(info)) {
			st->same = false;
			return 0;
		}
		if (evlog_writer_init(&st->w, info->format, st->copy, st->cap,
				      info->format == EVLOG_FORMAT_TPM2 ?
				      algs : NULL,
				      info->format == EVLOG_FORMAT_TPM2 ?
				      info->nbanks : 0, NULL) != SDM_OK)
			abort();
		if (ev->spec_id)
			return 0;
	}
	memset(&dg, 0, sizeof(dg));
	dg.count = ev->ndigests;
	for (unsigned i = 0; i < ev->ndigests; i++) {
		if (ev->digests[i].alg != info->banks[i].alg) {
			st->same = false; /* the writer uses Spec ID order */
			return 0;
		}
		dg.d[i].alg = ev->digests[i].alg;
		memcpy(dg.d[i].bytes, ev->digests[i].bytes,
		       ev->digests[i].size);
	}
	if (ev->type == EVLOG_EV_NO_ACTION) {
		for (unsigned i = 0; i < ev->ndigests; i++)
			if (!zero(ev->digests[i].bytes, ev->digests[i].size))
				st->same = false;
		if (!st->same)
			return 0;
	}
	if (evlog_append(&st->w, ev->pcr, ev->type,
			 ev->type == EVLOG_EV_NO_ACTION ? NULL : &dg, ev->data,
			 ev->data_size, NULL) != SDM_OK)
		abort();
	return 0;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static volatile unsigned sink; /* keeps the reads of every byte */

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct fuzz_state st = { .same = true, .cap = size };
	struct sdm_err err;

	st.copy = malloc(size > 0 ? size : 1);
	if (st.copy == NULL)
		abort();
	if (evlog_parse(data, size, visit, &st, &err) == SDM_OK && st.same &&
	    (st.w.len != size || st.w.overflow ||
	     memcmp(st.copy, data, size) != 0))
		abort();
	free(st.copy);
	sink = st.sum;
	return 0;
}
