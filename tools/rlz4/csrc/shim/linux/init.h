/* SPDX-License-Identifier: GPL-2.0 */
/* Nothing from <linux/init.h> is used by lz4_decompress.c. */
