/*
 * Bounded formatter for sinit and dommgr: a subset of C99 vsnprintf.
 * Conversions: %d %i %u %x %X %p %s %c %%, flags '-' '0', a field width
 * (number or '*'), a precision for %s ('.N' or '.*'), length modifiers
 * hh h l ll z. Widths (and written precisions) above FMT_MAX are taken as
 * FMT_MAX. The output is always NUL-terminated when size > 0 and the
 * return value is the length the full output would have had, as in C99.
 */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

#define FMT_MAX 65536

/* A decimal field at *pp, all digits consumed, clamped to FMT_MAX. */
static int get_num(const char **pp)
{
	const char *p = *pp;
	int v = 0;

	while (*p >= '0' && *p <= '9') {
		v = v * 10 + (*p++ - '0');
		if (v > FMT_MAX)
			v = FMT_MAX;
	}
	*pp = p;
	return v;
}

struct out {
	char *buf;
	size_t size;
	size_t len;
};

static void put(struct out *o, char c)
{
	if (o->len + 1 < o->size)
		o->buf[o->len] = c;
	o->len++;
}

static void pad(struct out *o, char c, int n)
{
	while (n-- > 0)
		put(o, c);
}

static void put_num(struct out *o, uint64_t v, unsigned base, int upper,
		    int neg, int width, int left, int zero, int prefix)
{
	const char *digits = upper ? "0123456789ABCDEF" : "0123456789abcdef";
	char tmp[24];
	int n = 0;

	do {
		tmp[n++] = digits[v % base];
		v /= base;
	} while (v != 0);

	int total = n + (neg ? 1 : 0) + (prefix ? 2 : 0);

	if (!left && !zero)
		pad(o, ' ', width - total);
	if (neg)
		put(o, '-');
	if (prefix) {
		put(o, '0');
		put(o, 'x');
	}
	if (!left && zero)
		pad(o, '0', width - total);
	while (n > 0)
		put(o, tmp[--n]);
	if (left)
		pad(o, ' ', width - total);
}

int vsnprintf(char *buf, size_t size, const char *fmt, va_list ap)
{
	struct out o = { buf, size, 0 };

	for (const char *p = fmt; *p != '\0'; p++) {
		if (*p != '%') {
			put(&o, *p);
			continue;
		}
		p++;
		int left = 0, zero = 0, width = 0, prec = -1, lng = 0, half = 0;

		for (;; p++) {
			if (*p == '-')
				left = 1;
			else if (*p == '0')
				zero = 1;
			else
				break;
		}
		if (*p == '*') {
			width = va_arg(ap, int);
			if (width < 0) {
				left = 1;
				width = width < -FMT_MAX ? FMT_MAX : -width;
			} else if (width > FMT_MAX) {
				width = FMT_MAX;
			}
			p++;
		} else {
			width = get_num(&p);
		}
		if (*p == '.') {
			p++;
			prec = 0;
			if (*p == '*') {
				prec = va_arg(ap, int);
				p++;
			} else {
				prec = get_num(&p);
			}
		}
		while (*p == 'l' || *p == 'h' || *p == 'z') {
			if (*p == 'h')
				half++;
			else
				lng = 1;
			p++;
		}
		switch (*p) {
		case 'd':
		case 'i': {
			int64_t v = lng ? va_arg(ap, int64_t) : va_arg(ap, int);
			uint64_t mag;

			if (half == 1)
				v = (short)v;
			else if (half > 1)
				v = (signed char)v;
			mag = v < 0 ? (uint64_t)0 - (uint64_t)v : (uint64_t)v;
			put_num(&o, mag, 10, 0, v < 0, width, left, zero, 0);
			break;
		}
		case 'u':
		case 'x':
		case 'X': {
			uint64_t v = lng ? va_arg(ap, uint64_t) : va_arg(ap, unsigned int);

			if (half == 1)
				v = (unsigned short)v;
			else if (half > 1)
				v = (unsigned char)v;
			put_num(&o, v, *p == 'u' ? 10 : 16, *p == 'X', 0, width, left,
				zero, 0);
			break;
		}
		case 'p':
			put_num(&o, (uint64_t)(uintptr_t)va_arg(ap, void *), 16, 0, 0,
				width, left, zero, 1);
			break;
		case 'c':
			if (!left)
				pad(&o, ' ', width - 1);
			put(&o, (char)va_arg(ap, int));
			if (left)
				pad(&o, ' ', width - 1);
			break;
		case 's': {
			const char *s = va_arg(ap, const char *);
			int n = 0;

			if (s == NULL)
				s = "(null)";
			/* The precision bounds the read: test it first. */
			while ((prec < 0 || n < prec) && s[n] != '\0')
				n++;
			if (!left)
				pad(&o, ' ', width - n);
			for (int i = 0; i < n; i++)
				put(&o, s[i]);
			if (left)
				pad(&o, ' ', width - n);
			break;
		}
		case '%':
			put(&o, '%');
			break;
		case '\0':
			p--; /* a lone '%' at the end: stop at the terminator */
			break;
		default:
			/* Unknown conversion: print it literally. */
			put(&o, '%');
			put(&o, *p);
			break;
		}
	}
	if (size > 0)
		buf[o.len < size ? o.len : size - 1] = '\0';
	return o.len > INT32_MAX ? INT32_MAX : (int)o.len;
}

int snprintf(char *buf, size_t size, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	int n = vsnprintf(buf, size, fmt, ap);

	va_end(ap);
	return n;
}
