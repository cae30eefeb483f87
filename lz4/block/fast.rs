// SPDX-License-Identifier: GPL-2.0

//! The fast path of the block decoder: liblz4's fast loop.
//!
//! [`fast_loop`] runs while at least 64 bytes of output room are left.
//! Each turn either hands a run of common sequences to [`hot_run`], which
//! decodes them with one bounds check per copy and no budget check (the
//! budget grants it a quota of output, [`Budget::op_quota`]), or decodes one
//! sequence of any kind with every check, as liblz4's fast loop does. It
//! returns to the general loop of [`super::decode_body`] at the first
//! sequence that may reach the last 64 bytes of output, and every error is
//! found by the general checks: [`hot_run`] leaves any sequence it cannot
//! take whole, and the next turn sees it again.

use super::super::{split_at, split_at_mut, Budget, Error, Yield, SEQ_COST};
use super::copy::{
    copy_chunks16_from, copy_literals_wild, copy_match18, copy_match_out, copy_match_steps,
    copy_pattern18, fill_run,
};
use super::{
    copy_literals_chunked, copy_match_budget, read_le16, read_length, Entry,
    FASTLOOP_SAFE_DISTANCE, LASTLITERALS, MINMATCH, ML_MASK, RUN_MASK,
};

/// Bytes of the [`hot_run`] window past its quota: a short sequence starts
/// before the quota and writes at most 32 bytes (16 literal bytes, then an
/// 18-byte match at most 14 bytes later).
const HOT_TAIL: usize = 31;

/// Output room left after the long sequences of [`hot_run`]: the window's
/// tail, then liblz4's fast-loop margin.
pub(super) const HOT_ROOM: usize = HOT_TAIL + FASTLOOP_SAFE_DISTANCE;

/// Marks the branch it is expanded in as the rare one (the kernel's
/// `unlikely()`), so that LLVM lays out the other as the fall-through: in
/// [`hot_run`], the short path then runs into the loop test without a
/// jump. It changes no result.
/// `core::hint::cold_path()` arrived in rustc 1.95; the `rlz4_cold_path` cfg
/// is set by `Kbuild` and `tools/rlz4/build.rs` for such a compiler, and
/// older ones get the old layout. A macro, not a function: the hint counts
/// only in the body that calls it, and an inlined helper loses it.
macro_rules! rare {
    () => {
        #[cfg(rlz4_cold_path)]
        #[allow(clippy::incompatible_msrv)]
        core::hint::cold_path();
    };
}

