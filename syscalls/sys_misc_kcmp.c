/*
 * kcmp(2): do two tasks share a kernel resource? 0 same, 1 or 2 for an
 * ordering of the objects (pointer order here; Linux obfuscates them).
 * KCMP_IO compares tasks (no io_context objects exist); KCMP_SYSVSEM the
 * per-process undo lists of sentry/kernel/ipc/sem.c; KCMP_EPOLL_TFD is
 * -EOPNOTSUPP (what Linux returns without CONFIG_EPOLL).
 */
#include <errno.h>
#include "sentry/ptrace_access.h"
#include "sentry/task.h"
#include "syscalls/syscall.h"
#include "vfs/vfs.h"

enum { KCMP_FILE, KCMP_VM, KCMP_FILES, KCMP_FS, KCMP_SIGHAND, KCMP_IO, KCMP_SYSVSEM, KCMP_EPOLL_TFD };

static long order(const void *a, const void *b)
{
	return (a < b) | ((a > b) << 1);
}

static long cmp_files(struct task *t1, struct task *t2, int fd1, int fd2)
{
	struct file *f1 = t1->files ? fd_get(t1->files, fd1) : NULL;
	struct file *f2 = t2->files ? fd_get(t2->files, fd2) : NULL;
	long r = f1 && f2 ? order(f1, f2) : -EBADF;

	if (f1)
		file_put(f1);
	if (f2)
		file_put(f2);
	return r;
}

long sys_kcmp(struct task *t, const struct syscall_args *a)
{
	struct task *t1 = task_lookup((int)a->a[0]), *t2 = task_lookup((int)a->a[1]);

	if (!t1 || !t2)
		return -ESRCH;
	if (ptrace_may_access(t, t1, false) || ptrace_may_access(t, t2, false))
		return -EPERM;
	switch ((int)a->a[2]) {
	case KCMP_FILE: return cmp_files(t1, t2, (int)a->a[3], (int)a->a[4]);
	case KCMP_VM: return order(t1->mm, t2->mm);
	case KCMP_FILES: return order(t1->files, t2->files);
	case KCMP_FS: return order(t1->fs, t2->fs);
	case KCMP_SIGHAND: return order(t1->sighand, t2->sighand);
	case KCMP_IO: return order(t1, t2);
	case KCMP_SYSVSEM: return order(t1->tg->sem_undo, t2->tg->sem_undo);
	case KCMP_EPOLL_TFD: return -EOPNOTSUPP;
	default: return -EINVAL;
	}
}
