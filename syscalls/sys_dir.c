/* Directories and names: getdents, cwd, mkdir/unlink/rename/link/symlink,
 * mknod, chmod/chown, truncate, utimes. */
#include <errno.h>
#include <fcntl.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/sysmacros.h>
#include <sys/time.h>
#include <utime.h>
#include "syscall.h"
#include "../vfs/vfs_impl.h"
#include "../sentry/mm.h"
#include "../sentry/task.h"

/* ---- getdents ---- */

struct gd_ctx {
	struct dir_context ctx;
	char *buf;
	size_t len, used, prev;    /* prev: offset of the last record, for d_off */
	bool any, full, old;
};

struct dirent64_hdr {
	uint64_t d_ino;
	int64_t d_off;
	uint16_t d_reclen;
	uint8_t d_type;
} __attribute__((packed));

struct dirent_old_hdr {
	unsigned long d_ino;
	unsigned long d_off;
	unsigned short d_reclen;
} __attribute__((packed));

#define DIRENT64_NAME 19
#define DIRENT_OLD_NAME 18

static void set_prev_off(struct gd_ctx *g, int64_t off)
{
	/* d_off is at byte 8 in both layouts */
	memcpy(g->buf + g->prev + 8, &off, sizeof(off));
}

static bool gd_emit(struct dir_context *ctx, const char *name, size_t namelen, uint64_t ino,
		    unsigned dtype)
{
	struct gd_ctx *g = (struct gd_ctx *)ctx;
	size_t reclen = g->old ? (DIRENT_OLD_NAME + namelen + 2 + 7) & ~7UL
			       : (DIRENT64_NAME + namelen + 1 + 7) & ~7UL;
	if (g->used + reclen > g->len) {
		g->full = true;
		return false;
	}
	if (g->any)
		set_prev_off(g, (int64_t)ctx->pos);
	char *r = g->buf + g->used;
	memset(r, 0, reclen);
	if (g->old) {
		struct dirent_old_hdr h = { ino, 0, (unsigned short)reclen };
		memcpy(r, &h, sizeof(h));
		memcpy(r + DIRENT_OLD_NAME, name, namelen);
		r[reclen - 1] = (char)dtype;     /* d_type lives in the last byte */
	} else {
		struct dirent64_hdr h = { ino, 0, (uint16_t)reclen, (uint8_t)dtype };
		memcpy(r, &h, sizeof(h));
		memcpy(r + DIRENT64_NAME, name, namelen);
	}
	g->prev = g->used;
	g->used += reclen;
	g->any = true;
	return true;
}

static long do_getdents(struct task *t, int fd, uint64_t ubuf, unsigned count, bool old)
{
	struct file *f = fd_get(t->files, fd);
	if (!f)
		return -EBADF;
	struct gd_ctx g = { .ctx = { .emit = gd_emit }, .old = old };
	g.len = count < VFS_BOUNCE ? count : VFS_BOUNCE;
	g.buf = malloc(g.len ? g.len : 1);
	long err = g.buf ? vfs_iterate(f, &g.ctx) : -ENOMEM;
	if (!err && g.any) {
		set_prev_off(&g, (int64_t)g.ctx.pos);
		err = copy_to_user(t->mm, ubuf, g.buf, g.used) ? -EFAULT : (long)g.used;
	} else if (!err && g.full) {
		err = -EINVAL;
	}
	free(g.buf);
	file_put(f);
	return err;
}

long sys_getdents64(struct task *t, const struct syscall_args *a)
{
	return do_getdents(t, (int)a->a[0], a->a[1], (unsigned)a->a[2], false);
}

long sys_getdents(struct task *t, const struct syscall_args *a)
{
	return do_getdents(t, (int)a->a[0], a->a[1], (unsigned)a->a[2], true);
}

/* ---- cwd ---- */

