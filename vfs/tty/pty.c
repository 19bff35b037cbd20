/*
 * pty pairs: /dev/ptmx makes one, the master and slave file operations,
 * hangup, and the opens of /dev/ptmx, /dev/pts/N and /dev/tty.
 */
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/sysmacros.h>
#include "vfs/vfs_impl.h"
#include "vfs/tty/tty.h"
#include "sentry/task.h"
#include "sentry/kernel.h"

#define CAP_SYS_ADMIN 21

static struct list_head ttys = LIST_HEAD_INIT(ttys);

static const struct file_ops master_fops, slave_fops;

static struct tty *TTY(struct file *f) { return f->priv; }

void tty_wake(struct tty *tty)
{
	waitq_wake_all(&tty->wait);
}

struct tty *tty_lookup_index(int index)
{
	struct list_head *p;
	list_for_each(p, &ttys) {
		struct tty *t = list_entry(p, struct tty, link);
		if (t->index == index && !t->master_closed)
			return t;
	}
	return NULL;
}

struct tty *tty_of_session(int sid)
{
	struct list_head *p;
	if (sid <= 0)
		return NULL;
	list_for_each(p, &ttys) {
		struct tty *t = list_entry(p, struct tty, link);
		if (t->session == sid)
			return t;
	}
	return NULL;
}

/* The lowest free index, like Linux's ida. */
static int alloc_index(void)
{
	for (int i = 0; i < TTY_MAX_PTYS; i++) {
		bool used = false;
		struct list_head *p;
		list_for_each(p, &ttys) {
			if (list_entry(p, struct tty, link)->index == i) {
				used = true;
				break;
			}
		}
		if (!used)
			return i;
	}
	return -ENOSPC;
}

/* The last file of either side is gone and the master too: free the pair. */
static void tty_maybe_free(struct tty *tty)
{
	if (tty->masters || tty->slaves)
		return;
	list_del(&tty->link);
	queue_free(&tty->rawq);
	queue_free(&tty->outq);
	free(tty);
}

int ptmx_open(struct file *f)
{
	int index = alloc_index();
	if (index < 0)
		return index;
	struct tty *tty = calloc(1, sizeof(*tty));
	if (!tty)
		return -ENOMEM;
	tty->index = index;
	tty->locked = true;
	ldisc_init_termios(&tty->termios);
	waitq_init(&tty->wait);
	tty->pts = devpts_add(tty, current ? &current->cred : NULL);
	if (!tty->pts) {
		free(tty);
		return -ENOMEM;
	}
	list_add_tail(&tty->link, &ttys);
	tty->masters = 1;
	f->priv = tty;
	f->fops = &master_fops;
	return 0;
}

int pts_open(struct tty *tty, struct file *f)
{
	const struct cred *c = current ? &current->cred : NULL;
	if (!tty || tty->master_closed)
		return -EIO;
	if (tty->locked)
		return -EIO;
	if (tty->excl && tty->slaves && !cred_capable(c, CAP_SYS_ADMIN))
		return -EBUSY;
	tty->slaves++;
	tty->slave_closed = false;
	f->priv = tty;
	f->fops = &slave_fops;
	tty_open_ctty(tty, f);
	return 0;
}

int devtty_open(struct file *f)
{
	struct tty *tty = tty_current_ctty();
	if (!tty)
		return -ENXIO;
	tty->slaves++;
	f->priv = tty;
	f->fops = &slave_fops;
	return 0;
}

int tty_chrdev_open(struct inode *inode, struct file *f)
{
	unsigned maj = major(inode->rdev), min = minor(inode->rdev);
	if (maj == TTYAUX_MAJOR && min == 0)
		return devtty_open(f);
	if (maj == TTYAUX_MAJOR && min == 2)
		return ptmx_open(f);
	if (maj == PTS_MAJOR)
		return pts_open(tty_lookup_index((int)min), f);
	return -ENXIO;
}

/* ---- master ---- */

static ssize_t master_read(struct file *f, void *buf, size_t len, uint64_t *pos)
{
	struct tty *tty = TTY(f);
	uint8_t *b = buf;
	struct waiter w;
	bool queued = false;
	ssize_t ret;

	if (!len)
		return 0;
	for (;;) {
		if (tty->packet && tty->pktstatus) {
			b[0] = tty->pktstatus;
			tty->pktstatus = 0;
			ret = 1;
			break;
		}
		if (tty->outq.len) {
			size_t off = 0;
			if (tty->packet)
				b[off++] = TIOCPKT_DATA;
			ret = (ssize_t)(off + queue_get(&tty->outq, b + off, len - off));
			tty_wake(tty);
			break;
		}
		if (tty->slave_closed) {
			ret = -EIO;
			break;
		}
		if (f->flags & O_NONBLOCK) {
			ret = -EAGAIN;
			break;
		}
		ret = waitq_wait_step(&tty->wait, &w, &queued, current);
		if (ret)
			break;
	}
	if (queued)
		waitq_remove(&w);
	return ret;
}

