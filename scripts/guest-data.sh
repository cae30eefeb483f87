#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0
#
# Build what the device suites need inside the guest, into OUTDIR:
#
#   OUTDIR/rlz4            rlz4, statically linked (runs in the busybox guest)
#   OUTDIR/bench/          the benchmark corpora of `rlz4 bench`, raw, 16 MiB
#   OUTDIR/corpus/         compressed files in all four formats, 4 KiB-16 MiB,
#                          made by rlz4 (block, zfs) and the lz4 CLI (frame,
#                          legacy), with MANIFEST "name format max sha256 size":
#                          the SHA-256 of the bytes the host decoded
#
#   guest-data.sh [--tools-only] OUTDIR
set -euo pipefail

here=$(cd "$(dirname "$0")" && pwd)
top=$(dirname "$here")
. "$here/lib.sh"

tools_only=
[ "${1:-}" = --tools-only ] && { tools_only=1; shift; }
[ $# = 1 ] || die "usage: guest-data.sh [--tools-only] OUTDIR"
out=$1
mkdir -p "$out"
out=$(cd "$out" && pwd)

# A static binary: glibc's static libraries come with libc6-dev.  The target
# is explicit so that build scripts stay dynamic.
# One target directory per checkout: worktrees of the project share the
# cache, and cargo would take another checkout's binary for fresh.
target=x86_64-unknown-linux-gnu
tdir=$CACHE/target-static/$(printf %s "$top" | sha256sum | cut -c1-12)
RUSTFLAGS="-C target-feature=+crt-static" \
	cargo build --quiet --release --locked --target $target \
	--manifest-path "$top/tools/rlz4/Cargo.toml" --target-dir "$tdir"
cp "$tdir/$target/release/rlz4" "$out/rlz4"
file "$out/rlz4" | grep -qE 'static(-pie)? linked|statically linked' || die "rlz4 is not static"
rlz4=$out/rlz4
[ -z "$tools_only" ] || exit 0

rm -rf "$out/bench" "$out/corpus" "$out/tmp"
mkdir -p "$out/bench" "$out/corpus" "$out/tmp"
"$rlz4" kbench --export "$out/bench" --cap 16M >/dev/null

b=$out/bench c=$out/corpus t=$out/tmp
# slice SRC BYTES: the first BYTES of a corpus file.
slice() { head -c "$2" "$b/$1" >"$t/raw"; }
# add NAME FORMAT: record a corpus file whose original is $t/raw.
add() {
	local name=$1 fmt=$2 size sha
	size=$(stat -c %s "$t/raw")
	# The host decoder must give back the original: the guest compares the
	# kernel's output with this hash.
	"$rlz4" decompress --format "$fmt" --max-output "$size" "$c/$name" "$t/dec"
	cmp -s "$t/raw" "$t/dec" || die "host decode of $name differs from the original"
	sha=$(sha256sum "$t/dec" | cut -d' ' -f1)
	echo "$name $fmt $size $sha $size" >>"$c/MANIFEST"
}
rlz() { "$rlz4" compress --format "$1" "$t/raw" "$c/$2"; add "$2" "$1"; }

# json:5M: over KMALLOC_MAX_SIZE, so the kernel's buffer is vmalloc'ed at
# once (the fault-injection suite reaches vmalloc's fault sites with it).
for spec in ksrc-tar:4K json:128K elf:1M json:5M ksrc-tar:16M random:64K repeat:1M; do
	slice "${spec%%:*}" "${spec#*:}"
	rlz block "block-${spec%%:*}-${spec#*:}"
done
for spec in json:4K ksrc-tar:128K elf:1M json:16M; do
	slice "${spec%%:*}" "${spec#*:}"
	rlz zfs "zfs-${spec%%:*}-${spec#*:}"
done
# Frames from the reference CLI: every block size, linked blocks, content
# size, no checksum, concatenated frames.
frame() {
	local name=$1
	shift
	lz4 -q -z -f "$@" "$t/raw" "$c/$name"
	add "$name" frame
}
slice json 4K && frame frame-B4-json-4K -B4
slice ksrc-tar 1M && frame frame-B4-ksrc-1M -B4
slice json 1M && frame frame-B5-BD-json-1M -B5 -BD
slice elf 4M && frame frame-B6-size-elf-4M -B6 --content-size
slice ksrc-tar 16M && frame frame-B7-nocrc-ksrc-16M -B7 --no-frame-crc
slice repeat 2M && frame frame-B4-BD-repeat-2M -B4 -BD -BX
head -c 1M "$b/json" >"$t/a" && head -c 512K "$b/elf" >"$t/b"
lz4 -q -z -f "$t/a" "$t/a.lz4" && lz4 -q -z -f -B5 "$t/b" "$t/b.lz4"
cat "$t/a.lz4" "$t/b.lz4" >"$c/frame-concat-2"
cat "$t/a" "$t/b" >"$t/raw"
add frame-concat-2 frame
slice json 4K && lz4 -q -l -f "$t/raw" "$c/legacy-json-4K" && add legacy-json-4K legacy
slice json 1M && lz4 -q -l -f "$t/raw" "$c/legacy-json-1M" && add legacy-json-1M legacy
slice elf 16M && lz4 -q -l -f "$t/raw" "$c/legacy-elf-16M" && add legacy-elf-16M legacy
rm -rf "$t"
echo "guest data: $(wc -l <"$c/MANIFEST") corpus files, $(du -sh "$out" | cut -f1) in $out" >&2
