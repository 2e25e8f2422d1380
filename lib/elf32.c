/*
 * ELF32 i386 executable checks for guest kernels (System V gABI, ELF 1.2
 * and its i386 supplement). Headers are copied out of the file with
 * memcpy, so the file needs no particular alignment; i386 ELF is
 * little-endian, as is every build of this code. All address arithmetic
 * is done in 64 bits, so a 32-bit field can never wrap it.
 */
#include <string.h>
#include <sdm/elf32.h>

#define EI_CLASS 4
#define EI_DATA 5
#define EI_VERSION 6
#define ELFCLASS32 1
#define ELFDATA2LSB 1
#define EV_CURRENT 1
#define PN_XNUM 0xffff /* e_phnum escape for extended numbering */
#define LIMIT_4G 0x100000000ull

#define HDR_ERR(err, code, fmt, ...) \
	sdm_err_set(err, code, "ELF header: " fmt, __VA_ARGS__)
#define PH_ERR(err, code, i, fmt, ...)                                  \
	sdm_err_set(err, code, "ELF program header %u (PT_LOAD): " fmt, i, \
		    __VA_ARGS__)

static int check_ehdr(const struct elf32_ehdr *eh, size_t len,
		      struct sdm_err *err)
{
	const uint8_t *id = eh->e_ident;
	uint64_t ph_end;

	int rc = elf_check_ident(id, ELFCLASS32, eh->e_version, eh->e_type, err);

	if (rc != SDM_OK)
		return rc;
	if (eh->e_machine != ELF_EM_386)
		return HDR_ERR(err, SDM_EINVAL,
			       "e_machine %u is not i386 (3)", eh->e_machine);
	if (eh->e_phentsize != sizeof(struct elf32_phdr))
		return HDR_ERR(err, SDM_EINVAL,
			       "e_phentsize %u is not %zu", eh->e_phentsize,
			       sizeof(struct elf32_phdr));
	if (eh->e_phnum == PN_XNUM)
		return HDR_ERR(err, SDM_EINVAL,
			       "e_phnum 0x%x (extended numbering) is not supported",
			       eh->e_phnum);
	ph_end = (uint64_t)eh->e_phoff +
		 (uint64_t)eh->e_phnum * sizeof(struct elf32_phdr);
	if (ph_end > len)
		return HDR_ERR(err, SDM_ERANGE,
			       "%u program headers at e_phoff 0x%x run past the file end 0x%zx",
			       eh->e_phnum, eh->e_phoff, len);
	return SDM_OK;
}

/*
 * Checks one PT_LOAD header and appends its segment; an empty one
 * (p_memsz 0) loads nothing and is skipped. phidx[] records the program
 * header index of each segment for overlap messages.
 */
static int add_segment(const struct elf32_phdr *ph, unsigned i, size_t len,
		       struct elf64_image *out, unsigned *phidx,
		       struct sdm_err *err)
{
	struct elf64_segment *s;
	uint64_t start = ph->p_paddr;
	uint64_t end = start + ph->p_memsz;

	if (ph->p_filesz > ph->p_memsz)
		return PH_ERR(err, SDM_EINVAL, i,
			      "p_filesz 0x%x exceeds p_memsz 0x%x",
			      ph->p_filesz, ph->p_memsz);
	if (ph->p_memsz == 0)
		return SDM_OK;
	if (out->nseg == ELF64_MAX_SEGMENTS)
		return PH_ERR(err, SDM_ENOSPC, i,
			      "more than %u PT_LOAD segments",
			      ELF64_MAX_SEGMENTS);
	if ((uint64_t)ph->p_offset + ph->p_filesz > len)
		return PH_ERR(err, SDM_ERANGE, i,
			      "file bytes [0x%x, +0x%x) run past the file end 0x%zx",
			      ph->p_offset, ph->p_filesz, len);
	if (end > LIMIT_4G)
		return PH_ERR(err, SDM_ERANGE, i,
			      "p_paddr 0x%x + p_memsz 0x%x wraps past 4 GiB",
			      ph->p_paddr, ph->p_memsz);
	if ((uint64_t)ph->p_vaddr + ph->p_memsz > LIMIT_4G)
		return PH_ERR(err, SDM_ERANGE, i,
			      "p_vaddr 0x%x + p_memsz 0x%x wraps past 4 GiB",
			      ph->p_vaddr, ph->p_memsz);
	for (unsigned j = 0; j < out->nseg; j++) {
		const struct elf64_segment *o = &out->seg[j];

		if (start < o->vaddr + o->memsz && o->vaddr < end)
			return PH_ERR(err, SDM_EOVERLAP, i,
				      "physical range [0x%lx, 0x%lx) overlaps program header %u at [0x%lx, 0x%lx)",
				      start, end, phidx[j], o->vaddr,
				      o->vaddr + o->memsz);
	}
	phidx[out->nseg] = i;
	s = &out->seg[out->nseg++];
	s->vaddr = start;
	s->memsz = ph->p_memsz;
	s->offset = ph->p_offset;
	s->filesz = ph->p_filesz;
	s->flags = ph->p_flags;
	if (out->nseg == 1 || start < out->vbase)
		out->vbase = start;
	if (end > out->vend)
		out->vend = end;
	return SDM_OK;
}

int elf32_parse(const void *file, size_t len, struct elf64_image *out,
		struct sdm_err *err)
{
	const uint8_t *f = file;
	unsigned phidx[ELF64_MAX_SEGMENTS];
	struct elf32_ehdr eh;
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
		struct elf32_phdr ph;

		memcpy(&ph, f + eh.e_phoff + (size_t)i * sizeof(ph),
		       sizeof(ph));
		if (ph.p_type != ELF_PT_LOAD)
			continue;
		rc = add_segment(&ph, i, len, out, phidx, err);
		if (rc != SDM_OK)
			return rc;
		if (!entry_ok && ph.p_memsz != 0 && eh.e_entry >= ph.p_vaddr &&
		    eh.e_entry - ph.p_vaddr < ph.p_memsz) {
			out->entry = (uint64_t)ph.p_paddr +
				     (eh.e_entry - ph.p_vaddr);
			entry_ok = true;
		}
	}
	if (out->nseg == 0)
		return HDR_ERR(err, SDM_ENOENT, "%s", "no PT_LOAD segment");
	if (!entry_ok)
		return HDR_ERR(err, SDM_EINVAL,
			       "e_entry 0x%x is not inside a PT_LOAD segment",
			       eh.e_entry);
	return SDM_OK;
}
