/* Attributes: chmod/fchmod/fchmodat(2) (AT_SYMLINK_NOFOLLOW on links is
 * EOPNOTSUPP), chown/lchown/fchownat, utimensat/futimesat/utimes/utime with
 * UTIME_NOW/UTIME_OMIT/NULL/AT_EMPTY_PATH, truncate/ftruncate, fallocate. */
#include <fcntl.h>
#include <linux/falloc.h>
#include <linux/magic.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/statfs.h>
#include <sys/syscall.h>
#include <sys/time.h>
#include <time.h>
#include <utime.h>
#include <unistd.h>
#include "guest.h"

#define FAILS(call, err) CHECK((call) == -1 && errno == (err), "%s", #call)
#ifndef SYS_fchmodat2
#define SYS_fchmodat2 452
#endif

static int dfd;

static struct stat st_of(const char *name)
{
	struct stat st;
	CHECK(fstatat(dfd, name, &st, AT_SYMLINK_NOFOLLOW) == 0, "lstat %s", name);
	return st;
}

static void modes(void)
{
	CHECK(fchmodat(dfd, "f", 0600, 0) == 0 && (st_of("f").st_mode & 07777) == 0600, "fchmodat");
	CHECK(fchmodat(dfd, "f", 0170755, 0) == 0 && st_of("f").st_mode == (S_IFREG | 0755),
	      "type bits ignored");
	CHECK(fchmodat(dfd, "link", 0640, 0) == 0 && (st_of("f").st_mode & 07777) == 0640,
	      "chmod follows links");
	CHECK((st_of("link").st_mode & 07777) == 0777, "link keeps 0777");
	int fd = openat(dfd, "f", O_RDONLY);
	CHECK(fchmod(fd, 04711) == 0 && (st_of("f").st_mode & 07777) == 04711, "fchmod on O_RDONLY fd");
	close(fd);
	FAILS(fchmod(-1, 0644), EBADF);
	/* pipes and sockets keep a mode and owner of their own */
	int p[2];
	struct stat st;
	CHECK(pipe(p) == 0 && fchmod(p[0], 0640) == 0 && fstat(p[1], &st) == 0 &&
	      st.st_mode == (S_IFIFO | 0640), "fchmod on a pipe: %o", st.st_mode);
	CHECK(fchown(p[1], 5, 6) == 0 && fstat(p[0], &st) == 0 && st.st_uid == 5 && st.st_gid == 6,
	      "fchown on a pipe");
	FAILS(ftruncate(p[1], 0), EINVAL);
	close(p[0]);
	close(p[1]);
	int s = socket(AF_UNIX, SOCK_STREAM, 0);
	CHECK(fchmod(s, 0700) == 0 && fchown(s, 7, 7) == 0 && fstat(s, &st) == 0 &&
	      st.st_mode == (S_IFSOCK | 0700) && st.st_uid == 7, "fchmod/fchown on a socket");
	close(s);
	FAILS(fchmodat(dfd, "missing", 0644, 0), ENOENT);
	FAILS(fchmodat(dfd, "f/", 0644, 0), ENOTDIR);
	/* AT_SYMLINK_NOFOLLOW: glibc's emulation and the fchmodat2 syscall agree */
	FAILS(fchmodat(dfd, "link", 0600, AT_SYMLINK_NOFOLLOW), EOPNOTSUPP);
	FAILS(syscall(SYS_fchmodat2, dfd, "link", 0600, AT_SYMLINK_NOFOLLOW), EOPNOTSUPP);
	CHECK(syscall(SYS_fchmodat2, dfd, "f", 0604, AT_SYMLINK_NOFOLLOW) == 0 &&
	      (st_of("f").st_mode & 07777) == 0604, "fchmodat2 NOFOLLOW on a file");
	FAILS(syscall(SYS_fchmodat2, dfd, "f", 0600, 0x1), EINVAL);
	fd = openat(dfd, "f", O_PATH);
	CHECK(syscall(SYS_fchmodat2, fd, "", 0644, AT_EMPTY_PATH) == 0 &&
	      (st_of("f").st_mode & 07777) == 0644, "fchmodat2 AT_EMPTY_PATH on an O_PATH fd");
	close(fd);
	/* the raw fchmodat syscall has no flags argument: a 4th is ignored */
	CHECK(syscall(SYS_fchmodat, dfd, "link", 0600, AT_SYMLINK_NOFOLLOW) == 0 &&
	      (st_of("f").st_mode & 07777) == 0600, "raw fchmodat follows");
}

