/*
 * The handoff between a sentry pthread and a stub thread through the
 * control page: the sentry posts RUN/REQ/CLONE, the stub posts EVENT/DONE.
 * Each side spins briefly (only when more than one CPU is usable) and then
 * sleeps on the state word (a shared futex: the page is a MAP_SHARED file
 * page in both processes). A `*_sleeping` flag set with a full barrier
 * before the final check lets the other side skip FUTEX_WAKE when nobody
 * sleeps. The sentry sleeps with a timeout to notice a stub that died.
 */
#include <errno.h>
#include <sched.h>
#include <linux/futex.h>
#include <signal.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>
#include <x86intrin.h>
#include "seccomp_impl.h"

#define DEATH_POLL_NS 100000000L

static long futex(_Atomic uint32_t *w, int op, uint32_t val, const struct timespec *ts)
{
	return syscall(SYS_futex, (uint32_t *)w, op, val, ts, NULL, 0);
}

void sc_reap(struct platform_ctx *ctx, bool kill_it)
{
	if (ctx->reaped)
		return;
	if (kill_it)
		syscall(SYS_tgkill, ctx->tid, ctx->tid, SIGKILL);
	for (;;) {
		int st;
		pid_t r = waitpid(ctx->tid, &st, __WALL);
		if (r < 0 && errno == EINTR)
			continue;
		if (r < 0 || WIFEXITED(st) || WIFSIGNALED(st))
			break;
	}
	ctx->reaped = true;
	ctx->stopped = false;
}

/* Has the stub's host process exited? Reaps it if so. */
static bool stub_gone(struct platform_ctx *ctx)
{
	if (ctx->reaped)
		return true;
	int st;
	pid_t r = waitpid(ctx->tid, &st, WNOHANG | __WALL);
	if (r == ctx->tid && (WIFEXITED(st) || WIFSIGNALED(st))) {
		ctx->reaped = true;
		return true;
	}
	return r < 0 && errno == ECHILD;
}

/* A guest that jumped into the stub text can rt_sigreturn with a mask of
 * its own and so ignore ctx_interrupt. A stub running guest code answers
 * SC_INTR_SIG within microseconds (only the handler blocks signals), so an
 * interrupt left unanswered for SC_INTR_POLLS death polls (the signal is
 * sent again at each) means a hostile guest: kill its stub. No /proc: the
 * sentry's own seccomp filter may forbid opening files. */
static bool refuses_interrupt(struct platform_ctx *ctx, uint32_t mine)
{
	if (mine != SC_ST_RUN || !atomic_load(&ctx->interrupted)) {
		ctx->blocked_polls = 0;
		return false;
	}
	if (++ctx->blocked_polls < SC_INTR_POLLS) {
		syscall(SYS_tgkill, ctx->tid, ctx->tid, SC_INTR_SIG);
		return false;
	}
	sc_reap(ctx, true);
	return true;
}

/* Stub-posted states end a wait. */
static bool posted(uint32_t s)
{
	return s == SC_ST_EVENT || s == SC_ST_DONE;
}

/* Spin mode: both sides spin on the state word (on different CPUs). Sleep
 * mode: neither spins and the stub thread is bound to the sentry thread's
 * CPU, where a futex handoff is a direct switch (cross-CPU wakeups cost
 * several times more in our VMs). A ctx whose sentry spin keeps failing
 * (loaded host, or a guest computing between syscalls) drops to sleep mode
 * and probes spin mode again every SC_PROBE_EVERY handoffs. A spinning
 * pair keeps two CPUs busy: at most sc_max_spinners sentry threads (half
 * the usable CPUs) spin at once; a ctx finding no room counts a failure. */
static atomic_int spinners;

static void set_mode(struct platform_ctx *ctx, bool spin)
{
	ctx->spin_mode = spin;
	ctx->spin_fails = 0;
	ctx->since_probe = 0;
	ctx->ctl->spin = spin ? SC_STUB_SPIN : 0;
	if (spin) {
		ctx->spin = SC_SPIN_START;
		if (ctx->cpu >= 0 && sched_setaffinity(ctx->tid, sizeof(sc_cpus), &sc_cpus) == 0)
			ctx->cpu = -1;
	}
}

static void follow_sentry_cpu(struct platform_ctx *ctx)
{
	int cpu = sched_getcpu();
	if (cpu < 0 || cpu == ctx->cpu)
		return;
	cpu_set_t set;
	CPU_ZERO(&set);
	CPU_SET(cpu, &set);
	if (sched_setaffinity(ctx->tid, sizeof(set), &set) == 0)
		ctx->cpu = cpu;
}

