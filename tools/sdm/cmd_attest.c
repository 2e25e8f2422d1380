/*
 * sdm attest: the verifier's side of remote attestation
 * (docs/attestation.md). Formats are parsed by tpm/attest.c (the same
 * code the fuzzer runs); this file adds the cryptography (OpenSSL 3):
 * names, KDFa/KDFe, MakeCredential for enrolment, the quote's signature,
 * the event log replay (cmd_eventlog.c) and the checks against the
 * reference. `sdm attest quote` is in cmd_provision.c (it needs the TPM).
 */
#include <ctype.h>
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include <openssl/core_names.h>
#include <openssl/crypto.h>
#include <openssl/ec.h>
#include <openssl/evp.h>
#include <openssl/hmac.h>
#include <openssl/param_build.h>
#include <openssl/pem.h>
#include <openssl/rand.h>
#include <openssl/rsa.h>
#include <openssl/x509.h>
#include <openssl/x509_vfy.h>

#include <sdm/elf64.h>
#include <sdm/hex.h>

#include "attest_cmds.h"
#include "attest_fast.h"
#include "cmds.h"
#include "policy/policy_sign.h"
#include "policy/policy_verify.h"
#include "sdm.h"
#include "util.h"

#define ATTEST_USAGE \
	"usage: sdm attest enrol --request REQ [--ca CA.pem] --out CHALLENGE [--state STATE]\n" \
	"       sdm attest enrol --request REQ --challenge-state STATE --response RESP --out ENROLMENT\n" \
	"       sdm attest reference [--policy BLOB --key-hash HEX|PUB.der [--sinit ELF] [--dommgr ELF]]\n" \
	"                            [--eventlog LOG | --bundle B] [--report R]\n" \
	"                            [--image FILE]... [--require iommu|drtm|ak-locality=N|requester=NAME]...\n" \
	"                            [--no-restarts] [--out REF] [--check LOG]\n" \
	"       sdm attest quote --nonce HEX --report R --eventlog LOG --out BUNDLE [--tcti T]\n" \
	"                        [--ak-handle H]\n" \
	"       sdm attest verify --enrolment E --reference REF (--nonce HEX BUNDLE | --batch DIR) [--json]\n" \
	"       sdm attest show FILE [--json]\n" \
	"       sdm attest nonce\n" \
	"\n" \
	"Remote attestation (docs/attestation.md). The machine runs 'sdm tpm provision'\n" \
	"and 'sdm tpm activate'; the verifier runs 'sdm attest enrol' twice (challenge,\n" \
	"then enrolment record), 'sdm attest reference' once, and 'sdm attest verify'\n" \
	"for every bundle.\n" \
	"\n" \
	"  enrol      step 1: checks the request (EK, AK attributes, EK certificate\n" \
	"             against --ca), writes a MakeCredential challenge and the\n" \
	"             verifier's secret state (default: CHALLENGE.state, mode 0600);\n" \
	"             step 2: checks the machine's response, writes the enrolment\n" \
	"  reference  expected values: events from a known-good log (or bundle),\n" \
	"             images and domains from a report or a compiled policy (its\n" \
	"             signature checked against --key-hash, as 'sdm policy' does),\n" \
	"             and requirements (the policy's DRTM/IOMMU flags, --require);\n" \
	"             without a log, --sinit and --dommgr (the exact ELFs booted)\n" \
	"             add their PCR 17 and 19 events, so the reference is complete;\n" \
	"             --check LOG runs verify's events check of LOG against it\n" \
	"  quote      a bundle from this host's TPM (swtpm; dommgr makes the same)\n" \
	"  verify     one line per check; --batch DIR verifies every DIR/X.bundle\n" \
	"             against the nonce in DIR/X.nonce (hex) and prints one line each\n" \
	"  show       prints any attestation file (bundle, report, request, ...)\n" \
	"  nonce      prints 32 random bytes in hex\n" \
	"\n" \
	"Exit status: 0 done (verify: trusted), 1 failure or not trusted, 2 usage.\n"

#define REF_FILE_MAX (1u << 20)
#define POLICY_FILE_MAX (64u * 1024u)
#define IMAGE_FILE_MAX (1u << 30)

/* ---------------------------------------------------------------- small helpers */

int attc_read_file(const char *path, size_t cap, uint8_t **out, size_t *len,
		   struct sdm_err *err)
{
	struct stat st;
	uint8_t *buf;
	size_t got = 0, want;
	int fd;

	*out = NULL;
	*len = 0;
	fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return sdm_err_set(err, SDM_ENOENT, "%s: %s", path,
				   strerror(errno));
	if (fstat(fd, &st) != 0 || !S_ISREG(st.st_mode)) {
		close(fd);
		return sdm_err_set(err, SDM_EINVAL, "%s: not a regular file",
				   path);
	}
	if ((uint64_t)st.st_size > cap) {
		close(fd);
		return sdm_err_set(err, SDM_ERANGE,
			"%s: %lld bytes, at most %zu allowed", path,
			(long long)st.st_size, cap);
	}
	/* One byte more than the file, to see whether it grew meanwhile. */
	want = (size_t)st.st_size + 1;
	buf = malloc(want);
	if (buf == NULL) {
		close(fd);
		return sdm_err_set(err, SDM_ENOMEM, "%s: out of memory", path);
	}
	while (got < want) {
		ssize_t n = read(fd, buf + got, want - got);

		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0) {
			int e = errno;

			close(fd);
			free(buf);
			return sdm_err_set(err, SDM_EIO, "%s: read error: %s",
					   path, strerror(e));
		}
		if (n == 0)
			break;
		got += (size_t)n;
	}
	close(fd);
	if (got != (size_t)st.st_size) {
		free(buf);
		return sdm_err_set(err, SDM_EIO, "%s: changed while read", path);
	}
	*out = buf;
	*len = got;
	return SDM_OK;
}

int attc_write_file(const char *path, const void *data, size_t len,
		    unsigned mode, struct sdm_err *err)
{
	const uint8_t *p = data;
	int fd;

	/* A secret file is created afresh so its mode is ours. */
	if (mode != 0644)
		unlink(path);
	fd = open(path, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, mode);
	if (fd < 0)
		return sdm_err_set(err, SDM_EIO, "%s: cannot create: %s", path,
				   strerror(errno));
	while (len > 0) {
		ssize_t n = write(fd, p, len);

		if (n < 0 && errno == EINTR)
			continue;
		if (n <= 0) {
			int e = errno;

			close(fd);
			return sdm_err_set(err, SDM_EIO, "%s: write error: %s",
					   path, strerror(e));
		}
		p += n;
		len -= (size_t)n;
	}
	if (close(fd) != 0)
		return sdm_err_set(err, SDM_EIO, "%s: write error: %s", path,
				   strerror(errno));
	return SDM_OK;
}

bool attc_unhex(const char *s, uint8_t *out, size_t max, size_t *len)
{
	size_t n = strlen(s);

	if (n >= 2 && s[0] == '0' && (s[1] == 'x' || s[1] == 'X')) {
		s += 2;
		n -= 2;
	}
	if (n == 0 || n % 2 != 0 || n / 2 > max)
		return false;
	for (size_t i = 0; i < n / 2; i++) {
		int hi = sdm_hex_digit(s[2 * i]),
		    lo = sdm_hex_digit(s[2 * i + 1]);

		if (hi < 0 || lo < 0)
			return false;
		out[i] = (uint8_t)(hi << 4 | lo);
	}
	*len = n / 2;
	return true;
}

void attc_hex(FILE *f, const uint8_t *p, size_t n)
{
	for (size_t i = 0; i < n; i++)
		fprintf(f, "%02x", p[i]);
}

/* Hex of p into buf (NUL-terminated, truncated to fit). */
static const char *hexs(char *buf, size_t cap, const uint8_t *p, size_t n)
{
	size_t i;

	for (i = 0; i < n && 2 * i + 2 < cap; i++)
		snprintf(buf + 2 * i, 3, "%02x", p[i]);
	buf[2 * i] = '\0';
	return buf;
}

static void put_be16(uint8_t *p, uint16_t v)
{
	p[0] = (uint8_t)(v >> 8);
	p[1] = (uint8_t)v;
}

static void put_be32(uint8_t *p, uint32_t v)
{
	p[0] = (uint8_t)(v >> 24);
	p[1] = (uint8_t)(v >> 16);
	p[2] = (uint8_t)(v >> 8);
	p[3] = (uint8_t)v;
}

/* ---------------------------------------------------------------- crypto */

/* Fetched once: implicit fetches in OpenSSL 3 cost a lookup per call. */
static EVP_MD *md_sha256, *md_sha1, *md_sha384, *md_sha512;

static const EVP_MD *md_of(uint16_t alg)
{
	if (md_sha256 == NULL) {
		md_sha256 = EVP_MD_fetch(NULL, "SHA256", NULL);
		md_sha1 = EVP_MD_fetch(NULL, "SHA1", NULL);
		md_sha384 = EVP_MD_fetch(NULL, "SHA384", NULL);
		md_sha512 = EVP_MD_fetch(NULL, "SHA512", NULL);
	}
	switch (alg) {
	case ATT_ALG_SHA1: return md_sha1;
	case ATT_ALG_SHA256: return md_sha256;
	case ATT_ALG_SHA384: return md_sha384;
	case ATT_ALG_SHA512: return md_sha512;
	default: return NULL;
	}
}

static bool digest(uint16_t alg, const void *p, size_t n, uint8_t *out)
{
	const EVP_MD *md = md_of(alg);
	unsigned len = 0;

	return md != NULL && EVP_Digest(p, n, out, &len, md, NULL) == 1 &&
	       len == att_hash_size(alg);
}

bool attc_sha256(const void *p, size_t n, uint8_t out[32])
{
	return digest(ATT_ALG_SHA256, p, n, out);
}

int attc_name(const uint8_t *pub, size_t len, uint8_t *name, size_t *name_len,
	      struct sdm_err *err)
{
	uint16_t alg;

	*name_len = 0;
	if (len < 4)
		return sdm_err_set(err, SDM_EINVAL, "public area of %zu bytes",
				   len);
	alg = (uint16_t)(pub[2] << 8 | pub[3]);
	if (att_hash_size(alg) == 0)
		return sdm_err_set(err, SDM_EINVAL,
				   "nameAlg 0x%04x unsupported", alg);
	put_be16(name, alg);
	if (!digest(alg, pub, len, name + 2))
		return sdm_err_set(err, SDM_EIO, "OpenSSL digest failed");
	*name_len = 2 + att_hash_size(alg);
	return SDM_OK;
}

/* TPM_CC values (Part 2 6.5.2) and the endorsement hierarchy's handle. */
#define CC_POLICY_SECRET 0x00000151u
#define CC_POLICY_LOCALITY 0x0000016fu
#define RH_ENDORSEMENT 0x4000000bu

void attc_policy_ek(uint8_t out[32])
{
	uint8_t buf[32 + 4 + 4];

	/* Part 3 23.4 PolicySecret: H(0 || CC || authName), then with the
	 * (empty) policyRef: H(that). */
	memset(buf, 0, 32);
	put_be32(buf + 32, CC_POLICY_SECRET);
	put_be32(buf + 36, RH_ENDORSEMENT);
	attc_sha256(buf, sizeof(buf), out);
	attc_sha256(out, 32, out);
}

void attc_policy_locality(unsigned locality, uint8_t out[32])
{
	uint8_t buf[32 + 4 + 1];

	/* Part 3 23.7 PolicyLocality: H(0 || CC || TPMA_LOCALITY). */
	memset(buf, 0, 32);
	put_be32(buf + 32, CC_POLICY_LOCALITY);
	buf[36] = (uint8_t)(1u << locality);
	attc_sha256(buf, sizeof(buf), out);
}

int attc_key_locality(const struct att_public *pub)
{
	uint8_t want[32];

	if ((pub->attributes & ATT_OBJ_USER_WITH_AUTH) ||
	    pub->name_alg != ATT_ALG_SHA256 || pub->policy_size != 32)
		return -1;
	for (unsigned loc = 0; loc <= 4; loc++) {
		attc_policy_locality(loc, want);
		if (memcmp(want, pub->policy, 32) == 0)
			return (int)loc;
	}
	return -1;
}

/* label || 0x00: the terminating NUL the TPM's KDFs hash with a label. */
static size_t put_label(uint8_t *p, const char *label)
{
	size_t n = strlen(label) + 1;

	memcpy(p, label, n);
	return n;
}

int attc_kdfa(const uint8_t *key, size_t key_len, const char *label,
	      const uint8_t *u, size_t u_len, const uint8_t *v, size_t v_len,
	      unsigned bits, uint8_t *out)
{
	uint8_t msg[4 + 32 + 2 * ATT_MAX_NAME + 4], k[32];
	size_t bytes = bits / 8, done = 0;

	if (bits == 0 || bits % 8 != 0 || strlen(label) >= 32 ||
	    u_len > ATT_MAX_NAME || v_len > ATT_MAX_NAME)
		return SDM_EINVAL;
	for (uint32_t i = 1; done < bytes; i++) {
		size_t n = 0;
		unsigned klen = 0;

		put_be32(msg, i);
		n = 4 + put_label(msg + 4, label);
		if (u_len)
			memcpy(msg + n, u, u_len);
		n += u_len;
		if (v_len)
			memcpy(msg + n, v, v_len);
		n += v_len;
		put_be32(msg + n, bits);
		n += 4;
		if (HMAC(md_of(ATT_ALG_SHA256), key, (int)key_len, msg, n, k,
			 &klen) == NULL || klen != 32)
			return SDM_EIO;
		memcpy(out + done, k, bytes - done < 32 ? bytes - done : 32);
		done += bytes - done < 32 ? bytes - done : 32;
	}
	OPENSSL_cleanse(k, sizeof(k));
	return SDM_OK;
}

int attc_kdfe(const uint8_t *z, size_t z_len, const char *label,
	      const uint8_t *u, size_t u_len, const uint8_t *v, size_t v_len,
	      unsigned bits, uint8_t *out)
{
	uint8_t msg[4 + ATT_MAX_ECC + 32 + 2 * ATT_MAX_ECC], k[32];
	size_t bytes = bits / 8, done = 0;

	if (bits == 0 || bits % 8 != 0 || strlen(label) >= 32 ||
	    z_len > ATT_MAX_ECC || u_len > ATT_MAX_ECC || v_len > ATT_MAX_ECC)
		return SDM_EINVAL;
	for (uint32_t i = 1; done < bytes; i++) {
		size_t n;

		put_be32(msg, i);
		memcpy(msg + 4, z, z_len);
		n = 4 + z_len;
		n += put_label(msg + n, label);
		memcpy(msg + n, u, u_len);
		n += u_len;
		memcpy(msg + n, v, v_len);
		n += v_len;
		if (!attc_sha256(msg, n, k))
			return SDM_EIO;
		memcpy(out + done, k, bytes - done < 32 ? bytes - done : 32);
		done += bytes - done < 32 ? bytes - done : 32;
	}
	OPENSSL_cleanse(k, sizeof(k));
	OPENSSL_cleanse(msg, sizeof(msg));
	return SDM_OK;
}

static const char *curve_group(uint16_t curve, unsigned *size)
{
	switch (curve) {
	case ATT_ECC_NIST_P256: *size = 32; return "prime256v1";
	case ATT_ECC_NIST_P384: *size = 48; return "secp384r1";
	default: *size = 0; return NULL;
	}
}

/* An OpenSSL public key for a TPM public area (RSA or P-256/P-384). */
static EVP_PKEY *pkey_of(const struct att_public *pub, struct sdm_err *err)
{
	OSSL_PARAM_BLD *bld = OSSL_PARAM_BLD_new();
	OSSL_PARAM *params = NULL;
	EVP_PKEY_CTX *ctx = NULL;
	EVP_PKEY *pkey = NULL;
	BIGNUM *n = NULL, *e = NULL;
	uint8_t point[1 + 2 * 48];
	const char *group;
	unsigned size;

	if (bld == NULL)
		goto fail;
	if (pub->type == ATT_ALG_RSA) {
		n = BN_bin2bn(pub->rsa_n, pub->rsa_n_size, NULL);
		e = BN_new();
		if (n == NULL || e == NULL ||
		    !BN_set_word(e, pub->rsa_exponent ? pub->rsa_exponent : 65537) ||
		    !OSSL_PARAM_BLD_push_BN(bld, OSSL_PKEY_PARAM_RSA_N, n) ||
		    !OSSL_PARAM_BLD_push_BN(bld, OSSL_PKEY_PARAM_RSA_E, e))
			goto fail;
		ctx = EVP_PKEY_CTX_new_from_name(NULL, "RSA", NULL);
	} else {
		group = curve_group(pub->curve, &size);
		if (group == NULL || pub->ecc_x_size > size ||
		    pub->ecc_y_size > size) {
			sdm_err_set(err, SDM_EINVAL,
				"ECC key on curve 0x%04x with %u/%u-byte coordinates: only P-256 and P-384",
				pub->curve, pub->ecc_x_size, pub->ecc_y_size);
			goto out;
		}
		/* Uncompressed point; coordinates left-padded to the field. */
		memset(point, 0, sizeof(point));
		point[0] = 0x04;
		memcpy(point + 1 + size - pub->ecc_x_size, pub->ecc_x,
		       pub->ecc_x_size);
		memcpy(point + 1 + 2 * size - pub->ecc_y_size, pub->ecc_y,
		       pub->ecc_y_size);
		if (!OSSL_PARAM_BLD_push_utf8_string(bld,
			OSSL_PKEY_PARAM_GROUP_NAME, group, 0) ||
		    !OSSL_PARAM_BLD_push_octet_string(bld,
			OSSL_PKEY_PARAM_PUB_KEY, point, 1 + 2 * size))
			goto fail;
		ctx = EVP_PKEY_CTX_new_from_name(NULL, "EC", NULL);
	}
	params = OSSL_PARAM_BLD_to_param(bld);
	if (ctx == NULL || params == NULL || EVP_PKEY_fromdata_init(ctx) != 1 ||
	    EVP_PKEY_fromdata(ctx, &pkey, EVP_PKEY_PUBLIC_KEY, params) != 1) {
		pkey = NULL;
		goto fail;
	}
	if (pub->type == ATT_ALG_ECC) {
		/* fromdata does not check the point is on the curve. */
		EVP_PKEY_CTX *chk = EVP_PKEY_CTX_new_from_pkey(NULL, pkey, NULL);

		if (chk == NULL || EVP_PKEY_public_check(chk) != 1) {
			EVP_PKEY_CTX_free(chk);
			EVP_PKEY_free(pkey);
			pkey = NULL;
			sdm_err_set(err, SDM_EINVAL,
				    "the ECC public key is not a point on its curve");
			goto out;
		}
		EVP_PKEY_CTX_free(chk);
	}
	goto out;
fail:
	sdm_err_set(err, SDM_EINVAL, "OpenSSL cannot use the %s public key",
		    pub->type == ATT_ALG_RSA ? "RSA" : "ECC");
out:
	OSSL_PARAM_free(params);
	OSSL_PARAM_BLD_free(bld);
	EVP_PKEY_CTX_free(ctx);
	BN_free(n);
	BN_free(e);
	return pkey;
}

