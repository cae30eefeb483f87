#!/bin/sh
# SPDX-License-Identifier: GPL-2.0
#
# Guest suite: the seed's failure.  Booted with one vCPU and
# watchdog_thresh=1 on a PREEMPT_NONE kernel, a BENCH request of more than
# 10 s must not trip the soft-lockup detector, because the decoder yields.
# With rlz4.noyield=1 on the command line the same run is the negative
# control: yielding is turned off through the debugfs test switch and the
# harness must see "BUG: soft lockup".
. /tests/lib.sh

t_hold() {
	local out took
	out=$(rlz4 kbench --hold 12 /bench/ksrc-tar) || { echo "$out"; return 1; }
	echo "$out"
	echo "longest stretch between yields: $(stat_of max_yield_gap_ns) ns ($(stat_of yields) yields)"
	# The one request must have kept the CPU for at least 10 s.
	took=$(echo "$out" | sed -n 's/^BENCH returned after \([0-9]*\)\..*/\1/p')
	[ "${took:-0}" -ge 10 ] || fail "the BENCH request lasted ${took:-?} s, not 10"
}

ktap_begin 4
ok load insmod $KO
ok watchdog_thresh_1 expect_eq watchdog_thresh "$(cat /proc/sys/kernel/watchdog_thresh)" 1
if grep -q 'rlz4.noyield=1' /proc/cmdline; then
	ok disable_yield sh -c 'echo Y > /sys/kernel/debug/rust_lz4/test_disable_yield'
else
	ok yield_enabled expect_eq test_disable_yield "$(cat /sys/kernel/debug/rust_lz4/test_disable_yield)" N
fi
ok bench_over_10s t_hold
echo N >/sys/kernel/debug/rust_lz4/test_disable_yield
unload
