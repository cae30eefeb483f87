// SPDX-License-Identifier: GPL-2.0
//! `rlz4 bench`: decompression throughput of this decoder against liblz4,
//! lz4_flex (safe and unsafe decode), the kernel's lib/lz4 C decoder,
//! OpenZFS's own decoder and memcpy, on the same compressed blocks, in the
//! same run, round-robin.
//!
//! See Documentation/benchmarks.rst.

pub mod corpus;
mod decoders;

use std::fmt::Write as _;
use std::path::PathBuf;
use std::process::ExitCode;
use std::time::{Duration, Instant};

use decoders::{BlockSet, Compressor, Dec};

const USAGE: &str = "\
usage: rlz4 bench [OPTIONS]

Decompression throughput (MB/s of decoded output, MB = 10^6 bytes) of this
decoder, liblz4, lz4_flex safe/unsafe, the kernel's lib/lz4 C decoder,
this decoder and OpenZFS 2.4.4's with the ZFS framing, and memcpy, on the
same liblz4-compressed blocks, timed round-robin; then corpus/zfs cells at
128K, 1M and 16M (those asked for with --block-sizes) of blocks that
OpenZFS's own compressor made, the last one zero-padded to the record size
as in a file (a corpus with a block that OpenZFS would store uncompressed
gets no such cell).

options:
  --quick              small run (1 MiB per corpus, few rounds): a smoke test
  --seconds S          minimum timing per (corpus, block size) cell [1.5; quick 0.05]
  --reps N             minimum rounds per cell [21; quick 3]
  --stat median|best   statistic of the rounds shown [median]
  --corpus DIR         corpus cache dir [${RUST_LZ4_CACHE:-~/.cache/rust_lz4}/bench-corpus]
  --only NAMES         comma list among ksrc-tar,elf,json,random,repeat
  --file PATH          add a file as an extra corpus (repeatable)
  --block-sizes LIST   e.g. 4K,128K,1M,16M [default]
  --max-corpus SIZE    cap on each corpus [32M; quick 1M]
  --json[=FILE]        JSON instead of the table on stdout, or also to FILE
  --tsv[=FILE]         TSV instead of the table on stdout, or also to FILE
  -q, --quiet          no progress on stderr

Every decoder's output is compared with the original before timing; a
mismatch exits with status 1. Targets are printed as information only.";

#[derive(Clone, Copy, PartialEq, Eq)]
enum Stat {
    Median,
    Best,
}

struct Opts {
    quick: bool,
    seconds: f64,
    reps: usize,
    stat: Stat,
    corpus_dir: PathBuf,
    only: Vec<String>,
    extra: Vec<PathBuf>,
    block_sizes: Vec<usize>,
    cap: usize,
    json: Option<Option<PathBuf>>,
    tsv: Option<Option<PathBuf>>,
    quiet: bool,
}

fn parse_size(s: &str) -> Result<usize, String> {
    let s = s.trim();
    let (num, mul) = match s.as_bytes().last() {
        Some(b'k' | b'K') => (&s[..s.len() - 1], 1usize << 10),
        Some(b'm' | b'M') => (&s[..s.len() - 1], 1 << 20),
        Some(b'g' | b'G') => (&s[..s.len() - 1], 1 << 30),
        _ => (s, 1),
    };
    let n: usize = num.parse().map_err(|_| format!("bad size '{s}'"))?;
    n.checked_mul(mul)
        .filter(|&v| v > 0)
        .ok_or_else(|| format!("bad size '{s}'"))
}

/// `n` bytes as "16M", "4K" or a plain number.
pub fn fmt_size(n: usize) -> String {
    if n >= 1 << 20 && n.is_multiple_of(1 << 20) {
        format!("{}M", n >> 20)
    } else if n >= 1 << 10 && n.is_multiple_of(1 << 10) {
        format!("{}K", n >> 10)
    } else {
        n.to_string()
    }
}

fn fmt_mib(n: usize) -> String {
    format!("{:.1}M", n as f64 / (1 << 20) as f64)
}