static void owners(void)
{
	CHECK(fchownat(dfd, "f", 1234, 5678, 0) == 0, "chown");
	struct stat st = st_of("f");
	CHECK(st.st_uid == 1234 && st.st_gid == 5678, "owner %u:%u", st.st_uid, st.st_gid);
	CHECK(fchownat(dfd, "f", -1, 42, 0) == 0 && st_of("f").st_uid == 1234 && st_of("f").st_gid == 42,
	      "-1 keeps the uid");
	CHECK(fchownat(dfd, "link", 7, 8, AT_SYMLINK_NOFOLLOW) == 0, "lchown via fchownat");
	st = st_of("link");
	CHECK(st.st_uid == 7 && st.st_gid == 8 && st_of("f").st_uid == 1234, "link owner only");
	CHECK(lchown("link-abs", 9, 9) == 0 || errno == ENOENT, "lchown");
	CHECK(fchownat(dfd, "link", 11, 12, 0) == 0 && st_of("f").st_uid == 11 && st_of("link").st_uid == 7,
	      "chown follows");
	FAILS(fchownat(dfd, "f", 0, 0, 0x1), EINVAL);
	FAILS(fchownat(dfd, "missing", 0, 0, 0), ENOENT);
	FAILS(fchown(-1, 0, 0), EBADF);
	int fd = openat(dfd, "f", O_RDONLY);
	CHECK(fchown(fd, 0, 0) == 0 && st_of("f").st_uid == 0, "fchown");
	CHECK(fchownat(fd, "", 3, 3, AT_EMPTY_PATH) == 0 && st_of("f").st_uid == 3, "AT_EMPTY_PATH");
	FAILS(fchownat(fd, "", 3, 3, 0), ENOENT);
	close(fd);
	/* chown drops setuid, and setgid when group-executable, even for root */
	CHECK(fchmodat(dfd, "f", 06755, 0) == 0, "chmod 6755");
	CHECK(fchownat(dfd, "f", 0, 0, 0) == 0 && (st_of("f").st_mode & 07777) == 0755, "suid/sgid dropped: %o",
	      st_of("f").st_mode & 07777);
	CHECK(fchmodat(dfd, "f", 02745, 0) == 0 && fchownat(dfd, "f", 0, 0, 0) == 0 &&
	      (st_of("f").st_mode & 07777) == 02745, "sgid without group exec kept");
	CHECK(fchmodat(dfd, "d", 06755, 0) == 0 && fchownat(dfd, "d", 0, 0, 0) == 0 &&
	      (st_of("d").st_mode & 07777) == 06755, "directories keep them");
	CHECK(fchmodat(dfd, "f", 0644, 0) == 0 && fchmodat(dfd, "d", 0755, 0) == 0, "restore");
	/* mkdir keeps only the permission and sticky bits of its mode */
	mode_t old = umask(0);
	CHECK(mkdirat(dfd, "d/m", 07777) == 0 && (st_of("d/m").st_mode & 07777) == 01777,
	      "mkdir 07777: %o", st_of("d/m").st_mode & 07777);
	umask(old);
	CHECK(unlinkat(dfd, "d/m", AT_REMOVEDIR) == 0, "rmdir d/m");
}

static int ts_eq(struct timespec a, time_t s, long ns)
{
	return a.tv_sec == s && a.tv_nsec == ns;
}

