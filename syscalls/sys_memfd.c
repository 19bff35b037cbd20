/* memfd_create(2). */
#include <errno.h>
#include <string.h>
#include <sys/mman.h>
#include "syscall.h"
#include "../vfs/vfs_impl.h"
#include "../vfs/memfd.h"
#include "../sentry/mm.h"
#include "../sentry/task.h"

#ifndef MFD_NOEXEC_SEAL
#define MFD_NOEXEC_SEAL 0x0008U
#define MFD_EXEC        0x0010U
#endif

long sys_memfd_create(struct task *t, const struct syscall_args *a)
{
	unsigned flags = (unsigned)a->a[1];
	char name[MFD_NAME_MAX_LEN + 1];
	struct file *f;

	if (flags & ~(MFD_CLOEXEC | MFD_ALLOW_SEALING | MFD_HUGETLB | MFD_NOEXEC_SEAL | MFD_EXEC))
		return -EINVAL;
	if (flags & MFD_HUGETLB)
		return -EINVAL;            /* no hugetlbfs in the sandbox */
	if ((flags & MFD_NOEXEC_SEAL) && (flags & MFD_EXEC))
		return -EINVAL;
	long n = strncpy_from_user(t->mm, name, a->a[0], sizeof(name));
	if (n == -ENAMETOOLONG)
		return -EINVAL;
	if (n < 0)
		return n;
	long err = memfd_new(t, name, flags, &f);
	if (err)
		return err;
	err = fd_install(t->files, 0, f, flags & MFD_CLOEXEC);
	file_put(f);
	return err;
}