fn parse(args: &[String]) -> Result<Option<Opts>, String> {
    let mut args: Vec<&str> = args.iter().map(String::as_str).collect();
    // Accept being handed argv[0] and/or the subcommand name.
    if args.len() >= 2 && args[1] == "bench" && args[0] != "bench" {
        args.drain(..2);
    } else if args.first() == Some(&"bench") {
        args.remove(0);
    }
    let mut o = Opts {
        quick: false,
        seconds: f64::NAN,
        reps: 0,
        stat: Stat::Median,
        corpus_dir: corpus::cache_root().join("bench-corpus"),
        only: Vec::new(),
        extra: Vec::new(),
        block_sizes: vec![4 << 10, 128 << 10, 1 << 20, 16 << 20],
        cap: 0,
        json: None,
        tsv: None,
        quiet: false,
    };
    let mut it = args.into_iter();
    while let Some(a) = it.next() {
        let (key, inline) = match a.split_once('=') {
            Some((k, v)) if k.starts_with("--") => (k, Some(v)),
            _ => (a, None),
        };
        let mut val = |name: &str| -> Result<String, String> {
            match inline {
                Some(v) => Ok(v.to_string()),
                None => it
                    .next()
                    .map(str::to_string)
                    .ok_or_else(|| format!("{name} needs a value")),
            }
        };
        match key {
            "-h" | "--help" => return Ok(None),
            "--quick" => o.quick = true,
            "-q" | "--quiet" => o.quiet = true,
            "--seconds" => {
                o.seconds = val(key)?.parse().map_err(|_| "bad --seconds")?;
                if o.seconds.is_nan() || o.seconds < 0.0 {
                    return Err("bad --seconds".into());
                }
            }
            "--reps" => {
                o.reps = val(key)?
                    .parse()
                    .ok()
                    .filter(|&n| n > 0)
                    .ok_or("bad --reps")?
            }
            "--stat" => {
                o.stat = match val(key)?.as_str() {
                    "median" => Stat::Median,
                    "best" => Stat::Best,
                    s => return Err(format!("bad --stat '{s}'")),
                }
            }
            "--corpus" => o.corpus_dir = PathBuf::from(val(key)?),
            "--only" => {
                o.only = val(key)?
                    .split(',')
                    .filter(|s| !s.is_empty())
                    .map(str::to_string)
                    .collect()
            }
            "--file" => o.extra.push(PathBuf::from(val(key)?)),
            "--block-sizes" => {
                o.block_sizes = val(key)?
                    .split(',')
                    .filter(|s| !s.is_empty())
                    .map(parse_size)
                    .collect::<Result<_, _>>()?;
                if o.block_sizes.is_empty() {
                    return Err("empty --block-sizes".into());
                }
                if o.block_sizes.iter().any(|&b| b > i32::MAX as usize / 2) {
                    return Err("block size too large".into());
                }
            }
            "--max-corpus" => o.cap = parse_size(&val(key)?)?,
            "--json" => o.json = Some(inline.map(PathBuf::from).filter(|p| p.as_os_str() != "-")),
            "--tsv" => o.tsv = Some(inline.map(PathBuf::from).filter(|p| p.as_os_str() != "-")),
            _ => return Err(format!("unknown argument '{a}'")),
        }
    }
    if o.seconds.is_nan() {
        o.seconds = if o.quick { 0.05 } else { 1.5 };
    }
    if o.reps == 0 {
        o.reps = if o.quick { 3 } else { 21 };
    }
    if o.cap == 0 {
        o.cap = if o.quick { 1 << 20 } else { 32 << 20 };
    }
    for n in &o.only {
        if !["ksrc-tar", "elf", "json", "random", "repeat"].contains(&n.as_str()) {
            return Err(format!("unknown corpus '{n}' in --only"));
        }
    }
    Ok(Some(o))
}

/// Results of one (corpus, block size) cell.
struct Cell {
    corpus: String,
    bs: usize,
    orig: usize,
    comp: usize,
    nblocks: usize,
    rounds: usize,
    inner: usize,
    /// Seconds per pass of each decoder (index into `decs`), per round.
    times: Vec<Vec<f64>>,
    yield_calls: u64,
}

fn median(v: &mut [f64]) -> f64 {
    v.sort_by(|a, b| a.total_cmp(b));
    let n = v.len();
    if n == 0 {
        f64::NAN
    } else if n % 2 == 1 {
        v[n / 2]
    } else {
        (v[n / 2 - 1] + v[n / 2]) / 2.0
    }
}

fn geomean(v: impl IntoIterator<Item = f64>) -> f64 {
    let (mut s, mut n) = (0.0, 0usize);
    for x in v {
        if x.is_finite() && x > 0.0 {
            s += x.ln();
            n += 1;
        }
    }
    if n == 0 {
        f64::NAN
    } else {
        (s / n as f64).exp()
    }
}

