/*
 * The host command `sdm`: one binary, one subcommand per function below
 * (dispatched from the table in main.c). Every subcommand takes its own
 * words (argv[0] is the subcommand's name), prints human output, and
 * returns one of the exit codes below.
 */
#ifndef SDM_TOOL_SDM_H
#define SDM_TOOL_SDM_H

enum sdm_exit {
	SDM_EXIT_OK = 0,      /* done */
	SDM_EXIT_FAILURE = 1, /* could not do it: bad input file, I/O, a tool failed */
	SDM_EXIT_USAGE = 2,   /* the command line is wrong */
};

/* sdm image: build a bootable GRUB ISO (image.c). */
int sdm_cmd_image(int argc, char **argv);

#endif
