/*
 * Address spaces: lifetime, placement, mmap, munmap, mprotect.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <sys/sysmacros.h>
#include "mm_internal.h"
#include "../../vfs/vfs.h"

/* vfs/memfd.c (weak: the mm unit test links without the vfs). */
bool memfd_write_sealed(const struct file *f) __attribute__((weak));

#ifndef MAP_UNINITIALIZED
#define MAP_UNINITIALIZED 0x4000000
#endif
/* Flags a MAP_SHARED_VALIDATE mapping may carry (Linux's LEGACY_MAP_MASK). */
#define LEGACY_MAP_MASK (MAP_SHARED | MAP_PRIVATE | MAP_FIXED | MAP_ANONYMOUS | MAP_DENYWRITE | \
			 MAP_EXECUTABLE | MAP_UNINITIALIZED | MAP_GROWSDOWN | MAP_LOCKED | \
			 MAP_NORESERVE | MAP_POPULATE | MAP_NONBLOCK | MAP_STACK | MAP_HUGETLB)
#ifndef PROT_SEM
#define PROT_SEM 0x8
#endif
#define MAX_MAP_COUNT MM_MAX_MAP_COUNT
#define TASK_SIZE 0x7ffffffff000ULL  /* Linux's user address limit, for errno checks */
#define LOW32_BASE 0x40000000ULL     /* MAP_32BIT window, as on x86-64 Linux */
#define LOW32_TOP  0x80000000ULL

struct mm *mm_new(void)
{
	struct mm *mm = calloc(1, sizeof(*mm));
	if (!mm)
		return NULL;
	mm->users = 1;
	list_init(&mm->vmas);
	return mm;
}

void mm_get(struct mm *mm) { mm->users++; }

void mm_put(struct mm *mm)
{
	if (--mm->users > 0)
		return;
	struct list_head *pos, *n;
	list_for_each_safe(pos, n, &mm->vmas)
		vma_free(list_entry(pos, struct vma, link));
	if (mm->exe)
		file_put(mm->exe);
	free(mm);
}

/* ---- placement ----------------------------------------------------------------- */

static uint64_t find_bottom_up(struct mm *mm, uint64_t len, uint64_t low, uint64_t high)
{
	uint64_t a = low;
	struct list_head *pos;
	list_for_each(pos, &mm->vmas) {
		struct vma *v = list_entry(pos, struct vma, link);
		if (v->end <= a)
			continue;
		if (v->start >= a + len)
			break;
		a = v->end;
	}
	return a + len <= high ? a : 0;
}

static uint64_t find_top_down(struct mm *mm, uint64_t len, uint64_t low, uint64_t high)
{
	uint64_t top = high;
	struct list_head *pos;
	for (pos = mm->vmas.prev; pos != &mm->vmas; pos = pos->prev) {
		struct vma *v = list_entry(pos, struct vma, link);
		if (v->start >= top)
			continue;
		if (v->end <= top && top - v->end >= len)
			break;   /* the gap [v->end, top) fits */
		top = v->start;
		if (top < low + len)
			return 0;
	}
	return top >= low + len ? top - len : 0;
}

uint64_t mm_get_unmapped_area(struct mm *mm, uint64_t hint, uint64_t len, int flags)
{
	if (len > GUEST_TOP - GUEST_MIN_ADDR)
		return 0;
	if (flags & MAP_32BIT)
		return find_bottom_up(mm, len, LOW32_BASE, LOW32_TOP);
	if (hint) {
		hint = PAGE_ALIGN(hint);
		if (hint >= GUEST_MIN_ADDR && hint <= GUEST_TOP - len && mm_range_free(mm, hint, hint + len))
			return hint;
	}
	uint64_t base = mm->mmap_base ? mm->mmap_base : GUEST_TOP - MM_DEFAULT_MMAP_GAP;
	uint64_t a = find_top_down(mm, len, GUEST_MIN_ADDR, base);
	return a ? a : find_bottom_up(mm, len, GUEST_MIN_ADDR, GUEST_TOP);
}

/* ---- mmap ------------------------------------------------------------------------- */

static bool is_dev_zero(const struct file *f)
{
	return S_ISCHR(f->inode->mode) && f->inode->rdev == makedev(1, 5);
}

static bool noexec(const struct file *f)
{
	return f->path.mnt && (f->path.mnt->flags & MNT_NOEXEC);
}

