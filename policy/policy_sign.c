/* Policy keys and signatures with OpenSSL 3 (policy_sign.h). */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <openssl/core_names.h>
#include <openssl/ec.h>
#include <openssl/err.h>
#include <openssl/pem.h>
#include <openssl/rsa.h>
#include <openssl/x509.h>

#include "policy/policy_encode.h"
#include "policy/policy_sign.h"

/* err = "what: OpenSSL's last error" */
static int ossl_fail(struct sdm_err *err, const char *what)
{
	char buf[120];
	unsigned long e = ERR_peek_last_error();

	if (e != 0)
		ERR_error_string_n(e, buf, sizeof(buf));
	else
		snprintf(buf, sizeof(buf), "no detail");
	ERR_clear_error();
	return sdm_err_set(err, SDM_EIO, "%s: %s", what, buf);
}

void policy_pub_path(const char *pem_path, char *out, size_t len)
{
	size_t n = strlen(pem_path);

	if (n > 4 && strcmp(pem_path + n - 4, ".pem") == 0)
		n -= 4;
	snprintf(out, len, "%.*s.pub.der", (int)n, pem_path);
}

void policy_anchor_of(const uint8_t *spki, size_t len,
		      uint8_t anchor[SDM_POL_ANCHOR_LEN])
{
	unsigned int n = SDM_POL_ANCHOR_LEN;

	if (EVP_Digest(spki, len, anchor, &n, EVP_sha384(), NULL) != 1)
		memset(anchor, 0, SDM_POL_ANCHOR_LEN);
}

int policy_key_spki(EVP_PKEY *key, uint8_t **der, size_t *len,
		    struct sdm_err *err)
{
	unsigned char *p = NULL;
	int n = i2d_PUBKEY(key, &p);

	if (n <= 0)
		return ossl_fail(err, "public key");
	*der = p;
	*len = (size_t)n;
	return SDM_OK;
}

/* Creates path with mode (refusing an existing file unless force). */
static FILE *create(const char *path, int mode, bool force,
		    struct sdm_err *err)
{
	int fd = open(path, O_WRONLY | O_CREAT | O_CLOEXEC |
			    (force ? O_TRUNC : O_EXCL), mode);
	FILE *f;

	if (fd < 0) {
		sdm_err_set(err, SDM_EIO, "%s: %s%s", path, strerror(errno),
			    errno == EEXIST ? " (keygen never overwrites a key; use --force)" : "");
		return NULL;
	}
	if (force && fchmod(fd, (mode_t)mode) != 0) {
		sdm_err_set(err, SDM_EIO, "%s: %s", path, strerror(errno));
		close(fd);
		return NULL;
	}
	f = fdopen(fd, "wb");
	if (f == NULL) {
		sdm_err_set(err, SDM_EIO, "%s: %s", path, strerror(errno));
		close(fd);
	}
	return f;
}

int policy_keygen(bool rsa3072, const char *pem_path, const char *pub_path,
		  bool force, uint8_t anchor[SDM_POL_ANCHOR_LEN],
		  struct sdm_err *err)
{
	EVP_PKEY *key = rsa3072 ? EVP_PKEY_Q_keygen(NULL, NULL, "RSA",
						    (size_t)3072)
				: EVP_PKEY_Q_keygen(NULL, NULL, "EC", "P-384");
	uint8_t *der = NULL;
	size_t len = 0;
	FILE *f = NULL;
	int rc;

	if (key == NULL)
		return ossl_fail(err, "key generation");
	rc = policy_key_spki(key, &der, &len, err);
	if (rc != SDM_OK)
		goto out;
	f = create(pem_path, 0600, force, err);
	if (f == NULL) {
		rc = SDM_EIO;
		goto out;
	}
	if (PEM_write_PrivateKey(f, key, NULL, NULL, 0, NULL, NULL) != 1) {
		rc = ossl_fail(err, pem_path);
		fclose(f);
		goto out;
	}
	if (fclose(f) != 0) {
		rc = sdm_err_set(err, SDM_EIO, "%s: %s", pem_path,
				 strerror(errno));
		goto out;
	}
	f = create(pub_path, 0644, force, err);
	if (f == NULL) {
		rc = SDM_EIO;
		goto out;
	}
	if (fwrite(der, 1, len, f) != len) {
		rc = sdm_err_set(err, SDM_EIO, "%s: write error", pub_path);
		fclose(f);
		goto out;
	}
	if (fclose(f) != 0) {
		rc = sdm_err_set(err, SDM_EIO, "%s: %s", pub_path,
				 strerror(errno));
		goto out;
	}
	policy_anchor_of(der, len, anchor);
out:
	OPENSSL_free(der);
	EVP_PKEY_free(key);
	return rc;
}

int policy_key_load(const char *pem_path, EVP_PKEY **out, struct sdm_err *err)
{
	FILE *f = fopen(pem_path, "rb");
	EVP_PKEY *key;
	char group[32] = "";

	*out = NULL;
	if (f == NULL)
		return sdm_err_set(err, SDM_ENOENT, "%s: %s", pem_path,
				   strerror(errno));
	key = PEM_read_PrivateKey(f, NULL, NULL, NULL);
	fclose(f);
	if (key == NULL)
		return ossl_fail(err, pem_path);
	if (EVP_PKEY_is_a(key, "EC") &&
	    EVP_PKEY_get_utf8_string_param(key, OSSL_PKEY_PARAM_GROUP_NAME,
					   group, sizeof(group), NULL) == 1 &&
	    strcmp(group, "secp384r1") == 0) {
		*out = key;
		return SDM_OK;
	}
	if (EVP_PKEY_is_a(key, "RSA") && EVP_PKEY_get_bits(key) == 3072) {
		*out = key;
		return SDM_OK;
	}
	sdm_err_set(err, SDM_EINVAL,
		    "%s: a %s key of %d bits%s%s; a policy signer is ECDSA P-384 or RSA-3072",
		    pem_path, EVP_PKEY_get0_type_name(key),
		    EVP_PKEY_get_bits(key), group[0] ? " on " : "", group);
	EVP_PKEY_free(key);
	return SDM_EINVAL;
}

