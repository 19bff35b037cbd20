/* O_TMPFILE: an unnamed file in /tmp, named later by linkat(AT_EMPTY_PATH)
 * or through /proc/self/fd with AT_SYMLINK_FOLLOW; O_EXCL forbids that. */
#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>
#include "guest.h"

#define FAILS(call, err) CHECK((call) == -1 && errno == (err), "%s", #call)

int main(void)
{
	char dir[] = "/tmp/tmpfileXXXXXX", a[64], b[64], c[64], proc[64], buf[16];
	CHECK(mkdtemp(dir), "mkdtemp");
	snprintf(a, sizeof(a), "%s/a", dir);
	snprintf(b, sizeof(b), "%s/b", dir);
	snprintf(c, sizeof(c), "%s/c", dir);

	FAILS(open(dir, O_TMPFILE | O_RDONLY, 0600), EINVAL);
	FAILS(open(a, O_TMPFILE | O_RDWR, 0600), ENOENT);
	int fd = open(dir, O_TMPFILE | O_RDWR, 0600);
	CHECK(fd >= 0, "O_TMPFILE");
	struct stat st;
	CHECK(fstat(fd, &st) == 0 && S_ISREG(st.st_mode) && st.st_nlink == 0 &&
	      (st.st_mode & 0777) == 0600, "unnamed regular file");
	CHECK(write(fd, "data", 4) == 4, "write");
	CHECK(linkat(fd, "", AT_FDCWD, a, AT_EMPTY_PATH) == 0, "linkat AT_EMPTY_PATH");
	CHECK(stat(a, &st) == 0 && st.st_nlink == 1 && st.st_size == 4, "named");
	int rd = open(a, O_RDONLY);
	CHECK(read(rd, buf, sizeof(buf)) == 4 && !memcmp(buf, "data", 4), "content");
	close(rd);
	FAILS(linkat(fd, "", AT_FDCWD, a, AT_EMPTY_PATH), EEXIST);
	FAILS(linkat(fd, "", AT_FDCWD, b, 0x1), EINVAL);
	close(fd);

	fd = open(dir, O_TMPFILE | O_WRONLY, 0644);
	snprintf(proc, sizeof(proc), "/proc/self/fd/%d", fd);
	CHECK(linkat(AT_FDCWD, proc, AT_FDCWD, b, AT_SYMLINK_FOLLOW) == 0, "link via /proc/self/fd");
	CHECK(stat(b, &st) == 0 && st.st_nlink == 1, "b named");
	close(fd);

	fd = open(dir, O_TMPFILE | O_WRONLY | O_EXCL, 0644);
	CHECK(fd >= 0, "O_TMPFILE|O_EXCL");
	FAILS(linkat(fd, "", AT_FDCWD, c, AT_EMPTY_PATH), ENOENT);
	snprintf(proc, sizeof(proc), "/proc/self/fd/%d", fd);
	FAILS(linkat(AT_FDCWD, proc, AT_FDCWD, c, AT_SYMLINK_FOLLOW), ENOENT);
	close(fd);
	FAILS(access(c, F_OK), ENOENT);

	/* a directory that lives on: nothing else appeared in it */
	CHECK(unlink(a) == 0 && unlink(b) == 0 && rmdir(dir) == 0, "cleanup leaves it empty");
	printf("tmpfile ok\n");
	return 0;
}
