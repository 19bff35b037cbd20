/*
 * Guest memory: the memory file and address spaces (struct mm).
 *
 * All guest memory is a range of one memfd, the memory file. The sentry maps
 * the whole file into itself once, so copy-in/copy-out is a bounds-checked
 * memcpy through the VMA set. The platform mirrors VMAs into the stub
 * (eagerly through `via` when given, else lazily on fault).
 *
 * Locking: every function here runs under the kernel lock.
 */
#ifndef CVISOR_MM_H
#define CVISOR_MM_H
#include <stdint.h>
#include <stddef.h>
#include <stdbool.h>
#include <sys/types.h>
#include "list.h"
#include "arch.h"   /* PAGE_SIZE, PAGE_MASK, PAGE_ALIGN */

struct platform_ctx;
struct file;


/* ---- memory file -------------------------------------------------------- */
int memfile_init(void);                  /* creates the memfd; once at boot */
int memfile_fd(void);
/* Allocate/free `len` bytes (page multiple) of file space; contents read as
 * zero. Returns the offset or (uint64_t)-1 when exhausted. */
uint64_t memfile_alloc(uint64_t len);
void memfile_free(uint64_t off, uint64_t len);
void memfile_zero(uint64_t off, uint64_t len);   /* punch hole: back to zero pages */
void *memfile_ptr(uint64_t off);                 /* sentry view of the file */
uint64_t memfile_bytes_in_use(void);             /* for sysinfo/meminfo */

/* A refcounted run of memory-file pages shared by the VMAs that map it
 * (shared anonymous mappings across fork, split VMAs). */
struct mem_range {
	uint64_t off, len;
	int refs;
};
/* range.c: filesystems whose data lives in the memory file (tmpfs) hold
 * their pages as ranges too, so shared mappings can map the same pages. */
struct mem_range *range_new(uint64_t len);     /* refs 1; NULL if exhausted */
void range_get(struct mem_range *r);
void range_put(struct mem_range *r);           /* frees file space at 0 */

struct vma {
	struct list_head link;   /* in mm->vmas, sorted by start */
	uint64_t start, end;     /* page aligned, [start, end) */
	int prot;                /* PROT_READ|PROT_WRITE|PROT_EXEC */
	int flags;               /* MAP_PRIVATE or MAP_SHARED, MAP_ANONYMOUS, MAP_GROWSDOWN */
	struct mem_range *range; /* backing pages */
	uint64_t range_off;      /* offset of `start` inside range */
	struct file *file;       /* mapped file (reference held) or NULL; for maps */
	uint64_t pgoff;          /* file offset of `start` in bytes */
	const char *name;        /* "[heap]", "[stack]", "[vdso]" or NULL (static string) */
	bool mapped;             /* mirrored in the platform address space */
};

struct mm {
	int users;               /* tasks sharing it (CLONE_VM) */
	struct list_head vmas;
	int nr_vmas;
	uint64_t mmap_base;      /* top-down search starts here */
	uint64_t start_brk, brk; /* heap */
	uint64_t start_stack;
	uint64_t arg_start, arg_end, env_start, env_end;
	uint64_t auxv[2 * 32];   /* copy of the auxv, for /proc/PID/auxv */
	size_t auxv_len;         /* bytes used in auxv */
	struct file *exe;        /* /proc/PID/exe target (reference held) */
	uint64_t vm_bytes;       /* total mapped */
};

struct mm *mm_new(void);
/* Copy for fork(): private pages are copied, shared pages stay shared. */
struct mm *mm_fork(struct mm *parent);
void mm_get(struct mm *mm);
void mm_put(struct mm *mm);   /* frees on last user */

/* Syscall-level operations; return value or -errno exactly as Linux. */
long mm_mmap(struct mm *mm, struct platform_ctx *via, uint64_t addr, uint64_t len,
	     int prot, int flags, struct file *file, uint64_t off);
long mm_munmap(struct mm *mm, struct platform_ctx *via, uint64_t addr, uint64_t len);
long mm_mprotect(struct mm *mm, struct platform_ctx *via, uint64_t addr, uint64_t len, int prot);
long mm_brk(struct mm *mm, struct platform_ctx *via, uint64_t newbrk);
long mm_mremap(struct mm *mm, struct platform_ctx *via, uint64_t old_addr, uint64_t old_len,
	       uint64_t new_len, int flags, uint64_t new_addr);
long mm_madvise(struct mm *mm, struct platform_ctx *via, uint64_t addr, uint64_t len, int advice);

/* A guest fault at addr with `access` (PROT_* bits, 0 = unknown).
 * Returns 0 when the fault was resolved (range now mapped; retry the
 * instruction), or the si_code of the SIGSEGV to deliver (SEGV_MAPERR or
 * SEGV_ACCERR). */
int mm_fault(struct mm *mm, struct platform_ctx *via, uint64_t addr, int access);

/* Find the VMA containing addr, or NULL. */
struct vma *mm_find_vma(struct mm *mm, uint64_t addr);

/* Guest memory access. Checks the VMA protections like the hardware would
 * (reads need PROT_READ, writes PROT_WRITE). 0 or -EFAULT. */
int copy_from_user(struct mm *mm, void *dst, uint64_t src, size_t n);
int copy_to_user(struct mm *mm, uint64_t dst, const void *src, size_t n);
/* Copy a NUL-terminated string of at most max-1 chars. Returns its length,
 * -EFAULT, or -ENAMETOOLONG if no NUL within max bytes. */
long strncpy_from_user(struct mm *mm, char *dst, uint64_t src, size_t max);
/* Zero n bytes at dst (for clear_user / bss tails). */
int clear_user(struct mm *mm, uint64_t dst, size_t n);

/* Render /proc/PID/maps into buf (at most len bytes); returns bytes written. */
size_t mm_render_maps(struct mm *mm, char *buf, size_t len);

#endif
