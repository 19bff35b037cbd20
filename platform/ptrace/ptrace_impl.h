/* Internals of the ptrace platform (see docs/platform.md). */
#ifndef CVISOR_PLATFORM_PTRACE_IMPL_H
#define CVISOR_PLATFORM_PTRACE_IMPL_H
#include <stdatomic.h>
#include <sys/types.h>
#include <sys/user.h>
#include "../platform.h"

/* An address space lives as long as its contexts: each host process of it
 * maps the same VM (CLONE_VM), so nothing else needs tearing down. */
struct platform_as {
	atomic_int refs;                /* one per context */
};

/* One guest thread = one host process (its own thread group, tgid == tid),
 * traced by the owning sentry pthread. */
struct platform_ctx {
	pid_t tid;
	pid_t tracer;                   /* owner's tid; 0 = parked and detached */
	bool reaped;                    /* host thread already waited for */
	atomic_bool interrupted;        /* a ctx_interrupt SIGSTOP was swallowed */
	int cpu;                        /* host CPU the thread is bound to, -1 none */
	struct platform_as *as;
	struct user_regs_struct regs;   /* last image read from the host: template for injection */
};

#define PTRACE_OPTS (PTRACE_O_TRACESYSGOOD | PTRACE_O_EXITKILL)
#define USER_CS 0x33
#define USER_SS 0x2b

/* Labels of stub.S, and where they sit in the copy at STUB_BASE. */
extern const char stub_start[], stub_end[], stub_entry[], stub_park[];
extern const char stub_syscall[], stub_syscall_done[], stub_clone[], stub_clone_done[];
#define STUB_ADDR(sym) (STUB_BASE + (uint64_t)((sym) - stub_start))

extern int ptrace_memfd;

/* Make the caller the tracer of ctx: no-op if it is, attach if ctx is
 * parked, -EBUSY if another pthread owns it, -ESRCH if it is dead. */
int ptrace_own(struct platform_ctx *ctx);
/* Run syscall nr(args) in ctx (owned, stopped) from the stub sequence at
 * `entry` that ends with an int3 just before `done`. Returns the syscall's
 * result or -errno if the injection itself failed. Clobbers the host
 * registers of ctx (switch_to always loads the guest's). */
long ptrace_inject(struct platform_ctx *ctx, const char *entry, const char *done,
		   long nr, const uint64_t args[6]);
/* Record that ctx's host thread is gone (it was just waited for). */
void ptrace_mark_dead(struct platform_ctx *ctx);

int ptrace_map(struct platform_ctx *via, uint64_t addr, uint64_t len, int prot, uint64_t file_off);
int ptrace_unmap(struct platform_ctx *via, uint64_t addr, uint64_t len);
int ptrace_protect(struct platform_ctx *via, uint64_t addr, uint64_t len, int prot);
int ptrace_switch(struct platform_ctx *ctx, struct arch_regs *regs, struct platform_event *ev);
void ptrace_interrupt(struct platform_ctx *ctx);
int ptrace_get_fpstate(struct platform_ctx *ctx, struct arch_fpstate *fp);
int ptrace_set_fpstate(struct platform_ctx *ctx, const struct arch_fpstate *fp);

#endif