/* Is p at or below root (across mounts)? */
static bool reachable(const struct path *root, const struct path *p)
{
	struct path cur = *p;
	for (;;) {
		if (cur.mnt == root->mnt && cur.dentry == root->dentry)
			return true;
		if (cur.dentry == cur.mnt->root) {
			if (cur.mnt->parent == cur.mnt)
				return false;
			cur.dentry = cur.mnt->mountpoint;
			cur.mnt = cur.mnt->parent;
		} else {
			cur.dentry = cur.dentry->parent;
		}
	}
}

/* getcwd: -ENOENT for a removed cwd; a cwd outside the root (after chroot)
 * is shown from the top with Linux's "(unreachable)" prefix. */
long sys_getcwd(struct task *t, const struct syscall_args *a)
{
	static const char unreach[] = "(unreachable)";
	if (t->fs->cwd.dentry->deleted)
		return -ENOENT;
	char *buf = malloc(PATH_MAX_LEN + sizeof(unreach));
	if (!buf)
		return -ENOMEM;
	size_t pre = reachable(&t->fs->root, &t->fs->cwd) ? 0 : sizeof(unreach) - 1;
	memcpy(buf, unreach, pre);
	long n = path_to_string(&t->fs->root, &t->fs->cwd, buf + pre, PATH_MAX_LEN);
	if (n >= 0) {
		n += (long)pre;
		if ((uint64_t)n + 1 > a->a[1])
			n = -ERANGE;
		else if (copy_to_user(t->mm, a->a[0], buf, (size_t)n + 1))
			n = -EFAULT;
		else
			n++;
	}
	free(buf);
	return n;
}

static long set_cwd(struct task *t, struct path *p)
{
	if (!S_ISDIR(p->dentry->inode->mode))
		return -ENOTDIR;
	int err = inode_permission(&t->cred, p->dentry->inode, MAY_EXEC);
	if (err)
		return err;
	path_put(&t->fs->cwd);
	t->fs->cwd = *p;
	path_get(p);
	return 0;
}

long sys_chdir(struct task *t, const struct syscall_args *a)
{
	char *path;
	struct path p;
	long err = vfs_getname(t, a->a[0], &path);
	if (err < 0)
		return err;
	err = path_lookup(t, AT_FDCWD, path, LOOKUP_FOLLOW | LOOKUP_DIRECTORY, &p);
	free(path);
	if (err)
		return err;
	err = set_cwd(t, &p);
	path_put(&p);
	return err;
}

long sys_fchdir(struct task *t, const struct syscall_args *a)
{
	struct file *f = fd_get(t->files, (int)a->a[0]);
	if (!f)
		return -EBADF;
	long err = f->path.dentry ? set_cwd(t, &f->path) : -ENOTDIR;
	file_put(f);
	return err;
}

/* ---- namespace changes ---- */

/* Copy one path and call fn(t, dirfd, path, arg1, arg2). */
static long with_path(struct task *t, uint64_t upath, long (*fn)(struct task *, int, const char *,
		      uint64_t, uint64_t), int dirfd, uint64_t x, uint64_t y)
{
	char *path;
	long err = vfs_getname(t, upath, &path);
	if (err < 0)
		return err;
	err = fn(t, dirfd, path, x, y);
	free(path);
	return err;
}

static long mkdir_fn(struct task *t, int dfd, const char *p, uint64_t mode, uint64_t unused)
{
	/* Linux's vfs_mkdir: only permission and sticky bits (S_ISGID comes from the parent) */
	return vfs_mkdir(t, dfd, p, (mode_t)mode & (0777 | S_ISVTX));
}

static long unlink_fn(struct task *t, int dfd, const char *p, uint64_t flags, uint64_t unused)
{
	if (flags & ~(uint64_t)AT_REMOVEDIR)
		return -EINVAL;
	return flags ? vfs_rmdir(t, dfd, p) : vfs_unlink(t, dfd, p);
}

/* Linux's new_decode_dev: 12-bit major, 20-bit minor split around it. */
static dev_t decode_dev(uint32_t d)
{
	return makedev((d & 0xfff00) >> 8, (d & 0xff) | ((d >> 12) & 0xfff00));
}

