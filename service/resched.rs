// SPDX-License-Identifier: GPL-2.0

//! The decoder's yield hook in the kernel: `cond_resched()`, fatal signals,
//! the measurements behind `STATS`, and the `yield_interval` parameter
//! (read-only, 0444, set at load).
//!
//! The decoder calls [`KernelYield::yield_now`] after at most
//! [`interval()`] bytes of progress.  Each call gives the CPU away if the
//! scheduler wants it (a no-op on preemptible kernels, the only way out on
//! `PREEMPT_NONE`) and stops the decode with `Interrupted` when the task has
//! a fatal signal pending.  The time between two yield points is measured
//! and the longest stretch is kept in the statistics.

use super::stats;
use crate::glue;
use crate::lz4::{Flow, Yield, DEFAULT_YIELD_INTERVAL, MIN_YIELD_INTERVAL};
use crate::params::{modinfo, u64_param};
use core::sync::atomic::{AtomicBool, AtomicUsize, Ordering};
use kernel::prelude::*;

/// Smallest `yield_interval`: below it, yielding would cost more than decoding.
const YIELD_INTERVAL_MIN: u64 = MIN_YIELD_INTERVAL as u64;
/// Largest `yield_interval`: 16 MiB, one maximal ZFS block.
const YIELD_INTERVAL_MAX: u64 = 16 << 20;

u64_param!(
    YIELD_INTERVAL,
    "yield_interval",
    DEFAULT_YIELD_INTERVAL as u64,
    "256 to 16777216"
);
modinfo!(PARMTYPE_YIELD, b"parmtype=yield_interval:ullong\0");
modinfo!(
    PARM_YIELD,
    b"parm=yield_interval:Bytes of decoder progress (input + output) between two cond_resched() points, read-only (default 65536; 256..=16777216)\0"
);

/// Bytes of progress between two yield points (`yield_interval` parameter).
static INTERVAL: AtomicUsize = AtomicUsize::new(DEFAULT_YIELD_INTERVAL);

/// Test-only switch, `<debugfs>/rust_lz4/test_disable_yield` (root, 0600):
/// when set, the decoder and BENCH never yield.  It exists so that the
/// soft-lockup test can show that the lockup comes back without yielding.
static TEST_DISABLE_YIELD: AtomicBool = AtomicBool::new(false);

/// Checks `yield_interval` and makes it the interval, once, at module load.
///
/// Logs one line naming the parameter, its value and the valid range and
/// returns `EINVAL` when it is out of range.
pub(crate) fn configure() -> Result {
    let v = YIELD_INTERVAL.get();
    if !(YIELD_INTERVAL_MIN..=YIELD_INTERVAL_MAX).contains(&v) {
        pr_err!(
            "{}={} rejected: out of range; valid range {}..={} bytes\n",
            YIELD_INTERVAL.name(),
            v,
            YIELD_INTERVAL_MIN,
            YIELD_INTERVAL_MAX
        );
        return Err(EINVAL);
    }
    // At most 16 MiB: exact in a `usize`.
    INTERVAL.store(v as usize, Ordering::Relaxed);
    Ok(())
}

/// The yield interval in bytes of progress.
pub(crate) fn interval() -> usize {
    INTERVAL.load(Ordering::Relaxed)
}

/// The flag behind the debugfs test switch.
pub(crate) fn test_switch() -> &'static AtomicBool {
    &TEST_DISABLE_YIELD
}

/// Whether yielding is on (it is, unless a test turned it off).
fn enabled() -> bool {
    !TEST_DISABLE_YIELD.load(Ordering::Relaxed)
}

/// Yield hook for one kernel call.
pub(crate) struct KernelYield {
    enabled: bool,
    /// Time of the previous yield point (or of the start), in ns.
    last: u64,
    yields: u64,
    max_gap: u64,
}

impl KernelYield {
    /// Starts measuring a call.
    pub(crate) fn new() -> Self {
        KernelYield {
            enabled: enabled(),
            last: now(),
            yields: 0,
            max_gap: 0,
        }
    }

    /// A yield point outside the decoder (e.g. between BENCH iterations):
    /// `Err(EINTR)` when the task must die.
    pub(crate) fn point(&mut self) -> kernel::error::Result {
        match self.yield_now() {
            Flow::Continue => Ok(()),
            Flow::Stop => Err(kernel::error::code::EINTR),
        }
    }

    /// Runs `f`, code that is not ours and cannot yield (the C reference
    /// decoder of BENCH), without counting its time: the stretch that was
    /// open goes on when `f` returns, shorter by the time `f` took.  With
    /// yielding off, the whole call is then one stretch of our own time.
    pub(crate) fn outside<R>(&mut self, f: impl FnOnce() -> R) -> R {
        let t = now();
        let r = f();
        self.last = self.last.saturating_add(now().saturating_sub(t));
        r
    }

    /// Ends the call: counts the last stretch and publishes the figures.
    pub(crate) fn finish(mut self) {
        self.gap();
        stats::record_yields(self.yields, self.max_gap);
    }

    /// Closes the stretch since the previous yield point.
    fn gap(&mut self) {
        let t = now();
        self.max_gap = self.max_gap.max(t.saturating_sub(self.last));
        self.last = t;
    }
}

impl Yield for KernelYield {
    fn interval(&self) -> usize {
        if self.enabled {
            interval()
        } else {
            usize::MAX
        }
    }

    fn yield_now(&mut self) -> Flow {
        if !self.enabled {
            return Flow::Continue;
        }
        self.gap();
        self.yields = self.yields.saturating_add(1);
        // The decoder only runs in process context (ioctl or an in-module
        // caller documented to sleep), where `cond_resched()` is allowed;
        // `DEBUG_ATOMIC_SLEEP` kernels check it.
        glue::cond_resched();
        // Time spent scheduled away is not part of a stretch.
        self.last = now();
        if glue::fatal_signal_pending() {
            Flow::Stop
        } else {
            Flow::Continue
        }
    }
}

/// Monotonic time in ns.
pub(crate) fn now() -> u64 {
    glue::now_ns()
}
