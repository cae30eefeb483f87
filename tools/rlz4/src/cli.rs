// SPDX-License-Identifier: GPL-2.0
//! The `rlz4` command line: `decompress`, `compress` and `bench`.
//!
//! Exit status: 0 on success, 1 (with a one-line message) on bad input or
//! I/O errors, 2 on usage errors.

use crate::{cref, lz4};
use std::io::{Read, Write};
use std::path::Path;
use std::process::ExitCode;

/// Usage text printed by `rlz4 --help` and on usage errors.
pub const USAGE: &str = "\
usage: rlz4 decompress --format block|zfs|frame|legacy [--max-output BYTES] [--exact]
                       [--device [PATH] [--repeat N]] [INPUT [OUTPUT]]
       rlz4 compress --format block|zfs|frame|legacy [--level N] [--block-size 64K|256K|1M|4M]
                     [--independent] [--block-checksum] [--no-content-checksum] [--content-size]
                     [INPUT [OUTPUT]]
       rlz4 bench [ARGS...]                       host benchmark (rlz4 bench --help)
       rlz4 kbench [ARGS...]                      in-kernel benchmark through /dev/rust_lz4
       rlz4 stats [--device PATH]                 the module's counters
       rlz4 devcheck [PATH]                       ioctl ABI checks against the device
       rlz4 corpus-check [--device PATH] DIR      malformed corpus: expected errors
       rlz4 ioctl-fuzz [--seed N] [--count N] [--allow ERRNO,...] [PATH]
                                                  random ioctls, sizes and pointers
       rlz4 faults CMD [--reject SYMBOL] ARGS, CMD ARGS one of: load KO [PARAM=VALUE...]
                   | decompress --format F --max-output N --sha HEX [--exact] [--no-all-fail] FILE
                   | bench --max-output N [--no-all-fail] FILE | stats | crypto --max-output N FILE
                                                  every fault site of a syscall in turn (fail-nth)
       rlz4 run-as UID[:GID] COMMAND [ARGS...]    run COMMAND with that uid/gid, no groups
--device decodes in the kernel through /dev/rust_lz4 (or PATH), with the same
semantics and exit codes as the host decoder (caps: 16 MiB out, 16 MiB + 128 KiB in);
--repeat decodes N times through one open device, each output equal to the first.
INPUT/OUTPUT default to stdin/stdout ('-' too). --max-output is required for block and zfs
(the destination capacity; for zfs the logical block size); --exact (zfs) requires the decoded
size to equal it. BYTES accepts K, M, G suffixes (powers of 1024).
Exit status: 0 ok, 1 bad input or I/O error, 2 usage error.";

enum Failure {
    Usage(String),
    Input(String),
}

fn usage<T>(msg: impl Into<String>) -> Result<T, Failure> {
    Err(Failure::Usage(msg.into()))
}

/// Parses a byte count with an optional K/M/G suffix (powers of 1024).
pub fn parse_size(s: &str) -> Option<usize> {
    let (num, mul) = match s.char_indices().last()? {
        (i, 'k' | 'K') => (&s[..i], 1usize << 10),
        (i, 'm' | 'M') => (&s[..i], 1 << 20),
        (i, 'g' | 'G') => (&s[..i], 1 << 30),
        _ => (s, 1),
    };
    num.parse::<usize>().ok()?.checked_mul(mul)
}

#[derive(Default)]
struct Opts {
    format: Option<lz4::Format>,
    max_output: Option<usize>,
    exact: bool,
    device: Option<String>,
    repeat: u32,
    level: i32,
    block_size_id: u32,
    independent: bool,
    block_checksum: bool,
    no_content_checksum: bool,
    content_size: bool,
    files: Vec<String>,
}

