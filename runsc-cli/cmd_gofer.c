/*
 * cvisor gofer --fd=N [--fd=M...] --root=PATH [--readonly]
 *              [--tree=FD:ro|rw:PATH...]
 *
 * Internal command: the gofer process of one container. Serves the tree at
 * --root on each SOCK_SEQPACKET channel --fd, and each --tree (a bind
 * mount's source) on its own channel FD, one thread per channel, until the
 * sentry has closed them all (exit 0).
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
	fprintf(stderr, "usage: cvisor gofer --fd=N [--fd=M...] --root=PATH [--readonly] "
			"[--tree=FD:ro|rw:PATH...]\n");
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

/* FD:ro|rw:PATH */
static bool parse_tree(char *s, int *fd, struct gofer_bind *b)
{
	char *c1 = strchr(s, ':');
	if (!c1 || (strncmp(c1, ":ro:", 4) && strncmp(c1, ":rw:", 4)) || !c1[4])
		return false;
	*c1 = 0;
	b->readonly = c1[2] == 'o';
	b->path = c1 + 4;
	return parse_fd(s, fd);
}

static bool is_seqpacket(int fd)
{
	int type;
	socklen_t tl = sizeof(type);
	if (getsockopt(fd, SOL_SOCKET, SO_TYPE, &type, &tl) == 0 && type == SOCK_SEQPACKET)
		return true;
	fprintf(stderr, "cvisor gofer: fd %d is not a SOCK_SEQPACKET socket\n", fd);
	return false;
}

int cmd_gofer(int argc, char **argv)
{
#define MAX_CHANNELS 64
	int socks[MAX_CHANNELS], nsocks = 0, tree_socks[MAX_CHANNELS], ntrees = 0;
	struct gofer_bind binds[MAX_CHANNELS];
	const char *root = NULL;
	bool readonly = false;
	for (int i = 1; i < argc; i++) {
		char *a = argv[i];
		if (!strncmp(a, "--fd=", 5)) {
			if (nsocks == MAX_CHANNELS || !parse_fd(a + 5, &socks[nsocks++]))
				return usage();
		} else if (!strncmp(a, "--tree=", 7)) {
			if (ntrees == MAX_CHANNELS || !parse_tree(a + 7, &tree_socks[ntrees], &binds[ntrees]))
				return usage();
			ntrees++;
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
	for (int k = 0; k < nsocks + ntrees; k++)
		if (!is_seqpacket(k < nsocks ? socks[k] : tree_socks[k - nsocks]))
			return 1;
	int rootfd = open(root, O_PATH | O_DIRECTORY | O_CLOEXEC);
	if (rootfd < 0) {
		fprintf(stderr, "cvisor gofer: %s: %s\n", root, strerror(errno));
		return 1;
	}
	raise_nofile();
	/* the tree channels are kept open by the sandbox like the root's */
	int all[2 * MAX_CHANNELS];
	memcpy(all, socks, sizeof(int) * (size_t)nsocks);
	memcpy(all + nsocks, tree_socks, sizeof(int) * (size_t)ntrees);
	int err = gofer_sandbox(root, readonly, all, nsocks + ntrees, &rootfd, binds, ntrees);
	if (err) {
		fprintf(stderr, "cvisor gofer: sandbox: %s\n", strerror(-err));
		return 1;
	}
	struct gofer_tree t[2 * MAX_CHANNELS];
	int n = 0;
	for (int k = 0; k < nsocks; k++)
		t[n++] = (struct gofer_tree){ .sock = socks[k], .rootfd = rootfd, .readonly = readonly };
	for (int k = 0; k < ntrees; k++)
		t[n++] = (struct gofer_tree){ .sock = tree_socks[k], .rootfd = binds[k].rootfd,
					      .readonly = binds[k].readonly };
	err = gofer_serve_trees(t, n);
	close(rootfd);
	for (int k = 0; k < ntrees; k++)
		close(binds[k].rootfd);
	if (err) {
		fprintf(stderr, "cvisor gofer: %s\n", strerror(-err));
		return 1;
	}
	return 0;
}
