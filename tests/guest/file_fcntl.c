/* fcntl descriptor commands, pipe sizes and dup/dup2/dup3/close_range:
 * F_DUPFD(_CLOEXEC) minimum and limits, F_GETFD/F_SETFD, which F_SETFL bits
 * change, F_SETPIPE_SZ rounding, EBUSY and the CAP_SYS_RESOURCE limit,
 * F_GETLK on a free file, CLOSE_RANGE_CLOEXEC and CLOSE_RANGE_UNSHARE. */
#include <fcntl.h>
#include <linux/capability.h>
#include <linux/close_range.h>
#include <pthread.h>
#include <sys/file.h>
#include <sys/resource.h>
#include <sys/syscall.h>
#include <unistd.h>
#include "guest.h"

#define FAILS(call, err) CHECK((call) == -1 && errno == (err), "%s", #call)
#ifndef F_DUPFD_QUERY
#define F_DUPFD_QUERY 1027
#endif
#define KO_LARGEFILE 0100000   /* the kernel's O_LARGEFILE (glibc's is 0 on x86-64) */

static int is_open(int fd)
{
	return fcntl(fd, F_GETFD) >= 0;
}

static int has_cap(int cap)
{
	struct __user_cap_header_struct h = { _LINUX_CAPABILITY_VERSION_3, 0 };
	struct __user_cap_data_struct d[2];
	CHECK(syscall(SYS_capget, &h, d) == 0, "capget");
	return (d[cap / 32].effective >> (cap % 32)) & 1;
}

static void dupfd(int fd)
{
	int d = fcntl(fd, F_DUPFD, 100);
	CHECK(d == 100 && fcntl(d, F_GETFD) == 0, "F_DUPFD 100 -> %d", d);
	int e = fcntl(fd, F_DUPFD_CLOEXEC, 100);
	CHECK(e == 101 && fcntl(e, F_GETFD) == FD_CLOEXEC, "F_DUPFD_CLOEXEC lowest free >= 100: %d", e);
	close(d);
	CHECK(fcntl(fd, F_DUPFD, 99) == 99 && fcntl(fd, F_DUPFD, 99) == 100, "fills the gaps");
	close(99);
	close(100);
	close(e);
	struct rlimit rl;
	CHECK(getrlimit(RLIMIT_NOFILE, &rl) == 0, "getrlimit");
	FAILS(fcntl(fd, F_DUPFD, (int)rl.rlim_cur), EINVAL);
	FAILS(fcntl(fd, F_DUPFD, -1), EINVAL);
	CHECK(fcntl(fd, F_DUPFD, (int)rl.rlim_cur - 1) == (int)rl.rlim_cur - 1, "last slot");
	FAILS(fcntl(fd, F_DUPFD, (int)rl.rlim_cur - 1), EMFILE);
	close((int)rl.rlim_cur - 1);

	/* F_GETFD/F_SETFD keep only FD_CLOEXEC */
	CHECK(fcntl(fd, F_SETFD, 0xff) == 0 && fcntl(fd, F_GETFD) == FD_CLOEXEC, "only FD_CLOEXEC");
	CHECK(fcntl(fd, F_SETFD, 0) == 0 && fcntl(fd, F_GETFD) == 0, "cleared");
	FAILS(fcntl(-1, F_GETFD), EBADF);
	FAILS(fcntl(1000, F_SETFD, 0), EBADF);
	FAILS(fcntl(fd, 0x7fff), EINVAL);
}

