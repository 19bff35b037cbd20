/*
 * POSIX timers (timer_create/settime/gettime/getoverrun/delete), like
 * kernel/time/posix-timers.c and posix-cpu-timers.c.
 *
 * A timer keeps its schedule (`deadline`, `interval`) in its clock's domain:
 * CLOCK_MONOTONIC ns for the wall clocks (an absolute CLOCK_REALTIME/TAI/
 * BOOTTIME time is converted when set: the sandbox never sets a clock), CPU
 * ns for the CPU clocks. A kernel timer (timer.h) fires at the deadline;
 * missed periods are counted from the schedule, never queued.
 *
 * Signals and overruns, like Linux: an expiry queues the timer's SI_TIMER
 * signal and a periodic timer then waits ("requeue pending") until the
 * signal is dequeued (signal_dequeue calls posix_timer_dequeued): there the
 * schedule is forwarded past now, the periods missed meanwhile become
 * si_overrun and timer_getoverrun's value, and the timer is re-armed. A
 * sequence number in the queued siginfo (cleared before the guest sees it)
 * tells a signal of an older setting, which changes nothing. If the signal
 * could not be queued (ignored, thread gone), the timer re-arms at once.
 *
 * CPU clocks use the sentry's accounting (utime_ns: time in guest code,
 * updated whenever a thread comes back to the kernel). The kernel timer
 * polls: when the deadline may have passed, the threads are interrupted so
 * their accounting is current, and the timer looks again 1 ms later.
 */
#include <errno.h>
#include <limits.h>
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <sys/resource.h>
#include "sentry/cred.h"
#include "sentry/kernel.h"
#include "sentry/list.h"
#include "sentry/posix_timer.h"
#include "sentry/signal.h"
#include "sentry/task.h"
#include "sentry/timer.h"
#include "platform/platform.h"

#define KSI_TIMER       (-2)
#define TIMERS_HARD_MAX 65536            /* per uid, whatever RLIMIT_SIGPENDING says */
#define CPU_POLL_NS     1000000ULL       /* re-check after refreshing accounting */
#define MIN_REARM_NS    100000ULL        /* a tiny interval fires at most every 100 us */
#define NSEC            1000000000ULL

struct ptimer {
	struct list_head link;          /* in ptimers.list */
	int id;
	struct thread_group *tg;
	int clk;
	bool cpu;                       /* CPU clock: deadline in CPU ns */
	int cpu_tid;                    /* CLOCK_THREAD_CPUTIME_ID: the thread measured */
	int notify, signo, target_tid;
	uint64_t value;                 /* sigev_value */
	uint32_t uid;                   /* creator's real uid (limit) */
	struct ktimer *kt;
	uint64_t deadline, interval;    /* deadline 0: disarmed */
	bool refreshed;                 /* CPU poll: accounting was just refreshed */
	bool sig_queued;                /* a signal of this setting waits to be dequeued */
	uint32_t seq;                   /* setting number, carried by the siginfo */
	int overrun_last;               /* timer_getoverrun */
};

struct ptimers {
	struct list_head list;
	int next_id;
	int count;
};

static struct ptimers *timers_of(struct thread_group *tg, bool create)
{
	struct ptimers *pt = tg->posix_timers;

	if (!pt && create && (pt = calloc(1, sizeof(*pt))))
		list_init(&pt->list);
	tg->posix_timers = pt;
	return pt;
}

static struct ptimer *find_timer(struct thread_group *tg, int id)
{
	struct ptimers *pt = tg->posix_timers;
	struct list_head *pos;

	if (!pt)
		return NULL;
	list_for_each(pos, &pt->list) {
		struct ptimer *p = list_entry(pos, struct ptimer, link);
		if (p->id == id)
			return p;
	}
	return NULL;
}

/* ---- clocks ------------------------------------------------------------ */

static uint64_t host_clock_ns(clockid_t c)
{
	struct timespec ts;

	clock_gettime(c, &ts);
	return (uint64_t)ts.tv_sec * NSEC + (uint64_t)ts.tv_nsec;
}

/* The host clock a wall-clock timer's absolute times are read on. */
static clockid_t wall_base(int clk)
{
	switch (clk) {
	case CLOCK_REALTIME: case CLOCK_REALTIME_ALARM: return CLOCK_REALTIME;
	case CLOCK_TAI: return CLOCK_TAI;
	case CLOCK_BOOTTIME: case CLOCK_BOOTTIME_ALARM: return CLOCK_BOOTTIME;
	default: return CLOCK_MONOTONIC;
	}
}