static long mknod_fn(struct task *t, int dfd, const char *p, uint64_t mode, uint64_t dev)
{
	return vfs_mknod(t, dfd, p, (mode_t)mode, decode_dev((uint32_t)dev));
}

long sys_mkdir(struct task *t, const struct syscall_args *a)
{
	return with_path(t, a->a[0], mkdir_fn, AT_FDCWD, a->a[1], 0);
}

long sys_mkdirat(struct task *t, const struct syscall_args *a)
{
	return with_path(t, a->a[1], mkdir_fn, (int)a->a[0], a->a[2], 0);
}

long sys_mknod(struct task *t, const struct syscall_args *a)
{
	return with_path(t, a->a[0], mknod_fn, AT_FDCWD, a->a[1], a->a[2]);
}

long sys_mknodat(struct task *t, const struct syscall_args *a)
{
	return with_path(t, a->a[1], mknod_fn, (int)a->a[0], a->a[2], a->a[3]);
}

long sys_rmdir(struct task *t, const struct syscall_args *a)
{
	return with_path(t, a->a[0], unlink_fn, AT_FDCWD, AT_REMOVEDIR, 0);
}

long sys_unlink(struct task *t, const struct syscall_args *a)
{
	return with_path(t, a->a[0], unlink_fn, AT_FDCWD, 0, 0);
}

long sys_unlinkat(struct task *t, const struct syscall_args *a)
{
	return with_path(t, a->a[1], unlink_fn, (int)a->a[0], a->a[2], 0);
}

/* Two paths: rename, link, symlink. */
enum two_op { OP_RENAME, OP_LINK, OP_SYMLINK };

static long two_paths(struct task *t, enum two_op op, int odfd, uint64_t uold, int ndfd,
		      uint64_t unew, unsigned flags)
{
	char *o, *n;
	long err = vfs_getname(t, uold, &o);
	if (err < 0)
		return err;
	err = vfs_getname(t, unew, &n);
	if (err < 0) {
		free(o);
		return err;
	}
	switch (op) {
	case OP_RENAME:
		err = vfs_rename(t, odfd, o, ndfd, n, flags);
		break;
	case OP_LINK:
		err = vfs_link(t, odfd, o, ndfd, n, (flags & AT_SYMLINK_FOLLOW ? LOOKUP_FOLLOW : 0) |
			       (flags & AT_EMPTY_PATH ? LOOKUP_EMPTY : 0));
		break;
	case OP_SYMLINK:
		err = vfs_symlink(t, o, ndfd, n);
		break;
	}
	free(o);
	free(n);
	return err;
}

long sys_rename(struct task *t, const struct syscall_args *a)
{
	return two_paths(t, OP_RENAME, AT_FDCWD, a->a[0], AT_FDCWD, a->a[1], 0);
}

long sys_renameat(struct task *t, const struct syscall_args *a)
{
	return two_paths(t, OP_RENAME, (int)a->a[0], a->a[1], (int)a->a[2], a->a[3], 0);
}

long sys_renameat2(struct task *t, const struct syscall_args *a)
{
	return two_paths(t, OP_RENAME, (int)a->a[0], a->a[1], (int)a->a[2], a->a[3],
			 (unsigned)a->a[4]);
}

long sys_link(struct task *t, const struct syscall_args *a)
{
	return two_paths(t, OP_LINK, AT_FDCWD, a->a[0], AT_FDCWD, a->a[1], 0);
}

long sys_linkat(struct task *t, const struct syscall_args *a)
{
	unsigned fl = (unsigned)a->a[4];
	if (fl & ~(unsigned)(AT_SYMLINK_FOLLOW | AT_EMPTY_PATH))
		return -EINVAL;
	if ((fl & AT_EMPTY_PATH) && !cred_capable(&t->cred, CAP_DAC_READ_SEARCH))
		return -ENOENT;
	return two_paths(t, OP_LINK, (int)a->a[0], a->a[1], (int)a->a[2], a->a[3], fl);
}

