/*
 * Layout shared by the seccomp stub (stub.S) and the sentry side: where the
 * per-thread slots sit in a stub address space, the control words at the
 * start of each slot, and the handoff states. Plain #defines: also read by
 * the assembler.
 */
#ifndef CVISOR_SECCOMP_STUB_LAYOUT_H
#define CVISOR_SECCOMP_STUB_LAYOUT_H

#define SC_PAGE          0x1000
/* Stub code occupies [STUB_BASE, STUB_BASE + SC_PARAMS_OFF); the parameter
 * block written by init() (slot fd, sigaction, seccomp program) follows. */
#define SC_PARAMS_OFF    0x8000
#define SC_CODE_SIZE     0x10000          /* == STUB_SIZE, sealed in every stub */
#define SC_TASK_TOP      0x7ffffffff000

/* One slot per guest thread: the control page, then the signal altstack.
 * Slots are SC_SLOT_SIZE aligned so the handler finds its own from %rsp. */
#define SC_SLOT_SIZE     0x10000
#define SC_SLOTS_BASE    0x7e0000100000   /* STUB_BASE + 1 MiB */
#define SC_MAX_THREADS   4096             /* per address space */
#define SC_SLOTS_SIZE    (SC_SLOT_SIZE * SC_MAX_THREADS)

/* Control page (offsets in bytes). */
#define SC_CTL_STATE     0    /* u32 handoff state, futex word */
#define SC_CTL_STUB_SLEEPING   4   /* u32 stub is (about to be) in FUTEX_WAIT */
#define SC_CTL_SENTRY_SLEEPING 8   /* u32 sentry is (about to be) in FUTEX_WAIT */
#define SC_CTL_FLAGS     12   /* u32 SC_FL_* */
#define SC_CTL_SPIN      16   /* u32 stub spin budget (TSC cycles) before sleeping */
#define SC_CTL_SIGNO     20   /* u32 signal that entered the handler */
#define SC_CTL_UCTX      24   /* u64 stub address of the ucontext */
#define SC_CTL_INFO      32   /* u64 stub address of the siginfo */
#define SC_CTL_FS        40   /* u64 fs_base */
#define SC_CTL_GS        48   /* u64 gs_base */
#define SC_CTL_REQ_NR    56   /* u64 request: syscall number */
#define SC_CTL_REQ_ARGS  64   /* u64[6] request: arguments */
#define SC_CTL_REQ_R12   112  /* u64 clone request: child slot address */
#define SC_CTL_REQ_R13   120  /* u64 clone request: child slot file offset */
#define SC_CTL_REQ_R14   128  /* u64 clone request: 1 = new address space */
#define SC_CTL_REQ_RET   136  /* u64 request result */
#define SC_CTL_SIZE      144

#define SC_FL_FSGSBASE   1    /* rd/wrfsbase, rd/wrgsbase are usable */
#define SC_FL_SETFSGS    2    /* no FSGSBASE: arch_prctl fs/gs on resume */

/* Handoff states. Stub posts EVENT/DONE and waits; sentry posts the rest. */
#define SC_ST_EVENT      1    /* stopped in the handler after a signal */
#define SC_ST_RUN        2    /* sigreturn into the (updated) ucontext */
#define SC_ST_REQ        3    /* run the syscall in REQ_NR/REQ_ARGS */
#define SC_ST_DONE       4    /* request done, REQ_RET holds the result */
#define SC_ST_CLONE      5    /* run clone; the child starts a new stub thread */

/* ctx_interrupt's signal (SIGRTMAX): the guest can never send host signals. */
#define SC_INTR_SIG      64

/* Parameter block (offsets from SC_PARAMS_OFF). */
#define SC_PAR_SLOTFD    0    /* u64 */
#define SC_PAR_SIGACT    8    /* struct kernel_sigaction, 32 bytes */
#define SC_PAR_FPROG     40   /* struct sock_fprog, 16 bytes */
#define SC_PAR_FILTER    64   /* struct sock_filter[] */
#define SC_PAR_MAX_INSNS 96

#endif
