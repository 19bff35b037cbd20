/* unit_vfs: path resolution, open, namespace operations and tmpfs/devfs. */
#include <criterion/criterion.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <sys/file.h>
#include <sys/sysmacros.h>
#include <sys/vfs.h>
#include "sentry/kernel.h"
#include "sentry/task.h"
#include "vfs/vfs_impl.h"

static struct task task;
static struct task *t = &task;

static void setup_ro(bool ro)
{
	cr_assert_eq(vfs_init(-1, ro), 0);
	struct path root = { kernel.root_mount, kernel.root };
	task.fs = fs_context_new(&root);
	task.files = fdtable_new();
	memset(&task.cred, 0, sizeof(task.cred));
	task.cred.cap_effective = task.cred.cap_permitted = ~0ULL;
	current = &task;
}

static void setup(void) { setup_ro(false); }

static void become_user(uint32_t uid)
{
	task.cred.uid = task.cred.euid = task.cred.fsuid = uid;
	task.cred.gid = task.cred.egid = task.cred.fsgid = uid;
	task.cred.cap_effective = 0;
}

static int lookup(const char *p, int flags, struct path *out)
{
	return path_lookup(t, AT_FDCWD, p, flags, out);
}

static struct inode *ino_of(const char *p, int flags)
{
	struct path x;
	cr_assert_eq(lookup(p, flags, &x), 0, "lookup %s", p);
	struct inode *i = x.dentry->inode;
	path_put(&x);
	return i;
}

static void mkfile(const char *p, const char *data)
{
	struct file *f;
	cr_assert_eq(vfs_open(t, AT_FDCWD, p, O_CREAT | O_WRONLY | O_TRUNC, 0644, &f), 0, "create %s", p);
	if (data)
		cr_assert_eq(vfs_write(f, data, strlen(data), NULL), (ssize_t)strlen(data));
	file_put(f);
}

static char *pathstr(const char *p, char *buf)
{
	struct path x;
	cr_assert_eq(lookup(p, LOOKUP_FOLLOW, &x), 0, "lookup %s", p);
	cr_assert_geq(path_to_string(&t->fs->root, &x, buf, 256), 0);
	path_put(&x);
	return buf;
}

TestSuite(vfs, .init = setup);

Test(vfs, dotdot_and_slashes)
{
	char b[256];
	cr_assert_eq(vfs_mkdir(t, AT_FDCWD, "/tmp/a", 0755), 0);
	cr_assert_eq(vfs_mkdir(t, AT_FDCWD, "/tmp/a/b", 0755), 0);
	cr_assert_str_eq(pathstr("/tmp/a/b/../..", b), "/tmp");
	cr_assert_str_eq(pathstr("/../..", b), "/");
	cr_assert_str_eq(pathstr("//tmp///a//b//", b), "/tmp/a/b");
	cr_assert_str_eq(pathstr("/tmp/a/./b/.", b), "/tmp/a/b");
	struct path x;
	cr_assert_eq(lookup("", 0, &x), -ENOENT);
	cr_assert_eq(lookup("/tmp/nope/x", 0, &x), -ENOENT);
	char longname[300];
	memset(longname, 'x', 299);
	longname[0] = '/';
	longname[299] = 0;
	cr_assert_eq(lookup(longname, 0, &x), -ENAMETOOLONG);
}

Test(vfs, chroot_dotdot_stays_inside)
{
	char b[256];
	struct path x;
	cr_assert_eq(vfs_mkdir(t, AT_FDCWD, "/tmp/jail", 0755), 0);
	cr_assert_eq(lookup("/tmp/jail", 0, &x), 0);
	path_put(&t->fs->root);
	t->fs->root = x;
	path_put(&t->fs->cwd);
	t->fs->cwd = x;
	path_get(&x);
	cr_assert_str_eq(pathstr("/../../..", b), "/");
	struct path y;
	cr_assert_eq(lookup("../..", 0, &y), 0);
	cr_assert_eq(y.dentry, x.dentry);
	path_put(&y);
}

Test(vfs, trailing_slash_on_file)
{
	struct path x;
	mkfile("/tmp/f", "hi");
	cr_assert_eq(lookup("/tmp/f/", LOOKUP_FOLLOW, &x), -ENOTDIR);
	cr_assert_eq(lookup("/tmp/f/x", LOOKUP_FOLLOW, &x), -ENOTDIR);
	cr_assert_eq(lookup("/tmp/f", LOOKUP_DIRECTORY, &x), -ENOTDIR);
	cr_assert_eq(lookup("/tmp/f", 0, &x), 0);
	path_put(&x);
}