long sys_symlink(struct task *t, const struct syscall_args *a)
{
	return two_paths(t, OP_SYMLINK, AT_FDCWD, a->a[0], AT_FDCWD, a->a[1], 0);
}

long sys_symlinkat(struct task *t, const struct syscall_args *a)
{
	return two_paths(t, OP_SYMLINK, AT_FDCWD, a->a[0], (int)a->a[1], a->a[2], 0);
}

/* ---- attributes ---- */

/* The inode of descriptor fd; O_PATH descriptors only when opath (a path
 * walk with AT_EMPTY_PATH accepts them, fchmod/fchown/futimens do not). */
static long fd_target(struct task *t, int fd, bool opath, struct path *p, struct inode **i)
{
	struct file *f = fd_get(t->files, fd);
	if (!f)
		return -EBADF;
	long err = ((f->flags & O_PATH) && !opath) || !f->inode ? -EBADF : 0;
	if (!err) {
		*i = f->inode;
		inode_get(*i);
		if (f->path.dentry) {
			*p = f->path;
			path_get(p);
		}
	}
	file_put(f);
	return err;
}

/* Resolve (dirfd, path) or, for path 0 (by_fd) / AT_EMPTY_PATH "", the fd itself. */
static long attr_target(struct task *t, int dirfd, uint64_t upath, int atflags, bool by_fd,
			struct path *p, struct inode **i)
{
	p->mnt = NULL;
	p->dentry = NULL;
	if (by_fd)
		return fd_target(t, dirfd, false, p, i);
	char *path;
	long err = vfs_getname(t, upath, &path);
	if (err < 0)
		return err;
	if (!path[0] && (atflags & AT_EMPTY_PATH) && dirfd != AT_FDCWD) {
		free(path);
		return fd_target(t, dirfd, true, p, i);
	}
	err = path_lookup(t, dirfd, path, (atflags & AT_SYMLINK_NOFOLLOW ? 0 : LOOKUP_FOLLOW) |
			  (atflags & AT_EMPTY_PATH ? LOOKUP_EMPTY : 0), p);
	free(path);
	if (err)
		return err;
	*i = p->dentry->inode;
	inode_get(*i);
	return 0;
}

static long do_setattr(struct task *t, int dirfd, uint64_t upath, int atflags, bool by_fd,
		       struct iattr *ia)
{
	struct path p;
	struct inode *i;
	long err = attr_target(t, dirfd, upath, atflags, by_fd, &p, &i);
	if (err)
		return err;
	err = vfs_setattr(t, p.dentry ? &p : NULL, i, ia);
	inode_put(i);
	path_put(&p);
	return err;
}

static long chmod_common(struct task *t, int dfd, uint64_t up, bool by_fd, uint64_t mode)
{
	struct iattr ia = { .valid = ATTR_MODE, .mode = (mode_t)mode & 07777 };
	return do_setattr(t, dfd, up, 0, by_fd, &ia);
}

long sys_chmod(struct task *t, const struct syscall_args *a)
{
	return chmod_common(t, AT_FDCWD, a->a[0], false, a->a[1]);
}

long sys_fchmod(struct task *t, const struct syscall_args *a)
{
	return chmod_common(t, (int)a->a[0], 0, true, a->a[1]);
}

long sys_fchmodat(struct task *t, const struct syscall_args *a)
{
	return chmod_common(t, (int)a->a[0], a->a[1], false, a->a[2]);
}

/* fchmodat2 (Linux 6.6): flags; symlinks have no mode of their own. */
long sys_fchmodat2(struct task *t, const struct syscall_args *a)
{
	int fl = (int)a->a[3];
	struct iattr ia = { .valid = ATTR_MODE, .mode = (mode_t)a->a[2] & 07777 };
	struct path p;
	struct inode *i;
	if (fl & ~(AT_SYMLINK_NOFOLLOW | AT_EMPTY_PATH))
		return -EINVAL;
	long err = attr_target(t, (int)a->a[0], a->a[1], fl, false, &p, &i);
	if (err)
		return err;
	err = S_ISLNK(i->mode) ? -EOPNOTSUPP : vfs_setattr(t, p.dentry ? &p : NULL, i, &ia);
	inode_put(i);
	path_put(&p);
	return err;
}

