// SPDX-License-Identifier: GPL-2.0

//! Kernel buffers for one request: `kvzalloc(GFP_KERNEL_ACCOUNT)`, freed on
//! drop.
//!
//! Requests carry up to 16 MiB, too much for `kmalloc` to promise, so the
//! buffers may be vmalloc'ed; the memory is charged to the caller's memory
//! cgroup.  Not all Rust allocator abstractions exist on every supported
//! kernel, hence this small owner.

use crate::glue;
use core::ptr::NonNull;
use kernel::prelude::*;

/// An owned, zero-initialised byte buffer.
pub(super) struct KvBuf {
    ptr: NonNull<u8>,
    len: usize,
}

impl KvBuf {
    /// Allocates `len` zeroed bytes; `ENOMEM` when the allocation fails.
    pub(super) fn zeroed(len: usize) -> Result<Self> {
        if len == 0 {
            return Ok(KvBuf {
                ptr: NonNull::dangling(),
                len: 0,
            });
        }
        // SAFETY: any size may be asked for; NULL means failure, otherwise
        // the memory is zeroed (initialised) and exclusively ours.
        let p = unsafe { glue::rust_lz4_kvzalloc(len) };
        let ptr = NonNull::new(p.cast::<u8>()).ok_or(ENOMEM)?;
        Ok(KvBuf { ptr, len })
    }

    /// The bytes.
    pub(super) fn as_slice(&self) -> &[u8] {
        // SAFETY: `ptr` is valid and initialised for `len` bytes (or dangling
        // and `len` is 0), and borrowed immutably through `&self`.
        unsafe { core::slice::from_raw_parts(self.ptr.as_ptr(), self.len) }
    }

    /// The bytes, mutably.
    pub(super) fn as_mut_slice(&mut self) -> &mut [u8] {
        // SAFETY: as in `as_slice`, and `&mut self` makes the borrow unique.
        unsafe { core::slice::from_raw_parts_mut(self.ptr.as_ptr(), self.len) }
    }
}

impl Drop for KvBuf {
    fn drop(&mut self) {
        if self.len != 0 {
            // SAFETY: `ptr` came from `kvmalloc()` and is freed only here.
            unsafe { glue::rust_lz4_kvfree(self.ptr.as_ptr().cast()) };
        }
    }
}

// SAFETY: `KvBuf` owns its memory, like a `Box<[u8]>`.
unsafe impl Send for KvBuf {}
