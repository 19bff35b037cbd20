/* `cvisor run [--bundle DIR] [--pid-file F] [--detach] [--keep] ID`:
 * create + start; without --detach, wait for the container, remove it and
 * exit with its status (128+N when killed by signal N). */
#include <stdio.h>
#include <string.h>
#include <sys/wait.h>
#include "runsc-cli/cli.h"
#include "runsc-cli/oci/errlog.h"
#include "runsc-cli/oci/config.h"
#include "runsc-cli/sandbox/sandbox.h"

int cmd_run(struct global_opts *g, int argc, char **argv)
{
	const char *bundle = ".", *pid_file = NULL, *console = NULL, *id = NULL;
	bool detach = false, keep = false;
	for (int i = 1; i < argc; i++) {
		if (argv[i][0] == '-') {
			if (create_opt(argc, argv, &i, &bundle, &pid_file, &console))
				continue;
			if (sandbox_flag("--detach", "-d", argv[i])) {
				detach = true;
				continue;
			}
			if (sandbox_flag("--keep", NULL, argv[i])) {
				keep = true;
				continue;
			}
		}
		if (argv[i][0] == '-' || id) {
			cli_error("run: usage: run [--bundle DIR] [--pid-file FILE] [--detach] [--keep] ID");
			return 2;
		}
		id = argv[i];
	}
	if (!id) {
		cli_error("run: usage: run [--bundle DIR] [--pid-file FILE] [--detach] [--keep] ID");
		return 2;
	}
	pid_t pid;
	if (sandbox_create(g, bundle, id, pid_file, console, &pid) < 0)
		return 1;
	if (container_start(g, id) != 0) {
		sandbox_remove(g, id);
		return 1;
	}
	if (detach)
		return 0;
	int status = sandbox_wait(g, id, pid, -1, 0);
	if (!keep) {
		sandbox_hooks_warn(g, id, OCI_HOOK_POSTSTOP);
		sandbox_remove(g, id);
	}
	if (status < 0)
		return 1;
	return WIFSIGNALED(status) ? 128 + WTERMSIG(status) : WEXITSTATUS(status);
}
