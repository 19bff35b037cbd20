/*
 * The virtual filesystem: Linux's model, small.
 *
 *   super_block  one mounted filesystem instance (goferfs, tmpfs, devfs, procfs, pipefs)
 *   inode        a file object of a filesystem (attributes + ops + fs-private data)
 *   dentry       a name in the dentry tree (cached; negative when inode == NULL)
 *   mount        a super_block's root dentry attached at a mountpoint
 *   path         (mount, dentry): a position in the mount tree
 *   file         an open file description (flags, offset, ops)
 *   fdtable      a task's descriptor table (shared with CLONE_FILES)
 *   fs_context   root, cwd and umask (shared with CLONE_FS)
 *
 * Filesystems supply inode_ops/file_ops and never see guest pointers: the
 * syscall layer copies guest memory in and out through the mm.
 * All of it runs under the kernel lock.
 */
#ifndef CVISOR_VFS_H
#define CVISOR_VFS_H
#include <stdint.h>
#include <stdbool.h>
#include <sys/types.h>
#include <sys/stat.h>
#include <time.h>
#include "../sentry/list.h"
#include "../sentry/waitq.h"

struct task;
struct cred;
struct file;
struct inode;
struct mem_range;   /* sentry/mm.h */
struct dentry;
struct mount;
struct super_block;
struct pollfd;
struct statfs;

#define NAME_MAX_LEN 255
#define PATH_MAX_LEN 4096
#define SYMLOOP_MAX_HOPS 40

struct path {
	struct mount *mnt;
	struct dentry *dentry;
};

/* Attribute changes for setattr (chmod/chown/truncate/utimes). */
#define ATTR_MODE  (1 << 0)
#define ATTR_UID   (1 << 1)
#define ATTR_GID   (1 << 2)
#define ATTR_SIZE  (1 << 3)
#define ATTR_ATIME (1 << 4)
#define ATTR_MTIME (1 << 5)
#define ATTR_CTIME (1 << 6)
#define ATTR_KILL_SUID (1 << 7)   /* chown: clear set-id bits even with no id given */
struct iattr {
	unsigned valid;
	mode_t mode;
	uid_t uid;
	gid_t gid;
	uint64_t size;
	struct timespec atime, mtime, ctime;
};

/* getdents callback: return false when the caller's buffer is full (the
 * entry was NOT consumed; the fs must not advance past it). */
struct dir_context {
	bool (*emit)(struct dir_context *ctx, const char *name, size_t namelen,
		     uint64_t ino, unsigned dtype);
	uint64_t pos;     /* fs-defined cookie; starts at 0, stored back in file->pos.
			   * While emit runs, pos is the position OF that entry (seeking
			   * there re-reads it); the fs advances pos after emit returns true. */
};

/* Collected by poll: the waitqs to sleep on, and host fds to poll. */
struct poll_table {
	struct task *task;
	struct waiter *waiters;
	int nwaiters, cap;
	struct pollfd *hostfds;
	int nhostfds, hostcap;
};
void poll_wait(struct poll_table *pt, struct waitq *wq);
void poll_wait_hostfd(struct poll_table *pt, int hostfd, short events);
void poll_table_free(struct poll_table *pt);

struct inode_ops {
	/* Look up `name` in directory dir: 0 with *out (new reference) or -ENOENT. */
	int (*lookup)(struct inode *dir, const char *name, struct inode **out);
	int (*create)(struct inode *dir, const char *name, mode_t mode, const struct cred *c, struct inode **out);
	int (*mkdir)(struct inode *dir, const char *name, mode_t mode, const struct cred *c, struct inode **out);
	int (*mknod)(struct inode *dir, const char *name, mode_t mode, dev_t rdev, const struct cred *c, struct inode **out);
	int (*symlink)(struct inode *dir, const char *name, const char *target, const struct cred *c, struct inode **out);
	int (*link)(struct inode *dir, const char *name, struct inode *target);
	int (*unlink)(struct inode *dir, const char *name, struct inode *victim);
	int (*rmdir)(struct inode *dir, const char *name, struct inode *victim);
	int (*rename)(struct inode *odir, const char *oname, struct inode *ndir, const char *nname, unsigned flags);
	/* Symlink target into buf (no NUL); returns length or -errno. */
	int (*readlink)(struct inode *inode, char *buf, size_t len);
	/* Magic links (/proc/PID/exe, fd/N, cwd, root): resolve to a path
	 * directly instead of a string. NULL for ordinary symlinks. */
	int (*get_link_path)(struct inode *inode, struct path *out);
	int (*setattr)(struct inode *inode, const struct iattr *ia);
	/* Refresh inode attributes from the backing store (goferfs); may be NULL. */
	int (*revalidate)(struct inode *inode);
	/* Prepare an open file description (set file->fops/priv). */
	int (*open)(struct inode *inode, struct file *f);
	void (*evict)(struct inode *inode);  /* last reference dropped */
	/* Extended attributes (full names, "user.x"); the VFS has checked the
	 * name, sizes and permissions. NULL: the fs has no xattrs (-EOPNOTSUPP).
	 * getxattr: value length, copied when size != 0 (-ERANGE if larger).
	 * setxattr flags: XATTR_CREATE / XATTR_REPLACE.
	 * listxattr: every name NUL-terminated, same size rule as getxattr. */
	ssize_t (*getxattr)(struct inode *inode, const char *name, void *buf, size_t size);
	int (*setxattr)(struct inode *inode, const char *name, const void *val, size_t size, int flags);
	ssize_t (*listxattr)(struct inode *inode, char *buf, size_t size);
	int (*removexattr)(struct inode *inode, const char *name);
	/* O_TMPFILE: a new regular inode with no name (nlink 0) for dir's fs. */
	int (*tmpfile)(struct inode *dir, mode_t mode, const struct cred *c, struct inode **out);
};

