/* Moving file data and paths between guest memory and the VFS. */
#include <errno.h>
#include <stdlib.h>
#include <sys/sysmacros.h>
#include "vfs_impl.h"
#include "../sentry/mm.h"
#include "../sentry/task.h"

long vfs_getname(struct task *t, uint64_t uaddr, char **out)
{
	char *buf = malloc(PATH_MAX_LEN);
	if (!buf)
		return -ENOMEM;
	long n = strncpy_from_user(t->mm, buf, uaddr, PATH_MAX_LEN);
	if (n < 0) {
		free(buf);
		return n;
	}
	*out = buf;
	return n;
}

int fd_limit(struct task *t)
{
	uint64_t lim = t && t->tg ? t->tg->rlimits[RLIMIT_NOFILE].rlim_cur : 1024;
	return lim > (1u << 20) ? (1 << 20) : (int)lim;
}

/* Sockets move a whole datagram per call: their steps may reach 1 MiB
 * (beyond Linux's default socket buffers); everything else loops over
 * the 64 KiB bounce buffer. */
#define SOCK_STEP_MAX (1u << 20)

static size_t step_for(const struct file *f, size_t len)
{
	size_t max = f->inode && S_ISSOCK(f->inode->mode) ? SOCK_STEP_MAX : VFS_BOUNCE;
	return len < max ? len : max;
}

/* Files whose reads fill the whole request, as Linux's do: regular files
 * and the memory devices (major 1: zero, full, random, urandom); streams
 * return what one bounce buffer got. */
static bool whole_reads(const struct file *f)
{
	const struct inode *i = f->inode;
	return i && (S_ISREG(i->mode) || (S_ISCHR(i->mode) && major(i->rdev) == 1));
}

ssize_t vfs_read_user(struct task *t, struct file *f, uint64_t ubuf, size_t len, uint64_t *pos)
{
	char small[1];
	char *buf = len ? malloc(step_for(f, len)) : small;
	size_t done = 0;
	ssize_t ret = 0;

	if (!buf)
		return -ENOMEM;
	do {
		size_t step = step_for(f, len - done);
		ssize_t n = vfs_read(f, buf, step, pos);
		if (n < 0) {
			ret = n;
			break;
		}
		if (n > 0 && copy_to_user(t->mm, ubuf + done, buf, (size_t)n)) {
			ret = -EFAULT;
			break;
		}
		done += (size_t)n;
		if ((size_t)n < step || !whole_reads(f))
			break;
	} while (done < len);
	if (buf != small)
		free(buf);
	return done ? (ssize_t)done : ret;
}

ssize_t vfs_write_user(struct task *t, struct file *f, uint64_t ubuf, size_t len, uint64_t *pos)
{
	char small[1];
	char *buf = len ? malloc(step_for(f, len)) : small;
	size_t done = 0;
	ssize_t ret = 0;

	if (!buf)
		return -ENOMEM;
	do {
		size_t step = step_for(f, len - done);
		if (step && copy_from_user(t->mm, buf, ubuf + done, step)) {
			ret = -EFAULT;
			break;
		}
		ssize_t n = vfs_write(f, buf, step, pos);
		if (n < 0) {
			ret = n;
			break;
		}
		done += (size_t)n;
		if ((size_t)n < step)
			break;
	} while (done < len);
	if (buf != small)
		free(buf);
	return done ? (ssize_t)done : ret;
}
