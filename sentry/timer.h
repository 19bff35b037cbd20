/* Kernel timers: one sentry thread fires callbacks at CLOCK_MONOTONIC
 * deadlines, with the kernel lock held (alarm/setitimer/timer_create,
 * timed sleeps need none: task_sleep takes a deadline). */
#ifndef CVISOR_TIMER_H
#define CVISOR_TIMER_H
#include <stdint.h>

struct ktimer;
typedef void (*ktimer_fn)(struct ktimer *tm, void *arg);

int timers_init(void);
struct ktimer *ktimer_new(ktimer_fn fn, void *arg);
/* Arm to fire at deadline_ns (0 disarms); interval_ns re-arms periodically. */
void ktimer_arm(struct ktimer *tm, uint64_t deadline_ns, uint64_t interval_ns);
uint64_t ktimer_remaining(struct ktimer *tm);   /* ns until expiry, 0 if disarmed */
void ktimer_free(struct ktimer *tm);

#endif
