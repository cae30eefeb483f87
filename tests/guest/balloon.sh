#!/bin/sh
# SPDX-License-Identifier: GPL-2.0
#
# Guest suite: the incident, replayed with a balloon.  Booted with a virtio
# balloon, 2 vCPUs and 2 GiB, and driven from the host by scripts/balloon.py.
#
# rust_lz4 is loaded with zfs_arc_max set by hand close to RAM, as on the
# incident host.  Several processes per vCPU decode the guest corpus (all four
# formats) through /dev/rust_lz4 for rlz4.balloon_seconds= seconds and check
# the SHA-256 of every output, while the host shrinks the guest to 512 MiB in
# steps and gives the memory back, several times.  Every call must return the
# right bytes or fail with ENOMEM (counted); STATS must account for every
# call; the effective c_min / c_max in arcstats must follow RAM down and come
# back to their start values, and match the OpenZFS rules for the RAM they
# were computed for in every sample.
#
# rlz4.freeze_limits=1 is the negative control: the re-evaluation is frozen
# through the debugfs test switch, and the "limits follow RAM" check must
# then fail.
#
# With a disk (/dev/vda, scripts/balloon-boot.sh attaches one), swap is on
# it and zswap runs with compressor lz4, which resolves to the module's
# lz4-rust: while the workers decode, a swapper pushes 16 MiB of text of
# known SHA-256 out of a memory cgroup to zswap and reads it back, over and
# over, and the balloon pushes out whatever else it takes.  Every read-back
# must be byte-exact; the module's crypto counters are reported, every call
# atomic, none failed.
. /tests/lib.sh

DEV=/dev/rust_lz4
SECS=$(sed -n 's/.*rlz4\.balloon_seconds=\([0-9]*\).*/\1/p' /proc/cmdline)
SECS=${SECS:-90}
FREEZE=0
grep -q 'rlz4.freeze_limits=1' /proc/cmdline && FREEZE=1
NCPU=$(nproc)
PER_CPU=3
WORKERS=$((NCPU * PER_CPU))
SAMPLES=/tmp/arc.samples
ZSWAP=0
[ -b /dev/vda ] && ZSWAP=1
ZSW=/sys/module/zswap/parameters
CG=/sys/fs/cgroup

# Stricter detectors than the defaults: a task blocked for 30 s and a CPU
# stuck for 10 s are reported (and fail the boot).
echo 30 >/proc/sys/kernel/hung_task_timeout_secs
echo 5 >/proc/sys/kernel/watchdog_thresh

MEM0=$(allmem)
# "Set by hand to a large value": RAM at boot minus 128 MiB, MiB-aligned.
ARC_MAX=$(((MEM0 - 128 * MIB) / MIB * MIB))

# want_limits ALLMEM: "c_min c_max" for ALLMEM and zfs_arc_max=ARC_MAX,
# zfs_arc_min=0, from the OpenZFS rules written in shell, independently of
# arc.rs: the configured maximum applies while it is below RAM, else the
# automatic one.
want_limits() {
	local m=$1 dmin dmax
	dmin=$(max2 $((m / 32)) $((32 * MIB)))
	if [ "$m" -ge $GIB ]; then dmax=$((m - GIB)); else dmax=$dmin; fi
	dmax=$(max2 $((m * 5 / 8)) "$dmax")
	if [ $ARC_MAX -ge $((64 * MIB)) ] && [ $ARC_MAX -lt "$m" ]; then
		[ "$dmin" -lt $ARC_MAX ] || dmin=$(max2 $((ARC_MAX / 2)) $((32 * MIB)))
		echo "$dmin $ARC_MAX"
	else
		echo "$dmin $dmax"
	fi
}

# sample: "memtotal memory_all_bytes c_min c_max", arcstats read once.
sample() {
	awk -v mt="$(allmem)" '$2 == 4 { v[$1] = $3 }
		END { print mt, v["memory_all_bytes"], v["c_min"], v["c_max"] }' $ARCSTATS
}

