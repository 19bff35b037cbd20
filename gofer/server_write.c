/*
 * The gofer's write operations and xattrs. Everything is relative to fids
 * and never follows a symlink: *at calls on the fid's O_PATH fd with
 * AT_SYMLINK_NOFOLLOW / AT_EMPTY_PATH, names checked by
 * gofer_check_request() (no "", ".", "..", '/', NUL). CREATE only ever
 * creates (O_EXCL on the host): an existing name, even a device, is never
 * opened by it. A read-only server answers every change with -EROFS.
 *
 * Modes are applied exactly as sent (the server runs with umask 0);
 * ownership is set on a best-effort basis (an unprivileged gofer keeps
 * its own ids).
 */
#include "gofer/gofer.h"
#include "gofer/protocol.h"
#include "gofer/server_int.h"
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/xattr.h>

#ifndef SYS_fchmodat2
#define SYS_fchmodat2 452
#endif
/* ATTR_* of vfs/vfs.h as sent in gofer_req_setattr.valid. */
#define W_ATTR_MODE  (1 << 0)
#define W_ATTR_UID   (1 << 1)
#define W_ATTR_GID   (1 << 2)
#define W_ATTR_SIZE  (1 << 3)
#define W_ATTR_ATIME (1 << 4)
#define W_ATTR_MTIME (1 << 5)
#define W_ATTR_CTIME (1 << 6)
#define W_ATTR_ALL   ((1 << 7) - 1)

/* Copy a checked name out of a request into a NUL-terminated buffer. */
static struct fid_slot *dir_fid(struct server *s, uint32_t fid)
{
	struct fid_slot *f;
	struct stat st;
	return fid_lookup_stat(s, fid, &f, &st) || !S_ISDIR(st.st_mode) ? NULL : f;
}

static void chown_new(int fd, uint32_t uid, uint32_t gid)
{
	(void)fchownat(fd, "", uid, gid, AT_EMPTY_PATH | AT_SYMLINK_NOFOLLOW);
}

/* Reply with a fid for the object just created as name in dir. */
static ssize_t reply_new(struct server *s, struct fid_slot *dir, const char *name,
			 uint32_t uid, uint32_t gid)
{
	struct stat st;
	int64_t fid = fid_walk(s, dir->fd, name, &st);
	if (fid < 0)
		return fid;
	chown_new(s->fids[fid].fd, uid, gid);
	if (fstat_path(s->fids[fid].fd, &st) < 0)
		memset(&st, 0, sizeof(st));
	return reply_fidstat(s, fid, &st);
}

#define CREATE_FLAGS (O_ACCMODE | O_APPEND | O_TRUNC | O_EXCL | O_CREAT | O_DSYNC | \
		      O_SYNC | O_NOATIME | O_NONBLOCK)

static ssize_t do_create(struct server *s, const struct gofer_req_create *q, int *fd_out)
{
	struct fid_slot *dir = dir_fid(s, q->dirfid);
	char name[GOFER_NAME_MAX + 1];
	if (!dir)
		return -EBADF;
	if ((q->flags & ~(uint32_t)CREATE_FLAGS) || (q->flags & O_ACCMODE) == O_ACCMODE ||
	    (q->mode & ~07777u))
		return -EINVAL;
	take_name(name, q + 1, q->namelen);
	int flags = (int)(q->flags & ~(uint32_t)(O_TRUNC | O_NONBLOCK)) | O_CREAT | O_EXCL |
		    O_NOFOLLOW | O_CLOEXEC | O_NOCTTY;
	int fd = openat(dir->fd, name, flags, q->mode);
	if (fd < 0)
		return -errno;
	struct stat st;
	int64_t fid = fid_walk(s, dir->fd, name, &st);
	struct stat fst;
	if (fid >= 0 && (fstat(fd, &fst) < 0 || fst.st_dev != st.st_dev || fst.st_ino != st.st_ino)) {
		fid_release(s, (uint32_t)fid);
		fid = -ESTALE;
	}
	if (fid < 0) {
		close(fd);
		return fid;
	}
	chown_new(s->fids[fid].fd, q->uid, q->gid);
	(void)fstat_path(s->fids[fid].fd, &st);
	*fd_out = fd;
	return reply_fidstat(s, fid, &st);
}

static ssize_t do_mkdir(struct server *s, const struct gofer_req_create *q)
{
	struct fid_slot *dir = dir_fid(s, q->dirfid);
	char name[GOFER_NAME_MAX + 1];
	if (!dir)
		return -EBADF;
	if (q->flags || (q->mode & ~07777u))
		return -EINVAL;
	take_name(name, q + 1, q->namelen);
	if (mkdirat(dir->fd, name, q->mode) < 0)
		return -errno;
	return reply_new(s, dir, name, q->uid, q->gid);
}

