// SPDX-License-Identifier: GPL-2.0

//! Raw LZ4 block decoder with `LZ4_decompress_safe` semantics.
//!
//! The control flow is liblz4 1.10's `LZ4_decompress_generic`: a fast loop
//! while at least 64 bytes of output room remain (`fast.rs`), then the
//! safe loop (`decode_body()` here), so that the set of accepted inputs is
//! exactly liblz4's, including its end-of-block parsing restrictions, which
//! liblz4 checks against the output *capacity*. The only intended
//! difference: offset 0 is rejected ([`Error::OffsetZero`]) where liblz4
//! zero-fills.
//!
//! - this file: the public API, the single-literal-run shortcut, and the
//!   general loop, which takes any sequence with every check and the budget;
//! - `copy.rs`: the slice copies (literal runs, match copies, pattern
//!   expansion), pure functions with tests of their own;
//! - `fast.rs`: the fast path, which decodes the common sequences of a block
//!   with fewer checks and hands everything else back to the general loop.
//!
//! Everything is safe Rust (`lz4/` forbids `unsafe`): fixed-size array
//! copies for the short cases, pattern expansion for overlapping matches,
//! checked arithmetic where a length comes from the input.

mod copy;
mod fast;

use super::{Budget, Error, NoYield, Yield, SEQ_COST};
use copy::{
    copy_chunks8, copy_exact, copy_literals, copy_literals_wild, copy_match18, copy_match_out,
    copy_match_steps,
};
use fast::{fast_loop, HOT_ROOM};

/// Literal length nibble meaning "more length bytes follow".
const RUN_MASK: usize = 15;
/// Match length nibble meaning "more length bytes follow".
const ML_MASK: usize = 15;
/// Shortest match: the match length nibble counts from 4.
const MINMATCH: usize = 4;
/// The last 5 bytes of a block are literals.
const LASTLITERALS: usize = 5;
/// The last match starts at least 12 bytes before the end of the block.
const MFLIMIT: usize = 12;
/// liblz4's fast loop runs while this much output room is left.
const FASTLOOP_SAFE_DISTANCE: usize = 64;

/// Largest literal or match length accepted (liblz4 sizes are `int`).
const MAX_LENGTH: usize = 0x7fff_ffff;

/// Decodes the raw LZ4 block `src` into `dst` (capacity `dst.len()`).
///
/// Returns the decoded length. Same acceptance as liblz4's
/// `LZ4_decompress_safe(src, dst, src.len(), dst.len())`, except that
/// offset 0 is an error.
pub fn decompress<Y: Yield>(src: &[u8], dst: &mut [u8], hook: &mut Y) -> Result<usize, Error> {
    let mut budget = Budget::new(hook);
    let n = decode(src, dst, 0, 0, &mut budget)?;
    budget.finish();
    Ok(n)
}

/// [`decompress`] without a yield hook.
pub fn decompress_noyield(src: &[u8], dst: &mut [u8]) -> Result<usize, Error> {
    decompress(src, dst, &mut NoYield)
}

/// Decodes one block into `dst[op0..]`; matches may reach back to `low`.
///
/// `dst.len()` is the capacity used for liblz4's end-of-block rules. Returns
/// the new output position. Used by the frame, legacy and ZFS decoders.
#[inline(always)]
pub(crate) fn decode<Y: Yield>(
    src: &[u8],
    dst: &mut [u8],
    op0: usize,
    low: usize,
    b: &mut Budget<'_, Y>,
) -> Result<usize, Error> {
    // A block that is one literal run, which is what a compressor emits for
    // data it cannot compress: one copy, without the loops' setup.
    if let Some(end) = copy_literal_block(src, dst, op0, low, b) {
        return Ok(end);
    }
    // A block whose whole work (all of its input, all of the output room)
    // fits in the budget window cannot reach a yield point: decode it
    // without budget checks, then account what it did. That is every block
    // of up to 32 KiB at the default interval, such as zram's and erofs'
    // pages, and it spares them the budget's bookkeeping (and a call).
    if !Y::NEVER_YIELDS && op0 <= dst.len() && b.fits(src.len().saturating_add(dst.len() - op0)) {
        let n = decode_body(src, dst, op0, low, &mut Budget::new(&mut NoYield))?;
        // A block that decodes consumes all of its input.
        b.account(src.len().saturating_add(n.saturating_sub(op0)));
        return Ok(n);
    }
    decode_body(src, dst, op0, low, b)
}

