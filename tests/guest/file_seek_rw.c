/* lseek (SEEK_DATA/SEEK_HOLE, ENXIO, EINVAL, pipes, directories), pread/
 * pwrite (negative offsets, ESPIPE, O_APPEND), preadv2/pwritev2 (offset -1,
 * RWF_* flags), readv/writev (IOV_MAX, length overflow, partial reads). */
#include <fcntl.h>
#include <limits.h>
#include <linux/magic.h>
#include <stdint.h>
#include <sys/eventfd.h>
#include <sys/socket.h>
#include <sys/statfs.h>
#include <sys/syscall.h>
#include <sys/uio.h>
#include <unistd.h>
#include "guest.h"

#define FAILS(call, err) CHECK((call) == -1 && errno == (err), "%s", #call)
#ifndef RWF_NOAPPEND
#define RWF_NOAPPEND 0x20
#endif
#define RWF_ATOMIC_ 0x40
#define RWF_DONTCACHE_ 0x80
#define RWF_UNKNOWN 0x200

static off_t fsize(int fd)
{
	off_t cur = lseek(fd, 0, SEEK_CUR), end = lseek(fd, 0, SEEK_END);
	lseek(fd, cur, SEEK_SET);
	return end;
}

static void seeks(int dfd)
{
	int fd = openat(dfd, "f", O_CREAT | O_RDWR | O_TRUNC, 0644);
	char buf[8192];
	memset(buf, 'x', sizeof(buf));
	CHECK(write(fd, buf, 8192) == 8192, "write");
	CHECK(lseek(fd, 0, SEEK_SET) == 0 && lseek(fd, 10, SEEK_CUR) == 10 && lseek(fd, -2, SEEK_CUR) == 8,
	      "SET/CUR");
	CHECK(lseek(fd, -1, SEEK_END) == 8191 && lseek(fd, 100, SEEK_END) == 8292, "END");
	CHECK(lseek(fd, 1LL << 40, SEEK_SET) == 1LL << 40 && read(fd, buf, 1) == 0, "far past EOF");
	FAILS(lseek(fd, -1, SEEK_SET), EINVAL);
	FAILS(lseek(fd, -9000, SEEK_END), EINVAL);
	FAILS(lseek(fd, 0, 5), EINVAL);
	FAILS(lseek(fd, 0, -1), EINVAL);
	CHECK(lseek(fd, 100, SEEK_SET) == 100, "set");
	FAILS(lseek(fd, LLONG_MAX, SEEK_CUR), EINVAL);
	CHECK(lseek(fd, 0, SEEK_CUR) == 100, "unchanged after errors");
	/* SEEK_DATA/SEEK_HOLE on a file without holes: data at off, hole at EOF */
	CHECK(lseek(fd, 0, SEEK_DATA) == 0 && lseek(fd, 5000, SEEK_DATA) == 5000, "SEEK_DATA");
	CHECK(lseek(fd, 0, SEEK_HOLE) == 8192 && lseek(fd, 0, SEEK_CUR) == 8192, "SEEK_HOLE at EOF");
	FAILS(lseek(fd, 8192, SEEK_DATA), ENXIO);
	FAILS(lseek(fd, 8192, SEEK_HOLE), ENXIO);
	FAILS(lseek(fd, -1, SEEK_DATA), ENXIO);
	FAILS(lseek(fd, -1, SEEK_HOLE), ENXIO);
	/* a sparse file: filesystems may report its hole or treat it all as data */
	CHECK(ftruncate(fd, 1 << 20) == 0 && pwrite(fd, "y", 1, (1 << 20) - 1) == 1, "sparse tail");
	off_t hole = lseek(fd, 0, SEEK_HOLE);
	CHECK(hole >= 8192 && hole <= 1 << 20, "hole %lld within [8192, size]", (long long)hole);
	if (hole < 1 << 20) {
		off_t data = lseek(fd, hole, SEEK_DATA);
		CHECK(data > hole && data < 1 << 20, "data again before EOF: %lld", (long long)data);
	} else {
		FAILS(lseek(fd, hole, SEEK_DATA), ENXIO);
	}
	close(fd);
	fd = openat(dfd, "empty", O_CREAT | O_RDWR, 0644);
	FAILS(lseek(fd, 0, SEEK_DATA), ENXIO);
	FAILS(lseek(fd, 0, SEEK_HOLE), ENXIO);
	close(fd);

	int p[2];
	CHECK(pipe(p) == 0, "pipe");
	FAILS(lseek(p[0], 0, SEEK_CUR), ESPIPE);
	FAILS(lseek(p[1], 0, SEEK_SET), ESPIPE);
	FAILS(pread(p[0], buf, 1, 0), ESPIPE);
	FAILS(pwrite(p[1], buf, 1, 0), ESPIPE);
	struct iovec io = { buf, 1 };
	FAILS(preadv(p[0], &io, 1, 0), ESPIPE);
	FAILS(pwritev(p[1], &io, 1, 0), ESPIPE);
	FAILS(preadv2(p[0], &io, 1, 0, 0), ESPIPE);
	CHECK(pwritev2(p[1], &io, 1, -1, 0) == 1, "pwritev2 -1 on a pipe is write");
	CHECK(preadv2(p[0], &io, 1, -1, 0) == 1, "preadv2 -1 on a pipe is read");
	FAILS(preadv2(p[0], &io, 1, -1, RWF_NOWAIT), EAGAIN);
	close(p[0]);
	close(p[1]);
	FAILS(lseek(-1, 0, SEEK_SET), EBADF);
	int dn = open("/dev/null", O_RDWR);
	CHECK(lseek(dn, 123, SEEK_SET) == 0 && lseek(dn, 5, SEEK_END) == 0, "/dev/null stays at 0");
	close(dn);
	int d = openat(dfd, ".", O_RDONLY | O_DIRECTORY);
	CHECK(lseek(d, 0, SEEK_SET) == 0 && lseek(d, 0, SEEK_CUR) == 0, "directory SEEK_SET 0");
	FAILS(lseek(d, -5, SEEK_SET), EINVAL);
	FAILS(pread(d, buf, 1, 0), EISDIR);
	close(d);
}

