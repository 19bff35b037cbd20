/*
 * timerfd (fs/timerfd.c): a timer whose expirations are counted and read as
 * a u64. The schedule is kept in CLOCK_MONOTONIC ns (REALTIME absolute
 * times are converted when set; BOOTTIME equals MONOTONIC in the sandbox);
 * a kernel timer (sentry/timer.h) only wakes the waiters, the expiration
 * count is computed from the schedule whenever it is looked at.
 */
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <sys/timerfd.h>
#include "vfs/anon/anon.h"
#include "sentry/task.h"
#include "sentry/timer.h"
#include "sentry/mm.h"

#define NSEC_PER_SEC 1000000000ull
#define CAP_WAKE_ALARM 35

struct kitimerspec {
	int64_t interval_sec, interval_nsec;
	int64_t value_sec, value_nsec;
};

struct timerfd {
	int clockid;
	uint64_t next;           /* next expiry, monotonic ns; 0: disarmed */
	uint64_t interval;       /* ns, 0: one-shot */
	uint64_t ticks;          /* expirations not yet read */
	struct ktimer *timer;
	struct waitq wq;
};

static const struct file_ops timerfd_fops;

bool file_is_timerfd(const struct file *f)
{
	return f && f->fops == &timerfd_fops;
}

/* Fold expirations up to now into ticks. */
static void timerfd_update(struct timerfd *tf)
{
	uint64_t now = now_mono_ns(), n;

	if (!tf->next || now < tf->next)
		return;
	if (!tf->interval) {
		tf->ticks++;
		tf->next = 0;
		return;
	}
	n = 1 + (now - tf->next) / tf->interval;
	tf->ticks += n;
	tf->next += n * tf->interval;
}

static void timerfd_fire(struct ktimer *tm, void *arg)
{
	struct timerfd *tf = arg;

	(void)tm;
	timerfd_update(tf);
	if (tf->next)
		ktimer_arm(tf->timer, tf->next, 0);
	waitq_wake_all(&tf->wq);
}

static ssize_t timerfd_read(struct file *f, void *buf, size_t len, uint64_t *pos)
{
	struct timerfd *tf = f->priv;
	struct waiter w;
	bool waiting = false;
	ssize_t ret;

	if (len < sizeof(uint64_t))
		return -EINVAL;
	for (;;) {
		timerfd_update(tf);
		if (tf->ticks) {
			memcpy(buf, &tf->ticks, sizeof(tf->ticks));
			tf->ticks = 0;
			ret = sizeof(uint64_t);
			break;
		}
		if (f->flags & O_NONBLOCK) {
			ret = -EAGAIN;
			break;
		}
		int err = waitq_wait_step(&tf->wq, &w, &waiting, current);
		if (err) {
			ret = err;
			break;
		}
	}
	if (waiting)
		waitq_remove(&w);
	return ret;
}

static uint32_t timerfd_poll(struct file *f, struct poll_table *pt)
{
	struct timerfd *tf = f->priv;

	poll_wait(pt, &tf->wq);
	timerfd_update(tf);
	return tf->ticks ? POLLIN | POLLRDNORM : 0;
}

static void timerfd_release(struct file *f)
{
	struct timerfd *tf = f->priv;

	if (!tf)
		return;
	ktimer_free(tf->timer);
	free(tf);
	f->priv = NULL;
}

static const struct file_ops timerfd_fops = {
	.read = timerfd_read,
	.poll = timerfd_poll,
	.release = timerfd_release,
};

