/* statx: every request mask bit, the returned mask, agreement with fstat,
 * STATX_BTIME and attributes on tmpfs, stx_mnt_id per mount, MOUNT_ROOT,
 * AT_EMPTY_PATH/AT_SYMLINK_NOFOLLOW/AT_STATX_* flags; statfs/fstatfs f_type
 * of tmpfs, procfs, pipes and sockets. /dev/shm is tmpfs natively and in
 * the sandbox, so tmpfs specifics are checked there. */
#include <fcntl.h>
#include <stdint.h>
#include <linux/magic.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/statfs.h>
#include <sys/statvfs.h>
#include <sys/syscall.h>
#include <sys/sysmacros.h>
#include <unistd.h>
#include "guest.h"

#define FAILS(call, err) CHECK((call) == -1 && errno == (err), "%s", #call)
#ifndef STATX_MNT_ID
#define STATX_MNT_ID 0x1000U
#endif
#ifndef STATX_ATTR_MOUNT_ROOT
#define STATX_ATTR_MOUNT_ROOT 0x2000
#endif
#define ST_VALID 0x0020   /* f_flags is filled in (Linux 2.6.36+) */
#define GENERIC_ATTRS (STATX_ATTR_AUTOMOUNT | STATX_ATTR_MOUNT_ROOT | 0x200000 /* DAX */)
#define TMPFS_ATTRS (STATX_ATTR_IMMUTABLE | STATX_ATTR_APPEND | STATX_ATTR_NODUMP)

static struct statx sx(int dfd, const char *path, int flags, unsigned mask)
{
	struct statx s;
	memset(&s, 0xa5, sizeof(s));
	CHECK(statx(dfd, path, flags, mask, &s) == 0, "statx %s %#x", path, mask);
	return s;
}

static int ts_eq(struct statx_timestamp a, struct timespec b)
{
	return a.tv_sec == b.tv_sec && a.tv_nsec == (unsigned)b.tv_nsec;
}

/* statx agrees with fstatat on everything both report */
static void same_as_stat(const char *path, int flags)
{
	struct stat st;
	struct statx s = sx(AT_FDCWD, path, flags, STATX_BASIC_STATS);
	CHECK(fstatat(AT_FDCWD, path, &st, flags & AT_SYMLINK_NOFOLLOW) == 0, "stat %s", path);
	CHECK((s.stx_mask & STATX_BASIC_STATS) == STATX_BASIC_STATS, "%s mask %#x", path, s.stx_mask);
	CHECK(s.stx_mode == st.st_mode && s.stx_ino == st.st_ino && s.stx_nlink == st.st_nlink &&
	      s.stx_uid == st.st_uid && s.stx_gid == st.st_gid && s.stx_size == (uint64_t)st.st_size &&
	      s.stx_blocks == (uint64_t)st.st_blocks, "%s fields", path);
	CHECK(makedev(s.stx_dev_major, s.stx_dev_minor) == st.st_dev &&
	      makedev(s.stx_rdev_major, s.stx_rdev_minor) == st.st_rdev, "%s devices", path);
	CHECK(ts_eq(s.stx_atime, st.st_atim) && ts_eq(s.stx_mtime, st.st_mtim) &&
	      ts_eq(s.stx_ctime, st.st_ctim), "%s times", path);
	CHECK(s.stx_blksize == (uint32_t)st.st_blksize, "%s blksize", path);
	CHECK((s.stx_attributes_mask & GENERIC_ATTRS) == GENERIC_ATTRS, "%s attributes_mask %#llx", path,
	      (unsigned long long)s.stx_attributes_mask);
	CHECK(!(s.stx_attributes & ~s.stx_attributes_mask), "%s attributes within the mask", path);
}

static void masks(const char *file)
{
	/* every single bit: the requested basic bit always comes back, with the mount id */
	for (unsigned bit = 1; bit <= STATX_BASIC_STATS; bit <<= 1) {
		struct statx s = sx(AT_FDCWD, file, 0, bit);
		CHECK(s.stx_mask & bit, "bit %#x returned in %#x", bit, s.stx_mask);
		CHECK(s.stx_mask & STATX_MNT_ID, "mnt id with %#x", bit);
		CHECK(!(s.stx_mask & STATX_BTIME), "no btime unless asked (bit %#x)", bit);
	}
	struct statx s = sx(AT_FDCWD, file, 0, 0);
	CHECK((s.stx_mask & (STATX_TYPE | STATX_MODE | STATX_INO)) == (STATX_TYPE | STATX_MODE | STATX_INO) &&
	      S_ISREG(s.stx_mode), "mask 0 still fills the basics: %#x", s.stx_mask);
	s = sx(AT_FDCWD, file, 0, STATX_BTIME);
	CHECK(s.stx_mask & STATX_BTIME, "tmpfs has btime");
	struct statx c = sx(AT_FDCWD, file, 0, STATX_BASIC_STATS | STATX_BTIME);
	CHECK(s.stx_btime.tv_sec > 0 && s.stx_btime.tv_sec <= c.stx_ctime.tv_sec, "btime <= ctime");
	CHECK(s.stx_blksize == 4096, "tmpfs blksize");
	CHECK((s.stx_attributes_mask & TMPFS_ATTRS) == TMPFS_ATTRS && !(s.stx_attributes & TMPFS_ATTRS),
	      "tmpfs attributes_mask %#llx", (unsigned long long)s.stx_attributes_mask);
	/* bits the kernel does not know are ignored; the reserved bit is EINVAL */
	s = sx(AT_FDCWD, file, 0, 0x7fffffffU);
	CHECK((s.stx_mask & (STATX_BASIC_STATS | STATX_BTIME)) == (STATX_BASIC_STATS | STATX_BTIME),
	      "all bits: %#x", s.stx_mask);
	FAILS(statx(AT_FDCWD, file, 0, 0x80000000U, &s), EINVAL);
	FAILS(statx(AT_FDCWD, file, 0, STATX__RESERVED, &s), EINVAL);
}