fn parse(args: &[String], compress: bool) -> Result<Opts, Failure> {
    let mut o = Opts {
        block_size_id: 4,
        repeat: 1,
        ..Opts::default()
    };
    let mut it = args.iter();
    let mut only_files = false;
    while let Some(a) = it.next() {
        if only_files || a == "-" || !a.starts_with('-') {
            o.files.push(a.clone());
            continue;
        }
        let (key, inline) = match a.split_once('=') {
            Some((k, v)) => (k, Some(v.to_string())),
            None => (a.as_str(), None),
        };
        let mut value = |name: &str| -> Result<String, Failure> {
            match inline.clone().or_else(|| it.next().cloned()) {
                Some(v) => Ok(v),
                None => usage(format!("{name} needs a value")),
            }
        };
        match key {
            "--" => only_files = true,
            "--format" | "-f" => {
                let v = value("--format")?;
                o.format = Some(match lz4::Format::from_name(&v) {
                    Some(f) => f,
                    None => return usage(format!("unknown format '{v}'")),
                });
            }
            "--max-output" if !compress => {
                let v = value("--max-output")?;
                o.max_output = Some(match parse_size(&v) {
                    Some(n) => n,
                    None => return usage(format!("bad --max-output '{v}'")),
                });
            }
            "--exact" if !compress => o.exact = true,
            "--device" if !compress => {
                // An optional path: the next argument if it names a device.
                let path = match (&inline, it.clone().next()) {
                    (Some(v), _) => v.clone(),
                    (None, Some(n)) if n.starts_with("/dev/") => {
                        it.next().cloned().unwrap_or_default()
                    }
                    _ => crate::device::DEFAULT_PATH.to_string(),
                };
                o.device = Some(path);
            }
            "--repeat" if !compress => {
                let v = value("--repeat")?;
                o.repeat = match v.parse::<u32>() {
                    Ok(n) if n > 0 => n,
                    _ => return usage(format!("bad --repeat '{v}' (1 or more)")),
                };
            }
            "--level" if compress => {
                let v = value("--level")?;
                o.level = match v.parse::<i32>() {
                    Ok(n) if (0..=12).contains(&n) => n,
                    _ => return usage(format!("bad --level '{v}' (0..12)")),
                };
            }
            "--block-size" if compress => {
                let v = value("--block-size")?;
                o.block_size_id = match v.to_ascii_uppercase().as_str() {
                    "4" | "64K" => 4,
                    "5" | "256K" => 5,
                    "6" | "1M" => 6,
                    "7" | "4M" => 7,
                    _ => return usage(format!("bad --block-size '{v}' (64K, 256K, 1M, 4M)")),
                };
            }
            "--independent" if compress => o.independent = true,
            "--block-checksum" if compress => o.block_checksum = true,
            "--no-content-checksum" if compress => o.no_content_checksum = true,
            "--content-size" if compress => o.content_size = true,
            _ => return usage(format!("unknown option '{a}'")),
        }
    }
    if o.format.is_none() {
        return usage("--format is required");
    }
    if o.repeat > 1 && o.device.is_none() {
        return usage("--repeat needs --device");
    }
    if o.files.len() > 2 {
        return usage("too many file arguments");
    }
    Ok(o)
}

fn read_input(path: Option<&String>) -> Result<Vec<u8>, Failure> {
    let mut buf = Vec::new();
    match path.map(String::as_str) {
        None | Some("-") => std::io::stdin()
            .lock()
            .read_to_end(&mut buf)
            .map_err(|e| Failure::Input(format!("reading stdin: {e}")))?,
        Some(p) => {
            buf = std::fs::read(p).map_err(|e| Failure::Input(format!("reading {p}: {e}")))?;
            0
        }
    };
    Ok(buf)
}

/// Writes `data` to stdout or atomically to `path` (temp file + rename).
fn write_output(path: Option<&String>, data: &[u8]) -> Result<(), Failure> {
    match path.map(String::as_str) {
        None | Some("-") => {
            let mut out = std::io::stdout().lock();
            out.write_all(data)
                .and_then(|()| out.flush())
                .map_err(|e| Failure::Input(format!("writing stdout: {e}")))
        }
        Some(p) => {
            let target = Path::new(p);
            let dir = match target.parent() {
                Some(d) if !d.as_os_str().is_empty() => d.to_path_buf(),
                _ => std::path::PathBuf::from("."),
            };
            let name = target
                .file_name()
                .map(|n| n.to_string_lossy().into_owned())
                .unwrap_or_default();
            let tmp = dir.join(format!(".{name}.rlz4-{}.tmp", std::process::id()));
            let res = (|| -> std::io::Result<()> {
                let mut f = std::fs::File::create(&tmp)?;
                f.write_all(data)?;
                f.sync_all()?;
                std::fs::rename(&tmp, target)
            })();
            if let Err(e) = res {
                let _ = std::fs::remove_file(&tmp);
                return Err(Failure::Input(format!("writing {p}: {e}")));
            }
            Ok(())
        }
    }
}

