// SPDX-License-Identifier: GPL-2.0
//! Blocks of a real OpenZFS pool (`tests/zfs-fixture/`, written by ztest and
//! extracted with zdb by `scripts/zfs-fixture.sh`): `rlz4 decompress
//! --format zfs --exact` gives, byte for byte, what zdb decoded (its
//! SHA-256 in MANIFEST), and so do OpenZFS 2.3.2's and 2.4.4's own
//! decoders (`rlz4::zfsref`, when their source was there at build time).
//! Negative controls: each check is also shown to fail on a wrong logical
//! size, a header past the block and a wrong hash.

use rlz4::lz4;
use rlz4::zfsref::{self, Version};
use std::io::Write;
use std::path::PathBuf;
use std::process::{Command, Stdio};

struct Block {
    file: String,
    lsize: usize,
    psize: usize,
    sha256: String,
    kind: String,
    raw: Vec<u8>,
}

fn fixture_dir() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../../tests/zfs-fixture")
}

fn blocks() -> Vec<Block> {
    let dir = fixture_dir();
    let manifest =
        std::fs::read_to_string(dir.join("MANIFEST")).expect("tests/zfs-fixture/MANIFEST");
    manifest
        .lines()
        .filter(|l| !l.starts_with('#') && !l.trim().is_empty())
        .map(|l| {
            let f: Vec<&str> = l.split_whitespace().collect();
            assert_eq!(f.len(), 6, "MANIFEST line: {l}");
            let raw = std::fs::read(dir.join(f[0])).expect(f[0]);
            Block {
                file: f[0].into(),
                lsize: f[1].parse().unwrap(),
                psize: f[2].parse().unwrap(),
                sha256: f[3].into(),
                kind: f[4].into(),
                raw,
            }
        })
        .collect()
}

fn sha256(data: &[u8]) -> String {
    let mut c = Command::new("sha256sum")
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .spawn()
        .expect("sha256sum");
    let mut i = c.stdin.take().unwrap();
    let d = data.to_vec();
    let t = std::thread::spawn(move || i.write_all(&d));
    let o = c.wait_with_output().unwrap();
    t.join().unwrap().unwrap();
    String::from_utf8(o.stdout)
        .unwrap()
        .split_whitespace()
        .next()
        .unwrap()
        .to_string()
}

/// `rlz4 decompress --format zfs [--exact] --max-output MAX FILE`: the
/// output, or the exit status.
fn rlz4(file: &str, max: usize, exact: bool) -> Result<Vec<u8>, i32> {
    let path = fixture_dir().join(file);
    let max = max.to_string();
    let mut args = vec!["decompress", "--format", "zfs", "--max-output", &max];
    if exact {
        args.push("--exact");
    }
    let o = Command::new(env!("CARGO_BIN_EXE_rlz4"))
        .args(&args)
        .arg(&path)
        .output()
        .unwrap();
    if o.status.success() {
        Ok(o.stdout)
    } else {
        Err(o.status.code().unwrap_or(-1))
    }
}

#[test]
fn fixture_is_varied_real_and_small() {
    let b = blocks();
    assert!(b.len() >= 16, "only {} blocks", b.len());
    let total: usize = b.iter().map(|b| b.raw.len()).sum();
    assert!(total <= 4 << 20, "fixture of {total} bytes");
    let mut sizes: Vec<usize> = b.iter().map(|b| b.lsize).collect();
    sizes.sort_unstable();
    sizes.dedup();
    assert!(sizes.len() >= 4, "logical sizes {sizes:?}");
    assert!(
        b.iter().any(|b| b.kind.starts_with("L0-")),
        "no level-0 block"
    );
    assert!(
        b.iter().any(|b| !b.kind.starts_with("L0-")),
        "no indirect block"
    );
    assert!(b.iter().any(|b| b.kind.contains("dnode")), "no dnode block");
    for x in &b {
        assert_eq!(x.raw.len(), x.psize, "{}: psize", x.file);
        assert!(x.psize > 112, "{}: would have been embedded", x.file);
        let hdr = u32::from_be_bytes(x.raw[..4].try_into().unwrap()) as usize;
        assert!(hdr + 4 <= x.psize, "{}: header {hdr}", x.file);
        // Sector padding after the payload is zeros.
        assert!(
            x.raw[4 + hdr..].iter().all(|&c| c == 0),
            "{}: padding",
            x.file
        );
    }
    println!(
        "zfs fixture: {} blocks, {total} bytes, logical sizes {sizes:?}",
        b.len()
    );
}

