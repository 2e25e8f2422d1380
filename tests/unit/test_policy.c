/*
 * Unit tests for the launch policy: the YAML source parser
 * (policy/policy_src.c), the field rules and the blob reader
 * (policy/policy_verify.c), the semantic checks (policy/policy_check.c),
 * the encoder and signer (policy/policy_encode.c, policy_sign.c) and the
 * commands (tools/sdm/cmd_policy.c, cmd_keygen.c). Every error has its own
 * test case with its whole message asserted. Keys are made here with
 * OpenSSL; trust anchors and signatures are also checked with OpenSSL,
 * independently of the code under test.
 *
 * "test_policy --write-seeds DIR" writes the fuzzer's seed corpus
 * (tests/fuzz/corpus/policy/) instead of running the tests.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>
#include <cmocka.h>

#include <openssl/core_names.h>
#include <openssl/ec.h>
#include <openssl/evp.h>
#include <openssl/rsa.h>
#include <openssl/x509.h>

#include "policy/policy_check.h"
#include "policy/policy_encode.h"
#include "policy/policy_show.h"
#include "policy/policy_sign.h"
#include "policy/policy_src.h"
#include "policy/policy_verify.h"
#include "tools/sdm/policy_cmds.h"
#include "tools/sdm/sdm.h"
#include "tests/unit/cmd_capture.h"

#define H64 "0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef"
#define H96 H64 "0123456789abcdef0123456789abcdef"
#define IMG(m) "{module: " m ", sha256: " H64 ", sha384: " H96 "}"
#define HEAD "version: 1\ndomains:\n"
#define NORMAL "  - {name: normal, kind: normal, images: [" IMG("normal") "]}\n"
#define NORMALX(x) "  - {name: normal, kind: normal, images: [" IMG("normal") "]" x "}\n"
#define PROT "  - {name: prot1, kind: protected, images: [" IMG("prot1") "], memory: 16M, cpus: 1}\n"
#define PROTX(x) "  - {name: prot1, kind: protected, images: [" IMG("prot1") "]" x "}\n"
#define PROT2X(x) "  - {name: prot2, kind: protected, images: [" IMG("prot2") "]" x "}\n"

/* The blob of BASE_BLOB_YAML with a P-384 key: fixed offsets. */
#define BASE_BLOB_YAML HEAD NORMAL \
	"  - {name: prot1, kind: protected, images: [" IMG("prot1") "], memory: 16M,\n" \
	"     cpus: [1], devices: [\"0000:00:03.0\"], channels: [{peer: normal, size: 64K}],\n" \
	"     restart: 3}\n"
#define P384_SPKI 120
#define B_KEY 0x690  /* 80 + 2 * 800 */
#define B_SIG 0x708  /* + 120 */
#define B_TOTAL 0x768 /* + 96 */

static EVP_PKEY *k_ec, *k_ec2, *k_rsa;
static struct policy_src *src;
static struct sdm_err err;

/* ---------------------------------------------------------------- helpers */

static void hex(const uint8_t *d, size_t n, char *out)
{
	for (size_t i = 0; i < n; i++)
		sprintf(out + 2 * i, "%02x", d[i]);
}

/* The anchor of a key, computed with OpenSSL alone. */
static void anchor_of(EVP_PKEY *k, uint8_t out[48])
{
	unsigned char *der = NULL;
	unsigned int n = 48;
	int len = i2d_PUBKEY(k, &der);

	assert_true(len > 0);
	assert_int_equal(EVP_Digest(der, (size_t)len, out, &n, EVP_sha384(), NULL), 1);
	OPENSSL_free(der);
}

static int parse(const char *text)
{
	memset(&err, 0, sizeof(err));
	return policy_src_parse(text, strlen(text), "t.yaml", src, &err);
}

/* Source text -> signed blob (malloc'ed). */
static uint8_t *make_blob(const char *text, EVP_PKEY *k, bool pkcs1, size_t *len)
{
	uint8_t *blob;

	assert_int_equal(parse(text), SDM_OK);
	if (policy_sign(&src->pol, k, pkcs1, &blob, len, &err) != SDM_OK)
		fail_msg("policy_sign: %s", err.msg);
	return blob;
}

/* Sign [0, B_SIG) of a P-384 blob again (after a change), with OpenSSL. */
static void resign(uint8_t *blob, EVP_PKEY *k)
{
	EVP_MD_CTX *mc = EVP_MD_CTX_new();
	unsigned char der[128];
	const unsigned char *p = der;
	size_t dlen = sizeof(der);
	ECDSA_SIG *es;
	const BIGNUM *r, *s;

	assert_int_equal(EVP_DigestSignInit(mc, NULL, EVP_sha384(), NULL, k), 1);
	assert_int_equal(EVP_DigestSign(mc, der, &dlen, blob, B_SIG), 1);
	es = d2i_ECDSA_SIG(NULL, &p, (long)dlen);
	assert_non_null(es);
	ECDSA_SIG_get0(es, &r, &s);
	assert_int_equal(BN_bn2binpad(r, blob + B_SIG, 48), 48);
	assert_int_equal(BN_bn2binpad(s, blob + B_SIG + 48, 48), 48);
	ECDSA_SIG_free(es);
	EVP_MD_CTX_free(mc);
}

/* OpenSSL's verdict on a blob's signature (format per the spec). */
static bool openssl_verifies(const uint8_t *blob, size_t len, EVP_PKEY *k)
{
	struct sdm_pol_header h;
	EVP_MD_CTX *mc = EVP_MD_CTX_new();
	EVP_PKEY_CTX *pc = NULL;
	unsigned char *der = NULL;
	int dlen, ok;

	memcpy(&h, blob, sizeof(h));
	assert_int_equal(h.sig_offset + h.sig_size, len);
	assert_int_equal(EVP_DigestVerifyInit(mc, &pc, EVP_sha384(), NULL, k), 1);
	if (h.sig_alg == SDM_POL_SIG_ECDSA_P384) {
		ECDSA_SIG *es = ECDSA_SIG_new();

		ECDSA_SIG_set0(es, BN_bin2bn(blob + h.sig_offset, 48, NULL),
			       BN_bin2bn(blob + h.sig_offset + 48, 48, NULL));
		dlen = i2d_ECDSA_SIG(es, &der);
		ECDSA_SIG_free(es);
	} else {
		if (h.sig_alg == SDM_POL_SIG_RSA3072_PSS) {
			EVP_PKEY_CTX_set_rsa_padding(pc, RSA_PKCS1_PSS_PADDING);
			EVP_PKEY_CTX_set_rsa_pss_saltlen(pc, RSA_PSS_SALTLEN_AUTO);
			EVP_PKEY_CTX_set_rsa_mgf1_md(pc, EVP_sha384());
		} else {
			EVP_PKEY_CTX_set_rsa_padding(pc, RSA_PKCS1_PADDING);
		}
		der = OPENSSL_memdup(blob + h.sig_offset, h.sig_size);
		dlen = (int)h.sig_size;
	}
	ok = EVP_DigestVerify(mc, der, (size_t)dlen, blob, h.sig_offset);
	OPENSSL_free(der);
	EVP_MD_CTX_free(mc);
	return ok == 1;
}

static void write_text(const char *path, const char *text, size_t len)
{
	FILE *f = fopen(path, "wb");

	assert_non_null(f);
	assert_int_equal(fwrite(text, 1, len, f), len);
	assert_int_equal(fclose(f), 0);
}

/* ---------------------------------------------------------------- source: valid */

static void test_src_full(void **state)
{
	static const char text[] =
		"version: 0x10\n"
		"requirements: {tpm: true, drtm: false, iommu: true}\n"
		"on_error: {no_iommu: continue, image_mismatch: halt, "
		"rollback: continue}\n"
		"seal_pcrs: [20, 17]\n"
		"domains:\n"
		NORMALX(", devices: [\"00:02.0\"]")
		"  - name: prot1\n"
		"    kind: protected\n"
		"    images:\n"
		"      - " IMG("prot1") "\n"
		"      - " IMG("prot1-data") "\n"
		"    memory: {size: 1GiB, base: 0x40000000}\n"
		"    cpus: [2, 3]\n"
		"    devices: [\"0001:02:1f.7\"]\n"
		"    channels: [{peer: normal, size: 64K}]\n"
		"    restart: always\n"
		"  - " "{name: p.2_x-y, kind: protected, images: [" IMG("m") "],"
		" memory: \"4096\", cpus: 3, restart: 7}\n";
	const struct sdm_policy *p = &src->pol;
	const struct sdm_pol_domain *d;

	assert_int_equal(parse(text), SDM_OK);
	assert_int_equal(p->version, 16);
	assert_int_equal(p->flags, SDM_POL_REQ_TPM | SDM_POL_REQ_IOMMU);
	assert_int_equal(p->on_error[SDM_POL_ERR_NO_IOMMU], SDM_POL_ACT_CONTINUE);
	assert_int_equal(p->on_error[SDM_POL_ERR_NO_TPM], SDM_POL_ACT_HALT);
	assert_int_equal(p->on_error[SDM_POL_ERR_IMAGE], SDM_POL_ACT_HALT);
	assert_int_equal(p->on_error[SDM_POL_ERR_ROLLBACK], SDM_POL_ACT_CONTINUE);
	assert_int_equal(p->on_error[SDM_POL_ERR_CHECK], SDM_POL_ACT_HALT);
	assert_int_equal(p->seal_pcrs, 1u << 17 | 1u << 20);
	assert_int_equal(p->ndomains, 3);
	d = &p->dom[0];
	assert_string_equal(d->name, "normal");
	assert_int_equal(d->kind, SDM_POL_KIND_NORMAL);
	assert_int_equal(d->mem_size, 0);
	assert_int_equal(d->cpu_count, 0);
	assert_int_equal(d->ndevices, 1);
	assert_int_equal(d->devices[0].segment, 0);
	assert_int_equal(d->devices[0].bus, 0);
	assert_int_equal(d->devices[0].devfn, 2 << 3);
	assert_int_equal(d->images[0].sha256[0], 0x01);
	assert_int_equal(d->images[0].sha384[47], 0xef);
	d = &p->dom[1];
	assert_int_equal(d->kind, SDM_POL_KIND_PROTECTED);
	assert_int_equal(d->nimages, 2);
	assert_string_equal(d->images[1].module, "prot1-data");
	assert_int_equal(d->mem_size, GIB(1));
	assert_int_equal(d->mem_base, 0x40000000);
	assert_int_equal(d->cpu_count, 2);
	assert_int_equal(d->ncpu_ids, 2);
	assert_int_equal(d->cpu_ids[1], 3);
	assert_int_equal(d->devices[0].segment, 1);
	assert_int_equal(d->devices[0].bus, 2);
	assert_int_equal(d->devices[0].devfn, 0x1f << 3 | 7);
	assert_int_equal(d->nchannels, 1);
	assert_string_equal(d->channels[0].peer, "normal");
	assert_int_equal(d->channels[0].size, KIB(64));
	assert_int_equal(d->restart, SDM_POL_RESTART_ALWAYS);
	d = &p->dom[2];
	assert_string_equal(d->name, "p.2_x-y");
	assert_int_equal(d->mem_size, 4096);
	assert_int_equal(d->cpu_count, 3);
	assert_int_equal(d->ncpu_ids, 0);
	assert_int_equal(d->restart, SDM_POL_RESTART_LIMITED);
	assert_int_equal(d->restart_max, 7);
	/* Lines: domain 1's memory key is on line 12, its second image on 11. */
	assert_int_equal(src->dom[1].field[SDM_POL_F_MEMORY], 12);
	assert_int_equal(src->dom[1].image[1], 11);
	assert_int_equal(sdm_policy_check(p, NULL, NULL, &err), SDM_OK);
}

