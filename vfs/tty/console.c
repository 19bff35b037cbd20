/*
 * The OCI console (--console-socket): the host pty slave the sentry got as
 * stdio becomes the outer end of a sentry pty. The host side is put in raw
 * mode and a pump thread copies bytes between it and the sentry pty's
 * master, so echo, line editing, ^C, ^Z, ^\ and the window size are the
 * sentry's line discipline's, and its signals reach the foreground process
 * group of the guest's terminal. The pump holds the kernel lock only to
 * move bytes through the queues, never around host I/O.
 */
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <pthread.h>
#include <stdlib.h>
#include <string.h>
#include <termios.h>
#include <time.h>
#include <unistd.h>
#include <sys/eventfd.h>
#include <sys/ioctl.h>
#include "vfs/tty/tty.h"
#include "sentry/kernel.h"
#include "sentry/task.h"
#include "sentry/log.h"

struct console {
	struct list_head link;
	int hostfd, wakefd;
	struct tty *tty;
	struct file *master;
	struct waiter w;              /* on tty->wait: kicks the pump */
	bool host_gone;               /* the shim closed the master */
	bool shutdown;                /* the sandbox ends: flush, then stop */
	uint8_t in[4096];             /* host -> guest, not yet in rawq */
	size_t in_len;
	uint8_t out[4096];            /* guest -> host, not yet written */
	size_t out_off, out_len;
};

static struct list_head consoles = LIST_HEAD_INIT(consoles);
static pthread_cond_t consoles_cond = PTHREAD_COND_INITIALIZER;

/* A tty change (called under the kernel lock by whoever woke tty->wait). */
static void kick(struct waiter *w)
{
	struct console *c = w->priv;
	uint64_t one = 1;
	if (write(c->wakefd, &one, sizeof(one)) < 0) {
		/* cannot fail short of a counter overflow: already kicked */
	}
}

/* Move what can move through the queues; kernel lock held. */
static void transfer(struct console *c)
{
	struct tty *t = c->tty;
	if (c->out_off == c->out_len) {
		c->out_off = 0;
		c->out_len = queue_get(&t->outq, c->out, sizeof(c->out));
		if (c->out_len)
			tty_wake(t);          /* room for the guest's writers */
	}
	if (c->in_len) {
		size_t n = queue_put(&t->rawq, c->in, c->in_len);
		memmove(c->in, c->in + n, c->in_len - n);
		c->in_len -= n;
		if (n)
			ldisc_receive(t);
	}
}

/* Host I/O without the kernel lock. */
static void host_io(struct console *c)
{
	bool want_out = c->out_off < c->out_len;
	struct pollfd p[2] = {
		{ .fd = c->hostfd, .events = (short)((c->in_len || c->shutdown ? 0 : POLLIN) |
						     (want_out ? POLLOUT : 0)) },
		{ .fd = c->wakefd, .events = POLLIN },
	};
	if (poll(p, 2, -1) < 0)
		return;
	if (p[1].revents & POLLIN) {
		uint64_t v;
		if (read(c->wakefd, &v, sizeof(v)) < 0) {
			/* EAGAIN: drained already */
		}
	}
	if (p[0].revents & POLLOUT) {
		ssize_t n = write(c->hostfd, c->out + c->out_off, c->out_len - c->out_off);
		if (n > 0)
			c->out_off += (size_t)n;
		else if (n < 0 && errno != EAGAIN && errno != EINTR)
			c->host_gone = true;
	}
	if (p[0].revents & POLLIN) {
		ssize_t n = read(c->hostfd, c->in, sizeof(c->in));
		if (n > 0)
			c->in_len = (size_t)n;
		else if (n == 0 || (errno != EAGAIN && errno != EINTR))
			c->host_gone = true;   /* EIO: the master is closed */
	} else if (p[0].revents & (POLLHUP | POLLERR | POLLNVAL)) {
		c->host_gone = true;
	}
}

