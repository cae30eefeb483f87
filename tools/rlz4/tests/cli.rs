// SPDX-License-Identifier: GPL-2.0
//! The `rlz4` binary: formats, files and pipes, exit codes, no partial output.

use std::io::Write;
use std::path::{Path, PathBuf};
use std::process::{Command, Output, Stdio};

fn rlz4(args: &[&str], stdin: &[u8]) -> Output {
    let mut child = Command::new(env!("CARGO_BIN_EXE_rlz4"))
        .args(args)
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    let mut i = child.stdin.take().unwrap();
    let data = stdin.to_vec();
    let t = std::thread::spawn(move || {
        let _ = i.write_all(&data);
    });
    let o = child.wait_with_output().unwrap();
    t.join().unwrap();
    o
}

fn tmpdir(name: &str) -> PathBuf {
    let d = std::env::temp_dir().join(format!("rlz4-cli-{name}-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&d);
    std::fs::create_dir_all(&d).unwrap();
    d
}

fn p(x: &Path) -> &str {
    x.to_str().unwrap()
}

fn sample() -> Vec<u8> {
    (0..300_000u32)
        .map(|i| b"lz4 rust kernel module "[(i % 23) as usize] ^ ((i >> 12) as u8 & 1))
        .collect()
}

#[test]
fn roundtrip_all_formats_files_and_pipes() {
    let d = tmpdir("rt");
    let data = sample();
    let input = d.join("in");
    std::fs::write(&input, &data).unwrap();
    for f in ["block", "zfs", "frame", "legacy"] {
        let c = d.join(format!("c.{f}"));
        let o = rlz4(&["compress", "--format", f, p(&input), p(&c)], b"");
        assert!(
            o.status.success(),
            "{f}: {}",
            String::from_utf8_lossy(&o.stderr)
        );
        let out = d.join(format!("out.{f}"));
        let o = rlz4(
            &[
                "decompress",
                "--format",
                f,
                "--max-output",
                "1M",
                p(&c),
                p(&out),
            ],
            b"",
        );
        assert!(
            o.status.success(),
            "{f}: {}",
            String::from_utf8_lossy(&o.stderr)
        );
        assert!(std::fs::read(&out).unwrap() == data);
        // stdin -> stdout
        let o = rlz4(
            &["decompress", "--format", f, "--max-output=300000", "-"],
            &std::fs::read(&c).unwrap(),
        );
        assert!(o.status.success());
        assert!(o.stdout == data);
    }
    // Frames and legacy need no --max-output.
    let c = std::fs::read(d.join("c.frame")).unwrap();
    assert!(rlz4(&["decompress", "--format", "frame"], &c).stdout == data);
    // Frame options.
    let o = rlz4(
        &[
            "compress",
            "--format",
            "frame",
            "--block-size",
            "4M",
            "--independent",
            "--block-checksum",
            "--content-size",
            "--level",
            "9",
        ],
        &data,
    );
    assert!(o.status.success());
    assert!(rlz4(&["decompress", "-f", "frame"], &o.stdout).stdout == data);
    // zfs --exact
    let z = std::fs::read(d.join("c.zfs")).unwrap();
    assert!(rlz4(
        &[
            "decompress",
            "--format",
            "zfs",
            "--exact",
            "--max-output",
            "300000"
        ],
        &z
    )
    .status
    .success());
    assert_eq!(
        rlz4(
            &[
                "decompress",
                "--format",
                "zfs",
                "--exact",
                "--max-output",
                "300001"
            ],
            &z
        )
        .status
        .code(),
        Some(1)
    );
    let _ = std::fs::remove_dir_all(&d);
}

#[test]
fn usage_errors_exit_2() {
    for args in [
        &[][..],
        &["frobnicate"][..],
        &["decompress"][..],
        &["decompress", "--format", "block"][..],
        &["decompress", "--format", "zfs"][..],
        &["decompress", "--format", "lzma"][..],
        &["decompress", "--format", "frame", "--max-output", "12Q"][..],
        &["decompress", "--format", "frame", "a", "b", "c"][..],
        &["decompress", "--format", "frame", "--exact"][..],
        &["compress", "--format", "frame", "--block-size", "3M"][..],
        &["compress"][..],
    ] {
        let o = rlz4(args, b"");
        assert_eq!(o.status.code(), Some(2), "{args:?}");
        assert!(!o.stderr.is_empty());
    }
    assert_eq!(rlz4(&["--help"], b"").status.code(), Some(0));
}

#[test]
fn bad_input_exits_1_with_one_line_and_no_output_file() {
    let d = tmpdir("bad");
    let out = d.join("out");
    for (f, data) in [
        ("frame", &b"not an lz4 frame"[..]),
        ("legacy", &b"\x02\x21\x4c\x18\x05\x00\x00\x00abc"[..]),
        ("block", &b"\x40abcd\x00\x00\x80abcdefgh"[..]),
        ("zfs", &b"\x00\x00\x00\x09abc"[..]),
    ] {
        let input = d.join("in");
        std::fs::write(&input, data).unwrap();
        let o = rlz4(
            &[
                "decompress",
                "--format",
                f,
                "--max-output",
                "100",
                p(&input),
                p(&out),
            ],
            b"",
        );
        assert_eq!(o.status.code(), Some(1), "{f}");
        let msg = String::from_utf8_lossy(&o.stderr);
        assert_eq!(msg.trim_end().lines().count(), 1, "{f}: {msg}");
        assert!(!out.exists(), "{f}: partial output left behind");
    }
    // Nothing but the input file is left in the directory (no temp files).
    let left: Vec<_> = std::fs::read_dir(&d)
        .unwrap()
        .map(|e| e.unwrap().file_name())
        .collect();
    assert_eq!(left, vec![std::ffi::OsString::from("in")]);
    // Missing input file.
    assert_eq!(
        rlz4(
            &["decompress", "--format", "frame", p(&d.join("nope"))],
            b""
        )
        .status
        .code(),
        Some(1)
    );
    // Output too small.
    let c = rlz4(&["compress", "--format", "block"], &sample()).stdout;
    assert_eq!(
        rlz4(
            &["decompress", "--format", "block", "--max-output", "1000"],
            &c
        )
        .status
        .code(),
        Some(1)
    );
    let _ = std::fs::remove_dir_all(&d);
}
