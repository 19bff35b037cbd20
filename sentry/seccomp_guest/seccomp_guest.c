/* Enforcing the container's seccomp profile (see seccomp_guest.h). */
#include <errno.h>
#include <signal.h>
#include <string.h>
#include <linux/audit.h>
#include "sentry/seccomp_guest/seccomp_guest.h"
#include "sentry/kernel.h"
#include "sentry/task.h"
#include "sentry/signal.h"
#include "sentry/process.h"
#include "sentry/log.h"

#ifndef SYS_SECCOMP
#define SYS_SECCOMP 1
#endif

/* Linux force_sig_seccomp: SIGSYS that cannot be blocked or ignored and
 * kills even init. force_sig_fault queues it with si_code SYS_SECCOMP and
 * the call address (_sigsys._call_addr shares the offset of _sigfault's
 * si_addr); the rest of _sigsys and si_errno are filled in the queued copy. */
static void force_sigsys(struct task *t, const struct syscall_args *a, uint16_t data)
{
	force_sig_fault(t, SIGSYS, SYS_SECCOMP, t->regs.gp.rip);
	struct list_head *pos;
	list_for_each(pos, &t->pending.queue) {
		struct sigqueue *q = list_entry(pos, struct sigqueue, link);
		if (q->info.si_signo != SIGSYS || q->info.si_code != SYS_SECCOMP)
			continue;
		int32_t nr = (int32_t)a->nr;
		uint32_t arch = AUDIT_ARCH_X86_64;
		q->info.si_errno = data;
		memcpy(q->info.u.raw + 8, &nr, 4);
		memcpy(q->info.u.raw + 12, &arch, 4);
	}
}

bool guest_seccomp_filter(struct task *t, const struct syscall_args *a, long *ret)
{
	const struct gsc_rule *r = guest_seccomp_match(kernel.cfg.seccomp, a);
	switch (r->action) {
	case GSC_ALLOW:
		return false;
	case GSC_LOG:
		log_info("seccomp: pid %d syscall %llu allowed by SCMP_ACT_LOG", t->tg->tgid,
			 (unsigned long long)a->nr);
		return false;
	case GSC_ERRNO:
		*ret = -(long)r->data;
		return true;
	case GSC_TRAP:
		force_sigsys(t, a, r->data);
		*ret = -ENOSYS;
		return true;
	case GSC_KILL_THREAD:
		do_exit(t, SIGSYS);
	default:
		do_group_exit(t, SIGSYS);
	}
}
