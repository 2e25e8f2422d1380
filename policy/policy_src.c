/*
 * Policy source and machine description parser (policy_src.h): libyaml's
 * document API builds the node tree (with marks for line numbers); the
 * schema is walked here, key by key. Every mapping is checked for unknown
 * and repeated keys, every scalar for its type.
 */
#include <errno.h>
#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <openssl/evp.h>
#include <yaml.h>

#include <sdm/hex.h>

#include "policy/policy_src.h"

#define WHERE_MAX 96 /* "domains[7].channels[3].peer" */

struct yp {
	yaml_document_t *doc;
	const char *name;
	struct sdm_err *err;
};

/* where + a suffix ("domains[1]" + ".memory") into buf (WHERE_MAX). */
static void wpath(char *buf, const char *where, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));
static void wpath(char *buf, const char *where, const char *fmt, ...)
{
	size_t n = strnlen(where, WHERE_MAX - 1);
	va_list ap;

	memcpy(buf, where, n);
	va_start(ap, fmt);
	vsnprintf(buf + n, WHERE_MAX - n, fmt, ap);
	va_end(ap);
}

static unsigned line_of(const yaml_node_t *n)
{
	return n != NULL ? (unsigned)n->start_mark.line + 1 : 0;
}

static int yfail(struct yp *y, const yaml_node_t *n, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));
static int yfail(struct yp *y, const yaml_node_t *n, const char *fmt, ...)
{
	va_list ap;
	int k;

	if (y->err == NULL)
		return SDM_EINVAL;
	y->err->code = SDM_EINVAL;
	k = snprintf(y->err->msg, sizeof(y->err->msg), "%s:%u: ", y->name,
		     line_of(n));
	if (k < 0 || (size_t)k >= sizeof(y->err->msg))
		return SDM_EINVAL;
	va_start(ap, fmt);
	vsnprintf(y->err->msg + k, sizeof(y->err->msg) - (size_t)k, fmt, ap);
	va_end(ap);
	return SDM_EINVAL;
}

static const char *sval(const yaml_node_t *n)
{
	return (const char *)n->data.scalar.value;
}

/* What a node is, for "expected X, got Y". */
static const char *node_text(const yaml_node_t *n, char *buf, size_t len)
{
	if (n->type == YAML_MAPPING_NODE)
		return "a mapping";
	if (n->type == YAML_SEQUENCE_NODE)
		return "a list";
	if (n->type != YAML_SCALAR_NODE)
		return "nothing";
	if (n->data.scalar.style == YAML_PLAIN_SCALAR_STYLE)
		snprintf(buf, len, "'%.40s'", sval(n));
	else
		snprintf(buf, len, "the quoted string '%.40s'", sval(n));
	return buf;
}

static int want(struct yp *y, const yaml_node_t *n, const char *where,
		const char *what)
{
	char buf[64];

	return yfail(y, n, "%s: expected %s, got %s", where, what,
		     node_text(n, buf, sizeof(buf)));
}

/* A node by index; a node of no type (never NULL) if there is none. */
static yaml_node_t *node(struct yp *y, int index)
{
	static yaml_node_t none; /* type YAML_NO_NODE: "expected X, got nothing" */
	yaml_node_t *n = yaml_document_get_node(y->doc, index);

	return n != NULL ? n : &none;
}

/*
 * A mapping with the given keys: vals[i] is the value of keys[i] (NULL if
 * absent), klines[i] the line of the key. Unknown and repeated keys are
 * errors.
 */
static int get_map(struct yp *y, yaml_node_t *n, const char *where,
		   const char *const *keys, size_t nkeys, yaml_node_t **vals,
		   unsigned *klines)
{
	char buf[64];

	if (n->type != YAML_MAPPING_NODE)
		return want(y, n, where, "a mapping");
	for (size_t i = 0; i < nkeys; i++) {
		vals[i] = NULL;
		klines[i] = 0;
	}
	for (yaml_node_pair_t *pr = n->data.mapping.pairs.start;
	     pr < n->data.mapping.pairs.top; pr++) {
		yaml_node_t *k = node(y, pr->key), *v = node(y, pr->value);
		size_t i;

		if (k->type != YAML_SCALAR_NODE)
			return yfail(y, k, "%s: a key must be a word, got %s",
				     where, node_text(k, buf, sizeof(buf)));
		for (i = 0; i < nkeys; i++)
			if (k->data.scalar.length == strlen(keys[i]) &&
			    strcmp(sval(k), keys[i]) == 0)
				break;
		if (i == nkeys) {
			char known[112] = "";
			size_t at = 0;

			for (size_t j = 0; j < nkeys && at < sizeof(known); j++) {
				int w = snprintf(known + at, sizeof(known) - at,
						 "%s%s", j == 0 ? "" : " ",
						 keys[j]);

				if (w < 0)
					break;
				at += (size_t)w;
			}
			return yfail(y, k, "%s: unknown key '%.40s' (known: %s)",
				     where, sval(k), known);
		}
		if (vals[i] != NULL)
			return yfail(y, k, "%s: key '%s' given twice (first on line %u)",
				     where, keys[i], klines[i]);
		vals[i] = v;
		klines[i] = line_of(k);
	}
	return SDM_OK;
}

static int missing(struct yp *y, const yaml_node_t *map, const char *where,
		   const char *key)
{
	return yfail(y, map, "%s: missing key '%s'", where, key);
}

/* A list of at most max items (at least min). */
static int get_list(struct yp *y, yaml_node_t *n, const char *where,
		    size_t min, size_t max, size_t *count)
{
	size_t c;

	if (n->type != YAML_SEQUENCE_NODE)
		return want(y, n, where, "a list");
	c = (size_t)(n->data.sequence.items.top - n->data.sequence.items.start);
	if (c < min || c > max)
		return yfail(y, n, "%s: %zu items, expected %zu to %zu", where,
			     c, min, max);
	*count = c;
	return SDM_OK;
}

