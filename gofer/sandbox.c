/*
 * Confinement of the gofer process (gofer.h), before the first request:
 *
 *   1. its own mount namespace: the served root is bind-mounted (with its
 *      submounts) onto itself, pivot_root'ed into and the old root detached,
 *      so "/" is the served tree and nothing else of the host is reachable;
 *      the tree is nosuid+nodev, and read-only for --readonly. Each further
 *      tree (bind mounts) is cloned into a detached mount held only by an
 *      fd, with the same attributes, before the pivot;
 *   2. every fd but stdio, the channels and the root closed;
 *   3. capabilities cut to the file ones the requests need (none of them
 *      can escape a mount namespace), no_new_privs;
 *   4. a seccomp allowlist of the file syscalls the server makes (default:
 *      kill the process). Paths are still resolved by openat/…at on fids,
 *      never by absolute name.
 *
 * A gofer without CAP_SYS_ADMIN (rootless) first enters a user namespace
 * mapping its own ids to themselves, which lets it make the mount namespace
 * and keeps file ownership meaningful.
 */
#include "gofer/gofer.h"
#include "sentry/sandbox/allow.h"
#include <errno.h>
#include <fcntl.h>
#include <sched.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <linux/capability.h>
#include <linux/mount.h>
#include <seccomp.h>
#include <sys/mount.h>
#include <sys/prctl.h>
#include <sys/syscall.h>

#define N(a) (sizeof(a) / sizeof((a)[0]))

/* -DSANDBOX_DEFAULT_ACTION=SCMP_ACT_LOG finds missing syscalls (docs/security.md) */
#ifndef SANDBOX_DEFAULT_ACTION
#define SANDBOX_DEFAULT_ACTION SCMP_ACT_KILL_PROCESS
#endif

static int write_file(const char *path, const char *text)
{
	int fd = open(path, O_WRONLY | O_CLOEXEC);
	if (fd < 0)
		return -errno;
	ssize_t len = (ssize_t)strlen(text);
	int err = write(fd, text, (size_t)len) == len ? 0 : -errno;
	close(fd);
	return err;
}

static int identity_userns(void)
{
	char map[64];
	uid_t uid = geteuid();
	gid_t gid = getegid();
	int err;
	if (unshare(CLONE_NEWUSER) < 0)
		return -errno;
	snprintf(map, sizeof(map), "%u %u 1\n", (unsigned)uid, (unsigned)uid);
	if ((err = write_file("/proc/self/uid_map", map)) < 0 ||
	    (err = write_file("/proc/self/setgroups", "deny")) < 0)
		return err;
	snprintf(map, sizeof(map), "%u %u 1\n", (unsigned)gid, (unsigned)gid);
	return write_file("/proc/self/gid_map", map);
}

static int lock_attrs(int fd, const char *path, unsigned flags, bool readonly)
{
	struct mount_attr attr = {
		.attr_set = MOUNT_ATTR_NOSUID | MOUNT_ATTR_NODEV | (readonly ? MOUNT_ATTR_RDONLY : 0),
	};
	return syscall(SYS_mount_setattr, fd, path, flags | AT_RECURSIVE, &attr, sizeof(attr)) < 0 ? -errno : 0;
}

/* A detached recursive copy of the tree at path: reachable only through
 * the returned fd, so the pivot below cannot hide it and nothing above it
 * is reachable from it ("..": the server never walks it). */
static int clone_tree(const char *path, bool readonly)
{
	int fd = (int)syscall(SYS_open_tree, AT_FDCWD, path,
			      OPEN_TREE_CLONE | OPEN_TREE_CLOEXEC | AT_RECURSIVE);
	if (fd < 0)
		return -errno;
	int err = lock_attrs(fd, "", AT_EMPTY_PATH, readonly);
	if (err) {
		close(fd);
		return err;
	}
	return fd;
}

