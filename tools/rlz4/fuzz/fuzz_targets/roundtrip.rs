// SPDX-License-Identifier: GPL-2.0
//! Round trip: data compressed by liblz4 (block, frame with options from the
//! first byte, legacy, ZFS) and by lz4_flex must decode to the same data,
//! also with exact-size output buffers and a small yield interval.
#![no_main]

use libfuzzer_sys::fuzz_target;
use rlz4::cref::{self, FrameOptions};
use rlz4::lz4::{self, Flow, Format, Yield};

struct Small;
impl Yield for Small {
    fn interval(&self) -> usize {
        lz4::MIN_YIELD_INTERVAL
    }
    fn yield_now(&mut self) -> Flow {
        Flow::Continue
    }
}

fn dec(format: Format, src: &[u8], cap: usize) -> Vec<u8> {
    let mut out = vec![0u8; cap];
    let n = lz4::decompress(format, src, &mut out, &mut lz4::NoYield).expect("decode");
    let mut out2 = vec![0u8; cap];
    let n2 = lz4::decompress(format, src, &mut out2, &mut Small).expect("decode with yields");
    assert_eq!(n, n2);
    assert!(out[..n] == out2[..n]);
    out.truncate(n);
    out
}

fuzz_target!(|input: &[u8]| {
    let Some((&flags, data)) = input.split_first() else {
        return;
    };
    // Stretch the input so long matches and runs appear.
    let rep = usize::from(flags >> 5);
    let data: Vec<u8> = data
        .iter()
        .flat_map(|&b| std::iter::repeat_n(b, rep + 1))
        .collect();
    // Mostly the fast compressor; HC (slow to set up) for a quarter of inputs.
    let level = if flags & 0x18 == 0x18 { 9 } else { 0 };
    let n = data.len();
    // One format per input keeps executions fast.
    match flags & 7 {
        0 => assert!(dec(Format::Block, &cref::compress_block(&data, level), n) == data),
        1 => assert!(dec(Format::Block, &lz4_flex::block::compress(&data), n) == data),
        2 => assert!(dec(Format::Zfs, &cref::compress_zfs(&data, level), n) == data),
        3 => assert!(dec(Format::Legacy, &cref::compress_legacy(&data, level), n) == data),
        f => {
            let o = FrameOptions {
                block_size_id: if f == 7 { 5 } else { 4 },
                independent: f & 1 != 0,
                block_checksum: flags & 0x08 != 0,
                content_checksum: flags & 0x10 != 0,
                content_size: f == 6,
                level: level as u32,
            };
            let fr = cref::compress_frame(&data, &o).expect("compress_frame");
            assert!(dec(Format::Frame, &fr, n) == data);
            let bound = lz4::frame::decoded_bound(&fr).expect("bound");
            assert!(bound >= n);
        }
    }
});
