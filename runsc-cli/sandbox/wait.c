/* Waiting for a guest (run, exec) while passing host signals on to it,
 * like runc's signal forwarding. */
#include <errno.h>
#include <poll.h>
#include <signal.h>
#include <string.h>
#include <unistd.h>
#include <sys/signalfd.h>
#include <sys/wait.h>
#include "runsc-cli/sandbox/sandbox.h"

/* Signals a person or the shim sends to the runtime process that are meant
 * for the guest. */
static const int forwarded[] = {
	SIGHUP, SIGINT, SIGQUIT, SIGUSR1, SIGUSR2, SIGALRM, SIGTERM, SIGCONT,
	SIGTSTP, SIGTTIN, SIGTTOU, SIGWINCH, SIGVTALRM, SIGPROF, SIGPWR,
};

static void forward(const struct global_opts *g, const char *id, int target, int sig)
{
	struct ctl_req q = { .op = CTL_KILL, .pid = target, .sig = sig };
	struct ctl_resp r;
	ctl_call(g->root, id, &q, &r, NULL, 0);
}

int sandbox_wait(const struct global_opts *g, const char *id, pid_t child, int sock, int target)
{
	sigset_t set, old;
	sigemptyset(&set);
	for (size_t i = 0; i < sizeof(forwarded) / sizeof(forwarded[0]); i++)
		sigaddset(&set, forwarded[i]);
	if (child > 0)
		sigaddset(&set, SIGCHLD);
	sigprocmask(SIG_BLOCK, &set, &old);
	int sfd = signalfd(-1, &set, SFD_CLOEXEC);
	int status = -1;
	for (;;) {
		if (child > 0) {
			pid_t r = waitpid(child, &status, WNOHANG);
			if (r == child)
				break;
			if (r < 0 && errno != EINTR) {
				status = -1;
				break;
			}
		}
		struct pollfd pf[2] = { { sfd, POLLIN, 0 }, { sock, POLLIN, 0 } };
		int n = poll(pf, sock >= 0 ? 2 : 1, -1);
		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0)
			break;
		if (pf[0].revents & POLLIN) {
			struct signalfd_siginfo si;
			if (read(sfd, &si, sizeof(si)) == sizeof(si) && (int)si.ssi_signo != SIGCHLD)
				forward(g, id, target, (int)si.ssi_signo);
		}
		if (sock >= 0 && pf[1].revents) {
			struct ctl_resp r;
			status = ctl_recv(sock, &r, NULL, 0) == 0 && r.err == 0 ? r.value : -1;
			break;
		}
	}
	if (sfd >= 0)
		close(sfd);
	sigprocmask(SIG_SETMASK, &old, NULL);
	return status;
}
