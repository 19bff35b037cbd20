/* Fakes for the pipe unit test: a minimal vfs object model, wait queues,
 * a task that is "interrupted" whenever it would sleep, and a recorder for
 * send_signal_thread. */
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include "vfs/vfs.h"
#include "sentry/task.h"
#include "sentry/signal.h"
#include "sentry/mm.h"
#include "fake_pipe_deps.h"

__thread struct task *current;
struct fake_pipe_log fake_log;

struct inode *inode_new(struct super_block *sb, mode_t mode)
{
	struct inode *i = calloc(1, sizeof(*i));

	i->refs = 1;
	i->sb = sb;
	i->mode = mode;
	i->ino = sb->next_ino++;
	fake_log.inodes_live++;
	return i;
}

void inode_get(struct inode *i) { i->refs++; }

void inode_put(struct inode *i)
{
	if (--i->refs == 0) {
		fake_log.inodes_live--;
		free(i);
	}
}

struct file *file_new_anon(struct inode *inode, const struct file_ops *ops, int flags)
{
	struct file *f = calloc(1, sizeof(*f));

	f->refs = 1;
	f->inode = inode;
	inode_get(inode);
	f->fops = ops;
	f->flags = flags;
	return f;
}

void file_get(struct file *f) { f->refs++; }

void file_put(struct file *f)
{
	if (--f->refs)
		return;
	if (f->fops->release)
		f->fops->release(f);
	inode_put(f->inode);
	free(f);
}

void waitq_init(struct waitq *wq) { list_init(&wq->waiters); }

void waitq_add(struct waitq *wq, struct waiter *w, struct task *t)
{
	w->task = t;
	list_add_tail(&w->link, &wq->waiters);
}

void waitq_remove(struct waiter *w) { list_del(&w->link); }

void waitq_wake_all(struct waitq *wq)
{
	struct list_head *pos;

	list_for_each(pos, &wq->waiters)
		fake_log.wakes++;
}

void poll_wait(struct poll_table *pt, struct waitq *wq)
{
	if (pt->nwaiters == pt->cap) {
		pt->cap = pt->cap ? 2 * pt->cap : 4;
		pt->waiters = realloc(pt->waiters, pt->cap * sizeof(*pt->waiters));
	}
	waitq_add(wq, &pt->waiters[pt->nwaiters++], pt->task);
}

void poll_table_free(struct poll_table *pt)
{
	for (int i = 0; i < pt->nwaiters; i++)
		waitq_remove(&pt->waiters[i]);
	free(pt->waiters);
	pt->waiters = NULL;
	pt->nwaiters = pt->cap = 0;
}

int task_sleep(struct task *t, uint64_t deadline_ns)
{
	fake_log.sleeps++;
	return -EINTR;
}

uint64_t now_real_ns(void) { return 1000000000ull; }

int send_signal_thread(struct task *t, const struct ksiginfo *info)
{
	fake_log.signals++;
	fake_log.last_sig = *info;
	fake_log.last_target = t;
	return 0;
}

int copy_to_user(struct mm *mm, uint64_t dst, const void *src, size_t n)
{
	if (!dst)
		return -EFAULT;
	memcpy((void *)(uintptr_t)dst, src, n);
	return 0;
}

int waitq_wait_step(struct waitq *wq, struct waiter *w, bool *queued, struct task *t)
{
	if (!*queued) {
		waitq_add(wq, w, t);
		*queued = true;
		return 0;
	}
	return task_sleep(t, 0) ? -ERESTARTSYS : 0;
}

struct timespec vfs_now(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_REALTIME, &ts);
	return ts;
}