int attc_check_ek(const struct att_public *ek, struct sdm_err *err)
{
	const uint32_t need = ATT_OBJ_FIXED_TPM | ATT_OBJ_FIXED_PARENT |
			      ATT_OBJ_SENSITIVE_DATA_ORIGIN |
			      ATT_OBJ_RESTRICTED | ATT_OBJ_DECRYPT;

	if ((ek->attributes & need) != need || (ek->attributes & ATT_OBJ_SIGN))
		return sdm_err_set(err, SDM_EINVAL,
			"EK attributes 0x%08x: not a restricted decryption key fixed to its TPM",
			ek->attributes);
	if (ek->name_alg != ATT_ALG_SHA256)
		return sdm_err_set(err, SDM_EINVAL,
			"EK nameAlg 0x%04x: sdm supports the SHA-256 EK templates",
			ek->name_alg);
	if (ek->sym_alg != ATT_ALG_AES || ek->sym_mode != ATT_ALG_CFB ||
	    (ek->sym_bits != 128 && ek->sym_bits != 256))
		return sdm_err_set(err, SDM_EINVAL,
			"EK symmetric 0x%04x/%u/0x%04x: not AES-128/256-CFB",
			ek->sym_alg, ek->sym_bits, ek->sym_mode);
	if (ek->type == ATT_ALG_RSA && ek->rsa_bits < 2048)
		return sdm_err_set(err, SDM_EINVAL, "EK RSA-%u: too small",
				   ek->rsa_bits);
	if (ek->type == ATT_ALG_ECC && ek->curve != ATT_ECC_NIST_P256)
		return sdm_err_set(err, SDM_EINVAL,
			"EK curve 0x%04x: sdm makes credentials for P-256 EKs",
			ek->curve);
	return SDM_OK;
}

int attc_check_ak(const struct att_public *ak, struct sdm_err *err)
{
	const uint32_t need = ATT_OBJ_FIXED_TPM | ATT_OBJ_FIXED_PARENT |
			      ATT_OBJ_SENSITIVE_DATA_ORIGIN |
			      ATT_OBJ_RESTRICTED | ATT_OBJ_SIGN;
	unsigned size;

	if ((ak->attributes & need) != need || (ak->attributes & ATT_OBJ_DECRYPT))
		return sdm_err_set(err, SDM_EINVAL,
			"AK attributes 0x%08x: not a restricted signing key created in and fixed to its TPM",
			ak->attributes);
	if (ak->name_alg != ATT_ALG_SHA256)
		return sdm_err_set(err, SDM_EINVAL, "AK nameAlg 0x%04x: not SHA-256",
				   ak->name_alg);
	if (ak->type == ATT_ALG_RSA) {
		if (ak->rsa_bits < 2048 || ak->rsa_bits > 4096 ||
		    (ak->scheme != ATT_ALG_RSASSA && ak->scheme != ATT_ALG_RSAPSS))
			return sdm_err_set(err, SDM_EINVAL,
				"AK RSA-%u with scheme 0x%04x: need RSA 2048-4096 with RSASSA or RSAPSS",
				ak->rsa_bits, ak->scheme);
	} else if (curve_group(ak->curve, &size) == NULL ||
		   ak->scheme != ATT_ALG_ECDSA) {
		return sdm_err_set(err, SDM_EINVAL,
			"AK curve 0x%04x scheme 0x%04x: need P-256/P-384 with ECDSA",
			ak->curve, ak->scheme);
	}
	if (md_of(ak->scheme_hash) == NULL || ak->scheme_hash == ATT_ALG_SHA1)
		return sdm_err_set(err, SDM_EINVAL,
			"AK signing hash 0x%04x: need SHA-256/384/512",
			ak->scheme_hash);
	return SDM_OK;
}

/* RSA: the seed under OAEP (SHA-256, label "IDENTITY\0"), Part 1 B.10.3. */
static int seed_rsa(const struct att_public *ek, uint8_t seed[32],
		    uint8_t *enc, size_t *enc_len, struct sdm_err *err)
{
	EVP_PKEY *pkey = pkey_of(ek, err);
	EVP_PKEY_CTX *ctx = NULL;
	unsigned char *label = NULL;
	size_t out = *enc_len;
	int rc = SDM_EIO;

	if (pkey == NULL)
		return SDM_EINVAL;
	label = OPENSSL_malloc(9);
	ctx = EVP_PKEY_CTX_new_from_pkey(NULL, pkey, NULL);
	if (label == NULL || ctx == NULL || RAND_bytes(seed, 32) != 1 ||
	    EVP_PKEY_encrypt_init(ctx) != 1 ||
	    EVP_PKEY_CTX_set_rsa_padding(ctx, RSA_PKCS1_OAEP_PADDING) != 1 ||
	    EVP_PKEY_CTX_set_rsa_oaep_md(ctx, md_of(ATT_ALG_SHA256)) != 1 ||
	    EVP_PKEY_CTX_set_rsa_mgf1_md(ctx, md_of(ATT_ALG_SHA256)) != 1)
		goto out;
	memcpy(label, "IDENTITY", 9);
	if (EVP_PKEY_CTX_set0_rsa_oaep_label(ctx, label, 9) != 1)
		goto out;
	label = NULL; /* owned by ctx */
	if (EVP_PKEY_encrypt(ctx, enc, &out, seed, 32) != 1)
		goto out;
	*enc_len = out;
	rc = SDM_OK;
out:
	if (rc != SDM_OK)
		sdm_err_set(err, rc, "RSA-OAEP to the EK failed");
	OPENSSL_free(label);
	EVP_PKEY_CTX_free(ctx);
	EVP_PKEY_free(pkey);
	return rc;
}

/* ECC: an ephemeral ECDH key; seed = KDFe(Z, "IDENTITY", Qe.x, Qek.x). */
static int seed_ecc(const struct att_public *ek, uint8_t seed[32],
		    uint8_t *enc, size_t *enc_len, struct sdm_err *err)
{
	EVP_PKEY *peer = pkey_of(ek, err), *eph = NULL;
	EVP_PKEY_CTX *ctx = NULL;
	BIGNUM *x = NULL, *y = NULL;
	uint8_t z[32], ex[32], ey[32], ekx[32];
	size_t zlen = sizeof(z);
	int rc = SDM_EIO;

	if (peer == NULL)
		return SDM_EINVAL;
	if (*enc_len < 4 + 64 || ek->ecc_x_size > 32)
		goto out;
	eph = EVP_PKEY_Q_keygen(NULL, NULL, "EC", "prime256v1");
	if (eph == NULL)
		goto out;
	ctx = EVP_PKEY_CTX_new_from_pkey(NULL, eph, NULL);
	if (ctx == NULL || EVP_PKEY_derive_init(ctx) != 1 ||
	    EVP_PKEY_derive_set_peer(ctx, peer) != 1 ||
	    EVP_PKEY_derive(ctx, z, &zlen) != 1 || zlen != 32 ||
	    EVP_PKEY_get_bn_param(eph, OSSL_PKEY_PARAM_EC_PUB_X, &x) != 1 ||
	    EVP_PKEY_get_bn_param(eph, OSSL_PKEY_PARAM_EC_PUB_Y, &y) != 1 ||
	    BN_bn2binpad(x, ex, 32) != 32 || BN_bn2binpad(y, ey, 32) != 32)
		goto out;
	memset(ekx, 0, sizeof(ekx));
	memcpy(ekx + 32 - ek->ecc_x_size, ek->ecc_x, ek->ecc_x_size);
	if (attc_kdfe(z, 32, "IDENTITY", ex, 32, ekx, 32, 256, seed) != SDM_OK)
		goto out;
	/* TPMS_ECC_POINT: TPM2B x, TPM2B y. */
	put_be16(enc, 32);
	memcpy(enc + 2, ex, 32);
	put_be16(enc + 34, 32);
	memcpy(enc + 36, ey, 32);
	*enc_len = 68;
	rc = SDM_OK;
out:
	if (rc != SDM_OK)
		sdm_err_set(err, rc, "ECDH with the EK failed");
	OPENSSL_cleanse(z, sizeof(z));
	BN_free(x);
	BN_free(y);
	EVP_PKEY_CTX_free(ctx);
	EVP_PKEY_free(eph);
	EVP_PKEY_free(peer);
	return rc;
}

int attc_make_credential(const struct att_public *ek, const uint8_t *name,
			 size_t name_len, const uint8_t *secret,
			 size_t secret_len, uint8_t *blob, size_t *blob_len,
			 uint8_t *enc, size_t *enc_len, struct sdm_err *err)
{
	uint8_t seed[32], sym[32], hkey[32], plain[2 + 32], mac[32];
	unsigned sym_bytes = ek->sym_bits / 8, mlen = 0;
	EVP_CIPHER_CTX *c = NULL;
	int n1 = 0, n2 = 0, rc;
	size_t enc_id;

	if (attc_check_ek(ek, err) != SDM_OK)
		return SDM_EINVAL;
	if (secret_len < 1 || secret_len > 32 || !att_name_ok(name, name_len))
		return sdm_err_set(err, SDM_EINVAL,
			"MakeCredential: secret of %zu bytes or a bad name",
			secret_len);
	if (*blob_len < 2 + 32 + 2 + secret_len)
		return sdm_err_set(err, SDM_ENOSPC, "MakeCredential: no room");
	rc = ek->type == ATT_ALG_RSA ? seed_rsa(ek, seed, enc, enc_len, err) :
				       seed_ecc(ek, seed, enc, enc_len, err);
	if (rc != SDM_OK)
		return rc;
	/* Part 1 24.4: symKey from "STORAGE" and the object's name. */
	put_be16(plain, (uint16_t)secret_len);
	memcpy(plain + 2, secret, secret_len);
	enc_id = 2 + secret_len;
	rc = attc_kdfa(seed, 32, "STORAGE", name, name_len, NULL, 0,
		       ek->sym_bits, sym);
	if (rc == SDM_OK)
		rc = attc_kdfa(seed, 32, "INTEGRITY", NULL, 0, NULL, 0, 256,
			       hkey);
	c = EVP_CIPHER_CTX_new();
	if (rc != SDM_OK || c == NULL ||
	    EVP_EncryptInit_ex2(c, sym_bytes == 16 ? EVP_aes_128_cfb128() :
				EVP_aes_256_cfb128(), sym,
				(const uint8_t[16]){ 0 }, NULL) != 1 ||
	    EVP_EncryptUpdate(c, blob + 34, &n1, plain, (int)enc_id) != 1 ||
	    EVP_EncryptFinal_ex(c, blob + 34 + n1, &n2) != 1 ||
	    (size_t)(n1 + n2) != enc_id) {
		rc = sdm_err_set(err, SDM_EIO, "MakeCredential: AES-CFB failed");
		goto out;
	}
	/* outerHMAC over encIdentity || name (Part 1 24.5). */
	{
		uint8_t m[2 + 32 + ATT_MAX_NAME];

		memcpy(m, blob + 34, enc_id);
		memcpy(m + enc_id, name, name_len);
		if (HMAC(md_of(ATT_ALG_SHA256), hkey, 32, m, enc_id + name_len,
			 mac, &mlen) == NULL || mlen != 32) {
			rc = sdm_err_set(err, SDM_EIO, "MakeCredential: HMAC failed");
			goto out;
		}
	}
	put_be16(blob, 32);
	memcpy(blob + 2, mac, 32);
	*blob_len = 34 + enc_id;
	rc = SDM_OK;
out:
	EVP_CIPHER_CTX_free(c);
	OPENSSL_cleanse(seed, sizeof(seed));
	OPENSSL_cleanse(sym, sizeof(sym));
	OPENSSL_cleanse(hkey, sizeof(hkey));
	OPENSSL_cleanse(plain, sizeof(plain));
	return rc;
}

/* ---------------------------------------------------------------- enrol */

/* Writes a container built by the add callback's records. */
static int write_container(const char *path, struct att_writer *w,
			   unsigned mode, struct sdm_err *err)
{
	size_t len;
	int rc = att_writer_finish(w, &len, err);

	if (rc == SDM_OK)
		rc = attc_write_file(path, w->buf, len, mode, err);
	return rc;
}

/* The request, its keys parsed and checked, names computed. */
struct request {
	uint8_t *file;
	size_t len;
	struct att_container c;
	struct att_public ek, ak;
	uint8_t ek_name[ATT_MAX_NAME], ak_name[ATT_MAX_NAME];
	size_t ek_name_len, ak_name_len;
	int ak_locality; /* -1: any */
};

static int load_request(const char *path, struct request *r,
			struct sdm_err *err)
{
	struct sdm_err e = { 0 };
	const struct att_span *s;
	int rc;

	memset(r, 0, sizeof(*r));
	rc = attc_read_file(path, ATT_MAX_FILE, &r->file, &r->len, err);
	if (rc != SDM_OK)
		return rc;
	rc = att_container_parse(r->file, r->len, ATT_KIND_ENROL_REQUEST,
				 &r->c, &e);
	if (rc == SDM_OK) {
		s = &r->c.rec[ATT_T_REQ_EK_PUBLIC];
		rc = att_public_parse(s->p, s->len, &r->ek, &e);
		if (rc == SDM_OK)
			rc = attc_check_ek(&r->ek, &e);
		if (rc == SDM_OK)
			rc = attc_name(s->p, s->len, r->ek_name, &r->ek_name_len,
				       &e);
		if (rc != SDM_OK)
			rc = sdm_err_set(&e, rc, "EK: %.140s", e.msg);
	}
	if (rc == SDM_OK) {
		s = &r->c.rec[ATT_T_REQ_AK_PUBLIC];
		rc = att_public_parse(s->p, s->len, &r->ak, &e);
		if (rc == SDM_OK)
			rc = attc_check_ak(&r->ak, &e);
		if (rc == SDM_OK)
			rc = attc_name(s->p, s->len, r->ak_name, &r->ak_name_len,
				       &e);
		if (rc != SDM_OK)
			rc = sdm_err_set(&e, rc, "AK: %.140s", e.msg);
	}
	if (rc == SDM_OK) {
		s = &r->c.rec[ATT_T_REQ_AK_NAME];
		if (s->len != r->ak_name_len ||
		    memcmp(s->p, r->ak_name, s->len) != 0)
			rc = sdm_err_set(&e, SDM_EINVAL,
				"the AK name in the request is not the name of its AK public area");
	}
	if (rc != SDM_OK) {
		sdm_err_set(err, rc, "%s: %s", path, e.msg);
		free(r->file);
		memset(r, 0, sizeof(*r));
		return rc;
	}
	r->ak_locality = attc_key_locality(&r->ak);
	return SDM_OK;
}

/* 0 ok; the EK certificate chains to ca_path and holds the EK's key. */
static int check_ek_cert(const struct request *r, const char *ca_path,
			 struct sdm_err *err)
{
	const struct att_span *s = &r->c.rec[ATT_T_REQ_EK_CERT];
	const uint8_t *p = s->p;
	X509 *cert = NULL;
	X509_STORE *store = NULL;
	X509_STORE_CTX *ctx = NULL;
	EVP_PKEY *ek = NULL;
	int rc = SDM_EINVAL;

	if (!s->present)
		return sdm_err_set(err, SDM_ENOENT,
			"--ca given, but the TPM has no EK certificate (the request carries none)");
	cert = d2i_X509(NULL, &p, (long)s->len);
	if (cert == NULL || p != s->p + s->len) {
		sdm_err_set(err, rc, "the EK certificate is not one DER X.509 certificate");
		goto out;
	}
	store = X509_STORE_new();
	ctx = X509_STORE_CTX_new();
	if (store == NULL || ctx == NULL ||
	    X509_STORE_load_file(store, ca_path) != 1) {
		sdm_err_set(err, SDM_EIO, "%s: cannot load CA certificates (PEM)",
			    ca_path);
		goto out;
	}
	if (X509_STORE_CTX_init(ctx, store, cert, NULL) != 1 ||
	    X509_verify_cert(ctx) != 1) {
		sdm_err_set(err, rc,
			"the EK certificate does not chain to %s: %s", ca_path,
			X509_verify_cert_error_string(X509_STORE_CTX_get_error(ctx)));
		goto out;
	}
	ek = pkey_of(&r->ek, err);
	if (ek == NULL || EVP_PKEY_eq(X509_get0_pubkey(cert), ek) != 1) {
		sdm_err_set(err, rc,
			"the EK certificate is for another key than the EK in the request");
		goto out;
	}
	rc = SDM_OK;
out:
	EVP_PKEY_free(ek);
	X509_STORE_CTX_free(ctx);
	X509_STORE_free(store);
	X509_free(cert);
	return rc;
}

