// SPDX-License-Identifier: GPL-2.0
/*
 * C glue for rust_lz4: only what the Rust side cannot reach through the
 * kernel crate or the bindings of every supported kernel (6.12 has no
 * procfs, seq_file, miscdevice, debugfs or delayed-work abstractions), and
 * kernel interfaces that exist only as inline functions or macros.  No logic
 * lives here.  glue.rs is its only caller.
 */
#include <crypto/acompress.h>
#include <crypto/internal/scompress.h>
#include <linux/debugfs.h>
#include <linux/err.h>
#include <linux/jiffies.h>
#include <linux/memory.h>
#include <linux/fs.h>
#include <linux/miscdevice.h>
#include <linux/mm.h>
#include <linux/lz4.h>
#include <linux/module.h>
#include <linux/preempt.h>
#include <linux/proc_fs.h>
#include <linux/sched.h>
#include <linux/sched/signal.h>
#include <linux/seq_file.h>
#include <linux/scatterlist.h>
#include <linux/slab.h>
#include <linux/version.h>
#include <linux/vmalloc.h>
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

/* A write-only test file: each write() goes to the Rust handler. */
static ssize_t rust_lz4_debugfs_write_op(struct file *file,
					 const char __user *buf, size_t len,
					 loff_t *ppos)
{
	rust_lz4_write_fn write = file->private_data;

	return write((u64)(uintptr_t)buf, len);
}

static const struct file_operations rust_lz4_debugfs_write_fops = {
	.owner	= THIS_MODULE,
	.open	= simple_open,
	.write	= rust_lz4_debugfs_write_op,
	.llseek	= noop_llseek,
};

void rust_lz4_debugfs_write_file(const char *name, struct dentry *dir,
				 rust_lz4_write_fn write)
{
	debugfs_create_file(name, 0600, dir, write, &rust_lz4_debugfs_write_fops);
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

/*
 * The crypto API's "lz4", driver "lz4-rust": an scomp algorithm whose
 * callbacks are Rust functions.  Neither kernel's Rust has the crypto API,
 * and the context callbacks differ: one context per acomp request on 6.12
 * (alloc_ctx(tfm) / free_ctx(tfm, ctx), called by acomp_request_alloc()),
 * per-CPU streams on 7.3 (.streams.alloc_ctx(void) / .streams.free_ctx(ctx),
 * the first CPU's when the first transform is made, the others' from a
 * worker); the test splits at 6.15, where the signatures changed, and is
 * checked on 6.12 and 7.3 only.  The context is the work memory of
 * LZ4_compress_default(), as in crypto/lz4.c.  It is allocated with
 * __GFP_NOWARN because the crypto core handles the failure (6.12: the
 * request allocation returns NULL; 7.3: the transform's init fails with
 * -ENOMEM, or another CPU uses the first CPU's stream), so a backtrace
 * would be noise that any task allocating an lz4 request can provoke.
 */
static rust_lz4_scomp_fn rust_lz4_scomp_compress_fn;
static rust_lz4_scomp_fn rust_lz4_scomp_decompress_fn;

static void *rust_lz4_scomp_ctx_alloc(void)
{
	void *ctx = __vmalloc(LZ4_MEM_COMPRESS, GFP_KERNEL | __GFP_NOWARN);

	return ctx ? ctx : ERR_PTR(-ENOMEM);
}

#if LINUX_VERSION_CODE >= KERNEL_VERSION(6, 15, 0)
static void rust_lz4_scomp_ctx_free(void *ctx)
{
	vfree(ctx);
}
#else
static void *rust_lz4_scomp_alloc_ctx(struct crypto_scomp *tfm)
{
	return rust_lz4_scomp_ctx_alloc();
}

static void rust_lz4_scomp_free_ctx(struct crypto_scomp *tfm, void *ctx)
{
	vfree(ctx);
}
#endif

static int rust_lz4_scomp_compress(struct crypto_scomp *tfm, const u8 *src,
				   unsigned int slen, u8 *dst,
				   unsigned int *dlen, void *ctx)
{
	return rust_lz4_scomp_compress_fn(src, slen, dst, dlen, ctx);
}

static int rust_lz4_scomp_decompress(struct crypto_scomp *tfm, const u8 *src,
				     unsigned int slen, u8 *dst,
				     unsigned int *dlen, void *ctx)
{
	return rust_lz4_scomp_decompress_fn(src, slen, dst, dlen, ctx);
}

static struct scomp_alg rust_lz4_scomp = {
#if LINUX_VERSION_CODE >= KERNEL_VERSION(6, 15, 0)
	.streams = {
		.alloc_ctx	= rust_lz4_scomp_ctx_alloc,
		.free_ctx	= rust_lz4_scomp_ctx_free,
	},
#else
	.alloc_ctx		= rust_lz4_scomp_alloc_ctx,
	.free_ctx		= rust_lz4_scomp_free_ctx,
#endif
	.compress		= rust_lz4_scomp_compress,
	.decompress		= rust_lz4_scomp_decompress,
	.base = {
		.cra_name		= "lz4",
		.cra_driver_name	= "lz4-rust",
		.cra_module		= THIS_MODULE,
	},
};

int rust_lz4_scomp_register(rust_lz4_scomp_fn compress,
			    rust_lz4_scomp_fn decompress, int priority)
{
	rust_lz4_scomp_compress_fn = compress;
	rust_lz4_scomp_decompress_fn = decompress;
	rust_lz4_scomp.base.cra_priority = priority;
	return crypto_register_scomp(&rust_lz4_scomp);
}

void rust_lz4_scomp_unregister(void)
{
	crypto_unregister_scomp(&rust_lz4_scomp);
}

bool rust_lz4_in_atomic(void)
{
	return in_atomic() || irqs_disabled();
}

/*
 * One decompression through the crypto API, as a kernel user makes it:
 * transform by driver name, a request on kmalloc'ed scatterlists, wait for
 * completion.  On success *dlen is the decoded length and dst holds it.
 */
int rust_lz4_acomp_decompress(const char *driver, const void *src,
			      unsigned int slen, void *dst, unsigned int *dlen)
{
	DECLARE_CRYPTO_WAIT(wait);
	struct scatterlist sg_src, sg_dst;
	struct crypto_acomp *tfm;
	struct acomp_req *req;
	void *s, *d;
	int ret = -ENOMEM;

	tfm = crypto_alloc_acomp(driver, 0, 0);
	if (IS_ERR(tfm))
		return PTR_ERR(tfm);
	s = kmalloc(max(slen, 1U), GFP_KERNEL);
	d = kmalloc(max(*dlen, 1U), GFP_KERNEL);
	req = acomp_request_alloc(tfm);
	if (!s || !d || !req)
		goto out;
	memcpy(s, src, slen);
	sg_init_one(&sg_src, s, slen);
	sg_init_one(&sg_dst, d, *dlen);
	acomp_request_set_params(req, &sg_src, &sg_dst, slen, *dlen);
	acomp_request_set_callback(req, CRYPTO_TFM_REQ_MAY_BACKLOG,
				   crypto_req_done, &wait);
	ret = crypto_wait_req(crypto_acomp_decompress(req), &wait);
	if (!ret) {
		*dlen = min(req->dlen, *dlen);
		memcpy(dst, d, *dlen);
	}
out:
	if (req)
		acomp_request_free(req);
	kfree(d);
	kfree(s);
	crypto_free_acomp(tfm);
	return ret;
}
