/*
 * poll, ppoll, select, pselect6 (fs/select.c in Linux terms).
 *
 * One engine: scan every file with ->poll; the first scan that finds
 * nothing ready also registers the files' wait queues (and host fds) in a
 * poll_table; then sleep until a wake-up, a signal or the deadline, and scan
 * again. Files are held while their wait queues are registered, so a close
 * by another thread cannot free a queue under us.
 *
 * Interruption follows Linux: poll returns -ERESTART_RESTARTBLOCK (restarted
 * with the original deadline), the others -ERESTARTNOHAND after writing the
 * remaining time back to the guest's timeout.
 */
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include "syscalls/syscall.h"
#include "vfs/vfs.h"
#include "sentry/task.h"
#include "sentry/mm.h"

#define POLLIN_SET  (POLLRDNORM | POLLRDBAND | POLLIN | POLLHUP | POLLERR)
#define POLLOUT_SET (POLLWRBAND | POLLWRNORM | POLLOUT | POLLERR)
#define POLLEX_SET  (POLLPRI)
#define DEFAULT_POLLMASK (POLLIN | POLLOUT | POLLRDNORM | POLLWRNORM)
#define NR_OPEN_MAX (1u << 20)        /* /proc/sys/fs/nr_open */
#define STICKY_TIMEOUTS 0x4000000
#define NSEC_PER_SEC 1000000000ull

struct ktimespec {
	int64_t tv_sec, tv_nsec;
};

/* Files held while registered in the poll table. */
struct held {
	struct file **f;
	size_t n, cap;
};

struct scan_ops {
	/* One pass over the fds: number ready or -errno. pt NULL: do not register. */
	long (*scan)(struct task *t, void *st, struct poll_table *pt, struct held *h);
	void *st;
};

static void held_release(struct held *h)
{
	for (size_t i = 0; i < h->n; i++)
		file_put(h->f[i]);
	h->n = 0;
}

/* Poll one file; keeps it in h when it registered wait queues. */
static uint32_t poll_file(struct file *f, struct poll_table *pt, struct held *h)
{
	int before = pt ? pt->nwaiters + pt->nhostfds : 0;
	uint32_t mask;

	if (!f->fops || !f->fops->poll)
		return DEFAULT_POLLMASK;
	mask = f->fops->poll(f, pt);
	if (pt && pt->nwaiters + pt->nhostfds != before && h->n < h->cap) {
		file_get(f);
		h->f[h->n++] = f;
	}
	return mask;
}

/* deadline: CLOCK_MONOTONIC ns, 0 = none. */
static long poll_loop(struct task *t, const struct scan_ops *ops, uint64_t deadline, struct held *h)
{
	bool timed_out = deadline && now_mono_ns() >= deadline;

	for (;;) {
		struct poll_table pt = { .task = t };
		long n = ops->scan(t, ops->st, timed_out ? NULL : &pt, h);
		int err;

		if (n || timed_out) {
			poll_table_free(&pt);
			held_release(h);
			return n;
		}
		if (pt.nhostfds)
			err = task_sleep_hostfds(t, pt.hostfds, pt.nhostfds, deadline);
		else
			err = task_sleep(t, deadline);
		poll_table_free(&pt);
		held_release(h);
		if (err == -EINTR)
			return -ERESTARTNOHAND;
		if (err == -ETIMEDOUT)
			timed_out = true;
	}
}

static uint64_t deadline_after(uint64_t sec, uint64_t nsec)
{
	uint64_t now = now_mono_ns();

	if (sec >= (UINT64_MAX - now) / NSEC_PER_SEC - 1)
		return 0;               /* beyond any realistic wait: forever */
	return now + sec * NSEC_PER_SEC + nsec;
}

/* Remaining time until deadline, for writing timeouts back. */
static struct ktimespec remaining(uint64_t deadline)
{
	uint64_t now = now_mono_ns(), left = deadline > now ? deadline - now : 0;

