/*
 * How guest code runs and how its syscalls are captured.
 *
 * An address space (struct platform_as) is a stub process; a context
 * (struct platform_ctx) is one guest thread inside it. The kernel above this
 * line never touches host processes directly.
 *
 * Threading rule: a context is *owned* by one sentry pthread at a time (for
 * ptrace: its tracer). Only the owner may switch it or use it as `via` for
 * memory operations. A context created by one pthread and run by another is
 * handed over with ctx_adopt() called by the new owner.
 *
 * New contexts (as_new, ctx_new) come back stopped and *unowned*. The first
 * owner-only call on an unowned ctx (switch_to, map/unmap/protect as `via`,
 * get/set_fpstate, ctx_new/as_new `from`) or ctx_adopt makes the calling
 * pthread its owner. A ctx owned by another pthread cannot be taken over
 * (-EBUSY): its owner gives it up first with ctx_disown(). So: create on one
 * pthread, run on another = ctx_new there, ctx_adopt (or just switch) here.
 *
 * Memory: all guest memory lives in the memory file (memfile_fd()). The mm
 * mirrors its VMAs into the address space with map/unmap/protect, always
 * *through* a context of that address space owned by the caller and not
 * currently running (`via`).
 */
#ifndef CVISOR_PLATFORM_H
#define CVISOR_PLATFORM_H
#include <stdint.h>
#include <stdbool.h>
#include <sys/types.h>
#include "../sentry/arch.h"

struct platform_as;
struct platform_ctx;

/* Guest virtual addresses are [GUEST_MIN_ADDR, GUEST_TOP). Above GUEST_TOP
 * sits the stub's own code; the guest can never map there. */
#define GUEST_MIN_ADDR 0x10000ULL
#define GUEST_TOP      0x7e0000000000ULL
#define STUB_BASE      GUEST_TOP
#define STUB_SIZE      0x10000ULL

enum platform_event_kind {
	PEV_SYSCALL,    /* guest executed `syscall`; regs.gp.orig_rax = nr, rip after insn */
	PEV_FAULT,      /* synchronous fault: signo/si_code/addr/access filled */
	PEV_INTERRUPT,  /* ctx_interrupt() was called (or a spurious stop) */
	PEV_DEAD,       /* the host thread died underneath us (killed, OOM) */
};

struct platform_event {
	enum platform_event_kind kind;
	int signo;        /* PEV_FAULT: SIGSEGV, SIGBUS, SIGFPE, SIGILL, SIGTRAP */
	int si_code;      /* host's si_code (SEGV_MAPERR, FPE_INTDIV, TRAP_BRKPT, ...) */
	uint64_t addr;    /* faulting data address (SIGSEGV/SIGBUS) or insn address */
	int access;       /* PROT_READ/PROT_WRITE/PROT_EXEC bits, best known; 0 = unknown */
};

struct platform_ops {
	const char *name;

	/* Once, before any other call (may fork helper processes). */
	int (*init)(int memfile_fd);

	/* Create a new, empty address space and its first context. `from` is a
	 * context owned by the caller that the platform may use to clone the
	 * stub (NULL: create from scratch; that first stub gets SIGKILL when the
	 * calling pthread exits, so call it on a pthread that outlives the
	 * returned ctx, e.g. the main thread). The new ctx is unowned (see top). */
	int (*as_new)(struct platform_ctx *from, struct platform_as **as, struct platform_ctx **ctx);
	/* New context (thread) in the same address space as `from`. Unowned. */
	int (*ctx_new)(struct platform_ctx *from, struct platform_ctx **ctx);
	/* Make the calling pthread the owner of ctx (no-op if it already is).
	 * -EBUSY if another pthread owns it, -ESRCH if its host thread died. */
	int (*ctx_adopt)(struct platform_ctx *ctx);
	/* Owner only: give up ownership (ctx stays stopped) so that another
	 * pthread can adopt it. No-op on an unowned ctx. */
	int (*ctx_disown)(struct platform_ctx *ctx);
	/* Destroy a context (kills its host thread). Called by its owner, or by
	 * anyone after the owner is gone. The address space dies with its last ctx. */
	void (*ctx_release)(struct platform_ctx *ctx);
	struct platform_as *(*ctx_as)(struct platform_ctx *ctx);

	/* Run ctx from *regs until an event; *regs is updated. Owner only.
	 * regs->gp.cs/ss are forced to the 64-bit user segments. Returns 0 with
	 * the event, or -errno if the host refused the registers (e.g. a
	 * non-canonical fs_base: -EIO); a dead host thread is PEV_DEAD. */
	int (*switch_to)(struct platform_ctx *ctx, struct arch_regs *regs, struct platform_event *ev);
	/* Make a running (or about to run) ctx return PEV_INTERRUPT soon.
	 * Callable from any thread. */
	void (*ctx_interrupt)(struct platform_ctx *ctx);

	/* Extended FPU state of a stopped ctx (owner only). */
	int (*get_fpstate)(struct platform_ctx *ctx, struct arch_fpstate *fp);
	int (*set_fpstate)(struct platform_ctx *ctx, const struct arch_fpstate *fp);

	/* Memory mirroring, through `via` (a stopped ctx owned by the caller).
	 * map: mmap(addr, len, prot, MAP_SHARED|MAP_FIXED, memfile, file_off). */
	int (*map)(struct platform_ctx *via, uint64_t addr, uint64_t len, int prot, uint64_t file_off);
	int (*unmap)(struct platform_ctx *via, uint64_t addr, uint64_t len);
	int (*protect)(struct platform_ctx *via, uint64_t addr, uint64_t len, int prot);

	/* Optional (NULL: every event's registers are exact). A platform whose
	 * syscall events carry only the syscall's own registers (nr, args, rip)
	 * fills in the rest from the host thread, keeping what the kernel
	 * changed. Owner only; called before the kernel reads other registers
	 * (signal frames). */
	int (*sync_regs)(struct platform_ctx *ctx, struct arch_regs *regs);
};

extern const struct platform_ops platform_ptrace;
extern const struct platform_ops platform_seccomp;
extern const struct platform_ops platform_notify;

/* --systrap-patching (default true): platforms that can rewrite trapped
 * syscall sites into direct calls do so only when this is set. */
extern bool platform_patching_enabled;

/* The calling host thread's tid (cached per thread). */
pid_t platform_self_tid(void);
/* waitpid(tid, __WALL | flags), retried on EINTR: pid, 0 or -errno. */
int platform_wait(pid_t tid, int *status, int flags);

/* A full memory barrier on every host thread running guest code (host
 * MEMBARRIER_CMD_GLOBAL: stub threads are host threads): 0 or -errno. */
int platform_membarrier(void);

/* The platform selected with --platform (set once at boot). */
extern const struct platform_ops *platform;
const struct platform_ops *platform_lookup(const char *name);

#endif
