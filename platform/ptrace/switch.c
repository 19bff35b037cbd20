/*
 * Running guest code: PTRACE_SYSEMU until the next stop, classified into a
 * platform_event; interrupts; FPU state through regsets.
 */
#include <elf.h>
#include <errno.h>
#include <sched.h>
#include <signal.h>
#include <sys/mman.h>
#include <sys/ptrace.h>
#include <sys/syscall.h>
#include <sys/uio.h>
#include <sys/wait.h>
#include <unistd.h>
#include "ptrace_impl.h"

static bool fault_signal(int sig)
{
	return sig == SIGSEGV || sig == SIGBUS || sig == SIGFPE || sig == SIGILL || sig == SIGTRAP;
}

/* Classify a signal-delivery-stop. Faults come from the kernel (si_code >
 * 0); anything sent by a process (SI_USER, SI_TKILL, ...) is an interrupt. */
static int classify_signal(struct platform_ctx *ctx, int sig, struct platform_event *ev)
{
	siginfo_t si;
	if (ptrace(PTRACE_GETSIGINFO, ctx->tid, 0, &si) < 0)
		return -errno;
	if (!fault_signal(sig) || si.si_code <= 0) {
		ev->kind = PEV_INTERRUPT;
		return 0;
	}
	ev->kind = PEV_FAULT;
	ev->signo = sig;
	ev->si_code = si.si_code;
	ev->addr = (uint64_t)si.si_addr;
	return 0;
}

/* Anything but `syscall` from 64-bit code (int $0x80, sysenter, compat
 * mode) would be a 32-bit syscall: refuse it like a kernel without
 * IA32_EMULATION (#GP -> SIGSEGV/SI_KERNEL at the instruction). The check
 * uses what the syscall instruction leaves in rcx/r11; a guest forging them
 * only gets its call treated as a 64-bit syscall, which it could make anyway. */
static void check_syscall_abi(struct user_regs_struct *r, struct platform_event *ev)
{
	if (r->cs == USER_CS && r->rcx == r->rip && r->r11 == r->eflags)
		return;
	ev->kind = PEV_FAULT;
	ev->signo = SIGSEGV;
	ev->si_code = SI_KERNEL;
	ev->addr = 0;
	r->rip -= SYSCALL_INSN_LEN;
	r->orig_rax = (uint64_t)-1;
}

static int dead(struct platform_ctx *ctx, struct platform_event *ev)
{
	ptrace_mark_dead(ctx);
	ev->kind = PEV_DEAD;
	return 0;
}

/* A ptrace request failed with ESRCH: the thread was killed under us. */
static int reap_if_gone(struct platform_ctx *ctx, struct platform_event *ev)
{
	int err = -errno;
	if (err != -ESRCH)
		return err;
	int st;
	while (platform_wait(ctx->tid, &st, 0) > 0 && !WIFEXITED(st) && !WIFSIGNALED(st))
		;
	return dead(ctx, ev);
}

/* Keep the guest thread on the tracer's CPU: a ptrace stop/resume between
 * two CPUs costs two cross-CPU wakeups (measured 6x slower in a VM). */
static void follow_tracer_cpu(struct platform_ctx *ctx)
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

int ptrace_switch(struct platform_ctx *ctx, struct arch_regs *regs, struct platform_event *ev)
{
	*ev = (struct platform_event){ .kind = PEV_INTERRUPT };
	int err = ptrace_own(ctx);
	if (err == -ESRCH)
		return dead(ctx, ev);
	if (err)
		return err;
	if (atomic_exchange(&ctx->interrupted, false))
		return 0;
	follow_tracer_cpu(ctx);

	/* 64-bit user segments always; orig_rax -1 so the host never applies
	 * its own syscall-restart logic to the guest's registers. */
	struct user_regs_struct r = regs->gp;
	r.cs = USER_CS;
	r.ss = USER_SS;
	r.orig_rax = (uint64_t)-1;
	if (ptrace(PTRACE_SETREGS, ctx->tid, 0, &r) < 0 ||
	    ptrace(PTRACE_SYSEMU, ctx->tid, 0, 0) < 0)
		return reap_if_gone(ctx, ev);

	int st;
	int w = platform_wait(ctx->tid, &st, 0);
	if (w < 0)
		return w;
	if (WIFEXITED(st) || WIFSIGNALED(st))
		return dead(ctx, ev);
	int sig = WSTOPSIG(st);
	if (sig == (SIGTRAP | 0x80))
		ev->kind = PEV_SYSCALL;
	else if ((st >> 16) == 0 && (err = classify_signal(ctx, sig, ev)) < 0)
		return reap_if_gone(ctx, ev);
	/* else: a PTRACE_EVENT stop (group-stop, INTERRUPT): PEV_INTERRUPT. */

	if (ptrace(PTRACE_GETREGS, ctx->tid, 0, &ctx->regs) < 0)
		return reap_if_gone(ctx, ev);
	if (ev->kind == PEV_SYSCALL)
		check_syscall_abi(&ctx->regs, ev);
	if (ev->kind == PEV_FAULT && (ev->signo == SIGSEGV || ev->signo == SIGBUS) &&
	    ev->addr == ctx->regs.rip)
		ev->access = PROT_EXEC;   /* instruction fetch; otherwise unknown */
	regs->gp = ctx->regs;
	return 0;
}

void ptrace_interrupt(struct platform_ctx *ctx)
{
	/* One host thread group per ctx: tgid == tid. */
	syscall(SYS_tgkill, ctx->tid, ctx->tid, SIGSTOP);
}

/* XSAVE layout through NT_X86_XSTATE; the kernel wants the full size. */
static int fp_regset(struct platform_ctx *ctx, int req, uint8_t *buf)
{
	int err = ptrace_own(ctx);
	if (err)
		return err;
	size_t size = arch_fpstate_size();
	struct iovec iov = { .iov_base = buf, .iov_len = size };
	long type = size > 512 ? NT_X86_XSTATE : NT_PRFPREG;  /* no XSAVE: FXSAVE only */
	if (ptrace(req, ctx->tid, type, &iov) < 0)
		return -errno;
	return 0;
}

int ptrace_get_fpstate(struct platform_ctx *ctx, struct arch_fpstate *fp)
{
	int err = fp_regset(ctx, PTRACE_GETREGSET, fp->buf);
	fp->valid = err == 0;
	return err;
}

int ptrace_set_fpstate(struct platform_ctx *ctx, const struct arch_fpstate *fp)
{
	return fp_regset(ctx, PTRACE_SETREGSET, fp->buf);
}
