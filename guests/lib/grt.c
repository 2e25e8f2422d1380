#include "guests/lib/grt.h"

#define COM1 0x3f8

static int use_hc;
volatile uint32_t g_recover_at;
volatile uint32_t g_last_exception = 0xffffffffu;

static void serial_putc(char c)
{
	for (unsigned i = 0; i < 100000 && !(g_inb(COM1 + 5) & 0x20); i++)
		;
	g_outb(COM1, (uint8_t)c);
}

void g_use_hypercall_console(void)
{
	use_hc = 1;
}

void g_line_init(struct gline *l, const char *prefix)
{
	l->n = 0;
	g_str(l, prefix);
}

void g_str(struct gline *l, const char *s)
{
	while (*s != '\0' && l->n < sizeof(l->buf) - 1)
		l->buf[l->n++] = *s++;
}

void g_hex(struct gline *l, uint64_t v)
{
	char t[19];
	int n = 0;

	do {
		t[n++] = "0123456789abcdef"[v & 15];
		v >>= 4;
	} while (v != 0);
	g_str(l, "0x");
	while (n > 0 && l->n < sizeof(l->buf) - 1)
		l->buf[l->n++] = t[--n];
}

void g_dec(struct gline *l, uint64_t v)
{
	char t[21];
	int n = 0;

	do {
		t[n++] = (char)('0' + v % 10);
		v /= 10;
	} while (v != 0);
	while (n > 0 && l->n < sizeof(l->buf) - 1)
		l->buf[l->n++] = t[--n];
}

void g_emit(struct gline *l)
{
	if (use_hc) {
		g_vmcall(SDM_HC_CONSOLE, (uint32_t)(uintptr_t)l->buf, l->n, 0);
		return;
	}
	for (unsigned i = 0; i < l->n; i++)
		serial_putc(l->buf[i]);
	serial_putc('\r');
	serial_putc('\n');
	/* Wait until sent: the next thing may be a power-off. */
	for (unsigned i = 0; i < 1000000 && !(g_inb(COM1 + 5) & 0x40); i++)
		;
}

void g_say(const char *prefix, const char *msg)
{
	struct gline l;

	g_line_init(&l, prefix);
	g_str(&l, msg);
	g_emit(&l);
}

void g_delay(uint32_t loops)
{
	for (volatile uint32_t i = 0; i < loops; i++)
		;
}

void g_halt(void)
{
	for (;;)
		__asm__ volatile("cli; hlt");
}

void g_poweroff(void)
{
	static const char s[] = "Shutdown";

	for (unsigned i = 0; i < 8; i++)
		g_outb(0x8900, (uint8_t)s[i]); /* Bochs */
	g_outb(0xf4, 0);                       /* QEMU isa-debug-exit */
}

/* IDT: 32 interrupt gates to stubs that call g_exception(vector, frame). */
struct __attribute__((packed)) gate {
	uint16_t off_lo, sel;
	uint8_t zero, type;
	uint16_t off_hi;
};
static struct gate idt[32];
static uint64_t gdt[3] = { 0, 0x00cf9b000000ffffull, 0x00cf93000000ffffull };
extern const uint32_t g_isr_table[32];

void g_exception(uint32_t vec, uint32_t *frame);
void g_exception(uint32_t vec, uint32_t *frame)
{
	/* frame: [0] error code, [1] EIP, [2] CS, [3] EFLAGS */
	struct gline l;

	g_last_exception = vec;
	g_line_init(&l, "guest: exception ");
	g_dec(&l, vec);
	g_str(&l, " at ");
	g_hex(&l, frame[1]);
	g_str(&l, ", error code ");
	g_hex(&l, frame[0]);
	g_emit(&l);
	if (g_recover_at == 0)
		g_halt();
	frame[1] = g_recover_at;
	g_recover_at = 0;
}

void g_idt_install(void)
{
	struct __attribute__((packed)) { uint16_t lim; uint32_t base; } gp, ip;

	gp.lim = sizeof(gdt) - 1;
	gp.base = (uint32_t)(uintptr_t)gdt;
	__asm__ volatile("lgdt %0\n\t"
			 "ljmp $0x08, $1f\n"
			 "1:\n\t"
			 "movw $0x10, %%ax\n\t"
			 "movw %%ax, %%ds\n\t"
			 "movw %%ax, %%es\n\t"
			 "movw %%ax, %%ss"
			 : : "m"(gp) : "eax", "memory");
	for (unsigned v = 0; v < 32; v++) {
		uint32_t h = g_isr_table[v];

		idt[v] = (struct gate){ (uint16_t)h, 0x08, 0, 0x8e,
					(uint16_t)(h >> 16) };
	}
	ip.lim = sizeof(idt) - 1;
	ip.base = (uint32_t)(uintptr_t)idt;
	__asm__ volatile("lidt %0" : : "m"(ip));
}

static const uint8_t *mb2_tag(uint32_t info, uint32_t type)
{
	const uint8_t *p = (const uint8_t *)(uintptr_t)info;
	uint32_t total = *(const uint32_t *)p;

	if (total > 65536)
		return 0;
	for (uint32_t off = 8; off + 8 <= total;) {
		uint32_t t = *(const uint32_t *)(p + off);
		uint32_t size = *(const uint32_t *)(p + off + 4);

		if (t == 0 || size < 8 || off + size > total)
			return 0;
		if (t == type)
			return p + off;
		off += (size + 7) & ~7u;
	}
	return 0;
}

unsigned g_mb2_mmap(uint32_t info, struct g_mem *out, unsigned cap)
{
	const uint8_t *t = mb2_tag(info, 6);
	unsigned n = 0;

	if (t == 0)
		return 0;
	uint32_t size = *(const uint32_t *)(t + 4), esz = *(const uint32_t *)(t + 8);

	if (esz < 24)
		return 0;
	for (uint32_t off = 16; off + esz <= size && n < cap; off += esz) {
		struct g_mem m = { *(const uint64_t *)(t + off),
				   *(const uint64_t *)(t + off + 8),
				   *(const uint32_t *)(t + off + 16) };
		unsigned i = n++;

		while (i > 0 && out[i - 1].base > m.base) {
			out[i] = out[i - 1];
			i--;
		}
		out[i] = m;
	}
	return n;
}

void g_mb2_arg(uint32_t info, const char *key, char *val, unsigned cap)
{
	const uint8_t *t = mb2_tag(info, 1);
	unsigned klen = 0, n = 0;

	val[0] = '\0';
	if (t == 0 || cap == 0)
		return;
	const char *s = (const char *)(t + 8), *end = (const char *)t +
						     *(const uint32_t *)(t + 4);

	while (key[klen] != '\0')
		klen++;
	for (const char *w = s; w < end && *w != '\0';) {
		const char *e = w;

		while (e < end && *e != '\0' && *e != ' ')
			e++;
		unsigned i = 0;

		while (i < klen && w + i < e && w[i] == key[i])
			i++;
		if (i == klen && w + klen < e && w[klen] == '=') {
			for (const char *c = w + klen + 1; c < e && n + 1 < cap; c++)
				val[n++] = *c;
			val[n] = '\0';
			return;
		}
		w = e;
		while (w < end && *w == ' ')
			w++;
	}
}
