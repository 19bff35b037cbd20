/* Root, cwd and umask of a task (shared with CLONE_FS). */
#include <stdlib.h>
#include "vfs_impl.h"

struct fs_context *fs_context_new(const struct path *root)
{
	struct fs_context *fs = calloc(1, sizeof(*fs));
	if (!fs)
		return NULL;
	fs->refs = 1;
	fs->root = *root;
	fs->cwd = *root;
	path_get(root);
	path_get(root);
	fs->umask = 022;
	return fs;
}

struct fs_context *fs_context_dup(struct fs_context *old)
{
	struct fs_context *fs = fs_context_new(&old->root);
	if (!fs)
		return NULL;
	path_put(&fs->cwd);
	fs->cwd = old->cwd;
	path_get(&fs->cwd);
	fs->umask = old->umask;
	return fs;
}

void fs_context_put(struct fs_context *fs)
{
	if (!fs || --fs->refs > 0)
		return;
	path_put(&fs->root);
	path_put(&fs->cwd);
	free(fs);
}
