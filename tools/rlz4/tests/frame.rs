// SPDX-License-Identifier: GPL-2.0
//! Frame and legacy decoders: liblz4-made frames with every option, frames
//! and legacy streams made by the real `lz4` CLI (must match `lz4 -d`),
//! skippable and concatenated frames, xxh32 vectors, ZFS framing.

use rlz4::cref::{self, FrameOptions};
use rlz4::lz4::{self, frame, legacy, xxh32, zfs, Error, NoYield};
use std::process::Command;

fn decode_frame(src: &[u8]) -> Result<Vec<u8>, Error> {
    let cap = frame::decoded_bound(src)?;
    let mut out = vec![0u8; cap];
    let n = frame::decompress(src, &mut out, &mut NoYield)?;
    out.truncate(n);
    Ok(out)
}

fn decode_legacy(src: &[u8]) -> Result<Vec<u8>, Error> {
    let cap = legacy::decoded_bound(src)?;
    let mut out = vec![0u8; cap];
    let n = legacy::decompress(src, &mut out, &mut NoYield)?;
    out.truncate(n);
    Ok(out)
}

fn corpus(n: usize) -> Vec<u8> {
    // Mix of text-like and binary data, deterministic.
    let mut v = Vec::with_capacity(n);
    let mut x = 0x2545_f491_4f6c_dd1du64;
    while v.len() < n {
        x ^= x << 13;
        x ^= x >> 7;
        x ^= x << 17;
        match x % 5 {
            0 => v.extend_from_slice(b"static int lz4_decompress(const char *src, char *dst);\n"),
            1 => v.extend((0..(x >> 40) % 64).map(|i| (x >> (i % 56)) as u8)),
            2 => v.extend(std::iter::repeat_n(
                (x >> 16) as u8,
                ((x >> 32) % 300) as usize,
            )),
            _ => {
                let len = v.len();
                if len > 100 {
                    let start = (x >> 20) as usize % (len - 50);
                    let part = v[start..start + 50].to_vec();
                    v.extend_from_slice(&part);
                }
            }
        }
    }
    v.truncate(n);
    v
}

#[test]
fn xxh32_known_vectors() {
    assert_eq!(xxh32::xxh32(b"", 0), 0x02CC_5D05);
    assert_eq!(xxh32::xxh32(b"a", 0), 0x550D_7456);
    assert_eq!(xxh32::xxh32(b"abc", 0), 0x32D1_53FF);
    assert_eq!(
        xxh32::xxh32(b"Nobody inspects the spammish repetition", 0),
        0xE229_3B2F
    );
    // Streaming in odd pieces equals one-shot.
    let data = corpus(10_000);
    let mut s = xxh32::Xxh32::new(0);
    for c in data.chunks(7) {
        s.update(c);
    }
    assert_eq!(s.digest(), xxh32::xxh32(&data, 0));
}

#[test]
fn liblz4_frames_all_options() {
    for &n in &[0usize, 1, 100, 65_535, 65_536, 65_537, 300_000, 5_000_000] {
        let data = corpus(n);
        for id in 4..=7 {
            for flags in 0..16u32 {
                if n > 300_000 && flags % 5 != 0 {
                    continue;
                }
                let o = FrameOptions {
                    block_size_id: id,
                    independent: flags & 1 != 0,
                    block_checksum: flags & 2 != 0,
                    content_checksum: flags & 4 != 0,
                    content_size: flags & 8 != 0,
                    level: if flags % 3 == 0 { 9 } else { 0 },
                };
                let f = cref::compress_frame(&data, &o).unwrap();
                let got = decode_frame(&f).unwrap_or_else(|e| panic!("{n} {o:?}: {e:?}"));
                assert!(got == data, "{n} {o:?}: wrong output");
                assert_eq!(cref::decompress_frame(&f, n + (4 << 20)).unwrap(), data);
            }
        }
    }
}

