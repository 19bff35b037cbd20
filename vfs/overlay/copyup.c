/*
 * Copy-up: before the first change to an object of the lower layer, make
 * it in the upper layer (its parent directories first) with the same
 * type, data, link target, mode, owner and times. The overlay inode keeps
 * its inode number, and the upper inode carries it (OVL_ORIGIN_INO) for
 * later lookups under other names.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include "overlay.h"

#define COPY_CHUNK 65536

static int copy_data(struct inode *lower, struct inode *upper)
{
	struct file *in, *out;
	int err = ovl_real_open(lower, O_RDONLY, &in);
	if (err)
		return err;
	err = ovl_real_open(upper, O_WRONLY, &out);
	if (err) {
		file_put(in);
		return err;
	}
	char *buf = malloc(COPY_CHUNK);
	uint64_t pos = 0;
	if (!buf)
		err = -ENOMEM;
	while (!err) {
		uint64_t wpos = pos;
		ssize_t n = in->fops->read(in, buf, COPY_CHUNK, &pos);
		if (n <= 0) {
			err = (int)n;
			break;
		}
		for (ssize_t done = 0; done < n && !err;) {
			ssize_t w = out->fops->write(out, buf + done, (size_t)(n - done), &wpos);
			if (w <= 0)
				err = w < 0 ? (int)w : -EIO;
			done += w > 0 ? w : 0;
		}
	}
	free(buf);
	file_put(in);
	file_put(out);
	return err;
}

/* The lower object's extended attributes, copied as far as the upper
 * layer takes them. */
static void copy_xattrs(struct inode *lower, struct inode *upper)
{
	if (!lower->iops->listxattr || !lower->iops->getxattr || !upper->iops->setxattr)
		return;
	ssize_t n = lower->iops->listxattr(lower, NULL, 0);
	char *names = n > 0 ? malloc((size_t)n) : NULL, *val = malloc(XATTR_SIZE_MAX_LEN);
	if (names && val && (n = lower->iops->listxattr(lower, names, (size_t)n)) > 0) {
		for (char *p = names; p < names + n; p += strlen(p) + 1) {
			if (!memchr(p, '\0', (size_t)(names + n - p)))
				break;
			ssize_t v = lower->iops->getxattr(lower, p, val, XATTR_SIZE_MAX_LEN);
			if (v >= 0)
				(void)upper->iops->setxattr(upper, p, val, (size_t)v, 0);
		}
	}
	free(names);
	free(val);
}

/* Make the upper twin of lower as name in updir; *out is its new reference. */
static int make_upper(struct inode *updir, const char *name, struct inode *lower,
		      struct inode **out)
{
	const struct inode_ops *ops = updir->iops;
	mode_t perm = lower->mode & 07777;
	int err;
	switch (lower->mode & S_IFMT) {
	case S_IFDIR:
		err = ops->mkdir(updir, name, S_IFDIR | perm, NULL, out);
		break;
	case S_IFREG:
		err = ops->create(updir, name, S_IFREG | perm, NULL, out);
		if (!err && lower->size && (err = copy_data(lower, *out)))
			(void)ops->unlink(updir, name, *out);
		break;
	case S_IFLNK: {
		char *target = malloc(PATH_MAX_LEN);
		int n = target && lower->iops->readlink
			? lower->iops->readlink(lower, target, PATH_MAX_LEN - 1) : -ENOMEM;
		if (n > 0) {
			target[n] = '\0';
			err = ops->symlink(updir, name, target, NULL, out);
		} else {
			err = n < 0 ? n : -EIO;
		}
		free(target);
		break;
	}
	default:
		/* A device 0/0 would read as a whiteout. */
		if (S_ISCHR(lower->mode) && lower->rdev == 0)
			return -EPERM;
		err = ops->mknod(updir, name, lower->mode, lower->rdev, NULL, out);
		break;
	}
	if (err)
		return err;
	struct iattr ia = { .valid = ATTR_MODE | ATTR_UID | ATTR_GID | ATTR_ATIME | ATTR_MTIME,
			    .mode = perm, .uid = lower->uid, .gid = lower->gid,
			    .atime = lower->atime, .mtime = lower->mtime };
	if (S_ISLNK(lower->mode))
		ia.valid &= ~(unsigned)ATTR_MODE;
	copy_xattrs(lower, *out);
	err = (*out)->iops->setattr ? (*out)->iops->setattr(*out, &ia) : 0;
	if (err) {
		if (S_ISDIR(lower->mode))
			(void)ops->rmdir(updir, name, *out);
		else
			(void)ops->unlink(updir, name, *out);
		inode_put(*out);
	}
	return err;
}

int ovl_copy_up(struct inode *i)
{
	struct ovl_inode *oi = OI(i);
	if (oi->upper)
		return 0;
	/* Unlinked (detached) objects have no name to be copied up to. */
	if (!oi->parent || list_empty(&oi->sibling))
		return -ENOENT;
	int err = ovl_copy_up(oi->parent);
	if (err)
		return err;
	struct inode *updir = OI(oi->parent)->upper, *u;
	err = make_upper(updir, oi->name, oi->lower, &u);
	if (err)
		return err;
	oi->upper = u;
	if (!S_ISDIR(i->mode)) {
		u->ino = i->ino | OVL_ORIGIN_INO;
		inode_put(oi->lower);
		oi->lower = NULL;
	}
	ovl_copy_attr(i);
	return 0;
}
