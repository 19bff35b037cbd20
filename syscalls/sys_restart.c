/* restart_syscall: resume a sleep interrupted with -ERESTART_RESTARTBLOCK. */
#include <errno.h>
#include "syscalls/syscall.h"
#include "sentry/task.h"

long sys_restart_syscall(struct task *t, const struct syscall_args *a)
{
	if (!t->restart.fn)
		return -EINTR;
	long (*fn)(struct task *, struct restart_block *) = t->restart.fn;
	t->restart.fn = NULL;
	return fn(t, &t->restart);
}
