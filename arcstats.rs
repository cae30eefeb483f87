// SPDX-License-Identifier: GPL-2.0

//! `/proc/rust_lz4/arcstats`: the effective ARC limits, read-only.
//!
//! The file has the `name type data` layout of OpenZFS's
//! `/proc/spl/kstat/zfs/arcstats`, so the usual `awk '$1 == "c_max"'`
//! one-liners work on it.  Type 4 is `KSTAT_DATA_UINT64`.  The values follow
//! total RAM: `follow.rs` publishes new ones when it changes.
//!
//! ```text
//! name                            type data
//! c_min                           4    33554432
//! c_max                           4    335544320
//! memory_all_bytes                4    536866816
//! ```

use crate::arc::ArcLimits;
use crate::glue::{self, ProcDirEntry, SeqFile};
use core::ffi::{c_int, c_void};
use core::fmt::{self, Write};
use core::sync::atomic::{fence, AtomicU64, Ordering};
use kernel::{c_str, prelude::*};

/// Sequence count of the three values below: odd while [`publish`] writes
/// them, so that a reader never shows a `c_max` from one memory size next to
/// the `memory_all_bytes` of another.  Writers are serialised (the load, then
/// the one re-evaluation work item, see `follow.rs`).
static SEQ: AtomicU64 = AtomicU64::new(0);
/// Effective `c_min` shown in the file.
static C_MIN: AtomicU64 = AtomicU64::new(0);
/// Effective `c_max` shown in the file.
static C_MAX: AtomicU64 = AtomicU64::new(0);
/// Memory the limits were computed for.
static ALLMEM: AtomicU64 = AtomicU64::new(0);

/// `KSTAT_DATA_UINT64`.
const KSTAT_DATA_UINT64: u32 = 4;

/// Makes `limits` the values the file shows.  Callers are serialised.
pub(crate) fn publish(limits: &ArcLimits) {
    SEQ.fetch_add(1, Ordering::Relaxed);
    fence(Ordering::Release);
    C_MIN.store(limits.c_min, Ordering::Relaxed);
    C_MAX.store(limits.c_max, Ordering::Relaxed);
    ALLMEM.store(limits.allmem, Ordering::Relaxed);
    SEQ.fetch_add(1, Ordering::Release);
}

/// The published limits, one consistent set.
pub(crate) fn current() -> ArcLimits {
    loop {
        let s1 = SEQ.load(Ordering::Acquire);
        if s1 & 1 == 0 {
            let l = ArcLimits {
                c_min: C_MIN.load(Ordering::Relaxed),
                c_max: C_MAX.load(Ordering::Relaxed),
                allmem: ALLMEM.load(Ordering::Relaxed),
            };
            fence(Ordering::Acquire);
            if SEQ.load(Ordering::Relaxed) == s1 {
                return l;
            }
        }
        core::hint::spin_loop();
    }
}

/// `fmt::Write` into a `seq_file`.
struct Seq(*mut SeqFile);

impl Write for Seq {
    fn write_str(&mut self, s: &str) -> fmt::Result {
        // SAFETY: `self.0` is the live `seq_file` handed to `show`, `s` is
        // valid for `s.len()` bytes.  On overflow `seq_write()` marks the
        // seq_file so that the core retries with a larger buffer.
        unsafe { glue::rust_lz4_seq_write(self.0, s.as_ptr().cast(), s.len()) };
        Ok(())
    }
}

/// `show` callback of the proc file.
///
/// # Safety
///
/// Called by the seq_file core with a valid `seq_file`.
unsafe extern "C" fn show(m: *mut SeqFile, _v: *mut c_void) -> c_int {
    let mut seq = Seq(m);
    let l = current();
    let rows = [
        ("c_min", l.c_min),
        ("c_max", l.c_max),
        ("memory_all_bytes", l.allmem),
    ];
    let _ = seq.write_str("name                            type data\n");
    for (name, value) in rows {
        let _ = writeln!(seq, "{:<31} {:<4} {}", name, KSTAT_DATA_UINT64, value);
    }
    0
}

/// `/proc/rust_lz4` and its `arcstats` file; removed on drop.
pub(crate) struct ProcFile {
    dir: *mut ProcDirEntry,
}

// SAFETY: the pointer is only handed back to `proc_remove()`, which may be
// called from any thread.
unsafe impl Send for ProcFile {}
// SAFETY: `ProcFile` has no methods that use the pointer through `&self`.
unsafe impl Sync for ProcFile {}

impl ProcFile {
    /// Publishes `limits` and creates `/proc/rust_lz4/arcstats` (0444).
    pub(crate) fn new(limits: ArcLimits) -> Result<Self> {
        publish(&limits);
        // SAFETY: the names are NUL-terminated literals; `show` stays valid
        // until `drop` removes the entry, and removal waits for readers.
        let dir = unsafe {
            glue::rust_lz4_proc_create(
                c_str!("rust_lz4").as_char_ptr().cast(),
                c_str!("arcstats").as_char_ptr().cast(),
                show,
            )
        };
        if dir.is_null() {
            return Err(ENOMEM);
        }
        Ok(ProcFile { dir })
    }
}

impl Drop for ProcFile {
    fn drop(&mut self) {
        // SAFETY: `dir` came from `rust_lz4_proc_create()` and is removed
        // only here.
        unsafe { glue::rust_lz4_proc_remove(self.dir) };
    }
}
