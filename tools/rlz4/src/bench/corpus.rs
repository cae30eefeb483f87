// SPDX-License-Identifier: GPL-2.0
//! Benchmark corpora: found on the system or generated, deterministically,
//! into a cache directory.

use std::fs;
use std::path::{Path, PathBuf};
use std::process::Command;

/// One input file of the benchmark.
pub struct Corpus {
    /// Short name used in the table ("ksrc-tar", "elf", ...).
    pub name: String,
    /// Where the bytes come from.
    pub origin: String,
    pub data: Vec<u8>,
}

/// splitmix64: small, fixed-seed, portable PRNG.
pub struct Rng(u64);

impl Rng {
    pub fn new(seed: u64) -> Self {
        Rng(seed)
    }
    pub fn next_u64(&mut self) -> u64 {
        self.0 = self.0.wrapping_add(0x9E37_79B9_7F4A_7C15);
        let mut z = self.0;
        z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
        z ^ (z >> 31)
    }
    /// Uniform-enough value in 0..n (n > 0).
    pub fn below(&mut self, n: u64) -> u64 {
        ((self.next_u64() >> 32) * n) >> 32
    }
    fn pick<'a>(&mut self, v: &[&'a str]) -> &'a str {
        v[self.below(v.len() as u64) as usize]
    }
}

/// `${RUST_LZ4_CACHE:-$HOME/.cache/rust_lz4}`.
pub fn cache_root() -> PathBuf {
    if let Some(c) = std::env::var_os("RUST_LZ4_CACHE") {
        if !c.is_empty() {
            return PathBuf::from(c);
        }
    }
    let home = std::env::var_os("HOME").unwrap_or_else(|| "/tmp".into());
    PathBuf::from(home).join(".cache/rust_lz4")
}

/// Kernel source trees to use, best first.
fn kernel_trees() -> Vec<PathBuf> {
    let mut v = Vec::new();
    if let Some(k) = std::env::var_os("RUST_LZ4_KSRC") {
        if !k.is_empty() {
            v.push(PathBuf::from(k));
        }
    }
    let c = cache_root();
    v.push(c.join("src/linux-7.3"));
    v.push(c.join("src/linux-6.12"));
    v
}

fn write_atomic(path: &Path, data: &[u8]) -> Result<(), String> {
    let tmp = path.with_extension(format!("tmp.{}", std::process::id()));
    fs::write(&tmp, data).map_err(|e| format!("{}: {e}", tmp.display()))?;
    fs::rename(&tmp, path).map_err(|e| format!("{}: {e}", path.display()))
}

/// A tar of part of the kernel source tree (mm/ and kernel/), made with
/// fixed metadata so that it is byte-identical for the same tree.
fn kernel_tar(dir: &Path) -> Result<(PathBuf, String), String> {
    let mut sources: Vec<(PathBuf, Vec<&str>, String)> = Vec::new();
    for t in kernel_trees() {
        if t.join("mm").is_dir() && t.join("kernel").is_dir() {
            sources.push((
                t.clone(),
                vec!["mm", "kernel"],
                format!("tar of {}/{{mm,kernel}}", t.display()),
            ));
        }
    }
    sources.push((
        PathBuf::from("/usr/share"),
        vec!["doc"],
        "tar of /usr/share/doc (no kernel tree found)".into(),
    ));
    for (root, dirs, desc) in sources {
        if !dirs.iter().all(|d| root.join(d).is_dir()) {
            continue;
        }
        let key: String = root
            .to_string_lossy()
            .chars()
            .map(|c| {
                if c.is_ascii_alphanumeric() || c == '.' || c == '-' {
                    c
                } else {
                    '_'
                }
            })
            .collect();
        let out = dir.join(format!("ksrc-{}.tar", key.trim_matches('_')));
        if out.is_file() {
            return Ok((out, desc));
        }
        let tmp = out.with_extension(format!("tmp.{}", std::process::id()));
        let st = Command::new("tar")
            .args([
                "--sort=name",
                "--mtime=@0",
                "--owner=0",
                "--group=0",
                "--numeric-owner",
                "--format=gnu",
            ])
            .arg("-cf")
            .arg(&tmp)
            .arg("-C")
            .arg(&root)
            .args(&dirs)
            .status();
        match st {
            Ok(s) if s.success() => {
                fs::rename(&tmp, &out).map_err(|e| format!("{}: {e}", out.display()))?;
                return Ok((out, desc));
            }
            _ => {
                let _ = fs::remove_file(&tmp);
            }
        }
    }
    Err("could not make a source tar (no kernel tree, no /usr/share/doc, or no tar)".into())
}