Test(vfs, symlinks)
{
	struct path x;
	cr_assert_eq(vfs_mkdir(t, AT_FDCWD, "/tmp/d", 0755), 0);
	mkfile("/tmp/d/file", "x");
	cr_assert_eq(vfs_symlink(t, "d", AT_FDCWD, "/tmp/l2"), 0);
	cr_assert_eq(vfs_symlink(t, "l2", AT_FDCWD, "/tmp/l1"), 0);
	cr_assert_eq(vfs_symlink(t, "/tmp/l1/file", AT_FDCWD, "/tmp/abs"), 0);
	cr_assert_eq(vfs_symlink(t, "../d/file", AT_FDCWD, "/tmp/d/rel"), 0);
	cr_assert(S_ISDIR(ino_of("/tmp/l1", LOOKUP_FOLLOW)->mode));
	cr_assert(S_ISLNK(ino_of("/tmp/l1", 0)->mode));
	cr_assert(S_ISDIR(ino_of("/tmp/l1/", 0)->mode), "trailing slash follows");
	cr_assert_eq(ino_of("/tmp/abs", LOOKUP_FOLLOW), ino_of("/tmp/d/file", 0));
	cr_assert_eq(ino_of("/tmp/l1/rel", LOOKUP_FOLLOW), ino_of("/tmp/d/file", 0));
	cr_assert_eq(vfs_symlink(t, "loop", AT_FDCWD, "/tmp/loop"), 0);
	cr_assert_eq(lookup("/tmp/loop", LOOKUP_FOLLOW, &x), -ELOOP);
	cr_assert_eq(lookup("/tmp/loop/x", 0, &x), -ELOOP);
	cr_assert_eq(vfs_symlink(t, "nowhere", AT_FDCWD, "/tmp/dangling"), 0);
	cr_assert_eq(lookup("/tmp/dangling", LOOKUP_FOLLOW, &x), -ENOENT);

	char name[32], target[32];
	/* s0 -> s1 -> ... -> s40 -> d: 41 hops from s0, 40 from s1 */
	for (int k = 0; k <= 40; k++) {
		snprintf(name, sizeof(name), "/tmp/s%d", k);
		if (k == 40)
			snprintf(target, sizeof(target), "d");
		else
			snprintf(target, sizeof(target), "s%d", k + 1);
		cr_assert_eq(vfs_symlink(t, target, AT_FDCWD, name), 0);
	}
	cr_assert_eq(lookup("/tmp/s1", LOOKUP_FOLLOW, &x), 0);
	path_put(&x);
	cr_assert_eq(lookup("/tmp/s0", LOOKUP_FOLLOW, &x), -ELOOP);
}

Test(vfs, mount_crossing)
{
	char b[256];
	struct path x;
	cr_assert_eq(vfs_mkdir(t, AT_FDCWD, "/tmp/m", 0755), 0);
	struct inode *tmproot = ino_of("/tmp", LOOKUP_FOLLOW);
	cr_assert_str_eq(tmproot->sb->fstype, "tmpfs");
	cr_assert_neq(tmproot->sb, kernel.root->inode->sb, "crossed into the /tmp mount");
	cr_assert_eq(ino_of("/tmp/m/../..", 0), kernel.root->inode, "back up through the mount root");
	cr_assert_str_eq(pathstr("/tmp/m/..", b), "/tmp");
	cr_assert_str_eq(pathstr("/dev/../tmp/m", b), "/tmp/m");
	/* a mount on a directory inside a mounted fs */
	cr_assert_eq(lookup("/tmp/m", 0, &x), 0);
	struct super_block *sb = tmpfs_new();
	cr_assert_not_null(mount_new(sb, x.mnt, x.dentry, MNT_RDONLY, "inner"));
	path_put(&x);
	cr_assert_eq(ino_of("/tmp/m", 0), sb->root->inode);
	struct file *f;
	cr_assert_eq(vfs_open(t, AT_FDCWD, "/tmp/m/new", O_CREAT | O_WRONLY, 0644, &f), -EROFS);
	char mounts[1024];
	mounts_render(mounts, sizeof(mounts));
	cr_assert(strstr(mounts, "none /tmp tmpfs rw 0 0\n"), "%s", mounts);
	cr_assert(strstr(mounts, "inner /tmp/m tmpfs ro 0 0\n"), "%s", mounts);
	cr_assert(strstr(mounts, "proc /proc tmpfs rw,nosuid,nodev,noexec 0 0\n"), "%s", mounts);
}

