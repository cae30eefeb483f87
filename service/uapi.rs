// SPDX-License-Identifier: GPL-2.0

//! The ioctl ABI of `/dev/rust_lz4`, the Rust side of
//! `include/uapi/linux/rust_lz4.h`.
//!
//! This file uses only `core`: the module and the host tools
//! (`tools/rlz4`) both include it, so there is one Rust copy of the ABI.  The
//! build compiles the C header and checks every struct size, field offset
//! and ioctl number against this file (`scripts/abi-check.sh`).
//!
//! Every struct is `#[repr(C)]` of `u32` / `u64` fields without padding:
//! plain old data, all-zeroes and any bit pattern are valid values.

/// `RUST_LZ4_IOC_MAGIC`.
pub const MAGIC: u32 = 0xBB;

/// `_IO(RUST_LZ4_IOC_MAGIC, nr)`: direction and size bits are zero.
const fn io(nr: u32) -> u32 {
    (MAGIC << 8) | nr
}

/// `RUST_LZ4_IOC_DECOMPRESS`.
pub const IOC_DECOMPRESS: u32 = io(0x01);
/// `RUST_LZ4_IOC_BENCH`.
pub const IOC_BENCH: u32 = io(0x02);
/// `RUST_LZ4_IOC_STATS`.
pub const IOC_STATS: u32 = io(0x03);

/// `RUST_LZ4_FORMAT_BLOCK`: a raw LZ4 block.
pub const FORMAT_BLOCK: u32 = 0;
/// `RUST_LZ4_FORMAT_ZFS`: OpenZFS's big-endian `u32` length, then a block.
pub const FORMAT_ZFS: u32 = 1;
/// `RUST_LZ4_FORMAT_FRAME`: the LZ4 frame format.
pub const FORMAT_FRAME: u32 = 2;
/// `RUST_LZ4_FORMAT_LEGACY`: the legacy frame format.
pub const FORMAT_LEGACY: u32 = 3;

/// `RUST_LZ4_ZFS_EXACT`: the decoded size must equal `dst_cap`.
pub const ZFS_EXACT: u32 = 1 << 0;
/// `RUST_LZ4_MAX_DST`.
pub const MAX_DST: u64 = 16 << 20;
/// `RUST_LZ4_MAX_SRC`.
pub const MAX_SRC: u64 = (16 << 20) + (128 << 10);
/// Largest `argsz` accepted.
pub const MAX_ARGSZ: u32 = 4096;
/// Most BENCH iterations.
pub const MAX_ITERATIONS: u32 = 1_000_000;

/// `struct rust_lz4_decompress`.
#[repr(C)]
#[derive(Clone, Copy, Debug, Default)]
pub struct Decompress {
    /// Size of the struct the caller knows.
    pub argsz: u32,
    /// `FORMAT_*`.
    pub format: u32,
    /// [`ZFS_EXACT`] or 0.
    pub flags: u32,
    /// Must be 0.
    pub reserved: u32,
    /// User address of the input.
    pub src: u64,
    /// Input length.
    pub src_len: u64,
    /// User address of the output buffer.
    pub dst: u64,
    /// Its size.
    pub dst_cap: u64,
    /// Out: bytes decoded.
    pub dst_len: u64,
}

/// `struct rust_lz4_bench`.
#[repr(C)]
#[derive(Clone, Copy, Debug, Default)]
pub struct Bench {
    /// Size of the struct the caller knows.
    pub argsz: u32,
    /// 1 ..= [`MAX_ITERATIONS`].
    pub iterations: u32,
    /// User address of one raw block.
    pub src: u64,
    /// Its length.
    pub src_len: u64,
    /// Output capacity for both decoders.
    pub dst_cap: u64,
    /// Out: decoded length.
    pub dst_len: u64,
    /// Out: total time of the Rust decoder, ns.
    pub rust_ns: u64,
    /// Out: total time of `LZ4_decompress_safe()`, ns.
    pub c_ns: u64,
}

/// `struct rust_lz4_stats`: counters since the module was loaded.
#[repr(C)]
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct Stats {
    /// Size of the struct the caller knows.
    pub argsz: u32,
    /// Must be 0.
    pub reserved: u32,
    /// DECOMPRESS and BENCH requests.
    pub calls: u64,
    /// Compressed bytes decoded successfully.
    pub bytes_in: u64,
    /// Bytes produced by successful decodes.
    pub bytes_out: u64,
    /// `EBADMSG`.
    pub err_corrupt: u64,
    /// `ENOSPC`.
    pub err_nospace: u64,
    /// `EOPNOTSUPP`.
    pub err_unsupported: u64,
    /// `EINVAL`.
    pub err_invalid: u64,
    /// `EFAULT`.
    pub err_fault: u64,
    /// `E2BIG`.
    pub err_toobig: u64,
    /// `ENOMEM`.
    pub err_nomem: u64,
    /// `EINTR`.
    pub interrupted: u64,
    /// Anything else, e.g. `EIO` from a BENCH mismatch.
    pub err_other: u64,
    /// Calls of the yield hook.
    pub yields: u64,
    /// Longest stretch between two yield points, ns.
    pub max_yield_gap_ns: u64,
    /// Decompressions through the crypto API (driver `lz4-rust`).
    pub crypto_calls: u64,
    /// Their compressed bytes, successful ones.
    pub crypto_bytes_in: u64,
    /// Bytes they produced.
    pub crypto_bytes_out: u64,
    /// Those that failed (`-EINVAL` to the caller).
    pub crypto_errors: u64,
    /// Those called in atomic context.
    pub crypto_atomic: u64,
    /// Compressions through the crypto API.
    pub crypto_compress_calls: u64,
}

// The layout of the C header, on every architecture; the ABI check compares
// every offset as well.
const _: () = assert!(core::mem::size_of::<Decompress>() == 56);
const _: () = assert!(core::mem::size_of::<Bench>() == 56);
const _: () = assert!(core::mem::size_of::<Stats>() == 168);

/// `sizeof(struct rust_lz4_stats)` before the crypto counters were appended:
/// the smallest `argsz` STATS accepts.  Such a caller gets the fields it
/// knows and nothing is written past them.
pub const STATS_SIZE_VER0: u32 = 120;
