/* read/write/seek/getdents entry points shared by syscalls and the kernel. */
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <unistd.h>
#include "vfs_impl.h"
#include "fsnotify.h"

#define MAX_RW_COUNT (INT_MAX & ~4095L)   /* Linux clamps one transfer to this */

static bool file_type_is(const struct file *f, mode_t type)
{
	return f->inode && (f->inode->mode & S_IFMT) == type;
}

ssize_t vfs_read(struct file *f, void *buf, size_t len, uint64_t *pos)
{
	if ((f->flags & O_PATH) || (f->flags & O_ACCMODE) == O_WRONLY ||
	    (f->flags & O_ACCMODE) == O_ACCMODE)
		return -EBADF;
	if (file_type_is(f, S_IFDIR))
		return -EISDIR;
	if (!f->fops || !f->fops->read)
		return -EINVAL;
	if (len > MAX_RW_COUNT)
		len = MAX_RW_COUNT;
	return f->fops->read(f, buf, len, pos ? pos : &f->pos);
}

ssize_t vfs_write(struct file *f, const void *buf, size_t len, uint64_t *pos)
{
	if ((f->flags & O_PATH) || (f->flags & O_ACCMODE) == O_RDONLY ||
	    (f->flags & O_ACCMODE) == O_ACCMODE)
		return -EBADF;
	if (file_type_is(f, S_IFDIR))
		return -EISDIR;
	if (!f->fops || !f->fops->write)
		return -EINVAL;
	if (len > MAX_RW_COUNT)
		len = MAX_RW_COUNT;
	if (!pos)
		pos = &f->pos;
	/* Like Linux, O_APPEND also moves pwrite to the end. */
	if ((f->flags & O_APPEND) && file_type_is(f, S_IFREG))
		*pos = f->inode->size;
	int kill_err = len ? vfs_file_remove_privs(f) : 0;   /* set-id bits (vfs/ops.c) */
	if (kill_err)
		return kill_err;
	ssize_t n = f->fops->write(f, buf, len, pos);
	if (n > 0)
		fsnotify_modify(f);
	return n;
}

ssize_t kernel_pread(struct file *f, void *buf, size_t len, uint64_t off)
{
	size_t done = 0;

	if (!f->fops || !f->fops->read)
		return -EINVAL;
	while (done < len) {
		ssize_t n = f->fops->read(f, (char *)buf + done, len - done, &off);
		if (n < 0)
			return done ? (ssize_t)done : n;
		if (n == 0)
			break;
		done += (size_t)n;
	}
	return (ssize_t)done;
}

int64_t generic_llseek(struct file *f, int64_t off, int whence)
{
	int64_t base, size = f->inode ? (int64_t)f->inode->size : 0;

	switch (whence) {
	case SEEK_SET: base = 0; break;
	case SEEK_CUR: base = (int64_t)f->pos; break;
	case SEEK_END: base = size; break;
	case SEEK_DATA:
		if (off < 0 || off >= size)
			return -ENXIO;
		base = 0;
		break;
	case SEEK_HOLE:
		if (off < 0 || off >= size)
			return -ENXIO;
		base = 0;
		off = size;              /* no sparse files: the only hole is at EOF */
		break;
	default:
		return -EINVAL;
	}
	int64_t n;
	if (__builtin_add_overflow(base, off, &n) || n < 0)
		return -EINVAL;
	f->pos = (uint64_t)n;
	return n;
}

int64_t vfs_llseek(struct file *f, int64_t off, int whence)
{
	if (f->flags & O_PATH)
		return -EBADF;
	if (f->fops && f->fops->llseek)
		return f->fops->llseek(f, off, whence);
	/* directory positions are cookies: only SEEK_SET/SEEK_CUR make sense
	 * (tmpfs's offset_dir_llseek, overlayfs) */
	if (file_type_is(f, S_IFDIR) && whence != SEEK_SET && whence != SEEK_CUR)
		return -EINVAL;
	return generic_llseek(f, off, whence);
}

int vfs_iterate(struct file *f, struct dir_context *ctx)
{
	if (f->flags & O_PATH)
		return -EBADF;
	if (!file_type_is(f, S_IFDIR) || !f->fops || !f->fops->iterate)
		return -ENOTDIR;
	if (f->path.dentry && f->path.dentry->deleted)
		return -ENOENT;         /* a removed directory lists nothing (IS_DEADDIR) */
	ctx->pos = f->pos;
	int err = f->fops->iterate(f, ctx);
	f->pos = ctx->pos;
	return err;
}
