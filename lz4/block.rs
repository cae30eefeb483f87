// SPDX-License-Identifier: GPL-2.0

//! Raw LZ4 block decoder with `LZ4_decompress_safe` semantics.
//!
//! The control flow mirrors liblz4 1.10's `LZ4_decompress_generic` (fast
//! loop while at least 64 bytes of output room remain, then the safe loop)
//! so that the set of accepted inputs is exactly liblz4's, including its
//! end-of-block parsing restrictions, which liblz4 checks against the output
//! *capacity*. The only intended difference: offset 0 is rejected
//! ([`Error::OffsetZero`]) where liblz4 zero-fills.
//!
//! Everything is safe Rust: fixed-size array copies for the short cases,
//! pattern expansion for overlapping matches, checked arithmetic where a
//! length comes from the input.

use super::{split_at, split_at_mut, Budget, Error, NoYield, Yield};

const RUN_MASK: usize = 15;
const ML_MASK: usize = 15;
const MINMATCH: usize = 4;
const LASTLITERALS: usize = 5;
const MFLIMIT: usize = 12;
const FASTLOOP_SAFE_DISTANCE: usize = 64;

// Code placement in the kernel build. Under QEMU's TCG, which runs the
// test kernels, a jump to another guest page is not chained to its target:
// it leaves the translated code for a lookup, and a hot loop that straddles
// a page boundary runs at half speed or less (`make kbench`: repeat data
// 0.45-0.63 of the C decoder's speed instead of 1.04-1.31). So the block
// decoder's body ([`decode_body`], whose no-budget instance runs every
// small block), its hot loop ([`hot_run`]) and the general match copy
// ([`copy_match_out`]) each start a page-aligned section of their own;
// `scripts/hot-pages.sh` checks in `make test` that each fits its page. On
// hardware the padding costs nothing but some KiB of module text. Host
// builds keep the default sections.
#[cfg(target_os = "none")]
core::arch::global_asm!(
    ".pushsection .text.rust_lz4_decode,\"ax\",%progbits",
    ".balign 4096",
    ".popsection",
    ".pushsection .text.rust_lz4_hot_run,\"ax\",%progbits",
    ".balign 4096",
    ".popsection",
    ".pushsection .text.rust_lz4_hot_copy,\"ax\",%progbits",
    ".balign 4096",
    ".popsection",
);

/// Bytes of the [`hot_run`] window past its quota: a short sequence starts
/// before the quota and writes at most 32 bytes (16 literal bytes, then an
/// 18-byte match at most 14 bytes later).
const HOT_TAIL: usize = 31;
/// Output room left after the long sequences of [`hot_run`]: the window's
/// tail, then liblz4's fast-loop margin.
const HOT_ROOM: usize = HOT_TAIL + FASTLOOP_SAFE_DISTANCE;
/// Upper bound of the progress of one short sequence (token, up to 14
/// literals read and written, offset, match of up to 18 bytes).
const SEQ_COST: usize = 64;
/// Largest literal or match length accepted (liblz4 sizes are `int`).
const MAX_LENGTH: usize = 0x7fff_ffff;
/// Literal runs at least this long are copied by `memcpy` (see
/// [`copy_exact`]).
const MEMCPY_MIN: usize = 256;

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

/// Local view of the budget inside one block: progress is tracked as
/// `ip + op` so the hot check is one add and one compare.
struct Meter<'b, 'h, Y: Yield> {
    b: &'b mut Budget<'h, Y>,
    pos0: usize,
    op0: usize,
    /// A yield is due before `ip + op` would exceed this.
    qlim: usize,
    /// `qlim - (SEQ_COST - 1)`, saturated: a short sequence needs a yield
    /// first when `ip + op >= qseq`.
    qseq: usize,
}

impl<'b, 'h, Y: Yield> Meter<'b, 'h, Y> {
    #[inline(always)]
    fn new(b: &'b mut Budget<'h, Y>, op0: usize) -> Self {
        let pos0 = b.pos;
        let qlim = if b.unlimited() {
            usize::MAX
        } else {
            b.limit.saturating_sub(pos0).saturating_add(op0)
        };
        Meter {
            b,
            pos0,
            op0,
            qlim,
            qseq: qlim.saturating_sub(SEQ_COST - 1),
        }
    }

    /// No budget checks needed (compile-time for [`NoYield`]). A hook with
    /// an unlimited interval at run time gets a window past any reachable
    /// `ip + op` instead (see [`Meter::new`]), so the checks never fire.
    #[inline(always)]
    fn unlimited(&self) -> bool {
        Y::NEVER_YIELDS
    }

    /// Makes sure `cost` more units fit in the window at `(ip, op)`.
    #[inline(always)]
    fn check(&mut self, ip: usize, op: usize, cost: usize) -> Result<(), Error> {
        // `ip` and `op` index two distinct slices: their sum cannot wrap.
        if !self.unlimited() && ip.wrapping_add(op).saturating_add(cost) > self.qlim {
            self.yield_now(ip, op)?;
        }
        Ok(())
    }

    /// [`Meter::check`] for `cost == SEQ_COST`: one add and one compare.
    #[inline(always)]
    fn check_seq(&mut self, ip: usize, op: usize) -> Result<(), Error> {
        if !self.unlimited() && ip.wrapping_add(op) >= self.qseq {
            self.yield_now(ip, op)?;
        }
        Ok(())
    }

    /// Room left in the window at `(ip, op)`.
    #[inline(always)]
    fn room(&self, ip: usize, op: usize) -> usize {
        if self.unlimited() {
            usize::MAX
        } else {
            self.qlim.saturating_sub(ip.wrapping_add(op))
        }
    }

    #[cold]
    #[inline(never)]
    fn yield_now(&mut self, ip: usize, op: usize) -> Result<(), Error> {
        let at = self
            .pos0
            .saturating_add(ip)
            .saturating_add(op.saturating_sub(self.op0));
        self.b.yield_at(at)?;
        self.qlim = ip.wrapping_add(op).saturating_add(self.b.interval);
        self.qseq = self.qlim.saturating_sub(SEQ_COST - 1);
        Ok(())
    }

