/* Descriptor operations: dup*, fcntl, close_range, flock, sync family. */
#include <errno.h>
#include <fcntl.h>
#include <sys/file.h>
#include "syscall.h"
#include "../vfs/vfs_impl.h"
#include "../vfs/lock.h"
#include "../vfs/memfd.h"
#include "../sentry/mm.h"
#include "../sentry/task.h"

#ifndef F_DUPFD_QUERY
#define F_DUPFD_QUERY 1027
#endif
#ifndef CLOSE_RANGE_UNSHARE
#define CLOSE_RANGE_UNSHARE (1U << 1)
#define CLOSE_RANGE_CLOEXEC (1U << 2)
#endif

long sys_dup(struct task *t, const struct syscall_args *a)
{
	struct file *f = fd_get(t->files, (int)a->a[0]);
	if (!f)
		return -EBADF;
	long fd = fd_install(t->files, 0, f, false);
	file_put(f);
	return fd;
}

static long do_dup3(struct task *t, int oldfd, int newfd, int flags)
{
	struct file *f = fd_get(t->files, oldfd);
	if (!f)
		return -EBADF;
	long ret = fd_install_at(t->files, newfd, f, flags & O_CLOEXEC);
	file_put(f);
	return ret;
}

long sys_dup2(struct task *t, const struct syscall_args *a)
{
	int oldfd = (int)a->a[0], newfd = (int)a->a[1];
	if (oldfd == newfd) {
		struct file *f = fd_get(t->files, oldfd);
		if (!f)
			return -EBADF;
		file_put(f);
		return newfd;
	}
	return do_dup3(t, oldfd, newfd, 0);
}

long sys_dup3(struct task *t, const struct syscall_args *a)
{
	int flags = (int)a->a[2];
	if ((flags & ~O_CLOEXEC) || a->a[0] == a->a[1])
		return -EINVAL;
	return do_dup3(t, (int)a->a[0], (int)a->a[1], flags);
}

/* F_GETOWN_EX/F_SETOWN_EX (glibc's fcntl(F_GETOWN) uses them): the owner
 * is kept as F_SETOWN's int, a thread owner is recorded as its id. */
static long owner_ex(struct task *t, struct file *f, int cmd, uint64_t arg)
{
	struct f_owner_ex ex;
	if (cmd == F_GETOWN_EX) {
		ex.type = f->owner < 0 ? F_OWNER_PGRP : F_OWNER_PID;
		ex.pid = f->owner < 0 ? -f->owner : f->owner;
		return copy_to_user(t->mm, arg, &ex, sizeof(ex)) ? -EFAULT : 0;
	}
	if (copy_from_user(t->mm, &ex, arg, sizeof(ex)))
		return -EFAULT;
	if (ex.type != F_OWNER_TID && ex.type != F_OWNER_PID && ex.type != F_OWNER_PGRP)
		return -EINVAL;
	if (ex.pid < 0)
		return -EINVAL;
	f->owner = ex.type == F_OWNER_PGRP ? -ex.pid : ex.pid;
	return 0;
}

#define SETFL_MASK (O_APPEND | O_NONBLOCK | O_ASYNC | O_DIRECT | O_NOATIME)

