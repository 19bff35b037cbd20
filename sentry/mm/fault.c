/*
 * Guest page faults. A fault on memory the mm knows but the stub does not
 * map yet maps the whole VMA at once (every fault is a round trip; the host
 * populates pages lazily, so a big mapping costs nothing more).
 */
#include <signal.h>
#include "mm_internal.h"
#include "../log.h"

int mm_fault(struct mm *mm, struct platform_ctx *via, uint64_t addr, int access)
{
	struct vma *v = mm_find_vma(mm, addr);
	if (!v)
		return SEGV_MAPERR;
	if (!prot_allows(v->prot, access))
		return SEGV_ACCERR;
	if (v->mapped)
		/* Known access: another thread mapped it meanwhile, retry.
		 * Unknown access on mapped memory: the fault is real. */
		return access ? 0 : SEGV_ACCERR;
	int r = mm_map_vma(via, v);
	if (r < 0 || !via) {
		log_warn("mm: cannot map [%#llx, %#llx) for a fault at %#llx: %d",
			 (unsigned long long)v->start, (unsigned long long)v->end,
			 (unsigned long long)addr, r);
		return SEGV_MAPERR;
	}
	return 0;
}