#[test]
fn skippable_and_concatenated_frames() {
    let a = corpus(100_000);
    let b = corpus(7_000);
    let fa = cref::compress_frame(&a, &FrameOptions::default()).unwrap();
    let fb = cref::compress_frame(
        &b,
        &FrameOptions {
            independent: true,
            ..FrameOptions::default()
        },
    )
    .unwrap();
    let mut skip = 0x184D_2A5Fu32.to_le_bytes().to_vec();
    skip.extend_from_slice(&5u32.to_le_bytes());
    skip.extend_from_slice(b"hello");
    let mut s = skip.clone();
    s.extend_from_slice(&fa);
    s.extend_from_slice(&skip);
    s.extend_from_slice(&fb);
    s.extend_from_slice(&fa);
    let mut want = a.clone();
    want.extend_from_slice(&b);
    want.extend_from_slice(&a);
    assert_eq!(decode_frame(&s).unwrap(), want);
    assert_eq!(
        cref::decompress_frame(&s, want.len() + (4 << 20)).unwrap(),
        want
    );
    // Only a skippable frame: empty output.
    assert_eq!(decode_frame(&skip).unwrap(), b"");
    // Linked blocks of the second frame must not reach into the first.
    assert!(frame::decoded_bound(&s).unwrap() >= want.len());
}

#[test]
fn frame_uncompressed_blocks() {
    // Random data makes liblz4 store blocks uncompressed.
    let mut x = 88172645463325252u64;
    let data: Vec<u8> = (0..200_000)
        .map(|_| {
            x ^= x << 13;
            x ^= x >> 7;
            x ^= x << 17;
            x as u8
        })
        .collect();
    let f = cref::compress_frame(
        &data,
        &FrameOptions {
            block_checksum: true,
            ..FrameOptions::default()
        },
    )
    .unwrap();
    assert_eq!(decode_frame(&f).unwrap(), data);
}

#[test]
fn zfs_framing() {
    let data = corpus(128 * 1024);
    let z = cref::compress_zfs(&data, 0);
    let mut out = vec![0u8; data.len()];
    assert_eq!(
        zfs::decompress(&z, &mut out, true, &mut NoYield),
        Ok(data.len())
    );
    assert_eq!(out, data);
    // Padding after the block is ignored (as OpenZFS does).
    let mut padded = z.clone();
    padded.extend_from_slice(&[0xAA; 512]);
    assert_eq!(
        zfs::decompress(&padded, &mut out, true, &mut NoYield),
        Ok(data.len())
    );
    // Larger logical size: fine without exact, error with exact.
    let mut big = vec![0u8; data.len() + 4096];
    assert_eq!(
        zfs::decompress(&z, &mut big, false, &mut NoYield),
        Ok(data.len())
    );
    assert_eq!(
        zfs::decompress(&z, &mut big, true, &mut NoYield),
        Err(Error::ZfsSizeMismatch)
    );
    assert_eq!(
        zfs::decompress(&z[..3], &mut out, false, &mut NoYield),
        Err(Error::ZfsBadLength)
    );
    assert_eq!(
        zfs::decompress(&z[..z.len() - 1], &mut out, false, &mut NoYield),
        Err(Error::ZfsBadLength)
    );
    assert_eq!(
        lz4::decompress(lz4::Format::Zfs, &z, &mut big, &mut NoYield),
        Ok(data.len())
    );
}

#[test]
fn legacy_streams() {
    let data = corpus(20 << 20);
    let l = cref::compress_legacy(&data, 0);
    assert_eq!(decode_legacy(&l).unwrap(), data);
    // size_append trailer (kernel images): accepted only with the right size.
    let mut t = l.clone();
    t.extend_from_slice(&(data.len() as u32).to_le_bytes());
    assert_eq!(decode_legacy(&t).unwrap(), data);
    let mut bad = l.clone();
    bad.extend_from_slice(&(data.len() as u32 + 1).to_le_bytes());
    assert_eq!(decode_legacy(&bad), Err(Error::BadTrailer));
    // Concatenated legacy streams (magic repeated).
    let small = corpus(1000);
    let mut cat = cref::compress_legacy(&small, 0);
    cat.extend_from_slice(&cref::compress_legacy(&small, 9));
    let mut want = small.clone();
    want.extend_from_slice(&small);
    assert_eq!(decode_legacy(&cat).unwrap(), want);
    // Magic only: empty output.
    assert_eq!(decode_legacy(&0x184C_2102u32.to_le_bytes()).unwrap(), b"");
}

