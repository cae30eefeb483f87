// SPDX-License-Identifier: GPL-2.0
/*
 * C glue for rust_lz4: only what the Rust side cannot reach through the
 * kernel crate or the bindings of every supported kernel (6.12 has no
 * procfs, seq_file, miscdevice, debugfs or delayed-work abstractions), and
 * kernel interfaces that exist only as inline functions or macros.  No logic
 * lives here.  glue.rs is its only caller.
 */
#include <linux/debugfs.h>
#include <linux/jiffies.h>
#include <linux/memory.h>
#include <linux/fs.h>
#include <linux/miscdevice.h>
#include <linux/mm.h>
#include <linux/module.h>
#include <linux/proc_fs.h>
#include <linux/sched.h>
#include <linux/sched/signal.h>
#include <linux/seq_file.h>
#include <linux/workqueue.h>

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

struct dentry *rust_lz4_debugfs_dir(const char *name)
{
	return debugfs_create_dir(name, NULL);
}

void rust_lz4_debugfs_bool(const char *name, struct dentry *dir, bool *flag)
{
	debugfs_create_bool(name, 0600, dir, flag);
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

/*
 * Re-evaluation of the ARC limits when total RAM changes (arc/follow.rs): a
 * self-requeueing delayed work calls the Rust function every period, and a
 * memory hotplug notifier runs it at once on MEM_ONLINE / MEM_OFFLINE.  There
 * is no notifier for a virtio balloon, which changes totalram_pages() through
 * adjust_managed_page_count().  Without CONFIG_MEMORY_HOTPLUG,
 * register_memory_notifier() is a stub that returns 0.
 */
static rust_lz4_watch_fn rust_lz4_watch;
static unsigned long rust_lz4_watch_period;

static void rust_lz4_watch_work_fn(struct work_struct *work);
static DECLARE_DELAYED_WORK(rust_lz4_watch_work, rust_lz4_watch_work_fn);

static void rust_lz4_watch_work_fn(struct work_struct *work)
{
	rust_lz4_watch();
	queue_delayed_work(system_power_efficient_wq, &rust_lz4_watch_work,
			   round_jiffies_relative(rust_lz4_watch_period));
}

static int rust_lz4_memory_callback(struct notifier_block *nb,
				    unsigned long action, void *arg)
{
	if (action == MEM_ONLINE || action == MEM_OFFLINE)
		mod_delayed_work(system_power_efficient_wq, &rust_lz4_watch_work, 0);
	return NOTIFY_OK;
}

static struct notifier_block rust_lz4_memory_nb = {
	.notifier_call = rust_lz4_memory_callback,
};

int rust_lz4_watch_start(rust_lz4_watch_fn fn, unsigned int period_ms)
{
	int ret;

	rust_lz4_watch = fn;
	rust_lz4_watch_period = msecs_to_jiffies(period_ms);
	ret = register_memory_notifier(&rust_lz4_memory_nb);
	if (ret)
		return ret;
	queue_delayed_work(system_power_efficient_wq, &rust_lz4_watch_work,
			   rust_lz4_watch_period);
	return 0;
}

void rust_lz4_watch_stop(void)
{
	/* First the notifier, so that nothing queues the work again. */
	unregister_memory_notifier(&rust_lz4_memory_nb);
	/* Waits for a running instance; copes with self-requeueing. */
	cancel_delayed_work_sync(&rust_lz4_watch_work);
}
