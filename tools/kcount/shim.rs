// SPDX-License-Identifier: GPL-2.0

//! The decoder of `lz4/`, compiled by `scripts/kcount.sh` with the module's
//! own rustc command line, behind one C entry point for the driver.

#[path = "../../lz4/mod.rs"]
pub mod lz4;

/// A hook with the module's default interval that never stops: the budget
/// checks run as in the kernel, the yields cost nothing.
struct Hook;

impl lz4::Yield for Hook {
    fn yield_now(&mut self) -> lz4::Flow {
        lz4::Flow::Continue
    }
}

/// Decodes the raw block `src[..src_len]` into `dst[..dst_cap]`; returns the
/// decoded length, or -1.
///
/// # Safety
///
/// `src` and `dst` must be valid for `src_len` and `dst_cap` bytes, and
/// must not overlap.
#[no_mangle]
pub unsafe extern "C" fn kcount_rust(
    src: *const u8,
    src_len: usize,
    dst: *mut u8,
    dst_cap: usize,
) -> isize {
    // SAFETY: the caller's contract.
    let (s, d) = unsafe {
        (
            core::slice::from_raw_parts(src, src_len),
            core::slice::from_raw_parts_mut(dst, dst_cap),
        )
    };
    match lz4::block::decompress(s, d, &mut Hook) {
        Ok(n) => n as isize,
        Err(_) => -1,
    }
}
