// SPDX-License-Identifier: GPL-2.0

//! The module's one seam to C: every call from its Rust into C is in this
//! file, wrapped in a safe type or function.
//!
//! | What                        | Safe interface                         | Through                  |
//! |-----------------------------|----------------------------------------|--------------------------|
//! | `/proc/<dir>/<file>`        | [`ProcEntry`], [`ProcShow`], [`SeqOut`] | `glue.c` (procfs)        |
//! | `/dev/rust_lz4`             | [`MiscDevice`], [`Ioctl`]              | `glue.c` (miscdevice)    |
//! | `<debugfs>/<dir>` switches  | [`DebugfsDir`]                         | `glue.c` (debugfs)       |
//! | total RAM, and its changes  | [`RamWatch`], [`RamCheck`], [`total_ram`] | `glue.c` (delayed work, memory notifier), `si_meminfo()` |
//! | user memory                 | [`read_user`], [`read_user_struct`], [`read_user_vec`], [`request_buffer`], [`write_user_prefix`], [`write_user_slice`] | the kernel crate's `UserSlice`, `KVVec` |
//! | the yield                   | [`cond_resched`], [`fatal_signal_pending`] | `glue.c` (macro, inline) |
//! | the clock                   | [`now_ns`]                             | `ktime_get()`            |
//! | parsing a parameter         | [`kstrtoull`]                          | `kstrtoull()`            |
//! | the C LZ4 reference decoder | [`c_lz4_decompress_safe`]              | `LZ4_decompress_safe()`  |
//! | the crypto API's `lz4`      | [`ScompAlg`], [`Scomp`], [`in_atomic`], [`acomp_decompress`] | `glue.c` (scomp, acomp), `LZ4_compress_default()` |
//! | a debugfs test file         | [`DebugfsDir::write_file`], [`DebugfsWrite`] | `glue.c` (debugfs)   |
//!
//! Each type that owns a registration states its `# Invariants`, and each C
//! call its `// SAFETY:` argument, here and nowhere else.  A registration of
//! a static C object (the misc device, the delayed work, the module's proc
//! and debugfs directories) is a singleton: it holds a [`Claim`] on a static
//! flag (`claim.rs`), so a second registration while the first lives fails
//! with `EBUSY` before any C is called.
//!
//! To add a registration: a helper in `glue.c` / `glue.h` for what neither
//! kernel's Rust offers (say which in its comment), its declaration in
//! [`ffi`], a type here that takes its [`Claim`], calls the helper once in
//! its constructor and undoes it in `Drop`, and a trait with a safe callback
//! when C calls back (see [`MiscDevice`] and [`Ioctl`]).
//!
//! The supported kernels' Rust differs in a few places (the type of a user
//! pointer, the home of `FromBytes` / `AsBytes`).  Kbuild sets the cfg
//! `rlz4_rust_7` on kernels from 6.18 on; only this file reads it.

use crate::claim::Claim;
use core::ffi::{c_int, c_long, c_uint, c_void};
use core::fmt;
use core::marker::PhantomData;
use core::mem::size_of;
use core::ptr::NonNull;
use core::sync::atomic::AtomicBool;
use kernel::uaccess::{UserPtr, UserSlice};
use kernel::{bindings, prelude::*};

#[cfg(rlz4_rust_7)]
use kernel::transmute::{AsBytes, FromBytes};
#[cfg(not(rlz4_rust_7))]
use kernel::types::{AsBytes, FromBytes};

/// Declarations of the helpers in `glue.c` (prototypes in `glue.h`), and of
/// the one exported C symbol called directly.
mod ffi {
    use core::ffi::{c_char, c_int, c_long, c_uint, c_void};

    /// Opaque `struct seq_file`.
    #[repr(C)]
    pub(super) struct SeqFile {
        _opaque: [u8; 0],
    }

    /// Opaque `struct proc_dir_entry`.
    #[repr(C)]
    pub(super) struct ProcDirEntry {
        _opaque: [u8; 0],
    }

    /// Opaque `struct dentry`.
    #[repr(C)]
    pub(super) struct Dentry {
        _opaque: [u8; 0],
    }

    /// A `seq_file` show callback.
    pub(super) type ShowFn = unsafe extern "C" fn(*mut SeqFile, *mut c_void) -> c_int;
    /// The function the RAM watch calls.
    pub(super) type WatchFn = extern "C" fn();
    /// The ioctl handler `glue.c` forwards `/dev/rust_lz4` ioctls to.
    pub(super) type IoctlFn = extern "C" fn(cmd: c_uint, arg: u64) -> c_long;
    /// The handler of a debugfs test file's `write()`: the user address and
    /// length; the bytes taken or a negative errno.
    pub(super) type WriteFn = extern "C" fn(buf: u64, len: usize) -> isize;
    /// `scomp_alg.compress` or `.decompress` without the transform.
    pub(super) type ScompFn = unsafe extern "C" fn(
        src: *const u8,
        slen: c_uint,
        dst: *mut u8,
        dlen: *mut c_uint,
        ctx: *mut c_void,
    ) -> c_int;

