/*
 * Remote attestation, dommgr's side (docs/attestation.md): on
 * SDM_HC_ATTEST a domain hands in a verifier's nonce and gets back an
 * evidence bundle: dommgr's domain report, bound with the nonce into a
 * TPM2 quote of PCRs 17-20 by the AK at locality 2, plus the event log.
 * Only dommgr reaches locality 2 (no domain maps the TPM), so only dommgr
 * can have asked for the quote.
 *
 * One request at a time: the report, the bundle and the TPM are shared,
 * so attest_lock serialises callers on every CPU. A quote over the
 * emulator's serial bridge takes seconds; the calling CPU waits in the
 * VM exit, the others run on.
 */
#include <stdio.h>
#include <string.h>
#include <sdm/hypercall.h>
#include <sdm/log.h>
#include "dommgr/attest.h"
#include "dommgr/core.h"
#include "dommgr/measure.h"
#include "tpm/attest.h"

SDM_STATIC_ASSERT(SDM_HC_NONCE_MIN == ATT_NONCE_MIN &&
		  SDM_HC_NONCE_MAX == ATT_NONCE_MAX, "nonce limits");
SDM_STATIC_ASSERT(DOM_MAX <= ATT_MAX_DOMAINS && DOM_MAX_DEVS <= ATT_MAX_DEVICES,
		  "a report holds every domain and device");
/* The largest bundle: container, nonce, quote, signature, log, report. */
SDM_STATIC_ASSERT(ATT_HDR + 5 * ATT_REC_HDR + ATT_NONCE_MAX + ATT_MAX_ATTEST +
		  ATT_MAX_SIGNATURE + ATT_REPORT_MAX + 64 * 1024 <=
		  SDM_HC_ATTEST_MAX, "SDM_HC_ATTEST_MAX");

static volatile int attest_lock;
static uint64_t report_seq;
static struct att_report report;
static uint8_t report_buf[ATT_REPORT_MAX];
static uint8_t bundle[SDM_HC_ATTEST_MAX];

static void lock(void)
{
	while (__atomic_exchange_n(&attest_lock, 1, __ATOMIC_ACQUIRE) != 0)
		__asm__ volatile("pause");
}

static void unlock(void)
{
	__atomic_store_n(&attest_lock, 0, __ATOMIC_RELEASE);
}

static uint32_t domain_state(const struct domain *d)
{
	switch (d->state) {
	case DOM_RUNNING:
		return ATT_DOM_RUNNING;
	case DOM_STOPPED:
		return d->stop_reason[0] != '\0' ? ATT_DOM_FAULTED :
						   ATT_DOM_STOPPED;
	default:
		return ATT_DOM_STOPPED;
	}
}

static void fill_domain(const struct sdm_handoff *ho, const struct domain *d,
			bool own, struct att_domain *o)
{
	memset(o, 0, sizeof(*o));
	memcpy(o->name, d->name, sizeof(o->name) - 1);
	o->id = d->id;
	o->kind = d->kind == DOM_NORMAL ? ATT_DOM_NORMAL : ATT_DOM_PROTECTED;
	o->state = domain_state(d);
	for (unsigned i = 0; i < d->nmem; i++)
		o->mem_bytes += d->mem[i].size;
	o->mem_ranges = d->nmem;
	o->cpu_mask = d->cpus;
	/* Another domain's exit count, sampled at will, would tell the
	 * caller how busy that domain is: the caller gets its own only. */
	for (unsigned i = 0; own && i < DOM_EXIT_REASONS; i++)
		o->exits += d->exits[i];
	if (d->image_size != 0) {
		o->nimages = 1;
		memcpy(o->images[0].sha256, d->image_sha256, 32);
		o->images[0].size = d->image_size;
		if (d->module >= 0 && (uint32_t)d->module < ho->nmods)
			memcpy(o->images[0].module, ho->mods[d->module].name,
			       ATT_NAME_MAX - 1);
	}
	o->ndevices = (uint8_t)d->ndevs;
	for (unsigned i = 0; i < d->ndevs; i++)
		o->devices[i] = (struct att_pci){ d->devs[i].seg,
						  (uint8_t)(d->devs[i].sid >> 8),
						  (uint8_t)d->devs[i].sid };
}

/* dommgr's statement of what runs, encoded (tpm/attest.h). */
static int build_report(const struct domain *caller, size_t *len,
			struct sdm_err *err)
{
	const struct sdm_handoff *ho = dommgr_handoff();
	const struct domain_table *t = dommgr_domains();
	uint64_t cpus = 0;

	memset(&report, 0, sizeof(report));
	report.launch_kind = ho->launch_kind;
	report.iommu = ho->platform.dmar_pa != 0 ? ATT_IOMMU_VTD :
						   ATT_IOMMU_ABSENT;
	/* Every domain runs under EPT: dommgr starts none without it. */
	report.flags = ATT_RF_EPT;
	if (t->dma_protected)
		report.flags |= ATT_RF_IOMMU_DMA;
	/* No domain maps TPM localities 1-4 (dommgr/domain.c holes) or
	 * reaches the emulator bridge's COM2 (I/O intercept). */
	report.flags |= ATT_RF_TPM_LOC0;
	report.seq = ++report_seq;
	report.ndomains = (uint16_t)t->n;
	for (unsigned i = 0; i < t->n; i++) {
		fill_domain(ho, &t->d[i], &t->d[i] == caller, &report.dom[i]);
		cpus |= t->d[i].cpus;
		/* Who asked: a verifier tells evidence a protected domain
		 * requested (its nonce binding its own key) from evidence
		 * another domain requested with a nonce of its choosing. */
		if (&t->d[i] == caller)
			report.requester = i + 1;
	}
	for (unsigned i = 0; i < 64; i++)
		report.ncpus += (cpus >> i) & 1;
	return att_report_encode(&report, report_buf, sizeof(report_buf), len,
				 err);
}

int dommgr_attest(const struct domain *caller, const uint8_t *nonce,
		  size_t nonce_len, void *out, size_t cap, size_t *len,
		  struct sdm_err *err)
{
	size_t rlen = 0, blen = 0;
	int rc;

	lock();
	rc = build_report(caller, &rlen, err);
	if (rc == SDM_OK)
		rc = dommgr_measure_evidence(nonce, nonce_len, report_buf, rlen,
					     bundle, sizeof(bundle), &blen,
					     err);
	/* Our own buffers too small is dommgr's failure, not the caller's
	 * (SDM_HC_ATTEST_MAX always suffices): not SDM_ENOSPC. */
	if (rc == SDM_ENOSPC)
		rc = err->code = SDM_ERANGE;
	if (rc == SDM_OK && blen > cap)
		rc = sdm_err_set(err, SDM_ENOSPC, "the bundle is %zu bytes, the "
				 "buffer %zu", blen, cap);
	if (rc == SDM_OK) {
		memcpy(out, bundle, blen);
		*len = blen;
		pr_info("attest: domain '%s': evidence %zu bytes (report %llu, "
			"%u domain(s)), quoted at locality %u", caller->name,
			blen, (unsigned long long)report.seq, report.ndomains,
			EVIDENCE_AK_LOCALITY);
	}
	unlock();
	return rc;
}