static int enrol_challenge(const char *req_path, const char *ca,
			   const char *out_path, const char *state_path)
{
	struct request r;
	struct sdm_err err = { 0 };
	uint8_t secret[32], blob[ATT_MAX_ID_OBJECT], enc[ATT_MAX_ENC_SECRET];
	uint8_t req_digest[32], chal_digest[32], wbuf[4096], sbuf[512];
	size_t blob_len = sizeof(blob), enc_len = sizeof(enc), len;
	uint8_t status;
	struct att_writer w;
	char hex[80];
	int rc;

	if (load_request(req_path, &r, &err) != SDM_OK) {
		fprintf(stderr, "sdm attest enrol: %s\n", err.msg);
		return SDM_EXIT_FAILURE;
	}
	status = r.c.rec[ATT_T_REQ_EK_CERT].present ? ATT_EK_CERT_UNCHECKED :
						      ATT_EK_CERT_NONE;
	rc = SDM_OK;
	if (ca != NULL) {
		rc = check_ek_cert(&r, ca, &err);
		status = ATT_EK_CERT_VERIFIED;
	}
	if (rc == SDM_OK && RAND_bytes(secret, sizeof(secret)) != 1)
		rc = sdm_err_set(&err, SDM_EIO, "no random bytes from OpenSSL");
	if (rc == SDM_OK)
		rc = attc_make_credential(&r.ek, r.ak_name, r.ak_name_len,
					  secret, sizeof(secret), blob,
					  &blob_len, enc, &enc_len, &err);
	if (rc == SDM_OK) {
		att_writer_init(&w, wbuf, sizeof(wbuf), ATT_KIND_CHALLENGE);
		att_writer_add(&w, ATT_T_CHAL_EK_NAME, r.ek_name, r.ek_name_len);
		att_writer_add(&w, ATT_T_CHAL_AK_NAME, r.ak_name, r.ak_name_len);
		att_writer_add(&w, ATT_T_CHAL_CREDENTIAL, blob, blob_len);
		att_writer_add(&w, ATT_T_CHAL_SECRET, enc, enc_len);
		rc = att_writer_finish(&w, &len, &err);
		if (rc == SDM_OK && (!attc_sha256(r.file, r.len, req_digest) ||
				     !attc_sha256(wbuf, len, chal_digest)))
			rc = sdm_err_set(&err, SDM_EIO, "SHA-256 failed");
		if (rc == SDM_OK)
			rc = attc_write_file(out_path, wbuf, len, 0644, &err);
	}
	if (rc == SDM_OK) {
		att_writer_init(&w, sbuf, sizeof(sbuf), ATT_KIND_CHALLENGE_STATE);
		att_writer_add(&w, ATT_T_STATE_REQUEST, req_digest, 32);
		att_writer_add(&w, ATT_T_STATE_CHALLENGE, chal_digest, 32);
		att_writer_add(&w, ATT_T_STATE_SECRET, secret, sizeof(secret));
		att_writer_add(&w, ATT_T_STATE_EK_CERT, &status, 1);
		rc = write_container(state_path, &w, 0600, &err);
		OPENSSL_cleanse(sbuf, sizeof(sbuf));
	}
	OPENSSL_cleanse(secret, sizeof(secret));
	free(r.file);
	if (rc != SDM_OK) {
		fprintf(stderr, "sdm attest enrol: %s\n", err.msg);
		return SDM_EXIT_FAILURE;
	}
	printf("EK %s %u, name %s\n", r.ek.type == ATT_ALG_RSA ? "RSA" : "ECC",
	       r.ek.type == ATT_ALG_RSA ? r.ek.rsa_bits : 256,
	       hexs(hex, sizeof(hex), r.ek_name, r.ek_name_len));
	printf("EK certificate: %s\n", status == ATT_EK_CERT_VERIFIED ?
	       "verified against the CA" : status == ATT_EK_CERT_UNCHECKED ?
	       "present, not checked (no --ca)" : "none");
	printf("AK %s, name %s, %s\n", r.ak.type == ATT_ALG_RSA ? "RSA" : "ECC",
	       hexs(hex, sizeof(hex), r.ak_name, r.ak_name_len),
	       r.ak_locality >= 0 ? "signs only at its policy's locality" :
	       "signs at any locality");
	printf("challenge written to %s; verifier state (secret) in %s\n",
	       out_path, state_path);
	return SDM_EXIT_OK;
}

static int enrol_finish(const char *req_path, const char *state_path,
			const char *resp_path, const char *out_path)
{
	struct request r;
	struct sdm_err err = { 0 }, e = { 0 };
	struct att_container st, rs;
	uint8_t *sfile = NULL, *rfile = NULL, req_digest[32], *wbuf = NULL;
	uint8_t info_bytes[ATT_ENR_INFO_SIZE];
	size_t slen = 0, rlen = 0;
	struct att_enrol_info info = { 0 };
	struct att_writer w;
	const struct att_span *ss, *rsec;
	char hex[80];
	int rc;

	if (load_request(req_path, &r, &err) != SDM_OK) {
		fprintf(stderr, "sdm attest enrol: %s\n", err.msg);
		return SDM_EXIT_FAILURE;
	}
	rc = attc_read_file(state_path, ATT_MAX_FILE, &sfile, &slen, &err);
	if (rc == SDM_OK &&
	    att_container_parse(sfile, slen, ATT_KIND_CHALLENGE_STATE, &st,
				&e) != SDM_OK)
		rc = sdm_err_set(&err, e.code, "%s: %s", state_path, e.msg);
	if (rc == SDM_OK)
		rc = attc_read_file(resp_path, ATT_MAX_FILE, &rfile, &rlen, &err);
	if (rc == SDM_OK &&
	    att_container_parse(rfile, rlen, ATT_KIND_RESPONSE, &rs, &e) !=
		    SDM_OK)
		rc = sdm_err_set(&err, e.code, "%s: %s", resp_path, e.msg);
	if (rc == SDM_OK && !attc_sha256(r.file, r.len, req_digest))
		rc = sdm_err_set(&err, SDM_EIO, "SHA-256 failed");
	if (rc == SDM_OK &&
	    memcmp(req_digest, st.rec[ATT_T_STATE_REQUEST].p, 32) != 0)
		rc = sdm_err_set(&err, SDM_EINVAL,
			"%s is not the request %s was made for", req_path,
			state_path);
	if (rc == SDM_OK &&
	    memcmp(rs.rec[ATT_T_RESP_CHALLENGE].p,
		   st.rec[ATT_T_STATE_CHALLENGE].p, 32) != 0)
		rc = sdm_err_set(&err, SDM_EINVAL,
			"%s answers another challenge than %s's", resp_path,
			state_path);
	ss = &st.rec[ATT_T_STATE_SECRET];
	rsec = &rs.rec[ATT_T_RESP_SECRET];
	if (rc == SDM_OK && (ss->len != rsec->len ||
			     CRYPTO_memcmp(ss->p, rsec->p, ss->len) != 0))
		rc = sdm_err_set(&err, SDM_EINVAL,
			"%s: wrong secret: the AK is not in the TPM that holds this EK (or the challenge was altered)",
			resp_path);
	if (rc == SDM_OK) {
		info.ek_cert = st.rec[ATT_T_STATE_EK_CERT].p[0];
		if (info.ek_cert > ATT_EK_CERT_VERIFIED)
			rc = sdm_err_set(&err, SDM_EINVAL,
				"%s: EK certificate status %u unknown",
				state_path, info.ek_cert);
		info.ak_locality = r.ak_locality >= 0 ?
				   (uint8_t)(1u << r.ak_locality) : 0;
	}
	if (rc == SDM_OK) {
		const struct att_span *cert = &r.c.rec[ATT_T_REQ_EK_CERT];

		size_t cap = ATT_HDR + 6 * ATT_REC_HDR + 2 * ATT_MAX_PUBLIC +
			     2 * ATT_MAX_NAME + ATT_MAX_CERT + ATT_ENR_INFO_SIZE;

		att_enrol_info_encode(&info, info_bytes);
		wbuf = malloc(cap);
		att_writer_init(&w, wbuf, wbuf != NULL ? cap : 0,
				ATT_KIND_ENROLMENT);
		att_writer_add(&w, ATT_T_ENR_AK_PUBLIC,
			       r.c.rec[ATT_T_REQ_AK_PUBLIC].p,
			       r.c.rec[ATT_T_REQ_AK_PUBLIC].len);
		att_writer_add(&w, ATT_T_ENR_AK_NAME, r.ak_name, r.ak_name_len);
		att_writer_add(&w, ATT_T_ENR_EK_PUBLIC,
			       r.c.rec[ATT_T_REQ_EK_PUBLIC].p,
			       r.c.rec[ATT_T_REQ_EK_PUBLIC].len);
		att_writer_add(&w, ATT_T_ENR_EK_NAME, r.ek_name, r.ek_name_len);
		if (cert->present)
			att_writer_add(&w, ATT_T_ENR_EK_CERT, cert->p, cert->len);
		att_writer_add(&w, ATT_T_ENR_INFO, info_bytes,
			       sizeof(info_bytes));
		rc = write_container(out_path, &w, 0644, &err);
	}
	free(wbuf);
	free(sfile);
	free(rfile);
	free(r.file);
	if (rc != SDM_OK) {
		fprintf(stderr, "sdm attest enrol: %s\n", err.msg);
		return SDM_EXIT_FAILURE;
	}
	printf("enrolled AK %s (EK %s, certificate %s) into %s\n",
	       hexs(hex, sizeof(hex), r.ak_name, r.ak_name_len),
	       r.ek.type == ATT_ALG_RSA ? "RSA" : "ECC",
	       info.ek_cert == ATT_EK_CERT_VERIFIED ? "verified" :
	       info.ek_cert == ATT_EK_CERT_UNCHECKED ? "unchecked" : "none",
	       out_path);
	return SDM_EXIT_OK;
}

static int cmd_enrol(int argc, char **argv)
{
	const char *req = NULL, *ca = NULL, *out = NULL, *state = NULL;
	const char *resp = NULL;
	char state_buf[4096];

	for (int i = 1; i < argc; i++) {
		const char *a = argv[i], *v = i + 1 < argc ? argv[i + 1] : NULL;
		const char **slot = NULL;

		if (strcmp(a, "--help") == 0 || strcmp(a, "-h") == 0) {
			fputs(ATTEST_USAGE, stdout);
			return SDM_EXIT_OK;
		}
		if (strcmp(a, "--request") == 0)
			slot = &req;
		else if (strcmp(a, "--ca") == 0)
			slot = &ca;
		else if (strcmp(a, "--out") == 0)
			slot = &out;
		else if (strcmp(a, "--state") == 0 ||
			 strcmp(a, "--challenge-state") == 0)
			slot = &state;
		else if (strcmp(a, "--response") == 0)
			slot = &resp;
		if (slot == NULL || v == NULL || *slot != NULL) {
			fprintf(stderr, "sdm attest enrol: unexpected '%s'\n", a);
			goto usage;
		}
		*slot = v;
		i++;
	}
	if (req == NULL || out == NULL)
		goto usage;
	if (resp != NULL) {
		if (state == NULL || ca != NULL) {
			fprintf(stderr, "sdm attest enrol: with --response give --challenge-state (and --ca only in the first step)\n");
			return SDM_EXIT_USAGE;
		}
		return enrol_finish(req, state, resp, out);
	}
	if (state == NULL) {
		snprintf(state_buf, sizeof(state_buf), "%s.state", out);
		state = state_buf;
	}
	return enrol_challenge(req, ca, out, state);
usage:
	fputs(ATTEST_USAGE, stderr);
	return SDM_EXIT_USAGE;
}

/* ---------------------------------------------------------------- event text */

/* The printable text an event's data starts with (up to its NUL). */
static void event_text(const struct evlog_event *ev, char *out, size_t cap)
{
	size_t i = 0;

	while (i < ev->data_size && i + 1 < cap && ev->data[i] >= 0x20 &&
	       ev->data[i] < 0x7f) {
		out[i] = (char)ev->data[i];
		i++;
	}
	/* Text only if it ends at a NUL or at the end of the data. */
	if (i < ev->data_size && ev->data[i] != 0)
		i = 0;
	out[i] = '\0';
}

/*
 * A quoted string, printable ASCII only: \" and \\, other bytes as \xHH
 * (the reference file) or \u00HH (JSON).
 */
static void put_quoted(FILE *f, const char *s, bool json)
{
	fputc('"', f);
	for (; *s != '\0'; s++) {
		unsigned char c = (unsigned char)*s;

		if (c == '"' || c == '\\')
			fprintf(f, "\\%c", c);
		else if (c < 0x20 || c >= 0x7f)
			fprintf(f, json ? "\\u%04x" : "\\x%02x", c);
		else
			fputc(c, f);
	}
	fputc('"', f);
}

/* A quoted string for the reference file. */
static void put_ref_string(FILE *f, const char *s)
{
	put_quoted(f, s, false);
}

/* ---------------------------------------------------------------- reference */

struct ref_src {
	uint8_t *log, *report_buf, *bundle, *policy;
	size_t log_len, report_len, bundle_len, policy_len;
	struct att_report report;
	bool have_report;
	struct sdm_policy pol;
	bool have_policy;
	uint8_t key_digest[32], blob_digest[32];
	uint8_t sinit_digest[32], dommgr_digest[32];
	uint64_t sinit_size, dommgr_size;
};

struct ref_events {
	FILE *f;
	bool allow_restarts;
	unsigned n;
	/* PCR 20 digests already given an allow line. */
	uint8_t allowed[ATT_REF_MAX_EVENTS][32];
	unsigned nallowed;
	bool saw_key, saw_blob;
	const struct ref_src *src;
};

static int ref_event_fn(void *ctx, const struct evlog_info *info,
			const struct evlog_event *ev, struct sdm_err *err)
{
	struct ref_events *re = ctx;
	const uint8_t *d;
	char text[ATT_REF_TEXT];
	bool dup = false;

	if (ev->spec_id || ev->type == EVLOG_EV_NO_ACTION || ev->pcr < 17 ||
	    ev->pcr > 20)
		return 0;
	d = evlog_event_digest(ev, EVLOG_ALG_SHA256);
	if (d == NULL)
		return sdm_err_set(err, SDM_EINVAL,
			"the log has no sha256 bank: a quote of PCRs 17-20 in sha256 cannot be checked against it");
	if (re->n == ATT_REF_MAX_EVENTS)
		return sdm_err_set(err, SDM_ENOSPC,
				   "more than %u events on PCRs 17-20",
				   ATT_REF_MAX_EVENTS);
	re->n++;
	if (re->src->have_policy && ev->pcr == 18 &&
	    memcmp(d, re->src->key_digest, 32) == 0)
		re->saw_key = true;
	if (re->src->have_policy && ev->pcr == 19 &&
	    memcmp(d, re->src->blob_digest, 32) == 0)
		re->saw_blob = true;
	event_text(ev, text, sizeof(text));
	fprintf(re->f, "event %u sha256:", ev->pcr);
	attc_hex(re->f, d, 32);
	if (text[0] != '\0') {
		fputc(' ', re->f);
		put_ref_string(re->f, text);
	}
	fputc('\n', re->f);
	if (!re->allow_restarts || ev->pcr != 20)
		return 0;
	for (unsigned k = 0; k < re->nallowed; k++)
		dup |= memcmp(re->allowed[k], d, 32) == 0;
	if (!dup && re->nallowed < ATT_REF_MAX_EVENTS)
		memcpy(re->allowed[re->nallowed++], d, 32);
	return 0;
}

/*
 * The events of a boot of this policy (with sinit and dommgr when given),
 * with the texts sinit/measure.c and dommgr/measure.c log.
 */