sampler() {
	while [ ! -e /tmp/sampler.stop ]; do
		sample
		sleep 0.5
	done >$SAMPLES
}

# worker N END: decode the manifest over and over until uptime END (cs);
# writes "calls ok enomem bad other bytes" to /tmp/wN.counts at the end.
worker() {
	local i=$1 end=$2 calls=0 good=0 nomem=0 bad=0 other=0 bytes=0 out got
	local name fmt max sha size
	while [ "$(uptime_cs)" -lt "$end" ]; do
		while read -r name fmt max sha size; do
			[ "$(uptime_cs)" -lt "$end" ] || break
			calls=$((calls + 1))
			if out=$(rlz4 decompress --device $DEV --format "$fmt" --max-output "$max" \
				/corpus/"$name" /tmp/w$i 2>&1); then
				got=$(sha256sum /tmp/w$i | cut -d' ' -f1)
				if [ "$got" = "$sha" ]; then
					good=$((good + 1))
					bytes=$((bytes + size))
				else
					bad=$((bad + 1))
					echo "WRONG BYTES: worker $i $name: $got"
				fi
			else
				case "$out" in
				*"(ENOMEM,"*) nomem=$((nomem + 1)) ;;
				*)
					other=$((other + 1))
					echo "ERROR: worker $i $name: $out"
					;;
				esac
			fi
			rm -f /tmp/w$i
		done </tmp/w$i.manifest
	done >/tmp/w$i.log 2>&1
	echo "$calls $good $nomem $bad $other $bytes" >/tmp/w$i.counts
}

# swapper END: until uptime END (cs), write 16 MiB of text into tmpfs from
# the memory cgroup "bz", push it out with memory.reclaim, read it back and
# check its SHA-256; writes "rounds bad" to /tmp/swapper.counts at the end.
swapper() {
	local end=$1 rounds=0 bad=0 want got
	want=$(sha256sum </bench/json | cut -d' ' -f1)
	while [ "$(uptime_cs)" -lt "$end" ]; do
		sh -c "echo \$\$ >$CG/bz/cgroup.procs && cat /bench/json >/zs/data"
		echo 32M >$CG/bz/memory.reclaim 2>/dev/null
		got=$(sha256sum </zs/data | cut -d' ' -f1)
		rm -f /zs/data
		rounds=$((rounds + 1))
		[ "$got" = "$want" ] || { bad=$((bad + 1)); echo "WRONG BYTES after swap-in: round $rounds"; }
	done >/tmp/swapper.log 2>&1
	echo "$rounds $bad" >/tmp/swapper.counts
}

# vmstat NAME: a /proc/vmstat counter, "-" when the kernel has no VM event
# counters (CONFIG_VM_EVENT_COUNTERS: off in the 6.12 test kernel).
vmstat() { awk -v n="$1" '$1 == n { v = $2 } END { print (v == "" ? "-" : v) }' /proc/vmstat; }
# cgstat NAME: a counter of the swapper's memory cgroup (memory.stat).
cgstat() { awk -v n="$1" '$1 == n { print $2 }' $CG/bz/memory.stat; }

t_zswap_on() {
	mkswap /dev/vda >/dev/null && swapon /dev/vda || return 1
	mkdir -p $CG /zs && mount -t cgroup2 none $CG && echo +memory >$CG/cgroup.subtree_control &&
		mkdir $CG/bz && mount -t tmpfs -o size=64M tmpfs /zs || return 1
	# Through lzo first: setting the name zswap already has is a no-op.
	echo lzo >$ZSW/compressor && echo lz4 >$ZSW/compressor && echo Y >$ZSW/enabled || return 1
	[ "$(cat /sys/module/$MOD/refcnt)" -gt 0 ] || fail "zswap's \"lz4\" is not lz4-rust" || return 1
	echo "swap on /dev/vda, zswap with lz4 = lz4-rust (rust_lz4 refcnt $(cat /sys/module/$MOD/refcnt))"
	echo "$(vmstat zswpin) $(cgstat zswpin) $(stat_of crypto_calls) $(stat_of crypto_atomic) $(stat_of crypto_errors)" >/tmp/zswap.start
}

