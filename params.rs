// SPDX-License-Identifier: GPL-2.0

//! Read-only module parameters: `zfs_arc_min`, `zfs_arc_max` and
//! `yield_interval`.
//!
//! The parameters are set only at load time (`insmod`, `modprobe`, the kernel
//! command line for a built-in module) and are registered with mode 0444, so
//! `/sys/module/rust_lz4/parameters/zfs_arc_{min,max}` can be read but never
//! written, not even by root.  This is the remedy proposed after the incident
//! that motivated this module: ARC limits tuned by hand on a live host whose
//! memory was being ballooned away.
//!
//! The `module!` macro cannot express such parameters on every supported
//! kernel (6.12 has no `params:`, 7.3 registers them with mode 0), so each one
//! is a `struct kernel_param` placed in the `__param` section by hand, exactly
//! what C's `module_param_cb()` emits.  Parsing uses the kernel's own
//! `kstrtoull()` (decimal, `0x` hex, `0` octal); values that are not a `u64`
//! are refused at parse time with a line naming the parameter, the value and
//! the valid range.  The ARC rules that relate the two values and the machine's
//! memory are checked afterwards, in [`effective_limits`].

use crate::arc::{self, ArcLimits};
use crate::lz4::{DEFAULT_YIELD_INTERVAL, MIN_YIELD_INTERVAL};
use core::ffi::c_int;
use core::sync::atomic::{AtomicU64, Ordering};
use kernel::{bindings, prelude::*};

/// Stands for `struct module`, of which only the address is used.
#[repr(C)]
struct ModuleOpaque {
    _opaque: [u8; 0],
}

extern "C" {
    /// This module's `struct module`, emitted by modpost.
    static __this_module: ModuleOpaque;
}

/// Value of `zfs_arc_min` in bytes, 0 for automatic.  Written only while the
/// module is being loaded.
static ZFS_ARC_MIN: AtomicU64 = AtomicU64::new(0);
/// Value of `zfs_arc_max` in bytes, 0 for automatic.  Written only while the
/// module is being loaded.
static ZFS_ARC_MAX: AtomicU64 = AtomicU64::new(0);
/// Bytes of decoder progress between two yield points.  Written only while
/// the module is being loaded.
static YIELD_INTERVAL: AtomicU64 = AtomicU64::new(DEFAULT_YIELD_INTERVAL as u64);

/// Smallest `yield_interval`: below it, yielding would cost more than decoding.
const YIELD_INTERVAL_MIN: u64 = MIN_YIELD_INTERVAL as u64;
/// Largest `yield_interval`: 16 MiB, one maximal ZFS block.
const YIELD_INTERVAL_MAX: u64 = 16 << 20;

/// A `struct kernel_param` that may live in a `static`.
#[repr(transparent)]
struct KernelParam(bindings::kernel_param);

// SAFETY: the raw pointers inside point to `'static` data (name, ops, the
// value's atomic, this module's `struct module`); the kernel reads them only
// while parsing arguments and serving sysfs, and the value itself is atomic.
unsafe impl Sync for KernelParam {}

/// A `struct kernel_param_ops` that may live in a `static`.
#[repr(transparent)]
struct KernelParamOps(bindings::kernel_param_ops);

// SAFETY: contains only function pointers and plain integers.
unsafe impl Sync for KernelParamOps {}

/// Sysfs mode of both parameters: read-only for everybody.
const PERM_RO: u16 = 0o444;

/// Ops shared by both parameters: our own `set`, C's `get` for a u64.
static U64_OPS: KernelParamOps = KernelParamOps(bindings::kernel_param_ops {
    flags: 0,
    set: Some(param_set_bytes),
    get: Some(bindings::param_get_ullong),
    free: None,
});

/// Declares one read-only `u64` byte-count parameter backed by an atomic.
macro_rules! byte_param {
    ($param:ident, $name:literal, $value:ident) => {
        #[link_section = "__param"]
        #[used]
        static $param: KernelParam = KernelParam(bindings::kernel_param {
            name: $name.as_ptr().cast(),
            mod_: (&raw const __this_module).cast_mut().cast(),
            ops: &U64_OPS.0,
            perm: PERM_RO,
            level: -1,
            flags: 0,
            __bindgen_anon_1: bindings::kernel_param__bindgen_ty_1 {
                arg: $value.as_ptr().cast(),
            },
        });
    };
}

byte_param!(ZFS_ARC_MIN_PARAM, b"zfs_arc_min\0", ZFS_ARC_MIN);
byte_param!(ZFS_ARC_MAX_PARAM, b"zfs_arc_max\0", ZFS_ARC_MAX);
byte_param!(YIELD_INTERVAL_PARAM, b"yield_interval\0", YIELD_INTERVAL);

/// Emits one `.modinfo` string, as `MODULE_PARM_DESC()` / `__MODULE_PARM_TYPE()`.
macro_rules! modinfo {
    ($item:ident, $text:literal) => {
        #[link_section = ".modinfo"]
        #[used]
        static $item: [u8; $text.len()] = *$text;
    };
}

modinfo!(PARMTYPE_MIN, b"parmtype=zfs_arc_min:ullong\0");
modinfo!(
    PARM_MIN,
    b"parm=zfs_arc_min:Minimum ARC size in bytes, read-only, set at load (0 = max(RAM/32, 32 MiB); else 32 MiB..=c_max)\0"
);
modinfo!(PARMTYPE_MAX, b"parmtype=zfs_arc_max:ullong\0");
modinfo!(
    PARM_MAX,
    b"parm=zfs_arc_max:Maximum ARC size in bytes, read-only, set at load (0 = max(5/8 RAM, RAM - 1 GiB); else 64 MiB..RAM)\0"
);
modinfo!(PARMTYPE_YIELD, b"parmtype=yield_interval:ullong\0");
modinfo!(
    PARM_YIELD,
    b"parm=yield_interval:Bytes of decoder progress (input + output) between two cond_resched() points, read-only (default 65536; 256..=16777216)\0"
);

