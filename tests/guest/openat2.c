/* openat2: open_how size rules, flag validation, and RESOLVE_BENEATH,
 * RESOLVE_IN_ROOT, RESOLVE_NO_SYMLINKS, RESOLVE_NO_MAGICLINKS,
 * RESOLVE_NO_XDEV, RESOLVE_CACHED with their exact errnos. */
#include <fcntl.h>
#include <stdint.h>
#include <linux/openat2.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <unistd.h>
#include "guest.h"

#define FAILS(call, err) CHECK((call) == -1 && errno == (err), "%s", #call)

static int o2(int dfd, const char *path, uint64_t flags, uint64_t resolve)
{
	struct open_how how = { .flags = flags, .resolve = resolve };
	return (int)syscall(SYS_openat2, dfd, path, &how, sizeof(how));
}

int main(void)
{
	char dir[] = "/tmp/openat2XXXXXX", p[128];
	CHECK(mkdtemp(dir), "mkdtemp");
	int dfd = open(dir, O_DIRECTORY | O_RDONLY);
	CHECK(dfd >= 0, "open dir");
	CHECK(mkdirat(dfd, "sub", 0755) == 0, "mkdir");
	int f = openat(dfd, "sub/file", O_CREAT | O_WRONLY, 0644);
	CHECK(f >= 0, "create");
	close(f);
	CHECK(symlinkat("sub/file", dfd, "rel") == 0, "rel link");
	CHECK(symlinkat("/sub/file", dfd, "abs") == 0, "abs link");
	CHECK(symlinkat("../..", dfd, "up") == 0, "up link");

	/* struct size rules */
	struct { struct open_how how; uint64_t extra; } big = { { .flags = O_RDONLY }, 0 };
	FAILS(syscall(SYS_openat2, dfd, "sub", &big, 8), EINVAL);
	FAILS(syscall(SYS_openat2, dfd, "sub", &big, 8192), E2BIG);
	int fd = (int)syscall(SYS_openat2, dfd, "sub", &big, sizeof(big));
	CHECK(fd >= 0, "larger zeroed struct");
	close(fd);
	big.extra = 1;
	FAILS(syscall(SYS_openat2, dfd, "sub", &big, sizeof(big)), E2BIG);

	/* flag validation */
	FAILS(o2(dfd, "sub/file", 1ULL << 40, 0), EINVAL);
	FAILS(o2(dfd, "sub/file", O_RDONLY, 0x100), EINVAL);
	FAILS(o2(dfd, "sub/file", O_RDONLY, RESOLVE_BENEATH | RESOLVE_IN_ROOT), EINVAL);
	struct open_how m = { .flags = O_RDONLY, .mode = 0644 };
	FAILS(syscall(SYS_openat2, dfd, "sub/file", &m, sizeof(m)), EINVAL);
	FAILS(o2(dfd, "sub/file", O_PATH | O_RDWR, 0), EINVAL);
	FAILS(o2(dfd, "sub/new", O_CREAT | O_WRONLY, RESOLVE_CACHED), EAGAIN);

	/* RESOLVE_BENEATH */
	fd = o2(dfd, "sub/file", O_RDONLY, RESOLVE_BENEATH);
	CHECK(fd >= 0, "beneath inside");
	close(fd);
	CHECK((fd = o2(dfd, "sub/../rel", O_RDONLY, RESOLVE_BENEATH)) >= 0, "beneath .. inside");
	close(fd);
	FAILS(o2(dfd, "..", O_RDONLY, RESOLVE_BENEATH), EXDEV);
	FAILS(o2(dfd, "sub/../..", O_RDONLY, RESOLVE_BENEATH), EXDEV);
	FAILS(o2(dfd, "/tmp", O_RDONLY, RESOLVE_BENEATH), EXDEV);
	FAILS(o2(dfd, "abs", O_RDONLY, RESOLVE_BENEATH), EXDEV);
	FAILS(o2(dfd, "up", O_RDONLY, RESOLVE_BENEATH), EXDEV);
	FAILS(o2(dfd, "/proc/self/exe", O_RDONLY, RESOLVE_BENEATH), EXDEV);

	/* RESOLVE_IN_ROOT: "/" and ".." stay at dfd */
	CHECK((fd = o2(dfd, "abs", O_RDONLY, RESOLVE_IN_ROOT)) >= 0, "in_root absolute link");
	close(fd);
	CHECK((fd = o2(dfd, "/sub/file", O_RDONLY, RESOLVE_IN_ROOT)) >= 0, "in_root absolute");
	close(fd);
	CHECK((fd = o2(dfd, "../../../sub/file", O_RDONLY, RESOLVE_IN_ROOT)) >= 0, "in_root dotdot");
	close(fd);
	FAILS(o2(dfd, "/tmp", O_RDONLY, RESOLVE_IN_ROOT), ENOENT);

	/* symlinks */
	FAILS(o2(dfd, "rel", O_RDONLY, RESOLVE_NO_SYMLINKS), ELOOP);
	CHECK((fd = o2(dfd, "rel", O_PATH | O_NOFOLLOW, RESOLVE_NO_SYMLINKS)) >= 0, "the link itself");
	close(fd);
	snprintf(p, sizeof(p), "/proc/self/fd/%d", dfd);
	FAILS(o2(AT_FDCWD, p, O_RDONLY, RESOLVE_NO_MAGICLINKS), ELOOP);
	CHECK((fd = o2(AT_FDCWD, p, O_RDONLY, RESOLVE_NO_SYMLINKS & 0)) >= 0, "magic link allowed");
	close(fd);

	/* RESOLVE_NO_XDEV: /proc is another mount */
	int root = open("/", O_DIRECTORY | O_RDONLY);
	FAILS(o2(root, "proc/self", O_RDONLY, RESOLVE_NO_XDEV), EXDEV);
	FAILS(o2(dfd, "/proc", O_RDONLY, RESOLVE_NO_XDEV), EXDEV);
	CHECK((fd = o2(dfd, "sub/file", O_RDONLY, RESOLVE_NO_XDEV)) >= 0, "same mount");
	close(fd);
	CHECK((fd = o2(dfd, "sub/file", O_RDONLY, RESOLVE_CACHED)) >= 0 || errno == EAGAIN, "cached");
	if (fd >= 0)
		close(fd);

	unlinkat(dfd, "up", 0);
	unlinkat(dfd, "abs", 0);
	unlinkat(dfd, "rel", 0);
	unlinkat(dfd, "sub/file", 0);
	unlinkat(dfd, "sub", AT_REMOVEDIR);
	rmdir(dir);
	printf("openat2 ok\n");
	return 0;
}
