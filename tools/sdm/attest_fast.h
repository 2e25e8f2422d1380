/*
 * ECDSA P-256 verification for one public key used across many
 * signatures (the AK of one enrolment over a batch of quotes), for
 * `sdm attest verify --batch`. Same result as OpenSSL's ECDSA_do_verify
 * (SEC 1 v2 4.1.4), faster because the per-key work is done once:
 *
 *   - u2*Q uses a table of multiples of the AK's point Q built once by
 *     OpenSSL (a copy of the P-256 group whose generator is Q, with
 *     EC_GROUP_precompute_mult), as u1*G uses OpenSSL's built-in table;
 *   - s^-1 mod n can be computed for many signatures at once with one
 *     inversion (Montgomery's trick), attf_p256_invert;
 *   - x(R) mod n = r is checked on R's Jacobian coordinates (X = r*Z^2),
 *     without a field inversion.
 *
 * All arithmetic is OpenSSL's (EC_POINT_*, BN_*); nothing here is a
 * curve implementation of its own. A context is not thread-safe.
 */
#ifndef SDM_TOOL_ATTEST_FAST_H
#define SDM_TOOL_ATTEST_FAST_H
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sdm/err.h>

struct attf_p256;

/* x, y: big-endian coordinates of at most 32 bytes each (left-padded).
 * Fails unless (x, y) is a point on P-256. */
int attf_p256_new(const uint8_t *x, size_t x_len, const uint8_t *y,
		  size_t y_len, struct attf_p256 **out, struct sdm_err *err);
void attf_p256_free(struct attf_p256 *k);

/* True when the table of multiples of Q was built (else u2*Q is computed
 * the ordinary way: still correct, slower). */
bool attf_p256_precomputed(const struct attf_p256 *k);

/*
 * w[i] = s[i]^-1 mod n (32 bytes, big-endian) for count values s[i] of
 * s_len[i] bytes each, with one modular inversion. An s[i] outside
 * [1, n-1] gets ok[i] = false and does not disturb the others. Returns
 * false when OpenSSL fails (then no ok[i] is true).
 */
bool attf_p256_invert(struct attf_p256 *k, const uint8_t *const *s,
		      const size_t *s_len, size_t count, uint8_t (*w)[32],
		      bool *ok);

/*
 * True when (r, s) is a valid ECDSA signature by Q over hash (the
 * leftmost 256 bits of it are used, as SEC 1 says for a 256-bit order).
 * r and s are big-endian of any length (leading zeros allowed); both
 * must be in [1, n-1]. w, when not NULL, is s^-1 mod n from
 * attf_p256_invert; it is checked (w*s = 1 mod n) before use.
 */
bool attf_p256_verify(struct attf_p256 *k, const uint8_t *hash,
		      size_t hash_len, const uint8_t *r, size_t r_len,
		      const uint8_t *s, size_t s_len, const uint8_t *w);

#endif
