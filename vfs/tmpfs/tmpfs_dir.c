/* tmpfs directories: entries in cookie order; namespace operations. */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "tmpfs.h"

static struct tmpfs_dirent *find(struct inode *dir, const char *name)
{
	struct list_head *pos;
	list_for_each(pos, &TN(dir)->entries) {
		struct tmpfs_dirent *e = list_entry(pos, struct tmpfs_dirent, link);
		if (strcmp(e->name, name) == 0)
			return e;
	}
	return NULL;
}

static struct tmpfs_dirent *dirent_alloc(const char *name)
{
	size_t n = strlen(name);
	struct tmpfs_dirent *e = malloc(sizeof(*e) + n + 1);
	if (e)
		memcpy(e->name, name, n + 1);
	return e;
}

/* Link e (holding a reference to inode) at the end of dir. */
static void dirent_link(struct inode *dir, struct tmpfs_dirent *e, struct inode *inode)
{
	struct tmpfs_node *d = TN(dir);
	e->inode = inode;
	e->cookie = d->next_cookie++;
	list_add_tail(&e->link, &d->entries);
	d->nentries++;
	dir->size = (uint64_t)(d->nentries + 2) * TMPFS_BOGO_DIRENT;
	tmpfs_touch(dir, true);
	if (S_ISDIR(inode->mode)) {
		TN(inode)->parent = dir;
		dir->nlink++;
	}
}

/* Unlink e from dir; returns the inode reference it held. */
static struct inode *dirent_unlink(struct inode *dir, struct tmpfs_dirent *e)
{
	struct tmpfs_node *d = TN(dir);
	struct inode *inode = e->inode;
	list_del(&e->link);
	free(e);
	d->nentries--;
	dir->size = (uint64_t)(d->nentries + 2) * TMPFS_BOGO_DIRENT;
	tmpfs_touch(dir, true);
	if (S_ISDIR(inode->mode))
		dir->nlink--;
	return inode;
}

static int tmpfs_lookup(struct inode *dir, const char *name, struct inode **out)
{
	struct tmpfs_dirent *e = find(dir, name);
	if (!e)
		return -ENOENT;
	inode_get(e->inode);
	*out = e->inode;
	return 0;
}

static int add_new(struct inode *dir, const char *name, mode_t mode, const struct cred *c,
		   struct inode **out)
{
	if (find(dir, name))
		return -EEXIST;
	struct tmpfs_dirent *e = dirent_alloc(name);
	struct inode *i = e ? tmpfs_inode_new(dir->sb, mode, c, dir) : NULL;
	if (!i) {
		free(e);
		return -ENOSPC;
	}
	inode_get(i);
	dirent_link(dir, e, i);
	*out = i;
	return 0;
}

static int tmpfs_create(struct inode *dir, const char *name, mode_t mode, const struct cred *c,
			struct inode **out)
{
	return add_new(dir, name, S_IFREG | (mode & 07777), c, out);
}

static int tmpfs_mkdir(struct inode *dir, const char *name, mode_t mode, const struct cred *c,
		       struct inode **out)
{
	return add_new(dir, name, S_IFDIR | (mode & 07777), c, out);
}

static int tmpfs_mknod(struct inode *dir, const char *name, mode_t mode, dev_t rdev,
		       const struct cred *c, struct inode **out)
{
	int err = add_new(dir, name, mode, c, out);
	if (!err)
		(*out)->rdev = rdev;
	return err;
}

static int tmpfs_symlink(struct inode *dir, const char *name, const char *target,
			 const struct cred *c, struct inode **out)
{
	char *t = strdup(target);
	if (!t)
		return -ENOMEM;
	int err = add_new(dir, name, S_IFLNK | 0777, c, out);
	if (err) {
		free(t);
		return err;
	}
	TN(*out)->target = t;
	(*out)->size = strlen(t);
	return 0;
}

static int tmpfs_tmpfile(struct inode *dir, mode_t mode, const struct cred *c, struct inode **out)
{
	struct inode *i = tmpfs_inode_new(dir->sb, S_IFREG | (mode & 07777), c, dir);
	if (!i)
		return -ENOSPC;
	i->nlink = 0;
	*out = i;
	return 0;
}

static int tmpfs_link(struct inode *dir, const char *name, struct inode *target)
{
	if (find(dir, name))
		return -EEXIST;
	struct tmpfs_dirent *e = dirent_alloc(name);
	if (!e)
		return -ENOMEM;
	inode_get(target);
	target->nlink++;
	tmpfs_touch(target, false);
	dirent_link(dir, e, target);
	return 0;
}

static int tmpfs_unlink(struct inode *dir, const char *name, struct inode *victim)
{
	struct tmpfs_dirent *e = find(dir, name);
	if (!e)
		return -ENOENT;
	struct inode *i = dirent_unlink(dir, e);
	i->nlink--;
	tmpfs_touch(i, false);
	inode_put(i);
	return 0;
}

static int tmpfs_rmdir(struct inode *dir, const char *name, struct inode *victim)
{
	struct tmpfs_dirent *e = find(dir, name);
	if (!e)
		return -ENOENT;
	if (!S_ISDIR(e->inode->mode))
		return -ENOTDIR;
	if (TN(e->inode)->nentries)
		return -ENOTEMPTY;
	struct inode *i = dirent_unlink(dir, e);
	i->nlink = 0;
	tmpfs_touch(i, false);
	inode_put(i);
	return 0;
}

