/*
 * TPM 2.0 command layer against tpm2-tss's marshalling library: every
 * command we build is compared byte for byte with the same command built
 * by Tss2_MU_*_Marshal, and responses built by Tss2_MU_*_Marshal are
 * parsed by our code. Then malformed responses, one per rule, with the
 * message asserted. A few TPM 1.2 framing checks (bytes from TPM Main
 * Part 3) close the file.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <string.h>
#include <cmocka.h>
#include <tss2/tss2_mu.h>
#include "tpm/tpm12.h"
#include "tpm/tpm2.h"
#include "tpm_fake.h"

/* ------------------------------------------------------------ Startup */

static void want_startup(struct mb *m)
{
	mb_hdr(m, TPM2_ST_NO_SESSIONS, TPM2_CC_Startup);
	MU(Tss2_MU_UINT16_Marshal(TPM2_SU_CLEAR, m->b, sizeof(m->b), &m->off));
	mb_done(m);
}

static void test_startup(void **state)
{
	struct mb want;
	bool already = true;

	mb_rc(queue(), TPM2_RC_SUCCESS);
	mb_rc(queue(), TPM2_RC_INITIALIZE);
	assert_int_equal(tpm2_startup(&tr, 0, &already, &err), SDM_OK);
	assert_false(already);
	want_startup(&want);
	assert_cmd(0, &want);

	assert_int_equal(tpm2_startup(&tr, 0, &already, &err), SDM_OK);
	assert_true(already);
	assert_int_equal(err.code, SDM_OK);
}

static void test_startup_failure(void **state)
{
	bool already;

	mb_rc(queue(), TPM2_RC_FAILURE);
	assert_int_equal(tpm2_startup(&tr, 0, &already, &err),
			 TPM2_RC_FAILURE);
	assert_int_equal(err.code, TPM2_RC_FAILURE);
	assert_string_equal(err.msg, "TPM2_Startup: TPM refused: "
				     "TPM_RC_FAILURE (0x101)");
}

/* ------------------------------------------------------- GetCapability */

static void want_getcap(struct mb *m, uint32_t cap, uint32_t prop,
			uint32_t count)
{
	mb_hdr(m, TPM2_ST_NO_SESSIONS, TPM2_CC_GetCapability);
	MU(Tss2_MU_UINT32_Marshal(cap, m->b, sizeof(m->b), &m->off));
	MU(Tss2_MU_UINT32_Marshal(prop, m->b, sizeof(m->b), &m->off));
	MU(Tss2_MU_UINT32_Marshal(count, m->b, sizeof(m->b), &m->off));
	mb_done(m);
}

static void rsp_cap(struct mb *m, uint8_t more, const TPMS_CAPABILITY_DATA *cd)
{
	mb_hdr(m, TPM2_ST_NO_SESSIONS, TPM2_RC_SUCCESS);
	MU(Tss2_MU_BYTE_Marshal(more, m->b, sizeof(m->b), &m->off));
	MU(Tss2_MU_TPMS_CAPABILITY_DATA_Marshal(cd, m->b, sizeof(m->b),
						&m->off));
	mb_done(m);
}

/* swtpm's default allocation plus an algorithm we do not know. */
static void pcrs_cap(TPMS_CAPABILITY_DATA *cd)
{
	static const TPMI_ALG_HASH algs[] = { TPM2_ALG_SHA1, TPM2_ALG_SHA256,
					      TPM2_ALG_SHA384, 0x0027 };

	memset(cd, 0, sizeof(*cd));
	cd->capability = TPM2_CAP_PCRS;
	cd->data.assignedPCR.count = 4;
	for (unsigned i = 0; i < 4; i++) {
		TPMS_PCR_SELECTION *s = &cd->data.assignedPCR.pcrSelections[i];

		s->hash = algs[i];
		s->sizeofSelect = 3;
		if (i < 2) {
			s->pcrSelect[0] = 0xff;
			s->pcrSelect[1] = 0xff;
			s->pcrSelect[2] = 0xff;
		}
	}
	/* SHA384 allocated without PCRs (inactive); 0x0027: PCR 23 only. */
	cd->data.assignedPCR.pcrSelections[3].pcrSelect[2] = 0x80;
}

static void test_get_pcr_banks(void **state)
{
	TPMS_CAPABILITY_DATA cd;
	struct tpm2_banks banks;
	struct mb want;

	pcrs_cap(&cd);
	rsp_cap(queue(), 0, &cd);
	assert_int_equal(tpm2_get_pcr_banks(&tr, 0, &banks, &err), SDM_OK);
	want_getcap(&want, TPM2_CAP_PCRS, 0, 1);
	assert_cmd(0, &want);
	assert_int_equal(banks.count, 4);
	assert_int_equal(banks.bank[0].alg, TPM20_ALG_SHA1);
	assert_int_equal(banks.bank[0].pcrs, 0xffffff);
	assert_int_equal(banks.bank[1].alg, TPM20_ALG_SHA256);
	assert_int_equal(banks.bank[1].sizeof_select, 3);
	assert_int_equal(banks.bank[2].alg, TPM20_ALG_SHA384);
	assert_int_equal(banks.bank[2].pcrs, 0);
	assert_int_equal(banks.bank[3].alg, 0x0027);
	assert_int_equal(banks.bank[3].pcrs, 0x800000);
}

static void test_get_pcr_banks_malformed(void **state)
{
	TPMS_CAPABILITY_DATA cd;
	struct tpm2_banks banks;

	/* moreData: a bank we would not see would stay unmeasured. */
	pcrs_cap(&cd);
	rsp_cap(queue(), 1, &cd);
	assert_int_equal(tpm2_get_pcr_banks(&tr, 0, &banks, &err),
			 SDM_EINVAL);
	assert_string_equal(err.msg, "TPM2_GetCapability response: moreData "
				     "set after 4 banks at offset 0xa");

	/* The same bank twice. */
	pcrs_cap(&cd);
	cd.data.assignedPCR.pcrSelections[2].hash = TPM2_ALG_SHA1;
	rsp_cap(queue(), 0, &cd);
	assert_int_equal(tpm2_get_pcr_banks(&tr, 0, &banks, &err),
			 SDM_EINVAL);
	assert_string_equal(err.msg, "TPM2_GetCapability response: bank "
				     "0x0004 listed twice at offset 0x1f");

	/* sizeofSelect beyond 4 bytes (tpm2-tss will not marshal that). */
	pcrs_cap(&cd);
	rsp_cap(queue(), 0, &cd);
	fk.rsp[fk.nrsp - 1].b[0x1b] = 5;
	assert_int_equal(tpm2_get_pcr_banks(&tr, 0, &banks, &err),
			 SDM_ERANGE);
	assert_string_equal(err.msg, "TPM2_GetCapability response: "
				     "pcrSelect[1] sizeofSelect 5 exceeds 4 "
				     "at offset 0x1b");

	/* An answer for another capability. */
	pcrs_cap(&cd);
	cd.capability = TPM2_CAP_TPM_PROPERTIES;
	cd.data.tpmProperties.count = 0;
	rsp_cap(queue(), 0, &cd);
	assert_int_equal(tpm2_get_pcr_banks(&tr, 0, &banks, &err),
			 SDM_EINVAL);
	assert_string_equal(err.msg, "TPM2_GetCapability response: "
				     "capability 0x6, asked for 0x5 at "
				     "offset 0xb");

	/* moreData must be YES or NO. */
	pcrs_cap(&cd);
	rsp_cap(queue(), 2, &cd);
	assert_int_equal(tpm2_get_pcr_banks(&tr, 0, &banks, &err),
			 SDM_EINVAL);
	assert_string_equal(err.msg, "TPM2_GetCapability response: moreData "
				     "2 is not YES or NO at offset 0xa");
}