    /// Yields now, before the window is used up, when less than a quarter
    /// of it is left. The quota of [`Meter::op_quota`] is half of what is
    /// left, so without this a window would take about log2(interval /
    /// SEQ_COST) quotas, each one a return from [`hot_run`] and a call
    /// again; this way it takes two or three. Yielding early never
    /// lengthens a stretch between two yields.
    #[inline(always)]
    fn renew_early(&mut self, ip: usize, op: usize) -> Result<(), Error> {
        if !self.unlimited() && self.qseq.saturating_sub(ip.wrapping_add(op)) < self.b.interval / 4
        {
            self.yield_now(ip, op)?;
        }
        Ok(())
    }

    /// Exclusive limit on `op` up to which short fast-loop sequences need
    /// no budget check, given that `ip + op < qseq` now. Such a sequence
    /// consumes fewer input bytes than it produces (token + literals +
    /// offset < literals + 4), so while `op` stays below the quota,
    /// `ip + op` grows by less than twice the growth of `op` and stays below
    /// `qseq`: exactly where [`Meter::check_seq`] would not yield.
    #[inline(always)]
    fn op_quota(&self, ip: usize, op: usize) -> usize {
        if self.unlimited() {
            return usize::MAX;
        }
        match self.qseq.checked_sub(ip.wrapping_add(op)) {
            Some(r) if r > 0 => op.saturating_add((r - 1) / 2 + 1),
            _ => 0,
        }
    }

    #[inline(always)]
    fn commit(self, ip: usize, op: usize) {
        self.b.pos = self
            .pos0
            .saturating_add(ip)
            .saturating_add(op.saturating_sub(self.op0));
    }
}

#[inline(always)]
fn read_le16(s: &[u8], i: usize) -> Option<usize> {
    let b = s.get(i..)?.first_chunk::<2>()?;
    Some(usize::from(u16::from_le_bytes(*b)))
}

/// Copies 8 bytes within `w` from `from` to `to` (load, then store).
#[inline(always)]
fn copy8_within(w: &mut [u8], from: usize, to: usize) -> Option<()> {
    let v = *w.get(from..)?.first_chunk::<8>()?;
    *w.get_mut(to..)?.first_chunk_mut::<8>()? = v;
    Some(())
}

/// Copies the short match of up to 18 bytes at `op` from `m = op - offset`
/// (`offset >= 8`): fixed copies of 8, 8 and 2 bytes inside one
/// bounds-checked window, writing exactly 18 bytes.
#[inline(always)]
fn copy_match18(d: &mut [u8], m: usize, op: usize, offset: usize) -> Option<()> {
    let w = d.get_mut(m..op.checked_add(18)?)?;
    if offset < 8 || w.len() != offset.checked_add(18)? {
        return None;
    }
    copy8_within(w, 0, offset)?;
    copy8_within(w, 8, offset + 8)?;
    let c = *w.get(16..)?.first_chunk::<2>()?;
    *w.get_mut(offset + 16..)?.first_chunk_mut::<2>()? = c;
    Some(())
}

/// Copies the `len` bytes at `s[ip..]` to `d[op..]` in 8-byte chunks, which
/// read and write up to 7 bytes past the run (the caller guarantees the
/// room on both sides). The chunks go in pairs ([`copy_chunks16`]), then
/// one alone: LLVM turns a loop of single whole chunks into a `memcpy`
/// call, which the kernel builds as `rep movsb`, a call and a return for a
/// few bytes (under TCG, the return is a lookup of translated code).
#[inline(always)]
fn copy_chunks8(d: &mut [u8], op: usize, s: &[u8], ip: usize, len: usize) -> Option<()> {
    // len is far below usize::MAX - 7 (a literal length from the input).
    let n = len.wrapping_add(7) & !7;
    let d = d.get_mut(op..)?.get_mut(..n)?;
    let s = s.get(ip..)?.get(..n)?;
    copy_chunks16(d, s);
    if n & 8 != 0 {
        *d.last_chunk_mut::<8>()? = *s.last_chunk::<8>()?;
    }
    Some(())
}

/// Copies a match of `len` bytes at `op` from `op - offset` (`offset >= S`,
/// `op + len <= d.len()`): `S`-byte moves, each reading what the previous
/// ones wrote when the match overlaps itself, as long as they fit in `d`
/// (writing up to `S - 1` bytes past the match), then single bytes. Each
/// loop tests one bound. `S = 8` takes the short matches near the end of
/// the output, `S = 16` the far ones of [`hot_run`].
#[inline(always)]
fn copy_match_steps<const S: usize>(
    d: &mut [u8],
    op: usize,
    offset: usize,
    len: usize,
) -> Option<()> {
    let w = d.get_mut(op.checked_sub(offset)?..)?;
    let dend = offset.checked_add(len)?;
    if offset < S || dend > w.len() {
        return None;
    }
    let stop = dend.min(w.len().saturating_sub(S - 1));
    let mut t = offset;
    while t < stop {
        // `offset + S` bytes: the source at 0, the destination at `offset`.
        let c = w.get_mut(t.wrapping_sub(offset)..t.wrapping_add(S))?;
        let v = *c.first_chunk::<S>()?;
        *c.get_mut(offset..)?.first_chunk_mut::<S>()? = v;
        t += S;
    }
    while t < dend {
        *w.get_mut(t)? = *w.get(t.wrapping_sub(offset))?;
        t += 1;
    }
    Some(())
}

/// Copies the 16 bytes at `s[i..]` to `d[i..]`.
#[inline(always)]
fn copy16_at(d: &mut [u8], s: &[u8], i: usize) -> Option<()> {
    *d.get_mut(i..)?.first_chunk_mut::<16>()? = *s.get(i..)?.first_chunk::<16>()?;
    Some(())
}

