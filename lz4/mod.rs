// SPDX-License-Identifier: GPL-2.0

//! LZ4 decoder shared by the kernel module and the host tools.
//!
//! This module and its submodules use only `core`: no allocation, no `std`,
//! no external crates. The kernel module includes it as `pub mod lz4;` and the
//! host crate `tools/rlz4` includes the very same files with `#[path]`.
//!
//! Every decoder writes into a caller-provided buffer (its length is the
//! capacity) and returns the decoded length. Bytes of the buffer past the
//! returned length, and the whole buffer after an error, are unspecified.
//!
//! Work is bounded: a [`Yield`] hook is called whenever the progress since the
//! previous call (input bytes consumed + output bytes produced + bytes hashed
//! for checksums) would otherwise exceed [`Yield::interval`]. The decoder keeps
//! no state besides local variables, so any call of the hook is a safe point.
//!
//! See `Documentation/decoder.rst` for formats, errors and the documented
//! divergences from liblz4.
//!
//! No `unsafe` here: the attribute below makes the compiler refuse it in
//! every file of `lz4/`, in the kernel build and the host build alike
//! (`scripts/host-test.sh` checks that a planted `unsafe` block fails).

#![forbid(unsafe_code)]

pub mod block;
mod budget;
pub mod frame;
pub mod legacy;
pub mod xxh32;
pub mod zfs;

pub(crate) use budget::{Budget, SEQ_COST};

/// Default maximum progress between two calls of the yield hook (64 KiB).
pub const DEFAULT_YIELD_INTERVAL: usize = 64 * 1024;

/// Smallest honoured yield interval: smaller values of [`Yield::interval`]
/// are raised to this one (the decoder handles short sequences atomically).
pub const MIN_YIELD_INTERVAL: usize = 256;

/// What a yield hook tells the decoder.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Flow {
    /// Go on decoding.
    Continue,
    /// Stop now: the decoder returns [`Error::Interrupted`].
    Stop,
}

/// Yield hook: called at safe points (between sequences, or between chunks of
/// a long copy, length field or checksum pass).
pub trait Yield {
    /// True only for hooks that never yield (like [`NoYield`]): lets the
    /// decoder drop every budget check at compile time.
    const NEVER_YIELDS: bool = false;

    /// Max progress (input bytes consumed + output bytes produced + bytes
    /// hashed) between two calls. Default 64 KiB. Values below
    /// [`MIN_YIELD_INTERVAL`] are raised to it; `usize::MAX` never yields.
    fn interval(&self) -> usize {
        DEFAULT_YIELD_INTERVAL
    }

    /// Called when the interval is used up. [`Flow::Stop`] makes the decoder
    /// return [`Error::Interrupted`].
    fn yield_now(&mut self) -> Flow;

    /// Same as [`Yield::yield_now`], but also told the cumulative progress
    /// since the start of the decode call. The default forwards to
    /// `yield_now`; tests override it to measure the bound.
    fn yield_at(&mut self, progress: usize) -> Flow {
        let _ = progress;
        self.yield_now()
    }

    /// Called once when a decode call succeeds, with its total progress.
    fn finished(&mut self, progress: usize) {
        let _ = progress;
    }
}

/// Hook that never yields (interval `usize::MAX`); compiles to zero overhead.
#[derive(Clone, Copy, Debug, Default)]
pub struct NoYield;

impl Yield for NoYield {
    const NEVER_YIELDS: bool = true;

    #[inline(always)]
    fn interval(&self) -> usize {
        usize::MAX
    }

    #[inline(always)]
    fn yield_now(&mut self) -> Flow {
        Flow::Continue
    }
}

/// Input formats understood by [`decompress`].
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Format {
    /// Raw LZ4 block (`LZ4_decompress_safe` semantics).
    Block,
    /// OpenZFS framing: big-endian u32 compressed length, then a raw block.
    Zfs,
    /// LZ4 frame format (magic 0x184D2204), skippable and concatenated frames.
    Frame,
    /// Legacy frame format (magic 0x184C2102, `lz4 -l`, kernel images).
    Legacy,
}

impl Format {
    /// All formats, in declaration order.
    pub const ALL: [Format; 4] = [Format::Block, Format::Zfs, Format::Frame, Format::Legacy];

