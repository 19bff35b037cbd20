/* Task objects: allocation, lookup, sleeping and waking. */
#include <errno.h>
#include <poll.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <sys/eventfd.h>
#include "sentry/kernel.h"
#include "sentry/task.h"
#include "sentry/log.h"
#include "sentry/process.h"

__thread struct task *current;

struct task *task_alloc(void)
{
	struct task *t = calloc(1, sizeof(*t));
	if (!t)
		return NULL;
	t->wake_fd = eventfd(0, EFD_CLOEXEC | EFD_NONBLOCK);
	if (t->wake_fd < 0) {
		free(t);
		return NULL;
	}
	list_init(&t->pending.queue);
	list_init(&t->tg_link);
	list_init(&t->all_link);
	t->start_time_ns = now_mono_ns();
	return t;
}

void task_free(struct task *t)
{
	close(t->wake_fd);
	arch_fpstate_free(&t->fp);
	free(t);
}

struct task *task_lookup(int tid)
{
	struct list_head *p;
	list_for_each(p, &kernel.tasks) {
		struct task *t = list_entry(p, struct task, all_link);
		if (t->tid == tid)
			return t;
	}
	return NULL;
}

struct thread_group *tg_lookup(int tgid)
{
	struct list_head *p;
	list_for_each(p, &kernel.tgs) {
		struct thread_group *tg = list_entry(p, struct thread_group, all_link);
		if (tg->tgid == tgid)
			return tg;
	}
	return NULL;
}

bool task_signal_pending(struct task *t)
{
	if (t->exit_pending || t->tg->group_exiting)
		return true;
	if (t->tg->stopped && t->state != TASK_STOPPED)
		return true;   /* join the group stop */
	ksigset_t pending = t->pending.set | t->tg->shared_pending.set;
	ksigset_t unblockable = KSIG_BIT(SIGKILL) | KSIG_BIT(SIGSTOP);
	return (pending & (~t->blocked | unblockable)) != 0;
}

void task_wake(struct task *t)
{
	uint64_t one = 1;
	ssize_t n = write(t->wake_fd, &one, sizeof(one));
	(void)n;   /* EAGAIN only when the counter is saturated: already awake */
}

static void drain_wake(struct task *t)
{
	uint64_t v;
	ssize_t n = read(t->wake_fd, &v, sizeof(v));
	(void)n;
}

static int sleep_common(struct task *t, struct pollfd *fds, int nfds, uint64_t deadline_ns,
			bool (*interrupted)(struct task *))
{
	if (interrupted(t))
		return -EINTR;
	struct pollfd stackfds[16];
	struct pollfd *pfd = nfds + 1 <= 16 ? stackfds : calloc((size_t)nfds + 1, sizeof(*pfd));
	if (!pfd)
		return -ENOMEM;
	pfd[0] = (struct pollfd){ .fd = t->wake_fd, .events = POLLIN };
	for (int i = 0; i < nfds; i++)
		pfd[i + 1] = fds[i];

	int timeout = -1;
	if (deadline_ns) {
		uint64_t now = now_mono_ns();
		if (now >= deadline_ns)
			timeout = 0;
		else {
			uint64_t ms = (deadline_ns - now + 999999) / 1000000;
			timeout = ms > 1000000000 ? 1000000000 : (int)ms;
		}
	}
	kernel_unlock();
	int r = poll(pfd, (nfds_t)nfds + 1, timeout);
	kernel_lock();
	if (r > 0 && (pfd[0].revents & POLLIN))
		drain_wake(t);
	for (int i = 0; i < nfds; i++)
		fds[i].revents = r > 0 ? pfd[i + 1].revents : 0;
	if (pfd != stackfds)
		free(pfd);

	if (interrupted(t))
		return -EINTR;
	if (deadline_ns && now_mono_ns() >= deadline_ns)
		return -ETIMEDOUT;
	return 0;
}

int task_sleep_hostfds(struct task *t, struct pollfd *fds, int nfds, uint64_t deadline_ns)
{
	return sleep_common(t, fds, nfds, deadline_ns, task_signal_pending);
}

int task_sleep(struct task *t, uint64_t deadline_ns)
{
	return sleep_common(t, NULL, 0, deadline_ns, task_signal_pending);
}

static bool must_exit(struct task *t)
{
	return task_should_exit(t);
}

void task_sleep_killable(struct task *t)
{
	sleep_common(t, NULL, 0, 0, must_exit);
}