/// Copies `s` to `d` (equal lengths). From [`MEMCPY_MIN`] bytes on, with
/// `memcpy`: the kernel's is `rep movsb` on CPUs with fast string moves,
/// and on the host that builds the kernel's code (`make kcount`, native
/// table) it copies the literal run of an incompressible block at about
/// twice the speed of 8-byte moves. Below, with fixed-size moves: 16-byte
/// chunks and one overlapping chunk for the tail, as a call costs more
/// than the copy. (QEMU's TCG runs `rep movsb` as a loop of one-byte loads
/// and stores through its software TLB, several times the cost of 8-byte
/// moves per byte; the C decoder pays the same for the same runs.)
#[inline(always)]
fn copy_exact(d: &mut [u8], s: &[u8]) -> Option<()> {
    let n = s.len();
    if d.len() != n {
        return None;
    }
    if n >= MEMCPY_MIN {
        d.copy_from_slice(s);
    } else if n >= 16 {
        // `i < n` throughout: no wrap, and no overflow check (a panic
        // path) for the compiler to keep.
        let mut i = 0;
        while n.wrapping_sub(i) > 16 {
            copy16_at(d, s, i)?;
            i += 16;
        }
        *d.last_chunk_mut::<16>()? = *s.last_chunk::<16>()?;
    } else if n >= 8 {
        *d.first_chunk_mut::<8>()? = *s.first_chunk::<8>()?;
        *d.last_chunk_mut::<8>()? = *s.last_chunk::<8>()?;
    } else if n >= 4 {
        *d.first_chunk_mut::<4>()? = *s.first_chunk::<4>()?;
        *d.last_chunk_mut::<4>()? = *s.last_chunk::<4>()?;
    } else {
        let mut i = 0;
        while i < n {
            *d.get_mut(i)? = *s.get(i)?;
            i += 1;
        }
    }
    Some(())
}

/// Copies `len` literals exactly.
#[inline(always)]
fn copy_literals(src: &[u8], ip: usize, d: &mut [u8], op: usize, len: usize) -> Option<()> {
    let s = src.get(ip..)?.get(..len)?;
    copy_exact(d.get_mut(op..)?.get_mut(..len)?, s)
}

/// Copies `len` literals in 16-byte chunks, possibly reading and writing up
/// to 15 bytes past the end (caller guarantees the room on both sides);
/// runs of [`MEMCPY_MIN`] bytes or more exactly, by `memcpy`, as
/// [`copy_exact`] does.
#[inline(always)]
fn copy_literals_wild(src: &[u8], ip: usize, d: &mut [u8], op: usize, len: usize) -> Option<()> {
    if len >= MEMCPY_MIN {
        return copy_literals(src, ip, d, op, len);
    }
    // Whole 16-byte chunks covering `len` (at least one); `len` is far
    // below `usize::MAX - 15` (a length from the input).
    let n = if len <= 16 {
        16
    } else {
        len.wrapping_add(15) & !15
    };
    let s = src.get(ip..)?.get(..n)?;
    let o = d.get_mut(op..)?.get_mut(..n)?;
    let mut i = 0;
    loop {
        copy16_at(o, s, i)?;
        i += 16;
        if i >= len {
            return Some(());
        }
    }
}

/// For a period `p` of 1 to 7 bytes: `8 % p`, and the largest multiples of
/// `p` up to 8 and up to 16.
const PERIOD_STEPS: [[usize; 3]; 8] = {
    let mut t = [[0; 3]; 8];
    let mut p = 1;
    while p < 8 {
        t[p] = [8 % p, 8 - 8 % p, 16 - 16 % p];
        p += 1;
    }
    t
};

/// 8 bytes of the pattern of period `offset` (1..=7) starting at `w[0]`.
#[inline(always)]
fn pattern8(w: &[u8], offset: usize) -> Option<u64> {
    if offset == 0 || offset >= 8 {
        return None;
    }
    let v = u64::from_le_bytes(*w.first_chunk::<8>()?);
    let bits = 8 * (offset & 7);
    let mut p = v & (1u64 << bits).wrapping_sub(1);
    let mut have = offset;
    while have < 8 {
        p |= p << (8 * have);
        have *= 2;
    }
    Some(p)
}

/// One step of [`copy_match`] for `offset >= N`: copies `2 * N` bytes to
/// `w[t..]` from `offset` bytes before, as two dependent `N`-byte moves.
/// `c` is `w[t - offset..t + 2 * N]`.
#[inline(always)]
fn copy_match_step<const N: usize>(c: &mut [u8], offset: usize) -> Option<()> {
    let v = *c.first_chunk::<N>()?;
    *c.get_mut(offset..)?.first_chunk_mut::<N>()? = v;
    let c = c.get_mut(N..)?;
    let v = *c.first_chunk::<N>()?;
    *c.get_mut(offset..)?.first_chunk_mut::<N>()? = v;
    Some(())
}

/// Stores the 16-byte pattern `(p, p2)` at the start of `c`.
#[inline(always)]
fn store_pattern16(c: &mut [u8; 16], p: u64, p2: u64) {
    let (a, b) = c.split_at_mut(8);
    if let (Some(a), Some(b)) = (a.first_chunk_mut::<8>(), b.first_chunk_mut::<8>()) {
        *a = p.to_le_bytes();
        *b = p2.to_le_bytes();
    }
}

