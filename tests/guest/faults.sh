#!/bin/sh
# SPDX-License-Identifier: GPL-2.0
#
# Guest suite (sanitizer kernels): every error path of the module's load and
# of each ioctl, reached by failing each fault site in turn through
# /proc/thread-self/fail-nth, as syzkaller does (`rlz4 faults`, see
# tools/rlz4/src/faults.rs and Documentation/testing.rst).
#
# The fault attributes are set so that the module's GFP_KERNEL allocations
# are reached: failslab and fail_page_alloc skip allocations that may sleep
# (ignore-gfp-wait, Y by default) and fail_page_alloc skips order-0 pages
# (min-order, 1 by default), which is every page of a vmalloc'ed buffer.
# Each attribute's `times` is set to a large count that the kernel lowers by
# one per injected failure: the harness compares it with fail-nth's count.
# Each DECOMPRESS and BENCH sweep ends with one call with every allocation
# failing (/proc/thread-self/make-it-fail, with task-filter and probability
# 100 on failslab and fail_page_alloc), which must give ENOMEM.
#
# Code of the crypto core that does not take a failure cleanly is kept out
# of the sweeps by the stack filter (`rlz4 faults CMD --reject SYMBOL`):
# - crypto_schedule_test(), the self-test scheduling of an algorithm being
#   registered (load sweep): a failed allocation under it makes the
#   notifier return NOTIFY_OK, its WARN_ON_ONCE fires, and the algorithm's
#   larval keeps a reference to the module;
# - crypto_scomp_init_tfm() on 6.12 (crypto sweep), where it vmalloc()s the
#   scomp scratch buffers of the first transform without __GFP_NOWARN: a
#   failure prints an allocation-failure backtrace.  On 7.3 it allocates
#   lz4-rust's first context too, so it is not filtered there.
# Every other site of those calls, the crypto core's included, is failed.
#
# rlz4.faults=load on the kernel command line runs the load sweep only (the
# planted-bug control of scripts/test.sh), rlz4.faults=ioctl the rest;
# RLZ4_FAULT_CASES and RLZ4_FAULT_BENCH_CASES (corpus names, separated by
# commas) choose other DECOMPRESS and BENCH cases.
. /tests/lib.sh

FI=/sys/kernel/debug
ATTRS="failslab fail_page_alloc fail_usercopy"
TIMES=1000000000

# The corpus files swept, from /corpus/MANIFEST: every format small (4 KiB)
# and large (1 MiB, a kmalloc that falls back to vmalloc when it fails), and
# one block over KMALLOC_MAX_SIZE (4 MiB on x86), which kvmalloc() takes
# straight to vmalloc.
CASES=${RLZ4_FAULT_CASES:-block-ksrc-tar-4K block-elf-1M block-json-5M zfs-json-4K zfs-elf-1M
frame-B4-json-4K frame-B4-ksrc-1M legacy-json-4K legacy-json-1M}
# BENCH decodes raw blocks only.
BENCH_CASES=${RLZ4_FAULT_BENCH_CASES:-block-ksrc-tar-4K block-elf-1M}

# set_attr ATTR FILE VALUE: write a fault attribute and check it took.
set_attr() {
	echo "$3" >"$FI/$1/$2" || return 1
	expect_eq "$1/$2" "$(cat "$FI/$1/$2")" "$3"
}

t_counters() {
	local a
	for a in $ATTRS; do
		[ -d "$FI/$a" ] || fail "no $FI/$a: the kernel lacks fault injection" || return 1
		# No backtrace per injected failure: the judge would take it for
		# a kernel problem.  The count is in `times`.
		set_attr $a verbose 0 && set_attr $a times $TIMES || return 1
	done
	# For the one call per ioctl sweep with every allocation failing:
	# allocations fail for a task with make-it-fail set, and only there.
	for a in failslab fail_page_alloc; do
		set_attr $a task-filter Y && set_attr $a interval 1 &&
			set_attr $a probability 100 || return 1
	done
}

t_restore() {
	local a
	for a in failslab fail_page_alloc; do
		set_attr $a probability 0 && set_attr $a task-filter N || return 1
		# rlz4 faults clears its stack filter on exit; also after a crash.
		echo 0 >"$FI/$a/reject-end" && echo 0 >"$FI/$a/reject-start" || return 1
		expect_eq "$a/reject-start" "$(cat "$FI/$a/reject-start")" 0x0000000000000000 || return 1
	done
	t_exclude_sleeping
}

t_include_sleeping() {
	set_attr failslab ignore-gfp-wait N &&
		set_attr fail_page_alloc ignore-gfp-wait N &&
		set_attr fail_page_alloc min-order 0
}

t_exclude_sleeping() {
	set_attr failslab ignore-gfp-wait Y &&
		set_attr fail_page_alloc ignore-gfp-wait Y &&
		set_attr fail_page_alloc min-order 1
}

# manifest NAME: "format max sha" of a corpus file.
manifest() { awk -v n="$1" '$1 == n { print $2, $3, $4 }' /corpus/MANIFEST; }

# sweep LOG CMD...: run an `rlz4 faults` sweep and import its results.
sweep() {
	local log=$1
	shift
	"$@" >"$log" 2>&1
	import_results "$log"
}

