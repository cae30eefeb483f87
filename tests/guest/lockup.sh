#!/bin/sh
# SPDX-License-Identifier: GPL-2.0
#
# Guest suite: the seed's failure.  Booted with one vCPU and
# watchdog_thresh=1 on a PREEMPT_NONE kernel, a BENCH request of more than
# 10 s must not trip the soft-lockup detector, because the decoder yields.
# With rlz4.noyield=1 on the command line the same run is the negative
# control: yielding is turned off through the debugfs test switch and the
# harness must see "BUG: soft lockup".  STATS' longest stretch between
# yields is checked against the same 2 s threshold, both ways.
. /tests/lib.sh

t_hold() {
	local out took gap limit
	out=$(rlz4 kbench --hold 12 /bench/ksrc-tar) || { echo "$out"; return 1; }
	echo "$out"
	gap=$(stat_of max_yield_gap_ns)
	echo "longest stretch between yields: $gap ns ($(stat_of yields) yields)"
	# The one request must have kept the CPU for at least 10 s.
	took=$(echo "$out" | sed -n 's/^BENCH returned after \([0-9]*\)\..*/\1/p')
	[ "${took:-0}" -ge 10 ] || fail "the BENCH request lasted ${took:-?} s, not 10"
	# STATS must tell the same story as the watchdog, which reports a CPU
	# held for 2 * watchdog_thresh seconds: every stretch shorter with
	# yielding on, one stretch at least that long with yielding off.
	limit=$((2 * $(cat /proc/sys/kernel/watchdog_thresh) * 1000000000))
	if noyield; then
		[ "$gap" -ge "$limit" ] || fail "yielding off, yet STATS' longest stretch is $gap ns, under $limit"
	else
		[ "$gap" -lt "$limit" ] || fail "STATS' longest stretch, $gap ns, reaches the lockup threshold $limit ns"
	fi
}

noyield() { grep -q 'rlz4.noyield=1' /proc/cmdline; }

ktap_begin 4
ok load insmod $KO
ok watchdog_thresh_1 expect_eq watchdog_thresh "$(cat /proc/sys/kernel/watchdog_thresh)" 1
if noyield; then
	ok disable_yield sh -c 'echo Y > /sys/kernel/debug/rust_lz4/test_disable_yield'
else
	ok yield_enabled expect_eq test_disable_yield "$(cat /sys/kernel/debug/rust_lz4/test_disable_yield)" N
fi
ok bench_over_10s t_hold
echo N >/sys/kernel/debug/rust_lz4/test_disable_yield
unload