static void prw(int dfd)
{
	char buf[64];
	int fd = openat(dfd, "g", O_CREAT | O_RDWR | O_TRUNC, 0644);
	CHECK(write(fd, "0123456789", 10) == 10, "write");
	CHECK(pwrite(fd, "ab", 2, 3) == 2 && lseek(fd, 0, SEEK_CUR) == 10, "pwrite keeps the position");
	CHECK(pread(fd, buf, 5, 2) == 5 && !memcmp(buf, "2ab56", 5), "pread");
	CHECK(pread(fd, buf, 5, 100) == 0, "pread past EOF");
	CHECK(pwrite(fd, "z", 1, 20) == 1 && fsize(fd) == 21, "pwrite past EOF extends");
	CHECK(pread(fd, buf, 11, 10) == 11 && buf[0] == 0 && buf[9] == 0 && buf[10] == 'z', "gap zeros");
	FAILS(pread(fd, buf, 1, -1), EINVAL);
	FAILS(pwrite(fd, buf, 1, -1), EINVAL);
	FAILS(syscall(SYS_pread64, fd, 8, 4, 0), EFAULT);
	FAILS(pread(-1, buf, 1, 0), EBADF);
	CHECK(pread(fd, buf, 0, 0) == 0 && pwrite(fd, buf, 0, 0) == 0, "zero-length");
	close(fd);
	fd = openat(dfd, "g", O_WRONLY);
	FAILS(pread(fd, buf, 1, 0), EBADF);
	FAILS(read(fd, buf, 0), EBADF);
	close(fd);
	fd = openat(dfd, "g", O_RDONLY);
	FAILS(pwrite(fd, buf, 1, 0), EBADF);
	FAILS(write(fd, buf, 0), EBADF);
	close(fd);
	/* O_APPEND: pwrite appends too (Linux), the position does not move */
	fd = openat(dfd, "g", O_RDWR | O_APPEND);
	CHECK(pwrite(fd, "A", 1, 0) == 1 && fsize(fd) == 22 && lseek(fd, 0, SEEK_CUR) == 0,
	      "pwrite with O_APPEND");
	CHECK(pread(fd, buf, 1, 21) == 1 && buf[0] == 'A' && pread(fd, buf, 1, 0) == 1 && buf[0] == '0',
	      "appended, start untouched");
	struct iovec io = { "N", 1 };
	CHECK(pwritev2(fd, &io, 1, 0, RWF_NOAPPEND) == 1 && fsize(fd) == 22, "RWF_NOAPPEND");
	CHECK(pread(fd, buf, 1, 0) == 1 && buf[0] == 'N', "written at the offset");
	close(fd);
}

