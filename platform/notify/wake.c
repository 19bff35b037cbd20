/*
 * Waking the owner of a running context.
 *
 * An owner waits in ppoll() on its context's listener with SIGCHLD
 * unblocked (it is blocked everywhere else in the task threads). Two things
 * must interrupt that wait:
 *  - ctx_interrupt: a thread-directed SIGCHLD (tgkill) to the owner;
 *  - a ptrace stop of the stub (a fault): the kernel sends the tracer's
 *    *process* a SIGCHLD, which any thread may take and which coalesces
 *    with one already pending. So whoever takes a process-directed SIGCHLD
 *    forwards it, thread-directed, to every owner that is waiting; each
 *    checks its own stub (waitpid WNOHANG) and sleeps again.
 * A stub that dies wakes nobody (its exit signal is 0): owners also wake
 * every 100 ms to look. Every other sentry thread keeps SIGCHLD blocked, so
 * an undelivered one waits in the process's pending set for the next owner
 * that enters ppoll.
 */
#include <errno.h>
#include <pthread.h>
#include <signal.h>
#include <stdatomic.h>
#include <string.h>
#include <sys/syscall.h>
#include <unistd.h>
#include "notify_impl.h"
#include "wake.h"

#define MAX_WAITERS 1024
static _Atomic pid_t waiters[MAX_WAITERS];

static void on_sigchld(int sig, siginfo_t *si, void *uc)
{
	(void)sig;
	(void)uc;
	if (si->si_code == SI_TKILL)
		return;   /* a forwarded one: interrupting the ppoll was the point */
	int saved = errno;
	pid_t self = platform_self_tid();
	for (int i = 0; i < MAX_WAITERS; i++) {
		pid_t t = atomic_load(&waiters[i]);
		if (t && t != self)
			syscall(SYS_tgkill, nt_pid, t, SIGCHLD);
	}
	errno = saved;
}

int nt_wake_init(void)
{
	struct sigaction sa;
	memset(&sa, 0, sizeof(sa));
	sa.sa_sigaction = on_sigchld;
	sa.sa_flags = SA_SIGINFO | SA_RESTART;
	sigfillset(&sa.sa_mask);
	if (sigaction(SIGCHLD, &sa, NULL) < 0)
		return -errno;
	/* Blocked in the init thread and so in the threads it creates later:
	 * only owners waiting in ppoll take SIGCHLD, no other host call of the
	 * sentry sees an EINTR from it. */
	sigset_t chld;
	sigemptyset(&chld);
	sigaddset(&chld, SIGCHLD);
	return -pthread_sigmask(SIG_BLOCK, &chld, NULL);
}

int nt_waiter_add(void)
{
	pid_t me = platform_self_tid();
	for (int i = 0; i < MAX_WAITERS; i++) {
		pid_t zero = 0;
		if (atomic_compare_exchange_strong(&waiters[i], &zero, me))
			return i;
	}
	return -1;   /* no room: the caller polls with a short timeout */
}

void nt_waiter_del(int slot)
{
	if (slot >= 0)
		atomic_store(&waiters[slot], 0);
}

void nt_wake_owner(pid_t owner)
{
	syscall(SYS_tgkill, nt_pid, owner, SIGCHLD);
}
