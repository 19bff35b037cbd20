/*
 * Private helpers shared by the files of sentry/mm/. Everything runs under
 * the kernel lock.
 *
 * Invariants:
 *  - mm->vmas is sorted by start, VMAs never overlap, all bounds are page
 *    aligned and inside [GUEST_MIN_ADDR, GUEST_TOP).
 *  - vma->mapped == false means NOTHING of the VMA is mapped in the stub;
 *    true means all of it is, with the VMA's prot and backing. So a VMA whose
 *    backing changes is unmapped in the platform first.
 *  - A private range is only ever used by VMAs of one mm, and each of its
 *    pages by at most one VMA: pages leaving the address space are punched.
 */
#ifndef CVISOR_MM_INTERNAL_H
#define CVISOR_MM_INTERNAL_H
#include <sys/mman.h>
#include "../mm.h"
#include "../../platform/platform.h"

/* vma->flags bits of our own next to MAP_TYPE|MAP_ANONYMOUS|MAP_GROWSDOWN
 * (Linux's VM_DONTCOPY and VM_WIPEONFORK, set by madvise). */
#define VMA_DONTFORK   0x40000000
#define VMA_WIPEONFORK 0x20000000
/* A MAP_SHARED VMA mapping a range of its file's own pages (shared.c), and
 * one that may be made writable (Linux's VM_SHARED|VM_MAYWRITE: counted in
 * inode->mmap_writable for memfd F_SEAL_WRITE). */
#define VMA_SHFILE     0x10000000
#define VMA_MAYWRITE   0x08000000

#define MM_DEFAULT_MMAP_GAP (8ULL << 30)      /* mmap_base default: GUEST_TOP - 8 GiB */
#define MM_EAGER_MAP_MAX    (4ULL << 20)      /* mmap maps at once up to this size */
#define MM_MAX_MAP_COUNT    65530             /* vm.max_map_count default */

/* ---- memory file extras ---- */
/* Claim [off, off+len) if it is free (to grow a range in place). */
bool memfile_alloc_at(uint64_t off, uint64_t len);
/* Copy len bytes between file offsets, skipping holes of the source (the
 * destination must read as zero there already). */
void memfile_copy(uint64_t dst, uint64_t src, uint64_t len);

/* ---- ranges ---- */
/* A new range holding len bytes of file f at off (zero past EOF). May drop
 * the kernel lock (host I/O): callers re-validate the mm afterwards.
 * Returns 0 or -errno. */
int range_from_file(struct file *f, uint64_t off, uint64_t len, struct mem_range **out);

/* ---- VMAs ---- */
static inline bool vma_is_shared(const struct vma *v) { return (v->flags & MAP_TYPE) == MAP_SHARED; }
static inline uint64_t vma_len(const struct vma *v) { return v->end - v->start; }
/* Memory-file offset backing guest address addr (inside v). */
static inline uint64_t vma_off(const struct vma *v, uint64_t addr)
{
	return v->range->off + v->range_off + (addr - v->start);
}
static inline struct vma *vma_next(struct mm *mm, struct vma *v)
{
	return v->link.next == &mm->vmas ? NULL : list_entry(v->link.next, struct vma, link);
}
static inline struct vma *vma_prev(struct mm *mm, struct vma *v)
{
	return v->link.prev == &mm->vmas ? NULL : list_entry(v->link.prev, struct vma, link);
}
static inline struct vma *vma_first(struct mm *mm)
{
	return list_empty(&mm->vmas) ? NULL : list_entry(mm->vmas.next, struct vma, link);
}

struct vma *vma_alloc(void);                   /* zeroed, not linked */
void vma_free(struct vma *v);                  /* drops range and file refs */
void mm_link_vma(struct mm *mm, struct vma *v);   /* sorted insert + counters */
void mm_unlink_vma(struct mm *mm, struct vma *v);
/* First VMA with end > addr, or NULL. */
struct vma *mm_vma_after(struct mm *mm, uint64_t addr);
/* Is [start, end) free of VMAs? */
bool mm_range_free(struct mm *mm, uint64_t start, uint64_t end);
/* Make addr a VMA boundary (split the VMA containing it). 0 or -ENOMEM. */
int mm_split_at(struct mm *mm, uint64_t addr);
/* Merge v with its neighbours where compatible; returns the survivor. */
struct vma *mm_try_merge(struct mm *mm, struct vma *v);
/* Remove [start, end) from the address space (mirrored through via).
 * 0 or -ENOMEM (split failed; nothing removed then). */
int mm_do_unmap(struct mm *mm, struct platform_ctx *via, uint64_t start, uint64_t end);
/* A free range of len bytes: hint if free, else top-down below mmap_base,
 * else bottom-up. 0 when there is none. */
uint64_t mm_get_unmapped_area(struct mm *mm, uint64_t hint, uint64_t len, int flags);
/* Mirror the whole of v in the platform (no-op if mapped or via == NULL). */
int mm_map_vma(struct platform_ctx *via, struct vma *v);
/* Unmap v from the platform if mapped; v->mapped becomes false. */
void mm_unmap_vma(struct platform_ctx *via, struct vma *v);
/* Grow v in place to new_end ([v->end, new_end) must be free). `fill`, if
 * not NULL, holds the new part's contents (file mappings). 0 or -ENOMEM. */
int mm_grow_vma(struct mm *mm, struct platform_ctx *via, struct vma *v, uint64_t new_end,
		struct mem_range *fill);

/* ---- shared file mappings (shared.c) ---- */
/* Unlinked VMAs for bytes [off, off+len) of f, one per range of the file
 * (file_ops->mmap_range, which must not drop the kernel lock), starts
 * relative to 0, appended to out. At most max VMAs (-ENOMEM). 0 or -errno
 * (out emptied). */
int shared_file_vmas(struct file *f, uint64_t off, uint64_t len, int max, struct list_head *out);
/* Link such VMAs at addr with tmpl's prot, flags and file; the last one. */
struct vma *shared_vmas_link(struct mm *mm, struct list_head *pieces, uint64_t addr,
			     const struct vma *tmpl);
/* Free unlinked pieces of f (then tell f: file_ops->mmap_put). */
void shared_vmas_free(struct list_head *pieces, struct file *f);
/* Take a file reference for v (and count it in mmap_writable). */
void vma_hold_file(struct vma *v, struct file *f);
/* End of the mapping v is part of as Linux sees it (pieces of one shared
 * file mapping are one). */
uint64_t mapping_end(struct mm *mm, struct vma *v);

/* Platform operations on consecutive pieces, coalesced into one call per
 * contiguous run. */
struct pbatch {
	struct platform_ctx *via;   /* NULL: nothing is live, ops are dropped */
	bool protect;               /* false: unmap */
	int prot;
	uint64_t start, end;
};
void pbatch_add(struct pbatch *b, uint64_t start, uint64_t end);
void pbatch_flush(struct pbatch *b);

/* Does prot permit access (PROT_* bits) on x86-64? Any access to PROT_NONE
 * fails; reads are allowed by any of R/W/X like the hardware does. */
static inline bool prot_allows(int prot, int access)
{
	if (!(prot & (PROT_READ | PROT_WRITE | PROT_EXEC)))
		return false;
	if ((access & PROT_WRITE) && !(prot & PROT_WRITE))
		return false;
	if ((access & PROT_EXEC) && !(prot & PROT_EXEC))
		return false;
	return true;
}

#endif
