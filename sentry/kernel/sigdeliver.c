/*
 * Signal delivery on the way back to the guest (Linux get_signal +
 * arch/x86/kernel/signal.c arch_do_signal_or_restart): syscall restart
 * rules, default actions, group stop, handler frames.
 */
#include <errno.h>
#include "sentry/kernel.h"
#include "sentry/task.h"
#include "sentry/process.h"
#include "platform/platform.h"
#include "sig_internal.h"

#define NR_restart_syscall 219

/* handler: the action of the signal about to run, or NULL when none runs. */
static void fix_restart(struct task *t, const struct k_sigaction *handler)
{
	struct user_regs_struct *r = &t->regs.gp;
	switch ((long)r->rax) {
	case -ERESTART_RESTARTBLOCK:
		if (handler) {
			r->rax = (uint64_t)-EINTR;
		} else {
			r->rax = NR_restart_syscall;
			r->rip -= SYSCALL_INSN_LEN;
		}
		break;
	case -ERESTARTNOHAND:
		if (handler) {
			r->rax = (uint64_t)-EINTR;
			break;
		}
		r->rax = r->orig_rax;
		r->rip -= SYSCALL_INSN_LEN;
		break;
	case -ERESTARTSYS:
		if (handler && !(handler->flags & KSA_RESTART)) {
			r->rax = (uint64_t)-EINTR;
			break;
		}
		r->rax = r->orig_rax;
		r->rip -= SYSCALL_INSN_LEN;
		break;
	case -ERESTARTNOINTR:
		r->rax = r->orig_rax;
		r->rip -= SYSCALL_INSN_LEN;
		break;
	}
}

void group_stop_wait(struct task *t)
{
	struct thread_group *tg = t->tg;
	t->state = TASK_STOPPED;
	/* Only SIGCONT (tg->stopped cleared) or a fatal condition ends a stop;
	 * other pending signals wait, so sleep "killable", not interruptible. */
	while (tg->stopped && !task_should_exit(t))
		task_sleep_killable(t);
	if (t->state == TASK_STOPPED)
		t->state = TASK_RUNNING;
}

/* Linux will_become_orphaned_pgrp: no member has a parent in another
 * process group of the same session. */
static bool pgrp_orphaned(int pgid)
{
	struct list_head *p;
	list_for_each(p, &kernel.tgs) {
		struct thread_group *tg = list_entry(p, struct thread_group, all_link);
		if (tg->pgid != pgid || tg->zombie || !tg->parent)
			continue;
		if (tg->parent->pgid != pgid && tg->parent->sid == tg->sid)
			return false;
	}
	return true;
}

static void do_signal_stop(struct task *t, int sig)
{
	struct thread_group *tg = t->tg;
	tg->stopped = true;
	tg->stop_signal = sig;
	tg->stop_reported = false;
	struct list_head *p;
	list_for_each(p, &tg->tasks) {
		struct task *o = list_entry(p, struct task, tg_link);
		if (o != t && o->state < TASK_EXITING) {
			task_wake(o);
			if (o->ctx)
				platform->ctx_interrupt(o->ctx);
		}
	}
	notify_parent(tg, CLD_STOPPED, sig);
	group_stop_wait(t);
}

/* Default action of sig; returns only when the signal is ignored or the
 * stop has ended. */
static void default_action(struct task *t, int sig, const struct ksiginfo *info)
{
	ksigset_t bit = KSIG_BIT(sig);
	if (bit & KSIG_IGNORE_MASK)
		return;
	/* Guest init only dies of what it cannot refuse (SIGNAL_UNKILLABLE). */
	if (t->tg->tgid == 1 && !(bit & KSIG_UNBLOCKABLE) &&
	    !(info->si_code > 0 && (bit & KSIG_SYNC_MASK)))
		return;
	if (bit & KSIG_STOP_MASK) {
		if (sig != SIGSTOP && pgrp_orphaned(t->tg->pgid))
			return;
		do_signal_stop(t, sig);
		return;
	}
	do_group_exit(t, (bit & KSIG_COREDUMP_MASK) ? (sig | 0x80) : sig);
}

void signal_deliver(struct task *t, bool in_syscall)
{
	struct thread_group *tg = t->tg;
	/* rt_sigreturn sets orig_rax = -1: no restart processing after it. */
	bool restart = in_syscall && (int64_t)t->regs.gp.orig_rax >= 0;
	for (;;) {
		if (tg->group_exiting)
			do_group_exit(t, tg->group_exit_code);
		if (tg->stopped) {
			group_stop_wait(t);
			continue;
		}
		struct ksiginfo info;
		int sig = signal_dequeue(t, ~t->blocked, &info);
		if (!sig) {
			if (restart) {
				fix_restart(t, NULL);
				restart = false;
			}
			if (!t->restore_saved_mask)
				return;
			/* sigsuspend & co. without a handler: back to the old mask,
			 * which may make more signals deliverable. */
			t->restore_saved_mask = false;
			signal_set_blocked(t, t->saved_mask);
			continue;
		}
		struct k_sigaction *ka = &t->sighand->action[sig];
		if (ka->handler == KSIG_IGN)
			continue;
		if (ka->handler == KSIG_DFL) {
			default_action(t, sig, &info);
			continue;
		}
		struct k_sigaction k = *ka;
		if (ka->flags & KSA_RESETHAND)
			ka->handler = KSIG_DFL;
		if (restart) {
			fix_restart(t, &k);
			restart = false;
		}
		ksigset_t saved = t->restore_saved_mask ? t->saved_mask : t->blocked;
		if (sigframe_setup(t, sig, &k, &info, saved) < 0) {
			force_sigsegv(t, sig);
			continue;
		}
		t->restore_saved_mask = false;
		ksigset_t nb = t->blocked | k.mask;
		if (!(k.flags & KSA_NODEFER))
			nb |= KSIG_BIT(sig);
		signal_set_blocked(t, nb);
		/* Like Linux's exit-to-user loop: further pending signals nest
		 * their frames on top of this one. */
	}
}
