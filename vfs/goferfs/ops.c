/*
 * goferfs write operations: one RPC each, then the attributes of the
 * inodes involved are refreshed (new objects come with their stat; the
 * others are marked stale so the next revalidate asks the gofer).
 */
#include <errno.h>
#include <string.h>
#include <unistd.h>
#include "vfs/goferfs/goferfs.h"
#include "sentry/task.h"

static int check_name(struct inode *dir, const char *name, size_t *len)
{
	if (GSB(dir->sb)->readonly)
		return -EROFS;
	*len = strlen(name);
	if (*len > GOFER_NAME_MAX)
		return -ENAMETOOLONG;
	return gofer_name_valid(name, *len) ? 0 : -EINVAL;
}

/* Attributes of i are refreshed by the next revalidate. */
static void stale(struct inode *i)
{
	GI(i)->stat_ns = 0;
	(void)i->iops->revalidate(i);
}

static void owner(struct inode *dir, const struct cred *c, uint32_t *uid, uint32_t *gid)
{
	*uid = c ? c->fsuid : 0;
	*gid = (dir->mode & S_ISGID) ? dir->gid : c ? c->fsgid : 0;
}

/* CREATE (flags != 0: opens O_RDWR, the fd is kept for the first open),
 * MKDIR and MKNOD. */
static int make(uint16_t type, struct inode *dir, const char *name, mode_t mode,
		const struct cred *c, struct inode **out)
{
	size_t len;
	int err = check_name(dir, name, &len);
	if (err)
		return err;
	struct gofer_chan *ch = &GSB(dir->sb)->ch;
	struct gofer_req_create *q = ch->req;
	memset(q, 0, sizeof(*q));
	q->dirfid = GI(dir)->fid;
	q->flags = type == GOFER_CREATE ? O_RDWR : 0;
	q->mode = type == GOFER_MKNOD ? (uint32_t)mode : (uint32_t)(mode & 07777);
	owner(dir, c, &q->uid, &q->gid);
	q->namelen = (uint16_t)len;
	int fd = -1;
	err = gofer_rpc(ch, gofer_build(q, sizeof(*q), type, ++ch->tag, name, len, NULL, 0),
			type == GOFER_CREATE ? &fd : NULL);
	if (err)
		return err;
	const struct gofer_rep_fidstat *r = ch->rep;
	if ((r->st.mode & S_IFMT) != (type == GOFER_MKDIR ? S_IFDIR : type == GOFER_CREATE
				      ? S_IFREG : (mode & S_IFMT))) {
		if (fd >= 0)
			close(fd);
		(void)gofer_rpc_fid(ch, GOFER_CLUNK, r->fid);
		return -EIO;
	}
	err = goferfs_inode_from_reply(dir->sb, out);
	if (err) {
		if (fd >= 0)
			close(fd);
		return err;
	}
	GI(*out)->created_fd = fd;
	stale(dir);
	return 0;
}

int goferfs_create(struct inode *dir, const char *name, mode_t mode, const struct cred *c,
		   struct inode **out)
{
	return make(GOFER_CREATE, dir, name, mode, c, out);
}

int goferfs_mkdir(struct inode *dir, const char *name, mode_t mode, const struct cred *c,
		  struct inode **out)
{
	return make(GOFER_MKDIR, dir, name, mode, c, out);
}

/* The gofer makes regular files, FIFOs and sockets: never device nodes. */
int goferfs_mknod(struct inode *dir, const char *name, mode_t mode, dev_t rdev,
		  const struct cred *c, struct inode **out)
{
	switch (mode & S_IFMT) {
	case S_IFREG: case S_IFIFO: case S_IFSOCK:
		return make(GOFER_MKNOD, dir, name, mode, c, out);
	}
	return -EPERM;
}

int goferfs_symlink(struct inode *dir, const char *name, const char *target,
		    const struct cred *c, struct inode **out)
{
	size_t len, tlen = strlen(target);
	int err = check_name(dir, name, &len);
	if (err)
		return err;
	if (tlen == 0 || tlen > GOFER_TARGET_MAX)
		return tlen ? -ENAMETOOLONG : -ENOENT;
	struct gofer_chan *ch = &GSB(dir->sb)->ch;
	struct gofer_req_symlink *q = ch->req;
	memset(q, 0, sizeof(*q));
	q->dirfid = GI(dir)->fid;
	owner(dir, c, &q->uid, &q->gid);
	q->namelen = (uint16_t)len;
	q->targetlen = (uint16_t)tlen;
	err = gofer_rpc(ch, gofer_build(q, sizeof(*q), GOFER_SYMLINK, ++ch->tag, name, len,
					target, tlen), NULL);
	if (err)
		return err;
	if ((((const struct gofer_rep_fidstat *)ch->rep)->st.mode & S_IFMT) != S_IFLNK) {
		(void)gofer_rpc_fid(ch, GOFER_CLUNK, ((const struct gofer_rep_fidstat *)ch->rep)->fid);
		return -EIO;
	}
	err = goferfs_inode_from_reply(dir->sb, out);
	if (!err)
		stale(dir);
	return err;
}