static yaml_node_t *item(struct yp *y, yaml_node_t *list, size_t i)
{
	return node(y, list->data.sequence.items.start[i]);
}

/* Decimal or 0x-hex digits at s; *used gets how many bytes were read. */
static bool parse_number(const char *s, uint64_t *out, size_t *used)
{
	unsigned base = 10;
	size_t i = 0, start;
	uint64_t v = 0;

	if (s[0] == '0' && (s[1] == 'x' || s[1] == 'X')) {
		base = 16;
		i = 2;
	}
	start = i;
	for (;; i++) {
		unsigned d;
		char c = s[i];

		if (c >= '0' && c <= '9')
			d = (unsigned)(c - '0');
		else if (base == 16 && c >= 'a' && c <= 'f')
			d = (unsigned)(c - 'a' + 10);
		else if (base == 16 && c >= 'A' && c <= 'F')
			d = (unsigned)(c - 'A' + 10);
		else
			break;
		if (__builtin_mul_overflow(v, base, &v) ||
		    __builtin_add_overflow(v, d, &v))
			return false;
	}
	if (i == start)
		return false;
	*out = v;
	*used = i;
	return true;
}

/* A plain integer in [min, max]. */
static int get_uint(struct yp *y, yaml_node_t *n, const char *where,
		    uint64_t min, uint64_t max, uint64_t *out)
{
	size_t used;

	if (n->type != YAML_SCALAR_NODE ||
	    n->data.scalar.style != YAML_PLAIN_SCALAR_STYLE)
		return want(y, n, where, "an integer");
	if (!parse_number(sval(n), out, &used) ||
	    used != n->data.scalar.length) {
		if (n->data.scalar.length > 0 && sval(n)[0] >= '0' &&
		    sval(n)[0] <= '9' &&
		    strspn(sval(n), "0123456789abcdefABCDEFxX") ==
			    n->data.scalar.length)
			return yfail(y, n, "%s: %.40s is too large", where,
				     sval(n));
		return want(y, n, where, "an integer");
	}
	if (*out < min || *out > max)
		return yfail(y, n, "%s: %.40s is out of range (%llu-%llu)", where,
			     sval(n), (unsigned long long)min,
			     (unsigned long long)max);
	return SDM_OK;
}

/* A byte count: integer, or integer with K, M, G, T (or KiB ... TiB). */
static int get_size(struct yp *y, yaml_node_t *n, const char *where,
		    uint64_t *out)
{
	static const struct {
		const char *suffix;
		unsigned shift;
	} units[] = {
		{ "", 0 },    { "K", 10 },   { "KiB", 10 }, { "M", 20 },
		{ "MiB", 20 }, { "G", 30 },  { "GiB", 30 }, { "T", 40 },
		{ "TiB", 40 },
	};
	size_t used;
	uint64_t v;

	if (n->type != YAML_SCALAR_NODE)
		return want(y, n, where, "a size such as 16M or 0x1000000");
	if (!parse_number(sval(n), &v, &used))
		return yfail(y, n, "%s: '%.40s' is not a size (such as 16M, 4KiB, 0x1000000)",
			     where, sval(n));
	for (size_t i = 0; i < sizeof(units) / sizeof(units[0]); i++) {
		if (strlen(units[i].suffix) + used != n->data.scalar.length ||
		    strcmp(sval(n) + used, units[i].suffix) != 0)
			continue;
		if (units[i].shift != 0 &&
		    (v >> (64 - units[i].shift)) != 0)
			return yfail(y, n, "%s: %.40s is too large", where,
				     sval(n));
		*out = v << units[i].shift;
		return SDM_OK;
	}
	return yfail(y, n, "%s: '%.40s' is not a size (such as 16M, 4KiB, 0x1000000)",
		     where, sval(n));
}

static int get_bool(struct yp *y, yaml_node_t *n, const char *where,
		    bool *out)
{
	if (n->type == YAML_SCALAR_NODE &&
	    n->data.scalar.style == YAML_PLAIN_SCALAR_STYLE) {
		if (strcmp(sval(n), "true") == 0) {
			*out = true;
			return SDM_OK;
		}
		if (strcmp(sval(n), "false") == 0) {
			*out = false;
			return SDM_OK;
		}
	}
	return want(y, n, where, "true or false");
}

/* A string of at most cap - 1 bytes, no NUL inside. */
static int get_str(struct yp *y, yaml_node_t *n, const char *where,
		   char *buf, size_t cap)
{
	size_t len;

	if (n->type != YAML_SCALAR_NODE)
		return want(y, n, where, "a string");
	len = n->data.scalar.length;
	if (strlen(sval(n)) != len)
		return yfail(y, n, "%s: contains a NUL character", where);
	if (len >= cap)
		return yfail(y, n, "%s: '%.40s' is %zu bytes long, at most %zu",
			     where, sval(n), len, cap - 1);
	memset(buf, 0, cap);
	memcpy(buf, sval(n), len);
	return SDM_OK;
}

/* One of names[0..n-1]: the index in *out. */
static int get_enum(struct yp *y, yaml_node_t *n, const char *where,
		    const char *const *names, size_t count, unsigned *out)
{
	char list[96] = "";
	size_t at = 0;

	if (n->type == YAML_SCALAR_NODE)
		for (size_t i = 0; i < count; i++)
			if (strcmp(sval(n), names[i]) == 0 &&
			    strlen(names[i]) == n->data.scalar.length) {
				*out = (unsigned)i;
				return SDM_OK;
			}
	for (size_t i = 0; i < count && at < sizeof(list); i++) {
		int k = snprintf(list + at, sizeof(list) - at, "%s%s",
				 i == 0 ? "" : i + 1 == count ? " or " : ", ",
				 names[i]);

		if (k < 0)
			break;
		at += (size_t)k;
	}
	return want(y, n, where, list);
}

