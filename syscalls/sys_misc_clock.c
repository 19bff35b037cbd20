/*
 * adjtimex / clock_adjtime / settimeofday / clock_settime. The sandbox
 * never changes the host's clock, so every request that would set
 * something fails with EPERM, with CAP_SYS_TIME too (after the argument
 * checks Linux makes first). Reading (modes 0, ADJ_OFFSET_SS_READ) reports
 * a clock that NTP does not discipline: STA_UNSYNC, TIME_ERROR, the
 * defaults of an undisciplined Linux kernel, and the current time.
 */
#include <errno.h>
#include <string.h>
#include <sys/time.h>
#include <sys/timex.h>
#include <time.h>
#include "sentry/cred.h"
#include "sentry/mm.h"
#include "sentry/task.h"
#include "syscalls/syscall.h"

#define USER_HZ 100
#define KADJ_ADJTIME 0x8000
#define KADJ_SINGLESHOT 0x0001
#define KADJ_SS_READ 0x2000
#define NTP_MAXERROR 16000000L      /* NTP_PHASE_LIMIT, us */
#define MAXFREQ_SCALED_PPM (500L << 16)
#define KTIME_ERROR 5

static long do_adjtimex(struct task *t, uint64_t ubuf)
{
	struct timex tx;
	uint64_t ns;

	if (copy_from_user(t->mm, &tx, ubuf, sizeof(tx)))
		return -EFAULT;
	if (tx.modes & KADJ_ADJTIME) {
		if ((tx.modes & (KADJ_ADJTIME | KADJ_SINGLESHOT)) != (KADJ_ADJTIME | KADJ_SINGLESHOT))
			return -EINVAL;
		if (!(tx.modes & KADJ_SS_READ))
			return -EPERM;   /* an adjtime() offset: never applied */
	} else if (tx.modes) {
		if (!cred_has_cap(&t->cred, CAP_SYS_TIME))
			return -EPERM;
		if ((tx.modes & ADJ_TICK) &&
		    (tx.tick < 900000 / USER_HZ || tx.tick > 1100000 / USER_HZ))
			return -EINVAL;
		return -EPERM;   /* the host clock is not the sandbox's to set */
	}
	ns = now_real_ns();
	tx.offset = 0;
	tx.freq = 0;
	tx.maxerror = NTP_MAXERROR;
	tx.esterror = NTP_MAXERROR;
	tx.status = STA_UNSYNC;
	tx.constant = 2;
	tx.precision = 1;
	tx.tolerance = MAXFREQ_SCALED_PPM;
	tx.time.tv_sec = (time_t)(ns / 1000000000ULL);
	tx.time.tv_usec = (suseconds_t)(ns % 1000000000ULL / 1000);
	tx.tick = 1000000 / USER_HZ;
	tx.ppsfreq = tx.jitter = tx.stabil = 0;
	tx.shift = 0;
	tx.jitcnt = tx.calcnt = tx.errcnt = tx.stbcnt = 0;
	tx.tai = 0;
	if (copy_to_user(t->mm, ubuf, &tx, sizeof(tx)))
		return -EFAULT;
	return KTIME_ERROR;   /* STA_UNSYNC */
}

long sys_adjtimex(struct task *t, const struct syscall_args *a)
{
	return do_adjtimex(t, a->a[0]);
}

/* Clocks Linux knows, and which of them can be adjusted or set. */
static int clock_kind(int clk)
{
	switch (clk) {
	case CLOCK_REALTIME:
		return 2;   /* adjustable and settable */
	case CLOCK_MONOTONIC: case CLOCK_PROCESS_CPUTIME_ID: case CLOCK_THREAD_CPUTIME_ID:
	case CLOCK_MONOTONIC_RAW: case CLOCK_REALTIME_COARSE: case CLOCK_MONOTONIC_COARSE:
	case CLOCK_BOOTTIME: case CLOCK_REALTIME_ALARM: case CLOCK_BOOTTIME_ALARM: case CLOCK_TAI:
		return 1;   /* valid, neither */
	default:
		return 0;   /* includes CPU and fd clocks of other processes */
	}
}

long sys_clock_adjtime(struct task *t, const struct syscall_args *a)
{
	int kind = clock_kind((int)a->a[0]);

	if (!kind)
		return -EINVAL;
	return kind == 2 ? do_adjtimex(t, a->a[1]) : -EOPNOTSUPP;
}

long sys_settimeofday(struct task *t, const struct syscall_args *a)
{
	struct timeval tv;
	struct timezone tz;

	if (a->a[0]) {
		if (copy_from_user(t->mm, &tv, a->a[0], sizeof(tv)))
			return -EFAULT;
		if (tv.tv_sec < 0 || tv.tv_usec < 0 || tv.tv_usec >= 1000000)
			return -EINVAL;
	}
	if (a->a[1] && copy_from_user(t->mm, &tz, a->a[1], sizeof(tz)))
		return -EFAULT;
	if (!cred_has_cap(&t->cred, CAP_SYS_TIME))
		return -EPERM;
	if (a->a[1] && (tz.tz_minuteswest > 15 * 60 || tz.tz_minuteswest < -15 * 60))
		return -EINVAL;
	return a->a[0] || a->a[1] ? -EPERM : 0;
}

long sys_clock_settime(struct task *t, const struct syscall_args *a)
{
	struct timespec ts;

	if (clock_kind((int)a->a[0]) != 2)
		return -EINVAL;
	if (copy_from_user(t->mm, &ts, a->a[1], sizeof(ts)))
		return -EFAULT;
	if (ts.tv_sec < 0 || ts.tv_nsec < 0 || ts.tv_nsec >= 1000000000L)
		return -EINVAL;
	return -EPERM;   /* with CAP_SYS_TIME too: the sandbox never sets the clock */
}
