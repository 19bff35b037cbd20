/*
 * The parameter block of the stub copy: the slot fd, the sigaction of the
 * stub handler and the seccomp filter every stub runs under:
 *
 *   - not x86-64 (int $0x80, compat mode)          -> TRAP (reported as #GP)
 *   - instruction pointer outside the stub's text  -> TRAP (a guest syscall)
 *   - from the stub text: the few syscalls the stub makes, with the
 *     arguments that matter pinned (mmap only of the memory or slot file,
 *     MAP_SHARED|MAP_FIXED; clone only with the two stub flag sets; prctl
 *     only PDEATHSIG) -> ALLOW; anything else -> KILL_PROCESS.
 *
 * A guest may jump into the stub text with registers of its choosing, so
 * everything allowed here is something a guest may do to itself; the text
 * is sealed (mseal) so it cannot be rewritten or replaced.
 */
#include <errno.h>
#include <linux/audit.h>
#include <linux/filter.h>
#include <linux/seccomp.h>
#include <sched.h>
#include <signal.h>
#include <stddef.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/prctl.h>
#include <unistd.h>
#include <sys/syscall.h>
#include "seccomp_impl.h"
#include "../bpf_prog.h"

#define SA_RESTORER_ 0x04000000

struct k_sigaction {
	uint64_t handler, flags, restorer, mask;
};

static int build(struct bpf_prog *p)
{
	uint64_t lo = SC_STUB_ADDR(sc_stub_start), hi = SC_STUB_ADDR(sc_stub_text_end);
	bpf_ld(p, offsetof(struct seccomp_data, arch));
	bpf_jeq(p, AUDIT_ARCH_X86_64, BPF_T_NEXT, BPF_T_MISS);
	/* ip (after the syscall insn) in (lo, hi]; lo and hi share the upper half. */
	bpf_ld(p, offsetof(struct seccomp_data, instruction_pointer) + 4);
	bpf_jeq(p, (uint32_t)(lo >> 32), BPF_T_NEXT, BPF_T_MISS);
	bpf_ld(p, offsetof(struct seccomp_data, instruction_pointer));
	bpf_emit(p, BPF_JMP | BPF_JGT | BPF_K, (uint32_t)lo, BPF_T_NEXT, BPF_T_MISS);
	bpf_emit(p, BPF_JMP | BPF_JGT | BPF_K, (uint32_t)hi, BPF_T_MISS, BPF_T_NEXT);

	/* From the stub text. */
	static const uint32_t plain[] = {
		SYS_rt_sigreturn, SYS_futex, SYS_munmap, SYS_mprotect,
		SYS_arch_prctl, SYS_exit, SYS_exit_group, SYS_getppid,
	};
	bpf_ld(p, offsetof(struct seccomp_data, nr));
	for (size_t i = 0; i < sizeof(plain) / sizeof(plain[0]); i++)
		bpf_jeq(p, plain[i], BPF_T_ALLOW, BPF_T_NEXT);

	int at_mmap_chk = p->n;
	bpf_jeq(p, SYS_mmap, BPF_T_NEXT, 0);            /* false target fixed below */
	bpf_ld(p, BPF_ARG_LO(3));
	bpf_jeq(p, MAP_SHARED | MAP_FIXED, BPF_T_NEXT, BPF_T_KILL);
	bpf_ld(p, BPF_ARG_HI(3));
	bpf_jeq(p, 0, BPF_T_NEXT, BPF_T_KILL);
	bpf_ld(p, BPF_ARG_LO(4));
	bpf_jeq(p, (uint32_t)sc_memfd, BPF_T_ALLOW, BPF_T_NEXT);
	bpf_jeq(p, (uint32_t)sc_slotfd, BPF_T_ALLOW, BPF_T_KILL);
	p->jf[at_mmap_chk] = p->n;

	bpf_ld(p, offsetof(struct seccomp_data, nr));
	int at_clone = p->n;
	bpf_jeq(p, SYS_clone, BPF_T_NEXT, 0);
	bpf_ld(p, BPF_ARG_LO(0));   /* clone uses the lower 32 bits of its flags */
	bpf_jeq(p, CLONE_VM | CLONE_FILES | CLONE_PARENT, BPF_T_ALLOW, BPF_T_NEXT);
	bpf_jeq(p, CLONE_FILES | CLONE_PARENT, BPF_T_ALLOW, BPF_T_KILL);
	p->jf[at_clone] = p->n;

	bpf_ld(p, offsetof(struct seccomp_data, nr));
	bpf_jeq(p, SYS_prctl, BPF_T_NEXT, BPF_T_KILL);
	bpf_ld(p, BPF_ARG_LO(0));
	bpf_jeq(p, PR_SET_PDEATHSIG, BPF_T_ALLOW, BPF_T_KILL);
	int n = bpf_finish(p, SECCOMP_RET_TRAP);
	return n > SC_PAR_MAX_INSNS ? -E2BIG : n;
}

int sc_write_params(uint8_t *base)
{
	static struct bpf_prog p;
	memset(&p, 0, sizeof(p));
	int n = build(&p);
	if (n < 0)
		return n;
	uint8_t *par = base + SC_PARAMS_OFF;
	uint64_t slotfd = (uint64_t)sc_slotfd;
	memcpy(par + SC_PAR_SLOTFD, &slotfd, sizeof(slotfd));
	uint64_t ppid = (uint64_t)getpid();   /* CLONE_PARENT: every stub's parent */
	memcpy(par + SC_PAR_PPID, &ppid, sizeof(ppid));
	struct k_sigaction sa = {
		.handler = SC_STUB_ADDR(sc_stub_handler),
		.flags = SA_SIGINFO | SA_ONSTACK | SA_RESTORER_,
		.restorer = SC_STUB_ADDR(sc_stub_restorer),
		.mask = ~0ULL,
	};
	memcpy(par + SC_PAR_SIGACT, &sa, sizeof(sa));
	struct sock_fprog fprog = {
		.len = (unsigned short)n,
		.filter = (struct sock_filter *)(STUB_BASE + SC_PARAMS_OFF + SC_PAR_FILTER),
	};
	memcpy(par + SC_PAR_FPROG, &fprog, sizeof(fprog));
	memcpy(par + SC_PAR_FILTER, p.insn, (size_t)n * sizeof(struct sock_filter));
	return 0;
}
