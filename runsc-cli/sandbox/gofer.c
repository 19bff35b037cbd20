/* Starting a `cvisor gofer` for the sentry: one per container, serving
 * the container root and every bind mount source of config.json, each on
 * its own channel.
 *
 * With linux.uidMappings/gidMappings the gofer runs as root of a user
 * namespace with exactly those maps (written by us, its privileged
 * parent), so what it creates on the host belongs to the mapped host ids
 * and its capabilities reach only files of mapped owners, as a runc
 * container's root would. A user namespace path is joined instead. */
#include <errno.h>
#include <fcntl.h>
#include <grp.h>
#include <sched.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <sys/prctl.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include "runsc-cli/sandbox/sandbox.h"
#include "runsc-cli/oci/config.h"
#include "runsc-cli/oci/names.h"

/* "inside outside count" lines, written at once as the kernel wants. */
static int write_map(pid_t pid, const char *file, const struct oci_idmap *m, size_t n)
{
	char buf[OCI_MAX_IDMAPS * 36], path[64];
	size_t o = 0;
	for (size_t i = 0; i < n; i++)
		o += (size_t)snprintf(buf + o, sizeof(buf) - o, "%u %u %u\n", m[i].container_id,
				      m[i].host_id, m[i].size);
	snprintf(path, sizeof(path), "/proc/%d/%s", (int)pid, file);
	int fd = open(path, O_WRONLY | O_CLOEXEC);
	if (fd < 0)
		return -errno;
	int err = write(fd, buf, o) == (ssize_t)o ? 0 : -errno;
	close(fd);
	return err;
}

/* In the child: enter the container's user namespace as its root. */
static void child_userns(const struct oci_config *c, int up, int down)
{
	const struct oci_namespace *ns = oci_config_namespace(c, OCI_NS_USER);
	char b = 0;
	if (ns && ns->path) {
		int fd = open(ns->path, O_RDONLY | O_CLOEXEC);
		if (fd < 0 || setns(fd, CLONE_NEWUSER) < 0)
			_exit(126);
		close(fd);
	} else {
		if (unshare(CLONE_NEWUSER) < 0 || write(up, "u", 1) != 1 ||
		    read(down, &b, 1) != 1 || b != 'm')
			_exit(126);
	}
	/* a joined namespace may deny setgroups (an unprivileged maker's) */
	if ((setgroups(0, NULL) < 0 && errno != EPERM) || setresgid(0, 0, 0) < 0 ||
	    setresuid(0, 0, 0) < 0)
		_exit(126);
}

static void free_argv(char **argv)
{
	for (char **a = argv; *a; a++)
		free(*a);
	free(argv);
}

static bool needs_userns(const struct oci_config *c)
{
	const struct oci_namespace *ns = c ? oci_config_namespace(c, OCI_NS_USER) : NULL;
	return ns && (ns->path || c->n_uid_mappings);
}

/* argv of `cvisor gofer`: the root on fd 3, tree k on fd 4+k. */
static char **gofer_argv(const char *id, const char *root, bool readonly,
			 const struct sandbox_tree *t, int n)
{
	char **argv = calloc((size_t)n + 6, sizeof(*argv));
	if (!argv)
		return NULL;
	int a = 0;
	bool ok = asprintf(&argv[a++], "cvisor-gofer:%s", id) > 0;
	argv[a++] = strdup("gofer");
	argv[a++] = strdup("--fd=3");
	ok = ok && asprintf(&argv[a++], "--root=%s", root) > 0;
	if (readonly)
		argv[a++] = strdup("--readonly");
	for (int k = 0; k < n && ok; k++)
		ok = asprintf(&argv[a++], "--tree=%d:%s:%s", 4 + k, t[k].readonly ? "ro" : "rw", t[k].path) > 0;
	for (int k = 0; k < a; k++)
		ok = ok && argv[k];
	if (!ok) {
		free_argv(argv);
		return NULL;
	}
	return argv;
}

