#!/bin/sh
# SPDX-License-Identifier: GPL-2.0
#
# What `make run` shows: the module loaded with example values, its read-only
# parameters, a refused root write, the effective limits and a refused load.
. /tests/lib.sh

say() { printf '\n$ %s\n' "$*"; }
run() { say "$*"; sh -c "$*" 2>&1; }

# Kernel messages go to dmesg only, so the console shows just the commands.
dmesg -n 1
echo "rlz4-demo-begin"
echo "Linux $(uname -r), $(($(allmem) / MIB)) MiB RAM"
run "insmod /rust_lz4.ko zfs_arc_min=0x4000000 zfs_arc_max=536870912"
run "ls -l $PARAMS/"
run "grep . $PARAMS/*"
run "echo 1073741824 > $PARAMS/zfs_arc_max     # as root"
run "cat $PARAMS/zfs_arc_max"
run "cat $ARCSTATS"
run "dmesg | grep rust_lz4:"
if [ -x /bin/rlz4 ] && [ -f /demo/sample.lz4 ]; then
	run "ls -l /dev/rust_lz4"
	run "rlz4 decompress --device --format frame /demo/sample.lz4 /tmp/sample"
	run "sha256sum /tmp/sample; cat /demo/sample.sha256"
	run "rlz4 decompress --device --format block --max-output 1M /demo/sample.lz4 /tmp/x   # wrong format"
	run "rlz4 kbench --block-sizes 128K,1M --min-ms 100 /demo/sample"
	run "rlz4 stats"
fi
run "rmmod rust_lz4"
mark=$(kmsg_mark)
run "insmod /rust_lz4.ko zfs_arc_max=16777216     # 16 MiB: below the floor"
say "dmesg | grep rust_lz4:"
kmsg_since "$mark" | grep 'rust_lz4:'
echo "rlz4-demo-end"
