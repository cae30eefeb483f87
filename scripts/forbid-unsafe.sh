#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0
#
# Check that the compiler refuses `unsafe` anywhere in lz4/.
#
#   forbid-unsafe.sh              with the host's rustc (scripts/host-test.sh)
#   forbid-unsafe.sh KDIR MODDIR  with the rustc command line of the module
#                                 built against KDIR in MODDIR (scripts/test.sh)
#
# lz4/mod.rs starts with `#![forbid(unsafe_code)]`, which covers every file
# of lz4/ in each crate that includes it (the module, tools/rlz4, kcount's
# shim).  On a copy of lz4/, three builds of a crate that includes it:
#   1. the copy as it is must build;
#   2. with an `unsafe {}` block planted in lz4/block/copy.rs it must fail,
#      with the compiler's "usage of an `unsafe` block";
#   3. the same plant with the forbid line taken out must build again: the
#      control that shows it is the attribute, and nothing else, that
#      rejects the plant.
# Exits 1 if any of the three goes otherwise.
set -euo pipefail

here=$(cd "$(dirname "$0")" && pwd)
top=$(dirname "$here")
. "$here/lib.sh"

tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT

KDIR=${1:-} MODDIR=${2:-}
if [ -n "$KDIR" ]; then
	where="the module's rustc command line, $KDIR"
else
	where="the host rustc"
fi

build() { # DIR: builds DIR/lz4; compiler output in DIR/log
	printf '#![no_std]\n#[path = "lz4/mod.rs"]\npub mod lz4;\n' >"$1/root.rs"
	if [ -z "$KDIR" ]; then
		rustc --edition=2021 --crate-type=rlib --crate-name forbid_check -Cpanic=abort \
			--cfg rlz4_cold_path --out-dir "$1" "$1/root.rs" >"$1/log" 2>&1
	else
		core_rustc "$KDIR" "$MODDIR" "$1/root.rs" "$1/root.o" >"$1/log" 2>&1
	fi
}

status=0
for case in clean planted unforbidden; do
	d=$tmp/$case
	mkdir -p "$d"
	cp -r "$top/lz4" "$d/lz4"
	if [ $case != clean ]; then
		printf '\n/// Planted by scripts/forbid-unsafe.sh.\npub fn planted_unsafe() {\n    unsafe {}\n}\n' \
			>>"$d/lz4/block/copy.rs"
	fi
	if [ $case = unforbidden ]; then
		sed -i '/^#!\[forbid(unsafe_code)\]$/d' "$d/lz4/mod.rs"
	fi
	rc=0
	build "$d" || rc=$?
	case $case:$rc in
	clean:0) echo "lz4/ as it is builds ($where)" ;;
	planted:0)
		echo "FAIL: an unsafe block planted in lz4/block/copy.rs built ($where)"
		status=1 ;;
	planted:*)
		if grep -q 'usage of an `unsafe` block' "$d/log"; then
			echo "a planted unsafe block fails: $(grep -m1 'usage of an `unsafe` block' "$d/log")"
		else
			echo "FAIL: the planted build failed for another reason:"
			head -20 "$d/log"
			status=1
		fi ;;
	unforbidden:0) echo "control: the same plant without #![forbid(unsafe_code)] builds" ;;
	*)
		echo "FAIL: the $case build ended with status $rc ($where):"
		head -20 "$d/log"
		status=1 ;;
	esac
done
exit $status
