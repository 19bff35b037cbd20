/* `cvisor start ID`: run the process of a created container. */
#include <string.h>
#include "runsc-cli/cli.h"
#include "runsc-cli/oci/errlog.h"
#include "runsc-cli/oci/config.h"
#include "runsc-cli/sandbox/sandbox.h"
#include "runsc-cli/pod/pod.h"

int container_start(struct global_opts *g, const char *id)
{
	struct oci_state st;
	if (sandbox_load(g, id, &st) < 0)
		return 1;
	const char *status = state_status(&st);
	int rc = 1;
	if (!strcmp(status, "stopped")) {
		cli_error("cannot start a container that has stopped");
	} else if (strcmp(status, "created")) {
		cli_error("cannot start an already running container");
	} else {
		struct ctl_req q = { .op = CTL_START };
		struct ctl_resp r;
		char sb[STATE_ID_MAX + 1];
		bool pod = pod_sandbox_of(&st, sb, sizeof(sb));
		if ((pod ? pod_start(g, &st, sb) : sandbox_call(g, id, &q, &r, NULL, 0)) == 0)
			rc = sandbox_set_status(g, id, "running") < 0 ? 1 : 0;
		if (rc == 0)
			sandbox_hooks_warn(g, id, OCI_HOOK_POSTSTART);
	}
	state_free(&st);
	return rc;
}

int cmd_start(struct global_opts *g, int argc, char **argv)
{
	if (argc != 2 || argv[1][0] == '-') {
		cli_error("start: usage: start CONTAINER_ID");
		return 2;
	}
	return container_start(g, argv[1]);
}
