// SPDX-License-Identifier: GPL-2.0

//! Legacy LZ4 frame format (magic 0x184C2102): `lz4 -l`, the kernel's LZ4
//! initramfs and LZ4-compressed kernel images.
//!
//! After the magic come blocks, each a little-endian u32 compressed size and
//! an independent raw block decoding to at most 8 MiB. The stream ends:
//! - at end of input right after a block (or right after the magic);
//! - with a 4-byte `size_append` trailer (kernel `cmd_lz4_with_size`) equal
//!   to the total decoded size modulo 2^32, as the last 4 bytes.
//!
//! A legacy magic where a block size is expected starts a new concatenated
//! legacy stream and is skipped (as the kernel's `unlz4` and `lz4 -d` do).
//! Anything else is an error: a block size of 0 or above the legacy bound,
//! a truncated block, 1..3 stray bytes, or a trailer that does not match.

use super::frame::block_bound;
use super::{advance, block, le32, Budget, Error, Yield};

/// Magic number of the legacy format.
pub const MAGIC: u32 = 0x184C_2102;
/// Maximum decoded size of one legacy block (8 MiB).
pub const BLOCK_SIZE: usize = 8 << 20;
/// Largest valid compressed block size: `LZ4_COMPRESSBOUND(8 MiB)`.
pub const BLOCK_BOUND: usize = BLOCK_SIZE + BLOCK_SIZE / 255 + 16;

/// What the walker found at a block boundary.
enum Step {
    End,
    Magic,
    Trailer,
    Block(usize),
}

fn step(src: &[u8], ip: usize, decoded: usize) -> Result<Step, Error> {
    let rem = src.len().checked_sub(ip).ok_or(Error::TruncatedFrame)?;
    if rem == 0 {
        return Ok(Step::End);
    }
    let v = le32(src, ip).ok_or(Error::TruncatedFrame)?;
    if v == MAGIC {
        return Ok(Step::Magic);
    }
    if rem == 4 {
        // Truncation to 32 bits is what size_append stores.
        return if v == decoded as u32 {
            Ok(Step::Trailer)
        } else {
            Err(Error::BadTrailer)
        };
    }
    let size = usize::try_from(v).map_err(|_| Error::BadBlockSize)?;
    if size == 0 || size > BLOCK_BOUND {
        return Err(Error::BadBlockSize);
    }
    if size > rem - 4 {
        return Err(Error::TruncatedFrame);
    }
    Ok(Step::Block(size))
}

fn check_magic(src: &[u8]) -> Result<(), Error> {
    if src.is_empty() {
        return Err(Error::EmptyInput);
    }
    match le32(src, 0) {
        Some(MAGIC) => Ok(()),
        Some(_) => Err(Error::BadMagic),
        None => Err(Error::TruncatedFrame),
    }
}

/// Decodes a legacy stream into `dst`; returns the decoded length.
pub fn decompress<Y: Yield>(src: &[u8], dst: &mut [u8], hook: &mut Y) -> Result<usize, Error> {
    check_magic(src)?;
    let mut b = Budget::new(hook);
    b.spend(4)?;
    let mut ip = 4;
    let mut op = 0;
    loop {
        match step(src, ip, op)? {
            Step::End => break,
            Step::Trailer => {
                b.spend(4)?;
                break;
            }
            Step::Magic => {
                b.spend(4)?;
                ip = advance(ip, 4)?;
            }
            Step::Block(size) => {
                b.spend(4)?;
                ip = advance(ip, 4)?;
                let end = advance(ip, size)?;
                let data = src.get(ip..end).ok_or(Error::TruncatedFrame)?;
                let cap = dst.len().min(op.saturating_add(BLOCK_SIZE));
                let window = dst.get_mut(..cap).ok_or(Error::InvalidArgument)?;
                op = block::decode(data, window, op, op, &mut b)?;
                ip = end;
            }
        }
    }
    b.finish();
    Ok(op)
}

/// Upper bound of the decoded size of a legacy stream, from the block
/// headers only (each block counts `min(8 MiB, 255 * compressed size)`).
pub fn decoded_bound(src: &[u8]) -> Result<usize, Error> {
    check_magic(src)?;
    let mut ip = 4;
    let mut total = 0usize;
    loop {
        // The trailer check needs the decoded size, unknown here: accept any
        // 4-byte tail.
        if src.len().checked_sub(ip) == Some(4) && le32(src, ip) != Some(MAGIC) {
            return Ok(total);
        }
        match step(src, ip, 0)? {
            Step::End | Step::Trailer => return Ok(total),
            Step::Magic => ip = advance(ip, 4)?,
            Step::Block(size) => {
                total = total.saturating_add(block_bound(size, BLOCK_SIZE));
                ip = advance(advance(ip, 4)?, size)?;
            }
        }
    }
}
