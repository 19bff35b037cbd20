/* Internals of the seccomp platform (see docs/platform-seccomp.md). */
#ifndef CVISOR_PLATFORM_SECCOMP_IMPL_H
#define CVISOR_PLATFORM_SECCOMP_IMPL_H
#include <pthread.h>
#include <sched.h>
#include <stdatomic.h>
#include <sys/types.h>
#include "../platform.h"
#include "stub_layout.h"

/* The control page as the sentry sees it. Every field may be rewritten by
 * guest code at any time: read each once, validate, never trust. */
struct sc_ctl {
	_Atomic uint32_t state;
	_Atomic uint32_t stub_sleeping;
	_Atomic uint32_t sentry_sleeping;
	volatile uint32_t flags;
	volatile uint32_t spin;
	volatile uint32_t signo;
	volatile uint64_t uctx;
	volatile uint64_t info;
	volatile uint64_t fs;
	volatile uint64_t gs;
	volatile uint64_t req_nr;
	volatile uint64_t req_args[6];
	volatile uint64_t req_r12, req_r13, req_r14;
	volatile uint64_t req_ret;
	volatile uint32_t site;         /* patched stop: site index */
	volatile uint32_t pflags;       /* SC_PF_* */
};

/* A patched call site of an address space: `mov $nr,%eax; syscall` at addr. */
struct sc_site {
	uint64_t addr;
	uint32_t nr;
};

/* One slot of an address space: its file range and the sentry's mapping. */
struct sc_slot {
	long gidx;          /* index in the slot file, -1 none */
	uint8_t *map;       /* sentry mapping, SC_SLOT_SIZE bytes */
	bool in_use;        /* a live ctx runs on it */
};

struct platform_as {
	atomic_int refs;                /* one per context */
	pthread_mutex_t lock;           /* slots */
	struct sc_slot *slots;
	int nslots;
	/* Patched sites (index = entry of the stub text): written under lock,
	 * nsites published last, read without lock by decoders. */
	struct sc_site *sites;          /* SC_MAX_SITES, NULL until the first */
	_Atomic int nsites;
	/* Sites found unpatchable, so they are not examined again. */
	uint64_t rejected[64];
	unsigned nrejected;
};

struct platform_ctx {
	pid_t tid;                      /* host process (tgid == tid) */
	_Atomic pid_t owner;            /* owning sentry pthread's tid, 0 = none */
	bool reaped;                    /* host process waited for */
	atomic_bool interrupted;        /* ctx_interrupt() not yet reported */
	atomic_bool running;            /* inside switch_to's guest run */
	struct platform_as *as;
	int local;                      /* slot index in as */
	struct sc_ctl *ctl;             /* = as->slots[local].map */
	uint8_t *slot;
	uint64_t slot_addr;             /* the slot's address in the stub */
	/* The current signal frame (validated offsets into the slot). */
	uint32_t uc_off, fp_off;
	bool stopped;                   /* in the handler with a valid frame, or patched */
	bool patched_stop;              /* stopped through a patched site: no frame */
	bool fp_saved;                  /* patched stop: FPU state is at SC_PFP_OFF */
	bool fp_restore;                /* ... to be loaded on resume (set_fpstate) */
	uint64_t patched_eflags;        /* patched stop: rflags the stub is running with */
	uint64_t patch_rip;             /* last syscall trapped here: try to patch it */
	uint32_t patch_nr;
	uint64_t fs_base, gs_base;      /* last known (no FSGSBASE: tracked) */
	unsigned spin;                  /* adaptive spin budget of the sentry, cycles */
	bool spin_mode;                 /* see handoff.c */
	unsigned spin_fails, since_probe;
	unsigned blocked_polls;         /* see refuses_interrupt() */
	int cpu;                        /* CPU the stub is bound to, -1 none */
};

/* Labels of stub.S. */
extern const char sc_stub_start[], sc_stub_text_end[], sc_stub_root[], sc_stub_ready[];
extern const char sc_stub_handler[], sc_stub_restorer[];
extern const char sc_stub_patch_entries[], sc_stub_patch_entries_end[], sc_stub_patch_trap[];
#define SC_STUB_ADDR(sym) (STUB_BASE + (uint64_t)((sym) - sc_stub_start))

/* Spin budgets in TSC cycles (about 2.6 GHz here): the stub's is fixed, the
 * sentry's adapts per ctx between MIN and MAX (grows while events arrive
 * within it, halves when they do not). No spinning with one usable CPU. */