static int get_hex(struct yp *y, yaml_node_t *n, const char *where,
		   uint8_t *out, size_t bytes)
{
	if (n->type != YAML_SCALAR_NODE)
		return want(y, n, where, "a hex digest");
	if (n->data.scalar.length != 2 * bytes)
		return yfail(y, n, "%s: %zu characters, a digest is %zu hex digits",
			     where, n->data.scalar.length, 2 * bytes);
	for (size_t i = 0; i < bytes; i++) {
		int hi = sdm_hex_digit(sval(n)[2 * i]),
		    lo = sdm_hex_digit(sval(n)[2 * i + 1]);

		if (hi < 0 || lo < 0)
			return yfail(y, n, "%s: '%c' at character %zu is not a hex digit",
				     where, sval(n)[hi < 0 ? 2 * i : 2 * i + 1],
				     hi < 0 ? 2 * i + 1 : 2 * i + 2);
		out[i] = (uint8_t)(hi << 4 | lo);
	}
	return SDM_OK;
}

/* "SSSS:BB:DD.F" or "BB:DD.F" (segment 0). */
static int get_pci(struct yp *y, yaml_node_t *n, const char *where,
		   struct sdm_pol_pci *out)
{
	static const char form[] = "segment:bus:device.function, such as 0000:00:03.0";
	const char *s;
	unsigned v[4] = { 0 }, widths[4] = { 4, 2, 2, 1 };
	unsigned first = 0, f, i = 0;
	size_t len;

	if (n->type != YAML_SCALAR_NODE)
		return want(y, n, where, form);
	s = sval(n);
	len = n->data.scalar.length;
	if (len == 7) /* BB:DD.F */
		first = 1;
	else if (len != 12)
		return yfail(y, n, "%s: '%.40s' is not %s", where, s, form);
	for (f = first; f < 4; f++) {
		for (unsigned k = 0; k < widths[f]; k++, i++) {
			int d = sdm_hex_digit(s[i]);

			if (d < 0)
				return yfail(y, n, "%s: '%.40s' is not %s",
					     where, s, form);
			v[f] = v[f] << 4 | (unsigned)d;
		}
		if (f < 3 && s[i++] != (f == 2 ? '.' : ':'))
			return yfail(y, n, "%s: '%.40s' is not %s", where, s,
				     form);
	}
	if (v[2] > 31 || v[3] > 7)
		return yfail(y, n, "%s: '%.40s': device is 00-1f, function 0-7",
			     where, s);
	out->segment = (uint16_t)v[0];
	out->bus = (uint8_t)v[1];
	out->devfn = (uint8_t)(v[2] << 3 | v[3]);
	return SDM_OK;
}

/* ---------------------------------------------------------------- policy */

enum { D_NAME, D_KIND, D_IMAGES, D_MEMORY, D_CPUS, D_DEVICES, D_CHANNELS,
       D_RESTART, D_N };
static const char *const domain_keys[D_N] = {
	"name", "kind", "images", "memory", "cpus", "devices", "channels",
	"restart",
};
static const unsigned domain_fields[D_N] = {
	SDM_POL_F_NAME, SDM_POL_F_KIND, SDM_POL_F_IMAGE, SDM_POL_F_MEMORY,
	SDM_POL_F_CPUS, SDM_POL_F_DEVICE, SDM_POL_F_CHANNEL, SDM_POL_F_RESTART,
};

static int parse_image(struct yp *y, struct policy_src *s, unsigned di,
		       unsigned k, yaml_node_t *n, const char *where)
{
	enum { I_MODULE, I_SHA256, I_SHA384, I_PATH, I_N };
	static const char *const keys[I_N] = { "module", "sha256", "sha384",
					       "path" };
	struct sdm_pol_image *im = &s->pol.dom[di].images[k];
	struct policy_src_image *si = &s->img[di][k];
	yaml_node_t *v[I_N];
	unsigned kl[I_N];
	char w[WHERE_MAX];
	int rc;

	rc = get_map(y, n, where, keys, I_N, v, kl);
	if (rc != SDM_OK)
		return rc;
	si->line = line_of(n);
	s->dom[di].image[k] = line_of(n);
	if (v[I_MODULE] == NULL)
		return missing(y, n, where, "module");
	wpath(w, where, ".module");
	rc = get_str(y, v[I_MODULE], w, im->module, sizeof(im->module));
	if (rc != SDM_OK)
		return rc;
	if ((v[I_SHA256] == NULL) != (v[I_SHA384] == NULL))
		return yfail(y, n, "%s: give both sha256 and sha384 (or only path)",
			     where);
	if (v[I_SHA256] != NULL) {
		wpath(w, where, ".sha256");
		rc = get_hex(y, v[I_SHA256], w, im->sha256, sizeof(im->sha256));
		if (rc != SDM_OK)
			return rc;
		wpath(w, where, ".sha384");
		rc = get_hex(y, v[I_SHA384], w, im->sha384, sizeof(im->sha384));
		if (rc != SDM_OK)
			return rc;
		si->has_digests = true;
	}
	if (v[I_PATH] != NULL) {
		wpath(w, where, ".path");
		rc = get_str(y, v[I_PATH], w, si->path, sizeof(si->path));
		if (rc != SDM_OK)
			return rc;
		if (si->path[0] == '\0')
			return yfail(y, v[I_PATH], "%s: empty path", w);
		si->has_path = true;
	}
	return SDM_OK;
}

