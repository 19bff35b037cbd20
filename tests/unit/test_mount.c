/* unit_mount: the mount tree of vfs/mount.c on a tmpfs root. */
#include <criterion/criterion.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <sys/mount.h>
#include "sentry/kernel.h"
#include "sentry/task.h"
#include "vfs/vfs_impl.h"

static struct task task;
static struct task *t = &task;

static void setup(void)
{
	cr_assert_eq(vfs_init(-1, false), 0);
	struct path root = { kernel.root_mount, kernel.root };
	task.fs = fs_context_new(&root);
	task.files = fdtable_new();
	memset(&task.cred, 0, sizeof(task.cred));
	task.cred.cap_effective = task.cred.cap_permitted = ~0ULL;
	current = &task;
}

TestSuite(mount, .init = setup);

static struct path at(const char *p)
{
	struct path x;
	cr_assert_eq(path_lookup(t, AT_FDCWD, p, LOOKUP_FOLLOW, &x), 0, "lookup %s", p);
	return x;
}

static void mkdirs(const char *p)
{
	cr_assert_eq(vfs_mkdir(t, AT_FDCWD, p, 0755), 0, "mkdir %s", p);
}

static void mkfile(const char *p)
{
	struct file *f;
	cr_assert_eq(vfs_open(t, AT_FDCWD, p, O_CREAT | O_WRONLY, 0644, &f), 0, "create %s", p);
	file_put(f);
}

static bool exists(const char *p)
{
	struct path x;
	if (path_lookup(t, AT_FDCWD, p, 0, &x))
		return false;
	path_put(&x);
	return true;
}

static int mount_tmpfs(const char *where, const char *opts)
{
	struct tmpfs_opts o = { 0 };
	char buf[128], *save = NULL;
	snprintf(buf, sizeof(buf), "%s", opts ? opts : "");
	for (char *tok = strtok_r(buf, ",", &save); tok; tok = strtok_r(NULL, ",", &save)) {
		char *v = strchr(tok, '=');
		if (v)
			*v++ = 0;
		cr_assert_eq(tmpfs_parse_opt(&o, tok, v), 0, "option %s", tok);
	}
	struct super_block *sb = tmpfs_new_opts(&o);
	cr_assert_not_null(sb);
	struct path p = at(where);
	sb->mounts++;
	int err = mount_add(&p, sb, 0, "none");
	if (--sb->mounts == 0)
		sb->kill(sb);
	path_put(&p);
	return err;
}

static int do_umount(const char *where, int flags)
{
	struct path p = at(where);
	int err = p.dentry == p.mnt->root ? mount_umount(p.mnt, flags, &t->fs->root) : -EINVAL;
	dentry_put(p.dentry);
	mount_put_noexpire(p.mnt);
	return err;
}

/* mountinfo lines "id parent root mountpoint fstype opts optional" */
struct lines {
	char buf[4096];
	size_t len;
	int n;
};

static void one(const struct mount_info *mi, void *arg)
{
	struct lines *l = arg;
	l->len += (size_t)snprintf(l->buf + l->len, sizeof(l->buf) - l->len, "%d %d %s %s %s %s%s [%s]\n",
				   mi->id, mi->parent_id, mi->root, mi->mountpoint, mi->fstype,
				   mi->mnt_opts, "", mi->optional);
	l->n++;
}

static struct lines *info(void)
{
	static struct lines l;
	memset(&l, 0, sizeof(l));
	vfs_for_each_mount(NULL, one, &l);
	return &l;
}

Test(mount, tmpfs_busy_and_umount)
{
	mkdirs("/tmp/m");
	cr_assert_eq(mount_tmpfs("/tmp/m", "size=64k,nr_inodes=3"), 0);
	mkfile("/tmp/m/a");
	mkfile("/tmp/m/b");
	struct file *f;
	cr_assert_eq(vfs_open(t, AT_FDCWD, "/tmp/m/c", O_CREAT | O_WRONLY, 0644, &f), -ENOSPC);
	cr_assert_eq(vfs_open(t, AT_FDCWD, "/tmp/m/a", O_RDONLY, 0, &f), 0);
	cr_assert_eq(do_umount("/tmp/m", 0), -EBUSY);
	file_put(f);
	cr_assert_eq(do_umount("/tmp/m", 0), 0);
	cr_assert(!exists("/tmp/m/a"));
	cr_assert_eq(do_umount("/tmp/m", 0), -EINVAL);
	cr_assert_eq(do_umount("/", 0), -EINVAL, "the root mount stays");
}

Test(mount, detach_keeps_open_files)
{
	mkdirs("/tmp/m");
	cr_assert_eq(mount_tmpfs("/tmp/m", NULL), 0);
	struct file *f;
	cr_assert_eq(vfs_open(t, AT_FDCWD, "/tmp/m/f", O_CREAT | O_RDWR, 0644, &f), 0);
	cr_assert_eq(vfs_write(f, "data", 4, NULL), 4);
	cr_assert_eq(do_umount("/tmp/m", MNT_DETACH), 0);
	cr_assert(!exists("/tmp/m/f"));
	char buf[8] = { 0 };
	cr_assert_eq(kernel_pread(f, buf, sizeof(buf), 0), 4);
	cr_assert_str_eq(buf, "data");
	cr_assert(f->path.mnt->detached);
	file_put(f);    /* frees the mount and the tmpfs (ASan would see a leak) */
}

