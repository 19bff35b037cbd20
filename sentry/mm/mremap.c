/*
 * mremap: shrink in place, grow in place when the space above is free,
 * else move. A move relinks the VMA (same backing pages, nothing copied);
 * growth extends the backing in the memory file or copies it to a bigger
 * range.
 */
#include <errno.h>
#include "mm_internal.h"
#include "../../vfs/vfs.h"

#define TASK_SIZE 0x7ffffffff000ULL

/* Grow the mapping ending with VMA v to new_end: with `extra` (the new
 * pieces of a shared file mapping) or else by growing v itself. */
static int grow(struct mm *mm, struct platform_ctx *via, struct vma *v, uint64_t new_end,
		struct mem_range *fill, struct list_head *extra)
{
	if (list_empty(extra))
		return mm_grow_vma(mm, via, v, new_end, fill);
	shared_vmas_link(mm, extra, v->end, v);
	return 0;
}

/* Merge and eagerly map what [start, start+len) now holds. */
static void settle(struct mm *mm, struct platform_ctx *via, uint64_t start, uint64_t len)
{
	for (struct vma *v = mm_find_vma(mm, start); v && v->start < start + len; v = vma_next(mm, v)) {
		v = mm_try_merge(mm, v);
		if (v->prot && len <= MM_EAGER_MAP_MAX)
			mm_map_vma(via, v);
	}
}

/* Move [old, old+old_len) (one mapping: one VMA, or the pieces of a shared
 * file mapping) to new_addr, growing to new_len. The destination must be
 * free. Returns new_addr or -errno. */
static long move_range(struct mm *mm, struct platform_ctx *via, uint64_t old, uint64_t old_len,
		       uint64_t new_addr, uint64_t new_len, struct mem_range *fill,
		       struct list_head *extra)
{
	if (mm_split_at(mm, old) < 0 || mm_split_at(mm, old + old_len) < 0)
		return -ENOMEM;
	struct list_head moved = LIST_HEAD_INIT(moved);
	struct vma *p = mm_find_vma(mm, old);
	while (p && p->start < old + old_len) {
		struct vma *n = vma_next(mm, p);
		mm_unmap_vma(via, p);
		mm_unlink_vma(mm, p);
		list_add_tail(&p->link, &moved);
		p = n;
	}
	while (!list_empty(&moved)) {
		p = list_entry(moved.next, struct vma, link);
		list_del(&p->link);
		p->start += new_addr - old;
		p->end += new_addr - old;
		mm_link_vma(mm, p);
	}
	if (new_len > old_len && grow(mm, via, p, new_addr + new_len, fill, extra) < 0) {
		mm_unlink_vma(mm, p);   /* put it back where it was (one VMA) */
		p->start = old;
		p->end = old + old_len;
		mm_link_vma(mm, p);
		return -ENOMEM;
	}
	settle(mm, via, new_addr, new_len);
	return (long)new_addr;
}

/* The VMA at addr if its mapping holds all of [addr, addr+len), or NULL. */
static struct vma *vma_covering(struct mm *mm, uint64_t addr, uint64_t len)
{
	struct vma *v = mm_find_vma(mm, addr);
	return v && len <= mapping_end(mm, v) - addr ? v : NULL;
}

/* old_len 0: a second mapping of the same pages of a shared file mapping
 * (shared anonymous memory: not implemented, -EINVAL). */
static long duplicate(struct mm *mm, struct platform_ctx *via, uint64_t old_addr, uint64_t new_len,
		      int flags, uint64_t new_addr)
{
	struct vma *v = mm_find_vma(mm, old_addr);
	if (!v || !vma_is_shared(v))
		return -EINVAL;
	if (!(v->flags & VMA_SHFILE))
		return -EINVAL;
	if (!(flags & MREMAP_MAYMOVE))
		return -ENOMEM;
	struct list_head pieces = LIST_HEAD_INIT(pieces);
	struct file *f = v->file;
	long r = shared_file_vmas(f, v->pgoff + (old_addr - v->start), new_len,
				  MM_MAX_MAP_COUNT - mm->nr_vmas, &pieces);
	if (r < 0)
		return r;
	if (flags & MREMAP_FIXED) {
		r = mm_do_unmap(mm, via, new_addr, new_addr + new_len);
	} else {
		new_addr = mm_get_unmapped_area(mm, 0, new_len, 0);
		r = new_addr ? 0 : -ENOMEM;
	}
	v = mm_find_vma(mm, old_addr);   /* the unmap may have split it */
	if (r == 0 && !v)
		r = -EFAULT;                 /* it was in the destination */
	if (r < 0) {
		shared_vmas_free(&pieces, f);
		return r;
	}
	shared_vmas_link(mm, &pieces, new_addr, v);
	settle(mm, via, new_addr, new_len);
	return (long)new_addr;
}

