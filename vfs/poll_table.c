/* poll_table: the waitqs and host fds a poll/select sleep waits on. */
#include <poll.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include "vfs_impl.h"

/* Move the waiters to a bigger array. They are linked into waitqs by
 * address, so every neighbour's pointer is fixed up to the new copy. */
static bool waiters_grow(struct poll_table *pt)
{
	int cap = pt->cap ? pt->cap * 2 : 8;
	struct waiter *nw = malloc(sizeof(*nw) * cap), *old = pt->waiters;
	if (!nw)
		return false;
	if (old)
		memcpy(nw, old, sizeof(*nw) * pt->nwaiters);
	uintptr_t lo = (uintptr_t)old, hi = lo + sizeof(*old) * pt->nwaiters;
#define XLATE(p) (((uintptr_t)(p) >= lo && (uintptr_t)(p) < hi) ? \
		  (struct list_head *)((uintptr_t)(p) - lo + (uintptr_t)nw) : (p))
	for (int i = 0; i < pt->nwaiters; i++) {
		nw[i].link.prev = XLATE(nw[i].link.prev);
		nw[i].link.next = XLATE(nw[i].link.next);
	}
#undef XLATE
	for (int i = 0; i < pt->nwaiters; i++) {
		nw[i].link.prev->next = &nw[i].link;
		nw[i].link.next->prev = &nw[i].link;
	}
	free(old);
	pt->waiters = nw;
	pt->cap = cap;
	return true;
}

void poll_wait(struct poll_table *pt, struct waitq *wq)
{
	if (!pt || !wq)
		return;
	if (pt->nwaiters == pt->cap && !waiters_grow(pt))
		return;                 /* out of memory: the caller's timeout still applies */
	waitq_add(wq, &pt->waiters[pt->nwaiters++], pt->task);
}

void poll_wait_hostfd(struct poll_table *pt, int hostfd, short events)
{
	if (!pt)
		return;
	if (pt->nhostfds == pt->hostcap) {
		int cap = pt->hostcap ? pt->hostcap * 2 : 4;
		struct pollfd *n = realloc(pt->hostfds, sizeof(*n) * cap);
		if (!n)
			return;
		pt->hostfds = n;
		pt->hostcap = cap;
	}
	pt->hostfds[pt->nhostfds++] = (struct pollfd){ .fd = hostfd, .events = events };
}

void poll_table_free(struct poll_table *pt)
{
	for (int i = 0; i < pt->nwaiters; i++)
		waitq_remove(&pt->waiters[i]);
	free(pt->waiters);
	free(pt->hostfds);
	pt->waiters = NULL;
	pt->hostfds = NULL;
	pt->nwaiters = pt->cap = pt->nhostfds = pt->hostcap = 0;
}
