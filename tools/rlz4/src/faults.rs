// SPDX-License-Identifier: GPL-2.0
//! `rlz4 faults`: every fault site of a syscall, one at a time, as syzkaller
//! drives them (`/proc/<pid>/fail-nth`, `Documentation/fault-injection/`
//! `fault-injection.rst` in the kernel source).
//!
//! Writing n to `/proc/thread-self/fail-nth` makes the n-th fault site the
//! task reaches fail: a slab allocation (`failslab`), a page allocation
//! (`fail_page_alloc`) or a user copy (`fail_usercopy`).  Reading it back
//! after the call gives 0 when that failure was injected, else what was left
//! of n.  Each command below runs its call with n = 1, 2, ... until the call
//! succeeds with nothing injected; then `n - left` is the number of fault
//! sites the call reaches.
//!
//! The kernel's side of the count: the guest suite sets each fault
//! attribute's `times` in debugfs to a large value, and the kernel takes one
//! off the attribute it fails.  Each call must move exactly one of them by
//! one when fail-nth says a failure was injected, and none otherwise.
//!
//! Commands (each prints `ok NAME` / `not ok NAME: why` lines for the guest
//! harness, a `table:` line per call, and exits 1 if a check failed):
//!
//! ```text
//! rlz4 faults load KO [PARAM=VALUE...]
//! rlz4 faults decompress --format F --max-output N --sha HEX [--exact] FILE
//! rlz4 faults bench --max-output N FILE      (both: then one call with every
//!                                             allocation failing, make-it-fail,
//!                                             unless --no-all-fail)
//! rlz4 faults stats
//! rlz4 faults crypto --max-output N FILE     (a raw block, through lz4-rust)
//! ```
//!
//! `--reject SYMBOL` right after the command (`rlz4 faults load --reject
//! SYMBOL KO`): no slab or page allocation made under the kernel function
//! SYMBOL fails (the stack filter, `reject-start`/`reject-end`, which fail-nth
//! honours when the kernel has `CONFIG_FAULT_INJECTION_STACKTRACE_FILTER`).
//! The sweeps use it for the crypto core's code that cannot take a failure
//! cleanly; the table line names the symbol.
//!
//! Nothing between the write to fail-nth and the read back may reach a fault
//! site of its own: the buffers are allocated and the whole process is locked
//! in memory (`mlockall`) beforehand, so no page fault allocates in the
//! window, and the window itself does not allocate.

use crate::device::{
    self, BenchArgs, DecompressArgs, Device, Stats, IOC_BENCH, IOC_DECOMPRESS, IOC_STATS,
};
use crate::lz4::Format;
use std::cell::{Cell, RefCell};
use std::collections::BTreeMap;
use std::ffi::CString;
use std::fs::{File, OpenOptions};
use std::io::{self, Write};
use std::os::fd::AsRawFd;
use std::path::Path;
use std::process::{Command, ExitCode, Stdio};
use std::sync::OnceLock;

/// The fault attributes the test kernels have, in debugfs.
const ATTRS: [&str; 3] = ["failslab", "fail_page_alloc", "fail_usercopy"];
/// Where they live.
const DEBUGFS: &str = "/sys/kernel/debug";
/// More sites than any call here reaches; a sweep that gets there failed.
const MAX_SITES: u32 = 20_000;
/// The module's name, for `delete_module()` and the leftovers check.
const MODULE: &str = "rust_lz4";
/// Filler of output buffers and of the fields the kernel may write: a byte
/// it changed shows.
const FILL: u8 = 0xA5;
/// The same, for 64-bit out-fields.
const SENTINEL: u64 = 0xA5A5_A5A5_A5A5_A5A5;

/// `/proc/thread-self/fail-nth`.
struct FailNth {
    file: File,
}

impl FailNth {
    fn open() -> io::Result<Self> {
        let file = OpenOptions::new()
            .read(true)
            .write(true)
            .open("/proc/thread-self/fail-nth")?;
        Ok(FailNth { file })
    }

    /// Arms the n-th fault site.  Allocates nothing.
    fn set(&self, n: u32) -> io::Result<()> {
        let mut buf = [0u8; 12];
        let cap = buf.len();
        let mut w = &mut buf[..];
        write!(w, "{n}")?;
        let len = cap - w.len();
        // SAFETY: `buf` is valid for `len` bytes.
        let r = unsafe { libc::pwrite(self.file.as_raw_fd(), buf.as_ptr().cast(), len, 0) };
        if r < 0 {
            return Err(io::Error::last_os_error());
        }
        Ok(())
    }

    /// What is left of n: 0 once the failure was injected.  The read
    /// itself is a fault site (its `copy_to_user()`): when 1 was left, it
    /// takes the failure and returns `EFAULT`, which means 1 here.
    fn get(&self) -> io::Result<u32> {
        let mut buf = [0u8; 16];
        // SAFETY: `buf` is valid for its length.
        let r =
            unsafe { libc::pread(self.file.as_raw_fd(), buf.as_mut_ptr().cast(), buf.len(), 0) };
        if r < 0 {
            let e = io::Error::last_os_error();
            return if e.raw_os_error() == Some(libc::EFAULT) {
                Ok(1)
            } else {
                Err(e)
            };
        }
        let s = std::str::from_utf8(&buf[..r as usize]).unwrap_or("");
        s.trim()
            .parse()
            .map_err(|_| io::Error::other(format!("fail-nth read back {s:?}")))
    }

    /// Disarms.  The write is a fault site too (`copy_from_user()`): when
    /// the read left 1, it takes the failure (`EFAULT`), which disarms as
    /// well.
    fn clear(&self) -> io::Result<()> {
        match self.set(0) {
            Err(e) if e.raw_os_error() == Some(libc::EFAULT) => Ok(()),
            r => r,
        }
    }
}

/// Failures the harness's own read and disarm of fail-nth take when the
/// call left `left` of n (see [`FailNth::get`] and [`FailNth::clear`]): both
/// are user copies.
fn harness_takes(left: u32) -> i64 {
    i64::from(left == 1 || left == 2)
}