/// liblz4's fast loop, from `(*ip, *op)` with `*op + 64 <= dst.len()`;
/// returns where the safe loop starts. [`hot_run`] takes long sequences
/// that end at or below `long_limit` and short ones up to 32 bytes before
/// the output end.
#[inline(always)]
pub(super) fn fast_loop<Y: Yield>(
    src: &[u8],
    dst: &mut [u8],
    ip_out: &mut usize,
    op_out: &mut usize,
    low: usize,
    budget: &mut Budget<'_, Y>,
    long_limit: usize,
) -> Result<Entry, Error> {
    let iend = src.len();
    let oend = dst.len();
    let mut ip = *ip_out;
    let mut op = *op_out;
    // `quota` is the budget quota ([`Budget::op_quota`]; 0 forces a budget check
    // first).
    let mut quota = if budget.never_yields() { usize::MAX } else { 0 };
    // Unread input: `ip == iend - unread.len()` except on the hot path,
    // which advances `unread` only.
    let mut unread = src.get(ip..).ok_or(Error::TruncatedLength)?;
    let entry = 'fast: loop {
        // Invariants: ip < iend, op + 64 <= oend.
        // `op - ip` at the start of the sequence (see `stale`).
        let lead;
        let (offset, nibble) = {
            if op < quota {
                // The window of `hot_run`: from `low` to 31 bytes past the
                // quota, or to the output end (`oend >= 64`: no wrap).
                // Short sequences start at least 32 bytes before its end,
                // long ones end at or below `min(quota, long_limit)`, which is at
                // least 31 bytes before it.
                let window_end = if quota < oend.wrapping_sub(HOT_TAIL) {
                    quota.wrapping_add(HOT_TAIL)
                } else {
                    oend
                };
                let long_limit = if quota < long_limit {
                    quota
                } else {
                    long_limit
                };
                if let Some(w) = dst.get_mut(low..window_end) {
                    let hot = hot_run(
                        unread,
                        w,
                        op.wrapping_sub(low),
                        long_limit.saturating_sub(low),
                    );
                    unread = unread.get(hot.used..).ok_or(Error::TruncatedLength)?;
                    op = hot.pos.wrapping_add(low);
                    if let Some((mop, offset)) = hot.pending {
                        // The last sequence's match, from its offset: a
                        // pattern copy (offset < 16) that hot_run() leaves
                        // to copy_match_out(). It ends at `op`, within the
                        // quota like the sequence.
                        let mop = mop.wrapping_add(low);
                        copy_match_out(dst, mop, offset, op.wrapping_sub(mop))
                            .ok_or(Error::OutputTooSmall)?;
                    }
                }
                if oend.wrapping_sub(op) < FASTLOOP_SAFE_DISTANCE {
                    // Past liblz4's fast loop: the safe loop goes on.
                    ip = iend.wrapping_sub(unread.len());
                    break 'fast Entry::Token;
                }
            }
            if op >= quota {
                ip = iend.wrapping_sub(unread.len());
                budget.check_seq(ip, op)?;
                budget.renew_early(ip, op)?;
                quota = budget.op_quota(ip, op);
                continue 'fast;
            }
            // Any sequence, with all checks.
            ip = iend.wrapping_sub(unread.len());
            lead = op.wrapping_sub(ip);
            let token = usize::from(*src.get(ip).ok_or(Error::TruncatedLength)?);
            ip = ip.wrapping_add(1);
            let len = token >> 4;
            let nibble = token & ML_MASK;
            let len = if len != RUN_MASK {
                // liblz4: ip <= iend - 17.
                // The token at ip - 1 was read: ip <= iend.
                if iend.wrapping_sub(ip) < 17 {
                    break 'fast Entry::Literals { token, len };
                }
                copy_literals_wild(src, ip, dst, op, 16).ok_or(Error::LiteralsPastInput)?;
                len
            } else {
                let len = len + read_length(src, &mut ip, RUN_MASK, true, budget, op)?;
                // len <= MAX_LENGTH + 270: len + 32 cannot wrap, and
                // op <= oend, ip <= iend.
                if len.wrapping_add(32) > oend.wrapping_sub(op)
                    || len.wrapping_add(32) > iend.wrapping_sub(ip)
                {
                    break 'fast Entry::Literals { token, len };
                }
                if budget.never_yields()
                    || len.saturating_mul(2).saturating_add(SEQ_COST) <= budget.room_at(ip, op)
                {
                    copy_literals_wild(src, ip, dst, op, len).ok_or(Error::LiteralsPastInput)?;
                } else {
                    copy_literals_chunked(src, ip, dst, op, len, budget)?;
                }
                len
            };
            // Both cases checked `len` against the input and output ends.
            ip = ip.wrapping_add(len);
            op = op.wrapping_add(len);
            let offset = read_le16(src, ip).ok_or(Error::TruncatedLength)?;
            ip = ip.wrapping_add(2);
            if nibble != ML_MASK {
                let match_len = nibble + MINMATCH;
                if op.wrapping_add(match_len + FASTLOOP_SAFE_DISTANCE) >= oend {
                    break 'fast Entry::Match {
                        offset,
                        len: match_len,
                    };
                }
                if offset >= 8 && offset <= op.wrapping_sub(low) {
                    copy_match18(dst, op.wrapping_sub(offset), op, offset)
                        .ok_or(Error::OutputTooSmall)?;
                    op = op.wrapping_add(match_len);
                    unread = src.get(ip..).ok_or(Error::TruncatedLength)?;
                    // Long literals may have used up the budget quota.
                    if stale(budget, ip, op, lead) {
                        budget.check_seq(ip, op)?;
                        quota = budget.op_quota(ip, op);
                    }
                    continue 'fast;
                }
            }
            (offset, nibble)
        };
        let len;
        if nibble == ML_MASK {
            len = ML_MASK
                + MINMATCH
                + read_length(src, &mut ip, LASTLITERALS - 1, false, budget, op)?;
            // len <= MAX_LENGTH + 19 and op <= oend: nothing wraps.
            if len.wrapping_add(FASTLOOP_SAFE_DISTANCE) >= oend.wrapping_sub(op) {
                break 'fast Entry::Match { offset, len };
            }
        } else {
            // Already checked against the fast-loop limit above.
            len = nibble + MINMATCH;
        }
        if offset > op.wrapping_sub(low) {
            return Err(Error::OffsetBeforeStart);
        }
        if offset == 0 {
            return Err(Error::OffsetZero);
        }
        copy_match_budget(dst, ip, op, offset, len, budget)?;
        op = op.wrapping_add(len);
        unread = src.get(ip..).ok_or(Error::TruncatedLength)?;
        // Not a short sequence: check the budget for the next one here.
        if stale(budget, ip, op, lead) {
            budget.check_seq(ip, op)?;
            quota = budget.op_quota(ip, op);
        }
    };
    *ip_out = ip;
    *op_out = op;
    Ok(entry)
}