/* Regular files, FIFOs and sockets only: never device nodes. */
static ssize_t do_mknod(struct server *s, const struct gofer_req_create *q)
{
	struct fid_slot *dir = dir_fid(s, q->dirfid);
	char name[GOFER_NAME_MAX + 1];
	if (!dir)
		return -EBADF;
	if (q->flags || (q->mode & ~(uint32_t)(S_IFMT | 07777)))
		return -EINVAL;
	switch (q->mode & S_IFMT) {
	case S_IFREG: case S_IFIFO: case S_IFSOCK:
		break;
	default:
		return -EPERM;
	}
	take_name(name, q + 1, q->namelen);
	if (mknodat(dir->fd, name, q->mode, 0) < 0)
		return -errno;
	return reply_new(s, dir, name, q->uid, q->gid);
}

static ssize_t do_symlink(struct server *s, const struct gofer_req_symlink *q)
{
	struct fid_slot *dir = dir_fid(s, q->dirfid);
	char name[GOFER_NAME_MAX + 1], target[GOFER_TARGET_MAX + 1];
	if (!dir)
		return -EBADF;
	take_name(name, q + 1, q->namelen);
	take_name(target, (const char *)(q + 1) + q->namelen, q->targetlen);
	if (symlinkat(target, dir->fd, name) < 0)
		return -errno;
	return reply_new(s, dir, name, q->uid, q->gid);
}

static ssize_t do_link(struct server *s, const struct gofer_req_link *q)
{
	struct fid_slot *dir = dir_fid(s, q->dirfid), *f = fid_get(s, q->fid);
	char name[GOFER_NAME_MAX + 1];
	if (!dir || !f)
		return -EBADF;
	take_name(name, q + 1, q->namelen);
	if (linkat(f->fd, "", dir->fd, name, AT_EMPTY_PATH) == 0)
		return sizeof(struct gofer_rep);
	/* AT_EMPTY_PATH needs CAP_DAC_READ_SEARCH: fall back to the name
	 * (linkat does not follow a symlink without AT_SYMLINK_FOLLOW). */
	if ((errno != ENOENT && errno != EPERM) || f->parentfd < 0)
		return -errno;
	if (linkat(f->parentfd, f->name, dir->fd, name, 0) < 0)
		return -errno;
	return sizeof(struct gofer_rep);
}

static ssize_t do_unlink(struct server *s, const struct gofer_req_unlink *q)
{
	struct fid_slot *dir = dir_fid(s, q->dirfid);
	char name[GOFER_NAME_MAX + 1];
	if (!dir)
		return -EBADF;
	if (q->flags & ~(uint32_t)AT_REMOVEDIR)
		return -EINVAL;
	take_name(name, q + 1, q->namelen);
	return unlinkat(dir->fd, name, (int)q->flags) < 0 ? -errno : (ssize_t)sizeof(struct gofer_rep);
}

static bool same_dir(int fd, const struct stat *d)
{
	struct stat st;
	return fstat(fd, &st) == 0 && st.st_dev == d->st_dev && st.st_ino == d->st_ino;
}

/* Non-directory fids remember (parent, name) for reopening: make them
 * follow a rename (both ways for RENAME_EXCHANGE). Fids of a replaced
 * target keep their stale name: their OPEN then fails with -ESTALE. */
static void fids_renamed(struct server *s, const struct stat *ost, const char *oname, int odirfd,
			 const struct stat *nst, const char *nname, int ndirfd, bool exchange)
{
	for (uint32_t i = 0; i < s->used_hw; i++) {
		struct fid_slot *f = &s->fids[i];
		if (f->fd < 0 || f->parentfd < 0)
			continue;
		const char *to;
		int todir;
		if (!strcmp(f->name, oname) && same_dir(f->parentfd, ost)) {
			to = nname;
			todir = ndirfd;
		} else if (exchange && !strcmp(f->name, nname) && same_dir(f->parentfd, nst)) {
			to = oname;
			todir = odirfd;
		} else {
			continue;
		}
		char *n = strdup(to);
		int pfd = fcntl(todir, F_DUPFD_CLOEXEC, 0);
		if (!n || pfd < 0) {
			free(n);
			if (pfd >= 0)
				close(pfd);
			continue;   /* that fid's OPEN will say -ESTALE */
		}
		free(f->name);
		close(f->parentfd);
		f->name = n;
		f->parentfd = pfd;
	}
}

