/* The initial mount tree: the root (goferfs, or the overlay of goferfs and
 * a tmpfs: overlay/root.c), /tmp (tmpfs), /dev (devfs), /proc, then the
 * mounts of an OCI bundle (kernel.cfg.mounts). */
#include <errno.h>
#include <fcntl.h>
#include <string.h>
#include <sys/stat.h>
#include "vfs_impl.h"
#include "tty/tty.h"
#include "../sentry/kernel.h"
#include "../sentry/log.h"

/* Mount sb on an existing directory of the tree; skipped with a warning
 * when the directory is missing (the root image may lack it). */
static void mount_at(const char *where, struct super_block *sb, int flags, const char *source)
{
	struct path p;
	if (!sb) {
		log_warn("vfs: cannot create %s filesystem for %s", source, where);
		return;
	}
	int err = path_lookup(NULL, AT_FDCWD, where, LOOKUP_FOLLOW | LOOKUP_DIRECTORY, &p);
	if (err) {
		log_warn("vfs: not mounting %s on %s: error %d", sb->fstype, where, -err);
	} else {
		if (mount_new(sb, p.mnt, p.dentry, flags, source))
			sb = NULL;   /* the mount owns it now */
		else
			log_warn("vfs: out of memory mounting %s", where);
		path_put(&p);
	}
	if (sb && sb->mounts == 0 && sb->kill)
		sb->kill(sb);   /* never mounted: nothing else will free it */
}

/* mkdir -p of path as the kernel; the last component a directory, or an
 * empty regular file with `file`. Existing objects are fine. */
static int make_path(const char *path, bool file)
{
	char buf[PATH_MAX_LEN];
	size_t len = strlen(path);
	if (len >= sizeof(buf))
		return -ENAMETOOLONG;
	memcpy(buf, path, len + 1);
	for (size_t i = 1; i <= len; i++) {
		if (buf[i] != '/' && buf[i])
			continue;
		char c = buf[i];
		buf[i] = 0;
		bool last = i == len || (c == '/' && !buf[i + 1]);
		int err = last && file ? vfs_mknod(NULL, AT_FDCWD, buf, S_IFREG | 0644, 0)
				       : vfs_mkdir(NULL, AT_FDCWD, buf, 0755);
		if (err && err != -EEXIST)
			return err;
		buf[i] = c;
		if (last)
			break;
	}
	return 0;
}

/* Mount sb (root dentry `root`, or the sb's root) over path p. */
static int mount_over(const struct path *p, struct super_block *sb, struct dentry *root,
		      int flags, const char *source)
{
	struct mount *m = mount_new(sb, p->mnt, p->dentry, flags, source);
	if (!m)
		return -ENOMEM;
	if (root && root != m->root) {
		dentry_put(m->root);
		m->root = root;
		dentry_get(root);
	}
	return 0;
}

/* An empty read-only filesystem with an empty file "f" (maskedPaths). */
static struct super_block *empty_fs(bool with_file, struct dentry **file)
{
	struct super_block *sb = tmpfs_new_typed("tmpfs", 4096);
	if (!sb || !with_file)
		return sb;
	struct inode *i = NULL;
	if (sb->root->inode->iops->create(sb->root->inode, "f", S_IFREG | 0444, NULL, &i) < 0)
		return NULL;
	inode_put(i);
	return dentry_lookup_child(sb->root, "f", file) < 0 ? NULL : sb;
}

static int mount_extra(const struct kernel_mount *km)
{
	struct path p;
	bool existing = km->kind == KMOUNT_MASK || km->kind == KMOUNT_RDONLY;
	int want_dir = existing || (km->kind == KMOUNT_BIND && km->name) ? 0 : LOOKUP_DIRECTORY;
	int err = 0;
	if (!existing)
		err = make_path(km->dest, !want_dir);
	if (!err)
		err = path_lookup(NULL, AT_FDCWD, km->dest, LOOKUP_FOLLOW | want_dir, &p);
	if (err) {
		bool optional = km->kind == KMOUNT_MASK || km->kind == KMOUNT_RDONLY ||
				km->kind == KMOUNT_EMPTY;
		if (optional && km->kind != KMOUNT_EMPTY && err == -ENOENT)
			return 0;
		if (optional && km->kind == KMOUNT_EMPTY) {
			log_debug("vfs: not mounting %s: error %d", km->dest, -err);
			return 0;
		}
		log_error("mount %s: cannot make the destination: %s", km->dest, strerror(-err));
		return err;
	}
	struct super_block *sb = NULL;
	struct dentry *root = NULL;
	switch (km->kind) {
	case KMOUNT_TMPFS:
		if ((sb = tmpfs_new_typed("tmpfs", km->size ? km->size : (1ULL << 30))))
			sb->root->inode->mode = S_IFDIR | (km->mode < 0 ? 01777 : (km->mode & 07777));
		break;
	case KMOUNT_PROC:
		sb = procfs_new();
		break;
	case KMOUNT_SYSFS:
		sb = sysfs_new();
		break;
	case KMOUNT_EMPTY:
		sb = empty_fs(false, NULL);
		break;
	case KMOUNT_BIND:
		if ((sb = goferfs_new(km->gofer_fd, km->readonly)) && km->name &&
		    (err = dentry_lookup_child(sb->root, km->name, &root)) < 0) {
			log_error("mount %s: %s: %s", km->dest, km->name, strerror(-err));
			path_put(&p);
			return err;
		}
		break;
	case KMOUNT_MASK:
		sb = empty_fs(!S_ISDIR(p.dentry->inode->mode), &root);
		break;
	case KMOUNT_RDONLY:
		sb = p.mnt->sb;
		root = p.dentry;
		dentry_get(root);
		break;
	}
	if (!sb) {
		path_put(&p);
		return -ENOMEM;
	}
	int flags = km->flags;
	if (km->kind == KMOUNT_MASK || km->kind == KMOUNT_EMPTY)
		flags |= MNT_RDONLY;
	if (km->kind == KMOUNT_RDONLY)
		flags |= p.mnt->flags | MNT_RDONLY;
	err = mount_over(&p, sb, root, flags, km->source ? km->source : p.mnt->source);
	if (root)
		dentry_put(root);
	path_put(&p);
	return err;
}