fn lz4_cli(args: &[&str], input: &[u8]) -> Vec<u8> {
    use std::io::Write;
    let mut child = Command::new("lz4")
        .args(args)
        .stdin(std::process::Stdio::piped())
        .stdout(std::process::Stdio::piped())
        .spawn()
        .expect("the `lz4` CLI (Debian package lz4) is required for this test");
    let mut stdin = child.stdin.take().unwrap();
    let input = input.to_vec();
    let w = std::thread::spawn(move || stdin.write_all(&input));
    let out = child.wait_with_output().unwrap();
    w.join().unwrap().unwrap();
    assert!(out.status.success(), "lz4 {args:?} failed");
    out.stdout
}

#[test]
fn lz4_cli_frames_decode_like_lz4_d() {
    let data = corpus(9 << 20);
    let cases: &[&[&str]] = &[
        &["-B4"],
        &["-B5"],
        &["-B6"],
        &["-B7"],
        &["-BD"],
        &["-B4", "-BD"],
        &["--content-size"],
        &["--no-frame-crc"],
        &["-BX"],
        &["-9", "-B7", "-BD", "--content-size"],
        &["--fast=3", "-B5"],
        &["-12", "-B4"],
    ];
    for args in cases {
        let mut a: Vec<&str> = args.to_vec();
        a.extend_from_slice(&["-c", "-q"]);
        let f = lz4_cli(&a, &data);
        let reference = lz4_cli(&["-d", "-c", "-q"], &f);
        assert_eq!(reference, data);
        assert!(
            decode_frame(&f).unwrap() == reference,
            "lz4 {args:?}: output differs from lz4 -d"
        );
        let mut cap = vec![0u8; data.len()];
        assert_eq!(
            frame::decompress(&f, &mut cap, &mut NoYield),
            Ok(data.len()),
            "{args:?} exact capacity"
        );
    }
}

#[test]
fn lz4_cli_legacy_decodes_like_lz4_d() {
    for n in [0usize, 1000, 9 << 20] {
        let data = corpus(n);
        for lvl in ["-1", "-9"] {
            let l = lz4_cli(&["-l", lvl, "-c", "-q"], &data);
            let reference = lz4_cli(&["-d", "-c", "-q"], &l);
            assert_eq!(reference, data);
            assert!(
                decode_legacy(&l).unwrap() == reference,
                "lz4 -l {lvl} n={n}"
            );
        }
    }
}

#[test]
fn lz4_cli_concatenated_files() {
    let a = corpus(300_000);
    let b = corpus(12_345);
    let mut cat = lz4_cli(&["-c", "-q"], &a);
    cat.extend(lz4_cli(&["-c", "-q", "-BD", "--no-frame-crc"], &b));
    cat.extend(lz4_cli(&["-c", "-q", "--content-size"], &b));
    let reference = lz4_cli(&["-d", "-c", "-q"], &cat);
    assert_eq!(decode_frame(&cat).unwrap(), reference);
    let mut lcat = lz4_cli(&["-l", "-c", "-q"], &a);
    lcat.extend(lz4_cli(&["-l", "-c", "-q"], &b));
    let reference = lz4_cli(&["-d", "-c", "-q"], &lcat);
    assert_eq!(decode_legacy(&lcat).unwrap(), reference);
}

#[test]
fn frame_decode_errors() {
    let data = corpus(200_000);
    let f = cref::compress_frame(
        &data,
        &FrameOptions {
            block_checksum: true,
            content_size: true,
            ..FrameOptions::default()
        },
    )
    .unwrap();
    // Every truncation is an error, never a panic.
    for n in (0..f.len()).step_by(97).chain(f.len() - 8..f.len()) {
        let mut out = vec![0u8; data.len() + 100];
        assert!(
            frame::decompress(&f[..n], &mut out, &mut NoYield).is_err(),
            "prefix {n}"
        );
    }
    // Output too small.
    let mut out = vec![0u8; data.len() - 1];
    assert_eq!(
        frame::decompress(&f, &mut out, &mut NoYield),
        Err(Error::OutputTooSmall)
    );
    // Bit flips are caught.
    for p in (0..f.len()).step_by(501) {
        let mut g = f.clone();
        g[p] ^= 0x10;
        let mut out = vec![0u8; data.len() + (1 << 16)];
        assert!(
            frame::decompress(&g, &mut out, &mut NoYield).is_err(),
            "flip at {p}"
        );
    }
}
