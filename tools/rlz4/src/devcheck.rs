// SPDX-License-Identifier: GPL-2.0
//! `rlz4 devcheck`: the ioctl ABI of `/dev/rust_lz4` against bad requests.
//!
//! Each check issues one request the kernel must refuse (or handle) in a
//! defined way and compares the errno.  Prints one line per check, `ok NAME`
//! or `not ok NAME: why`, for the guest harness to number as KTAP; exits 1 if
//! any check failed.  The last check verifies that `STATS` accounted for
//! every request made here.

use crate::device::{
    self, BenchArgs, DecompressArgs, Device, Stats, IOC_BENCH, IOC_DECOMPRESS, IOC_STATS,
};
use crate::lz4::Format;
use std::process::ExitCode;

/// An address that is never mapped in a user process (the zero page region).
const BAD_PTR: u64 = 0x10;

struct Checker {
    dev: Device,
    failed: usize,
    /// DECOMPRESS/BENCH requests that reached the handler (counted as calls).
    calls: u64,
    /// ... of which failed.
    errors: u64,
}

impl Checker {
    fn report(&mut self, name: &str, res: Result<(), String>) {
        match res {
            Ok(()) => println!("ok {name}"),
            Err(why) => {
                self.failed += 1;
                println!("not ok {name}: {why}");
            }
        }
    }

    /// Issues a raw DECOMPRESS and expects `want` (0 for success).
    fn decompress(&mut self, name: &str, args: &mut DecompressArgs, want: i32) {
        let got = unsafe_ioctl(&self.dev, IOC_DECOMPRESS, args as *mut _ as u64);
        self.count(got);
        self.report(name, expect(got, want));
    }

    fn count(&mut self, got: i32) {
        self.calls += 1;
        if got != 0 {
            self.errors += 1;
        }
    }
}

/// Runs one ioctl, returning 0 or the errno.
fn unsafe_ioctl(dev: &Device, cmd: u64, arg: u64) -> i32 {
    // SAFETY: every argument handed here either points to a live struct of
    // the right type or is an address the kernel must refuse with EFAULT.
    match unsafe { dev.ioctl_raw(cmd, arg) } {
        Ok(()) => 0,
        Err(e) => device::errno(&e),
    }
}

fn expect(got: i32, want: i32) -> Result<(), String> {
    if got == want {
        Ok(())
    } else {
        Err(format!(
            "got {} ({got}), want {} ({want})",
            if got == 0 {
                "success"
            } else {
                device::errno_name(got)
            },
            if want == 0 {
                "success"
            } else {
                device::errno_name(want)
            }
        ))
    }
}

fn args(src: &[u8], dst: &mut [u8], format: Format) -> DecompressArgs {
    DecompressArgs {
        argsz: std::mem::size_of::<DecompressArgs>() as u32,
        format: device::format_code(format),
        src: src.as_ptr() as u64,
        src_len: src.len() as u64,
        dst: dst.as_mut_ptr() as u64,
        dst_cap: dst.len() as u64,
        ..Default::default()
    }
}

