# The launch policy (issue 5, policy/ and docs/policy.md): the rules the
# top Makefile does not have (it links policy/ into sdm, the unit tests
# and sinit itself):
#   fuzz_policy               its own rule: policy + crypto + mbedTLS under
#                             libFuzzer (the generic rule has no crypto)
#   policy-linkcheck          the freestanding half (verify, check) links
#                             with crypto, our libc (libc.c, fmt.c) and
#                             lib/err.c, lib/chars.c alone: what sinit will link
#   the signing key and anchor, and the demo policy blob

POLICY_HOST_OBJS := $(call objs,host,$(POLICY_SRCS))

# One clang run over the target and every source it needs (mbedTLS too:
# FUZZ_FLAGS has no warning flags of ours).
POLICY_FUZZ_SRCS := $(POLICY_FS_SRCS) policy/policy_encode.c lib/err.c lib/chars.c \
	$(CRYPTO_SRCS) $(MBEDTLS_SRCS)
$(B)/fuzz/fuzz_policy: tests/fuzz/fuzz_policy.c $(POLICY_FUZZ_SRCS) \
		$(wildcard policy/*.h) crypto/crypto.h | $(MBEDTLS_STAMP)
	@mkdir -p $(@D)
	$(CLANG) $(FUZZ_FLAGS) $(MBEDTLS_CPPFLAGS) -o $@ $< $(POLICY_FUZZ_SRCS)

.PHONY: policy-linkcheck policy-key
POLICY_LINKCHECK_OBJS := $(call objs,sinit,$(POLICY_FS_SRCS) \
	lib/freestanding/libc.c lib/freestanding/fmt.c lib/err.c lib/chars.c) $(CRYPTO_SINIT_OBJS)
$(B)/policy/linkcheck.elf: $(POLICY_LINKCHECK_OBJS)
	@mkdir -p $(@D)
	$(LD) -nostdlib -static -z noexecstack --no-dynamic-linker \
		-e sdm_policy_verify -o $@ $^
policy-linkcheck: $(B)/policy/linkcheck.elf
	@echo "policy-linkcheck: $< linked (policy_verify, policy_check, crypto, libc.c, fmt.c, err.c, chars.c)"

# The build's signing key, made once (sdm keygen never overwrites one),
# and the trust anchor sinit is to embed: one 48-byte array in a C file.
POLICY_KEY    := $(B)/keys/policy-signer.pem
POLICY_PUB    := $(B)/keys/policy-signer.pub.der
POLICY_ANCHOR := $(B)/keys/policy-anchor.c
$(POLICY_PUB): | $(B)/bin/sdm
	@mkdir -p $(@D)
	$(B)/bin/sdm keygen --out $(POLICY_KEY)
$(POLICY_ANCHOR): $(POLICY_PUB) | $(B)/bin/sdm
	$(B)/bin/sdm policy anchor $< --c $@
policy-key: $(POLICY_ANCHOR)

# The demo's policy, signed with the build's key. The blobs depend on the
# compiler itself: a new error class changes every blob (on_error slots).
$(B)/policy/demo.bin: policy/examples/demo.yaml $(POLICY_PUB) $(GUESTS) $(B)/bin/sdm
	@mkdir -p $(@D)
	$(B)/bin/sdm policy compile $< --key $(POLICY_KEY) -o $@
$(B)/policy/qemu.bin: policy/examples/qemu.yaml $(POLICY_PUB) $(GUESTS) $(B)/bin/sdm
	@mkdir -p $(@D)
	$(B)/bin/sdm policy compile $< --key $(POLICY_KEY) -o $@
# The QEMU policy with edu (00:06.0) in prot1 (scenario dma-edu-policy).
$(B)/policy/qemu-edu.bin: policy/examples/qemu-edu.yaml $(POLICY_PUB) $(GUESTS) $(B)/bin/sdm
	@mkdir -p $(@D)
	$(B)/bin/sdm policy compile $< --key $(POLICY_KEY) -o $@
# The QEMU policy at other versions (rollback scenarios): qemu-vN.bin.
$(B)/policy/qemu-v%.bin: policy/examples/qemu.yaml $(POLICY_PUB) $(GUESTS) $(B)/bin/sdm
	@mkdir -p $(@D)
	sed 's/^version: 1$$/version: $*/' $< >$(B)/policy/qemu-v$*.yaml
	$(B)/bin/sdm policy compile $(B)/policy/qemu-v$*.yaml --key $(POLICY_KEY) -o $@
# The QEMU policy with on_error.rollback: continue (policy-rollback-continue).
$(B)/policy/qemu-rbcont.bin: policy/examples/qemu.yaml $(POLICY_PUB) $(GUESTS) $(B)/bin/sdm
	@mkdir -p $(@D)
	sed 's/^  policy_check: halt$$/  policy_check: halt\n  rollback: continue/' $< >$(B)/policy/qemu-rbcont.yaml
	grep -q '^  rollback: continue$$' $(B)/policy/qemu-rbcont.yaml
	$(B)/bin/sdm policy compile $(B)/policy/qemu-rbcont.yaml --key $(POLICY_KEY) -o $@
# make demo's: the normal domain is the evidence client (guests/evidence).
$(B)/policy/attest.bin: policy/examples/attest.yaml $(POLICY_PUB) $(GUESTS) $(B)/bin/sdm
	@mkdir -p $(@D)
	$(B)/bin/sdm policy compile $< --key $(POLICY_KEY) -o $@
