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
#include "../bpf_prog.h"

#define MAX_INSNS 64   /* what the page holds after the sock_fprog */
#define NR offsetof(struct seccomp_data, nr)

/* `syscall nr` with args[i] (64-bit) == v, else fall to the next check. */
static void allow_if_arg(struct bpf_prog *p, int nr, int i, uint64_t v)
{
	bpf_ld(p, NR);
	int at = p->n;
	bpf_jeq(p, (uint32_t)nr, BPF_T_NEXT, 0);
	bpf_ld(p, BPF_ARG_LO(i));
	bpf_jeq(p, (uint32_t)v, BPF_T_NEXT, BPF_T_KILL);
	bpf_ld(p, BPF_ARG_HI(i));
	bpf_jeq(p, (uint32_t)(v >> 32), BPF_T_ALLOW, BPF_T_KILL);
	p->jf[at] = p->n;
}

int nt_build_filter(uint8_t *page)
{
	static struct bpf_prog p;
	memset(&p, 0, sizeof(p));
	uint64_t lo = STUB_ADDR(stub_start), hi = STUB_ADDR(stub_end);
	uint64_t fprog_addr = STUB_BASE + NT_PROG_OFF;
	bpf_ld(&p, offsetof(struct seccomp_data, arch));
	bpf_jeq(&p, AUDIT_ARCH_X86_64, BPF_T_NEXT, BPF_T_MISS);
	/* ip (after the syscall insn) in (lo, hi]; both share the upper half. */
	bpf_ld(&p, offsetof(struct seccomp_data, instruction_pointer) + 4);
	bpf_jeq(&p, (uint32_t)(lo >> 32), BPF_T_NEXT, BPF_T_MISS);
	bpf_ld(&p, offsetof(struct seccomp_data, instruction_pointer));
	bpf_emit(&p, BPF_JMP | BPF_JGT | BPF_K, (uint32_t)lo, BPF_T_NEXT, BPF_T_MISS);
	bpf_emit(&p, BPF_JMP | BPF_JGT | BPF_K, (uint32_t)hi, BPF_T_MISS, BPF_T_NEXT);

	bpf_ld(&p, NR);
	static const int plain[] = { SYS_munmap, SYS_mprotect, SYS_pause };
	for (size_t i = 0; i < sizeof(plain) / sizeof(plain[0]); i++)
		bpf_jeq(&p, (uint32_t)plain[i], BPF_T_ALLOW, BPF_T_NEXT);
	int at = p.n;
	bpf_jeq(&p, SYS_mmap, BPF_T_NEXT, 0);
	bpf_ld(&p, BPF_ARG_LO(3));
	bpf_jeq(&p, MAP_SHARED | MAP_FIXED, BPF_T_NEXT, BPF_T_KILL);
	bpf_ld(&p, BPF_ARG_HI(3));
	bpf_jeq(&p, 0, BPF_T_NEXT, BPF_T_KILL);
	bpf_ld(&p, BPF_ARG_LO(4));
	bpf_jeq(&p, (uint32_t)nt_memfd, BPF_T_ALLOW, BPF_T_KILL);
	p.jf[at] = p.n;
	allow_if_arg(&p, SYS_prctl, 0, PR_SET_PDEATHSIG);
	/* seccomp(SET_MODE_FILTER, NEW_LISTENER, this program) */
	bpf_ld(&p, NR);
	bpf_jeq(&p, SYS_seccomp, BPF_T_NEXT, BPF_T_KILL);
	bpf_ld(&p, BPF_ARG_LO(0));
	bpf_jeq(&p, SECCOMP_SET_MODE_FILTER, BPF_T_NEXT, BPF_T_KILL);
	bpf_ld(&p, BPF_ARG_LO(1));
	bpf_jeq(&p, SECCOMP_FILTER_FLAG_NEW_LISTENER, BPF_T_NEXT, BPF_T_KILL);
	bpf_ld(&p, BPF_ARG_HI(2));
	bpf_jeq(&p, (uint32_t)(fprog_addr >> 32), BPF_T_NEXT, BPF_T_KILL);
	bpf_ld(&p, BPF_ARG_LO(2));
	bpf_jeq(&p, (uint32_t)fprog_addr, BPF_T_ALLOW, BPF_T_KILL);
	int n = bpf_finish(&p, SECCOMP_RET_USER_NOTIF);
	if (n < 0 || n > MAX_INSNS)
		return -E2BIG;

	struct sock_fprog fprog = {
		.len = (unsigned short)n,
		.filter = (struct sock_filter *)(fprog_addr + 64),
	};
	memcpy(page + NT_PROG_OFF, &fprog, sizeof(fprog));
	memcpy(page + NT_PROG_OFF + 64, p.insn, (size_t)n * sizeof(struct sock_filter));
	return 0;
}
