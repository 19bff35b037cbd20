/*
 * `cvisor do [flags] [--] CMD [ARG...]`: run CMD in a fresh sandbox whose
 * root is the host's / (or --rootfs DIR) served by a gofer process; /tmp is
 * a sandbox tmpfs.
 * The exit status is the guest's (128+N if killed by N).
 *
 * Root flags (docs/overlay.md):
 *   --overlay[=true]      default: the host / read-only under a private tmpfs;
 *   --overlay2=root:memory  changes stay in the sandbox
 *   --overlay=none|false  the host / read-write: changes reach the host
 *   --overlay2=none
 *   --rootfs-readonly[=true]  the host / read-only, no overlay (EROFS)
 *   --rootfs=DIR | --rootfs DIR  serve DIR as the root instead of / (the
 *                         guest starts in /); the root flags apply to it
 */
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <sys/prctl.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include "runsc-cli/cli.h"
#include "sentry/boot.h"
#include "vfs/vfs.h"

extern char **environ;

/* Fork+exec `cvisor gofer` serving root (read-only unless readonly is
 * false) on one end of a socketpair; returns the sentry's end. */
static int start_gofer(pid_t *pid, const char *root, bool readonly)
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
		int fd = dup(sv[1]);   /* without CLOEXEC */
		char fdarg[32], rootarg[PATH_MAX + 8];
		snprintf(fdarg, sizeof(fdarg), "--fd=%d", fd);
		snprintf(rootarg, sizeof(rootarg), "--root=%s", root);
		int devnull = open("/dev/null", O_RDWR);
		if (devnull >= 0) {
			dup2(devnull, 0);
			dup2(devnull, 1);
		}
		execl("/proc/self/exe", "cvisor", "gofer", fdarg, rootarg,
		      readonly ? "--readonly" : (char *)NULL, (char *)NULL);
		_exit(127);
	}
	close(sv[1]);
	*pid = p;
	return sv[0];
}

/* The root flags: 1 when argv[i] is one (mode set), 0 when not, -1 bad. */
static int parse_root_flag(const char *a, int *mode)
{
	static const struct { const char *flag; int mode; } flags[] = {
		{ "--overlay", VFS_ROOT_OVERLAY }, { "--overlay=true", VFS_ROOT_OVERLAY },
		{ "--overlay2=root:memory", VFS_ROOT_OVERLAY }, { "--overlay2=all:memory", VFS_ROOT_OVERLAY },
		{ "--overlay=none", VFS_ROOT_RW }, { "--overlay=false", VFS_ROOT_RW },
		{ "--overlay2=none", VFS_ROOT_RW },
		{ "--rootfs-readonly", VFS_ROOT_RO }, { "--rootfs-readonly=true", VFS_ROOT_RO },
	};
	for (size_t k = 0; k < sizeof(flags) / sizeof(flags[0]); k++)
		if (!strcmp(a, flags[k].flag)) {
			*mode = flags[k].mode;
			return 1;
		}
	if (!strcmp(a, "--rootfs-readonly=false"))
		return 1;   /* the overlay or --overlay=none decide */
	return !strncmp(a, "--overlay", 9) || !strncmp(a, "--rootfs-readonly", 17) ? -1 : 0;
}

int cmd_do(struct global_opts *g, int argc, char **argv)
{
	int i = 1, root_mode = VFS_ROOT_OVERLAY, ro_mode = -1;
	char rootfs[PATH_MAX] = "/";
	for (; i < argc; i++) {
		if (!strcmp(argv[i], "--")) {
			i++;
			break;
		}
		if (argv[i][0] != '-')
			break;
		if (!strcmp(argv[i], "--rootfs") || !strncmp(argv[i], "--rootfs=", 9)) {
			const char *dir = argv[i][8] == '=' ? argv[i] + 9 : i + 1 < argc ? argv[++i] : "";
			struct stat st;
			if (!realpath(dir, rootfs) || stat(rootfs, &st) < 0 || !S_ISDIR(st.st_mode)) {
				fprintf(stderr, "cvisor do: --rootfs %s: not a directory\n", dir);
				return 2;
			}
			continue;
		}
		int m = -1, r = parse_root_flag(argv[i], &m);
		if (r < 0) {
			fprintf(stderr, "cvisor do: bad root flag %s\n", argv[i]);
			return 2;
		}
		if (r > 0) {
			if (m == VFS_ROOT_RO)
				ro_mode = m;
			else if (m >= 0)
				root_mode = m;
			continue;
		}
		if (!cli_parse_global(g, argc, argv, &i)) {
			fprintf(stderr, "cvisor do: unknown flag %s\n", argv[i]);
			return 2;
		}
	}
	if (i >= argc) {
		fprintf(stderr, "usage: cvisor do [flags] [--] CMD [ARG...]\n");
		return 2;
	}

	if (ro_mode >= 0)
		root_mode = ro_mode;
	pid_t gofer = -1;
	int gofer_fd = start_gofer(&gofer, rootfs, root_mode != VFS_ROOT_RW);
	if (gofer_fd < 0) {
		fprintf(stderr, "cvisor: cannot start the gofer: %s\n", strerror(-gofer_fd));
		return 125;
	}
	char cwd[4096];
	struct kernel_config cfg = {
		.platform = g->platform,
		.strace = g->strace,
		.no_systrap_patching = g->no_systrap_patching,
		.allow_setuid = g->allow_setuid,
		.debug = g->debug,
		.hostname = "cvisor",
		.gofer_fd = gofer_fd,
		.root_mode = root_mode,
		.stdio_fds = { 0, 1, 2 },
		.cwd = strcmp(rootfs, "/") ? "/" : getcwd(cwd, sizeof(cwd)) ? cwd : "/",
		.argv = argv + i,
		.envp = environ,
	};
	int status = sentry_main(&cfg);

	close(gofer_fd);   /* the gofer exits on EOF */
	kill(gofer, SIGKILL);
	waitpid(gofer, NULL, 0);
	if (status < 0) {
		fprintf(stderr, "cvisor: sandbox failed to start: %s\n", strerror(-status));
		return 125;
	}
	if (WIFSIGNALED(status))
		return 128 + WTERMSIG(status);
	return WEXITSTATUS(status);
}
