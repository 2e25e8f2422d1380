/*
 * Console logging for sinit and dommgr: COM1 (16550, 115200 8N1) and/or
 * the Bochs/QEMU debug port 0xe9. Every line starts with the component's
 * prefix ("sinit: ", "dommgr: ") so one serial log can be read and judged.
 */
#ifndef SDM_LOG_H
#define SDM_LOG_H
#include <stdarg.h>
#include <stdbool.h>
#include <sdm/handoff.h>

void log_init(const char *prefix, uint32_t console, uint32_t level);
void log_set_level(uint32_t level);
bool log_level_enabled(uint32_t level);
uint32_t log_console(void);
void log_msg(uint32_t level, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));
void log_vmsg(uint32_t level, const char *fmt, va_list ap);
/* Raw text, no prefix (for continuation of dumps). */
void log_puts(const char *s);
/* Wait until the UART has sent every byte (before power-off or reset). */
void log_flush(void);

#define pr_err(...) log_msg(SDM_LOG_ERROR, __VA_ARGS__)
#define pr_warn(...) log_msg(SDM_LOG_WARN, __VA_ARGS__)
#define pr_info(...) log_msg(SDM_LOG_INFO, __VA_ARGS__)
#define pr_debug(...) log_msg(SDM_LOG_DEBUG, __VA_ARGS__)

#endif
