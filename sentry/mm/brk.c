/*
 * brk: the heap is the anonymous "[heap]" VMA right above start_brk.
 */
#include <string.h>
#include "mm_internal.h"

static const char heap_name[] = "[heap]";

long mm_brk(struct mm *mm, struct platform_ctx *via, uint64_t newbrk)
{
	uint64_t oldbrk = mm->brk;
	if (newbrk < mm->start_brk)
		return (long)oldbrk;
	uint64_t new_a = PAGE_ALIGN(newbrk), old_a = PAGE_ALIGN(oldbrk);
	if (new_a == old_a) {
		mm->brk = newbrk;
		return (long)newbrk;
	}
	if (newbrk < oldbrk) {
		if (mm_do_unmap(mm, via, new_a, old_a) < 0)
			return (long)oldbrk;
		mm->brk = newbrk;
		return (long)newbrk;
	}
	/* Growing: keep a page of gap below the next mapping, like Linux. */
	if (new_a < newbrk || new_a > GUEST_TOP - PAGE_SIZE || !mm_range_free(mm, old_a, new_a + PAGE_SIZE))
		return (long)oldbrk;

	struct vma *v = old_a > GUEST_MIN_ADDR ? mm_find_vma(mm, old_a - 1) : NULL;
	if (v && v->end == old_a && v->name && !strcmp(v->name, heap_name) && !v->file &&
	    !vma_is_shared(v) && v->prot == (PROT_READ | PROT_WRITE)) {
		if (mm_grow_vma(mm, via, v, new_a, NULL) < 0)
			return (long)oldbrk;
	} else {
		struct vma *n = vma_alloc();
		if (!n || !(n->range = range_new(new_a - old_a))) {
			if (n)
				vma_free(n);
			return (long)oldbrk;
		}
		n->start = old_a;
		n->end = new_a;
		n->prot = PROT_READ | PROT_WRITE;
		n->flags = MAP_PRIVATE | MAP_ANONYMOUS;
		n->name = heap_name;
		mm_link_vma(mm, n);
		if (new_a - old_a <= MM_EAGER_MAP_MAX)
			mm_map_vma(via, n);
	}
	mm->brk = newbrk;
	return (long)newbrk;
}