/// The attributes a stack filter applies to: the allocation ones.
const REJECT_ATTRS: [&str; 2] = ["failslab", "fail_page_alloc"];

/// The function whose allocations a [`Reject`] keeps from failing, for the
/// table line.
static REJECTED: OnceLock<String> = OnceLock::new();

/// The stack depth the kernel examines: its maximum (`MAX_STACK_TRACE_DEPTH`
/// in lib/fault-inject.c).  At 0 the filter would do nothing.
const REJECT_DEPTH: u64 = 32;

/// A stack filter on [`REJECT_ATTRS`]: a fault site reached with `symbol`'s
/// code among the innermost [`REJECT_DEPTH`] frames does not fail and does
/// not count as a site; it applies to `make-it-fail` as well.  The range is
/// the function's, from `/proc/kallsyms`: its address up to the next
/// symbol's.  It covers the function's own code and what is inlined into
/// it, not a callee it reaches by a tail call (no frame of its own on the
/// stack), nor a GCC `.cold` part placed elsewhere: name a function of the
/// core kernel whose call is followed by more code.  Removed when dropped.
struct Reject;

impl Reject {
    fn new(symbol: &str) -> Result<Reject, String> {
        let (start, end) = symbol_range(symbol)?;
        // First, so that a write that fails half-way is undone.
        let guard = Reject;
        for a in REJECT_ATTRS {
            for (f, v) in [
                ("stacktrace-depth", REJECT_DEPTH),
                ("reject-start", start),
                ("reject-end", end),
            ] {
                let p = format!("{DEBUGFS}/{a}/{f}");
                let text = if f == "stacktrace-depth" {
                    v.to_string()
                } else {
                    format!("{v:#x}")
                };
                std::fs::write(&p, &text).map_err(|e| {
                    format!("{p}: {e} (the kernel needs CONFIG_FAULT_INJECTION_STACKTRACE_FILTER)")
                })?;
                let back = std::fs::read_to_string(&p).map_err(|e| format!("{p}: {e}"))?;
                let b = back.trim();
                let got = match b.strip_prefix("0x") {
                    Some(hex) => u64::from_str_radix(hex, 16).ok(),
                    None => b.parse().ok(),
                };
                if got != Some(v) {
                    return Err(format!("{p}: wrote {text}, read back {b}"));
                }
            }
        }
        println!("# faults: no allocation under {symbol} [{start:#x}, {end:#x}) fails");
        // One filter per run: main() takes one `--reject`.
        let _ = REJECTED.set(symbol.to_string());
        Ok(guard)
    }
}

impl Drop for Reject {
    fn drop(&mut self) {
        for a in REJECT_ATTRS {
            for f in ["reject-end", "reject-start"] {
                let p = format!("{DEBUGFS}/{a}/{f}");
                if let Err(e) = std::fs::write(&p, "0") {
                    println!("not ok faults_reject_removed: {p}: {e}");
                }
            }
        }
    }
}

/// `[start, end)` of the kernel function `name`: its address in
/// `/proc/kallsyms`, and the next higher address of any symbol.
fn symbol_range(name: &str) -> Result<(u64, u64), String> {
    let all =
        std::fs::read_to_string("/proc/kallsyms").map_err(|e| format!("/proc/kallsyms: {e}"))?;
    range_in(&all, name)
}

/// [`symbol_range`] in the text of a `/proc/kallsyms`.
fn range_in(all: &str, name: &str) -> Result<(u64, u64), String> {
    let syms: Vec<(u64, &str)> = all
        .lines()
        .filter_map(|l| {
            let mut f = l.split_whitespace();
            let addr = u64::from_str_radix(f.next()?, 16).ok()?;
            let _kind = f.next()?;
            Some((addr, f.next()?))
        })
        .collect();
    let found: Vec<u64> = syms.iter().filter(|s| s.1 == name).map(|s| s.0).collect();
    let start = match found[..] {
        [a] if a != 0 => a,
        [0] => {
            return Err(format!(
                "{name}: /proc/kallsyms hides addresses (kptr_restrict)"
            ))
        }
        [] => return Err(format!("{name}: not in /proc/kallsyms")),
        _ => return Err(format!("{name}: {} symbols of that name", found.len())),
    };
    let end = syms
        .iter()
        .map(|s| s.0)
        .filter(|&a| a > start)
        .min()
        .ok_or(format!("{name}: no symbol after it"))?;
    Ok((start, end))
}

/// The `times` of each fault attribute: the kernel takes one off per
/// injected failure.
fn times() -> Result<[i64; 3], String> {
    let mut t = [0i64; 3];
    for (i, a) in ATTRS.iter().enumerate() {
        let p = format!("{DEBUGFS}/{a}/times");
        let s = std::fs::read_to_string(&p).map_err(|e| format!("{p}: {e}"))?;
        t[i] = s.trim().parse().map_err(|_| format!("{p}: {s:?}"))?;
    }
    Ok(t)
}

/// One call with fail-nth armed.
struct Step {
    n: u32,
    /// 0, or the errno the call returned.
    err: i32,
}

/// The outcome of one sweep, and the checks that failed.
struct Sweep {
    op: &'static str,
    case: String,
    /// Fault sites a call reaches when nothing fails.
    sites: u32,
    /// Failures injected, by attribute (the kernel's count).
    by_attr: [u32; 3],
    /// Failures injected (fail-nth's count).
    injected: u32,
    /// Injected failures the call survived (a fallback path).
    absorbed: u32,
    /// Failed calls by errno.
    errnos: BTreeMap<i32, u32>,
    /// Free-form counts for the table (e.g. EFAULT after the output).
    notes: BTreeMap<&'static str, u32>,
    /// Check name -> its failures (the first few are printed).
    checks: Vec<(&'static str, Vec<String>)>,
    finished: bool,
    /// The make-it-fail call: its errno and the failures the kernel counted.
    notes_all_fail: Option<(i32, i64)>,
}

impl Sweep {
    fn new(op: &'static str, case: &str, checks: &[&'static str]) -> Sweep {
        let mut all = vec!["injections_match_kernel", "errno_documented"];
        all.extend_from_slice(checks);
        all.push("ends_in_success");
        Sweep {
            op,
            case: case.to_string(),
            sites: 0,
            by_attr: [0; 3],
            injected: 0,
            absorbed: 0,
            errnos: BTreeMap::new(),
            notes: BTreeMap::new(),
            checks: all.into_iter().map(|c| (c, Vec::new())).collect(),
            finished: false,
            notes_all_fail: None,
        }
    }