static long chown_common(struct task *t, int dfd, uint64_t up, int atflags, bool by_fd,
			 uint64_t uid, uint64_t gid)
{
	struct iattr ia = { .valid = ATTR_KILL_SUID };
	if ((uint32_t)uid != (uint32_t)-1) {
		ia.valid |= ATTR_UID;
		ia.uid = (uid_t)uid;
	}
	if ((uint32_t)gid != (uint32_t)-1) {
		ia.valid |= ATTR_GID;
		ia.gid = (gid_t)gid;
	}
	return do_setattr(t, dfd, up, atflags, by_fd, &ia);
}

long sys_chown(struct task *t, const struct syscall_args *a)
{
	return chown_common(t, AT_FDCWD, a->a[0], 0, false, a->a[1], a->a[2]);
}

long sys_lchown(struct task *t, const struct syscall_args *a)
{
	return chown_common(t, AT_FDCWD, a->a[0], AT_SYMLINK_NOFOLLOW, false, a->a[1], a->a[2]);
}

long sys_fchown(struct task *t, const struct syscall_args *a)
{
	return chown_common(t, (int)a->a[0], 0, 0, true, a->a[1], a->a[2]);
}

long sys_fchownat(struct task *t, const struct syscall_args *a)
{
	int fl = (int)a->a[4];
	if (fl & ~(AT_SYMLINK_NOFOLLOW | AT_EMPTY_PATH))
		return -EINVAL;
	return chown_common(t, (int)a->a[0], a->a[1], fl, false, a->a[2], a->a[3]);
}

long sys_truncate(struct task *t, const struct syscall_args *a)
{
	struct path p;
	struct inode *i;
	if ((int64_t)a->a[1] < 0)
		return -EINVAL;
	long err = attr_target(t, AT_FDCWD, a->a[0], 0, false, &p, &i);
	if (err)
		return err;
	if (S_ISDIR(i->mode))
		err = -EISDIR;
	else if (!S_ISREG(i->mode))
		err = -EINVAL;
	else if (!(err = inode_permission(&t->cred, i, MAY_WRITE)))
		err = path_is_readonly(&p) ? -EROFS : vfs_truncate_inode(t, i, a->a[1]);
	inode_put(i);
	path_put(&p);
	return err;
}

long sys_ftruncate(struct task *t, const struct syscall_args *a)
{
	if ((int64_t)a->a[1] < 0)
		return -EINVAL;
	struct file *f = fd_get(t->files, (int)a->a[0]);
	if (!f)
		return -EBADF;
	long err;
	if (f->flags & O_PATH)
		err = -EBADF;
	else if (!f->inode || !S_ISREG(f->inode->mode) || (f->flags & O_ACCMODE) == O_RDONLY)
		err = -EINVAL;
	else
		err = vfs_truncate_inode(t, f->inode, a->a[1]);
	file_put(f);
	return err;
}

/* utimensat semantics for all the utime calls; ts NULL = both now. */
static long do_utimes(struct task *t, int dirfd, uint64_t upath, int atflags,
		      struct timespec *ts)
{
	struct path p;
	struct inode *i;
	struct iattr ia = { .valid = ATTR_ATIME | ATTR_MTIME };
	bool all_now = true;
	long err;