/// Whether the budget quota `quota` of the fast loop must be recomputed after
/// a sequence that started with `op - ip == lead`.
///
/// [[`Budget::op_quota`]] leaves `D = seq_limit - (ip + op) - 2 * (quota - op) >= -1`,
/// which is what makes `op < quota` imply `ip + op < seq_limit`. A sequence changes
/// `D` by its output minus its input (yields only raise `seq_limit`), so while
/// every sequence produces at least as many bytes as it consumes the quota
/// stays valid; `ip` and `op` index slices, so their differences fit in
/// `isize`.
#[inline(always)]
fn stale<Y: Yield>(budget: &Budget<'_, Y>, ip: usize, op: usize, lead: usize) -> bool {
    !budget.never_yields() && (op.wrapping_sub(ip) as isize) < (lead as isize)
}

/// What [`hot_run`] did: the input it used, the output position after the
/// last sequence it took, and the match of that sequence when it is left
/// to the caller to copy (see [`Rare`]): its position and offset, its
/// length `pos - position`.
struct Hot {
    used: usize,
    pos: usize,
    pending: Option<(usize, usize)>,
}

/// Decodes common sequences at `window[pos..]`, stopping before the first
/// sequence it does not take; returns the input consumed, the new `pos`, and
/// the match of the last sequence when it is left to the caller ([`Hot`]).
///
/// `window` is a window of the output: it starts where the history starts (no
/// match may reach below its index 0) and ends either at the output end or
/// 31 bytes past the budget quota of [`Budget::op_quota`]. A sequence that
/// starts at least 32 bytes before the window end, with at least 18 bytes
/// of input from its token, is taken when its match source lies in the
/// window and it is one of:
///
/// - fewer than 15 literals and a match of at most 18 bytes: 16 literal
///   bytes and 18 match bytes are copied (when the match overlaps its own
///   output, [`hot_near`]);
/// - fewer than 15 literals and a match of 19 to 273 bytes ([`hot_long`]);
/// - 15 to 269 literals followed by either kind of match ([`hot_lit`]).
///
/// The short case is liblz4's shortcut, which both of its loops take under
/// the same conditions (`op <= oend - 32`, 17 input bytes after the token,
/// offset at least 8, source in the window), so it runs up to the output
/// end. The long cases must end at or below `long_limit`, which the caller keeps
/// 95 bytes before the output end and within the quota: that keeps liblz4
/// in its fast loop (`op + length < oend - 64`) and keeps the budget, as
/// every sequence taken consumes no more than it produces.
///
/// liblz4 decodes each such sequence the same way, with no error.
/// Everything else, including every error, is left to the general path,
/// which sees the same sequence again (bytes this function wrote past `pos`
/// for it are rewritten).
///
/// Its bounds checks are branches, which the CPU predicts and runs past.
/// The rare cases are inlined, as a call anywhere in the loop costs the
/// short path registers (spills around it); the pattern copies of
/// overlapping long matches are left to the caller.
#[inline(never)]
fn hot_run(unread: &[u8], window: &mut [u8], mut pos: usize, long_limit: usize) -> Hot {
    // `pos <= short_limit`: the 32 bytes of a short sequence fit in the window.
    let Some(short_limit) = window.len().checked_sub(HOT_TAIL + 1) else {
        return Hot {
            used: 0,
            pos,
            pending: None,
        };
    };
    let mut pending_match = None;
    let mut rest = unread;
    while let Some(seq) = rest.first_chunk::<18>() {
        if pos > short_limit {
            break;
        }
        let token = usize::from(seq[0]);
        let len = token >> 4;
        if len == RUN_MASK {
            rare!();
            let Some(Rare { used, end, pending }) = hot_lit(rest, window, pos, long_limit) else {
                break;
            };
            // `used <= rest.len()` (hot_lit() read that far); checked all
            // the same, as the compiler does not prove it: no panic path.
            let Some((_, r)) = split_at(rest, used) else {
                break;
            };
            rest = r;
            pos = end;
            if pending.is_some() {
                pending_match = pending;
                break;
            }
            continue;
        }
        let nibble = token & ML_MASK;
        // len <= 14: the offset and one length byte are within the 18.
        let (_, after_lits) = seq.split_at(len + 1);
        let Some(offset_bytes) = after_lits.first_chunk::<2>() else {
            break;
        };
        let offset = usize::from(u16::from_le_bytes(*offset_bytes));
        // The match starts `back` bytes before `pos`. A wrapped `back`
        // (offset < len) fails the bounds checks of the history below.
        let back = offset.wrapping_sub(len);
        let (_, after_token) = seq.split_at(1);
        let (lits, _) = after_token.split_at(16);
        let Some((hist, out)) = split_at_mut(window, pos) else {
            break;
        };
        let Some(out) = out.first_chunk_mut::<32>() else {
            break;
        };
        if nibble != ML_MASK {
            // The 18 source bytes must end before `pos`: no overlap with
            // this sequence's own output. Counted from the end of `hist`,
            // the two checks are a subtraction and a compare.
            let src = hist
                .len()
                .checked_sub(back)
                .and_then(|m| hist.get(m..))
                .and_then(|h| h.first_chunk::<18>());
            let Some(match_src) = src else {
                rare!();
                let Some(end) = hot_near(seq, window, pos, len, nibble, offset) else {
                    break;
                };
                // hot_near() took the sequence: its token, two offset
                // bytes and `len` literals are in `rest`.  rustc 1.95 and
                // later see it and drop split_at()'s panic; rustc 1.85
                // (Debian's kernel) keeps it, and there a failed check
                // leaves the sequence to the caller instead.  The gate
                // keeps the newer compilers' code as it was.
                #[cfg(rlz4_cold_path)]
                let (_, r) = rest.split_at(len + 3);
                #[cfg(not(rlz4_cold_path))]
                let Some(r) = rest.get(len + 3..) else {
                    break;
                };
                rest = r;
                pos = end;
                continue;
            };
            let (lit_out, _) = out.split_at_mut(16);
            lit_out.copy_from_slice(lits);
            let (_, match_out) = out.split_at_mut(len);
            let Some(match_out) = match_out.first_chunk_mut::<18>() else {
                break;
            };
            *match_out = *match_src;
            // As above: the sequence is in `rest`.
            #[cfg(rlz4_cold_path)]
            let (_, r) = rest.split_at(len + 3);
            #[cfg(not(rlz4_cold_path))]
            let Some(r) = rest.get(len + 3..) else {
                break;
            };
            rest = r;
            // pos + 32 <= window.len(): no wrap.
            pos = pos.wrapping_add(len + nibble + MINMATCH);
            continue;
        }
        rare!();
        let Some(Rare { used, end, pending }) =
            hot_long(seq, rest.len(), window, pos, len, offset, long_limit)
        else {
            break;
        };
        let Some((_, r)) = split_at(rest, used) else {
            break;
        };
        rest = r;
        pos = end;
        if pending.is_some() {
            pending_match = pending;
            break;
        }
    }
    Hot {
        // `rest` is a tail of `unread`: no wrap.
        used: unread.len().wrapping_sub(rest.len()),
        pos,
        pending: pending_match,
    }
}