static int parse_memory(struct yp *y, struct sdm_pol_domain *d, yaml_node_t *n,
			const char *where)
{
	enum { M_SIZE, M_BASE, M_N };
	static const char *const keys[M_N] = { "size", "base" };
	yaml_node_t *v[M_N];
	unsigned kl[M_N];
	yaml_node_t *sn = n;
	char w[WHERE_MAX];
	int rc;

	if (n->type == YAML_SCALAR_NODE) { /* memory: 16M */
		wpath(w, where, "%s", "");
	} else {
		rc = get_map(y, n, where, keys, M_N, v, kl);
		if (rc != SDM_OK)
			return rc;
		if (v[M_SIZE] == NULL)
			return missing(y, n, where, "size");
		sn = v[M_SIZE];
		wpath(w, where, ".size");
	}
	rc = get_size(y, sn, w, &d->mem_size);
	if (rc != SDM_OK)
		return rc;
	if (d->mem_size == 0)
		return yfail(y, sn, "%s: 0 (leave out memory for all the RAM no other domain has)",
			     w);
	if (sn == n)
		return SDM_OK;
	if (v[M_BASE] != NULL) {
		wpath(w, where, ".base");
		rc = get_size(y, v[M_BASE], w, &d->mem_base);
		if (rc == SDM_OK && d->mem_base == 0)
			return yfail(y, v[M_BASE], "%s: 0 (leave out base to let sinit place the memory)",
				     w);
	}
	return rc;
}

static int parse_cpus(struct yp *y, struct policy_src *s, unsigned di,
		      yaml_node_t *n, const char *where)
{
	struct sdm_pol_domain *d = &s->pol.dom[di];
	char w[WHERE_MAX];
	uint64_t v;
	size_t c;
	int rc;

	if (n->type == YAML_SCALAR_NODE) {
		rc = get_uint(y, n, where, 1, SDM_POL_MAX_CPU_COUNT, &v);
		d->cpu_count = (uint32_t)v;
		return rc;
	}
	if (n->type != YAML_SEQUENCE_NODE)
		return want(y, n, where, "a CPU count or a list of APIC IDs");
	rc = get_list(y, n, where, 1, SDM_POL_MAX_CPU_IDS, &c);
	for (size_t k = 0; rc == SDM_OK && k < c; k++) {
		wpath(w, where, "[%zu]", k);
		rc = get_uint(y, item(y, n, k), w, 0, UINT32_MAX, &v);
		d->cpu_ids[k] = (uint32_t)v;
		s->dom[di].cpu[k] = line_of(item(y, n, k));
	}
	d->ncpu_ids = (uint8_t)c;
	d->cpu_count = (uint32_t)c;
	return rc;
}

static int parse_restart(struct yp *y, struct sdm_pol_domain *d, yaml_node_t *n,
			 const char *where)
{
	uint64_t v;
	int rc;

	if (n->type == YAML_SCALAR_NODE && strcmp(sval(n), "never") == 0) {
		d->restart = SDM_POL_RESTART_NEVER;
		return SDM_OK;
	}
	if (n->type == YAML_SCALAR_NODE && strcmp(sval(n), "always") == 0) {
		d->restart = SDM_POL_RESTART_ALWAYS;
		return SDM_OK;
	}
	if (n->type != YAML_SCALAR_NODE ||
	    n->data.scalar.style != YAML_PLAIN_SCALAR_STYLE ||
	    sval(n)[0] < '0' || sval(n)[0] > '9')
		return want(y, n, where,
			    "never, always or a number of restarts");
	rc = get_uint(y, n, where, 1, UINT16_MAX, &v);
	d->restart = SDM_POL_RESTART_LIMITED;
	d->restart_max = (uint16_t)v;
	return rc;
}

static int parse_domain(struct yp *y, struct policy_src *s, unsigned di,
			yaml_node_t *n)
{
	static const char *const kinds[] = { "normal", "protected" };
	struct sdm_pol_domain *d = &s->pol.dom[di];
	struct policy_src_domain_lines *dl = &s->dom[di];
	yaml_node_t *v[D_N];
	unsigned kl[D_N], kind;
	char where[WHERE_MAX], w[WHERE_MAX];
	size_t c;
	int rc;

	snprintf(where, sizeof(where), "domains[%u]", di);
	rc = get_map(y, n, where, domain_keys, D_N, v, kl);
	if (rc != SDM_OK)
		return rc;
	dl->domain = line_of(n);
	for (unsigned k = 0; k < D_N; k++)
		dl->field[domain_fields[k]] = kl[k];
	if (v[D_NAME] == NULL)
		return missing(y, n, where, "name");
	if (v[D_KIND] == NULL)
		return missing(y, n, where, "kind");
	if (v[D_IMAGES] == NULL)
		return missing(y, n, where, "images");

	wpath(w, where, ".name");
	rc = get_str(y, v[D_NAME], w, d->name, sizeof(d->name));
	if (rc != SDM_OK)
		return rc;
	wpath(w, where, ".kind");
	rc = get_enum(y, v[D_KIND], w, kinds, 2, &kind);
	if (rc != SDM_OK)
		return rc;
	d->kind = kind == 0 ? SDM_POL_KIND_NORMAL : SDM_POL_KIND_PROTECTED;

	wpath(w, where, ".images");
	rc = get_list(y, v[D_IMAGES], w, 1, SDM_POL_MAX_IMAGES, &c);
	for (size_t k = 0; rc == SDM_OK && k < c; k++) {
		char wi[WHERE_MAX];

		wpath(wi, w, "[%zu]", k);
		rc = parse_image(y, s, di, (unsigned)k, item(y, v[D_IMAGES], k),
				 wi);
	}
	if (rc != SDM_OK)
		return rc;
	d->nimages = (uint8_t)c;

	if (v[D_MEMORY] != NULL) {
		wpath(w, where, ".memory");
		rc = parse_memory(y, d, v[D_MEMORY], w);
		if (rc != SDM_OK)
			return rc;
	}
	if (v[D_CPUS] != NULL) {
		wpath(w, where, ".cpus");
		rc = parse_cpus(y, s, di, v[D_CPUS], w);
		if (rc != SDM_OK)
			return rc;
	}
	if (v[D_DEVICES] != NULL) {
		wpath(w, where, ".devices");
		rc = get_list(y, v[D_DEVICES], w, 0, SDM_POL_MAX_DEVICES, &c);
		for (size_t k = 0; rc == SDM_OK && k < c; k++) {
			char wi[WHERE_MAX];

			wpath(wi, w, "[%zu]", k);
			rc = get_pci(y, item(y, v[D_DEVICES], k), wi,
				     &d->devices[k]);
			dl->device[k] = line_of(item(y, v[D_DEVICES], k));
		}
		if (rc != SDM_OK)
			return rc;
		d->ndevices = (uint8_t)c;
	}
	if (v[D_CHANNELS] != NULL) {
		wpath(w, where, ".channels");
		rc = get_list(y, v[D_CHANNELS], w, 0, SDM_POL_MAX_CHANNELS, &c);
		for (size_t k = 0; rc == SDM_OK && k < c; k++) {
			static const char *const keys[] = { "peer", "size" };
			yaml_node_t *cn = item(y, v[D_CHANNELS], k), *cv[2];
			unsigned cl[2];
			char wi[WHERE_MAX], wk[WHERE_MAX];

			wpath(wi, w, "[%zu]", k);
			dl->channel[k] = line_of(cn);
			rc = get_map(y, cn, wi, keys, 2, cv, cl);
			if (rc != SDM_OK)
				return rc;
			if (cv[0] == NULL)
				return missing(y, cn, wi, "peer");
			if (cv[1] == NULL)
				return missing(y, cn, wi, "size");
			wpath(wk, wi, ".peer");
			rc = get_str(y, cv[0], wk, d->channels[k].peer,
				     sizeof(d->channels[k].peer));
			if (rc != SDM_OK)
				return rc;
			wpath(wk, wi, ".size");
			rc = get_size(y, cv[1], wk, &d->channels[k].size);
		}
		if (rc != SDM_OK)
			return rc;
		d->nchannels = (uint8_t)c;
	}
	if (v[D_RESTART] != NULL) {
		wpath(w, where, ".restart");
		rc = parse_restart(y, d, v[D_RESTART], w);
	}
	return rc;
}

