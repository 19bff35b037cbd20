/* `cvisor delete [--force] ID`: remove a stopped (or created) container;
 * --force also kills a running one and succeeds when it does not exist. */
#include <errno.h>
#include <string.h>
#include "runsc-cli/pod/pod.h"
#include "runsc-cli/cli.h"
#include "runsc-cli/oci/errlog.h"
#include "runsc-cli/oci/config.h"
#include "runsc-cli/sandbox/sandbox.h"
#include "runsc-cli/sandbox/cgroup.h"

int cmd_delete(struct global_opts *g, int argc, char **argv)
{
	const char *id = NULL;
	bool force = false;
	for (int i = 1; i < argc; i++) {
		if (sandbox_flag("--force", "-f", argv[i]))
			force = true;
		else if (argv[i][0] != '-' && !id)
			id = argv[i];
		else
			id = NULL, i = argc;
	}
	if (!id) {
		cli_error("delete: usage: delete [--force] CONTAINER_ID");
		return 2;
	}
	char err[512];
	struct oci_state st;
	int rc = state_load(g->root, id, &st, err, sizeof(err));
	if (rc < 0) {
		if (force && rc == -ENOENT)
			return 0;
		cli_error("%s", err);
		return 1;
	}
	const char *status = state_status(&st);
	if (strcmp(status, "stopped") && strcmp(status, "created") && !force) {
		cli_error("cannot delete container %s that is not stopped: %s", id, status);
		state_free(&st);
		return 1;
	}
	char sb[STATE_ID_MAX + 1];
	if (pod_sandbox_of(&st, sb, sizeof(sb)))
		pod_delete(g, &st, sb);   /* its processes and mounts in the shared sentry */
	sandbox_kill_host(&st);
	/* the rest of the sandbox (exec stand-ins too) dies with its cgroup */
	struct cgroup cg;
	int cgerr = sandbox_cgroup(&st, &cg) == 0 ? cgroup_destroy(&cg) : 0;
	state_free(&st);
	if (cgerr < 0 && !force) {
		cli_error("cannot remove the cgroup of %s: %s", id, strerror(-cgerr));
		return 1;
	}
	sandbox_hooks_warn(g, id, OCI_HOOK_POSTSTOP);
	if (state_delete(g->root, id, err, sizeof(err)) < 0 && !force) {
		cli_error("%s", err);
		return 1;
	}
	return 0;
}