static void props_cap(TPMS_CAPABILITY_DATA *cd)
{
	static const uint32_t vals[] = {
		0x322e3000, 0, 0xa4, 0x4b, 0x7e5, 0x49424d00, 0x53572020,
		0x2054504d, 0, 0, 1, 0x20191023, 0x163636,
	};

	memset(cd, 0, sizeof(*cd));
	cd->capability = TPM2_CAP_TPM_PROPERTIES;
	cd->data.tpmProperties.count = ARRAY_SIZE(vals);
	for (unsigned i = 0; i < ARRAY_SIZE(vals); i++) {
		cd->data.tpmProperties.tpmProperty[i].property =
			TPM2_PT_FAMILY_INDICATOR + i;
		cd->data.tpmProperties.tpmProperty[i].value = vals[i];
	}
}

static void test_get_info(void **state)
{
	TPMS_CAPABILITY_DATA cd;
	struct tpm2_info info;
	struct mb want;

	props_cap(&cd);
	rsp_cap(queue(), 1, &cd);
	assert_int_equal(tpm2_get_info(&tr, 0, &info, &err), SDM_OK);
	want_getcap(&want, TPM2_CAP_TPM_PROPERTIES, TPM2_PT_FAMILY_INDICATOR,
		    13);
	assert_cmd(0, &want);
	assert_string_equal(info.family, "2.0");
	assert_string_equal(info.manufacturer, "IBM");
	assert_string_equal(info.vendor, "SW   TPM");
	assert_int_equal(info.revision, 164);
	assert_int_equal(info.year, 2021);
	assert_int_equal(info.day_of_year, 75);
	assert_int_equal(info.vendor_tpm_type, 1);
	assert_int_equal(info.fw1, 0x20191023);
	assert_int_equal(info.fw2, 0x163636);

	/* Unprintable manufacturer bytes are not passed on. */
	props_cap(&cd);
	cd.data.tpmProperties.tpmProperty[5].value = 0x411b5bff;
	rsp_cap(queue(), 0, &cd);
	assert_int_equal(tpm2_get_info(&tr, 0, &info, &err), SDM_OK);
	assert_string_equal(info.manufacturer, "A?[?");
}

static void test_get_properties_malformed(void **state)
{
	TPMS_CAPABILITY_DATA cd;
	struct tpm2_props props;

	/* More properties than asked for. */
	props_cap(&cd);
	rsp_cap(queue(), 0, &cd);
	assert_int_equal(tpm2_get_properties(&tr, 0, TPM2_PT_FIXED, 4,
					     &props, &err),
			 SDM_ERANGE);
	assert_string_equal(err.msg, "TPM2_GetCapability response: "
				     "tpmProperty count 13 exceeds 4 asked at "
				     "offset 0xf");

	/* Not ascending. */
	props_cap(&cd);
	cd.data.tpmProperties.tpmProperty[3].property = TPM2_PT_LEVEL;
	rsp_cap(queue(), 0, &cd);
	assert_int_equal(tpm2_get_properties(&tr, 0, TPM2_PT_FIXED, 13,
					     &props, &err),
			 SDM_EINVAL);
	assert_string_equal(err.msg, "TPM2_GetCapability response: property "
				     "0x101 out of order at offset 0x2b");

	/* Too many asked for: refused before sending. */
	assert_int_equal(tpm2_get_properties(&tr, 0, TPM2_PT_FIXED, 33,
					     &props, &err),
			 SDM_EINVAL);
	assert_int_equal(fk.ncmd, 2);
}

/* ------------------------------------------------------------ PCR_Read */

static void sel_one(TPML_PCR_SELECTION *s, const TPMI_ALG_HASH *algs,
		    unsigned n, unsigned pcr)
{
	memset(s, 0, sizeof(*s));
	s->count = n;
	for (unsigned i = 0; i < n; i++) {
		s->pcrSelections[i].hash = algs[i];
		s->pcrSelections[i].sizeofSelect = 3;
		s->pcrSelections[i].pcrSelect[pcr / 8] =
			(uint8_t)(1 << (pcr % 8));
	}
}

static void want_pcr_read(struct mb *m, const TPMI_ALG_HASH *algs,
			  unsigned n, unsigned pcr)
{
	TPML_PCR_SELECTION s;

	sel_one(&s, algs, n, pcr);
	mb_hdr(m, TPM2_ST_NO_SESSIONS, TPM2_CC_PCR_Read);
	MU(Tss2_MU_TPML_PCR_SELECTION_Marshal(&s, m->b, sizeof(m->b),
					      &m->off));
	mb_done(m);
}

/*
 * A PCR_Read response for banks algs[0..n) with PCR pcr selected in the
 * first `with` of them (the rest returned with an empty selection).
 */
static void rsp_pcr_read(struct mb *m, uint32_t counter,
			 const TPMI_ALG_HASH *algs, unsigned n, unsigned with,
			 unsigned pcr)
{
	TPML_PCR_SELECTION s;
	TPML_DIGEST d;

	sel_one(&s, algs, n, pcr);
	memset(&d, 0, sizeof(d));
	for (unsigned i = with; i < n; i++)
		memset(s.pcrSelections[i].pcrSelect, 0, 3);
	d.count = with;
	for (unsigned i = 0; i < with; i++) {
		d.digests[i].size = (UINT16)tpm2_alg_digest_size(algs[i]);
		pattern(d.digests[i].buffer, d.digests[i].size,
			(uint8_t)algs[i]);
	}
	mb_hdr(m, TPM2_ST_NO_SESSIONS, TPM2_RC_SUCCESS);
	MU(Tss2_MU_UINT32_Marshal(counter, m->b, sizeof(m->b), &m->off));
	MU(Tss2_MU_TPML_PCR_SELECTION_Marshal(&s, m->b, sizeof(m->b),
					      &m->off));
	MU(Tss2_MU_TPML_DIGEST_Marshal(&d, m->b, sizeof(m->b), &m->off));
	mb_done(m);
}

static void assert_digest(const struct tpm2_digest *d, uint16_t alg)
{
	uint8_t want[64];
	size_t n = tpm2_alg_digest_size(alg);

	assert_int_equal(d->alg, alg);
	assert_int_equal(d->size, n);
	pattern(want, n, (uint8_t)alg);
	assert_memory_equal(d->bytes, want, n);
}

static const TPMI_ALG_HASH three[] = { TPM2_ALG_SHA1, TPM2_ALG_SHA256,
				       TPM2_ALG_SHA384 };
static const uint16_t three20[] = { TPM20_ALG_SHA1, TPM20_ALG_SHA256,
				    TPM20_ALG_SHA384 };

static void test_pcr_read(void **state)
{
	struct tpm2_digest out[3];
	uint32_t counter = 0;
	struct mb want;

	rsp_pcr_read(queue(), 42, three, 3, 3, 17);
	assert_int_equal(tpm2_pcr_read(&tr, 3, 17, three20, 3, out, &counter,
				       &err),
			 SDM_OK);
	assert_int_equal(fk.locality, 3);
	want_pcr_read(&want, three, 3, 17);
	assert_cmd(0, &want);
	assert_int_equal(counter, 42);
	for (unsigned i = 0; i < 3; i++)
		assert_digest(&out[i], three20[i]);
}

