// SPDX-License-Identifier: GPL-2.0
//! Bounded work: on adversarial inputs, the progress between consecutive
//! hook calls (and from the start / to the end) never exceeds the interval;
//! `Flow::Stop` gives `Error::Interrupted`.

use rlz4::cref::{self, FrameOptions};
use rlz4::lz4::{self, Error, Flow, Format, Yield, MIN_YIELD_INTERVAL};

struct Recorder {
    interval: usize,
    last: usize,
    max_gap: usize,
    calls: usize,
    stop_after: Option<usize>,
    total: Option<usize>,
}

impl Recorder {
    fn new(interval: usize) -> Self {
        Recorder {
            interval,
            last: 0,
            max_gap: 0,
            calls: 0,
            stop_after: None,
            total: None,
        }
    }
}

impl Yield for Recorder {
    fn interval(&self) -> usize {
        self.interval
    }
    fn yield_now(&mut self) -> Flow {
        unreachable!("yield_at is overridden")
    }
    fn yield_at(&mut self, progress: usize) -> Flow {
        assert!(progress >= self.last, "progress went backwards");
        self.max_gap = self.max_gap.max(progress - self.last);
        self.last = progress;
        self.calls += 1;
        match self.stop_after {
            Some(n) if self.calls >= n => Flow::Stop,
            _ => Flow::Continue,
        }
    }
    fn finished(&mut self, progress: usize) {
        self.max_gap = self.max_gap.max(progress - self.last);
        self.total = Some(progress);
    }
}

/// Decodes and checks the bound for several intervals; returns the output.
fn check(format: Format, src: &[u8], cap: usize, min_total: usize) -> Vec<u8> {
    let mut reference = None;
    for interval in [MIN_YIELD_INTERVAL, 1000, 4096, 65536, 1 << 20] {
        let mut out = vec![0u8; cap];
        let mut r = Recorder::new(interval);
        let n = lz4::decompress(format, src, &mut out, &mut r).unwrap();
        out.truncate(n);
        let total = r.total.expect("finished() not called");
        assert!(
            total >= min_total,
            "{format:?}: total progress {total} < {min_total}"
        );
        assert!(
            r.max_gap <= interval,
            "{format:?} interval {interval}: max gap {} ({} calls)",
            r.max_gap,
            r.calls
        );
        assert!(r.calls >= total / interval, "{format:?}: too few calls");
        match &reference {
            None => reference = Some(out),
            Some(x) => assert!(x == &out),
        }
    }
    // Same output with no hook at all.
    let mut out = vec![0u8; cap];
    let n = lz4::decompress(format, src, &mut out, &mut lz4::NoYield).unwrap();
    out.truncate(n);
    let r = reference.unwrap();
    assert!(r == out);
    r
}

fn lit_block(data: &[u8]) -> Vec<u8> {
    let mut v = vec![0xF0];
    let mut r = data.len() - 15;
    while r >= 255 {
        v.push(255);
        r -= 255;
    }
    v.push(r as u8);
    v.extend_from_slice(data);
    v
}

const MIB16: usize = 16 << 20;

#[test]
fn many_one_byte_sequences() {
    let mut b = Vec::new();
    for i in 0..2_000_000u32 {
        b.extend_from_slice(&[0x10, i as u8, 1, 0]);
    }
    b.extend_from_slice(&[0xC0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12]);
    let out = check(Format::Block, &b, 10_000_012, b.len() + 10_000_012);
    assert_eq!(out.len(), 10_000_012);
}

#[test]
fn maximal_literal_run_16mib() {
    let data: Vec<u8> = (0..MIB16).map(|i| (i * 31 % 251) as u8).collect();
    let b = lit_block(&data);
    let out = check(Format::Block, &b, MIB16, b.len() + MIB16);
    assert!(out == data);
}

#[test]
fn offset1_long_match_16mib() {
    // 1 literal, then one match of 16 MiB - 9 bytes at offset 1, then 8 literals.
    let ml = MIB16 - 9;
    let mut b = vec![0x1F, b'z', 1, 0];
    let mut r = ml - 4 - 15;
    while r >= 255 {
        b.push(255);
        r -= 255;
    }
    b.push(r as u8);
    b.extend_from_slice(&[0x80, 1, 2, 3, 4, 5, 6, 7, 8]);
    let out = check(Format::Block, &b, MIB16, MIB16);
    assert_eq!(out.len(), MIB16);
    assert!(out[..MIB16 - 8].iter().all(|&c| c == b'z'));
}