impl Cell {
    fn idx(&self, decs: &[Dec], d: Dec) -> Option<usize> {
        decs.iter().position(|&x| x == d)
    }
    /// Seconds per pass of decoder `i` under `stat`.
    fn secs(&self, i: usize, stat: Stat) -> f64 {
        let mut v = self.times[i].clone();
        match stat {
            Stat::Median => median(&mut v),
            Stat::Best => v.iter().copied().fold(f64::INFINITY, f64::min),
        }
    }
    fn mbps(&self, decs: &[Dec], d: Dec, stat: Stat) -> f64 {
        match self.idx(decs, d) {
            Some(i) => self.orig as f64 / self.secs(i, stat) / 1e6,
            None => f64::NAN,
        }
    }
    /// Speed of `a` relative to `b` (>1: a faster). Median of the per-round
    /// paired ratios, or ratio of the best times.
    fn speedup(&self, decs: &[Dec], a: Dec, b: Dec, stat: Stat) -> f64 {
        let (Some(ia), Some(ib)) = (self.idx(decs, a), self.idx(decs, b)) else {
            return f64::NAN;
        };
        match stat {
            Stat::Best => self.secs(ib, stat) / self.secs(ia, stat),
            Stat::Median => {
                let mut r: Vec<f64> = self.times[ib]
                    .iter()
                    .zip(&self.times[ia])
                    .map(|(tb, ta)| tb / ta)
                    .collect();
                median(&mut r)
            }
        }
    }
    /// Cost of the 64 KiB yield hook in % of the no-yield time.
    fn yield_pct(&self, decs: &[Dec], stat: Stat) -> f64 {
        (1.0 / self.speedup(decs, Dec::Rlz4Yield, Dec::Rlz4, stat) - 1.0) * 100.0
    }
}

enum Failure {
    Verify(String),
    Other(String),
}

fn first_diff(a: &[u8], b: &[u8]) -> usize {
    a.iter()
        .zip(b)
        .position(|(x, y)| x != y)
        .unwrap_or(a.len().min(b.len()))
}

/// Block sizes of the ZFS cells: the default recordsize, 1 MiB and the
/// largest recordsize.
const ZFS_CELL_SIZES: [usize; 3] = [128 << 10, 1 << 20, 16 << 20];

fn run_cell(
    o: &Opts,
    c: &corpus::Corpus,
    bs: usize,
    by: Compressor,
    decs: &[Dec],
    progress: &str,
) -> Result<Option<Cell>, Failure> {
    // A ZFS file's last record is as large as the others, zero-padded.
    let padded;
    let orig = match by {
        Compressor::Liblz4 => &c.data[..],
        Compressor::OpenZfs => {
            let mut v = c.data.clone();
            v.resize(c.data.len().div_ceil(bs) * bs, 0);
            padded = v;
            &padded[..]
        }
    };
    let Some(set): Option<BlockSet> = decoders::compress(orig, bs, by).map_err(Failure::Other)?
    else {
        return Ok(None);
    };
    // Cells of blocks that OpenZFS compressed are "corpus/zfs".
    let name = match by {
        Compressor::Liblz4 => c.name.clone(),
        Compressor::OpenZfs => format!("{}/zfs", c.name),
    };

    let mut dst = vec![0u8; set.orig_len];
    let mut yield_calls = 0;

    // Verification: poisoned buffer, one pass, byte-exact comparison.
    for &d in decs {
        dst.fill(0xA5);
        let y = decoders::pass(d, &set, orig, &mut dst).map_err(|e| {
            Failure::Verify(format!("{} on {}/{}: {e}", d.name(), name, fmt_size(bs)))
        })?;
        if dst != orig {
            let at = first_diff(&dst, orig);
            return Err(Failure::Verify(format!(
                "{} on {}/{}: output differs from the original at byte {at} (block {})",
                d.name(),
                name,
                fmt_size(bs),
                at / bs
            )));
        }
        if d == Dec::Rlz4Yield {
            yield_calls = y;
        }
    }

    // Warm-up (also faults in the pages) and calibration: each timed sample
    // repeats the pass `inner` times so that a sample lasts >= 2 ms.
    let mut slowest = 0f64;
    for &d in decs {
        let t = Instant::now();
        let _ = decoders::pass(d, &set, orig, &mut dst);
        slowest = slowest.max(t.elapsed().as_secs_f64());
    }
    let target = if o.quick { 0.0005 } else { 0.002 };
    let inner = ((target / slowest.max(1e-9)).ceil() as usize).clamp(1, 10_000);

    let n = decs.len();
    let mut times = vec![Vec::new(); n];
    let budget = Duration::from_secs_f64(o.seconds);
    let start = Instant::now();
    let mut round = 0;
    let mut rng = corpus::Rng::new(0x524f_554e_4453);
    let mut order: Vec<usize> = (0..n).collect();
    loop {
        // Every round runs each decoder once, interleaved, so that drift and
        // frequency changes hit all alike. The order is shuffled each round:
        // with a fixed order each decoder would always inherit the cache
        // state left by the same predecessor (memcpy's non-temporal stores,
        // say), a bias that shows in the paired ratios.
        for k in (1..n).rev() {
            order.swap(k, rng.below(k as u64 + 1) as usize);
        }
        for &i in &order {
            let t = Instant::now();
            for _ in 0..inner {
                decoders::pass(decs[i], &set, orig, &mut dst).map_err(|e| {
                    Failure::Verify(format!(
                        "{} on {}/{} while timing: {e}",
                        decs[i].name(),
                        name,
                        fmt_size(bs)
                    ))
                })?;
            }
            times[i].push(t.elapsed().as_secs_f64() / inner as f64);
        }
        round += 1;
        if (round >= o.reps && start.elapsed() >= budget) || round >= 5000 {
            break;
        }
    }
    if !o.quiet {
        eprintln!(
            "{progress} {:<9} {:>4}: {} blocks, {} rounds x {} passes, {:.1}s",
            name,
            fmt_size(bs),
            set.blocks.len(),
            round,
            inner,
            start.elapsed().as_secs_f64()
        );
    }
    // Final check of the last decoder's output.
    if dst != orig {
        return Err(Failure::Verify(format!(
            "output of the last timed pass differs on {}/{}",
            name,
            fmt_size(bs)
        )));
    }
    Ok(Some(Cell {
        corpus: name.clone(),
        bs,
        orig: set.orig_len,
        comp: set.comp.len(),
        nblocks: set.blocks.len(),
        rounds: round,
        inner,
        times,
        yield_calls,
    }))
}

