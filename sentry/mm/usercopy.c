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

/* Visit [addr, addr + n) of guest memory one VMA-contiguous chunk at a
 * time, checking `access` like the hardware: op gets the sentry pointer,
 * the chunk length and how many bytes came before it. */
static int user_walk(struct mm *mm, uint64_t addr, size_t n, int access,
		     void (*op)(char *p, size_t len, size_t done, void *arg), void *arg)
{
	if (!range_ok(addr, n))
		return -EFAULT;
	for (size_t done = 0; done < n;) {
		size_t avail;
		char *p = user_ptr(mm, addr + done, access, &avail);
		if (!p)
			return -EFAULT;
		size_t chunk = avail < n - done ? avail : n - done;
		op(p, chunk, done, arg);
		done += chunk;
	}
	return 0;
}

static void read_chunk(char *p, size_t len, size_t done, void *dst)
{
	memcpy((char *)dst + done, p, len);
}

static void write_chunk(char *p, size_t len, size_t done, void *src)
{
	memcpy(p, (const char *)src + done, len);
}

static void zero_chunk(char *p, size_t len, size_t done, void *unused)
{
	memset(p, 0, len);
}

int copy_from_user(struct mm *mm, void *dst, uint64_t src, size_t n)
{
	return user_walk(mm, src, n, PROT_READ, read_chunk, dst);
}

int copy_to_user(struct mm *mm, uint64_t dst, const void *src, size_t n)
{
	return user_walk(mm, dst, n, PROT_WRITE, write_chunk, (void *)src);
}

int clear_user(struct mm *mm, uint64_t dst, size_t n)
{
	return user_walk(mm, dst, n, PROT_WRITE, zero_chunk, NULL);
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
