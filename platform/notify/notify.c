/*
 * notify platform: lifecycle of address spaces and contexts.
 *
 * Stub processes run the ptrace platform's stub code (platform/ptrace/
 * stub.S) at STUB_BASE. A *zygote* stub is cloned from the sentry by
 * init(), before the sentry locks itself down (stubs must not inherit the
 * sentry's filter: its KILL would win over USER_NOTIF); every address space
 * is cloned from it, every further thread from a thread of its address
 * space. Each new stub thread is given, by injection, PR_SET_PDEATHSIG and
 * its own seccomp filter with a new listener: that fd lands in the sentry's
 * fd table (CLONE_FILES) and only this thread's syscalls reach it.
 * Ownership is the ptrace platform's: the owner is the tracer; unowned
 * contexts are parked (detached, in pause() inside the stub).
 */
#include <errno.h>
#include <pthread.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <linux/seccomp.h>
#include <sys/mman.h>
#include <sys/prctl.h>
#include <sys/ptrace.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>
#include "notify_impl.h"

_Static_assert(STUB_SIZE == 0x10000, "stub.S hard-codes STUB_SIZE");

#define NR_mseal 462

int nt_memfd = -1;
pid_t nt_pid;

static struct platform_ctx *zygote;
static pthread_mutex_t zygote_lock = PTHREAD_MUTEX_INITIALIZER;

void nt_mark_dead(struct platform_ctx *ctx)
{
	ctx->reaped = true;
	ctx->stopped = false;
	ctx->in_notif = false;
	atomic_store(&ctx->tracer, 0);
}

static void kill_and_reap(struct platform_ctx *ctx)
{
	if (ctx->reaped)
		return;
	syscall(SYS_tgkill, ctx->tid, ctx->tid, SIGKILL);
	int st;
	while (platform_wait(ctx->tid, &st, 0) > 0 && !WIFEXITED(st) && !WIFSIGNALED(st))
		;
	nt_mark_dead(ctx);
}

long nt_inject(struct platform_ctx *ctx, const char *entry, const char *done, long nr,
	       const uint64_t args[6])
{
	bool sigstop = false, reaped = false;
	long r = ptrace_util_inject(ctx->tid, &ctx->tmpl, entry, done, nr, args, &sigstop, &reaped);
	if (sigstop)
		ctx->interrupted = true;
	if (reaped)
		nt_mark_dead(ctx);
	return r;
}

/* Owner only, ctx stopped: send it to stub_park and detach. */
static int park(struct platform_ctx *ctx)
{
	struct user_regs_struct r = ctx->tmpl;
	r.rip = STUB_ADDR(stub_park);
	r.orig_rax = (uint64_t)-1;
	r.cs = USER_CS;
	r.ss = USER_SS;
	if (ptrace(PTRACE_SETREGS, ctx->tid, 0, &r) < 0 ||
	    ptrace(PTRACE_DETACH, ctx->tid, 0, 0) < 0)
		return -errno;
	ctx->stopped = false;
	atomic_store(&ctx->tracer, 0);
	return 0;
}

int nt_own(struct platform_ctx *ctx)
{
	pid_t me = platform_self_tid();
	pid_t cur = atomic_load(&ctx->tracer);
	if (cur == me)
		return 0;
	if (cur)
		return -EBUSY;
	if (ctx->reaped)
		return -ESRCH;
	if (ptrace(PTRACE_SEIZE, ctx->tid, 0, NT_OPTS) < 0)
		return -errno;
	atomic_store(&ctx->tracer, me);
	/* A task in group-stop is already trapped once SEIZE returns. */
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
			nt_mark_dead(ctx);
			return -ESRCH;
		}
		if ((st >> 16) == PTRACE_EVENT_STOP)
			break;
		/* A signal reached the parked thread: swallow it. */
		if (ptrace(PTRACE_CONT, ctx->tid, 0, 0) < 0)
			return -errno;
	}
	if (ptrace(PTRACE_GETREGS, ctx->tid, 0, &ctx->tmpl) < 0)
		return -errno;
	ctx->stopped = true;
	return 0;
}

static struct platform_ctx *ctx_alloc(struct platform_as *as, pid_t tid)
{
	struct platform_ctx *ctx = calloc(1, sizeof(*ctx));
	if (!ctx)
		return NULL;
	ctx->tid = tid;
	ctx->cpu = -1;
	ctx->listener = -1;
	atomic_store(&ctx->tracer, platform_self_tid());
	ctx->stopped = true;
	ctx->as = as;
	atomic_fetch_add(&as->refs, 1);
	return ctx;
}

static void as_put(struct platform_as *as)
{
	if (atomic_fetch_sub(&as->refs, 1) != 1)
		return;
	if (as->tmpl) {
		kill_and_reap(as->tmpl);
		free(as->tmpl);
	}
	pthread_mutex_destroy(&as->lock);
	free(as);
}

