/*
 * Backing ranges and the VMA list: insert, split, merge, unmap, grow.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include "mm_internal.h"
#include "../log.h"
#include "../../vfs/vfs.h"

/* ---- ranges ---------------------------------------------------------------- */

int range_from_file(struct file *f, uint64_t off, uint64_t len, struct mem_range **out)
{
	struct mem_range *r = range_new(len);
	if (!r)
		return -ENOMEM;
	ssize_t n = kernel_pread(f, memfile_ptr(r->off), len, off);
	if (n < 0) {
		range_put(r);
		return (int)n;
	}
	*out = r;
	return 0;
}

/* ---- VMA objects and the sorted list ---------------------------------------- */

struct vma *vma_alloc(void)
{
	struct vma *v = calloc(1, sizeof(*v));
	if (v)
		list_init(&v->link);
	return v;
}

void vma_free(struct vma *v)
{
	if (v->range)
		range_put(v->range);
	if (v->file) {
		if (v->flags & VMA_MAYWRITE)
			v->file->inode->mmap_writable--;
		if ((v->flags & VMA_SHFILE) && v->file->fops && v->file->fops->mmap_put)
			v->file->fops->mmap_put(v->file, v->pgoff);
		file_put(v->file);
	}
	free(v);
}

void mm_link_vma(struct mm *mm, struct vma *v)
{
	struct list_head *pos;
	/* Walk from the top: new mappings are usually found top-down. */
	for (pos = mm->vmas.prev; pos != &mm->vmas; pos = pos->prev)
		if (list_entry(pos, struct vma, link)->start < v->start)
			break;
	list_add(&v->link, pos);
	mm->nr_vmas++;
	mm->vm_bytes += vma_len(v);
}

void mm_unlink_vma(struct mm *mm, struct vma *v)
{
	list_del(&v->link);
	mm->nr_vmas--;
	mm->vm_bytes -= vma_len(v);
}

struct vma *mm_vma_after(struct mm *mm, uint64_t addr)
{
	struct list_head *pos;
	list_for_each(pos, &mm->vmas) {
		struct vma *v = list_entry(pos, struct vma, link);
		if (v->end > addr)
			return v;
	}
	return NULL;
}

struct vma *mm_find_vma(struct mm *mm, uint64_t addr)
{
	struct vma *v = mm_vma_after(mm, addr);
	return v && v->start <= addr ? v : NULL;
}

bool mm_range_free(struct mm *mm, uint64_t start, uint64_t end)
{
	struct vma *v = mm_vma_after(mm, start);
	return !v || v->start >= end;
}

int mm_split_at(struct mm *mm, uint64_t addr)
{
	struct vma *v = mm_find_vma(mm, addr);
	if (!v || v->start == addr)
		return 0;
	struct vma *n = vma_alloc();
	if (!n)
		return -ENOMEM;
	uint64_t delta = addr - v->start;
	*n = *v;
	n->start = addr;
	n->range_off = v->range_off + delta;
	n->pgoff = v->pgoff + delta;
	range_get(n->range);
	if (n->file)
		vma_hold_file(n, n->file);
	v->end = addr;
	list_add(&n->link, &v->link);
	mm->nr_vmas++;
	return 0;
}

static bool same_name(const char *a, const char *b)
{
	return a == b || (a && b && !strcmp(a, b));
}

/* Can b (right after a) be folded into a? Only pieces of one backing range
 * in order, with identical attributes and platform state. */
static bool mergeable(const struct vma *a, const struct vma *b)
{
	return a->end == b->start && a->prot == b->prot && a->flags == b->flags &&
	       a->range == b->range && a->range_off + vma_len(a) == b->range_off &&
	       a->file == b->file && (!a->file || a->pgoff + vma_len(a) == b->pgoff) &&
	       a->mapped == b->mapped && same_name(a->name, b->name);
}

