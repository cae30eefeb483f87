#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0
#
# Build (or find) a rust_lz4 test kernel.
#
#   kernel.sh build KERNEL   build if needed, print the build directory
#   kernel.sh path KERNEL    print the build directory (exit 1 if not built)
#
# KERNEL is a line from $KERNELS (7.3, 6.12), or its sanitizer variant
# (7.3-san, 6.12-san: kernels/sanitize.config merged on top).  With
# SANITIZE=1 in the environment a plain line name selects its variant.
# debian-7.3 is Debian's own kernel, made by scripts/debian.sh.
# The build lives in $CACHE/build/linux-KERNEL-KEY, where KEY hashes the source package version,
# the config fragments, the build recipe version and the toolchain, so any
# change to them builds a fresh kernel and an old build is never silently
# reused.
set -euo pipefail

here=$(cd "$(dirname "$0")" && pwd)
top=$(dirname "$here")
. "$here/lib.sh"

cmd=${1:-}
K=${2:-$DEFAULT_KERNEL}
case "$K" in debian-*) exec bash "$here/debian.sh" "$cmd" "$K" ;; esac
[ "${SANITIZE:-0}" != 1 ] || K=${K%-san}-san
# LINE: the kernel line (source tree and fragment); K names the build.
LINE=${K%-san}
case " $KERNELS " in *" $LINE "*) ;; *) die "unknown KERNEL '$K' (one of: $KERNELS, or LINE-san)" ;; esac

SRC=$CACHE/src/linux-$LINE
FRAGS=("$top/kernels/common.config" "$top/kernels/$LINE.config")
[ "$K" = "$LINE" ] || FRAGS+=("$top/kernels/sanitize.config")
# Bump when build() below changes what it produces.
RECIPE=1

build_key() {
	{
		cat "$SRC/.unpacked" "$SRC/Makefile" 2>/dev/null | head -c 4096
		cat "${FRAGS[@]}"
		echo "recipe $RECIPE"
		$RUSTC --version
		"$BINDGEN" --version
		clang-19 --version | head -1
	} | sha256sum | cut -c1-12
}

[ -f "$SRC/.unpacked" ] || die "no sources for $LINE in $SRC: run scripts/setup.sh"
B=$CACHE/build/linux-$K-$(build_key)

# Run one make stage in the background, printing its name and the elapsed
# time every 30 s; on failure show the end of its log.
stage() {
	local name=$1 t0 pid rc=0
	shift
	t0=$(date +%s)
	make -C "$SRC" O="$B" $(kmake_args) "$@" >>"$B.log" 2>&1 &
	pid=$!
	while kill -0 $pid 2>/dev/null; do
		for _ in $(seq 30); do kill -0 $pid 2>/dev/null && sleep 1; done
		kill -0 $pid 2>/dev/null && echo "kernel $K: $name ... $(elapsed "$t0")" >&2
	done
	wait $pid || rc=$?
	if [ $rc != 0 ]; then
		tail -40 "$B.log" >&2
		die "kernel $K: stage '$name' failed (full log: $B.log)"
	fi
	echo "kernel $K: $name done in $(elapsed "$t0")" >&2
}

# Every fragment line must survive olddefconfig: options without a prompt,
# or with unmet dependencies, are dropped silently.
check_config() {
	local f line bad=0
	for f in "${FRAGS[@]}"; do
		while IFS= read -r line; do
			case "$line" in
			CONFIG_*=*) grep -qxF "$line" "$B/.config" || { echo "missing: $line" >&2; bad=1; } ;;
			"# CONFIG_"*" is not set")
				local opt=${line#\# }; opt=${opt%% *}
				grep -q "^$opt=" "$B/.config" && { echo "unexpectedly set: $opt" >&2; bad=1; } ;;
			esac
		done <"$f"
	done
	[ $bad = 0 ] || die "kernel $K: config fragment not applied (see above)"
}

build() {
	local t0
	t0=$(date +%s)
	rm -rf "$B" "$B.log"
	mkdir -p "$B"
	echo "kernel $K: building in $B (log: $B.log)" >&2
	make -C "$SRC" O="$B" $(kmake_args) rustavailable >>"$B.log" 2>&1 ||
		{ tail -20 "$B.log" >&2; die "kernel $K: Rust toolchain not usable"; }
	stage tinyconfig tinyconfig
	"$SRC/scripts/kconfig/merge_config.sh" -m -O "$B" "$B/.config" "${FRAGS[@]}" >>"$B.log" 2>&1
	stage olddefconfig olddefconfig
	check_config
	stage "bzImage modules_prepare" -j"$(nproc)" bzImage modules_prepare
	# Module.symvers comes from a modules build; external modpost needs it.
	stage modules -j"$(nproc)" modules
	touch "$B/.done"
	echo "kernel $K: ready in $(elapsed "$t0"): $B" >&2
}

case "$cmd" in
build)
	# One builder per tree: concurrent runs wait for the first one.
	mkdir -p "$CACHE/build"
	exec 9>"$B.lock"
	flock 9
	[ -f "$B/.done" ] || build
	echo "$B"
	;;
path)
	[ -f "$B/.done" ] || die "kernel $K is not built: make kernel KERNEL=$K"
	echo "$B"
	;;
*) die "usage: kernel.sh build|path KERNEL" ;;
esac
