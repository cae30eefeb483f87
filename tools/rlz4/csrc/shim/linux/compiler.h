/* SPDX-License-Identifier: GPL-2.0 */
#ifndef KLZ4_SHIM_COMPILER_H
#define KLZ4_SHIM_COMPILER_H
#define likely(x)	__builtin_expect(!!(x), 1)
#define unlikely(x)	__builtin_expect(!!(x), 0)
#ifndef __always_inline
#define __always_inline	inline __attribute__((__always_inline__))
#endif
#define __packed	__attribute__((__packed__))
#define BUILD_BUG_ON(cond) ((void)sizeof(char[1 - 2 * !!(cond)]))
#endif
