/*
 * Checks of the handoff structure before dommgr uses any field of it.
 * sinit is trusted, but a mismatched build, a stray write or a truncated
 * copy must be caught here and not show up later as a wild access.
 */
#include <string.h>
#include <sdm/handoff.h>

#define HO_ERR(err, code, fmt, ...) \
	sdm_err_set(err, code, "handoff: " fmt, __VA_ARGS__)

static bool terminated(const char *s, size_t size)
{
	return strnlen(s, size) < size;
}

static int check_counts(const struct sdm_handoff *ho, struct sdm_err *err)
{
	if (ho->nmmap > SDM_HO_MAX_MMAP)
		return HO_ERR(err, SDM_ERANGE, "nmmap %u exceeds %u", ho->nmmap,
			      SDM_HO_MAX_MMAP);
	if (ho->nmods > SDM_HO_MAX_MODULES)
		return HO_ERR(err, SDM_ERANGE, "nmods %u exceeds %u", ho->nmods,
			      SDM_HO_MAX_MODULES);
	if (ho->platform.ncpus > SDM_HO_MAX_CPUS)
		return HO_ERR(err, SDM_ERANGE, "platform.ncpus %u exceeds %u",
			      ho->platform.ncpus, SDM_HO_MAX_CPUS);
	if (ho->platform.ndrhd > SDM_HO_MAX_DRHD)
		return HO_ERR(err, SDM_ERANGE, "platform.ndrhd %u exceeds %u",
			      ho->platform.ndrhd, SDM_HO_MAX_DRHD);
	return SDM_OK;
}

static int check_strings(const struct sdm_handoff *ho, struct sdm_err *err)
{
	for (unsigned i = 0; i < SDM_HO_MAX_MODULES; i++) {
		const struct sdm_ho_module *m = &ho->mods[i];

		if (!terminated(m->name, sizeof(m->name)))
			return HO_ERR(err, SDM_EINVAL,
				      "mods[%u].name is not NUL-terminated within %zu bytes",
				      i, sizeof(m->name));
		if (!terminated(m->cmdline, sizeof(m->cmdline)))
			return HO_ERR(err, SDM_EINVAL,
				      "mods[%u].cmdline is not NUL-terminated within %zu bytes",
				      i, sizeof(m->cmdline));
	}
	if (!terminated(ho->sinit_cmdline, sizeof(ho->sinit_cmdline)))
		return HO_ERR(err, SDM_EINVAL,
			      "sinit_cmdline is not NUL-terminated within %zu bytes",
			      sizeof(ho->sinit_cmdline));
	if (!terminated(ho->dommgr_cmdline, sizeof(ho->dommgr_cmdline)))
		return HO_ERR(err, SDM_EINVAL,
			      "dommgr_cmdline is not NUL-terminated within %zu bytes",
			      sizeof(ho->dommgr_cmdline));
	return SDM_OK;
}

static int check_ranges(const struct sdm_handoff *ho, struct sdm_err *err)
{
	uint64_t end;

	for (unsigned i = 0; i < ho->nmmap; i++) {
		if (!add_ok(ho->mmap[i].base, ho->mmap[i].len, &end))
			return HO_ERR(err, SDM_ERANGE,
				      "mmap[%u] base 0x%lx + len 0x%lx wraps", i,
				      ho->mmap[i].base, ho->mmap[i].len);
	}
	for (unsigned i = 0; i < ho->nmods; i++) {
		if (!add_ok(ho->mods[i].base, ho->mods[i].size, &end))
			return HO_ERR(err, SDM_ERANGE,
				      "mods[%u] base 0x%lx + size 0x%lx wraps", i,
				      ho->mods[i].base, ho->mods[i].size);
	}
	if (ho->sinit_base > ho->sinit_end)
		return HO_ERR(err, SDM_ERANGE,
			      "sinit_base 0x%lx is above sinit_end 0x%lx",
			      ho->sinit_base, ho->sinit_end);
	if (ho->dommgr_base > ho->dommgr_end)
		return HO_ERR(err, SDM_ERANGE,
			      "dommgr_base 0x%lx is above dommgr_end 0x%lx",
			      ho->dommgr_base, ho->dommgr_end);
	if (ho->heap_base < ho->dommgr_base || !add_ok(ho->heap_base,
						       ho->heap_size, &end) ||
	    end > ho->dommgr_end || ho->heap_used > ho->heap_size)
		return HO_ERR(err, SDM_ERANGE,
			      "heap 0x%lx+0x%lx (0x%lx used) is not inside "
			      "dommgr's region 0x%lx-0x%lx", ho->heap_base,
			      ho->heap_size, ho->heap_used, ho->dommgr_base,
			      ho->dommgr_end);
	const struct sdm_ho_measure *m = &ho->measure;

	if (m->evlog_format > 2 || m->nbanks > 4 || m->evlog_len > m->evlog_cap ||
	    (m->evlog_format != 0 &&
	     (m->evlog_pa < ho->dommgr_base ||
	      !add_ok(m->evlog_pa, m->evlog_cap, &end) || end > ho->dommgr_end)))
		return HO_ERR(err, SDM_ERANGE,
			      "event log (format %u, %u banks, %u of %u bytes at "
			      "0x%lx) is not inside dommgr's region", m->evlog_format,
			      m->nbanks, m->evlog_len, m->evlog_cap, m->evlog_pa);
	if (m->policy_len != 0 &&
	    (m->policy_pa < ho->dommgr_base ||
	     !add_ok(m->policy_pa, m->policy_len, &end) || end > ho->dommgr_end))
		return HO_ERR(err, SDM_ERANGE, "policy (%u bytes at 0x%lx) is not "
			      "inside dommgr's region", m->policy_len,
			      m->policy_pa);
	return SDM_OK;
}

int sdm_handoff_check(const struct sdm_handoff *ho, size_t avail,
		      struct sdm_err *err)
{
	const size_t head = offsetof(struct sdm_handoff, size) +
			    sizeof(ho->size);
	int rc;

	if (avail < head)
		return HO_ERR(err, SDM_ERANGE,
			      "%zu bytes available, below the %zu-byte header",
			      avail, head);
	if (ho->magic != SDM_HANDOFF_MAGIC)
		return HO_ERR(err, SDM_EINVAL, "magic 0x%x is not 0x%x",
			      ho->magic, SDM_HANDOFF_MAGIC);
	if (ho->version != SDM_HANDOFF_VERSION)
		return HO_ERR(err, SDM_EINVAL, "version %u is not %u",
			      ho->version, SDM_HANDOFF_VERSION);
	if (ho->size != sizeof(*ho))
		return HO_ERR(err, SDM_EINVAL, "size %u is not %zu", ho->size,
			      sizeof(*ho));
	if (ho->size > avail)
		return HO_ERR(err, SDM_ERANGE,
			      "size %u exceeds the %zu bytes available",
			      ho->size, avail);
	rc = check_counts(ho, err);
	if (rc == SDM_OK)
		rc = check_strings(ho, err);
	if (rc == SDM_OK)
		rc = check_ranges(ho, err);
	return rc;
}
