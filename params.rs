// SPDX-License-Identifier: GPL-2.0

//! Read-only `u64` module parameters, made by hand.
//!
//! The parameters are set only at load time (`insmod`, `modprobe`, the kernel
//! command line for a built-in module) and are registered with mode 0444, so
//! `/sys/module/rust_lz4/parameters/<name>` can be read but never written,
//! not even by root.
//!
//! The `module!` macro cannot express such parameters on every supported
//! kernel (6.12 has no `params:`, 7.3 registers them with mode 0), so each one
//! is a `struct kernel_param` placed in the `__param` section by hand, exactly
//! what C's `module_param_cb()` emits.  Parsing uses the kernel's own
//! `kstrtoull()` (decimal, `0x` hex, `0` octal); values that are not a `u64`
//! are refused at parse time with a line naming the parameter, the value and
//! the valid range.  Rules that relate a value to others are checked by its
//! owner when the module starts.
//!
//! The safe interface is [`u64_param!`], which declares a parameter as a
//! static [`U64Param`], and [`modinfo!`] for the lines `modinfo` shows.  The
//! rest of this file is what the hand-made `kernel_param` needs.

use core::ffi::c_int;
use core::sync::atomic::{AtomicU64, Ordering};
use kernel::{bindings, prelude::*};

/// Stands for `struct module`, of which only the address is used.
#[repr(C)]
pub(crate) struct ModuleOpaque {
    _opaque: [u8; 0],
}

extern "C" {
    /// This module's `struct module`, emitted by modpost.
    pub(crate) static __this_module: ModuleOpaque;
}

/// A read-only `u64` parameter: its value, written only while the module is
/// being loaded, and what its refusal says.
///
/// `#[repr(C)]` with the value first: the kernel's `param_get_ullong()`
/// reads the `kernel_param`'s `arg` as a `u64`.
#[repr(C)]
pub(crate) struct U64Param {
    value: AtomicU64,
    name: &'static str,
    valid: &'static str,
}

impl U64Param {
    /// A parameter called `name` (as the `kernel_param`), `default` unless
    /// given at load; `valid` describes the values it accepts.
    pub(crate) const fn new(name: &'static str, default: u64, valid: &'static str) -> Self {
        U64Param {
            value: AtomicU64::new(default),
            name,
            valid,
        }
    }

    /// The value.
    pub(crate) fn get(&self) -> u64 {
        self.value.load(Ordering::Relaxed)
    }

    /// The parameter's name.
    pub(crate) fn name(&self) -> &'static str {
        self.name
    }

    /// Parses `text` with `kstrtoull()` and stores it; a line naming the
    /// parameter, the value and the valid range, and `EINVAL`, when it is
    /// not a `u64`.
    fn set(&self, text: &CStr) -> Result {
        match crate::glue::kstrtoull(text) {
            Ok(v) => {
                self.value.store(v, Ordering::Relaxed);
                Ok(())
            }
            Err(e) => {
                let why = if e == ERANGE {
                    "does not fit in 64 bits"
                } else {
                    "not an unsigned integer"
                };
                pr_err!(
                    "{}='{}' rejected: {}; valid: {}, in bytes, decimal or 0x hex\n",
                    self.name,
                    text.to_str().unwrap_or("<not UTF-8>"),
                    why,
                    self.valid
                );
                Err(EINVAL)
            }
        }
    }
}

/// A `struct kernel_param` that may live in a `static`.
#[repr(transparent)]
pub(crate) struct KernelParam(pub(crate) bindings::kernel_param);

// SAFETY: the raw pointers inside point to `'static` data (name, ops, the
// `U64Param`, this module's `struct module`); the kernel reads them only
// while parsing arguments and serving sysfs, and the value itself is atomic.
unsafe impl Sync for KernelParam {}

/// A `struct kernel_param_ops` that may live in a `static`.
#[repr(transparent)]
pub(crate) struct KernelParamOps(pub(crate) bindings::kernel_param_ops);

// SAFETY: contains only function pointers and plain integers.
unsafe impl Sync for KernelParamOps {}

