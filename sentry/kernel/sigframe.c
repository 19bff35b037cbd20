/*
 * The x86-64 rt_sigframe (arch/x86/kernel/signal_64.c, fpu/signal.c):
 * building it on the guest stack, restoring from it in rt_sigreturn, and
 * sigaltstack bookkeeping. Layouts are the kernel's, byte for byte.
 */
#include <errno.h>
#include <stddef.h>
#include <string.h>
#include "sentry/mm.h"
#include "sentry/task.h"
#include "platform/platform.h"
#include "sig_internal.h"

struct ksigcontext {
	uint64_t r8, r9, r10, r11, r12, r13, r14, r15;
	uint64_t rdi, rsi, rbp, rbx, rdx, rax, rcx, rsp, rip, eflags;
	uint16_t cs, gs, fs, ss;
	uint64_t err, trapno, oldmask, cr2;
	uint64_t fpstate;
	uint64_t reserved1[8];
};

struct kucontext {
	uint64_t uc_flags;
	uint64_t uc_link;
	struct kstack uc_stack;
	struct ksigcontext uc_mcontext;
	uint64_t uc_sigmask;
};

struct krt_sigframe {
	uint64_t pretcode;
	struct kucontext uc;
	struct ksiginfo info;
};

_Static_assert(sizeof(struct ksigcontext) == 256, "sigcontext layout");
_Static_assert(offsetof(struct ksigcontext, cs) == 144, "sigcontext layout");
_Static_assert(offsetof(struct ksigcontext, fpstate) == 184, "sigcontext layout");
_Static_assert(sizeof(struct kstack) == 24, "stack_t layout");
_Static_assert(sizeof(struct kucontext) == 304, "ucontext layout");
_Static_assert(offsetof(struct kucontext, uc_mcontext) == 40, "ucontext layout");
_Static_assert(sizeof(struct krt_sigframe) == 440, "rt_sigframe layout");

/* struct _fpx_sw_bytes, in the software-reserved tail of the FXSAVE area. */
struct fpx_sw_bytes {
	uint32_t magic1;
	uint32_t extended_size;
	uint64_t xfeatures;
	uint32_t xstate_size;
	uint32_t padding[7];
};
_Static_assert(sizeof(struct fpx_sw_bytes) == 48, "fpx_sw_bytes layout");

#define FP_XSTATE_MAGIC1 0x46505853U
#define FP_XSTATE_MAGIC2 0x46505845U
#define FXSAVE_SIZE      512
#define XSAVE_HDR_SIZE   64
#define SW_BYTES_OFF     464
#define MXCSR_OFF        24
#define MXCSR_VALID      0xffffU
#define XFEATURE_FPSSE   3ULL

#define UC_FP_XSTATE         1
#define UC_SIGCONTEXT_SS     2
#define UC_STRICT_RESTORE_SS 4

#define USER_CS 0x33
#define USER_DS 0x2b
#define EFLAGS_TF 0x100ULL
#define EFLAGS_DF 0x400ULL
#define EFLAGS_RF 0x10000ULL
/* AC|OF|DF|TF|SF|ZF|AF|PF|CF|RF: what rt_sigreturn lets the guest set. */
#define FIX_EFLAGS 0x50dd5ULL

#define REDZONE 128

/* ---- sigaltstack ---------------------------------------------------------- */

static bool __on_sig_stack(const struct task *t, uint64_t sp)
{
	return sp > t->altstack_sp && sp - t->altstack_sp <= t->altstack_size;
}

bool on_sig_stack(struct task *t, uint64_t sp)
{
	/* With SS_AUTODISARM the stack may be reused by a nested handler. */
	if ((uint32_t)t->altstack_flags & KSS_AUTODISARM)
		return false;
	return __on_sig_stack(t, sp);
}

int sas_ss_flags(struct task *t, uint64_t sp)
{
	if (!t->altstack_size)
		return KSS_DISABLE;
	return on_sig_stack(t, sp) ? KSS_ONSTACK : 0;
}

