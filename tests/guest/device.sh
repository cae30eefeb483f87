#!/bin/sh
# SPDX-License-Identifier: GPL-2.0
#
# Guest suite: /dev/rust_lz4 on a real kernel.  Correct bytes for a corpus
# decoded on the host, expected errors for the malformed corpus and bad
# requests, prompt return on SIGKILL, consistent statistics under
# concurrency, module reference while open, and the in-kernel benchmark.
. /tests/lib.sh

DEV=/dev/rust_lz4

t_device_node() {
	[ -c $DEV ] || fail "$DEV missing"
	expect_eq "mode of $DEV" "$(stat -c %a $DEV)" 600
}

# The host decoded every corpus file and recorded the SHA-256 of the output;
# the kernel must produce the same bytes.
t_corpus() {
	local name=$1 fmt=$2 max=$3 sha=$4 got
	rlz4 decompress --device $DEV --format "$fmt" --max-output "$max" /corpus/"$name" /tmp/out ||
		return 1
	got=$(sha256sum /tmp/out | cut -d' ' -f1)
	rm -f /tmp/out
	expect_eq "sha256 of $name" "$got" "$sha"
}

t_unload_while_open() {
	local pid
	sleep 30 <$DEV &
	pid=$!
	sleep 1
	if rmmod $MOD 2>/dev/null; then
		kill $pid
		fail "rmmod succeeded while $DEV was open"
		return 1
	fi
	loaded || fail "module gone while open" || return 1
	kill $pid
	wait $pid 2>/dev/null
	echo "rmmod refused while open, as expected"
}

# A BENCH that would run for minutes is killed; the ioctl must return at its
# next yield point.
t_sigkill() {
	local pid t0 t1 dt before after
	before=$(stat_of interrupted)
	rlz4 kbench --hold 600 /bench/ksrc-tar >/tmp/hold.log 2>&1 &
	pid=$!
	# Wait for the long request to start (its "holding:" line): the
	# calibration before it takes far longer on the sanitizer kernels.
	t0=0
	while ! grep -q '^holding:' /tmp/hold.log && [ $t0 -lt 600 ]; do
		sleep 0.1
		t0=$((t0 + 1))
	done
	sleep 1
	t0=$(uptime_cs)
	kill -9 $pid
	wait $pid 2>/dev/null
	t1=$(uptime_cs)
	dt=$((t1 - t0))
	after=$(stat_of interrupted)
	echo "SIGKILL to return: $((dt / 100)).$(printf %02d $((dt % 100))) s (interrupted $before -> $after)"
	# RLZ4_SIGKILL_MAX_CS (centiseconds, kernel command line): a looser
	# bound for the sanitizer kernels, several times slower under TCG.
	[ "$dt" -le "${RLZ4_SIGKILL_MAX_CS:-100}" ] ||
		fail "took more than ${RLZ4_SIGKILL_MAX_CS:-100} cs" || return 1
	[ "$after" -gt "$before" ] || fail "STATS.interrupted did not move"
}

# 4 processes decode the corpus files of up to 1 MiB in parallel, 3 times
# each; STATS must account for exactly what they did.
t_concurrency() {
	local i c0 o0 e0 c1 o1 e1 files=0 bytes=0 name fmt max sha size
	awk '$5 <= 1048576' /corpus/MANIFEST >/tmp/small.manifest
	for i in 1 2 3; do cat /tmp/small.manifest; done >/tmp/par.manifest
	while read -r name fmt max sha size; do
		files=$((files + 1))
		bytes=$((bytes + size))
	done </tmp/par.manifest
	c0=$(stat_of calls) o0=$(stat_of bytes_out) e0=$(($(rlz4 stats | awk '/^(err_|interrupted)/ { s += $2 } END { print s }')))
	for i in 1 2 3 4; do
		(
			while read -r name fmt max sha size; do
				rlz4 decompress --device $DEV --format "$fmt" --max-output "$max" \
					/corpus/"$name" /tmp/par$i || echo "FAIL $i $name"
				[ "$(sha256sum /tmp/par$i | cut -d' ' -f1)" = "$sha" ] || echo "BAD $i $name"
			done </tmp/par.manifest
			rm -f /tmp/par$i
		) >/tmp/par$i.log 2>&1 &
	done
	wait
	cat /tmp/par?.log
	! grep -q . /tmp/par?.log || fail "a parallel decode failed" || return 1
	c1=$(stat_of calls) o1=$(stat_of bytes_out) e1=$(($(rlz4 stats | awk '/^(err_|interrupted)/ { s += $2 } END { print s }')))
	expect_eq "calls" $((c1 - c0)) $((4 * files)) &&
		expect_eq "bytes_out" $((o1 - o0)) $((4 * bytes)) &&
		expect_eq "errors" $((e1 - e0)) 0
}

t_stats_show() {
	rlz4 stats
	[ "$(stat_of yields)" -gt 0 ] || fail "no yields counted"
}

ktap_begin
insmod $KO || echo "# insmod failed"
ok device_node t_device_node
# RLZ4_CORPUS_MAX (bytes, from the kernel command line): skip larger corpus
# files, for the slow sanitizer kernels.
while read -r name fmt max sha size; do
	if [ "$size" -gt "${RLZ4_CORPUS_MAX:-$size}" ]; then
		_n=$((_n + 1))
		echo "ok $_n corpus_$name # SKIP $size bytes > RLZ4_CORPUS_MAX"
		continue
	fi
	ok "corpus_$name" t_corpus "$name" "$fmt" "$max" "$sha"
done </corpus/MANIFEST
rlz4 corpus-check --device $DEV /malformed >/tmp/malformed.log 2>&1
import_results /tmp/malformed.log
rlz4 devcheck $DEV >/tmp/devcheck.log 2>&1
import_results /tmp/devcheck.log
ok sigkill_returns_promptly t_sigkill
ok concurrency_4_processes t_concurrency
ok unload_refused_while_open t_unload_while_open
ok stats t_stats_show
echo "# in-kernel benchmark (figures, not assertions):"
rlz4 kbench --cap "${RLZ4_KBENCH_CAP:-16M}" --min-ms "${RLZ4_KBENCH_MS:-100}" /bench/* 2>&1 | sed 's/^/# kbench: /'
ok unload unload
ktap_end