    extern "C" {
        /// Creates `/proc/<dir>/<name>` (0444) served by `show`; NULL on
        /// failure.
        pub(super) fn rust_lz4_proc_create(
            dir: *const c_char,
            name: *const c_char,
            show: ShowFn,
        ) -> *mut ProcDirEntry;
        /// Removes a directory from `rust_lz4_proc_create()` with its file,
        /// waiting for running readers.
        pub(super) fn rust_lz4_proc_remove(dir: *mut ProcDirEntry);
        /// `seq_write()`.
        pub(super) fn rust_lz4_seq_write(m: *mut SeqFile, s: *const c_char, len: usize);

        /// Registers `/dev/rust_lz4` (mode 0600) with `ioctl` as its handler.
        pub(super) fn rust_lz4_misc_register(ioctl: IoctlFn) -> c_int;
        /// Unregisters `/dev/rust_lz4`.
        pub(super) fn rust_lz4_misc_deregister();

        /// `debugfs_create_dir(name, NULL)`: a dentry or an error pointer.
        pub(super) fn rust_lz4_debugfs_dir(name: *const c_char) -> *mut Dentry;
        /// `debugfs_create_bool(name, 0600, dir, flag)`.
        pub(super) fn rust_lz4_debugfs_bool(name: *const c_char, dir: *mut Dentry, flag: *mut bool);
        /// `debugfs_create_file(name, 0600, dir, ...)`, write-only: each
        /// `write()` goes to `write`.
        pub(super) fn rust_lz4_debugfs_write_file(
            name: *const c_char,
            dir: *mut Dentry,
            write: WriteFn,
        );
        /// `debugfs_remove()`, recursive (error pointers are ignored).
        pub(super) fn rust_lz4_debugfs_remove(dir: *mut Dentry);

        /// Calls `f` every `period_ms` from a delayed work item, and at once
        /// on memory hotplug events; 0 or a negative errno.
        pub(super) fn rust_lz4_watch_start(f: WatchFn, period_ms: c_uint) -> c_int;
        /// Stops what `rust_lz4_watch_start()` started and waits for a
        /// running call of `f` to return.
        pub(super) fn rust_lz4_watch_stop();

        /// Registers the static scomp algorithm `"lz4"`, driver
        /// `"lz4-rust"`, owned by this module, with these callbacks and
        /// priority; 0 or a negative errno.  Runs the crypto self-tests when
        /// the kernel has them.
        pub(super) fn rust_lz4_scomp_register(
            compress: ScompFn,
            decompress: ScompFn,
            priority: c_int,
        ) -> c_int;
        /// `crypto_unregister_scomp()` of that algorithm.
        pub(super) fn rust_lz4_scomp_unregister();
        /// `in_atomic() || irqs_disabled()`.
        pub(super) fn rust_lz4_in_atomic() -> bool;
        /// One decompression through the crypto API with the transform of
        /// `driver`: 0 with `*dlen` the decoded length, or a negative errno.
        pub(super) fn rust_lz4_acomp_decompress(
            driver: *const c_char,
            src: *const c_void,
            slen: c_uint,
            dst: *mut c_void,
            dlen: *mut c_uint,
        ) -> c_int;

        /// `cond_resched()`.
        pub(super) fn rust_lz4_cond_resched();
        /// `fatal_signal_pending(current)`.
        pub(super) fn rust_lz4_fatal_signal_pending() -> bool;

        /// The kernel's C LZ4 decoder (`lib/lz4`, `CONFIG_LZ4_DECOMPRESS`),
        /// the reference the Rust decoder is measured against.
        pub(super) fn LZ4_decompress_safe(
            source: *const c_char,
            dest: *mut c_char,
            compressed_size: c_int,
            max_decompressed_size: c_int,
        ) -> c_int;

        /// The kernel's LZ4 compressor (`lib/lz4`, `CONFIG_LZ4_COMPRESS`):
        /// `wrkmem` is `LZ4_MEM_COMPRESS` bytes; the compressed size, or 0
        /// when it does not fit `max_output_size`.
        pub(super) fn LZ4_compress_default(
            source: *const c_char,
            dest: *mut c_char,
            input_size: c_int,
            max_output_size: c_int,
            wrkmem: *mut c_void,
        ) -> c_int;
    }
}

use ffi::{Dentry, ProcDirEntry, SeqFile};

// ---------------------------------------------------------------------------
// procfs