/// Where the literals of a block that is a single literal run start, and
/// how many there are: a token with 15 literals, its length bytes, then
/// exactly that many literals up to the end. `None` for any other block.
///
/// Only runs of 270 literals or more qualify (the first length byte is
/// 255): shorter runs gain little, and a text block whose first run has 15
/// literals or more leaves after two tests. Such a block is accepted by
/// [`decode_body`], with the same output, whenever it fits in the output
/// (it leaves at least 15 bytes of input after its length bytes, and
/// lengths above [`MAX_LENGTH`] are left to [`decode_body`]).
#[inline(always)]
fn literal_block(src: &[u8]) -> Option<(usize, usize)> {
    let (&token, rest) = src.split_first()?;
    if usize::from(token >> 4) != RUN_MASK || rest.first() != Some(&255) {
        return None;
    }
    // The length bytes: 255s, eight per test, then the last one.
    let mut i = 0usize;
    while let Some(c) = rest.get(i..).and_then(|r| r.first_chunk::<8>()) {
        if u64::from_ne_bytes(*c) != u64::MAX {
            break;
        }
        // The eight bytes are in `rest`: no wrap.
        i = i.wrapping_add(8);
    }
    let last = loop {
        let b = *rest.get(i)?;
        // `rest[i]` exists: no wrap.
        i = i.wrapping_add(1);
        if b != 255 {
            break usize::from(b);
        }
    };
    // `i - 1` bytes of 255 precede the last one. Past `MAX_LENGTH / 255`
    // of them the length is above `MAX_LENGTH`, and below, `255 * (i - 1)`
    // cannot overflow, even on 32 bits.
    let ff = i.wrapping_sub(1);
    if ff > MAX_LENGTH / 255 {
        return None;
    }
    let len = RUN_MASK + 255 * ff + last;
    // `i <= rest.len()`: `rest[i - 1]` was read.
    (rest.len().wrapping_sub(i) == len && len <= MAX_LENGTH).then_some((i.wrapping_add(1), len))
}

/// Decodes `src` into `dst[op0..]` if it is a single literal run
/// ([`literal_block`]) that fits in the output and in the budget window,
/// and accounts its work; `None` leaves the block to [`decode_body`].
#[inline(always)]
fn copy_literal_block<Y: Yield>(
    src: &[u8],
    dst: &mut [u8],
    op0: usize,
    low: usize,
    b: &mut Budget<'_, Y>,
) -> Option<usize> {
    let (ip, len) = literal_block(src)?;
    let cost = src.len().saturating_add(len);
    if low > op0 || !b.fits(cost) {
        return None;
    }
    let end = op0.checked_add(len)?;
    copy_exact(dst.get_mut(op0..end)?, src.get(ip..)?)?;
    b.account(cost);
    Some(end)
}

/// Where the safe loop starts (labels of liblz4's safe loop).
#[derive(Clone, Copy)]
enum Entry {
    /// Read a new token.
    Token,
    /// `safe_literal_copy`: literal run of `len` bytes, then the match of `token`.
    Literals { token: usize, len: usize },
    /// `safe_match_copy`: match of `len` bytes.
    Match { offset: usize, len: usize },
}

