/*
 * The memory file: one sparse memfd holding all guest memory, mapped once
 * into the sentry. File space is handed out page-granular by a first-fit
 * allocator over a sorted list of free extents; freed space is punched so
 * its pages go back to the host and read as zero when reused.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <sys/mman.h>
#include "mm_internal.h"
#include "../log.h"

#define MEMFILE_SIZE (256ULL << 30)

struct extent {
	struct list_head link;   /* sorted by off, never adjacent (coalesced) */
	uint64_t off, len;
};

static int mf_fd = -1;
static char *mf_base;
static uint64_t mf_in_use;
static struct list_head mf_free = LIST_HEAD_INIT(mf_free);

int memfile_init(void)
{
	if (mf_fd >= 0)
		return 0;
	int fd = memfd_create("cvisor-memory", 0);
	if (fd < 0)
		return -errno;
	if (ftruncate(fd, MEMFILE_SIZE) < 0)
		goto fail;
	void *p = mmap(NULL, MEMFILE_SIZE, PROT_READ | PROT_WRITE, MAP_SHARED | MAP_NORESERVE, fd, 0);
	if (p == MAP_FAILED)
		goto fail;
	struct extent *e = malloc(sizeof(*e));
	if (!e) {
		munmap(p, MEMFILE_SIZE);
		errno = ENOMEM;
		goto fail;
	}
	e->off = 0;
	e->len = MEMFILE_SIZE;
	list_add(&e->link, &mf_free);
	mf_base = p;
	mf_fd = fd;
	return 0;
fail:;
	int err = -errno;
	close(fd);
	return err;
}

int memfile_fd(void) { return mf_fd; }
void *memfile_ptr(uint64_t off) { return mf_base + off; }
/* Weak: a unit test of procfs brings its own figure. */
__attribute__((weak)) uint64_t memfile_bytes_in_use(void) { return mf_in_use; }

uint64_t memfile_alloc(uint64_t len)
{
	struct list_head *pos;
	if (!len || (len & ~PAGE_MASK))
		return (uint64_t)-1;
	if (mf_fd < 0 && memfile_init() < 0)   /* the sentry inits at boot; unit tests here */
		return (uint64_t)-1;
	list_for_each(pos, &mf_free) {
		struct extent *e = list_entry(pos, struct extent, link);
		if (e->len < len)
			continue;
		uint64_t off = e->off;
		e->off += len;
		e->len -= len;
		if (!e->len) {
			list_del(&e->link);
			free(e);
		}
		mf_in_use += len;
		return off;
	}
	return (uint64_t)-1;
}

bool memfile_alloc_at(uint64_t off, uint64_t len)
{
	struct list_head *pos;
	list_for_each(pos, &mf_free) {
		struct extent *e = list_entry(pos, struct extent, link);
		if (e->off > off)
			break;
		if (off + len > e->off + e->len)
			continue;
		if (off == e->off) {
			e->off += len;
			e->len -= len;
			if (!e->len) {
				list_del(&e->link);
				free(e);
			}
		} else if (off + len == e->off + e->len) {
			e->len -= len;
		} else {
			struct extent *tail = malloc(sizeof(*tail));
			if (!tail)
				return false;
			tail->off = off + len;
			tail->len = e->off + e->len - tail->off;
			e->len = off - e->off;
			list_add(&tail->link, &e->link);
		}
		mf_in_use += len;
		return true;
	}
	return false;
}

void memfile_zero(uint64_t off, uint64_t len)
{
	if (len && fallocate(mf_fd, FALLOC_FL_PUNCH_HOLE | FALLOC_FL_KEEP_SIZE, (off_t)off, (off_t)len) < 0)
		/* Cannot happen on a memfd; fall back to writing zeros. */
		memset(mf_base + off, 0, len);
}

void memfile_free(uint64_t off, uint64_t len)
{
	if (!len)
		return;
	memfile_zero(off, len);
	mf_in_use -= len;

	/* Insert before the first extent above, coalescing with neighbours. */
	struct list_head *pos, *next_link = &mf_free;
	list_for_each(pos, &mf_free) {
		if (list_entry(pos, struct extent, link)->off > off) {
			next_link = pos;
			break;
		}
	}
	struct extent *prev = next_link->prev == &mf_free ? NULL
		: list_entry(next_link->prev, struct extent, link);
	struct extent *next = next_link == &mf_free ? NULL
		: list_entry(next_link, struct extent, link);
	if (prev && prev->off + prev->len == off) {
		prev->len += len;
		if (next && prev->off + prev->len == next->off) {
			prev->len += next->len;
			list_del(&next->link);
			free(next);
		}
		return;
	}
	if (next && off + len == next->off) {
		next->off = off;
		next->len += len;
		return;
	}
	struct extent *e = malloc(sizeof(*e));
	if (!e) {
		log_warn("memfile: out of memory, leaking %llu bytes of file space",
			 (unsigned long long)len);
		return;
	}
	e->off = off;
	e->len = len;
	list_add_between(&e->link, next_link->prev, next_link);
}

void memfile_copy(uint64_t dst, uint64_t src, uint64_t len)
{
	uint64_t end = src + len, pos = src;
	while (pos < end) {
		off_t d = lseek(mf_fd, (off_t)pos, SEEK_DATA);
		if (d < 0 && errno != ENXIO) {
			memcpy(mf_base + dst + (pos - src), mf_base + pos, end - pos);
			return;
		}
		if (d < 0 || (uint64_t)d >= end)
			return;   /* only holes remain */
		off_t h = lseek(mf_fd, d, SEEK_HOLE);
		uint64_t stop = h < 0 || (uint64_t)h > end ? end : (uint64_t)h;
		memcpy(mf_base + dst + ((uint64_t)d - src), mf_base + d, stop - (uint64_t)d);
		pos = stop;
	}
}