/// What a proc file shows: called once per read of the file, in process
/// context.
pub(crate) trait ProcShow {
    /// Writes the file's contents to `out`.
    fn show(out: &mut SeqOut<'_>);
}

/// The output of one read of a proc file: `fmt::Write` into its `seq_file`.
///
/// # Invariants
///
/// `m` is the live `seq_file` the seq_file core handed to the show callback,
/// valid for `'a`, the duration of that callback.
pub(crate) struct SeqOut<'a> {
    m: NonNull<SeqFile>,
    _call: PhantomData<&'a mut SeqFile>,
}

impl fmt::Write for SeqOut<'_> {
    fn write_str(&mut self, s: &str) -> fmt::Result {
        // SAFETY: `m` is live (the type invariant) and `s` is valid for
        // `s.len()` bytes.  On overflow `seq_write()` marks the seq_file so
        // that the core retries with a larger buffer.
        unsafe { ffi::rust_lz4_seq_write(self.m.as_ptr(), s.as_ptr().cast(), s.len()) };
        Ok(())
    }
}

/// The show callback of a [`ProcEntry`] served by `T`.
///
/// # Safety
///
/// `m` must be NULL or a `seq_file` that stays live until this returns: the
/// seq_file core's call.
unsafe extern "C" fn proc_show<T: ProcShow>(m: *mut SeqFile, _v: *mut c_void) -> c_int {
    if let Some(m) = NonNull::new(m) {
        // INVARIANT: the caller's contract; `out` lives only for this call.
        let mut out = SeqOut {
            m,
            _call: PhantomData,
        };
        T::show(&mut out);
    }
    0
}

/// Whether the module's proc directory exists.
static PROC_CLAIMED: AtomicBool = AtomicBool::new(false);

/// The module's proc directory `/proc/<dir>` and its one file `<name>`
/// (0444); removed on drop, after running readers finish.  One at a time.
///
/// # Invariants
///
/// `dir` is the directory `rust_lz4_proc_create()` returned, not yet
/// removed; the `show` callback it serves is a function of this module.
pub(crate) struct ProcEntry {
    dir: NonNull<ProcDirEntry>,
    _claim: Claim,
}

// SAFETY: `dir` is only handed back to `proc_remove()`, which may be called
// from any thread.
unsafe impl Send for ProcEntry {}
// SAFETY: no method uses `dir` through `&self`.
unsafe impl Sync for ProcEntry {}

impl ProcEntry {
    /// Creates `/proc/<dir>/<name>` served by `T`; `EBUSY` while another
    /// exists, `ENOMEM` when procfs refuses.
    pub(crate) fn new<T: ProcShow>(dir: &'static CStr, name: &'static CStr) -> Result<Self> {
        let claim = Claim::take(&PROC_CLAIMED).ok_or(EBUSY)?;
        // SAFETY: the names are NUL-terminated and `'static`; `proc_show::<T>`
        // is a function of this module, and `drop` removes the entry
        // (waiting for readers) before the module's text goes away.
        let dir = unsafe {
            ffi::rust_lz4_proc_create(
                dir.as_char_ptr().cast(),
                name.as_char_ptr().cast(),
                proc_show::<T>,
            )
        };
        let dir = NonNull::new(dir).ok_or(ENOMEM)?;
        // INVARIANT: `dir` was just created.
        Ok(ProcEntry { dir, _claim: claim })
    }
}

impl Drop for ProcEntry {
    fn drop(&mut self) {
        // SAFETY: `dir` came from `rust_lz4_proc_create()` and is removed
        // only here (the type invariant).
        unsafe { ffi::rust_lz4_proc_remove(self.dir.as_ptr()) };
    }
}

// ---------------------------------------------------------------------------
// miscdevice

/// The ioctls of a [`MiscDevice`]: called in the caller's process context.
pub(crate) trait Ioctl {
    /// Handles command `cmd` with argument `arg` (a user address for the
    /// module's commands).
    fn ioctl(cmd: u32, arg: u64) -> Result;
}

/// The ioctl handler `glue.c` calls, for `T`.
extern "C" fn misc_ioctl<T: Ioctl>(cmd: c_uint, arg: u64) -> c_long {
    match T::ioctl(cmd, arg) {
        Ok(()) => 0,
        Err(e) => c_long::from(e.to_errno()),
    }
}

/// Whether `/dev/rust_lz4` is registered.
static MISC_CLAIMED: AtomicBool = AtomicBool::new(false);

/// `/dev/rust_lz4` (0600, the static `struct miscdevice` of `glue.c`),
/// served by an [`Ioctl`]; unregistered on drop.  Its file operations
/// belong to this module: the module cannot be unloaded while the device is
/// open.
///
/// # Invariants
///
/// The device is registered, with a handler of this module, from `register`
/// until `drop`; the [`Claim`] makes that registration the only one.
pub(crate) struct MiscDevice {
    _claim: Claim,
}