/// A sequence taken by one of the rare cases of [`hot_run`]: the input it
/// used and the output position after it. When its match overlaps its own
/// output by less than 16 bytes (a period that a chunk copy cannot
/// take), the match is not copied: `pending` holds its position and
/// offset, and [`hot_run`] returns so that its caller copies it. This
/// keeps the pattern copy, and a call, out of [`hot_run`]'s loop (a call
/// there costs the short path registers).
struct Rare {
    used: usize,
    end: usize,
    pending: Option<(usize, usize)>,
}

/// The short-match case of [`hot_run`] whose 18-byte source overlaps the
/// output at `pos` (`offset < len + 18`; the source still starts at or after
/// the window start): the sequence at `seq` with `len` literals and match
/// nibble `nibble` (below 15), decoded with 8-byte steps for `offset >= 8`
/// and three stores of an 8-byte pattern below. Returns the output position
/// after it, or `None` to leave it to the general path.
///
/// The caller passes the token's fields, so that the token itself need not
/// live on in a register (the short path is one instruction shorter).
#[inline(always)]
fn hot_near(
    seq: &[u8; 18],
    window: &mut [u8],
    pos: usize,
    len: usize,
    nibble: usize,
    offset: usize,
) -> Option<usize> {
    let (_, after_token) = seq.split_at(1);
    let (lits, _) = after_token.split_at(16);
    window.get_mut(pos..)?.get_mut(..16)?.copy_from_slice(lits);
    let op = pos.checked_add(len)?;
    let match_len = nibble + MINMATCH;
    let end = op.checked_add(match_len)?;
    if offset >= 8 {
        copy_match18(window, op.checked_sub(offset)?, op, offset)?;
    } else {
        // liblz4 takes this match out of its shortcut, where the last
        // LASTLITERALS bytes of the output may not be reached.
        if end.checked_add(LASTLITERALS)? > window.len() {
            return None;
        }
        copy_pattern18(window, op, offset)?;
    }
    Some(end)
}

