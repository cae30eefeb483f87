// SPDX-License-Identifier: GPL-2.0
//! Client of `/dev/rust_lz4`, the module's ioctl ABI
//! (`include/uapi/linux/rust_lz4.h`).
//!
//! The structs mirror the C header field for field; their sizes are checked
//! at compile time against the header's layout.

use crate::lz4::Format;
use std::fs::{File, OpenOptions};
use std::io;
use std::os::fd::AsRawFd;
use std::path::Path;

/// Default device node.
pub const DEFAULT_PATH: &str = "/dev/rust_lz4";
/// `RUST_LZ4_MAX_DST`.
pub const MAX_DST: usize = 16 << 20;
/// `RUST_LZ4_MAX_SRC`.
pub const MAX_SRC: usize = (16 << 20) + (128 << 10);
/// `RUST_LZ4_ZFS_EXACT`.
pub const ZFS_EXACT: u32 = 1;

const MAGIC: u64 = 0xBB;
/// `_IO(RUST_LZ4_IOC_MAGIC, nr)`.
const fn io(nr: u64) -> u64 {
    (MAGIC << 8) | nr
}
/// `RUST_LZ4_IOC_DECOMPRESS`.
pub const IOC_DECOMPRESS: u64 = io(1);
/// `RUST_LZ4_IOC_BENCH`.
pub const IOC_BENCH: u64 = io(2);
/// `RUST_LZ4_IOC_STATS`.
pub const IOC_STATS: u64 = io(3);

/// `struct rust_lz4_decompress`.
#[repr(C)]
#[derive(Clone, Copy, Debug, Default)]
pub struct DecompressArgs {
    pub argsz: u32,
    pub format: u32,
    pub flags: u32,
    pub reserved: u32,
    pub src: u64,
    pub src_len: u64,
    pub dst: u64,
    pub dst_cap: u64,
    pub dst_len: u64,
}

/// `struct rust_lz4_bench`.
#[repr(C)]
#[derive(Clone, Copy, Debug, Default)]
pub struct BenchArgs {
    pub argsz: u32,
    pub iterations: u32,
    pub src: u64,
    pub src_len: u64,
    pub dst_cap: u64,
    pub dst_len: u64,
    pub rust_ns: u64,
    pub c_ns: u64,
}

/// `struct rust_lz4_stats`.
#[repr(C)]
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct Stats {
    pub argsz: u32,
    pub reserved: u32,
    pub calls: u64,
    pub bytes_in: u64,
    pub bytes_out: u64,
    pub err_corrupt: u64,
    pub err_nospace: u64,
    pub err_unsupported: u64,
    pub err_invalid: u64,
    pub err_fault: u64,
    pub err_toobig: u64,
    pub err_nomem: u64,
    pub interrupted: u64,
    pub err_other: u64,
    pub yields: u64,
    pub max_yield_gap_ns: u64,
}

const _: () = assert!(std::mem::size_of::<DecompressArgs>() == 56);
const _: () = assert!(std::mem::size_of::<BenchArgs>() == 56);
const _: () = assert!(std::mem::size_of::<Stats>() == 120);

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
        ] {
            writeln!(out, "{k:<18} {v}")?;
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
        Format::Block => 0,
        Format::Zfs => 1,
        Format::Frame => 2,
        Format::Legacy => 3,
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
