// SPDX-License-Identifier: GPL-2.0
//! Safe wrappers around liblz4 (through `lz4-sys`): the reference decoder
//! for differential tests and fuzzing, and the compressors used by
//! `rlz4 compress` and the tests.

use lz4_sys as sys;
use std::os::raw::{c_char, c_int};

/// liblz4 `LZ4_decompress_safe(src, dst, src.len(), cap)`.
///
/// Returns the decoded bytes, or the (negative) C return value.
pub fn decompress_safe(src: &[u8], cap: usize) -> Result<Vec<u8>, i32> {
    let (Ok(slen), Ok(dlen)) = (c_int::try_from(src.len()), c_int::try_from(cap)) else {
        return Err(-1);
    };
    let mut out = vec![0u8; cap];
    // SAFETY: pointers and lengths describe live, correctly sized buffers;
    // liblz4 never reads or writes outside them.
    let r = unsafe {
        sys::LZ4_decompress_safe(
            src.as_ptr().cast::<c_char>(),
            out.as_mut_ptr().cast::<c_char>(),
            slen,
            dlen,
        )
    };
    if r < 0 {
        return Err(r);
    }
    out.truncate(r as usize);
    Ok(out)
}

/// Compresses `src` into a raw block: `level` 0 = `LZ4_compress_fast`
/// (acceleration 1), 1..=12 = `LZ4_compress_HC`.
pub fn compress_block(src: &[u8], level: i32) -> Vec<u8> {
    let slen = c_int::try_from(src.len()).expect("input larger than 2 GiB");
    // SAFETY: pure function of an integer.
    let bound = unsafe { sys::LZ4_compressBound(slen) };
    let mut out = vec![0u8; bound.max(16) as usize];
    // SAFETY: buffers are live and sized as passed.
    let n = unsafe {
        if level <= 0 {
            sys::LZ4_compress_default(
                src.as_ptr().cast::<c_char>(),
                out.as_mut_ptr().cast::<c_char>(),
                slen,
                out.len() as c_int,
            )
        } else {
            sys::LZ4_compress_HC(
                src.as_ptr().cast::<c_char>(),
                out.as_mut_ptr().cast::<c_char>(),
                slen,
                out.len() as c_int,
                level,
            )
        }
    };
    assert!(n > 0 || src.is_empty(), "LZ4 compression failed");
    out.truncate(n.max(0) as usize);
    if src.is_empty() {
        // liblz4 encodes empty input as a single 0x00 token.
        out = vec![0];
    }
    out
}

/// Frame options for [`compress_frame`].
#[derive(Clone, Copy, Debug)]
pub struct FrameOptions {
    /// Block maximum size id 4..=7 (64 KiB, 256 KiB, 1 MiB, 4 MiB).
    pub block_size_id: u32,
    /// Independent blocks.
    pub independent: bool,
    /// Per-block xxh32 checksums.
    pub block_checksum: bool,
    /// Content xxh32 checksum.
    pub content_checksum: bool,
    /// Write the content size field.
    pub content_size: bool,
    /// Compression level (0 = fast, up to 12 = HC max).
    pub level: u32,
}

impl Default for FrameOptions {
    fn default() -> Self {
        FrameOptions {
            block_size_id: 4,
            independent: false,
            block_checksum: false,
            content_checksum: true,
            content_size: false,
            level: 0,
        }
    }
}

fn check(code: usize) -> Result<usize, String> {
    // SAFETY: pure functions of an integer; the name is a static C string.
    unsafe {
        if sys::LZ4F_isError(code) != 0 {
            let p = sys::LZ4F_getErrorName(code);
            return Err(std::ffi::CStr::from_ptr(p).to_string_lossy().into_owned());
        }
    }
    Ok(code)
}

