/* SPDX-License-Identifier: GPL-2.0 */
#ifndef KLZ4_SHIM_KERNEL_H
#define KLZ4_SHIM_KERNEL_H
#include <linux/types.h>
/* <linux/minmax.h>: both call sites compare two size_t values. */
#define min(x, y) ({ __typeof__(x) __kx = (x); __typeof__(y) __ky = (y); \
	__kx < __ky ? __kx : __ky; })
#define max(x, y) ({ __typeof__(x) __kx = (x); __typeof__(y) __ky = (y); \
	__kx > __ky ? __kx : __ky; })
#endif
