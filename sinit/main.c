/*
 * sinit: check the platform, load dommgr, hand off. Entered from
 * entry.S in long mode on identity page tables for the low 4 GiB.
 */
#include <stdio.h>
#include <string.h>
#include <sdm/arch/x86.h>
#include <sdm/cmdline.h>
#include <sdm/log.h>
#include <sdm/power.h>
#include "sinit/dma.h"
#include "sinit/sinit.h"

static struct sinit_state state;

void sinit_fatal(const struct sinit_state *st, const char *fmt, ...)
{
	va_list ap;
	char msg[200];

	va_start(ap, fmt);
	vsnprintf(msg, sizeof(msg), fmt, ap);
	va_end(ap);
	pr_err("FATAL: %s", msg);
	pr_err("halted");
	x86_stop(&st->platform, st->exit_action);
}

static void parse_options(struct sinit_state *st)
{
	const char *cl = st->mb.cmdline;
	char v[32];

	st->console = SDM_CONSOLE_SERIAL;
	st->loglevel = SDM_LOG_INFO;
	st->exit_action = SDM_EXIT_HALT;
	st->on_error = ON_ERROR_HALT;
	if (cl == NULL)
		return;
	if (cmdline_get(cl, 4096, "console", v, sizeof(v))) {
		uint32_t c = 0;

		for (char *p = v; *p != '\0';) {
			char *q = p;

			while (*q != '\0' && *q != ',')
				q++;
			if (q - p == 6 && memcmp(p, "serial", 6) == 0)
				c |= SDM_CONSOLE_SERIAL;
			else if (q - p == 2 && memcmp(p, "e9", 2) == 0)
				c |= SDM_CONSOLE_E9;
			else
				pr_warn("unknown console '%.*s' ignored",
					(int)(q - p), p);
			p = *q == ',' ? q + 1 : q;
		}
		if (c != 0)
			st->console = c;
	}
	if (cmdline_get(cl, 4096, "loglevel", v, sizeof(v))) {
		static const char *const names[] = { "error", "warn", "info",
						     "debug" };
		bool ok = false;

		for (uint32_t i = 0; i < ARRAY_SIZE(names); i++) {
			if (strncmp(v, names[i], sizeof(v)) == 0) {
				st->loglevel = i;
				ok = true;
			}
		}
		if (!ok)
			pr_warn("unknown loglevel '%s' ignored", v);
	}
	if (cmdline_get(cl, 4096, "on_launch_error", v, sizeof(v))) {
		if (strncmp(v, "continue", sizeof(v)) == 0)
			st->on_error = ON_ERROR_CONTINUE;
		else if (strncmp(v, "halt", sizeof(v)) != 0)
			pr_warn("unknown on_launch_error '%s' ignored", v);
	}
	if (cmdline_get(cl, 4096, "exit", v, sizeof(v))) {
		if (strncmp(v, "poweroff", sizeof(v)) == 0)
			st->exit_action = SDM_EXIT_POWEROFF;
		else if (strncmp(v, "halt", sizeof(v)) != 0)
			pr_warn("unknown exit action '%s' ignored", v);
	}
}

void sinit_main(uint32_t magic, uint32_t mbi_pa);

void sinit_main(uint32_t magic, uint32_t mbi_pa)
{
	struct sinit_state *st = &state;
	struct sdm_err err = { 0 };

	log_init("sinit: ", SDM_CONSOLE_SERIAL, SDM_LOG_INFO);
	pr_info("SDM sinit %s starting", SDM_VERSION);
	if (magic != MB2_BOOTLOADER_MAGIC)
		sinit_fatal(st, "not started by a multiboot2 loader "
			    "(EAX 0x%x, expected 0x%x)", magic,
			    MB2_BOOTLOADER_MAGIC);

	const void *mbi = sinit_test_mbi_hook((const void *)(uintptr_t)mbi_pa);

	st->mbi_pa = (uint32_t)(uintptr_t)mbi;
	if (mb2_parse(mbi, MB2_MAX_INFO_SIZE, &st->mb, &err) != SDM_OK)
		sinit_fatal(st, "multiboot2 info at 0x%x: %s", st->mbi_pa,
			    err.msg);
	parse_options(st);
	log_init("sinit: ", st->console, st->loglevel);
	pr_info("boot loader: %s; command line: %s",
		st->mb.loader_name ? st->mb.loader_name : "(unnamed)",
		st->mb.cmdline ? st->mb.cmdline : "");
	pr_info("memory map: %u entries, %u modules", st->mb.nmmap,
		st->mb.nmods);
	for (unsigned i = 0; i < st->mb.nmmap; i++)
		pr_debug("  mem 0x%016lx-0x%016lx type %u", st->mb.mmap[i].base,
			 st->mb.mmap[i].base + st->mb.mmap[i].len,
			 st->mb.mmap[i].type);

	uint32_t a, b, c, d;

	cpuid(0x80000001, 0, &a, &b, &c, &d);
	st->nx = (d >> 20) & 1;
	if (st->nx)
		wrmsr(MSR_IA32_EFER, rdmsr(MSR_IA32_EFER) | EFER_NXE);
	else
		pr_warn("CPU has no NX bit: W^X is enforced for writes only");

	sinit_platform(st);
	/* Before anything is verified, measured or copied: DMA blocked. */
	struct sinit_dma dma;

	if (sinit_dma_protect(&st->acpi, &st->mb, &dma, &err) != SDM_OK)
		sinit_fatal(st, "DMA protection: %s", err.msg);
	sinit_policy_load(st);
	sinit_load_dommgr(st);
}
