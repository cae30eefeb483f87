#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0
#
# Where QEMU's TCG spends its time when the test kernel runs BENCH: boot
# the kbench suite on one corpus and block size with QEMU's -perfmap, under
# `perf record --call-graph=dwarf`, and charge the samples to the guest code
# (scripts/tcgprof.py): the Rust decoder against LZ4_decompress_safe(), the
# top guest functions, and with ANNOTATE=FUNC the share of each instruction
# of FUNC.  A development tool, like scripts/kcount.sh: `make test` does not
# run it.  It needs perf (Debian: apt-get install linux-perf).
#
#   tcgprof.sh [KERNEL]    (env: FILE=json, BS=4K, CAP=4M, MS=5000, ANNOTATE)
#
# Sampling slows QEMU down; the shares, not BENCH's figures of this run,
# are the result.  perf charges time to what the samples hit: QEMU's own
# work with no guest code on its stack (translation, the main loop) is
# listed apart.
set -euo pipefail

here=$(cd "$(dirname "$0")" && pwd)
top=$(dirname "$here")
. "$here/lib.sh"

K=${1:-$DEFAULT_KERNEL}
command -v perf >/dev/null || die "tcgprof needs perf (apt-get install linux-perf)"
bash "$here/guest-data.sh" --tools-only "$top/out/guest" >/dev/null
[ -d "$top/out/guest/bench" ] || bash "$here/guest-data.sh" "$top/out/guest" >/dev/null
out=$top/out/tcgprof
mkdir -p "$out"
module_initramfs "$K" "$out/initrd.cpio" /bin/rlz4="$top/out/guest/rlz4" /bench="$top/out/guest/bench"
QEMU_PERFMAP=1 perf record -q -e cpu-clock -F 2000 --call-graph=dwarf,4096 -o "$out/perf.data" -- \
	bash "$here/qemu.sh" "$kdir/arch/x86/boot/bzImage" "$out/initrd.cpio" "$out/console.log" \
	--mem 2G --smp 1 --timeout 1800 \
	--append "rlz4.suite=kbench RLZ4_KBENCH_FILES=${FILE:-json} RLZ4_KBENCH_BS=${BS:-4K} RLZ4_KBENCH_CAP=${CAP:-4M} RLZ4_KBENCH_MS=${MS:-5000}"
# SECTION=ADDRESS for each of the module's text sections.
text=$(sed -n 's/^# kbench-text: \(0x[0-9a-f]*\) \(\.text[^ ]*\).*/\2=\1/p' "$out/console.log" | tr -d '\r' | paste -sd, -)
[ -n "$text" ] || die "no module address in $out/console.log"
grep -a 'kbench:' "$out/console.log" | sed 's/^# kbench: //' | tr -d '\r'
python3 "$here/tcgprof.py" "$out/perf.data" "$ko" "$text" "$kdir/vmlinux" ${ANNOTATE:+--annotate "$ANNOTATE"}
