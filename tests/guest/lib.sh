# SPDX-License-Identifier: GPL-2.0
#
# KTAP helpers for the in-guest suites.  Sourced by tests/guest/*.sh.

MOD=rust_lz4
KO=/rust_lz4.ko
PARAMS=/sys/module/$MOD/parameters
ARCSTATS=/proc/$MOD/arcstats
MIB=$((1 << 20))
GIB=$((1 << 30))

_n=0

ktap_begin() {
	echo "KTAP version 1"
	[ -z "$1" ] || echo "1..$1"
}

# ktap_end: the plan, for suites whose number of tests depends on their data
# (KTAP allows the plan after the results).
ktap_end() { echo "1..$_n"; }

# import_results FILE: number "ok NAME" / "not ok NAME: why" lines written by
# a tool (rlz4 devcheck, rlz4 corpus-check) as KTAP results.
import_results() {
	local line
	while IFS= read -r line; do
		case "$line" in
		"ok "*)
			_n=$((_n + 1))
			echo "ok $_n ${line#ok }"
			;;
		"not ok "*)
			_n=$((_n + 1))
			echo "# ${line#not ok }"
			local name=${line#not ok }
			echo "not ok $_n ${name%%:*}"
			;;
		*) echo "# $line" ;;
		esac
	done <"$1"
}

# uptime_cs: monotonic time in centiseconds.
uptime_cs() {
	local u
	read -r u _ </proc/uptime
	echo $((${u%.*} * 100 + 1${u#*.} - 100))
}

# stat_of NAME: one counter from `rlz4 stats`.
stat_of() { rlz4 stats | awk -v n="$1" '$1 == n { print $2 }'; }

# ok NAME COMMAND...: one test, passing when COMMAND succeeds.  Output of
# COMMAND is kept as KTAP diagnostics, so a failure explains itself.
ok() {
	local name=$1 out rc t0 dt
	shift
	_n=$((_n + 1))
	t0=$(uptime_cs)
	out=$("$@" 2>&1)
	rc=$?
	dt=$(($(uptime_cs) - t0))
	if [ -n "$out" ]; then
		echo "$out" | sed 's/^/# /'
	fi
	[ $dt -lt 100 ] || echo "# $name took $((dt / 100)) s"
	if [ $rc = 0 ]; then
		echo "ok $_n $name"
	else
		echo "not ok $_n $name"
	fi
}

# fail MESSAGE: print a diagnostic and return 1 (for use inside checks).
fail() {
	echo "$*"
	return 1
}

# expect_eq WHAT GOT WANT
expect_eq() {
	[ "$2" = "$3" ] || fail "$1: got '$2', want '$3'"
}

loaded() { [ -d /sys/module/$MOD ]; }

# settle: wait up to 2 s for the module's reference count to drop to 0.
# Loading registers lz4-rust with the crypto API, whose self-test holds a
# reference on the module (its larval's crypto_mod_get()) for a moment after
# insmod returns: an rmmod at once can get EAGAIN.
settle() {
	local i
	for i in $(seq 20); do
		[ "$(cat /sys/module/$MOD/refcnt 2>/dev/null || echo 0)" = 0 ] && return 0
		sleep 0.1
	done
}

unload() {
	if loaded; then settle; rmmod $MOD || return 1; fi
	! loaded || fail "module still loaded after rmmod"
}

# Total RAM in bytes as the kernel counts it (totalram_pages).
allmem() {
	echo $(($(sed -n 's/^MemTotal: *\([0-9]*\) kB/\1/p' /proc/meminfo) * 1024))
}

max2() { if [ "$1" -gt "$2" ]; then echo "$1"; else echo "$2"; fi; }

# OpenZFS defaults, written independently of arc.rs: arc_set_limits() and
# arc_default_max() for Linux.
default_c_min() { max2 $(($(allmem) / 32)) $((32 * MIB)); }
default_c_max() {
	local m=$(allmem) size
	if [ "$m" -ge $GIB ]; then size=$((m - GIB)); else size=$(default_c_min); fi
	max2 $((m * 5 / 8)) "$size"
}

# arcstat NAME: data column of NAME in the arcstats file.
arcstat() {
	awk -v n="$1" '$1 == n && $2 == 4 { print $3 }' $ARCSTATS
}

param() { cat $PARAMS/$1; }

# kmsg_mark: write a unique marker into the kernel log and print it.  The
# counter lives in a file: callers run it in a subshell.
kmsg_mark() {
	local n
	n=$(($(cat /tmp/kmsg_marks 2>/dev/null || echo 0) + 1))
	echo $n >/tmp/kmsg_marks
	# KERN_INFO: in the log, not on the console.
	echo "<6>rlz4-mark-$n" >/dev/kmsg
	echo "rlz4-mark-$n"
}

# kmsg_since MARK: the kernel log after MARK.
kmsg_since() { dmesg | sed -n "/$1\$/,\$p" | tail -n +2; }