impl MiscDevice {
    /// Registers the device with `T` as its ioctl handler; `EBUSY` while
    /// another `MiscDevice` exists, or `misc_register()`'s error.
    pub(crate) fn register<T: Ioctl>() -> Result<Self> {
        let claim = Claim::take(&MISC_CLAIMED).ok_or(EBUSY)?;
        // SAFETY: the claim makes this the only registration of the static
        // miscdevice; `misc_ioctl::<T>` is a function of this module, and
        // the fops' owner keeps the module loaded while the device is open.
        let ret = unsafe { ffi::rust_lz4_misc_register(misc_ioctl::<T>) };
        if ret != 0 {
            return Err(Error::from_errno(ret));
        }
        // INVARIANT: registered just above.
        Ok(MiscDevice { _claim: claim })
    }
}

impl Drop for MiscDevice {
    fn drop(&mut self) {
        // SAFETY: registered (the type invariant), unregistered only here.
        unsafe { ffi::rust_lz4_misc_deregister() };
    }
}

// ---------------------------------------------------------------------------
// debugfs

/// Whether the module's debugfs directory exists.
static DEBUGFS_CLAIMED: AtomicBool = AtomicBool::new(false);

/// The module's debugfs directory, whose files switch `'static` flags;
/// removed with them on drop.  One at a time.
///
/// debugfs is for tests: its failures are not errors (the switches are then
/// absent).
///
/// # Invariants
///
/// `dir` is what `debugfs_create_dir()` returned (a dentry, or an error
/// pointer that debugfs functions accept and ignore), not yet removed.
pub(crate) struct DebugfsDir {
    dir: *mut Dentry,
    _claim: Claim,
}

// SAFETY: `dir` is only handed to debugfs functions, which may be called
// from any thread.
unsafe impl Send for DebugfsDir {}
// SAFETY: `switch` only passes `dir` to `debugfs_create_bool()`, which
// takes the directory's inode lock.
unsafe impl Sync for DebugfsDir {}

impl DebugfsDir {
    /// Creates `<debugfs>/<name>`; `EBUSY` while another exists.
    pub(crate) fn new(name: &'static CStr) -> Result<Self> {
        let claim = Claim::take(&DEBUGFS_CLAIMED).ok_or(EBUSY)?;
        // SAFETY: `name` is NUL-terminated.
        let dir = unsafe { ffi::rust_lz4_debugfs_dir(name.as_char_ptr().cast()) };
        // INVARIANT: `dir` was just returned by `debugfs_create_dir()`.
        Ok(DebugfsDir { dir, _claim: claim })
    }

    /// Adds `<dir>/<name>` (root, 0600), reading and writing `flag` as `Y` /
    /// `N`.
    pub(crate) fn switch(&self, name: &'static CStr, flag: &'static AtomicBool) {
        // SAFETY: `dir` is live (the type invariant); `name` is
        // NUL-terminated; `flag` lives forever and has the layout of a
        // `bool`, and debugfs accesses it with single-byte loads and stores.
        unsafe { ffi::rust_lz4_debugfs_bool(name.as_char_ptr().cast(), self.dir, flag.as_ptr()) };
    }
}

/// A debugfs test file's `write()` handler: called in the writer's process
/// context with the whole write copied in.
pub(crate) trait DebugfsWrite {
    /// Largest write accepted (`E2BIG` above).
    const MAX_LEN: usize;

    /// Handles one write; `Ok` makes `write()` return its length.
    fn write(data: &[u8]) -> Result;
}

/// The `write()` handler `glue.c` calls, for `T`.
extern "C" fn debugfs_write<T: DebugfsWrite>(buf: u64, len: usize) -> isize {
    let res = if len > T::MAX_LEN {
        Err(E2BIG)
    } else {
        read_user_vec(buf, len).and_then(|data| T::write(&data))
    };
    match res {
        Ok(()) => isize::try_from(len).unwrap_or(isize::MAX),
        Err(e) => e.to_errno() as isize,
    }
}

impl DebugfsDir {
    /// Adds `<dir>/<name>` (root, 0600), whose writes go to `T`.
    pub(crate) fn write_file<T: DebugfsWrite>(&self, name: &'static CStr) {
        // SAFETY: `dir` is live (the type invariant); `name` is
        // NUL-terminated; `debugfs_write::<T>` is a function of this module,
        // and the file, removed with `dir` on drop, pins the module while
        // it is open.
        unsafe {
            ffi::rust_lz4_debugfs_write_file(
                name.as_char_ptr().cast(),
                self.dir,
                debugfs_write::<T>,
            )
        };
    }
}

impl Drop for DebugfsDir {
    fn drop(&mut self) {
        // SAFETY: `dir` is live (the type invariant) and removed only here,
        // with its files.
        unsafe { ffi::rust_lz4_debugfs_remove(self.dir) };
    }
}

// ---------------------------------------------------------------------------
// Total RAM and its changes

