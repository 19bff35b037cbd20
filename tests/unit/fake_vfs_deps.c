/*
 * Fakes for unit_vfs: the kernel globals, task sleeping, wait queues,
 * logging, and goferfs/procfs replaced by tmpfs so vfs_init builds a tree.
 */
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <time.h>
#include "sentry/kernel.h"
#include "sentry/log.h"
#include "sentry/task.h"
#include "sentry/waitq.h"
#include "vfs/vfs.h"

struct kernel kernel;
__thread struct task *current;
bool log_debug_enabled;
int log_fd = 2;

void log_msg(const char *level, const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	fprintf(stderr, "%s: ", level);
	vfprintf(stderr, fmt, ap);
	fputc('\n', stderr);
	va_end(ap);
}

void kernel_lock(void) {}
void kernel_unlock(void) {}
void task_wake(struct task *t) {}
int task_sleep(struct task *t, uint64_t deadline_ns) { return -EINTR; }
int task_sleep_hostfds(struct task *t, struct pollfd *fds, int nfds, uint64_t deadline_ns)
{
	return -EINTR;
}

uint64_t now_real_ns(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_REALTIME, &ts);
	return (uint64_t)ts.tv_sec * 1000000000ULL + (uint64_t)ts.tv_nsec;
}

void waitq_init(struct waitq *wq) { list_init(&wq->waiters); }
void waitq_add(struct waitq *wq, struct waiter *w, struct task *t)
{
	w->task = t;
	list_add_tail(&w->link, &wq->waiters);
}
void waitq_remove(struct waiter *w) { list_del(&w->link); }
void waitq_wake_all(struct waitq *wq) {}

/* The root "gofer" filesystem: a tmpfs with /tmp, /dev and /proc. */
struct super_block *goferfs_new(int gofer_fd, bool readonly)
{
	struct super_block *sb = tmpfs_new();
	struct inode *root = sb->root->inode, *i;
	static const char *dirs[] = { "tmp", "dev", "proc" };
	for (int k = 0; k < 3; k++)
		if (!root->iops->mkdir(root, dirs[k], 0755, NULL, &i))
			inode_put(i);
	root->mode = S_IFDIR | 0755;
	return sb;
}

struct super_block *procfs_new(void)
{
	return tmpfs_new();
}

/* No /sys in the fake root: init.c skips the mount. */
struct super_block *sysfs_new(void)
{
	return NULL;
}

int pipe_create(int flags, struct file **rd, struct file **wr)
{
	return -ENOSYS;
}

int fifo_open(struct inode *inode, struct file *f)
{
	return -ENXIO;
}

/* No ttys in this test: devpts is not mounted, tty nodes do not open. */
struct super_block *devpts_new(void)
{
	return NULL;
}

int tty_chrdev_open(struct inode *inode, struct file *f)
{
	return -ENXIO;
}