    /// Records a failure of check `name`.
    fn fail(&mut self, name: &'static str, why: String) {
        match self.checks.iter_mut().find(|(c, _)| *c == name) {
            Some((_, v)) => v.push(why),
            None => self.checks.push((name, vec![why])),
        }
    }

    fn check(&mut self, name: &'static str, res: Result<(), String>) {
        if let Err(why) = res {
            self.fail(name, why);
        }
    }

    fn note(&mut self, what: &'static str) {
        *self.notes.entry(what).or_default() += 1;
    }

    /// Runs the sweep: `prep` before each call (outside the window), `call`
    /// inside it (must not allocate; returns 0 or an errno), `after` with
    /// the result.  `allowed`: the errnos the ABI documents for this call.
    fn run(
        &mut self,
        fail: &FailNth,
        allowed: &[i32],
        prep: &mut impl FnMut() -> Result<(), String>,
        call: &mut impl FnMut() -> i32,
        after: &mut impl FnMut(&Step, &mut Sweep) -> Result<(), String>,
    ) {
        for n in 1..=MAX_SITES {
            if let Err(e) = prep() {
                self.fail("ends_in_success", format!("n={n}: preparing the call: {e}"));
                return;
            }
            let before = match times() {
                Ok(t) => t,
                Err(e) => return self.fail("injections_match_kernel", e),
            };
            if let Err(e) = fail.set(n) {
                return self.fail("injections_match_kernel", format!("fail-nth: {e}"));
            }
            let err = call();
            let left = fail.get();
            // Disarm before anything else runs.
            let cleared = fail.clear();
            let left = match (left, cleared) {
                (Ok(l), Ok(())) => l,
                (Err(e), _) | (_, Err(e)) => {
                    return self.fail("injections_match_kernel", format!("fail-nth: {e}"))
                }
            };
            let after_t = match times() {
                Ok(t) => t,
                Err(e) => return self.fail("injections_match_kernel", e),
            };
            let mut moved: Vec<i64> = before.iter().zip(after_t).map(|(b, a)| b - a).collect();
            // What the harness's own user copies took (fail_usercopy).
            let own = harness_takes(left);
            moved[2] -= own;
            let injected = left == 0;
            let total: i64 = moved.iter().sum();
            if moved.iter().any(|&m| !(0..=1).contains(&m)) || (total == 1) != injected {
                self.fail(
                    "injections_match_kernel",
                    format!(
                        "n={n}: fail-nth read back {left}, but the kernel's counts moved by {moved:?} ({ATTRS:?}) beyond the {own} the harness took"
                    ),
                );
            }
            if injected {
                self.injected += 1;
                if let Some(i) = moved.iter().position(|&m| m == 1) {
                    self.by_attr[i] += 1;
                }
                if err == 0 {
                    self.absorbed += 1;
                } else {
                    *self.errnos.entry(err).or_default() += 1;
                    if !allowed.contains(&err) {
                        self.fail(
                            "errno_documented",
                            format!(
                                "n={n}: {} ({err}) is not what the ABI documents here",
                                device::errno_name(err)
                            ),
                        );
                    }
                }
            } else if err != 0 {
                self.fail(
                    "ends_in_success",
                    format!(
                        "n={n}: nothing injected, yet the call failed with {}",
                        device::errno_name(err)
                    ),
                );
            }
            let step = Step { n, err };
            if let Err(e) = after(&step, self) {
                self.fail("ends_in_success", format!("n={n}: {e}"));
                return;
            }
            if !injected {
                self.sites = n - left;
                self.finished = err == 0;
                return;
            }
        }
        self.fail(
            "ends_in_success",
            format!("the call still failed after {MAX_SITES} fault sites"),
        );
    }

    /// One more call with every allocation of the task failing
    /// (`make-it-fail`; the suite sets `task-filter`, probability 100 and
    /// interval 1 on `failslab` and `fail_page_alloc`): the call must
    /// return `ENOMEM`, which a single failure never reaches when the
    /// kernel retries a failed allocation another way.  `after` sees it as
    /// step 0.
    fn run_all_fail(
        &mut self,
        prep: &mut impl FnMut() -> Result<(), String>,
        call: &mut impl FnMut() -> i32,
        after: &mut impl FnMut(&Step, &mut Sweep) -> Result<(), String>,
    ) {
        const CHECK: &str = "every_allocation_failing_gives_enomem";
        let res = (|| -> Result<i32, String> {
            let mif = OpenOptions::new()
                .write(true)
                .open("/proc/thread-self/make-it-fail")
                .map_err(|e| format!("make-it-fail: {e}"))?;
            prep()?;
            let before = times()?;
            // SAFETY: the buffers are valid for their lengths.
            let on = unsafe { libc::pwrite(mif.as_raw_fd(), b"1".as_ptr().cast(), 1, 0) };
            if on != 1 {
                return Err(format!("make-it-fail: {}", io::Error::last_os_error()));
            }
            let err = call();
            // SAFETY: as above.
            let off = unsafe { libc::pwrite(mif.as_raw_fd(), b"0".as_ptr().cast(), 1, 0) };
            if off != 1 {
                return Err(format!("make-it-fail: {}", io::Error::last_os_error()));
            }
            let after_t = times()?;
            let failed: i64 = before.iter().zip(after_t).map(|(b, a)| b - a).sum();
            if failed < 1 {
                return Err("no allocation was failed: make-it-fail is not in effect".into());
            }
            self.notes_all_fail = Some((err, failed));
            Ok(err)
        })();
        match res {
            Err(e) => self.fail(CHECK, e),
            Ok(err) => {
                if err != libc::ENOMEM {
                    self.fail(
                        CHECK,
                        format!(
                            "the call gave {} ({err}), want ENOMEM",
                            device::errno_name(err)
                        ),
                    );
                }
                if let Err(e) = after(&Step { n: 0, err }, self) {
                    self.fail(CHECK, e);
                }
            }
        }
    }

