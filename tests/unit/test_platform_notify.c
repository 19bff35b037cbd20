/* The notify platform against real stub processes. */
#include <criterion/criterion.h>
#include <errno.h>
#include <pthread.h>
#include <signal.h>
#include <stdio.h>
#include <string.h>
#include <sys/mman.h>
#include <time.h>
#include <unistd.h>
#include "platform/platform.h"

static const struct platform_ops *P = &platform_notify;
#include "platform_harness.h"

TestSuite(platform_notify, .init = platform_test_setup);

static void map_code(struct platform_ctx *ctx, int page, const void *code, size_t len)
{
	put_code((uint64_t)page * PAGE, code, len);
	cr_assert_eq(P->map(ctx, CODE + (uint64_t)page * PAGE, PAGE, PROT_READ | PROT_EXEC,
			    (uint64_t)page * PAGE), 0);
}

/* The answer (rax only) goes back through the notification. */
Test(platform_notify, syscall_then_fault)
{
	struct platform_as *as;
	struct platform_ctx *ctx;
	new_space(&as, &ctx);
	struct arch_regs r = at(CODE);
	struct platform_event ev;
	cr_assert_eq(P->switch_to(ctx, &r, &ev), 0);
	cr_assert_eq(ev.kind, PEV_SYSCALL);
	cr_assert_eq(r.gp.orig_rax, 39);
	cr_assert_eq(r.gp.rip, CODE + 7);
	r.gp.rax = 1234;
	cr_assert_eq(P->switch_to(ctx, &r, &ev), 0);
	cr_assert_eq(ev.kind, PEV_FAULT);
	cr_assert_eq(ev.signo, SIGSEGV);
	cr_assert_eq(ev.si_code, SEGV_MAPERR);
	cr_assert_eq(r.gp.rip, CODE + 7);
	cr_assert_eq(r.gp.rax, 1234);
	P->ctx_release(ctx);
}

/* mov $5,%ebx; mov $39,%eax; syscall; mov (0),%rax */
static const uint8_t rbx_getpid[] = {
	0xbb, 5, 0, 0, 0, 0xb8, 0x27, 0, 0, 0, 0x0f, 0x05, 0x48, 0x8b, 0x04, 0x25, 0, 0, 0, 0,
};

/* A restart (rip back to the syscall) keeps the registers the guest set. */
Test(platform_notify, restart_and_sync_regs)
{
	struct platform_as *as;
	struct platform_ctx *ctx;
	new_space(&as, &ctx);
	map_code(ctx, 1, rbx_getpid, sizeof(rbx_getpid));
	struct arch_regs r = at(CODE + PAGE);
	r.gp.rsp = 0x1000;
	struct platform_event ev;
	cr_assert_eq(P->switch_to(ctx, &r, &ev), 0);
	cr_assert_eq(ev.kind, PEV_SYSCALL);
	r.gp.rip -= 2;
	r.gp.rax = r.gp.orig_rax;
	cr_assert_eq(P->switch_to(ctx, &r, &ev), 0);
	cr_assert_eq(ev.kind, PEV_SYSCALL);
	cr_assert_eq(r.gp.rip, CODE + PAGE + 12);
	cr_assert_eq(P->sync_regs(ctx, &r), 0);
	cr_assert_eq(r.gp.rbx, 5);
	cr_assert_eq(r.gp.rsp, 0x1000);
	cr_assert_eq(r.gp.orig_rax, 39);
	/* A signal-handler-like change of everything, then the fault. */
	r.gp.rax = 7;
	cr_assert_eq(P->switch_to(ctx, &r, &ev), 0);
	cr_assert_eq(ev.kind, PEV_FAULT);
	cr_assert_eq(r.gp.rax, 7);
	cr_assert_eq(r.gp.rbx, 5);
	P->ctx_release(ctx);
}

/* mov $5,%ebx; mov $158,%eax; syscall; int $0x80 */
static const uint8_t full_then_int80[] = {
	0xbb, 5, 0, 0, 0, 0xb8, 158, 0, 0, 0, 0x0f, 0x05, 0xcd, 0x80,
};