static void getsetfl(const char *path)
{
	int fd = open(path, O_RDWR | O_CREAT, 0644);
	CHECK(fd >= 0 && fcntl(fd, F_GETFL) == (O_RDWR | KO_LARGEFILE), "F_GETFL %#x", fcntl(fd, F_GETFL));
	/* access mode, creation and O_SYNC bits are ignored; APPEND/NONBLOCK/NOATIME change */
	CHECK(fcntl(fd, F_SETFL, O_WRONLY | O_APPEND | O_NONBLOCK | O_TRUNC | O_CREAT | O_SYNC |
		    O_NOATIME | O_CLOEXEC) == 0, "F_SETFL");
	int fl = fcntl(fd, F_GETFL);
	CHECK(fl == (O_RDWR | O_APPEND | O_NONBLOCK | O_NOATIME | KO_LARGEFILE), "after F_SETFL %#x", fl);
	CHECK(fcntl(fd, F_GETFD) == 0, "F_SETFL does not touch FD_CLOEXEC");
	/* the flags belong to the open file description: dups see them */
	int d = dup(fd);
	CHECK(fcntl(d, F_GETFL) == fl, "dup shares status flags");
	CHECK(fcntl(d, F_SETFL, 0) == 0 && fcntl(fd, F_GETFL) == (O_RDWR | KO_LARGEFILE), "cleared via dup");
	close(d);
	/* O_APPEND set later moves writes to the end */
	CHECK(write(fd, "abc", 3) == 3 && lseek(fd, 0, SEEK_SET) == 0, "write");
	CHECK(fcntl(fd, F_SETFL, O_APPEND) == 0 && write(fd, "d", 1) == 1 && lseek(fd, 0, SEEK_CUR) == 4,
	      "appended after F_SETFL");
	/* F_GETLK on an unlocked file, bad lock types */
	struct flock lk = { .l_type = F_WRLCK, .l_whence = SEEK_SET };
	CHECK(fcntl(fd, F_GETLK, &lk) == 0 && lk.l_type == F_UNLCK, "F_GETLK free");
	lk.l_type = 7;
	FAILS(fcntl(fd, F_GETLK, &lk), EINVAL);
	FAILS(fcntl(fd, F_SETLK, &lk), EINVAL);
	FAILS(fcntl(fd, F_GETPIPE_SZ), EBADF);
	FAILS(fcntl(fd, F_SETPIPE_SZ, 4096), EBADF);
	/* F_DUPFD_QUERY (Linux 6.10): the same open file description? */
	int d2 = dup(fd), other = open(path, O_RDONLY);
	CHECK(fcntl(fd, F_DUPFD_QUERY, d2) == 1 && fcntl(fd, F_DUPFD_QUERY, fd) == 1, "F_DUPFD_QUERY dup");
	CHECK(fcntl(fd, F_DUPFD_QUERY, other) == 0, "F_DUPFD_QUERY other open");
	FAILS(fcntl(fd, F_DUPFD_QUERY, 999), EBADF);
	close(d2);
	close(other);
	CHECK(fcntl(fd, F_GETLEASE) == F_UNLCK, "no lease");
	/* access mode 3 (ioctl only): no read, no write, no flock */
	int m3 = open(path, 3);
	CHECK(m3 >= 0 && fcntl(m3, F_GETFL) == (3 | KO_LARGEFILE), "mode 3");
	char c;
	FAILS(read(m3, &c, 1), EBADF);
	FAILS(write(m3, &c, 1), EBADF);
	FAILS(flock(m3, LOCK_SH), EBADF);
	close(m3);
	/* F_SETOWN/F_GETOWN */
	CHECK(fcntl(fd, F_SETOWN, getpid()) == 0 && fcntl(fd, F_GETOWN) == getpid(), "owner");
	close(fd);
	fd = open(path, O_RDONLY | O_NONBLOCK);
	CHECK(fcntl(fd, F_GETFL) == (O_RDONLY | O_NONBLOCK | KO_LARGEFILE), "O_NONBLOCK at open");
	close(fd);
	unlink(path);
}

static void pipesz(void)
{
	int p[2];
	CHECK(pipe(p) == 0, "pipe");
	CHECK(fcntl(p[0], F_GETPIPE_SZ) == 65536, "default 64 KiB");
	static const struct { int set, got; } cases[] = {
		{ 0, 4096 }, { 1, 4096 }, { 4096, 4096 }, { 4097, 8192 }, { 5000, 8192 },
		{ 70000, 131072 }, { 1048576, 1048576 }, { 65536, 65536 },
	};
	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		CHECK(fcntl(p[1], F_SETPIPE_SZ, cases[i].set) == cases[i].got, "set %d", cases[i].set);
		CHECK(fcntl(p[0], F_GETPIPE_SZ) == cases[i].got, "get after %d", cases[i].set);
	}
	FAILS(fcntl(p[1], F_SETPIPE_SZ, -1), EINVAL);
	/* above /proc/sys/fs/pipe-max-size (1 MiB) only with CAP_SYS_RESOURCE */
	if (has_cap(CAP_SYS_RESOURCE))
		CHECK(fcntl(p[1], F_SETPIPE_SZ, 2097152) == 2097152, "2 MiB with CAP_SYS_RESOURCE");
	else
		FAILS(fcntl(p[1], F_SETPIPE_SZ, 2097152), EPERM);
	CHECK(fcntl(p[1], F_SETPIPE_SZ, 65536) == 65536, "back to 64 KiB");
	char buf[10000] = { 0 };
	CHECK(write(p[1], buf, sizeof(buf)) == (ssize_t)sizeof(buf), "fill 10000");
	FAILS(fcntl(p[1], F_SETPIPE_SZ, 4096), EBUSY);
	FAILS(fcntl(p[1], F_SETPIPE_SZ, 8192), EBUSY);
	CHECK(fcntl(p[1], F_SETPIPE_SZ, 16384) == 16384, "room for the data");
	CHECK(read(p[0], buf, sizeof(buf)) == (ssize_t)sizeof(buf), "data kept");
	close(p[0]);
	close(p[1]);
}

