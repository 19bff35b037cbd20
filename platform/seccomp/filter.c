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

#define SA_RESTORER_ 0x04000000

struct k_sigaction {
	uint64_t handler, flags, restorer, mask;
};

/* Jump targets at the end of the program. */
enum { T_NEXT = -1, T_TRAP = -2, T_ALLOW = -3, T_KILL = -4 };

struct prog {
	struct sock_filter insn[SC_PAR_MAX_INSNS];
	int target_t[SC_PAR_MAX_INSNS], target_f[SC_PAR_MAX_INSNS];
	int n;
	bool overflow;
};

static void emit(struct prog *p, uint16_t code, uint32_t k, int jt, int jf)
{
	if (p->n >= SC_PAR_MAX_INSNS - 3) {
		p->overflow = true;
		return;
	}
	p->insn[p->n] = (struct sock_filter){ .code = code, .k = k };
	p->target_t[p->n] = jt;
	p->target_f[p->n] = jf;
	p->n++;
}

static void ld(struct prog *p, uint32_t off)
{
	emit(p, BPF_LD | BPF_W | BPF_ABS, off, 0, 0);
}

/* if (A == k) goto jt else goto jf */
static void jeq(struct prog *p, uint32_t k, int jt, int jf)
{
	emit(p, BPF_JMP | BPF_JEQ | BPF_K, k, jt, jf);
}

#define ARG_LO(i) (offsetof(struct seccomp_data, args) + 8 * (i))
#define ARG_HI(i) (ARG_LO(i) + 4)

/* Resolve symbolic targets; T_NEXT falls through. Returns the length. */
static int finish(struct prog *p)
{
	int base = p->n;
	p->insn[base] = (struct sock_filter)BPF_STMT(BPF_RET | BPF_K, SECCOMP_RET_TRAP);
	p->insn[base + 1] = (struct sock_filter)BPF_STMT(BPF_RET | BPF_K, SECCOMP_RET_ALLOW);
	p->insn[base + 2] = (struct sock_filter)BPF_STMT(BPF_RET | BPF_K, SECCOMP_RET_KILL_PROCESS);
	for (int i = 0; i < base; i++) {
		if (BPF_CLASS(p->insn[i].code) != BPF_JMP)
			continue;
		int t[2] = { p->target_t[i], p->target_f[i] };
		uint8_t *out[2] = { &p->insn[i].jt, &p->insn[i].jf };
		for (int j = 0; j < 2; j++) {
			int dest = t[j] == T_NEXT ? i + 1 : t[j] >= 0 ? t[j] : base + (T_TRAP - t[j]);
			*out[j] = (uint8_t)(dest - i - 1);
		}
	}
	return base + 3;
}

static int build(struct prog *p)
{
	uint64_t lo = SC_STUB_ADDR(sc_stub_start), hi = SC_STUB_ADDR(sc_stub_text_end);
	ld(p, offsetof(struct seccomp_data, arch));
	jeq(p, AUDIT_ARCH_X86_64, T_NEXT, T_TRAP);
	/* ip (after the syscall insn) in (lo, hi]; lo and hi share the upper half. */
	ld(p, offsetof(struct seccomp_data, instruction_pointer) + 4);
	jeq(p, (uint32_t)(lo >> 32), T_NEXT, T_TRAP);
	ld(p, offsetof(struct seccomp_data, instruction_pointer));
	emit(p, BPF_JMP | BPF_JGT | BPF_K, (uint32_t)lo, T_NEXT, T_TRAP);
	emit(p, BPF_JMP | BPF_JGT | BPF_K, (uint32_t)hi, T_TRAP, T_NEXT);

	/* From the stub text. */
	static const uint32_t plain[] = {
		SYS_rt_sigreturn, SYS_futex, SYS_munmap, SYS_mprotect,
		SYS_arch_prctl, SYS_exit, SYS_exit_group, SYS_getppid,
	};
	ld(p, offsetof(struct seccomp_data, nr));
	for (size_t i = 0; i < sizeof(plain) / sizeof(plain[0]); i++)
		jeq(p, plain[i], T_ALLOW, T_NEXT);

	int at_mmap_chk = p->n;
	jeq(p, SYS_mmap, T_NEXT, 0);            /* false target fixed below */
	ld(p, ARG_LO(3));
	jeq(p, MAP_SHARED | MAP_FIXED, T_NEXT, T_KILL);
	ld(p, ARG_HI(3));
	jeq(p, 0, T_NEXT, T_KILL);
	ld(p, ARG_LO(4));
	jeq(p, (uint32_t)sc_memfd, T_ALLOW, T_NEXT);
	jeq(p, (uint32_t)sc_slotfd, T_ALLOW, T_KILL);
	p->target_f[at_mmap_chk] = p->n;

	ld(p, offsetof(struct seccomp_data, nr));
	int at_clone = p->n;
	jeq(p, SYS_clone, T_NEXT, 0);
	ld(p, ARG_LO(0));   /* clone uses the lower 32 bits of its flags */
	jeq(p, CLONE_VM | CLONE_FILES | CLONE_PARENT, T_ALLOW, T_NEXT);
	jeq(p, CLONE_FILES | CLONE_PARENT, T_ALLOW, T_KILL);
	p->target_f[at_clone] = p->n;

	ld(p, offsetof(struct seccomp_data, nr));
	jeq(p, SYS_prctl, T_NEXT, T_KILL);
	ld(p, ARG_LO(0));
	jeq(p, PR_SET_PDEATHSIG, T_ALLOW, T_KILL);
	return p->overflow ? -E2BIG : finish(p);
}

int sc_write_params(uint8_t *base)
{
	static struct prog p;
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