/// [`decode`] itself.
#[inline(never)]
fn decode_body<Y: Yield>(
    src: &[u8],
    dst: &mut [u8],
    op0: usize,
    low: usize,
    budget: &mut Budget<'_, Y>,
) -> Result<usize, Error> {
    let iend = src.len();
    let oend = dst.len();
    if op0 > oend || low > op0 {
        return Err(Error::InvalidArgument);
    }
    budget.enter_block(op0);
    if oend == op0 {
        return match src {
            [0] => {
                budget.check_at(0, op0, 1)?;
                budget.leave_block(1, op0);
                Ok(op0)
            }
            [] => Err(Error::EmptyInput),
            _ => Err(Error::OutputTooSmall),
        };
    }
    if iend == 0 {
        return Err(Error::EmptyInput);
    }

    // Invariants everywhere below: ip <= iend, low <= op0 <= op <= oend, so
    // `ip + small`, `op + small` and `op - low` cannot wrap; the additions
    // that advance them are covered by the bounds checked just before.
    let mut ip = 0usize;
    let mut op = op0;
    let mut entry = Entry::Token;

    if oend - op >= FASTLOOP_SAFE_DISTANCE {
        // Long sequences take the hot path when they end at or below
        // `long_limit`, which keeps `HOT_ROOM` (95) bytes of room: the 31 bytes a
        // short sequence may write past its end, and liblz4's 64-byte
        // fast-loop margin.
        entry = fast_loop(
            src,
            dst,
            &mut ip,
            &mut op,
            low,
            budget,
            oend.saturating_sub(HOT_ROOM),
        )?;
    }

    // Safe loop: liblz4's second loop, entered at the label in `entry`.
    // Its stages follow each other by falling through the labelled blocks
    // below (token, literals, match length, match), so a sequence passes
    // one dispatch on `entry` at most, and only the first one.
    'seq: loop {
        let (offset, len) = 'match_len: {
            let (offset, nibble) = 'offset: {
                let (token, len) = 'literals: {
                    match entry {
                        Entry::Token => {}
                        Entry::Literals { token, len } => break 'literals (token, len),
                        Entry::Match { offset, len } => break 'match_len (offset, len),
                    }
                    budget.check_seq(ip, op)?;
                    let token = usize::from(*src.get(ip).ok_or(Error::TruncatedLength)?);
                    ip = ip.wrapping_add(1);
                    let len = token >> 4;
                    if len != RUN_MASK && iend.wrapping_sub(ip) > 16 && oend.wrapping_sub(op) >= 32
                    {
                        // Two-stage shortcut.
                        copy_literals_wild(src, ip, dst, op, 16).ok_or(Error::LiteralsPastInput)?;
                        op = op.wrapping_add(len);
                        ip = ip.wrapping_add(len);
                        let nibble = token & ML_MASK;
                        let offset = read_le16(src, ip).ok_or(Error::TruncatedLength)?;
                        ip = ip.wrapping_add(2);
                        if nibble != ML_MASK && offset >= 8 && offset <= op.wrapping_sub(low) {
                            copy_match18(dst, op.wrapping_sub(offset), op, offset)
                                .ok_or(Error::OutputTooSmall)?;
                            op = op.wrapping_add(nibble + MINMATCH);
                            entry = Entry::Token;
                            continue 'seq;
                        }
                        break 'offset (offset, nibble);
                    }
                    if len == RUN_MASK {
                        let ext = read_length(src, &mut ip, RUN_MASK, true, budget, op)?;
                        break 'literals (token, len + ext);
                    }
                    (token, len)
                };
                let cpy = op.checked_add(len);
                let ip_end = ip.checked_add(len);
                let (cpy_v, ip_end_v) = match (cpy, ip_end) {
                    (Some(c), Some(e)) => (c, e),
                    _ => return Err(literal_end_error(ip_end, iend, cpy, oend)),
                };
                if cpy_v.saturating_add(MFLIMIT) > oend
                    || ip_end_v.saturating_add(2 + 1 + LASTLITERALS) > iend
                {
                    // Must be the last sequence.
                    if ip_end_v != iend || cpy_v > oend {
                        return Err(literal_end_error(ip_end, iend, cpy, oend));
                    }
                    copy_literals_budget(src, ip, dst, op, len, budget)?;
                    budget.leave_block(ip_end_v, cpy_v);
                    return Ok(cpy_v);
                }
                // Not the last sequence: `cpy + 12 <= oend` and
                // `ip_end + 8 <= iend`, so 8-byte chunks may run 7 bytes
                // past both ends of the run (liblz4's `LZ4_wildCopy8`).
                if budget.never_yields()
                    || len.saturating_mul(2).saturating_add(SEQ_COST) <= budget.room_at(ip, op)
                {
                    copy_chunks8(dst, op, src, ip, len).ok_or(Error::LiteralsPastInput)?;
                } else {
                    copy_literals_chunked(src, ip, dst, op, len, budget)?;
                }
                ip = ip_end_v;
                op = cpy_v;
                let offset = read_le16(src, ip).ok_or(Error::TruncatedLength)?;
                ip = ip.wrapping_add(2);
                (offset, token & ML_MASK)
            };
            let mut len = nibble;
            if nibble == ML_MASK {
                len += read_length(src, &mut ip, LASTLITERALS - 1, false, budget, op)?;
            }
            (offset, len + MINMATCH)
        };
        if offset > op.wrapping_sub(low) {
            return Err(Error::OffsetBeforeStart);
        }
        if offset == 0 {
            return Err(Error::OffsetZero);
        }
        match op.checked_add(len) {
            Some(cpy) if cpy.saturating_add(LASTLITERALS) <= oend => {
                // The last short matches of a block: 18 bytes in place, no
                // call (`op + 18 <= oend`; within the budget like any copy of
                // `len` bytes).
                if len <= 18
                    && offset >= 8
                    && oend.wrapping_sub(op) >= 18
                    && len <= budget.room_at(ip, op)
                {
                    copy_match18(dst, op.wrapping_sub(offset), op, offset)
                        .ok_or(Error::OutputTooSmall)?;
                } else if len <= 32 && offset >= 8 && len <= budget.room_at(ip, op) {
                    copy_match_steps::<8>(dst, op, offset, len).ok_or(Error::OutputTooSmall)?;
                } else {
                    copy_match_budget(dst, ip, op, offset, len, budget)?;
                }
                op = cpy;
            }
            _ => return Err(Error::OutputTooSmall),
        }
        entry = Entry::Token;
    }
}

