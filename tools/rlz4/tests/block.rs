// SPDX-License-Identifier: GPL-2.0
//! Raw block decoder: one unit test per spec rule (each also checked against
//! liblz4's `LZ4_decompress_safe`), differential tests on random and mutated
//! blocks, and property round-trips against the liblz4 and lz4_flex
//! compressors.

use proptest::prelude::*;
use rlz4::cref;
use rlz4::lz4::{block, Error, NoYield};

fn ours(src: &[u8], cap: usize) -> Result<Vec<u8>, Error> {
    let mut out = vec![0u8; cap];
    let n = block::decompress(src, &mut out, &mut NoYield)?;
    out.truncate(n);
    Ok(out)
}

/// Decodes with both decoders and checks they agree (offset 0 excepted).
fn both(src: &[u8], cap: usize) -> Result<Vec<u8>, Error> {
    let a = ours(src, cap);
    let c = cref::decompress_safe(src, cap);
    match (&a, &c) {
        (Ok(x), Ok(y)) => assert_eq!(x, y, "different output for {src:02x?} cap {cap}"),
        (Err(Error::OffsetZero), _) | (Err(_), Err(_)) => {}
        _ => panic!("disagree on {src:02x?} cap {cap}: ours {a:?}, liblz4 {c:?}"),
    }
    a
}

fn lits(data: &[u8]) -> Vec<u8> {
    let mut v = Vec::new();
    let n = data.len();
    if n < 15 {
        v.push((n as u8) << 4);
    } else {
        v.push(0xF0);
        let mut r = n - 15;
        while r >= 255 {
            v.push(255);
            r -= 255;
        }
        v.push(r as u8);
    }
    v.extend_from_slice(data);
    v
}

#[test]
fn rule_literal_only_block() {
    assert_eq!(both(&lits(b"hello"), 64).unwrap(), b"hello");
    assert_eq!(both(&lits(b"hello"), 5).unwrap(), b"hello");
}

#[test]
fn rule_empty_block_is_single_zero_token() {
    assert_eq!(both(&[0], 0).unwrap(), b"");
    assert_eq!(both(&[0], 100).unwrap(), b"");
    assert_eq!(both(&[], 100), Err(Error::EmptyInput));
    assert_eq!(both(&[0, 0], 0), Err(Error::OutputTooSmall));
}

#[test]
fn rule_literal_length_extension() {
    for n in [14, 15, 16, 269, 270, 271, 1000, 70000] {
        let data: Vec<u8> = (0..n).map(|i| (i * 7) as u8).collect();
        assert_eq!(both(&lits(&data), n + 100).unwrap(), data, "n={n}");
    }
}

/// A block that is one literal run takes its own path (`literal_block()` in
/// lz4/block.rs): every length around the encoding's steps, every capacity
/// around the run, a wrong run length either way, a match nibble, and each
/// length field cut short, against liblz4.
#[test]
fn rule_single_literal_run_blocks() {
    let lengths = (0usize..=600).chain([4079, 4080, 4081, 4095, 4096, 4097, 65536, 131072]);
    for n in lengths {
        let data: Vec<u8> = (0..n).map(|i| (i * 13 + 5) as u8).collect();
        let b = lits(&data);
        for cap in [n.saturating_sub(1), n, n + 1, n + 64, n + 300] {
            let got = both(&b, cap);
            if cap >= n {
                assert_eq!(got.as_deref(), Ok(&data[..]), "n={n} cap={cap}");
            } else {
                assert!(got.is_err(), "n={n} cap={cap} accepted");
            }
        }
        // One literal more or fewer than the length says.
        let mut longer = b.clone();
        longer.push(0x55);
        assert!(
            both(&longer, n + 64).is_err(),
            "n={n} with a trailing byte accepted"
        );
        if n > 0 {
            assert!(
                both(&b[..b.len() - 1], n + 64).is_err(),
                "n={n} short of a byte accepted"
            );
        }
        // The match nibble of the last sequence is never read.
        let mut nibble = b.clone();
        nibble[0] |= 0x07;
        assert_eq!(
            both(&nibble, n + 64).as_deref(),
            Ok(&data[..]),
            "n={n} nibble"
        );
        // Cut inside the length field.
        let field = b.len() - n;
        for cut in 1..field {
            assert!(
                both(&b[..cut], n + 64).is_err(),
                "n={n} cut at {cut} accepted"
            );
        }
    }
}

