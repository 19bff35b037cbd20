/*
 * fork(): a copy of the address space. Private memory is copied eagerly
 * (only the pages that hold data: holes of the memory file are skipped);
 * shared memory keeps its backing range. MADV_DONTFORK memory is left out,
 * MADV_WIPEONFORK memory starts zeroed.
 */
#include <string.h>
#include "mm_internal.h"
#include "../../vfs/vfs.h"

struct mm *mm_fork(struct mm *parent)
{
	struct mm *mm = mm_new();
	if (!mm)
		return NULL;
	mm->mmap_base = parent->mmap_base;
	mm->start_brk = parent->start_brk;
	mm->brk = parent->brk;
	mm->start_stack = parent->start_stack;
	mm->arg_start = parent->arg_start;
	mm->arg_end = parent->arg_end;
	mm->env_start = parent->env_start;
	mm->env_end = parent->env_end;
	memcpy(mm->auxv, parent->auxv, sizeof(mm->auxv));
	mm->auxv_len = parent->auxv_len;
	if (parent->exe) {
		file_get(parent->exe);
		mm->exe = parent->exe;
	}

	/* Pieces of one private range (split VMAs) get one child range, so
	 * they can still merge in the child. They are usually adjacent. */
	struct mem_range *last_parent = NULL, *last_child = NULL;
	struct list_head *pos;
	list_for_each(pos, &parent->vmas) {
		struct vma *v = list_entry(pos, struct vma, link);
		if (v->flags & VMA_DONTFORK)
			continue;
		struct vma *n = vma_alloc();
		if (!n)
			goto fail;
		*n = *v;
		list_init(&n->link);
		n->mapped = false;    /* the child's address space starts empty */
		n->range = NULL;
		n->file = NULL;
		if (vma_is_shared(v)) {
			n->range = v->range;
			range_get(n->range);
		} else {
			if (v->range != last_parent) {
				struct mem_range *r = range_new(v->range->len);
				if (!r) {
					vma_free(n);
					goto fail;
				}
				last_parent = v->range;
				last_child = r;
			} else {
				range_get(last_child);
			}
			n->range = last_child;
			if (!(v->flags & VMA_WIPEONFORK))
				memfile_copy(vma_off(n, n->start), vma_off(v, v->start), vma_len(v));
		}
		if (v->file)
			vma_hold_file(n, v->file);
		mm_link_vma(mm, n);
	}
	return mm;
fail:
	mm_put(mm);
	return NULL;
}