long sys_fcntl(struct task *t, const struct syscall_args *a)
{
	int fd = (int)a->a[0], cmd = (int)a->a[1];
	uint64_t arg = a->a[2];
	struct file *f = fd_get(t->files, fd);
	long ret;

	if (!f)
		return -EBADF;
	/* O_PATH descriptors answer only the descriptor commands (Linux check_fcntl_cmd). */
	if ((f->flags & O_PATH) && cmd != F_DUPFD && cmd != F_DUPFD_CLOEXEC && cmd != F_GETFD &&
	    cmd != F_SETFD && cmd != F_GETFL && cmd != F_DUPFD_QUERY) {
		file_put(f);
		return -EBADF;
	}
	switch (cmd) {
	case F_GETLK: case F_SETLK: case F_SETLKW:
	case F_OFD_GETLK: case F_OFD_SETLK: case F_OFD_SETLKW:
		ret = fcntl_lock(t, f, cmd, arg);
		break;
	case F_GETOWN:
		ret = f->owner;
		break;
	case F_SETOWN:
		f->owner = (int)arg;
		ret = 0;
		break;
	case F_GETOWN_EX:
	case F_SETOWN_EX:
		ret = owner_ex(t, f, cmd, arg);
		break;
	case F_ADD_SEALS:
	case F_GET_SEALS:
		ret = memfd_fcntl(f, cmd, (unsigned)arg);
		break;
	case F_DUPFD:
	case F_DUPFD_CLOEXEC:
		if (arg >= (uint64_t)fd_limit(t))
			ret = -EINVAL;
		else
			ret = fd_install(t->files, (int)arg, f, cmd == F_DUPFD_CLOEXEC);
		break;
	case F_DUPFD_QUERY: {
		/* Linux 6.10: does fd arg name the same open file description? */
		struct file *g = fd_get(t->files, (int)arg);
		ret = g ? g == f : -EBADF;
		if (g)
			file_put(g);
		break;
	}
	case F_GETLEASE:
		ret = F_UNLCK;
		break;
	case F_SETLEASE:
		ret = -EINVAL;  /* no leases: Linux with fs.leases-enable = 0 */
		break;
	case F_GETFD:
		ret = t->files->cloexec[fd] ? FD_CLOEXEC : 0;
		break;
	case F_SETFD:
		t->files->cloexec[fd] = arg & FD_CLOEXEC;
		ret = 0;
		break;
	case F_GETFL:
		ret = f->flags;
		break;
	case F_SETFL:
		if (f->flags & O_PATH) {
			ret = -EBADF;
			break;
		}
		ret = -EPERM;   /* O_NOATIME: the owner or CAP_FOWNER only */
		if ((arg & O_NOATIME) && !(f->flags & O_NOATIME) && f->inode &&
		    !inode_owner_or_capable(&t->cred, f->inode))
			break;
		f->flags = (f->flags & ~SETFL_MASK) | ((int)arg & SETFL_MASK);
		ret = 0;
		break;
	case F_GETPIPE_SZ:
	case F_SETPIPE_SZ:
		/* Pipes answer these through their ioctl op (same command numbers);
		 * anything else is "not a pipe": -EBADF like Linux. */
		ret = -EBADF;
		if (f->inode && S_ISFIFO(f->inode->mode) && f->fops && f->fops->ioctl) {
			ret = f->fops->ioctl(f, (unsigned)cmd, arg);
			if (ret == -ENOTTY)
				ret = -EBADF;
		}
		break;
	default:
		ret = -EINVAL;
	}
	file_put(f);
	return ret;
}

long sys_close_range(struct task *t, const struct syscall_args *a)
{
	unsigned first = (unsigned)a->a[0], last = (unsigned)a->a[1], flags = (unsigned)a->a[2];
	if ((flags & ~(CLOSE_RANGE_UNSHARE | CLOSE_RANGE_CLOEXEC)) || first > last)
		return -EINVAL;
	if ((flags & CLOSE_RANGE_UNSHARE) && t->files->refs > 1) {
		struct fdtable *n = fdtable_dup(t->files);
		if (!n)
			return -ENOMEM;
		fdtable_put(t->files);
		t->files = n;
	}
	struct fdtable *ft = t->files;
	for (uint64_t fd = first; fd <= last && fd < (uint64_t)ft->max; fd++) {
		if (!ft->fd[fd])
			continue;
		if (flags & CLOSE_RANGE_CLOEXEC)
			ft->cloexec[fd] = true;
		else
			fd_close(ft, (int)fd);
	}
	return 0;
}

long sys_flock(struct task *t, const struct syscall_args *a)
{
	struct file *f = fd_get(t->files, (int)a->a[0]);
	if (!f)
		return -EBADF;
	/* O_PATH and access mode 3 (ioctl-only) descriptors can neither read nor write */
	bool rw_mode = !(f->flags & O_PATH) && (f->flags & O_ACCMODE) != O_ACCMODE;
	long ret = rw_mode ? flock_file(t, f, (int)a->a[1]) : -EBADF;
	file_put(f);
	return ret;
}

static long do_fsync(struct task *t, int fd)
{
	struct file *f = fd_get(t->files, fd);
	if (!f)
		return -EBADF;
	long ret = 0;
	mode_t m = f->inode ? f->inode->mode : 0;
	if (f->flags & O_PATH)
		ret = -EBADF;
	else if (f->fops && f->fops->fsync)
		ret = f->fops->fsync(f);
	else if (!S_ISREG(m) && !S_ISDIR(m) && !S_ISLNK(m))
		ret = -EINVAL;  /* pipes, sockets, devices, anon files: no fsync op */
	file_put(f);
	return ret;
}

long sys_fsync(struct task *t, const struct syscall_args *a)
{
	return do_fsync(t, (int)a->a[0]);
}

long sys_fdatasync(struct task *t, const struct syscall_args *a)
{
	return do_fsync(t, (int)a->a[0]);
}

long sys_syncfs(struct task *t, const struct syscall_args *a)
{
	struct file *f = fd_get(t->files, (int)a->a[0]);
	if (!f)
		return -EBADF;
	long ret = (f->flags & O_PATH) ? -EBADF : 0;
	file_put(f);
	return ret;
}

long sys_sync(struct task *t, const struct syscall_args *a)
{
	return 0;
}
