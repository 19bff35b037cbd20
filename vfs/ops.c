/*
 * Namespace operations (mkdir, mknod, symlink, link, unlink, rmdir, rename)
 * and attribute changes, with Linux's checks and error precedence. The
 * filesystem does the change; this file keeps the dentry tree in step.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/vfs.h>
#include "vfs_impl.h"
#include "fsnotify.h"
#include "tmpfs/tmpfs.h"
#include "../sentry/task.h"

static const struct cred *task_cred(struct task *t)
{
	return t ? &t->cred : NULL;
}

static bool is_dot(const char *n)
{
	return !strcmp(n, ".") || !strcmp(n, "..");
}

/* Look up last in parent without crossing mounts (needs search permission). */
static int lookup_child(struct task *t, struct path *parent, const char *last, struct dentry **out)
{
	int err = inode_permission(task_cred(t), parent->dentry->inode, MAY_EXEC);
	return err ? err : dentry_lookup_child(parent->dentry, last, out);
}

/* Write+search on the directory, and the sticky-bit rule. */
static int may_delete(struct task *t, struct inode *dir, struct inode *victim)
{
	const struct cred *c = task_cred(t);
	int err = inode_permission(c, dir, MAY_WRITE | MAY_EXEC);
	if (err)
		return err;
	if ((dir->mode & S_ISVTX) && c && c->fsuid != dir->uid && c->fsuid != victim->uid &&
	    !cred_capable(c, CAP_FOWNER))
		return -EPERM;
	return 0;
}

/* Linux's setattr_should_drop_sgid: S_ISGID of a group-executable file is
 * always a real setgid bit; without group x it only survives for a member of
 * the file's group or a holder of CAP_FSETID. */
static bool should_drop_sgid(const struct cred *c, const struct inode *i)
{
	if (!(i->mode & S_ISGID))
		return false;
	return (i->mode & S_IXGRP) || !(cred_in_group(c, i->gid) || cred_capable(c, CAP_FSETID));
}

/* Set-id bits a write or truncate by c removes (setattr_should_drop_suidgid). */
static mode_t kill_priv_bits(const struct cred *c, const struct inode *i)
{
	mode_t kill = 0;

	if (!S_ISREG(i->mode))
		return 0;
	if (i->mode & S_ISUID)
		kill |= S_ISUID;
	if (should_drop_sgid(c, i))
		kill |= S_ISGID;
	return cred_capable(c, CAP_FSETID) ? 0 : kill;
}

void vfs_kill_priv_attr(struct task *t, const struct inode *i, struct iattr *ia)
{
	mode_t kill = kill_priv_bits(task_cred(t), i);

	if (kill) {
		ia->valid |= ATTR_MODE;
		ia->mode = i->mode & 07777 & ~kill;
	}
}

int vfs_file_remove_privs(struct file *f)
{
	struct inode *i = f->inode;
	struct iattr ia = { 0 };

	if (!i || !(i->mode & (S_ISUID | S_ISGID)))
		return 0;
	vfs_kill_priv_attr(current, i, &ia);
	if (!ia.valid || !i->iops || !i->iops->setattr)
		return 0;
	ia.valid |= ATTR_CTIME;
	ia.ctime = vfs_now();
	int err = i->iops->setattr(i, &ia);
	if (!err)
		fsnotify_inode(i, IN_ATTRIB);
	return err;
}

/* Linux's mode_strip_sgid: a new group-executable setgid file in a setgid
 * directory keeps S_ISGID only for a member of the directory's group (whose
 * group it gets) or a holder of CAP_FSETID. */
mode_t vfs_strip_sgid(const struct cred *c, const struct inode *dir, mode_t mode)
{
	if ((mode & (S_ISGID | S_IXGRP)) != (S_ISGID | S_IXGRP) || S_ISDIR(mode) ||
	    !(dir->mode & S_ISGID))
		return mode;
	if (cred_in_group(c, dir->gid) || cred_capable(c, CAP_FSETID))
		return mode;
	return mode & ~S_ISGID;
}

enum create_kind { CREATE_DIR, CREATE_NODE, CREATE_SYMLINK };

