/* SPDX-License-Identifier: GPL-2.0 */
#ifndef KLZ4_SHIM_MODULE_H
#define KLZ4_SHIM_MODULE_H
#define EXPORT_SYMBOL(sym)
#define EXPORT_SYMBOL_GPL(sym)
#define MODULE_LICENSE(l)
#define MODULE_DESCRIPTION(d)
#endif