static struct task *cpu_thread(struct ptimer *p)
{
	struct task *t = task_lookup(p->cpu_tid);

	return t && t->tg == p->tg ? t : NULL;
}

/* CPU time of the timer's clock; false when the thread measured is gone. */
static bool cpu_now(struct ptimer *p, uint64_t *ns)
{
	struct list_head *pos;

	if (p->clk == CLOCK_THREAD_CPUTIME_ID) {
		struct task *t = cpu_thread(p);
		if (!t)
			return false;
		*ns = t->utime_ns + t->stime_ns;
		return true;
	}
	*ns = 0;
	list_for_each(pos, &p->tg->tasks) {
		struct task *m = list_entry(pos, struct task, tg_link);
		*ns += m->utime_ns + m->stime_ns;
	}
	return true;
}

/* Now in the timer's schedule domain (mono ns or CPU ns). */
static bool sched_now(struct ptimer *p, uint64_t *ns)
{
	if (p->cpu)
		return cpu_now(p, ns);
	*ns = now_mono_ns();
	return true;
}

/* ---- expiry -------------------------------------------------------------- */

#define SEQ_OFF 16   /* siginfo bytes after the timer fields: our sequence number */

static struct task *signal_target(struct ptimer *p, bool *ok)
{
	*ok = true;
	if (p->notify == KSIGEV_THREAD_ID) {
		struct task *t = task_lookup(p->target_tid);
		if (!t || t->tg != p->tg || t->state >= TASK_EXITING)
			*ok = false;   /* the thread is gone: the signal is lost, like Linux */
		return t;
	}
	return NULL;
}

static bool signal_queued(struct ptimer *p, struct task *target)
{
	struct sigpending *q = target ? &target->pending : &p->tg->shared_pending;
	struct list_head *pos;

	list_for_each(pos, &q->queue) {
		struct sigqueue *s = list_entry(pos, struct sigqueue, link);
		if (s->info.si_code == KSI_TIMER && s->info.si_signo == p->signo &&
		    s->info.u.timer.tid == p->id)
			return true;
	}
	return false;
}

/* Queue the signal of an expiry; false if it could not be queued. */
static bool send_timer_signal(struct ptimer *p)
{
	struct ksiginfo info;
	struct task *target;
	bool ok;

	target = signal_target(p, &ok);
	if (!ok)
		return false;
	memset(&info, 0, sizeof(info));
	info.si_signo = p->signo;
	info.si_code = KSI_TIMER;
	info.u.timer.tid = p->id;
	info.u.timer.value = p->value;
	memcpy(info.u.raw + SEQ_OFF, &p->seq, sizeof(p->seq));
	if ((target ? send_signal_thread(target, &info) : send_signal_group(p->tg, &info)) != 0)
		return false;
	return signal_queued(p, target);
}

static void arm_kt(struct ptimer *p, uint64_t at_mono)
{
	uint64_t min = now_mono_ns() + MIN_REARM_NS;

	ktimer_arm(p->kt, at_mono < min && p->interval ? min : (at_mono ? at_mono : 1), 0);
}

/* Mono time at which a CPU deadline might be reached (all threads busy). */
static void arm_cpu_poll(struct ptimer *p, uint64_t now_cpu)
{
	uint64_t left = p->deadline > now_cpu ? p->deadline - now_cpu : 0;
	uint64_t n = p->clk == CLOCK_THREAD_CPUTIME_ID ? 1 : (uint64_t)(p->tg->nr_live ? p->tg->nr_live : 1);

	if (left / n < CPU_POLL_NS)
		left = CPU_POLL_NS * n;
	ktimer_arm(p->kt, now_mono_ns() + left / n, 0);
}

static void rearm(struct ptimer *p, uint64_t now)
{
	if (p->cpu)
		arm_cpu_poll(p, now);
	else
		arm_kt(p, p->deadline);
}

/* Move a periodic schedule past now; returns the periods skipped. */
static uint64_t forward(struct ptimer *p, uint64_t now)
{
	uint64_t n;

	if (p->deadline > now)
		return 0;
	n = (now - p->deadline) / p->interval + 1;
	p->deadline += n * p->interval;
	return n;
}

static void interrupt_threads(struct ptimer *p)
{
	struct list_head *pos;

	list_for_each(pos, &p->tg->tasks) {
		struct task *m = list_entry(pos, struct task, tg_link);
		if (m->state >= TASK_EXITING || !m->ctx)
			continue;
		if (p->clk == CLOCK_THREAD_CPUTIME_ID && m->tid != p->cpu_tid)
			continue;
		platform->ctx_interrupt(m->ctx);
	}
}

