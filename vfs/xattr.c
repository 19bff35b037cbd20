/*
 * Extended attributes: Linux's name/size rules and xattr_permission, then
 * the filesystem's hooks. A filesystem without hooks has no xattrs:
 * get/set/remove give -EOPNOTSUPP and the list is empty, like Linux.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <sys/xattr.h>
#include "vfs_impl.h"
#include "fsnotify.h"
#include "../sentry/task.h"

#define CAP_SETFCAP   31
#define CAP_SYS_ADMIN 21

static const struct cred *tcred(struct task *t)
{
	return t ? &t->cred : NULL;
}

static bool has_prefix(const char *name, const char *prefix)
{
	return strncmp(name, prefix, strlen(prefix)) == 0;
}

/* The namespace handler lookup of a filesystem with xattrs: unknown
 * namespace -EOPNOTSUPP, a bare prefix -EINVAL. */
static int check_namespace(const char *name)
{
	static const char *const ns[] = { "user.", "trusted.", "security.", "system." };
	for (size_t k = 0; k < sizeof(ns) / sizeof(ns[0]); k++)
		if (has_prefix(name, ns[k]))
			return name[strlen(ns[k])] ? 0 : -EINVAL;
	return -EOPNOTSUPP;
}

/* xattr_permission() plus the capability rules of cap_inode_{set,remove}xattr. */
static int xattr_permission(struct task *t, struct inode *i, const char *name, int mask)
{
	const struct cred *c = tcred(t);
	bool w = mask & MAY_WRITE;

	if (has_prefix(name, "trusted."))
		return cred_capable(c, CAP_SYS_ADMIN) ? 0 : (w ? -EPERM : -ENODATA);
	if (has_prefix(name, "security.")) {
		if (!w)
			return 0;
		if (!strcmp(name, "security.capability"))
			return cred_capable(c, CAP_SETFCAP) ? 0 : -EPERM;
		return cred_capable(c, CAP_SYS_ADMIN) ? 0 : -EPERM;
	}
	if (has_prefix(name, "system."))
		return 0;
	if (has_prefix(name, "user.")) {
		if (!S_ISREG(i->mode) && !S_ISDIR(i->mode))
			return w ? -EPERM : -ENODATA;
		if (S_ISDIR(i->mode) && (i->mode & S_ISVTX) && w && !inode_owner_or_capable(c, i))
			return -EPERM;
	}
	return inode_permission(c, i, mask);
}

static void notify_attrib(const struct path *p, struct inode *i)
{
	if (p && p->dentry)
		fsnotify_dentry(p->dentry, IN_ATTRIB);
	else
		fsnotify_inode(i, IN_ATTRIB);
}

ssize_t vfs_getxattr(struct task *t, struct inode *i, const char *name, void *buf, size_t size)
{
	int err = xattr_permission(t, i, name, MAY_READ);
	if (err)
		return err;
	if (!i->iops || !i->iops->getxattr)
		return -EOPNOTSUPP;
	err = check_namespace(name);
	if (err)
		return err;
	if (size > XATTR_SIZE_MAX_LEN)
		size = XATTR_SIZE_MAX_LEN;
	vfs_revalidate(i);
	ssize_t n = i->iops->getxattr(i, name, buf, size);
	return n == -ERANGE && size >= XATTR_SIZE_MAX_LEN ? -E2BIG : n;
}

int vfs_setxattr(struct task *t, const struct path *p, struct inode *i, const char *name,
		 const void *val, size_t size, int flags)
{
	if (p && path_is_readonly(p))
		return -EROFS;
	int err = xattr_permission(t, i, name, MAY_WRITE);
	if (err)
		return err;
	if (!i->iops || !i->iops->setxattr)
		return -EOPNOTSUPP;
	err = check_namespace(name);
	if (!err)
		err = i->iops->setxattr(i, name, val, size, flags);
	if (!err)
		notify_attrib(p, i);
	return err;
}

/* Linux lists trusted.* only to CAP_SYS_ADMIN: filter the fs list in place. */
static size_t filter_list(struct task *t, char *list, size_t len)
{
	if (cred_capable(tcred(t), CAP_SYS_ADMIN))
		return len;
	size_t in = 0, out = 0;
	while (in < len) {
		size_t n = strnlen(list + in, len - in) + 1;
		if (!has_prefix(list + in, "trusted.")) {
			memmove(list + out, list + in, n);
			out += n;
		}
		in += n;
	}
	return out;
}

ssize_t vfs_listxattr(struct task *t, struct inode *i, char *buf, size_t size)
{
	char *all;
	if (!i->iops || !i->iops->listxattr)
		return 0;
	vfs_revalidate(i);
	ssize_t n = i->iops->listxattr(i, NULL, 0);
	if (n <= 0)
		return n;
	if ((size_t)n > XATTR_LIST_MAX_LEN || !(all = malloc((size_t)n)))
		return -E2BIG;
	n = i->iops->listxattr(i, all, (size_t)n);
	if (n > 0)
		n = (ssize_t)filter_list(t, all, (size_t)n);
	if (n > 0 && size) {
		if ((size_t)n > size)
			n = size >= XATTR_LIST_MAX_LEN ? -E2BIG : -ERANGE;
		else
			memcpy(buf, all, (size_t)n);
	}
	free(all);
	return n;
}

int vfs_removexattr(struct task *t, const struct path *p, struct inode *i, const char *name)
{
	if (p && path_is_readonly(p))
		return -EROFS;
	int err = xattr_permission(t, i, name, MAY_WRITE);
	if (err)
		return err;
	if (!i->iops || !i->iops->removexattr)
		return -EOPNOTSUPP;
	err = check_namespace(name);
	if (!err)
		err = i->iops->removexattr(i, name);
	if (!err)
		notify_attrib(p, i);
	return err;
}
