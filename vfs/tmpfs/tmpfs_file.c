/*
 * tmpfs regular files. Data lives in the memory file (sentry/mm) in chunks
 * allocated on first use: 64 KiB below 2 MiB of file offset, 2 MiB (aligned)
 * above, so small files reserve little and big shared mappings need few
 * VMAs. A chunk is a refcounted mem_range: MAP_SHARED mappings map those
 * same pages (tmpfs_mmap_range), so data never moves while mapped and a
 * store through a mapping is what read(2) sees. Missing chunks are holes
 * and read as zero.
 *
 * Pages written with write(2) or preallocated with fallocate are "charged"
 * (one bit per page and chunk): they count against the size limit, in
 * st_blocks and /proc/meminfo Shmem, and are what SEEK_DATA finds. Pages
 * first touched through a shared mapping are charged when a VMA of their
 * chunk goes (tmpfs_mmap_put).
 * Bytes past EOF inside a chunk read as zero once the file grows over them.
 */
#include <errno.h>
#include <fcntl.h>
#include <linux/falloc.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include "tmpfs.h"
#include "../../sentry/mm.h"

#define CHUNK_SMALL (64ULL << 10)
#define CHUNK_BIG   (2ULL << 20)
#define CHUNK_WORDS (CHUNK_BIG / PAGE_SIZE / 64)

struct tmpfs_chunk {
	uint64_t start;                  /* file offset */
	struct mem_range *range;         /* the file's reference; mappings hold more */
	uint64_t charged[CHUNK_WORDS];   /* pages counted in the sb's `used` */
};

static uint64_t shmem_pages;         /* charged pages of every tmpfs */

uint64_t tmpfs_shmem_bytes(void) { return shmem_pages * PAGE_SIZE; }

void tmpfs_touch(struct inode *i, bool mtime)
{
	i->ctime = vfs_now();
	if (mtime)
		i->mtime = i->ctime;
}

static void set_blocks(struct inode *i)
{
	i->blocks = TN(i)->pages * (PAGE_SIZE / 512);
}

/* ---- chunks ------------------------------------------------------------- */

static uint64_t chunk_base(uint64_t off)
{
	return off < CHUNK_BIG ? off & ~(CHUNK_SMALL - 1) : off & ~(CHUNK_BIG - 1);
}

static uint64_t chunk_end(const struct tmpfs_chunk *c)
{
	return c->start + (c->start < CHUNK_BIG ? CHUNK_SMALL : CHUNK_BIG);
}

static char *chunk_ptr(const struct tmpfs_chunk *c, uint64_t off)
{
	return memfile_ptr(c->range->off + (off - c->start));
}

/* Index of the first chunk ending after off (nchunks if none). */
static size_t chunk_index(const struct tmpfs_node *n, uint64_t off)
{
	size_t lo = 0, hi = n->nchunks;
	while (lo < hi) {
		size_t mid = lo + (hi - lo) / 2;
		if (chunk_end(n->chunks[mid]) <= off)
			lo = mid + 1;
		else
			hi = mid;
	}
	return lo;
}

/* The chunk holding off, created if absent (*created tells). NULL: *err. */
static struct tmpfs_chunk *chunk_get(struct inode *i, uint64_t off, bool *created, int *err)
{
	struct tmpfs_node *n = TN(i);
	size_t k = chunk_index(n, off);
	*created = false;
	if (k < n->nchunks && n->chunks[k]->start <= off)
		return n->chunks[k];
	if (n->nchunks == n->chunks_cap) {
		size_t cap = n->chunks_cap ? n->chunks_cap * 2 : 4;
		struct tmpfs_chunk **a = realloc(n->chunks, cap * sizeof(*a));
		if (!a) {
			*err = -ENOMEM;
			return NULL;
		}
		n->chunks = a;
		n->chunks_cap = cap;
	}
	struct tmpfs_chunk *c = calloc(1, sizeof(*c));
	if (!c) {
		*err = -ENOMEM;
		return NULL;
	}
	c->start = chunk_base(off);
	c->range = range_new(chunk_end(c) - c->start);
	if (!c->range) {
		free(c);
		*err = -ENOSPC;     /* the memory file is full */
		return NULL;
	}
	memmove(n->chunks + k + 1, n->chunks + k, (n->nchunks - k) * sizeof(*n->chunks));
	n->chunks[k] = c;
	n->nchunks++;
	*created = true;
	return c;
}