static void ref_policy_events(FILE *f, const struct ref_src *src,
			      bool have_sinit, bool have_dommgr, bool drtm)
{
	const struct sdm_policy *p = &src->pol;
	char text[160];

	if (have_sinit) {
		/* The digest is the same for every launch kind; the text ends
		 * with the kind ("emulated DRTM", "static launch at locality
		 * 3"): stated only where the reference requires a DRTM. */
		fprintf(f, "# PCR 17: sinit, [__sinit_start, __sinit_ro_end) of its image\n"
			   "event 17 sha256:");
		attc_hex(f, src->sinit_digest, 32);
		if (drtm) {
			snprintf(text, sizeof(text),
				 "sinit image (text+rodata), %llu bytes, emulated DRTM",
				 (unsigned long long)src->sinit_size);
			fputc(' ', f);
			put_ref_string(f, text);
		}
		fputc('\n', f);
	} else {
		fprintf(f, "# PCR 17 (sinit) is not in a policy: add it (--sinit, or --eventlog of a\n"
			   "# known-good boot)\n");
	}
	snprintf(text, sizeof(text),
		 "policy signer key, %u bytes DER (SHA-384 %02x%02x%02x%02x...)",
		 p->key_size, p->key_sha384[0], p->key_sha384[1],
		 p->key_sha384[2], p->key_sha384[3]);
	fprintf(f, "event 18 sha256:");
	attc_hex(f, src->key_digest, 32);
	fputc(' ', f);
	put_ref_string(f, text);
	fputc('\n', f);
	if (have_dommgr) {
		snprintf(text, sizeof(text), "dommgr image 'dommgr', %llu bytes",
			 (unsigned long long)src->dommgr_size);
		fprintf(f, "event 19 sha256:");
		attc_hex(f, src->dommgr_digest, 32);
		fputc(' ', f);
		put_ref_string(f, text);
		fputc('\n', f);
	} else {
		fprintf(f, "# PCR 19's dommgr image event is not in a policy: add it (--dommgr,\n"
			   "# or --eventlog of a known-good boot)\n");
	}
	snprintf(text, sizeof(text), "policy version %llu, %zu bytes, %u domains",
		 (unsigned long long)p->version, src->policy_len, p->ndomains);
	fprintf(f, "event 19 sha256:");
	attc_hex(f, src->blob_digest, 32);
	fputc(' ', f);
	put_ref_string(f, text);
	fputc('\n', f);
	/* PCR 20, dommgr: self-describing facts (digest = hash of the text;
	 * their values are the report's and the isolation check's), and
	 * per domain, as often as it starts, its image and configuration. */
	fprintf(f, "# PCR 20: dommgr's statements, digest = SHA of their own text; the\n"
		   "# values in them are checked in the report (report, isolation)\n");
	fprintf(f, "text 20 ");
	put_ref_string(f, "DMA protection: ");
	fputc('\n', f);
	for (unsigned i = 0; i < p->ndomains; i++) {
		snprintf(text, sizeof(text), "domain '%s' config: kind %s, ",
			 p->dom[i].name, att_domain_kind_name(p->dom[i].kind));
		fprintf(f, "text 20 ");
		put_ref_string(f, text);
		fputc('\n', f);
	}
	fprintf(f, "# PCR 20: the domains' images, each time a domain starts\n");
	for (unsigned i = 0; i < p->ndomains; i++)
		for (unsigned k = 0; k < p->dom[i].nimages; k++) {
			fprintf(f, "allow 20 sha256:");
			attc_hex(f, p->dom[i].images[k].sha256, 32);
			fputc('\n', f);
		}
}

/* dev NULL: the devices are not stated (a policy's normal domain owns
 * every device no other domain has). */
static void ref_domain_line(FILE *f, const char *name, uint32_t kind,
			    bool has_mem, uint64_t mem, bool has_cpus,
			    unsigned cpus, const struct att_pci *dev,
			    unsigned ndev)
{
	fprintf(f, "domain ");
	put_ref_string(f, name);
	fprintf(f, " kind=%s", att_domain_kind_name(kind));
	if (has_mem)
		fprintf(f, " mem=%llu", (unsigned long long)mem);
	if (has_cpus)
		fprintf(f, " cpus=%u", cpus);
	if (dev == NULL) {
		fputc('\n', f);
		return;
	}
	fprintf(f, " devices=");
	if (ndev == 0)
		fprintf(f, "none");
	for (unsigned k = 0; k < ndev; k++)
		fprintf(f, "%s%04x:%02x:%02x.%x", k ? "," : "", dev[k].segment,
			dev[k].bus, dev[k].devfn >> 3, dev[k].devfn & 7);
	fputc('\n', f);
}

/* Image lines, each digest once. */
struct image_set {
	uint8_t d[ATT_REF_MAX_IMAGES][32];
	unsigned n;
};

static int add_image(FILE *f, struct image_set *set, const uint8_t *d,
		     const char *name, struct sdm_err *err)
{
	for (unsigned k = 0; k < set->n; k++)
		if (memcmp(set->d[k], d, 32) == 0)
			return SDM_OK;
	if (set->n == ATT_REF_MAX_IMAGES)
		return sdm_err_set(err, SDM_ENOSPC, "more than %u images",
				   ATT_REF_MAX_IMAGES);
	memcpy(set->d[set->n++], d, 32);
	fprintf(f, "image sha256:");
	attc_hex(f, d, 32);
	fputc(' ', f);
	put_ref_string(f, name);
	fputc('\n', f);
	return SDM_OK;
}

/* ---------------------------------------------------------------- sinit and dommgr images */

/* ELF-64 section header and symbol (System V ABI), as in the file. */
struct attc_shdr {
	uint32_t sh_name, sh_type;
	uint64_t sh_flags, sh_addr, sh_offset, sh_size;
	uint32_t sh_link, sh_info;
	uint64_t sh_addralign, sh_entsize;
};
struct attc_sym {
	uint32_t st_name;
	uint8_t st_info, st_other;
	uint16_t st_shndx;
	uint64_t st_value, st_size;
};
#define ATTC_SHT_SYMTAB 2
#define ATTC_SHT_STRTAB 3
#define ATTC_SHN_UNDEF 0
/* sinit is loaded below 4 GiB and is far smaller; a sane bound for the
 * measured range. */
#define SINIT_RANGE_MAX (64u << 20)

/* [off, off + size) inside a file of len bytes, without wrapping. */
static bool in_file(uint64_t off, uint64_t size, size_t len)
{
	return off <= len && size <= len - off;
}

/*
 * The values of the defined symbols names[0..n) in the ELF's symbol
 * tables (SHT_SYMTAB); found[i] says which were there.
 */
static int elf_symbols(const uint8_t *f, size_t len, const char *const *names,
		       unsigned n, uint64_t *val, bool *found,
		       struct sdm_err *err)
{
	struct elf64_ehdr eh;

	memcpy(&eh, f, sizeof(eh)); /* elf64_parse checked the length */
	for (unsigned i = 0; i < n; i++)
		found[i] = false;
	if (eh.e_shnum == 0)
		return SDM_OK;
	if (eh.e_shentsize != sizeof(struct attc_shdr) ||
	    !in_file(eh.e_shoff, (uint64_t)eh.e_shnum * sizeof(struct attc_shdr),
		     len))
		return sdm_err_set(err, SDM_EINVAL,
			"section headers: e_shentsize %u, %u of them at e_shoff 0x%llx: not inside the file of %zu bytes",
			eh.e_shentsize, eh.e_shnum,
			(unsigned long long)eh.e_shoff, len);
	for (unsigned s = 0; s < eh.e_shnum; s++) {
		struct attc_shdr sh, st;

		memcpy(&sh, f + eh.e_shoff + (size_t)s * sizeof(sh), sizeof(sh));
		if (sh.sh_type != ATTC_SHT_SYMTAB)
			continue;
		if (sh.sh_entsize != sizeof(struct attc_sym) ||
		    sh.sh_size % sizeof(struct attc_sym) != 0 ||
		    !in_file(sh.sh_offset, sh.sh_size, len) ||
		    sh.sh_link == 0 || sh.sh_link >= eh.e_shnum)
			return sdm_err_set(err, SDM_EINVAL,
				"section %u: a symbol table outside the file, or with entry size %llu or string table %u",
				s, (unsigned long long)sh.sh_entsize, sh.sh_link);
		memcpy(&st, f + eh.e_shoff + (size_t)sh.sh_link * sizeof(st),
		       sizeof(st));
		if (st.sh_type != ATTC_SHT_STRTAB ||
		    !in_file(st.sh_offset, st.sh_size, len))
			return sdm_err_set(err, SDM_EINVAL,
				"section %u: the symbol table's string table (section %u) is not a string table inside the file",
				s, sh.sh_link);
		for (uint64_t k = 0; k < sh.sh_size / sizeof(struct attc_sym); k++) {
			struct attc_sym sym;
			const char *name;
			size_t room;

			memcpy(&sym, f + sh.sh_offset + k * sizeof(sym),
			       sizeof(sym));
			if (sym.st_shndx == ATTC_SHN_UNDEF ||
			    sym.st_name >= st.sh_size)
				continue;
			name = (const char *)f + st.sh_offset + sym.st_name;
			room = (size_t)(st.sh_size - sym.st_name);
			for (unsigned i = 0; i < n; i++) {
				size_t nl = strlen(names[i]);

				if (nl < room && memcmp(name, names[i], nl) == 0 &&
				    name[nl] == '\0') {
					if (found[i] && val[i] != sym.st_value)
						return sdm_err_set(err, SDM_EINVAL,
							"symbol %s defined twice, 0x%llx and 0x%llx",
							names[i],
							(unsigned long long)val[i],
							(unsigned long long)sym.st_value);
					val[i] = sym.st_value;
					found[i] = true;
				}
			}
		}
	}
	return SDM_OK;
}

int attc_sinit_image_digest(const uint8_t *f, size_t len, uint8_t out[32],
			    uint64_t *size, struct sdm_err *err)
{
	static const char *const names[2] = { "__sinit_start",
					      "__sinit_ro_end" };
	struct elf64_image img;
	struct elf64_ehdr eh;
	struct sdm_err e = { 0 };
	uint64_t val[2] = { 0, 0 }, start, end;
	bool found[2];
	uint8_t *mem;
	int rc;

	if (elf64_parse(f, len, UINT64_MAX, &img, &e) != SDM_OK)
		return sdm_err_set(err, e.code, "not an ELF64 x86-64 executable: %s",
				   e.msg);
	rc = elf_symbols(f, len, names, 2, val, found, err);
	if (rc != SDM_OK)
		return rc;
	for (unsigned i = 0; i < 2; i++)
		if (!found[i])
			return sdm_err_set(err, SDM_ENOENT,
				"no symbol %s: not an sinit ELF, or stripped (the symbols bound what sinit measures)",
				names[i]);
	start = val[0];
	end = val[1];
	if (end <= start || end - start > SINIT_RANGE_MAX)
		return sdm_err_set(err, SDM_ERANGE,
			"[__sinit_start 0x%llx, __sinit_ro_end 0x%llx) is not a range of 1 byte to %u MiB",
			(unsigned long long)start, (unsigned long long)end,
			SINIT_RANGE_MAX >> 20);
	/* The memory image of the range: the file bytes of the PT_LOAD
	 * segments, zeros elsewhere (bss, gaps between segments). */
	mem = calloc(1, (size_t)(end - start));
	if (mem == NULL)
		return sdm_err_set(err, SDM_ENOMEM, "out of memory");
	memcpy(&eh, f, sizeof(eh));
	for (unsigned i = 0; i < eh.e_phnum; i++) {
		struct elf64_phdr ph;
		uint64_t lo, hi;

		memcpy(&ph, f + eh.e_phoff + (size_t)i * sizeof(ph), sizeof(ph));
		/* elf64_parse checked these: file bytes inside the file,
		 * p_filesz <= p_memsz, p_vaddr + p_memsz does not wrap. */
		if (ph.p_type != ELF_PT_LOAD || ph.p_filesz == 0)
			continue;
		lo = ph.p_vaddr > start ? ph.p_vaddr : start;
		hi = ph.p_vaddr + ph.p_filesz < end ? ph.p_vaddr + ph.p_filesz :
						      end;
		if (lo < hi)
			memcpy(mem + (lo - start),
			       f + ph.p_offset + (lo - ph.p_vaddr),
			       (size_t)(hi - lo));
	}
	rc = attc_sha256(mem, (size_t)(end - start), out) ? SDM_OK :
		sdm_err_set(err, SDM_EIO, "SHA-256 failed");
	free(mem);
	*size = end - start;
	return rc;
}

/* --key-hash: 96 hex digits, or the signer's DER public key file. */
static int anchor_arg(const char *arg, uint8_t anchor[SDM_POL_ANCHOR_LEN],
		      struct sdm_err *err)
{
	uint8_t *der = NULL;
	size_t len = 0;

	if (strlen(arg) == 2 * SDM_POL_ANCHOR_LEN &&
	    attc_unhex(arg, anchor, SDM_POL_ANCHOR_LEN, &len) &&
	    len == SDM_POL_ANCHOR_LEN)
		return SDM_OK;
	if (attc_read_file(arg, SDM_POL_MAX_KEY * 4, &der, &len, err) != SDM_OK)
		return sdm_err_set(err, SDM_EINVAL,
			"--key-hash '%.60s': neither 96 hex digits nor a readable public key",
			arg);
	policy_anchor_of(der, len, anchor);
	free(der);
	return SDM_OK;
}

static const char *result_name(enum attv_result r, bool json);

/* A domain name as a report holds it: 1..31 of [A-Za-z0-9_.-]. */
static bool domain_name_ok(const char *s)
{
	size_t n = strlen(s);

	if (n == 0 || n >= ATT_NAME_MAX)
		return false;
	for (size_t i = 0; i < n; i++)
		if (!isalnum((unsigned char)s[i]) && s[i] != '_' &&
		    s[i] != '.' && s[i] != '-')
			return false;
	return true;
}

