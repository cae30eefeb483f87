/* SPDX-License-Identifier: GPL-2.0 */
#ifndef KLZ4_SHIM_STRING_H
#define KLZ4_SHIM_STRING_H
#include <string.h>
#endif
