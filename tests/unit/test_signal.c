/* Signals and futexes: frames, rt_sigreturn, restart rules, queueing,
 * default actions, sigaltstack, kill permissions, futex wait/wake. */
#include <criterion/criterion.h>
#include <errno.h>
#include <pthread.h>
#include <string.h>
#include <unistd.h>
#include <sys/mman.h>
#include "sentry/kernel.h"
#include "sentry/signal.h"
#include "sentry/futex.h"
#include "sentry/kernel/sig_internal.h"
#include "syscalls/syscall.h"
#include "fake_signal_deps.h"

#define STACK_BASE 0x7000000ULL
#define STACK_LEN  0x10000ULL
#define HANDLER    0x401000ULL
#define RESTORER   0x401800ULL

/* rt_sigframe offsets (x86-64 Linux). */
#define UC_OFF      8
#define MCTX_OFF    (UC_OFF + 40)
#define SC(i)       (MCTX_OFF + 8 * (i))       /* r8=0 ... eflags=17 */
#define SC_RAX      SC(13)
#define SC_RSP      SC(15)
#define SC_RIP      SC(16)
#define SC_EFLAGS   SC(17)
#define SC_OLDMASK  (MCTX_OFF + 168)
#define SC_FPSTATE  (MCTX_OFF + 184)
#define UC_SIGMASK  (UC_OFF + 296)
#define INFO_OFF    (UC_OFF + 304)

static struct mm *mm;
static struct thread_group *tg;
static struct task *t;

static void setup(void)
{
	fake_reset();
	mm = fake_mm_new();
	fake_map(mm, STACK_BASE, STACK_LEN, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, NULL);
	tg = fake_tg_new(100, NULL);
	t = fake_task_new(tg, 100, mm);
	t->cred.uid = t->cred.euid = t->cred.suid = 1000;
	current = t;
}

static uint64_t rd64(uint64_t addr)
{
	uint64_t v = 0;
	cr_assert_eq(copy_from_user(mm, &v, addr, 8), 0);
	return v;
}

static uint32_t rd32(uint64_t addr)
{
	uint32_t v = 0;
	cr_assert_eq(copy_from_user(mm, &v, addr, 4), 0);
	return v;
}

static void set_handler(int sig, uint64_t flags, ksigset_t mask)
{
	struct k_sigaction ka = { .handler = HANDLER, .flags = flags | KSA_RESTORER,
				  .restorer = RESTORER, .mask = mask };
	cr_assert_eq(signal_do_sigaction(t, sig, &ka, NULL), 0);
}

static void send_tkill(struct task *to, int sig, int code, uint64_t value)
{
	struct ksiginfo info;
	fill_user_info(&info, t, sig, code);
	info.u.kill.value = value;
	cr_assert_eq(send_signal_thread(to, &info), 0);
}

static void set_regs(void)
{
	struct user_regs_struct *r = &t->regs.gp;
	r->r8 = 8; r->r9 = 9; r->r10 = 10; r->r11 = 11; r->r12 = 12; r->r13 = 13;
	r->r14 = 14; r->r15 = 15; r->rdi = 0xd1; r->rsi = 0x51; r->rbp = 0xbb;
	r->rbx = 0xb0; r->rdx = 0xdd; r->rax = 0xaa; r->rcx = 0xcc;
	r->rsp = STACK_BASE + STACK_LEN - 0x100 - 8;   /* deliberately misaligned */
	r->rip = 0x402345;
	r->eflags = 0x246 | 0x400 | 0x100;             /* DF and TF set */
	r->orig_rax = (uint64_t)-1;
}

