/*
 * Memory syscalls: argument decoding on top of sentry/mm.
 */
#include <errno.h>
#include <fcntl.h>
#include <sys/mman.h>
#include "syscall.h"
#include "../sentry/task.h"
#include "../sentry/mm/mm_internal.h"
#include "../vfs/vfs.h"

#ifndef MLOCK_ONFAULT
#define MLOCK_ONFAULT 0x01
#endif
#ifndef MCL_ONFAULT
#define MCL_ONFAULT 4
#endif

long sys_mmap(struct task *t, const struct syscall_args *a)
{
	int flags = (int)a->a[3];
	uint64_t off = a->a[5];
	if (off & ~PAGE_MASK)
		return -EINVAL;
	struct file *f = NULL;
	if (!(flags & MAP_ANONYMOUS) && !(f = fd_get(t->files, (int)a->a[4])))
		return -EBADF;
	if (f && (f->flags & O_PATH)) {
		file_put(f);
		return -EBADF;
	}
	long r = mm_mmap(t->mm, t->ctx, a->a[0], a->a[1], (int)a->a[2], flags, f, off);
	if (f)
		file_put(f);
	return r;
}

long sys_munmap(struct task *t, const struct syscall_args *a)
{
	return mm_munmap(t->mm, t->ctx, a->a[0], a->a[1]);
}

long sys_mprotect(struct task *t, const struct syscall_args *a)
{
	return mm_mprotect(t->mm, t->ctx, a->a[0], a->a[1], (int)a->a[2]);
}

long sys_brk(struct task *t, const struct syscall_args *a)
{
	return mm_brk(t->mm, t->ctx, a->a[0]);
}

long sys_mremap(struct task *t, const struct syscall_args *a)
{
	return mm_mremap(t->mm, t->ctx, a->a[0], a->a[1], a->a[2], (int)a->a[3], a->a[4]);
}

long sys_madvise(struct task *t, const struct syscall_args *a)
{
	return mm_madvise(t->mm, t->ctx, a->a[0], a->a[1], (int)a->a[2]);
}

/* Is all of [start, end) covered by VMAs? */
static bool fully_mapped(struct mm *mm, uint64_t start, uint64_t end)
{
	while (start < end) {
		struct vma *v = mm_find_vma(mm, start);
		if (!v)
			return false;
		start = v->end;
	}
	return true;
}

/* Shared file mappings of tmpfs/memfd are the file itself: nothing to do.
 * Files with a write-back cache (file_ops->mmap_sync: gofer files) write
 * the mapped part back on MS_SYNC and MS_ASYNC alike. Holes are -ENOMEM
 * after the mapped parts are synced, like Linux. */
long sys_msync(struct task *t, const struct syscall_args *a)
{
	uint64_t start = a->a[0], len = a->a[1];
	int flags = (int)a->a[2];
	if (flags & ~(MS_ASYNC | MS_INVALIDATE | MS_SYNC))
		return -EINVAL;
	if (start & ~PAGE_MASK)
		return -EINVAL;
	if ((flags & MS_ASYNC) && (flags & MS_SYNC))
		return -EINVAL;
	len = PAGE_ALIGN(len);
	uint64_t end = start + len;
	if (end < start)
		return -ENOMEM;
	long ret = 0;
	uint64_t pos = start;
	while (pos < end) {
		struct vma *v = mm_vma_after(t->mm, pos);
		if (!v || v->start >= end)
			return -ENOMEM;
		if (v->start > pos)
			ret = -ENOMEM;
		pos = v->start > pos ? v->start : pos;
		uint64_t stop = v->end < end ? v->end : end;
		if ((v->flags & VMA_SHFILE) && v->file->fops && v->file->fops->mmap_sync) {
			int r = v->file->fops->mmap_sync(v->file, v->pgoff + (pos - v->start), stop - pos);
			if (r < 0)
				return r;
		}
		pos = stop;
	}
	return ret;
}

/* Every page of guest memory counts as resident. */
long sys_mincore(struct task *t, const struct syscall_args *a)
{
	uint64_t start = a->a[0], len = a->a[1], vec = a->a[2];
	if (start & ~PAGE_MASK)
		return -EINVAL;
	if (start + len < start || start + len > GUEST_TOP)
		return -ENOMEM;
	uint64_t pages = len / PAGE_SIZE + ((len & ~PAGE_MASK) != 0);
	if (vec + pages < vec || vec + pages > GUEST_TOP)
		return -EFAULT;
	if (!fully_mapped(t->mm, start, start + pages * PAGE_SIZE))
		return -ENOMEM;
	static const unsigned char ones[4096] = { [0 ... 4095] = 1 };
	while (pages) {
		uint64_t n = pages < sizeof(ones) ? pages : sizeof(ones);
		if (copy_to_user(t->mm, vec, ones, n) < 0)
			return -EFAULT;
		vec += n;
		pages -= n;
	}
	return 0;
}

/* Memory is never paged out, so locking is validation only. */
static long check_lock_range(struct task *t, uint64_t start, uint64_t len)
{
	uint64_t end = start + len;
	if (end < start)
		return -ENOMEM;
	start &= PAGE_MASK;
	end = PAGE_ALIGN(end);
	if (end < start)
		return -ENOMEM;
	return fully_mapped(t->mm, start, end) ? 0 : -ENOMEM;
}

long sys_mlock(struct task *t, const struct syscall_args *a)
{
	return check_lock_range(t, a->a[0], a->a[1]);
}

long sys_mlock2(struct task *t, const struct syscall_args *a)
{
	if (a->a[2] & ~(uint64_t)MLOCK_ONFAULT)
		return -EINVAL;
	return check_lock_range(t, a->a[0], a->a[1]);
}

long sys_munlock(struct task *t, const struct syscall_args *a)
{
	return check_lock_range(t, a->a[0], a->a[1]);
}

long sys_mlockall(struct task *t, const struct syscall_args *a)
{
	uint64_t flags = a->a[0];
	if (!flags || (flags & ~(uint64_t)(MCL_CURRENT | MCL_FUTURE | MCL_ONFAULT)) || flags == MCL_ONFAULT)
		return -EINVAL;
	return 0;
}

long sys_munlockall(struct task *t, const struct syscall_args *a)
{
	return 0;
}
