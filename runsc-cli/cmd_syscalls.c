/* `cvisor syscalls`: the compatibility report from the syscall table. */
#include "runsc-cli/cli.h"
#include "syscalls/syscall.h"

int cmd_syscalls(struct global_opts *g, int argc, char **argv)
{
	syscalls_report(1);
	return 0;
}
