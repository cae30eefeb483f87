// SPDX-License-Identifier: GPL-2.0

//! `zfs_arc_min` and `zfs_arc_max`: read-only (0444), set at load only.
//!
//! This is the remedy proposed after the incident that motivated this
//! module: ARC limits tuned by hand on a live host whose memory was being
//! ballooned away.  The parameters are made by [`crate::params`]; the ARC
//! rules that relate the two values and the machine's memory are checked in
//! [`effective_limits`].

use super::rules::{self, ArcLimits};
use crate::glue;
use crate::params::{modinfo, u64_param};
use kernel::prelude::*;

u64_param!(
    ZFS_ARC_MIN,
    "zfs_arc_min",
    0,
    "0 (automatic) or 33554432 (32 MiB) up to zfs_arc_max"
);
u64_param!(
    ZFS_ARC_MAX,
    "zfs_arc_max",
    0,
    "0 (automatic) or 67108864 (64 MiB) up to total RAM, exclusive"
);

modinfo!(PARMTYPE_MIN, b"parmtype=zfs_arc_min:ullong\0");
modinfo!(
    PARM_MIN,
    b"parm=zfs_arc_min:Minimum ARC size in bytes, read-only, set at load (0 = max(RAM/32, 32 MiB); else 32 MiB..=c_max)\0"
);
modinfo!(PARMTYPE_MAX, b"parmtype=zfs_arc_max:ullong\0");
modinfo!(
    PARM_MAX,
    b"parm=zfs_arc_max:Maximum ARC size in bytes, read-only, set at load (0 = max(5/8 RAM, RAM - 1 GiB); else 64 MiB..RAM)\0"
);

/// The values given at load time, `(zfs_arc_min, zfs_arc_max)`; 0 is
/// automatic.
pub(super) fn values() -> (u64, u64) {
    (ZFS_ARC_MIN.get(), ZFS_ARC_MAX.get())
}

/// Validates the parameters against the OpenZFS rules for the current RAM.
///
/// Logs one line naming the parameter, its value and the valid range and
/// returns `EINVAL` when they are refused.
pub(super) fn effective_limits() -> Result<ArcLimits> {
    let (min, max) = values();
    rules::limits(glue::total_ram(), min, max).map_err(|e| {
        // `format_args!` formats with `core::fmt::Display`, which the kernel's
        // printing macros accept on every supported kernel.
        pr_err!("{}\n", format_args!("{}", e));
        EINVAL
    })
}
