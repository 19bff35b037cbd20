/* pidfds: pidfd_open (flags, threads, missing pids), poll/epoll readiness
 * at exit, waitid(P_PIDFD) incl. O_NONBLOCK, pidfd_send_signal (flags,
 * siginfo rules, reaped process), pidfd_getfd (ptrace-attach check),
 * clone/clone3 CLONE_PIDFD. */
#include <fcntl.h>
#include <linux/sched.h>
#include <poll.h>
#include <pthread.h>
#include <signal.h>
#include <stdint.h>
#include <sys/epoll.h>
#include <sys/eventfd.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>
#include "guest.h"

#ifndef P_PIDFD
#define P_PIDFD 3
#endif
#ifndef PIDFD_NONBLOCK
#define PIDFD_NONBLOCK O_NONBLOCK
#endif

static int pidfd_open(pid_t pid, unsigned flags)
{
	return (int)syscall(SYS_pidfd_open, pid, flags);
}

static int pidfd_send_signal(int fd, int sig, siginfo_t *info, unsigned flags)
{
	return (int)syscall(SYS_pidfd_send_signal, fd, sig, info, flags);
}

static int pidfd_getfd(int fd, int target, unsigned flags)
{
	return (int)syscall(SYS_pidfd_getfd, fd, target, flags);
}

static int poll_in(int fd, int timeout)
{
	struct pollfd p = { .fd = fd, .events = POLLIN };
	int r = poll(&p, 1, timeout);
	return r < 0 ? -1 : p.revents;
}

static pid_t sleeper(void)
{
	pid_t pid = fork();
	if (pid == 0) {
		for (;;)
			pause();
	}
	CHECK(pid > 0, "fork");
	return pid;
}

static void *thread_fn(void *arg)
{
	*(pid_t *)arg = (pid_t)syscall(SYS_gettid);
	pause();
	return NULL;
}

static void open_rules(void)
{
	pid_t tid = 0;
	pthread_t th;
	int fd;

	CHECK(pidfd_open(getpid(), 1) == -1 && errno == EINVAL, "bad flags");
	CHECK(pidfd_open(0, 0) == -1 && errno == EINVAL, "pid 0");
	CHECK(pidfd_open(-1, 0) == -1 && errno == EINVAL, "pid -1");
	CHECK(pidfd_open(4000000, 0) == -1 && errno == ESRCH, "no such pid");
	CHECK(pthread_create(&th, NULL, thread_fn, &tid) == 0, "thread");
	while (!__atomic_load_n(&tid, __ATOMIC_SEQ_CST))
		usleep(1000);
	CHECK(pidfd_open(tid, 0) == -1 && errno == ENOENT, "a thread is not a process");
	fd = pidfd_open(getpid(), 0);
	CHECK(fd >= 0 && (fcntl(fd, F_GETFD) & FD_CLOEXEC) && (fcntl(fd, F_GETFL) & O_ACCMODE) == O_RDWR,
	      "self pidfd is close-on-exec O_RDWR");
	CHECK(poll_in(fd, 0) == 0, "a live process is not readable");
	CHECK(pidfd_send_signal(fd, 0, NULL, 0) == 0, "signal 0 to self");
	close(fd);
	fd = pidfd_open(getpid(), PIDFD_NONBLOCK);
	CHECK(fd >= 0 && (fcntl(fd, F_GETFL) & O_NONBLOCK), "PIDFD_NONBLOCK");
	close(fd);
	printf("open ok\n");
}

