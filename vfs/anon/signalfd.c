/*
 * signalfd (fs/signalfd.c): reading dequeues pending signals of the mask
 * from the READING task (thread queue first, then the process queue) as
 * struct signalfd_siginfo records. Signals are usually blocked, so arrival
 * does not wake the reader through task_wake: every queued signal wakes
 * signalfd_wait (sentry/kernel/signal.c) instead.
 */
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <sys/signalfd.h>
#include "vfs/anon/anon.h"
#include "sentry/task.h"
#include "sentry/signal.h"
#include "sentry/kernel/sig_internal.h"
#include "sentry/mm.h"

_Static_assert(sizeof(struct signalfd_siginfo) == 128, "signalfd_siginfo layout");

struct signalfd {
	ksigset_t mask;
};

static const struct file_ops signalfd_fops;

bool file_is_signalfd(const struct file *f)
{
	return f && f->fops == &signalfd_fops;
}

static ksigset_t pending_of(struct task *t)
{
	return t->pending.set | t->tg->shared_pending.set;
}

/* Linux signalfd_copyinfo: the fields of the siginfo layout of (sig, code). */
static void copyinfo(struct signalfd_siginfo *o, const struct ksiginfo *in)
{
	int sig = in->si_signo, code = in->si_code;

	memset(o, 0, sizeof(*o));
	o->ssi_signo = (uint32_t)sig;
	o->ssi_errno = in->si_errno;
	o->ssi_code = code;
	if (code > KSI_USER && code < KSI_KERNEL) {
		switch (sig) {
		case SIGCHLD:
			o->ssi_pid = (uint32_t)in->u.chld.pid;
			o->ssi_uid = in->u.chld.uid;
			o->ssi_status = in->u.chld.status;
			o->ssi_utime = (uint64_t)in->u.chld.utime;
			o->ssi_stime = (uint64_t)in->u.chld.stime;
			return;
		case SIGSEGV: case SIGBUS: case SIGILL: case SIGFPE: case SIGTRAP:
			o->ssi_addr = in->u.fault.addr;
			return;
		case SIGPOLL:
			o->ssi_band = (uint32_t)in->u.poll.band;
			o->ssi_fd = in->u.poll.fd;
			return;
		}
	}
	if (code == SI_TIMER) {
		o->ssi_tid = (uint32_t)in->u.timer.tid;
		o->ssi_overrun = (uint32_t)in->u.timer.overrun;
		o->ssi_ptr = in->u.timer.value;
		o->ssi_int = (int32_t)in->u.timer.value;
		return;
	}
	o->ssi_pid = (uint32_t)in->u.kill.pid;
	o->ssi_uid = in->u.kill.uid;
	if (code < 0) {          /* sigqueue, tkill...: the value too */
		o->ssi_ptr = in->u.kill.value;
		o->ssi_int = (int32_t)in->u.kill.value;
	}
}

static ssize_t signalfd_read(struct file *f, void *buf, size_t len, uint64_t *pos)
{
	struct signalfd *s = f->priv;
	struct task *t = current;
	size_t n = 0, max = len / sizeof(struct signalfd_siginfo);
	struct waiter w;
	bool waiting = false;
	ssize_t ret = 0;

	if (!max)
		return -EINVAL;
	while (n < max) {
		struct ksiginfo info;

		if (signal_dequeue(t, s->mask, &info)) {
			copyinfo((struct signalfd_siginfo *)buf + n, &info);
			n++;
			continue;
		}
		/* Only the first record waits. */
		if (n || (f->flags & O_NONBLOCK)) {
			ret = n ? 0 : -EAGAIN;
			break;
		}
		int err = waitq_wait_step(&signalfd_wait, &w, &waiting, t);
		if (err) {
			ret = err;
			break;
		}
	}
	if (waiting)
		waitq_remove(&w);
	return n ? (ssize_t)(n * sizeof(struct signalfd_siginfo)) : ret;
}

static uint32_t signalfd_poll(struct file *f, struct poll_table *pt)
{
	struct signalfd *s = f->priv;

	poll_wait(pt, &signalfd_wait);
	return current && (pending_of(current) & s->mask) ? POLLIN | POLLRDNORM : 0;
}

static void signalfd_release(struct file *f)
{
	free(f->priv);
	f->priv = NULL;
}

static const struct file_ops signalfd_fops = {
	.read = signalfd_read,
	.poll = signalfd_poll,
	.release = signalfd_release,
};

long signalfd_fd(struct task *t, int fd, uint64_t umask, uint64_t sizemask, int flags)
{
	struct signalfd *s;
	struct file *f;
	ksigset_t mask;

	if (flags & ~(SFD_CLOEXEC | SFD_NONBLOCK))
		return -EINVAL;
	if (sizemask != sizeof(ksigset_t))
		return -EINVAL;
	if (copy_from_user(t->mm, &mask, umask, sizeof(mask)))
		return -EFAULT;
	mask &= ~KSIG_UNBLOCKABLE;
	if (fd != -1) {
		f = fd_get(t->files, fd);
		if (!f)
			return -EBADF;
		if (!file_is_signalfd(f)) {
			file_put(f);
			return -EINVAL;
		}
		((struct signalfd *)f->priv)->mask = mask;
		waitq_wake_all(&signalfd_wait);
		file_put(f);
		return fd;
	}
	s = calloc(1, sizeof(*s));
	if (!s)
		return -ENOMEM;
	s->mask = mask;
	f = anon_file_new(anon_sb("[signalfd]"), &signalfd_fops, s, O_RDWR | (flags & O_NONBLOCK));
	if (!f) {
		free(s);
		return -ENOMEM;
	}
	return anon_install(t, f, flags & SFD_CLOEXEC);
}
