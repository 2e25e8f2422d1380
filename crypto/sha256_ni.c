/*
 * SHA-256 compression with the Intel SHA extensions (SHA256RNDS2,
 * SHA256MSG1, SHA256MSG2; Intel SDM vol. 2 and "Intel SHA Extensions",
 * 2013). Used by crypto/crypto.c when CPUID.(EAX=7,ECX=0):EBX[29] (SHA),
 * CPUID.1:ECX[9] (SSSE3, for PSHUFB/PALIGNR) and CPUID.1:ECX[19] (SSE4.1,
 * for PBLENDW) are set and the platform allows SSE; otherwise mbedTLS's
 * portable C code runs.
 *
 * Why this file breaks the no-SSE rule: sinit hashes every image it
 * measures (tens of MiB) and SHA-NI is ~5x faster than portable C. All of
 * sinit/dommgr is built with -mno-sse -mgeneral-regs-only; only the
 * functions marked SSE_FN below are compiled with target("sha,sse4.1"), so
 * nothing else in the image touches an XMM register, and the compiler cannot
 * inline them into general-register code. What the caller must guarantee:
 *   - CR4.OSFXSR = 1 (and CR0.EM = 0), or every SSE instruction raises #UD.
 *     sinit sets OSFXSR before its first hash and then calls
 *     crypto_sha256_set_simd(true); nothing selects this code before that.
 *   - XMM0-XMM7 are clobbered and not saved: no code that runs meanwhile
 *     (interrupt or exception handlers, or a guest whose SSE state is live in
 *     the registers, as in dommgr after VM exits) may rely on them. dommgr
 *     keeps the portable path unless it saves the guest's FPU/SSE state.
 *   - No MXCSR or x87 state is read or written; no alignment is assumed.
 */
#include <stddef.h>
#include <stdint.h>

#include "crypto/sha256_ni.h"

#define SSE_FN __attribute__((target("sha,sse4.1")))

typedef int v4si __attribute__((vector_size(16)));
/* Additions are modulo 2^32: done on unsigned lanes. */
typedef unsigned int v4su __attribute__((vector_size(16)));
typedef long long v2di __attribute__((vector_size(16)));
typedef short v8hi __attribute__((vector_size(16)));
typedef char v16qi __attribute__((vector_size(16)));
/* 16 bytes at any address, aliasing anything (MOVDQU). */
typedef unsigned int v4su_u
	__attribute__((vector_size(16), aligned(1), may_alias));

/* The instructions, on v4su. PALIGNR: bytes n..n+15 of hi:lo. */
#if defined(__clang__)
#define ALIGNR(hi, lo, n) \
	((v4su)__builtin_ia32_palignr128((v16qi)(hi), (v16qi)(lo), (n)))
#else /* GCC counts the shift in bits */
#define ALIGNR(hi, lo, n) \
	((v4su)__builtin_ia32_palignr128((v2di)(hi), (v2di)(lo), (n) * 8))
#endif
#define PSHUFD(x, imm) ((v4su)__builtin_ia32_pshufd((v4si)(x), (imm)))
#define PBLENDW(a, b, imm) \
	((v4su)__builtin_ia32_pblendw128((v8hi)(a), (v8hi)(b), (imm)))
#define PSHUFB(x, m) ((v4su)__builtin_ia32_pshufb128((v16qi)(x), (m)))
#define RNDS2(cdgh, abef, wk) \
	((v4su)__builtin_ia32_sha256rnds2((v4si)(cdgh), (v4si)(abef), \
					  (v4si)(wk)))
#define MSG1(a, b) ((v4su)__builtin_ia32_sha256msg1((v4si)(a), (v4si)(b)))
#define MSG2(a, b) ((v4su)__builtin_ia32_sha256msg2((v4si)(a), (v4si)(b)))

