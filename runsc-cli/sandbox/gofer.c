/* Starting a `cvisor gofer` for the sentry: the container root, and one
 * per bind mount of config.json (each serves its own host tree). */
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <unistd.h>
#include <sys/prctl.h>
#include <sys/socket.h>
#include "runsc-cli/sandbox/sandbox.h"

int sandbox_start_gofer(const char *id, const char *root, bool readonly, pid_t *pid)
{
	int sv[2];
	if (socketpair(AF_UNIX, SOCK_SEQPACKET | SOCK_CLOEXEC, 0, sv) < 0)
		return -errno;
	pid_t p = fork();
	if (p < 0) {
		int e = errno;
		close(sv[0]);
		close(sv[1]);
		return -e;
	}
	if (p == 0) {
		prctl(PR_SET_PDEATHSIG, SIGKILL);
		if (getppid() == 1)
			_exit(1);
		/* Only the container may hold its stdio pipes. */
		int devnull = open("/dev/null", O_RDWR);
		if (devnull < 0 || dup2(devnull, 0) < 0 || dup2(devnull, 1) < 0 ||
		    dup2(devnull, 2) < 0 || dup2(sv[1], 3) < 0)
			_exit(127);
		close_range(4, ~0U, 0);
		char argv0[300], rootarg[4200];
		snprintf(argv0, sizeof(argv0), "cvisor-gofer:%s", id);
		snprintf(rootarg, sizeof(rootarg), "--root=%s", root);
		execl("/proc/self/exe", argv0, "gofer", "--fd=3", rootarg,
		      readonly ? "--readonly" : (char *)NULL, (char *)NULL);
		_exit(127);
	}
	close(sv[1]);
	*pid = p;
	return sv[0];
}
