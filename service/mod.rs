// SPDX-License-Identifier: GPL-2.0

//! The in-kernel decompression service.
//!
//! [`decompress`] is the API for other kernel code: it runs the shared
//! decoder ([`crate::lz4`]) in process context, yielding the CPU with
//! `cond_resched()` at bounded intervals and stopping early with `EINTR` when
//! the calling task has a fatal signal pending.  [`device`] exposes the same
//! service to userspace as `/dev/rust_lz4`.
//!
//! [`decompress_atomic`] is the other entry point, for callers that cannot
//! sleep: one raw block, never yielding.  [`crypto`] serves it to the
//! kernel's crypto API as `"lz4"` (driver `lz4-rust`), which zswap uses.
//!
//! # Examples
//!
//! The service has no `unsafe` code, and the compiler holds it to that: the
//! C it needs is behind the safe types of [`crate::glue`].
//!
//! ```ignore
//! use crate::{lz4::Format, service};
//!
//! // A ZFS-framed record read from disk, decoded into its 128 KiB logical
//! // block; a fatal signal ends the wait with EINTR.
//! let len = service::decompress_zfs_exact(&record, &mut block)?;
//! assert_eq!(len, block.len());
//!
//! // An LZ4 frame (`lz4` CLI output) of unknown size, into a bounded buffer.
//! let len = service::decompress(Format::Frame, &frame, &mut buf)?;
//! ```

#![deny(unsafe_code)]

pub(crate) mod crypto;
pub(crate) mod device;
pub(crate) mod resched;
pub(crate) mod stats;
pub mod uapi;

use crate::lz4::{self, ErrorClass, Format};
use kernel::{bindings, prelude::*};
use resched::KernelYield;

/// Decompresses `src` in `format` into `dst`; returns the decoded length.
///
/// Must be called in process context where sleeping is allowed: it yields the
/// CPU (`cond_resched()`) every `yield_interval` bytes of progress (input
/// consumed plus output produced, 64 KiB by default) and checks for a fatal
/// signal at each yield.  Work is bounded by `src.len() + dst.len()`; nothing
/// is allocated.
///
/// # Errors
///
/// - `EBADMSG`: `src` is not valid `format` data (truncated, corrupt, bad
///   checksum, ...);
/// - `ENOSPC`: `dst` is too small for the decoded data;
/// - `EOPNOTSUPP`: a frame uses a feature the decoder does not support (a
///   dictionary);
/// - `EINVAL`: invalid arguments;
/// - `EINTR`: a fatal signal arrived; `dst` holds partial output.
pub fn decompress(format: Format, src: &[u8], dst: &mut [u8]) -> Result<usize> {
    run(|hook| lz4::decompress(format, src, dst, hook))
}

/// Decompresses a ZFS-framed block that must fill `dst` exactly, as OpenZFS
/// 2.3.9 and 2.4.x check: the decoded size must equal `dst.len()` (the
/// logical block size), else `EBADMSG`.  Otherwise as [`decompress`].
///
/// # Errors
///
/// As [`decompress`].
pub fn decompress_zfs_exact(src: &[u8], dst: &mut [u8]) -> Result<usize> {
    run(|hook| lz4::zfs::decompress(src, dst, true, hook))
}

/// Decompresses one raw LZ4 block `src` into `dst` in any context; returns
/// the decoded length.
///
/// The contract differs from [`decompress`]: this entry point may be called
/// in atomic context (under a spinlock, with preemption, bottom halves or
/// interrupts disabled), and so it never yields, never checks signals, never
/// allocates and never sleeps.  Its hook is [`lz4::NoYield`], which the
/// decoder compiles without any yield point, so no path of it reaches
/// `cond_resched()`.  Nothing bounds the time it runs without yielding but
/// the sizes: work is proportional to `src.len() + dst.len()`, and callers
/// keep both small (a page, for zswap).
///
/// The semantics are `LZ4_decompress_safe()`'s: `src` must be exactly one
/// block, ending at its last byte, and the output must fit `dst`.
///
/// # Errors
///
/// - `EBADMSG`: `src` is not one valid block (corrupt, truncated, trailing
///   bytes, empty);
/// - `ENOSPC`: `dst` is too small for the decoded data;
/// - `EINVAL`: invalid arguments (a length over `i32::MAX`).
pub fn decompress_atomic(src: &[u8], dst: &mut [u8]) -> Result<usize> {
    lz4::block::decompress(src, dst, &mut lz4::NoYield).map_err(to_kernel_error)
}

/// Runs one decode with a fresh kernel yield hook and accounts its yields.
fn run(
    f: impl FnOnce(&mut KernelYield) -> core::result::Result<usize, lz4::Error>,
) -> Result<usize> {
    let mut hook = KernelYield::new();
    let res = f(&mut hook);
    hook.finish();
    res.map_err(to_kernel_error)
}

/// Maps a decoder error onto a kernel error code.
pub(crate) fn to_kernel_error(e: lz4::Error) -> Error {
    errno(match e.class() {
        ErrorClass::Corrupt => bindings::EBADMSG,
        ErrorClass::NoSpace => bindings::ENOSPC,
        ErrorClass::Unsupported => bindings::EOPNOTSUPP,
        ErrorClass::Interrupted => bindings::EINTR,
        ErrorClass::Invalid => bindings::EINVAL,
    })
}

/// The kernel error for a positive errno constant from the bindings (6.12's
/// `kernel::error::code` lacks some, e.g. `EBADMSG`).
fn errno(code: u32) -> Error {
    // Errno constants are small positive numbers: the conversion is exact.
    Error::from_errno(-(code as i32))
}
