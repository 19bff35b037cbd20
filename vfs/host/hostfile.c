/*
 * Host files: the stdio fds handed to the sentry, as guest files. The guest
 * never sees the host fd number. Pipes and ttys are streams: before a
 * blocking read/write we wait for readiness together with the task's wake
 * fd (so signals interrupt), then do the host call without the kernel lock.
 * Regular files share their offset with the host's open file description
 * (the shell that ran cvisor appends after the guest's output), so plain
 * read/write/lseek use the host offset; pread/pwrite use their own.
 */
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <stdlib.h>
#include <sys/ioctl.h>
#include <sys/stat.h>
#include <unistd.h>
#include "../vfs_impl.h"
#include "../../sentry/kernel.h"
#include "../../sentry/mm.h"
#include "../../sentry/task.h"
#include "../../sentry/signal.h"
#include <signal.h>

#define TERMIOS_SIZE 36   /* struct termios of the TCGETS ABI on x86-64 */

struct hostfile {
	int fd;
	bool tty, stream;
	int fg_pgrp;          /* guest foreground process group (TIOCSPGRP) */
};

static struct super_block host_sb = { .fstype = "hostfd" };

static struct hostfile *HF(struct file *f) { return f->priv; }

/* Wait until fd polls `events`, or fail with -EAGAIN / -ERESTARTSYS. */
static int wait_ready(struct file *f, short events)
{
	struct pollfd p = { .fd = HF(f)->fd, .events = events };
	for (;;) {
		p.revents = 0;
		if (poll(&p, 1, 0) > 0)
			return 0;
		if (f->flags & O_NONBLOCK)
			return -EAGAIN;
		int err = task_sleep_hostfds(current, &p, 1, 0);
		if (err == -EINTR)
			return -ERESTARTSYS;
	}
}

/* After a transfer of n bytes: positional calls advance their own offset,
 * plain ones take the host description's offset. */
static void sync_pos(struct file *f, uint64_t *pos, ssize_t n)
{
	if (pos != &f->pos) {
		*pos += (uint64_t)n;
		return;
	}
	off_t cur = lseek(HF(f)->fd, 0, SEEK_CUR);
	*pos = cur > 0 ? (uint64_t)cur : 0;
}

static ssize_t host_read(struct file *f, void *buf, size_t len, uint64_t *pos)
{
	struct hostfile *h = HF(f);
	ssize_t n;
	for (;;) {
		if (h->stream) {
			int err = wait_ready(f, POLLIN);
			if (err)
				return err;
		}
		bool positional = !h->stream && pos != &f->pos;
		kernel_unlock();
		n = positional ? pread(h->fd, buf, len, (off_t)*pos) : read(h->fd, buf, len);
		int e = errno;
		kernel_lock();
		if (n >= 0)
			break;
		if (e != EAGAIN || (f->flags & O_NONBLOCK))
			return -e;
	}
	if (!h->stream)
		sync_pos(f, pos, n);
	return n;
}

static ssize_t host_write(struct file *f, const void *buf, size_t len, uint64_t *pos)
{
	struct hostfile *h = HF(f);
	ssize_t n;
	for (;;) {
		if (h->stream) {
			int err = wait_ready(f, POLLOUT);
			if (err)
				return err;
		}
		bool positional = !h->stream && pos != &f->pos;
		kernel_unlock();
		n = positional ? pwrite(h->fd, buf, len, (off_t)*pos) : write(h->fd, buf, len);
		int e = errno;
		kernel_lock();
		if (n >= 0)
			break;
		if (e == EPIPE) {
			/* The host reader is gone: the guest gets what Linux gives. */
			struct ksiginfo si = { .si_signo = SIGPIPE, .si_code = SI_USER };
			send_signal_thread(current, &si);
			return -EPIPE;
		}
		if (e != EAGAIN || (f->flags & O_NONBLOCK))
			return -e;
	}
	if (!h->stream) {
		sync_pos(f, pos, n);
		if (*pos > f->inode->size)
			f->inode->size = *pos;
	}
	return n;
}

static int64_t host_llseek(struct file *f, int64_t off, int whence)
{
	if (HF(f)->stream)
		return -ESPIPE;
	off_t r = lseek(HF(f)->fd, off, whence);
	if (r < 0)
		return -errno;
	f->pos = (uint64_t)r;
	return r;
}

