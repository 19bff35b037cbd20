/*
 * Guest memory access: a walk over the VMAs with the hardware's permission
 * rules, then memcpy through the sentry's mapping of the memory file.
 */
#include <errno.h>
#include <string.h>
#include "mm_internal.h"

/* Sentry pointer for guest addr if `access` is allowed there; *avail gets
 * the bytes contiguous from it (up to the VMA end). */
static char *user_ptr(struct mm *mm, uint64_t addr, int access, size_t *avail)
{
	if (addr < GUEST_MIN_ADDR || addr >= GUEST_TOP)
		return NULL;
	struct vma *v = mm_find_vma(mm, addr);
	if (!v || !prot_allows(v->prot, access))
		return NULL;
	*avail = v->end - addr;
	return memfile_ptr(vma_off(v, addr));
}

static bool range_ok(uint64_t addr, size_t n)
{
	return addr + n >= addr && addr + n <= GUEST_TOP;
}

int copy_from_user(struct mm *mm, void *dst, uint64_t src, size_t n)
{
	if (!range_ok(src, n))
		return -EFAULT;
	while (n) {
		size_t avail;
		char *p = user_ptr(mm, src, PROT_READ, &avail);
		if (!p)
			return -EFAULT;
		size_t chunk = avail < n ? avail : n;
		memcpy(dst, p, chunk);
		dst = (char *)dst + chunk;
		src += chunk;
		n -= chunk;
	}
	return 0;
}

int copy_to_user(struct mm *mm, uint64_t dst, const void *src, size_t n)
{
	if (!range_ok(dst, n))
		return -EFAULT;
	while (n) {
		size_t avail;
		char *p = user_ptr(mm, dst, PROT_WRITE, &avail);
		if (!p)
			return -EFAULT;
		size_t chunk = avail < n ? avail : n;
		memcpy(p, src, chunk);
		src = (const char *)src + chunk;
		dst += chunk;
		n -= chunk;
	}
	return 0;
}

int clear_user(struct mm *mm, uint64_t dst, size_t n)
{
	if (!range_ok(dst, n))
		return -EFAULT;
	while (n) {
		size_t avail;
		char *p = user_ptr(mm, dst, PROT_WRITE, &avail);
		if (!p)
			return -EFAULT;
		size_t chunk = avail < n ? avail : n;
		memset(p, 0, chunk);
		dst += chunk;
		n -= chunk;
	}
	return 0;
}

long strncpy_from_user(struct mm *mm, char *dst, uint64_t src, size_t max)
{
	size_t done = 0;
	while (done < max) {
		size_t avail;
		char *p = user_ptr(mm, src + done, PROT_READ, &avail);
		if (!p)
			return -EFAULT;
		size_t chunk = avail < max - done ? avail : max - done;
		char *nul = memchr(p, 0, chunk);
		if (nul) {
			memcpy(dst + done, p, (size_t)(nul - p) + 1);
			return (long)(done + (size_t)(nul - p));
		}
		memcpy(dst + done, p, chunk);
		done += chunk;
	}
	return -ENAMETOOLONG;
}
