/*
 * The policy source: YAML (docs/policy.md has every key), parsed on the
 * host with libyaml's document API into the same struct sdm_policy that
 * sinit gets from a blob, plus what the source alone knows: file, line of
 * every key, image paths. Also the machine description of `sdm policy
 * check --machine`. Host only (libyaml, OpenSSL for image digests).
 *
 * Every message starts with FILE:LINE: and names the key, e.g.
 *   "demo.yaml:12: domains[1].memory: unknown key 'bsae'"
 *   "demo.yaml:7: domains[0].cpus: expected an integer, got 'two'"
 */
#ifndef SDM_POLICY_SRC_H
#define SDM_POLICY_SRC_H
#include <stdbool.h>
#include <stddef.h>
#include <sdm/err.h>

#include "policy/policy_check.h"

#define POLICY_SRC_MAX (1024u * 1024u) /* bytes of a source or machine file */
#define POLICY_SRC_PATH_MAX 1024

struct policy_src_image {
	bool has_digests;  /* sha256 and sha384 given in the source */
	bool has_path;     /* path given: hashed when images are resolved */
	char path[POLICY_SRC_PATH_MAX]; /* as written */
	unsigned line;
};

/* Lines (1-based; 0 = not in the source) of one domain's keys. */
struct policy_src_domain_lines {
	unsigned domain; /* the domain's mapping */
	unsigned field[SDM_POL_F_COUNT];
	unsigned image[SDM_POL_MAX_IMAGES];
	unsigned cpu[SDM_POL_MAX_CPU_IDS];
	unsigned device[SDM_POL_MAX_DEVICES];
	unsigned channel[SDM_POL_MAX_CHANNELS];
};

struct policy_src {
	char name[POLICY_SRC_PATH_MAX]; /* the file, for messages */
	char dir[POLICY_SRC_PATH_MAX];  /* relative image paths start here */
	struct sdm_policy pol;
	unsigned field[SDM_POL_F_COUNT];          /* top-level keys */
	unsigned on_error[SDM_POL_ERR_CLASSES];
	struct policy_src_domain_lines dom[SDM_POL_MAX_DOMAINS];
	struct policy_src_image img[SDM_POL_MAX_DOMAINS][SDM_POL_MAX_IMAGES];
};

/*
 * Parse text (len bytes) read from file name and check its fields
 * (sdm_policy_validate, with its message pointed at the line). Images
 * given only by path are not hashed yet (policy_src_resolve_images).
 */
int policy_src_parse(const char *text, size_t len, const char *name,
		     struct policy_src *out, struct sdm_err *err);
/* The same on a file (at most POLICY_SRC_MAX bytes). */
int policy_src_load(const char *path, struct policy_src *out,
		    struct sdm_err *err);

/*
 * Fill in and cross-check image digests: a path is hashed (relative to
 * the source's directory) and must agree with digests given next to it;
 * with images_dir (may be NULL), every image must also be DIR/MODULE and
 * agree. An image with neither digests, path nor images_dir is an error.
 */
int policy_src_resolve_images(struct policy_src *s, const char *images_dir,
			      struct sdm_err *err);

/* The line a problem is on (0 if unknown). */
unsigned policy_src_line(const struct policy_src *s,
			 const struct sdm_pol_where *w);
/*
 * "FILE:LINE: " + msg without its "policy: " prefix (s may be NULL: then
 * "FILE: " with file name).
 */
void policy_src_message(const struct policy_src *s, const char *name,
			const struct sdm_pol_where *w, const char *msg,
			char *out, size_t outlen);

/*
 * Machine description (YAML): memory: [{base, size}...], cpus: [APIC
 * IDs], boot_cpu: APIC ID (optional), devices: ["SSSS:BB:DD.F"...]
 * (optional; without it devices are not checked).
 */
int policy_machine_parse(const char *text, size_t len, const char *name,
			 struct sdm_pol_machine *m, struct sdm_err *err);
int policy_machine_load(const char *path, struct sdm_pol_machine *m,
			struct sdm_err *err);

/* SHA-256 and SHA-384 of a file, streamed. -1 and a message on error. */
int policy_hash_file(const char *path, uint8_t sha256[32], uint8_t sha384[48],
		     char *msg, size_t msglen);

/* Reads a whole file of at most cap bytes (malloc'ed, NUL-terminated). */
int policy_read_file(const char *path, size_t cap, char **out, size_t *len,
		     struct sdm_err *err);

#endif
