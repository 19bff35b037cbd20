/*
 * Running guest code: the guest registers live in the signal frame the
 * kernel pushed on the slot's altstack (shared with the sentry). switch_to
 * writes them into that ucontext, hands the thread over, and decodes the
 * next frame into a platform_event. The frame is guest-writable memory:
 * everything is copied once into sentry memory and validated.
 */
#include <errno.h>
#include <linux/audit.h>
#include <signal.h>
#include <stddef.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/syscall.h>
#include "seccomp_impl.h"

#define USER_CS 0x33
#define USER_SS 0x2b
#define X86_TRAP_PF 14
#define PF_WRITE 0x2
#define PF_INSTR 0x10
#define UC_FLAGS_KERNEL 0x7   /* UC_FP_XSTATE | UC_SIGCONTEXT_SS | UC_STRICT_RESTORE_SS */
#define FXSAVE_SIZE 512
#define SW_BYTES_OFF 464
#define MXCSR_OFF 24
#define XSAVE_HDR_SIZE 64
#define SYS_SECCOMP_CODE 1

/* The kernel's x86-64 struct ucontext up to uc_sigmask. */
struct k_sigcontext {
	uint64_t r8, r9, r10, r11, r12, r13, r14, r15;
	uint64_t rdi, rsi, rbp, rbx, rdx, rax, rcx, rsp, rip, eflags;
	uint16_t cs, gs, fs, ss;
	uint64_t err, trapno, oldmask, cr2, fpstate;
	uint64_t reserved1[8];
};
struct k_ucontext {
	uint64_t uc_flags, uc_link;
	uint64_t ss_sp;
	int32_t ss_flags, ss_pad;
	uint64_t ss_size;
	struct k_sigcontext mc;
	uint64_t uc_sigmask;
};
_Static_assert(offsetof(struct k_ucontext, mc) == 40, "ucontext layout");
_Static_assert(offsetof(struct k_ucontext, uc_sigmask) == 296, "ucontext layout");

/* The part of siginfo the platform reads. */
struct k_siginfo {
	int32_t signo, errno_, code, pad;
	uint64_t addr;          /* si_addr / si_call_addr */
	int32_t syscall;        /* SIGSYS */
	uint32_t arch;          /* SIGSYS */
};

static size_t fp_size(void)
{
	return arch_fpstate_size();
}

/* [off, off + len) inside the altstack part of the slot. */
static bool in_stack(uint64_t off, uint64_t len)
{
	return off >= SC_PAGE && off <= SC_SLOT_SIZE && len <= SC_SLOT_SIZE - off;
}

bool sc_load_frame(struct platform_ctx *ctx)
{
	uint64_t uctx = ctx->ctl->uctx;
	uint64_t off = uctx - ctx->slot_addr;
	if (uctx < ctx->slot_addr || off % 8 || !in_stack(off, sizeof(struct k_ucontext)))
		return false;
	struct k_ucontext uc;
	memcpy(&uc, ctx->slot + off, sizeof(uc));
	uint64_t fpoff = uc.mc.fpstate - ctx->slot_addr;
	if (uc.mc.fpstate < ctx->slot_addr || fpoff % 64 || !in_stack(fpoff, fp_size() + 4))
		return false;
	ctx->uc_off = (uint32_t)off;
	ctx->fp_off = (uint32_t)fpoff;
	ctx->stopped = true;
	return true;
}

static bool read_info(struct platform_ctx *ctx, struct k_siginfo *si)
{
	uint64_t info = ctx->ctl->info;
	uint64_t off = info - ctx->slot_addr;
	if (info < ctx->slot_addr || off % 8 || !in_stack(off, sizeof(*si)))
		return false;
	memcpy(si, ctx->slot + off, sizeof(*si));
	return true;
}

static struct k_ucontext *frame(struct platform_ctx *ctx)
{
	return (struct k_ucontext *)(ctx->slot + ctx->uc_off);
}

bool sc_frame_is_ready(struct platform_ctx *ctx)
{
	uint64_t rip;
	memcpy(&rip, &frame(ctx)->mc.rip, sizeof(rip));
	return ctx->stopped && ctx->ctl->signo == SIGILL && rip == SC_STUB_ADDR(sc_stub_ready);
}

