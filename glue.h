/* SPDX-License-Identifier: GPL-2.0 */
/*
 * C glue of rust_lz4, called from Rust (see glue.rs for the Rust side of
 * these declarations, which must match).
 */
#ifndef RUST_LZ4_GLUE_H
#define RUST_LZ4_GLUE_H

#include <linux/types.h>

struct proc_dir_entry;
struct seq_file;

struct proc_dir_entry *rust_lz4_proc_create(const char *dir, const char *name,
					     int (*show)(struct seq_file *, void *));
void rust_lz4_proc_remove(struct proc_dir_entry *dir);
void rust_lz4_seq_write(struct seq_file *m, const char *s, size_t len);

#endif /* RUST_LZ4_GLUE_H */
