/* clone/fork/vfork: creating tasks and thread groups - kernel/fork.c. */
#include <errno.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <linux/sched.h>
#include "vfs/anon/pidfd.h"
#include "sentry/kernel.h"
#include "sentry/task.h"
#include "sentry/signal.h"
#include "sentry/process.h"
#include "sentry/mm.h"
#include "sentry/log.h"
#include "platform/platform.h"
#include "vfs/vfs.h"
#include "kernel_internal.h"

/* Flags this kernel implements; anything else is -EINVAL (never ignored). */
#define CLONE_SUPPORTED (CLONE_VM | CLONE_FS | CLONE_FILES | CLONE_SIGHAND | CLONE_THREAD | \
	CLONE_SETTLS | CLONE_PARENT_SETTID | CLONE_CHILD_CLEARTID | CLONE_CHILD_SETTID | \
	CLONE_VFORK | CLONE_PARENT | CLONE_SYSVSEM | CLONE_DETACHED | CLONE_PTRACE | CLONE_UNTRACED | \
	CLONE_PIDFD)

struct thread_group *tg_new(struct thread_group *parent)
{
	struct thread_group *tg = calloc(1, sizeof(*tg));
	if (!tg)
		return NULL;
	list_init(&tg->tasks);
	list_init(&tg->children);
	list_init(&tg->sibling);
	sigpending_init(&tg->shared_pending);
	tg->child_wait = waitq_new();
	tg->exec_wait = waitq_new();
	if (!tg->child_wait || !tg->exec_wait) {
		waitq_free(tg->child_wait);
		waitq_free(tg->exec_wait);
		free(tg);
		return NULL;
	}
	tg->parent = parent;
	if (parent) {
		list_add_tail(&tg->sibling, &parent->children);
		tg->pgid = parent->pgid;
		tg->sid = parent->sid;
		memcpy(tg->rlimits, parent->rlimits, sizeof(tg->rlimits));
		tg->oom_score_adj = parent->oom_score_adj;
		tg->oom_score_adj_min = parent->oom_score_adj_min;
	}
	list_add_tail(&tg->all_link, &kernel.tgs);
	return tg;
}

static long check_flags(struct task *t, uint64_t flags)
{
	if (flags & ~(uint64_t)CLONE_SUPPORTED)
		return -EINVAL;
	if ((flags & CLONE_THREAD) && !(flags & CLONE_SIGHAND))
		return -EINVAL;
	if ((flags & CLONE_SIGHAND) && !(flags & CLONE_VM))
		return -EINVAL;
	if ((flags & CLONE_FS) && 0)
		return -EINVAL;
	if ((flags & CLONE_PARENT) && t->tg->tgid == 1)
		return -EINVAL;   /* init cannot have siblings */
	if ((flags & CLONE_PIDFD) && (flags & (CLONE_DETACHED | CLONE_THREAD)))
		return -EINVAL;   /* no pidfds of single threads (PIDFD_THREAD) */
	return 0;
}

/* Share or copy each resource of the parent according to the flags. */
static long copy_resources(struct task *t, struct task *c, uint64_t flags)
{
	if (flags & CLONE_VM) {
		c->mm = t->mm;
		mm_get(c->mm);
		if (platform->ctx_new(t->ctx, &c->ctx) < 0)
			return -EAGAIN;
	} else {
		c->mm = mm_fork(t->mm);
		if (!c->mm)
			return -ENOMEM;
		struct platform_as *as;
		if (platform->as_new(t->ctx, &as, &c->ctx) < 0)
			return -EAGAIN;
	}
	if (flags & CLONE_FILES) {
		c->files = t->files;
		c->files->refs++;
	} else if (!(c->files = fdtable_dup(t->files))) {
		return -ENOMEM;
	}
	if (flags & CLONE_FS) {
		c->fs = t->fs;
		c->fs->refs++;
	} else if (!(c->fs = fs_context_dup(t->fs))) {
		return -ENOMEM;
	}
	if (flags & CLONE_SIGHAND) {
		c->sighand = t->sighand;
		c->sighand->refs++;
	} else if (!(c->sighand = sighand_dup(t->sighand))) {
		return -ENOMEM;
	}
	return 0;
}