static int parse_requirements(struct yp *y, struct policy_src *s,
			      yaml_node_t *n)
{
	static const char *const keys[] = { "tpm", "drtm", "iommu" };
	static const uint32_t bits[] = { SDM_POL_REQ_TPM, SDM_POL_REQ_DRTM,
					 SDM_POL_REQ_IOMMU };
	yaml_node_t *v[3];
	unsigned kl[3];
	char w[WHERE_MAX];
	int rc = get_map(y, n, "requirements", keys, 3, v, kl);

	for (unsigned i = 0; rc == SDM_OK && i < 3; i++) {
		bool on = false;

		if (v[i] == NULL)
			continue;
		snprintf(w, sizeof(w), "requirements.%s", keys[i]);
		rc = get_bool(y, v[i], w, &on);
		if (on)
			s->pol.flags |= bits[i];
		else
			s->pol.flags &= ~bits[i];
	}
	return rc;
}

static int parse_on_error(struct yp *y, struct policy_src *s, yaml_node_t *n)
{
	static const char *const actions[] = { "halt", "continue" };
	const char *keys[SDM_POL_ERR_CLASSES];
	yaml_node_t *v[SDM_POL_ERR_CLASSES];
	unsigned kl[SDM_POL_ERR_CLASSES];
	char w[WHERE_MAX];
	int rc;

	for (unsigned c = 0; c < SDM_POL_ERR_CLASSES; c++)
		keys[c] = sdm_pol_class_name(c);
	rc = get_map(y, n, "on_error", keys, SDM_POL_ERR_CLASSES, v, kl);
	for (unsigned c = 0; rc == SDM_OK && c < SDM_POL_ERR_CLASSES; c++) {
		unsigned a;

		if (v[c] == NULL)
			continue;
		s->on_error[c] = kl[c];
		snprintf(w, sizeof(w), "on_error.%s", keys[c]);
		rc = get_enum(y, v[c], w, actions, 2, &a);
		s->pol.on_error[c] = a == 0 ? SDM_POL_ACT_HALT
					    : SDM_POL_ACT_CONTINUE;
	}
	return rc;
}

static int parse_seal_pcrs(struct yp *y, struct policy_src *s, yaml_node_t *n)
{
	char w[WHERE_MAX];
	size_t c;
	uint64_t v;
	int rc = get_list(y, n, "seal_pcrs", 0, SDM_POL_NUM_PCRS, &c);

	s->pol.seal_pcrs = 0;
	for (size_t k = 0; rc == SDM_OK && k < c; k++) {
		snprintf(w, sizeof(w), "seal_pcrs[%zu]", k);
		rc = get_uint(y, item(y, n, k), w, 0, SDM_POL_NUM_PCRS - 1, &v);
		if (rc == SDM_OK && (s->pol.seal_pcrs >> v) & 1u)
			return yfail(y, item(y, n, k), "%s: PCR %u given twice",
				     w, (unsigned)v);
		s->pol.seal_pcrs |= 1u << v;
	}
	return rc;
}

unsigned policy_src_line(const struct policy_src *s,
			 const struct sdm_pol_where *w)
{
	const struct policy_src_domain_lines *dl;
	unsigned line = 0, f = w->field < SDM_POL_F_COUNT ? w->field : 0;

	if (w->dom < 0 || w->dom >= (int)SDM_POL_MAX_DOMAINS) {
		if (f == SDM_POL_F_ON_ERROR && w->item < SDM_POL_ERR_CLASSES)
			line = s->on_error[w->item];
		return line != 0 ? line : s->field[f];
	}
	dl = &s->dom[w->dom];
	if (f == SDM_POL_F_IMAGE && w->item < SDM_POL_MAX_IMAGES)
		line = dl->image[w->item];
	else if (f == SDM_POL_F_CPUS && w->item < SDM_POL_MAX_CPU_IDS)
		line = dl->cpu[w->item];
	else if (f == SDM_POL_F_DEVICE && w->item < SDM_POL_MAX_DEVICES)
		line = dl->device[w->item];
	else if (f == SDM_POL_F_CHANNEL && w->item < SDM_POL_MAX_CHANNELS)
		line = dl->channel[w->item];
	if (line == 0)
		line = dl->field[f];
	if (line == 0)
		line = dl->domain;
	return line != 0 ? line : s->field[SDM_POL_F_DOMAINS];
}

