/*
 * Syscall injection into a stopped stub thread, and the memory operations
 * built on it. The guest cannot reach this path: it only runs code we point
 * rip at, in the read+exec stub page, until the int3 that follows.
 */
#include <errno.h>
#include <signal.h>
#include <sys/mman.h>
#include <sys/ptrace.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include "ptrace_impl.h"

#define EFLAGS_IF 0x200

long ptrace_inject(struct platform_ctx *ctx, const char *entry, const char *done,
		   long nr, const uint64_t args[6])
{
	struct user_regs_struct r = ctx->regs;
	r.rax = (uint64_t)nr;
	r.orig_rax = (uint64_t)-1;
	r.rdi = args[0];
	r.rsi = args[1];
	r.rdx = args[2];
	r.r10 = args[3];
	r.r8 = args[4];
	r.r9 = args[5];
	r.rip = STUB_ADDR(entry);
	r.eflags = EFLAGS_IF;           /* in particular no TF left by the guest */
	r.cs = USER_CS;
	r.ss = USER_SS;
	if (ptrace(PTRACE_SETREGS, ctx->tid, 0, &r) < 0 ||
	    ptrace(PTRACE_CONT, ctx->tid, 0, 0) < 0)
		return -errno;
	for (;;) {
		int st;
		int w = ptrace_wait(ctx->tid, &st, 0);
		if (w < 0)
			return w;
		if (WIFEXITED(st) || WIFSIGNALED(st)) {
			ptrace_mark_dead(ctx);
			return -ESRCH;
		}
		if (WSTOPSIG(st) == SIGTRAP && (st >> 16) == 0) {
			if (ptrace(PTRACE_GETREGS, ctx->tid, 0, &r) < 0)
				return -errno;
			return r.rip == STUB_ADDR(done) ? (long)r.rax : -EFAULT;
		}
		/* ctx_interrupt's SIGSTOP (or any other signal): swallow it and
		 * remember that the next switch must report an interrupt. */
		if (WSTOPSIG(st) == SIGSTOP && (st >> 16) == 0)
			ctx->interrupted = true;
		if (ptrace(PTRACE_CONT, ctx->tid, 0, 0) < 0)
			return -errno;
	}
}

/* [addr, addr+len) must stay below the stub. */
static bool guest_range(uint64_t addr, uint64_t len)
{
	return addr + len >= addr && addr + len <= STUB_BASE;
}

static int mm_syscall(struct platform_ctx *via, long nr, const uint64_t args[6])
{
	int err = ptrace_own(via);
	if (err)
		return err;
	long r = ptrace_inject(via, stub_syscall, stub_syscall_done, nr, args);
	if (r < 0 && r >= -4095)
		return (int)r;
	return nr == SYS_mmap && (uint64_t)r != args[0] ? -EFAULT : 0;
}

#define PROT_ALL (PROT_READ | PROT_WRITE | PROT_EXEC)

int ptrace_map(struct platform_ctx *via, uint64_t addr, uint64_t len, int prot, uint64_t file_off)
{
	if (!guest_range(addr, len) || (prot & ~PROT_ALL))
		return -EINVAL;
	const uint64_t args[6] = { addr, len, (uint64_t)prot, MAP_SHARED | MAP_FIXED,
				   (uint64_t)ptrace_memfd, file_off };
	return mm_syscall(via, SYS_mmap, args);
}

int ptrace_unmap(struct platform_ctx *via, uint64_t addr, uint64_t len)
{
	if (!guest_range(addr, len))
		return -EINVAL;
	const uint64_t args[6] = { addr, len };
	return mm_syscall(via, SYS_munmap, args);
}

int ptrace_protect(struct platform_ctx *via, uint64_t addr, uint64_t len, int prot)
{
	if (!guest_range(addr, len) || (prot & ~PROT_ALL))
		return -EINVAL;
	const uint64_t args[6] = { addr, len, (uint64_t)prot };
	return mm_syscall(via, SYS_mprotect, args);
}
