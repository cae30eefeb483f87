/* SPDX-License-Identifier: GPL-2.0 */
/* Older trees include <asm/unaligned.h>. */
#include <linux/unaligned.h>
