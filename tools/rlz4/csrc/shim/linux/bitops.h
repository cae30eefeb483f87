/* SPDX-License-Identifier: GPL-2.0 */
#ifndef KLZ4_SHIM_BITOPS_H
#define KLZ4_SHIM_BITOPS_H
/* x86_64 kernel: __ffs is "rep; bsf" (tzcnt), __fls is bsr. */
static inline unsigned long __ffs(unsigned long word)
{
	return (unsigned long)__builtin_ctzl(word);
}

static inline unsigned long __fls(unsigned long word)
{
	return (unsigned long)(BITS_PER_LONG - 1 - __builtin_clzl(word));
}
#endif