Test(vfs, open_flags)
{
	struct file *f;
	cr_assert_eq(vfs_open(t, AT_FDCWD, "/tmp/x", O_CREAT | O_EXCL | O_RDWR, 0600, &f), 0);
	cr_assert_eq(vfs_write(f, "hello", 5, NULL), 5);
	file_put(f);
	cr_assert_eq(vfs_open(t, AT_FDCWD, "/tmp/x", O_CREAT | O_EXCL | O_RDWR, 0600, &f), -EEXIST);
	cr_assert_eq(vfs_open(t, AT_FDCWD, "/tmp/x", O_RDONLY | O_DIRECTORY, 0, &f), -ENOTDIR);
	cr_assert_eq(vfs_open(t, AT_FDCWD, "/tmp", O_WRONLY, 0, &f), -EISDIR);
	cr_assert_eq(vfs_open(t, AT_FDCWD, "/tmp/", O_CREAT | O_RDWR, 0600, &f), -EISDIR);
	cr_assert_eq(vfs_open(t, AT_FDCWD, "/tmp/x", O_TMPFILE | O_RDWR, 0600, &f), -ENOTDIR);

	/* append */
	cr_assert_eq(vfs_open(t, AT_FDCWD, "/tmp/x", O_WRONLY | O_APPEND, 0, &f), 0);
	cr_assert_eq(vfs_write(f, "!", 1, NULL), 1);
	char buf[16] = { 0 };
	cr_assert_eq(vfs_read(f, buf, 5, NULL), -EBADF);
	file_put(f);
	cr_assert_eq(vfs_open(t, AT_FDCWD, "/tmp/x", O_RDONLY, 0, &f), 0);
	cr_assert_eq(vfs_read(f, buf, sizeof(buf), NULL), 6);
	cr_assert_str_eq(buf, "hello!");
	cr_assert_eq(vfs_write(f, "x", 1, NULL), -EBADF);
	cr_assert_eq(vfs_llseek(f, -1, SEEK_END), 5);
	cr_assert_eq(vfs_llseek(f, -10, SEEK_CUR), -EINVAL);
	cr_assert_eq(kernel_pread(f, buf, 3, 1), 3);
	file_put(f);

	/* truncate */
	cr_assert_eq(vfs_open(t, AT_FDCWD, "/tmp/x", O_RDWR | O_TRUNC, 0, &f), 0);
	cr_assert_eq(f->inode->size, 0);
	file_put(f);

	/* symlinks: O_NOFOLLOW, dangling O_CREAT creates the target */
	cr_assert_eq(vfs_symlink(t, "made", AT_FDCWD, "/tmp/dl"), 0);
	cr_assert_eq(vfs_open(t, AT_FDCWD, "/tmp/dl", O_RDONLY | O_NOFOLLOW, 0, &f), -ELOOP);
	cr_assert_eq(vfs_open(t, AT_FDCWD, "/tmp/dl", O_CREAT | O_EXCL | O_RDWR, 0600, &f), -EEXIST);
	cr_assert_eq(vfs_open(t, AT_FDCWD, "/tmp/dl", O_CREAT | O_RDWR, 0600, &f), 0);
	file_put(f);
	cr_assert(S_ISREG(ino_of("/tmp/made", 0)->mode));

	/* O_PATH */
	cr_assert_eq(vfs_open(t, AT_FDCWD, "/tmp/x", O_PATH, 0, &f), 0);
	cr_assert_eq(vfs_read(f, buf, 1, NULL), -EBADF);
	cr_assert_eq(vfs_write(f, buf, 1, NULL), -EBADF);
	file_put(f);

	/* umask applies */
	t->fs->umask = 077;
	mkfile("/tmp/um", NULL);
	cr_assert_eq(ino_of("/tmp/um", 0)->mode & 0777, 0600);
}

