/* signalfd: block SIGUSR1, raise it, read the siginfo; poll readiness,
 * mask update, a blocking read woken by another process's kill. */
#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <sys/signalfd.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>
#include "guest.h"

int main(void)
{
	sigset_t mask;
	struct signalfd_siginfo si;
	int fd;

	sigemptyset(&mask);
	sigaddset(&mask, SIGUSR1);
	sigaddset(&mask, SIGUSR2);
	CHECK(sigprocmask(SIG_BLOCK, &mask, NULL) == 0, "block");
	CHECK(syscall(SYS_signalfd4, -1, &mask, 4, 0) == -1 && errno == EINVAL, "sizemask");
	CHECK(signalfd(-1, &mask, 0x1) == -1 && errno == EINVAL, "flags");
	CHECK(signalfd(0, &mask, 0) == -1 && errno == EINVAL, "not a signalfd");
	fd = signalfd(-1, &mask, SFD_NONBLOCK | SFD_CLOEXEC);
	CHECK(fd >= 0, "signalfd");
	CHECK(read(fd, &si, sizeof(si) - 1) == -1 && errno == EINVAL, "short read");
	CHECK(read(fd, &si, sizeof(si)) == -1 && errno == EAGAIN, "nothing pending");

	struct pollfd pfd = { .fd = fd, .events = POLLIN };
	CHECK(poll(&pfd, 1, 0) == 0, "not ready");
	CHECK(raise(SIGUSR1) == 0, "raise");
	CHECK(poll(&pfd, 1, 0) == 1 && pfd.revents == POLLIN, "ready");
	CHECK(read(fd, &si, sizeof(si)) == sizeof(si), "read");
	CHECK(si.ssi_signo == SIGUSR1, "signo %u", si.ssi_signo);
	CHECK(si.ssi_code == SI_TKILL, "code %d", si.ssi_code);
	CHECK(si.ssi_pid == (uint32_t)getpid(), "pid");
	CHECK(si.ssi_uid == getuid(), "uid");
	sigset_t pend;
	sigpending(&pend);
	CHECK(!sigismember(&pend, SIGUSR1), "dequeued");
	printf("raise ok\n");

	/* Two signals in one read; kill gives SI_USER. */
	kill(getpid(), SIGUSR2);
	raise(SIGUSR1);
	struct signalfd_siginfo two[2];
	CHECK(read(fd, two, sizeof(two)) == sizeof(two), "two");
	CHECK(two[0].ssi_signo == SIGUSR1 && two[1].ssi_signo == SIGUSR2, "order");
	CHECK(two[1].ssi_code == SI_USER, "kill code");

	/* Mask update through the same fd: SIGUSR2 only. */
	sigemptyset(&mask);
	sigaddset(&mask, SIGUSR2);
	CHECK(signalfd(fd, &mask, 0) == fd, "update");
	raise(SIGUSR1);
	CHECK(read(fd, &si, sizeof(si)) == -1 && errno == EAGAIN, "USR1 not in mask");
	sigemptyset(&mask);
	sigaddset(&mask, SIGUSR1);
	CHECK(signalfd(fd, &mask, 0) == fd, "update 2");
	CHECK(read(fd, &si, sizeof(si)) == sizeof(si) && si.ssi_signo == SIGUSR1, "USR1 again");
	printf("mask ok\n");

	/* Blocking read woken by a signal from a child. */
	CHECK(fcntl(fd, F_SETFL, 0) == 0, "blocking");
	pid_t parent = getpid(), pid = fork();
	if (pid == 0) {
		usleep(100000);
		kill(parent, SIGUSR1);
		_exit(0);
	}
	CHECK(read(fd, &si, sizeof(si)) == sizeof(si), "blocking read");
	CHECK(si.ssi_signo == SIGUSR1 && si.ssi_code == SI_USER && si.ssi_pid == (uint32_t)pid,
	      "from child");
	int st;
	CHECK(waitpid(pid, &st, 0) == pid, "wait");
	printf("blocking ok\n");
	return 0;
}
