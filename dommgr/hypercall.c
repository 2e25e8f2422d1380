/*
 * Hypercall dispatch (include/sdm/hypercall.h). Arguments are hostile:
 * every buffer is a guest-physical range checked against the caller's own
 * memory before it is touched, and every length is bounded.
 */
#include <stdio.h>
#include <string.h>
#include <sdm/hypercall.h>
#include <sdm/log.h>
#include "dommgr/attest.h"
#include "dommgr/core.h"
#include "dommgr/mm.h"

SDM_STATIC_ASSERT(SDM_HC_EXIT_REASONS == DOM_EXIT_REASONS, "exit counters");

static void *guest_buf(const struct domain *d, uint64_t gpa, uint64_t len)
{
	uint64_t hpa;

	if (len == 0 || !domain_gpa_to_hpa(d, gpa, len, &hpa))
		return NULL;
	return phys_map(hpa, len);
}

static uint64_t hc_console(struct domain *d, uint64_t gpa, uint64_t len)
{
	char line[SDM_HC_CONSOLE_MAX + 1];
	const char *src;

	if (len == 0 || len > SDM_HC_CONSOLE_MAX)
		return (uint64_t)SDM_HC_EINVAL;
	src = guest_buf(d, gpa, len);
	if (src == NULL)
		return (uint64_t)SDM_HC_EFAULT;
	/* Copy first: the guest may change the buffer while we look. */
	memcpy(line, src, len);
	line[len] = '\0';
	for (uint64_t i = 0; i < len; i++) {
		if (line[i] == '\n' && i + 1 == len)
			line[i] = '\0';
		else if (line[i] < 0x20 || line[i] > 0x7e)
			line[i] = '?';
	}
	pr_info("[%s] %s", d->name, line);
	return len;
}

static uint64_t hc_info(struct domain *d, uint64_t gpa, uint64_t len)
{
	struct sdm_hc_domain_info info;
	void *dst;

	if (len < sizeof(info))
		return (uint64_t)SDM_HC_EINVAL;
	dst = guest_buf(d, gpa, sizeof(info));
	if (dst == NULL)
		return (uint64_t)SDM_HC_EFAULT;
	memset(&info, 0, sizeof(info));
	info.abi = SDM_HC_ABI_VERSION;
	info.id = d->id;
	info.kind = d->kind;
	for (unsigned i = 0; i < 64; i++)
		info.ncpus += (d->cpus >> i) & 1;
	for (unsigned i = 0; i < d->nmem; i++)
		info.mem_bytes += d->mem[i].size;
	memcpy(info.name, d->name, sizeof(info.name));
	memcpy(dst, &info, sizeof(info));
	return sizeof(info);
}

static uint64_t hc_stats(struct domain *d, uint64_t gpa, uint64_t len)
{
	struct sdm_hc_exit_stats st;
	void *dst;

	if (len < sizeof(st))
		return (uint64_t)SDM_HC_EINVAL;
	dst = guest_buf(d, gpa, sizeof(st));
	if (dst == NULL)
		return (uint64_t)SDM_HC_EFAULT;
	st.nreasons = SDM_HC_EXIT_REASONS;
	st.pad = 0;
	st.hypercalls = d->hypercalls;
	memcpy(st.count, d->exits, sizeof(st.count));
	memcpy(dst, &st, sizeof(st));
	return sizeof(st);
}

static uint64_t hc_attest(struct domain *d, uint64_t req_gpa, uint64_t gpa,
			  uint64_t cap)
{
	struct sdm_hc_attest_req req;
	struct sdm_err err = { 0 };
	const void *src;
	void *dst;
	size_t len = 0;
	int rc;

	src = guest_buf(d, req_gpa, sizeof(req));
	if (src == NULL)
		return (uint64_t)SDM_HC_EFAULT;
	memcpy(&req, src, sizeof(req)); /* once: the guest may change it */
	if (req.reserved != 0 || req.nonce_len < SDM_HC_NONCE_MIN ||
	    req.nonce_len > SDM_HC_NONCE_MAX)
		return (uint64_t)SDM_HC_EINVAL;
	if (cap == 0)
		return (uint64_t)SDM_HC_EINVAL;
	if (cap > SDM_HC_ATTEST_MAX)
		cap = SDM_HC_ATTEST_MAX;
	dst = guest_buf(d, gpa, cap);
	if (dst == NULL)
		return (uint64_t)SDM_HC_EFAULT;
	rc = dommgr_attest(d, req.nonce, req.nonce_len, dst, cap, &len, &err);
	if (rc == SDM_ENOSPC)
		return (uint64_t)SDM_HC_ENOSPC;
	if (rc != SDM_OK) {
		pr_err("attest: domain '%s': no evidence: %s", d->name, err.msg);
		return (uint64_t)SDM_HC_EIO;
	}
	return len;
}

uint64_t hypercall(struct domain *d, uint64_t nr, uint64_t a1, uint64_t a2,
		   uint64_t a3)
{
	d->hypercalls++;
	switch (nr) {
	case SDM_HC_VERSION:
		return SDM_HC_ABI_VERSION;
	case SDM_HC_DOMAIN_INFO:
		return hc_info(d, a1, a2);
	case SDM_HC_CONSOLE:
		return hc_console(d, a1, a2);
	case SDM_HC_EXIT_STATS:
		return hc_stats(d, a1, a2);
	case SDM_HC_ATTEST:
		return hc_attest(d, a1, a2, a3);
	default:
		return (uint64_t)SDM_HC_ENOSYS;
	}
}
