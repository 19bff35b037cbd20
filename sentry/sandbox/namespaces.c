/*
 * sandbox_run: the sentry runs in a child process inside fresh namespaces.
 *
 * The calling process unshares the user namespace (mapping only root to the
 * caller's uid/gid) and the mount, ipc, uts, net and cgroup namespaces, then
 * forks: a new pid namespace applies to children only, so the child is pid 1
 * of its own pid namespace and every stub it creates lives there too. The
 * parent only waits: it forwards the signals a user sends it and returns the
 * child's result, passed back through a shared page.
 */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <sched.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <sys/mman.h>
#include <sys/prctl.h>
#include <sys/wait.h>
#include "sentry/sandbox.h"
#include "sentry/sandbox/sandbox_int.h"
#include "sentry/log.h"

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

int sandbox_userns_map(uid_t uid, gid_t gid)
{
	char map[64];
	int err;
	snprintf(map, sizeof(map), "0 %u 1\n", (unsigned)uid);
	if ((err = write_file("/proc/self/uid_map", map)) < 0)
		return err;
	/* required before an unprivileged gid_map; the sentry never calls setgroups */
	if ((err = write_file("/proc/self/setgroups", "deny")) < 0)
		return err;
	snprintf(map, sizeof(map), "0 %u 1\n", (unsigned)gid);
	return write_file("/proc/self/gid_map", map);
}

static int cmp_int(const void *a, const void *b)
{
	return *(const int *)a - *(const int *)b;
}

int sandbox_close_fds(const struct kernel_config *cfg)
{
	int keep[] = { cfg->stdio_fds[0], cfg->stdio_fds[1], cfg->stdio_fds[2], cfg->gofer_fd, log_fd };
	size_t n = sizeof(keep) / sizeof(keep[0]);
	qsort(keep, n, sizeof(keep[0]), cmp_int);
	unsigned first = 0;
	for (size_t i = 0; i < n; i++) {
		if (keep[i] < 0 || (unsigned)keep[i] < first)
			continue;
		if ((unsigned)keep[i] > first && close_range(first, (unsigned)keep[i] - 1, 0) < 0)
			return -errno;
		first = (unsigned)keep[i] + 1;
	}
	return close_range(first, ~0U, 0) < 0 ? -errno : 0;
}

/* The child: confine, run fn, leave its result in *result. */
static void child(int (*fn)(const struct kernel_config *), const struct kernel_config *cfg,
		  const sigset_t *mask, int *result)
{
	/* The waiting parent is in another pid namespace: getppid() is 0. */
	prctl(PR_SET_PDEATHSIG, SIGKILL);
	pthread_sigmask(SIG_SETMASK, mask, NULL);
	int err;
	if ((err = sandbox_close_fds(cfg)) < 0)
		log_error("sandbox: cannot close inherited fds: %s", strerror(-err));
	else if ((err = sandbox_pivot_empty_root()) < 0)
		log_error("sandbox: cannot pivot into an empty root: %s", strerror(-err));
	else if ((err = sandbox_drop_caps()) < 0)
		log_error("sandbox: cannot drop capabilities: %s", strerror(-err));
	sandbox_confined = err == 0;
	*result = err < 0 ? err : fn(cfg);
	/* exit, not _exit: sanitizer builds check for leaks at exit */
	exit(0);
}

/* Forward user-sent signals until the child is gone; its wait status. */
static int wait_child(pid_t pid, const sigset_t *waitset)
{
	for (;;) {
		siginfo_t si;
		int sig = sigwaitinfo(waitset, &si);
		if (sig < 0)
			continue;
		if (sig != SIGCHLD) {
			/* Signals from the kernel (a terminal's ^C, SIGWINCH) reach
			 * the child directly: it is in our process group. */
			if (si.si_code <= 0)
				kill(pid, sig);
			continue;
		}
		int status;
		pid_t r = waitpid(pid, &status, WNOHANG);
		if (r == pid)
			return status;
	}
}

bool sandbox_confined;

/* Threads of the calling process (a user namespace needs exactly one). */
static int nr_threads(void)
{
	DIR *d = opendir("/proc/self/task");
	if (!d)
		return -errno;
	int n = 0;
	for (struct dirent *e; (e = readdir(d));)
		n += e->d_name[0] != '.';
	closedir(d);
	return n;
}

int sandbox_run(int (*fn)(const struct kernel_config *), const struct kernel_config *cfg,
		const sigset_t *forward)
{
	if (nr_threads() > 1) {
		/* `cvisor boot` serves its control socket before the kernel
		 * starts: it cannot be confined this way (docs/security.md). */
		log_debug("sandbox: the caller has threads: running unconfined");
		return fn(cfg);
	}
	uid_t uid = geteuid();
	gid_t gid = getegid();
	if (unshare(CLONE_NEWUSER) < 0)
		return -errno;
	int err = sandbox_userns_map(uid, gid);
	if (err < 0)
		return err;
	if (unshare(CLONE_NEWNS | CLONE_NEWIPC | CLONE_NEWUTS | CLONE_NEWNET | CLONE_NEWCGROUP |
		    CLONE_NEWPID) < 0)
		return -errno;

	int *result = mmap(NULL, sizeof(int), PROT_READ | PROT_WRITE, MAP_SHARED | MAP_ANONYMOUS, -1, 0);
	if (result == MAP_FAILED)
		return -errno;
	*result = -ECHILD;
	sigset_t waitset, old;
	waitset = *forward;
	sigaddset(&waitset, SIGCHLD);
	pthread_sigmask(SIG_BLOCK, &waitset, &old);
	pid_t pid = fork();
	if (pid < 0) {
		err = -errno;
		pthread_sigmask(SIG_SETMASK, &old, NULL);
		munmap(result, sizeof(int));
		return err;
	}
	if (pid == 0)
		child(fn, cfg, &old, result);

	int status = wait_child(pid, &waitset);
	pthread_sigmask(SIG_SETMASK, &old, NULL);
	int ret = WIFEXITED(status) && WEXITSTATUS(status) == 0 ? *result : status;
	munmap(result, sizeof(int));
	return ret;
}
