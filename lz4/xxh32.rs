// SPDX-License-Identifier: GPL-2.0

//! xxHash32, as used by the LZ4 frame format for header, block and content
//! checksums. Streaming and one-shot, `core` only.

const P1: u32 = 0x9E37_79B1;
const P2: u32 = 0x85EB_CA77;
const P3: u32 = 0xC2B2_AE3D;
const P4: u32 = 0x27D4_EB2F;
const P5: u32 = 0x1656_67B1;

#[inline(always)]
fn round(acc: u32, lane: u32) -> u32 {
    acc.wrapping_add(lane.wrapping_mul(P2))
        .rotate_left(13)
        .wrapping_mul(P1)
}

#[inline(always)]
fn lane(b: &[u8; 16], i: usize) -> u32 {
    let mut w = [0u8; 4];
    if let Some(s) = b.get(i * 4..i * 4 + 4) {
        w.copy_from_slice(s);
    }
    u32::from_le_bytes(w)
}

/// Streaming xxHash32 state.
#[derive(Clone, Debug)]
pub struct Xxh32 {
    seed: u32,
    v: [u32; 4],
    buf: [u8; 16],
    buf_len: usize,
    total: u64,
}

impl Xxh32 {
    /// New state with `seed` (LZ4 uses 0).
    pub const fn new(seed: u32) -> Self {
        Xxh32 {
            seed,
            v: [
                seed.wrapping_add(P1).wrapping_add(P2),
                seed.wrapping_add(P2),
                seed,
                seed.wrapping_sub(P1),
            ],
            buf: [0; 16],
            buf_len: 0,
            total: 0,
        }
    }

    #[inline(always)]
    fn stripe(&mut self, b: &[u8; 16]) {
        self.v[0] = round(self.v[0], lane(b, 0));
        self.v[1] = round(self.v[1], lane(b, 1));
        self.v[2] = round(self.v[2], lane(b, 2));
        self.v[3] = round(self.v[3], lane(b, 3));
    }

    /// Feeds `data`.
    pub fn update(&mut self, mut data: &[u8]) {
        self.total = self.total.wrapping_add(data.len() as u64);
        if self.buf_len > 0 {
            // buf_len < 16 between calls and n <= 16 - buf_len: the sum
            // cannot wrap.
            let want = 16usize.saturating_sub(self.buf_len);
            let n = want.min(data.len());
            let end = self.buf_len.wrapping_add(n);
            let (head, rest) = super::split_at(data, n).unwrap_or((data, &[]));
            if let Some(d) = self.buf.get_mut(self.buf_len..end) {
                d.copy_from_slice(head);
            }
            self.buf_len = end;
            data = rest;
            if self.buf_len < 16 {
                return;
            }
            let b = self.buf;
            self.stripe(&b);
            self.buf_len = 0;
        }
        let mut chunks = data.chunks_exact(16);
        for c in &mut chunks {
            if let Some(b) = c.first_chunk::<16>() {
                self.stripe(b);
            }
        }
        let rem = chunks.remainder();
        if let Some(d) = self.buf.get_mut(..rem.len()) {
            d.copy_from_slice(rem);
        }
        self.buf_len = rem.len();
    }

    /// Returns the hash of everything fed so far.
    pub fn digest(&self) -> u32 {
        let mut h = if self.total >= 16 {
            self.v[0]
                .rotate_left(1)
                .wrapping_add(self.v[1].rotate_left(7))
                .wrapping_add(self.v[2].rotate_left(12))
                .wrapping_add(self.v[3].rotate_left(18))
        } else {
            self.seed.wrapping_add(P5)
        };
        // Truncation to 32 bits is what xxHash32 specifies.
        h = h.wrapping_add(self.total as u32);
        let tail = self.buf.get(..self.buf_len).unwrap_or(&[]);
        let mut words = tail.chunks_exact(4);
        for w in &mut words {
            if let Some(w) = w.first_chunk::<4>() {
                h = h
                    .wrapping_add(u32::from_le_bytes(*w).wrapping_mul(P3))
                    .rotate_left(17)
                    .wrapping_mul(P4);
            }
        }
        for &b in words.remainder() {
            h = h
                .wrapping_add(u32::from(b).wrapping_mul(P5))
                .rotate_left(11)
                .wrapping_mul(P1);
        }
        h ^= h >> 15;
        h = h.wrapping_mul(P2);
        h ^= h >> 13;
        h = h.wrapping_mul(P3);
        h ^= h >> 16;
        h
    }
}

/// One-shot xxHash32 of `data` with `seed`.
pub fn xxh32(data: &[u8], seed: u32) -> u32 {
    let mut s = Xxh32::new(seed);
    s.update(data);
    s.digest()
}
