// SPDX-License-Identifier: GPL-2.0

//! LZ4 frame format decoder (magic 0x184D2204).
//!
//! Handles the frame descriptor and its header checksum, block maximum sizes
//! 64 KiB..4 MiB, linked and independent blocks, uncompressed blocks, block
//! and content checksums (xxHash32), the content size field, skippable frames
//! and any number of concatenated frames. A dictionary ID is reported as
//! [`Error::DictionaryId`] (unsupported).
//!
//! Output is contiguous in the caller's buffer, so linked blocks simply
//! reference earlier output of the same frame.

use super::xxh32::{xxh32, Xxh32};
use super::{advance, block, le32, Budget, Error, Yield};

/// Magic number of an LZ4 frame.
pub const MAGIC: u32 = 0x184D_2204;
/// First magic number of a skippable frame (0x184D2A50..=0x184D2A5F).
pub const SKIPPABLE_MAGIC: u32 = 0x184D_2A50;
/// Mask selecting the fixed bits of a skippable magic number.
pub const SKIPPABLE_MASK: u32 = 0xFFFF_FFF0;

const FLG_INDEPENDENT: u8 = 0x20;
const FLG_BLOCK_CHECKSUM: u8 = 0x10;
const FLG_CONTENT_SIZE: u8 = 0x08;
const FLG_CONTENT_CHECKSUM: u8 = 0x04;
const FLG_RESERVED: u8 = 0x02;
const FLG_DICT_ID: u8 = 0x01;
const BLOCK_UNCOMPRESSED: u32 = 0x8000_0000;

/// Parsed frame descriptor.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct FrameHeader {
    /// Blocks are independent (no references into earlier blocks).
    pub independent: bool,
    /// Each block is followed by an xxHash32 of its stored data.
    pub block_checksum: bool,
    /// The frame ends with an xxHash32 of the decoded content.
    pub content_checksum: bool,
    /// Content size field, if present.
    pub content_size: Option<u64>,
    /// Maximum decoded size of one block in bytes.
    pub block_max: usize,
    /// Header length in bytes, magic included.
    pub header_len: usize,
}

/// Parses the frame header at the start of `src` (magic included), checking
/// flags, reserved bits and the header checksum, in liblz4's order.
pub fn parse_header(src: &[u8]) -> Result<FrameHeader, Error> {
    if src.len() < 4 {
        return Err(Error::TruncatedFrame);
    }
    if le32(src, 0) != Some(MAGIC) {
        return Err(Error::BadMagic);
    }
    if src.len() < 7 {
        return Err(Error::TruncatedFrame);
    }
    let flg = *src.get(4).ok_or(Error::TruncatedFrame)?;
    if flg & FLG_RESERVED != 0 {
        return Err(Error::ReservedBits);
    }
    if flg >> 6 != 1 {
        return Err(Error::BadVersion);
    }
    let mut header_len = 7;
    if flg & FLG_CONTENT_SIZE != 0 {
        header_len += 8;
    }
    if flg & FLG_DICT_ID != 0 {
        header_len += 4;
    }
    let header = src.get(..header_len).ok_or(Error::TruncatedFrame)?;
    let bd = *header.get(5).ok_or(Error::TruncatedFrame)?;
    if bd & 0x80 != 0 {
        return Err(Error::ReservedBits);
    }
    let id = (bd >> 4) & 7;
    if id < 4 {
        return Err(Error::BadBlockMaxSize);
    }
    if bd & 0x0F != 0 {
        return Err(Error::ReservedBits);
    }
    let (hc, descriptor) = header.split_last().ok_or(Error::TruncatedFrame)?;
    let descriptor = descriptor.get(4..).ok_or(Error::TruncatedFrame)?;
    if (xxh32(descriptor, 0) >> 8) as u8 != *hc {
        return Err(Error::HeaderChecksum);
    }
    if flg & FLG_DICT_ID != 0 {
        return Err(Error::DictionaryId);
    }
    let content_size = if flg & FLG_CONTENT_SIZE != 0 {
        let b = header
            .get(6..)
            .and_then(|s| s.first_chunk::<8>())
            .ok_or(Error::TruncatedFrame)?;
        Some(u64::from_le_bytes(*b))
    } else {
        None
    };
    Ok(FrameHeader {
        independent: flg & FLG_INDEPENDENT != 0,
        block_checksum: flg & FLG_BLOCK_CHECKSUM != 0,
        content_checksum: flg & FLG_CONTENT_CHECKSUM != 0,
        content_size,
        block_max: 1usize << (8 + 2 * u32::from(id)),
        header_len,
    })
}

