/* Descriptor tables: grown geometrically up to RLIMIT_NOFILE. */
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include "vfs_impl.h"
#include "lock.h"
#include "../sentry/task.h"

#define FDT_INITIAL 64
#define NOFILE_DEFAULT 1024

static int nofile_limit(void)
{
	uint64_t lim = NOFILE_DEFAULT;
	if (current && current->tg)
		lim = current->tg->rlimits[RLIMIT_NOFILE].rlim_cur;
	return lim > (1u << 20) ? (1 << 20) : (int)lim;   /* Linux nr_open default */
}

/* close(2) of one descriptor: the table's POSIX locks on the file go too. */
static void close_file(struct fdtable *ft, struct file *f)
{
	if (!f)
		return;
	posix_locks_close(f, ft);
	file_put(f);
}

struct fdtable *fdtable_new(void)
{
	struct fdtable *ft = calloc(1, sizeof(*ft));
	if (!ft)
		return NULL;
	ft->refs = 1;
	return ft;
}

/* Make room for index fd (fd < limit checked by the caller). */
static int fdtable_grow(struct fdtable *ft, int fd)
{
	if (fd < ft->max)
		return 0;
	int n = ft->max ? ft->max : FDT_INITIAL;
	while (n <= fd)
		n *= 2;
	struct file **nf = realloc(ft->fd, sizeof(*nf) * n);
	if (!nf)
		return -ENOMEM;
	ft->fd = nf;
	bool *nc = realloc(ft->cloexec, sizeof(*nc) * n);
	if (!nc)
		return -ENOMEM;
	ft->cloexec = nc;
	memset(ft->fd + ft->max, 0, sizeof(*nf) * (n - ft->max));
	memset(ft->cloexec + ft->max, 0, sizeof(*nc) * (n - ft->max));
	ft->max = n;
	return 0;
}

struct fdtable *fdtable_dup(struct fdtable *ft)
{
	struct fdtable *n = fdtable_new();
	if (!n)
		return NULL;
	if (ft->max && fdtable_grow(n, ft->max - 1)) {
		fdtable_put(n);
		return NULL;
	}
	for (int i = 0; i < ft->max; i++) {
		n->fd[i] = ft->fd[i];
		n->cloexec[i] = ft->cloexec[i];
		if (n->fd[i])
			file_get(n->fd[i]);
	}
	return n;
}

void fdtable_put(struct fdtable *ft)
{
	if (!ft || --ft->refs > 0)
		return;
	for (int i = 0; i < ft->max; i++)
		close_file(ft, ft->fd[i]);
	free(ft->fd);
	free(ft->cloexec);
	free(ft);
}

int fd_install(struct fdtable *ft, int minfd, struct file *f, bool cloexec)
{
	int lim = nofile_limit();
	int fd = minfd < 0 ? 0 : minfd;

	while (fd < ft->max && ft->fd[fd])
		fd++;
	if (fd >= lim)
		return -EMFILE;
	if (fdtable_grow(ft, fd))
		return -ENOMEM;
	file_get(f);
	ft->fd[fd] = f;
	ft->cloexec[fd] = cloexec;
	return fd;
}

int fd_install_at(struct fdtable *ft, int fd, struct file *f, bool cloexec)
{
	if (fd < 0 || fd >= nofile_limit())
		return -EBADF;
	if (fdtable_grow(ft, fd))
		return -ENOMEM;
	struct file *old = ft->fd[fd];
	file_get(f);
	ft->fd[fd] = f;
	ft->cloexec[fd] = cloexec;
	close_file(ft, old);
	return fd;
}

struct file *fd_get(struct fdtable *ft, int fd)
{
	if (!ft || fd < 0 || fd >= ft->max || !ft->fd[fd])
		return NULL;
	file_get(ft->fd[fd]);
	return ft->fd[fd];
}

int fd_close(struct fdtable *ft, int fd)
{
	if (!ft || fd < 0 || fd >= ft->max || !ft->fd[fd])
		return -EBADF;
	struct file *f = ft->fd[fd];
	ft->fd[fd] = NULL;
	ft->cloexec[fd] = false;
	close_file(ft, f);
	return 0;
}

void fdtable_close_on_exec(struct fdtable *ft)
{
	for (int i = 0; i < ft->max; i++)
		if (ft->fd[i] && ft->cloexec[i])
			fd_close(ft, i);
}
