/*
 * sdm image: build a BIOS-bootable GRUB rescue ISO that boots sinit by
 * multiboot2 with dommgr, the normal domain and the protected domains as
 * module2 boot modules. sinit finds modules by the first word of their
 * command line (dommgr, normal, protected), not by their order.
 */
#include <errno.h>
#include <limits.h>
#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include "image.h"
#include "sdm.h"
#include "util.h"

#define IMAGE_GRUB_DIR "/usr/lib/grub/i386-pc"
/*
 * GRUB modules put on the ISO (with their dependencies): what grub.cfg
 * uses, nothing more. Fewer modules also make GRUB's normal mode start
 * faster: under Bochs, GRUB with all modules took ~88M instructions to
 * reach sinit, with these ~43M.
 */
#define IMAGE_GRUB_MODULES "--install-modules=normal multiboot2 boot"
#define IMAGE_CFG_MAX 8192

#define IMAGE_USAGE \
	"usage: sdm image --normal FILE [--protected FILE]... --out FILE.iso\n" \
	"                 [--sinit FILE] [--dommgr FILE] [--cmdline STR]\n" \
	"                 [--dommgr-cmdline STR] [--normal-cmdline STR] [--policy BLOB]\n" \
	"                 [--no-dommgr] [--verbose]\n" \
	"\n" \
	"Builds a BIOS-bootable GRUB ISO (grub-mkrescue, i386-pc) that boots sinit\n" \
	"by multiboot2 with these boot modules, each named by the first word of its\n" \
	"command line:\n" \
	"  /boot/dommgr.elf  'dommgr <dommgr cmdline>'\n" \
	"  /boot/normal.elf  'normal'\n" \
	"  /boot/protN.elf   'protected name=protN'   (N = 1, 2, ... in order given)\n" \
	"\n" \
	"  --normal FILE          normal domain kernel: ELF with a multiboot1/2 header\n" \
	"  --protected FILE       a protected domain image (same format); repeatable,\n" \
	"                         at most %u\n" \
	"  --out FILE             the ISO to write (replaced if it exists)\n" \
	"  --sinit FILE           sinit (ELF with a multiboot2 header);\n" \
	"                         default: sinit.elf in the directory above sdm's own\n" \
	"  --dommgr FILE          dommgr (ELF64 x86-64; sinit checks the rest);\n" \
	"                         default: dommgr.elf in the directory above sdm's own\n" \
	"  --cmdline STR          sinit's command line, e.g.\n" \
	"                         'console=serial loglevel=info exit=poweroff'\n" \
	"  --dommgr-cmdline STR   dommgr's command line after the word 'dommgr'\n" \
	"  --normal-cmdline STR   the normal kernel's command line (after 'normal')\n" \
	"  --policy BLOB          the signed launch policy (sdm policy compile), as\n" \
	"                         module 'policy'\n" \
	"  --no-dommgr            leave dommgr out: only for the negative test that\n" \
	"                         sinit refuses to boot without it\n" \
	"  --verbose, -v          show grub.cfg and grub-mkrescue's output\n" \
	"  --help, -h             show this help\n" \
	"\n" \
	"Command lines may hold letters, digits, spaces and _ - . , : = / + @ %%.\n" \
	"Exit status: 0 written, 1 a file or grub-mkrescue failed, 2 usage error.\n"

enum image_opt_id {
	OPT_NORMAL,
	OPT_PROTECTED,
	OPT_OUT,
	OPT_SINIT,
	OPT_DOMMGR,
	OPT_CMDLINE,
	OPT_DOMMGR_CMDLINE,
	OPT_NORMAL_CMDLINE,
	OPT_POLICY,
	OPT_NO_DOMMGR,
	OPT_VERBOSE,
	OPT_HELP,
};

static const struct image_opt {
	const char *name;
	enum image_opt_id id;
	bool has_arg;
} image_opts_table[] = {
	{ "--normal", OPT_NORMAL, true },
	{ "--protected", OPT_PROTECTED, true },
	{ "--out", OPT_OUT, true },
	{ "--sinit", OPT_SINIT, true },
	{ "--dommgr", OPT_DOMMGR, true },
	{ "--cmdline", OPT_CMDLINE, true },
	{ "--dommgr-cmdline", OPT_DOMMGR_CMDLINE, true },
	{ "--normal-cmdline", OPT_NORMAL_CMDLINE, true },
	{ "--policy", OPT_POLICY, true },
	{ "--no-dommgr", OPT_NO_DOMMGR, false },
	{ "--verbose", OPT_VERBOSE, false },
	{ "-v", OPT_VERBOSE, false },
	{ "--help", OPT_HELP, false },
	{ "-h", OPT_HELP, false },
};