	return (struct ktimespec){ (int64_t)(left / NSEC_PER_SEC), (int64_t)(left % NSEC_PER_SEC) };
}

/* ---- sigmask for ppoll / pselect6 ---------------------------------------- */

static int set_user_sigmask(struct task *t, uint64_t umask, uint64_t size)
{
	ksigset_t mask;

	if (!umask)
		return 0;
	if (size != sizeof(ksigset_t))
		return -EINVAL;
	if (copy_from_user(t->mm, &mask, umask, sizeof(mask)))
		return -EFAULT;
	mask &= ~(KSIG_BIT(SIGKILL) | KSIG_BIT(SIGSTOP));
	t->saved_mask = t->blocked;
	t->restore_saved_mask = true;
	t->blocked = mask;
	return 0;
}

/* Interrupted: the signal code restores the mask after delivery; otherwise
 * restore it now. */
static void restore_user_sigmask(struct task *t, long ret)
{
	if (!t->restore_saved_mask || ret == -ERESTARTNOHAND)
		return;
	t->blocked = t->saved_mask;
	t->restore_saved_mask = false;
}

/* ---- poll / ppoll -------------------------------------------------------- */

struct poll_state {
	struct pollfd *fds;
	unsigned nfds;
};

static long poll_scan(struct task *t, void *st, struct poll_table *pt, struct held *h)
{
	struct poll_state *ps = st;
	long count = 0;

	for (unsigned i = 0; i < ps->nfds; i++) {
		struct pollfd *p = &ps->fds[i];
		struct file *f;
		uint32_t mask;

		p->revents = 0;
		if (p->fd < 0)
			continue;
		f = fd_get(t->files, p->fd);
		if (!f || (f->flags & O_PATH)) {
			if (f)
				file_put(f);
			p->revents = POLLNVAL;
			count++;
			continue;
		}
		mask = poll_file(f, count ? NULL : pt, h);
		file_put(f);
		mask &= (uint16_t)p->events | POLLERR | POLLHUP;
		p->revents = (short)mask;
		if (mask)
			count++;
	}
	return count;
}

static long do_poll(struct task *t, uint64_t ufds, unsigned nfds, uint64_t deadline)
{
	struct poll_state ps = { .nfds = nfds };
	struct scan_ops ops = { poll_scan, &ps };
	struct held h = { 0 };
	long ret;

	if (nfds > t->tg->rlimits[RLIMIT_NOFILE].rlim_cur || nfds > NR_OPEN_MAX)
		return -EINVAL;
	ps.fds = malloc((nfds ? nfds : 1) * sizeof(*ps.fds));
	h.f = malloc((nfds ? nfds : 1) * sizeof(*h.f));
	h.cap = nfds;
	if (!ps.fds || !h.f) {
		ret = -ENOMEM;
		goto out;
	}
	if (copy_from_user(t->mm, ps.fds, ufds, nfds * sizeof(*ps.fds))) {
		ret = -EFAULT;
		goto out;
	}
	ret = poll_loop(t, &ops, deadline, &h);
	for (unsigned i = 0; i < nfds; i++) {
		uint64_t at = ufds + i * sizeof(struct pollfd) + offsetof(struct pollfd, revents);

		if (copy_to_user(t->mm, at, &ps.fds[i].revents, sizeof(short))) {
			ret = -EFAULT;
			break;
		}
	}
out:
	free(ps.fds);
	free(h.f);
	return ret;
}

/* restart_syscall after an interrupted poll: same fds, same deadline. */
static long poll_restart(struct task *t, struct restart_block *rb)
{
	long ret = do_poll(t, rb->args[0], (unsigned)rb->args[1], rb->args[2]);

	if (ret == -ERESTARTNOHAND) {
		t->restart.fn = poll_restart;
		return -ERESTART_RESTARTBLOCK;
	}
	return ret;
}