static void exchange(struct inode *odir, struct tmpfs_dirent *oe, struct inode *ndir,
		     struct tmpfs_dirent *ne)
{
	struct inode *a = oe->inode, *b = ne->inode;
	oe->inode = b;
	ne->inode = a;
	if (odir != ndir) {
		if (S_ISDIR(a->mode)) {
			TN(a)->parent = ndir;
			odir->nlink--;
			ndir->nlink++;
		}
		if (S_ISDIR(b->mode)) {
			TN(b)->parent = odir;
			ndir->nlink--;
			odir->nlink++;
		}
	}
	tmpfs_touch(a, false);
	tmpfs_touch(b, false);
	tmpfs_touch(odir, true);
	tmpfs_touch(ndir, true);
}

/* The VFS has checked the type rules; emptiness of a replaced directory is ours. */
static int tmpfs_rename(struct inode *odir, const char *oname, struct inode *ndir,
			const char *nname, unsigned flags)
{
	struct tmpfs_dirent *oe = find(odir, oname), *ne = find(ndir, nname);
	if (!oe)
		return -ENOENT;
	if (flags & RENAME_EXCHANGE) {
		if (!ne)
			return -ENOENT;
		exchange(odir, oe, ndir, ne);
		return 0;
	}
	if (ne) {
		if (flags & RENAME_NOREPLACE)
			return -EEXIST;
		if (ne->inode == oe->inode)
			return 0;
		if (S_ISDIR(ne->inode->mode) && TN(ne->inode)->nentries)
			return -ENOTEMPTY;
	}
	struct tmpfs_dirent *moved = dirent_alloc(nname);
	if (!moved)
		return -ENOMEM;
	if (ne) {
		struct inode *victim = dirent_unlink(ndir, ne);
		if (S_ISDIR(victim->mode))
			victim->nlink = 0;
		else
			victim->nlink--;
		tmpfs_touch(victim, false);
		inode_put(victim);
	}
	struct inode *i = dirent_unlink(odir, oe);
	dirent_link(ndir, moved, i);
	tmpfs_touch(i, false);
	return 0;
}

static int tmpfs_iterate(struct file *f, struct dir_context *ctx)
{
	struct inode *dir = f->inode;
	struct tmpfs_node *d = TN(dir);
	struct list_head *pos;

	if (ctx->pos == 0) {
		if (!ctx->emit(ctx, ".", 1, dir->ino, DT_DIR))
			return 0;
		ctx->pos = 1;
	}
	if (ctx->pos == 1) {
		if (!ctx->emit(ctx, "..", 2, d->parent->ino, DT_DIR))
			return 0;
		ctx->pos = 2;
	}
	list_for_each(pos, &d->entries) {
		struct tmpfs_dirent *e = list_entry(pos, struct tmpfs_dirent, link);
		if (e->cookie < ctx->pos)
			continue;
		ctx->pos = e->cookie;
		if (!ctx->emit(ctx, e->name, strlen(e->name), e->inode->ino,
			       (e->inode->mode & S_IFMT) >> 12))
			return 0;
		ctx->pos = e->cookie + 1;
	}
	ctx->pos = d->next_cookie;
	dir->atime = vfs_now();
	return 0;
}

static int tmpfs_readlink(struct inode *i, char *buf, size_t len)
{
	const char *t = TN(i)->target;
	if (!t)
		return -EINVAL;
	size_t n = strlen(t) < len ? strlen(t) : len;
	memcpy(buf, t, n);
	return (int)n;
}

static int tmpfs_setattr(struct inode *i, const struct iattr *ia)
{
	if ((ia->valid & ATTR_SIZE) && S_ISREG(i->mode)) {
		unsigned seals = TN(i)->seals;
		if (((seals & F_SEAL_SHRINK) && ia->size < i->size) ||
		    ((seals & F_SEAL_GROW) && ia->size > i->size))
			return -EPERM;
	}
	if ((ia->valid & ATTR_MODE) && (TN(i)->seals & TMPFS_SEAL_EXEC) &&
	    ((i->mode ^ ia->mode) & 0111))
		return -EPERM;
	if (ia->valid & ATTR_SIZE) {
		if (!S_ISREG(i->mode))
			return -EINVAL;
		int err = tmpfs_resize(i, ia->size);
		if (err)
			return err;
		tmpfs_touch(i, true);
	}
	setattr_copy(i, ia);
	return 0;
}

static void tmpfs_evict(struct inode *i)
{
	struct tmpfs_node *n = TN(i);
	struct list_head *pos, *nx;
	if (!n)
		return;
	list_for_each_safe(pos, nx, &n->entries) {     /* only at teardown */
		struct tmpfs_dirent *e = list_entry(pos, struct tmpfs_dirent, link);
		inode_put(e->inode);
		free(e);
	}
	tmpfs_file_free(i);
	tmpfs_xattr_free(i);
	free(n->target);
	free(n);
	tmpfs_inode_gone(i->sb);
}

const struct inode_ops tmpfs_iops = {
	.lookup = tmpfs_lookup,
	.create = tmpfs_create,
	.mkdir = tmpfs_mkdir,
	.mknod = tmpfs_mknod,
	.symlink = tmpfs_symlink,
	.link = tmpfs_link,
	.unlink = tmpfs_unlink,
	.rmdir = tmpfs_rmdir,
	.rename = tmpfs_rename,
	.readlink = tmpfs_readlink,
	.setattr = tmpfs_setattr,
	.evict = tmpfs_evict,
	.getxattr = tmpfs_getxattr,
	.setxattr = tmpfs_setxattr,
	.listxattr = tmpfs_listxattr,
	.removexattr = tmpfs_removexattr,
	.tmpfile = tmpfs_tmpfile,
};

const struct file_ops tmpfs_dir_fops = {
	.iterate = tmpfs_iterate,
};