static void times(void)
{
	struct timespec ts[2] = { { 1000, 111 }, { 2000, 222 } };
	struct stat st;
	CHECK(utimensat(dfd, "f", ts, 0) == 0, "utimensat");
	st = st_of("f");
	CHECK(ts_eq(st.st_atim, 1000, 111) && ts_eq(st.st_mtim, 2000, 222), "exact times");
	struct timespec c0 = st.st_ctim;
	ts[0].tv_nsec = UTIME_OMIT;
	ts[1].tv_nsec = UTIME_OMIT;
	CHECK(utimensat(dfd, "f", ts, 0) == 0, "both UTIME_OMIT");
	st = st_of("f");
	CHECK(ts_eq(st.st_atim, 1000, 111) && ts_eq(st.st_mtim, 2000, 222) &&
	      ts_eq(st.st_ctim, c0.tv_sec, c0.tv_nsec), "nothing changes, not even ctime");
	CHECK(utimensat(dfd, "missing", ts, 0) == 0 && utimensat(-1, "x", ts, 0x1) == 0,
	      "both UTIME_OMIT: not even the path or flags are checked");
	time_t before = time(NULL);
	ts[0] = (struct timespec){ 5, UTIME_NOW };
	ts[1] = (struct timespec){ 3000, UTIME_OMIT };
	CHECK(utimensat(dfd, "f", ts, 0) == 0, "UTIME_NOW atime only");
	st = st_of("f");
	CHECK(st.st_atim.tv_sec >= before && ts_eq(st.st_mtim, 2000, 222), "atime now, mtime kept");
	CHECK(utimensat(dfd, "f", NULL, 0) == 0 && st_of("f").st_mtim.tv_sec >= before, "NULL: both now");
	ts[0] = (struct timespec){ 1, 1000000000 };
	ts[1] = (struct timespec){ 1, 0 };
	FAILS(utimensat(dfd, "f", ts, 0), EINVAL);
	ts[0].tv_nsec = -1;
	FAILS(utimensat(dfd, "f", ts, 0), EINVAL);
	ts[0].tv_nsec = 0;
	FAILS(utimensat(dfd, "f", ts, 0x1), EINVAL);
	FAILS(utimensat(dfd, "missing", ts, 0), ENOENT);
	/* AT_SYMLINK_NOFOLLOW sets the link's own times */
	ts[0] = (struct timespec){ 77, 0 };
	ts[1] = (struct timespec){ 88, 0 };
	CHECK(utimensat(dfd, "link", ts, AT_SYMLINK_NOFOLLOW) == 0, "nofollow");
	CHECK(st_of("link").st_mtim.tv_sec == 88 && st_of("f").st_mtim.tv_sec != 88, "link times");
	/* by descriptor: path NULL (futimens) and AT_EMPTY_PATH */
	int fd = openat(dfd, "f", O_RDONLY);
	ts[1].tv_sec = 99;
	CHECK(futimens(fd, ts) == 0 && st_of("f").st_mtim.tv_sec == 99, "futimens");
	ts[1].tv_sec = 100;
	CHECK(utimensat(fd, "", ts, AT_EMPTY_PATH) == 0 && st_of("f").st_mtim.tv_sec == 100, "AT_EMPTY_PATH");
	FAILS(syscall(SYS_utimensat, fd, NULL, ts, AT_SYMLINK_NOFOLLOW), EINVAL);
	FAILS(utimensat(fd, "", ts, 0), ENOENT);
	close(fd);
	fd = openat(dfd, "f", O_PATH);
	FAILS(syscall(SYS_utimensat, fd, NULL, ts, 0), EBADF);
	ts[1].tv_sec = 101;
	CHECK(utimensat(fd, "", ts, AT_EMPTY_PATH) == 0 && st_of("f").st_mtim.tv_sec == 101,
	      "AT_EMPTY_PATH on O_PATH");
	close(fd);
	FAILS(syscall(SYS_utimensat, AT_FDCWD, NULL, ts, 0), EFAULT);
	FAILS(syscall(SYS_utimensat, -1, NULL, ts, 0), EBADF);

	/* futimesat, utimes, utime: microseconds and seconds */
	struct timeval tv[2] = { { 10, 5 }, { 20, 6 } };
	CHECK(futimesat(dfd, "f", tv) == 0, "futimesat");
	st = st_of("f");
	CHECK(ts_eq(st.st_atim, 10, 5000) && ts_eq(st.st_mtim, 20, 6000), "usec -> nsec");
	tv[0].tv_usec = 1000000;
	FAILS(futimesat(dfd, "f", tv), EINVAL);
	tv[0].tv_usec = -1;
	FAILS(futimesat(dfd, "f", tv), EINVAL);
	char path[64];
	snprintf(path, sizeof(path), "/proc/self/fd/%d/f", dfd);
	tv[0] = (struct timeval){ 30, 0 };
	CHECK(utimes(path, tv) == 0 && st_of("f").st_atim.tv_sec == 30, "utimes");
	CHECK(utimes(path, NULL) == 0 && st_of("f").st_atim.tv_sec >= before, "utimes NULL");
	struct utimbuf ub = { 40, 50 };
	CHECK(utime(path, &ub) == 0 && st_of("f").st_atim.tv_sec == 40 && st_of("f").st_mtim.tv_sec == 50,
	      "utime");
	CHECK(ts_eq(st_of("f").st_mtim, 50, 0), "utime has no nsec");
	FAILS(utimes("/nonexistent/x", NULL), ENOENT);
}

