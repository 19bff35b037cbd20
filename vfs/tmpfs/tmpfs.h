/* tmpfs internals: in-memory inodes, shared by its directory and file code. */
#ifndef CVISOR_TMPFS_H
#define CVISOR_TMPFS_H
#include "../vfs_impl.h"

#define TMPFS_MAGIC 0x01021994
#define TMPFS_BOGO_DIRENT 20      /* directory size per entry, like Linux */

struct tmpfs_sb {
	uint64_t used;                /* bytes of file data allocated */
	uint64_t limit;
};

struct tmpfs_dirent {
	struct list_head link;        /* in the directory, ascending cookie */
	struct inode *inode;          /* one reference per link */
	uint64_t cookie;              /* getdents position, never reused */
	char name[];
};

struct tmpfs_node {
	/* directories */
	struct list_head entries;
	uint64_t next_cookie;         /* 0 and 1 are "." and ".." */
	unsigned nentries;
	struct inode *parent;         /* for ".." (no reference: it outlives us) */
	/* regular files */
	char *data;
	uint64_t cap;
	/* symlinks */
	char *target;
};

extern const struct inode_ops tmpfs_iops;
extern const struct file_ops tmpfs_file_fops;
extern const struct file_ops tmpfs_dir_fops;

static inline struct tmpfs_node *TN(const struct inode *i) { return i->priv; }
static inline struct tmpfs_sb *TSB(const struct inode *i) { return i->sb->priv; }

struct inode *tmpfs_inode_new(struct super_block *sb, mode_t mode, const struct cred *c,
			      struct inode *dir);
/* Resize regular file data (zero-filling growth), with the size limit. */
int tmpfs_resize(struct inode *i, uint64_t size);
void tmpfs_touch(struct inode *i, bool mtime);   /* mtime+ctime, or ctime only */

#endif
