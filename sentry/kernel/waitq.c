/* Wait queues (see sentry/waitq.h). Runs under the kernel lock. */
#include <stdlib.h>
#include "sentry/waitq.h"
#include "sentry/task.h"
#include "sentry/signal_types.h"

void waitq_init(struct waitq *wq)
{
	list_init(&wq->waiters);
}

struct waitq *waitq_new(void)
{
	struct waitq *wq = malloc(sizeof(*wq));
	if (wq)
		waitq_init(wq);
	return wq;
}

void waitq_free(struct waitq *wq)
{
	free(wq);
}

void waitq_add(struct waitq *wq, struct waiter *w, struct task *t)
{
	w->task = t;
	w->func = NULL;
	w->priv = NULL;
	list_add_tail(&w->link, &wq->waiters);
}

void waitq_remove(struct waiter *w)
{
	list_del(&w->link);
}

void waitq_wake_all(struct waitq *wq)
{
	struct list_head *p, *nx;
	/* A callback may remove its own waiter, never another one. */
	list_for_each_safe(p, nx, &wq->waiters) {
		struct waiter *w = list_entry(p, struct waiter, link);
		if (w->func)
			w->func(w);
		else
			task_wake(w->task);
	}
}

int waitq_wake_n(struct waitq *wq, int n, uint32_t mask)
{
	struct list_head *p, *nx;
	int woken = 0;
	list_for_each_safe(p, nx, &wq->waiters) {
		if (woken >= n)
			break;
		struct waiter *w = list_entry(p, struct waiter, link);
		if (w->func) {
			w->func(w);
			continue;
		}
		if (!(w->key & mask))
			continue;
		list_del(&w->link);
		task_wake(w->task);
		woken++;
	}
	return woken;
}

int waitq_wait_step(struct waitq *wq, struct waiter *w, bool *queued, struct task *t)
{
	if (!*queued) {
		waitq_add(wq, w, t);
		*queued = true;
		return 0;
	}
	return task_sleep(t, 0) ? -ERESTARTSYS : 0;
}