    /// Prints the table line and one result line per check; true if all
    /// passed.
    fn report(mut self) -> bool {
        if self.injected == 0 {
            self.fail(
                "injections_match_kernel",
                "no failure was injected: the harness tested nothing".into(),
            );
        }
        let errnos: Vec<String> = self
            .errnos
            .iter()
            .map(|(e, c)| format!("{}={c}", device::errno_name(*e)))
            .collect();
        let mut notes: Vec<String> = self.notes.iter().map(|(k, c)| format!("{k}={c}")).collect();
        if let Some((err, failed)) = self.notes_all_fail {
            notes.push(format!(
                "every-allocation-failing={} ({failed} failed)",
                if err == 0 {
                    "success"
                } else {
                    device::errno_name(err)
                }
            ));
        }
        if let Some(sym) = REJECTED.get() {
            notes.push(format!("rejected={sym}"));
        }
        println!(
            "table: {} {} sites={} injected={} ({}={} {}={} {}={}) errors=[{}] absorbed={}{}{}",
            self.op,
            self.case,
            self.sites,
            self.injected,
            ATTRS[0],
            self.by_attr[0],
            ATTRS[1],
            self.by_attr[1],
            ATTRS[2],
            self.by_attr[2],
            errnos.join(" "),
            self.absorbed,
            if notes.is_empty() { "" } else { " " },
            notes.join(" "),
        );
        let prefix = format!("{}_{}", self.op.to_lowercase(), self.case);
        let mut ok = true;
        for (name, fails) in &self.checks {
            if fails.is_empty() {
                println!("ok {prefix}_{name}");
            } else {
                ok = false;
                for f in fails.iter().take(5) {
                    println!("{prefix}_{name}: {f}");
                }
                if fails.len() > 5 {
                    println!("{prefix}_{name}: ... {} more", fails.len() - 5);
                }
                println!("not ok {prefix}_{name}: {} failure(s)", fails.len());
            }
        }
        ok
    }
}

/// Locks the process in memory, present and future, so that no page fault
/// of ours reaches a fault site while fail-nth is armed.
fn lock_memory() -> Result<(), String> {
    // SAFETY: no pointers involved.
    if unsafe { libc::mlockall(libc::MCL_CURRENT | libc::MCL_FUTURE) } != 0 {
        return Err(format!("mlockall: {}", io::Error::last_os_error()));
    }
    Ok(())
}

/// SHA-256 of `data` in hex, by the guest's `sha256sum`.
fn sha256(data: &[u8]) -> Result<String, String> {
    let mut child = Command::new("sha256sum")
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .spawn()
        .map_err(|e| format!("sha256sum: {e}"))?;
    child
        .stdin
        .take()
        .ok_or("sha256sum: no stdin")?
        .write_all(data)
        .map_err(|e| format!("sha256sum: {e}"))?;
    let out = child
        .wait_with_output()
        .map_err(|e| format!("sha256sum: {e}"))?;
    let s = String::from_utf8_lossy(&out.stdout);
    Ok(s.split_whitespace().next().unwrap_or("").to_string())
}

/// The raw bytes of a plain-old-data ABI struct.
fn bytes_of<T: Copy>(v: &T) -> Vec<u8> {
    // SAFETY: the ABI structs are `#[repr(C)]` integers without padding
    // (their sizes are asserted in device.rs); reading them as bytes is
    // sound.
    unsafe { std::slice::from_raw_parts((v as *const T).cast::<u8>(), std::mem::size_of::<T>()) }
        .to_vec()
}

/// One raw ioctl: 0 or the errno.  Allocates nothing.
fn ioctl(dev: &Device, cmd: u64, arg: u64) -> i32 {
    // SAFETY: callers pass a live argument struct of the type `cmd` expects.
    match unsafe { dev.ioctl_raw(cmd, arg) } {
        Ok(()) => 0,
        Err(e) => device::errno(&e),
    }
}

/// STATS moved by exactly one call that failed with `err`, or that
/// succeeded with `bytes_in`/`bytes_out`.
fn check_counted(
    b: &Stats,
    a: &Stats,
    err: i32,
    bytes_in: u64,
    bytes_out: u64,
) -> Result<(), String> {
    let mut want = *b;
    want.calls += 1;
    match err {
        0 => {
            want.bytes_in += bytes_in;
            want.bytes_out += bytes_out;
        }
        libc::ENOMEM => want.err_nomem += 1,
        libc::EFAULT => want.err_fault += 1,
        _ => return Err(format!("no counter for {}", device::errno_name(err))),
    }
    // Yields are timing; only the rest must match exactly.
    want.yields = a.yields;
    want.max_yield_gap_ns = a.max_yield_gap_ns;
    if want == *a {
        Ok(())
    } else {
        Err(format!(
            "{}: STATS went from calls={} nomem={} fault={} in={} out={} to calls={} nomem={} fault={} in={} out={} (other errors {} -> {})",
            if err == 0 { "success".to_string() } else { device::errno_name(err).to_string() },
            b.calls,
            b.err_nomem,
            b.err_fault,
            b.bytes_in,
            b.bytes_out,
            a.calls,
            a.err_nomem,
            a.err_fault,
            a.bytes_in,
            a.bytes_out,
            b.errors() - b.err_nomem - b.err_fault,
            a.errors() - a.err_nomem - a.err_fault,
        ))
    }
}

fn open_all() -> Result<(FailNth, Device), String> {
    lock_memory()?;
    let fail = FailNth::open().map_err(|e| format!("/proc/thread-self/fail-nth: {e}"))?;
    let dev =
        Device::open(device::DEFAULT_PATH).map_err(|e| format!("{}: {e}", device::DEFAULT_PATH))?;
    Ok((fail, dev))
}