static void ctx_free(struct platform_ctx *ctx)
{
	if (ctx->listener >= 0)
		close(ctx->listener);
	struct platform_as *as = ctx->as;
	bool tmpl = as->tmpl == ctx;
	free(ctx);
	if (!tmpl)
		as_put(as);
}

static int wait_first_stop(struct platform_ctx *ctx)
{
	int st;
	int r = platform_wait(ctx->tid, &st, 0);
	if (r < 0)
		return r;
	if (!WIFSTOPPED(st)) {
		nt_mark_dead(ctx);
		return -ECHILD;
	}
	if (ptrace(PTRACE_GETREGS, ctx->tid, 0, &ctx->tmpl) < 0)
		return -errno;
	return 0;
}

static int inject_ok(struct platform_ctx *ctx, long nr, const uint64_t args[6], long *out)
{
	long r = nt_inject(ctx, stub_syscall, stub_syscall_done, nr, args);
	if (r < 0 && r >= -4095)
		return (int)r;
	if (out)
		*out = r;
	return 0;
}

static int pdeathsig(struct platform_ctx *ctx)
{
	const uint64_t args[6] = { PR_SET_PDEATHSIG, SIGKILL };
	return inject_ok(ctx, SYS_prctl, args, NULL);
}

/* A guest thread may jump into the stub code and run the syscalls its
 * filter allows there: seal the stub page of each new address space, so
 * that it cannot be unmapped, made writable or replaced (which would make
 * the next injection fault or never return). Kernels without mseal (< 6.10)
 * refuse it: then a hostile guest can hang its own injections. */
static int seal_stub(struct platform_ctx *tmpl)
{
	const uint64_t args[6] = { STUB_BASE, STUB_SIZE };
	int err = inject_ok(tmpl, NR_mseal, args, NULL);
	return err == -ENOSYS ? 0 : err;
}

/* A new guest thread, first stop: die with the sentry, get the filter. */
static int arm(struct platform_ctx *ctx)
{
	int err = pdeathsig(ctx);
	if (err)
		return err;
	const uint64_t filt[6] = { SECCOMP_SET_MODE_FILTER, SECCOMP_FILTER_FLAG_NEW_LISTENER,
				   STUB_BASE + NT_PROG_OFF };
	long fd;
	if ((err = inject_ok(ctx, SYS_seccomp, filt, &fd)))
		return err;
	ctx->listener = (int)fd;
	return 0;
}

/* Clone a stub thread of `from` (owned and stopped by us, without a
 * filter: the zygote or a template); it comes back at its first stop.
 * CLONE_PTRACE: traced (seized) by us; CLONE_PARENT: a child of the sentry;
 * exit signal 0 keeps it out of a plain waitpid(-1). */
static int clone_raw(struct platform_ctx *from, struct platform_as *as, unsigned long flags,
		     struct platform_ctx **out)
{
	const uint64_t args[6] = { flags | CLONE_FILES | CLONE_PTRACE | CLONE_PARENT };
	long tid = nt_inject(from, stub_clone, stub_clone_done, SYS_clone, args);
	if (tid < 0)
		return (int)tid;
	struct platform_ctx *ctx = ctx_alloc(as, (pid_t)tid);
	if (!ctx) {
		struct platform_ctx tmp = { .tid = (pid_t)tid };
		kill_and_reap(&tmp);
		return -ENOMEM;
	}
	int err = wait_first_stop(ctx);
	if (err) {
		kill_and_reap(ctx);
		ctx_free(ctx);
		return err;
	}
	*out = ctx;
	return 0;
}

/* Give `to` the FPU state of `from` (owned), like clone and fork do. */
static void copy_fpstate(struct platform_ctx *from, struct platform_ctx *to)
{
	struct arch_fpstate fp;
	arch_fpstate_init(&fp);
	if (!fp.buf)
		return;
	if (nt_get_fpstate(from, &fp) == 0)
		nt_set_fpstate(to, &fp);
	arch_fpstate_free(&fp);
}

/* A guest thread cloned from the template of its address space (a listener
 * cannot be installed over another one, so threads are never cloned from
 * each other), parked. */
static int new_thread(struct platform_as *as, struct platform_ctx *from, struct platform_ctx **out)
{
	pthread_mutex_lock(&as->lock);
	struct platform_ctx *ctx = NULL;
	int err = nt_own(as->tmpl);
	if (!err)
		err = clone_raw(as->tmpl, as, CLONE_VM, &ctx);
	int perr = err == -ESRCH ? 0 : park(as->tmpl);
	pthread_mutex_unlock(&as->lock);
	if (!err)
		err = perr;
	if (!err)
		err = arm(ctx);
	if (!err && from && nt_own(from) == 0)
		copy_fpstate(from, ctx);
	if (!err)
		err = park(ctx);
	if (err) {
		if (ctx) {
			kill_and_reap(ctx);
			ctx_free(ctx);
		}
		return err;
	}
	*out = ctx;
	return 0;
}

