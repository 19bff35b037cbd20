/*
 * Wait queues: an object (pipe, futex, child-exit...) keeps a list of tasks
 * waiting on it; wake-ups call task_wake() on each. Waiters add themselves
 * before re-checking their condition and sleeping, so no wake-up is lost.
 *
 *	struct waiter w;
 *	waitq_add(&obj->wq, &w, t);
 *	while (!condition) {
 *		int err = task_sleep(t, deadline);
 *		if (err) { waitq_remove(&w); return err == -EINTR ? -ERESTARTSYS : -ETIMEDOUT; }
 *	}
 *	waitq_remove(&w);
 */
#ifndef CVISOR_WAITQ_H
#define CVISOR_WAITQ_H
#include <stdint.h>
#include <stdbool.h>
#include "list.h"

struct task;

struct waitq {
	struct list_head waiters;
};

struct waiter {
	struct list_head link;
	struct task *task;
	uint32_t key;       /* free for the object's use (futex bitset, poll events) */
	/* Set after waitq_add: wake-ups call func(w) instead of task_wake
	 * (epoll's callback on a watched file's queue); priv is its data. */
	void (*func)(struct waiter *w);
	void *priv;
};

void waitq_init(struct waitq *wq);
void waitq_add(struct waitq *wq, struct waiter *w, struct task *t);
void waitq_remove(struct waiter *w);
void waitq_wake_all(struct waitq *wq);
/* Wake up to n waiters whose key & mask != 0; returns the number woken and
 * removes them from the queue. */
int waitq_wake_n(struct waitq *wq, int n, uint32_t mask);
struct waitq *waitq_new(void);
/* One step of a blocking loop: the first call queues w on wq and returns 0
 * so the caller re-checks its condition; later calls sleep. Returns 0 to
 * re-check, or -ERESTARTSYS when a signal is pending. The caller removes w
 * (waitq_remove) if *queued once the loop ends. */
int waitq_wait_step(struct waitq *wq, struct waiter *w, bool *queued, struct task *t);
void waitq_free(struct waitq *wq);

#endif