void policy_src_message(const struct policy_src *s, const char *name,
			const struct sdm_pol_where *w, const char *msg,
			char *out, size_t outlen)
{
	static const char prefix[] = "policy: ";
	unsigned line = s != NULL && w != NULL ? policy_src_line(s, w) : 0;

	if (strncmp(msg, prefix, sizeof(prefix) - 1) == 0)
		msg += sizeof(prefix) - 1;
	if (line != 0)
		snprintf(out, outlen, "%s:%u: %s", name, line, msg);
	else
		snprintf(out, outlen, "%s: %s", name, msg);
}

/* Loads the one document of text; *root NULL if it is empty. */
static int load_doc(const char *text, size_t len, const char *name,
		    yaml_document_t *doc, struct sdm_err *err)
{
	yaml_parser_t parser;
	yaml_document_t extra;
	int rc = SDM_OK;

	if (!yaml_parser_initialize(&parser))
		return sdm_err_set(err, SDM_ENOMEM, "%s: out of memory", name);
	yaml_parser_set_input_string(&parser, (const unsigned char *)text, len);
	if (!yaml_parser_load(&parser, doc)) {
		rc = sdm_err_set(err, SDM_EINVAL, "%s:%zu: YAML: %s%s%s", name,
				 parser.problem_mark.line + 1,
				 parser.problem != NULL ? parser.problem
							: "syntax error",
				 parser.context != NULL ? " " : "",
				 parser.context != NULL ? parser.context : "");
		yaml_parser_delete(&parser);
		return rc;
	}
	if (yaml_document_get_root_node(doc) != NULL) {
		if (!yaml_parser_load(&parser, &extra)) {
			rc = sdm_err_set(err, SDM_EINVAL, "%s:%zu: YAML: %s",
					 name, parser.problem_mark.line + 1,
					 parser.problem != NULL ? parser.problem
								: "syntax error");
		} else {
			yaml_node_t *r = yaml_document_get_root_node(&extra);

			if (r != NULL)
				rc = sdm_err_set(err, SDM_EINVAL,
						 "%s:%u: a second YAML document (one per file)",
						 name, line_of(r));
			yaml_document_delete(&extra);
		}
	}
	yaml_parser_delete(&parser);
	if (rc != SDM_OK)
		yaml_document_delete(doc);
	return rc;
}

static void set_dir(struct policy_src *s, const char *name)
{
	const char *slash = strrchr(name, '/');

	if (slash == NULL)
		snprintf(s->dir, sizeof(s->dir), ".");
	else if (slash == name)
		snprintf(s->dir, sizeof(s->dir), "/");
	else
		snprintf(s->dir, sizeof(s->dir), "%.*s", (int)(slash - name),
			 name);
}

int policy_src_parse(const char *text, size_t len, const char *name,
		     struct policy_src *s, struct sdm_err *err)
{
	enum { T_VERSION, T_REQ, T_ONERR, T_SEAL, T_DOMAINS, T_N };
	static const char *const keys[T_N] = { "version", "requirements",
					       "on_error", "seal_pcrs",
					       "domains" };
	static const unsigned fields[T_N] = {
		SDM_POL_F_VERSION, SDM_POL_F_REQUIREMENTS, SDM_POL_F_ON_ERROR,
		SDM_POL_F_SEAL_PCRS, SDM_POL_F_DOMAINS,
	};
	yaml_document_t doc;
	struct yp y = { &doc, name, err };
	struct sdm_pol_where where;
	struct sdm_err verr;
	yaml_node_t *root, *v[T_N];
	unsigned kl[T_N];
	size_t c = 0;
	int rc;

	memset(s, 0, sizeof(*s));
	snprintf(s->name, sizeof(s->name), "%s", name);
	set_dir(s, name);
	/* Defaults: every requirement, halt on every error, PCRs 17 and 18
	 * (launch and signer: sealed secrets survive signed updates). */
	s->pol.flags = SDM_POL_REQ_ALL;
	for (unsigned i = 0; i < SDM_POL_ERR_CLASSES; i++)
		s->pol.on_error[i] = SDM_POL_ACT_HALT;
	s->pol.seal_pcrs = 1u << 17 | 1u << 18;

	rc = load_doc(text, len, name, &doc, err);
	if (rc != SDM_OK)
		return rc;
	root = yaml_document_get_root_node(&doc);
	if (root == NULL) {
		rc = sdm_err_set(err, SDM_EINVAL,
				 "%s:1: empty (a policy is a mapping with version and domains)",
				 name);
		goto out;
	}
	rc = get_map(&y, root, "policy", keys, T_N, v, kl);
	if (rc != SDM_OK)
		goto out;
	for (unsigned k = 0; k < T_N; k++)
		s->field[fields[k]] = kl[k];
	if (v[T_VERSION] == NULL || v[T_DOMAINS] == NULL) {
		rc = missing(&y, root, "policy",
			     v[T_VERSION] == NULL ? "version" : "domains");
		goto out;
	}
	rc = get_uint(&y, v[T_VERSION], "version", 0, UINT64_MAX,
		      &s->pol.version);
	if (rc == SDM_OK && v[T_REQ] != NULL)
		rc = parse_requirements(&y, s, v[T_REQ]);
	if (rc == SDM_OK && v[T_ONERR] != NULL)
		rc = parse_on_error(&y, s, v[T_ONERR]);
	if (rc == SDM_OK && v[T_SEAL] != NULL)
		rc = parse_seal_pcrs(&y, s, v[T_SEAL]);
	if (rc == SDM_OK)
		rc = get_list(&y, v[T_DOMAINS], "domains", 1,
			      SDM_POL_MAX_DOMAINS, &c);
	for (size_t k = 0; rc == SDM_OK && k < c; k++)
		rc = parse_domain(&y, s, (unsigned)k,
				  item(&y, v[T_DOMAINS], k));
	if (rc != SDM_OK)
		goto out;
	s->pol.ndomains = (unsigned)c;

