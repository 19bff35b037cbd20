/*
 * MAP_SHARED mappings of files whose data lives in the memory file
 * (file_ops->mmap_range: tmpfs and memfd, the gofer page cache). Each VMA
 * maps one of the file's own ranges (chunks), so a store through the
 * mapping and write(2) touch the same pages; a mapping spanning several
 * chunks is several VMAs, shown as one line in /proc/PID/maps.
 */
#include <errno.h>
#include <stdlib.h>
#include "mm_internal.h"
#include "../../vfs/vfs.h"

void vma_hold_file(struct vma *v, struct file *f)
{
	file_get(f);
	v->file = f;
	if (v->flags & VMA_MAYWRITE)
		f->inode->mmap_writable++;
}

void shared_vmas_free(struct list_head *pieces, struct file *f)
{
	while (!list_empty(pieces)) {
		struct vma *v = list_entry(pieces->next, struct vma, link);
		list_del(&v->link);
		vma_free(v);
	}
	if (f && f->fops && f->fops->mmap_put)
		f->fops->mmap_put(f, 0);   /* a page cache nothing maps may go now */
}

int shared_file_vmas(struct file *f, uint64_t off, uint64_t len, int max, struct list_head *out)
{
	uint64_t pos = 0;
	while (pos < len) {
		struct mem_range *r;
		uint64_t start;
		int err = max-- > 0 ? f->fops->mmap_range(f, off + pos, &r, &start) : -ENOMEM;
		struct vma *v = err ? NULL : vma_alloc();
		if (!v) {
			if (!err) {
				range_put(r);
				err = -ENOMEM;
			}
			shared_vmas_free(out, f);
			return err;
		}
		uint64_t in = off + pos - start, n = r->len - in < len - pos ? r->len - in : len - pos;
		v->start = pos;
		v->end = pos + n;
		v->range = r;
		v->range_off = in;
		v->pgoff = off + pos;
		list_add_tail(&v->link, out);
		pos += n;
	}
	return 0;
}

struct vma *shared_vmas_link(struct mm *mm, struct list_head *pieces, uint64_t addr,
			     const struct vma *tmpl)
{
	struct vma *last = NULL;
	while (!list_empty(pieces)) {
		struct vma *v = list_entry(pieces->next, struct vma, link);
		list_del(&v->link);
		v->start += addr;
		v->end += addr;
		v->prot = tmpl->prot;
		v->flags = tmpl->flags;
		vma_hold_file(v, tmpl->file);
		mm_link_vma(mm, v);
		last = v;
	}
	return last;
}

uint64_t mapping_end(struct mm *mm, struct vma *v)
{
	struct vma *n;
	if (!(v->flags & VMA_SHFILE))
		return v->end;
	while ((n = vma_next(mm, v)) && n->start == v->end && n->file == v->file &&
	       n->flags == v->flags && n->prot == v->prot && n->pgoff == v->pgoff + vma_len(v))
		v = n;
	return v->end;
}
