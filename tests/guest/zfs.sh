#!/bin/sh
# SPDX-License-Identifier: GPL-2.0
#
# Guest suite: blocks of a real OpenZFS pool (/zfs-fixture, made by
# scripts/zfs-fixture.sh with ztest and zdb) decoded through /dev/rust_lz4
# with the ZFS framing and --exact (OpenZFS 2.3.9/2.4.x rules): the bytes
# must be those zdb decoded (SHA-256 in MANIFEST).  Negative controls on one
# block: a logical size one byte short fails, one sector more fails with
# --exact but decodes the same bytes without it (2.3.2/2.3.5 rules), a
# header past the block fails, and another block's hash differs.
. /tests/lib.sh

DEV=/dev/rust_lz4
FIX=/zfs-fixture

# decode FILE LSIZE [--exact]: the output in /tmp/zfs.out.
decode() {
	rlz4 decompress --device $DEV --format zfs --max-output "$2" $3 "$FIX/$1" /tmp/zfs.out
}

t_block() {
	local file=$1 lsize=$2 sha=$3
	decode "$file" "$lsize" --exact || return 1
	expect_eq "size of $file" "$(stat -c %s /tmp/zfs.out)" "$lsize" &&
		expect_eq "sha256 of $file" "$(sha256sum /tmp/zfs.out | cut -d' ' -f1)" "$sha"
}

t_short_lsize() {
	! decode "$1" $(($2 - 1)) --exact || fail "decoded into lsize - 1"
	! decode "$1" $(($2 - 1)) || fail "decoded into lsize - 1 (default mode)"
}

t_exact_rule() {
	! decode "$1" $(($2 + 512)) --exact || fail "--exact accepted lsize + 512"
	decode "$1" $(($2 + 512)) || return 1
	expect_eq "default mode, lsize + 512" "$(sha256sum /tmp/zfs.out | cut -d' ' -f1)" "$3"
}

t_header_past_block() {
	local psize
	psize=$(stat -c %s "$FIX/$1")
	# Big-endian psize - 3, then the rest of the block.
	printf "$(printf '\\%03o\\%03o\\%03o\\%03o' $(((psize - 3) >> 24 & 255)) \
		$(((psize - 3) >> 16 & 255)) $(((psize - 3) >> 8 & 255)) $(((psize - 3) & 255)))" >/tmp/bad.zfs
	tail -c +5 "$FIX/$1" >>/tmp/bad.zfs
	! rlz4 decompress --device $DEV --format zfs --max-output "$2" /tmp/bad.zfs /tmp/zfs.out ||
		fail "a header past the block decoded"
}

t_other_hash() {
	decode "$1" "$2" --exact || return 1
	[ "$(sha256sum /tmp/zfs.out | cut -d' ' -f1)" != "$3" ] || fail "two blocks with one hash"
}

ktap_begin
insmod $KO || echo "# insmod failed"
n=0
bytes=0
first=
other=
while read -r file lsize psize sha kind dva; do
	case "$file" in "#"*|"") continue ;; esac
	ok "zfs_${file%.zfs}_${kind}_${lsize}" t_block "$file" "$lsize" "$sha"
	n=$((n + 1))
	bytes=$((bytes + lsize))
	if [ -z "$first" ] && [ "$lsize" -ge 4096 ]; then
		first="$file $lsize $sha"
	elif [ -n "$first" ] && [ -z "$other" ] && [ "$sha" != "${first##* }" ]; then
		other="$file $lsize"
	fi
done <$FIX/MANIFEST
echo "# zfs fixture: $n blocks, $bytes bytes decoded"
set -- $first
ok zfs_control_lsize_short t_short_lsize "$1" "$2"
ok zfs_control_exact_rule t_exact_rule "$1" "$2" "$3"
ok zfs_control_header_past_block t_header_past_block "$1" "$2"
ok zfs_control_other_hash t_other_hash $other "$3"
rm -f /tmp/zfs.out /tmp/bad.zfs
ok unload unload
ktap_end
