/*
 * Signal syscalls: sigaction, sigprocmask, sigpending, sigsuspend, pause,
 * sigtimedwait, sigqueueinfo, sigaltstack, kill/tkill/tgkill, rt_sigreturn.
 */
#include <errno.h>
#include <stdint.h>
#include "syscalls/syscall.h"
#include "sentry/mm.h"
#include "sentry/task.h"
#include "sentry/kernel/sig_internal.h"

#define NSEC_PER_SEC 1000000000ULL

struct kts {
	int64_t tv_sec, tv_nsec;
};

long sys_rt_sigaction(struct task *t, const struct syscall_args *a)
{
	int sig = (int)a->a[0];
	uint64_t uact = a->a[1], uoact = a->a[2];
	if (a->a[3] != sizeof(ksigset_t))
		return -EINVAL;
	struct k_sigaction act, oact;
	if (uact && copy_from_user(t->mm, &act, uact, sizeof(act)))
		return -EFAULT;
	int r = signal_do_sigaction(t, sig, uact ? &act : NULL, uoact ? &oact : NULL);
	if (!r && uoact && copy_to_user(t->mm, uoact, &oact, sizeof(oact)))
		return -EFAULT;
	return r;
}

long sys_rt_sigprocmask(struct task *t, const struct syscall_args *a)
{
	int how = (int)a->a[0];
	uint64_t uset = a->a[1], uoset = a->a[2];
	if (a->a[3] != sizeof(ksigset_t))
		return -EINVAL;
	ksigset_t old = t->blocked;
	if (uset) {
		ksigset_t set;
		if (copy_from_user(t->mm, &set, uset, sizeof(set)))
			return -EFAULT;
		switch (how) {
		case SIG_BLOCK: set = old | set; break;
		case SIG_UNBLOCK: set = old & ~set; break;
		case SIG_SETMASK: break;
		default: return -EINVAL;
		}
		signal_set_blocked(t, set);
	}
	if (uoset && copy_to_user(t->mm, uoset, &old, sizeof(old)))
		return -EFAULT;
	return 0;
}

long sys_rt_sigpending(struct task *t, const struct syscall_args *a)
{
	uint64_t size = a->a[1];
	if (size > sizeof(ksigset_t))
		return -EINVAL;
	ksigset_t p = (t->pending.set | t->tg->shared_pending.set) & t->blocked;
	return copy_to_user(t->mm, a->a[0], &p, size) ? -EFAULT : 0;
}

/* Sleep until a signal is pending (or the task must exit). */
static void wait_for_signal(struct task *t)
{
	while (task_sleep(t, 0) != -EINTR)
		;
}

long sys_rt_sigsuspend(struct task *t, const struct syscall_args *a)
{
	if (a->a[1] != sizeof(ksigset_t))
		return -EINVAL;
	ksigset_t set;
	if (copy_from_user(t->mm, &set, a->a[0], sizeof(set)))
		return -EFAULT;
	t->saved_mask = t->blocked;
	signal_set_blocked(t, set);
	wait_for_signal(t);
	t->restore_saved_mask = true;   /* signal_deliver puts the old mask back */
	return -ERESTARTNOHAND;
}

long sys_pause(struct task *t, const struct syscall_args *a)
{
	wait_for_signal(t);
	return -ERESTARTNOHAND;
}

long sys_rt_sigtimedwait(struct task *t, const struct syscall_args *a)
{
	uint64_t uthese = a->a[0], uinfo = a->a[1], uts = a->a[2];
	if (a->a[3] != sizeof(ksigset_t))
		return -EINVAL;
	ksigset_t these;
	if (copy_from_user(t->mm, &these, uthese, sizeof(these)))
		return -EFAULT;
	these &= ~KSIG_UNBLOCKABLE;
	uint64_t deadline = 0;
	bool poll_only = false;
	if (uts) {
		struct kts ts;
		if (copy_from_user(t->mm, &ts, uts, sizeof(ts)))
			return -EFAULT;
		if (ts.tv_sec < 0 || ts.tv_nsec < 0 || (uint64_t)ts.tv_nsec >= NSEC_PER_SEC)
			return -EINVAL;
		uint64_t now = now_mono_ns();
		poll_only = !ts.tv_sec && !ts.tv_nsec;
		if ((uint64_t)ts.tv_sec < (UINT64_MAX - now) / NSEC_PER_SEC - 1)
			deadline = now + (uint64_t)ts.tv_sec * NSEC_PER_SEC + (uint64_t)ts.tv_nsec;
	}

	struct ksiginfo info;
	int sig = signal_dequeue(t, these, &info);
	long ret = -EAGAIN;
	if (!sig && !poll_only) {
		/* Unblock the waited set while sleeping so that it wakes us. */
		struct sigwaiter w;
		signal_waiter_begin(&w, t);
		t->blocked &= ~these;
		int r;
		while ((r = task_sleep(t, deadline)) == 0)
			;
		signal_set_blocked(t, w.orig_blocked);
		signal_waiter_end(&w);
		sig = signal_dequeue(t, these, &info);
		ret = r == -ETIMEDOUT ? -EAGAIN : -EINTR;
	}
	if (!sig)
		return ret;
	if (uinfo && copy_to_user(t->mm, uinfo, &info, sizeof(info)))
		return -EFAULT;
	return sig;
}

