/*
 * eventfd (fs/eventfd.c): a 64-bit counter. write adds (blocking while the
 * sum would reach 2^64-1), read returns the counter and zeroes it, or 1 and
 * decrements in EFD_SEMAPHORE mode (blocking while it is zero).
 */
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <stdlib.h>
#include <string.h>
#include <sys/eventfd.h>
#include "vfs/anon/anon.h"
#include "sentry/task.h"

struct eventfd {
	uint64_t count;
	bool semaphore;
	struct waitq wq;         /* readers, writers and pollers */
};

static const struct file_ops eventfd_fops;

bool file_is_eventfd(const struct file *f)
{
	return f && f->fops == &eventfd_fops;
}

/* Wait on the queue until ready() or an error; 0 when ready. */
static int eventfd_wait(struct file *f, struct eventfd *e, bool (*ready)(struct eventfd *, uint64_t),
			uint64_t arg)
{
	struct waiter w;
	int err = 0;

	if (ready(e, arg))
		return 0;
	if (f->flags & O_NONBLOCK)
		return -EAGAIN;
	waitq_add(&e->wq, &w, current);
	while (!ready(e, arg)) {
		if (task_sleep(current, 0)) {
			err = -ERESTARTSYS;
			break;
		}
	}
	waitq_remove(&w);
	return err;
}

static bool can_read(struct eventfd *e, uint64_t unused)
{
	(void)unused;
	return e->count > 0;
}

static bool can_add(struct eventfd *e, uint64_t v)
{
	return UINT64_MAX - e->count > v;
}

static ssize_t efd_read(struct file *f, void *buf, size_t len, uint64_t *pos)
{
	struct eventfd *e = f->priv;
	uint64_t v;
	int err;

	if (len < sizeof(v))
		return -EINVAL;
	err = eventfd_wait(f, e, can_read, 0);
	if (err)
		return err;
	v = e->semaphore ? 1 : e->count;
	e->count -= v;
	memcpy(buf, &v, sizeof(v));
	waitq_wake_all(&e->wq);
	return sizeof(v);
}

static ssize_t efd_write(struct file *f, const void *buf, size_t len, uint64_t *pos)
{
	struct eventfd *e = f->priv;
	uint64_t v;
	int err;

	if (len < sizeof(v))
		return -EINVAL;
	memcpy(&v, buf, sizeof(v));
	if (v == UINT64_MAX)
		return -EINVAL;
	err = eventfd_wait(f, e, can_add, v);
	if (err)
		return err;
	e->count += v;
	if (v)
		waitq_wake_all(&e->wq);
	return sizeof(v);
}

static uint32_t eventfd_poll(struct file *f, struct poll_table *pt)
{
	struct eventfd *e = f->priv;
	uint32_t mask = 0;

	poll_wait(pt, &e->wq);
	if (e->count > 0)
		mask |= POLLIN | POLLRDNORM;
	if (e->count == UINT64_MAX)
		mask |= POLLERR;
	if (UINT64_MAX - 1 > e->count)
		mask |= POLLOUT | POLLWRNORM;
	return mask;
}

static void eventfd_release(struct file *f)
{
	free(f->priv);
	f->priv = NULL;
}

static const struct file_ops eventfd_fops = {
	.read = efd_read,
	.write = efd_write,
	.poll = eventfd_poll,
	.release = eventfd_release,
};

long eventfd_create(struct task *t, uint64_t initval, int flags)
{
	struct eventfd *e;
	struct file *f;

	if (flags & ~(EFD_SEMAPHORE | EFD_CLOEXEC | EFD_NONBLOCK))
		return -EINVAL;
	e = calloc(1, sizeof(*e));
	if (!e)
		return -ENOMEM;
	e->count = (uint32_t)initval;   /* the syscall takes an unsigned int */
	e->semaphore = flags & EFD_SEMAPHORE;
	waitq_init(&e->wq);
	f = anon_file_new(anon_sb("[eventfd]"), &eventfd_fops, e, O_RDWR | (flags & O_NONBLOCK));
	if (!f) {
		free(e);
		return -ENOMEM;
	}
	return anon_install(t, f, flags & EFD_CLOEXEC);
}
