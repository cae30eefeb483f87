#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0
#
# `make kbench`: boot the test kernel and run the in-kernel benchmark, the
# Rust decoder against the kernel's LZ4_decompress_safe() on the corpora of
# `rlz4 bench`, at 4 KiB, 128 KiB, 1 MiB and 16 MiB blocks.  Under QEMU's TCG
# only the ratio (last column, C time / Rust time) means anything.
#
# Environment: KERNEL (7.3), KBENCH_CAP (bytes of each corpus, 16M),
# KBENCH_MS (time per cell in ms, 1000), KBENCH_FILES and KBENCH_BS
# (comma-separated corpus names and block sizes: a subset of the table),
# KBENCH_BOOTS (boots, 1: with more, each boot's table and then the mean,
# lowest and highest ratio of every cell; TCG's speed moves by a few per
# cent from one boot to the next, see Documentation/benchmarks.rst),
# ICOUNT=1 (QEMU's -icount: the guest clock counts guest instructions, so
# the table compares instructions executed, deterministically, instead of
# TCG wall time, which moves with the host's load).
set -euo pipefail

here=$(cd "$(dirname "$0")" && pwd)
top=$(dirname "$here")
. "$here/lib.sh"

K=${KERNEL:-$DEFAULT_KERNEL}
bash "$here/setup.sh"
bash "$here/guest-data.sh" "$top/out/guest"
module_initramfs "$K" "$top/out/$K/kbench.cpio" \
	/bin/rlz4="$top/out/guest/rlz4" /bench="$top/out/guest/bench"
append="rlz4.suite=kbench RLZ4_KBENCH_CAP=${KBENCH_CAP:-16M} RLZ4_KBENCH_MS=${KBENCH_MS:-1000}"
[ -z "${KBENCH_FILES:-}" ] || append="$append RLZ4_KBENCH_FILES=$KBENCH_FILES"
[ -z "${KBENCH_BS:-}" ] || append="$append RLZ4_KBENCH_BS=$KBENCH_BS"
# Where the kernel's link put the C decoder: under TCG a loop that jumps
# across a page boundary runs slower (Documentation/benchmarks.rst, "Code
# placement under TCG"), so the ratios depend on it.
c_placement() {
	local value size off
	read -r value size < <(nm -S "$kdir/vmlinux" | awk '$4 == "LZ4_decompress_safe" { print $1, $2 }') ||
		{ echo "C decoder: LZ4_decompress_safe not found in $kdir/vmlinux"; return; }
	# The low 12 bits: the address does not fit a signed 64-bit number.
	off=$((0x${value: -3})) size=$((0x$size))
	printf 'C decoder: LZ4_decompress_safe, %d bytes at page offset 0x%x: %s\n' "$size" "$off" \
		"$([ $((off + size)) -le 4096 ] && echo "within one page" || echo "across a page boundary")"
}
boots=${KBENCH_BOOTS:-1}
tables=$top/out/$K/kbench.tables
: >"$tables"
for b in $(seq "$boots"); do
	log=$top/out/$K/kbench.log
	[ "$boots" = 1 ] || log=$top/out/$K/kbench-$b.log
	QEMU_ICOUNT=${ICOUNT:-0} bash "$here/qemu.sh" "$kdir/arch/x86/boot/bzImage" "$top/out/$K/kbench.cpio" "$log" \
		--mem 2G --smp 1 --timeout 1800 --append "$append"
	if [ "${ICOUNT:-0}" = 1 ]; then
		echo "Linux $K, QEMU -icount: times are guest instructions (MB/s: bytes per 1000 instructions)"
	else
		echo "Linux $K, $(grep -a -m1 -o 'tsc_early_khz=[0-9]*' "$log" || true)${KBENCH_BOOTS:+, boot $b of $boots}"
	fi
	c_placement
	grep -a 'kbench:' "$log" | sed 's/^# kbench: //' | tr -d '\r' | tee -a "$tables"
done
if [ "$boots" -gt 1 ]; then
	echo
	echo "Linux $K, $boots boots: C/Rust per cell, mean [lowest highest]"
	# Cell lines: file block bytes rust-MB/s C-MB/s ratio.
	awk 'NF == 6 && $6 ~ /^[0-9.]+$/ {
		k = $1 " " $2
		if (!(k in n)) { order[++cells] = k; lo[k] = $6; hi[k] = $6 }
		n[k]++; sum[k] += $6
		if ($6 < lo[k]) lo[k] = $6
		if ($6 > hi[k]) hi[k] = $6
	}
	END {
		for (i = 1; i <= cells; i++) {
			k = order[i]; m = sum[k] / n[k]
			split(k, f, " ")
			# The (all) rows sum the others: not part of the geomean.
			if (f[1] != "(all)") { g += log(m); gn++ }
			printf "%-12s %6s %7.3f  [%5.3f %5.3f]\n", f[1], f[2], m, lo[k], hi[k]
		}
		if (gn) printf "geomean of the means (files only): %.3f\n", exp(g / gn)
	}' "$tables"
fi