Test(vfs, readonly_root)
{
	struct file *f;
	/* re-init with a read-only root */
	setup_ro(true);
	cr_assert_eq(vfs_open(t, AT_FDCWD, "/newfile", O_CREAT | O_WRONLY, 0644, &f), -EROFS);
	cr_assert_eq(vfs_mkdir(t, AT_FDCWD, "/newdir", 0755), -EROFS);
	cr_assert_eq(vfs_mkdir(t, AT_FDCWD, "/tmp", 0755), -EEXIST);
	cr_assert_eq(vfs_open(t, AT_FDCWD, "/tmp/ok", O_CREAT | O_WRONLY, 0644, &f), 0);
	file_put(f);
}

Test(vfs, rename_rules)
{
	cr_assert_eq(vfs_mkdir(t, AT_FDCWD, "/tmp/d1", 0755), 0);
	cr_assert_eq(vfs_mkdir(t, AT_FDCWD, "/tmp/d2", 0755), 0);
	cr_assert_eq(vfs_mkdir(t, AT_FDCWD, "/tmp/full", 0755), 0);
	mkfile("/tmp/full/f", "1");
	mkfile("/tmp/f1", "one");
	mkfile("/tmp/f2", "two");
	cr_assert_eq(vfs_rename(t, AT_FDCWD, "/tmp/d1", AT_FDCWD, "/tmp/f1", 0), -ENOTDIR);
	cr_assert_eq(vfs_rename(t, AT_FDCWD, "/tmp/f1", AT_FDCWD, "/tmp/d1", 0), -EISDIR);
	cr_assert_eq(vfs_rename(t, AT_FDCWD, "/tmp/d1", AT_FDCWD, "/tmp/full", 0), -ENOTEMPTY);
	cr_assert_eq(vfs_rename(t, AT_FDCWD, "/tmp/d1", AT_FDCWD, "/tmp/d1/sub", 0), -EINVAL);
	cr_assert_eq(vfs_rename(t, AT_FDCWD, "/tmp/f1", AT_FDCWD, "/tmp/f2", RENAME_NOREPLACE), -EEXIST);
	cr_assert_eq(vfs_rename(t, AT_FDCWD, "/tmp/f1", AT_FDCWD, "/tmp/f2", 8 /* WHITEOUT */), -EINVAL);
	cr_assert_eq(vfs_rename(t, AT_FDCWD, "/tmp/f1", AT_FDCWD, "/tmp/f2",
				RENAME_NOREPLACE | RENAME_EXCHANGE), -EINVAL);
	cr_assert_eq(vfs_rename(t, AT_FDCWD, "/tmp/f1", AT_FDCWD, "/tmp/zz", RENAME_EXCHANGE), -ENOENT);
	cr_assert_eq(vfs_rename(t, AT_FDCWD, "/tmp/f1/", AT_FDCWD, "/tmp/f3", 0), -ENOTDIR);
	cr_assert_eq(vfs_rename(t, AT_FDCWD, "/tmp/f1", AT_FDCWD, "/dev/f1", 0), -EXDEV);

	struct inode *i1 = ino_of("/tmp/f1", 0), *i2 = ino_of("/tmp/f2", 0);
	cr_assert_eq(vfs_rename(t, AT_FDCWD, "/tmp/f1", AT_FDCWD, "/tmp/f2", RENAME_EXCHANGE), 0);
	cr_assert_eq(ino_of("/tmp/f1", 0), i2);
	cr_assert_eq(ino_of("/tmp/f2", 0), i1);

	/* replace: the victim loses its link; the source name disappears */
	struct file *keep;
	cr_assert_eq(vfs_open(t, AT_FDCWD, "/tmp/f2", O_RDONLY, 0, &keep), 0);
	cr_assert_eq(vfs_rename(t, AT_FDCWD, "/tmp/f1", AT_FDCWD, "/tmp/f2", 0), 0);
	cr_assert_eq(keep->inode->nlink, 0);
	struct path x;
	cr_assert_eq(lookup("/tmp/f1", 0, &x), -ENOENT);
	cr_assert_eq(ino_of("/tmp/f2", 0), i2);
	file_put(keep);

	/* directory moves keep nlink right; empty dir replaced */
	cr_assert_eq(vfs_rename(t, AT_FDCWD, "/tmp/d1", AT_FDCWD, "/tmp/d2", 0), 0);
	cr_assert_eq(vfs_rename(t, AT_FDCWD, "/tmp/d2", AT_FDCWD, "/tmp/full/d", 0), 0);
	cr_assert_eq(ino_of("/tmp/full", 0)->nlink, 3);
	char b[256];
	cr_assert_str_eq(pathstr("/tmp/full/d/..", b), "/tmp/full");
}

