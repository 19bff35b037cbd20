/*
 * Running guest code.
 *
 * Every guest syscall stops its thread in a seccomp user notification. The
 * notification carries the number, the arguments and rip; the other
 * registers are not readable while the thread waits there. So:
 *  - syscalls that read or replace the whole register set (clone, fork,
 *    vfork, clone3, execve, execveat, rt_sigreturn, sigaltstack,
 *    arch_prctl) and 32-bit entries are taken into a ptrace stop at once
 *    (PTRACE_INTERRUPT: the notification wait ends with -ERESTARTSYS and
 *    the thread traps before returning to user mode), and reported with
 *    the exact registers;
 *  - the others are reported with the known registers over the last image
 *    (`partial`). If the kernel only sets rax, the answer is
 *    SECCOMP_IOCTL_NOTIF_SEND (the fast path). If it wants more (signal
 *    delivery calls sync_regs first; syscall restart moves rip), the thread
 *    is taken into a ptrace stop, the real registers are read and merged
 *    with what the kernel changed, and it resumes with PTRACE_SETREGS.
 * Faults and interrupts are ptrace stops, as on the ptrace platform.
 */
#include <elf.h>
#include <errno.h>
#include <linux/audit.h>
#include <linux/seccomp.h>
#include <poll.h>
#include <sched.h>
#include <signal.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/mman.h>
#include <sys/ptrace.h>
#include <sys/syscall.h>
#include <sys/uio.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>
#include "notify_impl.h"
#include "wake.h"

#define ERESTARTSYS_ 512

static bool fault_signal(int sig)
{
	return sig == SIGSEGV || sig == SIGBUS || sig == SIGFPE || sig == SIGILL || sig == SIGTRAP;
}

/* Syscalls whose handlers read or replace more than their arguments. */
static bool needs_all_regs(int nr)
{
	switch (nr) {
	case SYS_clone: case SYS_fork: case SYS_vfork: case SYS_clone3:
	case SYS_execve: case SYS_execveat: case SYS_rt_sigreturn:
	case SYS_sigaltstack: case SYS_arch_prctl:
		return true;
	}
	return false;
}

static int dead(struct platform_ctx *ctx, struct platform_event *ev)
{
	nt_mark_dead(ctx);
	ev->kind = PEV_DEAD;
	return 0;
}

/* A ptrace request failed: ESRCH means the thread was killed under us. */
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

/* A stop's registers show an unanswered notification that was cut short
 * (the kernel's -ERESTARTSYS on the way out of the syscall): present the
 * thread as not having entered the syscall yet. */
static void undo_cancelled_syscall(struct user_regs_struct *r)
{
	if ((int64_t)r->orig_rax < 0 || r->rax != (uint64_t)-ERESTARTSYS_)
		return;
	r->rax = r->orig_rax;
	r->rip -= SYSCALL_INSN_LEN;
	r->orig_rax = (uint64_t)-1;
}

int nt_stop(struct platform_ctx *ctx)
{
	if (ptrace(PTRACE_INTERRUPT, ctx->tid, 0, 0) < 0 && errno != ESRCH)
		return -errno;
	for (;;) {
		int st;
		int w = platform_wait(ctx->tid, &st, 0);
		if (w < 0)
			return w;
		if (WIFEXITED(st) || WIFSIGNALED(st)) {
			nt_mark_dead(ctx);
			return -ESRCH;
		}
		if ((st >> 16) == PTRACE_EVENT_STOP)
			break;
		/* A signal-delivery stop (nothing sends stubs signals): drop it;
		 * the interrupt's trap follows. */
		if (ptrace(PTRACE_CONT, ctx->tid, 0, 0) < 0)
			return -errno;
	}
	if (ptrace(PTRACE_GETREGS, ctx->tid, 0, &ctx->real) < 0)
		return -errno;
	ctx->tmpl = ctx->real;
	ctx->stopped = true;
	ctx->in_notif = false;
	return 0;
}

/* The real registers (ctx->real) with what the kernel changed since the
 * partial event (regs vs ctx->ev). The syscall's own registers are known
 * exactly and always the kernel's. */