int do_sigaltstack(struct task *t, const struct kstack *ss, struct kstack *oss, uint64_t sp,
		   uint64_t min_size)
{
	if (oss) {
		memset(oss, 0, sizeof(*oss));
		oss->ss_sp = t->altstack_sp;
		oss->ss_size = t->altstack_size;
		oss->ss_flags = sas_ss_flags(t, sp) | (int32_t)((uint32_t)t->altstack_flags & KSS_AUTODISARM);
	}
	if (!ss)
		return 0;
	if (on_sig_stack(t, sp))
		return -EPERM;
	uint32_t flags = (uint32_t)ss->ss_flags;
	uint32_t mode = flags & ~KSS_AUTODISARM;
	if (mode != KSS_DISABLE && mode != KSS_ONSTACK && mode != 0)
		return -EINVAL;
	if (t->altstack_sp == ss->ss_sp && t->altstack_size == ss->ss_size &&
	    (uint32_t)t->altstack_flags == flags)
		return 0;
	uint64_t ssp = ss->ss_sp, size = ss->ss_size;
	if (mode == KSS_DISABLE) {
		ssp = 0;
		size = 0;
	} else if (size < min_size) {
		return -ENOMEM;
	}
	t->altstack_sp = ssp;
	t->altstack_size = size;
	t->altstack_flags = (int)flags;
	return 0;
}

/* ---- FPU state ------------------------------------------------------------ */

static const struct arch_fpstate *init_fpstate(void)
{
	static struct arch_fpstate init_fp;
	if (!init_fp.buf)
		arch_fpstate_init(&init_fp);
	return init_fp.buf ? &init_fp : NULL;
}

static bool fp_ready(struct task *t)
{
	if (!t->fp.buf)
		arch_fpstate_init(&t->fp);
	return t->fp.buf != NULL;
}

/* copy_fpstate_to_sigframe: the XSAVE image + software bytes + MAGIC2. */
static int fp_save(struct task *t, uint64_t addr, size_t xsize)
{
	if (!fp_ready(t) || platform->get_fpstate(t->ctx, &t->fp) < 0)
		return -EFAULT;
	uint8_t *b = t->fp.buf;
	if (xsize > FXSAVE_SIZE) {
		struct fpx_sw_bytes sw = {
			.magic1 = FP_XSTATE_MAGIC1,
			.extended_size = (uint32_t)xsize + 4,
			.xfeatures = arch_xsave_features(),
			.xstate_size = (uint32_t)xsize,
		};
		memcpy(b + SW_BYTES_OFF, &sw, sizeof(sw));
		/* Legacy readers expect FP/SSE always marked present. */
		uint64_t bv;
		memcpy(&bv, b + FXSAVE_SIZE, sizeof(bv));
		bv |= XFEATURE_FPSSE;
		memcpy(b + FXSAVE_SIZE, &bv, sizeof(bv));
		uint32_t magic2 = FP_XSTATE_MAGIC2;
		if (copy_to_user(t->mm, addr + xsize, &magic2, sizeof(magic2)))
			return -EFAULT;
	}
	return copy_to_user(t->mm, addr, b, xsize);
}

/* fpu__restore_sig: an invalid software header falls back to the legacy
 * FXSAVE part only, like Linux; faults and state XRSTOR would reject are
 * errors (-> SIGSEGV). */
