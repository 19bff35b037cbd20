/* The ptrace platform against real stub processes. */
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
#include "platform/ptrace/ptrace_impl.h"   /* ctx->tid, to kill it */

static const struct platform_ops *P = &platform_ptrace;
#include "platform_harness.h"

TestSuite(platform_ptrace, .init = platform_test_setup);

static void expect_getpid(struct platform_ctx *ctx, uint64_t rip)
{
	struct arch_regs r = at(rip);
	struct platform_event ev;
	cr_assert_eq(P->switch_to(ctx, &r, &ev), 0);
	cr_assert_eq(ev.kind, PEV_SYSCALL, "kind %d signo %d addr %#lx", ev.kind, ev.signo,
		     (unsigned long)ev.addr);
	cr_assert_eq(r.gp.orig_rax, 39);
	cr_assert_eq(r.gp.rip, rip + 7);
}

Test(platform_ptrace, lookup)
{
	cr_assert_eq(platform_lookup("ptrace"), &platform_ptrace);
	cr_assert_null(platform_lookup("kvm"));
}

Test(platform_ptrace, syscall_then_fault)
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

	r.gp.rax = 1234;   /* the "result" */
	cr_assert_eq(P->switch_to(ctx, &r, &ev), 0);
	cr_assert_eq(ev.kind, PEV_FAULT);
	cr_assert_eq(ev.signo, SIGSEGV);
	cr_assert_eq(ev.si_code, SEGV_MAPERR);
	cr_assert_eq(ev.addr, 0);
	cr_assert_eq(r.gp.rip, CODE + 7);
	cr_assert_eq(r.gp.rax, 1234);

	/* Suppressed, not delivered: the same fault again. */
	cr_assert_eq(P->switch_to(ctx, &r, &ev), 0);
	cr_assert_eq(ev.kind, PEV_FAULT);
	P->ctx_release(ctx);
}

Test(platform_ptrace, syscall_round_trip_cost)
{
	struct platform_as *as;
	struct platform_ctx *ctx;
	new_space(&as, &ctx);
	static const uint8_t loop[] = { 0x0f, 0x05, 0xeb, 0xfc };   /* 1: syscall; jmp 1b */
	put_code(PAGE, loop, sizeof(loop));
	cr_assert_eq(P->map(ctx, CODE + PAGE, PAGE, PROT_READ | PROT_EXEC, PAGE), 0);

	struct arch_regs r = at(CODE + PAGE);
	struct platform_event ev;
	enum { N = 20000 };
	struct timespec t0, t1;
	clock_gettime(CLOCK_MONOTONIC, &t0);
	for (int i = 0; i < N; i++) {
		cr_assert_eq(P->switch_to(ctx, &r, &ev), 0);
		cr_assert_eq(ev.kind, PEV_SYSCALL);
	}
	clock_gettime(CLOCK_MONOTONIC, &t1);
	double ns = ((t1.tv_sec - t0.tv_sec) * 1e9 + (t1.tv_nsec - t0.tv_nsec)) / N;
	fprintf(stderr, "ptrace platform: %.0f ns per PEV_SYSCALL round trip\n", ns);
	P->ctx_release(ctx);
}

static void *adopt_and_run(void *arg)
{
	struct platform_ctx *ctx = arg;
	cr_assert_eq(P->ctx_adopt(ctx), 0);
	cr_assert_eq(P->ctx_adopt(ctx), 0);    /* no-op */
	expect_getpid(ctx, CODE);
	/* Code mapped through another ctx of the same space is visible here. */
	expect_getpid(ctx, CODE + PAGE);
	cr_assert_eq(P->ctx_disown(ctx), 0);
	return NULL;
}

Test(platform_ptrace, thread_on_other_pthread)
{
	struct platform_as *as;
	struct platform_ctx *ctx, *thr;
	new_space(&as, &ctx);
	cr_assert_eq(P->ctx_new(ctx, &thr), 0);
	cr_assert_eq(P->ctx_as(thr), as);
	put_code(PAGE, getpid_then_fault, sizeof(getpid_then_fault));
	cr_assert_eq(P->map(ctx, CODE + PAGE, PAGE, PROT_READ | PROT_EXEC, PAGE), 0);

	pthread_t pt;
	cr_assert_eq(pthread_create(&pt, NULL, adopt_and_run, thr), 0);
	pthread_join(pt, NULL);

	/* Disowned by the other pthread: ours now. The first ctx still runs. */
	expect_getpid(thr, CODE);
	expect_getpid(ctx, CODE);
	P->ctx_release(thr);
	expect_getpid(ctx, CODE + PAGE);
	P->ctx_release(ctx);
}

