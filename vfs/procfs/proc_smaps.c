/*
 * /proc/PID/smaps and smaps_rollup: each maps line (as mm_render_maps
 * shows it) followed by its memory figures. Resident = the pages of VMAs
 * currently mirrored into the guest address space; sharing is not tracked,
 * so Pss = Rss and every resident page counts as private (dirty for
 * anonymous or writable memory, clean for read-only file pages).
 */
#include <errno.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include "procfs_internal.h"
#include "sentry/kernel.h"
#include "sentry/task.h"
#include "sentry/mm.h"

#define PROC_MAPS_MAX (512u << 10)
#define MAPS_NAME_COL 72    /* = mm_render_maps's column for names */

struct smem {
	uint64_t size, rss, anon, file, shmem, priv_clean, priv_dirty;
};

static bool vma_shared(const struct vma *v)
{
	return (v->flags & MAP_SHARED) != 0;
}

static void account(const struct vma *v, struct smem *s)
{
	uint64_t len = v->end - v->start;

	s->size += len;
	if (!v->mapped)
		return;
	s->rss += len;
	if (vma_shared(v) && !v->file)
		s->shmem += len;
	else if (v->file)
		s->file += len;
	else
		s->anon += len;
	if (v->file && !(v->prot & PROT_WRITE))
		s->priv_clean += len;
	else
		s->priv_dirty += len;
}

static void kb(struct proc_buf *b, const char *label, uint64_t bytes)
{
	pb_printf(b, "%-16s%8" PRIu64 " kB\n", label, bytes / 1024);
}

static void put_figures(struct proc_buf *b, const struct smem *s, bool rollup)
{
	if (!rollup) {
		kb(b, "Size:", s->size);
		kb(b, "KernelPageSize:", PAGE_SIZE);
		kb(b, "MMUPageSize:", PAGE_SIZE);
	}
	kb(b, "Rss:", s->rss);
	kb(b, "Pss:", s->rss);
	kb(b, "Pss_Dirty:", s->priv_dirty);
	if (rollup) {
		kb(b, "Pss_Anon:", s->anon);
		kb(b, "Pss_File:", s->file);
		kb(b, "Pss_Shmem:", s->shmem);
	}
	kb(b, "Shared_Clean:", 0);
	kb(b, "Shared_Dirty:", 0);
	kb(b, "Private_Clean:", s->priv_clean);
	kb(b, "Private_Dirty:", s->priv_dirty);
	kb(b, "Referenced:", s->rss);
	kb(b, "Anonymous:", s->anon);
	kb(b, "LazyFree:", 0);
	kb(b, "AnonHugePages:", 0);
	kb(b, "ShmemPmdMapped:", 0);
	kb(b, "FilePmdMapped:", 0);
	kb(b, "Shared_Hugetlb:", 0);
	kb(b, "Private_Hugetlb:", 0);
	kb(b, "Swap:", 0);
	kb(b, "SwapPss:", 0);
	kb(b, "Locked:", 0);
}

/* Linux's two-letter VM flags for what the mm records. */
static void put_vmflags(struct proc_buf *b, const struct vma *v)
{
	bool shared = vma_shared(v);

	pb_printf(b, "THPeligible:    %8d\nVmFlags: ", 0);
	if (v->prot & PROT_READ)
		pb_printf(b, "rd ");
	if (v->prot & PROT_WRITE)
		pb_printf(b, "wr ");
	if (v->prot & PROT_EXEC)
		pb_printf(b, "ex ");
	if (shared)
		pb_printf(b, "sh ");
	pb_printf(b, "mr mw me ");
	if (shared)
		pb_printf(b, "ms ");
	if (v->name && !strcmp(v->name, "[stack]"))
		pb_printf(b, "gd ");
	if (!shared && (v->prot & PROT_WRITE))
		pb_printf(b, "ac ");
	pb_printf(b, "\n");
}

/* The rendered maps text of t's mm (NUL-terminated, free it), or NULL. */
static char *render_maps(struct mm *mm)
{
	char *text = malloc(PROC_MAPS_MAX + 1);

	if (text)
		text[mm_render_maps(mm, text, PROC_MAPS_MAX)] = 0;
	return text;
}

int proc_smaps_show(const struct proc_node *n, struct proc_buf *b)
{
	struct task *t = proc_task(n);
	char *text, *line, *next;

	if (!t)
		return -ESRCH;
	if (!proc_may_access(t))
		return -EACCES;
	if (!t->mm)
		return 0;
	if (!(text = render_maps(t->mm)))
		return -ENOMEM;
	for (line = text; *line; line = next) {
		unsigned long long start, end;
		const struct vma *first = NULL;
		struct list_head *pos;
		struct smem s = { 0 };

		next = strchr(line, '\n');
		next = next ? next + 1 : line + strlen(line);
		if (sscanf(line, "%llx-%llx", &start, &end) != 2)
			continue;
		list_for_each(pos, &t->mm->vmas) {
			const struct vma *v = list_entry(pos, struct vma, link);
			if (v->start >= start && v->end <= end) {
				if (!first)
					first = v;
				account(v, &s);
			}
		}
		pb_write(b, line, (size_t)(next - line));
		put_figures(b, &s, false);
		if (first)
			put_vmflags(b, first);
	}
	free(text);
	return 0;
}

int proc_smaps_rollup_show(const struct proc_node *n, struct proc_buf *b)
{
	struct task *t = proc_task(n);
	struct list_head *pos;
	struct smem s = { 0 };
	uint64_t lo = 0, hi = 0;
	int col;

	if (!t)
		return -ESRCH;
	if (!proc_may_access(t))
		return -EACCES;
	if (!t->mm)
		return 0;
	list_for_each(pos, &t->mm->vmas) {
		const struct vma *v = list_entry(pos, struct vma, link);
		if (!lo)
			lo = v->start;
		hi = v->end;
		account(v, &s);
	}
	col = snprintf(NULL, 0, "%08" PRIx64 "-%08" PRIx64 " ---p 00000000 00:00 0 ", lo, hi);
	pb_printf(b, "%08" PRIx64 "-%08" PRIx64 " ---p 00000000 00:00 0 %*s [rollup]\n", lo, hi,
		  col < MAPS_NAME_COL ? MAPS_NAME_COL - col : 0, "");
	put_figures(b, &s, true);
	return 0;
}
