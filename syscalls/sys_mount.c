/*
 * mount(2), umount2(2), chroot(2), pivot_root(2): Linux's rules on the
 * sandbox's one mount namespace (docs/vfs.md, "Mounts inside the sandbox").
 * Every filesystem a guest can mount lives in the sentry (tmpfs, proc,
 * sysfs, devtmpfs) and a bind mount names a place in the guest's own tree,
 * so no mount reaches the host. fsopen/fsmount/open_tree/move_mount/
 * mount_setattr stay -ENOSYS: libmount then falls back to mount(2).
 */
#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mount.h>
#include "syscall.h"
#include "../sentry/kernel.h"
#include "../sentry/mm.h"
#include "../sentry/task.h"
#include "../vfs/vfs_impl.h"

#define CAP_SYS_CHROOT 18
#define CAP_SYS_ADMIN  21
#define MOUNT_PAGE 4096

/* Flags mount(2) takes per mount; the rest are per filesystem or ignored. */
static int mnt_flags_of(unsigned long f)
{
	int m = 0;
	if (f & MS_RDONLY)
		m |= MNT_RDONLY;
	if (f & MS_NOSUID)
		m |= MNT_NOSUID;
	if (f & MS_NODEV)
		m |= MNT_NODEV;
	if (f & MS_NOEXEC)
		m |= MNT_NOEXEC;
	if (f & MS_NOSYMFOLLOW)
		m |= MNT_NOSYMFOLLOW;
	if (f & MS_NOATIME)
		m |= MNT_NOATIME;
	if (f & MS_NODIRATIME)
		m |= MNT_NODIRATIME;
	if (f & MS_STRICTATIME)
		m = (m & ~MNT_NOATIME) | MNT_STRICTATIME;
	return m;
}

/* ---- filesystem types ---- */

/* proc, sysfs and devtmpfs have one super block for the whole sandbox
 * (Linux shares sysfs per network namespace and devtmpfs globally). */
static struct super_block *shared_sb(struct super_block **cache, struct super_block *(*make)(void))
{
	if (!*cache && make)
		*cache = make();
	return *cache;
}

static struct super_block *proc_sb(void)
{
	static struct super_block *sb;
	return shared_sb(&sb, procfs_new);
}

static struct super_block *sys_sb(void)
{
	static struct super_block *sb;
	return shared_sb(&sb, sysfs_new);
}

static struct super_block *dev_sb(void)
{
	static struct super_block *sb;
	return shared_sb(&sb, devfs_new);
}

struct fs_type {
	const char *name;
	struct super_block *(*shared)(void);   /* NULL: tmpfs, a new one per mount */
};

static const struct fs_type *find_type(const char *name)
{
	static const struct fs_type types[] = {
		{ "tmpfs", NULL },
		{ "proc", proc_sb },
		{ "sysfs", sys_sb },
		{ "devtmpfs", dev_sb },
	};
	for (size_t k = 0; k < sizeof(types) / sizeof(types[0]); k++)
		if (!strcmp(types[k].name, name))
			return &types[k];
	return NULL;
}

/* ---- options (mount(2) data: "key[=value],...") ---- */

/* Options every filesystem takes (Linux's fs_context common flags), and
 * the mount flags that are forbidden in data. 1: consumed, 0: not ours,
 * -EINVAL: forbidden. */
static int common_opt(const char *key, const char *val, int *sb_flags)
{
	static const char *const forbidden[] = {
		"bind", "dev", "exec", "move", "noatime", "nodev", "nodiratime", "noexec",
		"norelatime", "nostrictatime", "nosuid", "private", "rec", "relatime",
		"remount", "shared", "slave", "strictatime", "suid", "unbindable",
	};
	static const char *const ignored[] = {
		"sync", "async", "dirsync", "lazytime", "nolazytime", "mand", "nomand", "silent",
	};
	for (size_t k = 0; k < sizeof(forbidden) / sizeof(forbidden[0]); k++)
		if (!strcmp(key, forbidden[k]))
			return -EINVAL;
	if (!strcmp(key, "ro") || !strcmp(key, "rw")) {
		if (val)
			return -EINVAL;
		*sb_flags = key[1] == 'o' ? *sb_flags | SB_RDONLY : *sb_flags & ~SB_RDONLY;
		return 1;
	}
	for (size_t k = 0; k < sizeof(ignored) / sizeof(ignored[0]); k++)
		if (!strcmp(key, ignored[k]))
			return val ? -EINVAL : 1;
	if (!strcmp(key, "source"))
		return val ? 1 : -EINVAL;
	return 0;
}