/// Compresses `src` into one LZ4 frame with liblz4's frame API.
pub fn compress_frame(src: &[u8], o: &FrameOptions) -> Result<Vec<u8>, String> {
    let bs = match o.block_size_id {
        4 => sys::BlockSize::Max64KB,
        5 => sys::BlockSize::Max256KB,
        6 => sys::BlockSize::Max1MB,
        7 => sys::BlockSize::Max4MB,
        _ => return Err("block size id must be 4..7".into()),
    };
    let prefs = sys::LZ4FPreferences {
        frame_info: sys::LZ4FFrameInfo {
            block_size_id: bs,
            block_mode: if o.independent {
                sys::BlockMode::Independent
            } else {
                sys::BlockMode::Linked
            },
            content_checksum_flag: if o.content_checksum {
                sys::ContentChecksum::ChecksumEnabled
            } else {
                sys::ContentChecksum::NoChecksum
            },
            frame_type: sys::FrameType::Frame,
            content_size: if o.content_size { src.len() as u64 } else { 0 },
            dict_id: 0,
            block_checksum_flag: if o.block_checksum {
                sys::BlockChecksum::BlockChecksumEnabled
            } else {
                sys::BlockChecksum::NoBlockChecksum
            },
        },
        compression_level: o.level,
        auto_flush: 0,
        favor_dec_speed: 0,
        reserved: [0; 3],
    };
    let mut ctx = sys::LZ4FCompressionContext(std::ptr::null_mut());
    // SAFETY: ctx is a valid out pointer; version is the library's.
    check(unsafe { sys::LZ4F_createCompressionContext(&mut ctx, sys::LZ4F_VERSION) })?;
    // SAFETY: prefs is a valid preferences struct.
    let bound = unsafe { sys::LZ4F_compressBound(src.len(), &prefs) } + 64;
    let mut out = vec![0u8; bound];
    let res: Result<usize, String> = (|| {
        // SAFETY: ctx is live; out has `bound` bytes and each call is given
        // the remaining room.
        let mut n =
            check(unsafe { sys::LZ4F_compressBegin(ctx, out.as_mut_ptr(), out.len(), &prefs) })?;
        for chunk in src.chunks(1 << 20) {
            // SAFETY: as above; chunk is live.
            n += check(unsafe {
                sys::LZ4F_compressUpdate(
                    ctx,
                    out.as_mut_ptr().add(n),
                    out.len() - n,
                    chunk.as_ptr(),
                    chunk.len(),
                    std::ptr::null(),
                )
            })?;
        }
        // SAFETY: as above.
        n += check(unsafe {
            sys::LZ4F_compressEnd(
                ctx,
                out.as_mut_ptr().add(n),
                out.len() - n,
                std::ptr::null(),
            )
        })?;
        Ok(n)
    })();
    // SAFETY: ctx was created above and is freed once.
    unsafe { sys::LZ4F_freeCompressionContext(ctx) };
    let n = res?;
    out.truncate(n);
    Ok(out)
}

/// Decodes a stream of frames with liblz4's frame API (`LZ4F_decompress`),
/// into a buffer of `cap` bytes. Errors if liblz4 reports an error or the
/// input ends inside a frame.
pub fn decompress_frame(src: &[u8], cap: usize) -> Result<Vec<u8>, String> {
    let mut ctx = sys::LZ4FDecompressionContext(std::ptr::null_mut());
    // SAFETY: ctx is a valid out pointer.
    check(unsafe { sys::LZ4F_createDecompressionContext(&mut ctx, sys::LZ4F_VERSION) })?;
    let mut out = vec![0u8; cap];
    let mut ip = 0;
    let mut op = 0;
    let res: Result<(), String> = (|| {
        let mut hint = 1;
        while ip < src.len() {
            let mut dsize = cap - op;
            let mut ssize = src.len() - ip;
            // SAFETY: ctx is live; the pointers and sizes describe the
            // unused parts of live buffers.
            hint = check(unsafe {
                sys::LZ4F_decompress(
                    ctx,
                    out.as_mut_ptr().add(op),
                    &mut dsize,
                    src.as_ptr().add(ip),
                    &mut ssize,
                    std::ptr::null(),
                )
            })?;
            ip += ssize;
            op += dsize;
            if ssize == 0 && dsize == 0 {
                return Err("no progress (output full?)".to_string());
            }
        }
        if hint != 0 {
            return Err("input ends inside a frame".to_string());
        }
        // Flush anything buffered in the context.
        loop {
            let mut dsize = cap - op;
            let mut ssize = 0;
            // SAFETY: as above, with an empty input.
            let h = check(unsafe {
                sys::LZ4F_decompress(
                    ctx,
                    out.as_mut_ptr().add(op),
                    &mut dsize,
                    src.as_ptr(),
                    &mut ssize,
                    std::ptr::null(),
                )
            })?;
            op += dsize;
            if dsize == 0 || h == 0 {
                break;
            }
        }
        Ok(())
    })();
    // SAFETY: ctx was created above and is freed once.
    unsafe { sys::LZ4F_freeDecompressionContext(ctx) };
    res?;
    out.truncate(op);
    Ok(out)
}

/// Compresses `src` in the legacy format (`lz4 -l`): 8 MiB blocks.
pub fn compress_legacy(src: &[u8], level: i32) -> Vec<u8> {
    let mut out = 0x184C_2102u32.to_le_bytes().to_vec();
    for chunk in src.chunks(8 << 20) {
        let c = compress_block(chunk, level);
        out.extend_from_slice(&(c.len() as u32).to_le_bytes());
        out.extend_from_slice(&c);
    }
    out
}

/// Compresses `src` in the OpenZFS framing (BE u32 length + block).
pub fn compress_zfs(src: &[u8], level: i32) -> Vec<u8> {
    let c = compress_block(src, level);
    let mut out = (c.len() as u32).to_be_bytes().to_vec();
    out.extend_from_slice(&c);
    out
}