static void rwf(int dfd)
{
	char buf[16];
	struct statfs sfs;
	int fd = openat(dfd, "h", O_CREAT | O_RDWR | O_TRUNC, 0644);
	CHECK(fd >= 0 && fstatfs(fd, &sfs) == 0 && write(fd, "0123456789", 10) == 10, "h");
	struct iovec io = { buf, 4 };
	/* offset -1: the file position, which moves */
	CHECK(lseek(fd, 2, SEEK_SET) == 2 && preadv2(fd, &io, 1, -1, 0) == 4 && !memcmp(buf, "2345", 4) &&
	      lseek(fd, 0, SEEK_CUR) == 6, "preadv2 -1");
	CHECK(preadv2(fd, &io, 1, 0, 0) == 4 && lseek(fd, 0, SEEK_CUR) == 6, "preadv2 0 keeps it");
	FAILS(preadv2(fd, &io, 1, -2, 0), EINVAL);
	FAILS(pwritev2(fd, &io, 1, -2, 0), EINVAL);
	/* advisory flags work everywhere */
	int ok[] = { RWF_HIPRI, RWF_DSYNC, RWF_SYNC };
	for (int i = 0; i < 3; i++) {
		CHECK(pwritev2(fd, &io, 1, 0, ok[i]) == 4, "pwritev2 %#x", ok[i]);
		CHECK(preadv2(fd, &io, 1, 0, ok[i]) == 4, "preadv2 %#x", ok[i]);
	}
	FAILS(preadv2(fd, &io, 1, 0, RWF_UNKNOWN), EOPNOTSUPP);
	FAILS(pwritev2(fd, &io, 1, 0, RWF_UNKNOWN), EOPNOTSUPP);
	FAILS(pwritev2(fd, &io, 1, 0, RWF_ATOMIC_), EOPNOTSUPP);
	/* tmpfs has neither non-blocking nor uncached I/O */
	if (sfs.f_type == TMPFS_MAGIC) {
		FAILS(preadv2(fd, &io, 1, 0, RWF_NOWAIT), EOPNOTSUPP);
		FAILS(pwritev2(fd, &io, 1, 0, RWF_NOWAIT), EOPNOTSUPP);
		FAILS(preadv2(fd, &io, 1, 0, RWF_DONTCACHE_), EOPNOTSUPP);
	}
	/* RWF_APPEND: this write goes to the end, with or without an offset */
	struct iovec w = { "EF", 2 };
	CHECK(pwritev2(fd, &w, 1, 0, RWF_APPEND) == 2 && fsize(fd) == 12 && lseek(fd, 0, SEEK_CUR) == 6,
	      "RWF_APPEND with an offset keeps the position");
	CHECK(pwritev2(fd, &w, 1, -1, RWF_APPEND) == 2 && lseek(fd, 0, SEEK_CUR) == 14, "RWF_APPEND at -1");
	CHECK(pwritev2(fd, &w, 1, 0, 0) == 2 && fsize(fd) == 14, "next write is not appended");
	CHECK(fcntl(fd, F_GETFL) & O_RDWR && !(fcntl(fd, F_GETFL) & O_APPEND), "no O_APPEND left");
	close(fd);
}