static void test_src_defaults(void **state)
{
	assert_int_equal(parse(HEAD NORMAL), SDM_OK);
	assert_int_equal(src->pol.flags, SDM_POL_REQ_ALL);
	for (unsigned c = 0; c < SDM_POL_ERR_CLASSES; c++)
		assert_int_equal(src->pol.on_error[c], SDM_POL_ACT_HALT);
	assert_int_equal(src->pol.seal_pcrs, 1u << 17 | 1u << 18);
	assert_int_equal(src->pol.dom[0].restart, SDM_POL_RESTART_NEVER);
	/* An empty seal list: nothing to bind to. */
	assert_int_equal(parse("version: 1\nseal_pcrs: []\ndomains:\n" NORMAL),
			 SDM_OK);
	assert_int_equal(src->pol.seal_pcrs, 0);
}

/* ---------------------------------------------------------------- source: errors */

struct src_row {
	const char *name;
	const char *text;
	const char *want; /* ending in '*': a prefix of the message */
};

#define NINE NORMAL PROT PROT PROT PROT PROT PROT PROT PROT
#define A32 "aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa"

static const struct src_row src_rows[] = {
	{ "src: YAML syntax", HEAD "  - {name: normal\n",
	  "t.yaml:4: YAML: *" },
	{ "src: empty", "", "t.yaml:1: empty (a policy is a mapping with version and domains)" },
	{ "src: comment only", "# nothing\n", "t.yaml:1: empty (a policy is a mapping with version and domains)" },
	{ "src: root is a list", "- 1\n", "t.yaml:1: policy: expected a mapping, got a list" },
	{ "src: unknown top key", "version: 1\ncolour: red\ndomains:\n" NORMAL,
	  "t.yaml:2: policy: unknown key 'colour' (known: version requirements on_error seal_pcrs domains)" },
	{ "src: key twice", "version: 1\nversion: 2\ndomains:\n" NORMAL,
	  "t.yaml:2: policy: key 'version' given twice (first on line 1)" },
	{ "src: key not a word", "? [a]\n: 1\n",
	  "t.yaml:1: policy: a key must be a word, got a list" },
	{ "src: no version", "domains:\n" NORMAL, "t.yaml:1: policy: missing key 'version'" },
	{ "src: no domains", "version: 1\n", "t.yaml:1: policy: missing key 'domains'" },
	{ "src: version quoted", "version: \"1\"\ndomains:\n" NORMAL,
	  "t.yaml:1: version: expected an integer, got the quoted string '1'" },
	{ "src: version too large", "version: 18446744073709551616\ndomains:\n" NORMAL,
	  "t.yaml:1: version: 18446744073709551616 is too large" },
	{ "src: version negative", "version: -1\ndomains:\n" NORMAL,
	  "t.yaml:1: version: expected an integer, got '-1'" },
	{ "src: version a list", "version: [1]\ndomains:\n" NORMAL,
	  "t.yaml:1: version: expected an integer, got a list" },
	{ "src: requirement not a bool", "version: 1\nrequirements: {tpm: yes}\ndomains:\n" NORMAL,
	  "t.yaml:2: requirements.tpm: expected true or false, got 'yes'" },
	{ "src: unknown requirement", "version: 1\nrequirements: {tpm: true, vtd: true}\ndomains:\n" NORMAL,
	  "t.yaml:2: requirements: unknown key 'vtd' (known: tpm drtm iommu)" },
	{ "src: drtm without tpm", "version: 1\nrequirements: {tpm: false, drtm: true}\ndomains:\n" NORMAL,
	  "t.yaml:2: requirements: drtm needs tpm (a dynamic launch is measured into the TPM)" },
	{ "src: unknown action", "version: 1\non_error: {no_tpm: stop}\ndomains:\n" NORMAL,
	  "t.yaml:2: on_error.no_tpm: expected halt or continue, got 'stop'" },
	{ "src: unknown error class", "version: 1\non_error: {no_tmp: halt}\ndomains:\n" NORMAL,
	  "t.yaml:2: on_error: unknown key 'no_tmp' (known: no_tpm tpm_error no_drtm no_iommu image_mismatch policy_check rollback)" },
	{ "src: PCR out of range", "version: 1\nseal_pcrs: [17, 24]\ndomains:\n" NORMAL,
	  "t.yaml:2: seal_pcrs[1]: 24 is out of range (0-23)" },
	{ "src: PCR twice", "version: 1\nseal_pcrs: [17, 17]\ndomains:\n" NORMAL,
	  "t.yaml:2: seal_pcrs[1]: PCR 17 given twice" },
	{ "src: seal_pcrs not a list", "version: 1\nseal_pcrs: 17\ndomains:\n" NORMAL,
	  "t.yaml:2: seal_pcrs: expected a list, got '17'" },
	{ "src: no domain", "version: 1\ndomains: []\n",
	  "t.yaml:2: domains: 0 items, expected 1 to 8" },
	{ "src: nine domains", HEAD NINE, "t.yaml:3: domains: 9 items, expected 1 to 8" },
	{ "src: domain not a mapping", HEAD "  - normal\n",
	  "t.yaml:3: domains[0]: expected a mapping, got 'normal'" },
	{ "src: unknown domain key", HEAD NORMALX(", colour: blue"),
	  "t.yaml:3: domains[0]: unknown key 'colour' (known: name kind images memory cpus devices channels restart)" },
	{ "src: domain key twice", HEAD NORMALX(", name: x"),
	  "t.yaml:3: domains[0]: key 'name' given twice (first on line 3)" },
	{ "src: no name", HEAD "  - {kind: normal, images: [" IMG("normal") "]}\n",
	  "t.yaml:3: domains[0]: missing key 'name'" },
	{ "src: no kind", HEAD "  - {name: normal, images: [" IMG("normal") "]}\n",
	  "t.yaml:3: domains[0]: missing key 'kind'" },
	{ "src: no images", HEAD "  - {name: normal, kind: normal}\n",
	  "t.yaml:3: domains[0]: missing key 'images'" },
	{ "src: unknown kind", HEAD "  - {name: normal, kind: secure, images: [" IMG("normal") "]}\n",
	  "t.yaml:3: domains[0].kind: expected normal or protected, got 'secure'" },
	{ "src: name too long", HEAD "  - {name: " A32 ", kind: normal, images: [" IMG("normal") "]}\n",
	  "t.yaml:3: domains[0].name: '" A32 "' is 32 bytes long, at most 31" },
	{ "src: name with a NUL", HEAD "  - {name: \"a\\0b\", kind: normal, images: [" IMG("normal") "]}\n",
	  "t.yaml:3: domains[0].name: contains a NUL character" },
	{ "src: name character", HEAD "  - {name: 'a b', kind: normal, images: [" IMG("normal") "]}\n",
	  "t.yaml:3: domain 0: name has byte 0x20 (allowed: A-Z a-z 0-9 _ . -)" },
	{ "src: name twice", HEAD NORMAL "  - {name: normal, kind: protected, images: [" IMG("p") "], memory: 16M, cpus: 1}\n",
	  "t.yaml:4: domains 0 and 1 are both named 'normal'" },
	{ "src: no image", HEAD "  - {name: normal, kind: normal, images: []}\n",
	  "t.yaml:3: domains[0].images: 0 items, expected 1 to 4" },
	{ "src: five images", HEAD "  - {name: normal, kind: normal, images: [" IMG("a") ", " IMG("b") ", " IMG("c") ", " IMG("d") ", " IMG("e") "]}\n",
	  "t.yaml:3: domains[0].images: 5 items, expected 1 to 4" },
	{ "src: image without module", HEAD "  - {name: normal, kind: normal, images: [{path: x}]}\n",
	  "t.yaml:3: domains[0].images[0]: missing key 'module'" },
	{ "src: unknown image key", HEAD "  - {name: normal, kind: normal, images: [{module: n, hash: x}]}\n",
	  "t.yaml:3: domains[0].images[0]: unknown key 'hash' (known: module sha256 sha384 path)" },
	{ "src: one digest", HEAD "  - {name: normal, kind: normal, images: [{module: n, sha256: " H64 "}]}\n",
	  "t.yaml:3: domains[0].images[0]: give both sha256 and sha384 (or only path)" },
	{ "src: digest length", HEAD "  - {name: normal, kind: normal, images: [{module: n, sha256: 0" H64 ", sha384: " H96 "}]}\n",
	  "t.yaml:3: domains[0].images[0].sha256: 65 characters, a digest is 64 hex digits" },
	{ "src: sha384 length", HEAD "  - {name: normal, kind: normal, images: [{module: n, sha256: " H64 ", sha384: 0123g" H96 "}]}\n",
	  "t.yaml:3: domains[0].images[0].sha384: 101 characters, a digest is 96 hex digits" },
	{ "src: digest not hex", HEAD "  - {name: normal, kind: normal, images: [{module: n, sha256: 0123g56789abcdef0123456789abcdef0123456789abcdef0123456789abcdef, sha384: " H96 "}]}\n",
	  "t.yaml:3: domains[0].images[0].sha256: 'g' at character 5 is not a hex digit" },
	{ "src: empty path", HEAD "  - {name: normal, kind: normal, images: [{module: n, path: ''}]}\n",
	  "t.yaml:3: domains[0].images[0].path: empty path" },
	{ "src: module twice", HEAD "  - {name: normal, kind: normal, images: [" IMG("n") ", " IMG("n") "]}\n",
	  "t.yaml:3: domain 'normal': module 'n' is listed twice" },
	{ "src: memory without size", HEAD NORMAL PROTX(", memory: {base: 1G}, cpus: 1"),
	  "t.yaml:4: domains[1].memory: missing key 'size'" },
	{ "src: unknown memory key", HEAD NORMAL PROTX(", memory: {size: 16M, bsae: 1G}, cpus: 1"),
	  "t.yaml:4: domains[1].memory: unknown key 'bsae' (known: size base)" },
	{ "src: size not a size", HEAD NORMAL PROTX(", memory: 16Q, cpus: 1"),
	  "t.yaml:4: domains[1].memory: '16Q' is not a size (such as 16M, 4KiB, 0x1000000)" },
	{ "src: size a list", HEAD NORMAL PROTX(", memory: {size: [1]}, cpus: 1"),
	  "t.yaml:4: domains[1].memory.size: expected a size such as 16M or 0x1000000, got a list" },
	{ "src: size zero", HEAD NORMAL PROTX(", memory: 0, cpus: 1"),
	  "t.yaml:4: domains[1].memory: 0 (leave out memory for all the RAM no other domain has)" },
	{ "src: size too large", HEAD NORMAL PROTX(", memory: 20000000T, cpus: 1"),
	  "t.yaml:4: domains[1].memory: 20000000T is too large" },
	{ "src: base zero", HEAD NORMAL PROTX(", memory: {size: 16M, base: 0}, cpus: 1"),
	  "t.yaml:4: domains[1].memory.base: 0 (leave out base to let sinit place the memory)" },
	{ "src: size not 4K", HEAD NORMAL PROTX(", memory: 4097, cpus: 1"),
	  "t.yaml:4: domain 'prot1': memory size 0x1001 is not a multiple of 4 KiB" },
	{ "src: base not 4K", HEAD NORMAL PROTX(", memory: {size: 16M, base: 0x1234}, cpus: 1"),
	  "t.yaml:4: domain 'prot1': memory base 0x1234 is not 4 KiB-aligned" },
	{ "src: memory above 2^52", HEAD NORMAL PROTX(", memory: {size: 16M, base: 0xfffffffffffff000}, cpus: 1"),
	  "t.yaml:4: domain 'prot1': memory 0xfffffffffffff000+0x1000000 ends above 2^52" },
	{ "src: protected without memory", HEAD NORMAL PROTX(", cpus: 1"),
	  "t.yaml:4: domain 'prot1': a protected domain needs a memory size" },
	{ "src: protected without CPUs", HEAD NORMAL PROTX(", memory: 16M"),
	  "t.yaml:4: domain 'prot1': a protected domain needs CPUs" },
	{ "src: zero CPUs", HEAD NORMAL PROTX(", memory: 16M, cpus: 0"),
	  "t.yaml:4: domains[1].cpus: 0 is out of range (1-1024)" },
	{ "src: CPUs a mapping", HEAD NORMAL PROTX(", memory: 16M, cpus: {n: 1}"),
	  "t.yaml:4: domains[1].cpus: expected a CPU count or a list of APIC IDs, got a mapping" },
	{ "src: seventeen CPU IDs", HEAD NORMAL PROTX(", memory: 16M, cpus: [1,2,3,4,5,6,7,8,9,10,11,12,13,14,15,16,17]"),
	  "t.yaml:4: domains[1].cpus: 17 items, expected 1 to 16" },
	{ "src: CPU ID not a number", HEAD NORMAL PROTX(", memory: 16M, cpus: [one]"),
	  "t.yaml:4: domains[1].cpus[0]: expected an integer, got 'one'" },
	{ "src: device format", HEAD NORMAL PROTX(", memory: 16M, cpus: 1, devices: [\"0000:00:3.0\"]"),
	  "t.yaml:4: domains[1].devices[0]: '0000:00:3.0' is not segment:bus:device.function, such as 0000:00:03.0" },
	{ "src: device number", HEAD NORMAL PROTX(", memory: 16M, cpus: 1, devices: [\"0000:00:20.0\"]"),
	  "t.yaml:4: domains[1].devices[0]: '0000:00:20.0': device is 00-1f, function 0-7" },
	{ "src: devices not a list", HEAD NORMAL PROTX(", memory: 16M, cpus: 1, devices: \"0000:00:03.0\""),
	  "t.yaml:4: domains[1].devices: expected a list, got the quoted string '0000:00:03.0'" },
	{ "src: channel without peer", HEAD NORMAL PROTX(", memory: 16M, cpus: 1, channels: [{size: 4K}]"),
	  "t.yaml:4: domains[1].channels[0]: missing key 'peer'" },
	{ "src: channel without size", HEAD NORMAL PROTX(", memory: 16M, cpus: 1, channels: [{peer: normal}]"),
	  "t.yaml:4: domains[1].channels[0]: missing key 'size'" },
	{ "src: unknown channel key", HEAD NORMAL PROTX(", memory: 16M, cpus: 1, channels: [{peer: normal, size: 4K, ring: 1}]"),
	  "t.yaml:4: domains[1].channels[0]: unknown key 'ring' (known: peer size)" },
	{ "src: channel size", HEAD NORMAL PROTX(", memory: 16M, cpus: 1, channels: [{peer: normal, size: 100}]"),
	  "t.yaml:4: domain 'prot1': channel to 'normal': size 0x64 is not a multiple of 4 KiB from 4 KiB to 1 GiB" },
	{ "src: restart word", HEAD NORMAL PROTX(", memory: 16M, cpus: 1, restart: sometimes"),
	  "t.yaml:4: domains[1].restart: expected never, always or a number of restarts, got 'sometimes'" },
	{ "src: restart zero", HEAD NORMAL PROTX(", memory: 16M, cpus: 1, restart: 0"),
	  "t.yaml:4: domains[1].restart: 0 is out of range (1-65535)" },
	{ "src: restart too many", HEAD NORMAL PROTX(", memory: 16M, cpus: 1, restart: 70000"),
	  "t.yaml:4: domains[1].restart: 70000 is out of range (1-65535)" },
	{ "src: second document", HEAD NORMAL "---\nversion: 2\n",
	  "t.yaml:5: a second YAML document (one per file)" },
};