static const struct image_opt *image_find_opt(const char *word, size_t n)
{
	for (size_t i = 0; i < sizeof(image_opts_table) / sizeof(image_opts_table[0]); i++) {
		const struct image_opt *op = &image_opts_table[i];

		if (strlen(op->name) == n && strncmp(op->name, word, n) == 0)
			return op;
	}
	return NULL;
}

/* Stores a single-valued option; refuses it twice. */
static int image_set_once(const char **slot, const char *name, const char *val,
			  char *err, size_t errlen)
{
	if (*slot != NULL)
		return sdm_fail(err, errlen, "option %s given twice", name);
	*slot = val;
	return 0;
}

int image_parse_args(int argc, char *const argv[], struct image_opts *o,
		     char *err, size_t errlen)
{
	memset(o, 0, sizeof(*o));
	for (int i = 0; i < argc; i++) {
		const char *word = argv[i], *eq, *val = NULL;
		const struct image_opt *op;
		size_t n;
		int rc = 0;

		if (word[0] != '-')
			return sdm_fail(err, errlen,
					"unexpected argument '%s' (files are given with options such as --normal)",
					word);
		eq = strchr(word, '=');
		n = eq != NULL ? (size_t)(eq - word) : strlen(word);
		op = image_find_opt(word, n);
		if (op == NULL)
			return sdm_fail(err, errlen, "unknown option '%.*s'", (int)n, word);
		if (!op->has_arg && eq != NULL)
			return sdm_fail(err, errlen, "option %s takes no value", op->name);
		if (op->has_arg) {
			if (eq != NULL)
				val = eq + 1;
			else if (i + 1 < argc)
				val = argv[++i];
			else
				return sdm_fail(err, errlen, "option %s needs a value", op->name);
			if (val[0] == '\0' && op->id != OPT_CMDLINE &&
			    op->id != OPT_DOMMGR_CMDLINE && op->id != OPT_NORMAL_CMDLINE)
				return sdm_fail(err, errlen, "option %s: empty file name", op->name);
		}
		switch (op->id) {
		case OPT_NORMAL:
			rc = image_set_once(&o->normal, op->name, val, err, errlen);
			break;
		case OPT_PROTECTED:
			if (o->nprot == IMAGE_MAX_PROTECTED)
				return sdm_fail(err, errlen,
						"too many --protected images (at most %u)",
						(unsigned)IMAGE_MAX_PROTECTED);
			o->prot[o->nprot++] = val;
			break;
		case OPT_OUT:
			rc = image_set_once(&o->out, op->name, val, err, errlen);
			break;
		case OPT_SINIT:
			rc = image_set_once(&o->sinit, op->name, val, err, errlen);
			break;
		case OPT_DOMMGR:
			rc = image_set_once(&o->dommgr, op->name, val, err, errlen);
			break;
		case OPT_CMDLINE:
			rc = image_set_once(&o->cmdline, op->name, val, err, errlen);
			break;
		case OPT_DOMMGR_CMDLINE:
			rc = image_set_once(&o->dommgr_cmdline, op->name, val, err, errlen);
			break;
		case OPT_NORMAL_CMDLINE:
			rc = image_set_once(&o->normal_cmdline, op->name, val, err, errlen);
			break;
		case OPT_POLICY:
			rc = image_set_once(&o->policy, op->name, val, err, errlen);
			break;
		case OPT_NO_DOMMGR:
			o->no_dommgr = true;
			break;
		case OPT_VERBOSE:
			o->verbose = true;
			break;
		case OPT_HELP:
			o->help = true;
			return 0;
		}
		if (rc != 0)
			return rc;
	}
	if (o->normal == NULL)
		return sdm_fail(err, errlen, "missing --normal FILE (the normal domain's kernel)");
	if (o->out == NULL)
		return sdm_fail(err, errlen, "missing --out FILE (the ISO to write)");
	if (o->no_dommgr && o->dommgr != NULL)
		return sdm_fail(err, errlen, "--no-dommgr and --dommgr exclude each other");
	if (o->no_dommgr && o->dommgr_cmdline != NULL)
		return sdm_fail(err, errlen, "--no-dommgr and --dommgr-cmdline exclude each other");
	if (o->cmdline == NULL)
		o->cmdline = "";
	if (o->dommgr_cmdline == NULL)
		o->dommgr_cmdline = "";
	if (o->normal_cmdline == NULL)
		o->normal_cmdline = "";
	if (image_check_cmdline("--cmdline", o->cmdline, err, errlen) != 0 ||
	    image_check_cmdline("--dommgr-cmdline", o->dommgr_cmdline, err, errlen) != 0 ||
	    image_check_cmdline("--normal-cmdline", o->normal_cmdline, err, errlen) != 0)
		return -1;
	return 0;
}

