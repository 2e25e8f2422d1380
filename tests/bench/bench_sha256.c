/*
 * SHA-256 benchmark: the code sinit measures images with (the freestanding
 * objects of crypto/ and mbedTLS built for sinit, linked here unchanged)
 * against OpenSSL's SHA-256 on the same 32 MiB, in one run.
 *
 *   bench_sha256 [RUNS]      (default 9; best run of each is reported)
 *
 * Prints plain lines: the path taken, MB/s (10^6 bytes per second) for
 * ours, OpenSSL and our portable path, the ratio ours/OpenSSL (goal >= 0.8)
 * and the time to hash a 32 MiB image. Exits 1 if the digests differ.
 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <openssl/evp.h>

#include "crypto/crypto.h"

#define IMAGE (32u << 20)

static double now(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec * 1e-9;
}

static void ours(const uint8_t *p, size_t n, enum crypto_sha256_impl impl,
		 uint8_t out[32])
{
	struct crypto_sha256 c;

	if (crypto_sha256_init_impl(&c, impl) != SDM_OK) {
		fprintf(stderr, "bench_sha256: %s unavailable\n",
			crypto_sha256_impl_name(impl));
		exit(2);
	}
	crypto_sha256_update(&c, p, n);
	crypto_sha256_final(&c, out);
}

static void openssl(const EVP_MD *md, const uint8_t *p, size_t n,
		    uint8_t out[32])
{
	unsigned int len = 0;

	if (EVP_Digest(p, n, out, &len, md, NULL) != 1 || len != 32) {
		fprintf(stderr, "bench_sha256: EVP_Digest failed\n");
		exit(2);
	}
}

int main(int argc, char **argv)
{
	int runs = argc > 1 ? atoi(argv[1]) : 9;
	double best_ours = 1e9, best_ossl = 1e9, best_port = 1e9;
	uint8_t d_ours[32], d_ossl[32], d_port[32];
	enum crypto_sha256_impl path;
	EVP_MD *md = EVP_MD_fetch(NULL, "SHA256", NULL);
	uint8_t *img = malloc(IMAGE);
	uint64_t x = 0x2545f4914f6cdd1dull;

	if (md == NULL || img == NULL || runs < 1) {
		fprintf(stderr, "usage: bench_sha256 [RUNS >= 1]\n");
		return 2;
	}
	for (size_t i = 0; i < IMAGE; i++) {
		x ^= x << 13;
		x ^= x >> 7;
		x ^= x << 17;
		img[i] = (uint8_t)x;
	}
	/* As sinit does once CR4.OSFXSR is set. */
	crypto_sha256_set_simd(true);
	path = crypto_sha256_auto_impl();

	for (int r = 0; r < runs; r++) {
		double t;

		t = now();
		ours(img, IMAGE, CRYPTO_SHA256_AUTO, d_ours);
		t = now() - t;
		if (t < best_ours)
			best_ours = t;
		t = now();
		openssl(md, img, IMAGE, d_ossl);
		t = now() - t;
		if (t < best_ossl)
			best_ossl = t;
		if (r < 3) { /* slower: fewer runs */
			t = now();
			ours(img, IMAGE, CRYPTO_SHA256_PORTABLE, d_port);
			t = now() - t;
			if (t < best_port)
				best_port = t;
		}
	}

	printf("sha256 bench: %u bytes (32 MiB), best of %d runs\n", IMAGE,
	       runs);
	printf("path: %s\n", crypto_sha256_impl_name(path));
	printf("ours (sinit objects): %.1f MB/s\n", IMAGE / best_ours / 1e6);
	printf("openssl: %.1f MB/s\n", IMAGE / best_ossl / 1e6);
	printf("ratio ours/openssl: %.3f (goal >= 0.8: %s)\n",
	       best_ossl / best_ours, best_ossl / best_ours >= 0.8 ? "met"
								   : "missed");
	printf("ours portable: %.1f MB/s\n", IMAGE / best_port / 1e6);
	printf("32 MiB image: %.2f ms (%s)\n", best_ours * 1e3,
	       crypto_sha256_impl_name(path));

	EVP_MD_free(md);
	free(img);
	if (memcmp(d_ours, d_ossl, 32) != 0 || memcmp(d_port, d_ossl, 32)) {
		printf("digests differ: FAILED\n");
		return 1;
	}
	printf("digests equal\n");
	return 0;
}