static void timer_fire(struct ktimer *kt, void *arg)
{
	struct ptimer *p = arg;
	uint64_t now;

	if (!p->deadline || p->sig_queued)
		return;
	if (!sched_now(p, &now)) {
		p->deadline = 0;   /* the thread measured is gone */
		return;
	}
	if (now < p->deadline) {
		if (!p->cpu) {
			arm_kt(p, p->deadline);
		} else if (!p->refreshed) {
			/* Accounting lags while threads run guest code: refresh it. */
			p->refreshed = true;
			interrupt_threads(p);
			ktimer_arm(p->kt, now_mono_ns() + CPU_POLL_NS, 0);
		} else {
			p->refreshed = false;
			arm_cpu_poll(p, now);
		}
		return;
	}
	p->refreshed = false;
	if (send_timer_signal(p)) {
		p->sig_queued = true;   /* periodic: re-armed when it is dequeued */
		if (!p->interval)
			p->deadline = 0;
		return;
	}
	if (!p->interval) {
		p->deadline = 0;
		return;
	}
	forward(p, now);
	rearm(p, now);
}

void posix_timer_dequeued(struct task *t, struct ksiginfo *info)
{
	struct ptimer *p = find_timer(t->tg, info->u.timer.tid);
	uint32_t seq;
	uint64_t now, n;

	memcpy(&seq, info->u.raw + SEQ_OFF, sizeof(seq));
	memset(info->u.raw + SEQ_OFF, 0, sizeof(seq));
	if (!p || !p->sig_queued || seq != p->seq)
		return;   /* deleted, or set again since: nothing to re-arm */
	p->sig_queued = false;
	if (!p->interval || !p->deadline || !sched_now(p, &now))
		return;
	n = forward(p, now);
	p->overrun_last = n > (uint64_t)INT_MAX + 1 ? INT_MAX : (int)(n ? n - 1 : 0);
	info->u.timer.overrun = p->overrun_last;
	rearm(p, now);
}

/* ---- syscall backends ------------------------------------------------- */

static int check_clock(struct task *t, int clk, bool *cpu)
{
	*cpu = false;
	switch (clk) {
	case CLOCK_REALTIME: case CLOCK_MONOTONIC: case CLOCK_BOOTTIME: case CLOCK_TAI:
		return 0;
	case CLOCK_PROCESS_CPUTIME_ID: case CLOCK_THREAD_CPUTIME_ID:
		*cpu = true;
		return 0;
	case CLOCK_REALTIME_ALARM: case CLOCK_BOOTTIME_ALARM:
		/* The sandbox never suspends: with the capability they are their base clocks. */
		return cred_has_cap(&t->cred, CAP_WAKE_ALARM) ? 0 : -EPERM;
	case CLOCK_MONOTONIC_RAW: case CLOCK_REALTIME_COARSE: case CLOCK_MONOTONIC_COARSE:
		return -EOPNOTSUPP;   /* valid clocks without timers */
	default:
		return -EINVAL;       /* includes per-pid CPU clocks and fd clocks (negative ids) */
	}
}

/* good_sigevent() */
static int check_event(struct task *t, const struct ksigevent *ev)
{
	switch (ev->notify) {
	case KSIGEV_THREAD_ID: {
		struct task *o = task_lookup(ev->tid);
		if (!o || o->tg != t->tg)
			return -EINVAL;
	}
		/* fallthrough */
	case KSIGEV_SIGNAL:
	case KSIGEV_THREAD:
		if (ev->signo <= 0 || ev->signo > KSIG_MAX)
			return -EINVAL;
		/* fallthrough */
	case KSIGEV_NONE:
		return 0;
	default:
		return -EINVAL;
	}
}

/* Timers of uid in the sandbox (each holds a preallocated siginfo in Linux,
 * charged against RLIMIT_SIGPENDING). */
static uint64_t timers_of_uid(uint32_t uid)
{
	struct list_head *pos, *q;
	uint64_t n = 0;

	list_for_each(pos, &kernel.tgs) {
		struct thread_group *tg = list_entry(pos, struct thread_group, all_link);
		struct ptimers *pt = tg->posix_timers;
		if (!pt)
			continue;
		list_for_each(q, &pt->list)
			n += list_entry(q, struct ptimer, link)->uid == uid;
	}
	return n;
}

