/*
 * membarrier(2). Guest threads are host threads of the stub processes, so
 * "every other running thread has executed a full memory barrier" is a host
 * property the sentry cannot provide by itself: a syscall that traps
 * serializes only the calling thread. Every barrier command is therefore
 * served by the host's MEMBARRIER_CMD_GLOBAL (synchronize_rcu: each CPU
 * passes a quiescent state, i.e. a context switch or a return to user mode,
 * which is also core-serializing on x86), issued with the kernel lock
 * dropped. It is a superset of what each command promises, at the price of
 * an RCU grace period per call. The sentry's seccomp allowlist admits
 * membarrier with exactly these arguments. Registrations are kept per
 * process (Linux: per mm) and reset by exec. No rseq, so no *_RSEQ commands.
 */
#include <errno.h>
#include "platform/platform.h"
#include "sentry/kernel.h"
#include "sentry/log.h"
#include "sentry/task.h"
#include "syscalls/syscall.h"

#define MB_QUERY                       0
#define MB_GLOBAL                      (1 << 0)
#define MB_GLOBAL_EXPEDITED            (1 << 1)
#define MB_REGISTER_GLOBAL_EXPEDITED   (1 << 2)
#define MB_PRIVATE_EXPEDITED           (1 << 3)
#define MB_REGISTER_PRIVATE_EXPEDITED  (1 << 4)
#define MB_PRIVATE_SYNC_CORE           (1 << 5)
#define MB_REGISTER_PRIVATE_SYNC_CORE  (1 << 6)
#define MB_GET_REGISTRATIONS           (1 << 9)
#define MB_SUPPORTED (MB_GLOBAL | MB_GLOBAL_EXPEDITED | MB_REGISTER_GLOBAL_EXPEDITED | \
		      MB_PRIVATE_EXPEDITED | MB_REGISTER_PRIVATE_EXPEDITED | MB_PRIVATE_SYNC_CORE | \
		      MB_REGISTER_PRIVATE_SYNC_CORE | MB_GET_REGISTRATIONS)
#define MB_REGISTRATIONS (MB_REGISTER_GLOBAL_EXPEDITED | MB_REGISTER_PRIVATE_EXPEDITED | \
			  MB_REGISTER_PRIVATE_SYNC_CORE)

static void host_barrier(void)
{
	static bool warned;

	kernel_unlock();
	int err = platform_membarrier();
	kernel_lock();
	if (err && !warned) {
		warned = true;   /* e.g. nohz_full hosts: nothing stronger is available */
		log_warn("membarrier: host MEMBARRIER_CMD_GLOBAL failed: %d", -err);
	}
}

long sys_membarrier(struct task *t, const struct syscall_args *a)
{
	int cmd = (int)a->a[0];
	unsigned flags = (unsigned)a->a[1];
	int *state = &t->tg->membarrier_state;

	if (flags)
		return -EINVAL;   /* MEMBARRIER_CMD_FLAG_CPU goes only with the rseq command */
	switch (cmd) {
	case MB_QUERY:
		return MB_SUPPORTED;
	case MB_GLOBAL:
	case MB_GLOBAL_EXPEDITED:
		host_barrier();
		return 0;
	case MB_PRIVATE_EXPEDITED:
	case MB_PRIVATE_SYNC_CORE:
		/* each needs its registration: the one of the command's next bit */
		if (!(*state & (cmd << 1)))
			return -EPERM;
		host_barrier();
		return 0;
	case MB_REGISTER_GLOBAL_EXPEDITED:
	case MB_REGISTER_PRIVATE_EXPEDITED:
	case MB_REGISTER_PRIVATE_SYNC_CORE:
		*state |= cmd;
		return 0;
	case MB_GET_REGISTRATIONS:
		return *state & MB_REGISTRATIONS;
	default:
		return -EINVAL;
	}
}