static void test_pcr_read_fewer(void **state)
{
	struct tpm2_digest out[3];
	uint32_t counter = 0;
	struct mb want;

	/* Round 1: SHA1 only; round 2: SHA256 only; round 3: nothing. */
	rsp_pcr_read(queue(), 7, three, 3, 1, 0);
	rsp_pcr_read(queue(), 7, three + 1, 2, 1, 0);
	rsp_pcr_read(queue(), 7, three + 2, 1, 0, 0);
	assert_int_equal(tpm2_pcr_read(&tr, 0, 0, three20, 3, out, &counter,
				       &err),
			 SDM_OK);
	assert_int_equal(fk.ncmd, 3);
	want_pcr_read(&want, three, 3, 0);
	assert_cmd(0, &want);
	want_pcr_read(&want, three + 1, 2, 0);
	assert_cmd(1, &want);
	want_pcr_read(&want, three + 2, 1, 0);
	assert_cmd(2, &want);
	assert_digest(&out[0], TPM20_ALG_SHA1);
	assert_digest(&out[1], TPM20_ALG_SHA256);
	assert_int_equal(out[2].alg, TPM20_ALG_SHA384);
	assert_int_equal(out[2].size, 0); /* not returned: not allocated */
	assert_int_equal(counter, 7);
}

static void test_pcr_read_counter_changes(void **state)
{
	struct tpm2_digest out[3];

	rsp_pcr_read(queue(), 7, three, 3, 1, 0);
	rsp_pcr_read(queue(), 8, three + 1, 2, 2, 0);
	assert_int_equal(tpm2_pcr_read(&tr, 0, 0, three20, 3, out, NULL,
				       &err),
			 SDM_EIO);
	assert_string_equal(err.msg, "TPM2_PCR_Read: pcrUpdateCounter changed "
				     "from 7 to 8 between reads");
}

static void test_pcr_read_bad_args(void **state)
{
	static const uint16_t bad[] = { TPM20_ALG_SHA1, 0x0099 };
	static const uint16_t twice[] = { TPM20_ALG_SHA1, TPM20_ALG_SHA1 };
	struct tpm2_digest out[2];

	assert_int_equal(tpm2_pcr_read(&tr, 0, 0, bad, 2, out, NULL, &err),
			 SDM_EINVAL);
	assert_string_equal(err.msg, "TPM2_PCR_Read: unknown hash algorithm "
				     "0x0099");
	assert_int_equal(tpm2_pcr_read(&tr, 0, 0, twice, 2, out, NULL, &err),
			 SDM_EINVAL);
	assert_string_equal(err.msg, "TPM2_PCR_Read: bank SHA1 given twice");
	assert_int_equal(tpm2_pcr_read(&tr, 0, 32, bad, 1, out, NULL, &err),
			 SDM_EINVAL);
	assert_int_equal(fk.ncmd, 0);
}

/* The malformed-response cases, on PCR_Read of SHA1+SHA256, PCR 16. */
static void test_rsp_size_larger(void **state)
{
	struct tpm2_digest out[2];
	struct mb *m = queue();

	rsp_pcr_read(m, 1, three, 2, 2, 16);
	mb_size(m, (uint32_t)m->off + 2);
	assert_int_equal(tpm2_pcr_read(&tr, 0, 16, three20, 2, out, NULL,
				       &err),
			 SDM_EINVAL);
	assert_string_equal(err.msg, "TPM2_PCR_Read response: responseSize 92 "
				     "but 90 bytes received at offset 0x2");
}

static void test_rsp_size_smaller(void **state)
{
	struct tpm2_digest out[2];
	struct mb *m = queue();

	rsp_pcr_read(m, 1, three, 2, 2, 16);
	mb_size(m, 10);
	assert_int_equal(tpm2_pcr_read(&tr, 0, 16, three20, 2, out, NULL,
				       &err),
			 SDM_EINVAL);
	assert_string_equal(err.msg, "TPM2_PCR_Read response: responseSize 10 "
				     "but 90 bytes received at offset 0x2");
}

static void test_rsp_truncated_digest(void **state)
{
	struct tpm2_digest out[2];
	struct mb *m = queue();

	rsp_pcr_read(m, 1, three, 2, 2, 16);
	m->off -= 5; /* cut into the SHA-256 digest */
	mb_done(m);
	assert_int_equal(tpm2_pcr_read(&tr, 0, 16, three20, 2, out, NULL,
				       &err),
			 SDM_ERANGE);
	assert_string_equal(err.msg, "TPM2_PCR_Read response: pcrValues digest "
				     "truncated (needs 32 bytes, 27 left) at "
				     "offset 0x3a");
}

static void test_rsp_count_beyond_limit(void **state)
{
	struct tpm2_digest out[2];
	struct mb *m = queue();
	size_t o;

	rsp_pcr_read(m, 1, three, 2, 2, 16);
	o = 10 + 4 + 4 + 2 * 6; /* header, counter, selection: pcrValues */
	MU(Tss2_MU_UINT32_Marshal(9, m->b, sizeof(m->b), &o));
	assert_int_equal(tpm2_pcr_read(&tr, 0, 16, three20, 2, out, NULL,
				       &err),
			 SDM_ERANGE);
	assert_string_equal(err.msg, "TPM2_PCR_Read response: pcrValues count "
				     "9 exceeds 8 at offset 0x1e");

	/* Within the limit, but not what the selection says. */
	m = queue();
	rsp_pcr_read(m, 1, three, 2, 2, 16);
	o = 30;
	MU(Tss2_MU_UINT32_Marshal(1, m->b, sizeof(m->b), &o));
	assert_int_equal(tpm2_pcr_read(&tr, 0, 16, three20, 2, out, NULL,
				       &err),
			 SDM_EINVAL);
	assert_string_equal(err.msg, "TPM2_PCR_Read response: pcrValues count "
				     "1 but 2 PCRs selected at offset 0x1e");

	/* More banks in pcrSelectionOut than asked. */
	m = queue();
	rsp_pcr_read(m, 1, three, 3, 3, 16);
	assert_int_equal(tpm2_pcr_read(&tr, 0, 16, three20, 2, out, NULL,
				       &err),
			 SDM_ERANGE);
	assert_string_equal(err.msg, "TPM2_PCR_Read response: pcrSelectionOut "
				     "count 3 exceeds 2 at offset 0xe");
}

static void test_rsp_unknown_alg(void **state)
{
	struct tpm2_digest out[2];
	struct mb *m = queue();
	size_t o;

	/* The second bank answered as algorithm 0x0099, with a digest. */
	rsp_pcr_read(m, 1, three, 2, 2, 16);
	o = 10 + 4 + 4 + 6;
	MU(Tss2_MU_UINT16_Marshal(0x0099, m->b, sizeof(m->b), &o));
	assert_int_equal(tpm2_pcr_read(&tr, 0, 16, three20, 2, out, NULL,
				       &err),
			 SDM_EINVAL);
	assert_string_equal(err.msg, "TPM2_PCR_Read response: unknown hash "
				     "algorithm 0x0099 in pcrSelectionOut at "
				     "offset 0x18");

	/* A known algorithm we did not ask for. */
	m = queue();
	rsp_pcr_read(m, 1, three, 2, 2, 16);
	o = 10 + 4 + 4 + 6;
	MU(Tss2_MU_UINT16_Marshal(TPM2_ALG_SHA512, m->b, sizeof(m->b), &o));
	assert_int_equal(tpm2_pcr_read(&tr, 0, 16, three20, 2, out, NULL,
				       &err),
			 SDM_EINVAL);
	assert_string_equal(err.msg, "TPM2_PCR_Read response: bank SHA512 in "
				     "pcrSelectionOut was not asked for at "
				     "offset 0x18");
}

