/* tmpfs internals: in-memory inodes, shared by its directory and file code. */
#ifndef CVISOR_TMPFS_H
#define CVISOR_TMPFS_H
#include "../vfs_impl.h"

#define TMPFS_MAGIC 0x01021994
#define TMPFS_BOGO_DIRENT 20      /* directory size per entry, like Linux */
#define TMPFS_SEAL_EXEC 0x0020    /* F_SEAL_EXEC (newer than some libc headers) */

struct tmpfs_sb {
	uint64_t used;                /* bytes of file data allocated */
	uint64_t limit;
	uint64_t inodes, max_inodes;  /* live inodes; more: -ENOSPC */
	struct tmpfs_opts opts;       /* as mounted, for mountinfo */
	bool dead;                    /* unmounted: freed with its last inode */
};
/* The last inode of a dead tmpfs is gone: free the super block. */
void tmpfs_inode_gone(struct super_block *sb);

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
	/* regular files: data in memory-file chunks (tmpfs_file.c) */
	struct tmpfs_chunk **chunks;  /* sorted by file offset */
	size_t nchunks, chunks_cap;
	uint64_t pages;               /* charged pages (sb used, st_blocks) */
	/* symlinks */
	char *target;
	/* all types */
	struct tmpfs_xattr *xattrs;   /* singly linked, insertion order */
	unsigned seals;               /* memfd F_SEAL_* */
};

struct tmpfs_xattr {
	struct tmpfs_xattr *next;
	size_t size;
	char *value;
	char name[];
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
/* Extended attributes (tmpfs_xattr.c); counted against the size limit. */
ssize_t tmpfs_getxattr(struct inode *i, const char *name, void *buf, size_t size);
int tmpfs_setxattr(struct inode *i, const char *name, const void *val, size_t size, int flags);
ssize_t tmpfs_listxattr(struct inode *i, char *buf, size_t size);
int tmpfs_removexattr(struct inode *i, const char *name);
void tmpfs_xattr_free(struct inode *i);
/* Hole punching / zeroing / preallocation for fallocate (tmpfs_file.c). */
int tmpfs_fallocate(struct inode *i, int mode, uint64_t off, uint64_t len);
/* Free a regular file's data (evict). */
void tmpfs_file_free(struct inode *i);
/* Does a MAP_SHARED mapping use the file's pages? (memfd F_SEAL_WRITE) */
bool tmpfs_mapped_shared(struct inode *i);

#endif