int vfs_init_root(struct super_block *sb, int flags, const char *source)
{
	if (!sb)
		return -EIO;
	struct mount *root = mount_new(sb, NULL, NULL, flags, source);
	if (!root)
		return -ENOMEM;
	kernel.root_mount = root;
	kernel.root = root->root;
	mount_at("/tmp", tmpfs_new(), 0, "none");
	mount_at("/dev", devfs_new(), MNT_NOSUID, "none");
	mount_at("/dev/pts", devpts_new(), MNT_NOSUID | MNT_NOEXEC, "devpts");
	mount_at("/proc", procfs_new(), MNT_NOSUID | MNT_NODEV | MNT_NOEXEC, "proc");
	mount_at("/sys", sysfs_new(), MNT_RDONLY | MNT_NOSUID | MNT_NODEV | MNT_NOEXEC, "sysfs");
	for (int i = 0; i < kernel.cfg.n_mounts; i++) {
		int err = mount_extra(&kernel.cfg.mounts[i]);
		if (err)
			return err;
	}
	if (kernel.cfg.root_readonly_after_mounts)
		root->flags |= MNT_RDONLY;
	return 0;
}

int vfs_init(int gofer_fd, bool root_readonly)
{
	return vfs_init_root(goferfs_new(gofer_fd, root_readonly),
			     root_readonly ? MNT_RDONLY : 0, "none");
}

/* The super block of type fstype mounted at `where` in the sandbox's tree,
 * or NULL. */
static struct super_block *sandbox_sb_at(const char *where, const char *fstype)
{
	struct path p;
	if (path_lookup(NULL, AT_FDCWD, where, LOOKUP_FOLLOW | LOOKUP_DIRECTORY, &p))
		return NULL;
	struct super_block *sb = p.dentry == p.mnt->root && !strcmp(p.mnt->sb->fstype, fstype)
				 ? p.mnt->sb : NULL;
	path_put(&p);
	return sb;
}

/* A pod container's own mount tree (sentry/kernel/container.c): the
 * overlay of its gofer's root (read-only lower) and a tmpfs, its own /tmp,
 * /dev, /dev/pts, /proc, /sys and mounts. The helpers above resolve paths
 * from the kernel's root, so that root is the new tree's while it is made
 * (under the kernel lock). The root mount is self-parented, outside the
 * sandbox's tree; vfs_container_root_put detaches it. */
int vfs_container_root(int gofer_fd, bool readonly, const struct kernel_mount *mounts, int n,
		       struct mount **out)
{
	struct super_block *lower = goferfs_new(gofer_fd, true), *upper = tmpfs_new();
	if (!lower || !upper) {
		if (lower && lower->kill)
			lower->kill(lower);
		if (upper && upper->kill)
			upper->kill(upper);
		return -EIO;
	}
	struct super_block *sb = overlay_new(lower, upper);
	if (!sb)
		return -ENOMEM;
	struct mount *root = mount_new(sb, NULL, NULL, 0, "overlay");
	if (!root) {
		if (sb->kill)
			sb->kill(sb);
		return -ENOMEM;
	}
	/* /proc and /sys show the same (shared) kernel in every container:
	 * the sandbox's instances serve them (they have no sb->kill: new ones
	 * would outlive the container). */
	struct super_block *proc = sandbox_sb_at("/proc", "proc");
	struct super_block *sys = sandbox_sb_at("/sys", "sysfs");
	struct mount *saved_mount = kernel.root_mount;
	struct dentry *saved_root = kernel.root;
	kernel.root_mount = root;
	kernel.root = root->root;
	mount_at("/tmp", tmpfs_new(), 0, "none");
	mount_at("/dev", devfs_new(), MNT_NOSUID, "none");
	mount_at("/dev/pts", devpts_new(), MNT_NOSUID | MNT_NOEXEC, "devpts");
	mount_at("/proc", proc ? proc : procfs_new(), MNT_NOSUID | MNT_NODEV | MNT_NOEXEC, "proc");
	mount_at("/sys", sys ? sys : sysfs_new(), MNT_RDONLY | MNT_NOSUID | MNT_NODEV | MNT_NOEXEC, "sysfs");
	int err = 0;
	for (int i = 0; i < n && !err; i++)
		err = mount_extra(&mounts[i]);
	kernel.root_mount = saved_mount;
	kernel.root = saved_root;
	if (err) {
		mount_detach_tree(root);
		return err;
	}
	if (readonly)
		root->flags |= MNT_RDONLY;
	*out = root;
	return 0;
}

void vfs_container_root_put(struct mount *root)
{
	mount_detach_tree(root);
}
