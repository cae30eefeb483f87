// SPDX-License-Identifier: GPL-2.0

//! rust_lz4: a memory-safe, bounded-time LZ4 decompressor for the kernel,
//! with read-only OpenZFS ARC limits.
//!
//! The module exists because of an incident: a VM host running OpenZFS had
//! CPUs stuck for over 20 seconds in ZFS's LZ4 decoder while its memory was
//! ballooned away, after `zfs_arc_min` / `zfs_arc_max` had been tuned by hand
//! at runtime.  This module
//!
//! - registers `zfs_arc_min` / `zfs_arc_max` read-only (0444), accepted only
//!   at load time and validated against the OpenZFS rules ([`params`], [`arc`]);
//! - reports the effective limits in `/proc/rust_lz4/arcstats`, in the
//!   `name type data` form of OpenZFS's `arcstats` ([`arcstats`]), and
//!   recomputes them when total RAM changes (balloon, hotplug) ([`follow`]);
//! - decompresses LZ4 (raw blocks, the ZFS framing, LZ4 frames, legacy
//!   frames) with a decoder that is memory-safe on any input ([`lz4`]),
//!   yielding the CPU at bounded intervals and stopping on fatal signals,
//!   for kernel code ([`service::decompress`]) and, through
//!   `/dev/rust_lz4`, for userspace ([`service::device`]).
//!
//! See `Documentation/rust_lz4.rst`.

use kernel::prelude::*;

pub mod arc;
mod arcstats;
mod follow;
mod glue;
pub mod lz4;
mod params;
pub mod service;

module! {
    type: RustLz4,
    name: "rust_lz4",
    description: "Memory-safe, bounded-time LZ4 decompressor with read-only ZFS ARC limits",
    license: "GPL",
}

/// The loaded module: owns `/dev/rust_lz4` and `/proc/rust_lz4`, and the
/// re-evaluation of the limits.  Fields drop in order: the re-evaluation
/// stops before the rest goes away.
struct RustLz4 {
    _follow: follow::Follow,
    _device: service::device::Device,
    _arcstats: arcstats::ProcFile,
}

impl kernel::Module for RustLz4 {
    fn init(_module: &'static ThisModule) -> Result<Self> {
        let limits = params::effective_limits()?;
        service::resched::set_interval(params::yield_interval()?);
        let (min, max) = params::values();
        pr_info!(
            "zfs_arc_min={} zfs_arc_max={}: c_min={} c_max={} (RAM {} bytes)\n",
            min,
            max,
            limits.c_min,
            limits.c_max,
            limits.allmem
        );
        let arcstats = arcstats::ProcFile::new(limits)?;
        let device = service::device::Device::register()?;
        Ok(RustLz4 {
            _follow: follow::Follow::start(limits.allmem)?,
            _device: device,
            _arcstats: arcstats,
        })
    }
}
