// SPDX-License-Identifier: GPL-2.0
/*
 * C glue for rust_lz4: only what the Rust side cannot reach through the
 * bindings of every supported kernel.  Linux 6.12's Rust bindings do not
 * include procfs or seq_file, so the arcstats file is created here and its
 * contents are written by Rust through rust_lz4_seq_write().
 */
#include <linux/proc_fs.h>
#include <linux/seq_file.h>

#include "glue.h"

struct proc_dir_entry *rust_lz4_proc_create(const char *dir, const char *name,
					     int (*show)(struct seq_file *, void *))
{
	struct proc_dir_entry *d = proc_mkdir(dir, NULL);

	if (!d)
		return NULL;
	if (!proc_create_single(name, 0444, d, show)) {
		proc_remove(d);
		return NULL;
	}
	return d;
}

void rust_lz4_proc_remove(struct proc_dir_entry *dir)
{
	proc_remove(dir);
}

void rust_lz4_seq_write(struct seq_file *m, const char *s, size_t len)
{
	seq_write(m, s, len);
}
