// SPDX-License-Identifier: GPL-2.0

//! OpenZFS LZ4 framing (`module/zfs/lz4_zfs.c`): a big-endian u32 holding
//! the compressed length, then a raw LZ4 block. Bytes after the block
//! (padding up to the sector size) are ignored, as in OpenZFS.

use super::{block, Budget, Error, Yield};

/// Decodes a ZFS-framed LZ4 block into `dst`, whose length is the logical
/// block size. With `exact` (the rule of OpenZFS 2.3.9 and 2.4.x), the
/// decoded size must equal `dst.len()`; without it (2.3.2, 2.3.5 and
/// older) any size up to `dst.len()` is accepted. Returns the decoded
/// length.
pub fn decompress<Y: Yield>(
    src: &[u8],
    dst: &mut [u8],
    exact: bool,
    hook: &mut Y,
) -> Result<usize, Error> {
    let hdr = src.first_chunk::<4>().ok_or(Error::ZfsBadLength)?;
    let len = usize::try_from(u32::from_be_bytes(*hdr)).map_err(|_| Error::ZfsBadLength)?;
    let body = src
        .get(4..)
        .and_then(|s| s.get(..len))
        .ok_or(Error::ZfsBadLength)?;
    let mut b = Budget::new(hook);
    b.spend(4)?;
    let n = block::decode(body, dst, 0, 0, &mut b)?;
    if exact && n != dst.len() {
        return Err(Error::ZfsSizeMismatch);
    }
    b.finish();
    Ok(n)
}
