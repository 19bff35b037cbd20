/*
 * Path resolution: components separated by any number of '/', ".." that
 * never climbs above the task's root, mount crossing both ways, symlinks
 * (at most SYMLOOP_MAX_HOPS per resolution, magic links through
 * get_link_path) and search permission on every directory walked through.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <linux/openat2.h>
#include "vfs_impl.h"
#include "../sentry/kernel.h"
#include "../sentry/task.h"

void nd_init(struct nameidata *nd, struct task *t, const struct cred *cred)
{
	nd->t = t;
	nd->cred = cred;
	nd->hops = 0;
	nd->resolve = 0;
	if (t && t->fs)
		nd->root = t->fs->root;
	else
		nd->root = (struct path){ kernel.root_mount, kernel.root };
	path_get(&nd->root);
}

void nd_fini(struct nameidata *nd)
{
	path_put(&nd->root);
}

static bool path_equal(const struct path *a, const struct path *b)
{
	return a->mnt == b->mnt && a->dentry == b->dentry;
}

/* Descend through mounts stacked on p (no references taken); RESOLVE_NO_XDEV
 * forbids it. */
static int follow_mounts(struct nameidata *nd, struct path *p)
{
	while (p->dentry->mounted > 0) {
		struct mount *m = mount_lookup(p->mnt, p->dentry);
		if (!m)
			break;
		if (nd->resolve & RESOLVE_NO_XDEV)
			return -EXDEV;
		p->mnt = m;
		p->dentry = m->root;
	}
	return 0;
}

static bool scoped(const struct nameidata *nd)
{
	return nd->resolve & (RESOLVE_BENEATH | RESOLVE_IN_ROOT);
}

int nd_set_resolve(struct nameidata *nd, int dirfd, unsigned resolve)
{
	if (resolve & (RESOLVE_BENEATH | RESOLVE_IN_ROOT)) {
		struct path start;
		int err = nd_start(nd, dirfd, ".", &start);
		if (err)
			return err;
		path_put(&nd->root);
		nd->root = start;
	}
	nd->resolve = resolve;
	return 0;
}

static int walk_one(struct nameidata *nd, const struct path *dir, const char *name, struct path *out)
{
	struct path p = *dir;

	if (!S_ISDIR(dir->dentry->inode->mode))
		return -ENOTDIR;
	if (strcmp(name, ".") == 0) {
		/* nothing */
	} else if (strcmp(name, "..") == 0) {
		for (;;) {
			if (path_equal(&p, &nd->root)) {
				if (nd->resolve & RESOLVE_BENEATH)
					return -EXDEV;
				break;
			}
			if (p.dentry == p.mnt->root && p.mnt->parent != p.mnt) {
				if (nd->resolve & RESOLVE_NO_XDEV)
					return -EXDEV;
				p.dentry = p.mnt->mountpoint;
				p.mnt = p.mnt->parent;
				continue;
			}
			p.dentry = p.dentry->parent;
			break;
		}
		int err = follow_mounts(nd, &p);
		if (err)
			return err;
	} else {
		struct dentry *d;
		int err = dentry_lookup_child(dir->dentry, name, &d);
		if (err)
			return err;
		p.dentry = d;
		err = follow_mounts(nd, &p);
		if (err) {
			dentry_put(d);
			return err;
		}
		*out = p;
		path_get(out);
		dentry_put(d);
		return 0;
	}
	*out = p;
	path_get(out);
	return 0;
}

int path_walk_one(struct task *t, struct path *dir, const char *name, struct path *out)
{
	struct nameidata nd;
	nd_init(&nd, t, NULL);
	int err = walk_one(&nd, dir, name, out);
	nd_fini(&nd);
	return err;
}

