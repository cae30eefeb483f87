// SPDX-License-Identifier: GPL-2.0
//! `rlz4 ioctl-fuzz`: hostile ioctls on `/dev/rust_lz4`.
//!
//! Issues `--count` ioctls drawn from a seeded generator: random command
//! numbers (the three real ones, other numbers of the same magic, the real
//! numbers with direction and size bits, other magics), random `argsz`,
//! and pointers that are NULL, tiny, unmapped, `PROT_NONE`, read-only,
//! kernel-space, non-canonical, or inside a scratch mapping that ends at a
//! guard page.  Structs are filled with random formats, flags, reserved
//! words, lengths and pointers from the same pool.
//!
//! Every answer must be success or an errno of the ABI (`--allow`); an
//! unknown command must give `ENOTTY` and an unreadable argument `EFAULT`.
//! Prints `ok NAME` / `not ok NAME: why` lines for the guest harness, and
//! the counts by errno.  The kernel side is judged by the harness: no
//! report in the kernel log, no leak.
//!
//! Command numbers of the magics the VFS handles itself before the driver
//! (`'T'` FIONBIO..., `'X'` FIFREEZE..., `'f'` FS_IOC_*, 0x94 FICLONE, 0x15
//! FS_IOC_GETFSUUID) are never generated: they would test the VFS, and
//! FIFREEZE as root would freeze the devtmpfs.

use crate::device::{self, Device, IOC_BENCH, IOC_DECOMPRESS, IOC_STATS};
use std::collections::BTreeMap;
use std::process::ExitCode;

const USAGE: &str = "usage: rlz4 ioctl-fuzz [--seed N] [--count N] [--allow ERRNO,...] [DEVICE]";

/// The errnos the ABI documents (`include/uapi/linux/rust_lz4.h`), and
/// `ENOTTY` for unknown commands.
const DEFAULT_ALLOW: &[i32] = &[
    libc::EINVAL,
    libc::EFAULT,
    libc::E2BIG,
    libc::ENOTTY,
    libc::EBADMSG,
    libc::ENOSPC,
    libc::EOPNOTSUPP,
    libc::ENOMEM,
];

/// Magics whose commands the VFS handles before the driver.
const VFS_MAGICS: &[u32] = &[0x54, 0x58, 0x66, 0x94, 0x15];

/// xorshift64*: reproducible from `--seed`, no dependency.
struct Rng(u64);

impl Rng {
    fn new(seed: u64) -> Rng {
        Rng(seed.wrapping_mul(0x9E37_79B9_7F4A_7C15) | 1)
    }
    fn next(&mut self) -> u64 {
        let mut x = self.0;
        x ^= x >> 12;
        x ^= x << 25;
        x ^= x >> 27;
        self.0 = x;
        x.wrapping_mul(0x2545_F491_4F6C_DD1D)
    }
    fn below(&mut self, n: u64) -> u64 {
        self.next() % n
    }
    fn pick<T: Copy>(&mut self, v: &[T]) -> T {
        v[self.below(v.len() as u64) as usize]
    }
}

/// An anonymous mapping, unmapped on drop.
struct Map {
    addr: *mut u8,
    len: usize,
}

impl Map {
    fn new(len: usize, prot: libc::c_int) -> std::io::Result<Map> {
        // SAFETY: a fresh anonymous private mapping; no existing memory is
        // touched.
        let p = unsafe {
            libc::mmap(
                std::ptr::null_mut(),
                len,
                prot,
                libc::MAP_PRIVATE | libc::MAP_ANONYMOUS,
                -1,
                0,
            )
        };
        if p == libc::MAP_FAILED {
            return Err(std::io::Error::last_os_error());
        }
        Ok(Map {
            addr: p.cast(),
            len,
        })
    }
    fn base(&self) -> u64 {
        self.addr as u64
    }
}

impl Drop for Map {
    fn drop(&mut self) {
        // SAFETY: `addr`/`len` is a mapping this struct created.
        unsafe { libc::munmap(self.addr.cast(), self.len) };
    }
}

const PAGE: usize = 4096;
const SCRATCH: usize = 256 << 10;

