/* unit_overlay: the overlay filesystem with tmpfs instances as lower and
 * upper layers, driven through the real vfs core as the root mount. */
#include <criterion/criterion.h>
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/vfs.h>
#include "sentry/kernel.h"
#include "sentry/task.h"
#include "vfs/vfs_impl.h"
#include "vfs/overlay/overlay.h"

static struct task task;
static struct task *t = &task;
static struct super_block *lower, *upper;

/* ---- building the lower layer directly ---------------------------------------- */

static struct inode *lmk(struct inode *dir, const char *name, mode_t mode, const char *data)
{
	struct inode *i;
	if (S_ISDIR(mode))
		cr_assert_eq(dir->iops->mkdir(dir, name, mode, NULL, &i), 0);
	else if (S_ISLNK(mode))
		cr_assert_eq(dir->iops->symlink(dir, name, data, NULL, &i), 0);
	else
		cr_assert_eq(dir->iops->create(dir, name, mode, NULL, &i), 0);
	if (S_ISREG(mode) && data) {
		struct file *f = file_new_anon(i, i->fops, O_WRONLY);
		uint64_t pos = 0;
		cr_assert_eq(f->fops->write(f, data, strlen(data), &pos), (ssize_t)strlen(data));
		file_put(f);
	}
	return i;   /* the caller's reference */
}

static void setup(void)
{
	lower = tmpfs_new();
	upper = tmpfs_new();
	struct inode *r = lower->root->inode, *etc, *d, *x;
	r->mode = S_IFDIR | 0755;
	etc = lmk(r, "etc", S_IFDIR | 0755, NULL);
	inode_put(lmk(etc, "hostname", S_IFREG | 0644, "lowerhost\n"));
	inode_put(lmk(etc, "passwd", S_IFREG | 0600, "root:x:0:0\n"));
	inode_put(lmk(etc, "motd", S_IFLNK | 0777, "hostname"));
	d = lmk(etc, "dir", S_IFDIR | 0750, NULL);
	inode_put(lmk(d, "a", S_IFREG | 0644, "A"));
	inode_put(lmk(d, "b", S_IFREG | 0644, "B"));
	x = lmk(d, "sub", S_IFDIR | 0755, NULL);
	inode_put(lmk(x, "deep", S_IFREG | 0644, "deep"));
	inode_put(x);
	inode_put(d);
	inode_put(etc);
	inode_put(lmk(r, "tmp", S_IFDIR | 01777, NULL));
	inode_put(lmk(r, "dev", S_IFDIR | 0755, NULL));
	inode_put(lmk(r, "proc", S_IFDIR | 0555, NULL));

	struct super_block *sb = overlay_new(lower, upper);
	cr_assert_not_null(sb);
	cr_assert_eq(vfs_init_root(sb, 0, "overlay"), 0);
	struct path root = { kernel.root_mount, kernel.root };
	task.fs = fs_context_new(&root);
	task.files = fdtable_new();
	memset(&task.cred, 0, sizeof(task.cred));
	task.cred.cap_effective = task.cred.cap_permitted = ~0ULL;
	current = &task;
}

TestSuite(overlay, .init = setup);

/* ---- helpers --------------------------------------------------------------------- */

static int ostat(const char *p, struct stat *st)
{
	struct path x;
	int err = path_lookup(t, AT_FDCWD, p, 0, &x);
	if (err)
		return err;
	vfs_getattr(x.dentry->inode, st);
	path_put(&x);
	return 0;
}

static char *slurp(const char *p)
{
	static char buf[256];
	struct file *f;
	int err = vfs_open(t, AT_FDCWD, p, O_RDONLY, 0, &f);
	if (err)
		return NULL;
	ssize_t n = vfs_read(f, buf, sizeof(buf) - 1, NULL);
	file_put(f);
	buf[n > 0 ? n : 0] = '\0';
	return buf;
}