static long copy_user_siginfo(struct task *t, uint64_t uinfo, int sig, struct ksiginfo *info)
{
	if (copy_from_user(t->mm, info, uinfo, sizeof(*info)))
		return -EFAULT;
	info->si_signo = sig;
	return 0;
}

/* User-supplied siginfo may not claim to come from the kernel or from
 * kill/tkill, unless sent to oneself. */
static bool forged_siginfo(struct task *t, const struct ksiginfo *info, int dest)
{
	return (info->si_code >= 0 || info->si_code == KSI_TKILL) && t->tid != dest;
}

long sys_rt_sigqueueinfo(struct task *t, const struct syscall_args *a)
{
	int pid = (int)a->a[0];
	struct ksiginfo info;
	if (copy_user_siginfo(t, a->a[2], (int)a->a[1], &info))
		return -EFAULT;
	if (forged_siginfo(t, &info, pid))
		return -EPERM;
	return kill_proc_info(t, pid, &info);
}

long sys_rt_tgsigqueueinfo(struct task *t, const struct syscall_args *a)
{
	int tgid = (int)a->a[0], tid = (int)a->a[1];
	struct ksiginfo info;
	if (copy_user_siginfo(t, a->a[3], (int)a->a[2], &info))
		return -EFAULT;
	if (tgid <= 0 || tid <= 0)
		return -EINVAL;
	if (forged_siginfo(t, &info, tid))
		return -EPERM;
	return send_signal_specific(t, tgid, tid, &info);
}

long sys_sigaltstack(struct task *t, const struct syscall_args *a)
{
	uint64_t uss = a->a[0], uoss = a->a[1];
	struct kstack ss, oss;
	if (uss && copy_from_user(t->mm, &ss, uss, sizeof(ss)))
		return -EFAULT;
	int r = do_sigaltstack(t, uss ? &ss : NULL, uoss ? &oss : NULL, t->regs.gp.rsp,
			       KMINSIGSTKSZ);
	if (!r && uoss && copy_to_user(t->mm, uoss, &oss, sizeof(oss)))
		return -EFAULT;
	return r;
}

long sys_kill(struct task *t, const struct syscall_args *a)
{
	return kill_pid(t, (int)a->a[0], (int)a->a[1]);
}

static long do_tkill(struct task *t, int tgid, int tid, int sig)
{
	struct ksiginfo info;
	fill_user_info(&info, t, sig, KSI_TKILL);
	return send_signal_specific(t, tgid, tid, &info);
}

long sys_tkill(struct task *t, const struct syscall_args *a)
{
	int tid = (int)a->a[0];
	if (tid <= 0)
		return -EINVAL;
	return do_tkill(t, 0, tid, (int)a->a[1]);
}

long sys_tgkill(struct task *t, const struct syscall_args *a)
{
	int tgid = (int)a->a[0], tid = (int)a->a[1];
	if (tgid <= 0 || tid <= 0)
		return -EINVAL;
	return do_tkill(t, tgid, tid, (int)a->a[2]);
}

/*
 * Returns the restored rax: the task loop stores a handler's return value
 * in rax, so returning it leaves the interrupted context's rax intact.
 * orig_rax is set to -1 so that signal_deliver does no restart processing.
 */
long sys_rt_sigreturn(struct task *t, const struct syscall_args *a)
{
	if (sigframe_restore(t) < 0) {
		force_sig(t, SIGSEGV);
		return 0;
	}
	return (long)t->regs.gp.rax;
}