/// Total RAM in bytes (`si_meminfo()`), as OpenZFS's `arc_all_memory()` sees
/// it on Linux.
pub(crate) fn total_ram() -> u64 {
    let mut info = bindings::sysinfo::default();
    // SAFETY: `si_meminfo()` only fills in the struct it is given.
    unsafe { bindings::si_meminfo(&mut info) };
    // `totalram` is an `unsigned long`: 64 bits on every 64-bit kernel.
    (info.totalram as u64).saturating_mul(u64::from(info.mem_unit))
}

/// What a [`RamWatch`] runs: in a work item, never concurrently with itself.
pub(crate) trait RamCheck {
    /// Looks at total RAM.
    fn check();
}

/// The function the watch's work item calls, for `T`.
extern "C" fn ram_check<T: RamCheck>() {
    T::check();
}

/// Whether the RAM watch runs.
static WATCH_CLAIMED: AtomicBool = AtomicBool::new(false);

/// Runs a [`RamCheck`] every period (a delayed work item; a balloon has no
/// notifier) and at once on memory hotplug events (`MEM_ONLINE`,
/// `MEM_OFFLINE`); stopped on drop, after a running check returns.
///
/// # Invariants
///
/// The static work item and memory notifier of `glue.c` run, with a function
/// of this module, from `start` until `drop`; the [`Claim`] makes this the
/// only user.
pub(crate) struct RamWatch {
    _claim: Claim,
}

impl RamWatch {
    /// Starts calling `T::check()`; `EBUSY` while another `RamWatch` exists,
    /// or `register_memory_notifier()`'s error.
    pub(crate) fn start<T: RamCheck>(period_ms: u32) -> Result<Self> {
        let claim = Claim::take(&WATCH_CLAIMED).ok_or(EBUSY)?;
        // SAFETY: the claim makes this the only user of the static work and
        // notifier; `ram_check::<T>` is a function of this module, and
        // `drop` stops both, waiting for a running call, before the module
        // goes away.
        let ret = unsafe { ffi::rust_lz4_watch_start(ram_check::<T>, period_ms) };
        if ret != 0 {
            return Err(Error::from_errno(ret));
        }
        // INVARIANT: started just above.
        Ok(RamWatch { _claim: claim })
    }
}

impl Drop for RamWatch {
    fn drop(&mut self) {
        // SAFETY: started (the type invariant), stopped only here; this waits
        // for a running check to return.
        unsafe { ffi::rust_lz4_watch_stop() };
    }
}

// ---------------------------------------------------------------------------
// User memory: the kernel crate's `UserSlice` on both kernels

/// A struct of the ioctl ABI (`service/uapi.rs`), copied whole between user
/// and kernel memory.
pub(crate) trait UserStruct: FromBytes + AsBytes {}

/// Implements [`UserStruct`] for structs of the ABI.
macro_rules! user_structs {
    ($($t:ty),*) => {
        $(
            // SAFETY: `#[repr(C)]`, only `u32` / `u64` fields and no padding
            // (`service/uapi.rs` asserts the size, and the build's ABI check
            // every offset): every byte is initialised, and any bytes form a
            // valid value.
            unsafe impl FromBytes for $t {}
            // SAFETY: as above.
            unsafe impl AsBytes for $t {}
            impl UserStruct for $t {}
        )*
    };
}

user_structs!(
    crate::service::uapi::Decompress,
    crate::service::uapi::Bench,
    crate::service::uapi::Stats
);

/// The user address `addr`, as the kernel crate takes it.
fn user_ptr(addr: u64) -> UserPtr {
    // Kernel and user addresses are 64 bits on every supported
    // architecture: the conversion is exact.
    #[cfg(rlz4_rust_7)]
    return UserPtr::from_addr(addr as usize);
    #[cfg(not(rlz4_rust_7))]
    return addr as usize;
}

/// Reads a `u32` at user `addr`; `EFAULT` when it is not readable.
pub(crate) fn read_user(addr: u64) -> Result<u32> {
    UserSlice::new(user_ptr(addr), size_of::<u32>())
        .reader()
        .read()
}

/// Reads a `T` at user `addr` whose caller knows `usize >= size_of::<T>()`
/// bytes of it, as `copy_struct_from_user()`: the bytes beyond `T` must be
/// zero (`E2BIG` if not), `EFAULT` when they are not readable, `EINVAL` when
/// `usize` is smaller than `T`.
pub(crate) fn read_user_struct<T: UserStruct>(addr: u64, usize: usize) -> Result<T> {
    let ksize = size_of::<T>();
    let Some(rest) = usize.checked_sub(ksize) else {
        return read_user_struct_prefix(addr, usize);
    };
    let mut tail = UserSlice::new(user_ptr(addr.wrapping_add(ksize as u64)), rest).reader();
    let mut chunk = [0u8; 64];
    while !tail.is_empty() {
        let part = chunk.get_mut(..tail.len().min(64)).ok_or(EINVAL)?;
        tail.read_slice(part)?;
        if part.iter().any(|&b| b != 0) {
            return Err(E2BIG);
        }
    }
    UserSlice::new(user_ptr(addr), ksize).reader().read()
}

