// SPDX-License-Identifier: GPL-2.0
//! `rlz4 corpus-check [--device PATH] DIR`: decode every file of a malformed
//! corpus and compare the error with the one its manifest expects.
//!
//! `DIR/MANIFEST` has lines `name format max_output expected_error`, where
//! `expected_error` names an [`lz4::Error`] variant.  On the host each file
//! must fail with exactly that variant; through the device, whose ABI carries
//! only an errno, with that variant's errno.  Prints `ok NAME` / `not ok
//! NAME: why` lines (numbered as KTAP by the guest harness); exits 1 if any
//! check failed.

use crate::device::{self, Device};
use crate::lz4::{self, Format, NoYield};
use std::path::Path;
use std::process::ExitCode;

/// One manifest entry.
pub struct Entry {
    pub name: String,
    pub format: Format,
    /// `zfs-exact`: ZFS framing with the exact-length check.
    pub exact: bool,
    pub max_output: usize,
    pub expected: lz4::Error,
}

/// Reads `DIR/MANIFEST`.
pub fn manifest(dir: &Path) -> Result<Vec<Entry>, String> {
    let p = dir.join("MANIFEST");
    let text = std::fs::read_to_string(&p).map_err(|e| format!("{}: {e}", p.display()))?;
    let mut v = Vec::new();
    for (i, line) in text.lines().enumerate() {
        let line = line.trim();
        if line.is_empty() || line.starts_with('#') {
            continue;
        }
        let f: Vec<&str> = line.split_whitespace().collect();
        let bad = || format!("{}:{}: bad line: {line}", p.display(), i + 1);
        if f.len() != 4 {
            return Err(bad());
        }
        let (format, exact) = match f[1] {
            "zfs-exact" => (Format::Zfs, true),
            name => (Format::from_name(name).ok_or_else(bad)?, false),
        };
        v.push(Entry {
            name: f[0].into(),
            format,
            exact,
            max_output: f[2].parse().map_err(|_| bad())?,
            expected: lz4::Error::from_name(f[3]).ok_or_else(bad)?,
        });
    }
    Ok(v)
}

/// Entry point.
pub fn main(args: &[String]) -> ExitCode {
    let (dev_path, dir) = match args {
        [d] => (None, d),
        [flag, p, d] if flag == "--device" => (Some(p.as_str()), d),
        _ => {
            eprintln!("usage: rlz4 corpus-check [--device PATH] DIR");
            return ExitCode::from(2);
        }
    };
    let dir = Path::new(dir);
    let entries = match manifest(dir) {
        Ok(e) => e,
        Err(e) => {
            println!("not ok manifest: {e}");
            return ExitCode::FAILURE;
        }
    };
    let dev = match dev_path.map(Device::open).transpose() {
        Ok(d) => d,
        Err(e) => {
            println!("not ok open: {e}");
            return ExitCode::FAILURE;
        }
    };
    let mut failed = 0;
    for e in &entries {
        let name = format!("malformed_{}", e.name);
        let res = check(dir, e, dev.as_ref());
        match res {
            Ok(()) => println!("ok {name}"),
            Err(why) => {
                failed += 1;
                println!("not ok {name}: {why}");
            }
        }
    }
    if failed == 0 {
        ExitCode::SUCCESS
    } else {
        ExitCode::FAILURE
    }
}

fn check(dir: &Path, e: &Entry, dev: Option<&Device>) -> Result<(), String> {
    let src = std::fs::read(dir.join(&e.name)).map_err(|err| format!("{}: {err}", e.name))?;
    let mut dst = vec![0u8; e.max_output];
    match dev {
        None => match decode_host(e, &src, &mut dst) {
            Ok(n) => Err(format!("decoded {n} bytes, want {}", e.expected.name())),
            Err(got) if got == e.expected => Ok(()),
            Err(got) => Err(format!("got {}, want {}", got.name(), e.expected.name())),
        },
        Some(d) => {
            let want = e.expected.class().errno();
            let flags = if e.exact { device::ZFS_EXACT } else { 0 };
            match d.decompress(e.format, flags, &src, &mut dst) {
                Ok(n) => Err(format!(
                    "decoded {n} bytes, want {}",
                    device::errno_name(want)
                )),
                Err(err) if device::errno(&err) == want => Ok(()),
                Err(err) => Err(format!(
                    "got {}, want {} ({})",
                    device::errno_name(device::errno(&err)),
                    device::errno_name(want),
                    e.expected.name()
                )),
            }
        }
    }
}

fn decode_host(e: &Entry, src: &[u8], dst: &mut [u8]) -> Result<usize, lz4::Error> {
    if e.exact {
        lz4::zfs::decompress(src, dst, true, &mut NoYield)
    } else {
        lz4::decompress(e.format, src, dst, &mut NoYield)
    }
}
