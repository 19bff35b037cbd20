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
#define X86_EFLAGS_NT 0x4000   /* iretq in 64-bit mode faults with it */
#define X86_EFLAGS_OF 0x800
#define X86_EFLAGS_ARITH 0x8d5  /* CF PF AF ZF SF OF */

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

/* fs/gs base as the stub read them; a gs base on the thread's own slot is
 * the one the sentry set for patched sites while the guest's is 0. */
static void load_bases(struct platform_ctx *ctx, struct user_regs_struct *r)
{
	if (sc_fsgsbase) {
		ctx->fs_base = ctx->ctl->fs;
		uint64_t gs = ctx->ctl->gs;
		ctx->gs_base = gs == ctx->slot_addr ? 0 : gs;
	}
	r->fs_base = ctx->fs_base;
	r->gs_base = ctx->gs_base;
}

/* The gs base the stub thread runs with. */
static uint64_t host_gs(struct platform_ctx *ctx, uint64_t guest_gs)
{
	return guest_gs == 0 && sc_patching ? ctx->slot_addr : guest_gs;
}

/* What Linux would report for `syscall` (number nr) of the site at addr. */
static void site_syscall(struct user_regs_struct *r, uint64_t addr, uint64_t nr,
			 struct platform_event *ev)
{
	r->rip = addr + 7;
	r->rcx = r->rip;
	r->r11 = r->eflags;
	r->orig_rax = nr;
	r->rax = (uint64_t)-ENOSYS;
	*ev = (struct platform_event){ .kind = PEV_SYSCALL };
}

static const struct sc_site *site(struct platform_ctx *ctx, uint64_t k)
{
	int n = atomic_load_explicit(&ctx->as->nsites, memory_order_acquire);
	return k < (uint64_t)n ? &ctx->as->sites[k] : NULL;
}

/* Signals the stub's patched-site code raises on the way of a syscall:
 * the guest-%gs trap (SIGILL at sc_stub_patch_trap, rcx = k), a
 * single-step trap on entry k (TF set), a thread that was between the
 * replaced mov and syscall (the `00 00` left there faults on page 0). */
static bool patched_signal(struct platform_ctx *ctx, uint32_t sig, const struct k_siginfo *si,
			   struct user_regs_struct *r, struct platform_event *ev)
{
	uint64_t entries = SC_STUB_ADDR(sc_stub_patch_entries);
	uint64_t entries_end = SC_STUB_ADDR(sc_stub_patch_entries_end);
	const struct sc_site *s;
	if (sig == SIGILL && r->rip == SC_STUB_ADDR(sc_stub_patch_trap) &&
	    (s = site(ctx, r->rcx & 0xffffffffu))) {
		site_syscall(r, s->addr, s->nr, ev);
		return true;
	}
	if (sig == SIGTRAP && r->rip >= entries && r->rip < entries_end &&
	    (r->rip - entries) % SC_ENTRY_SIZE == 0 &&
	    (s = site(ctx, (r->rip - entries) / SC_ENTRY_SIZE))) {
		site_syscall(r, s->addr, s->nr, ev);
		return true;
	}
	/* That one only if the bytes there are still the patch: the address
	 * may hold other code by now (the table outlives munmap and exec). */
	if (sig == SIGSEGV && si->addr < SC_PTAB_ADDR && (s = sc_site_at_syscall(ctx->as, r->rip)) &&
	    sc_site_check && sc_site_check(ctx, s->addr, (uint32_t)(s - ctx->as->sites))) {
		site_syscall(r, s->addr, r->rax, ev);
		return true;
	}
	return false;
}

/* Turn the validated frame into an event and the guest registers. */
static void decode(struct platform_ctx *ctx, struct k_ucontext *uc, struct arch_regs *regs,
		   struct platform_event *ev, uint32_t sig)
{
	struct user_regs_struct *r = &regs->gp;
	to_user_regs(&uc->mc, r);
	load_bases(ctx, r);

	struct k_siginfo si;
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
		sc_patch_note(ctx, r->rip, (uint32_t)r->orig_rax, r->eflags);
		return;
	}
	if (fault_signal((int)sig) && si.code > 0 && atomic_load(&ctx->as->nsites) > 0 &&
	    patched_signal(ctx, sig, &si, r, ev))
		return;
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

/* A stop through a patched site: the registers the stub saved in the
 * control page, the site's number and address from the sentry's table. */
static bool decode_patched(struct platform_ctx *ctx, struct arch_regs *regs,
			   struct platform_event *ev)
{
	const struct sc_site *s = site(ctx, ctx->ctl->site);
	if (!s)
		return false;   /* no such site: forged */
	uint64_t g[15], iret[5];
	memcpy(g, ctx->slot + SC_CTL_PREGS, sizeof(g));
	memcpy(iret, ctx->slot + SC_CTL_PIRET, sizeof(iret));
	struct user_regs_struct *r = &regs->gp;
	*r = (struct user_regs_struct){
		.r8 = g[0], .r9 = g[1], .r10 = g[2], .r12 = g[4], .r13 = g[5], .r14 = g[6],
		.r15 = g[7], .rdi = g[8], .rsi = g[9], .rbp = g[10], .rbx = g[11], .rdx = g[12],
		.eflags = iret[2], .rsp = iret[3], .cs = USER_CS, .ss = USER_SS,
	};
	load_bases(ctx, r);
	site_syscall(r, s->addr, s->nr, ev);
	ctx->patched_stop = true;
	ctx->patched_eflags = r->eflags;
	ctx->fp_saved = false;
	ctx->fp_restore = false;
	ctx->stopped = true;
	return true;
}

