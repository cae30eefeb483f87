// SPDX-License-Identifier: GPL-2.0
//! Host build of the rust_lz4 decoder: the shared `lz4` module and the
//! ioctl ABI `uapi` (the very files the kernel module compiles), liblz4
//! reference wrappers, the CLI helpers, the benchmark, and OpenZFS's own
//! LZ4 code ([`zfsref`]).

#[path = "../../../lz4/mod.rs"]
pub mod lz4;
/// The module's ioctl ABI: the very file the kernel module compiles.
#[path = "../../../service/uapi.rs"]
pub mod uapi;

pub mod bench;
pub mod cli;
pub mod corpus_check;
pub mod cref;
pub mod devcheck;
pub mod device;
pub mod faults;
pub mod ioctl_fuzz;
pub mod kbench;
pub mod zfsref;