static int nt_as_new(struct platform_ctx *from, struct platform_as **as, struct platform_ctx **ctx)
{
	if (!zygote)
		return -EINVAL;
	struct platform_as *nas = calloc(1, sizeof(*nas));
	if (!nas)
		return -ENOMEM;
	pthread_mutex_init(&nas->lock, NULL);
	atomic_init(&nas->refs, 1);   /* ours until a thread holds one */
	struct platform_ctx *tmpl = NULL;
	pthread_mutex_lock(&zygote_lock);
	int err = nt_own(zygote);
	if (!err)
		err = clone_raw(zygote, nas, 0, &tmpl);
	int perr = park(zygote);
	pthread_mutex_unlock(&zygote_lock);
	if (!err)
		err = perr;
	if (tmpl) {
		atomic_fetch_sub(&nas->refs, 1);   /* the template holds none */
		nas->tmpl = tmpl;
		if (!err)
			err = pdeathsig(tmpl);
		if (!err)
			err = seal_stub(tmpl);
		if (!err)
			err = park(tmpl);
	}
	if (!err)
		err = new_thread(nas, from, ctx);
	as_put(nas);
	if (!err)
		*as = nas;
	return err;
}

static int nt_ctx_new(struct platform_ctx *from, struct platform_ctx **ctx)
{
	int err = nt_own(from);
	if (!err && from->in_notif)
		err = nt_stop(from);
	return err ? err : new_thread(from->as, from, ctx);
}

static int nt_ctx_adopt(struct platform_ctx *ctx)
{
	return nt_own(ctx);
}

static int nt_ctx_disown(struct platform_ctx *ctx)
{
	pid_t cur = atomic_load(&ctx->tracer);
	if (cur == 0)
		return 0;
	if (cur != platform_self_tid())
		return -EBUSY;
	if (ctx->in_notif) {
		int err = nt_stop(ctx);
		if (err)
			return err;
	}
	return park(ctx);
}

static void nt_ctx_release(struct platform_ctx *ctx)
{
	if (!ctx)
		return;
	kill_and_reap(ctx);
	ctx_free(ctx);
}

static struct platform_as *nt_ctx_as(struct platform_ctx *ctx)
{
	return ctx->as;
}

/* The zygote: a stub cloned from this thread (its tracer via TRACEME, its
 * parent for PDEATHSIG), with no_new_privs for the filters to come. */
static int spawn_zygote(void)
{
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
	const uint64_t nnp[6] = { PR_SET_NO_NEW_PRIVS, 1 };
	int err = wait_first_stop(ctx);
	if (!err)
		err = inject_ok(ctx, SYS_prctl, nnp, NULL);
	if (!err)
		err = park(ctx);      /* detaching with signal 0 drops the SIGSTOP */
	if (err) {
		kill_and_reap(ctx);
		ctx_free(ctx);
		return err;
	}
	zygote = ctx;
	return 0;
}

static int nt_init(int memfile_fd)
{
	size_t len = (size_t)(stub_end - stub_start);
	if (len > NT_PROG_OFF)
		return -E2BIG;
	void *p = mmap((void *)STUB_BASE, STUB_SIZE, PROT_READ | PROT_WRITE,
		       MAP_PRIVATE | MAP_ANONYMOUS | MAP_FIXED_NOREPLACE, -1, 0);
	if (p == MAP_FAILED)
		return -errno;
	if (p != (void *)STUB_BASE) {
		munmap(p, STUB_SIZE);
		return -EEXIST;
	}
	memset(p, 0xcc, STUB_SIZE);
	memcpy(p, stub_start, len);
	nt_memfd = memfile_fd;
	nt_pid = getpid();
	int err = nt_build_filter(p);
	if (err)
		return err;
	if (mprotect(p, STUB_SIZE, PROT_READ | PROT_EXEC) < 0)
		return -errno;
	/* The zygote first: stubs must not inherit the SIGCHLD handler. */
	if ((err = spawn_zygote()))
		return err;
	return nt_wake_init();
}

const struct platform_ops platform_notify = {
	.name = "notify",
	.init = nt_init,
	.as_new = nt_as_new,
	.ctx_new = nt_ctx_new,
	.ctx_adopt = nt_ctx_adopt,
	.ctx_disown = nt_ctx_disown,
	.ctx_release = nt_ctx_release,
	.ctx_as = nt_ctx_as,
	.switch_to = nt_switch,
	.sync_regs = nt_sync_regs,
	.ctx_interrupt = nt_interrupt,
	.get_fpstate = nt_get_fpstate,
	.set_fpstate = nt_set_fpstate,
	.map = nt_map,
	.unmap = nt_unmap,
	.protect = nt_protect,
};
