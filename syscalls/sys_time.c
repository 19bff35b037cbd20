/* Time syscalls: clocks, sleeps, alarm/itimers, process times.
 *
 * Clock values come from the sentry's own host clocks (reading a clock is
 * not a syscall passthrough). Sleeps are task_sleep() on a CLOCK_MONOTONIC
 * deadline; interrupted relative sleeps restart through t->restart from the
 * absolute deadline, like Linux's hrtimer_nanosleep_restart.
 * ITIMER_VIRTUAL / ITIMER_PROF are stored and reported but never fire. */
#include <errno.h>
#include <signal.h>
#include <string.h>
#include <time.h>
#include <sys/resource.h>
#include <sys/time.h>
#include <sys/times.h>
#include "sentry/kernel.h"
#include "sentry/list.h"
#include "sentry/mm.h"
#include "sentry/signal.h"
#include "sentry/task.h"
#include "sentry/timer.h"
#include "syscalls/syscall.h"

#define NSEC 1000000000ULL
#define MAX_SLEEP_NS (NSEC * 86400ULL * 365 * 1000)   /* clamp absurd sleeps */
#define TICK_NS (NSEC / 100)                           /* USER_HZ 100 */

static uint64_t host_ns(clockid_t id)
{
	struct timespec ts;

	clock_gettime(id, &ts);
	return (uint64_t)ts.tv_sec * NSEC + (uint64_t)ts.tv_nsec;
}

static uint64_t task_cpu_ns(const struct task *t)
{
	return t->utime_ns + t->stime_ns;
}

static void tg_cpu_ns(const struct thread_group *tg, uint64_t *user, uint64_t *sys)
{
	struct list_head *pos;

	*user = *sys = 0;
	list_for_each(pos, &tg->tasks) {
		const struct task *m = list_entry(pos, struct task, tg_link);

		*user += m->utime_ns;
		*sys += m->stime_ns;
	}
}

/* Guest clock -> host clock for the clocks the host serves. */
static int host_clock(int clk, clockid_t *out)
{
	switch (clk) {
	case CLOCK_REALTIME: case CLOCK_MONOTONIC: case CLOCK_MONOTONIC_RAW:
	case CLOCK_REALTIME_COARSE: case CLOCK_MONOTONIC_COARSE: case CLOCK_BOOTTIME:
	case CLOCK_TAI:
		*out = clk;
		return 0;
	case CLOCK_REALTIME_ALARM:
		*out = CLOCK_REALTIME;
		return 0;
	case CLOCK_BOOTTIME_ALARM:
		*out = CLOCK_BOOTTIME;
		return 0;
	}
	return -EINVAL;
}

static int clock_now(struct task *t, int clk, uint64_t *ns)
{
	clockid_t h;
	uint64_t u, s;

	if (clk == CLOCK_PROCESS_CPUTIME_ID) {
		tg_cpu_ns(t->tg, &u, &s);
		*ns = u + s;
		return 0;
	}
	if (clk == CLOCK_THREAD_CPUTIME_ID) {
		*ns = task_cpu_ns(t);
		return 0;
	}
	if (host_clock(clk, &h))
		return -EINVAL;   /* includes per-pid CPU clocks (negative ids): not supported */
	*ns = host_ns(h);
	return 0;
}

static struct timespec ns_to_ts(uint64_t ns)
{
	return (struct timespec){ .tv_sec = (time_t)(ns / NSEC), .tv_nsec = (long)(ns % NSEC) };
}

static int get_ts(struct task *t, uint64_t uaddr, uint64_t *ns)
{
	struct timespec ts;

	if (copy_from_user(t->mm, &ts, uaddr, sizeof(ts)))
		return -EFAULT;
	if (ts.tv_sec < 0 || ts.tv_nsec < 0 || ts.tv_nsec >= (long)NSEC)
		return -EINVAL;
	*ns = (uint64_t)ts.tv_sec >= MAX_SLEEP_NS / NSEC ? MAX_SLEEP_NS
						       : (uint64_t)ts.tv_sec * NSEC + (uint64_t)ts.tv_nsec;
	return 0;
}

