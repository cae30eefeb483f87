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
//!   at load time and validated against the OpenZFS rules, reports the
//!   effective limits in `/proc/rust_lz4/arcstats`, in the `name type data`
//!   form of OpenZFS's `arcstats`, and recomputes them when total RAM changes
//!   (balloon, hotplug): the ARC half, [`arc`];
//! - decompresses LZ4 (raw blocks, the ZFS framing, LZ4 frames, legacy
//!   frames) with a decoder that is memory-safe on any input ([`lz4`]),
//!   yielding the CPU at bounded intervals and stopping on fatal signals,
//!   for kernel code ([`service::decompress`]) and, through
//!   `/dev/rust_lz4`, for userspace ([`service::device`]), and is the
//!   crypto API's `"lz4"` (driver `lz4-rust`), which zswap decompresses
//!   with in atomic context ([`service::crypto`],
//!   [`service::decompress_atomic`]): the decompression half, [`lz4`] and
//!   [`service`].
//!
//! The crate root owns what both halves share: [`glue`], the one seam to C
//! (every call into C is there, behind safe types; [`claim`] keeps its
//! singletons single), [`params`], the
//! hand-made read-only parameters, and the debugfs directory of their test
//! switches.  Neither half uses the other.
//!
//! See `Documentation/rust_lz4.rst`.

use kernel::{c_str, prelude::*};

pub mod arc;
mod claim;
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

/// The loaded module: its two halves, and what they share.  Fields drop in
/// order: the crypto algorithm, registered last, goes first; the ARC half
/// stops following RAM before the device goes away.
struct RustLz4 {
    _crypto: glue::ScompAlg,
    _arc: arc::Arc,
    _device: service::device::Device,
    _debugfs: glue::DebugfsDir,
}

impl kernel::Module for RustLz4 {
    fn init(_module: &'static ThisModule) -> Result<Self> {
        // Every parameter is checked before anything is registered.
        let limits = arc::load_limits()?;
        service::resched::configure()?;
        arc::announce(&limits);
        let arc = arc::Arc::start(limits)?;
        let device = match service::device::Device::register() {
            Ok(device) => device,
            Err(e) => {
                // The fault-injection suite's planted bug, in test builds
                // only (`Kbuild`): `/proc/rust_lz4` stays behind.
                #[cfg(rlz4_fault_plant)]
                arc.leak_proc_file();
                return Err(e);
            }
        };
        // The test switches of both halves (Documentation/testing.rst).
        let debugfs = glue::DebugfsDir::new(c_str!("rust_lz4"))?;
        debugfs.switch(
            c_str!("test_disable_yield"),
            service::resched::test_switch(),
        );
        debugfs.switch(c_str!("test_freeze_limits"), arc::test_switch());
        debugfs.switch(c_str!("crypto_test_yield"), service::crypto::test_switch());
        debugfs.write_file::<service::crypto::TestRequest>(c_str!("crypto_decompress"));
        // Last: from here on, any kernel user of the crypto API may call
        // into the module.
        let crypto = service::crypto::register()?;
        Ok(RustLz4 {
            _crypto: crypto,
            _arc: arc,
            _device: device,
            _debugfs: debugfs,
        })
    }
}
