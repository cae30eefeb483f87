// SPDX-License-Identifier: GPL-2.0

//! The crypto API's `"lz4"`: an scomp algorithm, driver `lz4-rust`, whose
//! decompression is this module's decoder ([`super::decompress_atomic`]) and
//! whose compression is the kernel's `LZ4_compress_default()`
//! ([`glue::ScompAlg`]).
//!
//! With a priority above the kernel's own `lz4-scomp` (0), a transform
//! allocated by the name `"lz4"` after the module is loaded is this one:
//! zswap's with `compressor=lz4`, for example.  The crypto API calls the
//! callbacks in atomic context (zswap: a per-CPU stream or scratch lock
//! taken with a zsmalloc mapping held), so decompression goes through the
//! service's entry point that never yields, checks no signal and allocates
//! nothing.
//!
//! The semantics are those of `crypto/lz4.c`: `*dlen` is the capacity on
//! entry and the decoded length on success; the whole `slen` must be one
//! block; a corrupt block or one whose output does not fit gives `-EINVAL`
//! and leaves `*dlen` alone.
//!
//! Test files, root only, in `<debugfs>/rust_lz4/` (0600):
//!
//! - `crypto_decompress` ([`TestRequest`]): each `write()` is one request
//!   through the crypto API, a first line `DRIVER DLEN` (driver `lz4-rust`
//!   or `lz4-scomp`, capacity up to 128 KiB) and the compressed bytes after
//!   it (up to 128 KiB); the write returns its length on success, else the
//!   crypto API's error;
//! - `crypto_test_yield` ([`test_switch`]): the negative control of the
//!   atomic contract: while set, decompression runs the yielding service
//!   and its hook instead, which `DEBUG_ATOMIC_SLEEP` kernels report as
//!   "sleeping function called from invalid context".

use super::resched::KernelYield;
use super::stats;
use crate::glue::{self, DebugfsWrite, Scomp, ScompAlg};
use crate::lz4::Format;
use core::sync::atomic::{AtomicBool, Ordering::Relaxed};
use kernel::{bindings, c_str, prelude::*};

/// `cra_priority` of `lz4-rust`: above the kernel's `lz4-scomp` (0).
pub(crate) const PRIORITY: i32 = 100;

/// Largest input and capacity of one test request: the scomp scratch size
/// of 6.12 (`SCOMP_SCRATCH_SIZE`), above which the crypto API refuses a
/// request before it reaches any driver.
const TEST_MAX: usize = 128 << 10;

/// Longest first line of a test request.
const TEST_HEADER_MAX: usize = 32;

/// `<debugfs>/rust_lz4/crypto_test_yield`.
static TEST_YIELD: AtomicBool = AtomicBool::new(false);

/// The flag behind `<debugfs>/rust_lz4/crypto_test_yield`.
pub(crate) fn test_switch() -> &'static AtomicBool {
    &TEST_YIELD
}

/// Registers `lz4-rust`; unregistered when the value is dropped.
pub(crate) fn register() -> Result<ScompAlg> {
    ScompAlg::register::<Lz4Rust>(PRIORITY)
}

/// The algorithm's callbacks.
struct Lz4Rust;

impl Scomp for Lz4Rust {
    fn decompress(src: &[u8], dst: &mut [u8]) -> Result<usize> {
        stats::record_crypto_call(glue::in_atomic());
        let res = if TEST_YIELD.load(Relaxed) {
            yielding(src, dst)
        } else {
            super::decompress_atomic(src, dst)
        };
        stats::record_crypto_result(res.as_ref().ok().map(|&n| (src.len(), n)));
        res
    }

    fn compressed() {
        stats::record_crypto_compress();
    }
}

/// The negative control behind `crypto_test_yield`: what calling the
/// yielding service from here would do.  That service yields after
/// `yield_interval` bytes of progress, more than a page, so its hook is
/// called once first, as it would be on a larger input.
fn yielding(src: &[u8], dst: &mut [u8]) -> Result<usize> {
    let mut hook = KernelYield::new();
    let stop = hook.point();
    hook.finish();
    stop?;
    super::decompress(Format::Block, src, dst)
}

/// `<debugfs>/rust_lz4/crypto_decompress`: one decompression through the
/// crypto API per write (see the module documentation for the format).
pub(crate) struct TestRequest;

impl DebugfsWrite for TestRequest {
    const MAX_LEN: usize = TEST_HEADER_MAX + TEST_MAX;

    fn write(data: &[u8]) -> Result {
        let (header, src) = split_once(data, b'\n', TEST_HEADER_MAX).ok_or_else(eproto)?;
        let (name, cap) = split_once(header, b' ', TEST_HEADER_MAX).ok_or_else(eproto)?;
        let driver = match name {
            b"lz4-rust" => c_str!("lz4-rust"),
            b"lz4-scomp" => c_str!("lz4-scomp"),
            _ => return Err(ENOENT),
        };
        let cap = parse_decimal(cap).ok_or_else(eproto)?;
        if cap > TEST_MAX {
            return Err(E2BIG);
        }
        let mut dst = KVVec::from_elem(0u8, cap, GFP_KERNEL)?;
        glue::acomp_decompress(driver, src, &mut dst)?;
        Ok(())
    }
}

/// `EPROTO`, a malformed first line (6.12's `kernel::error::code` lacks it).
fn eproto() -> Error {
    super::errno(bindings::EPROTO)
}

/// `s` split around the first `sep` among its first `max` bytes, without
/// it.  (A plain index loop: the iterator adapters that count positions
/// keep an overflow check, a panic path.)
fn split_once(s: &[u8], sep: u8, max: usize) -> Option<(&[u8], &[u8])> {
    for i in 0..max.min(s.len()) {
        if s.get(i) == Some(&sep) {
            return Some((s.get(..i)?, s.get(i.checked_add(1)?..)?));
        }
    }
    None
}

/// A decimal number of at most 9 digits.
fn parse_decimal(w: &[u8]) -> Option<usize> {
    if w.is_empty() || w.len() > 9 {
        return None;
    }
    w.iter().try_fold(0usize, |n, &b| {
        let d = b.checked_sub(b'0').filter(|d| *d <= 9)?;
        n.checked_mul(10)?.checked_add(usize::from(d))
    })
}
