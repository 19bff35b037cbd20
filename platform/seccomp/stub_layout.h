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
#define SC_CTL_SITE      144  /* u32 patched stop: index of the site */
#define SC_CTL_PFLAGS    148  /* u32 SC_PF_*, set by the sentry */
#define SC_CTL_SIZE      152

/* A thread stopped through a patched call site (no signal frame) keeps
 * its registers here: r8..r15, rdi, rsi, rbp, rbx, rdx, rax, rcx (the
 * kernel sigcontext order), then an iretq frame (rip, cs, rflags, rsp, ss).
 * Its stack while waiting tops at SC_CTL_PSTACK; its FPU state stays in the
 * CPU until the sentry asks for it (SC_ST_FPSAVE: xsave64 into the slot at
 * SC_PFP_OFF, the bottom of the altstack). */
#define SC_CTL_PREGS     256
#define SC_CTL_PIRET     376
#define SC_CTL_PSTACK    1024
#define SC_PFP_OFF       SC_PAGE
#define SC_PF_FPRESTORE  1    /* xrstor64 SC_PFP_OFF before resuming */
#define SC_PF_FAST       2    /* resume by sahf + jmp *%gs:rip (see stub.S); */
				/* bits 16..31: ah (flags 0..7), al (OF) for it */

#define SC_FL_FSGSBASE   1    /* rd/wrfsbase, rd/wrgsbase are usable */
#define SC_FL_SETFSGS    2    /* no FSGSBASE: arch_prctl fs/gs on resume */

/* Handoff states. Stub posts EVENT/DONE and waits; sentry posts the rest. */
#define SC_ST_EVENT      1    /* stopped in the handler after a signal */
#define SC_ST_RUN        2    /* sigreturn into the (updated) ucontext */
#define SC_ST_REQ        3    /* run the syscall in REQ_NR/REQ_ARGS */
#define SC_ST_DONE       4    /* request done, REQ_RET holds the result */
#define SC_ST_CLONE      5    /* run clone; the child starts a new stub thread */
#define SC_ST_FPSAVE     6    /* patched stop: xsave64 the FPU state, post DONE */

/* Call-site patching (patch.c). A patched site is `jmp *SC_PTAB_ADDR+8k`
 * (ff 24 25 abs32, as long as the `mov $nr,%eax; syscall` it replaces);
 * the table below GUEST_MIN_ADDR holds the address of entry k of the stub
 * text, which records k and enters the handoff. */
#define SC_PTAB_ADDR     0x1000
#define SC_MAX_SITES     1024             /* per address space */
#define SC_PTAB_END      (SC_PTAB_ADDR + 8 * SC_MAX_SITES)
#define SC_ENTRY_SIZE    16
#define SC_GUEST_MIN     0x10000          /* == GUEST_MIN_ADDR */

/* ctx_interrupt's signal (SIGRTMAX): the guest can never send host signals. */
#define SC_INTR_SIG      64

/* Parameter block (offsets from SC_PARAMS_OFF). */
#define SC_PAR_SLOTFD    0    /* u64 */
#define SC_PAR_SIGACT    8    /* struct kernel_sigaction, 32 bytes */
#define SC_PAR_FPROG     40   /* struct sock_fprog, 16 bytes */
#define SC_PAR_PPID      56   /* u64: the sentry's pid, every stub's parent */
#define SC_PAR_FILTER    64   /* struct sock_filter[] */
#define SC_PAR_MAX_INSNS 96

#endif