static uint32_t host_poll(struct file *f, struct poll_table *pt)
{
	struct pollfd p = { .fd = HF(f)->fd, .events = POLLIN | POLLOUT };
	poll_wait_hostfd(pt, p.fd, p.events);
	if (poll(&p, 1, 0) < 0)
		return POLLERR;
	return (uint32_t)p.revents;
}

/* Terminal ioctls are answered by the same ioctl on our own host tty. */
static long host_ioctl(struct file *f, unsigned cmd, uint64_t arg)
{
	struct hostfile *h = HF(f);
	unsigned char buf[TERMIOS_SIZE];
	struct winsize ws;
	int v;

	if (cmd == FIONREAD && h->stream) {
		if (ioctl(h->fd, FIONREAD, &v) < 0)
			return -errno;
		return copy_to_user(current->mm, arg, &v, sizeof(v)) ? -EFAULT : 0;
	}
	if (!h->tty)
		return -ENOTTY;
	switch (cmd) {
	case TCGETS:
		if (ioctl(h->fd, TCGETS, buf) < 0)
			return -errno;
		return copy_to_user(current->mm, arg, buf, sizeof(buf)) ? -EFAULT : 0;
	case TCSETS: case TCSETSW: case TCSETSF:
		if (copy_from_user(current->mm, buf, arg, sizeof(buf)))
			return -EFAULT;
		return ioctl(h->fd, cmd, buf) < 0 ? -errno : 0;
	case TIOCGWINSZ:
		if (ioctl(h->fd, TIOCGWINSZ, &ws) < 0)
			return -errno;
		return copy_to_user(current->mm, arg, &ws, sizeof(ws)) ? -EFAULT : 0;
	case TIOCSWINSZ:
		if (copy_from_user(current->mm, &ws, arg, sizeof(ws)))
			return -EFAULT;
		return ioctl(h->fd, TIOCSWINSZ, &ws) < 0 ? -errno : 0;
	case TIOCGPGRP:
		/* host pgids mean nothing to the guest: keep the guest's own */
		v = h->fg_pgrp ? h->fg_pgrp : (current->tg ? current->tg->pgid : 1);
		return copy_to_user(current->mm, arg, &v, sizeof(v)) ? -EFAULT : 0;
	case TIOCSPGRP:
		if (copy_from_user(current->mm, &v, arg, sizeof(v)))
			return -EFAULT;
		if (v <= 0)
			return -EINVAL;
		h->fg_pgrp = v;
		return 0;
	}
	return -ENOTTY;
}

static int host_fsync(struct file *f)
{
	if (HF(f)->stream)
		return 0;
	return fsync(HF(f)->fd) < 0 ? -errno : 0;
}

static void host_release(struct file *f)
{
	close(HF(f)->fd);
	free(f->priv);
}

static const struct file_ops host_fops = {
	.read = host_read,
	.write = host_write,
	.llseek = host_llseek,
	.poll = host_poll,
	.ioctl = host_ioctl,
	.fsync = host_fsync,
	.release = host_release,
};

struct file *hostfile_new(int hostfd, int flags)
{
	struct stat st;
	if (fstat(hostfd, &st) < 0)
		return NULL;
	struct hostfile *h = calloc(1, sizeof(*h));
	if (!h)
		return NULL;
	if (!host_sb.dev)
		host_sb.dev = vfs_anon_dev();
	h->fd = hostfd;
	h->tty = isatty(hostfd);
	mode_t mode = st.st_mode;
	if (h->tty)
		mode = S_IFCHR | 0620;
	else if (S_ISFIFO(mode) || S_ISSOCK(mode))
		mode = S_IFIFO | 0600;         /* sockets look like pipes to the guest */
	else if (!S_ISREG(mode))
		mode = S_IFCHR | (mode & 0777);
	h->stream = !S_ISREG(mode);
	struct inode *i = inode_new(&host_sb, mode);
	if (!i) {
		free(h);
		return NULL;
	}
	i->size = S_ISREG(mode) ? (uint64_t)st.st_size : 0;
	i->fops = &host_fops;
	struct file *f = file_new_anon(i, &host_fops, flags & ~O_CLOEXEC);
	inode_put(i);
	if (!f) {
		free(h);
		return NULL;
	}
	f->priv = h;
	if (!h->stream) {
		off_t cur = lseek(hostfd, 0, SEEK_CUR);
		f->pos = cur > 0 ? (uint64_t)cur : 0;
	}
	return f;
}