static void write_file(const char *p, int flags, const char *data)
{
	struct file *f;
	cr_assert_eq(vfs_open(t, AT_FDCWD, p, O_WRONLY | flags, 0644, &f), 0, "open %s", p);
	cr_assert_eq(vfs_write(f, data, strlen(data), NULL), (ssize_t)strlen(data));
	file_put(f);
}

/* The inode of a path in a real layer (tmpfs) or NULL. */
static struct inode *real_at(struct super_block *sb, const char *p)
{
	struct inode *i = sb->root->inode;
	inode_get(i);
	char buf[256];
	snprintf(buf, sizeof(buf), "%s", p);
	for (char *save, *c = strtok_r(buf, "/", &save); c; c = strtok_r(NULL, "/", &save)) {
		struct inode *n;
		int err = i->iops->lookup(i, c, &n);
		inode_put(i);
		if (err)
			return NULL;
		i = n;
	}
	return i;
}

static bool exists_in(struct super_block *sb, const char *p)
{
	struct inode *i = real_at(sb, p);
	if (i)
		inode_put(i);
	return i != NULL;
}

struct names {
	struct dir_context ctx;
	char list[64][64];
	uint64_t ino[64];
	int n, limit, calls;
};

static bool names_emit(struct dir_context *ctx, const char *name, size_t len, uint64_t ino,
		       unsigned type)
{
	struct names *nm = (struct names *)ctx;
	if (nm->calls >= nm->limit)
		return false;
	nm->calls++;
	cr_assert_lt(nm->n, 64);
	snprintf(nm->list[nm->n], 64, "%.*s", (int)len, name);
	nm->ino[nm->n++] = ino;
	return true;
}

/* List a directory through getdents-style calls of at most limit entries. */
static void list_dir(const char *p, struct names *nm, int limit)
{
	struct file *f;
	memset(nm, 0, sizeof(*nm));
	nm->ctx.emit = names_emit;
	cr_assert_eq(vfs_open(t, AT_FDCWD, p, O_RDONLY | O_DIRECTORY, 0, &f), 0);
	for (;;) {
		int before = nm->n;
		nm->calls = 0;
		nm->limit = limit;
		cr_assert_eq(vfs_iterate(f, &nm->ctx), 0);
		if (nm->n == before)
			break;
	}
	file_put(f);
}

static int count(struct names *nm, const char *name)
{
	int c = 0;
	for (int k = 0; k < nm->n; k++)
		c += !strcmp(nm->list[k], name);
	return c;
}

/* ---- tests ------------------------------------------------------------------------ */

Test(overlay, reads_lower)
{
	cr_assert_str_eq(slurp("/etc/hostname"), "lowerhost\n");
	cr_assert_str_eq(slurp("/etc/motd"), "lowerhost\n");   /* through the lower symlink */
	struct stat st;
	cr_assert_eq(ostat("/etc/passwd", &st), 0);
	cr_assert_eq(st.st_mode, S_IFREG | 0600);
	struct statfs sf;
	struct path root = { kernel.root_mount, kernel.root };
	cr_assert_eq(vfs_statfs(root.dentry->inode, &sf), 0);
	cr_assert_eq(sf.f_type, OVERLAYFS_MAGIC);
	cr_assert_eq(kernel.root->inode->mode, S_IFDIR | 0755);
	cr_assert(!exists_in(upper, "etc"));
}

Test(overlay, copy_up_preserves_data_and_ino)
{
	struct stat before, after;
	struct inode *li = real_at(lower, "etc/passwd");
	cr_assert_eq(ostat("/etc/passwd", &before), 0);
	cr_assert_eq(before.st_ino, li->ino);
	write_file("/etc/passwd", O_APPEND, "user:x:1:1\n");
	cr_assert_eq(ostat("/etc/passwd", &after), 0);
	cr_assert_eq(after.st_ino, before.st_ino);
	cr_assert_eq(after.st_dev, before.st_dev);
	cr_assert_eq(after.st_mode, S_IFREG | 0600);
	cr_assert_str_eq(slurp("/etc/passwd"), "root:x:0:0\nuser:x:1:1\n");
	/* The change is in the upper layer only; the parent came up too. */
	struct inode *ui = real_at(upper, "etc/passwd");
	cr_assert_not_null(ui);
	cr_assert_eq(ui->size, strlen("root:x:0:0\nuser:x:1:1\n"));
	struct inode *ue = real_at(upper, "etc");
	cr_assert_eq(ue->mode, S_IFDIR | 0755);
	cr_assert_eq(li->size, strlen("root:x:0:0\n"));
	inode_put(ui);
	inode_put(ue);
	inode_put(li);
	/* Other lower entries are still there (merged directory). */
	cr_assert_str_eq(slurp("/etc/hostname"), "lowerhost\n");
}