/* FIPS 180-4 4.2.2: the 64 round constants. */
static const uint32_t k256[64] __attribute__((aligned(16))) = {
	0x428a2f98, 0x71374491, 0xb5c0fbcf, 0xe9b5dba5, 0x3956c25b, 0x59f111f1,
	0x923f82a4, 0xab1c5ed5, 0xd807aa98, 0x12835b01, 0x243185be, 0x550c7dc3,
	0x72be5d74, 0x80deb1fe, 0x9bdc06a7, 0xc19bf174, 0xe49b69c1, 0xefbe4786,
	0x0fc19dc6, 0x240ca1cc, 0x2de92c6f, 0x4a7484aa, 0x5cb0a9dc, 0x76f988da,
	0x983e5152, 0xa831c66d, 0xb00327c8, 0xbf597fc7, 0xc6e00bf3, 0xd5a79147,
	0x06ca6351, 0x14292967, 0x27b70a85, 0x2e1b2138, 0x4d2c6dfc, 0x53380d13,
	0x650a7354, 0x766a0abb, 0x81c2c92e, 0x92722c85, 0xa2bfe8a1, 0xa81a664b,
	0xc24b8b70, 0xc76c51a3, 0xd192e819, 0xd6990624, 0xf40e3585, 0x106aa070,
	0x19a4c116, 0x1e376c08, 0x2748774c, 0x34b0bcb5, 0x391c0cb3, 0x4ed8aa4a,
	0x5b9cca4f, 0x682e6ff3, 0x748f82ee, 0x78a5636f, 0x84c87814, 0x8cc70208,
	0x90befffa, 0xa4506ceb, 0xbef9a3f7, 0xc67178f2,
};

static void cpuid(uint32_t leaf, uint32_t sub, uint32_t r[4])
{
	__asm__ volatile("cpuid"
			 : "=a"(r[0]), "=b"(r[1]), "=c"(r[2]), "=d"(r[3])
			 : "a"(leaf), "c"(sub));
}

bool sha256_ni_cpu_has(void)
{
	uint32_t r[4];

	cpuid(0, 0, r);
	if (r[0] < 7)
		return false;
	cpuid(1, 0, r);
	if (!(r[2] & (1u << 9)) || !(r[2] & (1u << 19)))
		return false;
	cpuid(7, 0, r);
	return (r[1] >> 29) & 1;
}

/*
 * SHA256RNDS2 keeps the working variables as two registers, ABEF and CDGH
 * (A in the top dword); it runs two rounds with W+K from the low two dwords
 * of its implicit XMM0 operand and returns the new ABEF, while the old ABEF
 * becomes the new CDGH. Four rounds per group of four message words.
 */
SSE_FN __attribute__((noinline))
void sha256_ni_blocks(uint32_t h[8], const uint8_t *data, size_t nblocks)
{
	/* PSHUFB mask: big-endian words of the message to dwords. */
	const v16qi bswap = { 3, 2, 1, 0, 7, 6, 5, 4, 11, 10, 9, 8,
			      15, 14, 13, 12 };
	const v4su *k = (const v4su *)k256;
	v4su t, abef, cdgh;

	t = PSHUFD(*(const v4su_u *)&h[0], 0xb1);    /* B A D C */
	cdgh = PSHUFD(*(const v4su_u *)&h[4], 0x1b); /* H G F E */
	abef = ALIGNR(t, cdgh, 8);                   /* F E B A */
	cdgh = PBLENDW(cdgh, t, 0xf0);               /* H G D C */

	for (; nblocks > 0; nblocks--, data += 64) {
		const v4su abef0 = abef, cdgh0 = cdgh;
		v4su w[4]; /* w[i % 4]: words 4i..4i+3 of the schedule */

#pragma GCC unroll 16
		for (int i = 0; i < 16; i++) {
			v4su wk;

			if (i < 4) {
				const v4su_u *in = (const v4su_u *)data + i;

				w[i] = PSHUFB(*in, bswap);
			} else {
				/* W[t] = s1(W[t-2]) + W[t-7] + s0(W[t-15])
				 * + W[t-16] (FIPS 180-4 6.2.2 step 1) */
				v4su w7 = ALIGNR(w[(i + 3) & 3],
						 w[(i + 2) & 3], 4);

				w[i & 3] = MSG2(MSG1(w[i & 3],
						     w[(i + 1) & 3]) + w7,
						w[(i + 3) & 3]);
			}
			wk = w[i & 3] + k[i];
			cdgh = RNDS2(cdgh, abef, wk);
			abef = RNDS2(abef, cdgh, PSHUFD(wk, 0x0e));
		}
		abef += abef0;
		cdgh += cdgh0;
	}

	t = PSHUFD(abef, 0x1b);                        /* A B E F */
	cdgh = PSHUFD(cdgh, 0xb1);                     /* G H C D */
	*(v4su_u *)&h[0] = PBLENDW(t, cdgh, 0xf0);     /* A B C D */
	*(v4su_u *)&h[4] = ALIGNR(cdgh, t, 8);         /* E F G H */
}