/// The memory the generated requests point at.
struct Arena {
    /// Scratch pages, then one `PROT_NONE` guard page.
    scratch: Map,
    /// A read-only page of zeroes.
    ro: Map,
    /// A `PROT_NONE` page.
    none: Map,
    /// The address of a page that was mapped and is not any more.
    unmapped: u64,
}

impl Arena {
    fn new() -> std::io::Result<Arena> {
        let scratch = Map::new(SCRATCH + PAGE, libc::PROT_READ | libc::PROT_WRITE)?;
        // SAFETY: the last page of our own mapping becomes inaccessible.
        let r = unsafe { libc::mprotect(scratch.addr.add(SCRATCH).cast(), PAGE, libc::PROT_NONE) };
        if r != 0 {
            return Err(std::io::Error::last_os_error());
        }
        let ro = Map::new(PAGE, libc::PROT_READ)?;
        let none = Map::new(PAGE, libc::PROT_NONE)?;
        let unmapped = Map::new(PAGE, libc::PROT_NONE)?.base();
        Ok(Arena {
            scratch,
            ro,
            none,
            unmapped,
        })
    }

    /// The scratch pages as a slice.
    fn scratch(&mut self) -> &mut [u8] {
        // SAFETY: the first `SCRATCH` bytes of the mapping are readable and
        // writable, and only reached through `&mut self`.
        unsafe { std::slice::from_raw_parts_mut(self.scratch.addr, SCRATCH) }
    }

    /// A pointer the kernel cannot read: the request must fail with EFAULT.
    fn bad_ptr(&self, rng: &mut Rng) -> u64 {
        match rng.below(9) {
            0 => 0,
            1 => 0x10,
            2 => self.unmapped + rng.below(PAGE as u64),
            3 => self.none.base() + rng.below(PAGE as u64),
            4 => 0xffff_ffff_8100_0000 + rng.below(1 << 20),
            5 => 0xffff_8880_0000_0000 + rng.below(1 << 30),
            6 => 0x0000_8000_0000_0000 + rng.below(1 << 40),
            7 => u64::MAX - rng.below(64),
            // The guard page after the scratch pages.
            _ => self.scratch.base() + (SCRATCH + rng.below(PAGE as u64) as usize) as u64,
        }
    }

    /// A pointer for a buffer inside a request: mostly valid, sometimes not,
    /// sometimes read-only.  Never outside the arena or user space's holes.
    fn buf_ptr(&self, rng: &mut Rng) -> u64 {
        match rng.below(10) {
            0..=5 => self.scratch.base() + rng.below(SCRATCH as u64),
            6 => self.ro.base() + rng.below(PAGE as u64),
            _ => self.bad_ptr(rng),
        }
    }
}

/// A length: small, around the scratch size, at the caps, or huge.
fn length(rng: &mut Rng) -> u64 {
    match rng.below(8) {
        0 => 0,
        1 => rng.below(64),
        2 => rng.below(PAGE as u64 * 4),
        3 => rng.below(SCRATCH as u64 + PAGE as u64),
        4 => device::MAX_SRC as u64 + rng.below(3) - 1,
        5 => device::MAX_DST as u64 + rng.below(3) - 1,
        6 => u64::MAX - rng.below(4),
        _ => rng.next(),
    }
}

fn argsz(rng: &mut Rng) -> u32 {
    let any = rng.below(8192) as u32;
    rng.pick(&[
        0,
        4,
        7,
        8,
        55,
        56,
        57,
        64,
        119,
        120,
        128,
        4096,
        4097,
        u32::MAX,
        any,
    ])
}

/// A command number and whether the driver knows it.
fn command(rng: &mut Rng) -> (u64, bool) {
    let known = [IOC_DECOMPRESS, IOC_BENCH, IOC_STATS];
    match rng.below(10) {
        0..=2 => (IOC_DECOMPRESS, true),
        3 => (IOC_BENCH, true),
        4 => (IOC_STATS, true),
        5 => {
            // Same magic, any number.
            let c = (0xBBu64 << 8) | rng.below(256);
            (c, known.contains(&c))
        }
        6 => {
            // A real number with direction and size bits: a different command.
            let dir = 1 + rng.below(3);
            let size = 1 + rng.below(0x3fff);
            (rng.pick(&known) | (dir << 30) | (size << 16), false)
        }
        _ => loop {
            let c = rng.next() & 0xffff_ffff;
            if !VFS_MAGICS.contains(&(((c >> 8) & 0xff) as u32)) && !known.contains(&c) {
                break (c, false);
            }
        },
    }
}

