/*
 * Command lines of the form "word key=value key2=value2 flag". Keys and
 * values end at spaces; there is no quoting. Lookups are bounded by the
 * given length and by the output buffer.
 */
#ifndef SDM_CMDLINE_H
#define SDM_CMDLINE_H
#include <sdm/types.h>

/*
 * Copy the value of key into val (size vsize, NUL-terminated). Returns
 * true if key=value is present and the value fits; a bare "key" gives "".
 */
bool cmdline_get(const char *cmdline, size_t len, const char *key, char *val,
		 size_t vsize);
/* Copy the first word (up to a space) into out; false if it does not fit. */
bool cmdline_first_word(const char *cmdline, size_t len, char *out,
			size_t osize);

#endif
