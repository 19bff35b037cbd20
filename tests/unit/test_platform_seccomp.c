/* The seccomp platform against real stub processes. */
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
#include "platform/seccomp/seccomp_impl.h"   /* ctx->tid, stub labels */

static const struct platform_ops *P = &platform_seccomp;
#include "platform_harness.h"

TestSuite(platform_seccomp, .init = platform_test_setup);

/* Code at file page `page`, mapped r-x at CODE + page * PAGE. */
static uint64_t code_page(struct platform_ctx *ctx, int page, const void *code, size_t len)
{
	put_code((uint64_t)page * PAGE, code, len);
	cr_assert_eq(P->map(ctx, CODE + (uint64_t)page * PAGE, PAGE, PROT_READ | PROT_EXEC,
			    (uint64_t)page * PAGE), 0);
	return CODE + (uint64_t)page * PAGE;
}

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

Test(platform_seccomp, lookup)
{
	cr_assert_eq(platform_lookup("seccomp"), &platform_seccomp);
	cr_assert_eq(platform_lookup("ptrace"), &platform_ptrace);
}

Test(platform_seccomp, syscall_then_fault)
{
	struct platform_as *as;
	struct platform_ctx *ctx;
	new_space(&as, &ctx);

	struct arch_regs r = at(CODE);
	r.gp.rbx = 0x1111;
	r.gp.r15 = 0x2222;
	struct platform_event ev;
	cr_assert_eq(P->switch_to(ctx, &r, &ev), 0);
	cr_assert_eq(ev.kind, PEV_SYSCALL);
	cr_assert_eq(r.gp.orig_rax, 39);
	cr_assert_eq(r.gp.rip, CODE + 7);
	cr_assert_eq(r.gp.rcx, CODE + 7);
	cr_assert_eq(r.gp.rbx, 0x1111);
	cr_assert_eq(r.gp.r15, 0x2222);
	cr_assert_eq(r.gp.cs, 0x33);

	r.gp.rax = 1234;   /* the "result" */
	cr_assert_eq(P->switch_to(ctx, &r, &ev), 0);
	cr_assert_eq(ev.kind, PEV_FAULT);
	cr_assert_eq(ev.signo, SIGSEGV);
	cr_assert_eq(ev.si_code, SEGV_MAPERR);
	cr_assert_eq(ev.addr, 0);
	cr_assert_eq(ev.access, PROT_READ);
	cr_assert_eq(r.gp.rip, CODE + 7);
	cr_assert_eq(r.gp.rax, 1234);

	/* Suppressed, not delivered: the same fault again. */
	cr_assert_eq(P->switch_to(ctx, &r, &ev), 0);
	cr_assert_eq(ev.kind, PEV_FAULT);
	P->ctx_release(ctx);
}

Test(platform_seccomp, fault_access_types)
{
	struct platform_as *as;
	struct platform_ctx *ctx;
	new_space(&as, &ctx);
	/* mov %rax,0x400000 (a write to r-x code) */
	static const uint8_t store[] = { 0x48, 0x89, 0x04, 0x25, 0x00, 0x00, 0x40, 0x00 };
	uint64_t st = code_page(ctx, 1, store, sizeof(store));
	struct arch_regs r = at(st);
	struct platform_event ev;
	cr_assert_eq(P->switch_to(ctx, &r, &ev), 0);
	cr_assert_eq(ev.kind, PEV_FAULT);
	cr_assert_eq(ev.si_code, SEGV_ACCERR);
	cr_assert_eq(ev.addr, CODE);
	cr_assert_eq(ev.access, PROT_WRITE);

	/* Jump to unmapped memory: an instruction fetch. */
	r = at(CODE + 8 * PAGE);
	cr_assert_eq(P->switch_to(ctx, &r, &ev), 0);
	cr_assert_eq(ev.kind, PEV_FAULT);
	cr_assert_eq(ev.addr, CODE + 8 * PAGE);
	cr_assert_eq(ev.access, PROT_EXEC);
	P->ctx_release(ctx);
}

