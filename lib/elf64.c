/*
 * ELF64 executable checks (System V gABI, ELF-64 Object File Format 1.5).
 * Headers are copied out of the file with memcpy, so the file needs no
 * particular alignment. x86-64 is little-endian, as is every build of
 * this code, so the copied fields are used as they are.
 */
#include <string.h>
#include <sdm/elf64.h>

#define EI_CLASS 4
#define EI_DATA 5
#define EI_VERSION 6
#define ELFCLASS64 2
#define ELFDATA2LSB 1
#define EV_CURRENT 1
#define PN_XNUM 0xffff /* e_phnum escape for extended numbering */

#define HDR_ERR(err, code, fmt, ...) \
	sdm_err_set(err, code, "ELF header: " fmt, __VA_ARGS__)
#define PH_ERR(err, code, i, fmt, ...)                                  \
	sdm_err_set(err, code, "ELF program header %u (PT_LOAD): " fmt, i, \
		    __VA_ARGS__)

int elf_check_ident(const uint8_t ident[16], unsigned elfclass,
		    uint32_t e_version, uint16_t e_type, struct sdm_err *err)
{
	const uint8_t *id = ident;

	if (id[0] != 0x7f || id[1] != 'E' || id[2] != 'L' || id[3] != 'F')
		return HDR_ERR(err, SDM_EINVAL,
			       "bad magic %02x %02x %02x %02x", id[0], id[1],
			       id[2], id[3]);
	if (id[EI_CLASS] != elfclass)
		return HDR_ERR(err, SDM_EINVAL, "EI_CLASS %u is not ELFCLASS%u",
			       id[EI_CLASS], elfclass == 1 ? 32u : 64u);
	if (id[EI_DATA] != ELFDATA2LSB)
		return HDR_ERR(err, SDM_EINVAL,
			       "EI_DATA %u is not little-endian", id[EI_DATA]);
	if (id[EI_VERSION] != EV_CURRENT)
		return HDR_ERR(err, SDM_EINVAL, "EI_VERSION %u is not 1",
			       id[EI_VERSION]);
	if (e_version != EV_CURRENT)
		return HDR_ERR(err, SDM_EINVAL, "e_version %u is not 1",
			       e_version);
	if (e_type != ELF_ET_EXEC)
		return HDR_ERR(err, SDM_EINVAL, "e_type %u is not ET_EXEC",
			       e_type);
	return SDM_OK;
}

static int check_ehdr(const struct elf64_ehdr *eh, size_t len,
		      struct sdm_err *err)
{
	const uint8_t *id = eh->e_ident;
	uint64_t ph_end;

	int rc = elf_check_ident(id, ELFCLASS64, eh->e_version, eh->e_type, err);

	if (rc != SDM_OK)
		return rc;
	if (eh->e_machine != ELF_EM_X86_64)
		return HDR_ERR(err, SDM_EINVAL,
			       "e_machine %u is not x86-64 (62)",
			       eh->e_machine);
	if (eh->e_phentsize != sizeof(struct elf64_phdr))
		return HDR_ERR(err, SDM_EINVAL,
			       "e_phentsize %u is not %zu", eh->e_phentsize,
			       sizeof(struct elf64_phdr));
	if (eh->e_phnum == PN_XNUM)
		return HDR_ERR(err, SDM_EINVAL,
			       "e_phnum 0x%x (extended numbering) is not supported",
			       eh->e_phnum);
	/* e_phnum < 2^16 and the entry size is 56: the product fits. */
	if (!add_ok(eh->e_phoff,
		    (uint64_t)eh->e_phnum * sizeof(struct elf64_phdr),
		    &ph_end) ||
	    ph_end > len)
		return HDR_ERR(err, SDM_ERANGE,
			       "%u program headers at e_phoff 0x%lx run past the file end 0x%zx",
			       eh->e_phnum, eh->e_phoff, len);
	return SDM_OK;
}

/*
 * Checks one PT_LOAD header and appends its page-rounded segment; an empty
 * one (p_memsz 0) loads nothing and is skipped.
 */
static int add_segment(const struct elf64_phdr *ph, unsigned i, size_t len,
		       struct elf64_image *out, struct sdm_err *err)
{
	struct elf64_segment *s;
	uint64_t file_end, mem_end, page_off, vstart, vend;

