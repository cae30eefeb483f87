// SPDX-License-Identifier: GPL-2.0

//! Declarations of the C helpers in `glue.c` (prototypes in `glue.h`), and of
//! the one exported C symbol the module calls directly.
//!
//! The helpers wrap what the Rust bindings of some supported kernel do not
//! reach (Linux 6.12 has no procfs, `seq_file`, miscdevice or debugfs
//! bindings) and interfaces that exist only as inline functions or macros
//! (`cond_resched()`, `fatal_signal_pending()`, `kvzalloc()`,
//! `copy_struct_from_user()`).  Anything the `kernel` crate or `bindings`
//! offer on every supported kernel is used from Rust directly.

use core::ffi::{c_char, c_int, c_long, c_uint, c_ulong, c_void};

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

/// Opaque `struct dentry`.
#[repr(C)]
pub(crate) struct Dentry {
    _opaque: [u8; 0],
}

/// A `seq_file` show callback.
pub(crate) type ShowFn = unsafe extern "C" fn(*mut SeqFile, *mut c_void) -> c_int;

/// The function the re-evaluation work item calls.
pub(crate) type WatchFn = extern "C" fn();

/// The ioctl handler `glue.c` forwards `/dev/rust_lz4` ioctls to.
pub(crate) type IoctlFn = extern "C" fn(cmd: c_uint, arg: u64) -> c_long;

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

    /// Registers `/dev/rust_lz4` (mode 0600) with `ioctl` as its handler.
    pub(crate) fn rust_lz4_misc_register(ioctl: IoctlFn) -> c_int;
    /// Unregisters `/dev/rust_lz4`.
    pub(crate) fn rust_lz4_misc_deregister();

    /// Creates `<debugfs>/rust_lz4/test_disable_yield` and
    /// `.../test_freeze_limits` (0600) on the two flags.
    pub(crate) fn rust_lz4_debugfs_create(
        test_disable_yield: *mut bool,
        test_freeze_limits: *mut bool,
    ) -> *mut Dentry;
    /// Removes the debugfs directory (NULL and error pointers are ignored).
    pub(crate) fn rust_lz4_debugfs_remove(dir: *mut Dentry);

    /// Calls `f` every `period_ms` from a delayed work item, and at once on
    /// memory hotplug events; 0 or a negative errno.
    pub(crate) fn rust_lz4_watch_start(f: WatchFn, period_ms: c_uint) -> c_int;
    /// Stops what `rust_lz4_watch_start()` started and waits for a running
    /// call of `f` to return.
    pub(crate) fn rust_lz4_watch_stop();

    /// `cond_resched()`.
    pub(crate) fn rust_lz4_cond_resched();
    /// `fatal_signal_pending(current)`.
    pub(crate) fn rust_lz4_fatal_signal_pending() -> bool;
    /// `ktime_get_ns()`.
    pub(crate) fn rust_lz4_ktime_ns() -> u64;
    /// `kvzalloc(size, GFP_KERNEL_ACCOUNT)`.
    pub(crate) fn rust_lz4_kvzalloc(size: usize) -> *mut c_void;
    /// `kvfree()`.
    pub(crate) fn rust_lz4_kvfree(p: *mut c_void);
    /// `copy_struct_from_user()`: 0, `-EFAULT` or `-E2BIG`.
    pub(crate) fn rust_lz4_copy_struct_from_user(
        dst: *mut c_void,
        ksize: usize,
        src: u64,
        usize_: usize,
    ) -> c_int;
    /// `copy_from_user()`: the number of bytes not copied.
    pub(crate) fn rust_lz4_copy_from_user(to: *mut c_void, from: u64, n: c_ulong) -> c_ulong;
    /// `copy_to_user()`: the number of bytes not copied.
    pub(crate) fn rust_lz4_copy_to_user(to: u64, from: *const c_void, n: c_ulong) -> c_ulong;

    /// The kernel's C LZ4 decoder (`lib/lz4`, `CONFIG_LZ4_DECOMPRESS`), the
    /// reference the Rust decoder is measured against.
    pub(crate) fn LZ4_decompress_safe(
        source: *const c_char,
        dest: *mut c_char,
        compressed_size: c_int,
        max_decompressed_size: c_int,
    ) -> c_int;
}
