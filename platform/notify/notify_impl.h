/* Internals of the notify platform (see docs/platform-notify.md). */
#ifndef CVISOR_PLATFORM_NOTIFY_IMPL_H
#define CVISOR_PLATFORM_NOTIFY_IMPL_H
#include <pthread.h>
#include <stdatomic.h>
#include <sys/types.h>
#include <sys/user.h>
#include "../platform.h"
#include "../ptrace_util.h"

/* The address space lives as long as its contexts (CLONE_VM processes).
 * Its template is a stub thread of it that never runs guest code and has
 * no filter: every context is cloned from it. */
struct platform_as {
	atomic_int refs;                /* one per context */
	pthread_mutex_t lock;           /* using the template */
	struct platform_ctx *tmpl;
};

/* One guest thread = one host process under its own seccomp filter, whose
 * listener (in the sentry's fd table, shared with CLONE_FILES) only this
 * thread's syscalls reach; traced (PTRACE_SEIZE) by the owning pthread. */
struct platform_ctx {
	pid_t tid;
	_Atomic pid_t tracer;           /* owner's tid; 0 = parked and detached */
	int listener;                   /* seccomp user-notification fd, -1 none */
	bool reaped;                    /* host thread already waited for */
	bool stopped;                   /* in a ptrace stop */
	bool in_notif;                  /* blocked in notification notif_id, unanswered */
	bool partial;                   /* last event's regs were partly guessed (see ev) */
	atomic_bool interrupted;
	int cpu;                        /* host CPU the thread is bound to, -1 none */
	uint64_t notif_id;
	struct platform_as *as;
	struct user_regs_struct ev;     /* partial: the registers reported */
	struct user_regs_struct real;   /* partial && stopped: the guest's real registers */
	struct user_regs_struct last;   /* what the guest last resumed with */
	struct user_regs_struct tmpl;   /* a host image of the thread, for injection */
};

#define NT_OPTS (PTRACE_O_EXITKILL)
#define USER_CS 0x33
#define USER_SS 0x2b

/* The filter program, in the stub page after the stub code. */
#define NT_PROG_OFF 0x8000

extern int nt_memfd;
extern pid_t nt_pid;

void nt_mark_dead(struct platform_ctx *ctx);
/* Make the caller the tracer of ctx (attach a parked one). */
int nt_own(struct platform_ctx *ctx);
/* Owner: take a thread blocked in its notification into a ptrace stop. */
int nt_stop(struct platform_ctx *ctx);
long nt_inject(struct platform_ctx *ctx, const char *entry, const char *done, long nr,
	       const uint64_t args[6]);

int nt_build_filter(uint8_t *stub_page);
int nt_wake_init(void);

int nt_map(struct platform_ctx *via, uint64_t addr, uint64_t len, int prot, uint64_t file_off);
int nt_unmap(struct platform_ctx *via, uint64_t addr, uint64_t len);
int nt_protect(struct platform_ctx *via, uint64_t addr, uint64_t len, int prot);
int nt_switch(struct platform_ctx *ctx, struct arch_regs *regs, struct platform_event *ev);
int nt_sync_regs(struct platform_ctx *ctx, struct arch_regs *regs);
void nt_interrupt(struct platform_ctx *ctx);
int nt_get_fpstate(struct platform_ctx *ctx, struct arch_fpstate *fp);
int nt_set_fpstate(struct platform_ctx *ctx, const struct arch_fpstate *fp);

#endif