static bool page_charged(const struct tmpfs_chunk *c, uint64_t off)
{
	uint64_t pg = (off - c->start) / PAGE_SIZE;
	return c->charged[pg / 64] >> (pg % 64) & 1;
}

static void set_charged(struct inode *i, struct tmpfs_chunk *c, uint64_t off, bool on)
{
	uint64_t pg = (off - c->start) / PAGE_SIZE, bit = 1ULL << (pg % 64);
	if (!!(c->charged[pg / 64] & bit) == on)
		return;
	c->charged[pg / 64] ^= bit;
	if (on) {
		TSB(i)->used += PAGE_SIZE;
		TN(i)->pages++;
		shmem_pages++;
	} else {
		TSB(i)->used -= PAGE_SIZE;
		TN(i)->pages--;
		shmem_pages--;
	}
}

/* Charge the pages of [from, to) inside c, stopping at the size limit.
 * Returns the end of what is charged (from if nothing could be). */
static uint64_t charge(struct inode *i, struct tmpfs_chunk *c, uint64_t from, uint64_t to)
{
	struct tmpfs_sb *s = TSB(i);
	for (uint64_t p = from & PAGE_MASK; p < to; p += PAGE_SIZE) {
		if (page_charged(c, p))
			continue;
		if (s->used + PAGE_SIZE > s->limit)
			return p > from ? p : from;
		set_charged(i, c, p, true);
	}
	return to;
}

static void chunk_drop(struct inode *i, size_t k)
{
	struct tmpfs_node *n = TN(i);
	struct tmpfs_chunk *c = n->chunks[k];
	for (uint64_t p = c->start; p < chunk_end(c); p += PAGE_SIZE)
		set_charged(i, c, p, false);
	range_put(c->range);
	free(c);
	memmove(n->chunks + k, n->chunks + k + 1, (n->nchunks - k - 1) * sizeof(*n->chunks));
	n->nchunks--;
}

/* Make [from, to) read as zero. Whole pages are punched; with `release`
 * they are uncharged and whole chunks no mapping uses are freed. */
static void zero_range(struct inode *i, uint64_t from, uint64_t to, bool release)
{
	struct tmpfs_node *n = TN(i);
	size_t k = chunk_index(n, from);
	while (k < n->nchunks && n->chunks[k]->start < to) {
		struct tmpfs_chunk *c = n->chunks[k];
		uint64_t a = from > c->start ? from : c->start;
		uint64_t b = to < chunk_end(c) ? to : chunk_end(c);
		if (release && a == c->start && b == chunk_end(c) && c->range->refs == 1) {
			chunk_drop(i, k);
			continue;
		}
		uint64_t pa = PAGE_ALIGN(a), pb = b & PAGE_MASK;
		if (pa < pb) {
			memset(chunk_ptr(c, a), 0, pa - a);
			memfile_zero(c->range->off + (pa - c->start), pb - pa);
			memset(chunk_ptr(c, pb), 0, b - pb);
			for (uint64_t p = pa; release && p < pb; p += PAGE_SIZE)
				set_charged(i, c, p, false);
		} else {
			memset(chunk_ptr(c, a), 0, b - a);
		}
		k++;
	}
}

void tmpfs_file_free(struct inode *i)
{
	struct tmpfs_node *n = TN(i);
	while (n->nchunks)
		chunk_drop(i, n->nchunks - 1);
	free(n->chunks);
	n->chunks = NULL;
	n->chunks_cap = 0;
}

bool tmpfs_mapped_shared(struct inode *i)
{
	struct tmpfs_node *n = TN(i);
	for (size_t k = 0; k < n->nchunks; k++)
		if (n->chunks[k]->range->refs > 1)
			return true;
	return false;
}

int tmpfs_resize(struct inode *i, uint64_t size)
{
	if (size < i->size)
		zero_range(i, size, UINT64_MAX, true);
	else if (size > i->size)
		zero_range(i, i->size, size, false);   /* what mappings stored past EOF */
	i->size = size;
	set_blocks(i);
	return 0;
}

/* ---- file operations ------------------------------------------------------- */

