/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Userspace stand-in for OpenZFS's <sys/zio_compress.h> (see
 * zfs_context.h).  OpenZFS wraps each static zfs_lz4_*_buf() in an abd_t
 * entry point with ZFS_{COMPRESS,DECOMPRESS}_WRAP_DECL; here the wrappers
 * export the flat-buffer functions themselves, under the version's prefix:
 * ZFS_REF_PREFIX ## zfs_lz4_decompress_buf and ..._compress_buf, with the
 * signatures of lz4_zfs.c.
 */
#ifndef RLZ4_ZIO_COMPRESS_H
#define RLZ4_ZIO_COMPRESS_H

#include <sys/zfs_context.h>

#define ZFS_COMPRESS_WRAP_DECL(name)                                                    \
	size_t ZFS_REF_NAME(name##_buf)(void *s, void *d, size_t s_len, size_t d_len, \
					int n);                                        \
	size_t ZFS_REF_NAME(name##_buf)(void *s, void *d, size_t s_len, size_t d_len, \
					int n)                                         \
	{                                                                              \
		return name##_buf(s, d, s_len, d_len, n);                              \
	}
#define ZFS_DECOMPRESS_WRAP_DECL(name)                                                \
	int ZFS_REF_NAME(name##_buf)(void *s, void *d, size_t s_len, size_t d_len,  \
				     int n);                                          \
	int ZFS_REF_NAME(name##_buf)(void *s, void *d, size_t s_len, size_t d_len,  \
				     int n)                                           \
	{                                                                             \
		return name##_buf(s, d, s_len, d_len, n);                             \
	}

void lz4_init(void);
void lz4_fini(void);

#endif
