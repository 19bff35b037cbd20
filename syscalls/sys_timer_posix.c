/* POSIX timer syscalls: timer_create, timer_settime, timer_gettime,
 * timer_getoverrun, timer_delete. The timers themselves are in
 * sentry/kernel/posix_timer.c; this file moves the guest structures. */
#include <errno.h>
#include <time.h>
#include "sentry/mm.h"
#include "sentry/posix_timer.h"
#include "sentry/task.h"
#include "syscalls/syscall.h"

#define NSEC 1000000000ULL
#define KTIMER_ABSTIME 1

struct kitimerspec {
	struct timespec interval, value;
};

static int ts_to_ns(const struct timespec *ts, uint64_t *ns)
{
	if (ts->tv_sec < 0 || ts->tv_nsec < 0 || ts->tv_nsec >= (long)NSEC)
		return -EINVAL;
	/* Beyond ~292 years the ns count would overflow: clamp (never reached). */
	*ns = (uint64_t)ts->tv_sec >= UINT64_MAX / NSEC - 1 ? UINT64_MAX / 2
		: (uint64_t)ts->tv_sec * NSEC + (uint64_t)ts->tv_nsec;
	return 0;
}

static struct timespec ns_to_ts(uint64_t ns)
{
	return (struct timespec){ .tv_sec = (time_t)(ns / NSEC), .tv_nsec = (long)(ns % NSEC) };
}

static long put_itimerspec(struct task *t, uint64_t uaddr, uint64_t value, uint64_t interval)
{
	struct kitimerspec its = { ns_to_ts(interval), ns_to_ts(value) };

	return copy_to_user(t->mm, uaddr, &its, sizeof(its)) ? -EFAULT : 0;
}

long sys_timer_create(struct task *t, const struct syscall_args *a)
{
	struct ksigevent ev;
	long id;

	if (a->a[1] && copy_from_user(t->mm, &ev, a->a[1], sizeof(ev)))
		return -EFAULT;
	id = posix_timer_create(t, (int)a->a[0], a->a[1] ? &ev : NULL);
	if (id < 0)
		return id;
	int32_t id32 = (int32_t)id;   /* the kernel's timer_t is an int */
	if (copy_to_user(t->mm, a->a[2], &id32, sizeof(id32))) {
		posix_timer_delete(t, (int)id);
		return -EFAULT;
	}
	return 0;
}

long sys_timer_settime(struct task *t, const struct syscall_args *a)
{
	struct kitimerspec its;
	uint64_t value, interval, ovalue, ointerval;
	long err;

	if (!a->a[2])
		return -EINVAL;
	if (copy_from_user(t->mm, &its, a->a[2], sizeof(its)))
		return -EFAULT;
	if (ts_to_ns(&its.value, &value) || ts_to_ns(&its.interval, &interval))
		return -EINVAL;
	err = posix_timer_set(t, (int)a->a[0], (a->a[1] & KTIMER_ABSTIME) != 0, value,
			      value ? interval : 0, &ovalue, &ointerval);
	if (err)
		return err;
	return a->a[3] ? put_itimerspec(t, a->a[3], ovalue, ointerval) : 0;
}

long sys_timer_gettime(struct task *t, const struct syscall_args *a)
{
	uint64_t value, interval;
	long err = posix_timer_get(t, (int)a->a[0], &value, &interval);

	return err ? err : put_itimerspec(t, a->a[1], value, interval);
}

long sys_timer_getoverrun(struct task *t, const struct syscall_args *a)
{
	return posix_timer_getoverrun(t, (int)a->a[0]);
}

long sys_timer_delete(struct task *t, const struct syscall_args *a)
{
	return posix_timer_delete(t, (int)a->a[0]);
}
