/* stat family, readlink, access, statfs. */
#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/sysmacros.h>
#include <sys/vfs.h>
#include <unistd.h>
#include "syscall.h"
#include "../vfs/vfs_impl.h"
#include "../sentry/mm.h"
#include "../sentry/task.h"

#ifndef AT_STATX_SYNC_TYPE
#define AT_STATX_SYNC_TYPE 0x6000
#endif
#ifndef STATX__RESERVED
#define STATX__RESERVED 0x80000000U
#endif

/* The inode named by (dirfd, path, AT_* flags), with a reference; the path
 * too when it has one (p->mnt NULL for anonymous files). */
static long resolve(struct task *t, int dirfd, uint64_t upath, int atflags, struct inode **out,
		    struct path *p)
{
	char *path;
	long err;

	p->mnt = NULL;
	p->dentry = NULL;
	if (upath == 0 && (atflags & AT_EMPTY_PATH)) {
		path = NULL;
	} else {
		err = vfs_getname(t, upath, &path);
		if (err < 0)
			return err;
	}
	if ((!path || !path[0]) && (atflags & AT_EMPTY_PATH) && dirfd != AT_FDCWD) {
		free(path);
		struct file *f = fd_get(t->files, dirfd);
		if (!f)
			return -EBADF;
		if (!f->inode) {
			file_put(f);
			return -EBADF;
		}
		*out = f->inode;
		inode_get(*out);
		if (f->path.dentry) {
			*p = f->path;
			path_get(p);
		}
		file_put(f);
		return 0;
	}
	int lf = (atflags & AT_SYMLINK_NOFOLLOW ? 0 : LOOKUP_FOLLOW) |
		 (atflags & AT_EMPTY_PATH ? LOOKUP_EMPTY : 0);
	err = path_lookup(t, dirfd, path ? path : "", lf, p);
	free(path);
	if (err)
		return err;
	*out = p->dentry->inode;
	inode_get(*out);
	return 0;
}

static long stat_common(struct task *t, int dirfd, uint64_t upath, int atflags, uint64_t ubuf)
{
	struct inode *i;
	struct path p;
	struct stat st;
	long err = resolve(t, dirfd, upath, atflags, &i, &p);
	if (err)
		return err;
	vfs_revalidate(i);
	vfs_getattr(i, &st);
	inode_put(i);
	path_put(&p);
	return copy_to_user(t->mm, ubuf, &st, sizeof(st)) ? -EFAULT : 0;
}

long sys_stat(struct task *t, const struct syscall_args *a)
{
	return stat_common(t, AT_FDCWD, a->a[0], 0, a->a[1]);
}

long sys_lstat(struct task *t, const struct syscall_args *a)
{
	return stat_common(t, AT_FDCWD, a->a[0], AT_SYMLINK_NOFOLLOW, a->a[1]);
}

long sys_fstat(struct task *t, const struct syscall_args *a)
{
	struct file *f = fd_get(t->files, (int)a->a[0]);
	struct stat st;
	if (!f)
		return -EBADF;
	if (f->inode) {
		vfs_revalidate(f->inode);
		vfs_getattr(f->inode, &st);
	}
	bool ok = f->inode != NULL;
	file_put(f);
	if (!ok)
		return -EBADF;
	return copy_to_user(t->mm, a->a[1], &st, sizeof(st)) ? -EFAULT : 0;
}

long sys_newfstatat(struct task *t, const struct syscall_args *a)
{
	int fl = (int)a->a[3];
	if (fl & ~(AT_SYMLINK_NOFOLLOW | AT_EMPTY_PATH | AT_NO_AUTOMOUNT))
		return -EINVAL;
	return stat_common(t, (int)a->a[0], a->a[1], fl, a->a[2]);
}

long sys_statx(struct task *t, const struct syscall_args *a)
{
	int fl = (int)a->a[2];
	uint32_t mask = (uint32_t)a->a[3];
	struct inode *i;
	struct path p;
	struct statx sx;

	if (fl & ~(AT_SYMLINK_NOFOLLOW | AT_EMPTY_PATH | AT_NO_AUTOMOUNT | AT_STATX_SYNC_TYPE))
		return -EINVAL;
	if ((fl & AT_STATX_SYNC_TYPE) == AT_STATX_SYNC_TYPE || (mask & STATX__RESERVED))
		return -EINVAL;
	long err = resolve(t, (int)a->a[0], a->a[1], fl, &i, &p);
	if (err)
		return err;
	vfs_revalidate(i);
	memset(&sx, 0, sizeof(sx));
	sx.stx_mask = STATX_BASIC_STATS;
	sx.stx_blksize = 4096;
	sx.stx_nlink = (uint32_t)i->nlink;
	sx.stx_uid = i->uid;
	sx.stx_gid = i->gid;
	sx.stx_mode = (uint16_t)i->mode;
	sx.stx_ino = i->ino;
	sx.stx_size = i->size;
	sx.stx_blocks = i->blocks;
	sx.stx_atime = (struct statx_timestamp){ i->atime.tv_sec, (uint32_t)i->atime.tv_nsec, 0 };
	sx.stx_mtime = (struct statx_timestamp){ i->mtime.tv_sec, (uint32_t)i->mtime.tv_nsec, 0 };
	sx.stx_ctime = (struct statx_timestamp){ i->ctime.tv_sec, (uint32_t)i->ctime.tv_nsec, 0 };
	if (i->btime.tv_sec || i->btime.tv_nsec) {
		sx.stx_mask |= STATX_BTIME;
		sx.stx_btime = (struct statx_timestamp){ i->btime.tv_sec, (uint32_t)i->btime.tv_nsec, 0 };
	}
	sx.stx_rdev_major = major(i->rdev);
	sx.stx_rdev_minor = minor(i->rdev);
	uint64_t dev = i->sb ? i->sb->dev : 0;
	sx.stx_dev_major = major(dev);
	sx.stx_dev_minor = minor(dev);
	inode_put(i);
	path_put(&p);
	return copy_to_user(t->mm, a->a[4], &sx, sizeof(sx)) ? -EFAULT : 0;
}

