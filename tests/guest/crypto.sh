#!/bin/sh
# SPDX-License-Identifier: GPL-2.0
#
# Guest suite: rust_lz4 as the crypto API's "lz4" (driver lz4-rust).
# Booted with a virtio-blk disk (/dev/vda) for swap.
#
#   1. /proc/crypto lists lz4-rust: module rust_lz4, its priority above
#      lz4-scomp's, selftest passed.
#   2. Bad input through the crypto API, through the root-only test file
#      <debugfs>/rust_lz4/crypto_decompress: the whole malformed corpus, an
#      undersized dlen, trailing bytes, a zero slen: -EINVAL each, counted
#      as errors by the module; valid blocks decode through both lz4-rust
#      and the kernel's lz4-scomp.
#   3. zswap end to end: swap on /dev/vda, zswap with compressor "lz4",
#      compressible data of known SHA-256 in tmpfs inside a memory cgroup,
#      pushed out with memory.reclaim and read back.  The rule: every zswap
#      load of a page is one decompression, so the module's crypto_calls
#      rises by exactly zswpin's rise: the cgroup's (memory.stat), and
#      /proc/vmstat's where the kernel has VM event counters (7.3; the 6.12
#      test kernel has none); every call in atomic context; compress calls
#      at least zswpout's rise.  Negative controls:
#      with compressor lzo, and with the kernel's own lz4 (driver
#      lz4-scomp), the module's counters stay flat while zswpin rises.
#      Information only: the read-back time with lz4-rust and lz4-scomp.
#   4. Unload: rmmod refused while zswap's pool holds lz4-rust; after
#      zswap moved to lzo and swap is off, rmmod succeeds and /proc/crypto
#      no longer lists lz4-rust.
#
# rlz4.crypto_short=1 leaves out the lz4-scomp control and the second
# lz4-rust cycle (for the sanitizer kernels).
#
# With rlz4.crypto_yield=1 (negative control boot): only the atomic-context
# check, with <debugfs>/rust_lz4/crypto_test_yield set; the kernel must
# report "BUG: sleeping function called from invalid context" (the host
# judge expects it).  Without it, the suite asserts that nothing of the kind
# was reported after the same requests.
. /tests/lib.sh

DBG=/sys/kernel/debug/rust_lz4
HOOK=$DBG/crypto_decompress
ZSW=/sys/module/zswap/parameters
CG=/sys/fs/cgroup
ZS=/zs
SLEEP_BUG='BUG: sleeping function called from invalid context'

ktap_begin

# hook DRIVER DLEN FILE: one request through the crypto API; prints "ok"
# or the error text of the write (e.g. "Invalid argument").
hook() {
	{ echo "$1 $2"; cat "$3"; } >/tmp/req
	if dd if=/tmp/req of=$HOOK bs=262144 conv=notrunc 2>/tmp/dd.err >/dev/null; then
		echo ok
	else
		sed -n 's/.*: \([A-Z][a-z ]*\)$/\1/p' /tmp/dd.err | tail -1
	fi
}

# crypto_block: the /proc/crypto entry of driver $1.
crypto_block() {
	awk -v d="$1" 'BEGIN { RS = ""; FS = "\n" } $0 ~ "driver +: " d "\n" { print }' /proc/crypto
}
field() { crypto_block "$1" | sed -n "s/^$2 *: //p"; }

# vmstat NAME: a /proc/vmstat counter, "-" when the kernel has no VM event
# counters (CONFIG_VM_EVENT_COUNTERS: off in the 6.12 test kernel).
vmstat() { awk -v n="$1" '$1 == n { v = $2 } END { print (v == "" ? "-" : v) }' /proc/vmstat; }
# cgstat NAME: a counter of the memory cgroup zs (memory.stat).
cgstat() { awk -v n="$1" '$1 == n { print $2 }' $CG/zs/memory.stat; }
# delta BEFORE AFTER: AFTER - BEFORE, or "-" when either is "-".
delta() { if [ "$1" = - ] || [ "$2" = - ]; then echo n/a; else echo $(($2 - $1)); fi; }

