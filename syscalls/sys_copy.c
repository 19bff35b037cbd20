/*
 * Copying between descriptors in the kernel: sendfile, copy_file_range,
 * splice, tee, vmsplice; and the advisory/space calls fallocate,
 * sync_file_range, fadvise64, readahead. Data moves through a bounded
 * bounce buffer with vfs_read/vfs_write, so file events and seals apply.
 */
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdlib.h>
#include <sys/uio.h>
#include <linux/falloc.h>
#include "syscall.h"
#include "../vfs/vfs_impl.h"
#include "../vfs/pipe/pipe.h"
#include "../vfs/tmpfs/tmpfs.h"
#include "../sentry/mm.h"
#include "../sentry/task.h"

#define MAX_RW_COUNT (INT_MAX & ~4095L)
#define SPLICE_FLAGS (SPLICE_F_MOVE | SPLICE_F_NONBLOCK | SPLICE_F_MORE | SPLICE_F_GIFT)

static bool readable(const struct file *f)
{
	int acc = f->flags & O_ACCMODE;
	return !(f->flags & O_PATH) && (acc == O_RDONLY || acc == O_RDWR);
}

static bool writable(const struct file *f)
{
	int acc = f->flags & O_ACCMODE;
	return !(f->flags & O_PATH) && (acc == O_WRONLY || acc == O_RDWR);
}

static bool is_reg(const struct file *f)
{
	return f->inode && S_ISREG(f->inode->mode);
}

/* Move up to len bytes from in at *ipos to out at *opos (NULL: positions
 * of the files). Stops at EOF or a short write; errors only when nothing moved. */
static long copy_data(struct file *in, uint64_t *ipos, struct file *out, uint64_t *opos, size_t len)
{
	size_t done = 0;
	long ret = 0;
	char *buf = malloc(len < VFS_BOUNCE ? (len ? len : 1) : VFS_BOUNCE);
	if (!buf)
		return -ENOMEM;
	while (done < len) {
		size_t step = len - done < VFS_BOUNCE ? len - done : VFS_BOUNCE;
		uint64_t rpos = ipos ? *ipos : in->pos;
		ssize_t n = vfs_read(in, buf, step, &rpos);
		if (n <= 0) {
			ret = n;
			break;
		}
		ssize_t w = vfs_write(out, buf, (size_t)n, opos);
		if (w < 0) {
			ret = w;
			break;
		}
		/* the input advances only by what was written */
		if (ipos)
			*ipos += (uint64_t)w;
		else
			in->pos += (uint64_t)w;
		done += (size_t)w;
		/* only regular files are read again: a pipe or socket would block */
		if (w < n || !is_reg(in))
			break;
	}
	free(buf);
	return done ? (long)done : ret;
}

static long get_off(struct task *t, uint64_t uoff, uint64_t *off)
{
	int64_t v;
	if (copy_from_user(t->mm, &v, uoff, sizeof(v)))
		return -EFAULT;
	if (v < 0)
		return -EINVAL;
	*off = (uint64_t)v;
	return 0;
}

static long put_off(struct task *t, uint64_t uoff, uint64_t off)
{
	return copy_to_user(t->mm, uoff, &off, sizeof(off)) ? -EFAULT : 0;
}

/* sendfile reads regular files only, or also sockets into a pipe
 * (Linux: splice_direct_to_actor / the input's splice_read). */
static bool sendfile_source_ok(const struct file *in, const struct file *out)
{
	if (is_reg(in))
		return true;
	return file_is_pipe(out) && in->inode && S_ISSOCK(in->inode->mode);
}

long sys_sendfile(struct task *t, const struct syscall_args *a)
{
	struct file *out = fd_get(t->files, (int)a->a[0]), *in = fd_get(t->files, (int)a->a[1]);
	size_t count = a->a[3] > MAX_RW_COUNT ? MAX_RW_COUNT : a->a[3];
	uint64_t off = 0;
	long ret;

	if (!in || !out || !readable(in) || !writable(out))
		ret = -EBADF;
	else if (out->flags & O_APPEND)
		ret = -EINVAL;
	else if (a->a[2] && file_is_pipe(in))
		ret = -ESPIPE;
	else if (!sendfile_source_ok(in, out))
		ret = -EINVAL;
	else if (a->a[2] && (ret = get_off(t, a->a[2], &off)))
		;
	else if (!count)
		ret = 0;
	else {
		ret = copy_data(in, a->a[2] ? &off : NULL, out, NULL, count);
		if (a->a[2] && put_off(t, a->a[2], off))
			ret = -EFAULT;
	}
	file_put(in);
	file_put(out);
	return ret;
}

