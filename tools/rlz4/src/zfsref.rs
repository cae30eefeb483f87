// SPDX-License-Identifier: GPL-2.0
//! OpenZFS's own LZ4 code as the reference of the ZFS framing: the
//! unmodified `module/zfs/lz4_zfs.c` and `lz4.c` of OpenZFS 2.3.2 and 2.4.4
//! (Debian's zfs-dkms), compiled by `build.rs`.
//!
//! `zfs_lz4_decompress_buf()` returns only a verdict (0 or 1), so
//! [`decompress`] also reports the length its core,
//! `LZ4_uncompress_unknownOutputSize()`, decodes from the same payload.
//! Without the sources (`scripts/setup.sh` fetches them) nothing here is
//! compiled in: [`available`] says why and the other functions return
//! [`Unavailable`].

use std::fmt;

/// An OpenZFS version whose decode rules the reference follows.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Version {
    /// 2.3.2 (also 2.3.5): a payload that decodes to fewer bytes than the
    /// logical size is accepted, the rest of the buffer left as it was.
    V2_3_2,
    /// 2.4.4 (also 2.3.9 and the rest of 2.4.x): the payload must decode
    /// to exactly the logical size.
    V2_4_4,
}

impl Version {
    /// Both versions, oldest first.
    pub const ALL: [Version; 2] = [Version::V2_3_2, Version::V2_4_4];

    /// `"2.3.2"` or `"2.4.4"`.
    pub fn as_str(self) -> &'static str {
        match self {
            Version::V2_3_2 => "2.3.2",
            Version::V2_4_4 => "2.4.4",
        }
    }

    /// Whether the project's decoder follows this version with `--exact`
    /// (`true`) or in its default mode (`false`).
    pub fn exact(self) -> bool {
        self == Version::V2_4_4
    }
}

/// The OpenZFS sources were missing or failed to compile at build time.
#[derive(Clone, Copy, Debug)]
pub struct Unavailable(pub &'static str);

impl fmt::Display for Unavailable {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.0)
    }
}

impl std::error::Error for Unavailable {}

/// Result of one reference decode.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Decoded {
    /// `zfs_lz4_decompress_buf()` returned 0.
    pub accepted: bool,
    /// What `LZ4_uncompress_unknownOutputSize()` returned on the stated
    /// payload with capacity `d_len`: the decoded length, or negative; `None`
    /// when the header's length does not fit the buffer (the core never
    /// runs).
    pub core: Option<i32>,
    /// The destination buffer (`d_len` bytes, zero before the call).
    pub out: Vec<u8>,
}

/// Where the reference was built from (`"2.3.2=/path 2.4.4=/path"`), or
/// why it was not.
pub fn available() -> Result<&'static str, Unavailable> {
    #[cfg(rlz4_openzfs)]
    {
        Ok(env!("RLZ4_ZFS_SRCS"))
    }
    #[cfg(not(rlz4_openzfs))]
    {
        Err(Unavailable(env!("RLZ4_ZFS_MISSING")))
    }
}

#[cfg(rlz4_openzfs)]
mod ffi {
    use std::os::raw::{c_char, c_int, c_void};

    macro_rules! version {
        ($m:ident, $dec:literal, $core:literal) => {
            pub(super) mod $m {
                use super::*;
                extern "C" {
                    #[link_name = $dec]
                    pub(crate) fn decompress_buf(
                        s: *mut c_void,
                        d: *mut c_void,
                        s_len: usize,
                        d_len: usize,
                        n: c_int,
                    ) -> c_int;
                    #[link_name = $core]
                    pub(crate) fn uncompress_unknown_output_size(
                        s: *const c_char,
                        d: *mut c_char,
                        isize: c_int,
                        max: c_int,
                    ) -> c_int;
                }
            }
        };
    }
    version!(
        v232,
        "zfs232_zfs_lz4_decompress_buf",
        "zfs232_LZ4_uncompress_unknownOutputSize"
    );
    version!(
        v244,
        "zfs244_zfs_lz4_decompress_buf",
        "zfs244_LZ4_uncompress_unknownOutputSize"
    );

    // The compressor, byte-identical in both versions: 2.4.4's.
    extern "C" {
        #[link_name = "zfs244_zfs_lz4_compress_buf"]
        pub(super) fn compress_buf(
            s: *mut c_void,
            d: *mut c_void,
            s_len: usize,
            d_len: usize,
            n: c_int,
        ) -> usize;
        #[link_name = "zfs244_lz4_init"]
        pub(super) fn lz4_init();
    }
}

