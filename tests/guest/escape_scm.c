/* Directory fds passed over a unix socket (SCM_RIGHTS) to a process that
 * chrooted into a jail: openat with "..", fchdir + chroot("."), openat2
 * RESOLVE_BENEATH / RESOLVE_IN_ROOT. Like Linux, the fds lead out of the
 * jail, but only up to the real root (escape_common.h). */
#include <sys/socket.h>
#include <sys/wait.h>
#include "escape_common.h"

#define NFDS 4

static char work[64];

static void send_fds(int sock, const int *fds, int n)
{
	char byte = 'x';
	struct iovec iov = { &byte, 1 };
	union { char buf[CMSG_SPACE(NFDS * sizeof(int))]; struct cmsghdr align; } u;
	struct msghdr msg = { .msg_iov = &iov, .msg_iovlen = 1, .msg_control = u.buf,
			      .msg_controllen = CMSG_SPACE(n * sizeof(int)) };
	struct cmsghdr *c = CMSG_FIRSTHDR(&msg);
	c->cmsg_level = SOL_SOCKET;
	c->cmsg_type = SCM_RIGHTS;
	c->cmsg_len = CMSG_LEN(n * sizeof(int));
	memcpy(CMSG_DATA(c), fds, n * sizeof(int));
	CHECK(sendmsg(sock, &msg, 0) == 1, "sendmsg");
}

static int recv_fds(int sock, int *fds)
{
	char byte;
	struct iovec iov = { &byte, 1 };
	union { char buf[CMSG_SPACE(NFDS * sizeof(int))]; struct cmsghdr align; } u;
	struct msghdr msg = { .msg_iov = &iov, .msg_iovlen = 1, .msg_control = u.buf,
			      .msg_controllen = sizeof(u.buf) };
	CHECK(recvmsg(sock, &msg, 0) == 1, "recvmsg");
	struct cmsghdr *c = CMSG_FIRSTHDR(&msg);
	CHECK(c && c->cmsg_type == SCM_RIGHTS, "no SCM_RIGHTS");
	int n = (int)((c->cmsg_len - CMSG_LEN(0)) / sizeof(int));
	memcpy(fds, CMSG_DATA(c), n * sizeof(int));
	return n;
}

/* The jailed receiver. */
static int receiver(int sock, const char *jail)
{
	int fds[NFDS];
	char p[256];
	struct stat st, j;
	CHECK(stat(jail, &j) == 0 && chroot(jail) == 0 && chdir("/") == 0, "chroot");
	CHECK(stat("/", &st) == 0 && escape_same(&st, &j), "in the jail");
	CHECK(recv_fds(sock, fds) == NFDS, "fds");
	for (int k = 0; k < NFDS; k++) {
		snprintf(p, sizeof(p), "received fd %d", k);
		if (k < NFDS - 1)     /* the last is O_PATH: openat works, fstatat too */
			escape_check_dir(fds[k], p);
		escape_check_path(fds[k], escape_ups(40, ""));
		snprintf(p, sizeof(p), "../../../../%s", escape_marker);
		CHECK(faccessat(fds[k], p, F_OK, 0) == -1 && errno == ENOENT, "marker from fd %d", k);
		CHECK(escape_openat2(fds[k], "..", RESOLVE_BENEATH) == -1 && errno == EXDEV, "beneath %d", k);
		CHECK(escape_openat2(fds[k], p, RESOLVE_IN_ROOT) == -1 && errno == ENOENT, "in_root %d", k);
		long fd = escape_openat2(fds[k], escape_ups(8, ""), RESOLVE_IN_ROOT);
		CHECK(fd >= 0 && fstat((int)fd, &st) == 0, "in_root ups %d", k);
		struct stat d;
		CHECK(fstat(fds[k], &d) == 0 && escape_same(&st, &d), "in_root clamps at fd %d", k);
		close((int)fd);
	}
	/* fchdir out of the jail, climb, chroot("."): the real root, no further */
	CHECK(fchdir(fds[2]) == 0, "fchdir");
	for (int k = 0; k < 64; k++)
		CHECK(chdir("..") == 0, "chdir ..");
	CHECK(chroot(".") == 0, "chroot .");
	CHECK(stat("/", &st) == 0 && escape_same(&st, &escape_root), "back at the real root");
	escape_check_path(AT_FDCWD, "/../..");
	return 0;
}

int main(int argc, char **argv)
{
	char jail[96], deep[128];
	int sv[2];
	escape_init(argc, argv);
	snprintf(work, sizeof(work), "/tmp/escape_scm.%d", (int)getpid());
	snprintf(jail, sizeof(jail), "%s/jail", work);
	snprintf(deep, sizeof(deep), "%s/deep", work);
	CHECK(mkdir(work, 0755) == 0 && mkdir(jail, 0755) == 0 && mkdir(deep, 0755) == 0, "dirs");
	CHECK(socketpair(AF_UNIX, SOCK_STREAM, 0, sv) == 0, "socketpair");

	fflush(stdout);
	pid_t pid = fork();
	if (pid == 0) {
		close(sv[0]);
		_exit(receiver(sv[1], jail));
	}
	close(sv[1]);
	int fds[NFDS] = { open("/", O_RDONLY | O_DIRECTORY), open("/tmp", O_RDONLY | O_DIRECTORY),
			  open(deep, O_RDONLY | O_DIRECTORY), open(deep, O_PATH) };
	for (int k = 0; k < NFDS; k++)
		CHECK(fds[k] >= 0, "open %d", k);
	send_fds(sv[0], fds, NFDS);
	int st;
	CHECK(waitpid(pid, &st, 0) == pid && WIFEXITED(st) && WEXITSTATUS(st) == 0,
	      "receiver status %x", st);
	printf("scm_rights: received dirs lead no further than the real root\n");
	CHECK(rmdir(deep) == 0 && rmdir(jail) == 0 && rmdir(work) == 0, "clean");
	return 0;
}
