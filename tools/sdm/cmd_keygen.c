/*
 * sdm keygen: make a policy signing key. KEY.pem is the private key
 * (PKCS#8 PEM, mode 0600), KEY.pub.der the public key (DER
 * SubjectPublicKeyInfo) whose SHA-384 is the trust anchor sinit embeds.
 */
#include <stdbool.h>
#include <stdio.h>
#include <string.h>

#include "policy/policy_sign.h"
#include "policy_cmds.h"
#include "sdm.h"

#define KEYGEN_USAGE \
	"usage: sdm keygen [--rsa3072] [--force] --out KEY.pem\n" \
	"\n" \
	"Makes a policy signing key: KEY.pem (private, PKCS#8 PEM, mode 0600)\n" \
	"and KEY.pub.der (public, DER SubjectPublicKeyInfo), and prints the\n" \
	"trust anchor: SHA-384 of KEY.pub.der.\n" \
	"\n" \
	"  --out KEY.pem   where to write (KEY.pub.der goes next to it)\n" \
	"  --rsa3072       an RSA-3072 key (default: ECDSA P-384)\n" \
	"  --force         overwrite existing files (default: refuse)\n" \
	"\n" \
	"Exit status: 0 done, 1 failure, 2 usage error.\n"

int sdm_cmd_keygen(int argc, char **argv)
{
	const char *out = NULL;
	bool rsa = false, force = false;
	uint8_t anchor[SDM_POL_ANCHOR_LEN];
	struct sdm_err err = { 0 };
	char pub[4096];

	for (int i = 1; i < argc; i++) {
		const char *a = argv[i];

		if (strcmp(a, "--help") == 0 || strcmp(a, "-h") == 0) {
			fputs(KEYGEN_USAGE, stdout);
			return SDM_EXIT_OK;
		} else if (strcmp(a, "--rsa3072") == 0) {
			rsa = true;
		} else if (strcmp(a, "--force") == 0) {
			force = true;
		} else if (strcmp(a, "--out") == 0 && i + 1 < argc && out == NULL) {
			out = argv[++i];
		} else {
			fprintf(stderr, "sdm keygen: unexpected argument '%s'\n", a);
			goto usage;
		}
	}
	if (out == NULL)
		goto usage;
	policy_pub_path(out, pub, sizeof(pub));
	if (policy_keygen(rsa, out, pub, force, anchor, &err) != SDM_OK) {
		fprintf(stderr, "sdm keygen: %s\n", err.msg);
		return SDM_EXIT_FAILURE;
	}
	printf("sdm keygen: wrote %s (%s private key: keep it secret) and %s\n"
	       "trust anchor (SHA-384 of %s): ",
	       out, rsa ? "RSA-3072" : "ECDSA P-384", pub, pub);
	for (size_t i = 0; i < sizeof(anchor); i++)
		printf("%02x", anchor[i]);
	printf("\n");
	return SDM_EXIT_OK;
usage:
	fputs(KEYGEN_USAGE, stderr);
	return SDM_EXIT_USAGE;
}