static int do_create(struct task *t, int dirfd, const char *path, enum create_kind kind,
		     mode_t mode, dev_t dev, const char *target)
{
	char last[NAME_MAX_LEN + 1];
	struct path parent;
	struct dentry *d;
	struct inode *dir, *inode;
	const struct cred *c = task_cred(t);
	mode_t umask = t && t->fs ? t->fs->umask : 022;
	int err = path_lookup_parent(t, dirfd, path, 0, &parent, last);
	if (err)
		return err;
	dir = parent.dentry->inode;
	if (is_dot(last)) {
		err = -EEXIST;
		goto out;
	}
	err = lookup_child(t, &parent, last, &d);
	if (!err) {
		dentry_put(d);
		err = -EEXIST;
		goto out;
	}
	if (err != -ENOENT)
		goto out;
	if ((kind != CREATE_DIR && path_has_trailing_slash(path)) || parent.dentry->deleted) {
		err = -ENOENT;          /* ... or a removed directory (IS_DEADDIR) */
		goto out;
	}
	if (path_is_readonly(&parent)) {
		err = -EROFS;
		goto out;
	}
	err = inode_permission(c, dir, MAY_WRITE | MAY_EXEC);
	if (err)
		goto out;
	err = -EPERM;
	if (!dir->iops)
		goto out;
	switch (kind) {
	case CREATE_DIR:
		if (dir->iops->mkdir)
			err = dir->iops->mkdir(dir, last, S_IFDIR | (mode & 07777 & ~umask), c, &inode);
		break;
	case CREATE_NODE:
		mode = vfs_strip_sgid(c, dir, (mode & S_IFMT) | (mode & 07777 & ~umask));
		if (S_ISREG(mode) && dir->iops->create)
			err = dir->iops->create(dir, last, mode, c, &inode);
		else if (!S_ISREG(mode) && dir->iops->mknod)
			err = dir->iops->mknod(dir, last, mode, dev, c, &inode);
		break;
	case CREATE_SYMLINK:
		if (dir->iops->symlink)
			err = dir->iops->symlink(dir, last, target, c, &inode);
		break;
	}
	if (err)
		goto out;
	fsnotify_name(dir, last, inode, IN_CREATE, 0);
	d = dentry_new(parent.dentry, last, inode);
	inode_put(inode);
	if (d)
		dentry_put(d);          /* stays cached */
out:
	path_put(&parent);
	return err;
}

int vfs_mkdir(struct task *t, int dirfd, const char *path, mode_t mode)
{
	return do_create(t, dirfd, path, CREATE_DIR, mode, 0, NULL);
}

int vfs_mknod(struct task *t, int dirfd, const char *path, mode_t mode, dev_t dev)
{
	switch (mode & S_IFMT) {
	case 0:
		mode |= S_IFREG;
		break;
	case S_IFREG: case S_IFIFO: case S_IFSOCK:
		break;
	case S_IFCHR: case S_IFBLK:
		if (!cred_capable(task_cred(t), CAP_MKNOD))
			return -EPERM;
		break;
	case S_IFDIR:
		return -EPERM;
	default:
		return -EINVAL;
	}
	return do_create(t, dirfd, path, CREATE_NODE, mode, dev, NULL);
}

int vfs_symlink(struct task *t, const char *target, int dirfd, const char *path)
{
	if (!target[0])
		return -ENOENT;
	return do_create(t, dirfd, path, CREATE_SYMLINK, 0777, 0, target);
}

/* unlink (rmdir=false) and rmdir. */
static int do_remove(struct task *t, int dirfd, const char *path, bool rmdir)
{
	char last[NAME_MAX_LEN + 1];
	struct path parent;
	struct dentry *d = NULL;
	int err = path_lookup_parent(t, dirfd, path, 0, &parent, last);
	if (err)
		return err;
	struct inode *dir = parent.dentry->inode;
	if (is_dot(last)) {
		if (!rmdir)
			err = -EISDIR;
		else if (strspn(path, "/") == strlen(path))
			err = -EBUSY;           /* the root */
		else
			err = strcmp(last, "..") ? -EINVAL : -ENOTEMPTY;
		goto out;
	}
	if (path_is_readonly(&parent)) {
		err = -EROFS;
		goto out;
	}
	err = lookup_child(t, &parent, last, &d);
	if (err)
		goto out;
	struct inode *victim = d->inode;
	if (!rmdir && path_has_trailing_slash(path)) {
		err = S_ISDIR(victim->mode) ? -EISDIR : -ENOTDIR;
		goto out;
	}
	err = may_delete(t, dir, victim);
	if (err)
		goto out;
	if (rmdir != S_ISDIR(victim->mode)) {
		err = rmdir ? -ENOTDIR : -EISDIR;
		goto out;
	}
	if (d->mounted) {
		err = -EBUSY;
		goto out;
	}
	if (rmdir)
		err = dir->iops->rmdir ? dir->iops->rmdir(dir, last, victim) : -EPERM;
	else
		err = dir->iops->unlink ? dir->iops->unlink(dir, last, victim) : -EPERM;
	if (!err) {
		bool gone = !victim->nlink || rmdir;
		if (!rmdir)
			fsnotify_inode(victim, IN_ATTRIB);
		if (gone) {
			fsnotify_delete_self(victim);
			fsnotify_gone(victim);
		}
		fsnotify_name(dir, last, victim, IN_DELETE, 0);
		dentry_unhash(d);
	}
out:
	if (d)
		dentry_put(d);
	path_put(&parent);
	return err;
}