/// The long-literal case of [`hot_run`]: a sequence at `rest` with 15 to
/// 269 literals (one length byte below 255) and any match [`hot_run`]
/// would take, ending at or below `l = window.len() - 31`; returns the input it
/// used and the output position after it, or `None` to leave it to the
/// general path.
///
/// liblz4's fast loop takes such literals when they end 32 bytes before the
/// input and the output end (the window's 64-byte margin covers the
/// output).
/// The sequence consumes no more than it produces (token, length byte and
/// offset: 4 bytes, match: at least 4), so it keeps the budget quota.
#[inline(always)]
fn hot_lit(rest: &[u8], window: &mut [u8], pos: usize, long_limit: usize) -> Option<Rare> {
    let (&token, r) = rest.split_first()?;
    let (&b, r) = r.split_first()?;
    if b == 255 {
        return None;
    }
    let len = RUN_MASK + usize::from(b);
    // Literals, then at least 32 more bytes (offset and lengths included).
    let n = (len + 15) & !15;
    let lits = r.get(..n)?;
    let (_, r) = split_at(r, len)?;
    if r.len() < 32 {
        return None;
    }
    let offset = usize::from(u16::from_le_bytes(*r.first_chunk::<2>()?));
    let nibble = usize::from(token) & ML_MASK;
    let (match_len, extra) = if nibble == ML_MASK {
        let b = *r.get(2)?;
        if b == 255 {
            return None;
        }
        (ML_MASK + MINMATCH + usize::from(b), 1)
    } else {
        (nibble + MINMATCH, 0)
    };
    // pos < window.len(), len <= 269, match_len <= 273: no wrap.
    let op = pos.wrapping_add(len);
    let end = op.wrapping_add(match_len);
    if end > long_limit {
        return None;
    }
    let m = op.checked_sub(offset)?;
    // Literals in 16-byte chunks: `pos + n <= long_limit + 15`, inside the window
    // (the caller keeps `long_limit <= window.len() - 31`).
    copy_chunks16_from::<16>(window.get_mut(pos..)?.get_mut(..n)?, lits)?;
    let mk = (match_len + 15) & !15;
    let mut pending = None;
    if offset >= mk {
        let (hist, out) = split_at_mut(window, op)?;
        copy_chunks16_from::<16>(out.get_mut(..mk)?, hist.get(m..)?.get(..mk)?)?;
    } else if offset >= 8 && nibble != ML_MASK {
        copy_match18(window, m, op, offset)?;
    } else if offset >= 16 {
        copy_match_steps::<16>(window, op, offset, match_len)?;
    } else if offset == 1 {
        fill_run(window, op, match_len)?;
    } else if offset != 0 {
        // 1 < offset <= op (`m` above): copy_match_out() takes it.
        pending = Some((op, offset));
    } else {
        return None;
    }
    Some(Rare {
        used: len + 4 + extra,
        end,
        pending,
    })
}