t_registered() {
	crypto_block lz4-rust
	expect_eq "name" "$(field lz4-rust name)" lz4 || return 1
	expect_eq "module" "$(field lz4-rust module)" rust_lz4 || return 1
	expect_eq "type" "$(field lz4-rust type)" scomp || return 1
	expect_eq "selftest" "$(field lz4-rust selftest)" passed || return 1
	local p c
	p=$(field lz4-rust priority) c=$(field lz4-scomp priority)
	echo "priority: lz4-rust $p, lz4-scomp $c"
	[ -n "$c" ] || fail "no lz4-scomp in /proc/crypto" || return 1
	[ "$p" -gt "$c" ] || fail "lz4-rust's priority $p is not above lz4-scomp's $c"
}

t_hook_root_only() {
	expect_eq "mode of $HOOK" "$(stat -c %a $HOOK)" 600 || return 1
	expect_eq "mode of $DBG/crypto_test_yield" "$(stat -c %a $DBG/crypto_test_yield)" 600 || return 1
	# debugfs itself is root's (0700 on its mount point).
	expect_eq "mode of /sys/kernel/debug" "$(stat -c %a /sys/kernel/debug)" 700
}

# The malformed corpus as raw blocks, capacity a page (zswap's) or less:
# each must fail with EINVAL, and each must reach the driver and count as
# its error, except those the crypto API refuses before any driver (dlen 0).
t_malformed_corpus() {
	local name fmt max err n=0 reached=0 bad=0 c0 e0 c1 e1 cap got cgot diff=
	c0=$(stat_of crypto_calls) e0=$(stat_of crypto_errors)
	while read -r name fmt max err; do
		case "$name" in '#'*|'') continue ;; esac
		n=$((n + 1))
		cap=$max
		[ "$cap" -le 4096 ] || cap=4096
		[ "$cap" = 0 ] || [ ! -s /malformed/"$name" ] || reached=$((reached + 1))
		got=$(hook lz4-rust "$cap" /malformed/"$name")
		cgot=$(hook lz4-scomp "$cap" /malformed/"$name")
		[ "$got" = "$cgot" ] || diff="$diff $name(lz4-scomp: $cgot)"
		if [ "$got" != "Invalid argument" ]; then
			echo "$name: got '$got', want 'Invalid argument'"
			bad=$((bad + 1))
		fi
	done </malformed/MANIFEST
	c1=$(stat_of crypto_calls) e1=$(stat_of crypto_errors)
	echo "$n inputs, $reached reached the driver: crypto_calls +$((c1 - c0)), crypto_errors +$((e1 - e0))"
	[ -z "$diff" ] || echo "the kernel's lz4-scomp differs on:$diff (decoder.rst, Divergences: offset 0)"
	[ $bad = 0 ] || fail "$bad inputs not refused with EINVAL" || return 1
	expect_eq "crypto_calls delta" $((c1 - c0)) $reached || return 1
	expect_eq "crypto_errors delta" $((e1 - e0)) $reached
}