fn is_elf(p: &Path) -> bool {
    let mut b = [0u8; 4];
    match fs::File::open(p) {
        Ok(mut f) => std::io::Read::read_exact(&mut f, &mut b).is_ok() && &b == b"\x7fELF",
        Err(_) => false,
    }
}

/// vmlinux of a test kernel if one was built, else a big ELF of the system.
fn find_elf() -> Option<(PathBuf, String)> {
    let build = cache_root().join("build");
    if let Ok(rd) = fs::read_dir(&build) {
        let mut v: Vec<PathBuf> = rd
            .flatten()
            .map(|e| e.path().join("vmlinux"))
            .filter(|p| is_elf(p))
            .collect();
        // Prefer the newest kernel: "linux-7.3-..." sorts after "linux-6.12-...".
        v.sort_by_key(|p| {
            let n = p
                .parent()
                .and_then(|d| d.file_name())
                .map(|s| s.to_string_lossy().into_owned())
                .unwrap_or_default();
            let ver: Vec<u32> = n
                .trim_start_matches("linux-")
                .split(|c: char| !c.is_ascii_digit())
                .take(2)
                .map(|s| s.parse().unwrap_or(0))
                .collect();
            (ver, n)
        });
        if let Some(p) = v.pop() {
            return Some((
                p.clone(),
                format!("vmlinux of a test kernel ({})", p.display()),
            ));
        }
    }
    let mut cands: Vec<PathBuf> = Vec::new();
    for d in ["/usr/lib/x86_64-linux-gnu", "/usr/lib"] {
        if let Ok(rd) = fs::read_dir(d) {
            let mut v: Vec<PathBuf> = rd
                .flatten()
                .map(|e| e.path())
                .filter(|p| {
                    p.file_name()
                        .is_some_and(|n| n.to_string_lossy().starts_with("librustc_driver"))
                })
                .collect();
            v.sort();
            cands.extend(v);
        }
    }
    for p in [
        "/usr/bin/clang-19",
        "/usr/lib/llvm-19/lib/libLLVM.so.1",
        "/usr/bin/qemu-system-x86_64",
        "/usr/bin/gdb",
    ] {
        cands.push(PathBuf::from(p));
    }
    cands.into_iter().find(|p| is_elf(p)).map(|p| {
        let real = fs::canonicalize(&p).unwrap_or(p);
        (
            real.clone(),
            format!(
                "large system ELF ({}), no test-kernel vmlinux found",
                real.display()
            ),
        )
    })
}

const WORDS: &[&str] = &[
    "kernel", "module", "decoder", "block", "frame", "buffer", "offset", "literal", "match",
    "stream", "page", "folio", "inode", "dentry", "mount", "driver", "device", "queue", "request",
    "sector", "alpha", "bravo", "charlie", "delta", "echo", "foxtrot", "golf", "hotel", "india",
    "juliet",
];
const CITIES: &[&str] = &[
    "Berlin", "Paris", "Oslo", "Lisbon", "Zurich", "Vienna", "Prague", "Dublin", "Madrid", "Rome",
];
const LEVELS: &[&str] = &["debug", "info", "notice", "warning", "error"];

