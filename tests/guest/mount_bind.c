/* Bind mounts within the guest's own tree: MS_BIND, MS_REC, read-only
 * bind remounts, files onto files, MS_MOVE, propagation flags, proc.
 * Natively the program first moves into a private mount namespace (see
 * mount_tmpfs.c). */
#include <fcntl.h>
#include <sched.h>
#include <sys/mman.h>
#include <sys/mount.h>
#include <sys/stat.h>
#include <sys/statfs.h>
#include <unistd.h>
#include "guest.h"

#define PROC_SUPER_MAGIC 0x9fa0
#define SYSFS_MAGIC 0x62656572

static char base[64];

static const char *at(const char *rel)
{
	static char bufs[4][128];
	static int k;
	char *b = bufs[k++ % 4];
	snprintf(b, 128, "%s/%s", base, rel);
	return b;
}

static int write_file(const char *p, const char *s)
{
	int fd = open(p, O_WRONLY | O_CREAT | O_TRUNC, 0644);
	if (fd < 0)
		return -1;
	int r = write(fd, s, strlen(s)) == (ssize_t)strlen(s) ? 0 : -1;
	close(fd);
	return r;
}

static const char *read_file(const char *p)
{
	static char buf[64];
	memset(buf, 0, sizeof(buf));
	int fd = open(p, O_RDONLY);
	if (fd < 0)
		return "(error)";
	ssize_t n = read(fd, buf, sizeof(buf) - 1);
	close(fd);
	return n < 0 ? "(error)" : buf;
}

