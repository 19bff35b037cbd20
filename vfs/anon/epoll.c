/*
 * epoll (fs/eventpoll.c). An epoll instance keeps an interest list of
 * items keyed by (file, fd) and a ready list. Each item registers a
 * callback waiter (struct waiter.func) on the watched file's wait queues
 * through the file's own poll op; a wake-up on any of them puts the item on
 * the ready list and wakes the epoll's queue. epoll_wait polls the ready
 * items again: level-triggered items stay on the list after being
 * reported, edge-triggered ones leave it until the next wake-up, one-shot
 * ones are disabled until EPOLL_CTL_MOD. Like Linux, items hold no file
 * reference: the last file_put of a watched file removes them
 * (eventpoll_release). Files that wait on host fds (host stdio) have no
 * wait queue; their items are re-polled at every wait and the host fds are
 * slept on.
 */
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <poll.h>
#include <stdlib.h>
#include <string.h>
#include <sys/epoll.h>
#include "vfs/anon/anon.h"
#include "sentry/task.h"
#include "sentry/mm.h"

#define EP_MAX_NESTS 4
#define EP_PRIVATE_BITS (EPOLLWAKEUP | EPOLLONESHOT | EPOLLET | EPOLLEXCLUSIVE)
#define EPOLLEXCLUSIVE_OK_BITS (EPOLLIN | EPOLLOUT | EPOLLERR | EPOLLHUP | EPOLLWAKEUP | \
				EPOLLET | EPOLLEXCLUSIVE)
#define EP_MAX_EVENTS (INT_MAX / (int)sizeof(struct kevent))
#define WATCH_BUCKETS 256

/* struct epoll_event is packed on x86-64. */
struct kevent {
	uint32_t events;
	uint64_t data;
} __attribute__((packed));
_Static_assert(sizeof(struct kevent) == 12, "epoll_event layout");

struct eventpoll {
	struct list_head items;       /* every epitem */
	struct list_head rdlist;      /* ready (or possibly ready) epitems */
	struct waitq wq;              /* epoll_wait sleepers, pollers, outer epolls */
	struct file *file;
};

struct epitem {
	struct list_head ep_link;     /* in ep->items */
	struct list_head rdl;         /* in ep->rdlist when on_rdl */
	struct list_head watch_link;  /* in watches[hash(file)] */
	bool on_rdl;
	bool host;                    /* the file waits on host fds */
	struct eventpoll *ep;
	struct file *file;
	int fd;
	uint32_t events;
	uint64_t data;
	struct poll_table pt;         /* callback waiters on the file's queues */
};

static struct list_head watches[WATCH_BUCKETS];
static bool watches_ready;

static const struct file_ops epoll_fops;

bool file_is_epoll(const struct file *f)
{
	return f && f->fops == &epoll_fops;
}

static struct list_head *bucket(const struct file *f)
{
	if (!watches_ready) {
		for (int i = 0; i < WATCH_BUCKETS; i++)
			list_init(&watches[i]);
		watches_ready = true;
	}
	return &watches[((uintptr_t)f >> 6) % WATCH_BUCKETS];
}

static void ep_callback(struct waiter *w)
{
	struct epitem *it = w->priv;

	if (!(it->events & ~EP_PRIVATE_BITS))
		return;                 /* disabled one-shot */
	if (!it->on_rdl) {
		list_add_tail(&it->rdl, &it->ep->rdlist);
		it->on_rdl = true;
	}
	waitq_wake_all(&it->ep->wq);
}

static uint32_t item_poll(struct epitem *it)
{
	return it->file->fops->poll(it->file, NULL) & it->events;
}

static void ready_add(struct epitem *it)
{
	if (!it->on_rdl) {
		list_add_tail(&it->rdl, &it->ep->rdlist);
		it->on_rdl = true;
	}
}