static int cmd_reference(int argc, char **argv)
{
	const char *policy = NULL, *log = NULL, *bundle = NULL, *report = NULL;
	const char *out = NULL, *images[ATT_REF_MAX_IMAGES], *key_hash = NULL;
	const char *sinit = NULL, *dommgr = NULL, *check_log = NULL;
	const char *req_requester = NULL;
	uint8_t anchor[SDM_POL_ANCHOR_LEN];
	bool req_iommu = false, req_drtm = false, restarts = true;
	int ak_loc = -1;
	unsigned nimages = 0;
	struct ref_src *src = calloc(1, sizeof(*src));
	struct ref_events *re = calloc(1, sizeof(*re));
	struct image_set *set = calloc(1, sizeof(*set));
	struct att_reference *check = calloc(1, sizeof(*check));
	struct sdm_err err = { 0 }, e = { 0 };
	char *text = NULL;
	size_t text_len = 0;
	FILE *f = NULL;
	int rc = SDM_OK, exit_code = SDM_EXIT_FAILURE;

	if (src == NULL || re == NULL || set == NULL || check == NULL) {
		fprintf(stderr, "sdm attest reference: out of memory\n");
		goto done;
	}
	for (int i = 1; i < argc; i++) {
		const char *a = argv[i], *v = i + 1 < argc ? argv[i + 1] : NULL;
		const char **slot = NULL;

		if (strcmp(a, "--help") == 0 || strcmp(a, "-h") == 0) {
			fputs(ATTEST_USAGE, stdout);
			exit_code = SDM_EXIT_OK;
			goto done;
		} else if (strcmp(a, "--no-restarts") == 0) {
			restarts = false;
			continue;
		} else if (strcmp(a, "--require") == 0 && v != NULL) {
			if (strcmp(v, "iommu") == 0)
				req_iommu = true;
			else if (strcmp(v, "drtm") == 0)
				req_drtm = true;
			else if (strncmp(v, "ak-locality=", 12) == 0 &&
				 v[12] >= '0' && v[12] <= '4' && v[13] == '\0')
				ak_loc = v[12] - '0';
			else if (strncmp(v, "requester=", 10) == 0 &&
				 req_requester == NULL && domain_name_ok(v + 10))
				req_requester = v + 10;
			else
				goto usage;
			i++;
			continue;
		} else if (strcmp(a, "--image") == 0 && v != NULL &&
			   nimages < ATT_REF_MAX_IMAGES) {
			images[nimages++] = v;
			i++;
			continue;
		}
		if (strcmp(a, "--policy") == 0)
			slot = &policy;
		else if (strcmp(a, "--eventlog") == 0)
			slot = &log;
		else if (strcmp(a, "--bundle") == 0)
			slot = &bundle;
		else if (strcmp(a, "--report") == 0)
			slot = &report;
		else if (strcmp(a, "--out") == 0)
			slot = &out;
		else if (strcmp(a, "--key-hash") == 0)
			slot = &key_hash;
		else if (strcmp(a, "--sinit") == 0)
			slot = &sinit;
		else if (strcmp(a, "--dommgr") == 0)
			slot = &dommgr;
		else if (strcmp(a, "--check") == 0)
			slot = &check_log;
		if (slot == NULL || v == NULL || *slot != NULL)
			goto usage;
		*slot = v;
		i++;
	}
	if ((log != NULL && bundle != NULL) ||
	    (policy == NULL && log == NULL && bundle == NULL) ||
	    (policy == NULL) != (key_hash == NULL))
		goto usage;
	/* sinit and dommgr complete a reference from the policy alone; a
	 * known-good log has their events already. */
	if ((sinit != NULL || dommgr != NULL) &&
	    (policy == NULL || log != NULL || bundle != NULL))
		goto usage;

	/* Inputs. */
	if (bundle != NULL) {
		struct att_bundle b;

		rc = attc_read_file(bundle, ATT_MAX_FILE, &src->bundle,
				    &src->bundle_len, &err);
		if (rc == SDM_OK &&
		    att_bundle_parse(src->bundle, src->bundle_len, &b, &e) !=
			    SDM_OK)
			rc = sdm_err_set(&err, e.code, "%s: %s", bundle, e.msg);
		if (rc == SDM_OK) {
			src->log = malloc(b.eventlog.len);
			src->report_buf = report == NULL ? malloc(b.report.len) :
							   NULL;
			if (src->log == NULL ||
			    (report == NULL && src->report_buf == NULL))
				rc = sdm_err_set(&err, SDM_ENOMEM, "out of memory");
		}
		if (rc == SDM_OK) {
			memcpy(src->log, b.eventlog.p, b.eventlog.len);
			src->log_len = b.eventlog.len;
			if (report == NULL) {
				memcpy(src->report_buf, b.report.p, b.report.len);
				src->report_len = b.report.len;
			}
		}
	}
	if (rc == SDM_OK && log != NULL)
		rc = attc_read_file(log, EVLOG_MAX_LOG, &src->log, &src->log_len,
				    &err);
	if (rc == SDM_OK && report != NULL)
		rc = attc_read_file(report, ATT_REPORT_MAX, &src->report_buf,
				    &src->report_len, &err);
	if (rc == SDM_OK && src->report_buf != NULL) {
		if (att_report_decode(src->report_buf, src->report_len,
				      &src->report, &e) != SDM_OK)
			rc = sdm_err_set(&err, e.code, "%s: %s",
					 report != NULL ? report : bundle, e.msg);
		src->have_report = rc == SDM_OK;
	}
	if (rc == SDM_OK && policy != NULL) {
		rc = attc_read_file(policy, POLICY_FILE_MAX, &src->policy,
				    &src->policy_len, &err);
		if (rc == SDM_OK)
			rc = anchor_arg(key_hash, anchor, &err);
		if (rc == SDM_OK &&
		    sdm_policy_verify(src->policy, src->policy_len, anchor,
				      &src->pol, &e) != SDM_OK)
			rc = sdm_err_set(&err, e.code, "%s: %s", policy, e.msg);
		if (rc == SDM_OK &&
		    (!attc_sha256(src->policy + src->pol.key_offset,
				  src->pol.key_size, src->key_digest) ||
		     !attc_sha256(src->policy, src->policy_len,
				  src->blob_digest)))
			rc = sdm_err_set(&err, SDM_EIO, "SHA-256 failed");
		src->have_policy = rc == SDM_OK;
	}
	if (rc == SDM_OK && sinit != NULL) {
		uint8_t *elf = NULL;
		size_t len = 0;

		rc = attc_read_file(sinit, IMAGE_FILE_MAX, &elf, &len, &err);
		if (rc == SDM_OK &&
		    attc_sinit_image_digest(elf, len, src->sinit_digest,
					    &src->sinit_size, &e) != SDM_OK)
			rc = sdm_err_set(&err, e.code, "--sinit %s: %s", sinit,
					 e.msg);
		free(elf);
	}
	if (rc == SDM_OK && dommgr != NULL) {
		uint8_t *elf = NULL;
		size_t len = 0;
		struct elf64_image img;

		rc = attc_read_file(dommgr, IMAGE_FILE_MAX, &elf, &len, &err);
		if (rc == SDM_OK &&
		    elf64_parse(elf, len, UINT64_MAX, &img, &e) != SDM_OK)
			rc = sdm_err_set(&err, e.code,
				"--dommgr %s: not an ELF64 x86-64 executable: %s",
				dommgr, e.msg);
		if (rc == SDM_OK && !attc_sha256(elf, len, src->dommgr_digest))
			rc = sdm_err_set(&err, SDM_EIO, "SHA-256 failed");
		src->dommgr_size = len;
		free(elf);
	}
	if (rc != SDM_OK)
		goto fail;

	/* Written to memory first, then parsed back before it is saved. */
	f = open_memstream(&text, &text_len);
	if (f == NULL) {
		rc = sdm_err_set(&err, SDM_ENOMEM, "out of memory");
		goto fail;
	}
	fprintf(f, "sdm-reference 1\n# written by sdm attest reference from");
	if (policy != NULL)
		fprintf(f, " policy %s", policy);
	if (sinit != NULL)
		fprintf(f, " sinit %s", sinit);
	if (dommgr != NULL)
		fprintf(f, " dommgr %s", dommgr);
	if (log != NULL || bundle != NULL)
		fprintf(f, " log %s", log != NULL ? log : bundle);
	if (src->have_report)
		fprintf(f, " report %s", report != NULL ? report : bundle);
	fprintf(f, "\n");
	if (src->have_policy) {
		req_drtm |= (src->pol.flags & SDM_POL_REQ_DRTM) != 0;
		req_iommu |= (src->pol.flags & SDM_POL_REQ_IOMMU) != 0;
	}
	if (req_drtm)
		fprintf(f, "require drtm\n");
	if (req_iommu)
		fprintf(f, "require iommu\n");
	if (ak_loc >= 0)
		fprintf(f, "require ak-locality=%d\n", ak_loc);
	if (req_requester != NULL)
		fprintf(f, "require requester=%s\n", req_requester);

	/* Events: PCRs 17-20 of the known-good log, in order. */
	re->f = f;
	re->allow_restarts = restarts;
	re->src = src;
	if (src->log != NULL) {
		fprintf(f, "# events on PCRs 17-20 of the known-good boot, in order\n");
		if (evlog_parse(src->log, src->log_len, ref_event_fn, re, &e) !=
		    SDM_OK) {
			rc = sdm_err_set(&err, e.code, "%s: %s",
					 log != NULL ? log : bundle, e.msg);
			goto fail;
		}
		if (src->have_policy && (!re->saw_key || !re->saw_blob)) {
			rc = sdm_err_set(&err, SDM_EINVAL,
				"not a log of a boot with this policy: no %s (%.60s)",
				!re->saw_key ? "PCR 18 event measures its signer key" :
				"PCR 19 event measures the policy blob",
				log != NULL ? log : bundle);
			goto fail;
		}
		if (re->nallowed > 0)
			fprintf(f, "# domain restarts repeat PCR 20 events\n");
		for (unsigned k = 0; k < re->nallowed; k++) {
			fprintf(f, "allow 20 sha256:");
			attc_hex(f, re->allowed[k], 32);
			fputc('\n', f);
		}
	} else {
		ref_policy_events(f, src, sinit != NULL, dommgr != NULL,
				  req_drtm);
	}

	/* Images and domains: the policy's if given, else the report's. */
	if (src->have_policy) {
		for (unsigned i = 0; i < src->pol.ndomains && rc == SDM_OK; i++) {
			const struct sdm_pol_domain *d = &src->pol.dom[i];
			struct att_pci dev[SDM_POL_MAX_DEVICES];

			for (unsigned k = 0; k < d->nimages && rc == SDM_OK; k++)
				rc = add_image(f, set, d->images[k].sha256,
					       d->images[k].module, &err);
			for (unsigned k = 0; k < d->ndevices; k++) {
				dev[k].segment = d->devices[k].segment;
				dev[k].bus = d->devices[k].bus;
				dev[k].devfn = d->devices[k].devfn;
			}
			ref_domain_line(f, d->name, d->kind, d->mem_size != 0,
					d->mem_size, d->cpu_count != 0,
					d->cpu_count,
					d->kind == SDM_POL_KIND_NORMAL ? NULL : dev,
					d->ndevices);
		}
	} else if (src->have_report) {
		for (unsigned i = 0; i < src->report.ndomains && rc == SDM_OK;
		     i++) {
			const struct att_domain *d = &src->report.dom[i];

			for (unsigned k = 0; k < d->nimages && rc == SDM_OK; k++)
				rc = add_image(f, set, d->images[k].sha256,
					       d->images[k].module, &err);
			ref_domain_line(f, d->name, d->kind, true, d->mem_bytes,
					true,
					(unsigned)__builtin_popcountll(d->cpu_mask),
					d->devices, d->ndevices);
		}
	}
	for (unsigned i = 0; i < nimages && rc == SDM_OK; i++) {
		uint8_t *img = NULL, d[32];
		size_t len = 0;
		const char *base = strrchr(images[i], '/');

		rc = attc_read_file(images[i], IMAGE_FILE_MAX, &img, &len, &err);
		if (rc == SDM_OK && !attc_sha256(img, len, d))
			rc = sdm_err_set(&err, SDM_EIO, "SHA-256 failed");
		if (rc == SDM_OK)
			rc = add_image(f, set, d, base != NULL ? base + 1 :
				       images[i], &err);
		free(img);
	}
	if (rc != SDM_OK)
		goto fail;
	if (fclose(f) != 0) {
		f = NULL;
		rc = sdm_err_set(&err, SDM_EIO, "writing the reference failed");
		goto fail;
	}
	f = NULL;
	if (att_reference_parse(text, text_len, "reference", check, &e) !=
	    SDM_OK) {
		rc = sdm_err_set(&err, e.code, "internal: %s", e.msg);
		goto fail;
	}
	if (out == NULL) {
		fwrite(text, 1, text_len, stdout);
	} else {
		rc = attc_write_file(out, text, text_len, 0644, &err);
		if (rc != SDM_OK)
			goto fail;
		unsigned req = 0;

		for (unsigned i = 0; i < check->nevents; i++)
			req += check->events[i].required;
		printf("reference: %u required events (+%u allowed), %u images, %u domains%s%s -> %s\n",
		       req, check->nevents - req, check->nimages, check->ndomains,
		       check->require_drtm ? ", DRTM required" : "",
		       check->require_iommu ? ", IOMMU required" : "", out);
	}
	exit_code = SDM_EXIT_OK;
	if (check_log != NULL) {
		/* verify's events check of a log against what was written. */
		uint8_t *clog = NULL;
		size_t clen = 0;
		struct attv_verdict *vd = malloc(sizeof(*vd));

		if (vd == NULL) {
			rc = sdm_err_set(&err, SDM_ENOMEM, "out of memory");
			goto fail;
		}
		rc = attc_read_file(check_log, EVLOG_MAX_LOG, &clog, &clen, &err);
		if (rc == SDM_OK) {
			attv_check_events(check, clog, clen, vd);
			/* Not into the reference on stdout. */
			fprintf(out != NULL ? stdout : stderr,
				"%s: events %s: %s\n", check_log,
			       result_name(vd->c[ATTV_EVENTS].result, false),
			       vd->c[ATTV_EVENTS].detail);
			if (vd->c[ATTV_EVENTS].result != ATTV_PASS)
				exit_code = SDM_EXIT_FAILURE;
		}
		free(clog);
		free(vd);
		if (rc != SDM_OK)
			goto fail;
	}
	goto done;
usage:
	fputs(ATTEST_USAGE, stderr);
	exit_code = SDM_EXIT_USAGE;
	goto done;
fail:
	fprintf(stderr, "sdm attest reference: %s\n", err.msg);
done:
	if (f != NULL)
		fclose(f);
	free(text);
	if (src != NULL) {
		free(src->log);
		free(src->report_buf);
		free(src->bundle);
		free(src->policy);
	}
	free(src);
	free(re);
	free(set);
	free(check);
	return exit_code;
}

/* ---------------------------------------------------------------- verifier */

struct attv {
	struct att_public ak;
	uint8_t ak_pub[ATT_MAX_PUBLIC];
	uint8_t ak_name[ATT_MAX_NAME];
	size_t ak_name_len;
	struct att_enrol_info info;
	EVP_PKEY *pkey;
	EVP_PKEY_CTX *vctx; /* initialised once for the AK's scheme */
	struct attf_p256 *fast; /* P-256 AK: precomputed (attest_fast.h) */
	/* Batch mode: s^-1 mod n computed ahead for the bundle's s. */
	const uint8_t *hint_s, *hint_w;
	size_t hint_s_len;
	struct att_reference ref;
	struct cmd_eventlog_replay replay; /* scratch, per bundle */
	struct cmd_eventlog_replayer *replayer; /* digest contexts, reused */
	EVP_MD_CTX *md_ctx; /* the bundle's digests (vdigest), reused */
	/* Batch text mode prints a passing check's result only: PASS and
	 * SKIP details are left empty (not formatted). Every check still
	 * runs; FAIL details are always formatted. */
	bool terse;
};

static const char *const check_names[ATTV_NCHECKS] = {
	"bundle", "signature", "nonce", "binding", "eventlog", "pcr-digest",
	"events", "report", "isolation",
};

const char *attv_check_name(enum attv_check c)
{
	return c < ATTV_NCHECKS ? check_names[c] : "?";
}

void attv_free(struct attv *v)
{
	if (v == NULL)
		return;
	EVP_PKEY_CTX_free(v->vctx);
	EVP_PKEY_free(v->pkey);
	attf_p256_free(v->fast);
	cmd_eventlog_replayer_free(v->replayer);
	EVP_MD_CTX_free(v->md_ctx);
	free(v);
}

int attv_new(const uint8_t *enrolment, size_t enrolment_len,
	     const char *enr_name, const char *reference, size_t reference_len,
	     const char *ref_name, struct attv **out, struct sdm_err *err)
{
	struct attv *v = calloc(1, sizeof(*v));
	struct att_container c;
	const struct att_span *pub;
	uint8_t name[ATT_MAX_NAME];
	size_t name_len;
	int rc;

	*out = NULL;
	if (v == NULL || (v->replayer = cmd_eventlog_replayer_new()) == NULL ||
	    (v->md_ctx = EVP_MD_CTX_new()) == NULL) {
		attv_free(v);
		return sdm_err_set(err, SDM_ENOMEM, "out of memory");
	}
	rc = att_container_parse(enrolment, enrolment_len, ATT_KIND_ENROLMENT,
				 &c, err);
	if (rc != SDM_OK)
		goto fail;
	pub = &c.rec[ATT_T_ENR_AK_PUBLIC];
	memcpy(v->ak_pub, pub->p, pub->len);
	rc = att_public_parse(v->ak_pub, pub->len, &v->ak, err);
	if (rc == SDM_OK)
		rc = attc_check_ak(&v->ak, err);
	if (rc == SDM_OK)
		rc = attc_name(v->ak_pub, pub->len, name, &name_len, err);
	if (rc == SDM_OK && (name_len != c.rec[ATT_T_ENR_AK_NAME].len ||
			     memcmp(name, c.rec[ATT_T_ENR_AK_NAME].p,
				    name_len) != 0))
		rc = sdm_err_set(err, SDM_EINVAL,
			"enrolment: the AK name is not the name of its public area");
	if (rc == SDM_OK)
		rc = att_enrol_info_decode(&c.rec[ATT_T_ENR_INFO], &v->info, err);
	if (rc != SDM_OK)
		goto fail;
	memcpy(v->ak_name, name, name_len);
	v->ak_name_len = name_len;
	v->pkey = pkey_of(&v->ak, err);
	if (v->pkey == NULL) {
		rc = SDM_EINVAL;
		goto fail;
	}
	v->vctx = EVP_PKEY_CTX_new_from_pkey(NULL, v->pkey, NULL);
	if (v->vctx == NULL || EVP_PKEY_verify_init(v->vctx) != 1 ||
	    EVP_PKEY_CTX_set_signature_md(v->vctx, md_of(v->ak.scheme_hash)) != 1 ||
	    (v->ak.scheme == ATT_ALG_RSASSA &&
	     EVP_PKEY_CTX_set_rsa_padding(v->vctx, RSA_PKCS1_PADDING) != 1) ||
	    (v->ak.scheme == ATT_ALG_RSAPSS &&
	     (EVP_PKEY_CTX_set_rsa_padding(v->vctx, RSA_PKCS1_PSS_PADDING) != 1 ||
	      EVP_PKEY_CTX_set_rsa_pss_saltlen(v->vctx, RSA_PSS_SALTLEN_AUTO) != 1))) {
		rc = sdm_err_set(err, SDM_EIO, "OpenSSL: cannot set up verification with the AK");
		goto fail;
	}
	/* A P-256 AK gets its precomputed verifier; should OpenSSL refuse
	 * it, the EVP path above verifies (slower, same result). */
	if (v->ak.type == ATT_ALG_ECC && v->ak.curve == ATT_ECC_NIST_P256 &&
	    v->ak.scheme == ATT_ALG_ECDSA &&
	    attf_p256_new(v->ak.ecc_x, v->ak.ecc_x_size, v->ak.ecc_y,
			  v->ak.ecc_y_size, &v->fast, NULL) != SDM_OK)
		v->fast = NULL;
	rc = att_reference_parse(reference, reference_len, ref_name, &v->ref,
				 err);
	if (rc != SDM_OK) {
		attv_free(v);
		return rc;
	}
	*out = v;
	return SDM_OK;
fail:
	/* Name the file: "enrolment.bin: TPMT_PUBLIC: ...". */
	if (err != NULL && enr_name != NULL) {
		char m[sizeof(err->msg)];

		snprintf(m, sizeof(m), "%s", err->msg);
		sdm_err_set(err, rc, "%s: %s", enr_name, m);
	}
	attv_free(v);
	return rc;
}

static void setc(struct attv_verdict *vd, enum attv_check c,
		 enum attv_result r, const char *fmt, ...)
	__attribute__((format(printf, 4, 5)));
static void setc(struct attv_verdict *vd, enum attv_check c,
		 enum attv_result r, const char *fmt, ...)
{
	va_list ap;

	vd->c[c].result = r;
	va_start(ap, fmt);
	vsnprintf(vd->c[c].detail, sizeof(vd->c[c].detail), fmt, ap);
	va_end(ap);
}

/* A PASS with its detail, unless the verifier is terse: then the detail
 * is empty and the arguments are not evaluated. */
#define setpass(terse, vd, chk, ...)					\
	do {								\
		if (terse) {						\
			(vd)->c[chk].result = ATTV_PASS;		\
			(vd)->c[chk].detail[0] = '\0';			\
		} else {						\
			setc(vd, chk, ATTV_PASS, __VA_ARGS__);		\
		}							\
	} while (0)

/* digest() on the verifier's reused context: the hash of p, then of q
 * (q_len may be 0). */
static bool vdigest(struct attv *v, uint16_t alg, const void *p, size_t n,
		    const void *q, size_t q_len, uint8_t *out)
{
	const EVP_MD *md = md_of(alg);
	unsigned len = 0;

	return md != NULL && EVP_DigestInit_ex2(v->md_ctx, md, NULL) == 1 &&
	       EVP_DigestUpdate(v->md_ctx, p, n) == 1 &&
	       (q_len == 0 || EVP_DigestUpdate(v->md_ctx, q, q_len) == 1) &&
	       EVP_DigestFinal_ex(v->md_ctx, out, &len) == 1 &&
	       len == att_hash_size(alg);
}

