/* SPDX-License-Identifier: GPL-2.0 */
/* Same construction as the kernel's include/vdso/unaligned.h (packed struct). */
#ifndef KLZ4_SHIM_UNALIGNED_H
#define KLZ4_SHIM_UNALIGNED_H
#include <linux/types.h>

#define __get_unaligned_t(type, ptr) ({						\
	const struct { type x; } __packed * __get_pptr = (const void *)(ptr);	\
	__get_pptr->x;								\
})

#define __put_unaligned_t(type, val, ptr) do {					\
	struct { type x; } __packed * __put_pptr = (void *)(ptr);		\
	__put_pptr->x = (val);							\
} while (0)

#define get_unaligned(ptr)	__get_unaligned_t(__typeof__(*(ptr)), (ptr))
#define put_unaligned(val, ptr) __put_unaligned_t(__typeof__(*(ptr)), (val), (ptr))

/* x86_64 is little endian: le16 accessors are plain unaligned accesses. */
static inline u16 get_unaligned_le16(const void *p)
{
	return __get_unaligned_t(u16, p);
}

static inline void put_unaligned_le16(u16 val, void *p)
{
	__put_unaligned_t(u16, val, p);
}
#endif
