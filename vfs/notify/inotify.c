/* The inotify file: read whole struct inotify_event records, poll, FIONREAD. */
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <string.h>
#include <sys/inotify.h>
#include <sys/ioctl.h>
#include "../vfs.h"
#include "../inotify.h"
#include "../../sentry/mm.h"
#include "../../sentry/task.h"
#include "../../sentry/signal_types.h"

static struct super_block inotify_sb = {
	.fstype = "inotify",          /* readlink: anon_inode:inotify */
	.dev = 13,
	.next_ino = 1,
};

static const struct file_ops inotify_fops;

struct inotify *inotify_from_file(struct file *f)
{
	return f && f->fops == &inotify_fops ? f->priv : NULL;
}

/* As many whole events as fit; -EINVAL when not even the first does. */
static ssize_t inotify_read(struct file *f, void *buf, size_t len, uint64_t *pos)
{
	struct inotify *in = f->priv;
	struct waiter w;
	bool waiting = false;
	size_t done = 0;
	ssize_t ret;

	for (;;) {
		while (!list_empty(&in->events)) {
			struct ievent *e = list_entry(in->events.next, struct ievent, link);
			size_t n = sizeof(struct inotify_event) + e->len;
			if (n > len - done)
				break;
			struct inotify_event ev = { .wd = e->wd, .mask = e->mask,
						    .cookie = e->cookie, .len = e->len };
			memcpy((char *)buf + done, &ev, sizeof(ev));
			memcpy((char *)buf + done + sizeof(ev), e->name, e->len);
			done += n;
			inotify_dequeue(in, e);
		}
		if (done) {
			ret = (ssize_t)done;
			break;
		}
		if (!list_empty(&in->events)) {
			ret = -EINVAL;
			break;
		}
		if (f->flags & O_NONBLOCK) {
			ret = -EAGAIN;
			break;
		}
		int err = waitq_wait_step(&in->wq, &w, &waiting, current);
		if (err) {
			ret = err;
			break;
		}
	}
	if (waiting)
		waitq_remove(&w);
	return ret;
}

static uint32_t inotify_poll(struct file *f, struct poll_table *pt)
{
	struct inotify *in = f->priv;
	if (pt)
		poll_wait(pt, &in->wq);
	return list_empty(&in->events) ? 0 : POLLIN | POLLRDNORM;
}

static long inotify_ioctl(struct file *f, unsigned cmd, uint64_t arg)
{
	struct inotify *in = f->priv;
	if (cmd != FIONREAD)
		return -ENOTTY;
	int n = (int)in->bytes;
	return copy_to_user(current->mm, arg, &n, sizeof(n)) ? -EFAULT : 0;
}

static void inotify_release(struct file *f)
{
	inotify_destroy(f->priv);
}

static const struct file_ops inotify_fops = {
	.read = inotify_read,
	.poll = inotify_poll,
	.ioctl = inotify_ioctl,
	.release = inotify_release,
};

int inotify_create(int flags, struct file **out)
{
	struct inotify *in = inotify_alloc();
	struct inode *ino = in ? inode_new(&inotify_sb, 0600) : NULL;
	struct file *f = ino ? file_new_anon(ino, &inotify_fops, O_RDONLY | (flags & O_NONBLOCK)) : NULL;

	if (ino)
		inode_put(ino);
	if (!f) {
		inotify_destroy(in);
		return -ENOMEM;
	}
	f->priv = in;
	*out = f;
	return 0;
}
