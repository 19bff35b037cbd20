/* open(2): lookup or create, then the Linux checks of may_open/do_open. */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "vfs_impl.h"
#include "fsnotify.h"
#include "pipe/pipe.h"
#include "../sentry/task.h"

/* O_PATH descriptors: every I/O entry point refuses them with -EBADF. */
const struct file_ops opath_fops = { 0 };

/* Flags that only matter at open time and are not kept in the description. */
#define OPEN_ONLY_FLAGS (O_CREAT | O_EXCL | O_NOCTTY | O_TRUNC | O_CLOEXEC)
/* The kernel's O_LARGEFILE: set on every non-O_PATH open on x86-64 and shown
 * by F_GETFL (glibc's O_LARGEFILE is 0 there). */
#define KERNEL_O_LARGEFILE 0100000

static int acc_mask(int flags)
{
	static const int m[4] = { MAY_READ, MAY_WRITE, MAY_READ | MAY_WRITE, MAY_READ | MAY_WRITE };
	int mask = m[flags & O_ACCMODE];
	if (flags & O_TRUNC)
		mask |= MAY_WRITE;
	return mask;
}

int vfs_truncate_inode(struct task *t, struct inode *inode, uint64_t size)
{
	struct iattr ia = { .valid = ATTR_SIZE | ATTR_MTIME | ATTR_CTIME, .size = size };
	if (S_ISDIR(inode->mode))
		return -EISDIR;
	if (!S_ISREG(inode->mode))
		return -EINVAL;
	if (!inode->iops || !inode->iops->setattr)
		return -EPERM;
	ia.mtime = ia.ctime = vfs_now();
	vfs_kill_priv_attr(t, inode, &ia);   /* set-id bits (vfs/ops.c) */
	int err = inode->iops->setattr(inode, &ia);
	if (!err)
		fsnotify_inode(inode, IN_MODIFY);
	return err;
}

int vfs_do_open(struct task *t, const struct path *p, int flags, bool created, struct file **out)
{
	struct inode *inode = p->dentry->inode;
	const struct cred *c = t ? &t->cred : NULL;
	struct file *f;
	int err, mask = acc_mask(flags);

	if (!created)
		vfs_revalidate(inode);
	if ((flags & O_DIRECTORY) && !S_ISDIR(inode->mode))
		return -ENOTDIR;
	if (flags & O_PATH) {
		f = file_new(p, inode, &opath_fops, flags & (O_PATH | O_DIRECTORY | O_NOFOLLOW));
		if (!f)
			return -ENOMEM;
		*out = f;
		return 0;
	}
	switch (inode->mode & S_IFMT) {
	case S_IFLNK:
		return -ELOOP;
	case S_IFDIR:
		if ((mask & MAY_WRITE) || (flags & O_CREAT))
			return -EISDIR;
		break;
	case S_IFSOCK:
		return -ENXIO;
	case S_IFCHR: case S_IFBLK:
		if (p->mnt && (p->mnt->flags & MNT_NODEV))
			return -EACCES;
		break;
	}
	if (!created) {
		err = inode_permission(c, inode, mask);
		if (err)
			return err;
	}
	if ((flags & O_NOATIME) && !inode_owner_or_capable(c, inode))
		return -EPERM;   /* owner or CAP_FOWNER (Linux may_open) */
	if ((mask & MAY_WRITE) && path_is_readonly(p) &&
	    (S_ISREG(inode->mode) || S_ISDIR(inode->mode)))
		return -EROFS;

	/* O_NOCTTY reaches the open op (a tty's), then goes like Linux's. */
	f = file_new(p, inode, inode->fops,
		     (flags & ~(OPEN_ONLY_FLAGS & ~O_NOCTTY)) | KERNEL_O_LARGEFILE);
	if (!f)
		return -ENOMEM;
	if (inode->iops && inode->iops->open)
		err = inode->iops->open(inode, f);
	else if (S_ISCHR(inode->mode))
		err = chrdev_open(inode, f);
	else if (S_ISFIFO(inode->mode))
		err = fifo_open(inode, f);
	else if (S_ISBLK(inode->mode))
		err = -ENXIO;           /* no block devices in the sandbox */
	else
		err = 0;
	f->flags &= ~O_NOCTTY;
	if (err) {
		f->fops = NULL;         /* a failed open op leaves nothing to release */
		file_put(f);
		return err;
	}
	if ((flags & O_TRUNC) && !created && S_ISREG(inode->mode) && inode->size) {
		err = vfs_truncate_inode(t, inode, 0);
		if (err) {
			file_put(f);
			return err;
		}
	}
	fsnotify_open(f);
	*out = f;
	return 0;
}