int main(void)
{
	struct stat a, b;

	if (unshare(CLONE_NEWNS) == 0)
		CHECK(mount(NULL, "/", NULL, MS_REC | MS_PRIVATE, NULL) == 0, "private");
	snprintf(base, sizeof(base), "/tmp/mount_bind.%d", (int)getpid());
	CHECK(mkdir(base, 0755) == 0, "mkdir base");
	/* a tmpfs of our own, so every bind below is of our tree */
	CHECK(mount("none", base, "tmpfs", 0, NULL) == 0, "base tmpfs");
	CHECK(mkdir(at("a"), 0755) == 0 && mkdir(at("a/sub"), 0755) == 0 && mkdir(at("b"), 0755) == 0 &&
	      mkdir(at("c"), 0755) == 0 && mkdir(at("d"), 0755) == 0 && mkdir(at("e"), 0755) == 0,
	      "dirs");
	CHECK(write_file(at("a/f"), "hello\n") == 0, "a/f");

	/* MS_BIND: same inode, writes both ways */
	CHECK(mount(at("a"), at("b"), NULL, MS_BIND, NULL) == 0, "bind a b");
	CHECK(stat(at("a/f"), &a) == 0 && stat(at("b/f"), &b) == 0 && a.st_ino == b.st_ino &&
	      a.st_dev == b.st_dev, "same file");
	CHECK(write_file(at("b/g"), "via b\n") == 0 && !strcmp(read_file(at("a/g")), "via b\n"),
	      "write through b");
	printf("bind: same inode, writes seen both ways\n");

	/* read-only bind remount: only that mount */
	CHECK(mount(NULL, at("b"), NULL, MS_REMOUNT | MS_BIND | MS_RDONLY, NULL) == 0, "ro bind");
	CHECK(write_file(at("b/f"), "x") == -1 && errno == EROFS, "EROFS on b");
	CHECK(write_file(at("a/h"), "still\n") == 0, "a still writable");
	CHECK(mount(NULL, at("a"), NULL, MS_REMOUNT | MS_BIND | MS_RDONLY, NULL) == -1 &&
	      errno == EINVAL, "bind remount of a non-mount");
	CHECK(mount(NULL, at("b"), NULL, MS_REMOUNT | MS_BIND, NULL) == 0, "rw bind");
	CHECK(write_file(at("b/f"), "hello\n") == 0, "b writable again");
	printf("bind remount: ro only there, rw again, EINVAL on a non-mount\n");

	/* submounts: MS_BIND alone leaves them out, MS_REC takes them */
	CHECK(mount("none", at("a/sub"), "tmpfs", 0, NULL) == 0, "tmpfs on a/sub");
	CHECK(write_file(at("a/sub/in"), "sub\n") == 0, "a/sub/in");
	CHECK(mount(at("a"), at("c"), NULL, MS_BIND, NULL) == 0, "bind a c");
	CHECK(stat(at("c/sub/in"), &a) == -1 && errno == ENOENT, "no submount in c");
	CHECK(mount(at("a"), at("d"), NULL, MS_BIND | MS_REC, NULL) == 0, "rbind a d");
	CHECK(!strcmp(read_file(at("d/sub/in")), "sub\n"), "submount in d");
	CHECK(umount2(at("d"), 0) == -1 && errno == EBUSY, "d busy with its submount");
	CHECK(umount2(at("d/sub"), 0) == 0 && umount2(at("d"), 0) == 0, "umount d/sub, d");
	CHECK(umount2(at("c"), 0) == 0, "umount c");
	printf("rec: submounts only with MS_REC; EBUSY with a submount\n");

	/* a file onto a file; a directory onto a file */
	CHECK(write_file(at("target"), "old\n") == 0, "target");
	CHECK(mount(at("a/f"), at("target"), NULL, MS_BIND, NULL) == 0, "file bind");
	CHECK(!strcmp(read_file(at("target")), "hello\n"), "file bind content");
	CHECK(unlink(at("target")) == -1 && errno == EBUSY, "unlink a mountpoint");
	CHECK(rename(at("target"), at("target2")) == -1 && errno == EBUSY, "rename a mountpoint");
	CHECK(rmdir(at("a/sub")) == -1 && errno == EBUSY, "rmdir a mountpoint");
	CHECK(umount2(at("target"), 0) == 0, "umount file bind");
	CHECK(!strcmp(read_file(at("target")), "old\n"), "file under");
	CHECK(mount(at("a"), at("target"), NULL, MS_BIND, NULL) == -1 && errno == ENOTDIR,
	      "dir onto file");
	CHECK(mount(at("nothing"), at("e"), NULL, MS_BIND, NULL) == -1 && errno == ENOENT,
	      "missing source");
	CHECK(mount("", at("e"), NULL, MS_BIND, NULL) == -1 && errno == EINVAL, "empty source");
	/* a memfd is on no mount of the tree: not a source (EINVAL), and as a
	 * target it is an unlinked file (ENOENT) */
	int mfd = memfd_create("mount_bind", 0);
	char mp[64];
	CHECK(mfd >= 0, "memfd");
	snprintf(mp, sizeof(mp), "/proc/self/fd/%d", mfd);
	CHECK(mount(mp, at("target"), NULL, MS_BIND, NULL) == -1 && errno == EINVAL, "memfd source");
	CHECK(mount(at("target"), mp, NULL, MS_BIND, NULL) == -1 && errno == ENOENT, "memfd target");
	close(mfd);
	printf("files: file onto file, ENOTDIR, ENOENT, EINVAL; mountpoints EBUSY\n");

	/* MS_MOVE */
	CHECK(mount(NULL, at("b"), NULL, MS_MOVE, NULL) == -1 && errno == EINVAL, "move no source");
	CHECK(mount(at("b"), at("e"), NULL, MS_MOVE, NULL) == 0, "move b e");
	CHECK(stat(at("b/f"), &a) == -1 && errno == ENOENT, "b empty");
	CHECK(!strcmp(read_file(at("e/f")), "hello\n"), "e has it");
	CHECK(mount(at("a"), at("e/sub"), NULL, MS_MOVE, NULL) == -1 && errno == EINVAL,
	      "move a non-mount");
	CHECK(umount2(at("e"), 0) == 0, "umount e");
	printf("move: moved, EINVAL\n");

	/* propagation flags */
	CHECK(mount(NULL, base, NULL, MS_PRIVATE, NULL) == 0, "private");
	CHECK(mount(NULL, base, NULL, MS_SHARED | MS_REC, NULL) == 0, "rshared");
	CHECK(mount(NULL, base, NULL, MS_SLAVE, NULL) == 0, "slave");
	CHECK(mount(NULL, base, NULL, MS_UNBINDABLE, NULL) == 0, "unbindable");
	CHECK(mount(base, at("e"), NULL, MS_BIND, NULL) == -1 && errno == EINVAL, "bind unbindable");
	CHECK(mount(NULL, base, NULL, MS_PRIVATE | MS_REC, NULL) == 0, "rprivate");
	CHECK(mount(NULL, base, NULL, MS_SHARED | MS_PRIVATE, NULL) == -1 && errno == EINVAL, "two");
	CHECK(mount(NULL, base, NULL, MS_PRIVATE | MS_NOSUID, NULL) == -1 && errno == EINVAL,
	      "with another flag");
	CHECK(mount(NULL, at("a"), NULL, MS_PRIVATE, NULL) == -1 && errno == EINVAL, "not a mount");
	printf("propagation: accepted, EINVAL on mixes and non-mounts\n");

	/* proc */
	struct statfs sf;
	CHECK(mount("proc", at("e"), "proc", MS_NOSUID | MS_NODEV | MS_NOEXEC, NULL) == 0, "proc");
	CHECK(statfs(at("e"), &sf) == 0 && sf.f_type == PROC_SUPER_MAGIC, "proc magic");
	char link[64] = { 0 }, want[16];
	snprintf(want, sizeof(want), "%d", (int)getpid());
	CHECK(readlink(at("e/self"), link, sizeof(link) - 1) > 0 && !strcmp(link, want), "self %s", link);
	CHECK(umount2(at("e"), 0) == 0, "umount proc");
	printf("proc: mounted, self is us\n");

	/* sysfs: one super block, so a second mount right on top is EBUSY */
	CHECK(mount("sysfs", at("e"), "sysfs", MS_RDONLY, NULL) == 0, "sysfs");
	CHECK(statfs(at("e"), &sf) == 0 && sf.f_type == SYSFS_MAGIC, "sysfs magic");
	CHECK(mount("sysfs", at("e"), "sysfs", MS_RDONLY, NULL) == -1 && errno == EBUSY, "sysfs twice");
	CHECK(umount2(at("e"), 0) == 0, "umount sysfs");
	printf("sysfs: mounted, EBUSY on itself\n");

	CHECK(umount2(at("a/sub"), 0) == 0, "umount a/sub");
	CHECK(umount2(base, 0) == 0, "umount base");
	CHECK(rmdir(base) == 0, "rmdir base");
	printf("done\n");
	return 0;
}