	if (atflags & ~(AT_SYMLINK_NOFOLLOW | AT_EMPTY_PATH))
		return -EINVAL;
	struct timespec now = vfs_now();
	ia.atime = ia.mtime = now;
	if (ts) {
		for (int k = 0; k < 2; k++) {
			long ns = ts[k].tv_nsec;
			if (ns != UTIME_NOW && ns != UTIME_OMIT && (ns < 0 || ns >= 1000000000L))
				return -EINVAL;
			if (ns != UTIME_NOW)
				all_now = false;
		}
		if (ts[0].tv_nsec == UTIME_OMIT)
			ia.valid &= ~ATTR_ATIME;
		else if (ts[0].tv_nsec != UTIME_NOW)
			ia.atime = ts[0];
		if (ts[1].tv_nsec == UTIME_OMIT)
			ia.valid &= ~ATTR_MTIME;
		else if (ts[1].tv_nsec != UTIME_NOW)
			ia.mtime = ts[1];
	}
	/* a NULL path names dirfd itself (futimens), but not AT_FDCWD (EFAULT) */
	bool by_fd = upath == 0 && dirfd != AT_FDCWD;
	if (by_fd && atflags)
		return -EINVAL;
	err = attr_target(t, dirfd, upath, atflags, by_fd, &p, &i);
	if (err)
		return err;
	if (!ia.valid)
		err = 0;
	else if (p.dentry && path_is_readonly(&p))
		err = -EROFS;
	else if (!inode_owner_or_capable(&t->cred, i) &&
		 (!all_now || inode_permission(&t->cred, i, MAY_WRITE)))
		err = all_now ? -EACCES : -EPERM;
	else if (!i->iops || !i->iops->setattr)
		err = -EPERM;
	else {
		ia.valid |= ATTR_CTIME;
		ia.ctime = now;
		err = i->iops->setattr(i, &ia);
	}
	inode_put(i);
	path_put(&p);
	return err;
}

long sys_utimensat(struct task *t, const struct syscall_args *a)
{
	struct timespec ts[2];
	if (a->a[2] && copy_from_user(t->mm, ts, a->a[2], sizeof(ts)))
		return -EFAULT;
	/* Linux: nothing to do, so not even the path is looked at */
	if (a->a[2] && ts[0].tv_nsec == UTIME_OMIT && ts[1].tv_nsec == UTIME_OMIT)
		return 0;
	return do_utimes(t, (int)a->a[0], a->a[1], (int)a->a[3], a->a[2] ? ts : NULL);
}

static long timeval_utimes(struct task *t, int dirfd, uint64_t upath, uint64_t utv)
{
	struct timeval tv[2];
	struct timespec ts[2];
	if (!utv)
		return do_utimes(t, dirfd, upath, 0, NULL);
	if (copy_from_user(t->mm, tv, utv, sizeof(tv)))
		return -EFAULT;
	for (int k = 0; k < 2; k++) {
		if (tv[k].tv_usec < 0 || tv[k].tv_usec >= 1000000)
			return -EINVAL;
		ts[k].tv_sec = tv[k].tv_sec;
		ts[k].tv_nsec = tv[k].tv_usec * 1000;
	}
	return do_utimes(t, dirfd, upath, 0, ts);
}

long sys_utimes(struct task *t, const struct syscall_args *a)
{
	if (!a->a[0])
		return -EFAULT;
	return timeval_utimes(t, AT_FDCWD, a->a[0], a->a[1]);
}

long sys_futimesat(struct task *t, const struct syscall_args *a)
{
	if (!a->a[1])
		return -EFAULT;
	return timeval_utimes(t, (int)a->a[0], a->a[1], a->a[2]);
}

long sys_utime(struct task *t, const struct syscall_args *a)
{
	struct utimbuf ub;
	struct timespec ts[2];
	if (!a->a[0])
		return -EFAULT;
	if (!a->a[1])
		return do_utimes(t, AT_FDCWD, a->a[0], 0, NULL);
	if (copy_from_user(t->mm, &ub, a->a[1], sizeof(ub)))
		return -EFAULT;
	ts[0] = (struct timespec){ ub.actime, 0 };
	ts[1] = (struct timespec){ ub.modtime, 0 };
	return do_utimes(t, AT_FDCWD, a->a[0], 0, ts);
}