/// Writes a random request struct into the scratch pages and returns its
/// address: sometimes so close to the guard page that `argsz` runs into it.
fn request(arena: &mut Arena, rng: &mut Rng, cmd: u64) -> u64 {
    let mut words = [0u64; 16];
    let sz = argsz(rng);
    // argsz and the first u32 after it (format / iterations / reserved).
    let any = rng.next() as u32;
    let second: u32 = match cmd {
        IOC_DECOMPRESS => rng.pick(&[0, 1, 2, 3, 4, any]),
        // BENCH iterations: in range but small (the harness has a time
        // budget), or out of range.
        IOC_BENCH => rng.pick(&[0, 1, 2, 1000, 1_000_001, u32::MAX]),
        _ => rng.pick(&[0, 0, 0, 1]),
    };
    words[0] = u64::from(sz) | (u64::from(second) << 32);
    if cmd == IOC_DECOMPRESS {
        // flags | reserved << 32
        let any = rng.next() as u32;
        let flags = rng.pick(&[0, 0, device::ZFS_EXACT, 2, any]);
        let reserved = rng.pick(&[0u32, 0, 0, 1]);
        words[1] = u64::from(flags) | (u64::from(reserved) << 32);
        words[2] = arena.buf_ptr(rng);
        words[3] = length(rng);
        words[4] = arena.buf_ptr(rng);
        words[5] = length(rng);
        words[6] = rng.next();
    } else if cmd == IOC_BENCH {
        words[1] = arena.buf_ptr(rng);
        words[2] = length(rng);
        words[3] = length(rng);
        for w in &mut words[4..7] {
            *w = rng.next();
        }
    } else {
        for w in &mut words[1..] {
            *w = rng.next();
        }
    }
    // A tail past the known struct: zero (a newer caller) or not.
    if rng.below(2) == 0 {
        for w in &mut words[7..] {
            *w = 0;
        }
    }
    let near_guard = rng.below(8) == 0;
    let off = if near_guard {
        SCRATCH - 8 * (1 + rng.below(16) as usize)
    } else {
        rng.below((SCRATCH - 128) as u64) as usize & !7
    };
    let base = arena.scratch.base();
    let scratch = arena.scratch();
    for (i, w) in words.iter().enumerate() {
        let at = off + 8 * i;
        if at + 8 > SCRATCH {
            break;
        }
        scratch[at..at + 8].copy_from_slice(&w.to_ne_bytes());
    }
    base + off as u64
}

/// Errnos `--allow` accepts by name: the ABI's, and the two a driver bug
/// or a signal could add.
const NAMED_ERRNOS: &[i32] = &[libc::EIO, libc::EINTR];

fn parse_errnos(s: &str) -> Option<Vec<i32>> {
    s.split(',')
        .map(|n| {
            let n = n.trim();
            DEFAULT_ALLOW
                .iter()
                .chain(NAMED_ERRNOS)
                .copied()
                .find(|&e| device::errno_name(e) == n)
        })
        .collect()
}