#[test]
fn long_match_offsets_2_to_20() {
    for off in [2usize, 3, 5, 7, 8, 9, 15, 16, 17, 20] {
        let ml = 3_000_000;
        let mut b = vec![((off.min(15) as u8) << 4) | 0x0F];
        if off >= 15 {
            b.push((off - 15) as u8);
        }
        b.extend((0..off).map(|i| b'a' + i as u8));
        b.extend_from_slice(&(off as u16).to_le_bytes());
        let mut r = ml - 4 - 15;
        while r >= 255 {
            b.push(255);
            r -= 255;
        }
        b.push(r as u8);
        b.extend_from_slice(&[0x80, 1, 2, 3, 4, 5, 6, 7, 8]);
        let out = check(Format::Block, &b, off + ml + 8, off + ml + 8);
        for (i, &c) in out[..off + ml].iter().enumerate() {
            assert_eq!(c, b'a' + (i % off) as u8);
        }
    }
}

#[test]
fn frames_16mib_with_checksums() {
    let data: Vec<u8> = (0..MIB16)
        .map(|i| if i % 3 == 0 { (i >> 10) as u8 } else { b'x' })
        .collect();
    for (id, indep) in [(7, false), (4, true)] {
        let f = cref::compress_frame(
            &data,
            &FrameOptions {
                block_size_id: id,
                independent: indep,
                block_checksum: true,
                content_checksum: true,
                content_size: true,
                level: 0,
            },
        )
        .unwrap();
        let out = check(Format::Frame, &f, MIB16, f.len() + MIB16);
        assert!(out == data);
    }
    // Uncompressed blocks and a big skippable frame.
    let mut x = 1u64;
    let rnd: Vec<u8> = (0..MIB16 / 4)
        .map(|_| {
            x = x.wrapping_mul(6364136223846793005).wrapping_add(1);
            (x >> 33) as u8
        })
        .collect();
    let mut f = 0x184D_2A50u32.to_le_bytes().to_vec();
    f.extend_from_slice(&(3u32 << 20).to_le_bytes());
    f.resize(f.len() + (3 << 20), 0);
    f.extend(
        cref::compress_frame(
            &rnd,
            &FrameOptions {
                block_checksum: true,
                ..FrameOptions::default()
            },
        )
        .unwrap(),
    );
    let out = check(Format::Frame, &f, rnd.len(), f.len() + rnd.len());
    assert!(out == rnd);
}

#[test]
fn legacy_and_zfs_16mib() {
    let data: Vec<u8> = (0..MIB16).map(|i| (i / 7) as u8).collect();
    let l = cref::compress_legacy(&data, 0);
    assert!(check(Format::Legacy, &l, MIB16, l.len() + MIB16) == data);
    let z = cref::compress_zfs(&data, 0);
    assert!(check(Format::Zfs, &z, MIB16, z.len() + MIB16) == data);
}

#[test]
fn stop_gives_interrupted() {
    let data: Vec<u8> = (0..MIB16).map(|i| (i / 3) as u8).collect();
    let inputs = [
        (Format::Block, cref::compress_block(&data, 0)),
        (
            Format::Frame,
            cref::compress_frame(&data, &FrameOptions::default()).unwrap(),
        ),
        (Format::Legacy, cref::compress_legacy(&data, 0)),
        (Format::Zfs, cref::compress_zfs(&data, 0)),
    ];
    for (format, src) in inputs {
        for stop_after in [1, 2, 100] {
            let mut out = vec![0u8; MIB16];
            let mut r = Recorder::new(65536);
            r.stop_after = Some(stop_after);
            assert_eq!(
                lz4::decompress(format, &src, &mut out, &mut r),
                Err(Error::Interrupted)
            );
            assert_eq!(r.calls, stop_after);
        }
    }
}

#[test]
fn tiny_interval_is_raised_to_minimum() {
    let data = vec![5u8; 100_000];
    let c = cref::compress_block(&data, 0);
    let mut out = vec![0u8; data.len()];
    let mut r = Recorder::new(1);
    assert_eq!(
        lz4::decompress(Format::Block, &c, &mut out, &mut r),
        Ok(data.len())
    );
    assert!(r.max_gap <= MIN_YIELD_INTERVAL);
}
