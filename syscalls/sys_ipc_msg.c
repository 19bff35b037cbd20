/* SysV message queue syscalls; the queues are in sentry/kernel/ipc/msg.c. */
#include "sentry/ipc.h"
#include "syscalls/syscall.h"

long sys_msgget(struct task *t, const struct syscall_args *a)
{
	return ipc_msgget(t, (int32_t)a->a[0], (int)a->a[1]);
}

long sys_msgsnd(struct task *t, const struct syscall_args *a)
{
	return ipc_msgsnd(t, (int)a->a[0], a->a[1], a->a[2], (int)a->a[3]);
}

long sys_msgrcv(struct task *t, const struct syscall_args *a)
{
	return ipc_msgrcv(t, (int)a->a[0], a->a[1], a->a[2], (int64_t)a->a[3], (int)a->a[4]);
}

long sys_msgctl(struct task *t, const struct syscall_args *a)
{
	return ipc_msgctl(t, (int)a->a[0], (int)a->a[1], a->a[2]);
}