/// The long-match case of [`hot_run`]: the sequence at `seq` (token with
/// `len` literals, fewer than 15, and match nibble 15; one length byte below
/// 255) with its literals at `pos`; returns the output position after it, or
/// `None` to leave it to the general path.
#[inline(always)]
fn hot_long(
    seq: &[u8; 18],
    avail: usize,
    window: &mut [u8],
    pos: usize,
    len: usize,
    offset: usize,
    long_limit: usize,
) -> Option<Rare> {
    // liblz4 wants 4 more input bytes after the length byte
    // (`read_variable_length` limit `iend - LASTLITERALS + 1`).
    let b = usize::from(*seq.get(len + 3)?);
    if b == 255 || avail < len + 8 {
        return None;
    }
    let match_len = ML_MASK + MINMATCH + b;
    // pos < window.len(), len <= 14, match_len <= 273: no wrap.
    let end = pos.wrapping_add(len + match_len);
    if end > long_limit {
        return None;
    }
    let (_, after_token) = seq.split_at(1);
    let (lits, _) = after_token.split_at(16);
    window.get_mut(pos..)?.get_mut(..16)?.copy_from_slice(lits);
    // A source that ends where the match starts (offset >= n) takes plain
    // 16-byte chunks; an overlapping one the general match copy.
    let n = (match_len + 15) & !15;
    let op = pos.wrapping_add(len);
    let mut pending = None;
    if offset >= n {
        let (hist, out) = split_at_mut(window, op)?;
        let s = hist.get(hist.len().checked_sub(offset)?..)?.get(..n)?;
        // n >= 32 (match_len >= 19).
        copy_chunks16_from::<32>(out.get_mut(..n)?, s)?;
    } else if offset >= 16 {
        copy_match_steps::<16>(window, op, offset, match_len)?;
    } else if offset == 1 {
        fill_run(window, op, match_len)?;
    } else if offset != 0 && offset <= op {
        // copy_match_out() takes it; offset 0 and a source before the
        // window are errors the general path reports.
        pending = Some((op, offset));
    } else {
        return None;
    }
    Some(Rare {
        used: len + 4,
        end,
        pending,
    })
}