static ssize_t tmpfs_read(struct file *f, void *buf, size_t len, uint64_t *pos)
{
	struct inode *i = f->inode;
	struct tmpfs_node *n = TN(i);
	if (*pos >= i->size)
		return 0;
	uint64_t stop = i->size - *pos < len ? i->size : *pos + len;
	uint64_t off = *pos;
	size_t k = chunk_index(n, off);
	while (off < stop) {
		struct tmpfs_chunk *c = k < n->nchunks ? n->chunks[k] : NULL;
		char *dst = (char *)buf + (off - *pos);
		if (c && c->start <= off) {
			uint64_t e = chunk_end(c) < stop ? chunk_end(c) : stop;
			memcpy(dst, chunk_ptr(c, off), e - off);
			off = e;
			k++;
		} else {
			uint64_t e = c && c->start < stop ? c->start : stop;
			memset(dst, 0, e - off);
			off = e;
		}
	}
	ssize_t done = (ssize_t)(stop - *pos);
	*pos = stop;
	i->atime = vfs_now();
	return done;
}

static ssize_t tmpfs_write(struct file *f, const void *buf, size_t len, uint64_t *pos)
{
	struct inode *i = f->inode;
	uint64_t end;

	if (len == 0)
		return 0;
	if (__builtin_add_overflow(*pos, len, &end) || end > INT64_MAX)
		return -EFBIG;
	if (TN(i)->seals & (F_SEAL_WRITE | F_SEAL_FUTURE_WRITE))
		return -EPERM;
	if ((TN(i)->seals & F_SEAL_GROW) && end > i->size)
		return -EPERM;
	if (*pos > i->size)
		zero_range(i, i->size, *pos, false);
	/* A write that does not fit entirely is cut short like on a full disk. */
	uint64_t off = *pos;
	int err = -ENOSPC;
	while (off < end) {
		bool created;
		struct tmpfs_chunk *c = chunk_get(i, off, &created, &err);
		if (!c)
			break;
		uint64_t stop = chunk_end(c) < end ? chunk_end(c) : end;
		uint64_t ok = charge(i, c, off, stop);
		memcpy(chunk_ptr(c, off), (const char *)buf + (off - *pos), ok - off);
		if (ok < stop) {
			if (created && ok == off)
				chunk_drop(i, chunk_index(TN(i), off));
			off = ok;
			break;
		}
		off = ok;
	}
	if (off == *pos)
		return err;
	if (off > i->size)
		i->size = off;
	set_blocks(i);
	ssize_t done = (ssize_t)(off - *pos);
	*pos = off;
	tmpfs_touch(i, true);
	return done;
}

/* First page-granular position >= off below limit whose page is data
 * (want_data) or a hole; limit if none. */
static uint64_t seek_page(const struct tmpfs_node *n, uint64_t off, bool want_data, uint64_t limit)
{
	uint64_t q = off & PAGE_MASK;
	while (q < limit) {
		size_t k = chunk_index(n, q);
		const struct tmpfs_chunk *c = k < n->nchunks ? n->chunks[k] : NULL;
		if (!c || c->start > q) {
			if (!want_data)
				break;
			q = c ? c->start : limit;
			continue;
		}
		for (; q < chunk_end(c) && q < limit; q += PAGE_SIZE)
			if (page_charged(c, q) == want_data)
				return q > off ? q : off;
	}
	return q < limit ? (q > off ? q : off) : limit;
}

static int64_t tmpfs_llseek(struct file *f, int64_t off, int whence)
{
	if (whence != SEEK_DATA && whence != SEEK_HOLE)
		return generic_llseek(f, off, whence);
	uint64_t size = f->inode->size;
	if (off < 0 || (uint64_t)off >= size)
		return -ENXIO;
	uint64_t r = seek_page(TN(f->inode), (uint64_t)off, whence == SEEK_DATA, size);
	if (whence == SEEK_DATA && r >= size)
		return -ENXIO;
	f->pos = r;
	return (int64_t)r;
}

static int tmpfs_mmap_range(struct file *f, uint64_t off, struct mem_range **out, uint64_t *start)
{
	bool created;
	int err = 0;
	struct tmpfs_chunk *c = chunk_get(f->inode, off, &created, &err);
	if (!c)
		return err;
	range_get(c->range);
	*out = c->range;
	*start = c->start;
	return 0;
}