long sys_poll(struct task *t, const struct syscall_args *a)
{
	int ms = (int)a->a[2];
	uint64_t deadline = 0;
	long ret;

	if (ms >= 0)
		deadline = deadline_after((uint64_t)ms / 1000, (uint64_t)(ms % 1000) * 1000000);
	ret = do_poll(t, a->a[0], (unsigned)a->a[1], deadline);
	if (ret == -ERESTARTNOHAND) {
		t->restart.fn = poll_restart;
		t->restart.args[0] = a->a[0];
		t->restart.args[1] = a->a[1];
		t->restart.args[2] = deadline;
		return -ERESTART_RESTARTBLOCK;
	}
	return ret;
}

/* Read a timespec timeout: deadline in *deadline (0 forever), *zero when it
 * was 0 (never written back). */
static int get_timespec_timeout(struct task *t, uint64_t uts, uint64_t *deadline, bool *zero)
{
	struct ktimespec ts;

	*deadline = 0;
	*zero = false;
	if (!uts)
		return 0;
	if (copy_from_user(t->mm, &ts, uts, sizeof(ts)))
		return -EFAULT;
	if (ts.tv_sec < 0 || ts.tv_nsec < 0 || ts.tv_nsec >= (int64_t)NSEC_PER_SEC)
		return -EINVAL;
	*zero = !ts.tv_sec && !ts.tv_nsec;
	*deadline = deadline_after((uint64_t)ts.tv_sec, (uint64_t)ts.tv_nsec);
	return 0;
}

/* poll_select_finish: write the time left back (not for a zero timeout,
 * an infinite one, or STICKY_TIMEOUTS); if that faults an interrupted call
 * cannot be restarted with the right timeout, so it becomes -EINTR. */
static long finish_timeout(struct task *t, uint64_t uts, uint64_t deadline, bool zero,
			   bool timeval, long ret)
{
	struct ktimespec left;

	if (!uts || zero || !deadline)
		return ret;
	if (t->personality & STICKY_TIMEOUTS)
		goto sticky;
	left = remaining(deadline);
	if (timeval)
		left.tv_nsec /= 1000;
	if (!copy_to_user(t->mm, uts, &left, sizeof(left)))
		return ret;
sticky:
	return ret == -ERESTARTNOHAND ? -EINTR : ret;
}

long sys_ppoll(struct task *t, const struct syscall_args *a)
{
	uint64_t deadline;
	bool zero;
	long ret;

	ret = get_timespec_timeout(t, a->a[2], &deadline, &zero);
	if (ret)
		return ret;
	ret = set_user_sigmask(t, a->a[3], a->a[4]);
	if (ret)
		return ret;
	ret = do_poll(t, a->a[0], (unsigned)a->a[1], deadline);
	restore_user_sigmask(t, ret);
	return finish_timeout(t, a->a[2], deadline, zero, false, ret);
}

/* ---- select / pselect6 ---------------------------------------------------- */

struct select_state {
	int n;
	uint64_t *in, *out, *ex;        /* requested; NULL when the guest gave none */
	uint64_t *rin, *rout, *rex;     /* results */
};

static bool bit(const uint64_t *set, int fd)
{
	return set && (set[fd / 64] >> (fd % 64)) & 1;
}

static void set_bit(uint64_t *set, int fd)
{
	set[fd / 64] |= 1ull << (fd % 64);
}

static long select_scan(struct task *t, void *st, struct poll_table *pt, struct held *h)
{
	struct select_state *s = st;
	size_t bytes = (size_t)(s->n + 63) / 64 * 8;
	long count = 0;

	memset(s->rin, 0, bytes);
	memset(s->rout, 0, bytes);
	memset(s->rex, 0, bytes);
	for (int fd = 0; fd < s->n; fd++) {
		bool wi = bit(s->in, fd), wo = bit(s->out, fd), we = bit(s->ex, fd);
		struct file *f;
		uint32_t mask;

		if (!wi && !wo && !we)
			continue;
		f = fd_get(t->files, fd);
		if (!f || (f->flags & O_PATH)) {
			if (f)
				file_put(f);
			return -EBADF;
		}
		mask = poll_file(f, count ? NULL : pt, h);
		file_put(f);
		if (wi && (mask & POLLIN_SET)) {
			set_bit(s->rin, fd);
			count++;
		}
		if (wo && (mask & POLLOUT_SET)) {
			set_bit(s->rout, fd);
			count++;
		}
		if (we && (mask & POLLEX_SET)) {
			set_bit(s->rex, fd);
			count++;
		}
	}
	return count;
}

