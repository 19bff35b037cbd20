/* Extended attributes: user.* on a regular file in a fresh /tmp directory
 * (tmpfs in the sandbox), the size/flag/name rules with their exact errnos,
 * namespaces and the permission rules; procfs and pipes have no xattrs. */
#include <fcntl.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <sys/xattr.h>
#include <unistd.h>
#include "guest.h"

#define FAILS(call, err) CHECK((call) == -1 && errno == (err), "%s", #call)

static char dir[] = "/tmp/xattrXXXXXX";
static char file[64], link_[64];

static void as_nobody(void)
{
	pid_t pid = fork();
	CHECK(pid >= 0, "fork");
	if (pid == 0) {
		CHECK(setresuid(65534, 65534, 65534) == 0, "setresuid");
		FAILS(setxattr(file, "trusted.t", "x", 1, 0), EPERM);
		FAILS(getxattr(file, "trusted.t", NULL, 0), ENODATA);
		FAILS(setxattr(file, "user.a", "x", 1, 0), EACCES);
		FAILS(setxattr(file, "security.s", "x", 1, 0), EPERM);
		char list[256];
		ssize_t n = listxattr(file, list, sizeof(list));
		CHECK(n == 18 && !memmem(list, (size_t)n, "trusted", 7), "list without trusted: %zd", n);
		_exit(0);
	}
	int st;
	CHECK(waitpid(pid, &st, 0) == pid && WIFEXITED(st) && WEXITSTATUS(st) == 0, "child");
}

int main(void)
{
	char buf[256], big_name[300];
	CHECK(mkdtemp(dir) && chmod(dir, 0755) == 0, "mkdtemp");
	snprintf(file, sizeof(file), "%s/f", dir);
	snprintf(link_, sizeof(link_), "%s/l", dir);
	int fd = open(file, O_CREAT | O_RDWR, 0644);
	CHECK(fd >= 0, "create");
	CHECK(symlink("f", link_) == 0, "symlink");

	CHECK(setxattr(file, "user.a", "hello", 5, 0) == 0, "set");
	CHECK(getxattr(file, "user.a", NULL, 0) == 5, "size query");
	FAILS(getxattr(file, "user.a", buf, 2), ERANGE);
	CHECK(getxattr(link_, "user.a", buf, sizeof(buf)) == 5 && !memcmp(buf, "hello", 5), "get through link");
	CHECK(fgetxattr(fd, "user.a", buf, sizeof(buf)) == 5, "fget");
	FAILS(setxattr(file, "user.a", "x", 1, XATTR_CREATE), EEXIST);
	FAILS(setxattr(file, "user.b", "x", 1, XATTR_REPLACE), ENODATA);
	FAILS(setxattr(file, "user.b", "x", 1, 4), EINVAL);
	CHECK(setxattr(file, "user.a", "bye", 3, XATTR_REPLACE) == 0, "replace");
	CHECK(getxattr(file, "user.a", buf, sizeof(buf)) == 3 && !memcmp(buf, "bye", 3), "replaced");
	CHECK(fsetxattr(fd, "user.empty", "", 0, XATTR_CREATE) == 0, "empty value");
	CHECK(getxattr(file, "user.empty", buf, sizeof(buf)) == 0, "empty get");

	ssize_t n = listxattr(file, NULL, 0);
	CHECK(n == 7 + 11, "list size %zd", n);
	FAILS(listxattr(file, buf, 3), ERANGE);
	n = flistxattr(fd, buf, sizeof(buf));
	CHECK(n == 18 && memmem(buf, (size_t)n, "user.a", 7) && memmem(buf, (size_t)n, "user.empty", 11),
	      "list content");

	static char huge[65537];
	FAILS(setxattr(file, "user.h", huge, sizeof(huge), 0), E2BIG);
	memset(big_name, 'n', sizeof(big_name));
	memcpy(big_name, "user.", 5);
	big_name[256] = 0;
	FAILS(setxattr(file, big_name, "x", 1, 0), ERANGE);
	FAILS(getxattr(file, big_name, buf, sizeof(buf)), ERANGE);
	FAILS(setxattr(file, "", "x", 1, 0), ERANGE);
	FAILS(setxattr(file, "foo.bar", "x", 1, 0), EOPNOTSUPP);
	FAILS(getxattr(file, "user.nothing", buf, sizeof(buf)), ENODATA);

	/* user.* only on regular files and directories */
	FAILS(lsetxattr(link_, "user.a", "x", 1, 0), EPERM);
	FAILS(lgetxattr(link_, "user.a", buf, sizeof(buf)), ENODATA);
	CHECK(setxattr(dir, "user.d", "1", 1, 0) == 0, "dir xattr");
	CHECK(setxattr(file, "trusted.t", "t", 1, 0) == 0, "trusted as root");

	int pfd = open(file, O_PATH);
	FAILS(fgetxattr(pfd, "user.a", buf, sizeof(buf)), EBADF);
	close(pfd);

	as_nobody();

	CHECK(removexattr(file, "user.a") == 0, "remove");
	FAILS(removexattr(file, "user.a"), ENODATA);
	FAILS(getxattr(file, "user.a", buf, sizeof(buf)), ENODATA);
	CHECK(fremovexattr(fd, "trusted.t") == 0, "remove trusted");

	/* Filesystems and objects without xattrs. */
	FAILS(getxattr("/proc/self/status", "user.a", buf, sizeof(buf)), EOPNOTSUPP);
	int p[2];
	CHECK(pipe(p) == 0, "pipe");
	FAILS(fsetxattr(p[0], "user.a", "x", 1, 0), EPERM);
	FAILS(fgetxattr(p[0], "user.a", buf, sizeof(buf)), ENODATA);

	close(fd);
	unlink(link_);
	unlink(file);
	rmdir(dir);
	printf("xattr ok\n");
	return 0;
}