static void truncs(void)
{
	char buf[16];
	CHECK(truncate("/proc/self/cwd/../nonexistent", 0) == -1 && errno == ENOENT, "truncate missing");
	int fd = openat(dfd, "f", O_RDWR | O_TRUNC);
	CHECK(fd >= 0 && write(fd, "0123456789", 10) == 10, "fill");
	CHECK(ftruncate(fd, 4) == 0 && st_of("f").st_size == 4, "shrink");
	CHECK(ftruncate(fd, 8) == 0 && pread(fd, buf, 16, 0) == 8 && !memcmp(buf, "0123\0\0\0\0", 8),
	      "grow reads zeros");
	CHECK(lseek(fd, 0, SEEK_CUR) == 10, "position unchanged");
	FAILS(ftruncate(fd, -1), EINVAL);
	close(fd);
	fd = openat(dfd, "f", O_RDONLY);
	FAILS(ftruncate(fd, 0), EINVAL);
	close(fd);
	fd = openat(dfd, "f", O_WRONLY | O_APPEND);
	CHECK(ftruncate(fd, 2) == 0 && st_of("f").st_size == 2, "ftruncate with O_APPEND");
	close(fd);
	fd = openat(dfd, "d", O_RDONLY | O_DIRECTORY);
	FAILS(ftruncate(fd, 0), EINVAL);
	close(fd);
	int p[2];
	CHECK(pipe(p) == 0, "pipe");
	FAILS(ftruncate(p[1], 0), EINVAL);
	close(p[0]);
	close(p[1]);
	FAILS(ftruncate(-1, 0), EBADF);
	char path[64];
	snprintf(path, sizeof(path), "/proc/self/fd/%d/f", dfd);
	CHECK(truncate(path, 100) == 0 && st_of("f").st_size == 100, "truncate grows");
	snprintf(path, sizeof(path), "/proc/self/fd/%d/link", dfd);
	CHECK(truncate(path, 3) == 0 && st_of("f").st_size == 3, "truncate follows links");
	FAILS(truncate(path, -1), EINVAL);
	snprintf(path, sizeof(path), "/proc/self/fd/%d/d", dfd);
	FAILS(truncate(path, 0), EISDIR);
	snprintf(path, sizeof(path), "/proc/self/fd/%d/fifo", dfd);
	FAILS(truncate(path, 0), EINVAL);
	snprintf(path, sizeof(path), "/proc/self/fd/%d/f/", dfd);
	FAILS(truncate(path, 0), ENOTDIR);
}

