// SPDX-License-Identifier: GPL-2.0

//! The ARC half of the module: OpenZFS's ARC limits, read-only.
//!
//! - [`rules`]: how OpenZFS derives `c_min` / `c_max` from the parameters
//!   and RAM (`core` only, tested on the host);
//! - [`params`]: `zfs_arc_min` / `zfs_arc_max`, registered 0444;
//! - [`arcstats`]: `/proc/rust_lz4/arcstats`, the effective limits;
//! - [`follow`]: the limits recomputed when total RAM changes.
//!
//! It shares nothing with the decompression half but what the crate root
//! owns (the C seam, the parameter machinery, the debugfs directory).
//!
//! It has no `unsafe` code, and the compiler holds it to that.

#![deny(unsafe_code)]

mod arcstats;
mod follow;
mod params;
pub mod rules;

use core::sync::atomic::AtomicBool;
use kernel::prelude::*;
use rules::ArcLimits;

/// Checks the parameters against the rules for the current RAM and logs the
/// outcome; `EINVAL`, with a line naming the parameter, when they are
/// refused.
pub(crate) fn load_limits() -> Result<ArcLimits> {
    params::effective_limits()
}

/// Logs the parameters and the limits they give.
pub(crate) fn announce(limits: &ArcLimits) {
    let (min, max) = params::values();
    pr_info!(
        "zfs_arc_min={} zfs_arc_max={}: c_min={} c_max={} (RAM {} bytes)\n",
        min,
        max,
        limits.c_min,
        limits.c_max,
        limits.allmem
    );
}

/// The test switch that freezes the limits (see [`follow`]).
pub(crate) fn test_switch() -> &'static AtomicBool {
    follow::test_switch()
}

/// The running ARC half: `/proc/rust_lz4/arcstats` and the limits following
/// RAM.  Fields drop in order: the re-evaluation stops before the file goes.
pub(crate) struct Arc {
    _follow: follow::Follow,
    _arcstats: arcstats::ProcFile,
}

impl Arc {
    /// Publishes `limits` (from [`load_limits`]) in `/proc/rust_lz4/arcstats`
    /// and starts following RAM.
    pub(crate) fn start(limits: ArcLimits) -> Result<Self> {
        let arcstats = arcstats::ProcFile::new(limits)?;
        Ok(Arc {
            _follow: follow::Follow::start(limits.allmem)?,
            _arcstats: arcstats,
        })
    }

    /// The fault-injection suite's planted bug, in test builds only
    /// (`Kbuild`'s `RLZ4_FAULT_PLANT`): stops following RAM but leaves
    /// `/proc/rust_lz4` registered, as a failed load that skipped one
    /// cleanup step would.
    #[cfg(rlz4_fault_plant)]
    pub(crate) fn leak_proc_file(self) {
        let Arc { _follow, _arcstats } = self;
        drop(_follow);
        core::mem::forget(_arcstats);
    }
}
