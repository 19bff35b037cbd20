/*
 * sandbox_run: the sentry runs in a grandchild inside fresh namespaces.
 *
 * caller (host namespaces, waits)
 *   -> holder: joins the network namespace of cfg->netns_path (if any),
 *      unshares the user namespace (only root, mapped to the caller's
 *      uid/gid; or joins cfg->userns_path) and the mount, ipc, uts, net
 *      (unless joined), cgroup and pid namespaces, then forks and waits
 *      -> sentry: pid 1 of the new pid namespace (every stub lives there
 *         too), confines itself and runs fn.
 * The two waiters forward the signals a process sends them (not the
 * kernel's terminal signals, which reach the whole process group) and the
 * result comes back through a shared page.
 */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <sched.h>
#include <stdio.h>
#include <stdlib.h>
#include <stdnoreturn.h>
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
	size_t max = 5 + (size_t)cfg->n_mounts + (size_t)cfg->n_keep_fds, n = 0;
	int *keep = calloc(max, sizeof(*keep));
	if (!keep)
		return -ENOMEM;
	int fixed[] = { cfg->stdio_fds[0], cfg->stdio_fds[1], cfg->stdio_fds[2], cfg->gofer_fd, log_fd };
	for (size_t i = 0; i < 5; i++)
		keep[n++] = fixed[i];
	for (int i = 0; i < cfg->n_mounts; i++)
		if (cfg->mounts[i].kind == KMOUNT_BIND)
			keep[n++] = cfg->mounts[i].gofer_fd;
	for (int i = 0; i < cfg->n_keep_fds; i++)
		keep[n++] = cfg->keep_fds[i];
	qsort(keep, n, sizeof(keep[0]), cmp_int);
	unsigned first = 0;
	for (size_t i = 0; i < n; i++) {
		if (keep[i] < 0 || (unsigned)keep[i] < first)
			continue;
		if ((unsigned)keep[i] > first && close_range(first, (unsigned)keep[i] - 1, 0) < 0) {
			free(keep);
			return -errno;
		}
		first = (unsigned)keep[i] + 1;
	}
	free(keep);
	return close_range(first, ~0U, 0) < 0 ? -errno : 0;
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

/* Forward process-sent signals until the child is gone; its wait status. */
static int wait_child(pid_t pid, const sigset_t *waitset)
{
	for (;;) {
		siginfo_t si;
		int sig = sigwaitinfo(waitset, &si);
		if (sig < 0)
			continue;
		if (sig != SIGCHLD) {
			if (si.si_code <= 0)
				kill(pid, sig);
			continue;
		}
		int status;
		if (waitpid(pid, &status, WNOHANG) == pid)
			return status;
	}
}

/* What the sentry leaves for the caller, in a page shared by all three. */
struct handoff {
	int result;   /* fn's, or -errno if the sandbox could not be set up */
	int status;   /* the sentry process's wait status */
};

/* The sentry process: confine, run fn, leave its result. */
static noreturn void sentry_process(int (*fn)(const struct kernel_config *),
				    const struct kernel_config *cfg, const sigset_t *mask,
				    struct handoff *h)
{
	/* its parent is in another pid namespace: getppid() is 0 */
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
	h->result = err < 0 ? err : fn(cfg);
	/* exit, not _exit: sanitizer builds check for leaks at exit */
	exit(0);
}

/* setns into the namespace of type nstype at path. */
static int join_ns(const char *path, int nstype)
{
	int fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return -errno;
	int err = setns(fd, nstype) < 0 ? -errno : 0;
	close(fd);
	if (err)
		log_error("sandbox: cannot join %s: %s", path, strerror(-err));
	return err;
}

/* The namespace holder: a new pid namespace only applies to children, and a
 * process whose children's namespace has died can fork no more, so the
 * caller itself stays out of all this. */
static noreturn void holder(int (*fn)(const struct kernel_config *), const struct kernel_config *cfg,
			    const sigset_t *mask, const sigset_t *waitset, struct handoff *h)
{
	prctl(PR_SET_PDEATHSIG, SIGKILL);
	uid_t uid = geteuid();
	gid_t gid = getegid();
	int err = 0;
	/* A network namespace to join first, while the host's capabilities
	 * still count (a CNI-made one belongs to the host's user namespace). */
	if (cfg->netns_path)
		err = join_ns(cfg->netns_path, CLONE_NEWNET);
	if (err)
		;
	else if (cfg->userns_path)
		err = join_ns(cfg->userns_path, CLONE_NEWUSER);
	else if (unshare(CLONE_NEWUSER) < 0)
		err = -errno;
	else
		err = sandbox_userns_map(uid, gid);
	if (!err && unshare(CLONE_NEWNS | CLONE_NEWIPC | CLONE_NEWUTS | CLONE_NEWCGROUP | CLONE_NEWPID |
			    (cfg->netns_path ? 0 : CLONE_NEWNET)) < 0)
		err = -errno;
	pid_t pid = err ? -1 : fork();
	if (pid == 0)
		sentry_process(fn, cfg, mask, h);
	if (pid < 0) {
		h->result = err ? err : -errno;
		_exit(0);
	}
	h->status = wait_child(pid, waitset);
	_exit(0);
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
	struct handoff *h = mmap(NULL, sizeof(*h), PROT_READ | PROT_WRITE, MAP_SHARED | MAP_ANONYMOUS, -1, 0);
	if (h == MAP_FAILED)
		return -errno;
	*h = (struct handoff){ .result = -ECHILD };
	sigset_t waitset, old;
	waitset = *forward;
	sigaddset(&waitset, SIGCHLD);
	pthread_sigmask(SIG_BLOCK, &waitset, &old);
	pid_t pid = fork();
	if (pid == 0)
		holder(fn, cfg, &old, &waitset, h);
	int ret;
	if (pid < 0) {
		ret = -errno;
	} else {
		int status = wait_child(pid, &waitset);
		if (!WIFEXITED(status) || WEXITSTATUS(status))
			ret = status;
		else if (WIFEXITED(h->status) && WEXITSTATUS(h->status) == 0)
			ret = h->result;
		else
			ret = h->status;
	}
	pthread_sigmask(SIG_SETMASK, &old, NULL);
	munmap(h, sizeof(*h));
	return ret;
}