Test(signal, frame_and_sigreturn_roundtrip, .init = setup)
{
	set_regs();
	struct user_regs_struct before = t->regs.gp;
	t->blocked = KSIG_BIT(SIGUSR2);
	set_handler(SIGUSR1, KSA_SIGINFO, KSIG_BIT(SIGINT));
	send_tkill(t, SIGUSR1, KSI_TKILL, 0);
	signal_deliver(t, false);

	struct user_regs_struct *r = &t->regs.gp;
	uint64_t frame = r->rsp;
	cr_assert_eq(r->rip, HANDLER);
	cr_assert_eq((r->rsp + 8) % 16, 0, "rsp+8 must be 16-aligned at entry");
	cr_assert_lt(frame, before.rsp - 128, "red zone skipped");
	cr_assert_eq(r->rdi, SIGUSR1);
	cr_assert_eq(r->rsi, frame + INFO_OFF);
	cr_assert_eq(r->rdx, frame + UC_OFF);
	cr_assert_eq(r->rax, 0);
	cr_assert_eq(r->eflags & 0x10500, 0, "DF/TF/RF cleared");
	cr_assert_eq(t->blocked, KSIG_BIT(SIGUSR2) | KSIG_BIT(SIGUSR1) | KSIG_BIT(SIGINT));

	cr_assert_eq(rd64(frame), RESTORER);
	cr_assert_eq(rd64(frame + UC_OFF), 7, "UC_FP_XSTATE|UC_SIGCONTEXT_SS|UC_STRICT_RESTORE_SS");
	cr_assert_eq(rd64(frame + SC(0)), 8);
	cr_assert_eq(rd64(frame + SC(7)), 15);
	cr_assert_eq(rd64(frame + SC_RAX), 0xaa);
	cr_assert_eq(rd64(frame + SC_RSP), before.rsp);
	cr_assert_eq(rd64(frame + SC_RIP), before.rip);
	cr_assert_eq(rd64(frame + SC_OLDMASK), KSIG_BIT(SIGUSR2));
	cr_assert_eq(rd64(frame + UC_SIGMASK), KSIG_BIT(SIGUSR2));
	cr_assert_eq(rd32(frame + INFO_OFF), SIGUSR1);
	cr_assert_eq((int32_t)rd32(frame + INFO_OFF + 8), KSI_TKILL);
	cr_assert_eq(rd32(frame + INFO_OFF + 16), 100, "si_pid");

	uint64_t fp = rd64(frame + SC_FPSTATE);
	cr_assert_eq(fp % 64, 0);
	cr_assert_geq(fp, frame + 440);
	cr_assert_eq(rd32(fp + 464), 0x46505853U, "FP_XSTATE_MAGIC1");
	cr_assert_eq(rd32(fp + 468), FAKE_XSIZE + 4, "extended_size");
	cr_assert_eq(rd64(fp + 472), 7, "xfeatures");
	cr_assert_eq(rd32(fp + 480), FAKE_XSIZE, "xstate_size");
	cr_assert_eq(rd32(fp + FAKE_XSIZE), 0x46505845U, "FP_XSTATE_MAGIC2");
	cr_assert_eq(rd64(fp + 512), 7, "FP/SSE forced into XSTATE_BV");
	cr_assert_leq(fp + FAKE_XSIZE + 4, before.rsp - 128);
	cr_assert_eq(fake_plat.get_fp, 1);
	cr_assert_eq(fake_plat.set_fp, 1, "handler starts with init FPU state");

	/* The handler clobbers registers and returns through the restorer:
	 * `ret` popped pretcode, then syscall rt_sigreturn. */
	r->rsp = frame + 8;
	r->rax = 15; r->rbx = 0; r->r12 = 0; r->rip = RESTORER + 7;
	r->orig_rax = 15;
	uint64_t evil = 0xffffffffULL;   /* IOPL, VM, ... must not come back */
	cr_assert_eq(copy_to_user(mm, frame + SC_EFLAGS, &evil, 8), 0);
	uint16_t bad_cs = 0x23;
	cr_assert_eq(copy_to_user(mm, frame + MCTX_OFF + 144, &bad_cs, 2), 0);

	struct syscall_args a = { .nr = 15 };
	long ret = sys_rt_sigreturn(t, &a);
	cr_assert_eq(ret, 0xaa, "returns the interrupted rax");
	cr_assert_eq(r->rbx, before.rbx);
	cr_assert_eq(r->r12, before.r12);
	cr_assert_eq(r->rsp, before.rsp);
	cr_assert_eq(r->rip, before.rip);
	cr_assert_eq(r->rdi, before.rdi);
	cr_assert_eq(r->rcx, before.rcx);
	cr_assert_eq(r->r15, before.r15);
	cr_assert_eq(r->eflags & ~0x50dd5ULL, 0x202, "IF and bit 1 kept, IOPL etc. not taken");
	cr_assert_eq(r->eflags & 0x50dd5ULL, 0x50dd5ULL);
	cr_assert_eq(r->cs, 0x33);
	cr_assert_eq(r->ss, 0x2b);
	cr_assert_eq((int64_t)r->orig_rax, -1);
	cr_assert_eq(t->blocked, KSIG_BIT(SIGUSR2));
	cr_assert_eq(fake_plat.set_fp, 2);
	uint8_t want[FAKE_XSIZE];
	fake_fill_fp(want);
	uint64_t bv = 7;   /* as written to the frame */
	memcpy(want + 512, &bv, 8);
	cr_assert_eq(memcmp(fake_plat.last_set, want, 464), 0, "legacy area restored");
	cr_assert_eq(memcmp(fake_plat.last_set + 512, want + 512, FAKE_XSIZE - 512), 0,
		     "xsave header + AVX restored");
}

Test(signal, sigreturn_bad_frame_is_sigsegv, .init = setup)
{
	t->regs.gp.rsp = 0x1000;   /* unmapped */
	struct syscall_args a = { .nr = 15 };
	cr_assert_eq(sys_rt_sigreturn(t, &a), 0);
	cr_assert(t->pending.set & KSIG_BIT(SIGSEGV));
}

Test(signal, sigreturn_bad_magic_falls_back_to_fxsave, .init = setup)
{
	set_regs();
	set_handler(SIGUSR1, KSA_SIGINFO, 0);
	send_tkill(t, SIGUSR1, KSI_TKILL, 0);
	signal_deliver(t, false);
	uint64_t frame = t->regs.gp.rsp;
	uint64_t fp = rd64(frame + SC_FPSTATE);
	uint32_t zero = 0;
	cr_assert_eq(copy_to_user(mm, fp + 464, &zero, 4), 0);
	t->regs.gp.rsp = frame + 8;
	struct syscall_args a = { .nr = 15 };
	sys_rt_sigreturn(t, &a);
	cr_assert_eq(t->pending.set, 0, "no SIGSEGV: Linux restores FP/SSE only");
	uint64_t bv;
	memcpy(&bv, fake_plat.last_set + 512, 8);
	cr_assert_eq(bv, 3);
}

