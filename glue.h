/* SPDX-License-Identifier: GPL-2.0 */
/*
 * C glue of rust_lz4, called from Rust.  glue.rs declares the same functions
 * for Rust; keep the two in sync.
 */
#ifndef RUST_LZ4_GLUE_H
#define RUST_LZ4_GLUE_H

#include <linux/types.h>

struct dentry;
struct proc_dir_entry;
struct seq_file;

/* procfs and seq_file: not in 6.12's Rust bindings. */
struct proc_dir_entry *rust_lz4_proc_create(const char *dir, const char *name,
					     int (*show)(struct seq_file *, void *));
void rust_lz4_proc_remove(struct proc_dir_entry *dir);
void rust_lz4_seq_write(struct seq_file *m, const char *s, size_t len);

/* /dev/rust_lz4: miscdevice is not in 6.12's Rust bindings. */
typedef long (*rust_lz4_ioctl_fn)(unsigned int cmd, u64 arg);
int rust_lz4_misc_register(rust_lz4_ioctl_fn ioctl);
void rust_lz4_misc_deregister(void);

/* debugfs: not in 6.12's bindings; a _Generic macro on 7.3. */
struct dentry *rust_lz4_debugfs_create(bool *test_disable_yield,
				       bool *test_freeze_limits);
void rust_lz4_debugfs_remove(struct dentry *dir);

/*
 * Periodic re-evaluation of the ARC limits, and memory hotplug events: the
 * Rust workqueue bindings of 6.12 have no delayed work.
 */
typedef void (*rust_lz4_watch_fn)(void);
int rust_lz4_watch_start(rust_lz4_watch_fn fn, unsigned int period_ms);
void rust_lz4_watch_stop(void);

/* Inline or macro-only kernel interfaces. */
void rust_lz4_cond_resched(void);
bool rust_lz4_fatal_signal_pending(void);
u64 rust_lz4_ktime_ns(void);
void *rust_lz4_kvzalloc(size_t size);
void rust_lz4_kvfree(void *p);
int rust_lz4_copy_struct_from_user(void *dst, size_t ksize, u64 src, size_t usize);
unsigned long rust_lz4_copy_from_user(void *to, u64 from, unsigned long n);
unsigned long rust_lz4_copy_to_user(u64 to, const void *from, unsigned long n);

#endif /* RUST_LZ4_GLUE_H */