#[inline(always)]
fn read_le16(s: &[u8], i: usize) -> Option<usize> {
    let b = s.get(i..)?.first_chunk::<2>()?;
    Some(usize::from(u16::from_le_bytes(*b)))
}

/// Reads a length extension (liblz4 `read_variable_length`): the input
/// limit is `src.len() - slack`; with `initial`, `ip` must be below it first.
#[inline(always)]
fn read_length<Y: Yield>(
    src: &[u8],
    ip: &mut usize,
    slack: usize,
    initial: bool,
    budget: &mut Budget<'_, Y>,
    op: usize,
) -> Result<usize, Error> {
    let iend = src.len();
    if initial && (iend < slack || *ip >= iend - slack) {
        return Err(Error::TruncatedLength);
    }
    let mut len = 0usize;
    // Eight bytes of 255 per test (the length of a long literal run or
    // zero run takes one per 255 bytes), while the byte loop below would
    // take all eight: each of them has `slack` more bytes of input after it.
    while let Some(c) = src
        .get(*ip..)
        .and_then(|r| r.get(..slack.wrapping_add(8)))
        .and_then(|r| r.first_chunk::<8>())
    {
        if u64::from_ne_bytes(*c) != u64::MAX {
            break;
        }
        // The eight bytes and the next one (the byte loop's invariant: the
        // byte at `ip` fits in the window).
        budget.check_at(*ip, op, 9)?;
        // The eight bytes are in `src`: no wrap.
        *ip = ip.wrapping_add(8);
        // len <= MAX_LENGTH before the add: no overflow, even on 32 bits.
        len = len.wrapping_add(8 * 255);
        if len > MAX_LENGTH {
            return Err(Error::LengthOverflow);
        }
    }
    loop {
        let Some(rest) = src.get(*ip..) else {
            return Err(Error::TruncatedLength);
        };
        let Some((&b, rest)) = rest.split_first() else {
            return Err(Error::TruncatedLength);
        };
        let s = usize::from(b);
        // The byte at `ip` was in `src`: no wrap.
        *ip = ip.wrapping_add(1);
        // len <= MAX_LENGTH before the add: no overflow, even on 32 bits.
        len = len.wrapping_add(s);
        if rest.len() < slack {
            return Err(Error::TruncatedLength);
        }
        if s != 255 {
            return Ok(len);
        }
        if len > MAX_LENGTH {
            return Err(Error::LengthOverflow);
        }
        budget.check_at(*ip, op, 1)?;
    }
}