/* The checks of Linux's generic_copy_file_checks, in its order; *len is
 * shortened to the input's EOF. */
static long cfr_checks(struct file *in, int64_t is, struct file *out, int64_t os, size_t *len)
{
	uint64_t end;
	if (S_ISDIR(in->inode->mode) || S_ISDIR(out->inode->mode))
		return -EISDIR;
	if (!is_reg(in) || !is_reg(out))
		return -EINVAL;
	if (!readable(in) || !writable(out) || (out->flags & O_APPEND))
		return -EBADF;
	if (in->inode->sb != out->inode->sb)
		return -EXDEV;
	/* wrapping is checked as unsigned, so -1 + len is -EOVERFLOW */
	if (__builtin_add_overflow((uint64_t)is, *len, &end) ||
	    __builtin_add_overflow((uint64_t)os, *len, &end))
		return -EOVERFLOW;
	if (is < 0 || os < 0)
		return -EINVAL;
	if ((uint64_t)is >= in->inode->size)
		*len = 0;
	else if (*len > in->inode->size - (uint64_t)is)
		*len = in->inode->size - (uint64_t)is;
	if (in->inode == out->inode && os + (int64_t)*len > is && os < is + (int64_t)*len)
		return -EINVAL;       /* overlapping ranges of one file */
	return 0;
}

long sys_copy_file_range(struct task *t, const struct syscall_args *a)
{
	struct file *in = fd_get(t->files, (int)a->a[0]), *out = fd_get(t->files, (int)a->a[2]);
	size_t len = a->a[4];
	int64_t is = 0, os = 0;
	long ret = 0;

	if (!in || !out || !in->inode || !out->inode || ((in->flags | out->flags) & O_PATH))
		ret = -EBADF;
	else if (a->a[1] && copy_from_user(t->mm, &is, a->a[1], sizeof(is)))
		ret = -EFAULT;
	else if (a->a[3] && copy_from_user(t->mm, &os, a->a[3], sizeof(os)))
		ret = -EFAULT;
	else if (a->a[5])
		ret = -EINVAL;
	else {
		if (!a->a[1])
			is = (int64_t)in->pos;
		if (!a->a[3])
			os = (int64_t)out->pos;
		ret = cfr_checks(in, is, out, os, &len);
	}
	if (!ret && len) {
		uint64_t ioff = (uint64_t)is, ooff = (uint64_t)os;
		if (len > MAX_RW_COUNT)
			len = MAX_RW_COUNT;
		ret = copy_data(in, a->a[1] ? &ioff : NULL, out, a->a[3] ? &ooff : &out->pos, len);
		if (ret >= 0 && a->a[1] && put_off(t, a->a[1], ioff))
			ret = -EFAULT;
		if (ret >= 0 && a->a[3] && put_off(t, a->a[3], ooff))
			ret = -EFAULT;
	}
	if (in)
		file_put(in);
	if (out)
		file_put(out);
	return ret;
}

/* Run op with the pipe(s) non-blocking for SPLICE_F_NONBLOCK: nothing
 * sleeps meanwhile, so no other task sees the changed flags. */
static int nb_set(struct file *f, bool nb)
{
	int old = f->flags;
	if (nb && file_is_pipe(f))
		f->flags |= O_NONBLOCK;
	return old;
}

