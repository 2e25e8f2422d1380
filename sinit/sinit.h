/* sinit internals. */
#ifndef SINIT_SINIT_H
#define SINIT_SINIT_H
#include <sdm/acpi.h>
#include <sdm/handoff.h>
#include <sdm/mb2.h>
#include "policy/policy_verify.h"
#include "tpm/eventlog.h"

#define SDM_VERSION "0.1"

/* Linker symbols (sinit/sinit.ld). */
extern char __sinit_start[], __sinit_text_end[], __sinit_ro_end[], __sinit_end[];

/* The boot state sinit collects before it loads dommgr. */
/* What a launch error does (until the signed policy says it: issue 5). */
enum sinit_on_error { ON_ERROR_HALT, ON_ERROR_CONTINUE };

struct sinit_state {
	uint32_t mbi_pa;
	struct mb2_info mb;
	struct acpi_info acpi;
	struct sdm_ho_tpm tpm;
	struct sdm_ho_platform platform;
	uint32_t console, loglevel, exit_action;
	bool nx;
	enum sinit_on_error on_error;
	uint32_t launch_kind;    /* enum sdm_launch_kind */
	uint32_t launch_errors;  /* bits of enum sdm_launch_error */
	bool tpm_ok;
	struct evlog_writer log;
	const struct sdm_policy *policy; /* verified, or NULL: none given */
	const uint8_t *policy_blob;
	uint32_t policy_len;
};

__attribute__((noreturn, format(printf, 2, 3))) void
sinit_fatal(const struct sinit_state *st, const char *fmt, ...);

/* Test variants replace this at link time (tests/emu/inject/). */
const void *sinit_test_mbi_hook(const void *mbi);

void sinit_platform(struct sinit_state *st);
/* Find and verify the signed policy module "policy" (none: built-in default). */
void sinit_policy_load(struct sinit_state *st);
/* Every image's digests and the policy's fit to this machine. */
void sinit_policy_enforce(struct sinit_state *st);
/* A launch error: the policy's action (or the command line's), recorded. */
void sinit_launch_error(struct sinit_state *st, enum sdm_launch_error e,
			const char *fmt, ...) __attribute__((format(printf, 3, 4)));
/*
 * Rollback protection (sinit/rollback.c): compare the verified policy's
 * version with the TPM NV counter (after sinit_measure started the TPM;
 * an older policy halts), and advance the counter just before dommgr is
 * entered.
 */
void sinit_rollback_check(struct sinit_state *st);
void sinit_rollback_advance(struct sinit_state *st);
/* The TPM sinit_measure opened, or NULL when there is none or it failed. */
struct tpmdev;
const struct tpmdev *sinit_tpm(const struct sinit_state *st);
/* Start the TPM and measure the launch: PCR 17 (sinit), 18, 19 (dommgr). */
void sinit_measure(struct sinit_state *st, const struct mb2_module *dommgr);
/* Fill the handoff's measurement facts and copy the event log to dst. */
void sinit_measure_handoff(struct sinit_state *st, struct sdm_ho_measure *m,
			   void *dst, uint64_t dst_pa, uint32_t cap);
__attribute__((noreturn)) void sinit_load_dommgr(struct sinit_state *st);
__attribute__((noreturn)) void sinit_enter_dommgr(uint64_t cr3,
						  uint64_t entry,
						  uint64_t stack,
						  uint64_t handoff);

#endif