	rc = sdm_policy_validate(&s->pol, &where, &verr);
	if (rc != SDM_OK) {
		char msg[sizeof(verr.msg)];

		policy_src_message(s, name, &where, verr.msg, msg, sizeof(msg));
		sdm_err_set(err, rc, "%s", msg);
	}
out:
	yaml_document_delete(&doc);
	return rc;
}

int policy_read_file(const char *path, size_t cap, char **out, size_t *len,
		     struct sdm_err *err)
{
	FILE *f = fopen(path, "rb");
	char *buf;
	size_t n;

	*out = NULL;
	if (f == NULL)
		return sdm_err_set(err, SDM_ENOENT, "%s: %s", path,
				   strerror(errno));
	buf = malloc(cap + 1);
	if (buf == NULL) {
		fclose(f);
		return sdm_err_set(err, SDM_ENOMEM, "%s: out of memory", path);
	}
	n = fread(buf, 1, cap + 1, f);
	if (ferror(f)) {
		int e = errno;

		fclose(f);
		free(buf);
		return sdm_err_set(err, SDM_EIO, "%s: read error: %s", path,
				   strerror(e));
	}
	fclose(f);
	if (n > cap) {
		free(buf);
		return sdm_err_set(err, SDM_ERANGE,
				   "%s: larger than %zu bytes", path, cap);
	}
	buf[n] = '\0';
	*out = buf;
	*len = n;
	return SDM_OK;
}

int policy_src_load(const char *path, struct policy_src *out,
		    struct sdm_err *err)
{
	char *text;
	size_t len;
	int rc = policy_read_file(path, POLICY_SRC_MAX, &text, &len, err);

	if (rc != SDM_OK) {
		memset(out, 0, sizeof(*out));
		return rc;
	}
	rc = policy_src_parse(text, len, path, out, err);
	free(text);
	return rc;
}

/* ---------------------------------------------------------------- images */

int policy_hash_file(const char *path, uint8_t sha256[32], uint8_t sha384[48],
		     char *msg, size_t msglen)
{
	EVP_MD_CTX *c256 = EVP_MD_CTX_new(), *c384 = EVP_MD_CTX_new();
	FILE *f = NULL;
	uint8_t buf[65536];
	size_t n;
	int rc = -1;

	if (c256 == NULL || c384 == NULL ||
	    EVP_DigestInit_ex(c256, EVP_sha256(), NULL) != 1 ||
	    EVP_DigestInit_ex(c384, EVP_sha384(), NULL) != 1) {
		snprintf(msg, msglen, "%s: OpenSSL digest setup failed", path);
		goto out;
	}
	f = fopen(path, "rb");
	if (f == NULL) {
		snprintf(msg, msglen, "%s: %s", path, strerror(errno));
		goto out;
	}
	while ((n = fread(buf, 1, sizeof(buf), f)) > 0)
		if (EVP_DigestUpdate(c256, buf, n) != 1 ||
		    EVP_DigestUpdate(c384, buf, n) != 1)
			break;
	if (ferror(f) || !feof(f)) {
		snprintf(msg, msglen, "%s: read error", path);
		goto out;
	}
	if (EVP_DigestFinal_ex(c256, sha256, NULL) != 1 ||
	    EVP_DigestFinal_ex(c384, sha384, NULL) != 1) {
		snprintf(msg, msglen, "%s: OpenSSL digest failed", path);
		goto out;
	}
	rc = 0;
out:
	if (f != NULL)
		fclose(f);
	EVP_MD_CTX_free(c256);
	EVP_MD_CTX_free(c384);
	return rc;
}

static void hex8(const uint8_t *d, char out[20])
{
	for (int i = 0; i < 8; i++)
		snprintf(out + 2 * i, 3, "%02x", d[i]);
	memcpy(out + 16, "...", 4);
}

/* Compare a file's digests with the image's; message if they differ. */
static int image_agrees(const struct sdm_pol_image *im, const char *file,
			const uint8_t *h256, const uint8_t *h384, char *msg,
			size_t msglen)
{
	char g[20], w[20];

	if (memcmp(h384, im->sha384, 48) == 0 &&
	    memcmp(h256, im->sha256, 32) == 0)
		return 0;
	if (memcmp(h384, im->sha384, 48) != 0) {
		hex8(h384, g);
		hex8(im->sha384, w);
	} else {
		hex8(h256, g);
		hex8(im->sha256, w);
	}
	snprintf(msg, msglen, "image '%s': %s has %s %s, the policy says %s",
		 im->module, file,
		 memcmp(h384, im->sha384, 48) != 0 ? "SHA-384" : "SHA-256", g,
		 w);
	return -1;
}

int policy_src_resolve_images(struct policy_src *s, const char *images_dir,
			      struct sdm_err *err)
{
	char file[2 * POLICY_SRC_PATH_MAX + 2], msg[sizeof(err->msg)];
	uint8_t h256[32], h384[48];