long timerfd_create_fd(struct task *t, int clockid, int flags)
{
	struct timerfd *tf;
	struct file *f;

	if (flags & ~(TFD_CLOEXEC | TFD_NONBLOCK))
		return -EINVAL;
	if (clockid == CLOCK_REALTIME_ALARM || clockid == CLOCK_BOOTTIME_ALARM)
		return (t->cred.cap_effective & (1ull << CAP_WAKE_ALARM)) ? -EINVAL : -EPERM;
	if (clockid != CLOCK_REALTIME && clockid != CLOCK_MONOTONIC && clockid != CLOCK_BOOTTIME)
		return -EINVAL;
	tf = calloc(1, sizeof(*tf));
	if (!tf)
		return -ENOMEM;
	tf->clockid = clockid;
	waitq_init(&tf->wq);
	tf->timer = ktimer_new(timerfd_fire, tf);
	f = tf->timer ? anon_file_new(anon_sb("[timerfd]"), &timerfd_fops, tf,
				      O_RDWR | (flags & O_NONBLOCK)) : NULL;
	if (!f) {
		if (tf->timer)
			ktimer_free(tf->timer);
		free(tf);
		return -ENOMEM;
	}
	return anon_install(t, f, flags & TFD_CLOEXEC);
}

static int timerfd_get(struct task *t, int fd, struct file **out)
{
	struct file *f = fd_get(t->files, fd);

	if (!f)
		return -EBADF;
	if (!file_is_timerfd(f)) {
		file_put(f);
		return -EINVAL;
	}
	*out = f;
	return 0;
}

static void current_value(struct timerfd *tf, struct kitimerspec *its)
{
	uint64_t now = now_mono_ns(), left;

	timerfd_update(tf);
	left = tf->next ? (tf->next > now ? tf->next - now : 1) : 0;
	its->value_sec = (int64_t)(left / NSEC_PER_SEC);
	its->value_nsec = (int64_t)(left % NSEC_PER_SEC);
	its->interval_sec = (int64_t)(tf->interval / NSEC_PER_SEC);
	its->interval_nsec = (int64_t)(tf->interval % NSEC_PER_SEC);
}

static bool ts_valid(int64_t sec, int64_t nsec)
{
	return sec >= 0 && nsec >= 0 && nsec < (int64_t)NSEC_PER_SEC;
}

static uint64_t ts_ns(int64_t sec, int64_t nsec)
{
	if ((uint64_t)sec >= UINT64_MAX / NSEC_PER_SEC / 2)
		return UINT64_MAX / 2;   /* far future */
	return (uint64_t)sec * NSEC_PER_SEC + (uint64_t)nsec;
}

long timerfd_settime_fd(struct task *t, int fd, int flags, uint64_t unew, uint64_t uold)
{
	struct kitimerspec its, old;
	struct timerfd *tf;
	struct file *f;
	uint64_t value, now;
	int err;

	if (flags & ~(TFD_TIMER_ABSTIME | TFD_TIMER_CANCEL_ON_SET))
		return -EINVAL;
	if (copy_from_user(t->mm, &its, unew, sizeof(its)))
		return -EFAULT;
	if (!ts_valid(its.value_sec, its.value_nsec) || !ts_valid(its.interval_sec, its.interval_nsec))
		return -EINVAL;
	err = timerfd_get(t, fd, &f);
	if (err)
		return err;
	tf = f->priv;
	current_value(tf, &old);
	value = ts_ns(its.value_sec, its.value_nsec);
	now = now_mono_ns();
	tf->ticks = 0;
	tf->interval = value ? ts_ns(its.interval_sec, its.interval_nsec) : 0;
	if (!value) {
		tf->next = 0;
	} else if (flags & TFD_TIMER_ABSTIME) {
		uint64_t base = tf->clockid == CLOCK_REALTIME ? now_real_ns() : now;

		/* An absolute time in the past expires at once. */
		tf->next = value > base ? now + (value - base) : now;
		if (!tf->next)
			tf->next = 1;
	} else {
		tf->next = now + value;
	}
	ktimer_arm(tf->timer, tf->next, 0);
	file_put(f);
	if (uold && copy_to_user(t->mm, uold, &old, sizeof(old)))
		return -EFAULT;
	return 0;
}

long timerfd_gettime_fd(struct task *t, int fd, uint64_t ucur)
{
	struct kitimerspec cur;
	struct file *f;
	int err = timerfd_get(t, fd, &f);

	if (err)
		return err;
	current_value(f->priv, &cur);
	file_put(f);
	return copy_to_user(t->mm, ucur, &cur, sizeof(cur)) ? -EFAULT : 0;
}