int vfs_unlink(struct task *t, int dirfd, const char *path)
{
	return do_remove(t, dirfd, path, false);
}

int vfs_rmdir(struct task *t, int dirfd, const char *path)
{
	return do_remove(t, dirfd, path, true);
}

static bool is_ancestor(struct dentry *anc, struct dentry *d)
{
	for (;;) {
		if (d == anc)
			return true;
		if (d->parent == d)
			return false;
		d = d->parent;
	}
}

static int rename_checks(struct task *t, struct path *op, struct dentry *od, struct path *np,
			 struct dentry *nd, unsigned flags, bool oslash, bool nslash)
{
	struct inode *oi = od->inode, *ni = nd ? nd->inode : NULL;
	bool odir = S_ISDIR(oi->mode);
	int err;

	if (flags & RENAME_EXCHANGE) {
		if (!nd)
			return -ENOENT;
	} else {
		if (nd && (flags & RENAME_NOREPLACE))
			return -EEXIST;
		if (!odir && (oslash || nslash))
			return -ENOTDIR;
	}
	if (is_ancestor(od, np->dentry))
		return -EINVAL;
	if (nd && is_ancestor(nd, op->dentry))
		return (flags & RENAME_EXCHANGE) ? -EINVAL : -ENOTEMPTY;
	if (oi == ni)
		return 1;                /* same inode: nothing to do */
	err = may_delete(t, op->dentry->inode, oi);
	if (!err)
		err = nd ? may_delete(t, np->dentry->inode, ni)
			 : inode_permission(task_cred(t), np->dentry->inode, MAY_WRITE | MAY_EXEC);
	if (err)
		return err;
	if (!(flags & RENAME_EXCHANGE) && nd) {
		if (odir && !S_ISDIR(ni->mode))
			return -ENOTDIR;
		if (!odir && S_ISDIR(ni->mode))
			return -EISDIR;
	}
	/* a directory changing parent rewrites its "..": needs write on it */
	if (op->dentry != np->dentry) {
		if (odir && (err = inode_permission(task_cred(t), oi, MAY_WRITE)))
			return err;
		if ((flags & RENAME_EXCHANGE) && S_ISDIR(ni->mode) &&
		    (err = inode_permission(task_cred(t), ni, MAY_WRITE)))
			return err;
	}
	if (od->mounted || (nd && nd->mounted))
		return -EBUSY;
	return 0;
}

static void notify_rename(struct inode *odir, const char *oname, struct inode *moved,
			  struct inode *ndir, const char *nname, struct inode *other, unsigned flags)
{
	uint32_t cookie = fsnotify_next_cookie();
	fsnotify_name(odir, oname, moved, IN_MOVED_FROM, cookie);
	fsnotify_name(ndir, nname, moved, IN_MOVED_TO, cookie);
	fsnotify_inode(moved, IN_MOVE_SELF);
	if (!other)
		return;
	if (flags & RENAME_EXCHANGE) {
		cookie = fsnotify_next_cookie();
		fsnotify_name(ndir, nname, other, IN_MOVED_FROM, cookie);
		fsnotify_name(odir, oname, other, IN_MOVED_TO, cookie);
		fsnotify_inode(other, IN_MOVE_SELF);
	} else if (other != moved && (!other->nlink || S_ISDIR(other->mode))) {
		fsnotify_delete_self(other);
		fsnotify_gone(other);
	}
}