	for (unsigned di = 0; di < s->pol.ndomains; di++) {
		struct sdm_pol_domain *d = &s->pol.dom[di];

		for (unsigned k = 0; k < d->nimages; k++) {
			struct sdm_pol_image *im = &d->images[k];
			struct policy_src_image *si = &s->img[di][k];
			bool known = si->has_digests;

			if (!known && !si->has_path && images_dir == NULL)
				return sdm_err_set(err, SDM_ENOENT,
						   "%s:%u: domains[%u].images[%u]: image '%s' has no digests: give sha256 and sha384, or path (or --images-dir)",
						   s->name, si->line, di, k,
						   im->module);
			if (si->has_path) {
				if (si->path[0] == '/')
					snprintf(file, sizeof(file), "%s",
						 si->path);
				else
					snprintf(file, sizeof(file), "%s/%s",
						 s->dir, si->path);
				if (policy_hash_file(file, h256, h384, msg,
						     sizeof(msg)) != 0)
					return sdm_err_set(err, SDM_ENOENT,
							   "%s:%u: image '%s' is missing: %s",
							   s->name, si->line,
							   im->module, msg);
				if (known && image_agrees(im, file, h256, h384,
							  msg, sizeof(msg)) != 0)
					return sdm_err_set(err, SDM_ECHKSUM,
							   "%s:%u: %s",
							   s->name, si->line,
							   msg);
				memcpy(im->sha256, h256, 32);
				memcpy(im->sha384, h384, 48);
				known = true;
			}
			if (images_dir == NULL)
				continue;
			snprintf(file, sizeof(file), "%s/%s", images_dir,
				 im->module);
			if (policy_hash_file(file, h256, h384, msg,
					     sizeof(msg)) != 0)
				return sdm_err_set(err, SDM_ENOENT,
						   "%s:%u: image '%s' is missing: %s",
						   s->name, si->line,
						   im->module, msg);
			if (known && image_agrees(im, file, h256, h384, msg,
						  sizeof(msg)) != 0)
				return sdm_err_set(err, SDM_ECHKSUM, "%s:%u: %s",
						   s->name, si->line, msg);
			memcpy(im->sha256, h256, 32);
			memcpy(im->sha384, h384, 48);
		}
	}
	return SDM_OK;
}

/* ---------------------------------------------------------------- machine */

int policy_machine_parse(const char *text, size_t len, const char *name,
			 struct sdm_pol_machine *m, struct sdm_err *err)
{
	enum { K_MEMORY, K_CPUS, K_BOOT, K_DEVICES, K_N };
	static const char *const keys[K_N] = { "memory", "cpus", "boot_cpu",
					       "devices" };
	static const char *const rkeys[] = { "base", "size" };
	yaml_document_t doc;
	struct yp y = { &doc, name, err };
	yaml_node_t *root, *v[K_N];
	unsigned kl[K_N];
	char w[WHERE_MAX];
	size_t c = 0;
	uint64_t x;
	int rc;

	memset(m, 0, sizeof(*m));
	rc = load_doc(text, len, name, &doc, err);
	if (rc != SDM_OK)
		return rc;
	root = yaml_document_get_root_node(&doc);
	if (root == NULL) {
		rc = sdm_err_set(err, SDM_EINVAL,
				 "%s:1: empty (a machine is a mapping with memory and cpus)",
				 name);
		goto out;
	}
	rc = get_map(&y, root, "machine", keys, K_N, v, kl);
	if (rc == SDM_OK && (v[K_MEMORY] == NULL || v[K_CPUS] == NULL))
		rc = missing(&y, root, "machine",
			     v[K_MEMORY] == NULL ? "memory" : "cpus");
	if (rc == SDM_OK)
		rc = get_list(&y, v[K_MEMORY], "memory", 1,
			      SDM_POL_MACHINE_MAX_RAM, &c);
	for (size_t k = 0; rc == SDM_OK && k < c; k++) {
		yaml_node_t *rn = item(&y, v[K_MEMORY], k), *rv[2];
		unsigned rl[2];
		uint64_t end;

		snprintf(w, sizeof(w), "memory[%zu]", k);
		rc = get_map(&y, rn, w, rkeys, 2, rv, rl);
		if (rc == SDM_OK && (rv[0] == NULL || rv[1] == NULL))
			rc = missing(&y, rn, w, rv[0] == NULL ? "base" : "size");
		if (rc == SDM_OK)
			rc = get_size(&y, rv[0], w, &m->ram[k].base);
		if (rc == SDM_OK)
			rc = get_size(&y, rv[1], w, &m->ram[k].size);
		if (rc == SDM_OK &&
		    !add_ok(m->ram[k].base, m->ram[k].size, &end))
			rc = yfail(&y, rn, "%s: range wraps around 2^64", w);
	}
	if (rc != SDM_OK)
		goto out;
	m->nram = (unsigned)c;
	rc = get_list(&y, v[K_CPUS], "cpus", 1, SDM_POL_MACHINE_MAX_CPUS, &c);
	for (size_t k = 0; rc == SDM_OK && k < c; k++) {
		snprintf(w, sizeof(w), "cpus[%zu]", k);
		rc = get_uint(&y, item(&y, v[K_CPUS], k), w, 0, UINT32_MAX, &x);
		m->apic_ids[k] = (uint32_t)x;
	}
	if (rc != SDM_OK)
		goto out;
	m->ncpus = (unsigned)c;
	if (v[K_BOOT] != NULL) {
		rc = get_uint(&y, v[K_BOOT], "boot_cpu", 0, UINT32_MAX, &x);
		m->bsp_known = true;
		m->bsp_apic_id = (uint32_t)x;
	}
	if (rc == SDM_OK && v[K_DEVICES] != NULL) {
		rc = get_list(&y, v[K_DEVICES], "devices", 0,
			      SDM_POL_MACHINE_MAX_DEVICES, &c);
		for (size_t k = 0; rc == SDM_OK && k < c; k++) {
			snprintf(w, sizeof(w), "devices[%zu]", k);
			rc = get_pci(&y, item(&y, v[K_DEVICES], k), w,
				     &m->devices[k]);
		}
		m->devices_known = true;
		m->ndevices = (unsigned)c;
	}
out:
	yaml_document_delete(&doc);
	if (rc != SDM_OK)
		memset(m, 0, sizeof(*m));
	return rc;
}

int policy_machine_load(const char *path, struct sdm_pol_machine *m,
			struct sdm_err *err)
{
	char *text;
	size_t len;
	int rc = policy_read_file(path, POLICY_SRC_MAX, &text, &len, err);

	if (rc != SDM_OK) {
		memset(m, 0, sizeof(*m));
		return rc;
	}
	rc = policy_machine_parse(text, len, path, m, err);
	free(text);
	return rc;
}
