#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0
#
# `make kbench`: boot the test kernel and run the in-kernel benchmark, the
# Rust decoder against the kernel's LZ4_decompress_safe() on the corpora of
# `rlz4 bench`, at 4 KiB, 128 KiB, 1 MiB and 16 MiB blocks, checking that
# both give the same output.  The times are QEMU TCG's: a rough figure, no
# speed target (`make kcount` and `make bench` measure natively; see
# Documentation/benchmarks.rst).
#
# Environment: KERNEL (7.3), KBENCH_CAP (bytes of each corpus, 16M),
# KBENCH_MS (time per cell in ms, 1000), KBENCH_FILES and KBENCH_BS
# (comma-separated corpus names and block sizes: a subset of the table),
# KBENCH_BOOTS (boots, 1: with more, each boot's table and then the mean,
# lowest and highest ratio of every cell; TCG's speed moves by a few per
# cent from one boot to the next),
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
