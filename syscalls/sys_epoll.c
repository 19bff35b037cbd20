/* epoll_create(2), epoll_create1, epoll_ctl, epoll_wait, epoll_pwait,
 * epoll_pwait2. An interrupted wait returns -EINTR (never restarted, like
 * Linux); with a sigmask, the old mask is restored after the handler. */
#include <errno.h>
#include <signal.h>
#include "syscalls/syscall.h"
#include "vfs/anon/anon.h"
#include "sentry/task.h"
#include "sentry/mm.h"

#define NSEC_PER_SEC 1000000000ull

long sys_epoll_create(struct task *t, const struct syscall_args *a)
{
	if ((int)a->a[0] <= 0)
		return -EINVAL;
	return epoll_create_fd(t, 0);
}

long sys_epoll_create1(struct task *t, const struct syscall_args *a)
{
	return epoll_create_fd(t, (int)a->a[0]);
}

long sys_epoll_ctl(struct task *t, const struct syscall_args *a)
{
	return epoll_ctl_fd(t, (int)a->a[0], (int)a->a[1], (int)a->a[2], a->a[3]);
}

static uint64_t deadline_after(uint64_t sec, uint64_t nsec)
{
	uint64_t now = now_mono_ns();

	if (!sec && !nsec)
		return UINT64_MAX;      /* poll once */
	if (sec >= (UINT64_MAX - now) / NSEC_PER_SEC - 1)
		return 0;
	return now + sec * NSEC_PER_SEC + nsec;
}

static uint64_t ms_deadline(int ms)
{
	if (ms < 0)
		return 0;
	return deadline_after((uint64_t)ms / 1000, (uint64_t)(ms % 1000) * 1000000);
}

long sys_epoll_wait(struct task *t, const struct syscall_args *a)
{
	return epoll_wait_fd(t, (int)a->a[0], a->a[1], (int)a->a[2], ms_deadline((int)a->a[3]));
}

static long pwait(struct task *t, const struct syscall_args *a, uint64_t deadline)
{
	ksigset_t mask;
	long ret;

	if (a->a[4]) {
		if (a->a[5] != sizeof(ksigset_t))
			return -EINVAL;
		if (copy_from_user(t->mm, &mask, a->a[4], sizeof(mask)))
			return -EFAULT;
		t->saved_mask = t->blocked;
		t->restore_saved_mask = true;
		t->blocked = mask & ~(KSIG_BIT(SIGKILL) | KSIG_BIT(SIGSTOP));
	}
	ret = epoll_wait_fd(t, (int)a->a[0], a->a[1], (int)a->a[2], deadline);
	/* Interrupted: signal delivery restores the mask after the handler. */
	if (a->a[4] && ret != -EINTR) {
		t->blocked = t->saved_mask;
		t->restore_saved_mask = false;
	}
	return ret;
}

long sys_epoll_pwait(struct task *t, const struct syscall_args *a)
{
	return pwait(t, a, ms_deadline((int)a->a[3]));
}

long sys_epoll_pwait2(struct task *t, const struct syscall_args *a)
{
	struct { int64_t sec, nsec; } ts;
	uint64_t deadline = 0;

	if (a->a[3]) {
		if (copy_from_user(t->mm, &ts, a->a[3], sizeof(ts)))
			return -EFAULT;
		if (ts.sec < 0 || ts.nsec < 0 || ts.nsec >= (int64_t)NSEC_PER_SEC)
			return -EINVAL;
		deadline = deadline_after((uint64_t)ts.sec, (uint64_t)ts.nsec);
	}
	return pwait(t, a, deadline);
}
