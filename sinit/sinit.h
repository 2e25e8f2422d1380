/* sinit internals. */
#ifndef SINIT_SINIT_H
#define SINIT_SINIT_H
#include <sdm/acpi.h>
#include <sdm/handoff.h>
#include <sdm/mb2.h>

#define SDM_VERSION "0.1"

/* Linker symbols (sinit/sinit.ld). */
extern char __sinit_start[], __sinit_text_end[], __sinit_end[];

/* The boot state sinit collects before it loads dommgr. */
struct sinit_state {
	uint32_t mbi_pa;
	struct mb2_info mb;
	struct acpi_info acpi;
	struct sdm_ho_tpm tpm;
	struct sdm_ho_platform platform;
	uint32_t console, loglevel, exit_action;
	bool nx;
};

__attribute__((noreturn, format(printf, 2, 3))) void
sinit_fatal(const struct sinit_state *st, const char *fmt, ...);

/* Test variants replace this at link time (tests/emu/inject/). */
const void *sinit_test_mbi_hook(const void *mbi);

void sinit_platform(struct sinit_state *st);
__attribute__((noreturn)) void sinit_load_dommgr(struct sinit_state *st);
__attribute__((noreturn)) void sinit_enter_dommgr(uint64_t cr3,
						  uint64_t entry,
						  uint64_t stack,
						  uint64_t handoff);

#endif
