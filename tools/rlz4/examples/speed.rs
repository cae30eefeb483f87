// SPDX-License-Identifier: GPL-2.0
//! Quick decode-throughput comparison: rlz4 vs liblz4 vs lz4_flex.
//! Usage: cargo run --release --example speed -- FILE [BLOCK_SIZES...]
use rlz4::{cref, lz4};
use std::time::Instant;

fn once<F: FnMut() -> usize>(bytes: usize, reps: usize, f: &mut F) -> f64 {
    let t = Instant::now();
    let mut s = 0;
    for _ in 0..reps {
        s += f();
    }
    assert_eq!(s, bytes * reps);
    t.elapsed().as_secs_f64() / reps as f64
}

fn main() {
    let args: Vec<String> = std::env::args().collect();
    let data = std::fs::read(&args[1]).unwrap();
    let sizes: Vec<usize> = if args.len() > 2 {
        args[2..].iter().map(|s| s.parse().unwrap()).collect()
    } else {
        vec![4096, 131072, 1 << 20, 16 << 20]
    };
    println!(
        "{:>10} {:>9} {:>9} {:>9} {:>9} {:>6} {:>6}",
        "block", "rlz4", "rlz4+y", "liblz4", "flex", "vs C", "vs flex"
    );
    for bs in sizes {
        let blocks: Vec<(Vec<u8>, usize)> = data
            .chunks(bs)
            .take((64 << 20) / bs.max(1))
            .map(|c| (cref::compress_block(c, 0), c.len()))
            .collect();
        let total: usize = blocks.iter().map(|b| b.1).sum();
        let mut out = vec![0u8; bs];
        struct Y;
        impl lz4::Yield for Y {
            fn yield_now(&mut self) -> lz4::Flow {
                lz4::Flow::Continue
            }
        }
        let reps = (20_000_000 / total.max(1)).clamp(1, 2000);
        let mut best = [f64::MAX; 4];
        let only = std::env::var("ONLY").ok();
        for _ in 0..std::env::var("ROUNDS")
            .ok()
            .and_then(|r| r.parse().ok())
            .unwrap_or(15)
        {
            if only.as_deref() != Some("c") {
                let mut f0 = || {
                    blocks
                        .iter()
                        .map(|(c, _)| {
                            lz4::block::decompress(c, &mut out, &mut lz4::NoYield).unwrap()
                        })
                        .sum::<usize>()
                };
                best[0] = best[0].min(once(total, reps, &mut f0));
            }
            if only.as_deref() == Some("rust") {
                continue;
            }
            let mut f1 = || {
                blocks
                    .iter()
                    .map(|(c, _)| lz4::block::decompress(c, &mut out, &mut Y).unwrap())
                    .sum::<usize>()
            };
            best[1] = best[1].min(once(total, reps, &mut f1));
            let mut f2 = || {
                blocks
                    .iter()
                    .map(|(c, _)| unsafe {
                        lz4_sys::LZ4_decompress_safe(
                            c.as_ptr().cast(),
                            out.as_mut_ptr().cast(),
                            c.len() as i32,
                            out.len() as i32,
                        ) as usize
                    })
                    .sum::<usize>()
            };
            best[2] = best[2].min(once(total, reps, &mut f2));
            if only.is_some() {
                continue;
            }
            let mut f3 = || {
                blocks
                    .iter()
                    .map(|(c, _)| lz4_flex::block::decompress_into(c, &mut out).unwrap())
                    .sum::<usize>()
            };
            best[3] = best[3].min(once(total, reps, &mut f3));
        }
        let [r, ry, c, f] = best.map(|t| total as f64 / t / 1e6);
        println!(
            "{:>10} {:>9.0} {:>9.0} {:>9.0} {:>9.0} {:>6.3} {:>6.3}",
            bs,
            r,
            ry,
            c,
            f,
            r / c,
            r / f
        );
    }
}
