#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0
#
# Build the test initramfs: busybox-static, /init, the guest suites and the
# module, with the kernel's own gen_init_cpio (no root, no mknod needed).
#
#   initramfs.sh KDIR MODULE.ko OUT.cpio [DEST=SRC ...]
#
# Each DEST=SRC adds a file, or, when SRC is a directory, the directory DEST
# with the files directly in SRC.  A kernel tree with rlz4-kmod/ (Debian's
# own kernel, scripts/debian.sh) adds those modules as /kmod, which /init
# loads before the suite.
set -euo pipefail

here=$(cd "$(dirname "$0")" && pwd)
top=$(dirname "$here")
. "$here/lib.sh"

[ $# -ge 3 ] || die "usage: initramfs.sh KDIR MODULE.ko OUT.cpio [DEST=SRC ...]"
kdir=$1 ko=$2 out=$3
shift 3
gen=$kdir/usr/gen_init_cpio
[ -x "$gen" ] || make -C "$kdir" $(kmake_args "$kdir") usr/gen_init_cpio >/dev/null
bb=$(command -v busybox) || die "busybox-static is not installed"
file -L "$bb" | grep -q 'statically linked' || die "$bb is not static (install busybox-static)"

list=$(mktemp)
trap 'rm -f "$list"' EXIT
{
	for d in /bin /dev /etc /lib /proc /root /sys /tmp /tests; do echo "dir $d 755 0 0"; done
	echo "nod /dev/console 600 0 0 c 5 1"
	echo "file /bin/busybox $bb 755 0 0"
	echo "slink /bin/sh busybox 777 0 0"
	echo "file /init $top/tests/guest/init 755 0 0"
	echo "file /rust_lz4.ko $ko 644 0 0"
	if [ -d "$kdir/rlz4-kmod" ]; then
		echo "dir /kmod 755 0 0"
		for f in "$kdir"/rlz4-kmod/*.ko; do echo "file /kmod/$(basename "$f") $f 644 0 0"; done
	fi
	for f in "$top"/tests/guest/*.sh; do
		echo "file /tests/$(basename "$f") $f 755 0 0"
	done
	for extra in "$@"; do
		dest=${extra%%=*} src=${extra#*=}
		if [ -d "$src" ]; then
			echo "dir $dest 755 0 0"
			for f in "$src"/*; do
				[ -f "$f" ] && echo "file $dest/$(basename "$f") $f 644 0 0"
			done
		else
			echo "file $dest $src 755 0 0"
		fi
	done
} >"$list"
"$gen" "$list" >"$out"