/// Upper bound of the decoded size of a compressed block of `csize` bytes
/// whose decoded size is at most `max` (an LZ4 byte expands at most 255x).
pub(crate) fn block_bound(csize: usize, max: usize) -> usize {
    csize.saturating_mul(255).min(max)
}

/// What one member of a frame stream is.
enum Member {
    Frame,
    Skippable,
}

fn member_kind(src: &[u8], ip: usize, first: bool) -> Result<Member, Error> {
    let Some(magic) = le32(src, ip) else {
        return Err(if first {
            Error::TruncatedFrame
        } else {
            Error::TrailingGarbage
        });
    };
    if magic == MAGIC {
        Ok(Member::Frame)
    } else if magic & SKIPPABLE_MASK == SKIPPABLE_MAGIC {
        Ok(Member::Skippable)
    } else if first {
        Err(Error::BadMagic)
    } else {
        Err(Error::TrailingGarbage)
    }
}

/// Length of the skippable frame at `ip` (header included).
fn skippable_len(src: &[u8], ip: usize) -> Result<usize, Error> {
    let size = le32(src, advance(ip, 4)?).ok_or(Error::TruncatedFrame)?;
    let len = usize::try_from(size)
        .ok()
        .and_then(|s| s.checked_add(8))
        .ok_or(Error::TruncatedFrame)?;
    // len >= 8: an `ip` past the end is truncation too.
    if src.len().saturating_sub(ip) < len {
        return Err(Error::TruncatedFrame);
    }
    Ok(len)
}

/// Decodes a stream of LZ4 frames and skippable frames (at least one member;
/// anything after the last member that is not a frame is an error).
pub fn decompress<Y: Yield>(src: &[u8], dst: &mut [u8], hook: &mut Y) -> Result<usize, Error> {
    let mut b = Budget::new(hook);
    let n = decode_stream(src, dst, &mut b)?;
    b.finish();
    Ok(n)
}

pub(crate) fn decode_stream<Y: Yield>(
    src: &[u8],
    dst: &mut [u8],
    b: &mut Budget<'_, Y>,
) -> Result<usize, Error> {
    if src.is_empty() {
        return Err(Error::EmptyInput);
    }
    let mut ip = 0;
    let mut op = 0;
    let mut first = true;
    while ip < src.len() {
        match member_kind(src, ip, first)? {
            Member::Frame => {
                let (i, o) = decode_frame(src, ip, dst, op, b)?;
                ip = i;
                op = o;
            }
            Member::Skippable => {
                let len = skippable_len(src, ip)?;
                b.skip(len)?;
                ip = advance(ip, len)?;
            }
        }
        first = false;
    }
    Ok(op)
}

