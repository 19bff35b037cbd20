/* --console-socket: see console.h. */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <signal.h>
#include <sys/ioctl.h>
#include <sys/prctl.h>
#include <sys/socket.h>
#include <sys/un.h>
#include "runsc-cli/console.h"
#include "runsc-cli/oci/errlog.h"

/* Connect to the socket (any path length: through an O_PATH fd of its
 * directory) and send fd with `name` as the data. 0 or -errno. */
static int send_master(const char *path, int fd, const char *name)
{
	struct sockaddr_un sa = { .sun_family = AF_UNIX };
	int dirfd = -1;
	if (strlen(path) < sizeof(sa.sun_path)) {
		strcpy(sa.sun_path, path);
	} else {
		char dir[4096];
		const char *slash = strrchr(path, '/');
		if (!slash || (size_t)(slash - path) >= sizeof(dir) ||
		    strlen(slash + 1) + 32 >= sizeof(sa.sun_path))
			return -ENAMETOOLONG;
		memcpy(dir, path, (size_t)(slash - path));
		dir[slash - path] = 0;
		dirfd = open(dir[0] ? dir : "/", O_PATH | O_DIRECTORY | O_CLOEXEC);
		if (dirfd < 0)
			return -errno;
		snprintf(sa.sun_path, sizeof(sa.sun_path), "/proc/self/fd/%d/%s", dirfd, slash + 1);
	}
	int s = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
	int err = 0;
	if (s < 0 || connect(s, (struct sockaddr *)&sa, sizeof(sa)) < 0) {
		err = -errno;
		goto out;
	}
	char cbuf[CMSG_SPACE(sizeof(int))] = { 0 };
	struct iovec iov = { (void *)name, strlen(name) };
	struct msghdr m = { .msg_iov = &iov, .msg_iovlen = 1,
			    .msg_control = cbuf, .msg_controllen = sizeof(cbuf) };
	struct cmsghdr *c = CMSG_FIRSTHDR(&m);
	c->cmsg_level = SOL_SOCKET;
	c->cmsg_type = SCM_RIGHTS;
	c->cmsg_len = CMSG_LEN(sizeof(int));
	memcpy(CMSG_DATA(c), &fd, sizeof(int));
	ssize_t n;
	do
		n = sendmsg(s, &m, MSG_NOSIGNAL);
	while (n < 0 && errno == EINTR);
	if (n < 0)
		err = -errno;
out:
	if (s >= 0)
		close(s);
	if (dirfd >= 0)
		close(dirfd);
	return err;
}

int console_setup(const char *socket_path, unsigned rows, unsigned cols)
{
	char name[64];
	int slave = -1;
	int m = posix_openpt(O_RDWR | O_NOCTTY | O_CLOEXEC);
	if (m < 0 || grantpt(m) < 0 || unlockpt(m) < 0 || ptsname_r(m, name, sizeof(name))) {
		cli_error("console: cannot open a pty: %s", strerror(errno));
		goto fail;
	}
	slave = open(name, O_RDWR | O_NOCTTY | O_CLOEXEC);
	if (slave < 0) {
		cli_error("console: %s: %s", name, strerror(errno));
		goto fail;
	}
	if (rows && cols) {
		struct winsize ws = { .ws_row = (unsigned short)rows, .ws_col = (unsigned short)cols };
		ioctl(m, TIOCSWINSZ, &ws);
	}
	int err = send_master(socket_path, m, name);
	if (err < 0) {
		cli_error("console socket %s: %s", socket_path, strerror(-err));
		goto fail;
	}
	close(m);
	return slave;
fail:
	if (slave >= 0)
		close(slave);
	if (m >= 0)
		close(m);
	return -1;
}

#define RELAYED_ENV "CVISOR_CONSOLE_RELAYED"

bool console_is_relayed(void)
{
	bool relayed = getenv(RELAYED_ENV) != NULL;
	unsetenv(RELAYED_ENV);
	return relayed;
}

void console_relay(int tty)
{
	static const int sigs[] = { SIGINT, SIGQUIT, SIGWINCH, SIGHUP };
	sigset_t set, old;
	sigemptyset(&set);
	for (size_t i = 0; i < sizeof(sigs) / sizeof(sigs[0]); i++)
		sigaddset(&set, sigs[i]);
	sigprocmask(SIG_BLOCK, &set, &old);
	pid_t parent = getpid();
	pid_t p = fork();
	if (p != 0) {
		sigprocmask(SIG_SETMASK, &old, NULL);
		setenv(RELAYED_ENV, "1", 1);
		return;
	}
	prctl(PR_SET_PDEATHSIG, SIGKILL);
	if (getppid() != parent)
		_exit(0);
	if (setsid() < 0 || ioctl(tty, TIOCSCTTY, 0) < 0)
		_exit(0);
	/* The terminal stays ours without an open fd: the shim still sees
	 * EIO on the master once the sentry closes the slave. */
	if (close_range(0, ~0U, 0) < 0)
		for (int fd = 0; fd < 1024; fd++)
			close(fd);
	if (chdir("/") < 0)
		_exit(0);
	for (;;) {
		siginfo_t si;
		int sig = sigwaitinfo(&set, &si);
		if (sig > 0 && si.si_code == SI_KERNEL)
			kill(parent, sig);
	}
}
