#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0
#
# Build rust_lz4.ko against a kernel build tree.
#
#   module.sh KDIR OUTDIR [make arguments...]
#
# Kbuild writes objects next to the sources of an external module, and 6.12
# has no separate output directory for them (MO= came in 6.13), so the module
# is built in OUTDIR, a tree of symlinks to the sources: one per kernel, none
# of them inside the source tree.  Prints the path of the .ko.
set -euo pipefail

here=$(cd "$(dirname "$0")" && pwd)
top=$(dirname "$here")
. "$here/lib.sh"

[ $# -ge 2 ] || die "usage: module.sh KDIR OUTDIR [make args]"
kdir=$1 out=$(realpath -m "$2")
shift 2
[ -f "$kdir/Module.symvers" ] ||
	die "$kdir is not a prepared kernel tree with Module.symvers (run 'make modules_prepare modules' there)"
grep -q '^CONFIG_RUST=y' "$kdir/.config" || die "$kdir has no CONFIG_RUST=y"

mkdir -p "$out"
# Refresh the symlink farm: sources can be added or removed.
find "$out" -maxdepth 1 -type l -delete
for f in "$top"/Kbuild "$top"/*.rs "$top"/*.[ch] "$top"/arc "$top"/lz4 "$top"/service "$top"/include; do
	[ -e "$f" ] && ln -s "$f" "$out/"
done

# The ioctl ABI: service/uapi.rs against the C header, before any build.
bash "$here/abi-check.sh" >&2 || die "service/uapi.rs does not match include/uapi/linux/rust_lz4.h"

kexec "$kdir" make -C "$kdir" M="$out" $(kmake_args "$kdir") "$@" modules >&2
echo "$out/rust_lz4.ko"
