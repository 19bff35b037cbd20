/* signalfd(2), signalfd4(2). */
#include "syscalls/syscall.h"
#include "vfs/anon/anon.h"

long sys_signalfd(struct task *t, const struct syscall_args *a)
{
	return signalfd_fd(t, (int)a->a[0], a->a[1], a->a[2], 0);
}

long sys_signalfd4(struct task *t, const struct syscall_args *a)
{
	return signalfd_fd(t, (int)a->a[0], a->a[1], a->a[2], (int)a->a[3]);
}
