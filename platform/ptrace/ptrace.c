/*
 * ptrace platform: lifecycle of address spaces and contexts.
 *
 * Every guest thread is a host process (no CLONE_THREAD) running stub code
 * at STUB_BASE and guest memory mapped from the memory file, traced with
 * PTRACE_SYSEMU by the sentry pthread that owns it. New contexts are handed
 * back *parked*: detached from ptrace and sleeping in pause() inside the
 * stub. The first owner-only operation (or ctx_adopt) on a parked context
 * attaches the calling pthread with PTRACE_SEIZE + PTRACE_INTERRUPT; that is
 * how a context created on one pthread moves to another.
 */
#include <errno.h>
#include <sched.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/ptrace.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>
#include <stdio.h>
#include "ptrace_impl.h"
#include "../ptrace_util.h"

_Static_assert(STUB_SIZE == 0x10000, "stub.S hard-codes STUB_SIZE");

int ptrace_memfd = -1;

static int ptrace_init(int memfile_fd)
{
	size_t len = (size_t)(stub_end - stub_start);
	if (len > STUB_SIZE)
		return -E2BIG;
	void *p = mmap((void *)STUB_BASE, STUB_SIZE, PROT_READ | PROT_WRITE,
		       MAP_PRIVATE | MAP_ANONYMOUS | MAP_FIXED_NOREPLACE, -1, 0);
	if (p == MAP_FAILED)
		return -errno;
	if (p != (void *)STUB_BASE) {   /* kernel without MAP_FIXED_NOREPLACE */
		munmap(p, STUB_SIZE);
		return -EEXIST;
	}
	memset(p, 0xcc, STUB_SIZE);     /* int3 everywhere else */
	memcpy(p, stub_start, len);
	if (mprotect(p, STUB_SIZE, PROT_READ | PROT_EXEC) < 0)
		return -errno;
	ptrace_memfd = memfile_fd;
	return 0;
}

void ptrace_mark_dead(struct platform_ctx *ctx)
{
	ctx->reaped = true;
	ctx->tracer = 0;
}

/* Kill ctx's host thread and reap it; any thread of the sentry may wait for
 * it (the sentry is both its tracer's and its real parent's process). */
static void kill_and_reap(struct platform_ctx *ctx)
{
	if (ctx->reaped)
		return;
	syscall(SYS_tgkill, ctx->tid, ctx->tid, SIGKILL);
	int st;
	while (platform_wait(ctx->tid, &st, 0) > 0 && !WIFEXITED(st) && !WIFSIGNALED(st))
		;
	ptrace_mark_dead(ctx);
}

/* Owner only: send ctx back to stub_park and detach it. */
static int park(struct platform_ctx *ctx)
{
	struct user_regs_struct r = ctx->regs;
	r.rip = STUB_ADDR(stub_park);
	r.orig_rax = (uint64_t)-1;      /* no host syscall restart on the way */
	r.cs = USER_CS;
	r.ss = USER_SS;
	if (ptrace(PTRACE_SETREGS, ctx->tid, 0, &r) < 0 ||
	    ptrace(PTRACE_DETACH, ctx->tid, 0, 0) < 0)
		return -errno;
	ctx->tracer = 0;
	return 0;
}

int ptrace_own(struct platform_ctx *ctx)
{
	pid_t me = platform_self_tid();
	if (ctx->tracer == me)
		return 0;
	if (ctx->tracer)
		return -EBUSY;
	if (ctx->reaped)
		return -ESRCH;
	if (ptrace(PTRACE_SEIZE, ctx->tid, 0, PTRACE_OPTS) < 0)
		return -errno;
	ctx->tracer = me;
	/* A task in group-stop is already trapped once SEIZE returns; otherwise
	 * ask for a trap. INTERRUPT on a trapped task would add a second one. */
	bool asked = false;
	for (;;) {
		int st;
		int r = platform_wait(ctx->tid, &st, asked ? 0 : WNOHANG);
		if (r < 0)
			return r;
		if (r == 0) {
			if (ptrace(PTRACE_INTERRUPT, ctx->tid, 0, 0) < 0)
				return -errno;
			asked = true;
			continue;
		}
		if (WIFEXITED(st) || WIFSIGNALED(st)) {
			ptrace_mark_dead(ctx);
			return -ESRCH;
		}
		if ((st >> 16) == PTRACE_EVENT_STOP) {
			if (WSTOPSIG(st) != SIGTRAP)   /* it was group-stopped */
				ctx->interrupted = true;
			break;
		}
		/* A signal reached the parked thread: swallow it. */
		if (WSTOPSIG(st) == SIGSTOP)
			ctx->interrupted = true;
		if (ptrace(PTRACE_CONT, ctx->tid, 0, 0) < 0)
			return -errno;
	}
	if (ptrace(PTRACE_GETREGS, ctx->tid, 0, &ctx->regs) < 0)
		return -errno;
	return 0;
}

static struct platform_ctx *ctx_alloc(struct platform_as *as, pid_t tid)
{
	struct platform_ctx *ctx = calloc(1, sizeof(*ctx));
	if (!ctx)
		return NULL;
	ctx->tid = tid;
	ctx->cpu = -1;
	ctx->tracer = platform_self_tid();
	ctx->as = as;
	atomic_fetch_add(&as->refs, 1);
	return ctx;
}

static void ctx_free(struct platform_ctx *ctx)
{
	if (atomic_fetch_sub(&ctx->as->refs, 1) == 1)
		free(ctx->as);
	free(ctx);
}

