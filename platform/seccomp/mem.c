/* Memory mirroring: mmap/munmap/mprotect run by the stub thread of `via`
 * on request, from the stub text (the filter pins the mmap fd and flags). */
#include <errno.h>
#include <sys/mman.h>
#include <sys/syscall.h>
#include "seccomp_impl.h"

#define PROT_ALL (PROT_READ | PROT_WRITE | PROT_EXEC)

/* [addr, addr+len) must stay below the stub. */
static bool guest_range(uint64_t addr, uint64_t len)
{
	return addr + len >= addr && addr + len <= STUB_BASE;
}

static int mm_syscall(struct platform_ctx *via, long nr, const uint64_t args[6])
{
	int err = sc_own(via);
	if (err)
		return err;
	long r = sc_request(via, nr, args);
	if (r < 0 && r >= -4095)
		return (int)r;
	return nr == SYS_mmap && (uint64_t)r != args[0] ? -EFAULT : 0;
}

int sc_map(struct platform_ctx *via, uint64_t addr, uint64_t len, int prot, uint64_t file_off)
{
	if (!guest_range(addr, len) || (prot & ~PROT_ALL))
		return -EINVAL;
	const uint64_t args[6] = { addr, len, (uint64_t)prot, MAP_SHARED | MAP_FIXED,
				   (uint64_t)sc_memfd, file_off };
	return mm_syscall(via, SYS_mmap, args);
}

int sc_unmap(struct platform_ctx *via, uint64_t addr, uint64_t len)
{
	if (!guest_range(addr, len))
		return -EINVAL;
	const uint64_t args[6] = { addr, len };
	return mm_syscall(via, SYS_munmap, args);
}

int sc_protect(struct platform_ctx *via, uint64_t addr, uint64_t len, int prot)
{
	if (!guest_range(addr, len) || (prot & ~PROT_ALL))
		return -EINVAL;
	const uint64_t args[6] = { addr, len, (uint64_t)prot };
	return mm_syscall(via, SYS_mprotect, args);
}