struct Report {
    decs: Vec<Dec>,
    missing: Vec<(Dec, String)>,
    cells: Vec<Cell>,
    /// ZFS cells not run: OpenZFS would store some block uncompressed.
    skipped: Vec<String>,
    corpora: Vec<(String, String, usize)>,
    stat: Stat,
    secs: f64,
}

struct Target {
    what: &'static str,
    value: f64,
    threshold: f64,
    /// true: value must be >= threshold; false: <=.
    at_least: bool,
    detail: String,
}

impl Target {
    fn verdict(&self) -> &'static str {
        if !self.value.is_finite() {
            "n/a"
        } else if (self.at_least && self.value >= self.threshold)
            || (!self.at_least && self.value <= self.threshold)
        {
            "PASS"
        } else {
            "MISS"
        }
    }
}

impl Report {
    fn geo_mbps(&self, d: Dec) -> f64 {
        geomean(self.cells.iter().map(|c| c.mbps(&self.decs, d, self.stat)))
    }
    fn geo_speedup(&self, a: Dec, b: Dec) -> f64 {
        geomean(
            self.cells
                .iter()
                .map(|c| c.speedup(&self.decs, a, b, self.stat)),
        )
    }
    fn geo_yield(&self) -> f64 {
        (geomean(
            self.cells
                .iter()
                .map(|c| 1.0 + c.yield_pct(&self.decs, self.stat) / 100.0),
        ) - 1.0)
            * 100.0
    }

    fn targets(&self) -> Vec<Target> {
        let s = self.stat;
        let mut low = (f64::INFINITY, String::new());
        let mut worst_y = (f64::NEG_INFINITY, String::new());
        for c in &self.cells {
            let r = c.speedup(&self.decs, Dec::Rlz4, Dec::Liblz4, s);
            if r < low.0 {
                low = (r, format!("{}/{}", c.corpus, fmt_size(c.bs)));
            }
            let y = c.yield_pct(&self.decs, s);
            if y > worst_y.0 {
                worst_y = (y, format!("{}/{}", c.corpus, fmt_size(c.bs)));
            }
        }
        vec![
            Target {
                what: "geomean vs liblz4",
                value: self.geo_speedup(Dec::Rlz4, Dec::Liblz4),
                threshold: 1.0,
                at_least: true,
                detail: String::new(),
            },
            Target {
                what: "lowest cell vs liblz4",
                value: if low.0.is_finite() { low.0 } else { f64::NAN },
                threshold: 0.9,
                at_least: true,
                detail: low.1,
            },
            Target {
                what: "geomean vs kernel C",
                value: self.geo_speedup(Dec::Rlz4, Dec::KernelC),
                threshold: 1.1,
                at_least: true,
                detail: String::new(),
            },
            Target {
                what: "geomean vs lz4_flex safe",
                value: self.geo_speedup(Dec::Rlz4, Dec::FlexSafe),
                threshold: 1.15,
                at_least: true,
                detail: String::new(),
            },
            Target {
                what: "yield overhead (geomean, %)",
                value: self.geo_yield(),
                threshold: 1.0,
                at_least: false,
                detail: if worst_y.0.is_finite() {
                    format!("worst cell {:+.1}% {}", worst_y.0, worst_y.1)
                } else {
                    String::new()
                },
            },
        ]
    }

