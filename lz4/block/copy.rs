// SPDX-License-Identifier: GPL-2.0

//! The slice copies of the block decoder: literal runs, match copies and
//! the expansion of short-period patterns.
//!
//! Pure functions on slices and positions, each returning `None` (and
//! having written nothing past the slice) when its arguments break its
//! contract; the callers turn `None` into an error. Several write a few
//! bytes past the end of what they copy, as liblz4's wild copies do: each
//! says how many, and its caller keeps the room. The tests at the bottom
//! check each against a byte-by-byte reference, including what it may
//! and may not overwrite.

/// Literal runs at least this long are copied by `memcpy` (see
/// [`copy_exact`]).
const MEMCPY_MIN: usize = 256;

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
pub(super) fn copy_match18(d: &mut [u8], m: usize, op: usize, offset: usize) -> Option<()> {
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
/// few bytes.
#[inline(always)]
pub(super) fn copy_chunks8(d: &mut [u8], op: usize, s: &[u8], ip: usize, len: usize) -> Option<()> {
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
/// the output, `S = 16` the far ones of `hot_run()`.
#[inline(always)]
pub(super) fn copy_match_steps<const S: usize>(
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
        // t < stop <= w.len() <= isize::MAX: never None (checked rather
        // than a `+` whose overflow check rustc 1.85 keeps, a panic path).
        t = t.checked_add(S)?;
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
/// than the copy.
#[inline(always)]
pub(super) fn copy_exact(d: &mut [u8], s: &[u8]) -> Option<()> {
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
            i = i.checked_add(16)?;
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
pub(super) fn copy_literals(
    src: &[u8],
    ip: usize,
    d: &mut [u8],
    op: usize,
    len: usize,
) -> Option<()> {
    let s = src.get(ip..)?.get(..len)?;
    copy_exact(d.get_mut(op..)?.get_mut(..len)?, s)
}

/// Copies `len` literals in 16-byte chunks, possibly reading and writing up
/// to 15 bytes past the end (caller guarantees the room on both sides);
/// runs of [`MEMCPY_MIN`] bytes or more exactly, by `memcpy`, as
/// [`copy_exact`] does.
#[inline(always)]
pub(super) fn copy_literals_wild(
    src: &[u8],
    ip: usize,
    d: &mut [u8],
    op: usize,
    len: usize,
) -> Option<()> {
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
        i = i.checked_add(16)?;
        if i >= len {
            return Some(());
        }
    }
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
        i = i.wrapping_add(16);
    }
}

/// [`copy_chunks16`] for copies known to hold at least `H` bytes (`H` a
/// multiple of 16; `None` if they do not): the first `H` bytes without a
/// loop test.
#[inline(always)]
pub(super) fn copy_chunks16_from<const H: usize>(d: &mut [u8], s: &[u8]) -> Option<()> {
    let (dh, dr) = d.split_first_chunk_mut::<H>()?;
    let (sh, sr) = s.split_first_chunk::<H>()?;
    copy_chunks16(dh, sh);
    copy_chunks16(dr, sr);
    Some(())
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
/// Each chunk loop tests one bound, `t < stop`, computed before it.
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
            // t + 32 <= cap <= isize::MAX: never None (the same below).
            t = t.checked_add(32)?;
        }
    } else if offset >= 8 {
        let stop = dend.min(cap.saturating_sub(15));
        while t < stop {
            copy_match_step::<8>(
                w.get_mut(t.wrapping_sub(offset)..t.wrapping_add(16))?,
                offset,
            )?;
            t = t.checked_add(16)?;
        }
    } else if let Some(p) = pattern8(w, offset) {
        // Store the 8-byte pattern every `stride` bytes (a multiple of the
        // period), so no load depends on a recent store.
        // 16 bytes of the pattern: `p`, then the pattern from phase
        // `8 % offset`, which repeats every `8 - 8 % offset` bytes.
        // Divisions by a variable are slow: the three remainders come
        // from a table.
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
            let n = (stop - t).checked_add(31)? & !31;
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
            t = t.checked_add(2 * s16)?;
        }
        let stop = dend.min(cap.saturating_sub(15));
        while t < stop {
            store_pattern16(
                w.get_mut(t..t.wrapping_add(16))?.first_chunk_mut::<16>()?,
                p,
                p2,
            );
            t = t.checked_add(s16)?;
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

/// [`copy_match`] out of line: the general path's long matches spend
/// their time in its loops, and the callers stay small.
#[inline(never)]
pub(super) fn copy_match_out(d: &mut [u8], op: usize, offset: usize, len: usize) -> Option<()> {
    copy_match(d, op, offset, len)
}

/// [`copy_match`] for `offset == 1`, a run of one byte (zero runs of
/// executables and of file system blocks): 32 bytes per loop test, up to 31
/// bytes past the match (the caller keeps the room: `long_limit <= d.len() - 31`).
#[inline(always)]
pub(super) fn fill_run(d: &mut [u8], op: usize, len: usize) -> Option<()> {
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

/// Copies a match of up to 18 bytes at `op` from `op - offset` (`1 <=
/// offset < 8`): the 8-byte pattern of the period stored three times, each
/// a whole number of periods after the previous one (`stride` is 5 to 8,
/// so the stores cover at least 18 bytes). Writes 24 bytes from `op`, which
/// must fit in `d`.
#[inline(always)]
pub(super) fn copy_pattern18(d: &mut [u8], op: usize, offset: usize) -> Option<()> {
    let p = pattern8(d.get(op.checked_sub(offset)?..)?, offset)?.to_le_bytes();
    let stride = PERIOD_STEPS[offset & 7][1];
    let w = d.get_mut(op..)?.get_mut(..24)?;
    *w.first_chunk_mut::<8>()? = p;
    *w.get_mut(stride..)?.first_chunk_mut::<8>()? = p;
    *w.get_mut(2 * stride..)?.first_chunk_mut::<8>()? = p;
    Some(())
}

#[cfg(test)]
mod tests {
    use super::*;

    const N: usize = 640;

    /// A buffer of distinct-looking bytes (xorshift), different per `seed`.
    fn noise(seed: u32) -> [u8; N] {
        let mut x = seed.wrapping_mul(0x9e37_79b9) | 1;
        let mut b = [0u8; N];
        for v in b.iter_mut() {
            x ^= x << 13;
            x ^= x >> 17;
            x ^= x << 5;
            *v = x as u8;
        }
        b
    }

    /// The LZ4 match copy, byte by byte: overlapping sources repeat.
    fn reference_match(d: &mut [u8], op: usize, offset: usize, len: usize) {
        for i in op..op + len {
            d[i] = d[i - offset];
        }
    }

    #[test]
    fn exact_copies_exactly() {
        let s = noise(1);
        for n in 0..N {
            let mut d = noise(2);
            let before = d;
            assert_eq!(copy_exact(&mut d[..n], &s[..n]), Some(()));
            assert_eq!(d[..n], s[..n], "n {n}");
            assert_eq!(d[n..], before[n..], "n {n}: wrote past the copy");
        }
        let mut d = [0u8; 8];
        assert_eq!(copy_exact(&mut d, &s[..7]), None);
    }

    #[test]
    fn literals_exact_and_bounded() {
        let s = noise(3);
        for len in 0..300 {
            let mut d = noise(4);
            let before = d;
            assert_eq!(copy_literals(&s, 5, &mut d, 9, len), Some(()));
            assert_eq!(d[9..9 + len], s[5..5 + len]);
            assert_eq!(d[..9], before[..9]);
            assert_eq!(d[9 + len..], before[9 + len..]);
        }
        let mut d = [0u8; 16];
        assert_eq!(copy_literals(&s[..10], 0, &mut d, 0, 11), None);
        assert_eq!(copy_literals(&s, 0, &mut d, 6, 11), None);
    }

    #[test]
    fn wild_literals_write_whole_chunks() {
        let s = noise(5);
        for len in 0..300 {
            let mut d = noise(6);
            let before = d;
            assert_eq!(copy_literals_wild(&s, 3, &mut d, 7, len), Some(()));
            assert_eq!(d[7..7 + len], s[3..3 + len], "len {len}");
            // Up to the next multiple of 16 (at least 16), and exactly from
            // MEMCPY_MIN on.
            let span = if len >= MEMCPY_MIN {
                len
            } else {
                len.max(1).div_ceil(16) * 16
            };
            assert_eq!(d[7 + span..], before[7 + span..], "len {len}");
            assert_eq!(d[..7], before[..7]);
        }
        // The chunks must fit on both sides.
        let mut d = [0u8; 20];
        assert_eq!(copy_literals_wild(&s, 0, &mut d, 8, 3), None);
        assert_eq!(copy_literals_wild(&s[..20], 8, &mut [0u8; 64], 0, 3), None);
    }

    #[test]
    fn chunks8_round_up_to_eight() {
        let s = noise(7);
        for len in 0..100 {
            let mut d = noise(8);
            let before = d;
            assert_eq!(copy_chunks8(&mut d, 4, &s, 2, len), Some(()));
            let span = len.div_ceil(8) * 8;
            assert_eq!(d[4..4 + span], s[2..2 + span], "len {len}");
            assert_eq!(d[4 + span..], before[4 + span..], "len {len}");
        }
        assert_eq!(copy_chunks8(&mut [0u8; 12], 4, &s, 0, 1), Some(()));
        assert_eq!(copy_chunks8(&mut [0u8; 12], 5, &s, 0, 1), None);
    }

    #[test]
    fn chunks16_from_needs_its_head() {
        let s = noise(9);
        let mut d = [0u8; 40];
        assert_eq!(copy_chunks16_from::<32>(&mut d, &s[..40]), Some(()));
        assert_eq!(d[..32], s[..32]);
        assert_eq!(copy_chunks16_from::<32>(&mut d[..31], &s[..31]), None);
    }

    #[test]
    fn match_copy_is_the_reference() {
        for offset in 1..70 {
            for len in (0..200).step_by(7).chain([4, 18, 19, 31, 32, 33]) {
                for tail in [0, 1, 7, 15, 31, 40] {
                    let op = 80;
                    let end = op + len + tail;
                    let mut d = noise((offset * 1000 + len) as u32);
                    let mut want = d;
                    reference_match(&mut want, op, offset, len);
                    let before = d;
                    assert_eq!(copy_match_out(&mut d[..end], op, offset, len), Some(()));
                    assert_eq!(d[..op + len], want[..op + len], "offset {offset} len {len}");
                    // Bytes past the slice are never touched.
                    assert_eq!(d[end..], before[end..]);
                }
            }
        }
    }

    #[test]
    fn match_copy_rejects_bad_arguments() {
        let mut d = noise(10);
        assert_eq!(copy_match_out(&mut d, 10, 0, 4), None);
        assert_eq!(copy_match_out(&mut d, 10, 11, 4), None);
        assert_eq!(copy_match_out(&mut d[..20], 10, 2, 11), None);
    }

    #[test]
    fn match_steps_are_the_reference() {
        for offset in 8..40 {
            for len in 0..80 {
                let op = 50;
                let mut d = noise(11 + len as u32);
                let mut want = d;
                reference_match(&mut want, op, offset, len);
                assert_eq!(copy_match_steps::<8>(&mut d, op, offset, len), Some(()));
                assert_eq!(d[..op + len], want[..op + len]);
                if offset >= 16 {
                    let mut d = noise(11 + len as u32);
                    assert_eq!(copy_match_steps::<16>(&mut d, op, offset, len), Some(()));
                    assert_eq!(d[..op + len], want[..op + len]);
                }
            }
        }
        assert_eq!(copy_match_steps::<16>(&mut noise(12), 50, 15, 4), None);
        assert_eq!(copy_match_steps::<8>(&mut noise(12)[..60], 50, 8, 11), None);
    }

    #[test]
    fn match18_writes_exactly_18_bytes() {
        for offset in 8..60 {
            let op = 70;
            let mut d = noise(13 + offset as u32);
            let before = d;
            let mut want = d;
            reference_match(&mut want, op, offset, 18);
            assert_eq!(copy_match18(&mut d, op - offset, op, offset), Some(()));
            assert_eq!(d[..op + 18], want[..op + 18], "offset {offset}");
            assert_eq!(d[op + 18..], before[op + 18..]);
        }
        assert_eq!(copy_match18(&mut noise(14), 63, 70, 7), None);
        assert_eq!(copy_match18(&mut noise(14)[..87], 62, 70, 8), None);
    }

    #[test]
    fn pattern18_repeats_the_period() {
        for offset in 1..8 {
            let op = 30;
            let mut d = noise(15 + offset as u32);
            let before = d;
            let mut want = d;
            reference_match(&mut want, op, offset, 18);
            assert_eq!(copy_pattern18(&mut d, op, offset), Some(()));
            assert_eq!(d[..op + 18], want[..op + 18], "offset {offset}");
            assert_eq!(d[op + 24..], before[op + 24..]);
        }
        assert_eq!(copy_pattern18(&mut noise(16), 30, 8), None);
        assert_eq!(copy_pattern18(&mut noise(16)[..53], 30, 3), None);
    }

    #[test]
    fn fill_run_repeats_one_byte() {
        for len in 0..100 {
            let op = 20;
            let mut d = noise(17 + len as u32);
            let before = d;
            assert_eq!(fill_run(&mut d, op, len), Some(()));
            assert!(d[op..op + len].iter().all(|&b| b == d[op - 1]), "len {len}");
            let span = len.div_ceil(32) * 32;
            assert_eq!(d[op + span..], before[op + span..]);
        }
        assert_eq!(fill_run(&mut noise(18)[..40], 20, 1), None);
        assert_eq!(fill_run(&mut noise(18), 0, 4), None);
    }
}