int nd_follow(struct nameidata *nd, const struct path *dir, struct path *p)
{
	struct inode *inode = p->dentry->inode;
	struct path cur;
	int err;

	if (nd->resolve & RESOLVE_NO_SYMLINKS)
		return -ELOOP;
	if (++nd->hops > SYMLOOP_MAX_HOPS)
		return -ELOOP;
	if (inode->iops && inode->iops->get_link_path) {
		if (nd->resolve & RESOLVE_NO_MAGICLINKS)
			return -ELOOP;
		err = inode->iops->get_link_path(inode, &cur);
		if (err)
			return err;
		if (scoped(nd) || ((nd->resolve & RESOLVE_NO_XDEV) && cur.mnt != p->mnt)) {
			path_put(&cur);
			return -EXDEV;
		}
		path_put(p);
		*p = cur;
		return 0;
	}
	if (!inode->iops || !inode->iops->readlink)
		return -ENOENT;
	if (p->mnt && (p->mnt->flags & MNT_NOSYMFOLLOW))
		return -ELOOP;
	char *buf = malloc(PATH_MAX_LEN);
	if (!buf)
		return -ENOMEM;
	err = inode->iops->readlink(inode, buf, PATH_MAX_LEN - 1);
	if (err >= 0) {
		buf[err] = 0;
		cur = buf[0] == '/' ? nd->root : *dir;
		path_get(&cur);
		err = buf[0] ? nd_walk(nd, &cur, buf, LOOKUP_FOLLOW, NULL) : -ENOENT;
		if (err) {
			path_put(&cur);
		} else {
			path_put(p);
			*p = cur;
		}
	}
	free(buf);
	return err;
}

int nd_walk(struct nameidata *nd, struct path *cur, const char *s, int flags, char *last)
{
	if (*s == '/') {
		if (nd->resolve & RESOLVE_BENEATH)
			return -EXDEV;
		if ((nd->resolve & RESOLVE_NO_XDEV) && cur->mnt != nd->root.mnt)
			return -EXDEV;
		path_put(cur);
		*cur = nd->root;
		path_get(cur);
	}
	for (;;) {
		while (*s == '/')
			s++;
		if (!*s) {
			if (last)
				strcpy(last, ".");
			return 0;
		}
		const char *e = s;
		while (*e && *e != '/')
			e++;
		size_t len = (size_t)(e - s);
		if (len > NAME_MAX_LEN)
			return -ENAMETOOLONG;
		char name[NAME_MAX_LEN + 1];
		memcpy(name, s, len);
		name[len] = 0;
		const char *nx = e;
		while (*nx == '/')
			nx++;
		bool is_last = !*nx, slash = is_last && *e == '/';

		if (!S_ISDIR(cur->dentry->inode->mode))
			return -ENOTDIR;
		if (is_last && last) {
			memcpy(last, name, len + 1);
			return 0;
		}
		int err = inode_permission(nd->cred, cur->dentry->inode, MAY_EXEC);
		if (err)
			return err;
		struct path next;
		err = walk_one(nd, cur, name, &next);
		if (err)
			return err;
		if (S_ISLNK(next.dentry->inode->mode) &&
		    (!is_last || slash || (flags & LOOKUP_FOLLOW))) {
			err = nd_follow(nd, cur, &next);
			if (err) {
				path_put(&next);
				return err;
			}
		}
		path_put(cur);
		*cur = next;
		if (is_last && (slash || (flags & LOOKUP_DIRECTORY)) &&
		    !S_ISDIR(cur->dentry->inode->mode))
			return -ENOTDIR;
		s = nx;
	}
}

int nd_start(struct nameidata *nd, int dirfd, const char *path, struct path *start)
{
	if (path[0] == '/' && (nd->resolve & RESOLVE_BENEATH))
		return -EXDEV;
	if (path[0] == '/' || scoped(nd)) {
		*start = nd->root;
		path_get(start);
		return 0;
	}
	if (dirfd == AT_FDCWD) {
		if (nd->t && nd->t->fs)
			*start = nd->t->fs->cwd;
		else
			*start = nd->root;
		path_get(start);
		return 0;
	}
	struct file *f = nd->t ? fd_get(nd->t->files, dirfd) : NULL;
	if (!f)
		return -EBADF;
	int err = 0;
	if (!f->path.dentry || !f->path.dentry->inode)
		err = -ENOTDIR;
	else if (path[0] && !S_ISDIR(f->path.dentry->inode->mode))
		err = -ENOTDIR;
	else {
		*start = f->path;
		path_get(start);
	}
	file_put(f);
	return err;
}

static int check_path(const char *path, int flags)
{
	size_t n = strnlen(path, PATH_MAX_LEN);
	if (n >= PATH_MAX_LEN)
		return -ENAMETOOLONG;
	if (n == 0 && !(flags & LOOKUP_EMPTY))
		return -ENOENT;
	return 0;
}