Test(platform_seccomp, syscall_round_trip_cost)
{
	struct platform_as *as;
	struct platform_ctx *ctx;
	new_space(&as, &ctx);
	static const uint8_t loop[] = { 0x0f, 0x05, 0xeb, 0xfc };   /* 1: syscall; jmp 1b */
	struct arch_regs r = at(code_page(ctx, 1, loop, sizeof(loop)));
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
	fprintf(stderr, "seccomp platform: %.0f ns per PEV_SYSCALL round trip\n", ns);
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

Test(platform_seccomp, thread_on_other_pthread)
{
	struct platform_as *as;
	struct platform_ctx *ctx, *thr;
	new_space(&as, &ctx);
	cr_assert_eq(P->ctx_new(ctx, &thr), 0);
	cr_assert_eq(P->ctx_as(thr), as);
	code_page(ctx, 1, getpid_then_fault, sizeof(getpid_then_fault));

	pthread_t pt;
	cr_assert_eq(pthread_create(&pt, NULL, adopt_and_run, thr), 0);
	pthread_join(pt, NULL);

	expect_getpid(thr, CODE);
	expect_getpid(ctx, CODE);
	P->ctx_release(thr);
	expect_getpid(ctx, CODE + PAGE);
	/* The released thread's slot is reused by the next one. */
	cr_assert_eq(P->ctx_new(ctx, &thr), 0);
	expect_getpid(thr, CODE + PAGE);
	P->ctx_release(thr);
	P->ctx_release(ctx);
}

Test(platform_seccomp, many_threads)
{
	struct platform_as *as;
	struct platform_ctx *ctx, *thr[16];
	new_space(&as, &ctx);
	for (int i = 0; i < 16; i++)
		cr_assert_eq(P->ctx_new(ctx, &thr[i]), 0);
	for (int i = 0; i < 16; i++)
		expect_getpid(thr[i], CODE);
	for (int i = 0; i < 16; i++)
		P->ctx_release(thr[i]);
	expect_getpid(ctx, CODE);
	P->ctx_release(ctx);
}

static void *owner_busy(void *arg)
{
	cr_assert_eq(P->ctx_adopt(arg), -EBUSY);
	return NULL;
}

Test(platform_seccomp, owned_ctx_is_not_stolen)
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

Test(platform_seccomp, interrupt_spinning_guest)
{
	struct platform_as *as;
	struct platform_ctx *ctx;
	new_space(&as, &ctx);
	static const uint8_t spin[] = { 0xeb, 0xfe };   /* jmp . */
	uint64_t s = code_page(ctx, 1, spin, sizeof(spin));

	pthread_t pt;
	cr_assert_eq(pthread_create(&pt, NULL, interrupter, ctx), 0);
	struct arch_regs r = at(s);
	struct platform_event ev;
	cr_assert_eq(P->switch_to(ctx, &r, &ev), 0);
	pthread_join(pt, NULL);
	cr_assert_eq(ev.kind, PEV_INTERRUPT);
	cr_assert_eq(r.gp.rip, s);

	expect_getpid(ctx, CODE);

	/* An interrupt of a stopped ctx shows up at the next switch. */
	P->ctx_interrupt(ctx);
	r = at(CODE);
	cr_assert_eq(P->switch_to(ctx, &r, &ev), 0);
	cr_assert_eq(ev.kind, PEV_INTERRUPT);
	cr_assert_eq(P->protect(ctx, CODE, PAGE, PROT_READ | PROT_EXEC), 0);
	expect_getpid(ctx, CODE);
	P->ctx_release(ctx);
}

Test(platform_seccomp, fpstate_round_trip)
{
	struct platform_as *as;
	struct platform_ctx *ctx;
	new_space(&as, &ctx);
	/* movq %xmm0,%rdi; syscall; movq %rdi,%xmm0; syscall */
	static const uint8_t code[] = { 0x66, 0x48, 0x0f, 0x7e, 0xc7, 0x0f, 0x05,
					0x66, 0x48, 0x0f, 0x6e, 0xc7, 0x0f, 0x05 };
	uint64_t c = code_page(ctx, 1, code, sizeof(code));

	struct arch_fpstate fp, fp2;
	arch_fpstate_init(&fp);
	arch_fpstate_init(&fp2);
	cr_assert_eq(P->set_fpstate(ctx, &fp), 0, "initial image rejected");
	cr_assert_eq(P->get_fpstate(ctx, &fp), 0);
	cr_assert(fp.valid);
	uint64_t pattern = 0x1122334455667788ULL;
	memcpy(fp.buf + 160, &pattern, sizeof(pattern));   /* xmm0 */
	cr_assert_eq(P->set_fpstate(ctx, &fp), 0);
	cr_assert_eq(P->get_fpstate(ctx, &fp2), 0);
	cr_assert_eq(memcmp(fp.buf + 160, fp2.buf + 160, 16), 0);

	struct arch_regs r = at(c);
	struct platform_event ev;
	cr_assert_eq(P->switch_to(ctx, &r, &ev), 0);
	cr_assert_eq(ev.kind, PEV_SYSCALL);
	cr_assert_eq(r.gp.rdi, pattern);

	/* The guest's own change is seen by get_fpstate. */
	r.gp.rdi = 0xabcdef;
	cr_assert_eq(P->switch_to(ctx, &r, &ev), 0);
	cr_assert_eq(ev.kind, PEV_SYSCALL);
	cr_assert_eq(P->get_fpstate(ctx, &fp2), 0);
	uint64_t got;
	memcpy(&got, fp2.buf + 160, sizeof(got));
	cr_assert_eq(got, 0xabcdef);

	/* XRSTOR would fault on this: refused, not passed to sigreturn. */
	uint32_t bad = 0xffffffff;
	memcpy(fp.buf + 24, &bad, sizeof(bad));   /* MXCSR */
	cr_assert_eq(P->set_fpstate(ctx, &fp), -EINVAL);
	arch_fpstate_free(&fp);
	arch_fpstate_free(&fp2);
	P->ctx_release(ctx);
}

Test(platform_seccomp, fs_base_round_trip)
{
	struct platform_as *as;
	struct platform_ctx *ctx;
	new_space(&as, &ctx);
	/* mov %fs:0,%rdi; syscall */
	static const uint8_t code[] = { 0x64, 0x48, 0x8b, 0x3c, 0x25, 0, 0, 0, 0, 0x0f, 0x05 };
	uint64_t c = code_page(ctx, 1, code, sizeof(code));
	struct arch_regs r = at(c);
	r.gp.fs_base = CODE;
	struct platform_event ev;
	cr_assert_eq(P->switch_to(ctx, &r, &ev), 0);
	cr_assert_eq(ev.kind, PEV_SYSCALL);
	uint64_t want;
	memcpy(&want, getpid_then_fault, sizeof(want));
	cr_assert_eq(r.gp.rdi, want);
	cr_assert_eq(r.gp.fs_base, CODE);
	r.gp.fs_base = 1ULL << 60;   /* non-canonical */
	cr_assert_eq(P->switch_to(ctx, &r, &ev), -EIO);
	P->ctx_release(ctx);
}

Test(platform_seccomp, fork_gives_empty_space)
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

	cr_assert_eq(P->map(child, CODE, PAGE, PROT_READ | PROT_EXEC, 0), 0);
	expect_getpid(child, CODE);
	cr_assert_eq(P->unmap(ctx, CODE, PAGE), 0);
	r = at(CODE);
	cr_assert_eq(P->switch_to(ctx, &r, &ev), 0);
	cr_assert_eq(ev.kind, PEV_FAULT);
	expect_getpid(child, CODE);
	P->ctx_release(ctx);
	expect_getpid(child, CODE);
	/* A thread of the child space, and a grandchild space. */
	struct platform_as *as3;
	struct platform_ctx *thr, *grand;
	cr_assert_eq(P->ctx_new(child, &thr), 0);
	expect_getpid(thr, CODE);
	cr_assert_eq(P->as_new(thr, &as3, &grand), 0);
	r = at(CODE);
	cr_assert_eq(P->switch_to(grand, &r, &ev), 0);
	cr_assert_eq(ev.kind, PEV_FAULT);
	P->ctx_release(grand);
	P->ctx_release(thr);
	P->ctx_release(child);
}

