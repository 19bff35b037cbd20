/* mount(2)/umount2(2) of tmpfs: options, flags, busy mounts, lazy and
 * expiring umounts, remount, errnos, and EPERM without CAP_SYS_ADMIN.
 * Natively (ctest runs as root) the program first moves into a private
 * mount namespace so the host's table is untouched; the sandbox has no
 * unshare(CLONE_NEWNS) and its mounts are its own anyway. */
#include <fcntl.h>
#include <sched.h>
#include <stdint.h>
#include <sys/mount.h>
#include <sys/stat.h>
#include <sys/statfs.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>
#include <linux/capability.h>
#include "guest.h"

#define TMPFS_MAGIC 0x01021994

static char base[64];

static void path(char *buf, const char *rel)
{
	snprintf(buf, 128, "%s/%s", base, rel);
}

static int write_file(const char *p, const char *s)
{
	int fd = open(p, O_WRONLY | O_CREAT | O_TRUNC, 0755);
	if (fd < 0)
		return -1;
	int r = write(fd, s, strlen(s)) == (ssize_t)strlen(s) ? 0 : -1;
	close(fd);
	return r;
}

/* A child without CAP_SYS_ADMIN (and every other capability). */
static int unprivileged(int (*fn)(void))
{
	pid_t pid = fork();
	if (pid == 0) {
		struct __user_cap_header_struct h = { _LINUX_CAPABILITY_VERSION_3, 0 };
		struct __user_cap_data_struct d[2] = { { 0 } };
		if (syscall(SYS_capset, &h, d) < 0)
			_exit(100);
		_exit(fn());
	}
	int st;
	waitpid(pid, &st, 0);
	return WIFEXITED(st) ? WEXITSTATUS(st) : -1;
}

static int try_mount(void)
{
	errno = 0;
	if (mount("none", base, "tmpfs", 0, NULL) == 0)
		return 1;
	return errno == EPERM ? 0 : 2;
}

static int try_umount(void)
{
	errno = 0;
	if (umount2(base, 0) == 0)
		return 1;
	return errno == EPERM ? 0 : 2;
}