/* RENAME_WHITEOUT: a 0:0 character device takes the old name (tmpfs). */
static int rename_whiteout(struct task *t, struct inode *dir, const char *name)
{
	struct inode *w;
	int err = dir->iops->mknod(dir, name, S_IFCHR, 0, task_cred(t), &w);
	if (!err)
		inode_put(w);
	return err;
}

int vfs_rename(struct task *t, int odfd, const char *opath, int ndfd, const char *npath,
	       unsigned flags)
{
	char olast[NAME_MAX_LEN + 1], nlast[NAME_MAX_LEN + 1];
	struct path op, np;
	struct dentry *od = NULL, *nd = NULL;
	int err;

	bool whiteout = flags & RENAME_WHITEOUT;
	if ((flags & ~(RENAME_NOREPLACE | RENAME_EXCHANGE | RENAME_WHITEOUT)) ||
	    ((flags & RENAME_EXCHANGE) && (flags & (RENAME_NOREPLACE | RENAME_WHITEOUT))))
		return -EINVAL;
	if (whiteout && !cred_capable(task_cred(t), CAP_MKNOD))
		return -EPERM;
	flags &= ~RENAME_WHITEOUT;
	err = path_lookup_parent(t, odfd, opath, 0, &op, olast);
	if (err)
		return err;
	err = path_lookup_parent(t, ndfd, npath, 0, &np, nlast);
	if (err) {
		path_put(&op);
		return err;
	}
	if (op.mnt != np.mnt) {
		err = -EXDEV;
		goto out;
	}
	if (is_dot(olast) || is_dot(nlast)) {
		err = (is_dot(nlast) && (flags & RENAME_NOREPLACE)) ? -EEXIST : -EBUSY;
		goto out;
	}
	if (path_is_readonly(&op)) {
		err = -EROFS;
		goto out;
	}
	err = lookup_child(t, &op, olast, &od);
	if (err)
		goto out;
	err = lookup_child(t, &np, nlast, &nd);
	if (err == -ENOENT)
		nd = NULL;
	else if (err)
		goto out;
	err = rename_checks(t, &op, od, &np, nd, flags, path_has_trailing_slash(opath),
			    path_has_trailing_slash(npath));
	if (err) {
		if (err > 0)
			err = 0;
		goto out;
	}
	struct inode *odir = op.dentry->inode, *ndir = np.dentry->inode;
	if (whiteout && odir->iops != &tmpfs_iops)
		err = -EINVAL;          /* like Linux, only some filesystems make whiteouts */
	else
		err = odir->iops && odir->iops->rename
			? odir->iops->rename(odir, olast, ndir, nlast, flags) : -EPERM;
	if (err)
		goto out;
	if (whiteout)
		err = rename_whiteout(t, odir, olast);
	notify_rename(odir, olast, od->inode, ndir, nlast, nd ? nd->inode : NULL, flags);
	if (flags & RENAME_EXCHANGE) {
		dentry_move(od, np.dentry, nlast);
		dentry_move(nd, op.dentry, olast);
	} else {
		if (nd)
			dentry_unhash(nd);
		dentry_move(od, np.dentry, nlast);
	}
out:
	if (od)
		dentry_put(od);
	if (nd)
		dentry_put(nd);
	path_put(&op);
	path_put(&np);
	return err;
}

int vfs_link(struct task *t, int odfd, const char *opath, int ndfd, const char *npath, int lflags)
{
	char last[NAME_MAX_LEN + 1];
	struct path old, parent;
	struct dentry *d;
	int err = path_lookup(t, odfd, opath, lflags, &old);
	if (err)
		return err;
	err = path_lookup_parent(t, ndfd, npath, 0, &parent, last);
	if (err) {
		path_put(&old);
		return err;
	}
	struct inode *inode = old.dentry->inode, *dir = parent.dentry->inode;
	if (is_dot(last)) {
		err = -EEXIST;
		goto out;
	}
	err = lookup_child(t, &parent, last, &d);
	if (!err) {
		dentry_put(d);
		err = -EEXIST;
		goto out;
	}
	if (err != -ENOENT)
		goto out;
	if (path_has_trailing_slash(npath))
		err = -ENOENT;
	else if (old.mnt != parent.mnt)
		err = -EXDEV;
	else if (path_is_readonly(&parent))
		err = -EROFS;
	else if ((err = inode_permission(task_cred(t), dir, MAY_WRITE | MAY_EXEC)))
		;
	else if (S_ISDIR(inode->mode))
		err = -EPERM;
	else if (inode->nlink == 0 && !inode->linkable)
		err = -ENOENT;
	else if (!dir->iops || !dir->iops->link)
		err = -EPERM;
	else
		err = dir->iops->link(dir, last, inode);
	if (!err) {
		inode->linkable = false;
		fsnotify_inode(inode, IN_ATTRIB);
		fsnotify_name(dir, last, inode, IN_CREATE, 0);
		d = dentry_new(parent.dentry, last, inode);
		if (d)
			dentry_put(d);
	}
out:
	path_put(&old);
	path_put(&parent);
	return err;
}

