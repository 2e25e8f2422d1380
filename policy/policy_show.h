/*
 * `sdm policy show`: a parsed policy as a human summary, as JSON, or as an
 * SVG picture of how memory, CPUs, devices and channels are split between
 * the domains. Host only.
 */
#ifndef SDM_POLICY_SHOW_H
#define SDM_POLICY_SHOW_H
#include <stdbool.h>
#include <stdio.h>

#include "policy/policy_check.h"

struct policy_show_info {
	const char *name;    /* the file shown */
	bool blob;           /* a signed blob (else a source) */
	bool anchor_checked; /* blob: its signer was compared with a trusted key */
};

void policy_show_text(FILE *f, const struct sdm_policy *p,
		      const struct policy_show_info *info);
void policy_show_json(FILE *f, const struct sdm_policy *p,
		      const struct policy_show_info *info);
/* The picture; m (may be NULL) adds the machine's RAM and CPUs. */
void policy_show_svg(FILE *f, const struct sdm_policy *p,
		     const struct sdm_pol_machine *m,
		     const struct policy_show_info *info);

#endif
