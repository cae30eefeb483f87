// SPDX-License-Identifier: GPL-2.0
//! `rlz4 kbench`: the in-kernel benchmark, through `RUST_LZ4_IOC_BENCH`.
//!
//! ```text
//! rlz4 kbench --export DIR [--cap BYTES]
//!     (host) write the benchmark corpus of `rlz4 bench` as raw files
//! rlz4 kbench [--device PATH] [--block-sizes 4K,128K,1M,16M] [--cap BYTES]
//!             [--min-ms MS] FILE...
//!     (guest) Rust decoder vs the kernel's LZ4_decompress_safe(), per file
//!     and block size: ratio of C time to Rust time (> 1: Rust is faster);
//!     with several files, then one "(all)" row per block size: the times
//!     summed over the files, i.e. decoding the whole corpus once
//! rlz4 kbench --hold SECONDS [--device PATH] FILE
//!     one BENCH request lasting at least SECONDS (lockup and signal tests)
//! ```
//!
//! Both decoders run inside the kernel on the same buffers, alternating
//! iteration by iteration; the kernel checks that their outputs are
//! identical.  Under emulation (TCG) only the ratio means anything.  The
//! blocks are compressed with liblz4 (`LZ4_compress_default`), as in the
//! host benchmark, so both see the same sequences.

use crate::bench::{corpus, fmt_size};
use crate::cli::parse_size;
use crate::cref;
use crate::device::{self, Device};
use std::path::{Path, PathBuf};
use std::process::ExitCode;
use std::time::Instant;

const USAGE: &str = "usage: rlz4 kbench --export DIR [--cap BYTES]
       rlz4 kbench [--device PATH] [--block-sizes LIST] [--cap BYTES] [--min-ms MS] FILE...
       rlz4 kbench --hold SECONDS [--device PATH] FILE";

struct Opts {
    device: String,
    block_sizes: Vec<usize>,
    cap: usize,
    min_ms: u64,
    hold: Option<f64>,
    export: Option<PathBuf>,
    files: Vec<PathBuf>,
}

fn parse(args: &[String]) -> Result<Opts, String> {
    let mut o = Opts {
        device: device::DEFAULT_PATH.into(),
        block_sizes: vec![4 << 10, 128 << 10, 1 << 20, 16 << 20],
        cap: 16 << 20,
        min_ms: 200,
        hold: None,
        export: None,
        files: Vec::new(),
    };
    let mut it = args.iter();
    while let Some(a) = it.next() {
        let mut val = || it.next().cloned().ok_or(format!("{a} needs a value"));
        match a.as_str() {
            "--device" => o.device = val()?,
            "--block-sizes" => {
                o.block_sizes = val()?
                    .split(',')
                    .map(|s| parse_size(s).filter(|&n| n > 0 && n <= device::MAX_DST))
                    .collect::<Option<_>>()
                    .ok_or("bad --block-sizes")?
            }
            "--cap" => o.cap = parse_size(&val()?).ok_or("bad --cap")?,
            "--min-ms" => o.min_ms = val()?.parse().map_err(|_| "bad --min-ms")?,
            "--hold" => o.hold = Some(val()?.parse().map_err(|_| "bad --hold")?),
            "--export" => o.export = Some(val()?.into()),
            "-h" | "--help" => return Err(String::new()),
            s if s.starts_with('-') => return Err(format!("unknown option {s}")),
            s => o.files.push(s.into()),
        }
    }
    Ok(o)
}

/// Entry point.
pub fn main(args: &[String]) -> ExitCode {
    let o = match parse(args) {
        Ok(o) => o,
        Err(e) => {
            if !e.is_empty() {
                eprintln!("rlz4 kbench: {e}");
            }
            eprintln!("{USAGE}");
            return ExitCode::from(2);
        }
    };
    let res = if let Some(dir) = &o.export {
        export(dir, o.cap)
    } else if o.files.is_empty() {
        eprintln!("{USAGE}");
        return ExitCode::from(2);
    } else if let Some(secs) = o.hold {
        hold(&o, secs)
    } else {
        table(&o)
    };
    match res {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) => {
            eprintln!("rlz4 kbench: {e}");
            ExitCode::FAILURE
        }
    }
}

/// Writes the corpora of `rlz4 bench` as raw files named after them.
fn export(dir: &Path, cap: usize) -> Result<(), String> {
    let cache = corpus::cache_root().join("bench").join("corpus");
    let all = corpus::load(&cache, cap, &[], &[])?;
    std::fs::create_dir_all(dir).map_err(|e| format!("{}: {e}", dir.display()))?;
    for c in all {
        let p = dir.join(&c.name);
        std::fs::write(&p, &c.data).map_err(|e| format!("{}: {e}", p.display()))?;
        println!("{} {} bytes ({})", p.display(), c.data.len(), c.origin);
    }
    Ok(())
}

fn read(p: &Path, cap: usize) -> Result<Vec<u8>, String> {
    let mut d = std::fs::read(p).map_err(|e| format!("{}: {e}", p.display()))?;
    d.truncate(cap);
    Ok(d)
}

/// Rounds per (file, block size) cell. Each block keeps the fastest of its
/// rounds for each decoder: a host hiccup (QEMU's vCPU thread descheduled in
/// the middle of a decode, which on these shared machines costs tens of per
/// cent of a 4 KiB cell) then moves no figure, as long as it does not hit
/// the same block in every round.
const ROUNDS: usize = 7;