/* Registers for the resume of a patched stop (sc_stub_patch_resume). */
static void put_patched(struct platform_ctx *ctx, const struct user_regs_struct *r)
{
	const uint64_t g[15] = { r->r8, r->r9, r->r10, r->r11, r->r12, r->r13, r->r14, r->r15,
				 r->rdi, r->rsi, r->rbp, r->rbx, r->rdx, r->rax, r->rcx };
	const uint64_t iret[5] = { r->rip, USER_CS, r->eflags & ~X86_EFLAGS_NT, r->rsp, USER_SS };
	memcpy(ctx->slot + SC_CTL_PREGS, g, sizeof(g));
	memcpy(ctx->slot + SC_CTL_PIRET, iret, sizeof(iret));
	/* The stub runs with the flags it entered with: when only arithmetic
	 * ones change and %gs is the slot, it resumes without iretq. */
	uint32_t pflags = ctx->fp_restore ? SC_PF_FPRESTORE : 0;
	if (host_gs(ctx, r->gs_base) == ctx->slot_addr &&
	    !((r->eflags ^ ctx->patched_eflags) & ~(uint64_t)X86_EFLAGS_ARITH)) {
		uint32_t ahal = (uint32_t)(r->eflags & 0xff) << 8 | ((r->eflags & X86_EFLAGS_OF) ? 1 : 0);
		pflags |= SC_PF_FAST | ahal << 16;
	}
	ctx->ctl->pflags = pflags;
	ctx->fp_restore = false;
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

	if (ctx->patch_rip) {
		if (sc_patch_hook)
			sc_patch_hook(ctx);
		ctx->patch_rip = 0;
	}
	atomic_store(&ctx->running, true);
	if (atomic_exchange(&ctx->interrupted, false)) {
		atomic_store(&ctx->running, false);
		return 0;
	}
	struct k_ucontext uc;
	if (ctx->patched_stop) {
		put_patched(ctx, r);
	} else {
		/* Registers into the frame; the altstack and mask are ours, always. */
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
	}

	struct sc_ctl *c = ctx->ctl;
	uint32_t flags = sc_fsgsbase ? SC_FL_FSGSBASE : 0;
	if (!sc_fsgsbase && (r->fs_base != ctx->fs_base || r->gs_base != ctx->gs_base))
		flags |= SC_FL_SETFSGS;
	c->flags = flags;
	c->fs = r->fs_base;
	c->gs = host_gs(ctx, r->gs_base);
	ctx->fs_base = r->fs_base;
	ctx->gs_base = r->gs_base;

	err = sc_handoff(ctx, SC_ST_RUN);
	atomic_store(&ctx->running, false);
	uint32_t sig = c->signo;
	bool ok = !err && atomic_load(&c->state) == SC_ST_EVENT;
	if (ok && sig == 0) {
		ok = decode_patched(ctx, regs, ev);
		if (ok)
			return 0;
	}
	if (!ok || !sc_load_frame(ctx)) {
		sc_reap(ctx, true);   /* dead, or inconsistent: kill it */
		ev->kind = PEV_DEAD;
		return 0;
	}
	ctx->patched_stop = false;
	memcpy(&uc, frame(ctx), sizeof(uc));
	decode(ctx, &uc, regs, ev, sig);
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

/* A patched stop left the FPU state in the CPU: have the stub save it. */
static int patched_fp(struct platform_ctx *ctx)
{
	if (!ctx->patched_stop || ctx->fp_saved)
		return 0;
	memset(ctx->slot + SC_PFP_OFF + FXSAVE_SIZE, 0, XSAVE_HDR_SIZE);
	int err = sc_handoff(ctx, SC_ST_FPSAVE);
	if (err || atomic_load(&ctx->ctl->state) != SC_ST_DONE) {
		sc_reap(ctx, true);
		return -ESRCH;
	}
	ctx->stopped = true;
	ctx->fp_saved = true;
	ctx->fp_off = SC_PFP_OFF;
	return 0;
}

int sc_get_fpstate(struct platform_ctx *ctx, struct arch_fpstate *fp)
{
	int err = sc_own(ctx);
	if (err)
		return err;
	if (!ctx->stopped)
		return -ESRCH;
	if ((err = patched_fp(ctx)))
		return err;
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
	if (ctx->patched_stop) {
		/* xrstor64 on the way back (sc_stub_patch_resume). */
		ctx->fp_off = SC_PFP_OFF;
		ctx->fp_saved = true;
		ctx->fp_restore = true;
	}
	fp_put(ctx, fp->buf);
	return 0;
}

void sc_copy_fpstate(struct platform_ctx *from, struct platform_ctx *ctx)
{
	if (!from->stopped || !ctx->stopped || patched_fp(from))
		return;
	struct arch_fpstate tmp;
	arch_fpstate_init(&tmp);
	memcpy(tmp.buf, from->slot + from->fp_off, fp_size());
	if (fp_image_ok(tmp.buf))
		fp_put(ctx, tmp.buf);
	arch_fpstate_free(&tmp);
}