long posix_timer_create(struct task *t, int clk, const struct ksigevent *ev)
{
	struct ptimers *pt;
	struct ptimer *p;
	bool cpu;
	int err = check_clock(t, clk, &cpu);

	if (err)
		return err;
	if (ev && (err = check_event(t, ev)))
		return err;
	uint64_t n = timers_of_uid(t->cred.uid);
	if (n >= TIMERS_HARD_MAX || n >= t->tg->rlimits[RLIMIT_SIGPENDING].rlim_cur)
		return -EAGAIN;
	if (!(pt = timers_of(t->tg, true)) || !(p = calloc(1, sizeof(*p))))
		return -EAGAIN;
	if (!(p->kt = ktimer_new(timer_fire, p))) {
		free(p);
		return -EAGAIN;
	}
	/* Ids count up from 0 per process, skipping ones in use (INT_MAX wraps). */
	do {
		p->id = pt->next_id;
		pt->next_id = pt->next_id == INT_MAX ? 0 : pt->next_id + 1;
	} while (find_timer(t->tg, p->id));
	p->tg = t->tg;
	p->clk = clk;
	p->cpu = cpu;
	p->cpu_tid = t->tid;
	p->uid = t->cred.uid;
	if (ev) {
		p->notify = ev->notify == KSIGEV_THREAD ? KSIGEV_SIGNAL : ev->notify;
		p->signo = ev->signo;
		p->value = ev->value;
		p->target_tid = ev->tid;
	} else {
		p->notify = KSIGEV_SIGNAL;
		p->signo = SIGALRM;
		p->value = (uint64_t)p->id;
	}
	list_add_tail(&p->link, &pt->list);
	pt->count++;
	return p->id;
}

static void get_setting(struct ptimer *p, uint64_t *value, uint64_t *interval)
{
	uint64_t now;

	*interval = p->interval;
	*value = 0;
	if (!p->deadline || !sched_now(p, &now))
		return;
	if (p->deadline > now)
		*value = p->deadline - now;
	else if (p->interval)
		*value = p->interval - (now - p->deadline) % p->interval;
	else if (p->notify != KSIGEV_NONE)
		*value = 1;   /* expired, signal not sent yet (Linux reports 1 ns) */
}

long posix_timer_set(struct task *t, int id, int abs, uint64_t value, uint64_t interval,
		     uint64_t *ovalue, uint64_t *ointerval)
{
	struct ptimer *p = find_timer(t->tg, id);
	uint64_t now;

	if (!p)
		return -EINVAL;
	get_setting(p, ovalue, ointerval);
	ktimer_arm(p->kt, 0, 0);
	p->deadline = 0;
	p->interval = 0;
	p->refreshed = false;
	p->overrun_last = 0;
	p->sig_queued = false;   /* a signal still queued belongs to the old setting */
	p->seq++;
	if (!value)
		return 0;
	if (!sched_now(p, &now))
		return 0;
	p->interval = interval;
	if (!abs) {
		p->deadline = now + value;
	} else if (p->cpu) {
		p->deadline = value;
	} else {
		uint64_t base = host_clock_ns(wall_base(p->clk));
		p->deadline = now + (value > base ? value - base : 0);
	}
	if (!p->deadline)
		p->deadline = 1;
	if (p->notify == KSIGEV_NONE)
		return 0;   /* nothing to do at expiry: gettime reads the schedule */
	if (p->cpu)
		ktimer_arm(p->kt, now_mono_ns(), 0);   /* first poll right away */
	else
		ktimer_arm(p->kt, p->deadline, 0);
	return 0;
}

long posix_timer_get(struct task *t, int id, uint64_t *value, uint64_t *interval)
{
	struct ptimer *p = find_timer(t->tg, id);

	if (!p)
		return -EINVAL;
	get_setting(p, value, interval);
	return 0;
}

long posix_timer_getoverrun(struct task *t, int id)
{
	struct ptimer *p = find_timer(t->tg, id);

	return p ? p->overrun_last : -EINVAL;
}

static void free_timer(struct ptimers *pt, struct ptimer *p)
{
	list_del(&p->link);
	pt->count--;
	ktimer_free(p->kt);
	free(p);
}

long posix_timer_delete(struct task *t, int id)
{
	struct ptimer *p = find_timer(t->tg, id);

	if (!p)
		return -EINVAL;
	free_timer(t->tg->posix_timers, p);
	return 0;
}

void posix_timers_delete_all(struct thread_group *tg)
{
	struct ptimers *pt = tg->posix_timers;

	if (!pt)
		return;
	while (!list_empty(&pt->list))
		free_timer(pt, list_entry(pt->list.next, struct ptimer, link));
	free(pt);
	tg->posix_timers = NULL;
}