static int fp_restore(struct task *t, uint64_t addr)
{
	if (!addr) {
		const struct arch_fpstate *init = init_fpstate();
		return init && platform->set_fpstate(t->ctx, init) < 0 ? -EFAULT : 0;
	}
	size_t xsize = arch_fpstate_size();
	if (!fp_ready(t))
		return -EFAULT;
	uint8_t *b = t->fp.buf;
	memset(b, 0, xsize);
	if (copy_from_user(t->mm, b, addr, FXSAVE_SIZE))
		return -EFAULT;
	struct fpx_sw_bytes sw;
	memcpy(&sw, b + SW_BYTES_OFF, sizeof(sw));
	bool fx_only = true;
	if (xsize > FXSAVE_SIZE && sw.magic1 == FP_XSTATE_MAGIC1 &&
	    sw.xstate_size >= FXSAVE_SIZE + XSAVE_HDR_SIZE && sw.xstate_size <= xsize &&
	    sw.xstate_size <= sw.extended_size) {
		uint32_t magic2;
		if (copy_from_user(t->mm, &magic2, addr + sw.xstate_size, sizeof(magic2)))
			return -EFAULT;
		fx_only = magic2 != FP_XSTATE_MAGIC2;
	}
	if (addr % (fx_only ? 16 : 64))
		return -EFAULT;   /* FXRSTOR/XRSTOR alignment */
	uint32_t mxcsr;
	memcpy(&mxcsr, b + MXCSR_OFF, sizeof(mxcsr));
	if (mxcsr & ~MXCSR_VALID)
		return -EFAULT;
	memset(b + SW_BYTES_OFF, 0, sizeof(sw));
	if (!fx_only) {
		if (copy_from_user(t->mm, b + FXSAVE_SIZE, addr + FXSAVE_SIZE,
				   sw.xstate_size - FXSAVE_SIZE))
			return -EFAULT;
		uint64_t hdr[8];
		memcpy(hdr, b + FXSAVE_SIZE, sizeof(hdr));
		for (int i = 1; i < 8; i++)
			if (hdr[i])
				return -EFAULT;   /* compacted format or reserved bits */
		if (hdr[0] & ~arch_xsave_features())
			return -EFAULT;
		hdr[0] &= sw.xfeatures;   /* features not requested start from init */
		memcpy(b + FXSAVE_SIZE, hdr, sizeof(hdr));
	} else if (xsize > FXSAVE_SIZE) {
		uint64_t bv = XFEATURE_FPSSE;
		memcpy(b + FXSAVE_SIZE, &bv, sizeof(bv));
	}
	return platform->set_fpstate(t->ctx, &t->fp) < 0 ? -EFAULT : 0;
}

/* ---- frame ------------------------------------------------------------- */

/* trapno/err/cr2 of the fault being reported (best effort: the sentry does
 * not keep the hardware error code). */
static void fault_regs(const struct ksiginfo *info, struct ksigcontext *sc)
{
	if (info->si_code <= 0)
		return;
	switch (info->si_signo) {
	case SIGSEGV:
		if (info->si_code == KSI_KERNEL) {
			sc->trapno = 13;
			break;
		}
		sc->trapno = 14;
		sc->err = 4 | (info->si_code == SEGV_ACCERR ? 1 : 0);
		sc->cr2 = info->u.fault.addr;
		break;
	case SIGBUS:
		sc->trapno = info->si_code == BUS_ADRALN ? 17 : 14;
		sc->err = 4;
		sc->cr2 = info->u.fault.addr;
		break;
	case SIGFPE:
		sc->trapno = info->si_code == FPE_INTDIV ? 0 : 16;
		break;
	case SIGILL:
		sc->trapno = 6;
		break;
	case SIGTRAP:
		sc->trapno = info->si_code == TRAP_BRKPT ? 3 : 1;
		break;
	}
}

