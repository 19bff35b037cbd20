/*
 * /proc/PID/maps in Linux's exact line format. VMAs the mm keeps apart only
 * for its own bookkeeping (different backing ranges or platform state) are
 * shown as one line when Linux would have merged them.
 */
#include <stdio.h>
#include <string.h>
#include <sys/sysmacros.h>
#include "mm_internal.h"
#include "../task.h"
#include "../../vfs/vfs.h"

#define MAPS_NAME_COL 72    /* Linux pads the prefix to 25 + 6 * sizeof(void *) - 1 */

static bool same_name(const char *a, const char *b)
{
	return a == b || (a && b && !strcmp(a, b));
}

/* Would Linux show b as part of the same line as a? */
static bool shown_merged(const struct vma *a, const struct vma *b)
{
	if (a->end != b->start || a->prot != b->prot || a->flags != b->flags ||
	    a->file != b->file || !same_name(a->name, b->name))
		return false;
	if (a->file)
		return a->pgoff + vma_len(a) == b->pgoff;
	if (vma_is_shared(a))   /* one shmem object each */
		return a->range == b->range && a->range_off + vma_len(a) == b->range_off;
	return true;
}

static int render_line(const struct vma *v, uint64_t end, char *line, size_t size)
{
	uint64_t off = 0, ino = 0;
	unsigned maj = 0, min = 0;
	char path[PATH_MAX_LEN];
	const char *name = v->name;

	if (v->file) {
		struct inode *in = v->file->inode;
		off = v->pgoff;
		ino = in->ino;
		if (in->sb) {
			maj = major(in->sb->dev);
			min = minor(in->sb->dev);
		}
		name = NULL;
		if (current && current->fs &&
		    path_to_string(&current->fs->root, &v->file->path, path, sizeof(path)) >= 0)
			name = path;
	} else if (vma_is_shared(v)) {
		/* Linux backs these with a deleted shmem file. */
		off = v->range_off;
		min = 1;
		ino = v->range->off / PAGE_SIZE + 1;
		name = "/dev/zero (deleted)";
	}
	int n = snprintf(line, size, "%08llx-%08llx %c%c%c%c %08llx %02x:%02x %llu ",
			 (unsigned long long)v->start, (unsigned long long)end,
			 v->prot & PROT_READ ? 'r' : '-', v->prot & PROT_WRITE ? 'w' : '-',
			 v->prot & PROT_EXEC ? 'x' : '-', vma_is_shared(v) ? 's' : 'p',
			 (unsigned long long)off, maj, min, (unsigned long long)ino);
	if (name)
		n += snprintf(line + n, size - (size_t)n, "%*s %s",
			      n < MAPS_NAME_COL ? MAPS_NAME_COL - n : 0, "", name);
	n += snprintf(line + n, size - (size_t)n, "\n");
	return n < (int)size ? n : (int)size - 1;
}

size_t mm_render_maps(struct mm *mm, char *buf, size_t len)
{
	char line[PATH_MAX_LEN + 128];
	size_t used = 0;
	struct vma *v = vma_first(mm);
	while (v) {
		struct vma *last = v, *n;
		while ((n = vma_next(mm, last)) && shown_merged(last, n))
			last = n;
		size_t l = (size_t)render_line(v, last->end, line, sizeof(line));
		if (used + l > len)
			break;
		memcpy(buf + used, line, l);
		used += l;
		v = vma_next(mm, last);
	}
	return used;
}
