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

#define TASK_SIZE 0x7ffffffff000ULL        /* Linux's user address limit */
#define MAX_RW_COUNT (INT_MAX & ~4095L)     /* Linux's cap on one transfer */
#define STREAM_MAX (1 << 20)                /* one vectored pipe/socket transfer */

/* Linux's VALID_OPEN_FLAGS: open/openat ignore every other bit. */
#define VALID_OPEN_FLAGS (O_ACCMODE | O_CREAT | O_EXCL | O_NOCTTY | O_TRUNC | O_APPEND | \
			  O_NONBLOCK | O_DSYNC | O_ASYNC | O_DIRECT | 0100000 /* O_LARGEFILE */ | \
			  O_DIRECTORY | O_NOFOLLOW | O_NOATIME | O_CLOEXEC | O_PATH | O_TMPFILE | \
			  O_SYNC)

static long do_open(struct task *t, int dirfd, uint64_t upath, int flags, mode_t mode)
{
	flags &= VALID_OPEN_FLAGS;
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

static bool seekable(const struct file *f)
{
	return !f->inode || !(S_ISFIFO(f->inode->mode) || S_ISSOCK(f->inode->mode));
}

/* Linux's access_ok: the whole range lies below the user address limit. */
static bool user_range_ok(uint64_t addr, size_t len)
{
	return len <= TASK_SIZE && addr <= TASK_SIZE - len;
}

/* The -EBADF a transfer in this direction gets before anything else. */
static bool bad_mode(const struct file *f, bool write)
{
	int acc = f->flags & O_ACCMODE;
	return (f->flags & O_PATH) || acc == O_ACCMODE || acc == (write ? O_RDONLY : O_WRONLY);
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
	else if (!user_range_ok(buf, len))
		ret = bad_mode(f, write) ? -EBADF : -EFAULT;
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

/* Copy in and check an iovec array like Linux's import_iovec: a negative
 * length is -EINVAL, a segment outside user space -EFAULT, and the total is
 * cut to MAX_RW_COUNT. */
static long import_iov(struct task *t, uint64_t uiov, uint64_t cnt, struct iovec **out)
{
	struct iovec *iov = cnt ? malloc(sizeof(*iov) * cnt) : NULL;
	size_t total = 0;

	*out = iov;
	if (cnt && !iov)
		return -ENOMEM;
	if (cnt && copy_from_user(t->mm, iov, uiov, sizeof(*iov) * cnt))
		return -EFAULT;
	for (uint64_t i = 0; i < cnt; i++) {
		if ((ssize_t)iov[i].iov_len < 0)
			return -EINVAL;
		if (!user_range_ok((uint64_t)iov[i].iov_base, iov[i].iov_len))
			return -EFAULT;
		if (iov[i].iov_len > MAX_RW_COUNT - total)
			iov[i].iov_len = MAX_RW_COUNT - total;
		total += iov[i].iov_len;
	}
	return 0;
}

/* Pipes, sockets and devices take a vectored transfer as one read or write
 * through one buffer: a datagram is never split, and a read never waits
 * for more after filling the first iovecs. The part beyond STREAM_MAX is
 * left for the next call (a short transfer). */
static long rwv_once(struct task *t, struct file *f, const struct iovec *iov, uint64_t cnt,
		     uint64_t *pos, bool write)
{
	size_t total = 0, done = 0;
	for (uint64_t i = 0; i < cnt; i++)
		total += iov[i].iov_len;         /* import_iov capped it at MAX_RW_COUNT */
	if (total > STREAM_MAX)
		total = STREAM_MAX;
	char *buf = malloc(total ? total : 1);
	long ret;
	if (!buf)
		return -ENOMEM;
	if (write) {
		for (uint64_t i = 0; i < cnt && done < total; i++) {
			size_t n = iov[i].iov_len < total - done ? iov[i].iov_len : total - done;
			if (copy_from_user(t->mm, buf + done, (uint64_t)iov[i].iov_base, n))
				break;
			done += n;
		}
		ret = done == total || done ? vfs_write(f, buf, done, pos) : -EFAULT;
	} else {
		ret = vfs_read(f, buf, total, pos);
		for (uint64_t i = 0; i < cnt && ret > 0 && done < (size_t)ret; i++) {
			size_t n = iov[i].iov_len < (size_t)ret - done ? iov[i].iov_len : (size_t)ret - done;
			if (copy_to_user(t->mm, (uint64_t)iov[i].iov_base, buf + done, n)) {
				ret = done ? (long)done : -EFAULT;
				break;
			}
			done += n;
		}
	}
	free(buf);
	return ret;
}

/* Vectored I/O: on regular files each iovec in turn, stopping at the first
 * short transfer; everything else in one go (rwv_once). */
static long rwv(struct task *t, struct file *f, const struct iovec *iov, uint64_t cnt,
		uint64_t *pos, bool write)
{
	size_t done = 0;
	if (!cnt)                        /* still report a bad access mode */
		return write ? vfs_write(f, "", 0, pos) : vfs_read(f, NULL, 0, pos);
	if (f->inode && !S_ISREG(f->inode->mode) && !S_ISDIR(f->inode->mode))
		return rwv_once(t, f, iov, cnt, pos, write);
	for (uint64_t i = 0; i < cnt; i++) {
		size_t len = iov[i].iov_len;
		if (!len)
			continue;
		ssize_t n = write ? vfs_write_user(t, f, (uint64_t)iov[i].iov_base, len, pos)
				  : vfs_read_user(t, f, (uint64_t)iov[i].iov_base, len, pos);
		if (n < 0)
			return done ? (long)done : n;
		done += (size_t)n;
		if ((size_t)n < len)
			break;
	}
	return (long)done;
}

/* RWF_* flags of preadv2/pwritev2 (Linux 6.18 knows 0x1ff). */
#define RWF_NOWAIT_ 0x08
#define RWF_APPEND_ 0x10
#define RWF_NOAPPEND_ 0x20
#define RWF_ATOMIC_ 0x40
#define RWF_DONTCACHE_ 0x80
#define RWF_KNOWN 0x1ff

/* The per-call flags as a temporary change of the description's flags
 * (O_NONBLOCK, O_APPEND); -EOPNOTSUPP for what no file here supports:
 * atomic and uncached I/O, and RWF_NOWAIT on anything but pipes and
 * sockets (like tmpfs). RWF_NOSIGNAL is accepted, SIGPIPE still comes. */
static long rwf_flags(const struct file *f, uint64_t rwf, bool write, int *flags)
{
	*flags = f->flags;
	if (rwf & ~(uint64_t)RWF_KNOWN || rwf & (RWF_ATOMIC_ | RWF_DONTCACHE_))
		return -EOPNOTSUPP;
	if (rwf & RWF_NOWAIT_) {
		if (seekable(f))
			return -EOPNOTSUPP;
		*flags |= O_NONBLOCK;
	}
	if (write && seekable(f) && (rwf & RWF_APPEND_))
		*flags |= O_APPEND;
	if (write && seekable(f) && (rwf & RWF_NOAPPEND_))
		*flags &= ~O_APPEND;
	return 0;
}

/* readv/writev/preadv/pwritev/preadv2/pwritev2; pos -1 = the file position. */
static long do_rwv(struct task *t, int fd, uint64_t uiov, uint64_t cnt, int64_t off,
		   uint64_t rwf, bool write)
{
	uint64_t pos = (uint64_t)off;
	if (cnt > IOV_MAX)
		return -EINVAL;
	if (off < -1)
		return -EINVAL;
	struct file *f = fd_get(t->files, fd);
	if (!f)
		return -EBADF;
	struct iovec *iov = NULL;
	int flags, saved = f->flags;
	long ret;
	if (off >= 0 && !seekable(f))
		ret = -ESPIPE;
	else if (bad_mode(f, write))
		ret = -EBADF;
	else if ((ret = import_iov(t, uiov, cnt, &iov)))
		;
	else if ((ret = rwf_flags(f, rwf, write, &flags)))
		;
	else if (flags == saved)
		ret = rwv(t, f, iov, cnt, off >= 0 ? &pos : NULL, write);
	else {
		/* per-call flags: NOWAIT never sleeps; an F_SETFL by another thread
		 * while a gofer file's host I/O runs unlocked would be undone */
		f->flags = flags;
		ret = rwv(t, f, iov, cnt, off >= 0 ? &pos : NULL, write);
		f->flags = saved;
	}
	free(iov);
	file_put(f);
	return ret;
}

long sys_readv(struct task *t, const struct syscall_args *a)
{
	return do_rwv(t, (int)a->a[0], a->a[1], a->a[2], -1, 0, false);
}

long sys_writev(struct task *t, const struct syscall_args *a)
{
	return do_rwv(t, (int)a->a[0], a->a[1], a->a[2], -1, 0, true);
}

static long positioned(struct task *t, const struct syscall_args *a, uint64_t rwf, bool write)
{
	int64_t off = (int64_t)a->a[3];
	if (off < 0)
		return -EINVAL;
	return do_rwv(t, (int)a->a[0], a->a[1], a->a[2], off, rwf, write);
}

long sys_preadv(struct task *t, const struct syscall_args *a)
{
	return positioned(t, a, 0, false);
}

long sys_pwritev(struct task *t, const struct syscall_args *a)
{
	return positioned(t, a, 0, true);
}

/* preadv2/pwritev2: offset -1 = the file position, per-call RWF_* flags. */
long sys_preadv2(struct task *t, const struct syscall_args *a)
{
	return do_rwv(t, (int)a->a[0], a->a[1], a->a[2], (int64_t)a->a[3], a->a[5], false);
}

long sys_pwritev2(struct task *t, const struct syscall_args *a)
{
	return do_rwv(t, (int)a->a[0], a->a[1], a->a[2], (int64_t)a->a[3], a->a[5], true);
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
