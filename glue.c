// SPDX-License-Identifier: GPL-2.0
/*
 * C glue for rust_lz4: only what the Rust side cannot reach through the
 * bindings of every supported kernel (6.12 has no procfs, seq_file,
 * miscdevice or debugfs bindings), and kernel interfaces that exist only as
 * inline functions or macros.  No logic lives here.
 */
#include <linux/debugfs.h>
#include <linux/fs.h>
#include <linux/miscdevice.h>
#include <linux/mm.h>
#include <linux/module.h>
#include <linux/proc_fs.h>
#include <linux/sched.h>
#include <linux/sched/signal.h>
#include <linux/seq_file.h>
#include <linux/slab.h>
#include <linux/timekeeping.h>
#include <linux/uaccess.h>

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

static rust_lz4_ioctl_fn rust_lz4_ioctl;

static long rust_lz4_unlocked_ioctl(struct file *file, unsigned int cmd,
				    unsigned long arg)
{
	return rust_lz4_ioctl(cmd, arg);
}

/* .owner pins the module while the device is open: rmmod gets EBUSY. */
static const struct file_operations rust_lz4_fops = {
	.owner		= THIS_MODULE,
	.unlocked_ioctl	= rust_lz4_unlocked_ioctl,
	.compat_ioctl	= compat_ptr_ioctl,
	.llseek		= noop_llseek,
};

static struct miscdevice rust_lz4_misc = {
	.minor	= MISC_DYNAMIC_MINOR,
	.name	= "rust_lz4",
	.fops	= &rust_lz4_fops,
	.mode	= 0600,
};

int rust_lz4_misc_register(rust_lz4_ioctl_fn ioctl)
{
	rust_lz4_ioctl = ioctl;
	return misc_register(&rust_lz4_misc);
}

void rust_lz4_misc_deregister(void)
{
	misc_deregister(&rust_lz4_misc);
}

struct dentry *rust_lz4_debugfs_create(bool *test_disable_yield)
{
	struct dentry *dir = debugfs_create_dir("rust_lz4", NULL);

	debugfs_create_bool("test_disable_yield", 0600, dir, test_disable_yield);
	return dir;
}

void rust_lz4_debugfs_remove(struct dentry *dir)
{
	debugfs_remove(dir);
}

void rust_lz4_cond_resched(void)
{
	cond_resched();
}

bool rust_lz4_fatal_signal_pending(void)
{
	return fatal_signal_pending(current);
}

u64 rust_lz4_ktime_ns(void)
{
	return ktime_get_ns();
}

void *rust_lz4_kvzalloc(size_t size)
{
	return kvzalloc(size, GFP_KERNEL_ACCOUNT);
}

void rust_lz4_kvfree(void *p)
{
	kvfree(p);
}

int rust_lz4_copy_struct_from_user(void *dst, size_t ksize, u64 src, size_t usize)
{
	return copy_struct_from_user(dst, ksize, u64_to_user_ptr(src), usize);
}

unsigned long rust_lz4_copy_from_user(void *to, u64 from, unsigned long n)
{
	return copy_from_user(to, u64_to_user_ptr(from), n);
}

unsigned long rust_lz4_copy_to_user(u64 to, const void *from, unsigned long n)
{
	return copy_to_user(u64_to_user_ptr(to), from, n);
}
