/*
 * goferfs: the container root served by the gofer. The super block and the
 * inode operations; an inode owns one fid (CLUNKed on evict).
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>
#include <sys/statfs.h>
#include <sys/statvfs.h>
#include <sys/sysmacros.h>
#include "vfs/goferfs/goferfs.h"

/* st_dev of goferfs inodes: fixed, below the anonymous devs of the vfs. */
#define GOFERFS_DEV makedev(0, 10)
/* Attributes younger than this are trusted without asking the gofer (the
 * vfs revalidates on every cached lookup). */
#define GOFERFS_ATTR_TTL_NS 1000000000ull

uint64_t goferfs_now_ns(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000000000ull + (uint64_t)ts.tv_nsec;
}

static bool mode_type_valid(uint32_t mode)
{
	switch (mode & S_IFMT) {
	case S_IFREG: case S_IFDIR: case S_IFLNK: case S_IFCHR:
	case S_IFBLK: case S_IFIFO: case S_IFSOCK:
		return true;
	}
	return false;
}

static struct timespec wire_time(int64_t sec, uint32_t nsec)
{
	return (struct timespec){ .tv_sec = (time_t)sec,
				  .tv_nsec = nsec < 1000000000u ? (long)nsec : 0 };
}

int goferfs_fill_inode(struct inode *i, const struct gofer_stat *st)
{
	if (!mode_type_valid(st->mode) || (st->mode & ~(uint32_t)(S_IFMT | 07777)) ||
	    (st->mode & S_IFMT) != (i->mode & S_IFMT))
		return -EIO;
	i->ino = st->ino;
	i->mode = st->mode;
	i->nlink = (nlink_t)st->nlink;
	i->uid = st->uid;
	i->gid = st->gid;
	i->size = st->size;
	i->blocks = st->blocks;
	i->rdev = (dev_t)st->rdev;
	i->atime = wire_time(st->atime_sec, st->atime_nsec);
	i->mtime = wire_time(st->mtime_sec, st->mtime_nsec);
	i->ctime = wire_time(st->ctime_sec, st->ctime_nsec);
	GI(i)->stat_ns = goferfs_now_ns();
	return 0;
}

static const struct inode_ops goferfs_iops;

static void clunk(struct super_block *sb, uint32_t fid)
{
	(void)gofer_rpc_fid(&GSB(sb)->ch, GOFER_CLUNK, fid);
}

/* An inode for the fid + stat of a WALK/ATTACH reply in ch->rep. */
int goferfs_inode_from_reply(struct super_block *sb, struct inode **out)
{
	const struct gofer_rep_fidstat *r = GSB(sb)->ch.rep;
	uint32_t fid = r->fid;
	struct inode *i = NULL;
	struct goferfs_inode *gi = NULL;
	int err = -EIO;
	if (mode_type_valid(r->st.mode)) {
		err = -ENOMEM;
		i = inode_new(sb, r->st.mode & S_IFMT);
		gi = malloc(sizeof(*gi));
	}
	if (i && gi) {
		gi->fid = fid;
		gi->created_fd = -1;
		gi->cache = NULL;
		i->priv = gi;
		err = goferfs_fill_inode(i, &r->st);
		i->iops = &goferfs_iops;    /* from here on evict clunks the fid */
		if (err) {
			inode_put(i);
			return err;
		}
		*out = i;
		return 0;
	}
	free(gi);
	if (i)
		inode_put(i);
	clunk(sb, fid);
	return err;
}

static int goferfs_lookup(struct inode *dir, const char *name, struct inode **out)
{
	struct gofer_chan *ch = &GSB(dir->sb)->ch;
	size_t len = strlen(name);
	if (len > GOFER_NAME_MAX)
		return -ENAMETOOLONG;
	if (!gofer_name_valid(name, len))
		return -ENOENT;
	struct gofer_req_walk *q = ch->req;
	q->fid = GI(dir)->fid;
	q->namelen = (uint16_t)len;
	q->pad = 0;
	int err = gofer_rpc(ch, gofer_build(q, sizeof(*q), GOFER_WALK, ++ch->tag,
					    name, len, NULL, 0), NULL);
	if (err)
		return err;
	return goferfs_inode_from_reply(dir->sb, out);
}

