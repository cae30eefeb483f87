#!/bin/sh
# SPDX-License-Identifier: GPL-2.0
#
# Guest suite: hostile use of rust_lz4.  rmmod while processes decode,
# 100 load/unload cycles, an unprivileged open, and random ioctls.  The
# criterion of each is the test's own check plus what the host judge reads
# from the console: no kernel report (and, on the sanitizer kernels, no
# KASAN/UBSAN/lockdep report and no kmemleak leak after the final scan).
#
# rlz4.cycles=N, rlz4.fuzz=N and rlz4.repeat=N on the kernel command line
# change the number of load/unload cycles (100), of fuzzed ioctls per seed
# (3000) and of decodes per process during the rmmod tries (50).
. /tests/lib.sh

DEV=/dev/rust_lz4
KMEMLEAK=/sys/kernel/debug/kmemleak
NOBODY=65534
CYCLES=$(sed -n 's/.*rlz4\.cycles=\([0-9]*\).*/\1/p' /proc/cmdline)
CYCLES=${CYCLES:-100}
FUZZ=$(sed -n 's/.*rlz4\.fuzz=\([0-9]*\).*/\1/p' /proc/cmdline)
FUZZ=${FUZZ:-3000}
REPEAT=$(sed -n 's/.*rlz4\.repeat=\([0-9]*\).*/\1/p' /proc/cmdline)
REPEAT=${REPEAT:-50}

# load: insmod, after unloading what a failed test may have left loaded.
load() {
	! loaded || { settle; rmmod $MOD; } || return 1
	insmod $KO "$@" || return 1
	loaded || fail "insmod returned 0 but $MOD is not loaded"
}

# kmemleak_check: scan (objects younger than 5 s are never reported, so
# wait first) and fail on any suspect.  Absent kmemleak, say so and pass:
# the plain kernels run the same steps without a leak detector.
kmemleak_check() {
	[ -e $KMEMLEAK ] || { echo "no kmemleak in this kernel: scan skipped"; return 0; }
	sleep 6
	echo scan >$KMEMLEAK
	echo scan >$KMEMLEAK
	if grep -q . $KMEMLEAK; then
		head -40 $KMEMLEAK
		fail "kmemleak reports $(grep -c '^unreferenced object' $KMEMLEAK) suspected leaks"
		return 1
	fi
	echo "kmemleak: no suspected leak"
}

# Processes hold the device open (fd 3, for their whole life) while their
# rlz4 child decodes through it again and again (--repeat), and rmmod is
# tried every 0.2 s: every try while one of them holds the device must be
# refused with the module still loaded, every decode must give the right
# bytes, and once they are gone rmmod succeeds.  A try that succeeds is a
# failure if a process still held the device after it (/proc/PID/fd/3:
# a zombie has no open file, so a process that just ended is not counted).
t_rmmod_while_decoding() {
	local i pids= p refused=0 tries=0 out name fmt max sha size gone=
	load || return 1
	awk '$5 >= 65536 && $5 <= 1048576' /corpus/MANIFEST | head -4 >/tmp/hostile.manifest
	[ -s /tmp/hostile.manifest ] || fail "no corpus file of 64 KiB..1 MiB" || return 1
	i=0
	while read -r name fmt max sha size; do
		i=$((i + 1))
		(
			exec 3<$DEV
			rlz4 decompress --device $DEV --repeat "$REPEAT" --format "$fmt" --max-output "$max" \
				/corpus/"$name" /tmp/rm$i.out || exit 1
			[ "$(sha256sum /tmp/rm$i.out | cut -d' ' -f1)" = "$sha" ] || { echo "BAD $name"; exit 1; }
		) >/tmp/rm$i.log 2>&1 &
		pids="$pids $!"
	done </tmp/hostile.manifest
	holders() { for p in $pids; do [ -e /proc/$p/fd/3 ] && echo "$p"; done; }
	# Wait until the processes have the device open.
	i=0
	while [ -z "$(holders)" ] && [ $i -lt 200 ]; do
		sleep 0.1
		i=$((i + 1))
	done
	echo "refcnt $(cat /sys/module/$MOD/refcnt) at the first rmmod"
	while [ -n "$(holders)" ]; do
		tries=$((tries + 1))
		if out=$(rmmod $MOD 2>&1); then
			if [ -n "$(holders)" ]; then
				fail "rmmod succeeded while processes $(holders) held $DEV open (try $tries)"
				wait
				return 1
			fi
			gone=1
			break
		fi
		echo "$out" | grep -Eq 'in use|busy|Resource temporarily unavailable' ||
			fail "rmmod refused with an unexpected error: $out" || { wait; return 1; }
		loaded || fail "module gone after a refused rmmod" || { wait; return 1; }
		refused=$((refused + 1))
		sleep 0.2
	done
	i=0
	for p in $pids; do
		i=$((i + 1))
		wait "$p" || { cat /tmp/rm$i.log; fail "decoder $i failed"; return 1; }
	done
	rm -f /tmp/rm*.out
	echo "rmmod refused $refused times while $i processes decoded; all outputs correct"
	[ $refused -ge 1 ] || fail "the decoders finished before any rmmod try: nothing tested" || return 1
	[ -n "$gone" ] || unload
}