static void exit_and_wait(void)
{
	pid_t pid = sleeper();
	int fd = pidfd_open(pid, 0), nb = pidfd_open(pid, PIDFD_NONBLOCK);
	siginfo_t si;
	int ep;
	struct epoll_event ev = { .events = EPOLLIN }, out;

	CHECK(fd >= 0 && nb >= 0, "pidfd_open child");
	ep = epoll_create1(0);
	CHECK(ep >= 0 && epoll_ctl(ep, EPOLL_CTL_ADD, fd, &ev) == 0, "epoll add");
	CHECK(poll_in(fd, 0) == 0 && epoll_wait(ep, &out, 1, 0) == 0, "not ready while alive");
	memset(&si, 0, sizeof(si));
	CHECK(waitid(P_PIDFD, nb, &si, WEXITED) == -1 && errno == EAGAIN, "O_NONBLOCK waitid");
	CHECK(waitid(P_PIDFD, fd, &si, WEXITED | WNOHANG) == 0 && si.si_pid == 0, "WNOHANG");
	CHECK(waitid(P_PIDFD, -1, &si, WEXITED) == -1 && errno == EINVAL, "negative pidfd");
	CHECK(waitid(P_PIDFD, 0, &si, WEXITED | WNOHANG) == -1 && errno == EBADF, "not a pidfd");

	CHECK(pidfd_send_signal(fd, SIGTERM, NULL, 8) == -1 && errno == EINVAL, "unknown flag");
	CHECK(pidfd_send_signal(fd, SIGTERM, NULL, 3) == -1 && errno == EINVAL, "two scopes");
	CHECK(pidfd_send_signal(0, SIGTERM, NULL, 0) == -1 && errno == EBADF, "stdin is no pidfd");
	CHECK(pidfd_send_signal(999, SIGTERM, NULL, 0) == -1 && errno == EBADF, "closed fd");
	CHECK(pidfd_send_signal(fd, 65, NULL, 0) == -1 && errno == EINVAL, "signal 65");
	CHECK(pidfd_send_signal(fd, SIGTERM, NULL, 0) == 0, "SIGTERM");
	CHECK(poll_in(fd, 5000) == POLLIN, "POLLIN at exit");
	CHECK(epoll_wait(ep, &out, 1, 5000) == 1 && (out.events & EPOLLIN), "epoll sees the exit");
	memset(&si, 0, sizeof(si));
	CHECK(waitid(P_PIDFD, fd, &si, WEXITED | WNOWAIT) == 0 && si.si_pid == pid, "WNOWAIT");
	CHECK(pidfd_send_signal(fd, 0, NULL, 0) == 0, "a zombie still takes signal 0");
	memset(&si, 0, sizeof(si));
	CHECK(waitid(P_PIDFD, fd, &si, WEXITED) == 0 && si.si_pid == pid && si.si_code == CLD_KILLED &&
	      si.si_status == SIGTERM, "waitid P_PIDFD");
	CHECK(pidfd_send_signal(fd, SIGTERM, NULL, 0) == -1 && errno == ESRCH, "reaped");
	CHECK(poll_in(fd, 0) == (POLLIN | POLLHUP), "reaped: POLLIN|POLLHUP %x", poll_in(fd, 0));
	CHECK(waitid(P_PIDFD, fd, &si, WEXITED) == -1 && errno == ECHILD, "nothing left to wait for");
	close(fd);
	close(nb);
	close(ep);
	printf("exit ok\n");
}

static volatile sig_atomic_t got_code, got_value;
static void on_usr1(int sig, siginfo_t *si, void *uc)
{
	got_code = si->si_code;
	got_value = si->si_value.sival_int;
}

static void siginfo_rules(void)
{
	siginfo_t si;
	int pfd[2], fd, st;
	char c;

	CHECK(pipe(pfd) == 0, "pipe");
	pid_t pid = fork();
	if (pid == 0) {
		struct sigaction sa = { .sa_sigaction = on_usr1, .sa_flags = SA_SIGINFO };
		sigaction(SIGUSR1, &sa, NULL);
		if (write(pfd[1], "r", 1) != 1)
			_exit(9);
		while (!got_code)
			pause();
		_exit(got_code == SI_QUEUE && got_value == 77 ? 0 : 10);
	}
	CHECK(read(pfd[0], &c, 1) == 1, "child ready");
	fd = pidfd_open(pid, 0);
	CHECK(fd >= 0, "open");
	memset(&si, 0, sizeof(si));
	si.si_signo = SIGUSR2;
	si.si_code = SI_QUEUE;
	CHECK(pidfd_send_signal(fd, SIGUSR1, &si, 0) == -1 && errno == EINVAL, "signo mismatch");
	si.si_signo = SIGUSR1;
	si.si_code = SI_USER;
	CHECK(pidfd_send_signal(fd, SIGUSR1, &si, 0) == -1 && errno == EPERM, "forged SI_USER");
	si.si_code = SI_TKILL;
	CHECK(pidfd_send_signal(fd, SIGUSR1, &si, 0) == -1 && errno == EPERM, "forged SI_TKILL");
	CHECK(pidfd_send_signal(fd, SIGUSR1, (void *)8, 0) == -1 && errno == EFAULT, "siginfo efault");
	si.si_code = SI_QUEUE;
	si.si_value.sival_int = 77;
	CHECK(pidfd_send_signal(fd, SIGUSR1, &si, 0) == 0, "SI_QUEUE");
	CHECK(waitpid(pid, &st, 0) == pid && WIFEXITED(st) && WEXITSTATUS(st) == 0, "child saw it %x", st);
	close(fd);
	close(pfd[0]);
	close(pfd[1]);
	printf("siginfo ok\n");
}

