/* pipe(2), pipe2(2). */
#include <errno.h>
#include <fcntl.h>
#include "syscalls/syscall.h"
#include "vfs/vfs.h"
#include "sentry/task.h"
#include "sentry/mm.h"

static long do_pipe2(struct task *t, uint64_t ufds, int flags)
{
	struct file *rd, *wr;
	int fds[2], err;
	bool cloexec = flags & O_CLOEXEC;

	if (flags & ~(O_CLOEXEC | O_NONBLOCK | O_DIRECT))
		return -EINVAL;
	err = pipe_create(flags, &rd, &wr);
	if (err)
		return err;
	fds[0] = fd_install(t->files, 0, rd, cloexec);
	fds[1] = fds[0] < 0 ? fds[0] : fd_install(t->files, 0, wr, cloexec);
	file_put(rd);
	file_put(wr);
	if (fds[1] < 0) {
		if (fds[0] >= 0)
			fd_close(t->files, fds[0]);
		return fds[1];
	}
	/* Like Linux, a bad array pointer leaves no descriptor behind. */
	if (copy_to_user(t->mm, ufds, fds, sizeof(fds))) {
		fd_close(t->files, fds[0]);
		fd_close(t->files, fds[1]);
		return -EFAULT;
	}
	return 0;
}

long sys_pipe(struct task *t, const struct syscall_args *a)
{
	return do_pipe2(t, a->a[0], 0);
}

long sys_pipe2(struct task *t, const struct syscall_args *a)
{
	return do_pipe2(t, a->a[0], (int)a->a[1]);
}