static long put_ts(struct task *t, uint64_t uaddr, uint64_t ns)
{
	struct timespec ts = ns_to_ts(ns);

	return copy_to_user(t->mm, uaddr, &ts, sizeof(ts)) ? -EFAULT : 0;
}

long sys_clock_gettime(struct task *t, const struct syscall_args *a)
{
	uint64_t ns;
	int err = clock_now(t, (int)a->a[0], &ns);

	return err ? err : put_ts(t, a->a[1], ns);
}

long sys_clock_getres(struct task *t, const struct syscall_args *a)
{
	int clk = (int)a->a[0];
	struct timespec res = { 0, 1 };
	clockid_t h;

	if (clk != CLOCK_PROCESS_CPUTIME_ID && clk != CLOCK_THREAD_CPUTIME_ID) {
		if (host_clock(clk, &h))
			return -EINVAL;
		clock_getres(h, &res);
	}
	if (a->a[1] && copy_to_user(t->mm, a->a[1], &res, sizeof(res)))
		return -EFAULT;
	return 0;
}

long sys_gettimeofday(struct task *t, const struct syscall_args *a)
{
	uint64_t ns = host_ns(CLOCK_REALTIME);
	struct timeval tv = { .tv_sec = (time_t)(ns / NSEC), .tv_usec = (long)(ns % NSEC / 1000) };
	struct timezone tz = { 0, 0 };

	if (a->a[0] && copy_to_user(t->mm, a->a[0], &tv, sizeof(tv)))
		return -EFAULT;
	if (a->a[1] && copy_to_user(t->mm, a->a[1], &tz, sizeof(tz)))
		return -EFAULT;
	return 0;
}

long sys_time(struct task *t, const struct syscall_args *a)
{
	int64_t now = (int64_t)(host_ns(CLOCK_REALTIME) / NSEC);

	if (a->a[0] && copy_to_user(t->mm, a->a[0], &now, sizeof(now)))
		return -EFAULT;
	return now;
}

/* ---- sleeping --------------------------------------------------------------- */

/* Sleep until the monotonic deadline. On a signal, a relative sleep writes
 * the remaining time to rem and restarts from the same deadline; an
 * absolute one is simply re-issued (-ERESTARTNOHAND). */
static long sleep_until(struct task *t, uint64_t deadline, uint64_t rem, bool absolute);

static long sleep_restart(struct task *t, struct restart_block *rb)
{
	return sleep_until(t, rb->args[0], rb->args[1], false);
}

static long sleep_until(struct task *t, uint64_t deadline, uint64_t rem, bool absolute)
{
	for (;;) {
		int err = task_sleep(t, deadline);
		uint64_t now = now_mono_ns();

		if (err == -ETIMEDOUT || (!err && now >= deadline))
			return 0;
		if (err != -EINTR)
			continue;   /* spurious wake-up */
		if (absolute)
			return -ERESTARTNOHAND;
		if (rem && put_ts(t, rem, deadline > now ? deadline - now : 0))
			return -EFAULT;
		t->restart.fn = sleep_restart;
		t->restart.args[0] = deadline;
		t->restart.args[1] = rem;
		return -ERESTART_RESTARTBLOCK;
	}
}

static uint64_t deadline_after(uint64_t ns)
{
	return now_mono_ns() + ns;
}

long sys_nanosleep(struct task *t, const struct syscall_args *a)
{
	uint64_t ns;
	int err = get_ts(t, a->a[0], &ns);

	return err ? err : sleep_until(t, deadline_after(ns), a->a[1], false);
}

