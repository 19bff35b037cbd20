/* pipe2, ioctl, poll/ppoll/select/pselect6 through their syscall handlers. */
#include <criterion/criterion.h>
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/select.h>
#include "syscalls/syscall.h"
#include "vfs/vfs.h"
#include "sentry/signal_types.h"
#include "fake_procfs_deps.h"

#define U(p) ((uint64_t)(uintptr_t)(p))

static int fds[2];

static long call(long (*fn)(struct task *, const struct syscall_args *),
		 uint64_t a0, uint64_t a1, uint64_t a2, uint64_t a3, uint64_t a4, uint64_t a5)
{
	struct syscall_args a = { .a = { a0, a1, a2, a3, a4, a5 } };

	return fn(current, &a);
}

static void setup(void)
{
	fake_env_setup();
	cr_assert_eq(call(sys_pipe2, U(fds), O_NONBLOCK, 0, 0, 0, 0), 0);
}

static ssize_t put(int fd, const char *s)
{
	struct file *f = fd_get(current->files, fd);
	ssize_t n = vfs_write(f, s, strlen(s), NULL);

	file_put(f);
	return n;
}

TestSuite(pipesys, .init = setup);

Test(pipesys, pipe2_flags_and_fault)
{
	int two[2];

	cr_assert_eq(fds[0], 0);
	cr_assert_eq(fds[1], 1);
	cr_assert(!current->files->cloexec[0]);
	cr_assert_eq(call(sys_pipe2, U(two), O_APPEND, 0, 0, 0, 0), -EINVAL);
	cr_assert_eq(call(sys_pipe2, U(two), O_CLOEXEC | O_DIRECT, 0, 0, 0, 0), 0);
	cr_assert(current->files->cloexec[two[0]] && current->files->cloexec[two[1]]);
	cr_assert_eq(call(sys_pipe, 8, 0, 0, 0, 0, 0), -EFAULT);
	cr_assert_null(fd_get(current->files, 4));   /* nothing left behind */
	cr_assert_null(fd_get(current->files, 5));
}

Test(pipesys, ioctl_generic)
{
	int on = 0, n = -1;
	struct file *f;

	cr_assert_eq(call(sys_ioctl, 0, FIOCLEX, 0, 0, 0, 0), 0);
	cr_assert(current->files->cloexec[0]);
	cr_assert_eq(call(sys_ioctl, 0, FIONCLEX, 0, 0, 0, 0), 0);
	cr_assert(!current->files->cloexec[0]);
	cr_assert_eq(call(sys_ioctl, 0, FIONBIO, U(&on), 0, 0, 0), 0);
	on = 1;
	cr_assert_eq(call(sys_ioctl, 0, FIOASYNC, U(&on), 0, 0, 0), 0);
	f = fd_get(current->files, 0);
	cr_assert_eq(f->flags & (O_NONBLOCK | O_ASYNC), O_ASYNC);
	file_put(f);
	cr_assert_eq(call(sys_ioctl, 0, FIONBIO, 8, 0, 0, 0), -EFAULT);
	cr_assert_eq(put(1, "hello"), 5);
	cr_assert_eq(call(sys_ioctl, 0, FIONREAD, U(&n), 0, 0, 0), 0);
	cr_assert_eq(n, 5);
	cr_assert_eq(call(sys_ioctl, 0, 0x5401 /* TCGETS */, U(&n), 0, 0, 0), -ENOTTY);
	cr_assert_eq(call(sys_ioctl, 99, FIOCLEX, 0, 0, 0, 0), -EBADF);
}

Test(pipesys, poll_states)
{
	struct pollfd p[4] = {
		{ .fd = fds[0], .events = POLLIN }, { .fd = fds[1], .events = POLLOUT },
		{ .fd = 50, .events = POLLIN }, { .fd = -1, .events = POLLIN, .revents = 7 },
	};

	cr_assert_eq(call(sys_poll, U(p), 4, 0, 0, 0, 0), 2);
	cr_assert_eq(p[0].revents, 0);
	cr_assert_eq(p[1].revents, POLLOUT);
	cr_assert_eq(p[2].revents, POLLNVAL);
	cr_assert_eq(p[3].revents, 0);
	cr_assert_eq(put(1, "x"), 1);
	cr_assert_eq(call(sys_poll, U(p), 2, 0, 0, 0, 0), 2);
	cr_assert_eq(p[0].revents, POLLIN);
	cr_assert_eq(call(sys_poll, U(p), 5000, 0, 0, 0, 0), -EINVAL);   /* > RLIMIT_NOFILE */
	cr_assert_eq(call(sys_poll, 8, 1, 0, 0, 0, 0), -EFAULT);
}