static const char *hash_name(uint16_t alg)
{
	switch (alg) {
	case ATT_ALG_SHA1: return "SHA-1";
	case ATT_ALG_SHA256: return "SHA-256";
	case ATT_ALG_SHA384: return "SHA-384";
	case ATT_ALG_SHA512: return "SHA-512";
	default: return "?";
	}
}

static void check_signature(struct attv *v, const struct att_bundle *b,
			    struct attv_verdict *vd)
{
	const struct att_signature *s = &b->sig;
	uint8_t dg[64], der[2 * ATT_MAX_ECC + 16];
	const uint8_t *sig;
	size_t sig_len;
	char hex[80];
	bool ok;
	const char *alg = s->alg == ATT_ALG_ECDSA ? "ECDSA" :
			  s->alg == ATT_ALG_RSASSA ? "RSASSA" : "RSAPSS";

	if (s->alg != v->ak.scheme || s->hash != v->ak.scheme_hash) {
		setc(vd, ATTV_SIGNATURE, ATTV_FAIL,
		     "signed with %s/%s, the enrolled AK %s signs with %s/%s: another key",
		     alg, hash_name(s->hash),
		     hexs(hex, 17, v->ak_name, v->ak_name_len),
		     v->ak.scheme == ATT_ALG_ECDSA ? "ECDSA" :
		     v->ak.scheme == ATT_ALG_RSASSA ? "RSASSA" : "RSAPSS",
		     hash_name(v->ak.scheme_hash));
		return;
	}
	if (!vdigest(v, s->hash, b->attest.p, b->attest.len, NULL, 0, dg)) {
		setc(vd, ATTV_SIGNATURE, ATTV_FAIL, "OpenSSL digest failed");
		return;
	}
	if (s->alg == ATT_ALG_ECDSA) {
		/* DER SEQUENCE { INTEGER r, INTEGER s } (short form). */
		const uint8_t *part[2] = { s->r, s->s };
		uint16_t plen[2] = { s->r_size, s->s_size };
		size_t n = 2;

		for (unsigned k = 0; k < 2; k++) {
			const uint8_t *p = part[k];
			size_t l = plen[k];

			while (l > 1 && p[0] == 0) {
				p++;
				l--;
			}
			der[n++] = 0x02;
			der[n++] = (uint8_t)(l + (l > 0 && (p[0] & 0x80) ? 1 : 0));
			if (l > 0 && (p[0] & 0x80))
				der[n++] = 0;
			if (l > 0)
				memcpy(der + n, p, l);
			n += l;
		}
		der[0] = 0x30;
		der[1] = (uint8_t)(n - 2);
		sig = der;
		sig_len = n;
		if (n - 2 > 127 || s->r_size == 0 || s->s_size == 0) {
			setc(vd, ATTV_SIGNATURE, ATTV_FAIL,
			     "ECDSA signature with r of %u, s of %u bytes",
			     s->r_size, s->s_size);
			return;
		}
	} else {
		sig = s->rsa;
		sig_len = s->rsa_size;
	}
	if (s->alg == ATT_ALG_ECDSA && v->fast != NULL) {
		/* Same answer as EVP_PKEY_verify (tests/unit/test_attest_fast.c). */
		bool hint = v->hint_w != NULL && v->hint_s_len == s->s_size &&
			    memcmp(v->hint_s, s->s, s->s_size) == 0;

		ok = attf_p256_verify(v->fast, dg, att_hash_size(s->hash),
				      s->r, s->r_size, s->s, s->s_size,
				      hint ? v->hint_w : NULL);
	} else {
		ok = EVP_PKEY_verify(v->vctx, sig, sig_len, dg,
				     att_hash_size(s->hash)) == 1;
	}
	if (!ok) {
		setc(vd, ATTV_SIGNATURE, ATTV_FAIL,
		     "%s/%s signature does not verify with the enrolled AK %s: another key signed, or the quote changed",
		     alg, hash_name(s->hash),
		     hexs(hex, 17, v->ak_name, v->ak_name_len));
		return;
	}
	setpass(v->terse, vd, ATTV_SIGNATURE, "%s/%s by the enrolled AK %s", alg,
		hash_name(s->hash), hexs(hex, 17, v->ak_name, v->ak_name_len));
}

/* The sha256 values of PCRs 17-20 the log replays to (start values where
 * the log does not extend a PCR). */
static void replayed_pcrs(const struct cmd_eventlog_replay *r,
			  uint8_t out[4][32])
{
	int slot = cmd_eventlog_bank_slot(EVLOG_ALG_SHA256);
	uint8_t start = r->launch_seen ? evlog_launch_pcr_start(r->launch) :
					 0xff;

	for (unsigned p = 17; p <= 20; p++) {
		if (r->pcrs.have[slot] & (1u << p))
			memcpy(out[p - 17], r->pcrs.val[slot][p], 32);
		else
			memset(out[p - 17], start, 32);
	}
}

/* Digest and text matching of one log event against a reference event. */
static bool ref_matches(const struct att_ref_event *r, const uint8_t *d,
			const char *text)
{
	return memcmp(r->sha256, d, 32) == 0 &&
	       (!r->has_text || strcmp(r->text, text) == 0);
}

struct events_state {
	const struct att_reference *ref;
	unsigned next[4];  /* per PCR 17-20: next required reference event */
	unsigned problems, matched, allowed, texts;
	char first[280];
	/* PCR 20 sha256 digests, for the report's measured-image check. */
	uint8_t (*pcr20)[32];
	unsigned npcr20, cap20;
};

static void problem(struct events_state *st, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));
static void problem(struct events_state *st, const char *fmt, ...)
{
	va_list ap;

	if (st->problems++ == 0) {
		va_start(ap, fmt);
		vsnprintf(st->first, sizeof(st->first), fmt, ap);
		va_end(ap);
	}
}

/* The index of the k-th required reference event on pcr, or -1. */
static int required_at(const struct att_reference *ref, unsigned pcr,
		       unsigned k)
{
	for (unsigned i = 0; i < ref->nevents; i++)
		if (ref->events[i].required && ref->events[i].pcr == pcr &&
		    k-- == 0)
			return (int)i;
	return -1;
}

/*
 * A reference `text` statement on the event's PCR whose prefix the event's
 * text starts with, or NULL.
 */
static const struct att_ref_text *text_statement(const struct att_reference *ref,
						 unsigned pcr, const char *text)
{
	for (unsigned i = 0; i < ref->ntexts; i++) {
		const struct att_ref_text *t = &ref->texts[i];

		if (t->pcr == pcr &&
		    strncmp(text, t->prefix, strlen(t->prefix)) == 0)
			return t;
	}
	return NULL;
}

/*
 * A self-describing event (dommgr/measure.c): its data is its text and
 * one NUL, and its digest in every bank of the log is that bank's hash of
 * the text's bytes (without the NUL). NULL if so, else what is wrong.
 */
static const char *not_self_describing(const struct evlog_event *ev,
				       const char *text)
{
	size_t n = strlen(text);
	uint8_t h[64];

	if (ev->data_size != n + 1 || ev->data[n] != 0)
		return "data is not its text and one NUL";
	if (ev->ndigests == 0)
		return "digest is not the hash of its text";
	for (unsigned k = 0; k < ev->ndigests; k++) {
		const struct evlog_event_digest *g = &ev->digests[k];

		if (!digest(g->alg, ev->data, n, h) ||
		    g->size != att_hash_size(g->alg) ||
		    memcmp(h, g->bytes, g->size) != 0)
			return "digest is not the hash of its text";
	}
	return NULL;
}

static int events_fn(void *ctx, const struct evlog_info *info,
		     const struct evlog_event *ev, struct sdm_err *err)
{
	struct events_state *st = ctx;
	const struct att_reference *ref = st->ref;
	const uint8_t *d;
	const char *why;
	char text[ATT_REF_TEXT], hex[24];
	int ri, rn;

	if (ev->spec_id || ev->type == EVLOG_EV_NO_ACTION || ev->pcr < 17 ||
	    ev->pcr > 20)
		return 0;
	d = evlog_event_digest(ev, EVLOG_ALG_SHA256);
	if (d == NULL) {
		problem(st, "the log has no sha256 digests");
		return 0;
	}
	if (ev->pcr == 20 && st->npcr20 < st->cap20)
		memcpy(st->pcr20[st->npcr20++], d, 32);
	event_text(ev, text, sizeof(text));
	ri = required_at(ref, ev->pcr, st->next[ev->pcr - 17]);
	if (ri >= 0 && ref_matches(&ref->events[ri], d, text)) {
		st->next[ev->pcr - 17]++;
		st->matched++;
		return 0;
	}
	for (unsigned i = 0; i < ref->nevents; i++)
		if (!ref->events[i].required && ref->events[i].pcr == ev->pcr &&
		    ref_matches(&ref->events[i], d, text)) {
			st->allowed++;
			return 0;
		}
	if (text[0] != '\0' && text_statement(ref, ev->pcr, text) != NULL) {
		why = not_self_describing(ev, text);
		if (why == NULL) {
			st->texts++;
			return 0;
		}
		problem(st, "event %u (PCR %u, \"%.120s\") %s", ev->index,
			ev->pcr, text, why);
		return 0;
	}
	if (ri >= 0 && memcmp(ref->events[ri].sha256, d, 32) == 0) {
		problem(st, "event %u (PCR %u) says \"%.60s\", the reference \"%.60s\"",
			ev->index, ev->pcr, text, ref->events[ri].text);
		st->next[ev->pcr - 17]++;
		return 0;
	}
	rn = required_at(ref, ev->pcr, st->next[ev->pcr - 17] + 1);
	if (ri >= 0 && rn >= 0 && ref_matches(&ref->events[rn], d, text)) {
		/* The expected event is missing; this one is the next. */
		problem(st, "reference event \"%.60s\" (PCR %u) is missing before event %u",
			ref->events[ri].text, ev->pcr, ev->index);
		st->next[ev->pcr - 17] += 2;
		st->matched++;
		return 0;
	}
	problem(st, "event %u (PCR %u, sha256 %s.., \"%.60s\") is not in the reference",
		ev->index, ev->pcr, hexs(hex, sizeof(hex), d, 8), text);
	return 0;
}

static void check_events_ref(const struct att_reference *ref,
			     const uint8_t *log, size_t len, bool terse,
			     struct events_state *st, struct attv_verdict *vd)
{
	struct sdm_err e = { 0 };
	unsigned required = 0;

	st->ref = ref;
	if (evlog_parse(log, len, events_fn, st, &e) != SDM_OK) {
		setc(vd, ATTV_EVENTS, ATTV_SKIP, "the log does not parse");
		return;
	}
	for (unsigned p = 17; p <= 20; p++) {
		int ri;

		while ((ri = required_at(ref, p, st->next[p - 17])) >= 0) {
			problem(st, "reference event \"%.60s\" (PCR %u) is missing from the log",
				ref->events[ri].text, p);
			st->next[p - 17]++;
		}
	}
	for (unsigned i = 0; i < ref->nevents; i++)
		required += ref->events[i].required;
	if (st->problems != 0)
		setc(vd, ATTV_EVENTS, ATTV_FAIL, "%u problem%s; %s",
		     st->problems, st->problems == 1 ? "" : "s", st->first);
	else
		setpass(terse, vd, ATTV_EVENTS,
			"%u events on PCRs 17-20: %u required by the reference, %u allowed repeats, %u self-describing",
			st->matched + st->allowed + st->texts, required,
			st->allowed, st->texts);
}

static void check_events(struct attv *v, const uint8_t *log, size_t len,
			 struct events_state *st, struct attv_verdict *vd)
{
	check_events_ref(&v->ref, log, len, v->terse, st, vd);
}

void attv_check_events(const struct att_reference *ref, const uint8_t *log,
		       size_t len, struct attv_verdict *vd)
{
	struct events_state st;

	memset(vd, 0, sizeof(*vd));
	memset(&st, 0, sizeof(st));
	for (unsigned c = 0; c < ATTV_NCHECKS; c++)
		setc(vd, c, ATTV_SKIP, "only the events check ran");
	check_events_ref(ref, log, len, false, &st, vd);
}

static bool pci_eq(const struct att_pci *a, const struct att_pci *b)
{
	return a->segment == b->segment && a->bus == b->bus &&
	       a->devfn == b->devfn;
}

static void check_report(struct attv *v, const struct att_report *r,
			 const struct events_state *es, bool log_ok,
			 struct attv_verdict *vd)
{
	const struct att_reference *ref = &v->ref;
	const char *requester;
	unsigned nimg = 0;
	char hex[24];

	if (log_ok && r->launch_kind != (uint32_t)(v->replay.launch_seen ?
			v->replay.launch : SDM_LAUNCH_UNMEASURED)) {
		setc(vd, ATTV_REPORT, ATTV_FAIL,
		     "the report says launch %s, the event log %s",
		     evlog_launch_name((enum sdm_launch_kind)r->launch_kind),
		     v->replay.launch_seen ? evlog_launch_name(v->replay.launch) :
		     "records no launch");
		return;
	}
	for (unsigned i = 0; i < r->ndomains; i++) {
		const struct att_domain *d = &r->dom[i];
		const struct att_ref_domain *rd = NULL;

		for (unsigned k = 0; k < d->nimages; k++) {
			const struct att_image *im = &d->images[k];
			bool known = false, measured = false;

			for (unsigned j = 0; j < ref->nimages; j++)
				known |= memcmp(ref->images[j].sha256,
						im->sha256, 32) == 0;
			if (!known) {
				setc(vd, ATTV_REPORT, ATTV_FAIL,
				     "domain '%s' image %u ('%s', sha256 %s..) is not in the reference",
				     d->name, k, im->module,
				     hexs(hex, sizeof(hex), im->sha256, 8));
				return;
			}
			for (unsigned j = 0; j < es->npcr20; j++)
				measured |= memcmp(es->pcr20[j], im->sha256,
						   32) == 0;
			if (log_ok && !measured) {
				setc(vd, ATTV_REPORT, ATTV_FAIL,
				     "domain '%s' image %u ('%s', sha256 %s..) was not measured into PCR 20",
				     d->name, k, im->module,
				     hexs(hex, sizeof(hex), im->sha256, 8));
				return;
			}
			nimg++;
		}
		if (ref->ndomains == 0)
			continue;
		for (unsigned k = 0; k < ref->ndomains; k++)
			if (strncmp(ref->dom[k].name, d->name, ATT_NAME_MAX) == 0)
				rd = &ref->dom[k];
		if (rd == NULL) {
			setc(vd, ATTV_REPORT, ATTV_FAIL,
			     "domain '%s' is not in the reference", d->name);
			return;
		}
		if (rd->kind != d->kind ||
		    (rd->has_mem && rd->mem_bytes != d->mem_bytes) ||
		    (rd->has_cpus &&
		     rd->cpus != (uint32_t)__builtin_popcountll(d->cpu_mask))) {
			setc(vd, ATTV_REPORT, ATTV_FAIL,
			     "domain '%s': %s, %llu bytes, %u CPUs; the reference: %s, %s%llu bytes, %s%u CPUs",
			     d->name, att_domain_kind_name(d->kind),
			     (unsigned long long)d->mem_bytes,
			     (unsigned)__builtin_popcountll(d->cpu_mask),
			     att_domain_kind_name(rd->kind),
			     rd->has_mem ? "" : "any ",
			     (unsigned long long)rd->mem_bytes,
			     rd->has_cpus ? "" : "any ", rd->cpus);
			return;
		}
		if (rd->has_devices) {
			bool same = rd->ndevices == d->ndevices;

			for (unsigned k = 0; same && k < d->ndevices; k++) {
				bool found = false;

				for (unsigned j = 0; j < rd->ndevices; j++)
					found |= pci_eq(&rd->devices[j],
							&d->devices[k]);
				same = found;
			}
			if (!same) {
				setc(vd, ATTV_REPORT, ATTV_FAIL,
				     "domain '%s' has %u devices, not the reference's %u",
				     d->name, d->ndevices, rd->ndevices);
				return;
			}
		}
	}
	for (unsigned k = 0; k < ref->ndomains; k++) {
		bool found = false;

		for (unsigned i = 0; i < r->ndomains; i++)
			found |= strncmp(ref->dom[k].name, r->dom[i].name,
					 ATT_NAME_MAX) == 0;
		if (!found) {
			setc(vd, ATTV_REPORT, ATTV_FAIL,
			     "reference domain '%s' is not in the report",
			     ref->dom[k].name);
			return;
		}
	}
	/* The decoder holds requester to 0..ndomains. */
	requester = r->requester != 0 ? r->dom[r->requester - 1].name : NULL;
	if (ref->require_requester &&
	    (requester == NULL ||
	     strncmp(requester, ref->requester, ATT_NAME_MAX) != 0)) {
		if (requester == NULL)
			setc(vd, ATTV_REPORT, ATTV_FAIL,
			     "the evidence was requested by no domain, the reference requires '%s'",
			     ref->requester);
		else
			setc(vd, ATTV_REPORT, ATTV_FAIL,
			     "the evidence was requested by domain '%s', the reference requires '%s'",
			     requester, ref->requester);
		return;
	}
	setpass(v->terse, vd, ATTV_REPORT,
		"%u domain%s, %u image%s in the reference%s%s; requested by %s%s%s%s",
		r->ndomains, r->ndomains == 1 ? "" : "s", nimg,
		nimg == 1 ? "" : "s",
		log_ok ? " and measured into PCR 20" : "",
		ref->ndomains ? ", configurations as the reference" : "",
		requester != NULL ? "domain '" : "no domain",
		requester != NULL ? requester : "",
		requester != NULL ? "'" : "",
		ref->require_requester ? " as required" : "");
}