long sys_clock_nanosleep(struct task *t, const struct syscall_args *a)
{
	int clk = (int)a->a[0], flags = (int)a->a[1];
	uint64_t ns, now, deadline;
	int err;

	switch (clk) {
	case CLOCK_REALTIME: case CLOCK_MONOTONIC: case CLOCK_BOOTTIME: case CLOCK_TAI:
	case CLOCK_REALTIME_ALARM: case CLOCK_BOOTTIME_ALARM:
		break;
	case CLOCK_THREAD_CPUTIME_ID:
		return -EINVAL;
	case CLOCK_PROCESS_CPUTIME_ID: case CLOCK_MONOTONIC_RAW:
	case CLOCK_REALTIME_COARSE: case CLOCK_MONOTONIC_COARSE:
		return -EOPNOTSUPP;
	default:
		return -EINVAL;
	}
	if (flags & ~TIMER_ABSTIME)
		return -EINVAL;
	err = get_ts(t, a->a[2], &ns);
	if (err)
		return err;
	if (!(flags & TIMER_ABSTIME))
		return sleep_until(t, deadline_after(ns), a->a[3], false);
	/* Absolute: translate the target on clk into a monotonic deadline. */
	if (clock_now(t, clk, &now))
		return -EINVAL;
	deadline = now_mono_ns() + (ns > now ? ns - now : 0);
	return sleep_until(t, deadline, 0, true);
}

/* ---- alarm / itimers ---------------------------------------------------------- */

static void itimer_real_fire(struct ktimer *tm, void *arg)
{
	struct thread_group *tg = arg;
	struct ksiginfo info;

	memset(&info, 0, sizeof(info));
	info.si_signo = SIGALRM;
	info.si_code = SI_KERNEL;
	if (!tg->itimer_real_interval_ns)
		tg->itimer_real_deadline_ns = 0;
	else
		tg->itimer_real_deadline_ns = now_mono_ns() + ktimer_remaining(tm);
	send_signal_group(tg, &info);
}

static void itimer_get(struct thread_group *tg, int which, uint64_t *value, uint64_t *interval)
{
	if (which == ITIMER_REAL) {
		*value = tg->itimer_real_timer ? ktimer_remaining(tg->itimer_real_timer) : 0;
		*interval = tg->itimer_real_interval_ns;
	} else {
		*value = tg->itimer_cpu_ns[which - 1][0];
		*interval = tg->itimer_cpu_ns[which - 1][1];
	}
}

static int itimer_set(struct thread_group *tg, int which, uint64_t value, uint64_t interval)
{
	if (which != ITIMER_REAL) {
		tg->itimer_cpu_ns[which - 1][0] = value;
		tg->itimer_cpu_ns[which - 1][1] = value ? interval : 0;
		return 0;
	}
	if (!tg->itimer_real_timer) {
		if (!value)
			return 0;
		tg->itimer_real_timer = ktimer_new(itimer_real_fire, tg);
		if (!tg->itimer_real_timer)
			return -ENOMEM;
	}
	tg->itimer_real_deadline_ns = value ? now_mono_ns() + value : 0;
	tg->itimer_real_interval_ns = value ? interval : 0;
	ktimer_arm(tg->itimer_real_timer, tg->itimer_real_deadline_ns, tg->itimer_real_interval_ns);
	return 0;
}

static struct timeval ns_to_tv(uint64_t ns)
{
	return (struct timeval){ .tv_sec = (time_t)(ns / NSEC), .tv_usec = (long)(ns % NSEC / 1000) };
}

static int tv_to_ns(const struct timeval *tv, uint64_t *ns)
{
	if (tv->tv_sec < 0 || tv->tv_usec < 0 || tv->tv_usec >= 1000000)
		return -EINVAL;
	*ns = (uint64_t)tv->tv_sec >= MAX_SLEEP_NS / NSEC ? MAX_SLEEP_NS
						       : (uint64_t)tv->tv_sec * NSEC + (uint64_t)tv->tv_usec * 1000;
	return 0;
}

