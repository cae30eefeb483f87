#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0
#
# Count, exactly and on the host, the instructions the module's decoder and
# the kernel's C decoder execute on the kbench corpora.
#
#   kcount.sh [KERNEL]        (KERNEL 7.3 or 6.12; env FILES, BS, CAP)
#
# lz4/ is compiled with the rustc command line of the module build (the
# kernel's target, no SSE, the same optimisation and overflow checks) through
# tools/kcount/shim.rs, and linked with the kernel's own
# lib/lz4/lz4_decompress.o and the driver tools/kcount/driver.c.  valgrind's
# callgrind counts the instructions of each decoder alone: the same machine
# code as in the guest, so the C/Rust ratios agree with `make kbench
# ICOUNT=1` to about 1 %, in seconds and whatever the host's load.  With
# KCOUNT_KEEP=1 the callgrind files stay in out/kcount/ for
# callgrind_annotate.  Both objects copy with the driver's memcpy and
# memmove, the kernel's `rep movsb`, which callgrind counts once per byte
# (glibc's would be vector code, and the two decoders call different ones).
# A second table times the same two objects natively
# on this CPU (fastest of KCOUNT_ROUNDS rounds, default 50; 0 skips it):
# the kernel builds' code on real hardware, not under TCG.  Wall time, so
# it moves with the host's load; alternate runs to compare two versions.
# A development tool: `make test` does not run it.
set -euo pipefail

here=$(cd "$(dirname "$0")" && pwd)
top=$(dirname "$here")
. "$here/lib.sh"

K=${1:-$DEFAULT_KERNEL}
files=${FILES:-elf json ksrc-tar random repeat}
sizes=${BS:-4096 131072 1048576}
cap=${CAP:-1048576}
command -v valgrind >/dev/null || die "kcount needs valgrind (apt-get install valgrind)"
build_module "$K"
bash "$here/guest-data.sh" "$top/out/guest" >/dev/null 2>&1
out=$top/out/kcount
mkdir -p "$out"

# The shim needs only core: the module's rustc command compiles it.
core_rustc "$kdir" "$top/out/$K" "$top/tools/kcount/shim.rs" "$out/shim.o" || die "compiling the shim failed"

# The core functions the shim references (formatting, and the panic entry
# points of a variant that has any) are never reached by the driver: stubs
# that trap.
nm -u "$out/shim.o" | awk '$2 !~ /^(memcpy|memmove|memset|bcmp|memcmp)$/ { print $2 }' |
	while read -r sym; do
		printf 'void s_%s(void) __asm__("%s");\nvoid s_%s(void) { __builtin_trap(); }\n' \
			"${sym//[^A-Za-z0-9_]/_}" "$sym" "${sym//[^A-Za-z0-9_]/_}"
	done >"$out/stubs.c"
# Both objects copy with the kernel's memcpy and memmove, not glibc's.
kmem=(--redefine-sym memcpy=kcount_memcpy --redefine-sym memmove=kcount_memmove)
objcopy "${kmem[@]}" "$out/shim.o" "$out/rust.o"
objcopy "${kmem[@]}" "$kdir/lib/lz4/lz4_decompress.o" "$out/c.o"
gcc -O2 -no-pie -o "$out/driver" "$top/tools/kcount/driver.c" "$out/stubs.c" \
	"$out/rust.o" "$out/c.o" -llz4

count() { # FILE BLOCK rust|c -> instructions
	local f="$out/cg.$(basename "$1").$2.$3"
	valgrind -q --tool=callgrind --callgrind-out-file="$f" --toggle-collect="run_$3" \
		--dump-instr="$([ "${KCOUNT_KEEP:-0}" = 1 ] && echo yes || echo no)" \
		"$out/driver" "$1" "$2" "$cap" "$3" >/dev/null
	sed -n 's/^summary: //p' "$f"
	[ "${KCOUNT_KEEP:-0}" = 1 ] || rm -f "$f"
}

size_label() { # BYTES -> 4K, 1M...
	if [ $(($1 % 1048576)) = 0 ]; then echo $(($1 / 1048576))M; else echo $(($1 / 1024))K; fi
}

echo "Linux $K build of lz4/ vs lib/lz4/lz4_decompress.o, callgrind instructions, $cap bytes per corpus"
printf '%-10s %6s %12s %12s %7s\n' file block rust c C/Rust
for name in $files; do
	for bs in $sizes; do
		r=$(count "$top/out/guest/bench/$name" "$bs" rust)
		c=$(count "$top/out/guest/bench/$name" "$bs" c)
		printf '%-10s %6s %12s %12s %7.3f\n' "$name" "$(size_label "$bs")" "$r" "$c" \
			"$(awk -v r="$r" -v c="$c" 'BEGIN { print c / r }')"
	done
done

rounds=${KCOUNT_ROUNDS:-50}
[ "$rounds" -gt 0 ] || exit 0
echo
echo "The same objects timed natively on this CPU ($(sed -n "s/^model name[[:space:]]*: //p" /proc/cpuinfo | head -n 1)), fastest of $rounds rounds, MB/s of output"
printf '%-10s %6s %12s %12s %7s\n' file block rust c C/Rust
for name in $files; do
	for bs in $sizes; do
		res=$("$out/driver" "$top/out/guest/bench/$name" "$bs" "$cap" time "$rounds")
		read -r r c ratio <<<"$res"
		printf '%-10s %6s %12s %12s %7s\n' "$name" "$(size_label "$bs")" "$r" "$c" "$ratio"
	done
done