/* A VMA of the chunk at off went: charge the pages its mappings touched
 * (those holding data in the memory file), below EOF and the limit. */
static void tmpfs_mmap_put(struct file *f, uint64_t off)
{
	struct inode *i = f->inode;
	struct tmpfs_node *n = TN(i);
	size_t k = chunk_index(n, off);
	if (k == n->nchunks || n->chunks[k]->start > off)
		return;
	struct tmpfs_chunk *c = n->chunks[k];
	uint64_t end = chunk_end(c) < PAGE_ALIGN(i->size) ? chunk_end(c) : PAGE_ALIGN(i->size);
	uint64_t base = c->range->off - c->start;    /* memory-file offset of file offset 0 */
	for (uint64_t p = c->start; p < end;) {
		off_t d = lseek(memfile_fd(), (off_t)(base + p), SEEK_DATA);
		if (d < 0 || (uint64_t)d - base >= end)
			break;
		off_t h = lseek(memfile_fd(), d, SEEK_HOLE);
		uint64_t stop = h < 0 || (uint64_t)h - base > end ? end : (uint64_t)h - base;
		if (charge(i, c, (uint64_t)d - base, stop) < stop)
			break;     /* the size limit */
		p = stop;
	}
	set_blocks(i);
}

const struct file_ops tmpfs_file_fops = {
	.read = tmpfs_read,
	.write = tmpfs_write,
	.llseek = tmpfs_llseek,
	.mmap_range = tmpfs_mmap_range,
	.mmap_put = tmpfs_mmap_put,
};

/* ---- fallocate ----------------------------------------------------------------- */

/* Charge every page of [off, end): all or nothing (-ENOSPC). */
static int preallocate(struct inode *i, uint64_t off, uint64_t end)
{
	struct tmpfs_node *n = TN(i);
	struct tmpfs_sb *s = TSB(i);
	uint64_t first = off & PAGE_MASK, need = (PAGE_ALIGN(end) - first) / PAGE_SIZE;
	for (size_t k = chunk_index(n, first); k < n->nchunks && n->chunks[k]->start < end; k++)
		for (uint64_t p = n->chunks[k]->start; p < chunk_end(n->chunks[k]); p += PAGE_SIZE)
			if (p >= first && p < end && page_charged(n->chunks[k], p))
				need--;
	if (need > (s->limit - s->used) / PAGE_SIZE)
		return -ENOSPC;
	for (uint64_t p = first; p < end;) {
		bool created;
		int err = 0;
		struct tmpfs_chunk *c = chunk_get(i, p, &created, &err);
		if (!c)
			return err;
		uint64_t stop = chunk_end(c) < end ? chunk_end(c) : end;
		charge(i, c, p, stop);
		p = stop;
	}
	return 0;
}

/* fallocate: mode 0 / KEEP_SIZE charge the pages (-ENOSPC over the
 * limit), PUNCH_HOLE|KEEP_SIZE frees them, ZERO_RANGE zeroes and charges. */
int tmpfs_fallocate(struct inode *i, int mode, uint64_t off, uint64_t len)
{
	unsigned seals = TN(i)->seals;
	uint64_t end = off + len;
	bool keep = mode & FALLOC_FL_KEEP_SIZE;

	if ((mode & (FALLOC_FL_PUNCH_HOLE | FALLOC_FL_ZERO_RANGE)) &&
	    (seals & (F_SEAL_WRITE | F_SEAL_FUTURE_WRITE)))
		return -EPERM;
	if (!keep && end > i->size && (seals & F_SEAL_GROW))
		return -EPERM;
	if (mode & FALLOC_FL_PUNCH_HOLE) {
		zero_range(i, off, end, true);
	} else {
		if (mode & FALLOC_FL_ZERO_RANGE)
			zero_range(i, off, end < i->size ? end : i->size, false);
		int err = preallocate(i, off, end);
		if (err)
			return err;
	}
	if (!keep && end > i->size)
		tmpfs_resize(i, end);
	set_blocks(i);
	if (mode & (FALLOC_FL_PUNCH_HOLE | FALLOC_FL_ZERO_RANGE) || end > i->size)
		tmpfs_touch(i, true);
	else
		tmpfs_touch(i, false);
	return 0;
}