Test(platform_seccomp, other_traps_and_bad_requests)
{
	struct platform_as *as;
	struct platform_ctx *ctx;
	new_space(&as, &ctx);
	/* int3; int $0x80 */
	static const uint8_t code[] = { 0xcc, 0xcd, 0x80 };
	uint64_t c = code_page(ctx, 1, code, sizeof(code));

	struct arch_regs r = at(c);
	struct platform_event ev;
	cr_assert_eq(P->switch_to(ctx, &r, &ev), 0);
	cr_assert_eq(ev.kind, PEV_FAULT);
	cr_assert_eq(ev.signo, SIGTRAP);
	cr_assert_eq(r.gp.rip, c + 1);

	r.gp.rax = 20;   /* a valid i386 syscall number */
	cr_assert_eq(P->switch_to(ctx, &r, &ev), 0);
	cr_assert_eq(ev.kind, PEV_FAULT, "int $0x80 must not be a syscall");
	cr_assert_eq(ev.signo, SIGSEGV);
	cr_assert_eq(r.gp.rip, c + 1);

	cr_assert_eq(P->map(ctx, STUB_BASE, PAGE, PROT_READ, 0), -EINVAL);
	cr_assert_eq(P->unmap(ctx, STUB_BASE - PAGE, 2 * PAGE), -EINVAL);
	cr_assert_eq(P->protect(ctx, CODE, PAGE, 0x100), -EINVAL);
	cr_assert_eq(P->map(ctx, CODE + 1, PAGE, PROT_READ, 0), -EINVAL);  /* host EINVAL */
	expect_getpid(ctx, CODE);
	P->ctx_release(ctx);
}

/* The address of the `syscall` in sc_stub_restorer (mov $15,%eax; syscall). */
#define STUB_SYSCALL (SC_STUB_ADDR(sc_stub_restorer) + 5)

