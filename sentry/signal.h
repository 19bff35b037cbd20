/*
 * Signal generation and delivery (kernel/signal.c in Linux terms).
 * Guest ABI exact: rt_sigframe with siginfo + ucontext + xsave state.
 */
#ifndef CVISOR_SIGNAL_H
#define CVISOR_SIGNAL_H
#include <stdint.h>
#include <stdbool.h>
#include "signal_types.h"
#include "waitq.h"

struct task;
struct thread_group;

void sigpending_init(struct sigpending *p);
void sigpending_flush(struct sigpending *p);     /* frees queued siginfo */
struct sighand *sighand_new(void);               /* all SIG_DFL, refs 1 */
struct sighand *sighand_dup(struct sighand *sh); /* fork without CLONE_SIGHAND */
void sighand_put(struct sighand *sh);
void sighand_reset_for_exec(struct sighand *sh); /* handled -> SIG_DFL */

/* Queue a signal. Thread-directed (tkill/tgkill/faults) or process-directed
 * (kill): the latter picks a thread that does not block it and wakes it.
 * Ignored signals are dropped at generation, like Linux. 0 or -errno. */
int send_signal_thread(struct task *t, const struct ksiginfo *info);
int send_signal_group(struct thread_group *tg, const struct ksiginfo *info);
/* kill(2) semantics for a pid argument (>0, 0, -1, <-1), with permission checks. */
int kill_pid(struct task *sender, int pid, int sig);
/* A synchronous guest fault: delivered even if blocked/ignored (then default action). */
void force_sig_fault(struct task *t, int signo, int code, uint64_t addr);
/* SIGCHLD-style notification to the parent of tg. */
void notify_parent(struct thread_group *tg, int why /* CLD_* */, int status);
/* Parent's SIGCHLD is SIG_IGN or has SA_NOCLDWAIT: children are auto-reaped. */
bool parent_ignores_sigchld(struct thread_group *parent);

/*
 * Called by the task loop every time before returning to the guest. If the
 * task just made a syscall (in_syscall), t->regs.gp.rax holds the handler's
 * return value, possibly an -ERESTART* code, which this resolves: restart
 * (rip -= 2) or -EINTR depending on the handler's SA_RESTART. Then takes the
 * next deliverable signal: default action (ignore, stop the group, terminate
 * or core -> group exit; never returns then), or builds the rt_sigframe on
 * the guest stack and points the registers at the handler.
 */
void signal_deliver(struct task *t, bool in_syscall);

/* Woken whenever a signal is queued to any task: signalfd readers and
 * pollers wait here (the signal may be blocked, so no task_wake). */
extern struct waitq signalfd_wait;

/* Group-stop / continue machinery used by signal_deliver and SIGCONT. */
void group_stop_wait(struct task *t);

#endif