int sigframe_setup(struct task *t, int sig, const struct k_sigaction *ka,
		   const struct ksiginfo *info, ksigset_t saved_mask)
{
	struct user_regs_struct *r = &t->regs.gp;
	/* x86-64 has no vDSO sigreturn stub fallback: SA_RESTORER is required. */
	if (!(ka->flags & KSA_RESTORER))
		return -EFAULT;
	if (platform->sync_regs && platform->sync_regs(t->ctx, &t->regs) < 0)
		return -EFAULT;

	uint64_t sp = r->rsp;
	bool nested = on_sig_stack(t, sp), entering = false;
	sp -= REDZONE;
	if ((ka->flags & KSA_ONSTACK) && sas_ss_flags(t, sp) == 0) {
		sp = t->altstack_sp + t->altstack_size;
		entering = true;
	}
	size_t xsize = arch_fpstate_size();
	size_t math = xsize > FXSAVE_SIZE ? xsize + 4 : FXSAVE_SIZE;
	uint64_t fpaddr = (sp - math) & ~63ULL;
	uint64_t frame = ((fpaddr - sizeof(struct krt_sigframe)) & ~15ULL) - 8;
	if ((nested || entering) && !__on_sig_stack(t, frame))
		return -EFAULT;   /* would overflow the alternate stack */
	if (fp_save(t, fpaddr, xsize) < 0)
		return -EFAULT;

	struct krt_sigframe f;
	memset(&f, 0, sizeof(f));
	f.pretcode = ka->restorer;
	f.uc.uc_flags = (xsize > FXSAVE_SIZE ? UC_FP_XSTATE : 0) | UC_SIGCONTEXT_SS |
			UC_STRICT_RESTORE_SS;
	f.uc.uc_stack.ss_sp = t->altstack_sp;
	f.uc.uc_stack.ss_flags = t->altstack_flags;
	f.uc.uc_stack.ss_size = t->altstack_size;
	struct ksigcontext *sc = &f.uc.uc_mcontext;
	sc->r8 = r->r8; sc->r9 = r->r9; sc->r10 = r->r10; sc->r11 = r->r11;
	sc->r12 = r->r12; sc->r13 = r->r13; sc->r14 = r->r14; sc->r15 = r->r15;
	sc->rdi = r->rdi; sc->rsi = r->rsi; sc->rbp = r->rbp; sc->rbx = r->rbx;
	sc->rdx = r->rdx; sc->rax = r->rax; sc->rcx = r->rcx; sc->rsp = r->rsp;
	sc->rip = r->rip; sc->eflags = r->eflags;
	sc->cs = (uint16_t)r->cs;
	sc->ss = (uint16_t)r->ss;
	fault_regs(info, sc);
	sc->oldmask = saved_mask;
	sc->fpstate = fpaddr;
	f.uc.uc_sigmask = saved_mask;
	/* Like Linux, siginfo is only written for SA_SIGINFO handlers. */
	size_t len = (ka->flags & KSA_SIGINFO) ? sizeof(f) : offsetof(struct krt_sigframe, info);
	if (ka->flags & KSA_SIGINFO)
		f.info = *info;
	if (copy_to_user(t->mm, frame, &f, len))
		return -EFAULT;

	r->rdi = (uint64_t)sig;
	r->rsi = frame + offsetof(struct krt_sigframe, info);
	r->rdx = frame + offsetof(struct krt_sigframe, uc);
	r->rax = 0;
	r->rip = ka->handler;
	r->rsp = frame;
	r->cs = USER_CS;
	r->ss = USER_DS;
	r->eflags &= ~(EFLAGS_DF | EFLAGS_RF | EFLAGS_TF);
	/* The handler starts with a clean FPU (fpu__clear_user_states). */
	const struct arch_fpstate *init = init_fpstate();
	if (init)
		platform->set_fpstate(t->ctx, init);
	if ((uint32_t)t->altstack_flags & KSS_AUTODISARM) {
		t->altstack_sp = 0;
		t->altstack_size = 0;
		t->altstack_flags = KSS_DISABLE;
	}
	return 0;
}

int sigframe_restore(struct task *t)
{
	struct user_regs_struct *r = &t->regs.gp;
	uint64_t frame = r->rsp - 8;
	struct kucontext uc;
	if (copy_from_user(t->mm, &uc, frame + offsetof(struct krt_sigframe, uc), sizeof(uc)))
		return -EFAULT;
	signal_set_blocked(t, uc.uc_sigmask);
	t->restart.fn = NULL;   /* a pending restart_syscall now returns -EINTR */

	const struct ksigcontext *sc = &uc.uc_mcontext;
	r->r8 = sc->r8; r->r9 = sc->r9; r->r10 = sc->r10; r->r11 = sc->r11;
	r->r12 = sc->r12; r->r13 = sc->r13; r->r14 = sc->r14; r->r15 = sc->r15;
	r->rdi = sc->rdi; r->rsi = sc->rsi; r->rbp = sc->rbp; r->rbx = sc->rbx;
	r->rdx = sc->rdx; r->rax = sc->rax; r->rcx = sc->rcx; r->rsp = sc->rsp;
	r->rip = sc->rip;
	r->eflags = (r->eflags & ~FIX_EFLAGS) | (sc->eflags & FIX_EFLAGS);
	/* Only 64-bit user segments: no switching to compat mode via sigreturn. */
	r->cs = USER_CS;
	r->ss = USER_DS;
	r->orig_rax = (uint64_t)-1;   /* not a syscall any more: no restart */
	if (fp_restore(t, sc->fpstate) < 0)
		return -EFAULT;
	struct kstack ss = uc.uc_stack;
	do_sigaltstack(t, &ss, NULL, r->rsp, KMINSIGSTKSZ);   /* errors ignored, like Linux */
	return 0;
}
