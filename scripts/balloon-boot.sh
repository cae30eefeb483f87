#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0
#
# One boot of the balloon scenario: the guest suite tests/guest/balloon.sh
# under load while scripts/balloon.py shrinks and restores the guest through
# QMP, then the judge (scripts/ktap.py) on the console log.
#
#   balloon-boot.sh KDIR INITRD LOG SECONDS LABEL [--freeze]
#
# 2 vCPUs, 2 GiB, a virtio balloon; the stress runs SECONDS.  --freeze is the
# negative control (rlz4.freeze_limits=1).  A fresh 256 MiB disk image is
# attached for swap and zswap (BALLOON_ZSWAP=0: none).  Prints the judge's lines, the
# host's balloon report and, last, "PASSED FAILED"; exits 1 if anything
# failed.  The host report is kept next to LOG as LOG with .host.log.
# KTAP_TAINT=OE in the environment: the judge's --taint.
set -uo pipefail

here=$(cd "$(dirname "$0")" && pwd)
. "$here/lib.sh"

[ $# -ge 5 ] || die "usage: balloon-boot.sh KDIR INITRD LOG SECONDS LABEL [--freeze]"
kdir=$1 initrd=$2 log=$3 secs=$4 label=$5
append="rlz4.suite=balloon rlz4.balloon_seconds=$secs"
[ "${6:-}" = --freeze ] && append="$append rlz4.freeze_limits=1"
hostlog=${log%.log}.host.log
# A unix socket path is limited to 108 bytes: keep it short.
sock=$(mktemp -u /tmp/rlz4-qmp.XXXXXX)
disk=()
if [ "${BALLOON_ZSWAP:-1}" != 0 ]; then
	img=${log%.log}.disk.img
	disk=(--disk "$img")
fi
# balloon_once: one boot with the host driving the balloon; returns QEMU's
# status and sets hrc to balloon.py's.
balloon_once() {
	local qpid qrc=0
	rm -f "$log"
	[ -z "${img:-}" ] || { rm -f "$img"; truncate -s 256M "$img"; }
	# Boot, about 60 s after the stress for the suite's end, TCG slack.
	bash "$here/qemu.sh" "$kdir/arch/x86/boot/bzImage" "$initrd" "$log" \
		--mem 2G --smp 2 --balloon --qmp "$sock" --append "$append" \
		--timeout $((secs * 2 + 300)) ${disk[@]+"${disk[@]}"} &
	qpid=$!
	hrc=0
	python3 "$here/balloon.py" --qmp "$sock" --console "$log" --mem 2G --low "${BALLOON_LOW:-512M}" ${BALLOON_HOST_ARGS:-} \
		--timeout $((secs * 2 + 240)) >"$hostlog" 2>&1 || hrc=$?
	wait $qpid || qrc=$?
	rm -f "$sock"
	return $qrc
}
# QEMU itself aborting is an emulator bug, not a result: once more, with
# the host's report of that boot set aside too.
SET_ASIDE_TOO=$hostlog boot_retrying "$log" "$label" balloon_once || true
res=$(python3 "$here/ktap.py" "$log" --label "$label" ${KTAP_TAINT:+--taint "$KTAP_TAINT"})
echo "$res" | judge_show
# The suite's figures.
grep -a -E '^# (RAM |calls |STATS delta|c_min:|c_max:|[0-9]+ samples|[0-9]+ warning|longest|zswap under|swap on)' "$log" | tr -d '\r' || true
grep -E 'balloon: [0-9]+ steps|balloon: (QMP|the guest|not even)' "$hostlog" || true
c=$(echo "$res" | tail -1)
p=${c% *} f=${c#* }
if [ $hrc = 0 ]; then
	p=$((p + 1))
	echo "ok $label/host_balloon_cycles"
else
	f=$((f + 1))
	echo "not ok $label/host_balloon_cycles: scripts/balloon.py exited $hrc, see $hostlog"
fi
echo "$p $f"
[ "$f" = 0 ]
