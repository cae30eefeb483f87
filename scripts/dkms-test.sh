#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0
#
# Packaging test: `make modules_install` and `dkms add` + `dkms build`
# against a test kernel tree, in private directories (the machine's
# /var/lib/dkms, /usr/src and /lib/modules are never touched).
#
#   dkms-test.sh KDIR REFERENCE.ko OUTDIR
#
# REFERENCE.ko is rust_lz4.ko built by scripts/module.sh for KDIR: the
# installed and the dkms-built module must carry its vermagic.  A negative
# control runs dkms against a copy of KDIR's .config without CONFIG_RUST,
# which BUILD_EXCLUSIVE_CONFIG must refuse.  Prints "ok NAME" / "not ok
# NAME: why" lines; exits 1 if any failed.
set -uo pipefail

here=$(cd "$(dirname "$0")" && pwd)
top=$(dirname "$here")
. "$here/lib.sh"

[ $# = 3 ] || die "usage: dkms-test.sh KDIR REFERENCE.ko OUTDIR"
kdir=$1 ref=$2 out=$(realpath -m "$3")
command -v dkms >/dev/null || die "dkms is not installed (scripts/setup.sh installs it)"
rel=$(cat "$kdir/include/config/kernel.release")
want=$(modinfo -F vermagic "$ref")
ver=$(sed -n 's/^PACKAGE_VERSION="\(.*\)"/\1/p' "$top/dkms.conf")
bad=0
ok() { echo "ok $1"; }
notok() { echo "not ok $1: $2"; bad=1; }

rm -rf "$out"
mkdir -p "$out"/{src,dkms,install,root}

# make modules_install with INSTALL_MOD_PATH: the module lands under the
# prefix, for the kernel release of KDIR.
log=$out/modules_install.log
if make -C "$top" --no-print-directory modules_install KDIR="$kdir" \
	INSTALL_MOD_PATH="$out/root" >"$log" 2>&1; then
	ko=$(find "$out/root/lib/modules/$rel" -name rust_lz4.ko | head -1)
	if [ -z "$ko" ]; then
		notok modules_install "no rust_lz4.ko under $out/root/lib/modules/$rel (log $log)"
	elif [ "$(modinfo -F vermagic "$ko")" != "$want" ]; then
		notok modules_install "vermagic '$(modinfo -F vermagic "$ko")', want '$want'"
	else
		echo "installed: ${ko#"$out/root"}"
		ok modules_install
	fi
else
	tail -20 "$log"
	notok modules_install "make modules_install failed (log $log)"
fi

# The source tree dkms gets: what the module build uses, and dkms.conf
# (as `git archive` of a checkout would give, without tools/ and out/).
src=$out/src/rust_lz4-$ver
mkdir -p "$src"
cp -r "$top"/Kbuild "$top"/*.rs "$top"/*.[ch] "$top"/arc "$top"/lz4 "$top"/service "$top"/include \
	"$top"/dkms.conf "$top"/Makefile "$src"/

# dkms's own trees go to OUTDIR; the kernel is the test kernel tree.
dk=(--dkmstree "$out/dkms" --sourcetree "$out/src" --installtree "$out/install")
export RUST_LZ4_BINDGEN=$BINDGEN
log=$out/dkms.log
{
	dkms add "${dk[@]}" -m rust_lz4 -v "$ver" &&
		dkms build "${dk[@]}" -m rust_lz4 -v "$ver" -k "$rel" --kernelsourcedir "$kdir"
} >"$log" 2>&1
rc=$?
built=$out/dkms/rust_lz4/$ver/$rel/x86_64/module/rust_lz4.ko
if [ $rc != 0 ]; then
	tail -30 "$log"
	[ -f "$out/dkms/rust_lz4/$ver/build/make.log" ] && tail -30 "$out/dkms/rust_lz4/$ver/build/make.log"
	notok dkms_build "dkms exited $rc (log $log)"
elif [ ! -f "$built" ]; then
	notok dkms_build "no $built (log $log)"
elif [ "$(modinfo -F vermagic "$built")" != "$want" ]; then
	notok dkms_build "vermagic '$(modinfo -F vermagic "$built")', want '$want'"
else
	echo "dkms built: $built"
	echo "vermagic: $want"
	ok dkms_build
fi
echo "--- dkms log (excerpt)"
grep -v '^\s*$' "$log" | head -20

# Negative control: a kernel without CONFIG_RUST.  dkms must refuse the
# build (BUILD_EXCLUSIVE_CONFIG, exit 77) and build nothing.
fake=$out/no-rust-kernel
mkdir -p "$fake/include/config"
grep -v '^CONFIG_RUST=' "$kdir/.config" >"$fake/.config"
cp "$kdir/include/config/kernel.release" "$fake/include/config/"
cp "$kdir/Makefile" "$fake/" 2>/dev/null || true
log=$out/dkms-norust.log
dkms build "${dk[@]}" -m rust_lz4 -v "$ver" -k "$rel-norust" --kernelsourcedir "$fake" >"$log" 2>&1
rc=$?
if [ $rc = 0 ] || [ -f "$out/dkms/rust_lz4/$ver/$rel-norust/x86_64/module/rust_lz4.ko" ]; then
	notok dkms_refuses_kernel_without_rust "dkms built against a kernel without CONFIG_RUST (log $log)"
else
	echo "without CONFIG_RUST: dkms exit $rc: $(grep -i -m1 'exclusive\|not supported\|BUILD_EXCLUSIVE' "$log")"
	ok dkms_refuses_kernel_without_rust
fi
exit $bad