/* Parse data (NULL: none) for a filesystem that has tmpfs options (o) or
 * none (o NULL). */
static int parse_data(char *data, int *sb_flags, struct tmpfs_opts *o)
{
	char *save = NULL;
	for (char *tok = data ? strtok_r(data, ",", &save) : NULL; tok; tok = strtok_r(NULL, ",", &save)) {
		char *val = strchr(tok, '=');
		if (val)
			*val++ = 0;
		int r = common_opt(tok, val, sb_flags);
		if (r < 0)
			return r;
		if (r > 0)
			continue;
		if (!o || tmpfs_parse_opt(o, tok, val) < 0)
			return -EINVAL;
	}
	return 0;
}

/* ---- mount(2) ---- */

static int new_mount(const struct path *at, const char *type, const char *source,
		     int mnt_flags, int sb_flags, char *data)
{
	if (!type)
		return -EINVAL;
	const struct fs_type *ft = find_type(type);
	if (!ft)
		return -ENODEV;
	struct tmpfs_opts o = { 0 };
	int err = parse_data(data, &sb_flags, ft->shared ? NULL : &o);
	if (err)
		return err;
	struct super_block *sb;
	if (ft->shared) {
		if (!(sb = ft->shared()))
			return -ENOMEM;
		if (sb_flags & SB_RDONLY)
			mnt_flags |= MNT_RDONLY;   /* not the shared super block's */
		if (at->mnt->sb == sb && at->dentry == at->mnt->root)
			return -EBUSY;             /* already mounted right here */
		return mount_add(at, sb, mnt_flags, source);
	}
	if (!(sb = tmpfs_new_opts(&o)))
		return -ENOMEM;
	sb->flags |= sb_flags & SB_RDONLY;
	if (sb_flags & SB_RDONLY)
		mnt_flags |= MNT_RDONLY;
	sb->mounts++;       /* held here: a failed mount_add leaves it to kill below */
	err = mount_add(at, sb, mnt_flags, source);
	if (--sb->mounts == 0)
		sb->kill(sb);
	return err;
}

/* MS_REMOUNT: new filesystem options and mount flags for the mount at p. */
static int remount(const struct path *p, int mnt_flags, int sb_flags, char *data)
{
	struct super_block *sb = p->mnt->sb;
	bool tmpfs = sb_is_tmpfs(sb);
	struct tmpfs_opts o = { 0 };
	if (p->dentry != p->mnt->root)
		return -EINVAL;
	int err = parse_data(data, &sb_flags, tmpfs ? &o : NULL);
	if (!err && tmpfs)
		err = tmpfs_reconfigure(sb, &o);
	if (err)
		return err;
	sb->flags = (sb->flags & ~SB_RDONLY) | (sb_flags & SB_RDONLY);
	p->mnt->flags = mnt_flags | ((sb_flags & SB_RDONLY) ? MNT_RDONLY : 0);
	return 0;
}

static int propagation_type(unsigned long flags)
{
	unsigned long type = flags & ~(unsigned long)(MS_REC | MS_SILENT);
	if (type & ~(unsigned long)(MS_SHARED | MS_PRIVATE | MS_SLAVE | MS_UNBINDABLE))
		return 0;
	return type && !(type & (type - 1)) ? (int)type : 0;
}

/* Lookup of a path argument of the guest (mount source, umount target). */
static int lookup_user(struct task *t, uint64_t upath, int lflags, struct path *out)
{
	char *path;
	long err = vfs_getname(t, upath, &path);
	if (err < 0)
		return (int)err;
	err = path_lookup(t, AT_FDCWD, path, lflags, out);
	free(path);
	if (!err && !out->mnt) {      /* an anonymous file through a /proc magic link */
		path_put(out);
		err = -EINVAL;
	}
	return (int)err;
}

/* MS_BIND or MS_MOVE of the guest path source onto at. */
static int with_source(struct task *t, const char *source, const struct path *at,
		       unsigned long flags)
{
	struct path from;
	if (!source || !*source)
		return -EINVAL;
	int err = path_lookup(t, AT_FDCWD, source, LOOKUP_FOLLOW, &from);
	if (err)
		return err;
	if (!from.mnt)
		err = -EINVAL;       /* an anonymous file through a /proc magic link */
	else if (flags & MS_BIND)
		err = mount_bind(&from, at, flags & MS_REC);
	else
		err = mount_move(&from, at);
	path_put(&from);
	return err;
}

