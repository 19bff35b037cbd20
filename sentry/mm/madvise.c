/*
 * madvise: DONTNEED/FREE/REMOVE drop page contents by punching the backing
 * pages (the stub keeps its mapping of the same, now zero, file pages);
 * private file pages are re-read from the file. Pure hints return 0.
 */
#include <errno.h>
#include "mm_internal.h"
#include "../../vfs/vfs.h"

#ifndef MADV_COLLAPSE
#define MADV_COLLAPSE 25
#endif

static bool is_hint(int advice)
{
	switch (advice) {
	case MADV_NORMAL: case MADV_RANDOM: case MADV_SEQUENTIAL: case MADV_WILLNEED:
	case MADV_MERGEABLE: case MADV_UNMERGEABLE: case MADV_HUGEPAGE: case MADV_NOHUGEPAGE:
	case MADV_DONTDUMP: case MADV_DODUMP:
	case MADV_COLD: case MADV_PAGEOUT: case MADV_COLLAPSE:
		return true;
	default:
		return false;
	}
}

static bool is_supported(int advice)
{
	return is_hint(advice) || advice == MADV_DONTNEED || advice == MADV_DONTNEED_LOCKED ||
	       advice == MADV_FREE || advice == MADV_REMOVE ||
	       advice == MADV_DONTFORK || advice == MADV_DOFORK ||
	       advice == MADV_WIPEONFORK || advice == MADV_KEEPONFORK ||
	       advice == MADV_POPULATE_READ || advice == MADV_POPULATE_WRITE;
}

/* Reset private file pages [pos, stop) of v to the file's contents. The
 * read may drop the kernel lock, so the VMA is looked up again after it. */
static int refill_from_file(struct mm *mm, struct vma *v, uint64_t pos, uint64_t stop)
{
	struct file *f = v->file;
	uint64_t pgoff = v->pgoff + (pos - v->start);
	struct mem_range *tmp;
	file_get(f);
	int r = range_from_file(f, pgoff, stop - pos, &tmp);
	file_put(f);
	if (r < 0)
		return r;
	v = mm_find_vma(mm, pos);
	if (v && v->file == f && stop <= v->end && v->pgoff + (pos - v->start) == pgoff) {
		memfile_zero(vma_off(v, pos), stop - pos);
		memfile_copy(vma_off(v, pos), tmp->off, stop - pos);
	}
	range_put(tmp);
	return 0;
}

/* Set or clear a fork-behaviour bit on [pos, stop) of v. */
static int set_fork_flag(struct mm *mm, uint64_t pos, uint64_t stop, int bit, bool on)
{
	struct vma *v = mm_find_vma(mm, pos);
	if (!!(v->flags & bit) == on)
		return 0;
	if (mm_split_at(mm, pos) < 0 || mm_split_at(mm, stop) < 0)
		return -ENOMEM;
	v = mm_find_vma(mm, pos);
	v->flags = on ? v->flags | bit : v->flags & ~bit;
	mm_try_merge(mm, v);
	return 0;
}

static int advise_one(struct mm *mm, struct vma *v, uint64_t pos, uint64_t stop, int advice)
{
	switch (advice) {
	case MADV_DONTFORK:
	case MADV_DOFORK:
		return set_fork_flag(mm, pos, stop, VMA_DONTFORK, advice == MADV_DONTFORK);
	case MADV_WIPEONFORK:
		if (v->file || vma_is_shared(v))
			return -EINVAL;
		return set_fork_flag(mm, pos, stop, VMA_WIPEONFORK, true);
	case MADV_KEEPONFORK:
		return set_fork_flag(mm, pos, stop, VMA_WIPEONFORK, false);
	case MADV_DONTNEED:
	case MADV_DONTNEED_LOCKED:
		if (vma_is_shared(v))
			return 0;   /* shared pages keep their contents */
		if (v->file)
			return refill_from_file(mm, v, pos, stop);
		memfile_zero(vma_off(v, pos), stop - pos);
		return 0;
	case MADV_FREE:
		if (vma_is_shared(v) || v->file)
			return -EINVAL;
		memfile_zero(vma_off(v, pos), stop - pos);
		return 0;
	case MADV_REMOVE:
		if (!vma_is_shared(v) && !v->file)
			return -EINVAL;
		if (!vma_is_shared(v) || !(v->prot & PROT_WRITE))
			return -EACCES;
		memfile_zero(vma_off(v, pos), stop - pos);
		return 0;
	case MADV_POPULATE_READ:
		return prot_allows(v->prot, PROT_READ) ? 0 : -EFAULT;
	case MADV_POPULATE_WRITE:
		return prot_allows(v->prot, PROT_WRITE) ? 0 : -EFAULT;
	default:
		return 0;   /* hints */
	}
}

long mm_madvise(struct mm *mm, struct platform_ctx *via, uint64_t start, uint64_t len_in, int advice)
{
	if (start & ~PAGE_MASK)
		return -EINVAL;
	if (!is_supported(advice))
		return -EINVAL;
	uint64_t len = PAGE_ALIGN(len_in);
	if (len_in && !len)
		return -EINVAL;
	uint64_t end = start + len;
	if (end < start)
		return -EINVAL;
	if (end == start)
		return 0;

	/* Holes are skipped and reported as -ENOMEM at the end, like Linux. */
	long unmapped = 0;
	uint64_t pos = start;
	while (pos < end) {
		struct vma *v = mm_vma_after(mm, pos);
		if (!v || v->start >= end) {
			unmapped = -ENOMEM;
			break;
		}
		if (v->start > pos) {
			unmapped = -ENOMEM;
			pos = v->start;
		}
		uint64_t stop = v->end < end ? v->end : end;
		int r = advise_one(mm, v, pos, stop, advice);
		if (r < 0)
			return r;
		pos = stop;
	}
	return unmapped;
}