/// Literal copy that respects the yield budget (2 units per byte), then
/// reserves [`SEQ_COST`] for the rest of the sequence.
#[inline(always)]
fn copy_literals_budget<Y: Yield>(
    src: &[u8],
    ip: usize,
    d: &mut [u8],
    op: usize,
    len: usize,
    budget: &mut Budget<'_, Y>,
) -> Result<(), Error> {
    if budget.never_yields()
        || len.saturating_mul(2).saturating_add(SEQ_COST) <= budget.room_at(ip, op)
    {
        return copy_literals(src, ip, d, op, len).ok_or(Error::LiteralsPastInput);
    }
    copy_literals_chunked(src, ip, d, op, len, budget)
}

#[cold]
#[inline(never)]
fn copy_literals_chunked<Y: Yield>(
    src: &[u8],
    mut ip: usize,
    d: &mut [u8],
    mut op: usize,
    mut len: usize,
    budget: &mut Budget<'_, Y>,
) -> Result<(), Error> {
    while len > 0 {
        let n = len.min(budget.room_at(ip, op) / 2);
        if n == 0 {
            budget.yield_at_cursor(ip, op)?;
            continue;
        }
        copy_literals(src, ip, d, op, n).ok_or(Error::LiteralsPastInput)?;
        // The copy succeeded: ip + n <= src.len(), op + n <= d.len().
        ip = ip.wrapping_add(n);
        op = op.wrapping_add(n);
        len -= n;
    }
    budget.check_at(ip, op, SEQ_COST)
}

/// Match copy that respects the yield budget (1 unit per byte).
#[inline(always)]
fn copy_match_budget<Y: Yield>(
    d: &mut [u8],
    ip: usize,
    op: usize,
    offset: usize,
    len: usize,
    budget: &mut Budget<'_, Y>,
) -> Result<(), Error> {
    if budget.never_yields() || len <= budget.room_at(ip, op) {
        return copy_match_out(d, op, offset, len).ok_or(Error::OutputTooSmall);
    }
    copy_match_chunked(d, ip, op, offset, len, budget)
}

#[cold]
#[inline(never)]
fn copy_match_chunked<Y: Yield>(
    d: &mut [u8],
    ip: usize,
    mut op: usize,
    offset: usize,
    mut len: usize,
    budget: &mut Budget<'_, Y>,
) -> Result<(), Error> {
    while len > 0 {
        let n = len.min(budget.room_at(ip, op));
        if n == 0 {
            budget.yield_at_cursor(ip, op)?;
            continue;
        }
        copy_match_out(d, op, offset, n).ok_or(Error::OutputTooSmall)?;
        // The match fit in `d`: no wrap.
        op = op.wrapping_add(n);
        len -= n;
    }
    Ok(())
}

/// Classifies a failed final literal run like liblz4's
/// `(ip + length != iend) || (cpy > oend)` check.
#[cold]
fn literal_end_error(ip_end: Option<usize>, iend: usize, cpy: Option<usize>, oend: usize) -> Error {
    match ip_end {
        Some(e) if e <= iend => {}
        _ => return Error::LiteralsPastInput,
    }
    match cpy {
        Some(c) if c.saturating_add(MFLIMIT) <= oend => Error::BadBlockEnd,
        _ => Error::OutputTooSmall,
    }
}