static void *pump(void *arg)
{
	struct console *c = arg;
	kernel_lock();
	for (;;) {
		transfer(c);
		bool flushed = c->out_off == c->out_len && !c->tty->outq.len;
		/* Done when the shim is gone, or when the guest's terminal has
		 * no more openers (or the sandbox ends) and its output is out. */
		if (c->host_gone || ((c->tty->slave_closed || c->shutdown) && flushed))
			break;
		kernel_unlock();
		host_io(c);
		kernel_lock();
	}
	waitq_remove(&c->w);
	c->tty->console = NULL;
	close(c->hostfd);             /* the shim reads EIO */
	close(c->wakefd);
	file_put(c->master);          /* hangs the guest's side up */
	list_del(&c->link);
	free(c);
	pthread_cond_broadcast(&consoles_cond);
	kernel_unlock();
	return NULL;
}

static void console_free(struct console *c)
{
	if (c->hostfd >= 0)
		close(c->hostfd);
	if (c->wakefd >= 0)
		close(c->wakefd);
	if (c->master)
		file_put(c->master);
	free(c);
}

int console_attach(int hostfd, struct thread_group *tg, struct fdtable *files)
{
	struct termios raw;
	if (tcgetattr(hostfd, &raw) < 0)
		return -errno;
	struct console *c = calloc(1, sizeof(*c));
	if (!c)
		return -ENOMEM;
	c->hostfd = fcntl(hostfd, F_DUPFD_CLOEXEC, 3);
	c->wakefd = eventfd(0, EFD_CLOEXEC | EFD_NONBLOCK);
	struct task *saved = current;
	current = tg->leader;         /* the nodes and paths are init's */
	struct file *slave = NULL;
	int err = c->hostfd < 0 || c->wakefd < 0 ? -errno : 0;
	if (!err && !(c->master = file_new_anon(NULL, NULL, O_RDWR)))
		err = -ENOMEM;
	if (!err)
		err = ptmx_open(c->master);
	if (err) {
		if (c->master)
			c->master->fops = NULL;   /* nothing opened, nothing to release */
		current = saved;
		console_free(c);
		return err;
	}
	c->tty = c->master->priv;
	c->tty->locked = false;
	err = tty_open_peer(c->tty, O_RDWR | O_NOCTTY, &slave);
	current = saved;
	if (err) {
		console_free(c);
		return err;
	}
	/* The host side only carries bytes now. */
	cfmakeraw(&raw);
	tcsetattr(c->hostfd, TCSANOW, &raw);
	fcntl(c->hostfd, F_SETFL, fcntl(c->hostfd, F_GETFL) | O_NONBLOCK);
	ioctl(c->hostfd, TIOCGWINSZ, &c->tty->ws);
	c->tty->console = c;
	c->tty->session = tg->sid;
	c->tty->pgrp = tg->pgid;
	for (int fd = 0; fd < 3; fd++)
		fd_install_at(files, fd, slave, false);
	file_put(slave);
	waitq_add(&c->tty->wait, &c->w, NULL);
	c->w.func = kick;
	c->w.priv = c;
	list_add_tail(&c->link, &consoles);
	pthread_t th;
	if ((err = pthread_create(&th, NULL, pump, c))) {
		waitq_remove(&c->w);
		list_del(&c->link);
		c->tty->console = NULL;
		console_free(c);
		return -err;
	}
	pthread_detach(th);
	return 0;
}

void console_winsize(struct console *c)
{
	struct kwinsize ws;
	if (ioctl(c->hostfd, TIOCGWINSZ, &ws) == 0 && memcmp(&ws, &c->tty->ws, sizeof(ws))) {
		c->tty->ws = ws;
		tty_signal_pgrp(c->tty->pgrp, SIGWINCH);
	}
}

bool console_resize(void)
{
	struct list_head *p;
	list_for_each(p, &consoles)
		console_winsize(list_entry(p, struct console, link));
	return !list_empty(&consoles);
}

void console_shutdown(void)
{
	struct list_head *p;
	list_for_each(p, &consoles) {
		struct console *c = list_entry(p, struct console, link);
		c->shutdown = true;
		kick(&c->w);
	}
	/* Bounded: a shim that reads nothing must not keep the sandbox. */
	struct timespec until;
	clock_gettime(CLOCK_REALTIME, &until);
	until.tv_sec += 2;
	while (!list_empty(&consoles))
		if (pthread_cond_timedwait(&consoles_cond, &kernel.lock, &until))
			break;
}