int vfs_open_path(struct task *t, const struct path *p, int flags, struct file **out)
{
	return vfs_do_open(t, p, flags, false, out);
}

static int create_file(struct task *t, struct path *parent, const char *name, mode_t mode,
		       struct path *out)
{
	struct inode *dir = parent->dentry->inode, *inode;
	const struct cred *c = t ? &t->cred : NULL;
	mode_t umask = t && t->fs ? t->fs->umask : 022;

	if (parent->dentry->deleted)
		return -ENOENT;         /* a removed directory takes no new names */
	if (path_is_readonly(parent))
		return -EROFS;
	int err = inode_permission(c, dir, MAY_WRITE | MAY_EXEC);
	if (err)
		return err;
	if (!dir->iops || !dir->iops->create)
		return -EACCES;
	err = dir->iops->create(dir, name, vfs_strip_sgid(c, dir, S_IFREG | (mode & 07777 & ~umask)), c, &inode);
	if (err)
		return err;
	fsnotify_name(dir, name, inode, IN_CREATE, 0);
	out->dentry = dentry_new(parent->dentry, name, inode);
	inode_put(inode);
	if (!out->dentry)
		return -ENOMEM;
	out->mnt = parent->mnt;
	out->mnt->refs++;
	return 0;
}

/* O_CREAT: look up the last component, following a trailing symlink (and
 * creating the target of a dangling one) unless O_EXCL/O_NOFOLLOW. */
static int open_create(struct task *t, struct nameidata *nd, struct path *parent, char *last,
		       int flags, mode_t mode, struct file **out)
{
	struct path child;
	int err;

	for (;;) {
		if (!strcmp(last, ".") || !strcmp(last, ".."))
			return -EISDIR;
		err = nd_walk_last(nd, parent, last, &child);
		if (err == -ENOENT) {
			err = create_file(t, parent, last, mode, &child);
			if (err)
				return err;
			err = vfs_do_open(t, &child, flags, true, out);
			path_put(&child);
			return err;
		}
		if (err)
			return err;
		if (flags & O_EXCL) {
			path_put(&child);
			return -EEXIST;
		}
		if (!S_ISLNK(child.dentry->inode->mode))
			break;
		if (flags & O_NOFOLLOW) {
			path_put(&child);
			return -ELOOP;
		}
		int hops = nd->hops;
		err = nd_follow(nd, parent, &child);
		const struct inode_ops *lops = child.dentry->inode->iops;
		if (err != -ENOENT || !lops || !lops->readlink || lops->get_link_path) {
			if (err) {
				path_put(&child);
				return err;
			}
			break;
		}
		/* Dangling symlink: create its target, resolved from the link's directory. */
		nd->hops = hops + 1;
		char *target = malloc(PATH_MAX_LEN);
		if (!target) {
			path_put(&child);
			return -ENOMEM;
		}
		int n = lops->readlink(child.dentry->inode, target, PATH_MAX_LEN - 1);
		path_put(&child);
		if (n <= 0) {
			free(target);
			return n < 0 ? n : -ENOENT;
		}
		target[n] = 0;
		err = path_has_trailing_slash(target) ? -EISDIR
			: nd_walk(nd, parent, target, 0, last);
		free(target);
		if (err)
			return err;
	}
	if (S_ISDIR(child.dentry->inode->mode))
		err = -EISDIR;
	else
		err = vfs_do_open(t, &child, flags, false, out);
	path_put(&child);
	return err;
}