/* Register the callbacks; returns the current events of interest. */
static uint32_t item_register(struct epitem *it)
{
	uint32_t mask;

	it->pt = (struct poll_table){ .task = NULL };
	mask = it->file->fops->poll(it->file, &it->pt);
	for (int i = 0; i < it->pt.nwaiters; i++) {
		it->pt.waiters[i].func = ep_callback;
		it->pt.waiters[i].priv = it;
	}
	it->host = it->pt.nhostfds > 0;
	return mask & it->events;
}

static void item_remove(struct epitem *it)
{
	poll_table_free(&it->pt);
	list_del(&it->ep_link);
	list_del(&it->watch_link);
	if (it->on_rdl)
		list_del(&it->rdl);
	free(it);
}

static struct epitem *item_find(struct eventpoll *ep, struct file *f, int fd)
{
	struct list_head *b = bucket(f), *pos;

	list_for_each(pos, b) {
		struct epitem *it = list_entry(pos, struct epitem, watch_link);
		if (it->ep == ep && it->file == f && it->fd == fd)
			return it;
	}
	return NULL;
}

void eventpoll_release(struct file *f)
{
	struct list_head *b, *pos, *nx;

	if (!watches_ready)
		return;
	b = bucket(f);
	list_for_each_safe(pos, nx, b) {
		struct epitem *it = list_entry(pos, struct epitem, watch_link);
		if (it->file == f)
			item_remove(it);
	}
}

/* Does epoll `from` reach `to` through nested epoll items? */
static bool ep_reaches(struct eventpoll *from, struct eventpoll *to, int depth)
{
	struct list_head *pos;

	if (from == to)
		return true;
	if (depth > EP_MAX_NESTS)
		return true;
	list_for_each(pos, &from->items) {
		struct epitem *it = list_entry(pos, struct epitem, ep_link);
		if (file_is_epoll(it->file) && ep_reaches(it->file->priv, to, depth + 1))
			return true;
	}
	return false;
}

/* Longest chain of epolls below ep. */
static int depth_down(struct eventpoll *ep, int depth)
{
	struct list_head *pos;
	int best = 0;

	if (depth > EP_MAX_NESTS)
		return depth;
	list_for_each(pos, &ep->items) {
		struct epitem *it = list_entry(pos, struct epitem, ep_link);
		if (file_is_epoll(it->file)) {
			int d = 1 + depth_down(it->file->priv, depth + 1);
			if (d > best)
				best = d;
		}
	}
	return best;
}

/* Longest chain of epolls watching ep. */
static int depth_up(struct eventpoll *ep, int depth)
{
	struct list_head *b = bucket(ep->file), *pos;
	int best = 0;

	if (depth > EP_MAX_NESTS)
		return depth;
	list_for_each(pos, b) {
		struct epitem *it = list_entry(pos, struct epitem, watch_link);
		if (it->file == ep->file) {
			int d = 1 + depth_up(it->ep, depth + 1);
			if (d > best)
				best = d;
		}
	}
	return best;
}

static int ep_insert(struct eventpoll *ep, struct file *tf, int fd, const struct kevent *ev)
{
	struct epitem *it;

	if (file_is_epoll(tf)) {
		struct eventpoll *inner = tf->priv;

		if (ep_reaches(inner, ep, 0) ||
		    depth_up(ep, 0) + 1 + depth_down(inner, 0) > EP_MAX_NESTS)
			return -ELOOP;
	}
	it = calloc(1, sizeof(*it));
	if (!it)
		return -ENOMEM;
	it->ep = ep;
	it->file = tf;
	it->fd = fd;
	it->events = ev->events;
	it->data = ev->data;
	list_add_tail(&it->ep_link, &ep->items);
	list_add_tail(&it->watch_link, bucket(tf));
	if (item_register(it) || it->host) {
		ready_add(it);
		waitq_wake_all(&ep->wq);
	}
	return 0;
}

static int ep_modify(struct epitem *it, const struct kevent *ev)
{
	it->events = ev->events;
	it->data = ev->data;
	if (item_poll(it) || it->host) {
		ready_add(it);
		waitq_wake_all(&it->ep->wq);
	}
	return 0;
}