/// Deterministic JSON: an array of records like an API dump or a log export.
fn gen_json(size: usize) -> Vec<u8> {
    let mut r = Rng::new(0x4A53_4F4E);
    let mut out = String::with_capacity(size + 1024);
    out.push_str("[\n");
    let mut id = 100_000u64;
    while out.len() < size {
        id += 1 + r.below(3);
        let ts = 1_700_000_000 + id * 7 + r.below(5);
        let ntags = 1 + r.below(4);
        let tags: Vec<String> = (0..ntags)
            .map(|_| format!("\"{}\"", r.pick(WORDS)))
            .collect();
        let nmsg = 4 + r.below(12);
        let msg: Vec<&str> = (0..nmsg).map(|_| r.pick(WORDS)).collect();
        out.push_str(&format!(
            "  {{\"id\": {id}, \"user\": \"{}_{}\", \"email\": \"{}{}@example.org\", \"ts\": {ts}, \
\"level\": \"{}\", \"score\": {}.{:03}, \"active\": {}, \"tags\": [{}], \
\"address\": {{\"city\": \"{}\", \"zip\": \"{:05}\"}}, \"message\": \"{}\", \"hash\": \"{:016x}\"}},\n",
            r.pick(WORDS),
            r.below(1000),
            r.pick(WORDS),
            r.below(100),
            r.pick(LEVELS),
            r.below(100),
            r.below(1000),
            r.below(2) == 0,
            tags.join(", "),
            r.pick(CITIES),
            r.below(100_000),
            msg.join(" "),
            r.next_u64(),
        ));
    }
    out.push_str("  {}\n]\n");
    out.into_bytes()
}

fn gen_random(size: usize) -> Vec<u8> {
    let mut r = Rng::new(0x5241_4E44);
    let mut v = Vec::with_capacity(size + 8);
    while v.len() < size {
        v.extend_from_slice(&r.next_u64().to_le_bytes());
    }
    v.truncate(size);
    v
}

/// Highly repetitive data: byte runs (offset-1 matches), short periodic
/// patterns (offsets 2..16, the overlapping-copy path), repeated log lines
/// with a small counter, and long zero runs.
fn gen_repetitive(size: usize) -> Vec<u8> {
    let mut r = Rng::new(0x5245_5045);
    let mut v = Vec::with_capacity(size + 70_000);
    let mut line = 0u64;
    while v.len() < size {
        match r.below(4) {
            0 => {
                let b = b"ab0-_ \n"[r.below(7) as usize];
                let n = 1024 + r.below(60_000) as usize;
                v.resize(v.len() + n, b);
            }
            1 => {
                let period = 2 + r.below(15) as usize;
                let pat: Vec<u8> = (0..period).map(|_| b'A' + r.below(26) as u8).collect();
                let n = 4096 + r.below(30_000) as usize;
                v.extend(pat.iter().cycle().take(n));
            }
            2 => {
                for _ in 0..(50 + r.below(200)) {
                    line += 1;
                    v.extend_from_slice(
                        format!(
                            "[{:>8}] worker[{}]: heartbeat ok, queue depth {}\n",
                            line % 1000,
                            line % 4,
                            line % 8
                        )
                        .as_bytes(),
                    );
                }
            }
            _ => {
                let n = 8192 + r.below(120_000) as usize;
                v.resize(v.len() + n, 0);
            }
        }
    }
    v.truncate(size);
    v
}

fn read_prefix(p: &Path, cap: usize) -> Result<Vec<u8>, String> {
    read_window(p, cap, false)
}