/// Reads the first `usize < size_of::<T>()` bytes of a `T` at user `addr`
/// (a caller of an older, shorter version of the struct), the rest zero;
/// `EFAULT` when they are not readable, `EINVAL` for a struct over 256
/// bytes.
fn read_user_struct_prefix<T: UserStruct>(addr: u64, usize: usize) -> Result<T> {
    let mut buf = [0u8; 256];
    let bytes = buf.get_mut(..size_of::<T>()).ok_or(EINVAL)?;
    let known = bytes.get_mut(..usize).ok_or(EINVAL)?;
    UserSlice::new(user_ptr(addr), usize)
        .reader()
        .read_slice(known)?;
    // SAFETY: `bytes` holds `size_of::<T>()` initialised bytes, any bytes
    // are a valid `T` (`FromBytes`), and `read_unaligned` copes with the
    // buffer's alignment.
    Ok(unsafe { core::ptr::read_unaligned(bytes.as_ptr().cast::<T>()) })
}

/// Writes the first `len` bytes of `value` (all of it if `len` is larger)
/// to user `addr`; `EFAULT` when they are not writable.
pub(crate) fn write_user_prefix<T: UserStruct>(addr: u64, value: &T, len: usize) -> Result {
    // SAFETY: `value` is valid for `size_of::<T>()` bytes, all initialised:
    // `T` has no padding (`AsBytes`).
    let bytes = unsafe {
        core::slice::from_raw_parts(core::ptr::from_ref(value).cast::<u8>(), size_of::<T>())
    };
    write_user_slice(addr, bytes.get(..len.min(bytes.len())).ok_or(EINVAL)?)
}

/// A zeroed kernel buffer of `len` bytes for one request: charged to the
/// caller's memory cgroup (`GFP_KERNEL_ACCOUNT`), vmalloc'ed when large, and
/// `ENOMEM` without an allocation-failure backtrace in the log
/// (`__GFP_NOWARN`, as `memdup_user()`): the size is the caller's to choose,
/// the caller gets the error and `STATS` counts it.
pub(crate) fn request_buffer(len: usize) -> Result<KVVec<u8>> {
    Ok(KVVec::from_elem(
        0u8,
        len,
        GFP_KERNEL_ACCOUNT | __GFP_NOWARN,
    )?)
}

/// Reads `len` bytes at user `addr` into a new [`request_buffer`];
/// `ENOMEM`, or `EFAULT` when they are not readable.
pub(crate) fn read_user_vec(addr: u64, len: usize) -> Result<KVVec<u8>> {
    let mut buf = request_buffer(len)?;
    UserSlice::new(user_ptr(addr), len)
        .reader()
        .read_slice(&mut buf)?;
    Ok(buf)
}

/// Writes `data` to user `addr`; `EFAULT` when it is not writable.
pub(crate) fn write_user_slice(addr: u64, data: &[u8]) -> Result {
    UserSlice::new(user_ptr(addr), data.len())
        .writer()
        .write_slice(data)
}

// ---------------------------------------------------------------------------
// The yield, the clock, parsing, the C reference decoder

/// Gives the CPU away if the scheduler wants it (`cond_resched()`): a no-op
/// on preemptible kernels, the only way out on `PREEMPT_NONE`.  For process
/// context, where sleeping is allowed; `DEBUG_ATOMIC_SLEEP` kernels report a
/// call from atomic context.
pub(crate) fn cond_resched() {
    // SAFETY: `cond_resched()` has no memory-safety precondition; calling it
    // from the wrong context is a bug the kernel reports, not undefined
    // behaviour.
    unsafe { ffi::rust_lz4_cond_resched() }
}

/// Whether the current task has a fatal signal pending.
pub(crate) fn fatal_signal_pending() -> bool {
    // SAFETY: reads `current`'s pending signals, valid in any task context.
    unsafe { ffi::rust_lz4_fatal_signal_pending() }
}

/// Monotonic time in ns (`ktime_get()`).  6.12's `Ktime` and 7.3's
/// `Instant` differ, and `Instant` gives no value of its own: hence the
/// binding.
pub(crate) fn now_ns() -> u64 {
    // SAFETY: `ktime_get()` may be called from any context but NMI.
    let t = unsafe { bindings::ktime_get() };
    // The monotonic clock starts at 0 at boot: never negative.
    t as u64
}