static void *owner_busy(void *arg)
{
	struct platform_ctx *ctx = arg;
	cr_assert_eq(P->ctx_adopt(ctx), -EBUSY);
	return NULL;
}

Test(platform_ptrace, owned_ctx_is_not_stolen)
{
	struct platform_as *as;
	struct platform_ctx *ctx;
	new_space(&as, &ctx);
	expect_getpid(ctx, CODE);
	pthread_t pt;
	cr_assert_eq(pthread_create(&pt, NULL, owner_busy, ctx), 0);
	pthread_join(pt, NULL);
	P->ctx_release(ctx);
}

static void *interrupter(void *arg)
{
	usleep(50 * 1000);
	P->ctx_interrupt(arg);
	return NULL;
}

Test(platform_ptrace, interrupt_spinning_guest)
{
	struct platform_as *as;
	struct platform_ctx *ctx;
	new_space(&as, &ctx);
	static const uint8_t spin[] = { 0xeb, 0xfe };   /* jmp . */
	put_code(PAGE, spin, sizeof(spin));
	cr_assert_eq(P->map(ctx, CODE + PAGE, PAGE, PROT_READ | PROT_EXEC, PAGE), 0);

	pthread_t pt;
	cr_assert_eq(pthread_create(&pt, NULL, interrupter, ctx), 0);
	struct arch_regs r = at(CODE + PAGE);
	struct platform_event ev;
	cr_assert_eq(P->switch_to(ctx, &r, &ev), 0);
	pthread_join(pt, NULL);
	cr_assert_eq(ev.kind, PEV_INTERRUPT);
	cr_assert_eq(r.gp.rip, CODE + PAGE);

	/* The SIGSTOP was swallowed: the guest runs on normally. */
	expect_getpid(ctx, CODE);

	/* An interrupt of a stopped ctx shows up at the next switch... */
	P->ctx_interrupt(ctx);
	r = at(CODE);
	cr_assert_eq(P->switch_to(ctx, &r, &ev), 0);
	cr_assert_eq(ev.kind, PEV_INTERRUPT);
	/* ...even when an injection swallowed it first. */
	P->ctx_interrupt(ctx);
	cr_assert_eq(P->protect(ctx, CODE, PAGE, PROT_READ | PROT_EXEC), 0);
	r = at(CODE);
	cr_assert_eq(P->switch_to(ctx, &r, &ev), 0);
	cr_assert_eq(ev.kind, PEV_INTERRUPT);
	expect_getpid(ctx, CODE);
	P->ctx_release(ctx);
}

Test(platform_ptrace, fpstate_round_trip)
{
	struct platform_as *as;
	struct platform_ctx *ctx;
	new_space(&as, &ctx);
	/* movq %xmm0,%rdi; syscall */
	static const uint8_t code[] = { 0x66, 0x48, 0x0f, 0x7e, 0xc7, 0x0f, 0x05 };
	put_code(PAGE, code, sizeof(code));
	cr_assert_eq(P->map(ctx, CODE + PAGE, PAGE, PROT_READ | PROT_EXEC, PAGE), 0);

	struct arch_fpstate fp, fp2;
	arch_fpstate_init(&fp);
	arch_fpstate_init(&fp2);
	cr_assert_eq((uintptr_t)fp.buf % 64, 0);
	cr_assert_gt(arch_fpstate_size(), 512);
	cr_assert_eq(arch_xsave_features() & 3, 3);
	cr_assert_eq(P->set_fpstate(ctx, &fp), 0, "initial image rejected");

	cr_assert_eq(P->get_fpstate(ctx, &fp), 0);
	cr_assert(fp.valid);
	uint64_t pattern = 0x1122334455667788ULL;
	memcpy(fp.buf + 160, &pattern, sizeof(pattern));   /* xmm0 */
	cr_assert_eq(P->set_fpstate(ctx, &fp), 0);
	cr_assert_eq(P->get_fpstate(ctx, &fp2), 0);
	cr_assert_eq(memcmp(fp.buf + 160, fp2.buf + 160, 16), 0);

	struct arch_regs r = at(CODE + PAGE);
	struct platform_event ev;
	cr_assert_eq(P->switch_to(ctx, &r, &ev), 0);
	cr_assert_eq(ev.kind, PEV_SYSCALL);
	cr_assert_eq(r.gp.rdi, pattern);
	arch_fpstate_free(&fp);
	arch_fpstate_free(&fp2);
	cr_assert_null(fp.buf);
	P->ctx_release(ctx);
}

