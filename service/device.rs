// SPDX-License-Identifier: GPL-2.0

//! `/dev/rust_lz4`: the decompression service for userspace.
//!
//! A misc device (mode 0600) with three ioctls, defined in
//! `include/uapi/linux/rust_lz4.h`: `DECOMPRESS`, `BENCH` and `STATS`.  The
//! device has no per-open state, so any number of processes may use it at
//! once; each request works on its own kernel buffers.  The file operations
//! are owned by this module, so the module cannot be unloaded while the
//! device is open.

use super::kvbuf::KvBuf;
use super::resched::{self, KernelYield};
use super::uapi::{self, Abi};
use super::{errno, stats, to_kernel_error};
use crate::glue;
use crate::lz4::{self, Format};
use core::ffi::{c_long, c_uint, c_ulong};
use core::mem::size_of;
use kernel::{bindings, prelude::*};

/// `/dev/rust_lz4` and the debugfs test switches; unregistered on drop.
pub(crate) struct Device {
    debugfs: *mut glue::Dentry,
}

// SAFETY: the pointer is only handed back to `debugfs_remove()`, which may be
// called from any thread.
unsafe impl Send for Device {}
// SAFETY: no method uses the pointer through `&self`.
unsafe impl Sync for Device {}

impl Device {
    /// Registers the device.
    pub(crate) fn register() -> Result<Self> {
        // SAFETY: `ioctl` is valid for as long as the module is loaded, and
        // the fops hold a module reference while the device is open.
        let ret = unsafe { glue::rust_lz4_misc_register(ioctl) };
        if ret != 0 {
            return Err(Error::from_errno(ret));
        }
        // SAFETY: the flag is a static; debugfs failures are not fatal (the
        // test switch is then absent) and `debugfs_remove()` ignores them.
        let debugfs = unsafe {
            glue::rust_lz4_debugfs_create(resched::test_switch(), crate::follow::test_switch())
        };
        Ok(Device { debugfs })
    }
}

impl Drop for Device {
    fn drop(&mut self) {
        // SAFETY: registered in `register()`, unregistered only here.
        unsafe {
            glue::rust_lz4_misc_deregister();
            glue::rust_lz4_debugfs_remove(self.debugfs);
        }
    }
}

/// The ioctl handler: returns 0 or a negative errno.
extern "C" fn ioctl(cmd: c_uint, arg: u64) -> c_long {
    let res = match cmd {
        uapi::IOC_DECOMPRESS => counted(|| decompress(arg)),
        uapi::IOC_BENCH => counted(|| bench(arg)),
        uapi::IOC_STATS => stats(arg),
        _ => Err(ENOTTY),
    };
    match res {
        Ok(()) => 0,
        Err(e) => c_long::from(e.to_errno()),
    }
}

/// Runs a decoding request and counts it in the statistics.
fn counted(f: impl FnOnce() -> Result) -> Result {
    stats::record_call();
    let res = f();
    if let Err(e) = res {
        stats::record_error(e);
    }
    res
}

/// Reads an argument struct, honouring the caller's `argsz`.
fn read_args<T: Abi>(arg: u64) -> Result<T> {
    let mut argsz: u32 = 0;
    // SAFETY: copies 4 bytes into a local from a user address.
    let left = unsafe {
        glue::rust_lz4_copy_from_user((&raw mut argsz).cast(), arg, size_of::<u32>() as c_ulong)
    };
    if left != 0 {
        return Err(EFAULT);
    }
    if (argsz as usize) < size_of::<T>() {
        return Err(EINVAL);
    }
    if argsz > uapi::MAX_ARGSZ {
        return Err(E2BIG);
    }
    let mut args = T::default();
    // SAFETY: `T` is plain old data (`Abi`), so any bytes copied into it form
    // a valid value; `copy_struct_from_user` writes at most `size_of::<T>()`.
    let ret = unsafe {
        glue::rust_lz4_copy_struct_from_user(
            (&raw mut args).cast(),
            size_of::<T>(),
            arg,
            argsz as usize,
        )
    };
    if ret != 0 {
        return Err(Error::from_errno(ret));
    }
    Ok(args)
}

/// Writes an argument struct back, as much of it as the caller has.
fn write_args<T: Abi>(arg: u64, args: &T) -> Result {
    let n = size_of::<T>().min(args.argsz() as usize);
    let left =
        // SAFETY: `args` is valid for `size_of::<T>()` >= `n` bytes.
        unsafe { glue::rust_lz4_copy_to_user(arg, core::ptr::from_ref(args).cast(), n as c_ulong) };
    if left != 0 {
        return Err(EFAULT);
    }
    Ok(())
}

/// Allocates a kernel buffer of `len` bytes and fills it from user `addr`.
fn copy_in(addr: u64, len: usize) -> Result<KvBuf> {
    let mut buf = KvBuf::zeroed(len)?;
    let b = buf.as_mut_slice();
    let left =
        // SAFETY: `b` is valid for `b.len()` bytes.
        unsafe { glue::rust_lz4_copy_from_user(b.as_mut_ptr().cast(), addr, b.len() as c_ulong) };
    if left != 0 {
        return Err(EFAULT);
    }
    Ok(buf)
}

/// Copies `data` to user `addr`.
fn copy_out(addr: u64, data: &[u8]) -> Result {
    let left =
        // SAFETY: `data` is valid for `data.len()` bytes.
        unsafe { glue::rust_lz4_copy_to_user(addr, data.as_ptr().cast(), data.len() as c_ulong) };
    if left != 0 {
        return Err(EFAULT);
    }
    Ok(())
}

