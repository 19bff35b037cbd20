/*
 * The sentry's seccomp allowlist (default: kill the whole process).
 *
 * Stubs of the ptrace platform are clones of the sentry and inherit this
 * filter, so it also covers what they run: their entry code and the
 * syscalls injected into them (mmap, munmap, mprotect, clone, ...). Guest
 * syscalls stopped by PTRACE_SYSEMU never reach seccomp.
 *
 * Never allowed: opening host paths, creating sockets, execve, mount and
 * the other namespace or credential changes. clone only with the flag sets
 * of pthread_create and the ptrace platform's stubs; clone3 (whose flags a
 * filter cannot read) fails with ENOSYS, so glibc falls back to clone.
 */
#include <errno.h>
#include <sched.h>
#include <signal.h>
#include <string.h>
#include <seccomp.h>
#include <sys/ioctl.h>
#include <linux/seccomp.h>
#include <sys/prctl.h>
#include <termios.h>
#include "sentry/sandbox.h"
#include "sentry/sandbox/allow.h"
#include "sentry/log.h"

/* -DSANDBOX_DEFAULT_ACTION=SCMP_ACT_LOG finds missing syscalls (docs/security.md) */
#ifndef SANDBOX_DEFAULT_ACTION
#define SANDBOX_DEFAULT_ACTION SCMP_ACT_KILL_PROCESS
#endif

/* Allowed with any arguments. */
static const int plain[] = {
	/* memory: the sentry's own, and the injected mappings of stubs */
	SCMP_SYS(mmap), SCMP_SYS(munmap), SCMP_SYS(mprotect), SCMP_SYS(mremap),
	SCMP_SYS(madvise), SCMP_SYS(brk),
	/* fds it holds: stdio, memory file, gofer channel and donated files */
	SCMP_SYS(read), SCMP_SYS(write), SCMP_SYS(readv), SCMP_SYS(writev),
	SCMP_SYS(pread64), SCMP_SYS(pwrite64), SCMP_SYS(preadv), SCMP_SYS(pwritev),
	SCMP_SYS(lseek), SCMP_SYS(close), SCMP_SYS(fstat), SCMP_SYS(newfstatat),
	SCMP_SYS(fcntl), SCMP_SYS(ftruncate), SCMP_SYS(fallocate), SCMP_SYS(fsync),
	SCMP_SYS(fdatasync), SCMP_SYS(dup), SCMP_SYS(dup3),
	SCMP_SYS(recvmsg), SCMP_SYS(sendmsg),
	SCMP_SYS(accept4),   /* the OCI control socket (listening fd made before lockdown) */
	SCMP_SYS(memfd_create), SCMP_SYS(eventfd2), SCMP_SYS(timerfd_create),
	SCMP_SYS(timerfd_settime), SCMP_SYS(timerfd_gettime),
	SCMP_SYS(poll), SCMP_SYS(ppoll), SCMP_SYS(epoll_create1), SCMP_SYS(epoll_ctl),
	SCMP_SYS(epoll_wait), SCMP_SYS(epoll_pwait),
	/* threads, time, signals */
	SCMP_SYS(futex), SCMP_SYS(set_robust_list), SCMP_SYS(rseq), SCMP_SYS(sched_yield),
	SCMP_SYS(sched_getaffinity), SCMP_SYS(sched_setaffinity), SCMP_SYS(getcpu),
	SCMP_SYS(nanosleep), SCMP_SYS(clock_nanosleep), SCMP_SYS(clock_gettime),
	/* the kernel's continuation of a sleep (poll, nanosleep, futex)
	 * interrupted by a host signal: only ever resumes an allowed call */
	SCMP_SYS(restart_syscall),
	SCMP_SYS(gettimeofday), SCMP_SYS(clock_getres), SCMP_SYS(getrandom),
	SCMP_SYS(sysinfo),   /* glibc's qsort sizes its buffer by the RAM */
	SCMP_SYS(rt_sigaction), SCMP_SYS(rt_sigprocmask), SCMP_SYS(rt_sigreturn),
	SCMP_SYS(rt_sigtimedwait), SCMP_SYS(sigaltstack),
	SCMP_SYS(getpid), SCMP_SYS(gettid), SCMP_SYS(kill), SCMP_SYS(tgkill), SCMP_SYS(tkill),
	SCMP_SYS(exit), SCMP_SYS(exit_group),
	/* the ptrace platform: tracing and reaping stubs, and the stub entry */
	SCMP_SYS(ptrace), SCMP_SYS(wait4), SCMP_SYS(waitid), SCMP_SYS(setsid), SCMP_SYS(pause),
	/* the crash handler: libunwind probes addresses with these */
	SCMP_SYS(mincore), SCMP_SYS(msync),
};

/* clone flag sets: glibc's pthread_create; the ptrace platform's stub from
 * the sentry (exit signal 0) and from another stub (fork-like or thread). */
#define THREAD_FLAGS (CLONE_VM | CLONE_FS | CLONE_FILES | CLONE_SIGHAND | CLONE_THREAD | \
		      CLONE_SYSVSEM | CLONE_SETTLS | CLONE_PARENT_SETTID | CLONE_CHILD_CLEARTID)
