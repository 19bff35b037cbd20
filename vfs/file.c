/* Open file descriptions. */
#include <errno.h>
#include <stdlib.h>
#include "vfs_impl.h"
#include "fsnotify.h"
#include "lock.h"
#include "anon/anon.h"

struct file *file_new(const struct path *p, struct inode *inode, const struct file_ops *ops, int flags)
{
	struct file *f = calloc(1, sizeof(*f));
	if (!f)
		return NULL;
	f->refs = 1;
	if (p) {
		f->path = *p;
		path_get(p);
	}
	f->inode = inode;
	if (inode)
		inode_get(inode);
	f->fops = ops;
	f->flags = flags;
	return f;
}

struct file *file_new_anon(struct inode *inode, const struct file_ops *ops, int flags)
{
	return file_new(NULL, inode, ops, flags);
}

void file_get(struct file *f)
{
	f->refs++;
}

void file_put(struct file *f)
{
	if (!f || --f->refs > 0)
		return;
	flock_release(f);
	fsnotify_close(f);
	ofd_locks_release(f);
	if (eventpoll_release)   /* weak: unit tests may link without epoll */
		eventpoll_release(f);
	if (f->fops && f->fops->release)
		f->fops->release(f);
	free(f->dirctx);
	inode_put(f->inode);
	path_put(&f->path);
	free(f);
}