struct vma *mm_try_merge(struct mm *mm, struct vma *v)
{
	struct vma *p = vma_prev(mm, v), *n;
	if (p && mergeable(p, v)) {
		mm_unlink_vma(mm, v);
		p->end = v->end;
		mm->vm_bytes += vma_len(v);
		vma_free(v);
		v = p;
	}
	n = vma_next(mm, v);
	if (n && mergeable(v, n)) {
		mm_unlink_vma(mm, n);
		v->end = n->end;
		mm->vm_bytes += vma_len(n);
		vma_free(n);
	}
	return v;
}

/* ---- platform mirroring ------------------------------------------------------ */

void pbatch_flush(struct pbatch *b)
{
	if (b->start == b->end)
		return;
	int r = 0;
	if (b->via)
		r = b->protect ? platform->protect(b->via, b->start, b->end - b->start, b->prot)
			       : platform->unmap(b->via, b->start, b->end - b->start);
	if (r < 0)
		log_warn("mm: platform %s [%#llx, %#llx) failed: %d", b->protect ? "protect" : "unmap",
			 (unsigned long long)b->start, (unsigned long long)b->end, r);
	b->start = b->end = 0;
}

void pbatch_add(struct pbatch *b, uint64_t start, uint64_t end)
{
	if (b->start != b->end && b->end != start)
		pbatch_flush(b);
	if (b->start == b->end)
		b->start = start;
	b->end = end;
}

int mm_map_vma(struct platform_ctx *via, struct vma *v)
{
	if (!via || v->mapped)
		return 0;
	int r = platform->map(via, v->start, vma_len(v), v->prot, vma_off(v, v->start));
	if (r == 0)
		v->mapped = true;
	return r;
}

void mm_unmap_vma(struct platform_ctx *via, struct vma *v)
{
	if (!v->mapped)
		return;
	struct pbatch b = { .via = via };
	if (!via)
		log_warn("mm: VMA %#llx unmapped without a platform context",
			 (unsigned long long)v->start);
	pbatch_add(&b, v->start, v->end);
	pbatch_flush(&b);
	v->mapped = false;
}

/* ---- unmap and grow ------------------------------------------------------------ */

int mm_do_unmap(struct mm *mm, struct platform_ctx *via, uint64_t start, uint64_t end)
{
	if (mm_split_at(mm, start) < 0 || mm_split_at(mm, end) < 0)
		return -ENOMEM;

	/* The stub loses the pages before their backing can be reused. */
	struct pbatch b = { .via = via };
	struct vma *v;
	for (v = mm_vma_after(mm, start); v && v->start < end; v = vma_next(mm, v))
		if (v->mapped)
			pbatch_add(&b, v->start, v->end);
	pbatch_flush(&b);

	v = mm_vma_after(mm, start);
	while (v && v->start < end) {
		struct vma *next = vma_next(mm, v);
		mm_unlink_vma(mm, v);
		if (!vma_is_shared(v) && v->range->refs > 1)
			memfile_zero(vma_off(v, v->start), vma_len(v));
		vma_free(v);
		v = next;
	}
	return 0;
}

int mm_grow_vma(struct mm *mm, struct platform_ctx *via, struct vma *v, uint64_t new_end,
		struct mem_range *fill)
{
	uint64_t old_end = v->end, extra = new_end - old_end;
	struct mem_range *r = v->range;

	if (v->range_off + vma_len(v) == r->len && memfile_alloc_at(r->off + r->len, extra)) {
		r->len += extra;    /* the file space right after was free */
	} else {
		struct mem_range *nr = range_new(new_end - v->start);
		if (!nr)
			return -ENOMEM;
		memfile_copy(nr->off, vma_off(v, v->start), vma_len(v));
		mm_unmap_vma(via, v);
		if (!vma_is_shared(v) && r->refs > 1)
			memfile_zero(vma_off(v, v->start), vma_len(v));
		range_put(r);
		v->range = nr;
		v->range_off = 0;
	}
	if (fill)
		memfile_copy(vma_off(v, old_end), fill->off, extra);
	v->end = new_end;
	mm->vm_bytes += extra;
	if (v->mapped && (!via || platform->map(via, old_end, extra, v->prot, vma_off(v, old_end)) < 0))
		mm_unmap_vma(via, v);
	return 0;
}
