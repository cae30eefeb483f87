// SPDX-License-Identifier: GPL-2.0
//! Raw block decode vs liblz4 `LZ4_decompress_safe`: same success, same
//! bytes, error exactly where liblz4 errors, except the documented
//! strictness class (offset 0: we reject, liblz4 zero-fills). Also decodes
//! with a small yield interval and checks the result is identical.
#![no_main]

use libfuzzer_sys::fuzz_target;
use rlz4::cref;
use rlz4::lz4::{self, Error, Flow, Yield};

struct Small(usize);
impl Yield for Small {
    fn interval(&self) -> usize {
        self.0
    }
    fn yield_now(&mut self) -> Flow {
        Flow::Continue
    }
}

fuzz_target!(|data: &[u8]| {
    if data.len() < 2 {
        return;
    }
    // First two bytes: output capacity (0..=65535, or x16 if the top bit is set).
    let raw = usize::from(u16::from_le_bytes([data[0], data[1]]));
    let cap = if raw & 0x8000 != 0 {
        (raw & 0x7fff) * 16
    } else {
        raw
    };
    let src = &data[2..];
    let mut out = vec![0u8; cap];
    let ours = lz4::block::decompress(src, &mut out, &mut lz4::NoYield);
    let c = cref::decompress_safe(src, cap);
    match (&ours, &c) {
        (Ok(n), Ok(v)) => assert!(&out[..*n] == &v[..], "different bytes"),
        (Err(_), Err(_)) => {}
        (Err(Error::OffsetZero), Ok(_)) => {}
        _ => panic!(
            "mismatch: ours {ours:?}, liblz4 {:?}",
            c.as_ref().map(|v| v.len())
        ),
    }
    let mut out2 = vec![0u8; cap];
    let y = lz4::block::decompress(
        src,
        &mut out2,
        &mut Small(lz4::MIN_YIELD_INTERVAL + data[0] as usize),
    );
    assert_eq!(y, ours);
    if let Ok(n) = y {
        assert!(out2[..n] == out[..n]);
    }
});
