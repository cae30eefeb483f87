// SPDX-License-Identifier: GPL-2.0

//! The work budget of one decode call: when the [`Yield`] hook is due.
//!
//! Progress is counted in units: an input byte consumed, an output byte
//! produced, a byte hashed. The hook is called before the progress since
//! its previous call would exceed its interval, so a call never does more
//! than an interval of work between two safe points.
//!
//! The frame and legacy decoders account their work with [`Budget::spend`],
//! [`Budget::skip`], [`Budget::hash`] and [`Budget::copy`]. The block
//! decoder runs on a *cursor* instead: between [`Budget::enter_block`] and
//! [`Budget::leave_block`] its progress is `ip + op` (input and output
//! positions, which both only grow), so that its check per sequence is one
//! addition and one comparison against [`Budget::seq_limit`].

use super::{split_at, split_at_mut, xxh32, Error, Flow, Yield, MIN_YIELD_INTERVAL};

/// Upper bound of the progress of one short sequence of the block decoder
/// (token, up to 14 literals read and written, offset, match of up to 18
/// bytes): such a sequence is decoded whole after one budget check.
pub(crate) const SEQ_COST: usize = 64;

/// Progress accounting shared by all the decoders of one call.
///
/// Invariant: `pos <= limit`, outside a block; inside one, the progress at
/// cursor `(ip, op)` is `block_pos + ip + (op - block_op0)` and stays at or
/// below `limit` as long as `ip + op <= cursor_limit`.
pub(crate) struct Budget<'h, Y: Yield> {
    hook: &'h mut Y,
    interval: usize,
    /// The hook's interval is `usize::MAX`: it is never called.
    unlimited: bool,
    /// Progress committed so far.
    pos: usize,
    /// Progress at which the hook must be called next.
    limit: usize,
    /// `pos` when the current block was entered.
    block_pos: usize,
    /// Output position where the current block starts.
    block_op0: usize,
    /// The hook is due before `ip + op` exceeds this.
    cursor_limit: usize,
    /// `cursor_limit - (SEQ_COST - 1)`, saturated: a short sequence needs
    /// a check first when `ip + op >= seq_limit`.
    seq_limit: usize,
}

impl<'h, Y: Yield> Budget<'h, Y> {
    #[inline(always)]
    pub(crate) fn new(hook: &'h mut Y) -> Self {
        let raw = hook.interval();
        let interval = if raw < MIN_YIELD_INTERVAL {
            MIN_YIELD_INTERVAL
        } else {
            raw
        };
        Budget {
            hook,
            interval,
            unlimited: raw == usize::MAX,
            pos: 0,
            limit: interval,
            block_pos: 0,
            block_op0: 0,
            cursor_limit: usize::MAX,
            seq_limit: usize::MAX,
        }
    }

    /// True for a hook type that never yields ([`Yield::NEVER_YIELDS`]):
    /// every cursor check compiles to nothing.
    #[inline(always)]
    pub(crate) fn never_yields(&self) -> bool {
        Y::NEVER_YIELDS
    }

    /// Whether `cost` more units of progress fit in the current window, so
    /// that work of at most that much needs no budget checks.
    #[inline(always)]
    pub(crate) fn fits(&self, cost: usize) -> bool {
        self.unlimited || cost <= self.limit.saturating_sub(self.pos)
    }

    /// Accounts `cost` units of progress known to fit (see [`Budget::fits`]).
    #[inline(always)]
    pub(crate) fn account(&mut self, cost: usize) {
        self.pos = self.pos.saturating_add(cost);
    }

    /// Calls the hook at absolute progress `at` and opens a new window.
    #[cold]
    #[inline(never)]
    pub(crate) fn yield_at(&mut self, at: usize) -> Result<(), Error> {
        match self.hook.yield_at(at) {
            Flow::Continue => {
                self.limit = at.saturating_add(self.interval);
                Ok(())
            }
            Flow::Stop => Err(Error::Interrupted),
        }
    }

    /// Accounts `cost` units (`cost <= MIN_YIELD_INTERVAL`) of progress,
    /// yielding first if they do not fit in the current window.
    #[inline]
    pub(crate) fn spend(&mut self, cost: usize) -> Result<(), Error> {
        if !self.unlimited && self.pos.saturating_add(cost) > self.limit {
            self.yield_at(self.pos)?;
        }
        self.pos = self.pos.saturating_add(cost);
        Ok(())
    }

    /// Room left in the current window, yielding first if less than `min`.
    #[inline]
    pub(crate) fn room(&mut self, min: usize) -> Result<usize, Error> {
        if self.unlimited {
            return Ok(usize::MAX);
        }
        if self.limit.saturating_sub(self.pos) < min {
            self.yield_at(self.pos)?;
        }
        Ok(self.limit.saturating_sub(self.pos))
    }

    /// Accounts `n` units of cheap progress (e.g. skipped bytes), yielding
    /// as often as the interval requires.
    pub(crate) fn skip(&mut self, mut n: usize) -> Result<(), Error> {
        while n > 0 {
            let step = n.min(self.room(1)?);
            self.pos = self.pos.saturating_add(step);
            n -= step;
        }
        Ok(())
    }

    /// Feeds `data` to `hasher` in chunks that respect the interval.
    pub(crate) fn hash(&mut self, hasher: &mut xxh32::Xxh32, mut data: &[u8]) -> Result<(), Error> {
        while !data.is_empty() {
            let n = data.len().min(self.room(16)?);
            let (now, rest) = split_at(data, n).ok_or(Error::InvalidArgument)?;
            hasher.update(now);
            self.pos = self.pos.saturating_add(n);
            data = rest;
        }
        Ok(())
    }