/// One file at one block size: every block benched in each of [`ROUNDS`]
/// rounds; returns the sums over the blocks of each decoder's fastest
/// per-iteration time (one pass over the file), and the bytes.
fn bench_file(
    dev: &Device,
    data: &[u8],
    bs: usize,
    min_ms: u64,
) -> Result<(u64, u64, u64), String> {
    let blocks: Vec<(Vec<u8>, usize)> = data
        .chunks(bs)
        .map(|chunk| (cref::compress_block(chunk, 0), chunk.len()))
        .collect();
    let nblocks = blocks.len().max(1) as u64;
    // Calibrate once per block: enough iterations for about min_ms per
    // cell, spread over the blocks and the rounds.
    let mut iters = Vec::with_capacity(blocks.len());
    for (block, len) in &blocks {
        let probe = dev
            .bench(block, *len, 1)
            .map_err(|e| format!("BENCH: {e}"))?;
        let per_iter = (probe.rust_ns + probe.c_ns).max(1);
        let budget = min_ms * 1_000_000 / nblocks / ROUNDS as u64;
        iters.push((budget / per_iter).clamp(1, 10_000) as u32);
    }
    let bytes = blocks.iter().map(|b| b.1 as u64).sum();
    let mut best = vec![(u64::MAX, u64::MAX); blocks.len()];
    for _ in 0..ROUNDS {
        for (((block, len), &n), b) in blocks.iter().zip(&iters).zip(best.iter_mut()) {
            let r = dev
                .bench(block, *len, n)
                .map_err(|e| format!("BENCH: {e}"))?;
            if r.len != *len {
                return Err(format!("BENCH decoded {} bytes, want {len}", r.len));
            }
            b.0 = b.0.min(r.rust_ns / u64::from(n));
            b.1 = b.1.min(r.c_ns / u64::from(n));
        }
    }
    let rust = best.iter().map(|b| b.0).sum::<u64>();
    let c = best.iter().map(|b| b.1).sum::<u64>();
    Ok((rust.max(1), c, bytes))
}

/// Name of the rows that sum every file of the run at one block size.
const ALL: &str = "(all)";

/// One row of the table: MB/s of each decoder and the C/Rust time ratio.
fn print_row(name: &str, bs: usize, rust: u64, c: u64, bytes: u64) {
    let mbs = |ns: u64| bytes as f64 * 1e3 / ns.max(1) as f64;
    println!(
        "{:<12} {:>6} {:>10} {:>10.0} {:>10.0} {:>7.3}",
        name,
        fmt_size(bs),
        bytes,
        mbs(rust),
        mbs(c),
        c as f64 / rust.max(1) as f64
    );
}

fn table(o: &Opts) -> Result<(), String> {
    let dev = Device::open(&o.device).map_err(|e| format!("{}: {e}", o.device))?;
    println!(
        "in-kernel BENCH: Rust decoder vs LZ4_decompress_safe(), same kernel buffers, \
         fastest of {ROUNDS} rounds per block"
    );
    println!(
        "{:<12} {:>6} {:>10} {:>10} {:>10} {:>7}",
        "file", "block", "bytes", "rust MB/s", "C MB/s", "C/Rust"
    );
    let mut logs = Vec::new();
    // Per block size: the whole corpus, (Rust ns, C ns, bytes).
    let mut whole = vec![(0u64, 0u64, 0u64); o.block_sizes.len()];
    for f in &o.files {
        let name = f
            .file_name()
            .map(|s| s.to_string_lossy().into_owned())
            .unwrap_or_default();
        let data = read(f, o.cap)?;
        for (&bs, w) in o.block_sizes.iter().zip(whole.iter_mut()) {
            let (rust, c, bytes) = bench_file(&dev, &data, bs, o.min_ms)?;
            let ratio = c as f64 / rust.max(1) as f64;
            logs.push(ratio.ln());
            print_row(&name, bs, rust, c, bytes);
            *w = (w.0 + rust, w.1 + c, w.2 + bytes);
        }
    }
    if o.files.len() > 1 {
        println!("whole corpus, every file once, per block size:");
        for (&bs, &(rust, c, bytes)) in o.block_sizes.iter().zip(&whole) {
            print_row(ALL, bs, rust, c, bytes);
        }
    }
    if !logs.is_empty() {
        let g = (logs.iter().sum::<f64>() / logs.len() as f64).exp();
        println!(
            "geomean C/Rust time ratio: {g:.3} (>= 1.00: Rust at least as fast as the kernel's C)"
        );
    }
    Ok(())
}

/// One long BENCH request.
fn hold(o: &Opts, secs: f64) -> Result<(), String> {
    let dev = Device::open(&o.device).map_err(|e| format!("{}: {e}", o.device))?;
    let data = read(&o.files[0], device::MAX_DST)?;
    let block = cref::compress_block(&data, 0);
    // Calibrate on a few iterations; aim 25% past the requested time, as
    // the first iterations run colder than the rest.
    let probe = dev
        .bench(&block, data.len(), 3)
        .map_err(|e| format!("BENCH: {e}"))?;
    let per_iter = ((probe.rust_ns + probe.c_ns) / 3).max(1);
    let iters = ((secs * 1.25e9) as u64 / per_iter + 1).min(1_000_000) as u32;
    println!(
        "holding: {iters} iterations of {} bytes, ~{:.1} s",
        data.len(),
        iters as f64 * per_iter as f64 / 1e9
    );
    let t = Instant::now();
    let r = dev.bench(&block, data.len(), iters);
    let el = t.elapsed().as_secs_f64();
    match r {
        Ok(r) => {
            println!(
                "BENCH returned after {el:.2} s: rust {} ms, C {} ms",
                r.rust_ns / 1_000_000,
                r.c_ns / 1_000_000
            );
            Ok(())
        }
        Err(e) => Err(format!(
            "BENCH after {el:.2} s: {e} ({})",
            device::errno_name(device::errno(&e))
        )),
    }
}