static long do_splice(struct task *t, struct file *in, uint64_t uoin, struct file *out,
		      uint64_t uoout, size_t len, unsigned flags)
{
	bool pin = file_is_pipe(in), pout = file_is_pipe(out), nb = flags & SPLICE_F_NONBLOCK;
	uint64_t ioff = 0, ooff = 0;
	long ret;

	if (!pin && !pout)
		return -EINVAL;
	if ((pin && uoin) || (pout && uoout))
		return -ESPIPE;
	if (!readable(in) || !writable(out))
		return -EBADF;
	if (out->flags & O_APPEND)
		return -EINVAL;
	if (pin && pout && in->priv && in->priv == out->priv)
		return -EINVAL;
	if (uoin && (ret = get_off(t, uoin, &ioff)))
		return ret;
	if (uoout && (ret = get_off(t, uoout, &ooff)))
		return ret;
	if (!len)
		return 0;
	if (pout) {
		/* never take more from the input than the pipe can hold now */
		long room = pipe_room(out);
		if (room == 0) {
			if (nb || (out->flags & O_NONBLOCK))
				return -EAGAIN;
			room = PIPE_BUF_ATOMIC;   /* a blocking write of one page waits for room */
		}
		if ((size_t)room < len)
			len = (size_t)room;
		if (pin) {
			long avail = pipe_buffered(in);
			if (avail > 0 && (size_t)avail < len)
				len = (size_t)avail;
		}
	}
	int fi = nb_set(in, nb), fo = nb_set(out, nb);
	ret = copy_data(in, uoin ? &ioff : NULL, out, uoout ? &ooff : NULL, len);
	in->flags = fi;
	out->flags = fo;
	if (ret >= 0 && uoin && put_off(t, uoin, ioff))
		ret = -EFAULT;
	if (ret >= 0 && uoout && put_off(t, uoout, ooff))
		ret = -EFAULT;
	return ret;
}

long sys_splice(struct task *t, const struct syscall_args *a)
{
	unsigned flags = (unsigned)a->a[5];
	size_t len = a->a[4] > MAX_RW_COUNT ? MAX_RW_COUNT : a->a[4];
	if (flags & ~SPLICE_FLAGS)
		return -EINVAL;
	struct file *in = fd_get(t->files, (int)a->a[0]), *out = fd_get(t->files, (int)a->a[2]);
	long ret = in && out ? do_splice(t, in, a->a[1], out, a->a[3], len, flags) : -EBADF;
	if (in)
		file_put(in);
	if (out)
		file_put(out);
	return ret;
}

long sys_tee(struct task *t, const struct syscall_args *a)
{
	unsigned flags = (unsigned)a->a[3];
	if (flags & ~SPLICE_FLAGS)
		return -EINVAL;
	struct file *in = fd_get(t->files, (int)a->a[0]), *out = fd_get(t->files, (int)a->a[1]);
	long ret;
	if (!in || !out)
		ret = -EBADF;
	else if (!readable(in) || !writable(out))
		ret = -EBADF;
	else if (!a->a[2])
		ret = 0;
	else
		ret = pipe_tee(in, out, a->a[2] > MAX_RW_COUNT ? MAX_RW_COUNT : a->a[2],
			       (flags & SPLICE_F_NONBLOCK) || (in->flags & O_NONBLOCK));
	if (in)
		file_put(in);
	if (out)
		file_put(out);
	return ret;
}

long sys_vmsplice(struct task *t, const struct syscall_args *a)
{
	unsigned flags = (unsigned)a->a[3];
	uint64_t nr = a->a[2];
	struct iovec iov;
	long done = 0, ret = 0;

	if (flags & ~SPLICE_FLAGS)
		return -EINVAL;
	if (nr > 1024)
		return -EINVAL;
	struct file *f = fd_get(t->files, (int)a->a[0]);
	if (!f)
		return -EBADF;
	if (!file_is_pipe(f)) {
		file_put(f);
		return -EBADF;
	}
	bool wr = writable(f);
	int old = nb_set(f, flags & SPLICE_F_NONBLOCK);
	for (uint64_t k = 0; k < nr; k++) {
		if (copy_from_user(t->mm, &iov, a->a[1] + k * sizeof(iov), sizeof(iov))) {
			ret = -EFAULT;
			break;
		}
		if (!iov.iov_len)
			continue;
		ssize_t n = wr ? vfs_write_user(t, f, (uint64_t)iov.iov_base, iov.iov_len, NULL)
			       : vfs_read_user(t, f, (uint64_t)iov.iov_base, iov.iov_len, NULL);
		if (n < 0) {
			ret = n;
			break;
		}
		done += n;
		if ((size_t)n < iov.iov_len)
			break;
	}
	f->flags = old;
	file_put(f);
	return done ? done : ret;
}