struct file_ops {
	/* pos is &file->pos, or the pread/pwrite offset. Blocking ops sleep
	 * with task_sleep(current, ...) unless file->flags has O_NONBLOCK. */
	ssize_t (*read)(struct file *f, void *buf, size_t len, uint64_t *pos);
	ssize_t (*write)(struct file *f, const void *buf, size_t len, uint64_t *pos);
	int64_t (*llseek)(struct file *f, int64_t off, int whence);  /* NULL: generic_llseek */
	int (*iterate)(struct file *f, struct dir_context *ctx);      /* getdents */
	/* Return ready POLL* events; if pt, register waitqs / host fds to sleep on. */
	uint32_t (*poll)(struct file *f, struct poll_table *pt);
	/* cmd/arg as the guest passed them; copy through current->mm. -ENOTTY if unknown. */
	long (*ioctl)(struct file *f, unsigned cmd, uint64_t arg);
	int (*fsync)(struct file *f);
	void (*release)(struct file *f);
	/* MAP_SHARED (sentry/mm, docs/mm.md). mmap_range: a new reference to
	 * the memory-file range holding file offset off (allocated when absent)
	 * in *out, the file offset of its first byte in *start. NULL: shared
	 * mappings of the file are read-only snapshots. mmap_sync: write back
	 * [off, off+len) changed through mappings (msync, fsync); NULL: nothing
	 * to write back. mmap_put: a VMA mapping f from file offset off went
	 * away (its range reference is dropped already). */
	int (*mmap_range)(struct file *f, uint64_t off, struct mem_range **out, uint64_t *start);
	int (*mmap_sync)(struct file *f, uint64_t off, uint64_t len);
	void (*mmap_put)(struct file *f, uint64_t off);
};

struct super_block {
	const char *fstype;       /* "tmpfs", "9p", "proc", ... as in /proc/mounts */
	uint64_t dev;             /* st_dev of its inodes */
	uint32_t magic;           /* statfs f_type */
	struct dentry *root;
	void *priv;
	uint64_t next_ino;
	/* statfs(2) for this filesystem; NULL: f_type = magic, zero counts. */
	int (*statfs)(struct super_block *sb, struct statfs *out);
	int flags;                /* SB_RDONLY: every mount of it is read-only */
	/* Filesystem options for mountinfo (",size=1024k,mode=755"), each with
	 * a leading comma; NULL: none. */
	void (*show_options)(struct super_block *sb, char *buf, size_t len);
	int mounts;               /* mounts of it (mount_new/bind); 0 after the last umount */
	/* The last mount is gone (umount): free the filesystem. NULL: it stays. */
	void (*kill)(struct super_block *sb);
};
#define SB_RDONLY (1 << 0)

struct inode {
	int refs;
	struct super_block *sb;
	uint64_t ino;
	mode_t mode;              /* type + permission bits */
	nlink_t nlink;
	uid_t uid;
	gid_t gid;
	uint64_t size;
	uint64_t blocks;          /* 512-byte units */
	dev_t rdev;
	struct timespec atime, mtime, ctime, btime;
	const struct inode_ops *iops;
	const struct file_ops *fops;   /* default for open() when iops->open is NULL */
	void *priv;
	bool linkable;                 /* O_TMPFILE without O_EXCL: linkat may name it */
	int mmap_writable;             /* MAP_SHARED VMAs that may write (sentry/mm) */
};

