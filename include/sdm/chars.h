/*
 * Byte and character predicates the parsers share (lib/chars.c): the name
 * rule of policies and attestation reports, and all-zero reserved fields.
 */
#ifndef SDM_CHARS_H
#define SDM_CHARS_H
#include <sdm/types.h>

/* [A-Za-z0-9_.-]: a character of a domain or module name. */
bool sdm_name_char(char c);
/* Every byte of p[0..n) is zero. */
bool sdm_all_zero(const void *p, size_t n);

#endif