static int do_mount(struct task *t, const char *source, const struct path *at, const char *type,
		    unsigned long flags, char *data)
{
	if ((flags & MS_MGC_MSK) == MS_MGC_VAL)
		flags &= ~MS_MGC_MSK;
	if (flags & MS_NOUSER)
		return -EINVAL;
	if (!cred_capable(&t->cred, CAP_SYS_ADMIN))
		return -EPERM;
	int mnt_flags = mnt_flags_of(flags), sb_flags = (flags & MS_RDONLY) ? SB_RDONLY : 0;

	if ((flags & MS_REMOUNT) && at->mnt->detached)
		return -EINVAL;
	if ((flags & (MS_REMOUNT | MS_BIND)) == (MS_REMOUNT | MS_BIND)) {
		if (at->dentry != at->mnt->root)
			return -EINVAL;
		at->mnt->flags = mnt_flags;
		return 0;
	}
	if (flags & MS_REMOUNT)
		return remount(at, mnt_flags, sb_flags, data);
	if (flags & MS_BIND)
		return with_source(t, source, at, flags);
	if (flags & (MS_SHARED | MS_PRIVATE | MS_SLAVE | MS_UNBINDABLE)) {
		int type = propagation_type(flags);
		if (at->dentry != at->mnt->root || !type)
			return -EINVAL;
		mount_set_propagation(at->mnt, (unsigned long)type, flags & MS_REC);
		return 0;
	}
	if (flags & MS_MOVE)
		return with_source(t, source, at, flags);
	return new_mount(at, type, source, mnt_flags, sb_flags, data);
}

/* A mount string (type, source): NULL stays NULL; longer than PATH_MAX: -EINVAL. */
static long copy_mount_string(struct task *t, uint64_t u, char **out)
{
	*out = NULL;
	if (!u)
		return 0;
	char *s = malloc(PATH_MAX_LEN + 1);
	if (!s)
		return -ENOMEM;
	long n = strncpy_from_user(t->mm, s, u, PATH_MAX_LEN + 1);
	if (n < 0) {
		free(s);
		return n == -ENAMETOOLONG ? -EINVAL : n;
	}
	*out = s;
	return 0;
}

/* The data page: up to 4096 bytes, as far as they are readable (Linux's
 * copy_mount_options); only a fault on the first byte is -EFAULT. */
static long copy_mount_data(struct task *t, uint64_t u, char **out)
{
	*out = NULL;
	if (!u)
		return 0;
	char *d = calloc(1, MOUNT_PAGE);
	if (!d)
		return -ENOMEM;
	size_t first = MOUNT_PAGE - (u & (MOUNT_PAGE - 1));
	if (copy_from_user(t->mm, d, u, first)) {
		free(d);
		return -EFAULT;
	}
	if (first < MOUNT_PAGE && copy_from_user(t->mm, d + first, u + first, MOUNT_PAGE - first))
		memset(d + first, 0, MOUNT_PAGE - first);
	d[MOUNT_PAGE - 1] = 0;
	*out = d;
	return 0;
}

long sys_mount(struct task *t, const struct syscall_args *a)
{
	char *type = NULL, *source = NULL, *data = NULL;
	struct path at;
	long err = copy_mount_string(t, a->a[2], &type);
	if (!err)
		err = copy_mount_string(t, a->a[0], &source);
	if (!err)
		err = copy_mount_data(t, a->a[4], &data);
	if (!err)
		err = lookup_user(t, a->a[1], LOOKUP_FOLLOW, &at);
	if (!err) {
		err = do_mount(t, source, &at, type, a->a[3], data);
		path_put(&at);
	}
	free(type);
	free(source);
	free(data);
	return err;
}

/* ---- umount2(2) ---- */