static void merge(struct platform_ctx *ctx, struct user_regs_struct *w)
{
	const struct user_regs_struct *e = &ctx->ev, *r = &ctx->real;
	struct user_regs_struct o = *w;
#define UNKNOWN(f) o.f = w->f != e->f ? w->f : r->f
	UNKNOWN(rbx); UNKNOWN(rbp); UNKNOWN(rsp); UNKNOWN(r11);
	UNKNOWN(r12); UNKNOWN(r13); UNKNOWN(r14); UNKNOWN(r15);
	UNKNOWN(eflags); UNKNOWN(fs_base); UNKNOWN(gs_base);
	UNKNOWN(ds); UNKNOWN(es); UNKNOWN(fs); UNKNOWN(gs);
#undef UNKNOWN
	*w = o;
}

int nt_sync_regs(struct platform_ctx *ctx, struct arch_regs *regs)
{
	if (!ctx->partial)
		return 0;
	int err = nt_own(ctx);
	if (!err && ctx->in_notif)
		err = nt_stop(ctx);
	if (err)
		return err;
	merge(ctx, &regs->gp);
	ctx->partial = false;
	return 0;
}

static bool only_rax_changed(const struct platform_ctx *ctx, const struct user_regs_struct *w)
{
	struct user_regs_struct a = *w;
	a.rax = ctx->ev.rax;
	return memcmp(&a, &ctx->ev, sizeof(a)) == 0;
}

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

/* A notification arrived: 1 = event filled, 0 = nothing (cancelled). */
static int take_notif(struct platform_ctx *ctx, struct arch_regs *regs, struct platform_event *ev)
{
	struct seccomp_notif n;
	memset(&n, 0, sizeof(n));
	if (ioctl(ctx->listener, SECCOMP_IOCTL_NOTIF_RECV, &n) < 0)
		return errno == ENOENT || errno == EINTR ? 0 : -errno;
	if (n.pid != (uint32_t)ctx->tid)
		return -EIO;   /* only this thread runs under this filter */
	ctx->notif_id = n.id;
	ctx->in_notif = true;
	if (n.data.arch != AUDIT_ARCH_X86_64 || needs_all_regs(n.data.nr)) {
		int err = nt_stop(ctx);
		if (err == -ESRCH)
			return dead(ctx, ev), 1;
		if (err)
			return err;
		regs->gp = ctx->real;
		if (n.data.arch != AUDIT_ARCH_X86_64) {
			/* int $0x80 and friends: #GP like without IA32 emulation */
			ev->kind = PEV_FAULT;
			ev->signo = SIGSEGV;
			ev->si_code = SI_KERNEL;
			ev->addr = 0;
			regs->gp.rip -= SYSCALL_INSN_LEN;
			regs->gp.rax = regs->gp.orig_rax;
			regs->gp.orig_rax = (uint64_t)-1;
			return 1;
		}
		regs->gp.rax = (uint64_t)-ENOSYS;
		ev->kind = PEV_SYSCALL;
		return 1;
	}
	struct user_regs_struct *r = &regs->gp;
	*r = ctx->last;
	r->rip = n.data.instruction_pointer;
	r->rcx = r->rip;                    /* what `syscall` leaves */
	r->orig_rax = (uint64_t)(int64_t)n.data.nr;
	r->rax = (uint64_t)-ENOSYS;
	r->rdi = n.data.args[0];
	r->rsi = n.data.args[1];
	r->rdx = n.data.args[2];
	r->r10 = n.data.args[3];
	r->r8 = n.data.args[4];
	r->r9 = n.data.args[5];
	r->cs = USER_CS;
	r->ss = USER_SS;
	ctx->ev = *r;
	ctx->partial = true;
	ev->kind = PEV_SYSCALL;
	return 1;
}