#[test]
fn rule_match_copy_and_overlap() {
    // "abcd" + match(offset 4, len 8) + 8 literals
    let mut b = vec![0x44, b'a', b'b', b'c', b'd', 4, 0];
    b.extend(lits(b"12345678"));
    assert_eq!(both(&b, 100).unwrap(), b"abcdabcdabcd12345678");
    // offset 1 run, 19 + 300 bytes
    let mut b = vec![0x1F, b'z', 1, 0, 255, 45];
    b.extend(lits(b"12345678"));
    let mut want = vec![b'z'; 1 + 19 + 300];
    want.extend_from_slice(b"12345678");
    assert_eq!(both(&b, 1000).unwrap(), want);
}

#[test]
fn rule_all_small_offsets_and_lengths() {
    // Every offset 1..=40 with match lengths 4..=60, and longer ones around
    // the copy loops' steps (16, 32 and 128 bytes) and the one-length-byte
    // limit of the hot path (273), against liblz4.
    let long = [
        95, 96, 97, 127, 128, 129, 130, 159, 160, 161, 255, 256, 257, 272, 273, 274, 275, 400, 511,
        512, 513, 1000, 4099,
    ];
    for off in 1..=40usize {
        for ml in (4..=60usize).chain(long) {
            let pre: Vec<u8> = (0..off).map(|i| b'A' + (i % 26) as u8).collect();
            let mut b = lits_token(&pre, ml);
            b.extend_from_slice(&(off as u16).to_le_bytes());
            push_ml(&mut b, ml);
            b.extend(lits(b"0123456789abcdef"));
            for cap in [off + ml + 16, off + ml + 100, off + ml + 200] {
                let out = both(&b, cap).unwrap();
                assert_eq!(out.len(), off + ml + 16);
            }
        }
    }
}

fn lits_token(pre: &[u8], ml: usize) -> Vec<u8> {
    let ln = pre.len().min(15) as u8;
    let mn = (ml - 4).min(15) as u8;
    let mut b = vec![(ln << 4) | mn];
    if pre.len() >= 15 {
        let mut r = pre.len() - 15;
        while r >= 255 {
            b.push(255);
            r -= 255;
        }
        b.push(r as u8);
    }
    b.extend_from_slice(pre);
    b
}

fn push_ml(b: &mut Vec<u8>, ml: usize) {
    if ml - 4 >= 15 {
        let mut r = ml - 4 - 15;
        while r >= 255 {
            b.push(255);
            r -= 255;
        }
        b.push(r as u8);
    }
}

#[test]
fn rule_offset_zero_is_rejected() {
    let mut b = vec![0x40, b'a', b'b', b'c', b'd', 0, 0];
    b.extend(lits(b"12345678"));
    assert_eq!(both(&b, 100), Err(Error::OffsetZero));
    // liblz4 accepts it (zero-fill): the documented divergence.
    assert!(cref::decompress_safe(&b, 100).is_ok());
}

#[test]
fn rule_offset_before_start() {
    let mut b = vec![0x40, b'a', b'b', b'c', b'd', 5, 0];
    b.extend(lits(b"12345678"));
    assert_eq!(both(&b, 100), Err(Error::OffsetBeforeStart));
}

/// A block whose sequence `seq` sits where the hot path decodes it: after
/// 100 literal bytes and a match, with 150 literal bytes after it.
fn amid(seq: &[u8]) -> (Vec<u8>, usize) {
    let mut b = vec![0xF0, 85];
    b.extend((0..100u8).map(|i| b'a' + i % 26));
    b.extend([50, 0]); // offset 50, match of 4: 104 bytes out
    b.extend_from_slice(seq);
    b.extend(lits(&[b'z'; 150]));
    (b, 4096)
}

