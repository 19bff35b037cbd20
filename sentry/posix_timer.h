/*
 * POSIX per-process timers (timer_create & co., kernel/time/posix-timers.c).
 * A thread group owns its timers (tg->posix_timers); they fire through the
 * kernel timer thread (timer.h) and queue an SI_TIMER signal. See
 * docs/signals.md "POSIX timers".
 */
#ifndef CVISOR_POSIX_TIMER_H
#define CVISOR_POSIX_TIMER_H
#include <stdint.h>
#include "signal_types.h"

struct task;
struct thread_group;

/* sigevent as the kernel reads it (x86-64, 64 bytes). */
struct ksigevent {
	uint64_t value;
	int32_t signo;
	int32_t notify;
	int32_t tid;            /* SIGEV_THREAD_ID */
	int32_t pad[11];
};
_Static_assert(sizeof(struct ksigevent) == 64, "sigevent layout");

#define KSIGEV_SIGNAL    0
#define KSIGEV_NONE      1
#define KSIGEV_THREAD    2
#define KSIGEV_THREAD_ID 4

/* Create a timer of t's group on clock clk; ev NULL = SIGEV_SIGNAL with
 * SIGALRM and the timer id as value. Returns the id or -errno. */
long posix_timer_create(struct task *t, int clk, const struct ksigevent *ev);
/* Arm (value 0 disarms); abs: value is a time of the timer's clock.
 * The old setting goes to *ovalue and *ointerval. 0 or -EINVAL (no such id). */
long posix_timer_set(struct task *t, int id, int abs, uint64_t value, uint64_t interval,
		     uint64_t *ovalue, uint64_t *ointerval);
long posix_timer_get(struct task *t, int id, uint64_t *value, uint64_t *interval);
long posix_timer_getoverrun(struct task *t, int id);
long posix_timer_delete(struct task *t, int id);
/* Delete every timer of tg (exec, death of the group). */
void posix_timers_delete_all(struct thread_group *tg);

/* signal_dequeue took info off a queue of t: for an SI_TIMER signal, the
 * timer's overrun goes into info and a periodic timer re-arms. Weak so that
 * the signal code links without the timers (unit tests). */
void posix_timer_dequeued(struct task *t, struct ksiginfo *info) __attribute__((weak));
static inline void posix_timer_collected(struct task *t, struct ksiginfo *info)
{
	if (posix_timer_dequeued && info->si_code == -2 /* SI_TIMER */)
		posix_timer_dequeued(t, info);
}

#endif
