/*
 * pidfd files. A pidfd refers to a thread group by tgid plus a serial
 * number stored in the group on first use, so a tgid reused after the
 * process was reaped never matches an old pidfd (Linux pins struct pid).
 * Readiness: POLLIN once every thread is gone (zombie or reaped), POLLHUP
 * too once reaped; one queue for all pidfds is woken whenever a process dies.
 */
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <stdlib.h>
#include "sentry/task.h"
#include "vfs/anon/anon.h"
#include "vfs/anon/pidfd.h"
#include "vfs/vfs.h"

struct pidfd {
	int tgid;
	uint64_t serial;
};

static struct waitq pidfd_wait = { LIST_HEAD_INIT(pidfd_wait.waiters) };
static uint64_t last_serial;
static const struct file_ops pidfd_fops;

static struct thread_group *lookup(const struct pidfd *p)
{
	struct thread_group *tg = tg_lookup(p->tgid);

	return tg && tg->pidfd_serial == p->serial ? tg : NULL;
}

static uint32_t pidfd_poll(struct file *f, struct poll_table *pt)
{
	struct thread_group *tg = lookup(f->priv);

	poll_wait(pt, &pidfd_wait);
	if (!tg)
		return POLLIN | POLLRDNORM | POLLHUP;
	return tg->zombie || tg->nr_live == 0 ? POLLIN | POLLRDNORM : 0;
}

static void pidfd_release(struct file *f)
{
	free(f->priv);
	f->priv = NULL;
}

static const struct file_ops pidfd_fops = {
	.poll = pidfd_poll,
	.release = pidfd_release,
};

void pidfd_notify_exit(void)
{
	waitq_wake_all(&pidfd_wait);
}

long pidfd_create_fd(struct task *t, struct thread_group *tg, int flags)
{
	struct pidfd *p = calloc(1, sizeof(*p));
	struct file *f;

	if (!p)
		return -ENOMEM;
	if (!tg->pidfd_serial)
		tg->pidfd_serial = ++last_serial;
	p->tgid = tg->tgid;
	p->serial = tg->pidfd_serial;
	f = anon_file_new(anon_sb("[pidfd]"), &pidfd_fops, p, O_RDWR | (flags & O_NONBLOCK));
	if (!f) {
		free(p);
		return -ENOMEM;
	}
	return anon_install(t, f, true);
}

long pidfd_tg(struct file *f, struct thread_group **out)
{
	if (!f || f->fops != &pidfd_fops)
		return -EBADF;
	*out = lookup(f->priv);
	return *out ? 0 : -ESRCH;
}

long pidfd_tg_of_fd(struct task *t, int fd, struct thread_group **out, int *file_flags)
{
	struct file *f = fd_get(t->files, fd);
	long err;

	if (!f)
		return -EBADF;
	err = pidfd_tg(f, out);
	if (file_flags)
		*file_flags = (int)f->flags;
	file_put(f);
	return err;
}