static void test_src_error(void **state)
{
	const struct src_row *r = *state;

	size_t n = strlen(r->want);

	assert_int_not_equal(parse(r->text), SDM_OK);
	if (r->want[n - 1] == '*') {
		if (strncmp(err.msg, r->want, n - 1) != 0)
			fail_msg("%s: got \"%s\"", r->name, err.msg);
	} else if (strcmp(err.msg, r->want) != 0) {
		fail_msg("%s:\n got  \"%s\"\n want \"%s\"", r->name, err.msg,
			 r->want);
	}
}

/* ---------------------------------------------------------------- checks */

#define MACHINE \
	"memory:\n  - {base: 0, size: 640K}\n  - {base: 1M, size: 511M}\n" \
	"cpus: [0, 1, 2, 3]\nboot_cpu: 0\ndevices: [\"0000:00:02.0\"]\n"

struct check_row {
	const char *name;
	const char *text;
	const char *machine; /* or NULL */
	const char *want;    /* as sdm policy check prints it */
};

static const struct check_row check_rows[] = {
	{ "check: no normal domain", HEAD PROT, NULL,
	  "t.yaml:2: no normal domain (one domain must have kind normal)" },
	{ "check: two normal domains", HEAD NORMAL "  - {name: n2, kind: normal, images: [" IMG("n2") "]}\n", NULL,
	  "t.yaml:4: domains 'normal' and 'n2' are both normal (there is one normal domain)" },
	{ "check: memory overlaps", HEAD NORMAL PROTX(", memory: {size: 16M, base: 0x1000000}, cpus: 1")
	  PROT2X(", memory: {size: 16M, base: 0x1800000}, cpus: 1"), NULL,
	  "t.yaml:5: memory of domain 'prot2' [0x1800000-0x27fffff] overlaps domain 'prot1' [0x1000000-0x1ffffff]" },
	{ "check: CPU in two domains", HEAD NORMAL PROTX(", memory: 16M, cpus: [2]")
	  PROT2X(", memory: 16M, cpus: [3, 2]"), NULL,
	  "t.yaml:5: CPU (APIC ID) 2 is given to domain 'prot1' and to domain 'prot2'" },
	{ "check: CPU twice in a domain", HEAD NORMAL PROTX(", memory: 16M, cpus: [2, 2]"), NULL,
	  "t.yaml:4: domain 'prot1' lists CPU (APIC ID) 2 twice" },
	{ "check: device in two domains", HEAD NORMALX(", devices: [\"00:02.0\"]")
	  PROTX(", memory: 16M, cpus: 1, devices: [\"0000:00:02.0\"]"), NULL,
	  "t.yaml:4: device 0000:00:02.0 is given to domain 'normal' and to domain 'prot1'" },
	{ "check: device twice in a domain", HEAD NORMAL
	  PROTX(", memory: 16M, cpus: 1, devices: [\"0000:00:02.0\", \"0000:00:02.1\", \"0000:00:02.0\"]"), NULL,
	  "t.yaml:4: domain 'prot1' lists device 0000:00:02.0 twice" },
	{ "check: more devices than dommgr assigns", HEAD NORMAL
	  PROTX(", memory: 16M, cpus: 1, devices: [\"00:02.0\", \"00:02.1\", \"00:02.2\", "
		"\"00:02.3\", \"00:02.4\", \"00:02.5\", \"00:02.6\", \"00:02.7\", \"00:03.0\"]"), NULL,
	  "t.yaml:4: domain 'prot1' lists 9 devices, dommgr assigns at most 8 to a domain" },
	{ "check: channel to unknown domain", HEAD NORMAL
	  PROTX(", memory: 16M, cpus: 1, channels: [{peer: nromal, size: 4K}]"), NULL,
	  "t.yaml:4: domain 'prot1': channel to unknown domain 'nromal'" },
	{ "check: channel to itself", HEAD NORMAL
	  PROTX(", memory: 16M, cpus: 1, channels: [{peer: prot1, size: 4K}]"), NULL,
	  "t.yaml:4: domain 'prot1': channel to itself" },
	{ "check: channel declared twice", HEAD NORMALX(", channels: [{peer: prot1, size: 4K}]")
	  PROTX(", memory: 16M, cpus: 1, channels: [{peer: normal, size: 8K}]"), NULL,
	  "t.yaml:4: channel between 'prot1' and 'normal' is declared twice" },
	{ "check: memory beyond RAM", HEAD NORMAL PROTX(", memory: {size: 16M, base: 0x1f800000}, cpus: 1"), MACHINE,
	  "t.yaml:4: memory of domain 'prot1' [0x1f800000-0x207fffff] is not all RAM on the machine (0x20000000 is not)" },
	{ "check: memory over a hole", HEAD NORMAL PROTX(", memory: {size: 1M, base: 0x80000}, cpus: 1"), MACHINE,
	  "t.yaml:4: memory of domain 'prot1' [0x80000-0x17ffff] is not all RAM on the machine (0xa0000 is not)" },
	{ "check: more memory than the machine", HEAD NORMAL PROTX(", memory: 600M, cpus: 1"), MACHINE,
	  "t.yaml:2: the domains need 600 MiB of RAM, the machine has 523904 KiB" },
	{ "check: no memory left", HEAD NORMAL PROTX(", memory: 523904K, cpus: 1"), MACHINE,
	  "t.yaml:3: no RAM is left for domain 'normal' (the others take all 523904 KiB)" },
	{ "check: CPU not on the machine", HEAD NORMAL PROTX(", memory: 16M, cpus: [7]"), MACHINE,
	  "t.yaml:4: domain 'prot1': CPU (APIC ID) 7 is not on the machine" },
	{ "check: boot CPU taken", HEAD NORMAL PROTX(", memory: 16M, cpus: [0]"), MACHINE,
	  "t.yaml:4: domain 'prot1': takes the boot CPU (APIC ID 0), which runs the normal domain" },
	{ "check: more CPUs than the machine", HEAD NORMAL PROTX(", memory: 16M, cpus: 5"), MACHINE,
	  "t.yaml:2: the domains need 5 CPUs, the machine has 4" },
	{ "check: no CPU left", HEAD NORMAL PROTX(", memory: 16M, cpus: 4"), MACHINE,
	  "t.yaml:3: no CPU is left for domain 'normal' (the others take all 4)" },
	{ "check: device not on the machine", HEAD NORMAL PROTX(", memory: 16M, cpus: 1, devices: [\"0000:00:05.0\"]"), MACHINE,
	  "t.yaml:4: domain 'prot1': device 0000:00:05.0 is not on the machine" },
};

static struct sdm_pol_machine machine;

