/* `cvisor ps [--format table|json] ID`: the container's processes (pids in
 * the sandbox). json is what containerd reads: an array of pids. */
#include <stdio.h>
#include <string.h>
#include "runsc-cli/pod/pod.h"
#include "runsc-cli/cli.h"
#include "runsc-cli/oci/errlog.h"
#include "runsc-cli/sandbox/sandbox.h"

int cmd_ps(struct global_opts *g, int argc, char **argv)
{
	const char *id = NULL, *format = "table", *v;
	for (int i = 1; i < argc; i++) {
		if ((v = sandbox_opt("--format", "-f", argc, argv, &i)))
			format = v;
		else if (!strcmp(argv[i], "--"))
			break;   /* ps(1) options: not supported, ignored */
		else if (argv[i][0] != '-' && !id)
			id = argv[i];
		else
			id = NULL, i = argc;
	}
	if (!id || (strcmp(format, "table") && strcmp(format, "json"))) {
		cli_error("ps: usage: ps [--format table|json] CONTAINER_ID");
		return 2;
	}
	struct oci_state st;
	if (sandbox_load(g, id, &st) < 0)
		return 1;
	bool stopped = !strcmp(state_status(&st), "stopped");
	static int32_t pids[CTL_MAX_PAYLOAD / sizeof(int32_t)];
	size_t n = 0;
	char sb[STATE_ID_MAX + 1];
	bool pod = pod_sandbox_of(&st, sb, sizeof(sb));
	int pn = pod && !stopped ? pod_ps(g, &st, sb, pids, sizeof(pids) / sizeof(pids[0])) : 0;
	state_free(&st);
	if (pn < 0)
		return 1;
	n = (size_t)pn;
	if (!stopped && !pod) {
		struct ctl_req q = { .op = CTL_PS };
		struct ctl_resp r;
		if (sandbox_call(g, id, &q, &r, pids, sizeof(pids)) < 0)
			return 1;
		n = r.len / sizeof(int32_t);
	}
	if (!strcmp(format, "json")) {
		putchar('[');
		for (size_t i = 0; i < n; i++)
			printf("%s%d", i ? "," : "", pids[i]);
		printf("]\n");
	} else {
		printf("PID\n");
		for (size_t i = 0; i < n; i++)
			printf("%d\n", pids[i]);
	}
	return 0;
}
