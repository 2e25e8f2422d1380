/*
 * The only libc of sinit and dommgr (lib/libc.c). Memory and string functions
 * take explicit lengths; there is no strcpy/strcat/sprintf. Host builds get the
 * same names from the system libc, so shared code links either way.
 */
#ifndef SDM_LIBC_STRING_H
#define SDM_LIBC_STRING_H
#include <stddef.h>
void *memcpy(void *dst, const void *src, size_t n);
void *memmove(void *dst, const void *src, size_t n);
void *memset(void *dst, int c, size_t n);
int memcmp(const void *a, const void *b, size_t n);
size_t strnlen(const char *s, size_t max);
int strncmp(const char *a, const char *b, size_t n);
#endif