Test(signal, no_restorer_kills_with_sigsegv, .init = setup)
{
	set_regs();
	struct k_sigaction ka = { .handler = HANDLER, .flags = KSA_SIGINFO };
	signal_do_sigaction(t, SIGUSR1, &ka, NULL);
	send_tkill(t, SIGUSR1, KSI_TKILL, 0);
	jmp_buf jb;
	fake_exit_jmp = &jb;
	if (setjmp(jb) == 0) {
		signal_deliver(t, false);
		cr_assert_fail("must not return");
	}
	cr_assert_eq(fake_exit_status, SIGSEGV | 0x80);
}

/* ---- restart rules ---------------------------------------------------------- */

struct restart_case {
	long code;
	int handler;          /* 0 none, 1 handler, 2 handler with SA_RESTART */
	uint64_t rax;
	bool restarted;
};

Test(signal, restart_rules, .init = setup)
{
	const uint64_t NR = 7, EINTR_ = (uint64_t)-EINTR;
	const struct restart_case cases[] = {
		{ ERESTARTSYS, 0, NR, true },  { ERESTARTSYS, 1, EINTR_, false },
		{ ERESTARTSYS, 2, NR, true },
		{ ERESTARTNOINTR, 0, NR, true }, { ERESTARTNOINTR, 1, NR, true },
		{ ERESTARTNOINTR, 2, NR, true },
		{ ERESTARTNOHAND, 0, NR, true }, { ERESTARTNOHAND, 1, EINTR_, false },
		{ ERESTARTNOHAND, 2, EINTR_, false },
		{ ERESTART_RESTARTBLOCK, 0, 219, true }, { ERESTART_RESTARTBLOCK, 1, EINTR_, false },
		{ ERESTART_RESTARTBLOCK, 2, EINTR_, false },
	};
	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		const struct restart_case *c = &cases[i];
		set_regs();
		t->regs.gp.orig_rax = NR;
		t->regs.gp.rax = (uint64_t)-c->code;
		t->regs.gp.rip = 0x1000;
		t->blocked = 0;
		if (c->handler) {
			set_handler(SIGUSR1, c->handler == 2 ? KSA_RESTART : 0, 0);
			send_tkill(t, SIGUSR1, KSI_TKILL, 0);
		}
		signal_deliver(t, true);
		uint64_t rax = t->regs.gp.rax, rip = t->regs.gp.rip;
		if (c->handler) {
			cr_assert_eq(rip, HANDLER);
			rax = rd64(t->regs.gp.rsp + SC_RAX);
			rip = rd64(t->regs.gp.rsp + SC_RIP);
		}
		cr_assert_eq(rax, c->rax, "case %zu: rax %lx", i, (unsigned long)rax);
		cr_assert_eq(rip, c->restarted ? 0xffe : 0x1000, "case %zu: rip", i);
	}
}

Test(signal, no_restart_after_sigreturn, .init = setup)
{
	set_regs();
	t->regs.gp.rax = (uint64_t)-ERESTARTSYS;   /* a forged rax from a frame */
	t->regs.gp.orig_rax = (uint64_t)-1;
	t->regs.gp.rip = 0x1000;
	signal_deliver(t, true);
	cr_assert_eq(t->regs.gp.rip, 0x1000);
}

/* ---- queueing ------------------------------------------------------------- */

Test(signal, standard_signals_do_not_queue, .init = setup)
{
	t->blocked = KSIG_BIT(SIGUSR1);
	send_tkill(t, SIGUSR1, KSI_TKILL, 1);
	send_tkill(t, SIGUSR1, KSI_QUEUE, 2);
	struct ksiginfo info;
	cr_assert_eq(signal_dequeue(t, ~0ULL, &info), SIGUSR1);
	cr_assert_eq(info.si_code, KSI_TKILL, "first siginfo kept");
	cr_assert_eq(info.u.kill.value, 1);
	cr_assert_eq(signal_dequeue(t, ~0ULL, &info), 0);
}

Test(signal, rt_signals_queue_in_order, .init = setup)
{
	t->blocked = ~0ULL;
	send_tkill(t, 35, KSI_QUEUE, 1);
	send_tkill(t, 34, KSI_QUEUE, 2);
	send_tkill(t, 35, KSI_QUEUE, 3);
	send_tkill(t, 34, KSI_QUEUE, 4);
	send_tkill(t, SIGUSR2, KSI_TKILL, 5);
	send_tkill(t, SIGSEGV, KSI_TKILL, 6);
	int want_sig[] = { SIGSEGV, SIGUSR2, 34, 34, 35, 35 };
	uint64_t want_val[] = { 6, 5, 2, 4, 1, 3 };
	struct ksiginfo info;
	for (int i = 0; i < 6; i++) {
		cr_assert_eq(signal_dequeue(t, ~0ULL, &info), want_sig[i], "#%d", i);
		cr_assert_eq(info.u.kill.value, want_val[i], "#%d", i);
	}
	cr_assert_eq(signal_dequeue(t, ~0ULL, &info), 0);
	cr_assert_eq(t->pending.set, 0);
}