int goferfs_link(struct inode *dir, const char *name, struct inode *target)
{
	size_t len;
	int err = check_name(dir, name, &len);
	if (err)
		return err;
	if (target->sb != dir->sb)
		return -EXDEV;
	struct gofer_chan *ch = &GSB(dir->sb)->ch;
	struct gofer_req_link *q = ch->req;
	memset(q, 0, sizeof(*q));
	q->dirfid = GI(dir)->fid;
	q->fid = GI(target)->fid;
	q->namelen = (uint16_t)len;
	err = gofer_rpc(ch, gofer_build(q, sizeof(*q), GOFER_LINK, ++ch->tag, name, len,
					NULL, 0), NULL);
	if (err)
		return err;
	stale(dir);
	stale(target);
	return 0;
}

static int gremove(struct inode *dir, const char *name, struct inode *victim, uint32_t flags)
{
	size_t len;
	int err = check_name(dir, name, &len);
	if (err)
		return err;
	struct gofer_chan *ch = &GSB(dir->sb)->ch;
	struct gofer_req_unlink *q = ch->req;
	memset(q, 0, sizeof(*q));
	q->dirfid = GI(dir)->fid;
	q->flags = flags;
	q->namelen = (uint16_t)len;
	err = gofer_rpc(ch, gofer_build(q, sizeof(*q), GOFER_UNLINK, ++ch->tag, name, len,
					NULL, 0), NULL);
	if (err)
		return err;
	stale(dir);
	if (victim) {
		/* The fid still names the unlinked file: its stat shows nlink. */
		stale(victim);
		if (flags)
			victim->nlink = 0;
	}
	return 0;
}

int goferfs_unlink(struct inode *dir, const char *name, struct inode *victim)
{
	return gremove(dir, name, victim, 0);
}

int goferfs_rmdir(struct inode *dir, const char *name, struct inode *victim)
{
	return gremove(dir, name, victim, AT_REMOVEDIR);
}

int goferfs_rename(struct inode *odir, const char *oname, struct inode *ndir,
		   const char *nname, unsigned flags)
{
	size_t olen, nlen;
	int err = check_name(odir, oname, &olen);
	if (!err)
		err = check_name(ndir, nname, &nlen);
	if (err)
		return err;
	if (odir->sb != ndir->sb)
		return -EXDEV;
	struct gofer_chan *ch = &GSB(odir->sb)->ch;
	struct gofer_req_rename *q = ch->req;
	memset(q, 0, sizeof(*q));
	q->olddirfid = GI(odir)->fid;
	q->newdirfid = GI(ndir)->fid;
	q->flags = flags;
	q->oldnamelen = (uint16_t)olen;
	q->newnamelen = (uint16_t)nlen;
	err = gofer_rpc(ch, gofer_build(q, sizeof(*q), GOFER_RENAME, ++ch->tag, oname, olen,
					nname, nlen), NULL);
	if (err)
		return err;
	stale(odir);
	if (ndir != odir)
		stale(ndir);
	return 0;
}

int goferfs_setattr(struct inode *i, const struct iattr *ia)
{
	if (GSB(i->sb)->readonly)
		return -EROFS;
	struct gofer_chan *ch = &GSB(i->sb)->ch;
	struct gofer_req_setattr *q = ch->req;
	memset(q, 0, sizeof(*q));
	q->fid = GI(i)->fid;
	/* ctime is the host's to set. */
	q->valid = ia->valid & (ATTR_MODE | ATTR_UID | ATTR_GID | ATTR_SIZE | ATTR_ATIME | ATTR_MTIME);
	q->mode = ia->mode & 07777;
	q->uid = ia->uid;
	q->gid = ia->gid;
	q->size = ia->size;
	q->atime_sec = ia->atime.tv_sec;
	q->atime_nsec = (uint32_t)ia->atime.tv_nsec;
	q->mtime_sec = ia->mtime.tv_sec;
	q->mtime_nsec = (uint32_t)ia->mtime.tv_nsec;
	if (!q->valid)
		return 0;
	int err = gofer_rpc(ch, gofer_build(q, sizeof(*q), GOFER_SETATTR, ++ch->tag,
					    NULL, 0, NULL, 0), NULL);
	if (err)
		return err;
	stale(i);
	if (ia->valid & ATTR_SIZE)
		gcache_truncated(i, ia->size);
	return 0;
}