#define SC_STUB_SPIN   50000
#define SC_SPIN_START  50000
#define SC_SPIN_MIN    2000
#define SC_SPIN_MAX    200000
#define SC_SPIN_FAILS  4        /* failed spins in a row: sleep mode */
#define SC_PROBE_EVERY 512      /* sleep-mode handoffs between spin probes */
#define SC_INTR_POLLS  10       /* 100 ms polls before an unanswered interrupt kills */

extern int sc_memfd, sc_slotfd;
extern bool sc_fsgsbase;
extern bool sc_multi_cpu;
extern int sc_max_spinners;     /* sentry threads spinning at once */
extern cpu_set_t sc_cpus;       /* CPUs usable at init */

/* filter.c: write the parameter block (slot fd, sigaction, filter) into
 * the stub copy at `base` (still writable). */
int sc_write_params(uint8_t *base);

/* handoff.c */
/* Post `state` (RUN, REQ, CLONE) and wait until the stub posts EVENT or
 * DONE. -ESRCH if its host process died (reaped). */
int sc_handoff(struct platform_ctx *ctx, uint32_t state);
/* Wait for a freshly created stub's first EVENT. */
int sc_wait_stopped(struct platform_ctx *ctx);
/* Run syscall nr(args) in the stopped, owned ctx. Syscall result or -errno. */
long sc_request(struct platform_ctx *ctx, long nr, const uint64_t args[6]);
/* Make the caller the owner of ctx (see platform.h). */
int sc_own(struct platform_ctx *ctx);
/* The host process is gone: reap it if not yet done. */
void sc_reap(struct platform_ctx *ctx, bool kill_it);

/* switch.c */
/* Validate the frame the stub just published; false = hostile/inconsistent. */
bool sc_load_frame(struct platform_ctx *ctx);
int sc_switch(struct platform_ctx *ctx, struct arch_regs *regs, struct platform_event *ev);
void sc_interrupt(struct platform_ctx *ctx);
int sc_get_fpstate(struct platform_ctx *ctx, struct arch_fpstate *fp);
int sc_set_fpstate(struct platform_ctx *ctx, const struct arch_fpstate *fp);
/* Copy the FPU state of from's frame into ctx's (fork/clone inherit it). */
void sc_copy_fpstate(struct platform_ctx *from, struct platform_ctx *ctx);
/* A fresh address space cloned from the zygote: its one stopped, unowned
 * stub thread (seccomp.c). */
int sc_spawn_fresh(struct platform_ctx **out);
/* A pooled fresh address space, or NULL when none is ready (pool.c). */
struct platform_ctx *sc_pool_take(void);
/* Is the current frame the stub's "ready" trap? */
bool sc_frame_is_ready(struct platform_ctx *ctx);

/* patch.c: may a syscall trapped at rip (after the insn) be patched? Its
 * site is then examined by sc_patch_hook before the next run. */
extern bool sc_patching;        /* platform_patching_enabled && possible */
void sc_patch_note(struct platform_ctx *ctx, uint64_t rip, uint32_t nr, uint64_t eflags);
/* Set by the sentry side (patch_mm.c, absent from unit tests): examine and
 * rewrite ctx->patch_rip; takes the kernel lock itself. */
extern void (*sc_patch_hook)(struct platform_ctx *ctx);
/* Set there too: is site k of ctx's address space still patched in its
 * mm (the bytes are k's jump)? Takes the kernel lock itself. */
extern bool (*sc_site_check)(struct platform_ctx *ctx, uint64_t addr, uint32_t k);
/* The site table: index of (addr, nr), added if new; -1 when full. */
int sc_site_add(struct platform_as *as, uint64_t addr, uint32_t nr);
void sc_reject(struct platform_as *as, uint64_t rip);
/* Copy from's sites into a new address space (fork copies patched text). */
void sc_sites_inherit(struct platform_as *as, struct platform_as *from);
void sc_sites_free(struct platform_as *as);
/* The patched site whose `syscall` was at rip - 2, if any (as the
 * unpatched bytes would run: a thread stopped between mov and syscall). */
const struct sc_site *sc_site_at_syscall(struct platform_as *as, uint64_t syscall_addr);

/* mem.c */
int sc_map(struct platform_ctx *via, uint64_t addr, uint64_t len, int prot, uint64_t file_off);
int sc_unmap(struct platform_ctx *via, uint64_t addr, uint64_t len);
int sc_protect(struct platform_ctx *via, uint64_t addr, uint64_t len, int prot);

#endif