static void test_rsp_wrong_digest_size(void **state)
{
	TPML_PCR_SELECTION s;
	struct tpm2_digest out[2];
	struct mb *m = queue();
	TPML_DIGEST d = { .count = 2 };

	/* A SHA-256 bank answered with a 20-byte digest. */
	sel_one(&s, three, 2, 16);
	d.digests[0].size = 20;
	d.digests[1].size = 20;
	mb_hdr(m, TPM2_ST_NO_SESSIONS, TPM2_RC_SUCCESS);
	MU(Tss2_MU_UINT32_Marshal(1, m->b, sizeof(m->b), &m->off));
	MU(Tss2_MU_TPML_PCR_SELECTION_Marshal(&s, m->b, sizeof(m->b),
					      &m->off));
	MU(Tss2_MU_TPML_DIGEST_Marshal(&d, m->b, sizeof(m->b), &m->off));
	mb_done(m);
	assert_int_equal(tpm2_pcr_read(&tr, 0, 16, three20, 2, out, NULL,
				       &err),
			 SDM_EINVAL);
	assert_string_equal(err.msg, "TPM2_PCR_Read response: SHA256 digest "
				     "of 20 bytes, expected 32 at offset "
				     "0x38");
}

static void test_rsp_other_pcr(void **state)
{
	struct tpm2_digest out[2];
	struct mb *m = queue();

	rsp_pcr_read(m, 1, three, 2, 2, 15); /* asked for 16 */
	assert_int_equal(tpm2_pcr_read(&tr, 0, 16, three20, 2, out, NULL,
				       &err),
			 SDM_EINVAL);
	assert_string_equal(err.msg, "TPM2_PCR_Read response: pcrSelectionOut "
				     "SHA1 selects PCRs 0x8000, asked for PCR "
				     "16 at offset 0x12");
}

static void test_rsp_wrong_tag(void **state)
{
	struct tpm2_digest out[2];
	struct mb *m = queue();

	rsp_pcr_read(m, 1, three, 2, 2, 16);
	m->b[1] = 0x02; /* TPM_ST_SESSIONS for a command without sessions */
	assert_int_equal(tpm2_pcr_read(&tr, 0, 16, three20, 2, out, NULL,
				       &err),
			 SDM_EINVAL);
	assert_string_equal(err.msg, "TPM2_PCR_Read response: tag 0x8002, "
				     "expected 0x8001 at offset 0x0");

	/* An error code in a response tagged with sessions. */
	m = queue();
	mb_hdr(m, TPM2_ST_SESSIONS, TPM2_RC_LOCALITY);
	mb_done(m);
	assert_int_equal(tpm2_pcr_read(&tr, 0, 16, three20, 2, out, NULL,
				       &err),
			 SDM_EINVAL);
	assert_string_equal(err.msg, "TPM2_PCR_Read response: tag 0x8002 with "
				     "responseCode 0x907 at offset 0x0");
}

static void test_rsp_nonzero_rc(void **state)
{
	struct tpm2_digest out[2];

	mb_rc(queue(), 0x1c4); /* TPM_RC_VALUE, parameter 1 */
	assert_int_equal(tpm2_pcr_read(&tr, 0, 16, three20, 2, out, NULL,
				       &err),
			 0x1c4);
	assert_int_equal(err.code, 0x1c4);
	assert_string_equal(err.msg, "TPM2_PCR_Read: TPM refused: TPM_RC_VALUE "
				     "(0x1c4, parameter 1)");

	/* A TPM 1.2 style tag and code from a 2.0 TPM (TPM_RC_BAD_TAG). */
	mb_hdr(queue(), 0x00c4, 0x1e);
	mb_done(&fk.rsp[fk.nrsp - 1]);
	assert_int_equal(tpm2_pcr_read(&tr, 0, 16, three20, 2, out, NULL,
				       &err),
			 0x1e);
	assert_string_equal(err.msg, "TPM2_PCR_Read: TPM refused: 0x01e (TPM "
				     "1.2 response code)");

	/* A code with bits no TPM sets. */
	mb_rc(queue(), 0x80000907);
	assert_int_equal(tpm2_pcr_read(&tr, 0, 16, three20, 2, out, NULL,
				       &err),
			 SDM_EINVAL);
	assert_string_equal(err.msg, "TPM2_PCR_Read response: responseCode "
				     "0x80000907 has reserved bits set at "
				     "offset 0x6");
}

static void test_rc_str(void **state)
{
	char b[64];

	assert_string_equal(tpm2_rc_str(0x907, b, sizeof(b)),
			    "TPM_RC_LOCALITY (0x907, warning)");
	assert_string_equal(tpm2_rc_str(0x100, b, sizeof(b)),
			    "TPM_RC_INITIALIZE (0x100)");
	assert_string_equal(tpm2_rc_str(0x18b, b, sizeof(b)),
			    "TPM_RC_HANDLE (0x18b, handle 1)");
	assert_string_equal(tpm2_rc_str(0x98e, b, sizeof(b)),
			    "TPM_RC_AUTH_FAIL (0x98e, session 1)");
	assert_string_equal(tpm2_rc_str(0x2c4, b, sizeof(b)),
			    "TPM_RC_VALUE (0x2c4, parameter 2)");
	assert_string_equal(tpm2_rc_str(0x0a2, b, sizeof(b)),
			    "TPM_RC_BAD_AUTH (0x0a2)");
	assert_string_equal(tpm2_rc_str(0x522, b, sizeof(b)),
			    "0x522 (vendor-defined error)");
	assert_string_equal(tpm2_rc_str(0x17f, b, sizeof(b)),
			    "TPM_RC_? (0x17f)");
}

/* ---------------------------------------------------------- PCR_Extend */

static void want_extend(struct mb *m, unsigned pcr,
			const TPML_DIGEST_VALUES *dv)
{
	TPMS_AUTH_COMMAND auth = { .sessionHandle = TPM2_RS_PW };
	uint8_t tmp[64];
	size_t alen = 0;

	MU(Tss2_MU_TPMS_AUTH_COMMAND_Marshal(&auth, tmp, sizeof(tmp), &alen));
	mb_hdr(m, TPM2_ST_SESSIONS, TPM2_CC_PCR_Extend);
	MU(Tss2_MU_TPM2_HANDLE_Marshal(pcr, m->b, sizeof(m->b), &m->off));
	MU(Tss2_MU_UINT32_Marshal((UINT32)alen, m->b, sizeof(m->b), &m->off));
	MU(Tss2_MU_TPMS_AUTH_COMMAND_Marshal(&auth, m->b, sizeof(m->b),
					     &m->off));
	MU(Tss2_MU_TPML_DIGEST_VALUES_Marshal(dv, m->b, sizeof(m->b),
					      &m->off));
	mb_done(m);
}