Test(overlay, setattr_and_symlink_copy_up)
{
	struct iattr ia = { .valid = ATTR_MODE, .mode = 0640 };
	struct path p;
	cr_assert_eq(path_lookup(t, AT_FDCWD, "/etc/motd", 0, &p), 0);
	uint64_t ino = p.dentry->inode->ino;
	struct iattr own = { .valid = ATTR_UID, .uid = 7 };
	cr_assert_eq(vfs_setattr(t, &p, p.dentry->inode, &own), 0);
	path_put(&p);
	struct inode *u = real_at(upper, "etc/motd");
	cr_assert_not_null(u);
	cr_assert(S_ISLNK(u->mode));
	cr_assert_eq(u->uid, 7);
	char buf[32];
	cr_assert_eq(u->iops->readlink(u, buf, sizeof(buf)), 8);
	inode_put(u);
	struct stat st;
	cr_assert_eq(ostat("/etc/motd", &st), 0);
	cr_assert_eq(st.st_ino, ino);
	cr_assert_eq(path_lookup(t, AT_FDCWD, "/etc/dir/sub/deep", 0, &p), 0);
	cr_assert_eq(vfs_setattr(t, &p, p.dentry->inode, &ia), 0);
	path_put(&p);
	cr_assert(exists_in(upper, "etc/dir/sub/deep"));
	cr_assert(!exists_in(upper, "etc/dir/a"));
	cr_assert_str_eq(slurp("/etc/dir/sub/deep"), "deep");
}

Test(overlay, whiteout_hides_lower)
{
	struct stat st;
	cr_assert_eq(vfs_unlink(t, AT_FDCWD, "/etc/hostname"), 0);
	cr_assert_eq(ostat("/etc/hostname", &st), -ENOENT);
	cr_assert(exists_in(lower, "etc/hostname"));
	struct inode *w = real_at(upper, "etc/hostname");
	cr_assert_not_null(w);
	cr_assert(ovl_is_whiteout(w));
	inode_put(w);
	struct names nm;
	list_dir("/etc", &nm, 100);
	cr_assert_eq(count(&nm, "hostname"), 0);
	/* Creating the name again replaces the whiteout. */
	write_file("/etc/hostname", O_CREAT | O_EXCL, "new\n");
	cr_assert_str_eq(slurp("/etc/hostname"), "new\n");
	list_dir("/etc", &nm, 100);
	cr_assert_eq(count(&nm, "hostname"), 1);
	/* The guest cannot make a whiteout of its own. */
	cr_assert_eq(vfs_mknod(t, AT_FDCWD, "/etc/wo", S_IFCHR | 0600, 0), -EPERM);
}

