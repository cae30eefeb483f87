#!/bin/sh
# SPDX-License-Identifier: GPL-2.0
#
# Guest suite: zfs_arc_min / zfs_arc_max are read-only, set only at load time,
# validated with OpenZFS's rules, and reported in /proc/rust_lz4/arcstats.
. /tests/lib.sh

# load ARGS...: insmod; succeed only if the module is then loaded.
load() {
	insmod $KO "$@" || return 1
	loaded || fail "insmod returned 0 but $MOD is not loaded"
}

# check_limits C_MIN C_MAX: the arcstats file shows these effective limits.
check_limits() {
	expect_eq c_min "$(arcstat c_min)" "$1" &&
		expect_eq c_max "$(arcstat c_max)" "$2" &&
		expect_eq memory_all_bytes "$(arcstat memory_all_bytes)" "$(allmem)"
}

t_defaults() {
	load || return 1
	expect_eq zfs_arc_min "$(param zfs_arc_min)" 0 &&
		expect_eq zfs_arc_max "$(param zfs_arc_max)" 0 &&
		check_limits "$(default_c_min)" "$(default_c_max)"
}

t_modes() {
	local f
	for f in zfs_arc_min zfs_arc_max yield_interval; do
		expect_eq "mode of $f" "$(stat -c %a $PARAMS/$f)" 444 || return 1
	done
	expect_eq "mode of arcstats" "$(stat -c %a $ARCSTATS)" 444
}

t_arcstats_format() {
	head -1 $ARCSTATS | grep -qx 'name *type *data' || fail "bad header: $(head -1 $ARCSTATS)"
	# Every other line is "name 4 number".
	awk 'NR > 1 && !($2 == 4 && $3 ~ /^[0-9]+$/ && NF == 3) { print "bad line: " $0; bad = 1 }
	     END { exit bad }' $ARCSTATS
}

t_root_write_refused() {
	local f before
	[ "$(id -u)" = 0 ] || fail "not root"
	for f in zfs_arc_min zfs_arc_max; do
		before=$(param $f)
		if (echo 134217728 >$PARAMS/$f) 2>/dev/null; then
			fail "root write to $f succeeded"
			return 1
		fi
		expect_eq "$f after write" "$(param $f)" "$before" || return 1
	done
	echo "root write refused: $( (echo 1 >$PARAMS/zfs_arc_max) 2>&1)"
}

t_unload() {
	unload && [ ! -e $ARCSTATS ] || fail "$ARCSTATS survives unload"
}

t_reload_decimal() {
	load zfs_arc_min=$((48 * MIB)) zfs_arc_max=$((256 * MIB)) || return 1
	expect_eq zfs_arc_min "$(param zfs_arc_min)" $((48 * MIB)) &&
		expect_eq zfs_arc_max "$(param zfs_arc_max)" $((256 * MIB)) &&
		check_limits $((48 * MIB)) $((256 * MIB)) && unload
}

t_reload_hex() {
	load zfs_arc_min=0x3000000 zfs_arc_max=0x10000000 || return 1
	expect_eq zfs_arc_min "$(param zfs_arc_min)" $((48 * MIB)) &&
		expect_eq zfs_arc_max "$(param zfs_arc_max)" $((256 * MIB)) &&
		check_limits $((48 * MIB)) $((256 * MIB)) && unload
}

# A maximum at or below the default minimum lowers the minimum to
# max(max / 2, 32 MiB), as OpenZFS does at load.
t_max_lowers_min() {
	local max=$((64 * MIB)) want
	want=$(default_c_min)
	[ "$want" -ge $max ] && want=$(max2 $((max / 2)) $((32 * MIB)))
	load zfs_arc_max=$max || return 1
	check_limits "$want" $max && unload
}