static void test_check(void **state)
{
	const struct check_row *r = *state;
	struct sdm_pol_findings fs;
	char msg[512];

	if (parse(r->text) != SDM_OK)
		fail_msg("%s: %s", r->name, err.msg);
	if (r->machine != NULL)
		assert_int_equal(policy_machine_parse(r->machine, strlen(r->machine),
						      "m.yaml", &machine, &err),
				 SDM_OK);
	/* The machine checks alone must not fire without a machine. */
	if (r->machine != NULL)
		assert_int_equal(sdm_policy_check(&src->pol, NULL, NULL, &err),
				 SDM_OK);
	assert_int_not_equal(sdm_policy_check(&src->pol,
					      r->machine ? &machine : NULL, &fs,
					      &err), SDM_OK);
	assert_int_equal(fs.n, 1);
	assert_string_equal(fs.f[0].msg, err.msg);
	assert_int_equal(strncmp(err.msg, "policy: ", 8), 0);
	policy_src_message(src, "t.yaml", &fs.f[0].where, fs.f[0].msg, msg,
			   sizeof(msg));
	if (strcmp(msg, r->want) != 0)
		fail_msg("%s:\n got  \"%s\"\n want \"%s\"", r->name, msg, r->want);
}

/* Every problem is reported, in order; the first is in err. */
static void test_check_all(void **state)
{
	struct sdm_pol_findings fs;

	assert_int_equal(parse(HEAD PROTX(", memory: 16M, cpus: [2, 2]")
			       PROT2X(", memory: 16M, cpus: 1, channels: [{peer: x, size: 4K}]")),
			 SDM_OK);
	assert_int_equal(sdm_policy_check(&src->pol, NULL, &fs, &err), SDM_ENOENT);
	assert_int_equal(fs.n, 3);
	assert_int_equal(fs.total, 3);
	assert_string_equal(err.msg, "policy: no normal domain (one domain must have kind normal)");
	assert_string_equal(fs.f[1].msg, "policy: domain 'prot1' lists CPU (APIC ID) 2 twice");
	assert_string_equal(fs.f[2].msg, "policy: domain 'prot2': channel to unknown domain 'x'");
	assert_int_equal(fs.f[2].where.dom, 1);
	assert_int_equal(fs.f[2].where.field, SDM_POL_F_CHANNEL);
	/* NULL findings: still the first error. */
	memset(&err, 0, sizeof(err));
	assert_int_equal(sdm_policy_check(&src->pol, NULL, NULL, &err), SDM_ENOENT);
	assert_string_equal(err.msg, "policy: no normal domain (one domain must have kind normal)");
	assert_int_equal(sdm_policy_find_domain(&src->pol, "prot2"), 1);
	assert_int_equal(sdm_policy_find_domain(&src->pol, "normal"), -1);
}

static void test_machine_errors(void **state)
{
	static const struct {
		const char *text, *want;
	} rows[] = {
		{ "memory: []\ncpus: [0]\nram: 1\n",
		  "m.yaml:3: machine: unknown key 'ram' (known: memory cpus boot_cpu devices)" },
		{ "memory: [{base: 0, size: 1M}]\n", "m.yaml:1: machine: missing key 'cpus'" },
		{ "memory: [{base: 0xffffffffffff0000, size: 1M}]\ncpus: [0]\n",
		  "m.yaml:1: memory[0]: range wraps around 2^64" },
		{ "memory: [{base: 0}]\ncpus: [0]\n", "m.yaml:1: memory[0]: missing key 'size'" },
		{ "memory: [{base: 0, size: 1M}]\ncpus: [x]\n",
		  "m.yaml:2: cpus[0]: expected an integer, got 'x'" },
		{ "memory: [{base: 0, size: 1M}]\ncpus: [0]\ndevices: [\"0:0:0\"]\n",
		  "m.yaml:3: devices[0]: '0:0:0' is not segment:bus:device.function, such as 0000:00:03.0" },
		{ "", "m.yaml:1: empty (a machine is a mapping with memory and cpus)" },
	};

	for (size_t i = 0; i < ARRAY_SIZE(rows); i++) {
		assert_int_not_equal(policy_machine_parse(rows[i].text,
							  strlen(rows[i].text),
							  "m.yaml", &machine, &err),
				     SDM_OK);
		assert_string_equal(err.msg, rows[i].want);
	}
	assert_int_equal(policy_machine_parse(MACHINE, strlen(MACHINE), "m.yaml",
					      &machine, &err), SDM_OK);
	assert_int_equal(machine.nram, 2);
	assert_int_equal(machine.ram[1].base, MIB(1));
	assert_int_equal(machine.ram[1].size, MIB(511));
	assert_int_equal(machine.ncpus, 4);
	assert_true(machine.bsp_known);
	assert_true(machine.devices_known);
	assert_int_equal(machine.devices[0].devfn, 2 << 3);
}

/* ---------------------------------------------------------------- images */

struct tmpdir {
	char dir[64];
	char yaml[128];
};

static void tmp_make(struct tmpdir *t)
{
	snprintf(t->dir, sizeof(t->dir), "/tmp/sdm-test-policy-XXXXXX");
	assert_non_null(mkdtemp(t->dir));
	snprintf(t->yaml, sizeof(t->yaml), "%s/t.yaml", t->dir);
}

static void tmp_remove(struct tmpdir *t)
{
	char cmd[128];

	snprintf(cmd, sizeof(cmd), "rm -rf -- '%s'", t->dir);
	assert_int_equal(system(cmd), 0);
}

static int load_yaml(struct tmpdir *t, const char *text)
{
	write_text(t->yaml, text, strlen(text));
	memset(&err, 0, sizeof(err));
	return policy_src_load(t->yaml, src, &err);
}

static void digests(const char *data, size_t len, uint8_t h256[32],
		    uint8_t h384[48])
{
	unsigned int n;

	assert_int_equal(EVP_Digest(data, len, h256, &n, EVP_sha256(), NULL), 1);
	assert_int_equal(EVP_Digest(data, len, h384, &n, EVP_sha384(), NULL), 1);
}

static void test_images(void **state)
{
	static const char image[] = "a protected domain's image";
	struct tmpdir t;
	char path[192], want[640], h[97], g[97];
	uint8_t h256[32], h384[48];

	tmp_make(&t);
	snprintf(path, sizeof(path), "%s/prot1.elf", t.dir);
	write_text(path, image, sizeof(image));
	digests(image, sizeof(image), h256, h384);
	hex(h384, 48, h);

	/* By path, relative to the source file. */
	assert_int_equal(load_yaml(&t, HEAD NORMAL PROTX(", memory: 16M, cpus: 1") ""
				   "  - {name: p2, kind: protected, images: [{module: prot1, path: prot1.elf}], memory: 16M, cpus: 1}\n"),
			 SDM_OK);
	assert_false(src->img[2][0].has_digests);
	assert_int_equal(policy_src_resolve_images(src, NULL, &err), SDM_OK);
	assert_memory_equal(src->pol.dom[2].images[0].sha256, h256, 32);
	assert_memory_equal(src->pol.dom[2].images[0].sha384, h384, 48);

	/* Missing. */
	assert_int_equal(load_yaml(&t, HEAD NORMAL
				   "  - {name: p2, kind: protected, images: [{module: prot1, path: nope.elf}], memory: 16M, cpus: 1}\n"),
			 SDM_OK);
	assert_int_equal(policy_src_resolve_images(src, NULL, &err), SDM_ENOENT);
	snprintf(want, sizeof(want), "%s:4: image 'prot1' is missing: %s/nope.elf: No such file or directory",
		 t.yaml, t.dir);
	assert_string_equal(err.msg, want);

	/* Digests and a path that disagree. */
	assert_int_equal(load_yaml(&t, HEAD NORMAL
				   "  - {name: p2, kind: protected, images: [{module: prot1, path: prot1.elf, sha256: " H64 ", sha384: " H96 "}], memory: 16M, cpus: 1}\n"),
			 SDM_OK);
	assert_int_equal(policy_src_resolve_images(src, NULL, &err), SDM_ECHKSUM);
	memcpy(g, h, 16);
	g[16] = '\0';
	snprintf(want, sizeof(want), "%s:4: image 'prot1': %s/prot1.elf has SHA-384 %s..., the policy says 0123456789abcdef...",
		 t.yaml, t.dir, g);
	assert_string_equal(err.msg, want);

	/* No digests, no path, no directory. */
	assert_int_equal(load_yaml(&t, HEAD
				   "  - {name: normal, kind: normal, images: [{module: normal}]}\n"
				   "  - {name: p2, kind: protected, images: [{module: prot1}], memory: 16M, cpus: 1}\n"),
			 SDM_OK);
	assert_int_equal(policy_src_resolve_images(src, NULL, &err), SDM_ENOENT);
	snprintf(want, sizeof(want), "%s:3: domains[0].images[0]: image 'normal' has no digests: give sha256 and sha384, or path (or --images-dir)",
		 t.yaml);
	assert_string_equal(err.msg, want);
	/* ... found by module name in a directory: DIR/MODULE. */
	snprintf(path, sizeof(path), "%s/prot1", t.dir);
	write_text(path, image, sizeof(image));
	assert_int_equal(policy_src_resolve_images(src, t.dir, &err), SDM_ENOENT);
	snprintf(want, sizeof(want), "%s:3: image 'normal' is missing: %s/normal: No such file or directory",
		 t.yaml, t.dir);
	assert_string_equal(err.msg, want);
	snprintf(path, sizeof(path), "%s/normal", t.dir);
	write_text(path, image, sizeof(image) - 1);
	assert_int_equal(policy_src_resolve_images(src, t.dir, &err), SDM_OK);
	assert_memory_equal(src->pol.dom[1].images[0].sha384, h384, 48);
	assert_memory_equal(src->pol.dom[1].images[0].sha256, h256, 32);
	/* ... where digests in the source disagree with DIR/normal. */
	assert_int_equal(load_yaml(&t, HEAD NORMAL), SDM_OK);
	assert_int_equal(policy_src_resolve_images(src, t.dir, &err), SDM_ECHKSUM);
	digests(image, sizeof(image) - 1, h256, h384);
	hex(h384, 8, g);
	snprintf(want, sizeof(want), "%s:3: image 'normal': %s/normal has SHA-384 %s..., the policy says 0123456789abcdef...",
		 t.yaml, t.dir, g);
	assert_string_equal(err.msg, want);
	tmp_remove(&t);
}

/* What sinit runs on a module's bytes. */
static void test_check_image(void **state)
{
	static const char image[] = "module bytes";
	struct sdm_pol_domain d;
	char want[320], g[97], w[97];
	uint8_t h256[32], h384[48];

	memset(&d, 0, sizeof(d));
	snprintf(d.name, sizeof(d.name), "prot1");
	d.nimages = 1;
	snprintf(d.images[0].module, sizeof(d.images[0].module), "m1");
	digests(image, sizeof(image), h256, h384);
	memcpy(d.images[0].sha256, h256, 32);
	memcpy(d.images[0].sha384, h384, 48);
	assert_int_equal(sdm_policy_check_image(&d, 0, image, sizeof(image), &err),
			 SDM_OK);
	assert_int_equal(sdm_policy_check_image(&d, 1, image, sizeof(image), &err),
			 SDM_EINVAL);
	assert_string_equal(err.msg, "policy: domain 'prot1' has no image 1");
	/* One byte less: SHA-384 differs first. */
	assert_int_equal(sdm_policy_check_image(&d, 0, image, sizeof(image) - 1, &err),
			 SDM_ECHKSUM);
	digests(image, sizeof(image) - 1, h256, h384);
	hex(h384, 8, g);
	hex(d.images[0].sha384, 8, w);
	snprintf(want, sizeof(want), "policy: domain 'prot1' image 'm1': SHA-384 %s..., the policy says %s...", g, w);
	assert_string_equal(err.msg, want);
	/* Only the SHA-256 is wrong. */
	d.images[0].sha256[31] ^= 1;
	assert_int_equal(sdm_policy_check_image(&d, 0, image, sizeof(image), &err),
			 SDM_ECHKSUM);
	digests(image, sizeof(image), h256, h384);
	hex(h256, 8, g);
	hex(d.images[0].sha256, 8, w);
	snprintf(want, sizeof(want), "policy: domain 'prot1' image 'm1': SHA-256 %s..., the policy says %s...", g, w);
	assert_string_equal(err.msg, want);
}