#[test]
fn rlz4_exact_decodes_what_zdb_decoded() {
    let b = blocks();
    for x in &b {
        let out = rlz4(&x.file, x.lsize, true).unwrap_or_else(|e| panic!("{}: exit {e}", x.file));
        assert_eq!(out.len(), x.lsize, "{}", x.file);
        assert_eq!(sha256(&out), x.sha256, "{} ({})", x.file, x.kind);
    }
    println!(
        "zfs fixture: {} of {} blocks byte-identical to zdb's decode",
        b.len(),
        b.len()
    );
}

#[test]
fn library_default_and_exact_agree_with_zdb() {
    for x in &blocks() {
        for exact in [false, true] {
            let mut out = vec![0u8; x.lsize];
            let n = lz4::zfs::decompress(&x.raw, &mut out, exact, &mut lz4::NoYield)
                .unwrap_or_else(|e| panic!("{} exact={exact}: {e:?}", x.file));
            assert_eq!(n, x.lsize, "{}", x.file);
            assert_eq!(sha256(&out), x.sha256, "{}", x.file);
        }
    }
}

#[test]
#[cfg_attr(
    not(rlz4_openzfs),
    ignore = "SKIP: no OpenZFS source at build time (scripts/setup.sh)"
)]
fn openzfs_own_decoders_agree_with_zdb() {
    for x in &blocks() {
        for v in Version::ALL {
            let d = zfsref::decompress(v, &x.raw, x.lsize).unwrap();
            assert!(d.accepted, "{}: OpenZFS {} rejects it", x.file, v.as_str());
            assert_eq!(
                sha256(&d.out),
                x.sha256,
                "{}: OpenZFS {}",
                x.file,
                v.as_str()
            );
        }
    }
}

/// The checks above can fail: a logical size one byte short fails to
/// decode, one sector more fails `--exact` but not the default mode (the
/// rules of OpenZFS 2.4.4 and 2.3.2), a header past the block fails, and
/// the hash of another block differs.
#[test]
fn negative_controls() {
    let b = blocks();
    let x = b
        .iter()
        .find(|x| x.lsize >= 4096)
        .expect("a block of 4 KiB or more");
    assert_eq!(
        rlz4(&x.file, x.lsize - 1, true),
        Err(1),
        "{}: lsize - 1",
        x.file
    );
    assert_eq!(
        rlz4(&x.file, x.lsize - 1, false),
        Err(1),
        "{}: lsize - 1",
        x.file
    );
    assert_eq!(
        rlz4(&x.file, x.lsize + 512, true),
        Err(1),
        "{}: lsize + 512 --exact",
        x.file
    );
    let out = rlz4(&x.file, x.lsize + 512, false).expect("lsize + 512, default mode");
    assert_eq!(
        sha256(&out),
        x.sha256,
        "{}: default mode, lsize + 512",
        x.file
    );
    if zfsref::available().is_ok() {
        assert!(
            zfsref::decompress(Version::V2_3_2, &x.raw, x.lsize + 512)
                .unwrap()
                .accepted
        );
        assert!(
            !zfsref::decompress(Version::V2_4_4, &x.raw, x.lsize + 512)
                .unwrap()
                .accepted
        );
    }
    let mut bad = x.raw.clone();
    bad[..4].copy_from_slice(&(x.psize as u32 - 3).to_be_bytes());
    let mut out = vec![0u8; x.lsize];
    assert_eq!(
        lz4::zfs::decompress(&bad, &mut out, false, &mut lz4::NoYield),
        Err(lz4::Error::ZfsBadLength)
    );
    let y = b
        .iter()
        .find(|y| y.sha256 != x.sha256)
        .expect("two different blocks");
    let out = rlz4(&y.file, y.lsize, true).unwrap();
    assert_ne!(sha256(&out), x.sha256);
}