static void to_user_regs(const struct k_sigcontext *m, struct user_regs_struct *r)
{
	r->r15 = m->r15; r->r14 = m->r14; r->r13 = m->r13; r->r12 = m->r12;
	r->rbp = m->rbp; r->rbx = m->rbx; r->r11 = m->r11; r->r10 = m->r10;
	r->r9 = m->r9; r->r8 = m->r8; r->rax = m->rax; r->rcx = m->rcx;
	r->rdx = m->rdx; r->rsi = m->rsi; r->rdi = m->rdi;
	r->orig_rax = (uint64_t)-1;
	r->rip = m->rip; r->eflags = m->eflags; r->rsp = m->rsp;
	r->cs = USER_CS; r->ss = USER_SS;
	r->ds = r->es = r->fs = r->gs = 0;
}

static void from_user_regs(const struct user_regs_struct *r, struct k_sigcontext *m)
{
	m->r15 = r->r15; m->r14 = r->r14; m->r13 = r->r13; m->r12 = r->r12;
	m->rbp = r->rbp; m->rbx = r->rbx; m->r11 = r->r11; m->r10 = r->r10;
	m->r9 = r->r9; m->r8 = r->r8; m->rax = r->rax; m->rcx = r->rcx;
	m->rdx = r->rdx; m->rsi = r->rsi; m->rdi = r->rdi;
	m->rip = r->rip; m->eflags = r->eflags; m->rsp = r->rsp;
	m->cs = USER_CS; m->ss = USER_SS; m->fs = m->gs = 0;
}

static bool canonical(uint64_t a)
{
	return (uint64_t)((int64_t)(a << 16) >> 16) == a;
}

static bool fault_signal(int sig)
{
	return sig == SIGSEGV || sig == SIGBUS || sig == SIGFPE || sig == SIGILL || sig == SIGTRAP;
}

/* Turn the validated frame into an event and the guest registers. */
static void decode(struct platform_ctx *ctx, struct k_ucontext *uc, struct arch_regs *regs,
		   struct platform_event *ev)
{
	struct user_regs_struct *r = &regs->gp;
	to_user_regs(&uc->mc, r);
	if (sc_fsgsbase) {
		ctx->fs_base = ctx->ctl->fs;
		ctx->gs_base = ctx->ctl->gs;
	}
	r->fs_base = ctx->fs_base;
	r->gs_base = ctx->gs_base;

	struct k_siginfo si;
	uint32_t sig = ctx->ctl->signo;
	*ev = (struct platform_event){ .kind = PEV_INTERRUPT };
	if (!read_info(ctx, &si) || (uint32_t)si.signo != sig)
		return;   /* a forged event: harmless as an interrupt */
	if (sig == SIGSYS && si.code == SYS_SECCOMP_CODE) {
		if (si.arch != AUDIT_ARCH_X86_64) {
			/* int $0x80 & co: #GP like a kernel without IA32 emulation. */
			ev->kind = PEV_FAULT;
			ev->signo = SIGSEGV;
			ev->si_code = SI_KERNEL;
			r->rip -= SYSCALL_INSN_LEN;
			return;
		}
		/* RET_TRAP rolled rax back to the syscall number. */
		ev->kind = PEV_SYSCALL;
		r->orig_rax = uc->mc.rax;
		r->rax = (uint64_t)-ENOSYS;
		return;
	}
	if (fault_signal((int)sig) && si.code > 0) {
		ev->kind = PEV_FAULT;
		ev->signo = (int)sig;
		ev->si_code = si.code;
		ev->addr = si.addr;
		if ((sig == SIGSEGV || sig == SIGBUS) && uc->mc.trapno == X86_TRAP_PF)
			ev->access = (uc->mc.err & PF_INSTR) ? PROT_EXEC
				   : (uc->mc.err & PF_WRITE) ? PROT_WRITE : PROT_READ;
	}
}