static void check_isolation(struct attv *v, const struct att_report *r,
			    bool log_ok, struct attv_verdict *vd)
{
	const struct att_reference *ref = &v->ref;
	/* The log's launch kind once the log is proven by the quote (no
	 * launch event: nothing was measured); else the report's claim. */
	enum sdm_launch_kind launch = !log_ok ?
		(enum sdm_launch_kind)r->launch_kind :
		v->replay.launch_seen ? v->replay.launch : SDM_LAUNCH_UNMEASURED;
	bool drtm = launch == SDM_LAUNCH_EMULATED_DRTM ||
		    launch == SDM_LAUNCH_TXT;
	char ak[64];

	if (!(r->flags & ATT_RF_EPT)) {
		setc(vd, ATTV_ISOLATION, ATTV_FAIL,
		     "EPT is off: domains are not isolated in memory");
		return;
	}
	if (ref->require_iommu && (r->iommu == ATT_IOMMU_ABSENT ||
				   !(r->flags & ATT_RF_IOMMU_DMA))) {
		setc(vd, ATTV_ISOLATION, ATTV_FAIL,
		     r->iommu == ATT_IOMMU_ABSENT ?
		     "IOMMU absent, the reference requires DMA remapping" :
		     "IOMMU present but DMA remapping is off, the reference requires it");
		return;
	}
	if (ref->require_drtm && !drtm) {
		setc(vd, ATTV_ISOLATION, ATTV_FAIL,
		     "launch %s, the reference requires a dynamic launch (txt or emulated-drtm)",
		     evlog_launch_name(launch));
		return;
	}
	if (ref->require_ak_locality &&
	    v->info.ak_locality != (uint8_t)(1u << ref->ak_locality)) {
		setc(vd, ATTV_ISOLATION, ATTV_FAIL,
		     "the AK signs at %s, the reference requires locality %u only",
		     v->info.ak_locality ? "another locality" : "any locality",
		     ref->ak_locality);
		return;
	}
	if (v->terse) {
		setpass(true, vd, ATTV_ISOLATION, "(not formatted)");
		return;
	}
	if (v->info.ak_locality != 0)
		snprintf(ak, sizeof(ak), "AK bound to locality %d",
			 __builtin_ctz(v->info.ak_locality));
	else
		snprintf(ak, sizeof(ak), "AK usable at any locality");
	setc(vd, ATTV_ISOLATION, ATTV_PASS, "EPT on; IOMMU %s%s; launch %s; %s",
	     att_iommu_name(r->iommu),
	     r->iommu == ATT_IOMMU_ABSENT ? "" :
	     (r->flags & ATT_RF_IOMMU_DMA) ? " DMA remapping on" :
	     " DMA remapping OFF", evlog_launch_name(launch), ak);
}

void attv_verify(struct attv *v, const uint8_t *bundle, size_t len,
		 const uint8_t *nonce, size_t nonce_len,
		 struct attv_verdict *vd)
{
	struct att_bundle b;
	struct att_report rep;
	struct events_state es;
	uint8_t pcr20[ATT_REF_MAX_EVENTS][32];
	struct sdm_err e = { 0 };
	uint8_t h[32], buf[32], pcrs[4][32];
	bool log_ok = false, report_ok = false;
	char hex[80], hex2[80];
	unsigned fails = 0;

	memset(vd, 0, sizeof(*vd));
	memset(&es, 0, sizeof(es));
	es.pcr20 = pcr20;
	es.cap20 = ATT_REF_MAX_EVENTS;
	/* (Terse: the memset made every check SKIP with no detail.) */
	for (unsigned c = 0; !v->terse && c < ATTV_NCHECKS; c++)
		setc(vd, c, ATTV_SKIP, "the bundle does not parse");
	if (att_bundle_parse(bundle, len, &b, &e) != SDM_OK) {
		setc(vd, ATTV_BUNDLE, ATTV_FAIL, "%s", e.msg);
		return;
	}
	setpass(v->terse, vd, ATTV_BUNDLE,
		"quote of %u bytes, %u-byte event log, %u-byte report",
		b.attest.len, b.eventlog.len, b.report.len);

	check_signature(v, &b, vd);

	if (b.nonce.len == nonce_len && memcmp(b.nonce.p, nonce, nonce_len) == 0)
		setpass(v->terse, vd, ATTV_NONCE, "the bundle answers nonce %s",
			hexs(hex, 33, nonce, nonce_len));
	else
		setc(vd, ATTV_NONCE, ATTV_FAIL,
		     "the bundle answers nonce %s.., not %s..: a replayed or misdirected bundle",
		     hexs(hex, 17, b.nonce.p, b.nonce.len),
		     hexs(hex2, 17, nonce, nonce_len));

	/* Binding: extraData = SHA-256(nonce || SHA-256(report)). */
	if (!vdigest(v, ATT_ALG_SHA256, b.report.p, b.report.len, NULL, 0,
		     buf) ||
	    !vdigest(v, ATT_ALG_SHA256, b.nonce.p, b.nonce.len, buf, 32, h))
		setc(vd, ATTV_BINDING, ATTV_FAIL, "OpenSSL digest failed");
	else if (b.quote.extra_size != 32 || memcmp(b.quote.extra, h, 32) != 0)
		setc(vd, ATTV_BINDING, ATTV_FAIL,
		     "the quote's qualifying data is not SHA-256(nonce || SHA-256(report)): the nonce or the report changed after quoting");
	else
		setpass(v->terse, vd, ATTV_BINDING,
			"qualifying data = SHA-256(nonce || SHA-256(report))");

	if (cmd_eventlog_replay_with(v->replayer, b.eventlog.p, b.eventlog.len,
				     &v->replay, &e) != SDM_OK) {
		setc(vd, ATTV_EVENTLOG, ATTV_FAIL, "%s", e.msg);
		setc(vd, ATTV_PCR_DIGEST, ATTV_SKIP, "the event log does not replay");
		setc(vd, ATTV_EVENTS, ATTV_SKIP, "the event log does not replay");
	} else {
		bool sha256 = false;

		for (unsigned k = 0; k < v->replay.info.nbanks; k++)
			sha256 |= v->replay.info.banks[k].alg == EVLOG_ALG_SHA256;
		if (!sha256) {
			setc(vd, ATTV_EVENTLOG, ATTV_FAIL,
			     "the log has no sha256 bank");
		} else {
			log_ok = true;
			setpass(v->terse, vd, ATTV_EVENTLOG,
				"%u events replay; launch %s", v->replay.nevents,
				v->replay.launch_seen ?
				evlog_launch_name(v->replay.launch) :
				"not recorded");
		}
	}
	if (log_ok) {
		const struct att_quote *q = &b.quote;
		bool sel_ok = q->nsel == 1 && q->sel[0].hash == ATT_ALG_SHA256 &&
			      q->sel[0].size >= 3 && q->sel[0].select[0] == 0 &&
			      q->sel[0].select[1] == 0 &&
			      q->sel[0].select[2] == 0x1e &&
			      (q->sel[0].size < 4 || q->sel[0].select[3] == 0);

		replayed_pcrs(&v->replay, pcrs);
		if (!sel_ok || q->pcr_digest_size != 32) {
			setc(vd, ATTV_PCR_DIGEST, ATTV_FAIL,
			     "the quote does not select exactly sha256 PCRs 17-20");
		} else if (!vdigest(v, ATT_ALG_SHA256, pcrs, sizeof(pcrs), NULL,
				    0, h)) {
			setc(vd, ATTV_PCR_DIGEST, ATTV_FAIL, "OpenSSL digest failed");
		} else if (memcmp(h, q->pcr_digest, 32) != 0) {
			setc(vd, ATTV_PCR_DIGEST, ATTV_FAIL,
			     "PCRs 17-20 replayed from the log digest to %s.., the TPM quoted %s..: the log is not what was measured",
			     hexs(hex, 17, h, 8),
			     hexs(hex2, 17, q->pcr_digest, 8));
		} else {
			setpass(v->terse, vd, ATTV_PCR_DIGEST,
				"sha256 PCRs 17-20 from the log give the quoted digest %s..",
				hexs(hex, 17, h, 8));
		}
		check_events(v, b.eventlog.p, b.eventlog.len, &es, vd);
	}

	if (att_report_decode(b.report.p, b.report.len, &rep, &e) != SDM_OK) {
		setc(vd, ATTV_REPORT, ATTV_FAIL, "%s", e.msg);
		setc(vd, ATTV_ISOLATION, ATTV_SKIP, "the report does not parse");
	} else {
		report_ok = true;
	}
	if (report_ok) {
		check_report(v, &rep, &es, log_ok, vd);
		check_isolation(v, &rep, log_ok, vd);
	}
	for (unsigned c = 0; c < ATTV_NCHECKS; c++)
		fails += vd->c[c].result != ATTV_PASS;
	vd->trusted = fails == 0;
}

static void put_json(FILE *f, const char *s)
{
	put_quoted(f, s, true);
}

static const char *result_name(enum attv_result r, bool json)
{
	switch (r) {
	case ATTV_PASS: return json ? "pass" : "PASS";
	case ATTV_FAIL: return json ? "fail" : "FAIL";
	default: return json ? "skip" : "SKIP";
	}
}

void attv_print(FILE *f, const char *name, const struct attv_verdict *vd,
		bool json)
{
	unsigned fails = 0;

	if (json) {
		fprintf(f, "{\"bundle\": ");
		put_json(f, name);
		fprintf(f, ", \"trusted\": %s, \"checks\": [",
			vd->trusted ? "true" : "false");
		for (unsigned c = 0; c < ATTV_NCHECKS; c++) {
			fprintf(f, "%s{\"check\": \"%s\", \"result\": \"%s\", \"detail\": ",
				c ? ", " : "", check_names[c],
				result_name(vd->c[c].result, true));
			put_json(f, vd->c[c].detail);
			fputc('}', f);
		}
		fprintf(f, "]}");
		return;
	}
	fprintf(f, "# %s\n", name);
	for (unsigned c = 0; c < ATTV_NCHECKS; c++) {
		fprintf(f, "%-11s %s  %s\n", check_names[c],
			result_name(vd->c[c].result, false), vd->c[c].detail);
		fails += vd->c[c].result != ATTV_PASS;
	}
	if (vd->trusted)
		fprintf(f, "%-11s TRUSTED\n", "verdict");
	else
		fprintf(f, "%-11s NOT TRUSTED (%u check%s not passed)\n",
			"verdict", fails, fails == 1 ? "" : "s");
}

/* ---------------------------------------------------------------- verify */

static double now_s(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

static int name_cmp(const void *a, const void *b)
{
	return strcmp(*(char *const *)a, *(char *const *)b);
}

/* Batch mode reads bundles in chunks, so that s^-1 mod n of a chunk's
 * ECDSA signatures takes one modular inversion (attf_p256_invert). */
#define BATCH_CHUNK 64

struct batch_item {
	uint8_t nonce[ATT_NONCE_MAX];
	size_t nonce_len;
	bool nonce_ok;
	uint8_t *bundle; /* NULL when unread: err says why; else in buf */
	size_t blen;
	struct sdm_err err;
	const uint8_t *s; /* the signature's s, inside bundle */
	size_t s_len;
	uint8_t w[32];   /* s^-1 mod n when w_ok */
	bool w_ok;
	uint8_t *buf;    /* kept from chunk to chunk, grown as needed */
	size_t buf_cap;
};

/*
 * Reads DIR/name, opened relative to the directory's descriptor, into
 * *buf (grown to the file's size + 1, kept for the next file): the
 * checks and messages of attc_read_file (which names DIR/name) with
 * fewer system calls, since a read that returns what fstat said is left
 * is at the end of the file. At most cap bytes; a file that grew while
 * read is refused.
 */
static int batch_read_file(int dfd, const char *dir, const char *name,
			   size_t cap, uint8_t **buf, size_t *buf_cap,
			   size_t *len, struct sdm_err *err)
{
	struct stat st;
	size_t got = 0, want;
	int fd = openat(dfd, name, O_RDONLY | O_CLOEXEC), e;

	*len = 0;
	if (fd < 0) {
		e = errno;
		return sdm_err_set(err, SDM_ENOENT, "%s/%s: %s", dir, name,
				   strerror(e));
	}
	if (fstat(fd, &st) != 0 || !S_ISREG(st.st_mode)) {
		close(fd);
		return sdm_err_set(err, SDM_EINVAL, "%s/%s: not a regular file",
				   dir, name);
	}
	if ((uint64_t)st.st_size > cap) {
		close(fd);
		return sdm_err_set(err, SDM_ERANGE,
			"%s/%s: %lld bytes, at most %zu allowed", dir, name,
			(long long)st.st_size, cap);
	}
	/* One byte more than the file, to see whether it grew meanwhile. */
	want = (size_t)st.st_size + 1;
	if (want > *buf_cap) {
		uint8_t *more = realloc(*buf, want);

		if (more == NULL) {
			close(fd);
			return sdm_err_set(err, SDM_ENOMEM, "%s/%s: out of memory",
					   dir, name);
		}
		*buf = more;
		*buf_cap = want;
	}
	while (got < want) {
		ssize_t n = read(fd, *buf + got, want - got);

		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0) {
			e = errno;
			close(fd);
			return sdm_err_set(err, SDM_EIO, "%s/%s: read error: %s",
					   dir, name, strerror(e));
		}
		if (n == 0)
			break;
		got += (size_t)n;
		/* Short of what was asked, with all fstat counted: at EOF. */
		if (got == (size_t)st.st_size)
			break;
	}
	close(fd);
	if (got != (size_t)st.st_size)
		return sdm_err_set(err, SDM_EIO, "%s/%s: changed while read",
				   dir, name);
	*len = got;
	return SDM_OK;
}

/* DIR/X.nonce: hex, whitespace around it allowed; the whole file in
 * at most sizeof(buf) - 1 bytes. */
static bool batch_read_nonce(int dfd, const char *dir, const char *name,
			     uint8_t *nonce, size_t *len)
{
	char buf[2 * ATT_NONCE_MAX + 8];
	uint8_t *p = (uint8_t *)buf;
	size_t cap = sizeof(buf), n = 0, s = 0;
	struct sdm_err e = { 0 };

	if (batch_read_file(dfd, dir, name, sizeof(buf) - 1, &p, &cap, &n,
			    &e) != SDM_OK)
		return false;
	buf[n] = '\0';
	while (n > 0 && (buf[n - 1] == '\n' || buf[n - 1] == ' ' ||
			 buf[n - 1] == '\r' || buf[n - 1] == '\t'))
		buf[--n] = '\0';
	while (buf[s] == ' ' || buf[s] == '\t')
		s++;
	return attc_unhex(buf + s, nonce, ATT_NONCE_MAX, len) &&
	       *len >= ATT_NONCE_MIN;
}

static void batch_read(struct attv *v, int dfd, const char *dir,
		       char *const *names, size_t m, struct batch_item *items)
{
	const uint8_t *sp[BATCH_CHUNK];
	size_t sl[BATCH_CHUNK], idx[BATCH_CHUNK], k = 0;
	uint8_t w[BATCH_CHUNK][32];
	bool ok[BATCH_CHUNK];
	char name[NAME_MAX + 8];

	for (size_t j = 0; j < m; j++) {
		struct batch_item *it = &items[j];
		size_t l = strlen(names[j]);
		struct att_bundle b;
		struct sdm_err e = { 0 };
		uint8_t *buf = it->buf;
		size_t buf_cap = it->buf_cap;

		memset(it, 0, sizeof(*it));
		it->buf = buf;
		it->buf_cap = buf_cap;
		snprintf(name, sizeof(name), "%.*s.nonce", (int)(l - 7),
			 names[j]);
		it->nonce_ok = batch_read_nonce(dfd, dir, name, it->nonce,
						&it->nonce_len);
		if (!it->nonce_ok)
			continue;
		if (batch_read_file(dfd, dir, names[j], ATT_MAX_FILE, &it->buf,
				    &it->buf_cap, &it->blen, &it->err) != SDM_OK)
			continue;
		it->bundle = it->buf;
		if (v->fast != NULL &&
		    att_bundle_parse(it->bundle, it->blen, &b, &e) == SDM_OK &&
		    b.sig.alg == ATT_ALG_ECDSA) {
			it->s = b.sig.s;
			it->s_len = b.sig.s_size;
			sp[k] = it->s;
			sl[k] = it->s_len;
			idx[k++] = j;
		}
	}
	if (k == 0 || !attf_p256_invert(v->fast, sp, sl, k, w, ok))
		return;
	for (size_t i = 0; i < k; i++) {
		items[idx[i]].w_ok = ok[i];
		memcpy(items[idx[i]].w, w[i], 32);
	}
}