static int goferfs_readlink(struct inode *i, char *buf, size_t len)
{
	struct gofer_chan *ch = &GSB(i->sb)->ch;
	int err = gofer_rpc_fid(ch, GOFER_READLINK, GI(i)->fid);
	if (err)
		return err;
	const struct gofer_rep_data *r = ch->rep;
	size_t n = r->len < len ? r->len : len;
	memcpy(buf, r + 1, n);
	return (int)n;
}

static int goferfs_revalidate(struct inode *i)
{
	if (goferfs_now_ns() - GI(i)->stat_ns < GOFERFS_ATTR_TTL_NS)
		return 0;
	struct gofer_chan *ch = &GSB(i->sb)->ch;
	int err = gofer_rpc_fid(ch, GOFER_STAT, GI(i)->fid);
	if (err)
		return err;
	return goferfs_fill_inode(i, &((const struct gofer_rep_stat *)ch->rep)->st);
}

/* Open flags as the gofer takes them: the access mode, O_TRUNC and the sync
 * flags. O_APPEND is emulated with pwrite at the end (a host O_APPEND fd
 * would ignore our offsets); O_NONBLOCK means nothing for regular files. */
static uint32_t wire_open_flags(int flags)
{
	return (uint32_t)(flags & (O_ACCMODE | O_TRUNC | O_SYNC | O_DSYNC));
}

static int goferfs_open(struct inode *i, struct file *f)
{
	struct goferfs_sb *gs = GSB(i->sb);
	int acc = f->flags & O_ACCMODE;
	if (f->flags & O_PATH)
		return 0;
	switch (i->mode & S_IFMT) {
	case S_IFDIR:
		if (acc != O_RDONLY)
			return -EISDIR;
		f->fops = &goferfs_dir_ops;
		return 0;
	case S_IFREG:
		break;
	case S_IFLNK:
		return -ELOOP;
	case S_IFIFO:
	case S_IFSOCK:
		return -ENXIO;
	default:
		/* Host devices are never opened: the sandbox's /dev is devfs. */
		return -EACCES;
	}
	if (gs->readonly && (acc != O_RDONLY || (f->flags & O_TRUNC)))
		return -EROFS;
	int *hostfd = malloc(sizeof(*hostfd));
	if (!hostfd)
		return -ENOMEM;
	if (GI(i)->created_fd >= 0) {
		/* The read-write fd CREATE donated serves the first open. */
		*hostfd = GI(i)->created_fd;
		GI(i)->created_fd = -1;
	} else {
		struct gofer_chan *ch = &gs->ch;
		struct gofer_req_open *q = ch->req;
		q->fid = GI(i)->fid;
		q->flags = wire_open_flags(f->flags);
		int err = gofer_rpc(ch, gofer_build(q, sizeof(*q), GOFER_OPEN, ++ch->tag,
						    NULL, 0, NULL, 0), hostfd);
		if (err) {
			free(hostfd);
			return err;
		}
	}
	/* A regular file, or the gofer is lying: the fd is only ever used
	 * with pread/pwrite/fstat/fsync, but refuse anything else anyway. */
	struct stat st;
	if (fstat(*hostfd, &st) < 0 || !S_ISREG(st.st_mode)) {
		close(*hostfd);
		free(hostfd);
		return -EIO;
	}
	i->size = (uint64_t)st.st_size;
	i->blocks = (uint64_t)st.st_blocks;
	f->fops = &goferfs_reg_ops;
	f->priv = hostfd;
	return 0;
}

