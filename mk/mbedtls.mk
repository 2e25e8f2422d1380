# mbedTLS from Debian's source package (scripts/fetch-mbedtls.sh unpacks it
# into build/third_party/mbedtls) and our crypto/ over it, built four ways:
#   CRYPTO_SINIT_OBJS   freestanding, -mcmodel=small (sinit; also the bench)
#   CRYPTO_DOMMGR_OBJS  freestanding, -mcmodel=kernel (dommgr)
#   CRYPTO_HOST_OBJS    host tools
#   CRYPTO_SAN_OBJS     host unit tests, under ASan/UBSan
# Only crypto/ includes mbedTLS headers; users include crypto/crypto.h.
# Included by the top Makefile after its own variables.

MBEDTLS_DIR   := $(B)/third_party/mbedtls
MBEDTLS_STAMP := $(MBEDTLS_DIR)/SDM-SOURCE

# The library files the configuration (crypto/mbedtls_config.h) needs.
MBEDTLS_MODULES := asn1parse asn1write bignum constant_time ecdsa ecp \
	ecp_curves md oid pk pk_wrap pkparse platform platform_util rsa \
	rsa_internal sha1 sha256 sha512
MBEDTLS_SRCS := $(patsubst %,$(MBEDTLS_DIR)/library/%.c,$(MBEDTLS_MODULES))
CRYPTO_SRCS  := crypto/crypto.c crypto/mbedtls_glue.c crypto/sha256_ni.c

MBEDTLS_CPPFLAGS := -I$(MBEDTLS_DIR)/include \
	-DMBEDTLS_CONFIG_FILE='"crypto/mbedtls_config.h"'
# Freestanding builds also get the few libc headers mbedTLS wants and
# include/libc lacks (crypto/include/, searched before include/libc).
MBEDTLS_FS_CPPFLAGS := -Icrypto/include
# Third-party code: our flags but not our warning set (-Wmissing-prototypes,
# -Wshadow, -Wundef would fail on it); still -Werror on gcc's own -Wall.
MBEDTLS_WARN := -Wall -Werror -Wno-unused-parameter

crypto_objs = $(patsubst crypto/%.c,$(B)/crypto-$(1)/%.o,$(CRYPTO_SRCS)) \
	$(patsubst %,$(B)/mbedtls-$(1)/%.o,$(MBEDTLS_MODULES))
CRYPTO_SINIT_OBJS  := $(call crypto_objs,sinit)
CRYPTO_DOMMGR_OBJS := $(call crypto_objs,dommgr)
CRYPTO_HOST_OBJS   := $(call crypto_objs,host)
CRYPTO_SAN_OBJS    := $(call crypto_objs,san)

.PHONY: crypto-fetch crypto crypto-linkcheck bench-sha256
crypto-fetch: $(MBEDTLS_STAMP)
crypto: $(CRYPTO_SINIT_OBJS) $(CRYPTO_DOMMGR_OBJS) $(CRYPTO_HOST_OBJS)

$(MBEDTLS_STAMP):
	scripts/fetch-mbedtls.sh $(MBEDTLS_DIR)
$(MBEDTLS_SRCS): $(MBEDTLS_STAMP)
	@test -f $@

# $(1): variant, $(2): compiler, $(3): flags for crypto/, $(4): for mbedTLS
define crypto_variant
$(B)/mbedtls-$(1)/%.o: $(MBEDTLS_DIR)/library/%.c | $(MBEDTLS_STAMP)
	@mkdir -p $$(@D)
	$(2) $(4) -MMD -MP -c $$< -o $$@
$(B)/crypto-$(1)/%.o: crypto/%.c | $(MBEDTLS_STAMP)
	@mkdir -p $$(@D)
	$(2) $(3) -MMD -MP -c $$< -o $$@
endef

MBEDTLS_SINIT_CFLAGS  := $(MBEDTLS_FS_CPPFLAGS) $(SINIT_CFLAGS) \
	$(MBEDTLS_CPPFLAGS)
MBEDTLS_DOMMGR_CFLAGS := $(MBEDTLS_FS_CPPFLAGS) $(DOMMGR_CFLAGS) \
	$(MBEDTLS_CPPFLAGS)
MBEDTLS_HOST_CFLAGS   := $(HOST_CFLAGS) $(MBEDTLS_CPPFLAGS)
MBEDTLS_SAN_CFLAGS    := $(HOST_CFLAGS) $(SAN_FLAGS) $(MBEDTLS_CPPFLAGS)

$(eval $(call crypto_variant,sinit,$(CC),$(MBEDTLS_SINIT_CFLAGS),\
	$(filter-out $(WARN),$(MBEDTLS_SINIT_CFLAGS)) $(MBEDTLS_WARN)))
$(eval $(call crypto_variant,dommgr,$(CC),$(MBEDTLS_DOMMGR_CFLAGS),\
	$(filter-out $(WARN),$(MBEDTLS_DOMMGR_CFLAGS)) $(MBEDTLS_WARN)))
$(eval $(call crypto_variant,host,$(HOSTCC),$(MBEDTLS_HOST_CFLAGS),\
	$(filter-out $(WARN),$(MBEDTLS_HOST_CFLAGS)) $(MBEDTLS_WARN)))
$(eval $(call crypto_variant,san,$(HOSTCC),$(MBEDTLS_SAN_CFLAGS),\
	$(filter-out $(WARN),$(MBEDTLS_SAN_CFLAGS)) $(MBEDTLS_WARN)))

# Unit test: the generic rule plus the crypto objects (host, sanitized).
$(B)/unit/test_crypto: $(B)/san/tests/unit/test_crypto.o $(SAN_LIB_OBJS) \
		$(B)/san/fmt_under_test.o $(CRYPTO_SAN_OBJS)
	@mkdir -p $(@D)
	$(HOSTCC) $(SAN_FLAGS) -o $@ $^ $(UNIT_LDLIBS)

# Proof that the freestanding objects need nothing beyond our lib: link
# them with lib/freestanding and lib/err.c, no libc and no garbage
# collection (every reference must resolve), into a static ELF.
LINKCHECK_OBJS := $(B)/crypto-sinit/linkcheck.o $(CRYPTO_SINIT_OBJS) \
	$(call objs,sinit,$(wildcard lib/freestanding/*.c) lib/err.c)
$(B)/crypto-sinit/linkcheck.elf: $(LINKCHECK_OBJS)
	$(LD) -nostdlib -static -z noexecstack --no-dynamic-linker \
		-e linkcheck_entry -o $@ $^
crypto-linkcheck: $(B)/crypto-sinit/linkcheck.elf
	@$(LD) -r -o $(B)/crypto-sinit/all.o $(CRYPTO_SINIT_OBJS)
	@echo "crypto-linkcheck: $< linked; what crypto needs from our lib:"
	@nm -u $(B)/crypto-sinit/all.o | awk '{ print "  " $$2 }'

# Benchmark: the SHA-256 objects sinit links (non-PIC, so -no-pie) against
# OpenSSL's SHA256 on the same data.
$(B)/bench/bench_sha256: tests/bench/bench_sha256.c $(CRYPTO_SINIT_OBJS) \
		$(B)/host/lib/err.o
	@mkdir -p $(@D)
	$(HOSTCC) $(HOST_CFLAGS) -O2 -no-pie -o $@ $^ -lcrypto
bench-sha256: $(B)/bench/bench_sha256
	$(B)/bench/bench_sha256
