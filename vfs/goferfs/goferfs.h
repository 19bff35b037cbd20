/* goferfs internals: the RPC channel to the gofer, and the per-object state. */
#ifndef CVISOR_GOFERFS_H
#define CVISOR_GOFERFS_H
#include <stdbool.h>
#include <stdint.h>
#include "vfs/vfs.h"
#include "gofer/protocol.h"

#define GOFERFS_MAGIC 0x01021997u   /* V9FS_MAGIC: what gVisor reports */

/* One channel: strictly one request in flight (callers hold the kernel
 * lock). Once the gofer misbehaves or goes away the channel is dead and
 * every call fails with -EIO. */
struct gofer_chan {
	int fd;
	uint32_t tag;
	bool dead;
	void *req, *rep;                /* GOFER_MSG_MAX each */
};

struct goferfs_sb {
	struct gofer_chan ch;
	bool readonly;
	uint32_t root_fid;
};

struct goferfs_inode {
	uint32_t fid;
	int created_fd;                 /* read-write fd donated by CREATE, until the first open */
	uint64_t stat_ns;               /* CLOCK_MONOTONIC of the last refresh */
	struct gofer_cache *cache;      /* MAP_SHARED page cache (pagecache.c) or NULL */
};

/* Send the request of reqlen bytes built in ch->req and wait for its
 * reply in ch->rep. With fd != NULL the reply must carry an fd (returned in
 * *fd, owned by the caller). Returns 0, -errno from the gofer, or -EIO. */
int gofer_rpc(struct gofer_chan *ch, ssize_t reqlen, int *fd);
/* Simple requests on one fid: STAT, READLINK, CLUNK, STATFS. */
int gofer_rpc_fid(struct gofer_chan *ch, uint16_t type, uint32_t fid);

static inline struct goferfs_sb *GSB(struct super_block *sb) { return sb->priv; }
static inline struct goferfs_inode *GI(struct inode *i) { return i->priv; }

/* Fill inode attributes from a wire stat (type must not change). 0 or -EIO. */
int goferfs_fill_inode(struct inode *i, const struct gofer_stat *st);
uint64_t goferfs_now_ns(void);

extern const struct file_ops goferfs_reg_ops, goferfs_dir_ops;
int goferfs_file_hostfd(struct file *f);   /* of a regular file */

/* The page cache of MAP_SHARED mappings (pagecache.c). */
int gcache_mmap_range(struct file *f, int hostfd, uint64_t off, struct mem_range **out,
		      uint64_t *start);
void gcache_after_read(struct inode *i, void *buf, uint64_t pos, uint64_t n);
void gcache_after_write(struct inode *i, const void *buf, uint64_t pos, uint64_t n);
int gcache_sync(struct inode *i, uint64_t off, uint64_t len);   /* write back */
void gcache_put(struct inode *i);    /* drop it once nothing maps it */
void gcache_drop(struct inode *i);   /* write back and drop it (evict) */
void gcache_truncated(struct inode *i, uint64_t size);   /* zero what is past EOF */

/* An inode for the fid + stat of an ATTACH/WALK/CREATE/MKDIR/MKNOD/SYMLINK
 * reply in the channel's reply buffer (the fid is clunked on failure). */
int goferfs_inode_from_reply(struct super_block *sb, struct inode **out);

/* The write operations (ops.c). */
int goferfs_create(struct inode *dir, const char *name, mode_t mode, const struct cred *c,
		   struct inode **out);
int goferfs_mkdir(struct inode *dir, const char *name, mode_t mode, const struct cred *c,
		  struct inode **out);
int goferfs_mknod(struct inode *dir, const char *name, mode_t mode, dev_t rdev,
		  const struct cred *c, struct inode **out);
int goferfs_symlink(struct inode *dir, const char *name, const char *target,
		    const struct cred *c, struct inode **out);
int goferfs_link(struct inode *dir, const char *name, struct inode *target);
int goferfs_unlink(struct inode *dir, const char *name, struct inode *victim);
int goferfs_rmdir(struct inode *dir, const char *name, struct inode *victim);
int goferfs_rename(struct inode *odir, const char *oname, struct inode *ndir,
		   const char *nname, unsigned flags);
int goferfs_setattr(struct inode *i, const struct iattr *ia);

/* Extended attributes (xattr.c): the inode_ops hooks. */
ssize_t goferfs_getxattr(struct inode *i, const char *name, void *buf, size_t size);
int goferfs_setxattr(struct inode *i, const char *name, const void *val, size_t size, int flags);
ssize_t goferfs_listxattr(struct inode *i, char *buf, size_t size);
int goferfs_removexattr(struct inode *i, const char *name);

/* Free a goferfs super block once its root dentry and every inode are gone
 * (the root mount normally lives as long as the sandbox). The channel fd
 * stays the caller's, as in goferfs_new(). */
void goferfs_destroy(struct super_block *sb);

#endif