static int verify_batch(struct attv *v, const char *dir, bool json)
{
	DIR *d = opendir(dir);
	struct dirent *de;
	char **names = NULL, path[4096];
	size_t n = 0, cap = 0;
	unsigned trusted = 0, bad = 0;
	double t0, t;
	struct attv_verdict vd;
	struct batch_item *items = NULL;

	if (d == NULL) {
		fprintf(stderr, "sdm attest verify: %s: %s\n", dir, strerror(errno));
		return SDM_EXIT_FAILURE;
	}
	while ((de = readdir(d)) != NULL) {
		size_t l = strlen(de->d_name);

		if (l <= 7 || strcmp(de->d_name + l - 7, ".bundle") != 0)
			continue;
		if (n == cap) {
			char **more = realloc(names, (cap = cap ? 2 * cap : 64) *
						     sizeof(*names));

			if (more == NULL)
				break;
			names = more;
		}
		names[n] = strdup(de->d_name);
		if (names[n] != NULL)
			n++;
	}
	if (n == 0) {
		fprintf(stderr, "sdm attest verify: %s has no *.bundle files\n", dir);
		closedir(d);
		free(names);
		return SDM_EXIT_FAILURE;
	}
	qsort(names, n, sizeof(*names), name_cmp);
	/* Text mode prints a failed check's detail, never a passed one's. */
	v->terse = !json;
	items = calloc(BATCH_CHUNK, sizeof(*items));
	if (items == NULL) {
		fprintf(stderr, "sdm attest verify: out of memory\n");
		bad = (unsigned)n;
		goto out;
	}
	t0 = now_s();
	for (size_t i = 0; i < n; i++) {
		struct batch_item *it = &items[i % BATCH_CHUNK];
		size_t l = strlen(names[i]);

		if (i % BATCH_CHUNK == 0)
			batch_read(v, dirfd(d), dir, names + i,
				   n - i < BATCH_CHUNK ? n - i : BATCH_CHUNK,
				   items);
		if (!it->nonce_ok) {
			snprintf(path, sizeof(path), "%s/%.*s.nonce", dir,
				 (int)(l - 7), names[i]);
			memset(&vd, 0, sizeof(vd));
			setc(&vd, ATTV_NONCE, ATTV_FAIL,
			     "%s: missing or not 8-64 bytes of hex", path);
		} else if (it->bundle == NULL) {
			memset(&vd, 0, sizeof(vd));
			setc(&vd, ATTV_BUNDLE, ATTV_FAIL, "%s", it->err.msg);
		} else {
			v->hint_s = it->s;
			v->hint_s_len = it->s_len;
			v->hint_w = it->w_ok ? it->w : NULL;
			attv_verify(v, it->bundle, it->blen, it->nonce,
				    it->nonce_len, &vd);
			v->hint_w = NULL;
		}
		if (vd.trusted)
			trusted++;
		else
			bad++;
		if (json) {
			attv_print(stdout, names[i], &vd, true);
			fputc('\n', stdout);
		} else if (vd.trusted) {
			printf("%s: TRUSTED\n", names[i]);
		} else {
			for (unsigned c = 0; c < ATTV_NCHECKS; c++)
				if (vd.c[c].result == ATTV_FAIL) {
					printf("%s: NOT TRUSTED: %s: %s\n",
					       names[i], check_names[c],
					       vd.c[c].detail);
					break;
				}
		}
	}
	t = now_s() - t0;
	fprintf(json ? stderr : stdout,
		"# %zu bundles: %u trusted, %u not trusted; %.3f s, %.0f verifications/s on one core\n",
		n, trusted, bad, t, t > 0 ? (double)n / t : 0.0);
out:
	for (size_t j = 0; items != NULL && j < BATCH_CHUNK; j++)
		free(items[j].buf);
	free(items);
	closedir(d);
	for (size_t i = 0; i < n; i++)
		free(names[i]);
	free(names);
	return bad == 0 ? SDM_EXIT_OK : SDM_EXIT_FAILURE;
}

static int cmd_verify(int argc, char **argv)
{
	const char *enr = NULL, *ref = NULL, *nonce_hex = NULL, *batch = NULL;
	const char *bundle = NULL;
	bool json = false;
	uint8_t *enr_buf = NULL, *ref_buf = NULL, *bbuf = NULL;
	size_t enr_len = 0, ref_len = 0, blen = 0, nonce_len = 0;
	uint8_t nonce[ATT_NONCE_MAX];
	struct sdm_err err = { 0 };
	struct attv *v = NULL;
	struct attv_verdict vd;
	int rc = SDM_EXIT_FAILURE;

	for (int i = 1; i < argc; i++) {
		const char *a = argv[i], *val = i + 1 < argc ? argv[i + 1] : NULL;
		const char **slot = NULL;

		if (strcmp(a, "--help") == 0 || strcmp(a, "-h") == 0) {
			fputs(ATTEST_USAGE, stdout);
			return SDM_EXIT_OK;
		} else if (strcmp(a, "--json") == 0) {
			json = true;
			continue;
		} else if (a[0] != '-' && bundle == NULL) {
			bundle = a;
			continue;
		}
		if (strcmp(a, "--enrolment") == 0)
			slot = &enr;
		else if (strcmp(a, "--reference") == 0)
			slot = &ref;
		else if (strcmp(a, "--nonce") == 0)
			slot = &nonce_hex;
		else if (strcmp(a, "--batch") == 0)
			slot = &batch;
		if (slot == NULL || val == NULL || *slot != NULL) {
			fprintf(stderr, "sdm attest verify: unexpected '%s'\n", a);
			goto usage;
		}
		*slot = val;
		i++;
	}
	if (enr == NULL || ref == NULL ||
	    (batch == NULL) == (bundle == NULL) ||
	    (batch != NULL && nonce_hex != NULL) ||
	    (bundle != NULL && nonce_hex == NULL))
		goto usage;
	if (nonce_hex != NULL &&
	    (!attc_unhex(nonce_hex, nonce, sizeof(nonce), &nonce_len) ||
	     nonce_len < ATT_NONCE_MIN)) {
		fprintf(stderr, "sdm attest verify: --nonce: %d-%d bytes in hex\n",
			ATT_NONCE_MIN, ATT_NONCE_MAX);
		return SDM_EXIT_USAGE;
	}
	if (attc_read_file(enr, ATT_MAX_FILE, &enr_buf, &enr_len, &err) != SDM_OK ||
	    attc_read_file(ref, REF_FILE_MAX, &ref_buf, &ref_len, &err) != SDM_OK)
		goto fail;
	if (attv_new(enr_buf, enr_len, enr, (const char *)ref_buf, ref_len,
		     ref, &v, &err) != SDM_OK)
		goto fail;
	if (batch != NULL) {
		rc = verify_batch(v, batch, json);
		goto out;
	}
	if (attc_read_file(bundle, ATT_MAX_FILE, &bbuf, &blen, &err) != SDM_OK)
		goto fail;
	attv_verify(v, bbuf, blen, nonce, nonce_len, &vd);
	attv_print(stdout, bundle, &vd, json);
	if (json)
		fputc('\n', stdout);
	rc = vd.trusted ? SDM_EXIT_OK : SDM_EXIT_FAILURE;
	goto out;
usage:
	fputs(ATTEST_USAGE, stderr);
	return SDM_EXIT_USAGE;
fail:
	fprintf(stderr, "sdm attest verify: %s\n", err.msg);
out:
	attv_free(v);
	free(enr_buf);
	free(ref_buf);
	free(bbuf);
	return rc;
}

/* ---------------------------------------------------------------- show */

/* Fields printed as "key: value" lines or as one JSON object. */
struct out {
	FILE *f;
	bool json;
	bool first;
};

static void out_kv(struct out *o, const char *key, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));
static void out_kv(struct out *o, const char *key, const char *fmt, ...)
{
	char v[512];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(v, sizeof(v), fmt, ap);
	va_end(ap);
	if (o->json) {
		fprintf(o->f, "%s", o->first ? "{" : ", ");
		put_json(o->f, key);
		fprintf(o->f, ": ");
		put_json(o->f, v);
	} else {
		fprintf(o->f, "%-22s %s\n", key, v);
	}
	o->first = false;
}

static void show_public(struct out *o, const char *what,
			const struct att_span *s)
{
	struct att_public p;
	struct sdm_err e;
	uint8_t name[ATT_MAX_NAME];
	size_t nl;
	char key[40], hex[160];

	snprintf(key, sizeof(key), "%s", what);
	if (att_public_parse(s->p, s->len, &p, &e) != SDM_OK) {
		out_kv(o, key, "malformed: %s", e.msg);
		return;
	}
	attc_name(s->p, s->len, name, &nl, NULL);
	out_kv(o, key, "%s%s, attributes 0x%08x, name %s",
	       p.type == ATT_ALG_RSA ? "RSA-" : "ECC ",
	       p.type == ATT_ALG_RSA ? (p.rsa_bits == 2048 ? "2048" : "other") :
	       p.curve == ATT_ECC_NIST_P256 ? "P-256" : "other curve",
	       p.attributes, hexs(hex, sizeof(hex), name, nl));
}

static void show_report(struct out *o, const struct att_report *r)
{
	out_kv(o, "launch", "%s", evlog_launch_name(
		       (enum sdm_launch_kind)r->launch_kind));
	out_kv(o, "iommu", "%s%s", att_iommu_name(r->iommu),
	       r->flags & ATT_RF_IOMMU_DMA ? ", DMA remapping on" : "");
	out_kv(o, "isolation", "EPT %s, interrupt remapping %s, normal domain TPM %s",
	       r->flags & ATT_RF_EPT ? "on" : "OFF",
	       r->flags & ATT_RF_IOMMU_INTR ? "on" : "off",
	       r->flags & ATT_RF_TPM_LOC0 ? "locality 0 only" : "unrestricted");
	out_kv(o, "cpus", "%u", r->ncpus);
	out_kv(o, "report seq", "%llu", (unsigned long long)r->seq);
	if (r->requester != 0)
		out_kv(o, "requester", "'%s' (domain %u)",
		       r->dom[r->requester - 1].name, r->requester - 1);
	else
		out_kv(o, "requester", "none (not a domain)");
	for (unsigned i = 0; i < r->ndomains; i++) {
		const struct att_domain *d = &r->dom[i];
		char key[48], v[400], hex[24];
		int n;

		snprintf(key, sizeof(key), "domain %u", i);
		n = snprintf(v, sizeof(v),
			     "'%s' %s %s, %llu KiB in %u ranges, CPUs 0x%llx, %llu exits, %u restarts, %u images",
			     d->name, att_domain_kind_name(d->kind),
			     att_domain_state_name(d->state),
			     (unsigned long long)(d->mem_bytes >> 10),
			     d->mem_ranges, (unsigned long long)d->cpu_mask,
			     (unsigned long long)d->exits, d->restarts,
			     d->nimages);
		for (unsigned k = 0; k < d->nimages && n > 0 &&
				     (size_t)n < sizeof(v); k++)
			n += snprintf(v + n, sizeof(v) - (size_t)n,
				      " %s=%s..", d->images[k].module,
				      hexs(hex, sizeof(hex), d->images[k].sha256, 8));
		out_kv(o, key, "%s", v);
	}
}

static int cmd_show(int argc, char **argv)
{
	const char *path = NULL;
	struct out o = { stdout, false, true };
	struct sdm_err e = { 0 };
	uint8_t *buf = NULL;
	size_t len = 0;
	char hex[160];
	int rc = SDM_EXIT_FAILURE;

	for (int i = 1; i < argc; i++) {
		if (strcmp(argv[i], "--json") == 0)
			o.json = true;
		else if (argv[i][0] != '-' && path == NULL)
			path = argv[i];
		else {
			fputs(ATTEST_USAGE, stderr);
			return SDM_EXIT_USAGE;
		}
	}
	if (path == NULL) {
		fputs(ATTEST_USAGE, stderr);
		return SDM_EXIT_USAGE;
	}
	if (attc_read_file(path, ATT_MAX_FILE, &buf, &len, &e) != SDM_OK) {
		fprintf(stderr, "sdm attest show: %s\n", e.msg);
		return SDM_EXIT_FAILURE;
	}
	if (len >= 4 && buf[0] == 'S' && buf[1] == 'D' && buf[2] == 'M' &&
	    buf[3] == 'R') {
		struct att_report *r = malloc(sizeof(*r));

		if (r != NULL && att_report_decode(buf, len, r, &e) == SDM_OK) {
			out_kv(&o, "file", "%s: domain report", path);
			show_report(&o, r);
			rc = SDM_EXIT_OK;
		} else {
			fprintf(stderr, "sdm attest show: %s: %s\n", path,
				r == NULL ? "out of memory" : e.msg);
		}
		free(r);
		goto out;
	}
	{
		struct att_container c;

		if (att_container_parse(buf, len, 0, &c, &e) != SDM_OK) {
			fprintf(stderr, "sdm attest show: %s: %s\n", path, e.msg);
			goto out;
		}
		out_kv(&o, "file", "%s: %s", path, att_kind_name(c.kind));
		if (c.kind == ATT_KIND_BUNDLE) {
			struct att_bundle b;
			struct att_report *r = malloc(sizeof(*r));

			if (r == NULL || att_bundle_parse(buf, len, &b, &e) != SDM_OK) {
				fprintf(stderr, "sdm attest show: %s: %s\n", path,
					r == NULL ? "out of memory" : e.msg);
				free(r);
				goto out;
			}
			out_kv(&o, "nonce", "%s", hexs(hex, sizeof(hex), b.nonce.p,
							b.nonce.len));
			out_kv(&o, "signer", "%s", hexs(hex, sizeof(hex),
				b.quote.signer, b.quote.signer_size));
			out_kv(&o, "qualifying data", "%s", hexs(hex, sizeof(hex),
				b.quote.extra, b.quote.extra_size));
			out_kv(&o, "clock", "%llu ms, resets %u, restarts %u, safe %u",
			       (unsigned long long)b.quote.clock,
			       b.quote.reset_count, b.quote.restart_count,
			       b.quote.safe);
			out_kv(&o, "pcr digest", "%s", hexs(hex, sizeof(hex),
				b.quote.pcr_digest, b.quote.pcr_digest_size));
			out_kv(&o, "signature", "%s/%s",
			       b.sig.alg == ATT_ALG_ECDSA ? "ECDSA" :
			       b.sig.alg == ATT_ALG_RSASSA ? "RSASSA" : "RSAPSS",
			       hash_name(b.sig.hash));
			out_kv(&o, "event log", "%u bytes", b.eventlog.len);
			if (att_report_decode(b.report.p, b.report.len, r, &e) ==
			    SDM_OK)
				show_report(&o, r);
			else
				out_kv(&o, "report", "malformed: %s", e.msg);
			free(r);
		} else if (c.kind == ATT_KIND_ENROL_REQUEST) {
			show_public(&o, "EK", &c.rec[ATT_T_REQ_EK_PUBLIC]);
			show_public(&o, "AK", &c.rec[ATT_T_REQ_AK_PUBLIC]);
			out_kv(&o, "EK certificate", "%s",
			       c.rec[ATT_T_REQ_EK_CERT].present ? "present" : "none");
		} else if (c.kind == ATT_KIND_ENROLMENT) {
			struct att_enrol_info info;

			show_public(&o, "AK", &c.rec[ATT_T_ENR_AK_PUBLIC]);
			show_public(&o, "EK", &c.rec[ATT_T_ENR_EK_PUBLIC]);
			if (att_enrol_info_decode(&c.rec[ATT_T_ENR_INFO], &info,
						  &e) == SDM_OK) {
				out_kv(&o, "EK certificate", "%s",
				       info.ek_cert == ATT_EK_CERT_VERIFIED ?
				       "verified against a CA" :
				       info.ek_cert == ATT_EK_CERT_UNCHECKED ?
				       "present, not checked" : "none");
				out_kv(&o, "AK locality", "%s",
				       info.ak_locality ? "bound by policy" : "any");
			}
		} else if (c.kind == ATT_KIND_CHALLENGE) {
			out_kv(&o, "EK name", "%s", hexs(hex, sizeof(hex),
				c.rec[ATT_T_CHAL_EK_NAME].p,
				c.rec[ATT_T_CHAL_EK_NAME].len));
			out_kv(&o, "AK name", "%s", hexs(hex, sizeof(hex),
				c.rec[ATT_T_CHAL_AK_NAME].p,
				c.rec[ATT_T_CHAL_AK_NAME].len));
		} else {
			out_kv(&o, "records", "%s", "(not shown)");
		}
		rc = SDM_EXIT_OK;
	}
out:
	if (o.json && rc == SDM_EXIT_OK)
		printf("}\n");
	free(buf);
	return rc;
}

/* ---------------------------------------------------------------- command */

int sdm_cmd_attest(int argc, char **argv)
{
	const char *sub = argc >= 2 ? argv[1] : "";

	if (strcmp(sub, "enrol") == 0)
		return cmd_enrol(argc - 1, argv + 1);
	if (strcmp(sub, "reference") == 0)
		return cmd_reference(argc - 1, argv + 1);
	if (strcmp(sub, "quote") == 0)
		return sdm_cmd_attest_quote(argc - 1, argv + 1);
	if (strcmp(sub, "verify") == 0)
		return cmd_verify(argc - 1, argv + 1);
	if (strcmp(sub, "show") == 0)
		return cmd_show(argc - 1, argv + 1);
	if (strcmp(sub, "nonce") == 0 && argc == 2) {
		uint8_t n[32];

		if (RAND_bytes(n, sizeof(n)) != 1) {
			fprintf(stderr, "sdm attest nonce: no random bytes\n");
			return SDM_EXIT_FAILURE;
		}
		attc_hex(stdout, n, sizeof(n));
		printf("\n");
		return SDM_EXIT_OK;
	}
	if (strcmp(sub, "--help") == 0 || strcmp(sub, "-h") == 0) {
		fputs(ATTEST_USAGE, stdout);
		return SDM_EXIT_OK;
	}
	fputs(ATTEST_USAGE, stderr);
	return SDM_EXIT_USAGE;
}
