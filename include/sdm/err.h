/*
 * Error reporting for parsers of untrusted input. A parser fills one of
 * these with a message that names what is wrong and where (tag, table,
 * offset), and returns a negative SDM_E* code. Nothing is half-done: on
 * error the output structure must not be used.
 */
#ifndef SDM_ERR_H
#define SDM_ERR_H
#include <stdarg.h>

enum sdm_errno {
	SDM_OK = 0,
	SDM_EINVAL = -1,   /* malformed input */
	SDM_ERANGE = -2,   /* out of bounds / overflow */
	SDM_ENOENT = -3,   /* something required is absent */
	SDM_ENOSPC = -4,   /* a fixed-size table is full */
	SDM_ECHKSUM = -5,  /* checksum mismatch */
	SDM_EOVERLAP = -6, /* ranges overlap */
	SDM_ENOMEM = -7,   /* no suitable memory */
	SDM_EIO = -8,      /* device did not answer as required */
};

struct sdm_err {
	int code;
	char msg[160];
};

/* Record an error (printf-style) and return code; a NULL err is allowed. */
int sdm_err_set(struct sdm_err *err, int code, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));
const char *sdm_strerror(int code);

#endif