Test(signal, rt_queue_limit, .init = setup)
{
	t->blocked = ~0ULL;
	tg->rlimits[RLIMIT_SIGPENDING].rlim_cur = 2;
	send_tkill(t, 40, KSI_QUEUE, 1);
	send_tkill(t, 40, KSI_QUEUE, 2);
	struct ksiginfo info;
	fill_user_info(&info, t, 40, KSI_QUEUE);
	cr_assert_eq(send_signal_thread(t, &info), -EAGAIN);
	sigpending_flush(&t->pending);
	cr_assert_eq(send_signal_thread(t, &info), 0, "limit released by flush");
}

Test(signal, thread_pending_before_shared, .init = setup)
{
	t->blocked = ~0ULL;
	struct ksiginfo info;
	fill_user_info(&info, t, SIGINT, KSI_USER);
	send_signal_group(tg, &info);
	send_tkill(t, SIGTERM, KSI_TKILL, 0);
	cr_assert_eq(signal_dequeue(t, ~0ULL, &info), SIGTERM);
	cr_assert_eq(signal_dequeue(t, ~0ULL, &info), SIGINT);
}

Test(signal, ignored_signals_dropped_unless_blocked, .init = setup)
{
	send_tkill(t, SIGCHLD, KSI_TKILL, 0);
	send_tkill(t, SIGWINCH, KSI_TKILL, 0);
	cr_assert_eq(t->pending.set, 0);
	t->blocked = KSIG_BIT(SIGCHLD);
	send_tkill(t, SIGCHLD, KSI_TKILL, 0);
	cr_assert_eq(t->pending.set, KSIG_BIT(SIGCHLD));
	struct k_sigaction ign = { .handler = KSIG_IGN };
	signal_do_sigaction(t, SIGCHLD, &ign, NULL);
	cr_assert_eq(t->pending.set, 0, "SIG_IGN discards pending");
}

Test(signal, kill_and_stop_are_unchangeable, .init = setup)
{
	struct k_sigaction ka = { .handler = HANDLER }, old;
	cr_assert_eq(signal_do_sigaction(t, SIGKILL, &ka, NULL), -EINVAL);
	cr_assert_eq(signal_do_sigaction(t, SIGSTOP, &ka, NULL), -EINVAL);
	cr_assert_eq(signal_do_sigaction(t, SIGKILL, NULL, &old), 0);
	cr_assert_eq(signal_do_sigaction(t, 65, NULL, &old), -EINVAL);
	signal_set_blocked(t, ~0ULL);
	cr_assert_eq(t->blocked, ~0ULL & ~(KSIG_BIT(SIGKILL) | KSIG_BIT(SIGSTOP)));
}

Test(signal, stop_and_cont_cancel_each_other, .init = setup)
{
	t->blocked = ~0ULL;
	struct ksiginfo info;
	fill_user_info(&info, t, SIGTSTP, KSI_USER);
	send_signal_group(tg, &info);
	cr_assert(tg->shared_pending.set & KSIG_BIT(SIGTSTP));
	fill_user_info(&info, t, SIGCONT, KSI_USER);
	send_signal_group(tg, &info);
	cr_assert_eq(tg->shared_pending.set, KSIG_BIT(SIGCONT));
	fill_user_info(&info, t, SIGSTOP, KSI_USER);
	send_signal_group(tg, &info);
	cr_assert_eq(tg->shared_pending.set, KSIG_BIT(SIGSTOP));
}

Test(signal, fatal_signal_exits_group, .init = setup)
{
	struct task *t2 = fake_task_new(tg, 101, mm);
	struct ksiginfo info;
	fill_user_info(&info, t, SIGTERM, KSI_USER);
	cr_assert_eq(send_signal_group(tg, &info), 0);
	cr_assert(tg->group_exiting);
	cr_assert_eq(tg->group_exit_code, SIGTERM);
	cr_assert_geq(fake_plat.interrupts, 1, "other thread kicked out of the guest");
	jmp_buf jb;
	fake_exit_jmp = &jb;
	if (setjmp(jb) == 0) {
		signal_deliver(t2, false);
		cr_assert_fail("must not return");
	}
	cr_assert_eq(fake_exit_status, SIGTERM);
}

Test(signal, force_sig_fault_unblocks_and_resets, .init = setup)
{
	struct k_sigaction ign = { .handler = KSIG_IGN };
	signal_do_sigaction(t, SIGSEGV, &ign, NULL);
	t->blocked = KSIG_BIT(SIGSEGV);
	force_sig_fault(t, SIGSEGV, SEGV_MAPERR, 0xdead);
	cr_assert_eq(t->sighand->action[SIGSEGV].handler, KSIG_DFL);
	cr_assert_eq(t->blocked, 0);
	jmp_buf jb;
	fake_exit_jmp = &jb;
	if (setjmp(jb) == 0) {
		signal_deliver(t, false);
		cr_assert_fail("must not return");
	}
	cr_assert_eq(fake_exit_status, SIGSEGV | 0x80, "core-dump status");
}

