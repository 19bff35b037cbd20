/*
 * cvisor gofer --fd=N [--fd=M...] --root=PATH [--readonly]
 *
 * Internal command: the gofer process. Serves the tree at PATH on each
 * SOCK_SEQPACKET channel fd (one thread per channel) until the sentry has
 * closed them all (exit 0).
 */
#include "runsc-cli/cli.h"
#include "gofer/gofer.h"
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <sys/resource.h>
#include <sys/socket.h>

static int usage(void)
{
	fprintf(stderr, "usage: cvisor gofer --fd=N [--fd=M...] --root=PATH [--readonly]\n");
	return 2;
}

static bool parse_fd(const char *s, int *out)
{
	char *end;
	errno = 0;
	long v = strtol(s, &end, 10);
	if (errno || end == s || *end || v < 0 || v > INT_MAX)
		return false;
	*out = (int)v;
	return true;
}

/* Every fid holds one or two host fds: allow as many as the hard limit. */
static void raise_nofile(void)
{
	struct rlimit rl;
	if (getrlimit(RLIMIT_NOFILE, &rl) == 0 && rl.rlim_cur < rl.rlim_max) {
		rl.rlim_cur = rl.rlim_max;
		setrlimit(RLIMIT_NOFILE, &rl);
	}
}

int cmd_gofer(int argc, char **argv)
{
#define MAX_CHANNELS 64
	int socks[MAX_CHANNELS], nsocks = 0;
	const char *root = NULL;
	bool readonly = false;
	for (int i = 1; i < argc; i++) {
		const char *a = argv[i];
		if (!strncmp(a, "--fd=", 5)) {
			if (nsocks == MAX_CHANNELS || !parse_fd(a + 5, &socks[nsocks++]))
				return usage();
		} else if (!strncmp(a, "--root=", 7) && a[7]) {
			root = a + 7;
		} else if (!strcmp(a, "--readonly")) {
			readonly = true;
		} else {
			return usage();
		}
	}
	if (!nsocks || !root)
		return usage();
	for (int k = 0; k < nsocks; k++) {
		int type;
		socklen_t tl = sizeof(type);
		if (getsockopt(socks[k], SOL_SOCKET, SO_TYPE, &type, &tl) < 0 || type != SOCK_SEQPACKET) {
			fprintf(stderr, "cvisor gofer: fd %d is not a SOCK_SEQPACKET socket\n", socks[k]);
			return 1;
		}
	}
	int rootfd = open(root, O_PATH | O_DIRECTORY | O_CLOEXEC);
	if (rootfd < 0) {
		fprintf(stderr, "cvisor gofer: %s: %s\n", root, strerror(errno));
		return 1;
	}
	raise_nofile();
	int err = gofer_sandbox(root, readonly, socks, nsocks, &rootfd);
	if (err) {
		fprintf(stderr, "cvisor gofer: sandbox: %s\n", strerror(-err));
		return 1;
	}
	err = gofer_serve_channels(socks, nsocks, rootfd, readonly);
	close(rootfd);
	if (err) {
		fprintf(stderr, "cvisor gofer: %s\n", strerror(-err));
		return 1;
	}
	return 0;
}
