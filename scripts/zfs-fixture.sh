#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0
#
# Regenerate tests/zfs-fixture/: LZ4 blocks as a real OpenZFS pool stores
# them, with the SHA-256 of OpenZFS's own decode of each.
#
#   scripts/zfs-fixture.sh [OUTDIR]        (default tests/zfs-fixture)
#
# Environment: ZTEST_SECONDS (default 20), FIXTURE_MAX_BLOCKS (default 80),
# FIXTURE_MAX_BYTES (default 2 MiB of raw blocks; at most 4 MiB).
#
# 1. zfs-test and zfsutils-linux 2.3.2 and their libraries (bookworm-
#    backports contrib) are unpacked with dpkg -x into $CACHE/ztest-2.3.2,
#    never installed: ztest and zdb run from there with LD_LIBRARY_PATH and
#    need no kernel module (libzpool is OpenZFS's kernel code in userspace).
# 2. ztest writes a file-backed pool (ashift 12, about 45 s; -K raidz: a
#    random draid layout would need more vdevs), again if zdb finds no
#    unencrypted LZ4 data block (ztest encrypts half of its datasets).
# 3. `zdb -ddddd -bbbbbb` lists its block pointers; the LZ4 ones that are on
#    disk (not embedded in the block pointer, not encrypted, not gang) are
#    grouped by level, object type and logical size, and a few of each group
#    are kept, up to the limits above.
# 4. For each: `zdb -R ztest 0:OFF:PSIZE:r`, the raw block (checked against
#    the vdev file at OFF + 4 MiB, after the labels and boot area), and
#    `zdb -R ztest 0:OFF:LSIZE/PSIZE:dvr`, OpenZFS's decode, which must say
#    it used lz4 and be LSIZE bytes.
#
# MANIFEST has one line per block: "FILE LSIZE PSIZE SHA256 KIND DVA", KIND
# being level and object type (L0-DMU-dnode).  ztest's data is random: each
# run gives another fixture, equally valid.  Checked by tools/rlz4/tests/
# zfs_fixture.rs (host) and tests/guest/zfs.sh (guest).
set -euo pipefail

here=$(cd "$(dirname "$0")" && pwd)
top=$(dirname "$here")
. "$here/lib.sh"
. "$here/private-apt.sh"

ZFS_VER=2.3.2
out=${1:-$top/tests/zfs-fixture}
secs=${ZTEST_SECONDS:-20}
max_blocks=${FIXTURE_MAX_BLOCKS:-80}
max_bytes=${FIXTURE_MAX_BYTES:-2097152}
[ "$max_bytes" -le 4194304 ] || die "FIXTURE_MAX_BYTES must be at most 4 MiB"
root=$CACHE/ztest-$ZFS_VER
pkgs=(zfs-test zfsutils-linux libzpool6linux libnvpair3linux libuutil3linux libzfs6linux)

if [ ! -x "$root/sbin/ztest" ] || [ ! -x "$root/sbin/zdb" ]; then
	echo "zfs-fixture: fetching ${pkgs[*]} $ZFS_VER (bookworm-backports contrib, unpacked, not installed)"
	private_apt bookworm-backports bookworm-backports
	debs=$CACHE/ztest-debs
	mkdir -p "$debs"
	(cd "$debs" && "${APT[@]}" download -qq "${pkgs[@]/%/=$ZFS_VER-*}") ||
		die "cannot download ${pkgs[*]} $ZFS_VER"
	rm -rf "$root.tmp"
	for p in "${pkgs[@]}"; do
		dpkg -x "$(ls -t "$debs/${p}_$ZFS_VER"-*.deb | head -1)" "$root.tmp"
	done
	rm -rf "$root"
	mv "$root.tmp" "$root"
fi
export LD_LIBRARY_PATH=$root/lib/x86_64-linux-gnu
# ztest runs zdb itself at the end of a run.
export PATH=$root/sbin:$PATH
# zdb -R ...:d guesses the algorithm; ZLE would accept nearly anything.
export ZDB_NO_ZLE=1

work=$(mktemp -d "${TMPDIR:-/tmp}/zfs-fixture.XXXXXX")
trap 'rm -rf "$work"' EXIT
mkdir "$work/pool" "$work/blocks"

# ztest encrypts each dataset with probability 1/2 and zdb has no keys for
# them: four datasets, and another run if none of them holds unencrypted LZ4
# data blocks (ztest's objects are "other uint64[]").
for try in 1 2 3; do
	rm -rf "$work/pool"
	mkdir "$work/pool"
	echo "zfs-fixture: ztest $ZFS_VER, ${secs}s, pool in $work/pool (run $try)"
	nice -n 10 ztest -K raidz -v1 -s128m -m1 -r1 -d4 -t2 -k0 -T"$secs" -a12 -f "$work/pool" >"$work/ztest.log" 2>&1 ||
		{ tail -20 "$work/ztest.log"; die "ztest failed"; }
	# -AAA: go on past assertions.  zdb asserts in the ZAPs of the
	# encrypted datasets; their blocks are skipped below anyway.
	zdb -AAA -e -p "$work/pool" -ddddd -bbbbbb ztest >"$work/zdb.txt" 2>"$work/zdb.err" || true
	grep -q '\[L0 other uint64\[\]\] [a-z0-9]* lz4 unencrypted' "$work/zdb.txt" && break
	[ "$try" != 3 ] || die "three ztest runs without an unencrypted LZ4 data block"
