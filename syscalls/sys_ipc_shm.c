/* SysV shared memory syscalls; the segments are in sentry/kernel/ipc/shm.c. */
#include "sentry/ipc.h"
#include "syscalls/syscall.h"

long sys_shmget(struct task *t, const struct syscall_args *a)
{
	return ipc_shmget(t, (int32_t)a->a[0], a->a[1], (int)a->a[2]);
}

long sys_shmat(struct task *t, const struct syscall_args *a)
{
	return ipc_shmat(t, (int)a->a[0], a->a[1], (int)a->a[2]);
}

long sys_shmdt(struct task *t, const struct syscall_args *a)
{
	return ipc_shmdt(t, a->a[0]);
}

long sys_shmctl(struct task *t, const struct syscall_args *a)
{
	return ipc_shmctl(t, (int)a->a[0], (int)a->a[1], a->a[2]);
}
