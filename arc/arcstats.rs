// SPDX-License-Identifier: GPL-2.0

//! `/proc/rust_lz4/arcstats`: the effective ARC limits, read-only.
//!
//! The file has the `name type data` layout of OpenZFS's
//! `/proc/spl/kstat/zfs/arcstats`, so the usual `awk '$1 == "c_max"'`
//! one-liners work on it.  Type 4 is `KSTAT_DATA_UINT64`.  The values follow
//! total RAM: [`super::follow`] publishes new ones when it changes.
//!
//! ```text
//! name                            type data
//! c_min                           4    33554432
//! c_max                           4    335544320
//! memory_all_bytes                4    536866816
//! ```

use super::rules::ArcLimits;
use crate::glue::{ProcEntry, ProcShow, SeqOut};
use core::fmt::Write;
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
pub(super) fn publish(limits: &ArcLimits) {
    SEQ.fetch_add(1, Ordering::Relaxed);
    fence(Ordering::Release);
    C_MIN.store(limits.c_min, Ordering::Relaxed);
    C_MAX.store(limits.c_max, Ordering::Relaxed);
    ALLMEM.store(limits.allmem, Ordering::Relaxed);
    SEQ.fetch_add(1, Ordering::Release);
}

/// The published limits, one consistent set.
pub(super) fn current() -> ArcLimits {
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

/// What the file shows.
struct Show;

impl ProcShow for Show {
    fn show(out: &mut SeqOut<'_>) {
        let l = current();
        let rows = [
            ("c_min", l.c_min),
            ("c_max", l.c_max),
            ("memory_all_bytes", l.allmem),
        ];
        let _ = out.write_str("name                            type data\n");
        for (name, value) in rows {
            let _ = writeln!(out, "{:<31} {:<4} {}", name, KSTAT_DATA_UINT64, value);
        }
    }
}

/// `/proc/rust_lz4` and its `arcstats` file; removed on drop.
pub(super) struct ProcFile {
    _entry: ProcEntry,
}

impl ProcFile {
    /// Publishes `limits` and creates `/proc/rust_lz4/arcstats` (0444).
    pub(super) fn new(limits: ArcLimits) -> Result<Self> {
        publish(&limits);
        Ok(ProcFile {
            _entry: ProcEntry::new::<Show>(c_str!("rust_lz4"), c_str!("arcstats"))?,
        })
    }
}