/* Any ready item? (epoll's own poll). */
static bool ep_any_ready(struct eventpoll *ep)
{
	struct list_head *pos;

	list_for_each(pos, &ep->items) {
		struct epitem *it = list_entry(pos, struct epitem, ep_link);
		if ((it->on_rdl || it->host) && (it->events & ~EP_PRIVATE_BITS) && item_poll(it))
			return true;
	}
	return false;
}

static uint32_t epoll_poll(struct file *f, struct poll_table *pt)
{
	struct eventpoll *ep = f->priv;

	poll_wait(pt, &ep->wq);
	return ep_any_ready(ep) ? POLLIN | POLLRDNORM : 0;
}

static void epoll_release(struct file *f)
{
	struct eventpoll *ep = f->priv;

	if (!ep)
		return;
	while (!list_empty(&ep->items))
		item_remove(list_entry(ep->items.next, struct epitem, ep_link));
	free(ep);
	f->priv = NULL;
}

static const struct file_ops epoll_fops = {
	.poll = epoll_poll,
	.release = epoll_release,
};

long epoll_create_fd(struct task *t, int flags)
{
	struct eventpoll *ep;
	struct file *f;

	if (flags & ~EPOLL_CLOEXEC)
		return -EINVAL;
	ep = calloc(1, sizeof(*ep));
	if (!ep)
		return -ENOMEM;
	list_init(&ep->items);
	list_init(&ep->rdlist);
	waitq_init(&ep->wq);
	f = anon_file_new(anon_sb("[eventpoll]"), &epoll_fops, ep, O_RDWR);
	if (!f) {
		free(ep);
		return -ENOMEM;
	}
	ep->file = f;
	return anon_install(t, f, flags & EPOLL_CLOEXEC);
}

static bool op_has_event(int op)
{
	return op != EPOLL_CTL_DEL;
}

long epoll_ctl_fd(struct task *t, int epfd, int op, int fd, uint64_t uevent)
{
	struct kevent ev = { 0 };
	struct file *f = NULL, *tf = NULL;
	struct eventpoll *ep;
	struct epitem *it;
	long err;

	if (op_has_event(op) && copy_from_user(t->mm, &ev, uevent, sizeof(ev)))
		return -EFAULT;
	f = fd_get(t->files, epfd);
	if (!f)
		return -EBADF;
	tf = fd_get(t->files, fd);
	err = -EBADF;
	if (!tf)
		goto out;
	err = -EPERM;
	if (!tf->fops || !tf->fops->poll || (tf->flags & O_PATH))
		goto out;
	ev.events &= ~(uint32_t)EPOLLWAKEUP;   /* needs CAP_BLOCK_SUSPEND: silently dropped */
	err = -EINVAL;
	if (f == tf || !file_is_epoll(f))
		goto out;
	if (op_has_event(op) && (ev.events & EPOLLEXCLUSIVE)) {
		if (op == EPOLL_CTL_MOD)
			goto out;
		if (op == EPOLL_CTL_ADD && (file_is_epoll(tf) || (ev.events & ~EPOLLEXCLUSIVE_OK_BITS)))
			goto out;
	}
	ep = f->priv;
	it = item_find(ep, tf, fd);
	switch (op) {
	case EPOLL_CTL_ADD:
		ev.events |= EPOLLERR | EPOLLHUP;
		err = it ? -EEXIST : ep_insert(ep, tf, fd, &ev);
		break;
	case EPOLL_CTL_DEL:
		err = -ENOENT;
		if (it) {
			item_remove(it);
			err = 0;
		}
		break;
	case EPOLL_CTL_MOD:
		err = -ENOENT;
		if (it) {
			err = -EINVAL;
			if (!(it->events & EPOLLEXCLUSIVE)) {
				ev.events |= EPOLLERR | EPOLLHUP;
				err = ep_modify(it, &ev);
			}
		}
		break;
	default:
		err = -EINVAL;
	}
out:
	if (tf)
		file_put(tf);
	file_put(f);
	return err;
}