long sys_fallocate(struct task *t, const struct syscall_args *a)
{
	int mode = (int)a->a[1];
	int64_t off = (int64_t)a->a[2], len = (int64_t)a->a[3];
	int64_t end;

	if (off < 0 || len <= 0)
		return -EINVAL;
	if (mode & ~(FALLOC_FL_KEEP_SIZE | FALLOC_FL_PUNCH_HOLE | FALLOC_FL_ZERO_RANGE |
		     FALLOC_FL_COLLAPSE_RANGE | FALLOC_FL_INSERT_RANGE | FALLOC_FL_UNSHARE_RANGE))
		return -EOPNOTSUPP;
	if ((mode & FALLOC_FL_PUNCH_HOLE) && !(mode & FALLOC_FL_KEEP_SIZE))
		return -EOPNOTSUPP;
	if ((mode & FALLOC_FL_PUNCH_HOLE) && (mode & FALLOC_FL_ZERO_RANGE))
		return -EOPNOTSUPP;
	struct file *f = fd_get(t->files, (int)a->a[0]);
	if (!f)
		return -EBADF;
	long ret;
	if (!writable(f))
		ret = -EBADF;
	else if (!f->inode)
		ret = -ENODEV;
	else if (S_ISDIR(f->inode->mode))
		ret = -EISDIR;
	else if (file_is_pipe(f) || S_ISFIFO(f->inode->mode))
		ret = -ESPIPE;
	else if (!is_reg(f))
		ret = -ENODEV;
	else if (__builtin_add_overflow(off, len, &end))
		ret = -EFBIG;
	else if (f->inode->iops != &tmpfs_iops ||
		 (mode & (FALLOC_FL_COLLAPSE_RANGE | FALLOC_FL_INSERT_RANGE | FALLOC_FL_UNSHARE_RANGE)))
		ret = -EOPNOTSUPP;
	else if (f->path.mnt && path_is_readonly(&f->path))
		ret = -EROFS;
	else
		ret = tmpfs_fallocate(f->inode, mode, (uint64_t)off, (uint64_t)len);
	file_put(f);
	return ret;
}

long sys_sync_file_range(struct task *t, const struct syscall_args *a)
{
	int64_t off = (int64_t)a->a[1], n = (int64_t)a->a[2], end;
	unsigned flags = (unsigned)a->a[3];
	struct file *f = fd_get(t->files, (int)a->a[0]);
	if (!f)
		return -EBADF;
	mode_t m = f->inode ? f->inode->mode : 0;
	long ret = 0;
	if (f->flags & O_PATH)
		ret = -EBADF;
	else if (flags & ~(SYNC_FILE_RANGE_WAIT_BEFORE | SYNC_FILE_RANGE_WRITE | SYNC_FILE_RANGE_WAIT_AFTER))
		ret = -EINVAL;
	else if (off < 0 || n < 0 || __builtin_add_overflow(off, n, &end))
		ret = -EINVAL;
	else if (!S_ISREG(m) && !S_ISDIR(m) && !S_ISBLK(m) && !S_ISLNK(m))
		ret = -ESPIPE;
	else if ((flags & SYNC_FILE_RANGE_WRITE) && f->fops && f->fops->fsync)
		ret = f->fops->fsync(f);
	file_put(f);
	return ret;
}

long sys_fadvise64(struct task *t, const struct syscall_args *a)
{
	struct file *f = fd_get(t->files, (int)a->a[0]);
	int advice = (int)a->a[3];
	if (!f)
		return -EBADF;
	long ret = 0;
	if (f->flags & O_PATH)
		ret = -EBADF;
	else if (file_is_pipe(f) || (f->inode && S_ISFIFO(f->inode->mode)))
		ret = -ESPIPE;
	else if (advice < 0 || advice > 5 || (int64_t)a->a[2] < 0)
		ret = -EINVAL;
	file_put(f);
	return ret;
}

long sys_readahead(struct task *t, const struct syscall_args *a)
{
	struct file *f = fd_get(t->files, (int)a->a[0]);
	if (!f)
		return -EBADF;
	long ret = 0;
	if (!readable(f))
		ret = -EBADF;
	else if (!is_reg(f))
		ret = -EINVAL;
	file_put(f);
	return ret;
}
