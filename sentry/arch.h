/* x86-64 guest register state as the sentry sees it. */
#ifndef CVISOR_ARCH_H
#define CVISOR_ARCH_H
#include <stddef.h>
#include <stdint.h>
#include <stdbool.h>
/* <sys/user.h> defines PAGE_SIZE/PAGE_MASK as unsigned long; the sentry
 * uses its own 64-bit definitions, whatever the include order. */
#undef PAGE_SIZE
#undef PAGE_MASK
#include <sys/user.h>
#undef PAGE_SIZE
#undef PAGE_MASK
#undef PAGE_SHIFT
#define PAGE_SHIFT 12
#define PAGE_SIZE 4096ULL
#define PAGE_MASK (~(PAGE_SIZE - 1))
#define PAGE_ALIGN(x) (((x) + PAGE_SIZE - 1) & PAGE_MASK)

struct arch_regs {
	/* rip, rsp, rax.., orig_rax, eflags, fs_base, gs_base, segment selectors. */
	struct user_regs_struct gp;
};

/* Extended FPU state (XSAVE layout), fetched from the platform only when a
 * signal frame needs it. Size is the host's XSAVE size (CPUID 0xd). */
struct arch_fpstate {
	uint8_t *buf;       /* 64-byte aligned, arch_fpstate_size() bytes */
	bool valid;         /* buf holds the thread's current state */
};

size_t arch_fpstate_size(void);          /* XSAVE area size for this CPU */
uint64_t arch_xsave_features(void);      /* XCR0 feature mask */
void arch_fpstate_init(struct arch_fpstate *fp);   /* allocate + set to power-on state */
void arch_fpstate_free(struct arch_fpstate *fp);

/* Syscall argument/return registers (x86-64 ABI). */
#define REG_SYSNO(r)  ((r)->gp.orig_rax)
#define REG_RET(r)    ((r)->gp.rax)
#define REG_ARG0(r)   ((r)->gp.rdi)
#define REG_ARG1(r)   ((r)->gp.rsi)
#define REG_ARG2(r)   ((r)->gp.rdx)
#define REG_ARG3(r)   ((r)->gp.r10)
#define REG_ARG4(r)   ((r)->gp.r8)
#define REG_ARG5(r)   ((r)->gp.r9)

#define SYSCALL_INSN_LEN 2 /* `syscall` is 0f 05 */

#endif
