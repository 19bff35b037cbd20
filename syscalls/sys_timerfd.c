/* timerfd_create(2), timerfd_settime(2), timerfd_gettime(2). */
#include "syscalls/syscall.h"
#include "vfs/anon/anon.h"

long sys_timerfd_create(struct task *t, const struct syscall_args *a)
{
	return timerfd_create_fd(t, (int)a->a[0], (int)a->a[1]);
}

long sys_timerfd_settime(struct task *t, const struct syscall_args *a)
{
	return timerfd_settime_fd(t, (int)a->a[0], (int)a->a[1], a->a[2], a->a[3]);
}

long sys_timerfd_gettime(struct task *t, const struct syscall_args *a)
{
	return timerfd_gettime_fd(t, (int)a->a[0], a->a[1]);
}