static long do_select(struct task *t, int n, const uint64_t uset[3], uint64_t deadline)
{
	struct select_state s = { 0 };
	struct scan_ops ops = { select_scan, &s };
	struct held h = { 0 };
	uint64_t **req[3] = { &s.in, &s.out, &s.ex };
	uint64_t *res[3];
	size_t bytes;
	long ret;

	if (n < 0)
		return -EINVAL;
	if (n > t->files->max)
		n = t->files->max;
	s.n = n;
	bytes = (size_t)(n + 63) / 64 * 8;
	/* One allocation: three request sets, three result sets. */
	uint64_t *mem = calloc(6, bytes ? bytes : 8);
	h.f = malloc((n ? (size_t)n : 1) * sizeof(*h.f));
	h.cap = (size_t)n;
	if (!mem || !h.f) {
		ret = -ENOMEM;
		goto out;
	}
	for (int i = 0; i < 3; i++) {
		uint64_t *set = mem + i * (bytes / 8);

		res[i] = mem + (3 + i) * (bytes / 8);
		if (!uset[i])
			continue;
		if (copy_from_user(t->mm, set, uset[i], bytes)) {
			ret = -EFAULT;
			goto out;
		}
		*req[i] = set;
	}
	s.rin = res[0];
	s.rout = res[1];
	s.rex = res[2];
	ret = poll_loop(t, &ops, deadline, &h);
	if (ret < 0)
		goto out;
	for (int i = 0; i < 3; i++) {
		if (uset[i] && copy_to_user(t->mm, uset[i], res[i], bytes)) {
			ret = -EFAULT;
			break;
		}
	}
out:
	free(mem);
	free(h.f);
	return ret;
}

long sys_select(struct task *t, const struct syscall_args *a)
{
	uint64_t uset[3] = { a->a[1], a->a[2], a->a[3] }, utv = a->a[4], deadline = 0;
	struct ktimespec tv;   /* struct timeval: two longs */
	bool zero = false;
	long ret;

	if (utv) {
		if (copy_from_user(t->mm, &tv, utv, sizeof(tv)))
			return -EFAULT;
		if (tv.tv_sec < 0 || tv.tv_nsec < 0)
			return -EINVAL;
		zero = !tv.tv_sec && !tv.tv_nsec;
		deadline = zero ? now_mono_ns() :
			deadline_after((uint64_t)tv.tv_sec + (uint64_t)tv.tv_nsec / 1000000,
				       (uint64_t)tv.tv_nsec % 1000000 * 1000);
	}
	ret = do_select(t, (int)a->a[0], uset, deadline);
	return finish_timeout(t, utv, deadline, zero, true, ret);
}

long sys_pselect6(struct task *t, const struct syscall_args *a)
{
	uint64_t uset[3] = { a->a[1], a->a[2], a->a[3] }, deadline;
	struct { uint64_t ss, ss_len; } sig = { 0, 0 };
	bool zero;
	long ret;

	ret = get_timespec_timeout(t, a->a[4], &deadline, &zero);
	if (ret)
		return ret;
	if (a->a[5] && copy_from_user(t->mm, &sig, a->a[5], sizeof(sig)))
		return -EFAULT;
	ret = set_user_sigmask(t, sig.ss, sig.ss_len);
	if (ret)
		return ret;
	ret = do_select(t, (int)a->a[0], uset, deadline);
	restore_user_sigmask(t, ret);
	return finish_timeout(t, a->a[4], deadline, zero, false, ret);
}
