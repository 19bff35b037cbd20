/*
 * The seccomp filter of every stub thread, written into the stub page at
 * init() (the injected seccomp() call names it there):
 *
 *   - not x86-64 (int $0x80, compat mode)          -> USER_NOTIF (the sentry
 *     reports it as #GP, like a kernel without IA32 emulation)
 *   - instruction pointer outside the stub's code  -> USER_NOTIF (a guest syscall)
 *   - from the stub code: what the sentry injects (mmap only of the memory
 *     file, MAP_SHARED|MAP_FIXED; munmap; mprotect; prctl only PDEATHSIG;
 *     seccomp only this program) and pause (parked)
 *     -> ALLOW; anything else -> KILL_PROCESS.
 *
 * A guest may jump into the stub code with registers of its choosing, so
 * whatever is allowed from there is something it may do to itself.
 * SECCOMP_USER_NOTIF_FLAG_CONTINUE is never used: no guest syscall reaches
 * the host.
 */
#include <errno.h>
#include <linux/audit.h>
#include <linux/filter.h>
#include <linux/seccomp.h>
#include <stddef.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/prctl.h>
#include <sys/syscall.h>
#include "notify_impl.h"

#define MAX_INSNS 64
enum { T_NEXT = -1, T_NOTIF = -2, T_ALLOW = -3, T_KILL = -4 };

struct prog {
	struct sock_filter insn[MAX_INSNS];
	int jt[MAX_INSNS], jf[MAX_INSNS];
	int n;
};

static void emit(struct prog *p, uint16_t code, uint32_t k, int jt, int jf)
{
	p->insn[p->n] = (struct sock_filter){ .code = code, .k = k };
	p->jt[p->n] = jt;
	p->jf[p->n] = jf;
	p->n++;
}

static void ld(struct prog *p, uint32_t off)
{
	emit(p, BPF_LD | BPF_W | BPF_ABS, off, 0, 0);
}

static void jeq(struct prog *p, uint32_t k, int jt, int jf)
{
	emit(p, BPF_JMP | BPF_JEQ | BPF_K, k, jt, jf);
}

#define ARG_LO(i) (offsetof(struct seccomp_data, args) + 8 * (i))
#define ARG_HI(i) (ARG_LO(i) + 4)
#define NR offsetof(struct seccomp_data, nr)

/* `syscall nr` with args[i] (64-bit) == v, else fall to the next check. */
static void allow_if_arg(struct prog *p, int nr, int i, uint64_t v)
{
	ld(p, NR);
	int at = p->n;
	jeq(p, (uint32_t)nr, T_NEXT, 0);
	ld(p, ARG_LO(i));
	jeq(p, (uint32_t)v, T_NEXT, T_KILL);
	ld(p, ARG_HI(i));
	jeq(p, (uint32_t)(v >> 32), T_ALLOW, T_KILL);
	p->jf[at] = p->n;
}

static int finish(struct prog *p)
{
	int base = p->n;
	p->insn[base] = (struct sock_filter)BPF_STMT(BPF_RET | BPF_K, SECCOMP_RET_USER_NOTIF);
	p->insn[base + 1] = (struct sock_filter)BPF_STMT(BPF_RET | BPF_K, SECCOMP_RET_ALLOW);
	p->insn[base + 2] = (struct sock_filter)BPF_STMT(BPF_RET | BPF_K, SECCOMP_RET_KILL_PROCESS);
	for (int i = 0; i < base; i++) {
		if (BPF_CLASS(p->insn[i].code) != BPF_JMP)
			continue;
		int t[2] = { p->jt[i], p->jf[i] };
		uint8_t *out[2] = { &p->insn[i].jt, &p->insn[i].jf };
		for (int j = 0; j < 2; j++) {
			int dest = t[j] == T_NEXT ? i + 1 : t[j] >= 0 ? t[j] : base + (T_NOTIF - t[j]);
			*out[j] = (uint8_t)(dest - i - 1);
		}
	}
	return base + 3;
}

int nt_build_filter(uint8_t *page)
{
	static struct prog p;
	memset(&p, 0, sizeof(p));
	uint64_t lo = STUB_ADDR(stub_start), hi = STUB_ADDR(stub_end);
	uint64_t fprog_addr = STUB_BASE + NT_PROG_OFF;
	ld(&p, offsetof(struct seccomp_data, arch));
	jeq(&p, AUDIT_ARCH_X86_64, T_NEXT, T_NOTIF);
	/* ip (after the syscall insn) in (lo, hi]; both share the upper half. */
	ld(&p, offsetof(struct seccomp_data, instruction_pointer) + 4);
	jeq(&p, (uint32_t)(lo >> 32), T_NEXT, T_NOTIF);
	ld(&p, offsetof(struct seccomp_data, instruction_pointer));
	emit(&p, BPF_JMP | BPF_JGT | BPF_K, (uint32_t)lo, T_NEXT, T_NOTIF);
	emit(&p, BPF_JMP | BPF_JGT | BPF_K, (uint32_t)hi, T_NOTIF, T_NEXT);

	ld(&p, NR);
	static const int plain[] = { SYS_munmap, SYS_mprotect, SYS_pause };
	for (size_t i = 0; i < sizeof(plain) / sizeof(plain[0]); i++)
		jeq(&p, (uint32_t)plain[i], T_ALLOW, T_NEXT);
	int at = p.n;
	jeq(&p, SYS_mmap, T_NEXT, 0);
	ld(&p, ARG_LO(3));
	jeq(&p, MAP_SHARED | MAP_FIXED, T_NEXT, T_KILL);
	ld(&p, ARG_HI(3));
	jeq(&p, 0, T_NEXT, T_KILL);
	ld(&p, ARG_LO(4));
	jeq(&p, (uint32_t)nt_memfd, T_ALLOW, T_KILL);
	p.jf[at] = p.n;
	allow_if_arg(&p, SYS_prctl, 0, PR_SET_PDEATHSIG);
	/* seccomp(SET_MODE_FILTER, NEW_LISTENER, this program) */
	ld(&p, NR);
	jeq(&p, SYS_seccomp, T_NEXT, T_KILL);
	ld(&p, ARG_LO(0));
	jeq(&p, SECCOMP_SET_MODE_FILTER, T_NEXT, T_KILL);
	ld(&p, ARG_LO(1));
	jeq(&p, SECCOMP_FILTER_FLAG_NEW_LISTENER, T_NEXT, T_KILL);
	ld(&p, ARG_HI(2));
	jeq(&p, (uint32_t)(fprog_addr >> 32), T_NEXT, T_KILL);
	ld(&p, ARG_LO(2));
	jeq(&p, (uint32_t)fprog_addr, T_ALLOW, T_KILL);
	if (p.n > MAX_INSNS - 3)
		return -E2BIG;
	int n = finish(&p);

	struct sock_fprog fprog = {
		.len = (unsigned short)n,
		.filter = (struct sock_filter *)(fprog_addr + 64),
	};
	memcpy(page + NT_PROG_OFF, &fprog, sizeof(fprog));
	memcpy(page + NT_PROG_OFF + 64, p.insn, (size_t)n * sizeof(struct sock_filter));
	return 0;
}
