// SPDX-License-Identifier: GPL-2.0
//! ZFS-framed decode vs OpenZFS's own `zfs_lz4_decompress_buf()`
//! (`rlz4::zfsref`): the default mode against OpenZFS 2.3.2's rules,
//! `exact` against 2.4.4's.  Same verdict, same decoded length as
//! OpenZFS's core (`LZ4_uncompress_unknownOutputSize`), same bytes, except
//! the two documented classes (Documentation/decoder.rst):
//!
//! - match offset 0: rejected here, zero-filled by OpenZFS's LZ4 as by
//!   liblz4;
//! - a payload that breaks LZ4's end-of-block rules (the last match starts
//!   12 bytes or more before the end, the last 5 bytes are literals):
//!   OpenZFS's LZ4, a copy of liblz4 1.9, rejects some of these, the
//!   decoder accepts them as liblz4 1.10 does.  Accepted as this class only
//!   when the payload does break those rules (checked here from its
//!   sequences) and liblz4 1.10 decodes it to the same bytes.
//!
//! Input: three bytes of logical size `d_len` (little-endian, 0..=256 KiB),
//! then the block as read from disk (header, payload, padding).
#![no_main]

use libfuzzer_sys::fuzz_target;
use rlz4::cref;
use rlz4::lz4::{self, Error};
use rlz4::zfsref::{self, Version};

/// Whether the raw LZ4 block `b` has a match and breaks the end-of-block
/// rules of the LZ4 block format: its last match must start at least 12
/// bytes before the end of the decoded block, and its last 5 bytes must be
/// literals.  `None` if `b` does not parse.
fn breaks_end_of_block_rules(b: &[u8]) -> Option<bool> {
    let (mut i, mut op) = (0usize, 0usize);
    let mut last_match_start = None;
    loop {
        let t = *b.get(i)?;
        i += 1;
        let mut lit = usize::from(t >> 4);
        if lit == 15 {
            loop {
                let x = *b.get(i)?;
                i += 1;
                lit += usize::from(x);
                if x != 255 {
                    break;
                }
            }
        }
        i = i.checked_add(lit)?;
        op += lit;
        if i == b.len() {
            return Some(match last_match_start {
                None => false,
                Some(m) => lit < 5 || m + 12 > op,
            });
        }
        if i + 2 > b.len() {
            return None;
        }
        i += 2;
        let mut ml = usize::from(t & 15);
        if ml == 15 {
            loop {
                let x = *b.get(i)?;
                i += 1;
                ml += usize::from(x);
                if x != 255 {
                    break;
                }
            }
        }
        last_match_start = Some(op);
        op += ml + 4;
    }
}

/// The payload `src[4..4 + header]`, if the header fits.
fn payload(src: &[u8]) -> Option<&[u8]> {
    let len = usize::try_from(u32::from_be_bytes(*src.first_chunk::<4>()?)).ok()?;
    src.get(4..)?.get(..len)
}

fuzz_target!(|data: &[u8]| {
    let Some((len, src)) = data.split_first_chunk::<3>() else {
        return;
    };
    let d_len = (usize::from(len[0]) | usize::from(len[1]) << 8 | usize::from(len[2]) << 16)
        % ((256 << 10) + 1);
    for v in Version::ALL {
        let c = match zfsref::decompress(v, src, d_len) {
            Ok(c) => c,
            Err(e) => panic!("zfs_diff needs the OpenZFS reference: {e}"),
        };
        // zfs_lz4_decompress_buf's verdict follows from its core's result
        // by the version's rule: the wrapper is what was compiled.
        let rule = match c.core {
            None => false,
            Some(n) if v.exact() => usize::try_from(n).is_ok_and(|n| n == d_len),
            Some(n) => n >= 0,
        };
        assert_eq!(
            c.accepted,
            rule,
            "OpenZFS {} verdict vs its core {:?}",
            v.as_str(),
            c.core
        );
        let mut out = vec![0u8; d_len];
        let ours = lz4::zfs::decompress(src, &mut out, v.exact(), &mut lz4::NoYield);
        match ours {
            Ok(n) if !c.accepted => {
                // The end-of-block class: liblz4 1.10 agrees with ours, and
                // the payload does break the end-of-block rules.
                let body = payload(src).expect("decoded without a payload");
                let l = cref::decompress_safe(body, d_len);
                assert!(
                    l.as_ref().is_ok_and(|l| l[..] == out[..n]),
                    "OpenZFS {} rejects ({:?}), ours decodes {n} bytes, liblz4 {:?}",
                    v.as_str(),
                    c.core,
                    l.map(|l| l.len())
                );
                assert_eq!(
                    breaks_end_of_block_rules(body),
                    Some(true),
                    "OpenZFS {} rejects ({:?}) a block within the end-of-block rules that ours decodes",
                    v.as_str(),
                    c.core
                );
            }
            Ok(n) => {
                assert_eq!(
                    c.core,
                    i32::try_from(n).ok(),
                    "decoded length, OpenZFS {}",
                    v.as_str()
                );
                assert!(
                    out[..n] == c.out[..n],
                    "different bytes, OpenZFS {}",
                    v.as_str()
                );
            }
            Err(Error::OffsetZero) => {}
            Err(e) => assert!(
                !c.accepted,
                "OpenZFS {} accepts ({:?}), ours: {e:?}",
                v.as_str(),
                c.core
            ),
        }
    }
});
