/*
 * cvisor [global flags] boot --bundle B --ready-fd=N ID
 *
 * Internal command started by `create`: the sentry process of a container.
 * Starts the gofer for the bundle's root, brings the kernel up, serves the
 * control socket <root>/<id>/sentry.sock, answers "ok" (or the error) on
 * the ready fd, then waits for `start` and runs the bundle's process as
 * guest init. Exits with init's status, or dies of init's signal, so the
 * shim waiting for this pid sees the container's real result.
 */
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <sys/resource.h>
#include <sys/wait.h>
#include "runsc-cli/cli.h"
#include "runsc-cli/oci/config.h"
#include "runsc-cli/oci/names.h"
#include "runsc-cli/sandbox/sandbox.h"
#include "sentry/boot.h"
#include "sentry/control/control.h"
#include "vfs/vfs.h"

static int ready_fd = -1;

static void ready(const char *msg)
{
	if (ready_fd < 0)
		return;
	dprintf(ready_fd, "%s\n", msg);
	close(ready_fd);
	ready_fd = -1;
}

static int control_fd = -1;

/* kernel_config.wait_start, inside the confined sentry process: serve the
 * control socket, tell `create` the kernel is up, wait for `start`. A kill
 * before start ends the sandbox with that signal's status. */
static int boot_wait_start(void)
{
	int err = ctl_server_start(control_fd);
	if (err < 0) {
		ready("control socket: cannot start its thread");
		return err;
	}
	ready("ok");
	err = ctl_wait_start();
	int sig = err < 0 ? ctl_killed_before_start() : 0;
	if (sig)
		_exit(128 + sig);   /* pid 1 of its namespace cannot signal itself */
	return err;
}

static int usage(void)
{
	fprintf(stderr, "usage: cvisor boot --bundle DIR --ready-fd=N ID\n");
	return 2;
}

int cmd_boot(struct global_opts *g, int argc, char **argv)
{
	const char *bundle = NULL, *id = NULL, *v;
	for (int i = 1; i < argc; i++) {
		if ((v = sandbox_opt("--bundle", NULL, argc, argv, &i)))
			bundle = v;
		else if ((v = sandbox_opt("--ready-fd", NULL, argc, argv, &i)))
			ready_fd = atoi(v);
		else if (argv[i][0] != '-' && !id)
			id = argv[i];
		else
			return usage();
	}
	if (!bundle || !id || ready_fd < 3)
		return usage();
	fcntl(ready_fd, F_SETFD, FD_CLOEXEC);

	char err[1024];
	/* The config lives as long as the sentry process that uses it (kept in
	 * a static: the confined sentry exits from deep inside sentry_main). */
	static struct oci_config *c;
	cli_debug_log_id(id);
	c = oci_config_load(bundle, err, sizeof(err));
	if (!c) {
		ready(err);
		return 1;
	}
	struct guest_seccomp *seccomp = NULL;
	if (c->seccomp && !(seccomp = sandbox_seccomp_compile(c->seccomp, err, sizeof(err)))) {
		ready(err);
		return 1;
	}
	int ls = ctl_listen(g->root, id);
	if (ls < 0) {
		snprintf(err, sizeof(err), "control socket: %s", strerror(-ls));
		ready(err);
		return 1;
	}
	control_fd = ls;   /* served from inside the sandbox (boot_wait_start) */
	int keep[] = { ls, ready_fd };
	/* The container's gofer: its root and its bind mounts' sources. */
	struct sandbox_mounts mounts;
	if (sandbox_mounts_prepare(&mounts, c, id, err, sizeof(err)) < 0) {
		sandbox_mounts_release(&mounts);
		ready(err);
		return 1;
	}

	struct kernel_rlimit rl[RLIM_NLIMITS];
	int nrl = 0;
	for (size_t i = 0; i < c->process.n_rlimits && nrl < RLIM_NLIMITS; i++)
		rl[nrl++] = (struct kernel_rlimit){ c->process.rlimits[i].type,
						    c->process.rlimits[i].soft, c->process.rlimits[i].hard };
	static struct kernel_idmap maps[2][OCI_MAX_IDMAPS];
	for (size_t i = 0; i < c->n_uid_mappings; i++)
		maps[0][i] = (struct kernel_idmap){ c->uid_mappings[i].container_id,
						    c->uid_mappings[i].host_id, c->uid_mappings[i].size };
	for (size_t i = 0; i < c->n_gid_mappings; i++)
		maps[1][i] = (struct kernel_idmap){ c->gid_mappings[i].container_id,
						    c->gid_mappings[i].host_id, c->gid_mappings[i].size };
	struct kernel_sysctl *sysctls = calloc(c->n_sysctl + 1, sizeof(*sysctls));
	if (!sysctls) {
		ready("out of memory");
		return 1;
	}
	for (size_t i = 0; i < c->n_sysctl; i++)
		sysctls[i] = (struct kernel_sysctl){ c->sysctl[i].key, c->sysctl[i].value };
	const struct oci_namespace *netns = oci_config_namespace(c, OCI_NS_NETWORK);
	const struct oci_namespace *userns = oci_config_namespace(c, OCI_NS_USER);
	struct kernel_caps caps = {
		c->process.caps.effective, c->process.caps.permitted, c->process.caps.inheritable,
		c->process.caps.bounding, c->process.caps.ambient,
	};
	struct kernel_config cfg = {
		.platform = g->platform,
		.strace = g->strace,
		.no_systrap_patching = g->no_systrap_patching,
		.allow_setuid = g->allow_setuid,
		.debug = g->debug,
		.hostname = c->hostname ? c->hostname : "cvisor",
		.gofer_fd = mounts.root_fd,
		.root_mode = VFS_ROOT_OVERLAY,
		.root_readonly_after_mounts = c->root_readonly,
		.stdio_fds = { 0, 1, 2 },
		.uid = c->process.user.uid,
		.gid = c->process.user.gid,
		.cwd = c->process.cwd,
		.argv = c->process.args.v,
		.envp = c->process.env.v ? c->process.env.v : (char *[]){ NULL },
		.rlimits = rl,
		.n_rlimits = nrl,
		.groups = c->process.user.additional_gids,
		.ngroups = (int)c->process.user.n_additional_gids,
		.has_umask = c->process.user.has_umask,
		.umask = c->process.user.umask,
		.caps = c->process.has_caps ? &caps : NULL,
		.no_new_privs = c->process.no_new_privileges,
		.seccomp = seccomp,
		.mounts = mounts.v,
		.n_mounts = mounts.n,
		.wait_start = boot_wait_start,
		.keep_fds = keep,
		.n_keep_fds = 2,
		.uid_map = c->n_uid_mappings ? maps[0] : NULL,
		.n_uid_map = (int)c->n_uid_mappings,
		.gid_map = c->n_gid_mappings ? maps[1] : NULL,
		.n_gid_map = (int)c->n_gid_mappings,
		.sysctls = sysctls,
		.n_sysctls = (int)c->n_sysctl,
		.netns_path = netns ? netns->path : NULL,
		.userns_path = userns ? userns->path : NULL,
	};
	int status = sentry_main(&cfg);
	free(sysctls);
	sandbox_seccomp_free(seccomp);
	sandbox_mounts_release(&mounts);
	if (status < 0) {
		snprintf(err, sizeof(err), "cannot start the sandbox: %s", strerror(-status));
		ready(err);
		_exit(1);
	}
	sandbox_exit_like(status);
}