/* O_TMPFILE: an unnamed regular file in the directory at path, shown as
 * "DIR/#INO (deleted)"; linkat can name it unless O_EXCL. */
static int open_tmpfile(struct task *t, int dirfd, const char *path, int flags, mode_t mode,
			unsigned resolve, struct file **out)
{
	const struct cred *c = t ? &t->cred : NULL;
	mode_t umask = t && t->fs ? t->fs->umask : 022;
	struct path dir;
	struct inode *inode;
	char name[32];

	if ((flags & O_CREAT) || !(flags & (O_WRONLY | O_RDWR)))
		return -EINVAL;
	int err = path_lookup_how(t, dirfd, path, LOOKUP_FOLLOW | LOOKUP_DIRECTORY, resolve, &dir);
	if (err)
		return err;
	struct inode *di = dir.dentry->inode;
	if (path_is_readonly(&dir))
		err = -EROFS;
	else if ((err = inode_permission(c, di, MAY_WRITE | MAY_EXEC)))
		;
	else if (!di->iops || !di->iops->tmpfile)
		err = -EOPNOTSUPP;
	else
		err = di->iops->tmpfile(di, vfs_strip_sgid(c, di, S_IFREG | (mode & 07777 & ~umask)), c, &inode);
	if (err) {
		path_put(&dir);
		return err;
	}
	inode->linkable = !(flags & O_EXCL);
	snprintf(name, sizeof(name), "#%llu", (unsigned long long)inode->ino);
	struct path p = { dir.mnt, dentry_new(dir.dentry, name, inode) };
	inode_put(inode);
	if (!p.dentry) {
		path_put(&dir);
		return -ENOMEM;
	}
	dentry_unhash(p.dentry);
	p.mnt->refs++;
	err = vfs_do_open(t, &p, flags & ~(O_TMPFILE & ~O_DIRECTORY) & ~O_DIRECTORY, true, out);
	path_put(&p);
	path_put(&dir);
	return err;
}

int vfs_open(struct task *t, int dirfd, const char *path, int flags, mode_t mode, struct file **out)
{
	return vfs_open_how(t, dirfd, path, flags, mode, 0, out);
}

int vfs_open_how(struct task *t, int dirfd, const char *path, int flags, mode_t mode,
		 unsigned resolve, struct file **out)
{
	struct nameidata nd;
	struct path p;
	int err;

	if ((flags & O_TMPFILE) == O_TMPFILE)
		return open_tmpfile(t, dirfd, path, flags, mode, resolve, out);
	if (flags & O_PATH)
		flags &= O_PATH | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC;
	/* Linux 6.4+: O_CREAT|O_DIRECTORY never creates anything */
	if ((flags & (O_CREAT | O_DIRECTORY)) == (O_CREAT | O_DIRECTORY))
		return -EINVAL;
	if (!(flags & O_CREAT)) {
		int lf = (flags & O_NOFOLLOW ? 0 : LOOKUP_FOLLOW) |
			 (flags & O_DIRECTORY ? LOOKUP_DIRECTORY : 0);
		err = path_lookup_how(t, dirfd, path, lf, resolve, &p);
		if (err)
			return err;
		err = vfs_do_open(t, &p, flags, false, out);
		path_put(&p);
		return err;
	}
	char last[NAME_MAX_LEN + 1];
	err = path_lookup_parent_how(t, dirfd, path, 0, resolve, &p, last);
	if (err)
		return err;
	if (path_has_trailing_slash(path)) {
		path_put(&p);
		return -EISDIR;
	}
	nd_init(&nd, t, t ? &t->cred : NULL);
	err = nd_set_resolve(&nd, dirfd, resolve);
	if (!err)
		err = open_create(t, &nd, &p, last, flags, mode, out);
	nd_fini(&nd);
	path_put(&p);
	return err;
}