/* Wait for the first stop of a freshly created stub thread traced by us. */
static int wait_first_stop(struct platform_ctx *ctx)
{
	int st;
	int r = platform_wait(ctx->tid, &st, 0);
	if (r < 0)
		return r;
	if (!WIFSTOPPED(st)) {
		fprintf(stderr, "DBG status %#x\n", st);
		ptrace_mark_dead(ctx);
		return -ECHILD;
	}
	if (ptrace(PTRACE_GETREGS, ctx->tid, 0, &ctx->regs) < 0)
		return -errno;
	return 0;
}

/* A new stub process cloned from the sentry itself. Its real parent and
 * tracer is the calling pthread; PDEATHSIG ties it to that pthread. */
static int spawn_root(struct platform_ctx **out)
{
	if (ptrace_memfd < 0)
		return -EINVAL;
	struct platform_as *as = calloc(1, sizeof(*as));
	if (!as)
		return -ENOMEM;
	long pid = ptrace_util_clone_stub(CLONE_FILES, STUB_ADDR(stub_entry));
	if (pid < 0) {
		free(as);
		return (int)pid;
	}
	struct platform_ctx *ctx = ctx_alloc(as, (pid_t)pid);
	if (!ctx) {
		struct platform_ctx tmp = { .tid = (pid_t)pid };
		kill_and_reap(&tmp);
		free(as);
		return -ENOMEM;
	}
	int err = wait_first_stop(ctx);  /* its SIGSTOP after PTRACE_TRACEME */
	if (!err)
		err = park(ctx);         /* detaching with signal 0 drops the SIGSTOP */
	if (err) {
		kill_and_reap(ctx);
		ctx_free(ctx);
		return err;
	}
	*out = ctx;
	return 0;
}

/* Clone a stub thread of `from` (owned by us). CLONE_PTRACE makes us its
 * tracer; CLONE_PARENT makes every stub a child of the sentry (reaped by
 * waitpid from any sentry thread); exit signal 0 keeps them out of plain
 * waitpid(-1). */
static int clone_from(struct platform_ctx *from, struct platform_as *as,
		      unsigned long flags, struct platform_ctx **out)
{
	int err = ptrace_own(from);
	if (err)
		return err;
	const uint64_t args[6] = { flags | CLONE_FILES | CLONE_PTRACE | CLONE_PARENT };
	long tid = ptrace_inject(from, stub_clone, stub_clone_done, SYS_clone, args);
	if (tid < 0)
		return (int)tid;
	struct platform_ctx *ctx = ctx_alloc(as, (pid_t)tid);
	if (!ctx) {
		struct platform_ctx tmp = { .tid = (pid_t)tid };
		kill_and_reap(&tmp);
		return -ENOMEM;
	}
	err = wait_first_stop(ctx);
	if (!err && !(flags & CLONE_VM)) {
		/* A fork copied from's guest memory: start empty. */
		const uint64_t unmap[6] = { 0, STUB_BASE };
		long r = ptrace_inject(ctx, stub_syscall, stub_syscall_done, SYS_munmap, unmap);
		err = r < 0 ? (int)r : 0;
	}
	if (!err)
		err = park(ctx);
	if (err) {
		kill_and_reap(ctx);
		ctx_free(ctx);
		return err;
	}
	*out = ctx;
	return 0;
}

static int ptrace_as_new(struct platform_ctx *from, struct platform_as **as,
			 struct platform_ctx **ctx)
{
	int err;
	if (!from) {
		err = spawn_root(ctx);
	} else {
		struct platform_as *nas = calloc(1, sizeof(*nas));
		if (!nas)
			return -ENOMEM;
		atomic_fetch_add(&nas->refs, 1);   /* keep it alive across failure */
		err = clone_from(from, nas, 0, ctx);
		if (atomic_fetch_sub(&nas->refs, 1) == 1)
			free(nas);
	}
	if (!err)
		*as = (*ctx)->as;
	return err;
}

static int ptrace_ctx_new(struct platform_ctx *from, struct platform_ctx **ctx)
{
	return clone_from(from, from->as, CLONE_VM, ctx);
}

static int ptrace_ctx_adopt(struct platform_ctx *ctx)
{
	return ptrace_own(ctx);
}

static int ptrace_ctx_disown(struct platform_ctx *ctx)
{
	if (ctx->tracer == 0)
		return 0;
	if (ctx->tracer != platform_self_tid())
		return -EBUSY;
	return park(ctx);
}

static void ptrace_ctx_release(struct platform_ctx *ctx)
{
	if (!ctx)
		return;
	kill_and_reap(ctx);
	ctx_free(ctx);
}

static struct platform_as *ptrace_ctx_as(struct platform_ctx *ctx)
{
	return ctx->as;
}

const struct platform_ops platform_ptrace = {
	.name = "ptrace",
	.init = ptrace_init,
	.as_new = ptrace_as_new,
	.ctx_new = ptrace_ctx_new,
	.ctx_adopt = ptrace_ctx_adopt,
	.ctx_disown = ptrace_ctx_disown,
	.ctx_release = ptrace_ctx_release,
	.ctx_as = ptrace_ctx_as,
	.switch_to = ptrace_switch,
	.ctx_interrupt = ptrace_interrupt,
	.get_fpstate = ptrace_get_fpstate,
	.set_fpstate = ptrace_set_fpstate,
	.map = ptrace_map,
	.unmap = ptrace_unmap,
	.protect = ptrace_protect,
};
