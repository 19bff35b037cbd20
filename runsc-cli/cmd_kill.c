/* `cvisor kill [--all] ID [SIGNAL]`: signal the container's init (or, with
 * --all, every guest process). SIGNAL: a number or a name (KILL, SIGKILL);
 * SIGTERM by default. */
#include <string.h>
#include "runsc-cli/cli.h"
#include "runsc-cli/oci/errlog.h"
#include "runsc-cli/sandbox/sandbox.h"
#include "runsc-cli/pod/pod.h"

int cmd_kill(struct global_opts *g, int argc, char **argv)
{
	const char *id = NULL, *signame = NULL;
	bool all = false;
	for (int i = 1; i < argc; i++) {
		if (sandbox_flag("--all", "-a", argv[i]))
			all = true;
		else if (argv[i][0] != '-' && !id)
			id = argv[i];
		else if (!signame && id)
			signame = argv[i];
		else
			id = NULL, i = argc;
	}
	if (!id) {
		cli_error("kill: usage: kill [--all] CONTAINER_ID [SIGNAL]");
		return 2;
	}
	int sig = signame ? sandbox_signal_number(signame) : 15;
	if (sig < 0) {
		cli_error("unknown signal \"%s\"", signame);
		return 1;
	}
	struct oci_state st;
	if (sandbox_load(g, id, &st) < 0)
		return 1;
	int rc = 1;
	if (!strcmp(state_status(&st), "stopped")) {
		cli_error("container not running");
	} else {
		struct ctl_req q = { .op = CTL_KILL, .sig = sig, .flags = all ? CTL_KILL_ALL : 0 };
		struct ctl_resp r;
		char sb[STATE_ID_MAX + 1];
		if (pod_sandbox_of(&st, sb, sizeof(sb)))
			rc = pod_kill(g, &st, sb, sig, all) < 0 ? 1 : 0;
		else
			rc = sandbox_call(g, id, &q, &r, NULL, 0) < 0 ? 1 : 0;
	}
	state_free(&st);
	return rc;
}
