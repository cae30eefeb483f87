// SPDX-License-Identifier: GPL-2.0

//! Declarations of the C helpers in `glue.c`.
//!
//! They wrap kernel interfaces that the Rust bindings of some supported
//! kernels do not reach (Linux 6.12 has no procfs or seq_file bindings).
//! Keep this list short: anything the `kernel` crate or `bindings` offer on
//! every supported kernel is used from Rust directly.

use core::ffi::{c_char, c_int, c_void};

/// Opaque `struct seq_file`.
#[repr(C)]
pub(crate) struct SeqFile {
    _opaque: [u8; 0],
}

/// Opaque `struct proc_dir_entry`.
#[repr(C)]
pub(crate) struct ProcDirEntry {
    _opaque: [u8; 0],
}

/// A `seq_file` show callback.
pub(crate) type ShowFn = unsafe extern "C" fn(*mut SeqFile, *mut c_void) -> c_int;

extern "C" {
    /// Creates `/proc/<dir>/<name>` (0444) served by `show`; NULL on failure.
    pub(crate) fn rust_lz4_proc_create(
        dir: *const c_char,
        name: *const c_char,
        show: ShowFn,
    ) -> *mut ProcDirEntry;
    /// Removes a directory from `rust_lz4_proc_create()` with its file,
    /// waiting for running readers.
    pub(crate) fn rust_lz4_proc_remove(dir: *mut ProcDirEntry);
    /// `seq_write()`.
    pub(crate) fn rust_lz4_seq_write(m: *mut SeqFile, s: *const c_char, len: usize);
}