int sc_switch(struct platform_ctx *ctx, struct arch_regs *regs, struct platform_event *ev)
{
	*ev = (struct platform_event){ .kind = PEV_INTERRUPT };
	int err = sc_own(ctx);
	if (err == -ESRCH || (!err && !ctx->stopped)) {
		sc_reap(ctx, true);
		ev->kind = PEV_DEAD;
		return 0;
	}
	if (err)
		return err;
	struct user_regs_struct *r = &regs->gp;
	if (!canonical(r->fs_base) || !canonical(r->gs_base))
		return -EIO;

	atomic_store(&ctx->running, true);
	if (atomic_exchange(&ctx->interrupted, false)) {
		atomic_store(&ctx->running, false);
		return 0;
	}
	/* Registers into the frame; the altstack and mask are ours, always. */
	struct k_ucontext uc;
	memcpy(&uc, frame(ctx), sizeof(uc));
	from_user_regs(r, &uc.mc);
	uc.mc.fpstate = ctx->slot_addr + ctx->fp_off;
	uc.uc_flags = UC_FLAGS_KERNEL;
	uc.uc_link = 0;
	uc.ss_sp = ctx->slot_addr + SC_PAGE;
	uc.ss_flags = 0;
	uc.ss_size = SC_SLOT_SIZE - SC_PAGE;
	uc.uc_sigmask = 0;   /* SIGSYS and the fault signals never blocked */
	memcpy(frame(ctx), &uc, sizeof(uc));

	struct sc_ctl *c = ctx->ctl;
	uint32_t flags = sc_fsgsbase ? SC_FL_FSGSBASE : 0;
	if (!sc_fsgsbase && (r->fs_base != ctx->fs_base || r->gs_base != ctx->gs_base))
		flags |= SC_FL_SETFSGS;
	c->flags = flags;
	c->fs = r->fs_base;
	c->gs = r->gs_base;
	ctx->fs_base = r->fs_base;
	ctx->gs_base = r->gs_base;

	err = sc_handoff(ctx, SC_ST_RUN);
	atomic_store(&ctx->running, false);
	if (err || atomic_load(&c->state) != SC_ST_EVENT || !sc_load_frame(ctx)) {
		sc_reap(ctx, true);   /* dead, or inconsistent: kill it */
		ev->kind = PEV_DEAD;
		return 0;
	}
	memcpy(&uc, frame(ctx), sizeof(uc));
	decode(ctx, &uc, regs, ev);
	if (ev->kind == PEV_INTERRUPT)
		atomic_store(&ctx->interrupted, false);
	return 0;
}

void sc_interrupt(struct platform_ctx *ctx)
{
	atomic_store(&ctx->interrupted, true);
	if (atomic_load(&ctx->running))
		syscall(SYS_tgkill, ctx->tid, ctx->tid, SC_INTR_SIG);
}

int sc_get_fpstate(struct platform_ctx *ctx, struct arch_fpstate *fp)
{
	int err = sc_own(ctx);
	if (err)
		return err;
	if (!ctx->stopped)
		return -ESRCH;
	memcpy(fp->buf, ctx->slot + ctx->fp_off, fp_size());
	fp->valid = true;
	return 0;
}

/* Reject what XRSTOR would fault on at sigreturn (killing the stub). */
static bool fp_image_ok(const uint8_t *b)
{
	uint32_t mxcsr;
	memcpy(&mxcsr, b + MXCSR_OFF, sizeof(mxcsr));
	if (mxcsr & 0xffff0000u)
		return false;
	if (fp_size() <= FXSAVE_SIZE)
		return true;
	uint64_t hdr[XSAVE_HDR_SIZE / 8];
	memcpy(hdr, b + FXSAVE_SIZE, sizeof(hdr));
	if (hdr[0] & ~arch_xsave_features())
		return false;
	for (size_t i = 1; i < XSAVE_HDR_SIZE / 8; i++)
		if (hdr[i])
			return false;
	return true;
}

/* Copy an image into the frame, keeping the frame's software bytes (the
 * kernel's own description of the frame format) and MAGIC2. */
static void fp_put(struct platform_ctx *ctx, const uint8_t *b)
{
	uint8_t *dst = ctx->slot + ctx->fp_off;
	memcpy(dst, b, SW_BYTES_OFF);
	if (fp_size() > FXSAVE_SIZE)
		memcpy(dst + FXSAVE_SIZE, b + FXSAVE_SIZE, fp_size() - FXSAVE_SIZE);
}

int sc_set_fpstate(struct platform_ctx *ctx, const struct arch_fpstate *fp)
{
	int err = sc_own(ctx);
	if (err)
		return err;
	if (!ctx->stopped)
		return -ESRCH;
	if (!fp_image_ok(fp->buf))
		return -EINVAL;
	fp_put(ctx, fp->buf);
	return 0;
}

void sc_copy_fpstate(struct platform_ctx *from, struct platform_ctx *ctx)
{
	if (!from->stopped || !ctx->stopped)
		return;
	struct arch_fpstate tmp;
	arch_fpstate_init(&tmp);
	memcpy(tmp.buf, from->slot + from->fp_off, fp_size());
	if (fp_image_ok(tmp.buf))
		fp_put(ctx, tmp.buf);
	arch_fpstate_free(&tmp);
}
