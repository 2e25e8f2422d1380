/* Policy blob writer (policy_encode.h). */
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include "policy/policy_encode.h"

int sdm_policy_encode(const struct sdm_policy *p, const uint8_t *key,
		      size_t key_len, unsigned sig_alg, uint8_t *buf,
		      size_t cap, size_t *total, size_t *signed_len,
		      struct sdm_err *err)
{
	struct sdm_pol_header h;
	uint32_t sig_size = sdm_pol_sig_size(sig_alg);
	size_t doms, need;
	int rc;

	*total = 0;
	*signed_len = 0;
	rc = sdm_policy_validate(p, NULL, err);
	if (rc != SDM_OK)
		return rc;
	if (sig_size == 0)
		return sdm_err_set(err, SDM_EINVAL,
				   "policy: unknown signature algorithm %u",
				   sig_alg);
	if (key == NULL || key_len == 0 || key_len > SDM_POL_MAX_KEY)
		return sdm_err_set(err, SDM_EINVAL,
				   "policy: signer key is %zu bytes (1-%u)",
				   key == NULL ? 0 : key_len, SDM_POL_MAX_KEY);
	doms = (size_t)p->ndomains * sizeof(struct sdm_pol_domain);
	need = sizeof(h) + doms + key_len + sig_size;
	*total = need;
	if (cap < need)
		return sdm_err_set(err, SDM_ENOSPC,
				   "policy: blob needs %zu bytes, buffer has %zu",
				   need, cap);

	memset(&h, 0, sizeof(h));
	h.magic = SDM_POL_MAGIC;
	h.format = SDM_POL_FORMAT;
	h.header_size = sizeof(h);
	h.total_size = (uint32_t)need;
	h.flags = p->flags;
	h.version = p->version;
	h.seal_pcrs = p->seal_pcrs;
	h.ndomains = (uint16_t)p->ndomains;
	h.domain_size = sizeof(struct sdm_pol_domain);
	h.domains_offset = sizeof(h);
	h.key_offset = (uint32_t)(sizeof(h) + doms);
	h.key_size = (uint32_t)key_len;
	h.sig_offset = h.key_offset + h.key_size;
	h.sig_size = sig_size;
	h.sig_alg = (uint16_t)sig_alg;
	memcpy(h.on_error, p->on_error, SDM_POL_ERR_CLASSES);

	memcpy(buf, &h, sizeof(h));
	memcpy(buf + sizeof(h), p->dom, doms);
	memcpy(buf + h.key_offset, key, key_len);
	memset(buf + h.sig_offset, 0, sig_size);
	*signed_len = h.sig_offset;
	return SDM_OK;
}