# Swap-in through Rust during the stress: every read-back correct, every
# call in atomic context, none failed; at least as many calls as the
# swapper's cgroup had zswap loads (its text always compresses), and no
# more than zswap loads in all (7.x stores an incompressible page as is and
# loads it without one; /proc/vmstat, where the kernel has VM event
# counters).
t_zswap_report() {
	local i0 g0 c0 a0 e0 i1 g1 c1 a1 e1 rounds bad vin
	read -r i0 g0 c0 a0 e0 </tmp/zswap.start
	i1=$(vmstat zswpin) g1=$(cgstat zswpin)
	c1=$(stat_of crypto_calls) a1=$(stat_of crypto_atomic) e1=$(stat_of crypto_errors)
	vin=n/a
	[ "$i0" = - ] || [ "$i1" = - ] || vin=$((i1 - i0))
	read -r rounds bad </tmp/swapper.counts || { fail "the swapper left no counts"; return 1; }
	head -5 /tmp/swapper.log
	echo "zswap under the balloon: swapper rounds $rounds, wrong $bad; zswpin: swapper's cgroup +$((g1 - g0)), /proc/vmstat: +$vin; crypto_calls +$((c1 - c0)), crypto_atomic +$((a1 - a0)), crypto_errors +$((e1 - e0))"
	[ "$rounds" -gt 0 ] || fail "no swapper round" || return 1
	expect_eq "wrong read-backs" "$bad" 0 || return 1
	[ $((g1 - g0)) -gt 0 ] || fail "the swapper's pages never came back from zswap" || return 1
	[ $((c1 - c0)) -ge $((g1 - g0)) ] || fail "fewer decompressions than the swapper's zswap loads" || return 1
	expect_eq "crypto_atomic delta" $((a1 - a0)) $((c1 - c0)) || return 1
	expect_eq "crypto_errors delta" $((e1 - e0)) 0 || return 1
	[ "$vin" = n/a ] || [ $((c1 - c0)) -le "$vin" ] || fail "more decompressions than zswap loads"
}

# Swap off, zswap away from lz4-rust: the module can be unloaded again.
t_zswap_off() {
	echo lzo >$ZSW/compressor && swapoff /dev/vda || return 1
	local i
	for i in $(seq 50); do
		[ "$(cat /sys/module/$MOD/refcnt)" = 0 ] && return 0
		sleep 0.2
	done
	fail "rust_lz4 still referenced: $(cat /sys/module/$MOD/refcnt)"
}

errsum() { rlz4 stats | awk '/^(err_|interrupted)/ && $1 != "err_nomem" { s += $2 } END { print s + 0 }'; }

t_load() {
	insmod $KO zfs_arc_max=$ARC_MAX || return 1
	echo "RAM $MEM0 bytes, zfs_arc_max=$ARC_MAX, $WORKERS workers on $NCPU vCPUs, $SECS s"
	expect_eq "c_max at load" "$(arcstat c_max)" $ARC_MAX &&
		{ [ $NCPU -ge 2 ] || fail "only $NCPU vCPU online: the stress would not be parallel"; }
}

t_freeze() { echo Y >/sys/kernel/debug/rust_lz4/test_freeze_limits; }

