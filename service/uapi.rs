// SPDX-License-Identifier: GPL-2.0

//! Rust mirror of `include/uapi/linux/rust_lz4.h`.
//!
//! Field for field the C structs; the sizes are checked at compile time.
//! Every struct is plain old data: all-zeroes is a valid value and any bit
//! pattern is, which is what copying it from userspace requires.

/// `RUST_LZ4_IOC_MAGIC`.
const MAGIC: u32 = 0xBB;

/// `_IO(RUST_LZ4_IOC_MAGIC, nr)`: direction and size bits are zero.
const fn io(nr: u32) -> u32 {
    (MAGIC << 8) | nr
}

/// `RUST_LZ4_IOC_DECOMPRESS`.
pub(super) const IOC_DECOMPRESS: u32 = io(0x01);
/// `RUST_LZ4_IOC_BENCH`.
pub(super) const IOC_BENCH: u32 = io(0x02);
/// `RUST_LZ4_IOC_STATS`.
pub(super) const IOC_STATS: u32 = io(0x03);

/// `RUST_LZ4_ZFS_EXACT`.
pub(super) const ZFS_EXACT: u32 = 1 << 0;
/// `RUST_LZ4_MAX_DST`.
pub(super) const MAX_DST: u64 = 16 << 20;
/// `RUST_LZ4_MAX_SRC`.
pub(super) const MAX_SRC: u64 = (16 << 20) + (128 << 10);
/// Largest `argsz` accepted.
pub(super) const MAX_ARGSZ: u32 = 4096;
/// Most BENCH iterations.
pub(super) const MAX_ITERATIONS: u32 = 1_000_000;

/// A struct of the ABI: starts with `argsz`, plain old data.
///
/// # Safety
///
/// Implementors must be `#[repr(C)]`, contain only integers, and have `argsz`
/// (`u32`) as their first field.
pub(super) unsafe trait Abi: Default {
    /// The caller's `argsz`.
    fn argsz(&self) -> u32;
}

/// `struct rust_lz4_decompress`.
#[repr(C)]
#[derive(Default)]
pub(super) struct Decompress {
    pub(super) argsz: u32,
    pub(super) format: u32,
    pub(super) flags: u32,
    pub(super) reserved: u32,
    pub(super) src: u64,
    pub(super) src_len: u64,
    pub(super) dst: u64,
    pub(super) dst_cap: u64,
    pub(super) dst_len: u64,
}

/// `struct rust_lz4_bench`.
#[repr(C)]
#[derive(Default)]
pub(super) struct Bench {
    pub(super) argsz: u32,
    pub(super) iterations: u32,
    pub(super) src: u64,
    pub(super) src_len: u64,
    pub(super) dst_cap: u64,
    pub(super) dst_len: u64,
    pub(super) rust_ns: u64,
    pub(super) c_ns: u64,
}

/// `struct rust_lz4_stats`.
#[repr(C)]
#[derive(Default)]
pub(crate) struct Stats {
    pub(super) argsz: u32,
    pub(super) reserved: u32,
    pub(crate) calls: u64,
    pub(crate) bytes_in: u64,
    pub(crate) bytes_out: u64,
    pub(crate) err_corrupt: u64,
    pub(crate) err_nospace: u64,
    pub(crate) err_unsupported: u64,
    pub(crate) err_invalid: u64,
    pub(crate) err_fault: u64,
    pub(crate) err_toobig: u64,
    pub(crate) err_nomem: u64,
    pub(crate) interrupted: u64,
    pub(crate) err_other: u64,
    pub(crate) yields: u64,
    pub(crate) max_yield_gap_ns: u64,
}

/// Implements [`Abi`] for structs of this file.
macro_rules! abi {
    ($($t:ty),*) => {
        $(
            // SAFETY: `#[repr(C)]`, integers only, `argsz: u32` first.
            unsafe impl Abi for $t {
                fn argsz(&self) -> u32 {
                    self.argsz
                }
            }
        )*
    };
}

abi!(Decompress, Bench, Stats);

// The layout of the C header, on every architecture.
const _: () = assert!(core::mem::size_of::<Decompress>() == 56);
const _: () = assert!(core::mem::size_of::<Bench>() == 56);
const _: () = assert!(core::mem::size_of::<Stats>() == 120);