Test(platform_notify, full_register_syscall_and_int80)
{
	struct platform_as *as;
	struct platform_ctx *ctx;
	new_space(&as, &ctx);
	map_code(ctx, 1, full_then_int80, sizeof(full_then_int80));
	struct arch_regs r = at(CODE + PAGE);
	struct platform_event ev;
	cr_assert_eq(P->switch_to(ctx, &r, &ev), 0);
	cr_assert_eq(ev.kind, PEV_SYSCALL);
	cr_assert_eq(r.gp.orig_rax, 158);
	cr_assert_eq(r.gp.rbx, 5);                     /* exact at once */
	cr_assert_eq(r.gp.rax, (uint64_t)-ENOSYS);
	r.gp.rax = 0;
	cr_assert_eq(P->switch_to(ctx, &r, &ev), 0);
	cr_assert_eq(ev.kind, PEV_FAULT);
	cr_assert_eq(ev.signo, SIGSEGV);
	cr_assert_eq(ev.si_code, SI_KERNEL);
	cr_assert_eq(r.gp.rip, CODE + PAGE + 12);
	P->ctx_release(ctx);
}

static void *interrupt_later(void *arg)
{
	usleep(50000);
	P->ctx_interrupt(arg);
	return NULL;
}

Test(platform_notify, interrupt_running)
{
	struct platform_as *as;
	struct platform_ctx *ctx;
	new_space(&as, &ctx);
	static const uint8_t spin[] = { 0xeb, 0xfe };
	map_code(ctx, 1, spin, sizeof(spin));
	struct arch_regs r = at(CODE + PAGE);
	struct platform_event ev;
	pthread_t pt;
	cr_assert_eq(pthread_create(&pt, NULL, interrupt_later, ctx), 0);
	cr_assert_eq(P->switch_to(ctx, &r, &ev), 0);
	pthread_join(pt, NULL);
	cr_assert_eq(ev.kind, PEV_INTERRUPT);
	cr_assert_eq(r.gp.rip, CODE + PAGE);
	P->ctx_release(ctx);
}

Test(platform_notify, syscall_round_trip_cost)
{
	struct platform_as *as;
	struct platform_ctx *ctx;
	new_space(&as, &ctx);
	static const uint8_t loop[] = { 0x0f, 0x05, 0xeb, 0xfc };   /* 1: syscall; jmp 1b */
	map_code(ctx, 1, loop, sizeof(loop));
	struct arch_regs r = at(CODE + PAGE);
	r.gp.rax = 39;
	struct platform_event ev;
	enum { N = 20000 };
	struct timespec t0, t1;
	clock_gettime(CLOCK_MONOTONIC, &t0);
	for (int i = 0; i < N; i++) {
		cr_assert_eq(P->switch_to(ctx, &r, &ev), 0);
		cr_assert_eq(ev.kind, PEV_SYSCALL);
		r.gp.rax = 39;
	}
	clock_gettime(CLOCK_MONOTONIC, &t1);
	double ns = ((t1.tv_sec - t0.tv_sec) * 1e9 + (t1.tv_nsec - t0.tv_nsec)) / N;
	fprintf(stderr, "notify platform: %.0f ns per PEV_SYSCALL round trip\n", ns);
	P->ctx_release(ctx);
}

static void *adopt_and_run(void *arg)
{
	struct platform_ctx *ctx = arg;
	cr_assert_eq(P->ctx_adopt(ctx), 0);
	struct arch_regs r = at(CODE);
	struct platform_event ev;
	cr_assert_eq(P->switch_to(ctx, &r, &ev), 0);
	cr_assert_eq(ev.kind, PEV_SYSCALL);
	cr_assert_eq(P->ctx_disown(ctx), 0);
	return NULL;
}

Test(platform_notify, thread_on_other_pthread)
{
	struct platform_as *as;
	struct platform_ctx *ctx, *thr;
	new_space(&as, &ctx);
	int e = P->ctx_new(ctx, &thr);
	cr_assert_eq(e, 0, "ctx_new %d", e);
	cr_assert_eq(P->ctx_as(thr), as);
	pthread_t pt;
	cr_assert_eq(pthread_create(&pt, NULL, adopt_and_run, thr), 0);
	pthread_join(pt, NULL);
	struct arch_regs r = at(CODE);
	struct platform_event ev;
	cr_assert_eq(P->switch_to(thr, &r, &ev), 0);
	cr_assert_eq(ev.kind, PEV_SYSCALL);
	P->ctx_release(thr);
	r = at(CODE);
	cr_assert_eq(P->switch_to(ctx, &r, &ev), 0);
	cr_assert_eq(ev.kind, PEV_SYSCALL);
	P->ctx_release(ctx);
}