/// Parsed options of the ioctl commands.
struct Opts {
    format: Format,
    exact: bool,
    /// Skip the call with every allocation failing (`--no-all-fail`).
    no_all_fail: bool,
    max: usize,
    sha: String,
    file: String,
}

fn parse(args: &[String]) -> Result<Opts, String> {
    let mut o = Opts {
        format: Format::Block,
        exact: false,
        no_all_fail: false,
        max: 0,
        sha: String::new(),
        file: String::new(),
    };
    let mut it = args.iter();
    while let Some(a) = it.next() {
        let mut val = || it.next().cloned().ok_or(format!("{a} needs a value"));
        match a.as_str() {
            "--format" => {
                let v = val()?;
                o.format = Format::from_name(&v).ok_or(format!("unknown format {v}"))?;
            }
            "--max-output" => {
                let v = val()?;
                o.max = crate::cli::parse_size(&v).ok_or(format!("bad size {v}"))?;
            }
            "--sha" => o.sha = val()?,
            "--exact" => o.exact = true,
            "--no-all-fail" => o.no_all_fail = true,
            f if !f.starts_with('-') && o.file.is_empty() => o.file = f.to_string(),
            other => return Err(format!("unexpected argument {other}")),
        }
    }
    if o.file.is_empty() || o.max == 0 {
        return Err("a FILE and --max-output are required".into());
    }
    Ok(o)
}

fn case_name(file: &str) -> String {
    Path::new(file)
        .file_name()
        .map(|f| f.to_string_lossy().into_owned())
        .unwrap_or_else(|| file.to_string())
}

/// `rlz4 faults decompress`: DECOMPRESS with every fault site failed in
/// turn.  After each failure: the errno is ENOMEM or EFAULT, STATS counted
/// it, the argument struct is unchanged, `dst` is unchanged or (EFAULT
/// only, when the write-back of the struct failed) holds the whole output,
/// and a normal call then decodes correctly.
fn decompress(args: &[String]) -> Result<bool, String> {
    let o = parse(args)?;
    let src = std::fs::read(&o.file).map_err(|e| format!("{}: {e}", o.file))?;
    let (fail, dev) = open_all()?;
    let flags = if o.exact { device::ZFS_EXACT } else { 0 };
    let mut dst = vec![FILL; o.max];
    let fresh = |dst: &mut Vec<u8>| DecompressArgs {
        argsz: std::mem::size_of::<DecompressArgs>() as u32,
        format: device::format_code(o.format),
        flags,
        src: src.as_ptr() as u64,
        src_len: src.len() as u64,
        dst: dst.as_mut_ptr() as u64,
        dst_cap: dst.len() as u64,
        dst_len: SENTINEL,
        ..Default::default()
    };

    // The reference: a normal call, checked against the host's SHA-256.
    let mut a = fresh(&mut dst);
    let err = ioctl(&dev, IOC_DECOMPRESS, &mut a as *mut _ as u64);
    if err != 0 {
        return Err(format!(
            "the normal call failed: {}",
            device::errno_name(err)
        ));
    }
    let len = a.dst_len as usize;
    let reference = dst[..len].to_vec();
    let got = sha256(&reference)?;
    if got != o.sha {
        return Err(format!(
            "the normal call's output has SHA-256 {got}, want {}",
            o.sha
        ));
    }

    let case = format!(
        "{}{}",
        case_name(&o.file),
        if o.exact { "-exact" } else { "" }
    );
    let mut s = Sweep::new(
        "DECOMPRESS",
        &case,
        &[
            "counted_in_stats",
            "nothing_partial",
            "next_call_correct",
            "every_allocation_failing_gives_enomem",
        ],
    );
    let mut args = fresh(&mut dst);
    let sent = RefCell::new(Vec::new());
    let before = Cell::new(Stats::default());
    let argp = &mut args as *mut DecompressArgs as u64;
    // Whether `dst` and the struct hold a correct result of a normal call.
    let correct = |dst: &[u8], a: &DecompressArgs| -> Result<(), String> {
        if a.dst_len as usize != len {
            return Err(format!("dst_len {} (want {len})", a.dst_len));
        }
        if dst[..len] != reference[..] || dst[len..].iter().any(|&b| b != FILL) {
            return Err("wrong output bytes (SHA-256 differs from the host's)".into());
        }
        Ok(())
    };
    let dstp = dst.as_mut_ptr();
    let dstn = dst.len();
    let mut prep = || {
        // SAFETY: `dst` outlives the sweep; nothing else borrows it now.
        unsafe { std::slice::from_raw_parts_mut(dstp, dstn) }.fill(FILL);
        // SAFETY: `args` is not borrowed elsewhere between calls.
        let a = unsafe { &mut *(argp as *mut DecompressArgs) };
        a.dst_len = SENTINEL;
        *sent.borrow_mut() = bytes_of(a);
        before.set(dev.stats().map_err(|e| format!("STATS: {e}"))?);
        Ok(())
    };
    let mut call = || ioctl(&dev, IOC_DECOMPRESS, argp);
    let mut after = |step: &Step, s: &mut Sweep| {
        // SAFETY: as in `prep`; the call has returned.
        let (d, a) = unsafe {
            (
                std::slice::from_raw_parts_mut(dstp, dstn),
                &mut *(argp as *mut DecompressArgs),
            )
        };
        let after = dev.stats().map_err(|e| format!("STATS: {e}"))?;
        s.check(
            "counted_in_stats",
            check_counted(
                &before.get(),
                &after,
                step.err,
                src.len() as u64,
                len as u64,
            )
            .map_err(|e| format!("n={}: {e}", step.n)),
        );
        if step.err == 0 {
            let res =
                correct(d, a).map_err(|e| format!("n={}: the call succeeded with {e}", step.n));
            s.check("next_call_correct", res);
            return Ok(());
        }
        if bytes_of(a) != *sent.borrow() {
            s.fail(
                "nothing_partial",
                format!(
                    "n={}: {} but the struct was written",
                    step.n,
                    device::errno_name(step.err)
                ),
            );
        }
        if d.iter().any(|&b| b != FILL) {
            // Documented: an EFAULT may come after the whole output was
            // copied, when writing the struct back fails.
            if step.err == libc::EFAULT
                && d[..len] == reference[..]
                && d[len..].iter().all(|&b| b == FILL)
            {
                s.note("efault_after_output");
            } else {
                s.fail(
                    "nothing_partial",
                    format!(
                        "n={}: {} with part of dst written",
                        step.n,
                        device::errno_name(step.err)
                    ),
                );
            }
        }
        // The next normal call.
        d.fill(FILL);
        a.dst_len = SENTINEL;
        let err = ioctl(&dev, IOC_DECOMPRESS, argp);
        let res = if err != 0 {
            Err(format!(
                "n={}: the next call failed: {}",
                step.n,
                device::errno_name(err)
            ))
        } else {
            correct(d, a).map_err(|e| format!("n={}: the next call gave {e}", step.n))
        };
        s.check("next_call_correct", res);
        Ok(())
    };
    s.run(
        &fail,
        &[libc::ENOMEM, libc::EFAULT],
        &mut prep,
        &mut call,
        &mut after,
    );
    if !o.no_all_fail {
        s.run_all_fail(&mut prep, &mut call, &mut after);
    }
    Ok(s.report())
}