/* A ptrace stop (or exit) of the running thread, already waited for. */
static int take_stop(struct platform_ctx *ctx, int st, struct arch_regs *regs,
		     struct platform_event *ev)
{
	if (WIFEXITED(st) || WIFSIGNALED(st))
		return dead(ctx, ev);
	ctx->stopped = true;
	ev->kind = PEV_INTERRUPT;
	int sig = WSTOPSIG(st);
	if ((st >> 16) == 0 && fault_signal(sig)) {
		siginfo_t si;
		if (ptrace(PTRACE_GETSIGINFO, ctx->tid, 0, &si) < 0)
			return reap_if_gone(ctx, ev);
		if (si.si_code > 0) {
			ev->kind = PEV_FAULT;
			ev->signo = sig;
			ev->si_code = si.si_code;
			ev->addr = (uint64_t)si.si_addr;
		}
	}
	if (ptrace(PTRACE_GETREGS, ctx->tid, 0, &ctx->tmpl) < 0)
		return reap_if_gone(ctx, ev);
	regs->gp = ctx->tmpl;
	undo_cancelled_syscall(&regs->gp);
	if (ev->kind == PEV_FAULT && (ev->signo == SIGSEGV || ev->signo == SIGBUS) &&
	    ev->addr == regs->gp.rip)
		ev->access = PROT_EXEC;   /* instruction fetch; otherwise unknown */
	return 0;
}

/* The owner's wait for the running thread's next event. The caller
 * registered as a waiter (`slot`) before resuming the thread, so a stop
 * from then on interrupts the ppoll (see wake.c): only then is waitpid
 * worth a call. */
static int wait_event(struct platform_ctx *ctx, struct arch_regs *regs, struct platform_event *ev,
		      int slot)
{
	static __thread sigset_t mask;
	static __thread bool have_mask;
	if (!have_mask) {
		pthread_sigmask(SIG_SETMASK, NULL, &mask);
		sigdelset(&mask, SIGCHLD);
		have_mask = true;
	}
	struct timespec tmo = { 0, slot < 0 ? 1000000 : 100000000 };
	int ret = 0;
	for (;;) {
		if (atomic_exchange(&ctx->interrupted, false)) {
			if (ptrace(PTRACE_INTERRUPT, ctx->tid, 0, 0) < 0) {
				ret = reap_if_gone(ctx, ev);
				break;
			}
			int st, w = platform_wait(ctx->tid, &st, 0);
			ret = w < 0 ? w : take_stop(ctx, st, regs, ev);
			break;
		}
		struct pollfd p = { .fd = ctx->listener, .events = POLLIN };
		int n = ppoll(&p, 1, &tmo, &mask);
		if (n > 0 && (p.revents & POLLIN)) {
			int r = take_notif(ctx, regs, ev);
			if (r != 0) {
				ret = r < 0 ? r : 0;
				break;
			}
			continue;
		}
		/* a signal (a stop, an interrupt), a timeout or a hang-up */
		int st, w = platform_wait(ctx->tid, &st, WNOHANG);
		if (w < 0) {
			ret = w;
			break;
		}
		if (w > 0) {
			ret = take_stop(ctx, st, regs, ev);
			break;
		}
		if (n > 0) {
			/* the filter lost its last user: the thread is gone */
			ret = dead(ctx, ev);
			break;
		}
	}
	nt_waiter_del(slot);
	return ret;
}

int nt_switch(struct platform_ctx *ctx, struct arch_regs *regs, struct platform_event *ev)
{
	*ev = (struct platform_event){ .kind = PEV_INTERRUPT };
	int err = nt_own(ctx);
	if (err == -ESRCH)
		return dead(ctx, ev);
	if (err)
		return err;
	if (atomic_exchange(&ctx->interrupted, false))
		return 0;
	follow_tracer_cpu(ctx);
	struct user_regs_struct *w = &regs->gp;
	w->cs = USER_CS;
	w->ss = USER_SS;

	if (ctx->partial && ctx->in_notif && only_rax_changed(ctx, w)) {
		struct seccomp_notif_resp resp = { .id = ctx->notif_id, .val = (int64_t)w->rax };
		int slot = nt_waiter_add();
		if (ioctl(ctx->listener, SECCOMP_IOCTL_NOTIF_SEND, &resp) < 0) {
			nt_waiter_del(slot);
			if (errno != ENOENT)
				return -errno;
			/* the wait was cut short: only SIGKILL does that to a stub */
			int st;
			while (platform_wait(ctx->tid, &st, 0) > 0 && !WIFEXITED(st) && !WIFSIGNALED(st))
				;
			return dead(ctx, ev);
		}
		ctx->in_notif = false;
		ctx->partial = false;
		ctx->last = *w;
		return wait_event(ctx, regs, ev, slot);
	}
	if (ctx->partial) {
		if (ctx->in_notif && (err = nt_stop(ctx)) < 0)
			return err == -ESRCH ? dead(ctx, ev) : err;
		merge(ctx, w);
		ctx->partial = false;
	}
	/* orig_rax -1: the host never applies its own syscall restart. */
	struct user_regs_struct r = *w;
	r.orig_rax = (uint64_t)-1;
	int slot = nt_waiter_add();
	if (ptrace(PTRACE_SETREGS, ctx->tid, 0, &r) < 0 ||
	    ptrace(PTRACE_CONT, ctx->tid, 0, 0) < 0) {
		nt_waiter_del(slot);
		return reap_if_gone(ctx, ev);
	}
	ctx->stopped = false;
	ctx->last = r;
	return wait_event(ctx, regs, ev, slot);
}