Test(signal, fault_frame_has_cr2_and_trapno, .init = setup)
{
	set_regs();
	set_handler(SIGSEGV, KSA_SIGINFO, 0);
	force_sig_fault(t, SIGSEGV, SEGV_MAPERR, 0xdead0);
	signal_deliver(t, false);
	uint64_t frame = t->regs.gp.rsp;
	cr_assert_eq(rd64(frame + MCTX_OFF + 160), 14, "trapno");
	cr_assert_eq(rd64(frame + MCTX_OFF + 176), 0xdead0, "cr2");
	cr_assert_eq(rd64(frame + INFO_OFF + 16), 0xdead0, "si_addr");
}

Test(signal, init_ignores_default_signals_from_guest, .init = setup)
{
	struct thread_group *itg = fake_tg_new(1, NULL);
	struct task *init = fake_task_new(itg, 1, mm);
	cr_assert_eq(kill_pid(t, 1, SIGTERM), -EPERM, "other uid, no CAP_KILL");
	t->cred.cap_effective = 1ULL << 5;
	cr_assert_eq(kill_pid(t, 1, SIGTERM), 0);
	cr_assert_eq(kill_pid(t, 1, SIGKILL), 0);
	cr_assert_eq(itg->shared_pending.set, 0);
	cr_assert(!itg->group_exiting);
	current = init;
	set_handler(SIGTERM, 0, 0);
	current = t;
	init->sighand->action[SIGTERM] = t->sighand->action[SIGTERM];
	cr_assert_eq(kill_pid(t, 1, SIGTERM), 0);
	cr_assert_eq(itg->shared_pending.set, KSIG_BIT(SIGTERM));
	cr_assert_eq(kill_pid(NULL, 1, SIGKILL), 0, "from the host");
	cr_assert(itg->group_exiting);
}

Test(signal, kill_pid_errors, .init = setup)
{
	cr_assert_eq(kill_pid(t, 100, 0), 0, "existence check");
	cr_assert_eq(kill_pid(t, 4242, 0), -ESRCH);
	cr_assert_eq(kill_pid(t, 100, 99), -EINVAL);
	cr_assert_eq(kill_pid(t, -1, SIGUSR1), -ESRCH, "nobody but self and init");
	struct thread_group *other = fake_tg_new(200, NULL);
	struct task *o = fake_task_new(other, 200, mm);
	o->cred.uid = 1000;
	other->pgid = tg->pgid;
	t->blocked = 0;
	o->blocked = KSIG_BIT(SIGUSR1);
	cr_assert_eq(kill_pid(t, 0, SIGUSR1), 0, "own process group");
	cr_assert(other->shared_pending.set & KSIG_BIT(SIGUSR1));
}

Test(signal, sigsuspend_restores_mask, .init = setup)
{
	set_regs();
	t->blocked = KSIG_BIT(SIGUSR1) | KSIG_BIT(SIGUSR2);
	set_handler(SIGUSR1, 0, 0);
	send_tkill(t, SIGUSR1, KSI_TKILL, 0);
	ksigset_t m = KSIG_BIT(SIGUSR2);
	uint64_t um = STACK_BASE;
	copy_to_user(mm, um, &m, 8);
	struct syscall_args a = { .nr = 130, .a = { um, 8 } };
	long r = sys_rt_sigsuspend(t, &a);
	cr_assert_eq(r, -ERESTARTNOHAND);
	t->regs.gp.rax = (uint64_t)r;
	t->regs.gp.orig_rax = 130;
	signal_deliver(t, true);
	uint64_t frame = t->regs.gp.rsp;
	cr_assert_eq(rd64(frame + UC_SIGMASK), KSIG_BIT(SIGUSR1) | KSIG_BIT(SIGUSR2),
		     "frame holds the pre-sigsuspend mask");
	cr_assert_eq(rd64(frame + SC_RAX), (uint64_t)-EINTR);
	cr_assert(!t->restore_saved_mask);
}

Test(signal, sigprocmask_and_sigpending, .init = setup)
{
	uint64_t u = STACK_BASE;
	ksigset_t set = KSIG_BIT(SIGINT) | KSIG_BIT(SIGKILL);
	copy_to_user(mm, u, &set, 8);
	struct syscall_args a = { .nr = 14, .a = { SIG_BLOCK, u, u + 8, 8 } };
	cr_assert_eq(sys_rt_sigprocmask(t, &a), 0);
	cr_assert_eq(t->blocked, KSIG_BIT(SIGINT));
	a.a[0] = 7;
	cr_assert_eq(sys_rt_sigprocmask(t, &a), -EINVAL);
	a.a[0] = SIG_BLOCK;
	a.a[3] = 4;
	cr_assert_eq(sys_rt_sigprocmask(t, &a), -EINVAL);
	send_tkill(t, SIGINT, KSI_TKILL, 0);
	struct syscall_args p = { .nr = 127, .a = { u + 16, 8 } };
	cr_assert_eq(sys_rt_sigpending(t, &p), 0);
	cr_assert_eq(rd64(u + 16), KSIG_BIT(SIGINT));
}