    /// Lower-case name (`block`, `zfs`, `frame`, `legacy`).
    pub const fn name(self) -> &'static str {
        match self {
            Format::Block => "block",
            Format::Zfs => "zfs",
            Format::Frame => "frame",
            Format::Legacy => "legacy",
        }
    }

    /// Parses a name as returned by [`Format::name`].
    pub fn from_name(name: &str) -> Option<Format> {
        Format::ALL.into_iter().find(|f| f.name() == name)
    }
}

/// Broad error classes, each mapped to one kernel errno by the module.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum ErrorClass {
    /// Malformed input (`EBADMSG`).
    Corrupt,
    /// Output buffer too small (`ENOSPC`).
    NoSpace,
    /// Valid but unsupported feature, e.g. a dictionary ID (`EOPNOTSUPP`).
    Unsupported,
    /// The yield hook asked to stop (`EINTR`).
    Interrupted,
    /// Bad arguments from the caller (`EINVAL`).
    Invalid,
}

impl ErrorClass {
    /// Positive Linux errno value of the class (EBADMSG, ENOSPC, EOPNOTSUPP,
    /// EINTR, EINVAL on x86/arm/generic ABIs).
    pub const fn errno(self) -> i32 {
        match self {
            ErrorClass::Corrupt => 74,
            ErrorClass::NoSpace => 28,
            ErrorClass::Unsupported => 95,
            ErrorClass::Interrupted => 4,
            ErrorClass::Invalid => 22,
        }
    }

    /// Symbolic errno name, e.g. `"EBADMSG"`.
    pub const fn errno_name(self) -> &'static str {
        match self {
            ErrorClass::Corrupt => "EBADMSG",
            ErrorClass::NoSpace => "ENOSPC",
            ErrorClass::Unsupported => "EOPNOTSUPP",
            ErrorClass::Interrupted => "EINTR",
            ErrorClass::Invalid => "EINVAL",
        }
    }
}

