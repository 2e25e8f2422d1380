/*
 * sdm image: the pure parts (argument parsing, kernel checks, grub.cfg
 * text) are separate functions so that unit tests can call them; the
 * command itself (sdm_cmd_image in sdm.h) adds the file system and
 * grub-mkrescue around them.
 */
#ifndef SDM_TOOL_IMAGE_H
#define SDM_TOOL_IMAGE_H
#include <stdbool.h>
#include <stddef.h>

#include <sdm/mb2.h>

/* sinit finds at most MB2_MAX_MODULES modules; dommgr and normal take two. */
#define IMAGE_MAX_PROTECTED (MB2_MAX_MODULES - 2)
/* How much of a kernel image mb_kernel_kind() looks at. */
#define IMAGE_KERNEL_SCAN (32u * 1024u)

struct image_opts {
	const char *normal;                     /* --normal (required) */
	const char *prot[IMAGE_MAX_PROTECTED];  /* --protected, in order */
	unsigned nprot;
	const char *out;                        /* --out (required) */
	const char *sinit;          /* --sinit; NULL: next to the sdm binary */
	const char *dommgr;         /* --dommgr; NULL: next to the sdm binary */
	const char *cmdline;        /* --cmdline: sinit's, "" if not given */
	const char *dommgr_cmdline; /* --dommgr-cmdline, "" if not given */
	const char *normal_cmdline; /* --normal-cmdline, "" if not given */
	const char *policy;         /* --policy BLOB, or NULL */
	bool no_dommgr;             /* --no-dommgr: negative tests only */
	bool verbose;
	bool help;
};

/*
 * Parses the words after "image" (argv[0..argc)), accepting "--opt VALUE"
 * and "--opt=VALUE". Returns 0, or -1 with a message in err naming the
 * offending option. With --help, returns 0 at once with o->help set.
 */
int image_parse_args(int argc, char *const argv[], struct image_opts *o,
		     char *err, size_t errlen);

/*
 * A command line goes into grub.cfg word by word (split at spaces and
 * tabs), unquoted, so only characters GRUB's script parser passes through
 * unchanged are allowed: letters, digits and _ - . , : = / + @ %.
 * Returns 0, or -1 with a message naming what (e.g. "--cmdline").
 */
int image_check_cmdline(const char *what, const char *s, char *err,
			size_t errlen);

/*
 * Writes grub.cfg for o into buf (NUL-terminated). Files are named in
 * the image as /boot/sinit.elf, /boot/dommgr.elf, /boot/normal.elf and
 * /boot/protN.elf (N = 1, 2, ...). Returns the length, or -1 if it does
 * not fit in size bytes.
 */
int image_grub_cfg(const struct image_opts *o, char *buf, size_t size);

/* What a kernel image given to sdm image must be. */
enum image_kernel_need {
	IMAGE_NEED_MB2,    /* sinit: an ELF with a multiboot2 header */
	IMAGE_NEED_MB_ANY, /* a domain: an ELF with a multiboot1 or 2 header */
	IMAGE_NEED_ELF64,  /* dommgr: an ELF64 x86-64 file (sinit checks the rest) */
	IMAGE_NEED_POLICY, /* a compiled policy: "SDMP" magic (sinit verifies it) */
};

/*
 * Checks the first len bytes of the image called name (at least
 * IMAGE_KERNEL_SCAN bytes, or all of a smaller file). Returns the
 * multiboot kind (0, 1 or 2), or -1 with a message naming name and what
 * is wrong.
 */
int image_check_kernel(const char *name, const void *head, size_t len,
		       enum image_kernel_need need, char *err, size_t errlen);

/*
 * The default path of file (e.g. "sinit.elf") for the sdm binary at exe:
 * the directory above exe's directory (build/bin/sdm -> build/sinit.elf).
 * Returns 0, or -1 if it does not fit or exe has no directory.
 */
int image_default_path(const char *exe, const char *file, char *buf,
		       size_t size);

#endif
