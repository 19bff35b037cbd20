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

/* Move [old, old+old_len) (inside one VMA) to new_addr, growing to new_len.
 * The destination must be free. Returns new_addr or -errno. */
static long move_range(struct mm *mm, struct platform_ctx *via, uint64_t old, uint64_t old_len,
		       uint64_t new_addr, uint64_t new_len, struct mem_range *fill)
{
	if (mm_split_at(mm, old) < 0 || mm_split_at(mm, old + old_len) < 0)
		return -ENOMEM;
	struct vma *p = mm_find_vma(mm, old);
	mm_unmap_vma(via, p);
	mm_unlink_vma(mm, p);
	p->start = new_addr;
	p->end = new_addr + old_len;
	mm_link_vma(mm, p);
	if (new_len > old_len && mm_grow_vma(mm, via, p, new_addr + new_len, fill) < 0) {
		mm_unlink_vma(mm, p);   /* put it back where it was */
		p->start = old;
		p->end = old + old_len;
		mm_link_vma(mm, p);
		return -ENOMEM;
	}
	p = mm_try_merge(mm, p);
	if (p->prot && vma_len(p) <= MM_EAGER_MAP_MAX)
		mm_map_vma(via, p);
	return (long)new_addr;
}

/* The VMA holding all of [addr, addr+len), or NULL. */
static struct vma *vma_covering(struct mm *mm, uint64_t addr, uint64_t len)
{
	struct vma *v = mm_find_vma(mm, addr);
	return v && len <= v->end - addr ? v : NULL;
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
		return -EINVAL;   /* duplicating a shared mapping: not implemented */
	struct vma *v = vma_covering(mm, old_addr, old_len < new_len ? old_len : new_len);
	if (!v)
		return -EFAULT;

	/* The grown part of a file mapping is read before touching anything:
	 * the read may drop the kernel lock, so look the VMA up again after. */
	struct mem_range *fill = NULL;
	if (new_len > old_len && v->file) {
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
		ret = move_range(mm, via, old_addr, old_len, new_addr, new_len, fill);
	} else if (old_addr + old_len == v->end && new_len <= GUEST_TOP - old_addr &&
		   mm_range_free(mm, v->end, old_addr + new_len)) {
		ret = mm_grow_vma(mm, via, v, old_addr + new_len, fill);
		if (ret == 0)
			ret = (long)old_addr;
	} else if (!(flags & MREMAP_MAYMOVE)) {
		ret = -ENOMEM;
	} else {
		new_addr = mm_get_unmapped_area(mm, 0, new_len, 0);
		ret = new_addr ? move_range(mm, via, old_addr, old_len, new_addr, new_len, fill) : -ENOMEM;
	}
out:
	if (fill)
		range_put(fill);
	return ret;
}