Test(signal, sigtimedwait_takes_blocked_signal, .init = setup)
{
	uint64_t u = STACK_BASE;
	t->blocked = KSIG_BIT(SIGUSR1);
	ksigset_t set = KSIG_BIT(SIGUSR1);
	copy_to_user(mm, u, &set, 8);
	int64_t ts[2] = { 0, 0 };
	copy_to_user(mm, u + 8, ts, 16);
	struct syscall_args a = { .nr = 128, .a = { u, u + 32, u + 8, 8 } };
	cr_assert_eq(sys_rt_sigtimedwait(t, &a), -EAGAIN);
	send_tkill(t, SIGUSR1, KSI_TKILL, 0);
	cr_assert_eq(sys_rt_sigtimedwait(t, &a), SIGUSR1);
	cr_assert_eq(rd32(u + 32), SIGUSR1);
	ts[1] = 1000000;   /* 1 ms */
	copy_to_user(mm, u + 8, ts, 16);
	cr_assert_eq(sys_rt_sigtimedwait(t, &a), -EAGAIN);
	cr_assert_eq(t->blocked, KSIG_BIT(SIGUSR1));
}

Test(signal, sigaltstack_frames, .init = setup)
{
	uint64_t alt = STACK_BASE + 0x1000, u = STACK_BASE;
	struct kstack ss = { .ss_sp = alt, .ss_flags = 0, .ss_size = 1024 };
	copy_to_user(mm, u, &ss, sizeof(ss));
	struct syscall_args a = { .nr = 131, .a = { u, u + 32 } };
	t->regs.gp.rsp = STACK_BASE + STACK_LEN - 64;
	cr_assert_eq(sys_sigaltstack(t, &a), -ENOMEM);
	ss.ss_size = 0x4000;
	copy_to_user(mm, u, &ss, sizeof(ss));
	cr_assert_eq(sys_sigaltstack(t, &a), 0);
	cr_assert_eq((int32_t)rd32(u + 32 + 8), 2, "old: SS_DISABLE");

	set_regs();
	t->regs.gp.rsp = STACK_BASE + STACK_LEN - 64;
	set_handler(SIGUSR1, KSA_ONSTACK | KSA_SIGINFO, 0);
	send_tkill(t, SIGUSR1, KSI_TKILL, 0);
	signal_deliver(t, false);
	uint64_t frame = t->regs.gp.rsp;
	cr_assert(frame > alt && frame < alt + 0x4000, "frame on the alternate stack");
	cr_assert_eq(rd64(frame + UC_OFF + 16), alt, "uc_stack.ss_sp");
	cr_assert_eq(rd64(frame + UC_OFF + 32), 0x4000, "uc_stack.ss_size");

	/* Inside the handler: SS_ONSTACK reported, changes refused. */
	cr_assert_eq(sys_sigaltstack(t, &a), -EPERM);
	a.a[0] = 0;
	cr_assert_eq(sys_sigaltstack(t, &a), 0);
	cr_assert_eq((int32_t)rd32(u + 32 + 8), 1, "SS_ONSTACK");
}

Test(signal, notify_parent_stop_honours_nocldstop, .init = setup)
{
	struct thread_group *child = fake_tg_new(300, tg);
	fake_task_new(child, 300, mm);
	set_handler(SIGCHLD, KSA_SIGINFO, 0);
	t->blocked = KSIG_BIT(SIGCHLD);
	notify_parent(child, CLD_STOPPED, SIGTSTP);
	struct ksiginfo info;
	cr_assert_eq(signal_dequeue(t, ~0ULL, &info), SIGCHLD);
	cr_assert_eq(info.si_code, CLD_STOPPED);
	cr_assert_eq(info.u.chld.pid, 300);
	cr_assert_eq(info.u.chld.status, SIGTSTP);
	set_handler(SIGCHLD, KSA_NOCLDSTOP, 0);
	notify_parent(child, CLD_STOPPED, SIGTSTP);
	cr_assert_eq(tg->shared_pending.set, 0);
	notify_parent(child, CLD_EXITED, 3 << 8);
	cr_assert_eq(signal_dequeue(t, ~0ULL, &info), SIGCHLD);
	cr_assert_eq(info.u.chld.status, 3);
	cr_assert(!parent_ignores_sigchld(tg));
	struct k_sigaction ign = { .handler = KSIG_IGN };
	signal_do_sigaction(t, SIGCHLD, &ign, NULL);
	cr_assert(parent_ignores_sigchld(tg));
}

/* ---- futexes ----------------------------------------------------------------- */

#define FUTEX_ADDR (STACK_BASE + 0x100)

struct waiter_arg {
	struct task *t;
	uint64_t uaddr;
	bool priv;
	long ret;
};

static void *waiter_main(void *p)
{
	struct waiter_arg *w = p;
	kernel_lock();
	current = w->t;
	w->ret = futex_wait(w->t, w->uaddr, w->priv, 0, 0, FUTEX_BITSET_ANY);
	kernel_unlock();
	return NULL;
}

Test(futex, wait_wake_between_threads, .init = setup)
{
	struct task *t2 = fake_task_new(tg, 101, mm);
	struct waiter_arg w = { .t = t2, .uaddr = FUTEX_ADDR, .priv = true, .ret = 99 };
	pthread_t th;
	kernel_lock();
	pthread_create(&th, NULL, waiter_main, &w);
	int woken = 0;
	for (int i = 0; i < 2000 && !woken; i++) {
		kernel_unlock();
		usleep(1000);
		kernel_lock();
		woken = (int)futex_wake(t, FUTEX_ADDR, true, 1, FUTEX_BITSET_ANY);
	}
	kernel_unlock();
	pthread_join(th, NULL);
	cr_assert_eq(woken, 1);
	cr_assert_eq(w.ret, 0);
}