    fn table(&self) -> String {
        let s = self.stat;
        let mut out = String::new();
        let st = if s == Stat::Median { "median" } else { "best" };
        let _ = writeln!(out, "rlz4 bench: MB/s of decoded output (10^6 B/s), {st} of the rounds; ratios: rlz4 speed relative to liblz4 (x-lib), kernel C (x-kC), lz4_flex safe (x-flex), rlz4-zfs relative to OpenZFS's own decoder (x-ozfs); yield%: cost of the 64 KiB yield hook; corpus/zfs: blocks compressed by OpenZFS's compressor");
        let _ = writeln!(out, "machine: {}", machine());
        for (d, why) in &self.missing {
            let _ = writeln!(out, "{}: {why}", d.name());
        }
        let _ = writeln!(out);
        let mut h = format!(
            "{:<12} {:>5} {:>7} {:>5} |",
            "corpus", "block", "size", "ratio"
        );
        for d in Dec::ALL {
            let _ = write!(h, " {:>11}", d.name());
        }
        let _ = write!(
            h,
            " | {:>5} {:>5} {:>6} {:>6} {:>6}",
            "x-lib", "x-kC", "x-flex", "x-ozfs", "yield%"
        );
        let _ = writeln!(out, "{h}");
        let _ = writeln!(out, "{}", "-".repeat(h.len()));
        let cell_mbps = |v: f64| {
            if v.is_finite() {
                format!(" {:>11.0}", v)
            } else {
                format!(" {:>11}", "n/a")
            }
        };
        let ratio = |v: f64, w: usize| {
            if v.is_finite() {
                format!(" {:>w$.2}", v)
            } else {
                format!(" {:>w$}", "n/a")
            }
        };
        let mut last = String::new();
        for c in &self.cells {
            let name = if c.corpus == last {
                String::new()
            } else {
                c.corpus.clone()
            };
            last = c.corpus.clone();
            let mut l = format!(
                "{:<12} {:>5} {:>7} {:>5.2} |",
                name,
                fmt_size(c.bs),
                fmt_mib(c.orig),
                c.orig as f64 / c.comp as f64
            );
            for d in Dec::ALL {
                l.push_str(&cell_mbps(c.mbps(&self.decs, d, s)));
            }
            l.push_str(" |");
            l.push_str(&ratio(c.speedup(&self.decs, Dec::Rlz4, Dec::Liblz4, s), 5));
            l.push_str(&ratio(c.speedup(&self.decs, Dec::Rlz4, Dec::KernelC, s), 5));
            l.push_str(&ratio(
                c.speedup(&self.decs, Dec::Rlz4, Dec::FlexSafe, s),
                6,
            ));
            l.push_str(&ratio(
                c.speedup(&self.decs, Dec::Rlz4Zfs, Dec::OpenZfs, s),
                6,
            ));
            let y = c.yield_pct(&self.decs, s);
            l.push_str(&if y.is_finite() {
                format!(" {:>+6.1}", y)
            } else {
                format!(" {:>6}", "n/a")
            });
            let _ = writeln!(out, "{l}");
        }
        let _ = writeln!(out, "{}", "-".repeat(h.len()));
        let mut l = format!("{:<12} {:>5} {:>7} {:>5} |", "geomean", "", "", "");
        for d in Dec::ALL {
            l.push_str(&cell_mbps(self.geo_mbps(d)));
        }
        l.push_str(" |");
        l.push_str(&ratio(self.geo_speedup(Dec::Rlz4, Dec::Liblz4), 5));
        l.push_str(&ratio(self.geo_speedup(Dec::Rlz4, Dec::KernelC), 5));
        l.push_str(&ratio(self.geo_speedup(Dec::Rlz4, Dec::FlexSafe), 6));
        l.push_str(&ratio(self.geo_speedup(Dec::Rlz4Zfs, Dec::OpenZfs), 6));
        let _ = write!(l, " {:>+6.1}", self.geo_yield());
        let _ = writeln!(out, "{l}");
        let _ = writeln!(out);
        let _ = writeln!(out, "other ratios (geomean): liblz4/kernel-C {:.2}, flex-unsafe/flex-safe {:.2}, rlz4/flex-unsafe {:.2}, rlz4/memcpy {:.2}, rlz4/openzfs {:.2}, openzfs/kernel-C {:.2}",
            self.geo_speedup(Dec::Liblz4, Dec::KernelC),
            self.geo_speedup(Dec::FlexUnsafe, Dec::FlexSafe),
            self.geo_speedup(Dec::Rlz4, Dec::FlexUnsafe),
            self.geo_speedup(Dec::Rlz4, Dec::Memcpy),
            self.geo_speedup(Dec::Rlz4, Dec::OpenZfs),
            self.geo_speedup(Dec::OpenZfs, Dec::KernelC));
        if !self.skipped.is_empty() {
            let _ = writeln!(
                out,
                "ZFS cells not run (a block saves less than 12.5 %, which OpenZFS stores uncompressed): {}",
                self.skipped.join(", ")
            );
        }
        let ycalls: Vec<String> = self
            .cells
            .iter()
            .filter(|c| c.bs >= 1 << 20)
            .map(|c| format!("{}/{} {}", c.corpus, fmt_size(c.bs), c.yield_calls))
            .collect();
        let _ = writeln!(
            out,
            "yield-hook calls per pass (blocks >= 1M): {}",
            ycalls.join(", ")
        );
        let _ = writeln!(out);
        let _ = writeln!(out, "targets (information, not assertions):");
        for t in self.targets() {
            let v = if !t.value.is_finite() {
                "n/a".to_string()
            } else if t.at_least {
                format!("{:.3}x (need >= {:.2}x)", t.value, t.threshold)
            } else {
                format!("{:+.2}% (need <= {:.0}%)", t.value, t.threshold)
            };
            let _ = writeln!(out, "  {:<4} {:<28} {v} {}", t.verdict(), t.what, t.detail);
        }
        let _ = writeln!(out);
        let _ = writeln!(out, "decoders:");
        for (n, d) in decoders::describe() {
            let _ = writeln!(out, "  {n:<11} {d}");
        }
        let _ = writeln!(out, "corpora:");
        for (n, origin, len) in &self.corpora {
            let _ = writeln!(out, "  {n:<9} {:>8} {origin}", fmt_mib(*len));
        }
        let rounds: Vec<usize> = self.cells.iter().map(|c| c.rounds).collect();
        let _ = writeln!(
            out,
            "timing: {} cells, rounds per cell {}..{}, total {:.1}s",
            self.cells.len(),
            rounds.iter().min().unwrap_or(&0),
            rounds.iter().max().unwrap_or(&0),
            self.secs
        );
        out
    }

