/* chdir/fchdir/getcwd (ERANGE, a removed cwd gives ENOENT, "(unreachable)"
 * outside the root after chroot) and access/faccessat/faccessat2 flags. */
#include <fcntl.h>
#include <limits.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>
#include "guest.h"

#define FAILS(call, err) CHECK((call) == -1 && errno == (err), "%s", #call)

static long raw_getcwd(char *buf, size_t size)
{
	return syscall(SYS_getcwd, buf, size);
}

static void cwd(const char *dir)
{
	char buf[PATH_MAX], sub[128];
	int start = open(".", O_RDONLY | O_DIRECTORY);
	size_t len = strlen(dir);
	CHECK(chdir(dir) == 0, "chdir");
	CHECK(raw_getcwd(buf, sizeof(buf)) == (long)len + 1 && !strcmp(buf, dir), "getcwd %s", buf);
	CHECK(raw_getcwd(buf, len + 1) == (long)len + 1, "exact size");
	FAILS(raw_getcwd(buf, len), ERANGE);
	FAILS(raw_getcwd(buf, 0), ERANGE);
	FAILS(raw_getcwd((char *)8, sizeof(buf)), EFAULT);
	CHECK(getcwd(NULL, 0) != NULL, "glibc allocates");

	/* chdir/fchdir errors */
	int f = open("f", O_CREAT | O_RDWR, 0644);
	FAILS(chdir("f"), ENOTDIR);
	FAILS(fchdir(f), ENOTDIR);
	FAILS(chdir("missing"), ENOENT);
	FAILS(chdir(""), ENOENT);
	FAILS(fchdir(-1), EBADF);
	close(f);
	CHECK(mkdir("sub", 0755) == 0 && chdir("sub") == 0 && chdir("..") == 0, "chdir down and up");
	int sd = open("sub", O_RDONLY | O_DIRECTORY);
	CHECK(fchdir(sd) == 0 && raw_getcwd(buf, sizeof(buf)) > 0, "fchdir");
	snprintf(sub, sizeof(sub), "%s/sub", dir);
	CHECK(!strcmp(buf, sub), "getcwd after fchdir: %s", buf);
	/* a removed cwd: getcwd fails with ENOENT, "." still works */
	CHECK(rmdir(sub) == 0, "rmdir the cwd");
	FAILS(raw_getcwd(buf, sizeof(buf)), ENOENT);
	FAILS(open("new", O_CREAT | O_WRONLY, 0644), ENOENT);
	FAILS(mkdir("new", 0755), ENOENT);
	FAILS(mkfifo("new", 0644), ENOENT);
	FAILS(symlink("x", "new"), ENOENT);
	struct stat st;
	CHECK(stat(".", &st) == 0 && st.st_nlink == 0, "stat . of a removed dir");
	char link[PATH_MAX];
	ssize_t n = readlink("/proc/self/cwd", link, sizeof(link) - 1);
	CHECK(n > 0, "readlink cwd");
	link[n] = 0;
	char want[160];
	snprintf(want, sizeof(want), "%s (deleted)", sub);
	CHECK(!strcmp(link, want), "/proc/self/cwd: %s", link);
	close(sd);

	/* outside the root after chroot: "(unreachable)" prefix, glibc gives ENOENT */
	CHECK(fchdir(start) == 0 && chdir(dir) == 0, "back to dir");
	CHECK(mkdir("root", 0755) == 0, "mkdir root");
	pid_t pid = fork();
	if (pid == 0) {
		CHECK(chroot("root") == 0, "chroot");
		long r = raw_getcwd(buf, sizeof(buf));
		CHECK(r > 0 && !strncmp(buf, "(unreachable)", 13), "unreachable: %s", buf);
		CHECK(!strcmp(buf + 13, dir), "then the path: %s", buf);
		FAILS(getcwd(buf, sizeof(buf)) ? 0 : -1, ENOENT);
		CHECK(chdir("/") == 0 && raw_getcwd(buf, sizeof(buf)) == 2 && !strcmp(buf, "/"), "/ in the new root");
		_exit(0);
	}
	int status;
	CHECK(waitpid(pid, &status, 0) == pid && WIFEXITED(status) && WEXITSTATUS(status) == 0,
	      "chroot child %#x", status);
	CHECK(rmdir("root") == 0 && unlink("f") == 0, "cleanup");
	CHECK(fchdir(start) == 0, "back to start");
	close(start);
}

static void access_flags(const char *dir)
{
	int dfd = open(dir, O_RDONLY | O_DIRECTORY);
	int f = openat(dfd, "none", O_CREAT | O_WRONLY, 0);
	close(f);
	f = openat(dfd, "x", O_CREAT | O_WRONLY, 0700);
	close(f);
	CHECK(symlinkat("nowhere", dfd, "dangling") == 0, "dangling");
	/* root: read and write whatever the mode, execute only with an x bit */
	CHECK(faccessat(dfd, "none", R_OK | W_OK, 0) == 0, "root reads and writes mode 0");
	FAILS(faccessat(dfd, "none", X_OK, 0), EACCES);
	CHECK(faccessat(dfd, "x", X_OK, 0) == 0, "x bit");
	CHECK(faccessat(dfd, ".", X_OK, 0) == 0, "directories are searchable");
	FAILS(faccessat(dfd, "none", 8, 0), EINVAL);
	FAILS(faccessat(dfd, "none", -1, 0), EINVAL);
	FAILS(faccessat(dfd, "missing", F_OK, 0), ENOENT);
	FAILS(faccessat(dfd, "", F_OK, 0), ENOENT);
	FAILS(faccessat(dfd, "none/", F_OK, 0), ENOTDIR);
	FAILS(access("/nonexistent", F_OK), ENOENT);
	/* faccessat2 flags; the old faccessat syscall has none (a 4th argument is ignored) */
	FAILS(syscall(SYS_faccessat2, dfd, "none", F_OK, 0x1), EINVAL);
	CHECK(syscall(SYS_faccessat2, dfd, "none", F_OK, AT_EACCESS) == 0, "AT_EACCESS");
	FAILS(syscall(SYS_faccessat2, dfd, "dangling", F_OK, 0), ENOENT);
	CHECK(syscall(SYS_faccessat2, dfd, "dangling", F_OK, AT_SYMLINK_NOFOLLOW) == 0, "the link itself");
	CHECK(syscall(SYS_faccessat, dfd, "dangling", F_OK, AT_SYMLINK_NOFOLLOW) == -1 && errno == ENOENT,
	      "faccessat ignores flags");
	int xf = openat(dfd, "x", O_RDONLY);
	CHECK(syscall(SYS_faccessat2, xf, "", X_OK, AT_EMPTY_PATH) == 0, "AT_EMPTY_PATH");
	FAILS(syscall(SYS_faccessat2, xf, "", X_OK, 0), ENOENT);
	close(xf);
	int nf = openat(dfd, "none", O_PATH);
	FAILS(syscall(SYS_faccessat2, nf, "", X_OK, AT_EMPTY_PATH), EACCES);
	close(nf);
	CHECK(unlinkat(dfd, "none", 0) == 0 && unlinkat(dfd, "x", 0) == 0 && unlinkat(dfd, "dangling", 0) == 0,
	      "cleanup");
	close(dfd);
}

int main(void)
{
	char dir[] = "/tmp/file_cwdXXXXXX";
	CHECK(mkdtemp(dir), "mkdtemp");
	cwd(dir);
	access_flags(dir);
	CHECK(rmdir(dir) == 0, "rmdir");
	printf("file_cwd ok\n");
	return 0;
}
