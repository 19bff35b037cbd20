/* copy_file_range and sendfile edges: Linux's check order (EISDIR, EINVAL
 * for non-regular files, EBADF for modes and O_APPEND, EXDEV across
 * filesystems, EOVERFLOW when offset + length wraps, EINVAL for overlap),
 * shortening at EOF, and sendfile's need for a regular input. */
#include <fcntl.h>
#include <sys/sendfile.h>
#include <sys/socket.h>
#include <unistd.h>
#include "guest.h"

#define FAILS(call, err) CHECK((call) == -1 && errno == (err), "%s", #call)

int main(void)
{
	char dir[] = "/tmp/file_copyXXXXXX", buf[32];
	CHECK(mkdtemp(dir), "mkdtemp");
	int dfd = open(dir, O_RDONLY | O_DIRECTORY);
	int f = openat(dfd, "f", O_CREAT | O_RDWR, 0644);
	int g = openat(dfd, "g", O_CREAT | O_RDWR, 0644);
	CHECK(f >= 0 && g >= 0 && write(f, "hello world", 11) == 11, "files");
	int r = openat(dfd, "f", O_RDONLY), ap = openat(dfd, "g", O_WRONLY | O_APPEND);
	int op = openat(dfd, "f", O_PATH), p[2];
	CHECK(pipe(p) == 0, "pipe");
	loff_t a, b;

	/* copy_file_range */
	CHECK(copy_file_range(r, NULL, g, NULL, 5, 0) == 5 && lseek(r, 0, SEEK_CUR) == 5, "copy moves positions");
	CHECK(pread(g, buf, 5, 0) == 5 && !memcmp(buf, "hello", 5), "copied");
	a = 6;
	CHECK(copy_file_range(r, &a, g, NULL, 100, 0) == 5 && a == 11, "shortened at EOF");
	a = 100;
	CHECK(copy_file_range(r, &a, g, NULL, 5, 0) == 0, "past EOF: 0");
	CHECK(copy_file_range(r, NULL, g, NULL, 0, 0) == 0, "length 0");
	FAILS(copy_file_range(r, NULL, g, NULL, 5, 1), EINVAL);
	FAILS(copy_file_range(dfd, NULL, g, NULL, 5, 0), EISDIR);
	FAILS(copy_file_range(r, NULL, dfd, NULL, 5, 0), EISDIR);
	FAILS(copy_file_range(p[0], NULL, g, NULL, 5, 0), EINVAL);
	FAILS(copy_file_range(r, NULL, p[1], NULL, 5, 0), EINVAL);
	FAILS(copy_file_range(r, NULL, ap, NULL, 5, 0), EBADF);
	FAILS(copy_file_range(ap, NULL, g, NULL, 5, 0), EBADF);
	FAILS(copy_file_range(g, NULL, r, NULL, 5, 0), EBADF);
	FAILS(copy_file_range(op, NULL, g, NULL, 5, 0), EBADF);
	FAILS(copy_file_range(-1, NULL, g, NULL, 5, 0), EBADF);
	int proc = open("/proc/self/status", O_RDONLY);
	FAILS(copy_file_range(proc, NULL, g, NULL, 5, 0), EXDEV);
	close(proc);
	a = -1;
	FAILS(copy_file_range(r, &a, g, NULL, 5, 0), EOVERFLOW);
	a = -100;
	FAILS(copy_file_range(r, &a, g, NULL, 5, 0), EINVAL);
	a = 0;
	b = 2;
	FAILS(copy_file_range(f, &a, f, &b, 5, 0), EINVAL);
	b = 20;
	CHECK(copy_file_range(f, &a, f, &b, 5, 0) == 5 && b == 25, "same file, apart");
	FAILS(copy_file_range(r, (loff_t *)8, g, NULL, 5, 0), EFAULT);

	/* sendfile: the input must be a regular file (a socket only into a pipe) */
	a = 0;
	CHECK(sendfile(g, r, &a, 5) == 5 && a == 5, "sendfile with an offset");
	FAILS(sendfile(g, dfd, NULL, 5), EINVAL);
	CHECK(write(p[1], "abc", 3) == 3, "fill pipe");
	FAILS(sendfile(g, p[0], NULL, 3), EINVAL);
	a = 0;
	FAILS(sendfile(g, p[0], &a, 3), ESPIPE);
	FAILS(sendfile(ap, r, NULL, 5), EINVAL);
	FAILS(sendfile(r, f, NULL, 5), EBADF);
	CHECK(sendfile(p[1], r, NULL, 2) == 2, "file into a pipe");
	int sv[2];
	CHECK(socketpair(AF_UNIX, SOCK_STREAM, 0, sv) == 0 && write(sv[1], "xy", 2) == 2, "socketpair");
	FAILS(sendfile(g, sv[0], NULL, 2), EINVAL);
	a = -1;
	FAILS(sendfile(g, r, &a, 5), EINVAL);

	close(sv[0]);
	close(sv[1]);
	close(p[0]);
	close(p[1]);
	close(op);
	close(ap);
	close(r);
	close(f);
	close(g);
	CHECK(unlinkat(dfd, "f", 0) == 0 && unlinkat(dfd, "g", 0) == 0, "cleanup");
	close(dfd);
	CHECK(rmdir(dir) == 0, "rmdir");
	printf("file_copy ok\n");
	return 0;
}
