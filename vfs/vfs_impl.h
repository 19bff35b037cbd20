/*
 * VFS internals shared by the core (the files directly in vfs/), tmpfs, devfs, host files and
 * the file syscalls. Not a contract for other filesystems: vfs.h is.
 */
#ifndef CVISOR_VFS_IMPL_H
#define CVISOR_VFS_IMPL_H
#include "vfs.h"

struct cred;
struct statfs;

/* Capabilities used by the permission model (linux/capability.h numbers). */
#define CAP_CHOWN            0
#define CAP_DAC_OVERRIDE     1
#define CAP_DAC_READ_SEARCH  2
#define CAP_FOWNER           3
#define CAP_FSETID           4
#define CAP_MKNOD           27
bool cred_capable(const struct cred *c, int cap);   /* NULL cred: kernel, all caps */
bool cred_in_group(const struct cred *c, gid_t gid);
bool inode_owner_or_capable(const struct cred *c, const struct inode *i);
/* Set-id bits cleared by an unprivileged write/truncate (vfs/ops.c): the
 * mode change to add to a truncate's attributes, and the check before a write. */
void vfs_kill_priv_attr(struct task *t, const struct inode *i, struct iattr *ia);
int vfs_file_remove_privs(struct file *f);
/* S_ISGID of a new file in a setgid directory, for a non-member: cleared. */
mode_t vfs_strip_sgid(const struct cred *c, const struct inode *dir, mode_t mode);

uint64_t vfs_anon_dev(void);             /* st_dev for a new in-memory sb */
struct timespec vfs_now(void);           /* CLOCK_REALTIME for timestamps */
void vfs_revalidate(struct inode *i);    /* iops->revalidate, errors ignored */

/* ---- dentries ---- */
/* Unhash d from its parent (unlinked/replaced); it lives on while referenced. */
void dentry_unhash(struct dentry *d);
/* Move d under newparent with a new name (rename). */
void dentry_move(struct dentry *d, struct dentry *newparent, const char *name);
/* Cached or filesystem lookup of name in dir (no mount crossing, no "."/"..");
 * *out is a new reference. */
int dentry_lookup_child(struct dentry *dir, const char *name, struct dentry **out);

/* ---- path walking ---- */
struct nameidata {
	struct task *t;
	const struct cred *cred;  /* permission checks; NULL = kernel */
	struct path root;         /* ".." stops here (reference held) */
	int hops;                 /* symlinks followed so far */
	unsigned resolve;         /* openat2 RESOLVE_* (set with nd_set_resolve) */
};
void nd_init(struct nameidata *nd, struct task *t, const struct cred *cred);
void nd_fini(struct nameidata *nd);
/* Start position for path relative to dirfd (reference in *start). */
int nd_start(struct nameidata *nd, int dirfd, const char *path, struct path *start);
/* Walk s from *cur (owned reference, replaced as it walks). With last !=
 * NULL stop before the final component and copy it there ("." for "/"). */
int nd_walk(struct nameidata *nd, struct path *cur, const char *s, int flags, char *last);
/* Follow the symlink at *p (owned, replaced by the target); dir is where a
 * relative target starts. Counts a hop. */
int nd_follow(struct nameidata *nd, const struct path *dir, struct path *p);
/* One component below dir with search permission and mount crossing. */
int nd_walk_last(struct nameidata *nd, const struct path *dir, const char *name, struct path *out);
int path_lookup_cred(struct task *t, const struct cred *c, int dirfd, const char *path,
		     int flags, struct path *out);
/* openat2 scoping: RESOLVE_BENEATH / RESOLVE_IN_ROOT make the start
 * directory (dirfd) the walk's root; the other flags are checked per step. */
int nd_set_resolve(struct nameidata *nd, int dirfd, unsigned resolve);
int path_lookup_how(struct task *t, int dirfd, const char *path, int flags, unsigned resolve,
		    struct path *out);
int path_lookup_parent_how(struct task *t, int dirfd, const char *path, int flags,
			   unsigned resolve, struct path *parent, char *last);
/* open with openat2 resolve flags (0: plain openat). */
int vfs_open_how(struct task *t, int dirfd, const char *path, int flags, mode_t mode,
		 unsigned resolve, struct file **out);