struct dentry {
	int refs;
	char *name;
	struct dentry *parent;        /* self for a filesystem root */
	struct inode *inode;          /* NULL: negative dentry */
	struct super_block *sb;
	struct list_head children;
	struct list_head sibling;
	int mounted;                  /* number of mounts on top of this dentry */
	bool deleted;                 /* unlinked while open */
	struct list_head lru;         /* in the unused-dentry LRU while refs == 0 */
};

#define MNT_RDONLY  (1 << 0)
#define MNT_NOSUID  (1 << 1)
#define MNT_NODEV   (1 << 2)
#define MNT_NOEXEC  (1 << 3)
#define MNT_NOSYMFOLLOW (1 << 4)
#define MNT_NOATIME     (1 << 5)
#define MNT_NODIRATIME  (1 << 6)
#define MNT_STRICTATIME (1 << 7)   /* neither: relatime */

struct mount {
	int refs;
	struct super_block *sb;
	struct dentry *root;          /* root dentry of this mount */
	struct mount *parent;         /* self for the root mount */
	struct dentry *mountpoint;    /* in parent */
	int flags;                    /* MNT_* */
	char *source;                 /* for /proc/mounts */
	struct list_head link;        /* all mounts */
	int id;
	/* Propagation (mount(2) MS_SHARED/SLAVE/PRIVATE/UNBINDABLE): recorded
	 * and shown in mountinfo; the sandbox has one namespace and events do
	 * not propagate between peers (docs/vfs.md). */
	int shared_id;                /* peer group when shared, else 0 */
	int master_id;                /* peer group it is a slave of, else 0 */
	bool unbindable;
	bool detached;                /* unmounted; freed with its last reference */
	bool expiry_mark;             /* umount2 MNT_EXPIRE: unused since marked */
};

struct file {
	int refs;
	struct path path;             /* mnt NULL for anonymous files (pipes) */
	struct inode *inode;
	const struct file_ops *fops;
	int flags;                    /* O_ACCMODE | O_APPEND | O_NONBLOCK | O_DIRECT ... */
	uint64_t pos;
	void *priv;
	struct dir_context *dirctx;   /* unused by most */
	int owner;                    /* F_SETOWN: pid, or -pgid (stored only) */
};

struct fdtable {
	int refs;
	int max;                      /* allocated slots */
	struct file **fd;
	bool *cloexec;
};

struct fs_context {
	int refs;
	struct path root, cwd;
	mode_t umask;
};

/* ---- objects -------------------------------------------------------------- */
struct inode *inode_new(struct super_block *sb, mode_t mode);  /* refs 1, ino assigned */
void inode_get(struct inode *i);
void inode_put(struct inode *i);
/* New dentry (refs 1) under parent (NULL: a filesystem root, parent = itself);
 * takes its OWN reference on inode (the caller keeps and drops its own). */
struct dentry *dentry_new(struct dentry *parent, const char *name, struct inode *inode);
void dentry_get(struct dentry *d);
void dentry_put(struct dentry *d);
void path_get(const struct path *p);
void path_put(struct path *p);

struct file *file_new(const struct path *p, struct inode *inode, const struct file_ops *ops, int flags);
struct file *file_new_anon(struct inode *inode, const struct file_ops *ops, int flags);
void file_get(struct file *f);
void file_put(struct file *f);     /* release on last reference */

/* ---- fd tables -------------------------------------------------------------- */
struct fdtable *fdtable_new(void);
struct fdtable *fdtable_dup(struct fdtable *ft);   /* fork without CLONE_FILES */
void fdtable_put(struct fdtable *ft);
/* Install f at the lowest free fd >= minfd (below RLIMIT_NOFILE); takes a
 * new reference. Returns the fd or -EMFILE. */
int fd_install(struct fdtable *ft, int minfd, struct file *f, bool cloexec);
int fd_install_at(struct fdtable *ft, int fd, struct file *f, bool cloexec); /* dup2 */
struct file *fd_get(struct fdtable *ft, int fd);   /* new reference or NULL */
int fd_close(struct fdtable *ft, int fd);          /* 0 or -EBADF */
void fdtable_close_on_exec(struct fdtable *ft);

struct fs_context *fs_context_new(const struct path *root);
struct fs_context *fs_context_dup(struct fs_context *fs);
void fs_context_put(struct fs_context *fs);

/* ---- path resolution -------------------------------------------------------- */
#define LOOKUP_FOLLOW     (1 << 0)   /* follow a trailing symlink */
#define LOOKUP_DIRECTORY  (1 << 1)   /* result must be a directory */
#define LOOKUP_EMPTY      (1 << 2)   /* "" means dirfd itself (AT_EMPTY_PATH) */

