#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0
#
# Install everything rust_lz4 needs on a fresh Debian 12 (bookworm) x86_64
# machine: the kernel Rust toolchain, clang/LLVM 19, QEMU, busybox, the
# pinned bindgen-cli, the two kernel source trees and two OpenZFS module
# sources (the reference decoder of the ZFS framing).  Idempotent: a second
# run does no network access and prints the versions in use.
#
# Everything built or downloaded lives under $RUST_LZ4_CACHE (default
# ~/.cache/rust_lz4), outside the checkout.  The cache only speeds things up;
# deleting it is always safe.
set -euo pipefail

here=$(cd "$(dirname "$0")" && pwd)
. "$here/lib.sh"
. "$here/private-apt.sh"

BINDGEN_VERSION=0.73.2
SRC_712=linux-source-6.12
SRC_73=linux-source-7.3

log() { printf 'setup: %s\n' "$*" >&2; }

as_root() {
	if [ "$(id -u)" = 0 ]; then "$@"; else sudo "$@"; fi
}

# Debian packages from bookworm / bookworm-security.
PKGS=(
	rustc-web rust-web-src libstd-rust-web-dev rust-web-clippy rustfmt-web
	clang-19 lld-19 llvm-19 libclang-19-dev
	build-essential bc bison flex libelf-dev libssl-dev cpio kmod
	busybox-static lz4 liblz4-dev xz-utils python3
	# `make test` packaging check: dkms add + build in private trees
	dkms
	# Debian's own kernel: a private trixie root (scripts/debian.sh)
	mmdebstrap
	"$SRC_712"
)
# qemu-system-x86 must match the qemu-utils 10.0 of the image: take it from
# bookworm-backports.
BPO_PKGS=(qemu-system-x86)

missing_pkgs() {
	local p
	for p in "$@"; do
		dpkg-query -W -f='${Status}\n' "$p" 2>/dev/null |
			grep -q '^install ok installed$' || echo "$p"
	done
}

apt_updated=
apt_update() {
	[ -n "$apt_updated" ] && return 0
	as_root apt-get update -qq
	apt_updated=1
}

ensure_backports_source() {
	local f=/etc/apt/sources.list.d/bookworm-backports.sources
	grep -rqs 'bookworm-backports' /etc/apt/sources.list /etc/apt/sources.list.d/ && return 0
	log "adding bookworm-backports to apt sources"
	as_root tee "$f" >/dev/null <<-SRC
	Types: deb
	URIs: http://deb.debian.org/debian
	Suites: bookworm-backports
	Components: main
	Signed-By: /usr/share/keyrings/debian-archive-keyring.gpg
	SRC
	apt_updated=
}

install_packages() {
	local miss bpo_miss
	miss=$(missing_pkgs "${PKGS[@]}")
	bpo_miss=$(missing_pkgs "${BPO_PKGS[@]}")
	if [ -n "$miss$bpo_miss" ]; then
		ensure_backports_source
		apt_update
	fi
	if [ -n "$miss" ]; then
		log "installing:" $miss
		# shellcheck disable=SC2086
		as_root env DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends $miss >/dev/null
	fi
	if [ -n "$bpo_miss" ]; then
		log "installing from bookworm-backports:" $bpo_miss
		# shellcheck disable=SC2086
		as_root env DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends -t bookworm-backports $bpo_miss >/dev/null
	fi
}

install_bindgen() {
	if [ -x "$BINDGEN" ] && "$BINDGEN" --version 2>/dev/null | grep -q " $BINDGEN_VERSION\$"; then
		return 0
	fi
	log "building bindgen-cli $BINDGEN_VERSION (about 2 minutes)"
	# bindgen links libclang at run time; point it at clang 19.
	LIBCLANG_PATH=/usr/lib/llvm-19/lib \
		cargo install --quiet --locked --root "$CACHE/bindgen" \
		--version "$BINDGEN_VERSION" bindgen-cli
}