/// At most `cap` bytes of `p`: its start, or (`center`) a window in its
/// middle. The first 2 MiB of a vmlinux are mostly alignment padding, so a
/// capped ELF corpus is taken from the middle, where code and data are.
fn read_window(p: &Path, cap: usize, center: bool) -> Result<Vec<u8>, String> {
    use std::io::{Read, Seek, SeekFrom};
    let mut f = fs::File::open(p).map_err(|e| format!("{}: {e}", p.display()))?;
    let len = f.metadata().map(|m| m.len()).unwrap_or(0);
    if center && len > cap as u64 {
        // Start on a 4 KiB boundary so that the window is reproducible.
        let start = ((len - cap as u64) / 2) & !4095;
        f.seek(SeekFrom::Start(start))
            .map_err(|e| format!("{}: {e}", p.display()))?;
    }
    let mut v = Vec::new();
    f.take(cap as u64)
        .read_to_end(&mut v)
        .map_err(|e| format!("{}: {e}", p.display()))?;
    Ok(v)
}

/// Generated corpus cached in `dir` (regenerated if missing or of the wrong size).
fn generated(
    dir: &Path,
    file: &str,
    size: usize,
    gen: fn(usize) -> Vec<u8>,
) -> Result<Vec<u8>, String> {
    let p = dir.join(file);
    if let Ok(d) = fs::read(&p) {
        if d.len() == size {
            return Ok(d);
        }
    }
    let d = gen(size);
    write_atomic(&p, &d)?;
    Ok(d)
}

/// All corpora. `cap` bounds the size of each one.
pub fn load(
    dir: &Path,
    cap: usize,
    extra: &[PathBuf],
    only: &[String],
) -> Result<Vec<Corpus>, String> {
    fs::create_dir_all(dir).map_err(|e| format!("{}: {e}", dir.display()))?;
    let want = |n: &str| only.is_empty() || only.iter().any(|o| o == n);
    let mut v = Vec::new();
    if want("ksrc-tar") {
        let (p, desc) = kernel_tar(dir)?;
        v.push(Corpus {
            name: "ksrc-tar".into(),
            origin: desc,
            data: read_prefix(&p, cap)?,
        });
    }
    if want("elf") {
        let (p, desc) = find_elf().ok_or("no ELF file found for the elf corpus")?;
        v.push(Corpus {
            name: "elf".into(),
            origin: desc,
            data: read_window(&p, cap, true)?,
        });
    }
    // Generated corpora: 24 MiB of JSON, 16 MiB for the other two.
    if want("json") {
        let n = cap.min(24 << 20);
        v.push(Corpus {
            name: "json".into(),
            origin: format!(
                "generated JSON records, {}",
                dir.join(format!("json-{n}.json")).display()
            ),
            data: generated(dir, &format!("json-{n}.json"), n, gen_json)?,
        });
    }
    if want("random") {
        let n = cap.min(16 << 20);
        v.push(Corpus {
            name: "random".into(),
            origin: "splitmix64 bytes, fixed seed (incompressible)".into(),
            data: generated(dir, &format!("random-{n}.bin"), n, gen_random)?,
        });
    }
    if want("repeat") {
        let n = cap.min(16 << 20);
        v.push(Corpus {
            name: "repeat".into(),
            origin: "generated runs, short periods, repeated lines, zeros".into(),
            data: generated(dir, &format!("repeat-{n}.bin"), n, gen_repetitive)?,
        });
    }
    for p in extra {
        let name = p
            .file_name()
            .map(|s| s.to_string_lossy().into_owned())
            .unwrap_or_else(|| "file".into());
        v.push(Corpus {
            name,
            origin: format!("user file {}", p.display()),
            data: read_prefix(p, cap)?,
        });
    }
    v.retain(|c| !c.data.is_empty());
    if v.is_empty() {
        return Err("no corpus selected".into());
    }
    Ok(v)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn generators_are_deterministic() {
        assert_eq!(gen_json(1 << 16), gen_json(1 << 16));
        assert_eq!(gen_random(1000), gen_random(1000));
        assert_eq!(gen_repetitive(1 << 16), gen_repetitive(1 << 16));
        assert_eq!(gen_repetitive(1 << 16).len(), 1 << 16);
    }
}
