// SPDX-License-Identifier: GPL-2.0

//! Counters behind `RUST_LZ4_IOC_STATS`, since the module was loaded.
//!
//! Every request is counted once as a call, and then either as a success
//! (bytes in and out) or under exactly one error kind, so that
//! `calls == successes + errors` holds whenever no request is in flight.
//! The crypto API's decompressions (`crypto_*`, [`super::crypto`]) are
//! counted apart, with the same rule: `crypto_calls == successes +
//! crypto_errors`.

use super::uapi::Stats;
use core::sync::atomic::{AtomicU64, Ordering::Relaxed};
use kernel::{bindings, error::Error};

/// One counter per field of `struct rust_lz4_stats`.
struct Counters {
    calls: AtomicU64,
    bytes_in: AtomicU64,
    bytes_out: AtomicU64,
    err_corrupt: AtomicU64,
    err_nospace: AtomicU64,
    err_unsupported: AtomicU64,
    err_invalid: AtomicU64,
    err_fault: AtomicU64,
    err_toobig: AtomicU64,
    err_nomem: AtomicU64,
    interrupted: AtomicU64,
    other: AtomicU64,
    yields: AtomicU64,
    max_yield_gap_ns: AtomicU64,
    crypto_calls: AtomicU64,
    crypto_bytes_in: AtomicU64,
    crypto_bytes_out: AtomicU64,
    crypto_errors: AtomicU64,
    crypto_atomic: AtomicU64,
    crypto_compress_calls: AtomicU64,
}

static C: Counters = Counters {
    calls: AtomicU64::new(0),
    bytes_in: AtomicU64::new(0),
    bytes_out: AtomicU64::new(0),
    err_corrupt: AtomicU64::new(0),
    err_nospace: AtomicU64::new(0),
    err_unsupported: AtomicU64::new(0),
    err_invalid: AtomicU64::new(0),
    err_fault: AtomicU64::new(0),
    err_toobig: AtomicU64::new(0),
    err_nomem: AtomicU64::new(0),
    interrupted: AtomicU64::new(0),
    other: AtomicU64::new(0),
    yields: AtomicU64::new(0),
    max_yield_gap_ns: AtomicU64::new(0),
    crypto_calls: AtomicU64::new(0),
    crypto_bytes_in: AtomicU64::new(0),
    crypto_bytes_out: AtomicU64::new(0),
    crypto_errors: AtomicU64::new(0),
    crypto_atomic: AtomicU64::new(0),
    crypto_compress_calls: AtomicU64::new(0),
};

/// Counts a request.
pub(crate) fn record_call() {
    C.calls.fetch_add(1, Relaxed);
}

/// Counts a successful decode.
pub(crate) fn record_ok(bytes_in: usize, bytes_out: usize) {
    C.bytes_in.fetch_add(bytes_in as u64, Relaxed);
    C.bytes_out.fetch_add(bytes_out as u64, Relaxed);
}

/// Counts a failed request under its error kind.
pub(crate) fn record_error(e: Error) {
    let errno = e.to_errno().unsigned_abs();
    let counter = match errno {
        bindings::EBADMSG => &C.err_corrupt,
        bindings::ENOSPC => &C.err_nospace,
        bindings::EOPNOTSUPP => &C.err_unsupported,
        bindings::EINVAL => &C.err_invalid,
        bindings::EFAULT => &C.err_fault,
        bindings::E2BIG => &C.err_toobig,
        bindings::ENOMEM => &C.err_nomem,
        bindings::EINTR => &C.interrupted,
        _ => &C.other,
    };
    counter.fetch_add(1, Relaxed);
}

/// Adds the yields of one request and its longest stretch between yields.
pub(crate) fn record_yields(yields: u64, max_gap_ns: u64) {
    C.yields.fetch_add(yields, Relaxed);
    C.max_yield_gap_ns.fetch_max(max_gap_ns, Relaxed);
}

/// Counts a decompression of the crypto API, `atomic` if it ran in atomic
/// context.  Called in any context.
pub(crate) fn record_crypto_call(atomic: bool) {
    C.crypto_calls.fetch_add(1, Relaxed);
    if atomic {
        C.crypto_atomic.fetch_add(1, Relaxed);
    }
}

/// Counts the outcome of a decompression of the crypto API: `Some((in,
/// out))` for a success, `None` for an error.
pub(crate) fn record_crypto_result(done: Option<(usize, usize)>) {
    match done {
        Some((bytes_in, bytes_out)) => {
            C.crypto_bytes_in.fetch_add(bytes_in as u64, Relaxed);
            C.crypto_bytes_out.fetch_add(bytes_out as u64, Relaxed);
        }
        None => {
            C.crypto_errors.fetch_add(1, Relaxed);
        }
    }
}

/// Counts a compression of the crypto API.
pub(crate) fn record_crypto_compress() {
    C.crypto_compress_calls.fetch_add(1, Relaxed);
}

/// A snapshot for `RUST_LZ4_IOC_STATS`.
pub(crate) fn snapshot(s: &mut Stats) {
    s.calls = C.calls.load(Relaxed);
    s.bytes_in = C.bytes_in.load(Relaxed);
    s.bytes_out = C.bytes_out.load(Relaxed);
    s.err_corrupt = C.err_corrupt.load(Relaxed);
    s.err_nospace = C.err_nospace.load(Relaxed);
    s.err_unsupported = C.err_unsupported.load(Relaxed);
    s.err_invalid = C.err_invalid.load(Relaxed);
    s.err_fault = C.err_fault.load(Relaxed);
    s.err_toobig = C.err_toobig.load(Relaxed);
    s.err_nomem = C.err_nomem.load(Relaxed);
    s.interrupted = C.interrupted.load(Relaxed);
    s.err_other = C.other.load(Relaxed);
    s.yields = C.yields.load(Relaxed);
    s.max_yield_gap_ns = C.max_yield_gap_ns.load(Relaxed);
    s.crypto_calls = C.crypto_calls.load(Relaxed);
    s.crypto_bytes_in = C.crypto_bytes_in.load(Relaxed);
    s.crypto_bytes_out = C.crypto_bytes_out.load(Relaxed);
    s.crypto_errors = C.crypto_errors.load(Relaxed);
    s.crypto_atomic = C.crypto_atomic.load(Relaxed);
    s.crypto_compress_calls = C.crypto_compress_calls.load(Relaxed);
}
