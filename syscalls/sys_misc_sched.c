/*
 * sched_rr_get_interval and ioprio_get/ioprio_set (block/ioprio.c).
 * Only SCHED_OTHER exists in the sandbox (sys_info.c), whose round-robin
 * interval Linux reports as 0 here. I/O priorities are stored per task
 * (Linux: per io_context, one per task unless CLONE_IO), inherited by
 * clone, and only reported: the sandbox does no block I/O scheduling.
 */
#include <errno.h>
#include <time.h>
#include "sentry/cred.h"
#include "sentry/kernel.h"
#include "sentry/mm.h"
#include "sentry/task.h"
#include "syscalls/syscall.h"

#define IOPRIO_WHO_PROCESS 1
#define IOPRIO_WHO_PGRP    2
#define IOPRIO_WHO_USER    3
#define IOPRIO_CLASS(p)    (((p) >> 13) & 7)
#define IOPRIO_LEVEL(p)    ((p) & 7)
#define IOPRIO_BE_NORM     ((2 << 13) | 4)
enum { CLASS_NONE, CLASS_RT, CLASS_BE, CLASS_IDLE };

long sys_sched_rr_get_interval(struct task *t, const struct syscall_args *a)
{
	int pid = (int)a->a[0];
	struct timespec ts = { 0, 0 };

	if (pid < 0)
		return -EINVAL;
	if (pid && !task_lookup(pid))
		return -ESRCH;
	return copy_to_user(t->mm, a->a[1], &ts, sizeof(ts)) ? -EFAULT : 0;
}

/* ioprio_check_cap() */
static int check_prio(struct task *t, int prio)
{
	switch (IOPRIO_CLASS(prio)) {
	case CLASS_RT:
		if (!cred_has_cap(&t->cred, CAP_SYS_NICE) && !cred_has_cap(&t->cred, CAP_SYS_ADMIN))
			return -EPERM;
		return 0;
	case CLASS_BE: case CLASS_IDLE:
		return 0;
	case CLASS_NONE:
		return IOPRIO_LEVEL(prio) ? -EINVAL : 0;
	default:
		return -EINVAL;
	}
}

static int set_one(struct task *t, struct task *p, int prio)
{
	if (p->cred.uid != t->cred.euid && p->cred.uid != t->cred.uid &&
	    !cred_has_cap(&t->cred, CAP_SYS_NICE))
		return -EPERM;
	p->sysapi.ioprio = prio;
	return 0;
}

/* Does p belong to the set named by (which, who)? */
static bool selected(struct task *t, struct task *p, int which, int who)
{
	if (which == IOPRIO_WHO_PGRP)
		return p->tg->pgid == (who ? who : t->tg->pgid);
	return p->cred.uid == (who ? (uint32_t)who : t->cred.uid);
}

long sys_ioprio_set(struct task *t, const struct syscall_args *a)
{
	int which = (int)a->a[0], who = (int)a->a[1], prio = (int)a->a[2];
	struct list_head *pos;
	int err = check_prio(t, prio), found = 0;

	if (err)
		return err;
	if (which == IOPRIO_WHO_PROCESS) {
		struct task *p = who ? task_lookup(who) : t;
		return p ? set_one(t, p, prio) : -ESRCH;
	}
	if (which != IOPRIO_WHO_PGRP && which != IOPRIO_WHO_USER)
		return -EINVAL;
	list_for_each(pos, &kernel.tasks) {
		struct task *p = list_entry(pos, struct task, all_link);
		if (!selected(t, p, which, who))
			continue;
		found = 1;
		if ((err = set_one(t, p, prio)))
			return err;
	}
	return found ? 0 : -ESRCH;
}

/* ioprio_best(): NONE counts as best-effort normal priority. */
static int best(int a, int b)
{
	if (IOPRIO_CLASS(a) == CLASS_NONE)
		a = IOPRIO_BE_NORM;
	if (IOPRIO_CLASS(b) == CLASS_NONE)
		b = IOPRIO_BE_NORM;
	return a < b ? a : b;
}

long sys_ioprio_get(struct task *t, const struct syscall_args *a)
{
	int which = (int)a->a[0], who = (int)a->a[1], ret = -ESRCH;
	struct list_head *pos;

	if (which == IOPRIO_WHO_PROCESS) {
		struct task *p = who ? task_lookup(who) : t;
		return p ? p->sysapi.ioprio : -ESRCH;
	}
	if (which != IOPRIO_WHO_PGRP && which != IOPRIO_WHO_USER)
		return -EINVAL;
	list_for_each(pos, &kernel.tasks) {
		struct task *p = list_entry(pos, struct task, all_link);
		if (selected(t, p, which, who))
			ret = ret == -ESRCH ? p->sysapi.ioprio : best(ret, p->sysapi.ioprio);
	}
	return ret;
}