fn decompress(args: &[String]) -> Result<(), Failure> {
    let o = parse(args, false)?;
    let format = o.format.unwrap_or(lz4::Format::Block);
    if o.exact && format != lz4::Format::Zfs {
        return usage("--exact applies to --format zfs only");
    }
    if o.max_output.is_none() && matches!(format, lz4::Format::Block | lz4::Format::Zfs) {
        return usage(format!(
            "--max-output is required for --format {}",
            format.name()
        ));
    }
    let input = read_input(o.files.first())?;
    let cap = match (format, o.max_output) {
        (lz4::Format::Block | lz4::Format::Zfs, None) => {
            return usage(format!(
                "--max-output is required for --format {}",
                format.name()
            ))
        }
        (_, Some(n)) => n,
        (lz4::Format::Frame, None) => lz4::frame::decoded_bound(&input)
            .map_err(|e| Failure::Input(format!("bad input: {}", e.as_str())))?,
        (lz4::Format::Legacy, None) => lz4::legacy::decoded_bound(&input)
            .map_err(|e| Failure::Input(format!("bad input: {}", e.as_str())))?,
    };
    let mut out = Vec::new();
    out.try_reserve_exact(cap)
        .map_err(|_| Failure::Input(format!("cannot allocate {cap} bytes of output")))?;
    out.resize(cap, 0);
    if let Some(path) = &o.device {
        let n = decompress_device(path, format, o.exact, o.repeat, &input, &mut out)?;
        return write_output(o.files.get(1), &out[..n]);
    }
    let r = match format {
        lz4::Format::Zfs => lz4::zfs::decompress(&input, &mut out, o.exact, &mut lz4::NoYield),
        f => lz4::decompress(f, &input, &mut out, &mut lz4::NoYield),
    };
    let n = r.map_err(|e| {
        Failure::Input(format!(
            "bad input: {} ({}, {})",
            e.as_str(),
            e.name(),
            e.class().errno_name()
        ))
    })?;
    write_output(o.files.get(1), &out[..n])
}

/// Decodes through `/dev/rust_lz4` `repeat` times with one open file, each
/// output equal to the first; errors map as for the host decoder.
fn decompress_device(
    path: &str,
    format: lz4::Format,
    exact: bool,
    repeat: u32,
    input: &[u8],
    out: &mut [u8],
) -> Result<usize, Failure> {
    use crate::device;
    let dev = device::Device::open(path).map_err(|e| Failure::Input(format!("{path}: {e}")))?;
    let flags = if exact { device::ZFS_EXACT } else { 0 };
    // The frame bound may exceed the device's cap while the data does not.
    let cap = out.len().min(device::MAX_DST);
    let n = decompress_once(&dev, format, flags, input, &mut out[..cap])?;
    if repeat > 1 {
        let mut again = Vec::new();
        again
            .try_reserve_exact(cap)
            .map_err(|_| Failure::Input(format!("cannot allocate {cap} bytes of output")))?;
        again.resize(cap, 0);
        for i in 1..repeat {
            let m = decompress_once(&dev, format, flags, input, &mut again)?;
            if m != n || again[..m] != out[..n] {
                return Err(Failure::Input(format!(
                    "decode {} of {repeat} differs from the first ({m} bytes, first {n})",
                    i + 1
                )));
            }
        }
    }
    Ok(n)
}

fn decompress_once(
    dev: &crate::device::Device,
    format: lz4::Format,
    flags: u32,
    input: &[u8],
    out: &mut [u8],
) -> Result<usize, Failure> {
    use crate::device;
    dev.decompress(format, flags, input, out).map_err(|e| {
        let code = device::errno(&e);
        let what = match code {
            libc::EBADMSG => "bad input: corrupt or truncated data",
            libc::ENOSPC => "bad input: output larger than --max-output",
            libc::EOPNOTSUPP => "bad input: unsupported feature",
            libc::E2BIG => "bad input: over the device's size caps",
            libc::EINTR => "interrupted",
            _ => "device error",
        };
        Failure::Input(format!("{what} ({}, {e})", device::errno_name(code)))
    })
}

