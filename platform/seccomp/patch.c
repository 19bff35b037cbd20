/*
 * Call-site patching, platform side: which trapped syscalls are candidates,
 * and the per-address-space table of patched sites. A patched site
 * `jmp *SC_PTAB_ADDR+8k` lands on entry k of the stub text; the sentry
 * finds the site's address and syscall number here (trusted memory: the
 * stub only reports k, which is bounds-checked). Examining and rewriting
 * the guest text needs the mm: see patch_mm.c. docs/platform-seccomp.md.
 */
#include <stdlib.h>
#include <string.h>
#include <sys/syscall.h>
#include "seccomp_impl.h"

#define X86_EFLAGS_TF 0x100

bool sc_patching;
void (*sc_patch_hook)(struct platform_ctx *ctx);
bool (*sc_site_check)(struct platform_ctx *ctx, uint64_t addr, uint32_t k);

/* Syscalls that replace the registers or the whole image, or create
 * threads from this one's state: always through the signal path. */
static bool excluded(uint32_t nr)
{
	switch (nr) {
	case SYS_rt_sigreturn: case SYS_execve: case SYS_execveat:
	case SYS_clone: case SYS_clone3: case SYS_fork: case SYS_vfork:
		return true;
	}
	return false;
}

static bool rejected(const struct platform_as *as, uint64_t rip)
{
	unsigned n = as->nrejected < 64 ? as->nrejected : 64;
	for (unsigned i = 0; i < n; i++)
		if (as->rejected[i] == rip)
			return true;
	return false;
}

void sc_reject(struct platform_as *as, uint64_t rip)
{
	pthread_mutex_lock(&as->lock);
	as->rejected[as->nrejected++ % 64] = rip;
	pthread_mutex_unlock(&as->lock);
}

void sc_patch_note(struct platform_ctx *ctx, uint64_t rip, uint32_t nr, uint64_t eflags)
{
	ctx->patch_rip = 0;
	if (!sc_patching || !sc_patch_hook || excluded(nr) || (eflags & X86_EFLAGS_TF) ||
	    ctx->gs_base != 0 || rip < SC_GUEST_MIN + 7 || rip >= STUB_BASE ||
	    atomic_load(&ctx->as->nsites) >= SC_MAX_SITES || rejected(ctx->as, rip))
		return;
	ctx->patch_rip = rip;
	ctx->patch_nr = nr;
}

int sc_site_add(struct platform_as *as, uint64_t addr, uint32_t nr)
{
	pthread_mutex_lock(&as->lock);
	int n = atomic_load(&as->nsites), k;
	for (k = 0; k < n; k++)
		if (as->sites[k].addr == addr && as->sites[k].nr == nr)
			goto out;
	k = -1;
	if (n == SC_MAX_SITES)
		goto out;
	if (!as->sites && !(as->sites = calloc(SC_MAX_SITES, sizeof(*as->sites))))
		goto out;
	as->sites[n] = (struct sc_site){ .addr = addr, .nr = nr };
	atomic_store_explicit(&as->nsites, n + 1, memory_order_release);
	k = n;
out:
	pthread_mutex_unlock(&as->lock);
	return k;
}

void sc_sites_inherit(struct platform_as *as, struct platform_as *from)
{
	int n = atomic_load_explicit(&from->nsites, memory_order_acquire);
	if (n == 0 || !(as->sites = calloc(SC_MAX_SITES, sizeof(*as->sites))))
		return;
	memcpy(as->sites, from->sites, (size_t)n * sizeof(*as->sites));
	atomic_store(&as->nsites, n);
}

void sc_sites_free(struct platform_as *as)
{
	free(as->sites);
	as->sites = NULL;
}

const struct sc_site *sc_site_at_syscall(struct platform_as *as, uint64_t syscall_addr)
{
	int n = atomic_load_explicit(&as->nsites, memory_order_acquire);
	for (int k = 0; k < n; k++)
		if (as->sites[k].addr + 5 == syscall_addr)
			return &as->sites[k];
	return NULL;
}