long mm_mremap(struct mm *mm, struct platform_ctx *via, uint64_t old_addr, uint64_t old_len,
	       uint64_t new_len, int flags, uint64_t new_addr)
{
	if (flags & ~(MREMAP_MAYMOVE | MREMAP_FIXED | MREMAP_DONTUNMAP))
		return -EINVAL;
	if ((flags & MREMAP_FIXED) && !(flags & MREMAP_MAYMOVE))
		return -EINVAL;
	if (flags & MREMAP_DONTUNMAP)
		return -EINVAL;   /* not implemented */
	if (old_addr & ~PAGE_MASK)
		return -EINVAL;
	old_len = PAGE_ALIGN(old_len);
	new_len = PAGE_ALIGN(new_len);
	if (!new_len)
		return -EINVAL;
	if (flags & MREMAP_FIXED) {
		if (new_addr & ~PAGE_MASK)
			return -EINVAL;
		if (new_len > TASK_SIZE || new_addr > TASK_SIZE - new_len)
			return -EINVAL;
		if (new_addr < old_addr + old_len && old_addr < new_addr + new_len)
			return -EINVAL;
		if (new_addr < GUEST_MIN_ADDR)
			return -EPERM;
		if (new_addr + new_len > GUEST_TOP)
			return -ENOMEM;
	}
	if (!mm_find_vma(mm, old_addr))
		return -EFAULT;
	/* Shrinking just unmaps the tail, whatever VMAs it spans. */
	if (!(flags & MREMAP_FIXED) && old_len >= new_len) {
		if (old_len > TASK_SIZE || old_addr > TASK_SIZE - old_len)
			return -EINVAL;
		uint64_t end = old_addr + old_len < GUEST_TOP ? old_addr + old_len : GUEST_TOP;
		long r = old_addr + new_len < end ? mm_do_unmap(mm, via, old_addr + new_len, end) : 0;
		return r < 0 ? r : (long)old_addr;
	}
	if (!old_len)
		return duplicate(mm, via, old_addr, new_len, flags, new_addr);
	struct vma *v = vma_covering(mm, old_addr, old_len < new_len ? old_len : new_len);
	if (!v)
		return -EFAULT;

	/* The grown part of a file mapping is read before touching anything:
	 * the read may drop the kernel lock, so look the VMA up again after.
	 * A shared file mapping grows by more pieces of the file. */
	struct mem_range *fill = NULL;
	struct list_head extra = LIST_HEAD_INIT(extra);
	struct file *shf = v->file;    /* v lives on when extra is left over */
	if (new_len > old_len && (v->flags & VMA_SHFILE)) {
		long r = shared_file_vmas(v->file, v->pgoff + (old_addr - v->start) + old_len,
					  new_len - old_len, MM_MAX_MAP_COUNT - mm->nr_vmas, &extra);
		if (r < 0)
			return r;
	} else if (new_len > old_len && v->file) {
		struct file *f = v->file;
		uint64_t pgoff = v->pgoff + (old_addr - v->start);
		file_get(f);
		int r = range_from_file(f, pgoff + old_len, new_len - old_len, &fill);
		file_put(f);
		if (r < 0)
			return r;
		v = vma_covering(mm, old_addr, old_len);
		if (!v || v->file != f || v->pgoff + (old_addr - v->start) != pgoff) {
			range_put(fill);
			return -EFAULT;
		}
	}

	long ret;
	if (flags & MREMAP_FIXED) {
		if ((ret = mm_do_unmap(mm, via, new_addr, new_addr + new_len)) < 0)
			goto out;
		if (old_len > new_len) {
			if ((ret = mm_do_unmap(mm, via, old_addr + new_len, old_addr + old_len)) < 0)
				goto out;
			old_len = new_len;
		}
		ret = move_range(mm, via, old_addr, old_len, new_addr, new_len, fill, &extra);
	} else if (old_addr + old_len == mapping_end(mm, v) && new_len <= GUEST_TOP - old_addr &&
		   mm_range_free(mm, old_addr + old_len, old_addr + new_len)) {
		ret = grow(mm, via, mm_find_vma(mm, old_addr + old_len - 1), old_addr + new_len, fill, &extra);
		if (ret == 0) {
			settle(mm, via, old_addr, new_len);
			ret = (long)old_addr;
		}
	} else if (!(flags & MREMAP_MAYMOVE)) {
		ret = -ENOMEM;
	} else {
		new_addr = mm_get_unmapped_area(mm, 0, new_len, 0);
		ret = new_addr ? move_range(mm, via, old_addr, old_len, new_addr, new_len, fill, &extra)
			       : -ENOMEM;
	}
out:
	if (fill)
		range_put(fill);
	if (!list_empty(&extra))
		shared_vmas_free(&extra, shf);   /* left over on failure */
	return ret;
}