Test(vfs, unlink_rmdir_link)
{
	cr_assert_eq(vfs_mkdir(t, AT_FDCWD, "/tmp/d", 0755), 0);
	mkfile("/tmp/d/f", "x");
	cr_assert_eq(vfs_rmdir(t, AT_FDCWD, "/tmp/d"), -ENOTEMPTY);
	cr_assert_eq(vfs_unlink(t, AT_FDCWD, "/tmp/d"), -EISDIR);
	cr_assert_eq(vfs_rmdir(t, AT_FDCWD, "/tmp/d/f"), -ENOTDIR);
	cr_assert_eq(vfs_rmdir(t, AT_FDCWD, "/tmp/d/."), -EINVAL);
	cr_assert_eq(vfs_link(t, AT_FDCWD, "/tmp/d/f", AT_FDCWD, "/tmp/hard", 0), 0);
	cr_assert_eq(ino_of("/tmp/hard", 0)->nlink, 2);
	cr_assert_eq(vfs_link(t, AT_FDCWD, "/tmp/d", AT_FDCWD, "/tmp/dl", 0), -EPERM);
	cr_assert_eq(vfs_link(t, AT_FDCWD, "/tmp/d/f", AT_FDCWD, "/tmp/hard", 0), -EEXIST);
	cr_assert_eq(vfs_unlink(t, AT_FDCWD, "/tmp/d/f"), 0);
	cr_assert_eq(ino_of("/tmp/hard", 0)->nlink, 1);
	cr_assert_eq(vfs_rmdir(t, AT_FDCWD, "/tmp/d"), 0);
	cr_assert_eq(ino_of("/tmp", 0)->nlink, 2);
	cr_assert_eq(vfs_rmdir(t, AT_FDCWD, "/tmp"), -EBUSY);
}

struct collect {
	struct dir_context ctx;
	int max, n;
	char names[64][16];
};

static bool collect_emit(struct dir_context *ctx, const char *name, size_t len, uint64_t ino,
			 unsigned type)
{
	struct collect *c = (struct collect *)ctx;
	if (c->n >= c->max)
		return false;
	snprintf(c->names[c->n++], 16, "%.*s", (int)len, name);
	return true;
}

Test(vfs, getdents_stable_cookies)
{
	char p[64];
	cr_assert_eq(vfs_mkdir(t, AT_FDCWD, "/tmp/g", 0755), 0);
	for (int k = 0; k < 10; k++) {
		snprintf(p, sizeof(p), "/tmp/g/e%d", k);
		mkfile(p, NULL);
	}
	struct file *d;
	cr_assert_eq(vfs_open(t, AT_FDCWD, "/tmp/g", O_RDONLY | O_DIRECTORY, 0, &d), 0);
	struct collect c = { .ctx = { .emit = collect_emit }, .max = 5 };
	cr_assert_eq(vfs_iterate(d, &c.ctx), 0);
	cr_assert_eq(c.n, 5);
	cr_assert_str_eq(c.names[0], ".");
	cr_assert_str_eq(c.names[1], "..");
	cr_assert_str_eq(c.names[4], "e2");
	/* remove one already read and two not yet read */
	cr_assert_eq(vfs_unlink(t, AT_FDCWD, "/tmp/g/e1"), 0);
	cr_assert_eq(vfs_unlink(t, AT_FDCWD, "/tmp/g/e3"), 0);
	cr_assert_eq(vfs_unlink(t, AT_FDCWD, "/tmp/g/e7"), 0);
	c.max = 64;
	cr_assert_eq(vfs_iterate(d, &c.ctx), 0);
	const char *want[] = { ".", "..", "e0", "e1", "e2", "e4", "e5", "e6", "e8", "e9" };
	cr_assert_eq(c.n, 10);
	for (int k = 0; k < 10; k++)
		cr_assert_str_eq(c.names[k], want[k]);
	/* rewind and read all */
	cr_assert_eq(vfs_llseek(d, 0, SEEK_SET), 0);
	c.n = 0;
	cr_assert_eq(vfs_iterate(d, &c.ctx), 0);
	cr_assert_eq(c.n, 2 + 7);
	file_put(d);
}