static const unsigned long clone_flags[] = {
	THREAD_FLAGS,
	CLONE_FILES,
	CLONE_FILES | CLONE_PTRACE | CLONE_PARENT,
	CLONE_VM | CLONE_FILES | CLONE_PTRACE | CLONE_PARENT,
};

/* Host terminal ioctls the host-file layer forwards (vfs/host). */
static const unsigned long ioctls[] = {
	FIONREAD, TCGETS, TCSETS, TCSETSW, TCSETSF, TIOCGWINSZ, TIOCSWINSZ,
};

/* prctl options: the stubs' PR_SET_PDEATHSIG. */
static const int prctls[] = { PR_SET_PDEATHSIG };

#define N(a) (sizeof(a) / sizeof((a)[0]))

/* The notify platform: its owners answer and receive stub notifications
 * (the listeners are created inside the stubs, which never carry this filter). */
static const unsigned long notify_ioctls[] = { SECCOMP_IOCTL_NOTIF_RECV, SECCOMP_IOCTL_NOTIF_SEND };

static int allow_notify(scmp_filter_ctx ctx)
{
	int err = 0;
	for (size_t i = 0; i < N(notify_ioctls) && !err; i++)
		err = seccomp_rule_add(ctx, SCMP_ACT_ALLOW, SCMP_SYS(ioctl), 1,
				       SCMP_A1(SCMP_CMP_MASKED_EQ, 0xffffffffUL, notify_ioctls[i]));
	return err;
}


static int build(scmp_filter_ctx ctx)
{
	int err;
	if ((err = sandbox_allow_sanitizer(ctx)) < 0)
		return err;
	if ((err = sandbox_allow(ctx, plain, N(plain))) < 0)
		return err;
	for (size_t i = 0; i < N(clone_flags); i++)
		if ((err = seccomp_rule_add(ctx, SCMP_ACT_ALLOW, SCMP_SYS(clone), 1,
					    SCMP_A0(SCMP_CMP_EQ, clone_flags[i]))) < 0)
			return err;
	if ((err = seccomp_rule_add(ctx, SCMP_ACT_ERRNO(ENOSYS), SCMP_SYS(clone3), 0)) < 0)
		return err;
#if !defined(__SANITIZE_ADDRESS__)
	/* glibc's malloc opens /proc/sys/vm/overcommit_memory the first time it
	 * trims a thread arena's heap; failing that open is fine (it then
	 * trims with madvise), being killed for it is not. */
	if ((err = seccomp_rule_add(ctx, SCMP_ACT_ERRNO(EACCES), SCMP_SYS(openat), 0)) < 0 ||
	    (err = seccomp_rule_add(ctx, SCMP_ACT_ERRNO(EACCES), SCMP_SYS(open), 0)) < 0)
		return err;
#endif
	for (size_t i = 0; i < N(ioctls); i++)
		if ((err = seccomp_rule_add(ctx, SCMP_ACT_ALLOW, SCMP_SYS(ioctl), 1,
					    SCMP_A1(SCMP_CMP_MASKED_EQ, 0xffffffffUL, ioctls[i]))) < 0)
			return err;
	for (size_t i = 0; i < N(prctls); i++)
		if ((err = seccomp_rule_add(ctx, SCMP_ACT_ALLOW, SCMP_SYS(prctl), 1,
					    SCMP_A0(SCMP_CMP_EQ, (unsigned long)prctls[i]))) < 0)
			return err;
	/* guest membarrier(2): MEMBARRIER_CMD_GLOBAL (1) only (syscalls/sys_misc_membarrier.c) */
	if ((err = seccomp_rule_add(ctx, SCMP_ACT_ALLOW, SCMP_SYS(membarrier), 2,
				    SCMP_A0(SCMP_CMP_EQ, 1UL), SCMP_A1(SCMP_CMP_EQ, 0UL))) < 0)
		return err;
	return 0;
}

int sandbox_lockdown(const char *platform_name)
{
	if (!sandbox_confined)
		return 0;
	/* Stubs never inherit this filter: the ptrace platform's run guest
	 * syscalls under SYSEMU (never executed), the seccomp platform's
	 * descend from a zygote forked before lockdown. */
	(void)platform_name;
	scmp_filter_ctx ctx = seccomp_init(SANDBOX_DEFAULT_ACTION);
	if (!ctx)
		return -ENOMEM;
	int err = seccomp_attr_set(ctx, SCMP_FLTATR_CTL_TSYNC, 1);
	if (!err)
		err = build(ctx);
	if (!err && strcmp(platform_name, "notify") == 0)
		err = allow_notify(ctx);
	if (!err)
		err = seccomp_load(ctx);
	seccomp_release(ctx);
	if (err < 0) {
		log_error("sandbox: cannot install the seccomp filter: %s", strerror(-err));
		return err;
	}
	log_debug("sandbox: locked down (seccomp allowlist on every thread, default kill)");
	return 0;
}
