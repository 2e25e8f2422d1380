/*
 * A tiny runtime for 32-bit test guests: console (COM1, or dommgr's
 * console hypercall), line building, hypercalls, an IDT whose handlers
 * report the exception and resume at a recovery point, the multiboot2
 * memory map. Test guests print parseable verdict lines (STYLE.md 9).
 */
#ifndef GUESTS_GRT_H
#define GUESTS_GRT_H
#include <stdint.h>
#include <sdm/hypercall.h>

struct gline {
	char buf[200];
	unsigned n;
};

void g_line_init(struct gline *l, const char *prefix);
void g_str(struct gline *l, const char *s);
void g_hex(struct gline *l, uint64_t v);
void g_dec(struct gline *l, uint64_t v);
void g_emit(struct gline *l);
/* Send console lines through the hypercall instead of COM1. */
void g_use_hypercall_console(void);
void g_say(const char *prefix, const char *msg);

static inline uint32_t g_vmcall(uint32_t nr, uint32_t a1, uint32_t a2,
				uint32_t a3)
{
	uint32_t ret;

	__asm__ volatile("vmcall"
			 : "=a"(ret)
			 : "a"(nr), "b"(a1), "c"(a2), "d"(a3)
			 : "memory");
	return ret;
}

static inline void g_outb(uint16_t port, uint8_t v)
{
	__asm__ volatile("outb %0, %1" : : "a"(v), "Nd"(port));
}

static inline void g_outw(uint16_t port, uint16_t v)
{
	__asm__ volatile("outw %0, %1" : : "a"(v), "Nd"(port));
}

static inline uint8_t g_inb(uint16_t port)
{
	uint8_t v;

	__asm__ volatile("inb %1, %0" : "=a"(v) : "Nd"(port));
	return v;
}

/*
 * Exceptions: after g_idt_install(), a fault prints "<prefix>exception
 * <n> at 0x..." and, if g_recover_at was set, resumes there (the faulting
 * code is abandoned); otherwise the guest halts.
 */
void g_idt_install(void);
extern volatile uint32_t g_recover_at;
extern volatile uint32_t g_last_exception;

/* Multiboot2 memory map: up to 32 entries, sorted by base. */
struct g_mem {
	uint64_t base, len;
	uint32_t type;
};
unsigned g_mb2_mmap(uint32_t info, struct g_mem *out, unsigned cap);
/* The command line's value of key, copied to val (empty if absent). */
void g_mb2_arg(uint32_t info, const char *key, char *val, unsigned cap);

void g_delay(uint32_t loops);
__attribute__((noreturn)) void g_halt(void);
/* Power off through the emulators' ports (dommgr intercepts them). */
void g_poweroff(void);

#endif