Test(overlay, opaque_directory)
{
	cr_assert_eq(vfs_rmdir(t, AT_FDCWD, "/etc/dir"), -ENOTEMPTY);
	cr_assert_eq(vfs_unlink(t, AT_FDCWD, "/etc/dir/a"), 0);
	cr_assert_eq(vfs_unlink(t, AT_FDCWD, "/etc/dir/b"), 0);
	cr_assert_eq(vfs_unlink(t, AT_FDCWD, "/etc/dir/sub/deep"), 0);
	cr_assert_eq(vfs_rmdir(t, AT_FDCWD, "/etc/dir/sub"), 0);
	cr_assert_eq(vfs_rmdir(t, AT_FDCWD, "/etc/dir"), 0);
	struct stat st;
	cr_assert_eq(ostat("/etc/dir", &st), -ENOENT);
	cr_assert_eq(vfs_mkdir(t, AT_FDCWD, "/etc/dir", 0700), 0);
	cr_assert_eq(ostat("/etc/dir", &st), 0);
	cr_assert_eq(st.st_mode & 07777, 0700);
	/* The new directory is opaque: nothing of the lower one shows. */
	struct names nm;
	list_dir("/etc/dir", &nm, 100);
	cr_assert_eq(nm.n, 2);   /* "." and ".." */
	cr_assert_eq(ostat("/etc/dir/a", &st), -ENOENT);
	cr_assert(exists_in(lower, "etc/dir/a"));
}

Test(overlay, merged_readdir)
{
	write_file("/etc/dir/a", O_TRUNC, "AA");       /* copy-up: upper and lower */
	write_file("/etc/dir/new", O_CREAT, "N");      /* upper only */
	cr_assert_eq(vfs_unlink(t, AT_FDCWD, "/etc/dir/b"), 0);   /* whiteout */
	struct names nm;
	/* Two entries per call: positions must be stable across calls. */
	list_dir("/etc/dir", &nm, 2);
	cr_assert_eq(nm.n, 5, "got %d entries", nm.n);   /* . .. a new sub */
	cr_assert_eq(count(&nm, "."), 1);
	cr_assert_eq(count(&nm, ".."), 1);
	cr_assert_eq(count(&nm, "a"), 1);
	cr_assert_eq(count(&nm, "new"), 1);
	cr_assert_eq(count(&nm, "sub"), 1);
	cr_assert_eq(count(&nm, "b"), 0);
	/* d_ino agrees with stat. */
	for (int k = 2; k < nm.n; k++) {
		char p[96];
		struct stat st;
		snprintf(p, sizeof(p), "/etc/dir/%s", nm.list[k]);
		cr_assert_eq(ostat(p, &st), 0);
		cr_assert_eq(st.st_ino, nm.ino[k], "%s", p);
	}
}

Test(overlay, rename_over_lower_files)
{
	struct stat a, st;
	cr_assert_eq(ostat("/etc/dir/a", &a), 0);
	cr_assert_eq(vfs_rename(t, AT_FDCWD, "/etc/dir/a", AT_FDCWD, "/etc/dir/b", 0), 0);
	cr_assert_eq(ostat("/etc/dir/a", &st), -ENOENT);
	cr_assert_eq(ostat("/etc/dir/b", &st), 0);
	cr_assert_eq(st.st_ino, a.st_ino);
	cr_assert_str_eq(slurp("/etc/dir/b"), "A");
	struct names nm;
	list_dir("/etc/dir", &nm, 100);
	cr_assert_eq(count(&nm, "a"), 0);
	cr_assert_eq(count(&nm, "b"), 1);
	/* Across directories, then onto a name the lower layer has. */
	cr_assert_eq(vfs_rename(t, AT_FDCWD, "/etc/dir/b", AT_FDCWD, "/etc/hostname", 0), 0);
	cr_assert_str_eq(slurp("/etc/hostname"), "A");
	cr_assert_eq(vfs_rename(t, AT_FDCWD, "/etc/hostname", AT_FDCWD, "/etc/passwd",
				RENAME_NOREPLACE), -EEXIST);
	cr_assert_eq(vfs_rename(t, AT_FDCWD, "/etc/hostname", AT_FDCWD, "/etc/passwd",
				RENAME_EXCHANGE), 0);
	cr_assert_str_eq(slurp("/etc/hostname"), "root:x:0:0\n");
	cr_assert_str_eq(slurp("/etc/passwd"), "A");
	/* Lower directories do not move (no redirects); upper-only ones do. */
	cr_assert_eq(vfs_rename(t, AT_FDCWD, "/etc/dir", AT_FDCWD, "/etc/dir2", 0), -EXDEV);
	cr_assert_eq(vfs_mkdir(t, AT_FDCWD, "/etc/up", 0755), 0);
	write_file("/etc/up/f", O_CREAT, "f");
	cr_assert_eq(vfs_rename(t, AT_FDCWD, "/etc/up", AT_FDCWD, "/etc/up2", 0), 0);
	cr_assert_str_eq(slurp("/etc/up2/f"), "f");
	/* Over an empty-in-the-merged-view lower directory: it becomes opaque. */
	cr_assert_eq(vfs_unlink(t, AT_FDCWD, "/etc/dir/sub/deep"), 0);
	cr_assert_eq(vfs_rename(t, AT_FDCWD, "/etc/up2", AT_FDCWD, "/etc/dir/sub", 0), 0);
	cr_assert_str_eq(slurp("/etc/dir/sub/f"), "f");
	cr_assert_eq(ostat("/etc/dir/sub/deep", &st), -ENOENT);
}