/// Entry point of `rlz4 devcheck [DEVICE]`.
pub fn main(args_in: &[String]) -> ExitCode {
    let path = args_in
        .first()
        .map(String::as_str)
        .unwrap_or(device::DEFAULT_PATH);
    let dev = match Device::open(path) {
        Ok(d) => d,
        Err(e) => {
            println!("not ok open: {path}: {e}");
            return ExitCode::FAILURE;
        }
    };
    let before = match dev.stats() {
        Ok(s) => s,
        Err(e) => {
            println!("not ok stats: {e}");
            return ExitCode::FAILURE;
        }
    };
    let mut c = Checker {
        dev,
        failed: 0,
        calls: 0,
        errors: 0,
    };

    // A valid block: 1000 bytes of a repeating pattern.
    let plain: Vec<u8> = (0..1000u32).map(|i| (i % 7) as u8 + b'a').collect();
    let block = lz4_flex::block::compress(&plain);
    let mut dst = vec![0u8; 4096];

    let mut a = args(&block, &mut dst, Format::Block);
    c.decompress("decompress_valid_block", &mut a, 0);
    let ok = a.dst_len as usize == plain.len() && dst[..plain.len()] == plain[..];
    c.report(
        "decompress_valid_block_bytes",
        if ok {
            Ok(())
        } else {
            Err("wrong output".into())
        },
    );

    // Unknown ioctls never reach the handlers.
    for (name, cmd) in [
        ("unknown_ioctl_nr", (0xBBu64 << 8) | 0x7f),
        ("unknown_ioctl_magic", (0x42u64 << 8) | 1),
    ] {
        let got = unsafe_ioctl(&c.dev, cmd, 0);
        c.report(name, expect(got, libc::ENOTTY));
    }

    // Bad argument pointers.
    let got = unsafe_ioctl(&c.dev, IOC_DECOMPRESS, 0);
    c.count(got);
    c.report("efault_null_arg", expect(got, libc::EFAULT));
    let got = unsafe_ioctl(&c.dev, IOC_DECOMPRESS, BAD_PTR);
    c.count(got);
    c.report("efault_bad_arg", expect(got, libc::EFAULT));
    let got = unsafe_ioctl(&c.dev, IOC_STATS, BAD_PTR);
    c.report("efault_stats_arg", expect(got, libc::EFAULT));

    let mut a = args(&block, &mut dst, Format::Block);
    a.src = BAD_PTR;
    c.decompress("efault_bad_src", &mut a, libc::EFAULT);
    let mut a = args(&block, &mut dst, Format::Block);
    a.dst = BAD_PTR;
    c.decompress("efault_bad_dst", &mut a, libc::EFAULT);
    // A source that runs off the end of a mapping: length far past `block`.
    let mut a = args(&block, &mut dst, Format::Block);
    a.src = u64::MAX - 64;
    c.decompress("efault_src_wraps", &mut a, libc::EFAULT);

    // Caps.
    let mut a = args(&block, &mut dst, Format::Block);
    a.src_len = device::MAX_SRC as u64 + 1;
    c.decompress("e2big_src_len", &mut a, libc::E2BIG);
    let mut a = args(&block, &mut dst, Format::Block);
    a.dst_cap = device::MAX_DST as u64 + 1;
    c.decompress("e2big_dst_cap", &mut a, libc::E2BIG);
    let mut a = args(&block, &mut dst, Format::Block);
    a.dst_cap = u64::MAX;
    c.decompress("e2big_dst_cap_u64_max", &mut a, libc::E2BIG);

    // argsz: the struct carries its own size.
    let mut a = args(&block, &mut dst, Format::Block);
    a.argsz = 8;
    c.decompress("einval_short_argsz", &mut a, libc::EINVAL);
    let mut a = args(&block, &mut dst, Format::Block);
    a.argsz = 8192;
    c.decompress("e2big_huge_argsz", &mut a, libc::E2BIG);
    {
        // A newer caller: a longer struct whose unknown tail is zero is fine,
        // a non-zero unknown tail is refused.
        #[repr(C)]
        struct Longer {
            a: DecompressArgs,
            extra: u64,
        }
        let mut l = Longer {
            a: args(&block, &mut dst, Format::Block),
            extra: 0,
        };
        l.a.argsz = std::mem::size_of::<Longer>() as u32;
        let got = unsafe_ioctl(&c.dev, IOC_DECOMPRESS, &mut l as *mut _ as u64);
        c.count(got);
        c.report("longer_struct_zero_tail", expect(got, 0));
        l.extra = 1;
        let got = unsafe_ioctl(&c.dev, IOC_DECOMPRESS, &mut l as *mut _ as u64);
        c.count(got);
        c.report("e2big_longer_struct_nonzero_tail", expect(got, libc::E2BIG));
    }

    // Fields.
    let mut a = args(&block, &mut dst, Format::Block);
    a.format = 9;
    c.decompress("einval_format", &mut a, libc::EINVAL);
    let mut a = args(&block, &mut dst, Format::Block);
    a.reserved = 1;
    c.decompress("einval_reserved", &mut a, libc::EINVAL);
    let mut a = args(&block, &mut dst, Format::Block);
    a.flags = 0x80;
    c.decompress("einval_flags", &mut a, libc::EINVAL);
    let mut a = args(&block, &mut dst, Format::Block);
    a.flags = device::ZFS_EXACT;
    c.decompress("einval_exact_on_block", &mut a, libc::EINVAL);

    // Data errors.
    for (name, fmt) in [
        ("zero_length_block", Format::Block),
        ("zero_length_zfs", Format::Zfs),
        ("zero_length_frame", Format::Frame),
        ("zero_length_legacy", Format::Legacy),
    ] {
        let mut a = args(&[], &mut dst, fmt);
        c.decompress(name, &mut a, libc::EBADMSG);
    }
    let mut small = vec![0u8; plain.len() - 1];
    let mut a = args(&block, &mut small, Format::Block);
    c.decompress("enospc_dst_too_small", &mut a, libc::ENOSPC);
    let mut a = args(&block, &mut [], Format::Block);
    c.decompress("enospc_zero_dst", &mut a, libc::ENOSPC);
    let garbage = [0xffu8; 64];
    let mut a = args(&garbage, &mut dst, Format::Block);
    c.decompress("ebadmsg_garbage", &mut a, libc::EBADMSG);
    let mut zfs = (block.len() as u32).to_be_bytes().to_vec();
    zfs.extend_from_slice(&block);
    let mut exact = vec![0u8; plain.len() + 1];
    let mut a = args(&zfs, &mut exact, Format::Zfs);
    a.flags = device::ZFS_EXACT;
    c.decompress("ebadmsg_zfs_exact_short", &mut a, libc::EBADMSG);
    let mut exact = vec![0u8; plain.len()];
    let mut a = args(&zfs, &mut exact, Format::Zfs);
    a.flags = device::ZFS_EXACT;
    c.decompress("zfs_exact_ok", &mut a, 0);

    // BENCH.
    let mut b = BenchArgs {
        argsz: std::mem::size_of::<BenchArgs>() as u32,
        iterations: 0,
        src: block.as_ptr() as u64,
        src_len: block.len() as u64,
        dst_cap: 4096,
        ..Default::default()
    };
    let got = unsafe_ioctl(&c.dev, IOC_BENCH, &mut b as *mut _ as u64);
    c.count(got);
    c.report("bench_einval_zero_iterations", expect(got, libc::EINVAL));
    b.iterations = 3;
    let got = unsafe_ioctl(&c.dev, IOC_BENCH, &mut b as *mut _ as u64);
    c.count(got);
    let r = expect(got, 0).and_then(|()| {
        if b.dst_len as usize == plain.len() {
            Ok(())
        } else {
            Err(format!("dst_len {}", b.dst_len))
        }
    });
    c.report("bench_valid", r);
    b.src = garbage.as_ptr() as u64;
    b.src_len = garbage.len() as u64;
    let got = unsafe_ioctl(&c.dev, IOC_BENCH, &mut b as *mut _ as u64);
    c.count(got);
    c.report("bench_ebadmsg_garbage", expect(got, libc::EBADMSG));

    // STATS: reserved must be zero, and the counters moved by what we did
    // (other processes may add more, never less).
    let mut s = Stats {
        argsz: std::mem::size_of::<Stats>() as u32,
        reserved: 1,
        ..Default::default()
    };
    let got = unsafe_ioctl(&c.dev, IOC_STATS, &mut s as *mut _ as u64);
    c.report("stats_einval_reserved", expect(got, libc::EINVAL));
    // The ABI grew through argsz (the crypto_* counters): a caller of the
    // first version (120 bytes) is still served, and nothing past its
    // struct is written.
    let mut old = [0xA5u8; std::mem::size_of::<Stats>()];
    old[..8].copy_from_slice(&[120, 0, 0, 0, 0, 0, 0, 0]);
    let got = unsafe_ioctl(&c.dev, IOC_STATS, old.as_mut_ptr() as u64);
    c.report(
        "stats_first_version_argsz",
        expect(got, 0).and_then(|()| {
            if old[120..].iter().all(|&b| b == 0xA5) {
                Ok(())
            } else {
                Err("the kernel wrote past argsz 120".into())
            }
        }),
    );
    let r = match c.dev.stats() {
        Err(e) => Err(e.to_string()),
        Ok(after) => {
            let calls = after.calls - before.calls;
            let errors = after.errors() - before.errors();
            if calls < c.calls || errors < c.errors {
                Err(format!(
                    "stats moved by {calls} calls / {errors} errors, expected at least {} / {}",
                    c.calls, c.errors
                ))
            } else {
                Ok(())
            }
        }
    };
    c.report("stats_account_for_requests", r);

    if c.failed == 0 {
        ExitCode::SUCCESS
    } else {
        ExitCode::FAILURE
    }
}