static bool image_cmdline_char_ok(char c)
{
	return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') ||
	       (c >= '0' && c <= '9') || (c != '\0' && strchr("_-.,:=/+@%", c) != NULL);
}

int image_check_cmdline(const char *what, const char *s, char *err, size_t errlen)
{
	for (size_t i = 0; s[i] != '\0'; i++) {
		unsigned char c = (unsigned char)s[i];

		if (c == ' ' || c == '\t' || image_cmdline_char_ok((char)c))
			continue;
		if (c >= 0x21 && c < 0x7f)
			return sdm_fail(err, errlen,
					"%s: character '%c' at offset %zu is not allowed (GRUB would interpret it); use letters, digits, spaces and _-.,:=/+@%%",
					what, c, i);
		return sdm_fail(err, errlen,
				"%s: byte 0x%02x at offset %zu is not allowed; use letters, digits, spaces and _-.,:=/+@%%",
				what, c, i);
	}
	return 0;
}

/* A bounded text builder; once it overflows it stays overflowed. */
struct image_buf {
	char *p;
	size_t size, len;
	bool overflow;
};

static void image_put(struct image_buf *b, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));

static void image_put(struct image_buf *b, const char *fmt, ...)
{
	va_list ap;
	int n;

	if (b->overflow)
		return;
	va_start(ap, fmt);
	n = vsnprintf(b->p + b->len, b->size - b->len, fmt, ap);
	va_end(ap);
	if (n < 0 || (size_t)n >= b->size - b->len)
		b->overflow = true;
	else
		b->len += (size_t)n;
}

/* Appends " word" for each word of a command line. */
static void image_put_words(struct image_buf *b, const char *s)
{
	while (*s != '\0') {
		size_t n;

		s += strspn(s, " \t");
		n = strcspn(s, " \t");
		if (n > 0)
			image_put(b, " %.*s", (int)n, s);
		s += n;
	}
}

int image_grub_cfg(const struct image_opts *o, char *buf, size_t size)
{
	struct image_buf b = { buf, size, 0, size == 0 };

	image_put(&b, "# Written by sdm image. sinit finds each module by the first\n"
		      "# word of its command line: dommgr, normal, protected.\n"
		      "set timeout=0\n"
		      "set default=0\n"
		      "menuentry \"SDM\" {\n"
		      "\tmultiboot2 /boot/sinit.elf");
	image_put_words(&b, o->cmdline);
	image_put(&b, "\n");
	if (!o->no_dommgr) {
		image_put(&b, "\tmodule2 /boot/dommgr.elf dommgr");
		image_put_words(&b, o->dommgr_cmdline);
		image_put(&b, "\n");
	}
	if (o->policy != NULL)
		image_put(&b, "\tmodule2 /boot/policy.bin policy\n");
	image_put(&b, "\tmodule2 /boot/normal.elf normal");
	image_put_words(&b, o->normal_cmdline);
	image_put(&b, "\n");
	for (unsigned i = 0; i < o->nprot; i++)
		image_put(&b, "\tmodule2 /boot/prot%u.elf protected name=prot%u\n", i + 1,
			  i + 1);
	image_put(&b, "\tboot\n}\n");
	if (b.overflow)
		return -1;
	return (int)b.len;
}

int image_check_kernel(const char *name, const void *head, size_t len,
		       enum image_kernel_need need, char *err, size_t errlen)
{
	const uint8_t *p = head;
	int kind;