Test(vfs, permissions_non_root)
{
	struct file *f;
	cr_assert_eq(vfs_mkdir(t, AT_FDCWD, "/tmp/priv", 0700), 0);
	mkfile("/tmp/priv/secret", "s");
	mkfile("/tmp/rootonly", "r");
	struct iattr ia = { .valid = ATTR_MODE, .mode = 0600 };
	struct path p;
	cr_assert_eq(lookup("/tmp/rootonly", 0, &p), 0);
	cr_assert_eq(vfs_setattr(t, &p, p.dentry->inode, &ia), 0);
	path_put(&p);
	cr_assert_eq(vfs_mkdir(t, AT_FDCWD, "/tmp/mine", 0755), 0);
	cr_assert_eq(lookup("/tmp/mine", 0, &p), 0);
	ia = (struct iattr){ .valid = ATTR_UID | ATTR_GID, .uid = 1000, .gid = 1000 };
	cr_assert_eq(vfs_setattr(t, &p, p.dentry->inode, &ia), 0);
	path_put(&p);

	become_user(1000);
	cr_assert_eq(lookup("/tmp/priv/secret", 0, &p), -EACCES);
	cr_assert_eq(vfs_open(t, AT_FDCWD, "/tmp/rootonly", O_RDONLY, 0, &f), -EACCES);
	cr_assert_eq(vfs_mkdir(t, AT_FDCWD, "/dev/x", 0755), -EACCES);
	cr_assert_eq(vfs_open(t, AT_FDCWD, "/tmp/mine/f", O_CREAT | O_RDWR, 0644, &f), 0);
	cr_assert_eq(f->inode->uid, 1000);
	file_put(f);
	/* sticky /tmp: cannot remove root's file */
	cr_assert_eq(vfs_unlink(t, AT_FDCWD, "/tmp/rootonly"), -EPERM);
	/* chmod of someone else's file */
	cr_assert_eq(lookup("/tmp/rootonly", 0, &p), 0);
	ia = (struct iattr){ .valid = ATTR_MODE, .mode = 0777 };
	cr_assert_eq(vfs_setattr(t, &p, p.dentry->inode, &ia), -EPERM);
	path_put(&p);
	cr_assert_eq(inode_permission(&t->cred, ino_of("/dev/null", LOOKUP_FOLLOW), MAY_READ | MAY_WRITE), 0);
}

Test(vfs, root_exec_needs_some_x_bit)
{
	mkfile("/tmp/noexec", "x");
	struct inode *i = ino_of("/tmp/noexec", 0);
	cr_assert_eq(inode_permission(&t->cred, i, MAY_EXEC), -EACCES);
	i->mode |= 0010;
	cr_assert_eq(inode_permission(&t->cred, i, MAY_EXEC), 0);
	cr_assert_eq(inode_permission(&t->cred, i, MAY_READ | MAY_WRITE), 0);
}

Test(vfs, devfs_devices)
{
	struct file *f;
	char buf[8];
	cr_assert_eq(vfs_open(t, AT_FDCWD, "/dev/null", O_RDWR, 0, &f), 0);
	cr_assert_eq(vfs_read(f, buf, sizeof(buf), NULL), 0);
	cr_assert_eq(vfs_write(f, "abc", 3, NULL), 3);
	file_put(f);
	cr_assert_eq(vfs_open(t, AT_FDCWD, "/dev/full", O_RDWR, 0, &f), 0);
	memset(buf, 1, sizeof(buf));
	cr_assert_eq(vfs_read(f, buf, sizeof(buf), NULL), 8);
	cr_assert_eq(buf[7], 0);
	cr_assert_eq(vfs_write(f, "abc", 3, NULL), -ENOSPC);
	file_put(f);
	cr_assert_eq(vfs_open(t, AT_FDCWD, "/dev/urandom", O_RDONLY, 0, &f), 0);
	cr_assert_eq(vfs_read(f, buf, sizeof(buf), NULL), 8);
	file_put(f);
	cr_assert_eq(vfs_open(t, AT_FDCWD, "/dev/tty", O_RDWR, 0, &f), -ENXIO);
	struct inode *z = ino_of("/dev/zero", 0);
	cr_assert(S_ISCHR(z->mode));
	cr_assert_eq(z->rdev, makedev(1, 5));
	cr_assert(S_ISLNK(ino_of("/dev/stdin", 0)->mode));
	cr_assert(S_ISDIR(ino_of("/dev/pts", 0)->mode));
	/* a char device made with mknod opens the same driver */
	cr_assert_eq(vfs_mknod(t, AT_FDCWD, "/tmp/mynull", S_IFCHR | 0666, makedev(1, 3)), 0);
	cr_assert_eq(vfs_open(t, AT_FDCWD, "/tmp/mynull", O_WRONLY, 0, &f), 0);
	cr_assert_eq(vfs_write(f, "abc", 3, NULL), 3);
	file_put(f);
	cr_assert_eq(vfs_mknod(t, AT_FDCWD, "/tmp/fifo", S_IFIFO | 0666, 0), 0);
	cr_assert_eq(vfs_open(t, AT_FDCWD, "/tmp/fifo", O_RDONLY, 0, &f), -ENXIO);
}

