/* Linux's setattr_copy and simple_setattr for in-memory inodes (tmpfs,
 * devpts, pipes, sockets): fchmod/fchown/futimens just change the inode,
 * after vfs_setattr's permission checks. */
#include <errno.h>
#include "vfs_impl.h"

void setattr_copy(struct inode *i, const struct iattr *ia)
{
	if (ia->valid & ATTR_MODE)
		i->mode = (i->mode & S_IFMT) | (ia->mode & 07777);
	if (ia->valid & ATTR_UID)
		i->uid = ia->uid;
	if (ia->valid & ATTR_GID)
		i->gid = ia->gid;
	if (ia->valid & ATTR_ATIME)
		i->atime = ia->atime;
	if (ia->valid & ATTR_MTIME)
		i->mtime = ia->mtime;
	i->ctime = (ia->valid & ATTR_CTIME) ? ia->ctime : vfs_now();
}

int simple_setattr(struct inode *i, const struct iattr *ia)
{
	if (ia->valid & ATTR_SIZE)
		return -EINVAL;
	setattr_copy(i, ia);
	return 0;
}

const struct inode_ops simple_attr_iops = { .setattr = simple_setattr };