# linux-source-7.3 lives in trixie-backports.  Fetch it through a private apt
# configuration so that nothing from trixie ever reaches the machine's own
# apt: only the arch-all source tarball is downloaded and unpacked.
fetch_src_73() {
	local deb
	[ -n "$(ls "$CACHE"/src-debs/${SRC_73}/usr/src/linux-source-7.3*.tar.* 2>/dev/null)" ] && return 0
	log "fetching $SRC_73 from trixie-backports (private apt configuration)"
	private_apt trixie trixie-backports
	mkdir -p "$CACHE/src-debs"
	(cd "$CACHE/src-debs" && "${APT[@]}" download -qq "$SRC_73")
	deb=$(ls -t "$CACHE"/src-debs/${SRC_73}_*.deb | head -1)
	rm -rf "$CACHE/src-debs/$SRC_73"
	dpkg -x "$deb" "$CACHE/src-debs/$SRC_73"
}

# OpenZFS's module source, for the reference decoder (tools/rlz4/build.rs)
# and the zfs_diff fuzz target: zfs-dkms of two versions whose decode rules
# differ (Documentation/decoder.rst).  contrib, fetched with a private apt
# configuration and unpacked with dpkg -x: installing zfs-dkms would build
# and load ZFS on this machine.
ZFS_SRCS=(
	"bookworm-backports 2.3.2"
	"trixie-backports 2.4.4"
)

# fetch_zfs SUITE VERSION: $CACHE/src/zfs-VERSION, OpenZFS's module source.
fetch_zfs() {
	local suite=$1 ver=$2 dst="$CACHE/src/zfs-$2" deb tmp
	[ -f "$dst/module/zfs/lz4_zfs.c" ] && return 0
	log "fetching zfs-dkms $ver from $suite contrib (private apt configuration, not installed)"
	private_apt "$suite" "$suite"
	mkdir -p "$CACHE/src-debs" "$CACHE/src"
	(cd "$CACHE/src-debs" && "${APT[@]}" download -qq "zfs-dkms=$ver-*") ||
		die "zfs-dkms $ver is no longer in $suite: update ZFS_SRCS in scripts/setup.sh"
	deb=$(ls -t "$CACHE"/src-debs/zfs-dkms_"$ver"-*_all.deb | head -1)
	tmp=$(mktemp -d "$CACHE/src/.zfs-XXXXXX")
	dpkg -x "$deb" "$tmp"
	[ -f "$tmp/usr/src/zfs-$ver/module/zfs/lz4_zfs.c" ] || die "$deb has no usr/src/zfs-$ver/module/zfs/lz4_zfs.c"
	rm -rf "$dst"
	mv "$tmp/usr/src/zfs-$ver" "$dst"
	rm -rf "$tmp"
}

# Unpack a source tarball into $CACHE/src/linux-<ver>, once.
unpack_src() {
	local tarball=$1 ver=$2 dst="$CACHE/src/linux-$2"
	[ -f "$dst/.unpacked" ] && return 0
	log "unpacking $(basename "$tarball")"
	rm -rf "$dst" "$dst.tmp"
	mkdir -p "$dst.tmp"
	tar -xf "$tarball" -C "$dst.tmp" --strip-components=1
	touch "$dst.tmp/.unpacked"
	mv "$dst.tmp" "$dst"
}

main() {
	mkdir -p "$CACHE"
	install_packages
	install_bindgen
	fetch_src_73
	unpack_src "$(ls /usr/src/linux-source-6.12.tar.* | head -1)" 6.12
	unpack_src "$(ls "$CACHE"/src-debs/$SRC_73/usr/src/linux-source-7.3.tar.* | head -1)" 7.3
	local z
	for z in "${ZFS_SRCS[@]}"; do
		# shellcheck disable=SC2086
		fetch_zfs $z
	done
	{
		echo "setup: versions in use"
		echo "  rustc:     $($RUSTC --version)"
		echo "  bindgen:   $("$BINDGEN" --version)"
		echo "  clang:     $(clang-19 --version | head -1)"
		echo "  qemu:      $(qemu-system-x86_64 --version | head -1)"
		echo "  busybox:   $(busybox 2>&1 | head -1)"
		echo "  linux 6.12 $(dpkg-query -W -f='${Version}' $SRC_712)"
		echo "  linux 7.3  $(dpkg-deb -f "$(ls -t "$CACHE"/src-debs/${SRC_73}_*.deb | head -1)" Version)"
		for z in "${ZFS_SRCS[@]}"; do
			echo "  openzfs    $(dpkg-deb -f "$(ls -t "$CACHE"/src-debs/zfs-dkms_"${z#* }"-*_all.deb | head -1)" Version) (${z% *})"
		done
		echo "  cache:     $CACHE"
	} >&2
}

main "$@"
