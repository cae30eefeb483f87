// SPDX-License-Identifier: GPL-2.0
//! Client of `/dev/rust_lz4`, the module's ioctl ABI
//! (`include/uapi/linux/rust_lz4.h`).
//!
//! The structs and numbers are the module's own, `service/uapi.rs`, which
//! the build checks against the C header (`scripts/abi-check.sh`).

use crate::lz4::Format;
use crate::uapi;
use std::fs::{File, OpenOptions};
use std::io;
use std::os::fd::AsRawFd;
use std::path::Path;

pub use crate::uapi::{Bench as BenchArgs, Decompress as DecompressArgs, Stats, ZFS_EXACT};

/// Default device node.
pub const DEFAULT_PATH: &str = "/dev/rust_lz4";
/// `RUST_LZ4_MAX_DST`.
pub const MAX_DST: usize = uapi::MAX_DST as usize;
/// `RUST_LZ4_MAX_SRC`.
pub const MAX_SRC: usize = uapi::MAX_SRC as usize;

/// `RUST_LZ4_IOC_DECOMPRESS`, as `ioctl()` takes it.
pub const IOC_DECOMPRESS: u64 = uapi::IOC_DECOMPRESS as u64;
/// `RUST_LZ4_IOC_BENCH`.
pub const IOC_BENCH: u64 = uapi::IOC_BENCH as u64;
/// `RUST_LZ4_IOC_STATS`.
pub const IOC_STATS: u64 = uapi::IOC_STATS as u64;

impl Stats {
    /// Sum of all error counters.
    pub fn errors(&self) -> u64 {
        self.err_corrupt
            + self.err_nospace
            + self.err_unsupported
            + self.err_invalid
            + self.err_fault
            + self.err_toobig
            + self.err_nomem
            + self.interrupted
            + self.err_other
    }

    /// Print as `name value` lines.
    pub fn print(&self, out: &mut impl io::Write) -> io::Result<()> {
        for (k, v) in [
            ("calls", self.calls),
            ("bytes_in", self.bytes_in),
            ("bytes_out", self.bytes_out),
            ("err_corrupt", self.err_corrupt),
            ("err_nospace", self.err_nospace),
            ("err_unsupported", self.err_unsupported),
            ("err_invalid", self.err_invalid),
            ("err_fault", self.err_fault),
            ("err_toobig", self.err_toobig),
            ("err_nomem", self.err_nomem),
            ("interrupted", self.interrupted),
            ("err_other", self.err_other),
            ("yields", self.yields),
            ("max_yield_gap_ns", self.max_yield_gap_ns),
            ("crypto_calls", self.crypto_calls),
            ("crypto_bytes_in", self.crypto_bytes_in),
            ("crypto_bytes_out", self.crypto_bytes_out),
            ("crypto_errors", self.crypto_errors),
            ("crypto_atomic", self.crypto_atomic),
            ("crypto_compress_calls", self.crypto_compress_calls),
        ] {
            writeln!(out, "{k:<21} {v}")?;
        }
        Ok(())
    }
}

/// Result of a BENCH request.
#[derive(Clone, Copy, Debug)]
pub struct BenchResult {
    /// Decoded length.
    pub len: usize,
    /// Total ns of the Rust decoder.
    pub rust_ns: u64,
    /// Total ns of the kernel's `LZ4_decompress_safe()`.
    pub c_ns: u64,
}

/// ABI number of a format.
pub fn format_code(f: Format) -> u32 {
    match f {
        Format::Block => uapi::FORMAT_BLOCK,
        Format::Zfs => uapi::FORMAT_ZFS,
        Format::Frame => uapi::FORMAT_FRAME,
        Format::Legacy => uapi::FORMAT_LEGACY,
    }
}

/// An open `/dev/rust_lz4`.
pub struct Device {
    file: File,
}

impl Device {
    /// Opens the device node.
    pub fn open(path: impl AsRef<Path>) -> io::Result<Device> {
        let file = OpenOptions::new().read(true).write(true).open(path)?;
        Ok(Device { file })
    }

    /// Issues an ioctl with a raw argument.
    ///
    /// # Safety
    ///
    /// `arg` must be what the kernel expects for `cmd`, or a value the test
    /// wants the kernel to reject: the kernel checks user memory itself, but
    /// it writes results back through valid pointers in `arg`.
    pub unsafe fn ioctl_raw(&self, cmd: u64, arg: u64) -> io::Result<()> {
        // SAFETY: forwarded to the caller.
        let r = unsafe { libc::ioctl(self.file.as_raw_fd(), cmd as _, arg) };
        if r < 0 {
            Err(io::Error::last_os_error())
        } else {
            Ok(())
        }
    }

    /// `RUST_LZ4_IOC_DECOMPRESS`: decode `src` into `dst`.
    pub fn decompress(
        &self,
        format: Format,
        flags: u32,
        src: &[u8],
        dst: &mut [u8],
    ) -> io::Result<usize> {
        let mut a = DecompressArgs {
            argsz: std::mem::size_of::<DecompressArgs>() as u32,
            format: format_code(format),
            flags,
            src: src.as_ptr() as u64,
            src_len: src.len() as u64,
            dst: dst.as_mut_ptr() as u64,
            dst_cap: dst.len() as u64,
            ..Default::default()
        };
        // SAFETY: `a` describes live buffers of the given sizes.
        unsafe { self.ioctl_raw(IOC_DECOMPRESS, &mut a as *mut _ as u64)? };
        Ok(a.dst_len as usize)
    }

    /// `RUST_LZ4_IOC_BENCH`: decode a raw block `iterations` times with each
    /// decoder in the kernel.
    pub fn bench(&self, src: &[u8], dst_cap: usize, iterations: u32) -> io::Result<BenchResult> {
        let mut a = BenchArgs {
            argsz: std::mem::size_of::<BenchArgs>() as u32,
            iterations,
            src: src.as_ptr() as u64,
            src_len: src.len() as u64,
            dst_cap: dst_cap as u64,
            ..Default::default()
        };
        // SAFETY: `a` describes a live source buffer.
        unsafe { self.ioctl_raw(IOC_BENCH, &mut a as *mut _ as u64)? };
        Ok(BenchResult {
            len: a.dst_len as usize,
            rust_ns: a.rust_ns,
            c_ns: a.c_ns,
        })
    }

    /// `RUST_LZ4_IOC_STATS`.
    pub fn stats(&self) -> io::Result<Stats> {
        let mut s = Stats {
            argsz: std::mem::size_of::<Stats>() as u32,
            ..Default::default()
        };
        // SAFETY: `s` is a live, correctly sized struct.
        unsafe { self.ioctl_raw(IOC_STATS, &mut s as *mut _ as u64)? };
        Ok(s)
    }
}

/// The errno of an I/O error, or 0.
pub fn errno(e: &io::Error) -> i32 {
    e.raw_os_error().unwrap_or(0)
}

/// The kernel's errno name for the codes the device returns.
pub fn errno_name(code: i32) -> &'static str {
    match code {
        libc::EBADMSG => "EBADMSG",
        libc::ENOSPC => "ENOSPC",
        libc::EOPNOTSUPP => "EOPNOTSUPP",
        libc::EINVAL => "EINVAL",
        libc::EFAULT => "EFAULT",
        libc::E2BIG => "E2BIG",
        libc::ENOMEM => "ENOMEM",
        libc::EINTR => "EINTR",
        libc::ENOTTY => "ENOTTY",
        libc::EIO => "EIO",
        libc::EACCES => "EACCES",
        libc::ENOENT => "ENOENT",
        _ => "E?",
    }
}