/* ---------------------------------------------------------------- blobs */

static void roundtrip(EVP_PKEY *k, bool pkcs1, unsigned alg)
{
	struct sdm_policy *got = calloc(1, sizeof(*got));
	struct sdm_pol_header h;
	uint8_t anchor[48];
	size_t len;
	uint8_t *blob = make_blob(BASE_BLOB_YAML, k, pkcs1, &len);

	assert_non_null(got);
	anchor_of(k, anchor);
	memset(&err, 0, sizeof(err));
	if (sdm_policy_verify(blob, len, anchor, got, &err) != SDM_OK)
		fail_msg("verify: %s", err.msg);
	assert_int_equal(got->sig_alg, alg);
	assert_int_equal(got->version, src->pol.version);
	assert_int_equal(got->flags, src->pol.flags);
	assert_int_equal(got->seal_pcrs, src->pol.seal_pcrs);
	assert_memory_equal(got->on_error, src->pol.on_error, SDM_POL_ERR_CLASSES);
	assert_int_equal(got->ndomains, 2);
	assert_memory_equal(got->dom, src->pol.dom, 2 * sizeof(got->dom[0]));
	assert_memory_equal(got->key_sha384, anchor, 48);
	assert_int_equal(got->size, len);
	memcpy(&h, blob, sizeof(h));
	assert_int_equal(got->key_offset, B_KEY);
	assert_int_equal(got->signed_size, h.sig_offset);
	assert_int_equal(h.sig_size, sdm_pol_sig_size(alg));
	assert_int_equal(len, h.sig_offset + h.sig_size);
	assert_true(openssl_verifies(blob, len, k));
	/* The field parser alone gives the same. */
	struct sdm_policy *again = calloc(1, sizeof(*again));

	assert_non_null(again);
	assert_int_equal(sdm_policy_parse_fields(blob, len, again, &err), SDM_OK);
	assert_memory_equal(again, got, sizeof(*got));
	/* Any alignment. */
	uint8_t *odd = malloc(len + 1);

	assert_non_null(odd);
	memcpy(odd + 1, blob, len);
	assert_int_equal(sdm_policy_verify(odd + 1, len, anchor, again, &err), SDM_OK);
	free(odd);
	free(again);
	free(got);
	free(blob);
}

static void test_roundtrip_p384(void **state)
{
	roundtrip(k_ec, false, SDM_POL_SIG_ECDSA_P384);
}

static void test_roundtrip_rsa_pss(void **state)
{
	roundtrip(k_rsa, false, SDM_POL_SIG_RSA3072_PSS);
}

static void test_roundtrip_rsa_pkcs1(void **state)
{
	roundtrip(k_rsa, true, SDM_POL_SIG_RSA3072_PKCS1);
}

/* The header fields read before the signature (they locate it). */
static bool locating(size_t off)
{
	static const struct {
		size_t off, len;
	} f[] = {
		{ offsetof(struct sdm_pol_header, magic), 4 },
		{ offsetof(struct sdm_pol_header, format), 2 },
		{ offsetof(struct sdm_pol_header, total_size), 4 },
		{ offsetof(struct sdm_pol_header, key_offset), 16 }, /* key, sig */
		{ offsetof(struct sdm_pol_header, sig_alg), 2 },
	};

	for (size_t i = 0; i < ARRAY_SIZE(f); i++)
		if (off >= f[i].off && off < f[i].off + f[i].len)
			return true;
	return false;
}

/*
 * One flipped bit, in every byte (stride 1) or every stride-th byte of the
 * domain records (an ECDSA verification is slow under ASan): a signed byte
 * -> "signature does not verify"; a key byte -> "unknown key"; a byte of
 * the signature -> "signature does not verify"; a field that locates the
 * key or signature -> refused before any crypto (or, if it still lands in
 * range, unknown key or bad signature).
 */
static void flips(EVP_PKEY *k, bool pkcs1, const char *sig_msg, size_t stride)
{
	struct sdm_policy *got = calloc(1, sizeof(*got));
	uint8_t anchor[48];
	size_t len;
	uint8_t *blob = make_blob(BASE_BLOB_YAML, k, pkcs1, &len);
	struct sdm_pol_header h;
	unsigned nsig = 0, nkey = 0, nloc = 0;

	assert_non_null(got);
	anchor_of(k, anchor);
	memcpy(&h, blob, sizeof(h));
	for (size_t off = 0; off < len; off++) {
		uint8_t bit = (uint8_t)(1u << (off % 8));

		if (off >= sizeof(h) && off < h.key_offset && off % stride != 0) {
			nsig++; /* not tried, counted for the sum below */
			continue;
		}

		blob[off] ^= bit;
		assert_int_not_equal(sdm_policy_verify(blob, len, anchor, got, &err),
				     SDM_OK);
		blob[off] ^= bit;
		if (locating(off)) {
			nloc++;
			continue;
		}
		if (off >= h.key_offset && off < h.key_offset + h.key_size) {
			nkey++;
			if (strncmp(err.msg, "policy: signed by an unknown key (SHA-384 ", 42) != 0)
				fail_msg("key byte %zu: %s", off, err.msg);
			continue;
		}
		nsig++;
		if (strcmp(err.msg, sig_msg) != 0)
			fail_msg("byte %zu: %s", off, err.msg);
		assert_int_equal(err.code, SDM_ECHKSUM);
	}
	assert_int_equal(nloc, 28);
	assert_int_equal(nkey, h.key_size);
	assert_int_equal(nsig, len - 28 - h.key_size);
	assert_int_equal(sdm_policy_verify(blob, len, anchor, got, &err), SDM_OK);
	free(got);
	free(blob);
}

static void test_flip_p384(void **state)
{
	flips(k_ec, false, "policy: signature does not verify (ECDSA P-384)", 7);
}

static void test_flip_rsa(void **state)
{
	flips(k_rsa, false, "policy: signature does not verify (RSA-3072 PSS)", 1);
}

static void test_other_key(void **state)
{
	struct sdm_policy *got = calloc(1, sizeof(*got));
	uint8_t anchor[48], other[48];
	char want[320], a[17], o[17];
	size_t len;
	uint8_t *blob = make_blob(BASE_BLOB_YAML, k_ec2, false, &len);

	assert_non_null(got);
	anchor_of(k_ec, anchor);
	anchor_of(k_ec2, other);
	assert_int_equal(sdm_policy_verify(blob, len, anchor, got, &err), SDM_ENOENT);
	hex(other, 8, o);
	hex(anchor, 8, a);
	snprintf(want, sizeof(want), "policy: signed by an unknown key (SHA-384 %s..., trusted %s...)", o, a);
	assert_string_equal(err.msg, want);
	/* Not half-done: the output is cleared. */
	for (size_t i = 0; i < sizeof(*got); i++)
		assert_int_equal(((uint8_t *)got)[i], 0);
	/* Its own key verifies it. */
	assert_int_equal(sdm_policy_verify(blob, len, other, got, &err), SDM_OK);
	/* A blob carrying the trusted key but signed by another: signature. */
	uint8_t *good = make_blob(BASE_BLOB_YAML, k_ec, false, &len);

	resign(good, k_ec2);
	assert_int_equal(sdm_policy_verify(good, len, anchor, got, &err), SDM_ECHKSUM);
	assert_string_equal(err.msg, "policy: signature does not verify (ECDSA P-384)");
	free(good);
	free(blob);
	free(got);
}

static void test_truncated(void **state)
{
	struct sdm_policy *got = calloc(1, sizeof(*got));
	uint8_t anchor[48];
	size_t len;
	uint8_t *blob = make_blob(BASE_BLOB_YAML, k_ec, false, &len);
	uint8_t *big = calloc(1, len + 1);
	static const size_t cuts[] = { 0, 1, 79 };
	char want[128];

	assert_non_null(got);
	assert_non_null(big);
	anchor_of(k_ec, anchor);
	assert_int_equal(len, B_TOTAL);
	for (size_t i = 0; i < ARRAY_SIZE(cuts); i++) {
		assert_int_equal(sdm_policy_verify(blob, cuts[i], anchor, got, &err),
				 SDM_ERANGE);
		snprintf(want, sizeof(want), "policy: truncated at byte %zu: the header alone is 80", cuts[i]);
		assert_string_equal(err.msg, want);
	}
	for (size_t cut = 80; cut < len; cut += cut < 200 ? 1 : 97) {
		assert_int_equal(sdm_policy_verify(blob, cut, anchor, got, &err),
				 SDM_ERANGE);
		snprintf(want, sizeof(want), "policy: truncated at byte %zu of 1896", cut);
		assert_string_equal(err.msg, want);
		assert_int_equal(sdm_policy_parse_fields(blob, cut, got, &err),
				 SDM_ERANGE);
	}
	memcpy(big, blob, len);
	assert_int_equal(sdm_policy_verify(big, len + 1, anchor, got, &err), SDM_ERANGE);
	assert_string_equal(err.msg, "policy: longer than its size: 1897 bytes, the header says 1896");
	assert_int_equal(sdm_policy_verify(NULL, len, anchor, got, &err), SDM_EINVAL);
	assert_string_equal(err.msg, "policy: no blob");
	assert_int_equal(sdm_policy_verify(blob, len, NULL, got, &err), SDM_EINVAL);
	assert_string_equal(err.msg, "policy: no trust anchor");
	free(big);
	free(blob);
	free(got);
}

/* A change to a signed blob (re-signed, so the fields are reached). */
struct mut {
	size_t off;
	unsigned size; /* 1, 2, 4 or 8; 0 ends the list */
	uint64_t val;
};

struct blob_row {
	const char *name;
	bool fields_only; /* sdm_policy_parse_fields, no signature */
	struct mut m[4];
	const char *want;
};

#define HO(f) offsetof(struct sdm_pol_header, f)
#define DO(i, f) (sizeof(struct sdm_pol_header) + (i) * sizeof(struct sdm_pol_domain) + \
		  offsetof(struct sdm_pol_domain, f))
#define AAAA 0x6161616161616161ull