static void getfd_rules(void)
{
	int pfd[2], fd, got, st;
	uint64_t v;
	char c;

	CHECK(pipe(pfd) == 0, "pipe");
	pid_t pid = fork();
	if (pid == 0) {
		int e = eventfd(42, 0);
		if (e < 0 || dup2(e, 100) != 100 || write(pfd[1], "r", 1) != 1)
			_exit(9);
		for (;;)
			pause();
	}
	CHECK(read(pfd[0], &c, 1) == 1, "child ready");
	fd = pidfd_open(pid, 0);
	CHECK(fd >= 0, "open");
	CHECK(pidfd_getfd(fd, 100, 1) == -1 && errno == EINVAL, "flags");
	CHECK(pidfd_getfd(fd, 999, 0) == -1 && errno == EBADF, "no such target fd");
	CHECK(pidfd_getfd(0, 100, 0) == -1 && errno == EBADF, "not a pidfd");
	got = pidfd_getfd(fd, 100, 0);
	CHECK(got >= 0 && (fcntl(got, F_GETFD) & FD_CLOEXEC), "getfd is close-on-exec");
	CHECK(read(got, &v, sizeof(v)) == sizeof(v) && v == 42, "the child's eventfd");

	/* an unprivileged process may not take fds of root's */
	pid_t other = fork();
	if (other == 0) {
		if (setgid(65534) || setuid(65534))
			_exit(2);
		_exit(pidfd_getfd(fd, 100, 0) == -1 && errno == EPERM ? 0 : 3);
	}
	CHECK(waitpid(other, &st, 0) == other && WIFEXITED(st) && WEXITSTATUS(st) == 0, "EPERM %x", st);
	kill(pid, SIGKILL);
	CHECK(waitpid(pid, &st, 0) == pid, "reap");
	CHECK(pidfd_getfd(fd, 100, 0) == -1 && errno == ESRCH, "reaped");
	close(got);
	close(fd);
	printf("getfd ok\n");
}

static void clone_pidfd(void)
{
	int pidfd = -1, st;
	siginfo_t si;
	struct clone_args ca;

	memset(&ca, 0, sizeof(ca));
	ca.flags = CLONE_PIDFD;
	ca.pidfd = (uint64_t)(uintptr_t)&pidfd;
	ca.exit_signal = SIGCHLD;
	long pid = syscall(SYS_clone3, &ca, sizeof(ca));
	if (pid == 0)
		_exit(7);
	CHECK(pid > 0 && pidfd >= 0 && (fcntl(pidfd, F_GETFD) & FD_CLOEXEC), "clone3 CLONE_PIDFD");
	CHECK(poll_in(pidfd, 5000) == POLLIN, "exit seen");
	memset(&si, 0, sizeof(si));
	CHECK(waitid(P_PIDFD, pidfd, &si, WEXITED) == 0 && si.si_pid == pid && si.si_code == CLD_EXITED &&
	      si.si_status == 7, "waitid clone3 child");
	close(pidfd);

	ca.pidfd = 8;
	CHECK(syscall(SYS_clone3, &ca, sizeof(ca)) == -1 && errno == EFAULT, "clone3 pidfd efault");
	CHECK(waitpid(-1, &st, WNOHANG) == -1 && errno == ECHILD, "no child left behind");

	pidfd = -1;
	pid = syscall(SYS_clone, CLONE_PIDFD | SIGCHLD, 0, &pidfd, 0, 0);
	if (pid == 0)
		_exit(8);
	CHECK(pid > 0 && pidfd >= 0, "clone CLONE_PIDFD");
	CHECK(waitid(P_PIDFD, pidfd, &si, WEXITED) == 0 && si.si_status == 8, "waitid clone child");
	close(pidfd);
	CHECK(syscall(SYS_clone, CLONE_PIDFD | CLONE_PARENT_SETTID | SIGCHLD, 0, &pidfd, 0, 0) == -1 &&
	      errno == EINVAL, "CLONE_PIDFD with CLONE_PARENT_SETTID");
	printf("clone ok\n");
}

int main(void)
{
	setvbuf(stdout, NULL, _IONBF, 0);
	open_rules();
	exit_and_wait();
	siginfo_rules();
	getfd_rules();
	clone_pidfd();
	return 0;
}