#[test]
fn rule_offsets_checked_on_every_path() {
    // (sequence without its offset, rest after the offset, output before
    // the match): short literals and a short overlapping match, long
    // literals and a short match, short literals and a long match, long
    // literals and a long match; the last two overlap their own output.
    let mut long_lits = vec![0xF5, 5];
    long_lits.extend([b'L'; 20]);
    let mut long_both = vec![0xFF, 5];
    long_both.extend([b'L'; 20]);
    let cases: [(Vec<u8>, Vec<u8>, usize); 4] = [
        (vec![0x25, b'x', b'y'], vec![], 106),
        (long_lits, vec![], 124),
        (vec![0x2F, b'x', b'y'], vec![10], 106),
        (long_both, vec![10], 124),
    ];
    for (head, tail, at) in &cases {
        for (offset, want) in [
            (0usize, Error::OffsetZero),
            (at + 1, Error::OffsetBeforeStart),
            (at + 300, Error::OffsetBeforeStart),
        ] {
            let mut seq = head.clone();
            seq.extend((offset as u16).to_le_bytes());
            seq.extend_from_slice(tail);
            let (b, cap) = amid(&seq);
            assert_eq!(
                both(&b, cap),
                Err(want),
                "offset {offset} after {head:02x?}"
            );
        }
        // The same sequence with a valid overlapping offset decodes.
        for offset in [1usize, 2, 3, 7, 9, 15] {
            let mut seq = head.clone();
            seq.extend((offset as u16).to_le_bytes());
            seq.extend_from_slice(tail);
            let (b, cap) = amid(&seq);
            assert!(both(&b, cap).is_ok(), "offset {offset} after {head:02x?}");
        }
    }
}

#[test]
fn rule_last_five_bytes_are_literals() {
    // Match ends 4 bytes before the end of the buffer: rejected.
    let mut b = vec![0x4F, b'a', b'b', b'c', b'd', 4, 0, 0];
    b.extend(lits(b"1234"));
    assert_eq!(both(&b, 27), Err(Error::OutputTooSmall));
    assert_eq!(both(&b, 100).unwrap().len(), 27);
}

#[test]
fn rule_last_match_starts_12_bytes_before_end() {
    // Literal run of 4 then a match: the run must end >= 12 bytes before
    // the end of the buffer.
    let mut b = vec![0x40, b'a', b'b', b'c', b'd', 4, 0];
    b.extend(lits(b"12345678"));
    assert_eq!(both(&b, 16).unwrap().len(), 16);
    assert_eq!(both(&b, 15), Err(Error::OutputTooSmall));
}

#[test]
fn rule_block_must_end_with_literals() {
    // A sequence with match and fewer than 8 bytes of input after literals.
    let b = [0x40, b'a', b'b', b'c', b'd', 4, 0];
    assert_eq!(both(&b, 100), Err(Error::BadBlockEnd));
    let mut b = lits(b"hello");
    b.push(0);
    assert!(both(&b, 100).is_err());
}

#[test]
fn rule_truncated_inputs() {
    let mut good = vec![0x4F, b'a', b'b', b'c', b'd', 4, 0, 20];
    good.extend(lits(b"0123456789"));
    let full = both(&good, 200).unwrap();
    assert_eq!(full.len(), 4 + 39 + 10);
    for n in 0..good.len() {
        if n == 5 {
            // [token, 4 literals] is itself a valid literal-only block.
            continue;
        }
        assert!(both(&good[..n], 200).is_err(), "prefix {n} accepted");
    }
}

#[test]
fn rule_output_too_small() {
    let data = vec![7u8; 100];
    let c = cref::compress_block(&data, 0);
    assert_eq!(both(&c, 100).unwrap(), data);
    for cap in [0, 1, 50, 94, 95, 99] {
        assert_eq!(
            both(&c, cap).map_err(|e| e.class()),
            Err(rlz4::lz4::ErrorClass::NoSpace),
            "cap {cap}"
        );
    }
}

#[test]
fn rule_length_overflow_32bit() {
    // A literal length field longer than 2^31: 8.5 M bytes of 0xFF.
    let mut b = vec![0xF0];
    b.resize(1 + 8_500_000, 0xFF);
    b.push(0);
    assert_eq!(ours(&b, 1 << 20), Err(Error::LengthOverflow));
    assert!(cref::decompress_safe(&b, 1 << 20).is_err());
}

