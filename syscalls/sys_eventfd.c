/* eventfd(2), eventfd2(2). */
#include "syscalls/syscall.h"
#include "vfs/anon/anon.h"

long sys_eventfd(struct task *t, const struct syscall_args *a)
{
	return eventfd_create(t, (uint32_t)a->a[0], 0);
}

long sys_eventfd2(struct task *t, const struct syscall_args *a)
{
	return eventfd_create(t, (uint32_t)a->a[0], (int)a->a[1]);
}
