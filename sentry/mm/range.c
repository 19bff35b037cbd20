/*
 * Refcounted runs of memory-file pages (struct mem_range), shared by the
 * VMAs that map them and by tmpfs files whose data they hold.
 */
#include <stdlib.h>
#include "../mm.h"

struct mem_range *range_new(uint64_t len)
{
	struct mem_range *r = malloc(sizeof(*r));
	if (!r)
		return NULL;
	r->off = memfile_alloc(len);
	if (r->off == (uint64_t)-1) {
		free(r);
		return NULL;
	}
	r->len = len;
	r->refs = 1;
	return r;
}

void range_get(struct mem_range *r) { r->refs++; }

void range_put(struct mem_range *r)
{
	if (--r->refs > 0)
		return;
	memfile_free(r->off, r->len);
	free(r);
}
