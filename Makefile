# SDM — measured-launch security domain manager.
#   make          build everything into build/
#   make check    install dependencies, run the whole test suite
#   make demo     install dependencies, boot the chain on Bochs and explain it
#   make deps     install the Debian packages the project needs
# See README.md and docs/.

B := build
include mk/flags.mk

.DEFAULT_GOAL := all
.SUFFIXES:
.DELETE_ON_ERROR:
.SECONDARY:
.SECONDEXPANSION:
.PHONY: all deps check demo unit fuzz-smoke emu clean headers fuzz-build bench

# ---------------------------------------------------------------- sources
LIB_SRCS    := $(wildcard lib/*.c)
FSLIB_SRCS  := $(LIB_SRCS) $(wildcard lib/freestanding/*.c)
TPM_SRCS    := $(wildcard tpm/*.c)
TPM_HOST_SRCS := $(wildcard tpm/host/*.c)   # host only (swtpm TCP, tpm2-tss)
POLICY_SRCS := $(wildcard policy/*.c)          # host: the whole policy/
POLICY_FS_SRCS := policy/policy_verify.c policy/policy_check.c # sinit: reader, checks
SINIT_SRCS  := $(wildcard sinit/*.c sinit/*.S) $(FSLIB_SRCS) $(TPM_SRCS) $(POLICY_FS_SRCS)
DOMMGR_SRCS := $(wildcard dommgr/*.c dommgr/arch/x86/*.c dommgr/arch/x86/*.S) $(TPM_SRCS) \
	policy/policy_verify.c \
	$(FSLIB_SRCS)

objs = $(patsubst %,$(B)/$(1)/%.o,$(basename $(2)))

SINIT_OBJS  := $(call objs,sinit,$(filter-out sinit/hook_none.c,$(SINIT_SRCS)))
DOMMGR_OBJS := $(call objs,dommgr,$(DOMMGR_SRCS))

# ---------------------------------------------------------------- outputs
GUESTS := $(B)/guests/hello-mb2.elf $(B)/guests/hello-mb1.elf \
	$(B)/guests/ptest.elf $(B)/guests/attack.elf $(B)/guests/evidence.elf
EMU_IMAGES := $(B)/emu/sinit.elf $(B)/emu/dommgr.elf
# Test variants, chosen at link time (tests/emu/inject/).
VARIANTS := $(B)/test/sinit-badmbi.elf $(B)/test/dommgr-fault.elf \
	$(B)/test/dommgr-scrubcheck.elf $(B)/test/dommgr-badentry.elf

all: $(B)/sinit.elf $(B)/dommgr.elf $(B)/bin/sdm $(B)/bin/sdm-tpm-bridge $(GUESTS) $(VARIANTS) \
	$(EMU_IMAGES) $(B)/policy/demo.bin $(B)/policy/qemu.bin $(B)/policy/attest.bin \
	$(B)/policy/qemu-v3.bin $(B)/policy/qemu-edu.bin $(B)/policy/qemu-rbcont.bin

# Host half of the emulator TPM bridge: one C file plus the frame codec it
# shares with the guest side (tpm/bridge.c).
$(B)/bin/sdm-tpm-bridge: $(call objs,host,tools/tpm-bridge/tpm-bridge.c tpm/bridge.c lib/err.c)
	@mkdir -p $(@D)
	$(HOSTCC) -o $@ $^
# The end-to-end bridge test runs the host half.
$(B)/unit/test_bridge_swtpm: | $(B)/bin/sdm-tpm-bridge

deps:
	@scripts/deps.sh
	@$(MAKE) --no-print-directory crypto-fetch

# ---------------------------------------------------------------- freestanding
$(B)/sinit/%.o: %.c
	@mkdir -p $(@D)
	$(CC) $(SINIT_CFLAGS) -MMD -MP -c $< -o $@
$(B)/sinit/%.o: %.S
	@mkdir -p $(@D)
	$(CC) $(SINIT_CFLAGS) -D__ASSEMBLY__ -MMD -MP -c $< -o $@
$(B)/dommgr/%.o: %.c
	@mkdir -p $(@D)
	$(CC) $(DOMMGR_CFLAGS) -MMD -MP -c $< -o $@
$(B)/dommgr/%.o: %.S
	@mkdir -p $(@D)
	$(CC) $(DOMMGR_CFLAGS) -D__ASSEMBLY__ -MMD -MP -c $< -o $@

# The policy trust anchor: the SHA-384 of the build's policy signer key
# (mk/policy.mk makes the key with sdm keygen once, never overwriting it).
ANCHOR_OBJ := $(B)/sinit/$(B)/keys/policy-anchor.o
SINIT_OBJS += $(ANCHOR_OBJ)

$(B)/sinit.elf: $(SINIT_OBJS) $$(CRYPTO_SINIT_OBJS) $(B)/sinit/sinit/hook_none.o sinit/sinit.ld
	$(LD) $(FS_LDFLAGS) -T sinit/sinit.ld -o $@ $(SINIT_OBJS) $(CRYPTO_SINIT_OBJS) $(B)/sinit/sinit/hook_none.o
$(B)/dommgr.elf: $(DOMMGR_OBJS) $$(CRYPTO_DOMMGR_OBJS) dommgr/dommgr.ld
	$(LD) $(FS_LDFLAGS) -T dommgr/dommgr.ld -o $@ $(DOMMGR_OBJS) $(CRYPTO_DOMMGR_OBJS)

$(B)/test/sinit-badmbi.elf: $(SINIT_OBJS) $$(CRYPTO_SINIT_OBJS) $(B)/sinit/tests/emu/inject/sinit_badmbi.o sinit/sinit.ld
	@mkdir -p $(@D)
	$(LD) $(FS_LDFLAGS) -T sinit/sinit.ld -o $@ $(SINIT_OBJS) $(CRYPTO_SINIT_OBJS) $(B)/sinit/tests/emu/inject/sinit_badmbi.o
# dommgr test variants: dommgr-NAME.elf links tests/emu/inject/dommgr_NAME.c,
# whose strong hooks replace the weak empty ones.
$(B)/test/dommgr-%.elf: $(DOMMGR_OBJS) $$(CRYPTO_DOMMGR_OBJS) $(B)/dommgr/tests/emu/inject/dommgr_%.o dommgr/dommgr.ld
	@mkdir -p $(@D)
	$(LD) $(FS_LDFLAGS) -T dommgr/dommgr.ld -o $@ $(DOMMGR_OBJS) $(CRYPTO_DOMMGR_OBJS) $(B)/dommgr/tests/emu/inject/dommgr_$*.o

# Emulator images: the TPM is swtpm behind the COM2 bridge
# (tests/emu/inject/tpm_emu_bridge.c replaces the weak "no emulator TPM").
$(B)/emu/sinit.elf: $(SINIT_OBJS) $$(CRYPTO_SINIT_OBJS) $(B)/sinit/sinit/hook_none.o $(B)/sinit/tests/emu/inject/tpm_emu_bridge.o sinit/sinit.ld
	@mkdir -p $(@D)
	$(LD) $(FS_LDFLAGS) -T sinit/sinit.ld -o $@ $(SINIT_OBJS) $(CRYPTO_SINIT_OBJS) $(B)/sinit/sinit/hook_none.o $(B)/sinit/tests/emu/inject/tpm_emu_bridge.o
$(B)/emu/dommgr.elf: $(DOMMGR_OBJS) $$(CRYPTO_DOMMGR_OBJS) $(B)/dommgr/tests/emu/inject/tpm_emu_bridge.o dommgr/dommgr.ld
	@mkdir -p $(@D)
	$(LD) $(FS_LDFLAGS) -T dommgr/dommgr.ld -o $@ $(DOMMGR_OBJS) $(CRYPTO_DOMMGR_OBJS) $(B)/dommgr/tests/emu/inject/tpm_emu_bridge.o

# Test guests (32-bit multiboot1 / multiboot2 kernels).
$(B)/guests/%.o: guests/hello/%.c
	@mkdir -p $(@D)
	$(CC) $(GUEST_CFLAGS) -MMD -MP -c $< -o $@
$(B)/guests/%.o: guests/hello/%.S
	@mkdir -p $(@D)
	$(CC) $(GUEST_CFLAGS) -D__ASSEMBLY__ -MMD -MP -c $< -o $@
$(B)/guests/hello-mb2.elf: $(B)/guests/head-mb2.o $(B)/guests/hello.o guests/hello/guest.ld
	$(LD) -m elf_i386 -nostdlib -static -z noexecstack --build-id=none -T guests/hello/guest.ld -o $@ $(B)/guests/head-mb2.o $(B)/guests/hello.o
$(B)/guests/hello-mb1.elf: $(B)/guests/head-mb1.o $(B)/guests/hello.o guests/hello/guest.ld
	$(LD) -m elf_i386 -nostdlib -static -z noexecstack --build-id=none -T guests/hello/guest.ld -o $@ $(B)/guests/head-mb1.o $(B)/guests/hello.o
# Guests on the small runtime in guests/lib (multiboot2 entry of hello).
GRT_OBJS := $(B)/guests/lib/grt.o $(B)/guests/lib/isr.o
$(B)/guests/lib/%.o: guests/lib/%.c
	@mkdir -p $(@D)
	$(CC) $(GUEST_CFLAGS) -I. -MMD -MP -c $< -o $@
$(B)/guests/lib/%.o: guests/lib/%.S
	@mkdir -p $(@D)
	$(CC) $(GUEST_CFLAGS) -D__ASSEMBLY__ -c $< -o $@
$(B)/guests/%/main.o: guests/%/$$*.c
	@mkdir -p $(@D)
	$(CC) $(GUEST_CFLAGS) -I. -MMD -MP -c $< -o $@
$(B)/guests/%.elf: $(B)/guests/head-mb2.o $(B)/guests/%/main.o $(GRT_OBJS) guests/hello/guest.ld
	$(LD) -m elf_i386 -nostdlib -static -z noexecstack --build-id=none -T guests/hello/guest.ld -o $@ $(B)/guests/head-mb2.o $(B)/guests/$*/main.o $(GRT_OBJS)

# ---------------------------------------------------------------- host
HOST_LIB_OBJS := $(call objs,host,$(LIB_SRCS))
$(B)/host/%.o: %.c
	@mkdir -p $(@D)
	$(HOSTCC) $(HOST_CFLAGS) -MMD -MP -c $< -o $@
$(B)/san/%.o: %.c
	@mkdir -p $(@D)
	$(HOSTCC) $(HOST_CFLAGS) $(SAN_FLAGS) -MMD -MP -c $< -o $@

SDM_SRCS := $(wildcard tools/sdm/*.c)
SDM_LDLIBS := -ltss2-esys -ltss2-mu -ltss2-tctildr -lcrypto -lyaml
$(B)/bin/sdm: $(call objs,host,$(SDM_SRCS) $(TPM_SRCS) $(TPM_HOST_SRCS) $(POLICY_SRCS)) $(HOST_LIB_OBJS) \
		$$(CRYPTO_HOST_OBJS)
	@mkdir -p $(@D)
	$(HOSTCC) -o $@ $^ $(SDM_LDLIBS)

# Unit tests: tests/unit/test_NAME.c, each linked with the shared library
# built for the host (plus the fake architecture) under ASan/UBSan.
UNIT_SRCS  := $(wildcard tests/unit/test_*.c)
UNIT_BINS  := $(patsubst tests/unit/%.c,$(B)/unit/%,$(UNIT_SRCS))
SAN_LIB_OBJS := $(call objs,san,$(LIB_SRCS) $(TPM_SRCS) $(TPM_HOST_SRCS) $(POLICY_SRCS) sinit/plan.c dommgr/banner.c dommgr/domain.c dommgr/loader.c dommgr/iommu.c $(wildcard dommgr/arch/fake/*.c) \
	$(filter-out %/main.c,$(wildcard tools/sdm/*.c)))
# The freestanding formatter, renamed so it can be tested against libc's.
$(B)/san/fmt_under_test.o: lib/freestanding/fmt.c
	@mkdir -p $(@D)
	$(HOSTCC) $(HOST_CFLAGS) $(SAN_FLAGS) -Dvsnprintf=sdm_vsnprintf -Dsnprintf=sdm_snprintf -c $< -o $@
$(B)/unit/test_%: $(B)/san/tests/unit/test_%.o $(SAN_LIB_OBJS) $(B)/san/fmt_under_test.o $$(CRYPTO_SAN_OBJS)
	@mkdir -p $(@D)
	$(HOSTCC) $(SAN_FLAGS) -o $@ $^ $(UNIT_LDLIBS)

UNIT_LDLIBS := -lcmocka -ltss2-esys -ltss2-mu -ltss2-tctildr -lcrypto -lyaml
unit: $(UNIT_BINS)

# Fuzz targets: tests/fuzz/fuzz_NAME.c with libFuzzer.
FUZZ_SRCS := $(wildcard tests/fuzz/fuzz_*.c)
FUZZ_BINS := $(patsubst tests/fuzz/%.c,$(B)/fuzz/%,$(FUZZ_SRCS))
$(B)/fuzz/fuzz_%: tests/fuzz/fuzz_%.c $(wildcard tests/fuzz/*.h) $(LIB_SRCS) $(TPM_SRCS)
	@mkdir -p $(@D)
	$(CLANG) $(FUZZ_FLAGS) -o $@ $< $(LIB_SRCS) $(TPM_SRCS)
fuzz-build: $(FUZZ_BINS)

# Every header compiles on its own.
HEADERS := $(wildcard include/sdm/*.h) policy/policy_format.h policy/policy_verify.h \
	policy/policy_check.h policy/policy_encode.h
headers:
	@for h in $(HEADERS); do \
	  echo "#include <$${h#include/}>" | $(HOSTCC) $(HOST_CFLAGS) -x c -fsyntax-only - || exit 1; \
	  echo "#include <$${h#include/}>" | $(CC) $(FS_CFLAGS) -x c -fsyntax-only - || exit 1; \
	done; echo "headers: $(words $(HEADERS)) compile on their own"

# Third-party code built with our flags (e.g. mk/mbedtls.mk).
-include $(filter-out mk/flags.mk,$(wildcard mk/*.mk))

# ---------------------------------------------------------------- the two commands
# The build under check and demo uses every CPU (CI has 2); BUILD_JOBS=1
# for a serial build.
BUILD_JOBS ?= $(shell nproc 2>/dev/null || echo 1)
check: deps
	@$(MAKE) --no-print-directory -j$(BUILD_JOBS) all unit fuzz-build headers
	@tests/run-all

demo: deps
	@$(MAKE) --no-print-directory -j$(BUILD_JOBS) all
	@tests/demo

# Benchmarks print their figures; they are not pass/fail tests.
BENCH_ATTEST_OBJS = $(call objs,host,$(filter-out %/main.c,$(SDM_SRCS)) $(TPM_SRCS) $(TPM_HOST_SRCS)) \
	$(HOST_LIB_OBJS) $(POLICY_HOST_OBJS) $(CRYPTO_HOST_OBJS)
$(B)/bench/bench_attest: tests/bench/bench_attest.c $$(BENCH_ATTEST_OBJS)
	@mkdir -p $(@D)
	$(HOSTCC) $(HOST_CFLAGS) -O2 -o $@ $< $(BENCH_ATTEST_OBJS) $(SDM_LDLIBS)
.PHONY: bench-attest
bench-attest: $(B)/bench/bench_attest
	$(B)/bench/bench_attest
# Policy verification cost inside sinit under Bochs, where the TSC counts
# instructions: the build's P-384 policy, and an RSA-3072 one verified by
# an sinit whose anchor is that RSA key.
$(B)/bench/rsa-signer.pub.der: | $(B)/bin/sdm
	@mkdir -p $(@D)
	$(B)/bin/sdm keygen --rsa3072 --force --out $(B)/bench/rsa-signer.pem
$(B)/bench/rsa-anchor.c: $(B)/bench/rsa-signer.pub.der
	$(B)/bin/sdm policy anchor $< --c $@
$(B)/bench/policy-rsa.bin: policy/examples/demo.yaml $(B)/bench/rsa-signer.pub.der $(GUESTS)
	$(B)/bin/sdm policy compile $< --key $(B)/bench/rsa-signer.pem -o $@
$(B)/bench/sinit-rsa.elf: $(filter-out $(ANCHOR_OBJ),$(SINIT_OBJS)) $(B)/sinit/$(B)/bench/rsa-anchor.o \
		$$(CRYPTO_SINIT_OBJS) $(B)/sinit/sinit/hook_none.o sinit/sinit.ld
	$(LD) $(FS_LDFLAGS) -T sinit/sinit.ld -o $@ $(filter-out $(ANCHOR_OBJ),$(SINIT_OBJS)) \
		$(B)/sinit/$(B)/bench/rsa-anchor.o $(CRYPTO_SINIT_OBJS) $(B)/sinit/sinit/hook_none.o
.PHONY: bench-policy
bench-policy: all $(B)/bench/sinit-rsa.elf $(B)/bench/policy-rsa.bin
	@tests/bench/bench_policy_bochs
bench: bench-sha256 bench-attest bench-policy

clean:
	rm -rf $(B)

-include $(shell find $(B) -path $(B)/third_party -prune -o -type f -name '*.d' -print 2>/dev/null)
