#!/usr/bin/env python3
# SPDX-License-Identifier: GPL-2.0
"""Regenerates the malformed-input corpus and its MANIFEST.

Each MANIFEST line: NAME FORMAT MAX_OUTPUT EXPECTED_ERROR
FORMAT is block, zfs, zfs-exact, frame or legacy; MAX_OUTPUT is the output
buffer size in bytes; EXPECTED_ERROR is the lz4::Error variant name.
Run from anywhere: python3 gen.py (writes next to itself).
"""
import os
import struct

HERE = os.path.dirname(os.path.abspath(__file__))
M32 = 0xFFFFFFFF
P1, P2, P3, P4, P5 = 2654435761, 2246822519, 3266489917, 668265263, 374761393


def rotl(x, r):
    return ((x << r) | (x >> (32 - r))) & M32


def xxh32(data, seed=0):
    n = len(data)
    i = 0
    if n >= 16:
        v = [(seed + P1 + P2) & M32, (seed + P2) & M32, seed, (seed - P1) & M32]
        while i + 16 <= n:
            for k in range(4):
                lane = struct.unpack_from("<I", data, i + 4 * k)[0]
                v[k] = (rotl((v[k] + lane * P2) & M32, 13) * P1) & M32
            i += 16
        h = (rotl(v[0], 1) + rotl(v[1], 7) + rotl(v[2], 12) + rotl(v[3], 18)) & M32
    else:
        h = (seed + P5) & M32
    h = (h + n) & M32
    while i + 4 <= n:
        h = (rotl((h + struct.unpack_from("<I", data, i)[0] * P3) & M32, 17) * P4) & M32
        i += 4
    while i < n:
        h = (rotl((h + data[i] * P5) & M32, 11) * P1) & M32
        i += 1
    h ^= h >> 15
    h = (h * P2) & M32
    h ^= h >> 13
    h = (h * P3) & M32
    h ^= h >> 16
    return h


def lits(data):
    """Literal-only LZ4 block."""
    n = len(data)
    if n < 15:
        return bytes([n << 4]) + data
    out = bytearray([0xF0])
    r = n - 15
    while r >= 255:
        out.append(255)
        r -= 255
    out.append(r)
    return bytes(out) + data


def header(flg=0x60, bd=0x40, extra=b"", hc=None):
    desc = bytes([flg, bd]) + extra
    if hc is None:
        hc = (xxh32(desc) >> 8) & 0xFF
    return struct.pack("<I", 0x184D2204) + desc + bytes([hc])


def blk(data, uncompressed=False, csum=False):
    size = len(data) | (0x80000000 if uncompressed else 0)
    out = struct.pack("<I", size) + data
    if csum:
        out += struct.pack("<I", xxh32(data))
    return out


END = struct.pack("<I", 0)
TEXT = b"The quick brown fox jumps over the lazy dog. " * 3
GOOD_BLOCK = lits(TEXT)

entries = []


def add(name, fmt, cap, err, data):
    with open(os.path.join(HERE, name), "wb") as f:
        f.write(data)
    entries.append((name, fmt, cap, err))


