#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0
#
# `make run`: build what is missing, boot the test kernel (7.3 by default) in
# QEMU, load rust_lz4 with example values and show its parameters.
set -euo pipefail

here=$(cd "$(dirname "$0")" && pwd)
top=$(dirname "$here")
. "$here/lib.sh"

K=${KERNEL:-$DEFAULT_KERNEL}
MEM=${MEM:-1G}
bash "$here/setup.sh"
# A sample to decompress through the device: 4 MiB of kernel source, as an
# LZ4 frame made by the lz4 CLI.
demo=$top/out/demo
mkdir -p "$demo"
bash "$here/guest-data.sh" --tools-only "$top/out/guest"
src=$CACHE/src/linux-$K
[ -d "$src" ] || src=$CACHE/src/linux-$DEFAULT_KERNEL # debian-7.3
head -c 4M <(tar -C "$src" -cf - mm kernel) >"$demo/sample"
lz4 -q -f -B6 "$demo/sample" "$demo/sample.lz4"
sha256sum <"$demo/sample" | cut -d' ' -f1 >"$demo/sample.sha256"
module_initramfs "$K" "$top/out/$K/initrd.cpio" /bin/rlz4="$top/out/guest/rlz4" /demo="$demo"
log=$top/out/$K/run.log
echo "run: booting Linux $K with $MEM RAM under QEMU (TCG); console log: $log" >&2
rc=0
bash "$here/qemu.sh" "$kdir/arch/x86/boot/bzImage" "$top/out/$K/initrd.cpio" "$log" \
	--mem "$MEM" --smp 2 --append "rlz4.suite=demo" --timeout 120 || rc=$?
sed -n '/^rlz4-demo-begin/,/^rlz4-demo-end/p' "$log" | sed '1d;$d' | tr -d '\r'
grep -q '^rlz4-done' "$log" || die "guest did not finish (qemu rc $rc); see $log"