bool path_has_trailing_slash(const char *path);

/* ---- namespace operations (permission and Linux rule checks here) ---- */
int vfs_mkdir(struct task *t, int dirfd, const char *path, mode_t mode);
int vfs_mknod(struct task *t, int dirfd, const char *path, mode_t mode, dev_t dev);
int vfs_unlink(struct task *t, int dirfd, const char *path);
int vfs_rmdir(struct task *t, int dirfd, const char *path);
int vfs_rename(struct task *t, int odfd, const char *opath, int ndfd, const char *npath,
	       unsigned flags);
/* lflags: LOOKUP_FOLLOW / LOOKUP_EMPTY for the old path. */
int vfs_link(struct task *t, int odfd, const char *opath, int ndfd, const char *npath, int lflags);
int vfs_symlink(struct task *t, const char *target, int dirfd, const char *path);
int vfs_readlink(struct task *t, const struct path *p, char *buf, size_t len);
/* chmod/chown checks (EPERM, setid clearing); size and time permission
 * checks are the caller's. */
int vfs_setattr(struct task *t, const struct path *p, struct inode *inode, struct iattr *ia);
int vfs_truncate_inode(struct task *t, struct inode *inode, uint64_t size);
int vfs_statfs(struct inode *inode, struct statfs *st);
int vfs_iterate(struct file *f, struct dir_context *ctx);
int64_t vfs_llseek(struct file *f, int64_t off, int whence);
int64_t generic_llseek(struct file *f, int64_t off, int whence);

/* ---- opening ---- */
/* Checks and opens an inode at p (O_* flags; create=true skips the mode
 * check for a file just created). */
int vfs_do_open(struct task *t, const struct path *p, int flags, bool created, struct file **out);
int chrdev_open(struct inode *inode, struct file *f);   /* devfs: by rdev */
extern const struct file_ops opath_fops;                 /* O_PATH files */
/* Linux's setattr_copy: the attributes ia names (ctime: now unless
 * given); simple_setattr adds -EINVAL for ATTR_SIZE (simple_attr.c). */
void setattr_copy(struct inode *i, const struct iattr *ia);
int simple_setattr(struct inode *i, const struct iattr *ia);
extern const struct inode_ops simple_attr_iops;         /* pipes, sockets: setattr only */

/* ---- flock(2) ---- */
int flock_file(struct task *t, struct file *f, int op);
void flock_release(struct file *f);

/* ---- tmpfs internals reused by devfs ---- */
struct super_block *tmpfs_new_typed(const char *fstype, uint64_t size_limit);
/* tmpfs mount options (mount(2) data), Linux's names and syntax. */
struct tmpfs_opts {
	unsigned seen;                /* TMPFS_SEEN_* given */
	uint64_t size, nr_inodes;     /* 0: unlimited (up to the sandbox's caps) */
	mode_t mode;
	uid_t uid;
	gid_t gid;
};
#define TMPFS_SEEN_SIZE   1
#define TMPFS_SEEN_INODES 2
#define TMPFS_SEEN_MODE   4
#define TMPFS_SEEN_UID    8
#define TMPFS_SEEN_GID    16
/* One "key" or "key=value" option: 0, or -EINVAL (unknown, bad value). */
int tmpfs_parse_opt(struct tmpfs_opts *o, const char *key, const char *val);
struct super_block *tmpfs_new_opts(const struct tmpfs_opts *o);
bool sb_is_tmpfs(const struct super_block *sb);   /* tmpfs, devfs */
/* Remount: size and nr_inodes change (-EINVAL below current use). */
int tmpfs_reconfigure(struct super_block *sb, const struct tmpfs_opts *o);

/* ---- extended attributes (xattr.c): Linux's checks, then the fs hooks ---- */
#define XATTR_NAME_MAX_LEN 255
#define XATTR_SIZE_MAX_LEN 65536
#define XATTR_LIST_MAX_LEN 65536
/* p (may be NULL for anonymous files) gives the mount for -EROFS. */
ssize_t vfs_getxattr(struct task *t, struct inode *i, const char *name, void *buf, size_t size);
int vfs_setxattr(struct task *t, const struct path *p, struct inode *i, const char *name,
		 const void *val, size_t size, int flags);
