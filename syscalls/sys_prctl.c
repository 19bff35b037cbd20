/* prctl and arch_prctl. */
#include <errno.h>
#include <string.h>
#include <signal.h>
#include <sys/prctl.h>
#include <asm/prctl.h>
#include "syscalls/syscall.h"
#include "sentry/cred.h"
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

/* The capability options (security/commoncap.c cap_task_prctl). */
static long prctl_caps(struct task *t, int op, uint64_t arg2, uint64_t arg3, uint64_t arg4,
		       uint64_t arg5)
{
	struct cred *c = &t->cred;
	unsigned sb = c->securebits;

	switch (op) {
	case PR_GET_KEEPCAPS:
		return cred_secure(c, SECURE_KEEP_CAPS);
	case PR_SET_KEEPCAPS:
		if (arg2 > 1)
			return -EINVAL;
		if (cred_secure(c, SECURE_KEEP_CAPS_LOCKED))
			return -EPERM;
		c->securebits = arg2 ? sb | SECBIT_KEEP_CAPS : sb & ~SECBIT_KEEP_CAPS;
		return 0;
	case PR_GET_SECUREBITS:
		return sb;
	case PR_SET_SECUREBITS:
		/* locked bits cannot change, locks cannot go, no unknown bits,
		 * and every change needs CAP_SETPCAP: all EPERM */
		if ((((sb & SECURE_ALL_LOCKS) >> 1) & (sb ^ arg2)) || (sb & SECURE_ALL_LOCKS & ~arg2) ||
		    (arg2 & ~(uint64_t)SECURE_ALL_VALID) || !cred_has_cap(c, CAP_SETPCAP))
			return -EPERM;
		c->securebits = (unsigned)arg2;
		return 0;
	case PR_CAPBSET_READ:
		if (arg2 > CAP_LAST_CAP)
			return -EINVAL;
		return (c->cap_bounding >> arg2) & 1;
	case PR_CAPBSET_DROP:
		if (!cred_has_cap(c, CAP_SETPCAP))
			return -EPERM;
		if (arg2 > CAP_LAST_CAP)
			return -EINVAL;
		c->cap_bounding &= ~(1ULL << arg2);
		return 0;
	case PR_CAP_AMBIENT:
		if (arg2 == PR_CAP_AMBIENT_CLEAR_ALL) {
			if (arg3 | arg4 | arg5)
				return -EINVAL;
			c->cap_ambient = 0;
			return 0;
		}
		if (arg3 > CAP_LAST_CAP || arg4 || arg5)
			return -EINVAL;
		switch (arg2) {
		case PR_CAP_AMBIENT_IS_SET:
			return (c->cap_ambient >> arg3) & 1;
		case PR_CAP_AMBIENT_RAISE:
			if (!((c->cap_permitted & c->cap_inheritable) & (1ULL << arg3)) ||
			    cred_secure(c, SECURE_NO_CAP_AMBIENT_RAISE))
				return -EPERM;
			c->cap_ambient |= 1ULL << arg3;
			return 0;
		case PR_CAP_AMBIENT_LOWER:
			c->cap_ambient &= ~(1ULL << arg3);
			return 0;
		}
		return -EINVAL;
	}
	return -EINVAL;
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
		if (arg2 || a->a[2] || a->a[3] || a->a[4])
			return -EINVAL;
		return t->no_new_privs;
	case PR_SET_CHILD_SUBREAPER:
		t->tg->child_subreaper = arg2 != 0;
		return 0;
	case PR_GET_CHILD_SUBREAPER: {
		int32_t v = t->tg->child_subreaper;
		return copy_to_user(t->mm, arg2, &v, sizeof(v)) ? -EFAULT : 0;
	}
	case PR_GET_KEEPCAPS:
	case PR_SET_KEEPCAPS:
	case PR_GET_SECUREBITS:
	case PR_SET_SECUREBITS:
	case PR_CAPBSET_READ:
	case PR_CAPBSET_DROP:
	case PR_CAP_AMBIENT:
		return prctl_caps(t, (int)a->a[0], arg2, a->a[2], a->a[3], a->a[4]);
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
