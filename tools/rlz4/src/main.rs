// SPDX-License-Identifier: GPL-2.0
//! `rlz4`: decode and encode LZ4 block, ZFS, frame and legacy data with the
//! rust_lz4 decoder; `rlz4 bench` runs the benchmark.

fn main() -> std::process::ExitCode {
    let args: Vec<String> = std::env::args().skip(1).collect();
    rlz4::cli::run(&args)
}