/// Entry point of `rlz4 ioctl-fuzz`.
pub fn main(args: &[String]) -> ExitCode {
    let mut seed = 1u64;
    let mut count = 1000u64;
    let mut allow = DEFAULT_ALLOW.to_vec();
    let mut path = device::DEFAULT_PATH.to_string();
    let mut it = args.iter();
    while let Some(a) = it.next() {
        let num = |v: Option<&String>| v.and_then(|v| v.parse::<u64>().ok());
        match a.as_str() {
            "--seed" => match num(it.next()) {
                Some(n) => seed = n,
                None => return usage(),
            },
            "--count" => match num(it.next()) {
                Some(n) => count = n,
                None => return usage(),
            },
            "--allow" => match it.next().and_then(|v| parse_errnos(v)) {
                Some(v) => allow = v,
                None => return usage(),
            },
            p if !p.starts_with('-') => path = p.to_string(),
            _ => return usage(),
        }
    }
    let name = format!("ioctl_fuzz_seed{seed}_count{count}");
    let dev = match Device::open(&path) {
        Ok(d) => d,
        Err(e) => {
            println!("not ok {name}: {path}: {e}");
            return ExitCode::FAILURE;
        }
    };
    let mut arena = match Arena::new() {
        Ok(a) => a,
        Err(e) => {
            println!("not ok {name}: mmap: {e}");
            return ExitCode::FAILURE;
        }
    };
    let before = dev.stats().ok();
    let mut rng = Rng::new(seed);
    let mut counts: BTreeMap<&'static str, u64> = BTreeMap::new();
    let mut bad = Vec::new();
    let mut handled = 0u64;
    for i in 0..count {
        let (cmd, known) = command(&mut rng);
        let unreadable = rng.below(4) == 0;
        let arg = if unreadable {
            arena.bad_ptr(&mut rng)
        } else if known || rng.below(2) == 0 {
            request(&mut arena, &mut rng, cmd)
        } else {
            rng.next()
        };
        if cmd == IOC_DECOMPRESS || cmd == IOC_BENCH {
            handled += 1;
        }
        // SAFETY: `arg` is a scratch buffer of this process (the kernel may
        // write a struct back into it or decoded bytes into other scratch
        // pages, which nothing else uses) or an address no live object of
        // this process occupies; see `Arena::buf_ptr`.
        let got = match unsafe { dev.ioctl_raw(cmd, arg) } {
            Ok(()) => 0,
            Err(e) => device::errno(&e),
        };
        let label = if got == 0 {
            "success"
        } else {
            device::errno_name(got)
        };
        *counts.entry(label).or_default() += 1;
        let want = if !known {
            Some(libc::ENOTTY)
        } else if unreadable {
            Some(libc::EFAULT)
        } else {
            None
        };
        let why = match want {
            Some(w) if got != w => Some(format!("want {}", device::errno_name(w))),
            _ if got != 0 && !allow.contains(&got) => Some("errno not allowed".to_string()),
            _ => None,
        };
        if let Some(why) = why {
            if bad.len() < 10 {
                bad.push(format!(
                    "#{i} cmd {cmd:#x} arg {arg:#x}: got {label} ({got}), {why}"
                ));
            }
        }
    }
    let errors = counts.iter().filter(|(k, _)| **k != "success").count();
    let summary: Vec<String> = counts.iter().map(|(k, v)| format!("{k} {v}")).collect();
    println!("{count} ioctls, by result: {}", summary.join(", "));
    let mut failed = false;
    if bad.is_empty() {
        println!("ok {name}");
    } else {
        for b in &bad {
            println!("{b}");
        }
        println!("not ok {name}: {} unexpected answers", bad.len());
        failed = true;
    }
    if errors == 0 {
        // A fuzzer that never gets an error tests nothing.
        println!("not ok {name}_saw_errors: no request failed");
        failed = true;
    }

    // The device still decodes, and STATS counted every decoding request
    // that reached the driver (other processes may add more, never less).
    let plain: Vec<u8> = (0..3000u32).map(|i| (i % 13) as u8).collect();
    let block = lz4_flex::block::compress(&plain);
    let mut out = vec![0u8; plain.len()];
    match dev.decompress(crate::lz4::Format::Block, 0, &block, &mut out) {
        Ok(n) if n == plain.len() && out == plain => println!("ok {name}_device_still_decodes"),
        Ok(n) => {
            println!("not ok {name}_device_still_decodes: wrong output ({n} bytes)");
            failed = true;
        }
        Err(e) => {
            println!("not ok {name}_device_still_decodes: {e}");
            failed = true;
        }
    }
    match (before, dev.stats()) {
        (Some(b), Ok(a)) if a.calls - b.calls > handled => {
            println!("ok {name}_stats_count_requests");
        }
        (Some(b), Ok(a)) => {
            println!(
                "not ok {name}_stats_count_requests: calls moved by {}, want more than {handled}",
                a.calls - b.calls
            );
            failed = true;
        }
        _ => {
            println!("not ok {name}_stats_count_requests: STATS failed");
            failed = true;
        }
    }
    if failed {
        ExitCode::FAILURE
    } else {
        ExitCode::SUCCESS
    }
}

fn usage() -> ExitCode {
    eprintln!("{USAGE}");
    ExitCode::from(2)
}
