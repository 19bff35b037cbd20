/* tmpfs: super block and inode allocation. */
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <sys/vfs.h>
#include "tmpfs.h"
#include "../../sentry/task.h"

#define TMPFS_DEFAULT_LIMIT (1ULL << 30)

struct inode *tmpfs_inode_new(struct super_block *sb, mode_t mode, const struct cred *c,
			      struct inode *dir)
{
	struct tmpfs_node *n = calloc(1, sizeof(*n));
	struct inode *i = n ? inode_new(sb, mode) : NULL;
	if (!i) {
		free(n);
		return NULL;
	}
	list_init(&n->entries);
	n->next_cookie = 2;
	n->parent = dir ? dir : i;
	i->priv = n;
	i->iops = &tmpfs_iops;
	i->uid = c ? c->fsuid : 0;
	i->gid = c ? c->fsgid : 0;
	/* setgid directories pass their group on, and setgid to subdirectories */
	if (dir && (dir->mode & S_ISGID)) {
		i->gid = dir->gid;
		if (S_ISDIR(mode))
			i->mode |= S_ISGID;
	}
	if (S_ISDIR(mode)) {
		i->nlink = 2;
		i->size = 2 * TMPFS_BOGO_DIRENT;
		i->fops = &tmpfs_dir_fops;
	} else if (S_ISREG(mode)) {
		i->fops = &tmpfs_file_fops;
	}
	return i;
}

static int tmpfs_statfs(struct super_block *sb, struct statfs *st)
{
	struct tmpfs_sb *s = sb->priv;
	memset(st, 0, sizeof(*st));
	st->f_type = sb->magic;
	st->f_bsize = st->f_frsize = 4096;
	st->f_blocks = s->limit / 4096;
	st->f_bfree = st->f_bavail = (s->limit - s->used) / 4096;
	st->f_files = 1 << 20;
	st->f_ffree = st->f_files > sb->next_ino ? st->f_files - sb->next_ino : 0;
	st->f_namelen = NAME_MAX_LEN;
	return 0;
}

struct super_block *tmpfs_new_typed(const char *fstype, uint64_t limit)
{
	struct super_block *sb = calloc(1, sizeof(*sb));
	struct tmpfs_sb *s = calloc(1, sizeof(*s));
	if (!sb || !s)
		goto fail;
	s->limit = limit;
	sb->priv = s;
	sb->fstype = fstype;
	sb->dev = vfs_anon_dev();
	sb->magic = TMPFS_MAGIC;
	sb->statfs = tmpfs_statfs;
	struct inode *root = tmpfs_inode_new(sb, S_IFDIR | 01777, NULL, NULL);
	if (!root)
		goto fail;
	sb->root = dentry_new(NULL, "/", root);
	inode_put(root);
	if (!sb->root)
		goto fail;
	return sb;
fail:
	free(s);
	free(sb);
	return NULL;
}

struct super_block *tmpfs_new(void)
{
	return tmpfs_new_typed("tmpfs", TMPFS_DEFAULT_LIMIT);
}
