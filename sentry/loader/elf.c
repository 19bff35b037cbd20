/* ELF64 x86-64 images: header validation (hostile input) and mapping of
 * PT_LOAD segments into an mm. */
#include <elf.h>
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include "platform/platform.h"
#include "sentry/mm.h"
#include "vfs/vfs.h"
#include "sentry/loader/loader_int.h"

#define MAX_PHDR_BYTES 65536ULL     /* Linux's bound on the phdr table (ELF_MIN_ALIGN) */
#define MAX_SEG_ALIGN  (1ULL << 30) /* larger p_align is honoured only up to this */

struct layout {
	uint64_t lo, hi;   /* page-aligned span of all PT_LOADs (unbiased) */
	uint64_t align;    /* largest segment alignment (>= PAGE_SIZE) */
};

static int read_headers(struct file *f, const uint8_t *hdr, size_t len, int bad,
			Elf64_Ehdr *eh, Elf64_Phdr **out)
{
	size_t size;
	Elf64_Phdr *ph;
	ssize_t n;

	if (len < sizeof(*eh))
		return bad;
	memcpy(eh, hdr, sizeof(*eh));
	if (memcmp(eh->e_ident, ELFMAG, SELFMAG) || eh->e_ident[EI_CLASS] != ELFCLASS64 ||
	    eh->e_ident[EI_DATA] != ELFDATA2LSB || eh->e_ident[EI_VERSION] != EV_CURRENT ||
	    eh->e_machine != EM_X86_64 || (eh->e_type != ET_EXEC && eh->e_type != ET_DYN) ||
	    eh->e_phentsize != sizeof(Elf64_Phdr) || eh->e_phnum < 1 ||
	    eh->e_phnum > MAX_PHDR_BYTES / sizeof(Elf64_Phdr))
		return bad;
	size = eh->e_phnum * sizeof(Elf64_Phdr);
	if (eh->e_phoff > UINT64_MAX - size)
		return bad;
	ph = malloc(size);
	if (!ph)
		return -ENOMEM;
	n = kernel_pread(f, ph, size, eh->e_phoff);
	if (n != (ssize_t)size) {
		free(ph);
		/* A file too short for its own headers is not an executable. */
		return n < 0 ? (int)n : bad;
	}
	*out = ph;
	return 0;
}

/* PT_LOADs must be sorted, non-overlapping, inside the guest range, with
 * p_filesz <= p_memsz and file offset congruent to the address. */
static int check_segments(const Elf64_Ehdr *eh, const Elf64_Phdr *ph, int bad, struct layout *l)
{
	uint64_t prev_end = 0;
	int nload = 0;

	l->align = PAGE_SIZE;
	for (int i = 0; i < eh->e_phnum; i++) {
		const Elf64_Phdr *p = &ph[i];

		if (p->p_type != PT_LOAD || !p->p_memsz)
			continue;
		if (p->p_filesz > p->p_memsz || p->p_vaddr >= GUEST_TOP ||
		    p->p_memsz > GUEST_TOP - p->p_vaddr || p->p_offset > UINT64_MAX - p->p_filesz ||
		    ((p->p_vaddr - p->p_offset) & (PAGE_SIZE - 1)))
			return -EINVAL;
		if (p->p_align > 1 && (p->p_align & (p->p_align - 1)))
			return bad;
		if (nload && p->p_vaddr < prev_end)
			return -EINVAL;
		if (!nload)
			l->lo = p->p_vaddr & PAGE_MASK;
		prev_end = p->p_vaddr + p->p_memsz;
		l->hi = PAGE_ALIGN(prev_end);
		if (p->p_align > l->align)
			l->align = p->p_align < MAX_SEG_ALIGN ? p->p_align : MAX_SEG_ALIGN;
		nload++;
	}
	return nload ? 0 : bad;
}

static int read_interp(struct file *f, const Elf64_Ehdr *eh, const Elf64_Phdr *ph, char *interp)
{
	bool found = false;

	interp[0] = '\0';
	for (int i = 0; i < eh->e_phnum; i++) {
		const Elf64_Phdr *p = &ph[i];
		ssize_t n;

		if (p->p_type != PT_INTERP)
			continue;
		if (found || p->p_filesz < 2 || p->p_filesz > PATH_MAX_LEN)
			return -ENOEXEC;
		n = kernel_pread(f, interp, p->p_filesz, p->p_offset);
		if (n != (ssize_t)p->p_filesz)
			return n < 0 ? (int)n : -ENOEXEC;
		if (interp[p->p_filesz - 1] != '\0')
			return -ENOEXEC;
		found = true;
	}
	return 0;
}

static int prot_of(uint32_t pf)
{
	return ((pf & PF_R) ? PROT_READ : 0) | ((pf & PF_W) ? PROT_WRITE : 0) |
	       ((pf & PF_X) ? PROT_EXEC : 0);
}

