/* `cvisor create [--bundle DIR] [--pid-file F] [--console-socket S] ID`:
 * a sandbox for the bundle, its process not started yet (runc create). */
#include <stdio.h>
#include <string.h>
#include <unistd.h>
#include "runsc-cli/cli.h"
#include "runsc-cli/oci/errlog.h"
#include "runsc-cli/sandbox/sandbox.h"
#include "runsc-cli/pod/pod.h"

bool create_opt(int argc, char **argv, int *i, const char **bundle, const char **pid_file,
		const char **console)
{
	const char *v;
	if ((v = sandbox_opt("--bundle", "-b", argc, argv, i)))
		*bundle = v;
	else if ((v = sandbox_opt("--pid-file", NULL, argc, argv, i)))
		*pid_file = v;
	else if ((v = sandbox_opt("--console-socket", NULL, argc, argv, i)))
		*console = v;
	else if (sandbox_opt("--preserve-fds", NULL, argc, argv, i))
		;   /* no extra fds are passed to the guest yet */
	else if (!sandbox_flag("--no-pivot", NULL, argv[*i]) &&
		 !sandbox_flag("--no-new-keyring", NULL, argv[*i]))
		return false;
	return true;
}

int cmd_create(struct global_opts *g, int argc, char **argv)
{
	const char *bundle = ".", *pid_file = NULL, *console = NULL, *id = NULL;
	for (int i = 1; i < argc; i++) {
		if (argv[i][0] == '-' && create_opt(argc, argv, &i, &bundle, &pid_file, &console))
			continue;
		if (argv[i][0] == '-' || id) {
			cli_error("create: usage: create [--bundle DIR] [--pid-file FILE] [--console-socket SOCK] ID");
			return 2;
		}
		id = argv[i];
	}
	if (!id) {
		cli_error("create: usage: create [--bundle DIR] [--pid-file FILE] [--console-socket SOCK] ID");
		return 2;
	}
	/* an app container of a running cvisor pod sandbox joins its sentry */
	int prc = pod_create(g, bundle, id, pid_file, console);
	if (prc != POD_NOT_A_POD)
		return prc;
	pid_t pid;
	return sandbox_create(g, bundle, id, pid_file, console, &pid) < 0 ? 1 : 0;
}
