/*
 * Kernel timers: one sentry pthread keeps armed timers in a deadline-sorted
 * list and sleeps on a CLOCK_MONOTONIC condvar until the earliest expires.
 *
 * Locking: the ktimer_* API is called with the kernel lock held. The list
 * itself is guarded by timer_lock so the thread can wait without the kernel
 * lock; the thread takes the kernel lock *before* timer_lock (same order as
 * the API), then pops and fires expired timers one at a time with only the
 * kernel lock held. Because freeing or re-arming also needs the kernel lock,
 * a popped timer cannot vanish before its callback runs, and a callback may
 * re-arm or free its own timer.
 */
#include <errno.h>
#include <pthread.h>
#include <stdlib.h>
#include <time.h>
#include "sentry/kernel.h"
#include "sentry/list.h"
#include "sentry/log.h"
#include "sentry/timer.h"

struct ktimer {
	struct list_head link;   /* in armed, when armed */
	bool armed;
	uint64_t deadline_ns, interval_ns;
	ktimer_fn fn;
	void *arg;
};

static pthread_mutex_t timer_lock = PTHREAD_MUTEX_INITIALIZER;
static pthread_cond_t timer_cond;
static struct list_head armed = LIST_HEAD_INIT(armed);
static bool started;

static uint64_t mono_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000000000ULL + (uint64_t)ts.tv_nsec;
}

/* Insert in deadline order; caller holds timer_lock. */
static void insert_locked(struct ktimer *tm)
{
	struct list_head *pos;

	list_for_each(pos, &armed)
		if (list_entry(pos, struct ktimer, link)->deadline_ns > tm->deadline_ns)
			break;
	list_add_tail(&tm->link, pos);
	tm->armed = true;
}

static void remove_locked(struct ktimer *tm)
{
	if (tm->armed) {
		list_del(&tm->link);
		tm->armed = false;
	}
}

/* Pop the earliest timer if it has expired, re-arming periodic ones
 * (missed periods are dropped, not queued). */
static struct ktimer *pop_expired(uint64_t now)
{
	struct ktimer *tm;

	pthread_mutex_lock(&timer_lock);
	if (list_empty(&armed)) {
		pthread_mutex_unlock(&timer_lock);
		return NULL;
	}
	tm = list_entry(armed.next, struct ktimer, link);
	if (tm->deadline_ns > now) {
		tm = NULL;
	} else {
		remove_locked(tm);
		if (tm->interval_ns) {
			tm->deadline_ns += tm->interval_ns;
			if (tm->deadline_ns <= now)
				tm->deadline_ns = now + tm->interval_ns;
			insert_locked(tm);
		}
	}
	pthread_mutex_unlock(&timer_lock);
	return tm;
}

static void *timer_thread(void *unused)
{
	for (;;) {
		struct ktimer *tm;

		pthread_mutex_lock(&timer_lock);
		for (;;) {
			uint64_t now = mono_ns(), next;
			struct timespec ts;

			if (!list_empty(&armed) &&
			    list_entry(armed.next, struct ktimer, link)->deadline_ns <= now)
				break;
			if (list_empty(&armed)) {
				pthread_cond_wait(&timer_cond, &timer_lock);
				continue;
			}
			next = list_entry(armed.next, struct ktimer, link)->deadline_ns;
			ts.tv_sec = (time_t)(next / 1000000000ULL);
			ts.tv_nsec = (long)(next % 1000000000ULL);
			pthread_cond_timedwait(&timer_cond, &timer_lock, &ts);
		}
		pthread_mutex_unlock(&timer_lock);

		kernel_lock();
		while ((tm = pop_expired(mono_ns())))
			tm->fn(tm, tm->arg);
		kernel_unlock();
	}
	return NULL;
}

int timers_init(void)
{
	pthread_condattr_t ca;
	pthread_attr_t attr;
	pthread_t th;
	int err;

	if (started)
		return 0;
	pthread_condattr_init(&ca);
	pthread_condattr_setclock(&ca, CLOCK_MONOTONIC);
	pthread_cond_init(&timer_cond, &ca);
	pthread_condattr_destroy(&ca);
	pthread_attr_init(&attr);
	pthread_attr_setdetachstate(&attr, PTHREAD_CREATE_DETACHED);
	err = pthread_create(&th, &attr, timer_thread, NULL);
	pthread_attr_destroy(&attr);
	if (err)
		return -err;
	pthread_setname_np(th, "cvisor-timers");
	started = true;
	return 0;
}

struct ktimer *ktimer_new(ktimer_fn fn, void *arg)
{
	struct ktimer *tm = calloc(1, sizeof(*tm));

	if (!tm)
		return NULL;
	list_init(&tm->link);
	tm->fn = fn;
	tm->arg = arg;
	return tm;
}

void ktimer_arm(struct ktimer *tm, uint64_t deadline_ns, uint64_t interval_ns)
{
	pthread_mutex_lock(&timer_lock);
	remove_locked(tm);
	tm->deadline_ns = deadline_ns;
	tm->interval_ns = deadline_ns ? interval_ns : 0;
	if (deadline_ns) {
		insert_locked(tm);
		/* Wake the thread only when its next deadline changed. */
		if (armed.next == &tm->link)
			pthread_cond_signal(&timer_cond);
	}
	pthread_mutex_unlock(&timer_lock);
}

uint64_t ktimer_remaining(struct ktimer *tm)
{
	uint64_t now = mono_ns(), rem = 0;

	pthread_mutex_lock(&timer_lock);
	if (tm->armed)
		rem = tm->deadline_ns > now ? tm->deadline_ns - now : 1;  /* due, not yet fired */
	pthread_mutex_unlock(&timer_lock);
	return rem;
}

void ktimer_free(struct ktimer *tm)
{
	if (!tm)
		return;
	pthread_mutex_lock(&timer_lock);
	remove_locked(tm);
	pthread_mutex_unlock(&timer_lock);
	free(tm);
}
