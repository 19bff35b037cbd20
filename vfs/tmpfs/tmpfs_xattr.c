/* tmpfs extended attributes: a short list per inode. Names are checked by
 * the VFS; system.* (POSIX ACLs) is not supported. */
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <sys/xattr.h>
#include "tmpfs.h"

static struct tmpfs_xattr **find(struct inode *i, const char *name)
{
	struct tmpfs_xattr **x = &TN(i)->xattrs;
	while (*x && strcmp((*x)->name, name))
		x = &(*x)->next;
	return x;
}

static bool is_system(const char *name)
{
	return strncmp(name, "system.", 7) == 0;
}

ssize_t tmpfs_getxattr(struct inode *i, const char *name, void *buf, size_t size)
{
	struct tmpfs_xattr *x = *find(i, name);
	if (!x)
		return -ENODATA;
	if (size) {
		if (x->size > size)
			return -ERANGE;
		memcpy(buf, x->value, x->size);
	}
	return (ssize_t)x->size;
}

static size_t cost(const char *name, size_t size)
{
	return sizeof(struct tmpfs_xattr) + strlen(name) + 1 + size;
}

static void xattr_free(struct inode *i, struct tmpfs_xattr *x)
{
	TSB(i)->used -= cost(x->name, x->size);
	free(x->value);
	free(x);
}

int tmpfs_setxattr(struct inode *i, const char *name, const void *val, size_t size, int flags)
{
	struct tmpfs_sb *s = TSB(i);
	struct tmpfs_xattr **pos = find(i, name), *old = *pos;

	if (is_system(name))
		return -EOPNOTSUPP;
	if (old && (flags & XATTR_CREATE))
		return -EEXIST;
	if (!old && (flags & XATTR_REPLACE))
		return -ENODATA;
	size_t need = cost(name, size), freed = old ? cost(old->name, old->size) : 0;
	if (need > freed && need - freed > s->limit - s->used)
		return -ENOSPC;
	size_t nlen = strlen(name);
	struct tmpfs_xattr *x = malloc(sizeof(*x) + nlen + 1);
	char *v = malloc(size ? size : 1);
	if (!x || !v) {
		free(x);
		free(v);
		return -ENOMEM;
	}
	memcpy(x->name, name, nlen + 1);
	memcpy(v, val, size);
	x->value = v;
	x->size = size;
	x->next = old ? old->next : NULL;
	*pos = x;
	s->used += need;
	if (old)
		xattr_free(i, old);
	tmpfs_touch(i, false);
	return 0;
}

ssize_t tmpfs_listxattr(struct inode *i, char *buf, size_t size)
{
	size_t total = 0;
	for (struct tmpfs_xattr *x = TN(i)->xattrs; x; x = x->next) {
		size_t n = strlen(x->name) + 1;
		if (size) {
			if (total + n > size)
				return -ERANGE;
			memcpy(buf + total, x->name, n);
		}
		total += n;
	}
	return (ssize_t)total;
}

int tmpfs_removexattr(struct inode *i, const char *name)
{
	struct tmpfs_xattr **pos = find(i, name), *x = *pos;
	if (!x)
		return is_system(name) ? -EOPNOTSUPP : -ENODATA;
	*pos = x->next;
	xattr_free(i, x);
	tmpfs_touch(i, false);
	return 0;
}

void tmpfs_xattr_free(struct inode *i)
{
	while (TN(i)->xattrs) {
		struct tmpfs_xattr *x = TN(i)->xattrs;
		TN(i)->xattrs = x->next;
		xattr_free(i, x);
	}
}
