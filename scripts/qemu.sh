#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0
#
# Boot a test kernel with an initramfs under TCG and save the console.
#
#   qemu.sh BZIMAGE INITRD LOG [options]
#     --mem SIZE       guest RAM (QEMU syntax: 512M, 2G); default 512M
#     --smp N          vCPUs; default 2
#     --append ARGS    extra kernel command line
#     --timeout SECS   kill the guest after SECS; default 300
#     --balloon        add a virtio balloon (virtio-balloon-pci)
#     --qmp PATH       serve QMP on the unix socket PATH (scripts/balloon.py)
#     --disk IMAGE     attach the raw IMAGE as a virtio-blk disk (/dev/vda)
#
# The guest ends itself with `reboot -f` (QEMU runs with -no-reboot).  Exit
# status: 0 when the guest ended by itself, 124 on timeout, else QEMU's.
set -euo pipefail

here=$(cd "$(dirname "$0")" && pwd)
. "$here/lib.sh"

[ $# -ge 3 ] || die "usage: qemu.sh BZIMAGE INITRD LOG [--mem M] [--smp N] [--append A] [--timeout S] [--balloon] [--qmp SOCK] [--disk IMG]"
bz=$1 initrd=$2 log=$3
shift 3
mem=512M smp=2 append= timeout=300
extra=()
while [ $# -gt 0 ]; do
	case "$1" in
	--mem) mem=$2; shift 2 ;;
	--smp) smp=$2; shift 2 ;;
	--append) append=$2; shift 2 ;;
	--timeout) timeout=$2; shift 2 ;;
	--balloon) extra+=(-device virtio-balloon-pci); shift ;;
	--qmp) extra+=(-qmp "unix:$2,server=on,wait=off"); shift 2 ;;
	--disk) extra+=(-drive "file=$2,if=virtio,format=raw,cache=unsafe"); shift 2 ;;
	*) die "unknown option $1" ;;
	esac
done

# KVM is unusable on these machines (see DEVELOPERS.md): always TCG.  Under
# TCG the guest cannot calibrate its TSC (no PIT/HPET reference in a
# tinyconfig kernel) and would fall back to the 4 ms jiffies clocksource; the
# guest TSC runs at the host's rate, so hand the guest that rate.
tsc=
mhz=$(awk -F: '/^cpu MHz/ { print $2; exit }' /proc/cpuinfo)
if [ -n "$mhz" ]; then
	tsc="tsc_early_khz=$(awk -v m="$mhz" 'BEGIN { printf "%d", m * 1000 }') tsc=reliable"
fi
# QEMU_ICOUNT=1: guest time counts guest instructions (1 ns each), so
# in-guest timings become deterministic instruction counts.
icount=
[ "${QEMU_ICOUNT:-0}" = 1 ] && icount="-icount shift=0,sleep=off"
# No LA57 (5-level paging; TCG's "max" CPU offers it): on the KASAN kernels
# an interrupt that lands while identify_cpu() settles the paging mode is
# reported as a wild memory access, before /init (seen on 6.12 and 7.3).
# Four-level paging is also what most servers run.
# One vCPU per socket: QEMU's default topology puts all vCPUs in one package,
# and SeaBIOS then lists only the first in its MP table, the only CPU
# enumeration a kernel without ACPI has: the guest would see one CPU.
rc=0
timeout --foreground -k 10 "$timeout" \
	qemu-system-x86_64 -accel tcg $icount -cpu max,la57=off -m "$mem" -smp "$smp,sockets=$smp,cores=1,threads=1" \
	-kernel "$bz" -initrd "$initrd" \
	-append "console=ttyS0 loglevel=5 panic=-1 oops=panic $tsc $append" \
	-nographic -no-reboot -monitor none -serial stdio -nic none ${extra[@]+"${extra[@]}"} \
	</dev/null >"$log" 2>&1 || rc=$?
exit $rc