static ssize_t do_rename(struct server *s, const struct gofer_req_rename *q)
{
	struct fid_slot *od = dir_fid(s, q->olddirfid), *nd = dir_fid(s, q->newdirfid);
	char oname[GOFER_NAME_MAX + 1], nname[GOFER_NAME_MAX + 1];
	struct stat ost, nst;
	if (!od || !nd)
		return -EBADF;
	if ((q->flags & ~(uint32_t)(RENAME_NOREPLACE | RENAME_EXCHANGE)) ||
	    q->flags == (RENAME_NOREPLACE | RENAME_EXCHANGE))
		return -EINVAL;
	take_name(oname, q + 1, q->oldnamelen);
	take_name(nname, (const char *)(q + 1) + q->oldnamelen, q->newnamelen);
	if (fstat_path(od->fd, &ost) || fstat_path(nd->fd, &nst))
		return -EBADF;
	if (renameat2(od->fd, oname, nd->fd, nname, q->flags) < 0)
		return -errno;
	fids_renamed(s, &ost, oname, od->fd, &nst, nname, nd->fd, q->flags & RENAME_EXCHANGE);
	return sizeof(struct gofer_rep);
}

static struct timespec wire_ts(bool set, int64_t sec, uint32_t nsec)
{
	if (!set)
		return (struct timespec){ .tv_nsec = UTIME_OMIT };
	if (nsec == UTIME_NOW || nsec == UTIME_OMIT)
		return (struct timespec){ .tv_nsec = nsec };
	return (struct timespec){ .tv_sec = (time_t)sec, .tv_nsec = nsec };
}

static ssize_t do_setattr(struct server *s, const struct gofer_req_setattr *q)
{
	struct fid_slot *f = fid_get(s, q->fid);
	struct stat st;
	if (!f)
		return -EBADF;
	if ((q->valid & ~(uint32_t)W_ATTR_ALL) || (q->mode & ~07777u) ||
	    ((q->valid & W_ATTR_ATIME) && q->atime_nsec >= 1000000000u &&
	     q->atime_nsec != UTIME_NOW && q->atime_nsec != UTIME_OMIT) ||
	    ((q->valid & W_ATTR_MTIME) && q->mtime_nsec >= 1000000000u &&
	     q->mtime_nsec != UTIME_NOW && q->mtime_nsec != UTIME_OMIT) ||
	    q->size > INT64_MAX)
		return -EINVAL;
	int err = fstat_path(f->fd, &st);
	if (err)
		return err;
	if (q->valid & W_ATTR_SIZE) {
		if (S_ISDIR(st.st_mode))
			return -EISDIR;
		if (!S_ISREG(st.st_mode))
			return -EINVAL;
		int fd = fid_reopen(f, &st, O_WRONLY);
		if (fd < 0)
			return fd;
		err = ftruncate(fd, (off_t)q->size) < 0 ? -errno : 0;
		close(fd);
		if (err)
			return err;
	}
	if ((q->valid & (W_ATTR_UID | W_ATTR_GID)) &&
	    fchownat(f->fd, "", (q->valid & W_ATTR_UID) ? q->uid : (uid_t)-1,
		     (q->valid & W_ATTR_GID) ? q->gid : (gid_t)-1,
		     AT_EMPTY_PATH | AT_SYMLINK_NOFOLLOW) < 0)
		return -errno;
	/* After chown, which may have cleared set-id bits. */
	if ((q->valid & W_ATTR_MODE) &&
	    syscall(SYS_fchmodat2, f->fd, "", q->mode, AT_EMPTY_PATH | AT_SYMLINK_NOFOLLOW) < 0)
		return -errno;
	if (q->valid & (W_ATTR_ATIME | W_ATTR_MTIME)) {
		struct timespec ts[2] = {
			wire_ts(q->valid & W_ATTR_ATIME, q->atime_sec, q->atime_nsec),
			wire_ts(q->valid & W_ATTR_MTIME, q->mtime_sec, q->mtime_nsec),
		};
		if (utimensat(f->fd, "", ts, AT_EMPTY_PATH | AT_SYMLINK_NOFOLLOW) < 0)
			return -errno;
	}
	return sizeof(struct gofer_rep);
}

static ssize_t do_fsync(struct server *s, const struct gofer_req_fid *q)
{
	struct fid_slot *f;
	struct stat st;
	int err = fid_lookup_stat(s, q->fid, &f, &st);
	if (err)
		return err;
	if (!S_ISREG(st.st_mode) && !S_ISDIR(st.st_mode))
		return -EINVAL;
	int fd = fid_reopen(f, &st, O_RDONLY);
	if (fd < 0)
		return fd;
	err = fsync(fd) < 0 ? -errno : 0;
	close(fd);
	return err ? err : (ssize_t)sizeof(struct gofer_rep);
}

/* ---- xattrs: the user.* namespace only --------------------------------------- */

/* An fd for f*xattr: regular files and directories only (user.* xattrs
 * exist on nothing else). */
static int xattr_fd(struct fid_slot *f, bool setting)
{
	struct stat st;
	int err = fstat_path(f->fd, &st);
	if (err)
		return err;
	if (!S_ISREG(st.st_mode) && !S_ISDIR(st.st_mode))
		return setting ? -EPERM : -ENODATA;
	return fid_reopen(f, &st, O_RDONLY);
}