/// `rlz4 faults bench`: BENCH (one iteration) with every fault site failed
/// in turn.  After each failure: ENOMEM or EFAULT, counted, the struct
/// unchanged, and a normal BENCH then succeeds with the right length.
fn bench(args: &[String]) -> Result<bool, String> {
    let o = parse(args)?;
    let src = std::fs::read(&o.file).map_err(|e| format!("{}: {e}", o.file))?;
    let (fail, dev) = open_all()?;
    let len = dev
        .bench(&src, o.max, 1)
        .map_err(|e| format!("the normal call failed: {e}"))?
        .len;
    let mut args = BenchArgs {
        argsz: std::mem::size_of::<BenchArgs>() as u32,
        iterations: 1,
        src: src.as_ptr() as u64,
        src_len: src.len() as u64,
        dst_cap: o.max as u64,
        ..Default::default()
    };
    let argp = &mut args as *mut BenchArgs as u64;
    let sent = RefCell::new(Vec::new());
    let before = Cell::new(Stats::default());
    // BENCH counts the untimed round too: two decodes.
    let (bin, bout) = (2 * src.len() as u64, 2 * len as u64);
    let mut s = Sweep::new(
        "BENCH",
        &case_name(&o.file),
        &[
            "counted_in_stats",
            "nothing_partial",
            "next_call_correct",
            "every_allocation_failing_gives_enomem",
        ],
    );
    let reset = |argp: u64| {
        // SAFETY: `args` is live and not otherwise borrowed between calls.
        let a = unsafe { &mut *(argp as *mut BenchArgs) };
        (a.dst_len, a.rust_ns, a.c_ns) = (SENTINEL, SENTINEL, SENTINEL);
    };
    let mut prep = || {
        reset(argp);
        // SAFETY: as in `reset`.
        *sent.borrow_mut() = bytes_of(unsafe { &*(argp as *const BenchArgs) });
        before.set(dev.stats().map_err(|e| format!("STATS: {e}"))?);
        Ok(())
    };
    let mut call = || ioctl(&dev, IOC_BENCH, argp);
    let mut after = |step: &Step, s: &mut Sweep| {
        let after = dev.stats().map_err(|e| format!("STATS: {e}"))?;
        s.check(
            "counted_in_stats",
            check_counted(&before.get(), &after, step.err, bin, bout)
                .map_err(|e| format!("n={}: {e}", step.n)),
        );
        // SAFETY: as in `reset`; the call has returned.
        let a = unsafe { &*(argp as *const BenchArgs) };
        if step.err == 0 {
            if a.dst_len as usize != len {
                s.fail(
                    "next_call_correct",
                    format!("n={}: dst_len {} (want {len})", step.n, a.dst_len),
                );
            }
            return Ok(());
        }
        if bytes_of(a) != *sent.borrow() {
            s.fail(
                "nothing_partial",
                format!(
                    "n={}: {} but the struct was written",
                    step.n,
                    device::errno_name(step.err)
                ),
            );
        }
        reset(argp);
        let err = ioctl(&dev, IOC_BENCH, argp);
        // SAFETY: as above.
        let a = unsafe { &*(argp as *const BenchArgs) };
        if err != 0 || a.dst_len as usize != len {
            s.fail(
                "next_call_correct",
                format!(
                    "n={}: the next call gave {} with dst_len {}",
                    step.n,
                    device::errno_name(err),
                    a.dst_len
                ),
            );
        }
        Ok(())
    };
    s.run(
        &fail,
        &[libc::ENOMEM, libc::EFAULT],
        &mut prep,
        &mut call,
        &mut after,
    );
    if !o.no_all_fail {
        s.run_all_fail(&mut prep, &mut call, &mut after);
    }
    Ok(s.report())
}

