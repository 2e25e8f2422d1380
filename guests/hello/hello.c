/*
 * Hello test guest: a 32-bit multiboot1/multiboot2 kernel that says which
 * header it was booted through on COM1 and halts. Later it runs as a
 * domain under dommgr; the lines it prints are the verdict scenarios read:
 *   guest: hello from <mb1|mb2> guest
 *   guest: cmdline: <command line>          (when the loader passed a non-empty one)
 *   guest: unexpected boot magic 0x... ...  (when EAX was wrong)
 * The boot information is input from the loader: every read is bounded.
 */
#include <stdint.h>

#define COM1 0x3f8
#define UART_THR 0 /* transmit holding register (DLAB=0) */
#define UART_DLL 0 /* divisor latch low (DLAB=1) */
#define UART_IER 1 /* interrupt enable (DLAB=0) */
#define UART_DLM 1 /* divisor latch high (DLAB=1) */
#define UART_FCR 2
#define UART_LCR 3
#define UART_MCR 4
#define UART_LSR 5
#define LSR_THRE 0x20 /* transmit holding register empty */
#define LSR_TEMT 0x40 /* transmitter completely idle */

#define MB1_BOOT_MAGIC 0x2badb002u
#define MB1_INFO_CMDLINE (1u << 2) /* flags bit 2: cmdline field valid */
#define MB2_BOOT_MAGIC 0x36d76289u
#define MB2_TAG_END 0
#define MB2_TAG_CMDLINE 1
#define MB2_INFO_MAX (64u * 1024u) /* we walk no further than this */
#define CMDLINE_MAX 200u

/* 1 or 2, defined by the header file this image was linked with. */
extern const uint32_t guest_header_kind;

void guest_main(uint32_t magic, uint32_t info);

static inline void outb(uint16_t port, uint8_t v)
{
	__asm__ volatile("outb %0, %1" : : "a"(v), "Nd"(port));
}

static inline uint8_t inb(uint16_t port)
{
	uint8_t v;

	__asm__ volatile("inb %1, %0" : "=a"(v) : "Nd"(port));
	return v;
}

static void serial_init(void)
{
	outb(COM1 + UART_IER, 0x00); /* no interrupts */
	outb(COM1 + UART_LCR, 0x80); /* DLAB on */
	outb(COM1 + UART_DLL, 0x01); /* 115200 baud */
	outb(COM1 + UART_DLM, 0x00);
	outb(COM1 + UART_LCR, 0x03); /* 8N1, DLAB off */
	outb(COM1 + UART_FCR, 0xc7); /* FIFO on, cleared, 14-byte threshold */
	outb(COM1 + UART_MCR, 0x03); /* DTR, RTS */
}

static void serial_putc(char c)
{
	while ((inb(COM1 + UART_LSR) & LSR_THRE) == 0)
		;
	outb(COM1 + UART_THR, (uint8_t)c);
}

static void put(const char *s)
{
	for (; *s != '\0'; s++) {
		if (*s == '\n')
			serial_putc('\r');
		serial_putc(*s);
	}
}

static void put_hex(uint32_t v)
{
	put("0x");
	for (int shift = 28; shift >= 0; shift -= 4)
		serial_putc("0123456789abcdef"[(v >> shift) & 0xf]);
}

/* Print at most CMDLINE_MAX bytes of a string, printable ASCII only. */
static void put_cmdline(const char *s, uint32_t avail)
{
	uint32_t n = avail < CMDLINE_MAX ? avail : CMDLINE_MAX;

	if (n == 0 || s[0] == '\0')
		return;
	put("guest: cmdline: ");
	for (uint32_t i = 0; i < n && s[i] != '\0'; i++)
		serial_putc(s[i] >= 0x20 && s[i] < 0x7f ? s[i] : '?');
	put("\n");
}

static void show_mb1_cmdline(uint32_t info)
{
	const volatile uint32_t *mbi = (const uint32_t *)(uintptr_t)info;

	if (info == 0 || (mbi[0] & MB1_INFO_CMDLINE) == 0 || mbi[4] == 0)
		return;
	put_cmdline((const char *)(uintptr_t)mbi[4], CMDLINE_MAX);
}

/* Multiboot2 spec 3.6: u32 total_size, u32 reserved, then 8-byte aligned tags. */
static void show_mb2_cmdline(uint32_t info)
{
	const uint8_t *mbi = (const uint8_t *)(uintptr_t)info;
	uint32_t total, off = 8;

	if (info == 0 || (info & 7) != 0)
		return;
	total = *(const uint32_t *)mbi;
	if (total > MB2_INFO_MAX)
		total = MB2_INFO_MAX;
	while (off + 8 <= total) {
		uint32_t type = *(const uint32_t *)(mbi + off);
		uint32_t size = *(const uint32_t *)(mbi + off + 4);

		if (type == MB2_TAG_END || size < 8 || size > total - off)
			return;
		if (type == MB2_TAG_CMDLINE) {
			put_cmdline((const char *)(mbi + off + 8), size - 8);
			return;
		}
		off += (size + 7) & ~7u;
	}
}

void guest_main(uint32_t magic, uint32_t info)
{
	uint32_t want = guest_header_kind == 1 ? MB1_BOOT_MAGIC : MB2_BOOT_MAGIC;

	serial_init();
	put(guest_header_kind == 1 ? "guest: hello from mb1 guest\n"
				   : "guest: hello from mb2 guest\n");
	if (magic != want) {
		put("guest: unexpected boot magic ");
		put_hex(magic);
		put(" (expected ");
		put_hex(want);
		put(")\n");
	} else if (guest_header_kind == 1) {
		show_mb1_cmdline(info);
	} else {
		show_mb2_cmdline(info);
	}
	while ((inb(COM1 + UART_LSR) & LSR_TEMT) == 0)
		;
	for (;;)
		__asm__ volatile("cli; hlt");
}