# A valid block decodes through both drivers; its exact capacity is enough,
# one byte less is EINVAL, one byte more of input is EINVAL, and so is an
# empty input.
t_semantics() {
	local f=/corpus/block-ksrc-tar-4K size o0 o1 e0 e1
	size=$(awk '$1 == "block-ksrc-tar-4K" { print $5 }' /corpus/MANIFEST)
	o0=$(stat_of crypto_bytes_out)
	expect_eq "lz4-rust, dlen $size" "$(hook lz4-rust "$size" $f)" ok || return 1
	o1=$(stat_of crypto_bytes_out)
	expect_eq "crypto_bytes_out delta" $((o1 - o0)) "$size" || return 1
	expect_eq "lz4-scomp, dlen $size" "$(hook lz4-scomp "$size" $f)" ok || return 1
	expect_eq "lz4-rust, 128 KiB block" "$(hook lz4-rust 131072 /corpus/block-json-128K)" ok || return 1
	e0=$(stat_of crypto_errors)
	expect_eq "lz4-rust, dlen $((size - 1))" "$(hook lz4-rust $((size - 1)) $f)" "Invalid argument" || return 1
	expect_eq "lz4-scomp, dlen $((size - 1))" "$(hook lz4-scomp $((size - 1)) $f)" "Invalid argument" || return 1
	{ cat $f; printf x; } >/tmp/trailing
	expect_eq "lz4-rust, a trailing byte" "$(hook lz4-rust "$size" /tmp/trailing)" "Invalid argument" || return 1
	: >/tmp/empty
	expect_eq "lz4-rust, slen 0" "$(hook lz4-rust "$size" /tmp/empty)" "Invalid argument" || return 1
	e1=$(stat_of crypto_errors)
	# slen 0 is refused by the crypto API before the driver.
	echo "crypto_errors +$((e1 - e0)) for the undersized dlen, the trailing byte and slen 0"
	[ $((e1 - e0)) -ge 2 ] || fail "the driver did not count its errors"
}

# The switch off: the requests above ran in atomic context and the kernel
# reported nothing about sleeping.
t_atomic_nothing_reported() {
	local c a
	c=$(stat_of crypto_calls) a=$(stat_of crypto_atomic)
	echo "crypto_calls $c, crypto_atomic $a"
	expect_eq "test_yield" "$(cat $DBG/crypto_test_yield)" N || return 1
	[ "$c" -gt 0 ] && [ "$a" = "$c" ] || fail "not every call counted as atomic" || return 1
	if dmesg | grep -q "$SLEEP_BUG"; then
		fail "the kernel reported: $SLEEP_BUG"
	fi
}

# zswap_cycle NAME: write NAME (32 MiB of text) in tmpfs from inside the
# memory cgroup, push it out to zswap, read it back; prints the deltas
# "zswpout zswpin calls atomic compress errors read_cs vmstat_zswpin" (the
# first two the cgroup's).
zswap_cycle() {
	local name=$1 want got i cur o0 i0 c0 a0 k0 e0 t0 t1 v0
	o0=$(cgstat zswpout) i0=$(cgstat zswpin) v0=$(vmstat zswpin)
	c0=$(stat_of crypto_calls) a0=$(stat_of crypto_atomic)
	k0=$(stat_of crypto_compress_calls) e0=$(stat_of crypto_errors)
	sh -c "echo \$\$ >$CG/zs/cgroup.procs && cat /bench/json /bench/ksrc-tar >$ZS/$name"
	want=$(cat /bench/json /bench/ksrc-tar | sha256sum | cut -d' ' -f1)
	for i in 1 2 3 4 5; do
		echo 64M >$CG/zs/memory.reclaim 2>/dev/null
		cur=$(cat $CG/zs/memory.current)
		[ "$cur" -lt $((4 * MIB)) ] && break
	done
	echo "$name: memory.current after reclaim $cur (zswap's pool is charged too)" >&2
	t0=$(uptime_cs)
	cat $ZS/"$name" >/dev/null
	t1=$(uptime_cs)
	got=$(sha256sum $ZS/"$name" | cut -d' ' -f1)
	rm -f $ZS/"$name"
	if [ "$got" != "$want" ]; then
		echo "$name: sha256 $got, want $want" >&2
		echo "BAD"
		return
	fi
	echo "$(($(cgstat zswpout) - o0)) $(($(cgstat zswpin) - i0))" \
		"$(($(stat_of crypto_calls) - c0)) $(($(stat_of crypto_atomic) - a0))" \
		"$(($(stat_of crypto_compress_calls) - k0)) $(($(stat_of crypto_errors) - e0)) $((t1 - t0))" \
		"$(delta "$v0" "$(vmstat zswpin)")"
}

