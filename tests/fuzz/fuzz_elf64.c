/*
 * libFuzzer target for elf64_parse(). The input is the file, copied into a
 * heap block of exactly its size so that ASan catches any read past it.
 * On success the image description is checked: segments page-rounded,
 * inside the file, sorted, not overlapping, W^X, within the span, and the
 * entry point inside an executable segment.
 */
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <sdm/elf64.h>

#define CHECK(c)                         \
	do {                             \
		if (!(c))                \
			__builtin_trap(); \
	} while (0)

#define MAX_SPAN (1ull << 30)

static void check_image(const struct elf64_image *img, size_t len)
{
	bool entry_ok = false;

	CHECK(img->nseg >= 1 && img->nseg <= ELF64_MAX_SEGMENTS);
	for (unsigned i = 0; i < img->nseg; i++) {
		const struct elf64_segment *s = &img->seg[i];

		CHECK(s->vaddr % PAGE_SIZE == 0);
		CHECK(s->memsz != 0 && s->memsz % PAGE_SIZE == 0);
		CHECK(s->vaddr + s->memsz > s->vaddr); /* no wrap */
		CHECK(s->offset % PAGE_SIZE == 0);
		CHECK(s->filesz <= s->memsz);
		CHECK(s->offset <= len && s->filesz <= len - s->offset);
		CHECK(!((s->flags & ELF_PF_W) && (s->flags & ELF_PF_X)));
		if (i > 0)
			CHECK(s->vaddr >= img->seg[i - 1].vaddr +
					   img->seg[i - 1].memsz);
		if ((s->flags & ELF_PF_X) && img->entry >= s->vaddr &&
		    img->entry - s->vaddr < s->memsz)
			entry_ok = true;
	}
	CHECK(entry_ok);
	CHECK(img->vbase == img->seg[0].vaddr);
	CHECK(img->vend == img->seg[img->nseg - 1].vaddr +
			   img->seg[img->nseg - 1].memsz);
	CHECK(img->vend - img->vbase <= MAX_SPAN);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct elf64_image img;
	struct sdm_err err = { 0 };
	uint8_t *buf = malloc(size != 0 ? size : 1);
	int rc;

	CHECK(buf != NULL);
	memcpy(buf, data, size);
	rc = elf64_parse(buf, size, MAX_SPAN, &img, &err);
	if (rc == SDM_OK) {
		check_image(&img, size);
	} else {
		CHECK(rc < 0 && err.code == rc);
		CHECK(err.msg[0] != '\0');
	}
	free(buf);
	return 0;
}