void nt_interrupt(struct platform_ctx *ctx)
{
	atomic_store(&ctx->interrupted, true);
	pid_t owner = atomic_load(&ctx->tracer);
	if (owner)
		nt_wake_owner(owner);
}

/* Owner, thread stopped (a waiting notification is cut short first). */
static int fp_regset(struct platform_ctx *ctx, int req, uint8_t *buf)
{
	int err = nt_own(ctx);
	if (!err && ctx->in_notif)
		err = nt_stop(ctx);
	if (err)
		return err;
	size_t size = arch_fpstate_size();
	struct iovec iov = { .iov_base = buf, .iov_len = size };
	long type = size > 512 ? NT_X86_XSTATE : NT_PRFPREG;
	if (ptrace(req, ctx->tid, type, &iov) < 0)
		return -errno;
	return 0;
}

int nt_get_fpstate(struct platform_ctx *ctx, struct arch_fpstate *fp)
{
	int err = fp_regset(ctx, PTRACE_GETREGSET, fp->buf);
	fp->valid = err == 0;
	return err;
}

int nt_set_fpstate(struct platform_ctx *ctx, const struct arch_fpstate *fp)
{
	return fp_regset(ctx, PTRACE_SETREGSET, fp->buf);
}

/* ---- memory: syscalls injected into the stopped thread ------------------- */

static bool guest_range(uint64_t addr, uint64_t len)
{
	return addr + len >= addr && addr + len <= STUB_BASE;
}

static int mm_syscall(struct platform_ctx *via, long nr, const uint64_t args[6])
{
	int err = nt_own(via);
	if (!err && via->in_notif)
		err = nt_stop(via);
	if (err)
		return err;
	long r = nt_inject(via, stub_syscall, stub_syscall_done, nr, args);
	if (r < 0 && r >= -4095)
		return (int)r;
	return nr == SYS_mmap && (uint64_t)r != args[0] ? -EFAULT : 0;
}

#define PROT_ALL (PROT_READ | PROT_WRITE | PROT_EXEC)

int nt_map(struct platform_ctx *via, uint64_t addr, uint64_t len, int prot, uint64_t file_off)
{
	if (!guest_range(addr, len) || (prot & ~PROT_ALL))
		return -EINVAL;
	const uint64_t args[6] = { addr, len, (uint64_t)prot, MAP_SHARED | MAP_FIXED,
				   (uint64_t)nt_memfd, file_off };
	return mm_syscall(via, SYS_mmap, args);
}

int nt_unmap(struct platform_ctx *via, uint64_t addr, uint64_t len)
{
	if (!guest_range(addr, len))
		return -EINVAL;
	const uint64_t args[6] = { addr, len };
	return mm_syscall(via, SYS_munmap, args);
}

int nt_protect(struct platform_ctx *via, uint64_t addr, uint64_t len, int prot)
{
	if (!guest_range(addr, len) || (prot & ~PROT_ALL))
		return -EINVAL;
	const uint64_t args[6] = { addr, len, (uint64_t)prot };
	return mm_syscall(via, SYS_mprotect, args);
}
