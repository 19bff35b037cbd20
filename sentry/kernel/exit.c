/*
 * Leaving: exit, exit_group, fatal signals, and what a dead thread group
 * leaves behind (a zombie for its parent to reap) - kernel/exit.c.
 */
#include <errno.h>
#include <signal.h>
#include <stdlib.h>
#include <sys/wait.h>
#include "sentry/kernel.h"
#include "sentry/task.h"
#include "sentry/signal.h"
#include "sentry/process.h"
#include "sentry/futex.h"
#include "sentry/mm.h"
#include "sentry/timer.h"
#include "sentry/log.h"
#include "sentry/sysapi.h"
#include "platform/platform.h"
#include "vfs/vfs.h"
#include "vfs/tty/tty.h"
#include "kernel_internal.h"

int task_should_exit(struct task *t)
{
	return t->exit_pending || t->tg->group_exiting;
}

/* Tell every other thread of tg to exit and kick it out of the guest. */
void tg_kill_others(struct task *t)
{
	struct list_head *p;
	list_for_each(p, &t->tg->tasks) {
		struct task *o = list_entry(p, struct task, tg_link);
		if (o == t || o->state >= TASK_EXITING)
			continue;
		o->exit_pending = true;
		task_wake(o);
		if (o->ctx)
			platform->ctx_interrupt(o->ctx);
	}
}

/* Children of a dying group go to init (pid 1), like a pid namespace. */
static void reparent_children(struct thread_group *tg)
{
	struct thread_group *init = tg_lookup(1);
	struct list_head *p, *n;
	list_for_each_safe(p, n, &tg->children) {
		struct thread_group *c = list_entry(p, struct thread_group, sibling);
		list_del(&c->sibling);
		if (!init || init == tg) {
			c->parent = NULL;
			if (c->zombie)
				tg_release(c);
			continue;
		}
		c->parent = init;
		list_add_tail(&c->sibling, &init->children);
		if (c->zombie) {
			if (parent_ignores_sigchld(init))
				tg_release(c);
			else
				waitq_wake_all(init->child_wait);
		}
	}
}

/* Free a reaped (or auto-reaped) zombie thread group. */
void tg_release(struct thread_group *tg)
{
	if (tg->parent) {
		tg->parent->cutime_ns += tg->leader ? tg->leader->utime_ns : 0;
		list_del(&tg->sibling);
	}
	list_del(&tg->all_link);
	if (tg->itimer_real_timer)
		ktimer_free(tg->itimer_real_timer);
	sigpending_flush(&tg->shared_pending);
	waitq_free(tg->child_wait);
	waitq_free(tg->exec_wait);
	if (tg->leader)
		task_free(tg->leader);
	free(tg);
}

/* The last thread of tg is gone: become a zombie and tell the parent. */
static void tg_zombify(struct thread_group *tg, int status)
{
	tg->zombie = true;
	tg->group_exit_code = status;
	tty_session_leader_exit(tg);
	reparent_children(tg);

	if (tg->tgid == 1) {
		/* Guest init died: the sandbox ends, like a pid namespace. */
		kernel.init_exit_status = status;
		kernel.init_exited = true;
		struct list_head *p;
		list_for_each(p, &kernel.tasks) {
			struct task *o = list_entry(p, struct task, all_link);
			o->exit_pending = true;
			task_wake(o);
			if (o->ctx)
				platform->ctx_interrupt(o->ctx);
		}
		pthread_cond_broadcast(&kernel.init_exit_cond);
		return;
	}
	struct thread_group *parent = tg->parent;
	if (!parent) {
		if (kernel.orphan_exit)
			kernel.orphan_exit(tg, status);
		tg_release(tg);
		return;
	}
	int code = WIFSIGNALED(status) ? (WCOREDUMP(status) ? CLD_DUMPED : CLD_KILLED) : CLD_EXITED;
	if (tg->exit_signal > 0)
		notify_parent(tg, code, status);
	if (tg->exit_signal == SIGCHLD && parent_ignores_sigchld(parent)) {
		tg_release(tg);
		waitq_wake_all(parent->child_wait);
		return;
	}
	waitq_wake_all(parent->child_wait);
}

static void release_resources(struct task *t)
{
	if (t->clear_child_tid && t->mm && t->mm->users > 1) {
		uint32_t zero = 0;
		if (copy_to_user(t->mm, t->clear_child_tid, &zero, sizeof(zero)) == 0)
			futex_wake_addr(t->mm, t->clear_child_tid, 1);
	}
	if (t->robust_list && t->mm)
		futex_exit_robust_list(t);
	vfork_release(t);
	/* A vfork parent dying before its child: forget it. */
	struct list_head *p;
	list_for_each(p, &kernel.tasks) {
		struct task *o = list_entry(p, struct task, all_link);
		if (o->vfork_parent == t)
			o->vfork_parent = NULL;
	}
	if (t->ctx) {
		platform->ctx_release(t->ctx);
		t->ctx = NULL;
	}
	if (t->mm) {
		mm_put(t->mm);
		t->mm = NULL;
	}
	if (t->files) {
		fdtable_put(t->files);
		t->files = NULL;
	}
	if (t->fs) {
		fs_context_put(t->fs);
		t->fs = NULL;
	}
	if (t->sighand) {
		sighand_put(t->sighand);
		t->sighand = NULL;
	}
	sigpending_flush(&t->pending);
}

void vfork_release(struct task *t)
{
	if (t->vfork_parent) {
		t->vfork_parent->vfork_done = true;
		task_wake(t->vfork_parent);
		t->vfork_parent = NULL;
	}
}

noreturn void do_exit(struct task *t, int status)
{
	struct thread_group *tg = t->tg;
	t->state = TASK_EXITING;
	t->exit_code = status;
	release_resources(t);

	list_del(&t->all_link);
	kernel.nr_tasks--;
	tg->nr_live--;
	if (tg->exec_wait)
		waitq_wake_all(tg->exec_wait);
	t->state = TASK_DEAD;
	if (t != tg->leader) {
		list_del(&t->tg_link);
		task_free(t);
	}
	if (tg->nr_live == 0)
		sysapi_group_exit(tg);
	if (tg->nr_live == 0)
		tg_zombify(tg, tg->group_exiting ? tg->group_exit_code : tg->leader->exit_code);
	current = NULL;
	kernel_unlock();
	pthread_exit(NULL);
}

noreturn void do_group_exit(struct task *t, int status)
{
	struct thread_group *tg = t->tg;
	if (!tg->group_exiting) {
		tg->group_exiting = true;
		tg->group_exit_code = status;
		tg_kill_others(t);
	}
	do_exit(t, tg->group_exit_code);
}