# Control: with the kernel's defaults, none of the module's allocations is
# reached (only user copies fail), so the sweep must see no ENOMEM; with
# sleeping allocations included it must.
t_defaults_miss_allocations() {
	local fmt max sha
	set -- $(manifest block-ksrc-tar-4K)
	fmt=$1 max=$2 sha=$3
	insmod $KO || return 1
	t_exclude_sleeping || return 1
	rlz4 faults decompress --format "$fmt" --max-output "$max" --sha "$sha" \
		/corpus/block-ksrc-tar-4K >/tmp/faults-defaults.log 2>&1
	t_include_sleeping || return 1
	unload || return 1
	grep '^table:' /tmp/faults-defaults.log
	grep -q '^table:.* injected=[1-9]' /tmp/faults-defaults.log ||
		fail "no failure injected at all" || return 1
	! grep -q '^table:.*ENOMEM' /tmp/faults-defaults.log ||
		fail "ENOMEM with ignore-gfp-wait=Y: the control does not show what it should"
}

# allocs LOG: slab and page failures injected by the sweep logged in LOG.
allocs() {
	sed -n 's/^table: .* (failslab=\([0-9]*\) fail_page_alloc=\([0-9]*\) .*/\1 \2/p' "$1" |
		awk '{ print $1 + $2 }'
}

# Control of the stack filter: the 4 KiB block's DECOMPRESS sweep, once
# plain and once with the kernel's kvrealloc() rejected, through which the
# module allocates its buffers: both must pass every check, and the second
# must inject fewer slab and page failures.  Without the make-it-fail call,
# which the filter would keep from failing anything.
t_reject_filter() {
	local fmt max sha kv all some
	set -- $(manifest block-ksrc-tar-4K)
	fmt=$1 max=$2 sha=$3
	# 6.12 and 7.3 name it differently.
	kv=kvrealloc_node_align_noprof
	grep -q " $kv\$" /proc/kallsyms || kv=kvrealloc_noprof
	insmod $KO || return 1
	rlz4 faults decompress --no-all-fail --format "$fmt" --max-output "$max" --sha "$sha" \
		/corpus/block-ksrc-tar-4K >/tmp/reject-control-plain.log 2>&1 ||
		fail "the plain sweep failed: see /tmp/reject-control-plain.log" || return 1
	rlz4 faults decompress --reject $kv --no-all-fail --format "$fmt" --max-output "$max" \
		--sha "$sha" /corpus/block-ksrc-tar-4K >/tmp/reject-control-filtered.log 2>&1 ||
		fail "the filtered sweep failed: see /tmp/reject-control-filtered.log" || return 1
	unload || return 1
	all=$(allocs /tmp/reject-control-plain.log)
	some=$(allocs /tmp/reject-control-filtered.log)
	echo "# slab and page failures of DECOMPRESS block-ksrc-tar-4K: $all, with $kv rejected: $some"
	[ -n "$all" ] && [ -n "$some" ] || fail "no table line in /tmp/reject-control-*.log" || return 1
	[ "$some" -lt "$all" ] || fail "the stack filter took no site away ($some of $all)"
}

ktap_begin
ok fault_counters t_counters
ok fault_sleeping_allocations_included t_include_sleeping

# rlz4.faults=load or =ioctl: one part only.
part=$(sed -n 's/.*rlz4\.faults=\([^ ]*\).*/\1/p' /proc/cmdline)
# Module load: every site of init_module(), the loader's, the module's and
# the crypto core's when it registers lz4-rust.
[ "$part" = ioctl ] ||
	sweep /tmp/faults-load.log rlz4 faults load --reject crypto_schedule_test $KO

if [ "$part" != load ]; then
	ok fault_control_defaults_miss_allocations t_defaults_miss_allocations
	for name in $(echo "$CASES" | tr , " "); do
		set -- $(manifest "$name")
		[ $# = 3 ] || { ok "faults_corpus_$name" fail "$name not in /corpus/MANIFEST"; continue; }
		ok "faults_insmod_$name" insmod $KO
		sweep "/tmp/faults-$name.log" rlz4 faults decompress --format "$1" --max-output "$2" --sha "$3" "/corpus/$name"
		if [ "$1" = zfs ]; then
			sweep "/tmp/faults-$name-exact.log" rlz4 faults decompress --format zfs --exact \
				--max-output "$(awk -v n="$name" '$1 == n { print $5 }' /corpus/MANIFEST)" --sha "$3" "/corpus/$name"
		fi
		ok "faults_rmmod_$name" unload
	done
	for name in $(echo "$BENCH_CASES" | tr , " "); do
		set -- $(manifest "$name")
		ok "faults_insmod_bench_$name" insmod $KO
		sweep "/tmp/faults-bench-$name.log" rlz4 faults bench --max-output "$2" "/corpus/$name"
		ok "faults_rmmod_bench_$name" unload
	done
	ok faults_insmod_stats insmod $KO
	sweep /tmp/faults-stats.log rlz4 faults stats
	ok faults_rmmod_stats unload
	# The crypto API: a transform of lz4-rust allocated, one decompress
	# through it and the transform freed, by a write to the module's
	# debugfs test file.
	set -- $(manifest block-ksrc-tar-4K)
	reject="--reject crypto_scomp_init_tfm"
	! grep -q ' crypto_acomp_alloc_streams$' /proc/kallsyms || reject=
	ok faults_insmod_crypto insmod $KO
	sweep /tmp/faults-crypto.log rlz4 faults crypto $reject --max-output "$2" \
		/corpus/block-ksrc-tar-4K
	ok faults_rmmod_crypto unload
	ok fault_control_reject_filter t_reject_filter
fi
ok fault_defaults_restored t_restore
echo "# fault sites per call (table: op case sites injected-by-attribute errors absorbed):"
cat /tmp/faults-*.log | grep '^table:' | sed 's/^/# /'
ktap_end