/* Before posting: pick the mode of this handoff. */
static void choose_mode(struct platform_ctx *ctx)
{
	if (ctx->spin_mode)
		return;
	if (sc_multi_cpu && ++ctx->since_probe >= SC_PROBE_EVERY)
		set_mode(ctx, true);
	else
		follow_sentry_cpu(ctx);
}

static bool spin_failed(struct platform_ctx *ctx)
{
	if (ctx->spin > SC_SPIN_MIN)
		ctx->spin /= 2;
	if (++ctx->spin_fails >= SC_SPIN_FAILS)
		set_mode(ctx, false);
	return false;
}

static bool spin_wait(struct platform_ctx *ctx)
{
	struct sc_ctl *c = ctx->ctl;
	if (atomic_fetch_add(&spinners, 1) >= sc_max_spinners) {
		atomic_fetch_sub(&spinners, 1);
		return spin_failed(ctx);
	}
	uint64_t t0 = __rdtsc(), t;
	bool ok = false;
	do {
		if (posted(atomic_load_explicit(&c->state, memory_order_acquire))) {
			ok = true;
			break;
		}
		t = __rdtsc();
	} while (t - t0 < ctx->spin);
	atomic_fetch_sub(&spinners, 1);
	if (!ok)
		return spin_failed(ctx);
	if (ctx->spin < SC_SPIN_MAX)
		ctx->spin += ctx->spin / 4 + 1;
	ctx->spin_fails = 0;
	return true;
}

/* Wait until the stub posts; -ESRCH if it died. */
static int wait_posted(struct platform_ctx *ctx, uint32_t mine)
{
	struct sc_ctl *c = ctx->ctl;
	if (ctx->spin_mode && spin_wait(ctx))
		return 0;
	const struct timespec ts = { 0, DEATH_POLL_NS };
	for (;;) {
		atomic_store(&c->sentry_sleeping, 1);   /* seq_cst: xchg */
		uint32_t s = atomic_load(&c->state);
		if (posted(s))
			break;
		if (s != mine) {
			/* Not ours, not the stub's: the guest scribbled on it. */
			atomic_store(&c->sentry_sleeping, 0);
			return -EIO;
		}
		long r = futex(&c->state, FUTEX_WAIT, mine, &ts);
		if (r < 0 && errno == ETIMEDOUT && (stub_gone(ctx) || refuses_interrupt(ctx, mine))) {
			atomic_store(&c->sentry_sleeping, 0);
			return -ESRCH;
		}
	}
	atomic_store(&c->sentry_sleeping, 0);
	return 0;
}

int sc_handoff(struct platform_ctx *ctx, uint32_t state)
{
	if (ctx->reaped)
		return -ESRCH;
	struct sc_ctl *c = ctx->ctl;
	ctx->stopped = false;
	choose_mode(ctx);
	ctx->blocked_polls = 0;
	atomic_store(&c->state, state);          /* seq_cst: xchg */
	if (atomic_load(&c->stub_sleeping))
		futex(&c->state, FUTEX_WAKE, 1, NULL);
	return wait_posted(ctx, state);
}

int sc_wait_stopped(struct platform_ctx *ctx)
{
	/* A new stub posts EVENT from its ready trap; until then state is 0. */
	return wait_posted(ctx, 0);
}

long sc_request(struct platform_ctx *ctx, long nr, const uint64_t args[6])
{
	if (!ctx->stopped)
		return -ESRCH;
	struct sc_ctl *c = ctx->ctl;
	c->req_nr = (uint64_t)nr;
	for (int i = 0; i < 6; i++)
		c->req_args[i] = args[i];
	int err = sc_handoff(ctx, SC_ST_REQ);
	if (err) {
		if (err != -ESRCH)
			sc_reap(ctx, true);   /* inconsistent: kill it */
		return -ESRCH;
	}
	if (atomic_load(&c->state) != SC_ST_DONE) {
		/* An event instead of our answer: a guest thread forged it. */
		sc_reap(ctx, true);
		return -ESRCH;
	}
	ctx->stopped = true;
	return (long)c->req_ret;
}

int sc_own(struct platform_ctx *ctx)
{
	pid_t me = platform_self_tid();
	pid_t cur = atomic_load(&ctx->owner);
	if (cur == me)
		return ctx->reaped ? -ESRCH : 0;
	if (ctx->reaped)
		return -ESRCH;
	if (cur != 0 || !atomic_compare_exchange_strong(&ctx->owner, &cur, me))
		return -EBUSY;
	return 0;
}