# ---- raw blocks ----
add("block-empty", "block", 64, "EmptyInput", b"")
add("block-trunc-lit-length", "block", 64, "TruncatedLength", b"\xf0")
add("block-trunc-lit-length-ff", "block", 4096, "TruncatedLength", b"\xf0\xff\xff")
add("block-lits-past-input", "block", 64, "LiteralsPastInput", b"\x50ab")
add("block-lits-past-output", "block", 4, "OutputTooSmall", b"\x50abcde")
# 4 literals, offset 0, then final literals: offset 0 is invalid.
add("block-offset-zero", "block", 256, "OffsetZero", b"\x40abcd\x00\x00" + lits(b"12345678"))
add("block-offset-before-start", "block", 256, "OffsetBeforeStart", b"\x40abcd\x05\x00" + lits(b"12345678"))
add("block-offset-max", "block", 256, "OffsetBeforeStart", b"\x40abcd\xff\xff" + lits(b"12345678"))
# A match that ends inside the last 5 bytes of the buffer.
add("block-match-in-last5", "block", 24, "OutputTooSmall", b"\x4fabcd\x04\x00\x00" + lits(b"12345678"))
# Non-final literal run followed by only 3 bytes of input.
add("block-bad-end", "block", 256, "BadBlockEnd", b"\x40abcd\x04\x00\x00")
add("block-trunc-offset", "block", 256, "BadBlockEnd", b"\x40abcd\x04")
add("block-trunc-match-length", "block", 256, "TruncatedLength", b"\x4fabcd\x04\x00" + b"\xff" * 8)
add("block-garbage-after", "block", 256, "BadBlockEnd", GOOD_BLOCK + b"\x00\x00")
add("block-zero-capacity", "block", 0, "OutputTooSmall", b"\x10a")
# The same offset errors where the fast path decodes them: after 100
# literal bytes and a match, a sequence of 20 literals and a long match
# whose offset would make it overlap its own output, then 150 final
# literals (hot_run() in lz4/block/fast.rs leaves such a match to another copy
# routine, which must not see a bad offset).
AMID = b"\xf0\x55" + bytes(b"abcdefghijklmnopqrstuvwxyz"[i % 26] for i in range(100)) + b"\x32\x00"
LONG = b"\xff\x05" + b"L" * 20
add("block-hot-offset-zero", "block", 4096, "OffsetZero", AMID + LONG + b"\x00\x00\x0a" + lits(b"z" * 150))
add("block-hot-offset-before-start", "block", 4096, "OffsetBeforeStart",
    AMID + LONG + b"\x7d\x00\x0a" + lits(b"z" * 150))

# ---- ZFS ----
add("zfs-short-header", "zfs", 256, "ZfsBadLength", b"\x00\x00")
add("zfs-length-exceeds", "zfs", 256, "ZfsBadLength", struct.pack(">I", len(GOOD_BLOCK) + 1) + GOOD_BLOCK)
add("zfs-exact-mismatch", "zfs-exact", len(TEXT) + 1, "ZfsSizeMismatch", struct.pack(">I", len(GOOD_BLOCK)) + GOOD_BLOCK)
add("zfs-bad-block", "zfs", 256, "OffsetZero", struct.pack(">I", 16) + b"\x40abcd\x00\x00" + lits(b"12345678"))

# ---- frames ----
good = header() + blk(GOOD_BLOCK) + END
add("frame-empty", "frame", 4096, "EmptyInput", b"")
add("frame-bad-magic", "frame", 4096, "BadMagic", b"\x03\x22\x4d\x18" + good[4:])
add("frame-trunc-magic", "frame", 4096, "TruncatedFrame", good[:3])
add("frame-trunc-header", "frame", 4096, "TruncatedFrame", good[:6])
add("frame-reserved-flg", "frame", 4096, "ReservedBits", header(flg=0x62) + blk(GOOD_BLOCK) + END)
add("frame-reserved-bd", "frame", 4096, "ReservedBits", header(bd=0x41) + blk(GOOD_BLOCK) + END)
add("frame-bad-version", "frame", 4096, "BadVersion", header(flg=0xA0) + blk(GOOD_BLOCK) + END)
add("frame-bad-block-max", "frame", 4096, "BadBlockMaxSize", header(bd=0x30) + blk(GOOD_BLOCK) + END)
add("frame-header-checksum", "frame", 4096, "HeaderChecksum", header(hc=((xxh32(b"\x60\x40") >> 8) ^ 1) & 0xFF) + blk(GOOD_BLOCK) + END)
add("frame-dict-id", "frame", 4096, "DictionaryId", header(flg=0x61, extra=struct.pack("<I", 7)) + blk(GOOD_BLOCK) + END)
add("frame-block-too-large", "frame", 1 << 20, "BadBlockSize", header() + struct.pack("<I", 65537) + b"\x00" * 65537 + END)
add("frame-trunc-block", "frame", 4096, "TruncatedFrame", header() + blk(GOOD_BLOCK)[:-3])
add("frame-no-endmark", "frame", 4096, "TruncatedFrame", header() + blk(GOOD_BLOCK))
add("frame-block-checksum", "frame", 4096, "BlockChecksum",
    header(flg=0x70) + blk(GOOD_BLOCK)[:-1] + b"X" + struct.pack("<I", xxh32(GOOD_BLOCK)) + END)