/// The NUL-terminated string at `p`, without its NUL, if it is UTF-8.
///
/// `CStr::from_char_ptr()` would do, but it adds one to the length, an
/// overflow check that the compiler keeps: a panic path, which the module
/// has none of (`scripts/no-panic.sh`).
///
/// # Safety
///
/// `p` must point to a NUL-terminated string that lives and does not change
/// for `'a`.
unsafe fn c_text<'a>(p: *const u8) -> Option<&'a str> {
    // SAFETY: `p` is NUL-terminated (the caller's contract).
    let len = unsafe { bindings::strlen(p.cast()) };
    // SAFETY: the `len` bytes before the NUL are valid and unchanged for
    // `'a` (the caller's contract).
    let bytes = unsafe { core::slice::from_raw_parts(p, len) };
    core::str::from_utf8(bytes).ok()
}

/// `set` op of both parameters: parse a `u64` with `kstrtoull()`.
///
/// Generic over the C character type, which is `i8` on 6.12 and `u8` on later
/// kernels (`-funsigned-char`); the instance is picked by the field's type.
///
/// # Safety
///
/// Called by the kernel's parameter parser with `val` a NUL-terminated string
/// and `kp` one of the parameters above, whose `arg` points to an `AtomicU64`.
unsafe extern "C" fn param_set_bytes<C>(val: *const C, kp: *const bindings::kernel_param) -> c_int {
    // SAFETY: `kp` is one of our statics, valid for the module's lifetime.
    let kp = unsafe { &*kp };
    // SAFETY: `name` points to a NUL-terminated literal.
    let name = unsafe { c_text(kp.name.cast()) }.unwrap_or("?");

    let mut value: u64 = 0;
    // SAFETY: the parser passes a NUL-terminated string (parameters without a
    // value never reach a non-NOARG `set` op).
    let ret = unsafe { bindings::kstrtoull(val.cast(), 0, &mut value) };
    if ret != 0 {
        // SAFETY: as above, `val` is NUL-terminated.
        let text = unsafe { c_text(val.cast()) }.unwrap_or("<not UTF-8>");
        let valid = if core::ptr::eq(kp, &ZFS_ARC_MIN_PARAM.0) {
            "0 (automatic) or 33554432 (32 MiB) up to zfs_arc_max"
        } else if core::ptr::eq(kp, &ZFS_ARC_MAX_PARAM.0) {
            "0 (automatic) or 67108864 (64 MiB) up to total RAM, exclusive"
        } else {
            "256 to 16777216"
        };
        let why = if ret == ERANGE.to_errno() {
            "does not fit in 64 bits"
        } else {
            "not an unsigned integer"
        };
        pr_err!(
            "{}='{}' rejected: {}; valid: {}, in bytes, decimal or 0x hex\n",
            name,
            text,
            why,
            valid
        );
        return EINVAL.to_errno();
    }

    // SAFETY: `arg` of our parameters points to a static `AtomicU64`.
    let slot = unsafe { AtomicU64::from_ptr(kp.__bindgen_anon_1.arg.cast::<u64>()) };
    slot.store(value, Ordering::Relaxed);
    0
}

/// Total RAM in bytes, as OpenZFS's `arc_all_memory()` sees it on Linux.
pub(crate) fn total_ram() -> u64 {
    // SAFETY: `sysinfo` is plain old data; all-zeroes is a valid value.
    let mut info: bindings::sysinfo = unsafe { core::mem::zeroed() };
    // SAFETY: `si_meminfo` only fills in the struct we pass.
    unsafe { bindings::si_meminfo(&mut info) };
    // `totalram` is an `unsigned long`: 64 bits on every 64-bit kernel.
    (info.totalram as u64).saturating_mul(u64::from(info.mem_unit))
}

/// The values given at load time, `(zfs_arc_min, zfs_arc_max)`.
pub(crate) fn values() -> (u64, u64) {
    (
        ZFS_ARC_MIN.load(Ordering::Relaxed),
        ZFS_ARC_MAX.load(Ordering::Relaxed),
    )
}

/// Validates the parameters against the OpenZFS rules for the current RAM.
///
/// Logs one line naming the parameter, its value and the valid range and
/// returns `EINVAL` when they are refused.
pub(crate) fn effective_limits() -> Result<ArcLimits> {
    let (min, max) = values();
    arc::limits(total_ram(), min, max).map_err(|e| {
        // `format_args!` formats with `core::fmt::Display`, which the kernel's
        // printing macros accept on every supported kernel.
        pr_err!("{}\n", format_args!("{}", e));
        EINVAL
    })
}

/// The validated `yield_interval`.
///
/// Logs one line naming the parameter, its value and the valid range and
/// returns `EINVAL` when it is out of range.
pub(crate) fn yield_interval() -> Result<usize> {
    let v = YIELD_INTERVAL.load(Ordering::Relaxed);
    if !(YIELD_INTERVAL_MIN..=YIELD_INTERVAL_MAX).contains(&v) {
        pr_err!(
            "yield_interval={} rejected: out of range; valid range {}..={} bytes\n",
            v,
            YIELD_INTERVAL_MIN,
            YIELD_INTERVAL_MAX
        );
        return Err(EINVAL);
    }
    // At most 16 MiB: exact in a `usize`.
    Ok(v as usize)
}
