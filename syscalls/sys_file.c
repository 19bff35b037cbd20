/* open/close/read/write and friends. Guest data moves through a bounded
 * bounce buffer (vfs_read_user/vfs_write_user). */
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdlib.h>
#include <sys/uio.h>
#include "syscall.h"
#include "../vfs/vfs_impl.h"
#include "../sentry/mm.h"
#include "../sentry/task.h"

#ifndef RWF_HIPRI
#define RWF_HIPRI 0x1
#define RWF_DSYNC 0x2
#define RWF_SYNC 0x4
#endif

static long do_open(struct task *t, int dirfd, uint64_t upath, int flags, mode_t mode)
{
	char *path;
	struct file *f;
	long err = vfs_getname(t, upath, &path);
	if (err < 0)
		return err;
	err = vfs_open(t, dirfd, path, flags, mode, &f);
	free(path);
	if (err)
		return err;
	err = fd_install(t->files, 0, f, flags & O_CLOEXEC);
	file_put(f);
	return err;
}

long sys_open(struct task *t, const struct syscall_args *a)
{
	return do_open(t, AT_FDCWD, a->a[0], (int)a->a[1], (mode_t)a->a[2]);
}

long sys_openat(struct task *t, const struct syscall_args *a)
{
	return do_open(t, (int)a->a[0], a->a[1], (int)a->a[2], (mode_t)a->a[3]);
}

long sys_creat(struct task *t, const struct syscall_args *a)
{
	return do_open(t, AT_FDCWD, a->a[0], O_CREAT | O_WRONLY | O_TRUNC, (mode_t)a->a[1]);
}

long sys_close(struct task *t, const struct syscall_args *a)
{
	return fd_close(t->files, (int)a->a[0]);
}

static bool seekable(struct file *f)
{
	return !f->inode || !(S_ISFIFO(f->inode->mode) || S_ISSOCK(f->inode->mode));
}

/* pos: NULL for the file position, else the explicit offset. */
static long rw(struct task *t, int fd, uint64_t buf, size_t len, uint64_t *pos, bool write)
{
	struct file *f = fd_get(t->files, fd);
	if (!f)
		return -EBADF;
	long ret;
	if (pos && !seekable(f))
		ret = -ESPIPE;
	else if (write)
		ret = vfs_write_user(t, f, buf, len, pos);
	else
		ret = vfs_read_user(t, f, buf, len, pos);
	file_put(f);
	return ret;
}

long sys_read(struct task *t, const struct syscall_args *a)
{
	return rw(t, (int)a->a[0], a->a[1], a->a[2], NULL, false);
}

long sys_write(struct task *t, const struct syscall_args *a)
{
	return rw(t, (int)a->a[0], a->a[1], a->a[2], NULL, true);
}

long sys_pread64(struct task *t, const struct syscall_args *a)
{
	uint64_t pos = a->a[3];
	if ((int64_t)pos < 0)
		return -EINVAL;
	return rw(t, (int)a->a[0], a->a[1], a->a[2], &pos, false);
}

long sys_pwrite64(struct task *t, const struct syscall_args *a)
{
	uint64_t pos = a->a[3];
	if ((int64_t)pos < 0)
		return -EINVAL;
	return rw(t, (int)a->a[0], a->a[1], a->a[2], &pos, true);
}

/* Vectored I/O: each iovec in turn, stopping at the first short transfer. */
static long rwv(struct task *t, int fd, uint64_t uiov, uint64_t cnt, uint64_t *pos, bool write)
{
	if (cnt > IOV_MAX)
		return -EINVAL;
	struct file *f = fd_get(t->files, fd);
	if (!f)
		return -EBADF;
	struct iovec *iov = cnt ? malloc(sizeof(*iov) * cnt) : NULL;
	long ret = 0;
	size_t total = 0;

	if (pos && !seekable(f)) {
		ret = -ESPIPE;
		goto out;
	}
	if (cnt && !iov) {
		ret = -ENOMEM;
		goto out;
	}
	if (cnt && copy_from_user(t->mm, iov, uiov, sizeof(*iov) * cnt)) {
		ret = -EFAULT;
		goto out;
	}
	for (uint64_t i = 0; i < cnt; i++) {
		if (iov[i].iov_len > SSIZE_MAX || total + iov[i].iov_len > SSIZE_MAX) {
			ret = -EINVAL;
			goto out;
		}
		total += iov[i].iov_len;
	}
	size_t done = 0;
	for (uint64_t i = 0; i < cnt; i++) {
		size_t len = iov[i].iov_len;
		if (!len)
			continue;
		ssize_t n = write ? vfs_write_user(t, f, (uint64_t)iov[i].iov_base, len, pos)
				  : vfs_read_user(t, f, (uint64_t)iov[i].iov_base, len, pos);
		if (n < 0) {
			ret = done ? (long)done : n;
			goto out;
		}
		done += (size_t)n;
		if ((size_t)n < len)
			break;
	}
	if (!cnt)                        /* still report a bad access mode */
		ret = write ? vfs_write(f, "", 0, pos) : vfs_read(f, NULL, 0, pos);
	else
		ret = (long)done;
out:
	free(iov);
	file_put(f);
	return ret;
}

long sys_readv(struct task *t, const struct syscall_args *a)
{
	return rwv(t, (int)a->a[0], a->a[1], a->a[2], NULL, false);
}

long sys_writev(struct task *t, const struct syscall_args *a)
{
	return rwv(t, (int)a->a[0], a->a[1], a->a[2], NULL, true);
}

long sys_preadv(struct task *t, const struct syscall_args *a)
{
	uint64_t pos = a->a[3];
	if ((int64_t)pos < 0)
		return -EINVAL;
	return rwv(t, (int)a->a[0], a->a[1], a->a[2], &pos, false);
}

long sys_pwritev(struct task *t, const struct syscall_args *a)
{
	uint64_t pos = a->a[3];
	if ((int64_t)pos < 0)
		return -EINVAL;
	return rwv(t, (int)a->a[0], a->a[1], a->a[2], &pos, true);
}

/* preadv2/pwritev2: offset -1 = file position; only advisory flags accepted. */
static long rwv2(struct task *t, const struct syscall_args *a, bool write)
{
	uint64_t pos = a->a[3];
	if (a->a[5] & ~(uint64_t)(RWF_HIPRI | RWF_DSYNC | RWF_SYNC))
		return -EOPNOTSUPP;
	if ((int64_t)pos == -1)
		return rwv(t, (int)a->a[0], a->a[1], a->a[2], NULL, write);
	if ((int64_t)pos < 0)
		return -EINVAL;
	return rwv(t, (int)a->a[0], a->a[1], a->a[2], &pos, write);
}

long sys_preadv2(struct task *t, const struct syscall_args *a)
{
	return rwv2(t, a, false);
}

long sys_pwritev2(struct task *t, const struct syscall_args *a)
{
	return rwv2(t, a, true);
}

long sys_lseek(struct task *t, const struct syscall_args *a)
{
	struct file *f = fd_get(t->files, (int)a->a[0]);
	if (!f)
		return -EBADF;
	long ret = seekable(f) ? vfs_llseek(f, (int64_t)a->a[1], (int)a->a[2]) : -ESPIPE;
	file_put(f);
	return ret;
}
