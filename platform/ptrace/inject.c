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
#include "../ptrace_util.h"

long ptrace_inject(struct platform_ctx *ctx, const char *entry, const char *done,
		   long nr, const uint64_t args[6])
{
	bool sigstop = false, reaped = false;
	long r = ptrace_util_inject(ctx->tid, &ctx->regs, entry, done, nr, args, &sigstop, &reaped);
	if (sigstop)
		ctx->interrupted = true;
	if (reaped)
		ptrace_mark_dead(ctx);
	return r;
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
