// SPDX-License-Identifier: GPL-2.0
//! The decoders under comparison, behind one calling convention: decode
//! every block of a [`BlockSet`] into its slot of one destination buffer.
//! Each block is stored in the ZFS framing (a big-endian length, then the
//! raw block): the raw-block decoders read the block after the header,
//! `rlz4-zfs` and `openzfs` the framed block.

use std::os::raw::{c_char, c_int};

use crate::lz4;
use crate::zfsref;

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Dec {
    /// This decoder, hook that never yields.
    Rlz4,
    /// This decoder, counting hook at the default 64 KiB interval.
    Rlz4Yield,
    /// liblz4 `LZ4_decompress_safe` (lz4-sys).
    Liblz4,
    /// lz4_flex `block::decompress_into`, `safe-decode`.
    FlexSafe,
    /// lz4_flex `block::decompress_into`, unsafe decode.
    FlexUnsafe,
    /// The kernel's lib/lz4/lz4_decompress.c `LZ4_decompress_safe`.
    KernelC,
    /// This decoder with the ZFS framing, `lz4::zfs::decompress` with
    /// `exact` (the module's `RUST_LZ4_ZFS_EXACT`), hook that never yields.
    Rlz4Zfs,
    /// OpenZFS 2.4.4's own `zfs_lz4_decompress_buf` (`crate::zfsref`).
    OpenZfs,
    /// memcpy of the decoded bytes: the ceiling.
    Memcpy,
}

impl Dec {
    pub const ALL: [Dec; 9] = [
        Dec::Rlz4,
        Dec::Rlz4Yield,
        Dec::Liblz4,
        Dec::FlexSafe,
        Dec::FlexUnsafe,
        Dec::KernelC,
        Dec::Rlz4Zfs,
        Dec::OpenZfs,
        Dec::Memcpy,
    ];

    pub fn name(self) -> &'static str {
        match self {
            Dec::Rlz4 => "rlz4",
            Dec::Rlz4Yield => "rlz4+yield",
            Dec::Liblz4 => "liblz4",
            Dec::FlexSafe => "flex-safe",
            Dec::FlexUnsafe => "flex-unsafe",
            Dec::KernelC => "kernel-C",
            Dec::Rlz4Zfs => "rlz4-zfs",
            Dec::OpenZfs => "openzfs",
            Dec::Memcpy => "memcpy",
        }
    }

    /// Why this decoder is not in the binary, if it is not.
    pub fn unavailable(self) -> Option<String> {
        match self {
            Dec::KernelC if !cfg!(rlz4_kernel_c) => Some(format!(
                "n/a ({})",
                option_env!("RLZ4_KC_MISSING")
                    .unwrap_or("kernel source not found: set RUST_LZ4_KSRC")
            )),
            Dec::OpenZfs => zfsref::available().err().map(|e| format!("n/a ({e})")),
            _ => None,
        }
    }
}

/// Who compressed the blocks of a [`BlockSet`].
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Compressor {
    /// liblz4 `LZ4_compress_default`.
    Liblz4,
    /// OpenZFS's `zfs_lz4_compress_buf` (`crate::zfsref::compress`), as a
    /// pool writes blocks.
    OpenZfs,
}

/// Versions and build facts printed with the results.
pub fn describe() -> Vec<(&'static str, String)> {
    // SAFETY: plain C function without arguments.
    let v = unsafe { lz4_sys::LZ4_versionNumber() };
    let kc = match Dec::KernelC.unavailable() {
        Some(why) => why,
        None => format!(
            "linux {} {} | {} | {}",
            option_env!("RLZ4_KC_VERSION").unwrap_or("?"),
            option_env!("RLZ4_KC_SRC").unwrap_or("?"),
            option_env!("RLZ4_KC_CC").unwrap_or("?"),
            option_env!("RLZ4_KC_FLAGS").unwrap_or("?"),
        ),
    };
    vec![
        (
            "rlz4",
            format!(
                "this crate's lz4::block::decompress, built with {}",
                option_env!("RLZ4_RUSTC").unwrap_or("rustc")
            ),
        ),
        (
            "rlz4+yield",
            "same, yield hook counting calls at the default 64 KiB interval".into(),
        ),
        (
            "liblz4",
            format!(
                "LZ4_decompress_safe {}.{}.{} (lz4-sys, built by cc at the release opt-level)",
                v / 10000,
                v / 100 % 100,
                v % 100
            ),
        ),
        (
            "flex-safe",
            "lz4_flex 0.14.2 block::decompress_into, safe-decode".into(),
        ),
        (
            "flex-unsafe",
            "lz4_flex 0.13.2 block::decompress_into, unsafe decode (same decoder code as 0.14.2)"
                .into(),
        ),
        ("kernel-C", kc),
        (
            "rlz4-zfs",
            "this crate's lz4::zfs::decompress, exact (OpenZFS 2.4.4 rules), no yield".into(),
        ),
        (
            "openzfs",
            match Dec::OpenZfs.unavailable() {
                Some(why) => why,
                None => format!(
                    "OpenZFS 2.4.4 zfs_lz4_decompress_buf (module/zfs/lz4_zfs.c + lz4.c, unmodified), built by cc at the release opt-level | {}",
                    zfsref::available().unwrap_or("?")
                ),
            },
        ),
        (
            "memcpy",
            "slice::copy_from_slice of each decoded block (glibc memcpy)".into(),
        ),
    ]
}

