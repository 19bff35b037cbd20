/* The gofer process: serves the container root over the protocol of
 * protocol.h. Used by runsc-cli/cmd_gofer.c. */
#ifndef CVISOR_GOFER_H
#define CVISOR_GOFER_H
#include <stdbool.h>

/* Serve one channel until the peer closes it. rootfd is a directory (any
 * open mode; O_PATH is enough) and stays owned by the caller. With readonly
 * every operation that would modify the tree fails with -EROFS. Returns 0
 * on EOF, -errno on a fatal channel error. Never trusts the peer. Sets the
 * process umask to 0. Several channels may be served at once, one thread
 * each (no state is shared between calls). */
int gofer_serve(int sock, int rootfd, bool readonly);

/* One tree served on one channel. */
struct gofer_tree {
	int sock, rootfd;
	bool readonly;
};

/* Serve n channels at once, one thread each, until every peer has closed
 * its channel. 0, or the first channel's error. */
int gofer_serve_trees(const struct gofer_tree *t, int n);
/* The same with every channel serving rootfd. */
int gofer_serve_channels(const int *socks, int n, int rootfd, bool readonly);

/* A further tree (a bind mount's source) served by the same gofer: path is
 * resolved before the pivot; rootfd receives a detached, attribute-locked
 * clone of it (nosuid, nodev, read-only if readonly). */
struct gofer_bind {
	const char *path;
	bool readonly;
	int rootfd;
};

/* Confine the gofer process before it serves anything (gofer/sandbox.c):
 * own mount namespace with the tree at path `root` pivot_root'ed into (read
 * only if readonly), every fd but 0-2, the channels and *rootfd closed,
 * file capabilities only, no_new_privs, a seccomp allowlist of the file
 * syscalls. Replaces *rootfd by the new "/" and opens each bind's tree
 * (their fds are kept too). Call it single-threaded.
 * 0 or -errno. */
int gofer_sandbox(const char *root, bool readonly, const int *socks, int nsocks, int *rootfd,
		  struct gofer_bind *binds, int nbinds);

#endif