/* Report ready items into the guest array: count or -EFAULT. */
static long ep_send_events(struct task *t, struct eventpoll *ep, uint64_t uevents, int maxevents)
{
	struct list_head tx, *pos;
	long n = 0;

	list_for_each(pos, &ep->items) {
		struct epitem *it = list_entry(pos, struct epitem, ep_link);
		if (it->host)
			ready_add(it);
	}
	list_init(&tx);
	if (!list_empty(&ep->rdlist)) {
		/* Splice the ready list onto tx. */
		tx.next = ep->rdlist.next;
		tx.prev = ep->rdlist.prev;
		tx.next->prev = &tx;
		tx.prev->next = &tx;
		list_init(&ep->rdlist);
	}
	while (!list_empty(&tx) && n < maxevents) {
		struct epitem *it = list_entry(tx.next, struct epitem, rdl);
		struct kevent ev;

		list_del(&it->rdl);
		it->on_rdl = false;
		ev.events = item_poll(it);
		if (!ev.events)
			continue;
		ev.data = it->data;
		if (copy_to_user(t->mm, uevents + (uint64_t)n * sizeof(ev), &ev, sizeof(ev))) {
			ready_add(it);
			if (!n)
				n = -EFAULT;
			break;
		}
		n++;
		if (it->events & EPOLLONESHOT)
			it->events &= EP_PRIVATE_BITS;
		else if (!(it->events & EPOLLET))
			ready_add(it);   /* level-triggered: look again next time */
	}
	/* Unvisited items go back in front, in order. */
	while (!list_empty(&tx)) {
		struct list_head *last = tx.prev;

		list_del(last);
		list_add(last, &ep->rdlist);
	}
	return n;
}

/* Host fds of items that wait on them (at most cap). */
static int collect_hostfds(struct eventpoll *ep, struct pollfd **out)
{
	struct list_head *pos;
	struct pollfd *fds = NULL;
	int n = 0, cap = 0;

	list_for_each(pos, &ep->items) {
		struct epitem *it = list_entry(pos, struct epitem, ep_link);
		for (int i = 0; it->host && i < it->pt.nhostfds; i++) {
			if (n == cap) {
				int nc = cap ? cap * 2 : 8;
				struct pollfd *nf = realloc(fds, sizeof(*nf) * (size_t)nc);
				if (!nf)
					goto done;
				fds = nf;
				cap = nc;
			}
			fds[n++] = it->pt.hostfds[i];
		}
	}
done:
	*out = fds;
	return n;
}

long epoll_wait_fd(struct task *t, int epfd, uint64_t uevents, int maxevents, uint64_t deadline)
{
	struct eventpoll *ep;
	struct file *f;
	bool timed_out = deadline == UINT64_MAX;
	long ret;

	if (maxevents <= 0 || maxevents > EP_MAX_EVENTS)
		return -EINVAL;
	f = fd_get(t->files, epfd);
	if (!f)
		return -EBADF;
	if (!file_is_epoll(f)) {
		file_put(f);
		return -EINVAL;
	}
	ep = f->priv;
	for (;;) {
		struct pollfd *hostfds = NULL;
		struct waiter w;
		int nhost, err;

		ret = ep_send_events(t, ep, uevents, maxevents);
		if (ret || timed_out)
			break;
		if (task_signal_pending(t)) {
			ret = -EINTR;
			break;
		}
		waitq_add(&ep->wq, &w, t);
		nhost = collect_hostfds(ep, &hostfds);
		if (!list_empty(&ep->rdlist))
			err = 0;
		else if (nhost)
			err = task_sleep_hostfds(t, hostfds, nhost, deadline);
		else
			err = task_sleep(t, deadline);
		waitq_remove(&w);
		free(hostfds);
		if (err == -EINTR) {
			ret = -EINTR;
			break;
		}
		if (err == -ETIMEDOUT)
			timed_out = true;
	}
	file_put(f);
	return ret;
}