# refused NAME ARGS...: the load fails with EINVAL, one rust_lz4 line names
# the parameter and the value, and nothing stays registered.
refused() {
	local pname=${1%%=*} value=${1#*=} out mark
	mark=$(kmsg_mark)
	if out=$(insmod $KO "$@" 2>&1); then
		fail "insmod $* succeeded"
		unload
		return 1
	fi
	echo "$out" | grep -q 'Invalid argument' || fail "insmod error is not EINVAL: $out" || return 1
	! loaded || fail "module loaded after refused insmod" || return 1
	[ ! -e /proc/$MOD ] || fail "/proc/$MOD left behind" || return 1
	line=$(kmsg_since "$mark" | grep "$MOD: $pname=.*rejected" | head -1)
	[ -n "$line" ] || fail "no rust_lz4 line naming $pname" || return 1
	echo "$line" | grep -q -- "$value" || fail "line does not name value $value: $line" || return 1
	echo "$line" | grep -q 'valid' || fail "line does not give the valid range: $line" || return 1
	echo "$line"
}

t_bad_nonnumeric() { refused zfs_arc_max=lots; }
t_bad_negative() { refused zfs_arc_min=-1; }
t_bad_overflow() { refused zfs_arc_max=18446744073709551616; }
t_bad_min_floor() { refused zfs_arc_min=$((32 * MIB - 1)); }
t_bad_max_floor() { refused zfs_arc_max=$((64 * MIB - 1)); }
t_bad_max_ram() { refused zfs_arc_max=$(allmem); }
t_bad_min_above_max() { refused zfs_arc_min=$((256 * MIB)) zfs_arc_max=$((128 * MIB)); }
t_bad_min_equals_max() { refused zfs_arc_max=$((128 * MIB)) zfs_arc_min=$((128 * MIB)); }

t_yield_interval() {
	load || return 1
	expect_eq "default yield_interval" "$(param yield_interval)" 65536 || return 1
	unload || return 1
	load yield_interval=0x1000 || return 1
	expect_eq yield_interval "$(param yield_interval)" 4096 && unload
}
t_bad_yield_low() { refused yield_interval=255; }
t_bad_yield_high() { refused yield_interval=16777217; }

t_modprobe_conf() {
	echo "options $MOD zfs_arc_max=0x10000000" >/etc/modprobe.d/$MOD.conf
	modprobe $MOD || { rm -f /etc/modprobe.d/$MOD.conf; return 1; }
	rm -f /etc/modprobe.d/$MOD.conf
	expect_eq zfs_arc_max "$(param zfs_arc_max)" $((256 * MIB)) &&
		expect_eq c_max "$(arcstat c_max)" $((256 * MIB)) && modprobe -r $MOD && ! loaded
}

t_modprobe_args() {
	modprobe $MOD zfs_arc_min=$((40 * MIB)) || return 1
	expect_eq zfs_arc_min "$(param zfs_arc_min)" $((40 * MIB)) &&
		expect_eq c_min "$(arcstat c_min)" $((40 * MIB)) && modprobe -r $MOD
}

t_load_log() {
	local mark
	mark=$(kmsg_mark)
	load zfs_arc_max=$((128 * MIB)) || return 1
	kmsg_since "$mark" | grep "$MOD: zfs_arc_min=0 zfs_arc_max=$((128 * MIB)): c_min=[0-9]* c_max=$((128 * MIB))" |
		tail -1 | grep . || fail "no load line with the effective limits"
	unload
}

ktap_begin 24
ok defaults t_defaults
ok modes_0444 t_modes
ok arcstats_format t_arcstats_format
ok root_write_refused t_root_write_refused
ok unload t_unload
ok reload_decimal t_reload_decimal
ok reload_hex t_reload_hex
ok max_lowers_min t_max_lowers_min
ok refuse_nonnumeric t_bad_nonnumeric
ok refuse_negative t_bad_negative
ok refuse_2_pow_64 t_bad_overflow
ok refuse_min_below_32M t_bad_min_floor
ok refuse_max_below_64M t_bad_max_floor
ok refuse_max_not_below_ram t_bad_max_ram
ok refuse_min_above_max t_bad_min_above_max
ok refuse_max_equal_min t_bad_min_equals_max
ok yield_interval t_yield_interval
ok refuse_yield_interval_below_256 t_bad_yield_low
ok refuse_yield_interval_above_16M t_bad_yield_high
ok modprobe_conf t_modprobe_conf
ok modprobe_args t_modprobe_args
ok load_log t_load_log
ok reload_defaults t_defaults
ok final_unload unload
