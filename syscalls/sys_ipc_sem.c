/* SysV semaphore syscalls; the arrays are in sentry/kernel/ipc/sem.c. */
#include "sentry/ipc.h"
#include "syscalls/syscall.h"

long sys_semget(struct task *t, const struct syscall_args *a)
{
	return ipc_semget(t, (int32_t)a->a[0], (int)a->a[1], (int)a->a[2]);
}

long sys_semop(struct task *t, const struct syscall_args *a)
{
	return ipc_semtimedop(t, (int)a->a[0], a->a[1], a->a[2], 0);
}

long sys_semtimedop(struct task *t, const struct syscall_args *a)
{
	return ipc_semtimedop(t, (int)a->a[0], a->a[1], a->a[2], a->a[3]);
}

long sys_semctl(struct task *t, const struct syscall_args *a)
{
	return ipc_semctl(t, (int)a->a[0], (int)a->a[1], (int)a->a[2], a->a[3]);
}