/// Copies a match of `len` bytes at `op` from `op - offset`
/// (`1 <= offset <= op`, `op + len <= d.len()`).
///
/// Uses fixed-size moves only: it writes whole chunks (8 or 16 bytes) as long
/// as they fit in `d`, which may write past `op + len` (those bytes are not
/// final yet), and single bytes for the last few bytes before `d.len()`.
/// Each chunk loop tests one bound, `t < stop`, computed before it: under
/// QEMU's TCG every conditional branch ends a translation block.
#[inline(always)]
fn copy_match(d: &mut [u8], op: usize, offset: usize, len: usize) -> Option<()> {
    let m = op.checked_sub(offset)?;
    let w = d.get_mut(m..)?;
    // Destination [offset, dend) of `w`, source `offset` bytes before.
    let dend = offset.checked_add(len)?;
    let cap = w.len();
    if dend > cap || offset == 0 {
        return None;
    }
    let mut t = offset;
    if offset >= 16 {
        // 32 bytes per step, as two dependent 16-byte copies, while the
        // step fits: t + 32 <= cap.
        let stop = dend.min(cap.saturating_sub(31));
        while t < stop {
            copy_match_step::<16>(
                w.get_mut(t.wrapping_sub(offset)..t.wrapping_add(32))?,
                offset,
            )?;
            t += 32;
        }
    } else if offset >= 8 {
        let stop = dend.min(cap.saturating_sub(15));
        while t < stop {
            copy_match_step::<8>(
                w.get_mut(t.wrapping_sub(offset)..t.wrapping_add(16))?,
                offset,
            )?;
            t += 16;
        }
    } else if let Some(p) = pattern8(w, offset) {
        // Store the 8-byte pattern every `stride` bytes (a multiple of the
        // period), so no load depends on a recent store.
        // 16 bytes of the pattern: `p`, then the pattern from phase
        // `8 % offset`, which repeats every `8 - 8 % offset` bytes.
        // Divisions by a variable are slow (a helper call under QEMU's
        // TCG): the three remainders come from a table.
        let [r, stride, stride16] = PERIOD_STEPS[offset & 7];
        let p2 = if r == 0 {
            p
        } else {
            // r is 1 to 7: both shifts are 8 to 56 bits, which the masks
            // show the compiler (no overflow check, a panic path, left).
            let sh = 8 * (r & 7);
            let q = p >> sh;
            q | (q << ((64 - sh) & 63))
        };
        // stride16 is 12 to 16: two pattern stores per 32 bytes.
        let s16 = stride16.min(16);
        let stop = dend.min(cap.saturating_sub(31));
        if r == 0 && t < stop {
            // Periods 1, 2 and 4 (zero runs above all): the pattern repeats
            // every 8 bytes, so the chunks up to the first one that reaches
            // `stop` are cut once and stored with one loop test each, not
            // two. t + n <= stop + 31 <= cap.
            let n = (stop - t + 31) & !31;
            let v = p.to_le_bytes();
            for c in w.get_mut(t..)?.get_mut(..n)?.chunks_exact_mut(32) {
                for q in c.chunks_exact_mut(8) {
                    q.copy_from_slice(&v);
                }
            }
            t += n;
        }
        while t < stop {
            let c = w.get_mut(t..t.wrapping_add(32))?;
            store_pattern16(c.first_chunk_mut::<16>()?, p, p2);
            store_pattern16(c.get_mut(s16..)?.first_chunk_mut::<16>()?, p, p2);
            t += 2 * s16;
        }
        let stop = dend.min(cap.saturating_sub(15));
        while t < stop {
            store_pattern16(
                w.get_mut(t..t.wrapping_add(16))?.first_chunk_mut::<16>()?,
                p,
                p2,
            );
            t += s16;
        }
        let p = p.to_le_bytes();
        let stop = dend.min(cap.saturating_sub(7));
        while t < stop {
            *w.get_mut(t..t.wrapping_add(8))?.first_chunk_mut::<8>()? = p;
            // t < cap and stride <= 8: no wrap.
            t = t.wrapping_add(stride);
        }
    }
    // t >= offset throughout (a wrapped index would fail `get`).
    while t < dend {
        let b = *w.get(t.wrapping_sub(offset))?;
        *w.get_mut(t)? = b;
        t += 1;
    }
    Some(())
}

/// [`copy_match`] for `offset == 1`, a run of one byte (zero runs of
/// executables and of file system blocks): 32 bytes per loop test, up to 31
/// bytes past the match (the caller keeps the room: `llim <= d.len() - 31`).
#[inline(always)]
fn fill_run(d: &mut [u8], op: usize, len: usize) -> Option<()> {
    let b = *d.get(op.checked_sub(1)?)?;
    let v = (u64::from(b) * 0x0101_0101_0101_0101).to_le_bytes();
    // len is far below usize::MAX - 31 (a match length).
    let n = len.wrapping_add(31) & !31;
    for c in d.get_mut(op..)?.get_mut(..n)?.chunks_exact_mut(32) {
        for q in c.chunks_exact_mut(8) {
            q.copy_from_slice(&v);
        }
    }
    Some(())
}

/// Reads a length extension (liblz4 `read_variable_length`): the input
/// limit is `src.len() - slack`; with `initial`, `ip` must be below it first.
#[inline(always)]
fn read_length<Y: Yield>(
    src: &[u8],
    ip: &mut usize,
    slack: usize,
    initial: bool,
    meter: &mut Meter<'_, '_, Y>,
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
        meter.check(*ip, op, 9)?;
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
        *ip += 1;
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
        meter.check(*ip, op, 1)?;
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
    meter: &mut Meter<'_, '_, Y>,
) -> Result<(), Error> {
    if meter.unlimited() || len.saturating_mul(2).saturating_add(SEQ_COST) <= meter.room(ip, op) {
        return copy_literals(src, ip, d, op, len).ok_or(Error::LiteralsPastInput);
    }
    copy_literals_chunked(src, ip, d, op, len, meter)
}

#[cold]
#[inline(never)]
fn copy_literals_chunked<Y: Yield>(
    src: &[u8],
    mut ip: usize,
    d: &mut [u8],
    mut op: usize,
    mut len: usize,
    meter: &mut Meter<'_, '_, Y>,
) -> Result<(), Error> {
    while len > 0 {
        let n = len.min(meter.room(ip, op) / 2);
        if n == 0 {
            meter.yield_now(ip, op)?;
            continue;
        }
        copy_literals(src, ip, d, op, n).ok_or(Error::LiteralsPastInput)?;
        ip += n;
        op += n;
        len -= n;
    }
    meter.check(ip, op, SEQ_COST)
}

/// Match copy that respects the yield budget (1 unit per byte).
#[inline(always)]
fn copy_match_budget<Y: Yield>(
    d: &mut [u8],
    ip: usize,
    op: usize,
    offset: usize,
    len: usize,
    meter: &mut Meter<'_, '_, Y>,
) -> Result<(), Error> {
    if meter.unlimited() || len <= meter.room(ip, op) {
        return copy_match_out(d, op, offset, len).ok_or(Error::OutputTooSmall);
    }
    copy_match_chunked(d, ip, op, offset, len, meter)
}