	if (need == IMAGE_NEED_POLICY) {
		if (len < 4 || memcmp(p, "SDMP", 4) != 0)
			return sdm_fail(err, errlen, "%s: not a compiled policy (no "
					"SDMP magic; compile it with sdm policy compile)",
					name);
		return 0;
	}
	if (len < 4 || memcmp(p, "\177ELF", 4) != 0)
		return sdm_fail(err, errlen, "%s: not an ELF file (no \\177ELF magic at offset 0)",
				name);
	kind = mb_kernel_kind(head, len);
	switch (need) {
	case IMAGE_NEED_ELF64:
		if (len < 20)
			return sdm_fail(err, errlen, "%s: ELF header truncated (%zu bytes)",
					name, len);
		if (p[4] != 2)
			return sdm_fail(err, errlen, "%s: not an ELF64 file (EI_CLASS is %u, want 2)",
					name, p[4]);
		if (p[5] != 1)
			return sdm_fail(err, errlen,
					"%s: not a little-endian ELF file (EI_DATA is %u, want 1)",
					name, p[5]);
		if ((p[18] | p[19] << 8) != 62)
			return sdm_fail(err, errlen,
					"%s: ELF machine is %u, want 62 (x86-64)", name,
					(unsigned)(p[18] | p[19] << 8));
		return kind;
	case IMAGE_NEED_MB2:
		if (kind == 1)
			return sdm_fail(err, errlen,
					"%s: has only a multiboot1 header; GRUB's multiboot2 command needs a multiboot2 header",
					name);
		if (kind != 2)
			return sdm_fail(err, errlen,
					"%s: no multiboot2 header in the first 32 KiB",
					name);
		return kind;
	case IMAGE_NEED_MB_ANY:
		if (kind != 1 && kind != 2)
			return sdm_fail(err, errlen,
					"%s: not a multiboot kernel: no multiboot2 header in the first 32 KiB and no multiboot1 header in the first 8 KiB",
					name);
		return kind;
	case IMAGE_NEED_POLICY:
		break; /* handled above */
	}
	return sdm_fail(err, errlen, "%s: internal error: unknown check %d", name, (int)need);
}

int image_default_path(const char *exe, const char *file, char *buf, size_t size)
{
	const char *slash = strrchr(exe, '/');
	size_t dirlen;
	int n;

	if (slash == NULL)
		return -1;
	/* Drop the binary's own directory (dirname of dirname). */
	dirlen = (size_t)(slash - exe);
	while (dirlen > 0 && exe[dirlen - 1] == '/')
		dirlen--;
	while (dirlen > 0 && exe[dirlen - 1] != '/')
		dirlen--;
	if (dirlen == 0)
		n = snprintf(buf, size, "%s%s", exe[0] == '/' ? "/" : "", file);
	else
		n = snprintf(buf, size, "%.*s%s", (int)dirlen, exe, file);
	if (n < 0 || (size_t)n >= size)
		return -1;
	return 0;
}

/* One file that goes into the image. */
struct image_file {
	char role[32];       /* "sinit", "dommgr", "normal", "protected #2" */
	const char *path;    /* on the host */
	char dest[32];       /* name under /boot */
	enum image_kernel_need need;
	bool defaulted;      /* path was not given but taken next to sdm */
	int kind;            /* multiboot kind found */
};

static int image_check_file(struct image_file *f, char *err, size_t errlen)
{
	static unsigned char head[IMAGE_KERNEL_SCAN];
	char name[PATH_MAX + 64], msg[1024];
	size_t len, total;

	snprintf(name, sizeof(name), "%s image %s", f->role, f->path);
	if (sdm_read_head(f->path, head, sizeof(head), &len, &total, msg, sizeof(msg)) != 0) {
		if (f->defaulted)
			return sdm_fail(err, errlen,
					"%s image %s (the default next to the sdm binary; build it or pass --%s FILE)",
					f->role, msg, f->role);
		return sdm_fail(err, errlen, "%s image %s", f->role, msg);
	}
	f->kind = image_check_kernel(name, head, len, f->need, err, errlen);
	return f->kind < 0 ? -1 : 0;
}

