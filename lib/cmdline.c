#include <string.h>
#include <sdm/cmdline.h>

static bool is_space(char c)
{
	return c == ' ' || c == '\t';
}

bool cmdline_get(const char *cmdline, size_t len, const char *key, char *val,
		 size_t vsize)
{
	size_t klen = strnlen(key, 64);
	size_t n = strnlen(cmdline, len);

	for (size_t i = 0; i < n;) {
		while (i < n && is_space(cmdline[i]))
			i++;
		size_t start = i;

		while (i < n && !is_space(cmdline[i]))
			i++;
		size_t wlen = i - start;
		const char *w = cmdline + start;

		if (wlen < klen || memcmp(w, key, klen) != 0)
			continue;
		if (wlen == klen) {
			if (vsize == 0)
				return false;
			val[0] = '\0';
			return true;
		}
		if (w[klen] != '=')
			continue;
		size_t vlen = wlen - klen - 1;

		if (vlen + 1 > vsize)
			return false;
		memcpy(val, w + klen + 1, vlen);
		val[vlen] = '\0';
		return true;
	}
	return false;
}

bool cmdline_first_word(const char *cmdline, size_t len, char *out,
			size_t osize)
{
	size_t n = strnlen(cmdline, len), i = 0, start;

	while (i < n && is_space(cmdline[i]))
		i++;
	start = i;
	while (i < n && !is_space(cmdline[i]))
		i++;
	if (i - start + 1 > osize)
		return false;
	memcpy(out, cmdline + start, i - start);
	out[i - start] = '\0';
	return true;
}
