// SPDX-License-Identifier: GPL-2.0

//! `/dev/rust_lz4`: the decompression service for userspace.
//!
//! A misc device (mode 0600) with three ioctls, defined in
//! `include/uapi/linux/rust_lz4.h`: `DECOMPRESS`, `BENCH` and `STATS`.  The
//! device has no per-open state, so any number of processes may use it at
//! once; each request works on its own kernel buffers.  The file operations
//! are owned by this module, so the module cannot be unloaded while the
//! device is open.

use super::resched::{self, KernelYield};
use super::uapi;
use super::{errno, stats, to_kernel_error};
use crate::glue::{self, Ioctl, MiscDevice, UserStruct};
use crate::lz4::{self, Format};
use core::mem::size_of;
use kernel::{bindings, prelude::*};

/// `/dev/rust_lz4`; unregistered on drop.
pub(crate) struct Device {
    _misc: MiscDevice,
}

impl Device {
    /// Registers the device; `EBUSY` while another `Device` exists.
    pub(crate) fn register() -> Result<Self> {
        Ok(Device {
            _misc: MiscDevice::register::<Commands>()?,
        })
    }
}

/// The ioctls of the device.
struct Commands;

impl Ioctl for Commands {
    fn ioctl(cmd: u32, arg: u64) -> Result {
        match cmd {
            uapi::IOC_DECOMPRESS => counted(|| decompress(arg)),
            uapi::IOC_BENCH => counted(|| bench(arg)),
            uapi::IOC_STATS => stats(arg),
            _ => Err(ENOTTY),
        }
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

/// Reads an argument struct, honouring the caller's `argsz`, its first
/// field, which must cover the whole struct.
fn read_args<T: UserStruct>(arg: u64) -> Result<T> {
    read_args_from(arg, size_of::<T>())
}

/// Reads an argument struct whose first version was `min` bytes: a caller
/// with an `argsz` from `min` up gets the fields it knows, the rest zero.
fn read_args_from<T: UserStruct>(arg: u64, min: usize) -> Result<T> {
    let argsz = glue::read_user(arg)?;
    if (argsz as usize) < min {
        return Err(EINVAL);
    }
    if argsz > uapi::MAX_ARGSZ {
        return Err(E2BIG);
    }
    glue::read_user_struct(arg, argsz as usize)
}

/// Writes an argument struct back, as much of it as the caller's `argsz`
/// covers (see [`read_args_from`]).
fn write_args<T: UserStruct>(arg: u64, args: &T, argsz: u32) -> Result {
    glue::write_user_prefix(arg, args, argsz as usize)
}

/// Allocates a kernel buffer of `len` bytes and fills it from user `addr`.
fn copy_in(addr: u64, len: usize) -> Result<KVVec<u8>> {
    glue::read_user_vec(addr, len)
}

/// Copies `data` to user `addr`.
fn copy_out(addr: u64, data: &[u8]) -> Result {
    glue::write_user_slice(addr, data)
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
        uapi::FORMAT_BLOCK => Format::Block,
        uapi::FORMAT_ZFS => Format::Zfs,
        uapi::FORMAT_FRAME => Format::Frame,
        uapi::FORMAT_LEGACY => Format::Legacy,
        _ => return Err(EINVAL),
    };
    let exact = args.flags & uapi::ZFS_EXACT != 0;
    if args.reserved != 0 || args.flags & !uapi::ZFS_EXACT != 0 || (exact && format != Format::Zfs)
    {
        return Err(EINVAL);
    }
    let (src_len, dst_cap) = check_caps(args.src_len, args.dst_cap)?;
    let src = copy_in(args.src, src_len)?;
    let mut dst = glue::request_buffer(dst_cap)?;

    let n = if exact {
        super::decompress_zfs_exact(&src, &mut dst)?
    } else {
        super::decompress(format, &src, &mut dst)?
    };

    let out = dst.get(..n).ok_or(EINVAL)?;
    copy_out(args.dst, out)?;
    args.dst_len = n as u64;
    write_args(arg, &args, args.argsz)?;
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
    let mut rust_out = glue::request_buffer(dst_cap)?;
    let mut c_out = glue::request_buffer(dst_cap)?;

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
            let r = lz4::block::decompress(&src, &mut rust_out, &mut hook);
            let t1 = resched::now();
            n = r.map_err(to_kernel_error)?;
            hook.point()?;

            // The C decoder cannot yield; its time is not counted in our
            // stretches between yields.
            let (c, t2, t3) = hook.outside(|| {
                let t2 = resched::now();
                let c = glue::c_lz4_decompress_safe(&src, &mut c_out);
                (c, t2, resched::now())
            });
            hook.point()?;
            // The caps keep both lengths far below `i32::MAX`.
            let c = c?;

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

    if rust_out.get(..n) != c_out.get(..n) {
        pr_warn!("BENCH: the Rust and C decoders produced different bytes\n");
        return Err(errno(bindings::EIO));
    }
    args.dst_len = n as u64;
    args.rust_ns = rust_ns;
    args.c_ns = c_ns;
    write_args(arg, &args, args.argsz)?;
    // The Rust decoder ran `iterations` timed rounds and the untimed one.
    let decodes = (args.iterations as usize).saturating_add(1);
    stats::record_ok(src_len.saturating_mul(decodes), n.saturating_mul(decodes));
    Ok(())
}

/// `RUST_LZ4_IOC_STATS`.
fn stats(arg: u64) -> Result {
    let mut args: uapi::Stats = read_args_from(arg, uapi::STATS_SIZE_VER0 as usize)?;
    if args.reserved != 0 {
        return Err(EINVAL);
    }
    stats::snapshot(&mut args);
    write_args(arg, &args, args.argsz)
}
