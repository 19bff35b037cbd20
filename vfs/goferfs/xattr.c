/* goferfs extended attributes: GETXATTR/SETXATTR/LISTXATTR/REMOVEXATTR on
 * the inode's fid. The gofer serves the user.* namespace only (others:
 * -EOPNOTSUPP) and values up to GOFER_XATTR_MAX bytes. */
#include <errno.h>
#include <string.h>
#include "vfs/goferfs/goferfs.h"

static int xattr_rpc(struct inode *i, uint16_t type, const char *name, const void *val,
		     size_t vlen, uint32_t flags, uint32_t size)
{
	struct gofer_chan *ch = &GSB(i->sb)->ch;
	size_t nlen = strlen(name);
	if (nlen == 0 || nlen > GOFER_XATTR_NAME_MAX)
		return nlen ? -ERANGE : -EINVAL;
	if (vlen > GOFER_XATTR_MAX)
		return -E2BIG;
	struct gofer_req_xattr *q = ch->req;
	memset(q, 0, sizeof(*q));
	q->fid = GI(i)->fid;
	q->flags = flags;
	q->size = size;
	q->namelen = (uint16_t)nlen;
	q->valuelen = (uint32_t)vlen;
	return gofer_rpc(ch, gofer_build(q, sizeof(*q), type, ++ch->tag, name, nlen, val, vlen),
			 NULL);
}

/* Copy a GETXATTR/LISTXATTR reply: its length, the data when size != 0. */
static ssize_t reply_data(struct gofer_chan *ch, void *buf, size_t size)
{
	const struct gofer_rep_data *r = ch->rep;
	if (size && r->len > size)
		return -ERANGE;
	if (size)
		memcpy(buf, r + 1, r->len);
	return r->len;
}

ssize_t goferfs_getxattr(struct inode *i, const char *name, void *buf, size_t size)
{
	uint32_t lim = size > GOFER_XATTR_MAX ? GOFER_XATTR_MAX : (uint32_t)size;
	int err = xattr_rpc(i, GOFER_GETXATTR, name, NULL, 0, 0, lim);
	return err ? err : reply_data(&GSB(i->sb)->ch, buf, size);
}

int goferfs_setxattr(struct inode *i, const char *name, const void *val, size_t size, int flags)
{
	if (GSB(i->sb)->readonly)
		return -EROFS;
	int err = xattr_rpc(i, GOFER_SETXATTR, name, val, size, (uint32_t)flags, 0);
	if (!err)
		GI(i)->stat_ns = 0;   /* ctime changed */
	return err;
}

ssize_t goferfs_listxattr(struct inode *i, char *buf, size_t size)
{
	struct gofer_chan *ch = &GSB(i->sb)->ch;
	int err = gofer_rpc_fid(ch, GOFER_LISTXATTR, GI(i)->fid);
	return err ? err : reply_data(ch, buf, size);
}

int goferfs_removexattr(struct inode *i, const char *name)
{
	if (GSB(i->sb)->readonly)
		return -EROFS;
	int err = xattr_rpc(i, GOFER_REMOVEXATTR, name, NULL, 0, 0, 0);
	if (!err)
		GI(i)->stat_ns = 0;
	return err;
}
