/* ioctl(2): the requests every file understands, then the file's own. */
#include <errno.h>
#include <fcntl.h>
#include <sys/ioctl.h>
#include "syscalls/syscall.h"
#include "vfs/vfs.h"
#include "sentry/task.h"
#include "sentry/mm.h"

long sys_ioctl(struct task *t, const struct syscall_args *a)
{
	int fd = (int)a->a[0];
	unsigned cmd = (unsigned)a->a[1];
	uint64_t arg = a->a[2];
	struct file *f = fd_get(t->files, fd);
	long ret;
	int on;

	if (!f)
		return -EBADF;
	switch (cmd) {
	case FIOCLEX:
	case FIONCLEX:
		t->files->cloexec[fd] = cmd == FIOCLEX;
		ret = 0;
		break;
	case FIONBIO:
		if (copy_from_user(t->mm, &on, arg, sizeof(on))) {
			ret = -EFAULT;
			break;
		}
		if (on)
			f->flags |= O_NONBLOCK;
		else
			f->flags &= ~O_NONBLOCK;
		ret = 0;
		break;
	case FIOASYNC:
		/* O_ASYNC (SIGIO) is not implemented: accept turning it off only. */
		if (copy_from_user(t->mm, &on, arg, sizeof(on)))
			ret = -EFAULT;
		else
			ret = on ? -EINVAL : 0;
		break;
	default:
		ret = f->fops && f->fops->ioctl ? f->fops->ioctl(f, cmd, arg) : -ENOTTY;
		break;
	}
	file_put(f);
	return ret;
}