static void dups(void)
{
	int p[2];
	CHECK(pipe(p) == 0, "pipe");
	int d = dup(p[0]);
	CHECK(d > p[1] && fcntl(d, F_GETFD) == 0, "dup lowest free");
	FAILS(dup(-1), EBADF);
	FAILS(dup(999), EBADF);
	CHECK(dup2(p[0], p[0]) == p[0], "dup2 same fd");
	FAILS(dup2(999, 999), EBADF);
	FAILS(dup2(-1, 50), EBADF);
	CHECK(fcntl(d, F_SETFD, FD_CLOEXEC) == 0 && dup2(p[1], d) == d, "dup2 over an open fd");
	CHECK(fcntl(d, F_GETFD) == 0, "dup2 clears FD_CLOEXEC");
	CHECK(write(d, "x", 1) == 1, "now the write end");
	struct rlimit rl;
	CHECK(getrlimit(RLIMIT_NOFILE, &rl) == 0, "getrlimit");
	FAILS(dup2(p[0], (int)rl.rlim_cur), EBADF);
	FAILS(dup2(p[0], -1), EBADF);
	FAILS(dup3(p[0], p[0], 0), EINVAL);
	FAILS(dup3(p[0], p[0], O_CLOEXEC), EINVAL);
	FAILS(dup3(p[0], 60, O_NONBLOCK), EINVAL);
	FAILS(dup3(999, 60, 0), EBADF);
	CHECK(dup3(p[0], 60, O_CLOEXEC) == 60 && fcntl(60, F_GETFD) == FD_CLOEXEC, "dup3 O_CLOEXEC");
	CHECK(dup3(p[0], 60, 0) == 60 && fcntl(60, F_GETFD) == 0, "dup3 0");
	char c;
	CHECK(read(60, &c, 1) == 1 && c == 'x', "same pipe");
	close(60);
	close(d);
	/* EMFILE when the table is full */
	struct rlimit low = { 64, rl.rlim_max };
	CHECK(setrlimit(RLIMIT_NOFILE, &low) == 0, "setrlimit");
	int last = -1;
	for (;;) {
		int n = dup(p[0]);
		if (n < 0) {
			CHECK(errno == EMFILE, "EMFILE");
			break;
		}
		last = n;
	}
	CHECK(last == 63, "filled to 63");
	FAILS(fcntl(p[0], F_DUPFD, 10), EMFILE);
	CHECK(close_range(p[1] + 1, ~0U, 0) == 0, "close the dups");
	CHECK(setrlimit(RLIMIT_NOFILE, &rl) == 0, "restore rlimit");
	close(p[0]);
	close(p[1]);
}

static void *unshare_and_close(void *arg)
{
	int first = *(int *)arg;
	CHECK(close_range(first, first + 2, CLOSE_RANGE_UNSHARE) == 0, "unshare");
	CHECK(!is_open(first), "closed in the thread");
	return NULL;
}

static void closerange(void)
{
	int base = 200;
	for (int i = 0; i < 6; i++)
		CHECK(dup2(0, base + i) == base + i, "dup2 %d", base + i);
	CHECK(close_range(base + 1, base + 3, 0) == 0, "close_range");
	CHECK(is_open(base) && !is_open(base + 1) && !is_open(base + 3) && is_open(base + 4), "range");
	CHECK(close_range(base + 4, base + 5, CLOSE_RANGE_CLOEXEC) == 0, "CLOEXEC");
	CHECK(fcntl(base + 4, F_GETFD) == FD_CLOEXEC && fcntl(base + 5, F_GETFD) == FD_CLOEXEC &&
	      fcntl(base, F_GETFD) == 0, "cloexec set on the range only");
	FAILS(close_range(5, 4, 0), EINVAL);
	FAILS(close_range(base, base, 0x1), EINVAL);
	FAILS(close_range(base, base, 0x8), EINVAL);
	CHECK(close_range(5000, 6000, 0) == 0 && close_range(~0U, ~0U, 0) == 0, "empty ranges");
	/* CLOSE_RANGE_UNSHARE in a thread leaves the process's table alone */
	pthread_t th;
	CHECK(pthread_create(&th, NULL, unshare_and_close, &base) == 0, "thread");
	CHECK(pthread_join(th, NULL) == 0, "join");
	CHECK(is_open(base), "still open in the main thread");
	CHECK(close_range(base, base + 5, 0) == 0 && !is_open(base) && !is_open(base + 5), "all closed");
	/* close(2) */
	FAILS(close(-1), EBADF);
	FAILS(close(base), EBADF);
}

int main(void)
{
	char dir[] = "/tmp/file_fcntlXXXXXX", path[64];
	CHECK(mkdtemp(dir), "mkdtemp");
	snprintf(path, sizeof(path), "%s/f", dir);
	int fd = open(dir, O_RDONLY | O_DIRECTORY);
	CHECK(fd >= 0, "open dir");
	dupfd(fd);
	close(fd);
	getsetfl(path);
	pipesz();
	dups();
	closerange();
	CHECK(rmdir(dir) == 0, "rmdir");
	printf("file_fcntl ok\n");
	return 0;
}
