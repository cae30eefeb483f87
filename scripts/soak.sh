#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0
#
# `make soak`: the balloon scenario alone, for a long time, on one kernel.
#
#   KERNEL=6.12 SOAK_SECONDS=900 scripts/soak.sh
#
# Builds what is missing (kernel, module, guest data, initramfs), then runs
# scripts/balloon-boot.sh once with a stress of SOAK_SECONDS (default 900).
# Ends with "N passed, N failed"; exits 1 if anything failed.
set -uo pipefail

here=$(cd "$(dirname "$0")" && pwd)
top=$(dirname "$here")
. "$here/lib.sh"

K=${KERNEL:-6.12}
SECS=${SOAK_SECONDS:-900}
OUT=$top/out
T0=$(date +%s)
[ -x "$OUT/guest/rlz4" ] || bash "$here/guest-data.sh" "$OUT/guest" || die "guest data failed"
module_initramfs "$K" "$OUT/$K/initrd.cpio" \
	/bin/rlz4="$OUT/guest/rlz4" /corpus="$OUT/guest/corpus" /bench="$OUT/guest/bench" \
	/malformed="$top/tests/corpus/malformed" || die "module or initramfs failed"
echo "soak: balloon scenario on $K for $SECS s (console: $OUT/$K/boot-soak.log)"
res=$(bash "$here/balloon-boot.sh" "$kdir" "$OUT/$K/initrd.cpio" "$OUT/$K/boot-soak.log" "$SECS" "$K/soak")
echo "$res" | sed '$d'
c=$(echo "$res" | tail -1)
echo "wall time: $(elapsed "$T0")"
echo "${c% *} passed, ${c#* } failed"
[ "${c#* }" = 0 ]