/* Linux's file checks for a mapping of type `type`; 0 or -errno. */
static int check_file_mapping(struct file *f, int type, int *flags, int prot)
{
	int acc = f->flags & O_ACCMODE;
	switch (type) {
	case MAP_SHARED:
		*flags &= LEGACY_MAP_MASK;
		/* fallthrough */
	case MAP_SHARED_VALIDATE:
		if (*flags & ~LEGACY_MAP_MASK)
			return -EOPNOTSUPP;
		if ((prot & PROT_WRITE) && acc != O_RDWR)
			return -EACCES;
		/* fallthrough */
	case MAP_PRIVATE:
		if (acc == O_WRONLY)
			return -EACCES;
		if (!S_ISREG(f->inode->mode))
			return -ENODEV;
		if ((prot & PROT_EXEC) && noexec(f))
			return -EPERM;
		/* Writable shared mappings need the file's pages in the memory
		 * file (shared.c); others are read-only snapshots. */
		if (type != MAP_PRIVATE && (prot & PROT_WRITE)) {
			if (memfd_write_sealed && memfd_write_sealed(f))
				return -EPERM;
			if (!f->fops || !f->fops->mmap_range)
				return -EINVAL;
		}
		if (*flags & MAP_HUGETLB)
			return -EINVAL;
		return 0;
	default:
		return -EINVAL;
	}
}

long mm_mmap(struct mm *mm, struct platform_ctx *via, uint64_t addr, uint64_t len,
	     int prot, int flags, struct file *file, uint64_t off)
{
	if (off & ~PAGE_MASK)
		return -EINVAL;
	if (!len)
		return -EINVAL;
	if (flags & MAP_FIXED_NOREPLACE)
		flags |= MAP_FIXED;
	if (!(flags & MAP_FIXED) && addr && addr < GUEST_MIN_ADDR)
		addr = GUEST_MIN_ADDR;
	len = PAGE_ALIGN(len);
	if (!len || len > TASK_SIZE)
		return -ENOMEM;
	if (mm->nr_vmas >= MAX_MAP_COUNT)
		return -ENOMEM;
	if (flags & MAP_FIXED) {
		if (addr > TASK_SIZE - len)
			return -ENOMEM;
		if (addr & ~PAGE_MASK)
			return -EINVAL;
		if (addr < GUEST_MIN_ADDR || addr + len > GUEST_TOP)
			return addr < GUEST_MIN_ADDR ? -EPERM : -ENOMEM;
		if ((flags & MAP_FIXED_NOREPLACE) && !mm_range_free(mm, addr, addr + len))
			return -EEXIST;
	}

	int type = flags & MAP_TYPE;
	if (file && is_dev_zero(file)) {
		file = NULL;       /* /dev/zero: plain anonymous memory */
		flags |= MAP_ANONYMOUS;
	}
	int r;
	if (file) {
		r = check_file_mapping(file, type, &flags, prot);
		if (r < 0)
			return r;
	} else {
		if (type == MAP_SHARED && (flags & MAP_GROWSDOWN))
			return -EINVAL;
		if (type != MAP_SHARED && type != MAP_PRIVATE)
			return -EINVAL;
		if (flags & MAP_HUGETLB)
			return -ENOMEM;   /* like a host without reserved huge pages */
	}

	/* Fill the backing first: reading the file may drop the kernel lock,
	 * so the address is chosen (and re-checked) afterwards. A shared
	 * mapping of a file with pages in the memory file maps those. */
	struct list_head pieces = LIST_HEAD_INIT(pieces);
	bool shfile = file && type != MAP_PRIVATE && file->fops && file->fops->mmap_range;
	if (shfile) {
		r = shared_file_vmas(file, off, len, MAX_MAP_COUNT - mm->nr_vmas, &pieces);
		if (r == -ENODEV && !(prot & PROT_WRITE))
			shfile = false;    /* e.g. an overlay lower file: a snapshot */
		else if (r < 0)
			return r;
	}
	struct mem_range *range = NULL;
	if (shfile) {
		/* pieces hold the backing */
	} else if (file) {
		r = range_from_file(file, off, len, &range);
		if (r < 0)
			return r;
	} else if (!(range = range_new(len))) {
		return -ENOMEM;
	}
	struct vma *v = vma_alloc();
	if (!v) {
		if (range)
			range_put(range);
		shared_vmas_free(&pieces, file);
		return -ENOMEM;
	}
	v->range = range;
	if (flags & MAP_FIXED) {
		if ((flags & MAP_FIXED_NOREPLACE) && !mm_range_free(mm, addr, addr + len))
			r = -EEXIST;
		else
			r = mm_do_unmap(mm, via, addr, addr + len);
	} else {
		addr = mm_get_unmapped_area(mm, addr, len, flags);
		r = addr ? 0 : -ENOMEM;
	}
	if (r < 0) {
		vma_free(v);
		shared_vmas_free(&pieces, file);
		return r;
	}

	v->start = addr;
	v->end = addr + len;
	v->prot = prot & (PROT_READ | PROT_WRITE | PROT_EXEC);
	v->flags = (type == MAP_PRIVATE ? MAP_PRIVATE : MAP_SHARED) | (flags & (MAP_ANONYMOUS | MAP_GROWSDOWN));
	if (shfile) {
		/* Like Linux's VM_MAYWRITE: a writable description, not sealed. */
		v->flags |= VMA_SHFILE;
		if ((file->flags & O_ACCMODE) == O_RDWR && !(memfd_write_sealed && memfd_write_sealed(file)))
			v->flags |= VMA_MAYWRITE;
		v->file = file;
		shared_vmas_link(mm, &pieces, addr, v);
		v->file = NULL;
		vma_free(v);
		for (v = mm_find_vma(mm, addr); v && v->start < addr + len; v = vma_next(mm, v))
			if (v->prot && len <= MM_EAGER_MAP_MAX)
				mm_map_vma(via, v);
		return (long)addr;
	}
	if (file) {
		file_get(file);
		v->file = file;
		v->pgoff = off;
	}
	mm_link_vma(mm, v);
	if (v->prot && len <= MM_EAGER_MAP_MAX)
		mm_map_vma(via, v);    /* on failure the first fault maps it */
	return (long)addr;
}