# The stress, while the host works the balloon.  Every worker must report;
# no wrong byte and no error but ENOMEM.
t_stress() {
	local i end c0 o0 e0 n0 calls=0 good=0 nomem=0 bad=0 other=0 bytes=0 a b c d e f
	# Files up to 4 MiB of output: every format, many calls per second.
	awk '$5 <= 4194304' /corpus/MANIFEST >/tmp/stress.manifest
	awk '{ print $2 }' /tmp/stress.manifest | sort -u | tr '\n' ' '
	echo "formats, $(wc -l </tmp/stress.manifest) files"
	c0=$(stat_of calls) o0=$(stat_of bytes_out) e0=$(errsum) n0=$(stat_of err_nomem)
	end=$(($(uptime_cs) + SECS * 100))
	# A subshell with exec: a function's redirection would keep a saved copy
	# of the caller's stdout open, and the caller waits for it to close.
	(exec >/dev/null 2>&1; sampler) &
	for i in $(seq 1 $WORKERS); do
		# Each worker starts at another file.
		awk -v k=$i 'NR >= k' /tmp/stress.manifest >/tmp/w$i.manifest
		awk -v k=$i 'NR < k' /tmp/stress.manifest >>/tmp/w$i.manifest
		(exec >/dev/null 2>&1; worker $i $end) &
	done
	[ $ZSWAP = 0 ] || (exec >/dev/null 2>&1; swapper $end) &
	echo "rlz4-balloon-go" >/dev/console
	wait_workers
	[ $ZSWAP = 0 ] || while [ ! -e /tmp/swapper.counts ]; do sleep 1; done
	echo "rlz4-balloon-stress-done" >/dev/console
	for i in $(seq 1 $WORKERS); do
		[ -s /tmp/w$i.counts ] || fail "worker $i left no counts (killed?)" || return 1
		read -r a b c d e f </tmp/w$i.counts
		calls=$((calls + a)) good=$((good + b)) nomem=$((nomem + c))
		bad=$((bad + d)) other=$((other + e)) bytes=$((bytes + f))
		head -5 /tmp/w$i.log
	done
	echo "calls $calls, correct $good, ENOMEM $nomem, wrong bytes $bad, other errors $other, bytes out $bytes"
	echo "STATS delta: calls $(($(stat_of calls) - c0)), bytes_out $(($(stat_of bytes_out) - o0)), err_nomem $(($(stat_of err_nomem) - n0)), other errors $(($(errsum) - e0))"
	[ $calls -gt 0 ] || fail "no call made" || return 1
	expect_eq "wrong outputs" $bad 0 &&
		expect_eq "errors other than ENOMEM" $other 0 &&
		expect_eq "calls = correct + ENOMEM" $calls $((good + nomem)) &&
		expect_eq "STATS calls" $(($(stat_of calls) - c0)) $calls &&
		expect_eq "STATS bytes_out" $(($(stat_of bytes_out) - o0)) $bytes &&
		expect_eq "STATS err_nomem" $(($(stat_of err_nomem) - n0)) $nomem &&
		expect_eq "STATS other errors" $(($(errsum) - e0)) 0
}

# wait for the background workers only (the sampler runs on).
wait_workers() {
	local i
	for i in $(seq 1 $WORKERS); do
		while [ ! -e /tmp/w$i.counts ]; do sleep 1; done
	done
}

# The host gives all the memory back after the stress: wait for it, then for
# one re-evaluation period or two.
t_ram_back() {
	local i=0
	while [ "$(allmem)" -lt "$MEM0" ] && [ $i -lt 240 ]; do
		sleep 0.5
		i=$((i + 1))
	done
	sleep 3
	touch /tmp/sampler.stop
	sleep 1
	expect_eq "MemTotal after the balloon" "$(allmem)" "$MEM0"
}

# The balloon did take memory: otherwise nothing below would mean anything.
t_ram_moved() {
	local low
	low=$(awk 'NR == 1 || $1 < m { m = $1 } END { print m }' $SAMPLES)
	echo "$(wc -l <$SAMPLES) samples; MemTotal $MEM0 at start, lowest $low"
	[ "$low" -le $((MEM0 - 512 * MIB)) ] || fail "RAM never went 512 MiB below the start"
}

