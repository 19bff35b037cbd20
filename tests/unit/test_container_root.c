/* unit_container_root: vfs_container_root builds a tree apart from the
 * sandbox's (fake gofer root: a tmpfs with /tmp, /dev, /proc), and
 * vfs_container_root_put detaches it. */
#include <criterion/criterion.h>
#include <errno.h>
#include <fcntl.h>
#include <string.h>
#include "sentry/kernel.h"
#include "sentry/task.h"
#include "vfs/vfs_impl.h"

static struct task sandbox_task, container_task;
static struct task *sb = &sandbox_task, *ct = &container_task;

static void as_root(struct task *t, struct mount *m)
{
	struct path root = { m, m->root };
	t->fs = fs_context_new(&root);
	memset(&t->cred, 0, sizeof(t->cred));
	t->cred.cap_effective = t->cred.cap_permitted = ~0ULL;
}

static void setup(void)
{
	cr_assert_eq(vfs_init(-1, false), 0);
	as_root(sb, kernel.root_mount);
	current = sb;
}

TestSuite(container_root, .init = setup);

static bool exists(struct task *t, const char *p)
{
	struct path x;
	if (path_lookup(t, AT_FDCWD, p, 0, &x))
		return false;
	path_put(&x);
	return true;
}

static int create(struct task *t, const char *p)
{
	struct file *f;
	int err = vfs_open(t, AT_FDCWD, p, O_CREAT | O_WRONLY, 0644, &f);
	if (!err)
		file_put(f);
	return err;
}

/* The mount at p in t's tree, or NULL. */
static struct mount *mount_at_path(struct task *t, const char *p)
{
	struct path x;
	if (path_lookup(t, AT_FDCWD, p, LOOKUP_FOLLOW, &x))
		return NULL;
	struct mount *m = x.dentry == x.mnt->root ? x.mnt : NULL;
	path_put(&x);
	return m;
}

Test(container_root, own_tree_and_mounts)
{
	struct kernel_mount data = { .kind = KMOUNT_TMPFS, .dest = "/data", .mode = -1, .gofer_fd = -1 };
	struct mount *root, *sandbox_root = kernel.root_mount;
	cr_assert_eq(vfs_container_root(-1, false, &data, 1, &root), 0);
	cr_assert_eq(root->parent, root, "a tree of its own");
	cr_assert_eq(kernel.root_mount, sandbox_root, "the kernel's root is back");
	as_root(ct, root);
	/* /tmp and the spec's mount are the container's own */
	cr_assert_not_null(mount_at_path(ct, "/tmp"));
	cr_assert_neq(mount_at_path(ct, "/tmp"), mount_at_path(sb, "/tmp"));
	cr_assert_not_null(mount_at_path(ct, "/data"));
	cr_assert(!exists(sb, "/data"));
	cr_assert_eq(create(ct, "/tmp/x"), 0);
	cr_assert_eq(create(ct, "/data/y"), 0);
	cr_assert(exists(ct, "/tmp/x"));
	cr_assert(!exists(sb, "/tmp/x"), "the sandbox's /tmp is another tmpfs");
	/* the writable overlay root: files land in the container's upper layer */
	cr_assert_eq(create(ct, "/z"), 0);
	cr_assert(!exists(sb, "/z"));
	vfs_container_root_put(root);
	/* detached: the container's task keeps its root, its mounts are gone */
	cr_assert(!exists(ct, "/tmp/x"));
	cr_assert(!exists(ct, "/data/y"));
	cr_assert(exists(ct, "/z"));
	fs_context_put(ct->fs);
	cr_assert(exists(sb, "/tmp"));
}

Test(container_root, readonly_root)
{
	struct mount *root;
	cr_assert_eq(vfs_container_root(-1, true, NULL, 0, &root), 0);
	as_root(ct, root);
	cr_assert_eq(create(ct, "/z"), -EROFS);
	cr_assert_eq(create(ct, "/tmp/z"), 0, "/tmp is a tmpfs of its own");
	vfs_container_root_put(root);
	fs_context_put(ct->fs);
}

Test(container_root, failed_mount_frees_the_tree)
{
	/* a bind of a file the gofer does not have */
	struct kernel_mount bad = { .kind = KMOUNT_BIND, .dest = "/f", .gofer_fd = -1, .name = "missing" };
	struct mount *root = NULL, *sandbox_root = kernel.root_mount;
	cr_assert_lt(vfs_container_root(-1, false, &bad, 1, &root), 0);
	cr_assert_null(root);
	cr_assert_eq(kernel.root_mount, sandbox_root, "the kernel's root is back");
	cr_assert(exists(sb, "/tmp"));
}
