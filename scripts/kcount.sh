#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0
#
# Count, exactly and on the host, the instructions the module's decoder,
# the kernel's C decoder and OpenZFS's own decoder execute on the kbench
# corpora.
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
# OpenZFS 2.4.4's module/zfs/lz4_zfs.c and lz4.c (zfs_lz4_decompress_buf,
# whose core is LZ4_uncompress_unknownOutputSize) are compiled unmodified
# with the code generation flags of the kernel's own lib/lz4 command line
# (less lib/lz4's extra -O3: OpenZFS's Kbuild adds none) and the stand-in
# headers of tools/rlz4/csrc/zfs/; the "zfs" column decodes the same blocks
# in the ZFS framing.  Then FILE/zfs rows at 128K, 1M and 16M (ZFS_BS, CAP
# permitting): blocks that OpenZFS's own compressor made, with its rule
# (a block that saves less than 12.5 % is stored uncompressed: no row).  Without
# the OpenZFS source (scripts/setup.sh) the column says n/a.
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
# OpenZFS with the kernel's code generation flags, from lib/lz4's own
# command line.
zsrc=${RUST_LZ4_ZFS_SRC:-$CACHE/src}/zfs-2.4.4/module/zfs
zobjs=()
if [ -f "$zsrc/lz4_zfs.c" ] && [ -f "$zsrc/lz4.c" ]; then
	read -ra kflags <<<"$(sed -n 's/^savedcmd_[^ ]* := //p' "$kdir/lib/lz4/.lz4_decompress.o.cmd" |
		tr ' ' '\n' | grep -E '^(-m|-f|-O2$|-std=|--target=)' | grep -v '^-fmacro-prefix-map' | tr '\n' ' ')"
	for f in lz4_zfs lz4; do
		clang-19 "${kflags[@]}" -I "$top/tools/rlz4/csrc/zfs" -DZFS_REF_PREFIX=zfs244_ \
			-c -o "$out/zfs-$f.o" "$zsrc/$f.c" || die "compiling OpenZFS $f.c failed"
		objcopy "${kmem[@]}" "$out/zfs-$f.o"
		zobjs+=("$out/zfs-$f.o")
	done
	zfs_note="OpenZFS 2.4.4 ($zsrc), ${kflags[*]}"
else
	# Never called: the zfs column is n/a.
	printf '%s\n' '#include <stddef.h>' \
		'int zfs244_zfs_lz4_decompress_buf(void *s, void *d, size_t a, size_t b, int n) { return 1; }' \
		'size_t zfs244_zfs_lz4_compress_buf(void *s, void *d, size_t a, size_t b, int n) { return a; }' \
		'void zfs244_lz4_init(void) {}' >"$out/zfs-missing.c"
	zobjs=("$out/zfs-missing.c")
	zfs_note="n/a: no OpenZFS 2.4.4 source in $zsrc (scripts/setup.sh)"
fi
gcc -O2 -no-pie -o "$out/driver" "$top/tools/kcount/driver.c" "$out/stubs.c" \
	"$out/rust.o" "$out/c.o" "${zobjs[@]}" -llz4
have_zfs=$([ "${zobjs[0]}" != "$out/zfs-missing.c" ] && echo 1 || echo 0)

count() { # FILE BLOCK rust|c|zfs -> instructions
	local f="$out/cg.$(basename "$1").$2.$3"
	if [ "$3" = zfs ] && [ "$have_zfs" = 0 ]; then echo n/a; return; fi
	valgrind -q --tool=callgrind --callgrind-out-file="$f" --toggle-collect="run_$3" \
		--dump-instr="$([ "${KCOUNT_KEEP:-0}" = 1 ] && echo yes || echo no)" \
		"$out/driver" "$1" "$2" "$cap" "$3" >/dev/null
	sed -n 's/^summary: //p' "$f"
	[ "${KCOUNT_KEEP:-0}" = 1 ] || rm -f "$f"
}

size_label() { # BYTES -> 4K, 1M...
	if [ $(($1 % 1048576)) = 0 ]; then echo $(($1 / 1048576))M; else echo $(($1 / 1024))K; fi
}

# The cells: "FILE BLOCK" with liblz4's blocks, then "FILE/zfs BLOCK" with
# OpenZFS's at the record sizes among BS that CAP holds.
cells() {
	local name bs
	for name in $files; do
		for bs in $sizes; do echo "$name $bs"; done
	done
	[ "$have_zfs" = 1 ] || return 0
	for name in $files; do
		for bs in ${ZFS_BS:-131072 1048576 16777216}; do
			[ "$bs" -le "$cap" ] && echo "$name/zfs $bs"
		done
	done
}
ratio() { awk -v a="$1" -v b="$2" 'BEGIN { if (a + 0 > 0 && b + 0 > 0) printf "%.3f", a / b; else print "n/a" }'; }

echo "Linux $K build of lz4/ vs lib/lz4/lz4_decompress.o vs OpenZFS's zfs_lz4_decompress_buf, callgrind instructions, $cap bytes per corpus"
echo "zfs: $zfs_note"
printf '%-14s %6s %12s %12s %12s %7s %7s\n' file block rust c zfs C/Rust ZFS/Rust
while read -r name bs; do
	comp=liblz4
	case $name in */zfs) comp=openzfs ;; esac
	f=$top/out/guest/bench/${name%/zfs}
	rc=0
	KCOUNT_COMPRESSOR=$comp "$out/driver" "$f" "$bs" "$cap" zfs >/dev/null 2>&1 || rc=$?
	if [ $rc = 3 ]; then
		printf '%-14s %6s   (OpenZFS would store some block uncompressed)\n' "$name" "$(size_label "$bs")"
		continue
	fi
	r=$(KCOUNT_COMPRESSOR=$comp count "$f" "$bs" rust)
	c=$(KCOUNT_COMPRESSOR=$comp count "$f" "$bs" c)
	z=$(KCOUNT_COMPRESSOR=$comp count "$f" "$bs" zfs)
	printf '%-14s %6s %12s %12s %12s %7s %7s\n' "$name" "$(size_label "$bs")" "$r" "$c" "$z" \
		"$(ratio "$c" "$r")" "$(ratio "$z" "$r")"
done < <(cells)

rounds=${KCOUNT_ROUNDS:-50}
[ "$rounds" -gt 0 ] || exit 0
echo
echo "The same objects timed natively on this CPU ($(sed -n "s/^model name[[:space:]]*: //p" /proc/cpuinfo | head -n 1)), fastest of $rounds alternated rounds, MB/s of output"
printf '%-14s %6s %12s %12s %12s %7s %7s\n' file block rust c zfs C/Rust ZFS/Rust
while read -r name bs; do
	comp=liblz4
	case $name in */zfs) comp=openzfs ;; esac
	rc=0
	res=$(KCOUNT_COMPRESSOR=$comp "$out/driver" "$top/out/guest/bench/${name%/zfs}" "$bs" "$cap" time "$rounds" 2>/dev/null) || rc=$?
	if [ $rc = 3 ]; then
		printf '%-14s %6s   (OpenZFS would store some block uncompressed)\n' "$name" "$(size_label "$bs")"
		continue
	fi
	[ $rc = 0 ] || die "driver failed on $name $bs"
	read -r r c z cr zr <<<"$res"
	[ "$have_zfs" = 1 ] || z=n/a zr=n/a
	printf '%-14s %6s %12s %12s %12s %7s %7s\n' "$name" "$(size_label "$bs")" "$r" "$c" "$z" "$cr" "$zr"
done < <(cells)