#[cfg(rlz4_kernel_c)]
extern "C" {
    fn klz4_decompress_safe(
        source: *const c_char,
        dest: *mut c_char,
        compressed_size: c_int,
        max_size: c_int,
    ) -> c_int;
}

#[derive(Clone, Copy)]
pub struct Blk {
    /// Offset of the raw block in `comp`; its ZFS header is the 4 bytes
    /// before it.
    pub c_off: usize,
    pub c_len: usize,
    pub d_off: usize,
    pub d_len: usize,
}

/// A corpus cut into blocks of one size, each compressed and stored in the
/// ZFS framing.
pub struct BlockSet {
    pub comp: Vec<u8>,
    pub blocks: Vec<Blk>,
    pub orig_len: usize,
}

/// Compress `data` in blocks of `bs` bytes with `by`, each block behind its
/// 4-byte big-endian length.  OpenZFS gets the destination of
/// `zio_compress_data()`, 7/8 of the block: `Ok(None)` when a block does
/// not fit it, which a pool would store uncompressed.
pub fn compress(data: &[u8], bs: usize, by: Compressor) -> Result<Option<BlockSet>, String> {
    let mut comp = Vec::new();
    let mut blocks = Vec::new();
    for (i, chunk) in data.chunks(bs).enumerate() {
        let n = chunk.len() as c_int;
        // SAFETY: LZ4_compressBound is a pure function.
        let bound = unsafe { lz4_sys::LZ4_compressBound(n) } as usize;
        let z_off = comp.len();
        let c_off = z_off + 4;
        let r = match by {
            Compressor::Liblz4 => {
                comp.resize(c_off + bound, 0);
                // SAFETY: source and destination are valid for the lengths passed.
                let r = unsafe {
                    lz4_sys::LZ4_compress_default(
                        chunk.as_ptr() as *const c_char,
                        comp[c_off..].as_mut_ptr() as *mut c_char,
                        n,
                        bound as c_int,
                    )
                };
                if r <= 0 {
                    return Err(format!("LZ4_compress_default failed on block {i}"));
                }
                r as usize
            }
            Compressor::OpenZfs => {
                let Some(z) = zfsref::compress(chunk, chunk.len() - chunk.len() / 8)
                    .map_err(|e| e.to_string())?
                else {
                    return Ok(None);
                };
                comp.extend_from_slice(&z);
                z.len() - 4
            }
        };
        comp.truncate(c_off + r);
        comp[z_off..c_off].copy_from_slice(&(r as u32).to_be_bytes());
        blocks.push(Blk {
            c_off,
            c_len: r,
            d_off: i * bs,
            d_len: chunk.len(),
        });
    }
    comp.shrink_to_fit();
    Ok(Some(BlockSet {
        comp,
        blocks,
        orig_len: data.len(),
    }))
}

/// Yield hook of the "yield cost" column: counts its calls and never stops.
pub struct CountingYield {
    pub calls: u64,
}

impl lz4::Yield for CountingYield {
    #[inline(never)]
    fn yield_now(&mut self) -> lz4::Flow {
        self.calls = std::hint::black_box(self.calls + 1);
        lz4::Flow::Continue
    }
}

#[inline(always)]
fn each<F>(set: &BlockSet, dst: &mut [u8], f: F) -> Result<(), String>
where
    F: FnMut(&[u8], &mut [u8]) -> Result<usize, String>,
{
    each_framed(set, dst, 0, f)
}