static void rsp_extend(struct mb *m, uint32_t param_size)
{
	TPMS_AUTH_RESPONSE ar = {
		.sessionAttributes = TPMA_SESSION_CONTINUESESSION
	};

	mb_hdr(m, TPM2_ST_SESSIONS, TPM2_RC_SUCCESS);
	MU(Tss2_MU_UINT32_Marshal(param_size, m->b, sizeof(m->b), &m->off));
	MU(Tss2_MU_TPMS_AUTH_RESPONSE_Marshal(&ar, m->b, sizeof(m->b),
					      &m->off));
	mb_done(m);
}

/* Digests for n banks in our form and in tpm2-tss's. */
static void digests(const TPMI_ALG_HASH *algs, unsigned n,
		    struct tpm2_digest *ours, TPML_DIGEST_VALUES *theirs)
{
	memset(theirs, 0, sizeof(*theirs));
	theirs->count = n;
	for (unsigned i = 0; i < n; i++) {
		ours[i].alg = algs[i];
		ours[i].size = (uint16_t)tpm2_alg_digest_size(algs[i]);
		pattern(ours[i].bytes, ours[i].size, (uint8_t)(0x40 + i));
		theirs->digests[i].hashAlg = algs[i];
		memcpy((uint8_t *)&theirs->digests[i].digest, ours[i].bytes,
		       ours[i].size);
	}
}

static void test_pcr_extend(void **state)
{
	static const TPMI_ALG_HASH all[] = { TPM2_ALG_SHA1, TPM2_ALG_SHA256,
					     TPM2_ALG_SHA384, TPM2_ALG_SHA512,
					     TPM2_ALG_SM3_256 };
	struct tpm2_digest d[5];
	TPML_DIGEST_VALUES dv;
	struct mb want;

	for (unsigned n = 1; n <= 5; n++) {
		setup(NULL);
		digests(all, n, d, &dv);
		rsp_extend(queue(), 0);
		assert_int_equal(tpm2_pcr_extend(&tr, 2, 20, d, n, &err),
				 SDM_OK);
		assert_int_equal(fk.locality, 2);
		want_extend(&want, 20, &dv);
		assert_cmd(0, &want);
	}
}

static void test_pcr_extend_refused(void **state)
{
	struct tpm2_digest d[2];
	TPML_DIGEST_VALUES dv;

	digests(three, 2, d, &dv);
	mb_rc(queue(), TPM2_RC_LOCALITY);
	assert_int_equal(tpm2_pcr_extend(&tr, 0, 17, d, 2, &err), 0x907);
	assert_string_equal(err.msg, "TPM2_PCR_Extend: TPM refused: "
				     "TPM_RC_LOCALITY (0x907, warning)");
}

static void test_pcr_extend_malformed(void **state)
{
	struct tpm2_digest d[2];
	TPML_DIGEST_VALUES dv;
	struct mb *m;

	digests(three, 2, d, &dv);
	/* Response parameters where PCR_Extend has none. */
	rsp_extend(queue(), 4);
	assert_int_equal(tpm2_pcr_extend(&tr, 0, 16, d, 2, &err), SDM_EINVAL);
	assert_string_equal(err.msg, "TPM2_PCR_Extend response: parameters "
				     "end at 0xe, parameterSize says 0x12 at "
				     "offset 0xe");

	rsp_extend(queue(), 100);
	assert_int_equal(tpm2_pcr_extend(&tr, 0, 16, d, 2, &err), SDM_ERANGE);
	assert_string_equal(err.msg, "TPM2_PCR_Extend response: parameterSize "
				     "100 exceeds the 5 bytes left at offset "
				     "0xa");

	/* No authorization area. */
	m = queue();
	mb_hdr(m, TPM2_ST_SESSIONS, TPM2_RC_SUCCESS);
	MU(Tss2_MU_UINT32_Marshal(0, m->b, sizeof(m->b), &m->off));
	mb_done(m);
	assert_int_equal(tpm2_pcr_extend(&tr, 0, 16, d, 2, &err), SDM_ERANGE);
	assert_string_equal(err.msg, "TPM2_PCR_Extend response: nonceTPM "
				     "truncated (needs 2 bytes, 0 left) at "
				     "offset 0xe");
}

static void test_pcr_extend_bad_args(void **state)
{
	struct tpm2_digest d[2];
	TPML_DIGEST_VALUES dv;

	digests(three, 2, d, &dv);
	d[1].size = 20;
	assert_int_equal(tpm2_pcr_extend(&tr, 0, 16, d, 2, &err), SDM_EINVAL);
	assert_string_equal(err.msg, "TPM2_PCR_Extend: SHA256 digest of 20 "
				     "bytes, expected 32");
	d[1].size = 32;
	d[1].alg = 0x0099;
	assert_int_equal(tpm2_pcr_extend(&tr, 0, 16, d, 2, &err), SDM_EINVAL);
	assert_string_equal(err.msg, "TPM2_PCR_Extend: unknown hash algorithm "
				     "0x0099");
	assert_int_equal(tpm2_pcr_extend(&tr, 0, 16, d, 0, &err), SDM_EINVAL);
	assert_int_equal(fk.ncmd, 0);
}

/* ----------------------------------------------------------- GetRandom */

static void want_random(struct mb *m, uint16_t n)
{
	mb_hdr(m, TPM2_ST_NO_SESSIONS, TPM2_CC_GetRandom);
	MU(Tss2_MU_UINT16_Marshal(n, m->b, sizeof(m->b), &m->off));
	mb_done(m);
}

static void rsp_random(struct mb *m, uint16_t n, uint8_t seed)
{
	TPM2B_DIGEST d = { .size = n };

	pattern(d.buffer, n, seed);
	mb_hdr(m, TPM2_ST_NO_SESSIONS, TPM2_RC_SUCCESS);
	MU(Tss2_MU_TPM2B_DIGEST_Marshal(&d, m->b, sizeof(m->b), &m->off));
	mb_done(m);
}

static void test_get_random(void **state)
{
	uint8_t out[100], want_bytes[100];
	struct mb want;

	/* 64 asked, 64 given; 36 asked, 20 given; 16 asked, 16 given. */
	rsp_random(queue(), 64, 1);
	rsp_random(queue(), 20, 2);
	rsp_random(queue(), 16, 3);
	assert_int_equal(tpm2_get_random(&tr, 0, out, sizeof(out), &err),
			 SDM_OK);
	want_random(&want, 64);
	assert_cmd(0, &want);
	want_random(&want, 36);
	assert_cmd(1, &want);
	want_random(&want, 16);
	assert_cmd(2, &want);
	pattern(want_bytes, 64, 1);
	pattern(want_bytes + 64, 20, 2);
	pattern(want_bytes + 84, 16, 3);
	assert_memory_equal(out, want_bytes, sizeof(out));
}

static void test_get_random_malformed(void **state)
{
	uint8_t out[16];

	rsp_random(queue(), 17, 1);
	assert_int_equal(tpm2_get_random(&tr, 0, out, sizeof(out), &err),
			 SDM_ERANGE);
	assert_string_equal(err.msg, "TPM2_GetRandom response: randomBytes "
				     "size 17 exceeds 16 at offset 0xa");

	rsp_random(queue(), 0, 1);
	assert_int_equal(tpm2_get_random(&tr, 0, out, sizeof(out), &err),
			 SDM_EIO);
	assert_string_equal(err.msg, "TPM2_GetRandom: TPM returned no bytes "
				     "(0 of 16 filled)");

	/* Trailing bytes after randomBytes. */
	rsp_random(queue(), 16, 1);
	fk.rsp[fk.nrsp - 1].off += 3;
	mb_done(&fk.rsp[fk.nrsp - 1]);
	assert_int_equal(tpm2_get_random(&tr, 0, out, sizeof(out), &err),
			 SDM_EINVAL);
	assert_string_equal(err.msg, "TPM2_GetRandom response: 3 trailing "
				     "bytes at offset 0x1c");
}

