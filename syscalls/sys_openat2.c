/* openat2(2): struct open_how with Linux's strict flag checks, then the
 * open with RESOLVE_* scoping (vfs/namei.c). */
#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <linux/openat2.h>
#include "syscall.h"
#include "../vfs/vfs_impl.h"
#include "../sentry/mm.h"
#include "../sentry/task.h"

#define OPEN_HOW_SIZE_VER0 24
#define PAGE_SZ 4096
#define VALID_OPEN_FLAGS (O_ACCMODE | O_CREAT | O_EXCL | O_NOCTTY | O_TRUNC | O_APPEND | \
			  O_NONBLOCK | O_SYNC | O_DSYNC | O_ASYNC | O_DIRECT | O_LARGEFILE | \
			  O_DIRECTORY | O_NOFOLLOW | O_NOATIME | O_CLOEXEC | O_PATH | O_TMPFILE)
#define VALID_RESOLVE (RESOLVE_NO_XDEV | RESOLVE_NO_MAGICLINKS | RESOLVE_NO_SYMLINKS | \
		       RESOLVE_BENEATH | RESOLVE_IN_ROOT | RESOLVE_CACHED)

/* copy_struct_from_user: a larger struct is fine if the extra bytes are zero. */
static long get_how(struct task *t, uint64_t uhow, size_t usize, struct open_how *how)
{
	if (usize < OPEN_HOW_SIZE_VER0)
		return -EINVAL;
	if (usize > PAGE_SZ)
		return -E2BIG;
	*how = (struct open_how){ 0 };
	size_t n = usize < sizeof(*how) ? usize : sizeof(*how);
	if (copy_from_user(t->mm, how, uhow, n))
		return -EFAULT;
	if (usize > sizeof(*how)) {
		unsigned char extra[PAGE_SZ];
		size_t rest = usize - sizeof(*how);
		if (copy_from_user(t->mm, extra, uhow + sizeof(*how), rest))
			return -EFAULT;
		for (size_t k = 0; k < rest; k++)
			if (extra[k])
				return -E2BIG;
	}
	return 0;
}

static long check_how(const struct open_how *how)
{
	uint64_t flags = how->flags;
	if (flags & ~(uint64_t)VALID_OPEN_FLAGS)
		return -EINVAL;
	if (how->resolve & ~(uint64_t)VALID_RESOLVE)
		return -EINVAL;
	if (how->mode & ~07777ULL)
		return -EINVAL;
	if (how->mode && !(flags & O_CREAT) && (flags & O_TMPFILE) != O_TMPFILE)
		return -EINVAL;
	if ((how->resolve & RESOLVE_BENEATH) && (how->resolve & RESOLVE_IN_ROOT))
		return -EINVAL;
	if ((flags & O_PATH) && (flags & ~(uint64_t)(O_PATH | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC)))
		return -EINVAL;
	if ((flags & O_TMPFILE) == O_TMPFILE) {
		if (flags & O_CREAT)
			return -EINVAL;
		if (!(flags & (O_WRONLY | O_RDWR)))
			return -EINVAL;
	} else if ((flags & O_TMPFILE) == (O_TMPFILE & ~O_DIRECTORY)) {
		return -EINVAL;          /* __O_TMPFILE without O_DIRECTORY */
	}
	if ((flags & O_CREAT) && (flags & O_DIRECTORY))
		return -EINVAL;
	/* Everything here resolves without I/O except what creates or truncates. */
	if ((how->resolve & RESOLVE_CACHED) && (flags & (O_TRUNC | O_CREAT | O_TMPFILE)))
		return -EAGAIN;
	return 0;
}

long sys_openat2(struct task *t, const struct syscall_args *a)
{
	struct open_how how;
	struct file *f;
	char *path;
	long err = get_how(t, a->a[2], a->a[3], &how);
	if (!err)
		err = check_how(&how);
	if (err)
		return err;
	err = vfs_getname(t, a->a[1], &path);
	if (err < 0)
		return err;
	int flags = (int)how.flags | O_LARGEFILE;
	err = vfs_open_how(t, (int)a->a[0], path, flags, (mode_t)how.mode,
			   (unsigned)how.resolve & ~RESOLVE_CACHED, &f);
	free(path);
	if (err)
		return err;
	err = fd_install(t->files, 0, f, flags & O_CLOEXEC);
	file_put(f);
	return err;
}