    fn tsv(&self) -> String {
        let mut out = String::from(
            "corpus\tblock_size\torig_bytes\tcomp_bytes\tblocks\trounds\tdecoder\tmbps_median\tmbps_best\tspeed_vs_liblz4\tspeed_vs_kernel_c\tspeed_vs_openzfs\n",
        );
        for c in &self.cells {
            for &d in &self.decs {
                let _ = writeln!(
                    out,
                    "{}\t{}\t{}\t{}\t{}\t{}\t{}\t{:.1}\t{:.1}\t{:.4}\t{:.4}\t{:.4}",
                    c.corpus,
                    c.bs,
                    c.orig,
                    c.comp,
                    c.nblocks,
                    c.rounds,
                    d.name(),
                    c.mbps(&self.decs, d, Stat::Median),
                    c.mbps(&self.decs, d, Stat::Best),
                    c.speedup(&self.decs, d, Dec::Liblz4, self.stat),
                    c.speedup(&self.decs, d, Dec::KernelC, self.stat),
                    c.speedup(&self.decs, d, Dec::OpenZfs, self.stat),
                );
            }
        }
        out
    }

    fn json(&self) -> String {
        fn num(v: f64) -> String {
            if v.is_finite() {
                format!("{v:.4}")
            } else {
                "null".into()
            }
        }
        fn st(s: &str) -> String {
            let mut o = String::from("\"");
            for ch in s.chars() {
                match ch {
                    '"' => o.push_str("\\\""),
                    '\\' => o.push_str("\\\\"),
                    c if (c as u32) < 0x20 => {
                        let _ = write!(o, "\\u{:04x}", c as u32);
                    }
                    c => o.push(c),
                }
            }
            o.push('"');
            o
        }
        let s = self.stat;
        let mut o = String::from("{\n");
        let _ = writeln!(
            o,
            "  \"stat\": {},",
            st(if s == Stat::Median { "median" } else { "best" })
        );
        let _ = writeln!(o, "  \"machine\": {},", st(&machine()));
        let dd: Vec<String> = decoders::describe()
            .iter()
            .map(|(n, d)| format!("{}: {}", st(n), st(d)))
            .collect();
        let _ = writeln!(o, "  \"decoders\": {{{}}},", dd.join(", "));
        let cc: Vec<String> = self
            .corpora
            .iter()
            .map(|(n, origin, len)| {
                format!(
                    "{{\"name\": {}, \"origin\": {}, \"bytes\": {len}}}",
                    st(n),
                    st(origin)
                )
            })
            .collect();
        let _ = writeln!(o, "  \"corpora\": [{}],", cc.join(", "));
        o.push_str("  \"cells\": [\n");
        for (k, c) in self.cells.iter().enumerate() {
            let res: Vec<String> = self
                .decs
                .iter()
                .map(|&d| {
                    format!(
                        "{}: {{\"mbps_median\": {}, \"mbps_best\": {}}}",
                        st(d.name()),
                        num(c.mbps(&self.decs, d, Stat::Median)),
                        num(c.mbps(&self.decs, d, Stat::Best))
                    )
                })
                .collect();
            let _ = write!(
                o,
                "    {{\"corpus\": {}, \"block_size\": {}, \"orig_bytes\": {}, \"comp_bytes\": {}, \"blocks\": {}, \"rounds\": {}, \"passes_per_sample\": {}, \
\"mbps\": {{{}}}, \"rlz4_vs_liblz4\": {}, \"rlz4_vs_kernel_c\": {}, \"rlz4_vs_flex_safe\": {}, \"rlz4_zfs_vs_openzfs\": {}, \"yield_overhead_pct\": {}, \"yield_calls_per_pass\": {}}}",
                st(&c.corpus),
                c.bs,
                c.orig,
                c.comp,
                c.nblocks,
                c.rounds,
                c.inner,
                res.join(", "),
                num(c.speedup(&self.decs, Dec::Rlz4, Dec::Liblz4, s)),
                num(c.speedup(&self.decs, Dec::Rlz4, Dec::KernelC, s)),
                num(c.speedup(&self.decs, Dec::Rlz4, Dec::FlexSafe, s)),
                num(c.speedup(&self.decs, Dec::Rlz4Zfs, Dec::OpenZfs, s)),
                num(c.yield_pct(&self.decs, s)),
                c.yield_calls
            );
            o.push_str(if k + 1 < self.cells.len() {
                ",\n"
            } else {
                "\n"
            });
        }
        o.push_str("  ],\n");
        let gm: Vec<String> = Dec::ALL
            .iter()
            .map(|&d| format!("{}: {}", st(d.name()), num(self.geo_mbps(d))))
            .collect();
        let _ = writeln!(o, "  \"geomean_mbps\": {{{}}},", gm.join(", "));
        let tt: Vec<String> = self
            .targets()
            .iter()
            .map(|t| {
                format!(
                    "{{\"target\": {}, \"value\": {}, \"threshold\": {}, \"verdict\": {}, \"detail\": {}}}",
                    st(t.what),
                    num(t.value),
                    num(t.threshold),
                    st(t.verdict()),
                    st(&t.detail)
                )
            })
            .collect();
        let _ = writeln!(o, "  \"targets\": [{}]", tt.join(", "));
        o.push_str("}\n");
        o
    }
}