static int pivot_into(const char *root, bool readonly, int *rootfd, struct gofer_bind *binds, int nbinds)
{
	if (unshare(CLONE_NEWNS) < 0) {
		int err = errno == EPERM ? identity_userns() : -errno;
		if (err < 0)
			return err;
		if (unshare(CLONE_NEWNS) < 0)
			return -errno;
	}
	if (mount(NULL, "/", NULL, MS_REC | MS_PRIVATE, NULL) < 0)
		return -errno;
	for (int i = 0; i < nbinds; i++)
		if ((binds[i].rootfd = clone_tree(binds[i].path, binds[i].readonly)) < 0)
			return binds[i].rootfd;
	/* pivot_root needs the root to be a mount point: attach a recursive
	 * copy of it on top of itself and enter that copy through its fd (a
	 * path would find the lower one when root is "/") */
	int tree = (int)syscall(SYS_open_tree, AT_FDCWD, root,
				OPEN_TREE_CLONE | OPEN_TREE_CLOEXEC | AT_RECURSIVE);
	if (tree < 0)
		return -errno;
	int err = 0;
	if (syscall(SYS_move_mount, tree, "", AT_FDCWD, root, MOVE_MOUNT_F_EMPTY_PATH) < 0 ||
	    fchdir(tree) < 0)
		err = -errno;
	close(tree);
	if (err < 0)
		return err;
	if (syscall(SYS_pivot_root, ".", ".") < 0)
		return -errno;
	if (umount2(".", MNT_DETACH) < 0)
		return -errno;
	if (chdir("/") < 0)
		return -errno;
	if ((err = lock_attrs(AT_FDCWD, "/", 0, readonly)) < 0)
		return err;
	int fd = open("/", O_PATH | O_DIRECTORY | O_CLOEXEC);
	if (fd < 0)
		return -errno;
	close(*rootfd);
	*rootfd = fd;
	return 0;
}

static int cmp_int(const void *a, const void *b)
{
	return *(const int *)a - *(const int *)b;
}

static int close_fds(const int *socks, int nsocks, int rootfd, const struct gofer_bind *binds, int nbinds)
{
	int keep[nsocks + nbinds + 4];
	int n = 0;
	keep[n++] = 0;   /* stdio (/dev/null and stderr) */
	keep[n++] = 1;
	keep[n++] = 2;
	keep[n++] = rootfd;
	for (int k = 0; k < nsocks; k++)
		keep[n++] = socks[k];
	for (int k = 0; k < nbinds; k++)
		keep[n++] = binds[k].rootfd;
	qsort(keep, (size_t)n, sizeof(keep[0]), cmp_int);
	unsigned first = 0;
	for (int i = 0; i < n; i++) {
		if (keep[i] < 0 || (unsigned)keep[i] < first)
			continue;
		if ((unsigned)keep[i] > first && close_range(first, (unsigned)keep[i] - 1, 0) < 0)
			return -errno;
		first = (unsigned)keep[i] + 1;
	}
	return close_range(first, ~0U, 0) < 0 ? -errno : 0;
}

static int drop_caps(bool readonly)
{
	/* reading any file; O_NOATIME and the owner checks of a writer */
	static const int ro[] = { CAP_DAC_OVERRIDE, CAP_DAC_READ_SEARCH, CAP_FOWNER };
	static const int rw[] = { CAP_DAC_OVERRIDE, CAP_DAC_READ_SEARCH, CAP_FOWNER,
				  CAP_CHOWN, CAP_FSETID };
	const int *keep = readonly ? ro : rw;
	size_t nkeep = readonly ? N(ro) : N(rw);
	uint64_t mask = 0;
	for (size_t i = 0; i < nkeep; i++)
		mask |= 1ULL << keep[i];
	for (int cap = 0; cap < 64; cap++)
		if (!(mask & (1ULL << cap)) && prctl(PR_CAPBSET_DROP, cap) < 0 && errno != EINVAL)
			return -errno;
	if (prctl(PR_CAP_AMBIENT, PR_CAP_AMBIENT_CLEAR_ALL, 0, 0, 0) < 0)
		return -errno;
	struct __user_cap_header_struct hdr = { .version = _LINUX_CAPABILITY_VERSION_3 };
	struct __user_cap_data_struct data[2] = { 0 };
	if (syscall(SYS_capget, &hdr, data) < 0)
		return -errno;
	/* never more than the gofer had (an unprivileged one has none) */
	data[0].effective = data[0].permitted &= (uint32_t)mask;
	data[1].effective = data[1].permitted &= (uint32_t)(mask >> 32);
	data[0].inheritable = data[1].inheritable = 0;
	if (syscall(SYS_capset, &hdr, data) < 0)
		return -errno;
	return prctl(PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0) < 0 ? -errno : 0;
}