ssize_t vfs_listxattr(struct task *t, struct inode *i, char *buf, size_t size);
int vfs_removexattr(struct task *t, const struct path *p, struct inode *i, const char *name);

/* ---- the mount table, for /proc/PID/mountinfo (mount.c) ---- */
/* One mount as mountinfo shows it; the strings live during the callback. */
struct mount_info {
	int id, parent_id;         /* parent_id == id for the sandbox's root mount */
	uint64_t dev;              /* st_dev of its filesystem (major:minor) */
	const char *root;          /* the mount's root inside its filesystem: "/" or "/dir" (bind) */
	const char *mountpoint;    /* as seen from the root given to vfs_for_each_mount */
	const char *mnt_opts;      /* per mount: "rw,nosuid,nodev,noexec,relatime" */
	const char *optional;      /* "", "shared:N", "master:N", "shared:N master:M", "unbindable" */
	const char *fstype;        /* "tmpfs", "proc", "overlay", "9p", ... */
	const char *source;        /* "none", "tmpfs", "proc", ... */
	const char *super_opts;    /* per filesystem: "rw" or "ro" then fs options (",size=...") */
};
/* fn for every mount reachable from root (NULL: current's root, else the
 * kernel's), in mount order (parents before children); mounts outside that
 * root are skipped, like Linux. */
void vfs_for_each_mount(const struct path *root, void (*fn)(const struct mount_info *, void *),
			void *arg);

/* ---- mount(2) and umount2(2) on the tree (mount.c); the syscall layer
 * checks privileges and flags. ---- */
#define MOUNT_MAX 100000           /* Linux's fs.mount-max: then -ENOSPC */
/* A new mount of sb (its root) on at: -ENOTDIR, -ENOENT (deleted), -ENOSPC. */
int mount_add(const struct path *at, struct super_block *sb, int flags, const char *source);
/* MS_BIND (rec: MS_REC) of from onto at; the copy keeps from's flags. */
int mount_bind(const struct path *from, const struct path *at, bool rec);
/* MS_MOVE of the mount rooted at from to at. */
int mount_move(const struct path *from, const struct path *at);
/* MS_SHARED / MS_SLAVE / MS_PRIVATE / MS_UNBINDABLE, on m (and below, rec). */
void mount_set_propagation(struct mount *m, unsigned long type, bool rec);
/* pivot_root: root to put_old, new in root's place (checks are the caller's). */
int mount_pivot(struct mount *root, struct mount *new, const struct path *put_old);
/* umount2 of m (the caller holds one reference to it) with MNT_* flags. */
int mount_umount(struct mount *m, int flags, const struct path *task_root);
/* Detach m (even a self-parented root) and every mount below it. */
void mount_detach_tree(struct mount *m);
/* Drop a path's reference to a mount; mount_put also clears the
 * MNT_EXPIRE mark (the mount was used), umount2's own lookup does not. */
void mount_put(struct mount *m);
void mount_put_noexpire(struct mount *m);
/* Free what the dentry cache holds below root (umount of a filesystem). */
void dentry_prune(struct dentry *root);

/* Mount sb as the root with MNT_* flags, then /tmp, /dev and /proc (init.c). */
int vfs_init_root(struct super_block *sb, int flags, const char *source);

/* Number of bytes a guest buffer is copied through per step. */
#define VFS_BOUNCE 65536

/* ---- guest memory helpers for the file syscalls (vfs/uaccess.c) ---- */
/* Copy a guest path into a new PATH_MAX_LEN buffer (free it). */
long vfs_getname(struct task *t, uint64_t uaddr, char **out);
/* read/write through a bounded bounce buffer; pos NULL = file position.
 * Reads loop only on regular files; both stop early on a short transfer. */
ssize_t vfs_read_user(struct task *t, struct file *f, uint64_t ubuf, size_t len, uint64_t *pos);
ssize_t vfs_write_user(struct task *t, struct file *f, uint64_t ubuf, size_t len, uint64_t *pos);
int fd_limit(struct task *t);          /* RLIMIT_NOFILE soft limit */

#endif