Test(futex, value_mismatch_alignment_and_faults, .init = setup)
{
	uint32_t v = 5;
	copy_to_user(mm, FUTEX_ADDR, &v, 4);
	cr_assert_eq(futex_wait(t, FUTEX_ADDR, true, 4, 0, FUTEX_BITSET_ANY), -EAGAIN);
	cr_assert_eq(futex_wait(t, FUTEX_ADDR + 2, true, 5, 0, FUTEX_BITSET_ANY), -EINVAL);
	cr_assert_eq(futex_wait(t, 0x1000, true, 5, 0, FUTEX_BITSET_ANY), -EFAULT);
	cr_assert_eq(futex_wait(t, FUTEX_ADDR, true, 5, 0, 0), -EINVAL);
	cr_assert_eq(futex_wake(t, 0x1000, false, 1, FUTEX_BITSET_ANY), -EFAULT);
	cr_assert_eq(futex_wake(t, 0x1000, true, 1, FUTEX_BITSET_ANY), 0);
	uint64_t dl = now_mono_ns() + 1000000;
	cr_assert_eq(futex_wait(t, FUTEX_ADDR, true, 5, dl, FUTEX_BITSET_ANY), -ETIMEDOUT);
}

Test(futex, interrupted_wait_restarts, .init = setup)
{
	uint32_t v = 0;
	copy_to_user(mm, FUTEX_ADDR, &v, 4);
	send_tkill(t, SIGUSR1, KSI_TKILL, 0);
	cr_assert_eq(futex_wait(t, FUTEX_ADDR, true, 0, 0, FUTEX_BITSET_ANY), -ERESTARTSYS);
	uint64_t dl = now_mono_ns() + 1000000000ULL;
	cr_assert_eq(futex_wait(t, FUTEX_ADDR, true, 0, dl, FUTEX_BITSET_ANY), -ERESTART_RESTARTBLOCK);
	cr_assert_not_null(t->restart.fn);
	cr_assert_eq(t->restart.args[3], dl);
}

struct multi {
	struct task *t[3];
	struct waiter_arg w[3];
	pthread_t th[3];
};

static void start_waiters(struct multi *m, int n, uint64_t uaddr, bool priv, struct mm *wmm)
{
	for (int i = 0; i < n; i++) {
		m->t[i] = fake_task_new(tg, 110 + i, wmm);
		m->w[i] = (struct waiter_arg){ .t = m->t[i], .uaddr = uaddr, .priv = priv, .ret = 99 };
		pthread_create(&m->th[i], NULL, waiter_main, &m->w[i]);
	}
	usleep(50000);   /* let them queue (a wake before that fails the test, not hangs) */
}

Test(futex, requeue_moves_waiters, .init = setup)
{
	struct multi m;
	start_waiters(&m, 3, FUTEX_ADDR, true, mm);
	kernel_lock();
	uint32_t cmp = 1;
	cr_assert_eq(futex_requeue(t, FUTEX_ADDR, true, FUTEX_ADDR + 4, 1, 10, &cmp), -EAGAIN);
	long n = futex_requeue(t, FUTEX_ADDR, true, FUTEX_ADDR + 4, 1, 10, NULL);
	cr_assert_eq(n, 3, "1 woken + 2 requeued");
	cr_assert_eq(futex_wake(t, FUTEX_ADDR, true, 10, FUTEX_BITSET_ANY), 0);
	cr_assert_eq(futex_wake(t, FUTEX_ADDR + 4, true, 10, FUTEX_BITSET_ANY), 2);
	kernel_unlock();
	for (int i = 0; i < 3; i++) {
		pthread_join(m.th[i], NULL);
		cr_assert_eq(m.w[i].ret, 0);
	}
}

Test(futex, shared_key_across_address_spaces, .init = setup)
{
	struct vma *v = fake_map(mm, 0x9000000, 0x1000, PROT_READ | PROT_WRITE, MAP_SHARED, NULL);
	struct mm *mm2 = fake_mm_new();
	fake_map(mm2, 0xa000000, 0x1000, PROT_READ | PROT_WRITE, MAP_SHARED, v->range);
	struct multi m;
	start_waiters(&m, 1, 0xa000010, false, mm2);
	kernel_lock();
	cr_assert_eq(futex_wake(t, 0x9000010, true, 1, FUTEX_BITSET_ANY), 0, "private key differs");
	cr_assert_eq(futex_wake(t, 0x9000010, false, 1, FUTEX_BITSET_ANY), 1);
	kernel_unlock();
	pthread_join(m.th[0], NULL);
	cr_assert_eq(m.w[0].ret, 0);
}