/* What the server (gofer/server*.c, gofer/proto.c) and libc under it call. */
static const int allowed[] = {
	/* fids and files */
	SCMP_SYS(openat), SCMP_SYS(close), SCMP_SYS(newfstatat), SCMP_SYS(fstat),
	SCMP_SYS(statx), SCMP_SYS(fstatfs), SCMP_SYS(readlinkat), SCMP_SYS(getdents64),
	SCMP_SYS(lseek), SCMP_SYS(fcntl), SCMP_SYS(dup), SCMP_SYS(ftruncate), SCMP_SYS(fsync),
	/* write requests */
	SCMP_SYS(mkdirat), SCMP_SYS(mknodat), SCMP_SYS(symlinkat), SCMP_SYS(linkat),
	SCMP_SYS(unlinkat), SCMP_SYS(renameat), SCMP_SYS(renameat2), SCMP_SYS(fchownat), SCMP_SYS(fchmodat),
	SCMP_SYS(fchmod), SCMP_SYS(fchown), SCMP_SYS(utimensat), SCMP_SYS(umask),
	SCMP_SYS(fgetxattr), SCMP_SYS(fsetxattr), SCMP_SYS(fremovexattr), SCMP_SYS(flistxattr),
	/* the channels, stderr */
	SCMP_SYS(recvmsg), SCMP_SYS(sendmsg), SCMP_SYS(poll), SCMP_SYS(ppoll), SCMP_SYS(write),
	/* memory, one thread per channel, exit */
	SCMP_SYS(brk), SCMP_SYS(mmap), SCMP_SYS(munmap), SCMP_SYS(mprotect), SCMP_SYS(mremap),
	SCMP_SYS(madvise), SCMP_SYS(futex), SCMP_SYS(restart_syscall), SCMP_SYS(set_robust_list), SCMP_SYS(rseq),
	SCMP_SYS(rt_sigprocmask), SCMP_SYS(rt_sigaction), SCMP_SYS(rt_sigreturn),
	SCMP_SYS(sigaltstack), SCMP_SYS(getpid), SCMP_SYS(gettid), SCMP_SYS(tgkill),
	SCMP_SYS(clock_gettime), SCMP_SYS(getrandom), SCMP_SYS(exit), SCMP_SYS(exit_group),
};


#ifndef __NR_fchmodat2
#define __NR_fchmodat2 452
#endif

#define THREAD_FLAGS (CLONE_VM | CLONE_FS | CLONE_FILES | CLONE_SIGHAND | CLONE_THREAD | \
		      CLONE_SYSVSEM | CLONE_SETTLS | CLONE_PARENT_SETTID | CLONE_CHILD_CLEARTID)

static int build_filter(scmp_filter_ctx ctx)
{
	int err;
	if ((err = sandbox_allow_sanitizer(ctx)) < 0)
		return err;
	if ((err = sandbox_allow(ctx, allowed, N(allowed))) < 0)
		return err;
	if ((err = seccomp_rule_add(ctx, SCMP_ACT_ALLOW, __NR_fchmodat2, 0)) < 0)
		return err;
	if ((err = seccomp_rule_add(ctx, SCMP_ACT_ALLOW, SCMP_SYS(clone), 1,
				    SCMP_A0(SCMP_CMP_EQ, THREAD_FLAGS))) < 0)
		return err;
	/* clone3's flags are out of a filter's reach: glibc falls back to clone */
	return seccomp_rule_add(ctx, SCMP_ACT_ERRNO(ENOSYS), SCMP_SYS(clone3), 0);
}

static int install_filter(void)
{
	scmp_filter_ctx ctx = seccomp_init(SANDBOX_DEFAULT_ACTION);
	if (!ctx)
		return -ENOMEM;
	int err = build_filter(ctx);
	if (!err)
		err = seccomp_load(ctx);
	seccomp_release(ctx);
	return err;
}

int gofer_sandbox(const char *root, bool readonly, const int *socks, int nsocks, int *rootfd,
		  struct gofer_bind *binds, int nbinds)
{
	int err;
	for (int i = 0; i < nbinds; i++)
		binds[i].rootfd = -1;
	if ((err = pivot_into(root, readonly, rootfd, binds, nbinds)) < 0 ||
	    (err = close_fds(socks, nsocks, *rootfd, binds, nbinds)) < 0 ||
	    (err = drop_caps(readonly)) < 0)
		return err;
	return install_filter();
}