/* File part mapped writable first (usercopy honours PROT_WRITE) so the bss
 * tail of its last page can be zeroed, then set to the final protection;
 * the rest of p_memsz is anonymous. */
static long map_segment(struct mm *mm, struct file *f, const Elf64_Phdr *p, uint64_t bias)
{
	uint64_t vaddr = p->p_vaddr + bias;
	uint64_t start = vaddr & PAGE_MASK;
	uint64_t file_end = vaddr + p->p_filesz, mem_end = PAGE_ALIGN(vaddr + p->p_memsz);
	uint64_t map_end = start;
	int prot = prot_of(p->p_flags);
	long r;

	if (p->p_filesz) {
		map_end = PAGE_ALIGN(file_end);
		r = mm_mmap(mm, NULL, start, map_end - start, prot | PROT_WRITE,
			    MAP_PRIVATE | MAP_FIXED, f, p->p_offset - (vaddr - start));
		if (r < 0)
			return r;
		if (p->p_memsz > p->p_filesz && map_end > file_end &&
		    clear_user(mm, file_end, map_end - file_end))
			return -EFAULT;
		if (!(prot & PROT_WRITE)) {
			r = mm_mprotect(mm, NULL, start, map_end - start, prot);
			if (r < 0)
				return r;
		}
	}
	if (mem_end > map_end) {
		r = mm_mmap(mm, NULL, map_end, mem_end - map_end, prot,
			    MAP_PRIVATE | MAP_ANONYMOUS | MAP_FIXED, NULL, 0);
		if (r < 0)
			return r;
	}
	return 0;
}

/* Choose where the image goes: ET_EXEC at its addresses, a PIE main
 * program at LOADER_PIE_BASE, an ET_DYN interpreter wherever the mm's
 * top-down search puts it. Returns the base (address of l->lo) or -errno. */
static long place_image(struct mm *mm, const Elf64_Ehdr *eh, const struct layout *l, bool is_interp)
{
	uint64_t span = l->hi - l->lo, base;
	long r;

	if (eh->e_type == ET_EXEC) {
		base = l->lo;
	} else if (!is_interp) {
		base = LOADER_PIE_BASE & ~(l->align - 1);
	} else {
		uint64_t len = span + l->align - PAGE_SIZE;

		r = mm_mmap(mm, NULL, 0, len, PROT_NONE, MAP_PRIVATE | MAP_ANONYMOUS, NULL, 0);
		if (r < 0)
			return r;
		base = ((uint64_t)r + l->align - 1) & ~(l->align - 1);
		r = mm_munmap(mm, NULL, (uint64_t)r, len);
		if (r < 0)
			return r;
	}
	if (base < GUEST_MIN_ADDR || base > mm->mmap_base || span > mm->mmap_base - base)
		return -EINVAL;
	return (long)base;
}

int elf_load(struct mm *mm, struct file *f, const uint8_t *hdr, size_t len, bool is_interp,
	     struct elf_image *img, char *interp)
{
	int bad = is_interp ? -ELIBBAD : -ENOEXEC;
	Elf64_Ehdr eh;
	Elf64_Phdr *ph = NULL;
	struct layout l = { 0 };
	uint64_t bias, phsize;
	long r;

	r = read_headers(f, hdr, len, bad, &eh, &ph);
	if (r)
		return (int)r;
	r = check_segments(&eh, ph, bad, &l);
	if (!r && !is_interp)
		r = read_interp(f, &eh, ph, interp);
	if (!r)
		r = place_image(mm, &eh, &l, is_interp);
	if (r < 0)
		goto out;
	bias = (uint64_t)r - l.lo;
	for (int i = 0; i < eh.e_phnum; i++) {
		if (ph[i].p_type != PT_LOAD || !ph[i].p_memsz)
			continue;
		r = map_segment(mm, f, &ph[i], bias);
		if (r < 0)
			goto out;
	}
	memset(img, 0, sizeof(*img));
	img->bias = bias;
	img->entry = eh.e_entry + bias;
	img->phnum = eh.e_phnum;
	img->end = l.hi + bias;
	phsize = eh.e_phnum * sizeof(Elf64_Phdr);
	for (int i = 0; i < eh.e_phnum; i++) {
		const Elf64_Phdr *p = &ph[i];

		if (p->p_type == PT_LOAD && p->p_offset <= eh.e_phoff &&
		    eh.e_phoff - p->p_offset + phsize <= p->p_filesz) {
			img->phdr = eh.e_phoff - p->p_offset + p->p_vaddr + bias;
			break;
		}
	}
	r = img->entry < GUEST_TOP ? 0 : -EINVAL;
out:
	free(ph);
	return (int)r;
}
