/* SPDX-License-Identifier: GPL-2.0 */
/*
 * C glue of rust_lz4, called from glue.rs only, which declares the same
 * functions and wraps each in a safe owning type; keep the two in sync.
 * Each helper says which kernel's Rust lacks what it does.
 */
#ifndef RUST_LZ4_GLUE_H
#define RUST_LZ4_GLUE_H

#include <linux/types.h>

struct dentry;
struct proc_dir_entry;
struct seq_file;

/* procfs: in neither kernel's Rust; seq_file: in 7.3's only. */
struct proc_dir_entry *rust_lz4_proc_create(const char *dir, const char *name,
					     int (*show)(struct seq_file *, void *));
void rust_lz4_proc_remove(struct proc_dir_entry *dir);
void rust_lz4_seq_write(struct seq_file *m, const char *s, size_t len);

/* /dev/rust_lz4: kernel::miscdevice is in 7.3's Rust only. */
typedef long (*rust_lz4_ioctl_fn)(unsigned int cmd, u64 arg);
int rust_lz4_misc_register(rust_lz4_ioctl_fn ioctl);
void rust_lz4_misc_deregister(void);

/*
 * debugfs: kernel::debugfs is in 7.3's Rust only (and owns the data it
 * shows, where these switches are statics of the two halves).
 */
struct dentry *rust_lz4_debugfs_dir(const char *name);
void rust_lz4_debugfs_bool(const char *name, struct dentry *dir, bool *flag);
typedef ssize_t (*rust_lz4_write_fn)(u64 buf, size_t len);
void rust_lz4_debugfs_write_file(const char *name, struct dentry *dir,
				 rust_lz4_write_fn write);
void rust_lz4_debugfs_remove(struct dentry *dir);

/*
 * Periodic re-evaluation of the ARC limits, and memory hotplug events: the
 * memory notifier is in neither kernel's Rust, delayed work in 7.3's only.
 */
typedef void (*rust_lz4_watch_fn)(void);
int rust_lz4_watch_start(rust_lz4_watch_fn fn, unsigned int period_ms);
void rust_lz4_watch_stop(void);

/*
 * The crypto API's "lz4" (driver "lz4-rust"): the crypto API is in neither
 * kernel's Rust, and struct scomp_alg's context callbacks differ between
 * 6.12 and 7.x.  The callbacks get scomp_alg.compress / .decompress's
 * arguments without the transform.  in_atomic() is a macro.
 */
typedef int (*rust_lz4_scomp_fn)(const u8 *src, unsigned int slen, u8 *dst,
				 unsigned int *dlen, void *ctx);
int rust_lz4_scomp_register(rust_lz4_scomp_fn compress,
			    rust_lz4_scomp_fn decompress, int priority);
void rust_lz4_scomp_unregister(void);
bool rust_lz4_in_atomic(void);
int rust_lz4_acomp_decompress(const char *driver, const void *src,
			      unsigned int slen, void *dst, unsigned int *dlen);

/*
 * Inline or macro-only kernel interfaces that neither kernel's Rust wraps:
 * cond_resched() is a macro (and __cond_resched() is absent from the
 * bindings under PREEMPT without PREEMPT_DYNAMIC); fatal_signal_pending()
 * is inline, and Task::signal_pending() tests any signal, not a fatal one.
 */
void rust_lz4_cond_resched(void);
bool rust_lz4_fatal_signal_pending(void);

#endif /* RUST_LZ4_GLUE_H */