static const struct blob_row blob_rows[] = {
	/* Before the signature. */
	{ "blob: magic", false, { { HO(magic), 1, 0x54 } },
	  "policy: not a policy (magic 0x504d4454, want 0x504d4453 \"SDMP\")" },
	{ "blob: format", false, { { HO(format), 2, 2 } },
	  "policy: format version 2; this build reads version 1" },
	{ "blob: total size", false, { { HO(total_size), 4, B_TOTAL + 1 } },
	  "policy: truncated at byte 1896 of 1897" },
	{ "blob: unknown algorithm", false, { { HO(sig_alg), 2, 9 } },
	  "policy: unknown signature algorithm 9" },
	{ "blob: signature size", false, { { HO(sig_size), 4, 95 } },
	  "policy: signature field is 95 bytes; ECDSA P-384 takes 96" },
	{ "blob: signature not last", false, { { HO(sig_offset), 4, B_SIG - 1 } },
	  "policy: signature at 0x707+96 does not end the blob at 0x768" },
	{ "blob: signature in the header", false, { { HO(sig_offset), 4, 16 } },
	  "policy: signature at 0x10+96 does not end the blob at 0x768" },
	{ "blob: no key", false, { { HO(key_size), 4, 0 } },
	  "policy: signer key is 0 bytes (1-1024)" },
	{ "blob: key too large", false, { { HO(key_size), 4, 1025 } },
	  "policy: signer key is 1025 bytes (1-1024)" },
	{ "blob: key in the header", false, { { HO(key_offset), 4, 0x10 } },
	  "policy: signer key at 0x10+120 is not between the header and the signature (0x50-0x708)" },
	{ "blob: key over the signature", false, { { HO(key_offset), 4, B_KEY + 1 } },
	  "policy: signer key at 0x691+120 is not between the header and the signature (0x50-0x708)" },
	/* After the signature: the header. */
	{ "blob: header size", false, { { HO(header_size), 2, 81 } },
	  "policy: header size 81; format 1 has 80" },
	{ "blob: domain record size", false, { { HO(domain_size), 2, 801 } },
	  "policy: domain record size 801; format 1 has 800" },
	{ "blob: domains offset", false, { { HO(domains_offset), 4, 88 } },
	  "policy: domains at 0x58, not right after the header at 0x50" },
	{ "blob: no domains", false, { { HO(ndomains), 2, 0 } },
	  "policy: 0 domains (1-8)" },
	{ "blob: nine domains", false, { { HO(ndomains), 2, 9 } },
	  "policy: 9 domains (1-8)" },
	{ "blob: domains end before the key", false, { { HO(ndomains), 2, 1 } },
	  "policy: domain records end at 0x370, the key starts at 0x690" },
	{ "blob: gap after the key", true, { { HO(key_size), 4, P384_SPKI - 1 } },
	  "policy: key ends at 0x707, the signature starts at 0x708" },
	{ "blob: reserved header field", false, { { HO(reserved0), 2, 1 } },
	  "policy: reserved header fields are not zero" },
	{ "blob: reserved header bytes", false, { { HO(reserved1) + 7, 1, 1 } },
	  "policy: reserved header fields are not zero" },
	{ "blob: on_error slot past the classes", false, { { HO(on_error) + 7, 1, 1 } },
	  "policy: on_error slot 7 (no such error class) is not zero" },
	{ "blob: rollback action 0 (a blob from before the class)", false,
	  { { HO(on_error) + 6, 1, 0 } },
	  "policy: on_error rollback: action 0 is neither halt (1) nor continue (2)" },
	{ "blob: unknown requirement", false, { { HO(flags), 4, 0xf } },
	  "policy: unknown requirement flags 0x8" },
	{ "blob: drtm without tpm", false, { { HO(flags), 4, SDM_POL_REQ_DRTM } },
	  "policy: requirements: drtm needs tpm (a dynamic launch is measured into the TPM)" },
	{ "blob: PCR 24", false, { { HO(seal_pcrs), 4, 1u << 24 | 1u << 17 } },
	  "policy: seal_pcrs names PCR 24 (0-23)" },
	{ "blob: unknown action", false, { { HO(on_error) + 2, 1, 3 } },
	  "policy: on_error no_drtm: action 3 is neither halt (1) nor continue (2)" },
	{ "blob: no action", false, { { HO(on_error) + 5, 1, 0 } },
	  "policy: on_error policy_check: action 0 is neither halt (1) nor continue (2)" },
	/* After the signature: the domains. */
	{ "blob: name not terminated", false,
	  { { DO(0, name), 8, AAAA }, { DO(0, name) + 8, 8, AAAA },
	    { DO(0, name) + 16, 8, AAAA }, { DO(0, name) + 24, 8, AAAA } },
	  "policy: domain 0: name is not NUL-terminated" },
	{ "blob: empty name", false, { { DO(0, name), 1, 0 } },
	  "policy: domain 0: name is empty" },
	{ "blob: bytes after a name", false, { { DO(1, name) + 20, 1, 'x' } },
	  "policy: domain 1: name has bytes after its terminating NUL" },
	{ "blob: name character", false, { { DO(1, name) + 1, 1, '/' } },
	  "policy: domain 1: name has byte 0x2f (allowed: A-Z a-z 0-9 _ . -)" },
	{ "blob: names twice", false, { { DO(1, name), 8, 0x00006c616d726f6eull } },
	  "policy: domains 0 and 1 are both named 'normal'" },
	{ "blob: unknown kind", false, { { DO(1, kind), 1, 3 } },
	  "policy: domain 'prot1': kind 3 is neither normal (1) nor protected (2)" },
	{ "blob: reserved domain field", false, { { DO(1, reserved0), 4, 1 } },
	  "policy: domain 'prot1': reserved field is not zero" },
	{ "blob: unknown restart rule", false, { { DO(1, restart), 1, 3 } },
	  "policy: domain 'prot1': restart rule 3 is unknown" },
	{ "blob: restart limited to 0", false, { { DO(1, restart_max), 2, 0 } },
	  "policy: domain 'prot1': restart limited to 0 times (say never)" },
	{ "blob: restart count with never", false, { { DO(0, restart_max), 2, 5 } },
	  "policy: domain 'normal': restart count 5 with rule never" },
	{ "blob: no image", false, { { DO(1, nimages), 1, 0 } },
	  "policy: domain 'prot1': 0 images (1-4)" },
	{ "blob: five images", false, { { DO(1, nimages), 1, 5 } },
	  "policy: domain 'prot1': 5 images (1-4)" },
	{ "blob: unused image slot", false, { { DO(1, images) + 112 + 40, 1, 1 } },
	  "policy: domain 'prot1': unused image slot 1 is not zero" },
	{ "blob: empty module name", false, { { DO(1, images), 1, 0 } },
	  "policy: domain 'prot1': image 0: module name is empty" },
	{ "blob: module twice", false,
	  { { DO(0, nimages), 1, 2 }, { DO(0, images) + 112, 8, 0x00006c616d726f6eull } },
	  "policy: domain 'normal': module 'normal' is listed twice" },
	{ "blob: memory size", false, { { DO(1, mem_size), 8, 0x1000001 } },
	  "policy: domain 'prot1': memory size 0x1000001 is not a multiple of 4 KiB" },
	{ "blob: memory base", false, { { DO(1, mem_base), 8, 0x123 } },
	  "policy: domain 'prot1': memory base 0x123 is not 4 KiB-aligned" },
	{ "blob: protected without memory", false, { { DO(1, mem_size), 8, 0 } },
	  "policy: domain 'prot1': a protected domain needs a memory size" },
	{ "blob: base without size", false, { { DO(0, mem_base), 8, 0x100000 } },
	  "policy: domain 'normal': memory base 0x100000 without a size" },
	{ "blob: memory above 2^52", false, { { DO(1, mem_base), 8, 1ull << 52 } },
	  "policy: domain 'prot1': memory 0x10000000000000+0x1000000 ends above 2^52" },
	{ "blob: memory wraps", false, { { DO(1, mem_base), 8, 0xfffffffffffff000ull } },
	  "policy: domain 'prot1': memory 0xfffffffffffff000+0x1000000 ends above 2^52" },
	{ "blob: too many CPUs", false, { { DO(0, cpu_count), 4, 1025 } },
	  "policy: domain 'normal': 1025 CPUs (at most 1024)" },
	{ "blob: protected without CPUs", false,
	  { { DO(1, cpu_count), 4, 0 }, { DO(1, ncpu_ids), 1, 0 }, { DO(1, cpu_ids), 4, 0 } },
	  "policy: domain 'prot1': a protected domain needs CPUs" },
	{ "blob: CPU IDs for another count", false, { { DO(1, cpu_count), 4, 2 } },
	  "policy: domain 'prot1': 1 CPU IDs listed for 2 CPUs (at most 16 IDs)" },
	{ "blob: seventeen CPU IDs", false, { { DO(1, cpu_count), 4, 17 }, { DO(1, ncpu_ids), 1, 17 } },
	  "policy: domain 'prot1': 17 CPU IDs listed for 17 CPUs (at most 16 IDs)" },
	{ "blob: unused CPU slot", false, { { DO(1, cpu_ids) + 5 * 4, 4, 9 } },
	  "policy: domain 'prot1': unused CPU slot 5 is not zero" },
	{ "blob: seventeen devices", false, { { DO(1, ndevices), 1, 17 } },
	  "policy: domain 'prot1': 17 devices (at most 16)" },
	{ "blob: unused device slot", false, { { DO(1, devices) + 3 * 4 + 2, 1, 1 } },
	  "policy: domain 'prot1': unused device slot 3 is not zero" },
	{ "blob: five channels", false, { { DO(1, nchannels), 1, 5 } },
	  "policy: domain 'prot1': 5 channels (at most 4)" },
	{ "blob: empty peer", false, { { DO(1, channels), 1, 0 } },
	  "policy: domain 'prot1': channel 0: peer name is empty" },
	{ "blob: channel size", false, { { DO(1, channels) + 32, 8, 0 } },
	  "policy: domain 'prot1': channel to 'normal': size 0x0 is not a multiple of 4 KiB from 4 KiB to 1 GiB" },
	{ "blob: channel too large", false, { { DO(1, channels) + 32, 8, (1ull << 30) + 4096 } },
	  "policy: domain 'prot1': channel to 'normal': size 0x40001000 is not a multiple of 4 KiB from 4 KiB to 1 GiB" },
	{ "blob: unused channel slot", false, { { DO(1, channels) + 2 * 40 + 32, 8, 4096 } },
	  "policy: domain 'prot1': unused channel slot 2 is not zero" },
};

static void test_blob_field(void **state)
{
	const struct blob_row *r = *state;
	struct sdm_policy *got = calloc(1, sizeof(*got));
	uint8_t anchor[48];
	size_t len;
	uint8_t *blob = make_blob(BASE_BLOB_YAML, k_ec, false, &len);
	int rc;

	assert_non_null(got);
	assert_int_equal(len, B_TOTAL);
	anchor_of(k_ec, anchor);
	for (size_t i = 0; i < ARRAY_SIZE(r->m) && r->m[i].size != 0; i++) {
		uint64_t v = r->m[i].val;

		assert_true(r->m[i].off + r->m[i].size <= B_SIG);
		memcpy(blob + r->m[i].off, &v, r->m[i].size);
	}
	if (r->fields_only) {
		rc = sdm_policy_parse_fields(blob, len, got, &err);
	} else {
		resign(blob, k_ec);
		rc = sdm_policy_verify(blob, len, anchor, got, &err);
	}
	assert_int_not_equal(rc, SDM_OK);
	if (strcmp(err.msg, r->want) != 0)
		fail_msg("%s:\n got  \"%s\"\n want \"%s\"", r->name, err.msg, r->want);
	free(blob);
	free(got);
}