static void vec(int dfd)
{
	static struct iovec many[IOV_MAX + 1];
	char a[3], b[5], c[4];
	int fd = openat(dfd, "v", O_CREAT | O_RDWR | O_TRUNC, 0644);
	struct iovec w[3] = { { "abc", 3 }, { NULL, 0 }, { "defgh", 5 } };
	CHECK(writev(fd, w, 3) == 8, "writev");
	struct iovec r[3] = { { a, 3 }, { b, 5 }, { c, 4 } };
	CHECK(lseek(fd, 0, SEEK_SET) == 0 && readv(fd, r, 3) == 8, "readv short at EOF");
	CHECK(!memcmp(a, "abc", 3) && !memcmp(b, "defgh", 5), "scattered");
	CHECK(readv(fd, r, 0) == 0 && writev(fd, r, 0) == 0, "zero iovecs");
	for (int i = 0; i <= IOV_MAX; i++)
		many[i] = (struct iovec){ a, 1 };
	CHECK(lseek(fd, 0, SEEK_SET) == 0 && readv(fd, many, IOV_MAX) == 8, "IOV_MAX iovecs");
	FAILS(readv(fd, many, IOV_MAX + 1), EINVAL);
	FAILS(writev(fd, many, IOV_MAX + 1), EINVAL);
	FAILS(syscall(SYS_readv, fd, many, -1), EINVAL);
	struct iovec big[2] = { { b, 2 }, { a, (size_t)-1 } };
	FAILS(writev(fd, big, 2), EINVAL);         /* a negative length */
	big[1].iov_len = SSIZE_MAX;
	FAILS(writev(fd, big, 2), EFAULT);         /* beyond the address space */
	FAILS(syscall(SYS_write, fd, a, SSIZE_MAX), EFAULT);
	FAILS(syscall(SYS_readv, fd, 8, 1), EFAULT);
	struct iovec bad[2] = { { "xy", 2 }, { (void *)8, 4 } };
	CHECK(lseek(fd, 0, SEEK_SET) == 0 && writev(fd, bad, 2) == 2, "partial writev before a bad buffer");
	struct iovec badr[1] = { { (void *)8, 4 } };
	FAILS(readv(fd, badr, 1), EFAULT);
	close(fd);
	fd = openat(dfd, "v", O_RDONLY);
	FAILS(writev(fd, w, 3), EBADF);
	FAILS(writev(fd, w, 0), EBADF);
	close(fd);
	FAILS(readv(-1, r, 1), EBADF);

	/* pipes and sockets: one vectored call is one transfer */
	int p[2], sv[2];
	char x[4], y[10];
	struct iovec two[2] = { { x, 4 }, { y, 10 } };
	CHECK(pipe(p) == 0 && write(p[1], "abcd", 4) == 4, "pipe");
	CHECK(readv(p[0], two, 2) == 4 && !memcmp(x, "abcd", 4), "readv returns what the pipe has");
	close(p[0]);
	close(p[1]);
	CHECK(socketpair(AF_UNIX, SOCK_DGRAM, 0, sv) == 0, "dgram pair");
	struct iovec parts[2] = { { "abcd", 4 }, { "efgh", 4 } };
	CHECK(writev(sv[1], parts, 2) == 8, "writev one datagram");
	CHECK(readv(sv[0], two, 2) == 8 && !memcmp(x, "abcd", 4) && !memcmp(y, "efgh", 4),
	      "readv of one datagram across iovecs");
	static char dgram[100000], back[150000];
	memset(dgram, 'q', sizeof(dgram));
	int sz = 400000;
	CHECK(setsockopt(sv[1], SOL_SOCKET, SO_SNDBUF, &sz, sizeof(sz)) == 0, "sndbuf");
	CHECK(write(sv[1], dgram, sizeof(dgram)) == (ssize_t)sizeof(dgram), "100 kB datagram");
	CHECK(read(sv[0], back, sizeof(back)) == (ssize_t)sizeof(dgram), "read whole");
	close(sv[0]);
	close(sv[1]);
	int efd = eventfd(5, 0);
	uint64_t cnt = 0;
	struct iovec halves[2] = { { &cnt, 4 }, { (char *)&cnt + 4, 4 } };
	CHECK(readv(efd, halves, 2) == 8 && cnt == 5, "eventfd read across two iovecs");
	close(efd);
}

/* The memory devices fill a whole read, however large (dd bs=1M). */
static void mem_devices(void)
{
	size_t len = 1 << 20;
	char *buf = malloc(len);
	CHECK(buf, "malloc");
	const char *devs[] = { "/dev/zero", "/dev/urandom", "/dev/full" };
	for (int i = 0; i < 3; i++) {
		int fd = open(devs[i], O_RDONLY);
		CHECK(fd >= 0, "open %s", devs[i]);
		memset(buf, 1, len);
		CHECK(read(fd, buf, len) == (ssize_t)len, "1 MiB read of %s", devs[i]);
		CHECK(i == 1 || (buf[0] == 0 && buf[len - 1] == 0), "%s reads zeros", devs[i]);
		close(fd);
	}
	free(buf);
}

int main(void)
{
	char dir[] = "/tmp/file_seek_rwXXXXXX";
	CHECK(mkdtemp(dir), "mkdtemp");
	int dfd = open(dir, O_RDONLY | O_DIRECTORY);
	CHECK(dfd >= 0, "open dir");
	seeks(dfd);
	prw(dfd);
	rwf(dfd);
	vec(dfd);
	mem_devices();
	const char *names[] = { "f", "empty", "g", "h", "v" };
	for (int i = 0; i < 5; i++)
		CHECK(unlinkat(dfd, names[i], 0) == 0, "unlink %s", names[i]);
	close(dfd);
	CHECK(rmdir(dir) == 0, "rmdir");
	printf("file_seek_rw ok\n");
	return 0;
}