/* The directory part of path must exist, so grub-mkrescue can write there. */
static int image_check_out(const char *out, char *err, size_t errlen)
{
	char dir[PATH_MAX];
	const char *slash = strrchr(out, '/');
	struct stat st;

	if (slash != NULL && slash[1] == '\0')
		return sdm_fail(err, errlen, "--out %s: names a directory, not a file", out);
	if (slash == NULL)
		snprintf(dir, sizeof(dir), ".");
	else if (slash == out)
		snprintf(dir, sizeof(dir), "/");
	else if ((size_t)(slash - out) < sizeof(dir))
		snprintf(dir, sizeof(dir), "%.*s", (int)(slash - out), out);
	else
		return sdm_fail(err, errlen, "--out: path too long");
	if (stat(dir, &st) != 0 || !S_ISDIR(st.st_mode))
		return sdm_fail(err, errlen, "--out %s: directory %s does not exist", out, dir);
	if (stat(out, &st) == 0 && S_ISDIR(st.st_mode))
		return sdm_fail(err, errlen, "--out %s: is a directory", out);
	return 0;
}

/* path = root + "/" + rel; -1 with a message if it does not fit. */
static int image_path(char *path, size_t size, const char *root, const char *rel,
		      char *err, size_t errlen)
{
	int n = snprintf(path, size, "%s/%s", root, rel);

	if (n < 0 || (size_t)n >= size)
		return sdm_fail(err, errlen, "path %s/%s too long", root, rel);
	return 0;
}

/* Writes grub.cfg and copies every file into the staging tree root. */
static int image_stage(const char *root, const struct image_opts *o,
		       const struct image_file *files, unsigned nfiles,
		       char *err, size_t errlen)
{
	static const char *const dirs[] = { "boot", "boot/grub" };
	char path[PATH_MAX], rel[64], cfg[IMAGE_CFG_MAX];
	int cfglen;

	for (size_t i = 0; i < sizeof(dirs) / sizeof(dirs[0]); i++) {
		if (image_path(path, sizeof(path), root, dirs[i], err, errlen) != 0)
			return -1;
		if (mkdir(path, 0755) != 0)
			return sdm_fail(err, errlen, "%s: cannot create: %s", path,
					strerror(errno));
	}
	cfglen = image_grub_cfg(o, cfg, sizeof(cfg));
	if (cfglen < 0)
		return sdm_fail(err, errlen, "grub.cfg longer than %u bytes", IMAGE_CFG_MAX);
	if (image_path(path, sizeof(path), root, "boot/grub/grub.cfg", err, errlen) != 0 ||
	    sdm_write_file(path, cfg, (size_t)cfglen, err, errlen) != 0)
		return -1;
	if (o->verbose)
		printf("sdm image: grub.cfg:\n%s", cfg);
	for (unsigned i = 0; i < nfiles; i++) {
		snprintf(rel, sizeof(rel), "boot/%s", files[i].dest);
		if (image_path(path, sizeof(path), root, rel, err, errlen) != 0)
			return -1;
		if (o->verbose)
			printf("sdm image: %-12s %s -> /%s\n", files[i].role,
			       files[i].path, rel);
		if (sdm_copy_file(files[i].path, path, err, errlen) != 0)
			return -1;
	}
	return 0;
}

static int image_mkrescue(const char *root, const char *out, bool verbose,
			  char *err, size_t errlen)
{
	char *argv[] = {
		"grub-mkrescue", "-d", IMAGE_GRUB_DIR, "--fonts=", "--locales=",
		"--themes=", IMAGE_GRUB_MODULES, "-o", (char *)out, (char *)root, NULL,
	};
	char *log = NULL;
	int status;

	if (sdm_run_capture(argv, &log, &status, err, errlen) != 0)
		return -1;
	if (verbose)
		printf("sdm image: grub-mkrescue output:\n%s", log);
	if (!WIFEXITED(status) || WEXITSTATUS(status) != 0) {
		if (!verbose)
			fprintf(stderr, "%s", log);
		free(log);
		unlink(out);
		if (WIFEXITED(status))
			return sdm_fail(err, errlen, "grub-mkrescue failed (exit status %d; its output is above)",
					WEXITSTATUS(status));
		return sdm_fail(err, errlen, "grub-mkrescue killed by signal %d",
				WTERMSIG(status));
	}
	free(log);
	return 0;
}

