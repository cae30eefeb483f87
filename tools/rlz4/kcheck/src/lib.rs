// SPDX-License-Identifier: GPL-2.0
//! The shared decoder alone, `no_std`, as the kernel module sees it: used to
//! run clippy with the kernel's lint flags on `lz4/`.
#![no_std]

#[path = "../../../../lz4/mod.rs"]
pub mod lz4;