Test(pipesys, poll_sleeps_and_restarts)
{
	struct pollfd p = { .fd = fds[0], .events = POLLIN };

	cr_assert_eq(call(sys_poll, U(&p), 1, 10, 0, 0, 0), 0);              /* timed out */
	cr_assert_eq(fake_proc.sleeps, 1);
	cr_assert_eq(call(sys_poll, U(&p), 1, (uint64_t)-1, 0, 0, 0), -ERESTART_RESTARTBLOCK);
	cr_assert_not_null(current->restart.fn);
	cr_assert_eq(current->restart.fn(current, &current->restart), -ERESTART_RESTARTBLOCK);
	cr_assert_eq(put(1, "x"), 1);
	cr_assert_eq(current->restart.fn(current, &current->restart), 1);
}

Test(pipesys, ppoll_mask_and_timeout)
{
	struct pollfd p = { .fd = fds[0], .events = POLLIN };
	struct { int64_t s, ns; } ts = { 0, 1000000000 };
	uint64_t mask = KSIG_BIT(SIGUSR1) | KSIG_BIT(SIGKILL);

	cr_assert_eq(call(sys_ppoll, U(&p), 1, U(&ts), 0, 8, 0), -EINVAL);
	ts.ns = 5000000;
	current->blocked = KSIG_BIT(SIGINT);
	cr_assert_eq(call(sys_ppoll, U(&p), 1, U(&ts), U(&mask), 4, 0), -EINVAL);
	cr_assert_eq(call(sys_ppoll, U(&p), 1, U(&ts), U(&mask), 8, 0), 0);   /* timed out */
	cr_assert_eq(current->blocked, KSIG_BIT(SIGINT));                   /* restored */
	cr_assert(!current->restore_saved_mask);
	cr_assert_eq(ts.s, 0);
	cr_assert(ts.ns >= 0 && ts.ns <= 5000000);                           /* time left written back */
	/* Interrupted: the mask stays for the signal code to restore. */
	cr_assert_eq(call(sys_ppoll, U(&p), 1, 0, U(&mask), 8, 0), -ERESTARTNOHAND);
	cr_assert_eq(current->blocked, KSIG_BIT(SIGUSR1));                  /* SIGKILL never blocked */
	cr_assert(current->restore_saved_mask);
	cr_assert_eq(current->saved_mask, KSIG_BIT(SIGINT));
}

Test(pipesys, select_sets)
{
	fd_set rd, wr;
	struct { int64_t s, us; } tv = { 0, 0 };

	FD_ZERO(&rd);
	FD_ZERO(&wr);
	FD_SET(fds[0], &rd);
	FD_SET(fds[1], &wr);
	cr_assert_eq(call(sys_select, 2, U(&rd), U(&wr), 0, U(&tv), 0), 1);
	cr_assert(!FD_ISSET(fds[0], &rd));
	cr_assert(FD_ISSET(fds[1], &wr));
	cr_assert_eq(put(1, "x"), 1);
	FD_SET(fds[0], &rd);
	cr_assert_eq(call(sys_select, 2, U(&rd), 0, 0, U(&tv), 0), 1);
	cr_assert(FD_ISSET(fds[0], &rd));
	FD_SET(40, &rd);
	cr_assert_eq(call(sys_select, 41, U(&rd), 0, 0, U(&tv), 0), -EBADF);
	cr_assert_eq(call(sys_select, (uint64_t)-1, 0, 0, 0, U(&tv), 0), -EINVAL);
	tv.us = -1;
	cr_assert_eq(call(sys_select, 1, 0, 0, 0, U(&tv), 0), -EINVAL);
}

Test(pipesys, select_timeout_written_back)
{
	fd_set rd;
	struct { int64_t s, us; } tv = { 0, 20000 };

	FD_ZERO(&rd);
	FD_SET(fds[0], &rd);
	cr_assert_eq(call(sys_select, 1, U(&rd), 0, 0, U(&tv), 0), 0);
	cr_assert_eq(tv.s, 0);
	cr_assert(tv.us >= 0 && tv.us <= 20000);
	cr_assert(!FD_ISSET(fds[0], &rd));
	cr_assert_eq(call(sys_select, 1, U(&rd), 0, 0, 0, 0), -ERESTARTNOHAND);
}

Test(pipesys, pselect6_sigmask)
{
	fd_set rd;
	uint64_t mask = KSIG_BIT(SIGTERM);
	struct { uint64_t ss, len; } sig = { U(&mask), 8 };

	FD_ZERO(&rd);
	FD_SET(fds[0], &rd);
	current->blocked = 0;
	cr_assert_eq(call(sys_pselect6, 1, U(&rd), 0, 0, 0, U(&sig)), -ERESTARTNOHAND);
	cr_assert_eq(current->blocked, KSIG_BIT(SIGTERM));
	cr_assert(current->restore_saved_mask);
	sig.len = 16;
	cr_assert_eq(call(sys_pselect6, 1, U(&rd), 0, 0, 0, U(&sig)), -EINVAL);
}
