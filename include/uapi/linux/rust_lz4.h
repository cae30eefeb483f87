/* SPDX-License-Identifier: GPL-2.0 WITH Linux-syscall-note */
/*
 * rust_lz4 userspace ABI: ioctls on /dev/rust_lz4 (mode 0600).
 *
 * Every argument struct starts with its own size, argsz, set by the caller to
 * sizeof() the struct it was compiled with.  The kernel accepts any argsz from
 * the first version's size up to 4096; bytes it does not know must be zero
 * (else E2BIG), and it writes back only the bytes the caller has.  Reserved
 * fields must be zero (else EINVAL).  So the ABI can grow by appending
 * fields, in both directions.
 *
 * Pointers are passed as __u64, for the same layout on 32- and 64-bit tasks.
 */
#ifndef _UAPI_LINUX_RUST_LZ4_H
#define _UAPI_LINUX_RUST_LZ4_H

#include <linux/ioctl.h>
#include <linux/types.h>

#define RUST_LZ4_IOC_MAGIC 0xBB

/* Input formats. */
#define RUST_LZ4_FORMAT_BLOCK	0	/* raw LZ4 block, LZ4_decompress_safe() semantics */
#define RUST_LZ4_FORMAT_ZFS	1	/* OpenZFS: big-endian u32 length, then a block */
#define RUST_LZ4_FORMAT_FRAME	2	/* LZ4 frame format (magic 0x184D2204) */
#define RUST_LZ4_FORMAT_LEGACY	3	/* legacy frame (magic 0x184C2102), as lz4 -l */

/* rust_lz4_decompress.flags */
#define RUST_LZ4_ZFS_EXACT	(1U << 0)	/* ZFS: decoded size must equal dst_cap */

/* Caps on one request: the largest ZFS block, and its worst-case encoding. */
#define RUST_LZ4_MAX_DST	(16U << 20)
#define RUST_LZ4_MAX_SRC	((16U << 20) + (128U << 10))

/*
 * RUST_LZ4_IOC_DECOMPRESS: decode src into dst.
 * Returns 0 and sets dst_len, or -1 with errno:
 *   E2BIG      src_len or dst_cap over the caps, or unknown non-zero tail
 *   EFAULT     src or dst not accessible
 *   EINVAL     unknown format or flag, non-zero reserved field, short argsz
 *   EBADMSG    corrupt input
 *   ENOSPC     dst_cap too small for the decoded data
 *   EOPNOTSUPP a frame feature not supported (dictionary ID)
 *   ENOMEM     no memory for the kernel buffers
 *   EINTR      a fatal signal arrived
 * On error the struct is not written back, and dst is left as it was,
 * except after EFAULT: the whole output when writing the struct back
 * failed, the part before the fault when dst is only partly writable.
 */
struct rust_lz4_decompress {
	__u32 argsz;
	__u32 format;		/* RUST_LZ4_FORMAT_* */
	__u32 flags;		/* RUST_LZ4_ZFS_EXACT */
	__u32 reserved;		/* must be 0 */
	__u64 src;		/* user address of the input */
	__u64 src_len;
	__u64 dst;		/* user address of the output buffer */
	__u64 dst_cap;		/* its size */
	__u64 dst_len;		/* out: bytes decoded */
};

/*
 * RUST_LZ4_IOC_BENCH: decode one raw block iterations times with the Rust
 * decoder and iterations times with the kernel's LZ4_decompress_safe(), on
 * the same kernel buffers, check that both outputs are identical (else EIO),
 * and report the time each took.  One untimed round of both comes first, so
 * that neither is charged for cold caches and TLB entries.  Yields between
 * iterations and, for the Rust decoder, inside them.  A fatal signal stops it
 * with EINTR.
 */
struct rust_lz4_bench {
	__u32 argsz;
	__u32 iterations;	/* 1 .. 1000000 */
	__u64 src;
	__u64 src_len;
	__u64 dst_cap;		/* output capacity for both decoders */
	__u64 dst_len;		/* out: decoded length */
	__u64 rust_ns;		/* out: total time of the Rust decoder */
	__u64 c_ns;		/* out: total time of LZ4_decompress_safe() */
};

/*
 * RUST_LZ4_IOC_STATS: counters since the module was loaded.  The crypto_*
 * fields count the crypto API's "lz4" of this module (driver lz4-rust, used
 * e.g. by zswap); they were appended later: an argsz of 120 (the first
 * version, RUST_LZ4_STATS_SIZE_VER0) is still accepted and gets the
 * fields before them.  A failed DECOMPRESS or BENCH counts once, under
 * its errno; STATS counts nothing.
 */
#define RUST_LZ4_STATS_SIZE_VER0	120
struct rust_lz4_stats {
	__u32 argsz;
	__u32 reserved;
	__u64 calls;		/* DECOMPRESS and BENCH requests */
	__u64 bytes_in;		/* compressed bytes decoded successfully */
	__u64 bytes_out;	/* bytes produced by successful decodes */
	__u64 err_corrupt;	/* EBADMSG */
	__u64 err_nospace;	/* ENOSPC */
	__u64 err_unsupported;	/* EOPNOTSUPP */
	__u64 err_invalid;	/* EINVAL */
	__u64 err_fault;	/* EFAULT */
	__u64 err_toobig;	/* E2BIG */
	__u64 err_nomem;	/* ENOMEM */
	__u64 interrupted;	/* EINTR */
	__u64 err_other;	/* anything else, e.g. EIO from a BENCH mismatch */
	__u64 yields;		/* calls of the yield hook */
	__u64 max_yield_gap_ns;	/* longest stretch between two yield points */
	__u64 crypto_calls;	/* decompressions through the crypto API */
	__u64 crypto_bytes_in;	/* their compressed bytes, successful ones */
	__u64 crypto_bytes_out;	/* bytes they produced */
	__u64 crypto_errors;	/* those that failed (-EINVAL to the caller) */
	__u64 crypto_atomic;	/* those called in atomic context */
	__u64 crypto_compress_calls; /* compressions through the crypto API */
};

#define RUST_LZ4_IOC_DECOMPRESS	_IO(RUST_LZ4_IOC_MAGIC, 0x01)
#define RUST_LZ4_IOC_BENCH	_IO(RUST_LZ4_IOC_MAGIC, 0x02)
#define RUST_LZ4_IOC_STATS	_IO(RUST_LZ4_IOC_MAGIC, 0x03)

#endif /* _UAPI_LINUX_RUST_LZ4_H */