/// Checks a request's sizes against the caps: `E2BIG` when over.
fn check_caps(src_len: u64, dst_cap: u64) -> Result<(usize, usize)> {
    if src_len > uapi::MAX_SRC || dst_cap > uapi::MAX_DST {
        return Err(E2BIG);
    }
    // Both are at most a few MiB here: exact on every architecture.
    Ok((src_len as usize, dst_cap as usize))
}

/// `RUST_LZ4_IOC_DECOMPRESS`.
fn decompress(arg: u64) -> Result {
    let mut args: uapi::Decompress = read_args(arg)?;
    let format = match args.format {
        0 => Format::Block,
        1 => Format::Zfs,
        2 => Format::Frame,
        3 => Format::Legacy,
        _ => return Err(EINVAL),
    };
    let exact = args.flags & uapi::ZFS_EXACT != 0;
    if args.reserved != 0 || args.flags & !uapi::ZFS_EXACT != 0 || (exact && format != Format::Zfs)
    {
        return Err(EINVAL);
    }
    let (src_len, dst_cap) = check_caps(args.src_len, args.dst_cap)?;
    let src = copy_in(args.src, src_len)?;
    let mut dst = KvBuf::zeroed(dst_cap)?;

    let n = if exact {
        super::decompress_zfs_exact(src.as_slice(), dst.as_mut_slice())?
    } else {
        super::decompress(format, src.as_slice(), dst.as_mut_slice())?
    };

    let out = dst.as_slice().get(..n).ok_or(EINVAL)?;
    copy_out(args.dst, out)?;
    args.dst_len = n as u64;
    write_args(arg, &args)?;
    stats::record_ok(src_len, n);
    Ok(())
}

/// `RUST_LZ4_IOC_BENCH`: the Rust decoder against `LZ4_decompress_safe()`.
fn bench(arg: u64) -> Result {
    let mut args: uapi::Bench = read_args(arg)?;
    if args.iterations == 0 || args.iterations > uapi::MAX_ITERATIONS {
        return Err(EINVAL);
    }
    let (src_len, dst_cap) = check_caps(args.src_len, args.dst_cap)?;
    let src = copy_in(args.src, src_len)?;
    let mut rust_out = KvBuf::zeroed(dst_cap)?;
    let mut c_out = KvBuf::zeroed(dst_cap)?;
    // The caps keep both sizes far below `i32::MAX`.
    let (c_src_len, c_dst_cap) = (src_len as i32, dst_cap as i32);

    let mut hook = KernelYield::new();
    let res = (|| -> Result<(usize, u64, u64)> {
        let (mut rust_ns, mut c_ns, mut n) = (0u64, 0u64, 0usize);
        // One untimed round first: the first decoder to touch the buffers
        // and its code after the ioctl entry would otherwise pay for the cold
        // TLB entries and caches (under QEMU's TCG, which runs the test
        // kernels, a page-table walk per page), and the Rust decoder runs
        // first. Then alternate the decoders so that drift in machine speed
        // hits both.
        for round in 0..=args.iterations {
            let t0 = resched::now();
            let r = lz4::block::decompress(src.as_slice(), rust_out.as_mut_slice(), &mut hook);
            let t1 = resched::now();
            n = r.map_err(to_kernel_error)?;
            hook.point()?;

            // The C decoder cannot yield; its time is not counted in our
            // stretches between yields.
            let (c, t2, t3) = hook.outside(|| {
                let t2 = resched::now();
                // SAFETY: the buffers are valid for the given sizes, which
                // fit in `int`; the C decoder never writes beyond
                // `c_dst_cap`.
                let c = unsafe {
                    glue::LZ4_decompress_safe(
                        src.as_slice().as_ptr().cast(),
                        c_out.as_mut_slice().as_mut_ptr().cast(),
                        c_src_len,
                        c_dst_cap,
                    )
                };
                (c, t2, resched::now())
            });
            hook.point()?;

            if round > 0 {
                rust_ns = rust_ns.saturating_add(t1.saturating_sub(t0));
                c_ns = c_ns.saturating_add(t3.saturating_sub(t2));
            }
            if usize::try_from(c).ok() != Some(n) {
                pr_warn!(
                    "BENCH: C decoder returned {}, Rust decoder {} bytes\n",
                    c,
                    n
                );
                return Err(errno(bindings::EIO));
            }
        }
        Ok((n, rust_ns, c_ns))
    })();
    hook.finish();
    let (n, rust_ns, c_ns) = res?;

    if rust_out.as_slice().get(..n) != c_out.as_slice().get(..n) {
        pr_warn!("BENCH: the Rust and C decoders produced different bytes\n");
        return Err(errno(bindings::EIO));
    }
    args.dst_len = n as u64;
    args.rust_ns = rust_ns;
    args.c_ns = c_ns;
    write_args(arg, &args)?;
    // The Rust decoder ran `iterations` timed rounds and the untimed one.
    let decodes = (args.iterations as usize).saturating_add(1);
    stats::record_ok(src_len.saturating_mul(decodes), n.saturating_mul(decodes));
    Ok(())
}

/// `RUST_LZ4_IOC_STATS`.
fn stats(arg: u64) -> Result {
    let mut args: uapi::Stats = read_args(arg)?;
    if args.reserved != 0 {
        return Err(EINVAL);
    }
    stats::snapshot(&mut args);
    write_args(arg, &args)
}
