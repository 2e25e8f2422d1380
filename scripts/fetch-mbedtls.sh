#!/bin/sh
# Fetch the sources of Debian's mbedtls source package and unpack them into
# build/third_party/mbedtls/, where mk/mbedtls.mk compiles the few files
# sinit and dommgr need with our freestanding flags.
#
#   scripts/fetch-mbedtls.sh [DEST]     (default build/third_party/mbedtls)
#
# Idempotent: does nothing if DEST/SDM-SOURCE already records an unpacked
# tree. Needs root on a fresh machine (it may add a deb-src entry, run
# apt-get update and install dpkg-dev for dpkg-source).
#
# Trust: apt-get source checks every downloaded file (.dsc, .orig.tar.*,
# .debian.tar.*) against the hashes of the Sources index, which is covered by
# the OpenPGP-signed Release file of the mirror (Signed-By in the sources
# entry). We never pass --allow-unauthenticated, and dpkg-source -x checks the
# tarballs once more against the checksums listed in the .dsc. The .dsc's
# SHA-256 and the package version are recorded in DEST/SDM-SOURCE.
set -eu

dest=${1:-build/third_party/mbedtls}
stamp=$dest/SDM-SOURCE

if [ -f "$stamp" ] && [ -f "$dest/include/mbedtls/version.h" ]; then
	exit 0
fi

say() { echo "fetch-mbedtls: $*"; }
die() { echo "fetch-mbedtls: error: $*" >&2; exit 1; }

if [ "$(id -u)" != 0 ] && ! command -v sudo >/dev/null 2>&1; then
	die "needs root (to add a deb-src entry and run apt-get)"
fi
asroot() { if [ "$(id -u)" = 0 ]; then "$@"; else sudo "$@"; fi; }

# ------------------------------------------------------------ deb-src entry
# Debian 12 keeps its mirrors in deb822 form in
# /etc/apt/sources.list.d/debian.sources ("Types: deb"). We add a separate
# file holding the same stanzas with "Types: deb-src", so the source package
# comes from the same mirror, suites and signing key. A classic one-line
# sources.list is handled likewise.
srcfile=/etc/apt/sources.list.d/sdm-deb-src.sources
srclist=/etc/apt/sources.list.d/sdm-deb-src.list

# A deb-src entry for a Debian mirror already there (ours or the admin's)?
have_deb_src() {
	for f in /etc/apt/sources.list.d/*.sources; do
		[ -f "$f" ] || continue
		grep -qE '^[[:space:]]*Types:.*deb-src' "$f" &&
			grep -qE '^[[:space:]]*URIs:.*debian' "$f" && return 0
	done
	grep -qsE '^[[:space:]]*deb-src[[:space:]].*debian' \
		/etc/apt/sources.list /etc/apt/sources.list.d/*.list
}

add_deb_src() {
	tmp=$(mktemp)
	for f in /etc/apt/sources.list.d/*.sources; do
		[ -f "$f" ] || continue
		[ "$f" = "$srcfile" ] && continue
		# Copy every stanza whose Types has "deb", as deb-src, keeping
		# URIs, Suites, Components and Signed-By. Only Debian mirrors.
		awk '
			function flush() {
				if (isdeb && isdebian && n) {
					for (i = 1; i <= n; i++) print buf[i]
					print ""
				}
				n = 0; isdeb = 0; isdebian = 0
			}
			/^[ \t]*$/ { flush(); next }
			/^[ \t]*#/ { next }
			/^Types:/ {
				if ($0 ~ /[ \t]deb([ \t]|$)/) isdeb = 1
				buf[++n] = "Types: deb-src"; next
			}
			/^URIs:/ && /debian/ { isdebian = 1 }
			/^Enabled:[ \t]*no/ { isdeb = 0 }
			{ buf[++n] = $0 }
			END { flush() }
		' "$f" >>"$tmp"
	done
	if [ -s "$tmp" ]; then
		say "adding deb-src entries in $srcfile"
		asroot install -m 0644 "$tmp" "$srcfile"
		rm -f "$tmp"
		return 0
	fi
	rm -f "$tmp"
	if grep -qsE '^[[:space:]]*deb[[:space:]]' /etc/apt/sources.list; then
		say "adding deb-src lines in $srclist"
		sed -n 's/^[[:space:]]*deb\([[:space:]]\)/deb-src\1/p' \
			/etc/apt/sources.list >"$tmp"
		asroot install -m 0644 "$tmp" "$srclist"
		rm -f "$tmp"
		return 0
	fi
	die "no Debian 'deb' entry found to derive a deb-src entry from"
}

updated=no
if ! have_deb_src; then
	add_deb_src
	asroot apt-get update -q >/dev/null
	updated=yes
fi

# dpkg-source (package dpkg-dev) unpacks and re-checks the source package.
if ! command -v dpkg-source >/dev/null 2>&1; then
	[ $updated = yes ] || asroot apt-get update -q >/dev/null
	updated=yes
	say "installing dpkg-dev (for dpkg-source)"
	asroot env DEBIAN_FRONTEND=noninteractive apt-get install -y -q \
		--no-install-recommends dpkg-dev >/dev/null
fi

# ------------------------------------------------------------ download
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT INT TERM
# apt drops privileges to _apt for downloads: let it write there.
chmod 0755 "$work"
chown _apt "$work" 2>/dev/null || true

fetch() {
	(cd "$work" && asroot apt-get source -q --download-only mbedtls)
}
if ! fetch >"$work/apt.log" 2>&1; then
	if [ $updated = no ]; then
		# A stale or missing Sources index: refresh once and retry.
		asroot apt-get update -q >/dev/null
		fetch >"$work/apt.log" 2>&1 || { cat "$work/apt.log" >&2;
			die "apt-get source mbedtls failed"; }
	else
		cat "$work/apt.log" >&2
		die "apt-get source mbedtls failed"
	fi
fi

set -- "$work"/mbedtls_*.dsc
if [ $# != 1 ] || [ ! -f "$1" ]; then
	die "expected exactly one mbedtls .dsc"
fi
dsc=$1
version=$(sed -n 's/^Version:[[:space:]]*//p' "$dsc" | head -n 1)
[ -n "$version" ] || die "no Version in $dsc"

# ------------------------------------------------------------ unpack
# dpkg-source verifies sizes and checksums of the tarballs listed in the
# .dsc; without debian-keyring it can only warn about the .dsc's own
# signature, which apt already covered through the signed Release file.
(cd "$work" && dpkg-source --no-copy -x "$(basename "$dsc")" src) \
	>"$work/dpkg-source.log" 2>&1 || {
	cat "$work/dpkg-source.log" >&2; die "dpkg-source -x failed"; }
[ -f "$work/src/include/mbedtls/version.h" ] ||
	die "unpacked tree lacks include/mbedtls/version.h"

rm -rf "$dest"
mkdir -p "$(dirname "$dest")"
mv "$work/src" "$dest"
{
	echo "package: mbedtls"
	echo "version: $version"
	echo "dsc: $(basename "$dsc")"
	echo "dsc-sha256: $(sha256sum "$dsc" | cut -d' ' -f1)"
	echo "verified-by: apt-get source (signed Release -> Sources hashes)"
	echo "            and dpkg-source -x (.dsc checksums)"
} >"$stamp"
say "mbedtls $version unpacked into $dest"