/* ------------------------------------------------- TPM 1.2 framing */

static void raw(struct mb *m, const void *p, size_t n)
{
	memcpy(m->b, p, n);
	m->off = n;
}

static void test_tpm12_commands(void **state)
{
	/* Part 3: TPM_Extend (ordinal 0x14), pcrNum 10, 20-byte inDigest. */
	static const uint8_t extend_cmd[] = {
		0x00, 0xc1, 0x00, 0x00, 0x00, 0x22, 0x00, 0x00, 0x00, 0x14,
		0x00, 0x00, 0x00, 0x0a, 0x40, 0x47, 0x4e, 0x55, 0x5c, 0x63,
		0x6a, 0x71, 0x78, 0x7f, 0x86, 0x8d, 0x94, 0x9b, 0xa2, 0xa9,
		0xb0, 0xb7, 0xbe, 0xc5,
	};
	static const uint8_t startup_cmd[] = { 0x00, 0xc1, 0x00, 0x00, 0x00,
					       0x0c, 0x00, 0x00, 0x00, 0x99,
					       0x00, 0x01 };
	static const uint8_t getcap_cmd[] = {
		0x00, 0xc1, 0x00, 0x00, 0x00, 0x16, 0x00, 0x00, 0x00, 0x65,
		0x00, 0x00, 0x00, 0x05, 0x00, 0x00, 0x00, 0x04, 0x00, 0x00,
		0x01, 0x01,
	};
	uint8_t rsp[30] = { 0x00, 0xc4, 0x00, 0x00, 0x00, 0x1e };
	uint8_t digest[20], value[20];
	uint32_t count = 0;
	bool already = false;

	pattern(digest, 20, 0x40);
	pattern(rsp + 10, 20, 0x11);
	raw(queue(), rsp, sizeof(rsp));
	assert_int_equal(tpm12_extend(&tr, 0, 10, digest, value, &err),
			 SDM_OK);
	assert_int_equal(fk.cmd[0].off, sizeof(extend_cmd));
	assert_memory_equal(fk.cmd[0].b, extend_cmd, sizeof(extend_cmd));
	assert_memory_equal(value, rsp + 10, 20);

	raw(queue(), "\x00\xc4\x00\x00\x00\x0a\x00\x00\x00\x26", 10);
	assert_int_equal(tpm12_startup(&tr, 0, &already, &err), SDM_OK);
	assert_true(already);
	assert_memory_equal(fk.cmd[1].b, startup_cmd, sizeof(startup_cmd));

	raw(queue(), "\x00\xc4\x00\x00\x00\x12\x00\x00\x00\x00"
		     "\x00\x00\x00\x04\x00\x00\x00\x18", 18);
	assert_int_equal(tpm12_get_pcr_count(&tr, 0, &count, &err), SDM_OK);
	assert_int_equal(count, 24);
	assert_int_equal(fk.cmd[2].off, sizeof(getcap_cmd));
	assert_memory_equal(fk.cmd[2].b, getcap_cmd, sizeof(getcap_cmd));
}

static void test_tpm12_malformed(void **state)
{
	struct tpm12_version v;
	uint8_t value[20];
	uint32_t count;

	/* A 2.0 tag. */
	raw(queue(), "\x80\x01\x00\x00\x00\x0a\x00\x00\x00\x00", 10);
	assert_int_equal(tpm12_pcr_read(&tr, 0, 10, value, &err), SDM_EINVAL);
	assert_string_equal(err.msg, "TPM_PcrRead response: tag 0x8001, "
				     "expected 0x00c4 at offset 0x0");
	/* Digest cut short. */
	raw(queue(), "\x00\xc4\x00\x00\x00\x0e\x00\x00\x00\x00\x01\x02\x03\x04",
	    14);
	assert_int_equal(tpm12_pcr_read(&tr, 0, 10, value, &err), SDM_ERANGE);
	assert_string_equal(err.msg, "TPM_PcrRead response: outDigest "
				     "truncated (needs 20 bytes, 4 left) at "
				     "offset 0xa");
	/* TPM_BAD_LOCALITY */
	raw(queue(), "\x00\xc4\x00\x00\x00\x0a\x00\x00\x00\x3d", 10);
	assert_int_equal(tpm12_extend(&tr, 0, 17, value, NULL, &err), 0x3d);
	assert_string_equal(err.msg, "TPM_Extend: TPM refused: "
				     "TPM_BAD_LOCALITY (0x3d)");
	/* respSize beyond the bytes that follow. */
	raw(queue(), "\x00\xc4\x00\x00\x00\x12\x00\x00\x00\x00"
		     "\x00\x00\x00\x08\x00\x00\x00\x18", 18);
	assert_int_equal(tpm12_get_pcr_count(&tr, 0, &count, &err),
			 SDM_EINVAL);
	assert_string_equal(err.msg, "TPM_GetCapability response: respSize 8 "
				     "but 4 bytes follow at offset 0xa");
	/* 4096 PCRs. */
	raw(queue(), "\x00\xc4\x00\x00\x00\x12\x00\x00\x00\x00"
		     "\x00\x00\x00\x04\x00\x00\x10\x00", 18);
	assert_int_equal(tpm12_get_pcr_count(&tr, 0, &count, &err),
			 SDM_ERANGE);
	assert_string_equal(err.msg, "TPM_GetCapability response: 4096 PCRs, "
				     "expected 1..32 at offset 0xe");
	/* TPM_CAP_VERSION_INFO claiming vendor bytes it does not have. */
	raw(queue(), "\x00\xc4\x00\x00\x00\x1d\x00\x00\x00\x00"
		     "\x00\x00\x00\x0f\x00\x30\x01\x02\x01\x00\x00\x02\x03"
		     "IBM\x00\x00\x05", 29);
	assert_int_equal(tpm12_get_version(&tr, 0, &v, &err), SDM_EINVAL);
	assert_string_equal(err.msg, "TPM_GetCapability response: "
				     "vendorSpecificSize 5 but 0 bytes follow "
				     "at offset 0x1b");
	raw(queue(), "\x00\xc4\x00\x00\x00\x1f\x00\x00\x00\x00"
		     "\x00\x00\x00\x11\x00\x30\x01\x02\x01\x00\x00\x02\x03"
		     "IBM\x00\x00\x02\xaa\xbb", 31);
	assert_int_equal(tpm12_get_version(&tr, 0, &v, &err), SDM_OK);
	assert_int_equal(v.spec_level, 2);
	assert_int_equal(v.errata_rev, 3);
	assert_string_equal(v.vendor, "IBM");
}

/* ------------------------------------------------------------ sessions, quote */

static const uint8_t nonce16[16] = { 1, 2, 3, 4, 5, 6, 7, 8,
				     9, 10, 11, 12, 13, 14, 15, 16 };