int sandbox_start_gofer_trees(const char *id, const char *root, bool readonly,
			      const struct sandbox_tree *t, int n, const struct oci_config *c,
			      pid_t *pid, int *fds)
{
	int sv[2 * (SANDBOX_MAX_TREES + 1)], up[2] = { -1, -1 }, down[2] = { -1, -1 };
	bool userns = needs_userns(c);
	int nsv = 0, err = 0;
	if (n > SANDBOX_MAX_TREES)
		return -E2BIG;
	char **argv = gofer_argv(id, root, readonly, t, n);
	if (!argv)
		return -ENOMEM;
	for (; nsv <= n && !err; nsv++)
		if (socketpair(AF_UNIX, SOCK_SEQPACKET | SOCK_CLOEXEC, 0, sv + 2 * nsv) < 0)
			err = -errno;
	if (err)
		nsv--;
	if (!err && userns && (pipe2(up, O_CLOEXEC) < 0 || pipe2(down, O_CLOEXEC) < 0))
		err = -errno;
	if (err) {
		for (int k = 0; k < 2 * nsv; k++)
			close(sv[k]);
		if (up[0] >= 0) {
			close(up[0]);
			close(up[1]);
		}
		free_argv(argv);
		return err;
	}
	pid_t p = fork();
	if (p == 0) {
		prctl(PR_SET_PDEATHSIG, SIGKILL);
		if (getppid() == 1)
			_exit(1);
		if (userns)
			child_userns(c, up[1], down[0]);
		/* Only the container may hold its stdio pipes. Channels go to
		 * 3.. in order: first moved above every target so a dup2 never
		 * clobbers one still to be placed. */
		int devnull = open("/dev/null", O_RDWR);
		if (devnull < 0 || dup2(devnull, 0) < 0 || dup2(devnull, 1) < 0 || dup2(devnull, 2) < 0)
			_exit(127);
		int high[SANDBOX_MAX_TREES + 1];
		for (int k = 0; k <= n; k++)
			if ((high[k] = fcntl(sv[2 * k + 1], F_DUPFD, 4 + n)) < 0)
				_exit(127);
		for (int k = 0; k <= n; k++)
			if (dup2(high[k], 3 + k) < 0)
				_exit(127);
		close_range(4 + (unsigned)n, ~0U, 0);
		execv("/proc/self/exe", argv);
		_exit(127);
	}
	if (p < 0)
		err = -errno;
	free_argv(argv);
	for (int k = 0; k <= n; k++)
		close(sv[2 * k + 1]);
	if (userns) {
		close(up[1]);
		close(down[0]);
		const struct oci_namespace *ns = oci_config_namespace(c, OCI_NS_USER);
		char b;
		if (!err && !ns->path) {
			if (read(up[0], &b, 1) != 1)
				err = -ECHILD;
			else if ((err = write_map(p, "uid_map", c->uid_mappings, c->n_uid_mappings)) == 0 &&
				 (err = write_map(p, "gid_map", c->gid_mappings, c->n_gid_mappings)) == 0 &&
				 write(down[1], "m", 1) != 1)
				err = -ECHILD;
		}
		close(up[0]);
		close(down[1]);
	}
	if (err) {
		if (p > 0) {
			kill(p, SIGKILL);
			waitpid(p, NULL, 0);
		}
		for (int k = 0; k <= n; k++)
			close(sv[2 * k]);
		return err;
	}
	*pid = p;
	for (int k = 0; k <= n; k++)
		fds[k] = sv[2 * k];
	return 0;
}

int sandbox_start_gofer(const char *id, const char *root, bool readonly,
			const struct oci_config *c, pid_t *pid)
{
	int fd;
	int err = sandbox_start_gofer_trees(id, root, readonly, NULL, 0, c, pid, &fd);
	return err < 0 ? err : fd;
}
