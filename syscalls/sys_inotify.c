/* inotify_init, inotify_init1, inotify_add_watch, inotify_rm_watch. */
#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <sys/inotify.h>
#include "syscall.h"
#include "../vfs/vfs_impl.h"
#include "../vfs/inotify.h"
#include "../sentry/task.h"

static long do_init(struct task *t, int flags)
{
	struct file *f;
	if (flags & ~(IN_CLOEXEC | IN_NONBLOCK))
		return -EINVAL;
	long err = inotify_create(flags & IN_NONBLOCK ? O_NONBLOCK : 0, &f);
	if (err)
		return err;
	err = fd_install(t->files, 0, f, flags & IN_CLOEXEC);
	file_put(f);
	return err;
}

long sys_inotify_init(struct task *t, const struct syscall_args *a)
{
	return do_init(t, 0);
}

long sys_inotify_init1(struct task *t, const struct syscall_args *a)
{
	return do_init(t, (int)a->a[0]);
}

long sys_inotify_add_watch(struct task *t, const struct syscall_args *a)
{
	uint32_t mask = (uint32_t)a->a[2];
	if (!(mask & IN_ALL_EVENTS) || ((mask & IN_MASK_ADD) && (mask & IN_MASK_CREATE)))
		return -EINVAL;
	struct file *f = fd_get(t->files, (int)a->a[0]);
	if (!f)
		return -EBADF;
	struct inotify *in = inotify_from_file(f);
	char *path;
	long err = in ? vfs_getname(t, a->a[1], &path) : -EINVAL;
	if (err >= 0) {
		err = inotify_watch_add(t, in, path, mask);
		free(path);
	}
	file_put(f);
	return err;
}

long sys_inotify_rm_watch(struct task *t, const struct syscall_args *a)
{
	struct file *f = fd_get(t->files, (int)a->a[0]);
	if (!f)
		return -EBADF;
	struct inotify *in = inotify_from_file(f);
	long err = in ? inotify_watch_rm(in, (int)a->a[1]) : -EINVAL;
	file_put(f);
	return err;
}
