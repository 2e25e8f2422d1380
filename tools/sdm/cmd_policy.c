/*
 * sdm policy compile|check|show|anchor: the launch policy on the host.
 * A SRC is YAML (policy/policy_src.h, docs/policy.md); a BLOB is the
 * signed binary (policy/policy_format.h), told apart by its magic "SDMP".
 * Blobs are read with sinit's own verifier (policy/policy_verify.c) and
 * checked with sinit's own checks (policy/policy_check.c).
 */
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <openssl/x509.h>

#include <sdm/hex.h>

#include "policy/policy_show.h"
#include "policy/policy_sign.h"
#include "policy/policy_src.h"
#include "policy_cmds.h"
#include "sdm.h"

#define POLICY_USAGE \
	"usage: sdm policy compile SRC --key KEY.pem -o BLOB [--images-dir DIR]\n" \
	"                          [--machine MACHINE.yaml] [--pkcs1]\n" \
	"       sdm policy check SRC|BLOB [--machine MACHINE.yaml]\n" \
	"                          [--key-hash HEX|PUB.der] [--images-dir DIR]\n" \
	"       sdm policy show SRC|BLOB [--json] [--svg FILE] [--machine MACHINE.yaml]\n" \
	"                          [--key-hash HEX|PUB.der] [--images-dir DIR]\n" \
	"       sdm policy anchor PUB.der [--c FILE]\n" \
	"\n" \
	"SRC is a YAML policy (docs/policy.md), BLOB a compiled, signed one.\n" \
	"\n" \
	"  compile  check SRC, hash the images it names by path, sign it with\n" \
	"           KEY.pem (ECDSA P-384, or RSA-3072 with PSS; --pkcs1 for\n" \
	"           PKCS#1 v1.5) and write BLOB, verified as sinit will\n" \
	"  check    the checks sinit runs: one normal domain, no overlapping\n" \
	"           memory, no CPU or device given twice, channels to known\n" \
	"           domains; with --machine also memory, CPUs and devices the\n" \
	"           machine has; with --images-dir every image must be\n" \
	"           DIR/MODULE with the policy's digests. Prints every problem.\n" \
	"  show     a summary, --json, and --svg FILE: a picture of memory,\n" \
	"           CPUs, devices and channels per domain\n" \
	"  anchor   the trust anchor of a public key (SHA-384 of the DER),\n" \
	"           in hex, or with --c as the C file sinit is linked with\n" \
	"\n" \
	"  --key-hash HEX|PUB.der  the trusted signer of a BLOB (96 hex digits\n" \
	"           or its public key); without it the BLOB's signature is\n" \
	"           checked against the key it carries, which proves nothing\n" \
	"           about who signed it\n" \
	"  --images-dir DIR        images by module name: DIR/MODULE\n" \
	"\n" \
	"Exit status: 0 done (check: no problem), 1 a problem or failure (each\n" \
	"message names the file and line or field), 2 usage error.\n"

#define BLOB_MAX (64u * 1024u)

struct opts {
	const char *action, *input, *key, *out, *images_dir, *machine;
	const char *key_hash, *svg, *c_file;
	bool json, pkcs1;
};

/* A policy as read: from a source (src set) or a blob. */
struct loaded {
	struct policy_src *src; /* NULL for a blob */
	struct sdm_policy *pol;
	struct policy_show_info info;
};

static void put_hex(FILE *f, const uint8_t *p, size_t n)
{
	for (size_t i = 0; i < n; i++)
		fprintf(f, "%02x", p[i]);
}

/* 96 hex digits, or a DER public key file: the anchor. */
static int anchor_arg(const char *arg, uint8_t anchor[SDM_POL_ANCHOR_LEN],
		      struct sdm_err *err)
{
	char *der;
	size_t len, i;

	for (i = 0; i < 2 * SDM_POL_ANCHOR_LEN; i++)
		if (sdm_hex_digit(arg[i]) < 0)
			break;
	if (i == 2 * SDM_POL_ANCHOR_LEN && arg[i] == '\0') {
		for (i = 0; i < SDM_POL_ANCHOR_LEN; i++)
			anchor[i] = (uint8_t)(sdm_hex_digit(arg[2 * i]) << 4 |
					      sdm_hex_digit(arg[2 * i + 1]));
		return SDM_OK;
	}
	if (policy_read_file(arg, SDM_POL_MAX_KEY * 4, &der, &len, err) != SDM_OK)
		return sdm_err_set(err, SDM_EINVAL,
				   "--key-hash: '%.60s' is neither 96 hex digits nor a readable public key: %s",
				   arg, err->msg);
	policy_anchor_of((const uint8_t *)der, len, anchor);
	free(der);
	return SDM_OK;
}