static void flags(const char *dir)
{
	char file[128], link[128];
	snprintf(file, sizeof(file), "%s/f", dir);
	snprintf(link, sizeof(link), "%s/l", dir);
	struct statx s;
	CHECK(statx(AT_FDCWD, file, AT_STATX_FORCE_SYNC, STATX_BASIC_STATS, &s) == 0, "FORCE_SYNC");
	CHECK(statx(AT_FDCWD, file, AT_STATX_DONT_SYNC, STATX_BASIC_STATS, &s) == 0, "DONT_SYNC");
	CHECK(statx(AT_FDCWD, file, AT_NO_AUTOMOUNT, STATX_BASIC_STATS, &s) == 0, "AT_NO_AUTOMOUNT");
	FAILS(statx(AT_FDCWD, file, AT_STATX_FORCE_SYNC | AT_STATX_DONT_SYNC, 0, &s), EINVAL);
	FAILS(statx(AT_FDCWD, file, 0x10000, 0, &s), EINVAL);
	FAILS(statx(AT_FDCWD, file, AT_REMOVEDIR, 0, &s), EINVAL);
	FAILS(statx(AT_FDCWD, "", 0, 0, &s), ENOENT);
	FAILS(syscall(SYS_statx, AT_FDCWD, NULL, 0, 0, &s), EFAULT);
	FAILS(syscall(SYS_statx, AT_FDCWD, file, 0, STATX_BASIC_STATS, 8), EFAULT);
	FAILS(statx(-1, "f", 0, 0, &s), EBADF);
	FAILS(statx(AT_FDCWD, "/nonexistent", 0, 0, &s), ENOENT);
	char fslash[140];
	snprintf(fslash, sizeof(fslash), "%s/", file);
	FAILS(statx(AT_FDCWD, fslash, 0, 0, &s), ENOTDIR);

	/* AT_SYMLINK_NOFOLLOW */
	s = sx(AT_FDCWD, link, AT_SYMLINK_NOFOLLOW, STATX_BASIC_STATS);
	CHECK(S_ISLNK(s.stx_mode) && s.stx_size == 1, "the link");
	s = sx(AT_FDCWD, link, 0, STATX_BASIC_STATS);
	CHECK(S_ISREG(s.stx_mode) && s.stx_size == 3, "followed");

	/* AT_EMPTY_PATH: "" and (Linux 6.11+) NULL name the descriptor */
	int fd = open(file, O_RDONLY);
	struct statx a = sx(AT_FDCWD, file, 0, STATX_BASIC_STATS);
	s = sx(fd, "", AT_EMPTY_PATH, STATX_BASIC_STATS);
	CHECK(s.stx_ino == a.stx_ino && s.stx_size == 3, "AT_EMPTY_PATH");
	FAILS(statx(fd, "", 0, 0, &s), ENOENT);
	close(fd);
	fd = open(link, O_PATH | O_NOFOLLOW);
	s = sx(fd, "", AT_EMPTY_PATH, STATX_BASIC_STATS);
	CHECK(S_ISLNK(s.stx_mode), "AT_EMPTY_PATH of an O_PATH link fd");
	close(fd);
	int cwd = open(".", O_PATH | O_DIRECTORY);
	CHECK(chdir(dir) == 0, "chdir");
	s = sx(AT_FDCWD, "", AT_EMPTY_PATH, STATX_BASIC_STATS);
	CHECK(S_ISDIR(s.stx_mode) && s.stx_ino == sx(AT_FDCWD, dir, 0, STATX_INO).stx_ino,
	      "AT_FDCWD + AT_EMPTY_PATH is the cwd");
	s = sx(AT_FDCWD, "f", 0, STATX_INO);
	CHECK(s.stx_ino == a.stx_ino, "relative to the cwd");
	CHECK(fchdir(cwd) == 0, "back");
	close(cwd);
	int p[2];
	CHECK(pipe(p) == 0, "pipe");
	s = sx(p[0], "", AT_EMPTY_PATH, STATX_BASIC_STATS);
	CHECK(S_ISFIFO(s.stx_mode), "pipe via AT_EMPTY_PATH");
	close(p[0]);
	close(p[1]);
}