	if (ph->p_filesz > ph->p_memsz)
		return PH_ERR(err, SDM_EINVAL, i,
			      "p_filesz 0x%lx exceeds p_memsz 0x%lx",
			      ph->p_filesz, ph->p_memsz);
	if (ph->p_memsz == 0)
		return SDM_OK;
	if (out->nseg == ELF64_MAX_SEGMENTS)
		return PH_ERR(err, SDM_ENOSPC, i,
			      "more than %u PT_LOAD segments",
			      ELF64_MAX_SEGMENTS);
	if (!add_ok(ph->p_offset, ph->p_filesz, &file_end) || file_end > len)
		return PH_ERR(err, SDM_ERANGE, i,
			      "file bytes [0x%lx, +0x%lx) run past the file end 0x%zx",
			      ph->p_offset, ph->p_filesz, len);
	page_off = ph->p_vaddr % PAGE_SIZE;
	if (page_off != ph->p_offset % PAGE_SIZE)
		return PH_ERR(err, SDM_EINVAL, i,
			      "p_vaddr 0x%lx and p_offset 0x%lx are not congruent modulo %u",
			      ph->p_vaddr, ph->p_offset, PAGE_SIZE);
	vstart = ph->p_vaddr - page_off;
	if (!add_ok(ph->p_vaddr, ph->p_memsz, &mem_end) ||
	    !align_up(mem_end, PAGE_SIZE, &vend))
		return PH_ERR(err, SDM_ERANGE, i,
			      "p_vaddr 0x%lx + p_memsz 0x%lx wraps",
			      ph->p_vaddr, ph->p_memsz);
	if ((ph->p_flags & ELF_PF_W) && (ph->p_flags & ELF_PF_X))
		return PH_ERR(err, SDM_EINVAL, i,
			      "segment is writable and executable (p_flags 0x%x)",
			      ph->p_flags);
	if (out->nseg > 0) {
		const struct elf64_segment *prev = &out->seg[out->nseg - 1];

		if (vstart < prev->vaddr)
			return PH_ERR(err, SDM_EINVAL, i,
				      "not sorted: p_vaddr 0x%lx is below the previous segment at 0x%lx",
				      ph->p_vaddr, prev->vaddr);
		if (vstart < prev->vaddr + prev->memsz)
			return PH_ERR(err, SDM_EOVERLAP, i,
				      "pages from 0x%lx overlap the previous segment ending at 0x%lx",
				      vstart, prev->vaddr + prev->memsz);
	}
	s = &out->seg[out->nseg++];
	s->vaddr = vstart;
	s->memsz = vend - vstart;
	s->offset = ph->p_offset - page_off;
	s->filesz = ph->p_filesz + page_off;
	s->flags = ph->p_flags;
	return SDM_OK;
}

int elf64_parse(const void *file, size_t len, uint64_t max_span,
		struct elf64_image *out, struct sdm_err *err)
{
	const uint8_t *f = file;
	struct elf64_ehdr eh;
	bool entry_ok = false;
	int rc;

	memset(out, 0, sizeof(*out));
	if (len < sizeof(eh))
		return HDR_ERR(err, SDM_ERANGE,
			       "file of %zu bytes is shorter than the %zu-byte header",
			       len, sizeof(eh));
	memcpy(&eh, f, sizeof(eh));
	rc = check_ehdr(&eh, len, err);
	if (rc != SDM_OK)
		return rc;
	for (unsigned i = 0; i < eh.e_phnum; i++) {
		struct elf64_phdr ph;
		size_t off = eh.e_phoff + (size_t)i * sizeof(ph);

		memcpy(&ph, f + off, sizeof(ph));
		if (ph.p_type != ELF_PT_LOAD)
			continue;
		rc = add_segment(&ph, i, len, out, err);
		if (rc != SDM_OK)
			return rc;
		if ((ph.p_flags & ELF_PF_X) && eh.e_entry >= ph.p_vaddr &&
		    eh.e_entry - ph.p_vaddr < ph.p_memsz)
			entry_ok = true;
	}
	if (out->nseg == 0)
		return HDR_ERR(err, SDM_ENOENT, "%s", "no PT_LOAD segment");
	out->entry = eh.e_entry;
	out->vbase = out->seg[0].vaddr;
	out->vend = out->seg[out->nseg - 1].vaddr +
		    out->seg[out->nseg - 1].memsz;
	if (out->vend - out->vbase > max_span)
		return HDR_ERR(err, SDM_ERANGE,
			       "segments span 0x%lx bytes, above the maximum 0x%lx",
			       out->vend - out->vbase, max_span);
	if (!entry_ok)
		return HDR_ERR(err, SDM_EINVAL,
			       "e_entry 0x%lx is not inside an executable segment",
			       eh.e_entry);
	return SDM_OK;
}