/// Decodes the frame at `src[ip..]` into `dst[op..]`; returns the new
/// input and output positions.
fn decode_frame<Y: Yield>(
    src: &[u8],
    mut ip: usize,
    dst: &mut [u8],
    mut op: usize,
    b: &mut Budget<'_, Y>,
) -> Result<(usize, usize), Error> {
    let h = parse_header(src.get(ip..).ok_or(Error::TruncatedFrame)?)?;
    b.spend(h.header_len)?;
    ip = advance(ip, h.header_len)?;
    let frame_start = op;
    let mut content = Xxh32::new(0);
    loop {
        let bh = le32(src, ip).ok_or(Error::TruncatedFrame)?;
        b.spend(4)?;
        ip = advance(ip, 4)?;
        if bh == 0 {
            break;
        }
        let size = usize::try_from(bh & !BLOCK_UNCOMPRESSED).map_err(|_| Error::BadBlockSize)?;
        if size > h.block_max {
            return Err(Error::BadBlockSize);
        }
        let data_end = advance(ip, size)?;
        let data = src.get(ip..data_end).ok_or(Error::TruncatedFrame)?;
        let crc_len = if h.block_checksum { 4 } else { 0 };
        if h.block_checksum {
            let stored = le32(src, data_end).ok_or(Error::TruncatedFrame)?;
            let mut hs = Xxh32::new(0);
            b.hash(&mut hs, data)?;
            b.spend(4)?;
            if hs.digest() != stored {
                return Err(Error::BlockChecksum);
            }
        }
        let start = op;
        if bh & BLOCK_UNCOMPRESSED != 0 {
            let end = op.checked_add(size).ok_or(Error::OutputTooSmall)?;
            let out = dst.get_mut(op..end).ok_or(Error::OutputTooSmall)?;
            b.copy(out, data)?;
            op = end;
        } else {
            let cap = dst.len().min(op.saturating_add(h.block_max));
            let window = dst.get_mut(..cap).ok_or(Error::InvalidArgument)?;
            let low = if h.independent { op } else { frame_start };
            op = block::decode(data, window, op, low, b)?;
        }
        if h.content_checksum {
            let out = dst.get(start..op).ok_or(Error::InvalidArgument)?;
            b.hash(&mut content, out)?;
        }
        ip = advance(data_end, crc_len)?;
    }
    if let Some(cs) = h.content_size {
        // liblz4 treats a content size of 0 as "unknown".
        let decoded = op.checked_sub(frame_start).ok_or(Error::InvalidArgument)?;
        if cs != 0 && u64::try_from(decoded).ok() != Some(cs) {
            return Err(Error::ContentSizeMismatch);
        }
    }
    if h.content_checksum {
        let stored = le32(src, ip).ok_or(Error::TruncatedFrame)?;
        b.spend(4)?;
        ip = advance(ip, 4)?;
        if content.digest() != stored {
            return Err(Error::ContentChecksum);
        }
    }
    Ok((ip, op))
}

/// Upper bound of the decoded size of a frame stream, computed from the
/// headers without decoding (for callers that must allocate the output).
///
/// Walks frames, block headers and skippable frames; fails on the first
/// structural error (bad magic, truncation, bad header, bad block size).
/// Compressed blocks count as `min(block maximum, 255 * compressed size)`.
pub fn decoded_bound(src: &[u8]) -> Result<usize, Error> {
    if src.is_empty() {
        return Err(Error::EmptyInput);
    }
    let mut ip = 0;
    let mut total = 0usize;
    let mut first = true;
    while ip < src.len() {
        match member_kind(src, ip, first)? {
            Member::Frame => {
                let h = parse_header(src.get(ip..).ok_or(Error::TruncatedFrame)?)?;
                ip = advance(ip, h.header_len)?;
                loop {
                    let bh = le32(src, ip).ok_or(Error::TruncatedFrame)?;
                    ip = advance(ip, 4)?;
                    if bh == 0 {
                        break;
                    }
                    let size = usize::try_from(bh & !BLOCK_UNCOMPRESSED)
                        .map_err(|_| Error::BadBlockSize)?;
                    if size > h.block_max {
                        return Err(Error::BadBlockSize);
                    }
                    let next = ip
                        .checked_add(size)
                        .and_then(|n| n.checked_add(if h.block_checksum { 4 } else { 0 }))
                        .filter(|&n| n <= src.len())
                        .ok_or(Error::TruncatedFrame)?;
                    let add = if bh & BLOCK_UNCOMPRESSED != 0 {
                        size
                    } else {
                        block_bound(size, h.block_max)
                    };
                    total = total.saturating_add(add);
                    ip = next;
                }
                if h.content_checksum {
                    ip = advance(ip, 4)?;
                    if ip > src.len() {
                        return Err(Error::TruncatedFrame);
                    }
                }
            }
            Member::Skippable => ip = advance(ip, skippable_len(src, ip)?)?,
        }
        first = false;
    }
    Ok(total)
}