static bool is_blob(const char *data, size_t len)
{
	uint32_t magic;

	if (len < sizeof(magic))
		return false;
	memcpy(&magic, data, sizeof(magic));
	return magic == SDM_POL_MAGIC;
}

static void unload(struct loaded *l)
{
	free(l->src);
	if (l->src == NULL)
		free(l->pol);
	l->src = NULL;
	l->pol = NULL;
}

/*
 * Read path as a source or a blob. A blob is verified against key_hash,
 * or (without it) against the key it carries.
 */
static int load(const struct opts *o, struct loaded *l, bool resolve,
		struct sdm_err *err)
{
	uint8_t anchor[SDM_POL_ANCHOR_LEN];
	char *data;
	size_t len;
	int rc;

	memset(l, 0, sizeof(*l));
	l->info.name = o->input;
	rc = policy_read_file(o->input, BLOB_MAX > POLICY_SRC_MAX ? BLOB_MAX
								  : POLICY_SRC_MAX,
			      &data, &len, err);
	if (rc != SDM_OK)
		return rc;
	if (!is_blob(data, len)) {
		l->src = malloc(sizeof(*l->src));
		if (l->src == NULL) {
			free(data);
			return sdm_err_set(err, SDM_ENOMEM, "out of memory");
		}
		l->pol = &l->src->pol;
		rc = policy_src_parse(data, len, o->input, l->src, err);
		if (rc == SDM_OK && resolve)
			rc = policy_src_resolve_images(l->src, o->images_dir,
						       err);
		free(data);
		return rc;
	}
	l->info.blob = true;
	l->pol = malloc(sizeof(*l->pol));
	if (l->pol == NULL) {
		free(data);
		return sdm_err_set(err, SDM_ENOMEM, "out of memory");
	}
	if (o->key_hash != NULL) {
		rc = anchor_arg(o->key_hash, anchor, err);
		l->info.anchor_checked = true;
	} else {
		struct sdm_pol_header h;

		/* The blob's own key; sdm_policy_verify checks the ranges. */
		memset(anchor, 0, sizeof(anchor));
		if (len >= sizeof(h)) {
			memcpy(&h, data, sizeof(h));
			if ((uint64_t)h.key_offset + h.key_size <= len)
				policy_anchor_of((const uint8_t *)data +
							 h.key_offset,
						 h.key_size, anchor);
		}
	}
	if (rc == SDM_OK) {
		struct sdm_err verr;

		rc = sdm_policy_verify(data, len, anchor, l->pol, &verr);
		if (rc != SDM_OK) {
			char msg[sizeof(verr.msg)];

			policy_src_message(NULL, o->input, NULL, verr.msg, msg,
					   sizeof(msg));
			sdm_err_set(err, rc, "%s", msg);
		}
	}
	free(data);
	return rc;
}

/* Every image of a blob against DIR/MODULE; prints each problem. */
static unsigned check_images_dir(const struct sdm_policy *p, const char *dir)
{
	char file[4096], msg[256];
	uint8_t h256[32], h384[48];
	unsigned bad = 0;

	for (unsigned i = 0; i < p->ndomains; i++) {
		for (unsigned k = 0; k < p->dom[i].nimages; k++) {
			const struct sdm_pol_image *im = &p->dom[i].images[k];

			snprintf(file, sizeof(file), "%s/%s", dir, im->module);
			if (policy_hash_file(file, h256, h384, msg,
					     sizeof(msg)) != 0) {
				fprintf(stderr, "sdm policy check: domain '%s' image '%s' is missing: %s\n",
					p->dom[i].name, im->module, msg);
				bad++;
				continue;
			}
			if (memcmp(h384, im->sha384, 48) != 0 ||
			    memcmp(h256, im->sha256, 32) != 0) {
				bool d384 = memcmp(h384, im->sha384, 48) != 0;

				fprintf(stderr, "sdm policy check: domain '%s' image '%s': %s has %s ",
					p->dom[i].name, im->module, file,
					d384 ? "SHA-384" : "SHA-256");
				put_hex(stderr, d384 ? h384 : h256, 8);
				fprintf(stderr, "..., the policy says ");
				put_hex(stderr, d384 ? im->sha384 : im->sha256, 8);
				fprintf(stderr, "...\n");
				bad++;
			}
		}
	}
	return bad;
}