#[test]
fn rule_length_runs_cut_at_every_position() {
    // Runs of 255 in a literal or a match length are read eight bytes per
    // test while eight more (and the spec's slack) remain: cut such runs,
    // and the bytes after them, at every position near the input end, and
    // both decoders must agree on each (liblz4 reads them byte by byte).
    for run in [0usize, 1, 7, 8, 9, 15, 16, 17, 24, 40] {
        // Literal length: token 0xF0, the run, a final byte 3, then the
        // n = 3 + 15 + 255 * run literals, decoded with a capacity 0 to 23
        // bytes above n.
        let n = 15 + 255 * run + 3;
        let mut b = vec![0xF0];
        b.resize(1 + run, 0xFF);
        b.push(3);
        b.resize(b.len() + n, 0x61);
        for tail in 0..24usize {
            for cut in b.len().saturating_sub(24)..=b.len() {
                let _ = both(&b[..cut], n + tail);
            }
        }
        // Match length: 16 literals, offset 16, nibble 15, the run, a
        // final byte 2, then a last sequence of 5 literals; cut anywhere in
        // the last 30 bytes (the last sequence and up to 24 bytes before).
        let mut m = vec![0xFF];
        m.push(1);
        m.extend_from_slice(b"abcdefghijklmnop");
        m.extend_from_slice(&[16, 0]);
        m.resize(m.len() + run, 0xFF);
        m.push(2);
        m.push(0x50);
        m.extend_from_slice(b"qrstu");
        let out = 16 + 15 + 4 + 255 * run + 2 + 5;
        for cut in m.len().saturating_sub(30)..=m.len() {
            let _ = both(&m[..cut], out);
        }
    }
}

/// xorshift for deterministic pseudo-random tests.
struct Rng(u64);
impl Rng {
    fn next(&mut self) -> u64 {
        self.0 ^= self.0 << 13;
        self.0 ^= self.0 >> 7;
        self.0 ^= self.0 << 17;
        self.0
    }
}

fn sample(rng: &mut Rng, n: usize) -> Vec<u8> {
    // Compressible data: words from a small alphabet with random repeats.
    let mut v = Vec::with_capacity(n);
    while v.len() < n {
        let r = rng.next();
        if r.is_multiple_of(4) && v.len() > 8 {
            let off = 1 + (r >> 8) as usize % v.len().min(300);
            let len = 1 + (r >> 24) as usize % 40;
            for _ in 0..len {
                let b = v[v.len() - off];
                v.push(b);
            }
        } else {
            v.push(b"etaoin shrdlu\n"[(r >> 8) as usize % 14]);
        }
    }
    v.truncate(n);
    v
}

#[test]
fn differential_mutated_blocks() {
    let mut rng = Rng(0x1234_5678_9abc_def1);
    for i in 0..3000 {
        let n = (rng.next() % 3000) as usize;
        let data = sample(&mut rng, n);
        let mut c = cref::compress_block(&data, (i % 3) * 4);
        assert_eq!(both(&c, n).unwrap(), data);
        // Mutate 1..4 bytes, maybe truncate, try several capacities.
        for _ in 0..(1 + rng.next() % 4) {
            if c.is_empty() {
                break;
            }
            let p = (rng.next() as usize) % c.len();
            c[p] = rng.next() as u8;
        }
        if rng.next().is_multiple_of(4) {
            let l = (rng.next() as usize) % (c.len() + 1);
            c.truncate(l);
        }
        for cap in [n, n + 1, n + 64, n.saturating_sub(3)] {
            let _ = both(&c, cap);
        }
    }
}

#[test]
fn differential_random_blocks() {
    let mut rng = Rng(0x9e37_79b9_7f4a_7c15);
    for _ in 0..20000 {
        let n = (rng.next() % 64) as usize;
        let b: Vec<u8> = (0..n).map(|_| rng.next() as u8).collect();
        for cap in [0, 1, 16, 64, 300, 70000] {
            let _ = both(&b, cap);
        }
    }
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 200, ..ProptestConfig::default() })]

    #[test]
    fn roundtrip_liblz4(data in proptest::collection::vec(0u8..8, 0..20000), level in 0i32..10, slack in 0usize..100) {
        let c = cref::compress_block(&data, level);
        prop_assert_eq!(ours(&c, data.len() + slack).unwrap(), data.clone());
        prop_assert_eq!(cref::decompress_safe(&c, data.len() + slack).unwrap(), data);
    }

    #[test]
    fn roundtrip_lz4_flex(data in proptest::collection::vec(any::<u8>(), 0..5000), rep in 1usize..50) {
        let data: Vec<u8> = data.iter().flat_map(|&b| std::iter::repeat_n(b, rep % 7 + 1)).collect();
        let c = lz4_flex::block::compress(&data);
        prop_assert_eq!(ours(&c, data.len()).unwrap(), data);
    }

    #[test]
    fn arbitrary_bytes_agree_with_liblz4(b in proptest::collection::vec(any::<u8>(), 0..200), cap in 0usize..400) {
        let _ = both(&b, cap);
    }
}
