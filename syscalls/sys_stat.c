/* stat family, readlink, access, statfs. */
#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/sysmacros.h>
#include <sys/statvfs.h>
#include <sys/vfs.h>
#include <unistd.h>
#include "syscall.h"
#include "../vfs/vfs_impl.h"
#include "../vfs/tmpfs/tmpfs.h"
#include "../sentry/mm.h"
#include "../sentry/task.h"

#ifndef AT_STATX_SYNC_TYPE
#define AT_STATX_SYNC_TYPE 0x6000
#endif
#ifndef STATX__RESERVED
#define STATX__RESERVED 0x80000000U
#endif
#ifndef STATX_MNT_ID_UNIQUE
#define STATX_MNT_ID_UNIQUE 0x4000U
#endif
#ifndef STATX_ATTR_DAX
#define STATX_ATTR_DAX 0x00200000
#endif
#define ST_VALID 0x0020          /* f_flags filled in (Linux 2.6.36+) */
#ifndef ST_NOSYMFOLLOW
#define ST_NOSYMFOLLOW 0x2000
#endif
/* Linux numbers unique mount ids from 2^31 up, apart from the old ids */
#define MNT_ID_UNIQUE_BASE (1ULL << 31)

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

static struct statx_timestamp sx_time(struct timespec ts)
{
	return (struct statx_timestamp){ ts.tv_sec, (uint32_t)ts.tv_nsec, 0 };
}

/* What statx reports: the basic stats (as stat does), the mount id, btime
 * when asked for and known, and the attributes the VFS knows: MOUNT_ROOT,
 * plus the inode flags tmpfs supports in the mask (none is ever set). */
static void fill_statx(struct inode *i, const struct path *p, uint32_t want, struct statx *sx)
{
	struct stat st;
	vfs_getattr(i, &st);
	memset(sx, 0, sizeof(*sx));
	sx->stx_mask = STATX_BASIC_STATS;
	sx->stx_blksize = (uint32_t)st.st_blksize;
	sx->stx_nlink = (uint32_t)st.st_nlink;
	sx->stx_uid = st.st_uid;
	sx->stx_gid = st.st_gid;
	sx->stx_mode = (uint16_t)st.st_mode;
	sx->stx_ino = st.st_ino;
	sx->stx_size = (uint64_t)st.st_size;
	sx->stx_blocks = (uint64_t)st.st_blocks;
	sx->stx_atime = sx_time(st.st_atim);
	sx->stx_mtime = sx_time(st.st_mtim);
	sx->stx_ctime = sx_time(st.st_ctim);
	if ((want & STATX_BTIME) && (i->btime.tv_sec || i->btime.tv_nsec)) {
		sx->stx_mask |= STATX_BTIME;
		sx->stx_btime = sx_time(i->btime);
	}
	sx->stx_rdev_major = major(st.st_rdev);
	sx->stx_rdev_minor = minor(st.st_rdev);
	sx->stx_dev_major = major(st.st_dev);
	sx->stx_dev_minor = minor(st.st_dev);
	sx->stx_attributes_mask = STATX_ATTR_AUTOMOUNT | STATX_ATTR_MOUNT_ROOT | STATX_ATTR_DAX;
	if (i->iops == &tmpfs_iops)
		sx->stx_attributes_mask |= STATX_ATTR_IMMUTABLE | STATX_ATTR_APPEND | STATX_ATTR_NODUMP;
	if (p->mnt) {
		/* Linux 6.8: asking for the unique id returns it instead of the old one */
		if (want & STATX_MNT_ID_UNIQUE) {
			sx->stx_mask |= STATX_MNT_ID_UNIQUE;
			sx->stx_mnt_id = MNT_ID_UNIQUE_BASE + (uint64_t)p->mnt->id;
		} else {
			sx->stx_mask |= STATX_MNT_ID;
			sx->stx_mnt_id = (uint64_t)p->mnt->id;
		}
		if (p->dentry == p->mnt->root)
			sx->stx_attributes |= STATX_ATTR_MOUNT_ROOT;
	}
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
	fill_statx(i, &p, mask, &sx);
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

/* f_flags: ST_VALID and the mount's flags (Linux's calculate_f_flags). */
static long mount_st_flags(const struct path *p)
{
	long fl = ST_VALID;
	if (!p->mnt)
		return fl;
	int m = p->mnt->flags;
	if (path_is_readonly(p))
		fl |= ST_RDONLY;
	if (m & MNT_NOSUID)
		fl |= ST_NOSUID;
	if (m & MNT_NODEV)
		fl |= ST_NODEV;
	if (m & MNT_NOEXEC)
		fl |= ST_NOEXEC;
	if (m & MNT_NOATIME)
		fl |= ST_NOATIME;
	if (m & MNT_NODIRATIME)
		fl |= ST_NODIRATIME;
	if (!(m & (MNT_NOATIME | MNT_STRICTATIME)))
		fl |= ST_RELATIME;
	if (m & MNT_NOSYMFOLLOW)
		fl |= ST_NOSYMFOLLOW;
	return fl;
}

static long put_statfs(struct task *t, struct inode *i, const struct path *p, uint64_t ubuf)
{
	struct statfs st;
	long err = vfs_statfs(i, &st);
	if (err)
		return err;
	st.f_flags = mount_st_flags(p);
	return copy_to_user(t->mm, ubuf, &st, sizeof(st)) ? -EFAULT : 0;
}

long sys_statfs(struct task *t, const struct syscall_args *a)
{
	struct inode *i;
	struct path p;
	long err = resolve(t, AT_FDCWD, a->a[0], 0, &i, &p);
	if (err)
		return err;
	err = put_statfs(t, i, &p, a->a[1]);
	inode_put(i);
	path_put(&p);
	return err;
}

long sys_fstatfs(struct task *t, const struct syscall_args *a)
{
	struct file *f = fd_get(t->files, (int)a->a[0]);
	if (!f)
		return -EBADF;
	long err = f->inode ? put_statfs(t, f->inode, &f->path, a->a[1]) : -EBADF;
	file_put(f);
	return err;
}