static int load_machine(const struct opts *o, struct sdm_pol_machine **m)
{
	struct sdm_err err = { 0 };

	*m = NULL;
	if (o->machine == NULL)
		return 0;
	*m = malloc(sizeof(**m));
	if (*m == NULL || policy_machine_load(o->machine, *m, &err) != SDM_OK) {
		fprintf(stderr, "sdm policy %s: %s\n", o->action,
			*m == NULL ? "out of memory" : err.msg);
		free(*m);
		*m = NULL;
		return -1;
	}
	return 0;
}

/* Prints every finding with its file and line; returns their number. */
static unsigned print_findings(const char *action, const struct loaded *l,
			       const struct sdm_pol_findings *fs)
{
	char msg[512];

	for (unsigned i = 0; i < fs->n; i++) {
		policy_src_message(l->src, l->info.name, &fs->f[i].where,
				   fs->f[i].msg, msg, sizeof(msg));
		fprintf(stderr, "sdm policy %s: %s\n", action, msg);
	}
	if (fs->total > fs->n)
		fprintf(stderr, "sdm policy %s: %s: %u more problems not shown\n",
			action, l->info.name, fs->total - fs->n);
	return fs->total;
}

static int do_check(const struct opts *o)
{
	struct sdm_pol_findings *fs = calloc(1, sizeof(*fs));
	struct sdm_pol_machine *m = NULL;
	struct sdm_err err = { 0 };
	struct loaded l;
	unsigned bad = 0;
	int rc = SDM_EXIT_FAILURE;

	if (fs == NULL || load_machine(o, &m) != 0)
		goto out;
	if (load(o, &l, true, &err) != SDM_OK) {
		fprintf(stderr, "sdm policy check: %s\n", err.msg);
		unload(&l);
		goto out;
	}
	sdm_policy_check(l.pol, m, fs, NULL);
	bad = print_findings("check", &l, fs);
	if (l.info.blob && o->images_dir != NULL)
		bad += check_images_dir(l.pol, o->images_dir);
	if (bad == 0) {
		printf("sdm policy check: %s: ok: version %llu, %u domain%s",
		       o->input, (unsigned long long)l.pol->version,
		       l.pol->ndomains, l.pol->ndomains == 1 ? "" : "s");
		if (l.info.blob) {
			printf(", signed (%s) by SHA-384 ",
			       sdm_pol_sig_name(l.pol->sig_alg));
			put_hex(stdout, l.pol->key_sha384, 8);
			printf("...%s", l.info.anchor_checked ? " (trusted)"
					: " (not compared with a trusted key: give --key-hash)");
		}
		if (m != NULL)
			printf(", fits %s", o->machine);
		if (o->images_dir != NULL)
			printf(", images match %s", o->images_dir);
		printf("\n");
		rc = SDM_EXIT_OK;
	} else {
		fprintf(stderr, "sdm policy check: %s: %u problem%s\n", o->input,
			bad, bad == 1 ? "" : "s");
	}
	unload(&l);
out:
	free(m);
	free(fs);
	return rc;
}

