/* Inodes: refcounting, attributes for stat, and the permission model. */
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <sys/sysmacros.h>
#include "vfs_impl.h"
#include "../sentry/task.h"

struct inode *inode_new(struct super_block *sb, mode_t mode)
{
	struct inode *i = calloc(1, sizeof(*i));
	if (!i)
		return NULL;
	i->refs = 1;
	i->sb = sb;
	i->ino = sb ? ++sb->next_ino : 0;
	i->mode = mode;
	i->nlink = 1;
	i->atime = i->mtime = i->ctime = i->btime = vfs_now();
	return i;
}

void inode_get(struct inode *i)
{
	i->refs++;
}

void inode_put(struct inode *i)
{
	if (!i || --i->refs > 0)
		return;
	if (i->iops && i->iops->evict)
		i->iops->evict(i);
	free(i);
}

void vfs_revalidate(struct inode *i)
{
	if (i->iops && i->iops->revalidate)
		(void)i->iops->revalidate(i);
}

int vfs_getattr(struct inode *i, struct stat *st)
{
	memset(st, 0, sizeof(*st));
	st->st_dev = i->sb ? i->sb->dev : 0;
	st->st_ino = i->ino;
	st->st_mode = i->mode;
	st->st_nlink = i->nlink;
	st->st_uid = i->uid;
	st->st_gid = i->gid;
	st->st_rdev = i->rdev;
	st->st_size = (off_t)i->size;
	st->st_blksize = 4096;
	st->st_blocks = (blkcnt_t)i->blocks;
	st->st_atim = i->atime;
	st->st_mtim = i->mtime;
	st->st_ctim = i->ctime;
	return 0;
}

bool cred_capable(const struct cred *c, int cap)
{
	return !c || (c->cap_effective & (1ULL << cap));
}

bool cred_in_group(const struct cred *c, gid_t gid)
{
	if (!c || c->fsgid == gid)
		return true;
	for (int k = 0; k < c->ngroups && k < 32; k++)
		if (c->groups[k] == gid)
			return true;
	return false;
}

bool inode_owner_or_capable(const struct cred *c, const struct inode *i)
{
	return !c || c->fsuid == i->uid || cred_capable(c, CAP_FOWNER);
}

int inode_permission(const struct cred *c, struct inode *i, int mask)
{
	mode_t m = i->mode;
	unsigned perm;

	mask &= MAY_READ | MAY_WRITE | MAY_EXEC;
	if (!c || !mask)
		return 0;
	if (c->fsuid == i->uid)
		perm = (m >> 6) & 7;
	else if (cred_in_group(c, i->gid))
		perm = (m >> 3) & 7;
	else
		perm = m & 7;
	if ((mask & ~perm) == 0)
		return 0;
	/* CAP_DAC_OVERRIDE: everything but exec of a file with no x bit at all. */
	if (cred_capable(c, CAP_DAC_OVERRIDE) &&
	    (!(mask & MAY_EXEC) || S_ISDIR(m) || (m & 0111)))
		return 0;
	/* CAP_DAC_READ_SEARCH: read files, read and search directories. */
	if (cred_capable(c, CAP_DAC_READ_SEARCH) &&
	    (mask == MAY_READ || (S_ISDIR(m) && !(mask & MAY_WRITE))))
		return 0;
	return -EACCES;
}

/* Anonymous devices (major 0) for in-memory super blocks. Minors below 32
 * are fixed ones: goferfs 10, devpts 14, proc 22 (Linux's usual numbers). */
uint64_t vfs_anon_dev(void)
{
	static unsigned next_minor = 32;
	return makedev(0, next_minor++);
}

struct timespec vfs_now(void)
{
	uint64_t ns = now_real_ns();
	return (struct timespec){ .tv_sec = (time_t)(ns / 1000000000ULL),
				  .tv_nsec = (long)(ns % 1000000000ULL) };
}