static void goferfs_evict(struct inode *i)
{
	struct goferfs_inode *gi = GI(i);
	if (!gi)
		return;
	clunk(i->sb, gi->fid);
	gcache_drop(i);
	if (gi->created_fd >= 0)
		close(gi->created_fd);
	free(gi);
	i->priv = NULL;
}

static const struct inode_ops goferfs_iops = {
	.lookup = goferfs_lookup,
	.create = goferfs_create,
	.mkdir = goferfs_mkdir,
	.mknod = goferfs_mknod,
	.symlink = goferfs_symlink,
	.link = goferfs_link,
	.unlink = goferfs_unlink,
	.rmdir = goferfs_rmdir,
	.rename = goferfs_rename,
	.setattr = goferfs_setattr,
	.getxattr = goferfs_getxattr,
	.setxattr = goferfs_setxattr,
	.listxattr = goferfs_listxattr,
	.removexattr = goferfs_removexattr,
	.readlink = goferfs_readlink,
	.revalidate = goferfs_revalidate,
	.open = goferfs_open,
	.evict = goferfs_evict,
};

static int goferfs_statfs(struct super_block *sb, struct statfs *out)
{
	struct goferfs_sb *gs = GSB(sb);
	int err = gofer_rpc_fid(&gs->ch, GOFER_STATFS, gs->root_fid);
	if (err)
		return err;
	const struct gofer_statfs *w = &((const struct gofer_rep_statfs *)gs->ch.rep)->st;
	memset(out, 0, sizeof(*out));
	out->f_type = GOFERFS_MAGIC;
	out->f_bsize = (long)w->bsize;
	out->f_blocks = w->blocks;
	out->f_bfree = w->bfree;
	out->f_bavail = w->bavail;
	out->f_files = w->files;
	out->f_ffree = w->ffree;
	out->f_namelen = GOFER_NAME_MAX;
	out->f_frsize = (long)w->frsize;
	out->f_flags = gs->readonly ? ST_RDONLY : 0;
	return 0;
}

void goferfs_destroy(struct super_block *sb)
{
	struct goferfs_sb *gs = GSB(sb);
	free(gs->ch.req);
	free(gs->ch.rep);
	free(gs);
	free(sb);
}

/* The channel fd stays owned by the caller; the super block only uses it. */
struct super_block *goferfs_new(int gofer_fd, bool readonly)
{
	struct super_block *sb = calloc(1, sizeof(*sb));
	struct goferfs_sb *gs = calloc(1, sizeof(*gs));
	struct inode *root = NULL;
	if (!sb || !gs)
		goto fail;
	gs->ch = (struct gofer_chan){ .fd = gofer_fd, .req = malloc(GOFER_MSG_MAX),
				      .rep = malloc(GOFER_MSG_MAX) };
	gs->readonly = readonly;
	if (!gs->ch.req || !gs->ch.rep)
		goto fail;
	sb->fstype = "9p";
	sb->dev = GOFERFS_DEV;
	sb->magic = GOFERFS_MAGIC;
	sb->priv = gs;
	sb->statfs = goferfs_statfs;
	struct gofer_req_attach *q = gs->ch.req;
	if (gofer_rpc(&gs->ch, gofer_build(q, sizeof(*q), GOFER_ATTACH, ++gs->ch.tag,
					   NULL, 0, NULL, 0), NULL) < 0)
		goto fail;
	if (goferfs_inode_from_reply(sb, &root) < 0)
		goto fail;
	if (!S_ISDIR(root->mode))
		goto fail;
	gs->root_fid = GI(root)->fid;
	sb->root = dentry_new(NULL, "/", root);
	if (!sb->root)
		goto fail;
	inode_put(root);   /* the dentry holds its own reference */
	return sb;
fail:
	if (root)
		inode_put(root);
	if (gs) {
		free(gs->ch.req);
		free(gs->ch.rep);
	}
	free(gs);
	free(sb);
	return NULL;
}