/// `rlz4 faults stats`: STATS with every fault site failed in turn.  STATS
/// only copies (EFAULT); it changes no counter, failed or not, and a failed
/// one writes nothing back.
fn stats(_args: &[String]) -> Result<bool, String> {
    let (fail, dev) = open_all()?;
    // Every field the filler, but the two the kernel checks.
    let mut blank = Stats::default();
    // SAFETY: `Stats` is plain old data, integers only: any bytes are a
    // valid value.
    unsafe {
        std::ptr::write_bytes(
            (&mut blank as *mut Stats).cast::<u8>(),
            FILL,
            std::mem::size_of::<Stats>(),
        )
    };
    blank.argsz = std::mem::size_of::<Stats>() as u32;
    blank.reserved = 0;
    let mut args = blank;
    let argp = &mut args as *mut Stats as u64;
    let before = Cell::new(Stats::default());
    let mut s = Sweep::new(
        "STATS",
        "counters",
        &["not_counted", "nothing_partial", "next_call_correct"],
    );
    s.run(
        &fail,
        &[libc::EFAULT],
        &mut || {
            // SAFETY: `args` is live and not otherwise borrowed between calls.
            unsafe { *(argp as *mut Stats) = blank };
            before.set(dev.stats().map_err(|e| format!("STATS: {e}"))?);
            Ok(())
        },
        &mut || ioctl(&dev, IOC_STATS, argp),
        &mut |step, s| {
            let before = before.get();
            let after = dev.stats().map_err(|e| format!("STATS: {e}"))?;
            if after != before {
                s.fail(
                    "not_counted",
                    format!(
                        "n={}: the counters changed: {before:?} -> {after:?}",
                        step.n
                    ),
                );
            }
            // SAFETY: as in `prep`; the call has returned.
            let a = unsafe { &*(argp as *const Stats) };
            if step.err == 0 {
                if *a != before {
                    s.fail(
                        "next_call_correct",
                        format!("n={}: STATS returned {a:?}, want {before:?}", step.n),
                    );
                }
            } else if *a != blank {
                s.fail(
                    "nothing_partial",
                    format!(
                        "n={}: {} but the struct was written",
                        step.n,
                        device::errno_name(step.err)
                    ),
                );
            }
            Ok(())
        },
    );
    Ok(s.report())
}

/// `rlz4 faults crypto --max-output N FILE`: one decompress of the raw
/// block FILE through the crypto API's `lz4-rust` (a transform allocated,
/// a request made and freed), by a write to `<debugfs>/rust_lz4/
/// crypto_decompress`, with every fault site failed in turn.  Each failure
/// must return `ENOMEM` or `EFAULT` and the next write must succeed.
fn crypto(args: &[String]) -> Result<bool, String> {
    let o = parse(args)?;
    let mut req = format!("lz4-rust {}\n", o.max).into_bytes();
    req.extend(std::fs::read(&o.file).map_err(|e| format!("{}: {e}", o.file))?);
    lock_memory()?;
    let fail = FailNth::open().map_err(|e| format!("/proc/thread-self/fail-nth: {e}"))?;
    let path = format!("{DEBUGFS}/rust_lz4/crypto_decompress");
    let file = OpenOptions::new()
        .write(true)
        .open(&path)
        .map_err(|e| format!("{path}: {e}"))?;
    let write = || -> i32 {
        // SAFETY: `req` is valid for its length.
        let r = unsafe { libc::pwrite(file.as_raw_fd(), req.as_ptr().cast(), req.len(), 0) };
        if r == req.len() as isize {
            0
        } else if r < 0 {
            io::Error::last_os_error().raw_os_error().unwrap_or(-1)
        } else {
            -1
        }
    };
    let err = write();
    if err != 0 {
        return Err(format!(
            "the normal request failed: {}",
            device::errno_name(err)
        ));
    }
    let mut s = Sweep::new("CRYPTO", &case_name(&o.file), &["next_call_correct"]);
    let mut call = write;
    s.run(
        &fail,
        &[libc::ENOMEM, libc::EFAULT],
        &mut || Ok(()),
        &mut call,
        &mut |step, s| {
            if step.err != 0 {
                let e = write();
                if e != 0 {
                    s.fail(
                        "next_call_correct",
                        format!(
                            "n={}: the next request failed: {}",
                            step.n,
                            device::errno_name(e)
                        ),
                    );
                }
            }
            Ok(())
        },
    );
    Ok(s.report())
}

/// What a failed or undone load may not leave behind.
fn leftovers() -> Vec<String> {
    let mut left = Vec::new();
    for p in [
        "/proc/rust_lz4".to_string(),
        "/dev/rust_lz4".to_string(),
        format!("/sys/module/{MODULE}"),
        format!("{DEBUGFS}/rust_lz4"),
    ] {
        if Path::new(&p).exists() || std::fs::symlink_metadata(&p).is_ok() {
            left.push(p);
        }
    }
    if let Ok(m) = std::fs::read_to_string("/proc/modules") {
        if m.lines()
            .any(|l| l.split_whitespace().next() == Some(MODULE))
        {
            left.push("/proc/modules entry".into());
        }
    }
    // Crypto algorithms the module registers name it as their module.
    if let Ok(c) = std::fs::read_to_string("/proc/crypto") {
        if c.lines()
            .any(|l| l.starts_with("module") && l.split(':').nth(1).map(str::trim) == Some(MODULE))
        {
            left.push("/proc/crypto algorithm".into());
        }
    }
    left
}

fn init_module(image: &[u8], params: &CString) -> i32 {
    // SAFETY: `image` and `params` are live for the call.
    let r = unsafe {
        libc::syscall(
            libc::SYS_init_module,
            image.as_ptr(),
            image.len(),
            params.as_ptr(),
        )
    };
    if r == 0 {
        0
    } else {
        io::Error::last_os_error().raw_os_error().unwrap_or(-1)
    }
}

fn delete_module(name: &CString) -> i32 {
    // Loading registers lz4-rust with the crypto API, whose self-test holds
    // a module reference for a moment after the load returns: EAGAIN then,
    // as `rmmod` would get (tests/guest/lib.sh, `settle`).  Up to 5 s.
    for _ in 0..50 {
        // SAFETY: `name` is a live NUL-terminated string.
        let r = unsafe { libc::syscall(libc::SYS_delete_module, name.as_ptr(), libc::O_NONBLOCK) };
        if r == 0 {
            return 0;
        }
        let e = io::Error::last_os_error().raw_os_error().unwrap_or(-1);
        if e != libc::EAGAIN {
            return e;
        }
        std::thread::sleep(std::time::Duration::from_millis(100));
    }
    libc::EAGAIN
}