static int do_compile(const struct opts *o)
{
	struct sdm_pol_findings *fs = calloc(1, sizeof(*fs));
	struct sdm_pol_machine *m = NULL;
	struct sdm_err err = { 0 };
	struct sdm_policy check;
	EVP_PKEY *key = NULL;
	uint8_t *blob = NULL;
	size_t len = 0;
	struct loaded l;
	char msg[512];
	int rc = SDM_EXIT_FAILURE;
	FILE *f;

	memset(&l, 0, sizeof(l));
	if (fs == NULL || load_machine(o, &m) != 0)
		goto out;
	if (load(o, &l, true, &err) != SDM_OK) {
		fprintf(stderr, "sdm policy compile: %s\n", err.msg);
		goto out;
	}
	if (l.info.blob) {
		fprintf(stderr, "sdm policy compile: %s is already a compiled policy\n",
			o->input);
		goto out;
	}
	if (sdm_policy_check(l.pol, m, fs, NULL) != SDM_OK) {
		unsigned n = print_findings("compile", &l, fs);

		fprintf(stderr, "sdm policy compile: %s: %u problem%s, nothing written\n",
			o->input, n, n == 1 ? "" : "s");
		goto out;
	}
	if (policy_key_load(o->key, &key, &err) != SDM_OK ||
	    policy_sign(l.pol, key, o->pkcs1, &blob, &len, &err) != SDM_OK) {
		policy_src_message(NULL, o->input, NULL, err.msg, msg, sizeof(msg));
		fprintf(stderr, "sdm policy compile: %s\n", msg);
		goto out;
	}
	f = fopen(o->out, "wb");
	if (f == NULL) {
		fprintf(stderr, "sdm policy compile: %s: cannot create\n", o->out);
		goto out;
	}
	if ((fwrite(blob, 1, len, f) != len) | (fclose(f) != 0)) {
		fprintf(stderr, "sdm policy compile: %s: write error\n", o->out);
		remove(o->out);
		goto out;
	}
	/* Read back what the blob says, to print it (policy_sign verified). */
	sdm_policy_parse_fields(blob, len, &check, NULL);
	printf("sdm policy compile: wrote %s: version %llu, %u domain%s, %zu bytes, %s, signer SHA-384 ",
	       o->out, (unsigned long long)check.version, check.ndomains,
	       check.ndomains == 1 ? "" : "s", len,
	       sdm_pol_sig_name(check.sig_alg));
	put_hex(stdout, check.key_sha384, sizeof(check.key_sha384));
	printf("\n");
	rc = SDM_EXIT_OK;
out:
	unload(&l);
	EVP_PKEY_free(key);
	free(blob);
	free(m);
	free(fs);
	return rc;
}

static int do_show(const struct opts *o)
{
	struct sdm_pol_machine *m = NULL;
	struct sdm_err err = { 0 };
	struct loaded l;
	int rc = SDM_EXIT_FAILURE;

	if (load_machine(o, &m) != 0)
		return SDM_EXIT_FAILURE;
	if (load(o, &l, true, &err) != SDM_OK) {
		fprintf(stderr, "sdm policy show: %s\n", err.msg);
		goto out;
	}
	if (o->json)
		policy_show_json(stdout, l.pol, &l.info);
	else
		policy_show_text(stdout, l.pol, &l.info);
	if (o->svg != NULL) {
		FILE *f = fopen(o->svg, "w");

		if (f == NULL) {
			fprintf(stderr, "sdm policy show: %s: cannot create\n",
				o->svg);
			goto out;
		}
		policy_show_svg(f, l.pol, m, &l.info);
		if (fclose(f) != 0) {
			fprintf(stderr, "sdm policy show: %s: write error\n",
				o->svg);
			goto out;
		}
	}
	rc = SDM_EXIT_OK;
out:
	unload(&l);
	free(m);
	return rc;
}

static int do_anchor(const struct opts *o)
{
	uint8_t anchor[SDM_POL_ANCHOR_LEN];
	struct sdm_err err = { 0 };
	const unsigned char *p;
	EVP_PKEY *pk;
	char *der;
	size_t len;
	FILE *f;

	if (policy_read_file(o->input, SDM_POL_MAX_KEY * 4, &der, &len,
			     &err) != SDM_OK) {
		fprintf(stderr, "sdm policy anchor: %s\n", err.msg);
		return SDM_EXIT_FAILURE;
	}
	p = (const unsigned char *)der;
	pk = d2i_PUBKEY(NULL, &p, (long)len);
	if (pk == NULL || p != (const unsigned char *)der + len ||
	    len > SDM_POL_MAX_KEY) {
		fprintf(stderr, "sdm policy anchor: %s: not one DER public key (SubjectPublicKeyInfo) of at most %u bytes\n",
			o->input, SDM_POL_MAX_KEY);
		EVP_PKEY_free(pk);
		free(der);
		return SDM_EXIT_FAILURE;
	}
	EVP_PKEY_free(pk);
	policy_anchor_of((const uint8_t *)der, len, anchor);
	free(der);
	if (o->c_file == NULL) {
		put_hex(stdout, anchor, sizeof(anchor));
		printf("\n");
		return SDM_EXIT_OK;
	}
	f = fopen(o->c_file, "w");
	if (f == NULL) {
		fprintf(stderr, "sdm policy anchor: %s: cannot create\n",
			o->c_file);
		return SDM_EXIT_FAILURE;
	}
	fprintf(f, "/*\n * Generated by `sdm policy anchor %s --c %s`: the trust\n"
		   " * anchor of launch policies, SHA-384 of the signer's public key\n"
		   " * (DER SubjectPublicKeyInfo). See policy/policy_verify.h.\n */\n"
		   "#include \"policy/policy_verify.h\"\n\n"
		   "const uint8_t sdm_policy_trusted_anchor[SDM_POL_ANCHOR_LEN] = {",
		o->input, o->c_file);
	for (size_t i = 0; i < sizeof(anchor); i++)
		fprintf(f, "%s0x%02x,", i % 8 == 0 ? "\n\t" : " ", anchor[i]);
	fprintf(f, "\n};\n");
	if (fclose(f) != 0) {
		fprintf(stderr, "sdm policy anchor: %s: write error\n", o->c_file);
		return SDM_EXIT_FAILURE;
	}
	return SDM_EXIT_OK;
}

