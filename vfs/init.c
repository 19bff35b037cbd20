/* The initial mount tree: the root (goferfs, or the overlay of goferfs and
 * a tmpfs: overlay/root.c), /tmp (tmpfs), /dev (devfs), /proc. */
#include <errno.h>
#include <fcntl.h>
#include "vfs_impl.h"
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
		return;
	}
	if (!mount_new(sb, p.mnt, p.dentry, flags, source))
		log_warn("vfs: out of memory mounting %s", where);
	path_put(&p);
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
	mount_at("/proc", procfs_new(), MNT_NOSUID | MNT_NODEV | MNT_NOEXEC, "proc");
	return 0;
}

int vfs_init(int gofer_fd, bool root_readonly)
{
	return vfs_init_root(goferfs_new(gofer_fd, root_readonly),
			     root_readonly ? MNT_RDONLY : 0, "none");
}