/// `zfs_lz4_decompress_buf(src, dst, src.len(), dst.len())` of `v`: `true`
/// when OpenZFS accepts the block.  Nothing is allocated: this is the
/// benchmark's entry point.  A `src` shorter than the 4-byte header is
/// rejected here, as OpenZFS would (`bufsiz + 4 > s_len` for any header):
/// OpenZFS reads the header without checking `s_len`, which a real block
/// (at least one sector) always covers.
pub fn decompress_into(v: Version, src: &[u8], dst: &mut [u8]) -> Result<bool, Unavailable> {
    available()?;
    if src.len() < 4 {
        return Ok(false);
    }
    #[cfg(rlz4_openzfs)]
    {
        let (s, d) = (src.as_ptr().cast_mut().cast(), dst.as_mut_ptr().cast());
        // SAFETY: `s` is valid for reads of `src.len()` >= 4 bytes and `d`
        // for writes of `dst.len()` bytes; the function reads the 4-byte
        // header, then at most `bufsiz` bytes after it once `bufsiz + 4 <=
        // s_len`, writes at most `d_len` bytes, and never writes `s`
        // (declared non-const only by OpenZFS's signature).
        let r = unsafe {
            match v {
                Version::V2_3_2 => ffi::v232::decompress_buf(s, d, src.len(), dst.len(), 0),
                Version::V2_4_4 => ffi::v244::decompress_buf(s, d, src.len(), dst.len(), 0),
            }
        };
        Ok(r == 0)
    }
    #[cfg(not(rlz4_openzfs))]
    {
        let _ = (v, dst);
        Ok(false)
    }
}

/// Decodes `src` with OpenZFS `v` into a zeroed buffer of `d_len` bytes
/// (the logical size) and reports the verdict and the core's length.
pub fn decompress(v: Version, src: &[u8], d_len: usize) -> Result<Decoded, Unavailable> {
    available()?;
    let mut out = vec![0u8; d_len];
    let accepted = decompress_into(v, src, &mut out)?;
    let core = core_len(v, src, d_len);
    Ok(Decoded {
        accepted,
        core,
        out,
    })
}

/// What `LZ4_uncompress_unknownOutputSize()` of `v` returns on the payload
/// `src[4..4 + bufsiz]` with capacity `d_len`, into a scratch buffer.
fn core_len(v: Version, src: &[u8], d_len: usize) -> Option<i32> {
    let hdr = src.first_chunk::<4>()?;
    let len = usize::try_from(u32::from_be_bytes(*hdr)).ok()?;
    let body = src.get(4..)?.get(..len)?;
    let (Ok(isize), Ok(max)) = (i32::try_from(body.len()), i32::try_from(d_len)) else {
        return None;
    };
    #[cfg(rlz4_openzfs)]
    {
        let mut scratch = vec![0u8; d_len];
        let (s, d) = (body.as_ptr().cast(), scratch.as_mut_ptr().cast());
        // SAFETY: `s` is valid for `isize` bytes and `d` for `max` bytes;
        // the LZ4 safe decoder stays within both.
        let r = unsafe {
            match v {
                Version::V2_3_2 => ffi::v232::uncompress_unknown_output_size(s, d, isize, max),
                Version::V2_4_4 => ffi::v244::uncompress_unknown_output_size(s, d, isize, max),
            }
        };
        Some(r)
    }
    #[cfg(not(rlz4_openzfs))]
    {
        let _ = (v, isize, max);
        None
    }
}

/// Compresses `src` as OpenZFS 2.4.4 writes a block (`zfs_lz4_compress_buf`
/// with a destination of `d_len` bytes: OpenZFS passes the largest size
/// worth storing compressed).  Returns the header and payload, or `None`
/// when the result does not fit `d_len` (OpenZFS then stores the block
/// uncompressed).
pub fn compress(src: &[u8], d_len: usize) -> Result<Option<Vec<u8>>, Unavailable> {
    available()?;
    #[cfg(rlz4_openzfs)]
    {
        static INIT: std::sync::Once = std::sync::Once::new();
        // SAFETY: lz4_init() creates the compressor's cache; run once.
        INIT.call_once(|| unsafe { ffi::lz4_init() });
        let mut out = vec![0u8; d_len.max(4)];
        let (s, d) = (src.as_ptr().cast_mut().cast(), out.as_mut_ptr().cast());
        // SAFETY: `s` is valid for `src.len()` bytes (read only), `d` for
        // `out.len()` bytes, of which the compressor writes at most that.
        let n = unsafe { ffi::compress_buf(s, d, src.len(), out.len(), 0) };
        if n >= src.len() || n > out.len() {
            return Ok(None);
        }
        out.truncate(n);
        Ok(Some(out))
    }
    #[cfg(not(rlz4_openzfs))]
    {
        let _ = (src, d_len);
        Ok(None)
    }
}