static long put_itimerval(struct task *t, uint64_t uaddr, uint64_t value, uint64_t interval)
{
	struct itimerval it = { .it_interval = ns_to_tv(interval), .it_value = ns_to_tv(value) };

	/* An armed timer never reads as zero (Linux reports 1us when due). */
	if (value && !it.it_value.tv_sec && !it.it_value.tv_usec)
		it.it_value.tv_usec = 1;
	return copy_to_user(t->mm, uaddr, &it, sizeof(it)) ? -EFAULT : 0;
}

long sys_getitimer(struct task *t, const struct syscall_args *a)
{
	int which = (int)a->a[0];
	uint64_t value, interval;

	if (which < ITIMER_REAL || which > ITIMER_PROF)
		return -EINVAL;
	itimer_get(t->tg, which, &value, &interval);
	return put_itimerval(t, a->a[1], value, interval);
}

long sys_setitimer(struct task *t, const struct syscall_args *a)
{
	int which = (int)a->a[0];
	struct itimerval it = { 0 };
	uint64_t value, interval, ovalue, ointerval;
	int err;

	if (which < ITIMER_REAL || which > ITIMER_PROF)
		return -EINVAL;
	/* A NULL new value disarms, like Linux. */
	if (a->a[1] && copy_from_user(t->mm, &it, a->a[1], sizeof(it)))
		return -EFAULT;
	if ((err = tv_to_ns(&it.it_value, &value)) || (err = tv_to_ns(&it.it_interval, &interval)))
		return err;
	itimer_get(t->tg, which, &ovalue, &ointerval);
	err = itimer_set(t->tg, which, value, interval);
	if (err)
		return err;
	return a->a[2] ? put_itimerval(t, a->a[2], ovalue, ointerval) : 0;
}

long sys_alarm(struct task *t, const struct syscall_args *a)
{
	uint64_t ovalue, ointerval, secs = (uint32_t)a->a[0];
	int err;

	itimer_get(t->tg, ITIMER_REAL, &ovalue, &ointerval);
	err = itimer_set(t->tg, ITIMER_REAL, secs * NSEC, 0);
	if (err)
		return err;
	/* Remaining seconds, rounded to nearest; never 0 for an armed timer. */
	if (!ovalue)
		return 0;
	return ovalue < NSEC ? 1 : (long)((ovalue + NSEC / 2) / NSEC);
}

/* ---- process times -------------------------------------------------------------- */

long sys_times(struct task *t, const struct syscall_args *a)
{
	uint64_t u, s;
	struct tms tms;

	tg_cpu_ns(t->tg, &u, &s);
	tms.tms_utime = (clock_t)(u / TICK_NS);
	tms.tms_stime = (clock_t)(s / TICK_NS);
	tms.tms_cutime = (clock_t)(t->tg->cutime_ns / TICK_NS);
	tms.tms_cstime = (clock_t)(t->tg->cstime_ns / TICK_NS);
	if (a->a[0] && copy_to_user(t->mm, a->a[0], &tms, sizeof(tms)))
		return -EFAULT;
	return (long)((now_mono_ns() - kernel.boot_time_mono_ns) / TICK_NS);
}

long sys_getrusage(struct task *t, const struct syscall_args *a)
{
	int who = (int)a->a[0];
	struct rusage ru;
	uint64_t u, s;

	memset(&ru, 0, sizeof(ru));
	switch (who) {
	case RUSAGE_SELF:
		tg_cpu_ns(t->tg, &u, &s);
		break;
	case RUSAGE_THREAD:
		u = t->utime_ns;
		s = t->stime_ns;
		break;
	case RUSAGE_CHILDREN:
		u = t->tg->cutime_ns;
		s = t->tg->cstime_ns;
		break;
	default:
		return -EINVAL;
	}
	ru.ru_utime = ns_to_tv(u);
	ru.ru_stime = ns_to_tv(s);
	if (who != RUSAGE_CHILDREN && t->mm)
		ru.ru_maxrss = (long)(t->mm->vm_bytes / 1024);   /* mapped, not resident: an upper bound */
	return copy_to_user(t->mm, a->a[1], &ru, sizeof(ru)) ? -EFAULT : 0;
}