Test(overlay, links_and_nodes)
{
	struct stat st;
	cr_assert_eq(vfs_link(t, AT_FDCWD, "/etc/passwd", AT_FDCWD, "/etc/pw", 0), 0);
	cr_assert_eq(ostat("/etc/pw", &st), 0);
	cr_assert_eq(st.st_nlink, 2);
	write_file("/etc/pw", O_APPEND, "x\n");
	cr_assert_str_eq(slurp("/etc/passwd"), "root:x:0:0\nx\n");
	cr_assert_eq(vfs_symlink(t, "passwd", AT_FDCWD, "/etc/pwlink"), 0);
	cr_assert_str_eq(slurp("/etc/pwlink"), "root:x:0:0\nx\n");
	cr_assert_eq(vfs_mknod(t, AT_FDCWD, "/etc/fifo", S_IFIFO | 0600, 0), 0);
	cr_assert_eq(ostat("/etc/fifo", &st), 0);
	cr_assert(S_ISFIFO(st.st_mode));
	cr_assert_eq(st.st_ino & OVL_UPPER_INO, OVL_UPPER_INO);
}

Test(overlay, xattrs_survive_copy_up)
{
	struct inode *l = real_at(lower, "etc/passwd");
	if (!l->iops->setxattr) {
		inode_put(l);
		cr_skip_test("tmpfs has no xattrs");
	}
	cr_assert_eq(l->iops->setxattr(l, "user.a", "1", 1, 0), 0);
	inode_put(l);
	struct path p;
	cr_assert_eq(path_lookup(t, AT_FDCWD, "/etc/passwd", 0, &p), 0);
	struct inode *i = p.dentry->inode;
	char buf[16];
	cr_assert_eq(i->iops->getxattr(i, "user.a", buf, sizeof(buf)), 1);
	cr_assert_eq(i->iops->setxattr(i, "user.b", "22", 2, 0), 0);
	cr_assert_not_null(OI(i)->upper);
	cr_assert_eq(i->iops->getxattr(i, "user.a", buf, sizeof(buf)), 1);
	cr_assert_eq(i->iops->getxattr(i, "user.b", buf, sizeof(buf)), 2);
	cr_assert_eq(i->iops->listxattr(i, NULL, 0), (ssize_t)sizeof("user.a") * 2);
	cr_assert_eq(i->iops->removexattr(i, "user.a"), 0);
	cr_assert_eq(i->iops->getxattr(i, "user.a", buf, sizeof(buf)), -ENODATA);
	path_put(&p);
}

Test(overlay, readers_follow_copy_up)
{
	struct file *rd;
	char buf[64] = { 0 };
	cr_assert_eq(vfs_open(t, AT_FDCWD, "/etc/hostname", O_RDONLY, 0, &rd), 0);
	write_file("/etc/hostname", O_TRUNC, "changed\n");
	cr_assert_eq(kernel_pread(rd, buf, sizeof(buf) - 1, 0), 8);
	cr_assert_str_eq(buf, "changed\n");
	file_put(rd);
}