/* The value of option a at argv[*i], once. */
static bool take(int argc, char **argv, int *i, const char **slot)
{
	if (*i + 1 >= argc || *slot != NULL)
		return false;
	*slot = argv[++*i];
	return true;
}

int sdm_cmd_policy(int argc, char **argv)
{
	struct opts o = { 0 };
	const char *act;

	for (int i = 1; i < argc; i++) {
		const char *a = argv[i];
		bool ok = true;

		if (strcmp(a, "--help") == 0 || strcmp(a, "-h") == 0) {
			fputs(POLICY_USAGE, stdout);
			return SDM_EXIT_OK;
		} else if (strcmp(a, "--key") == 0) {
			ok = take(argc, argv, &i, &o.key);
		} else if (strcmp(a, "-o") == 0 || strcmp(a, "--out") == 0) {
			ok = take(argc, argv, &i, &o.out);
		} else if (strcmp(a, "--images-dir") == 0) {
			ok = take(argc, argv, &i, &o.images_dir);
		} else if (strcmp(a, "--machine") == 0) {
			ok = take(argc, argv, &i, &o.machine);
		} else if (strcmp(a, "--key-hash") == 0) {
			ok = take(argc, argv, &i, &o.key_hash);
		} else if (strcmp(a, "--svg") == 0) {
			ok = take(argc, argv, &i, &o.svg);
		} else if (strcmp(a, "--c") == 0) {
			ok = take(argc, argv, &i, &o.c_file);
		} else if (strcmp(a, "--json") == 0) {
			o.json = true;
		} else if (strcmp(a, "--pkcs1") == 0) {
			o.pkcs1 = true;
		} else if (a[0] == '-' && a[1] != '\0') {
			fprintf(stderr, "sdm policy: unknown option '%s'\n", a);
			ok = false;
		} else if (o.action == NULL) {
			o.action = a;
		} else if (o.input == NULL) {
			o.input = a;
		} else {
			fprintf(stderr, "sdm policy: unexpected argument '%s'\n", a);
			ok = false;
		}
		if (!ok)
			goto usage;
	}
	act = o.action != NULL ? o.action : "";
	if (o.input == NULL)
		goto usage;
	/* Each action takes only its own options. */
	if (strcmp(act, "compile") == 0) {
		if (o.key == NULL || o.out == NULL || o.json || o.svg ||
		    o.key_hash || o.c_file)
			goto usage;
		return do_compile(&o);
	}
	if (strcmp(act, "check") == 0) {
		if (o.key || o.out || o.json || o.svg || o.c_file || o.pkcs1)
			goto usage;
		return do_check(&o);
	}
	if (strcmp(act, "show") == 0) {
		if (o.key || o.out || o.c_file || o.pkcs1)
			goto usage;
		return do_show(&o);
	}
	if (strcmp(act, "anchor") == 0) {
		if (o.key || o.out || o.json || o.svg || o.key_hash ||
		    o.images_dir || o.machine || o.pkcs1)
			goto usage;
		return do_anchor(&o);
	}
usage:
	fputs(POLICY_USAGE, stderr);
	return SDM_EXIT_USAGE;
}