t_zswap_setup() {
	mkswap /dev/vda >/dev/null || return 1
	swapon /dev/vda || return 1
	mkdir -p $CG $ZS
	mount -t cgroup2 none $CG || return 1
	echo +memory >$CG/cgroup.subtree_control || return 1
	mkdir $CG/zs || return 1
	mount -t tmpfs -o size=256M tmpfs $ZS || return 1
	# Through lzo first: setting the name zswap already has is a no-op.
	echo lzo >$ZSW/compressor && echo lz4 >$ZSW/compressor && echo Y >$ZSW/enabled || return 1
	expect_eq "zswap compressor" "$(cat $ZSW/compressor)" lz4 || return 1
	# zswap's pool holds a transform of lz4-rust, hence the module.
	echo "rust_lz4 refcnt $(cat /sys/module/$MOD/refcnt), lz4-rust refcnt $(field lz4-rust refcnt)"
	[ "$(cat /sys/module/$MOD/refcnt)" -gt 0 ] || fail "\"lz4\" did not resolve to lz4-rust"
}

t_zswap_lz4_rust() {
	local r out in calls atomic comp errs cs vin
	r=$(zswap_cycle rust)
	[ "$r" != BAD ] || fail "data read back differs" || return 1
	set -- $r
	out=$1 in=$2 calls=$3 atomic=$4 comp=$5 errs=$6 cs=$7 vin=$8
	echo "zswap lz4-rust: cgroup zswpout +$out zswpin +$in, /proc/vmstat zswpin: +$vin; rust_lz4 crypto_calls +$calls crypto_atomic +$atomic crypto_compress_calls +$comp crypto_errors +$errs; read back in $cs cs"
	echo "$cs" >/tmp/rust_cs
	[ "$in" -ge 4096 ] || fail "zswpin rose by $in, fewer than half the 8192 pages" || return 1
	expect_eq "crypto_calls delta (rule: = the cgroup's zswpin delta)" "$calls" "$in" || return 1
	[ "$vin" = n/a ] || expect_eq "crypto_calls delta (rule: = /proc/vmstat zswpin delta)" "$calls" "$vin" || return 1
	expect_eq "crypto_atomic delta (rule: = crypto_calls delta)" "$atomic" "$calls" || return 1
	expect_eq "crypto_errors delta" "$errs" 0 || return 1
	[ "$comp" -ge "$out" ] || fail "compress calls +$comp < zswpout +$out"
}

# rmmod while zswap's current pool holds lz4-rust.
t_rmmod_refused_while_zswap_uses_it() {
	if rmmod $MOD 2>/tmp/rmmod.err; then
		fail "rmmod succeeded while zswap used lz4-rust"
		return 1
	fi
	cat /tmp/rmmod.err
	loaded || fail "module gone"
}

# control DRIVER: zswap on another compressor; the module's counters stay
# flat while zswpin rises.
control() {
	local r out in calls atomic comp cs vin
	echo "$1" >$ZSW/compressor || return 1
	r=$(zswap_cycle "$1")
	[ "$r" != BAD ] || fail "data read back differs" || return 1
	set -- "$1" $r
	out=$2 in=$3 calls=$4 atomic=$5 comp=$6 cs=$8 vin=$9
	echo "zswap $1 (control): cgroup zswpout +$out zswpin +$in, /proc/vmstat zswpin: +$vin; rust_lz4 crypto_calls +$calls crypto_compress_calls +$comp; read back in $cs cs"
	[ "$1" != lz4-scomp ] || echo "$cs" >/tmp/scomp_cs
	[ "$in" -ge 4096 ] || fail "zswpin rose by $in only: the control measured nothing" || return 1
	expect_eq "crypto_calls delta" "$calls" 0 || return 1
	expect_eq "crypto_compress_calls delta" "$comp" 0
}
t_zswap_control_lzo() { control lzo; }
t_zswap_control_lz4_scomp() { control lz4-scomp; }