/// `rlz4 run-as UID[:GID] COMMAND [ARGS...]`: runs COMMAND with that user and
/// group (default GID = UID) and no supplementary groups, for the tests of
/// an unprivileged caller (busybox has no `setuidgid`).  Only returns on
/// error.
fn run_as(args: &[String]) -> Result<(), Failure> {
    use std::os::unix::process::CommandExt;
    let [ids, cmd, rest @ ..] = args else {
        return usage("rlz4 run-as UID[:GID] COMMAND [ARGS...]");
    };
    let (uid, gid) = ids.split_once(':').unwrap_or((ids, ids));
    let (Ok(uid), Ok(gid)) = (uid.parse::<u32>(), gid.parse::<u32>()) else {
        return usage(format!("bad UID[:GID] '{ids}'"));
    };
    // std drops the supplementary groups (setgroups(0)) when a root caller
    // sets a uid, then calls setgid and setuid in the child before exec.
    let e = std::process::Command::new(cmd)
        .args(rest)
        .gid(gid)
        .uid(uid)
        .exec();
    Err(Failure::Input(format!("run-as {ids} {cmd}: {e}")))
}

/// `rlz4 stats [--device PATH]`.
fn stats(args: &[String]) -> Result<(), Failure> {
    let path = match args {
        [] => crate::device::DEFAULT_PATH,
        [flag, p] if flag == "--device" => p.as_str(),
        _ => return usage("rlz4 stats [--device PATH]"),
    };
    let dev =
        crate::device::Device::open(path).map_err(|e| Failure::Input(format!("{path}: {e}")))?;
    let s = dev
        .stats()
        .map_err(|e| Failure::Input(format!("STATS: {e}")))?;
    s.print(&mut std::io::stdout().lock())
        .map_err(|e| Failure::Input(format!("writing stdout: {e}")))
}

fn compress(args: &[String]) -> Result<(), Failure> {
    let o = parse(args, true)?;
    let input = read_input(o.files.first())?;
    if input.len() > i32::MAX as usize && o.format != Some(lz4::Format::Frame) {
        return Err(Failure::Input(
            "input too large for one block (2 GiB)".into(),
        ));
    }
    let out = match o.format.unwrap_or(lz4::Format::Block) {
        lz4::Format::Block => cref::compress_block(&input, o.level),
        lz4::Format::Zfs => cref::compress_zfs(&input, o.level),
        lz4::Format::Legacy => cref::compress_legacy(&input, o.level),
        lz4::Format::Frame => cref::compress_frame(
            &input,
            &cref::FrameOptions {
                block_size_id: o.block_size_id,
                independent: o.independent,
                block_checksum: o.block_checksum,
                content_checksum: !o.no_content_checksum,
                content_size: o.content_size,
                level: o.level as u32,
            },
        )
        .map_err(|e| Failure::Input(format!("compression failed: {e}")))?,
    };
    write_output(o.files.get(1), &out)
}

/// Runs the CLI with `args` (without the program name).
pub fn run(args: &[String]) -> ExitCode {
    let Some((cmd, rest)) = args.split_first() else {
        eprintln!("{USAGE}");
        return ExitCode::from(2);
    };
    let r = match cmd.as_str() {
        "decompress" | "d" => decompress(rest),
        "compress" | "c" => compress(rest),
        "bench" => return crate::bench::main(rest),
        "kbench" => return crate::kbench::main(rest),
        "devcheck" => return crate::devcheck::main(rest),
        "faults" => return crate::faults::main(rest),
        "corpus-check" => return crate::corpus_check::main(rest),
        "stats" => stats(rest),
        "ioctl-fuzz" => return crate::ioctl_fuzz::main(rest),
        "run-as" => run_as(rest),
        "-h" | "--help" | "help" => {
            println!("{USAGE}");
            return ExitCode::SUCCESS;
        }
        other => usage(format!("unknown command '{other}'")),
    };
    match r {
        Ok(()) => ExitCode::SUCCESS,
        Err(Failure::Usage(m)) => {
            eprintln!("rlz4: {m}\n{USAGE}");
            ExitCode::from(2)
        }
        Err(Failure::Input(m)) => {
            eprintln!("rlz4: {m}");
            ExitCode::from(1)
        }
    }
}