/// `rlz4 faults load KO [PARAM=VALUE...]`: `init_module()` with every fault
/// site failed in turn.  Each failed load must return ENOMEM or EFAULT and
/// leave nothing behind; a normal load and unload must then both succeed.
/// A load that survives its failure is unloaded, and must leave nothing
/// behind either.  `init_module()` rather than `finit_module()`: the
/// loader copies the image with `__GFP_NOWARN`, where `kernel_read_file()`'s
/// `vmalloc()` would print an allocation-failure backtrace that is the
/// loader's, not the module's.
fn load(args: &[String]) -> Result<bool, String> {
    let [ko, params @ ..] = args else {
        return Err("usage: rlz4 faults load KO [PARAM=VALUE...]".into());
    };
    let image = std::fs::read(ko).map_err(|e| format!("{ko}: {e}"))?;
    let params = CString::new(params.join(" ")).map_err(|e| e.to_string())?;
    let name = CString::new(MODULE).map_err(|e| e.to_string())?;
    lock_memory()?;
    let fail = FailNth::open().map_err(|e| format!("/proc/thread-self/fail-nth: {e}"))?;
    let left = leftovers();
    if !left.is_empty() {
        return Err(format!(
            "before the first load: present: {}",
            left.join(", ")
        ));
    }
    let mut s = Sweep::new(
        "LOAD",
        &case_name(ko),
        &["failure_leaves_nothing", "normal_load_unload_after"],
    );
    s.run(
        &fail,
        &[libc::ENOMEM, libc::EFAULT],
        &mut || Ok(()),
        &mut || init_module(&image, &params),
        &mut |step, s| {
            if step.err == 0 {
                // Loaded (with or without a failure absorbed): unload.
                let e = delete_module(&name);
                if e != 0 {
                    return Err(format!(
                        "unloading after a load that succeeded: {}",
                        device::errno_name(e)
                    ));
                }
                let left = leftovers();
                if !left.is_empty() {
                    s.fail(
                        "failure_leaves_nothing",
                        format!("n={}: after unloading: {}", step.n, left.join(", ")),
                    );
                    return Err("stopping: the module left entries behind".into());
                }
                return Ok(());
            }
            let left = leftovers();
            if !left.is_empty() {
                s.fail(
                    "failure_leaves_nothing",
                    format!(
                        "n={}: the load failed with {} and left {}",
                        step.n,
                        device::errno_name(step.err),
                        left.join(", ")
                    ),
                );
                // Loading again would trip over the leftovers.
                return Err("stopping: the failed load left entries behind".into());
            }
            let e = init_module(&image, &params);
            if e != 0 {
                s.fail(
                    "normal_load_unload_after",
                    format!(
                        "n={}: the next load failed: {}",
                        step.n,
                        device::errno_name(e)
                    ),
                );
                return Err("stopping".into());
            }
            let e = delete_module(&name);
            let left = leftovers();
            if e != 0 || !left.is_empty() {
                s.fail(
                    "normal_load_unload_after",
                    format!(
                        "n={}: unload gave {} and left [{}]",
                        step.n,
                        device::errno_name(e),
                        left.join(", ")
                    ),
                );
                return Err("stopping".into());
            }
            Ok(())
        },
    );
    Ok(s.report())
}

/// Entry point of `rlz4 faults`.
pub fn main(args: &[String]) -> ExitCode {
    let Some((cmd, mut rest)) = args.split_first() else {
        eprintln!("usage: rlz4 faults load|decompress|bench|stats|crypto [--reject SYMBOL] ...");
        return ExitCode::from(2);
    };
    // Held until the command is done.
    let mut _reject = None;
    if let [flag, more @ ..] = rest {
        if flag == "--reject" {
            let res = match more {
                [symbol, more @ ..] => Reject::new(symbol).map(|r| (r, more)),
                [] => Err("needs a SYMBOL".to_string()),
            };
            match res {
                Ok((r, more)) => {
                    _reject = Some(r);
                    rest = more;
                }
                Err(e) => {
                    println!("not ok faults_{cmd}: --reject: {e}");
                    return ExitCode::FAILURE;
                }
            }
        }
    }
    let r = match cmd.as_str() {
        "load" => load(rest),
        "decompress" => decompress(rest),
        "bench" => bench(rest),
        "stats" => stats(rest),
        "crypto" => crypto(rest),
        other => Err(format!("unknown faults command '{other}'")),
    };
    match r {
        Ok(true) => ExitCode::SUCCESS,
        Ok(false) => ExitCode::FAILURE,
        Err(e) => {
            println!("not ok faults_{cmd}: {e}");
            ExitCode::FAILURE
        }
    }
}

#[cfg(test)]
mod tests {
    use super::range_in;

    const KALLSYMS: &str = "\
ffffffff81623690 t crypto_scomp_init_tfm
ffffffff81623900 t cryptomgr_notify
ffffffff816238e0 t crypto_scomp_show
ffffffffc0001000 t rlz4_helper\t[rust_lz4]
ffffffff81624310 t cryptomgr_probe
ffffffff81700000 t twice
ffffffff81700100 t twice
";

    #[test]
    fn range_ends_at_the_next_symbol_in_address_order() {
        // Lines are not sorted: the end is the next higher address.
        assert_eq!(
            range_in(KALLSYMS, "crypto_scomp_init_tfm"),
            Ok((0xffffffff81623690, 0xffffffff816238e0))
        );
        assert_eq!(
            range_in(KALLSYMS, "cryptomgr_notify"),
            Ok((0xffffffff81623900, 0xffffffff81624310))
        );
    }

    #[test]
    fn range_refuses_what_it_cannot_place() {
        assert!(range_in(KALLSYMS, "no_such_fn")
            .unwrap_err()
            .contains("not in"));
        assert!(range_in(KALLSYMS, "twice")
            .unwrap_err()
            .contains("2 symbols"));
        // The last symbol has no end.
        assert!(range_in(KALLSYMS, "rlz4_helper").is_err());
        // kptr_restrict shows every address as 0.
        let hidden = "0000000000000000 t cryptomgr_notify\n0000000000000000 t x\n";
        assert!(range_in(hidden, "cryptomgr_notify")
            .unwrap_err()
            .contains("hides"));
    }
}
