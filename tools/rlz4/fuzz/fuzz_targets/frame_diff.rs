// SPDX-License-Identifier: GPL-2.0
//! Frame stream decode vs liblz4's frame API (`LZ4F_decompress`): same
//! success and bytes, except the documented classes (dictionary ID:
//! unsupported here; offset 0 inside a block).
#![no_main]

use libfuzzer_sys::fuzz_target;
use rlz4::cref;
use rlz4::lz4::{self, Error};

fuzz_target!(|data: &[u8]| {
    let bound = lz4::frame::decoded_bound(data);
    let cap = match bound {
        Ok(b) if b <= 16 << 20 => b,
        Ok(_) => return,
        Err(_) => 1 << 16,
    };
    let c = cref::decompress_frame(data, cap);
    // Our decoder with the same per-block capacity as liblz4 (>= block max).
    let mut out = vec![0u8; cap + (4 << 20)];
    let ours = lz4::frame::decompress(data, &mut out, &mut lz4::NoYield);
    if let Err(e) = bound {
        assert!(
            ours.is_err(),
            "decoded_bound failed ({e:?}) but decoding succeeded"
        );
    }
    match (&ours, &c) {
        (Ok(n), Ok(v)) => {
            assert!(&out[..*n] == &v[..], "different bytes");
            assert!(*n <= cap, "decoded more than decoded_bound");
            // Exactly decoded_bound bytes of room must also work for
            // spec-compliant data; at least the length must not exceed it.
        }
        (Err(_), Err(_)) => {}
        (Err(Error::DictionaryId | Error::OffsetZero), Ok(_)) => {}
        _ => panic!(
            "mismatch: ours {ours:?}, liblz4 {:?}",
            c.as_ref().map(|v| v.len())
        ),
    }
});