/* ---- munmap / mprotect --------------------------------------------------------------- */

long mm_munmap(struct mm *mm, struct platform_ctx *via, uint64_t addr, uint64_t len)
{
	if (addr & ~PAGE_MASK)
		return -EINVAL;
	len = PAGE_ALIGN(len);
	if (!len || addr > TASK_SIZE || len > TASK_SIZE - addr)
		return -EINVAL;
	if (addr >= GUEST_TOP)
		return 0;
	uint64_t end = addr + len > GUEST_TOP ? GUEST_TOP : addr + len;
	return mm_do_unmap(mm, via, addr, end);
}

/* May VMA v take prot? Shared file mappings may write only through a
 * writable description (VMA_MAYWRITE); snapshots never. */
static int check_prot_change(const struct vma *v, int prot)
{
	if (v->file && (prot & PROT_EXEC) && noexec(v->file))
		return -EACCES;
	if (v->file && vma_is_shared(v) && (prot & PROT_WRITE) && !(v->prot & PROT_WRITE)) {
		if ((v->file->flags & O_ACCMODE) != O_RDWR)
			return -EACCES;
		if (!(v->flags & VMA_SHFILE))
			return -EINVAL;
		if (!(v->flags & VMA_MAYWRITE))
			return -EACCES;
	}
	return 0;
}

long mm_mprotect(struct mm *mm, struct platform_ctx *via, uint64_t start, uint64_t len, int prot)
{
	int grows = prot & (PROT_GROWSDOWN | PROT_GROWSUP);
	prot &= ~grows;
	if (grows == (PROT_GROWSDOWN | PROT_GROWSUP))
		return -EINVAL;
	if (start & ~PAGE_MASK)
		return -EINVAL;
	if (!len)
		return 0;
	len = PAGE_ALIGN(len);
	uint64_t end = start + len;
	if (end <= start)
		return -ENOMEM;
	if (prot & ~(PROT_READ | PROT_WRITE | PROT_EXEC | PROT_SEM))
		return -EINVAL;
	prot &= PROT_READ | PROT_WRITE | PROT_EXEC;

	struct vma *v = mm_vma_after(mm, start);
	if (!v)
		return -ENOMEM;
	if (grows) {
		if (grows == PROT_GROWSUP || !(v->flags & MAP_GROWSDOWN) || v->start >= end)
			return -EINVAL;
		start = v->start;
	}
	if (v->start > start)
		return -ENOMEM;

	/* Apply VMA by VMA like Linux: a hole stops with -ENOMEM, keeping
	 * the changes made before it. */
	struct pbatch b = { .via = via, .protect = true, .prot = prot };
	long ret = 0;
	uint64_t pos = start;
	while (pos < end) {
		v = mm_find_vma(mm, pos);
		if (!v) {
			ret = -ENOMEM;
			break;
		}
		if ((ret = check_prot_change(v, prot)) < 0)
			break;
		uint64_t stop = v->end < end ? v->end : end;
		if (v->prot != prot) {
			if (mm_split_at(mm, pos) < 0 || mm_split_at(mm, stop) < 0) {
				ret = -ENOMEM;
				break;
			}
			v = mm_find_vma(mm, pos);
			v->prot = prot;
			if (v->mapped)
				pbatch_add(&b, v->start, v->end);
		}
		pos = stop;
	}
	pbatch_flush(&b);

	for (v = mm_vma_after(mm, start - 1); v && v->start <= pos; v = vma_next(mm, v))
		v = mm_try_merge(mm, v);
	return ret;
}