Test(mount, expire)
{
	mkdirs("/tmp/m");
	cr_assert_eq(mount_tmpfs("/tmp/m", NULL), 0);
	cr_assert_eq(do_umount("/tmp/m", MNT_EXPIRE | MNT_DETACH), -EINVAL);
	cr_assert_eq(do_umount("/tmp/m", MNT_EXPIRE), -EAGAIN);
	cr_assert(exists("/tmp/m/."), "a use clears the mark");
	cr_assert_eq(do_umount("/tmp/m", MNT_EXPIRE), -EAGAIN);
	cr_assert_eq(do_umount("/tmp/m", MNT_EXPIRE), 0);
}

Test(mount, bind_rec_and_busy_children)
{
	mkdirs("/tmp/a");
	mkdirs("/tmp/a/sub");
	mkdirs("/tmp/b");
	mkdirs("/tmp/c");
	cr_assert_eq(mount_tmpfs("/tmp/a/sub", NULL), 0);
	mkfile("/tmp/a/sub/in");
	struct path from = at("/tmp/a"), to = at("/tmp/b");
	cr_assert_eq(mount_bind(&from, &to, false), 0);
	path_put(&to);
	cr_assert(!exists("/tmp/b/sub/in"), "no submount without MS_REC");
	to = at("/tmp/c");
	cr_assert_eq(mount_bind(&from, &to, true), 0);
	path_put(&to);
	path_put(&from);
	cr_assert(exists("/tmp/c/sub/in"));
	cr_assert_eq(do_umount("/tmp/c", 0), -EBUSY, "a submount");
	cr_assert_eq(do_umount("/tmp/c", MNT_DETACH), 0, "and everything below");
	cr_assert(!exists("/tmp/c/sub/in"));
	cr_assert_eq(do_umount("/tmp/b", 0), 0);
	cr_assert_eq(do_umount("/tmp/a/sub", 0), 0);
}

Test(mount, bind_into_itself_copies_once)
{
	mkdirs("/tmp/x");
	mkdirs("/tmp/x/y");
	int before = info()->n;
	struct path from = at("/tmp"), to = at("/tmp/x/y");
	cr_assert_eq(mount_bind(&from, &to, true), 0);
	path_put(&from);
	path_put(&to);
	cr_assert_eq(info()->n, before + 1, "one new mount:\n%s", info()->buf);
	cr_assert(exists("/tmp/x/y/x/y"));
	cr_assert(!exists("/tmp/x/y/x/y/x"));
	cr_assert_eq(do_umount("/tmp/x/y", 0), 0);
}

Test(mount, move_and_loop)
{
	mkdirs("/tmp/m");
	mkdirs("/tmp/n");
	cr_assert_eq(mount_tmpfs("/tmp/m", NULL), 0);
	mkdirs("/tmp/m/inner");
	mkfile("/tmp/m/f");
	struct path from = at("/tmp/m"), to = at("/tmp/m/inner");
	cr_assert_eq(mount_move(&from, &to), -ELOOP);
	path_put(&to);
	to = at("/tmp/n");
	cr_assert_eq(mount_move(&from, &to), 0);
	path_put(&to);
	path_put(&from);
	cr_assert(exists("/tmp/n/f") && !exists("/tmp/m/f"));
	cr_assert_eq(do_umount("/tmp/n", 0), 0);
}

Test(mount, mountinfo_fields)
{
	mkdirs("/tmp/a");
	mkdirs("/tmp/a/d");
	mkdirs("/tmp/b");
	cr_assert_eq(mount_tmpfs("/tmp/a", "size=1m,mode=700,uid=5"), 0);
	mkdirs("/tmp/a/d");
	struct path from = at("/tmp/a/d"), to = at("/tmp/b");
	mount_set_propagation(from.mnt, MS_SHARED, false);
	cr_assert_eq(mount_bind(&from, &to, false), 0);
	path_put(&to);
	struct lines *l = info();
	char want[160];
	int id = from.mnt->id;
	snprintf(want, sizeof(want), "%d %d / /tmp/a tmpfs rw,relatime [shared:", id,
		 from.mnt->parent->id);
	cr_assert(strstr(l->buf, want), "%s\nnot in\n%s", want, l->buf);
	snprintf(want, sizeof(want), " /d /tmp/b tmpfs rw,relatime [shared:");
	cr_assert(strstr(l->buf, want), "%s\nnot in\n%s", want, l->buf);
	char opts[128] = "";
	from.mnt->sb->show_options(from.mnt->sb, opts, sizeof(opts));
	cr_assert_str_eq(opts, ",size=1024k,mode=700,uid=5");
	mount_set_propagation(from.mnt, MS_SLAVE, false);
	cr_assert_eq(from.mnt->shared_id, 0);
	cr_assert_neq(from.mnt->master_id, 0, "a slave of its peer");
	path_put(&from);
	cr_assert_eq(do_umount("/tmp/b", 0), 0);
	cr_assert_eq(do_umount("/tmp/a", 0), 0);
}

Test(mount, mountinfo_from_a_chroot)
{
	mkdirs("/tmp/j");
	mkdirs("/tmp/j/m");
	cr_assert_eq(mount_tmpfs("/tmp/j/m", NULL), 0);
	struct path j = at("/tmp/j");
	struct lines l = { 0 };
	vfs_for_each_mount(&j, one, &l);
	path_put(&j);
	cr_assert_eq(l.n, 1, "only the mount below the root:\n%s", l.buf);
	cr_assert(strstr(l.buf, " / /m tmpfs "), "%s", l.buf);
	cr_assert_eq(do_umount("/tmp/j/m", 0), 0);
}
