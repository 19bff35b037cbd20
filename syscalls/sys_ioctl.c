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
	int on, bit;

	if (!f)
		return -EBADF;
	if (f->flags & O_PATH) {        /* Linux's fdget() does not see O_PATH files */
		file_put(f);
		return -EBADF;
	}
	switch (cmd) {
	case FIOCLEX:
	case FIONCLEX:
		t->files->cloexec[fd] = cmd == FIOCLEX;
		ret = 0;
		break;
	case FIONBIO:
	case FIOASYNC:
		/* Like F_SETFL: the flag is recorded; SIGIO delivery is not implemented. */
		if (copy_from_user(t->mm, &on, arg, sizeof(on))) {
			ret = -EFAULT;
			break;
		}
		bit = cmd == FIONBIO ? O_NONBLOCK : O_ASYNC;
		if (on)
			f->flags |= bit;
		else
			f->flags &= ~bit;
		ret = 0;
		break;
	default:
		ret = f->fops && f->fops->ioctl ? f->fops->ioctl(f, cmd, arg) : -ENOTTY;
		break;
	}
	file_put(f);
	return ret;
}