static void want_start_session(struct mb *m)
{
	TPM2B_NONCE n = { .size = 16 };
	TPM2B_ENCRYPTED_SECRET salt = { .size = 0 };
	TPMT_SYM_DEF sym = { .algorithm = TPM2_ALG_NULL };

	memcpy(n.buffer, nonce16, 16);
	mb_hdr(m, TPM2_ST_NO_SESSIONS, TPM2_CC_StartAuthSession);
	MU(Tss2_MU_UINT32_Marshal(TPM2_RH_NULL, m->b, sizeof(m->b), &m->off));
	MU(Tss2_MU_UINT32_Marshal(TPM2_RH_NULL, m->b, sizeof(m->b), &m->off));
	MU(Tss2_MU_TPM2B_NONCE_Marshal(&n, m->b, sizeof(m->b), &m->off));
	MU(Tss2_MU_TPM2B_ENCRYPTED_SECRET_Marshal(&salt, m->b, sizeof(m->b),
						  &m->off));
	MU(Tss2_MU_TPM2_SE_Marshal(TPM2_SE_POLICY, m->b, sizeof(m->b), &m->off));
	MU(Tss2_MU_TPMT_SYM_DEF_Marshal(&sym, m->b, sizeof(m->b), &m->off));
	MU(Tss2_MU_UINT16_Marshal(TPM2_ALG_SHA256, m->b, sizeof(m->b), &m->off));
	mb_done(m);
}

static void rsp_start_session(struct mb *m, uint32_t handle, uint16_t nlen)
{
	TPM2B_NONCE n = { .size = nlen };

	pattern(n.buffer, nlen, 3);
	mb_hdr(m, TPM2_ST_NO_SESSIONS, TPM2_RC_SUCCESS);
	MU(Tss2_MU_UINT32_Marshal(handle, m->b, sizeof(m->b), &m->off));
	MU(Tss2_MU_TPM2B_NONCE_Marshal(&n, m->b, sizeof(m->b), &m->off));
	mb_done(m);
}

static void want_quote(struct mb *m, const uint8_t *q, uint16_t qlen)
{
	TPMS_AUTH_COMMAND a = { .sessionHandle = 0x03000001 };
	TPM2B_DATA d = { .size = qlen };
	TPMT_SIG_SCHEME s = { .scheme = TPM2_ALG_NULL };
	TPML_PCR_SELECTION sel = { .count = 1 };
	size_t at;

	memcpy(d.buffer, q, qlen);
	sel.pcrSelections[0].hash = TPM2_ALG_SHA256;
	sel.pcrSelections[0].sizeofSelect = 3;
	sel.pcrSelections[0].pcrSelect[2] = 0x1e;
	mb_hdr(m, TPM2_ST_SESSIONS, TPM2_CC_Quote);
	MU(Tss2_MU_UINT32_Marshal(0x81010010, m->b, sizeof(m->b), &m->off));
	at = m->off;
	MU(Tss2_MU_UINT32_Marshal(0, m->b, sizeof(m->b), &m->off));
	MU(Tss2_MU_TPMS_AUTH_COMMAND_Marshal(&a, m->b, sizeof(m->b), &m->off));
	MU(Tss2_MU_UINT32_Marshal((uint32_t)(m->off - at - 4), m->b,
				  sizeof(m->b), &at));
	MU(Tss2_MU_TPM2B_DATA_Marshal(&d, m->b, sizeof(m->b), &m->off));
	MU(Tss2_MU_TPMT_SIG_SCHEME_Marshal(&s, m->b, sizeof(m->b), &m->off));
	MU(Tss2_MU_TPML_PCR_SELECTION_Marshal(&sel, m->b, sizeof(m->b),
					      &m->off));
	mb_done(m);
}

/* A quote response: the attest bytes and an ECDSA or RSA signature. */
static void rsp_quote(struct mb *m, uint16_t alen, bool ecdsa)
{
	TPM2B_ATTEST at = { .size = alen };
	TPMT_SIGNATURE sig = { 0 };
	TPMS_AUTH_RESPONSE ar = { 0 };
	size_t ps;

	pattern(at.attestationData, alen, 9);
	if (ecdsa) {
		sig.sigAlg = TPM2_ALG_ECDSA;
		sig.signature.ecdsa.hash = TPM2_ALG_SHA256;
		sig.signature.ecdsa.signatureR.size = 32;
		sig.signature.ecdsa.signatureS.size = 32;
		pattern(sig.signature.ecdsa.signatureR.buffer, 32, 1);
		pattern(sig.signature.ecdsa.signatureS.buffer, 32, 2);
	} else {
		sig.sigAlg = TPM2_ALG_RSASSA;
		sig.signature.rsassa.hash = TPM2_ALG_SHA256;
		sig.signature.rsassa.sig.size = 256;
		pattern(sig.signature.rsassa.sig.buffer, 256, 4);
	}
	mb_hdr(m, TPM2_ST_SESSIONS, TPM2_RC_SUCCESS);
	ps = m->off;
	MU(Tss2_MU_UINT32_Marshal(0, m->b, sizeof(m->b), &m->off));
	MU(Tss2_MU_TPM2B_ATTEST_Marshal(&at, m->b, sizeof(m->b), &m->off));
	MU(Tss2_MU_TPMT_SIGNATURE_Marshal(&sig, m->b, sizeof(m->b), &m->off));
	MU(Tss2_MU_UINT32_Marshal((uint32_t)(m->off - ps - 4), m->b,
				  sizeof(m->b), &ps));
	MU(Tss2_MU_TPMS_AUTH_RESPONSE_Marshal(&ar, m->b, sizeof(m->b),
					      &m->off));
	mb_done(m);
}

static const struct tpm2_bank q_sel = { TPM20_ALG_SHA256, 3, 0x1e0000 };
static uint8_t q_att[TPM20_MAX_ATTEST], q_sig[TPM20_MAX_SIGNATURE];
static size_t q_alen, q_slen;

static int do_quote(const uint8_t *q, size_t qlen)
{
	return tpm2_quote(&tr, 2, 0x81010010, 0x03000001, q, qlen, &q_sel, 1,
			  q_att, sizeof(q_att), &q_alen, q_sig, sizeof(q_sig),
			  &q_slen, &err);
}

static void test_session_and_quote(void **state)
{
	struct mb want;
	uint32_t h = 0;
	uint8_t q[32], expect_att[145];

	pattern(q, sizeof(q), 5);
	rsp_start_session(queue(), 0x03000001, 16);
	mb_rc(queue(), TPM2_RC_SUCCESS);
	rsp_quote(queue(), 145, true);
	rsp_quote(queue(), 145, false);
	mb_rc(queue(), TPM2_RC_SUCCESS);

	assert_int_equal(tpm2_start_policy_session(&tr, 2, nonce16, 16, &h, &err),
			 SDM_OK);
	assert_int_equal(h, 0x03000001);
	want_start_session(&want);
	assert_cmd(0, &want);

	assert_int_equal(tpm2_policy_locality(&tr, 2, h, TPM20_LOC_TWO, &err),
			 SDM_OK);
	mb_hdr(&want, TPM2_ST_NO_SESSIONS, TPM2_CC_PolicyLocality);
	MU(Tss2_MU_UINT32_Marshal(h, want.b, sizeof(want.b), &want.off));
	MU(Tss2_MU_TPMA_LOCALITY_Marshal(TPMA_LOCALITY_TPM2_LOC_TWO, want.b,
					 sizeof(want.b), &want.off));
	mb_done(&want);
	assert_cmd(1, &want);

	assert_int_equal(do_quote(q, sizeof(q)), SDM_OK);
	want_quote(&want, q, sizeof(q));
	assert_cmd(2, &want);
	assert_int_equal(fk.locality, 2);
	pattern(expect_att, sizeof(expect_att), 9);
	assert_int_equal(q_alen, 145);
	assert_memory_equal(q_att, expect_att, 145);
	/* The signature exactly as sent: sigAlg, hash, r, s. */
	assert_int_equal(q_slen, 2 + 2 + 34 + 34);
	assert_memory_equal(q_sig, "\x00\x18\x00\x0b\x00\x20", 6);
	assert_int_equal(do_quote(q, sizeof(q)), SDM_OK);
	assert_int_equal(q_slen, 2 + 2 + 2 + 256);

	assert_int_equal(tpm2_flush_context(&tr, 2, h, &err), SDM_OK);
	mb_hdr(&want, TPM2_ST_NO_SESSIONS, TPM2_CC_FlushContext);
	MU(Tss2_MU_UINT32_Marshal(h, want.b, sizeof(want.b), &want.off));
	mb_done(&want);
	assert_cmd(4, &want);
}