Test(futex, wake_op, .init = setup)
{
	uint32_t v = 1;
	copy_to_user(mm, FUTEX_ADDR + 4, &v, 4);
	/* op ADD 2, cmp GT 0: old value 1 > 0 -> also wake uaddr2 */
	uint32_t op = (1U << 28) | (4U << 24) | (2U << 12) | 0;
	cr_assert_eq(futex_wake_op(t, FUTEX_ADDR, true, FUTEX_ADDR + 4, 1, 1, op), 0);
	cr_assert_eq(rd32(FUTEX_ADDR + 4), 3);
	cr_assert_eq(futex_wake_op(t, FUTEX_ADDR, true, FUTEX_ADDR + 4, 1, 1, 7U << 28), -ENOSYS);
}

Test(futex, pi_lock_unlock, .init = setup)
{
	cr_assert_eq(futex_lock_pi(t, FUTEX_ADDR, true, 0, true), 0);
	cr_assert_eq(rd32(FUTEX_ADDR), 100);
	cr_assert_eq(futex_lock_pi(t, FUTEX_ADDR, true, 0, true), -EDEADLK);
	struct task *t2 = fake_task_new(tg, 101, mm);
	cr_assert_eq(futex_lock_pi(t2, FUTEX_ADDR, true, 0, true), -EAGAIN);
	cr_assert_eq(futex_unlock_pi(t2, FUTEX_ADDR, true), -EPERM);
	cr_assert_eq(futex_unlock_pi(t, FUTEX_ADDR, true), 0);
	cr_assert_eq(rd32(FUTEX_ADDR), 0);
}

Test(futex, robust_list_marks_owner_died, .init = setup)
{
	/* head at H: {next, futex_offset, pending}; one entry E whose futex
	 * word is at E + 16, owned by tid 100 with waiters. */
	uint64_t H = STACK_BASE + 0x200, E = STACK_BASE + 0x300;
	uint64_t head[3] = { E, 16, 0 };
	uint64_t entry = H;   /* circular: E.next = H */
	uint32_t word = 100 | 0x80000000U;
	copy_to_user(mm, H, head, sizeof(head));
	copy_to_user(mm, E, &entry, 8);
	copy_to_user(mm, E + 16, &word, 4);
	struct syscall_args a = { .nr = 273, .a = { H, 23 } };
	cr_assert_eq(sys_set_robust_list(t, &a), -EINVAL);
	a.a[1] = 24;
	cr_assert_eq(sys_set_robust_list(t, &a), 0);
	futex_exit_robust_list(t);
	cr_assert_eq(rd32(E + 16), 0x80000000U | 0x40000000U);
	cr_assert_eq(t->robust_list, 0);
}

Test(futex, robust_list_loop_is_bounded, .init = setup)
{
	uint64_t H = STACK_BASE + 0x200, E = STACK_BASE + 0x300;
	uint64_t head[3] = { E, 16, 0 };
	uint64_t self = E;   /* E.next = E: a cycle that never reaches H */
	copy_to_user(mm, H, head, sizeof(head));
	copy_to_user(mm, E, &self, 8);
	t->robust_list = H;
	futex_exit_robust_list(t);   /* terminates */
	cr_assert_eq(t->robust_list, 0);
}

/* ---- group stop ------------------------------------------------------------ */

static void *deliver_main(void *p)
{
	struct task *x = p;
	kernel_lock();
	current = x;
	signal_deliver(x, false);
	kernel_unlock();
	return NULL;
}

Test(signal, group_stop_and_continue, .init = setup)
{
	struct thread_group *parent = fake_tg_new(50, NULL);
	struct task *pt = fake_task_new(parent, 50, mm);
	tg->parent = parent;
	current = pt;
	struct k_sigaction ka = { .handler = HANDLER, .flags = KSA_SIGINFO | KSA_RESTORER,
				  .restorer = RESTORER };
	signal_do_sigaction(pt, SIGCHLD, &ka, NULL);
	pt->blocked = KSIG_BIT(SIGCHLD);

	kernel_lock();
	cr_assert_eq(kill_pid(pt, 100, SIGSTOP), -EPERM, "uid 0 vs 1000 without CAP_KILL");
	cr_assert_eq(kill_pid(NULL, 100, SIGSTOP), 0);
	pthread_t th;
	pthread_create(&th, NULL, deliver_main, t);
	for (int i = 0; i < 2000 && !(tg->stopped && t->state == TASK_STOPPED); i++) {
		kernel_unlock();
		usleep(1000);
		kernel_lock();
	}
	cr_assert(tg->stopped);
	cr_assert_eq(tg->stop_signal, SIGSTOP);
	struct ksiginfo info;
	cr_assert_eq(signal_dequeue(pt, ~0ULL, &info), SIGCHLD);
	cr_assert_eq(info.si_code, CLD_STOPPED);
	cr_assert_eq(info.u.chld.status, SIGSTOP);

	cr_assert_eq(kill_pid(NULL, 100, SIGCONT), 0);
	cr_assert(!tg->stopped);
	cr_assert(!tg->cont_reported);
	cr_assert_eq(signal_dequeue(pt, ~0ULL, &info), SIGCHLD);
	cr_assert_eq(info.si_code, CLD_CONTINUED);
	kernel_unlock();
	pthread_join(th, NULL);
	cr_assert_eq(t->state, TASK_RUNNING);
	cr_assert_eq(tg->shared_pending.set, 0, "SIGCONT with SIG_DFL not left pending");
}