int main(void)
{
	char p[128], q[128];
	struct stat st;
	struct statfs sf;

	if (unshare(CLONE_NEWNS) == 0)
		CHECK(mount(NULL, "/", NULL, MS_REC | MS_PRIVATE, NULL) == 0, "private");
	snprintf(base, sizeof(base), "/tmp/mount_tmpfs.%d", (int)getpid());
	CHECK(mkdir(base, 0755) == 0, "mkdir %s", base);

	/* options */
	CHECK(mount("tmpfs", base, "tmpfs", 0, "size=1m,mode=0700,uid=12,gid=34,nr_inodes=8") == 0,
	      "mount with options");
	CHECK(stat(base, &st) == 0 && S_ISDIR(st.st_mode) && (st.st_mode & 07777) == 0700 &&
	      st.st_uid == 12 && st.st_gid == 34, "root mode %o uid %d gid %d", st.st_mode,
	      st.st_uid, st.st_gid);
	CHECK(statfs(base, &sf) == 0 && sf.f_type == TMPFS_MAGIC && sf.f_blocks * sf.f_bsize == 1 << 20 &&
	      sf.f_files == 8, "statfs type %lx blocks %ld files %ld", (long)sf.f_type,
	      (long)sf.f_blocks, (long)sf.f_files);
	printf("options: mode 700, uid 12, gid 34, 1 MiB, 8 inodes\n");

	/* the size limit */
	path(p, "big");
	int fd = open(p, O_WRONLY | O_CREAT, 0600);
	CHECK(fd >= 0, "create big");
	static char chunk[65536];
	ssize_t n;
	long total = 0;
	while ((n = write(fd, chunk, sizeof(chunk))) > 0)
		total += n;
	CHECK(n < 0 && errno == ENOSPC && total == 1 << 20, "filled %ld", total);
	close(fd);
	CHECK(unlink(p) == 0, "unlink big");
	printf("size: ENOSPC after 1048576 bytes\n");

	/* the inode limit: the root is one of the 8 */
	int made = 0;
	for (int k = 0; k < 10; k++) {
		snprintf(q, sizeof(q), "%s/f%d", base, k);
		fd = open(q, O_WRONLY | O_CREAT, 0600);
		if (fd < 0)
			break;
		close(fd);
		made++;
	}
	CHECK(made == 7 && errno == ENOSPC, "made %d", made);
	for (int k = 0; k < made; k++) {
		snprintf(q, sizeof(q), "%s/f%d", base, k);
		CHECK(unlink(q) == 0, "unlink %s", q);
	}
	printf("nr_inodes: 7 files, then ENOSPC\n");

	/* busy: cwd inside, an open file inside */
	CHECK(chdir(base) == 0, "chdir");
	CHECK(umount2(base, 0) == -1 && errno == EBUSY, "umount with cwd inside");
	CHECK(chdir("/") == 0, "chdir /");
	path(p, "keep");
	CHECK(write_file(p, "kept\n") == 0, "write keep");
	fd = open(p, O_RDONLY);
	CHECK(fd >= 0, "open keep");
	CHECK(umount2(base, 0) == -1 && errno == EBUSY, "umount with a file open");
	CHECK(umount2(base, MNT_FORCE) == -1 && errno == EBUSY, "MNT_FORCE on tmpfs");
	close(fd);
	printf("busy: EBUSY (cwd, open file, MNT_FORCE)\n");

	/* umount2 flag errors, then a plain umount */
	CHECK(umount2(base, 0x100) == -1 && errno == EINVAL, "unknown flag");
	CHECK(umount2(base, MNT_EXPIRE | MNT_DETACH) == -1 && errno == EINVAL, "EXPIRE|DETACH");
	CHECK(umount2(base, MNT_EXPIRE | MNT_FORCE) == -1 && errno == EINVAL, "EXPIRE|FORCE");
	CHECK(umount2(base, 0) == 0, "umount");
	CHECK(umount2(base, 0) == -1 && errno == EINVAL, "not a mountpoint");
	CHECK(stat(p, &st) == -1 && errno == ENOENT, "file gone with the mount");
	CHECK(umount2("/nonexistent-mount-dir", 0) == -1 && errno == ENOENT, "ENOENT");
	printf("umount2: EINVAL flags, EINVAL not mounted, ENOENT\n");

	/* MNT_EXPIRE: first call marks (EAGAIN), second unmounts */
	CHECK(mount("none", base, "tmpfs", 0, NULL) == 0, "mount 2");
	CHECK(umount2(base, MNT_EXPIRE) == -1 && errno == EAGAIN, "expire 1");
	CHECK(umount2(base, MNT_EXPIRE) == 0, "expire 2");
	printf("MNT_EXPIRE: EAGAIN, then unmounted\n");

	/* MNT_DETACH with an open file: the file still works */
	CHECK(mount("none", base, "tmpfs", 0, NULL) == 0, "mount 3");
	CHECK(write_file(p, "lazy\n") == 0, "write lazy");
	fd = open(p, O_RDONLY);
	CHECK(fd >= 0, "open lazy");
	CHECK(umount2(base, MNT_DETACH) == 0, "detach");
	CHECK(stat(p, &st) == -1 && errno == ENOENT, "name gone after detach");
	char buf[16] = { 0 };
	CHECK(read(fd, buf, sizeof(buf)) == 5 && !strcmp(buf, "lazy\n"), "read after detach");
	close(fd);
	printf("MNT_DETACH: open file still reads\n");

	/* UMOUNT_NOFOLLOW: a symlink to the mountpoint is not followed */
	CHECK(mount("none", base, "tmpfs", 0, NULL) == 0, "mount 4");
	snprintf(q, sizeof(q), "%s.link", base);
	CHECK(symlink(base, q) == 0, "symlink");
	CHECK(umount2(q, UMOUNT_NOFOLLOW) == -1 && errno == EINVAL, "NOFOLLOW on a link");
	CHECK(umount2(q, 0) == 0, "umount through the link");
	CHECK(unlink(q) == 0, "unlink link");
	printf("UMOUNT_NOFOLLOW: EINVAL on the link\n");

	/* remount read-only and back */
	CHECK(mount("none", base, "tmpfs", MS_NOSUID | MS_NODEV, "size=64k") == 0, "mount 5");
	CHECK(write_file(p, "x") == 0, "write before ro");
	CHECK(mount(NULL, base, NULL, MS_REMOUNT | MS_RDONLY, NULL) == 0, "remount ro");
	CHECK(write_file(p, "y") == -1 && errno == EROFS, "EROFS");
	CHECK(mkdir(q, 0755) == 0 || errno == EEXIST, "mkdir outside");
	CHECK(rmdir(q) == 0, "rmdir outside");
	CHECK(mount(NULL, base, NULL, MS_REMOUNT, NULL) == 0, "remount rw");
	CHECK(write_file(p, "z") == 0, "write after rw");
	CHECK(mount(NULL, base, NULL, MS_REMOUNT, "size=128k") == 0, "grow");
	CHECK(statfs(base, &sf) == 0 && sf.f_blocks * sf.f_bsize == 128 << 10, "grown");
	fd = open(p, O_WRONLY);
	CHECK(fd >= 0 && ftruncate(fd, 0) == 0, "truncate");
	for (int k = 0; k < 2; k++)
		CHECK(write(fd, chunk, 65536) == 65536, "write 64k");
	close(fd);
	CHECK(mount(NULL, base, NULL, MS_REMOUNT, "size=64k") == -1 && errno == EINVAL,
	      "shrink below use");
	path(q, "dir");
	CHECK(mount(NULL, q, NULL, MS_REMOUNT, NULL) == -1 && errno == ENOENT, "remount missing");
	CHECK(mkdir(q, 0755) == 0, "mkdir dir");
	CHECK(mount(NULL, q, NULL, MS_REMOUNT, NULL) == -1 && errno == EINVAL, "remount not a mount");
	CHECK(umount2(base, 0) == 0, "umount 5");
	printf("remount: ro EROFS, rw, size grows, EINVAL shrinking or not a mount\n");

	/* noexec */
	CHECK(mount("none", base, "tmpfs", MS_NOEXEC, NULL) == 0, "mount noexec");
	CHECK(write_file(p, "#!/bin/sh\nexit 0\n") == 0, "script");
	char *argv[] = { p, NULL };
	CHECK(execve(p, argv, argv + 1) == -1 && errno == EACCES, "exec on noexec");
	CHECK(umount2(base, 0) == 0, "umount noexec");
	printf("noexec: EACCES\n");

	/* bad requests */
	CHECK(mount("none", base, "tmpfs", 0, "size=abc") == -1 && errno == EINVAL, "bad size");
	CHECK(mount("none", base, "tmpfs", 0, "nosuid") == -1 && errno == EINVAL, "flag in data");
	CHECK(mount("none", base, "tmpfs", 0, "bogus=1") == -1 && errno == EINVAL, "unknown option");
	CHECK(mount("none", base, "tmpfs", 0, "mode") == -1 && errno == EINVAL, "mode without value");
	CHECK(mount("none", base, "nosuchfs", 0, NULL) == -1 && errno == ENODEV, "unknown type");
	CHECK(mount("none", base, NULL, 0, NULL) == -1 && errno == EINVAL, "no type");
	CHECK(mount("none", "/nonexistent-mount-dir", "tmpfs", 0, NULL) == -1 && errno == ENOENT,
	      "missing target");
	snprintf(q, sizeof(q), "%s.file", base);
	CHECK(write_file(q, "f") == 0, "file target");
	CHECK(mount("none", q, "tmpfs", 0, NULL) == -1 && errno == ENOTDIR, "tmpfs on a file");
	CHECK(unlink(q) == 0, "unlink file target");
	CHECK(mount("none", base, "tmpfs", 0, (void *)8) == -1 && errno == EFAULT, "bad data");
	CHECK(mount("none", base, (void *)8, 0, NULL) == -1 && errno == EFAULT, "bad type");
	printf("errors: EINVAL options, ENODEV, ENOENT, ENOTDIR, EFAULT\n");

	/* ro and ro in data */
	CHECK(mount("none", base, "tmpfs", 0, "ro") == 0, "ro in data");
	CHECK(write_file(p, "w") == -1 && errno == EROFS, "EROFS ro data");
	CHECK(umount2(base, 0) == 0, "umount ro");
	printf("ro: EROFS\n");

	/* without CAP_SYS_ADMIN */
	CHECK(unprivileged(try_mount) == 0, "unprivileged mount");
	CHECK(mount("none", base, "tmpfs", 0, NULL) == 0, "mount for umount");
	CHECK(unprivileged(try_umount) == 0, "unprivileged umount");
	CHECK(umount2(base, 0) == 0, "umount 6");
	printf("no CAP_SYS_ADMIN: EPERM\n");

	CHECK(rmdir(base) == 0, "rmdir base");
	printf("done\n");
	return 0;
}
