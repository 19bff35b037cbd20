/* wait4/waitid: reaping children - the wait half of kernel/exit.c. */
#include <errno.h>
#include <signal.h>
#include <string.h>
#include <sys/wait.h>
#include <sys/resource.h>
#include "sentry/kernel.h"
#include "sentry/task.h"
#include "sentry/signal.h"
#include "sentry/wait.h"
#include "sentry/waitq.h"
#include "kernel_internal.h"

static bool child_matches(struct task *t, struct thread_group *c, const struct wait_req *w)
{
	switch (w->which) {
	case P_PID:
		if (c->tgid != w->id)
			return false;
		break;
	case P_PGID:
		if (c->pgid != (w->id ? w->id : t->tg->pgid))
			return false;
		break;
	default:
		break;
	}
	/* __WCLONE selects children that do not signal SIGCHLD on exit. */
	if (w->options & __WALL)
		return true;
	bool clone_child = c->exit_signal != SIGCHLD;
	return clone_child == !!(w->options & __WCLONE);
}

static void fill_result(struct thread_group *c, int status, int code, struct wait_result *r)
{
	r->pid = c->tgid;
	r->status = status;
	r->code = code;
	r->uid = c->leader ? c->leader->cred.uid : 0;
	uint64_t ut = c->leader ? c->leader->utime_ns : 0;
	r->utime_ns = ut;
	r->stime_ns = 0;
}

static int exit_code_of(int status)
{
	if (WIFSIGNALED(status))
		return WCOREDUMP(status) ? CLD_DUMPED : CLD_KILLED;
	return CLD_EXITED;
}

/* One pass over the children. 1: found a result, 0: none ready,
 * -ECHILD: nothing to wait for. */
static int wait_scan(struct task *t, const struct wait_req *w, struct wait_result *r)
{
	bool any = false;
	struct list_head *p, *n;
	list_for_each_safe(p, n, &t->tg->children) {
		struct thread_group *c = list_entry(p, struct thread_group, sibling);
		if (!child_matches(t, c, w))
			continue;
		any = true;
		if (c->zombie && (w->options & WEXITED)) {
			fill_result(c, c->group_exit_code, exit_code_of(c->group_exit_code), r);
			if (!(w->options & WNOWAIT))
				tg_release(c);
			return 1;
		}
		if (c->stopped && !c->stop_reported && (w->options & WSTOPPED)) {
			fill_result(c, (c->stop_signal << 8) | 0x7f, CLD_STOPPED, r);
			if (!(w->options & WNOWAIT))
				c->stop_reported = true;
			return 1;
		}
		if (c->cont_reported == false && !c->stopped && c->stop_signal &&
		    (w->options & WCONTINUED)) {
			fill_result(c, 0xffff, CLD_CONTINUED, r);
			if (!(w->options & WNOWAIT)) {
				c->cont_reported = true;
				c->stop_signal = 0;
			}
			return 1;
		}
	}
	return any ? 0 : -ECHILD;
}

long do_wait(struct task *t, const struct wait_req *w, struct wait_result *r)
{
	memset(r, 0, sizeof(*r));
	struct waiter wt;
	waitq_add(t->tg->child_wait, &wt, t);
	long ret;
	for (;;) {
		ret = wait_scan(t, w, r);
		if (ret != 0)
			break;
		if (w->options & WNOHANG)
			break;
		if (task_sleep(t, 0) == -EINTR) {
			ret = -ERESTARTSYS;
			break;
		}
	}
	waitq_remove(&wt);
	return ret;
}