Test(vfs, fdtable_and_flock)
{
	struct file *a, *b;
	mkfile("/tmp/lock", NULL);
	cr_assert_eq(vfs_open(t, AT_FDCWD, "/tmp/lock", O_RDONLY, 0, &a), 0);
	cr_assert_eq(vfs_open(t, AT_FDCWD, "/tmp/lock", O_RDONLY, 0, &b), 0);
	cr_assert_eq(fd_install(t->files, 0, a, false), 0);
	cr_assert_eq(fd_install(t->files, 0, b, true), 1);
	cr_assert_eq(fd_install(t->files, 10, a, false), 10);
	cr_assert_eq(fd_install_at(t->files, 200, a, false), 200);
	cr_assert_eq(fd_install(t->files, 1024, a, false), -EMFILE);
	cr_assert_eq(fd_close(t->files, 0), 0);
	cr_assert_eq(fd_close(t->files, 0), -EBADF);
	cr_assert_eq(fd_install(t->files, 0, a, false), 0);
	struct fdtable *copy = fdtable_dup(t->files);
	fdtable_close_on_exec(copy);
	cr_assert_null(fd_get(copy, 1));
	struct file *g = fd_get(copy, 200);
	cr_assert_eq(g, a);
	file_put(g);
	fdtable_put(copy);

	cr_assert_eq(flock_file(t, a, LOCK_EX), 0);
	cr_assert_eq(flock_file(t, b, LOCK_SH | LOCK_NB), -EWOULDBLOCK);
	cr_assert_eq(flock_file(t, b, LOCK_EX), -ERESTARTSYS, "fake sleep reports a signal");
	cr_assert_eq(flock_file(t, a, LOCK_SH), 0);
	cr_assert_eq(flock_file(t, b, LOCK_SH | LOCK_NB), 0);
	cr_assert_eq(flock_file(t, a, LOCK_EX | LOCK_NB), -EWOULDBLOCK);
	cr_assert_eq(flock_file(t, b, LOCK_UN), 0);
	cr_assert_eq(flock_file(t, a, LOCK_EX | LOCK_NB), 0);
	cr_assert_eq(flock_file(t, a, 99), -EINVAL);
	file_put(a);
	file_put(b);
}

Test(vfs, tmpfs_attrs_and_space)
{
	struct file *f;
	mkfile("/tmp/s", NULL);
	cr_assert_eq(vfs_open(t, AT_FDCWD, "/tmp/s", O_RDWR, 0, &f), 0);
	uint64_t pos = 10000;
	cr_assert_eq(vfs_write(f, "z", 1, &pos), 1);
	cr_assert_eq(f->inode->size, 10001);
	cr_assert_eq(f->inode->blocks, 8, "sparse: only the written page");
	char c = 1;
	cr_assert_eq(kernel_pread(f, &c, 1, 5000), 1);
	cr_assert_eq(c, 0);
	cr_assert_eq(vfs_truncate_inode(t, f->inode, 3), 0);
	cr_assert_eq(f->inode->size, 3);
	pos = (2ULL << 30);   /* past the 1 GiB limit: one page, like Linux */
	cr_assert_eq(vfs_write(f, "z", 1, &pos), 1);
	struct stat st;
	vfs_getattr(f->inode, &st);
	cr_assert_eq(st.st_size, (2LL << 30) + 1);
	cr_assert_eq(st.st_blocks, 8, "one page");
	cr_assert_eq(vfs_truncate_inode(t, f->inode, 3), 0);
	struct statfs sfs;
	cr_assert_eq(vfs_statfs(f->inode, &sfs), 0);
	cr_assert_eq(sfs.f_type, 0x01021994);
	file_put(f);
}