fn machine() -> String {
    let cpu = std::fs::read_to_string("/proc/cpuinfo")
        .ok()
        .and_then(|s| {
            s.lines()
                .find(|l| l.starts_with("model name"))
                .and_then(|l| l.split(':').nth(1))
                .map(|s| s.trim().to_string())
        })
        .unwrap_or_else(|| "unknown CPU".into());
    let n = std::thread::available_parallelism()
        .map(|n| n.get())
        .unwrap_or(1);
    let load = std::fs::read_to_string("/proc/loadavg")
        .ok()
        .map(|s| s.split_whitespace().take(3).collect::<Vec<_>>().join(" "))
        .unwrap_or_default();
    format!("{cpu}, {n} CPUs, loadavg {load}")
}

fn run(o: &Opts) -> Result<Report, Failure> {
    let t0 = Instant::now();
    let corpora = corpus::load(&o.corpus_dir, o.cap, &o.extra, &o.only).map_err(Failure::Other)?;
    let mut decs = Vec::new();
    let mut missing = Vec::new();
    for d in Dec::ALL {
        match d.unavailable() {
            None => decs.push(d),
            Some(why) => missing.push((d, why)),
        }
    }
    // ZFS cells: blocks compressed by OpenZFS's own compressor, at the
    // recordsizes among the block sizes asked for.
    let zfs_sizes: Vec<usize> = if decs.contains(&Dec::OpenZfs) {
        ZFS_CELL_SIZES
            .into_iter()
            .filter(|bs| o.block_sizes.contains(bs))
            .collect()
    } else {
        Vec::new()
    };
    let total = corpora.len() * (o.block_sizes.len() + zfs_sizes.len());
    let mut cells = Vec::new();
    let mut skipped = Vec::new();
    let mut k = 0;
    for c in &corpora {
        for &bs in &o.block_sizes {
            k += 1;
            let cell = run_cell(
                o,
                c,
                bs,
                Compressor::Liblz4,
                &decs,
                &format!("[{k}/{total}]"),
            )?;
            cells.extend(cell);
        }
    }
    for c in &corpora {
        for &bs in &zfs_sizes {
            k += 1;
            match run_cell(
                o,
                c,
                bs,
                Compressor::OpenZfs,
                &decs,
                &format!("[{k}/{total}]"),
            )? {
                Some(cell) => cells.push(cell),
                None => skipped.push(format!("{}/zfs/{}", c.name, fmt_size(bs))),
            }
        }
    }
    Ok(Report {
        decs,
        missing,
        cells,
        skipped,
        corpora: corpora
            .iter()
            .map(|c| (c.name.clone(), c.origin.clone(), c.data.len()))
            .collect(),
        stat: o.stat,
        secs: t0.elapsed().as_secs_f64(),
    })
}