/* Sign tbs; the signature in the blob's form (ECDSA: r || s). */
static int sign_bytes(EVP_PKEY *key, unsigned alg, const uint8_t *tbs,
		      size_t len, uint8_t *sig, size_t sig_size,
		      struct sdm_err *err)
{
	EVP_MD_CTX *mc = EVP_MD_CTX_new();
	EVP_PKEY_CTX *pc = NULL;
	unsigned char *der = NULL;
	size_t dlen = 0;
	ECDSA_SIG *es = NULL;
	int rc = SDM_EIO;

	if (mc == NULL || EVP_DigestSignInit(mc, &pc, EVP_sha384(), NULL, key) != 1)
		goto ossl;
	if (alg == SDM_POL_SIG_RSA3072_PSS &&
	    (EVP_PKEY_CTX_set_rsa_padding(pc, RSA_PKCS1_PSS_PADDING) != 1 ||
	     EVP_PKEY_CTX_set_rsa_pss_saltlen(pc, RSA_PSS_SALTLEN_DIGEST) != 1 ||
	     EVP_PKEY_CTX_set_rsa_mgf1_md(pc, EVP_sha384()) != 1))
		goto ossl;
	if (alg == SDM_POL_SIG_RSA3072_PKCS1 &&
	    EVP_PKEY_CTX_set_rsa_padding(pc, RSA_PKCS1_PADDING) != 1)
		goto ossl;
	if (EVP_DigestSign(mc, NULL, &dlen, tbs, len) != 1)
		goto ossl;
	der = OPENSSL_malloc(dlen);
	if (der == NULL || EVP_DigestSign(mc, der, &dlen, tbs, len) != 1)
		goto ossl;
	if (alg == SDM_POL_SIG_ECDSA_P384) {
		const unsigned char *p = der;
		const BIGNUM *r, *s;

		es = d2i_ECDSA_SIG(NULL, &p, (long)dlen);
		if (es == NULL)
			goto ossl;
		ECDSA_SIG_get0(es, &r, &s);
		if (BN_bn2binpad(r, sig, (int)sig_size / 2) < 0 ||
		    BN_bn2binpad(s, sig + sig_size / 2, (int)sig_size / 2) < 0)
			goto ossl;
	} else {
		if (dlen != sig_size) {
			rc = sdm_err_set(err, SDM_EIO,
					 "signing: %zu-byte signature, want %zu",
					 dlen, sig_size);
			goto out;
		}
		memcpy(sig, der, dlen);
	}
	rc = SDM_OK;
	goto out;
ossl:
	rc = ossl_fail(err, "signing");
out:
	ECDSA_SIG_free(es);
	OPENSSL_free(der);
	EVP_MD_CTX_free(mc);
	return rc;
}

int policy_sign(const struct sdm_policy *p, EVP_PKEY *key, bool pkcs1,
		uint8_t **blob, size_t *len, struct sdm_err *err)
{
	unsigned alg = EVP_PKEY_is_a(key, "RSA")
			       ? (pkcs1 ? SDM_POL_SIG_RSA3072_PKCS1
					: SDM_POL_SIG_RSA3072_PSS)
			       : SDM_POL_SIG_ECDSA_P384;
	uint8_t anchor[SDM_POL_ANCHOR_LEN];
	struct sdm_policy *check = NULL;
	uint8_t *spki = NULL, *buf = NULL;
	size_t spki_len = 0, total = 0, signed_len = 0;
	int rc;

	*blob = NULL;
	*len = 0;
	rc = policy_key_spki(key, &spki, &spki_len, err);
	if (rc != SDM_OK)
		return rc;
	/* First call sizes the blob (SDM_ENOSPC with total set). */
	rc = sdm_policy_encode(p, spki, spki_len, alg, NULL, 0, &total,
			       &signed_len, err);
	if (rc != SDM_ENOSPC)
		goto out;
	buf = malloc(total);
	check = malloc(sizeof(*check));
	if (buf == NULL || check == NULL) {
		rc = sdm_err_set(err, SDM_ENOMEM, "out of memory");
		goto out;
	}
	rc = sdm_policy_encode(p, spki, spki_len, alg, buf, total, &total,
			       &signed_len, err);
	if (rc == SDM_OK)
		rc = sign_bytes(key, alg, buf, signed_len, buf + signed_len,
				sdm_pol_sig_size(alg), err);
	if (rc != SDM_OK)
		goto out;
	policy_anchor_of(spki, spki_len, anchor);
	rc = sdm_policy_verify(buf, total, anchor, check, err);
	if (rc != SDM_OK)
		goto out;
	*blob = buf;
	*len = total;
	buf = NULL;
out:
	free(check);
	free(buf);
	OPENSSL_free(spki);
	return rc;
}
