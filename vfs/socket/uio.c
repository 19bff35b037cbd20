/* Gathering and scattering message data over guest iovecs or a kernel
 * buffer, and ancillary data cleanup. */
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include "vfs/socket/unix_int.h"
#include "sentry/task.h"
#include "sentry/mm.h"

static int uio_copy(struct uio *u, void *kbuf, size_t n, bool in)
{
	uint8_t *p = kbuf;

	while (n) {
		const struct kiovec *v;
		uint64_t step;

		if (u->idx >= u->niov)
			return -EFAULT;
		v = &u->iov[u->idx];
		if (u->off == v->len) {
			u->idx++;
			u->off = 0;
			continue;
		}
		step = v->len - u->off < n ? v->len - u->off : n;
		if (!u->t) {
			uint8_t *k = (uint8_t *)(uintptr_t)v->base + u->off;
			if (in)
				memcpy(p, k, step);
			else
				memcpy(k, p, step);
		} else if (in ? copy_from_user(u->t->mm, p, v->base + u->off, step)
			      : copy_to_user(u->t->mm, v->base + u->off, p, step)) {
			return -EFAULT;
		}
		u->off += step;
		p += step;
		n -= step;
	}
	return 0;
}

int uio_copy_in(struct uio *u, void *dst, size_t n)
{
	return uio_copy(u, dst, n, true);
}

int uio_copy_out(struct uio *u, const void *src, size_t n)
{
	return uio_copy(u, (void *)src, n, false);
}

void scm_destroy(struct scm *scm)
{
	for (int i = 0; i < scm->nfds; i++)
		file_put(scm->fds[i]);
	free(scm->fds);
	scm->fds = NULL;
	scm->nfds = 0;
}
