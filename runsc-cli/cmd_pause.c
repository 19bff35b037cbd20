/* `cvisor pause ID` / `cvisor resume ID`: stop and restart every guest task. */
#include <string.h>
#include "runsc-cli/pod/pod.h"
#include "runsc-cli/cli.h"
#include "runsc-cli/oci/errlog.h"
#include "runsc-cli/sandbox/sandbox.h"

static int pause_resume(struct global_opts *g, int argc, char **argv, bool pause)
{
	const char *cmd = pause ? "pause" : "resume";
	if (argc != 2 || argv[1][0] == '-') {
		cli_error("%s: usage: %s CONTAINER_ID", cmd, cmd);
		return 2;
	}
	const char *id = argv[1];
	int lk = state_lock(g->root, id);
	if (lk < 0) {
		cli_error("container does not exist");
		return 1;
	}
	struct oci_state st;
	char sb[STATE_ID_MAX + 1];
	int rc = 1;
	if (sandbox_load(g, id, &st) < 0)
		goto out;
	const char *status = state_status(&st);
	if (pause && strcmp(status, "running")) {
		cli_error("container not running");
	} else if (!pause && strcmp(status, "paused")) {
		cli_error("container not paused");
	} else {
		struct ctl_req q = { .op = pause ? CTL_PAUSE : CTL_RESUME };
		struct ctl_resp r;
		char err[512];
		bool pod = pod_sandbox_of(&st, sb, sizeof(sb));
		if ((pod ? pod_pause(g, &st, sb, pause) : sandbox_call(g, id, &q, &r, NULL, 0)) == 0) {
			strcpy(st.status, pause ? "paused" : "running");
			if (state_save(g->root, &st, err, sizeof(err)) < 0)
				cli_error("%s", err);
			else
				rc = 0;
		}
	}
	state_free(&st);
out:
	state_unlock(lk);
	return rc;
}

int cmd_pause(struct global_opts *g, int argc, char **argv)
{
	return pause_resume(g, argc, argv, true);
}

int cmd_resume(struct global_opts *g, int argc, char **argv)
{
	return pause_resume(g, argc, argv, false);
}