long sys_umount2(struct task *t, const struct syscall_args *a)
{
	int flags = (int)a->a[1];
	struct path p;
	if (flags & ~(MNT_FORCE | MNT_DETACH | MNT_EXPIRE | UMOUNT_NOFOLLOW))
		return -EINVAL;
	int err = lookup_user(t, a->a[0], (flags & UMOUNT_NOFOLLOW) ? 0 : LOOKUP_FOLLOW, &p);
	if (err)
		return err;
	if (!cred_capable(&t->cred, CAP_SYS_ADMIN))
		err = -EPERM;
	else if (p.dentry != p.mnt->root)
		err = -EINVAL;
	else
		err = mount_umount(p.mnt, flags, &t->fs->root);
	/* not mount_put: umount2's own use must not clear the MNT_EXPIRE mark */
	dentry_put(p.dentry);
	mount_put_noexpire(p.mnt);
	return err;
}

/* ---- chroot(2) ---- */

long sys_chroot(struct task *t, const struct syscall_args *a)
{
	struct path p;
	int err = lookup_user(t, a->a[0], LOOKUP_FOLLOW | LOOKUP_DIRECTORY, &p);
	if (err)
		return err;
	err = inode_permission(&t->cred, p.dentry->inode, MAY_EXEC);
	if (!err && !cred_capable(&t->cred, CAP_SYS_CHROOT))
		err = -EPERM;
	if (!err) {
		/* the new root is a place in the sandbox's tree: ".." stops there,
		 * and nothing above the sandbox's root exists to climb to */
		path_put(&t->fs->root);
		t->fs->root = p;
		path_get(&p);
	}
	path_put(&p);
	return err;
}

/* ---- pivot_root(2) ---- */

static bool path_under(const struct path *p, const struct path *top)
{
	struct path c = *p;
	for (;;) {
		if (c.mnt == top->mnt) {
			for (struct dentry *d = c.dentry;; d = d->parent) {
				if (d == top->dentry)
					return true;
				if (d->parent == d)
					break;
			}
		}
		if (c.mnt->parent == c.mnt)
			return false;
		c.dentry = c.mnt->mountpoint;
		c.mnt = c.mnt->parent;
	}
}

static bool path_is(const struct path *a, const struct path *b)
{
	return a->mnt == b->mnt && a->dentry == b->dentry;
}

/* Every task whose root or cwd is old gets new (Linux's chroot_fs_refs). */
static void move_fs_refs(const struct path *old, const struct path *new)
{
	struct list_head *pos;
	list_for_each(pos, &kernel.tasks) {
		struct task *o = list_entry(pos, struct task, all_link);
		struct path *ps[2] = { o->fs ? &o->fs->root : NULL, o->fs ? &o->fs->cwd : NULL };
		for (int k = 0; k < 2; k++) {
			if (ps[k] && path_is(ps[k], old)) {
				path_put(ps[k]);
				*ps[k] = *new;
				path_get(new);
			}
		}
	}
}

static int pivot(struct task *t, const struct path *new, const struct path *old)
{
	struct path root = t->fs->root;
	if (old->mnt->shared_id || new->mnt->parent->shared_id || root.mnt->parent->shared_id ||
	    old->mnt->detached || new->mnt->detached || root.mnt->detached)
		return -EINVAL;
	if (new->dentry->deleted)
		return -ENOENT;
	if (new->mnt == root.mnt || old->mnt == root.mnt)
		return -EBUSY;
	/* the sandbox's root mount has no parent: only a chroot into another
	 * mount can be pivoted (a container's root in Linux has one) */
	if (root.dentry != root.mnt->root || root.mnt->parent == root.mnt ||
	    new->dentry != new->mnt->root || new->mnt->parent == new->mnt ||
	    !path_under(old, new) || !path_under(new, &root))
		return -EINVAL;
	struct path oldroot = root;
	path_get(&oldroot);
	struct path np = *new;
	path_get(&np);
	int err = mount_pivot(root.mnt, new->mnt, old);
	if (!err)
		move_fs_refs(&oldroot, &np);
	path_put(&np);
	path_put(&oldroot);
	return err;
}

long sys_pivot_root(struct task *t, const struct syscall_args *a)
{
	struct path new, old;
	if (!cred_capable(&t->cred, CAP_SYS_ADMIN))
		return -EPERM;
	int err = lookup_user(t, a->a[0], LOOKUP_FOLLOW | LOOKUP_DIRECTORY, &new);
	if (err)
		return err;
	err = lookup_user(t, a->a[1], LOOKUP_FOLLOW | LOOKUP_DIRECTORY, &old);
	if (!err) {
		err = pivot(t, &new, &old);
		path_put(&old);
	}
	path_put(&new);
	return err;
}
