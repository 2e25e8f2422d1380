# Compiler flags, written once.

CC      ?= gcc
HOSTCC  ?= gcc
CLANG   ?= clang
LD      ?= ld
OBJCOPY ?= objcopy

WARN := -Wall -Wextra -Werror -Wshadow -Wstrict-prototypes -Wmissing-prototypes \
	-Wno-unused-parameter -Wvla -Wpointer-arith -Wundef

# Freestanding code: sinit, dommgr, tpm/, lib/ as built into them.
FS_CFLAGS := -std=c11 -O2 -g $(WARN)
FS_CFLAGS += -ffreestanding        # no hosted libc assumptions
FS_CFLAGS += -nostdinc             # only include/libc, never the host's headers
FS_CFLAGS += -fno-builtin -fno-tree-loop-distribute-patterns
# (above: no libc calls synthesised from loops, memcpy would call itself)
FS_CFLAGS += -mno-red-zone         # interrupts and exceptions push onto our stack
FS_CFLAGS += -mno-sse -mno-sse2 -mno-mmx -mno-80387 -mgeneral-regs-only
# (no FPU/SIMD state to save in the TCB)
FS_CFLAGS += -fno-pic -fno-pie     # linked at fixed addresses
FS_CFLAGS += -fno-stack-protector  # no TLS canary; no runtime for it
FS_CFLAGS += -fno-asynchronous-unwind-tables -fno-exceptions
FS_CFLAGS += -fno-strict-aliasing  # hardware tables and wire formats alias
FS_CFLAGS += -fno-common -ffunction-sections -fdata-sections
FS_CFLAGS += -m64 -march=x86-64
FS_CFLAGS += -Iinclude/libc -Iinclude -I.

# sinit runs in the low 4 GiB identity mapping; dommgr is linked in the
# top 2 GiB of the address space (-mcmodel=kernel).
SINIT_CFLAGS  := $(FS_CFLAGS) -mcmodel=small
DOMMGR_CFLAGS := $(FS_CFLAGS) -mcmodel=kernel
FS_LDFLAGS    := -nostdlib -static -z noexecstack -z max-page-size=4096 --gc-sections \
	--no-dynamic-linker --build-id=none

# Test guests: 32-bit multiboot kernels.
GUEST_CFLAGS := -std=c11 -O2 -g $(WARN) -ffreestanding -nostdinc -fno-builtin \
	-fno-pic -fno-pie -fno-stack-protector -fno-asynchronous-unwind-tables \
	-m32 -march=i686 -mno-sse -mno-mmx -Iinclude/libc -Iinclude

# Host code: tools and unit tests.
HOST_CFLAGS := -std=c11 -D_GNU_SOURCE -O1 -g $(WARN) -Iinclude -I.
# Unit tests and fuzzers run under sanitizers.
SAN_FLAGS := -fsanitize=address,undefined -fno-sanitize-recover=all -fno-omit-frame-pointer
FUZZ_FLAGS := -std=c11 -D_GNU_SOURCE -O1 -g -Iinclude -I. \
	-fsanitize=fuzzer,address,undefined -fno-sanitize-recover=all