done

# "OFFSET LSIZE PSIZE KIND" of the chosen blocks, hexadecimal sizes as zdb
# prints them.
python3 - "$work/zdb.txt" "$max_blocks" "$max_bytes" >"$work/chosen" <<'EOF'
import re, sys
from collections import defaultdict
lines, max_blocks, max_bytes = open(sys.argv[1], errors="replace"), int(sys.argv[2]), int(sys.argv[3])
bp = re.compile(r"DVA\[0\]=<0:([0-9a-f]+):([0-9a-f]+)>.*?\[(L\d+) (.+?)\] \S+ lz4 (\S+) .*?size=([0-9a-f]+)L/([0-9a-f]+)P")
groups, seen = defaultdict(list), set()
for line in lines:
    if " lz4 " not in line or "EMBEDDED" in line or "gang" in line:
        continue
    m = bp.search(line)
    if not m or m.group(5) == "encrypted":
        continue
    off, asize, level, typ, _, lsize, psize = m.groups()
    if off in seen:
        continue
    seen.add(off)
    kind = ("L0" if level == "L0" else "L1+") + "-" + typ.replace(" ", "-").replace("[]", "s")
    groups[(kind, int(lsize, 16))].append((off, lsize, psize, level + "-" + typ.replace(" ", "-").replace("[]", "s")))
# Within a group: the best and the worst compressed, then others.
for k, v in groups.items():
    v.sort(key=lambda b: int(b[2], 16))
    groups[k] = [v[0], v[-1]] + v[1:-1] if len(v) > 1 else v
# Round robin over groups, so that every kind and size gets a block first.
chosen, total, rnd = [], 0, 0
keys = sorted(groups, key=lambda k: (k[1], k[0]))
while len(chosen) < max_blocks and any(len(groups[k]) > rnd for k in keys):
    for k in keys:
        if rnd < min(len(groups[k]), 2) and len(chosen) < max_blocks:
            b = groups[k][rnd]
            if total + int(b[2], 16) <= max_bytes:
                chosen.append(b)
                total += int(b[2], 16)
    rnd += 1
    if rnd >= 2:
        break
for b in chosen:
    print(*b)
EOF
[ -s "$work/chosen" ] || die "no block chosen"

vdev=$work/pool/ztest.0a
n=0
: >"$work/blocks/MANIFEST"
while read -r off lsize psize kind; do
	n=$((n + 1))
	name=$(printf '%03d.zfs' "$n")
	l=$((16#$lsize)) p=$((16#$psize))
	zdb -e -p "$work/pool" -R ztest "0:$off:$psize:r" >"$work/blocks/$name" 2>"$work/zdb-r.err" ||
		{ cat "$work/zdb-r.err"; die "zdb -R 0:$off:$psize:r failed"; }
	[ "$(stat -c %s "$work/blocks/$name")" = "$p" ] || die "$name: zdb gave $(stat -c %s "$work/blocks/$name") bytes, not $p"
	dd if="$vdev" bs=512 skip=$(((16#$off + 4 * 1048576) / 512)) count=$((p / 512)) status=none |
		cmp -s - "$work/blocks/$name" || die "$name: zdb's raw block is not the vdev file's bytes at 0x$off + 4 MiB"
	zdb -e -p "$work/pool" -R ztest "0:$off:$lsize/$psize:dvr" >"$work/decoded" 2>"$work/zdb-d.err" ||
		{ cat "$work/zdb-d.err"; die "zdb -R 0:$off:$lsize/$psize:dvr failed"; }
	grep -q "^Trying .*(lz4)\$" "$work/zdb-d.err" && [ "$(grep -c '^Trying' "$work/zdb-d.err")" = 1 ] ||
		{ cat "$work/zdb-d.err"; die "$name: zdb did not decode it as lz4 at the first try"; }
	[ "$(stat -c %s "$work/decoded")" = "$l" ] || die "$name: zdb decoded $(stat -c %s "$work/decoded") bytes, not $l"
	echo "$name $l $p $(sha256sum <"$work/decoded" | cut -d' ' -f1) $kind 0:$off" >>"$work/blocks/MANIFEST"
done <"$work/chosen"

bytes=$(du -cb "$work"/blocks/*.zfs | tail -1 | cut -f1)
[ "$bytes" -le 4194304 ] || die "fixture of $bytes bytes is over 4 MiB"
rm -rf "$out"
mkdir -p "$out"
cp "$work"/blocks/* "$out/"
{
	echo "# tests/zfs-fixture: scripts/zfs-fixture.sh, ztest/zdb $(dpkg-deb -f "$(ls -t "$CACHE/ztest-debs/zfs-test_$ZFS_VER"-*.deb | head -1)" Version)"
	echo "# FILE LSIZE PSIZE SHA256(zdb -R ...:d) KIND DVA"
	cat "$work/blocks/MANIFEST"
} >"$out/MANIFEST"
echo "zfs-fixture: $n blocks, $bytes bytes, in $out"
awk '!/^#/ { k[$5 " " $2]++ } END { for (x in k) print "  " x ": " k[x] }' "$out/MANIFEST" | sort