/// `kstrtoull(s, 0, ..)`: decimal, `0x` hex or `0` octal, one trailing
/// newline allowed; `ERANGE` when it does not fit, `EINVAL` when it is not a
/// number.
pub(crate) fn kstrtoull(s: &CStr) -> Result<u64> {
    let mut value: u64 = 0;
    // SAFETY: `s` is NUL-terminated; `value` is a valid `u64` to write.
    let ret = unsafe { bindings::kstrtoull(s.as_char_ptr().cast(), 0, &mut value) };
    if ret != 0 {
        return Err(Error::from_errno(ret));
    }
    Ok(value)
}

/// The kernel's C decoder `LZ4_decompress_safe()` on `src` into `dst`: the
/// decoded length, or the decoder's negative result for bad input; `EINVAL`
/// when a length does not fit an `int`.
pub(crate) fn c_lz4_decompress_safe(src: &[u8], dst: &mut [u8]) -> Result<i32> {
    let src_len = c_int::try_from(src.len()).map_err(|_| EINVAL)?;
    let dst_cap = c_int::try_from(dst.len()).map_err(|_| EINVAL)?;
    // SAFETY: the slices are valid for the lengths given; the C decoder
    // reads at most `src_len` bytes and writes at most `dst_cap`.
    Ok(unsafe {
        ffi::LZ4_decompress_safe(
            src.as_ptr().cast(),
            dst.as_mut_ptr().cast(),
            src_len,
            dst_cap,
        )
    })
}

// ---------------------------------------------------------------------------
// The crypto API's "lz4"

/// The decompression of a [`ScompAlg`], and what it is told of the
/// compressions.  The crypto API calls both in atomic context (under a
/// per-CPU lock, bottom halves disabled on 7.x): an implementation must not
/// sleep, yield or allocate.
pub(crate) trait Scomp {
    /// Decompresses `src` into `dst` (of the capacity the caller gave): the
    /// decoded length.  Any error becomes `-EINVAL` for the caller, as in
    /// `crypto/lz4.c`.
    fn decompress(src: &[u8], dst: &mut [u8]) -> Result<usize>;

    /// Told of each compression (the kernel's `LZ4_compress_default()`).
    fn compressed();
}

/// A slice of `len` bytes at `p`; empty when `len` is 0, whatever `p` is.
///
/// # Safety
///
/// Unless `len` is 0, `p` must be NULL or valid for reads of `len` bytes for
/// `'a`, with no writer.
unsafe fn c_bytes<'a>(p: *const u8, len: c_uint) -> Option<&'a [u8]> {
    if len == 0 {
        return Some(&[]);
    }
    if p.is_null() {
        return None;
    }
    // SAFETY: the caller's contract; a `c_uint` fits a `usize`.
    Some(unsafe { core::slice::from_raw_parts(p, len as usize) })
}

/// As [`c_bytes`], mutably.
///
/// # Safety
///
/// Unless `len` is 0, `p` must be NULL or valid for writes of `len` bytes
/// for `'a`, with no other access.
unsafe fn c_bytes_mut<'a>(p: *mut u8, len: c_uint) -> Option<&'a mut [u8]> {
    if len == 0 {
        return Some(&mut []);
    }
    if p.is_null() {
        return None;
    }
    // SAFETY: the caller's contract; a `c_uint` fits a `usize`.
    Some(unsafe { core::slice::from_raw_parts_mut(p, len as usize) })
}

/// `scomp_alg.decompress`, for `T`: `*dlen` is the capacity on entry and
/// the decoded length on success; on error `-EINVAL` and `*dlen` as it was.
///
/// # Safety
///
/// The crypto API's call: `dlen` NULL or valid, `src` valid for reads of
/// `slen` bytes and `dst` for writes of `*dlen` bytes, not overlapping.
unsafe extern "C" fn scomp_decompress<T: Scomp>(
    src: *const u8,
    slen: c_uint,
    dst: *mut u8,
    dlen: *mut c_uint,
    _ctx: *mut c_void,
) -> c_int {
    if dlen.is_null() {
        return EINVAL.to_errno();
    }
    // SAFETY: `dlen` is valid (non-NULL, the caller's contract).
    let cap = unsafe { *dlen };
    // SAFETY: the caller's contract, for the duration of this call.
    let (Some(src), Some(dst)) = (unsafe { c_bytes(src, slen) }, unsafe {
        c_bytes_mut(dst, cap)
    }) else {
        return EINVAL.to_errno();
    };
    match T::decompress(src, dst)
        .ok()
        .and_then(|n| c_uint::try_from(n).ok())
    {
        Some(n) if n <= cap => {
            // SAFETY: `dlen` is valid.
            unsafe { *dlen = n };
            0
        }
        _ => EINVAL.to_errno(),
    }
}

