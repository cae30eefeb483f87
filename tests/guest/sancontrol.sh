#!/bin/sh
# SPDX-License-Identifier: GPL-2.0
#
# Negative control of the sanitizer kernels (never part of a passing run):
# make the kernel commit the bugs the detectors exist for, through LKDTM
# (/sys/kernel/debug/provoke-crash/DIRECT), and load kmemleak-test.ko, a
# sample module that leaks on purpose.  The host then requires the judge
# (scripts/ktap.py) to FAIL this boot, and to find each expected report.
# Each test here only checks that the trigger ran.
. /tests/lib.sh

LKDTM=/sys/kernel/debug/provoke-crash/DIRECT

provoke() {
	[ -w $LKDTM ] || fail "no LKDTM ($LKDTM)" || return 1
	echo "$1" >$LKDTM
	echo "provoked $1"
}

t_kmemleak_test() {
	[ -f /kmemleak-test.ko ] || fail "no kmemleak-test.ko in the initramfs" || return 1
	insmod /kmemleak-test.ko || return 1
	rmmod kmemleak_test || return 1
	echo "kmemleak-test loaded and unloaded (leaks found by the final scan)"
}

ktap_begin 4
ok kasan_slab_out_of_bounds provoke SLAB_LINEAR_OVERFLOW
ok kasan_use_after_free provoke READ_AFTER_FREE
ok ubsan_array_bounds provoke ARRAY_BOUNDS
ok kmemleak_leaking_module t_kmemleak_test
