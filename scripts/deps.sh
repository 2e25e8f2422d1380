#!/usr/bin/env bash
# Install the Debian 12 packages SDM needs to build and test (make deps).
# Idempotent: installs only what dpkg-query reports missing; runs
# apt-get update only when something is missing; needs root only then.
set -euo pipefail

# One package per line: what needs it.
PACKAGES=(
	build-essential    # gcc, ld, make: sinit, dommgr, guests, sdm
	clang              # fuzz targets (libFuzzer)
	libclang-rt-14-dev # libFuzzer and sanitizer runtimes for clang 14
	libcmocka-dev      # unit tests
	bochs              # Intel VT-x/EPT emulator (bochs-bin, rfb display)
	bochsbios          # Bochs BIOS image
	vgabios            # Bochs VGA BIOS image
	qemu-system-x86    # VT-d, TPM and Linux scenarios
	grub-pc-bin        # GRUB i386-pc modules for boot images
	grub-common        # grub-mkrescue
	xorriso            # ISO writer used by grub-mkrescue
	mtools             # mformat for grub-mkrescue (EFI images only; kept for them)
	swtpm              # software TPM for QEMU scenarios
	swtpm-tools        # swtpm_ioctl, swtpm_setup
	tpm2-tools         # host-side TPM checks
	trousers           # tcsd: TPM 1.2 for sdm tpm pcrs --tpm12 and test_sdm_tpm
	libtspi1           # libtspi.so.1, loaded by sdm tpm pcrs --tpm12
	libtss2-dev        # sdm tpm/attest subcommands (tpm2-tss)
	libssl-dev         # sdm policy signing (OpenSSL 3)
	libyaml-dev        # policy source parser (sdm policy)
)

missing=()
for pkg in "${PACKAGES[@]}"; do
	status=$(dpkg-query -W -f='${db:Status-Abbrev}' "$pkg" 2>/dev/null || true)
	if [[ $status != ii* ]]; then
		missing+=("$pkg")
	fi
done

if ((${#missing[@]} == 0)); then
	echo "deps: all ${#PACKAGES[@]} packages present"
	exit 0
fi

if ((EUID != 0)); then
	echo "deps: missing packages: ${missing[*]}" >&2
	echo "deps: installing them needs root; run: sudo $0" >&2
	exit 1
fi

echo "deps: installing: ${missing[*]}"
export DEBIAN_FRONTEND=noninteractive
apt-get update
apt-get install -y --no-install-recommends "${missing[@]}"
echo "deps: installed ${#missing[@]} package(s)"