static bool user_name(const struct gofer_req_xattr *q, char *name)
{
	take_name(name, q + 1, q->namelen);
	return !strncmp(name, "user.", 5) && name[5];
}

static ssize_t do_xattr(struct server *s, const struct gofer_req_xattr *q)
{
	struct fid_slot *f = fid_get(s, q->fid);
	char name[GOFER_XATTR_NAME_MAX + 1];
	if (!f)
		return -EBADF;
	if (!user_name(q, name))
		return -EOPNOTSUPP;
	uint16_t type = q->hdr.type;
	if (type == GOFER_GETXATTR ? (q->flags || q->valuelen || q->size > GOFER_XATTR_MAX)
	    : type == GOFER_SETXATTR ? (q->flags & ~(uint32_t)(XATTR_CREATE | XATTR_REPLACE)) || q->size
	    : (q->flags || q->valuelen || q->size))
		return -EINVAL;
	if (type != GOFER_GETXATTR && s->readonly)
		return -EROFS;
	int fd = xattr_fd(f, type != GOFER_GETXATTR);
	if (fd < 0)
		return fd;
	ssize_t ret;
	if (type == GOFER_GETXATTR) {
		/* The whole value comes back; size 0 (a size query) is the
		 * client's business. */
		struct gofer_rep_data *r = (void *)s->out;
		ssize_t n = fgetxattr(fd, name, r + 1, GOFER_XATTR_MAX);
		if (n < 0)
			ret = errno == ERANGE ? -E2BIG : -errno;
		else if (q->size && (size_t)n > q->size)
			ret = -ERANGE;
		else
			ret = (ssize_t)sizeof(*r) + n;
		if (ret > 0) {
			r->len = (uint32_t)n;
			r->pad = 0;
		}
	} else if (type == GOFER_SETXATTR) {
		const char *val = (const char *)(q + 1) + q->namelen;
		ret = fsetxattr(fd, name, val, q->valuelen, (int)q->flags) < 0
			? -errno : (ssize_t)sizeof(struct gofer_rep);
	} else {
		ret = fremovexattr(fd, name) < 0 ? -errno : (ssize_t)sizeof(struct gofer_rep);
	}
	close(fd);
	return ret;
}

/* The list, filtered to user.* names (the only ones served). */
static ssize_t do_listxattr(struct server *s, const struct gofer_req_fid *q)
{
	struct fid_slot *f = fid_get(s, q->fid);
	if (!f)
		return -EBADF;
	int fd = xattr_fd(f, false);
	if (fd == -ENODATA)
		fd = -1;
	else if (fd < 0)
		return fd;
	struct gofer_rep_data *r = (void *)s->out;
	char *all = s->dents;
	ssize_t n = fd >= 0 ? flistxattr(fd, all, GOFER_XATTR_MAX) : 0;
	int e = errno;
	if (fd >= 0)
		close(fd);
	if (n < 0)
		return e == ERANGE ? -E2BIG : -e;
	char *out = (char *)(r + 1);
	size_t used = 0;
	for (ssize_t off = 0; off < n;) {
		size_t len = strnlen(all + off, (size_t)(n - off));
		if (len < (size_t)(n - off) && !strncmp(all + off, "user.", 5)) {
			memcpy(out + used, all + off, len + 1);
			used += len + 1;
		}
		off += (ssize_t)len + 1;
	}
	r->len = (uint32_t)used;
	r->pad = 0;
	return (ssize_t)(sizeof(*r) + used);
}

ssize_t gofer_dispatch_write(struct server *s, const struct gofer_hdr *h, int *fd_out)
{
	const void *q = h;
	switch (h->type) {
	case GOFER_GETXATTR:
		return do_xattr(s, q);
	case GOFER_LISTXATTR:
		return do_listxattr(s, q);
	}
	if (s->readonly)
		return -EROFS;
	switch (h->type) {
	case GOFER_CREATE:
		return do_create(s, q, fd_out);
	case GOFER_MKDIR:
		return do_mkdir(s, q);
	case GOFER_MKNOD:
		return do_mknod(s, q);
	case GOFER_SYMLINK:
		return do_symlink(s, q);
	case GOFER_LINK:
		return do_link(s, q);
	case GOFER_UNLINK:
		return do_unlink(s, q);
	case GOFER_RENAME:
		return do_rename(s, q);
	case GOFER_SETATTR:
		return do_setattr(s, q);
	case GOFER_FSYNC:
		return do_fsync(s, q);
	case GOFER_SETXATTR:
	case GOFER_REMOVEXATTR:
		return do_xattr(s, q);
	}
	return -ENOSYS;
}
