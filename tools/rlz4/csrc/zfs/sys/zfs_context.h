/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Userspace stand-in for OpenZFS's <sys/zfs_context.h>: exactly what
 * module/zfs/lz4_zfs.c and module/zfs/lz4.c use, so that both compile
 * unmodified for the host (tools/rlz4/build.rs).  ZFS_REF_PREFIX (set by
 * build.rs: zfs232_, zfs244_) renames every external symbol, so that two
 * OpenZFS versions and liblz4 (whose LZ4_uncompress_unknownOutputSize has
 * the same name) link into one binary.
 */
#ifndef RLZ4_ZFS_CONTEXT_H
#define RLZ4_ZFS_CONTEXT_H

#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <limits.h>

#define ZFS_REF_CAT2(a, b) a##b
#define ZFS_REF_CAT(a, b) ZFS_REF_CAT2(a, b)
#define ZFS_REF_NAME(n) ZFS_REF_CAT(ZFS_REF_PREFIX, n)

#define LZ4_uncompress_unknownOutputSize ZFS_REF_NAME(LZ4_uncompress_unknownOutputSize)
#define lz4_init ZFS_REF_NAME(lz4_init)
#define lz4_fini ZFS_REF_NAME(lz4_fini)

/* sys/sysmacros.h */
#define MIN(a, b) ((a) < (b) ? (a) : (b))

/* ASSERT() is compiled out, as in a non-debug OpenZFS build. */
#define ASSERT(x) ((void)0)

/* Big-endian load and store, as in sys/byteorder.h. */
#define BE_32(x) __builtin_bswap32((uint32_t)(x))
#define BE_IN32(p) __builtin_bswap32(*(const uint32_t *)(const void *)(p))

/* The compressor's hash-table cache: malloc, as libzpool's umem does. */
typedef struct kmem_cache {
	size_t size;
} kmem_cache_t;
#define KM_SLEEP 0
#define KMC_RECLAIMABLE 0

static inline kmem_cache_t *kmem_cache_create(const char *name, size_t size, size_t align,
					      void *ctor, void *dtor, void *reclaim, void *priv,
					      void *vmp, int flags)
{
	kmem_cache_t *c = malloc(sizeof(*c));

	(void)name, (void)align, (void)ctor, (void)dtor, (void)reclaim, (void)priv;
	(void)vmp, (void)flags;
	if (c)
		c->size = size;
	return c;
}

static inline void *kmem_cache_alloc(kmem_cache_t *c, int flags)
{
	(void)flags;
	return c ? malloc(c->size) : NULL;
}

static inline void kmem_cache_free(kmem_cache_t *c, void *p)
{
	(void)c;
	free(p);
}

static inline void kmem_cache_destroy(kmem_cache_t *c)
{
	free(c);
}

#endif