# CYCLES insmod/rmmod pairs, a decode every 10th, then a kmemleak scan.
t_load_unload_cycles() {
	local i n=0 plain=/tmp/cycle.raw
	head -c 65536 /bench/json >$plain 2>/dev/null || head -c 65536 /init >$plain
	rlz4 compress --format frame $plain /tmp/cycle.lz4 || return 1
	for i in $(seq "$CYCLES"); do
		load || fail "insmod failed at cycle $i" || return 1
		[ -c $DEV ] || fail "$DEV missing at cycle $i" || return 1
		if [ $((i % 10)) = 0 ]; then
			rlz4 decompress --device $DEV --format frame /tmp/cycle.lz4 /tmp/cycle.out &&
				cmp -s $plain /tmp/cycle.out || fail "decode wrong at cycle $i" || return 1
			n=$((n + 1))
		fi
		settle
		rmmod $MOD || fail "rmmod failed at cycle $i" || return 1
		! loaded || fail "still loaded after rmmod at cycle $i" || return 1
		[ ! -e $DEV ] || fail "$DEV left behind at cycle $i" || return 1
	done
	rm -f /tmp/cycle.*
	echo "$CYCLES load/unload cycles, $n decodes"
	kmemleak_check
}

# Mode 0600 root: an unprivileged process gets EACCES at open.  The control:
# the same tool, same uid, opens it once the mode allows, so the EACCES
# comes from the mode and not from a broken run-as.
t_unprivileged_open() {
	local out
	load || return 1
	expect_eq "run-as uid" "$(rlz4 run-as $NOBODY id -u)" $NOBODY || return 1
	if out=$(rlz4 run-as $NOBODY rlz4 stats 2>&1); then
		fail "uid $NOBODY opened $DEV: $out"
		return 1
	fi
	echo "$out" | grep -q 'Permission denied' || fail "not EACCES: $out" || return 1
	echo "uid $NOBODY: $out"
	rlz4 stats >/dev/null || fail "root cannot use $DEV" || return 1
	chmod 0666 $DEV
	out=$(rlz4 run-as $NOBODY rlz4 stats 2>&1)
	local rc=$?
	chmod 0600 $DEV
	[ $rc = 0 ] || fail "control: uid $NOBODY cannot open $DEV even with mode 0666: $out" || return 1
	echo "control: with mode 0666 uid $NOBODY opens it"
	unload
}

# Random commands, sizes and pointers (rlz4 ioctl-fuzz), two seeds, as root
# (the device is root's), then the module unloads cleanly.
t_ioctl_fuzz() {
	local seed rc=0
	load || return 1
	for seed in 1 2; do
		rlz4 ioctl-fuzz --seed $seed --count "$FUZZ" $DEV || rc=1
	done
	[ $rc = 0 ] || return 1
	unload
}

# Control for the fuzzer's judgement: with only EINVAL and EFAULT allowed,
# the same run must fail (ENOTTY, E2BIG ... are certain to come).
t_ioctl_fuzz_control() {
	local out
	load || return 1
	if out=$(rlz4 ioctl-fuzz --seed 1 --count 300 --allow EINVAL,EFAULT $DEV 2>&1); then
		echo "$out"
		fail "ioctl-fuzz passed with only EINVAL,EFAULT allowed"
		unload
		return 1
	fi
	echo "$out" | grep 'errno not allowed' | head -2
	unload
}

t_final_leak_scan() { kmemleak_check; }

ktap_begin 6
ok rmmod_refused_while_decoding t_rmmod_while_decoding
ok load_unload_${CYCLES}x t_load_unload_cycles
ok unprivileged_open_eacces t_unprivileged_open
ok ioctl_fuzz t_ioctl_fuzz
ok ioctl_fuzz_control_fails t_ioctl_fuzz_control
ok final_leak_scan t_final_leak_scan
