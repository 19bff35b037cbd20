/* pivot_root(2) the way container runtimes use it: chrooted into a tmpfs
 * mount, pivot to a tmpfs mounted below it, the old root lands on put_old
 * and can be detached. Errnos: EPERM without CAP_SYS_ADMIN, EBUSY, EINVAL
 * (new root not a mount's root, put_old not under it), ENOTDIR. The sandbox's own
 * root mount has no parent, so pivoting it is EINVAL there (Linux allows
 * it for a container's root); the program never tries that. Natively it
 * first moves into a private mount namespace. */
#include <fcntl.h>
#include <sched.h>
#include <sys/mount.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>
#include <linux/capability.h>
#include "guest.h"

static int pivot(const char *new, const char *old)
{
	return (int)syscall(SYS_pivot_root, new, old);
}

static int child(void)
{
	struct stat st;
	/* errnos first */
	if (pivot("/nonexistent", "/") != -1 || errno != ENOENT)
		return 10;
	if (pivot("/file", "/") != -1 || errno != ENOTDIR)
		return 11;
	if (pivot("/", "/") != -1 || errno != EBUSY)
		return 12;
	if (pivot("/plain", "/plain/old") != -1 || errno != EBUSY)   /* on the root's mount */
		return 13;
	if (pivot("/new/sub", "/new/sub/old") != -1 || errno != EINVAL)   /* not a mount root */
		return 14;
	if (pivot("/new", "/other") != -1 || errno != EINVAL)   /* put_old not under new */
		return 19;
	/* the pivot */
	if (pivot("/new", "/new/old"))
		return 15;
	if (stat("/inside-new", &st) || stat("/old/file", &st) || stat("/old/new", &st))
		return 16;
	if (chdir("/") || umount2("/old", 0) != -1 || errno != EBUSY)
		return 17;
	if (umount2("/old", MNT_DETACH) || stat("/old/file", &st) != -1 || errno != ENOENT)
		return 18;
	return 0;
}

static int unprivileged(void)
{
	struct __user_cap_header_struct h = { _LINUX_CAPABILITY_VERSION_3, 0 };
	struct __user_cap_data_struct d[2] = { { 0 } };
	if (syscall(SYS_capset, &h, d))
		return 20;
	return pivot("/new", "/new/old") == -1 && errno == EPERM ? 0 : 21;
}

static int run(int (*fn)(void), const char *root)
{
	fflush(stdout);
	pid_t pid = fork();
	if (pid == 0) {
		if (chroot(root) || chdir("/"))
			_exit(1);
		_exit(fn());
	}
	int st;
	waitpid(pid, &st, 0);
	return WIFEXITED(st) ? WEXITSTATUS(st) : 128 + WTERMSIG(st);
}

int main(void)
{
	char base[64], p[128];
	if (unshare(CLONE_NEWNS) == 0)
		CHECK(mount(NULL, "/", NULL, MS_REC | MS_PRIVATE, NULL) == 0, "private");
	snprintf(base, sizeof(base), "/tmp/mount_pivot.%d", (int)getpid());
	CHECK(mkdir(base, 0755) == 0 && mount("none", base, "tmpfs", 0, NULL) == 0, "root tmpfs");
	snprintf(p, sizeof(p), "%s/new", base);
	CHECK(mkdir(p, 0755) == 0 && mount("none", p, "tmpfs", 0, NULL) == 0, "new tmpfs");
	snprintf(p, sizeof(p), "%s/new/old", base);
	CHECK(mkdir(p, 0755) == 0, "old");
	snprintf(p, sizeof(p), "%s/new/sub", base);
	CHECK(mkdir(p, 0755) == 0, "sub");
	snprintf(p, sizeof(p), "%s/new/sub/old", base);
	CHECK(mkdir(p, 0755) == 0, "sub/old");
	snprintf(p, sizeof(p), "%s/other", base);
	CHECK(mkdir(p, 0755) == 0 && mount("none", p, "tmpfs", 0, NULL) == 0, "other tmpfs");
	snprintf(p, sizeof(p), "%s/new/inside-new", base);
	CHECK(close(open(p, O_CREAT | O_WRONLY, 0644)) == 0, "inside-new");
	snprintf(p, sizeof(p), "%s/file", base);
	CHECK(close(open(p, O_CREAT | O_WRONLY, 0644)) == 0, "file");
	snprintf(p, sizeof(p), "%s/plain", base);
	CHECK(mkdir(p, 0755) == 0, "plain");
	snprintf(p, sizeof(p), "%s/plain/old", base);
	CHECK(mkdir(p, 0755) == 0, "plain/old");

	int r = run(unprivileged, base);
	CHECK(r == 0, "unprivileged: %d", r);
	printf("pivot_root: EPERM without CAP_SYS_ADMIN\n");
	r = run(child, base);
	CHECK(r == 0, "pivot: %d", r);
	printf("pivot_root: ENOENT, ENOTDIR, EBUSY, EINVAL; pivoted, old root detached\n");

	/* seen from outside: the new root took the old one's place */
	snprintf(p, sizeof(p), "%s/inside-new", base);
	CHECK(access(p, F_OK) == 0, "new root in the old one's place");
	CHECK(umount2(base, 0) == 0, "umount");
	CHECK(rmdir(base) == 0, "rmdir");
	return 0;
}