static long do_readlink(struct task *t, int dirfd, uint64_t upath, uint64_t ubuf, int64_t bufsiz)
{
	char *path, *buf;
	struct path p;
	if (bufsiz <= 0)
		return -EINVAL;
	long err = vfs_getname(t, upath, &path);
	if (err < 0)
		return err;
	bool empty = !path[0];
	err = path_lookup(t, dirfd, path, LOOKUP_EMPTY, &p);
	free(path);
	if (err)
		return err;
	if (empty && !S_ISLNK(p.dentry->inode->mode)) {
		path_put(&p);
		return -ENOENT;
	}
	size_t len = bufsiz < PATH_MAX_LEN ? (size_t)bufsiz : PATH_MAX_LEN;
	buf = malloc(len);
	err = buf ? vfs_readlink(t, &p, buf, len) : -ENOMEM;
	if (err > 0 && copy_to_user(t->mm, ubuf, buf, (size_t)err))
		err = -EFAULT;
	free(buf);
	path_put(&p);
	return err;
}

long sys_readlink(struct task *t, const struct syscall_args *a)
{
	return do_readlink(t, AT_FDCWD, a->a[0], a->a[1], (int)a->a[2]);
}

long sys_readlinkat(struct task *t, const struct syscall_args *a)
{
	return do_readlink(t, (int)a->a[0], a->a[1], a->a[2], (int)a->a[3]);
}

static long do_access(struct task *t, int dirfd, uint64_t upath, int mode, int fl)
{
	struct cred c = t->cred;
	struct inode *i;
	struct path p;

	if (mode & ~(R_OK | W_OK | X_OK))
		return -EINVAL;
	if (fl & ~(AT_EACCESS | AT_SYMLINK_NOFOLLOW | AT_EMPTY_PATH))
		return -EINVAL;
	if (!(fl & AT_EACCESS)) {
		/* access(2) checks with the real ids; root keeps its capabilities */
		c.fsuid = c.uid;
		c.fsgid = c.gid;
		c.cap_effective = c.uid == 0 ? c.cap_permitted : 0;
	}
	char *path;
	long err = vfs_getname(t, upath, &path);
	if (err < 0)
		return err;
	if (!path[0] && (fl & AT_EMPTY_PATH) && dirfd != AT_FDCWD) {
		free(path);
		err = resolve(t, dirfd, 0, AT_EMPTY_PATH, &i, &p);
		if (err)
			return err;
	} else {
		int lf = (fl & AT_SYMLINK_NOFOLLOW ? 0 : LOOKUP_FOLLOW) |
			 (fl & AT_EMPTY_PATH ? LOOKUP_EMPTY : 0);
		err = path_lookup_cred(t, &c, dirfd, path, lf, &p);
		free(path);
		if (err)
			return err;
		i = p.dentry->inode;
		inode_get(i);
	}
	vfs_revalidate(i);
	if ((mode & W_OK) && path_is_readonly(&p) &&
	    (S_ISREG(i->mode) || S_ISDIR(i->mode) || S_ISLNK(i->mode)))
		err = -EROFS;
	else
		err = inode_permission(&c, i, (mode & R_OK ? MAY_READ : 0) |
					  (mode & W_OK ? MAY_WRITE : 0) | (mode & X_OK ? MAY_EXEC : 0));
	inode_put(i);
	path_put(&p);
	return err;
}

long sys_access(struct task *t, const struct syscall_args *a)
{
	return do_access(t, AT_FDCWD, a->a[0], (int)a->a[1], 0);
}

long sys_faccessat(struct task *t, const struct syscall_args *a)
{
	return do_access(t, (int)a->a[0], a->a[1], (int)a->a[2], 0);
}

long sys_faccessat2(struct task *t, const struct syscall_args *a)
{
	return do_access(t, (int)a->a[0], a->a[1], (int)a->a[2], (int)a->a[3]);
}

static long put_statfs(struct task *t, struct inode *i, uint64_t ubuf)
{
	struct statfs st;
	long err = vfs_statfs(i, &st);
	if (!err && copy_to_user(t->mm, ubuf, &st, sizeof(st)))
		err = -EFAULT;
	return err;
}

long sys_statfs(struct task *t, const struct syscall_args *a)
{
	struct inode *i;
	struct path p;
	long err = resolve(t, AT_FDCWD, a->a[0], 0, &i, &p);
	if (err)
		return err;
	err = put_statfs(t, i, a->a[1]);
	inode_put(i);
	path_put(&p);
	return err;
}

long sys_fstatfs(struct task *t, const struct syscall_args *a)
{
	struct file *f = fd_get(t->files, (int)a->a[0]);
	if (!f)
		return -EBADF;
	long err = f->inode ? put_statfs(t, f->inode, a->a[1]) : -EBADF;
	file_put(f);
	return err;
}
