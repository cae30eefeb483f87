/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Userspace shim for compiling the kernel's lib/lz4/lz4_decompress.c into
 * the rlz4 benchmark.  Force-included (-include) before the kernel file.
 * Only what lz4_decompress.c, lz4defs.h and include/linux/lz4.h use is
 * provided; every definition mirrors the x86_64 kernel one in effect.
 */
#ifndef KLZ4_CONFIG_H
#define KLZ4_CONFIG_H

#define CONFIG_64BIT 1
#define __LITTLE_ENDIAN 1234
#define BITS_PER_LONG 64

/*
 * Every exported symbol gets a klz4_ prefix so the kernel decoder can be
 * linked next to liblz4 (lz4-sys), which exports the same names.
 */
#define LZ4_decompress_safe klz4_decompress_safe
#define LZ4_decompress_safe_partial klz4_decompress_safe_partial
#define LZ4_decompress_fast klz4_decompress_fast
#define LZ4_setStreamDecode klz4_setStreamDecode
#define LZ4_decompress_safe_continue klz4_decompress_safe_continue
#define LZ4_decompress_fast_continue klz4_decompress_fast_continue
#define LZ4_decompress_safe_usingDict klz4_decompress_safe_usingDict
#define LZ4_decompress_fast_usingDict klz4_decompress_fast_usingDict

#endif