/// [`each`] with each block's source starting `hdr` bytes before the raw
/// block: 4 for the ZFS framing.
#[inline(always)]
fn each_framed<F>(set: &BlockSet, dst: &mut [u8], hdr: usize, mut f: F) -> Result<(), String>
where
    F: FnMut(&[u8], &mut [u8]) -> Result<usize, String>,
{
    for (i, b) in set.blocks.iter().enumerate() {
        let src = &set.comp[b.c_off - hdr..b.c_off + b.c_len];
        let out = &mut dst[b.d_off..b.d_off + b.d_len];
        match f(src, out) {
            Ok(n) if n == b.d_len => {}
            Ok(n) => {
                return Err(format!(
                    "block {i}: decoded {n} bytes, expected {}",
                    b.d_len
                ))
            }
            Err(e) => return Err(format!("block {i}: {e}")),
        }
    }
    Ok(())
}

/// Decode the whole set once with `dec` into `dst` (which has the size of
/// the corpus). Returns the number of yield-hook calls.
pub fn pass(dec: Dec, set: &BlockSet, orig: &[u8], dst: &mut [u8]) -> Result<u64, String> {
    match dec {
        Dec::Rlz4 => {
            each(set, dst, |s, d| {
                lz4::block::decompress(s, d, &mut lz4::NoYield).map_err(|e| format!("{e:?}"))
            })?;
            Ok(0)
        }
        Dec::Rlz4Yield => {
            let mut hook = CountingYield { calls: 0 };
            each(set, dst, |s, d| {
                lz4::block::decompress(s, d, &mut hook).map_err(|e| format!("{e:?}"))
            })?;
            Ok(hook.calls)
        }
        Dec::Liblz4 => {
            each(set, dst, |s, d| {
                // SAFETY: pointers and lengths describe valid slices.
                let r = unsafe {
                    lz4_sys::LZ4_decompress_safe(
                        s.as_ptr() as *const c_char,
                        d.as_mut_ptr() as *mut c_char,
                        s.len() as c_int,
                        d.len() as c_int,
                    )
                };
                if r < 0 {
                    Err(format!("LZ4_decompress_safe returned {r}"))
                } else {
                    Ok(r as usize)
                }
            })?;
            Ok(0)
        }
        Dec::FlexSafe => {
            each(set, dst, |s, d| {
                lz4_flex_safe::block::decompress_into(s, d).map_err(|e| e.to_string())
            })?;
            Ok(0)
        }
        Dec::FlexUnsafe => {
            each(set, dst, |s, d| {
                lz4_flex_unsafe::block::decompress_into(s, d).map_err(|e| e.to_string())
            })?;
            Ok(0)
        }
        #[cfg(rlz4_kernel_c)]
        Dec::KernelC => {
            each(set, dst, |s, d| {
                // SAFETY: pointers and lengths describe valid slices.
                let r = unsafe {
                    klz4_decompress_safe(
                        s.as_ptr() as *const c_char,
                        d.as_mut_ptr() as *mut c_char,
                        s.len() as c_int,
                        d.len() as c_int,
                    )
                };
                if r < 0 {
                    Err(format!("kernel LZ4_decompress_safe returned {r}"))
                } else {
                    Ok(r as usize)
                }
            })?;
            Ok(0)
        }
        #[cfg(not(rlz4_kernel_c))]
        Dec::KernelC => Err("kernel C decoder not built".into()),
        Dec::Rlz4Zfs => {
            each_framed(set, dst, 4, |s, d| {
                lz4::zfs::decompress(s, d, true, &mut lz4::NoYield).map_err(|e| format!("{e:?}"))
            })?;
            Ok(0)
        }
        Dec::OpenZfs => {
            each_framed(set, dst, 4, |s, d| {
                match zfsref::decompress_into(zfsref::Version::V2_4_4, s, d) {
                    Ok(true) => Ok(d.len()),
                    Ok(false) => Err("zfs_lz4_decompress_buf returned 1".into()),
                    Err(e) => Err(e.to_string()),
                }
            })?;
            Ok(0)
        }
        Dec::Memcpy => {
            for b in &set.blocks {
                dst[b.d_off..b.d_off + b.d_len].copy_from_slice(&orig[b.d_off..b.d_off + b.d_len]);
            }
            std::hint::black_box(&mut *dst);
            Ok(0)
        }
    }
}
