/* prctl and arch_prctl. */
#include <errno.h>
#include <string.h>
#include <signal.h>
#include <sys/prctl.h>
#include <asm/prctl.h>
#include <linux/capability.h>
#include "syscalls/syscall.h"
#include "sentry/task.h"
#include "sentry/mm.h"
#include "platform/platform.h"

long sys_arch_prctl(struct task *t, const struct syscall_args *a)
{
	uint64_t addr = a->a[1];
	switch (a->a[0]) {
	case ARCH_SET_FS:
		if (addr >= GUEST_TOP)
			return -EPERM;
		t->regs.gp.fs_base = addr;
		return 0;
	case ARCH_SET_GS:
		if (addr >= GUEST_TOP)
			return -EPERM;
		t->regs.gp.gs_base = addr;
		return 0;
	case ARCH_GET_FS:
		return copy_to_user(t->mm, addr, &t->regs.gp.fs_base, 8) ? -EFAULT : 0;
	case ARCH_GET_GS:
		return copy_to_user(t->mm, addr, &t->regs.gp.gs_base, 8) ? -EFAULT : 0;
	case ARCH_GET_CPUID:
		return 1;   /* cpuid is not faulting */
	case ARCH_SET_CPUID:
		return a->a[1] ? 0 : -ENODEV;   /* cannot make cpuid fault under ptrace */
	default:
		return -EINVAL;
	}
}

long sys_prctl(struct task *t, const struct syscall_args *a)
{
	uint64_t arg2 = a->a[1];
	switch ((int)a->a[0]) {
	case PR_SET_NAME: {
		char name[16];
		long n = strncpy_from_user(t->mm, name, arg2, sizeof(name));
		if (n == -ENAMETOOLONG) {
			if (copy_from_user(t->mm, name, arg2, 15))
				return -EFAULT;
			name[15] = 0;
		} else if (n < 0) {
			return n;
		}
		memcpy(t->comm, name, sizeof(name));
		return 0;
	}
	case PR_GET_NAME:
		return copy_to_user(t->mm, arg2, t->comm, sizeof(t->comm)) ? -EFAULT : 0;
	case PR_SET_PDEATHSIG:
		if (arg2 > KSIG_MAX)
			return -EINVAL;
		t->pdeath_signal = (int)arg2;
		return 0;
	case PR_GET_PDEATHSIG: {
		int32_t v = t->pdeath_signal;
		return copy_to_user(t->mm, arg2, &v, sizeof(v)) ? -EFAULT : 0;
	}
	case PR_GET_DUMPABLE:
		return t->dumpable;
	case PR_SET_DUMPABLE:
		if (arg2 > 1)
			return -EINVAL;
		t->dumpable = (int)arg2;
		return 0;
	case PR_SET_NO_NEW_PRIVS:
		if (arg2 != 1 || a->a[2] || a->a[3] || a->a[4])
			return -EINVAL;
		t->no_new_privs = true;
		return 0;
	case PR_GET_NO_NEW_PRIVS:
		return t->no_new_privs;
	case PR_SET_CHILD_SUBREAPER:
		t->tg->child_subreaper = arg2 != 0;
		return 0;
	case PR_GET_CHILD_SUBREAPER: {
		int32_t v = t->tg->child_subreaper;
		return copy_to_user(t->mm, arg2, &v, sizeof(v)) ? -EFAULT : 0;
	}
	case PR_GET_KEEPCAPS:
		return t->keep_caps;
	case PR_SET_KEEPCAPS:
		if (arg2 > 1)
			return -EINVAL;
		t->keep_caps = arg2;
		return 0;
	case PR_CAPBSET_READ:
		if (arg2 > CAP_LAST_CAP)
			return -EINVAL;
		return (t->cred.cap_bounding >> arg2) & 1;
	case PR_CAPBSET_DROP:
		if (arg2 > CAP_LAST_CAP)
			return -EINVAL;
		if (!(t->cred.cap_effective & (1ULL << CAP_SETPCAP)))
			return -EPERM;
		t->cred.cap_bounding &= ~(1ULL << arg2);
		return 0;
	case PR_GET_TIMERSLACK:
		return (long)t->timer_slack_ns;
	case PR_SET_TIMERSLACK:
		t->timer_slack_ns = arg2 ? arg2 : 50000;
		return 0;
	case PR_GET_SECCOMP:
		return 0;
	case PR_GET_THP_DISABLE:
		return 0;
	default:
		return -EINVAL;
	}
}
