/*
 * goferfs page cache, only for MAP_SHARED mappings: the chunks (memory-file
 * ranges, 64 KiB below 2 MiB of file offset, 2 MiB above) that shared VMAs
 * map are filled from the host fd with pread when first mapped. While an
 * inode has a cache, read(2) takes cached bytes over the host's and write(2)
 * goes to the host and into the cache, so both stay coherent with the
 * mappings. Stores through mappings cannot be tracked page by page: chunks
 * mapped through a writable description are written back whole (up to the
 * host file's size) on msync, fsync and when the last mapping goes; the
 * cache is dropped then, so it never outlives the mappings.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <sys/stat.h>
#include "vfs/goferfs/goferfs.h"
#include "sentry/mm.h"

#define CHUNK_SMALL (64ULL << 10)
#define CHUNK_BIG   (2ULL << 20)

struct gcache_chunk {
	uint64_t start;
	struct mem_range *range;   /* the cache's reference; VMAs hold more */
	bool writable;             /* mapped through a writable description */
};

struct gofer_cache {
	struct gcache_chunk *chunks;   /* sorted by start */
	size_t n, cap;
	struct file *wfile;            /* a writable description for write-back */
};

static uint64_t chunk_base(uint64_t off)
{
	return off < CHUNK_BIG ? off & ~(CHUNK_SMALL - 1) : off & ~(CHUNK_BIG - 1);
}

static uint64_t chunk_end(const struct gcache_chunk *c)
{
	return c->start + c->range->len;
}

/* Index of the first chunk ending after off. */
static size_t chunk_index(const struct gofer_cache *gc, uint64_t off)
{
	size_t lo = 0, hi = gc->n;
	while (lo < hi) {
		size_t mid = lo + (hi - lo) / 2;
		if (chunk_end(&gc->chunks[mid]) <= off)
			lo = mid + 1;
		else
			hi = mid;
	}
	return lo;
}

static int fill(int fd, char *dst, uint64_t len, uint64_t off)
{
	uint64_t done = 0;
	while (done < len) {
		ssize_t n = pread(fd, dst + done, len - done, (off_t)(off + done));
		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0)
			return -errno;
		if (n == 0)
			break;       /* EOF: the rest stays zero */
		done += (uint64_t)n;
	}
	return 0;
}

int gcache_mmap_range(struct file *f, int hostfd, uint64_t off, struct mem_range **out,
		      uint64_t *start)
{
	struct goferfs_inode *gi = GI(f->inode);
	struct gofer_cache *gc = gi->cache;
	if (!gc && !(gc = gi->cache = calloc(1, sizeof(*gc))))
		return -ENOMEM;
	bool writable = (f->flags & O_ACCMODE) == O_RDWR;
	if (writable && !gc->wfile) {
		file_get(f);
		gc->wfile = f;
	}
	size_t k = chunk_index(gc, off);
	if (k == gc->n || gc->chunks[k].start > off) {
		if (gc->n == gc->cap) {
			size_t cap = gc->cap ? gc->cap * 2 : 4;
			struct gcache_chunk *a = realloc(gc->chunks, cap * sizeof(*a));
			if (!a)
				return -ENOMEM;
			gc->chunks = a;
			gc->cap = cap;
		}
		uint64_t base = chunk_base(off);
		struct mem_range *r = range_new(base < CHUNK_BIG ? CHUNK_SMALL : CHUNK_BIG);
		if (!r)
			return -ENOMEM;
		int err = fill(hostfd, memfile_ptr(r->off), r->len, base);
		if (err) {
			range_put(r);
			return err;
		}
		memmove(gc->chunks + k + 1, gc->chunks + k, (gc->n - k) * sizeof(*gc->chunks));
		gc->chunks[k] = (struct gcache_chunk){ .start = base, .range = r };
		gc->n++;
	}
	struct gcache_chunk *c = &gc->chunks[k];
	c->writable |= writable;
	range_get(c->range);
	*out = c->range;
	*start = c->start;
	return 0;
}

/* Copy between buf (file bytes [pos, pos+n)) and the cached chunks. */
static void copy_cached(struct gofer_cache *gc, char *buf, uint64_t pos, uint64_t n, bool to_cache)
{
	for (size_t k = chunk_index(gc, pos); k < gc->n && gc->chunks[k].start < pos + n; k++) {
		struct gcache_chunk *c = &gc->chunks[k];
		uint64_t a = pos > c->start ? pos : c->start;
		uint64_t b = pos + n < chunk_end(c) ? pos + n : chunk_end(c);
		char *cp = memfile_ptr(c->range->off + (a - c->start));
		if (to_cache)
			memcpy(cp, buf + (a - pos), b - a);
		else
			memcpy(buf + (a - pos), cp, b - a);
	}
}

void gcache_after_read(struct inode *i, void *buf, uint64_t pos, uint64_t n)
{
	if (GI(i)->cache)
		copy_cached(GI(i)->cache, buf, pos, n, false);
}

void gcache_after_write(struct inode *i, const void *buf, uint64_t pos, uint64_t n)
{
	if (GI(i)->cache)
		copy_cached(GI(i)->cache, (char *)buf, pos, n, true);
}

void gcache_truncated(struct inode *i, uint64_t size)
{
	struct gofer_cache *gc = GI(i)->cache;
	if (!gc)
		return;
	for (size_t k = chunk_index(gc, size); k < gc->n; k++) {
		struct gcache_chunk *c = &gc->chunks[k];
		uint64_t a = size > c->start ? size : c->start, pa = PAGE_ALIGN(a);
		memset(memfile_ptr(c->range->off + (a - c->start)), 0, pa - a);
		memfile_zero(c->range->off + (pa - c->start), chunk_end(c) - pa);
	}
}

int gcache_sync(struct inode *i, uint64_t off, uint64_t len)
{
	struct gofer_cache *gc = GI(i)->cache;
	if (!gc || !gc->wfile)
		return 0;
	int fd = goferfs_file_hostfd(gc->wfile);
	struct stat st;
	if (fstat(fd, &st) < 0)
		return -errno;
	uint64_t size = (uint64_t)st.st_size, end = off + len < off ? UINT64_MAX : off + len;
	for (size_t k = chunk_index(gc, off); k < gc->n && gc->chunks[k].start < end; k++) {
		struct gcache_chunk *c = &gc->chunks[k];
		if (!c->writable)
			continue;
		uint64_t a = off > c->start ? off : c->start;
		uint64_t b = end < chunk_end(c) ? end : chunk_end(c);
		if (b > size)
			b = size;
		while (a < b) {
			ssize_t n = pwrite(fd, memfile_ptr(c->range->off + (a - c->start)), b - a, (off_t)a);
			if (n < 0 && errno == EINTR)
				continue;
			if (n <= 0)
				return n < 0 ? -errno : -EIO;
			a += (uint64_t)n;
		}
	}
	return 0;
}

void gcache_put(struct inode *i)
{
	struct gofer_cache *gc = GI(i)->cache;
	if (!gc)
		return;
	for (size_t k = 0; k < gc->n; k++)
		if (gc->chunks[k].range->refs > 1)
			return;     /* still mapped */
	gcache_drop(i);
}

void gcache_drop(struct inode *i)
{
	struct goferfs_inode *gi = GI(i);
	struct gofer_cache *gc = gi->cache;
	if (!gc)
		return;
	gcache_sync(i, 0, UINT64_MAX);
	gi->cache = NULL;
	for (size_t k = 0; k < gc->n; k++)
		range_put(gc->chunks[k].range);
	free(gc->chunks);
	if (gc->wfile)
		file_put(gc->wfile);
	free(gc);
}