static void falloc(void)
{
	struct statfs sfs;
	char buf[16];
	int fd = openat(dfd, "g", O_CREAT | O_RDWR | O_TRUNC, 0644);
	CHECK(fd >= 0 && fstatfs(fd, &sfs) == 0, "g");
	CHECK(fallocate(fd, 0, 0, 100) == 0 && st_of("g").st_size == 100, "mode 0 extends");
	CHECK(fallocate(fd, FALLOC_FL_KEEP_SIZE, 0, 200) == 0 && st_of("g").st_size == 100, "KEEP_SIZE");
	CHECK(pwrite(fd, "abcdefgh", 8, 0) == 8, "data");
	CHECK(fallocate(fd, FALLOC_FL_PUNCH_HOLE | FALLOC_FL_KEEP_SIZE, 2, 3) == 0, "punch");
	CHECK(pread(fd, buf, 8, 0) == 8 && !memcmp(buf, "ab\0\0\0fgh", 8) && st_of("g").st_size == 100,
	      "hole reads zeros");
	FAILS(fallocate(fd, FALLOC_FL_PUNCH_HOLE, 0, 1), EOPNOTSUPP);
	FAILS(fallocate(fd, FALLOC_FL_PUNCH_HOLE | FALLOC_FL_ZERO_RANGE | FALLOC_FL_KEEP_SIZE, 0, 1),
	      EOPNOTSUPP);
	CHECK(fallocate(fd, FALLOC_FL_ZERO_RANGE, 5, 1) == 0, "zero range");
	CHECK(pread(fd, buf, 8, 0) == 8 && !memcmp(buf, "ab\0\0\0\0gh", 8), "zeroed");
	CHECK(fallocate(fd, FALLOC_FL_ZERO_RANGE, 90, 20) == 0 && st_of("g").st_size == 110, "zero range extends");
	CHECK(fallocate(fd, FALLOC_FL_ZERO_RANGE | FALLOC_FL_KEEP_SIZE, 100, 20) == 0 &&
	      st_of("g").st_size == 110, "zero range KEEP_SIZE");
	/* COLLAPSE/INSERT: tmpfs has none; ext4/xfs need block alignment */
	if (sfs.f_type == TMPFS_MAGIC) {
		FAILS(fallocate(fd, FALLOC_FL_COLLAPSE_RANGE, 0, 4096), EOPNOTSUPP);
		FAILS(fallocate(fd, FALLOC_FL_INSERT_RANGE, 0, 4096), EOPNOTSUPP);
	} else {
		FAILS(fallocate(fd, FALLOC_FL_COLLAPSE_RANGE, 1, 4096), EINVAL);
		FAILS(fallocate(fd, FALLOC_FL_INSERT_RANGE, 1, 4096), EINVAL);
	}
	FAILS(fallocate(fd, 0x8000, 0, 1), EOPNOTSUPP);
	FAILS(fallocate(fd, 0, 0, 0), EINVAL);
	FAILS(fallocate(fd, 0, -1, 1), EINVAL);
	FAILS(fallocate(fd, 0, 1, -1), EINVAL);
	FAILS(fallocate(fd, 0, 0x7fffffffffffffffLL, 2), EFBIG);
	close(fd);
	fd = openat(dfd, "g", O_RDONLY);
	FAILS(fallocate(fd, 0, 0, 1), EBADF);
	close(fd);
	fd = openat(dfd, "g", O_WRONLY | O_APPEND);
	/* O_APPEND is no append-only inode: every mode works */
	CHECK(fallocate(fd, FALLOC_FL_PUNCH_HOLE | FALLOC_FL_KEEP_SIZE, 0, 1) == 0, "punch with O_APPEND");
	close(fd);
	fd = openat(dfd, "d", O_RDONLY | O_DIRECTORY);
	FAILS(fallocate(fd, 0, 0, 1), EBADF);
	close(fd);
	int p[2];
	CHECK(pipe(p) == 0, "pipe");
	FAILS(fallocate(p[1], 0, 0, 1), ESPIPE);
	close(p[0]);
	close(p[1]);
	FAILS(fallocate(-1, 0, 0, 1), EBADF);
	CHECK(unlinkat(dfd, "g", 0) == 0, "unlink g");
}

int main(void)
{
	char dir[] = "/tmp/file_attrXXXXXX";
	CHECK(mkdtemp(dir), "mkdtemp");
	dfd = open(dir, O_DIRECTORY | O_RDONLY);
	CHECK(dfd >= 0, "open dir");
	int fd = openat(dfd, "f", O_CREAT | O_WRONLY, 0644);
	CHECK(fd >= 0, "create f");
	close(fd);
	CHECK(symlinkat("f", dfd, "link") == 0 && mkdirat(dfd, "d", 0755) == 0 &&
	      mknodat(dfd, "fifo", S_IFIFO | 0644, 0) == 0, "fixtures");

	modes();
	owners();
	times();
	truncs();
	falloc();

	CHECK(unlinkat(dfd, "f", 0) == 0 && unlinkat(dfd, "link", 0) == 0 &&
	      unlinkat(dfd, "fifo", 0) == 0 && unlinkat(dfd, "d", AT_REMOVEDIR) == 0, "cleanup");
	close(dfd);
	CHECK(rmdir(dir) == 0, "rmdir top");
	printf("file_attr ok\n");
	return 0;
}