/// [`copy_match`] out of line, on a page of its own in the kernel build
/// (see the sections at the top of this file): the general path's long
/// matches spend their time in its loops.
#[inline(never)]
#[cfg_attr(target_os = "none", link_section = ".text.rust_lz4_hot_copy")]
fn copy_match_out(d: &mut [u8], op: usize, offset: usize, len: usize) -> Option<()> {
    copy_match(d, op, offset, len)
}

#[cold]
#[inline(never)]
fn copy_match_chunked<Y: Yield>(
    d: &mut [u8],
    ip: usize,
    mut op: usize,
    offset: usize,
    mut len: usize,
    meter: &mut Meter<'_, '_, Y>,
) -> Result<(), Error> {
    while len > 0 {
        let n = len.min(meter.room(ip, op));
        if n == 0 {
            meter.yield_now(ip, op)?;
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

/// Whether the budget quota `oq` of the fast loop must be recomputed after
/// a sequence that started with `op - ip == d0`.
///
/// [`Meter::op_quota`] leaves `D = qseq - (ip + op) - 2 * (oq - op) >= -1`,
/// which is what makes `op < oq` imply `ip + op < qseq`. A sequence changes
/// `D` by its output minus its input (yields only raise `qseq`), so while
/// every sequence produces at least as many bytes as it consumes the quota
/// stays valid; `ip` and `op` index slices, so their differences fit in
/// `isize`.
#[inline(always)]
fn stale<Y: Yield>(meter: &Meter<'_, '_, Y>, ip: usize, op: usize, d0: usize) -> bool {
    !meter.unlimited() && (op.wrapping_sub(ip) as isize) < (d0 as isize)
}

/// Copies `s` to `d` in 16-byte chunks, as many as both hold, as pairs of
/// 8-byte moves: a loop of whole chunks would become a `memcpy` call, and
/// the kernel's out-of-line `memcpy` costs more than these short copies.
#[inline(always)]
fn copy_chunks16(d: &mut [u8], s: &[u8]) {
    let n = d.len().min(s.len());
    let mut i = 0;
    // `i <= n` throughout: no wrap.
    while n.wrapping_sub(i) >= 16 {
        let (Some(dc), Some(sc)) = (
            d.get_mut(i..).and_then(|d| d.first_chunk_mut::<16>()),
            s.get(i..).and_then(|s| s.first_chunk::<16>()),
        ) else {
            return;
        };
        let (d0, d1) = dc.split_at_mut(8);
        let (s0, s1) = sc.split_at(8);
        if let (Some(d0), Some(d1), Some(s0), Some(s1)) = (
            d0.first_chunk_mut::<8>(),
            d1.first_chunk_mut::<8>(),
            s0.first_chunk::<8>(),
            s1.first_chunk::<8>(),
        ) {
            let (a, b) = (u64::from_ne_bytes(*s0), u64::from_ne_bytes(*s1));
            *d0 = a.to_ne_bytes();
            *d1 = b.to_ne_bytes();
        }
        i += 16;
    }
}

/// [`copy_chunks16`] for copies known to hold at least `H` bytes (`H` a
/// multiple of 16; `None` if they do not): the first `H` bytes without a
/// loop test, which under TCG is a conditional branch, and so a translation
/// block, less per 16 bytes.
#[inline(always)]
fn copy_chunks16_from<const H: usize>(d: &mut [u8], s: &[u8]) -> Option<()> {
    let (dh, dr) = d.split_first_chunk_mut::<H>()?;
    let (sh, sr) = s.split_first_chunk::<H>()?;
    copy_chunks16(dh, sh);
    copy_chunks16(dr, sr);
    Some(())
}

/// What [`hot_run`] did: the input it used, the output position after the
/// last sequence it took, and the match of that sequence when it is left
/// to the caller to copy (see [`Rare`]): its position and offset, its
/// length `o - position`.
struct Hot {
    used: usize,
    o: usize,
    pending: Option<(usize, usize)>,
}

/// Marks the branch it is expanded in as the rare one, so that LLVM lays out
/// the other as the fall-through: in [`hot_run`], the short path then runs
/// into the loop test without a jump, and under TCG, which ends a
/// translation block at every jump, takes one block less per sequence. It
/// changes no result.
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

/// Decodes common sequences at `d[o..]`, stopping before the first
/// sequence it does not take; returns the input consumed, the new `o`, and
/// the match of the last sequence when it is left to the caller ([`Hot`]).
///
/// `d` is a window of the output: it starts where the history starts (no
/// match may reach below its index 0) and ends either at the output end or
/// 31 bytes past the budget quota of [`Meter::op_quota`]. A sequence that
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
/// end. The long cases must end at or below `llim`, which the caller keeps
/// 95 bytes before the output end and within the quota: that keeps liblz4
/// in its fast loop (`op + length < oend - 64`) and keeps the budget, as
/// every sequence taken consumes no more than it produces.
///
/// liblz4 decodes each such sequence the same way, with no error.
/// Everything else, including every error, is left to the general path,
/// which sees the same sequence again (bytes this function wrote past `o`
/// for it are rewritten).
///
/// Its bounds checks are branches, which a CPU predicts and runs past.
/// Under QEMU's TCG, which runs the test kernels, every conditional branch
/// costs a translation block instead (`Documentation/benchmarks.rst`,
/// "What TCG charges"); a version that folded the short path's four tests
/// into one with selects was faster there and 15-20 % slower on the host,
/// and was reverted. The rare cases are inlined, as a call anywhere in the
/// loop costs the short path registers; the pattern copies of overlapping
/// long matches, which would not fit in the page, are left to the caller.
/// In the kernel build it starts a page of its own (see the top of this
/// file).
#[inline(never)]
#[cfg_attr(target_os = "none", link_section = ".text.rust_lz4_hot_run")]
fn hot_run(inp: &[u8], d: &mut [u8], mut o: usize, llim: usize) -> Hot {
    // `o <= lim`: the 32 bytes of a short sequence fit in the window.
    let Some(lim) = d.len().checked_sub(HOT_TAIL + 1) else {
        return Hot {
            used: 0,
            o,
            pending: None,
        };
    };
    let mut pend = None;
    let mut rest = inp;
    while let Some(c) = rest.first_chunk::<18>() {
        if o > lim {
            break;
        }
        let token = usize::from(c[0]);
        let len = token >> 4;
        if len == RUN_MASK {
            rare!();
            let Some(Rare { used, end, pending }) = hot_lit(rest, d, o, llim) else {
                break;
            };
            // `used <= rest.len()` (hot_lit() read that far); checked all
            // the same, as the compiler does not prove it: no panic path.
            let Some((_, r)) = split_at(rest, used) else {
                break;
            };
            rest = r;
            o = end;
            if pending.is_some() {
                pend = pending;
                break;
            }
            continue;
        }
        let nibble = token & ML_MASK;
        // len <= 14: the offset and one length byte are within the 18.
        let (_, t) = c.split_at(len + 1);
        let Some(ob) = t.first_chunk::<2>() else {
            break;
        };
        let offset = usize::from(u16::from_le_bytes(*ob));
        // The match starts `back` bytes before `o`. A wrapped `back`
        // (offset < len) fails the bounds checks of the history below.
        let back = offset.wrapping_sub(len);
        let (_, l17) = c.split_at(1);
        let (l16, _) = l17.split_at(16);
        let Some((hist, out)) = split_at_mut(d, o) else {
            break;
        };
        let Some(out) = out.first_chunk_mut::<32>() else {
            break;
        };
        if nibble != ML_MASK {
            // The 18 source bytes must end before `o`: no overlap with
            // this sequence's own output. Counted from the end of `hist`,
            // the two checks are a subtraction and a compare.
            let src = hist
                .len()
                .checked_sub(back)
                .and_then(|m| hist.get(m..))
                .and_then(|h| h.first_chunk::<18>());
            let Some(s) = src else {
                rare!();
                let Some(end) = hot_near(c, d, o, len, nibble, offset) else {
                    break;
                };
                let (_, r) = rest.split_at(len + 3);
                rest = r;
                o = end;
                continue;
            };
            let (o16, _) = out.split_at_mut(16);
            o16.copy_from_slice(l16);
            let (_, w) = out.split_at_mut(len);
            let Some(w) = w.first_chunk_mut::<18>() else {
                break;
            };
            *w = *s;
            let (_, r) = rest.split_at(len + 3);
            rest = r;
            // o + 32 <= d.len(): no wrap.
            o = o.wrapping_add(len + nibble + MINMATCH);
            continue;
        }
        rare!();
        let Some(Rare { used, end, pending }) = hot_long(c, rest.len(), d, o, len, offset, llim)
        else {
            break;
        };
        let Some((_, r)) = split_at(rest, used) else {
            break;
        };
        rest = r;
        o = end;
        if pending.is_some() {
            pend = pending;
            break;
        }
    }
    Hot {
        // `rest` is a tail of `inp`: no wrap.
        used: inp.len().wrapping_sub(rest.len()),
        o,
        pending: pend,
    }
}

/// A sequence taken by one of the rare cases of [`hot_run`]: the input it
/// used and the output position after it. When its match overlaps its own
/// output by less than 16 bytes (a period that a chunk copy cannot
/// take), the match is not copied: `pending` holds its position and
/// offset, and [`hot_run`] returns so that its caller copies it. This
/// keeps the pattern copy out of [`hot_run`], which must fit in a page,
/// and it costs no call inside [`hot_run`]'s loop (a call there costs the
/// short path registers).
struct Rare {
    used: usize,
    end: usize,
    pending: Option<(usize, usize)>,
}

/// The short-match case of [`hot_run`] whose 18-byte source overlaps the
/// output at `o` (`offset < len + 18`; the source still starts at or after
/// the window start): the sequence at `c` with `len` literals and match
/// nibble `nibble` (below 15), decoded with 8-byte steps for `offset >= 8`
/// and three stores of an 8-byte pattern below. Returns the output position
/// after it, or `None` to leave it to the general path.
///
/// The caller passes the token's fields, so that the token itself need not
/// live on in a register (the short path is one instruction shorter).
#[inline(always)]
fn hot_near(
    c: &[u8; 18],
    d: &mut [u8],
    o: usize,
    len: usize,
    nibble: usize,
    offset: usize,
) -> Option<usize> {
    let (_, l17) = c.split_at(1);
    let (l16, _) = l17.split_at(16);
    d.get_mut(o..)?.get_mut(..16)?.copy_from_slice(l16);
    let op = o.checked_add(len)?;
    let mlen = nibble + MINMATCH;
    let end = op.checked_add(mlen)?;
    if offset >= 8 {
        copy_match18(d, op.checked_sub(offset)?, op, offset)?;
    } else {
        // liblz4 takes this match out of its shortcut, where the last
        // LASTLITERALS bytes of the output may not be reached.
        if end.checked_add(LASTLITERALS)? > d.len() {
            return None;
        }
        copy_pattern18(d, op, offset)?;
    }
    Some(end)
}

/// Copies a match of up to 18 bytes at `op` from `op - offset` (`1 <=
/// offset < 8`): the 8-byte pattern of the period stored three times, each
/// a whole number of periods after the previous one (`stride` is 5 to 8,
/// so the stores cover at least 18 bytes). Writes 24 bytes from `op`, which
/// must fit in `d`.
#[inline(always)]
fn copy_pattern18(d: &mut [u8], op: usize, offset: usize) -> Option<()> {
    let p = pattern8(d.get(op.checked_sub(offset)?..)?, offset)?.to_le_bytes();
    let stride = PERIOD_STEPS[offset & 7][1];
    let w = d.get_mut(op..)?.get_mut(..24)?;
    *w.first_chunk_mut::<8>()? = p;
    *w.get_mut(stride..)?.first_chunk_mut::<8>()? = p;
    *w.get_mut(2 * stride..)?.first_chunk_mut::<8>()? = p;
    Some(())
}

/// The long-literal case of [`hot_run`]: a sequence at `rest` with 15 to
/// 269 literals (one length byte below 255) and any match [`hot_run`]
/// would take, ending at or below `l = d.len() - 31`; returns the input it
/// used and the output position after it, or `None` to leave it to the
/// general path.
///
/// liblz4's fast loop takes such literals when they end 32 bytes before the
/// input and the output end (the window's 64-byte margin covers the
/// output).
/// The sequence consumes no more than it produces (token, length byte and
/// offset: 4 bytes, match: at least 4), so it keeps the budget quota.
#[inline(always)]
fn hot_lit(rest: &[u8], d: &mut [u8], o: usize, llim: usize) -> Option<Rare> {
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
    let (mlen, extra) = if nibble == ML_MASK {
        let b = *r.get(2)?;
        if b == 255 {
            return None;
        }
        (ML_MASK + MINMATCH + usize::from(b), 1)
    } else {
        (nibble + MINMATCH, 0)
    };
    // o < d.len(), len <= 269, mlen <= 273: no wrap.
    let op = o.wrapping_add(len);
    let end = op.wrapping_add(mlen);
    if end > llim {
        return None;
    }
    let m = op.checked_sub(offset)?;
    // Literals in 16-byte chunks: `o + n <= llim + 15`, inside the window
    // (the caller keeps `llim <= d.len() - 31`).
    copy_chunks16_from::<16>(d.get_mut(o..)?.get_mut(..n)?, lits)?;
    let mk = (mlen + 15) & !15;
    let mut pending = None;
    if offset >= mk {
        let (hist, out) = split_at_mut(d, op)?;
        copy_chunks16_from::<16>(out.get_mut(..mk)?, hist.get(m..)?.get(..mk)?)?;
    } else if offset >= 8 && nibble != ML_MASK {
        copy_match18(d, m, op, offset)?;
    } else if offset >= 16 {
        copy_match_steps::<16>(d, op, offset, mlen)?;
    } else if offset == 1 {
        fill_run(d, op, mlen)?;
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

/// The long-match case of [`hot_run`]: the sequence at `c` (token with
/// `len` literals, fewer than 15, and match nibble 15; one length byte below
/// 255) with its literals at `o`; returns the output position after it, or
/// `None` to leave it to the general path.
#[inline(always)]
fn hot_long(
    c: &[u8; 18],
    avail: usize,
    d: &mut [u8],
    o: usize,
    len: usize,
    offset: usize,
    llim: usize,
) -> Option<Rare> {
    // liblz4 wants 4 more input bytes after the length byte
    // (`read_variable_length` limit `iend - LASTLITERALS + 1`).
    let b = usize::from(*c.get(len + 3)?);
    if b == 255 || avail < len + 8 {
        return None;
    }
    let mlen = ML_MASK + MINMATCH + b;
    // o < d.len(), len <= 14, mlen <= 273: no wrap.
    let end = o.wrapping_add(len + mlen);
    if end > llim {
        return None;
    }
    let (_, l17) = c.split_at(1);
    let (l16, _) = l17.split_at(16);
    d.get_mut(o..)?.get_mut(..16)?.copy_from_slice(l16);
    // A source that ends where the match starts (offset >= n) takes plain
    // 16-byte chunks; an overlapping one the general match copy.
    let n = (mlen + 15) & !15;
    let op = o.wrapping_add(len);
    let mut pending = None;
    if offset >= n {
        let (hist, out) = split_at_mut(d, op)?;
        let s = hist.get(hist.len().checked_sub(offset)?..)?.get(..n)?;
        // n >= 32 (mlen >= 19).
        copy_chunks16_from::<32>(out.get_mut(..n)?, s)?;
    } else if offset >= 16 {
        copy_match_steps::<16>(d, op, offset, mlen)?;
    } else if offset == 1 {
        fill_run(d, op, mlen)?;
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

/// liblz4's fast loop, from `(*ip, *op)` with `*op + 64 <= dst.len()`;
/// returns where the safe loop starts. [`hot_run`] takes long sequences
/// that end at or below `ohot` and short ones up to 32 bytes before the
/// output end (see [`decode`]).
#[inline(always)]
fn fast_loop<Y: Yield>(
    src: &[u8],
    dst: &mut [u8],
    ip_out: &mut usize,
    op_out: &mut usize,
    low: usize,
    meter: &mut Meter<'_, '_, Y>,
    ohot: usize,
) -> Result<Entry, Error> {
    let iend = src.len();
    let oend = dst.len();
    let mut ip = *ip_out;
    let mut op = *op_out;
    // `oq` is the budget quota (`Meter::op_quota`; 0 forces a budget check
    // first).
    let mut oq = if meter.unlimited() { usize::MAX } else { 0 };
    // Unread input: `ip == iend - inp.len()` except on the hot path,
    // which advances `inp` only.
    let mut inp = src.get(ip..).ok_or(Error::TruncatedLength)?;
    let entry = 'fast: loop {
        // Invariants: ip < iend, op + 64 <= oend.
        // `op - ip` at the start of the sequence (see `stale`).
        let d0;
        let (offset, nibble) = {
            if op < oq {
                // The window of `hot_run`: from `low` to 31 bytes past the
                // quota, or to the output end (`oend >= 64`: no wrap).
                // Short sequences start at least 32 bytes before its end,
                // long ones end at or below `min(oq, ohot)`, which is at
                // least 31 bytes before it.
                let wend = if oq < oend.wrapping_sub(HOT_TAIL) {
                    oq.wrapping_add(HOT_TAIL)
                } else {
                    oend
                };
                let llim = if oq < ohot { oq } else { ohot };
                if let Some(w) = dst.get_mut(low..wend) {
                    let hot = hot_run(inp, w, op.wrapping_sub(low), llim.saturating_sub(low));
                    inp = inp.get(hot.used..).ok_or(Error::TruncatedLength)?;
                    op = hot.o.wrapping_add(low);
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
                    ip = iend.wrapping_sub(inp.len());
                    break 'fast Entry::Token;
                }
            }
            if op >= oq {
                ip = iend.wrapping_sub(inp.len());
                meter.check_seq(ip, op)?;
                meter.renew_early(ip, op)?;
                oq = meter.op_quota(ip, op);
                continue 'fast;
            }
            // Any sequence, with all checks.
            ip = iend.wrapping_sub(inp.len());
            d0 = op.wrapping_sub(ip);
            let token = usize::from(*src.get(ip).ok_or(Error::TruncatedLength)?);
            ip = ip.wrapping_add(1);
            let len = token >> 4;
            let nibble = token & ML_MASK;
            let len = if len != RUN_MASK {
                // liblz4: ip <= iend - 17.
                if iend - ip < 17 {
                    break 'fast Entry::Literals { token, len };
                }
                copy_literals_wild(src, ip, dst, op, 16).ok_or(Error::LiteralsPastInput)?;
                len
            } else {
                let len = len + read_length(src, &mut ip, RUN_MASK, true, meter, op)?;
                // len <= MAX_LENGTH + 270: len + 32 cannot wrap, and
                // op <= oend, ip <= iend.
                if len.wrapping_add(32) > oend.wrapping_sub(op)
                    || len.wrapping_add(32) > iend.wrapping_sub(ip)
                {
                    break 'fast Entry::Literals { token, len };
                }
                if meter.unlimited()
                    || len.saturating_mul(2).saturating_add(SEQ_COST) <= meter.room(ip, op)
                {
                    copy_literals_wild(src, ip, dst, op, len).ok_or(Error::LiteralsPastInput)?;
                } else {
                    copy_literals_chunked(src, ip, dst, op, len, meter)?;
                }
                len
            };
            // Both cases checked `len` against the input and output ends.
            ip = ip.wrapping_add(len);
            op = op.wrapping_add(len);
            let offset = read_le16(src, ip).ok_or(Error::TruncatedLength)?;
            ip = ip.wrapping_add(2);
            if nibble != ML_MASK {
                let mlen = nibble + MINMATCH;
                if op.wrapping_add(mlen + FASTLOOP_SAFE_DISTANCE) >= oend {
                    break 'fast Entry::Match { offset, len: mlen };
                }
                if offset >= 8 && offset <= op.wrapping_sub(low) {
                    copy_match18(dst, op.wrapping_sub(offset), op, offset)
                        .ok_or(Error::OutputTooSmall)?;
                    op = op.wrapping_add(mlen);
                    inp = src.get(ip..).ok_or(Error::TruncatedLength)?;
                    // Long literals may have used up the budget quota.
                    if stale(meter, ip, op, d0) {
                        meter.check_seq(ip, op)?;
                        oq = meter.op_quota(ip, op);
                    }
                    continue 'fast;
                }
            }
            (offset, nibble)
        };
        let len;
        if nibble == ML_MASK {
            len =
                ML_MASK + MINMATCH + read_length(src, &mut ip, LASTLITERALS - 1, false, meter, op)?;
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
        copy_match_budget(dst, ip, op, offset, len, meter)?;
        op = op.wrapping_add(len);
        inp = src.get(ip..).ok_or(Error::TruncatedLength)?;
        // Not a short sequence: check the budget for the next one here.
        if stale(meter, ip, op, d0) {
            meter.check_seq(ip, op)?;
            oq = meter.op_quota(ip, op);
        }
    };
    *ip_out = ip;
    *op_out = op;
    Ok(entry)
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
    // data it cannot compress: one copy, without the loops' setup (which
    // under TCG cost incompressible 4 KiB blocks 2-3 % against C).
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

/// [`decode`] itself.
#[inline(never)]
#[cfg_attr(target_os = "none", link_section = ".text.rust_lz4_decode")]
fn decode_body<Y: Yield>(
    src: &[u8],
    dst: &mut [u8],
    op0: usize,
    low: usize,
    b: &mut Budget<'_, Y>,
) -> Result<usize, Error> {
    let iend = src.len();
    let oend = dst.len();
    if op0 > oend || low > op0 {
        return Err(Error::InvalidArgument);
    }
    let mut meter = Meter::new(b, op0);
    if oend == op0 {
        return match src {
            [0] => {
                meter.check(0, op0, 1)?;
                meter.commit(1, op0);
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
        // `ohot`, which keeps `HOT_ROOM` (95) bytes of room: the 31 bytes a
        // short sequence may write past its end, and liblz4's 64-byte
        // fast-loop margin.
        entry = fast_loop(
            src,
            dst,
            &mut ip,
            &mut op,
            low,
            &mut meter,
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
                    meter.check_seq(ip, op)?;
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
                        let ext = read_length(src, &mut ip, RUN_MASK, true, &mut meter, op)?;
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
                    copy_literals_budget(src, ip, dst, op, len, &mut meter)?;
                    meter.commit(ip_end_v, cpy_v);
                    return Ok(cpy_v);
                }
                // Not the last sequence: `cpy + 12 <= oend` and
                // `ip_end + 8 <= iend`, so 8-byte chunks may run 7 bytes
                // past both ends of the run (liblz4's `LZ4_wildCopy8`).
                if meter.unlimited()
                    || len.saturating_mul(2).saturating_add(SEQ_COST) <= meter.room(ip, op)
                {
                    copy_chunks8(dst, op, src, ip, len).ok_or(Error::LiteralsPastInput)?;
                } else {
                    copy_literals_chunked(src, ip, dst, op, len, &mut meter)?;
                }
                ip = ip_end_v;
                op = cpy_v;
                let offset = read_le16(src, ip).ok_or(Error::TruncatedLength)?;
                ip = ip.wrapping_add(2);
                (offset, token & ML_MASK)
            };
            let mut len = nibble;
            if nibble == ML_MASK {
                len += read_length(src, &mut ip, LASTLITERALS - 1, false, &mut meter, op)?;
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
                    && len <= meter.room(ip, op)
                {
                    copy_match18(dst, op.wrapping_sub(offset), op, offset)
                        .ok_or(Error::OutputTooSmall)?;
                } else if len <= 32 && offset >= 8 && len <= meter.room(ip, op) {
                    copy_match_steps::<8>(dst, op, offset, len).ok_or(Error::OutputTooSmall)?;
                } else {
                    copy_match_budget(dst, ip, op, offset, len, &mut meter)?;
                }
                op = cpy;
            }
            _ => return Err(Error::OutputTooSmall),
        }
        entry = Entry::Token;
    }
}
