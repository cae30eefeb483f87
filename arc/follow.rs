// SPDX-License-Identifier: GPL-2.0

//! Effective ARC limits that follow total RAM.
//!
//! `zfs_arc_min` / `zfs_arc_max` are read-only and never change after load,
//! but the memory they were checked against does: a virtio balloon inflating
//! without `DEFLATE_ON_OOM` lowers `totalram_pages()` through
//! `adjust_managed_page_count()`, and memory hotplug raises or lowers it.
//! The effective `c_min` / `c_max` in `/proc/rust_lz4/arcstats` are therefore
//! recomputed for the current RAM with [`rules::clamp`]: a configured value
//! that no longer fits is ignored, and the automatic value applies, until
//! memory comes back.
//!
//! The balloon has no notifier, so a [`RamWatch`] (a delayed work item)
//! runs [`Refresh`] every [`PERIOD_MS`]; it compares total RAM with the value of
//! the previous call and does nothing else when it is unchanged.  A memory
//! hotplug notifier runs the same work at once on `MEM_ONLINE` /
//! `MEM_OFFLINE`, where the kernel has `CONFIG_MEMORY_HOTPLUG`.
//!
//! When a configured value stops (or starts again) to fit, one line is
//! logged for that change, naming the value and the RAM; at most one line
//! per parameter per [`LOG_INTERVAL_NS`], so a balloon that oscillates cannot
//! flood the log.  Changes in between are counted in the next line, which
//! always gives the current state: the log is never left saying the opposite
//! of `arcstats` for longer than that interval.

use super::rules::{self, Param};
use super::{arcstats, params};
use crate::glue::{self, RamCheck, RamWatch};
use core::sync::atomic::{AtomicBool, AtomicU64, Ordering::Relaxed};
use kernel::prelude::*;

/// How often total RAM is compared with its previous value.
pub(super) const PERIOD_MS: u32 = 1000;
/// Smallest time between two log lines about the same parameter.
pub(super) const LOG_INTERVAL_NS: u64 = 60_000_000_000;

/// Test-only switch, `<debugfs>/rust_lz4/test_freeze_limits` (root, 0600):
/// when set, the limits are not re-evaluated.  It exists so that the balloon
/// test can show that its "limits follow RAM" check fails without this code.
static TEST_FREEZE_LIMITS: AtomicBool = AtomicBool::new(false);

/// Total RAM seen by the previous evaluation.  Only the work item (and the
/// load, before the work starts) writes it.
static LAST_ALLMEM: AtomicU64 = AtomicU64::new(0);

/// Log state of one parameter.
struct Notice {
    /// The configured value does not fit the current RAM.
    ignored: AtomicBool,
    /// What the last line logged said (`ignored` at load: false).
    logged: AtomicBool,
    /// Time of the last line logged, in ns; 0 before the first.
    last_log_ns: AtomicU64,
    /// Changes of `ignored` since the last line logged.
    changes: AtomicU64,
}

impl Notice {
    const fn new() -> Self {
        Notice {
            ignored: AtomicBool::new(false),
            logged: AtomicBool::new(false),
            last_log_ns: AtomicU64::new(0),
            changes: AtomicU64::new(0),
        }
    }
}

/// One per parameter: [`Param::Min`], [`Param::Max`].
static NOTICES: [Notice; 2] = [Notice::new(), Notice::new()];

/// The flag behind the debugfs switch.
pub(super) fn test_switch() -> &'static AtomicBool {
    &TEST_FREEZE_LIMITS
}

/// The re-evaluation the [`RamWatch`] runs.
struct Refresh;

impl RamCheck for Refresh {
    fn check() {
        refresh();
    }
}

/// Re-evaluates the limits if total RAM changed, then logs what the log does
/// not say yet.  Called by the RAM watch only, never concurrently with
/// itself.
fn refresh() {
    if TEST_FREEZE_LIMITS.load(Relaxed) {
        return;
    }
    let allmem = glue::total_ram();
    let (min, max) = params::values();
    if allmem != LAST_ALLMEM.load(Relaxed) {
        LAST_ALLMEM.store(allmem, Relaxed);
        let c = rules::clamp(allmem, min, max);
        arcstats::publish(&c.limits);
        for (param, ignored) in [(Param::Min, c.min_ignored), (Param::Max, c.max_ignored)] {
            let n = &NOTICES[param as usize];
            if n.ignored.swap(ignored, Relaxed) != ignored {
                n.changes.fetch_add(1, Relaxed);
            }
        }
    }
    report(Param::Min, min);
    report(Param::Max, max);
}

/// Logs whether `param`'s configured `value` fits, if the last line logged
/// says otherwise and the last line is old enough.  So a line is logged per
/// change, at most one per [`LOG_INTERVAL_NS`], and the log catches up with
/// the state at most that long after the last change.
fn report(param: Param, value: u64) {
    let n = &NOTICES[param as usize];
    let ignored = n.ignored.load(Relaxed);
    let logged = n.logged.load(Relaxed);
    if logged == ignored {
        return;
    }
    let now = glue::now_ns();
    let last = match n.last_log_ns.load(Relaxed) {
        0 => None,
        t => Some(t),
    };
    if !rules::log_due(logged, ignored, last, now, LOG_INTERVAL_NS) {
        return;
    }
    n.last_log_ns.store(now.max(1), Relaxed);
    n.logged.store(ignored, Relaxed);
    // The changes this line does not describe one by one.
    let held = n.changes.swap(0, Relaxed).saturating_sub(1);
    let l = arcstats::current();
    let (limit, effective) = match param {
        Param::Min => ("c_min", l.c_min),
        Param::Max => ("c_max", l.c_max),
    };
    if ignored {
        pr_warn!(
            "{}={} does not fit total RAM {} bytes; automatic {}={} until RAM returns ({} earlier changes not logged)\n",
            param.name(),
            value,
            l.allmem,
            limit,
            effective,
            held
        );
    } else {
        pr_info!(
            "{}={} fits total RAM {} bytes again; {}={} ({} earlier changes not logged)\n",
            param.name(),
            value,
            l.allmem,
            limit,
            effective,
            held
        );
    }
}

/// The running re-evaluation; stopped on drop.
pub(super) struct Follow {
    _watch: RamWatch,
}

impl Follow {
    /// Starts re-evaluating the limits; `allmem` is the RAM they were
    /// computed for at load.  `EBUSY` while another `Follow` runs.
    pub(super) fn start(allmem: u64) -> Result<Self> {
        LAST_ALLMEM.store(allmem, Relaxed);
        for n in &NOTICES {
            n.ignored.store(false, Relaxed);
            n.logged.store(false, Relaxed);
            n.last_log_ns.store(0, Relaxed);
            n.changes.store(0, Relaxed);
        }
        Ok(Follow {
            _watch: RamWatch::start::<Refresh>(PERIOD_MS)?,
        })
    }
}