static void test_encode(void **state)
{
	uint8_t buf[4096], key[8] = { 1 };
	size_t total, signed_len;

	assert_int_equal(parse(BASE_BLOB_YAML), SDM_OK);
	assert_int_equal(sdm_policy_encode(&src->pol, key, sizeof(key), 7, buf,
					   sizeof(buf), &total, &signed_len, &err),
			 SDM_EINVAL);
	assert_string_equal(err.msg, "policy: unknown signature algorithm 7");
	assert_int_equal(sdm_policy_encode(&src->pol, key, 0,
					   SDM_POL_SIG_ECDSA_P384, buf, sizeof(buf),
					   &total, &signed_len, &err),
			 SDM_EINVAL);
	assert_string_equal(err.msg, "policy: signer key is 0 bytes (1-1024)");
	assert_int_equal(sdm_policy_encode(&src->pol, key, sizeof(key),
					   SDM_POL_SIG_RSA3072_PSS, buf, 100,
					   &total, &signed_len, &err),
			 SDM_ENOSPC);
	assert_int_equal(total, 80 + 1600 + 8 + 384);
	assert_string_equal(err.msg, "policy: blob needs 2072 bytes, buffer has 100");
	assert_int_equal(sdm_policy_encode(&src->pol, key, sizeof(key),
					   SDM_POL_SIG_RSA3072_PSS, buf, sizeof(buf),
					   &total, &signed_len, &err),
			 SDM_OK);
	assert_int_equal(signed_len, 80 + 1600 + 8);
	/* An invalid policy is not encoded. */
	src->pol.dom[1].kind = 0;
	assert_int_equal(sdm_policy_encode(&src->pol, key, sizeof(key),
					   SDM_POL_SIG_RSA3072_PSS, buf, sizeof(buf),
					   &total, &signed_len, &err),
			 SDM_EINVAL);
	assert_string_equal(err.msg, "policy: domain 'prot1': kind 0 is neither normal (1) nor protected (2)");
	assert_string_equal(sdm_pol_sig_name(9), "?");
	assert_string_equal(sdm_pol_kind_name(0), "?");
	assert_string_equal(sdm_pol_class_name(SDM_POL_ERR_CLASSES), "?");
	assert_string_equal(sdm_pol_action_name(3), "?");
	assert_string_equal(sdm_pol_restart_name(3), "?");
}

/* ---------------------------------------------------------------- commands */

static bool has(const char *s, const char *what)
{
	if (strstr(s, what) != NULL)
		return true;
	print_error("missing \"%s\" in:\n%s\n", what, s);
	return false;
}

static void test_commands(void **state)
{
	static const char image[] = "prot1 image";
	struct tmpdir t;
	char key[128], pub[128], rkey[128], blob[128], svg[128], cfile[128];
	char img[128], bad[128], anchor_hex[97], *out, *eout;
	uint8_t anchor[48], got_anchor[48];
	struct sdm_policy *p = calloc(1, sizeof(*p));
	FILE *f;
	char text[1024];

	assert_non_null(p);
	tmp_make(&t);
	snprintf(key, sizeof(key), "%s/k.pem", t.dir);
	snprintf(pub, sizeof(pub), "%s/k.pub.der", t.dir);
	snprintf(rkey, sizeof(rkey), "%s/r.pem", t.dir);
	snprintf(blob, sizeof(blob), "%s/p.bin", t.dir);
	snprintf(svg, sizeof(svg), "%s/p.svg", t.dir);
	snprintf(cfile, sizeof(cfile), "%s/anchor.c", t.dir);
	snprintf(img, sizeof(img), "%s/prot1.elf", t.dir);
	snprintf(bad, sizeof(bad), "%s/bad.yaml", t.dir);
	write_text(img, image, sizeof(image));
	snprintf(text, sizeof(text), HEAD NORMAL
		 "  - {name: prot1, kind: protected, images: [{module: prot1, path: prot1.elf}],\n"
		 "     memory: 16M, cpus: 1, channels: [{peer: normal, size: 64K}]}\n");
	write_text(t.yaml, text, strlen(text));
	write_text(bad, HEAD NORMAL PROTX(", memory: 16M, cpus: [2, 2]"),
		   strlen(HEAD NORMAL PROTX(", memory: 16M, cpus: [2, 2]")));

	/* keygen */
	char *kg[] = { "keygen", "--out", key, NULL };
	assert_int_equal(run_cmd(sdm_cmd_keygen, kg, &out, &eout), SDM_EXIT_OK);
	assert_true(has(out, "trust anchor (SHA-384 of "));
	free(out);
	free(eout);
	struct stat st;
	assert_int_equal(stat(key, &st), 0);
	assert_int_equal(st.st_mode & 0777, 0600);
	assert_int_equal(run_cmd(sdm_cmd_keygen, kg, &out, &eout), SDM_EXIT_FAILURE);
	assert_true(has(eout, "File exists (keygen never overwrites a key; use --force)"));
	free(out);
	free(eout);
	char *kgr[] = { "keygen", "--rsa3072", "--out", rkey, NULL };
	assert_int_equal(run_cmd(sdm_cmd_keygen, kgr, &out, &eout), SDM_EXIT_OK);
	free(out);
	free(eout);
	char *kgbad[] = { "keygen", NULL };
	assert_int_equal(run_cmd(sdm_cmd_keygen, kgbad, &out, &eout), SDM_EXIT_USAGE);
	free(out);
	free(eout);

	/* anchor */
	char *an[] = { "policy", "anchor", pub, NULL };
	assert_int_equal(run_cmd(sdm_cmd_policy, an, &out, &eout), SDM_EXIT_OK);
	{
		char *der;
		size_t dl;

		assert_int_equal(policy_read_file(pub, 4096, &der, &dl, &err), SDM_OK);
		assert_int_equal(EVP_Digest(der, dl, anchor, NULL, EVP_sha384(), NULL), 1);
		free(der);
	}
	hex(anchor, 48, anchor_hex);
	assert_int_equal(strncmp(out, anchor_hex, 96), 0);
	free(out);
	free(eout);
	char *anc[] = { "policy", "anchor", pub, "--c", cfile, NULL };
	assert_int_equal(run_cmd(sdm_cmd_policy, anc, &out, &eout), SDM_EXIT_OK);
	free(out);
	free(eout);
	f = fopen(cfile, "r");
	assert_non_null(f);
	fseek(f, 0, SEEK_END);
	out = read_stream(f);
	fclose(f);
	assert_true(has(out, "const uint8_t sdm_policy_trusted_anchor[SDM_POL_ANCHOR_LEN] = {"));
	snprintf(text, sizeof(text), "\t0x%02x, 0x%02x,", anchor[0], anchor[1]);
	assert_true(has(out, text));
	free(out);
	char *anbad[] = { "policy", "anchor", key, NULL };
	assert_int_equal(run_cmd(sdm_cmd_policy, anbad, &out, &eout), SDM_EXIT_FAILURE);
	assert_true(has(eout, "not one DER public key"));
	free(out);
	free(eout);

	/* compile, then the blob verifies against the key's anchor */
	char *co[] = { "policy", "compile", t.yaml, "--key", key, "-o", blob, NULL };
	assert_int_equal(run_cmd(sdm_cmd_policy, co, &out, &eout), SDM_EXIT_OK);
	assert_true(has(out, "version 1, 2 domains, 1896 bytes, ECDSA P-384, signer SHA-384 "));
	assert_true(has(out, anchor_hex));
	free(out);
	free(eout);
	{
		char *data;
		size_t dl;

		assert_int_equal(policy_read_file(blob, 65536, &data, &dl, &err), SDM_OK);
		assert_int_equal(sdm_policy_verify(data, dl, anchor, p, &err), SDM_OK);
		memcpy(got_anchor, p->key_sha384, 48);
		assert_memory_equal(got_anchor, anchor, 48);
		free(data);
	}
	/* compile refuses a policy that fails a check, and writes nothing */
	char nob[160];
	snprintf(nob, sizeof(nob), "%s/no.bin", t.dir);
	char *cobad[] = { "policy", "compile", bad, "--key", key, "-o", nob, NULL };
	assert_int_equal(run_cmd(sdm_cmd_policy, cobad, &out, &eout), SDM_EXIT_FAILURE);
	snprintf(text, sizeof(text), "sdm policy compile: %s:4: domain 'prot1' lists CPU (APIC ID) 2 twice\n", bad);
	assert_true(has(eout, text));
	assert_true(has(eout, "1 problem, nothing written"));
	assert_int_not_equal(access(nob, F_OK), 0);
	free(out);
	free(eout);
	/* compile with an RSA key and PKCS#1 v1.5 */
	char *cor[] = { "policy", "compile", t.yaml, "--key", rkey, "-o", nob, "--pkcs1", NULL };
	assert_int_equal(run_cmd(sdm_cmd_policy, cor, &out, &eout), SDM_EXIT_OK);
	assert_true(has(out, "RSA-3072 PKCS#1 v1.5"));
	free(out);
	free(eout);

	/* check */
	char *ck[] = { "policy", "check", blob, "--key-hash", pub, NULL };
	assert_int_equal(run_cmd(sdm_cmd_policy, ck, &out, &eout), SDM_EXIT_OK);
	assert_true(has(out, "ok: version 1, 2 domains, signed (ECDSA P-384) by SHA-384 "));
	assert_true(has(out, "(trusted)"));
	free(out);
	free(eout);
	char *ckh[] = { "policy", "check", blob, "--key-hash", anchor_hex, NULL };
	assert_int_equal(run_cmd(sdm_cmd_policy, ckh, &out, &eout), SDM_EXIT_OK);
	free(out);
	free(eout);
	char *ckn[] = { "policy", "check", blob, NULL };
	assert_int_equal(run_cmd(sdm_cmd_policy, ckn, &out, &eout), SDM_EXIT_OK);
	assert_true(has(out, "not compared with a trusted key: give --key-hash"));
	free(out);
	free(eout);
	char *ckw[] = { "policy", "check", nob, "--key-hash", pub, NULL };
	assert_int_equal(run_cmd(sdm_cmd_policy, ckw, &out, &eout), SDM_EXIT_FAILURE);
	assert_true(has(eout, ": signed by an unknown key (SHA-384 "));
	free(out);
	free(eout);
	char *cks[] = { "policy", "check", bad, NULL };
	assert_int_equal(run_cmd(sdm_cmd_policy, cks, &out, &eout), SDM_EXIT_FAILURE);
	snprintf(text, sizeof(text), "sdm policy check: %s:4: domain 'prot1' lists CPU (APIC ID) 2 twice\n", bad);
	assert_true(has(eout, text));
	free(out);
	free(eout);
	char *ckd[] = { "policy", "check", blob, "--images-dir", t.dir, NULL };
	assert_int_equal(run_cmd(sdm_cmd_policy, ckd, &out, &eout), SDM_EXIT_FAILURE);
	assert_true(has(eout, "domain 'normal' image 'normal' is missing"));
	assert_true(has(eout, "domain 'prot1' image 'prot1' is missing"));
	assert_true(has(eout, "2 problems"));
	free(out);
	free(eout);
	char mpath[160];
	snprintf(mpath, sizeof(mpath), "%s/m.yaml", t.dir);
	write_text(mpath, MACHINE, strlen(MACHINE));
	char *ckm[] = { "policy", "check", t.yaml, "--machine", mpath, NULL };
	assert_int_equal(run_cmd(sdm_cmd_policy, ckm, &out, &eout), SDM_EXIT_OK);
	assert_true(has(out, "fits "));
	free(out);
	free(eout);

	/* show */
	char *sh[] = { "policy", "show", blob, "--svg", svg, "--machine", mpath, NULL };
	assert_int_equal(run_cmd(sdm_cmd_policy, sh, &out, &eout), SDM_EXIT_OK);
	assert_true(has(out, "signed blob, 1896 bytes, ECDSA P-384"));
	assert_true(has(out, "domain prot1 (protected)\n"));
	assert_true(has(out, "  memory        16 MiB, placed by sinit\n"));
	assert_true(has(out, "  channels      to normal, 64 KiB\n"));
	free(out);
	free(eout);
	f = fopen(svg, "r");
	assert_non_null(f);
	fseek(f, 0, SEEK_END);
	out = read_stream(f);
	fclose(f);
	assert_true(has(out, "<svg xmlns=\"http://www.w3.org/2000/svg\""));
	assert_true(has(out, ">prot1</text>"));
	assert_true(has(out, "16 MiB, anywhere in RAM (sinit places it)"));
	assert_true(has(out, "</svg>\n"));
	free(out);
	char *shj[] = { "policy", "show", t.yaml, "--json", NULL };
	assert_int_equal(run_cmd(sdm_cmd_policy, shj, &out, &eout), SDM_EXIT_OK);
	assert_true(has(out, "\"type\": \"source\""));
	assert_true(has(out, "{\"name\": \"prot1\", \"kind\": \"protected\""));
	assert_true(has(out, "\"memory\": {\"size\": 16777216, \"base\": null}, \"cpus\": 1"));
	assert_true(has(out, "\"channels\": [{\"peer\": \"normal\", \"size\": 65536}]"));
	free(out);
	free(eout);

	/* usage errors */
	char *u1[] = { "policy", NULL };
	char *u2[] = { "policy", "compile", t.yaml, "-o", blob, NULL };
	char *u3[] = { "policy", "check", blob, "--frobnicate", NULL };
	char *u4[] = { "policy", "show", blob, "--pkcs1", NULL };
	char *u5[] = { "policy", "explain", blob, NULL };
	char **us[] = { u1, u2, u3, u4, u5 };
	for (size_t i = 0; i < ARRAY_SIZE(us); i++) {
		assert_int_equal(run_cmd(sdm_cmd_policy, us[i], &out, &eout),
				 SDM_EXIT_USAGE);
		assert_true(has(eout, "usage: sdm policy compile"));
		free(out);
		free(eout);
	}
	free(p);
	tmp_remove(&t);
}

