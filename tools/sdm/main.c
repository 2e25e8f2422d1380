/*
 * sdm: the SDM host command. Each subcommand is one row of the table
 * below; a subcommand gets its own words (argv[0] is its name) and returns
 * an exit code from sdm.h: 0 done, 1 failure, 2 usage error.
 */
#include <stdio.h>
#include <string.h>

#include "attest_cmds.h"
#include "cmds.h"
#include "policy_cmds.h"
#include "sdm.h"

struct sdm_command {
	const char *name;
	const char *summary;
	int (*run)(int argc, char **argv);
};

static int cmd_help(int argc, char **argv);

static const struct sdm_command commands[] = {
	{ "help", "show this list, or a command's help: sdm help COMMAND", cmd_help },
	{ "image", "build a bootable GRUB ISO: sinit, dommgr and domain images", sdm_cmd_image },
	{ "eventlog", "show or replay a TCG event log (against PCR values)", sdm_cmd_eventlog },
	{ "tpm", "read PCR values from a TPM 2.0 or 1.2", sdm_cmd_tpm },
	{ "keygen", "make a policy signing key (ECDSA P-384 or RSA-3072)", sdm_cmd_keygen },
	{ "policy", "compile, check or show a launch policy", sdm_cmd_policy },
	{ "attest", "remote attestation: enrol, reference, quote, verify, show", sdm_cmd_attest },
};

static const struct sdm_command *find_command(const char *name)
{
	for (size_t i = 0; i < sizeof(commands) / sizeof(commands[0]); i++)
		if (strcmp(commands[i].name, name) == 0)
			return &commands[i];
	return NULL;
}

static void usage(FILE *f)
{
	fprintf(f, "usage: sdm COMMAND [ARGS...]\n\nCommands:\n");
	for (size_t i = 0; i < sizeof(commands) / sizeof(commands[0]); i++)
		fprintf(f, "  %-10s %s\n", commands[i].name, commands[i].summary);
	fprintf(f, "\n'sdm COMMAND --help' shows a command's options.\n"
		   "Exit status: 0 done, 1 failure, 2 usage error.\n");
}

static int cmd_help(int argc, char **argv)
{
	const struct sdm_command *c;
	char help_flag[] = "--help";
	char *help_argv[3];

	if (argc == 1) {
		usage(stdout);
		return SDM_EXIT_OK;
	}
	if (argc > 2) {
		fprintf(stderr, "sdm help: expected at most one command name\n");
		return SDM_EXIT_USAGE;
	}
	c = find_command(argv[1]);
	if (c == NULL) {
		fprintf(stderr, "sdm help: unknown command '%s'\n", argv[1]);
		usage(stderr);
		return SDM_EXIT_USAGE;
	}
	if (c->run == cmd_help) {
		usage(stdout);
		return SDM_EXIT_OK;
	}
	help_argv[0] = argv[1];
	help_argv[1] = help_flag;
	help_argv[2] = NULL;
	return c->run(2, help_argv);
}

int main(int argc, char **argv)
{
	const struct sdm_command *c;

	if (argc < 2) {
		usage(stderr);
		return SDM_EXIT_USAGE;
	}
	if (strcmp(argv[1], "--help") == 0 || strcmp(argv[1], "-h") == 0) {
		usage(stdout);
		return SDM_EXIT_OK;
	}
	c = find_command(argv[1]);
	if (c == NULL) {
		fprintf(stderr, "sdm: unknown command '%s'\n\n", argv[1]);
		usage(stderr);
		return SDM_EXIT_USAGE;
	}
	return c->run(argc - 1, argv + 1);
}