/// Entry point of `rlz4 bench`. Exit status: 0 done (whatever the targets
/// say), 1 a decoder's output did not verify or the run failed, 2 usage.
pub fn main(args: &[String]) -> ExitCode {
    let o = match parse(args) {
        Ok(Some(o)) => o,
        Ok(None) => {
            println!("{USAGE}");
            return ExitCode::SUCCESS;
        }
        Err(e) => {
            eprintln!("rlz4 bench: {e}");
            eprintln!("{USAGE}");
            return ExitCode::from(2);
        }
    };
    let r = match run(&o) {
        Ok(r) => r,
        Err(Failure::Verify(m)) => {
            eprintln!("rlz4 bench: VERIFICATION FAILED: {m}");
            return ExitCode::from(1);
        }
        Err(Failure::Other(m)) => {
            eprintln!("rlz4 bench: {m}");
            return ExitCode::from(1);
        }
    };
    let mut stdout_done = false;
    for (sel, text) in [(&o.json, r.json()), (&o.tsv, r.tsv())] {
        match sel {
            Some(Some(path)) => {
                if let Err(e) = std::fs::write(path, text) {
                    eprintln!("rlz4 bench: {}: {e}", path.display());
                    return ExitCode::from(1);
                }
            }
            Some(None) if !stdout_done => {
                print!("{text}");
                stdout_done = true;
            }
            _ => {}
        }
    }
    if !stdout_done {
        print!("{}", r.table());
    }
    ExitCode::SUCCESS
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn sizes() {
        assert_eq!(parse_size("128K").unwrap(), 128 << 10);
        assert_eq!(parse_size("16M").unwrap(), 16 << 20);
        assert!(parse_size("0").is_err());
        assert_eq!(fmt_size(4096), "4K");
    }

    /// Every decoder decodes generated data identically to the original,
    /// through the same path as `rlz4 bench` (small and fast).
    #[test]
    fn smoke_verifies_all_decoders() {
        let dir = std::env::temp_dir().join(format!("rlz4-bench-test-{}", std::process::id()));
        let args: Vec<String> = [
            "--only=json,random,repeat",
            "--max-corpus=256K",
            "--block-sizes=4K,64K,256K",
            "--reps=1",
            "--seconds=0",
            "--quiet",
        ]
        .iter()
        .map(|s| s.to_string())
        .chain(["--corpus".to_string(), dir.display().to_string()])
        .collect();
        let o = parse(&args).unwrap().unwrap();
        let r = match run(&o) {
            Ok(r) => r,
            Err(Failure::Verify(m)) | Err(Failure::Other(m)) => panic!("{m}"),
        };
        assert_eq!(r.cells.len(), 9);
        assert!(r.table().contains("geomean"));
        assert!(r.json().contains("\"cells\""));
        let _ = std::fs::remove_dir_all(dir);
    }
}