/// Sysfs mode of every parameter: read-only for everybody.
pub(crate) const PERM_RO: u16 = 0o444;

/// Ops shared by every parameter: our own `set`, C's `get` for a u64.
pub(crate) static U64_OPS: KernelParamOps = KernelParamOps(bindings::kernel_param_ops {
    flags: 0,
    set: Some(param_set_u64),
    get: Some(bindings::param_get_ullong),
    free: None,
});

/// Declares `$vis static $param: U64Param` and its read-only
/// `struct kernel_param` called `$name`.
macro_rules! u64_param {
    ($vis:vis $param:ident, $name:literal, $default:expr, $valid:literal) => {
        $vis static $param: $crate::params::U64Param =
            $crate::params::U64Param::new($name, $default, $valid);

        const _: () = {
            // The `unsafe_code` lint counts `link_section`; the halves that
            // declare parameters deny it, and this one is the macro's.
            #[allow(unsafe_code)]
            #[link_section = "__param"]
            #[used]
            static KERNEL_PARAM: $crate::params::KernelParam =
                $crate::params::KernelParam(kernel::bindings::kernel_param {
                    name: concat!($name, "\0").as_ptr().cast(),
                    mod_: (&raw const $crate::params::__this_module).cast_mut().cast(),
                    ops: &$crate::params::U64_OPS.0,
                    perm: $crate::params::PERM_RO,
                    level: -1,
                    flags: 0,
                    __bindgen_anon_1: kernel::bindings::kernel_param__bindgen_ty_1 {
                        arg: (&raw const $param).cast_mut().cast(),
                    },
                });
        };
    };
}
pub(crate) use u64_param;

/// Emits one `.modinfo` string, as `MODULE_PARM_DESC()` / `__MODULE_PARM_TYPE()`.
macro_rules! modinfo {
    ($item:ident, $text:literal) => {
        #[allow(unsafe_code)]
        #[link_section = ".modinfo"]
        #[used]
        static $item: [u8; $text.len()] = *$text;
    };
}
pub(crate) use modinfo;

/// The NUL-terminated string at `p`.
///
/// Counts with wrapping arithmetic: `CStr::from_char_ptr()` would add one to
/// `strlen()` with an overflow check that the compiler keeps, a panic path,
/// which the module has none of (`scripts/no-panic.sh`).
///
/// # Safety
///
/// `p` must point to a NUL-terminated string that lives and does not change
/// for `'a`.
unsafe fn c_str<'a>(p: *const u8) -> &'a CStr {
    let mut len = 0usize;
    // SAFETY: the bytes up to the NUL are readable (the caller's contract).
    while unsafe { p.add(len).read() } != 0 {
        len = len.wrapping_add(1);
    }
    // SAFETY: the `len` bytes and the NUL are valid and unchanged for `'a`
    // (the caller's contract), and the NUL is the first.
    unsafe {
        CStr::from_bytes_with_nul_unchecked(core::slice::from_raw_parts(p, len.wrapping_add(1)))
    }
}

/// `set` op of every parameter.
///
/// Generic over the C character type, which is `i8` on 6.12 and `u8` on later
/// kernels (`-funsigned-char`); the instance is picked by the field's type.
///
/// # Safety
///
/// Called by the kernel's parameter parser with `val` a NUL-terminated string
/// and `kp` a parameter of [`u64_param!`], whose `arg` points to a static
/// [`U64Param`].
unsafe extern "C" fn param_set_u64<C>(val: *const C, kp: *const bindings::kernel_param) -> c_int {
    // SAFETY: `kp` is one of our statics and its `arg` a static `U64Param`
    // (the caller's contract).
    let param = unsafe { &*(*kp).__bindgen_anon_1.arg.cast::<U64Param>() };
    // SAFETY: the parser passes a NUL-terminated string (parameters without a
    // value never reach a non-NOARG `set` op), alive during the call.
    let text = unsafe { c_str(val.cast()) };
    match param.set(text) {
        Ok(()) => 0,
        Err(e) => e.to_errno(),
    }
}