static int lookup(struct task *t, const struct cred *c, int dirfd, const char *path,
		  int flags, unsigned resolve, struct path *out)
{
	struct nameidata nd;
	int err = check_path(path, flags);
	if (err)
		return err;
	nd_init(&nd, t, c);
	err = nd_set_resolve(&nd, dirfd, resolve);
	if (!err)
		err = nd_start(&nd, dirfd, path, out);
	if (!err) {
		err = nd_walk(&nd, out, path, flags, NULL);
		if (!err && (flags & LOOKUP_DIRECTORY) && !S_ISDIR(out->dentry->inode->mode))
			err = -ENOTDIR;
		if (err)
			path_put(out);
	}
	nd_fini(&nd);
	return err;
}

int path_lookup_cred(struct task *t, const struct cred *c, int dirfd, const char *path,
		     int flags, struct path *out)
{
	return lookup(t, c, dirfd, path, flags, 0, out);
}

int path_lookup_how(struct task *t, int dirfd, const char *path, int flags, unsigned resolve,
		    struct path *out)
{
	return lookup(t, t ? &t->cred : NULL, dirfd, path, flags, resolve, out);
}

int path_lookup(struct task *t, int dirfd, const char *path, int flags, struct path *out)
{
	return path_lookup_cred(t, t ? &t->cred : NULL, dirfd, path, flags, out);
}

int path_lookup_parent(struct task *t, int dirfd, const char *path, int flags,
		       struct path *parent, char *last)
{
	return path_lookup_parent_how(t, dirfd, path, flags, 0, parent, last);
}

int path_lookup_parent_how(struct task *t, int dirfd, const char *path, int flags,
			   unsigned resolve, struct path *parent, char *last)
{
	struct nameidata nd;
	int err = check_path(path, flags & ~LOOKUP_EMPTY);
	if (err)
		return err;
	nd_init(&nd, t, t ? &t->cred : NULL);
	err = nd_set_resolve(&nd, dirfd, resolve);
	if (!err)
		err = nd_start(&nd, dirfd, path, parent);
	if (!err) {
		err = nd_walk(&nd, parent, path, flags, last);
		if (err)
			path_put(parent);
	}
	nd_fini(&nd);
	return err;
}

bool path_has_trailing_slash(const char *path)
{
	size_t n = strlen(path);
	return n > 0 && path[n - 1] == '/';
}

int path_to_string(const struct path *root, const struct path *p, char *buf, size_t len)
{
	static const char deleted[] = " (deleted)";
	struct path cur = *p;
	size_t pos = len;

	if (len < 2)
		return -ENAMETOOLONG;
	buf[--pos] = 0;
	if (p->dentry->deleted) {
		if (pos < sizeof(deleted))
			return -ENAMETOOLONG;
		pos -= sizeof(deleted) - 1;
		memcpy(buf + pos, deleted, sizeof(deleted) - 1);
	}
	size_t end = pos;
	for (;;) {
		if (path_equal(&cur, root))
			break;
		if (cur.dentry == cur.mnt->root) {
			if (cur.mnt->parent == cur.mnt)
				break;            /* global root: root was not above p */
			cur.dentry = cur.mnt->mountpoint;
			cur.mnt = cur.mnt->parent;
			continue;
		}
		size_t n = strlen(cur.dentry->name);
		if (pos < n + 1)
			return -ENAMETOOLONG;
		pos -= n;
		memcpy(buf + pos, cur.dentry->name, n);
		buf[--pos] = '/';
		cur.dentry = cur.dentry->parent;
	}
	if (pos == end) {
		if (pos < 1)
			return -ENAMETOOLONG;
		buf[--pos] = '/';
	}
	memmove(buf, buf + pos, len - pos);
	return (int)(len - pos - 1);
}

int nd_walk_last(struct nameidata *nd, const struct path *dir, const char *name, struct path *out)
{
	if (!S_ISDIR(dir->dentry->inode->mode))
		return -ENOTDIR;
	int err = inode_permission(nd->cred, dir->dentry->inode, MAY_EXEC);
	return err ? err : walk_one(nd, dir, name, out);
}
