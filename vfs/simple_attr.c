/* Linux's simple_setattr for in-memory inodes with nothing behind them
 * (pipes, sockets): fchmod/fchown/futimens just change the inode, after
 * vfs_setattr's permission checks. */
#include <errno.h>
#include "vfs_impl.h"

static int simple_setattr(struct inode *i, const struct iattr *ia)
{
	if (ia->valid & ATTR_SIZE)
		return -EINVAL;
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
	if (ia->valid & ATTR_CTIME)
		i->ctime = ia->ctime;
	return 0;
}

const struct inode_ops simple_attr_iops = { .setattr = simple_setattr };
