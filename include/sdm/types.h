/*
 * Basic types shared by sinit, dommgr and the host tools.
 * Address kinds are distinct structs so that a host-physical and a
 * guest-physical address cannot be mixed by accident (STYLE.md 2).
 */
#ifndef SDM_TYPES_H
#define SDM_TYPES_H
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define SDM_STATIC_ASSERT(c, m) _Static_assert(c, m)
#define ARRAY_SIZE(a) (sizeof(a) / sizeof((a)[0]))

#define KIB(x) ((uint64_t)(x) << 10)
#define MIB(x) ((uint64_t)(x) << 20)
#define GIB(x) ((uint64_t)(x) << 30)
#define PAGE_SIZE 4096u

/* Host-physical address. */
typedef struct { uint64_t pa; } paddr_t;
/* Guest-physical address (a domain's view). */
typedef struct { uint64_t ipa; } ipaddr_t;
/* Virtual address in dommgr's or sinit's own address space. */
typedef struct { uint64_t va; } vaddr_t;

static inline paddr_t pa_init(uint64_t v) { return (paddr_t){ v }; }
static inline uint64_t pa_addr(paddr_t p) { return p.pa; }
static inline ipaddr_t ipa_init(uint64_t v) { return (ipaddr_t){ v }; }
static inline uint64_t ipa_addr(ipaddr_t p) { return p.ipa; }
static inline vaddr_t va_init(uint64_t v) { return (vaddr_t){ v }; }
static inline uint64_t va_addr(vaddr_t p) { return p.va; }

static inline bool is_aligned(uint64_t v, uint64_t align)
{
	return (v & (align - 1)) == 0;
}

/* Round up to a power-of-two alignment; false on overflow. */
static inline bool align_up(uint64_t v, uint64_t align, uint64_t *out)
{
	uint64_t r = (v + align - 1) & ~(align - 1);

	if (r < v)
		return false;
	*out = r;
	return true;
}

/* a + b without wrapping; false on overflow. */
static inline bool add_ok(uint64_t a, uint64_t b, uint64_t *out)
{
	return !__builtin_add_overflow(a, b, out);
}

#endif