/* Resolve path relative to dirfd (AT_FDCWD or an fd of t) from t's root. */
int path_lookup(struct task *t, int dirfd, const char *path, int flags, struct path *out);
/* Resolve all but the last component; last gets the final name (NAME_MAX+1
 * bytes). Fails with -ENOENT for "", -EEXIST-style checks are the caller's. */
int path_lookup_parent(struct task *t, int dirfd, const char *path, int flags,
		       struct path *parent, char *last);
/* Look up one name in a directory path (mount crossing, "." and ".."). */
int path_walk_one(struct task *t, struct path *dir, const char *name, struct path *out);
/* Absolute path of p as seen from root into buf; returns length or -errno. */
int path_to_string(const struct path *root, const struct path *p, char *buf, size_t len);

/* ---- operations used by syscalls and the kernel ------------------------------ */
int vfs_open(struct task *t, int dirfd, const char *path, int flags, mode_t mode, struct file **out);
/* Open an already-resolved path (exec, /proc magic links). */
int vfs_open_path(struct task *t, const struct path *p, int flags, struct file **out);
ssize_t vfs_read(struct file *f, void *buf, size_t len, uint64_t *pos);
ssize_t vfs_write(struct file *f, const void *buf, size_t len, uint64_t *pos);
/* Read exactly from an offset, for the loader and private file mappings:
 * short only at EOF. */
ssize_t kernel_pread(struct file *f, void *buf, size_t len, uint64_t off);
int vfs_getattr(struct inode *inode, struct stat *st);
int inode_permission(const struct cred *c, struct inode *inode, int mask); /* MAY_* */
#define MAY_EXEC  1
#define MAY_WRITE 2
#define MAY_READ  4
bool path_is_readonly(const struct path *p);   /* mount or sb read-only -> EROFS */

/* ---- mount tree -------------------------------------------------------------- */
struct mount *mount_new(struct super_block *sb, struct mount *parent, struct dentry *mountpoint,
			int flags, const char *source);
/* If d is a mountpoint, the mount on top of it (no reference), else NULL. */
struct mount *mount_lookup(struct mount *parent, struct dentry *d);
size_t mounts_render(char *buf, size_t len);   /* /proc/mounts */

/* ---- filesystems ------------------------------------------------------------- */
struct super_block *tmpfs_new(void);
/* Bytes of file data held by every tmpfs and memfd (/proc/meminfo Shmem). */
uint64_t tmpfs_shmem_bytes(void);
struct super_block *devfs_new(void);
struct super_block *procfs_new(void);
struct super_block *sysfs_new(void);      /* read-only /sys (vfs/sysfs) */
/* Set a sysctl of the sandbox's /proc/sys as a write would ("kernel.domainname"
 * or "kernel/domainname"): 0, -ENOENT (unknown), -EPERM (read-only), -EINVAL. */
int proc_sysctl_set(const char *key, const char *value);
struct super_block *goferfs_new(int gofer_fd, bool readonly);
/* Writable union of a read-only lower and an upper filesystem (vfs/overlay);
 * both super blocks become the overlay's. */
struct super_block *overlay_new(struct super_block *lower, struct super_block *upper);
/* Host fd (stdio) wrapped as a guest file; the file owns hostfd. */
struct file *hostfile_new(int hostfd, int flags);
/* Pipe: two files sharing one buffer. */
int pipe_create(int flags, struct file **rd, struct file **wr);

/* Build the initial mount tree (root goferfs, /tmp tmpfs, /dev, /proc) and
 * set kernel.root_mount/kernel.root. */
int vfs_init(int gofer_fd, bool root_readonly);
/* The same with the root an overlay of the read-only gofer root and a
 * sandbox-private tmpfs: the host rootfs is never written. */
int vfs_init_overlay(int gofer_fd);
/* kernel_config.root_mode: how the gofer root is mounted. */
#define VFS_ROOT_OVERLAY 0    /* default: vfs_init_overlay */
#define VFS_ROOT_RW      1    /* vfs_init(fd, false): writes reach the host */
#define VFS_ROOT_RO      2    /* vfs_init(fd, true) */
/* A pod container's own mount tree, apart from the sandbox's (vfs/init.c):
 * overlay root on gofer_fd (read-only with readonly), /tmp, /dev, /dev/pts,
 * /proc, /sys, then mounts[]. The fds stay the caller's. *out holds the
 * tree's reference; vfs_container_root_put detaches the whole tree. */
struct kernel_mount;
int vfs_container_root(int gofer_fd, bool readonly, const struct kernel_mount *mounts, int n,
		       struct mount **out);
void vfs_container_root_put(struct mount *root);

#endif
