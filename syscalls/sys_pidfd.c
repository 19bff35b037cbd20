/* pidfd_open, pidfd_send_signal, pidfd_getfd, and the pidfd parts of clone
 * (CLONE_PIDFD) and waitid (P_PIDFD). The files are vfs/anon/pidfd.c. */
#include <errno.h>
#include <fcntl.h>
#include <sys/wait.h>
#include "sentry/kernel.h"
#include "sentry/kernel/sig_internal.h"
#include "sentry/mm.h"
#include "sentry/ptrace_access.h"
#include "sentry/task.h"
#include "sentry/wait.h"
#include "syscalls/syscall.h"
#include "vfs/anon/pidfd.h"
#include "vfs/vfs.h"

#define KPIDFD_THREAD               O_EXCL
#define KPIDFD_SIGNAL_THREAD        (1U << 0)
#define KPIDFD_SIGNAL_THREAD_GROUP  (1U << 1)
#define KPIDFD_SIGNAL_PROCESS_GROUP (1U << 2)
#define KP_PIDFD 3

long sys_pidfd_open(struct task *t, const struct syscall_args *a)
{
	int pid = (int)a->a[0];
	unsigned flags = (unsigned)a->a[1];
	struct thread_group *tg;

	/* PIDFD_THREAD (pidfds of single threads) is not supported. */
	if (flags & ~(unsigned)KPIDFD_NONBLOCK)
		return -EINVAL;
	if (pid <= 0)
		return -EINVAL;
	if (!(tg = tg_lookup(pid)))
		return task_lookup(pid) ? -ENOENT : -ESRCH;   /* a thread, not a process (6.x) */
	return pidfd_create_fd(t, tg, (int)flags);
}

long pidfd_clone(struct task *t, struct thread_group *tg, uint64_t uaddr)
{
	long fd = pidfd_create_fd(t, tg, 0);
	int32_t v = (int32_t)fd;

	if (fd < 0)
		return fd;
	if (copy_to_user(t->mm, uaddr, &v, sizeof(v))) {
		fd_close(t->files, (int)fd);
		return -EFAULT;
	}
	return 0;
}

long pidfd_wait_req(struct task *t, int fd, struct wait_req *w, int *nonblock)
{
	struct thread_group *tg;
	int fl = 0;
	long err;

	if (fd < 0)
		return -EINVAL;
	err = pidfd_tg_of_fd(t, fd, &tg, &fl);
	if (err == -ESRCH)
		return -ECHILD;   /* reaped: no child matches */
	if (err)
		return err;
	w->which = P_PID;
	w->id = tg->tgid;
	*nonblock = (fl & O_NONBLOCK) != 0;
	if (*nonblock)
		w->options |= WNOHANG;
	return 0;
}

/* kill_pgrp_info: every process of the group; success if one got it. */
static long signal_pgrp(struct task *t, int pgid, const struct ksiginfo *info)
{
	struct list_head *pos;
	long ret = -ESRCH;
	bool ok = false;

	list_for_each(pos, &kernel.tgs) {
		struct thread_group *g = list_entry(pos, struct thread_group, all_link);
		if (g->pgid != pgid || g->zombie)
			continue;
		ret = kill_proc_info(t, g->tgid, info);
		ok |= ret == 0;
	}
	return ok ? 0 : ret;
}

long sys_pidfd_send_signal(struct task *t, const struct syscall_args *a)
{
	int sig = (int)a->a[1];
	unsigned flags = (unsigned)a->a[3];
	unsigned scope = flags & (KPIDFD_SIGNAL_THREAD | KPIDFD_SIGNAL_THREAD_GROUP |
				  KPIDFD_SIGNAL_PROCESS_GROUP);
	struct thread_group *tg;
	struct ksiginfo info;
	long err;

	if (flags != scope || (scope & (scope - 1)))
		return -EINVAL;   /* unknown flags, or more than one scope */
	if ((err = pidfd_tg_of_fd(t, (int)a->a[0], &tg, NULL)))
		return err;
	if (a->a[2]) {
		if (copy_from_user(t->mm, &info, a->a[2], sizeof(info)))
			return -EFAULT;
		if (info.si_signo != sig)
			return -EINVAL;
		/* Only oneself may be sent a siginfo that claims kill/tkill/kernel. */
		if ((t->tid != tg->tgid || scope == KPIDFD_SIGNAL_PROCESS_GROUP) &&
		    (info.si_code >= 0 || info.si_code == KSI_TKILL))
			return -EPERM;
	} else {
		fill_user_info(&info, t, sig, scope == KPIDFD_SIGNAL_THREAD ? KSI_TKILL : KSI_USER);
	}
	if (scope == KPIDFD_SIGNAL_PROCESS_GROUP)
		return signal_pgrp(t, tg->pgid, &info);
	if (scope == KPIDFD_SIGNAL_THREAD)
		return send_signal_specific(t, tg->tgid, tg->tgid, &info);
	return kill_proc_info(t, tg->tgid, &info);
}

long sys_pidfd_getfd(struct task *t, const struct syscall_args *a)
{
	struct thread_group *tg;
	struct task *target;
	struct file *f;
	long err;

	if (a->a[2])
		return -EINVAL;
	if ((err = pidfd_tg_of_fd(t, (int)a->a[0], &tg, NULL)))
		return err;
	target = tg->leader;
	if (!target)
		return -ESRCH;
	if (ptrace_may_access(t, target, false))
		return -EPERM;
	if (!target->files || !(f = fd_get(target->files, (int)a->a[1])))
		return -EBADF;
	err = fd_install(t->files, 0, f, true);
	file_put(f);
	return err;
}