static ssize_t master_write(struct file *f, const void *buf, size_t len, uint64_t *pos)
{
	struct tty *tty = TTY(f);
	size_t done = 0;
	struct waiter w;
	bool queued = false;
	ssize_t ret = 0;

	while (done < len) {
		size_t n = queue_put(&tty->rawq, (const uint8_t *)buf + done, len - done);
		if (n) {
			done += n;
			ldisc_receive(tty);
			continue;
		}
		if (!tty->rawq.buf) {
			ret = -ENOMEM;
			break;
		}
		if (f->flags & O_NONBLOCK) {
			ret = -EAGAIN;
			break;
		}
		ret = waitq_wait_step(&tty->wait, &w, &queued, current);
		if (ret)
			break;
	}
	if (queued)
		waitq_remove(&w);
	return done ? (ssize_t)done : ret;
}

static uint32_t master_poll(struct file *f, struct poll_table *pt)
{
	struct tty *tty = TTY(f);
	uint32_t mask = 0;
	if (pt)
		poll_wait(pt, &tty->wait);
	if (tty->outq.len)
		mask |= POLLIN | POLLRDNORM;
	if (tty->packet && tty->pktstatus)
		mask |= POLLPRI | POLLIN | POLLRDNORM;
	if (tty->slave_closed)
		mask |= POLLIN | POLLRDNORM | POLLHUP;
	if (tty->rawq.len < TTY_QUEUE_SIZE)
		mask |= POLLOUT | POLLWRNORM;
	return mask;
}

static long master_ioctl(struct file *f, unsigned cmd, uint64_t arg)
{
	return tty_ioctl(TTY(f), f, true, cmd, arg);
}

/* The master's close hangs the slave up and removes /dev/pts/N. */
static void master_release(struct file *f)
{
	struct tty *tty = TTY(f);
	tty->masters--;
	tty->master_closed = true;
	devpts_remove(tty);
	tty_hangup_session(tty);
	tty_wake(tty);
	tty_maybe_free(tty);
}

/* ---- slave ---- */

static ssize_t slave_read(struct file *f, void *buf, size_t len, uint64_t *pos)
{
	struct tty *tty = TTY(f);
	if (tty->master_closed)
		return 0;
	return ldisc_read(tty, f, buf, len);
}

static ssize_t slave_write(struct file *f, const void *buf, size_t len, uint64_t *pos)
{
	struct tty *tty = TTY(f);
	if (tty->master_closed)
		return -EIO;
	return ldisc_write(tty, f, buf, len);
}

static uint32_t slave_poll(struct file *f, struct poll_table *pt)
{
	struct tty *tty = TTY(f);
	uint32_t mask = 0;
	if (tty->master_closed)
		return POLLIN | POLLOUT | POLLERR | POLLHUP | POLLRDNORM | POLLWRNORM;
	if (pt)
		poll_wait(pt, &tty->wait);
	if (ldisc_input_ready(tty, true))
		mask |= POLLIN | POLLRDNORM;
	if (!tty->stopped && tty->outq.len < TTY_QUEUE_SIZE)
		mask |= POLLOUT | POLLWRNORM;
	return mask;
}

static long slave_ioctl(struct file *f, unsigned cmd, uint64_t arg)
{
	struct tty *tty = TTY(f);
	if (tty->master_closed)
		return cmd == TIOCSPGRP ? -ENOTTY : -EIO;
	return tty_ioctl(tty, f, false, cmd, arg);
}

static void slave_release(struct file *f)
{
	struct tty *tty = TTY(f);
	if (--tty->slaves == 0) {
		tty->slave_closed = true;
		tty->excl = false;
		tty_wake(tty);
	}
	tty_maybe_free(tty);
}

/* Like every character device, a tty seeks nowhere. */
static int64_t tty_llseek(struct file *f, int64_t off, int whence)
{
	return -ESPIPE;
}

static const struct file_ops master_fops = {
	.read = master_read, .write = master_write, .llseek = tty_llseek,
	.poll = master_poll, .ioctl = master_ioctl, .release = master_release,
};

static const struct file_ops slave_fops = {
	.read = slave_read, .write = slave_write, .llseek = tty_llseek,
	.poll = slave_poll, .ioctl = slave_ioctl, .release = slave_release,
};

/* TIOCGPTPEER and the console: open the slave from the master, named
 * /dev/pts/N when that path leads to it (so ttyname works). */
int tty_open_peer(struct tty *tty, int flags, struct file **out)
{
	char name[32];
	struct path p;
	if (!tty->pts)
		return -EIO;
	snprintf(name, sizeof(name), "/dev/pts/%d", tty->index);
	bool named = path_lookup(current, AT_FDCWD, name, LOOKUP_FOLLOW, &p) == 0;
	if (named && p.dentry->inode != tty->pts) {
		path_put(&p);
		named = false;
	}
	int fl = (flags & ~O_CLOEXEC) | O_NOCTTY;
	struct file *f = named ? file_new(&p, tty->pts, NULL, fl) : file_new_anon(tty->pts, NULL, fl);
	if (named)
		path_put(&p);
	if (!f)
		return -ENOMEM;
	int err = pts_open(tty, f);
	if (err) {
		file_put(f);
		return err;
	}
	f->flags &= ~O_NOCTTY;
	*out = f;
	return 0;
}
