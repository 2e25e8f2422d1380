#include <stdio.h>
#include <sdm/arch/x86.h>
#include <sdm/log.h>

#define COM1 0x3f8
#define UART_THR 0
#define UART_IER 1
#define UART_FCR 2
#define UART_LCR 3
#define UART_MCR 4
#define UART_LSR 5
#define UART_DLL 0
#define UART_DLM 1
#define LSR_THRE (1u << 5) /* transmit holding register empty */
#define LSR_TEMT (1u << 6) /* transmitter empty */
#define E9_PORT 0xe9

static const char *log_prefix = "";
static uint32_t log_flags = SDM_CONSOLE_SERIAL;
static uint32_t log_level = SDM_LOG_INFO;

static void uart_init(void)
{
	outb(COM1 + UART_IER, 0x00);
	outb(COM1 + UART_LCR, 0x80); /* DLAB: divisor follows */
	outb(COM1 + UART_DLL, 0x01); /* 115200 baud */
	outb(COM1 + UART_DLM, 0x00);
	outb(COM1 + UART_LCR, 0x03); /* 8N1 */
	outb(COM1 + UART_FCR, 0x07); /* FIFO on, cleared */
	outb(COM1 + UART_MCR, 0x03); /* DTR, RTS */
}

static void uart_putc(char c)
{
	/* Bounded wait: a missing UART must not hang the machine. */
	for (unsigned i = 0; i < 100000; i++) {
		if (inb(COM1 + UART_LSR) & LSR_THRE)
			break;
	}
	outb(COM1 + UART_THR, (uint8_t)c);
}

static void con_putc(char c)
{
	if (log_flags & SDM_CONSOLE_SERIAL) {
		if (c == '\n')
			uart_putc('\r');
		uart_putc(c);
	}
	if (log_flags & SDM_CONSOLE_E9)
		outb(E9_PORT, (uint8_t)c);
}

void log_init(const char *prefix, uint32_t console, uint32_t level)
{
	log_prefix = prefix;
	log_flags = console;
	log_level = level;
	if (console & SDM_CONSOLE_SERIAL)
		uart_init();
}

void log_set_level(uint32_t level)
{
	log_level = level;
}

bool log_level_enabled(uint32_t level)
{
	return level <= log_level;
}

uint32_t log_console(void)
{
	return log_flags;
}

void log_puts(const char *s)
{
	for (size_t i = 0; s[i] != '\0' && i < 4096; i++)
		con_putc(s[i]);
}

/*
 * One line at a time across CPUs. The wait is bounded so that a CPU that
 * faulted while holding the lock cannot silence the others for good.
 */
static volatile int log_lock;

static void lock(void)
{
	for (unsigned i = 0; i < 10000000; i++) {
		if (__atomic_exchange_n(&log_lock, 1, __ATOMIC_ACQUIRE) == 0)
			return;
		__asm__ volatile("pause");
	}
}

static void unlock(void)
{
	__atomic_store_n(&log_lock, 0, __ATOMIC_RELEASE);
}

void log_vmsg(uint32_t level, const char *fmt, va_list ap)
{
	char line[256];

	if (level > log_level)
		return;
	vsnprintf(line, sizeof(line), fmt, ap);
	lock();
	log_puts(log_prefix);
	log_puts(line);
	con_putc('\n');
	unlock();
}

void log_msg(uint32_t level, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	log_vmsg(level, fmt, ap);
	va_end(ap);
}

void log_flush(void)
{
	if (!(log_flags & SDM_CONSOLE_SERIAL))
		return;
	for (unsigned i = 0; i < 1000000; i++) {
		if (inb(COM1 + UART_LSR) & LSR_TEMT)
			return;
	}
}