macro_rules! errors {
    ($( $(#[doc = $doc:literal])* $name:ident => $class:ident, $msg:literal; )*) => {
        /// Decoder errors. Each variant says what was wrong with the input.
        #[derive(Clone, Copy, Debug, PartialEq, Eq)]
        pub enum Error {
            $( $(#[doc = $doc])* $name, )*
        }

        impl Error {
            /// Every variant, in declaration order.
            pub const ALL: &'static [Error] = &[$(Error::$name,)*];

            /// Class of the error (maps to a kernel errno).
            pub const fn class(self) -> ErrorClass {
                match self { $(Error::$name => ErrorClass::$class,)* }
            }

            /// One-line human-readable message.
            pub const fn as_str(self) -> &'static str {
                match self { $(Error::$name => $msg,)* }
            }

            /// Variant name, e.g. `"OffsetZero"` (used by the malformed corpus manifest).
            pub const fn name(self) -> &'static str {
                match self { $(Error::$name => stringify!($name),)* }
            }
        }
    };
}

errors! {
    /// The input is empty (or, for a zero-capacity output, is not the single byte 0x00).
    EmptyInput => Corrupt, "empty input";
    /// The input ends inside a literal or match length field (LZ4 requires
    /// length bytes to stop before the block's end-of-input margin).
    TruncatedLength => Corrupt, "input truncated inside a literal or match length";
    /// A literal run extends past the end of the input.
    LiteralsPastInput => Corrupt, "literal run extends past the end of the input";
    /// A sequence does not end the block as LZ4 requires: after a non-final
    /// literal run there is input left but too little for an offset, another
    /// token and the final literals.
    BadBlockEnd => Corrupt, "block does not end with a valid final literal run";
    /// A match has offset 0, which the LZ4 specification forbids.
    OffsetZero => Corrupt, "match offset 0";
    /// A match offset points before the start of the output (or of the
    /// block, for independent frame blocks).
    OffsetBeforeStart => Corrupt, "match offset points before the start of the output";
    /// A literal or match length does not fit in 32 bits.
    LengthOverflow => Corrupt, "literal or match length overflows 32 bits";
    /// The output buffer is too small: a literal run or match would pass its
    /// end, or leave no room for the final literals LZ4 requires.
    OutputTooSmall => NoSpace, "output buffer too small";
    /// ZFS: the source is shorter than the 4-byte header, or the compressed
    /// length in the header exceeds the source.
    ZfsBadLength => Corrupt, "ZFS header length exceeds the source";
    /// ZFS exact mode: the decoded size differs from the destination length.
    ZfsSizeMismatch => Corrupt, "ZFS decoded size differs from the logical block size";
    /// The input does not start with the magic number of the requested format.
    BadMagic => Corrupt, "bad magic number";
    /// The input ends inside a frame header, block header, block, checksum or
    /// skippable frame.
    TruncatedFrame => Corrupt, "input truncated inside a frame";
    /// Reserved bits are set in the frame descriptor (FLG or BD byte).
    ReservedBits => Corrupt, "reserved bits set in frame descriptor";
    /// The frame version number is not 01.
    BadVersion => Corrupt, "unsupported frame version";
    /// The frame block maximum size ID is not 4..7 (64 KiB..4 MiB).
    BadBlockMaxSize => Corrupt, "invalid frame block maximum size";
    /// The frame header checksum does not match.
    HeaderChecksum => Corrupt, "frame header checksum mismatch";
    /// The frame needs a dictionary (dictionary ID present): not supported.
    DictionaryId => Unsupported, "frame needs a dictionary (dictionary ID present), unsupported";
    /// A block size exceeds the frame's block maximum, or a legacy block size
    /// is 0 or larger than the legacy bound.
    BadBlockSize => Corrupt, "invalid block size";
    /// A frame block checksum does not match.
    BlockChecksum => Corrupt, "block checksum mismatch";
    /// The frame content checksum does not match.
    ContentChecksum => Corrupt, "content checksum mismatch";
    /// The decoded size differs from the frame's content size field.
    ContentSizeMismatch => Corrupt, "decoded size differs from frame content size";
    /// Bytes after the last frame are not another frame.
    TrailingGarbage => Corrupt, "trailing garbage after the last frame";
    /// Legacy: the last 4 bytes are neither a block nor a size_append trailer
    /// equal to the decoded size.
    BadTrailer => Corrupt, "legacy stream ends with a bad size trailer";
    /// The yield hook asked the decoder to stop.
    Interrupted => Interrupted, "interrupted";
    /// The caller passed invalid arguments (never caused by input data).
    InvalidArgument => Invalid, "invalid argument";
}

impl Error {
    /// Parses a name as returned by [`Error::name`].
    pub fn from_name(name: &str) -> Option<Error> {
        Error::ALL.iter().copied().find(|e| e.name() == name)
    }
}

impl core::fmt::Display for Error {
    fn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
        f.write_str(self.as_str())
    }
}

/// Decodes `src` in `format` into `dst` and returns the decoded length.
///
/// This is the single entry point used by the kernel ioctl and by the CLI.
/// [`Format::Zfs`] is decoded without the exact-length check (see
/// [`zfs::decompress`]).
pub fn decompress<Y: Yield>(
    format: Format,
    src: &[u8],
    dst: &mut [u8],
    hook: &mut Y,
) -> Result<usize, Error> {
    match format {
        Format::Block => block::decompress(src, dst, hook),
        Format::Zfs => zfs::decompress(src, dst, false, hook),
        Format::Frame => frame::decompress(src, dst, hook),
        Format::Legacy => legacy::decompress(src, dst, hook),
    }
}

/// Reads a little-endian u32 at `at`.
#[inline(always)]
pub(crate) fn le32(src: &[u8], at: usize) -> Option<u32> {
    let b = src.get(at..)?.first_chunk::<4>()?;
    Some(u32::from_le_bytes(*b))
}

/// `pos + n`, a position in the input after a field or block of `n`
/// bytes. Positions index slices and never overflow, but where the compiler
/// cannot prove it, a plain `+` would keep an overflow check, which is a
/// panic (a `BUG()` in the kernel); this is an error instead.
#[inline(always)]
pub(crate) fn advance(pos: usize, n: usize) -> Result<usize, Error> {
    pos.checked_add(n).ok_or(Error::TruncatedFrame)
}

/// `<[u8]>::split_at_checked()`, which needs Rust 1.80; the oldest kernel
/// toolchain this builds with (Linux 6.12's minimum) is 1.78.
pub(crate) fn split_at(s: &[u8], n: usize) -> Option<(&[u8], &[u8])> {
    if n <= s.len() {
        Some(s.split_at(n))
    } else {
        None
    }
}

/// `<[u8]>::split_at_mut_checked()`, for the same reason as [`split_at`].
pub(crate) fn split_at_mut(s: &mut [u8], n: usize) -> Option<(&mut [u8], &mut [u8])> {
    if n <= s.len() {
        Some(s.split_at_mut(n))
    } else {
        None
    }
}