/// `scomp_alg.compress`: the kernel's `LZ4_compress_default()`, as
/// `crypto/lz4.c`; `T` is told of each call.
///
/// # Safety
///
/// As [`scomp_decompress`], and `ctx` is the algorithm's context from
/// `glue.c` (`LZ4_MEM_COMPRESS` bytes).
unsafe extern "C" fn scomp_compress<T: Scomp>(
    src: *const u8,
    slen: c_uint,
    dst: *mut u8,
    dlen: *mut c_uint,
    ctx: *mut c_void,
) -> c_int {
    T::compressed();
    if dlen.is_null() {
        return EINVAL.to_errno();
    }
    // SAFETY: `dlen` is valid (non-NULL, the caller's contract).
    let cap = unsafe { *dlen };
    let (Ok(in_len), Ok(out_cap)) = (c_int::try_from(slen), c_int::try_from(cap)) else {
        return EINVAL.to_errno();
    };
    // SAFETY: the buffers are valid for these sizes and `ctx` is the work
    // memory (the caller's contract); the compressor writes at most
    // `out_cap` bytes.
    let n = unsafe { ffi::LZ4_compress_default(src.cast(), dst.cast(), in_len, out_cap, ctx) };
    match c_uint::try_from(n) {
        Ok(m) if m > 0 => {
            // SAFETY: `dlen` is valid.
            unsafe { *dlen = m };
            0
        }
        _ => EINVAL.to_errno(),
    }
}

/// Whether the scomp algorithm is registered.
static SCOMP_CLAIMED: AtomicBool = AtomicBool::new(false);

/// The crypto API's `"lz4"`, driver `"lz4-rust"`, module `rust_lz4`: the
/// static `struct scomp_alg` of `glue.c`, decompressing with a [`Scomp`] and
/// compressing with the kernel's `LZ4_compress_default()`; unregistered on
/// drop.  Each transform of it holds a reference on the module, so the
/// module cannot be unloaded while one exists.
///
/// # Invariants
///
/// The algorithm is registered, with callbacks of this module, from
/// `register` until `drop`; the [`Claim`] makes that registration the only
/// one.
pub(crate) struct ScompAlg {
    _claim: Claim,
}

impl ScompAlg {
    /// Registers the algorithm with `T` and `priority` (`cra_priority`);
    /// `EBUSY` while another `ScompAlg` exists, or the crypto API's error
    /// (e.g. a failed self-test).
    pub(crate) fn register<T: Scomp>(priority: i32) -> Result<Self> {
        let claim = Claim::take(&SCOMP_CLAIMED).ok_or(EBUSY)?;
        // SAFETY: the claim makes this the only registration of the static
        // algorithm; the callbacks are functions of this module, which the
        // crypto API pins (`cra_module`) while a transform uses them.
        let ret = unsafe {
            ffi::rust_lz4_scomp_register(scomp_compress::<T>, scomp_decompress::<T>, priority)
        };
        if ret != 0 {
            return Err(Error::from_errno(ret));
        }
        // INVARIANT: registered just above.
        Ok(ScompAlg { _claim: claim })
    }
}

impl Drop for ScompAlg {
    fn drop(&mut self) {
        // SAFETY: registered (the type invariant), unregistered only here; no
        // transform exists while the module is unloaded, since each holds a
        // module reference.
        unsafe { ffi::rust_lz4_scomp_unregister() };
    }
}

/// Whether the caller runs in atomic context: `in_atomic() ||
/// irqs_disabled()`.  Exact on kernels with `CONFIG_PREEMPT_COUNT` (every
/// preemptible or `DEBUG_ATOMIC_SLEEP` kernel); without it a spinlock does
/// not show.
pub(crate) fn in_atomic() -> bool {
    // SAFETY: reads the preempt count and the interrupt flag; any context.
    unsafe { ffi::rust_lz4_in_atomic() }
}

/// One decompression through the crypto API, as a kernel user makes it,
/// with the transform of `driver` (e.g. `lz4-rust`, `lz4-scomp`): `src`
/// into `dst`, of the capacity `dst.len()`; the decoded length, or the
/// crypto API's error.  Process context (it allocates and may sleep).
pub(crate) fn acomp_decompress(driver: &CStr, src: &[u8], dst: &mut [u8]) -> Result<usize> {
    let slen = c_uint::try_from(src.len()).map_err(|_| EINVAL)?;
    let mut dlen = c_uint::try_from(dst.len()).map_err(|_| EINVAL)?;
    // SAFETY: `driver` is NUL-terminated; the slices are valid for the
    // lengths given, and the C side copies at most `dlen` bytes into `dst`.
    let ret = unsafe {
        ffi::rust_lz4_acomp_decompress(
            driver.as_char_ptr().cast(),
            src.as_ptr().cast(),
            slen,
            dst.as_mut_ptr().cast(),
            &mut dlen,
        )
    };
    if ret != 0 {
        return Err(Error::from_errno(ret));
    }
    Ok(dlen as usize)
}