Test(platform_seccomp, guest_in_stub_text)
{
	struct platform_as *as;
	struct platform_ctx *ctx;
	new_space(&as, &ctx);
	/* mprotect of the stub text from the stub text: allowed by the
	 * filter, refused by the seal; then the ud2 after it. */
	struct arch_regs r = at(STUB_SYSCALL);
	r.gp.rax = 10;
	r.gp.rdi = STUB_BASE;
	r.gp.rsi = PAGE;
	r.gp.rdx = PROT_READ | PROT_WRITE | PROT_EXEC;
	struct platform_event ev;
	cr_assert_eq(P->switch_to(ctx, &r, &ev), 0);
	cr_assert_eq(ev.kind, PEV_FAULT);
	cr_assert_eq(ev.signo, SIGILL);
	cr_assert_eq(r.gp.rax, (uint64_t)-EPERM);
	expect_getpid(ctx, CODE);

	/* Any other syscall from the stub text kills the stub. */
	r = at(STUB_SYSCALL);
	r.gp.rax = 39;
	cr_assert_eq(P->switch_to(ctx, &r, &ev), 0);
	cr_assert_eq(ev.kind, PEV_DEAD);
	P->ctx_release(ctx);
}

/* A guest rt_sigreturns from the stub text with a frame blocking every
 * signal, then spins: ctx_interrupt cannot reach it, so it is killed. */
Test(platform_seccomp, guest_blocking_interrupts_is_killed)
{
	struct platform_as *as;
	struct platform_ctx *ctx;
	new_space(&as, &ctx);
	static const uint8_t spin[] = { 0xeb, 0xfe };
	uint64_t s = code_page(ctx, 1, spin, sizeof(spin));
	uint8_t uc[512];
	memset(uc, 0, sizeof(uc));
	uint64_t flags = 6, all = ~0ULL, sp = CODE + 3 * PAGE - 64;
	uint16_t cs = 0x33, ss = 0x2b;
	memcpy(uc, &flags, 8);
	memcpy(uc + 160, &sp, 8);      /* mc.rsp */
	memcpy(uc + 168, &s, 8);       /* mc.rip */
	memcpy(uc + 184, &cs, 2);
	memcpy(uc + 190, &ss, 2);
	memcpy(uc + 296, &all, 8);     /* uc_sigmask */
	put_code(2 * PAGE, uc, sizeof(uc));
	cr_assert_eq(P->map(ctx, CODE + 2 * PAGE, PAGE, PROT_READ | PROT_WRITE, 2 * PAGE), 0);

	pthread_t pt;
	cr_assert_eq(pthread_create(&pt, NULL, interrupter, ctx), 0);
	struct arch_regs r = at(STUB_SYSCALL);
	r.gp.rax = 15;
	r.gp.rsp = CODE + 2 * PAGE;
	struct platform_event ev;
	cr_assert_eq(P->switch_to(ctx, &r, &ev), 0);
	pthread_join(pt, NULL);
	cr_assert_eq(ev.kind, PEV_DEAD);
	P->ctx_release(ctx);
}

static void *forger(void *arg)
{
	struct platform_ctx *ctx = arg;
	usleep(50 * 1000);
	/* What the guest could write into its own control page while running. */
	ctx->ctl->uctx = 0x1234;
	atomic_store(&ctx->ctl->state, SC_ST_EVENT);
	return NULL;
}

Test(platform_seccomp, forged_control_page_kills_only_the_guest)
{
	struct platform_as *as;
	struct platform_ctx *ctx;
	new_space(&as, &ctx);
	static const uint8_t spin[] = { 0xeb, 0xfe };
	uint64_t s = code_page(ctx, 1, spin, sizeof(spin));
	pthread_t pt;
	cr_assert_eq(pthread_create(&pt, NULL, forger, ctx), 0);
	struct arch_regs r = at(s);
	struct platform_event ev;
	cr_assert_eq(P->switch_to(ctx, &r, &ev), 0);
	pthread_join(pt, NULL);
	cr_assert_eq(ev.kind, PEV_DEAD);
	P->ctx_release(ctx);
}

Test(platform_seccomp, killed_host_thread_is_dead)
{
	struct platform_as *as;
	struct platform_ctx *ctx, *thr;
	new_space(&as, &ctx);
	cr_assert_eq(P->ctx_new(ctx, &thr), 0);
	expect_getpid(thr, CODE);
	P->ctx_release(ctx);
	expect_getpid(thr, CODE);

	kill(thr->tid, SIGKILL);
	struct arch_regs r = at(CODE);
	struct platform_event ev;
	cr_assert_eq(P->switch_to(thr, &r, &ev), 0);
	cr_assert_eq(ev.kind, PEV_DEAD);
	cr_assert_eq(P->ctx_adopt(thr), -ESRCH);
	P->ctx_release(thr);
}