/* ---------------------------------------------------------------- seeds */

/* The largest policy format 1 holds: 8 domains, every slot used. */
static void full_policy(struct sdm_policy *p)
{
	memset(p, 0, sizeof(*p));
	p->version = 0xfffffffffffffffeull;
	p->flags = SDM_POL_REQ_ALL;
	p->seal_pcrs = 0xffffff;
	for (unsigned c = 0; c < SDM_POL_ERR_CLASSES; c++)
		p->on_error[c] = c % 2 ? SDM_POL_ACT_CONTINUE : SDM_POL_ACT_HALT;
	p->ndomains = SDM_POL_MAX_DOMAINS;
	for (unsigned i = 0; i < SDM_POL_MAX_DOMAINS; i++) {
		struct sdm_pol_domain *d = &p->dom[i];

		snprintf(d->name, sizeof(d->name), i == 0 ? "normal" : "p%u", i);
		d->kind = i == 0 ? SDM_POL_KIND_NORMAL : SDM_POL_KIND_PROTECTED;
		d->restart = (uint8_t)(i % 3);
		d->restart_max = d->restart == SDM_POL_RESTART_LIMITED ? 5 : 0;
		d->nimages = SDM_POL_MAX_IMAGES;
		for (unsigned k = 0; k < SDM_POL_MAX_IMAGES; k++) {
			snprintf(d->images[k].module, sizeof(d->images[k].module),
				 "m%u-%u", i, k);
			memset(d->images[k].sha256, (int)(i * 16 + k), 32);
			memset(d->images[k].sha384, (int)(i * 16 + k + 8), 48);
		}
		d->mem_size = MIB(16);
		d->mem_base = i == 0 ? 0 : GIB(1) + i * MIB(16);
		d->cpu_count = SDM_POL_MAX_CPU_IDS;
		d->ncpu_ids = SDM_POL_MAX_CPU_IDS;
		for (unsigned k = 0; k < SDM_POL_MAX_CPU_IDS; k++)
			d->cpu_ids[k] = i * 16 + k;
		d->ndevices = SDM_POL_MAX_DEVICES;
		for (unsigned k = 0; k < SDM_POL_MAX_DEVICES; k++) {
			d->devices[k].bus = (uint8_t)i;
			d->devices[k].devfn = (uint8_t)k;
		}
		d->nchannels = i == 0 ? 0 : 1;
		if (i != 0) {
			snprintf(d->channels[0].peer, sizeof(d->channels[0].peer),
				 "normal");
			d->channels[0].size = KIB(4) << i;
		}
	}
}

static int write_seeds(const char *dir)
{
	static const struct {
		const char *name, *text;
		int key; /* 0 ec, 1 rsa pss, 2 rsa pkcs1 */
	} seeds[] = {
		{ "p384.bin", BASE_BLOB_YAML, 0 },
		{ "rsa_pss.bin", BASE_BLOB_YAML, 1 },
		{ "rsa_pkcs1.bin", BASE_BLOB_YAML, 2 },
		{ "minimal.bin", HEAD NORMAL, 0 },
	};
	struct sdm_policy *p = calloc(1, sizeof(*p));
	char path[512];
	uint8_t *blob;
	size_t len;
	int ret = 1;
	FILE *f;

	src = calloc(1, sizeof(*src));
	k_ec = EVP_PKEY_Q_keygen(NULL, NULL, "EC", "P-384");
	k_rsa = EVP_PKEY_Q_keygen(NULL, NULL, "RSA", (size_t)3072);
	if (p == NULL || src == NULL || k_ec == NULL || k_rsa == NULL)
		goto out;
	for (size_t i = 0; i <= ARRAY_SIZE(seeds); i++) {
		int rc;

		if (i < ARRAY_SIZE(seeds)) {
			if (parse(seeds[i].text) != SDM_OK)
				goto fail;
			rc = policy_sign(&src->pol, seeds[i].key ? k_rsa : k_ec,
					 seeds[i].key == 2, &blob, &len, &err);
			snprintf(path, sizeof(path), "%s/%s", dir, seeds[i].name);
		} else {
			full_policy(p);
			rc = policy_sign(p, k_ec, false, &blob, &len, &err);
			snprintf(path, sizeof(path), "%s/full.bin", dir);
		}
		if (rc != SDM_OK)
			goto fail;
		f = fopen(path, "wb");
		if (f == NULL || fwrite(blob, 1, len, f) != len || fclose(f) != 0) {
			fprintf(stderr, "write_seeds: %s: cannot write\n", path);
			free(blob);
			goto out;
		}
		free(blob);
	}
	printf("seeds written to %s\n", dir);
	ret = 0;
	goto out;
fail:
	fprintf(stderr, "write_seeds: %s\n", err.msg);
out:
	EVP_PKEY_free(k_ec);
	EVP_PKEY_free(k_rsa);
	free(src);
	free(p);
	return ret;
}

static void test_full_policy(void **state)
{
	struct sdm_policy *p = calloc(1, sizeof(*p)), *got = calloc(1, sizeof(*got));
	uint8_t anchor[48], *blob;
	size_t len;

	assert_non_null(p);
	assert_non_null(got);
	full_policy(p);
	assert_int_equal(sdm_policy_validate(p, NULL, &err), SDM_OK);
	assert_int_equal(policy_sign(p, k_ec, false, &blob, &len, &err), SDM_OK);
	assert_int_equal(len, 80 + 8 * 800 + P384_SPKI + 96);
	anchor_of(k_ec, anchor);
	assert_int_equal(sdm_policy_verify(blob, len, anchor, got, &err), SDM_OK);
	assert_memory_equal(got->dom, p->dom, sizeof(p->dom));
	/* The format holds 16 devices a domain, dommgr assigns 8: the check
	 * refuses that; show copes with a full policy. */
	assert_int_equal(sdm_policy_check(got, NULL, NULL, &err), SDM_EINVAL);
	assert_non_null(strstr(err.msg, "lists 16 devices, dommgr assigns at most 8"));
	{
		struct policy_show_info info = { "full.bin", true, true };
		FILE *f = tmpfile();
		char *s;

		assert_non_null(f);
		policy_show_svg(f, got, NULL, &info);
		policy_show_text(f, got, &info);
		policy_show_json(f, got, &info);
		s = read_stream(f);
		fclose(f);
		assert_true(has(s, ">p7</text>"));
		assert_true(has(s, "domain p7 (protected)"));
		free(s);
	}
	free(blob);
	free(got);
	free(p);
}

/* ---------------------------------------------------------------- main */

static int group_setup(void **state)
{
	src = calloc(1, sizeof(*src));
	k_ec = EVP_PKEY_Q_keygen(NULL, NULL, "EC", "P-384");
	k_ec2 = EVP_PKEY_Q_keygen(NULL, NULL, "EC", "P-384");
	k_rsa = EVP_PKEY_Q_keygen(NULL, NULL, "RSA", (size_t)3072);
	return src != NULL && k_ec != NULL && k_ec2 != NULL && k_rsa != NULL
		       ? 0 : -1;
}

static int group_teardown(void **state)
{
	EVP_PKEY_free(k_ec);
	EVP_PKEY_free(k_ec2);
	EVP_PKEY_free(k_rsa);
	free(src);
	return 0;
}

#define T(f) { #f, f, NULL, NULL, NULL }

int main(int argc, char **argv)
{
	static const struct CMUnitTest fixed[] = {
		T(test_src_full),
		T(test_src_defaults),
		T(test_check_all),
		T(test_machine_errors),
		T(test_images),
		T(test_check_image),
		T(test_roundtrip_p384),
		T(test_roundtrip_rsa_pss),
		T(test_roundtrip_rsa_pkcs1),
		T(test_flip_p384),
		T(test_flip_rsa),
		T(test_other_key),
		T(test_truncated),
		T(test_encode),
		T(test_full_policy),
		T(test_commands),
	};
	size_t n = ARRAY_SIZE(fixed) + ARRAY_SIZE(src_rows) +
		   ARRAY_SIZE(check_rows) + ARRAY_SIZE(blob_rows), k = 0;
	struct CMUnitTest *tests;
	int rc;

	if (argc == 3 && strcmp(argv[1], "--write-seeds") == 0)
		return write_seeds(argv[2]);
	tests = calloc(n, sizeof(*tests));
	if (tests == NULL)
		return 1;
	for (size_t i = 0; i < ARRAY_SIZE(fixed); i++)
		tests[k++] = fixed[i];
	/* One test case per error, named after it. */
	for (size_t i = 0; i < ARRAY_SIZE(src_rows); i++)
		tests[k++] = (struct CMUnitTest){ src_rows[i].name, test_src_error,
						  NULL, NULL, (void *)&src_rows[i] };
	for (size_t i = 0; i < ARRAY_SIZE(check_rows); i++)
		tests[k++] = (struct CMUnitTest){ check_rows[i].name, test_check,
						  NULL, NULL, (void *)&check_rows[i] };
	for (size_t i = 0; i < ARRAY_SIZE(blob_rows); i++)
		tests[k++] = (struct CMUnitTest){ blob_rows[i].name, test_blob_field,
						  NULL, NULL, (void *)&blob_rows[i] };
	rc = _cmocka_run_group_tests("test_policy", tests, n, group_setup,
				     group_teardown);
	free(tests);
	return rc;
}
