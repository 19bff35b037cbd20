/* chroot(2): errnos (ENOENT, ENOTDIR, EACCES before EPERM, EPERM without
 * CAP_SYS_CHROOT), ".." stops at the new root, and the classic escapes a
 * process keeps on Linux (a cwd left outside, fchdir to a directory fd
 * opened before) lead back to the real root, and no further: in the
 * sandbox that is the sandbox's root. Each case runs in a child. */
#include <fcntl.h>
#include <stdbool.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>
#include <linux/capability.h>
#include "guest.h"

static char base[64], jail[96], marker[96];
static struct stat real_root;

static int in_child(int (*fn)(void))
{
	fflush(stdout);
	pid_t pid = fork();
	if (pid == 0)
		_exit(fn());
	int st;
	waitpid(pid, &st, 0);
	return WIFEXITED(st) ? WEXITSTATUS(st) : 128 + WTERMSIG(st);
}

static int drop_caps(void)
{
	struct __user_cap_header_struct h = { _LINUX_CAPABILITY_VERSION_3, 0 };
	struct __user_cap_data_struct d[2] = { { 0 } };
	return (int)syscall(SYS_capset, &h, d);
}

static bool same(const struct stat *a, const struct stat *b)
{
	return a->st_dev == b->st_dev && a->st_ino == b->st_ino;
}

/* After an escape: "/" is the real root again and base/marker is there. */
static int at_real_root(void)
{
	struct stat st, up;
	if (stat("/", &st) || stat("/..", &up) || !same(&st, &real_root) || !same(&up, &real_root))
		return 10;
	return access(marker, F_OK) == 0 ? 0 : 11;
}

static int unprivileged(void)
{
	if (drop_caps())
		return 20;
	errno = 0;
	if (chroot(jail) != -1 || errno != EPERM)
		return 21;
	char locked[128];
	snprintf(locked, sizeof(locked), "%s/locked", base);
	errno = 0;
	if (chroot(locked) != -1 || errno != EACCES)   /* search permission first */
		return 22;
	return 0;
}

static int inside(void)
{
	struct stat st, up, j;
	if (stat(jail, &j) || chroot(jail) || chdir("/"))
		return 30;
	if (stat("/", &st) || !same(&st, &j) || stat("/..", &up) || !same(&up, &j))
		return 31;
	if (chdir("../../..") || stat(".", &st) || !same(&st, &j))
		return 32;
	if (access("/inside", F_OK) || access("/../../inside", F_OK))
		return 33;
	if (access(marker, F_OK) == 0)
		return 34;
	return 0;
}

/* chroot without chdir: the cwd stays outside; ".." from there climbs to
 * the real root, and chroot(".") makes that the root again. */
static int cwd_escape(void)
{
	if (chdir(base) || chroot(jail))
		return 40;
	for (int k = 0; k < 64; k++)
		if (chdir(".."))
			return 41;
	if (chroot("."))
		return 42;
	return at_real_root();
}

/* fchdir to a directory fd opened before the chroot, then the same. */
static int fchdir_escape(void)
{
	int fd = open(base, O_RDONLY | O_DIRECTORY);
	if (fd < 0 || chroot(jail) || chdir("/"))
		return 50;
	if (access(marker, F_OK) == 0)
		return 51;
	if (fchdir(fd))
		return 52;
	for (int k = 0; k < 64; k++)
		if (chdir(".."))
			return 53;
	if (chroot("."))
		return 54;
	return at_real_root();
}

/* openat(fd opened before, "../..") reaches above the jail, as on Linux,
 * and only up to the real root. */
static int openat_escape(void)
{
	int fd = open(base, O_RDONLY | O_DIRECTORY);
	if (fd < 0 || chroot(jail) || chdir("/"))
		return 60;
	char up[256] = "";
	for (int k = 0; k < 40; k++)
		strcat(up, "../");
	int r = openat(fd, up, O_RDONLY | O_DIRECTORY);
	struct stat st;
	if (r < 0 || fstat(r, &st) || !same(&st, &real_root))
		return 61;
	return fstatat(r, marker + 1, &st, 0) == 0 ? 0 : 62;
}

int main(void)
{
	char p[128];
	snprintf(base, sizeof(base), "/tmp/chroot_basic.%d", (int)getpid());
	snprintf(jail, sizeof(jail), "%s/jail", base);
	snprintf(marker, sizeof(marker), "%s/marker", base);
	CHECK(stat("/", &real_root) == 0, "stat /");
	CHECK(mkdir(base, 0755) == 0 && mkdir(jail, 0755) == 0, "mkdir");
	snprintf(p, sizeof(p), "%s/inside", jail);
	CHECK(close(open(p, O_CREAT | O_WRONLY, 0644)) == 0, "inside");
	CHECK(close(open(marker, O_CREAT | O_WRONLY, 0644)) == 0, "marker");
	snprintf(p, sizeof(p), "%s/locked", base);
	CHECK(mkdir(p, 0) == 0, "locked");

	errno = 0;
	CHECK(chroot("/nonexistent-chroot") == -1 && errno == ENOENT, "ENOENT");
	CHECK(chroot(marker) == -1 && errno == ENOTDIR, "ENOTDIR");
	CHECK(chroot((const char *)8) == -1 && errno == EFAULT, "EFAULT");
	printf("errors: ENOENT, ENOTDIR, EFAULT\n");
	CHECK(in_child(unprivileged) == 0, "unprivileged: %d", in_child(unprivileged));
	printf("without CAP_SYS_CHROOT: EPERM (EACCES first)\n");
	int r = in_child(inside);
	CHECK(r == 0, "inside: %d", r);
	printf("inside: / and .. are the jail\n");
	r = in_child(cwd_escape);
	CHECK(r == 0, "cwd escape: %d", r);
	printf("cwd outside: back to the real root, no further\n");
	r = in_child(fchdir_escape);
	CHECK(r == 0, "fchdir escape: %d", r);
	printf("fchdir: back to the real root, no further\n");
	r = in_child(openat_escape);
	CHECK(r == 0, "openat escape: %d", r);
	printf("openat from an old fd: the real root, no further\n");

	CHECK(rmdir(p) == 0 && unlink(marker) == 0, "clean");
	snprintf(p, sizeof(p), "%s/inside", jail);
	CHECK(unlink(p) == 0 && rmdir(jail) == 0 && rmdir(base) == 0, "clean jail");
	return 0;
}
