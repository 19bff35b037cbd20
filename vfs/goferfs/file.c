/*
 * goferfs open files. A regular file holds the host fd donated by the
 * gofer and does its I/O directly with pread/pwrite (under the kernel lock:
 * regular file I/O does not block for long); MAP_SHARED mappings go through
 * a page cache (pagecache.c) that read/write keep coherent. A directory has no host fd:
 * getdents goes through GETDENTS on the inode's fid, with the gofer's
 * cookies as positions.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <sys/stat.h>
#include "vfs/goferfs/goferfs.h"

#define IO_MAX 0x7ffff000u   /* Linux's MAX_RW_COUNT */

static int hostfd_of(struct file *f)
{
	return *(int *)f->priv;
}

int goferfs_file_hostfd(struct file *f) { return hostfd_of(f); }

static ssize_t reg_read(struct file *f, void *buf, size_t len, uint64_t *pos)
{
	if (*pos > INT64_MAX)
		return -EINVAL;
	if (len > IO_MAX)
		len = IO_MAX;
	ssize_t n;
	do {
		n = pread(hostfd_of(f), buf, len, (off_t)*pos);
	} while (n < 0 && errno == EINTR);
	if (n < 0)
		return -errno;
	gcache_after_read(f->inode, buf, *pos, (uint64_t)n);
	*pos += (uint64_t)n;
	return n;
}

static ssize_t reg_write(struct file *f, const void *buf, size_t len, uint64_t *pos)
{
	int fd = hostfd_of(f);
	if (f->flags & O_APPEND) {
		struct stat st;
		if (fstat(fd, &st) < 0)
			return -errno;
		*pos = (uint64_t)st.st_size;
	}
	if (*pos > INT64_MAX)
		return -EINVAL;
	if (len > IO_MAX)
		len = IO_MAX;
	ssize_t n;
	do {
		n = pwrite(fd, buf, len, (off_t)*pos);
	} while (n < 0 && errno == EINTR);
	if (n < 0)
		return -errno;
	gcache_after_write(f->inode, buf, *pos, (uint64_t)n);
	*pos += (uint64_t)n;
	struct inode *i = f->inode;
	if (*pos > i->size)
		i->size = *pos;
	return n;
}

static int reg_fsync(struct file *f)
{
	int err = gcache_sync(f->inode, 0, UINT64_MAX);
	if (err)
		return err;
	return fsync(hostfd_of(f)) < 0 ? -errno : 0;
}

static void reg_release(struct file *f)
{
	gcache_sync(f->inode, 0, UINT64_MAX);   /* stores through mappings */
	close(hostfd_of(f));
	free(f->priv);
	f->priv = NULL;
}

static int reg_mmap_range(struct file *f, uint64_t off, struct mem_range **out, uint64_t *start)
{
	return gcache_mmap_range(f, hostfd_of(f), off, out, start);
}

static int reg_mmap_sync(struct file *f, uint64_t off, uint64_t len)
{
	return gcache_sync(f->inode, off, len);
}

static void reg_mmap_put(struct file *f, uint64_t off)
{
	gcache_put(f->inode);
}

const struct file_ops goferfs_reg_ops = {
	.read = reg_read,
	.write = reg_write,
	.fsync = reg_fsync,
	.release = reg_release,
	.mmap_range = reg_mmap_range,
	.mmap_sync = reg_mmap_sync,
	.mmap_put = reg_mmap_put,
};

static ssize_t dir_read(struct file *f, void *buf, size_t len, uint64_t *pos)
{
	return -EISDIR;
}

/* The host's "." and ".." carry host inode numbers of the gofer's view;
 * report the ones of our own dentry tree instead. */
static uint64_t dot_ino(struct file *f, const char *name, uint16_t len, uint64_t ino)
{
	if (name[0] != '.' || len > 2 || (len == 2 && name[1] != '.'))
		return ino;
	struct dentry *d = f->path.dentry;
	if (!d)
		return f->inode->ino;
	if (len == 2 && d->parent && d->parent->inode)
		d = d->parent;
	return d->inode ? d->inode->ino : ino;
}

static int dir_iterate(struct file *f, struct dir_context *ctx)
{
	struct gofer_chan *ch = &GSB(f->inode->sb)->ch;
	for (;;) {
		struct gofer_req_getdents *q = ch->req;
		q->fid = GI(f->inode)->fid;
		q->count = GOFER_MSG_MAX - sizeof(struct gofer_rep_getdents);
		q->cookie = ctx->pos;
		int err = gofer_rpc(ch, gofer_build(q, sizeof(*q), GOFER_GETDENTS, ++ch->tag,
						    NULL, 0, NULL, 0), NULL);
		if (err)
			return err;
		const struct gofer_rep_getdents *r = ch->rep;
		size_t len = r->hdr.size, off = 0;
		const struct gofer_dirent *d;
		const char *name;
		if (r->count == 0)
			return 0;
		/* The reply was checked entry by entry: this cannot fail. */
		while (gofer_dirent_next(r, len, &off, &d, &name) == 1) {
			if (!ctx->emit(ctx, name, d->namelen, dot_ino(f, name, d->namelen, d->ino),
				       d->type))
				return 0;
			ctx->pos = d->next;
		}
	}
}

static int dir_fsync(struct file *f)
{
	return 0;
}

const struct file_ops goferfs_dir_ops = {
	.read = dir_read,
	.iterate = dir_iterate,
	.fsync = dir_fsync,
};