static void mounts(const char *dir)
{
	char file[128];
	snprintf(file, sizeof(file), "%s/f", dir);
	struct statx f = sx(AT_FDCWD, file, 0, STATX_MNT_ID);
	struct statx d = sx(AT_FDCWD, dir, 0, STATX_MNT_ID);
	struct statx pr = sx(AT_FDCWD, "/proc", 0, STATX_MNT_ID);
	struct statx ps = sx(AT_FDCWD, "/proc/self/status", 0, STATX_MNT_ID);
	CHECK((f.stx_mask & STATX_MNT_ID) && f.stx_mnt_id == d.stx_mnt_id, "same mount, same id");
	CHECK(pr.stx_mnt_id == ps.stx_mnt_id && pr.stx_mnt_id != f.stx_mnt_id, "proc is another mount");
	CHECK(pr.stx_attributes & STATX_ATTR_MOUNT_ROOT, "/proc is a mount root");
	CHECK(!(ps.stx_attributes & STATX_ATTR_MOUNT_ROOT) && !(f.stx_attributes & STATX_ATTR_MOUNT_ROOT),
	      "files are not mount roots");
	CHECK(sx(AT_FDCWD, "/", 0, 0).stx_attributes & STATX_ATTR_MOUNT_ROOT, "/ is a mount root");
}

static void statfs_types(const char *dir)
{
	struct statfs a, b;
	CHECK(statfs(dir, &a) == 0 && a.f_type == TMPFS_MAGIC, "/dev/shm is tmpfs: %#lx", (long)a.f_type);
	CHECK(a.f_bsize == 4096 && a.f_frsize == 4096 && a.f_namelen == 255, "tmpfs sizes");
	CHECK(a.f_flags & ST_VALID, "ST_VALID");
	CHECK(a.f_bfree <= a.f_blocks && a.f_bavail <= a.f_bfree, "block counts");
	int fd = open(dir, O_RDONLY | O_DIRECTORY);
	CHECK(fstatfs(fd, &b) == 0 && b.f_type == a.f_type && b.f_blocks == a.f_blocks, "fstatfs");
	close(fd);
	CHECK(statfs("/proc/self", &a) == 0 && a.f_type == PROC_SUPER_MAGIC, "procfs");
	CHECK(statfs("/tmp", &a) == 0, "statfs /tmp");
	if (a.f_type == TMPFS_MAGIC)
		CHECK(a.f_bsize == 4096 && a.f_namelen == 255, "tmpfs /tmp");
	CHECK(a.f_namelen == 255, "/tmp namelen");
	int p[2];
	CHECK(pipe(p) == 0 && fstatfs(p[0], &a) == 0 && a.f_type == PIPEFS_MAGIC, "pipefs %#lx", (long)a.f_type);
	close(p[0]);
	close(p[1]);
	int s = socket(AF_UNIX, SOCK_STREAM, 0);
	CHECK(s >= 0 && fstatfs(s, &a) == 0 && a.f_type == SOCKFS_MAGIC, "sockfs %#lx", (long)a.f_type);
	close(s);
	FAILS(statfs("/nonexistent", &a), ENOENT);
	FAILS(statfs((const char *)8, &a), EFAULT);
	FAILS(syscall(SYS_statfs, "/proc", 8), EFAULT);
	FAILS(fstatfs(-1, &a), EBADF);
	struct statvfs v;
	CHECK(statvfs("/dev/shm", &v) == 0 && v.f_bsize == 4096 && v.f_namemax == 255, "statvfs");
}

int main(void)
{
	char dir[] = "/dev/shm/file_statxXXXXXX", file[64], link[64];
	CHECK(mkdtemp(dir), "mkdtemp");
	snprintf(file, sizeof(file), "%s/f", dir);
	snprintf(link, sizeof(link), "%s/l", dir);
	int fd = open(file, O_CREAT | O_WRONLY, 0640);
	CHECK(fd >= 0 && write(fd, "abc", 3) == 3, "create");
	close(fd);
	CHECK(symlink("f", link) == 0, "symlink");

	same_as_stat(file, 0);
	same_as_stat(link, AT_SYMLINK_NOFOLLOW);
	same_as_stat(dir, 0);
	same_as_stat("/proc/self/status", 0);
	same_as_stat("/dev/null", 0);
	same_as_stat("/", 0);
	masks(file);
	flags(dir);
	mounts(dir);
	statfs_types(dir);

	CHECK(unlink(link) == 0 && unlink(file) == 0 && rmdir(dir) == 0, "cleanup");
	printf("file_statx ok\n");
	return 0;
}
