#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0
#
# Build the host crate in release mode and run `rlz4 bench`: decompression
# throughput of the rust_lz4 decoder against liblz4, lz4_flex (safe and
# unsafe decode), the kernel's lib/lz4 C decoder and memcpy.
# See Documentation/benchmarks.rst.
#
#   scripts/bench.sh                full run (about 1-2 minutes); the table and
#                                   a JSON copy are kept in $RUST_LZ4_CACHE/bench/
#   scripts/bench.sh --quick        smoke run (a few seconds): every decoder's
#                                   output is verified, timings are not meaningful
#   scripts/bench.sh [ARGS...]      other arguments go to `rlz4 bench`
#                                   (try --help)
#
# Exit status: non-zero only if the build fails, a decoder's output does not
# match the original, or the run crashes.  Missed performance targets are
# reported, never an error.
set -euo pipefail

root=$(cd "$(dirname "$0")/.." && pwd)
manifest=$root/tools/rlz4/Cargo.toml
export RUST_LZ4_CACHE=${RUST_LZ4_CACHE:-$HOME/.cache/rust_lz4}

quick=0
for a in "$@"; do
	case $a in
	--quick|--smoke) quick=1 ;;
	-h|--help) quick=1 ;;
	esac
done
args=()
for a in "$@"; do
	[ "$a" = --smoke ] && a=--quick
	args+=("$a")
done

cargo build --quiet --release --manifest-path "$manifest" --bin rlz4
target=$(cargo metadata --format-version 1 --no-deps --manifest-path "$manifest" |
	python3 -c 'import json,sys; print(json.load(sys.stdin)["target_directory"])')
bin=$target/release/rlz4

if [ $quick = 1 ]; then
	# A smoke run must print something: an rlz4 without the bench
	# subcommand wired in would otherwise pass silently.
	tmp=$(mktemp)
	trap 'rm -f "$tmp"' EXIT
	"$bin" bench "${args[@]}" >"$tmp"
	cat "$tmp"
	[ -s "$tmp" ] || { echo "bench.sh: rlz4 bench printed nothing" >&2; exit 1; }
	exit 0
fi

out=$RUST_LZ4_CACHE/bench
mkdir -p "$out"
stamp=$(date -u +%Y%m%dT%H%M%SZ)
"$bin" bench --json="$out/$stamp.json" "${args[@]}" | tee "$out/$stamp.txt"
ln -sfn "$stamp.txt" "$out/last.txt"
ln -sfn "$stamp.json" "$out/last.json"
echo "bench.sh: results kept in $out/$stamp.{txt,json}" >&2
