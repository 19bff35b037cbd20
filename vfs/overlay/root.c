/* The default root: the read-only gofer root under a private tmpfs. */
#include <errno.h>
#include "overlay.h"

int vfs_init_overlay(int gofer_fd)
{
	struct super_block *lower = goferfs_new(gofer_fd, true), *upper = tmpfs_new();
	if (!lower || !upper)
		return -EIO;
	return vfs_init_root(overlay_new(lower, upper), 0, "overlay");
}