static void undo_child(struct task *c)
{
	if (c->ctx)
		platform->ctx_release(c->ctx);
	if (c->mm)
		mm_put(c->mm);
	if (c->files)
		fdtable_put(c->files);
	if (c->fs)
		fs_context_put(c->fs);
	if (c->sighand)
		sighand_put(c->sighand);
	task_free(c);
}

long do_clone(struct task *t, const struct clone_args_k *ca)
{
	uint64_t flags = ca->flags;
	long err = check_flags(t, flags);
	if (err)
		return err;
	if (ca->exit_signal > KSIG_MAX)
		return -EINVAL;
	if (t->tg->group_exiting)
		return -EINTR;

	int tid = pid_alloc();
	if (tid < 0)
		return tid;
	struct task *c = task_alloc();
	if (!c)
		return -ENOMEM;
	c->tid = tid;
	err = copy_resources(t, c, flags);
	if (err) {
		undo_child(c);
		return err;
	}

	c->regs = t->regs;
	REG_RET(&c->regs) = 0;
	if (ca->stack)
		c->regs.gp.rsp = ca->stack + ca->stack_size;
	if (flags & CLONE_SETTLS)
		c->regs.gp.fs_base = ca->tls;
	c->cred = t->cred;
	c->blocked = t->blocked;
	/* A new thread sharing the address space must not share the stack. */
	c->altstack_flags = SS_DISABLE;
	if (!(flags & CLONE_VM) || (flags & CLONE_VFORK)) {
		c->altstack_sp = t->altstack_sp;
		c->altstack_size = t->altstack_size;
		c->altstack_flags = t->altstack_flags;
	}
	c->nice = t->nice;
	c->personality = t->personality;
	c->sysapi = t->sysapi;         /* ioprio, mempolicy: inherited */
	c->dumpable = t->dumpable;     /* per mm in Linux: fork keeps it */
	c->no_new_privs = t->no_new_privs;   /* kept across fork, like Linux */
	memcpy(c->comm, t->comm, sizeof(c->comm));
	arch_fpstate_init(&c->fp);

	if (flags & CLONE_THREAD) {
		c->tg = t->tg;
	} else {
		struct thread_group *parent = (flags & CLONE_PARENT) ? t->tg->parent : t->tg;
		struct thread_group *tg = tg_new(parent);
		if (!tg) {
			undo_child(c);
			return -ENOMEM;
		}
		tg->tgid = tid;
		tg->leader = c;
		tg->exit_signal = (int)ca->exit_signal;
		c->tg = tg;
	}
	if (flags & CLONE_PIDFD) {
		err = pidfd_clone(t, c->tg, ca->pidfd);   /* syscalls/sys_pidfd.c */
		if (err) {
			c->tg->leader = NULL;
			tg_release(c->tg);
			undo_child(c);
			return err;
		}
	}
	list_add_tail(&c->tg_link, &c->tg->tasks);
	c->tg->nr_live++;
	list_add_tail(&c->all_link, &kernel.tasks);
	kernel.nr_tasks++;

	uint32_t tid32 = (uint32_t)tid;
	if (flags & CLONE_PARENT_SETTID)
		copy_to_user(t->mm, ca->parent_tid, &tid32, sizeof(tid32));
	if (flags & CLONE_CHILD_SETTID)
		copy_to_user(c->mm, ca->child_tid, &tid32, sizeof(tid32));
	if (flags & CLONE_CHILD_CLEARTID)
		c->clear_child_tid = ca->child_tid;
	if (flags & CLONE_VFORK)
		c->vfork_parent = t;

	err = task_start(c);
	if (err) {
		/* No thread ever ran the child: take it out again, as if the
		 * clone had failed before it was visible (the lock was held). */
		log_error("clone: cannot start a sentry thread: %ld", err);
		list_del(&c->all_link);
		kernel.nr_tasks--;
		list_del(&c->tg_link);
		c->tg->nr_live--;
		if (!(flags & CLONE_THREAD)) {
			c->tg->leader = NULL;
			tg_release(c->tg);
		}
		undo_child(c);
		return -EAGAIN;
	}

	if (flags & CLONE_VFORK) {
		/* The parent sleeps until the child execs or exits (vfork_release);
		 * only a fatal signal ends the wait early, like Linux. */
		t->vfork_done = false;
		while (!t->vfork_done && !task_should_exit(t))
			task_sleep_killable(t);
	}
	return tid;
}