Test(platform_ptrace, fork_gives_empty_space)
{
	struct platform_as *as, *as2;
	struct platform_ctx *ctx, *child;
	new_space(&as, &ctx);
	expect_getpid(ctx, CODE);
	cr_assert_eq(P->as_new(ctx, &as2, &child), 0);
	cr_assert_neq(as2, as);

	struct arch_regs r = at(CODE);
	struct platform_event ev;
	cr_assert_eq(P->switch_to(child, &r, &ev), 0);
	cr_assert_eq(ev.kind, PEV_FAULT);
	cr_assert_eq(ev.signo, SIGSEGV);
	cr_assert_eq(ev.addr, CODE);
	cr_assert_eq(ev.access, PROT_EXEC);

	/* Both spaces work independently. */
	cr_assert_eq(P->map(child, CODE, PAGE, PROT_READ | PROT_EXEC, 0), 0);
	expect_getpid(child, CODE);
	cr_assert_eq(P->unmap(ctx, CODE, PAGE), 0);
	r = at(CODE);
	cr_assert_eq(P->switch_to(ctx, &r, &ev), 0);
	cr_assert_eq(ev.kind, PEV_FAULT);
	expect_getpid(child, CODE);
	P->ctx_release(ctx);
	expect_getpid(child, CODE);
	P->ctx_release(child);
}

Test(platform_ptrace, other_traps_and_bad_requests)
{
	struct platform_as *as;
	struct platform_ctx *ctx;
	new_space(&as, &ctx);
	/* int3; int $0x80 */
	static const uint8_t code[] = { 0xcc, 0xcd, 0x80 };
	put_code(PAGE, code, sizeof(code));
	cr_assert_eq(P->map(ctx, CODE + PAGE, PAGE, PROT_READ | PROT_EXEC, PAGE), 0);

	struct arch_regs r = at(CODE + PAGE);
	struct platform_event ev;
	cr_assert_eq(P->switch_to(ctx, &r, &ev), 0);
	cr_assert_eq(ev.kind, PEV_FAULT);
	cr_assert_eq(ev.signo, SIGTRAP);
	cr_assert_eq(r.gp.rip, CODE + PAGE + 1);

	cr_assert_eq(P->switch_to(ctx, &r, &ev), 0);
	cr_assert_eq(ev.kind, PEV_FAULT, "int $0x80 must not be a syscall");
	cr_assert_eq(ev.signo, SIGSEGV);
	cr_assert_eq(r.gp.rip, CODE + PAGE + 1);

	/* Nothing may be mapped over the stub. */
	cr_assert_eq(P->map(ctx, STUB_BASE, PAGE, PROT_READ, 0), -EINVAL);
	cr_assert_eq(P->unmap(ctx, STUB_BASE - PAGE, 2 * PAGE), -EINVAL);
	cr_assert_eq(P->protect(ctx, CODE, PAGE, 0x100), -EINVAL);
	cr_assert_eq(P->map(ctx, CODE + 1, PAGE, PROT_READ, 0), -EINVAL);  /* host EINVAL */

	/* A guest writing to read-only code faults with SEGV_ACCERR. */
	static const uint8_t store[] = { 0x48, 0x89, 0x04, 0x25, 0x00, 0x00, 0x40, 0x00 }; /* mov %rax,0x400000 */
	put_code(2 * PAGE, store, sizeof(store));
	cr_assert_eq(P->map(ctx, CODE + 2 * PAGE, PAGE, PROT_READ | PROT_EXEC, 2 * PAGE), 0);
	r = at(CODE + 2 * PAGE);
	cr_assert_eq(P->switch_to(ctx, &r, &ev), 0);
	cr_assert_eq(ev.kind, PEV_FAULT);
	cr_assert_eq(ev.si_code, SEGV_ACCERR);
	cr_assert_eq(ev.addr, CODE);
	P->ctx_release(ctx);
}

Test(platform_ptrace, killed_host_thread_is_dead)
{
	struct platform_as *as;
	struct platform_ctx *ctx, *thr;
	new_space(&as, &ctx);
	cr_assert_eq(P->ctx_new(ctx, &thr), 0);
	expect_getpid(thr, CODE);
	P->ctx_release(ctx);    /* the space lives on with its other thread */
	expect_getpid(thr, CODE);

	kill(thr->tid, SIGKILL);   /* e.g. the host OOM killer */
	struct arch_regs r = at(CODE);
	struct platform_event ev;
	cr_assert_eq(P->switch_to(thr, &r, &ev), 0);
	cr_assert_eq(ev.kind, PEV_DEAD);
	cr_assert_eq(P->ctx_adopt(thr), -ESRCH);
	P->ctx_release(thr);
}