int vfs_readlink(struct task *t, const struct path *p, char *buf, size_t len)
{
	struct inode *i = p->dentry->inode;
	if (!S_ISLNK(i->mode) || !i->iops || !i->iops->readlink)
		return -EINVAL;
	vfs_revalidate(i);
	return i->iops->readlink(i, buf, len);
}

/* Linux's fsnotify_change(): which event an attribute change reports. */
static void notify_change(const struct path *p, struct inode *i, unsigned valid)
{
	uint32_t mask = 0;
	if (valid & (ATTR_UID | ATTR_GID | ATTR_MODE))
		mask |= IN_ATTRIB;
	if (valid & ATTR_SIZE)
		mask |= IN_MODIFY;
	if ((valid & (ATTR_ATIME | ATTR_MTIME)) == (ATTR_ATIME | ATTR_MTIME))
		mask |= IN_ATTRIB;
	else if (valid & ATTR_ATIME)
		mask |= IN_ACCESS;
	else if (valid & ATTR_MTIME)
		mask |= IN_MODIFY;
	if (!mask)
		return;
	if (p && p->dentry)
		fsnotify_dentry(p->dentry, mask);
	else
		fsnotify_inode(i, mask);
}

int vfs_setattr(struct task *t, const struct path *p, struct inode *i, struct iattr *ia)
{
	const struct cred *c = task_cred(t);

	if (p && path_is_readonly(p))
		return -EROFS;
	/* chown (even with no ids to change) drops S_ISUID even for root, and
	 * S_ISGID where it means setgid; the mode change then needs the owner */
	if ((ia->valid & (ATTR_UID | ATTR_GID | ATTR_KILL_SUID)) && !S_ISDIR(i->mode)) {
		mode_t kill = (i->mode & S_ISUID) | (should_drop_sgid(c, i) ? S_ISGID : 0);
		if (kill) {
			mode_t m = (ia->valid & ATTR_MODE) ? ia->mode : i->mode;
			ia->mode = m & 07777 & ~kill;
			ia->valid |= ATTR_MODE;
		}
	}
	ia->valid &= ~ATTR_KILL_SUID;
	if ((ia->valid & ATTR_UID) && !cred_capable(c, CAP_CHOWN) &&
	    !(c->fsuid == i->uid && ia->uid == i->uid))
		return -EPERM;
	if ((ia->valid & ATTR_GID) && !cred_capable(c, CAP_CHOWN) &&
	    !(c->fsuid == i->uid && (ia->gid == i->gid || cred_in_group(c, ia->gid))))
		return -EPERM;
	if (ia->valid & ATTR_MODE) {
		if (!inode_owner_or_capable(c, i))
			return -EPERM;
		gid_t g = (ia->valid & ATTR_GID) ? ia->gid : i->gid;
		if (!cred_in_group(c, g) && !cred_capable(c, CAP_FSETID))
			ia->mode &= ~S_ISGID;
	}
	if (!i->iops || !i->iops->setattr)
		return -EPERM;
	unsigned valid = ia->valid;
	ia->valid |= ATTR_CTIME;
	ia->ctime = vfs_now();
	int err = i->iops->setattr(i, ia);
	if (!err)
		notify_change(p, i, valid);
	return err;
}

int vfs_statfs(struct inode *i, struct statfs *st)
{
	if (i->sb && i->sb->statfs)
		return i->sb->statfs(i->sb, st);
	memset(st, 0, sizeof(*st));
	st->f_type = i->sb ? i->sb->magic : 0;
	st->f_bsize = st->f_frsize = 4096;
	st->f_namelen = NAME_MAX_LEN;
	return 0;
}