add("frame-content-checksum", "frame", 4096, "ContentChecksum",
    header(flg=0x64) + blk(GOOD_BLOCK) + END + struct.pack("<I", xxh32(TEXT) ^ 1))
add("frame-trunc-content-checksum", "frame", 4096, "TruncatedFrame",
    header(flg=0x64) + blk(GOOD_BLOCK) + END + struct.pack("<I", xxh32(TEXT))[:2])
add("frame-content-size", "frame", 4096, "ContentSizeMismatch",
    header(flg=0x68, extra=struct.pack("<Q", len(TEXT) + 1)) + blk(GOOD_BLOCK) + END)
add("frame-trailing-garbage", "frame", 4096, "TrailingGarbage", good + b"\x00\x01\x02\x03\x04")
add("frame-trailing-byte", "frame", 4096, "TrailingGarbage", good + b"\x04")
add("frame-trunc-skippable", "frame", 4096, "TruncatedFrame", struct.pack("<II", 0x184D2A53, 10) + b"abc")
# Independent blocks: the second block references the first one.
add("frame-independent-backref", "frame", 4096, "OffsetBeforeStart",
    header(flg=0x60) + blk(GOOD_BLOCK) + blk(b"\x04\x10\x00" + lits(b"123456")) + END)
add("frame-uncompressed-too-large", "frame", 4096, "OutputTooSmall",
    header() + blk(b"x" * 5000, uncompressed=True) + END)
add("frame-bad-block", "frame", 4096, "OffsetZero", header() + blk(b"\x40abcd\x00\x00" + lits(b"12345678")) + END)

# ---- legacy ----
lg = struct.pack("<I", 0x184C2102)
add("legacy-empty", "legacy", 4096, "EmptyInput", b"")
add("legacy-bad-magic", "legacy", 4096, "BadMagic", good)
add("legacy-trunc-magic", "legacy", 4096, "TruncatedFrame", lg[:2])
add("legacy-zero-block", "legacy", 4096, "BadBlockSize", lg + struct.pack("<I", 0) + b"\x00" * 8)
add("legacy-huge-block", "legacy", 4096, "BadBlockSize", lg + struct.pack("<I", 0x00900000) + b"\x00" * 8)
add("legacy-trunc-block", "legacy", 4096, "TruncatedFrame", lg + struct.pack("<I", len(GOOD_BLOCK)) + GOOD_BLOCK[:-1])
add("legacy-stray-bytes", "legacy", 4096, "TruncatedFrame", lg + struct.pack("<I", len(GOOD_BLOCK)) + GOOD_BLOCK + b"\x01\x02")
add("legacy-bad-trailer", "legacy", 4096, "BadTrailer", lg + struct.pack("<I", len(GOOD_BLOCK)) + GOOD_BLOCK + struct.pack("<I", len(TEXT) + 1))
add("legacy-frame-after", "legacy", 4096, "BadBlockSize", lg + struct.pack("<I", len(GOOD_BLOCK)) + GOOD_BLOCK + good)
add("legacy-bad-block", "legacy", 4096, "OffsetZero", lg + struct.pack("<I", 16) + b"\x40abcd\x00\x00" + lits(b"12345678"))

with open(os.path.join(HERE, "MANIFEST"), "w") as f:
    f.write("# name format max_output expected_error (see gen.py; regenerate with python3 gen.py)\n")
    for e in entries:
        f.write("%s %s %d %s\n" % e)
print("wrote %d entries" % len(entries))