static void test_session_and_quote_malformed(void **state)
{
	uint32_t h = 0;
	uint8_t q[32] = { 0 }, big[67] = { 0 };
	struct mb *m;

	/* Session: nonceTPM too short; not a policy session handle. */
	rsp_start_session(queue(), 0x03000001, 8);
	mb_rc(queue(), TPM2_RC_SUCCESS); /* the flush of that session */
	assert_int_equal(tpm2_start_policy_session(&tr, 2, nonce16, 16, &h, &err),
			 SDM_EINVAL);
	assert_non_null(strstr(err.msg, "nonceTPM of 8 bytes, at least 16"));
	assert_int_equal(fk.ncmd, 2);
	assert_memory_equal(fk.cmd[1].b + 6, "\x00\x00\x01\x65\x03\x00\x00\x01", 8);
	rsp_start_session(queue(), 0x02000000, 16);
	assert_int_equal(tpm2_start_policy_session(&tr, 2, nonce16, 16, &h, &err),
			 SDM_EINVAL);
	assert_non_null(strstr(err.msg, "sessionHandle 0x02000000 is not a "
					"policy session"));
	/* The TPM refuses: its code comes back, decoded. */
	mb_rc(queue(), 0x903);
	assert_int_equal(tpm2_start_policy_session(&tr, 2, nonce16, 16, &h, &err),
			 0x903);
	assert_non_null(strstr(err.msg, "TPM2_StartAuthSession: TPM refused: "
					"TPM_RC_SESSION_MEMORY"));
	/* Quote: qualifying data too long is refused before sending. */
	assert_int_equal(do_quote(big, sizeof(big)), SDM_EINVAL);
	assert_int_equal(fk.ncmd, 4);
	/* Unknown signature scheme. */
	m = queue();
	rsp_quote(m, 20, true);
	m->b[10 + 4 + 2 + 20] = 0x00; /* sigAlg 0x0018 -> 0x0010 (NULL) */
	m->b[10 + 4 + 2 + 20 + 1] = 0x10;
	assert_int_equal(do_quote(q, sizeof(q)), SDM_EINVAL);
	assert_non_null(strstr(err.msg, "sigAlg 0x0010 is not a signature "
					"scheme"));
	/* Empty attest. */
	rsp_quote(queue(), 0, true);
	assert_int_equal(do_quote(q, sizeof(q)), SDM_ERANGE);
	assert_non_null(strstr(err.msg, "quoted size 0"));
	/* signatureR larger than an ECC parameter. */
	m = queue();
	rsp_quote(m, 20, true);
	m->b[10 + 4 + 2 + 20 + 4 + 1] = 67;
	assert_int_equal(do_quote(q, sizeof(q)), SDM_ERANGE);
	assert_non_null(strstr(err.msg, "signatureR size 67 exceeds 66"));
	/* parameterSize says less than the parameters. */
	m = queue();
	rsp_quote(m, 20, true);
	m->b[10 + 3] -= 2;
	assert_int_equal(do_quote(q, sizeof(q)), SDM_EINVAL);
	assert_non_null(strstr(err.msg, "parameterSize says"));
	/* Cut inside the signature. */
	m = queue();
	rsp_quote(m, 20, false);
	m->off -= 100;
	mb_done(m);
	assert_true(do_quote(q, sizeof(q)) < 0);
	assert_non_null(strstr(err.msg, "TPM2_Quote response"));
	/* The attest larger than the caller's buffer. */
	rsp_quote(queue(), 200, true);
	assert_int_equal(tpm2_quote(&tr, 2, 0x81010010, 0x03000001, q,
				    sizeof(q), &q_sel, 1, q_att, 100, &q_alen,
				    q_sig, sizeof(q_sig), &q_slen, &err),
			 SDM_ERANGE);
	assert_non_null(strstr(err.msg, "quoted size 200: 1..100 allowed"));
	/* The signature larger than the caller's buffer. */
	rsp_quote(queue(), 20, false);
	assert_int_equal(tpm2_quote(&tr, 2, 0x81010010, 0x03000001, q,
				    sizeof(q), &q_sel, 1, q_att, sizeof(q_att),
				    &q_alen, q_sig, 100, &q_slen, &err),
			 SDM_ERANGE);
	assert_non_null(strstr(err.msg, "signature of 262 bytes exceeds 100"));
	/* A policy failure: the TPM's code. */
	mb_rc(queue(), 0x99d);
	assert_int_equal(do_quote(q, sizeof(q)), 0x99d);
	assert_non_null(strstr(err.msg, "TPM2_Quote: TPM refused"));
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup(test_startup, setup),
		cmocka_unit_test_setup(test_startup_failure, setup),
		cmocka_unit_test_setup(test_get_pcr_banks, setup),
		cmocka_unit_test_setup(test_get_pcr_banks_malformed, setup),
		cmocka_unit_test_setup(test_get_info, setup),
		cmocka_unit_test_setup(test_get_properties_malformed, setup),
		cmocka_unit_test_setup(test_pcr_read, setup),
		cmocka_unit_test_setup(test_pcr_read_fewer, setup),
		cmocka_unit_test_setup(test_pcr_read_counter_changes, setup),
		cmocka_unit_test_setup(test_pcr_read_bad_args, setup),
		cmocka_unit_test_setup(test_rsp_size_larger, setup),
		cmocka_unit_test_setup(test_rsp_size_smaller, setup),
		cmocka_unit_test_setup(test_rsp_truncated_digest, setup),
		cmocka_unit_test_setup(test_rsp_count_beyond_limit, setup),
		cmocka_unit_test_setup(test_rsp_unknown_alg, setup),
		cmocka_unit_test_setup(test_rsp_wrong_digest_size, setup),
		cmocka_unit_test_setup(test_rsp_other_pcr, setup),
		cmocka_unit_test_setup(test_rsp_wrong_tag, setup),
		cmocka_unit_test_setup(test_rsp_nonzero_rc, setup),
		cmocka_unit_test(test_rc_str),
		cmocka_unit_test_setup(test_pcr_extend, setup),
		cmocka_unit_test_setup(test_pcr_extend_refused, setup),
		cmocka_unit_test_setup(test_pcr_extend_malformed, setup),
		cmocka_unit_test_setup(test_pcr_extend_bad_args, setup),
		cmocka_unit_test_setup(test_get_random, setup),
		cmocka_unit_test_setup(test_get_random_malformed, setup),
		cmocka_unit_test_setup(test_session_and_quote, setup),
		cmocka_unit_test_setup(test_session_and_quote_malformed, setup),
		cmocka_unit_test_setup(test_tpm12_commands, setup),
		cmocka_unit_test_setup(test_tpm12_malformed, setup),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