# Back to lz4-rust for a second cycle, after the kernel's: the same rule,
# and the read-back times of both drivers in one boot, each once before
# and once after the other (information only: TCG).
t_zswap_lz4_rust_again() {
	local r in calls
	echo lz4 >$ZSW/compressor || return 1
	r=$(zswap_cycle rust2)
	[ "$r" != BAD ] || fail "data read back differs" || return 1
	set -- $r
	in=$2 calls=$3
	echo "zswap lz4-rust again: cgroup zswpin +$in, /proc/vmstat zswpin: +$8, crypto_calls +$calls; read back in $7 cs"
	echo "swap-in time (information, TCG, 32 MiB): lz4-rust $(cat /tmp/rust_cs) and $7 cs, lz4-scomp $(cat /tmp/scomp_cs) cs"
	expect_eq "crypto_calls delta (rule: = the cgroup's zswpin delta)" "$calls" "$in" || return 1
	[ "$8" = n/a ] || expect_eq "crypto_calls delta (rule: = /proc/vmstat zswpin delta)" "$calls" "$8"
}

t_rmmod_after_zswap_moved() {
	local i
	echo lzo >$ZSW/compressor || return 1
	swapoff /dev/vda || return 1
	# The old pools are freed by a work item once empty.
	for i in $(seq 50); do
		[ "$(cat /sys/module/$MOD/refcnt)" = 0 ] && break
		sleep 0.2
	done
	unload || return 1
	if grep -q 'lz4-rust' /proc/crypto; then
		fail "/proc/crypto still lists lz4-rust"
		return 1
	fi
	echo "rmmod ok; /proc/crypto drivers for lz4: $(awk '/^name/ { n = $3 } /^driver/ && n == "lz4" { printf "%s ", $3 }' /proc/crypto)"
}

# The negative control boot: the switch on, one valid request in atomic
# context must produce the kernel's report.
t_yield_switch_reported() {
	local f=/corpus/block-ksrc-tar-4K size got
	size=$(awk '$1 == "block-ksrc-tar-4K" { print $5 }' /corpus/MANIFEST)
	echo Y >$DBG/crypto_test_yield || return 1
	got=$(hook lz4-rust "$size" $f)
	echo N >$DBG/crypto_test_yield
	echo "request with test_yield=Y: $got"
	dmesg | grep -q "$SLEEP_BUG" || fail "no '$SLEEP_BUG' in the kernel log"
}

ok load insmod $KO
ok crypto_registered t_registered
ok crypto_test_files_root_only t_hook_root_only
if grep -q 'rlz4.crypto_yield=1' /proc/cmdline; then
	ok crypto_yield_switch_reported t_yield_switch_reported
	ok unload unload
	ktap_end
	exit 0
fi
ok crypto_malformed_corpus_einval t_malformed_corpus
ok crypto_semantics t_semantics
ok crypto_atomic_nothing_reported t_atomic_nothing_reported
ok zswap_setup_lz4_is_lz4_rust t_zswap_setup
ok zswap_lz4_rust_roundtrip_and_counters t_zswap_lz4_rust
ok rmmod_refused_while_zswap_uses_lz4_rust t_rmmod_refused_while_zswap_uses_it
ok zswap_control_lzo_counters_flat t_zswap_control_lzo
# rlz4.crypto_short=1 (sanitizer kernels, where a cycle takes a minute):
# without the lz4-scomp control and the second lz4-rust cycle.
if ! grep -q 'rlz4.crypto_short=1' /proc/cmdline; then
	ok zswap_control_lz4_scomp_counters_flat t_zswap_control_lz4_scomp
	ok zswap_lz4_rust_second_cycle t_zswap_lz4_rust_again
fi
echo "# rlz4 stats: $(rlz4 stats | grep crypto_ | tr -s ' ' | tr '\n' ' ')"
ok rmmod_after_zswap_moved_and_swapoff t_rmmod_after_zswap_moved
ktap_end
