/*
 * overlay open files. A regular file wraps a kernel-internal file of the
 * real inode: the upper one, copied up first when opened for writing, or
 * the lower one for reading. A file opened before a copy-up switches to
 * the upper copy at its next operation (like overlayfs since Linux 4.19),
 * so every open file sees the writes.
 * FIFOs and devices open by the overlay inode itself (the pipe lives in
 * the sentry; devices by number).
 */
#include <errno.h>
#include <poll.h>
#include <stdlib.h>
#include "overlay.h"
#include "../pipe/pipe.h"

int ovl_dir_open(struct file *f);   /* readdir.c */

static struct file *real_file(struct file *f)
{
	struct file *r = f->priv, *nr;
	if (r->inode != ovl_real(f->inode) &&
	    !ovl_real_open(ovl_real(f->inode), r->flags, &nr)) {
		file_put(r);
		f->priv = r = nr;
	}
	return r;
}

static ssize_t reg_read(struct file *f, void *buf, size_t len, uint64_t *pos)
{
	struct file *r = real_file(f);
	return r->fops->read ? r->fops->read(r, buf, len, pos) : -EINVAL;
}

static ssize_t reg_write(struct file *f, const void *buf, size_t len, uint64_t *pos)
{
	struct file *r = real_file(f);
	ssize_t n = r->fops->write ? r->fops->write(r, buf, len, pos) : -EINVAL;
	if (r->inode == ovl_real(f->inode))
		ovl_copy_attr(f->inode);
	return n;
}

static uint32_t reg_poll(struct file *f, struct poll_table *pt)
{
	struct file *r = real_file(f);
	return r->fops->poll ? r->fops->poll(r, pt)
			      : POLLIN | POLLOUT | POLLRDNORM | POLLWRNORM;
}

static int reg_fsync(struct file *f)
{
	struct file *r = real_file(f);
	return r->fops->fsync ? r->fops->fsync(r) : 0;
}

static void reg_release(struct file *f)
{
	file_put(real_file(f));
	f->priv = NULL;
}

/* MAP_SHARED maps the real file's pages (the upper tmpfs copy, or the
 * lower file's page cache); -ENODEV makes a read-only snapshot. */
static int reg_mmap_range(struct file *f, uint64_t off, struct mem_range **out, uint64_t *start)
{
	struct file *r = real_file(f);
	return r->fops->mmap_range ? r->fops->mmap_range(r, off, out, start) : -ENODEV;
}

static int reg_mmap_sync(struct file *f, uint64_t off, uint64_t len)
{
	struct file *r = real_file(f);
	return r->fops->mmap_sync ? r->fops->mmap_sync(r, off, len) : 0;
}

static void reg_mmap_put(struct file *f, uint64_t off)
{
	struct file *r = f->priv;    /* the one mapped: no switch to a copy-up */
	if (r && r->fops->mmap_put)
		r->fops->mmap_put(r, off);
}

const struct file_ops ovl_reg_fops = {
	.read = reg_read,
	.write = reg_write,
	.poll = reg_poll,
	.fsync = reg_fsync,
	.release = reg_release,
	.mmap_range = reg_mmap_range,
	.mmap_sync = reg_mmap_sync,
	.mmap_put = reg_mmap_put,
};

int ovl_open(struct inode *i, struct file *f)
{
	switch (i->mode & S_IFMT) {
	case S_IFDIR:
		return ovl_dir_open(f);
	case S_IFREG:
		break;
	case S_IFIFO:
		return fifo_open(i, f);
	case S_IFCHR:
		return chrdev_open(i, f);
	case S_IFLNK:
		return -ELOOP;
	default:
		return -ENXIO;
	}
	if ((f->flags & O_ACCMODE) != O_RDONLY) {
		int err = ovl_copy_up(i);
		if (err)
			return err;
	}
	struct file *r;
	int err = ovl_real_open(ovl_real(i), f->flags, &r);
	if (err)
		return err;
	f->priv = r;
	f->fops = &ovl_reg_fops;
	ovl_copy_attr(i);
	return 0;
}
