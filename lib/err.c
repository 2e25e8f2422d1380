#include <stdio.h>
#include <sdm/err.h>

int sdm_err_set(struct sdm_err *err, int code, const char *fmt, ...)
{
	if (err != NULL) {
		va_list ap;

		va_start(ap, fmt);
		err->code = code;
		vsnprintf(err->msg, sizeof(err->msg), fmt, ap);
		va_end(ap);
	}
	return code;
}

const char *sdm_strerror(int code)
{
	switch (code) {
	case SDM_OK: return "ok";
	case SDM_EINVAL: return "malformed";
	case SDM_ERANGE: return "out of bounds";
	case SDM_ENOENT: return "not found";
	case SDM_ENOSPC: return "table full";
	case SDM_ECHKSUM: return "bad checksum";
	case SDM_EOVERLAP: return "overlap";
	case SDM_ENOMEM: return "no memory";
	case SDM_EIO: return "device error";
	default: return "unknown error";
	}
}