# Effective limits follow RAM: every sample matches the rules for the RAM it
# was computed for, c_min and c_max went below their start values, and the
# final values are the start values.
t_follow() {
	local m a mn mx want bad=0 n=0 lo_min lo_max
	set -- $(want_limits "$MEM0")
	local min0=$1 max0=$2
	while read -r m a mn mx; do
		n=$((n + 1))
		want=$(want_limits "$a")
		[ "$mn $mx" = "$want" ] || { bad=$((bad + 1)); echo "sample $n: RAM $a: got $mn $mx, want $want"; }
	done <$SAMPLES
	lo_min=$(awk 'NR == 1 || $3 < m { m = $3 } END { print m }' $SAMPLES)
	lo_max=$(awk 'NR == 1 || $4 < m { m = $4 } END { print m }' $SAMPLES)
	echo "c_min: start $min0, lowest $lo_min, final $(arcstat c_min)"
	echo "c_max: start $max0, lowest $lo_max, final $(arcstat c_max)"
	expect_eq "samples off the rules" $bad 0 &&
		{ [ "$lo_max" -lt "$max0" ] || fail "c_max never went below $max0"; } &&
		{ [ "$lo_min" -lt "$min0" ] || fail "c_min never went below $min0"; } &&
		expect_eq "final c_min" "$(arcstat c_min)" "$min0" &&
		expect_eq "final c_max" "$(arcstat c_max)" "$max0" &&
		expect_eq "final memory_all_bytes" "$(arcstat memory_all_bytes)" "$MEM0"
}

# Negative control: with re-evaluation frozen, t_follow must fail.
t_follow_fails_frozen() {
	if t_follow; then
		fail "the limits check passed with re-evaluation frozen"
	else
		echo "the limits check failed, as it must with re-evaluation frozen"
	fi
}

# One line per change of fit, at most one per minute: at least one warning
# naming zfs_arc_max and the RAM, and no more than the rate limit allows.
t_warning() {
	local n cap
	dmesg | grep "$MOD: zfs_arc_max=$ARC_MAX does not fit total RAM [0-9]* bytes" >/tmp/warn.log
	n=$(wc -l </tmp/warn.log)
	cap=$((SECS / 60 + 2))
	head -3 /tmp/warn.log
	dmesg | grep "$MOD: zfs_arc_max=$ARC_MAX fits total RAM" | head -2
	echo "$n warning lines (at most $cap allowed in $SECS s)"
	[ "$n" -ge 1 ] && [ "$n" -le $cap ] || fail "want 1..$cap warning lines"
}

t_no_warning_frozen() {
	! dmesg | grep "$MOD: zfs_arc_max=.*does not fit" || fail "warning while frozen"
}

t_yields() {
	local gap
	gap=$(stat_of max_yield_gap_ns)
	echo "longest stretch between yields: $gap ns ($((gap / 1000)) us), $(stat_of yields) yields"
	rlz4 stats
	[ "$(stat_of yields)" -gt 0 ] || fail "no yields counted"
}

ktap_begin $((9 + ZSWAP * 3))
ok load t_load
[ $ZSWAP = 0 ] || ok zswap_on_lz4_rust t_zswap_on
if [ $FREEZE = 1 ]; then
	ok freeze_limits t_freeze
else
	ok limits_not_frozen expect_eq test_freeze_limits "$(cat /sys/kernel/debug/rust_lz4/test_freeze_limits)" N
fi
ok stress_outputs_correct t_stress
[ $ZSWAP = 0 ] || ok zswap_swapin_through_rust_correct t_zswap_report
ok ram_restored t_ram_back
ok balloon_took_memory t_ram_moved
if [ $FREEZE = 1 ]; then
	ok negative_control_frozen_limits_check_fails t_follow_fails_frozen
	ok no_warning_when_frozen t_no_warning_frozen
	echo N >/sys/kernel/debug/rust_lz4/test_freeze_limits
else
	ok limits_follow_ram t_follow
	ok warning_rate_limited t_warning
fi
ok yields t_yields
[ $ZSWAP = 0 ] || ok zswap_off t_zswap_off
ok unload unload
