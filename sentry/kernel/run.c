/*
 * The task loop: one sentry pthread per task.
 *
 *   for (;;) { deliver signals -> run guest -> syscall / fault / interrupt }
 *
 * The kernel lock is held everywhere except inside platform->switch_to.
 */
#include <errno.h>
#include <signal.h>
#include <stdlib.h>
#include "sentry/kernel.h"
#include "sentry/task.h"
#include "sentry/signal.h"
#include "sentry/process.h"
#include "sentry/mm.h"
#include "sentry/log.h"
#include "platform/platform.h"
#include "syscalls/syscall.h"
#include "kernel_internal.h"
#include "sentry/kernel/container.h"

static void handle_syscall(struct task *t)
{
	struct syscall_args a = {
		.nr = REG_SYSNO(&t->regs),
		.a = { REG_ARG0(&t->regs), REG_ARG1(&t->regs), REG_ARG2(&t->regs),
		       REG_ARG3(&t->regs), REG_ARG4(&t->regs), REG_ARG5(&t->regs) },
	};
	t->in_syscall = true;
	t->syscall_nr = a.nr;
	if (kernel.cfg.strace)
		strace_enter(t, &a);
	long ret = syscall_dispatch(t, &a);
	/* Handlers that replace the registers (rt_sigreturn, execve) return
	 * the value rax must hold afterwards. */
	REG_RET(&t->regs) = (uint64_t)ret;
	if (kernel.cfg.strace)
		strace_exit(t, &a, ret);
	t->in_syscall = false;
}

static void handle_fault(struct task *t, const struct platform_event *ev)
{
	if (ev->signo == SIGSEGV || ev->signo == SIGBUS) {
		int code = mm_fault(t->mm, t->ctx, ev->addr, ev->access);
		if (code == 0) {
			t->fault_retry_addr = 0;
			return;   /* now mapped: the instruction is retried */
		}
		/* The host found nothing mapped, but another thread has mapped
		 * the VMA since: retry once before calling it a real fault. */
		if (code == SEGV_ACCERR && ev->si_code == SEGV_MAPERR &&
		    t->fault_retry_addr != ev->addr) {
			t->fault_retry_addr = ev->addr;
			return;
		}
		t->fault_retry_addr = 0;
		if (ev->signo == SIGSEGV) {
			force_sig_fault(t, SIGSEGV, code, ev->addr);
			return;
		}
	}
	force_sig_fault(t, ev->signo, ev->si_code, ev->addr);
}

noreturn void task_loop(struct task *t)
{
	bool after_syscall = false;
	for (;;) {
		if (task_should_exit(t))
			do_exit(t, t->tg->group_exiting ? t->tg->group_exit_code : 0);
		signal_deliver(t, after_syscall);
		after_syscall = false;
		if (kernel.paused) {
			task_pause_wait(t);   /* OCI pause: no guest code until resumed */
			continue;
		}
		if (container_pause_pending(t)) {
			container_pause_wait(t);   /* its pod container is paused */
			continue;
		}

		struct platform_event ev;
		uint64_t start = now_mono_ns();
		kernel_unlock();
		int r = platform->switch_to(t->ctx, &t->regs, &ev);
		kernel_lock();
		t->utime_ns += now_mono_ns() - start;
		if (r < 0) {
			log_error("task %d: platform switch failed: %d", t->tid, r);
			do_group_exit(t, SIGKILL);
		}
		switch (ev.kind) {
		case PEV_SYSCALL:
			handle_syscall(t);
			after_syscall = true;
			break;
		case PEV_FAULT:
			handle_fault(t, &ev);
			break;
		case PEV_INTERRUPT:
			break;
		case PEV_DEAD:
			log_warn("task %d: host thread died", t->tid);
			do_group_exit(t, SIGKILL);
		}
	}
}

static void *task_main(void *arg)
{
	struct task *t = arg;
	current = t;
	kernel_lock();
	if (platform->ctx_adopt(t->ctx) < 0) {
		log_error("task %d: cannot adopt its platform context", t->tid);
		do_exit(t, SIGKILL);
	}
	task_loop(t);
}

int task_start_fn(struct task *t, void *(*fn)(void *))
{
	pthread_attr_t attr;
	pthread_attr_init(&attr);
	pthread_attr_setdetachstate(&attr, PTHREAD_CREATE_DETACHED);
	pthread_attr_setstacksize(&attr, 1 << 20);
	/* Host signals are handled by the sentry's signal thread only. */
	sigset_t all, old;
	sigfillset(&all);
	int sync_signals[] = { SIGSEGV, SIGBUS, SIGFPE, SIGILL, SIGTRAP, SIGABRT, SIGSYS };
	for (size_t i = 0; i < sizeof(sync_signals) / sizeof(sync_signals[0]); i++)
		sigdelset(&all, sync_signals[i]);
	pthread_sigmask(SIG_SETMASK, &all, &old);
	int r = pthread_create(&t->thread, &attr, fn, t);
	pthread_sigmask(SIG_SETMASK, &old, NULL);
	pthread_attr_destroy(&attr);
	return -r;
}

int task_start(struct task *t)
{
	return task_start_fn(t, task_main);
}