/* Fills files[] from the options; returns the count or -1. */
static int image_collect(const struct image_opts *o, const char *exe,
			 char (*defaults)[PATH_MAX], struct image_file *files,
			 char *err, size_t errlen)
{
	unsigned n = 0;

	files[n] = (struct image_file){ "sinit", o->sinit, "sinit.elf", IMAGE_NEED_MB2,
					o->sinit == NULL, 0 };
	if (o->sinit == NULL) {
		if (exe == NULL || image_default_path(exe, "sinit.elf", defaults[0], PATH_MAX) != 0)
			return sdm_fail(err, errlen, "cannot find sinit.elf next to the sdm binary; pass --sinit FILE");
		files[n].path = defaults[0];
	}
	n++;
	if (!o->no_dommgr) {
		files[n] = (struct image_file){ "dommgr", o->dommgr, "dommgr.elf",
						IMAGE_NEED_ELF64, o->dommgr == NULL, 0 };
		if (o->dommgr == NULL) {
			if (exe == NULL ||
			    image_default_path(exe, "dommgr.elf", defaults[1], PATH_MAX) != 0)
				return sdm_fail(err, errlen, "cannot find dommgr.elf next to the sdm binary; pass --dommgr FILE");
			files[n].path = defaults[1];
		}
		n++;
	}
	files[n++] = (struct image_file){ "normal", o->normal, "normal.elf",
					  IMAGE_NEED_MB_ANY, false, 0 };
	if (o->policy != NULL)
		files[n++] = (struct image_file){ "policy", o->policy, "policy.bin",
						  IMAGE_NEED_POLICY, false, 0 };
	for (unsigned i = 0; i < o->nprot; i++, n++) {
		files[n] = (struct image_file){ "", o->prot[i], "", IMAGE_NEED_MB_ANY, false, 0 };
		snprintf(files[n].role, sizeof(files[n].role), "protected #%u", i + 1);
		snprintf(files[n].dest, sizeof(files[n].dest), "prot%u.elf", i + 1);
	}
	return (int)n;
}

int sdm_cmd_image(int argc, char **argv)
{
	static char defaults[2][PATH_MAX];
	struct image_file files[2 + 2 + IMAGE_MAX_PROTECTED];
	char err[2048], exe[PATH_MAX], tmpl[PATH_MAX], cleanup_err[1024];
	const char *tmpdir = getenv("TMPDIR");
	struct image_opts o;
	ssize_t exelen;
	int nfiles, rc;

	if (image_parse_args(argc - 1, argv + 1, &o, err, sizeof(err)) != 0) {
		fprintf(stderr, "sdm image: %s\nTry 'sdm image --help'.\n", err);
		return SDM_EXIT_USAGE;
	}
	if (o.help) {
		printf(IMAGE_USAGE, (unsigned)IMAGE_MAX_PROTECTED);
		return SDM_EXIT_OK;
	}
	exelen = readlink("/proc/self/exe", exe, sizeof(exe) - 1);
	if (exelen > 0)
		exe[exelen] = '\0';
	nfiles = image_collect(&o, exelen > 0 ? exe : NULL, defaults, files, err, sizeof(err));
	if (nfiles < 0)
		goto fail;
	for (int i = 0; i < nfiles; i++)
		if (image_check_file(&files[i], err, sizeof(err)) != 0)
			goto fail;
	if (image_check_out(o.out, err, sizeof(err)) != 0)
		goto fail;

	if (image_path(tmpl, sizeof(tmpl),
		       tmpdir != NULL && tmpdir[0] != '\0' ? tmpdir : "/tmp",
		       "sdm-image.XXXXXX", err, sizeof(err)) != 0)
		goto fail;
	if (mkdtemp(tmpl) == NULL) {
		sdm_fail(err, sizeof(err), "cannot create a staging directory %s: %s", tmpl,
			 strerror(errno));
		goto fail;
	}
	if (o.verbose)
		printf("sdm image: staging in %s\n", tmpl);
	rc = image_stage(tmpl, &o, files, (unsigned)nfiles, err, sizeof(err));
	if (rc == 0)
		rc = image_mkrescue(tmpl, o.out, o.verbose, err, sizeof(err));
	if (sdm_remove_tree(tmpl, cleanup_err, sizeof(cleanup_err)) != 0)
		fprintf(stderr, "sdm image: warning: %s\n", cleanup_err);
	if (rc != 0)
		goto fail;
	printf("sdm image: wrote %s (sinit%s, normal, %u protected)\n", o.out,
	       o.no_dommgr ? ", NO dommgr" : ", dommgr", o.nprot);
	return SDM_EXIT_OK;
fail:
	fprintf(stderr, "sdm image: %s\n", err);
	return SDM_EXIT_FAILURE;
}
