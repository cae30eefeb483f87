// SPDX-License-Identifier: GPL-2.0

//! Negative control of `scripts/no-panic.sh`: compiled by `make test` with
//! the module's own rustc command line, this addition of two values the
//! compiler cannot bound keeps an overflow check, a panic path that the
//! check must report.

/// `a + b`, with the overflow check of `CONFIG_RUST_OVERFLOW_CHECKS`.
#[no_mangle]
pub extern "C" fn no_panic_control(a: usize, b: usize) -> usize {
    a + b
}
