/* execve: replace the program of the calling thread group - fs/exec.c. */
#include <errno.h>
#include <string.h>
#include "sentry/sysapi.h"
#include "sentry/cred.h"
#include "sentry/kernel.h"
#include "sentry/task.h"
#include "sentry/signal.h"
#include "sentry/process.h"
#include "sentry/loader.h"
#include "sentry/futex.h"
#include "sentry/mm.h"
#include "sentry/log.h"
#include "platform/platform.h"
#include "vfs/vfs.h"
#include "kernel_internal.h"

/* Kill every other thread of the group and wait for them; the caller then
 * takes over the leader's identity (its tid becomes the tgid). */
static int de_thread(struct task *t)
{
	struct thread_group *tg = t->tg;
	if (tg->nr_live > 1) {
		tg_kill_others(t);
		struct waiter w;
		waitq_add(tg->exec_wait, &w, t);
		while (tg->nr_live > 1 && !task_should_exit(t))
			task_sleep_killable(t);
		waitq_remove(&w);
		if (task_should_exit(t))
			return -EINTR;
	}
	struct task *leader = tg->leader;
	if (leader != t) {
		list_del(&leader->tg_link);
		task_free(leader);
		t->tid = tg->tgid;
		tg->leader = t;
	}
	return 0;
}

/* Give the task private copies of what exec must not change for others. */
static int unshare_for_exec(struct task *t)
{
	if (t->files->refs > 1) {
		struct fdtable *ft = fdtable_dup(t->files);
		if (!ft)
			return -ENOMEM;
		fdtable_put(t->files);
		t->files = ft;
	}
	if (t->sighand->refs > 1) {
		struct sighand *sh = sighand_dup(t->sighand);
		if (!sh)
			return -ENOMEM;
		sighand_put(t->sighand);
		t->sighand = sh;
	}
	return 0;
}

/* What exec does to the old mm's users (exec_mm_release). */
static void release_old_mm(struct task *t)
{
	if (t->clear_child_tid && t->mm->users > 1) {
		uint32_t zero = 0;
		if (copy_to_user(t->mm, t->clear_child_tid, &zero, sizeof(zero)) == 0)
			futex_wake_addr(t->mm, t->clear_child_tid, 1);
	}
	if (t->robust_list)
		futex_exit_robust_list(t);
	t->clear_child_tid = 0;
	t->robust_list = 0;
	t->robust_list_len = 0;
}

/* Install the new image's credentials (computed by the loader). Like Linux,
 * dumpability looks at the ids before the exec and at whether the program
 * file is readable; a set-id exec also clears the parent-death signal. */
static void commit_exec_creds(struct task *t, const struct load_result *res)
{
	struct cred old = t->cred;

	t->dumpable = old.euid == old.uid && old.egid == old.gid &&
		      !inode_permission(&old, res->exe->inode, MAY_READ);
	t->cred = res->cred;
	cred_committed(t, &old);
	if (res->setid)
		t->pdeath_signal = 0;
}

long do_execve(struct task *t, int dirfd, const char *path, char **argv, char **envp, int flags)
{
	struct load_result res;
	int err = loader_load(t, dirfd, path, argv, envp, flags, &res);
	if (err)
		return err;
	if (de_thread(t) < 0 || unshare_for_exec(t) < 0) {
		mm_put(res.mm);
		file_put(res.exe);
		return -EINTR;
	}

	/* Point of no return: failures below kill the group. */
	struct platform_as *as;
	struct platform_ctx *ctx;
	if (platform->as_new(t->ctx, &as, &ctx) < 0 || platform->ctx_adopt(ctx) < 0) {
		log_error("execve: cannot create an address space");
		mm_put(res.mm);
		file_put(res.exe);
		do_group_exit(t, SIGKILL);
	}
	release_old_mm(t);
	commit_exec_creds(t, &res);
	platform->ctx_release(t->ctx);
	t->ctx = ctx;
	mm_put(t->mm);
	t->mm = res.mm;
	file_put(res.exe);   /* the mm holds its own reference */
	t->regs = res.regs;
	memcpy(t->comm, res.comm, sizeof(t->comm));

	fdtable_close_on_exec(t->files);
	sighand_reset_for_exec(t->sighand);
	sysapi_exec(t);
	t->altstack_sp = t->altstack_size = 0;
	t->altstack_flags = SS_DISABLE;
	vfork_release(t);
	return 0;   /* rax of the new program starts at 0 */
}