    /// Copies `src` to `dst` (equal lengths), 2 units per byte, in chunks.
    pub(crate) fn copy(&mut self, dst: &mut [u8], mut src: &[u8]) -> Result<(), Error> {
        let mut dst = dst;
        while !src.is_empty() {
            let n = src.len().min(self.room(2)? / 2);
            let (s, srest) = split_at(src, n).ok_or(Error::InvalidArgument)?;
            let (d, drest) =
                split_at_mut(core::mem::take(&mut dst), n).ok_or(Error::OutputTooSmall)?;
            d.copy_from_slice(s);
            self.pos = self.pos.saturating_add(2 * n);
            src = srest;
            dst = drest;
        }
        Ok(())
    }

    /// Reports the total progress to the hook at the end of a successful call.
    #[inline]
    pub(crate) fn finish(self) {
        self.hook.finished(self.pos);
    }

    /// Starts the cursor of a block whose output starts at `op0` (and whose
    /// input at 0).
    #[inline(always)]
    pub(crate) fn enter_block(&mut self, op0: usize) {
        self.block_pos = self.pos;
        self.block_op0 = op0;
        let limit = if self.unlimited {
            usize::MAX
        } else {
            self.limit.saturating_sub(self.pos).saturating_add(op0)
        };
        self.set_cursor_limit(limit);
    }

    #[inline(always)]
    fn set_cursor_limit(&mut self, limit: usize) {
        self.cursor_limit = limit;
        self.seq_limit = limit.saturating_sub(SEQ_COST - 1);
    }

    /// The absolute progress at cursor `(ip, op)`.
    #[inline(always)]
    fn progress_at(&self, ip: usize, op: usize) -> usize {
        self.block_pos
            .saturating_add(ip)
            .saturating_add(op.saturating_sub(self.block_op0))
    }

    /// Commits the block's progress at its final cursor `(ip, op)`.
    #[inline(always)]
    pub(crate) fn leave_block(&mut self, ip: usize, op: usize) {
        self.pos = self.progress_at(ip, op);
    }

    /// Makes sure `cost` more units fit at cursor `(ip, op)`, yielding
    /// first if they do not.
    #[inline(always)]
    pub(crate) fn check_at(&mut self, ip: usize, op: usize, cost: usize) -> Result<(), Error> {
        // `ip` and `op` index two distinct slices: their sum cannot wrap.
        if !self.never_yields() && ip.wrapping_add(op).saturating_add(cost) > self.cursor_limit {
            self.yield_at_cursor(ip, op)?;
        }
        Ok(())
    }

    /// [`Budget::check_at`] for a short sequence (`cost == SEQ_COST`): one
    /// addition and one comparison.
    #[inline(always)]
    pub(crate) fn check_seq(&mut self, ip: usize, op: usize) -> Result<(), Error> {
        if !self.never_yields() && ip.wrapping_add(op) >= self.seq_limit {
            self.yield_at_cursor(ip, op)?;
        }
        Ok(())
    }

    /// Units left in the window at cursor `(ip, op)`.
    #[inline(always)]
    pub(crate) fn room_at(&self, ip: usize, op: usize) -> usize {
        if self.never_yields() {
            usize::MAX
        } else {
            self.cursor_limit.saturating_sub(ip.wrapping_add(op))
        }
    }

    /// Calls the hook at cursor `(ip, op)` and opens a new window there.
    #[cold]
    #[inline(never)]
    pub(crate) fn yield_at_cursor(&mut self, ip: usize, op: usize) -> Result<(), Error> {
        self.yield_at(self.progress_at(ip, op))?;
        self.set_cursor_limit(ip.wrapping_add(op).saturating_add(self.interval));
        Ok(())
    }

    /// Yields now, before the window is used up, when less than a quarter
    /// of it is left. The quota of [`Budget::op_quota`] is half of what is
    /// left, so without this a window would take about log2(interval /
    /// SEQ_COST) quotas, each one a return from the fast path and a call
    /// again; this way it takes two or three. Yielding early never
    /// lengthens a stretch between two yields.
    #[inline(always)]
    pub(crate) fn renew_early(&mut self, ip: usize, op: usize) -> Result<(), Error> {
        if !self.never_yields()
            && self.seq_limit.saturating_sub(ip.wrapping_add(op)) < self.interval / 4
        {
            self.yield_at_cursor(ip, op)?;
        }
        Ok(())
    }

    /// Exclusive limit on `op` up to which short sequences need no budget
    /// check, given that `ip + op < seq_limit` now. Such a sequence
    /// consumes fewer input bytes than it produces (token + literals +
    /// offset < literals + 4), so while `op` stays below the quota,
    /// `ip + op` grows by less than twice the growth of `op` and stays below
    /// `seq_limit`: exactly where [`Budget::check_seq`] would not yield.
    #[inline(always)]
    pub(crate) fn op_quota(&self, ip: usize, op: usize) -> usize {
        if self.never_yields() {
            return usize::MAX;
        }
        match self.seq_limit.checked_sub(ip.wrapping_add(op)) {
            Some(r) if r > 0 => op.saturating_add((r - 1) / 2 + 1),
            _ => 0,
        }
    }
}
